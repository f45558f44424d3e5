//! Bounces: delivery status notifications (RFC 3464), the same fields
//! written as plain text (Amazon SES), Amazon SNS bounce notifications, and
//! the plain-text reports of mail systems that send no DSN (Exim, Sendmail,
//! qmail, OpenSMTPD, DragonFly Mail Agent, Courier, Exchange 2003 and
//! later, Gmail, Outlook.com, Yahoo, Domino, the Japanese carriers), read
//! for the address that failed, the reason and the Message-ID of the
//! message that bounced.
//!
//! A delay notice ("still trying") is not a bounce: the message may yet
//! arrive, so follow-ups must not stop. Nor is a temporary failure (a 4.x.x
//! status, a full mailbox, a sending system that gave up retrying): the
//! message was returned, but nothing says the address is dead.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::{strip_id, Head, Known};

/// How much of a report's text is searched. The verdict and the failed
/// address sit at the top; a bounce that quotes a huge attachment must not
/// make every search slow.
const TEXT_LIMIT: usize = 256 * 1024;

/// What a message says about delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not a delivery report at all.
    NotReport,
    /// Delivery failed for good: a bounce.
    Failed,
    /// Delivery failed for a reason that may pass (a 4.x.x status, a full
    /// mailbox, retries given up): the address is not known to be dead.
    Temporary,
    /// Delivery is late and still being tried.
    Delayed,
    /// A report of success (delivered, relayed, expanded).
    Delivered,
}

/// A delivery report, as far as it could be read.
#[derive(Debug)]
pub(super) struct Report {
    pub verdict: Verdict,
    pub evidence: Vec<String>,
    pub failed: Option<String>,
    pub reason: Option<String>,
    /// Message-IDs of the message the report is about, as found.
    pub original_ids: Vec<String>,
    /// No body was there to read: `check` sent only the header.
    pub headers_only: bool,
}

/// Which way a bounce-looking subject leans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sense {
    Failure,
    Delay,
    /// A report of success (delivered, relayed).
    Success,
    /// Names the sending system, not the outcome.
    Format,
}

/// Subjects of delivery reports, lower-case. Delay subjects come first
/// because "Delivery Status Notification (Delay)" also matches the
/// generic failure words.
const SUBJECTS: &[(&str, Sense)] = &[
    ("delayed mail", Sense::Delay),
    ("(delay)", Sense::Delay),
    ("delivery delayed", Sense::Delay),
    ("still being retried", Sense::Delay),
    ("warning: could not send message", Sense::Delay),
    // Exim: "Warning: message 1tAbCd-000123-Xy delayed 24 hours".
    ("warning: message", Sense::Delay),
    // OpenSMTPD: "Delivery status notification: delay" (or "warning").
    ("notification: delay", Sense::Delay),
    ("notification: warning", Sense::Delay),
    ("(success)", Sense::Format),
    ("(relay)", Sense::Format),
    ("delivered:", Sense::Format),
    ("relayed:", Sense::Format),
    ("successful mail delivery report", Sense::Format),
    ("notification: success", Sense::Format),
    ("notification: relayed", Sense::Format),
    ("notification: error", Sense::Failure),
    ("mail system error", Sense::Failure),
    ("undeliver", Sense::Failure),
    ("returned mail", Sense::Failure),
    ("returned to sender", Sense::Failure),
    ("delivery status notification (failure)", Sense::Failure),
    ("delivery failure", Sense::Failure),
    ("delivery failed", Sense::Failure),
    ("delivery has failed", Sense::Failure),
    ("failure notice", Sense::Failure),
    ("mail delivery failed", Sense::Failure),
    ("non-delivery", Sense::Failure),
    ("nondeliverable", Sense::Failure),
    ("could not be delivered", Sense::Failure),
    ("unzustellbar", Sense::Failure),
    ("non remis", Sense::Failure),
    ("no se puede entregar", Sense::Failure),
    ("non recapitabile", Sense::Failure),
];

/// Phrases in a report's text (lower-case, whitespace collapsed), the mail
/// system that writes them, and what they mean. Delay phrases win over
/// failure ones: Postfix's warning says "could not be delivered for 4.0
/// hours".
const PHRASES: &[(&str, &str, Sense)] = &[
    ("this is a warning only", "Postfix", Sense::Delay),
    ("has not yet been delivered", "Exim", Sense::Delay),
    (
        "delivery to the following recipient has been delayed",
        "Gmail",
        Sense::Delay,
    ),
    ("delivery incomplete", "Gmail", Sense::Delay),
    (
        "there was a temporary problem delivering your message",
        "Gmail",
        Sense::Delay,
    ),
    ("this is a warning message only", "Sendmail", Sense::Delay),
    (
        "a message is delayed for more than",
        "OpenSMTPD",
        Sense::Delay,
    ),
    (
        "this is only a temporary failure report",
        "OpenSMTPD",
        Sense::Delay,
    ),
    (
        "delivery is delayed to these recipients or groups",
        "Exchange",
        Sense::Delay,
    ),
    (
        "delivery to the following recipients has been delayed",
        "Exchange",
        Sense::Delay,
    ),
    ("this is the mail system at host", "Postfix", Sense::Format),
    (
        "this message was created automatically by mail delivery software",
        "Exim",
        Sense::Format,
    ),
    ("this is the qmail-send program", "qmail", Sense::Format),
    ("remote server returned", "Exchange", Sense::Format),
    (
        "this is the dragonfly mail agent",
        "DragonFly",
        Sense::Format,
    ),
    (
        "this is the mailer-daemon, please do not reply",
        "OpenSMTPD",
        Sense::Format,
    ),
    ("transcript of session follows", "Sendmail", Sense::Format),
    ("running the courier mail server", "Courier", Sense::Format),
    (
        "this is an automatically generated delivery status notification",
        "Exchange/Outlook.com",
        Sense::Format,
    ),
    (
        "could not be delivered to one or more",
        "Exim/Postfix",
        Sense::Failure,
    ),
    ("following address(es) failed", "Exim", Sense::Failure),
    ("permanent fatal errors", "Sendmail", Sense::Failure),
    (
        "wasn't able to deliver your message",
        "qmail",
        Sense::Failure,
    ),
    (
        "delivery has failed to these recipients or groups",
        "Exchange",
        Sense::Failure,
    ),
    ("couldn't be delivered", "Exchange", Sense::Failure),
    ("address not found", "Gmail", Sense::Failure),
    (
        "delivery to the following recipient failed permanently",
        "Gmail",
        Sense::Failure,
    ),
    ("wasn't delivered to", "Gmail", Sense::Failure),
    (
        "there was a problem delivering your message to",
        "Gmail",
        Sense::Failure,
    ),
    (
        "there was an error delivering your mail to",
        "DragonFly",
        Sense::Failure,
    ),
    (
        "an error has occurred while attempting to deliver a message",
        "OpenSMTPD",
        Sense::Failure,
    ),
    (
        "did not reach the following recipient",
        "Exchange 2003",
        Sense::Failure,
    ),
    (
        "an error occurred while trying to deliver the mail",
        "Amazon SES",
        Sense::Failure,
    ),
    ("was undeliverable", "Amazon SES", Sense::Failure),
    (
        "delivery to the following recipients failed",
        "Exchange/Outlook.com",
        Sense::Failure,
    ),
    (
        "the following recipients cannot be delivered",
        "Courier",
        Sense::Failure,
    ),
    ("was not delivered to:", "Domino", Sense::Failure),
    (
        "we were unable to deliver your message",
        "Yahoo",
        Sense::Failure,
    ),
    ("could not be delivered to:", "au (KDDI)", Sense::Failure),
    ("the user(s) account is", "au (EZweb)", Sense::Failure),
    (
        "following recipients was rejected by a remote mail server",
        "au (EZweb)",
        Sense::Failure,
    ),
    (
        "your message was successfully delivered",
        "OpenSMTPD/Postfix",
        Sense::Success,
    ),
    ("your message was relayed to", "OpenSMTPD", Sense::Success),
    (
        "delivery to these recipients or groups is complete",
        "Exchange",
        Sense::Success,
    ),
];

/// Words in a failure report that mean it may pass: a full mailbox, or a
/// sending system that gave up retrying a temporary failure.
const TEMPORARY: &[&str] = &[
    "mailbox full",
    "mailbox is full",
    "inbox is full",
    "over quota",
    "quota exceeded",
    "exceeded storage allocation",
    "retry timeout exceeded",
    "in the queue too long",
    "could not deliver for the last",
    "your message was not delivered within",
    "account is temporarily",
];

/// Phrases right before the failed address, in the reports that name it
/// in prose.
const LEADS: &[&str] = &[
    "following address(es) failed:",
    "following address failed:",
    "permanent fatal errors -----",
    "to the following addresses.",
    "delivery has failed to these recipients or groups:",
    "your message to",
    "wasn't delivered to",
    "failed permanently:",
    "there was an error delivering your mail to",
    "the following list of recipients:",
    "did not reach the following recipient(s):",
    "to the following recipients:",
    "the following message to",
    "delivery to the following recipients failed.",
    "cannot be delivered:",
    "was not delivered to:",
    "could not be delivered to:",
    "to the following address",
    "there was a problem delivering your message to",
    "couldn't be delivered to",
    "the mail system",
    "rcpt to:",
];

/// The addresses mail systems send reports from: the usual local parts,
/// Amazon SNS's notifications, and au (KDDI)'s reports from dion.ne.jp.
fn is_daemon(addr: &str) -> bool {
    let (local, domain) = addr.split_once('@').unwrap_or((addr, ""));
    matches!(
        local,
        "mailer-daemon" | "mailerdaemon" | "postmaster" | "mail-daemon"
    ) || local.starts_with("microsoftexchange")
        || addr == "no-reply@sns.amazonaws.com"
        || (local == "no-reply" && domain.ends_with(".dion.ne.jp"))
}

/// What the headers alone say.
struct Signs {
    /// Content-Type: multipart/report; report-type=delivery-status.
    dsn: bool,
    daemon: bool,
    subject: Option<(&'static str, Sense)>,
    /// Exim's X-Failed-Recipients header.
    failed_recipients: Option<String>,
}

impl Signs {
    fn read(msg: &Message, head: &Head) -> Signs {
        let dsn = msg.root_part().content_type().is_some_and(|ct| {
            ct.c_type.eq_ignore_ascii_case("multipart")
                && ct
                    .c_subtype
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
                && ct.attribute("report-type").is_some_and(|t| {
                    t.eq_ignore_ascii_case("delivery-status")
                        || t.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        let subject = head.subject.as_deref().and_then(|s| {
            let s = s.to_lowercase();
            SUBJECTS.iter().find(|(p, _)| s.contains(p)).copied()
        });
        Signs {
            dsn,
            daemon: head.from.as_deref().is_some_and(is_daemon),
            subject,
            failed_recipients: super::header(msg, "X-Failed-Recipients")
                .and_then(|v| addresses(&v.to_ascii_lowercase()).next()),
        }
    }

    fn any(&self) -> bool {
        self.dsn || self.daemon || self.subject.is_some() || self.failed_recipients.is_some()
    }

    fn evidence(&self, head: &Head) -> Vec<String> {
        let mut ev = Vec::new();
        if self.dsn {
            ev.push("Content-Type: multipart/report; report-type=delivery-status".to_string());
        }
        if let Some(from) = head.from.as_deref().filter(|_| self.daemon) {
            ev.push(format!("sent by a mail system ({from})"));
        }
        if let Some((phrase, _)) = self.subject {
            ev.push(format!(
                "subject reads like a delivery report (\"{phrase}\")"
            ));
        }
        if let Some(a) = &self.failed_recipients {
            ev.push(format!("X-Failed-Recipients: {a}"));
        }
        ev
    }

    /// The verdict when the body has nothing to say (or wasn't fetched).
    fn verdict(&self) -> Verdict {
        match self.subject {
            Some((_, Sense::Delay)) if self.dsn || self.daemon => Verdict::Delayed,
            Some((_, Sense::Format)) if self.dsn => Verdict::Delivered,
            _ if self.dsn || self.failed_recipients.is_some() => Verdict::Failed,
            Some((_, Sense::Failure)) if self.daemon => Verdict::Failed,
            _ => Verdict::NotReport,
        }
    }
}

/// Whether the headers leave open that this is a delivery report, so the
/// body must be read to settle it and to find the failed address.
pub(super) fn possible(msg: &Message, head: &Head) -> bool {
    Signs::read(msg, head).any()
}

/// Reads a message (headers only, or whole) as a delivery report.
pub(super) fn read(msg: &Message, head: &Head, known: &Known) -> Report {
    let signs = Signs::read(msg, head);
    let mut report = Report {
        verdict: Verdict::NotReport,
        evidence: Vec::new(),
        failed: None,
        reason: None,
        original_ids: Vec::new(),
        headers_only: false,
    };
    if !signs.any() {
        return report;
    }
    report.evidence = signs.evidence(head);
    report.original_ids = original_ids(msg);

    let text = Text::of(msg);
    let mut recipients = dsn_recipients(msg);
    if recipients.is_empty() {
        if let Some((mut r, mut ids)) = ses_event(&text.text) {
            report
                .evidence
                .push("Amazon SES notification (JSON)".to_string());
            recipients.append(&mut r);
            report.original_ids.append(&mut ids);
        } else {
            recipients = text.dsn_fields();
            if !recipients.is_empty() {
                report
                    .evidence
                    .push("delivery-status fields in the report's text".to_string());
            }
        }
    }
    report.headers_only = recipients.is_empty() && text.is_empty();
    let from_text = recipients.is_empty();
    let failed = || recipients.iter().filter(|r| r.failed());
    report.verdict = if let Some(r) = failed()
        .find(|r| !r.temporary())
        .or_else(|| failed().next())
    {
        report.evidence.push(format!(
            "delivery-status report: {} for {}",
            r.describe(),
            r.address
        ));
        report.failed = Some(r.address.clone());
        report.reason = r.reason();
        if r.temporary() {
            Verdict::Temporary
        } else {
            Verdict::Failed
        }
    } else if let Some(r) = recipients.iter().find(|r| r.delayed()) {
        report
            .evidence
            .push(format!("delay notice: {} for {}", r.describe(), r.address));
        report.failed = Some(r.address.clone());
        Verdict::Delayed
    } else if let Some(r) = recipients.first() {
        report.evidence.push(format!(
            "delivery-status report: {} for {}",
            r.describe(),
            r.address
        ));
        Verdict::Delivered
    } else {
        let hits: Vec<_> = PHRASES
            .iter()
            .filter(|(p, _, _)| text.lower.contains(p))
            .collect();
        for (phrase, mta, sense) in &hits {
            let what = match sense {
                Sense::Delay => "delay notice",
                Sense::Success => "success notice",
                _ => "report text",
            };
            report.evidence.push(format!("{mta} {what}: \"{phrase}\""));
        }
        let any = |sense| hits.iter().any(|(_, _, s)| *s == sense);
        if any(Sense::Delay) {
            Verdict::Delayed
        } else if any(Sense::Failure) {
            Verdict::Failed
        } else if any(Sense::Success) {
            Verdict::Delivered
        } else {
            signs.verdict()
        }
    };
    report.original_ids.extend(text.message_ids());
    report.original_ids.extend(head.in_reply_to.iter().cloned());
    report
        .original_ids
        .extend(head.references.iter().rev().cloned());
    if report.verdict == Verdict::Failed && from_text {
        report.failed = text
            .forwarded_from()
            .or_else(|| signs.failed_recipients.clone())
            .or_else(|| text.failed_address(head, known, &report.original_ids));
        report.reason = text.reason();
        if let Some(why) = text.temporary(report.reason.as_deref()) {
            report
                .evidence
                .push(format!("the report says it may pass: {why}"));
            report.verdict = Verdict::Temporary;
            report.reason.get_or_insert(why);
        }
    }
    report
}

/// A status code (5.1.1) that means the failure may pass: class 4, or a
/// full mailbox (X.2.2).
fn temporary_code(code: &str) -> bool {
    code.starts_with('4') || code.get(1..).is_some_and(|c| c.starts_with(".2.2"))
}

/// Amazon SES's bounce and delivery notifications, sent as JSON (through
/// Amazon SNS, or as the event itself): the recipients as delivery-status
/// blocks, and the Message-IDs of the message it is about.
fn ses_event(text: &str) -> Option<(Vec<Recipient>, Vec<String>)> {
    use serde_json::Value;
    let json = text.trim_start();
    if !json.starts_with('{') {
        return None;
    }
    let outer = serde_json::Deserializer::from_str(json)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    let event: Value = match outer.get("Message").and_then(Value::as_str) {
        Some(inner) => serde_json::from_str(inner).ok()?,
        None => outer,
    };
    let kind = event
        .get("notificationType")
        .or_else(|| event.get("eventType"))
        .and_then(Value::as_str)?;
    let str_of = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let recipients = match kind {
        "Bounce" => {
            let bounce = event.get("bounce")?;
            let transient = str_of(bounce, "bounceType") != "Permanent";
            bounce
                .get("bouncedRecipients")?
                .as_array()?
                .iter()
                .map(|r| Recipient {
                    address: str_of(r, "emailAddress").to_ascii_lowercase(),
                    action: "failed".to_string(),
                    status: str_of(r, "status"),
                    diagnostic: str_of(r, "diagnosticCode"),
                    transient,
                })
                .collect()
        }
        "Delivery" => event
            .get("delivery")?
            .get("recipients")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(|a| Recipient {
                address: a.to_ascii_lowercase(),
                action: "delivered".to_string(),
                ..Recipient::default()
            })
            .collect(),
        _ => return None,
    };
    let mail = event.get("mail");
    let ids = mail
        .and_then(|m| m.get("commonHeaders"))
        .map(|h| str_of(h, "messageId"))
        .into_iter()
        .chain(
            mail.and_then(|m| m.get("headers"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|h| str_of(h, "name").eq_ignore_ascii_case("message-id"))
                .map(|h| str_of(h, "value")),
        )
        .filter(|id| id.contains('@'))
        .map(|id| strip_id(&id))
        .collect();
    Some((recipients, ids))
}

/// One recipient's block of a delivery-status part.
#[derive(Debug, Default)]
struct Recipient {
    address: String,
    action: String,
    status: String,
    diagnostic: String,
    /// Said to be temporary by the report itself (Amazon SES's "Transient").
    transient: bool,
}

impl Recipient {
    fn failed(&self) -> bool {
        self.action == "failed" || self.status.starts_with('5')
    }

    /// A failure that may pass: a class-4 or mailbox-full status (from the
    /// Status field, else the diagnostic), or words that say so.
    fn temporary(&self) -> bool {
        let code = if self.status.is_empty() {
            status_code_at(self.diagnostic.as_bytes())
                .map(|(at, len)| &self.diagnostic[at..at + len])
        } else {
            Some(self.status.as_str())
        };
        let diagnostic = self.diagnostic.to_ascii_lowercase();
        self.transient
            || code.is_some_and(temporary_code)
            || TEMPORARY.iter().any(|p| diagnostic.contains(p))
    }

    fn delayed(&self) -> bool {
        self.action == "delayed" || self.status.starts_with('4')
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.action.is_empty() {
            parts.push(format!("Action: {}", self.action));
        }
        if !self.status.is_empty() {
            parts.push(format!("Status: {}", self.status));
        }
        parts.join(", ")
    }

    fn reason(&self) -> Option<String> {
        let diagnostic = self
            .diagnostic
            .split_once(';')
            .map_or(self.diagnostic.as_str(), |(_, d)| d)
            .trim();
        status_reason(diagnostic).or_else(|| {
            let both = format!("{} {diagnostic}", self.status);
            let both = both.trim();
            (!both.is_empty()).then(|| shorten(both))
        })
    }
}

/// The per-recipient blocks of every message/delivery-status part.
fn dsn_recipients(msg: &Message) -> Vec<Recipient> {
    let mut found = Vec::new();
    for part in &msg.parts {
        let is_dsn = part.is_content_type("message", "delivery-status")
            || part.is_content_type("message", "global-delivery-status");
        if !is_dsn {
            continue;
        }
        let text = String::from_utf8_lossy(part.contents());
        for block in text.replace("\r\n", "\n").split("\n\n") {
            let mut r = Recipient::default();
            for (name, value) in fields(block) {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "final-recipient" => r.address = address_field(value),
                    "original-recipient" if r.address.is_empty() => {
                        r.address = address_field(value)
                    }
                    "action" => r.action = value.to_ascii_lowercase(),
                    "status" => r.status = value.to_string(),
                    "diagnostic-code" => r.diagnostic = value.to_string(),
                    _ => {}
                }
            }
            if !r.address.is_empty() || !r.action.is_empty() {
                found.push(r);
            }
        }
    }
    found
}

/// "rfc822; Okafor@Example.org" → "okafor@example.org".
fn address_field(value: &str) -> String {
    let addr = value.split_once(';').map_or(value, |(_, a)| a);
    addr.trim()
        .trim_matches(|c| c == '<' || c == '>')
        .to_ascii_lowercase()
}

/// The header-style fields of a block, continuation lines unfolded.
fn fields(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.to_string()));
        }
    }
    out
}

/// Message-IDs of the bounced message from an attached copy or its
/// headers (message/rfc822, text/rfc822-headers).
fn original_ids(msg: &Message) -> Vec<String> {
    let mut ids = Vec::new();
    for part in &msg.parts {
        if let PartType::Message(inner) = &part.body {
            ids.extend(inner.message_id().map(strip_id));
        } else if part.is_content_type("text", "rfc822-headers")
            || part.is_content_type("message", "rfc822-headers")
        {
            ids.extend(
                MessageParser::default()
                    .parse_headers(part.contents())
                    .and_then(|h| h.message_id().map(strip_id)),
            );
        }
    }
    ids
}

/// The human-readable text of a report, one line per line with runs of
/// blanks collapsed, and a twin for searching: ASCII lower case with line
/// breaks as spaces, so phrases match across wrapped lines and a position
/// in one is the same position in the other.
struct Text {
    text: String,
    lower: String,
}

impl Text {
    fn of(msg: &Message) -> Text {
        let mut text = String::new();
        for part in &msg.parts {
            let piece = match &part.body {
                PartType::Text(t) => t.to_string(),
                PartType::Html(h) => mail_parser::decoders::html::html_to_text(h),
                _ => continue,
            };
            text.push_str(&piece);
            text.push('\n');
            if text.len() >= TEXT_LIMIT {
                break;
            }
        }
        Text::new(&text[..floor_boundary(&text, TEXT_LIMIT)])
    }

    fn new(raw: &str) -> Text {
        let mut text = String::new();
        for line in raw.lines() {
            let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if !line.is_empty() {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let lower = text.to_ascii_lowercase().replace('\n', " ");
        Text { text, lower }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Message-IDs named in "Message-ID:" lines of a quoted original.
    fn message_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for (at, _) in self.lower.match_indices("message-id:") {
            let rest = &self.text[at + "message-id:".len()..];
            let id = rest.split_whitespace().next().unwrap_or_default();
            if id.starts_with('<') && id.contains('@') {
                ids.push(strip_id(id));
            }
        }
        ids
    }

    /// The address that failed, from the report's prose: after a lead
    /// phrase, else any address we wrote to, else the first address that is
    /// neither ours, the sender's, a mail system's nor a Message-ID.
    fn failed_address(&self, head: &Head, known: &Known, ids: &[String]) -> Option<String> {
        let after_lead = LEADS.iter().find_map(|lead| {
            let at = self.lower.find(lead)? + lead.len();
            let end = floor_boundary(&self.lower, at + 300);
            addresses(&self.lower[at..end]).find(|a| !is_daemon(a) && !known.is_own(a))
        });
        let wrote_to = || {
            addresses(&self.lower).find(|a| {
                known
                    .sent
                    .iter()
                    .any(|o| o.recipient.eq_ignore_ascii_case(a))
                    || known.contact_of(a).is_some()
            })
        };
        let any = || {
            addresses(&self.lower).find(|a| {
                !is_daemon(a)
                    && !known.is_own(a)
                    && head.from.as_deref() != Some(a.as_str())
                    && !ids.iter().any(|id| id.eq_ignore_ascii_case(a))
            })
        };
        after_lead.or_else(wrote_to).or_else(any)
    }

    /// The first enhanced status code (RFC 3463, e.g. 5.1.1) and the words
    /// after it.
    fn reason(&self) -> Option<String> {
        status_reason(&self.text)
    }

    /// Delivery-status fields written in the text itself (Amazon SES sends
    /// them so): a recipient's block starts where a field repeats.
    fn dsn_fields(&self) -> Vec<Recipient> {
        let mut found: Vec<Recipient> = Vec::new();
        if !self.lower.contains("final-recipient:") {
            return found;
        }
        let mut r = Recipient::default();
        for line in self.text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            let name = name.to_ascii_lowercase();
            let taken = match name.as_str() {
                "final-recipient" => &r.address,
                "action" => &r.action,
                "status" => &r.status,
                "diagnostic-code" => &r.diagnostic,
                _ => continue,
            };
            if !taken.is_empty() {
                found.push(std::mem::take(&mut r));
            }
            match name.as_str() {
                "final-recipient" => r.address = address_field(value),
                "action" => r.action = value.to_ascii_lowercase(),
                "status" => r.status = value.to_string(),
                _ => r.diagnostic = value.to_string(),
            }
        }
        found.push(r);
        found.retain(|r| r.address.contains('@'));
        found
    }

    /// The address a forwarded one was made from (Exim's "(generated from
    /// a@b)"): the one we wrote to.
    fn forwarded_from(&self) -> Option<String> {
        let at = self.lower.find("(generated from ")?;
        let end = floor_boundary(&self.lower, at + 200);
        addresses(&self.lower[at..end]).next()
    }

    /// Why a failure report reads as one that may pass: its status code,
    /// else the words that say so.
    fn temporary(&self, reason: Option<&str>) -> Option<String> {
        let code = reason
            .and_then(|r| r.split(' ').next())
            .filter(|c| temporary_code(c));
        match code {
            Some(code) => Some(format!("status {code}")),
            None => TEMPORARY
                .iter()
                .find(|p| self.lower.contains(*p))
                .map(|p| format!("\"{p}\"")),
        }
    }
}

/// "… said: 550 5.1.1 <a@b>: User unknown" → "5.1.1 User unknown": the
/// first enhanced status code (RFC 3463) and the rest of its line.
fn status_reason(text: &str) -> Option<String> {
    let (at, len) = status_code_at(text.as_bytes())?;
    let (code, rest) = text[at..].split_at(len);
    let mut rest = rest.lines().next().unwrap_or_default().trim_start();
    // The address is already in the summary; the words after it say why
    // ("<a@b>: User unknown", Sendmail's "<a@b>... User unknown").
    if rest.starts_with('<') {
        if let Some(end) = rest.find('>') {
            rest = rest[end + 1..].trim_start_matches([':', '.']).trim_start();
        }
    }
    // What closes the code's brackets: Exchange 2003's "<host #5.1.1>",
    // qmail's "(#5.1.1)".
    let rest = rest.trim_start_matches(['>', ')', ']']);
    let mut rest = rest.trim_end_matches(|c: char| c.is_whitespace() || c == '\'' || c == '"');
    for (open, close) in [('(', ')'), ('[', ']')] {
        if !rest.contains(open) {
            rest = rest.trim_end_matches(close);
        }
    }
    Some(shorten(format!("{code} {rest}").trim()))
}

/// Where the first status code ("5.1.1", "5.1.10", "4.4.7") starts, and
/// its length; the digits around it must not make it part of an IP
/// address or a version number.
fn status_code_at(b: &[u8]) -> Option<(usize, usize)> {
    let digits = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    (0..b.len()).find_map(|i| {
        if !matches!(b[i], b'4' | b'5') || b.get(i + 1) != Some(&b'.') {
            return None;
        }
        if i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
            return None;
        }
        let second = digits(i + 2);
        let dot = i + 2 + second;
        if !(1..=3).contains(&second) || b.get(dot) != Some(&b'.') {
            return None;
        }
        let third = digits(dot + 1);
        let end = dot + 1 + third;
        let dotted_on = b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit);
        ((1..=3).contains(&third) && !dotted_on).then_some((i, end - i))
    })
}

/// At most 60 characters, on one line.
fn shorten(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= 60 {
        s
    } else {
        let cut: String = s.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The largest char boundary of `s` at or below `at`.
fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Email addresses in lower-case text, in order: a local part and a dotted
/// domain around each '@'.
fn addresses(lower: &str) -> impl Iterator<Item = String> + '_ {
    let b = lower.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-=".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    lower.match_indices('@').filter_map(move |(at, _)| {
        let start = (0..at).rev().take_while(|&i| local(b[i])).last()?;
        let end = (at + 1..b.len())
            .take_while(|&i| domain(b[i]))
            .last()
            .map(|i| i + 1)?;
        let addr = lower[start..end].trim_matches('.');
        let (l, d) = addr.split_once('@')?;
        (!l.is_empty() && d.contains('.') && !d.starts_with('.')).then(|| addr.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_head() -> Head {
        Head::default()
    }

    fn nobody() -> Known<'static> {
        Known {
            own_addresses: &[],
            contacts: &[],
            sent: &[],
        }
    }

    #[test]
    fn failed_address_from_each_mta_prose() {
        for (body, want) in [
            (
                "Delivery has failed to these recipients or groups:\r\n\r\n\
                 okafor@hospital.example.org (okafor@hospital.example.org)\r\n\
                 Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
                "okafor@hospital.example.org",
            ),
            (
                "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n  \
                 okafor@hospital.example.org\r\n    host mx.hospital.example.org [192.0.2.1]",
                "okafor@hospital.example.org",
            ),
            (
                "Your message to Okafor@Hospital.example.org couldn't be delivered.",
                "okafor@hospital.example.org",
            ),
            (
                "** Address not found **\r\n\r\nYour message wasn't delivered to \
                 okafor@hospital.example.org because the address couldn't be found",
                "okafor@hospital.example.org",
            ),
            (
                "Delivery to the following recipient failed permanently:\r\n\r\n     \
                 okafor@hospital.example.org\r\n",
                "okafor@hospital.example.org",
            ),
        ] {
            let t = Text::new(body);
            assert_eq!(
                t.failed_address(&empty_head(), &nobody(), &[]).as_deref(),
                Some(want),
                "{body}"
            );
        }
    }

    #[test]
    fn reason_from_exchange_text() {
        let t =
            Text::new("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'");
        assert_eq!(
            t.reason().as_deref(),
            Some("5.1.1 RESOLVER.ADR.RecipNotFound; not found")
        );
    }

    #[test]
    fn status_codes_are_not_read_from_ip_addresses() {
        assert_eq!(status_code_at(b"host [192.0.2.5] said 550"), None);
        assert_eq!(status_code_at(b"relay 5.6.7.8 refused"), None);
        assert_eq!(status_code_at(b"said: 550 5.1.1 x"), Some((10, 5)));
        assert_eq!(status_code_at(b"Status: 5.1.10."), Some((8, 6)));
    }

    #[test]
    fn addresses_in_text() {
        let found: Vec<_> = addresses("to <a.b@x.example.org>: and c@d, e@f.org. @ x@").collect();
        assert_eq!(found, ["a.b@x.example.org", "e@f.org"]);
    }
}
