//! `outreach log`: one contact's timeline.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;

use crate::journal::{Journal, State};
use crate::review::Book;
use crate::rhythm::{agenda_key, interview_key, milestone_key, thanks_key};
use crate::terminal;
use crate::tracking::event_json;
use crate::workspace::Workspace;

/// Show one contact's timeline.
///
/// Show one contact's timeline: every message written to them (with its
/// state), every reply, auto-reply and bounce found, what you marked,
/// their meetings and interviews, and the milestones they were to hear of
/// (told or not yet).
///
/// Example: outreach log okafor
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The contact's id.
    pub contact: String,
    /// Print the timeline as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &LogArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let contact = ws.contact(&args.contact)?;
    let journal = Journal::open(&ws.state_dir())?;
    let messages = journal.messages_for(&contact.id)?;
    let events = journal.events_for(&contact.id)?;
    let book = Book::read(ws, &journal)?;
    let meetings = book.meetings(&contact.id);
    let interviews = book.interviews(&contact.id);
    let sent = |key: String| book.key_state(&key) == Some(State::Sent);
    let milestones: Vec<_> = book
        .milestone_rows
        .iter()
        .filter_map(|m| {
            let credited = m.mentors.iter().find(|(c, _)| *c == contact.id)?.1;
            Some((m, credited, sent(milestone_key(m.id, &contact.id))))
        })
        .collect();
    if args.json {
        let ms: Vec<_> = messages
            .iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.id, "template": m.template, "kind": m.kind.as_str(), "step": m.step,
                    "subject": m.subject, "to": m.recipient, "state": m.state.as_str(),
                    "transport": m.transport, "created_at": m.created_at, "sent_at": m.sent_at,
                    "message_id": m.message_id, "server_reply": m.server_reply,
                })
            })
            .collect();
        let es: Vec<_> = events.iter().map(event_json).collect();
        let mts: Vec<_> = meetings
            .iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.id, "at": m.at, "minutes": m.minutes, "topic": m.topic,
                    "agenda": m.agenda, "discussed": m.discussed, "next_step": m.next_step,
                    "cancelled": m.cancelled,
                    "agenda_sent": sent(agenda_key(&contact.id, &m.id)),
                    "thank_you_sent": sent(thanks_key(&contact.id, &m.id)),
                })
            })
            .collect();
        let ivs: Vec<_> = interviews
            .iter()
            .map(|i| {
                serde_json::json!({
                    "id": i.id, "at": i.at, "program": i.program, "note": i.note,
                    "cancelled": i.cancelled,
                    "thank_you_sent": sent(interview_key(&contact.id, &i.id)),
                })
            })
            .collect();
        let mss: Vec<_> = milestones
            .iter()
            .map(|(m, credited, told)| {
                serde_json::json!({
                    "id": m.id, "text": m.text, "date": m.date, "credited": credited, "told": told,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "contact": contact.id, "messages": ms, "events": es,
                "meetings": mts, "interviews": ivs, "milestones": mss,
            }),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let zone = contact.zone(ws.config.zone());
    let mut rows: Vec<(DateTime<Utc>, Vec<String>)> = Vec::new();
    for m in &messages {
        let at = m.sent_at.unwrap_or(m.created_at);
        let what = match m.state {
            State::Sent if m.step > 0 => format!("follow-up {} sent", m.step),
            State::Sent => "sent".to_string(),
            s => s.as_str().to_string(),
        };
        let mut detail = format!("{}: \"{}\"", m.template, m.subject);
        if m.state == State::Failed {
            if let Some(r) = &m.server_reply {
                detail.push_str(&format!(" ({r})"));
            }
        }
        rows.push((at, vec![String::new(), what, detail]));
    }
    for e in &events {
        rows.push((
            e.at,
            vec![
                String::new(),
                e.kind.as_str().to_string(),
                e.summary.clone(),
            ],
        ));
    }
    for m in meetings {
        let what = if m.cancelled {
            "meeting (cancelled)"
        } else {
            "meeting"
        };
        rows.push((
            m.at,
            vec![
                String::new(),
                what.to_string(),
                format!("{} ({})", m.topic, m.id),
            ],
        ));
    }
    for i in interviews {
        let what = if i.cancelled {
            "interview (cancelled)"
        } else {
            "interview"
        };
        rows.push((
            i.at,
            vec![
                String::new(),
                what.to_string(),
                format!("{} ({})", i.program, i.id),
            ],
        ));
    }
    for (m, credited, told) in &milestones {
        let mut detail = m.text.clone();
        if *credited {
            detail.push_str(" (credited)");
        }
        detail.push_str(if *told { ": told" } else { ": not told yet" });
        rows.push((
            m.recorded_at,
            vec![String::new(), "milestone".to_string(), detail],
        ));
    }
    // By the second, ours first: see `Book::history`.
    rows.sort_by_key(|(at, _)| at.timestamp());
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(at, mut r)| {
            r[0] = at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
            r
        })
        .collect();
    writeln!(
        out,
        "{} ({}) <{}>",
        contact.salutation(),
        contact.id,
        contact.email
    )?;
    if rows.is_empty() {
        writeln!(out, "nothing yet: no message written, nothing heard")?;
    } else {
        terminal::table(out, &["WHEN", "WHAT", "DETAIL"], &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
