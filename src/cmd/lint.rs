//! `outreach lint`: check the whole workspace before anything is sent.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Duration;
use clap::Args;

use crate::lint::check_rendered;
use crate::problem::Problem;
use crate::template::{Input, Kind, Thread};
use crate::workspace::{self, Workspace};

/// Check config, contacts and templates: every template rendered for every
/// contact it may go to. Errors exit 1; warnings are advice.
///
/// Finds unknown or misspelled fields, invalid and duplicate addresses,
/// unknown time zones, template syntax errors, fields missing or blank for a
/// contact, placeholders such as [Name] or TODO left in the text, leftover
/// braces, greetings without a name, and over-long subjects and bodies.
///
/// Example: outreach lint
#[derive(Debug, Args)]
pub struct LintArgs {}

pub fn execute(_args: &LintArgs, root: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    let parts = Workspace::load_parts(root);
    let mut problems = parts.problems;
    let mut rendered = 0;
    if let Some(config) = &parts.config {
        let today = workspace::now()?.with_timezone(&config.zone()).date_naive();
        for template in parts.templates.list.values() {
            // Follow-ups are checked against a typical thread.
            let thread = (template.kind == Kind::FollowUp).then(|| Thread {
                subject: "Sample earlier subject".to_string(),
                sent_on: today - Duration::days(10),
                days_waiting: 10,
                step: 1,
            });
            for contact in parts.contacts.iter().filter(|c| c.may_contact()) {
                if parts
                    .templates
                    .missing_requirement(template, contact)
                    .is_some()
                {
                    continue;
                }
                let input = Input {
                    contact,
                    me: &config.me,
                    today,
                    thread: thread.as_ref(),
                };
                match parts.templates.render(template, &input) {
                    Ok(r) => {
                        rendered += 1;
                        problems.extend(check_rendered(template, contact, &r));
                    }
                    Err(p) => problems.push(p),
                }
            }
        }
    }
    problems.dedup();
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    writeln!(
        out,
        "{} contacts, {} templates, {rendered} messages rendered: {errors} error{}, {warnings} warning{}",
        parts.contacts.len(),
        parts.templates.list.len(),
        plural(errors),
        plural(warnings),
    )?;
    Ok(if problems.iter().any(Problem::is_error) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
