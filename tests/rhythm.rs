//! The mentorship rhythm with no mail account, over simulated days
//! (OUTREACH_NOW), on the sample workspace: agendas before meetings and
//! thank-yous after them, meetings recorded by command, milestones told to
//! mentors, interview thanks, and one first message per person.

use serde_json::Value;

use crate::util::{assert_has, text, Workspace};

fn at(ws: &Workspace, now: &str, args: &[&str]) -> String {
    let out = ws.command(args).env("OUTREACH_NOW", now).output().unwrap();
    assert!(
        out.status.success(),
        "outreach {args:?} at {now}:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn json(ws: &Workspace, now: &str, args: &[&str]) -> Value {
    serde_json::from_str(&at(ws, now, args)).unwrap()
}

/// `due --json` items of one contact: (action, due, due_now, held).
fn due_of(ws: &Workspace, now: &str, who: &str) -> Vec<(String, String, bool, Option<String>)> {
    json(ws, now, &["due", "--json"])["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["contact"] == who)
        .map(|i| {
            (
                i["action"].as_str().unwrap().to_string(),
                i["due"].as_str().unwrap().to_string(),
                i["due_now"].as_bool().unwrap(),
                i["held"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn actions(items: &[(String, String, bool, Option<String>)]) -> Vec<&str> {
    items.iter().map(|i| i.0.as_str()).collect()
}

fn outbox(ws: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ws.path().join("outbox"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Text with its line breaks made spaces: paragraphs are wrapped.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An outbox message's subject and body, unwrapped.
fn read_outbox(ws: &Workspace, name: &str) -> String {
    let raw = std::fs::read(ws.path().join("outbox").join(name)).unwrap();
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    flat(&format!(
        "Subject: {}\n\n{}",
        m.subject().unwrap_or_default(),
        m.body_text(0).unwrap_or_default()
    ))
}

/// The sample's mentor meets on Thu 3 Dec 2026 at 16:00 in New York
/// (21:00 UTC): the agenda is due from Tue 1 Dec 16:00.
const BEFORE_WINDOW: &str = "2026-12-01T20:59:00Z";
const AGENDA_OPENS: &str = "2026-12-01T21:00:00Z";
const AFTER_MEETING: &str = "2026-12-03T21:31:00Z";

#[test]
fn the_agenda_goes_in_its_window_and_the_thank_you_after_the_meeting_once_each() {
    let ws = Workspace::sample();
    let mentor = "okonkwo-adeyemi";
    let items = due_of(&ws, BEFORE_WINDOW, mentor);
    let agenda = items.iter().find(|i| i.0 == "agenda").unwrap();
    assert_eq!(agenda.1, AGENDA_OPENS);
    assert!(!agenda.2);
    assert_eq!(at(&ws, BEFORE_WINDOW, &["run"]), "");

    // The window opens: run writes the agenda, once. Last week's thank-you
    // is late by now (lint says so) and is left for the user to judge.
    let out = at(&ws, AGENDA_OPENS, &["run"]);
    assert_has(&out, "okonkwo-adeyemi: written to outbox/");
    assert_eq!(out.lines().count(), 1, "{out}");
    let files = outbox(&ws);
    let agenda = read_outbox(&ws, &files[0]);
    assert_has(
        &agenda,
        "Subject: Agenda for our meeting on 3 December 2026",
    );
    assert_has(
        &agenda,
        "meet on Thursday 3 December at 4:00 PM EST about my personal statement",
    );
    assert_has(
        &agenda,
        "- whether to seek a second letter from a US clinician",
    );
    assert_eq!(at(&ws, AGENDA_OPENS, &["run"]), "");
    assert_eq!(at(&ws, "2026-12-02T15:00:00Z", &["run"]), "");
    let lint = at(&ws, AGENDA_OPENS, &["lint"]);
    assert_has(
        &lint,
        "the meeting about my program list was 11 days ago and no thank-you went yet",
    );

    // After the meeting the thank-you waits for what was discussed.
    let items = due_of(&ws, AFTER_MEETING, mentor);
    let thanks = items.iter().find(|i| i.0 == "thank-you" && i.2).unwrap();
    assert_has(
        thanks.3.as_deref().unwrap(),
        "waits for `meeting.discussed` in contacts/okonkwo-adeyemi.yaml:1",
    );
    assert_eq!(at(&ws, AFTER_MEETING, &["run"]), "");
    let yaml = ws.read("contacts/okonkwo-adeyemi.yaml");
    ws.write(
        "contacts/okonkwo-adeyemi.yaml",
        &yaml.replace(
            "    topic: my personal statement\n",
            "    topic: my personal statement\n    discussed: how to open a personal statement\n",
        ),
    );
    let out = at(&ws, AFTER_MEETING, &["run"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert_eq!(at(&ws, AFTER_MEETING, &["run"]), "");
    let files = outbox(&ws);
    assert_eq!(files.len(), 2);
    let thanks = read_outbox(&ws, &files[1]);
    assert_has(
        &thanks,
        "Subject: Thank you for our conversation about my personal statement",
    );
    assert_has(&thanks, "Your advice on how to open a personal statement");
    // The meeting is an exchange: the next check-in counts from it.
    let check_in = json(&ws, AFTER_MEETING, &["due", "--json"])["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["contact"] == mentor && i["action"] == "check-in")
        .cloned()
        .unwrap();
    assert_eq!(check_in["due"], "2027-01-14T21:00:00Z");
    assert_has(check_in["reason"].as_str().unwrap(), "your meeting, 3 Dec");
}

#[test]
fn meet_records_moves_notes_and_cancels_without_touching_the_contact_file() {
    let ws = Workspace::sample();
    let before = ws.read("contacts/okafor.yaml");
    let now = "2026-12-01T15:00:00Z";
    let out = at(
        &ws,
        now,
        &[
            "meet",
            "okafor",
            "--at",
            "2026-12-10 10:00",
            "--topic",
            "outcomes research",
            "--agenda",
            "a first project",
        ],
    );
    assert_has(
        &out,
        "meeting #1 with Dr. Okafor recorded: Thu 10 Dec 2026 10:00 (America/Chicago)",
    );
    assert_eq!(ws.read("contacts/okafor.yaml"), before);
    assert_has(&at(&ws, now, &["meet", "okafor"]), "#1");
    // Chicago 10:00 is 16:00 UTC; two business days before is Tue 8 Dec.
    let items = due_of(&ws, now, "okafor");
    assert_eq!(items[0].0, "agenda");
    assert_eq!(items[0].1, "2026-12-08T16:00:00Z");

    // Moved a week on: the windows follow it.
    at(
        &ws,
        now,
        &[
            "meet",
            "okafor",
            "--meeting",
            "1",
            "--at",
            "2026-12-17 10:00",
        ],
    );
    let items = due_of(&ws, now, "okafor");
    assert_eq!(items[0].1, "2026-12-15T16:00:00Z");
    let out = at(&ws, "2026-12-15T16:00:00Z", &["run"]);
    assert_has(&out, "okafor: written to outbox/");

    // Held and noted: the thank-you goes once; then cancelling a later one
    // takes its agenda back.
    let after = "2026-12-17T17:00:00Z";
    assert_has(
        due_of(&ws, after, "okafor")[0].3.as_deref().unwrap(),
        "waits for `meeting.discussed` (outreach meet okafor --meeting 1 …)",
    );
    at(
        &ws,
        after,
        &[
            "meet",
            "okafor",
            "--meeting",
            "1",
            "--discussed",
            "which registry to start with",
        ],
    );
    let out = at(&ws, after, &["run"]);
    assert_has(&out, "okafor: written to outbox/");
    assert_eq!(at(&ws, after, &["run"]), "");
    at(
        &ws,
        after,
        &[
            "meet",
            "okafor",
            "--at",
            "2027-01-14 10:00",
            "--topic",
            "a second project",
            "--agenda",
            "data access",
        ],
    );
    assert!(actions(&due_of(&ws, after, "okafor")).contains(&"agenda"));
    let out = at(
        &ws,
        after,
        &["meet", "okafor", "--meeting", "2", "--cancel"],
    );
    assert_has(&out, "cancelled");
    assert!(!actions(&due_of(&ws, after, "okafor")).contains(&"agenda"));
    let log = at(&ws, after, &["log", "okafor"]);
    assert_has(&log, "meeting (cancelled)");
    assert_eq!(ws.read("contacts/okafor.yaml"), before);

    // Bad input is refused with its reason and records nothing.
    let err = ws.fails(&["meet", "okafor", "--at", "soon", "--topic", "x"], 1);
    assert_has(&err, "`soon` is not a time");
    let err = ws.fails(&["meet", "okafor", "--topic", "x"], 1);
    assert_has(&err, "needs --at");
    let log: Value = serde_json::from_str(&at(&ws, after, &["log", "okafor", "--json"])).unwrap();
    assert_eq!(log["meetings"].as_array().unwrap().len(), 2);
}

#[test]
fn a_milestone_goes_once_to_each_mentor_with_credit_where_it_is_due() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/bello.yaml",
        "name: Kemi Bello\ntitle: Dr.\nemail: k.bello@example.org\ntimezone: America/New_York\ncadence: 2 months\nvars:\n  found_via: my observership\n  admire: your teaching rounds\n",
    );
    let now = "2026-11-24T15:00:00Z";
    let out = at(
        &ws,
        now,
        &[
            "milestone",
            "Passed USMLE Step 2 CK",
            "--date",
            "2026-11-20",
            "--credit",
            "okonkwo-adeyemi",
        ],
    );
    assert_has(
        &out,
        "milestone #1 recorded: Passed USMLE Step 2 CK (2026-11-20)",
    );
    assert_has(
        &out,
        "update due for Dr. Okonkwo-Adeyemi (okonkwo-adeyemi) (credited)",
    );
    assert_has(&out, "update due for Dr. Bello (bello)");

    let credited = flat(&at(&ws, now, &["followup", "--to", "okonkwo-adeyemi"]));
    assert_has(&credited, "Subject: A short update: Passed USMLE Step 2 CK");
    assert_has(&credited, "Passed USMLE Step 2 CK (20 November 2026)");
    assert_has(&credited, "Your advice made a real difference");
    let plain = flat(&at(&ws, now, &["followup", "--to", "bello"]));
    assert_has(&plain, "Passed USMLE Step 2 CK (20 November 2026)");
    assert!(!plain.contains("Your advice"), "{plain}");

    // Told to one mentor (without an account: written to outbox/ as sent).
    let yaml = ws.read("outreach.yaml");
    ws.write(
        "outreach.yaml",
        &yaml.replace("pause_seconds: 20", "pause_seconds: 0"),
    );
    let sent = at(
        &ws,
        now,
        &["followup", "--to", "okonkwo-adeyemi", "--send", "--yes"],
    );
    assert_has(&sent, "sent");
    // Nothing is due for them now: said, and exit 1 (they were named).
    let again = ws
        .command(&["followup", "--to", "okonkwo-adeyemi"])
        .env("OUTREACH_NOW", now)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let again = text(&again.stdout);
    assert!(!again.contains("A short update"), "{again}");
    let status = at(&ws, now, &["status"]);
    assert_has(
        &status,
        "milestone #1 Passed USMLE Step 2 CK (20 Nov 2026): told okonkwo-adeyemi; not yet bello",
    );
    let status = json(&ws, now, &["status", "--json"]);
    assert_eq!(status["milestones"][0]["told"][0], "okonkwo-adeyemi");
    assert_eq!(status["milestones"][0]["not_told"][0], "bello");
    assert_has(
        &at(&ws, now, &["log", "bello"]),
        "Passed USMLE Step 2 CK: not told yet",
    );
    assert_has(
        &at(&ws, now, &["log", "okonkwo-adeyemi"]),
        "Passed USMLE Step 2 CK (credited): told",
    );
    // A week on, lint says who still has not heard.
    let lint = at(&ws, "2026-12-02T15:00:00Z", &["lint"]);
    assert_has(
        &lint,
        "contact bello: warning: the milestone \"Passed USMLE Step 2 CK\" was recorded 8 days ago",
    );
    assert!(
        !lint.contains("contact okonkwo-adeyemi: warning: the milestone"),
        "{lint}"
    );
}

#[test]
fn an_interview_thank_you_goes_once_within_a_day() {
    let ws = Workspace::sample();
    // The sample interview: Mon 23 Nov 09:00 in Chicago, an hour.
    let items = due_of(&ws, "2026-11-23T15:30:00Z", "hassan");
    assert_eq!(items[0].0, "interview thanks");
    assert!(!items[0].2);
    let now = "2026-11-23T16:00:00Z";
    let out = at(&ws, now, &["run"]);
    assert_has(&out, "hassan: written to outbox/");
    assert_eq!(at(&ws, now, &["run"]), "");
    let files = outbox(&ws);
    let thanks = read_outbox(&ws, files.iter().find(|f| f.contains("hassan")).unwrap());
    assert_has(
        &thanks,
        "Subject: Thank you for my interview on 23 November 2026",
    );
    assert_has(
        &thanks,
        "I especially valued hearing about the ambulatory training",
    );
    // Unsent after three days, lint warns.
    let fresh = Workspace::sample();
    let lint = at(&fresh, "2026-11-27T17:00:00Z", &["lint"]);
    assert_has(&lint, "contact hassan: warning: the interview at the Example Medical Center Internal Medicine Residency was 4 days ago");
    // Recorded by command too, and cancelled.
    let out = at(
        &fresh,
        now,
        &[
            "interview",
            "okafor",
            "--at",
            "2026-12-07 09:00",
            "--program",
            "Example Heart Institute Internal Medicine",
        ],
    );
    assert_has(&out, "interview #1 with Dr. Okafor recorded");
    assert_eq!(
        actions(&due_of(&fresh, now, "okafor")),
        vec!["interview thanks"]
    );
    at(
        &fresh,
        now,
        &["interview", "okafor", "--interview", "1", "--cancel"],
    );
    assert!(due_of(&fresh, now, "okafor").is_empty());
}

#[test]
fn one_first_message_per_person() {
    let ws = Workspace::sample();
    let now = "2026-11-24T15:00:00Z";
    at(&ws, now, &["send", "intro", "--to", "rahman", "--yes"]);
    let out = at(
        &ws,
        "2026-11-24T15:01:00Z",
        &["send", "post-conference", "--to", "rahman", "--yes"],
    );
    assert_has(
        &out,
        "already had a first message (intro, 24 Nov); --again to send anyway",
    );
    assert_has(&out, "0 to send");

    at(&ws, now, &["mark", "van-der-berg", "replied"]);
    assert!(!actions(&due_of(&ws, now, "van-der-berg")).contains(&"post-conference"));
    let out = at(
        &ws,
        now,
        &["send", "post-conference", "--to", "van-der-berg", "--yes"],
    );
    assert_has(&out, "already in conversation (their reply, 24 Nov)");
    assert_has(&out, "0 to send");
    // A meeting held is a conversation too.
    let out = at(
        &ws,
        now,
        &["send", "intro", "--to", "okonkwo-adeyemi", "--yes"],
    );
    assert_has(
        &out,
        "already in conversation (your meeting about my program list",
    );
    // --again overrides.
    let out = at(
        &ws,
        now,
        &[
            "send",
            "post-conference",
            "--to",
            "van-der-berg",
            "--again",
            "--yes",
        ],
    );
    assert_has(&out, "1 sent");
}

#[test]
fn do_not_contact_stops_agendas_and_thank_yous_and_a_reply_does_not() {
    let ws = Workspace::sample();
    let mentor = "okonkwo-adeyemi";
    at(
        &ws,
        "2026-11-30T15:00:00Z",
        &["mark", mentor, "replied", "--note", "see you Thursday"],
    );
    assert!(actions(&due_of(&ws, AGENDA_OPENS, mentor)).contains(&"agenda"));
    at(
        &ws,
        "2026-11-30T16:00:00Z",
        &["mark", mentor, "do-not-contact"],
    );
    assert!(due_of(&ws, AGENDA_OPENS, mentor).is_empty());
    assert_eq!(at(&ws, AGENDA_OPENS, &["run"]), "");
    assert!(outbox(&ws).is_empty());
}

/// On the real Postfix and Dovecot: `run` files a meeting's agenda and its
/// thank-you in Drafts, and `run --send` sends another meeting's, each
/// exactly once across reruns.
#[test]
fn on_the_stack_agenda_and_thank_you_go_once_each() {
    use crate::util::stack::{self, copies, Stack};

    let _g = stack::shared();
    let s = Stack::get();
    let (ws, user, password) = s.workspace("rhythm", "intro");
    let uniq = format!("rhythm{}", std::process::id());
    let c = &s.catchall_domain;
    for (name, body) in [
        ("agenda", include_str!("../templates/agenda.hbs")),
        ("thank-you", include_str!("../templates/thank-you.hbs")),
        (
            "partials/signature",
            include_str!("../templates/partials/signature.hbs"),
        ),
    ] {
        ws.write(&format!("templates/{name}.hbs"), body);
    }
    // Ada's meeting is Thu 10 Dec 2026, Ben's a week later, both 10:00 in
    // New York (15:00 UTC): inside the send window.
    let meeting = |day: &str| {
        format!("  meetings:\n    - at: \"2026-12-{day} 10:00\"\n      topic: my research plan\n      agenda: [a first project]\n      discussed: which registry to start with\n")
    };
    ws.write(
        "contacts/all.yaml",
        &format!(
            "- id: ada\n  name: Ada Obi\n  title: Dr.\n  email: ada.{uniq}@{c}\n  timezone: America/New_York\n{}\
             - id: ben\n  name: Ben Cho\n  title: Dr.\n  email: ben.{uniq}@{c}\n  timezone: America/New_York\n{}",
            meeting("10"),
            meeting("17")
        ),
    );
    let run = |args: &[&str], now: &str| {
        let out = ws
            .command(args)
            .env("OUTREACH_NOW", now)
            .env("OUTREACH_SMTP_PASSWORD", &password)
            .env("OUTREACH_IMAP_PASSWORD", &password)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?} at {now}: {}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let journal = || outreach::journal::Journal::open(&ws.path().join(".outreach")).unwrap();
    // Ada's as drafts: two days before, and after the meeting's end.
    for (now, what) in [
        ("2026-12-08T15:00:00Z", "agenda"),
        ("2026-12-10T15:45:00Z", "thank-you"),
    ] {
        assert_eq!(run(&["run"], now), format!("ada: {what} filed in Drafts\n"));
        assert_eq!(run(&["run"], now), "");
        assert_eq!(run(&["run", "--send"], now), "");
    }
    // Ben's sent over Postfix.
    for now in ["2026-12-15T15:00:00Z", "2026-12-17T15:45:00Z"] {
        assert_has(&run(&["run", "--send"], now), "1 sent, 0 failed");
        assert_eq!(run(&["run", "--send"], now), "");
        assert_eq!(run(&["run"], now), "");
    }
    let mut imap = s.login(&user, &password);
    assert_eq!(imap.examine("Drafts").unwrap().exists, 2);
    let templates = |who: &str| -> Vec<String> {
        journal()
            .messages_for(who)
            .unwrap()
            .into_iter()
            .map(|m| m.template)
            .collect()
    };
    assert_eq!(templates("ada"), ["agenda", "thank-you"]);
    assert_eq!(templates("ben"), ["agenda", "thank-you"]);
    let ids: Vec<String> = journal()
        .messages_for("ben")
        .unwrap()
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    let mut inbox = s.catchall();
    assert_eq!(copies(&mut inbox, "INBOX", &ids, 30), vec![1, 1]);
}

#[test]
fn a_bad_meeting_in_a_contact_file_is_a_located_error_and_nothing_runs() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/bello.yaml",
        "name: Kemi Bello\nemail: k.bello@example.org\ncadence: 2 months\nmeetings:\n  - at: next Tuesday\n    topic: my research plan\n",
    );
    let out = ws.run(&["lint"]);
    assert_eq!(out.status.code(), Some(1));
    assert_has(
        &text(&out.stdout),
        "contacts/bello.yaml:4: error: contact `bello`: meeting \"my research plan\": `next Tuesday` is not a time",
    );
    let err = ws.fails(&["run"], 1);
    assert_has(&err, "`next Tuesday` is not a time");
    assert!(!ws.path().join("outbox").exists());
}
