//! The fuzz targets' bodies, as plain functions of the input bytes, so that
//! libFuzzer (`fuzz_targets/*.rs`) and the regression tests
//! (`tests/fuzz.rs`, over `fuzz/corpus/` seeds and `fuzz/regressions/`)
//! run the same code. Each one panics when an invariant fails.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::{HeaderName, HeaderValue, MessageParser};

use outreach::classify::{self, Known, Ours};
use outreach::config::{Config, Me};
use outreach::contact::{self, Contact, NO_EMAIL_TAG};
use outreach::import::{self, Format, Options};
use outreach::message::{self, Threading};
use outreach::template::{Input, Kind, Rendered, Templates, Thread};

/// A fuzz target: panics when an invariant fails.
pub type Target = fn(&[u8]);

/// Every target by name, as `scripts/fuzz` and the tests know them.
pub const TARGETS: &[(&str, Target)] = &[
    ("contacts", contacts),
    ("config", config),
    ("template", template),
    ("classify", classify),
    ("return_date", return_date),
    ("compose", compose),
    ("import", import),
];

/// A contacts file: parsed, checked, and every problem written out.
pub fn contacts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = PathBuf::from("contacts/fuzz.yaml");
    let mut list = Vec::new();
    let mut problems = Vec::new();
    contact::parse_file(&file, &text, &mut list, &mut problems);
    let texts = HashMap::from([(file, text.into_owned())]);
    contact::check_all(&list, &texts, &mut problems);
    for p in &problems {
        let _ = p.to_string();
    }
    for c in &list {
        let _ = c.salutation();
        let _ = c.addresses().count();
        let _ = c.cadence_days();
        let _ = c.zone(chrono_tz::UTC);
    }
}

/// An outreach.yaml: parsed and checked; a valid one is asked everything
/// the commands ask of it.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Config::parse(&text) {
        Ok(c) => {
            let _ = c.zone();
            let _ = c.domain();
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused config names its problem");
            for p in &problems {
                let _ = p.to_string();
            }
        }
    }
}

/// Splits fuzz input into `n` parts at NUL bytes (missing parts are empty).
fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
        .unwrap()
        .to_utc()
}

fn me(name: &str, email: &str) -> Me {
    Me {
        name: name.to_string(),
        email: email.to_string(),
        country: Some("Nigeria".into()),
        specialty: Some("cardiology".into()),
        position: None,
        credentials: Some("MBBS".into()),
        phone: None,
        vars: Default::default(),
    }
}

fn sample_contact() -> Contact {
    let mut list = Vec::new();
    let mut problems = Vec::new();
    contact::parse_file(
        Path::new("contacts/okafor.yaml"),
        "name: Chidi Okafor\ntitle: Dr.\nemail: c.okafor@example.org\nmet:\n  event: ACC\n  topic: heart failure\n",
        &mut list,
        &mut problems,
    );
    list.pop().expect("the sample contact parses")
}

/// A template, a partial and a contact file (NUL-separated): the template
/// is compiled, and rendered for each contact that loads; what renders
/// becomes an email that must read back with exactly its headers.
pub fn template(data: &[u8]) {
    let p = parts(data, 3);
    let (templates, _problems) = Templates::from_sources(
        &[(
            PathBuf::from("templates/partials/signature.hbs"),
            p[1].clone(),
        )],
        &[(PathBuf::from("templates/fuzz.hbs"), p[0].clone())],
    );
    let mut list = Vec::new();
    let mut problems = Vec::new();
    contact::parse_file(
        Path::new("contacts/fuzz.yaml"),
        &p[2],
        &mut list,
        &mut problems,
    );
    list.push(sample_contact());
    let me = me("Amina Yusuf", "amina@example.org");
    let thread = Thread {
        subject: "A question".into(),
        sent_on: NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
        days_waiting: 14,
        step: 1,
    };
    for t in templates.list.values() {
        for c in &list {
            let _ = templates.missing_requirement(t, c);
            let input = Input {
                contact: c,
                me: &me,
                today: now().date_naive(),
                thread: (t.kind == Kind::FollowUp).then_some(&thread),
                occasion: None,
            };
            if let Ok(r) = templates.render(t, &input) {
                assert!(!r.subject.trim().is_empty(), "a blank subject rendered");
                assert!(
                    !r.subject.contains(['\r', '\n']),
                    "a subject with a line break"
                );
                let _ = outreach::lint::check_rendered(t, c, &r);
                round_trip(&me, c, &r, &Threading::default());
            }
        }
    }
}

/// A raw message, classified whole and by its header alone.
pub fn classify(data: &[u8]) {
    let own = vec!["amina@example.org".to_string()];
    let contacts = vec![
        (
            "okafor".to_string(),
            vec![
                "c.okafor@example.org".to_string(),
                "chidi@example.com".to_string(),
            ],
        ),
        ("li".to_string(), vec!["li@example.net".to_string()]),
    ];
    let sent = vec![Ours {
        message_id: "20261110140000.0123456789abcdef@example.org".into(),
        contact: "okafor".into(),
        recipient: "c.okafor@example.org".into(),
        sent_at: DateTime::parse_from_rfc3339("2026-11-10T14:00:00Z")
            .unwrap()
            .to_utc(),
    }];
    let known = Known {
        own_addresses: &own,
        contacts: &contacts,
        sent: &sent,
    };
    let whole = classify::classify(data, &known);
    let _ = serde_json::to_string(&whole).expect("a finding serializes");
    if matches!(whole.kind, classify::Kind::Reply) {
        assert!(whole.contact.is_some(), "a reply names its contact");
    }
    let end = find(data, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(data, b"\n\n").map(|i| i + 2))
        .unwrap_or(data.len());
    let header = &data[..end];
    let _ = classify::needs_body(header, &known);
    let _ = classify::classify_header(header, &known);
    let _ = classify::classify(header, &known);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An out-of-office text: a date it reads is never before the notice.
pub fn return_date(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let received = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    if let Some(d) = classify::return_date(&text, Some(received)) {
        assert!(d >= received, "return date {d} before the notice");
    }
    let _ = classify::return_date(&text, None);
}

/// Field values for one email (NUL-separated: sender name and address,
/// contact name and address, subject, body, then the References chain,
/// one Message-ID a line): built, or refused with an error, never a panic;
/// a built one reads back with exactly the headers set.
pub fn compose(data: &[u8]) {
    let p = parts(data, 7);
    let me = me(&p[0], &p[1]);
    let mut contact = sample_contact();
    contact.name = p[2].clone();
    contact.email = p[3].clone();
    let rendered = Rendered {
        subject: p[4].clone(),
        body: p[5].clone(),
    };
    let threading = Threading {
        references: p[6].lines().map(str::to_string).collect(),
    };
    round_trip(&me, &contact, &rendered, &threading);
}

/// Builds the email; if it builds, mail-parser must find in it exactly the
/// headers we set, with the values we set.
fn round_trip(me: &Me, contact: &Contact, rendered: &Rendered, threading: &Threading) {
    let id = message::message_id(&me.email, &contact.email, now(), "fuzz", 1);
    let Ok(email) = message::build(me, contact, rendered, now(), &id, threading) else {
        return;
    };
    let raw = email.formatted();
    let msg = MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("our message does not parse:\n{}", show(&raw)));
    let mut names: Vec<String> = msg
        .headers()
        .iter()
        .map(|h| h.name().to_ascii_lowercase())
        .collect();
    names.sort();
    let mut expected = vec![
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "subject",
        "to",
    ];
    if !threading.references.is_empty() {
        expected.extend(["in-reply-to", "references"]);
    }
    expected.sort_unstable();
    assert_eq!(names, expected, "headers of:\n{}", show(&raw));

    let one = |h: Option<&mail_parser::Address>| {
        let a = h.and_then(|a| a.first()).cloned();
        let a = a.unwrap_or_else(|| panic!("an address is lost in:\n{}", show(&raw)));
        (
            a.name.map(|n| n.into_owned()).unwrap_or_default(),
            a.address.map(|n| n.into_owned()).unwrap_or_default(),
        )
    };
    assert_eq!(
        one(msg.from()),
        (message::one_line(&me.name), me.email.clone()),
        "From of:\n{}",
        show(&raw)
    );
    assert_eq!(
        one(msg.to()),
        (message::one_line(&contact.name), contact.email.clone()),
        "To of:\n{}",
        show(&raw)
    );
    assert_eq!(
        msg.subject(),
        Some(message::one_line(&rendered.subject).as_str()),
        "Subject of:\n{}",
        show(&raw)
    );
    assert_eq!(msg.message_id(), Some(id.as_str()));
    if let Some(last) = threading.references.last() {
        let irt = match msg.header(HeaderName::InReplyTo) {
            Some(HeaderValue::Text(t)) => vec![t.to_string()],
            Some(HeaderValue::TextList(l)) => l.iter().map(|t| t.to_string()).collect(),
            other => panic!("In-Reply-To {other:?} in:\n{}", show(&raw)),
        };
        assert_eq!(irt, vec![last.clone()], "In-Reply-To of:\n{}", show(&raw));
        let refs = match msg.header(HeaderName::References) {
            Some(HeaderValue::Text(t)) => vec![t.to_string()],
            Some(HeaderValue::TextList(l)) => l.iter().map(|t| t.to_string()).collect(),
            other => panic!("References {other:?} in:\n{}", show(&raw)),
        };
        assert_eq!(refs, threading.references, "References of:\n{}", show(&raw));
    }
}

fn show(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// The name the `import` target's input stands under.
const EXPORT: &str = "exports/export.csv";

/// An export file after one byte of options (bits 0-2 the format, 3
/// `--keep-no-email`, 4-6 `--encoding`), planned as `outreach import`
/// plans it: decoded, its format detected, parsed, and each person
/// rendered as YAML. It is refused for its own content, or every new file
/// loads as the contact it was planned as, under a safe, unused id.
pub fn import(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let formats = [
        Format::Auto,
        Format::Csv,
        Format::Linkedin,
        Format::Google,
        Format::Outlook,
        Format::Vcard,
        Format::Auto,
        Format::Auto,
    ];
    let encodings = [
        None,
        None,
        None,
        Some("utf-8"),
        Some("utf-16le"),
        Some("utf-16be"),
        Some("windows-1252"),
        Some("shift_jis"),
    ];
    let opts = Options {
        format: formats[usize::from(pick & 7)],
        tags: vec!["fuzz".into()],
        keep_no_email: pick & 8 != 0,
        map: Vec::new(),
        encoding: encodings[usize::from(pick >> 4 & 7)].map(str::to_string),
        today: now().date_naive(),
    };
    let plan = match import::plan_bytes(EXPORT, bytes, &opts) {
        Ok(plan) => plan,
        Err(e) => {
            // Decoding and reading errors name the input; one naming a
            // file the import wrote means its own output does not load.
            let message = format!("{e:#}");
            assert!(
                message.starts_with(EXPORT),
                "the import failed on what it wrote:\n{message}"
            );
            return;
        }
    };
    assert_eq!(plan.files.len(), 1, "one file read: {:?}", plan.files);
    let mut ids = std::collections::HashSet::new();
    for new in &plan.new {
        let id = new.id.as_str();
        assert!(
            !id.is_empty() && !id.contains(['/', '\\']) && id != "." && id != "..",
            "an unsafe id `{id}`"
        );
        assert!(contact::valid_id(id), "an invalid id `{id}`");
        assert!(ids.insert(id.to_ascii_lowercase()), "the id `{id}` twice");
        assert_eq!(new.file, Path::new("contacts").join(format!("{id}.yaml")));
        if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(&new.text) {
            panic!("not YAML ({e}):\n{}", new.text);
        }
        let mut list = Vec::new();
        let mut problems = Vec::new();
        contact::parse_file(&new.file, &new.text, &mut list, &mut problems);
        let texts = HashMap::from([(new.file.clone(), new.text.clone())]);
        contact::check_all(&list, &texts, &mut problems);
        let errors: Vec<String> = problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in:\n{}", new.text);
        let [c] = &list[..] else {
            panic!("{} contacts in:\n{}", list.len(), new.text);
        };
        assert_eq!(c.id, id);
        assert_eq!(c.name, new.name, "the name of:\n{}", new.text);
        assert_eq!(
            c.email,
            new.email.clone().unwrap_or_default(),
            "the email of:\n{}",
            new.text
        );
        assert!(
            c.tags.iter().any(|t| t == "fuzz"),
            "a tag lost:\n{}",
            new.text
        );
        if c.email.is_empty() {
            assert!(opts.keep_no_email, "kept without email:\n{}", new.text);
            assert!(c.tags.iter().any(|t| t == NO_EMAIL_TAG));
        }
    }
}
