//! Passwords: from an environment variable or a password command, never
//! from a file the tool reads, and never in a log or an error.

use std::process::{Command, Stdio};

use anyhow::{bail, Context as _, Result};

use crate::config::Account;

/// The password for `account`: `$VAR` when set, else the first line of
/// `password_command`'s output. `section` is "smtp" or "imap".
pub fn password(account: &Account, section: &str) -> Result<String> {
    let var = format!("OUTREACH_{}_PASSWORD", section.to_uppercase());
    if let Ok(p) = std::env::var(&var) {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    let Some(cmd) = &account.password_command else {
        bail!("no password for the {section} account: set {var} or `password_command` in the {section} section of outreach.yaml");
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run the {section} password_command"))?;
    if !out.status.success() {
        // The command's output may hold the secret: it is not shown.
        bail!("the {section} password_command failed ({})", out.status);
    }
    let text = String::from_utf8(out.stdout)
        .context("the password_command printed something that is not UTF-8")?;
    match text.lines().next() {
        Some(line) if !line.is_empty() => Ok(line.to_string()),
        _ => bail!("the {section} password_command printed nothing"),
    }
}
