//! Meetings and interviews recorded by command: checked, kept in the
//! journal (a contact's file is the user's own and is never rewritten),
//! moved, noted and cancelled; and the list `meet` and `interview` show,
//! with where each one's messages stand.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};

use crate::contact::Contact;
use crate::journal::{AppointmentKind, Journal, NewAppointment, State};
use crate::review::Book;
use crate::rhythm::{self, Source, INTERVIEW_MINUTES, MEETING_MINUTES};
use crate::schedule::local_in;
use crate::workspace::Workspace;

/// What a command asks to record or change.
#[derive(Debug, Default)]
pub struct Change<'a> {
    /// The recorded one to change (None: record a new one).
    pub number: Option<i64>,
    pub at: Option<&'a str>,
    /// The topic of a meeting or the program of an interview.
    pub title: Option<&'a str>,
    pub agenda: &'a [String],
    pub minutes: Option<u32>,
    pub discussed: Option<&'a str>,
    pub next_step: Option<&'a str>,
    pub note: Option<&'a str>,
    pub cancel: bool,
}

/// Records a new meeting or interview, or changes a recorded one; returns
/// what was done, in words. Everything is checked before anything is
/// written.
pub fn apply(
    ws: &Workspace,
    journal: &Journal,
    contact: &Contact,
    kind: AppointmentKind,
    c: &Change,
    now: DateTime<Utc>,
) -> Result<String> {
    let what = kind.as_str();
    let (title_flag, number_flag) = match kind {
        AppointmentKind::Meeting => ("--topic", "--meeting"),
        AppointmentKind::Interview => ("--program", "--interview"),
    };
    let zone = contact.zone(ws.config.zone());
    let at =
        c.at.map(|t| rhythm::parse_at(t, zone).map_err(anyhow::Error::msg))
            .transpose()?;
    let blank = |v: Option<&str>, flag: &str| -> Result<()> {
        if v.is_some_and(|s| s.trim().is_empty()) {
            bail!("{flag} is blank");
        }
        Ok(())
    };
    blank(c.title, title_flag)?;
    blank(c.discussed, "--discussed")?;
    blank(c.next_step, "--next-step")?;
    blank(c.note, "--note")?;
    if c.agenda.iter().any(|a| a.trim().is_empty()) {
        bail!("an --agenda item is blank");
    }
    let Some(number) = c.number else {
        if c.cancel || c.discussed.is_some() || c.next_step.is_some() {
            bail!(
                "name the {what} to change with {number_flag} N (see `outreach {} {}`)",
                cmd(kind),
                contact.id
            );
        }
        let (Some(at), Some(title)) = (at, c.title) else {
            bail!("a new {what} needs --at \"YYYY-MM-DD HH:MM\" and {title_flag} \"…\"");
        };
        let id = journal.add_appointment(
            &NewAppointment {
                contact: &contact.id,
                kind,
                at,
                minutes: c.minutes.unwrap_or(match kind {
                    AppointmentKind::Meeting => MEETING_MINUTES,
                    AppointmentKind::Interview => INTERVIEW_MINUTES,
                }),
                title: title.trim(),
                agenda: c.agenda,
                note: c.note,
            },
            now,
        )?;
        return Ok(format!(
            "{what} #{id} with {} recorded: {} ({zone}), {}",
            contact.salutation(),
            local_in(at, zone),
            title.trim()
        ));
    };
    let Some(old) = journal.appointment(&contact.id, number)? else {
        bail!(
            "{} has no recorded {what} #{number} (see `outreach {} {}`)",
            contact.id,
            cmd(kind),
            contact.id
        );
    };
    if old.kind != kind {
        bail!("#{number} is an {}, not a {what}", old.kind.as_str());
    }
    if c.title.is_some() || !c.agenda.is_empty() || c.minutes.is_some() {
        bail!("a recorded {what} keeps its {title_flag}, --agenda and --minutes: cancel it and record a new one");
    }
    if old.cancelled && !c.cancel {
        bail!("{what} #{number} was cancelled");
    }
    if at.is_none()
        && c.discussed.is_none()
        && c.next_step.is_none()
        && c.note.is_none()
        && !c.cancel
    {
        bail!(
            "nothing to change: give --at, --cancel{}",
            match kind {
                AppointmentKind::Meeting => ", --discussed or --next-step",
                AppointmentKind::Interview => " or --note",
            }
        );
    }
    journal.change_appointment(number, at, c.discussed, c.next_step, c.note, c.cancel, now)?;
    Ok(if c.cancel {
        format!(
            "{what} #{number} with {} cancelled: its messages will not go",
            contact.salutation()
        )
    } else if let Some(at) = at {
        format!(
            "{what} #{number} with {} moved to {} ({zone})",
            contact.salutation(),
            local_in(at, zone)
        )
    } else {
        format!("{what} #{number} with {} noted", contact.salutation())
    })
}

fn cmd(kind: AppointmentKind) -> &'static str {
    match kind {
        AppointmentKind::Meeting => "meet",
        AppointmentKind::Interview => "interview",
    }
}

/// One row per meeting (or interview) of the contact: its reference (`#N`
/// for recorded ones, the id for those in the file), when, what, and
/// where each of its messages stands.
pub fn rows(
    book: &Book,
    contact: &Contact,
    kind: AppointmentKind,
    now: DateTime<Utc>,
) -> Vec<Vec<String>> {
    let zone = contact.zone(book.ws.config.zone());
    let state = |key: String| match book.key_state(&key) {
        Some(State::Sent) => "sent".to_string(),
        Some(s) => s.as_str().to_string(),
        None => "-".to_string(),
    };
    let reference = |id: &str, source: &Source| match source {
        Source::Journal(n) => format!("#{n}"),
        Source::File(_) => id.to_string(),
    };
    let when = |at: DateTime<Utc>, cancelled: bool| {
        let mut w = local_in(at, zone);
        if cancelled {
            w.push_str(" (cancelled)");
        } else if at <= now {
            w.push_str(" (held)");
        }
        w
    };
    match kind {
        AppointmentKind::Meeting => book
            .meetings(&contact.id)
            .iter()
            .map(|m| {
                vec![
                    reference(&m.id, &m.source),
                    when(m.at, m.cancelled),
                    m.topic.clone(),
                    state(rhythm::agenda_key(&contact.id, &m.id)),
                    state(rhythm::thanks_key(&contact.id, &m.id)),
                ]
            })
            .collect(),
        AppointmentKind::Interview => book
            .interviews(&contact.id)
            .iter()
            .map(|i| {
                vec![
                    reference(&i.id, &i.source),
                    when(i.at, i.cancelled),
                    i.program.clone(),
                    state(rhythm::interview_key(&contact.id, &i.id)),
                ]
            })
            .collect(),
    }
}
