//! `outreach init`: scaffold a workspace from the sample one.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;

/// Create a workspace from the sample.
///
/// Create a workspace: outreach.yaml, sample contacts and templates, ready
/// for `outreach lint` and `outreach draft`. Refuses to overwrite any file.
///
/// Example: outreach init ~/outreach && cd ~/outreach && outreach draft intro --all
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create it (default: the current folder, or -C DIR).
    pub dir: Option<std::path::PathBuf>,
}

/// The sample workspace, the same files as the repository's own.
const FILES: &[(&str, &str)] = &[
    ("outreach.yaml", include_str!("../../outreach.yaml")),
    (
        ".gitignore",
        "# The tool's state and unsent mail stay local.\n.outreach/\noutbox/\n",
    ),
    (
        "templates/intro.hbs",
        include_str!("../../templates/intro.hbs"),
    ),
    (
        "templates/post-conference.hbs",
        include_str!("../../templates/post-conference.hbs"),
    ),
    (
        "templates/follow-up.hbs",
        include_str!("../../templates/follow-up.hbs"),
    ),
    (
        "templates/thank-you.hbs",
        include_str!("../../templates/thank-you.hbs"),
    ),
    (
        "templates/update.hbs",
        include_str!("../../templates/update.hbs"),
    ),
    (
        "templates/agenda.hbs",
        include_str!("../../templates/agenda.hbs"),
    ),
    (
        "templates/milestone.hbs",
        include_str!("../../templates/milestone.hbs"),
    ),
    (
        "templates/interview-thanks.hbs",
        include_str!("../../templates/interview-thanks.hbs"),
    ),
    (
        "templates/partials/signature.hbs",
        include_str!("../../templates/partials/signature.hbs"),
    ),
    (
        "contacts/okafor.yaml",
        include_str!("../../contacts/okafor.yaml"),
    ),
    (
        "contacts/nunez.yaml",
        include_str!("../../contacts/nunez.yaml"),
    ),
    (
        "contacts/li-ming.yaml",
        include_str!("../../contacts/li-ming.yaml"),
    ),
    (
        "contacts/okonkwo-adeyemi.yaml",
        include_str!("../../contacts/okonkwo-adeyemi.yaml"),
    ),
    (
        "contacts/petrova.yaml",
        include_str!("../../contacts/petrova.yaml"),
    ),
    (
        "contacts/al-haddad.yaml",
        include_str!("../../contacts/al-haddad.yaml"),
    ),
    (
        "contacts/mueller.yaml",
        include_str!("../../contacts/mueller.yaml"),
    ),
    (
        "contacts/hassan.yaml",
        include_str!("../../contacts/hassan.yaml"),
    ),
    (
        "contacts/conference-2026.yaml",
        include_str!("../../contacts/conference-2026.yaml"),
    ),
];

pub fn execute(args: &InitArgs, workspace: Option<&Path>, out: &mut dyn Write) -> Result<ExitCode> {
    let dir = args.dir.as_deref().or(workspace).unwrap_or(Path::new("."));
    let existing: Vec<&str> = FILES
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| dir.join(p).exists())
        .collect();
    if !existing.is_empty() {
        bail!(
            "{} already has {}; nothing was written",
            dir.display(),
            existing.join(", ")
        );
    }
    for (path, text) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    writeln!(out, "created a workspace in {}", dir.display())?;
    writeln!(out, "next: edit outreach.yaml (`me:`) and contacts/, then `outreach lint` and `outreach draft intro --all`")?;
    Ok(ExitCode::SUCCESS)
}
