//! What the terminal shows and asks: aligned tables, a progress bar, and
//! the confirmation prompt before anything is sent.

use std::io::{self, IsTerminal, Write};

use anyhow::{bail, Result};

/// Writes `rows` under `header`, columns padded to their widest cell
/// (counted in characters, so UTF-8 names line up).
pub fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// Asks on the terminal; refuses when there is none to ask on.
pub fn confirm(question: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("not sending without confirmation: run in a terminal to be asked, or pass --yes");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        bail!("nothing sent")
    }
}

/// A progress bar on stderr, only on a terminal and for more than a few.
pub struct Progress {
    total: usize,
    shown: bool,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            shown: total > 3 && std::io::stderr().is_terminal(),
        }
    }

    pub fn tick(&self, done: usize) {
        if self.shown {
            eprint!("\r{}", bar(done, self.total));
        }
    }

    pub fn done(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

/// `[####......] 4/10`; a count past the total shows as full.
fn bar(done: usize, total: usize) -> String {
    let done = done.min(total);
    let width = 30;
    let filled = done * width / total.max(1);
    format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_and_never_overflows() {
        assert_eq!(bar(0, 4), format!("[{}] 0/4", ".".repeat(30)));
        assert_eq!(
            bar(2, 4),
            format!("[{}{}] 2/4", "#".repeat(15), ".".repeat(15))
        );
        assert_eq!(bar(5, 4), format!("[{}] 4/4", "#".repeat(30)));
        assert_eq!(bar(1, 0), format!("[{}] 0/0", ".".repeat(30)));
    }
}
