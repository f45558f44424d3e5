//! Checks on rendered messages: what a careful writer would catch before
//! pressing send.

use crate::contact::Contact;
use crate::problem::Problem;
use crate::template::{Kind, Rendered, Template};

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
    text.split(|c: char| !c.is_alphanumeric())
        .find(|w| MARKERS.contains(w))
        .map(str::to_string)
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
