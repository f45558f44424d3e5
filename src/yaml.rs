//! Reading YAML with errors that say where: `file:line:column`, and a
//! "did you mean" for a misspelled field name.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::problem::{did_you_mean, Problem};

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
    message.to_string()
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
    fn key_line_finds_list_entries() {
        let text = "- id: a\n  email: a@example.org\n- id: b\n  email: b@example.org\n";
        assert_eq!(key_line(text, 3, 4, "email"), 4);
        assert_eq!(key_line(text, 3, 4, "id"), 3);
        assert_eq!(key_line(text, 1, 4, "missing"), 1);
    }
}
