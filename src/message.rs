//! Turning a rendered template into an RFC 5322 email: headers, threading,
//! a Message-ID on the sender's domain, and plain text with a line per
//! paragraph (`wrap` is for showing it on a terminal).

use std::hash::Hasher;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, MIME_VERSION_1_0};
use lettre::message::{Body, Mailbox};
use lettre::Message;

use crate::config::Me;
use crate::contact::Contact;
use crate::template::Rendered;

/// Where a message stands in a thread: the Message-IDs (without angle
/// brackets) of the messages it answers, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Threading {
    pub references: Vec<String>,
}

/// Makes a Message-ID (without angle brackets) on the sender's domain. It
/// is a pure function of its inputs, so a fixed `OUTREACH_NOW` gives a
/// fixed ID; sender and recipient keep it unique across workspaces, and
/// `salt` tells apart messages that share the rest (the journal's row id).
pub fn message_id(from: &str, to: &str, now: DateTime<Utc>, template: &str, salt: u64) -> String {
    let domain = id_domain(from.rsplit_once('@').map_or("", |(_, d)| d));
    let mut h = Fnv64::default();
    for part in [from, to, template] {
        h.write(part.as_bytes());
        h.write_u8(0);
    }
    h.write_u64(salt);
    h.write_i64(now.timestamp_nanos_opt().unwrap_or_default());
    format!(
        "{}.{:016x}@{domain}",
        now.format("%Y%m%d%H%M%S"),
        h.finish()
    )
}

/// The sender's domain as a Message-ID can carry it: an international
/// domain in its ASCII (punycode) form, since a header-encoded Message-ID
/// is no Message-ID; "localhost" when there is none.
fn id_domain(domain: &str) -> String {
    idna::domain_to_ascii(domain)
        .ok()
        .filter(|d| {
            !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
        .unwrap_or_else(|| "localhost".to_string())
}

/// FNV-1a: small, stable across Rust versions (unlike `DefaultHasher`).
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf29ce484222325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
    }
}

/// Builds the email. `date` is the Date header; `id` the Message-ID.
pub fn build(
    me: &Me,
    contact: &Contact,
    rendered: &Rendered,
    date: DateTime<Utc>,
    id: &str,
    threading: &Threading,
) -> Result<Message> {
    plain_text("the sender's name in outreach.yaml", me.name.trim())?;
    plain_text(
        &format!("the name of contact `{}`", contact.id),
        contact.name.trim(),
    )?;
    plain_text("the subject", rendered.subject.trim())?;
    if one_line(&rendered.subject).is_empty() {
        anyhow::bail!("the subject is blank");
    }
    for r in &threading.references {
        if !valid_id(r) {
            anyhow::bail!(
                "`{}` is not a Message-ID this tool can thread to",
                r.escape_debug()
            );
        }
    }
    let from = mailbox(&me.name, &me.email).context("the sender address in outreach.yaml")?;
    let to = mailbox(&contact.name, &contact.email)
        .with_context(|| format!("the address of contact `{}`", contact.id))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&rendered.subject))
        .date(date.into())
        .message_id(Some(format!("<{id}>")));
    if let Some(last) = threading.references.last() {
        let chain: Vec<String> = threading
            .references
            .iter()
            .map(|r| format!("<{r}>"))
            .collect();
        builder = builder
            .in_reply_to(format!("<{last}>"))
            .references(chain.join(" "));
    }
    builder
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        // One line per paragraph, so every client reflows it to its own
        // width (a phone's narrow screen included); lettre picks
        // quoted-printable for the long lines, which keeps them within
        // SMTP's line limit and is undone by every mail client.
        .body(Body::new(rendered.body.clone()))
        .with_context(|| format!("building the message to `{}`", contact.id))
}

/// Refuses a header value with a control character in it: a line break
/// would end the header (and could start another, such as `Bcc:`).
/// Loading the workspace refuses these with a located error; this is the
/// last line of defence for every other path to a header.
fn plain_text(what: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => anyhow::bail!("{what} has a control character ({c:?}) in it"),
        None => Ok(()),
    }
}

/// A header value as one line of words: trimmed, runs of spaces and tabs
/// made one space. Mail readers show it so anyway, and an encoded word
/// (non-ASCII text) next to a run of spaces would lose the run, so what
/// is sent is what reads back.
pub fn one_line(value: &str) -> String {
    value
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Message-ID without its angle brackets: `local@domain`, printable
/// ASCII without spaces or brackets.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.contains('@')
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'))
}

fn mailbox(name: &str, email: &str) -> Result<Mailbox> {
    let address = email
        .parse()
        .with_context(|| format!("`{email}` is not a valid address"))?;
    Ok(Mailbox::new(Some(one_line(name)), address))
}

/// Wraps lines longer than `width` characters at spaces, for a terminal. Quoted lines
/// (`>`) and words longer than the width (addresses, links) stay whole.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.lines() {
        if line.starts_with('>') || line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let indent = &line[..indent];
        // The current output line's length in characters.
        let mut len = 0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let word_len = word.chars().count();
            if len > 0 && len + 1 + word_len > width {
                out.push('\n');
                len = 0;
            }
            if len == 0 {
                out.push_str(indent);
                len = indent.len();
            } else {
                out.push(' ');
                len += 1;
            }
            out.push_str(word);
            len += word_len;
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_lines_at_spaces_only() {
        let line = "word ".repeat(30);
        let wrapped = wrap(line.trim_end(), 72);
        assert!(wrapped.lines().all(|l| l.chars().count() <= 72));
        assert_eq!(wrapped.split_whitespace().count(), 30);
        let url = format!("see https://example.org/{}", "a".repeat(90));
        assert_eq!(
            wrap(&url, 72),
            format!("see\nhttps://example.org/{}\n", "a".repeat(90))
        );
        let quote = format!("> {}", "q ".repeat(50));
        assert_eq!(wrap(&quote, 72), format!("{quote}\n"));
    }

    #[test]
    fn message_ids_are_stable_and_distinct() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
            .unwrap()
            .to_utc();
        let id = |to: &str, salt| message_id("amina@example.org", to, now, "intro", salt);
        let a = id("c.okafor@example.org", 1);
        assert_eq!(a, id("c.okafor@example.org", 1));
        assert_ne!(a, id("c.okafor@example.org", 2));
        assert_ne!(a, id("li@example.org", 1));
        assert!(a.starts_with("20261124140000.") && a.ends_with("@example.org"));
        assert!(!a.contains("okafor"));
    }

    fn me(name: &str, email: &str) -> Me {
        serde_yaml::from_str(&format!("name: {name:?}\nemail: {email:?}\n")).unwrap()
    }

    fn contact(name: &str) -> Contact {
        let mut c: Contact =
            serde_yaml::from_str("id: li\nname: Li\nemail: li@example.org\n").unwrap();
        c.name = name.to_string();
        c
    }

    fn rendered(subject: &str) -> Rendered {
        Rendered {
            subject: subject.to_string(),
            body: "Hello\n".to_string(),
        }
    }

    #[test]
    fn an_international_sender_domain_gives_an_ascii_message_id() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
            .unwrap()
            .to_utc();
        let id = message_id("amina@bücher.example", "li@example.org", now, "intro", 1);
        assert!(id.ends_with("@xn--bcher-kva.example"), "{id}");
        let id = message_id("no-at-sign", "li@example.org", now, "intro", 1);
        assert!(id.ends_with("@localhost"), "{id}");
    }

    #[test]
    fn a_line_break_in_a_header_value_is_refused_not_sent() {
        let now = Utc::now();
        let t = Threading::default();
        let me_ok = me("Amina Yusuf", "amina@example.org");
        let bad_name = contact("Eve\r\nBcc: x@example.com");
        let err = build(&me_ok, &bad_name, &rendered("Hi"), now, "a@b", &t).unwrap_err();
        assert!(format!("{err:#}").contains("control character"), "{err:#}");
        let err = build(
            &me("A\nB", "amina@example.org"),
            &contact("Li"),
            &rendered("Hi"),
            now,
            "a@b",
            &t,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("sender"), "{err:#}");
        assert!(build(
            &me_ok,
            &contact("Li"),
            &rendered("Hi\r\nBcc: x@example.com"),
            now,
            "a@b",
            &t
        )
        .is_err());
        let threading = Threading {
            references: vec!["x@y>\r\nBcc: x@example.com".to_string()],
        };
        assert!(build(
            &me_ok,
            &contact("Li"),
            &rendered("Hi"),
            now,
            "a@b",
            &threading
        )
        .is_err());
        // A trailing line break from a YAML block scalar is trimmed, not refused.
        assert!(build(
            &me_ok,
            &contact("Li Ming\n"),
            &rendered("Hi"),
            now,
            "a@b",
            &t
        )
        .is_ok());
    }
}
