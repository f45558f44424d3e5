//! `outreach contacts --csv`: the contacts as a spreadsheet, the typed
//! fields first, then one `vars.KEY` column per key any contact has.
//! Lists (aliases, tags) are joined with "; ", which import splits again.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;

use crate::contact::Contact;

const COLUMNS: &[&str] = &[
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
    "met.event",
    "met.date",
    "met.topic",
    "met.location",
    "tags",
    "cadence",
    "do_not_contact",
    "notes",
];

/// Writes `contacts` as CSV (UTF-8, CRLF, quoted where needed).
pub fn write_csv(out: &mut dyn Write, contacts: &[&Contact]) -> Result<()> {
    let keys: BTreeSet<&str> = contacts
        .iter()
        .flat_map(|c| c.vars.keys().map(String::as_str))
        .collect();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(keys.iter().map(|k| format!("vars.{k}")))
        .collect();
    w.write_record(&header)?;
    for c in contacts {
        let met = c.met.clone().unwrap_or_default();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut row = vec![
            c.id.clone(),
            c.name.clone(),
            opt(&c.title),
            c.salutation(),
            c.email.clone(),
            c.aliases.join("; "),
            opt(&c.institution),
            opt(&c.role),
            opt(&c.specialty),
            opt(&c.timezone),
            opt(&met.event),
            met.date.map(|d| d.to_string()).unwrap_or_default(),
            opt(&met.topic),
            opt(&met.location),
            c.tags.join("; "),
            opt(&c.cadence),
            opt(&c.do_not_contact),
            opt(&c.notes),
        ];
        for k in &keys {
            row.push(match c.vars.get(*k) {
                None | Some(serde_yaml::Value::Null) => String::new(),
                Some(serde_yaml::Value::String(s)) => s.clone(),
                Some(other) => serde_json::to_string(other).unwrap_or_default(),
            });
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}
