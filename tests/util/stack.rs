//! The real mail server started by `scripts/mailstack`, as the tests see
//! it: addresses from MAILSTACK_* variables, a fresh user per test, and
//! IMAP look-ups that poll with a deadline.
//!
//! There are two IMAP servers behind the one Postfix: Dovecot, and Cyrus
//! (scripts/mailstack-imap2). A test written as `fn name(s: &Stack)` and
//! named in `per_server!` runs against each: `name::dovecot`, `name::cyrus`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use outreach::config::{Account, Security};
use outreach::imap::Imap;

use crate::util::Workspace;

/// Tests that stop a server take this for writing; all other mail tests
/// take it for reading, so they never see the server vanish under them.
static SERVER: RwLock<()> = RwLock::new(());

pub fn shared() -> RwLockReadGuard<'static, ()> {
    SERVER.read().unwrap_or_else(|e| e.into_inner())
}

pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    SERVER.write().unwrap_or_else(|e| e.into_inner())
}

/// Which IMAP server a `Stack` logs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Dovecot 2.3: folders at the top level ("Sent"), "/" separator.
    Dovecot,
    /// Cyrus 3.6 set up as Debian does: folders below INBOX
    /// ("INBOX.Sent"), "." separator.
    Cyrus,
}

/// Runs each test body `fn name(s: &Stack)` once per IMAP server, as the
/// tests `name::dovecot` and `name::cyrus`.
macro_rules! per_server {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::util::stack::{Server, Stack};
            #[test]
            fn dovecot() {
                super::$name(&Stack::on(Server::Dovecot))
            }
            #[test]
            fn cyrus() {
                super::$name(&Stack::on(Server::Cyrus))
            }
        }
    )*};
}
pub(crate) use per_server;

pub struct Stack {
    pub server: Server,
    pub host: String,
    pub submission: u16,
    pub smtps: u16,
    pub smtp: u16,
    pub imap: u16,
    pub imaps: u16,
    pub ca: PathBuf,
    pub domain: String,
    pub catchall_domain: String,
    pub catchall_user: String,
    pub catchall_password: String,
    pub script: PathBuf,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the real mail server. Start it with\n  eval \"$(scripts/mailstack start)\"\nor run the whole suite with scripts/test"
        )
    })
}

impl Stack {
    pub fn get() -> Stack {
        Stack {
            host: var("MAILSTACK_HOST"),
            submission: var("MAILSTACK_SUBMISSION_PORT").parse().unwrap(),
            smtps: var("MAILSTACK_SMTPS_PORT").parse().unwrap(),
            smtp: var("MAILSTACK_SMTP_PORT").parse().unwrap(),
            imap: var("MAILSTACK_IMAP_PORT").parse().unwrap(),
            imaps: var("MAILSTACK_IMAPS_PORT").parse().unwrap(),
            ca: var("MAILSTACK_CA").into(),
            domain: var("MAILSTACK_DOMAIN"),
            catchall_domain: var("MAILSTACK_CATCHALL_DOMAIN"),
            catchall_user: var("MAILSTACK_CATCHALL_USER"),
            catchall_password: var("MAILSTACK_CATCHALL_PASSWORD"),
            script: var("MAILSTACK_SCRIPT").into(),
            server: Server::Dovecot,
        }
    }

    /// The stack, with IMAP (and the users made by `new_user`) on `server`.
    /// SMTP is Postfix's either way, and the contacts stay in Dovecot's
    /// catch-all.
    pub fn on(server: Server) -> Stack {
        let mut s = Stack::get();
        if server == Server::Cyrus {
            s.server = server;
            s.host = var("MAILSTACK_IMAP2_HOST");
            s.imap = var("MAILSTACK_IMAP2_IMAP_PORT").parse().unwrap();
            s.imaps = var("MAILSTACK_IMAP2_IMAPS_PORT").parse().unwrap();
            s.ca = var("MAILSTACK_IMAP2_CA").into();
            s.domain = var("MAILSTACK_IMAP2_DOMAIN");
            s.script = var("MAILSTACK_IMAP2_SCRIPT").into();
        }
        s
    }

    /// The full name of the user's folder `name` ("Sent", "Sent Items")
    /// on this server.
    pub fn folder(&self, name: &str) -> String {
        match self.server {
            Server::Dovecot => name.to_string(),
            Server::Cyrus => format!("INBOX.{name}"),
        }
    }

    /// The Sent folder of a new user.
    pub fn sent(&self) -> String {
        self.folder("Sent")
    }

    /// The Drafts folder of a new user.
    pub fn drafts(&self) -> String {
        self.folder("Drafts")
    }

    /// Postfix's log, where each accepted message's Message-ID is named.
    pub fn postfix_log(&self) -> PathBuf {
        PathBuf::from(var("MAILSTACK_DIR")).join("log/postfix.log")
    }

    /// A new mailbox for one test: (address, password).
    pub fn new_user(&self, prefix: &str) -> (String, String) {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let user = format!("{prefix}-{}-{n}@{}", std::process::id(), self.domain);
        let password = format!("pw-{n}-{}", std::process::id());
        let out = Command::new(&self.script)
            .args(["adduser", &user, &password])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "adduser failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (user, password)
    }

    /// The IMAP account settings for `user` over implicit TLS.
    pub fn imap_account(&self, user: &str) -> Account {
        let yaml = format!(
            "host: {}\nport: {}\nsecurity: tls\nusername: {user}\nca_file: {}\ntimeout_seconds: 10\n",
            self.host,
            self.imaps,
            self.ca.display()
        );
        let a: Account = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(a.security, Security::Tls);
        a
    }

    pub fn login(&self, user: &str, password: &str) -> Imap {
        Imap::connect(
            &self.imap_account(user),
            std::path::Path::new("/"),
            password,
        )
        .expect("IMAP login")
    }

    /// The catch-all mailbox, Dovecot's whichever server this stack is on.
    pub fn catchall(&self) -> Imap {
        Stack::get().login(&self.catchall_user, &self.catchall_password)
    }

    /// The outreach.yaml `smtp:` + `imap:` sections for `user`.
    pub fn accounts_yaml(&self, user: &str) -> String {
        format!(
            "smtp:\n  host: {h}\n  port: {sub}\n  security: starttls\n  username: {user}\n  ca_file: {ca}\n  timeout_seconds: 10\nimap:\n  host: {h}\n  port: {imaps}\n  security: tls\n  username: {user}\n  ca_file: {ca}\n  timeout_seconds: 10\n",
            h = self.host,
            sub = self.submission,
            imaps = self.imaps,
            ca = self.ca.display()
        )
    }
}

impl Stack {
    /// Hands `raw` to Postfix's inbound port, as another server would:
    /// the way a contact's reply or an auto-reply reaches the user.
    pub fn deliver(&self, from: &str, to: &str, raw: &str) {
        use lettre::address::Envelope;
        use lettre::Transport;
        let mailer = lettre::SmtpTransport::builder_dangerous(&self.host)
            .port(self.smtp)
            .build();
        let envelope =
            Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap();
        mailer
            .send_raw(&envelope, raw.replace('\n', "\r\n").as_bytes())
            .expect("Postfix accepts the message");
    }

    /// A workspace that sends as a fresh user of this server (returned with
    /// its password), with a short first-contact template named `template`.
    pub fn workspace(&self, tag: &str, template: &str) -> (Workspace, String, String) {
        let (user, password) = self.new_user(tag);
        let ws = Workspace::empty();
        ws.write(
            "outreach.yaml",
            &format!(
                "me:\n  name: Amina Yusuf\n  email: {user}\ntimezone: America/New_York\n{}",
                self.accounts_yaml(&user)
            ),
        );
        ws.write(
            &format!("templates/{template}.hbs"),
            "---\nsubject: \"A question for {{salutation}}\"\n---\nDear {{salutation}},\n\nWould you have 15 minutes for a short call?\n\nAmina\n",
        );
        (ws, user, password)
    }

    /// Runs doveadm against the stack's Dovecot.
    pub fn doveadm(&self, args: &[&str]) -> String {
        assert_eq!(self.server, Server::Dovecot, "doveadm is Dovecot's");
        let out = Command::new(&self.script)
            .arg("doveadm")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "doveadm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Waits until `mailbox` holds `n` messages; returns how many it holds.
pub fn wait_count(imap: &mut Imap, mailbox: &str, n: u32, secs: u64) -> u32 {
    let mut seen = 0;
    wait_for(secs, || {
        seen = imap.examine(mailbox).unwrap().exists;
        (seen >= n).then_some(())
    });
    seen
}

/// Polls `f` until it returns Some or `secs` pass.
pub fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut pause = Duration::from_millis(20);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// How many copies of each Message-ID `mailbox` holds, once every one has
/// arrived (or the deadline passed).
pub fn copies(imap: &mut Imap, mailbox: &str, ids: &[String], secs: u64) -> Vec<usize> {
    let mut counts = vec![0; ids.len()];
    wait_for(secs, || {
        for (i, id) in ids.iter().enumerate() {
            if counts[i] == 0 {
                counts[i] = imap.find_message_id(mailbox, id).unwrap().len();
            }
        }
        counts.iter().all(|c| *c > 0).then_some(())
    });
    // A second look at each, now that all have arrived, catches duplicates.
    for (i, id) in ids.iter().enumerate() {
        counts[i] = imap.find_message_id(mailbox, id).unwrap().len();
    }
    counts
}

impl Stack {
    /// Logs in as `user` over implicit TLS and sends each of `commands`,
    /// which must succeed: for what outreach itself never does to a
    /// mailbox (renaming folders, taking a SPECIAL-USE mark off).
    pub fn raw_imap(&self, user: &str, password: &str, commands: &[&str]) {
        use std::io::{BufRead, BufReader, Write};
        let tcp = std::net::TcpStream::connect((self.host.as_str(), self.imaps)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let config = outreach::account::tls_config(Some(&self.ca)).unwrap();
        let name = rustls::pki_types::ServerName::try_from(self.host.clone()).unwrap();
        let conn = rustls::ClientConnection::new(config, name).unwrap();
        let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
        let mut line = String::new();
        tls.read_line(&mut line).unwrap();
        assert!(line.starts_with("* OK"), "greeting: {line}");
        let login = format!("LOGIN \"{user}\" \"{password}\"");
        for (i, cmd) in std::iter::once(login.as_str())
            .chain(commands.iter().copied())
            .enumerate()
        {
            let tag = format!("r{i}");
            write!(tls.get_mut(), "{tag} {cmd}\r\n").unwrap();
            tls.get_mut().flush().unwrap();
            loop {
                line.clear();
                assert!(
                    tls.read_line(&mut line).unwrap() > 0,
                    "{cmd}: connection closed"
                );
                if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                    assert!(status.starts_with("OK"), "{cmd}: {status}");
                    break;
                }
            }
        }
    }
}
