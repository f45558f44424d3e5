//! `outreach meet`: record a meeting, move, note or cancel one, or list them.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::appointments::{apply, rows, Change};
use crate::journal::{AppointmentKind, Journal};
use crate::review::Book;
use crate::terminal;
use crate::workspace::{self, Workspace};

/// Record a meeting with a contact, or move, note or cancel one.
///
/// A meeting makes its agenda (template `agenda`) due from 2 business
/// days before it until it starts, and its thank-you (template
/// `thank-you`) from its end until one business day after; each goes
/// once. A meeting held counts as an exchange: the next check-in counts
/// from it. The time is in the contact's zone unless it carries an offset.
/// Recorded meetings live in the journal: contact files are never
/// rewritten (meetings can also be written there, under `meetings:`).
/// With only the contact, lists their meetings and where each message
/// stands.
///
/// Example: outreach meet okonkwo-adeyemi --at "2026-12-10 15:00" --topic "my residency applications" --agenda "my program list" --agenda "my personal statement"
///
/// Example: outreach meet okonkwo-adeyemi --meeting 3 --at "2026-12-11 15:00"
///
/// Example: outreach meet okonkwo-adeyemi --meeting 3 --discussed "how to choose programs" --next-step "send you my draft"
///
/// Example: outreach meet okonkwo-adeyemi --meeting 3 --cancel
#[derive(Debug, Args)]
pub struct MeetArgs {
    /// The contact's id.
    pub contact: String,
    /// A recorded meeting to change, by its number (see the list).
    #[arg(long, value_name = "N")]
    pub meeting: Option<i64>,
    /// When: "YYYY-MM-DD HH:MM" in the contact's zone, or with an offset.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// What the meeting is about.
    #[arg(long)]
    pub topic: Option<String>,
    /// An item for the agenda (repeat for more).
    #[arg(long, value_name = "ITEM")]
    pub agenda: Vec<String>,
    /// How long it lasts (default 30).
    #[arg(long)]
    pub minutes: Option<u32>,
    /// What was discussed, for the thank-you.
    #[arg(long)]
    pub discussed: Option<String>,
    /// The next step agreed, for the thank-you.
    #[arg(long)]
    pub next_step: Option<String>,
    /// Cancel the meeting: its agenda and thank-you will not go.
    #[arg(long, requires = "meeting")]
    pub cancel: bool,
}

pub fn execute(args: &MeetArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let contact = ws.contact(&args.contact)?;
    let now = workspace::now()?;
    let journal = Journal::open(&ws.state_dir())?;
    let listing = args.meeting.is_none()
        && args.at.is_none()
        && args.topic.is_none()
        && args.agenda.is_empty()
        && args.discussed.is_none()
        && args.next_step.is_none();
    if !listing {
        let change = Change {
            number: args.meeting,
            at: args.at.as_deref(),
            title: args.topic.as_deref(),
            agenda: &args.agenda,
            minutes: args.minutes,
            discussed: args.discussed.as_deref(),
            next_step: args.next_step.as_deref(),
            note: None,
            cancel: args.cancel,
        };
        let done = apply(
            ws,
            &journal,
            contact,
            AppointmentKind::Meeting,
            &change,
            now,
        )?;
        writeln!(out, "{done}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let book = Book::read(ws, &journal)?;
    let rows = rows(&book, contact, AppointmentKind::Meeting, now);
    if rows.is_empty() {
        writeln!(out, "no meetings with {} yet", contact.salutation())?;
    } else {
        terminal::table(
            out,
            &["MEETING", "WHEN", "TOPIC", "AGENDA", "THANK-YOU"],
            &rows,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
