//! vCard files (2.1, 3.0, 4.0; many cards per file), read with the
//! `calcard` parser: it unfolds lines, decodes quoted-printable values and
//! their CHARSET, and keeps Apple's and Google's `item1.` groups.

use calcard::vcard::{VCard, VCardEntry, VCardParameterName, VCardProperty, VCardValue};
use calcard::{Entry, Parser};

use super::names::{one_line, var_key};
use super::record::{NameParts, Record};
use super::{Format, Parsed, Skip};

/// Whether `text` is a vCard file: its first line begins a card.
pub fn looks_like(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"))
}

pub fn read(text: &str) -> Parsed {
    let starts = card_lines(text);
    let mut out = Parsed {
        format: Format::Vcard,
        source_tag: "vcard",
        records: Vec::new(),
        skipped: Vec::new(),
    };
    let mut parser = Parser::new(text);
    let mut number = 0;
    loop {
        let entry = parser.entry();
        let line = |n: usize| starts.get(n.saturating_sub(1)).copied().unwrap_or(0);
        match entry {
            Entry::VCard(card) => {
                number += 1;
                let line = line(number);
                if is_group(&card) {
                    out.skipped.push(Skip {
                        number,
                        line,
                        name: first_text(&card, &VCardProperty::Fn).unwrap_or_default(),
                        why: "a contact group, not a person".to_string(),
                    });
                    continue;
                }
                let mut rec = map_card(&card);
                rec.number = number;
                rec.line = line;
                if rec.name.is_empty() {
                    let what = if rec.emails.is_empty() {
                        String::new()
                    } else {
                        format!(" (only {})", rec.emails.join(", "))
                    };
                    out.skipped.push(Skip {
                        number,
                        line,
                        name: String::new(),
                        why: format!("no name: neither FN nor N{what}"),
                    });
                    continue;
                }
                out.records.push(rec);
            }
            Entry::Eof => break,
            Entry::InvalidLine(text) => out.skipped.push(Skip {
                number: number + 1,
                line: line(number + 1),
                name: String::new(),
                why: format!("not part of a card: `{}`", one_line(&text)),
            }),
            Entry::UnterminatedComponent(_) => {
                number += 1;
                out.skipped.push(Skip {
                    number,
                    line: line(number),
                    name: String::new(),
                    why: "the card has no END:VCARD".to_string(),
                });
                break;
            }
            other => {
                number += 1;
                out.skipped.push(Skip {
                    number,
                    line: line(number),
                    name: String::new(),
                    why: format!("not a vCard ({other:?})"),
                });
            }
        }
    }
    out
}

/// The 1-based lines where cards begin.
fn card_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case("BEGIN:VCARD")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Apple's group cards (X-ADDRESSBOOKSERVER-KIND:group) and vCard 4.0's
/// KIND:group.
fn is_group(card: &VCard) -> bool {
    card.entries.iter().any(|e| {
        let kind = match &e.name {
            VCardProperty::Kind => true,
            VCardProperty::Other(n) => n.eq_ignore_ascii_case("X-ADDRESSBOOKSERVER-KIND"),
            _ => false,
        };
        kind && e
            .values
            .first()
            .and_then(VCardValue::as_text)
            .is_some_and(|v| v.eq_ignore_ascii_case("group"))
    })
}

/// Each value of an entry as text (a list component joined by spaces).
fn texts(e: &VCardEntry) -> Vec<String> {
    e.values
        .iter()
        .map(|v| match v {
            VCardValue::Component(parts) => parts.join(" "),
            other => other.as_text().unwrap_or_default().to_string(),
        })
        .collect()
}

fn first_text(card: &VCard, prop: &VCardProperty) -> Option<String> {
    card.properties(prop)
        .map(|e| texts(e).join(" ").trim().to_string())
        .find(|t| !t.is_empty())
}

fn is_preferred(e: &VCardEntry) -> bool {
    e.params.iter().any(|p| match &p.name {
        VCardParameterName::Pref => true,
        VCardParameterName::Type => p
            .value
            .as_text()
            .is_some_and(|t| t.eq_ignore_ascii_case("pref")),
        _ => false,
    })
}

fn map_card(card: &VCard) -> Record {
    let mut rec = Record::default();
    let n: Vec<String> = card
        .property(&VCardProperty::N)
        .map(texts)
        .unwrap_or_default();
    let part = |i: usize| {
        n.get(i)
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let full = first_text(card, &VCardProperty::Fn);
    // FN is the name as the person writes it (李明, not 明 李); N's parts
    // are the fallback and give the honorific and credentials.
    rec.set_name(NameParts {
        full: full.as_deref(),
        first: if full.is_some() { None } else { part(1) },
        middle: if full.is_some() { None } else { part(2) },
        last: if full.is_some() { None } else { part(0) },
        prefix: part(3),
        suffix: part(4).filter(|s| full.as_deref().is_none_or(|f| !f.contains(s.trim()))),
    });
    for e in card.properties(&VCardProperty::Email) {
        let addr = texts(e).join("");
        if is_preferred(e) {
            rec.add_emails(&format!("* {}", addr.trim()));
        } else {
            rec.add_emails(&addr);
        }
    }
    if let Some(org) = card.property(&VCardProperty::Org) {
        let parts = texts(org);
        if let Some(o) = parts.first() {
            Record::set_text(&mut rec.institution, o);
        }
        for d in parts.iter().skip(1) {
            rec.set_var("department", d);
        }
    }
    if let Some(t) = first_text(card, &VCardProperty::Title) {
        Record::set_text(&mut rec.role, &t);
    }
    if let Some(r) = first_text(card, &VCardProperty::Role) {
        if rec.role.is_none() {
            Record::set_text(&mut rec.role, &r);
        } else {
            rec.set_var("function", &r);
        }
    }
    for e in card.properties(&VCardProperty::Note) {
        rec.add_note(&texts(e).join(" "));
    }
    for e in card.properties(&VCardProperty::Categories) {
        for c in texts(e) {
            rec.add_labels(&c);
        }
    }
    for e in card.properties(&VCardProperty::Tel) {
        rec.set_var("phone", &texts(e).join(""));
    }
    for e in card.properties(&VCardProperty::Url) {
        let u = texts(e).join("");
        if u.to_ascii_lowercase().contains("linkedin.com/in/") {
            rec.set_linkedin(&u);
        } else {
            rec.set_var("website", &u);
        }
    }
    if let Some(nick) = first_text(card, &VCardProperty::Nickname) {
        rec.set_var("nickname", &nick);
    }
    if let Some(uid) = card.uid() {
        rec.set_var("vcard_uid", uid);
    }
    for e in &card.entries {
        if let VCardProperty::Other(name) = &e.name {
            let lower = name.to_ascii_lowercase();
            if lower == "x-socialprofile" || lower.starts_with("x-linkedin") {
                let v = texts(e).join("");
                if v.to_ascii_lowercase().contains("linkedin.com/in/") {
                    rec.set_linkedin(&v);
                }
            } else if lower == "x-specialty" {
                Record::set_text(&mut rec.specialty, &texts(e).join(" "));
            } else if lower == "x-timezone" {
                rec.set_timezone(&texts(e).join(""));
            } else if !lower.starts_with("x-ab") && !lower.starts_with("x-addressbookserver") {
                let key = var_key(lower.trim_start_matches("x-"));
                rec.set_var(&key, &texts(e).join(" "));
            }
        }
    }
    rec
}
