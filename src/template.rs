//! Message templates: `templates/*.hbs` with YAML front matter, partials in
//! `templates/partials/`, and strict rendering.
//!
//! Handlebars' strict mode catches a missing field only where it is printed.
//! Two more checks make rendering strict in the sense users need: every path
//! a template names, in any branch, must be a field the tool knows
//! (`check_paths`), and blank values are removed from the data before
//! rendering, so a blank field fails exactly like a missing one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use handlebars::template::{Parameter, Template as Ast, TemplateElement};
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::{Me, ME_FIELDS};
use crate::contact::{Contact, FIELDS, MET_FIELDS};
use crate::problem::{did_you_mean, Problem};
use crate::{rhythm, yaml};

/// What a template is for, which decides how often it may go to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The first message to someone: goes once per contact.
    FirstContact,
    /// A reply in the thread of an earlier message that got no answer.
    FollowUp,
    /// A thank-you or an update: may be sent again, not twice in a day.
    Note,
}

impl Kind {
    /// The name used in front matter and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FirstContact => "first-contact",
            Kind::FollowUp => "follow-up",
            Kind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::FirstContact, Kind::FollowUp, Kind::Note]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    subject: Option<String>,
    #[serde(default = "default_kind")]
    kind: Kind,
    /// Fields a contact must have for the template to apply to them.
    #[serde(default)]
    requires: Vec<String>,
    description: Option<String>,
}

fn default_kind() -> Kind {
    Kind::FirstContact
}

/// One loaded template.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    /// Relative to the workspace.
    pub file: PathBuf,
    pub kind: Kind,
    pub description: Option<String>,
    /// Contact fields the template applies only with (e.g. `met.event`).
    pub requires: Vec<String>,
    /// Whether the front matter set a subject (follow-ups default to
    /// `Re: ` + the thread's subject).
    pub has_subject: bool,
    /// Line of `subject:` in the file.
    subject_line: usize,
    /// Lines before the body starts.
    body_offset: usize,
}

/// The sample thread data a follow-up gets.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Thread {
    /// The first message's subject.
    pub subject: String,
    pub sent_on: NaiveDate,
    pub days_waiting: i64,
    /// Which follow-up this is: 1, 2, …
    pub step: u32,
}

/// Field names under `thread`.
pub const THREAD_FIELDS: &[&str] = &["subject", "sent_on", "days_waiting", "step"];

/// Everything a rendering reads besides the template.
pub struct Input<'a> {
    pub contact: &'a Contact,
    pub me: &'a Me,
    pub today: NaiveDate,
    pub thread: Option<&'a Thread>,
    /// What a meeting, milestone or interview adds (`meeting`,
    /// `milestones`, `milestone`, `interview`), as a JSON object.
    pub occasion: Option<&'a Value>,
}

/// A rendered message, before it becomes an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// All templates of a workspace, compiled.
pub struct Templates {
    registry: Handlebars<'static>,
    pub list: BTreeMap<String, Template>,
}

impl Templates {
    /// Loads `dir/*.hbs` and `dir/partials/*.hbs`; paths in problems are
    /// relative to `root`.
    pub fn load(root: &Path, dir: &Path) -> (Templates, Vec<Problem>) {
        let mut problems = Vec::new();
        let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
        let mut read = |paths: Vec<PathBuf>| -> Vec<(PathBuf, String)> {
            paths
                .into_iter()
                .filter_map(|path| match crate::yaml::read_text(&path, &rel(&path)) {
                    Ok(text) => Some((rel(&path), text)),
                    Err(p) => {
                        problems.push(p);
                        None
                    }
                })
                .collect()
        };
        let partials = read(hbs_files(&dir.join("partials")));
        let files = hbs_files(dir);
        let no_templates = files.is_empty();
        let templates = read(files);
        if no_templates {
            problems.push(Problem::warning(
                rel(dir).display().to_string(),
                "no templates: add one such as templates/intro.hbs (see `outreach init`)",
            ));
        }
        let (templates, more) = Templates::from_sources(&partials, &templates);
        problems.extend(more);
        (templates, problems)
    }

    /// Compiles templates and partials from their text: (file relative to
    /// the workspace, contents) pairs, each named by its file stem. `load`
    /// reads the files and calls this.
    pub fn from_sources(
        partials: &[(PathBuf, String)],
        templates: &[(PathBuf, String)],
    ) -> (Templates, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        registry.register_helper("or", Box::new(or_helper));
        registry.register_helper("date", Box::new(date_helper));
        let mut list = BTreeMap::new();

        let mut registered = Vec::new();
        let mut refs: Vec<(String, Vec<String>)> = Vec::new();
        for (file, text) in partials {
            let name = stem(file);
            let text = text.strip_suffix('\n').unwrap_or(text).to_string();
            let named = match partial_refs(file, 0, &text) {
                Ok(n) => n,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            if let Some(p) = nesting_problem(file, 0, &text) {
                problems.push(p);
                continue;
            }
            match registry.register_partial(&name, &text) {
                Ok(()) => {
                    refs.push((name, named));
                    registered.push((file.clone(), text));
                }
                Err(e) => problems.push(syntax_problem(file, 0, &e)),
            }
        }
        // A partial that includes itself, directly or through others,
        // would recurse until the stack runs out: it is refused.
        for name in partial_cycles(&refs) {
            let file = partials
                .iter()
                .find(|(f, _)| stem(f) == name)
                .map_or_else(|| name.clone(), |(f, _)| f.display().to_string());
            registry.unregister_template(&name);
            registered.retain(|(f, _)| stem(f) != name);
            problems.push(Problem::error(
                file,
                format!("partial `{name}` includes itself (through other partials or directly)"),
            ));
        }
        let mut sources = Vec::new();
        for (file, text) in templates {
            let name = stem(file);
            match parse_template(&name, file, text, &mut registry) {
                Ok((t, body)) => {
                    sources.push((t.file.clone(), t.body_offset, t.kind, body));
                    list.insert(name, t);
                }
                Err(p) => problems.push(p),
            }
        }
        for (file, offset, kind, body) in &sources {
            check_paths(file, *offset, body, *kind, &registry, &mut problems);
        }
        for (file, text) in &registered {
            check_paths(file, 0, text, Kind::FollowUp, &registry, &mut problems);
        }
        (Templates { registry, list }, problems)
    }

    pub fn get(&self, name: &str) -> Result<&Template, String> {
        self.list.get(name).ok_or_else(|| {
            if self.list.is_empty() {
                return format!("unknown template `{name}`: there are no templates yet; add templates/{name}.hbs (see `outreach init`)");
            }
            let names: Vec<&str> = self.list.keys().map(String::as_str).collect();
            match did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("unknown template `{name}`; did you mean `{s}`?"),
                None => format!("unknown template `{name}`; templates: {}", names.join(", ")),
            }
        })
    }

    /// The first field in `template.requires` that the contact lacks.
    pub fn missing_requirement(&self, template: &Template, contact: &Contact) -> Option<String> {
        self.missing_requirement_with(template, contact, None)
    }

    /// As `missing_requirement`, with what an occasion adds to the data.
    pub fn missing_requirement_with(
        &self,
        template: &Template,
        contact: &Contact,
        occasion: Option<&Value>,
    ) -> Option<String> {
        if template.requires.is_empty() {
            return None;
        }
        let mut data = serde_json::to_value(contact).unwrap_or_default();
        merge(&mut data, occasion);
        template
            .requires
            .iter()
            // An empty list is as good as missing: an agenda of no items.
            .find(|path| {
                lookup(&data, path)
                    .is_none_or(|v| is_blank(v) || v.as_array().is_some_and(Vec::is_empty))
            })
            .cloned()
    }

    /// Renders `template` for one contact. Every error names the contact,
    /// the template file and line, and the field.
    pub fn render(&self, template: &Template, input: &Input) -> Result<Rendered, Problem> {
        let contact = input.contact;
        let data = data(input);
        let fail = |file: &Path, line: Option<usize>, e: &RenderError| {
            let place = match line {
                Some(l) => format!("{}:{l}", file.display()),
                None => file.display().to_string(),
            };
            Problem::error(
                place,
                format!("contact `{}`: {}", contact.id, explain_render(e)),
            )
        };
        let place_of = |e: &RenderError, offset: usize| -> (PathBuf, Option<usize>) {
            match e.template_name.as_deref() {
                Some(n) if n != template.name && !n.ends_with("#subject") => (
                    PathBuf::from(format!("templates/partials/{n}.hbs")),
                    e.line_no,
                ),
                _ => (template.file.clone(), e.line_no.map(|l| l + offset)),
            }
        };
        let subject = if template.has_subject {
            self.registry
                .render(&format!("{}#subject", template.name), &data)
                .map_err(|e| fail(&template.file, Some(template.subject_line), &e))?
        } else {
            match input.thread {
                Some(t) => reply_subject(&t.subject),
                None => {
                    return Err(Problem::error(
                        template.file.display().to_string(),
                        "the front matter needs a `subject:`",
                    ))
                }
            }
        };
        let body = self.registry.render(&template.name, &data).map_err(|e| {
            let (file, line) = place_of(&e, template.body_offset);
            fail(&file, line, &e)
        })?;
        let subject = subject.trim().to_string();
        if subject.contains(['\r', '\n']) {
            return Err(Problem::error(
                format!("{}:{}", template.file.display(), template.subject_line),
                format!(
                    "contact `{}`: the subject has a line break in it",
                    contact.id
                ),
            ));
        }
        if subject.is_empty() {
            return Err(Problem::error(
                format!("{}:{}", template.file.display(), template.subject_line),
                format!("contact `{}`: the subject is blank", contact.id),
            ));
        }
        Ok(Rendered {
            subject,
            body: tidy(&body),
        })
    }
}

/// `Re: ` + subject, without stacking `Re: Re: `.
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

fn hbs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "hbs"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

/// Splits front matter from body, registers both, returns the template
/// and its body source.
fn parse_template(
    name: &str,
    file: &Path,
    text: &str,
    registry: &mut Handlebars<'static>,
) -> Result<(Template, String), Problem> {
    let place = file.display().to_string();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| Problem::error(format!("{place}:1"), "a template starts with front matter: a `---` line, `subject: \"…\"`, and another `---` line"))?;
    let end = rest
        .match_indices("\n---")
        .map(|(i, _)| i)
        .find(|&i| {
            rest[i + 4..].starts_with('\n')
                || rest[i + 4..].starts_with("\r\n")
                || rest[i + 4..].is_empty()
        })
        .map(|i| i + 1)
        .or_else(|| rest.starts_with("---").then_some(0))
        .ok_or_else(|| {
            Problem::error(
                format!("{place}:1"),
                "the front matter has no closing `---` line",
            )
        })?;
    if let Some(p) = nesting_problem(file, 0, text) {
        return Err(p);
    }
    partial_refs(file, 0, text)?;
    let front = &rest[..end];
    let after = &rest[end..];
    let body = after.split_once('\n').map_or("", |(_, b)| b);
    let fm: FrontMatter = yaml::parse(file, front, 1)?;
    let body_offset = 1 + front.lines().count() + 1;
    let subject_line = 1 + yaml::key_line(front, 1, front.lines().count().max(1), "subject");
    let has_subject = fm.subject.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !has_subject && fm.kind != Kind::FollowUp {
        return Err(Problem::error(
            format!("{place}:1"),
            "the front matter needs a `subject:`",
        ));
    }
    if let Some(subject) = &fm.subject {
        registry
            .register_template_string(&format!("{name}#subject"), subject)
            .map_err(|e| syntax_problem(file, subject_line - 1, &e))?;
    }
    registry
        .register_template_string(name, body)
        .map_err(|e| syntax_problem(file, body_offset, &e))?;
    for req in &fm.requires {
        if let Err(msg) = known_path(req, Kind::FirstContact) {
            return Err(Problem::error(
                format!("{place}:1"),
                format!("requires: {msg}"),
            ));
        }
    }
    Ok((
        Template {
            name: name.to_string(),
            file: file.to_path_buf(),
            kind: fm.kind,
            description: fm.description,
            requires: fm.requires,
            has_subject,
            subject_line,
            body_offset,
        },
        body.to_string(),
    ))
}

/// The partials `text` includes (`{{> name}}`), or a located error for
/// what can't be checked before rendering: inline partials and other
/// decorators (`{{#*inline}}`, `{{*…}}`), and partial names computed at
/// render time.
fn partial_refs(file: &Path, offset: usize, text: &str) -> Result<Vec<String>, Problem> {
    let mut names = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let place = || format!("{}:{}", file.display(), n + 1 + offset);
        let mut rest = line;
        while let Some(i) = rest.find("{{") {
            rest = rest[i + 2..].trim_start_matches(['{', '~', ' ']);
            let tag = rest.strip_prefix('#').unwrap_or(rest).trim_start();
            if tag.starts_with('*') {
                return Err(Problem::error(
                    place(),
                    "inline partials and decorators (`{{#*inline}}`, `{{*…}}`) are not supported: put the text in templates/partials/",
                ));
            }
            if let Some(after) = tag.strip_prefix('>') {
                let after = after.trim_start();
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '@'))
                    .collect();
                if name.is_empty() {
                    return Err(Problem::error(
                        place(),
                        "a partial's name must be written out (`{{> signature}}`)",
                    ));
                }
                // `@partial-block` is the caller's own block.
                if !name.starts_with('@') {
                    names.push(name);
                }
            }
        }
    }
    Ok(names)
}

/// The partials in `refs` (name, partials it includes) that can reach
/// themselves, sorted.
fn partial_cycles(refs: &[(String, Vec<String>)]) -> Vec<String> {
    let includes = |name: &str| -> &[String] {
        refs.iter()
            .find(|(n, _)| n == name)
            .map_or(&[], |(_, r)| r.as_slice())
    };
    let mut cyclic = Vec::new();
    for (start, _) in refs {
        let mut seen: Vec<&str> = Vec::new();
        let mut stack: Vec<&str> = includes(start).iter().map(String::as_str).collect();
        while let Some(n) = stack.pop() {
            if n == start {
                cyclic.push(start.clone());
                break;
            }
            if !seen.contains(&n) {
                seen.push(n);
                stack.extend(includes(n).iter().map(String::as_str));
            }
        }
    }
    cyclic.sort();
    cyclic
}

/// How deep blocks (`{{#if}}`, `{{#each}}` …) may nest: far beyond any
/// message, and far below what would exhaust the stack while compiling.
const MAX_NESTING: usize = 64;

/// A located error when blocks in `text` nest deeper than MAX_NESTING.
fn nesting_problem(file: &Path, offset: usize, text: &str) -> Option<Problem> {
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("{{") {
            rest = rest[i + 2..].trim_start_matches(['{', '~', ' ']);
            let inverse = rest.starts_with('^') && !rest[1..].trim_start().starts_with('}');
            if rest.starts_with('#') || inverse {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(Problem::error(
                        format!("{}:{}", file.display(), n + 1 + offset),
                        format!("blocks nested more than {MAX_NESTING} deep"),
                    ));
                }
            } else if rest.starts_with('/') {
                depth = depth.saturating_sub(1);
            }
        }
    }
    None
}

fn syntax_problem(file: &Path, offset: usize, e: &handlebars::TemplateError) -> Problem {
    let place = match e.pos() {
        Some((line, col)) => format!("{}:{}:{col}", file.display(), line + offset),
        None => file.display().to_string(),
    };
    Problem::error(place, format!("template syntax error: {}", e.reason()))
}

/// Checks every path the template names, in every branch, against the
/// fields the tool knows, so that `{{#if met.topik}}` is an error for every
/// contact rather than silently false.
fn check_paths(
    file: &Path,
    offset: usize,
    source: &str,
    kind: Kind,
    registry: &Handlebars,
    problems: &mut Vec<Problem>,
) {
    let Ok(ast) = Ast::compile(source) else {
        return;
    };
    let mut found = Vec::new();
    collect_paths(&ast, false, &mut found);
    for (line, path) in found {
        if let Err(msg) = known_path(&path, kind) {
            problems.push(Problem::error(
                format!("{}:{}", file.display(), line + offset),
                msg,
            ));
        }
    }
    let mut partials = Vec::new();
    collect_partials(&ast, &mut partials);
    for (line, name) in partials {
        if registry.get_template(&name).is_none() {
            problems.push(Problem::error(
                format!("{}:{}", file.display(), line + offset),
                format!(
                    "unknown partial `{name}` (partials live in templates/partials/{name}.hbs)"
                ),
            ));
        }
    }
}

/// (line, path) for each data path in the template, outside `#each` and
/// `#with` blocks, whose paths are relative to the item.
fn collect_paths(ast: &Ast, scoped: bool, out: &mut Vec<(usize, String)>) {
    for (i, el) in ast.elements.iter().enumerate() {
        let line = ast.mapping.get(i).map_or(1, |m| m.0);
        let param = |p: &Parameter, out: &mut Vec<(usize, String)>| match p {
            Parameter::Path(_) => {
                if let Some(name) = p.as_name() {
                    if !scoped || name.starts_with("@root.") {
                        out.push((line, name.trim_start_matches("@root.").to_string()));
                    }
                }
            }
            Parameter::Subexpression(sub) => {
                for p in sub.params().into_iter().flatten() {
                    if let Some(name) = p.as_name().filter(|_| matches!(p, Parameter::Path(_))) {
                        if !scoped {
                            out.push((line, name.to_string()));
                        }
                    }
                }
            }
            _ => {}
        };
        match el {
            TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                let is_helper = !ht.params.is_empty()
                    || ht.name.as_name().is_some_and(|n| HELPERS.contains(&n));
                if !is_helper {
                    match &ht.name {
                        Parameter::Name(n) if !scoped => out.push((line, n.clone())),
                        p => param(p, out),
                    }
                }
                for p in ht.params.iter().chain(ht.hash.values()) {
                    param(p, out);
                }
            }
            TemplateElement::HelperBlock(ht) => {
                for p in ht.params.iter().chain(ht.hash.values()) {
                    param(p, out);
                }
                let inner = scoped || matches!(ht.name.as_name(), Some("each" | "with"));
                for t in ht.template.iter().chain(ht.inverse.iter()) {
                    collect_paths(t, inner, out);
                }
            }
            _ => {}
        }
    }
}

fn collect_partials(ast: &Ast, out: &mut Vec<(usize, String)>) {
    for (i, el) in ast.elements.iter().enumerate() {
        let line = ast.mapping.get(i).map_or(1, |m| m.0);
        match el {
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                if let Some(n) = d.name.as_name() {
                    out.push((line, n.to_string()));
                }
            }
            TemplateElement::HelperBlock(ht) => {
                for t in ht.template.iter().chain(ht.inverse.iter()) {
                    collect_partials(t, out);
                }
            }
            _ => {}
        }
    }
}

/// Helpers a template may call: handlebars' own and the project's.
const HELPERS: &[&str] = &[
    "or", "date", "eq", "ne", "gt", "gte", "lt", "lte", "and", "not", "len", "lookup", "log",
];

/// Whether `path` names a field templates can use.
fn known_path(path: &str, kind: Kind) -> Result<(), String> {
    if path == "this" || path.starts_with('@') {
        return Ok(());
    }
    let segs: Vec<&str> = path.split('.').collect();
    let unknown =
        |seg: &str, known: &[&str], prefix: &str| match did_you_mean(seg, known.iter().copied()) {
            Some(s) => Err(format!(
                "unknown field `{path}`; did you mean `{prefix}{s}`?"
            )),
            None => Err(format!("unknown field `{path}`")),
        };
    let leaf = |rest: &[&str]| {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "unknown field `{path}`: `{}` has no fields",
                segs[0]
            ))
        }
    };
    let sub = |seg: Option<&&str>, segs: &[&str], known: &[&str], prefix: &str| match seg {
        None => Ok(()),
        Some(s) if known.contains(s) => leaf(&segs[2..]),
        Some(s) => unknown(s, known, prefix),
    };
    match segs[0] {
        "vars" => Ok(()),
        "today" => leaf(&segs[1..]),
        "me" => match segs.get(1) {
            None => Ok(()),
            Some(&"vars") => Ok(()),
            Some(s) if ME_FIELDS.contains(s) => leaf(&segs[2..]),
            Some(s) => unknown(s, ME_FIELDS, "me."),
        },
        "met" => match segs.get(1) {
            None => Ok(()),
            Some(s) if MET_FIELDS.contains(s) => leaf(&segs[2..]),
            Some(s) => unknown(s, MET_FIELDS, "met."),
        },
        "meeting" => sub(segs.get(1), &segs, rhythm::MEETING_FIELDS, "meeting."),
        "milestone" => sub(segs.get(1), &segs, rhythm::MILESTONE_FIELDS, "milestone."),
        "interview" => sub(segs.get(1), &segs, rhythm::INTERVIEW_FIELDS, "interview."),
        "milestones" => leaf(&segs[1..]),
        "thread" if kind != Kind::FollowUp => {
            Err(format!("`{path}`: thread fields exist only in follow-up templates (front matter `kind: follow-up`)"))
        }
        "thread" => match segs.get(1) {
            None => Ok(()),
            Some(s) if THREAD_FIELDS.contains(s) => leaf(&segs[2..]),
            Some(s) => unknown(s, THREAD_FIELDS, "thread."),
        },
        s if FIELDS.contains(&s) => leaf(&segs[1..]),
        s => {
            let roots: Vec<&str> = FIELDS
                .iter()
                .copied()
                .chain(["me", "today", "thread", "meeting", "milestone", "milestones", "interview"])
                .collect();
            unknown(s, &roots, "")
        }
    }
}

/// The data a template sees, with blank strings removed so that strict
/// mode fails on them as on missing ones.
fn data(input: &Input) -> Value {
    let mut map = match serde_json::to_value(input.contact) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    map.insert(
        "salutation".into(),
        Value::String(input.contact.salutation()),
    );
    map.insert(
        "me".into(),
        serde_json::to_value(input.me).unwrap_or_default(),
    );
    map.insert("today".into(), Value::String(long_date(input.today)));
    if let Some(t) = input.thread {
        map.insert(
            "thread".into(),
            json!({
                "subject": t.subject,
                "sent_on": long_date(t.sent_on),
                "days_waiting": t.days_waiting,
                "step": t.step,
            }),
        );
    }
    let mut v = Value::Object(map);
    merge(&mut v, input.occasion);
    prune_blank(&mut v);
    v
}

/// Adds an occasion's top-level entries to the data.
fn merge(data: &mut Value, occasion: Option<&Value>) {
    if let (Value::Object(map), Some(Value::Object(extra))) = (data, occasion) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
}

fn prune_blank(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !is_blank(x));
            m.values_mut().for_each(prune_blank);
        }
        Value::Array(a) => a.iter_mut().for_each(prune_blank),
        _ => {}
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, seg| v.get(seg))
}

/// "14 November 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn explain_render(e: &RenderError) -> String {
    match e.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => {
            format!("field `{path}` is missing or blank (set it in the contact, or use {{{{or {path} \"…\"}}}})")
        }
        RenderErrorReason::MissingVariable(None) => "a field is missing or blank".to_string(),
        other => other.to_string(),
    }
}

/// `{{or a b "fallback"}}`: the first value that is present and not blank.
fn or_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    for p in h.params() {
        if !p.is_value_missing() && !is_blank(p.value()) {
            out.write(&p.render())?;
            return Ok(());
        }
    }
    let first = h.params().first().and_then(|p| p.relative_path().cloned());
    Err(RenderErrorReason::MissingVariable(first).into())
}

/// `{{date met.date}}`: an ISO date written out, "14 November 2026".
fn date_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let p = h.param(0).ok_or_else(|| {
        RenderErrorReason::Other("`date` needs a date, e.g. {{date met.date}}".into())
    })?;
    if p.is_value_missing() || is_blank(p.value()) {
        return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
    }
    let text = p.render();
    let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        RenderErrorReason::Other(format!("`date`: `{text}` is not a date like 2026-11-14"))
    })?;
    out.write(&long_date(date))?;
    Ok(())
}

/// Trims trailing spaces on each line, collapses runs of blank lines that
/// empty `{{#if}}` blocks leave, and ends with one newline.
fn tidy(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut blank = 0;
    for line in body.trim_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn partials_that_include_themselves_and_inline_partials_are_refused() {
        let file = |n: &str| PathBuf::from(format!("templates/partials/{n}.hbs"));
        let partials = vec![
            (file("pa"), "{{> pb}}\n".to_string()),
            (file("pb"), "{{#if x}}{{> pa}}{{/if}}\n".to_string()),
            (file("signature"), "Amina\n".to_string()),
        ];
        let template = (
            PathBuf::from("templates/a.hbs"),
            "---\nsubject: hi\n---\n{{> pa}}\n{{> signature}}\n".to_string(),
        );
        let (t, problems) = Templates::from_sources(&partials, std::slice::from_ref(&template));
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter()
                .any(|p| p.contains("templates/partials/pa.hbs") && p.contains("includes itself")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|p| p.contains("templates/partials/pb.hbs")),
            "{text:?}"
        );
        assert!(!text.iter().any(|p| p.contains("signature")), "{text:?}");
        drop(t);
        let inline = (
            PathBuf::from("templates/b.hbs"),
            "---\nsubject: hi\n---\n{{#*inline \"x\"}}{{> x}}{{/inline}}{{> x}}\n".to_string(),
        );
        let (_, problems) = Templates::from_sources(&[], &[inline]);
        assert!(
            problems[0]
                .to_string()
                .starts_with("templates/b.hbs:4: error: inline partials"),
            "{problems:?}"
        );
    }

    #[test]
    fn blocks_nested_too_deep_are_refused_before_compiling() {
        let deep = format!(
            "{}x{}",
            "{{#if name}}".repeat(20_000),
            "{{/if}}".repeat(20_000)
        );
        let p = nesting_problem(Path::new("templates/a.hbs"), 3, &format!("\n{deep}")).unwrap();
        assert_eq!(p.place, "templates/a.hbs:5");
        let inverse = format!("{}{}", "{{^name}}".repeat(100), "{{/name}}".repeat(100));
        assert!(nesting_problem(Path::new("a.hbs"), 0, &inverse).is_some());
        let fine = "{{#if a}}{{#each b}}{{^}}{{else}}{{/each}}{{/if}}".repeat(1000);
        assert!(nesting_problem(Path::new("a.hbs"), 0, &fine).is_none());
    }

    use super::*;
    use crate::contact::salutation;

    fn me() -> Me {
        serde_yaml::from_str("name: Amina Yusuf\nemail: amina@example.org\ncountry: Nigeria\n")
            .unwrap()
    }

    fn contact(yaml: &str) -> Contact {
        let mut c: Contact = serde_yaml::from_str(yaml).unwrap();
        c.id = "okafor".into();
        c
    }

    /// Loads templates from (file name, text) pairs in a temporary folder.
    fn load(files: &[(&str, &str)]) -> (Templates, Vec<Problem>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("templates");
        std::fs::create_dir_all(t.join("partials")).unwrap();
        for (name, text) in files {
            std::fs::write(t.join(name), text).unwrap();
        }
        let (templates, problems) = Templates::load(dir.path(), &t);
        (templates, problems, dir)
    }

    fn render(templates: &Templates, name: &str, c: &Contact) -> Result<Rendered, Problem> {
        let me = me();
        let input = Input {
            contact: c,
            me: &me,
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            thread: None,
            occasion: None,
        };
        templates.render(templates.get(name).unwrap(), &input)
    }

    const OKAFOR: &str = "name: Chinedu Okafor\ntitle: Dr.\nemail: c@example.org\n";

    #[test]
    fn renders_plain_text_without_escaping() {
        let (t, p, _d) = load(&[("a.hbs", "---\nsubject: \"Hello & welcome, {{salutation}}\"\n---\nDear {{salutation}},\nQ&A <3 from {{me.country}}\n")]);
        assert!(p.is_empty(), "{p:?}");
        let r = render(&t, "a", &contact(OKAFOR)).unwrap();
        assert_eq!(r.subject, "Hello & welcome, Dr. Okafor");
        assert_eq!(r.body, "Dear Dr. Okafor,\nQ&A <3 from Nigeria\n");
    }

    #[test]
    fn a_missing_field_names_contact_file_line_and_field() {
        let (t, _, _d) = load(&[(
            "pc.hbs",
            "---\nsubject: Thanks\n---\nDear {{salutation}},\n\nThank you for {{met.topic}}.\n",
        )]);
        let e = render(&t, "pc", &contact(OKAFOR)).unwrap_err();
        assert_eq!(e.place, "templates/pc.hbs:6");
        assert!(e.message.contains("contact `okafor`"), "{e}");
        assert!(e.message.contains("`met.topic`"), "{e}");
    }

    #[test]
    fn a_blank_field_fails_like_a_missing_one() {
        let (t, _, _d) = load(&[(
            "a.hbs",
            "---\nsubject: Hi\n---\nDear {{salutation}}, about {{institution}}.\n",
        )]);
        let c = contact(&format!("{OKAFOR}institution: \"   \"\n"));
        let e = render(&t, "a", &c).unwrap_err();
        assert!(e.message.contains("`institution`"), "{e}");
    }

    #[test]
    fn a_misspelled_field_in_an_if_is_an_error_for_everyone() {
        let (_, p, _d) = load(&[(
            "a.hbs",
            "---\nsubject: Hi\n---\nDear {{salutation}},\n{{#if met.topik}}x{{/if}}\n",
        )]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].place, "templates/a.hbs:5");
        assert!(
            p[0].message.contains("did you mean `met.topic`"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn a_field_only_in_an_untaken_branch_is_still_checked() {
        let (_, p, _d) = load(&[("a.hbs", "---\nsubject: Hi\n---\n{{#if title}}Dear {{salutation}}{{else}}Hello {{nmae}}{{/if}},\n")]);
        assert!(
            p.iter()
                .any(|p| p.message.contains("`nmae`") && p.message.contains("did you mean `name`")),
            "{p:?}"
        );
    }

    #[test]
    fn or_falls_back_on_missing_and_blank() {
        let (t, p, _d) = load(&[("a.hbs", "---\nsubject: Hi\n---\nabout {{or met.topic \"your recent talk\"}} and {{or institution \"x\"}}\n")]);
        assert!(p.is_empty(), "{p:?}");
        let c = contact(&format!("{OKAFOR}institution: \"\"\n"));
        assert_eq!(
            render(&t, "a", &c).unwrap().body,
            "about your recent talk and x\n"
        );
    }

    #[test]
    fn thread_fields_only_in_follow_ups() {
        let (_, p, _d) = load(&[("a.hbs", "---\nsubject: Hi\n---\n{{thread.subject}}\n")]);
        assert!(p[0].message.contains("only in follow-up"), "{p:?}");
        let (_, p, _d) = load(&[(
            "f.hbs",
            "---\nkind: follow-up\n---\n{{thread.subject}} {{thread.sent_on}}\n",
        )]);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn follow_up_subject_defaults_to_re() {
        let (t, _, _d) = load(&[(
            "f.hbs",
            "---\nkind: follow-up\n---\nDear {{salutation}}, step {{thread.step}}.\n",
        )]);
        let me = me();
        let c = contact(OKAFOR);
        let thread = Thread {
            subject: "Request for a brief call".into(),
            sent_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            days_waiting: 10,
            step: 1,
        };
        let input = Input {
            contact: &c,
            me: &me,
            today: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap(),
            thread: Some(&thread),
            occasion: None,
        };
        let r = t.render(t.get("f").unwrap(), &input).unwrap();
        assert_eq!(r.subject, "Re: Request for a brief call");
        assert_eq!(reply_subject("RE: x"), "RE: x");
    }

    #[test]
    fn syntax_errors_are_located() {
        let (_, p, _d) = load(&[(
            "a.hbs",
            "---\nsubject: Hi\n---\nline one\n{{#if title}}unclosed\n",
        )]);
        assert!(p[0].place.starts_with("templates/a.hbs:"), "{p:?}");
        assert!(p[0].message.contains("syntax"), "{p:?}");
    }

    #[test]
    fn unknown_partial_and_template_are_reported() {
        let (t, p, _d) = load(&[("a.hbs", "---\nsubject: Hi\n---\n{{> signatur}}\n")]);
        assert!(
            p.iter()
                .any(|p| p.message.contains("unknown partial `signatur`")),
            "{p:?}"
        );
        let e = t.get("intro").unwrap_err();
        assert!(e.contains("unknown template `intro`"), "{e}");
    }

    #[test]
    fn front_matter_is_required() {
        let (_, p, _d) = load(&[("a.hbs", "Dear {{name}}\n")]);
        assert!(p[0].message.contains("front matter"), "{p:?}");
    }

    #[test]
    fn requires_makes_a_template_skip_contacts_without_the_field() {
        let (t, _, _d) = load(&[(
            "pc.hbs",
            "---\nsubject: Hi\nrequires: [met.event]\n---\n{{met.event}}\n",
        )]);
        let tpl = t.get("pc").unwrap();
        assert_eq!(
            t.missing_requirement(tpl, &contact(OKAFOR)).as_deref(),
            Some("met.event")
        );
        let c = contact(&format!("{OKAFOR}met:\n  event: ACC 2026\n"));
        assert_eq!(t.missing_requirement(tpl, &c), None);
    }

    #[test]
    fn utf8_names_render() {
        let (t, _, _d) = load(&[(
            "a.hbs",
            "---\nsubject: \"Für {{salutation}}\"\n---\nDear {{salutation}},\n",
        )]);
        let c = contact("name: 李明\ntitle: Dr.\nemail: li@example.org\n");
        assert_eq!(render(&t, "a", &c).unwrap().subject, "Für Dr. 李明");
        assert_eq!(salutation("José Núñez", Some("Dr.")), "Dr. Núñez");
    }
}
