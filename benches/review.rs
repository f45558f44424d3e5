//! Benchmark of the review (`outreach status`): a generated workspace of
//! 10,000 contacts and a journal of 15,000 messages and 50,000 events
//! (replies, out-of-office answers, bounces, the user's own mail, marks),
//! with the rhythm: two meetings in each mentor's file, a meeting recorded
//! for every 20th contact, and three milestones told to every mentor.
//! Prints the time of each phase in process, and the wall time of the
//! release binary's `status` (median of 5 runs), which includes loading
//! and checking every contact file. Goal: status under 200 ms. Then the
//! same for `report` (figures, the page, and the binary writing it), with
//! the page's size. Goal: report at most 0.5 s.
//!
//! Run: cargo bench --bench review [-- CONTACTS]
//! (BENCH_DIR=path keeps the generated workspace there, for profiling.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use outreach::journal::{
    AppointmentKind, Event, EventKind, Journal, MailboxMark, NewAppointment, NewMessage, State,
};
use outreach::review::Book;
use outreach::template::Kind;
use outreach::workspace::Workspace;

const EVENTS_PER_CONTACT: usize = 5;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let root = kept.as_deref().unwrap_or(dir.path());
    if let Some(k) = &kept {
        let _ = std::fs::remove_dir_all(k);
        std::fs::create_dir_all(k).unwrap();
    }
    let now: DateTime<Utc> = "2026-12-20T15:00:00Z".parse().unwrap();
    generate(root, n, now, true);
    // The reference, in the same run: the same workspace without meetings
    // or milestones.
    let plain = tempfile::tempdir().expect("temp dir");
    generate(plain.path(), n, now, false);

    let t = Instant::now();
    let ws = Workspace::load(root).expect("the generated workspace loads");
    let load = t.elapsed();
    let t = Instant::now();
    let journal = Journal::open(&ws.state_dir()).unwrap();
    let book = Book::read(&ws, &journal).unwrap();
    let read = t.elapsed();
    let t = Instant::now();
    let reviews = book.review_all(now);
    let occasions: usize = reviews
        .iter()
        .map(|(c, r)| book.occasions(c, r, now).len())
        .sum();
    let review = t.elapsed();
    let due = reviews
        .iter()
        .filter(|(_, r)| r.next.as_ref().is_some_and(|a| a.due <= now))
        .count();

    let bin = env!("CARGO_BIN_EXE_outreach");
    let status = |dir: &Path| {
        let t = Instant::now();
        let status = Command::new(bin)
            .args(["status"])
            .current_dir(dir)
            .env("OUTREACH_NOW", now.to_rfc3339())
            .stdout(Stdio::null())
            .status()
            .expect("run the outreach binary");
        assert!(status.success());
        t.elapsed()
    };
    // Alternated, so that the load of a busy machine falls on both alike.
    let (mut runs, mut refs): (Vec<Duration>, Vec<Duration>) =
        (0..5).map(|_| (status(root), status(plain.path()))).unzip();
    refs.sort();
    runs.sort();
    let t = Instant::now();
    let lines = journal.lines().unwrap();
    let read_events = t.elapsed();
    let t = Instant::now();
    let report = outreach::report::figures(&book, &lines, now);
    let figures = t.elapsed();
    let t = Instant::now();
    let page = outreach::report::page(&report);
    let html = t.elapsed();

    let out = root.join("bench-report.html");
    let report_runs = binary(root, now, &["report", "--out", out.to_str().unwrap()]);
    let size = std::fs::metadata(&out).unwrap().len();
    let messages = journal.messages().unwrap().len();
    let events = journal.events().unwrap().len();

    println!("contacts: {n}, journal: {messages} messages, {events} events; {due} due now, {occasions} agendas, thank-yous and milestone updates");
    println!("load + validate contacts: {:>7.1} ms", ms(load));
    println!("read the journal:         {:>7.1} ms", ms(read));
    println!(
        "review every contact:     {:>7.1} ms  (with their occasions)",
        ms(review)
    );
    println!(
        "outreach status (binary): {:>7.1} ms median of 5 (min {:.1}, max {:.1}); goal < 200 ms",
        ms(runs[2]),
        ms(runs[0]),
        ms(runs[4])
    );
    println!(
        "  without meetings or milestones: {:.1} ms median of 5; ratio {:.2}",
        ms(refs[2]),
        runs[2].as_secs_f64() / refs[2].as_secs_f64()
    );
    println!("report: read the events:  {:>7.1} ms", ms(read_events));
    println!("report figures:           {:>7.1} ms", ms(figures));
    println!(
        "report page:              {:>7.1} ms ({:.1} MB, {} timelines)",
        ms(html),
        page.len() as f64 / 1e6,
        report.timelines.len()
    );
    println!(
        "outreach report (binary): {:>7.1} ms median of 5 (min {:.1}, max {:.1}); goal <= 500 ms; file {:.1} MB",
        ms(report_runs[2]),
        ms(report_runs[0]),
        ms(report_runs[4]),
        size as f64 / 1e6
    );
    println!(
        "report / status (binary): {:>7.2}x",
        report_runs[2].as_secs_f64() / runs[2].as_secs_f64()
    );
}

/// Five runs of the release binary in the workspace, sorted.
fn binary(root: &Path, now: DateTime<Utc>, args: &[&str]) -> Vec<Duration> {
    let bin = env!("CARGO_BIN_EXE_outreach");
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new(bin)
                .args(args)
                .current_dir(root)
                .env("OUTREACH_NOW", now.to_rfc3339())
                .stdout(Stdio::null())
                .status()
                .expect("run the outreach binary");
            assert!(status.success());
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The repository's config and templates, `n` contacts in lists of 500,
/// and a journal: an intro to each, a follow-up to every other one, and
/// five events each.
fn generate(root: &Path, n: usize, now: DateTime<Utc>, rhythm: bool) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("outreach.yaml"), root.join("outreach.yaml")).unwrap();
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    for rel in [
        "templates/intro.hbs",
        "templates/follow-up.hbs",
        "templates/update.hbs",
        "templates/post-conference.hbs",
        "templates/partials/signature.hbs",
    ] {
        std::fs::copy(repo.join(rel), root.join(rel)).unwrap();
    }
    let contacts = root.join("contacts");
    std::fs::create_dir_all(&contacts).unwrap();
    let zones = [
        "America/Chicago",
        "Europe/London",
        "Asia/Singapore",
        "America/New_York",
    ];
    let mut list = String::new();
    for i in 0..n {
        list.push_str(&format!(
            "- id: c{i:05}\n  name: Ngozi Okonkwo-Adeyemi {i}\n  title: Dr.\n  email: contact{i}@example.net\n  \
             specialty: Cardiology\n  timezone: {}\n  tags: [bench]\n{}",
            zones[i % zones.len()],
            if i % 10 == 0 && !rhythm {
                "  cadence: 6 weeks\n  vars: { update: my research is going well }\n"
            } else if i % 10 == 0 {
                "  cadence: 6 weeks\n  vars: { update: my research is going well }\n  meetings:\n    - { at: \"2026-12-10 15:00\", topic: my research plan, discussed: the first project }\n    - { at: \"2026-12-29 15:00\", topic: my program list, agenda: [programs] }\n"
            } else {
                ""
            }
        ));
        if (i + 1) % 500 == 0 || i + 1 == n {
            std::fs::write(contacts.join(format!("list{:03}.yaml", i / 500)), &list).unwrap();
            list.clear();
        }
    }

    let mut journal = Journal::open(&root.join(".outreach")).unwrap();
    let start = now - chrono::Duration::days(60);
    let ids: Vec<String> = (0..n).map(|i| format!("c{i:05}")).collect();
    let emails: Vec<String> = (0..n).map(|i| format!("contact{i}@example.net")).collect();
    let intro: Vec<NewMessage> = (0..n)
        .map(|i| NewMessage {
            contact: &ids[i],
            template: "intro",
            kind: Kind::FirstContact,
            step: 0,
            thread: None,
            once_key: Some(format!("first:{}:intro", ids[i])),
            recipient: &emails[i],
            transport: "smtp",
            not_before: None,
        })
        .collect();
    let first = journal
        .queue_all(&intro, start, |_, id| {
            Ok((format!("m{id}@example.org"), "Hi".into(), b"x".to_vec()))
        })
        .unwrap();
    let follow: Vec<NewMessage> = (0..n)
        .step_by(2)
        .map(|i| NewMessage {
            contact: &ids[i],
            template: "follow-up",
            kind: Kind::FollowUp,
            step: 1,
            thread: Some(first[i]),
            once_key: Some(format!("followup:{}:1", first[i])),
            recipient: &emails[i],
            transport: "smtp",
            not_before: None,
        })
        .collect();
    let later = start + chrono::Duration::days(10);
    let second = journal
        .queue_all(&follow, later, |_, id| {
            Ok((format!("m{id}@example.org"), "Re: Hi".into(), b"x".to_vec()))
        })
        .unwrap();
    for id in first.iter().chain(&second) {
        journal.start_sending(*id, start).unwrap();
    }
    for id in &first {
        journal
            .finish(*id, State::Sent, Some("250 ok"), start)
            .unwrap();
    }
    for id in &second {
        journal
            .finish(*id, State::Sent, Some("250 ok"), later)
            .unwrap();
    }

    let kinds = [EventKind::AutoReply, EventKind::Wrote, EventKind::Reply];
    let mut events = Vec::with_capacity(n * EVENTS_PER_CONTACT);
    for (i, id) in ids.iter().enumerate() {
        for k in 0..EVENTS_PER_CONTACT {
            // Most contacts hear nothing back; some reply, some bounce.
            let kind = match (i % 7, k) {
                (0, 4) => EventKind::Reply,
                (1, 4) => EventKind::Bounce,
                _ => kinds[k % 3],
            };
            events.push(Event {
                id: 0,
                contact: Some(id.clone()),
                kind,
                at: start + chrono::Duration::days(1 + k as i64 * 3),
                message: Some(first[i]),
                mailbox: Some("INBOX".into()),
                uid: Some((i * EVENTS_PER_CONTACT + k) as u32 + 1),
                source_id: Some(format!("e{i}.{k}@example.net")),
                until: (kind == EventKind::AutoReply)
                    .then(|| (start + chrono::Duration::days(20)).date_naive()),
                summary: format!("{} from {id}", kind.as_str()),
                detail: None,
            });
        }
    }
    // The rhythm: a meeting recorded by command for every 20th contact,
    // three milestones told to every mentor, the first already told.
    for i in (0..n).step_by(20).filter(|_| rhythm) {
        journal
            .add_appointment(
                &NewAppointment {
                    contact: &ids[i],
                    kind: AppointmentKind::Meeting,
                    at: now + chrono::Duration::days(3),
                    minutes: 30,
                    title: "a call",
                    agenda: &["my questions".to_string()],
                    note: None,
                },
                now,
            )
            .unwrap();
    }
    let mentors: Vec<(String, bool)> = (0..n)
        .step_by(10)
        .map(|i| (ids[i].clone(), i % 20 == 0))
        .collect();
    let milestones: &[&str] = if rhythm {
        &["Passed Step 1", "Passed Step 2 CK", "A first paper"]
    } else {
        &[]
    };
    for (k, text) in milestones.iter().enumerate() {
        let day = (now - chrono::Duration::days(30 - 10 * k as i64)).date_naive();
        let id = journal.add_milestone(text, day, &mentors, start).unwrap();
        if k == 0 {
            let told: Vec<NewMessage> = mentors
                .iter()
                .map(|(c, _)| NewMessage {
                    contact: c,
                    template: "milestone",
                    kind: Kind::Note,
                    step: 0,
                    thread: None,
                    once_key: Some(format!("milestone:{id}:{c}")),
                    recipient: "x@example.net",
                    transport: "smtp",
                    not_before: None,
                })
                .collect();
            let rows = journal
                .queue_all(&told, later, |_, id| {
                    Ok((format!("m{id}@example.org"), "News".into(), b"x".to_vec()))
                })
                .unwrap();
            for id in rows {
                journal.start_sending(id, later).unwrap();
                journal
                    .finish(id, State::Sent, Some("250 ok"), later)
                    .unwrap();
            }
        }
    }

    let mark = MailboxMark {
        uid_validity: 1,
        last_uid: events.len() as u32,
    };
    journal.record_check("INBOX", mark, &events, now).unwrap();
}
