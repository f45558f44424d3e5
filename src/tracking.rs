//! Tracking the mailboxes: reading what is new in each IMAP mailbox and
//! the Sent folder, classifying it (replies, out-of-office answers,
//! bounces, the user's own mail) and recording it in the journal; and
//! saying what a check found.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc::{channel, Receiver, Sender};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::account;
use crate::classify::{self, Finding, Known, Ours};
use crate::contact::Contact;
use crate::imap::{Imap, MailboxInfo, Special};
use crate::journal::{Event, EventKind, Journal, MailboxMark, Message, NewEvent, State};
use crate::template::long_date;
use crate::terminal::Progress;
use crate::workspace::Workspace;

/// Messages read per round trip: enough to keep the link busy, few enough
/// that memory stays flat and a dropped connection loses little.
const CHUNK: u32 = 500;
/// Chunks asked for ahead of the one being classified.
const AHEAD: usize = 8;

/// How long the first session waits for the spare one to open the
/// mailbox before it opens it anyway.
const SPARE_OPENING: std::time::Duration = std::time::Duration::from_secs(5);

/// What a check read in one mailbox.
#[derive(Debug, Clone)]
pub struct MailboxRead {
    pub name: String,
    /// Messages read.
    pub read: usize,
    /// Read anew because the server renumbered it (UIDVALIDITY changed).
    pub rescanned: bool,
    /// Messages a first check (or a rescan) left unread: older than the
    /// lookback before the first outreach message, so nothing there can
    /// answer one.
    pub left_unread: usize,
}

/// What one check found.
#[derive(Debug, Default)]
pub struct Report {
    /// What was read in each mailbox.
    pub mailboxes: Vec<MailboxRead>,
    /// Events recorded for the first time.
    pub new: Vec<Event>,
    /// Drafts the user sent from their own client, and uncertain
    /// messages that did go out.
    pub drafts_sent: Vec<Message>,
}

/// An event as JSON, for `check --json` and `log --json`.
pub fn event_json(e: &Event) -> serde_json::Value {
    serde_json::json!({
        "contact": e.contact,
        "kind": e.kind.as_str(),
        "at": e.at,
        "mailbox": e.mailbox,
        "uid": e.uid,
        "message_id": e.source_id,
        "until": e.until,
        "summary": e.summary,
        "detail": e.detail.as_deref().and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()),
    })
}

/// What a check found, in sentences.
pub fn print(
    ws: &Workspace,
    journal: &Journal,
    report: &Report,
    out: &mut dyn Write,
) -> Result<()> {
    for e in &report.new {
        writeln!(out, "{}", sentence(ws, journal, e)?)?;
    }
    for m in &report.drafts_sent {
        let (t, who) = (&m.template, name_of(ws, &m.contact));
        if m.transport == "drafts" {
            writeln!(
                out,
                "You sent your {t} draft to {who} from your mail client"
            )?;
        } else {
            writeln!(
                out,
                "Your {t} to {who} went out after all (found in the Sent folder)"
            )?;
        }
    }
    for m in &report.mailboxes {
        if m.left_unread > 0 {
            writeln!(
                out,
                "note: {} older message(s) in {} left unread (from before the lookback of the first outreach message)",
                m.left_unread, m.name
            )?;
        }
    }
    for MailboxRead {
        name: m, rescanned, ..
    } in &report.mailboxes
    {
        if *rescanned {
            writeln!(
                out,
                "note: {m} was read from the start (the server renumbered it: UIDVALIDITY changed)"
            )?;
        }
    }
    let read: usize = report.mailboxes.iter().map(|m| m.read).sum();
    if report.new.is_empty() && report.drafts_sent.is_empty() {
        writeln!(
            out,
            "nothing new ({read} new message(s) read in {})",
            report
                .mailboxes
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    } else {
        writeln!(
            out,
            "{} new finding(s) from {read} new message(s)",
            report.new.len() + report.drafts_sent.len()
        )?;
    }
    Ok(())
}

fn name_of(ws: &Workspace, id: &str) -> String {
    ws.contact(id)
        .map(|c| c.salutation())
        .unwrap_or_else(|_| id.to_string())
}

/// One line a person reads: "Dr. Okafor replied 2 days after your intro".
fn sentence(ws: &Workspace, journal: &Journal, e: &Event) -> Result<String> {
    let Some(id) = &e.contact else {
        return Ok(format!("{} (no contact matched)", e.summary));
    };
    let who = name_of(ws, id);
    // Our message it answers, else our last one to them before it.
    let ours = match e.message {
        Some(m) => journal.get(m)?,
        None => journal
            .messages_for(id)?
            .into_iter()
            .rfind(|m| m.state == State::Sent && m.sent_at.is_some_and(|t| t <= e.at)),
    };
    let after = |what: &str| match &ours {
        Some(m) => {
            let t = &m.template;
            match (e.at - m.sent_at.unwrap_or(m.created_at)).num_days() {
                0 => format!("{who} {what} the same day as your {t}"),
                1 => format!("{who} {what} 1 day after your {t}"),
                n => format!("{who} {what} {n} days after your {t}"),
            }
        }
        None => format!("{who} {what}"),
    };
    Ok(match e.kind {
        EventKind::Reply => after("replied"),
        EventKind::AutoReply => {
            let until = e
                .until
                .map_or("away (auto-reply, no return date)".to_string(), |d| {
                    format!("away until {} (auto-reply)", long_date(d))
                });
            match &ours {
                Some(m) => format!("{who} is {until}, answering your {}", m.template),
                None => format!("{who} is {until}"),
            }
        }
        EventKind::Bounce => {
            let why = e.summary.trim_start_matches("bounce: ");
            match &ours {
                Some(m) => format!("Your {} to {who} bounced: {why}", m.template),
                None => format!("A message to {who} bounced: {why}"),
            }
        }
        EventKind::Wrote => format!(
            "You wrote to {who} from your mail client on {}",
            long_date(e.at.date_naive())
        ),
        _ => format!("{who}: {}", e.summary),
    })
}

/// What classification knows: the user's addresses, the contacts' and our
/// messages.
#[derive(Default)]
pub struct Facts {
    own: Vec<String>,
    contacts: Vec<(String, Vec<String>)>,
    sent: Vec<Ours>,
    /// Our messages by Message-ID.
    ours: HashMap<String, (i64, State)>,
    /// Drafts we filed, by contact: (row, subject).
    drafted: HashMap<String, Vec<(i64, String)>>,
    /// When the journal's first message was written.
    first_outreach: Option<DateTime<Utc>>,
}

impl Facts {
    pub fn gather(ws: &Workspace, journal: &Journal) -> Result<Facts> {
        let mut own = vec![ws.config.me.email.to_lowercase()];
        for a in [&ws.config.smtp, &ws.config.imap].into_iter().flatten() {
            if let Some(u) = a.username.as_deref().filter(|u| u.contains('@')) {
                own.push(u.to_lowercase());
            }
        }
        own.sort();
        own.dedup();
        let contacts = ws
            .contacts
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.addresses().map(|a| a.to_lowercase()).collect(),
                )
            })
            .collect();
        let mut sent = Vec::new();
        let mut ours = HashMap::new();
        let mut drafted: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        let mut first_outreach: Option<DateTime<Utc>> = None;
        for m in journal.messages()? {
            first_outreach = Some(first_outreach.map_or(m.created_at, |f| f.min(m.created_at)));
            ours.insert(m.message_id.clone(), (m.id, m.state));
            if m.state == State::Drafted {
                drafted
                    .entry(m.contact.clone())
                    .or_default()
                    .push((m.id, m.subject.clone()));
            }
            if matches!(m.state, State::Sent | State::Uncertain | State::Drafted) {
                sent.push(Ours {
                    message_id: m.message_id,
                    contact: m.contact,
                    recipient: m.recipient.to_lowercase(),
                    sent_at: m.sent_at.unwrap_or(m.created_at),
                });
            }
        }
        Ok(Facts {
            own,
            contacts,
            sent,
            ours,
            drafted,
            first_outreach,
        })
    }

    pub fn known(&self) -> Known<'_> {
        Known {
            own_addresses: &self.own,
            contacts: &self.contacts,
            sent: &self.sent,
        }
    }
}

/// Reads every configured mailbox and the Sent folder from where the last
/// check stopped, recording what it finds. Each chunk is committed with
/// its mailbox position, so a check cut short keeps its work.
pub fn check(ws: &Workspace, journal: &mut Journal, now: DateTime<Utc>) -> Result<Report> {
    let account = ws
        .config
        .imap
        .as_ref()
        .context("no imap account in outreach.yaml: add an `imap:` section to track replies")?;
    let facts = Facts::gather(ws, journal)?;
    let login = account::ImapLogin::of(ws)?;
    // The configured mailboxes first: listing the folders (to find Sent)
    // makes the server's next EXAMINE of a large INBOX slower.
    let mailboxes = &account.mailboxes;
    // A first check of the first mailbox reads a long way back: the
    // session that reads whole messages there (see `read_mailbox`) logs
    // in, opens it and gets past the server's first-read costs beside the
    // first session, from the start.
    let first_read = match mailboxes.first() {
        Some(m) if journal.mailbox_mark(m)?.is_none() => Some(m.as_str()),
        _ => None,
    };
    std::thread::scope(|scope| {
        let spare = first_read.map(|mailbox| {
            let (tell, opened) = channel();
            let login = &login;
            let h = scope.spawn(move || warm(login.connect()?, mailbox, Some(tell)));
            Spare {
                mailbox,
                opened,
                warming: Box::new(move || {
                    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
                }),
            }
        });
        // A server that allows one connection may give it to the spare:
        // the spare is then the session.
        let (mut imap, spare) = match (login.connect(), spare) {
            (Ok(imap), spare) => (imap, spare),
            (Err(e), Some(spare)) => match (spare.warming)() {
                Ok((imap, _)) => (imap, None),
                Err(_) => return Err(e),
            },
            (Err(e), None) => return Err(e),
        };
        let with = With {
            facts: &facts,
            lookback_days: account
                .lookback_days
                .unwrap_or_else(|| default_lookback(&ws.contacts)),
            now,
            login: &login,
            spare: std::cell::RefCell::new(spare),
        };
        let mut report = Report::default();
        let mut read = |imap: &mut Imap, mailbox: &str, report: &mut Report| -> Result<()> {
            let done = read_mailbox(imap, journal, &with, mailbox, report)
                .with_context(|| format!("checking {mailbox} (what was read before this is recorded; the next check goes on from there)"))?;
            report.mailboxes.push(done);
            Ok(())
        };
        for mailbox in mailboxes {
            read(&mut imap, mailbox, &mut report)?;
        }
        match imap.special(Special::Sent)? {
            Some(f) if !mailboxes.contains(&f) => read(&mut imap, &f, &mut report)?,
            Some(_) => {}
            None => eprintln!("note: the server names no Sent folder (set imap.sent_folder): mail you write from your own client is not seen"),
        }
        let _ = imap.logout();
        // A spare session the mailbox turned out too short for.
        if let Some(spare) = with.spare.take() {
            if let Ok((other, _)) = (spare.warming)() {
                let _ = other.logout();
            }
        }
        Ok(report)
    })
}

/// How many days before the first outreach message a first check reads
/// back when `imap.lookback_days` is not set: a month, which covers every
/// conversation still open when the tool starts (a follow-up goes one to
/// two weeks after a message, two at most), or the longest check-in
/// cadence among the contacts when that is longer, so that the last time
/// the user wrote to each mentor is seen and no check-in comes early.
pub fn default_lookback(contacts: &[Contact]) -> u32 {
    contacts
        .iter()
        .filter_map(Contact::cadence_days)
        .max()
        .unwrap_or(0)
        .max(30)
}

/// What every mailbox of one check is read with.
struct With<'a> {
    facts: &'a Facts,
    lookback_days: u32,
    now: DateTime<Utc>,
    /// For a second connection that reads whole messages.
    login: &'a account::ImapLogin,
    /// A second session already on its way into this mailbox (`warm`).
    spare: std::cell::RefCell<Option<Spare<'a>>>,
}

/// A second session started with a first check, on its way into the first
/// mailbox.
struct Spare<'a> {
    mailbox: &'a str,
    /// Says (or hangs up) once the spare has opened the mailbox.
    opened: Receiver<()>,
    warming: Warming<'a>,
}

/// A second session being made ready to read whole messages (`warm`):
/// called, it waits for it.
type Warming<'a> = Box<dyn FnOnce() -> Result<(Imap, MailboxInfo)> + Send + 'a>;

fn read_mailbox(
    imap: &mut Imap,
    journal: &mut Journal,
    with: &With,
    mailbox: &str,
    report: &mut Report,
) -> Result<MailboxRead> {
    let (facts, lookback_days, now) = (with.facts, with.lookback_days, with.now);
    // A server brings its index of a changed mailbox up to date when a
    // session opens it, and a second session opening it meanwhile waits
    // for that. The spare session goes first: its first whole message is
    // the longest step of the read (`warm`), and this one's EXAMINE is
    // then quick.
    let spare = with.spare.borrow_mut().take_if(|s| s.mailbox == mailbox);
    if let Some(s) = &spare {
        let _ = s.opened.recv_timeout(SPARE_OPENING);
    }
    let info = imap.examine(mailbox)?;
    let before = journal.mailbox_mark(mailbox)?;
    let rescan = before.is_some_and(|b| b.uid_validity != info.uid_validity);
    let end = info.uid_next.map(|n| n.saturating_sub(1));
    let mut done = MailboxRead {
        name: mailbox.to_string(),
        read: 0,
        rescanned: rescan,
        left_unread: 0,
    };
    // A long read gets a second connection for the messages read whole:
    // a server's first whole message in a session can cost it a scan of
    // the folder (a quarter to half a second on a 100,000-message
    // Maildir). The second one pays that now, while this one searches
    // and streams headers. Without one (a server that allows no more
    // connections) this one does both.
    let long = match (before, end) {
        (Some(b), Some(e)) if !rescan => e.saturating_sub(b.last_uid) > CHUNK,
        _ => info.exists > CHUNK,
    };
    let second: Option<Warming<'_>> = match (end, spare) {
        (Some(_), Some(spare)) if long => Some(spare.warming),
        (Some(_), None) if long => with.login.connect().ok().map(|other| {
            let mailbox = mailbox.to_string();
            let h = std::thread::spawn(move || warm(other, &mailbox, None));
            Box::new(move || h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                as Warming<'_>
        }),
        (_, spare) => {
            // Not needed here after all.
            *with.spare.borrow_mut() = spare;
            None
        }
    };
    let next = match before {
        Some(b) if !rescan => b.last_uid + 1,
        // A first read starts at the first message dated within the
        // lookback before our first message, and reads every one after
        // it whatever its Date says: a reply arrives after our message,
        // so after that one. Nothing older can answer us.
        _ if info.exists > 0 => {
            let first = facts.first_outreach.unwrap_or(now);
            let since = (first - chrono::Duration::days(i64::from(lookback_days))).date_naive();
            match imap.first_uid_sent_since(since)? {
                Some(uid) => uid,
                None => end.map_or(u32::MAX, |e| e.saturating_add(1)),
            }
        }
        _ => 1,
    };
    if info.exists == 0 || end.is_some_and(|e| next > e) {
        // Nothing new; a renumbered empty mailbox still gets its new mark.
        if rescan || before.is_none() {
            let mark = MailboxMark {
                uid_validity: info.uid_validity,
                last_uid: end.unwrap_or(0),
            };
            journal.record_check(mailbox, mark, &[], now)?;
        }
        if before.is_none() || rescan {
            done.left_unread = info.exists as usize;
        }
        return Ok(done);
    }
    // The UID ranges to read, in steps of CHUNK (one open range when the
    // server gives no UIDNEXT).
    let ranges: Vec<(u32, Option<u32>)> = match end {
        Some(e) => (next..=e)
            .step_by(CHUNK as usize)
            .map(|first| (first, Some(first.saturating_add(CHUNK - 1).min(e))))
            .collect(),
        None => vec![(next, None)],
    };
    // One tick a chunk.
    let progress = Progress::new(ranges.len());
    let mut read = 0;
    std::thread::scope(|scope| -> Result<()> {
        let mut reader = ReadAhead::start(scope, imap, second, &info);
        let mut ranges = ranges.into_iter();
        // Chunks are asked for AHEAD at a time, so the server reads them
        // while we classify and record.
        let mut asked: std::collections::VecDeque<(u32, Option<u32>)> = Default::default();
        let mut ask_more = |asked: &mut std::collections::VecDeque<_>, reader: &ReadAhead| {
            while asked.len() < AHEAD {
                let Some((f, l)) = ranges.next() else { break };
                reader.ask(Ask::Headers(f, l));
                asked.push_back((f, l));
            }
        };
        ask_more(&mut asked, &reader);
        let mut chunks = 0;
        while let Some((first, last)) = asked.pop_front() {
            ask_more(&mut asked, &reader);
            let headers = reader.headers()?;
            let known = facts.known();
            // Most messages are settled by their header; the rest are read
            // whole (a possible bounce, an auto-reply's return date).
            let mut findings: Vec<(u32, Option<Finding>)> = headers
                .iter()
                .map(|(uid, h)| (*uid, classify::classify_header(h, &known)))
                .collect();
            let want: Vec<u32> = findings
                .iter()
                .filter(|(_, f)| f.is_none())
                .map(|(uid, _)| *uid)
                .collect();
            let mut full: HashMap<u32, Vec<u8>> = if want.is_empty() {
                HashMap::new()
            } else {
                reader.whole(want)?.into_iter().collect()
            };
            let mut events = Vec::new();
            for ((uid, finding), (_, header)) in findings.iter_mut().zip(&headers) {
                let finding = finding.take().unwrap_or_else(|| {
                    classify::classify(full.remove(uid).as_deref().unwrap_or(header), &known)
                });
                match event(mailbox, info.uid_validity, *uid, &finding, facts, now) {
                    Found::Event(e) => events.push(e),
                    Found::SentAfterAll(id, at) => {
                        // Seen a second time (Sent and All Mail): once is news.
                        if journal.found_sent(id, at, &format!("found in {mailbox}"))? {
                            report.drafts_sent.extend(journal.get(id)?);
                        }
                    }
                    Found::Nothing => {}
                }
            }
            read += headers.len();
            let reached = match last {
                Some(l) => l,
                None => headers.last().map_or(first, |(uid, _)| *uid),
            };
            let mark = MailboxMark {
                uid_validity: info.uid_validity,
                last_uid: reached.max(first.saturating_sub(1)),
            };
            report
                .new
                .extend(journal.record_check(mailbox, mark, &events, now)?);
            chunks += 1;
            progress.tick(chunks);
        }
        Ok(())
    })?;
    progress.done();
    done.read = read;
    if before.is_none() || rescan {
        done.left_unread = (info.exists as usize).saturating_sub(read);
    }
    Ok(done)
}

/// What the reading thread is asked for, answered in the order asked.
enum Ask {
    /// The classification headers of UIDs `first..=last` (None: to the end).
    Headers(u32, Option<u32>),
    /// The first bytes of these messages, whole.
    Whole(Vec<u32>),
}

/// The mailbox's connection on a thread of its own, so the server reads
/// the next chunks while this one is classified and recorded. Answers
/// come back in the order of the asks; an answer read ahead waits in
/// `early`. With a second connection, whole messages are read there.
struct ReadAhead<'s> {
    asks: Option<Sender<Ask>>,
    answers: Receiver<Result<Answer>>,
    early: std::collections::VecDeque<Vec<(u32, Vec<u8>)>>,
    whole: Option<Whole>,
    threads: Vec<std::thread::ScopedJoinHandle<'s, ()>>,
}

/// Messages by UID: their headers, or their first bytes whole.
type Messages = Vec<(u32, Vec<u8>)>;

/// The second connection's thread: UIDs to read whole go in, the
/// messages come out (None: the second session could not be made ready,
/// and the first reads them).
type Whole = (Sender<Vec<u32>>, Receiver<Result<Option<Messages>>>);

enum Answer {
    Headers(Messages),
    Whole(Messages),
}

impl<'s> ReadAhead<'s> {
    /// `second`: another session on its way to the mailbox (`warm`).
    /// `info`: the mailbox as the first session opened it; a second one
    /// that saw it otherwise (renumbered, or before the newest message
    /// arrived) is of no use.
    fn start<'e>(
        scope: &'s std::thread::Scope<'s, 'e>,
        imap: &'s mut Imap,
        second: Option<Warming<'s>>,
        info: &MailboxInfo,
    ) -> ReadAhead<'s> {
        let (uid_validity, uid_next) = (info.uid_validity, info.uid_next);
        let (asks, work) = channel::<Ask>();
        let (answer, answers) = channel();
        let mut threads = vec![scope.spawn(move || {
            for ask in work {
                let a = match ask {
                    Ask::Headers(first, last) => imap.headers(first, last).map(Answer::Headers),
                    Ask::Whole(uids) => imap.messages(&uids).map(Answer::Whole),
                };
                let failed = a.is_err();
                // Nothing after a failure: the connection is in doubt.
                if answer.send(a).is_err() || failed {
                    break;
                }
            }
        })];
        let whole = second.map(|warming| {
            let (asks, work) = channel::<Vec<u32>>();
            let (answer, answers) = channel();
            threads.push(scope.spawn(move || {
                let ready = warming().ok().filter(|(_, seen)| {
                    seen.uid_validity == uid_validity && seen.uid_next >= uid_next
                });
                let Some((mut imap, _)) = ready else {
                    // It only saved time: the first connection does it.
                    let _ = answer.send(Ok(None));
                    return;
                };
                for uids in work {
                    if answer.send(imap.messages(&uids).map(Some)).is_err() {
                        break;
                    }
                }
                let _ = imap.logout();
            }));
            (asks, answers)
        });
        ReadAhead {
            asks: Some(asks),
            answers,
            early: Default::default(),
            whole,
            threads,
        }
    }

    fn ask(&self, ask: Ask) {
        // A thread that stopped has sent its error, which `next` reports.
        if let Some(a) = &self.asks {
            let _ = a.send(ask);
        }
    }

    fn next(&self) -> Result<Answer> {
        self.answers
            .recv()
            .map_err(|_| anyhow::anyhow!("the mailbox reader stopped"))?
    }

    /// The oldest chunk of headers asked for and not yet taken.
    fn headers(&mut self) -> Result<Vec<(u32, Vec<u8>)>> {
        if let Some(h) = self.early.pop_front() {
            return Ok(h);
        }
        match self.next()? {
            Answer::Headers(h) => Ok(h),
            Answer::Whole(_) => unreachable!("whole messages are taken by `whole`"),
        }
    }

    /// The first bytes of the messages `uids`, whole. On the one
    /// connection, chunks of headers asked for before them wait in
    /// `early` until `headers` takes them.
    fn whole(&mut self, uids: Vec<u32>) -> Result<Vec<(u32, Vec<u8>)>> {
        if let Some((asks, answers)) = &self.whole {
            let _ = asks.send(uids.clone());
            let answer = answers
                .recv()
                .map_err(|_| anyhow::anyhow!("the second mailbox reader stopped"))?;
            match answer? {
                Some(messages) => return Ok(messages),
                None => self.whole = None,
            }
        }
        self.ask(Ask::Whole(uids));
        loop {
            match self.next()? {
                Answer::Headers(h) => self.early.push_back(h),
                Answer::Whole(w) => return Ok(w),
            }
        }
    }
}

impl Drop for ReadAhead<'_> {
    /// Ends the reading threads once what they are doing is done, so the
    /// connection is free again when the mailbox is read.
    fn drop(&mut self) {
        self.asks = None;
        self.whole = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A second session made ready to read whole messages in `mailbox`: it
/// opens the mailbox and reads its last message, so that the server's
/// first-read costs are behind it. Returns the mailbox as it saw it.
/// `opened` is told once the mailbox is open.
fn warm(mut imap: Imap, mailbox: &str, opened: Option<Sender<()>>) -> Result<(Imap, MailboxInfo)> {
    let info = imap.examine(mailbox)?;
    if let Some(o) = opened {
        let _ = o.send(());
    }
    imap.warm_up(info.exists)?;
    Ok((imap, info))
}

enum Found {
    Event(NewEvent),
    /// A message we filed as a draft, or were unsure went out, now seen
    /// in the Sent folder.
    SentAfterAll(i64, DateTime<Utc>),
    Nothing,
}

/// What a finding means for the journal.
fn event(
    mailbox: &str,
    uid_validity: u32,
    uid: u32,
    f: &Finding,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Found {
    let at = f.date.unwrap_or(now);
    let answered = f
        .in_reply_to
        .as_ref()
        .and_then(|id| facts.ours.get(id))
        .map(|(row, _)| *row);
    let kind = match f.kind {
        classify::Kind::Own => {
            // Our own message (a copy filed in Sent) is not news, except
            // that a draft or an uncertain message did go out.
            if let Some((row, state)) = f.message_id.as_ref().and_then(|id| facts.ours.get(id)) {
                return if matches!(state, State::Drafted | State::Uncertain) {
                    Found::SentAfterAll(*row, at)
                } else {
                    Found::Nothing
                };
            }
            let Some(contact) = &f.contact else {
                return Found::Nothing;
            };
            // Some clients give a draft a new Message-ID when it is sent:
            // a message to the contact with a draft's subject is that draft.
            let subject = f.subject.as_deref().map(str::trim).unwrap_or_default();
            let draft = facts.drafted.get(contact).and_then(|d| {
                d.iter()
                    .find(|(_, s)| !subject.is_empty() && s.trim().eq_ignore_ascii_case(subject))
            });
            if let Some((row, _)) = draft {
                return Found::SentAfterAll(*row, at);
            }
            EventKind::Wrote
        }
        // Auto-replies and bounces that concern no contact and none of our
        // messages (list mail with Precedence: bulk, the user's other
        // mail bouncing) are not outreach news.
        classify::Kind::AutoReply | classify::Kind::Bounce
            if f.contact.is_none() && answered.is_none() =>
        {
            return Found::Nothing
        }
        classify::Kind::Reply => EventKind::Reply,
        classify::Kind::AutoReply => EventKind::AutoReply,
        classify::Kind::Bounce => EventKind::Bounce,
        classify::Kind::Other => return Found::Nothing,
    };
    Found::Event(Event {
        id: 0,
        contact: f.contact.clone(),
        kind,
        at,
        message: answered,
        mailbox: Some(mailbox.to_string()),
        uid: Some(uid),
        source_id: Some(
            f.message_id
                .clone()
                .unwrap_or_else(|| format!("{mailbox}/{uid_validity}/{uid}")),
        ),
        until: f.return_date,
        summary: f.summary.clone(),
        detail: serde_json::to_string(&serde_json::json!({
            "from": f.from,
            "subject": f.subject,
            "failed_address": f.failed_address,
            "evidence": f.evidence,
        }))
        .ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts(yaml: &str) -> Vec<Contact> {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn the_lookback_is_a_month_or_the_longest_check_in_cadence() {
        assert_eq!(default_lookback(&[]), 30);
        let people = "- {id: a, name: A B, email: a@example.org}\n- {id: b, name: C D, email: c@example.org, cadence: 2 weeks}\n";
        assert_eq!(default_lookback(&contacts(people)), 30);
        let mentors = format!("{people}- {{id: m, name: E F, email: e@example.org, cadence: 8 weeks}}\n- {{id: n, name: G H, email: g@example.org, cadence: 6 weeks}}\n");
        assert_eq!(default_lookback(&contacts(&mentors)), 56);
    }
}
