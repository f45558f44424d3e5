//! `outreach send`: send for real, once per contact, with a journal.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use crate::account;
use crate::cmd::{left_out_code, SelectArgs};
use crate::delivery::{self, plan_batch, recover, send_batch, SendOptions, Step};
use crate::journal::Journal;
use crate::template::Kind;
use crate::terminal::{self, confirm};
use crate::workspace::{self, Workspace};

/// Send a template to the chosen contacts, once each.
///
/// Send a template to the chosen contacts: shows the plan (who, which
/// template, which account, what is skipped and why) and asks before
/// sending. A first-contact template goes to a contact once, ever; a rerun
/// after a crash sends only what had not gone out. With no `smtp:` account
/// the messages are written to outbox/ as .eml files.
///
/// Example: outreach send intro --tag cardiology
///
/// Example: outreach send post-conference --to nunez,rahman --yes
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The template's name: templates/NAME.hbs.
    pub template: String,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Send without asking (for scripts).
    #[arg(long)]
    pub yes: bool,
    /// Only show the plan.
    #[arg(long)]
    pub dry_run: bool,
    /// Send again to contacts who already got this template (asks first).
    #[arg(long)]
    pub again: bool,
    /// Send now even outside the send window.
    #[arg(long)]
    pub now: bool,
    /// No pause between messages and no daily cap (tests, benchmarks).
    #[arg(long)]
    pub no_pace: bool,
}

pub fn execute(args: &SendArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let template = ws.template(&args.template)?;
    if template.kind == Kind::FollowUp {
        bail!("`{}` is a follow-up template: follow-ups are sent by `outreach followup --send`, in the right thread", template.name);
    }
    let now = workspace::now()?;
    let mut journal = Journal::open(&ws.state_dir())?;
    recover(&journal, now)?;
    if ws.config.smtp.is_some() && !args.dry_run {
        match delivery::settle_uncertain(ws, &journal) {
            Ok(n) if n > 0 => {
                eprintln!("{n} uncertain message(s) found in the Sent folder: recorded as sent")
            }
            Ok(_) => {}
            Err(e) => eprintln!(
                "warning: could not look for uncertain messages in the Sent folder: {e:#}"
            ),
        }
        delivery::file_pending_copies(ws, &journal)?;
    }
    let opts = SendOptions {
        again: args.again,
        window: !args.now,
        pace: !args.no_pace,
    };
    let batch = plan_batch(ws, &journal, template, &args.select.selection(), opts, now)?;
    for p in &batch.warnings {
        eprintln!("{p}");
    }

    let via = match &ws.config.smtp {
        Some(s) => format!(
            "SMTP {}:{} as {}",
            s.host,
            s.port.map_or("default".into(), |p| p.to_string()),
            s.username.as_deref().unwrap_or("(no login)")
        ),
        None => "outbox/ as .eml files (no smtp account in outreach.yaml)".to_string(),
    };
    writeln!(
        out,
        "Plan: {} ({}) from {} via {via}",
        template.name,
        template.file.display(),
        ws.config.me.email
    )?;
    let rows: Vec<Vec<String>> = batch
        .steps
        .iter()
        .map(|s| match s {
            Step::New(c) => vec![
                c.id.clone(),
                c.email.clone(),
                if args.again {
                    "send again".into()
                } else {
                    "send".into()
                },
                String::new(),
            ],
            Step::Resume(c, id) => vec![
                c.id.clone(),
                c.email.clone(),
                "send".into(),
                format!("queued earlier (#{id})"),
            ],
            Step::Skip(c, why) | Step::Refuse(c, why) => {
                vec![c.id.clone(), c.email.clone(), "skip".into(), why.clone()]
            }
        })
        .collect();
    terminal::table(out, &["CONTACT", "TO", "ACTION", "NOTE"], &rows)?;
    let sendable = batch.sendable();
    writeln!(out, "{sendable} to send")?;
    let left_out: Vec<(String, String)> = if args.select.to.is_empty() {
        Vec::new()
    } else {
        batch
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Refuse(c, why) => Some((c.id.clone(), why.clone())),
                _ => None,
            })
            .collect()
    };
    let what = template.name.as_str();
    if args.dry_run || sendable == 0 {
        return Ok(left_out_code(&left_out, what));
    }
    if !args.yes {
        confirm(&format!("Send {sendable} message(s) via {via}?"))?;
    }

    // Log in before anything is queued: a wrong password sends nothing.
    let smtp = account::smtp(ws)?;
    let outcome = send_batch(ws, &mut journal, &batch, smtp.as_ref(), opts, now)?;
    outcome.report(out)?;
    let code = left_out_code(&left_out, what);
    Ok(if outcome.all_sent() {
        code
    } else {
        ExitCode::FAILURE
    })
}
