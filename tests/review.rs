//! The review commands with no mail account, over simulated days
//! (OUTREACH_NOW): status, due, followup, mark, log and run, with the
//! outbox as the transport.

use serde_json::Value;

use crate::util::{assert_has, text, Workspace};

/// Tue 24 Nov 2026, 10:00 in New York: inside the send window.
const DAY0: &str = "2026-11-24T15:00:00Z";
/// Seven business days later (Thanksgiving is not a holiday here).
const DAY7B: &str = "2026-12-03T15:00:00Z";
/// A week after that: not yet 14 days since the first follow-up.
const DAY7B_PLUS_7: &str = "2026-12-10T15:00:00Z";
/// 14 days after the first follow-up.
const DAY7B_PLUS_14: &str = "2026-12-17T15:00:00Z";

fn workspace() -> Workspace {
    let ws = Workspace::empty();
    ws.write(
        "outreach.yaml",
        "me:\n  name: Amina Yusuf\n  email: amina@example.org\ntimezone: America/New_York\nlimits: { per_day: 50, pause_seconds: 0 }\n",
    );
    ws.write(
        "templates/intro.hbs",
        "---\nsubject: \"A question for {{salutation}}\"\n---\nDear {{salutation}},\n\nWould you have 15 minutes for a short call?\n\nAmina\n",
    );
    ws.write(
        "templates/follow-up.hbs",
        "---\nkind: follow-up\n---\nDear {{salutation}},\n\nA short follow-up ({{thread.step}}) to my note of {{thread.sent_on}}.\n\nAmina\n",
    );
    ws.write(
        "contacts/all.yaml",
        "- id: ada\n  name: Ada Obi\n  title: Dr.\n  email: ada@example.net\n\
         - id: ben\n  name: Ben Cho\n  title: Dr.\n  email: ben@example.net\n\
         - id: cy\n  name: Cy Diaz\n  title: Dr.\n  email: cy@example.net\n",
    );
    ws
}

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

fn stage(status: &Value, who: &str) -> String {
    status["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact"] == who)
        .unwrap()["stage"]
        .as_str()
        .unwrap()
        .to_string()
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

#[test]
fn follow_ups_come_due_in_business_days_only_for_the_silent() {
    let ws = workspace();
    at(&ws, DAY0, &["send", "intro", "--all", "--yes"]);
    let status = json(&ws, DAY0, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "waiting");
    assert_eq!(status["summary"]["written_to"], 3);

    // A day before the seventh business day nothing is due.
    let due = at(&ws, "2026-12-02T15:00:00Z", &["due"]);
    assert_has(&due, "Nothing is due now.");
    assert_has(&due, "follow-up 1");
    assert_has(&due, "Thu 3 Dec 2026 10:00");

    // Ada answered by phone; Ben asked not to be written to again.
    at(
        &ws,
        "2026-11-30T15:00:00Z",
        &["mark", "ada", "replied", "--note", "called me"],
    );
    at(
        &ws,
        "2026-11-30T15:00:00Z",
        &["mark", "ben", "do-not-contact"],
    );
    let due = json(&ws, DAY7B, &["due", "--json"]);
    let items = due["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{due}");
    assert_eq!(items[0]["contact"], "cy");
    assert_eq!(items[0]["due_now"], true);
    assert_has(items[0]["reason"].as_str().unwrap(), "7 business days");

    // `draft` shows a follow-up in its thread too, for those it is planned for.
    let drafts = at(&ws, DAY7B, &["draft", "follow-up", "--all"]);
    assert_has(&drafts, "Subject: Re: A question for Dr. Diaz");
    assert_has(&drafts, "skipped ada: no follow-up planned (replied)");
    assert_has(
        &drafts,
        "skipped ben: no follow-up planned (do-not-contact)",
    );

    // Quoting the first message below the follow-up.
    let quoted = at(&ws, DAY7B, &["followup", "--quote"]);
    assert_has(&quoted, "On 24 November 2026, Amina Yusuf wrote:");
    assert_has(&quoted, "> Would you have 15 minutes for a short call?");

    // The follow-up shows in the thread, then goes to the outbox once.
    let shown = at(&ws, DAY7B, &["followup"]);
    assert_has(&shown, "Subject: Re: A question for Dr. Diaz");
    assert_has(&shown, "In-Reply-To: <");
    assert_has(
        &shown,
        "A short follow-up (1) to my note of 24 November 2026.",
    );
    let before = outbox(&ws).len();
    at(&ws, DAY7B, &["followup", "--send", "--yes"]);
    let files = outbox(&ws);
    assert_eq!(files.len(), before + 1);
    let eml = ws.read(&format!("outbox/{}", files.last().unwrap()));
    let intro = ws
        .read(&format!(
            "outbox/{}",
            files.iter().find(|f| f.contains("intro-cy")).unwrap()
        ))
        .lines()
        .find(|l| l.starts_with("Message-ID:"))
        .unwrap()
        .trim_start_matches("Message-ID: ")
        .to_string();
    assert_has(&eml, format!("In-Reply-To: {intro}"));
    assert_has(&eml, format!("References: {intro}"));
    assert_has(&eml, "Subject: Re: A question for Dr. Diaz");
    // A rerun sends nothing.
    assert_has(
        &at(&ws, DAY7B, &["followup", "--send", "--yes"]),
        "nothing is due",
    );
    assert_eq!(outbox(&ws).len(), before + 1);

    let status = json(&ws, DAY7B_PLUS_7, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "replied");
    assert_eq!(stage(&status, "ben"), "do-not-contact");
    assert_eq!(stage(&status, "cy"), "followed-up");
    let waiting = at(&ws, DAY7B_PLUS_7, &["status", "--waiting"]);
    assert_has(&waiting, "cy");
    assert!(!waiting.contains("ada "), "{waiting}");
    assert_has(&waiting, "replied 1 (33%)");
    assert_has(&waiting, "intro 1/3");

    let replied = json(&ws, DAY7B_PLUS_7, &["status", "--replied", "--json"]);
    let ids: Vec<&str> = replied["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contact"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ada"]);
    let due_now = json(&ws, DAY7B_PLUS_14, &["status", "--due", "--json"]);
    assert_eq!(due_now["contacts"][0]["contact"], "cy");
    assert_eq!(due_now["contacts"].as_array().unwrap().len(), 1);

    let log = at(&ws, DAY7B_PLUS_7, &["log", "cy"]);
    assert_has(&log, "follow-up 1 sent");
    assert_has(&log, "intro: \"A question for Dr. Diaz\"");
    let log = at(&ws, DAY7B_PLUS_7, &["log", "ada"]);
    assert_has(&log, "marked replied: called me");
}

#[test]
fn run_prepares_due_messages_once_and_is_quiet_otherwise() {
    let ws = workspace();
    at(&ws, DAY0, &["send", "intro", "--all", "--yes"]);
    // Nothing due: nothing said.
    assert_eq!(at(&ws, "2026-11-26T15:00:00Z", &["run"]), "");
    // Due: without an account, run writes them to outbox/ as drafts to
    // send by hand; nothing counts as sent.
    let out = at(&ws, DAY7B, &["run"]);
    assert_eq!(out.matches("written to outbox/").count(), 3, "{out}");
    assert_eq!(at(&ws, DAY7B, &["run"]), "");
    assert_eq!(at(&ws, DAY7B_PLUS_14, &["run"]), "");
    let due = at(&ws, DAY7B_PLUS_14, &["due"]);
    assert_has(&due, "in your outbox/");
    let status = json(&ws, DAY7B_PLUS_14, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "waiting");

    // Ada's draft was sent by hand: recorded, it counts, and the second
    // follow-up comes 14 days after it.
    let log: Value = json(&ws, DAY7B_PLUS_14, &["log", "ada", "--json"]);
    let draft = log["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["state"] == "drafted")
        .unwrap()["id"]
        .to_string();
    at(&ws, DAY7B, &["resolve", &draft, "sent"]);
    let status = json(&ws, DAY7B_PLUS_14, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "followed-up");
    let out = at(&ws, DAY7B_PLUS_14, &["run"]);
    assert_eq!(out.matches("written to outbox/").count(), 1, "{out}");
    assert_has(&out, "ada");
}

#[test]
fn a_per_template_rule_overrides_the_general_one() {
    let ws = workspace();
    let cfg = ws.read("outreach.yaml");
    ws.write(
        "outreach.yaml",
        &format!("{cfg}followup:\n  templates:\n    intro: {{ after_business_days: 3, max: 1 }}\n"),
    );
    at(&ws, DAY0, &["send", "intro", "--to", "cy", "--yes"]);
    // Three business days: Fri 27 Nov.
    let due = json(&ws, DAY0, &["due", "--json"]);
    assert_eq!(due["items"][0]["due"], "2026-11-27T15:00:00Z");
    at(
        &ws,
        "2026-11-27T15:00:00Z",
        &["followup", "--send", "--yes"],
    );
    // One follow-up at most: nothing more, ever.
    let status = json(&ws, "2027-01-27T15:00:00Z", &["status", "--json"]);
    assert_eq!(stage(&status, "cy"), "no-reply");
    assert!(status["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["next"].is_null()));
}

#[test]
fn a_mentor_check_in_waits_for_the_news_then_goes_once() {
    let ws = workspace();
    ws.write(
        "templates/update.hbs",
        "---\nkind: note\nrequires: [vars.update]\nsubject: \"A short update\"\n---\nDear {{salutation}},\n\n{{vars.update}}\n\nAmina\n",
    );
    ws.write(
        "contacts/mentor.yaml",
        "id: eze\nname: Ada Eze\ntitle: Dr.\nemail: eze@example.net\ncadence: 4 weeks\n",
    );
    at(
        &ws,
        DAY0,
        &["mark", "eze", "met", "--note", "first mentoring call"],
    );
    let later = "2026-12-23T15:00:00Z";
    let due = at(&ws, later, &["due"]);
    assert_has(&due, "check-in");
    assert_has(&due, "waits for `vars.update` in contacts/mentor.yaml");
    // Nothing to write yet: run is quiet and fine.
    assert_eq!(at(&ws, later, &["run"]), "");
    ws.write(
        "contacts/mentor.yaml",
        "id: eze\nname: Ada Eze\ntitle: Dr.\nemail: eze@example.net\ncadence: 4 weeks\nvars:\n  update: I passed Step 2.\n",
    );
    let out = at(&ws, later, &["run"]);
    assert_has(&out, "eze: written to outbox/");
    assert_eq!(at(&ws, later, &["run"]), "");
    let eml = outbox(&ws);
    assert_eq!(eml.len(), 1);
    assert_has(&ws.read(&format!("outbox/{}", eml[0])), "I passed Step 2.");
}

#[test]
fn marks_set_the_stage_and_stop_sending() {
    let ws = workspace();
    at(&ws, DAY0, &["send", "intro", "--all", "--yes"]);
    at(
        &ws,
        DAY0,
        &["mark", "ada", "met", "--note", "coffee at grand rounds"],
    );
    at(&ws, DAY0, &["mark", "ben", "bounced"]);
    at(&ws, DAY0, &["mark", "cy", "do-not-contact"]);
    let status = json(&ws, DAY7B, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "met");
    assert_eq!(stage(&status, "ben"), "bounced");
    assert_eq!(stage(&status, "cy"), "do-not-contact");
    assert_has(&at(&ws, DAY7B, &["due"]), "Nothing is due now.");
    let plan = at(
        &ws,
        DAY7B,
        &["send", "intro", "--all", "--again", "--dry-run"],
    );
    assert_has(&plan, "their address bounced (marked address bounced)");
    assert_has(&plan, "do not contact (marked do not contact)");
    assert_has(&plan, "1 to send");
    let err = ws.fails(&["mark", "nobody", "met"], 1);
    assert_has(&err, "unknown contact `nobody`");
}

#[test]
fn run_writes_a_post_conference_note_in_time_and_leaves_a_late_one() {
    let ws = workspace();
    ws.write(
        "templates/post-conference.hbs",
        "---\nrequires: [met.event]\nsubject: \"Thank you for your talk\"\n---\nDear {{salutation}},\n\nThank you for your talk at {{met.event}}.\n\nAmina\n",
    );
    ws.write(
        "contacts/met.yaml",
        "- id: fresh\n  name: Ike Obi\n  title: Dr.\n  email: ike@example.net\n  met: { event: ACP 2026, date: 2026-11-22 }\n\
         - id: stale\n  name: Uma Rao\n  title: Dr.\n  email: uma@example.net\n  met: { event: ACP 2026, date: 2026-11-10 }\n",
    );
    let due = at(&ws, DAY0, &["due"]);
    assert_has(&due, "fresh");
    assert_has(&due, "stale");
    let out = at(&ws, DAY0, &["run"]);
    assert_has(&out, "fresh: written to outbox/");
    assert!(!out.contains("stale"), "{out}");
    assert_eq!(outbox(&ws).len(), 1);
}

#[test]
fn a_bounce_dated_in_the_same_second_as_the_send_still_counts() {
    use outreach::journal::{Event, EventKind, Journal, MailboxMark};
    let ws = workspace();
    // Our send is stamped to the millisecond; the bounce's Date, to the
    // second, reads 0.4 s earlier.
    let sent = "2026-11-24T15:00:00.400Z";
    at(&ws, sent, &["send", "intro", "--to", "ada", "--yes"]);
    let mut journal = Journal::open(&ws.path().join(".outreach")).unwrap();
    let ours = journal.messages_for("ada").unwrap()[0].id;
    let bounce = Event {
        id: 0,
        contact: Some("ada".into()),
        kind: EventKind::Bounce,
        at: "2026-11-24T15:00:00Z".parse().unwrap(),
        message: Some(ours),
        mailbox: Some("INBOX".into()),
        uid: Some(1),
        source_id: Some("bounce-1@mailer.example.net".into()),
        until: None,
        summary: "bounce: 550 5.1.1 no such user".into(),
        detail: None,
    };
    let mark = MailboxMark {
        uid_validity: 1,
        last_uid: 1,
    };
    journal
        .record_check("INBOX", mark, &[bounce], sent.parse().unwrap())
        .unwrap();
    drop(journal);
    let status = json(&ws, DAY7B, &["status", "--json"]);
    assert_eq!(stage(&status, "ada"), "bounced");
    let log = at(&ws, DAY7B, &["log", "ada"]);
    let (send, bounced) = (log.find("sent").unwrap(), log.find("bounce").unwrap());
    assert!(
        send < bounced,
        "the bounce is listed after the send:\n{log}"
    );
    let due = at(&ws, DAY7B, &["due", "--json"]);
    assert!(
        !due.contains("\"ada\""),
        "no follow-up to a dead address: {due}"
    );
}

#[test]
fn lint_and_due_count_days_in_the_users_zone() {
    let ws = workspace();
    ws.write(
        "outreach.yaml",
        "me:\n  name: Amina Yusuf\n  email: amina@example.org\ntimezone: Europe/London\n",
    );
    ws.write(
        "templates/post-conference.hbs",
        "---\nrequires: [met.event]\nsubject: \"Thank you for your talk\"\n---\nDear {{salutation}},\n\nThank you for your talk at {{met.event}}.\n\nAmina\n",
    );
    ws.write(
        "contacts/met.yaml",
        "- id: nyc\n  name: Ike Obi\n  title: Dr.\n  email: ike@example.net\n  timezone: America/New_York\n  met: { event: ACP 2026, date: 2026-11-08 }\n",
    );
    // 03:30 UTC on the 24th is still the evening of the 23rd in New York.
    let now = "2026-11-24T03:30:00Z";
    let lint = ws
        .command(&["lint"])
        .env("OUTREACH_NOW", now)
        .output()
        .unwrap();
    let lint = text(&lint.stdout);
    assert_has(&lint, "ACP 2026 was 16 days ago");
    let due = at(&ws, now, &["due"]);
    assert_has(&due, "16 days ago");
}
