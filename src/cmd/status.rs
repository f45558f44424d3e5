//! `outreach status`: the review of every contact.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::cmd::due::action_name;
use crate::cmd::send::local_in;
use crate::journal::Journal;
use crate::policy::Stage;
use crate::review::Book;
use crate::summary::{answered, waiting, Summary};
use crate::table;
use crate::workspace::{self, Workspace};

/// The review: where every contact stands and what comes next.
///
/// The review: per contact, where things stand (not contacted, waiting N
/// days, followed up, replied, auto-reply, bounced, do-not-contact), the
/// last message and the next action with its date; then the totals and
/// the reply rate by template.
///
/// Example: outreach status --waiting
///
/// Example: outreach status --tag cardiology --json
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only those who have not replied (waiting, followed up, away, no reply).
    #[arg(long)]
    pub waiting: bool,
    /// Only those who replied (or whom you met).
    #[arg(long)]
    pub replied: bool,
    /// Only those with something due now.
    #[arg(long)]
    pub due: bool,
    /// Only contacts with this tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Print the review as JSON.
    #[arg(long)]
    pub json: bool,
}

fn stage_key(s: &Stage) -> &'static str {
    match s {
        Stage::NotContacted => "not-contacted",
        Stage::Waiting { .. } => "waiting",
        Stage::FollowedUp { .. } => "followed-up",
        Stage::AutoReply { .. } => "auto-reply",
        Stage::NoReply { .. } => "no-reply",
        Stage::Replied { .. } => "replied",
        Stage::Met { .. } => "met",
        Stage::Bounced { .. } => "bounced",
        Stage::DoNotContact => "do-not-contact",
    }
}

pub fn execute(args: &StatusArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    let book = Book::read(ws, &journal)?;
    let all = book.review_all(now);
    let shown: Vec<_> = all
        .iter()
        .filter(|(c, r)| {
            (!args.waiting || waiting(&r.stage))
                && (!args.replied || answered(&r.stage))
                && (!args.due || r.next.as_ref().is_some_and(|a| a.due <= now))
                && args.tag.as_ref().is_none_or(|t| c.tags.contains(t))
        })
        .collect();
    let summary = Summary::of(
        &book,
        all.iter()
            .filter(|(c, _)| args.tag.as_ref().is_none_or(|t| c.tags.contains(t)))
            .map(|(c, r)| (c.id.as_str(), r)),
    );
    if args.json {
        let contacts: Vec<_> = shown
            .iter()
            .map(|(c, r)| {
                serde_json::json!({
                    "contact": c.id,
                    "name": c.name,
                    "email": c.email,
                    "stage": stage_key(&r.stage),
                    "label": r.stage.label(now),
                    "last": r.last.as_ref().map(|l| serde_json::json!({"template": l.template, "at": l.at})),
                    "next": r.next.as_ref().map(|a| serde_json::json!({
                        "action": action_name(a.kind), "template": a.template, "due": a.due,
                        "due_now": a.due <= now, "reason": a.reason,
                    })),
                    "sent": r.sent,
                    "replied": r.replied,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({"now": now, "contacts": contacts, "summary": summary.json()}),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let zone = ws.config.zone();
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(c, r)| {
            let last = r.last.as_ref().map_or(String::new(), |l| {
                format!(
                    "{} {}",
                    l.template.as_deref().unwrap_or("own email"),
                    l.at.with_timezone(&zone).format("%-d %b")
                )
            });
            let next = r.next.as_ref().map_or(String::new(), |a| {
                let when = if a.due <= now {
                    "now".to_string()
                } else {
                    local_in(a.due, c.zone(zone))
                };
                format!("{} {when}", action_name(a.kind))
            });
            vec![c.id.clone(), c.salutation(), r.stage.label(now), last, next]
        })
        .collect();
    table::write(out, &["CONTACT", "NAME", "STAGE", "LAST", "NEXT"], &rows)?;
    writeln!(out, "{}", summary.line())?;
    Ok(ExitCode::SUCCESS)
}
