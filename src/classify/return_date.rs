//! The day an out-of-office notice says its sender is back, read from the
//! notice's text in the languages our users' contacts write in.
//!
//! Only dates that follow a "back / until" word count: a notice also names
//! the day it was written, conference dates and office hours, and none of
//! those is a return date. Numeric dates are read only when they can't be
//! misread: ISO (2026-12-01), dotted day-first (1.12.2026, the European
//! habit), and slashed ones only when one side is over 12 (25/12/2026);
//! "01/12/2026" could be January or December, so it is skipped.

use chrono::{Datelike, Duration, NaiveDate};

/// Words after which a notice names the day its sender is back or away
/// until ("back on", "until", "bis zum", "jusqu'au", "hasta el" …): one
/// line per language, in the order of `MONTHS`.
const TRIGGERS: [&str; 7] = [
    "back return returning returns until till through thru",
    "bis zurück zurueck wieder",
    // "jusqu'au" splits at the apostrophe.
    "jusqu retour",
    "hasta regreso regresaré regresare vuelta",
    "até retorno volto regresso",
    "fino rientro rientrerò rientrero",
    "tot terug",
];

/// How many tokens after a trigger the date may start ("back in the office
/// on Monday, 1 December" puts six between them).
const WINDOW: usize = 12;

/// Small words that sit inside dates: "1 de diciembre de 2026", "the 1st of
/// December", "1er décembre".
const FILLERS: &[&str] = &[
    "de", "del", "of", "the", "st", "nd", "rd", "th", "er", "e", "º", "ª",
];

/// Month names and their usual abbreviations, January first, in English,
/// German, French, Spanish, Portuguese, Italian and Dutch.
const MONTHS: [&str; 12] = [
    "january jan januar jänner janvier janv enero janeiro gennaio januari",
    "february feb februar février fevrier févr febrero fevereiro febbraio februari",
    "march mar märz maerz mrz mars marzo março marco maart",
    "april apr avril avr abril aprile",
    "may mai mayo maio maggio mei",
    "june jun juni juin junio junho giugno",
    "july jul juli juillet juil julio julho luglio",
    "august aug août aout agosto augustus",
    "september sep sept septembre septiembre setiembre setembro settembre",
    "october oct oktober okt octobre octubre outubro ottobre",
    "november nov novembre noviembre novembro",
    "december dec dezember dez décembre decembre déc diciembre dezembro dicembre",
];

/// The return date a notice states, if it states one. `received` is the
/// notice's own date: a date without a year is the next such day on or
/// after it, and a date before it can't be a return date. Without
/// `received` only dates with a year are read.
pub fn return_date(text: &str, received: Option<NaiveDate>) -> Option<NaiveDate> {
    let tokens = tokenize(&text.to_lowercase());
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Tok::Word(w) if is_trigger(w)))
        .find_map(|(i, _)| {
            let window = tokens.len().min(i + 1 + WINDOW);
            (i + 1..window).find_map(|start| {
                date_at(&tokens[start..])
                    .and_then(|d| resolve(d, received))
                    .filter(|d| plausible(*d, received))
            })
        })
}

fn is_trigger(word: &str) -> bool {
    TRIGGERS
        .iter()
        .any(|words| words.split(' ').any(|t| t == word))
}

/// A date as written, perhaps without its year.
#[derive(Debug, Clone, Copy)]
struct Written {
    year: Option<i32>,
    month: u32,
    day: u32,
}

/// The calendar day a written date means, seen from `received`.
fn resolve(w: Written, received: Option<NaiveDate>) -> Option<NaiveDate> {
    match w.year {
        Some(y) => NaiveDate::from_ymd_opt(y, w.month, w.day),
        None => {
            let received = received?;
            let this_year = NaiveDate::from_ymd_opt(received.year(), w.month, w.day);
            match this_year {
                Some(d) if d >= received => Some(d),
                _ => NaiveDate::from_ymd_opt(received.year() + 1, w.month, w.day),
            }
        }
    }
}

/// Nobody is back before they wrote, and a date years ahead is something
/// else (a retirement, a typo).
fn plausible(d: NaiveDate, received: Option<NaiveDate>) -> bool {
    received.is_none_or(|r| d >= r && d <= r + Duration::days(2 * 366))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A run of digits: its value (saturated) and how many digits.
    Num(u32, usize),
    Word(String),
    Sym(char),
}

fn tokenize(text: &str) -> Vec<Tok> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let (mut value, mut len) = (0u32, 0usize);
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                value = value.saturating_mul(10).saturating_add(d);
                len += 1;
                chars.next();
            }
            tokens.push(Tok::Num(value, len));
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphabetic()) {
                word.push(c);
                chars.next();
            }
            tokens.push(Tok::Word(word));
        } else {
            if !c.is_whitespace() {
                tokens.push(Tok::Sym(c));
            }
            chars.next();
        }
    }
    tokens
}

/// A date starting at the first token, in any of the accepted forms.
fn date_at(t: &[Tok]) -> Option<Written> {
    iso(t)
        .or_else(|| dotted(t))
        .or_else(|| slashed(t))
        .or_else(|| day_month(t))
        .or_else(|| month_day(t))
}

fn day(n: u32) -> Option<u32> {
    (1..=31).contains(&n).then_some(n)
}

fn month_number(n: u32) -> Option<u32> {
    (1..=12).contains(&n).then_some(n)
}

fn year(n: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => i32::try_from(n).ok(),
        2 => i32::try_from(2000 + n).ok(),
        _ => None,
    }
}

fn month_name(t: Option<&Tok>) -> Option<u32> {
    match t {
        Some(Tok::Word(w)) => (1..=12)
            .zip(MONTHS)
            .find(|(_, names)| names.split(' ').any(|n| n == w))
            .map(|(m, _)| m),
        _ => None,
    }
}

/// 2026-12-01 (or 2026/12/01).
fn iso(t: &[Tok]) -> Option<Written> {
    match t {
        [Tok::Num(y, 4), Tok::Sym(s1), Tok::Num(m, 1..=2), Tok::Sym(s2), Tok::Num(d, 1..=2), ..]
            if s1 == s2 && matches!(s1, '-' | '/') =>
        {
            Some(Written {
                year: year(*y, 4),
                month: month_number(*m)?,
                day: day(*d)?,
            })
        }
        _ => None,
    }
}

/// 1.12.2026, 01.12.26, or "1.12." without a year.
fn dotted(t: &[Tok]) -> Option<Written> {
    match t {
        [Tok::Num(d, 1..=2), Tok::Sym('.'), Tok::Num(m, 1..=2), Tok::Sym('.'), rest @ ..] => {
            let year = match rest.first() {
                Some(Tok::Num(y, digits)) => Some(year(*y, *digits)?),
                _ => None,
            };
            Some(Written {
                year,
                month: month_number(*m)?,
                day: day(*d)?,
            })
        }
        _ => None,
    }
}

/// 25/12/2026 or 12/25/2026, only when the order can't be in doubt.
fn slashed(t: &[Tok]) -> Option<Written> {
    match t {
        [Tok::Num(a, 1..=2), Tok::Sym('/'), Tok::Num(b, 1..=2), Tok::Sym('/'), Tok::Num(y, digits), ..] =>
        {
            let (d, m) = match (*a > 12, *b > 12) {
                (true, false) => (*a, *b),
                (false, true) => (*b, *a),
                _ => return None,
            };
            Some(Written {
                year: Some(year(*y, *digits)?),
                month: month_number(m)?,
                day: day(d)?,
            })
        }
        _ => None,
    }
}

/// Skips the small words and punctuation that sit between a date's parts.
fn skip_filler(t: &[Tok], mut i: usize) -> usize {
    while let Some(tok) = t.get(i) {
        match tok {
            Tok::Word(w) if FILLERS.contains(&w.as_str()) => i += 1,
            Tok::Sym('.' | ',') => i += 1,
            _ => break,
        }
    }
    i
}

/// The year that may follow a month or day, if any.
fn trailing_year(t: &[Tok], i: usize) -> Option<i32> {
    match t.get(skip_filler(t, i)) {
        Some(Tok::Num(y, 4)) => year(*y, 4),
        _ => None,
    }
}

/// 1 December 2026, 1st of Dec, 1. Dezember, 1er décembre, 1 de diciembre
/// de 2026.
fn day_month(t: &[Tok]) -> Option<Written> {
    let Some(Tok::Num(d, 1..=2)) = t.first() else {
        return None;
    };
    let i = skip_filler(t, 1);
    let month = month_name(t.get(i))?;
    Some(Written {
        year: trailing_year(t, i + 1),
        month,
        day: day(*d)?,
    })
}

/// December 1, 2026; Dec. 1st.
fn month_day(t: &[Tok]) -> Option<Written> {
    let month = month_name(t.first())?;
    let i = skip_filler(t, 1);
    let Some(Tok::Num(d, 1..=2)) = t.get(i) else {
        return None;
    };
    Some(Written {
        year: trailing_year(t, i + 1),
        month,
        day: day(*d)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn found(text: &str) -> Option<NaiveDate> {
        return_date(text, Some(ymd(2026, 11, 10)))
    }

    #[test]
    fn english_forms() {
        let dec1 = Some(ymd(2026, 12, 1));
        assert_eq!(found("I will be back on December 1."), dec1);
        assert_eq!(found("Returning 1 Dec 2026, with limited email."), dec1);
        assert_eq!(found("I am away until 2026-12-01."), dec1);
        assert_eq!(found("Back in the office on Tuesday, 1st December."), dec1);
        assert_eq!(found("I'll return on Dec. 1st, 2026"), dec1);
        assert_eq!(found("back on 25/12/2026"), Some(ymd(2026, 12, 25)));
        assert_eq!(found("back on 12/25/2026"), Some(ymd(2026, 12, 25)));
    }

    #[test]
    fn other_languages() {
        let dec1 = Some(ymd(2026, 12, 1));
        assert_eq!(found("Ich bin bis zum 1. Dezember nicht im Büro."), dec1);
        assert_eq!(found("Ich bin bis 01.12.2026 abwesend."), dec1);
        assert_eq!(found("Absent jusqu'au 1er décembre."), dec1);
        assert_eq!(found("Absent jusqu’au 1er décembre 2026."), dec1);
        assert_eq!(found("Estaré fuera hasta el 1 de diciembre de 2026."), dec1);
        assert_eq!(found("Estarei ausente até 1 de dezembro."), dec1);
        assert_eq!(found("Sarò fuori sede fino al 1 dicembre."), dec1);
        assert_eq!(found("Ik ben afwezig tot en met 1 december."), dec1);
    }

    #[test]
    fn year_less_dates_are_the_next_such_day() {
        let received = Some(ymd(2026, 12, 20));
        assert_eq!(
            return_date("de retour le 5 janvier", received),
            Some(ymd(2027, 1, 5))
        );
        assert_eq!(
            return_date("back on December 28", received),
            Some(ymd(2026, 12, 28))
        );
        assert_eq!(return_date("back on December 28", None), None);
        assert_eq!(
            return_date("back on 2026-12-28", None),
            Some(ymd(2026, 12, 28))
        );
    }

    #[test]
    fn no_date_is_guessed() {
        assert_eq!(found("I am out of the office until further notice."), None);
        // Day and month could be either way round.
        assert_eq!(found("back on 01/12/2026"), None);
        // A date with no "back" or "until" before it is some other date.
        assert_eq!(found("See you at the congress on 3 December 2026."), None);
        // Before the notice was written: not a return date.
        assert_eq!(found("back on 2025-12-01"), None);
        assert_eq!(found("back on 31 February 2026"), None);
        assert_eq!(found(""), None);
    }

    #[test]
    fn a_later_trigger_is_tried_when_the_first_has_no_date() {
        assert_eq!(
            found(
                "Thank you for writing back. Our clinic has many patients waiting \
                 for appointments this month, so replies are slow. I return 3 Dec 2026."
            ),
            Some(ymd(2026, 12, 3))
        );
    }
}
