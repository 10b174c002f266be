//! Time for the demo: whole seconds since the epoch, read in Paris time.
//!
//! The demo works in `i64` seconds so that every instant is exact and
//! reproducible; it turns them into [`Timestamp`]s only when writing.

use anyhow::{Context, Result};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// Paris wall-clock time for the merchants and the marketplace.
#[derive(Clone)]
pub(crate) struct Clock {
    tz: TimeZone,
}

impl Clock {
    pub(crate) fn paris() -> Result<Clock> {
        let tz = TimeZone::get("Europe/Paris").context("the Europe/Paris time zone")?;
        Ok(Clock { tz })
    }

    pub(crate) fn date_of(&self, secs: i64) -> Result<Date> {
        Ok(timestamp(secs)?.to_zoned(self.tz.clone()).date())
    }

    fn hour_of(&self, secs: i64) -> Result<i8> {
        Ok(timestamp(secs)?.to_zoned(self.tz.clone()).hour())
    }

    /// The Paris wall-clock hour and minute of an instant.
    pub(crate) fn hour_minute(&self, secs: i64) -> Result<(i8, i8)> {
        let zoned = timestamp(secs)?.to_zoned(self.tz.clone());
        Ok((zoned.hour(), zoned.minute()))
    }

    /// The instant of a Paris wall-clock time.
    pub(crate) fn local(&self, date: Date, hour: i8, minute: i8, second: i8) -> Result<i64> {
        let zoned = date
            .at(hour, minute, second, 0)
            .to_zoned(self.tz.clone())
            .with_context(|| format!("{date} {hour}:{minute} in Paris"))?;
        Ok(zoned.timestamp().as_second())
    }

    /// `secs`, or between 7 and 9 the same morning when it falls in the night:
    /// buyers write at any hour, but rarely before dawn.
    pub(crate) fn awake(&self, secs: i64, rng: &mut fastrand::Rng) -> Result<i64> {
        if self.hour_of(secs)? >= 7 {
            return Ok(secs);
        }
        let morning = self.local(self.date_of(secs)?, 7, 0, 0)?;
        Ok(morning + rng.i64(0..120) * MINUTE + rng.i64(0..60))
    }

    /// `secs` if it falls in office hours (Monday–Friday 9 h – 18 h, French
    /// public holidays excepted), else the next opening plus a few minutes.
    pub(crate) fn office_hours(&self, secs: i64, rng: &mut fastrand::Rng) -> Result<i64> {
        let date = self.date_of(secs)?;
        let hour = self.hour_of(secs)?;
        if is_working_day(date) && (9..18).contains(&hour) {
            return Ok(secs);
        }
        let mut day = if is_working_day(date) && hour < 9 {
            date
        } else {
            date.tomorrow()?
        };
        while !is_working_day(day) {
            day = day.tomorrow()?;
        }
        let minutes = rng.i64(5..60);
        Ok(self.local(day, 9, 0, 0)? + minutes * MINUTE + rng.i64(0..60))
    }
}

pub(crate) fn timestamp(secs: i64) -> Result<Timestamp> {
    Timestamp::from_second(secs).with_context(|| format!("instant {secs}"))
}

/// Jours ouvrés: Monday to Friday, except the fixed-date French public
/// holidays (Easter-based ones are left out of the demo).
fn is_working_day(date: Date) -> bool {
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    let holiday = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    !weekend && !holiday
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_hours_skip_nights_weekends_and_holidays() {
        let clock = Clock::paris().unwrap();
        let mut rng = fastrand::Rng::with_seed(1);
        // Saturday 14 November 2026, 15:00 in Paris → Monday 16 November from 9:05.
        let saturday = clock
            .local(jiff::civil::date(2026, 11, 14), 15, 0, 0)
            .unwrap();
        let monday = clock.office_hours(saturday, &mut rng).unwrap();
        assert_eq!(
            clock.date_of(monday).unwrap(),
            jiff::civil::date(2026, 11, 16)
        );
        assert_eq!(clock.hour_of(monday).unwrap(), 9);
        // Tuesday 10 November 2026, 20:00 → Thursday 12 (Wednesday 11 is a holiday).
        let evening = clock
            .local(jiff::civil::date(2026, 11, 10), 20, 0, 0)
            .unwrap();
        let next = clock.office_hours(evening, &mut rng).unwrap();
        assert_eq!(
            clock.date_of(next).unwrap(),
            jiff::civil::date(2026, 11, 12)
        );
        let noon = clock
            .local(jiff::civil::date(2026, 11, 12), 12, 0, 0)
            .unwrap();
        assert_eq!(clock.office_hours(noon, &mut rng).unwrap(), noon);
    }
}
