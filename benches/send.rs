//! Benchmark of `outreach send`: 1,000 personalized messages to the local
//! Postfix over STARTTLS + AUTH, pacing off, journal on, without and with
//! an imap account (a copy of each filed in Sent); with Postfix's own
//! `smtp-source` (one connection, plain SMTP: it speaks neither TLS nor
//! AUTH) and a Python mail-merge that opens a STARTTLS + AUTH connection
//! per message as references. Every recipient is in the stack's discard
//! domain: Postfix takes and queues each message, then drops it, so what
//! is measured is submission, not Dovecot storing the previous run's
//! thousands of messages on the same two cores; each run starts with
//! Postfix's queue empty. The Sent copies are real, in Dovecot. With
//! `deliver`, every message is delivered to Dovecot instead (the catch-all
//! mailbox), as it goes. Needs the test mail server:
//!
//!   eval "$(scripts/mailstack start)" && cargo bench --bench send [-- N] [deliver]

use std::process::Command;
use std::time::Instant;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: start the test mail server first:\n  eval \"$(scripts/mailstack start)\"");
        std::process::exit(2)
    })
}

/// The real interpreter behind `python3` (a pyenv shim adds ~0.13 s a
/// start, which would flatter nobody fairly).
fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

struct Bench {
    script: String,
    host: String,
    submission: String,
    imaps: String,
    ca: String,
    /// Where the recipients are: the discard domain, or the catch-all.
    target: String,
    domain: String,
}

impl Bench {
    fn adduser(&self, tag: &str) -> String {
        let user = format!("bench-{tag}-{}@{}", std::process::id(), self.domain);
        let ok = Command::new(&self.script)
            .args(["adduser", &user, PASSWORD])
            .status()
            .unwrap();
        assert!(ok.success(), "adduser failed");
        user
    }

    fn doveadm(&self, args: &[&str]) {
        let ok = Command::new(&self.script)
            .arg("doveadm")
            .args(args)
            .status()
            .unwrap();
        assert!(ok.success(), "doveadm {args:?}");
    }

    /// Waits (up to a minute) for Postfix's queue to be empty, so that no
    /// run pays for the delivery of the one before.
    fn quiet(&self) {
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let out = Command::new("postqueue")
                .arg("-p")
                .output()
                .expect("postqueue");
            if String::from_utf8_lossy(&out.stdout).contains("Mail queue is empty") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Postfix's queue did not empty within a minute"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// One `outreach send` of `n` messages as a fresh user; with
    /// `copies`, an imap account too, so each gets a Sent copy. Returns
    /// the seconds it took and the user.
    fn send(&self, n: usize, tag: &str, copies: bool) -> (f64, String) {
        let user = self.adduser(tag);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut config = format!(
            "me:\n  name: Amina Yusuf\n  email: {user}\nsmtp:\n  host: {h}\n  port: {sub}\n  security: starttls\n  username: {user}\n  ca_file: {ca}\n",
            h = self.host,
            sub = self.submission,
            ca = self.ca
        );
        if copies {
            config.push_str(&format!(
                "imap:\n  host: {h}\n  port: {imaps}\n  security: tls\n  username: {user}\n  ca_file: {ca}\n",
                h = self.host,
                imaps = self.imaps,
                ca = self.ca
            ));
        }
        std::fs::write(root.join("outreach.yaml"), config).unwrap();
        std::fs::create_dir_all(root.join("templates")).unwrap();
        std::fs::write(
            root.join("templates/bench.hbs"),
            "---\nsubject: \"A question about {{institution}}\"\n---\nDear {{salutation}},\n\nI came across your work through {{vars.found_via}}, and I especially admire {{vars.admire}}. Would you have 15 minutes for a short call?\n\nThank you for your time.\n\nAmina Yusuf\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("contacts")).unwrap();
        let mut list = String::new();
        for i in 0..n {
            list.push_str(&format!(
                "- id: c{i:05}\n  name: Ngozi Okonkwo-Adeyemi {i}\n  title: Dr.\n  email: bench{}.{tag}.{i}@{}\n  institution: Example Hospital {i}\n  vars:\n    found_via: your paper number {i}\n    admire: how your clinic reached patients who could not travel\n",
                std::process::id(),
                self.target
            ));
        }
        std::fs::write(root.join("contacts/all.yaml"), list).unwrap();
        self.quiet();
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
            .args(["send", "bench", "--all", "--yes", "--now", "--no-pace"])
            .current_dir(root)
            .env("OUTREACH_SMTP_PASSWORD", PASSWORD)
            .env("OUTREACH_IMAP_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        let last = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        assert!(last.starts_with(&format!("{n} sent")), "{last}");
        (secs, user)
    }
}

const PASSWORD: &str = "bench-password";
const ROUNDS: usize = 3;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let deliver = std::env::args().any(|a| a == "deliver");
    let b = Bench {
        script: var("MAILSTACK_SCRIPT"),
        host: var("MAILSTACK_HOST"),
        submission: var("MAILSTACK_SUBMISSION_PORT"),
        imaps: var("MAILSTACK_IMAPS_PORT"),
        ca: var("MAILSTACK_CA"),
        target: var(if deliver {
            "MAILSTACK_CATCHALL_DOMAIN"
        } else {
            "MAILSTACK_DISCARD_DOMAIN"
        }),
        domain: var("MAILSTACK_DOMAIN"),
    };
    let plain = var("MAILSTACK_SMTP_PORT");
    let sender = b.adduser("src");

    let (mut plain_runs, mut copy_runs, mut refs) = (Vec::new(), Vec::new(), Vec::new());
    let mut users = vec![sender.clone()];
    for round in 0..ROUNDS {
        let (t, u) = b.send(n, &format!("p{round}"), false);
        plain_runs.push(t);
        users.push(u);
        let (t, u) = b.send(n, &format!("c{round}"), true);
        copy_runs.push(t);
        users.push(u.clone());
        // Every message got its copy in Sent.
        let status = Command::new(&b.script)
            .args(["doveadm", "mailbox", "status", "-u", &u, "messages", "Sent"])
            .output()
            .unwrap();
        let copies = String::from_utf8_lossy(&status.stdout);
        assert!(
            copies.trim().ends_with(&format!("messages={n}")),
            "Sent copies: {copies}"
        );

        b.quiet();
        let t = Instant::now();
        let src = Command::new("smtp-source")
            .args([
                "-s",
                "1",
                "-m",
                &n.to_string(),
                "-l",
                "1024",
                "-f",
                &sender,
                "-t",
                &format!("ref@{}", b.target),
            ])
            .arg(format!("{}:{plain}", b.host))
            .output()
            .expect("smtp-source (from the postfix package)");
        refs.push(t.elapsed().as_secs_f64());
        assert!(
            src.status.success(),
            "{}",
            String::from_utf8_lossy(&src.stderr)
        );
    }

    let py_n = n.min(200);
    let (host, submission, ca, target) = (&b.host, &b.submission, &b.ca, &b.target);
    let script = format!(
        "import smtplib, ssl\nctx = ssl.create_default_context(cafile='{ca}')\nfor i in range({py_n}):\n    s = smtplib.SMTP('{host}', {submission})\n    s.starttls(context=ctx)\n    s.login('{sender}', '{PASSWORD}')\n    s.sendmail('{sender}', ['py.%d@{target}' % i], 'Subject: hi %d\\r\\n\\r\\nDear Dr. X,\\r\\nhello\\r\\n' % i)\n    s.quit()\n"
    );
    b.quiet();
    let t = Instant::now();
    let py = Command::new(python())
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let python = t.elapsed().as_secs_f64();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );

    // Keep the stack's mailboxes from growing run after run.
    if deliver {
        users.push(format!("catchall@{}", b.domain));
    }
    for u in &users {
        b.doveadm(&["expunge", "-u", u, "mailbox", "*", "all"]);
    }

    let show = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "runs (s): without copies {}; with copies {}; smtp-source {}",
        show(&plain_runs),
        show(&copy_runs),
        show(&refs)
    );
    let (ours, copied, reference) = (median(plain_runs), median(copy_runs), median(refs));
    let rate = |count: usize, secs: f64| count as f64 / secs;
    let to = if deliver {
        "delivered to Dovecot"
    } else {
        "discarded once queued"
    };
    println!("messages: {n}, {to}; medians of {ROUNDS} runs");
    println!(
        "outreach send (STARTTLS + AUTH, journal):          {:>6.2} s  {:>5.0} msg/s",
        ours,
        rate(n, ours)
    );
    println!(
        "outreach send, imap account (a Sent copy of each): {:>6.2} s  {:>5.0} msg/s",
        copied,
        rate(n, copied)
    );
    println!(
        "smtp-source (plain SMTP, 1 connection):            {:>6.2} s  {:>5.0} msg/s",
        reference,
        rate(n, reference)
    );
    println!(
        "python, a connection per message ({py_n}):           {:>6.2} s  {:>5.0} msg/s",
        python,
        rate(py_n, python)
    );
    println!(
        "rate vs smtp-source: {:.2}x without copies, {:.2}x with; time with copies / without: {:.2}x",
        reference / ours,
        reference / copied,
        copied / ours
    );
}
