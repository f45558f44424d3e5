//! `outreach completions` and `outreach man`: the shell completions and
//! manual pages, generated from the command line's own definitions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use clap_complete::Shell;

/// Print shell completions for bash, zsh or fish.
///
/// Prints a completion script on standard output; see the README for where
/// each shell looks for it.
///
/// Example: outreach completions bash > ~/.local/share/bash-completion/completions/outreach
///
/// Example: outreach completions fish > ~/.config/fish/completions/outreach.fish
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    pub shell: String,
}

/// Write a manual page per command into a folder.
///
/// Writes outreach.1 and one page per command (outreach-send.1, …).
///
/// Example: outreach man ~/.local/share/man/man1
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The folder to write the pages into (created if missing).
    pub dir: PathBuf,
}

pub fn completions(
    args: &CompletionsArgs,
    mut cmd: clap::Command,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let shell = match args.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        _ => Shell::Fish,
    };
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, out);
    Ok(ExitCode::SUCCESS)
}

pub fn man(args: &ManArgs, cmd: clap::Command, out: &mut dyn Write) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    clap_mangen::generate_to(cmd, &args.dir)
        .with_context(|| format!("cannot write the manual pages into {}", args.dir.display()))?;
    writeln!(out, "wrote the manual pages into {}", args.dir.display())?;
    Ok(ExitCode::SUCCESS)
}
