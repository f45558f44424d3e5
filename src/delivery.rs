//! Delivering messages under the journal: each is queued before anything
//! goes, marked `sending` on disk before its data, and settled after, so
//! nothing goes twice even across a crash. Once-only keys, the send
//! window and daily cap (`Pacing`), Sent copies, the outbox/ and Drafts
//! folder as destinations, and the recovery and settling of messages
//! whose fate a crash left uncertain.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ::imap::types::Flag;
use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::compose::{compose, compose_raw};
use crate::contact::Contact;
use crate::imap::Special;
use crate::journal::{EventKind, Journal, Message, NewMessage, State};
use crate::problem::{fail_on_errors, Problem};
use crate::schedule::{self, local_in, Window};
use crate::smtp::{SendError, Smtp};
use crate::template::{Kind, Template};
use crate::terminal::{self, Progress};
use crate::workspace::{self, Selection, Workspace};
use crate::{account, review};

/// What a batch does for one contact.
pub enum Step<'a> {
    /// A new message.
    New(&'a Contact),
    /// A message queued earlier that never reached the server.
    Resume(&'a Contact, i64),
    /// Not now: the message already went (or waits to be resolved), or
    /// waits for the send window or the daily cap.
    Skip(&'a Contact, String),
    /// They can't get it: do not contact, a bounced address, a field the
    /// template requires, or an earlier failure.
    Refuse(&'a Contact, String),
}

/// How a batch goes.
#[derive(Debug, Clone, Copy)]
pub struct SendOptions {
    /// Send again to contacts who already got the template.
    pub again: bool,
    /// Keep the send window.
    pub window: bool,
    /// Pause between messages and keep the daily cap.
    pub pace: bool,
}

/// One template for a selection of contacts, planned: what happens for
/// each, with the warnings found while every new message was rendered.
pub struct Batch<'w> {
    pub template: &'w Template,
    pub steps: Vec<Step<'w>>,
    pub warnings: Vec<Problem>,
}

impl Batch<'_> {
    /// How many messages would go.
    pub fn sendable(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::New(_) | Step::Resume(..)))
            .count()
    }
}

/// Plans sending `template` to `selection`: who gets it now, who got it
/// before, who waits (window, cap) or may not be written to. Every new
/// message is rendered first: an error in any fails the whole plan.
pub fn plan_batch<'w>(
    ws: &'w Workspace,
    journal: &Journal,
    template: &'w Template,
    selection: &Selection,
    opts: SendOptions,
    now: DateTime<Utc>,
) -> Result<Batch<'w>> {
    let (chosen, skipped) = ws.select(selection, template)?;
    let mut steps: Vec<Step> = skipped
        .into_iter()
        .map(|s| Step::Refuse(s.contact, s.reason))
        .collect();
    let mut problems: Vec<Problem> = Vec::new();
    let mut pacing = Pacing::new(
        ws,
        journal,
        now,
        opts.window && ws.config.smtp.is_some(),
        opts.pace,
    )?;
    for contact in chosen {
        if let Some(why) = held_back(journal, contact)? {
            steps.push(Step::Refuse(contact, why));
            continue;
        }
        let key = once_key(template, contact, ws.today(now));
        let step = match journal.by_once_key(&key)? {
            Some(m) if opts.again && m.state != State::Queued => Step::New(contact),
            Some(m) => match earlier(&m, ws.config.zone()) {
                Ok(id) => Step::Resume(contact, id),
                Err(why) if m.state == State::Failed => {
                    Step::Refuse(contact, format!("{why}; --again to send anyway"))
                }
                Err(why) if m.state == State::Drafted => {
                    Step::Skip(contact, format!("{why}; --again to send anyway"))
                }
                Err(why) => Step::Skip(contact, why),
            },
            // One first message per person: a second would reach someone
            // already written to, or in conversation.
            None if template.kind == Kind::FirstContact && !opts.again => {
                match review::first_contact_hold(ws, journal, contact, &template.name, now)? {
                    Some(why) => Step::Skip(contact, format!("{why}; --again to send anyway")),
                    None => Step::New(contact),
                }
            }
            None => Step::New(contact),
        };
        let step = match step {
            Step::Skip(..) | Step::Refuse(..) => step,
            _ => match pacing.hold(contact) {
                Some(Wait::Window(why)) => {
                    Step::Skip(contact, format!("{why}; --now to send anyway"))
                }
                Some(Wait::Cap(why)) => Step::Skip(contact, why),
                None => step,
            },
        };
        if let Step::New(c) = &step {
            // Validate now: nothing is queued unless every message renders.
            match compose(ws, template, c, now, None, 0) {
                Ok((_, warnings)) => problems.extend(warnings),
                Err(p) => problems.extend(p),
            }
        }
        steps.push(step);
    }
    fail_on_errors(&problems)?;
    Ok(Batch {
        template,
        steps,
        warnings: problems,
    })
}

/// Queues the batch's new messages (all committed before the first goes
/// out) and delivers them with the ones queued earlier.
pub fn send_batch(
    ws: &Workspace,
    journal: &mut Journal,
    batch: &Batch,
    smtp: Option<&Smtp>,
    opts: SendOptions,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let template = batch.template;
    let transport = if smtp.is_some() { "smtp" } else { "outbox" };
    let mut ids = Vec::new();
    let mut new_contacts = Vec::new();
    for step in &batch.steps {
        match step {
            Step::New(c) => new_contacts.push(*c),
            Step::Resume(_, id) => {
                let m = journal.get(*id)?.context("a queued message vanished")?;
                if m.state == State::Unsent {
                    journal.finish(*id, State::Queued, m.server_reply.as_deref(), now)?;
                }
                ids.push(*id);
            }
            Step::Skip(..) | Step::Refuse(..) => {}
        }
    }
    let mut new_messages = Vec::with_capacity(new_contacts.len());
    for c in &new_contacts {
        let key = once_key(template, c, ws.today(now));
        if opts.again {
            journal.retire_once_key(&key, now)?;
        }
        new_messages.push(NewMessage {
            contact: &c.id,
            template: &template.name,
            kind: template.kind,
            step: 0,
            thread: None,
            once_key: Some(key),
            recipient: &c.email,
            transport,
            not_before: None,
        });
    }
    ids.extend(journal.queue_all(&new_messages, now, |i, salt| {
        compose_raw(ws, template, new_contacts[i], now, None, None, salt as u64)
    })?);
    deliver(ws, journal, smtp, &ids, opts.pace)
}

/// What an earlier message under the same once-only key means for this
/// one: `Ok(id)` when it never went out and may go now, else why it
/// stands in the way.
pub fn earlier(m: &Message, zone: chrono_tz::Tz) -> Result<i64, String> {
    match m.state {
        State::Queued | State::Unsent => Ok(m.id),
        State::Sent => Err(format!(
            "already sent {} ({})",
            local_in(m.sent_at.unwrap_or(m.created_at), zone),
            m.transport
        )),
        State::Failed => Err(format!(
            "failed before: {}",
            m.server_reply.as_deref().unwrap_or_default()
        )),
        State::Drafted => Err(format!(
            "filed in your {} since {}: send it from your mail client",
            if m.transport == "outbox" {
                "outbox/"
            } else {
                "Drafts folder"
            },
            local_in(m.created_at, zone)
        )),
        State::Sending | State::Uncertain => Err(format!(
            "uncertain whether it went out; check your Sent folder, then `outreach resolve {} sent|unsent`",
            m.id
        )),
    }
}

/// Marks what an earlier run left mid-send as uncertain, and says so.
pub fn recover(journal: &Journal, now: DateTime<Utc>) -> Result<()> {
    let n = journal.recover(now)?;
    if n > 0 {
        eprintln!("warning: {n} message(s) were being sent when an earlier run stopped; they are marked uncertain and will not be resent (see `outreach resolve`)");
    }
    Ok(())
}

/// Why nothing more may go to `contact`, from what the journal learned:
/// they asked not to be contacted, or their address bounced (a bounce of
/// an address the contact no longer has does not count).
pub fn held_back(journal: &Journal, contact: &Contact) -> Result<Option<String>> {
    Ok(journal
        .events_for(&contact.id)?
        .iter()
        .find_map(|e| match e.kind {
            EventKind::MarkedDoNotContact => Some(format!("do not contact ({})", e.summary)),
            EventKind::MarkedBounced => Some(format!("their address bounced ({})", e.summary)),
            EventKind::Bounce if review::bounce_applies(e, contact) => {
                Some(format!("an earlier message bounced: {}", e.summary))
            }
            _ => None,
        }))
}

/// The key that makes a message once-only: a first contact once per
/// contact and template; a note once per contact, template and day.
pub fn once_key(template: &Template, contact: &Contact, today: chrono::NaiveDate) -> String {
    match template.kind {
        Kind::Note => format!("note:{}:{}:{today}", contact.id, template.name),
        _ => format!("first:{}:{}", contact.id, template.name),
    }
}

/// The send window and the daily cap, as a batch is planned: each
/// message that may go takes one place under the cap.
pub struct Pacing<'w> {
    ws: &'w Workspace,
    now: DateTime<Utc>,
    /// None: the window is not kept (`--now`, or nothing is sent).
    window: Option<Window>,
    /// Places left today (None: no cap).
    left: Option<u32>,
}

impl<'w> Pacing<'w> {
    pub fn new(
        ws: &'w Workspace,
        journal: &Journal,
        now: DateTime<Utc>,
        window: bool,
        cap: bool,
    ) -> Result<Pacing<'w>> {
        let left = if cap {
            let used = journal.sent_since(schedule::start_of_day(now, ws.config.zone()))?;
            Some(ws.config.limits.per_day.saturating_sub(used))
        } else {
            None
        };
        Ok(Pacing {
            ws,
            now,
            window: window.then(|| send_window(ws)),
            left,
        })
    }

    /// Why a message to `contact` must wait, or None when it may go now
    /// (it then counts against the cap).
    pub fn hold(&mut self, contact: &Contact) -> Option<Wait> {
        if let Some(w) = &self.window {
            let zone = contact.zone(self.ws.config.zone());
            if let Err(opens) = schedule::window_check(self.now, zone, w) {
                return Some(Wait::Window(format!(
                    "waits for the send window: opens {} ({zone})",
                    local_in(opens, zone)
                )));
            }
        }
        match &mut self.left {
            Some(0) => Some(Wait::Cap(format!(
                "waits: the daily limit of {} is reached",
                self.ws.config.limits.per_day
            ))),
            Some(n) => {
                *n -= 1;
                None
            }
            None => None,
        }
    }
}

/// Why a message waits for a later run, in words.
pub enum Wait {
    Window(String),
    Cap(String),
}

impl Wait {
    pub fn into_reason(self) -> String {
        match self {
            Wait::Window(why) | Wait::Cap(why) => why,
        }
    }
}

fn send_window(ws: &Workspace) -> Window {
    let (start, end) = ws.config.send_window.hours().expect("checked when loaded");
    Window {
        days: ws.config.send_window.weekdays(),
        start,
        end,
        holidays: ws.config.holidays.clone(),
    }
}

/// What a batch came to.
#[derive(Default)]
pub struct Outcome {
    pub sent: Vec<(String, String)>,
    pub failed: Vec<(String, String)>,
    pub left_queued: Vec<(String, String)>,
    pub uncertain: Vec<(String, String)>,
}

impl Outcome {
    pub fn all_sent(&self) -> bool {
        self.failed.is_empty() && self.left_queued.is_empty() && self.uncertain.is_empty()
    }

    pub fn report(&self, out: &mut dyn Write) -> Result<()> {
        let mut rows = Vec::new();
        for (label, list) in [
            ("sent", &self.sent),
            ("failed", &self.failed),
            ("still queued", &self.left_queued),
            ("uncertain", &self.uncertain),
        ] {
            for (who, note) in list {
                rows.push(vec![who.clone(), label.to_string(), note.clone()]);
            }
        }
        if !rows.is_empty() {
            terminal::table(out, &["CONTACT", "RESULT", "DETAIL"], &rows)?;
        }
        writeln!(
            out,
            "{} sent, {} failed, {} still queued for the next run, {} uncertain",
            self.sent.len(),
            self.failed.len(),
            self.left_queued.len(),
            self.uncertain.len()
        )?;
        Ok(())
    }
}

/// Hands the queued messages `ids` to the server (or outbox/), one at a
/// time, recording each outcome. A permanent refusal fails that message
/// and the batch goes on; a server that cannot be reached leaves the rest
/// queued for the next run.
pub fn deliver(
    ws: &Workspace,
    journal: &Journal,
    smtp: Option<&Smtp>,
    ids: &[i64],
    pace: bool,
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let copier = match smtp {
        Some(_) => Copier::start(ws, journal)?,
        None => None,
    };
    let progress = Progress::new(ids.len());
    let pause = Duration::from_secs(ws.config.limits.pause_seconds);
    let marker = match smtp {
        Some(_) => Some(journal.marker()?),
        None => None,
    };
    'messages: for (i, &id) in ids.iter().enumerate() {
        let m = journal.get(id)?.context("a queued message vanished")?;
        let who = m.contact.clone();
        if i > 0 && pace && smtp.is_some() {
            std::thread::sleep(pause);
        }
        let raw = journal.raw(id)?;
        let (Some(smtp), Some(marker)) = (smtp, &marker) else {
            // `sending` first: a crash before `sent` leaves it uncertain,
            // so the file is never written twice.
            journal.start_sending(id, workspace::now()?)?;
            let path = write_outbox(ws, &m.template, &m.contact, &raw, workspace::now()?)?;
            let note = format!("written to {}", path.display());
            journal.finish(id, State::Sent, Some(&note), workspace::now()?)?;
            outcome.sent.push((who, path.display().to_string()));
            progress.tick(i + 1);
            continue;
        };
        // A session found dead before the data went out is reopened and
        // the message tried once more.
        let mut result = None;
        for _ in 0..2 {
            // Reach the server before the row says `sending`: failing here
            // cannot have delivered anything, so the message stays queued.
            if let Err(e) = reach(smtp) {
                outcome.left_queued.push((who, e.clone()));
                for &rest in &ids[i + 1..] {
                    if let Some(r) = journal.get(rest)? {
                        outcome.left_queued.push((
                            r.contact,
                            "not tried: the server could not be reached".into(),
                        ));
                    }
                }
                eprintln!("warning: the SMTP server {} could not be reached ({e}); the rest stay queued for the next run", smtp.host);
                break 'messages;
            }
            // The row says `sending`, on disk, before the data goes; the
            // sync runs while the commands before the data are exchanged.
            marker.mark(id, workspace::now()?);
            let mut marked = None;
            let sent = smtp.send(&ws.config.me.email, &m.recipient, &raw, &mut || {
                let r = marker.wait();
                let why = match &r {
                    Ok(true) => None,
                    Ok(false) => Some("another run is sending it".to_string()),
                    Err(e) => Some(format!("{e:#}")),
                };
                marked = Some(r);
                why.map_or(Ok(()), Err)
            });
            // Refused before the data: the mark may still be under way.
            match marked.unwrap_or_else(|| marker.wait()) {
                Ok(true) => {}
                Ok(false) => continue 'messages,
                Err(e) => return Err(e.context("marking a message as being sent")),
            }
            match sent {
                Err(SendError::NotSent(why)) => {
                    journal.finish(id, State::Queued, Some(&why), workspace::now()?)?;
                    result = Some(Err(SendError::NotSent(why)));
                }
                other => {
                    result = Some(other);
                    break;
                }
            }
        }
        match result.expect("tried at least once") {
            Ok(reply) => {
                match &copier {
                    Some(c) => {
                        journal.finish_sent_copy_pending(id, &reply, workspace::now()?)?;
                        c.file(id, raw);
                    }
                    None => journal.finish(id, State::Sent, Some(&reply), workspace::now()?)?,
                }
                outcome.sent.push((who, m.recipient.clone()));
            }
            Err(SendError::Permanent(why)) => {
                journal.finish(id, State::Failed, Some(&why), workspace::now()?)?;
                outcome.failed.push((who, why));
            }
            Err(SendError::Refused(why) | SendError::NotSent(why)) => {
                journal.finish(id, State::Queued, Some(&why), workspace::now()?)?;
                outcome.left_queued.push((who, why));
            }
            Err(SendError::Lost(why)) => {
                journal.finish(id, State::Uncertain, Some(&why), workspace::now()?)?;
                outcome.uncertain.push((who, why));
            }
        }
        progress.tick(i + 1);
    }
    progress.done();
    if let Some(c) = copier {
        c.finish(journal)?;
    }
    Ok(outcome)
}

/// Whether sent messages get a copy in the IMAP Sent folder: with an
/// imap account, unless the provider files sent mail itself (Gmail,
/// Office 365) and `save_sent_copy` does not say otherwise.
pub fn keeps_sent_copies(ws: &Workspace) -> bool {
    let (Some(smtp), Some(_)) = (&ws.config.smtp, &ws.config.imap) else {
        return false;
    };
    let files_itself = [
        "gmail.com",
        "googlemail.com",
        "office365.com",
        "outlook.com",
    ]
    .iter()
    .any(|d| smtp.host.ends_with(d));
    smtp.save_sent_copy.unwrap_or(!files_itself)
}

/// At most this many copies go in one MULTIAPPEND.
const COPY_BATCH: usize = 100;

/// How long the copier gathers copies before it files them: at full speed
/// that makes full batches; with pacing, each copy waits this long at most.
const COPY_GATHER: Duration = Duration::from_millis(200);

/// A copy to file in the Sent folder.
enum Copy {
    /// Of a message just sent.
    New(i64, Vec<u8>),
    /// Of a message an earlier run sent and may have died before copying:
    /// filed only if the folder does not hold it already.
    Earlier(i64, String, Vec<u8>),
}

/// Files copies of sent messages in the IMAP Sent folder on a connection
/// and thread of its own, so the SMTP session never waits for an APPEND.
/// Each sent message is recorded with its copy pending, and marked filed
/// when the copier is done: a copy a crash lost is made by the next run
/// (after looking for it in the folder, so none is filed twice). A failure
/// is a warning and stops copying for the batch; it never causes a resend.
pub struct Copier {
    jobs: std::sync::mpsc::Sender<Copy>,
    thread: std::thread::JoinHandle<(Vec<i64>, Option<String>)>,
}

impl Copier {
    /// Starts the copier, with the copies earlier runs left pending queued
    /// first. None when no copies are kept.
    pub fn start(ws: &Workspace, journal: &Journal) -> Result<Option<Copier>> {
        if !keeps_sent_copies(ws) {
            return Ok(None);
        }
        let (jobs, work) = std::sync::mpsc::channel::<Copy>();
        for (id, message_id) in journal.pending_copies()? {
            let _ = jobs.send(Copy::Earlier(id, message_id, journal.raw(id)?));
        }
        // Fetching the credentials can fail (a password command): then
        // the copies stay pending for the next run, with a warning.
        let login = account::ImapLogin::of(ws);
        let thread = std::thread::spawn(move || {
            let mut filed = Vec::new();
            let result = (|| -> Result<()> {
                let login = login?;
                let mut imap = login.connect()?;
                let folder = imap
                    .special(Special::Sent)?
                    .context("the server names no Sent folder (set imap.sent_folder)")?;
                // What queues up within COPY_GATHER of the first goes in
                // one MULTIAPPEND: the server pays its transaction (index,
                // sync) once for the lot instead of once a message.
                while let Ok(first) = work.recv() {
                    let mut jobs = vec![first];
                    let until = Instant::now() + COPY_GATHER;
                    while jobs.len() < COPY_BATCH {
                        let left = until.saturating_duration_since(Instant::now());
                        match work.recv_timeout(left) {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    // An OAuth session is renewed before its token expires.
                    if imap.renewal_due() {
                        let _ = imap.logout();
                        imap = login.connect()?;
                    }
                    let mut ids = Vec::with_capacity(jobs.len());
                    let mut raws = Vec::with_capacity(jobs.len());
                    for job in jobs {
                        match job {
                            Copy::New(id, raw) => {
                                ids.push(id);
                                raws.push(raw);
                            }
                            Copy::Earlier(id, message_id, raw) => {
                                ids.push(id);
                                if imap.find_message_id(&folder, &message_id)?.is_empty() {
                                    raws.push(raw);
                                }
                            }
                        }
                    }
                    let refs: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
                    imap.append_all(&folder, &refs, &[Flag::Seen])?;
                    filed.extend(ids);
                }
                let _ = imap.logout();
                Ok(())
            })();
            (filed, result.err().map(|e| format!("{e:#}")))
        });
        Ok(Some(Copier { jobs, thread }))
    }

    /// Queues the copy of message `id`, just sent.
    pub fn file(&self, id: i64, raw: Vec<u8>) {
        // A send fails only when the thread has stopped; `finish` says why.
        let _ = self.jobs.send(Copy::New(id, raw));
    }

    /// Waits for the copies to be filed and records them; warns about
    /// those that could not be.
    pub fn finish(self, journal: &Journal) -> Result<()> {
        drop(self.jobs);
        let (filed, failure) = self
            .thread
            .join()
            .map_err(|_| anyhow::anyhow!("the Sent copy thread stopped"))?;
        journal.copies_filed(&filed)?;
        if let Some(e) = failure {
            let left = journal.pending_copies()?.len();
            eprintln!("warning: could not file a copy in the Sent folder: {e} (the message itself was sent; {left} cop{} left for the next run)", if left == 1 { "y is" } else { "ies are" });
        }
        Ok(())
    }
}

/// Files the Sent copies an earlier run left pending (it stopped before
/// they were filed), each only if the folder does not hold it already.
pub fn file_pending_copies(ws: &Workspace, journal: &Journal) -> Result<()> {
    if journal.pending_copies()?.is_empty() {
        return Ok(());
    }
    match Copier::start(ws, journal)? {
        Some(c) => c.finish(journal),
        None => Ok(()),
    }
}

/// Settles messages left uncertain by looking for their Message-ID in the
/// Sent folder; those found are sent. Returns how many were settled.
pub fn settle_uncertain(ws: &Workspace, journal: &Journal) -> Result<usize> {
    let uncertain = journal.in_state(State::Uncertain)?;
    if uncertain.is_empty() || ws.config.imap.is_none() {
        return Ok(0);
    }
    let mut imap = account::imap(ws)?;
    let Some(folder) = imap.special(Special::Sent)? else {
        return Ok(0);
    };
    let mut settled = 0;
    for m in uncertain {
        if !imap.find_message_id(&folder, &m.message_id)?.is_empty() {
            journal.finish(
                m.id,
                State::Sent,
                Some(&format!("found in {folder}")),
                workspace::now()?,
            )?;
            settled += 1;
        }
    }
    Ok(settled)
}

/// Checks the connection (reconnecting if needed), retrying a few times
/// with growing pauses.
fn reach(smtp: &Smtp) -> Result<(), String> {
    let mut last = String::new();
    for delay in [0, 1, 3] {
        std::thread::sleep(Duration::from_secs(delay));
        match smtp.reachable() {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Writes a message into outbox/ (atomically: a temporary file renamed),
/// returning its path from the workspace root.
pub fn write_outbox(
    ws: &Workspace,
    template: &str,
    contact: &str,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<PathBuf> {
    let dir = ws.root.join("outbox");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = format!(
        "{}-{template}-{contact}.eml",
        now.with_timezone(&ws.config.zone()).format("%Y%m%d-%H%M%S")
    );
    let path = dir.join(name);
    let tmp = path.with_extension("eml.tmp");
    std::fs::write(&tmp, raw).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.strip_prefix(&ws.root).unwrap_or(&path).to_path_buf())
}
