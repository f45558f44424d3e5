//! Benchmark of `outreach check` on a big mailbox: the first check of a
//! 100,000-message INBOX (fresh journal), an incremental check after one
//! new message, and peak memory of the first check at 10,000 vs 100,000
//! messages. The reference is a plain IMAP client (Python's imaplib) that
//! logs in and fetches the same header fields of every message in one
//! `UID FETCH 1:*`: what reading the mailbox costs without classifying or
//! recording anything. For the incremental check, the same client reads
//! only the newest message.
//!
//! The mail is generated, the same on every run: mostly mail between
//! people (some of it threads), a quarter mailing lists and newsletters,
//! and a few replies, out-of-office answers and bounces about the intros
//! the workspace's journal knows.
//!
//! The mailboxes (bench100k@ and bench10k@ the test domain) are filled once
//! by writing Maildir files directly, which takes seconds where APPEND
//! would take minutes, and are reused by later runs. Needs the test mail
//! server, and root (the files must belong to the mail user):
//!
//!   eval "$(scripts/mailstack start)" && cargo bench --bench check [-- N] [recent]
//!
//! N is the big mailbox's size (default 100000); the small one holds N/10.
//! With `recent`, only the first check of a recent outreach is timed.

use std::io::Write as _;
use std::os::unix::fs::{chown, fchown, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use outreach::journal::{Journal, NewMessage, State};
use outreach::template::Kind;

/// Test-only password of the benchmark mailboxes (they exist only on the
/// loopback test server).
const PASSWORD: &str = "bench-mailbox-password";
/// Timed runs of the first check and of the reference, per mailbox: the
/// median is reported.
const RUNS: usize = 3;
/// Incremental checks, each after one new message: the median is reported.
const INCREMENTAL_RUNS: usize = 5;
/// The first message's date; later ones follow about ten minutes apart.
const START: i64 = 1_704_186_000; // 2024-01-02 09:00 UTC
/// Exactly the fields `outreach check` fetches (src/imap.rs HEADER_FIELDS).
const FIELDS: &str = outreach::imap::HEADER_FIELDS;

const GOAL_RATIO: f64 = 2.0;
const GOAL_INCREMENTAL: f64 = 0.3;
const GOAL_INCREMENTAL_RATIO: f64 = 1.0;
const GOAL_RECENT_RATIO: f64 = 0.3;
/// "Flat" memory: the big mailbox's first check may use at most this much
/// more than the small one's.
const GOAL_MEMORY_GROWTH: f64 = 1.25;

/// The reference client. Login and EXAMINE included, like `outreach check`.
/// `all` fetches every message; `new` only the newest (the UID before
/// UIDNEXT), the least any incremental reader has to do.
const REFERENCE_PY: &str = r#"import imaplib, ssl, sys
host, port, ca, user, password, fields, which = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
m.login(user, password)
typ, _ = m.select('INBOX', readonly=True)
assert typ == 'OK', typ
if which == 'all':
    uids = '1:*'
else:
    uids = '%d:*' % (int(m.response('UIDNEXT')[1][0]) - 1)
typ, data = m.uid('FETCH', uids, '(UID BODY.PEEK[HEADER.FIELDS (%s)])' % fields)
assert typ == 'OK', typ
print(sum(1 for d in data if isinstance(d, tuple)))
m.logout()
"#;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: start the test mail server first:\n  eval \"$(scripts/mailstack start)\"");
        std::process::exit(2)
    })
}

struct Stack {
    script: String,
    host: String,
    imaps: String,
    ca: String,
    domain: String,
}

impl Stack {
    fn get() -> Stack {
        Stack {
            script: var("MAILSTACK_SCRIPT"),
            host: var("MAILSTACK_HOST"),
            imaps: var("MAILSTACK_IMAPS_PORT"),
            ca: var("MAILSTACK_CA"),
            domain: var("MAILSTACK_DOMAIN"),
        }
    }

    /// Runs doveadm against the stack's Dovecot; returns its stdout.
    fn doveadm(&self, args: &[&str], input: Option<&[u8]>) -> String {
        let mut cmd = Command::new(&self.script);
        cmd.arg("doveadm").args(args);
        let out = match input {
            None => cmd.output().unwrap(),
            Some(bytes) => {
                let mut child = cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                child.stdin.take().unwrap().write_all(bytes).unwrap();
                child.wait_with_output().unwrap()
            }
        };
        assert!(
            out.status.success(),
            "doveadm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn count(&self, user: &str) -> usize {
        self.doveadm(
            &["mailbox", "status", "-u", user, "messages", "INBOX"],
            None,
        )
        .trim()
        .rsplit("messages=")
        .next()
        .and_then(|n| n.parse().ok())
        .expect("doveadm mailbox status prints INBOX messages=N")
    }
}

/// A benchmark mailbox holding `n` generated messages.
struct Mailbox {
    user: String,
    n: usize,
}

impl Mailbox {
    /// The mailbox for `n` messages, filled unless an earlier run did.
    fn ensure(stack: &Stack, n: usize) -> Mailbox {
        let local = if n.is_multiple_of(1000) {
            format!("bench{}k", n / 1000)
        } else {
            format!("bench{n}")
        };
        let user = format!("{local}@{}", stack.domain);
        let ok = Command::new(&stack.script)
            .args(["adduser", &user, PASSWORD])
            .status()
            .unwrap();
        assert!(ok.success(), "adduser {user} failed");
        let have = stack.count(&user);
        if have > n {
            // Messages an interrupted incremental phase left behind.
            let extra = format!("{}:*", n + 1);
            stack.doveadm(&["expunge", "-u", &user, "mailbox", "INBOX", &extra], None);
        }
        if have < n {
            let t = Instant::now();
            fill(stack, &user, n);
            eprintln!(
                "filled {user} with {n} messages in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        assert_eq!(stack.count(&user), n, "{user} does not hold {n} messages");
        Mailbox { user, n }
    }

    /// Drops the messages the incremental phase added, so the next run
    /// finds the mailbox as this one did.
    fn restore(&self, stack: &Stack) {
        let extra = format!("{}:*", self.n + 1);
        stack.doveadm(
            &["expunge", "-u", &self.user, "mailbox", "INBOX", &extra],
            None,
        );
    }
}

/// Writes `n` messages straight into the user's Maildir INBOX, then has
/// Dovecot index them.
fn fill(stack: &Stack, user: &str, n: usize) {
    let field = |f: &str| {
        stack
            .doveadm(&["user", "-f", f, user], None)
            .trim()
            .to_string()
    };
    let home = field("home");
    let uid: u32 = field("uid").parse().unwrap();
    let gid: u32 = field("gid").parse().unwrap();
    let location = field("mail");
    let path = location
        .strip_prefix("maildir:")
        .unwrap_or_else(|| panic!("{user}: not a Maildir ({location})"));
    // Options such as :LAYOUT=fs follow the path.
    let path = path.split(':').next().unwrap();
    let maildir = PathBuf::from(path.replacen('~', &home, 1));

    // Start from nothing: a fill cut short leaves files Dovecot never
    // indexed, which would mix with the new ones. Subfolders (.Sent, ...)
    // and the UIDVALIDITY counter stay.
    for sub in ["cur", "new", "tmp"] {
        let dir = maildir.join(sub);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        chown(&dir, Some(uid), Some(gid)).unwrap();
    }
    for entry in std::fs::read_dir(&maildir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "dovecot-uidlist" || name.starts_with("dovecot.index") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }

    let cur = maildir.join("cur");
    for i in 0..n {
        let (at, text) = message(i, user);
        let lines = text.bytes().filter(|b| *b == b'\n').count();
        // S= and W= (size with CRLF) spare Dovecot a stat and a read per
        // message; old mail is read (S), the last hundred are not.
        let flags = if i + 100 < n { "S" } else { "" };
        let name = format!(
            "{at}.M{i}P{}.bench,S={},W={}:2,{flags}",
            std::process::id(),
            text.len(),
            text.len() + lines
        );
        // Mode and owner as Dovecot's own deliveries have them.
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(cur.join(name))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
        // Maildir takes INTERNALDATE from the mtime.
        file.set_modified(UNIX_EPOCH + Duration::from_secs(at as u64))
            .unwrap();
        fchown(&file, Some(uid), Some(gid)).unwrap();
    }
    stack.doveadm(&["force-resync", "-u", user, "INBOX"], None);
}

// --- generated mail ------------------------------------------------------------

/// SplitMix64: a tiny deterministic generator, so a mailbox filled again
/// holds the same messages.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x2545_F491_4F6C_DD1D)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const FIRST: &[&str] = &[
    "James", "Mary", "Wei", "Fatima", "Olusegun", "Ingrid", "Rahul", "Sofia", "Kenji", "Amara",
    "Lucas", "Chloé", "Mateo", "Aisha", "Dmitri", "Hannah", "Tomás", "Priya", "Jonas", "Zeynep",
    "Kwame", "Elif", "Noah", "Saanvi", "Björn", "Grace", "Ahmed", "Marta", "Liam", "Yuki",
];
const LAST: &[&str] = &[
    "Smith",
    "Chen",
    "Okafor",
    "Müller",
    "Garcia",
    "Nakamura",
    "Patel",
    "Kowalski",
    "Haddad",
    "Johansson",
    "Silva",
    "Nguyen",
    "Brown",
    "Mensah",
    "Rossi",
    "Ivanova",
    "O'Brien",
    "Kim",
    "Dubois",
    "Andersen",
    "Yilmaz",
    "Mbeki",
    "Costa",
    "Schmidt",
    "Lopez",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "uni-heidelberg.de",
    "stanford.edu",
    "ox.ac.uk",
    "example-hospital.org",
    "fastmail.fm",
    "acme-labs.io",
    "who.int",
    "kcl.ac.uk",
    "u-tokyo.ac.jp",
    "charite.de",
    "nhs.net",
    "mcgill.ca",
    "uct.ac.za",
    "usp.br",
    "protonmail.com",
    "yahoo.co.uk",
];
const LISTS: &[(&str, &str, &str)] = &[
    (
        "Nature Briefing",
        "briefing@nature.com",
        "nature-briefing.nature.com",
    ),
    ("The BMJ Weekly", "news@bmj.com", "weekly.bmj.com"),
    (
        "GitHub",
        "notifications@github.com",
        "outreach.example.github.com",
    ),
    (
        "Medscape",
        "news@medscape.net",
        "medscape-daily.medscape.net",
    ),
    ("R-help", "r-help@r-project.org", "r-help.r-project.org"),
    (
        "Conference Office",
        "office@ehma2025.eu",
        "announce.ehma2025.eu",
    ),
    (
        "Lab Supplies Co.",
        "offers@labsupplies.example",
        "offers.labsupplies.example",
    ),
];
const TOPICS: &[&str] = &[
    "grant report",
    "draft manuscript",
    "meeting notes",
    "ethics approval",
    "budget for next year",
    "conference travel",
    "patient survey results",
    "clinic schedule",
    "data sharing agreement",
    "seminar on Thursday",
    "reviewer comments",
    "lab safety training",
    "summer school",
    "invoice 2024-113",
    "recruitment numbers",
    "the new protocol",
];
const WORDS: &[&str] = &[
    "the",
    "study",
    "we",
    "patients",
    "results",
    "and",
    "to",
    "of",
    "clinic",
    "data",
    "in",
    "for",
    "please",
    "next",
    "week",
    "would",
    "could",
    "review",
    "team",
    "meeting",
    "a",
    "our",
    "report",
    "thanks",
    "attached",
    "draft",
    "is",
    "on",
    "with",
    "as",
    "discussed",
    "funding",
    "sample",
    "analysis",
    "I",
    "think",
    "that",
    "should",
    "be",
    "ready",
    "by",
    "Friday",
    "let",
    "me",
    "know",
    "if",
    "you",
    "have",
    "any",
    "questions",
    "about",
    "it",
];
/// The workspace's contacts: (id, name, address host). Their replies,
/// auto-replies and bounces of our intros are sprinkled in the mailbox.
const CONTACTS: &[(&str, &str, &str)] = &[
    ("okafor", "Chidi Okafor", "lagos-teaching.example.org"),
    ("nunez", "María Núñez", "hospital-central.example.org"),
    ("petrova", "Elena Petrova", "sofia-med.example.org"),
    ("li", "Li Ming", "pku-health.example.org"),
    ("mueller", "Hans Müller", "klinikum-nord.example.org"),
    ("tanaka", "Aiko Tanaka", "kyoto-clinic.example.org"),
    ("mensah", "Ama Mensah", "korle-bu.example.org"),
    ("haddad", "Karim Haddad", "aub-mc.example.org"),
    ("silva", "Beatriz Silva", "hc-saopaulo.example.org"),
    ("novak", "Petr Novák", "fnmotol.example.org"),
    ("osei", "Kofi Osei", "kath.example.org"),
    ("larsen", "Mette Larsen", "rigshospitalet.example.org"),
    ("rao", "Anjali Rao", "aiims.example.org"),
    ("walsh", "Siobhan Walsh", "stjames.example.org"),
    ("kim", "Min-jun Kim", "snuh.example.org"),
    ("dubois", "Claire Dubois", "aphp.example.org"),
    ("ortiz", "Diego Ortiz", "hospital-italiano.example.org"),
    ("bakr", "Nadia Bakr", "kasralainy.example.org"),
    ("jensen", "Erik Jensen", "ous.example.org"),
    ("moreau", "Julien Moreau", "chu-lyon.example.org"),
];

fn contact_address(k: usize) -> String {
    let (id, _, host) = CONTACTS[k];
    format!("{id}@{host}")
}

/// The Message-ID of our intro to contact `k`, as the journal records it.
fn intro_id(k: usize) -> String {
    format!("intro-{k}.bench@outreach.test")
}

/// The Message-ID of generated message `i` (without angle brackets).
fn message_id(i: usize) -> String {
    let h = Rng::new(i as u64 ^ 0xABCD).next();
    let host = [
        "mail.gmail.com",
        "eu.outlook.com",
        "mx.example.net",
        "smtp.uni.edu",
    ][h as usize % 4];
    format!("{h:016x}.{i}@{host}")
}

/// An RFC 2047 encoded word for non-ASCII text, as mail programs write it.
fn encoded(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("=?utf-8?b?");
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[(v >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push_str("?=");
    out
}

/// Prose of about `bytes` bytes in lines of at most 72 characters.
fn prose(rng: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 80);
    let mut line = 0;
    let mut sentence_start = true;
    while out.len() < bytes {
        let mut w = rng.pick(WORDS).to_string();
        if sentence_start {
            w[..1].make_ascii_uppercase();
        }
        sentence_start = rng.below(12) == 0;
        if line + w.len() + 2 > 72 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(&w);
        line += w.len();
        if sentence_start {
            out.push('.');
            line += 1;
            if rng.below(5) == 0 {
                out.push_str("\n\n");
                line = 0;
            }
        }
    }
    out.push('\n');
    out
}

fn rfc2822(at: i64) -> String {
    DateTime::<Utc>::from_timestamp(at, 0).unwrap().to_rfc2822()
}

/// Message `i` of a benchmark mailbox for `user`: its time and its text.
///
/// Mostly mail between people (a third of it replies in threads), a
/// quarter mailing lists and newsletters, and about one in 2,000 each a
/// contact's reply to our intro, an out-of-office answer, a bounce.
fn message(i: usize, user: &str) -> (i64, String) {
    let mut rng = Rng::new(i as u64);
    let at = START + i as i64 * 600 + rng.below(500) as i64;
    let date = rfc2822(at);
    let kind = rng.below(10_000);
    let person = rng.below(3000);
    let first = FIRST[person % FIRST.len()];
    let last = LAST[(person / FIRST.len()) % LAST.len()];
    let host = DOMAINS[(person * 7) % DOMAINS.len()];
    let mut from_name = format!("{first} {last}");
    let mut from = format!(
        "{}.{}@{host}",
        first.to_lowercase(),
        last.to_lowercase().replace('\'', "")
    )
    .replace(|c: char| !c.is_ascii(), "");
    let mut subject = format!(
        "{} {}",
        rng.pick(&["Re:", "About the", "Fwd:", "Question on the", ""]),
        rng.pick(TOPICS)
    )
    .trim()
    .to_string();
    let mut extra = String::new();
    let mut content_type = "text/plain; charset=utf-8".to_string();
    let body;
    let size = if rng.below(5) == 0 {
        2000 + rng.below(4000)
    } else {
        200 + rng.below(1800)
    };
    let k = rng.below(CONTACTS.len());
    match kind {
        0..20 => {
            let (_, name, _) = CONTACTS[k];
            from_name = format!("Dr. {name}");
            from = contact_address(k);
            subject = format!(
                "Re: A question for Dr. {}",
                name.rsplit(' ').next().unwrap()
            );
            extra = format!("In-Reply-To: <{0}>\nReferences: <{0}>\n", intro_id(k));
            body = format!(
                "Dear Amina,\n\nThank you for reaching out. I would be glad to talk; \
                 Tuesday afternoon works for me.\n\nBest regards,\n{name}\n\n> Dear Dr.,\n> Would you have 15 minutes for a short call?\n"
            );
        }
        20..25 => {
            let (_, name, _) = CONTACTS[k];
            from_name = name.to_string();
            from = contact_address(k);
            subject = "Automatic reply: A question for you".to_string();
            extra = format!(
                "In-Reply-To: <{0}>\nReferences: <{0}>\nAuto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n",
                intro_id(k)
            );
            body = "I am out of the office until 12 January 2026 with limited access to email.\nFor urgent matters please contact the clinic office.\n".to_string();
        }
        25..30 => {
            from_name = "Mail Delivery System".to_string();
            from = "MAILER-DAEMON@mail.outreach.test".to_string();
            subject = "Undelivered Mail Returned to Sender".to_string();
            content_type =
                "multipart/report; report-type=delivery-status;\n\tboundary=\"bounce-boundary\""
                    .to_string();
            extra = "Auto-Submitted: auto-replied\n".to_string();
            let to = contact_address(k);
            body = format!(
                "This is a MIME-encapsulated message.\n\n--bounce-boundary\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n\
                 This is the mail system at host mail.outreach.test.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n\
                 <{to}>: host mx.{h} said: 550 5.1.1 User unknown\n\n\
                 --bounce-boundary\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n\
                 Reporting-MTA: dns; mail.outreach.test\nArrival-Date: {date}\n\nFinal-Recipient: rfc822; {to}\nOriginal-Recipient: rfc822;{to}\nAction: failed\nStatus: 5.1.1\n\
                 Remote-MTA: dns; mx.{h}\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n\
                 --bounce-boundary\nContent-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n\
                 From: Amina Yusuf <{user}>\nTo: {to}\nSubject: A question\nMessage-ID: <{id}>\nDate: {date}\n\n--bounce-boundary--\n",
                h = CONTACTS[k].2,
                id = intro_id(k),
            );
        }
        30..2500 => {
            let (name, address, list_id) = LISTS[person % LISTS.len()];
            from_name = name.to_string();
            from = address.to_string();
            subject = format!("{name}: {} and more", rng.pick(TOPICS));
            extra = format!(
                "List-ID: {name} <{list_id}>\nList-Unsubscribe: <https://{list_id}/unsubscribe?u={i:x}>\nPrecedence: {}\n",
                if person.is_multiple_of(2) { "bulk" } else { "list" }
            );
            content_type = "multipart/alternative; boundary=\"alt-boundary\"".to_string();
            let text = prose(&mut rng, size / 2);
            body = format!(
                "--alt-boundary\nContent-Type: text/plain; charset=utf-8\n\n{text}\n--alt-boundary\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>{}</p></body></html>\n--alt-boundary--\n",
                text.replace("\n\n", "</p><p>")
            );
        }
        2500..4000 if i > 0 => {
            let parent = i - 1 - rng.below(i.min(500));
            let grand = parent.saturating_sub(1 + rng.below(50));
            subject = format!("Re: {}", rng.pick(TOPICS));
            extra = format!(
                "In-Reply-To: <{p}>\nReferences: <{g}> <{p}>\n",
                p = message_id(parent),
                g = message_id(grand)
            );
            body = format!(
                "{}\nOn an earlier day, someone wrote:\n> {}",
                prose(&mut rng, size),
                prose(&mut rng, 120).replace('\n', "\n> ")
            );
        }
        _ => {
            body = prose(&mut rng, size);
            if rng.below(5) == 0 {
                let p = rng.below(3000);
                extra = format!(
                    "Cc: {} <{}.{}@{}>\n",
                    FIRST[p % FIRST.len()],
                    p,
                    rng.below(100),
                    DOMAINS[p % DOMAINS.len()]
                );
            }
        }
    }
    let dkim = if rng.below(10) < 4 {
        let sig: String = (0..3)
            .map(|_| format!("{:016x}{:016x}", rng.next(), rng.next()))
            .collect();
        format!(
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={host}; s=s1;\n\th=from:to:subject:date:message-id; bh={:016x}=;\n\tb={sig}\n",
            rng.next()
        )
    } else {
        String::new()
    };
    let relay = rng.below(250) + 1;
    let text = format!(
        "Return-Path: <{from}>\nDelivered-To: {user}\n\
         Received: from mx{relay}.{host} (mx{relay}.{host} [198.51.100.{relay}])\n\tby mail.outreach.test (Postfix) with ESMTPS id {queue:X}\n\tfor <{user}>; {date}\n\
         Received: by mx{relay}.{host} with SMTP id {queue2:x}; {date}\n\
         {dkim}From: {} <{from}>\nTo: Amina Yusuf <{user}>\nSubject: {}\nDate: {date}\nMessage-ID: <{}>\n{extra}\
         MIME-Version: 1.0\nContent-Type: {content_type}\nContent-Transfer-Encoding: 8bit\n\n{body}",
        encoded(&from_name),
        encoded(&subject),
        message_id(i),
        queue = rng.next() & 0xFF_FFFF_FFFF,
        queue2 = rng.next(),
    );
    (at, text)
}

// --- workspace and runs --------------------------------------------------------

/// A workspace whose imap account is `user`'s, with the contacts and a
/// journal that knows our intro to each of them (so their replies count).
/// A workspace reading `user`'s mailbox, whose journal holds intros sent
/// at `sent_at`.
fn workspace(stack: &Stack, user: &str, sent_at: DateTime<Utc>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("outreach.yaml"),
        format!(
            "me:\n  name: Amina Yusuf\n  email: {user}\nimap:\n  host: {}\n  port: {}\n  security: tls\n  username: {user}\n  ca_file: {}\n  timeout_seconds: 60\n",
            stack.host, stack.imaps, stack.ca
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/intro.hbs"),
        "---\nsubject: \"A question for {{salutation}}\"\n---\nDear {{salutation}},\n\nWould you have 15 minutes for a short call?\n\nAmina\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("contacts")).unwrap();
    let mut list = String::new();
    for (k, (id, name, _)) in CONTACTS.iter().enumerate() {
        list.push_str(&format!(
            "- id: {id}\n  name: {name}\n  title: Dr.\n  email: {}\n",
            contact_address(k)
        ));
    }
    std::fs::write(root.join("contacts/all.yaml"), list).unwrap();

    let addresses: Vec<String> = (0..CONTACTS.len()).map(contact_address).collect();
    let items: Vec<NewMessage> = CONTACTS
        .iter()
        .zip(&addresses)
        .map(|((id, _, _), to)| NewMessage {
            contact: id,
            template: "intro",
            kind: Kind::FirstContact,
            step: 0,
            thread: None,
            once_key: None,
            recipient: to,
            transport: "smtp",
            not_before: None,
        })
        .collect();
    let mut journal = Journal::open(&root.join(".outreach")).unwrap();
    let ids = journal
        .queue_all(&items, sent_at, |k, _| {
            Ok((
                intro_id(k),
                "A question".to_string(),
                b"Subject: A question\r\n\r\nHello\r\n".to_vec(),
            ))
        })
        .unwrap();
    for id in ids {
        assert!(journal.start_sending(id, sent_at).unwrap());
        journal
            .finish(id, State::Sent, Some("250 2.0.0 Ok"), sent_at)
            .unwrap();
    }
    dir
}

struct Measured {
    secs: f64,
    /// The child's peak resident memory (VmHWM), KiB.
    peak_kib: u64,
    out: Output,
}

/// Runs `cmd` to the end: wall time, and peak memory sampled from
/// /proc every 2 ms (std can't wait4; VmHWM only grows, so sampling
/// misses at most a peak reached in the last 2 ms).
fn measure(mut cmd: Command) -> Measured {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                if let Some(k) = vm_hwm(pid) {
                    peak = peak.max(k);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    };
    let out = child.wait_with_output().unwrap();
    let secs = t.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let peak_kib = poller.join().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Measured {
        secs,
        peak_kib,
        out,
    }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `outreach check` in `root`; asserts it read `expect` new messages.
/// When the intros went out: a day before message `i` of the mailbox.
fn outreach_began(i: usize) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(START + i as i64 * 600 - 86_400, 0).unwrap()
}

/// About how many messages a first check reads when outreach began a day
/// before message `i`: from the first dated within the default lookback
/// (30 days: the workspace has no check-in cadences; mail ten minutes
/// apart, 144 a day) to the end.
fn expected_read(i: usize, n: usize) -> usize {
    n - i.saturating_sub(31 * 144)
}

/// A first or later check of `root`'s workspace, asserting it read
/// `expect` messages (within `slack`).
fn check(root: &Path, user: &str, expect: usize) -> Measured {
    check_about(root, user, expect, 0)
}

fn check_about(root: &Path, user: &str, expect: usize, slack: usize) -> Measured {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outreach"));
    cmd.arg("check")
        .current_dir(root)
        .env("OUTREACH_IMAP_PASSWORD", PASSWORD)
        .env_remove("OUTREACH_NOW")
        .env_remove("OUTREACH_SMTP_PASSWORD");
    let m = measure(cmd);
    let stdout = String::from_utf8_lossy(&m.out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    // "nothing new (N new message(s) read in ...)" or
    // "F new finding(s) from N new message(s)".
    let read: usize = last
        .split(" new message(s)")
        .next()
        .and_then(|s| s.rsplit(['(', ' ']).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{user}: unexpected check output: {last}"));
    assert!(
        read.abs_diff(expect) <= slack,
        "{user}: read {read}, expected {expect}: {last}"
    );
    m
}

/// The reference client on `mb`, reading all messages or only the newest;
/// asserts it saw as many as expected.
fn reference(stack: &Stack, script: &Path, mb: &Mailbox, all: bool) -> Measured {
    let mut cmd = Command::new(python());
    cmd.arg(script).args([
        stack.host.as_str(),
        &stack.imaps,
        &stack.ca,
        &mb.user,
        PASSWORD,
        FIELDS,
        if all { "all" } else { "new" },
    ]);
    let m = measure(cmd);
    let n: usize = String::from_utf8_lossy(&m.out.stdout)
        .trim()
        .parse()
        .unwrap();
    let expect = if all { mb.n } else { 1 };
    assert_eq!(n, expect, "the reference fetched {n} of {expect}");
    m
}

/// The real interpreter behind `python3`: the pyenv shim on PATH adds
/// about 0.13 s to every start, which would flatter outreach.
fn python() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// One new message in `mb`'s INBOX, as a delivery would add it: every
/// other one a contact's reply, so the incremental check records an event.
fn deliver_one(stack: &Stack, mb: &Mailbox, round: usize) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let id = format!("new-{now}-{round}.bench@example.net");
    let (from, extra) = if round.is_multiple_of(2) {
        (
            format!("Chidi Okafor <{}>", contact_address(0)),
            format!("In-Reply-To: <{}>\n", intro_id(0)),
        )
    } else {
        ("Wei Chen <wei.chen@gmail.com>".to_string(), String::new())
    };
    let raw = format!(
        "From: {from}\nTo: {}\nSubject: Re: A question for Dr. Okafor\nDate: {}\nMessage-ID: <{id}>\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHappy to talk next week.\n",
        mb.user,
        rfc2822(now as i64)
    );
    stack.doveadm(
        &["save", "-u", &mb.user, "-m", "INBOX"],
        Some(raw.as_bytes()),
    );
}

struct Row {
    n: usize,
    first: f64,
    reference: f64,
    peak_kib: u64,
}

/// First checks of outreach that began recently, a week before the newest
/// message of `mb` (RUNS of them, one in `recent` mode): how many each
/// read, and their seconds. The check reads only the lookback before it.
fn recent_check(stack: &Stack, mb: &Mailbox) -> (usize, Vec<f64>) {
    let recent_at = mb.n.saturating_sub(7 * 144);
    let read = expected_read(recent_at, mb.n);
    let runs = if std::env::args().any(|a| a == "recent") {
        1
    } else {
        RUNS
    };
    let secs = (0..runs)
        .map(|_| {
            let ws = workspace(stack, &mb.user, outreach_began(recent_at));
            // Within a day's mail: where the lookback's first day starts
            // depends on the Date headers' zones.
            check_about(ws.path(), &mb.user, read, 200).secs
        })
        .collect();
    (read, secs)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let stack = Stack::get();
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("reference.py");
    std::fs::write(&script, REFERENCE_PY).unwrap();

    if std::env::args().any(|a| a == "recent") {
        // Only the first check of a recent outreach, alternated with the
        // full reference.
        let big = Mailbox::ensure(&stack, n);
        reference(&stack, &script, &big, true);
        let (mut recent, mut refs) = (Vec::new(), Vec::new());
        let mut read = 0;
        for _ in 0..RUNS {
            refs.push(reference(&stack, &script, &big, true).secs);
            let (r, secs) = recent_check(&stack, &big);
            read = r;
            recent.extend(secs);
        }
        eprintln!("first checks {recent:?} s, reference {refs:?} s");
        let (recent, reference) = (median(recent), median(refs));
        println!(
            "first check at {} when outreach began a week before the newest message ({read} read): {recent:.2} s; reference {reference:.2} s: {:.2}x (goal {GOAL_RECENT_RATIO}x)",
            big.n,
            recent / reference
        );
        return;
    }
    let small = Mailbox::ensure(&stack, n / 10);
    let big = Mailbox::ensure(&stack, n);

    let mut rows = Vec::new();
    let mut last_ws = None;
    for mb in [&small, &big] {
        // Untimed: brings the messages into the page cache and Dovecot's
        // index and cache files up to date, so both clients meet a warm
        // server.
        reference(&stack, &script, mb, true);
        let mut firsts = Vec::new();
        let mut refs = Vec::new();
        let mut peak = 0;
        // Alternated, so a slow moment of the machine hits both alike.
        for _ in 0..RUNS {
            refs.push(reference(&stack, &script, mb, true).secs);
            let ws = workspace(&stack, &mb.user, outreach_began(0));
            let m = check(ws.path(), &mb.user, mb.n);
            let stdout = String::from_utf8_lossy(&m.out.stdout);
            eprintln!("{}: {}", mb.user, stdout.lines().last().unwrap_or_default());
            firsts.push(m.secs);
            peak = peak.max(m.peak_kib);
            last_ws = Some(ws);
        }
        eprintln!(
            "{}: first check {:?} s, reference {:?} s",
            mb.user, firsts, refs
        );
        rows.push(Row {
            n: mb.n,
            first: median(firsts),
            reference: median(refs),
            peak_kib: peak,
        });
    }

    let (recent_read, recent) = recent_check(&stack, &big);
    eprintln!("first checks, outreach begun a week ago: {recent:?} s");
    let recent = median(recent);

    // The last workspace has read the big mailbox: each check from here on
    // reads what arrived since, with a login of its own.
    let ws = last_ws.unwrap();
    // The reference reads the same new message: with a big Maildir most of
    // an incremental check is the server's (Dovecot rescans cur/ once new
    // mail has come), and this shows how much.
    let mut incremental = Vec::new();
    let mut incremental_ref = Vec::new();
    for round in 0..INCREMENTAL_RUNS {
        deliver_one(&stack, &big, round);
        incremental.push(check(ws.path(), &big.user, 1).secs);
        incremental_ref.push(reference(&stack, &script, &big, false).secs);
    }
    eprintln!("incremental checks: {incremental:?} s, reference {incremental_ref:?} s");
    big.restore(&stack);
    let incremental = median(incremental);
    let incremental_ref = median(incremental_ref);

    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("outreach check on a warm local Dovecot, median of {RUNS} runs (login included)");
    println!(
        "{:>9}  {:>12}  {:>12}  {:>7}  {:>12}",
        "messages", "first check", "reference", "ratio", "max RSS"
    );
    for r in &rows {
        println!(
            "{:>9}  {:>10.2} s  {:>10.2} s  {:>6.2}x  {:>8.1} MiB",
            r.n,
            r.first,
            r.reference,
            r.first / r.reference,
            mib(r.peak_kib)
        );
    }
    println!(
        "incremental check after 1 new message at {}, median of {INCREMENTAL_RUNS}: {incremental:.3} s (reference reading only that message: {incremental_ref:.3} s)",
        big.n
    );
    println!(
        "first check at {} when outreach began a week before the newest message ({recent_read} read): {recent:.2} s, {:.2}x the reference",
        big.n,
        recent / rows[1].reference
    );
    let verdict = |ok: bool| if ok { "met" } else { "not met" };
    let (s, b) = (&rows[0], &rows[1]);
    let ratio = b.first / b.reference;
    println!("goals:");
    println!(
        "  first check at {} messages <= {GOAL_RATIO}x the reference: {ratio:.2}x, {}",
        b.n,
        verdict(ratio <= GOAL_RATIO)
    );
    println!(
        "  incremental check < {GOAL_INCREMENTAL} s: {incremental:.3} s, {}",
        verdict(incremental < GOAL_INCREMENTAL)
    );
    println!(
        "  incremental check <= {GOAL_INCREMENTAL_RATIO}x the reference reading only that message: {:.2}x, {}",
        incremental / incremental_ref,
        verdict(incremental <= GOAL_INCREMENTAL_RATIO * incremental_ref)
    );
    println!(
        "  first check of a recent outreach <= {GOAL_RECENT_RATIO}x the full reference: {:.2}x, {}",
        recent / b.reference,
        verdict(recent <= GOAL_RECENT_RATIO * b.reference)
    );
    println!(
        "  flat memory ({} messages <= {GOAL_MEMORY_GROWTH}x {}): {:.1} MiB vs {:.1} MiB, {}",
        b.n,
        s.n,
        mib(b.peak_kib),
        mib(s.peak_kib),
        verdict(b.peak_kib as f64 <= GOAL_MEMORY_GROWTH * s.peak_kib as f64)
    );
}
