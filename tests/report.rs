//! `outreach report` over a scripted campaign: its figures against
//! `status --json`, its escaping, an empty workspace, and the page rendered
//! by a real headless Chromium (no console message, no network request,
//! charts with text alternatives). Also the completions and manual pages.
//!
//! With OUTREACH_REPORT_PNG=FILE the browser test also saves a screenshot
//! of the campaign's page there (scripts/report-screenshot).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use outreach::journal::{Event, EventKind, Journal, MailboxMark, NewMessage, State};
use outreach::template::Kind;
use serde_json::Value;

use crate::util::{assert_has, text, Workspace};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A subject and a name that would run or fetch something if written
/// into the page unescaped.
const TRICKY_SUBJECT: &str = "A question <img src=\"http://127.0.0.1:9/s.png\"> & more";
const TRICKY_SUMMARY: &str = "reply: <script>console.error('unescaped')</script>";

/// Eleven contacts, six weeks of a campaign, seen on Tue 24 Nov 2026:
/// replies to the first email and to a follow-up, a bounce, an
/// out-of-office answer, a meeting, someone just met at an event, a
/// do-not-contact, two waiting, one not written to.
fn campaign() -> Workspace {
    let ws = Workspace::empty();
    ws.write(
        "outreach.yaml",
        "me:\n  name: Amina Yusuf\n  email: amina@example.org\ntimezone: America/New_York\n",
    );
    ws.write(
        "templates/intro.hbs",
        "---\nsubject: \"A question for {{salutation}}\"\n---\nDear {{salutation}},\n\nWould you have 15 minutes?\n\nAmina\n",
    );
    ws.write(
        "templates/research.hbs",
        "---\nsubject: \"Your research, {{salutation}}\"\n---\nDear {{salutation}},\n\nI read your paper.\n\nAmina\n",
    );
    ws.write(
        "templates/follow-up.hbs",
        "---\nkind: follow-up\n---\nDear {{salutation}},\n\nA short follow-up to my note of {{thread.sent_on}}.\n\nAmina\n",
    );
    ws.write(
        "templates/post-conference.hbs",
        "---\nsubject: \"After {{met.event}}\"\n---\nDear {{salutation}},\n\nThank you for your time at {{met.event}}.\n\nAmina\n",
    );
    let person = |id: &str, name: &str, extra: &str| {
        format!("- id: {id}\n  name: {name}\n  title: Dr.\n  email: {id}@example.net\n{extra}")
    };
    let contacts = [
        person("ada", "Ada Obi", ""),
        person("ben", "Ben Cho", ""),
        person("cy", "Cy Diaz", ""),
        person("dee", "Dee Kaur", ""),
        person("eve", "Eve Mensah", ""),
        person(
            "fay",
            "Fay Lindqvist",
            "  met: { event: ACP Meeting, date: 2026-11-06, topic: sepsis }\n",
        ),
        person(
            "gus",
            "Gus Ferreira",
            "  met: { event: AHA Sessions, date: 2026-11-20, topic: heart failure }\n",
        ),
        person(
            "hal",
            "Hal Novak",
            "  do_not_contact: asked not to be written to\n",
        ),
        person("ivy", "Ivy Tanaka", ""),
        person("jo", "Jo Adeyemi", ""),
        person("oneil", "Emeka \"Mac\" O'Neil <Lab & Co>", ""),
    ];
    ws.write("contacts/all.yaml", &contacts.concat());

    let mut journal = Journal::open(&ws.path().join(".outreach")).unwrap();
    // (contact, template, kind, step, sent at)
    let sent: &[(&str, &str, Kind, u32, &str)] = &[
        (
            "ada",
            "intro",
            Kind::FirstContact,
            0,
            "2026-10-20T14:00:00Z",
        ),
        (
            "ben",
            "intro",
            Kind::FirstContact,
            0,
            "2026-10-20T14:05:00Z",
        ),
        (
            "cy",
            "research",
            Kind::FirstContact,
            0,
            "2026-10-21T14:00:00Z",
        ),
        (
            "eve",
            "intro",
            Kind::FirstContact,
            0,
            "2026-10-27T14:00:00Z",
        ),
        (
            "ivy",
            "research",
            Kind::FirstContact,
            0,
            "2026-10-19T14:00:00Z",
        ),
        (
            "oneil",
            "intro",
            Kind::FirstContact,
            0,
            "2026-10-26T14:00:00Z",
        ),
        (
            "fay",
            "post-conference",
            Kind::FirstContact,
            0,
            "2026-11-09T15:00:00Z",
        ),
        (
            "ben",
            "follow-up",
            Kind::FollowUp,
            1,
            "2026-10-29T14:05:00Z",
        ),
        (
            "ivy",
            "follow-up",
            Kind::FollowUp,
            1,
            "2026-10-28T14:00:00Z",
        ),
        (
            "ivy",
            "follow-up",
            Kind::FollowUp,
            2,
            "2026-11-11T15:00:00Z",
        ),
        (
            "dee",
            "intro",
            Kind::FirstContact,
            0,
            "2026-11-17T15:00:00Z",
        ),
    ];
    let mut firsts = std::collections::HashMap::new();
    for (contact, template, kind, step, when) in sent {
        let to = format!("{contact}@example.net");
        let key = format!("{contact}:{template}:{step}");
        let new = NewMessage {
            contact,
            template,
            kind: *kind,
            step: *step,
            thread: firsts.get(contact).copied(),
            once_key: Some(key),
            recipient: &to,
            transport: "smtp",
            not_before: None,
        };
        let subject = if *contact == "oneil" {
            TRICKY_SUBJECT.to_string()
        } else {
            format!("{template} for {contact}")
        };
        let t = at(when);
        let ids = journal
            .queue_all(&[new], t, |_, id| {
                Ok((format!("m{id}@example.org"), subject.clone(), b"x".to_vec()))
            })
            .unwrap();
        journal.start_sending(ids[0], t).unwrap();
        journal
            .finish(ids[0], State::Sent, Some("250 ok"), t)
            .unwrap();
        if *kind == Kind::FirstContact {
            firsts.insert(*contact, ids[0]);
        }
    }
    // (contact, kind, at, summary, until, detail)
    type Heard<'a> = (
        &'a str,
        EventKind,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );
    let heard: &[Heard] = &[
        (
            "ada",
            EventKind::Reply,
            "2026-10-22T18:00:00Z",
            "reply: happy to talk",
            None,
            None,
        ),
        (
            "ben",
            EventKind::Reply,
            "2026-10-31T13:00:00Z",
            "reply: yes, next week",
            None,
            None,
        ),
        (
            "cy",
            EventKind::Bounce,
            "2026-10-21T14:02:00Z",
            "bounce: 550 5.1.1 user unknown",
            None,
            Some(r#"{"failed_address":"cy@example.net"}"#),
        ),
        (
            "eve",
            EventKind::AutoReply,
            "2026-10-27T14:01:00Z",
            "auto-reply: away until 1 December",
            Some("2026-12-01"),
            None,
        ),
        (
            "oneil",
            EventKind::Reply,
            "2026-11-02T16:00:00Z",
            TRICKY_SUMMARY,
            None,
            None,
        ),
    ];
    let events: Vec<Event> = heard
        .iter()
        .enumerate()
        .map(|(i, (contact, kind, when, summary, until, detail))| Event {
            id: 0,
            contact: Some(contact.to_string()),
            kind: *kind,
            at: at(when),
            message: firsts.get(contact).copied(),
            mailbox: Some("INBOX".into()),
            uid: Some(i as u32 + 1),
            source_id: Some(format!("e{i}@example.net")),
            until: until.map(|u| u.parse().unwrap()),
            summary: summary.to_string(),
            detail: detail.map(str::to_string),
        })
        .collect();
    let mark = MailboxMark {
        uid_validity: 1,
        last_uid: events.len() as u32,
    };
    journal
        .record_check("INBOX", mark, &events, at("2026-11-20T12:00:00Z"))
        .unwrap();
    let out = ws
        .command(&["mark", "fay", "met", "--note", "coffee at the hospital"])
        .env("OUTREACH_NOW", "2026-11-19T16:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    ws
}

/// Every `data-figure="KEY">VALUE<` in a page.
fn figures(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("data-figure=\"") {
        rest = &rest[i + 13..];
        let end = rest.find('"').unwrap();
        let key = rest[..end].to_string();
        let v = &rest[end..];
        let start = v.find('>').unwrap() + 1;
        let stop = v[start..].find('<').unwrap() + start;
        out.push((key, v[start..stop].to_string()));
        rest = &v[stop..];
    }
    out
}

fn figure(figs: &[(String, String)], key: &str) -> u64 {
    let v = &figs
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no figure {key} in {figs:?}"))
        .1;
    v.parse().unwrap()
}

/// The page's figures must be `status --json`'s, for the totals, every
/// template, and the waiting list.
fn assert_agrees_with_status(ws: &Workspace, html: &str) {
    let status: Value = serde_json::from_str(&ws.ok(&["status", "--json"])).unwrap();
    let s = &status["summary"];
    let figs = figures(html);
    for key in [
        "contacts",
        "written_to",
        "replied",
        "met",
        "bounced",
        "auto_reply",
        "do_not_contact",
    ] {
        assert_eq!(
            figure(&figs, key),
            s[key].as_u64().unwrap(),
            "{key} in the page and in status --json"
        );
    }
    let templates = s["by_template"].as_object().unwrap();
    for (t, v) in templates {
        assert_eq!(
            figure(&figs, &format!("by-template/{t}/of")),
            v["sent"].as_u64().unwrap()
        );
        assert_eq!(
            figure(&figs, &format!("by-template/{t}/replied")),
            v["replied"].as_u64().unwrap()
        );
    }
    let waiting: Value = serde_json::from_str(&ws.ok(&["status", "--waiting", "--json"])).unwrap();
    assert_eq!(
        figure(&figs, "waiting"),
        waiting["contacts"].as_array().unwrap().len() as u64
    );
}

fn report(ws: &Workspace) -> String {
    let out = ws.ok(&["report", "--out", "r.html"]);
    assert_has(&out, "r.html");
    ws.read("r.html")
}

#[test]
fn report_figures_agree_with_status_and_every_word_is_escaped() {
    let ws = campaign();
    let html = report(&ws);
    assert_agrees_with_status(&ws, &html);
    let figs = figures(&html);
    assert_eq!(figure(&figs, "by-template/research/of"), 2);
    // Eight written to (not gus, hal, jo); ada, ben, oneil replied, fay met.
    assert_eq!(figure(&figs, "written_to"), 8);
    assert_eq!(figure(&figs, "replied"), 4);
    assert_eq!(figure(&figs, "met"), 1);
    assert_eq!(figure(&figs, "bounced_list"), 1);
    // ben's reply came after follow-up 1, which ben and ivy got.
    assert_eq!(figure(&figs, "by-step/first email/of"), 8);
    assert_eq!(figure(&figs, "by-step/first email/replied"), 3);
    assert_eq!(figure(&figs, "by-step/follow-up 1/of"), 2);
    assert_eq!(figure(&figs, "by-step/follow-up 1/replied"), 1);
    assert_eq!(figure(&figs, "by-found/met at an event/of"), 1);
    // dee's first follow-up (26 Nov) and gus's post-conference note.
    assert_eq!(figure(&figs, "due_week"), 2);
    assert_has(&html, "cy@example.net");
    assert_has(&html, "550 5.1.1 user unknown");
    // dee: written Tue 17 Nov, five business days by Tue 24 Nov.
    assert_has(&html, "<td>Dee Kaur</td><td>dee</td><td>waiting 6 days</td><td>Tue 17 Nov 2026</td><td class=\"n\">5</td>");
    assert_has(&html, "America/New_York");
    assert_has(&html, "No opens or clicks are shown");
    assert_has(
        &html,
        "Content-Security-Policy\" content=\"default-src 'none';",
    );

    assert!(!html.contains("<script"), "a script tag in the page");
    assert!(!html.contains("<img"), "an image tag in the page");
    assert_has(
        &html,
        "&lt;script&gt;console.error(&#39;unescaped&#39;)&lt;/script&gt;",
    );
    assert_has(&html, "O&#39;Neil &lt;Lab &amp; Co&gt;");
    assert_has(
        &html,
        "&lt;img src=&quot;http://127.0.0.1:9/s.png&quot;&gt;",
    );

    let charts = html.matches("<svg ").count();
    assert_eq!(charts, 5, "funnel, three reply rates, time to reply");
    assert_eq!(html.matches("role=\"img\"").count(), charts);
    assert_eq!(html.matches("<title id=").count(), charts);
    assert_eq!(html.matches("<desc id=").count(), charts);
    assert_eq!(html.matches("<figcaption>").count(), charts);
    // A timeline for each of the eight written to, and no one else.
    assert_eq!(html.matches("<details>").count(), 8);
    assert!(!html.contains("Jo Adeyemi"));
}

#[test]
fn a_workspace_with_nothing_sent_gets_a_page_that_says_so() {
    let ws = Workspace::sample();
    let html = report(&ws);
    assert_agrees_with_status(&ws, &html);
    assert_has(&html, "Nothing sent yet:");
    assert_has(&html, "No replies yet.");
    assert_has(&html, "No address needs replacing.");
    assert_has(&html, "Nothing in the journal yet.");
    assert!(!html.contains("<svg"));
    // The default place is the workspace.
    let out = ws.ok(&["report"]);
    assert_has(&out, "report.html");
    assert!(ws.path().join("report.html").is_file());
}

// --- in a real browser ---------------------------------------------------

/// The browser, installed by scripts/browser if missing: a machine that
/// cannot get it fails this test, it does not skip it.
fn chromium() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser");
    let out = Command::new(&script).output().expect("run scripts/browser");
    assert!(
        out.status.success(),
        "scripts/browser could not provide chromium:\n{}",
        text(&out.stderr)
    );
    PathBuf::from(text(&out.stdout).trim())
}

/// What the browser made of a page.
struct Rendered {
    dom: String,
    /// Console lines: the page has no script, so any is the browser
    /// complaining (a CSP violation, a parse error).
    console: Vec<String>,
    /// URLs the page asked for.
    requests: Vec<String>,
}

/// Loads `page` in headless Chromium, with a net log of every request.
fn render(browser: &Path, page: &Path, screenshot: Option<&Path>) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.json");
    let (stdout, stderr) = (dir.path().join("dom.html"), dir.path().join("log.txt"));
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!(
        "--user-data-dir={}",
        dir.path().join("profile").display()
    ))
    .arg(format!("--log-net-log={}", net.display()));
    match screenshot {
        Some(png) => cmd
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1100,2400")
            .arg("--hide-scrollbars"),
        None => cmd.arg("--dump-dom"),
    };
    let mut child = cmd
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&stderr).unwrap();
    assert!(status.success(), "chromium failed:\n{log}");
    let console = log
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_string)
        .collect();
    Rendered {
        dom: std::fs::read_to_string(&stdout).unwrap(),
        console,
        requests: page_requests(&std::fs::read_to_string(&net).unwrap()),
    }
}

/// The URLs in a net log requested by a page loaded from a file. The
/// browser's own background requests (update checks and the like) belong
/// to no page and are left out.
fn page_requests(log: &str) -> Vec<String> {
    // A browser that exits fast may leave the log's closing brackets out.
    let v: Value = serde_json::from_str(log)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", log.trim_end().trim_end_matches(','))))
        .expect("a readable net log");
    let mut urls: Vec<String> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            let url = p["url"].as_str()?;
            let from_page = p["initiator"].as_str() == Some("null")
                || p["initiator"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("file:"))
                || p["network_isolation_key"]
                    .as_str()
                    .is_some_and(|k| k.contains("file://"));
            (from_page && !url.starts_with("file:")).then(|| url.to_string())
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

#[test]
fn the_report_renders_in_headless_chromium_offline_and_accessible() {
    let browser = chromium();
    let ws = campaign();
    let html = report(&ws);
    let page = ws.path().join("r.html");

    let r = render(&browser, &page, None);
    assert!(
        r.console.is_empty(),
        "console messages:\n{}",
        r.console.join("\n")
    );
    assert!(r.requests.is_empty(), "the page asked for {:?}", r.requests);
    // The DOM as the browser built it: every chart an image with its title
    // and description, and the same figures status gives.
    let charts = r.dom.matches("<svg ").count();
    assert_eq!(charts, 5, "{}", r.dom);
    assert_eq!(r.dom.matches("role=\"img\"").count(), charts);
    assert_eq!(r.dom.matches("<title id=").count(), charts);
    assert_eq!(r.dom.matches("<desc id=").count(), charts);
    assert_eq!(r.dom.matches("<figcaption>").count(), charts);
    assert!(!r.dom.contains("<script"));
    assert_agrees_with_status(&ws, &r.dom);

    // The checks can fail: an image slipped into the page is refused by its
    // Content-Security-Policy, and the browser says so on the console...
    let injected = html.replace(
        "<main>",
        "<main><img src=\"http://127.0.0.1:9/x.png\" alt=\"\">",
    );
    ws.write("injected.html", &injected);
    let r = render(&browser, &ws.path().join("injected.html"), None);
    assert!(
        r.console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "no CSP violation reported: {:?}",
        r.console
    );
    assert!(
        r.requests.is_empty(),
        "the CSP let {:?} through",
        r.requests
    );
    // ...and without the policy, the request shows in the net log.
    let open = injected.replacen(
        "http-equiv=\"Content-Security-Policy\"",
        "name=\"x-no-policy\"",
        1,
    );
    ws.write("open.html", &open);
    let r = render(&browser, &ws.path().join("open.html"), None);
    assert_eq!(r.requests, ["http://127.0.0.1:9/x.png"]);

    if let Some(png) = std::env::var_os("OUTREACH_REPORT_PNG") {
        render(&browser, &page, Some(Path::new(&png)));
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "no PNG written");
    }
}

// --- completions and manual pages ----------------------------------------

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    let ws = Workspace::empty();
    let bash = ws.ok(&["completions", "bash"]);
    assert_has(&bash, "complete -F _outreach");
    assert_has(&bash, "--dry-run");
    let zsh = ws.ok(&["completions", "zsh"]);
    assert_has(&zsh, "#compdef outreach");
    let fish = ws.ok(&["completions", "fish"]);
    assert_has(&fish, "complete -c outreach");
    assert_has(&fish, "report");
    ws.fails(&["completions", "tcsh"], 2);
}

#[test]
fn a_manual_page_per_command_and_the_send_page_names_its_options() {
    let ws = Workspace::empty();
    ws.ok(&["man", "man1"]);
    let pages: Vec<String> = ws.files().iter().map(|p| p.display().to_string()).collect();
    for name in [
        "outreach.1",
        "outreach-send.1",
        "outreach-report.1",
        "outreach-status.1",
    ] {
        assert!(
            pages.contains(&format!("man1/{name}")),
            "{name} not in {pages:?}"
        );
    }
    let send = ws.read("man1/outreach-send.1");
    assert_has(&send, ".TH outreach-send 1");
    for option in [
        "\\-\\-dry\\-run",
        "\\-\\-yes",
        "\\-\\-to",
        "\\-\\-tag",
        "\\-\\-all",
    ] {
        assert_has(&send, option);
    }
}
