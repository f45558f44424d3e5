//! Benchmark of drafting: `outreach draft` of 10,000 contacts to stdout,
//! against mailmerge 2.3's dry run of the same template and rows (a
//! venv from PyPI, made here on the first run and kept in target/). Both
//! print every message; the medians of three alternated runs are compared.
//!
//! Run: cargo bench --bench draft [-- CONTACTS]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 3;
const GOAL: f64 = 10.0;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    generate(root, n);
    let mailmerge = mailmerge();

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
            .args(["draft", "bench", "--all"])
            .current_dir(root)
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        ours.push(t.elapsed().as_secs_f64());
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("{n} drafts from")),
            "outreach drafted all"
        );

        let t = Instant::now();
        let out = Command::new(&mailmerge)
            .args([
                "--template",
                "mailmerge_template.txt",
                "--database",
                "mailmerge_database.csv",
                "--config",
                "mailmerge_server.conf",
                "--dry-run",
                "--no-limit",
                "--output-format",
                "text",
            ])
            .current_dir(root)
            .output()
            .unwrap();
        theirs.push(t.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "mailmerge: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.matches("Dear Dr. Okonkwo-Adeyemi").count(),
            n,
            "mailmerge rendered every row"
        );
    }
    let (a, b) = (median(ours), median(theirs));
    println!("contacts: {n}; medians of {RUNS} alternated runs, output to a pipe");
    println!("outreach draft bench --all:      {a:>6.3} s");
    println!("mailmerge 2.3 --dry-run:         {b:>6.3} s");
    println!(
        "outreach is {:.1}x faster (goal {GOAL}x): {}",
        b / a,
        if b / a >= GOAL { "met" } else { "not met" }
    );
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// mailmerge 2.3 in a venv of its own under target/, made on first use
/// with the real Python interpreter (not a pyenv shim).
fn mailmerge() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv-mailmerge");
    let bin = venv.join("bin/mailmerge");
    if bin.exists() {
        return bin;
    }
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let ok = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(ok.success(), "python -m venv");
    let ok = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "mailmerge==2.3.0"])
        .status()
        .unwrap();
    assert!(ok.success(), "pip install mailmerge==2.3.0");
    bin
}

/// The same message for both tools: the workspace for outreach (one list
/// of `n` contacts), and mailmerge's template, rows and server config.
fn generate(root: &Path, n: usize) {
    std::fs::write(
        root.join("outreach.yaml"),
        "me:\n  name: Amina Yusuf\n  email: amina.yusuf@example.org\ntimezone: America/New_York\n",
    )
    .unwrap();
    let body = "I came across your work through {{found_via}}, and I especially admire {{admire}}.\n\nI am an internal medicine graduate from Nigeria, now a research fellow in Baltimore. Would you have 15 minutes for a short call in the coming weeks?\n\nThank you for your time.\n\nAmina Yusuf";
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/bench.hbs"),
        format!(
            "---\nsubject: \"A question about {{{{institution}}}}\"\n---\nDear {{{{salutation}}}},\n\n{}\n",
            body.replace("{{found_via}}", "{{vars.found_via}}")
                .replace("{{admire}}", "{{vars.admire}}")
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("mailmerge_template.txt"),
        format!(
            "TO: {{{{email}}}}\nSUBJECT: A question about {{{{institution}}}}\nFROM: Amina Yusuf <amina.yusuf@example.org>\n\nDear {{{{salutation}}}},\n\n{body}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("mailmerge_server.conf"),
        "[smtp_server]\nhost = localhost\nport = 25\nsecurity = Never\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("contacts")).unwrap();
    let mut yaml = String::new();
    let mut csv = String::from("email,salutation,institution,found_via,admire\n");
    for i in 0..n {
        let found = format!("your paper on heart failure readmissions, number {i}");
        let admire = "how your clinic brought follow-up visits to patients who could not travel";
        yaml.push_str(&format!(
            "- id: c{i:05}\n  name: Ngozi Okonkwo-Adeyemi\n  title: Dr.\n  email: contact{i}@example.net\n  institution: Example Hospital {i}\n  vars:\n    found_via: {found}\n    admire: {admire}\n"
        ));
        csv.push_str(&format!(
            "contact{i}@example.net,Dr. Okonkwo-Adeyemi,Example Hospital {i},\"{found}\",{admire}\n"
        ));
    }
    std::fs::write(root.join("contacts/all.yaml"), yaml).unwrap();
    std::fs::write(root.join("mailmerge_database.csv"), csv).unwrap();
}
