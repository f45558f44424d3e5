//! Logging in to the configured accounts: the credentials (a password
//! from an environment variable or a command, never from a file the tool
//! reads, or an OAuth 2.0 access token from `oauth`; never in a log or an
//! error), the TLS trust (public roots plus an optional `ca_file`), and
//! the SMTP and IMAP sessions they open.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use rustls::pki_types::{pem::PemObject, CertificateDer};
use rustls::{ClientConfig, RootCertStore};

use crate::config::{Account, Auth, Mechanism, Service};
use crate::imap::Imap;
use crate::oauth::Source;
use crate::smtp::Smtp;
use crate::workspace::Workspace;

/// How a session logs in.
pub enum Login {
    Password(String),
    /// SASL XOAUTH2 or OAUTHBEARER with a token from `source`.
    OAuth {
        mechanism: Mechanism,
        source: Source,
    },
}

impl Login {
    /// The login the account for `service` is configured with (None for
    /// an SMTP account without a username).
    pub fn new(ws: &Workspace, service: Service) -> Result<Option<Login>> {
        let section = crate::oauth::section(service);
        let account = match service {
            Service::Smtp => ws.config.smtp.as_ref(),
            Service::Imap => ws.config.imap.as_ref(),
        }
        .with_context(|| format!("no {section} account in outreach.yaml"))?;
        if account.username.is_none() {
            return Ok(None);
        }
        Ok(Some(match account.auth {
            Auth::Password => Login::Password(password(account, section)?),
            Auth::Oauth2 => Login::OAuth {
                mechanism: account.mechanism,
                source: Source::new(&ws.config, &ws.root, service)?,
            },
        }))
    }

    /// "password" or "OAuth 2.0 (XOAUTH2, token from token_command)".
    pub fn describe(&self) -> String {
        match self {
            Login::Password(_) => "password".into(),
            Login::OAuth { mechanism, source } => format!(
                "OAuth 2.0 ({}, {})",
                crate::sasl::name(*mechanism),
                source.describe()
            ),
        }
    }
}

/// Logs in to the configured SMTP account (None without one).
pub fn smtp(ws: &Workspace) -> Result<Option<Smtp>> {
    let Some(account) = &ws.config.smtp else {
        return Ok(None);
    };
    let login = Login::new(ws, Service::Smtp)?;
    Ok(Some(Smtp::connect(
        account,
        &ws.root,
        ws.config.domain(),
        login,
    )?))
}

/// Logs in to the configured IMAP account.
pub fn imap(ws: &Workspace) -> Result<Imap> {
    ImapLogin::of(ws)?.connect()
}

/// What an IMAP login needs, credentials at hand: it can be handed to
/// another thread and used there, and again to renew a session.
pub struct ImapLogin {
    account: Account,
    root: PathBuf,
    login: Login,
}

impl ImapLogin {
    /// The configured IMAP account's login.
    pub fn of(ws: &Workspace) -> Result<ImapLogin> {
        let account = ws
            .config
            .imap
            .clone()
            .context("no imap account in outreach.yaml")?;
        let login =
            Login::new(ws, Service::Imap)?.context("the imap account needs a `username`")?;
        Ok(ImapLogin {
            account,
            root: ws.root.clone(),
            login,
        })
    }

    pub fn connect(&self) -> Result<Imap> {
        Imap::connect_with(&self.account, &self.root, &self.login)
    }
}

/// Advice for a password login refused the way providers refuse one once
/// only OAuth 2.0 is allowed (Microsoft's 5.7.30, Google's 5.7.9 and
/// "application-specific password required").
pub fn oauth_hint(server_text: &str) -> Option<&'static str> {
    let t = server_text.to_ascii_lowercase();
    ["5.7.30", "basic authentication is not supported", "basicauthblocked", "5.7.9", "application-specific password required"]
        .iter()
        .any(|m| t.contains(m))
        .then_some("this account needs `auth: oauth2` (see the README's section on Gmail and Microsoft 365 accounts)")
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
