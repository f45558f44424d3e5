//! Reading YAML with errors that say where: `file:line:column`, and a
//! "did you mean" for a misspelled field name.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::problem::{did_you_mean, Problem};

/// Files larger than this are not workspace files someone wrote.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Reads a workspace file (`shown` is its name as reported) as UTF-8 text,
/// or a problem that says where: a byte that is not UTF-8 is located by
/// line and column, and an over-large file is refused before it is read.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Problem> {
    let place = shown.display().to_string();
    let cannot = |e: std::io::Error| Problem::error(place.clone(), format!("cannot read: {e}"));
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > MAX_FILE {
        return Err(Problem::error(
            place.clone(),
            format!(
                "{} MB is too large for a workspace file (at most {} MB)",
                size / 1_000_000,
                MAX_FILE / 1024 / 1024
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let good = &bytes[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        Problem::error(
            format!("{place}:{line}:{column}"),
            format!(
                "not UTF-8 text (byte 0x{:02X}): save the file as UTF-8",
                bytes[good.len()]
            ),
        )
    })
}

/// Parses `text` (the contents of `file`) as a `T`, or returns the located
/// problem. `line_offset` is added to reported lines, for YAML embedded in a
/// larger file (template front matter).
pub fn parse<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    line_offset: usize,
) -> Result<T, Problem> {
    serde_yaml::from_str(text).map_err(|e| located(file, &e, line_offset))
}

/// Turns a serde_yaml error into a located problem.
pub fn located(file: &Path, err: &serde_yaml::Error, line_offset: usize) -> Problem {
    let place = match err.location() {
        Some(loc) => format!(
            "{}:{}:{}",
            file.display(),
            loc.line() + line_offset,
            loc.column()
        ),
        None => file.display().to_string(),
    };
    Problem::error(place, explain(&err.to_string()))
}

/// Rewrites serde's wording into the project's: strips the trailing
/// position (the place says it) and suggests the field that was meant.
fn explain(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return match did_you_mean(field, known.iter().copied()) {
                Some(s) => format!("unknown field `{field}`; did you mean `{s}`?"),
                None => format!(
                    "unknown field `{field}`; known fields: {}",
                    known.join(", ")
                ),
            };
        }
    }
    shorten_quotes(message)
}

/// Values quoted in an error are cut to a short excerpt: a wrong-type
/// value can be a whole file (a 5 MB string, a symlinked /etc/passwd).
fn shorten_quotes(message: &str) -> String {
    const KEEP: usize = 40;
    let mut out = String::with_capacity(message.len().min(512));
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find('"').unwrap_or(rest.len());
        let quoted = &rest[..close];
        let n = quoted.chars().count();
        if n > KEEP {
            out.extend(quoted.chars().take(KEEP));
            out.push_str(&format!("…({n} characters)"));
        } else {
            out.push_str(quoted);
        }
        rest = &rest[close..];
        if let Some(r) = rest.strip_prefix('"') {
            out.push('"');
            rest = r;
        }
    }
    out.push_str(rest);
    out
}

/// The 1-based line of `key:` in `text` between lines `from` and `to`
/// (1-based, inclusive), for problems found after parsing. Falls back to
/// `from` when the key is not written on a line of its own.
pub fn key_line(text: &str, from: usize, to: usize, key: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(to.saturating_sub(from) + 1)
        .find(|(_, line)| {
            let l = line.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let m = "unknown field `emial`, expected one of `id`, `name`, `email` at line 3 column 1";
        assert_eq!(explain(m), "unknown field `emial`; did you mean `email`?");
    }

    #[test]
    fn a_wrong_type_error_quotes_only_an_excerpt() {
        let long = "root:x:0:0:root:/root:/bin/bash\\n".repeat(20_000);
        let m = format!("invalid type: string \"{long}\", expected a sequence at line 1 column 7");
        let e = explain(&m);
        assert!(e.len() < 200, "{e}");
        assert!(e.starts_with("invalid type: string \"root:x:0:0"), "{e}");
        assert!(e.ends_with("characters)\", expected a sequence"), "{e}");
        assert_eq!(
            explain("invalid type: string \"ok\", expected a map"),
            "invalid type: string \"ok\", expected a map"
        );
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nunez.yaml");
        std::fs::write(&path, b"name: Jos\xe9 N\xfa\xf1ez\nemail: j@example.org\n").unwrap();
        let p = read_text(&path, Path::new("contacts/nunez.yaml")).unwrap_err();
        assert_eq!(p.place, "contacts/nunez.yaml:1:10");
        assert!(
            p.message.contains("not UTF-8 text (byte 0xE9)"),
            "{}",
            p.message
        );
    }

    #[test]
    fn key_line_finds_list_entries() {
        let text = "- id: a\n  email: a@example.org\n- id: b\n  email: b@example.org\n";
        assert_eq!(key_line(text, 3, 4, "email"), 4);
        assert_eq!(key_line(text, 3, 4, "id"), 3);
        assert_eq!(key_line(text, 1, 4, "missing"), 1);
    }
}
