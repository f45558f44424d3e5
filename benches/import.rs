//! Benchmark of `outreach import`: a generated 10,000-row LinkedIn
//! Connections.csv and a 10,000-card vCard file, each imported by the
//! release binary into a fresh copy of the sample workspace (median of 3
//! runs, wall time, every contact written as its own file). The reference,
//! measured in the same run, is Python reading the same file with its csv
//! module (or splitting the cards) and writing one small file per person.
//! `--dry-run` (read, map, match, render; no file written) is timed too,
//! to tell the importer's own work from the file system's. Goal: each
//! import under 1 s.
//!
//! Run: cargo bench --bench import [-- ROWS]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PYTHON: &str = r#"
import csv, os, sys, io
src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
text = open(src, encoding="utf-8-sig").read()
if kind == "csv":
    rows = list(csv.reader(io.StringIO(text)))
    h = next(i for i, r in enumerate(rows) if "First Name" in r)
    people = [dict(zip(rows[h], r)) for r in rows[h + 1:] if r]
    items = [(p["First Name"] + " " + p["Last Name"], p["Email Address"]) for p in people]
else:
    text = text.replace("\r\n ", "")
    items = []
    for card in text.split("BEGIN:VCARD")[1:]:
        f = dict(l.split(":", 1) for l in card.splitlines() if ":" in l)
        items.append((f.get("FN", ""), next((v for k, v in f.items() if "EMAIL" in k), "")))
for i, (name, email) in enumerate(items):
    with open(os.path.join(out, "c%d.yaml" % i), "x") as fh:
        fh.write("name: %s\nemail: %s\n" % (name, email))
"#;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("Connections.csv");
    let vcf = dir.path().join("contacts.vcf");
    std::fs::write(&csv, connections(n)).unwrap();
    std::fs::write(&vcf, cards(n)).unwrap();
    let python = python();
    println!("{n} people per file; median of 3; each run into a fresh workspace");
    println!("                 --dry-run     import   python reference   ratio");
    for (label, file, kind) in [("Connections.csv", &csv, "csv"), ("vCard", &vcf, "vcf")] {
        let plan = median(|i| import(dir.path(), file, &format!("dry-{kind}{i}"), n, true));
        let ours = median(|i| import(dir.path(), file, &format!("{kind}{i}"), n, false));
        let theirs = median(|i| {
            let out = dir.path().join(format!("py-{kind}{i}"));
            let t = Instant::now();
            let ok = Command::new(&python)
                .args(["-c", PYTHON])
                .arg(file)
                .arg(&out)
                .arg(kind)
                .status()
                .expect("run python")
                .success();
            assert!(ok, "the python reference failed");
            t.elapsed()
        });
        println!(
            "{label:<16} {:>7.0} ms {:>10.0} ms {:>13.0} ms {:>7.2}x   goal < 1000 ms",
            ms(plan),
            ms(ours),
            ms(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
}

/// Imports `file` into a new copy of the sample workspace; checks that
/// every person was written.
fn import(base: &Path, file: &Path, name: &str, n: usize, dry_run: bool) -> Duration {
    let bin = env!("CARGO_BIN_EXE_outreach");
    let ws = base.join(name);
    let ok = Command::new(bin)
        .args(["init"])
        .arg(&ws)
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let t = Instant::now();
    let out = Command::new(bin)
        .arg("-C")
        .arg(&ws)
        .arg("import")
        .args(dry_run.then_some("--dry-run"))
        .arg(file)
        .output()
        .expect("run outreach import");
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = if dry_run { "to write" } else { "written" };
    assert!(
        text.contains(&format!("{n} {summary}")),
        "{}",
        text.lines().last().unwrap_or_default()
    );
    took
}

fn median(mut run: impl FnMut(usize) -> Duration) -> Duration {
    let mut runs: Vec<Duration> = (0..3).map(&mut run).collect();
    runs.sort();
    runs[1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The interpreter itself, not a pyenv shim (which adds its own start-up).
fn python() -> String {
    let fixed = "/root/.pyenv/versions/3.11.7/bin/python3";
    if Path::new(fixed).exists() {
        return fixed.to_string();
    }
    Command::new("pyenv")
        .args(["which", "python3"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "python3".to_string())
}

const FIRST: &[&str] = &[
    "Ngozi", "José", "Jürgen", "Priya", "Hans", "Aisha", "Wei", "Elena",
];
const LAST: &[&str] = &[
    "Okafor",
    "Núñez",
    "Müller, PhD",
    "Raman MD",
    "Lee",
    "Rahman",
    "Zhang",
    "Petrova",
];

/// LinkedIn's layout: BOM, notes above the header, CRLF, quoted commas.
fn connections(n: usize) -> String {
    let mut s = String::from("\u{feff}Notes:\r\n\"Email addresses are shown only for connections who allowed it.\"\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n");
    for i in 0..n {
        s.push_str(&format!(
            "{},\"{} {i}\",https://www.linkedin.com/in/person-{i},person{i}@example.org,\"Example Hospital, Site {}\",Attending Physician,08 Feb 2026\r\n",
            FIRST[i % FIRST.len()],
            LAST[i % LAST.len()],
            i % 50
        ));
    }
    s
}

/// vCard 3.0 cards with a grouped address, a folded line and a UID.
fn cards(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:{last} {i};{first};;Dr.;\r\nFN:{first} {last} {i}\r\nORG:Example Hospital;Cardiology\r\nTITLE:Consultant in a department whose name is long enough to be folded\r\n  onto a second line\r\nitem1.EMAIL;TYPE=work:person{i}@example.org\r\nitem1.X-ABLabel:Work\r\nTEL;TYPE=cell:+1 555 {i:04}\r\nUID:urn:uuid:0000-{i}\r\nEND:VCARD\r\n",
            first = FIRST[i % FIRST.len()],
            last = LAST[i % LAST.len()].split(',').next().unwrap_or_default(),
        ));
    }
    s
}
