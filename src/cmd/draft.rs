//! `outreach draft`: render messages to read, or to files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::cli::SelectArgs;
use crate::compose::compose;
use crate::problem::{fail_on_errors, Problem};
use crate::template::Kind;
use crate::workspace::{self, Workspace};

/// Render a template for the chosen contacts and show the messages, or
/// write them as .eml files. Sends nothing.
///
/// Example: outreach draft intro --all
/// Example: outreach draft post-conference --tag asco-2026 --out drafts/
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The template's name: templates/NAME.hbs.
    pub template: String,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Write one .eml file per message into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the messages as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &DraftArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let template = ws.template(&args.template)?;
    let (contacts, mut skipped) = ws.select(&args.select.selection(), template)?;
    let now = workspace::now()?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut drafts = Vec::new();
    for contact in contacts {
        if template.kind == Kind::FollowUp {
            skipped.push(workspace::Skipped {
                contact,
                reason: "nothing sent to them yet to follow up on".into(),
            });
            continue;
        }
        match compose(ws, template, contact, now, None, 0) {
            Ok((c, warnings)) => {
                problems.extend(warnings);
                drafts.push(c);
            }
            Err(p) => problems.extend(p),
        }
    }
    // Nothing is shown or written unless every message is right.
    fail_on_errors(&problems)?;
    for p in &problems {
        eprintln!("{p}");
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for d in &drafts {
            let path = dir.join(format!("{}-{}.eml", template.name, d.contact.id));
            let tmp = path.with_extension("eml.tmp");
            std::fs::write(&tmp, d.email.formatted())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        writeln!(out, "wrote {} drafts to {}", drafts.len(), dir.display())?;
    } else if args.json {
        let items: Vec<serde_json::Value> = drafts
            .iter()
            .map(|d| {
                serde_json::json!({
                    "contact": d.contact.id,
                    "to": d.contact.email,
                    "subject": d.rendered.subject,
                    "body": d.rendered.body,
                    "message_id": d.message_id,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "template": template.name,
                "drafts": items,
                "skipped": skipped.iter().map(|s| serde_json::json!({"contact": s.contact.id, "reason": s.reason})).collect::<Vec<_>>(),
            }),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    } else {
        for d in &drafts {
            writeln!(out, "To: {} <{}>", d.contact.name, d.contact.email)?;
            writeln!(out, "Subject: {}", d.rendered.subject)?;
            writeln!(out)?;
            write!(out, "{}", crate::message::wrap(&d.rendered.body, 72))?;
            writeln!(out, "{}", "─".repeat(72))?;
        }
        writeln!(
            out,
            "{} drafts from {}",
            drafts.len(),
            template.file.display()
        )?;
    }
    for s in &skipped {
        writeln!(out, "skipped {}: {}", s.contact.id, s.reason)?;
    }
    Ok(ExitCode::SUCCESS)
}
