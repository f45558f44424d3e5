//! Benchmark of the core: a generated workspace of 10,000 contacts is
//! loaded and validated, the intro template rendered for each, and 10,000
//! .eml drafts written. Prints the time of each phase and peak memory.
//!
//! Run: cargo bench --bench core [-- CONTACTS]

use std::path::Path;
use std::time::Instant;

use outreach::compose::compose;
use outreach::workspace::{Selection, Workspace};

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    generate(root, n);

    let t = Instant::now();
    let ws = Workspace::load(root).expect("the generated workspace loads");
    let load = t.elapsed();

    let template = ws.template("intro").unwrap();
    let (contacts, _) = ws.select(&Selection::All, template).unwrap();
    let now = chrono::Utc::now();
    let t = Instant::now();
    let messages: Vec<_> = contacts
        .iter()
        .map(|c| {
            compose(&ws, template, c, now, None, 0)
                .map(|(m, _)| m)
                .expect("renders")
        })
        .collect();
    let render = t.elapsed();

    let out = root.join("drafts");
    std::fs::create_dir_all(&out).unwrap();
    let t = Instant::now();
    for m in &messages {
        std::fs::write(
            out.join(format!("intro-{}.eml", m.contact.id)),
            m.email(&ws.config.me).unwrap().formatted(),
        )
        .unwrap();
    }
    let write = t.elapsed();

    let total = load + render + write;
    println!("contacts: {}", ws.contacts.len());
    println!("load + validate: {:>8.1} ms", load.as_secs_f64() * 1e3);
    println!("render + build:  {:>8.1} ms", render.as_secs_f64() * 1e3);
    println!("write .eml:      {:>8.1} ms", write.as_secs_f64() * 1e3);
    println!("total:           {:>8.1} ms", total.as_secs_f64() * 1e3);
    println!(
        "peak memory:     {:>8.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    );
}

/// A workspace: the repository's templates and config, and `n` contacts,
/// one file each.
fn generate(root: &Path, n: usize) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("outreach.yaml"), root.join("outreach.yaml")).unwrap();
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    for rel in ["templates/intro.hbs", "templates/partials/signature.hbs"] {
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
    for i in 0..n {
        let text = format!(
            "name: Ngozi Okonkwo-Adeyemi {i}\ntitle: Dr.\nemail: contact{i}@catchall.test\n\
             institution: Example Hospital {i}\nspecialty: Cardiology\ntimezone: {}\ntags: [bench]\n\
             vars:\n  found_via: your paper on heart failure readmissions, number {i}\n  \
             admire: how your clinic brought follow-up visits to patients who could not travel\n",
            zones[i % zones.len()]
        );
        std::fs::write(contacts.join(format!("c{i:05}.yaml")), text).unwrap();
    }
}

/// Peak resident memory of this process (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
