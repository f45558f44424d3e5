//! `outreach.yaml`: who the user is, their accounts, and the policies.
//!
//! Secrets are never read from here: a `password` key is refused with a
//! pointer to `password_command` and the environment variables.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::yaml;

pub const FILE: &str = "outreach.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub me: Me,
    /// The user's own IANA zone.
    #[serde(default = "default_zone")]
    pub timezone: String,
    pub smtp: Option<Account>,
    pub imap: Option<Account>,
    #[serde(default)]
    pub followup: FollowupPolicy,
    #[serde(default)]
    pub send_window: SendWindow,
    #[serde(default)]
    pub limits: Limits,
    /// Days on which nothing is sent or due (in addition to weekends).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

fn default_zone() -> String {
    "UTC".to_string()
}

/// The sender, as templates see it under `me`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Me {
    pub name: String,
    pub email: String,
    /// Country of medical training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The specialty the user is aiming for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    /// Where the user is now, e.g. "a research fellow at Example Hospital".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Degrees after the name in the signature, e.g. "MBBS".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, serde_yaml::Value>,
}

/// Field names a template may use under `me` (besides `me.vars.*`).
pub const ME_FIELDS: &[&str] = &[
    "name",
    "email",
    "country",
    "specialty",
    "position",
    "credentials",
    "phone",
    "vars",
];

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; refused if the server can't.
    Starttls,
    /// TLS from the first byte (ports 465, 993).
    Tls,
    /// No encryption: allowed only to a loopback host.
    None,
}

/// An SMTP or IMAP account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default = "default_security")]
    pub security: Security,
    pub username: Option<String>,
    /// A command whose first output line is the password.
    pub password_command: Option<String>,
    /// Refused: passwords never live in this file.
    #[serde(default)]
    password: Option<serde_yaml::Value>,
    /// An extra trust root (PEM), relative to the workspace.
    pub ca_file: Option<PathBuf>,
    /// Connect and read timeout.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// IMAP: the mailboxes `check` reads.
    #[serde(default = "default_mailboxes")]
    pub mailboxes: Vec<String>,
    /// IMAP: how far before the first outreach message a first check (or
    /// a rescan) reads back, for the user's own earlier mail to contacts
    /// (default: `tracking::default_lookback`).
    #[serde(default)]
    pub lookback_days: Option<u32>,
    /// IMAP: where sent copies go (found by SPECIAL-USE when absent).
    pub sent_folder: Option<String>,
    /// IMAP: where drafts go (found by SPECIAL-USE when absent).
    pub drafts_folder: Option<String>,
    /// SMTP: whether to file a copy in the IMAP Sent folder; by default
    /// yes, except for providers that file one themselves.
    pub save_sent_copy: Option<bool>,
    /// `password` (the default) or `oauth2`.
    #[serde(default)]
    pub auth: Auth,
    /// OAuth 2.0 (`crate::oauth`): the SASL mechanism.
    #[serde(default)]
    pub mechanism: Mechanism,
    /// OAuth 2.0: a command that prints a current access token (oama,
    /// pizauth, mutt_oauth2.py, gcloud …); else the built-in login.
    pub token_command: Option<String>,
    /// The built-in login: endpoints and scopes from a preset …
    pub provider: Option<Provider>,
    /// … for Microsoft, the directory (default `common`) …
    pub tenant: Option<String>,
    /// … or given one by one (each wins over the preset's).
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub device_url: Option<String>,
    pub scopes: Option<Vec<String>>,
    /// The host name in the loopback redirect (127.0.0.1 or localhost).
    pub redirect_host: Option<String>,
    /// The user's own registered client.
    pub client_id: Option<String>,
    /// A command printing the client secret, if the client has one (or
    /// the environment variable OUTREACH_SMTP_CLIENT_SECRET / _IMAP_).
    pub client_secret_command: Option<String>,
    /// A command keeping the refresh token (`get`, `put`, `delete` KEY),
    /// instead of a file in the user's state directory.
    pub token_store_command: Option<String>,
}

/// How an account logs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    #[default]
    Password,
    Oauth2,
}

/// The SASL mechanism carrying an OAuth 2.0 token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// Google's, and the only one Microsoft 365 takes.
    #[default]
    Xoauth2,
    /// RFC 7628.
    Oauthbearer,
}

/// OAuth 2.0 presets for the built-in login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Google,
    Microsoft,
}

/// What an account is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Smtp,
    Imap,
}

impl Account {
    /// The configured port, else the usual one for the service and the
    /// security.
    pub fn port_for(&self, service: Service) -> u16 {
        self.port.unwrap_or(match (service, self.security) {
            (Service::Smtp, Security::Tls) => 465,
            (Service::Smtp, Security::Starttls) => 587,
            (Service::Smtp, Security::None) => 25,
            (Service::Imap, Security::Tls) => 993,
            (Service::Imap, _) => 143,
        })
    }
}

fn default_security() -> Security {
    Security::Starttls
}
fn default_timeout() -> u64 {
    30
}
fn default_mailboxes() -> Vec<String> {
    vec!["INBOX".to_string()]
}

/// When follow-ups, check-ins and post-conference messages become due.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowupPolicy {
    /// Business days after the first message before the first follow-up.
    pub after_business_days: u32,
    /// Days between later follow-ups.
    pub then_days: u32,
    /// Follow-ups at most, per thread.
    pub max: u32,
    /// The template follow-ups use.
    pub template: String,
    /// Overrides by the first message's template, e.g.
    /// `post-conference: { after_business_days: 5, max: 1 }`.
    pub templates: std::collections::BTreeMap<String, RuleOverride>,
    /// The template of check-ins with mentors who have a `cadence`.
    pub checkin_template: String,
    /// The template written after meeting someone at an event.
    pub post_conference_template: String,
    /// Days after `met.date` within which the post-conference message
    /// should go (lint warns after).
    pub post_conference_within_days: u32,
    /// The agenda sent before a meeting.
    pub agenda_template: String,
    /// Business days before a meeting from which its agenda is due.
    pub agenda_business_days: u32,
    /// The thank-you after a meeting.
    pub thank_you_template: String,
    /// The update to a mentor about a milestone.
    pub milestone_template: String,
    /// The thank-you after an interview.
    pub interview_template: String,
}

/// Per-template changes to the follow-up rule; unset fields keep the
/// general one.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub after_business_days: Option<u32>,
    pub then_days: Option<u32>,
    pub max: Option<u32>,
    pub template: Option<String>,
}

impl Default for FollowupPolicy {
    fn default() -> Self {
        FollowupPolicy {
            after_business_days: 7,
            then_days: 14,
            max: 2,
            template: "follow-up".to_string(),
            templates: Default::default(),
            checkin_template: "update".to_string(),
            post_conference_template: "post-conference".to_string(),
            post_conference_within_days: 7,
            agenda_template: "agenda".to_string(),
            agenda_business_days: 2,
            thank_you_template: "thank-you".to_string(),
            milestone_template: "milestone".to_string(),
            interview_template: "interview-thanks".to_string(),
        }
    }
}

/// When messages may go out, in the recipient's zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendWindow {
    pub days: Vec<Day>,
    /// "HH:MM-HH:MM".
    pub hours: String,
}

impl Default for SendWindow {
    fn default() -> Self {
        SendWindow {
            days: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
            hours: "08:30-11:30".to_string(),
        }
    }
}

impl SendWindow {
    /// The window's start and end times of day. An end of `24:00` is the
    /// end of the day, given as midnight (see `schedule::Window::end`).
    pub fn hours(&self) -> Option<(NaiveTime, NaiveTime)> {
        let (a, b) = self.hours.split_once('-')?;
        let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
        if b.trim() == "24:00" {
            return Some((a, NaiveTime::MIN));
        }
        let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
        (a < b).then_some((a, b))
    }

    pub fn weekdays(&self) -> Vec<Weekday> {
        self.days.iter().map(|d| d.weekday()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub fn weekday(self) -> Weekday {
        match self {
            Day::Mon => Weekday::Mon,
            Day::Tue => Weekday::Tue,
            Day::Wed => Weekday::Wed,
            Day::Thu => Weekday::Thu,
            Day::Fri => Weekday::Fri,
            Day::Sat => Weekday::Sat,
            Day::Sun => Weekday::Sun,
        }
    }
}

/// Pacing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Messages at most per day.
    pub per_day: u32,
    /// Seconds between two messages.
    pub pause_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_day: 50,
            pause_seconds: 20,
        }
    }
}

impl Config {
    /// Reads and checks `outreach.yaml` in `root`.
    pub fn load(root: &Path) -> Result<Config, Vec<Problem>> {
        let path = root.join(FILE);
        if !path.exists() {
            return Err(vec![Problem::error(
                FILE,
                format!(
                    "cannot read {}: there is no such file (run `outreach init` to make a workspace)",
                    path.display()
                ),
            )]);
        }
        let text = yaml::read_text(&path, Path::new(FILE)).map_err(|p| vec![p])?;
        Self::parse(&text)
    }

    /// Parses and checks the text of `outreach.yaml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Problem>> {
        let file = Path::new(FILE);
        let config: Config = yaml::parse(file, text, 0).map_err(|p| vec![p])?;
        let problems = config.check(text);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    fn check(&self, text: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let end = text.lines().count();
        let at = |key: &str| format!("{FILE}:{}", yaml::key_line(text, 1, end, key));
        if self.me.name.trim().is_empty() {
            problems.push(Problem::error(at("name"), "`me.name` is blank"));
        }
        let me = &self.me;
        for (key, value) in [
            ("name", Some(&me.name)),
            ("email", Some(&me.email)),
            ("country", me.country.as_ref()),
            ("specialty", me.specialty.as_ref()),
            ("position", me.position.as_ref()),
            ("credentials", me.credentials.as_ref()),
            ("phone", me.phone.as_ref()),
        ] {
            if let Some(ch) = value.and_then(|v| crate::contact::control_char(v)) {
                problems.push(Problem::error(
                    at(key),
                    format!("`me.{key}` {}", crate::contact::describe_control(ch)),
                ));
            }
        }
        if !crate::contact::valid_address(&self.me.email) {
            problems.push(Problem::error(
                at("email"),
                format!(
                    "`me.email` `{}` is not a valid email address",
                    self.me.email
                ),
            ));
        }
        if chrono_tz::Tz::from_str(&self.timezone).is_err() {
            problems.push(Problem::error(
                at("timezone"),
                format!(
                    "unknown time zone `{}` (use an IANA name such as America/New_York)",
                    self.timezone
                ),
            ));
        }
        if self.send_window.hours().is_none() {
            problems.push(Problem::error(
                at("hours"),
                format!(
                    "send_window.hours `{}` should read like \"08:30-11:30\" (\"00:00-24:00\" for the whole day)",
                    self.send_window.hours
                ),
            ));
        }
        for (section, account) in [("smtp", &self.smtp), ("imap", &self.imap)] {
            let Some(account) = account else { continue };
            let place = at(section);
            if account.password.is_some() {
                let var = format!("OUTREACH_{}_PASSWORD", section.to_uppercase());
                problems.push(Problem::error(
                    place.clone(),
                    format!("{section}.password: passwords are never read from outreach.yaml; set `password_command` (e.g. `pass show mail`) or the environment variable {var}"),
                ));
            }
            let other = if section == "smtp" {
                &self.imap
            } else {
                &self.smtp
            };
            for why in crate::oauth::check_account(account, other.as_ref()) {
                problems.push(Problem::error(place.clone(), format!("{section}: {why}")));
            }
            if account.security == Security::None && !is_loopback(&account.host) {
                problems.push(Problem::error(
                    place,
                    format!("{section}: `security: none` sends the password unencrypted; it is allowed only to localhost, not to {}", account.host),
                ));
            }
        }
        problems
    }

    /// The user's zone (checked when loaded).
    pub fn zone(&self) -> chrono_tz::Tz {
        chrono_tz::Tz::from_str(&self.timezone).unwrap_or(chrono_tz::UTC)
    }

    /// The domain of the user's address, for Message-IDs.
    pub fn domain(&self) -> &str {
        self.me
            .email
            .rsplit_once('@')
            .map_or("localhost", |(_, d)| d)
    }
}

/// Whether `host` names this machine.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "me:\n  name: Amina Yusuf\n  email: amina@example.org\n";

    #[test]
    fn defaults_are_conservative() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!(c.followup.after_business_days, 7);
        assert_eq!(c.followup.max, 2);
        assert_eq!(c.limits.per_day, 50);
        assert_eq!(c.send_window.weekdays().len(), 5);
        assert!(c.smtp.is_none());
        assert_eq!(c.domain(), "example.org");
    }

    #[test]
    fn a_password_in_the_file_is_refused_without_echoing_it() {
        let text = format!("{MINIMAL}smtp:\n  host: smtp.example.org\n  password: hunter2\n");
        let p = Config::parse(&text).unwrap_err();
        assert_eq!(p[0].place, "outreach.yaml:4");
        assert!(p[0].message.contains("OUTREACH_SMTP_PASSWORD"));
        assert!(!p.iter().any(|p| p.to_string().contains("hunter2")));
    }

    #[test]
    fn plaintext_only_to_loopback() {
        let text = format!("{MINIMAL}smtp:\n  host: smtp.example.org\n  security: none\n");
        assert!(Config::parse(&text).is_err());
        let text = format!("{MINIMAL}smtp:\n  host: 127.0.0.1\n  security: none\n");
        assert!(Config::parse(&text).is_ok());
    }

    #[test]
    fn broken_yaml_is_located() {
        let p = Config::parse("me:\n  name: [unclosed\n").unwrap_err();
        assert!(p[0].place.starts_with("outreach.yaml:"), "{}", p[0]);
    }

    #[test]
    fn a_send_window_may_end_at_24_00() {
        let w = SendWindow {
            days: vec![],
            hours: "00:00-24:00".into(),
        };
        assert_eq!(w.hours(), Some((NaiveTime::MIN, NaiveTime::MIN)));
        let w = SendWindow {
            days: vec![],
            hours: "09:00-00:00".into(),
        };
        assert_eq!(w.hours(), None);
    }

    #[test]
    fn unknown_zone_is_refused() {
        let p = Config::parse(&format!("{MINIMAL}timezone: Mars/Olympus\n")).unwrap_err();
        assert_eq!(p[0].place, "outreach.yaml:4");
    }
}
