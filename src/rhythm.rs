//! The mentorship rhythm, as pure functions of `now`: an agenda before each
//! meeting, a thank-you after it, an update to each chosen mentor per
//! milestone, and a thank-you after each interview.
//!
//! Each of these belongs to one occasion (a meeting, a milestone, an
//! interview) and goes once, under a once-only key of its own. Windows are
//! counted in the contact's zone and business days, as follow-ups are. A
//! reply never stops them (they are not follow-ups); a bounce or
//! do-not-contact does, and the caller says so with `stopped`.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::policy::{add_business_days, Calendar, Happened, Mark, What};
use crate::schedule::local_instant;
use crate::template::long_date;

/// Minutes a meeting lasts when its entry does not say.
pub const MEETING_MINUTES: u32 = 30;
/// Minutes an interview lasts when its entry does not say.
pub const INTERVIEW_MINUTES: u32 = 60;
/// Days after which a thank-you left unsent is no longer offered: by then
/// it would read oddly, and `lint` has said so for days.
pub const GIVE_UP_DAYS: i64 = 14;

/// A meeting as written in a contact's YAML (`meetings: [...]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingEntry {
    /// What keeps the meeting the same one when it moves (default: its
    /// topic, made into a slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// "2026-12-10 15:00" in the contact's zone, or with an offset.
    pub at: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agenda: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discussed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

/// An interview as written in a contact's YAML (`interviews: [...]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub at: String,
    pub program: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// Something specific from the conversation, for the thank-you.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

/// Where a meeting or interview is written down, so a message that waits
/// for a field can say where to add it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// In the contact's file, at this place.
    File(String),
    /// In the journal, recorded by command, with its number.
    Journal(i64),
}

/// A meeting, resolved to instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Unique per contact: a YAML id or slug, or `#N` for a recorded one.
    pub id: String,
    pub at: DateTime<Utc>,
    pub minutes: u32,
    pub topic: String,
    pub agenda: Vec<String>,
    pub discussed: Option<String>,
    pub next_step: Option<String>,
    pub cancelled: bool,
    pub source: Source,
}

impl Meeting {
    pub fn end(&self) -> DateTime<Utc> {
        self.at + Duration::minutes(i64::from(self.minutes))
    }
}

/// An interview, resolved to instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interview {
    pub id: String,
    pub at: DateTime<Utc>,
    pub minutes: u32,
    pub program: String,
    pub note: Option<String>,
    pub cancelled: bool,
    pub source: Source,
}

impl Interview {
    pub fn end(&self) -> DateTime<Utc> {
        self.at + Duration::minutes(i64::from(self.minutes))
    }
}

/// A milestone as one chosen mentor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub text: String,
    pub date: NaiveDate,
    /// When it was recorded: the update is due from then.
    pub recorded: DateTime<Utc>,
    /// Whether this mentor's advice led to it.
    pub credited: bool,
}

/// Which templates the rhythm uses, and its windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub agenda_template: String,
    pub thank_you_template: String,
    pub milestone_template: String,
    pub interview_template: String,
    /// Business days before a meeting from which its agenda is due.
    pub agenda_business_days: u32,
    /// Business days after a meeting by which its thank-you should go.
    pub thank_you_business_days: u32,
    /// Days after a meeting or interview past which its thank-you is late.
    pub late_days: u32,
    /// Days after a milestone past which an untold mentor is late.
    pub milestone_late_days: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            agenda_template: "agenda".into(),
            thank_you_template: "thank-you".into(),
            milestone_template: "milestone".into(),
            interview_template: "interview-thanks".into(),
            agenda_business_days: 2,
            thank_you_business_days: 1,
            late_days: 3,
            milestone_late_days: 7,
        }
    }
}

/// What an occasion calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccasionKind {
    Agenda,
    ThankYou,
    Milestone,
    InterviewThanks,
}

impl OccasionKind {
    /// The name people and `--json` see.
    pub fn name(self) -> &'static str {
        match self {
            OccasionKind::Agenda => "agenda",
            OccasionKind::ThankYou => "thank-you",
            OccasionKind::Milestone => "milestone update",
            OccasionKind::InterviewThanks => "interview thanks",
        }
    }
}

/// One message an occasion calls for, not yet sent. Its reason and the
/// data its template sees are written out only when asked for: `status`
/// looks at thousands of occasions and needs neither.
#[derive(Debug, Clone, PartialEq)]
pub struct Occasion {
    pub kind: OccasionKind,
    /// The once-only key.
    pub key: String,
    pub template: String,
    /// When it becomes due.
    pub due: DateTime<Utc>,
    /// When it should have gone by: after this it is late.
    pub by: DateTime<Utc>,
    /// Set when it is late at `now`, in words (for `lint`, and `run`
    /// leaves a late one for the user to judge).
    pub late: Option<String>,
    /// Where to fill in a field the template waits for.
    pub fill: String,
    subject: Subject,
    zone: Tz,
    today: NaiveDate,
}

/// What an occasion is about.
#[derive(Debug, Clone, PartialEq)]
enum Subject {
    /// A meeting, with the milestones since the last exchange (agendas).
    Meeting(Meeting, Vec<(String, NaiveDate)>),
    Interview(Interview),
    Milestone(Milestone),
}

impl Occasion {
    /// Why it is due, e.g. "meeting 10 Dec 15:00 about my program list".
    pub fn reason(&self) -> String {
        let (zone, today) = (self.zone, self.today);
        match (&self.subject, self.kind) {
            (Subject::Meeting(m, _), OccasionKind::Agenda) => {
                format!("meeting {} about {}", when(m.at, zone, today), m.topic)
            }
            (Subject::Meeting(m, _), _) => {
                format!(
                    "after the meeting {} about {}",
                    when(m.at, zone, today),
                    m.topic
                )
            }
            (Subject::Interview(i), _) => {
                format!(
                    "after the interview {} at {}",
                    when(i.at, zone, today),
                    i.program
                )
            }
            (Subject::Milestone(m), _) if m.credited => {
                format!("milestone: {} (their advice led to it)", m.text)
            }
            (Subject::Milestone(m), _) => format!("milestone: {}", m.text),
        }
    }

    /// What the template sees besides the contact: `meeting` (and
    /// `milestones` for an agenda), `milestone` or `interview`.
    pub fn data(&self) -> Value {
        match (&self.subject, self.kind) {
            (Subject::Meeting(m, since), OccasionKind::Agenda) => json!({
                "meeting": meeting_json(m, self.zone),
                "milestones": since
                    .iter()
                    .map(|(text, date)| json!({"text": text, "date": long_date(*date)}))
                    .collect::<Vec<_>>(),
            }),
            (Subject::Meeting(m, _), _) => json!({ "meeting": meeting_json(m, self.zone) }),
            (Subject::Interview(i), _) => json!({ "interview": interview_json(i, self.zone) }),
            (Subject::Milestone(m), _) => json!({ "milestone": {
                "text": m.text,
                "date": long_date(m.date),
                "credited": m.credited,
            }}),
        }
    }
}

/// The once-only keys of the rhythm start with these.
pub const KEY_PREFIXES: &[&str] = &["agenda:", "thanks:", "milestone:", "interview:"];

/// Everything the rhythm knows about one contact.
pub struct Facts<'a> {
    pub contact: &'a str,
    pub meetings: &'a [Meeting],
    pub interviews: &'a [Interview],
    pub milestones: &'a [Milestone],
    /// The contact's history (messages, replies, marks), sorted; only
    /// read when an agenda has milestones to list.
    pub history: &'a dyn Fn() -> Vec<Happened>,
    /// Whether a once-only key was sent already.
    pub sent: &'a dyn Fn(&str) -> bool,
    /// A bounce or do-not-contact stands: nothing goes.
    pub stopped: bool,
}

/// Every message the contact's occasions call for at `now`: due now (due <=
/// now) or coming next, leaving out what was sent, what a cancellation
/// took back, agendas for meetings already begun, and thank-yous given up.
pub fn occasions(f: &Facts, rules: &Rules, cal: &Calendar, now: DateTime<Utc>) -> Vec<Occasion> {
    let mut out = Vec::new();
    if f.stopped {
        return out;
    }
    let today = now.with_timezone(&cal.zone).date_naive();
    let occasion = |kind, key, template: &str, due, by, late, fill, subject| Occasion {
        kind,
        key,
        template: template.to_string(),
        due,
        by,
        late,
        fill,
        subject,
        zone: cal.zone,
        today,
    };
    let mut since: Option<Vec<(String, NaiveDate)>> = None;
    for m in f.meetings.iter().filter(|m| !m.cancelled) {
        let fill = fill_hint(&m.source, f.contact, "meet", "--meeting");
        let agenda_key = agenda_key(f.contact, &m.id);
        if now < m.at && !(f.sent)(&agenda_key) {
            let due = sub_business_days(m.at, rules.agenda_business_days, cal);
            let listed = since
                .get_or_insert_with(|| milestones_since(f, now, cal.zone))
                .clone();
            out.push(occasion(
                OccasionKind::Agenda,
                agenda_key,
                &rules.agenda_template,
                due,
                m.at,
                None,
                fill.clone(),
                Subject::Meeting(m.clone(), listed),
            ));
        }
        let thanks_key = thanks_key(f.contact, &m.id);
        let end = m.end();
        if now < end + Duration::days(GIVE_UP_DAYS) && !(f.sent)(&thanks_key) {
            let by = add_business_days(end, rules.thank_you_business_days, cal);
            let late = late(end, now, rules.late_days, || {
                format!("the meeting about {}", m.topic)
            });
            out.push(occasion(
                OccasionKind::ThankYou,
                thanks_key,
                &rules.thank_you_template,
                end,
                by,
                late,
                fill,
                Subject::Meeting(m.clone(), Vec::new()),
            ));
        }
    }
    for i in f.interviews.iter().filter(|i| !i.cancelled) {
        let key = interview_key(f.contact, &i.id);
        let end = i.end();
        if now < end + Duration::days(GIVE_UP_DAYS) && !(f.sent)(&key) {
            let late = late(end, now, rules.late_days, || {
                format!("the interview at {}", i.program)
            });
            out.push(occasion(
                OccasionKind::InterviewThanks,
                key,
                &rules.interview_template,
                end,
                end + Duration::days(1),
                late,
                fill_hint(&i.source, f.contact, "interview", "--interview"),
                Subject::Interview(i.clone()),
            ));
        }
    }
    for m in f.milestones {
        let key = milestone_key(m.id, f.contact);
        if (f.sent)(&key) {
            continue;
        }
        let due = m.recorded;
        let late_at = due + Duration::days(i64::from(rules.milestone_late_days));
        let late = (now > late_at).then(|| {
            format!(
                "the milestone \"{}\" was recorded {} ago and they have not been told",
                m.text,
                days((now - due).num_days())
            )
        });
        out.push(occasion(
            OccasionKind::Milestone,
            key,
            &rules.milestone_template,
            due,
            late_at,
            late,
            String::new(),
            Subject::Milestone(m.clone()),
        ));
    }
    out.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
    out
}

/// The milestones recorded for this contact since the last exchange with
/// them (all of them, with no exchange yet).
fn milestones_since(f: &Facts, now: DateTime<Utc>, zone: Tz) -> Vec<(String, NaiveDate)> {
    if f.milestones.is_empty() {
        return Vec::new();
    }
    let since = last_exchange(&(f.history)(), now).map(|s| s.with_timezone(&zone).date_naive());
    f.milestones
        .iter()
        .filter(|m| since.is_none_or(|s| m.date >= s))
        .map(|m| (m.text.clone(), m.date))
        .collect()
}

/// The once-only key of a meeting's agenda.
pub fn agenda_key(contact: &str, meeting: &str) -> String {
    format!("agenda:{contact}:{meeting}")
}

/// The once-only key of a meeting's thank-you.
pub fn thanks_key(contact: &str, meeting: &str) -> String {
    format!("thanks:{contact}:{meeting}")
}

/// The once-only key of an interview's thank-you.
pub fn interview_key(contact: &str, interview: &str) -> String {
    format!("interview:{contact}:{interview}")
}

/// The key of milestone `id`'s update to one mentor.
pub fn milestone_key(id: i64, contact: &str) -> String {
    format!("milestone:{id}:{contact}")
}

/// Why a first-contact message must not go to someone, from their
/// history: they already had one, or they are in conversation (a reply, a
/// meeting, mail the user wrote). `extra` adds reasons the history does
/// not hold (a first message waiting in Drafts, a meeting held), each with
/// its time; the latest reason before `now` is given.
pub fn first_contact_block(
    history: &[Happened],
    extra: &[(DateTime<Utc>, String)],
    zone: Tz,
    now: DateTime<Utc>,
) -> Option<String> {
    let today = now.with_timezone(&zone).date_naive();
    let on = |at: DateTime<Utc>| short_day(at.with_timezone(&zone).date_naive(), today);
    let from_history = history.iter().rev().filter(|h| h.at <= now).find_map(|h| {
        let why = match &h.what {
            What::Sent {
                template,
                kind: crate::template::Kind::FirstContact,
                ..
            } => format!("already had a first message ({template}, {})", on(h.at)),
            What::Reply | What::Marked(Mark::Replied) => {
                format!("already in conversation (their reply, {})", on(h.at))
            }
            What::Marked(Mark::Met) => format!("already in conversation (you met, {})", on(h.at)),
            What::Wrote => format!("already in conversation (your own email, {})", on(h.at)),
            _ => return None,
        };
        Some((h.at, why))
    });
    extra
        .iter()
        .filter(|(at, _)| *at <= now)
        .cloned()
        .chain(from_history)
        .max_by_key(|(at, _)| *at)
        .map(|(_, why)| why)
}

/// Parses a meeting or interview time: "2026-12-10 15:00" (or with a `T`,
/// or seconds) in `zone`, or with an offset ("…15:00-05:00", "…Z").
pub fn parse_at(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    // The usual form first: a contact file holds thousands of these.
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(local_instant(zone, n.date(), n.time()));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.to_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M %:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Ok(d.to_utc());
        }
    }
    Err(format!(
        "`{text}` is not a time such as \"2026-12-10 15:00\" (the contact's zone) or \"2026-12-10 15:00-05:00\""
    ))
}

/// A default id for a meeting or interview: its topic as a slug.
pub fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// The contact's YAML meetings, resolved in `zone`. Entries that do not
/// parse are left out: loading reported them.
pub fn from_entries(entries: &[MeetingEntry], zone: Tz, place: &str) -> Vec<Meeting> {
    entries
        .iter()
        .filter_map(|e| {
            Some(Meeting {
                id: e.id.clone().unwrap_or_else(|| slug(&e.topic)),
                at: parse_at(&e.at, zone).ok()?,
                minutes: e.minutes.unwrap_or(MEETING_MINUTES),
                topic: e.topic.trim().to_string(),
                agenda: e.agenda.clone(),
                discussed: e.discussed.clone(),
                next_step: e.next_step.clone(),
                cancelled: e.cancelled,
                source: Source::File(place.to_string()),
            })
        })
        .collect()
}

/// The contact's YAML interviews, resolved in `zone`.
pub fn interviews_from(entries: &[InterviewEntry], zone: Tz, place: &str) -> Vec<Interview> {
    entries
        .iter()
        .filter_map(|e| {
            Some(Interview {
                id: e.id.clone().unwrap_or_else(|| slug(&e.program)),
                at: parse_at(&e.at, zone).ok()?,
                minutes: e.minutes.unwrap_or(INTERVIEW_MINUTES),
                program: e.program.trim().to_string(),
                note: e.note.clone(),
                cancelled: e.cancelled,
                source: Source::File(place.to_string()),
            })
        })
        .collect()
}

/// Problems in a contact's meetings and interviews, as (field, message):
/// times that do not parse, blank topics, ids used twice.
pub fn check_entries(
    meetings: &[MeetingEntry],
    interviews: &[InterviewEntry],
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for m in meetings {
        if let Err(e) = parse_at(&m.at, Tz::UTC) {
            out.push(("meetings", format!("meeting \"{}\": {e}", m.topic)));
        }
        if m.topic.trim().is_empty() {
            out.push(("meetings", "a meeting's `topic` is blank".to_string()));
            continue;
        }
        let id = m.id.clone().unwrap_or_else(|| slug(&m.topic));
        if !crate::contact::valid_id(&id) {
            out.push((
                "meetings",
                format!("meeting id `{id}` may use only letters, digits, `.`, `_` and `-`"),
            ));
        } else if ids.contains(&id) {
            out.push((
                "meetings",
                format!("two meetings are `{id}`: give each an `id:` of its own (it keeps the agenda and thank-you once-only when a meeting moves)"),
            ));
        }
        ids.push(id);
    }
    let mut ids: Vec<String> = Vec::new();
    for i in interviews {
        if let Err(e) = parse_at(&i.at, Tz::UTC) {
            out.push(("interviews", format!("interview at \"{}\": {e}", i.program)));
        }
        if i.program.trim().is_empty() {
            out.push((
                "interviews",
                "an interview's `program` is blank".to_string(),
            ));
            continue;
        }
        let id = i.id.clone().unwrap_or_else(|| slug(&i.program));
        if ids.contains(&id) {
            out.push((
                "interviews",
                format!("two interviews are `{id}`: give each an `id:` of its own"),
            ));
        }
        ids.push(id);
    }
    out
}

/// Sample data for `lint` to render a rhythm template with, by its name.
pub fn sample(template: &str, rules: &Rules, today: NaiveDate) -> Option<Value> {
    let at = today.and_hms_opt(15, 0, 0)? + Duration::days(3);
    let meeting = Meeting {
        id: "sample".into(),
        at: at.and_utc(),
        minutes: MEETING_MINUTES,
        topic: "my residency applications".into(),
        agenda: vec!["my program list".into(), "my personal statement".into()],
        discussed: Some("how to choose programs".into()),
        next_step: Some("send you my draft".into()),
        cancelled: false,
        source: Source::Journal(0),
    };
    if template == rules.agenda_template {
        Some(json!({
            "meeting": meeting_json(&meeting, Tz::UTC),
            "milestones": [{"text": "Passed USMLE Step 2 CK", "date": long_date(today)}],
        }))
    } else if template == rules.thank_you_template {
        Some(json!({ "meeting": meeting_json(&meeting, Tz::UTC) }))
    } else if template == rules.milestone_template {
        Some(json!({ "milestone": {
            "text": "Passed USMLE Step 2 CK", "date": long_date(today), "credited": true,
        }}))
    } else if template == rules.interview_template {
        Some(json!({ "interview": {
            "at": when_long(at.and_utc(), Tz::UTC), "date": long_date(today),
            "program": "the Internal Medicine Residency", "note": "the programme's clinic",
        }}))
    } else {
        None
    }
}

/// Field names under `meeting`, `milestone` and `interview`.
pub const MEETING_FIELDS: &[&str] = &[
    "at",
    "date",
    "time",
    "topic",
    "agenda",
    "discussed",
    "next_step",
    "minutes",
];
pub const MILESTONE_FIELDS: &[&str] = &["text", "date", "credited"];
pub const INTERVIEW_FIELDS: &[&str] = &["at", "date", "program", "note"];

/// `n` business days before `at`, at the same local time of day.
pub fn sub_business_days(at: DateTime<Utc>, n: u32, cal: &Calendar) -> DateTime<Utc> {
    let local = at.with_timezone(&cal.zone);
    let mut day = local.date_naive();
    let mut left = n;
    while left > 0 {
        day -= Duration::days(1);
        if cal.is_business_day(day) {
            left -= 1;
        }
    }
    local_instant(cal.zone, day, local.time())
}

/// The latest exchange either way before `now`.
fn last_exchange(history: &[Happened], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    history
        .iter()
        .filter(|h| h.at <= now)
        .filter(|h| {
            matches!(
                h.what,
                What::Sent { .. }
                    | What::Wrote
                    | What::Reply
                    | What::Marked(Mark::Replied | Mark::Met)
            )
        })
        .map(|h| h.at)
        .max()
}

fn meeting_json(m: &Meeting, zone: Tz) -> Value {
    let local = m.at.with_timezone(&zone);
    json!({
        "at": when_long(m.at, zone),
        "date": long_date(local.date_naive()),
        "time": local.format("%-I:%M %p %Z").to_string(),
        "topic": m.topic,
        "agenda": m.agenda,
        "discussed": m.discussed,
        "next_step": m.next_step,
        "minutes": m.minutes,
    })
}

fn interview_json(i: &Interview, zone: Tz) -> Value {
    json!({
        "at": when_long(i.at, zone),
        "date": long_date(i.at.with_timezone(&zone).date_naive()),
        "program": i.program,
        "note": i.note,
    })
}

/// "Thursday 10 December at 3:00 PM CST", in `zone`.
pub fn when_long(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%A %-d %B at %-I:%M %p %Z")
        .to_string()
}

/// "10 Dec 15:00" (with the year when it is not this year), in `zone`.
fn when(at: DateTime<Utc>, zone: Tz, today: NaiveDate) -> String {
    let local = at.with_timezone(&zone);
    format!(
        "{} {}",
        short_day(local.date_naive(), today),
        local.format("%H:%M")
    )
}

fn short_day(d: NaiveDate, today: NaiveDate) -> String {
    use chrono::Datelike;
    if d.year() == today.year() {
        d.format("%-d %b").to_string()
    } else {
        d.format("%-d %b %Y").to_string()
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn late(
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    late_days: u32,
    what: impl FnOnce() -> String,
) -> Option<String> {
    let ago = now - end;
    (ago > Duration::days(i64::from(late_days))).then(|| {
        format!(
            "{} was {} ago and no thank-you went yet: thank-yous are best within {}",
            what(),
            days(ago.num_days()),
            days(i64::from(late_days))
        )
    })
}

fn fill_hint(source: &Source, contact: &str, command: &str, flag: &str) -> String {
    match source {
        Source::File(place) => format!("in {place}"),
        Source::Journal(n) => format!("(outreach {command} {contact} {flag} {n} …)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

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

    fn ny() -> Calendar<'static> {
        Calendar {
            zone: "America/New_York".parse().unwrap(),
            reader: "America/New_York".parse().unwrap(),
            workdays: WEEK,
            holidays: &[],
        }
    }

    /// Thu 10 Dec 2026 15:00 in New York (20:00 UTC), 30 minutes.
    fn meeting(id: &str, when: &str) -> Meeting {
        Meeting {
            id: id.into(),
            at: at(when),
            minutes: 30,
            topic: "my program list".into(),
            agenda: vec!["programs".into()],
            discussed: Some("how to choose programs".into()),
            next_step: None,
            cancelled: false,
            source: Source::File("contacts/n.yaml:1".into()),
        }
    }

    fn never(_: &str) -> bool {
        false
    }

    fn run(
        meetings: &[Meeting],
        interviews: &[Interview],
        milestones: &[Milestone],
        history: &[Happened],
        sent: &dyn Fn(&str) -> bool,
        now: &str,
    ) -> Vec<Occasion> {
        let history = || history.to_vec();
        let f = Facts {
            contact: "n",
            meetings,
            interviews,
            milestones,
            history: &history,
            sent,
            stopped: false,
        };
        occasions(&f, &Rules::default(), &ny(), at(now))
    }

    fn kinds(o: &[Occasion]) -> Vec<(OccasionKind, bool)> {
        o.iter().map(|o| (o.kind, o.late.is_some())).collect()
    }

    #[test]
    fn the_agenda_is_due_two_business_days_before_until_the_meeting() {
        let m = [meeting("plan", "2026-12-10T20:00:00Z")];
        let o = run(&m, &[], &[], &[], &never, "2026-12-07T12:00:00Z");
        let agenda = &o[0];
        assert_eq!(agenda.kind, OccasionKind::Agenda);
        assert_eq!(agenda.key, "agenda:n:plan");
        // Tue 8 Dec, at the meeting's local time.
        assert_eq!(agenda.due, at("2026-12-08T20:00:00Z"));
        assert_eq!(agenda.by, at("2026-12-10T20:00:00Z"));
        assert_eq!(
            agenda.reason(),
            "meeting 10 Dec 15:00 about my program list"
        );
        assert_eq!(
            agenda.data()["meeting"]["at"],
            "Thursday 10 December at 3:00 PM EST"
        );
        assert_eq!(agenda.data()["meeting"]["agenda"][0], "programs");
        // Still offered a minute before the meeting; gone once it began.
        let o = run(&m, &[], &[], &[], &never, "2026-12-10T19:59:00Z");
        assert_eq!(o[0].kind, OccasionKind::Agenda);
        let o = run(&m, &[], &[], &[], &never, "2026-12-10T20:00:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::ThankYou, false)]);
    }

    #[test]
    fn the_agenda_window_skips_the_weekend_and_holidays() {
        // Mon 14 Dec 10:00: two business days before is Thu 10 Dec.
        let m = [meeting("plan", "2026-12-14T15:00:00Z")];
        let o = run(&m, &[], &[], &[], &never, "2026-12-01T12:00:00Z");
        assert_eq!(o[0].due, at("2026-12-10T15:00:00Z"));
        let holidays = [NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()];
        let cal = Calendar {
            holidays: &holidays,
            ..ny()
        };
        assert_eq!(
            sub_business_days(at("2026-12-14T15:00:00Z"), 2, &cal),
            at("2026-12-09T15:00:00Z")
        );
    }

    #[test]
    fn the_thank_you_is_due_from_the_end_late_after_three_days_then_given_up() {
        let m = [meeting("plan", "2026-12-10T20:00:00Z")];
        let o = run(&m, &[], &[], &[], &never, "2026-12-10T20:10:00Z");
        let t = &o[0];
        assert_eq!(
            (t.kind, t.key.as_str()),
            (OccasionKind::ThankYou, "thanks:n:plan")
        );
        // Due from the end; by one business day after (Fri 11 Dec).
        assert_eq!(t.due, at("2026-12-10T20:30:00Z"));
        assert_eq!(t.by, at("2026-12-11T20:30:00Z"));
        assert!(
            t.due > at("2026-12-10T20:10:00Z"),
            "not before the meeting ends"
        );
        assert_eq!(t.data()["meeting"]["discussed"], "how to choose programs");
        // Three days after the end it is not yet late; a minute more is.
        let o = run(&m, &[], &[], &[], &never, "2026-12-13T20:30:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::ThankYou, false)]);
        let o = run(&m, &[], &[], &[], &never, "2026-12-13T20:31:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::ThankYou, true)]);
        assert!(
            o[0].late.as_ref().unwrap().contains("3 days ago"),
            "{:?}",
            o[0].late
        );
        let o = run(&m, &[], &[], &[], &never, "2026-12-24T20:31:00Z");
        assert!(o.is_empty());
    }

    #[test]
    fn each_goes_once_under_its_own_key() {
        let m = [meeting("plan", "2026-12-10T20:00:00Z")];
        let sent_agenda = |k: &str| k == "agenda:n:plan";
        let o = run(&m, &[], &[], &[], &sent_agenda, "2026-12-09T12:00:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::ThankYou, false)]);
        let both = |k: &str| k.ends_with(":n:plan");
        assert!(run(&m, &[], &[], &[], &both, "2026-12-10T21:00:00Z").is_empty());
    }

    #[test]
    fn a_moved_meeting_keeps_its_keys_and_a_cancelled_one_calls_for_nothing() {
        let mut m = meeting("plan", "2026-12-10T20:00:00Z");
        m.at = at("2026-12-17T20:00:00Z");
        let o = run(
            std::slice::from_ref(&m),
            &[],
            &[],
            &[],
            &never,
            "2026-12-09T12:00:00Z",
        );
        assert_eq!(o[0].key, "agenda:n:plan");
        assert_eq!(o[0].due, at("2026-12-15T20:00:00Z"));
        assert_eq!(o[1].due, at("2026-12-17T20:30:00Z"));
        m.cancelled = true;
        assert!(run(&[m], &[], &[], &[], &never, "2026-12-16T12:00:00Z").is_empty());
    }

    #[test]
    fn a_reply_does_not_stop_them_but_a_bounce_or_do_not_contact_does() {
        let m = [meeting("plan", "2026-12-10T20:00:00Z")];
        let h = [Happened {
            at: at("2026-12-01T12:00:00Z"),
            what: What::Reply,
        }];
        let o = run(&m, &[], &[], &h, &never, "2026-12-09T12:00:00Z");
        assert_eq!(o.len(), 2);
        let history = || h.to_vec();
        let f = Facts {
            contact: "n",
            meetings: &m,
            interviews: &[],
            milestones: &[],
            history: &history,
            sent: &never,
            stopped: true,
        };
        assert!(occasions(&f, &Rules::default(), &ny(), at("2026-12-09T12:00:00Z")).is_empty());
    }

    fn milestone(id: i64, date: &str, credited: bool) -> Milestone {
        Milestone {
            id,
            text: "Passed USMLE Step 2 CK".into(),
            date: date.parse().unwrap(),
            recorded: at(&format!("{date}T17:00:00Z")),
            credited,
        }
    }

    #[test]
    fn a_milestone_is_due_once_with_its_credit_and_late_after_a_week() {
        let ms = [
            milestone(1, "2026-11-20", true),
            milestone(2, "2026-11-23", false),
        ];
        let o = run(&[], &[], &ms, &[], &never, "2026-11-24T12:00:00Z");
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].key, "milestone:1:n");
        assert_eq!(o[0].data()["milestone"]["credited"], true);
        assert_eq!(o[0].data()["milestone"]["date"], "20 November 2026");
        assert!(
            o[0].reason().contains("their advice led to it"),
            "{}",
            o[0].reason()
        );
        assert_eq!(o[1].data()["milestone"]["credited"], false);
        assert!(!o[1].reason().contains("advice"));
        let told = |k: &str| k == "milestone:1:n";
        let o = run(&[], &[], &ms, &[], &told, "2026-12-01T12:00:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::Milestone, true)]);
        assert!(o[0].late.as_ref().unwrap().contains("have not been told"));
    }

    #[test]
    fn the_agenda_lists_milestones_since_the_last_exchange() {
        let m = [meeting("plan", "2026-12-10T20:00:00Z")];
        let ms = [
            milestone(1, "2026-11-20", false),
            milestone(2, "2026-12-02", false),
        ];
        let h = [Happened {
            at: at("2026-11-25T12:00:00Z"),
            what: What::Reply,
        }];
        let o = run(&m, &[], &ms, &h, &never, "2026-12-09T12:00:00Z");
        let agenda = o.iter().find(|o| o.kind == OccasionKind::Agenda).unwrap();
        let data = agenda.data();
        let listed = data["milestones"].as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["date"], "2 December 2026");
    }

    #[test]
    fn an_interview_thank_you_is_due_within_a_day_and_late_after_three() {
        let i = [Interview {
            id: "example-im".into(),
            at: at("2026-12-07T14:00:00Z"),
            minutes: 60,
            program: "Example IM".into(),
            note: None,
            cancelled: false,
            source: Source::Journal(4),
        }];
        let o = run(&[], &i, &[], &[], &never, "2026-12-07T16:00:00Z");
        assert_eq!(o[0].kind, OccasionKind::InterviewThanks);
        assert_eq!(o[0].key, "interview:n:example-im");
        assert_eq!(o[0].due, at("2026-12-07T15:00:00Z"));
        assert_eq!(o[0].by, at("2026-12-08T15:00:00Z"));
        assert_eq!(o[0].fill, "(outreach interview n --interview 4 …)");
        let o = run(&[], &i, &[], &[], &never, "2026-12-10T16:00:00Z");
        assert_eq!(kinds(&o), vec![(OccasionKind::InterviewThanks, true)]);
    }

    #[test]
    fn times_are_read_in_the_contacts_zone_unless_they_carry_an_offset() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            parse_at("2026-12-10 15:00", ny),
            Ok(at("2026-12-10T20:00:00Z"))
        );
        assert_eq!(
            parse_at("2026-07-10T15:00", ny),
            Ok(at("2026-07-10T19:00:00Z"))
        );
        assert_eq!(
            parse_at("2026-12-10 15:00+01:00", ny),
            Ok(at("2026-12-10T14:00:00Z"))
        );
        assert_eq!(
            parse_at("2026-12-10T15:00:00Z", ny),
            Ok(at("2026-12-10T15:00:00Z"))
        );
        assert!(parse_at("next Tuesday", ny)
            .unwrap_err()
            .contains("not a time"));
    }

    #[test]
    fn entries_are_checked_for_times_topics_and_ids() {
        let e: Vec<MeetingEntry> = serde_yaml::from_str(
            "- {at: \"2026-12-10 15:00\", topic: Monthly call}\n- {at: \"2026-12-10 15:00\", topic: monthly  call}\n- {at: soon, topic: x}\n",
        )
        .unwrap();
        let p = check_entries(&e, &[]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].1.contains("two meetings are `monthly-call`"), "{p:?}");
        assert!(p[1].1.contains("`soon` is not a time"), "{p:?}");
        assert_eq!(slug("  Résumé & Letters! "), "résumé-letters");
    }

    #[test]
    fn a_first_message_is_held_for_someone_written_to_or_in_conversation() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let now = at("2026-11-24T15:00:00Z");
        assert_eq!(first_contact_block(&[], &[], zone, now), None);
        let intro = Happened {
            at: at("2026-11-24T14:59:00Z"),
            what: What::Sent {
                message: 1,
                template: "intro".into(),
                kind: crate::template::Kind::FirstContact,
                step: 0,
                thread: None,
            },
        };
        assert_eq!(
            first_contact_block(&[intro], &[], zone, now).unwrap(),
            "already had a first message (intro, 24 Nov)"
        );
        let reply = Happened {
            at: at("2026-11-20T14:00:00Z"),
            what: What::Marked(Mark::Replied),
        };
        assert_eq!(
            first_contact_block(&[reply], &[], zone, now).unwrap(),
            "already in conversation (their reply, 20 Nov)"
        );
        let held = [(at("2026-11-23T14:00:00Z"), "a meeting".to_string())];
        assert_eq!(
            first_contact_block(&[], &held, zone, now).unwrap(),
            "a meeting"
        );
        // A meeting still to come is not yet a conversation.
        let coming = [(at("2026-11-25T14:00:00Z"), "a meeting".to_string())];
        assert_eq!(first_contact_block(&[], &coming, zone, now), None);
    }
}
