//! The core with no mail account: init, contacts, lint, draft, and bad input.

use crate::util::{assert_has, text, Workspace};

#[test]
fn init_makes_a_workspace_that_lints_and_drafts() {
    let ws = Workspace::sample();
    // Within a week of the sample conferences (16-19 Nov 2026).
    let out = ws
        .command(&["lint"])
        .env("OUTREACH_NOW", "2026-11-20T12:00:00Z")
        .output()
        .unwrap();
    assert_has(&text(&out.stdout), ": 0 errors, 0 warnings");
    let drafts = ws.ok(&["draft", "intro", "--all"]);
    assert_has(&drafts, "9 drafts from templates/intro.hbs");
    assert!(drafts.contains("Dear Dr. Okonkwo-Adeyemi,"));
    assert!(drafts.contains("Dear Dr. Li,"));
    assert!(drafts.contains("skipped mueller: do not contact"));
    assert!(!drafts.contains("j.mueller@example.org"));
}

#[test]
fn init_refuses_to_overwrite_and_changes_nothing() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/okafor.yaml",
        "name: Edited By Hand\nemail: e@example.org\n",
    );
    let before = ws.files();
    let err = ws.fails(&["init", "."], 1);
    assert!(err.contains("already has outreach.yaml"), "{err}");
    assert_eq!(ws.files(), before);
    assert_eq!(
        ws.read("contacts/okafor.yaml"),
        "name: Edited By Hand\nemail: e@example.org\n"
    );
}

/// The exact bytes of one draft: a regression guard for headers (encoded
/// UTF-8 display name, Date and Message-ID from OUTREACH_NOW), CRLF line
/// ends, quoted-printable UTF-8, and a line per paragraph (the `=` soft
/// breaks are quoted-printable's, undone by every client) so that a phone
/// reflows the text to its width.
#[test]
fn draft_writes_exact_eml() {
    let ws = Workspace::sample();
    let out = ws.ok(&["draft", "intro", "--to", "nunez", "--out", "drafts"]);
    assert_eq!(out, "wrote 1 drafts to drafts\n");
    let eml = ws.read("drafts/intro-nunez.eml");
    let expected = "\
From: \"Amina Yusuf\" <amina.yusuf@example.org>\r
To: =?utf-8?b?Sm9zw6kgTsO6w7Fleg==?= <jose.nunez@example.com>\r
Subject: Request for a brief call: Internal Medicine applicant trained in\r
 Nigeria\r
Date: Tue, 24 Nov 2026 14:00:00 +0000\r
Message-ID: <20261124140000.87f863b843c78c64@example.org>\r
MIME-Version: 1.0\r
Content-Type: text/plain; charset=utf-8\r
Content-Transfer-Encoding: quoted-printable\r
\r
Dear Dr. N=C3=BA=C3=B1ez,\r
\r
My name is Amina Yusuf. I trained in medicine in Nigeria and am now a resea=\r
rch fellow in the Department of Medicine at Example University Hospital in =\r
Baltimore, preparing to apply for residency in Internal Medicine.\r
\r
I came across your work through your talk at the ACP Internal Medicine Meet=\r
ing, and I especially admire your point that early mentorship matters more =\r
than any single exam score.\r
\r
Would you have 15=E2=80=9320 minutes for a short call in the coming weeks? =\r
I would be grateful for your advice on how to make my application as strong=\r
 as it can be.\r
\r
Thank you for your time.\r
\r
With best regards,\r
Amina Yusuf, MBBS\r
amina.yusuf@example.org\r
";
    assert_eq!(eml, expected);
    // Decoded, each paragraph is one line.
    let parsed = mail_parser::MessageParser::default()
        .parse(eml.as_bytes())
        .unwrap();
    let body = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(body.contains("\nMy name is Amina Yusuf. I trained in medicine in Nigeria and am now a research fellow in the Department of Medicine at Example University Hospital in Baltimore, preparing to apply for residency in Internal Medicine.\n"), "{body}");
}

#[test]
fn every_eml_parses_back_to_the_rendered_text() {
    let ws = Workspace::sample();
    ws.ok(&["draft", "intro", "--all", "--out", "d"]);
    for id in ["okafor", "li-ming", "van-der-berg", "rahman"] {
        let raw = std::fs::read(ws.path().join(format!("d/intro-{id}.eml"))).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let body = msg.body_text(0).unwrap();
        assert!(body.starts_with("Dear Dr. "), "{id}: {body}");
        assert!(msg.message_id().unwrap().ends_with("@example.org"));
        assert!(raw.windows(2).filter(|w| w == b"\r\n").count() > 10);
        assert!(
            !raw.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
            "bare LF in {id}"
        );
    }
    let li = std::fs::read(ws.path().join("d/intro-li-ming.eml")).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&li).unwrap();
    assert_eq!(msg.to().unwrap().first().unwrap().name(), Some("李明"));
}

#[test]
fn a_missing_field_fails_the_whole_draft_and_writes_nothing() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/okafor.yaml",
        "name: Chinedu Okafor\ntitle: Dr.\nemail: c.okafor@example.org\nvars:\n  found_via: a paper\n",
    );
    let err = ws.fails(&["draft", "intro", "--all", "--out", "d"], 1);
    assert_has(
        &err,
        "templates/intro.hbs:10: error: contact `okafor`: field `vars.admire` is missing or blank",
    );
    assert!(!ws.path().join("d").exists());
}

#[test]
fn blank_name_is_refused_with_its_place() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/okafor.yaml",
        "name: \"  \"\ntitle: Dr.\nemail: c.okafor@example.org\n",
    );
    let err = ws.fails(&["draft", "intro", "--to", "okafor"], 1);
    assert_has(
        &err,
        "contacts/okafor.yaml:1: error: contact `okafor`: `name` is blank",
    );
}

#[test]
fn broken_yaml_reports_file_line_and_column() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/okafor.yaml",
        "name: Chinedu Okafor\nemail: c.okafor@example.org\nnotes: met at: ACC\n",
    );
    let err = ws.fails(&["contacts"], 1);
    assert_has(
        &err,
        "contacts/okafor.yaml:3:14: error: mapping values are not allowed",
    );
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/smith.yaml",
        "name: Ann Smith\ntitle: Dr.\nemial: a.smith@example.org\n",
    );
    let out = text(&ws.run(&["lint"]).stdout);
    assert_has(
        &out,
        "contacts/smith.yaml:3:1: error: unknown field `emial`; did you mean `email`?",
    );
}

#[test]
fn unknown_template_and_contact_are_named() {
    let ws = Workspace::sample();
    let err = ws.fails(&["draft", "intr", "--all"], 1);
    assert_has(&err, "unknown template `intr`; did you mean `intro`?");
    let err = ws.fails(&["draft", "intro", "--to", "okafr"], 1);
    assert_has(&err, "unknown contact `okafr`; did you mean `okafor`?");
}

#[test]
fn an_id_that_escapes_the_folder_is_refused() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/team.yaml",
        "- id: ../x\n  name: Eve Hacker\n  email: eve@example.org\n",
    );
    let err = ws.fails(&["draft", "intro", "--all", "--out", "d"], 1);
    assert_has(&err, "contacts/team.yaml:1: error: contact id `../x`");
    assert!(!ws.path().join("d").exists());
    assert!(!ws.path().join("x").exists());
}

#[test]
fn a_contact_file_may_hold_a_list() {
    let ws = Workspace::sample();
    let out = ws.ok(&["contacts", "--tag", "conference"]);
    for id in ["rahman", "van-der-berg", "nunez"] {
        assert_has(&out, id);
    }
    assert_has(&out, "Dr. van der Berg");
    assert_has(&out, "3 contacts");
    ws.write(
        "contacts/team.yaml",
        "- name: No Id\n  email: noid@example.org\n",
    );
    let err = ws.fails(&["contacts"], 1);
    assert_has(
        &err,
        "contacts/team.yaml:1: error: a contact in a list needs an `id`",
    );
}

#[test]
fn an_empty_contacts_folder_says_what_to_do() {
    let ws = Workspace::sample();
    ws.remove("contacts");
    std::fs::create_dir(ws.path().join("contacts")).unwrap();
    let err = ws.fails(&["draft", "intro", "--all"], 1);
    assert_has(&err, "contacts: error: no contacts");
}

#[test]
fn duplicate_addresses_and_bad_zones_are_errors() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/twin.yaml",
        "name: Chi Okafor\ntitle: Dr.\nemail: C.Okafor@example.org\ntimezone: America/Chicag\n",
    );
    let out = text(&ws.run(&["lint"]).stdout);
    assert_has(&out, "contacts/twin.yaml:3: error: contact `twin`: address C.Okafor@example.org also belongs to `okafor`");
    assert_has(
        &out,
        "contacts/twin.yaml:4: error: contact `twin`: unknown time zone `America/Chicag`",
    );
}

#[test]
fn lint_finds_placeholders_and_warns_on_long_subjects() {
    let ws = Workspace::sample();
    ws.write(
        "templates/sloppy.hbs",
        "---\nsubject: \"A very long subject line that goes on and on about {{specialty}} and more and more words\"\n---\nDear [Name],\n\nTODO: say something.\n",
    );
    let out = ws.run(&["lint"]);
    assert_eq!(out.status.code(), Some(1));
    let out = text(&out.stdout);
    assert_has(
        &out,
        "templates/sloppy.hbs: error: contact `okafor`: placeholder `[Name]` left in the body",
    );
    assert_has(&out, "warning: contact `okafor`: subject is");
}

#[test]
fn lint_passes_with_warnings_only() {
    let ws = Workspace::sample();
    ws.write(
        "templates/long.hbs",
        &format!(
            "---\nsubject: Hi\n---\nDear {{{{salutation}}}},\n\n{}\n",
            "word ".repeat(300)
        ),
    );
    let out = ws.ok(&["lint"]);
    assert_has(&out, "warning: contact `okafor`: body is 303 words");
}

#[test]
fn a_line_break_in_a_subject_is_refused() {
    let ws = Workspace::sample();
    ws.write(
        "templates/inj.hbs",
        "---\nsubject: \"Hi {{vars.found_via}}\"\n---\nDear {{salutation}},\n",
    );
    ws.write(
        "contacts/okafor.yaml",
        "name: Chinedu Okafor\ntitle: Dr.\nemail: c.okafor@example.org\nvars:\n  found_via: \"x\\nBcc: all@example.com\"\n  admire: y\n",
    );
    let err = ws.fails(&["draft", "inj", "--to", "okafor"], 1);
    assert_has(
        &err,
        "templates/inj.hbs:2: error: contact `okafor`: the subject has a line break in it",
    );
}

#[test]
fn usage_errors_exit_2() {
    let ws = Workspace::sample();
    ws.fails(&["draft", "intro"], 2);
    ws.fails(&["draft", "intro", "--all", "--tag", "x"], 2);
    ws.fails(&["no-such-command"], 2);
}

#[test]
fn contacts_json_has_salutations() {
    let ws = Workspace::sample();
    let out = ws.ok(&["contacts", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let li = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "li-ming")
        .unwrap();
    assert_eq!(li["salutation"], "Dr. Li");
    assert_eq!(v.as_array().unwrap().len(), 10);
}

#[test]
fn a_password_in_outreach_yaml_is_refused() {
    let ws = Workspace::sample();
    let cfg = ws.read("outreach.yaml");
    ws.write(
        "outreach.yaml",
        &format!("{cfg}smtp:\n  host: smtp.example.org\n  password: s3cret-value\n"),
    );
    let err = ws.fails(&["draft", "intro", "--all"], 1);
    assert_has(&err, "OUTREACH_SMTP_PASSWORD");
    assert!(!err.contains("s3cret-value"), "{err}");
}

#[test]
fn no_workspace_says_how_to_make_one() {
    let ws = Workspace::empty();
    let err = ws.fails(&["lint"], 1);
    assert_has(&err, "run `outreach init`");
}

#[test]
fn send_without_an_account_writes_the_outbox_once() {
    let ws = Workspace::sample();
    let out = ws.ok(&["send", "intro", "--to", "okafor,okafor", "--yes"]);
    assert_has(&out, "1 sent, 0 failed");
    let outbox = || std::fs::read_dir(ws.path().join("outbox")).unwrap().count();
    assert_eq!(outbox(), 1);
    let out = ws.ok(&["send", "intro", "--to", "okafor", "--yes"]);
    assert_has(&out, "already sent");
    assert_has(&out, "0 to send");
    assert_eq!(outbox(), 1);
}

/// A message left `sending` by a killed process is never resent on its
/// own; `resolve … unsent` lets the next send take it.
#[test]
fn an_uncertain_message_waits_for_resolve() {
    use outreach::journal::{Journal, NewMessage};
    use outreach::template::Kind;
    let ws = Workspace::sample();
    let now = chrono::DateTime::parse_from_rfc3339(crate::util::NOW)
        .unwrap()
        .to_utc();
    {
        let mut j = Journal::open(&ws.path().join(".outreach")).unwrap();
        let new = NewMessage {
            contact: "okafor",
            template: "intro",
            kind: Kind::FirstContact,
            step: 0,
            thread: None,
            once_key: Some("first:okafor:intro".into()),
            recipient: "c.okafor@example.org",
            transport: "outbox",
            not_before: None,
        };
        let ids = j
            .queue_all(&[new], now, |_, id| {
                Ok((
                    format!("m{id}@example.org"),
                    "Hi".into(),
                    b"Subject: Hi\r\n\r\nHello\r\n".to_vec(),
                ))
            })
            .unwrap();
        assert!(j.start_sending(ids[0], now).unwrap());
    }
    let run = ws.run(&["send", "intro", "--to", "okafor", "--yes"]);
    assert!(run.status.success());
    assert_has(&text(&run.stderr), "marked uncertain");
    assert_has(&text(&run.stdout), "outreach resolve 1 sent|unsent");
    assert!(!ws.path().join("outbox").exists());

    let err = ws.fails(&["resolve", "2", "sent"], 1);
    assert_has(&err, "no message `2`");
    assert!(ws
        .ok(&["resolve", "1", "unsent"])
        .contains("recorded as unsent"));
    let out = ws.ok(&["send", "intro", "--to", "okafor", "--yes"]);
    assert_has(&out, "queued earlier (#1)");
    assert_has(&out, "1 sent");
    let err = ws.fails(&["resolve", "1", "sent"], 1);
    assert_has(&err, "is sent, not uncertain");
}

#[test]
fn lint_warns_when_a_post_conference_message_is_late_and_not_after_it_went() {
    let ws = Workspace::sample();
    let lint = ws.ok(&["lint"]);
    assert_has(
        &lint,
        "contact rahman: warning: the AHA Scientific Sessions 2026 was 8 days ago and nothing was sent yet",
    );
    // The sample mentor's meeting last week still waits for its thank-you.
    assert_has(
        &lint,
        "contact okonkwo-adeyemi: warning: the meeting about my program list was 4 days ago and no thank-you went yet",
    );
    assert_has(&lint, "0 errors, 2 warnings");
    ws.ok(&["send", "post-conference", "--to", "rahman", "--yes"]);
    let lint = ws.ok(&["lint"]);
    assert_has(&lint, "0 errors, 1 warning");
}

#[test]
fn lint_json_lists_each_problem_with_its_place() {
    let ws = Workspace::sample();
    let out = ws.run(&["lint", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 2);
    assert_eq!(v["problems"][0]["severity"], "warning");
    assert_has(
        v["problems"][0]["place"].as_str().unwrap(),
        "contacts/conference-2026.yaml:3, contact rahman",
    );
}

#[test]
fn lint_checks_the_follow_up_policy_templates() {
    let ws = Workspace::sample();
    let cfg = ws.read("outreach.yaml");
    ws.write(
        "outreach.yaml",
        &cfg.replace("template: follow-up", "template: intro"),
    );
    let out = ws.run(&["lint"]);
    assert_eq!(out.status.code(), Some(1));
    assert_has(
        &text(&out.stdout),
        "templates/intro.hbs: error: followup.template uses `intro` for follow-ups, so it needs `kind: follow-up`",
    );
}

#[test]
fn classify_explains_a_bounce_outside_any_workspace() {
    let ws = Workspace::empty();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mail/bounce-exim.eml"
    );
    let out = ws.ok(&["classify", fixture]);
    assert_has(&out, "kind:            bounce");
    assert_has(&out, "failed address:  lgarcia@hospital.example.net");
    assert_has(&out, "because:");
    let json: serde_json::Value =
        serde_json::from_str(&ws.ok(&["classify", "--json", fixture])).unwrap();
    assert_eq!(json[0]["finding"]["kind"], "bounce");
    let err = ws.fails(&["classify", "no-such.eml"], 1);
    assert_has(&err, "cannot read no-such.eml");
}
