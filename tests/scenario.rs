//! One end-to-end scenario on the real Postfix and Dovecot, over simulated
//! days (OUTREACH_NOW): intros to five contacts; two reply, one bounces,
//! one answers out-of-office, one stays silent. `run --send` every few
//! days must follow up only the right people, in the thread, exactly once,
//! at the right time; `status` shows all of it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::Value;

use crate::check::{mail_on, Mail};
use crate::util::stack::{self, copies, wait_count, Stack};
use crate::util::{assert_has, text};

fn weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `n` weekdays after `d`, counted by hand (not with the code under test).
fn weekdays_after(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if weekday(day) {
            left -= 1;
        }
    }
    day
}

/// 17:00 UTC: noon in New York in winter, 1 pm in summer; inside the
/// test's window and after any follow-up due that day (the intro went at
/// 15:00 UTC, and daylight saving moves local 10:00 by at most an hour).
fn noon(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(17, 0, 0).unwrap())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// (contact, step) of every follow-up in the journal, sorted.
fn follow_ups(m: &Mail) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = m
        .journal()
        .messages()
        .unwrap()
        .into_iter()
        .filter(|x| x.step > 0)
        .map(|x| (x.contact, x.step))
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    list.iter().map(|(c, s)| (c.to_string(), *s)).collect()
}

#[test]
fn five_intros_over_simulated_weeks() {
    let _g = stack::shared();
    let s = Stack::get();
    let m = Mail::new(&s, "scene");
    let cfg = m.ws.read("outreach.yaml");
    m.ws.write(
        "outreach.yaml",
        &format!("{cfg}send_window: {{ hours: \"08:00-18:00\" }}\nlimits: {{ per_day: 50, pause_seconds: 0 }}\n"),
    );
    let (u, c) = (&m.uniq, &s.catchall_domain);

    // Day 0 is the last weekday before today, so that the real bounce
    // Postfix writes now is dated after the intros.
    let mut day0 = Utc::now().date_naive() - Duration::days(1);
    while !weekday(day0) {
        day0 -= Duration::days(1);
    }
    let sent = Utc.from_utc_datetime(&day0.and_hms_opt(15, 0, 0).unwrap());
    let out = m.ok(
        &["send", "intro", "--all", "--yes", "--no-pace"],
        &rfc3339(sent),
    );
    assert_has(&out, "5 sent, 0 failed");

    // Okafor answers in the thread; Núñez from another address, unthreaded;
    // Petrova's out-of-office names her return; Li's address bounces.
    let back = day0 + Duration::days(10);
    let date = |days: i64| (sent + Duration::days(days)).to_rfc2822();
    let replies = [
        (
            format!("okafor.{u}@{c}"),
            mail_on(
                &date(1),
                &format!("okafor.{u}@{c}"),
                &m.user,
                &format!("a.{u}@{c}"),
                &format!("In-Reply-To: <{}>\n", m.message_id("okafor")),
                "Re: A question for Dr. Okafor",
                "Happy to talk.",
            ),
        ),
        (
            format!("maria.{u}@hospital.example.org"),
            mail_on(
                &date(2),
                &format!("maria.{u}@hospital.example.org"),
                &m.user,
                &format!("b.{u}@hospital.example.org"),
                "",
                "your email",
                "Yes, call me.",
            ),
        ),
        (
            format!("petrova.{u}@{c}"),
            mail_on(
                &date(1),
                &format!("petrova.{u}@{c}"),
                &m.user,
                &format!("d.{u}@{c}"),
                "Auto-Submitted: auto-replied\n",
                "Out of Office: A question for Professor Petrova",
                &format!(
                    "I am away and will be back on {}.",
                    back.format("%B %-d, %Y")
                ),
            ),
        ),
    ];
    for (from, raw) in &replies {
        s.deliver(from, &m.user, raw);
    }
    let mut imap = s.login(&m.user, &m.password);
    assert_eq!(
        wait_count(&mut imap, "INBOX", 4, 60),
        4,
        "replies and the bounce arrive"
    );

    // The first run reads them and sends nothing; the next says nothing.
    let t = rfc3339(noon(day0 + Duration::days(3)));
    let out = m.ok(&["run", "--send"], &t);
    assert_has(&out, "Dr. Okafor replied 1 day after your intro");
    assert_has(&out, "Dr. Núñez replied 2 days after your intro");
    assert_has(
        &out,
        format!(
            "Dr. Petrova is away until {} (auto-reply), answering your intro",
            back.format("%-d %B %Y")
        ),
    );
    assert_has(&out, "Your intro to Dr. Li bounced");
    assert!(follow_ups(&m).is_empty());
    assert_eq!(m.ok(&["run", "--send"], &t), "");

    // Müller stays silent: the first follow-up goes on the 7th business
    // day, not the day before; Petrova is still away.
    let t1 = weekdays_after(day0, 7);
    assert_eq!(
        m.ok(&["run", "--send"], &rfc3339(noon(t1 - Duration::days(1)))),
        ""
    );
    let out = m.ok(&["run", "--send"], &rfc3339(noon(t1)));
    assert_has(&out, "1 sent, 0 failed");
    assert_eq!(follow_ups(&m), pairs(&[("mueller", 1)]));
    assert_eq!(m.ok(&["run", "--send"], &rfc3339(noon(t1))), "");

    // Petrova's follow-up waits for 2 business days after her return.
    let td = weekdays_after(back, 2);
    m.ok(&["run", "--send"], &rfc3339(noon(td - Duration::days(1))));
    assert_eq!(follow_ups(&m), pairs(&[("mueller", 1)]));
    m.ok(&["run", "--send"], &rfc3339(noon(td)));
    assert_eq!(follow_ups(&m), pairs(&[("mueller", 1), ("petrova", 1)]));

    // Müller's second comes 14 days after his first; then nothing more.
    let t2 = t1 + Duration::days(14);
    m.ok(&["run", "--send"], &rfc3339(noon(t2)));
    assert!(follow_ups(&m).contains(&("mueller".to_string(), 2)));
    let end = noon(t2 + Duration::days(21));
    m.ok(&["run", "--send"], &rfc3339(end));
    m.ok(&["run", "--send"], &rfc3339(end + Duration::days(30)));
    assert_eq!(
        follow_ups(&m),
        pairs(&[
            ("mueller", 1),
            ("mueller", 2),
            ("petrova", 1),
            ("petrova", 2)
        ])
    );

    // Each follow-up arrived once, in the thread of the intro.
    let mut inbox = s.catchall();
    let j = m.journal();
    for who in ["mueller", "petrova"] {
        let msgs = j.messages_for(who).unwrap();
        let ids: Vec<String> = msgs.iter().map(|x| x.message_id.clone()).collect();
        assert_eq!(copies(&mut inbox, "INBOX", &ids, 30), vec![1; 3], "{who}");
        let uid = inbox.find_message_id("INBOX", &ids[2]).unwrap()[0];
        let raw = inbox.header("INBOX", uid).unwrap();
        let header = text(&raw).replace("\r\n ", " ");
        assert_has(&header, format!("In-Reply-To: <{}>", ids[1]));
        assert_has(&header, format!("References: <{}> <{}>", ids[0], ids[1]));
        let parsed = mail_parser::MessageParser::default()
            .parse_headers(&raw)
            .unwrap();
        assert!(
            parsed
                .subject()
                .unwrap()
                .starts_with("Re: A question for Dr."),
            "{:?}",
            parsed.subject()
        );
    }

    let status: Value = serde_json::from_str(&m.ok(&["status", "--json"], &rfc3339(end))).unwrap();
    let stage = |who: &str| {
        status["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["contact"] == who)
            .unwrap()["stage"]
            .clone()
    };
    assert_eq!(stage("okafor"), "replied");
    assert_eq!(stage("nunez"), "replied");
    assert_eq!(stage("li"), "bounced");
    assert_eq!(stage("petrova"), "no-reply");
    assert_eq!(stage("mueller"), "no-reply");
    assert_eq!(status["summary"]["replied"], 2);
    assert_eq!(status["summary"]["bounced"], 1);
    let table = m.ok(&["status"], &rfc3339(end));
    assert_has(&table, "replied 2 (40%)");
}

#[test]
fn run_files_due_follow_ups_as_drafts_once_and_times_the_next_from_the_real_send() {
    let _g = stack::shared();
    let s = Stack::get();
    let m = Mail::new(&s, "unattended");
    let day0 = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let sent = Utc.from_utc_datetime(&day0.and_hms_opt(15, 0, 0).unwrap());
    m.intro("okafor", &rfc3339(sent));
    // Due on Thu 3 Dec: filed in Drafts, once; nothing is sent.
    let t1 = noon(weekdays_after(day0, 7));
    let out = m.ok(&["run"], &rfc3339(t1));
    assert_has(&out, "okafor: follow-up filed in Drafts");
    assert_eq!(m.ok(&["run"], &rfc3339(t1)), "");
    let mut imap = s.login(&m.user, &m.password);
    assert_eq!(imap.examine("Drafts").unwrap().exists, 1);
    let flags = imap.flags("Drafts", 1).unwrap();
    assert!(flags.iter().any(|f| f.contains("Draft")), "{flags:?}");
    assert_has(&m.ok(&["due"], &rfc3339(t1)), "in your Drafts folder since");
    let status: Value = serde_json::from_str(&m.ok(&["status", "--json"], &rfc3339(t1))).unwrap();
    assert_eq!(status["contacts"][0]["stage"], "waiting");

    // Two days later the user sends the draft from their client: the
    // next run sees it in Sent, and the second follow-up is timed from it.
    let draft = m
        .journal()
        .messages_for("okafor")
        .unwrap()
        .into_iter()
        .find(|x| x.step == 1)
        .unwrap();
    let raw = m.journal().raw(draft.id).unwrap();
    imap.append("Sent", &raw, &[::imap::types::Flag::Seen])
        .unwrap();
    let t_sent = t1 + Duration::days(2);
    let out = m.ok(&["run"], &rfc3339(t_sent));
    assert_has(
        &out,
        "You sent your follow-up draft to Dr. Okafor from your mail client",
    );
    let due: Value = serde_json::from_str(&m.ok(&["due", "--json"], &rfc3339(t_sent))).unwrap();
    let next: DateTime<Utc> = due["items"][0]["due"].as_str().unwrap().parse().unwrap();
    // The draft's Date header is when it was filed (t1): 14 days from it.
    assert_eq!(next, t1 + Duration::days(14));
    assert_eq!(due["items"][0]["action"], "follow-up 2");
}
