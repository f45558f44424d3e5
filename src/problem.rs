//! Located problems found while loading or linting a workspace.
//!
//! Loading collects every problem instead of stopping at the first, so one
//! run of any command shows the user all that is wrong, each with its place.

use std::fmt;

/// How bad a problem is: errors stop every command; warnings are advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding, with where it is (`file:line`, or `file:line, contact ID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub place: String,
    pub message: String,
}

impl Problem {
    pub fn error(place: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            place: place.into(),
            message: message.into(),
        }
    }

    pub fn warning(place: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            place: place.into(),
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.place.is_empty() {
            write!(f, "{word}: {}", self.message)
        } else {
            write!(f, "{}: {word}: {}", self.place, self.message)
        }
    }
}

/// The error a command fails with when loading found errors: it carries them
/// all, so `main` prints each on its own line.
#[derive(Debug)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<&Problem> = self.0.iter().filter(|p| p.is_error()).collect();
        for (i, p) in errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Fails with every error in `problems`, if there is any.
pub fn fail_on_errors(problems: &[Problem]) -> Result<(), Problems> {
    if problems.iter().any(Problem::is_error) {
        Err(Problems(problems.to_vec()))
    } else {
        Ok(())
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a
/// likely typo ("emial" → "email").
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["id", "name", "email", "aliases", "timezone"];
        assert_eq!(did_you_mean("emial", fields), Some("email"));
        assert_eq!(did_you_mean("timezon", fields), Some("timezone"));
        assert_eq!(did_you_mean("phone", fields), None);
    }
}
