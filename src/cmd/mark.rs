//! `outreach mark`: record what happened outside email.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::journal::{Event, EventKind, Journal};
use crate::workspace::{self, Workspace};

/// Record what happened outside email.
///
/// Record something that happened outside email: they answered on
/// LinkedIn or by phone, you met, they asked not to be contacted, or the
/// address is dead. Follow-ups stop after replied, met, do-not-contact and
/// bounced; `status` and `log` show the mark.
///
/// Example: outreach mark okafor replied --note "answered on LinkedIn"
///
/// Example: outreach mark nunez do-not-contact --note "asked by phone"
#[derive(Debug, Args)]
pub struct MarkArgs {
    /// The contact's id.
    pub contact: String,
    pub what: Mark,
    /// A few words on what happened.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mark {
    Replied,
    Met,
    DoNotContact,
    Bounced,
}

impl Mark {
    /// The event kind recorded in the journal.
    pub fn kind(self) -> EventKind {
        match self {
            Mark::Replied => EventKind::MarkedReplied,
            Mark::Met => EventKind::MarkedMet,
            Mark::DoNotContact => EventKind::MarkedDoNotContact,
            Mark::Bounced => EventKind::MarkedBounced,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Mark::Replied => "replied",
            Mark::Met => "met",
            Mark::DoNotContact => "do not contact",
            Mark::Bounced => "address bounced",
        }
    }
}

pub fn execute(args: &MarkArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let contact = ws.contact(&args.contact)?;
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    let summary = match &args.note {
        Some(n) => format!("marked {}: {n}", args.what.words()),
        None => format!("marked {}", args.what.words()),
    };
    journal.add_event(
        &Event {
            id: 0,
            contact: Some(contact.id.clone()),
            kind: args.what.kind(),
            at: now,
            message: None,
            mailbox: None,
            uid: None,
            source_id: None,
            until: None,
            summary: summary.clone(),
            detail: None,
        },
        now,
    )?;
    writeln!(out, "{} ({}): {summary}", contact.salutation(), contact.id)?;
    Ok(ExitCode::SUCCESS)
}
