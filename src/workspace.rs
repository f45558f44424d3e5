//! The user's workspace: `outreach.yaml`, `contacts/`, `templates/`, and
//! the tool's own `.outreach/` state, loaded and checked before anything
//! touches the network.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{self, Config};
use crate::contact::{self, Contact};
use crate::problem::{did_you_mean, fail_on_errors, Problem};
use crate::template::{Template, Templates};

pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub contacts: Vec<Contact>,
    pub templates: Templates,
    /// Warnings found while loading (errors make loading fail).
    pub warnings: Vec<Problem>,
}

/// The parts of a workspace as far as they loaded, with every problem:
/// what `lint` works from.
pub struct Parts {
    pub root: PathBuf,
    pub config: Option<Config>,
    pub contacts: Vec<Contact>,
    pub templates: Templates,
    pub problems: Vec<Problem>,
}

/// Which contacts a command is for.
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<String>),
    Tag(String),
    All,
}

/// A contact a command leaves out, and why.
#[derive(Debug, Clone)]
pub struct Skipped<'a> {
    pub contact: &'a Contact,
    pub reason: String,
}

impl Workspace {
    /// The workspace containing `start`: the nearest folder upwards with an
    /// `outreach.yaml`.
    pub fn find(start: &Path) -> Result<PathBuf> {
        let start = start
            .canonicalize()
            .with_context(|| format!("cannot open {}", start.display()))?;
        for dir in start.ancestors() {
            if dir.join(config::FILE).is_file() {
                return Ok(dir.to_path_buf());
            }
        }
        bail!(
            "no {} in {} or any folder above it: run `outreach init` to make a workspace, or pass -C DIR",
            config::FILE,
            start.display()
        )
    }

    /// Loads every part and collects every problem.
    pub fn load_parts(root: &Path) -> Parts {
        let mut problems = Vec::new();
        let config = match Config::load(root) {
            Ok(c) => Some(c),
            Err(p) => {
                problems.extend(p);
                None
            }
        };
        let (contacts, p) = contact::load_dir(root, &root.join("contacts"));
        problems.extend(p);
        let (templates, p) = Templates::load(root, &root.join("templates"));
        problems.extend(p);
        Parts {
            root: root.to_path_buf(),
            config,
            contacts,
            templates,
            problems,
        }
    }

    /// Loads the workspace, failing with every error found.
    pub fn load(root: &Path) -> Result<Workspace> {
        let parts = Self::load_parts(root);
        fail_on_errors(&parts.problems)?;
        let config = parts.config.expect("a config without errors");
        Ok(Workspace {
            root: parts.root,
            config,
            contacts: parts.contacts,
            templates: parts.templates,
            warnings: parts.problems,
        })
    }

    pub fn contact(&self, id: &str) -> Result<&Contact> {
        if let Some(c) = self.contacts.iter().find(|c| c.id == id) {
            return Ok(c);
        }
        let ids = self.contacts.iter().map(|c| c.id.as_str());
        match did_you_mean(id, ids) {
            Some(s) => bail!("unknown contact `{id}`; did you mean `{s}`?"),
            None => bail!("unknown contact `{id}` (see `outreach contacts`)"),
        }
    }

    pub fn template(&self, name: &str) -> Result<&Template> {
        self.templates.get(name).map_err(anyhow::Error::msg)
    }

    /// The contacts `selection` names that `template` may go to, and those
    /// it leaves out with the reason. Naming an unknown contact is an error.
    pub fn select<'a>(
        &'a self,
        selection: &Selection,
        template: &Template,
    ) -> Result<(Vec<&'a Contact>, Vec<Skipped<'a>>)> {
        if self.contacts.is_empty() {
            // Loading allows a workspace without contacts (reading commands
            // work there); writing to someone needs one.
            fail_on_errors(&[Problem::error(
                "contacts",
                "no contacts: add a file such as contacts/okafor.yaml (see `outreach init`)",
            )])?;
        }
        let chosen: Vec<&Contact> = match selection {
            Selection::All => self.contacts.iter().collect(),
            Selection::Tag(tag) => self
                .contacts
                .iter()
                .filter(|c| c.tags.iter().any(|t| t == tag))
                .collect(),
            Selection::Ids(ids) => {
                let mut chosen: Vec<&Contact> = Vec::with_capacity(ids.len());
                for id in ids {
                    let c = self.contact(id)?;
                    // `--to a,a` names one person: one message.
                    if !chosen.iter().any(|x| x.id == c.id) {
                        chosen.push(c);
                    }
                }
                chosen
            }
        };
        let mut ok = Vec::new();
        let mut skipped = Vec::new();
        for c in chosen {
            let reason = if let Some(why) = &c.do_not_contact {
                Some(format!("do not contact: {why}"))
            } else if c.without_email() {
                // Imported with --keep-no-email: a record, not a recipient.
                Some(format!(
                    "no email address (tagged `{}`): add one in {} and remove the tag",
                    contact::NO_EMAIL_TAG,
                    c.file.display()
                ))
            } else {
                self.templates
                    .missing_requirement(template, c)
                    .map(|field| format!("no `{field}`, which {} requires", template.name))
            };
            match reason {
                Some(reason) => skipped.push(Skipped { contact: c, reason }),
                None => ok.push(c),
            }
        }
        Ok((ok, skipped))
    }

    /// Today's date in the user's zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.config.zone()).date_naive()
    }

    /// The tool's own state folder.
    pub fn state_dir(&self) -> PathBuf {
        state_dir(&self.root)
    }
}

/// The tool's own state folder in the workspace at `root`.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join(".outreach")
}

/// The present moment, or the one `OUTREACH_NOW` (RFC 3339) names.
pub fn now() -> Result<DateTime<Utc>> {
    match std::env::var("OUTREACH_NOW") {
        Ok(v) if !v.trim().is_empty() => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| t.to_utc())
            .with_context(|| {
                format!(
                    "OUTREACH_NOW=`{v}` is not an RFC 3339 time such as 2026-11-24T09:00:00-05:00"
                )
            }),
        _ => Ok(Utc::now()),
    }
}
