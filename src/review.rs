//! The review: every contact's history from the journal, handed to the
//! pure follow-up policy. `status`, `due`, `followup` and `run` all see
//! contacts through this one place.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use crate::config::Config;
use crate::contact::Contact;
use crate::journal::{
    AppointmentKind, Event, EventKind, Fact, Journal, Message, MilestoneRow, Snapshot, State,
};
use crate::policy::{self, Calendar, Happened, Mark, Policy, Review, Rule, Stage, What};
use crate::rhythm::{self, Facts, Interview, Meeting, Milestone, Occasion, Rules, Source};
use crate::template::Kind;
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

/// The rhythm's templates and windows from outreach.yaml.
pub fn rules(config: &Config) -> Rules {
    let f = &config.followup;
    Rules {
        agenda_template: f.agenda_template.clone(),
        thank_you_template: f.thank_you_template.clone(),
        milestone_template: f.milestone_template.clone(),
        interview_template: f.interview_template.clone(),
        agenda_business_days: f.agenda_business_days,
        ..Rules::default()
    }
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
    pub rules: Rules,
    /// Meetings and interviews by contact, from their files and the journal.
    meetings: HashMap<String, Vec<Meeting>>,
    interviews: HashMap<String, Vec<Interview>>,
    /// Milestones by mentor.
    milestones: HashMap<String, Vec<Milestone>>,
    /// Every milestone, with the mentors chosen to hear of it.
    pub milestone_rows: Vec<MilestoneRow>,
    /// The rhythm's once-only keys and the states of their messages.
    keys: HashMap<String, State>,
}

impl<'w> Book<'w> {
    pub fn read(ws: &'w Workspace, journal: &Journal) -> Result<Book<'w>> {
        Self::with(ws, journal, journal.snapshot(false)?)
    }

    /// The book of a snapshot of `journal` (its messages and facts),
    /// with the rest read from `journal`.
    pub fn with(ws: &'w Workspace, journal: &Journal, snapshot: Snapshot) -> Result<Book<'w>> {
        let Snapshot {
            messages: all,
            facts,
            ..
        } = snapshot;
        // An answer to our message comes after it, whatever the clocks
        // said: a bounce dated in the second of the send included.
        let sent: HashMap<i64, DateTime<Utc>> = all
            .iter()
            .filter_map(|m| Some((m.id, m.sent_at?)))
            .collect();
        let mut messages: HashMap<String, Vec<Message>> = HashMap::new();
        for m in all {
            messages.entry(m.contact.clone()).or_default().push(m);
        }
        let mut events: HashMap<String, Vec<Fact>> = HashMap::new();
        for mut e in facts {
            if let Some(at) = e.message.and_then(|id| sent.get(&id)) {
                e.at = e.at.max(*at);
            }
            events.entry(e.contact.clone()).or_default().push(e);
        }
        let (meetings, interviews) = appointments(ws, journal)?;
        let milestone_rows = journal.milestones()?;
        let mut milestones: HashMap<String, Vec<Milestone>> = HashMap::new();
        for m in &milestone_rows {
            for (contact, credited) in &m.mentors {
                milestones
                    .entry(contact.clone())
                    .or_default()
                    .push(Milestone {
                        id: m.id,
                        text: m.text.clone(),
                        date: m.date,
                        recorded: m.recorded_at,
                        credited: *credited,
                    });
            }
        }
        Ok(Book {
            ws,
            policy: policy(&ws.config),
            workdays: ws.config.send_window.weekdays(),
            holidays: ws.config.holidays.clone(),
            messages,
            events,
            rules: rules(&ws.config),
            meetings,
            interviews,
            milestones,
            milestone_rows,
            keys: journal.rhythm_keys()?.into_iter().collect(),
        })
    }

    /// One contact's meetings (from their file and the journal), in time order.
    pub fn meetings(&self, contact: &str) -> &[Meeting] {
        self.meetings.get(contact).map_or(&[], Vec::as_slice)
    }

    /// One contact's interviews, in time order.
    pub fn interviews(&self, contact: &str) -> &[Interview] {
        self.interviews.get(contact).map_or(&[], Vec::as_slice)
    }

    /// The state of the message under a rhythm once-only key, if any.
    pub fn key_state(&self, key: &str) -> Option<State> {
        self.keys.get(key).copied()
    }

    pub fn calendar(&self, contact: &Contact) -> Calendar<'_> {
        Calendar {
            zone: contact.zone(self.ws.config.zone()),
            reader: self.ws.config.zone(),
            workdays: &self.workdays,
            holidays: &self.holidays,
        }
    }

    /// What the contact's meetings, interviews and milestones call for at
    /// `now` (due now or coming), given their review.
    pub fn occasions(
        &self,
        contact: &Contact,
        review: &Review,
        now: DateTime<Utc>,
    ) -> Vec<Occasion> {
        let (meetings, interviews) = (self.meetings(&contact.id), self.interviews(&contact.id));
        let milestones = self
            .milestones
            .get(&contact.id)
            .map_or(&[][..], Vec::as_slice);
        if meetings.is_empty() && interviews.is_empty() && milestones.is_empty() {
            return Vec::new();
        }
        let history = || self.history_at(contact, now);
        let sent = |k: &str| self.keys.get(k) == Some(&State::Sent);
        let facts = Facts {
            contact: &contact.id,
            meetings,
            interviews,
            milestones,
            history: &history,
            sent: &sent,
            stopped: matches!(review.stage, Stage::Bounced { .. } | Stage::DoNotContact),
        };
        rhythm::occasions(&facts, &self.rules, &self.calendar(contact), now)
    }

    /// One contact's history up to `now`, in time order: messages,
    /// events, and meetings and interviews held (an exchange, like a
    /// meeting the user marked).
    pub fn history_at(&self, contact: &Contact, now: DateTime<Utc>) -> Vec<Happened> {
        let mut h = self.history(contact);
        let held = self
            .meetings(&contact.id)
            .iter()
            .filter(|m| !m.cancelled)
            .map(|m| m.at)
            .chain(
                self.interviews(&contact.id)
                    .iter()
                    .filter(|i| !i.cancelled)
                    .map(|i| i.at),
            )
            .filter(|at| *at <= now);
        let before = h.len();
        h.extend(held.map(|at| Happened {
            at,
            what: What::Marked(Mark::Met),
        }));
        if h.len() > before {
            h.sort_by_key(|x| x.at);
        }
        h
    }

    /// One contact's history from the journal, in time order.
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
        // Within one second our message comes first: a Date header counts
        // whole seconds, our sends count milliseconds.
        h.sort_by_key(|x| (x.at.timestamp(), !matches!(x.what, What::Sent { .. })));
        h
    }

    /// One contact, reviewed at `now`.
    pub fn review(&self, contact: &Contact, now: DateTime<Utc>) -> Review {
        self.review_history(contact, &self.history_at(contact, now), now)
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
        crate::parallel::map(&self.ws.contacts, 256, |c| (c, self.review(c, now)))
    }

    /// A message of ours, by journal id.
    pub fn message(&self, contact: &str, id: i64) -> Option<&Message> {
        self.messages.get(contact)?.iter().find(|m| m.id == id)
    }
}

/// Every contact's meetings and interviews, from their files and the
/// journal, resolved in their zones and sorted by time.
#[allow(clippy::type_complexity)]
fn appointments(
    ws: &Workspace,
    journal: &Journal,
) -> Result<(
    HashMap<String, Vec<Meeting>>,
    HashMap<String, Vec<Interview>>,
)> {
    let mut meetings: HashMap<String, Vec<Meeting>> = HashMap::new();
    let mut interviews: HashMap<String, Vec<Interview>> = HashMap::new();
    for c in ws.contacts.iter() {
        if c.meetings.is_empty() && c.interviews.is_empty() {
            continue;
        }
        let zone = c.zone(ws.config.zone());
        let place = c.place();
        meetings.insert(
            c.id.clone(),
            rhythm::from_entries(&c.meetings, zone, &place),
        );
        interviews.insert(
            c.id.clone(),
            rhythm::interviews_from(&c.interviews, zone, &place),
        );
    }
    for a in journal.appointments()? {
        let source = Source::Journal(a.id);
        let id = format!("#{}", a.id);
        match a.kind {
            AppointmentKind::Meeting => meetings.entry(a.contact).or_default().push(Meeting {
                id,
                at: a.at,
                minutes: a.minutes,
                topic: a.title,
                agenda: a.agenda,
                discussed: a.discussed,
                next_step: a.next_step,
                cancelled: a.cancelled,
                source,
            }),
            AppointmentKind::Interview => {
                interviews.entry(a.contact).or_default().push(Interview {
                    id,
                    at: a.at,
                    minutes: a.minutes,
                    program: a.title,
                    note: a.note,
                    cancelled: a.cancelled,
                    source,
                })
            }
        }
    }
    for list in meetings.values_mut() {
        list.sort_by_key(|m| m.at);
    }
    for list in interviews.values_mut() {
        list.sort_by_key(|i| i.at);
    }
    Ok((meetings, interviews))
}

/// Why a first-contact message must not go to `contact` now: they already
/// had one (sent, or waiting in Drafts or outbox/), or they are in
/// conversation (a reply, a meeting or interview held, mail the user
/// wrote). `template` is the one about to go: its own earlier message is
/// the once-only key's business.
pub fn first_contact_hold(
    ws: &Workspace,
    journal: &Journal,
    contact: &Contact,
    template: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let zone = contact.zone(ws.config.zone());
    let mut history: Vec<Happened> = Vec::new();
    let mut extra: Vec<(DateTime<Utc>, String)> = Vec::new();
    let on = |at: DateTime<Utc>| crate::schedule::local_in(at, zone);
    for m in journal.messages_for(&contact.id)? {
        if m.kind != Kind::FirstContact || m.template == template {
            continue;
        }
        match (m.state, m.sent_at) {
            (State::Sent, Some(at)) => history.push(Happened {
                at,
                what: What::Sent {
                    message: m.id,
                    template: m.template.clone(),
                    kind: m.kind,
                    step: m.step,
                    thread: m.thread,
                },
            }),
            (State::Failed | State::Unsent, _) => {}
            (state, _) => extra.push((
                m.created_at,
                format!(
                    "already had a first message ({}, {} since {})",
                    m.template,
                    state.as_str(),
                    on(m.created_at)
                ),
            )),
        }
    }
    for e in journal.events_for(&contact.id)? {
        let fact = Fact {
            contact: contact.id.clone(),
            kind: e.kind,
            at: e.at,
            until: e.until,
            failed_address: None,
            message: e.message,
        };
        if let Some(what) = what(&fact, contact) {
            history.push(Happened { at: e.at, what });
        }
    }
    history.sort_by_key(|h| h.at);
    let place = contact.place();
    for m in rhythm::from_entries(&contact.meetings, zone, &place)
        .into_iter()
        .filter(|m| !m.cancelled)
    {
        extra.push((
            m.at,
            format!(
                "already in conversation (your meeting about {}, {})",
                m.topic,
                on(m.at)
            ),
        ));
    }
    for i in rhythm::interviews_from(&contact.interviews, zone, &place)
        .into_iter()
        .filter(|i| !i.cancelled)
    {
        extra.push((
            i.at,
            format!(
                "already in conversation (your interview at {}, {})",
                i.program,
                on(i.at)
            ),
        ));
    }
    for a in journal
        .appointments()?
        .into_iter()
        .filter(|a| a.contact == contact.id && !a.cancelled)
    {
        extra.push((
            a.at,
            format!(
                "already in conversation (your {} about {}, {})",
                a.kind.as_str(),
                a.title,
                on(a.at)
            ),
        ));
    }
    Ok(rhythm::first_contact_block(&history, &extra, zone, now))
}
