//! Sending over SMTP with lettre: one authenticated connection reused for
//! a batch, TLS verified, failures sorted into permanent and transient.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{SmtpTransport, Transport};

use crate::config::{Account, Security};

/// Why one message did not go out.
#[derive(Debug)]
pub enum SendError {
    /// The server refused it for good (5xx): retrying will not help.
    Permanent(String),
    /// Refused for now (4xx): nothing went out; try again later.
    Refused(String),
    /// The connection failed mid-transaction: the server may have accepted
    /// the message, so it must not be sent again blindly.
    Lost(String),
}

pub struct Smtp {
    transport: SmtpTransport,
    pub host: String,
}

impl Smtp {
    /// Connects and logs in, so that a wrong password or an untrusted
    /// certificate fails before anything is queued or sent.
    pub fn connect(
        account: &Account,
        root: &Path,
        domain: &str,
        password: Option<String>,
    ) -> Result<Smtp> {
        let host = account.host.clone();
        let tls = match account.security {
            Security::None => Tls::None,
            Security::Starttls | Security::Tls => {
                let mut params = TlsParameters::builder(host.clone());
                if let Some(ca) = &account.ca_file {
                    let path = root.join(ca);
                    let pem = std::fs::read(&path)
                        .with_context(|| format!("cannot read ca_file {}", path.display()))?;
                    let cert = Certificate::from_pem(&pem).with_context(|| {
                        format!("ca_file {} is not a PEM certificate", path.display())
                    })?;
                    params = params.add_root_certificate(cert);
                }
                let params = params.build_rustls().context("setting up TLS")?;
                if account.security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let port = account.port.unwrap_or(match account.security {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::None => 25,
        });
        let mut builder = SmtpTransport::builder_dangerous(&host)
            .port(port)
            .tls(tls)
            .hello_name(ClientId::Domain(domain.to_string()))
            .timeout(Some(Duration::from_secs(account.timeout_seconds)))
            .pool_config(PoolConfig::new().max_size(1));
        if let (Some(user), Some(pass)) = (&account.username, password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass));
        }
        let transport = builder.build();
        transport
            .test_connection()
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))
            .with_context(|| format!("cannot log in to the SMTP server {host}:{port}"))?;
        Ok(Smtp { transport, host })
    }

    /// Whether the server answers now (reconnecting and logging in again
    /// if the last connection was lost).
    pub fn reachable(&self) -> Result<(), String> {
        match self.transport.test_connection() {
            Ok(true) => Ok(()),
            Ok(false) => Err("the connection did not answer".to_string()),
            Err(e) => Err(describe(&e)),
        }
    }

    /// Hands one message to the server; returns the server's answer.
    pub fn send(&self, from: &str, to: &str, raw: &[u8]) -> Result<String, SendError> {
        let envelope = Envelope::new(
            Some(
                from.parse()
                    .map_err(|e| SendError::Permanent(format!("sender {from}: {e}")))?,
            ),
            vec![to
                .parse()
                .map_err(|e| SendError::Permanent(format!("recipient {to}: {e}")))?],
        )
        .map_err(|e| SendError::Permanent(e.to_string()))?;
        match self.transport.send_raw(&envelope, raw) {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(describe(&e))),
            Err(e) if e.is_transient() => Err(SendError::Refused(describe(&e))),
            Err(e) => Err(SendError::Lost(describe(&e))),
        }
    }
}

/// An SMTP error with its causes on one line (lettre's own text often
/// leaves out the part that says what went wrong).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
