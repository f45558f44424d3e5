//! `outreach status`: the review of every contact.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::journal::{Journal, MilestoneRow, Snapshot, State};
use crate::policy::Stage;
use crate::review::Book;
use crate::rhythm::{milestone_key, Occasion};
use crate::schedule::local_in;
use crate::summary::{answered, waiting, Summary};
use crate::terminal;
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

/// `prefetched`: the journal as opened and read while the workspace
/// loaded, if it was.
pub fn execute(
    args: &StatusArgs,
    ws: &Workspace,
    prefetched: Option<(Journal, Snapshot)>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let now = workspace::now()?;
    let (journal, snapshot) = match prefetched {
        Some(p) => p,
        None => {
            let journal = Journal::open(&ws.state_dir())?;
            let snapshot = journal.snapshot(false)?;
            (journal, snapshot)
        }
    };
    let book = Book::with(ws, &journal, snapshot)?;
    let all = book.review_all(now);
    let occasions: HashMap<&str, Vec<Occasion>> = all
        .iter()
        .map(|(c, r)| (c.id.as_str(), book.occasions(c, r, now)))
        .filter(|(_, o)| !o.is_empty())
        .collect();
    let of = |id: &str| occasions.get(id).map_or(&[][..], Vec::as_slice);
    let shown: Vec<_> = all
        .iter()
        .filter(|(c, r)| {
            (!args.waiting || waiting(&r.stage))
                && (!args.replied || answered(&r.stage))
                && (!args.due
                    || r.next.as_ref().is_some_and(|a| a.due <= now)
                    || of(&c.id).iter().any(|o| o.due <= now))
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
                        "action": a.kind.name(), "template": a.template, "due": a.due,
                        "due_now": a.due <= now, "reason": a.reason,
                    })),
                    "occasions": of(&c.id).iter().map(|o| serde_json::json!({
                        "action": o.kind.name(), "template": o.template, "due": o.due,
                        "due_now": o.due <= now, "reason": o.reason(), "late": o.late, "key": o.key,
                    })).collect::<Vec<_>>(),
                    "sent": r.sent,
                    "replied": r.replied,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "now": now,
                "contacts": contacts,
                "milestones": told(&book).iter().map(|(m, told, waiting)| serde_json::json!({
                    "id": m.id, "text": m.text, "date": m.date, "told": told, "not_told": waiting,
                })).collect::<Vec<_>>(),
                "summary": summary.json(),
            }),
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
            // The soonest of the policy's next action and the occasions.
            let soonest = r
                .next
                .as_ref()
                .map(|a| (a.due, a.kind.name()))
                .into_iter()
                .chain(of(&c.id).iter().map(|o| (o.due, o.kind.name().to_string())))
                .min_by_key(|(due, _)| *due);
            let next = soonest.map_or(String::new(), |(due, name)| {
                let when = if due <= now {
                    "now".to_string()
                } else {
                    local_in(due, c.zone(zone))
                };
                format!("{name} {when}")
            });
            vec![c.id.clone(), c.salutation(), r.stage.label(now), last, next]
        })
        .collect();
    terminal::table(out, &["CONTACT", "NAME", "STAGE", "LAST", "NEXT"], &rows)?;
    writeln!(out, "{}", summary.line())?;
    for (m, told, waiting) in told(&book) {
        let mut line = format!(
            "milestone #{} {} ({}): ",
            m.id,
            m.text,
            m.date.format("%-d %b %Y")
        );
        if told.is_empty() {
            line.push_str("no one told yet");
        } else {
            line.push_str(&format!("told {}", told.join(", ")));
        }
        if !waiting.is_empty() && !told.is_empty() {
            line.push_str(&format!("; not yet {}", waiting.join(", ")));
        } else if !waiting.is_empty() {
            line.push_str(&format!(" ({})", waiting.join(", ")));
        }
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Each milestone with the mentors told of it and those not yet told.
fn told<'b>(book: &'b Book) -> Vec<(&'b MilestoneRow, Vec<&'b str>, Vec<&'b str>)> {
    book.milestone_rows
        .iter()
        .map(|m| {
            let (told, waiting): (Vec<&str>, Vec<&str>) = m
                .mentors
                .iter()
                .map(|(c, _)| c.as_str())
                .partition(|c| book.key_state(&milestone_key(m.id, c)) == Some(State::Sent));
            (m, told, waiting)
        })
        .collect()
}
