//! `outreach classify`: how `check` would read a message, and why.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::classify::{self, Known};
use crate::journal::Journal;
use crate::template::long_date;
use crate::tracking::Facts;
use crate::workspace::Workspace;

/// Say how `check` would read a message file, and why.
///
/// For each file: reply, auto-reply, bounce (with the failed address),
/// your own, or other, and the evidence. Inside a workspace, contacts and the journal's messages are known, so
/// replies are matched to people.
///
/// Example: outreach classify ~/Downloads/undeliverable.eml
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Message files (.eml, as saved by a mail client).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(
    args: &ClassifyArgs,
    ws: Option<&Workspace>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let facts = match ws {
        Some(ws) => Facts::gather(ws, &Journal::open(&ws.state_dir())?)?,
        None => Facts::default(),
    };
    let known: Known = facts.known();
    let mut all = Vec::new();
    for file in &args.files {
        let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        all.push((file, classify::classify(&raw, &known)));
    }
    if args.json {
        let items: Vec<_> = all
            .iter()
            .map(|(file, f)| serde_json::json!({"file": file, "finding": f}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    for (i, (file, f)) in all.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}: {}", file.display(), f.summary)?;
        let kind = serde_json::to_value(f.kind)?;
        writeln!(
            out,
            "  kind:            {}",
            kind.as_str().unwrap_or_default()
        )?;
        if let Some(c) = &f.contact {
            writeln!(out, "  contact:         {c}")?;
        }
        if let Some(a) = &f.failed_address {
            writeln!(out, "  failed address:  {a}")?;
        }
        if let Some(m) = &f.in_reply_to {
            writeln!(out, "  our message:     <{m}>")?;
        }
        if let Some(d) = f.return_date {
            writeln!(out, "  back on:         {}", long_date(d))?;
        }
        for e in &f.evidence {
            writeln!(out, "  because:         {e}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
