//! `outreach draft`: render messages to read, or to files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use ::imap::types::Flag;
use chrono::{DateTime, Utc};

use crate::cli::SelectArgs;
use crate::cmd::followup::thread_of;
use crate::cmd::send::{connect_imap, once_key};
use crate::compose::{compose, compose_raw, Composed};
use crate::imap::{Imap, Special};
use crate::journal::{Journal, NewMessage, State};
use crate::policy::ActionKind;
use crate::problem::{fail_on_errors, Problem};
use crate::review::Book;
use crate::template::{Kind, Template};
use crate::workspace::{self, Workspace};

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
    let (contacts, mut skipped) = ws.select(&args.select.selection(), template)?;
    let now = workspace::now()?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut drafts = Vec::new();
    // Follow-ups are drafted in their thread, as `followup` would write
    // them; only an existing journal is read.
    let history = match template.kind {
        Kind::FollowUp if ws.state_dir().join("journal.sqlite").exists() => {
            let journal = Journal::open(&ws.state_dir())?;
            let book = Book::read(ws, &journal)?;
            Some((journal, book))
        }
        _ => None,
    };
    for contact in contacts {
        let mut thread = None;
        if template.kind == Kind::FollowUp {
            let next = history
                .as_ref()
                .map(|(j, b)| (j, b, b.review(contact, now)));
            match next {
                Some((j, b, r)) => match r.next.map(|a| a.kind) {
                    Some(ActionKind::FollowUp { thread: t, step }) => {
                        thread = Some(thread_of(b, j, contact, t, step, now, false)?);
                    }
                    _ => {
                        skipped.push(workspace::Skipped {
                            contact,
                            reason: format!("no follow-up planned ({})", r.stage.label(now)),
                        });
                        continue;
                    }
                },
                None => {
                    skipped.push(workspace::Skipped {
                        contact,
                        reason: "nothing sent to them yet to follow up on".into(),
                    });
                    continue;
                }
            }
        }
        match compose(ws, template, contact, now, thread.as_ref(), 0) {
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
    if args.imap_drafts {
        if template.kind == Kind::FollowUp {
            bail!("follow-ups are filed in their thread by `outreach followup --imap-drafts`");
        }
        return to_drafts(ws, template, &drafts, skipped, now, out);
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

/// Queues the drafts in the journal (once per contact, like `send`), then
/// files each in the Drafts folder.
fn to_drafts<'a>(
    ws: &'a Workspace,
    template: &Template,
    drafts: &[Composed<'a>],
    mut skipped: Vec<workspace::Skipped<'a>>,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut journal = Journal::open(&ws.state_dir())?;
    let mut imap = connect_imap(ws)?;
    let folder = drafts_folder(&mut imap)?;
    let mut fresh = Vec::new();
    for d in drafts {
        let key = once_key(template, d.contact, ws.today(now));
        match journal.by_once_key(&key)? {
            Some(m) => skipped.push(workspace::Skipped {
                contact: d.contact,
                reason: format!("already {} ({})", m.state.as_str(), m.transport),
            }),
            None => fresh.push((d, key)),
        }
    }
    let items: Vec<NewMessage> = fresh
        .iter()
        .map(|(d, key)| NewMessage {
            contact: &d.contact.id,
            template: &template.name,
            kind: template.kind,
            step: 0,
            thread: None,
            once_key: Some(key.clone()),
            recipient: &d.contact.email,
            transport: "drafts",
            not_before: None,
        })
        .collect();
    let ids = journal.queue_all(&items, now, |i, salt| {
        compose_raw(ws, template, fresh[i].0.contact, now, None, salt as u64)
    })?;
    let filed = file_drafts(&journal, &mut imap, &folder, &ids)?;
    let _ = imap.logout();
    writeln!(out, "filed {filed} draft(s) in {folder}")?;
    for s in &skipped {
        writeln!(out, "skipped {}: {}", s.contact.id, s.reason)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The Drafts folder: from outreach.yaml, else the one marked \Drafts.
pub fn drafts_folder(imap: &mut Imap) -> Result<String> {
    imap.special(Special::Drafts)?
        .context("the server names no Drafts folder (set imap.drafts_folder in outreach.yaml)")
}

/// Files the queued messages `ids` in `folder` with \Draft, each marked
/// `sending` while it is being filed and `drafted` after. Returns how many.
pub fn file_drafts(journal: &Journal, imap: &mut Imap, folder: &str, ids: &[i64]) -> Result<usize> {
    for &id in ids {
        if !journal.start_sending(id, workspace::now()?)? {
            continue;
        }
        let raw = journal.raw(id)?;
        if let Err(e) = imap.append(folder, &raw, &[Flag::Draft, Flag::Seen]) {
            // Most likely not filed; if it was, a second draft sends
            // nothing. The next run tries again.
            journal.finish(
                id,
                State::Queued,
                Some(&format!("{e:#}")),
                workspace::now()?,
            )?;
            return Err(e);
        }
        journal.finish(
            id,
            State::Drafted,
            Some(&format!("filed in {folder}")),
            workspace::now()?,
        )?;
    }
    Ok(ids.len())
}
