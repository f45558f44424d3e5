//! `outreach resolve`: settle a message whose fate is uncertain.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

use crate::journal::{Journal, State};
use crate::workspace::{self, Workspace};

/// Say whether a message went out.
///
/// A message is uncertain when the process stopped while handing it to the
/// server; outreach never resends it on its own. Look in your Sent folder
/// (or ask the recipient), then record what happened. `unsent` lets the
/// next `send` send it. A draft (in outbox/ or the Drafts folder) that you
/// sent yourself is recorded the same way, so its follow-ups are timed from
/// it.
///
/// Example: outreach resolve 12 sent
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The message's number in the journal (shown by `send`), or its
    /// Message-ID.
    pub message: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Outcome {
    Sent,
    Unsent,
}

pub fn execute(args: &ResolveArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let journal = Journal::open(&ws.state_dir())?;
    let found = match args.message.parse::<i64>() {
        Ok(n) => journal.get(n)?,
        Err(_) => journal.by_message_id(args.message.trim_matches(|c| c == '<' || c == '>'))?,
    };
    let Some(m) = found else {
        bail!("no message `{}` in the journal", args.message);
    };
    if !matches!(m.state, State::Uncertain | State::Sending | State::Drafted) {
        bail!(
            "message {} to {} is {}, not uncertain or a draft: nothing to resolve",
            m.id,
            m.contact,
            m.state.as_str()
        );
    }
    let (state, note) = match args.outcome {
        Outcome::Sent => (State::Sent, "resolved by the user: sent"),
        Outcome::Unsent => (State::Unsent, "resolved by the user: not sent"),
    };
    journal.finish(m.id, state, Some(note), workspace::now()?)?;
    writeln!(
        out,
        "message {} to {} ({}) recorded as {}",
        m.id,
        m.contact,
        m.template,
        state.as_str()
    )?;
    Ok(ExitCode::SUCCESS)
}
