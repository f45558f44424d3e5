//! Planning what is due (follow-ups, mentor check-ins, post-conference
//! notes) from the policy's review, made concrete (the template, the
//! once-only key, the thread a follow-up continues), and carrying it out:
//! sent, filed as drafts, or written to outbox/, each once.

use std::io::Write;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::compose::{compose_raw, compose_with, FollowUpOf};
use crate::contact::Contact;
use crate::delivery::{deliver, earlier, once_key, write_outbox, Outcome, Pacing, Wait};
use crate::journal::{Journal, NewMessage, State};
use crate::message::Threading;
use crate::policy::{Action, ActionKind};
use crate::problem::Problem;
use crate::review::Book;
use crate::rhythm::Occasion;
use crate::template::{long_date, Template, Thread};
use crate::terminal::{self, confirm};
use crate::workspace::{self, Workspace};
use crate::{account, drafts};

/// How due messages leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Over SMTP, or to outbox/ as sent when there is no SMTP account.
    Send,
    /// Into the IMAP Drafts folder.
    Drafts,
    /// Into outbox/, waiting for the user to send it.
    OutboxDraft,
}

/// A due action made concrete.
pub struct Planned<'w> {
    pub contact: &'w Contact,
    pub action: Action,
    pub template: &'w Template,
    /// What makes it once-only.
    pub key: String,
    pub follow_up: Option<FollowUpOf>,
    /// A row already queued under `key` that never went out.
    pub queued: Option<i64>,
    /// Why it does not go now.
    pub hold: Option<String>,
    /// The meeting, milestone or interview it belongs to.
    pub occasion: Option<Occasion>,
    /// What the occasion adds to the data its template sees.
    pub data: Option<serde_json::Value>,
}

impl Planned<'_> {
    fn thread(&self) -> (Option<i64>, u32) {
        match self.action.kind {
            ActionKind::FollowUp { thread, step } => (Some(thread), step),
            _ => (None, 0),
        }
    }
}

/// Every action due at `now` for `only` (None: everyone), made concrete:
/// the template, the once-only key, and the thread for follow-ups. Besides
/// the policy's one next action, a contact may have several occasions due
/// (an agenda, a thank-you, milestone updates).
/// Problems (a missing template, a field a message can't be written
/// without) are returned, not raised, so `due` can show them too.
pub fn plan<'w>(
    book: &Book<'w>,
    journal: &Journal,
    now: DateTime<Utc>,
    only: Option<&[&Contact]>,
    quote: bool,
) -> Result<(Vec<Planned<'w>>, Vec<Problem>)> {
    let ws = book.ws;
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    for contact in &ws.contacts {
        if only.is_some_and(|o| !o.iter().any(|c| c.id == contact.id)) {
            continue;
        }
        let review = book.review(contact, now);
        let mut actions: Vec<(Action, Option<Occasion>)> = Vec::new();
        if let Some(a) = review.next.clone().filter(|a| a.due <= now) {
            actions.push((a, None));
        }
        for o in book.occasions(contact, &review, now) {
            if o.due <= now {
                let a = Action {
                    kind: ActionKind::Occasion(o.kind),
                    template: o.template.clone(),
                    due: o.due,
                    reason: o.reason(),
                };
                actions.push((a, Some(o)));
            }
        }
        for (action, occasion) in actions {
            let template = match ws.template(&action.template) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(Problem::error(contact.place(), format!("{e:#}")));
                    continue;
                }
            };
            let (key, follow_up) = match (action.kind, &occasion) {
                (_, Some(o)) => (o.key.clone(), None),
                (ActionKind::FollowUp { thread, step }, _) => (
                    format!("followup:{thread}:{step}"),
                    Some(thread_of(book, journal, contact, thread, step, now, quote)?),
                ),
                (ActionKind::CheckIn, _) => (
                    format!("checkin:{}:{}", contact.id, action.due.date_naive()),
                    None,
                ),
                (ActionKind::PostConference | ActionKind::Occasion(_), _) => {
                    (once_key(template, contact, ws.today(now)), None)
                }
            };
            let (queued, hold) = match journal.by_once_key(&key)? {
                None => (None, None),
                Some(m) => match earlier(&m, ws.config.zone()) {
                    Ok(id) => (Some(id), None),
                    Err(why) => (None, Some(why)),
                },
            };
            // A template that needs what only the user can write (a mentor
            // update's news, what a meeting discussed) waits for it rather
            // than failing every run.
            let data = occasion.as_ref().map(Occasion::data);
            let hold = hold.or_else(|| {
                ws.templates
                    .missing_requirement_with(template, contact, data.as_ref())
                    .map(|field| match &occasion {
                        Some(o) if !o.fill.is_empty() => format!("waits for `{field}` {}", o.fill),
                        _ => format!("waits for `{field}` in {}", contact.place()),
                    })
            });
            if hold.is_none() {
                if let Err(p) = compose_with(
                    ws,
                    template,
                    contact,
                    now,
                    follow_up.as_ref(),
                    data.as_ref(),
                    0,
                ) {
                    problems.extend(p);
                    continue;
                }
            }
            planned.push(Planned {
                contact,
                action,
                template,
                key,
                follow_up,
                queued,
                hold,
                occasion,
                data,
            });
        }
    }
    Ok((planned, problems))
}

/// The thread follow-up `step` continues: the first message's subject and
/// date, and the Message-IDs of every message in it so far.
pub fn thread_of(
    book: &Book,
    journal: &Journal,
    contact: &Contact,
    thread: i64,
    step: u32,
    now: DateTime<Utc>,
    quote: bool,
) -> Result<FollowUpOf> {
    let first = book.message(&contact.id, thread).with_context(|| {
        format!(
            "the first message of {}'s thread is not in the journal",
            contact.id
        )
    })?;
    let zone = contact.zone(book.ws.config.zone());
    let in_thread: Vec<_> = book.messages[&contact.id]
        .iter()
        .filter(|m| m.state == State::Sent && (m.id == thread || m.thread == Some(thread)))
        .collect();
    let last = in_thread
        .iter()
        .filter_map(|m| m.sent_at)
        .max()
        .unwrap_or(now);
    let sent_at = first.sent_at.unwrap_or(first.created_at);
    let quote = if quote {
        let raw = journal.raw(first.id)?;
        mail_parser::MessageParser::default()
            .parse(&raw)
            .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
            .map(|text| {
                (
                    format!(
                        "On {}, {} wrote:",
                        long_date(sent_at.with_timezone(&zone).date_naive()),
                        book.ws.config.me.name
                    ),
                    text,
                )
            })
    } else {
        None
    };
    Ok(FollowUpOf {
        thread: Thread {
            subject: first.subject.clone(),
            sent_on: sent_at.with_timezone(&zone).date_naive(),
            days_waiting: (now - last).num_days(),
            step,
        },
        threading: Threading {
            references: in_thread.iter().map(|m| m.message_id.clone()).collect(),
        },
        quote,
    })
}

/// How `carry_out` goes about it.
#[derive(Debug, Clone, Copy)]
pub struct Go {
    pub via: Via,
    /// Respect the send window (sending only).
    pub window: bool,
    /// Pause between messages and keep the daily cap (sending only).
    pub pace: bool,
    /// Ask on the terminal first.
    pub confirm: bool,
    /// List what waits (for the window, the daily cap) and why.
    pub show_held: bool,
}

/// Queues the planned messages that may go now (once-only keys make a
/// rerun a no-op) and sends, files or writes them. Held ones are listed.
pub fn carry_out(
    ws: &Workspace,
    journal: &mut Journal,
    planned: Vec<Planned>,
    now: DateTime<Utc>,
    go: Go,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let sending_smtp = go.via == Via::Send && ws.config.smtp.is_some();
    let mut pacing = Pacing::new(
        ws,
        journal,
        now,
        sending_smtp && go.window,
        sending_smtp && go.pace,
    )?;
    let mut ready = Vec::new();
    let mut held = Vec::new();
    for mut p in planned {
        if p.hold.is_none() {
            p.hold = pacing.hold(p.contact).map(Wait::into_reason);
        }
        match p.hold.take() {
            Some(h) => held.push((p.contact.id.clone(), h)),
            None => ready.push(p),
        }
    }
    if go.show_held && !held.is_empty() {
        let rows: Vec<Vec<String>> = held
            .iter()
            .map(|(c, h)| vec![c.clone(), h.clone()])
            .collect();
        terminal::table(out, &["CONTACT", "HELD"], &rows)?;
    }
    if ready.is_empty() {
        return Ok(Outcome::default());
    }
    if go.confirm {
        confirm(&format!("Send {} message(s)?", ready.len()))?;
    }
    let smtp = match go.via {
        Via::Send => account::smtp(ws)?,
        _ => None,
    };
    let mut imap = match go.via {
        Via::Drafts => Some(account::imap(ws)?),
        _ => None,
    };
    let transport = match go.via {
        Via::Send if smtp.is_some() => "smtp",
        Via::Send | Via::OutboxDraft => "outbox",
        Via::Drafts => "drafts",
    };
    let mut ids: Vec<i64> = ready.iter().filter_map(|p| p.queued).collect();
    let fresh: Vec<&Planned> = ready.iter().filter(|p| p.queued.is_none()).collect();
    let items: Vec<NewMessage> = fresh
        .iter()
        .map(|p| {
            let (thread, step) = p.thread();
            NewMessage {
                contact: &p.contact.id,
                template: &p.template.name,
                kind: p.template.kind,
                step,
                thread,
                once_key: Some(p.key.clone()),
                recipient: &p.contact.email,
                transport,
                not_before: None,
            }
        })
        .collect();
    ids.extend(journal.queue_all(&items, now, |i, salt| {
        let p = fresh[i];
        compose_raw(
            ws,
            p.template,
            p.contact,
            now,
            p.follow_up.as_ref(),
            p.data.as_ref(),
            salt as u64,
        )
    })?);
    let outcome = match go.via {
        Via::Send => deliver(ws, journal, smtp.as_ref(), &ids, go.pace)?,
        Via::Drafts => {
            let imap = imap.as_mut().expect("connected above");
            let folder = drafts::folder(imap)?;
            drafts::file(journal, imap, &folder, &ids)?;
            let mut o = Outcome::default();
            for p in &ready {
                o.sent.push((
                    p.contact.id.clone(),
                    format!("{} filed in {folder}", p.template.name),
                ));
            }
            o
        }
        Via::OutboxDraft => {
            let mut o = Outcome::default();
            for &id in &ids {
                if !journal.start_sending(id, workspace::now()?)? {
                    continue;
                }
                let m = journal.get(id)?.context("a queued message vanished")?;
                let path = write_outbox(ws, &m.template, &m.contact, &journal.raw(id)?, now)?;
                let note = format!("written to {}", path.display());
                journal.finish(id, State::Drafted, Some(&note), workspace::now()?)?;
                o.sent.push((m.contact, note));
            }
            o
        }
    };
    if let Some(imap) = imap {
        let _ = imap.logout();
    }
    if go.via == Via::Send {
        outcome.report(out)?;
    } else {
        for (who, what) in &outcome.sent {
            writeln!(out, "{who}: {what}")?;
        }
    }
    Ok(outcome)
}
