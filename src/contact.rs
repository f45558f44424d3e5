//! Contact records: `contacts/*.yaml`, one contact or a list per file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::problem::Problem;
use crate::rhythm::{check_entries, InterviewEntry, MeetingEntry};
use crate::yaml;

/// One person the user writes to.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Stable handle used on the command line and in the journal; defaults to
    /// the file stem for a one-contact file.
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How the greeting names them; built from title and name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// Empty only for a contact tagged `no-email` (kept from an import
    /// without an address; never written to until one is added).
    #[serde(default)]
    pub email: String,
    /// Other addresses their replies may come from.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    /// IANA zone name, e.g. America/Chicago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Where the user met them or heard them speak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<Met>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// How often an ongoing mentor gets an update, e.g. "6 weeks".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<String>,
    /// Present when they must not be written to; holds the reason.
    #[serde(
        default,
        deserialize_with = "do_not_contact",
        skip_serializing_if = "Option::is_none"
    )]
    pub do_not_contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Meetings with them: an agenda before each, a thank-you after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meetings: Vec<MeetingEntry>,
    /// Interviews with them: a thank-you after each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interviews: Vec<InterviewEntry>,
    /// Free-form values for templates.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// The file the record came from, relative to the workspace.
    #[serde(skip)]
    pub file: PathBuf,
    /// The 1-based line where the record starts.
    #[serde(skip)]
    pub line: usize,
}

/// An event where the user met the contact or heard them speak.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Met {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// The tag of a contact kept without an email address (`outreach import
/// --keep-no-email`): draft and send leave it out until it has one.
pub const NO_EMAIL_TAG: &str = "no-email";

/// Field names a template may use on a contact (besides `vars.*`).
pub const FIELDS: &[&str] = &[
    "id",
    "name",
    "title",
    "salutation",
    "email",
    "aliases",
    "institution",
    "role",
    "specialty",
    "timezone",
    "met",
    "tags",
    "cadence",
    "do_not_contact",
    "notes",
    "meetings",
    "interviews",
    "vars",
];

/// Field names under `met`.
pub const MET_FIELDS: &[&str] = &["event", "date", "topic", "location"];

fn do_not_contact<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Flag(bool),
        Reason(String),
    }
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Flag(false)) => None,
        Some(Value::Flag(true)) => Some("do not contact".to_string()),
        Some(Value::Reason(r)) if r.trim().is_empty() => Some("do not contact".to_string()),
        Some(Value::Reason(r)) => Some(r),
    })
}

impl Contact {
    /// Where the record is, for messages: `contacts/x.yaml:3`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// The greeting name: the contact's own `salutation`, else built.
    pub fn salutation(&self) -> String {
        match &self.salutation {
            Some(s) => s.trim().to_string(),
            None => salutation(&self.name, self.title.as_deref()),
        }
    }

    /// Every address that is this person: the main one and the aliases,
    /// lower-cased for comparison.
    pub fn addresses(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(&self.email)
            .chain(&self.aliases)
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
    }

    /// No address to write to: none given, or tagged `no-email`.
    pub fn without_email(&self) -> bool {
        self.email.trim().is_empty() || self.tags.iter().any(|t| t == NO_EMAIL_TAG)
    }

    pub fn may_contact(&self) -> bool {
        self.do_not_contact.is_none() && !self.without_email()
    }

    /// The contact's zone, falling back to `default`.
    pub fn zone(&self, default: chrono_tz::Tz) -> chrono_tz::Tz {
        self.timezone
            .as_deref()
            .and_then(|z| chrono_tz::Tz::from_str(z).ok())
            .unwrap_or(default)
    }

    /// The check-in interval in days, when a valid `cadence` is set.
    pub fn cadence_days(&self) -> Option<u32> {
        self.cadence.as_deref().and_then(parse_cadence)
    }
}

/// "6 weeks" → 42, "30 days" → 30, "2 months" → 60.
pub fn parse_cadence(text: &str) -> Option<u32> {
    let text = text.trim().to_ascii_lowercase();
    let (n, unit) = text.split_once(char::is_whitespace)?;
    let n: u32 = n.parse().ok().filter(|n| *n > 0)?;
    let per = match unit.trim().trim_end_matches('s') {
        "day" => 1,
        "week" => 7,
        "month" => 30,
        _ => return None,
    };
    Some(n * per)
}

/// Words after a name that are not part of it.
const POST_NOMINALS: &[&str] = &[
    "md", "do", "phd", "mbbs", "mbchb", "mph", "msc", "ms", "ma", "frcp", "frcs", "facp", "facc",
    "facs", "mrcp", "dm", "mba", "rn", "jr", "sr", "ii", "iii", "iv",
];

/// Lower-case particles that belong to the family name ("van Beethoven").
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "le", "la",
    "ten", "ter", "bin", "binti", "al", "el", "ibn", "abu",
];

/// Builds the greeting name from a full name and an optional title:
/// "Dr." + "Chinedu Okafor" → "Dr. Okafor"; "Dr." + "Ludwig van Beethoven"
/// → "Dr. van Beethoven"; hyphenated family names stay whole; names written
/// in a script without spaces between parts (李明) are used whole, as are
/// all names without a title.
pub fn salutation(name: &str, title: Option<&str>) -> String {
    let mut words: Vec<&str> = name.split_whitespace().collect();
    while words.len() > 1 {
        let last = words[words.len() - 1].trim_matches(|c| c == '.' || c == ',');
        if POST_NOMINALS.contains(&last.to_ascii_lowercase().as_str()) {
            words.pop();
        } else {
            break;
        }
    }
    let full = words.join(" ").trim_end_matches(',').to_string();
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => return full,
    };
    // "Núñez, José": the family name is written first.
    if let Some((family, _)) = full.split_once(',') {
        return format!("{title} {}", family.trim());
    }
    let words: Vec<&str> = full.split_whitespace().collect();
    if words.len() < 2 || full.chars().any(is_cjk) {
        return format!("{title} {full}");
    }
    let mut start = words.len() - 1;
    while start > 1 && PARTICLES.contains(&words[start - 1]) {
        start -= 1;
    }
    format!("{title} {}", words[start..].join(" "))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// A usable contact id: letters, digits, `.`, `_` and `-`, not starting with
/// a dot or dash, so it is safe in file names and on the command line.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !id.contains("..")
}

/// The first control character in `text` (a line break, a tab, a NUL),
/// which in a field that can reach a mail header would break it or
/// smuggle in another header.
pub fn control_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// "contains a line break (U+000A)": what a control character is, in words.
pub fn describe_control(c: char) -> String {
    let what = match c {
        '\n' | '\r' => "a line break",
        '\t' => "a tab",
        _ => "a control character",
    };
    format!(
        "contains {what} (U+{:04X}), which can't go into a mail header",
        c as u32
    )
}

/// Whether `addr` is one address lettre will accept, without a display name.
pub fn valid_address(addr: &str) -> bool {
    let a = addr.trim();
    a == addr
        && lettre::Address::from_str(a).is_ok()
        && a.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'))
}

/// Loads every `*.yaml` / `*.yml` in `dir` (paths reported relative to
/// `root`), in file-name order, with every problem found.
pub fn load_dir(root: &Path, dir: &Path) -> (Vec<Contact>, Vec<Problem>) {
    let mut contacts = Vec::new();
    let mut problems = Vec::new();
    let rel_dir = dir.strip_prefix(root).unwrap_or(dir);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect(),
        // A new workspace has no contacts yet: reading commands still work.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            problems.push(Problem::warning(
                rel_dir.display().to_string(),
                "no contacts folder yet: add a file such as contacts/okafor.yaml (see `outreach init`)",
            ));
            return (contacts, problems);
        }
        Err(e) => {
            problems.push(Problem::error(
                rel_dir.display().to_string(),
                format!("cannot read the contacts folder: {e}"),
            ));
            return (contacts, problems);
        }
    };
    files.sort();
    let mut texts: HashMap<PathBuf, String> = HashMap::new();
    if files.is_empty() {
        problems.push(Problem::warning(
            rel_dir.display().to_string(),
            "no contacts: add a file such as contacts/okafor.yaml (see `outreach init`)",
        ));
    }
    let mut read: Vec<(PathBuf, String)> = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        match yaml::read_text(&path, &rel) {
            Ok(text) => read.push((rel, text)),
            Err(p) => problems.push(p),
        }
    }
    // Every file parsed on every core, a big list file in pieces.
    // Each piece with the lines before it, counted once along the file.
    let jobs: Vec<(usize, std::ops::Range<usize>, usize)> = read
        .iter()
        .enumerate()
        .flat_map(|(i, (_, text))| {
            let (mut at, mut lines) = (0, 0);
            pieces(text).into_iter().map(move |r| {
                lines += text.as_bytes()[at..r.start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                at = r.start;
                (i, r, lines)
            })
        })
        .collect();
    let parsed = crate::parallel::map(&jobs, 2, |(i, range, offset)| {
        let (rel, text) = &read[*i];
        let mut out = Vec::new();
        let mut problems = Vec::new();
        if range.len() == text.len() {
            parse_file(rel, text, &mut out, &mut problems);
        } else {
            parse_list(rel, &text[range.clone()], *offset, &mut out, &mut problems);
        }
        (*i, out, problems)
    });
    let mut parsed = parsed.into_iter().peekable();
    for (i, (rel, text)) in read.iter().enumerate() {
        let mut mine = Vec::new();
        while let Some(p) = parsed.next_if(|(j, _, _)| *j == i) {
            mine.push(p);
        }
        if mine.len() > 1 && mine.iter().any(|(_, _, p)| !p.is_empty()) {
            // A piece with a problem: the file is read again whole, so
            // the problems say what they would have said.
            parse_file(rel, text, &mut contacts, &mut problems);
        } else {
            for (_, out, p) in mine {
                contacts.extend(out);
                problems.extend(p);
            }
        }
    }
    texts.extend(read);
    check_all(&contacts, &texts, &mut problems);
    (contacts, problems)
}

/// A piece of a list file worth a core of its own.
const PIECE: usize = 32 * 1024;

/// The byte ranges of `text` that parse on their own: a big list file
/// cut where top-level entries start, in pieces of about PIECE bytes.
/// Anything else is one piece: a small file, a single contact, and a list
/// whose entries might reach into each other (anchors and aliases, more
/// than one document, anything else at the left margin).
fn pieces(text: &str) -> Vec<std::ops::Range<usize>> {
    let whole = std::iter::once(0..text.len()).collect();
    if text.len() < 2 * PIECE || !is_list(text) || might_link(text) {
        return whole;
    }
    let mut cuts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        match line.as_bytes().first() {
            None | Some(b' ' | b'\n' | b'\r' | b'#') => continue,
            Some(b'-') if line.starts_with("- ") || line.trim_end() == "-" => {
                if start - cuts[cuts.len() - 1] >= PIECE {
                    cuts.push(start);
                }
            }
            _ => return whole,
        }
    }
    cuts.push(text.len());
    cuts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Parses one contacts file: a mapping is one contact, a sequence a list.
pub fn parse_file(file: &Path, text: &str, out: &mut Vec<Contact>, problems: &mut Vec<Problem>) {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if is_list(text) {
        parse_list(file, text, 0, out, problems);
    } else {
        let mut c: Contact = match yaml::parse(file, text, 0) {
            Ok(c) => c,
            Err(p) => return problems.push(p),
        };
        c.file = file.to_path_buf();
        c.line = 1;
        if c.id.trim().is_empty() {
            c.id = stem.to_string();
        }
        out.push(c);
    }
}

/// Whether `text` may hold a YAML anchor or alias (`&a`, `*a` where a
/// value starts): one entry could then refer to another. "R&D" and
/// "Smith & Jones" are no anchors; an unsure case only costs the speed.
fn might_link(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        matches!(c, b'&' | b'*')
            && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'{' | b',' | b'\n'))
            && b.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace())
    })
}

/// The entries of a list file, or of a piece of one that starts
/// `line_offset` lines into it.
fn parse_list(
    file: &Path,
    text: &str,
    line_offset: usize,
    out: &mut Vec<Contact>,
    problems: &mut Vec<Problem>,
) {
    let entries: Vec<Contact> = match yaml::parse(file, text, line_offset) {
        Ok(v) => v,
        Err(p) => return problems.push(p),
    };
    let starts = entry_starts(text);
    for (i, mut c) in entries.into_iter().enumerate() {
        c.file = file.to_path_buf();
        c.line = line_offset + starts.get(i).copied().unwrap_or(1);
        if c.id.trim().is_empty() {
            problems.push(Problem::error(
                c.place(),
                "a contact in a list needs an `id` (only a one-contact file takes its id from the file name)",
            ));
            continue;
        }
        out.push(c);
    }
}

/// A file whose first meaningful line starts a top-level sequence.
fn is_list(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
        .is_some_and(|l| l == "-" || l.starts_with("- "))
}

/// The 1-based lines where top-level list entries start.
fn entry_starts(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| *l == "-" || l.starts_with("- "))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Checks each contact's values and the set as a whole (unique ids and
/// addresses); drops nothing, so `lint` can still render the rest.
pub fn check_all(
    contacts: &[Contact],
    texts: &HashMap<PathBuf, String>,
    problems: &mut Vec<Problem>,
) {
    // Where each id and address was first seen, by the contact's index.
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(contacts.len());
    let mut addrs: HashMap<String, usize> = HashMap::with_capacity(contacts.len());
    for (i, c) in contacts.iter().enumerate() {
        let text = texts.get(&c.file).map_or("", String::as_str);
        let at = |key: &str| field_place(c, text, key);
        if !valid_id(&c.id) {
            problems.push(Problem::error(
                at("id"),
                format!(
                    "contact id `{}` may use only letters, digits, `.`, `_` and `-`",
                    c.id
                ),
            ));
        }
        if let Some(&first) = ids.get(c.id.as_str()) {
            problems.push(Problem::error(
                c.place(),
                format!(
                    "contact id `{}` is used twice (also at {})",
                    c.id,
                    contacts[first].place()
                ),
            ));
        } else {
            ids.insert(&c.id, i);
        }
        if c.name.trim().is_empty() {
            problems.push(Problem::error(
                at("name"),
                format!("contact `{}`: `name` is blank", c.id),
            ));
        }
        let met = c.met.as_ref();
        let one_line = [
            ("name", Some(&c.name)),
            ("title", c.title.as_ref()),
            ("salutation", c.salutation.as_ref()),
            ("email", Some(&c.email)),
            ("institution", c.institution.as_ref()),
            ("role", c.role.as_ref()),
            ("specialty", c.specialty.as_ref()),
            ("timezone", c.timezone.as_ref()),
            ("cadence", c.cadence.as_ref()),
            ("event", met.and_then(|m| m.event.as_ref())),
            ("topic", met.and_then(|m| m.topic.as_ref())),
            ("location", met.and_then(|m| m.location.as_ref())),
        ];
        let lists = c
            .aliases
            .iter()
            .map(|a| ("aliases", Some(a)))
            .chain(c.tags.iter().map(|t| ("tags", Some(t))));
        for (key, value) in one_line.into_iter().chain(lists) {
            if let Some(ch) = value.and_then(|v| control_char(v)) {
                problems.push(Problem::error(
                    at(key),
                    format!("contact `{}`: `{key}` {}", c.id, describe_control(ch)),
                ));
            }
        }
        if c.salutation.as_deref().is_some_and(|s| s.trim().is_empty()) {
            problems.push(Problem::error(
                at("salutation"),
                format!("contact `{}`: `salutation` is blank", c.id),
            ));
        }
        for (key, addr) in
            std::iter::once(("email", &c.email)).chain(c.aliases.iter().map(|a| ("aliases", a)))
        {
            if key == "email" && addr.is_empty() {
                if !c.tags.iter().any(|t| t == NO_EMAIL_TAG) {
                    problems.push(Problem::error(
                        at("email"),
                        format!("contact `{}`: no `email` (a contact kept without one is tagged `{NO_EMAIL_TAG}`)", c.id),
                    ));
                }
                continue;
            }
            if !valid_address(addr) {
                problems.push(Problem::error(
                    at(key),
                    format!("contact `{}`: `{addr}` is not a valid email address", c.id),
                ));
                continue;
            }
            let lower = addr.to_ascii_lowercase();
            match addrs.get(&lower).map(|&o| &contacts[o]) {
                Some(other) if other.id != c.id => problems.push(Problem::error(
                    at(key),
                    format!(
                        "contact `{}`: address {addr} also belongs to `{}` ({})",
                        c.id,
                        other.id,
                        other.place()
                    ),
                )),
                Some(_) => {}
                None => {
                    addrs.insert(lower, i);
                }
            }
        }
        if let Some(tz) = &c.timezone {
            if chrono_tz::Tz::from_str(tz).is_err() {
                problems.push(Problem::error(
                    at("timezone"),
                    format!("contact `{}`: unknown time zone `{tz}` (use an IANA name such as America/Chicago)", c.id),
                ));
            }
        }
        if let Some(cadence) = &c.cadence {
            if parse_cadence(cadence).is_none() {
                problems.push(Problem::error(
                    at("cadence"),
                    format!("contact `{}`: cadence `{cadence}` should read like \"6 weeks\", \"30 days\" or \"2 months\"", c.id),
                ));
            }
        }
        for (key, message) in check_entries(&c.meetings, &c.interviews) {
            problems.push(Problem::error(
                at(key),
                format!("contact `{}`: {message}", c.id),
            ));
        }
    }
}

/// `file:line` of `key` inside the contact's record (`text` is its file).
fn field_place(c: &Contact, text: &str, key: &str) -> String {
    let end = text.lines().count().max(c.line);
    let next = entry_starts(text)
        .into_iter()
        .find(|l| *l > c.line)
        .map_or(end, |l| l - 1);
    format!(
        "{}:{}",
        c.file.display(),
        yaml::key_line(text, c.line, next, key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list file big enough to be read in pieces, written to a fresh
    /// workspace: returns its root.
    fn big_list(entries: &[String]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("contacts")).unwrap();
        std::fs::write(dir.path().join("contacts/all.yaml"), entries.concat()).unwrap();
        dir
    }

    /// `text` parsed as one piece, as contacts/all.yaml.
    fn whole_parse(text: &str) -> (Vec<Contact>, Vec<Problem>) {
        let mut whole = Vec::new();
        let mut problems = Vec::new();
        parse_file(
            Path::new("contacts/all.yaml"),
            text,
            &mut whole,
            &mut problems,
        );
        (whole, problems)
    }

    fn entry(i: usize) -> String {
        format!(
            "# contact {i}\n- id: c{i:05}\n  name: Núñez Okafor {i}\n  title: Dr.\n  email: c{i}@example.org\n  notes: |\n    Met at the R&D day; \"Smith & Jones\" lab.\n\n"
        )
    }

    #[test]
    fn a_big_list_reads_the_same_in_pieces_as_whole() {
        let entries: Vec<String> = (0..3000).map(entry).collect();
        let text = entries.concat();
        assert!(pieces(&text).len() > 2, "the list is cut in pieces");
        let dir = big_list(&entries);
        let (pieced, problems) = load_dir(dir.path(), &dir.path().join("contacts"));
        assert!(problems.is_empty(), "{problems:?}");
        let (whole, problems) = whole_parse(&text);
        assert!(problems.is_empty());
        assert_eq!(pieced.len(), 3000);
        for (a, b) in pieced.iter().zip(&whole) {
            assert_eq!(
                (&a.id, &a.name, a.line, &a.file),
                (&b.id, &b.name, b.line, &b.file)
            );
            assert_eq!(a.notes, b.notes);
        }
        assert_eq!(
            pieced[2999].line,
            text.lines().position(|l| l == "- id: c02999").unwrap() + 1
        );
    }

    #[test]
    fn a_mistake_in_one_piece_is_told_as_the_whole_file_tells_it() {
        let mut entries: Vec<String> = (0..3000).map(entry).collect();
        entries[2500] = "- id: broken\n  name: [unclosed\n".into();
        entries[2700] = "- name: No Id\n  email: noid@example.org\n".into();
        let text = entries.concat();
        let dir = big_list(&entries);
        let (_, pieced) = load_dir(dir.path(), &dir.path().join("contacts"));
        let (_, problems) = whole_parse(&text);
        let said = |p: &[Problem]| p.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert!(!problems.is_empty());
        assert_eq!(said(&pieced[..problems.len()]), said(&problems));
    }

    #[test]
    fn anchors_and_other_documents_keep_a_list_whole() {
        let mut entries: Vec<String> = (0..3000).map(entry).collect();
        assert!(pieces(&entries.concat()).len() > 2);
        entries[10] =
            "- id: a\n  name: A B\n  email: a@example.org\n  vars: &shared\n    city: Lagos\n"
                .into();
        assert_eq!(pieces(&entries.concat()).len(), 1);
        entries[10] = entry(10);
        entries[20] = "---\n".into();
        assert_eq!(pieces(&entries.concat()).len(), 1);
        assert!(!might_link("institution: R&D & Co\nnote: 5 * 3\n"));
        assert!(might_link("vars: *shared\n"));
    }

    fn dr(name: &str) -> String {
        salutation(name, Some("Dr."))
    }

    #[test]
    fn salutation_uses_the_family_name() {
        assert_eq!(dr("Chinedu Okafor"), "Dr. Okafor");
        assert_eq!(dr("Ngozi Okonkwo-Adeyemi"), "Dr. Okonkwo-Adeyemi");
        assert_eq!(dr("José Núñez"), "Dr. Núñez");
        assert_eq!(dr("Ludwig van Beethoven"), "Dr. van Beethoven");
        assert_eq!(dr("Núñez, José"), "Dr. Núñez");
        assert_eq!(dr("Sarah Lee MD, PhD"), "Dr. Lee");
    }

    #[test]
    fn salutation_keeps_unsplittable_names_whole() {
        assert_eq!(dr("李明"), "Dr. 李明");
        assert_eq!(dr("Madonna"), "Dr. Madonna");
        assert_eq!(salutation("Priya Raman", None), "Priya Raman");
        assert_eq!(salutation("Priya Raman", Some("  ")), "Priya Raman");
        assert_eq!(
            salutation("Elena Petrova", Some("Professor")),
            "Professor Petrova"
        );
    }

    #[test]
    fn ids_that_escape_a_folder_are_refused() {
        assert!(valid_id("okafor"));
        assert!(valid_id("li.ming-2"));
        assert!(!valid_id("../x"));
        assert!(!valid_id("a/b"));
        assert!(!valid_id(".hidden"));
        assert!(!valid_id(""));
    }

    #[test]
    fn addresses_are_checked() {
        assert!(valid_address("c.okafor@example.org"));
        assert!(!valid_address("c.okafor@example"));
        assert!(!valid_address("not an address"));
        assert!(!valid_address(" x@example.org"));
    }

    #[test]
    fn cadence_reads_common_forms() {
        assert_eq!(parse_cadence("6 weeks"), Some(42));
        assert_eq!(parse_cadence("1 month"), Some(30));
        assert_eq!(parse_cadence("10 days"), Some(10));
        assert_eq!(parse_cadence("often"), None);
        assert_eq!(parse_cadence("0 weeks"), None);
    }

    fn load(file: &str, text: &str) -> (Vec<Contact>, Vec<Problem>) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        parse_file(Path::new(file), text, &mut out, &mut problems);
        (out, problems)
    }

    #[test]
    fn one_contact_file_takes_its_id_from_the_stem() {
        let (c, p) = load(
            "contacts/okafor.yaml",
            "name: Chinedu Okafor\nemail: c@example.org\n",
        );
        assert!(p.is_empty());
        assert_eq!(c[0].id, "okafor");
    }

    #[test]
    fn list_entries_need_ids_and_know_their_lines() {
        let text = "# team\n- id: a\n  name: A B\n  email: a@example.org\n- name: C D\n  email: c@example.org\n";
        let (c, p) = load("contacts/team.yaml", text);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, 2);
        assert_eq!(p.len(), 1);
        assert!(p[0].place.ends_with("team.yaml:5"), "{}", p[0]);
    }

    #[test]
    fn misspelled_field_is_located_and_explained() {
        let (_, p) = load(
            "contacts/smith.yaml",
            "name: Ann Smith\nemial: a@example.org\n",
        );
        assert_eq!(p[0].place, "contacts/smith.yaml:2:1");
        assert!(p[0].message.contains("did you mean `email`"), "{}", p[0]);
    }
}
