//! `outreach report`: the whole campaign on one HTML page.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::journal::{Journal, Snapshot};
use crate::report;
use crate::workspace::{self, Workspace};

/// Write the campaign report: one HTML page to open in any browser.
///
/// One self-contained HTML file: the funnel (contacted, replied, met, and
/// apart from them bounced, away and do-not-contact), who is waiting and for
/// how many business days, what is due this week, reply rates by template,
/// by follow-up step and by how the contact was found, the time to a first
/// reply, the addresses that bounced, and every contact's timeline. It runs
/// no script and fetches nothing, so it opens offline. Opens and clicks are
/// not tracked, so the page shows none.
///
/// Example: outreach report --open
///
/// Example: outreach report --out ~/Desktop/outreach.html
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where to write the page (default: report.html in the workspace).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Open the page in the default browser once written.
    #[arg(long)]
    pub open: bool,
}

/// `prefetched`: the journal as opened and read while the workspace
/// loaded, if it was.
pub fn execute(
    args: &ReportArgs,
    ws: &Workspace,
    prefetched: Option<(Journal, Snapshot)>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let now = workspace::now()?;
    let (journal, snapshot) = match prefetched {
        Some((j, s)) => (j, Some(s)),
        None => (Journal::open(&ws.state_dir())?, None),
    };
    let page = report::page(&report::build(ws, &journal, snapshot, now)?);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| ws.root.join("report.html"));
    write_whole(&path, page.as_bytes())?;
    writeln!(
        out,
        "wrote {} ({} KB)",
        path.display(),
        page.len().div_ceil(1024)
    )?;
    if args.open {
        open(&path)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes beside the target and renames, so a reader never sees half a page.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Hands the page to the desktop's default browser.
fn open(path: &Path) -> Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = std::process::Command::new(opener)
        .arg(path)
        .status()
        .with_context(|| format!("cannot run {opener} to open {}", path.display()))?;
    anyhow::ensure!(
        status.success(),
        "{opener} could not open {}",
        path.display()
    );
    Ok(())
}
