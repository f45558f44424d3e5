//! The journal's record of meetings and interviews made by command (the
//! contact files are the user's and are never rewritten), of milestones
//! and the mentors chosen to hear of each, and of which once-only
//! messages of the rhythm went.

use anyhow::{bail, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::{parse_ts, ts, Journal, State};

/// A meeting or an interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentKind {
    Meeting,
    Interview,
}

impl AppointmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentKind::Meeting => "meeting",
            AppointmentKind::Interview => "interview",
        }
    }
}

/// One recorded meeting or interview; `title` is its topic or program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: i64,
    pub contact: String,
    pub kind: AppointmentKind,
    pub at: DateTime<Utc>,
    pub minutes: u32,
    pub title: String,
    pub agenda: Vec<String>,
    pub discussed: Option<String>,
    pub next_step: Option<String>,
    pub note: Option<String>,
    pub cancelled: bool,
}

/// A meeting or interview about to be recorded.
pub struct NewAppointment<'a> {
    pub contact: &'a str,
    pub kind: AppointmentKind,
    pub at: DateTime<Utc>,
    pub minutes: u32,
    pub title: &'a str,
    pub agenda: &'a [String],
    pub note: Option<&'a str>,
}

/// One milestone, with the mentors chosen to hear of it: (contact,
/// credited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneRow {
    pub id: i64,
    pub text: String,
    pub date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub mentors: Vec<(String, bool)>,
}

impl Journal {
    /// Records a meeting or interview; returns its number.
    pub fn add_appointment(&self, a: &NewAppointment, now: DateTime<Utc>) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO appointments (contact, kind, at, minutes, title, agenda, note, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                a.contact,
                a.kind.as_str(),
                ts(a.at),
                a.minutes,
                a.title,
                serde_json::to_string(a.agenda)?,
                a.note,
                ts(now)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// One recorded meeting or interview of `contact`, by number.
    pub fn appointment(&self, contact: &str, id: i64) -> Result<Option<Appointment>> {
        Ok(self
            .appointments()?
            .into_iter()
            .find(|a| a.id == id && a.contact == contact))
    }

    /// Changes a recorded meeting or interview: a new time, what was
    /// discussed, the next step, a note, or its cancellation. Fields left
    /// `None` keep their value.
    #[allow(clippy::too_many_arguments)]
    pub fn change_appointment(
        &self,
        id: i64,
        at: Option<DateTime<Utc>>,
        discussed: Option<&str>,
        next_step: Option<&str>,
        note: Option<&str>,
        cancel: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE appointments SET at = IFNULL(?2, at), discussed = IFNULL(?3, discussed),
                 next_step = IFNULL(?4, next_step), note = IFNULL(?5, note),
                 cancelled_at = CASE WHEN ?6 THEN ?7 ELSE cancelled_at END, updated_at = ?7
             WHERE id = ?1",
            params![id, at.map(ts), discussed, next_step, note, cancel, ts(now)],
        )?;
        if n != 1 {
            bail!("no meeting or interview #{id} in the journal");
        }
        Ok(())
    }

    /// Every recorded meeting and interview, in time order.
    pub fn appointments(&self) -> Result<Vec<Appointment>> {
        self.rows(
            "SELECT id, contact, kind, at, minutes, title, agenda, discussed, next_step, note, cancelled_at
             FROM appointments ORDER BY at, id",
            [],
            |r| {
                let kind: String = r.get(2)?;
                let agenda: String = r.get(6)?;
                Ok(Appointment {
                    id: r.get(0)?,
                    contact: r.get(1)?,
                    kind: if kind == "interview" {
                        AppointmentKind::Interview
                    } else {
                        AppointmentKind::Meeting
                    },
                    at: parse_ts(r.get(3)?).unwrap_or_default(),
                    minutes: r.get(4)?,
                    title: r.get(5)?,
                    agenda: serde_json::from_str(&agenda).unwrap_or_default(),
                    discussed: r.get(7)?,
                    next_step: r.get(8)?,
                    note: r.get(9)?,
                    cancelled: r.get::<_, Option<String>>(10)?.is_some(),
                })
            },
        )
    }

    /// Records a milestone and the mentors to tell, in one transaction.
    pub fn add_milestone(
        &mut self,
        text: &str,
        date: NaiveDate,
        mentors: &[(String, bool)],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO milestones (text, date, recorded_at) VALUES (?1, ?2, ?3)",
            params![text, date.to_string(), ts(now)],
        )?;
        let id = tx.last_insert_rowid();
        for (contact, credited) in mentors {
            tx.execute(
                "INSERT INTO milestone_mentors (milestone, contact, credited) VALUES (?1, ?2, ?3)",
                params![id, contact, credited],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every milestone with its mentors, oldest first.
    pub fn milestones(&self) -> Result<Vec<MilestoneRow>> {
        let mut list: Vec<MilestoneRow> = self.rows(
            "SELECT id, text, date, recorded_at FROM milestones ORDER BY id",
            [],
            |r| {
                Ok(MilestoneRow {
                    id: r.get(0)?,
                    text: r.get(1)?,
                    date: r.get::<_, String>(2)?.parse().unwrap_or(NaiveDate::MIN),
                    recorded_at: parse_ts(r.get(3)?).unwrap_or_default(),
                    mentors: Vec::new(),
                })
            },
        )?;
        let pairs: Vec<(i64, String, bool)> = self.rows(
            "SELECT milestone, contact, credited FROM milestone_mentors ORDER BY milestone, contact",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        for (m, contact, credited) in pairs {
            if let Some(row) = list.iter_mut().find(|x| x.id == m) {
                row.mentors.push((contact, credited));
            }
        }
        Ok(list)
    }

    /// The once-only keys of the rhythm's messages (agendas, thank-yous,
    /// milestone updates, interview thanks) with their states.
    pub fn rhythm_keys(&self) -> Result<Vec<(String, State)>> {
        let mut out = Vec::new();
        for prefix in crate::rhythm::KEY_PREFIXES {
            // A range on the unique index: `prefix` up to the next character.
            let mut end = prefix.to_string();
            end.pop();
            end.push(';');
            out.extend(self.rows(
                "SELECT once_key, state FROM messages WHERE once_key >= ?1 AND once_key < ?2",
                params![prefix, end],
                |r| Ok((r.get(0)?, State::parse(&r.get::<_, String>(1)?))),
            )?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-24T14:00:00Z".parse().unwrap()
    }

    #[test]
    fn appointments_are_recorded_moved_noted_and_cancelled() {
        let j = Journal::in_memory().unwrap();
        let agenda = vec!["my program list".to_string()];
        let id = j
            .add_appointment(
                &NewAppointment {
                    contact: "ngozi",
                    kind: AppointmentKind::Meeting,
                    at: now(),
                    minutes: 30,
                    title: "applications",
                    agenda: &agenda,
                    note: None,
                },
                now(),
            )
            .unwrap();
        let later: DateTime<Utc> = "2026-12-01T14:00:00Z".parse().unwrap();
        j.change_appointment(id, Some(later), Some("programs"), None, None, false, now())
            .unwrap();
        let a = j.appointment("ngozi", id).unwrap().unwrap();
        assert_eq!(
            (a.at, a.agenda, a.discussed.as_deref()),
            (later, agenda, Some("programs"))
        );
        assert!(!a.cancelled);
        j.change_appointment(id, None, None, Some("send a draft"), None, true, now())
            .unwrap();
        let a = j.appointment("ngozi", id).unwrap().unwrap();
        assert!(a.cancelled);
        assert_eq!(a.discussed.as_deref(), Some("programs"));
        assert!(j.appointment("someone-else", id).unwrap().is_none());
        assert!(j
            .change_appointment(99, None, None, None, None, true, now())
            .is_err());
    }

    #[test]
    fn a_milestone_keeps_its_mentors_and_their_credit() {
        let mut j = Journal::in_memory().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let mentors = vec![("a".to_string(), true), ("b".to_string(), false)];
        let id = j
            .add_milestone("Passed Step 2", d, &mentors, now())
            .unwrap();
        let all = j.milestones().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].id, all[0].date, all[0].recorded_at), (id, d, now()));
        assert_eq!(all[0].mentors, mentors);
    }
}
