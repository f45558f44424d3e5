//! `auth: oauth2` against the real stack: Postfix and Dovecot taking
//! XOAUTH2 and OAUTHBEARER, Dovecot checking each token with the stack's
//! own authorization server (scripts/mailstack-oauth.py).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use outreach::journal::{Journal, State};

use crate::util::stack::{self, copies, Stack};
use crate::util::{assert_has, text, Workspace};

const LATER: &str = "2026-11-25T15:00:00Z";

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the stack with eval \"$(scripts/mailstack start)\"")
    })
}

/// HTTPS to the stack's authorization server, trusting its CA only.
fn agent(s: &Stack) -> ureq::Agent {
    use rustls_pki_types::pem::PemObject;
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let pem = std::fs::read(&s.ca).unwrap();
    let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem).unwrap();
    let roots = RootCerts::Specific(Arc::new(vec![
        Certificate::from_der(der.as_ref()).to_owned()
    ]));
    ureq::Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

fn hook(s: &Stack, path: &str, form: &[(&str, &str)]) {
    let url = format!("{}{path}", var("MAILSTACK_OAUTH_URL"));
    let r = agent(s).post(&url).send_form(form.to_vec()).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
}

/// Every token the server issued for `user`.
fn issued(s: &Stack, user: &str) -> Vec<String> {
    let url = format!("{}/test/issued", var("MAILSTACK_OAUTH_URL"));
    let mut r = agent(s).get(&url).query("user", user).call().unwrap();
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

/// A user of the stack with an `auth: oauth2` workspace: `how` is the
/// account's token settings (indented under smtp: and imap:).
struct OAuth {
    s: Stack,
    ws: Workspace,
    user: String,
    password: String,
    uniq: String,
    /// The user's state directory, outside the workspace.
    state: tempfile::TempDir,
}

impl OAuth {
    fn new(tag: &str, smtp_how: &str, imap_how: &str, contacts: usize) -> OAuth {
        let s = Stack::get();
        let (ws, user, password) = s.workspace(tag, "hello");
        let yaml = s
            .accounts_yaml(&user)
            .replace("imap:\n", &format!("  auth: oauth2\n{smtp_how}imap:\n"))
            + &format!("  auth: oauth2\n{imap_how}");
        ws.write(
            "outreach.yaml",
            &format!(
                "me:\n  name: Amina Yusuf\n  email: {user}\ntimezone: America/New_York\nlimits:\n  pause_seconds: 1\n{yaml}"
            ),
        );
        let uniq = format!("{tag}{}", std::process::id());
        let mut list = String::new();
        for i in 0..contacts {
            list.push_str(&format!(
                "- id: c{i}\n  name: Ngozi Okafor {i}\n  title: Dr.\n  email: {uniq}.{i}@{}\n",
                s.catchall_domain
            ));
        }
        ws.write("contacts/all.yaml", &list);
        OAuth {
            s,
            ws,
            user,
            password,
            uniq,
            state: tempfile::tempdir().unwrap(),
        }
    }

    /// Settings for the built-in login with the stack's public client.
    fn login_settings() -> String {
        format!(
            "  client_id: {}\n  token_url: {}\n  device_url: {}\n  auth_url: {}\n  scopes: [mail]\n",
            var("MAILSTACK_OAUTH_CLIENT_ID"),
            var("MAILSTACK_OAUTH_TOKEN_URL"),
            var("MAILSTACK_OAUTH_DEVICE_URL"),
            var("MAILSTACK_OAUTH_AUTH_URL"),
        )
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = self.ws.command(args);
        c.env("XDG_STATE_HOME", self.state.path())
            .env_remove("OUTREACH_SMTP_CLIENT_SECRET")
            .env_remove("OUTREACH_IMAP_CLIENT_SECRET")
            .env("BROWSER", "false");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "outreach {args:?}:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        self.no_token_in(&out);
        text(&out.stdout)
    }

    fn send(&self) -> Output {
        self.run(&["send", "hello", "--all", "--yes", "--now"])
    }

    fn journal(&self) -> Journal {
        Journal::open(&self.ws.path().join(".outreach")).unwrap()
    }

    fn sent_ids(&self) -> Vec<String> {
        self.journal()
            .in_state(State::Sent)
            .unwrap()
            .iter()
            .map(|m| m.message_id.clone())
            .collect()
    }

    /// No token the server issued for the user is in the output, or in
    /// any file under the workspace (the journal included).
    fn no_token_in(&self, out: &Output) {
        let tokens = issued(&self.s, &self.user);
        let files: Vec<Vec<u8>> = self
            .ws
            .files()
            .iter()
            .map(|f| std::fs::read(self.ws.path().join(f)).unwrap())
            .collect();
        for t in &tokens {
            // Tokens are `kind.payload.mac`: the MAC alone is secret enough.
            let mac = t.rsplit('.').next().unwrap();
            for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                assert!(!text(bytes).contains(mac), "a token in {what}");
            }
            for (f, bytes) in self.ws.files().iter().zip(&files) {
                assert!(
                    !bytes.windows(mac.len()).any(|w| w == mac.as_bytes()),
                    "a token in {}",
                    f.display()
                );
            }
        }
    }

    /// `outreach login --device`, approved by the test as the user.
    fn device_login(&self) {
        let mut child = self
            .command(&["login", "--device"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let code = loop {
            let line = lines.next().expect("a prompt with a code").unwrap();
            if let Some((_, rest)) = line.split_once("enter the code ") {
                break rest.trim().to_string();
            }
        };
        hook(
            &self.s,
            "/test/approve",
            &[("user_code", &code), ("user", &self.user)],
        );
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "login: {}", rest.join("\n"));
        assert_has(
            &text(&out.stdout),
            format!("logged in: smtp and imap as {}", self.user),
        );
    }

    fn stored(&self) -> Vec<std::path::PathBuf> {
        let dir = self.state.path().join("outreach/tokens");
        std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

fn token_command(user: &str) -> String {
    format!(
        "  token_command: {} {user}\n",
        var("MAILSTACK_OAUTH_TOKEN_COMMAND")
    )
}

/// send, check and draft --imap-drafts with token_command tokens.
fn send_check_draft(mechanism: &str) {
    let _g = stack::shared();
    let tag = format!("tc{mechanism}");
    let m = OAuth::new(&tag, "", "", 2);
    let how = format!("{}  mechanism: {mechanism}\n", token_command(&m.user));
    let cfg =
        m.ws.read("outreach.yaml")
            .replace("  auth: oauth2\n", &format!("  auth: oauth2\n{how}"));
    m.ws.write("outreach.yaml", &cfg);

    let out = m.ok(&["send", "hello", "--all", "--yes", "--now", "--no-pace"]);
    assert_has(&out, "2 sent, 0 failed");
    let ids = m.sent_ids();
    assert_eq!(copies(&mut m.s.catchall(), "INBOX", &ids, 30), vec![1, 1]);
    // The Sent copies went over IMAP with the token too.
    let mut own = m.s.login(&m.user, &m.password);
    assert_eq!(copies(&mut own, "Sent", &ids, 10), vec![1, 1]);

    // A reply, found by check.
    let from = format!("{}.0@{}", m.uniq, m.s.catchall_domain);
    m.s.deliver(
        &from,
        &m.user,
        &format!("From: {from}\nTo: {}\nSubject: Re: hello\nMessage-ID: <r.{}@x.test>\nIn-Reply-To: <{}>\n\nYes, Thursday.\n", m.user, m.uniq, ids[0]),
    );
    let found = stack::wait_for(20, || {
        let out = m
            .command(&["check", "--json"])
            .env("OUTREACH_NOW", LATER)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        m.no_token_in(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (!v["new"].as_array().unwrap().is_empty()).then_some(v)
    })
    .expect("check finds the reply");
    assert_eq!(found["new"].as_array().unwrap().len(), 1, "{found}");

    // Drafts for a new template, filed over IMAP.
    m.ws.write("templates/second.hbs", "---\nsubject: \"Another question for {{salutation}}\"\n---\nDear {{salutation}},\n\nOne more.\n\nAmina\n");
    let out = m.ok(&["draft", "second", "--to", "c1", "--imap-drafts"]);
    assert_has(&out, "filed 1 draft(s) in Drafts");
    assert_eq!(own.examine("Drafts").unwrap().exists, 1);
}

#[test]
fn token_command_sends_checks_and_files_drafts_over_xoauth2() {
    send_check_draft("xoauth2");
}

#[test]
fn token_command_sends_checks_and_files_drafts_over_oauthbearer() {
    send_check_draft("oauthbearer");
}

#[test]
fn device_login_then_send_and_doctor_and_logout() {
    let _g = stack::shared();
    let settings = OAuth::login_settings();
    let m = OAuth::new("device", &settings, "  mechanism: oauthbearer\n", 2);
    m.device_login();
    let stored = m.stored();
    assert_eq!(stored.len(), 1, "one login serves both accounts");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&stored[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let out = m.send();
    assert!(out.status.success(), "{}", text(&out.stderr));
    m.no_token_in(&out);
    assert_eq!(
        copies(&mut m.s.catchall(), "INBOX", &m.sent_ids(), 30),
        vec![1, 1]
    );

    let doctor = m.ok(&["doctor"]);
    assert_has(&doctor, "OAuth 2.0 (XOAUTH2, built-in login");
    assert_has(&doctor, "OAuth 2.0 (OAUTHBEARER, built-in login");
    assert_has(&doctor, "smtp OAuth 2.0 token: got one; expires in 59 min");
    assert_has(&doctor, "all good");

    assert_has(&m.ok(&["logout"]), "logged out: smtp and imap");
    assert!(m.stored().is_empty());
    let out = m.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert_has(&text(&out.stdout), "no stored login for the smtp account");
    assert_has(&text(&out.stdout), "run `outreach login smtp`");
}

#[test]
fn browser_login_with_pkce_then_send() {
    let _g = stack::shared();
    // The confidential client, its secret from a command.
    let settings = OAuth::login_settings().replace(
        &var("MAILSTACK_OAUTH_CLIENT_ID"),
        &var("MAILSTACK_OAUTH_CONFIDENTIAL_CLIENT_ID"),
    ) + &format!(
        "  client_secret_command: echo {}\n",
        var("MAILSTACK_OAUTH_CLIENT_SECRET")
    );
    let m = OAuth::new("pkce", &settings, "", 1);
    let mut child = m
        .command(&["login", "smtp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the address to open").unwrap();
        if line.starts_with("https://") {
            break line;
        }
    };
    assert_has(&url, "code_challenge_method=S256");
    // The browser: the server approves at once and redirects to the
    // loopback port, which outreach answers.
    let r = agent(&m.s).get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let back = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    let mut page = agent(&m.s).get(&back).call().unwrap();
    assert_has(&page.body_mut().read_to_string().unwrap(), "Logged in");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "login: {}", rest.join("\n"));
    assert_has(&text(&out.stdout), "logged in: smtp and imap");

    let out = m.send();
    assert!(out.status.success(), "{}", text(&out.stderr));
    m.no_token_in(&out);
    assert_eq!(
        copies(&mut m.s.catchall(), "INBOX", &m.sent_ids(), 30),
        vec![1]
    );
}

#[test]
fn a_token_expiring_mid_batch_is_renewed_and_the_batch_completes_once() {
    let _g = stack::shared();
    let m = OAuth::new("expiry", &OAuth::login_settings(), "", 5);
    m.device_login();
    hook(
        &m.s,
        "/test/lifetime",
        &[("user", &m.user), ("seconds", "2")],
    );
    let before = issued(&m.s, &m.user).len();
    // Paced one second apart: the 2 s tokens expire during the batch.
    let out = m.send();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    m.no_token_in(&out);
    assert_has(&text(&out.stdout), "5 sent, 0 failed");
    let ids = m.sent_ids();
    assert_eq!(copies(&mut m.s.catchall(), "INBOX", &ids, 30), vec![1; 5]);
    let mut own = m.s.login(&m.user, &m.password);
    assert_eq!(copies(&mut own, "Sent", &ids, 10), vec![1; 5]);
    // Each grant issues an access and a refresh token: renewed at least
    // twice after the first.
    let grants = (issued(&m.s, &m.user).len() - before) / 2;
    assert!(grants >= 2, "{grants} grants");
}

#[test]
fn a_wrong_token_sends_nothing_and_says_what_to_check() {
    let _g = stack::shared();
    let m = OAuth::new(
        "wrong",
        "  token_command: echo not-a-token\n",
        "  token_command: echo not-a-token\n",
        2,
    );
    let out = m.send();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_has(&err, "refused the OAuth 2.0 token for");
    assert_has(
        &err,
        "check that the smtp token_command prints a current access token",
    );
    assert!(!err.contains("not-a-token"), "{err}");
    assert!(m.sent_ids().is_empty());
    assert!(m.journal().messages().unwrap().is_empty(), "nothing queued");

    // A command that fails or prints nothing is named, its output not shown.
    let cfg =
        m.ws.read("outreach.yaml")
            .replace("echo not-a-token", "echo s3cr3t; exit 4");
    m.ws.write("outreach.yaml", &cfg);
    let err = text(&m.send().stderr);
    assert_has(&err, "the smtp token_command `echo s3cr3t; exit 4` failed");
    assert_eq!(err.matches("s3cr3t").count(), 1, "{err}");
}

#[test]
fn a_revoked_refresh_token_sends_nothing() {
    let _g = stack::shared();
    let m = OAuth::new("revoked", &OAuth::login_settings(), "", 2);
    m.device_login();
    hook(&m.s, "/test/revoke", &[("user", &m.user)]);
    let out = m.send();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    m.no_token_in(&out);
    let err = text(&out.stderr);
    assert_has(
        &err,
        "the token server refused the stored login for the smtp account",
    );
    assert_has(&err, "invalid_grant");
    assert_has(&err, "run `outreach login smtp` again");
    assert!(m.journal().messages().unwrap().is_empty(), "nothing queued");
    // Logging in again mends it.
    m.device_login();
    let out = m.send();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        copies(&mut m.s.catchall(), "INBOX", &m.sent_ids(), 30),
        vec![1, 1]
    );
}

#[test]
fn a_login_is_never_kept_in_the_workspace() {
    let _g = stack::shared();
    let m = OAuth::new("inside", &OAuth::login_settings(), "", 1);
    let out = m
        .command(&["login", "--device"])
        .env("XDG_STATE_HOME", m.ws.path().join(".state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_has(&text(&out.stderr), "inside the workspace");
    assert!(!Path::new(&m.ws.path().join(".state")).exists());
}
