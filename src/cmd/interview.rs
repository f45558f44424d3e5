//! `outreach interview`: record an interview, move, note or cancel one, or
//! list them.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::appointments::{apply, rows, Change};
use crate::journal::{AppointmentKind, Journal};
use crate::review::Book;
use crate::terminal;
use crate::workspace::{self, Workspace};

/// Record an interview with a contact, or move, note or cancel one.
///
/// An interview makes a thank-you (template `interview-thanks`) due from
/// its end, to go within a day; `lint` warns after three days. It goes
/// once per interview. Interviews can also be written in the contact's
/// file, under `interviews:`. With only the contact, lists their
/// interviews.
///
/// Example: outreach interview hassan --at "2026-12-07 09:00" --program "Example Medical Center Internal Medicine" --note "the ambulatory block"
///
/// Example: outreach interview hassan --interview 4 --cancel
#[derive(Debug, Args)]
pub struct InterviewArgs {
    /// The contact's id: who interviewed you.
    pub contact: String,
    /// A recorded interview to change, by its number.
    #[arg(long, value_name = "N")]
    pub interview: Option<i64>,
    /// When: "YYYY-MM-DD HH:MM" in the contact's zone, or with an offset.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The program you interviewed for.
    #[arg(long)]
    pub program: Option<String>,
    /// Something specific from the conversation, for the thank-you.
    #[arg(long)]
    pub note: Option<String>,
    /// How long it lasts (default 60).
    #[arg(long)]
    pub minutes: Option<u32>,
    /// Cancel the interview: its thank-you will not go.
    #[arg(long, requires = "interview")]
    pub cancel: bool,
}

pub fn execute(args: &InterviewArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let contact = ws.contact(&args.contact)?;
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    if args.interview.is_some()
        || args.at.is_some()
        || args.program.is_some()
        || args.note.is_some()
    {
        let change = Change {
            number: args.interview,
            at: args.at.as_deref(),
            title: args.program.as_deref(),
            minutes: args.minutes,
            note: args.note.as_deref(),
            cancel: args.cancel,
            ..Change::default()
        };
        let done = apply(
            ws,
            &journal,
            contact,
            AppointmentKind::Interview,
            &change,
            now,
        )?;
        writeln!(out, "{done}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let book = Book::read(ws, &journal)?;
    let rows = rows(&book, contact, AppointmentKind::Interview, now);
    if rows.is_empty() {
        writeln!(out, "no interviews with {} yet", contact.salutation())?;
    } else {
        terminal::table(out, &["INTERVIEW", "WHEN", "PROGRAM", "THANK-YOU"], &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
