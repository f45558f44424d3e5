//! `outreach lint`: check the whole workspace before anything is sent.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::Duration;
use clap::Args;

use crate::journal::{Journal, State};
use crate::lint::check_rendered;
use crate::policy::post_conference_late;
use crate::problem::Problem;
use crate::review;
use crate::template::{Input, Kind, Thread};
use crate::workspace::{self, Workspace};

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
    let parts = Workspace::load_parts(root);
    let mut problems = parts.problems.clone();
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
    if let Some(config) = &parts.config {
        problems.extend(policy_problems(root, config, &parts)?);
    }
    problems.dedup();
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

/// The follow-up policy's templates exist and are of the right kind, and
/// no post-conference message is getting late.
fn policy_problems(
    root: &Path,
    config: &crate::config::Config,
    parts: &workspace::Parts,
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let f = &config.followup;
    let mut named = vec![
        (
            "followup.template",
            f.template.as_str(),
            Some(Kind::FollowUp),
        ),
        (
            "followup.checkin_template",
            f.checkin_template.as_str(),
            None,
        ),
        (
            "followup.post_conference_template",
            f.post_conference_template.as_str(),
            None,
        ),
    ];
    for (first, rule) in &f.templates {
        named.push(("followup.templates", first.as_str(), None));
        if let Some(t) = &rule.template {
            named.push((
                "followup.templates.*.template",
                t.as_str(),
                Some(Kind::FollowUp),
            ));
        }
    }
    for (key, name, kind) in named {
        match parts.templates.list.get(name) {
            None => problems.push(Problem::warning(
                crate::config::FILE,
                format!("{key} names `{name}`, but there is no templates/{name}.hbs"),
            )),
            Some(t) if kind.is_some_and(|k| k != t.kind) => problems.push(Problem::error(
                t.file.display().to_string(),
                format!("{key} uses `{name}` for follow-ups, so it needs `kind: follow-up` in its front matter"),
            )),
            Some(_) => {}
        }
    }
    let policy = review::policy(config);
    if !parts
        .templates
        .list
        .contains_key(&policy.post_conference_template)
    {
        return Ok(problems);
    }
    // Only an existing journal is read: lint never creates one.
    let state = root.join(".outreach");
    let journal = if state.join("journal.sqlite").exists() {
        Some(Journal::open(&state)?)
    } else {
        None
    };
    let today = workspace::now()?.with_timezone(&config.zone()).date_naive();
    for contact in &parts.contacts {
        let first_sent = match &journal {
            Some(j) => j
                .messages_for(&contact.id)?
                .iter()
                .any(|m| m.kind == Kind::FirstContact && m.state == State::Sent),
            None => false,
        };
        if let Some(w) = post_conference_late(contact, &policy, today, first_sent) {
            problems.push(Problem::warning(
                format!("{}, contact {}", contact.place(), contact.id),
                w,
            ));
        }
    }
    Ok(problems)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
