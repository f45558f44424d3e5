//! Logging in to the configured accounts: the credentials (from an
//! environment variable or a command, never from a file the tool reads,
//! never in a log or an error), the TLS trust (public roots plus an
//! optional `ca_file`), and the SMTP and IMAP sessions they open.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use rustls::pki_types::{pem::PemObject, CertificateDer};
use rustls::{ClientConfig, RootCertStore};

use crate::config::Account;
use crate::imap::Imap;
use crate::smtp::Smtp;
use crate::workspace::Workspace;

/// Logs in to the configured SMTP account (None without one).
pub fn smtp(ws: &Workspace) -> Result<Option<Smtp>> {
    let Some(account) = &ws.config.smtp else {
        return Ok(None);
    };
    let password = match &account.username {
        Some(_) => Some(password(account, "smtp")?),
        None => None,
    };
    Ok(Some(Smtp::connect(
        account,
        &ws.root,
        ws.config.domain(),
        password,
    )?))
}

/// Logs in to the configured IMAP account.
pub fn imap(ws: &Workspace) -> Result<Imap> {
    ImapLogin::of(ws)?.connect()
}

/// What an IMAP login needs, credentials fetched: it can be handed to
/// another thread and used there, and again after a dropped connection.
pub struct ImapLogin {
    account: Account,
    root: PathBuf,
    password: String,
}

impl ImapLogin {
    /// The configured IMAP account's login.
    pub fn of(ws: &Workspace) -> Result<ImapLogin> {
        let account = ws
            .config
            .imap
            .clone()
            .context("no imap account in outreach.yaml")?;
        let password = password(&account, "imap")?;
        Ok(ImapLogin {
            account,
            root: ws.root.clone(),
            password,
        })
    }

    pub fn connect(&self) -> Result<Imap> {
        Imap::connect(&self.account, &self.root, &self.password)
    }
}

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

/// TLS settings for IMAP trusting the public roots and, if given,
/// `ca_file`.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
            .with_context(|| format!("cannot read ca_file {}", path.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("ca_file {} is not PEM", path.display()))?;
        if certs.is_empty() {
            bail!("ca_file {} holds no certificate", path.display());
        }
        for c in certs {
            roots
                .add(c)
                .with_context(|| format!("ca_file {}", path.display()))?;
        }
    }
    Ok(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// TLS settings for SMTP with `host`'s name checked, trusting the public
/// roots and, if given, `ca_file`.
pub fn smtp_tls(host: &str, ca_file: Option<&Path>) -> Result<TlsParameters> {
    let mut params = TlsParameters::builder(host.to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read ca_file {}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .with_context(|| format!("ca_file {} is not a PEM certificate", path.display()))?;
        params = params.add_root_certificate(cert);
    }
    params.build_rustls().context("setting up TLS")
}
