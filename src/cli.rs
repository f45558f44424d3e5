//! The command line: clap definitions, turned into calls of the commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd;
use crate::workspace::Workspace;

/// Careful, personal email outreach: templates and contacts in, one
/// well-made message per person out; replies tracked, follow-ups polite.
#[derive(Debug, Parser)]
#[command(name = "outreach", version, propagate_version = true)]
pub struct Cli {
    /// The workspace folder (default: the nearest folder upwards with an
    /// outreach.yaml).
    #[arg(short = 'C', long = "workspace", global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(cmd::init::InitArgs),
    Contacts(cmd::contacts::ContactsArgs),
    Import(cmd::import::ImportArgs),
    Lint(cmd::lint::LintArgs),
    Draft(cmd::draft::DraftArgs),
    Send(cmd::send::SendArgs),
    Check(cmd::check::CheckArgs),
    Status(cmd::status::StatusArgs),
    Due(cmd::due::DueArgs),
    Followup(cmd::followup::FollowupArgs),
    Log(cmd::log::LogArgs),
    Report(cmd::report::ReportArgs),
    Mark(cmd::mark::MarkArgs),
    Meet(cmd::meet::MeetArgs),
    Milestone(cmd::milestone::MilestoneArgs),
    Interview(cmd::interview::InterviewArgs),
    Run(cmd::run::RunArgs),
    Resolve(cmd::resolve::ResolveArgs),
    Doctor(cmd::doctor::DoctorArgs),
    Login(cmd::login::LoginArgs),
    Logout(cmd::login::LogoutArgs),
    Classify(cmd::classify::ClassifyArgs),
    Completions(cmd::manual::CompletionsArgs),
    Man(cmd::manual::ManArgs),
}

impl Cli {
    /// The workspace root this run works in.
    pub fn root(&self) -> Result<PathBuf> {
        Workspace::find(
            self.workspace
                .as_deref()
                .unwrap_or_else(|| std::path::Path::new(".")),
        )
    }
}

/// Runs the parsed command; output goes to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitCode> {
    // Commands that work without a (valid) workspace first.
    match &cli.command {
        Command::Init(args) => return cmd::init::execute(args, cli.workspace.as_deref(), out),
        Command::Lint(args) => return cmd::lint::execute(args, &cli.root()?, out),
        Command::Completions(args) => return cmd::manual::completions(args, Cli::command(), out),
        Command::Man(args) => return cmd::manual::man(args, Cli::command(), out),
        // A new workspace has no contacts to load yet.
        Command::Import(args) => return cmd::import::execute(args, &cli.root()?, out),
        Command::Classify(args) => {
            // Outside a workspace a message can still be classified, just
            // without contacts to match.
            let ws = cli.root().ok().map(|r| Workspace::load(&r)).transpose()?;
            return cmd::classify::execute(args, ws.as_ref(), out);
        }
        _ => {}
    }
    let root = cli.root()?;
    // status and report read the whole journal and write nothing first:
    // they read it while the workspace loads.
    let (ws, mut prefetched) = match &cli.command {
        Command::Status(_) | Command::Report(_) => {
            let lines = matches!(cli.command, Command::Report(_));
            let (ws, prefetched) = crate::parallel::both(
                || Workspace::load(&root),
                || crate::journal::prefetch(&root, lines),
            );
            (ws?, prefetched)
        }
        _ => (Workspace::load(&root)?, None),
    };
    let ws = &ws;
    match &cli.command {
        Command::Contacts(args) => cmd::contacts::execute(args, ws, out),
        Command::Draft(args) => cmd::draft::execute(args, ws, out),
        Command::Send(args) => cmd::send::execute(args, ws, out),
        Command::Resolve(args) => cmd::resolve::execute(args, ws, out),
        Command::Check(args) => cmd::check::execute(args, ws, out),
        Command::Status(args) => cmd::status::execute(args, ws, prefetched.take(), out),
        Command::Due(args) => cmd::due::execute(args, ws, out),
        Command::Followup(args) => cmd::followup::execute(args, ws, out),
        Command::Run(args) => cmd::run::execute(args, ws, out),
        Command::Log(args) => cmd::log::execute(args, ws, out),
        Command::Report(args) => cmd::report::execute(args, ws, prefetched.take(), out),
        Command::Mark(args) => cmd::mark::execute(args, ws, out),
        Command::Meet(args) => cmd::meet::execute(args, ws, out),
        Command::Milestone(args) => cmd::milestone::execute(args, ws, out),
        Command::Interview(args) => cmd::interview::execute(args, ws, out),
        Command::Doctor(args) => cmd::doctor::execute(args, ws, out),
        Command::Login(args) => cmd::login::execute(args, ws, out),
        Command::Logout(args) => cmd::login::logout(args, ws, out),
        Command::Init(_)
        | Command::Lint(_)
        | Command::Import(_)
        | Command::Classify(_)
        | Command::Completions(_)
        | Command::Man(_) => {
            unreachable!("handled above")
        }
    }
}
