//! The report's charts, as inline SVG: horizontal bars and a dot plot.
//! Each is `role="img"` with a `<title>` and a `<desc>` naming it for
//! screen readers; colours come from the page's CSS classes.

use std::fmt::Write;

use super::html::esc;

const WIDTH: f64 = 640.0;
/// Where the bars start: labels are right-aligned before it.
const BAR_X: f64 = 180.0;
const BAR_W: f64 = 300.0;
const ROW: f64 = 28.0;

/// One bar: `share` of the full length (0 to 1), with `text` after it.
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub text: String,
    /// Drawn apart from the main bars (e.g. bounced, beside the funnel).
    pub muted: bool,
}

/// The opening tag, title and description of a chart.
fn open(s: &mut String, id: &str, height: f64, title: &str, desc: &str) {
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
}

/// A label that fits its column: long names are cut with an ellipsis.
fn fit(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(chars - 1).collect();
        s.push('\u{2026}');
        s
    }
}

/// Horizontal bars, one per row.
pub fn bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len() as f64 + 8.0;
    let mut s = String::new();
    open(&mut s, id, height, title, desc);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = (b.share.clamp(0.0, 1.0) * BAR_W).max(if b.share > 0.0 { 2.0 } else { 0.0 });
        let class = if b.muted { "bar muted" } else { "bar" };
        let _ = write!(
            s,
            "<text class=\"label\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"track\" x=\"{BAR_X}\" y=\"{:.1}\" width=\"{BAR_W}\" height=\"18\"/>\
             <rect class=\"{class}\" x=\"{BAR_X}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"18\"/>\
             <text class=\"value\" x=\"{:.0}\" y=\"{:.1}\">{}</text>",
            BAR_X - 8.0,
            y + 14.0,
            esc(&fit(&b.label, 24)),
            y,
            y,
            BAR_X + BAR_W + 8.0,
            y + 14.0,
            esc(&b.text),
        );
    }
    s.push_str("</svg>");
    s
}

/// A round upper end for an axis of `max` days, and its tick step.
fn axis(max: f64) -> (f64, f64) {
    for step in [1.0, 2.0, 5.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0] {
        let top = (max / step).ceil().max(1.0) * step;
        if top / step <= 8.0 {
            return (top, step);
        }
    }
    let step = (max / 8.0).ceil();
    ((max / step).ceil() * step, step)
}

/// A dot per value on a day axis, dots of the same day stacked, and a
/// line at the median.
pub fn dots(id: &str, title: &str, desc: &str, days: &[f64], median: f64) -> String {
    let max = days.iter().copied().fold(0.0, f64::max);
    let (top, step) = axis(max);
    let (left, right) = (40.0, WIDTH - 30.0);
    let x = |d: f64| left + (right - left) * d / top;
    // Stack dots that land on the same whole day.
    let mut stacks: std::collections::BTreeMap<i64, usize> = Default::default();
    let mut placed = Vec::with_capacity(days.len());
    for d in days {
        let k = stacks.entry(d.round() as i64).or_default();
        placed.push((*d, *k));
        *k += 1;
    }
    let tallest = stacks.values().copied().max().unwrap_or(0) as f64;
    let r = 5.0;
    let axis_y = 30.0 + tallest * (2.0 * r + 2.0);
    let height = axis_y + 40.0;
    let mut s = String::new();
    open(&mut s, id, height, title, desc);
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{axis_y}\" x2=\"{right}\" y2=\"{axis_y}\"/>"
    );
    let mut t = 0.0;
    while t <= top + 1e-9 {
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{0:.1}\" y1=\"{axis_y}\" x2=\"{0:.1}\" y2=\"{1}\"/>\
             <text class=\"tick\" x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{3}</text>",
            x(t),
            axis_y + 5.0,
            axis_y + 18.0,
            t
        );
        t += step;
    }
    let _ = write!(
        s,
        "<text class=\"tick\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">days after the first email</text>",
        (left + right) / 2.0,
        axis_y + 34.0
    );
    for (d, k) in placed {
        let cy = axis_y - r - 2.0 - k as f64 * (2.0 * r + 2.0);
        let _ = write!(
            s,
            "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"{r}\"/>",
            x(d)
        );
    }
    let mx = x(median);
    let _ = write!(
        s,
        "<line class=\"median\" x1=\"{mx:.1}\" y1=\"14\" x2=\"{mx:.1}\" y2=\"{axis_y}\"/>\
         <text class=\"tick\" x=\"{:.1}\" y=\"11\" text-anchor=\"{}\">median {}</text></svg>",
        mx,
        if mx > WIDTH - 120.0 { "end" } else { "start" },
        esc(&super::html::days(median))
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_ends_on_a_round_number_with_at_most_eight_ticks() {
        assert_eq!(axis(0.0), (1.0, 1.0));
        assert_eq!(axis(3.2), (4.0, 1.0));
        assert_eq!(axis(11.0), (12.0, 2.0));
        assert_eq!(axis(33.0), (35.0, 5.0));
        assert_eq!(axis(50.0), (56.0, 7.0));
    }

    #[test]
    fn every_chart_names_itself_and_escapes_its_words() {
        let s = bars(
            "c",
            "Reply <rate>",
            "A & B",
            &[Bar {
                label: "<script>".into(),
                share: 0.5,
                text: "1 of 2".into(),
                muted: false,
            }],
        );
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""));
        assert!(s.contains("<title id=\"c-title\">Reply &lt;rate&gt;</title>"));
        assert!(s.contains("<desc id=\"c-desc\">A &amp; B</desc>"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(!s.contains("<script>"));
        let d = dots("d", "t", "d", &[1.0, 1.2, 4.0], 1.2);
        assert_eq!(d.matches("<circle").count(), 3);
        assert!(d.contains("median 1.2 days"));
    }
}
