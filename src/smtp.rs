//! Sending over SMTP with lettre: one authenticated connection reused for
//! a batch, TLS verified, failures sorted into permanent and transient.
//! OAuth 2.0 logins (XOAUTH2, OAUTHBEARER) are driven by hand: lettre has
//! no OAUTHBEARER, and reports a refused XOAUTH2 token as its own error.

use std::path::Path;
use std::time::{Duration, SystemTime};

use std::cell::{Cell, RefCell};
use std::fmt;

use anyhow::{Context as _, Result};
use base64::Engine as _;
use lettre::transport::smtp::authentication::{Credentials, Mechanism as AuthMechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::Address;

use crate::account::Login;
use crate::config::{Account, Mechanism, Security, Service};
use crate::oauth::Source;

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
    /// The user name and how it logs in.
    login: Option<(String, Login)>,
    /// When the session's OAuth token should be renewed: the session is
    /// then reopened, so no server ends it mid-batch for an expired token.
    renew_at: Cell<Option<SystemTime>>,
    /// Whether the session's server takes the envelope in one write.
    pipelining: Cell<bool>,
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
        login: Option<Login>,
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
            login: account.username.clone().zip(login),
            renew_at: Cell::new(None),
            pipelining: Cell::new(false),
            host: host.clone(),
        };
        smtp.reachable()
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("cannot log in to the SMTP server {host}:{port}"))?;
        Ok(smtp)
    }

    fn open(&self) -> Result<SmtpConnection, String> {
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
        )
        .map_err(|e| describe(&e))?;
        if let (false, Some(params)) = (self.wrapper, &self.tls) {
            conn.starttls(params, &self.hello)
                .map_err(|e| describe(&e))?;
        }
        // lettre keeps no note of PIPELINING (RFC 2920): the answer to a
        // second EHLO, before the login, says.
        let ehlo = conn
            .command(Ehlo::new(self.hello.clone()))
            .map_err(|e| describe(&e))?;
        self.pipelining.set(
            ehlo.message()
                .any(|l| l.trim().eq_ignore_ascii_case("PIPELINING")),
        );
        self.renew_at.set(None);
        match &self.login {
            None => {}
            Some((user, Login::Password(password))) => {
                let c = Credentials::new(user.clone(), password.clone());
                conn.auth(&[AuthMechanism::Plain, AuthMechanism::Login], &c)
                    .map_err(|e| {
                        let text = describe(&e);
                        match crate::account::oauth_hint(&text) {
                            Some(hint) => format!("{text}: {hint}"),
                            None => text,
                        }
                    })?;
            }
            Some((user, Login::OAuth { mechanism, source })) => {
                let renew = self.authenticate(&mut conn, user, *mechanism, source)?;
                self.renew_at.set(renew);
            }
        }
        Ok(conn)
    }

    /// Logs in with an OAuth 2.0 token; when the server refuses one got
    /// earlier in this run, once more with a new one. Returns when the
    /// token should be renewed.
    fn authenticate(
        &self,
        conn: &mut SmtpConnection,
        user: &str,
        mechanism: Mechanism,
        source: &Source,
    ) -> Result<Option<SystemTime>, String> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let name = crate::sasl::name(mechanism);
        let mut fresh = false;
        loop {
            let asked = SystemTime::now();
            let token = source.token(fresh).map_err(|e| format!("{e:#}"))?;
            let initial = crate::sasl::initial_response(
                mechanism,
                user,
                &self.server.0,
                self.server.1,
                token.secret(),
            );
            let refusal = match conn.command(format!("AUTH {name} {}\r\n", b64(&initial))) {
                Ok(r) if r.has_code(235) => return Ok(token.renew_at()),
                // The error challenge: answer it to get the final reply.
                Ok(r) if r.has_code(334) => {
                    match conn.command(format!("{}\r\n", b64(crate::sasl::error_answer(mechanism))))
                    {
                        Ok(r) => {
                            format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
                        }
                        Err(e) => describe(&e),
                    }
                }
                Ok(r) => format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")),
                Err(e) if e.is_permanent() || e.is_transient() => describe(&e),
                Err(e) => return Err(describe(&e)),
            };
            if !fresh && token.obtained < asked {
                fresh = true;
                continue;
            }
            return Err(format!(
                "the server refused the OAuth 2.0 token for {user} ({name}: {refusal}): {}",
                source.remedy()
            ));
        }
    }

    /// Makes sure there is a session, opening (and logging in) one when the
    /// last was closed after an error, or when its OAuth token is due for
    /// renewal. An open session is not probed: a session that died
    /// meanwhile fails `send` before the data, harmlessly.
    pub fn reachable(&self) -> Result<(), String> {
        let mut slot = self.conn.borrow_mut();
        if slot.is_some() {
            let due = self.renew_at.get().is_some_and(|r| SystemTime::now() >= r);
            if !due {
                return Ok(());
            }
            if let Some(mut old) = slot.take() {
                let _ = old.quit();
            }
        }
        let conn = self.open()?;
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
        let result = if self.pipelining.get() {
            // RFC 2920: the envelope in one write and its three answers
            // read in turn, one round trip instead of three. After a
            // refusal the rest go unread: the session is dropped below.
            let envelope = format!(
                "{}{}{}",
                Mail::new(Some(from), params),
                Rcpt::new(to, vec![]),
                Data
            );
            conn.command(envelope)
                .and_then(|_| conn.read_response())
                .and_then(|_| conn.read_response())
        } else {
            conn.command(Mail::new(Some(from), params))
                .and_then(|_| conn.command(Rcpt::new(to, vec![])))
                .and_then(|_| conn.command(Data))
        }
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
                // A provider refusing password logins may say so only
                // here: keep the message queued, with the advice.
                if let Some(hint) = crate::account::oauth_hint(&describe(&e)) {
                    return Err(SendError::Refused(format!("{}: {hint}", describe(&e))));
                }
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
