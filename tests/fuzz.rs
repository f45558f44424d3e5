//! The fuzz targets' bodies run over their seed corpora and over every
//! input fuzzing once crashed on (`fuzz/regressions/<target>/`, added by
//! `scripts/fuzz`), so a fixed crash stays fixed without cargo-fuzz.

use std::path::Path;

#[path = "../fuzz/targets.rs"]
mod targets;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs each target over `fuzz/<kind>/<target>/*`; returns how many ran.
fn run_all(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    let mut n = 0;
    for (name, target) in targets::TARGETS {
        for file in inputs(&root.join(name)) {
            let data = std::fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(
                result.is_ok(),
                "fuzz target `{name}` panics on {}",
                file.display()
            );
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_seeds_pass_every_target() {
    assert!(run_all("seeds") >= 30, "the seed corpora are missing");
}

#[test]
fn fuzz_regressions_stay_fixed() {
    run_all("regressions");
}
