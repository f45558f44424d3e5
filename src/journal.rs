//! The journal: every message the tool sends and everything it learns
//! about replies, in SQLite under `.outreach/`.
//!
//! The intent to send is written (and committed) before the SMTP
//! transaction and the outcome after it, so a crash at any point leaves a
//! row that says what may have happened: `queued` was never handed to the
//! server, `sending` may or may not have been and becomes `uncertain`, and
//! only `queued` is ever sent again.

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use crate::template::Kind;

mod rhythm;
pub use rhythm::{Appointment, AppointmentKind, MilestoneRow, NewAppointment};

/// Versioned schema steps; `PRAGMA user_version` says how many have run.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        contact TEXT NOT NULL,
        template TEXT NOT NULL,
        kind TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        thread INTEGER REFERENCES messages(id),
        once_key TEXT UNIQUE,
        message_id TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        recipient TEXT NOT NULL,
        state TEXT NOT NULL,
        transport TEXT NOT NULL,
        raw BLOB NOT NULL,
        not_before TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        server_reply TEXT
    );
    CREATE INDEX messages_contact ON messages(contact);
    CREATE INDEX messages_state ON messages(state);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        contact TEXT,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        message INTEGER REFERENCES messages(id),
        mailbox TEXT,
        uid INTEGER,
        source_id TEXT,
        summary TEXT NOT NULL,
        detail TEXT,
        recorded_at TEXT NOT NULL,
        UNIQUE(mailbox, uid)
    );
    CREATE INDEX events_contact ON events(contact);
    CREATE TABLE mailboxes (
        name TEXT PRIMARY KEY,
        uid_validity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL
    );",
    // Events are keyed by the message's own Message-ID, so a rescan after a
    // UIDVALIDITY change, or the same message in two folders (Gmail's All
    // Mail), is recorded once. No release wrote events before this step.
    "DROP TABLE events;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        contact TEXT,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        message INTEGER REFERENCES messages(id),
        mailbox TEXT,
        uid INTEGER,
        source_id TEXT UNIQUE,
        until TEXT,
        summary TEXT NOT NULL,
        detail TEXT,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX events_contact ON events(contact);",
    // A sent message's copy in the IMAP Sent folder: 'pending' from the
    // moment it is sent until the copy is filed ('filed'); NULL when no
    // copy is kept. A copy a crash left pending is made on the next run.
    "ALTER TABLE messages ADD COLUMN sent_copy TEXT;
    CREATE INDEX messages_sent_copy ON messages(sent_copy) WHERE sent_copy = 'pending';",
    // Meetings and interviews recorded by command, and milestones with the
    // mentors chosen to hear of each (src/journal/rhythm.rs).
    "CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        contact TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        title TEXT NOT NULL,
        agenda TEXT NOT NULL DEFAULT '[]',
        discussed TEXT,
        next_step TEXT,
        note TEXT,
        cancelled_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX appointments_contact ON appointments(contact);
    CREATE TABLE milestones (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        date TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE milestone_mentors (
        milestone INTEGER NOT NULL REFERENCES milestones(id),
        contact TEXT NOT NULL,
        credited INTEGER NOT NULL,
        PRIMARY KEY (milestone, contact)
    );",
];

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Written, never handed to a server: safe to send.
    Queued,
    /// Being handed to the server right now (or the process died doing it).
    Sending,
    Sent,
    /// Refused for good (5xx), with the server's words.
    Failed,
    /// The process died mid-transaction: it may have gone out.
    Uncertain,
    /// The user (or the Sent folder) says it never went out: not resent
    /// unless asked.
    Unsent,
    /// Filed in the Drafts folder for the user to send from their own
    /// client; becomes `sent` when `check` finds it in the Sent folder.
    Drafted,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Uncertain => "uncertain",
            State::Unsent => "unsent",
            State::Drafted => "drafted",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "queued" => State::Queued,
            "sending" => State::Sending,
            "sent" => State::Sent,
            "failed" => State::Failed,
            "unsent" => State::Unsent,
            "drafted" => State::Drafted,
            _ => State::Uncertain,
        }
    }
}

/// One message row.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub contact: String,
    pub template: String,
    pub kind: Kind,
    pub step: u32,
    /// The first message of the thread, for follow-ups.
    pub thread: Option<i64>,
    pub message_id: String,
    pub subject: String,
    pub recipient: String,
    pub state: State,
    pub transport: String,
    pub not_before: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub server_reply: Option<String>,
}

/// A message about to be queued.
pub struct NewMessage<'a> {
    pub contact: &'a str,
    pub template: &'a str,
    pub kind: Kind,
    pub step: u32,
    pub thread: Option<i64>,
    /// Unique per thing that may happen only once (None: no such limit).
    pub once_key: Option<String>,
    pub recipient: &'a str,
    pub transport: &'a str,
    pub not_before: Option<DateTime<Utc>>,
}

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Reply,
    AutoReply,
    Bounce,
    /// The user wrote to them from their own mail client.
    Wrote,
    /// What the user recorded with `outreach mark`.
    MarkedReplied,
    MarkedMet,
    MarkedDoNotContact,
    MarkedBounced,
}

impl EventKind {
    const ALL: [EventKind; 8] = [
        EventKind::Reply,
        EventKind::AutoReply,
        EventKind::Bounce,
        EventKind::Wrote,
        EventKind::MarkedReplied,
        EventKind::MarkedMet,
        EventKind::MarkedDoNotContact,
        EventKind::MarkedBounced,
    ];

    /// The name stored in the journal and shown in `log` and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Reply => "reply",
            EventKind::AutoReply => "auto-reply",
            EventKind::Bounce => "bounce",
            EventKind::Wrote => "wrote",
            EventKind::MarkedReplied => "marked-replied",
            EventKind::MarkedMet => "marked-met",
            EventKind::MarkedDoNotContact => "marked-do-not-contact",
            EventKind::MarkedBounced => "marked-bounced",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Stored by name; a name this version does not know is an error, not a
/// guess.
fn by_name<T>(value: ValueRef, parse: fn(&str) -> Option<T>) -> FromSqlResult<T> {
    let name = value.as_str()?;
    parse(name).ok_or_else(|| FromSqlError::Other(format!("unknown kind `{name}`").into()))
}

impl FromSql for EventKind {
    fn column_result(value: ValueRef) -> FromSqlResult<Self> {
        by_name(value, EventKind::parse)
    }
}

impl ToSql for EventKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for Kind {
    fn column_result(value: ValueRef) -> FromSqlResult<Self> {
        by_name(value, Kind::parse)
    }
}

impl ToSql for Kind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// Something learned about a contact: a reply, an auto-reply, a bounce,
/// mail the user wrote from their own client, or what the user marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub contact: Option<String>,
    pub kind: EventKind,
    /// When it happened (the message's Date, or when the user marked it).
    pub at: DateTime<Utc>,
    /// Our message it answers or bounced, when known.
    pub message: Option<i64>,
    pub mailbox: Option<String>,
    pub uid: Option<u32>,
    /// The message's own Message-ID (or another key that makes it unique).
    pub source_id: Option<String>,
    /// An out-of-office answer's stated return date.
    pub until: Option<NaiveDate>,
    pub summary: String,
    /// The evidence, as JSON.
    pub detail: Option<String>,
}

/// What the review needs of an event: a light row, read for every event
/// each time `status` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub contact: String,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub until: Option<NaiveDate>,
    /// For bounces: the address that failed.
    pub failed_address: Option<String>,
    /// The message it answers: `at` is as recorded, and whoever has the
    /// messages puts it no earlier than that one was sent.
    pub message: Option<i64>,
}

/// The whole journal as the review reads it (`Journal::snapshot`).
pub struct Snapshot {
    pub messages: Vec<Message>,
    pub facts: Vec<Fact>,
    pub lines: Option<Vec<Line>>,
}

/// The journal in the workspace at `root`, opened and read while the
/// workspace loads, by commands that read the whole journal and write
/// nothing first. None when there is no journal yet or it cannot be read
/// (the command then opens it itself and says what is wrong).
pub fn prefetch(root: &Path, lines: bool) -> Option<(Journal, Snapshot)> {
    let dir = crate::workspace::state_dir(root);
    if !dir.join("journal.sqlite").is_file() {
        return None;
    }
    let journal = Journal::open(&dir).ok()?;
    let snapshot = journal.snapshot(lines).ok()?;
    Some((journal, snapshot))
}

/// What a timeline shows of an event: a light row, read for every event
/// by `report`.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub contact: String,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub summary: String,
    /// For bounces: the address that failed.
    pub failed_address: Option<String>,
}

/// An event about to be recorded (`id` is ignored).
pub type NewEvent = Event;

/// Where reading a mailbox got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxMark {
    pub uid_validity: u32,
    pub last_uid: u32,
}

pub struct Journal {
    conn: Connection,
    /// The folder it lives in (None in memory).
    dir: Option<std::path::PathBuf>,
}

/// Marks messages `sending` on a second connection in a thread of its
/// own, so that the disk sync of the mark runs while the SMTP commands
/// before the message data go back and forth. The caller waits for the
/// mark before the data goes: the intent is still on disk before the
/// server can accept the message.
pub struct Marker {
    requests: std::sync::mpsc::Sender<(i64, DateTime<Utc>)>,
    answers: std::sync::mpsc::Receiver<Result<bool>>,
}

impl Marker {
    /// Asks for message `id` to be marked `sending`.
    pub fn mark(&self, id: i64, now: DateTime<Utc>) {
        // A send fails only when the thread is gone; `wait` reports it.
        let _ = self.requests.send((id, now));
    }

    /// The outcome of the last `mark`: true when the row was queued and
    /// is now `sending` (on disk), false when another process took it.
    pub fn wait(&self) -> Result<bool> {
        self.answers
            .recv()
            .map_err(|_| anyhow::anyhow!("the journal's marking thread stopped"))?
    }
}

/// An event's time, never before the message of ours it names: a bounce
/// or a reply to a message cannot come before it, whatever the clocks
/// said (a bounce's Date, to the second, can read earlier than our send,
/// to the millisecond). Timestamps share one shape, so text order is time
/// order.
macro_rules! at_after_our_message {
    () => {
        "max(at, coalesce((SELECT m.sent_at FROM messages m WHERE m.id = events.message), at)) AS at"
    };
}

const EVENT_COLUMNS: &str = concat!(
    "id, contact, kind, ",
    at_after_our_message!(),
    ", message, mailbox, uid, source_id, until, summary, detail"
);

fn row_to_event(r: &Row) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        contact: r.get(1)?,
        kind: r.get(2)?,
        at: parse_ts(r.get(3)?).unwrap_or_default(),
        message: r.get(4)?,
        mailbox: r.get(5)?,
        uid: r.get(6)?,
        source_id: r.get(7)?,
        until: r.get::<_, Option<String>>(8)?.and_then(|d| d.parse().ok()),
        summary: r.get(9)?,
        detail: r.get(10)?,
    })
}

const COLUMNS: &str = "id, contact, template, kind, step, thread, message_id, subject, recipient, state, transport, not_before, created_at, sent_at, attempts, server_reply";

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    let s = s?;
    fast_ts(s.as_bytes()).or_else(|| DateTime::parse_from_rfc3339(&s).ok().map(|t| t.to_utc()))
}

/// Reads the journal's own timestamp shape, `2026-11-24T14:00:00.000Z`,
/// without a general parser: the review reads tens of thousands of them.
fn fast_ts(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 24 || b[4] != b'-' || b[10] != b'T' || b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_milli_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
        num(20, 23)?,
    )?;
    Some(date.and_time(time).and_utc())
}

fn row_to_message(r: &Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        contact: r.get(1)?,
        template: r.get(2)?,
        kind: r.get(3)?,
        step: r.get(4)?,
        thread: r.get(5)?,
        message_id: r.get(6)?,
        subject: r.get(7)?,
        recipient: r.get(8)?,
        state: State::parse(&r.get::<_, String>(9)?),
        transport: r.get(10)?,
        not_before: parse_ts(r.get(11)?),
        created_at: parse_ts(r.get(12)?).unwrap_or_default(),
        sent_at: parse_ts(r.get(13)?),
        attempts: r.get(14)?,
        server_reply: r.get(15)?,
    })
}

impl Journal {
    /// Opens (creating and migrating as needed) the journal in `dir`.
    pub fn open(dir: &Path) -> Result<Journal> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("journal.sqlite");
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the journal {}", path.display()))?;
        let mut journal =
            Self::setup(conn).with_context(|| format!("the journal {}", path.display()))?;
        journal.dir = Some(dir.to_path_buf());
        Ok(journal)
    }

    /// A journal in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<Journal> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Journal> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL + synchronous=FULL: each commit is on disk before the next
        // network step, and readers never block the writer.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Read the version and migrate under one write lock, so two
        // processes starting at once don't both create the tables.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: usize = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            bail!(
                "the journal is from a newer version of outreach (schema {version}, this one knows {}); upgrade outreach",
                MIGRATIONS.len()
            );
        }
        if version < MIGRATIONS.len() {
            for step in &MIGRATIONS[version..] {
                tx.execute_batch(step)?;
            }
            tx.pragma_update(None, "user_version", MIGRATIONS.len())?;
        }
        tx.commit()?;
        Ok(Journal { conn, dir: None })
    }

    /// The schema version in use.
    pub fn version(&self) -> Result<usize> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Queues messages in one transaction, committed before anything is
    /// sent: all of them or, if any fails, none. `build` gets the index in
    /// `items` and the row id (which makes the Message-ID unique) and
    /// returns (Message-ID, subject, raw bytes). Fails if a `once_key` is
    /// taken. Returns the row ids, in order.
    pub fn queue_all(
        &mut self,
        items: &[NewMessage],
        now: DateTime<Utc>,
        mut build: impl FnMut(usize, i64) -> Result<(String, String, Vec<u8>)>,
    ) -> Result<Vec<i64>> {
        // IMMEDIATE: the write lock is held from the start, so the next id
        // read here is still free when the rows go in.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut id: i64 =
            tx.query_row("SELECT IFNULL(MAX(id), 0) FROM messages", [], |r| r.get(0))?;
        let mut ids = Vec::with_capacity(items.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (id, contact, template, kind, step, thread, once_key, message_id, subject, recipient, state, transport, raw, not_before, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?12, ?13, ?14, ?14)",
            )?;
            for (i, m) in items.iter().enumerate() {
                id += 1;
                let (message_id, subject, raw) = build(i, id)?;
                insert.execute(params![
                    id,
                    m.contact,
                    m.template,
                    m.kind,
                    m.step,
                    m.thread,
                    m.once_key,
                    message_id,
                    subject,
                    m.recipient,
                    m.transport,
                    raw,
                    m.not_before.map(ts),
                    ts(now)
                ])?;
                ids.push(id);
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The row holding `once_key`, if any.
    pub fn by_once_key(&self, key: &str) -> Result<Option<Message>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE once_key = ?1"),
                [key],
                row_to_message,
            )
            .optional()?)
    }

    pub fn get(&self, id: i64) -> Result<Option<Message>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
                [id],
                row_to_message,
            )
            .optional()?)
    }

    pub fn by_message_id(&self, message_id: &str) -> Result<Option<Message>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE message_id = ?1"),
                [message_id],
                row_to_message,
            )
            .optional()?)
    }

    /// The exact bytes queued for message `id`.
    pub fn raw(&self, id: i64) -> Result<Vec<u8>> {
        Ok(self
            .conn
            .query_row("SELECT raw FROM messages WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// Messages in `state`, oldest first.
    pub fn in_state(&self, state: State) -> Result<Vec<Message>> {
        self.rows(
            &format!("SELECT {COLUMNS} FROM messages WHERE state = ?1 ORDER BY id"),
            [state.as_str()],
            row_to_message,
        )
    }

    /// Every message, oldest first.
    pub fn messages(&self) -> Result<Vec<Message>> {
        self.rows(
            &format!("SELECT {COLUMNS} FROM messages ORDER BY id"),
            [],
            row_to_message,
        )
    }

    /// One contact's messages, oldest first.
    pub fn messages_for(&self, contact: &str) -> Result<Vec<Message>> {
        self.rows(
            &format!("SELECT {COLUMNS} FROM messages WHERE contact = ?1 ORDER BY id"),
            [contact],
            row_to_message,
        )
    }

    /// Marks a queued message as being handed to the server. Committed
    /// before the SMTP transaction starts. Returns false when the row was
    /// not queued (another process took it).
    pub fn start_sending(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE messages SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
            params![id, ts(now)],
        )?;
        Ok(n == 1)
    }

    /// Every message and every fact, read at once on two connections
    /// (what the review of the whole journal starts from); with `lines`,
    /// every event's timeline line too.
    pub fn snapshot(&self, lines: bool) -> Result<Snapshot> {
        let Some(second) = self.second()? else {
            return Ok(Snapshot {
                messages: self.messages()?,
                facts: self.facts()?,
                lines: if lines { Some(self.lines()?) } else { None },
            });
        };
        let (messages, (facts, lines)) = crate::parallel::both(
            || self.messages(),
            move || {
                let facts = second.facts();
                (facts, lines.then(|| second.lines()))
            },
        );
        Ok(Snapshot {
            messages: messages?,
            facts: facts?,
            lines: lines.transpose()?,
        })
    }

    /// A second connection to this journal, for reading on another
    /// thread; None for a journal in memory.
    pub fn second(&self) -> Result<Option<Journal>> {
        self.dir.as_deref().map(Journal::open).transpose()
    }

    /// A `Marker` on a second connection to this journal.
    pub fn marker(&self) -> Result<Marker> {
        let dir = self
            .dir
            .clone()
            .context("a journal in memory has no second connection")?;
        let (requests, work) = std::sync::mpsc::channel::<(i64, DateTime<Utc>)>();
        let (answer, answers) = std::sync::mpsc::channel();
        let journal = Journal::open(&dir)?;
        std::thread::spawn(move || {
            for (id, now) in work {
                if answer.send(journal.start_sending(id, now)).is_err() {
                    break;
                }
            }
        });
        Ok(Marker { requests, answers })
    }

    /// Records the outcome of a transaction.
    ///
    /// Written without waiting for the disk: if a power cut loses it, the
    /// row is still `sending` and becomes `uncertain`, the cautious side,
    /// never a resend. The next `start_sending` syncs the log, and with it
    /// this write, before the next message goes out.
    pub fn finish(
        &self,
        id: i64,
        state: State,
        reply: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let sent_at = (state == State::Sent).then(|| ts(now));
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let result = self.conn.execute(
            "UPDATE messages SET state = ?2, server_reply = ?3, updated_at = ?4, sent_at = COALESCE(?5, sent_at) WHERE id = ?1",
            params![id, state.as_str(), reply, ts(now), sent_at],
        );
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        result?;
        Ok(())
    }

    /// Records that a message went out and that its Sent copy is still to
    /// be filed; written like `finish`.
    pub fn finish_sent_copy_pending(&self, id: i64, reply: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let result = self.conn.execute(
            "UPDATE messages SET state = 'sent', server_reply = ?2, updated_at = ?3, sent_at = ?3, sent_copy = 'pending' WHERE id = ?1",
            params![id, reply, ts(now)],
        );
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        result?;
        Ok(())
    }

    /// Sent messages whose Sent copy is still to be filed: (id,
    /// Message-ID), oldest first.
    pub fn pending_copies(&self) -> Result<Vec<(i64, String)>> {
        self.rows(
            "SELECT id, message_id FROM messages WHERE sent_copy = 'pending' ORDER BY id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Records that the Sent copies of `ids` are filed.
    pub fn copies_filed(&self, ids: &[i64]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut st = tx.prepare("UPDATE messages SET sent_copy = 'filed' WHERE id = ?1")?;
            for id in ids {
                st.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Rows left in `sending` by a process that died mid-transaction become
    /// `uncertain`: they may have gone out, so they are never resent
    /// blindly. Returns how many. A draft being filed is queued again
    /// instead: a second copy in the Drafts folder sends nothing.
    pub fn recover(&self, now: DateTime<Utc>) -> Result<usize> {
        self.conn.execute(
            "UPDATE messages SET state = 'queued', updated_at = ?1, server_reply = 'the process stopped while filing the draft' WHERE state = 'sending' AND transport = 'drafts'",
            [ts(now)],
        )?;
        Ok(self.conn.execute(
            "UPDATE messages SET state = 'uncertain', updated_at = ?1, server_reply = 'the process stopped during the SMTP transaction' WHERE state = 'sending'",
            [ts(now)],
        )?)
    }

    /// Sent messages on or after `since` (for the daily cap).
    pub fn sent_since(&self, since: DateTime<Utc>) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE state IN ('sent', 'sending', 'uncertain') AND transport = 'smtp' AND COALESCE(sent_at, updated_at) >= ?1",
            [ts(since)],
            |r| r.get(0),
        )?)
    }

    /// Lets a once-only message be queued again (`--again`): the old row
    /// keeps its history under a retired key.
    pub fn retire_once_key(&self, key: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE messages SET once_key = once_key || ' (retired ' || ?2 || ')' WHERE once_key = ?1",
            params![key, ts(now)],
        )?;
        Ok(())
    }

    /// A drafted or uncertain message found in the Sent folder: it went
    /// out at `at` (the user sent the draft, or the server took the
    /// message before the process stopped).
    /// Returns whether it changed anything (a second sighting does not).
    pub fn found_sent(&self, id: i64, at: DateTime<Utc>, note: &str) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE messages SET state = 'sent', sent_at = ?2, updated_at = ?2, server_reply = ?3 WHERE id = ?1 AND state IN ('drafted', 'uncertain')",
            params![id, ts(at), note],
        )?;
        Ok(n == 1)
    }

    /// Where the last check of `mailbox` stopped.
    pub fn mailbox_mark(&self, mailbox: &str) -> Result<Option<MailboxMark>> {
        Ok(self
            .conn
            .query_row(
                "SELECT uid_validity, last_uid FROM mailboxes WHERE name = ?1",
                [mailbox],
                |r| {
                    Ok(MailboxMark {
                        uid_validity: r.get(0)?,
                        last_uid: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records what a check found in `mailbox` up to `mark`, in one
    /// transaction: a check cut short keeps what it committed and starts
    /// the next time from there. Events already known (by `source_id`) are
    /// skipped. Returns the events that were new.
    pub fn record_check(
        &mut self,
        mailbox: &str,
        mark: MailboxMark,
        events: &[NewEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let result = self.record_check_tx(mailbox, mark, events, now);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        result
    }

    fn record_check_tx(
        &mut self,
        mailbox: &str,
        mark: MailboxMark,
        events: &[NewEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut new = Vec::new();
        for e in events {
            if let Some(id) = insert_event(&tx, e, now)? {
                new.push(Event { id, ..e.clone() });
            }
        }
        tx.execute(
            "INSERT INTO mailboxes (name, uid_validity, last_uid) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET uid_validity = ?2, last_uid = ?3",
            params![mailbox, mark.uid_validity, mark.last_uid],
        )?;
        tx.commit()?;
        Ok(new)
    }

    /// Records one event (e.g. what the user marked). Returns its id, or
    /// None when an event with its `source_id` exists.
    pub fn add_event(&self, e: &NewEvent, now: DateTime<Utc>) -> Result<Option<i64>> {
        insert_event(&self.conn, e, now)
    }

    /// Every event, in the order they happened.
    pub fn events(&self) -> Result<Vec<Event>> {
        self.rows(
            &format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY at, id"),
            [],
            row_to_event,
        )
    }

    /// Every event about a contact, as the review needs it, in no order
    /// (`at` as recorded: see `Fact::message`).
    pub fn facts(&self) -> Result<Vec<Fact>> {
        self.rows(
            "SELECT contact, kind, at, until,
                    CASE WHEN kind = 'bounce' THEN json_extract(detail, '$.failed_address') END,
                    message
             FROM events WHERE contact IS NOT NULL",
            [],
            |r| {
                Ok(Fact {
                    contact: r.get(0)?,
                    kind: r.get(1)?,
                    at: parse_ts(r.get(2)?).unwrap_or_default(),
                    until: r.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
                    failed_address: r.get(4)?,
                    message: r.get(5)?,
                })
            },
        )
    }

    /// Every event about a contact, as a timeline shows it, in no order.
    pub fn lines(&self) -> Result<Vec<Line>> {
        self.rows(
            "SELECT contact, kind, at, summary,
                    CASE WHEN kind = 'bounce' THEN json_extract(detail, '$.failed_address') END
             FROM events WHERE contact IS NOT NULL",
            [],
            |r| {
                Ok(Line {
                    contact: r.get(0)?,
                    kind: r.get(1)?,
                    at: parse_ts(r.get(2)?).unwrap_or_default(),
                    summary: r.get(3)?,
                    failed_address: r.get(4)?,
                })
            },
        )
    }

    /// One contact's events, in the order they happened.
    pub fn events_for(&self, contact: &str) -> Result<Vec<Event>> {
        self.rows(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE contact = ?1 ORDER BY at, id"),
            [contact],
            row_to_event,
        )
    }

    /// Every row `sql` selects, read by `read`.
    fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params, read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn insert_event(conn: &Connection, e: &NewEvent, now: DateTime<Utc>) -> Result<Option<i64>> {
    let n = conn.prepare_cached(
        "INSERT OR IGNORE INTO events (contact, kind, at, message, mailbox, uid, source_id, until, summary, detail, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        e.contact,
        e.kind,
        ts(e.at),
        e.message,
        e.mailbox,
        e.uid,
        e.source_id,
        e.until.map(|d| d.to_string()),
        e.summary,
        e.detail,
        ts(now)
    ])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn new(contact: &str) -> NewMessage<'_> {
        NewMessage {
            contact,
            template: "intro",
            kind: Kind::FirstContact,
            step: 0,
            thread: None,
            once_key: Some(format!("first:{contact}:intro")),
            recipient: "x@example.org",
            transport: "smtp",
            not_before: None,
        }
    }

    fn queue(j: &mut Journal, contact: &str) -> Result<i64> {
        let ids = j.queue_all(&[new(contact)], now(), |_, id| {
            Ok((format!("m{id}@example.org"), "Hi".into(), b"raw".to_vec()))
        })?;
        Ok(ids[0])
    }

    #[test]
    fn a_once_key_cannot_be_queued_twice() {
        let mut j = Journal::in_memory().unwrap();
        let id = queue(&mut j, "okafor").unwrap();
        assert!(queue(&mut j, "okafor").is_err());
        assert_eq!(j.by_once_key("first:okafor:intro").unwrap().unwrap().id, id);
        j.retire_once_key("first:okafor:intro", now()).unwrap();
        assert!(queue(&mut j, "okafor").is_ok());
    }

    #[test]
    fn a_failed_build_leaves_no_row() {
        let mut j = Journal::in_memory().unwrap();
        let r = j.queue_all(&[new("a")], now(), |_, _| anyhow::bail!("render failed"));
        assert!(r.is_err());
        assert!(j.messages().unwrap().is_empty());
    }

    #[test]
    fn a_batch_is_queued_whole_or_not_at_all() {
        let mut j = Journal::in_memory().unwrap();
        queue(&mut j, "b").unwrap();
        let build = |_, id| {
            Ok((
                format!("m{id}@example.org"),
                "Hi".to_string(),
                b"raw".to_vec(),
            ))
        };
        // "b" already has its once-only message: the whole batch fails.
        assert!(j.queue_all(&[new("a"), new("b")], now(), build).is_err());
        assert_eq!(j.messages().unwrap().len(), 1);
        let ids = j.queue_all(&[new("a"), new("c")], now(), build).unwrap();
        assert_eq!(ids, vec![2, 3]);
        assert_eq!(j.get(3).unwrap().unwrap().message_id, "m3@example.org");
    }

    #[test]
    fn sending_left_by_a_crash_becomes_uncertain_and_is_not_requeued() {
        let mut j = Journal::in_memory().unwrap();
        let a = queue(&mut j, "a").unwrap();
        let b = queue(&mut j, "b").unwrap();
        assert!(j.start_sending(a, now()).unwrap());
        assert!(!j.start_sending(a, now()).unwrap(), "a row is taken once");
        assert_eq!(j.recover(now()).unwrap(), 1);
        assert_eq!(j.get(a).unwrap().unwrap().state, State::Uncertain);
        let queued: Vec<i64> = j
            .in_state(State::Queued)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(queued, vec![b]);
        assert_eq!(j.raw(b).unwrap(), b"raw");
    }

    #[test]
    fn a_draft_cut_off_while_being_filed_is_queued_again() {
        let mut j = Journal::in_memory().unwrap();
        let mut draft = new("a");
        draft.transport = "drafts";
        let ids = j
            .queue_all(&[draft], now(), |_, id| {
                Ok((format!("m{id}@example.org"), "Hi".into(), b"raw".to_vec()))
            })
            .unwrap();
        j.start_sending(ids[0], now()).unwrap();
        assert_eq!(j.recover(now()).unwrap(), 0);
        assert_eq!(j.get(ids[0]).unwrap().unwrap().state, State::Queued);
    }

    #[test]
    fn outcomes_are_recorded() {
        let mut j = Journal::in_memory().unwrap();
        let a = queue(&mut j, "a").unwrap();
        j.start_sending(a, now()).unwrap();
        j.finish(a, State::Sent, Some("250 2.0.0 Ok: queued as X"), now())
            .unwrap();
        let m = j.get(a).unwrap().unwrap();
        assert_eq!(m.state, State::Sent);
        assert_eq!(m.sent_at, Some(now()));
        assert_eq!(m.attempts, 1);
        assert_eq!(m.message_id, format!("m{a}@example.org"));
        assert_eq!(j.sent_since(now() - chrono::Duration::hours(1)).unwrap(), 1);
    }

    fn event(source: &str, at: &str) -> NewEvent {
        Event {
            id: 0,
            contact: Some("okafor".into()),
            kind: EventKind::Reply,
            at: DateTime::parse_from_rfc3339(at).unwrap().to_utc(),
            message: None,
            mailbox: Some("INBOX".into()),
            uid: Some(7),
            source_id: Some(source.into()),
            until: NaiveDate::from_ymd_opt(2026, 12, 1),
            summary: "Dr. Okafor replied".into(),
            detail: None,
        }
    }

    #[test]
    fn only_drafts_and_uncertain_messages_are_found_sent() {
        let mut j = Journal::in_memory().unwrap();
        let a = queue(&mut j, "a").unwrap();
        let b = queue(&mut j, "b").unwrap();
        j.start_sending(a, now()).unwrap();
        j.recover(now()).unwrap();
        let later = now() + chrono::Duration::hours(1);
        assert!(j.found_sent(a, later, "found in Sent").unwrap());
        assert!(!j.found_sent(a, later, "found in Sent").unwrap());
        assert!(!j.found_sent(b, later, "found in Sent").unwrap());
        let a = j.get(a).unwrap().unwrap();
        assert_eq!((a.state, a.sent_at), (State::Sent, Some(later)));
        assert_eq!(j.get(b).unwrap().unwrap().state, State::Queued);
    }

    #[test]
    fn a_marker_marks_on_disk_from_its_own_connection() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let a = queue(&mut j, "a").unwrap();
        let marker = j.marker().unwrap();
        marker.mark(a, now());
        assert!(marker.wait().unwrap());
        assert_eq!(j.get(a).unwrap().unwrap().state, State::Sending);
        marker.mark(a, now());
        assert!(!marker.wait().unwrap(), "a row is taken once");
        assert!(Journal::in_memory().unwrap().marker().is_err());
    }

    #[test]
    fn kinds_are_stored_by_the_names_they_are_read_by() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
        for k in [Kind::FirstContact, Kind::FollowUp, Kind::Note] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            // The same names as in a template's front matter.
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        let j = Journal::in_memory().unwrap();
        j.conn
            .execute(
                "INSERT INTO events (kind, at, summary, recorded_at) VALUES ('gossip', '2026-01-01T00:00:00.000Z', 's', 'r')",
                [],
            )
            .unwrap();
        assert!(j.events().is_err(), "an unknown kind is an error");
    }

    #[test]
    fn timestamps_read_back_exactly() {
        let t = DateTime::parse_from_rfc3339("2026-03-08T07:05:09.123Z")
            .unwrap()
            .to_utc();
        assert_eq!(fast_ts(ts(t).as_bytes()), Some(t));
        assert_eq!(parse_ts(Some(ts(t))), Some(t));
        // Other shapes still parse, the slow way.
        assert_eq!(
            parse_ts(Some("2026-03-08T02:05:09.123-05:00".into())),
            Some(t)
        );
        assert_eq!(fast_ts(b"2026-13-08T07:05:09.123Z"), None);
    }

    #[test]
    fn a_check_is_recorded_with_its_mark_and_known_events_are_skipped() {
        let mut j = Journal::in_memory().unwrap();
        assert_eq!(j.mailbox_mark("INBOX").unwrap(), None);
        let mark = MailboxMark {
            uid_validity: 5,
            last_uid: 500,
        };
        let new = j
            .record_check(
                "INBOX",
                mark,
                &[
                    event("b@x", "2026-11-25T10:00:00Z"),
                    event("a@x", "2026-11-24T10:00:00Z"),
                ],
                now(),
            )
            .unwrap();
        assert_eq!(new.len(), 2);
        assert_eq!(j.mailbox_mark("INBOX").unwrap(), Some(mark));
        // A rescan finds the same message again: recorded once.
        let mark2 = MailboxMark {
            uid_validity: 6,
            last_uid: 3,
        };
        let new = j
            .record_check(
                "INBOX",
                mark2,
                &[event("a@x", "2026-11-24T10:00:00Z")],
                now(),
            )
            .unwrap();
        assert!(new.is_empty());
        assert_eq!(j.mailbox_mark("INBOX").unwrap(), Some(mark2));
        let all = j.events_for("okafor").unwrap();
        let ids: Vec<_> = all
            .iter()
            .map(|e| e.source_id.as_deref().unwrap())
            .collect();
        assert_eq!(ids, ["a@x", "b@x"], "in the order they happened");
        assert_eq!(all[0].until, NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(j.events().unwrap().len(), 2);
    }

    #[test]
    fn migrations_run_once_and_newer_journals_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        assert_eq!(j.version().unwrap(), MIGRATIONS.len());
        drop(j);
        let j = Journal::open(dir.path()).unwrap();
        j.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(j);
        let err = Journal::open(dir.path()).err().unwrap();
        assert!(format!("{err:#}").contains("newer version"), "{err:#}");
    }
}
