//! `outreach import`: contacts from where they already are (a spreadsheet,
//! LinkedIn's Connections.csv, Google Contacts, Outlook, vCard), written as
//! new YAML files under contacts/, one per person.
//!
//! The work is a plan, then a write: every file is read, decoded, parsed
//! and matched against the workspace's contacts before anything is
//! written, so a bad file or a bad `--map` changes nothing. Writing never
//! replaces a file: each record goes to a new file, created only if that
//! name is still free.

mod decode;
pub mod export;
mod names;
mod record;
mod render;
mod table;
mod vcard;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;

use crate::contact::{self, Contact, NO_EMAIL_TAG};
use crate::problem::fail_on_errors;

pub use record::Record;

/// Which kind of export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Csv,
    Linkedin,
    Google,
    Outlook,
    Vcard,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => Format::Auto,
            "csv" => Format::Csv,
            "linkedin" => Format::Linkedin,
            "google" => Format::Google,
            "outlook" => Format::Outlook,
            "vcard" => Format::Vcard,
            _ => return Err(format!("unknown format `{s}`")),
        })
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Csv => "csv",
            Format::Linkedin => "linkedin",
            Format::Google => "google",
            Format::Outlook => "outlook",
            Format::Vcard => "vcard",
        }
    }
}

/// What the user asked for, without clap.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    /// Added to every imported contact.
    pub tags: Vec<String>,
    pub keep_no_email: bool,
    /// `--map COLUMN=FIELD`, as given.
    pub map: Vec<String>,
    pub encoding: Option<String>,
    /// The date written into each file's header comment.
    pub today: NaiveDate,
}

/// What one file held: people, and the rows or cards that are not.
#[derive(Debug)]
pub struct Parsed {
    pub format: Format,
    /// The tag naming the source (`linkedin`, `residency` …).
    pub source_tag: &'static str,
    pub records: Vec<Record>,
    pub skipped: Vec<Skip>,
}

/// A row or card left out, and why.
#[derive(Debug, Clone)]
pub struct Skip {
    pub number: usize,
    pub line: usize,
    pub name: String,
    pub why: String,
}

/// One file the import writes.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub id: String,
    /// Relative to the workspace: `contacts/ID.yaml`.
    pub file: PathBuf,
    pub text: String,
    /// `FILE:LINE (record N)`.
    pub source: String,
    pub name: String,
    pub email: Option<String>,
    /// Another contact with the same name at the same institution.
    pub possible_duplicate: Option<String>,
}

/// A record that is a contact the workspace already has.
#[derive(Debug, Clone)]
pub struct Exists {
    pub source: String,
    pub name: String,
    pub id: String,
    pub why: String,
}

/// A record or row not imported, located in its file.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The record's number in its file.
    pub number: usize,
    pub source: String,
    pub name: String,
    pub why: String,
}

/// Everything an import would do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Per file: the format it was read as and its encoding.
    pub files: Vec<(String, Format, &'static str)>,
    pub new: Vec<NewContact>,
    pub exists: Vec<Exists>,
    pub skipped: Vec<Skipped>,
    /// Values read but left out of a written record (`FILE:LINE: …`).
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn possible_duplicates(&self) -> usize {
        self.new
            .iter()
            .filter(|n| n.possible_duplicate.is_some())
            .count()
    }
}

/// Who is already there, by each identity a record can match on.
#[derive(Default)]
struct Known {
    emails: HashMap<String, String>,
    linkedin: HashMap<String, String>,
    uids: HashMap<String, String>,
    /// Name and institution, lower-cased: possible duplicates.
    names: HashMap<(String, String), String>,
    /// The same, for contacts without an address: the only identity such a
    /// record has, so that importing it again adds nothing.
    no_email: HashMap<(String, String), String>,
    ids: HashSet<String>,
    /// Ids given out in this run, and where from.
    planned: HashMap<String, String>,
}

impl Known {
    fn add(&mut self, c: &Contact) {
        for a in c.addresses() {
            self.emails.entry(a).or_insert_with(|| c.id.clone());
        }
        if let Some(u) = c.vars.get("linkedin").and_then(|v| v.as_str()) {
            self.linkedin
                .entry(record::linkedin_key(u))
                .or_insert_with(|| c.id.clone());
        }
        if let Some(u) = c.vars.get("vcard_uid").and_then(|v| v.as_str()) {
            self.uids
                .entry(u.to_string())
                .or_insert_with(|| c.id.clone());
        }
        let key = name_key(&c.name, c.institution.as_deref());
        if c.email.trim().is_empty() {
            self.no_email
                .entry(key.clone())
                .or_insert_with(|| c.id.clone());
        }
        self.names.entry(key).or_insert_with(|| c.id.clone());
        self.ids.insert(c.id.to_ascii_lowercase());
    }

    /// The contact `rec` is, and by what.
    fn find(&self, rec: &Record) -> Option<(String, &'static str)> {
        for e in &rec.emails {
            if let Some(id) = self.emails.get(&e.to_ascii_lowercase()) {
                return Some((id.clone(), "the same email"));
            }
        }
        if let Some(id) = rec.linkedin_key().and_then(|k| self.linkedin.get(&k)) {
            return Some((id.clone(), "the same LinkedIn profile"));
        }
        if let Some(id) = rec.uid().and_then(|u| self.uids.get(u)) {
            return Some((id.clone(), "the same vCard UID"));
        }
        None
    }
}

fn name_key(name: &str, institution: Option<&str>) -> (String, String) {
    (
        names::squash(name),
        names::squash(institution.unwrap_or_default()),
    )
}

/// Reads every file and decides what to write, writing nothing.
pub fn plan(root: &Path, files: &[PathBuf], opts: &Options) -> Result<Plan> {
    plan_reading(Some(root), files, opts, |path| std::fs::read(path))
}

/// The plan for one export already in memory, `name` standing for its
/// path, as if imported into a workspace with no contacts yet: `plan`
/// without the disk.
pub fn plan_bytes(name: &str, bytes: &[u8], opts: &Options) -> Result<Plan> {
    plan_reading(None, &[PathBuf::from(name)], opts, |_| Ok(bytes.to_vec()))
}

/// `plan`, with the workspace's contacts read from `root` (none without
/// it) and each file's bytes from `read`.
fn plan_reading(
    root: Option<&Path>,
    files: &[PathBuf],
    opts: &Options,
    read: impl Fn(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<Plan> {
    let forced = match &opts.encoding {
        Some(label) => Some(decode::named(label).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let map = parse_map(&opts.map)?;
    let mut extra_tags = Vec::new();
    for t in &opts.tags {
        let tag = names::tag(t);
        if tag.is_empty() {
            bail!("--tag `{t}` is blank");
        }
        extra_tags.push(tag);
    }
    let mut known = Known::default();
    if let Some(root) = root {
        for c in existing(root)? {
            known.add(&c);
        }
        // File stems that are not one-contact files (lists) are taken too.
        if let Ok(entries) = std::fs::read_dir(root.join("contacts")) {
            for e in entries.flatten() {
                if let Some(stem) = e.path().file_stem().and_then(|s| s.to_str()) {
                    known.ids.insert(stem.to_ascii_lowercase());
                }
            }
        }
    }
    let mut plan = Plan::default();
    let mut sources = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        let bytes = read(path).with_context(|| format!("cannot read {shown}"))?;
        let (text, encoding) =
            decode::decode(&bytes, forced).map_err(|e| anyhow::anyhow!("{shown} {e}"))?;
        let as_vcard = match opts.format {
            Format::Vcard => true,
            Format::Auto => vcard::looks_like(&text),
            _ => false,
        };
        if as_vcard && !map.is_empty() {
            bail!("{shown}: --map names spreadsheet columns; a vCard file has none");
        }
        let parsed = if as_vcard {
            vcard::read(&text)
        } else {
            table::read(&text, opts.format, &map).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?
        };
        plan.files
            .push((shown.clone(), parsed.format, encoding.name()));
        sources.push((shown, parsed));
    }
    for (shown, parsed) in sources {
        let what = if parsed.format == Format::Vcard {
            "card"
        } else {
            "record"
        };
        let place = |line: usize, number: usize| format!("{shown}:{line} ({what} {number})");
        let file_name = Path::new(&shown)
            .file_name()
            .map_or(shown.clone(), |n| n.to_string_lossy().into_owned());
        let skipped_before = plan.skipped.len();
        for s in &parsed.skipped {
            plan.skipped.push(Skipped {
                number: s.number,
                source: place(s.line, s.number),
                name: s.name.clone(),
                why: s.why.clone(),
            });
        }
        for mut rec in parsed.records {
            let source = place(rec.line, rec.number);
            let number = rec.number;
            if !rec.emails.is_empty() {
                for w in &rec.warnings {
                    plan.warnings.push(format!("{source}: {}: {w}", rec.name));
                }
            }
            if let Some((id, by)) = known.find(&rec) {
                match known.planned.get(&id) {
                    Some(first) => plan.skipped.push(Skipped {
                        number,
                        source,
                        name: rec.name.clone(),
                        why: format!("the same person as {first} ({by})"),
                    }),
                    None => plan.exists.push(Exists {
                        source,
                        name: rec.name.clone(),
                        why: format!("{by} as `{id}`"),
                        id,
                    }),
                }
                continue;
            }
            let key = name_key(&rec.name, rec.institution.as_deref());
            if rec.emails.is_empty() {
                if !opts.keep_no_email {
                    let hint = if parsed.format == Format::Linkedin {
                        " (LinkedIn shows one only for connections who allow it)"
                    } else {
                        ""
                    };
                    let found = if rec.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", rec.warnings.join("; "))
                    };
                    plan.skipped.push(Skipped {
                        number,
                        source,
                        name: rec.name.clone(),
                        why: format!("no email address{found}{hint}; --keep-no-email imports it tagged `{NO_EMAIL_TAG}`"),
                    });
                    continue;
                }
                if let Some(id) = known.no_email.get(&key) {
                    let why = "the same name and institution, and no email either".to_string();
                    match known.planned.get(id) {
                        Some(first) => plan.skipped.push(Skipped {
                            number,
                            source,
                            name: rec.name.clone(),
                            why: format!("the same person as {first} ({why})"),
                        }),
                        None => plan.exists.push(Exists {
                            source,
                            name: rec.name.clone(),
                            id: id.clone(),
                            why: format!("{why} as `{id}`"),
                        }),
                    }
                    continue;
                }
                rec.add_tag(NO_EMAIL_TAG);
            }
            for t in std::iter::once(parsed.source_tag).chain(extra_tags.iter().map(String::as_str))
            {
                rec.add_tag(t);
            }
            let possible_duplicate = known.names.get(&key).cloned();
            let id = unique_id(&rec, &known.ids);
            let from = format!("{file_name}:{} ({what} {number})", rec.line);
            let text = render::yaml(&rec, &from, opts.today, possible_duplicate.as_deref());
            let c = as_contact(&id, &text)?;
            known.add(&c);
            known.planned.insert(id.clone(), source.clone());
            plan.new.push(NewContact {
                file: PathBuf::from("contacts").join(format!("{id}.yaml")),
                id,
                text,
                source,
                name: rec.name.clone(),
                email: rec.emails.first().cloned(),
                possible_duplicate,
            });
        }
        // In the order of the file.
        plan.skipped[skipped_before..].sort_by_key(|s| s.number);
    }
    Ok(plan)
}

/// Writes the plan's files; returns how many were written. Each file is
/// created only if its name is free (O_EXCL), so a file that appeared
/// since the plan was made is never replaced; that stops the write.
pub fn write(root: &Path, plan: &Plan) -> Result<usize> {
    use std::io::Write as _;
    if plan.new.is_empty() {
        return Ok(0);
    }
    let dir = root.join("contacts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (n, c) in plan.new.iter().enumerate() {
        let target = root.join(&c.file);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut f| f.write_all(c.text.as_bytes()));
        if let Err(e) = written {
            // Only a file this run created is removed.
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(&target);
            }
            bail!(
                "{} could not be written ({e}); {n} contacts were written before it, and nothing was replaced",
                c.file.display()
            );
        }
    }
    Ok(plan.new.len())
}

/// The workspace's contacts, through the real loader: importing next to a
/// broken contact file would miss the people in it, so it is an error.
fn existing(root: &Path) -> Result<Vec<Contact>> {
    let dir = root.join("contacts");
    let any = std::fs::read_dir(&dir).is_ok_and(|mut entries| {
        entries.any(|e| {
            e.ok().is_some_and(|e| {
                matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                )
            })
        })
    });
    if !any {
        return Ok(Vec::new());
    }
    let (contacts, problems) = contact::load_dir(root, &dir);
    fail_on_errors(&problems)?;
    Ok(contacts)
}

/// The written text read back with the real loader: what import writes
/// must load like a hand-written file.
fn as_contact(id: &str, text: &str) -> Result<Contact> {
    let file = PathBuf::from("contacts").join(format!("{id}.yaml"));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    contact::parse_file(&file, text, &mut out, &mut problems);
    let texts = HashMap::from([(file.clone(), text.to_string())]);
    contact::check_all(&out, &texts, &mut problems);
    fail_on_errors(&problems)?;
    out.pop()
        .with_context(|| format!("{} did not load", file.display()))
}

/// A stable, safe, unused id: the name's slug, else the address's local
/// part, else the LinkedIn slug, else a hash of the name; then `-2`, `-3` …
fn unique_id(rec: &Record, taken: &HashSet<String>) -> String {
    let mut base = names::slug(&rec.name);
    if base.is_empty() {
        base = rec
            .emails
            .first()
            .and_then(|e| e.split('@').next())
            .map(names::slug)
            .unwrap_or_default();
    }
    if base.is_empty() {
        base = rec
            .linkedin_key()
            .map(|k| names::slug(&k))
            .unwrap_or_default();
    }
    if base.is_empty() {
        base = format!("contact-{:08x}", fnv(&rec.name) as u32);
    }
    // Long enough to tell people apart, short enough for any file system.
    base.truncate(60);
    let base = base.trim_end_matches('-').to_string();
    let mut id = base.clone();
    let mut n = 1;
    while taken.contains(&id) || !contact::valid_id(&id) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// FNV-1a: a hash that stays the same across runs and versions.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn parse_map(pairs: &[String]) -> Result<Vec<(String, table::Field)>> {
    pairs
        .iter()
        .map(|p| {
            let (col, field) = p.split_once('=').with_context(|| {
                format!("--map `{p}`: write COLUMN=FIELD, e.g. --map \"E-Mail-Adresse=email\"")
            })?;
            if col.trim().is_empty() {
                bail!("--map `{p}`: the column name is blank");
            }
            let f = table::map_field(field).map_err(anyhow::Error::msg)?;
            Ok((col.trim().to_string(), f))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(keep_no_email: bool) -> Options {
        Options {
            format: Format::Auto,
            tags: vec!["fellows".into()],
            keep_no_email,
            map: Vec::new(),
            encoding: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        }
    }

    #[test]
    fn an_export_in_memory_is_planned_like_a_file() {
        let csv = b"Name,Email,Hospital\r\nJos\xE9 N\xFA\xF1ez,jn@example.es,Hospital de M\xE1laga\r\nLi Wei,,Clinic\r\n";
        let plan = plan_bytes("in/excel.csv", csv, &opts(false)).unwrap();
        assert_eq!(
            plan.files,
            [("in/excel.csv".to_string(), Format::Csv, "windows-1252")]
        );
        let [new] = &plan.new[..] else {
            panic!("{:?}", plan.new)
        };
        assert_eq!(new.id, "jose-nunez");
        assert_eq!(new.source, "in/excel.csv:2 (record 1)");
        assert!(
            new.text.starts_with(
                "# Imported on 2026-11-24 from excel.csv:2 (record 1).\nname: José Núñez\n"
            ),
            "{}",
            new.text
        );
        assert_eq!(plan.skipped.len(), 1, "{:?}", plan.skipped);
        let kept = plan_bytes("in/excel.csv", csv, &opts(true)).unwrap();
        assert_eq!(kept.new[1].id, "li-wei");
        assert!(
            kept.new[1].text.contains("- no-email\n"),
            "{}",
            kept.new[1].text
        );

        let err = plan_bytes(
            "in/odd.csv",
            b"Name,Email\n\x81\x8D\x01,a@example.org\n",
            &opts(false),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("in/odd.csv is neither"),
            "{err}"
        );
    }
}
