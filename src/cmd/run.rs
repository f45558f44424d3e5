//! `outreach run`: one quiet, idempotent pass for cron or a systemd timer.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::delivery::recover;
use crate::journal::Journal;
use crate::planner::{carry_out, plan, Go, Via};
use crate::policy::{post_conference_late, ActionKind};
use crate::review::Book;
use crate::tracking;
use crate::workspace::{self, Workspace};

/// One quiet pass for cron or a systemd timer: check, then handle what is due.
///
/// One pass for cron or a systemd timer: check the mailboxes, then
/// prepare what is due. By default nothing is sent: due messages go to
/// your Drafts folder (or outbox/ without an IMAP account) to read and
/// send yourself; `--send` sends them within the send window and the
/// daily cap. Safe to run every 10 minutes: each message is prepared
/// once, and the output is empty when nothing happened.
///
/// Example: outreach run
///
/// Example (crontab): */10 * * * * cd ~/outreach && outreach run >> run.log 2>&1
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Send what is due instead of filing drafts.
    #[arg(long)]
    pub send: bool,
}

pub fn execute(args: &RunArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let mut journal = Journal::open(&ws.state_dir())?;
    recover(&journal, now)?;
    // Without knowing who replied, nothing may be prepared: a failed check
    // ends the pass.
    if ws.config.imap.is_some() {
        let report = tracking::check(ws, &mut journal, now)
            .context("checking mail failed, so nothing was prepared")?;
        if !report.new.is_empty() || !report.drafts_sent.is_empty() {
            tracking::print(ws, &journal, &report, out)?;
        }
    }
    let book = Book::read(ws, &journal)?;
    let (planned, problems) = plan(&book, &journal, now, None, false)?;
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    // Held actions (already in Drafts, waiting for the user) stay quiet,
    // and a thank-you for a talk or meeting long past, or news a mentor
    // should have heard a week ago, is left for the user to judge.
    let today = ws.today(now);
    let ready: Vec<_> = planned
        .into_iter()
        .filter(|p| p.hold.is_none())
        .filter(|p| {
            p.action.kind != ActionKind::PostConference
                || post_conference_late(p.contact, &book.policy, today, false).is_none()
        })
        .filter(|p| p.occasion.as_ref().is_none_or(|o| o.late.is_none()))
        .collect();
    let via = if args.send {
        Via::Send
    } else if ws.config.imap.is_some() {
        Via::Drafts
    } else {
        Via::OutboxDraft
    };
    let go = Go {
        via,
        window: true,
        pace: true,
        confirm: false,
        // What waits for its window is tried again on the next run;
        // saying so every ten minutes would be noise.
        show_held: false,
    };
    let outcome = carry_out(ws, &mut journal, ready, now, go, out)?;
    Ok(if outcome.all_sent() && problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
