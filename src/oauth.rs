//! OAuth 2.0 access tokens for the mail accounts (`auth: oauth2`): from
//! the user's `token_command`, or from the built-in login (device
//! authorization grant, RFC 8628; authorization code with PKCE, RFC 7636,
//! and a loopback redirect, RFC 8252) whose refresh token
//! `token_store` keeps outside the workspace.
//!
//! Access tokens live in this process's memory only: never on disk, in
//! the journal, in a log or an error message.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, bail, Context as _, Result};
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::config::{Account, Auth, Config, Provider, Service};
use crate::token_store::Store;

/// Where a provider's endpoints are, and what it needs asked.
struct Preset {
    auth_url: &'static str,
    token_url: &'static str,
    device_url: &'static str,
    scopes: &'static [&'static str],
    redirect_host: &'static str,
    /// Extra authorization request parameters.
    extra: &'static [(&'static str, &'static str)],
}

fn preset(p: Provider) -> Preset {
    match p {
        Provider::Google => Preset {
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth",
            token_url: "https://oauth2.googleapis.com/token",
            device_url: "https://oauth2.googleapis.com/device/code",
            scopes: &["https://mail.google.com/"],
            redirect_host: "127.0.0.1",
            // Without these Google gives no refresh token.
            extra: &[("access_type", "offline"), ("prompt", "consent")],
        },
        // `{tenant}` is replaced.
        Provider::Microsoft => Preset {
            auth_url: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            token_url: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            device_url: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
            scopes: &[
                "https://outlook.office.com/SMTP.Send",
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "offline_access",
            ],
            // Entra ID matches `http://localhost` redirects on any port.
            redirect_host: "localhost",
            extra: &[],
        },
    }
}

/// The account's setting, else the other account's when that one logs in
/// the same user with OAuth too: the client is written down once.
fn setting<'a, T: ?Sized>(
    a: &'a Account,
    other: Option<&'a Account>,
    get: impl Fn(&'a Account) -> Option<&'a T>,
) -> Option<&'a T> {
    get(a).or_else(|| {
        other
            .filter(|o| o.auth == Auth::Oauth2 && o.username == a.username)
            .and_then(get)
    })
}

/// What is wrong with an account's OAuth settings, if anything. `other`
/// is the other account, whose client settings this one may share.
pub fn check_account(a: &Account, other: Option<&Account>) -> Vec<String> {
    let mut why = Vec::new();
    if a.auth == Auth::Password {
        for (key, set) in [
            ("token_command", a.token_command.is_some()),
            ("provider", a.provider.is_some()),
            ("client_id", a.client_id.is_some()),
            ("token_url", a.token_url.is_some()),
        ] {
            if set {
                why.push(format!("`{key}` is used only with `auth: oauth2`"));
            }
        }
        return why;
    }
    if a.username.is_none() {
        why.push("`auth: oauth2` needs `username` (the account's address)".into());
    }
    if a.password_command.is_some() {
        why.push("`password_command` is not used with `auth: oauth2`: remove it".into());
    }
    if a.token_command.is_none() {
        let client = setting(a, other, |x| x.client_id.as_ref());
        let endpoint = setting(a, other, |x| x.provider.as_ref()).is_some()
            || setting(a, other, |x| x.token_url.as_ref()).is_some();
        if client.is_none() || !endpoint {
            why.push("`auth: oauth2` needs `token_command`, or `client_id` with `provider` (google, microsoft) or `token_url` for `outreach login`".into());
        }
    }
    for (key, url) in [
        ("auth_url", &a.auth_url),
        ("token_url", &a.token_url),
        ("device_url", &a.device_url),
    ] {
        if let Some(url) = url {
            if let Err(e) = check_url(url) {
                why.push(format!("`{key}` {e}"));
            }
        }
    }
    if let Some(h) = &a.redirect_host {
        if !crate::config::is_loopback(h) {
            why.push(format!(
                "`redirect_host` must be 127.0.0.1 or localhost, not {h}"
            ));
        }
    }
    why
}

/// An endpoint must be HTTPS, except on this machine.
fn check_url(url: &str) -> Result<(), String> {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if !crate::config::is_loopback(host) {
            return Err(format!("{url} must be https://"));
        }
        r
    } else {
        return Err(format!("{url} is not an http(s) URL"));
    };
    if rest.is_empty() {
        return Err(format!("{url} has no host"));
    }
    Ok(())
}

/// An OAuth client for the built-in login of one account.
pub struct Client {
    /// "smtp" or "imap", for messages and variable names.
    pub section: &'static str,
    pub username: String,
    pub client_id: String,
    secret_command: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: String,
    pub device_url: Option<String>,
    pub scopes: Vec<String>,
    redirect_host: String,
    extra: &'static [(&'static str, &'static str)],
    pub store: Store,
    ca_file: Option<PathBuf>,
    timeout: Duration,
}

/// "smtp" or "imap".
pub fn section(service: Service) -> &'static str {
    match service {
        Service::Smtp => "smtp",
        Service::Imap => "imap",
    }
}

/// The account for `service` and the other one.
fn accounts(config: &Config, service: Service) -> (Option<&Account>, Option<&Account>) {
    match service {
        Service::Smtp => (config.smtp.as_ref(), config.imap.as_ref()),
        Service::Imap => (config.imap.as_ref(), config.smtp.as_ref()),
    }
}

impl Client {
    /// The built-in login's client for `service` (checked settings).
    pub fn new(config: &Config, root: &Path, service: Service) -> Result<Client> {
        let section = section(service);
        let (Some(a), other) = accounts(config, service) else {
            bail!("no {section} account in outreach.yaml");
        };
        if a.auth != Auth::Oauth2 {
            bail!("the {section} account logs in with a password (set `auth: oauth2` to use OAuth 2.0)");
        }
        let pick = |get: fn(&Account) -> Option<&String>| setting(a, other, get).cloned();
        let username = a.username.clone().context("no username")?;
        let client_id = pick(|x| x.client_id.as_ref()).with_context(|| {
            format!("the {section} account has no `client_id` for `outreach login` (see the README on registering a client)")
        })?;
        let tenant = pick(|x| x.tenant.as_ref()).unwrap_or_else(|| "common".into());
        let p = setting(a, other, |x| x.provider.as_ref()).map(|p| preset(*p));
        let from_preset =
            |f: fn(&Preset) -> &'static str| p.as_ref().map(|p| f(p).replace("{tenant}", &tenant));
        let token_url = pick(|x| x.token_url.as_ref())
            .or_else(|| from_preset(|p| p.token_url))
            .with_context(|| format!("the {section} account needs `provider` or `token_url`"))?;
        let scopes = setting(a, other, |x| x.scopes.as_ref())
            .cloned()
            .or_else(|| {
                p.as_ref()
                    .map(|p| p.scopes.iter().map(|s| s.to_string()).collect())
            })
            .unwrap_or_default();
        let key = store_key(&username, &token_url, &client_id, &scopes);
        let store = Store::new(
            key,
            pick(|x| x.token_store_command.as_ref()).as_deref(),
            root,
        )?;
        Ok(Client {
            section,
            username,
            client_id,
            secret_command: pick(|x| x.client_secret_command.as_ref()),
            auth_url: pick(|x| x.auth_url.as_ref()).or_else(|| from_preset(|p| p.auth_url)),
            token_url,
            device_url: pick(|x| x.device_url.as_ref()).or_else(|| from_preset(|p| p.device_url)),
            scopes,
            redirect_host: pick(|x| x.redirect_host.as_ref())
                .or_else(|| from_preset(|p| p.redirect_host))
                .unwrap_or_else(|| "127.0.0.1".into()),
            extra: p.as_ref().map_or(&[], |p| p.extra),
            store,
            ca_file: a.ca_file.as_ref().map(|c| root.join(c)),
            timeout: Duration::from_secs(a.timeout_seconds),
        })
    }

    /// The client secret, when the client has one: from
    /// OUTREACH_<SECTION>_CLIENT_SECRET, else `client_secret_command`.
    fn secret(&self) -> Result<Option<String>> {
        let var = format!("OUTREACH_{}_CLIENT_SECRET", self.section.to_uppercase());
        if let Ok(s) = std::env::var(&var) {
            if !s.is_empty() {
                return Ok(Some(s));
            }
        }
        match &self.secret_command {
            None => Ok(None),
            Some(cmd) => Ok(Some(run_secret_command(
                cmd,
                &format!("{} client_secret_command", self.section),
                self.timeout.max(Duration::from_secs(10)),
            )?)),
        }
    }

    /// POSTs `form` (and the client's id and secret) to `url`; the HTTP
    /// status and the JSON answer.
    fn post(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, Value)> {
        let secret = self.secret()?;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("client_id", &self.client_id));
        if let Some(s) = &secret {
            fields.push(("client_secret", s));
        }
        let agent = agent(self.ca_file.as_deref(), self.timeout)?;
        let mut response = agent
            .post(url)
            .header("Accept", "application/json")
            .send_form(fields)
            .map_err(|e| anyhow!("cannot reach the token server {}: {e}", host_of(url)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| anyhow!("reading the answer of {}: {e}", host_of(url)))?;
        let json = serde_json::from_str(&body).map_err(|_| {
            anyhow!(
                "the token server {} answered HTTP {status} without JSON",
                host_of(url)
            )
        })?;
        Ok((status, json))
    }

    /// A new access token from the stored refresh token.
    pub fn refresh(&self) -> Result<Token> {
        let Some(refresh) = self.store.get()? else {
            bail!(
                "no stored login for the {s} account ({u}): run `outreach login {s}`",
                s = self.section,
                u = self.username
            );
        };
        let (status, json) = self.post(
            &self.token_url,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )?;
        let granted = parse_grant(status, &json, SystemTime::now()).map_err(|e| {
            anyhow!(
                "the token server refused the stored login for the {s} account ({u}): {e}; run `outreach login {s}` again",
                s = self.section,
                u = self.username
            )
        })?;
        if let Some(new) = &granted.refresh {
            if *new != refresh {
                self.store.put(new)?;
            }
        }
        Ok(granted.token)
    }

    /// Logs in through the device authorization grant: the user enters a
    /// code on any device. Prompts go to `tell`.
    pub fn login_device(&self, tell: &mut dyn Write) -> Result<()> {
        let url = self.device_url.as_deref().with_context(|| {
            format!(
                "the {} account has no device_url for `outreach login --device`",
                self.section
            )
        })?;
        let scope = self.scopes.join(" ");
        let (status, json) = self.post(url, &[("scope", &scope)])?;
        let start = Instant::now();
        let device = parse_device(status, &json)
            .map_err(|e| anyhow!("the device login could not start: {e}"))?;
        writeln!(
            tell,
            "To log in as {}, open {} and enter the code {}",
            self.username, device.verification_uri, device.user_code
        )?;
        if let Some(complete) = &device.complete_uri {
            writeln!(tell, "(or open {complete})")?;
        }
        writeln!(tell, "Waiting for the login to be approved …")?;
        let mut interval = device.interval;
        let deadline = start + device.expires_in;
        loop {
            std::thread::sleep(interval);
            if Instant::now() > deadline {
                bail!("the code expired before the login was approved; run `outreach login` again");
            }
            let (status, json) = self.post(
                &self.token_url,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", &device.device_code),
                ],
            )?;
            match parse_grant(status, &json, SystemTime::now()) {
                Ok(g) => return self.keep(g),
                Err(e) if e.code == "authorization_pending" => {}
                Err(e) if e.code == "slow_down" => interval += Duration::from_secs(5),
                Err(e) => bail!("the login was not completed: {e}"),
            }
        }
    }

    /// Logs in through the browser: authorization code with PKCE, the
    /// answer caught on a loopback port. Prompts go to `tell`.
    pub fn login_browser(&self, tell: &mut dyn Write, open: bool) -> Result<()> {
        let auth_url = self.auth_url.as_deref().with_context(|| {
            format!(
                "the {} account has no auth_url for a browser login (try --device)",
                self.section
            )
        })?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .context("cannot listen on a loopback port for the login's redirect")?;
        let port = listener.local_addr()?.port();
        let redirect = format!("http://{}:{port}/", self.redirect_host);
        let verifier = random_b64(32)?;
        let state = random_b64(16)?;
        let challenge = pkce_challenge(&verifier);
        let scope = self.scopes.join(" ");
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &redirect),
            ("scope", &scope),
            ("state", &state),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("login_hint", &self.username),
        ];
        params.extend_from_slice(self.extra);
        let url = with_query(auth_url, &params);
        writeln!(
            tell,
            "To log in as {}, open this address in a browser:\n{url}",
            self.username
        )?;
        if open {
            open_browser(&url);
        }
        writeln!(tell, "Waiting for the browser to come back …")?;
        let code = wait_for_code(&listener, &state, Duration::from_secs(300))?;
        let (status, json) = self.post(
            &self.token_url,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &redirect),
                ("code_verifier", &verifier),
            ],
        )?;
        let granted = parse_grant(status, &json, SystemTime::now())
            .map_err(|e| anyhow!("the token server refused the login: {e}"))?;
        self.keep(granted)
    }

    /// Stores the refresh token of a completed login, and keeps the access
    /// token for this run.
    fn keep(&self, g: Granted) -> Result<()> {
        let refresh = g.refresh.with_context(|| {
            format!(
                "the token server gave no refresh token (for Microsoft add the `offline_access` scope); {} would have to log in every hour",
                self.section
            )
        })?;
        self.store.put(&refresh)?;
        remember(self.store.key(), &g.token);
        Ok(())
    }
}

/// The built-in logins of the accounts (only `only`'s, when given), one
/// per stored token, each with the sections it serves: an SMTP and an
/// IMAP account of the same user and client share one.
pub fn logins(
    config: &Config,
    root: &Path,
    only: Option<Service>,
) -> Result<Vec<(Vec<&'static str>, Client)>> {
    let mut out: Vec<(Vec<&'static str>, Client)> = Vec::new();
    let mut with_command = Vec::new();
    for service in [Service::Smtp, Service::Imap] {
        let (Some(a), _) = accounts(config, service) else {
            continue;
        };
        if a.auth != Auth::Oauth2 {
            continue;
        }
        if a.token_command.is_some() {
            if only.is_none_or(|o| o == service) {
                with_command.push(section(service));
            }
            continue;
        }
        let client = Client::new(config, root, service)?;
        match out
            .iter_mut()
            .find(|(_, c)| c.store.key() == client.store.key())
        {
            Some((sections, _)) => sections.push(client.section),
            None => out.push((vec![client.section], client)),
        }
    }
    if let Some(o) = only {
        out.retain(|(sections, _)| sections.contains(&section(o)));
    }
    if out.is_empty() {
        match (only, with_command.is_empty()) {
            (_, false) => bail!(
                "the {} account gets its tokens from `token_command`: log in with that tool",
                with_command.join(" and ")
            ),
            (Some(s), true) => bail!("the {} account does not use `auth: oauth2`", section(s)),
            (None, true) => bail!("no account in outreach.yaml uses `auth: oauth2`"),
        }
    }
    Ok(out)
}

/// An HTTPS agent trusting the public roots, or only `ca_file` when one
/// is given.
fn agent(ca_file: Option<&Path>, timeout: Duration) -> Result<ureq::Agent> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let roots = match ca_file {
        None => RootCerts::WebPki,
        Some(path) => {
            let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read ca_file {}", path.display()))?
                .collect::<Result<_, _>>()
                .with_context(|| format!("ca_file {} is not PEM", path.display()))?;
            RootCerts::Specific(Arc::new(
                certs
                    .iter()
                    .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                    .collect(),
            ))
        }
    };
    Ok(ureq::Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        // Token answers are never cached or redirected.
        .max_redirects(0)
        .build()
        .into())
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

fn random_b64(n: usize) -> Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow!("no randomness from the system"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 code challenge for a PKCE verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// All but RFC 3986's unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `base` with `params` added as its query.
pub fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut url = base.to_string();
    let mut sep = if base.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        url.push(sep);
        url.push_str(&utf8_percent_encode(k, QUERY).to_string());
        url.push('=');
        url.push_str(&utf8_percent_encode(v, QUERY).to_string());
        sep = '&';
    }
    url
}

/// The query parameters of a request target such as `/?code=…&state=…`.
pub fn query_params(target: &str) -> Vec<(String, String)> {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

fn open_browser(url: &str) {
    let program = std::env::var("BROWSER").ok().unwrap_or_else(|| {
        if cfg!(target_os = "macos") {
            "open".into()
        } else {
            "xdg-open".into()
        }
    });
    // Best effort: the address is printed either way.
    let _ = Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// Waits on `listener` for the browser's redirect and returns its code.
fn wait_for_code(listener: &TcpListener, state: &str, wait: Duration) -> Result<String> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + wait;
    loop {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    bail!("no answer from the browser within {} s", wait.as_secs());
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(e).context("waiting for the browser"),
        };
        if let Some(result) = answer_redirect(stream, state)? {
            return result;
        }
    }
}

/// Reads one request on the loopback port: None when it is not the
/// redirect (a favicon, a probe), else the code or why there is none.
fn answer_redirect(mut stream: TcpStream, state: &str) -> Result<Option<Result<String>>> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let target = text
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("");
    let params = query_params(target);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (result, page) = match (get("code"), get("error")) {
        (None, None) => {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return Ok(None);
        }
        (_, Some(err)) => {
            let desc = get("error_description").unwrap_or_default();
            (
                Err(anyhow!("the login was refused: {err} {desc}")),
                "The login was refused; see the terminal.",
            )
        }
        (Some(_), None) if get("state").as_deref() != Some(state) => (
            Err(anyhow!(
                "the browser's answer does not belong to this login (state differs)"
            )),
            "This answer does not belong to the login under way.",
        ),
        (Some(code), None) => (Ok(code), "Logged in. You can close this tab."),
    };
    let body = format!("<!doctype html><title>outreach</title><p>{page}</p>\n");
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    Ok(Some(result))
}

/// A store key naming the login: who, at which token server, with which
/// client and scopes.
fn store_key(user: &str, token_url: &str, client_id: &str, scopes: &[String]) -> String {
    let mut sorted: Vec<&str> = scopes.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let text = format!("{token_url}\n{client_id}\n{}", sorted.join(" "));
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    let hex: String = digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name: String = user
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@.+-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}-{hex}")
}

/// An access token. Its Debug form leaves the secret out.
#[derive(Clone)]
pub struct Token {
    secret: String,
    pub obtained: SystemTime,
    /// None when the source does not say (a `token_command`).
    pub expires: Option<SystemTime>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl Token {
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// When to get a new one: a minute before it expires, or a quarter of
    /// its life for a short-lived one.
    pub fn renew_at(&self) -> Option<SystemTime> {
        let expires = self.expires?;
        let life = expires
            .duration_since(self.obtained)
            .unwrap_or(Duration::ZERO);
        Some(expires - (life / 4).min(Duration::from_secs(60)))
    }

    /// Whether it is still good to use at `now`.
    pub fn usable(&self, now: SystemTime) -> bool {
        self.renew_at().is_none_or(|r| now < r)
    }
}

/// A successful token answer.
pub struct Granted {
    pub token: Token,
    pub refresh: Option<String>,
}

/// A token server's refusal (RFC 6749 section 5.2).
#[derive(Debug)]
pub struct Refusal {
    pub code: String,
    pub description: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if !self.description.is_empty() {
            write!(f, " ({})", self.description)?;
        }
        Ok(())
    }
}

fn text_field(json: &Value, key: &str) -> Option<String> {
    json.get(key)?.as_str().map(str::to_string)
}

/// Reads a token endpoint's answer.
pub fn parse_grant(status: u16, json: &Value, now: SystemTime) -> Result<Granted, Refusal> {
    if let Some(code) = text_field(json, "error") {
        // The first line, shortened: Microsoft's run to trace ids.
        let description = text_field(json, "error_description")
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        return Err(Refusal { code, description });
    }
    let Some(secret) = text_field(json, "access_token").filter(|t| !t.is_empty()) else {
        return Err(Refusal {
            code: format!("HTTP {status}"),
            description: "the answer holds no access_token".into(),
        });
    };
    if let Some(kind) = text_field(json, "token_type") {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(Refusal {
                code: "unsupported token_type".into(),
                description: kind,
            });
        }
    }
    // Some servers send the number as a string.
    let expires_in = json.get("expires_in").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    Ok(Granted {
        token: Token {
            secret,
            obtained: now,
            expires: expires_in.map(|s| now + Duration::from_secs(s)),
        },
        refresh: text_field(json, "refresh_token").filter(|t| !t.is_empty()),
    })
}

/// A device authorization answer (RFC 8628 section 3.2).
#[derive(Debug)]
pub struct Device {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub complete_uri: Option<String>,
    pub interval: Duration,
    pub expires_in: Duration,
}

pub fn parse_device(status: u16, json: &Value) -> Result<Device, Refusal> {
    if let Some(code) = text_field(json, "error") {
        return Err(Refusal {
            code,
            description: text_field(json, "error_description").unwrap_or_default(),
        });
    }
    let need = |k: &str| {
        text_field(json, k).ok_or_else(|| Refusal {
            code: format!("HTTP {status}"),
            description: format!("the answer holds no {k}"),
        })
    };
    let secs = |k: &str, default: u64| {
        Duration::from_secs(json.get(k).and_then(Value::as_u64).unwrap_or(default))
    };
    Ok(Device {
        device_code: need("device_code")?,
        user_code: need("user_code")?,
        // Google says verification_url.
        verification_uri: need("verification_uri").or_else(|_| need("verification_url"))?,
        complete_uri: text_field(json, "verification_uri_complete"),
        interval: secs("interval", 5),
        expires_in: secs("expires_in", 600),
    })
}

/// Where an account's access tokens come from.
pub enum Source {
    /// The user's command prints one.
    Command {
        section: &'static str,
        command: String,
        timeout: Duration,
    },
    /// The built-in login's stored refresh token.
    Stored(Box<Client>),
}

/// Access tokens got in this run, by source, shared by the SMTP and IMAP
/// sessions (one refresh serves both).
static CACHE: Mutex<Vec<(String, Token)>> = Mutex::new(Vec::new());

fn remember(key: &str, token: &Token) {
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(k, _)| k != key);
    cache.push((key.to_string(), token.clone()));
}

impl Source {
    /// The source for an `auth: oauth2` account.
    pub fn new(config: &Config, root: &Path, service: Service) -> Result<Source> {
        let section = section(service);
        let (Some(a), _) = accounts(config, service) else {
            bail!("no {section} account in outreach.yaml");
        };
        Ok(match &a.token_command {
            Some(cmd) => Source::Command {
                section,
                command: cmd.clone(),
                timeout: Duration::from_secs(a.timeout_seconds),
            },
            None => Source::Stored(Box::new(Client::new(config, root, service)?)),
        })
    }

    fn key(&self) -> String {
        match self {
            Source::Command { command, .. } => format!("command:{command}"),
            Source::Stored(c) => c.store.key().to_string(),
        }
    }

    /// A current access token: the one got earlier in this run while it
    /// is good, else a new one (always a new one when `fresh`).
    pub fn token(&self, fresh: bool) -> Result<Token> {
        let key = self.key();
        if !fresh {
            let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, t)) = cache.iter().find(|(k, _)| *k == key) {
                if t.usable(SystemTime::now()) {
                    return Ok(t.clone());
                }
            }
        }
        let token = match self {
            Source::Command {
                section,
                command,
                timeout,
            } => Token {
                secret: run_secret_command(command, &format!("{section} token_command"), *timeout)?,
                obtained: SystemTime::now(),
                expires: None,
            },
            Source::Stored(client) => client.refresh()?,
        };
        remember(&key, &token);
        Ok(token)
    }

    /// How the token was got, for doctor.
    pub fn describe(&self) -> String {
        match self {
            Source::Command { .. } => "token from token_command".into(),
            Source::Stored(c) => format!("built-in login, refresh token in {}", c.store.describe()),
        }
    }

    /// What the user can do about a refused token.
    pub fn remedy(&self) -> String {
        match self {
            Source::Command { section, .. } => {
                format!("check that the {section} token_command prints a current access token for this account")
            }
            Source::Stored(c) => format!("run `outreach login {}`", c.section),
        }
    }
}

/// Runs `command` with `sh -c` and returns the first line it printed.
/// Its output is never shown: it is a secret. `what` names it in errors.
pub fn run_secret_command(command: &str, what: &str, timeout: Duration) -> Result<String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run the {what} `{command}`"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the {what} `{command}` did not finish within {} s",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        bail!("the {what} `{command}` failed ({status})");
    }
    let text = String::from_utf8(out)
        .map_err(|_| anyhow!("the {what} `{command}` printed something that is not UTF-8"))?;
    match text.lines().next().map(str::trim) {
        Some(line) if !line.is_empty() => Ok(line.to_string()),
        _ => bail!("the {what} `{command}` printed nothing"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_token_is_renewed_a_minute_early_or_a_quarter_of_a_short_life() {
        let g = parse_grant(
            200,
            &json!({"access_token": "a", "expires_in": 3600}),
            at(0),
        )
        .unwrap();
        assert_eq!(g.token.renew_at(), Some(at(3540)));
        assert!(g.token.usable(at(3539)));
        assert!(!g.token.usable(at(3540)));
        let g = parse_grant(200, &json!({"access_token": "a", "expires_in": "8"}), at(0)).unwrap();
        assert_eq!(g.token.renew_at(), Some(at(6)));
        let g = parse_grant(200, &json!({"access_token": "a"}), at(0)).unwrap();
        assert!(g.token.usable(at(1 << 40)));
    }

    #[test]
    fn refusals_and_odd_answers_are_errors_without_the_token() {
        let e = parse_grant(400, &json!({"error": "invalid_grant", "error_description": "AADSTS70008: expired\r\nTrace ID: x"}), at(0))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "invalid_grant (AADSTS70008: expired)");
        let e = parse_grant(
            200,
            &json!({"access_token": "s3cret", "token_type": "mac"}),
            at(0),
        )
        .err()
        .unwrap();
        assert!(!e.to_string().contains("s3cret"));
        assert!(parse_grant(502, &json!({}), at(0)).is_err());
        let t = parse_grant(200, &json!({"access_token": "s3cret"}), at(0))
            .unwrap()
            .token;
        assert!(!format!("{t:?}").contains("s3cret"));
    }

    #[test]
    fn device_answers_from_both_spellings() {
        let d = parse_device(
            200,
            &json!({"device_code": "d", "user_code": "AB-CD", "verification_url": "https://g/device", "interval": 2}),
        )
        .unwrap();
        assert_eq!(d.verification_uri, "https://g/device");
        assert_eq!(d.interval, Duration::from_secs(2));
        assert_eq!(d.expires_in, Duration::from_secs(600));
        assert!(parse_device(400, &json!({"error": "invalid_client"})).is_err());
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn queries_round_trip() {
        let url = with_query(
            "https://h/a?x=1",
            &[("redirect_uri", "http://127.0.0.1:5/"), ("scope", "a b")],
        );
        assert_eq!(
            url,
            "https://h/a?x=1&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2F&scope=a%20b"
        );
        let p = query_params("/?code=c%2Fd+e&state=s&empty");
        assert_eq!(
            p,
            vec![
                ("code".into(), "c/d e".into()),
                ("state".into(), "s".into()),
                ("empty".into(), String::new())
            ]
        );
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert!(check_url("https://login.microsoftonline.com/common").is_ok());
        assert!(check_url("http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("http://localhost/token").is_ok());
        assert!(check_url("http://example.org/token").is_err());
        assert!(check_url("ftp://example.org/").is_err());
    }

    #[test]
    fn store_keys_differ_by_client_and_not_by_scope_order() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let a = store_key("a@b.org", "https://t", "c1", &s(&["x", "y"]));
        assert_eq!(a, store_key("a@b.org", "https://t", "c1", &s(&["y", "x"])));
        assert_ne!(a, store_key("a@b.org", "https://t", "c2", &s(&["x", "y"])));
        assert!(a.starts_with("a@b.org-"));
        assert_eq!(
            store_key("a/../b", "t", "c", &[]).split('-').next(),
            Some("a_.._b")
        );
    }

    #[test]
    fn a_failing_or_silent_command_is_named_but_not_echoed() {
        let t = Duration::from_secs(5);
        let e = run_secret_command("echo tok3n; exit 3", "smtp token_command", t).unwrap_err();
        assert!(e.to_string().contains("failed"), "{e}");
        assert!(!e.to_string().replace("echo tok3n", "").contains("tok3n"));
        let e = run_secret_command("true", "smtp token_command", t).unwrap_err();
        assert!(e.to_string().contains("printed nothing"), "{e}");
        let e = run_secret_command("sleep 5", "x", Duration::from_millis(100)).unwrap_err();
        assert!(e.to_string().contains("did not finish"), "{e}");
        assert_eq!(
            run_secret_command("printf 'ab \\ncd'", "x", t).unwrap(),
            "ab"
        );
    }
}

#[cfg(test)]
mod config_tests {
    use crate::config::Config;

    const ME: &str = "me:\n  name: Amina Yusuf\n  email: amina@example.org\n";

    fn problems(accounts: &str) -> Vec<String> {
        match Config::parse(&format!("{ME}{accounts}")) {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn oauth_settings_are_checked_where_they_are_written() {
        assert!(problems("smtp:\n  host: h\n  username: a@b.org\n  auth: oauth2\n  token_command: oama access a@b.org\n").is_empty());
        let p = problems("smtp:\n  host: h\n  username: a@b.org\n  auth: oauth2\n");
        assert!(p[0].starts_with("outreach.yaml:4"), "{p:?}");
        assert!(
            p[0].contains("needs `token_command`, or `client_id`"),
            "{p:?}"
        );
        let p = problems("smtp:\n  host: h\n  username: a@b.org\n  token_command: x\n");
        assert!(
            p[0].contains("`token_command` is used only with `auth: oauth2`"),
            "{p:?}"
        );
        let p =
            problems("smtp:\n  host: h\n  auth: oauth2\n  token_command: x\n  mechanism: plain\n");
        assert!(!p.is_empty());
        let p = problems("smtp:\n  host: h\n  username: a@b.org\n  auth: oauth2\n  client_id: c\n  token_url: http://example.org/token\n");
        assert!(p[0].contains("must be https://"), "{p:?}");
    }

    #[test]
    fn imap_takes_the_client_written_under_smtp_for_the_same_user() {
        let smtp = "smtp:\n  host: h\n  username: a@b.org\n  auth: oauth2\n  provider: microsoft\n  client_id: c\n";
        assert!(problems(&format!(
            "{smtp}imap:\n  host: h\n  username: a@b.org\n  auth: oauth2\n"
        ))
        .is_empty());
        let p = problems(&format!(
            "{smtp}imap:\n  host: h\n  username: other@b.org\n  auth: oauth2\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
    }

    #[test]
    fn basic_auth_refusals_point_to_oauth2() {
        use crate::account::oauth_hint;
        assert!(oauth_hint(
            "550 5.7.30 Basic authentication is not supported for Client Submission."
        )
        .is_some());
        assert!(oauth_hint("534-5.7.9 Application-specific password required.").is_some());
        assert!(oauth_hint("535 5.7.8 Error: authentication failed").is_none());
    }
}
