//! `outreach import`: contacts from spreadsheets and address-book exports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::import::{self, Format, Options, Plan};
use crate::workspace;

/// Bring contacts in from a spreadsheet, LinkedIn, Google, Outlook or vCard.
///
/// Reads each FILE and writes one new file per person under contacts/.
/// Never changes an existing file: a person already there (same email,
/// LinkedIn profile or vCard UID) is reported as "exists", so importing the
/// same file again adds nothing. The same name at the same institution is
/// written but flagged as a possible duplicate. Rows without an email
/// address are skipped and listed (--keep-no-email keeps them, tagged
/// no-email; draft and send leave those out). Every skipped row is listed
/// with its line and record number.
///
/// Formats: LinkedIn Connections.csv, Google Contacts CSV, Outlook CSV
/// (desktop and Outlook.com), vCard 2.1/3.0/4.0, and any CSV with a header
/// row (`,`, `;` or tab), such as a residency-programme sheet with Program,
/// Specialty, Program Director and PD Email columns. Columns are matched by
/// name; the rest go into vars. UTF-8, UTF-16 with a byte-order mark and
/// Windows-1252 are recognised.
///
/// Example: outreach import ~/Downloads/Connections.csv --keep-no-email --dry-run
///
/// Example: outreach import contacts.vcf --tag cardiology
///
/// Example: outreach import Kontakte.csv --map "Vorname=first_name" --map "Nachname=last_name" --map "E-Mail-Adresse=email"
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files to read.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What the files are (auto: from their content).
    #[arg(long, default_value = "auto", value_parser = ["auto", "csv", "linkedin", "google", "outlook", "vcard"])]
    pub format: String,
    /// Add this tag to every imported contact (repeatable).
    #[arg(long, value_name = "T")]
    pub tag: Vec<String>,
    /// Write nothing; show what would be written.
    #[arg(long)]
    pub dry_run: bool,
    /// Import people without an email address, tagged no-email.
    #[arg(long)]
    pub keep_no_email: bool,
    /// Read a column as a field: name, first_name, last_name, title,
    /// credentials, email, aliases, institution, role, specialty, timezone,
    /// notes, tags, linkedin, vars.KEY or skip (repeatable).
    #[arg(long, value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// The files' encoding (e.g. utf-8, utf-16le, windows-1252, gbk).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
}

pub fn execute(args: &ImportArgs, root: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let opts = Options {
        format,
        tags: args.tag.clone(),
        keep_no_email: args.keep_no_email,
        map: args.map.clone(),
        encoding: args.encoding.clone(),
        today: workspace::now()?.date_naive(),
    };
    let plan = import::plan(root, &args.files, &opts)?;
    for (file, format, encoding) in &plan.files {
        writeln!(out, "{file}: read as {} ({encoding})", format.name())?;
    }
    if args.dry_run {
        for c in &plan.new {
            writeln!(
                out,
                "--- would write {} (from {})",
                c.file.display(),
                c.source
            )?;
            write!(out, "{}", c.text)?;
        }
    } else {
        import::write(root, &plan)?;
        for c in &plan.new {
            let email = c
                .email
                .as_deref()
                .map(|e| format!(" <{e}>"))
                .unwrap_or_default();
            writeln!(out, "wrote    {}  {}{email}", c.file.display(), c.name)?;
        }
    }
    report(&plan, args.dry_run, out)?;
    Ok(ExitCode::SUCCESS)
}

fn report(plan: &Plan, dry_run: bool, out: &mut dyn Write) -> Result<()> {
    for c in &plan.new {
        if let Some(other) = &c.possible_duplicate {
            writeln!(
                out,
                "possible duplicate  {} ({}): same name and institution as `{other}`",
                c.file.display(),
                c.name
            )?;
        }
    }
    for e in &plan.exists {
        writeln!(out, "exists   {}  {}: {}", e.source, e.name, e.why)?;
    }
    for s in &plan.skipped {
        let name = if s.name.is_empty() {
            String::new()
        } else {
            format!("{}: ", s.name)
        };
        writeln!(out, "skipped  {}  {name}{}", s.source, s.why)?;
    }
    for w in &plan.warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(
        out,
        "{} {}, {} exist{}, {} possible duplicate{}, {} skipped",
        plan.new.len(),
        if dry_run { "to write" } else { "written" },
        plan.exists.len(),
        if plan.exists.len() == 1 { "s" } else { "" },
        plan.possible_duplicates(),
        if plan.possible_duplicates() == 1 {
            ""
        } else {
            "s"
        },
        plan.skipped.len()
    )?;
    Ok(())
}
