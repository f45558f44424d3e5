//! Drafts: messages rendered for reading before anything is sent
//! (follow-ups in the thread `followup` would write them in), written as
//! .eml files, or filed in the account's Drafts folder, each once.

use std::path::Path;

use ::imap::types::Flag;
use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::account;
use crate::compose::{compose, compose_raw, Composed};
use crate::delivery::once_key;
use crate::imap::{Imap, Special};
use crate::journal::{Journal, NewMessage, State};
use crate::planner::thread_of;
use crate::policy::ActionKind;
use crate::problem::{fail_on_errors, Problem};
use crate::review::Book;
use crate::template::{Kind, Template};
use crate::workspace::{self, Selection, Skipped, Workspace};

/// The drafts of `template` for `selection`: every message rendered, or
/// an error naming each that can't be. Returns the drafts, the contacts
/// left out and why, and the warnings.
pub fn prepare<'w>(
    ws: &'w Workspace,
    template: &'w Template,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<(Vec<Composed<'w>>, Vec<Skipped<'w>>, Vec<Problem>)> {
    let (contacts, mut skipped) = ws.select(selection, template)?;
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
    let mut jobs = Vec::with_capacity(contacts.len());
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
                        skipped.push(Skipped {
                            contact,
                            reason: format!("no follow-up planned ({})", r.stage.label(now)),
                        });
                        continue;
                    }
                },
                None => {
                    skipped.push(Skipped {
                        contact,
                        reason: "nothing sent to them yet to follow up on".into(),
                    });
                    continue;
                }
            }
        }
        jobs.push((contact, thread));
    }
    // Rendering is the work: shared between the cores, in order.
    for result in crate::parallel::map(&jobs, 64, |(contact, thread)| {
        compose(ws, template, contact, now, thread.as_ref(), 0)
    }) {
        match result {
            Ok((c, warnings)) => {
                problems.extend(warnings);
                drafts.push(c);
            }
            Err(p) => problems.extend(p),
        }
    }
    // Nothing is shown or written unless every message is right.
    fail_on_errors(&problems)?;
    Ok((drafts, skipped, problems))
}

/// Writes one .eml file per draft into `dir`, each atomically.
pub fn write_files(
    ws: &Workspace,
    dir: &Path,
    template: &Template,
    drafts: &[Composed],
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for d in drafts {
        let path = dir.join(format!("{}-{}.eml", template.name, d.contact.id));
        let tmp = path.with_extension("eml.tmp");
        std::fs::write(&tmp, d.email(&ws.config.me)?.formatted())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Queues the drafts in the journal (once per contact, like `send`), then
/// files each in the Drafts folder. Those filed before join `skipped`;
/// returns how many were filed, and where.
pub fn file_new<'a>(
    ws: &'a Workspace,
    template: &Template,
    drafts: &[Composed<'a>],
    skipped: &mut Vec<Skipped<'a>>,
    now: DateTime<Utc>,
) -> Result<(usize, String)> {
    let mut journal = Journal::open(&ws.state_dir())?;
    let mut imap = account::imap(ws)?;
    let folder = folder(&mut imap)?;
    let mut fresh = Vec::new();
    for d in drafts {
        let key = once_key(template, d.contact, ws.today(now));
        match journal.by_once_key(&key)? {
            Some(m) => skipped.push(Skipped {
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
        compose_raw(
            ws,
            template,
            fresh[i].0.contact,
            now,
            None,
            None,
            salt as u64,
        )
    })?;
    let filed = file(&journal, &mut imap, &folder, &ids)?;
    let _ = imap.logout();
    Ok((filed, folder))
}

/// The Drafts folder: from outreach.yaml, else the one marked \Drafts.
pub fn folder(imap: &mut Imap) -> Result<String> {
    imap.special(Special::Drafts)?
        .context("the server names no Drafts folder (set imap.drafts_folder in outreach.yaml)")
}

/// Files the queued messages `ids` in `folder` with \Draft, each marked
/// `sending` while it is being filed and `drafted` after. Returns how many.
pub fn file(journal: &Journal, imap: &mut Imap, folder: &str, ids: &[i64]) -> Result<usize> {
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
