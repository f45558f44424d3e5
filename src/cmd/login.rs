//! `outreach login` and `outreach logout`: the built-in OAuth 2.0 login.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::config::Service;
use crate::oauth;
use crate::workspace::Workspace;

/// Log in to a Gmail, Microsoft 365 or other OAuth 2.0 account.
///
/// Runs the OAuth 2.0 login for the accounts with `auth: oauth2` and no
/// `token_command`, with the client registered in outreach.yaml: in the
/// browser (authorization code with PKCE, the answer caught on a loopback
/// port), or with --device by typing a code on any device. The refresh
/// token is kept in the user's state directory ($XDG_STATE_HOME or
/// ~/.local/state, readable only by the user) or by `token_store_command`,
/// never in the workspace; access tokens are never written anywhere.
///
/// Example: outreach login
///
/// Example: outreach login imap --device
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Only this account (default: both; one login serves both when they
    /// share the user and the client).
    pub account: Option<Which>,
    /// Type a code on another device instead (RFC 8628): for a machine
    /// without a browser. Google allows it only for some clients.
    #[arg(long, conflicts_with = "browser")]
    pub device: bool,
    /// Log in in the browser (the default when there is an auth_url).
    #[arg(long)]
    pub browser: bool,
    /// Print the address to open instead of starting a browser.
    #[arg(long)]
    pub no_browser: bool,
}

/// Forget the stored OAuth 2.0 login.
///
/// Deletes the refresh token kept by `outreach login` (the file in the
/// state directory, or through `token_store_command`). To withdraw the
/// client's access entirely, remove it in the account's security settings
/// as well.
///
/// Example: outreach logout
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Only this account (default: both).
    pub account: Option<Which>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Smtp,
    Imap,
}

impl Which {
    fn service(self) -> Service {
        match self {
            Which::Smtp => Service::Smtp,
            Which::Imap => Service::Imap,
        }
    }
}

pub fn execute(args: &LoginArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let logins = oauth::logins(&ws.config, &ws.root, args.account.map(Which::service))?;
    let mut tell = std::io::stderr();
    for (sections, client) in &logins {
        let device = args.device || (!args.browser && client.auth_url.is_none());
        if device {
            client.login_device(&mut tell)?;
        } else {
            client.login_browser(&mut tell, !args.no_browser)?;
        }
        writeln!(
            out,
            "logged in: {} as {} (refresh token in {})",
            sections.join(" and "),
            client.username,
            client.store.describe()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn logout(args: &LogoutArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let logins = oauth::logins(&ws.config, &ws.root, args.account.map(Which::service))?;
    for (sections, client) in &logins {
        let what = format!("{} as {}", sections.join(" and "), client.username);
        if client.store.delete()? {
            writeln!(
                out,
                "logged out: {what} (forgot {})",
                client.store.describe()
            )?;
        } else {
            writeln!(out, "no stored login for {what}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
