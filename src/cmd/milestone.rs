//! `outreach milestone`: record a milestone, to be told to the mentors.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use clap::Args;

use crate::contact::Contact;
use crate::journal::Journal;
use crate::workspace::{self, Workspace};

/// Record a milestone: each chosen mentor gets one update about it.
///
/// Record an exam passed, an interview offer, the match, a publication.
/// An update (template `milestone`) then becomes due once for each chosen
/// mentor: by default every contact with a `cadence`. A mentor named with
/// --credit is told that their advice led to it. `status` and `log` show
/// who has been told; `lint` warns about a mentor not told after a week.
///
/// Example: outreach milestone "Passed USMLE Step 2 CK" --credit okonkwo-adeyemi
///
/// Example: outreach milestone "Matched in Internal Medicine" --date 2027-03-19 --all
#[derive(Debug, Args)]
pub struct MilestoneArgs {
    /// What happened, in a few words ("Passed USMLE Step 2 CK").
    pub text: String,
    /// When it happened (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Mentors whose advice led to it (repeat or separate with commas);
    /// they are told too.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub credit: Vec<String>,
    /// Tell these contacts (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', num_args = 1.., value_name = "ID", conflicts_with_all = ["tag", "all"])]
    pub to: Vec<String>,
    /// Tell every contact with this tag.
    #[arg(long, value_name = "TAG", conflicts_with = "all")]
    pub tag: Option<String>,
    /// Tell every contact.
    #[arg(long)]
    pub all: bool,
}

pub fn execute(args: &MilestoneArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let text = args.text.trim();
    if text.is_empty() {
        bail!("the milestone's text is blank");
    }
    let now = workspace::now()?;
    let date = match &args.date {
        Some(d) => d
            .trim()
            .parse::<NaiveDate>()
            .with_context(|| format!("--date `{d}` is not a date such as 2026-11-20"))?,
        None => ws.today(now),
    };
    let mut chosen: Vec<&Contact> = if !args.to.is_empty() {
        args.to
            .iter()
            .map(|id| ws.contact(id))
            .collect::<Result<_>>()?
    } else if let Some(tag) = &args.tag {
        ws.contacts
            .iter()
            .filter(|c| c.tags.contains(tag))
            .collect()
    } else if args.all {
        ws.contacts.iter().collect()
    } else {
        ws.contacts.iter().filter(|c| c.cadence.is_some()).collect()
    };
    for id in &args.credit {
        let c = ws.contact(id)?;
        if !chosen.iter().any(|x| x.id == c.id) {
            chosen.push(c);
        }
    }
    let (ok, skipped): (Vec<&Contact>, Vec<&Contact>) =
        chosen.into_iter().partition(|c| c.may_contact());
    if ok.is_empty() {
        bail!("no mentor to tell: give contacts a `cadence`, or choose with --to, --tag or --all; nothing was recorded");
    }
    let mentors: Vec<(String, bool)> = ok
        .iter()
        .map(|c| (c.id.clone(), args.credit.contains(&c.id)))
        .collect();
    let mut journal = Journal::open(&ws.state_dir())?;
    let id = journal.add_milestone(text, date, &mentors, now)?;
    writeln!(out, "milestone #{id} recorded: {text} ({date})")?;
    for c in &ok {
        let credit = if args.credit.contains(&c.id) {
            " (credited)"
        } else {
            ""
        };
        writeln!(
            out,
            "  update due for {} ({}){credit}",
            c.salutation(),
            c.id
        )?;
    }
    for c in skipped {
        writeln!(out, "  not {}: do not contact", c.id)?;
    }
    Ok(ExitCode::SUCCESS)
}
