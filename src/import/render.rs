//! The YAML an imported record is written as: the fields in the order a
//! person writes them, a comment saying where it came from, and one on
//! any title that was not written as such.

use chrono::NaiveDate;
use serde_yaml::{Mapping, Value};

use super::names::one_line;
use super::record::Record;

pub fn yaml(rec: &Record, source: &str, today: NaiveDate, duplicate_of: Option<&str>) -> String {
    let mut m = Mapping::new();
    let mut put = |key: &str, value: Value| {
        m.insert(Value::String(key.to_string()), value);
    };
    let text = |s: &str| Value::String(s.to_string());
    let list = |v: &[String]| Value::Sequence(v.iter().map(|s| text(s)).collect());
    put("name", text(&rec.name));
    if let Some(t) = &rec.title {
        put("title", text(t));
    }
    if let Some(s) = &rec.salutation {
        put("salutation", text(s));
    }
    if let Some((first, rest)) = rec.emails.split_first() {
        put("email", text(first));
        if !rest.is_empty() {
            put("aliases", list(rest));
        }
    }
    for (key, value) in [
        ("institution", &rec.institution),
        ("role", &rec.role),
        ("specialty", &rec.specialty),
        ("timezone", &rec.timezone),
    ] {
        if let Some(v) = value {
            put(key, text(v));
        }
    }
    if !rec.tags.is_empty() {
        put("tags", list(&rec.tags));
    }
    if let Some(n) = &rec.notes {
        put("notes", text(n));
    }
    if !rec.vars.is_empty() {
        let vars: Mapping = rec.vars.iter().map(|(k, v)| (text(k), text(v))).collect();
        put("vars", Value::Mapping(vars));
    }
    let body = serde_yaml::to_string(&m).unwrap_or_default();
    let mut out = format!("# Imported on {today} from {}.\n", one_line(source));
    if let Some(other) = duplicate_of {
        out.push_str(&format!(
            "# Possibly the same person as `{other}` (same name and institution): check before writing to both.\n"
        ));
    }
    for line in body.lines() {
        out.push_str(line);
        if let (Some(from), true) = (&rec.title_from, line.starts_with("title:")) {
            out.push_str(&format!(
                "  # from \"{}\" after the name",
                one_line(from).replace('"', "'")
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::record::NameParts;

    #[test]
    fn writes_fields_in_order_with_the_title_explained() {
        let mut r = Record::default();
        r.set_name(NameParts {
            first: Some("Hans"),
            last: Some("Muller, PhD"),
            ..Default::default()
        });
        r.add_emails("h.muller@example.org ::: hm@example.net");
        r.institution = Some("Charité".into());
        r.add_tag("linkedin");
        r.add_note("Met at: ESC 2026\nsecond line");
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let y = yaml(&r, "Connections.csv:5 (record 1)", day, Some("muller"));
        assert_eq!(
            y,
            "# Imported on 2026-11-24 from Connections.csv:5 (record 1).\n\
             # Possibly the same person as `muller` (same name and institution): check before writing to both.\n\
             name: Hans Muller\n\
             title: Dr.  # from \"PhD\" after the name\n\
             email: h.muller@example.org\n\
             aliases:\n\
             - hm@example.net\n\
             institution: Charité\n\
             tags:\n\
             - linkedin\n\
             notes: |-\n  Met at: ESC 2026\n  second line\n\
             vars:\n  credentials: PhD\n"
        );
    }
}
