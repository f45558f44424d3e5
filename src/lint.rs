//! Checks on rendered messages, what a careful writer would catch before
//! pressing send, and the whole workspace checked that way (`lint`).

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use crate::config::{self, Config};
use crate::contact::Contact;
use crate::journal::{Journal, State};
use crate::policy::post_conference_late;
use crate::problem::Problem;
use crate::template::{Input, Kind, Rendered, Template, Thread};
use crate::workspace::{Parts, Workspace};
use crate::{review, rhythm};

/// Subjects longer than this are cut off in most mail clients.
const SUBJECT_MAX: usize = 78;

/// Problems in one rendered message. Errors block drafting and sending.
pub fn check_rendered(template: &Template, contact: &Contact, r: &Rendered) -> Vec<Problem> {
    let place = template.file.display().to_string();
    let who = &contact.id;
    let mut out = Vec::new();
    let mut error = |m: String| {
        out.push(Problem::error(
            place.clone(),
            format!("contact `{who}`: {m}"),
        ))
    };
    for (part, text) in [("subject", r.subject.as_str()), ("body", r.body.as_str())] {
        if let Some(p) = placeholder(text) {
            error(format!("placeholder `{p}` left in the {part}"));
        }
        if text.contains("{{") || text.contains("}}") {
            error(format!("leftover `{{{{` or `}}}}` in the {part}"));
        }
    }
    if let Some(line) = r.body.lines().find(|l| blank_greeting(l)) {
        error(format!("greeting without a name: `{}`", line.trim()));
    }
    let mut warn = |m: String| {
        out.push(Problem::warning(
            place.clone(),
            format!("contact `{who}`: {m}"),
        ))
    };
    let len = r.subject.chars().count();
    if len > SUBJECT_MAX {
        warn(format!(
            "subject is {len} characters; over {SUBJECT_MAX} it gets cut off"
        ));
    }
    let words = r.body.split_whitespace().count();
    let limit = match template.kind {
        Kind::FollowUp => 120,
        _ => 250,
    };
    if words > limit {
        warn(format!(
            "body is {words} words; busy readers answer short messages (2–3 short paragraphs, under {limit} words)"
        ));
    }
    out
}

/// Words that mark unfinished text.
const MARKERS: &[&str] = &["TODO", "TBD", "XXX", "FIXME", "Lorem"];

/// The first unfilled placeholder in `text`: `[Name]`-style brackets or a
/// marker word such as TODO.
fn placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        let after = &rest[i + 1..];
        if let Some(j) = after.find(']') {
            let inner = &after[..j];
            if inner.chars().next().is_some_and(char::is_uppercase)
                && inner.chars().count() <= 40
                && inner
                    .chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-')
            {
                return Some(format!("[{inner}]"));
            }
        }
        rest = after;
    }
    // The first marker standing as a whole word, found in one pass over
    // the bytes (each marker starts with an ASCII letter, rare enough to
    // look for), which is much faster than splitting every message into
    // words.
    let b = text.as_bytes();
    let alone = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
    b.iter().enumerate().find_map(|(i, c)| {
        if !MARKERS.iter().any(|m| m.as_bytes()[0] == *c) {
            return None;
        }
        MARKERS
            .iter()
            .find(|m| {
                b[i..].starts_with(m.as_bytes())
                    && alone(text[..i].chars().next_back())
                    && alone(text[i + m.len()..].chars().next())
            })
            .map(|m| m.to_string())
    })
}

/// "Dear ," or "Hello  ," : a greeting whose name came out empty.
fn blank_greeting(line: &str) -> bool {
    let l = line.trim();
    ["Dear", "Hello", "Hi", "Dear Dr.", "Dear Dr"]
        .iter()
        .any(|g| {
            l.strip_prefix(g)
                .is_some_and(|r| matches!(r.trim(), "," | ":" | ""))
                && l.len() > g.len()
        })
}

/// A whole workspace checked: its parts as far as they loaded, every
/// problem, and how many messages were rendered to find them.
pub struct Linted {
    pub parts: Parts,
    pub problems: Vec<Problem>,
    pub rendered: usize,
}

/// Checks config, contacts and templates at `root`: every template
/// rendered for every contact it may go to, and the follow-up policy's
/// templates and timing. Reads an existing journal; never creates one.
pub fn lint_workspace(root: &Path, now: DateTime<Utc>) -> Result<Linted> {
    let parts = Workspace::load_parts(root);
    let mut problems = parts.problems.clone();
    let mut rendered = 0;
    if let Some(config) = &parts.config {
        let today = now.with_timezone(&config.zone()).date_naive();
        for template in parts.templates.list.values() {
            // Follow-ups are checked against a typical thread.
            let thread = (template.kind == Kind::FollowUp).then(|| Thread {
                subject: "Sample earlier subject".to_string(),
                sent_on: today - Duration::days(10),
                days_waiting: 10,
                step: 1,
            });
            // The rhythm's templates are checked against a sample meeting,
            // milestone or interview.
            let sample = rhythm::sample(&template.name, &review::rules(config), today);
            for contact in parts.contacts.iter().filter(|c| c.may_contact()) {
                if parts
                    .templates
                    .missing_requirement_with(template, contact, sample.as_ref())
                    .is_some()
                {
                    continue;
                }
                let input = Input {
                    contact,
                    me: &config.me,
                    today,
                    thread: thread.as_ref(),
                    occasion: sample.as_ref(),
                };
                match parts.templates.render(template, &input) {
                    Ok(r) => {
                        rendered += 1;
                        problems.extend(check_rendered(template, contact, &r));
                    }
                    Err(p) => problems.push(p),
                }
            }
        }
    }
    if let Some(config) = &parts.config {
        problems.extend(policy_problems(root, now, config, &parts)?);
        problems.extend(rhythm_late(root, now)?);
    }
    problems.dedup();
    Ok(Linted {
        parts,
        problems,
        rendered,
    })
}

/// The follow-up policy's templates exist and are of the right kind, and
/// no post-conference message is getting late.
fn policy_problems(
    root: &Path,
    now: DateTime<Utc>,
    config: &Config,
    parts: &Parts,
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let f = &config.followup;
    let mut named = vec![
        (
            "followup.template",
            f.template.as_str(),
            Some(Kind::FollowUp),
        ),
        (
            "followup.checkin_template",
            f.checkin_template.as_str(),
            None,
        ),
        (
            "followup.post_conference_template",
            f.post_conference_template.as_str(),
            None,
        ),
    ];
    for (first, rule) in &f.templates {
        named.push(("followup.templates", first.as_str(), None));
        if let Some(t) = &rule.template {
            named.push((
                "followup.templates.*.template",
                t.as_str(),
                Some(Kind::FollowUp),
            ));
        }
    }
    for (key, name, kind) in named {
        match parts.templates.list.get(name) {
            None => problems.push(Problem::warning(
                config::FILE,
                format!("{key} names `{name}`, but there is no templates/{name}.hbs"),
            )),
            Some(t) if kind.is_some_and(|k| k != t.kind) => problems.push(Problem::error(
                t.file.display().to_string(),
                format!("{key} uses `{name}` for follow-ups, so it needs `kind: follow-up` in its front matter"),
            )),
            Some(_) => {}
        }
    }
    let policy = review::policy(config);
    if !parts
        .templates
        .list
        .contains_key(&policy.post_conference_template)
    {
        return Ok(problems);
    }
    // Only an existing journal is read: lint never creates one.
    let state = crate::workspace::state_dir(root);
    let journal = if state.join("journal.sqlite").exists() {
        Some(Journal::open(&state)?)
    } else {
        None
    };
    let today = now.with_timezone(&config.zone()).date_naive();
    for contact in &parts.contacts {
        let first_sent = match &journal {
            Some(j) => j
                .messages_for(&contact.id)?
                .iter()
                .any(|m| m.kind == Kind::FirstContact && m.state == State::Sent),
            None => false,
        };
        if let Some(w) = post_conference_late(contact, &policy, today, first_sent) {
            problems.push(Problem::warning(
                format!("{}, contact {}", contact.place(), contact.id),
                w,
            ));
        }
    }
    Ok(problems)
}

/// Thank-yous after meetings and interviews, and milestone updates, that
/// are late. Needs a workspace without errors (those are reported already)
/// and reads an existing journal only.
fn rhythm_late(root: &Path, now: DateTime<Utc>) -> Result<Vec<Problem>> {
    let Ok(ws) = Workspace::load(root) else {
        return Ok(Vec::new());
    };
    let state = ws.state_dir();
    let journal = if state.join("journal.sqlite").exists() {
        Journal::open(&state)?
    } else {
        Journal::in_memory()?
    };
    let book = review::Book::read(&ws, &journal)?;
    let mut problems = Vec::new();
    for (contact, r) in book.review_all(now) {
        for o in book.occasions(contact, &r, now) {
            if let Some(late) = o.late {
                problems.push(Problem::warning(
                    format!("{}, contact {}", contact.place(), contact.id),
                    late,
                ));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders() {
        assert_eq!(placeholder("Dear [Name],"), Some("[Name]".into()));
        assert_eq!(
            placeholder("in [Your Specialty] at"),
            Some("[Your Specialty]".into())
        );
        assert_eq!(placeholder("TODO: admire"), Some("TODO".into()));
        assert_eq!(placeholder("as shown [1] and [sic]"), None);
        assert_eq!(placeholder("a todo list"), None);
        // Markers count as whole words only, the first in the text first.
        assert_eq!(placeholder("TODOs, XXXX, éTBD, Loremé"), None);
        assert_eq!(placeholder("see (FIXME) then TODO"), Some("FIXME".into()));
        assert_eq!(placeholder("XXXXXX or XXX."), Some("XXX".into()));
        assert_eq!(placeholder("Lorem"), Some("Lorem".into()));
    }

    #[test]
    fn finds_blank_greetings() {
        assert!(blank_greeting("Dear ,"));
        assert!(blank_greeting("Dear Dr. ,"));
        assert!(blank_greeting("Hello ,"));
        assert!(!blank_greeting("Dear Dr. Okafor,"));
        assert!(!blank_greeting("Dear"));
    }
}
