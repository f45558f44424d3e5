//! `outreach`: careful, personal email outreach from the command line.
//!
//! Architecture (a functional core in an imperative shell):
//! - `config`, `contact`, `template`: the workspace files, loaded and checked
//!   with located errors before any network I/O (`workspace`).
//! - `template` renders strictly; `lint` checks rendered text; `message`
//!   turns it into an RFC 5322 email.
//! - `cmd/*`: one file per command, each with its clap arguments (the doc
//!   comment is the --help text) and an `execute` function.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

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
