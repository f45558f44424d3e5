//! The review: every contact's history from the journal, handed to the
//! pure follow-up policy. `status`, `due`, `followup` and `run` all see
//! contacts through this one place.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use crate::config::Config;
use crate::contact::Contact;
use crate::journal::{Event, EventKind, Fact, Journal, Message, State};
use crate::policy::{self, Calendar, Happened, Mark, Policy, Review, Rule, What};
use crate::workspace::Workspace;

/// The policy from outreach.yaml.
pub fn policy(config: &Config) -> Policy {
    let f = &config.followup;
    let default = Rule::from(f);
    let mut p = Policy::new(default.clone());
    for (name, o) in &f.templates {
        p.per_template.insert(
            name.clone(),
            Rule {
                after_business_days: o.after_business_days.unwrap_or(default.after_business_days),
                then_days: o.then_days.unwrap_or(default.then_days),
                max: o.max.unwrap_or(default.max),
                template: o
                    .template
                    .clone()
                    .unwrap_or_else(|| default.template.clone()),
            },
        );
    }
    p.checkin_template = f.checkin_template.clone();
    p.post_conference_template = f.post_conference_template.clone();
    p.post_conference_within_days = f.post_conference_within_days;
    p
}

/// Whether a bounce event is about an address the contact still has: a
/// bounce of an address since corrected no longer counts.
pub fn bounce_applies(e: &Event, contact: &Contact) -> bool {
    let failed = e
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|d| d["failed_address"].as_str().map(str::to_string));
    still_their_address(failed.as_deref(), contact)
}

/// Whether a bounce of `failed` (None: the address is not known) is about
/// an address the contact still has.
pub fn still_their_address(failed: Option<&str>, contact: &Contact) -> bool {
    failed.is_none_or(|f| contact.addresses().any(|a| a.eq_ignore_ascii_case(f)))
}

/// What a journal event means to the policy (None: nothing it weighs).
fn what(e: &Fact, contact: &Contact) -> Option<What> {
    Some(match e.kind {
        EventKind::Reply => What::Reply,
        EventKind::AutoReply => What::AutoReply {
            return_date: e.until,
        },
        EventKind::Bounce if still_their_address(e.failed_address.as_deref(), contact) => {
            What::Bounce
        }
        EventKind::Bounce => return None,
        EventKind::Wrote => What::Wrote,
        EventKind::MarkedReplied => What::Marked(Mark::Replied),
        EventKind::MarkedMet => What::Marked(Mark::Met),
        EventKind::MarkedDoNotContact => What::Marked(Mark::DoNotContact),
        EventKind::MarkedBounced => What::Marked(Mark::Bounced),
    })
}

/// Everything the policy needs, read once.
pub struct Book<'w> {
    pub ws: &'w Workspace,
    pub policy: Policy,
    workdays: Vec<Weekday>,
    holidays: Vec<NaiveDate>,
    /// Messages by contact, oldest first.
    pub messages: HashMap<String, Vec<Message>>,
    events: HashMap<String, Vec<Fact>>,
}

impl<'w> Book<'w> {
    pub fn read(ws: &'w Workspace, journal: &Journal) -> Result<Book<'w>> {
        let mut messages: HashMap<String, Vec<Message>> = HashMap::new();
        for m in journal.messages()? {
            messages.entry(m.contact.clone()).or_default().push(m);
        }
        let mut events: HashMap<String, Vec<Fact>> = HashMap::new();
        for e in journal.facts()? {
            events.entry(e.contact.clone()).or_default().push(e);
        }
        Ok(Book {
            ws,
            policy: policy(&ws.config),
            workdays: ws.config.send_window.weekdays(),
            holidays: ws.config.holidays.clone(),
            messages,
            events,
        })
    }

    /// One contact's history, in time order.
    pub fn history(&self, contact: &Contact) -> Vec<Happened> {
        let mut h: Vec<Happened> = Vec::new();
        for m in self.messages.get(&contact.id).into_iter().flatten() {
            if let (State::Sent, Some(at)) = (m.state, m.sent_at) {
                h.push(Happened {
                    at,
                    what: What::Sent {
                        message: m.id,
                        template: m.template.clone(),
                        kind: m.kind,
                        step: m.step,
                        thread: m.thread,
                    },
                });
            }
        }
        for e in self.events.get(&contact.id).into_iter().flatten() {
            if let Some(what) = what(e, contact) {
                h.push(Happened { at: e.at, what });
            }
        }
        h.sort_by_key(|x| x.at);
        h
    }

    /// The business days of one contact: the workspace's week and
    /// holidays, in their zone.
    pub fn calendar(&self, contact: &Contact) -> Calendar<'_> {
        Calendar {
            zone: contact.zone(self.ws.config.zone()),
            workdays: &self.workdays,
            holidays: &self.holidays,
        }
    }

    /// One contact, reviewed at `now`.
    pub fn review(&self, contact: &Contact, now: DateTime<Utc>) -> Review {
        self.review_history(contact, &self.history(contact), now)
    }

    /// One contact, reviewed at `now`, from their `history` already built.
    pub fn review_history(
        &self,
        contact: &Contact,
        history: &[Happened],
        now: DateTime<Utc>,
    ) -> Review {
        policy::review(&self.policy, contact, history, &self.calendar(contact), now)
    }

    /// Every contact, reviewed, in the workspace's order.
    pub fn review_all(&self, now: DateTime<Utc>) -> Vec<(&'w Contact, Review)> {
        self.ws
            .contacts
            .iter()
            .map(|c| (c, self.review(c, now)))
            .collect()
    }

    /// A message of ours, by journal id.
    pub fn message(&self, contact: &str, id: i64) -> Option<&Message> {
        self.messages.get(contact)?.iter().find(|m| m.id == id)
    }
}
