//! Follow-up policy, as a pure function of one contact's history and `now`:
//! where the contact stands and what is due next, with the reason.
//!
//! Business days and calendar days are counted in the contact's zone and
//! keep the local time of day, so a follow-up to a 10:00 message is due at
//! 10:00 local even across a daylight-saving change.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::schedule::local_instant;

/// Which days count as business days for one contact.
///
/// Borrows the week and the holidays so that reviewing thousands of
/// contacts builds them once.
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    /// The contact's zone: days are their local days.
    pub zone: Tz,
    /// Working weekdays, usually Monday to Friday.
    pub workdays: &'a [Weekday],
    /// Local dates that are not business days.
    pub holidays: &'a [NaiveDate],
}

impl Calendar<'_> {
    /// Whether `day` is a business day. An empty week means every day, as a
    /// count of business days over no working weekdays would never end.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        (self.workdays.is_empty() || self.workdays.contains(&day.weekday()))
            && !self.holidays.contains(&day)
    }
}

/// `n` business days after `start`: counted from its local date, at the
/// same local time of day.
pub fn add_business_days(start: DateTime<Utc>, n: u32, cal: &Calendar) -> DateTime<Utc> {
    if n == 0 {
        return start;
    }
    let local = start.with_timezone(&cal.zone);
    let mut day = local.date_naive();
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if cal.is_business_day(day) {
            left -= 1;
        }
    }
    local_instant(cal.zone, day, local.time())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: &[Weekday] = &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cal(zone: &str) -> Calendar<'static> {
        Calendar {
            zone: zone.parse().unwrap(),
            workdays: WEEK,
            holidays: &[],
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let ny = cal("America/New_York");
        // Fri 20 Nov 2026 10:00 in New York.
        let fri = at("2026-11-20T15:00:00Z");
        assert_eq!(add_business_days(fri, 0, &ny), fri);
        assert_eq!(add_business_days(fri, 1, &ny), at("2026-11-23T15:00:00Z"));
        assert_eq!(add_business_days(fri, 5, &ny), at("2026-11-27T15:00:00Z"));
        let thanksgiving = [date("2026-11-26")];
        let holidays = Calendar {
            holidays: &thanksgiving,
            ..ny
        };
        assert_eq!(
            add_business_days(fri, 5, &holidays),
            at("2026-11-30T15:00:00Z")
        );
        // Sent on a Saturday: the first business day is Monday.
        assert_eq!(
            add_business_days(at("2026-11-21T15:00:00Z"), 1, &ny),
            at("2026-11-23T15:00:00Z")
        );
    }

    #[test]
    fn the_local_day_decides_which_days_are_counted() {
        // Fri 27 Nov 14:00 in Chicago is already Sat 28 Nov 04:00 in
        // Singapore: one business day later is Monday in both, a day apart.
        let t = at("2026-11-27T20:00:00Z");
        assert_eq!(
            add_business_days(t, 1, &cal("America/Chicago")),
            at("2026-11-30T20:00:00Z")
        );
        assert_eq!(
            add_business_days(t, 1, &cal("Asia/Singapore")),
            at("2026-11-29T20:00:00Z")
        );
    }
}
