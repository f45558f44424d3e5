//! The totals of a review: `status` prints them under its table and in
//! `--json`, `report` draws them. One place, so the two always agree.

use std::collections::BTreeMap;

use crate::policy::{Review, Stage};
use crate::review::Book;
use crate::template::Kind;

/// Whether a contact answered: by email, some other way, or by meeting.
/// Out-of-office answers are not replies.
pub fn answered(s: &Stage) -> bool {
    matches!(s, Stage::Replied { .. } | Stage::Met { .. })
}

/// Whether a contact was written to and has not answered yet.
pub fn waiting(s: &Stage) -> bool {
    matches!(
        s,
        Stage::Waiting { .. }
            | Stage::FollowedUp { .. }
            | Stage::AutoReply { .. }
            | Stage::NoReply { .. }
    )
}

/// The totals over some contacts' reviews.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub contacts: usize,
    /// Contacts with at least one message to them (the tool's or the user's).
    pub written: usize,
    /// Of whom answered (replied or met).
    pub replied: usize,
    /// Of whom met.
    pub met: usize,
    pub bounced: usize,
    /// Away by an automatic answer right now.
    pub auto_reply: usize,
    pub do_not_contact: usize,
    /// Per first-contact template: (contacts it went to, of whom replied).
    pub by_template: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    pub fn of<'a>(book: &Book, reviews: impl Iterator<Item = (&'a str, &'a Review)>) -> Summary {
        let mut s = Summary::default();
        for (id, r) in reviews {
            s.contacts += 1;
            if r.sent > 0 {
                s.written += 1;
            }
            // Replied and met count those written to: the funnel's later
            // stages are parts of the first (a meeting from a contact file
            // alone is not an answer to outreach).
            let replied = r.sent > 0 && answered(&r.stage);
            if replied {
                s.replied += 1;
            }
            match r.stage {
                Stage::Met { .. } if r.sent > 0 => s.met += 1,
                Stage::Bounced { .. } => s.bounced += 1,
                Stage::AutoReply { .. } => s.auto_reply += 1,
                Stage::DoNotContact => s.do_not_contact += 1,
                _ => {}
            }
            let mut firsts: Vec<&str> = book
                .messages
                .get(id)
                .into_iter()
                .flatten()
                .filter(|m| m.kind == Kind::FirstContact && m.sent_at.is_some())
                .map(|m| m.template.as_str())
                .collect();
            firsts.sort_unstable();
            firsts.dedup();
            for t in firsts {
                let e = s.by_template.entry(t.to_string()).or_default();
                e.0 += 1;
                if replied {
                    e.1 += 1;
                }
            }
        }
        s
    }

    /// "30%", or "-" of nothing.
    pub fn rate(replied: usize, of: usize) -> String {
        (replied * 100)
            .checked_div(of)
            .map_or("-".into(), |p| format!("{p}%"))
    }

    /// The line under `status`'s table.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} contacts; written to {}, replied {} ({}), bounced {}",
            self.contacts,
            self.written,
            self.replied,
            Self::rate(self.replied, self.written),
            self.bounced
        );
        if !self.by_template.is_empty() {
            let parts: Vec<String> = self
                .by_template
                .iter()
                .map(|(t, (n, r))| format!("{t} {r}/{n}"))
                .collect();
            line.push_str(&format!("; replies by template: {}", parts.join(", ")));
        }
        line
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "contacts": self.contacts,
            "written_to": self.written,
            "replied": self.replied,
            "reply_rate": if self.written == 0 { None } else { Some(self.replied as f64 / self.written as f64) },
            "met": self.met,
            "bounced": self.bounced,
            "auto_reply": self.auto_reply,
            "do_not_contact": self.do_not_contact,
            "by_template": self.by_template.iter().map(|(t, (n, r))| (t.clone(), serde_json::json!({"sent": n, "replied": r}))).collect::<serde_json::Map<_, _>>(),
        })
    }
}
