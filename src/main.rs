//! `outreach`: careful, personal email outreach from the command line.
//!
//! Architecture (a functional core in an imperative shell):
//! - `cli` parses; `cmd/*` holds one file per command: its clap arguments
//!   (the doc comment is the --help text), a call into an engine, and
//!   printing. Commands import engines, never each other.
//! - The workspace files: `config`, `contact`, `template`, loaded and
//!   checked with located errors before any network I/O (`workspace`);
//!   `lint` checks rendered text and the whole workspace.
//! - Messages: `template` renders strictly, `compose` makes template +
//!   contact into an email, `message` writes it as RFC 5322.
//! - Pure decisions, taking `now`: `schedule` (send windows, business
//!   days), `classify` (reply, auto-reply, bounce), `policy` (follow-ups,
//!   check-ins, post-conference notes), `rhythm` (agendas, thank-yous,
//!   milestone updates, interview thanks), `review` (the journal seen
//!   through both).
//! - Engines: `delivery` sends under the `journal` (once-only keys,
//!   pacing, Sent copies, recovery of uncertain messages); `drafts`
//!   renders and files drafts; `tracking` reads the mailboxes and records
//!   what it finds; `planner` turns what is due into messages in their
//!   thread and carries them out; `appointments` records meetings and
//!   interviews made by command.
//! - Connections: `account` logs in (credentials, TLS trust) and opens
//!   the `smtp` and `imap` sessions; `oauth` gets OAuth 2.0 tokens
//!   (`token_command`, the built-in login, refresh; the refresh token in
//!   `token_store`), `sasl` writes XOAUTH2 and OAUTHBEARER.
//! - Helpers: `terminal` holds tables, the progress bar and the
//!   confirmation prompt; `parallel` spreads work over the cores.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Reading ten thousand contacts and a journal makes and frees millions
/// of small values on two threads; mimalloc does that in about half the
/// time of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = outreach::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = outreach::cli::run(cli, &mut out);
    let _ = out.flush();
    match result {
        Ok(code) => code,
        Err(e) => {
            if let Some(p) = e.downcast_ref::<outreach::problem::Problems>() {
                eprintln!("{p}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
