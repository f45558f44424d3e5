//! `outreach check`: read what is new in the mailboxes and record replies,
//! out-of-office answers, bounces and mail the user wrote themselves.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::journal::Journal;
use crate::tracking::{self, check, event_json};
use crate::workspace::{self, Workspace};

/// Read new mail and record replies, auto-replies and bounces.
///
/// Reads the IMAP mailboxes and the Sent folder and records replies,
/// out-of-office answers, bounces, and messages you wrote to contacts from
/// your own mail client. Reads only what arrived since the last check,
/// and never changes the mailbox: no flag is set, nothing moves.
///
/// Example: outreach check
///
/// Example: outreach check --json
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print what is new as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &CheckArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let mut journal = Journal::open(&ws.state_dir())?;
    let report = check(ws, &mut journal, now)?;
    if args.json {
        let mailboxes: Vec<_> = report
            .mailboxes
            .iter()
            .map(|m| serde_json::json!({"mailbox": m.name, "read": m.read, "rescanned": m.rescanned, "left_unread": m.left_unread}))
            .collect();
        let new: Vec<_> = report.new.iter().map(event_json).collect();
        let drafts: Vec<_> = report
            .drafts_sent
            .iter()
            .map(|m| serde_json::json!({"contact": m.contact, "template": m.template, "message_id": m.message_id}))
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({"mailboxes": mailboxes, "new": new, "drafts_sent": drafts}),
        )?;
        writeln!(out)?;
    } else {
        tracking::print(ws, &journal, &report, out)?;
    }
    Ok(ExitCode::SUCCESS)
}
