//! `outreach due`: what is due now and what comes next.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::contact::Contact;
use crate::journal::Journal;
use crate::planner::plan;
use crate::policy::{Action, ActionKind};
use crate::review::Book;
use crate::rhythm::Occasion;
use crate::schedule::local_in;
use crate::terminal;
use crate::workspace::{self, Workspace};

/// List what is due now and what comes next.
///
/// Follow-ups, mentor check-ins, post-conference notes, agendas before
/// meetings, thank-yous after meetings and interviews, and milestone
/// updates, each with its reason. Sends nothing; `outreach followup`
/// writes them.
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

pub fn execute(args: &DueArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    let book = Book::read(ws, &journal)?;
    let (planned, problems) = plan(&book, &journal, now, None, false)?;
    for p in &problems {
        eprintln!("{p}");
    }
    // A contact has at most one policy action (keyed None) and any number
    // of occasions (keyed by their once-only key).
    let holds: HashMap<(&str, Option<&str>), &str> = planned
        .iter()
        .filter_map(|p| {
            let key = p.occasion.as_ref().map(|o| o.key.as_str());
            Some(((p.contact.id.as_str(), key), p.hold.as_deref()?))
        })
        .collect();
    let mut items: Vec<(&Contact, Action, Option<Occasion>)> = Vec::new();
    for (c, r) in book.review_all(now) {
        for o in book.occasions(c, &r, now) {
            let a = Action {
                kind: ActionKind::Occasion(o.kind),
                template: o.template.clone(),
                due: o.due,
                reason: o.reason(),
            };
            items.push((c, a, Some(o)));
        }
        if let Some(a) = r.next {
            items.push((c, a, None));
        }
    }
    items.sort_by_key(|(c, a, _)| (a.due, c.id.clone()));
    let hold = |c: &Contact, o: &Option<Occasion>| {
        holds
            .get(&(c.id.as_str(), o.as_ref().map(|o| o.key.as_str())))
            .copied()
    };
    if args.json {
        let list: Vec<_> = items
            .iter()
            .map(|(c, a, o)| {
                serde_json::json!({
                    "contact": c.id,
                    "action": a.kind.name(),
                    "template": a.template,
                    "due": a.due,
                    "due_now": a.due <= now,
                    "reason": a.reason,
                    "held": hold(c, o),
                    "key": o.as_ref().map(|o| &o.key),
                    "late": o.as_ref().and_then(|o| o.late.as_ref()),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({"now": now, "items": list}))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (now_items, later): (Vec<_>, Vec<_>) = items.iter().partition(|(_, a, _)| a.due <= now);
    let row = |c: &Contact, a: &Action, o: &Option<Occasion>, when: String| {
        let mut why = a.reason.clone();
        if o.as_ref().is_some_and(|o| o.late.is_some()) {
            why.push_str("; late");
        }
        if let Some(h) = hold(c, o) {
            why = format!("{why}; {h}");
        }
        vec![c.id.clone(), a.kind.name(), a.template.clone(), when, why]
    };
    let header = ["CONTACT", "ACTION", "TEMPLATE", "WHEN", "WHY"];
    if now_items.is_empty() {
        writeln!(out, "Nothing is due now.")?;
    } else {
        writeln!(out, "Due now:")?;
        let rows: Vec<_> = now_items
            .iter()
            .map(|(c, a, o)| row(c, a, o, "now".into()))
            .collect();
        terminal::table(out, &header, &rows)?;
    }
    if !later.is_empty() {
        writeln!(out, "\nComing next:")?;
        let rows: Vec<_> = later
            .iter()
            .map(|(c, a, o)| row(c, a, o, local_in(a.due, c.zone(ws.config.zone()))))
            .collect();
        terminal::table(out, &header, &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
