//! Benchmark of `outreach send`: 1,000 personalized messages to the local
//! Postfix over STARTTLS + AUTH, pacing off, journal on; with Postfix's own
//! `smtp-source` (one connection, plain SMTP: it speaks neither TLS nor
//! AUTH) and a Python mail-merge that opens a STARTTLS + AUTH connection
//! per message as references. Needs the test mail server:
//!
//!   eval "$(scripts/mailstack start)" && cargo bench --bench send [-- N]

use std::process::Command;
use std::time::Instant;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: start the test mail server first:\n  eval \"$(scripts/mailstack start)\"");
        std::process::exit(2)
    })
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let host = var("MAILSTACK_HOST");
    let submission = var("MAILSTACK_SUBMISSION_PORT");
    let plain = var("MAILSTACK_SMTP_PORT");
    let ca = var("MAILSTACK_CA");
    let catchall = var("MAILSTACK_CATCHALL_DOMAIN");
    let user = format!("bench-{}@{}", std::process::id(), var("MAILSTACK_DOMAIN"));
    let password = "bench-password";
    let ok = Command::new(var("MAILSTACK_SCRIPT"))
        .args(["adduser", &user, password])
        .status()
        .unwrap();
    assert!(ok.success(), "adduser failed");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("outreach.yaml"),
        format!(
            "me:\n  name: Amina Yusuf\n  email: {user}\nsmtp:\n  host: {host}\n  port: {submission}\n  security: starttls\n  username: {user}\n  ca_file: {ca}\n"
        ),
    )
    .unwrap();
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
            "- id: c{i:05}\n  name: Ngozi Okonkwo-Adeyemi {i}\n  title: Dr.\n  email: bench{}.{i}@{catchall}\n  institution: Example Hospital {i}\n  vars:\n    found_via: your paper number {i}\n    admire: how your clinic reached patients who could not travel\n",
            std::process::id()
        ));
    }
    std::fs::write(root.join("contacts/all.yaml"), list).unwrap();

    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
        .args(["send", "bench", "--all", "--yes", "--now", "--no-pace"])
        .current_dir(root)
        .env("OUTREACH_SMTP_PASSWORD", password)
        .output()
        .unwrap();
    let ours = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.starts_with(&format!("{n} sent")), "{last}");

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
            &user,
            "-t",
            &format!("ref@{catchall}"),
        ])
        .arg(format!("{host}:{plain}"))
        .output()
        .expect("smtp-source (from the postfix package)");
    let reference = t.elapsed().as_secs_f64();
    assert!(
        src.status.success(),
        "{}",
        String::from_utf8_lossy(&src.stderr)
    );

    let py_n = n.min(200);
    let script = format!(
        "import smtplib, ssl\nctx = ssl.create_default_context(cafile='{ca}')\nfor i in range({py_n}):\n    s = smtplib.SMTP('{host}', {submission})\n    s.starttls(context=ctx)\n    s.login('{user}', '{password}')\n    s.sendmail('{user}', ['py.%d@{catchall}' % i], 'Subject: hi %d\\r\\n\\r\\nDear Dr. X,\\r\\nhello\\r\\n' % i)\n    s.quit()\n"
    );
    let t = Instant::now();
    let py = Command::new("python3")
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

    let rate = |count: usize, secs: f64| count as f64 / secs;
    println!("messages: {n}");
    println!(
        "outreach send (STARTTLS + AUTH, journal): {:>7.2} s  {:>7.0} msg/s",
        ours,
        rate(n, ours)
    );
    println!(
        "smtp-source (plain SMTP, 1 connection):   {:>7.2} s  {:>7.0} msg/s",
        reference,
        rate(n, reference)
    );
    println!(
        "python, a connection per message ({py_n}):  {:>7.2} s  {:>7.0} msg/s",
        python,
        rate(py_n, python)
    );
    println!(
        "outreach / smtp-source: {:.0}%",
        100.0 * rate(n, ours) / rate(n, reference)
    );
}
