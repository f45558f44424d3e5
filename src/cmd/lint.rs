//! `outreach lint`: check the whole workspace before anything is sent.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::lint::{lint_workspace, Linted};
use crate::workspace;

/// Check the whole workspace before anything is sent.
///
/// Check config, contacts and templates: every template rendered for every
/// contact it may go to. Errors exit 1; warnings are advice.
///
/// Finds unknown or misspelled fields, invalid and duplicate addresses,
/// unknown time zones, template syntax errors, fields missing or blank for a
/// contact, placeholders such as [Name] or TODO left in the text, leftover
/// braces, greetings without a name, and over-long subjects and bodies.
///
/// Example: outreach lint
///
/// Example: outreach lint --json
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Print the problems as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &LintArgs, root: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    let Linted {
        parts,
        problems,
        rendered,
    } = lint_workspace(root, workspace::now()?)?;
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    let code = if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    if args.json {
        let list: Vec<_> = problems
            .iter()
            .map(|p| {
                serde_json::json!({
                    "severity": if p.is_error() { "error" } else { "warning" },
                    "place": p.place,
                    "message": p.message,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "contacts": parts.contacts.len(),
                "templates": parts.templates.list.len(),
                "rendered": rendered,
                "errors": errors,
                "warnings": warnings,
                "problems": list,
            }),
        )?;
        writeln!(out)?;
        return Ok(code);
    }
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    writeln!(
        out,
        "{} contacts, {} templates, {rendered} messages rendered: {errors} error{}, {warnings} warning{}",
        parts.contacts.len(),
        parts.templates.list.len(),
        plural(errors),
        plural(warnings),
    )?;
    Ok(code)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
