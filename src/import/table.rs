//! Spreadsheet exports: LinkedIn Connections.csv, Google Contacts,
//! Outlook (desktop and Outlook.com), a residency-programme sheet, and any
//! CSV with a header row. Columns are matched to fields by name, case- and
//! punctuation-insensitively; the rest go into `vars`.

use std::collections::HashMap;

use csv::{ReaderBuilder, StringRecord, Trim};

use super::names::{honorific, squash, var_key};
use super::record::{iso_date, NameParts, Record};
use super::{Format, Parsed, Skip};
use crate::problem::did_you_mean;

/// How far down the header row may be (LinkedIn puts notes above it).
const HEADER_SEARCH: usize = 50;

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Name,
    First,
    Middle,
    Last,
    /// An honorific, as written (Outlook's `Title`, Google's `Name Prefix`).
    Prefix,
    /// A generic sheet's `Title`: an honorific when it reads as one, else
    /// the job.
    Title,
    Suffix,
    Salutation,
    Email,
    Institution,
    Role,
    Specialty,
    Timezone,
    Notes,
    Tags,
    Linkedin,
    ConnectedOn,
    Var(String),
    Skip,
}

/// The field names `--map COLUMN=FIELD` accepts.
pub const MAP_FIELDS: &[&str] = &[
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "title",
    "credentials",
    "salutation",
    "email",
    "aliases",
    "institution",
    "role",
    "specialty",
    "timezone",
    "notes",
    "tags",
    "linkedin",
    "vars.KEY",
    "skip",
];

/// The field a `--map` value names.
pub fn map_field(text: &str) -> Result<Field, String> {
    let t = text.trim();
    if let Some(key) = t.strip_prefix("vars.") {
        let k = var_key(key);
        return if k.is_empty() {
            Err(format!("`{t}`: name the key after `vars.`"))
        } else {
            Ok(Field::Var(k))
        };
    }
    Ok(match t {
        "name" => Field::Name,
        "first_name" | "first" => Field::First,
        "middle_name" | "middle" => Field::Middle,
        "last_name" | "last" => Field::Last,
        "title" => Field::Prefix,
        "credentials" | "suffix" => Field::Suffix,
        "salutation" => Field::Salutation,
        "email" | "aliases" | "alias" => Field::Email,
        "institution" => Field::Institution,
        "role" => Field::Role,
        "specialty" => Field::Specialty,
        "timezone" => Field::Timezone,
        "notes" => Field::Notes,
        "tags" => Field::Tags,
        "linkedin" => Field::Linkedin,
        "skip" | "ignore" => Field::Skip,
        _ => {
            return Err(match did_you_mean(t, MAP_FIELDS.iter().copied()) {
                Some(s) => format!("unknown field `{t}` in --map; did you mean `{s}`?"),
                None => format!(
                    "unknown field `{t}` in --map; fields: {}",
                    MAP_FIELDS.join(", ")
                ),
            })
        }
    })
}

/// The sheet's layout, found from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Linkedin,
    Google,
    Outlook,
    Residency,
    Generic,
}

/// Reads a CSV export. `map` holds `--map` pairs (column, field).
pub fn read(text: &str, format: Format, map: &[(String, Field)]) -> Result<Parsed, String> {
    let user: HashMap<String, Field> = map.iter().map(|(c, f)| (squash(c), f.clone())).collect();
    let (delimiter, header_at) = sniff(text, &user).ok_or_else(|| {
        format!(
            "found no header row in the first {HEADER_SEARCH} rows: expected columns such as Name, First Name, Last Name or Email (a column of another name can be named with --map COLUMN=name)"
        )
    })?;
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut rows = reader.records().enumerate();
    let header = loop {
        match rows.next() {
            Some((i, Ok(r))) if i == header_at => break r,
            Some((_, Ok(_))) => {}
            Some((_, Err(e))) => {
                return Err(format!("cannot read the header row: {}", csv_error(&e)))
            }
            None => return Err("the file ends before its header row".to_string()),
        }
    };
    let header_line = lines.line(header.position().map_or(0, |p| p.byte() as usize));
    let squashed: Vec<String> = header.iter().map(squash).collect();
    for column in user.keys() {
        if !squashed.contains(column) {
            let name = map
                .iter()
                .find(|(c, _)| squash(c) == *column)
                .map_or("", |(c, _)| c);
            return Err(format!(
                "--map names the column `{name}`, which the header (line {header_line}) does not have; its columns: {}",
                header.iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let layout = match format {
        Format::Linkedin => Layout::Linkedin,
        Format::Google => Layout::Google,
        Format::Outlook => Layout::Outlook,
        _ => detect(&squashed),
    };
    let fields: Vec<Field> = squashed
        .iter()
        .zip(header.iter())
        .map(|(sq, raw)| {
            user.get(sq)
                .cloned()
                .unwrap_or_else(|| field(sq, raw, layout))
        })
        .collect();
    let kinds = email_kinds(&squashed, &fields);
    let mut out = Parsed {
        format: match layout {
            Layout::Linkedin => Format::Linkedin,
            Layout::Google => Format::Google,
            Layout::Outlook => Format::Outlook,
            Layout::Residency | Layout::Generic => Format::Csv,
        },
        source_tag: match layout {
            Layout::Linkedin => "linkedin",
            Layout::Google => "google",
            Layout::Outlook => "outlook",
            Layout::Residency => "residency",
            Layout::Generic => "csv",
        },
        records: Vec::new(),
        skipped: Vec::new(),
    };
    for (number, (_, row)) in rows.enumerate() {
        let number = number + 1;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line(p.byte() as usize));
                out.skipped.push(Skip {
                    number,
                    line,
                    name: String::new(),
                    why: format!("cannot be read: {}", csv_error(&e)),
                });
                continue;
            }
        };
        let line = lines.line(row.position().map_or(0, |p| p.byte() as usize));
        if row.len() > header.len() && row.iter().skip(header.len()).any(|c| !c.is_empty()) {
            out.skipped.push(Skip {
                number,
                line,
                name: row.get(0).unwrap_or_default().to_string(),
                why: format!(
                    "has {} values but the header has {} columns (a {} inside a value that is not quoted?)",
                    row.len(),
                    header.len(),
                    match delimiter {
                        b'\t' => "tab",
                        b';' => "semicolon",
                        _ => "comma",
                    }
                ),
            });
            continue;
        }
        let mut rec = map_row(&row, &fields, &kinds, layout);
        rec.number = number;
        rec.line = line;
        if rec.name.is_empty() {
            let only: Vec<String> = row
                .iter()
                .zip(header.iter())
                .filter(|(c, _)| !c.is_empty())
                .map(|(c, h)| format!("{h} `{c}`"))
                .collect();
            out.skipped.push(Skip {
                number,
                line,
                name: String::new(),
                why: if only.is_empty() {
                    "an empty row".to_string()
                } else {
                    format!("no name (only {})", only.join(", "))
                },
            });
            continue;
        }
        out.records.push(rec);
    }
    Ok(out)
}

/// The delimiter (`,`, `;` or tab) and the index of the header row: the
/// one whose header row has the most columns.
fn sniff(text: &str, user: &HashMap<String, Field>) -> Option<(u8, usize)> {
    let mut best: Option<(usize, u8, usize)> = None;
    for delimiter in [b',', b';', b'\t'] {
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        for (i, row) in reader.records().take(HEADER_SEARCH).enumerate() {
            let Ok(row) = row else { break };
            if is_header(&row, user) {
                if best.is_none_or(|(n, _, _)| row.len() > n) {
                    best = Some((row.len(), delimiter, i));
                }
                break;
            }
        }
    }
    best.map(|(_, d, i)| (d, i))
}

/// A header names a person (a name column) and has another column.
fn is_header(row: &StringRecord, user: &HashMap<String, Field>) -> bool {
    let cells: Vec<String> = row.iter().map(squash).collect();
    cells.iter().filter(|c| !c.is_empty()).count() >= 2
        && cells.iter().any(|c| {
            let f = user
                .get(c)
                .cloned()
                .unwrap_or_else(|| field(c, c, Layout::Generic));
            matches!(f, Field::Name | Field::First | Field::Last)
        })
}

fn detect(cols: &[String]) -> Layout {
    let has = |c: &str| cols.iter().any(|x| x == c);
    if has("connectedon") || (has("url") && has("firstname") && has("position")) {
        Layout::Linkedin
    } else if has("email1value")
        || has("groupmembership")
        || has("organization1name")
        || (has("fileas") && has("labels"))
    {
        Layout::Google
    } else if has("emaildisplayname") || has("email2address") || has("emailtype") {
        Layout::Outlook
    } else if has("programdirector") {
        Layout::Residency
    } else {
        Layout::Generic
    }
}

/// The field of a column, by its squashed name (`raw` names vars).
fn field(sq: &str, raw: &str, layout: Layout) -> Field {
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| sq.ends_with(s));
    match sq {
        "firstname" | "givenname" | "first" | "forename" => Field::First,
        "middlename" | "additionalname" | "middle" => Field::Middle,
        "lastname" | "familyname" | "surname" | "last" => Field::Last,
        "name" | "fullname" | "displayname" | "contactname" | "programdirector" => Field::Name,
        "nameprefix" | "prefix" | "honorific" => Field::Prefix,
        "title" if layout == Layout::Outlook => Field::Prefix,
        "title" => Field::Title,
        "namesuffix" | "suffix" | "credentials" | "degrees" => Field::Suffix,
        "salutation" | "greeting" => Field::Salutation,
        "company" | "organization" | "organisation" | "organizationname" | "organization1name"
        | "institution" | "employer" | "hospital" | "affiliation" | "university" | "program"
        | "programme" | "programname" => Field::Institution,
        "jobtitle" | "position" | "role" | "organizationtitle" | "organization1title"
        | "occupation" => Field::Role,
        "department" | "organizationdepartment" | "organization1department" => {
            Field::Var("department".into())
        }
        "specialty" | "speciality" | "specialization" | "specialisation" => Field::Specialty,
        "timezone" | "tz" => Field::Timezone,
        "notes" | "note" | "comments" | "comment" => Field::Notes,
        "tags" | "tag" | "labels" | "categories" | "groupmembership" | "groups" => Field::Tags,
        "url" if layout == Layout::Linkedin => Field::Linkedin,
        "linkedin" | "linkedinurl" | "linkedinprofile" | "profileurl" => Field::Linkedin,
        "connectedon" => Field::ConnectedOn,
        "emaildisplayname" | "fileas" | "photo" => Field::Skip,
        "coordinatoremail" => Field::Var("coordinator_email".into()),
        _ if email_group(sq).is_some() => Field::Email,
        _ if sq.starts_with("email") && ends(&["type", "label"]) => Field::Skip,
        _ if sq.starts_with("phone") && sq.ends_with("value") => Field::Var("phone".into()),
        _ if sq.starts_with("website") && sq.ends_with("value") => Field::Var("website".into()),
        _ if (sq.starts_with("phone") || sq.starts_with("website")) && ends(&["type", "label"]) => {
            Field::Skip
        }
        _ => Field::Var(var_key(raw)),
    }
}

/// "email1value" → "email1", "emailaddress" → "email", "pdemail" → "pd":
/// the columns holding addresses, and the key that pairs each with its
/// type column ("email1type", "emailtype").
fn email_group(sq: &str) -> Option<&str> {
    if matches!(sq, "email" | "mail" | "emailaddress") {
        return Some("email");
    }
    if let Some(rest) = sq.strip_prefix("email") {
        if rest.chars().all(|c| c.is_ascii_digit()) {
            return Some(sq);
        }
        for end in ["value", "address"] {
            if let Some(g) = sq.strip_suffix(end) {
                if g["email".len()..].chars().all(|c| c.is_ascii_digit()) {
                    return Some(g);
                }
            }
        }
        return None;
    }
    sq.strip_suffix("email").filter(|g| !g.is_empty())
}

/// For each address column, the column that says its type, where Google
/// marks the primary address with "* ".
fn email_kinds(cols: &[String], fields: &[Field]) -> HashMap<usize, usize> {
    let mut kinds = HashMap::new();
    for (i, sq) in cols.iter().enumerate() {
        if fields[i] != Field::Email {
            continue;
        }
        let Some(group) = email_group(sq) else {
            continue;
        };
        if let Some(k) = cols
            .iter()
            .position(|c| *c == format!("{group}type") || *c == format!("{group}label"))
        {
            kinds.insert(i, k);
        }
    }
    kinds
}

fn map_row(
    row: &StringRecord,
    fields: &[Field],
    kinds: &HashMap<usize, usize>,
    layout: Layout,
) -> Record {
    let mut rec = Record::default();
    let mut parts = NameParts::default();
    let mut titles: Vec<&str> = Vec::new();
    for (i, cell) in row.iter().enumerate() {
        let Some(f) = fields.get(i) else { break };
        if cell.is_empty() {
            continue;
        }
        match f {
            Field::Name => parts.full = parts.full.or(Some(cell)),
            Field::First => parts.first = parts.first.or(Some(cell)),
            Field::Middle => parts.middle = parts.middle.or(Some(cell)),
            Field::Last => parts.last = parts.last.or(Some(cell)),
            Field::Prefix => parts.prefix = parts.prefix.or(Some(cell)),
            Field::Suffix => parts.suffix = parts.suffix.or(Some(cell)),
            Field::Title => titles.push(cell),
            Field::Salutation => Record::set_text(&mut rec.salutation, cell),
            Field::Email => {
                let primary = kinds
                    .get(&i)
                    .and_then(|k| row.get(*k))
                    .is_some_and(|t| t.starts_with("* ") || t == "*")
                    && !cell.contains(":::");
                if primary {
                    rec.add_emails(&format!("* {cell}"));
                } else {
                    rec.add_emails(cell);
                }
            }
            Field::Institution => Record::set_text(&mut rec.institution, cell),
            Field::Role => Record::set_text(&mut rec.role, cell),
            Field::Specialty => Record::set_text(&mut rec.specialty, cell),
            Field::Timezone => rec.set_timezone(cell),
            Field::Notes => rec.add_note(cell),
            Field::Tags => rec.add_labels(cell),
            Field::Linkedin => rec.set_linkedin(cell),
            Field::ConnectedOn => rec.set_var("connected_on", &iso_date(cell)),
            Field::Var(key) => rec.set_var(key, cell),
            Field::Skip => {}
        }
    }
    // A generic `Title` is the honorific when it reads as one ("Dr"),
    // otherwise the job ("Associate Professor of Medicine").
    for t in titles {
        if parts.prefix.is_none() && honorific(t).is_some() {
            parts.prefix = Some(t);
        } else if rec.role.is_none() {
            Record::set_text(&mut rec.role, t);
        } else {
            rec.set_var("title", t);
        }
    }
    rec.set_name(parts);
    if layout == Layout::Residency && rec.role.is_none() {
        rec.role = Some("Program Director".to_string());
    }
    rec
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 ({err})"),
        _ => e.to_string(),
    }
}

/// Lines of byte offsets, counted by the importer itself: the csv crate's
/// own line numbers are wrong after CRLF line ends and blank lines.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `byte` that is not a
    /// line end (a record's offset may point at the blank lines before it).
    /// Offsets must not decrease between calls.
    fn line(&mut self, byte: usize) -> usize {
        let mut byte = byte.min(self.text.len());
        while byte < self.text.len() && matches!(self.text[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte < self.at {
            return self.line;
        }
        self.line += self.text[self.at..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.at = byte;
        self.line
    }
}
