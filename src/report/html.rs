//! The report as one HTML page: no script, nothing fetched (a
//! Content-Security-Policy forbids it), CSS inline, charts inline SVG, and
//! every chart's numbers again in a table. Every word that comes from the
//! workspace or the journal goes through `esc`.

use std::borrow::Cow;
use std::fmt::Write;

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use chrono_tz::Tz;

use super::svg::{self, Bar};
use super::{Rate, Report, Timeline};

/// Nothing may be fetched or run: styles inline, no images, no scripts,
/// no forms. (`frame-ancestors` has no effect in a meta tag, and browsers
/// complain of it.)
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'";

const STYLE: &str = "
:root { --ink: #1d2430; --soft: #5b6575; --line: #d9dee6; --bar: #2f6db5; --muted: #c0883a; --track: #eef1f5; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin-top: 1.4rem; }
p.meta, figcaption, .soft { color: var(--soft); }
p.note { background: #f6f3e8; border-left: 4px solid var(--muted); padding: .5rem .8rem; }
nav a { margin-right: .8rem; }
figure { margin: 1rem 0; }
figcaption { font-size: .9rem; margin-top: .3rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { text-align: left; padding: .25rem .7rem .25rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
details { border-bottom: 1px solid var(--line); padding: .3rem 0; }
summary { cursor: pointer; }
svg { max-width: 100%; height: auto; font: 13px system-ui, 'DejaVu Sans', sans-serif; }
svg .label, svg .value { fill: var(--ink); }
svg .tick { fill: var(--soft); font-size: 12px; }
svg .track { fill: var(--track); }
svg .bar { fill: var(--bar); }
svg .bar.muted { fill: var(--muted); }
svg .axis { stroke: var(--soft); stroke-width: 1; }
svg .dot { fill: var(--bar); fill-opacity: .75; }
svg .median { stroke: var(--muted); stroke-width: 2; stroke-dasharray: 4 3; }
@media print { nav { display: none; } details { break-inside: avoid; } }
";

/// Escapes text for HTML and SVG, in content and in quoted attributes.
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// "1 day", "4.5 days".
pub fn days(d: f64) -> String {
    let d = (d * 10.0).round() / 10.0;
    if d == 1.0 {
        "1 day".into()
    } else {
        format!("{d} days")
    }
}

/// "30% (3 of 10)": the sample is small, so n is always beside the rate.
fn pct(n: usize, of: usize) -> String {
    match (n * 100).checked_div(of) {
        Some(_) => format!(
            "{:.0}% ({n} of {of})",
            (n as f64 * 100.0 / of as f64).round()
        ),
        None => format!("\u{2013} ({n} of {of})"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

struct Page<'r> {
    r: &'r Report,
    s: String,
}

impl Page<'_> {
    fn when(&self, t: DateTime<Utc>) -> String {
        when(&self.r.zone, t)
    }

    fn day(&self, t: DateTime<Utc>) -> String {
        day(&self.r.zone, t)
    }

    fn push(&mut self, html: &str) {
        self.s.push_str(html);
    }

    fn p(&mut self, class: &str, text: &str) {
        let _ = write!(self.s, "<p class=\"{class}\">{}</p>", esc(text));
    }

    /// A table: `head` cells are plain words; `rows` are already HTML.
    fn table(&mut self, caption: &str, head: &[&str], rows: impl IntoIterator<Item = String>) {
        let _ = write!(
            self.s,
            "<table><caption class=\"soft\">{}</caption><thead><tr>",
            esc(caption)
        );
        for h in head {
            let class = if h.starts_with('#') || *h == "Rate" {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(
                self.s,
                "<th scope=\"col\"{class}>{}</th>",
                esc(h.trim_start_matches('#'))
            );
        }
        self.s.push_str("</tr></thead><tbody>");
        for r in rows {
            self.s.push_str(&r);
        }
        self.s.push_str("</tbody></table>");
    }

    /// A chart with its one-sentence caption.
    fn figure(&mut self, svg: String, caption: &str) {
        let _ = write!(
            self.s,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            esc(caption)
        );
    }

    fn rates(&mut self, id: &str, title: &str, caption: &str, what: &str, rates: &[Rate]) {
        let bars: Vec<Bar> = rates
            .iter()
            .map(|r| Bar {
                label: r.label.clone(),
                share: if r.of == 0 {
                    0.0
                } else {
                    r.replied as f64 / r.of as f64
                },
                text: pct(r.replied, r.of),
                muted: false,
            })
            .collect();
        let desc = rates
            .iter()
            .map(|r| format!("{}: {}", r.label, pct(r.replied, r.of)))
            .collect::<Vec<_>>()
            .join("; ");
        self.figure(svg::bars(id, title, &desc, &bars), caption);
        let rows = rates.iter().map(|r| {
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"n\" data-figure=\"{id}/{}/of\">{}</td>\
                 <td class=\"n\" data-figure=\"{id}/{}/replied\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.label),
                esc(&r.label),
                r.of,
                esc(&r.label),
                r.replied,
                esc(&pct(r.replied, r.of)),
            )
        });
        self.table(
            title,
            &[what, "#Contacts", "#Replied", "Rate"],
            rows.collect::<Vec<_>>(),
        );
    }

    fn header(&mut self) {
        let r = self.r;
        let _ = write!(
            self.s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Outreach report \u{2013} {}</title><style>{STYLE}</style></head><body>\
             <header><h1>Outreach report</h1>",
            esc(&self.day(r.now))
        );
        let who = if r.owner.trim().is_empty() {
            String::new()
        } else {
            format!("{}, ", r.owner)
        };
        self.p(
            "meta",
            &format!(
                "{who}as of {}. Every date and time here is in {}.",
                self.when(r.now),
                r.zone.name()
            ),
        );
        self.p(
            "note",
            "No opens or clicks are shown: outreach tracks none, with no tracking pixels and no \
             rewritten links. Replies are the answers found in your mailbox or marked by you; \
             out-of-office and other automatic answers are not counted as replies.",
        );
        self.push(
            "<nav><a href=\"#funnel\">Funnel</a><a href=\"#waiting\">Waiting</a>\
             <a href=\"#due\">Due this week</a><a href=\"#rates\">Reply rates</a>\
             <a href=\"#time\">Time to reply</a><a href=\"#bounced\">Bounced</a>\
             <a href=\"#timelines\">Timelines</a></nav></header><main>",
        );
    }

    fn funnel(&mut self) {
        let s = &self.r.summary;
        self.push("<section id=\"funnel\"><h2>Funnel</h2>");
        if s.written == 0 {
            self.p(
                "",
                &format!(
                    "Nothing sent yet: {} in the workspace, none written to. \
                     `outreach send` writes the first emails; this page fills in as replies come.",
                    plural(s.contacts, "contact", "contacts")
                ),
            );
        } else {
            let w = s.written as f64;
            let bar = |label: &str, n: usize, muted: bool, with_pct: bool| Bar {
                label: label.into(),
                share: n as f64 / w,
                text: if with_pct {
                    pct(n, s.written)
                } else {
                    n.to_string()
                },
                muted,
            };
            let bars = [
                bar("contacted", s.written, false, false),
                bar("replied", s.replied, false, true),
                bar("met", s.met, false, true),
                bar("bounced", s.bounced, true, true),
                bar("out of office now", s.auto_reply, true, true),
                bar("do not contact", s.do_not_contact, true, true),
            ];
            let desc = format!(
                "Of {} contacted, {} replied and {} met; apart from these, {} bounced, {} are out of office and {} are not to be contacted.",
                s.written,
                pct(s.replied, s.written),
                pct(s.met, s.written),
                s.bounced,
                s.auto_reply,
                s.do_not_contact
            );
            self.figure(
                svg::bars("funnel-chart", "Funnel: contacted, replied, met", &desc, &bars),
                &format!(
                    "Reply rate {} of contacted, automatic answers left out; bounced, away and do-not-contact are drawn apart, in orange.",
                    pct(s.replied, s.written)
                ),
            );
        }
        let row = |label: &str, key: &str, n: usize, of: Option<usize>| {
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"n\" data-figure=\"{key}\">{n}</td><td class=\"n\">{}</td></tr>",
                esc(label),
                of.map_or(String::new(), |of| esc(&pct(n, of)).into_owned())
            )
        };
        let w = (s.written > 0).then_some(s.written);
        let rows = vec![
            row("contacts in the workspace", "contacts", s.contacts, None),
            row("contacted", "written_to", s.written, None),
            row("replied", "replied", s.replied, w),
            row("met", "met", s.met, w),
            row("bounced", "bounced", s.bounced, w),
            row("out of office now", "auto_reply", s.auto_reply, w),
            row("do not contact", "do_not_contact", s.do_not_contact, w),
        ];
        self.table(
            "The funnel in numbers",
            &["Stage", "#Contacts", "Rate"],
            rows,
        );
        self.push("</section>");
    }

    fn waiting(&mut self) {
        let r = self.r;
        let _ = write!(
            self.s,
            "<section id=\"waiting\"><h2>Waiting for a reply (<span data-figure=\"waiting\">{}</span>)</h2>",
            r.waiting.len()
        );
        if r.waiting.is_empty() {
            self.p("", "Nobody is waiting for a reply.");
        } else {
            self.p(
                "soft",
                "Business days since the last message to them, in their own calendar, longest first.",
            );
            let rows: Vec<String> = r
                .waiting
                .iter()
                .map(|w| {
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                        esc(&w.name),
                        esc(&w.contact),
                        esc(&w.stage),
                        esc(&self.day(w.since)),
                        w.business_days
                    )
                })
                .collect();
            self.table(
                "Who is waiting",
                &["Name", "Contact", "Stage", "Last message", "#Business days"],
                rows,
            );
        }
        self.push("</section>");
    }

    fn due(&mut self) {
        let r = self.r;
        let _ = write!(
            self.s,
            "<section id=\"due\"><h2>Due this week (<span data-figure=\"due_week\">{}</span>)</h2>",
            r.due.len()
        );
        if r.due.is_empty() {
            self.p("", "Nothing is due in the next seven days.");
        } else {
            self.p(
                "soft",
                "Follow-ups, check-ins and post-conference notes due now or in the next seven days; \
                 `outreach due` lists them too and `outreach followup` writes them.",
            );
            let rows: Vec<String> = r
                .due
                .iter()
                .map(|d| {
                    let when = if d.due <= r.now { "now".to_string() } else { self.when(d.due) };
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&when),
                        esc(&d.name),
                        esc(&d.contact),
                        esc(&d.action),
                        esc(&d.template),
                        esc(&d.reason)
                    )
                })
                .collect();
            self.table(
                "What is due this week",
                &["When", "Name", "Contact", "Action", "Template", "Why"],
                rows,
            );
        }
        self.push("</section>");
    }

    fn rates_section(&mut self) {
        let r = self.r;
        self.push("<section id=\"rates\"><h2>Reply rates</h2>");
        if r.summary.written == 0 {
            self.p("", "No rates yet: nothing has been sent.");
        } else {
            self.p(
                "soft",
                "Replied \u{f7} contacted, automatic answers left out. The samples are small: \
                 read the counts, not only the percentages.",
            );
            self.push("<h3>By first-email template</h3>");
            self.rates(
                "by-template",
                "Reply rate by first-email template",
                "Of the contacts each first-email template went to, the share who replied.",
                "Template",
                &r.by_template,
            );
            self.push("<h3>By the follow-up step that got the reply</h3>");
            self.rates(
                "by-step",
                "Reply rate by follow-up step",
                "Of the contacts a step reached, the share whose reply came after that step and before the next; a reply to a follow-up may still owe much to the first email.",
                "Step",
                &r.by_step,
            );
            self.push("<h3>By how the contact was found</h3>");
            self.rates(
                "by-found",
                "Reply rate by how the contact was found",
                "Contacts met at an event against those written to cold, with the share of each who replied.",
                "Found",
                &r.by_found,
            );
        }
        self.push("</section>");
    }

    fn time_to_reply(&mut self) {
        let r = self.r;
        self.push("<section id=\"time\"><h2>Time to first reply</h2>");
        match r.median_days() {
            None => self.p("", "No replies yet."),
            Some(median) => {
                let days_list: Vec<f64> = r.first_reply.iter().map(|f| f.days).collect();
                let desc = format!(
                    "{} from the first email of a thread to its first answer; median {}, fastest {}, slowest {}.",
                    plural(days_list.len(), "reply", "replies"),
                    days(median),
                    days(days_list.iter().copied().fold(f64::INFINITY, f64::min)),
                    days(days_list.iter().copied().fold(0.0, f64::max)),
                );
                self.figure(
                    svg::dots("time-chart", "Days to first reply", &desc, &days_list, median),
                    &format!(
                        "Each dot is one contact's first answer, counted from the first email of the thread; the dashed line is the median, {}.",
                        days(median)
                    ),
                );
                let mut sorted: Vec<_> = r.first_reply.iter().collect();
                sorted.sort_by(|a, b| {
                    a.days
                        .total_cmp(&b.days)
                        .then_with(|| a.contact.cmp(&b.contact))
                });
                let rows: Vec<String> = sorted
                    .iter()
                    .map(|f| {
                        format!(
                            "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.1}</td></tr>",
                            esc(&f.name),
                            esc(&f.contact),
                            f.days
                        )
                    })
                    .collect();
                self.table("Days to first reply", &["Name", "Contact", "#Days"], rows);
            }
        }
        self.push("</section>");
    }

    fn bounced(&mut self) {
        let r = self.r;
        let _ = write!(
            self.s,
            "<section id=\"bounced\"><h2>Bounced addresses (<span data-figure=\"bounced_list\">{}</span>)</h2>",
            r.bounced.len()
        );
        if r.bounced.is_empty() {
            self.p("", "No address needs replacing.");
        } else {
            self.p(
                "soft",
                "These addresses failed. Put a new one in the contact's file; the next first email starts afresh.",
            );
            let rows: Vec<String> = r
                .bounced
                .iter()
                .map(|b| {
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&b.name),
                        esc(&b.contact),
                        esc(&b.address),
                        esc(&self.day(b.at)),
                        esc(&b.summary)
                    )
                })
                .collect();
            self.table(
                "Addresses that need a new one",
                &[
                    "Name",
                    "Contact",
                    "Address",
                    "Bounced",
                    "What the bounce said",
                ],
                rows,
            );
        }
        self.push("</section>");
    }

    fn timelines(&mut self) {
        let r = self.r;
        self.push("<section id=\"timelines\"><h2>Timeline per contact</h2>");
        if r.timelines.is_empty() {
            self.p("", "Nothing in the journal yet.");
        }
        // Most of the page, and each contact's is its own: on every core.
        for html in crate::parallel::map(&r.timelines, 256, |t| timeline(r, t)) {
            self.push(&html);
        }
        self.push("</section>");
    }
}

/// One contact's timeline, collapsed.
fn timeline(r: &Report, t: &Timeline) -> String {
    let mut s = String::with_capacity(400 + t.entries.len() * 120);
    let _ = write!(
        s,
        "<details><summary>{} <span class=\"soft\">({}, {}) \u{2013} {}, {}</span></summary>\
         <table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">Detail</th></tr></thead><tbody>",
        esc(&t.name),
        esc(&t.contact),
        esc(&t.email),
        esc(&t.stage),
        plural(t.entries.len(), "entry", "entries")
    );
    for e in &t.entries {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&when(&r.zone, e.at)),
            esc(&e.what),
            esc(&e.detail)
        );
    }
    s.push_str("</tbody></table></details>");
    s
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Tue 24 Nov 2026" in the report's zone (chrono's `%a %-d %b %Y`,
/// without parsing a format for each of ten thousand dates).
fn day(zone: &Tz, t: DateTime<Utc>) -> String {
    let mut s = String::with_capacity(16);
    write_day(&mut s, &t.with_timezone(zone));
    s
}

/// "Tue 24 Nov 2026 09:30" in the report's zone.
fn when(zone: &Tz, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(zone);
    let mut s = String::with_capacity(22);
    write_day(&mut s, &l);
    let _ = write!(s, " {:02}:{:02}", l.hour(), l.minute());
    s
}

fn write_day(s: &mut String, l: &DateTime<Tz>) {
    let _ = write!(
        s,
        "{} {} {} {}",
        WEEKDAYS[l.weekday().num_days_from_monday() as usize],
        l.day(),
        MONTHS[l.month0() as usize],
        l.year()
    );
}

/// The whole page.
pub fn page(report: &Report) -> String {
    let mut p = Page {
        r: report,
        s: String::with_capacity(64 * 1024 + report.timelines.len() * 600),
    };
    p.header();
    p.funnel();
    p.waiting();
    p.due();
    p.rates_section();
    p.time_to_reply();
    p.bounced();
    p.timelines();
    let _ = writeln!(
        p.s,
        "</main><footer><p class=\"meta\">Made by outreach {} from the journal. This page runs no script and fetches nothing.</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    p.s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_writes_them_in_any_zone() {
        let zones: [Tz; 3] = [
            chrono_tz::America::Chicago,
            chrono_tz::Asia::Kolkata,
            chrono_tz::UTC,
        ];
        let mut t: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        while t.year() < 2028 {
            for zone in &zones {
                let l = t.with_timezone(zone);
                assert_eq!(day(zone, t), l.format("%a %-d %b %Y").to_string());
                assert_eq!(when(zone, t), l.format("%a %-d %b %Y %H:%M").to_string());
            }
            t += chrono::Duration::minutes(7919);
        }
    }

    #[test]
    fn escaping_covers_text_and_quoted_attributes() {
        assert_eq!(
            esc("Dr. O'Neil <b> & \"co\""),
            "Dr. O&#39;Neil &lt;b&gt; &amp; &quot;co&quot;"
        );
        assert!(matches!(esc("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_rate_always_shows_its_sample() {
        assert_eq!(pct(1, 3), "33% (1 of 3)");
        assert_eq!(pct(0, 0), "\u{2013} (0 of 0)");
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(4.25), "4.3 days");
    }
}
