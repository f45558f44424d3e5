//! `outreach due`: what is due now and what comes next.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::cmd::followup::plan;
use crate::cmd::send::local_in;
use crate::journal::Journal;
use crate::policy::ActionKind;
use crate::review::Book;
use crate::table;
use crate::workspace::{self, Workspace};

/// List what is due now and what comes next.
///
/// Follow-ups, mentor check-ins and post-conference notes, each with its
/// reason. Sends nothing; `outreach followup` writes them.
///
/// Example: outreach due
///
/// Example: outreach due --json
#[derive(Debug, Args)]
pub struct DueArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// An action's name for people.
pub fn action_name(kind: ActionKind) -> String {
    kind.name()
}

pub fn execute(args: &DueArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    let book = Book::read(ws, &journal)?;
    let (planned, problems) = plan(&book, &journal, now, None, false)?;
    for p in &problems {
        eprintln!("{p}");
    }
    let holds: HashMap<&str, &str> = planned
        .iter()
        .filter_map(|p| Some((p.contact.id.as_str(), p.hold.as_deref()?)))
        .collect();
    let mut items: Vec<_> = book
        .review_all(now)
        .into_iter()
        .filter_map(|(c, r)| Some((c, r.next?)))
        .collect();
    items.sort_by_key(|(c, a)| (a.due, c.id.clone()));
    if args.json {
        let list: Vec<_> = items
            .iter()
            .map(|(c, a)| {
                serde_json::json!({
                    "contact": c.id,
                    "action": action_name(a.kind),
                    "template": a.template,
                    "due": a.due,
                    "due_now": a.due <= now,
                    "reason": a.reason,
                    "held": holds.get(c.id.as_str()),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({"now": now, "items": list}))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (now_items, later): (Vec<_>, Vec<_>) = items.iter().partition(|(_, a)| a.due <= now);
    let row = |c: &crate::contact::Contact, a: &crate::policy::Action, when: String| {
        let mut why = a.reason.clone();
        if let Some(h) = holds.get(c.id.as_str()) {
            why = format!("{why}; {h}");
        }
        vec![
            c.id.clone(),
            action_name(a.kind),
            a.template.clone(),
            when,
            why,
        ]
    };
    let header = ["CONTACT", "ACTION", "TEMPLATE", "WHEN", "WHY"];
    if now_items.is_empty() {
        writeln!(out, "Nothing is due now.")?;
    } else {
        writeln!(out, "Due now:")?;
        let rows: Vec<_> = now_items
            .iter()
            .map(|(c, a)| row(c, a, "now".into()))
            .collect();
        table::write(out, &header, &rows)?;
    }
    if !later.is_empty() {
        writeln!(out, "\nComing next:")?;
        let rows: Vec<_> = later
            .iter()
            .map(|(c, a)| row(c, a, local_in(a.due, c.zone(ws.config.zone()))))
            .collect();
        table::write(out, &header, &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
