//! Timing, as pure functions of `now`: send windows in the recipient's
//! zone, safe across daylight-saving changes, weekends and holidays.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// A weekly window, e.g. weekdays 08:30–11:30, in some zone.
#[derive(Debug, Clone)]
pub struct Window {
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    /// When it closes; midnight (00:00) closes it at the end of the day,
    /// as `24:00` in outreach.yaml.
    pub end: NaiveTime,
    pub holidays: Vec<NaiveDate>,
}

/// Whether `now` falls in the window in `zone`: `Ok(())`, or the instant it
/// next opens.
pub fn window_check(now: DateTime<Utc>, zone: Tz, w: &Window) -> Result<(), DateTime<Utc>> {
    let today = now.with_timezone(&zone).date_naive();
    for offset in 0..=21 {
        let day = today + Duration::days(offset);
        if !w.days.contains(&day.weekday()) || w.holidays.contains(&day) {
            continue;
        }
        let start = local_instant(zone, day, w.start);
        let end = if w.end == NaiveTime::MIN {
            local_instant(zone, day + Duration::days(1), NaiveTime::MIN)
        } else {
            local_instant(zone, day, w.end)
        };
        if now < start {
            return Err(start);
        }
        if now < end {
            return Ok(());
        }
    }
    // A window with no open day in three weeks: say it never opens soon.
    Err(now + Duration::days(21))
}

/// The instant a local wall-clock time happens on `day` in `zone`. In the
/// autumn overlap the earlier one; in the spring gap the moment the clocks
/// jump to (the first valid local time after it).
pub fn local_instant(zone: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(a, b) => a.min(b).to_utc(),
        LocalResult::None => {
            let mut probe = naive;
            for _ in 0..(4 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = zone.from_local_datetime(&probe).earliest() {
                    return t.to_utc();
                }
            }
            Utc.from_utc_datetime(&naive)
        }
    }
}

/// The start of `now`'s day in `zone`, as an instant (for daily caps).
pub fn start_of_day(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    local_instant(zone, now.with_timezone(&zone).date_naive(), NaiveTime::MIN)
}

/// A moment as people read it in `zone`: "Mon 7 Dec 2026 09:00".
pub fn local_in(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn weekdays() -> Window {
        Window {
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(11, 30, 0).unwrap(),
            holidays: vec![],
        }
    }

    #[test]
    fn inside_and_outside_in_the_contacts_zone() {
        let chicago: Tz = "America/Chicago".parse().unwrap();
        // Tue 24 Nov 2026 09:00 in Chicago is 15:00 UTC.
        assert_eq!(
            window_check(at("2026-11-24T15:00:00Z"), chicago, &weekdays()),
            Ok(())
        );
        // 08:00 in Chicago: opens at 08:30 local = 14:30 UTC.
        assert_eq!(
            window_check(at("2026-11-24T14:00:00Z"), chicago, &weekdays()),
            Err(at("2026-11-24T14:30:00Z"))
        );
        // The same instant is 22:00 in Singapore: next morning there.
        let sg: Tz = "Asia/Singapore".parse().unwrap();
        assert_eq!(
            window_check(at("2026-11-24T14:00:00Z"), sg, &weekdays()),
            Err(at("2026-11-25T00:30:00Z"))
        );
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Fri 27 Nov 2026 12:00 New York, after the window: next is Monday.
        assert_eq!(
            window_check(at("2026-11-27T17:00:00Z"), ny, &weekdays()),
            Err(at("2026-11-30T13:30:00Z"))
        );
        let mut w = weekdays();
        w.holidays
            .push(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(
            window_check(at("2026-11-27T17:00:00Z"), ny, &w),
            Err(at("2026-12-01T13:30:00Z"))
        );
    }

    #[test]
    fn daylight_saving_changes_keep_local_time() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Before the autumn change 08:30 EDT is 12:30 UTC; after it, 13:30.
        assert_eq!(
            window_check(at("2026-10-30T12:00:00Z"), ny, &weekdays()),
            Err(at("2026-10-30T12:30:00Z"))
        );
        assert_eq!(
            window_check(at("2026-11-02T13:00:00Z"), ny, &weekdays()),
            Err(at("2026-11-02T13:30:00Z"))
        );
        // A window starting inside the spring gap opens when clocks jump.
        let mut w = weekdays();
        w.days = vec![Weekday::Sun];
        w.start = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        w.end = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        assert_eq!(
            window_check(at("2026-03-08T05:00:00Z"), ny, &w),
            Err(at("2026-03-08T07:00:00Z"))
        );
    }

    #[test]
    fn a_window_can_run_to_the_end_of_the_day() {
        // "00:00-24:00": 23:59 in Chicago (05:59 UTC the next day) is
        // inside, and the window runs on into the next day's 00:00.
        let chicago: Tz = "America/Chicago".parse().unwrap();
        let mut w = weekdays();
        w.start = NaiveTime::MIN;
        w.end = NaiveTime::MIN;
        assert_eq!(
            window_check(at("2026-11-25T05:59:00Z"), chicago, &w),
            Ok(())
        );
        // Friday 23:59 is in; Saturday 00:00 waits for Monday.
        assert_eq!(
            window_check(at("2026-11-28T05:59:00Z"), chicago, &w),
            Ok(())
        );
        assert_eq!(
            window_check(at("2026-11-28T06:00:00Z"), chicago, &w),
            Err(at("2026-11-30T06:00:00Z"))
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            start_of_day(at("2026-11-24T03:00:00Z"), ny),
            at("2026-11-23T05:00:00Z")
        );
    }
}
