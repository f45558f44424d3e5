//! The campaign report: every figure of `outreach report`, computed from
//! the journal and the review, then written as one self-contained HTML
//! page (`html`) with charts drawn as inline SVG (`svg`).
//!
//! The totals are `status`'s own (`summary::Summary`), so the page and
//! `status --json` always agree. A reply is an answer by email, a marked
//! reply or a meeting; out-of-office answers never count.

mod html;
mod svg;

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

pub use html::page;

use crate::journal::{EventKind, Journal, Line, Message, Snapshot, State};
use crate::policy::{self, Happened, Mark, Stage, What};
use crate::review::{self, Book};
use crate::summary::{self, Summary};
use crate::template::Kind;
use crate::workspace::Workspace;

/// How far ahead "due this week" looks.
const WEEK: i64 = 7;

/// Everything the page shows, computed.
#[derive(Debug, Clone)]
pub struct Report {
    pub now: DateTime<Utc>,
    /// The user's zone: every date on the page is in it.
    pub zone: Tz,
    /// The user's name, for the title.
    pub owner: String,
    pub summary: Summary,
    /// Written to and not answered, longest wait first.
    pub waiting: Vec<Waiting>,
    /// Due now or within the week, soonest first.
    pub due: Vec<Due>,
    /// Reply rate by the first-contact template.
    pub by_template: Vec<Rate>,
    /// Reply rate by the follow-up step that was the last message before
    /// the reply: "first email", "follow-up 1", …
    pub by_step: Vec<Rate>,
    /// Reply rate by how the contact was found: met at an event or not.
    pub by_found: Vec<Rate>,
    /// Days from the first email of a thread to its first answer.
    pub first_reply: Vec<FirstReply>,
    pub bounced: Vec<Bounced>,
    /// Contacts with anything in the journal, in the workspace's order.
    pub timelines: Vec<Timeline>,
}

/// `replied` of `of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    pub label: String,
    pub of: usize,
    pub replied: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub contact: String,
    pub name: String,
    /// The stage's label, e.g. "followed up 1×".
    pub stage: String,
    /// The last message to them.
    pub since: DateTime<Utc>,
    /// Business days since then, in their calendar.
    pub business_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub contact: String,
    pub name: String,
    /// E.g. "follow-up 1", "post-conference".
    pub action: String,
    pub template: String,
    pub due: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FirstReply {
    pub contact: String,
    pub name: String,
    pub days: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounced {
    pub contact: String,
    pub name: String,
    /// The address that failed.
    pub address: String,
    pub at: DateTime<Utc>,
    /// What the bounce said, or that it was marked by hand.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub contact: String,
    pub name: String,
    pub email: String,
    pub stage: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// E.g. "sent", "follow-up 2 sent", "reply", "bounce".
    pub what: String,
    pub detail: String,
}

impl Report {
    /// The median of the days to a first reply.
    pub fn median_days(&self) -> Option<f64> {
        let mut d: Vec<f64> = self.first_reply.iter().map(|f| f.days).collect();
        d.sort_by(f64::total_cmp);
        let n = d.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(d[n / 2]),
            _ => Some((d[n / 2 - 1] + d[n / 2]) / 2.0),
        }
    }
}

/// Reads the journal (from `snapshot` when one was read with its lines
/// already) and computes the report at `now`.
pub fn build(
    ws: &Workspace,
    journal: &Journal,
    snapshot: Option<Snapshot>,
    now: DateTime<Utc>,
) -> Result<Report> {
    let mut snapshot = match snapshot {
        Some(s) if s.lines.is_some() => s,
        _ => journal.snapshot(true)?,
    };
    let lines = snapshot.lines.take().unwrap_or_default();
    let book = Book::with(ws, journal, snapshot)?;
    Ok(figures(&book, &lines, now))
}

/// The current thread of one history: how far its follow-ups went and
/// when, after which step, its first answer came.
#[derive(Debug, Default, PartialEq)]
struct Thread {
    /// The highest step sent: 0 for the first email alone.
    reached: u32,
    /// (the step before it, days after the first email)
    answer: Option<(u32, f64)>,
}

fn thread_of(history: &[Happened]) -> Option<Thread> {
    let mut current: Option<(DateTime<Utc>, Thread)> = None;
    for h in history {
        match &h.what {
            What::Sent {
                kind: Kind::FirstContact,
                ..
            } => current = Some((h.at, Thread::default())),
            What::Sent {
                kind: Kind::FollowUp,
                step,
                ..
            } => {
                if let Some((_, t)) = current.as_mut() {
                    t.reached = t.reached.max(*step);
                }
            }
            What::Reply | What::Marked(Mark::Replied | Mark::Met) => {
                if let Some((start, t)) = current.as_mut() {
                    if t.answer.is_none() {
                        let days = (h.at - *start).num_seconds() as f64 / 86_400.0;
                        t.answer = Some((t.reached, days.max(0.0)));
                    }
                }
            }
            _ => {}
        }
    }
    current.map(|(_, t)| t)
}

fn step_label(step: u32) -> String {
    if step == 0 {
        "first email".to_string()
    } else {
        format!("follow-up {step}")
    }
}

fn message_entry(m: &Message) -> Entry {
    let what = match m.state {
        State::Sent if m.step > 0 => format!("follow-up {} sent", m.step),
        State::Sent => "sent".to_string(),
        s => s.as_str().to_string(),
    };
    let mut detail = format!("{}: \u{201c}{}\u{201d}", m.template, m.subject);
    if m.state == State::Failed {
        if let Some(r) = &m.server_reply {
            detail.push_str(&format!(" ({r})"));
        }
    }
    Entry {
        at: m.sent_at.unwrap_or(m.created_at),
        what,
        detail,
    }
}

/// The report of a book at `now`, with the journal's event `lines` for
/// the timelines and the bounce details.
pub fn figures(book: &Book, lines: &[Line], now: DateTime<Utc>) -> Report {
    let ws = book.ws;
    let mut by_contact: HashMap<&str, Vec<&Line>> = HashMap::new();
    for e in lines {
        by_contact.entry(&e.contact).or_default().push(e);
    }
    // Each history serves both the review and the thread's figures.
    let reviews: Vec<_> = crate::parallel::map(&ws.contacts, 256, |c| {
        let h = book.history(c);
        (c, book.review_history(c, &h, now), thread_of(&h))
    });
    let summary = Summary::of(book, reviews.iter().map(|(c, r, _)| (c.id.as_str(), r)));

    let mut waiting = Vec::new();
    let mut due = Vec::new();
    let mut steps: Vec<Rate> = Vec::new();
    let mut found = [
        Rate {
            label: "met at an event".into(),
            of: 0,
            replied: 0,
        },
        Rate {
            label: "not met".into(),
            of: 0,
            replied: 0,
        },
    ];
    let mut first_reply = Vec::new();
    let mut bounced = Vec::new();
    let mut timelines = Vec::new();
    let horizon = now + Duration::days(WEEK);

    for (c, r, thread) in &reviews {
        let name = c.name.clone();
        let answered = summary::answered(&r.stage);
        if let (true, Some(last)) = (summary::waiting(&r.stage), &r.last) {
            waiting.push(Waiting {
                contact: c.id.clone(),
                name: name.clone(),
                stage: r.stage.label(now),
                since: last.at,
                business_days: policy::business_days_between(last.at, now, &book.calendar(c)),
            });
        }
        if let Some(a) = r.next.as_ref().filter(|a| a.due <= horizon) {
            due.push(Due {
                contact: c.id.clone(),
                name: name.clone(),
                action: a.kind.name(),
                template: a.template.clone(),
                due: a.due,
                reason: a.reason.clone(),
            });
        }
        if r.sent > 0 {
            let f = &mut found[usize::from(c.met.is_none())];
            f.of += 1;
            f.replied += usize::from(answered);
        }
        if let Some(t) = thread {
            let reached = t.reached as usize;
            while steps.len() <= reached {
                steps.push(Rate {
                    label: step_label(steps.len() as u32),
                    of: 0,
                    replied: 0,
                });
            }
            for s in &mut steps[..=reached] {
                s.of += 1;
            }
            if let (true, Some((step, days))) = (answered, t.answer) {
                steps[step as usize].replied += 1;
                first_reply.push(FirstReply {
                    contact: c.id.clone(),
                    name: name.clone(),
                    days,
                });
            }
        }
        let evs = by_contact.get(c.id.as_str()).map_or(&[][..], Vec::as_slice);
        if let Stage::Bounced { at } = r.stage {
            let bounce = evs.iter().rev().find(|e| match e.kind {
                EventKind::Bounce => review::still_their_address(e.failed_address.as_deref(), c),
                EventKind::MarkedBounced => true,
                _ => false,
            });
            bounced.push(Bounced {
                contact: c.id.clone(),
                name: name.clone(),
                address: bounce
                    .and_then(|e| e.failed_address.clone())
                    .unwrap_or_else(|| c.email.clone()),
                at,
                summary: bounce.map_or_else(String::new, |e| e.summary.clone()),
            });
        }
        let messages = book.messages.get(&c.id).map_or(&[][..], Vec::as_slice);
        if !messages.is_empty() || !evs.is_empty() {
            let mut entries: Vec<Entry> = messages.iter().map(message_entry).collect();
            entries.extend(evs.iter().map(|e| Entry {
                at: e.at,
                what: e.kind.as_str().to_string(),
                detail: e.summary.clone(),
            }));
            // Stable: events of the same moment stay in the journal's order.
            entries.sort_by_key(|e| e.at);
            timelines.push(Timeline {
                contact: c.id.clone(),
                name,
                email: c.email.clone(),
                stage: r.stage.label(now),
                entries,
            });
        }
    }
    waiting.sort_by(|a, b| {
        b.business_days
            .cmp(&a.business_days)
            .then_with(|| a.contact.cmp(&b.contact))
    });
    due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.contact.cmp(&b.contact)));
    bounced.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.contact.cmp(&b.contact)));
    let by_template = summary
        .by_template
        .iter()
        .map(|(t, (of, replied))| Rate {
            label: t.clone(),
            of: *of,
            replied: *replied,
        })
        .collect();
    Report {
        now,
        zone: ws.config.zone(),
        owner: ws.config.me.name.clone(),
        summary,
        waiting,
        due,
        by_template,
        by_step: steps,
        by_found: found.into_iter().filter(|f| f.of > 0).collect(),
        first_reply,
        bounced,
        timelines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn sent(t: &str, kind: Kind, step: u32) -> Happened {
        Happened {
            at: at(t),
            what: What::Sent {
                message: 1,
                template: "t".into(),
                kind,
                step,
                thread: None,
            },
        }
    }

    fn ev(t: &str, what: What) -> Happened {
        Happened { at: at(t), what }
    }

    #[test]
    fn a_reply_is_credited_to_the_step_before_it_and_timed_from_the_first_email() {
        let h = [
            sent("2026-11-02T10:00:00Z", Kind::FirstContact, 0),
            ev(
                "2026-11-03T10:00:00Z",
                What::AutoReply { return_date: None },
            ),
            sent("2026-11-11T10:00:00Z", Kind::FollowUp, 1),
            ev("2026-11-12T22:00:00Z", What::Reply),
            ev("2026-11-20T10:00:00Z", What::Marked(Mark::Met)),
        ];
        assert_eq!(
            thread_of(&h),
            Some(Thread {
                reached: 1,
                answer: Some((1, 10.5))
            })
        );
    }

    #[test]
    fn a_new_first_email_starts_a_new_thread() {
        let h = [
            sent("2026-10-01T10:00:00Z", Kind::FirstContact, 0),
            ev("2026-10-02T10:00:00Z", What::Reply),
            sent("2026-11-02T10:00:00Z", Kind::FirstContact, 0),
        ];
        assert_eq!(
            thread_of(&h),
            Some(Thread {
                reached: 0,
                answer: None
            })
        );
        assert_eq!(thread_of(&[ev("2026-10-02T10:00:00Z", What::Wrote)]), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let mut r = Report {
            now: at("2026-11-24T14:00:00Z"),
            zone: chrono_tz::UTC,
            owner: String::new(),
            summary: Summary::default(),
            waiting: vec![],
            due: vec![],
            by_template: vec![],
            by_step: vec![],
            by_found: vec![],
            first_reply: vec![],
            bounced: vec![],
            timelines: vec![],
        };
        assert_eq!(r.median_days(), None);
        for d in [9.0, 1.0, 4.0, 2.0] {
            r.first_reply.push(FirstReply {
                contact: "c".into(),
                name: "n".into(),
                days: d,
            });
        }
        assert_eq!(r.median_days(), Some(3.0));
        r.first_reply.pop();
        assert_eq!(r.median_days(), Some(4.0));
    }
}
