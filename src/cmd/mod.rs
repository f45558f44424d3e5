//! One module per command: its clap arguments (the doc comment is the
//! --help text), a call into the engine that does the work, and printing.
//! Commands import engines, never each other.

use std::process::ExitCode;

use clap::Args;

use crate::workspace::{Selection, Skipped};

pub mod check;
pub mod classify;
pub mod contacts;
pub mod doctor;
pub mod draft;
pub mod due;
pub mod followup;
pub mod import;
pub mod init;
pub mod interview;
pub mod lint;
pub mod log;
pub mod login;
pub mod manual;
pub mod mark;
pub mod meet;
pub mod milestone;
pub mod report;
pub mod resolve;
pub mod run;
pub mod send;
pub mod status;

/// Which contacts: exactly one of --to, --tag, --all.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct SelectArgs {
    /// Contact ids (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', num_args = 1.., value_name = "ID")]
    pub to: Vec<String>,
    /// Every contact with this tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Every contact.
    #[arg(long)]
    pub all: bool,
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        if self.all {
            Selection::All
        } else if let Some(t) = &self.tag {
            Selection::Tag(t.clone())
        } else {
            Selection::Ids(self.to.clone())
        }
    }
}

impl SelectArgs {
    /// The contacts left out that were named with --to: each is a
    /// failure, since the user asked for that person by name.
    pub fn named_left_out(&self, skipped: &[Skipped]) -> Vec<(String, String)> {
        if self.to.is_empty() {
            return Vec::new();
        }
        skipped
            .iter()
            .map(|s| (s.contact.id.clone(), s.reason.clone()))
            .collect()
    }
}

/// Says on stderr why each contact named with --to did not get `what`,
/// once the others are done; the exit code is 1 when any did not.
pub fn left_out_code(left_out: &[(String, String)], what: &str) -> ExitCode {
    for (id, why) in left_out {
        eprintln!("error: {id} did not get {what}: {why}");
    }
    if left_out.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
