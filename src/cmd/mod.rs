//! One module per command: its clap arguments (the doc comment is the
//! --help text), a call into the engine that does the work, and printing.
//! Commands import engines, never each other.

use clap::Args;

use crate::workspace::Selection;

pub mod check;
pub mod classify;
pub mod contacts;
pub mod doctor;
pub mod draft;
pub mod due;
pub mod followup;
pub mod init;
pub mod interview;
pub mod lint;
pub mod log;
pub mod mark;
pub mod meet;
pub mod milestone;
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
