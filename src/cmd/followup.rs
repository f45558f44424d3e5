//! `outreach followup`: what is due, rendered in the right thread, and
//! sent, filed as drafts or written to outbox/ — once.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;

use crate::cmd::left_out_code;
use crate::compose::compose_with;
use crate::contact::Contact;
use crate::delivery::recover;
use crate::journal::Journal;
use crate::planner::{carry_out, plan, Go, Planned, Via};
use crate::problem::fail_on_errors;
use crate::review::Book;
use crate::schedule::local_in;
use crate::workspace::{self, Workspace};

/// Write what is due, in the right thread.
///
/// Write what is due: follow-ups in the thread of the first message (Re:
/// subject, In-Reply-To and References), mentor check-ins,
/// post-conference notes, agendas, thank-yous and milestone updates. Shows them; `--send` sends them (journal, once
/// only, send window, daily cap), `--imap-drafts` files them in your
/// Drafts folder to send from your own client.
///
/// Example: outreach followup
///
/// Example: outreach followup --to okafor --send
///
/// Example: outreach followup --imap-drafts --quote
#[derive(Debug, Args)]
pub struct FollowupArgs {
    /// Only these contacts (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', num_args = 1.., value_name = "ID")]
    pub to: Vec<String>,
    /// Only contacts with this tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Send them (asks first unless --yes).
    #[arg(long, conflicts_with = "imap_drafts")]
    pub send: bool,
    /// File them in the Drafts folder instead.
    #[arg(long)]
    pub imap_drafts: bool,
    /// Quote the first message below each follow-up.
    #[arg(long)]
    pub quote: bool,
    /// Send without asking (for scripts).
    #[arg(long)]
    pub yes: bool,
    /// Send now even outside the send window.
    #[arg(long)]
    pub now: bool,
    /// No pause between messages and no daily cap (tests, benchmarks).
    #[arg(long)]
    pub no_pace: bool,
}

pub fn execute(args: &FollowupArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let now = workspace::now()?;
    let mut journal = Journal::open(&ws.state_dir())?;
    recover(&journal, now)?;
    let book = Book::read(ws, &journal)?;
    let only: Option<Vec<&Contact>> = if !args.to.is_empty() {
        Some(
            args.to
                .iter()
                .map(|id| ws.contact(id))
                .collect::<Result<_>>()?,
        )
    } else {
        args.tag
            .as_ref()
            .map(|t| ws.contacts.iter().filter(|c| c.tags.contains(t)).collect())
    };
    let (planned, problems) = plan(&book, &journal, now, only.as_deref(), args.quote)?;
    fail_on_errors(&problems)?;
    for p in &problems {
        eprintln!("{p}");
    }
    // Contacts named with --to for whom nothing will be written, and why.
    let mut left_out: Vec<(String, String)> = Vec::new();
    for c in only.iter().flatten().filter(|_| !args.to.is_empty()) {
        match planned.iter().find(|p| p.contact.id == c.id) {
            // Held because it was written before is no failure.
            Some(p) => {
                if let Some(h) = &p.hold {
                    if journal.by_once_key(&p.key)?.is_none() {
                        left_out.push((c.id.clone(), h.clone()));
                    }
                }
            }
            None => {
                let r = book.review(c, now);
                let why = match r.next {
                    Some(a) => format!(
                        "nothing is due yet: {} {}",
                        a.kind.name(),
                        local_in(a.due, c.zone(ws.config.zone()))
                    ),
                    None => format!("nothing is due ({})", r.stage.label(now)),
                };
                left_out.push((c.id.clone(), why));
            }
        }
    }
    if planned.is_empty() {
        writeln!(
            out,
            "nothing is due (see `outreach due` for what comes next)"
        )?;
        return Ok(left_out_code(&left_out, "a follow-up"));
    }
    if !args.send && !args.imap_drafts {
        for p in &planned {
            show(ws, p, now, out)?;
        }
        writeln!(
            out,
            "{} due; --send to send them, --imap-drafts to file them as drafts",
            planned.len()
        )?;
        return Ok(left_out_code(&left_out, "a follow-up"));
    }
    let via = if args.send { Via::Send } else { Via::Drafts };
    let go = Go {
        via,
        window: !args.now,
        pace: !args.no_pace,
        confirm: via == Via::Send && !args.yes,
        show_held: true,
    };
    let ready: Vec<String> = planned
        .iter()
        .filter(|p| p.hold.is_none())
        .map(|p| p.contact.id.clone())
        .collect();
    let outcome = carry_out(ws, &mut journal, planned, now, go, out)?;
    // Ready ones that did not go waited for the window or the daily cap
    // (listed above), or failed (in the outcome).
    let done = |id: &String| {
        [
            &outcome.sent,
            &outcome.failed,
            &outcome.left_queued,
            &outcome.uncertain,
        ]
        .iter()
        .any(|list| list.iter().any(|(who, _)| who == id))
    };
    if !args.to.is_empty() {
        for id in ready.iter().filter(|id| !done(id)) {
            left_out.push((id.clone(), "held (see above)".into()));
        }
    }
    let code = left_out_code(&left_out, "a follow-up");
    Ok(if outcome.all_sent() {
        code
    } else {
        ExitCode::FAILURE
    })
}

fn show(ws: &Workspace, p: &Planned, now: DateTime<Utc>, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "# {} — {}", p.contact.id, p.action.reason)?;
    if let Some(h) = &p.hold {
        writeln!(out, "held: {h}")?;
        writeln!(out, "{}", "─".repeat(72))?;
        return Ok(());
    }
    let (c, _) = compose_with(
        ws,
        p.template,
        p.contact,
        now,
        p.follow_up.as_ref(),
        p.data.as_ref(),
        0,
    )
    .map_err(|e| anyhow::anyhow!("{}", e[0]))?;
    writeln!(out, "To: {} <{}>", p.contact.name, p.contact.email)?;
    writeln!(out, "Subject: {}", c.rendered.subject)?;
    if let Some(f) = &p.follow_up {
        if let Some(last) = f.threading.references.last() {
            writeln!(out, "In-Reply-To: <{last}>")?;
        }
    }
    writeln!(out)?;
    write!(out, "{}", crate::message::wrap(&c.rendered.body, 72))?;
    writeln!(out, "{}", "─".repeat(72))?;
    Ok(())
}
