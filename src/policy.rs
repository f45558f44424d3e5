//! Follow-up policy, as a pure function of one contact's history and `now`:
//! where the contact stands and what is due next, with the reason.
//!
//! Follow-ups belong to a thread: the latest first-contact message. They
//! stop for good at a reply after it, a bounce or do-not-contact. Any
//! message to the contact, including one the user wrote from their own mail
//! client, restarts the clock; an out-of-office answer only ever postpones.
//! With no thread waiting, a contact met at an event gets a post-conference
//! message, and an ongoing mentor a check-in every `cadence`.
//!
//! Business days and calendar days are counted in the contact's zone and
//! keep the local time of day, so a follow-up to a 10:00 message is due at
//! 10:00 local even across a daylight-saving change. `due` is only when an
//! action becomes due: send windows and daily caps are the caller's.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::config::FollowupPolicy;
use crate::contact::Contact;
use crate::rhythm::OccasionKind;
use crate::schedule::local_instant;
use crate::template::Kind;

/// Something that happened between the user and one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// The tool sent a message.
    Sent {
        /// The message's journal id.
        message: i64,
        template: String,
        kind: Kind,
        /// For follow-ups: 1 for the first, 2 for the second, …
        step: u32,
        /// For follow-ups: the journal id of the thread's first message.
        thread: Option<i64>,
    },
    /// The user wrote to them from their own mail client (found in the Sent
    /// folder).
    Wrote,
    /// They answered by email.
    Reply,
    /// An out-of-office or other automatic answer: not a reply.
    AutoReply {
        return_date: Option<NaiveDate>,
    },
    Bounce,
    /// The user recorded something that happened outside email.
    Marked(Mark),
}

/// What `outreach mark` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// They answered some other way (a call, LinkedIn).
    Replied,
    /// The user met them.
    Met,
    DoNotContact,
    Bounced,
}

/// One event in a contact's history; a history is sorted by `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happened {
    pub at: DateTime<Utc>,
    pub what: What,
}

/// When a thread's follow-ups become due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Business days after the last message before the first follow-up.
    pub after_business_days: u32,
    /// Calendar days after the last message before each later follow-up.
    pub then_days: u32,
    /// Follow-ups at most, per thread.
    pub max: u32,
    /// The template follow-ups use.
    pub template: String,
}

impl From<&FollowupPolicy> for Rule {
    fn from(p: &FollowupPolicy) -> Rule {
        Rule {
            after_business_days: p.after_business_days,
            then_days: p.then_days,
            max: p.max,
            template: p.template.clone(),
        }
    }
}

/// The follow-up, check-in and post-conference policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub default: Rule,
    /// Rules by the name of the thread's first-contact template.
    pub per_template: BTreeMap<String, Rule>,
    /// The template of check-ins with ongoing mentors.
    pub checkin_template: String,
    /// The template written after meeting someone at an event.
    pub post_conference_template: String,
    /// Days after an event within which the post-conference message should go.
    pub post_conference_within_days: u32,
}

impl Policy {
    /// `default` for every thread, and the usual templates and timing.
    pub fn new(default: Rule) -> Policy {
        Policy {
            default,
            per_template: BTreeMap::new(),
            checkin_template: "update".to_string(),
            post_conference_template: "post-conference".to_string(),
            post_conference_within_days: 7,
        }
    }

    /// The rule for a thread started with `template`.
    pub fn rule(&self, template: &str) -> &Rule {
        self.per_template.get(template).unwrap_or(&self.default)
    }
}

/// Which days count as business days for one contact.
///
/// Borrows the week and the holidays so that reviewing thousands of
/// contacts builds them once.
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    /// The contact's zone: days are their local days.
    pub zone: Tz,
    /// The user's zone: the dates and day counts they read are theirs.
    pub reader: Tz,
    /// Working weekdays, usually Monday to Friday.
    pub workdays: &'a [Weekday],
    /// Local dates that are not business days.
    pub holidays: &'a [NaiveDate],
}

impl Calendar<'_> {
    /// Whether `day` is a business day. An empty week means every day, as a
    /// count of business days over no working weekdays would never end.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        (self.workdays.is_empty() || self.workdays.contains(&day.weekday()))
            && !self.holidays.contains(&day)
    }
}

/// `n` business days after `start`: counted from its local date, at the
/// same local time of day.
pub fn add_business_days(start: DateTime<Utc>, n: u32, cal: &Calendar) -> DateTime<Utc> {
    if n == 0 {
        return start;
    }
    let local = start.with_timezone(&cal.zone);
    let mut day = local.date_naive();
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if cal.is_business_day(day) {
            left -= 1;
        }
    }
    local_instant(cal.zone, day, local.time())
}

/// Business days from `start` to `end`: those after `start`'s local date up
/// to and including `end`'s (0 when `end` is not later).
pub fn business_days_between(start: DateTime<Utc>, end: DateTime<Utc>, cal: &Calendar) -> u32 {
    let mut day = start.with_timezone(&cal.zone).date_naive();
    let last = end.with_timezone(&cal.zone).date_naive();
    let mut n = 0;
    while day < last {
        day += Duration::days(1);
        if cal.is_business_day(day) {
            n += 1;
        }
    }
    n
}

/// `n` calendar days after `start`, at the same local time of day.
fn add_days(start: DateTime<Utc>, n: u32, zone: Tz) -> DateTime<Utc> {
    let local = start.with_timezone(&zone);
    local_instant(
        zone,
        local.date_naive() + Duration::days(i64::from(n)),
        local.time(),
    )
}

/// Where a contact stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Nothing sent or written to them yet.
    NotContacted,
    /// Written to, no answer yet; `since` is the last message to them.
    Waiting {
        since: DateTime<Utc>,
    },
    /// Followed up `count` times, no answer yet; `since` is the last message.
    FollowedUp {
        count: u32,
        since: DateTime<Utc>,
    },
    /// Away, by an automatic answer; follow-ups wait until they are back.
    AutoReply {
        until: Option<NaiveDate>,
    },
    /// Every follow-up the rule allows went unanswered.
    NoReply {
        count: u32,
    },
    Replied {
        at: DateTime<Utc>,
    },
    /// The user marked that they met (the latest answer was a meeting).
    Met {
        at: DateTime<Utc>,
    },
    Bounced {
        at: DateTime<Utc>,
    },
    DoNotContact,
}

impl Stage {
    /// A short label for tables, e.g. "waiting 9 days".
    pub fn label(&self, now: DateTime<Utc>) -> String {
        match self {
            Stage::NotContacted => "not contacted".to_string(),
            Stage::Waiting { since } => {
                format!("waiting {}", count((now - *since).num_days().max(0), "day"))
            }
            Stage::FollowedUp { count, .. } => format!("followed up {count}×"),
            Stage::AutoReply { until: Some(d) } => {
                format!("auto-reply until {}", day(*d, now.date_naive()))
            }
            Stage::AutoReply { until: None } => "auto-reply".to_string(),
            Stage::NoReply { count: n } => {
                format!("no reply after {}", count(i64::from(*n), "follow-up"))
            }
            Stage::Replied { .. } => "replied".to_string(),
            Stage::Met { .. } => "met".to_string(),
            Stage::Bounced { .. } => "bounced".to_string(),
            Stage::DoNotContact => "do-not-contact".to_string(),
        }
    }
}

/// What the next action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// Follow-up number `step` in the thread started by message `thread`.
    FollowUp { thread: i64, step: u32 },
    /// News for an ongoing mentor, by their `cadence`.
    CheckIn,
    /// The first message after meeting them at an event.
    PostConference,
    /// What a meeting, milestone or interview calls for (see `rhythm`).
    Occasion(OccasionKind),
}

impl ActionKind {
    /// The action's name for people: "follow-up 1", "check-in".
    pub fn name(self) -> String {
        match self {
            ActionKind::FollowUp { step, .. } => format!("follow-up {step}"),
            ActionKind::CheckIn => "check-in".into(),
            ActionKind::PostConference => "post-conference".into(),
            ActionKind::Occasion(k) => k.name().into(),
        }
    }
}

/// The next thing to send to a contact, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    pub template: String,
    /// When it becomes due: due now when `due <= now`, else coming next.
    pub due: DateTime<Utc>,
    /// E.g. "7 business days without a reply to intro (sent 12 Nov)".
    pub reason: String,
}

/// The last message to a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    /// The template, or `None` for mail the user wrote from their own client.
    pub template: Option<String>,
    pub at: DateTime<Utc>,
}

/// One contact, reviewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub stage: Stage,
    pub last: Option<Last>,
    pub next: Option<Action>,
    /// Messages to them: sent by the tool or written by the user.
    pub sent: u32,
    /// Whether they answered the current thread (or, with no thread, ever).
    pub replied: bool,
}

/// An exchange with the contact, as a reason names it.
#[derive(Debug, Clone, Copy)]
enum Touch<'h> {
    Sent(&'h str),
    Wrote,
    Reply,
    Met,
}

impl<'h> Touch<'h> {
    fn name(self) -> &'h str {
        match self {
            Touch::Sent(template) => template,
            Touch::Wrote => "your own email",
            Touch::Reply => "their reply",
            Touch::Met => "your meeting",
        }
    }
}

/// The current thread: the latest first-contact message.
struct Thread<'h> {
    message: i64,
    template: &'h str,
    at: DateTime<Utc>,
    /// Follow-up steps done in it.
    done: u32,
    /// The latest postponement by an automatic answer, with its return date.
    hold: Option<(DateTime<Utc>, Option<NaiveDate>)>,
}

/// One pass over a history: what the policy needs to know.
#[derive(Default)]
struct Scan<'h> {
    do_not_contact: bool,
    /// A bounce that still stands: no reply or new thread came after it.
    bounced: Option<DateTime<Utc>>,
    thread: Option<Thread<'h>>,
    /// The latest message to them, from the tool or the user's own client.
    last_out: Option<(DateTime<Utc>, Touch<'h>)>,
    sent: u32,
    /// The latest answer from them, and whether it was a meeting.
    answer: Option<(DateTime<Utc>, bool)>,
    /// The latest email either way (not a meeting).
    last_mail: Option<DateTime<Utc>>,
    /// The latest exchange either way, meetings included.
    last_exchange: Option<(DateTime<Utc>, Touch<'h>)>,
}

impl<'h> Scan<'h> {
    fn of(history: &'h [Happened], cal: &Calendar) -> Scan<'h> {
        let mut s = Scan::default();
        for h in history {
            let at = h.at;
            match &h.what {
                What::Sent {
                    message,
                    template,
                    kind,
                    step,
                    thread,
                } => {
                    let touch = Touch::Sent(template);
                    s.sent += 1;
                    s.last_out = Some((at, touch));
                    s.last_mail = Some(at);
                    s.last_exchange = Some((at, touch));
                    match kind {
                        Kind::FirstContact => {
                            // A new thread: the address was fixed if it bounced.
                            s.bounced = None;
                            s.thread = Some(Thread {
                                message: *message,
                                template,
                                at,
                                done: 0,
                                hold: None,
                            });
                        }
                        Kind::FollowUp => {
                            if let Some(t) = s.thread.as_mut() {
                                // A follow-up with no thread recorded is
                                // counted too: a step is never offered twice.
                                if thread.is_none_or(|id| id == t.message) {
                                    // A recorded step ahead of the count wins.
                                    t.done = (t.done + 1).max(*step);
                                }
                            }
                        }
                        Kind::Note => {}
                    }
                }
                What::Wrote => {
                    s.sent += 1;
                    s.last_out = Some((at, Touch::Wrote));
                    s.last_mail = Some(at);
                    s.last_exchange = Some((at, Touch::Wrote));
                }
                What::Reply => {
                    // An email from them proves the address works again.
                    s.bounced = None;
                    s.answer = Some((at, false));
                    s.last_mail = Some(at);
                    s.last_exchange = Some((at, Touch::Reply));
                }
                What::Marked(Mark::Replied) => {
                    s.answer = Some((at, false));
                    s.last_mail = Some(at);
                    s.last_exchange = Some((at, Touch::Reply));
                }
                What::Marked(Mark::Met) => {
                    s.answer = Some((at, true));
                    s.last_exchange = Some((at, Touch::Met));
                }
                What::AutoReply { return_date } => {
                    if let Some(t) = s.thread.as_mut() {
                        let until = match return_date {
                            // Back on that date, at the thread's local time,
                            // and two business days to catch up on mail.
                            Some(d) => {
                                let time = t.at.with_timezone(&cal.zone).time();
                                add_business_days(local_instant(cal.zone, *d, time), 2, cal)
                            }
                            None => add_days(at, 7, cal.zone),
                        };
                        if t.hold.is_none_or(|(held, _)| until > held) {
                            t.hold = Some((until, *return_date));
                        }
                    }
                }
                What::Bounce | What::Marked(Mark::Bounced) => s.bounced = Some(at),
                What::Marked(Mark::DoNotContact) => s.do_not_contact = true,
            }
        }
        s
    }
}

/// Reviews one contact: their stage and the next action, if any.
pub fn review(
    policy: &Policy,
    contact: &Contact,
    history: &[Happened],
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Review {
    let s = Scan::of(history, cal);
    // An answer counts for the thread when it came after the thread began,
    // whenever that was: one that arrived after a follow-up fell due still
    // cancels it.
    let answer = s
        .answer
        .filter(|(at, _)| s.thread.as_ref().is_none_or(|t| *at >= t.at));
    let open = s.thread.as_ref().filter(|_| answer.is_none());
    // A contact without an address gets no check-in either.
    let stopped = !contact.may_contact() || s.do_not_contact || s.bounced.is_some();

    let stage = if contact.do_not_contact.is_some() || s.do_not_contact {
        Stage::DoNotContact
    } else if let Some(at) = s.bounced {
        Stage::Bounced { at }
    } else if let Some((at, met)) = answer {
        if met {
            Stage::Met { at }
        } else {
            Stage::Replied { at }
        }
    } else if let Some((since, _)) = s.last_out {
        match open {
            Some(t) => match t.hold {
                Some((until, date)) if now < until => Stage::AutoReply { until: date },
                _ if t.done > 0 && t.done >= policy.rule(t.template).max => {
                    Stage::NoReply { count: t.done }
                }
                _ if t.done > 0 => Stage::FollowedUp {
                    count: t.done,
                    since,
                },
                _ => Stage::Waiting { since },
            },
            None => Stage::Waiting { since },
        }
    } else {
        Stage::NotContacted
    };

    let today = now.with_timezone(&cal.reader).date_naive();
    let next = if stopped {
        None
    } else if let Some(t) = open {
        // Follow-ups come first; nothing else goes to someone who has not
        // answered the thread, even when its follow-ups are spent.
        s.last_out
            .and_then(|last| follow_up(policy.rule(t.template), t, last, cal, today))
    } else {
        post_conference(policy, contact, &s, cal, today)
            .or_else(|| check_in(policy, contact, &s, cal, today))
    };

    Review {
        stage,
        last: s.last_out.map(|(at, touch)| Last {
            template: match touch {
                Touch::Sent(t) => Some(t.to_string()),
                _ => None,
            },
            at,
        }),
        next,
        sent: s.sent,
        replied: answer.is_some(),
    }
}

/// The thread's next follow-up, counted from the last message to them.
fn follow_up(
    rule: &Rule,
    t: &Thread,
    (last, touch): (DateTime<Utc>, Touch),
    cal: &Calendar,
    today: NaiveDate,
) -> Option<Action> {
    if t.done >= rule.max {
        return None;
    }
    let step = t.done + 1;
    let (normal, wait) = if step == 1 {
        (
            add_business_days(last, rule.after_business_days, cal),
            count(i64::from(rule.after_business_days), "business day"),
        )
    } else {
        (
            add_days(last, rule.then_days, cal.zone),
            count(i64::from(rule.then_days), "day"),
        )
    };
    let local = |at: DateTime<Utc>| day(at.with_timezone(&cal.reader).date_naive(), today);
    let started = local(t.at);
    let mut reason = if last == t.at {
        format!("{wait} without a reply to {} (sent {started})", t.template)
    } else {
        format!(
            "{wait} since {} ({}) without a reply to {} (sent {started})",
            touch.name(),
            local(last),
            t.template
        )
    };
    let mut due = normal;
    if let Some((until, date)) = t.hold.filter(|(until, _)| *until > normal) {
        due = until;
        match date {
            Some(d) => reason += &format!("; out of office until {}", day(d, today)),
            None => reason += "; postponed a week by an automatic answer",
        }
    }
    Some(Action {
        kind: ActionKind::FollowUp {
            thread: t.message,
            step,
        },
        template: rule.template.clone(),
        due,
        reason,
    })
}

/// The first message after an event, for someone not yet written to since.
fn post_conference(
    policy: &Policy,
    contact: &Contact,
    s: &Scan,
    cal: &Calendar,
    today: NaiveDate,
) -> Option<Action> {
    let met = contact.met.as_ref()?;
    let (event, date) = (met.event.as_deref()?, met.date?);
    let mailed_since = s
        .last_mail
        .is_some_and(|at| at.with_timezone(&cal.zone).date_naive() >= date);
    // Never to someone already written to about it, or in conversation.
    if s.thread.is_some() || mailed_since || s.answer.is_some() {
        return None;
    }
    let nine = NaiveTime::from_hms_opt(9, 0, 0)?;
    let ago = (today - date).num_days();
    let mut reason = format!("after {event} on {}", day(date, today));
    if ago > 0 {
        reason += &format!(", {} ago", count(ago, "day"));
    }
    Some(Action {
        kind: ActionKind::PostConference,
        template: policy.post_conference_template.clone(),
        due: local_instant(cal.zone, date.succ_opt()?, nine),
        reason,
    })
}

/// A check-in with an ongoing mentor, `cadence` after the last exchange.
fn check_in(
    policy: &Policy,
    contact: &Contact,
    s: &Scan,
    cal: &Calendar,
    today: NaiveDate,
) -> Option<Action> {
    let days = contact.cadence_days()?;
    let cadence = contact.cadence.as_deref()?.trim();
    let (at, touch) = s.last_exchange?;
    let on = day(at.with_timezone(&cal.reader).date_naive(), today);
    Some(Action {
        kind: ActionKind::CheckIn,
        template: policy.checkin_template.clone(),
        due: add_days(at, days, cal.zone),
        reason: format!("{cadence} since the last exchange ({}, {on})", touch.name()),
    })
}

/// A warning for `lint` when the post-conference message is late: more than
/// `post_conference_within_days` since the event and no first message sent.
pub fn post_conference_late(
    contact: &Contact,
    policy: &Policy,
    today: NaiveDate,
    first_sent: bool,
) -> Option<String> {
    if first_sent || contact.do_not_contact.is_some() {
        return None;
    }
    let met = contact.met.as_ref()?;
    let (event, date) = (met.event.as_deref()?, met.date?);
    let ago = (today - date).num_days();
    (ago > i64::from(policy.post_conference_within_days)).then(|| {
        format!(
            "{event} was {} ago and nothing was sent yet: post-conference messages are best within {}",
            count(ago, "day"),
            count(i64::from(policy.post_conference_within_days), "day")
        )
    })
}

/// "1 day", "3 days".
fn count(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// "12 Nov", with the year when it is not this year.
fn day(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        d.format("%-d %b").to_string()
    } else {
        d.format("%-d %b %Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: &[Weekday] = &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn contact(yaml: &str) -> Contact {
        serde_yaml::from_str(&format!(
            "name: Chinedu Okafor\nemail: c@example.org\n{yaml}"
        ))
        .unwrap()
    }

    fn policy() -> Policy {
        Policy::new(Rule::from(&FollowupPolicy::default()))
    }

    fn ev(t: &str, what: What) -> Happened {
        Happened { at: at(t), what }
    }

    fn sent(t: &str, message: i64, template: &str, kind: Kind, step: u32) -> Happened {
        let thread = (kind == Kind::FollowUp).then_some(1);
        ev(
            t,
            What::Sent {
                message,
                template: template.to_string(),
                kind,
                step,
                thread,
            },
        )
    }

    fn first(t: &str, message: i64, template: &str) -> Happened {
        sent(t, message, template, Kind::FirstContact, 0)
    }

    /// Follow-up `step` in the thread of message 1.
    fn follow(t: &str, message: i64, step: u32) -> Happened {
        sent(t, message, "follow-up", Kind::FollowUp, step)
    }

    fn ooo(t: &str, back: Option<&str>) -> Happened {
        ev(
            t,
            What::AutoReply {
                return_date: back.map(date),
            },
        )
    }

    /// A contact in New York under the default policy.
    fn ny_review(history: &[Happened], now: &str) -> Review {
        review(
            &policy(),
            &contact(""),
            history,
            &cal("America/New_York"),
            at(now),
        )
    }

    fn cal(zone: &str) -> Calendar<'static> {
        Calendar {
            zone: zone.parse().unwrap(),
            reader: zone.parse().unwrap(),
            workdays: WEEK,
            holidays: &[],
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let ny = cal("America/New_York");
        // Fri 20 Nov 2026 10:00 in New York.
        let fri = at("2026-11-20T15:00:00Z");
        assert_eq!(add_business_days(fri, 0, &ny), fri);
        assert_eq!(add_business_days(fri, 1, &ny), at("2026-11-23T15:00:00Z"));
        assert_eq!(add_business_days(fri, 5, &ny), at("2026-11-27T15:00:00Z"));
        let thanksgiving = [date("2026-11-26")];
        let holidays = Calendar {
            holidays: &thanksgiving,
            ..ny
        };
        assert_eq!(
            add_business_days(fri, 5, &holidays),
            at("2026-11-30T15:00:00Z")
        );
        // Sent on a Saturday: the first business day is Monday.
        assert_eq!(
            add_business_days(at("2026-11-21T15:00:00Z"), 1, &ny),
            at("2026-11-23T15:00:00Z")
        );
    }

    #[test]
    fn business_days_between_counts_local_working_days() {
        let ny = cal("America/New_York");
        // Fri 20 Nov 2026 10:00 to Tue 24 Nov: Mon and Tue.
        let fri = at("2026-11-20T15:00:00Z");
        assert_eq!(
            business_days_between(fri, at("2026-11-24T15:00:00Z"), &ny),
            2
        );
        assert_eq!(
            business_days_between(fri, at("2026-11-21T15:00:00Z"), &ny),
            0
        );
        assert_eq!(business_days_between(fri, fri, &ny), 0);
        assert_eq!(
            business_days_between(fri, at("2026-11-19T15:00:00Z"), &ny),
            0
        );
        // Exactly what add_business_days adds.
        let later = add_business_days(fri, 7, &ny);
        assert_eq!(business_days_between(fri, later, &ny), 7);
    }

    #[test]
    fn the_local_day_decides_which_days_are_counted() {
        // Fri 27 Nov 14:00 in Chicago is already Sat 28 Nov 04:00 in
        // Singapore: one business day later is Monday in both, a day apart.
        let t = at("2026-11-27T20:00:00Z");
        assert_eq!(
            add_business_days(t, 1, &cal("America/Chicago")),
            at("2026-11-30T20:00:00Z")
        );
        assert_eq!(
            add_business_days(t, 1, &cal("Asia/Singapore")),
            at("2026-11-29T20:00:00Z")
        );
    }

    #[test]
    fn first_follow_up_keeps_the_local_time_across_the_autumn_change() {
        // Fri 23 Oct 2026 10:00 EDT; 7 business days later is Tue 3 Nov,
        // after the clocks went back: 10:00 EST is 15:00 UTC, not 14:00.
        let h = [first("2026-10-23T14:00:00Z", 1, "intro")];
        let r = ny_review(&h, "2026-11-02T12:00:00Z");
        assert_eq!(
            r.stage,
            Stage::Waiting {
                since: at("2026-10-23T14:00:00Z")
            }
        );
        let next = r.next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 1, step: 1 });
        assert_eq!(next.template, "follow-up");
        assert_eq!(next.due, at("2026-11-03T15:00:00Z"));
        assert_eq!(
            next.reason,
            "7 business days without a reply to intro (sent 23 Oct)"
        );
        assert_eq!(
            r.last,
            Some(Last {
                template: Some("intro".to_string()),
                at: at("2026-10-23T14:00:00Z")
            })
        );
        assert_eq!((r.sent, r.replied), (1, false));
    }

    #[test]
    fn first_follow_up_keeps_the_local_time_across_the_spring_change() {
        // Fri 6 Mar 2026 10:00 EST; due Tue 17 Mar 10:00 EDT.
        let h = [first("2026-03-06T15:00:00Z", 1, "intro")];
        let next = ny_review(&h, "2026-03-10T00:00:00Z").next.unwrap();
        assert_eq!(next.due, at("2026-03-17T14:00:00Z"));
    }

    #[test]
    fn business_days_are_the_contacts_own() {
        // Sent Fri 27 Nov 14:00 in Chicago, which is Sat 28 Nov in Singapore.
        let h = [first("2026-11-27T20:00:00Z", 1, "intro")];
        let now = at("2026-11-30T00:00:00Z");
        let chicago = review(&policy(), &contact(""), &h, &cal("America/Chicago"), now);
        let singapore = review(&policy(), &contact(""), &h, &cal("Asia/Singapore"), now);
        let (chicago, singapore) = (chicago.next.unwrap(), singapore.next.unwrap());
        assert_eq!(chicago.due, at("2026-12-08T20:00:00Z"));
        assert_eq!(singapore.due, at("2026-12-07T20:00:00Z"));
        assert!(
            chicago.reason.ends_with("(sent 27 Nov)"),
            "{}",
            chicago.reason
        );
        assert!(
            singapore.reason.ends_with("(sent 28 Nov)"),
            "{}",
            singapore.reason
        );
    }

    #[test]
    fn second_follow_up_comes_then_days_after_the_first() {
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            follow("2026-11-11T15:30:00Z", 2, 1),
        ];
        let r = ny_review(&h, "2026-11-12T00:00:00Z");
        assert_eq!(
            r.stage,
            Stage::FollowedUp {
                count: 1,
                since: at("2026-11-11T15:30:00Z")
            }
        );
        let next = r.next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 1, step: 2 });
        assert_eq!(next.due, at("2026-11-25T15:30:00Z"));
        assert_eq!(
            next.reason,
            "14 days since follow-up (11 Nov) without a reply to intro (sent 2 Nov)"
        );
    }

    #[test]
    fn nothing_after_the_last_follow_up() {
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            follow("2026-11-11T15:30:00Z", 2, 1),
            follow("2026-11-25T15:30:00Z", 3, 2),
        ];
        let r = ny_review(&h, "2027-01-10T00:00:00Z");
        assert_eq!(r.next, None);
        assert_eq!(r.stage, Stage::NoReply { count: 2 });
        // A recorded step 2 alone means step 1 is never offered again.
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            follow("2026-11-25T15:30:00Z", 3, 2),
        ];
        assert_eq!(ny_review(&h, "2027-01-10T00:00:00Z").next, None);
    }

    #[test]
    fn a_follow_up_of_another_thread_is_not_a_step_of_this_one() {
        let h = [
            first("2026-11-02T15:00:00Z", 5, "intro"),
            follow("2026-11-03T15:00:00Z", 6, 1),
        ];
        let next = ny_review(&h, "2026-11-04T00:00:00Z").next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 5, step: 1 });
        // It was still a message to them: the clock counts from it.
        assert_eq!(next.due, at("2026-11-12T15:00:00Z"));
    }

    #[test]
    fn a_reply_cancels_even_one_that_came_after_the_follow_up_fell_due() {
        // The follow-up fell due on 11 Nov; the reply came on 20 Nov, before
        // this run.
        let intro = first("2026-11-02T15:00:00Z", 1, "intro");
        let h = [intro.clone(), ev("2026-11-20T14:00:00Z", What::Reply)];
        let r = ny_review(&h, "2026-11-23T15:00:00Z");
        assert_eq!(r.next, None);
        assert_eq!(
            r.stage,
            Stage::Replied {
                at: at("2026-11-20T14:00:00Z")
            }
        );
        assert!(r.replied);
        let h = [
            intro.clone(),
            ev("2026-11-04T14:00:00Z", What::Marked(Mark::Replied)),
        ];
        assert_eq!(ny_review(&h, "2026-11-23T15:00:00Z").next, None);
        let h = [intro, ev("2026-11-04T14:00:00Z", What::Marked(Mark::Met))];
        let r = ny_review(&h, "2026-11-23T15:00:00Z");
        assert_eq!(r.next, None);
        assert_eq!(
            r.stage,
            Stage::Met {
                at: at("2026-11-04T14:00:00Z")
            }
        );
    }

    #[test]
    fn a_reply_before_the_thread_began_does_not_cancel_it() {
        let h = [
            first("2026-09-01T14:00:00Z", 1, "intro"),
            ev("2026-09-03T14:00:00Z", What::Reply),
            first("2026-11-02T15:00:00Z", 2, "post-conference"),
        ];
        let r = ny_review(&h, "2026-11-12T00:00:00Z");
        let next = r.next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 2, step: 1 });
        assert!(next.due <= at("2026-11-12T00:00:00Z"));
        assert!(!r.replied);
        assert_eq!(
            r.stage,
            Stage::Waiting {
                since: at("2026-11-02T15:00:00Z")
            }
        );
    }

    #[test]
    fn bounce_and_do_not_contact_stop_follow_ups() {
        let intro = first("2026-11-02T15:00:00Z", 1, "intro");
        let now = "2026-11-20T00:00:00Z";
        for bounce in [What::Bounce, What::Marked(Mark::Bounced)] {
            let r = ny_review(&[intro.clone(), ev("2026-11-02T15:01:00Z", bounce)], now);
            assert_eq!(r.next, None);
            assert_eq!(
                r.stage,
                Stage::Bounced {
                    at: at("2026-11-02T15:01:00Z")
                }
            );
        }
        let marked = ev("2026-11-03T15:00:00Z", What::Marked(Mark::DoNotContact));
        let r = ny_review(&[intro.clone(), marked], now);
        assert_eq!((r.stage, r.next), (Stage::DoNotContact, None));
        let c = contact("do_not_contact: asked not to be contacted\n");
        let r = review(
            &policy(),
            &c,
            std::slice::from_ref(&intro),
            &cal("America/New_York"),
            at(now),
        );
        assert_eq!((r.stage, r.next), (Stage::DoNotContact, None));
        // A new thread after a bounce went to a corrected address.
        let h = [
            intro,
            ev("2026-11-02T15:01:00Z", What::Bounce),
            first("2026-11-03T15:00:00Z", 2, "intro"),
        ];
        let next = ny_review(&h, now).next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 2, step: 1 });
    }

    #[test]
    fn out_of_office_with_a_date_postpones_to_two_business_days_after_it() {
        // Normally due Wed 11 Nov; back Fri 20 Nov, so Tue 24 Nov at the
        // intro's local time.
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            ooo("2026-11-02T15:05:00Z", Some("2026-11-20")),
        ];
        let r = ny_review(&h, "2026-11-12T00:00:00Z");
        let next = r.next.unwrap();
        assert_eq!(next.due, at("2026-11-24T15:00:00Z"));
        assert!(
            next.reason.ends_with("; out of office until 20 Nov"),
            "{}",
            next.reason
        );
        assert_eq!(
            r.stage,
            Stage::AutoReply {
                until: Some(date("2026-11-20"))
            }
        );
        assert!(!r.replied);
    }

    #[test]
    fn out_of_office_without_a_date_postpones_a_week() {
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            ooo("2026-11-09T16:00:00Z", None),
        ];
        let r = ny_review(&h, "2026-11-10T00:00:00Z");
        let next = r.next.unwrap();
        assert_eq!(next.due, at("2026-11-16T16:00:00Z"));
        assert!(next.reason.contains("postponed a week"), "{}", next.reason);
        assert_eq!(r.stage, Stage::AutoReply { until: None });
    }

    #[test]
    fn out_of_office_never_brings_a_follow_up_forward() {
        // Back Tue 3 Nov: two business days later is before the normal due.
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            ooo("2026-11-02T15:05:00Z", Some("2026-11-03")),
        ];
        let r = ny_review(&h, "2026-11-06T00:00:00Z");
        let next = r.next.unwrap();
        assert_eq!(next.due, at("2026-11-11T15:00:00Z"));
        assert_eq!(
            next.reason,
            "7 business days without a reply to intro (sent 2 Nov)"
        );
        // They are back: the stage is no longer the auto-reply.
        assert_eq!(
            r.stage,
            Stage::Waiting {
                since: at("2026-11-02T15:00:00Z")
            }
        );
    }

    #[test]
    fn the_users_own_email_restarts_the_clock() {
        // Thu 5 Nov 15:00 EST + 7 business days = Mon 16 Nov.
        let h = [
            first("2026-11-02T15:00:00Z", 1, "intro"),
            ev("2026-11-05T20:00:00Z", What::Wrote),
        ];
        let r = ny_review(&h, "2026-11-12T00:00:00Z");
        let next = r.next.unwrap();
        assert_eq!(next.due, at("2026-11-16T20:00:00Z"));
        assert_eq!(
            next.reason,
            "7 business days since your own email (5 Nov) without a reply to intro (sent 2 Nov)"
        );
        assert_eq!(
            r.last,
            Some(Last {
                template: None,
                at: at("2026-11-05T20:00:00Z")
            })
        );
        assert_eq!(r.sent, 2);
    }

    #[test]
    fn the_first_messages_template_picks_the_rule() {
        let mut p = policy();
        p.per_template.insert(
            "post-conference".to_string(),
            Rule {
                after_business_days: 3,
                then_days: 7,
                max: 1,
                template: "post-conference-follow-up".to_string(),
            },
        );
        let ny = cal("America/New_York");
        let c = contact("");
        let now = at("2026-11-03T00:00:00Z");
        let h = [first("2026-11-02T15:00:00Z", 1, "post-conference")];
        let next = review(&p, &c, &h, &ny, now).next.unwrap();
        assert_eq!(next.due, at("2026-11-05T15:00:00Z"));
        assert_eq!(next.template, "post-conference-follow-up");
        let h = [first("2026-11-02T15:00:00Z", 1, "intro")];
        let next = review(&p, &c, &h, &ny, now).next.unwrap();
        assert_eq!(next.due, at("2026-11-11T15:00:00Z"));
        assert_eq!(next.template, "follow-up");
        // Its max of one, though the follow-up template has no rule of its own.
        let h = [
            first("2026-11-02T15:00:00Z", 1, "post-conference"),
            sent(
                "2026-11-05T15:00:00Z",
                2,
                "post-conference-follow-up",
                Kind::FollowUp,
                1,
            ),
        ];
        let r = review(&p, &c, &h, &ny, now);
        assert_eq!((r.stage, r.next), (Stage::NoReply { count: 1 }, None));
    }

    #[test]
    fn check_in_comes_a_cadence_after_the_last_exchange() {
        let mentor = contact("cadence: 6 weeks\n");
        let ny = cal("America/New_York");
        let now = at("2026-11-01T00:00:00Z");
        let mut h = vec![
            first("2026-09-01T14:00:00Z", 1, "intro"),
            ev("2026-10-01T18:00:00Z", What::Reply),
        ];
        let next = review(&policy(), &mentor, &h, &ny, now).next.unwrap();
        assert_eq!(next.kind, ActionKind::CheckIn);
        assert_eq!(next.template, "update");
        // 14:00 EDT on 1 Oct, 42 days later 14:00 EST.
        assert_eq!(next.due, at("2026-11-12T19:00:00Z"));
        assert_eq!(
            next.reason,
            "6 weeks since the last exchange (their reply, 1 Oct)"
        );
        // The update went: the next one counts from it.
        h.push(sent("2026-11-12T19:00:00Z", 2, "update", Kind::Note, 0));
        let r = review(&policy(), &mentor, &h, &ny, at("2026-11-13T00:00:00Z"));
        assert_eq!(
            r.stage,
            Stage::Replied {
                at: at("2026-10-01T18:00:00Z")
            }
        );
        assert_eq!(r.next.unwrap().due, at("2026-12-24T19:00:00Z"));
        // Not for someone who asked not to be contacted, nor a bounced address.
        let mut stopped = h.clone();
        stopped.push(ev("2026-11-13T19:00:00Z", What::Marked(Mark::DoNotContact)));
        assert_eq!(review(&policy(), &mentor, &stopped, &ny, now).next, None);
        h.push(ev("2026-11-12T19:01:00Z", What::Bounce));
        assert_eq!(review(&policy(), &mentor, &h, &ny, now).next, None);
    }

    #[test]
    fn no_check_in_before_an_exchange_or_while_a_thread_waits() {
        let mentor = contact("cadence: 30 days\n");
        let ny = cal("America/New_York");
        let now = at("2027-03-01T00:00:00Z");
        let r = review(&policy(), &mentor, &[], &ny, now);
        assert_eq!((r.stage, r.next), (Stage::NotContacted, None));
        let h = [first("2026-11-02T15:00:00Z", 1, "intro")];
        let next = review(&policy(), &mentor, &h, &ny, now).next.unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 1, step: 1 });
        // A meeting is an exchange.
        let h = [ev("2026-11-02T15:00:00Z", What::Marked(Mark::Met))];
        let next = review(&policy(), &mentor, &h, &ny, now).next.unwrap();
        assert_eq!(next.kind, ActionKind::CheckIn);
        assert_eq!(next.due, at("2026-12-02T15:00:00Z"));
    }

    #[test]
    fn post_conference_is_due_the_morning_after_the_event() {
        let met = contact("met:\n  event: ACP Internal Medicine 2026\n  date: 2026-11-10\n");
        let ny = cal("America/New_York");
        let r = review(&policy(), &met, &[], &ny, at("2026-11-13T15:00:00Z"));
        assert_eq!(r.stage, Stage::NotContacted);
        let next = r.next.unwrap();
        assert_eq!(next.kind, ActionKind::PostConference);
        assert_eq!(next.template, "post-conference");
        assert_eq!(next.due, at("2026-11-11T14:00:00Z"));
        assert_eq!(
            next.reason,
            "after ACP Internal Medicine 2026 on 10 Nov, 3 days ago"
        );
        // Once the first message went, its follow-ups take over.
        let h = [first("2026-11-11T15:00:00Z", 1, "post-conference")];
        let next = review(&policy(), &met, &h, &ny, at("2026-11-13T15:00:00Z"))
            .next
            .unwrap();
        assert_eq!(next.kind, ActionKind::FollowUp { thread: 1, step: 1 });
        // Written to from their own mail after the event: nothing to draft.
        let h = [ev("2026-11-11T15:00:00Z", What::Wrote)];
        let r = review(&policy(), &met, &h, &ny, at("2026-11-13T15:00:00Z"));
        assert_eq!(r.next, None);
        // In conversation already (a reply, a meeting): no first message.
        for what in [What::Reply, What::Marked(Mark::Met)] {
            let h = [ev("2026-06-01T15:00:00Z", what)];
            let r = review(&policy(), &met, &h, &ny, at("2026-11-13T15:00:00Z"));
            assert_eq!(r.next, None);
        }
        // Written to long before it: the event still calls for a message.
        let h = [ev("2026-06-01T15:00:00Z", What::Wrote)];
        let r = review(&policy(), &met, &h, &ny, at("2026-11-13T15:00:00Z"));
        assert_eq!(r.next.unwrap().kind, ActionKind::PostConference);
    }

    #[test]
    fn post_conference_morning_is_local_across_the_autumn_change() {
        // Clocks go back early on Sun 1 Nov: 09:00 EST is 14:00 UTC.
        let met = contact("met:\n  event: Grand Rounds\n  date: 2026-10-31\n");
        let r = review(
            &policy(),
            &met,
            &[],
            &cal("America/New_York"),
            at("2026-10-31T12:00:00Z"),
        );
        let next = r.next.unwrap();
        assert_eq!(next.due, at("2026-11-01T14:00:00Z"));
        assert_eq!(next.reason, "after Grand Rounds on 31 Oct");
    }

    #[test]
    fn post_conference_is_late_after_the_set_days() {
        let met = contact("met:\n  event: ACP Internal Medicine 2026\n  date: 2026-11-10\n");
        let p = policy();
        assert_eq!(
            post_conference_late(&met, &p, date("2026-11-17"), false),
            None
        );
        let late = post_conference_late(&met, &p, date("2026-11-18"), false).unwrap();
        assert!(late.contains("was 8 days ago"), "{late}");
        assert!(late.contains("within 7 days"), "{late}");
        assert_eq!(
            post_conference_late(&met, &p, date("2026-11-18"), true),
            None
        );
        assert_eq!(
            post_conference_late(&contact(""), &p, date("2026-11-18"), false),
            None
        );
    }

    #[test]
    fn stage_labels() {
        let now = at("2026-11-20T12:00:00Z");
        let label = |s: Stage| s.label(now);
        assert_eq!(label(Stage::NotContacted), "not contacted");
        assert_eq!(
            label(Stage::Waiting {
                since: at("2026-11-11T09:00:00Z")
            }),
            "waiting 9 days"
        );
        assert_eq!(
            label(Stage::Waiting {
                since: at("2026-11-19T09:00:00Z")
            }),
            "waiting 1 day"
        );
        assert_eq!(
            label(Stage::FollowedUp {
                count: 1,
                since: now
            }),
            "followed up 1×"
        );
        assert_eq!(label(Stage::Replied { at: now }), "replied");
        assert_eq!(label(Stage::Met { at: now }), "met");
        assert_eq!(
            label(Stage::AutoReply {
                until: Some(date("2026-12-01"))
            }),
            "auto-reply until 1 Dec"
        );
        assert_eq!(
            label(Stage::AutoReply {
                until: Some(date("2027-01-04"))
            }),
            "auto-reply until 4 Jan 2027"
        );
        assert_eq!(label(Stage::AutoReply { until: None }), "auto-reply");
        assert_eq!(label(Stage::Bounced { at: now }), "bounced");
        assert_eq!(label(Stage::DoNotContact), "do-not-contact");
        assert_eq!(
            label(Stage::NoReply { count: 2 }),
            "no reply after 2 follow-ups"
        );
        assert_eq!(
            label(Stage::NoReply { count: 1 }),
            "no reply after 1 follow-up"
        );
    }
}
