//! The project's small IMAP interface over the `imap` crate: the TLS
//! stream made here (verified with `account::tls_config`, bounded waits),
//! login, the special folders, APPEND, and read-only lookups (EXAMINE +
//! PEEK).
//!
//! The crate's own connection helpers can't take a CA file or timeouts and
//! may fall back to plaintext, so the stream is made here and handed over.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail, Context as _, Result};
use imap_proto::types::NameAttribute;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::account::Login;
use crate::config::{Account, Mechanism, Security, Service};
use crate::oauth::Source;

/// A connection, encrypted or (to loopback only) not.
#[derive(Debug)]
pub enum Stream {
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Plain(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tls(s) => s.read(buf),
            Stream::Plain(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tls(s) => s.write(buf),
            Stream::Plain(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tls(s) => s.flush(),
            Stream::Plain(s) => s.flush(),
        }
    }
}

/// Which special folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Sent,
    Drafts,
}

impl Special {
    /// The SPECIAL-USE attribute (RFC 6154) that marks it.
    pub fn attribute(self) -> &'static str {
        match self {
            Special::Sent => "\\Sent",
            Special::Drafts => "\\Drafts",
        }
    }

    /// The names clients and servers give it, most common first, for
    /// servers that mark no folder: Outlook and Exchange say "Sent Items",
    /// Apple Mail "Sent Messages", Gmail "[Gmail]/Sent Mail" (or
    /// "[Google Mail]/…" in some countries).
    pub fn well_known_names(self) -> &'static [&'static str] {
        match self {
            Special::Sent => &[
                "Sent",
                "Sent Items",
                "Sent Messages",
                "Sent Mail",
                "[Gmail]/Sent Mail",
                "[Google Mail]/Sent Mail",
            ],
            Special::Drafts => &["Drafts", "Draft", "[Gmail]/Drafts", "[Google Mail]/Drafts"],
        }
    }
}

/// How a special folder was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// The server marks it with the SPECIAL-USE attribute.
    Marked,
    /// No folder is marked; this one has a well-known name.
    Name,
}

/// The `which` folder in a folder list (name, attributes): the one the
/// server marks, else the first well-known name that exists, at the top
/// level or just below INBOX (as servers with an "INBOX." namespace, such
/// as Cyrus and Courier, name it), compared without regard to case.
pub fn find_special(
    folders: &[(String, Vec<String>)],
    which: Special,
) -> Option<(String, FoundBy)> {
    let want = which.attribute();
    if let Some((name, _)) = folders
        .iter()
        .find(|(_, attrs)| attrs.iter().any(|a| a.eq_ignore_ascii_case(want)))
    {
        return Some((name.clone(), FoundBy::Marked));
    }
    // "INBOX.Sent" or "INBOX/Sent" is "Sent" in the user's own namespace.
    let plain = |name: &str| -> String {
        match name.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("INBOX.") || p.eq_ignore_ascii_case("INBOX/") => {
                name[6..].to_string()
            }
            _ => name.to_string(),
        }
    };
    which.well_known_names().iter().find_map(|known| {
        folders
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(known))
            .or_else(|| {
                folders
                    .iter()
                    .find(|(name, _)| same_path(&plain(name), known))
            })
            .map(|(name, _)| (name.clone(), FoundBy::Name))
    })
}

/// Folder paths compared without regard to case or to the hierarchy
/// separator: Gmail's "[Gmail]/Sent Mail" is "[Gmail].Sent Mail" on a
/// server that separates with a dot (Cyrus, Courier), as when a Gmail
/// account's folders were copied there.
fn same_path(a: &str, b: &str) -> bool {
    let norm = |c: u8| match c {
        b'.' => b'/',
        c => c.to_ascii_lowercase(),
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

pub struct Imap {
    session: ::imap::Session<Stream>,
    /// The account's own `sent_folder` and `drafts_folder`, which win over
    /// what the server marks.
    sent_folder: Option<String>,
    drafts_folder: Option<String>,
    /// When the OAuth token the session logged in with is due for renewal.
    renew_at: Option<SystemTime>,
    /// Whether MULTIAPPEND with LITERAL+ is offered (asked on first use).
    multiappend: Option<bool>,
}

/// A mailbox as EXAMINE reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxInfo {
    pub uid_validity: u32,
    /// The UID the next message will get (None if the server won't say).
    pub uid_next: Option<u32>,
    pub exists: u32,
}

/// The header fields classification reads: enough to tell a reply, an
/// auto-reply and a bounce apart without fetching bodies.
pub const HEADER_FIELDS: &str = "FROM SENDER TO CC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES AUTO-SUBMITTED X-AUTOREPLY X-AUTORESPOND PRECEDENCE CONTENT-TYPE RETURN-PATH X-FAILED-RECIPIENTS LIST-ID";

/// How much of a message is read when the body is needed: a bounce's
/// report and an auto-reply's text come first; attachments after them are
/// not worth the memory.
pub const BODY_LIMIT: u32 = 256 * 1024;

fn wrap_tls(tcp: TcpStream, host: &str, config: Arc<ClientConfig>) -> Result<Stream> {
    let name = ServerName::try_from(host.trim_matches(|c| c == '[' || c == ']').to_string())
        .map_err(|_| anyhow!("`{host}` is not a valid server name"))?;
    let conn = ClientConnection::new(config, name).context("setting up TLS")?;
    let mut tls = StreamOwned::new(conn, tcp);
    // Handshake now, so a certificate problem is reported as such.
    while tls.conn.is_handshaking() {
        tls.conn
            .complete_io(&mut tls.sock)
            .map_err(|e| anyhow!("TLS handshake with {host} failed: {e}"))?;
    }
    Ok(Stream::Tls(Box::new(tls)))
}

/// One SASL exchange for the imap crate, which sends no initial response
/// with the command: the first (empty) challenge gets it, a second one
/// (the error JSON of a refused token) gets the mechanism's answer.
struct Sasl {
    initial: String,
    mechanism: Mechanism,
    round: Cell<u32>,
}

impl ::imap::Authenticator for Sasl {
    type Response = String;
    fn process(&self, _challenge: &[u8]) -> String {
        let round = self.round.get();
        self.round.set(round + 1);
        if round == 0 {
            self.initial.clone()
        } else {
            crate::sasl::error_answer(self.mechanism).to_string()
        }
    }
}

/// Logs in with an OAuth 2.0 token; when the server refuses one got
/// earlier in this run, once more with a new one.
fn authenticate(
    mut client: ::imap::Client<Stream>,
    host: &str,
    port: u16,
    user: &str,
    mechanism: Mechanism,
    source: &Source,
) -> Result<(::imap::Session<Stream>, Option<SystemTime>)> {
    let name = crate::sasl::name(mechanism);
    let mut fresh = false;
    loop {
        let asked = SystemTime::now();
        let token = source.token(fresh)?;
        let sasl = Sasl {
            initial: crate::sasl::initial_response(mechanism, user, host, port, token.secret()),
            mechanism,
            round: Cell::new(0),
        };
        match client.authenticate(name, &sasl) {
            Ok(session) => return Ok((session, token.renew_at())),
            // Dovecot: "NO [UNAVAILABLE] Temporary authentication failure."
            Err((::imap::Error::No(no), _))
                if no.information.contains("UNAVAILABLE")
                    || no.information.contains("Temporary") =>
            {
                bail!("the IMAP server {host} could not check the OAuth 2.0 token for {user} just now (its token service may be down): try again later");
            }
            Err((e @ (::imap::Error::No(_) | ::imap::Error::Bad(_)), c)) => {
                if !fresh && token.obtained < asked {
                    client = c;
                    fresh = true;
                    continue;
                }
                bail!(
                    "the IMAP server {host} refused the OAuth 2.0 token for {user} ({name}: {e}): {}",
                    source.remedy()
                );
            }
            Err((e, _)) => {
                return Err(e).with_context(|| format!("logging in to the IMAP server {host}"))
            }
        }
    }
}

/// Reads one CRLF-terminated line byte by byte, so nothing after it is
/// consumed before a STARTTLS handshake.
fn read_line(s: &mut TcpStream) -> Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if s.read(&mut byte)? == 0 {
            bail!("the server closed the connection");
        }
        line.push(byte[0]);
        if line.len() > 8192 {
            bail!("the server sent an over-long line");
        }
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

impl Imap {
    /// Connects, verifies TLS, and logs in with `password`. `root`
    /// resolves a relative `ca_file`.
    pub fn connect(account: &Account, root: &Path, password: &str) -> Result<Imap> {
        Imap::connect_with(account, root, &Login::Password(password.to_string()))
    }

    /// Connects, verifies TLS, and logs in as `login` says.
    pub fn connect_with(account: &Account, root: &Path, login: &Login) -> Result<Imap> {
        let host = account.host.as_str();
        let port = account.port_for(Service::Imap);
        let timeout = Duration::from_secs(account.timeout_seconds);
        let addr = (host, port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve the IMAP server {host}"))?
            .next()
            .with_context(|| format!("no address for the IMAP server {host}"))?;
        let mut tcp = TcpStream::connect_timeout(&addr, timeout)
            .with_context(|| format!("cannot connect to the IMAP server {host}:{port}"))?;
        tcp.set_read_timeout(Some(timeout))?;
        tcp.set_write_timeout(Some(timeout))?;
        let ca = account.ca_file.as_ref().map(|c| root.join(c));
        let mut client = match account.security {
            Security::Tls => {
                let mut c = ::imap::Client::new(wrap_tls(
                    tcp,
                    host,
                    crate::account::tls_config(ca.as_deref())?,
                )?);
                c.read_greeting().context("reading the IMAP greeting")?;
                c
            }
            Security::Starttls => {
                let greeting = read_line(&mut tcp)?;
                if !greeting.starts_with("* OK") {
                    bail!("unexpected IMAP greeting from {host}: {greeting}");
                }
                tcp.write_all(b"a0 STARTTLS\r\n")?;
                loop {
                    let line = read_line(&mut tcp)?;
                    if line.starts_with("a0 OK") {
                        break;
                    }
                    if line.starts_with("a0 ") {
                        bail!("the IMAP server {host} refused STARTTLS: {line}");
                    }
                }
                ::imap::Client::new(wrap_tls(
                    tcp,
                    host,
                    crate::account::tls_config(ca.as_deref())?,
                )?)
            }
            Security::None => {
                let mut c = ::imap::Client::new(Stream::Plain(tcp));
                c.read_greeting().context("reading the IMAP greeting")?;
                c
            }
        };
        client.debug = false;
        let user = account
            .username
            .as_deref()
            .context("the imap account needs a `username`")?;
        let (session, renew_at) = match login {
            Login::Password(password) => {
                let session = client.login(user, password).map_err(|(e, _)| {
                    let text = format!("the IMAP server {host} refused the login for {user}: {e}");
                    match crate::account::oauth_hint(&text) {
                        Some(hint) => anyhow!("{text}: {hint}"),
                        None => anyhow!(text),
                    }
                })?;
                (session, None)
            }
            Login::OAuth { mechanism, source } => {
                authenticate(client, host, port, user, *mechanism, source)?
            }
        };
        Ok(Imap {
            session,
            sent_folder: account.sent_folder.clone(),
            drafts_folder: account.drafts_folder.clone(),
            renew_at,
            multiappend: None,
        })
    }

    /// Whether the session's OAuth token is due for renewal: a new
    /// session should be opened (some servers end the old one when its
    /// token expires).
    pub fn renewal_due(&self) -> bool {
        self.renew_at.is_some_and(|r| SystemTime::now() >= r)
    }

    /// The Sent or Drafts folder: the one outreach.yaml names, else the
    /// one the server marks with SPECIAL-USE, else one with a well-known
    /// name (see `find_special`), if any.
    pub fn special(&mut self, which: Special) -> Result<Option<String>> {
        let configured = match which {
            Special::Sent => &self.sent_folder,
            Special::Drafts => &self.drafts_folder,
        };
        if let Some(name) = configured {
            return Ok(Some(name.clone()));
        }
        Ok(find_special(&self.folders()?, which).map(|(name, _)| name))
    }

    /// Adds a message to `mailbox` with the given flags.
    pub fn append(
        &mut self,
        mailbox: &str,
        raw: &[u8],
        flags: &[::imap::types::Flag<'static>],
    ) -> Result<()> {
        if mailbox.contains(['"', '\\']) {
            bail!("refusing a folder name with quotes or backslashes: {mailbox}");
        }
        let mut cmd = self.session.append(mailbox, raw);
        for f in flags {
            cmd.flag(f.clone());
        }
        cmd.finish()
            .with_context(|| format!("adding a message to {mailbox}"))?;
        Ok(())
    }

    /// Files `messages` in `mailbox` with `flags`: in one MULTIAPPEND (RFC
    /// 3502) with non-synchronizing literals (RFC 7888) when the server
    /// offers both, so the server stores them in one go; else one APPEND
    /// each. A refused MULTIAPPEND files none of them.
    pub fn append_all(
        &mut self,
        mailbox: &str,
        messages: &[&[u8]],
        flags: &[::imap::types::Flag<'static>],
    ) -> Result<()> {
        if mailbox.contains(['"', '\\']) {
            bail!("refusing a folder name with quotes or backslashes: {mailbox}");
        }
        let texts: Option<Vec<&str>> = messages
            .iter()
            .map(|m| std::str::from_utf8(m).ok())
            .collect();
        let texts = match texts {
            Some(t) if messages.len() > 1 && self.multiappend()? => t,
            _ => {
                for m in messages {
                    self.append(mailbox, m, flags)?;
                }
                return Ok(());
            }
        };
        let flags = flags
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let mut command = format!("APPEND \"{mailbox}\"");
        for text in texts {
            command.push_str(&format!(" ({flags}) {{{}+}}\r\n{text}", text.len()));
        }
        self.session
            .run(&command)
            .with_context(|| format!("adding {} messages to {mailbox}", messages.len()))?;
        Ok(())
    }

    /// Whether the server takes several messages in one APPEND without
    /// waiting for a go-ahead before each.
    fn multiappend(&mut self) -> Result<bool> {
        if self.multiappend.is_none() {
            let caps = self
                .session
                .capabilities()
                .context("asking for CAPABILITY")?;
            self.multiappend = Some(caps.has_str("MULTIAPPEND") && caps.has_str("LITERAL+"));
        }
        Ok(self.multiappend == Some(true))
    }

    /// UIDs in `mailbox` (opened read-only) whose Message-ID is `id`
    /// (without angle brackets).
    pub fn find_message_id(&mut self, mailbox: &str, id: &str) -> Result<Vec<u32>> {
        if id.contains(['"', '\\', '\r', '\n']) {
            bail!("refusing to search for a malformed Message-ID");
        }
        self.session
            .examine(mailbox)
            .with_context(|| format!("opening {mailbox}"))?;
        let found = self
            .session
            .uid_search(format!("HEADER Message-ID \"<{id}>\""))
            .with_context(|| format!("searching {mailbox}"))?;
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The flags of message `uid` in `mailbox`, read without changing them.
    pub fn flags(&mut self, mailbox: &str, uid: u32) -> Result<Vec<String>> {
        self.session.examine(mailbox)?;
        let fetches = self.session.uid_fetch(uid.to_string(), "FLAGS")?;
        Ok(fetches
            .iter()
            .flat_map(|f| {
                f.flags()
                    .iter()
                    .map(|fl| format!("{fl:?}"))
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    /// The raw header of message `uid`, fetched with BODY.PEEK.
    pub fn header(&mut self, mailbox: &str, uid: u32) -> Result<Vec<u8>> {
        self.session.examine(mailbox)?;
        let fetches = self
            .session
            .uid_fetch(uid.to_string(), "BODY.PEEK[HEADER]")?;
        fetches
            .iter()
            .find_map(|f| f.header().map(<[u8]>::to_vec))
            .with_context(|| format!("no message {uid} in {mailbox}"))
    }

    /// Opens `mailbox` read-only (EXAMINE: nothing in it can change).
    pub fn examine(&mut self, mailbox: &str) -> Result<MailboxInfo> {
        let m = self
            .session
            .examine(mailbox)
            .with_context(|| format!("opening {mailbox}"))?;
        Ok(MailboxInfo {
            uid_validity: m
                .uid_validity
                .with_context(|| format!("the server gave no UIDVALIDITY for {mailbox}"))?,
            uid_next: m.uid_next,
            exists: m.exists,
        })
    }

    /// The lowest UID in the mailbox opened by `examine` whose Date header
    /// is on or after `day` (None: no such message). SENTSINCE is read
    /// from the server's header cache, where SINCE (the arrival date)
    /// makes it look at every message.
    pub fn first_uid_sent_since(&mut self, day: chrono::NaiveDate) -> Result<Option<u32>> {
        let uids = self
            .session
            .uid_search(format!("SENTSINCE {}", day.format("%-d-%b-%Y")))
            .context("searching by date")?;
        Ok(uids.into_iter().min())
    }

    /// The classification headers of the messages with UIDs `first..=last`
    /// in the mailbox opened by `examine`, read with BODY.PEEK (no flag
    /// changes), in UID order, drafts left out. `last` None means to the
    /// end.
    pub fn headers(&mut self, first: u32, last: Option<u32>) -> Result<Vec<(u32, Vec<u8>)>> {
        let range = match last {
            Some(l) => format!("{first}:{l}"),
            None => format!("{first}:*"),
        };
        let fetches = self
            .session
            .uid_fetch(
                &range,
                format!("(UID FLAGS BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])"),
            )
            .context("reading message headers")?;
        let mut out: Vec<(u32, Vec<u8>)> = fetches
            .iter()
            // A draft was neither sent nor received (Gmail's All Mail
            // holds the user's drafts too).
            .filter(|f| !f.flags().contains(&::imap::types::Flag::Draft))
            .filter_map(|f| Some((f.uid?, f.header().unwrap_or_default().to_vec())))
            // `N:*` names the last message even when its UID is below N.
            .filter(|(uid, _)| *uid >= first && last.is_none_or(|l| *uid <= l))
            .collect();
        out.sort_unstable_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// The first BODY_LIMIT bytes of each message in `uids`, read with
    /// BODY.PEEK.
    pub fn messages(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetches = self
            .session
            .uid_fetch(&set, format!("(UID BODY.PEEK[]<0.{BODY_LIMIT}>)"))
            .context("reading messages")?;
        Ok(fetches
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect())
    }

    /// Reads the newest message whole and throws it away: a session's
    /// first whole-message read is slow on some servers (Dovecot's Maildir
    /// reads its whole UID list), and a spare session pays that while the
    /// first one reads headers.
    pub fn warm_up(&mut self, exists: u32) -> Result<()> {
        if exists > 0 {
            self.session
                .fetch(exists.to_string(), format!("BODY.PEEK[]<0.{BODY_LIMIT}>"))
                .context("reading the newest message")?;
        }
        Ok(())
    }

    /// Every folder with its special-use attributes (e.g. `\Sent`).
    pub fn folders(&mut self) -> Result<Vec<(String, Vec<String>)>> {
        let names = self
            .session
            .list(Some(""), Some("*"))
            .context("listing folders")?;
        Ok(names
            .iter()
            .map(|n| {
                let attrs = n
                    .attributes()
                    .iter()
                    .filter_map(|a| match a {
                        NameAttribute::Sent => Some("\\Sent"),
                        NameAttribute::Drafts => Some("\\Drafts"),
                        NameAttribute::Trash => Some("\\Trash"),
                        NameAttribute::Junk => Some("\\Junk"),
                        NameAttribute::Archive => Some("\\Archive"),
                        NameAttribute::All => Some("\\All"),
                        NameAttribute::Flagged => Some("\\Flagged"),
                        _ => None,
                    })
                    .map(str::to_string)
                    .collect();
                (n.name().to_string(), attrs)
            })
            .collect())
    }

    pub fn logout(mut self) -> Result<()> {
        self.session.logout()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        items
            .iter()
            .map(|(n, a)| (n.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_marked_folder_wins_over_any_name() {
        let l = list(&[
            ("INBOX", &[]),
            ("Sent", &[]),
            ("Gesendet", &["\\Sent"]),
            ("Drafts", &[]),
        ]);
        assert_eq!(
            find_special(&l, Special::Sent),
            Some(("Gesendet".into(), FoundBy::Marked))
        );
        assert_eq!(
            find_special(&l, Special::Drafts),
            Some(("Drafts".into(), FoundBy::Name))
        );
    }

    #[test]
    fn without_special_use_each_well_known_sent_name_is_found() {
        for name in [
            "Sent",
            "Sent Items",
            "Sent Messages",
            "Sent Mail",
            "[Gmail]/Sent Mail",
            "[Google Mail]/Sent Mail",
            "INBOX.Sent",
            "INBOX.Sent Items",
            "INBOX/Sent Messages",
            "INBOX.[Gmail].Sent Mail",
            "[Gmail].Sent Mail",
            "sent items",
        ] {
            let l = list(&[
                ("INBOX", &[]),
                ("Archive", &[]),
                (name, &[]),
                ("Trash", &[]),
            ]);
            assert_eq!(
                find_special(&l, Special::Sent),
                Some((name.to_string(), FoundBy::Name)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_most_common_name_wins_and_a_lookalike_is_not_taken() {
        let l = list(&[("Sent Messages", &[]), ("Sent Items", &[]), ("Sent", &[])]);
        assert_eq!(find_special(&l, Special::Sent).unwrap().0, "Sent");
        let l = list(&[("Sent Messages", &[]), ("INBOX.Sent Items", &[])]);
        assert_eq!(
            find_special(&l, Special::Sent).unwrap().0,
            "INBOX.Sent Items"
        );
        let l = list(&[
            ("INBOX", &[]),
            ("Sentinel", &[]),
            ("Old/Sent", &[]),
            ("INBOXSent", &[]),
        ]);
        assert_eq!(find_special(&l, Special::Sent), None);
        let l = list(&[("[Gmail]/Drafts", &[]), ("[Gmail]/All Mail", &["\\All"])]);
        assert_eq!(
            find_special(&l, Special::Drafts).unwrap().0,
            "[Gmail]/Drafts"
        );
    }

    #[test]
    fn special_use_attributes_match_in_any_case() {
        // Cyrus sends "\sent", Dovecot "\Sent".
        let l = list(&[("INBOX.Outbox", &["\\sent"])]);
        assert_eq!(
            find_special(&l, Special::Sent),
            Some(("INBOX.Outbox".into(), FoundBy::Marked))
        );
    }
}
