//! From template and contact to a finished email, checked: the one path
//! that `draft`, `send` and `followup` all take.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::config::Me;
use crate::contact::Contact;
use crate::lint::check_rendered;
use crate::message::{self, Threading};
use crate::problem::Problem;
use crate::template::{Input, Rendered, Template, Thread};
use crate::workspace::Workspace;

/// A message ready to show, file or send.
pub struct Composed<'a> {
    pub contact: &'a Contact,
    pub rendered: Rendered,
    /// Without angle brackets.
    pub message_id: String,
    date: DateTime<Utc>,
    threading: Threading,
}

impl Composed<'_> {
    /// The email itself, built when it is written or sent: showing a
    /// draft needs only its text.
    pub fn email(&self, me: &Me) -> Result<lettre::Message> {
        message::build(
            me,
            self.contact,
            &self.rendered,
            self.date,
            &self.message_id,
            &self.threading,
        )
        .with_context(|| format!("building the message to {}", self.contact.place()))
    }
}

/// The thread a follow-up continues.
#[derive(Debug, Clone)]
pub struct FollowUpOf {
    pub thread: Thread,
    pub threading: Threading,
    /// The first message, quoted below the follow-up: (who wrote it and
    /// when, its text).
    pub quote: Option<(String, String)>,
}

/// Renders and checks one message. Problems that would embarrass
/// the sender (a missing field, a placeholder, an empty greeting) are
/// errors; warnings are returned for the caller to show.
pub fn compose<'a>(
    ws: &Workspace,
    template: &Template,
    contact: &'a Contact,
    now: DateTime<Utc>,
    follow_up: Option<&FollowUpOf>,
    salt: u64,
) -> Result<(Composed<'a>, Vec<Problem>), Vec<Problem>> {
    compose_with(ws, template, contact, now, follow_up, None, salt)
}

/// As `compose`, with what a meeting, milestone or interview adds to the
/// data the template sees.
pub fn compose_with<'a>(
    ws: &Workspace,
    template: &Template,
    contact: &'a Contact,
    now: DateTime<Utc>,
    follow_up: Option<&FollowUpOf>,
    occasion: Option<&serde_json::Value>,
    salt: u64,
) -> Result<(Composed<'a>, Vec<Problem>), Vec<Problem>> {
    let input = Input {
        contact,
        me: &ws.config.me,
        today: ws.today(now),
        thread: follow_up.map(|f| &f.thread),
        occasion,
    };
    let mut rendered = ws.templates.render(template, &input).map_err(|p| vec![p])?;
    let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
        check_rendered(template, contact, &rendered)
            .into_iter()
            .partition(Problem::is_error);
    if !errors.is_empty() {
        return Err(errors);
    }
    // The quote is the user's own earlier text: added after the checks.
    if let Some((intro, text)) = follow_up.and_then(|f| f.quote.as_ref()) {
        rendered.body = format!("{}\n\n{intro}\n{}", rendered.body.trim_end(), quote(text));
    }
    let message_id = message::message_id(
        &ws.config.me.email,
        &contact.email,
        now,
        &template.name,
        salt,
    );
    let threading = follow_up.map(|f| f.threading.clone()).unwrap_or_default();
    Ok((
        Composed {
            contact,
            rendered,
            message_id,
            date: now,
            threading,
        },
        warnings,
    ))
}

/// As `compose`, for the journal's queue: the Message-ID, subject and
/// bytes, with any problem as one error.
pub fn compose_raw(
    ws: &Workspace,
    template: &Template,
    contact: &Contact,
    now: DateTime<Utc>,
    follow_up: Option<&FollowUpOf>,
    occasion: Option<&serde_json::Value>,
    salt: u64,
) -> Result<(String, String, Vec<u8>)> {
    let (m, _) =
        compose_with(ws, template, contact, now, follow_up, occasion, salt).map_err(|p| {
            anyhow::anyhow!(p
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"))
        })?;
    let raw = m.email(&ws.config.me)?.formatted();
    Ok((m.message_id, m.rendered.subject, raw))
}

/// `text` with each line marked as quoted.
fn quote(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">\n".to_string()
            } else {
                format!("> {l}\n")
            }
        })
        .collect()
}
