//! Crash at any moment, lose nothing, send nothing twice: `send`,
//! `followup --send` and `check` killed with SIGKILL at random moments
//! against the real Postfix and Dovecot, rerun to completion, and the
//! mailboxes and the journal checked. The moments come from a seeded
//! generator; the seed is printed, and OUTREACH_CRASH_SEED=N replays it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::os::unix::fs::{chown, fchown, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use mail_parser::MessageParser;
use outreach::journal::{Journal, State};

use crate::util::stack::{self, wait_for, Stack};
use crate::util::{text, Workspace};

/// When the intros go out: Tue 24 Nov 2026, 10:00 in New York.
const DAY0: &str = "2026-11-24T15:00:00Z";
/// Seven business days later: the first follow-up is due.
const DAY7B: &str = "2026-12-03T15:00:00Z";
/// How many times each test kills the process, at least.
const KILLS: usize = 20;

/// SplitMix64: small and seedable, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn seeded(test: &str) -> Rng {
        let seed = std::env::var("OUTREACH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: seed {seed} (replay with OUTREACH_CRASH_SEED={seed})");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    /// A moment in `0..max`.
    fn moment(&mut self, max: Duration) -> Duration {
        Duration::from_micros(self.next() % (max.as_micros() as u64).max(1))
    }
}

/// A sending workspace with `n` contacts whose addresses all land in one
/// fresh mailbox (`rcpt+cNNN@…`): returns it with the sender's password
/// and the recipient's login.
struct Batch {
    ws: Workspace,
    user: String,
    password: String,
    rcpt: (String, String),
    n: usize,
}

impl Batch {
    fn new(s: &Stack, tag: &str, n: usize) -> Batch {
        let (ws, user, password) = s.workspace(tag, "hello");
        let rcpt = s.new_user(&format!("{tag}-to"));
        let (local, domain) = rcpt.0.split_once('@').unwrap();
        let mut contacts = String::new();
        for i in 0..n {
            contacts.push_str(&format!(
                "- id: c{i:03}\n  name: Núñez Okafor {i}\n  title: Dr.\n  email: {local}+c{i:03}@{domain}\n"
            ));
        }
        ws.write("contacts/all.yaml", &contacts);
        ws.write(
            "templates/follow-up.hbs",
            "---\nkind: follow-up\n---\nDear {{salutation}},\n\nA short follow-up ({{thread.step}}) to my note of {{thread.sent_on}}.\n\nAmina\n",
        );
        Batch {
            ws,
            user,
            password,
            rcpt,
            n,
        }
    }

    fn cmd(&self, now: &str, args: &[&str]) -> Command {
        let mut cmd = self.ws.command(args);
        cmd.env("OUTREACH_NOW", now)
            .env("OUTREACH_SMTP_PASSWORD", &self.password)
            .env("OUTREACH_IMAP_PASSWORD", &self.password)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn journal(&self) -> Journal {
        Journal::open(&self.ws.path().join(".outreach")).unwrap()
    }
}

/// Runs `cmd` again and again until a run succeeds (a run may exit 1
/// while it settles what an earlier kill left uncertain).
fn run_to_completion(mut cmd: impl FnMut() -> Command) {
    let mut last = None;
    for _ in 0..5 {
        let out = cmd().output().unwrap();
        if out.status.success() {
            return;
        }
        last = Some(out);
    }
    let out = last.unwrap();
    panic!(
        "no run completes:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Starts `cmd`, kills it with SIGKILL after `after` if it is still
/// running; returns whether the kill hit a running process.
fn kill_after(mut cmd: Command, after: Duration) -> bool {
    let mut child: Child = cmd.spawn().unwrap();
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1).min(deadline - Instant::now()));
    }
    let hit = child.try_wait().unwrap().is_none();
    // Child::kill is SIGKILL on Unix.
    let _ = child.kill();
    child.wait().unwrap();
    hit
}

/// SQLite's own check, and the journal's invariants that hold whenever no
/// process is running: a row in `sending` only for the one message a
/// killed process was handing over, once-only keys unique, every thread
/// and event pointing at a real message, no finding recorded twice.
fn assert_journal_sound(ws: &Workspace, after_completion: bool) {
    let db = rusqlite::Connection::open(ws.path().join(".outreach/journal.sqlite")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let dangling: i64 = db
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0, "rows point at messages that do not exist");
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let sending = count("SELECT count(*) FROM messages WHERE state = 'sending'");
    if after_completion {
        assert_eq!(sending, 0, "a completed run left a row `sending`");
        assert_eq!(
            count("SELECT count(*) FROM messages WHERE state = 'queued'"),
            0,
            "a completed run left a row `queued`"
        );
    } else {
        assert!(sending <= 1, "{sending} rows `sending` at once");
    }
    assert_eq!(
        count(
            "SELECT count(*) - count(DISTINCT once_key) FROM messages WHERE once_key IS NOT NULL"
        ),
        0,
        "a once-only key on two rows"
    );
    assert_eq!(
        count("SELECT count(*) - count(DISTINCT message_id) FROM messages"),
        0
    );
    assert_eq!(
        count(
            "SELECT count(*) - count(DISTINCT source_id) FROM events WHERE source_id IS NOT NULL"
        ),
        0,
        "a finding recorded twice"
    );
    assert_eq!(
        count("SELECT count(*) FROM messages WHERE state = 'sent' AND sent_at IS NULL"),
        0,
        "a sent row without its time"
    );
}

/// Reads every message in `user`'s INBOX once all of `expect` have
/// arrived (or the deadline passed): Message-ID → how many copies, and
/// recipient address → how many messages.
fn delivered(
    s: &Stack,
    rcpt: &(String, String),
    expect: &BTreeSet<String>,
) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut imap = s.login(&rcpt.0, &rcpt.1);
    let mut read = || {
        imap.examine("INBOX").unwrap();
        let mut ids = BTreeMap::new();
        let mut to = BTreeMap::new();
        for (_, header) in imap.headers(1, None).unwrap() {
            let msg = MessageParser::default().parse_headers(&header).unwrap();
            let id = msg.message_id().unwrap_or_default().to_string();
            let addr = msg
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_lowercase();
            *ids.entry(id).or_insert(0) += 1;
            *to.entry(addr).or_insert(0) += 1;
        }
        (ids, to)
    };
    let arrived = wait_for(60, || {
        let (ids, to) = read();
        expect
            .iter()
            .all(|id| ids.contains_key(id))
            .then_some((ids, to))
    });
    // A second look, once all have arrived, catches a late duplicate.
    arrived.map(|_| read()).unwrap_or_else(read)
}

/// Every contact has exactly one message from `template`: sent and
/// delivered once, or left uncertain for the user and delivered at most
/// once; nothing the journal doesn't know reached anyone.
fn assert_each_once(s: &Stack, b: &Batch, template: &str) {
    let all = b.journal().messages().unwrap();
    let messages: Vec<_> = all.iter().filter(|m| m.template == template).collect();
    let contacts: BTreeSet<&str> = messages.iter().map(|m| m.contact.as_str()).collect();
    assert_eq!(contacts.len(), b.n, "a contact has no `{template}` message");
    assert_eq!(
        messages.len(),
        b.n,
        "a contact has two `{template}` messages"
    );
    let sent: BTreeSet<String> = messages
        .iter()
        .filter(|m| m.state == State::Sent)
        .map(|m| m.message_id.clone())
        .collect();
    let uncertain = messages
        .iter()
        .filter(|m| m.state == State::Uncertain)
        .count();
    assert_eq!(
        sent.len() + uncertain,
        b.n,
        "states: {:?}",
        messages.iter().map(|m| m.state).collect::<Vec<_>>()
    );
    let (ids, to) = delivered(s, &b.rcpt, &sent);
    for id in &sent {
        assert_eq!(
            ids.get(id),
            Some(&1),
            "sent message <{id}> arrived {:?} times",
            ids.get(id)
        );
    }
    for (id, n) in &ids {
        assert_eq!(*n, 1, "<{id}> arrived {n} times");
        assert!(
            all.iter().any(|m| &m.message_id == id),
            "<{id}> reached a recipient and the journal doesn't know it"
        );
    }
    // Per address too: a resend under a new Message-ID would show here.
    let per_contact = all.len() / b.n;
    for (addr, n) in &to {
        assert!(*n <= per_contact, "{addr} got {n} messages");
    }
    eprintln!(
        "{template}: {} sent once, {uncertain} left uncertain for `outreach resolve`",
        sent.len()
    );
}

/// How many rows of `template` have left the queue (sending, sent,
/// uncertain, failed): the progress of a run, read while it runs.
fn progress(b: &Batch, template: &str) -> i64 {
    let Ok(db) = rusqlite::Connection::open_with_flags(
        b.ws.path().join(".outreach/journal.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ) else {
        return 0;
    };
    db.query_row(
        "SELECT count(*) FROM messages WHERE template = ?1 AND state != 'queued'",
        [template],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

/// Polls `done` every millisecond (a kill must land close to the moment
/// chosen), for up to a minute.
fn poll(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// How a run started by [`kill_at_random`] ended.
enum Ended {
    /// Killed while it was running.
    Killed,
    /// It exited on its own first: its status and what it printed.
    Exited(std::process::Output),
}

/// Starts `cmd` and kills it with SIGKILL at a random moment: one kill
/// in four during start-up (the first 0–300 ms), the others once a
/// random number of further messages (1 to 2 × `share`) has left the
/// queue, plus 0–3 ms so the kill falls anywhere in a message's SMTP
/// exchange.
fn kill_at_random(b: &Batch, rng: &mut Rng, mut cmd: Command, template: &str, share: i64) -> Ended {
    let before = progress(b, template);
    let mut child: Child = cmd.spawn().unwrap();
    // Kills at a moment, or once the run has gone a random part of its
    // share; a moment that comes after the whole share is cut short by
    // the share's end, so that a fast run can't finish the batch early.
    let end = before + 2 * share.max(1);
    if rng.next().is_multiple_of(4) {
        let at = Instant::now() + rng.moment(Duration::from_millis(300));
        poll(|| {
            Instant::now() >= at
                || progress(b, template) >= end
                || child.try_wait().unwrap().is_some()
        });
    } else {
        let target = before + 1 + (rng.next() % (end - before) as u64) as i64;
        poll(|| progress(b, template) >= target || child.try_wait().unwrap().is_some());
        std::thread::sleep(rng.moment(Duration::from_millis(3)));
    }
    if child.try_wait().unwrap().is_some() {
        return Ended::Exited(child.wait_with_output().unwrap());
    }
    // Child::kill is SIGKILL on Unix.
    let _ = child.kill();
    child.wait().unwrap();
    Ended::Killed
}

/// Kills runs of `args` at random moments until `KILLS` kills have hit a
/// running process, checking the journal after each, then runs to
/// completion. Returns how many kills hit.
///
/// A run that exits on its own before the batch is done (one that stops
/// with exit 1 while it settles what a kill left uncertain) is simply
/// followed by the next; only a finished batch ends the kills early.
fn kill_repeatedly(b: &Batch, rng: &mut Rng, now: &str, args: &[&str], template: &str) -> usize {
    let mut hits = 0;
    let mut exits = 0;
    while hits < KILLS {
        let left = b.n as i64 - progress(b, template);
        // Half an even share, so the kills spread over the run and it
        // does not end before the last one.
        let share = left / (2 * (KILLS - hits)) as i64;
        match kill_at_random(b, rng, b.cmd(now, args), template, share) {
            Ended::Killed => hits += 1,
            Ended::Exited(out) => {
                let done = progress(b, template);
                eprintln!(
                    "{template}: a run exited ({}) after {hits} kills with {done} of {} out of the queue",
                    out.status, b.n
                );
                if done >= b.n as i64 {
                    break;
                }
                exits += 1;
                assert!(
                    exits <= KILLS,
                    "{exits} runs exited without finishing the batch; the last:\n{}\n{}",
                    text(&out.stdout),
                    text(&out.stderr)
                );
            }
        }
        assert_journal_sound(&b.ws, false);
    }
    run_to_completion(|| b.cmd(now, args));
    assert_journal_sound(&b.ws, true);
    hits
}

#[test]
fn crash_send_killed_at_random_moments_sends_each_once() {
    let _g = stack::shared();
    let s = Stack::get();
    let mut rng = Rng::seeded("send");
    let b = Batch::new(&s, "crashsend", 200);
    let args = ["send", "hello", "--all", "--yes", "--now", "--no-pace"];
    let hits = kill_repeatedly(&b, &mut rng, DAY0, &args, "hello");
    assert!(hits >= KILLS, "the batch finished after {hits} kills");
    assert_each_once(&s, &b, "hello");
}

#[test]
fn crash_followup_killed_at_random_moments_sends_each_once() {
    let _g = stack::shared();
    let s = Stack::get();
    let mut rng = Rng::seeded("followup");
    let b = Batch::new(&s, "crashfu", 150);
    run_to_completion(|| {
        b.cmd(
            DAY0,
            &["send", "hello", "--all", "--yes", "--now", "--no-pace"],
        )
    });
    let args = ["followup", "--send", "--yes", "--now", "--no-pace"];
    let hits = kill_repeatedly(&b, &mut rng, DAY7B, &args, "follow-up");
    assert!(hits >= KILLS, "the follow-ups finished after {hits} kills");
    assert_each_once(&s, &b, "follow-up");
    // Each follow-up is in the thread of its contact's intro.
    let j = b.journal();
    for m in j
        .messages()
        .unwrap()
        .iter()
        .filter(|m| m.template == "follow-up")
    {
        let first = j.messages_for(&m.contact).unwrap();
        assert!(m
            .thread
            .is_some_and(|t| first.iter().any(|f| f.id == t && f.template == "hello")));
    }
}

// --- check ---------------------------------------------------------------

/// The Maildir folder of `user`'s INBOX, and the owner Dovecot gives it.
fn maildir(s: &Stack, user: &str) -> (PathBuf, u32, u32) {
    let field = |f: &str| s.doveadm(&["user", "-f", f, user]).trim().to_string();
    let home = field("home");
    let location = field("mail");
    let path = location
        .strip_prefix("maildir:")
        .unwrap_or_else(|| panic!("{user}: not a Maildir ({location})"));
    let path = path.split(':').next().unwrap().replacen('~', &home, 1);
    (
        PathBuf::from(path),
        field("uid").parse().unwrap(),
        field("gid").parse().unwrap(),
    )
}

/// Writes `messages` straight into `user`'s Maildir INBOX and has
/// Dovecot index them: 10,000 messages in a second or two, where IMAP
/// APPEND would take a minute.
fn fill_inbox(s: &Stack, user: &str, password: &str, messages: &[String]) {
    // Dovecot makes the folders at the first login.
    drop(s.login(user, password));
    let (dir, uid, gid) = maildir(s, user);
    let cur = dir.join("cur");
    if !cur.exists() {
        std::fs::create_dir_all(&cur).unwrap();
        std::fs::set_permissions(&cur, std::fs::Permissions::from_mode(0o700)).unwrap();
        chown(&cur, Some(uid), Some(gid)).unwrap();
    }
    let base = 1_795_000_000u64;
    for (i, text) in messages.iter().enumerate() {
        let at = base + i as u64;
        let name = format!(
            "{at}.M{i}P{}.crash,S={}:2,S",
            std::process::id(),
            text.len()
        );
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(cur.join(name))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_secs(at))
            .unwrap();
        fchown(&file, Some(uid), Some(gid)).unwrap();
    }
    s.doveadm(&["force-resync", "-u", user, "INBOX"]);
}

/// A checking workspace: 50 contacts written to once, and an INBOX of
/// `total` messages in which every 40th is a reply from a contact and
/// every 40th (offset 20) an out-of-office notice; the rest list mail.
/// Returns the batch and how many findings a check must record.
fn checking(s: &Stack, tag: &str, total: usize) -> (Batch, usize) {
    let b = Batch::new(s, tag, 50);
    let user = b.user.clone();
    run_to_completion(|| {
        b.cmd(
            DAY0,
            &["send", "hello", "--all", "--yes", "--now", "--no-pace"],
        )
    });
    let ids: BTreeMap<String, String> = b
        .journal()
        .messages()
        .unwrap()
        .into_iter()
        .map(|m| (m.contact, m.message_id))
        .collect();
    let (local, domain) = b.rcpt.0.split_once('@').unwrap();
    let mut findings = 0;
    let messages: Vec<String> = (0..total)
        .map(|i| {
            let c = (i / 40) % 50;
            let contact = format!("c{c:03}");
            let from_contact = format!("{local}+{contact}@{domain}");
            let ours = &ids[&contact];
            let (from, extra, subject, body) = match i % 40 {
                0 => {
                    findings += 1;
                    (
                        from_contact,
                        format!("In-Reply-To: <{ours}>\r\nReferences: <{ours}>\r\n"),
                        "Re: A question".to_string(),
                        "Happy to talk next week.".to_string(),
                    )
                }
                20 => {
                    findings += 1;
                    (
                        from_contact,
                        format!("In-Reply-To: <{ours}>\r\nAuto-Submitted: auto-replied\r\n"),
                        "Out of office".to_string(),
                        "I am away until 14 December 2026.".to_string(),
                    )
                }
                _ => (
                    format!("news@lists.{domain}"),
                    "List-Id: <news.lists.example>\r\nPrecedence: list\r\n".to_string(),
                    format!("Newsletter {i}"),
                    "This week in medicine.".to_string(),
                ),
            };
            format!(
                "From: {from}\r\nTo: {user}\r\nDate: Wed, 25 Nov 2026 09:00:00 -0500\r\nMessage-ID: <crash{i}.{tag}@{domain}>\r\nSubject: {subject}\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            )
        })
        .collect();
    fill_inbox(s, &user, &b.password, &messages);
    (b, findings)
}

/// The findings in the journal: (Message-ID, kind, contact), sorted.
fn findings(b: &Batch) -> Vec<(String, String, String)> {
    let db = rusqlite::Connection::open(b.ws.path().join(".outreach/journal.sqlite")).unwrap();
    let mut q = db
        .prepare("SELECT source_id, kind, coalesce(contact, '') FROM events ORDER BY source_id")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The last UID of `mailbox` that the journal has committed, read while
/// a check runs.
fn committed(b: &Batch, mailbox: &str) -> i64 {
    rusqlite::Connection::open_with_flags(
        b.ws.path().join(".outreach/journal.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .and_then(|db| {
        db.query_row(
            "SELECT last_uid FROM mailboxes WHERE name = ?1",
            [mailbox],
            |r| r.get(0),
        )
    })
    .unwrap_or(0)
}

/// Copies the journal aside (`VACUUM INTO`) and puts the copy back.
fn snapshot(ws: &Workspace, name: &str) -> PathBuf {
    let copy = ws.path().join(name);
    let _ = std::fs::remove_file(&copy);
    let db = rusqlite::Connection::open(ws.path().join(".outreach/journal.sqlite")).unwrap();
    db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    copy
}

fn restore(ws: &Workspace, copy: &Path) {
    for f in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
        let _ = std::fs::remove_file(ws.path().join(".outreach").join(f));
    }
    std::fs::copy(copy, ws.path().join(".outreach/journal.sqlite")).unwrap();
}

#[test]
fn crash_check_of_10000_messages_killed_at_random_moments_records_each_once() {
    let _g = stack::shared();
    let s = Stack::get();
    let mut rng = Rng::seeded("check");
    let (b, expected) = checking(&s, "crashck", 10_000);
    let before = snapshot(&b.ws, "before.sqlite");

    // The truth: one check that nobody interrupts.
    let t = Instant::now();
    run_to_completion(|| b.cmd(DAY7B, &["check"]));
    let whole = t.elapsed();
    let truth = findings(&b);
    assert_eq!(truth.len(), expected, "{truth:?}");
    assert_journal_sound(&b.ws, true);

    // Each round is killed at a random moment of a check and run again to
    // the end. A round starts where the previous kill left the journal,
    // while the rest of that check still takes a quarter of a whole one,
    // and from before the first check otherwise: the kills fall all
    // through a check, and the rounds cost about a dozen checks, not
    // twenty.
    let mut hits = 0;
    let (mut from, mut span) = (before.clone(), whole);
    let mut round = 0;
    while hits < KILLS {
        round += 1;
        assert!(round <= 3 * KILLS, "only {hits} kills hit a running check");
        restore(&b.ws, &from);
        if kill_after(b.cmd(DAY7B, &["check"]), rng.moment(span)) {
            hits += 1;
        }
        assert_journal_sound(&b.ws, false);
        let cut = snapshot(&b.ws, &format!("round{}.sqlite", round % 2));
        let t = Instant::now();
        run_to_completion(|| b.cmd(DAY7B, &["check"]));
        let rest = t.elapsed();
        assert_journal_sound(&b.ws, true);
        assert_eq!(findings(&b), truth);
        let mark = b.journal().mailbox_mark("INBOX").unwrap().unwrap();
        assert_eq!(mark.last_uid, 10_000);
        (from, span) = if rest > whole / 4 {
            (cut, rest)
        } else {
            (before.clone(), whole)
        };
    }
    eprintln!("check: {hits} kills in {round} rounds; a whole check took {whole:?}");
}

#[test]
fn crash_dovecot_stopped_mid_check_then_started_records_each_once() {
    let s = Stack::get();
    let (b, expected) = {
        let _g = stack::shared();
        checking(&s, "crashdv", 3_000)
    };
    // Stopping a server: no other mail test of this run may see it gone.
    let _g = stack::exclusive();
    let mut child = b.cmd(DAY7B, &["check"]).spawn().unwrap();
    // Stop it once the first chunk is committed and the check goes on.
    let mut cut = false;
    poll(|| {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        cut = committed(&b, "INBOX") > 0;
        cut
    });
    // Dovecot's IMAP processes outlive a stopped master: drop this
    // user's session first (what a stopping server does to its clients),
    // then stop, then start again straight away with the same
    // configuration, so other tests' mail waits as briefly as possible.
    let stopped_at = Instant::now();
    let kick = Command::new(&s.script)
        .args(["doveadm", "kick", &b.user])
        .output()
        .unwrap();
    let stop = Command::new(&s.script)
        .args(["doveadm", "stop"])
        .output()
        .unwrap();
    let conf = PathBuf::from(std::env::var("MAILSTACK_DIR").unwrap()).join("dovecot/dovecot.conf");
    let started = wait_for(10, || {
        Command::new("dovecot")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
            .then_some(())
    });
    let restarted = stopped_at.elapsed();
    eprintln!(
        "dovecot was down for {:?} (the start of a fresh master included)",
        restarted
    );
    // Mail that other tests sent meanwhile waits in Postfix's queue for
    // its next run, minutes away: deliver it now.
    let _ = Command::new("postqueue").arg("-f").status();
    assert!(
        kick.status.success(),
        "doveadm kick: {}",
        text(&kick.stderr)
    );
    assert!(
        stop.status.success(),
        "doveadm stop: {}",
        text(&stop.stderr)
    );
    assert!(started.is_some(), "Dovecot does not start again");
    assert!(cut, "the check ended before Dovecot was stopped");
    let status = wait_for(60, || child.try_wait().unwrap()).expect("check gives up");
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "{}", text(&out.stdout));
    let kept = findings(&b).len();
    assert!(kept < expected, "all was recorded before the stop");
    assert_journal_sound(&b.ws, true);

    run_to_completion(|| b.cmd(DAY7B, &["check"]));
    assert_journal_sound(&b.ws, true);
    let all = findings(&b);
    assert_eq!(all.len(), expected);
    assert_eq!(
        b.journal().mailbox_mark("INBOX").unwrap().unwrap().last_uid,
        3_000
    );
    // A further check finds nothing new.
    let again = b.cmd(DAY7B, &["check"]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(findings(&b), all);
}
