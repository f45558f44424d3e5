//! `outreach check`, `doctor` and `draft --imap-drafts` against the real
//! Postfix and each IMAP server (Dovecot, Cyrus): replies, auto-replies and
//! a real bounce land in the mailbox and are recorded once, without
//! touching a flag.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use outreach::journal::{EventKind, Journal, State};
use serde_json::Value;

use crate::util::stack::{self, per_server, wait_count, Server, Stack};
use crate::util::{assert_has, text, Workspace};

/// When the check runs: three days after the intros went out.
const LATER: &str = "2026-11-27T12:00:00Z";

pub struct Mail {
    pub ws: Workspace,
    pub user: String,
    pub password: String,
    pub uniq: String,
}

impl Mail {
    /// A workspace for a fresh user with five contacts. Li's address is
    /// outside the test domains: Postfix accepts it, then bounces it.
    pub fn new(s: &Stack, tag: &str) -> Mail {
        let (ws, user, password) = s.workspace(tag, "intro");
        let uniq = format!("{tag}{}", std::process::id());
        ws.write(
            "templates/follow-up.hbs",
            "---\nkind: follow-up\n---\nDear {{salutation}},\n\nFollowing up ({{thread.step}}) on my note of {{thread.sent_on}}.\n\nAmina\n",
        );
        let c = &s.catchall_domain;
        ws.write(
            "contacts/all.yaml",
            &format!(
                "- id: okafor\n  name: Chidi Okafor\n  title: Dr.\n  email: okafor.{uniq}@{c}\n\
                 - id: nunez\n  name: María Núñez\n  title: Dr.\n  email: nunez.{uniq}@{c}\n  aliases: [maria.{uniq}@hospital.example.org]\n\
                 - id: petrova\n  name: Elena Petrova\n  title: Dr.\n  email: petrova.{uniq}@{c}\n\
                 - id: li\n  name: Ming Li\n  title: Dr.\n  email: li.{uniq}@nowhere.example.com\n\
                 - id: mueller\n  name: Hans Müller\n  title: Dr.\n  email: mueller.{uniq}@{c}\n"
            ),
        );
        Mail {
            ws,
            user,
            password,
            uniq,
        }
    }

    pub fn cmd(&self, args: &[&str], now: &str) -> Command {
        let mut cmd = self.ws.command(args);
        cmd.env("OUTREACH_NOW", now)
            .env("OUTREACH_SMTP_PASSWORD", &self.password)
            .env("OUTREACH_IMAP_PASSWORD", &self.password);
        cmd
    }

    pub fn run(&self, args: &[&str], now: &str) -> Output {
        self.cmd(args, now).output().unwrap()
    }

    pub fn ok(&self, args: &[&str], now: &str) -> String {
        let out = self.run(args, now);
        assert!(
            out.status.success(),
            "outreach {args:?}:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn check_json(&self) -> Value {
        serde_json::from_str(&self.ok(&["check", "--json"], LATER)).unwrap()
    }

    /// Sends the intro to `who` (a contact id, or "--all") at `now`.
    pub fn intro(&self, who: &str, now: &str) -> String {
        let mut args = vec!["send", "intro"];
        if who != "--all" {
            args.push("--to");
        }
        args.extend([who, "--yes", "--now", "--no-pace"]);
        self.ok(&args, now)
    }

    pub fn journal(&self) -> Journal {
        Journal::open(&self.ws.path().join(".outreach")).unwrap()
    }

    pub fn message_id(&self, contact: &str) -> String {
        self.journal().messages_for(contact).unwrap()[0]
            .message_id
            .clone()
    }
}

/// A message from `from` to `to`, as another mail program would write it.
fn mail(from: &str, to: &str, id: &str, headers: &str, subject: &str, body: &str) -> String {
    mail_on(
        "Wed, 25 Nov 2026 09:00:00 -0500",
        from,
        to,
        id,
        headers,
        subject,
        body,
    )
}

/// As `mail`, with the Date header `date`.
pub fn mail_on(
    date: &str,
    from: &str,
    to: &str,
    id: &str,
    headers: &str,
    subject: &str,
    body: &str,
) -> String {
    format!(
        "From: {from}\nTo: {to}\nDate: {date}\nMessage-ID: <{id}>\nSubject: {subject}\n{headers}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

/// The kind of each new event, by contact, sorted.
fn kinds(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["contact"].as_str().unwrap_or("-").to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn all_flags(s: &Stack, m: &Mail, mailbox: &str) -> Vec<Vec<String>> {
    let mut imap = s.login(&m.user, &m.password);
    let n = imap.examine(mailbox).unwrap().exists;
    (1..=n + 10)
        .map(|uid| imap.flags(mailbox, uid).unwrap_or_default())
        .collect()
}

fn check_records_replies_auto_replies_bounces_and_own_mail_once(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "check");
    let u = &m.uniq;
    let c = &s.catchall_domain;
    m.intro("--all", crate::util::NOW);
    // A threaded reply, an unthreaded one from an alias, an out-of-office
    // answer, a newsletter; and the bounce Postfix makes for li.
    s.deliver(
        &format!("okafor.{u}@{c}"),
        &m.user,
        &mail(
            &format!("Chidi Okafor <okafor.{u}@{c}>"),
            &m.user,
            &format!("r1.{u}@{c}"),
            &format!("In-Reply-To: <{}>\n", m.message_id("okafor")),
            "Re: A question for Dr. Okafor",
            "Happy to talk. Thursday?",
        ),
    );
    s.deliver(
        &format!("maria.{u}@hospital.example.org"),
        &m.user,
        &mail(
            &format!("maria.{u}@hospital.example.org"),
            &m.user,
            &format!("r2.{u}@hospital.example.org"),
            "",
            "your note",
            "Yes, write to me next week.",
        ),
    );
    s.deliver(
        &format!("petrova.{u}@{c}"),
        &m.user,
        &mail(
            &format!("petrova.{u}@{c}"),
            &m.user,
            &format!("ooo.{u}@{c}"),
            &format!(
                "Auto-Submitted: auto-replied\nIn-Reply-To: <{}>\n",
                m.message_id("petrova")
            ),
            "Automatic reply: A question for Dr. Petrova",
            "I am out of the office and will be back on December 7, 2026.",
        ),
    );
    s.deliver(
        &format!("news.{u}@{c}"),
        &m.user,
        &mail(
            &format!("news.{u}@{c}"),
            &m.user,
            &format!("news.{u}@{c}"),
            "",
            "Grand rounds this week",
            "Topics: heart failure.",
        ),
    );
    // Mail the user wrote to Dr. Müller from their own client.
    let mut own = s.login(&m.user, &m.password);
    own.append(
        &s.sent(),
        mail(
            &m.user,
            &format!("mueller.{u}@{c}"),
            &format!("own.{u}@outreach.test"),
            "",
            "Coffee at the conference?",
            "It was good to meet you.",
        )
        .replace('\n', "\r\n")
        .as_bytes(),
        &[::imap::types::Flag::Seen],
    )
    .unwrap();
    assert_eq!(wait_count(&mut own, "INBOX", 5, 60), 5, "the mail arrives");

    let inbox_flags = all_flags(s, &m, "INBOX");
    let report = m.check_json();
    assert_eq!(
        kinds(&report),
        [
            ("li", "bounce"),
            ("mueller", "wrote"),
            ("nunez", "reply"),
            ("okafor", "reply"),
            ("petrova", "auto-reply")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let find = |who: &str| {
        report["new"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["contact"] == who)
            .unwrap()
            .clone()
    };
    assert_eq!(find("petrova")["until"], "2026-12-07");
    assert_eq!(
        find("li")["detail"]["failed_address"],
        format!("li.{u}@nowhere.example.com")
    );
    assert_eq!(
        all_flags(s, &m, "INBOX"),
        inbox_flags,
        "check changed flags"
    );

    // A second check reads nothing old.
    let again = m.check_json();
    assert!(again["new"].as_array().unwrap().is_empty(), "{again}");
    assert!(again["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["read"] == 0));
    let text_out = m.ok(&["check"], LATER);
    assert_has(&text_out, "nothing new");

    // The server renumbers INBOX (Dovecot's doveadm can; Cyrus has no
    // tool for it): everything is read again, nothing is recorded twice,
    // and a new reply is found.
    let renumbered = s.server == Server::Dovecot;
    if renumbered {
        s.doveadm(&[
            "mailbox",
            "update",
            "-u",
            &m.user,
            "--uid-validity",
            "12345",
            "INBOX",
        ]);
    }
    s.deliver(
        &format!("mueller.{u}@{c}"),
        &m.user,
        &mail(
            &format!("mueller.{u}@{c}"),
            &m.user,
            &format!("r3.{u}@{c}"),
            &format!("References: <own.{u}@outreach.test>\n"),
            "Re: Coffee at the conference?",
            "Gladly.",
        ),
    );
    assert_eq!(wait_count(&mut own, "INBOX", 6, 60), 6);
    let out = m.ok(&["check"], LATER);
    assert_eq!(
        out.contains("INBOX was read from the start"),
        renumbered,
        "{out}"
    );
    assert_has(&out, "Dr. Müller replied");
    assert_eq!(m.journal().events().unwrap().len(), 6);
}

fn check_text_says_who_replied_after_what(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "words");
    let u = &m.uniq;
    let c = &s.catchall_domain;
    m.intro("okafor", crate::util::NOW);
    s.deliver(
        &format!("okafor.{u}@{c}"),
        &m.user,
        &mail(
            &format!("okafor.{u}@{c}"),
            &m.user,
            &format!("w1.{u}@{c}"),
            &format!("References: <{}>\n", m.message_id("okafor")),
            "Re: A question for Dr. Okafor",
            "Sure.",
        ),
    );
    let mut imap = s.login(&m.user, &m.password);
    assert_eq!(wait_count(&mut imap, "INBOX", 1, 60), 1);
    let out = m.ok(&["check"], LATER);
    assert_has(&out, "Dr. Okafor replied 1 day after your intro");
    assert_has(&out, "1 new finding(s)");
}

/// A TCP relay to `target` that closes both sides once `limit` bytes have
/// come back from the server: a connection dropped in the middle of a
/// check. Returns the port it listens on.
fn cutting_relay(target: u16, limit: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let mut server = TcpStream::connect(("127.0.0.1", target)).unwrap();
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
            });
            let passed = Arc::new(AtomicUsize::new(0));
            let mut buf = [0u8; 16384];
            loop {
                let n = match server.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let before = passed.fetch_add(n, Ordering::SeqCst);
                let allowed = limit.saturating_sub(before).min(n);
                if client.write_all(&buf[..allowed]).is_err() || allowed < n {
                    break;
                }
            }
            let _ = client.shutdown(std::net::Shutdown::Both);
            let _ = server.shutdown(std::net::Shutdown::Both);
        }
    });
    port
}

fn a_connection_dropped_mid_check_keeps_the_journal_whole(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "drop");
    let u = &m.uniq;
    let c = &s.catchall_domain;
    m.intro("okafor", crate::util::NOW);
    let ours = m.message_id("okafor");
    // 1,200 messages, every 100th a reply from Dr. Okafor.
    let mut imap = s.login(&m.user, &m.password);
    for i in 0..1200 {
        let (from, headers) = if i % 100 == 99 {
            (
                format!("okafor.{u}@{c}"),
                format!("In-Reply-To: <{ours}>\n"),
            )
        } else {
            (format!("list.{u}@{c}"), String::new())
        };
        let raw = mail(
            &from,
            &m.user,
            &format!("bulk{i}.{u}@{c}"),
            &headers,
            &format!("Message {i}"),
            "text",
        );
        imap.append("INBOX", raw.replace('\n', "\r\n").as_bytes(), &[])
            .unwrap();
    }
    // Cut the line about half way through the second chunk of 500
    // headers (about 480 bytes each on the wire).
    let relay = cutting_relay(s.imaps, 350_000);
    let cfg = m.ws.read("outreach.yaml");
    m.ws.write(
        "outreach.yaml",
        &cfg.replace(&format!("port: {}", s.imaps), &format!("port: {relay}")),
    );
    let out = m.run(&["check"], LATER);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_has(&text(&out.stderr), "checking INBOX");
    let mark = m.journal().mailbox_mark("INBOX").unwrap();
    let kept = mark.map_or(0, |k| k.last_uid);
    assert!(
        kept > 0 && kept < 1200,
        "expected part of INBOX committed, got {mark:?}"
    );
    let events_kept = m.journal().events().unwrap().len();
    assert_eq!(events_kept as u32, kept / 100, "events match the mark");

    m.ws.write("outreach.yaml", &cfg);
    let report = m.check_json();
    assert_eq!(report["new"].as_array().unwrap().len(), 12 - events_kept);
    let events = m.journal().events().unwrap();
    assert_eq!(events.len(), 12);
    assert!(events.iter().all(|e| e.kind == EventKind::Reply));
    assert_eq!(
        m.journal().mailbox_mark("INBOX").unwrap().unwrap().last_uid,
        1200
    );
}

fn doctor_reports_logins_and_folders(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "doctor");
    let out = m.ok(&["doctor"], LATER);
    assert_has(&out, "SMTP 127.0.0.1");
    assert_has(&out, "TLS verified, login accepted");
    assert_has(
        &out,
        format!("Sent folder: {} (marked \\Sent by the server)", s.sent()),
    );
    assert_has(
        &out,
        format!("Drafts folder: {} (marked \\Drafts", s.drafts()),
    );
    assert_has(&out, "all good");

    let wrong = m
        .cmd(&["doctor"], LATER)
        .env("OUTREACH_IMAP_PASSWORD", "not-the-pw-7f3a")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    let stdout = text(&wrong.stdout);
    assert_has(&stdout, "PROBLEM  IMAP");
    assert_has(&stdout, "refused the login");
    // The password is never shown, not even a wrong one.
    assert!(!stdout.contains("not-the-pw") && !text(&wrong.stderr).contains("not-the-pw"));

    // The other two ways in: SMTP with implicit TLS, IMAP with STARTTLS.
    let cfg = m.ws.read("outreach.yaml");
    let other = cfg
        .replace(
            &format!("port: {}\n  security: starttls", s.submission),
            &format!("port: {}\n  security: tls", s.smtps),
        )
        .replace(
            &format!("port: {}\n  security: tls", s.imaps),
            &format!("port: {}\n  security: starttls", s.imap),
        );
    assert_ne!(other, cfg);
    m.ws.write("outreach.yaml", &other);
    let out = m.ok(&["doctor"], LATER);
    assert_has(&out, format!("IMAP 127.0.0.1:{} (STARTTLS)", s.imap));
    assert_has(&out, format!("SMTP 127.0.0.1:{} (TLS)", s.smtps));
    assert_has(&out, "all good");

    // Without the test CA neither server is trusted.
    let untrusted: String = cfg
        .lines()
        .filter(|l| !l.contains("ca_file"))
        .map(|l| format!("{l}\n"))
        .collect();
    m.ws.write("outreach.yaml", &untrusted);
    let out = m.run(&["doctor"], LATER);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout).to_lowercase();
    assert_eq!(stdout.matches("problem").count(), 3, "{stdout}");
    assert_has(&stdout, "certificate");
}

fn drafts_go_to_the_drafts_folder_once_and_count_as_sent_when_sent(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "drafts");
    // Reading the Drafts folder too (as Gmail's All Mail would) must not
    // take a draft for a sent message.
    let cfg = m.ws.read("outreach.yaml");
    m.ws.write(
        "outreach.yaml",
        &format!("{cfg}  mailboxes: [INBOX, {}]\n", s.drafts()),
    );
    let out = m.ok(
        &["draft", "intro", "--to", "okafor,nunez", "--imap-drafts"],
        LATER,
    );
    assert_has(&out, format!("filed 2 draft(s) in {}", s.drafts()));
    let again = m.ok(
        &["draft", "intro", "--to", "okafor,nunez", "--imap-drafts"],
        LATER,
    );
    assert_has(&again, "filed 0 draft(s)");
    assert_has(&again, "already drafted");
    let mut imap = s.login(&m.user, &m.password);
    assert_eq!(imap.examine(&s.drafts()).unwrap().exists, 2);
    let flags = imap.flags(&s.drafts(), 1).unwrap();
    assert!(flags.iter().any(|f| f.contains("Draft")), "{flags:?}");
    // `send` leaves drafted contacts to the user's own client.
    let plan = m.ok(&["send", "intro", "--to", "okafor", "--dry-run"], LATER);
    assert_has(&plan, "filed in your Drafts folder");
    assert_has(&m.ok(&["check"], LATER), "nothing new");
    assert_eq!(
        m.journal().messages_for("okafor").unwrap()[0].state,
        State::Drafted
    );

    // The user sends Dr. Okafor's draft from their client: it lands in
    // Sent with the same Message-ID, and check records it as sent.
    let id = m.message_id("okafor");
    let raw = m
        .journal()
        .raw(m.journal().messages_for("okafor").unwrap()[0].id)
        .unwrap();
    imap.append(&s.sent(), &raw, &[::imap::types::Flag::Seen])
        .unwrap();
    let out = m.ok(&["check"], LATER);
    assert_has(&out, "You sent your intro draft to Dr. Okafor");
    let msgs = m.journal().messages_for("okafor").unwrap();
    assert_eq!(
        (msgs[0].state, msgs[0].message_id.clone()),
        (State::Sent, id)
    );
    assert_eq!(
        m.journal().messages_for("nunez").unwrap()[0].state,
        State::Drafted
    );

    // Dr. Núñez's draft goes out from a client that gives it a new
    // Message-ID: the same subject to the same person is that draft.
    let row = m.journal().messages_for("nunez").unwrap()[0].id;
    let raw = text(&m.journal().raw(row).unwrap());
    let renamed = raw.replace("Message-ID: <", "Message-ID: <resent.");
    assert_ne!(raw, renamed);
    imap.append(&s.sent(), renamed.as_bytes(), &[::imap::types::Flag::Seen])
        .unwrap();
    let out = m.ok(&["check"], LATER);
    assert_has(&out, "You sent your intro draft to Dr. Núñez");
    assert_eq!(
        m.journal().messages_for("nunez").unwrap()[0].state,
        State::Sent
    );
    assert!(m.journal().events_for("nunez").unwrap().is_empty());
}

fn run_prepares_nothing_when_the_check_fails(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "runfail");
    m.intro("okafor", crate::util::NOW);
    // Outside the send window (noon in New York) a due follow-up waits,
    // quietly.
    assert_eq!(m.ok(&["run", "--send"], "2026-12-03T17:00:00Z"), "");
    // Due on Thu 3 Dec, 10:00 in New York; the IMAP login fails.
    let out = m
        .cmd(&["run", "--send"], "2026-12-03T15:00:00Z")
        .env("OUTREACH_IMAP_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_has(
        &text(&out.stderr),
        "checking mail failed, so nothing was prepared",
    );
    assert_eq!(m.journal().messages().unwrap().len(), 1);
    // With the right password the same run does its work.
    let out = m.ok(&["run", "--send"], "2026-12-03T15:00:00Z");
    assert_has(&out, "1 sent");
}

fn a_first_check_reads_back_only_the_lookback_and_misses_no_reply(s: &Stack) {
    let _g = stack::shared();
    let m = Mail::new(s, "lookback");
    let u = &m.uniq;
    let c = &s.catchall_domain;
    // Okafor is a mentor with a check-in every 8 weeks, so the first check
    // reads back 56 days: far enough for the user's own mail to him from
    // their usual client, 54 days before the intros. Three old messages
    // from strangers are far outside it.
    let all = m.ws.read("contacts/all.yaml").replacen(
        "  title: Dr.\n",
        "  title: Dr.\n  cadence: 8 weeks\n",
        1,
    );
    assert!(all.starts_with("- id: okafor\n"));
    m.ws.write("contacts/all.yaml", &all);
    for i in 0..3 {
        s.deliver(
            "news@list.example.org",
            &m.user,
            &mail_on(
                "Mon, 2 Mar 2026 09:00:00 -0500",
                "news@list.example.org",
                &m.user,
                &format!("old{i}.{u}@list.example.org"),
                "",
                "Spring newsletter",
                "Old news.",
            ),
        );
    }
    let mut own = s.login(&m.user, &m.password);
    wait_count(&mut own, "INBOX", 3, 30);
    own.append(
        &s.sent(),
        mail_on(
            "Thu, 1 Oct 2026 10:00:00 -0400",
            &m.user,
            &format!("okafor.{u}@{c}"),
            &format!("own.{u}@{}", s.domain),
            "",
            "Lovely to meet you",
            "It was a pleasure meeting you at grand rounds.",
        )
        .replace('\n', "\r\n")
        .as_bytes(),
        &[],
    )
    .unwrap();
    m.intro("--all", crate::util::NOW);
    // A reply that comes months later, and one whose sender's clock is
    // years wrong: both arrive after our message, so both are read.
    s.deliver(
        &format!("nunez.{u}@{c}"),
        &m.user,
        &mail_on(
            "Tue, 2 Mar 2027 09:00:00 -0500",
            &format!("nunez.{u}@{c}"),
            &m.user,
            &format!("late.{u}@{c}"),
            &format!("In-Reply-To: <{}>\n", m.message_id("nunez")),
            "Re: A question for Dr. Núñez",
            "Sorry for the slow answer.",
        ),
    );
    s.deliver(
        &format!("petrova.{u}@{c}"),
        &m.user,
        &mail_on(
            "Mon, 1 Jan 2001 00:00:00 +0000",
            &format!("petrova.{u}@{c}"),
            &m.user,
            &format!("clock.{u}@{c}"),
            &format!("In-Reply-To: <{}>\n", m.message_id("petrova")),
            "Re: A question for Dr. Petrova",
            "Yes, gladly.",
        ),
    );
    // The three old ones, li's bounce and the two replies.
    wait_count(&mut own, "INBOX", 6, 60);
    let report = m.check_json();
    let found = kinds(&report);
    for want in [
        ("nunez", "reply"),
        ("petrova", "reply"),
        ("okafor", "wrote"),
    ] {
        assert!(
            found.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {found:?}"
        );
    }
    let inbox = report["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["mailbox"] == "INBOX")
        .unwrap();
    assert_eq!(inbox["left_unread"], 3, "{report}");
    assert_eq!(inbox["read"], 3, "{report}");
    let text = m.ok(&["check"], LATER);
    assert_has(&text, "nothing new");
}
per_server!(
    check_records_replies_auto_replies_bounces_and_own_mail_once,
    check_text_says_who_replied_after_what,
    a_connection_dropped_mid_check_keeps_the_journal_whole,
    doctor_reports_logins_and_folders,
    drafts_go_to_the_drafts_folder_once_and_count_as_sent_when_sent,
    run_prepares_nothing_when_the_check_fails,
    a_first_check_reads_back_only_the_lookback_and_misses_no_reply,
);
