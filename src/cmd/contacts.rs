//! `outreach contacts`: list and validate contacts.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::terminal;
use crate::workspace::Workspace;

/// List and check contacts.
///
/// List contacts (and check them: any error in a contact file fails).
///
/// Example: outreach contacts --tag cardiology
///
/// Example: outreach contacts --csv > contacts.csv
#[derive(Debug, Args)]
pub struct ContactsArgs {
    /// Only contacts with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// One JSON array instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV for a spreadsheet: the fields, then a column per vars key.
    #[arg(long)]
    pub csv: bool,
}

pub fn execute(args: &ContactsArgs, ws: &Workspace, out: &mut dyn Write) -> Result<ExitCode> {
    let chosen: Vec<_> = ws
        .contacts
        .iter()
        .filter(|c| args.tag.as_ref().is_none_or(|t| c.tags.contains(t)))
        .collect();
    if args.csv {
        crate::import::export::write_csv(out, &chosen)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        let items: Vec<serde_json::Value> = chosen
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["salutation"] = c.salutation().into();
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = chosen
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.salutation(),
                c.email.clone(),
                c.institution.clone().unwrap_or_default(),
                c.timezone
                    .clone()
                    .unwrap_or_else(|| ws.config.timezone.clone()),
                c.tags.join(","),
                c.do_not_contact
                    .as_ref()
                    .map(|r| format!("do not contact: {r}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    terminal::table(
        out,
        &[
            "ID",
            "NAME",
            "EMAIL",
            "INSTITUTION",
            "TIME ZONE",
            "TAGS",
            "NOTE",
        ],
        &rows,
    )?;
    writeln!(out, "{} contacts", rows.len())?;
    Ok(ExitCode::SUCCESS)
}
