//! One person read from an export, before it becomes a contact: the
//! mapping rules every format shares (name, title, addresses, tags, vars).

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::contact::{control_char, describe_control, valid_address};

use super::names::{self, clean, honorific};

/// One row or card, mapped to contact fields.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// 1-based: the data row after the header, or the card.
    pub number: usize,
    /// The 1-based line of the file where it starts.
    pub line: usize,
    pub name: String,
    pub title: Option<String>,
    /// Why the title was set when no honorific was written ("PhD").
    pub title_from: Option<String>,
    pub salutation: Option<String>,
    /// The primary address first.
    pub emails: Vec<String>,
    pub institution: Option<String>,
    pub role: Option<String>,
    pub specialty: Option<String>,
    pub timezone: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub vars: BTreeMap<String, String>,
    /// What was read but left out, for the report.
    pub warnings: Vec<String>,
}

/// The parts of a name as an export gives them.
#[derive(Debug, Default)]
pub struct NameParts<'a> {
    pub full: Option<&'a str>,
    pub first: Option<&'a str>,
    pub middle: Option<&'a str>,
    pub last: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub suffix: Option<&'a str>,
}

impl Record {
    /// Name, title and credentials: given + family name, or the full name;
    /// the title from a prefix, or "Dr." from a doctorate after the name.
    pub fn set_name(&mut self, parts: NameParts<'_>) {
        let joined = [parts.first, parts.middle, parts.last]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let full = if joined.is_empty() {
            parts.full.unwrap_or_default()
        } else {
            &joined
        };
        let mut cleaned = clean(full);
        if let Some(suffix) = parts.suffix.filter(|s| !s.trim().is_empty()) {
            let more = clean(&format!("X {suffix}"));
            if more.name == "X" {
                cleaned.credentials.extend(more.credentials);
            } else {
                // "Jr.", "III": part of the name.
                cleaned.name = format!("{} {}", cleaned.name, names::one_line(suffix));
            }
        }
        self.name = cleaned.name.clone();
        let prefix = parts.prefix.map(names::one_line).filter(|p| !p.is_empty());
        self.title = match prefix {
            Some(p) => Some(honorific(&p).map_or(p, str::to_string)),
            None => cleaned.honorific.clone(),
        };
        if self.title.is_none() {
            if let Some(degree) = cleaned.doctorate() {
                self.title = Some("Dr.".to_string());
                self.title_from = Some(degree.to_string());
            }
        }
        if !cleaned.credentials.is_empty() {
            self.set_var("credentials", &cleaned.credentials.join(", "));
        }
    }

    /// Adds the addresses in `cell` (Google joins several with " ::: " and
    /// marks the primary one with "* "), in order, the marked one first.
    /// Anything that is not an address is left out with a warning.
    pub fn add_emails(&mut self, cell: &str) {
        for part in cell.split(":::") {
            let part = part.trim();
            let (marked, value) = match part.strip_prefix("* ") {
                Some(v) => (true, v.trim()),
                None => (false, part),
            };
            let addr = value
                .strip_prefix("mailto:")
                .or_else(|| value.strip_prefix("MAILTO:"))
                .unwrap_or(value)
                .trim();
            if addr.is_empty() {
                continue;
            }
            if let Some(c) = control_char(addr) {
                self.warnings.push(format!(
                    "`{}` {}; left out",
                    addr.escape_debug(),
                    describe_control(c)
                ));
                continue;
            }
            if !valid_address(addr) {
                let what = if addr.starts_with("/O=") || addr.starts_with("/o=") {
                    "an Exchange X.500 address, not an email address"
                } else {
                    "not a valid email address"
                };
                self.warnings.push(format!("`{addr}` is {what}; left out"));
                continue;
            }
            if let Some(i) = self
                .emails
                .iter()
                .position(|e| e.eq_ignore_ascii_case(addr))
            {
                if marked {
                    let e = self.emails.remove(i);
                    self.emails.insert(0, e);
                }
                continue;
            }
            if marked {
                self.emails.insert(0, addr.to_string());
            } else {
                self.emails.push(addr.to_string());
            }
        }
    }

    /// Tags from a labels cell: " ::: " (Google), ";" (Outlook) or ","
    /// separated; Google's system labels are dropped.
    pub fn add_labels(&mut self, cell: &str) {
        for label in cell.split([';', ',']).flat_map(|s| s.split(":::")) {
            let label = label.trim().trim_start_matches("* ").trim();
            let key = names::squash(label);
            if key.is_empty() || matches!(key.as_str(), "mycontacts" | "starred" | "othercontacts")
            {
                continue;
            }
            self.add_tag(&names::tag(label));
        }
    }

    pub fn add_tag(&mut self, tag: &str) {
        if !tag.is_empty() && !self.tags.iter().any(|t| t == tag) {
            self.tags.push(tag.to_string());
        }
    }

    /// Sets `vars.KEY` to a non-blank value; a second value for the same
    /// key goes to KEY_2, KEY_3 …
    pub fn set_var(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if key.is_empty() || value.is_empty() {
            return;
        }
        let same_key =
            |k: &String| k == key || k.strip_prefix(key).is_some_and(|r| r.starts_with('_'));
        if self.vars.iter().any(|(k, v)| same_key(k) && v == value) {
            return;
        }
        let mut k = key.to_string();
        let mut n = 1;
        while self.vars.contains_key(&k) {
            n += 1;
            k = format!("{key}_{n}");
        }
        self.vars.insert(k, value.to_string());
    }

    /// Sets a one-line field unless it is blank or already set.
    pub fn set_text(slot: &mut Option<String>, value: &str) {
        let v = names::one_line(value);
        if slot.is_none() && !v.is_empty() {
            *slot = Some(v);
        }
    }

    /// Sets the time zone unless already set, if it is an IANA name
    /// ("Europe/Berlin"); anything else is left out with a warning: the
    /// written file would not load with it.
    pub fn set_timezone(&mut self, value: &str) {
        let v = names::one_line(value);
        if self.timezone.is_some() || v.is_empty() {
            return;
        }
        if chrono_tz::Tz::from_str(&v).is_ok() {
            self.timezone = Some(v);
        } else {
            self.warnings.push(format!(
                "`{v}` is not a time zone name such as America/Chicago; left out"
            ));
        }
    }

    /// Appends to the notes, keeping line breaks.
    pub fn add_note(&mut self, value: &str) {
        let v = value.trim().replace("\r\n", "\n");
        if v.is_empty() {
            return;
        }
        self.notes = Some(match self.notes.take() {
            Some(n) => format!("{n}\n{v}"),
            None => v,
        });
    }

    /// The LinkedIn profile, as written into `vars.linkedin`.
    pub fn set_linkedin(&mut self, url: &str) {
        if let Some(u) = normalize_linkedin(url) {
            self.vars.entry("linkedin".to_string()).or_insert(u);
        }
    }

    pub fn linkedin_key(&self) -> Option<String> {
        self.vars.get("linkedin").map(|u| linkedin_key(u))
    }

    pub fn uid(&self) -> Option<&str> {
        self.vars.get("vcard_uid").map(String::as_str)
    }
}

/// "HTTP://www.LinkedIn.com/in/Jane-Roe/?trk=x" →
/// "https://www.linkedin.com/in/jane-roe".
pub fn normalize_linkedin(url: &str) -> Option<String> {
    let u = url.trim();
    if u.is_empty() {
        return None;
    }
    let u = u
        .split(['?', '#'])
        .next()
        .unwrap_or(u)
        .trim_end_matches('/');
    let lower = u.to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    Some(format!("https://{rest}"))
}

/// The stable part of a profile URL: its slug after `/in/`, lower-cased.
pub fn linkedin_key(url: &str) -> String {
    let u = normalize_linkedin(url).unwrap_or_default();
    match u.split_once("/in/") {
        Some((_, slug)) => slug.split('/').next().unwrap_or(slug).to_string(),
        None => u
            .trim_start_matches("https://")
            .trim_start_matches("www.")
            .to_string(),
    }
}

/// "08 Feb 2026" and Excel's "29-Mar-21" as 2026-02-08 and 2021-03-29;
/// anything else as written.
pub fn iso_date(text: &str) -> String {
    let t = text.trim();
    for fmt in ["%d %b %Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d", "%b %d, %Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(t, fmt) {
            return d.to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doctorate_after_the_name_makes_the_title_with_a_note() {
        let mut r = Record::default();
        r.set_name(NameParts {
            first: Some("Hans"),
            last: Some("Muller, PhD"),
            ..Default::default()
        });
        assert_eq!(r.name, "Hans Muller");
        assert_eq!(r.title.as_deref(), Some("Dr."));
        assert_eq!(r.title_from.as_deref(), Some("PhD"));
        assert_eq!(r.vars["credentials"], "PhD");
    }

    #[test]
    fn a_written_prefix_wins_and_nothing_is_made_up() {
        let mut r = Record::default();
        r.set_name(NameParts {
            first: Some("Elena"),
            last: Some("Petrova"),
            prefix: Some("prof"),
            suffix: Some("MD"),
            ..Default::default()
        });
        assert_eq!(
            (r.name.as_str(), r.title.as_deref()),
            ("Elena Petrova", Some("Prof."))
        );
        assert_eq!(r.title_from, None);
        let mut r = Record::default();
        r.set_name(NameParts {
            full: Some("Priya Raman"),
            suffix: Some("Jr."),
            ..Default::default()
        });
        assert_eq!(
            (r.name.as_str(), r.title.as_deref()),
            ("Priya Raman Jr.", None)
        );
    }

    #[test]
    fn google_multi_values_and_the_primary_mark() {
        let mut r = Record::default();
        r.add_emails("a@example.org ::: * b@example.org");
        r.add_emails("/O=EXCHANGE/OU=X/CN=RECIPIENTS/CN=JDOE");
        assert_eq!(r.emails, ["b@example.org", "a@example.org"]);
        assert!(r.warnings[0].contains("X.500"), "{:?}", r.warnings);
        r.add_labels("* myContacts ::: Navy ::: Programme Directors");
        assert_eq!(r.tags, ["navy", "programme-directors"]);
    }

    #[test]
    fn an_address_with_a_control_character_is_left_out() {
        let mut r = Record::default();
        r.add_emails("o\u{8d}e@example.es ::: ok@example.es");
        assert_eq!(r.emails, ["ok@example.es"]);
        assert_eq!(
            r.warnings,
            ["`o\\u{8d}e@example.es` contains a control character (U+008D), which can't go into a mail header; left out"]
        );
    }

    #[test]
    fn only_a_known_time_zone_is_kept() {
        let mut r = Record::default();
        r.set_timezone("Europe/@erlin");
        assert_eq!(r.timezone, None);
        assert!(
            r.warnings[0].contains("`Europe/@erlin` is not a time zone"),
            "{:?}",
            r.warnings
        );
        r.set_timezone(" Europe/Berlin ");
        r.set_timezone("Asia/Tokyo");
        assert_eq!(r.timezone.as_deref(), Some("Europe/Berlin"));
    }

    #[test]
    fn profile_urls_differing_in_case_and_slash_are_one_person() {
        assert_eq!(
            linkedin_key("https://www.linkedin.com/in/Jane-Roe/"),
            linkedin_key("http://WWW.LINKEDIN.COM/in/jane-roe?trk=abc")
        );
        assert_eq!(iso_date("08 Feb 2026"), "2026-02-08");
        assert_eq!(iso_date("29-Mar-21"), "2021-03-29");
        assert_eq!(iso_date("sometime"), "sometime");
    }
}
