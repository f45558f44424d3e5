//! `outreach doctor`: try the mail accounts and say plainly what is wrong.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::account::Login;
use crate::config::{Account, Security, Service};
use crate::imap::{find_special, FoundBy, Imap, Special};
use crate::smtp::Smtp;
use crate::workspace::Workspace;

/// Try the mail accounts and say plainly what is wrong.
///
/// Tries the SMTP and IMAP logins and TLS and lists the special folders
/// found. For an OAuth 2.0 account, says where its token comes from,
/// whether one could be had and when it expires. Sends nothing and
/// changes nothing in the mailbox.
///
/// Example: outreach doctor
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// One line of the report.
struct Report<'a> {
    out: &'a mut dyn Write,
    problems: usize,
}

impl Report<'_> {
    fn ok(&mut self, what: &str) -> Result<()> {
        writeln!(self.out, "ok       {what}")?;
        Ok(())
    }

    fn note(&mut self, what: &str) -> Result<()> {
        writeln!(self.out, "note     {what}")?;
        Ok(())
    }

    fn problem(&mut self, what: &str) -> Result<()> {
        self.problems += 1;
        writeln!(self.out, "PROBLEM  {what}")?;
        Ok(())
    }
}

/// "SMTP host:port (TLS) as user", and what a working login proves.
fn describe(a: &Account, service: Service) -> (String, &'static str) {
    let (security, proven) = match a.security {
        Security::Tls => ("TLS", "TLS verified, login accepted"),
        Security::Starttls => ("STARTTLS", "TLS verified, login accepted"),
        Security::None => (
            "no encryption",
            "login accepted, unencrypted (loopback only)",
        ),
    };
    let name = match service {
        Service::Smtp => "SMTP",
        Service::Imap => "IMAP",
    };
    let what = format!(
        "{name} {}:{} ({security}) as {}",
        a.host,
        a.port_for(service),
        a.username.as_deref().unwrap_or("(no login)")
    );
    (what, proven)
}

pub fn execute(_args: &DoctorArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let mut r = Report { out, problems: 0 };
    r.ok(&format!(
        "workspace {}: {} contacts, {} templates",
        ws.root.display(),
        ws.contacts.len(),
        ws.templates.list.len()
    ))?;
    for w in &ws.warnings {
        r.note(&w.to_string())?;
    }

    match &ws.config.smtp {
        None => r.note("no smtp account: `send` writes .eml files to outbox/")?,
        Some(a) => {
            let (what, proven) = describe(a, Service::Smtp);
            match Login::new(ws, Service::Smtp) {
                Err(e) => r.problem(&format!("{what}: {e:#}"))?,
                Ok(login) => {
                    let what = format!("{what}{}", method(login.as_ref()));
                    if token(&mut r, ws, "smtp", login.as_ref())? {
                        match Smtp::connect(a, &ws.root, ws.config.domain(), login) {
                            Ok(_) => r.ok(&format!("{what}: {proven}"))?,
                            Err(e) => r.problem(&format!("{what}: {e:#}"))?,
                        }
                    }
                }
            }
        }
    }

    match &ws.config.imap {
        None => {
            r.note("no imap account: replies are not tracked and `check` has nothing to read")?
        }
        Some(a) => {
            let (what, proven) = describe(a, Service::Imap);
            let login = Login::new(ws, Service::Imap).and_then(|l| {
                l.ok_or_else(|| anyhow::anyhow!("the imap account needs a `username`"))
            });
            match login {
                Err(e) => r.problem(&format!("{what}: {e:#}"))?,
                Ok(login) => {
                    let what = format!("{what}{}", method(Some(&login)));
                    if token(&mut r, ws, "imap", Some(&login))? {
                        match Imap::connect_with(a, &ws.root, &login) {
                            Err(e) => r.problem(&format!("{what}: {e:#}"))?,
                            Ok(mut imap) => {
                                r.ok(&format!("{what}: {proven}"))?;
                                folders(&mut r, &mut imap, a)?;
                                let _ = imap.logout();
                            }
                        }
                    }
                }
            }
        }
    }

    if r.problems == 0 {
        writeln!(r.out, "all good")?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(r.out, "{} problem(s)", r.problems)?;
        Ok(ExitCode::FAILURE)
    }
}

/// ", with a password" or ", with OAuth 2.0 (…)".
fn method(login: Option<&Login>) -> String {
    login.map_or(String::new(), |l| format!(", with {}", l.describe()))
}

/// For an OAuth 2.0 login, whether a token can be had and until when;
/// false when none (the problem is reported).
fn token(r: &mut Report, ws: &Workspace, section: &str, login: Option<&Login>) -> Result<bool> {
    let Some(Login::OAuth { source, .. }) = login else {
        return Ok(true);
    };
    match source.token(false) {
        Err(e) => {
            r.problem(&format!("{section} OAuth 2.0 token: {e:#}"))?;
            Ok(false)
        }
        Ok(t) => {
            let until = match t.expires {
                None => "its expiry is not known (token_command)".to_string(),
                Some(at) => {
                    let left = at
                        .duration_since(std::time::SystemTime::now())
                        .unwrap_or_default()
                        .as_secs();
                    let local =
                        chrono::DateTime::<chrono::Utc>::from(at).with_timezone(&ws.config.zone());
                    format!(
                        "expires in {} min (at {}), renewed as needed",
                        left / 60,
                        local.format("%Y-%m-%d %H:%M %Z")
                    )
                }
            };
            r.ok(&format!("{section} OAuth 2.0 token: got one; {until}"))?;
            Ok(true)
        }
    }
}

/// The mailboxes `check` reads and the special folders, found or not.
fn folders(r: &mut Report, imap: &mut Imap, a: &Account) -> Result<()> {
    let list = match imap.folders() {
        Ok(l) => l,
        Err(e) => return r.problem(&format!("listing folders: {e:#}")),
    };
    for (label, which, configured, key) in [
        ("Sent", Special::Sent, &a.sent_folder, "sent_folder"),
        ("Drafts", Special::Drafts, &a.drafts_folder, "drafts_folder"),
    ] {
        let attr = which.attribute();
        match (configured, find_special(&list, which)) {
            (Some(name), _) if list.iter().any(|(n, _)| n == name) => {
                r.ok(&format!("{label} folder: {name} (from imap.{key})"))?
            }
            (Some(name), _) => r.problem(&format!(
                "{label} folder: imap.{key} names `{name}`, which the server does not have"
            ))?,
            (None, Some((name, FoundBy::Marked))) => r.ok(&format!(
                "{label} folder: {name} (marked {attr} by the server)"
            ))?,
            (None, Some((name, FoundBy::Name))) => r.ok(&format!(
                "{label} folder: {name} (by its name: the server marks none as {attr})"
            ))?,
            (None, None) => r.problem(&format!(
                "{label} folder: the server marks none as {attr}; set imap.{key} in outreach.yaml"
            ))?,
        }
    }
    for m in &a.mailboxes {
        match imap.examine(m) {
            Ok(info) => r.ok(&format!("mailbox {m}: {} messages", info.exists))?,
            Err(e) => r.problem(&format!("mailbox {m}: {e:#}"))?,
        }
    }
    Ok(())
}
