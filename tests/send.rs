//! `outreach send` against the real Postfix, and Dovecot or Cyrus for the
//! Sent folder.

use std::process::{Child, Command, Stdio};

use outreach::journal::{Journal, State};

use crate::util::stack::{self, copies, per_server, wait_for, Server, Stack};
use crate::util::{assert_has, text, Workspace};

/// A workspace sending as a fresh user to `n` catch-all contacts, with one
/// extra contact per address in `extra`.
fn mail_workspace(s: &Stack, tag: &str, n: usize, extra: &[&str]) -> (Workspace, String, String) {
    let (ws, user, password) = s.workspace(tag, "hello");
    let mut contacts = String::new();
    let uniq = format!("{tag}{}", std::process::id());
    for i in 0..n {
        contacts.push_str(&format!(
            "- id: c{i:03}\n  name: Núñez Okafor {i}\n  title: Dr.\n  email: {uniq}.{i}@{}\n",
            s.catchall_domain
        ));
    }
    for (i, addr) in extra.iter().enumerate() {
        contacts.push_str(&format!(
            "- id: x{i}\n  name: Extra Person {i}\n  title: Dr.\n  email: {addr}\n"
        ));
    }
    ws.write("contacts/all.yaml", &contacts);
    (ws, user, password)
}

fn send_cmd(ws: &Workspace, password: &str, extra: &[&str]) -> Command {
    let mut args = vec!["send", "hello", "--all", "--yes", "--now", "--no-pace"];
    args.extend_from_slice(extra);
    let mut cmd = ws.command(&args);
    cmd.env("OUTREACH_SMTP_PASSWORD", password)
        .env("OUTREACH_IMAP_PASSWORD", password);
    cmd
}

fn journal(ws: &Workspace) -> Journal {
    Journal::open(&ws.path().join(".outreach")).unwrap()
}

fn count(ws: &Workspace, state: State) -> usize {
    journal(ws).in_state(state).unwrap().len()
}

fn a_batch_arrives_once_and_a_rerun_sends_nothing(s: &Stack) {
    let _g = stack::shared();
    let (ws, user, password) = mail_workspace(s, "batch", 20, &[]);
    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_has(&text(&out.stdout), "20 sent, 0 failed");
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );

    let sent = journal(&ws).in_state(State::Sent).unwrap();
    assert_eq!(sent.len(), 20);
    let ids: Vec<String> = sent.iter().map(|m| m.message_id.clone()).collect();
    assert!(ids.iter().all(|id| id.ends_with(&format!("@{}", s.domain))));
    let mut inbox = s.catchall();
    assert_eq!(copies(&mut inbox, "INBOX", &ids, 30), vec![1; 20]);

    // A copy of each is in the sender's Sent folder, marked read.
    let mut own = s.login(&user, &password);
    assert_eq!(copies(&mut own, &s.sent(), &ids, 10), vec![1; 20]);

    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert!(out.status.success());
    assert_has(&text(&out.stdout), "0 to send");
    assert_has(&text(&out.stdout), "already sent");
    assert_eq!(journal(&ws).messages().unwrap().len(), 20);
    assert_eq!(copies(&mut inbox, "INBOX", &ids, 1), vec![1; 20]);
}

#[test]
fn a_refused_recipient_does_not_stop_the_batch() {
    let _g = stack::shared();
    let s = Stack::get();
    let (ws, _, password) = mail_workspace(&s, "refused", 3, &["nobody@rejected.test"]);
    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_has(&stdout, "3 sent, 1 failed");
    let failed = journal(&ws).in_state(State::Failed).unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .server_reply
            .as_deref()
            .unwrap_or("")
            .contains("554"),
        "{:?}",
        failed[0].server_reply
    );
    let ids: Vec<String> = journal(&ws)
        .in_state(State::Sent)
        .unwrap()
        .iter()
        .map(|m| m.message_id.clone())
        .collect();
    assert_eq!(copies(&mut s.catchall(), "INBOX", &ids, 30), vec![1; 3]);
    // The failure is not retried by a plain rerun.
    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert_has(&text(&out.stdout), "failed before");
}

#[test]
fn a_wrong_password_sends_nothing() {
    let _g = stack::shared();
    let s = Stack::get();
    let (ws, _, _) = mail_workspace(&s, "wrongpw", 2, &[]);
    let out = send_cmd(&ws, "not-the-password", &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_has(&err, "cannot log in to the SMTP server");
    assert!(!err.contains("not-the-password"), "{err}");
    assert!(journal(&ws).messages().unwrap().is_empty());
}

#[test]
fn an_untrusted_certificate_sends_nothing() {
    let _g = stack::shared();
    let s = Stack::get();
    let (ws, _, password) = mail_workspace(&s, "untrusted", 2, &[]);
    let cfg = ws.read("outreach.yaml");
    let without_ca: String = cfg
        .lines()
        .filter(|l| !l.contains("ca_file"))
        .map(|l| format!("{l}\n"))
        .collect();
    ws.write("outreach.yaml", &without_ca);
    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr).to_lowercase();
    assert_has(&err, "certificate");
    assert!(journal(&ws).messages().unwrap().is_empty());
}

/// A message whose send was cut off after the server took it (the process
/// killed before it could record that) is uncertain; the next send finds it
/// in the Sent folder and records it as sent, and sends nothing again. One
/// that is not there stays uncertain.
fn an_uncertain_message_in_the_sent_folder_is_settled(s: &Stack) {
    let _g = stack::shared();
    let (ws, user, password) = mail_workspace(s, "settle", 2, &[]);
    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert_has(&text(&out.stdout), "2 sent, 0 failed");
    let sent = journal(&ws).in_state(State::Sent).unwrap();
    let ids: Vec<String> = sent.iter().map(|m| m.message_id.clone()).collect();
    let mut own = s.login(&user, &password);
    assert_eq!(copies(&mut own, &s.sent(), &ids, 10), vec![1, 1]);
    // Both back to `sending`, as a killed run leaves them; the second's
    // copy never reached the Sent folder (its Message-ID is not there).
    let db = rusqlite::Connection::open(ws.path().join(".outreach/journal.sqlite")).unwrap();
    db.execute("UPDATE messages SET state = 'sending', sent_at = NULL", [])
        .unwrap();
    db.execute(
        "UPDATE messages SET message_id = 'lost.' || message_id WHERE id = ?1",
        [sent[1].id],
    )
    .unwrap();
    drop(db);

    let out = send_cmd(&ws, &password, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_has(&err, "marked uncertain");
    assert_has(&err, "1 uncertain message(s) found in the Sent folder");
    assert_has(&text(&out.stdout), "0 to send");
    let j = journal(&ws);
    assert_eq!(j.get(sent[0].id).unwrap().unwrap().state, State::Sent);
    assert_eq!(j.get(sent[1].id).unwrap().unwrap().state, State::Uncertain);
    assert_eq!(j.messages().unwrap().len(), 2);
    assert_eq!(copies(&mut s.catchall(), "INBOX", &ids, 30), vec![1, 1]);
}

/// Where the server marks no Sent folder, the copies go to the folder with
/// a well-known name (Outlook's, Apple Mail's, Gmail's), and `check` and
/// the settling of uncertain messages read it there. Cyrus lets a user take the SPECIAL-USE mark off a folder
/// (Dovecot's marks come from its configuration), so this runs on Cyrus.
#[test]
fn without_special_use_the_sent_folder_is_found_by_its_name() {
    let _g = stack::shared();
    let s = Stack::on(Server::Cyrus);
    for name in ["Sent Items", "Sent Messages", "[Gmail]/Sent Mail"] {
        let (ws, user, password) = mail_workspace(&s, "named", 1, &[]);
        // Cyrus separates folders with a dot.
        let folder = s.folder(&name.replace('/', "."));
        s.raw_imap(
            &user,
            &password,
            &[
                &format!("RENAME \"{}\" \"{folder}\"", s.sent()),
                &format!("SETMETADATA \"{folder}\" (/private/specialuse NIL)"),
            ],
        );
        let doctor = ws
            .command(&["doctor"])
            .env("OUTREACH_SMTP_PASSWORD", &password)
            .env("OUTREACH_IMAP_PASSWORD", &password)
            .output()
            .unwrap();
        assert_has(
            &text(&doctor.stdout),
            format!("Sent folder: {folder} (by its name: the server marks none as \\Sent)"),
        );
        let out = send_cmd(&ws, &password, &[]).output().unwrap();
        assert_has(&text(&out.stdout), "1 sent, 0 failed");
        assert!(
            !text(&out.stderr).contains("warning"),
            "{}",
            text(&out.stderr)
        );
        let id = journal(&ws).in_state(State::Sent).unwrap()[0]
            .message_id
            .clone();
        let mut own = s.login(&user, &password);
        let folders = own.folders().unwrap();
        assert!(
            folders.iter().all(|(n, a)| n != &folder || a.is_empty()),
            "{folders:?}"
        );
        assert_eq!(copies(&mut own, &folder, &[id], 10), vec![1]);
        let check = ws
            .command(&["check", "--json"])
            .env("OUTREACH_IMAP_PASSWORD", &password)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let read: Vec<&str> = report["mailboxes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| b["mailbox"].as_str())
            .collect();
        assert!(read.contains(&folder.as_str()), "{report}");
    }
}

fn sent_so_far(ws: &Workspace) -> usize {
    count(ws, State::Sent)
}

/// Waits for `child` to end, up to `secs`.
fn wait_exit(child: &mut Child, secs: u64) -> Option<std::process::ExitStatus> {
    wait_for(secs, || child.try_wait().unwrap())
}

/// Every contact ends with exactly one message, delivered exactly once, or
/// reported uncertain (delivered at most once); nothing is lost.
fn assert_exactly_once(s: &Stack, ws: &Workspace, n: usize) {
    assert_once(s, ws, n, 1)
}

/// As `assert_exactly_once`, but a sent message may arrive up to
/// `max_copies` times, as long as Postfix accepted it from outreach only
/// once. Stopping Postfix while its LMTP client is handing a message to
/// Dovecot makes Postfix deliver that message again after the restart:
/// Postfix's log then shows one acceptance and a second delivery.
fn assert_once(s: &Stack, ws: &Workspace, n: usize, max_copies: usize) {
    let messages = journal(ws).messages().unwrap();
    let mut contacts: Vec<&str> = messages.iter().map(|m| m.contact.as_str()).collect();
    contacts.sort_unstable();
    contacts.dedup();
    assert_eq!(contacts.len(), n, "a contact has no message");
    assert_eq!(messages.len(), n, "a contact got two messages");
    let sent: Vec<String> = messages
        .iter()
        .filter(|m| m.state == State::Sent)
        .map(|m| m.message_id.clone())
        .collect();
    let uncertain: Vec<String> = messages
        .iter()
        .filter(|m| m.state == State::Uncertain)
        .map(|m| m.message_id.clone())
        .collect();
    assert_eq!(
        sent.len() + uncertain.len(),
        n,
        "states: {:?}",
        messages.iter().map(|m| m.state).collect::<Vec<_>>()
    );
    let mut inbox = s.catchall();
    let found = copies(&mut inbox, "INBOX", &sent, 60);
    if max_copies == 1 {
        assert_eq!(found, vec![1; sent.len()]);
    } else {
        assert!(
            found.iter().all(|c| (1..=max_copies).contains(c)),
            "{found:?}"
        );
    }
    for id in &uncertain {
        assert!(inbox.find_message_id("INBOX", id).unwrap().len() <= 1);
    }
}

#[test]
fn killed_mid_batch_and_rerun_sends_each_once() {
    let _g = stack::shared();
    let s = Stack::get();
    let n = 200;
    let (ws, user, password) = mail_workspace(&s, "kill", n, &[]);
    let mut kills = 0;
    for round in 0..20 {
        let before = sent_so_far(&ws);
        let mut child = send_cmd(&ws, &password, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round < 4 {
            // Kill at a different depth each round: after 1, 10, 25, 40 more.
            let step = [1, 10, 25, 40][round];
            wait_for(60, || {
                (sent_so_far(&ws) >= before + step || child.try_wait().unwrap().is_some())
                    .then_some(())
            });
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                kills += 1;
            }
            child.wait().unwrap();
        } else {
            let status = wait_exit(&mut child, 120).expect("a rerun finishes");
            if status.success() {
                break;
            }
        }
    }
    assert!(kills >= 3, "the batch finished before it could be killed");
    assert_eq!(count(&ws, State::Queued), 0);
    assert_exactly_once(&s, &ws, n);
    // Copies a kill left unfiled were made by a later run, none twice.
    let sent: Vec<String> = journal(&ws)
        .in_state(State::Sent)
        .unwrap()
        .iter()
        .map(|m| m.message_id.clone())
        .collect();
    let mut own = s.login(&user, &password);
    assert_eq!(copies(&mut own, &s.sent(), &sent, 10), vec![1; sent.len()]);
    assert!(journal(&ws).pending_copies().unwrap().is_empty());
}

#[test]
fn postfix_stopped_mid_batch_the_rest_go_next_run() {
    let _g = stack::exclusive();
    let s = Stack::get();
    let n = 80;
    let (ws, _, password) = mail_workspace(&s, "stop", n, &[]);
    let mut child = send_cmd(&ws, &password, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(60, || {
        (sent_so_far(&ws) >= 10 || child.try_wait().unwrap().is_some()).then_some(())
    });
    if child.try_wait().unwrap().is_some() {
        let out = child.wait_with_output().unwrap();
        panic!(
            "send ended before Postfix was stopped:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    let stop = Command::new("postfix").arg("stop").output().unwrap();
    assert!(stop.status.success());
    let status = wait_exit(&mut child, 120).expect("send gives up");
    let out = child.wait_with_output().unwrap();
    let restart = Command::new(&s.script)
        .arg("start")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(restart.success());
    assert_eq!(status.code(), Some(1), "{}", text(&out.stdout));
    assert_has(&text(&out.stdout), "still queued");
    let left = count(&ws, State::Queued);
    assert!(left > 0, "nothing was left for the next run");

    let rerun = wait_for(60, || {
        let o = send_cmd(&ws, &password, &[]).output().unwrap();
        o.status.success().then_some(o)
    })
    .expect("the rerun sends the rest");
    assert_has(&text(&rerun.stdout), format!("{left} sent"));
    assert_once(&s, &ws, n, 2);
}

per_server!(
    a_batch_arrives_once_and_a_rerun_sends_nothing,
    an_uncertain_message_in_the_sent_folder_is_settled,
);
