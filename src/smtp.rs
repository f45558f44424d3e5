//! Sending over SMTP with lettre: one authenticated connection reused for
//! a batch, TLS verified, failures sorted into permanent and transient.

use std::path::Path;
use std::time::Duration;

use std::cell::RefCell;
use std::fmt;

use anyhow::{Context as _, Result};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::Address;

use crate::config::{Account, Security, Service};

/// Why one message did not go out.
#[derive(Debug)]
pub enum SendError {
    /// The server refused it for good (5xx): retrying will not help.
    Permanent(String),
    /// Refused for now (4xx): nothing went out; try again later.
    Refused(String),
    /// The session failed before the message data was sent (often an idle
    /// session the server had closed): nothing can have been accepted.
    NotSent(String),
    /// The connection failed mid-transaction: the server may have accepted
    /// the message, so it must not be sent again blindly.
    Lost(String),
}

/// One SMTP session reused for a batch, reopened when it is lost.
pub struct Smtp {
    conn: RefCell<Option<SmtpConnection>>,
    server: (String, u16),
    timeout: Duration,
    hello: ClientId,
    tls: Option<TlsParameters>,
    /// TLS from the first byte (else STARTTLS, when `tls` is set).
    wrapper: bool,
    credentials: Option<Credentials>,
    pub host: String,
}

/// The message data and its end marker, written in one piece: lettre's own
/// `message` writes the end marker separately, and that small second
/// write waits out the peer's delayed ACK (about 40 ms a message).
struct Payload<'a>(&'a [u8]);

impl fmt::Display for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message is CRLF text built by lettre; dot-stuff it.
        let text = String::from_utf8_lossy(self.0);
        for line in text.split_inclusive("\r\n") {
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
        }
        if !text.ends_with("\r\n") {
            f.write_str("\r\n")?;
        }
        f.write_str(".\r\n")
    }
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
            Security::None => None,
            Security::Starttls | Security::Tls => {
                let ca = account.ca_file.as_ref().map(|c| root.join(c));
                Some(crate::account::smtp_tls(&host, ca.as_deref())?)
            }
        };
        let port = account.port_for(Service::Smtp);
        let smtp = Smtp {
            conn: RefCell::new(None),
            server: (host.clone(), port),
            timeout: Duration::from_secs(account.timeout_seconds),
            hello: ClientId::Domain(domain.to_string()),
            tls,
            wrapper: account.security == Security::Tls,
            credentials: match (&account.username, password) {
                (Some(user), Some(pass)) => Some(Credentials::new(user.clone(), pass)),
                _ => None,
            },
            host: host.clone(),
        };
        smtp.reachable()
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("cannot log in to the SMTP server {host}:{port}"))?;
        Ok(smtp)
    }

    fn open(&self) -> Result<SmtpConnection, lettre::transport::smtp::Error> {
        let tls = if self.wrapper {
            self.tls.as_ref()
        } else {
            None
        };
        let mut conn = SmtpConnection::connect(
            self.server.clone(),
            Some(self.timeout),
            &self.hello,
            tls,
            None,
        )?;
        if let (false, Some(params)) = (self.wrapper, &self.tls) {
            conn.starttls(params, &self.hello)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)?;
        }
        Ok(conn)
    }

    /// Makes sure there is a session, opening (and logging in) one when the
    /// last was closed after an error. An open session is not probed: a
    /// session that died meanwhile fails `send` before the data, harmlessly.
    pub fn reachable(&self) -> Result<(), String> {
        let mut slot = self.conn.borrow_mut();
        if slot.is_some() {
            return Ok(());
        }
        let conn = self.open().map_err(|e| describe(&e))?;
        *slot = Some(conn);
        Ok(())
    }

    /// Hands one message to the server; returns the server's answer. Call
    /// `reachable` first: without a session nothing is sent. `ready` runs
    /// after the server agreed to take the data and before it goes; an
    /// error from it ends the transaction with nothing sent. Any error
    /// closes the session, so the next message starts on a fresh one.
    pub fn send(
        &self,
        from: &str,
        to: &str,
        raw: &[u8],
        ready: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<String, SendError> {
        let from: Address = from
            .parse()
            .map_err(|e| SendError::Permanent(format!("sender {from}: {e}")))?;
        let to: Address = to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient {to}: {e}")))?;
        let mut slot = self.conn.borrow_mut();
        let Some(conn) = slot.as_mut() else {
            return Err(SendError::NotSent("no SMTP session".to_string()));
        };
        let mut params = Vec::new();
        if !raw.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let result = conn
            .command(Mail::new(Some(from), params))
            .and_then(|_| conn.command(Rcpt::new(to, vec![])))
            .and_then(|_| conn.command(Data))
            .map_err(|e| (e, false));
        if result.is_ok() {
            if let Err(why) = ready() {
                conn.abort();
                *slot = None;
                return Err(SendError::NotSent(why));
            }
        }
        let result = result.and_then(|_| conn.command(Payload(raw)).map_err(|e| (e, true)));
        match result {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err((e, in_data)) => {
                conn.abort();
                *slot = None;
                if e.is_permanent() {
                    Err(SendError::Permanent(describe(&e)))
                } else if e.is_transient() {
                    Err(SendError::Refused(describe(&e)))
                } else if in_data {
                    Err(SendError::Lost(describe(&e)))
                } else {
                    Err(SendError::NotSent(describe(&e)))
                }
            }
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
