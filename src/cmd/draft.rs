//! `outreach draft`: render messages to read, or to files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use crate::cmd::{left_out_code, SelectArgs};
use crate::template::Kind;
use crate::{drafts, workspace, workspace::Workspace};

/// Render a template for the chosen contacts, without sending.
///
/// Shows the messages, writes them as .eml files (--out), or files them in
/// the mail account's Drafts folder (--imap-drafts). Sends nothing.
///
/// Example: outreach draft intro --all
///
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
    /// File them in the mail account's Drafts folder (with \Draft), to
    /// edit and send from your own mail client. Recorded in the journal:
    /// each goes to Drafts once, and counts as sent when `check` finds it
    /// in the Sent folder.
    #[arg(long, conflicts_with_all = ["out", "json"])]
    pub imap_drafts: bool,
    /// Print the messages as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &DraftArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let template = ws.template(&args.template)?;
    let now = workspace::now()?;
    let (drafts, mut skipped, warnings) =
        drafts::prepare(ws, template, &args.select.selection(), now)?;
    for p in &warnings {
        eprintln!("{p}");
    }
    // Those named with --to who can't have this draft (filed before is
    // not a failure).
    let left_out = args.select.named_left_out(&skipped);
    if args.imap_drafts {
        if template.kind == Kind::FollowUp {
            bail!("follow-ups are filed in their thread by `outreach followup --imap-drafts`");
        }
        let (filed, folder) = drafts::file_new(ws, template, &drafts, &mut skipped, now)?;
        writeln!(out, "filed {filed} draft(s) in {folder}")?;
    } else if let Some(dir) = &args.out {
        drafts::write_files(ws, dir, template, &drafts)?;
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
        return Ok(left_out_code(
            &left_out,
            &format!("a {} draft", template.name),
        ));
    } else {
        // Laid out on every core, written in one go.
        let rule = "─".repeat(72);
        let shown = crate::parallel::map(&drafts, 64, |d| {
            format!(
                "To: {} <{}>\nSubject: {}\n\n{}{rule}\n",
                d.contact.name,
                d.contact.email,
                d.rendered.subject,
                crate::message::wrap(&d.rendered.body, 72)
            )
        });
        out.write_all(shown.concat().as_bytes())?;
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
    Ok(left_out_code(
        &left_out,
        &format!("a {} draft", template.name),
    ))
}
