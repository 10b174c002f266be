//! Business hours: when a team works, in its own time zone, and how much of
//! its working time lies between two instants.
//!
//! A week of opening hours (split shifts allowed: 9–12 and 14–18), the French
//! public holidays of [`crate::calendar`] (with the Alsace-Moselle variant),
//! closures (a range of dates) and date overrides (other hours on one date).
//! Shifts are local wall-clock times turned into instants day by day through
//! the zone's rules, so the March and October changes are exact: a shift that
//! spans the missing hour is an hour shorter, one that spans the repeated
//! hour an hour longer. Everything is measured in real elapsed seconds of
//! open time.

use crate::calendar::{BusinessCalendar, Region};
use crate::validation::{FieldError, ValidationErrors};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How far arithmetic looks for open time before giving up: a calendar whose
/// closures cover more than this has no answer (and is refused when set).
pub const SEARCH_DAYS: i64 = 3 * 366;

/// The longest closure a calendar may declare.
pub const MAX_CLOSURE_DAYS: i64 = 366;

/// One shift of a day, in minutes after local midnight (`end` may be 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shift {
    pub start: u16,
    pub end: u16,
}

impl Shift {
    /// Parses `09:00-12:00` (also `9:00–12:00`, `24:00` as the end of the day).
    pub fn parse(text: &str) -> Option<Shift> {
        let text = text.trim().replace('–', "-");
        let (start, end) = text.split_once('-')?;
        Some(Shift {
            start: minutes_of(start.trim())?,
            end: minutes_of(end.trim())?,
        })
    }

    pub fn render(&self) -> String {
        format!(
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }

    fn time(minutes: u16) -> Time {
        Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).unwrap_or(Time::midnight())
    }
}

fn minutes_of(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':').unwrap_or((text, "0"));
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return None;
    }
    Some(hours * 60 + minutes)
}

/// A closure: from `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Closure {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-08-10"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-08-21"))]
    pub to: Date,
    /// What it is, e.g. « Congés d'été » (at most 100 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
}

/// Other hours on one date (e.g. a short Christmas Eve); `hours: []` closes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateOverride {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-24"))]
    pub date: Date,
    pub hours: Vec<String>,
}

/// Opening hours as they are written and stored: shifts as `"09:00-12:00"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoursDocument {
    /// An IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// Shifts per weekday (`monday` … `sunday`); a day left out is closed.
    #[serde(default)]
    pub week: WeekDocument,
    /// Public holidays the team does not work: `france`, `alsace_moselle`, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Region>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<Closure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<DateOverride>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekDocument {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tuesday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wednesday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thursday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub friday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saturday: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sunday: Vec<String>,
}

impl WeekDocument {
    fn days(&self) -> [(&'static str, &Vec<String>); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

impl HoursDocument {
    /// Monday to Friday, 9–12 and 14–18, Paris, French holidays: a shop's usual hours.
    pub fn french_office() -> HoursDocument {
        let day = || vec!["09:00-12:00".to_owned(), "14:00-18:00".to_owned()];
        HoursDocument {
            time_zone: "Europe/Paris".to_owned(),
            week: WeekDocument {
                monday: day(),
                tuesday: day(),
                wednesday: day(),
                thursday: day(),
                friday: day(),
                saturday: Vec::new(),
                sunday: Vec::new(),
            },
            holidays: Some(Region::France),
            closures: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

/// Checked opening hours, ready for arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    pub time_zone: TimeZone,
    /// Monday first.
    pub week: [Vec<Shift>; 7],
    pub holidays: Option<BusinessCalendar>,
    pub closures: Vec<(Date, Date)>,
    pub overrides: Vec<(Date, Vec<Shift>)>,
}

fn shifts_of(field: &str, texts: &[String], errors: &mut ValidationErrors) -> Option<Vec<Shift>> {
    let mut shifts = Vec::with_capacity(texts.len());
    let mut ok = true;
    for (index, text) in texts.iter().enumerate() {
        let at = format!("{field}[{index}]");
        match Shift::parse(text) {
            None => {
                errors.push(FieldError::new(
                    at,
                    "calendar.hours_invalid",
                    "a shift like 09:00-12:00",
                ));
                ok = false;
            }
            Some(shift) if shift.start >= shift.end => {
                errors.push(FieldError::new(
                    at,
                    "calendar.hours_inverted",
                    "a shift ends after it starts (09:00-12:00)",
                ));
                ok = false;
            }
            Some(shift) => shifts.push(shift),
        }
    }
    if !ok {
        return None;
    }
    shifts.sort();
    if shifts.windows(2).any(|pair| pair[0].end > pair[1].start) {
        errors.push(FieldError::new(
            field,
            "calendar.hours_overlap",
            "shifts of one day must not overlap",
        ));
        return None;
    }
    Some(shifts)
}

impl BusinessHours {
    /// Checks a document field by field; a refusal names each wrong field.
    pub fn parse(doc: &HoursDocument, field: &str) -> Result<BusinessHours, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let at = |name: &str| {
            if field.is_empty() {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            }
        };
        let time_zone = match TimeZone::get(doc.time_zone.trim()) {
            Ok(tz) if !doc.time_zone.trim().is_empty() => Some(tz),
            _ => {
                errors.push(FieldError::new(
                    at("time_zone"),
                    "calendar.time_zone_unknown",
                    "an IANA time zone such as Europe/Paris",
                ));
                None
            }
        };
        let mut week: [Vec<Shift>; 7] = Default::default();
        for (index, (name, texts)) in doc.week.days().into_iter().enumerate() {
            if let Some(shifts) = shifts_of(&at(&format!("week.{name}")), texts, &mut errors) {
                week[index] = shifts;
            }
        }
        let mut closures = Vec::new();
        for (index, closure) in doc.closures.iter().enumerate() {
            let span = closure.from.until(closure.to).map(|s| s.get_days());
            if closure.to < closure.from
                || span.map_or(true, |days| i64::from(days) > MAX_CLOSURE_DAYS)
            {
                errors.push(FieldError::new(
                    at(&format!("closures[{index}]")),
                    "calendar.closure_invalid",
                    "a closure ends on or after its first day, and lasts at most a year",
                ));
            } else if closure.label.chars().count() > 100 {
                errors.push(FieldError::new(
                    at(&format!("closures[{index}].label")),
                    "calendar.closure_invalid",
                    "a label of at most 100 characters",
                ));
            } else {
                closures.push((closure.from, closure.to));
            }
        }
        let mut overrides: Vec<(Date, Vec<Shift>)> = Vec::new();
        for (index, item) in doc.overrides.iter().enumerate() {
            let field = at(&format!("overrides[{index}].hours"));
            if overrides.iter().any(|(date, _)| *date == item.date) {
                errors.push(FieldError::new(
                    at(&format!("overrides[{index}].date")),
                    "calendar.override_duplicate",
                    "one override per date",
                ));
            } else if let Some(shifts) = shifts_of(&field, &item.hours, &mut errors) {
                overrides.push((item.date, shifts));
            }
        }
        if doc.closures.len() > 200 || doc.overrides.len() > 400 {
            errors.push(FieldError::new(
                at("closures"),
                "calendar.too_many_dates",
                "at most 200 closures and 400 overrides",
            ));
        }
        if week.iter().all(Vec::is_empty) && errors.is_empty() {
            errors.push(FieldError::new(
                at("week"),
                "calendar.never_open",
                "open at least one hour a week",
            ));
        }
        errors.into_result()?;
        let hours = BusinessHours {
            time_zone: time_zone.unwrap_or(TimeZone::UTC),
            week,
            holidays: doc.holidays.map(|region| BusinessCalendar { region }),
            closures,
            overrides,
        };
        Ok(hours)
    }

    /// Every hour of every day, in UTC: elapsed time is real time.
    pub fn always() -> BusinessHours {
        let day = || {
            vec![Shift {
                start: 0,
                end: 1440,
            }]
        };
        BusinessHours {
            time_zone: TimeZone::UTC,
            week: [day(), day(), day(), day(), day(), day(), day()],
            holidays: None,
            closures: Vec::new(),
            overrides: Vec::new(),
        }
    }

    /// The shifts of a local date, after holidays, closures and overrides.
    pub fn shifts_on(&self, date: Date) -> &[Shift] {
        if let Some((_, shifts)) = self.overrides.iter().find(|(d, _)| *d == date) {
            return shifts;
        }
        if self
            .closures
            .iter()
            .any(|(from, to)| *from <= date && date <= *to)
        {
            return &[];
        }
        if let Some(calendar) = &self.holidays
            && calendar.is_holiday(date)
        {
            return &[];
        }
        let index = match date.weekday() {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        };
        &self.week[index]
    }

    /// The open intervals of a local date, as instants, in order and disjoint.
    pub fn open_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        let mut open: Vec<(Timestamp, Timestamp)> = self
            .shifts_on(date)
            .iter()
            .filter_map(|shift| {
                let start = self.instant(date, shift.start)?;
                let end = self.instant(date, shift.end)?;
                (start < end).then_some((start, end))
            })
            .collect();
        // A shift ending in the hour the spring change skips is read as ending an hour
        // later, past the start of a shift that begins after the change (01:00-02:30 and
        // 03:00-05:00): the time both claim counts once.
        open.sort();
        open.dedup_by(|next, kept| {
            let overlaps = next.0 <= kept.1;
            if overlaps {
                kept.1 = kept.1.max(next.1);
            }
            overlaps
        });
        open
    }

    /// The instant of a local wall-clock time (`1440` is the next midnight). A time the
    /// spring change skips is read as just after it, a repeated one as its first occurrence
    /// (jiff's "compatible" rule, the one RFC 5545 and most calendars use).
    fn instant(&self, date: Date, minutes: u16) -> Option<Timestamp> {
        let (date, minutes) = if minutes >= 1440 {
            (date.tomorrow().ok()?, minutes - 1440)
        } else {
            (date, minutes)
        };
        date.to_datetime(Shift::time(minutes))
            .to_zoned(self.time_zone.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned(self.time_zone.clone()).date()
    }

    /// Whether the team is at work at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let date = self.local_date(at);
        // A shift ending at midnight belongs to the day before.
        [date.yesterday().ok(), Some(date)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.open_on(d))
            .any(|(start, end)| start <= at && at < end)
    }

    /// The open time between `from` and `to` (zero when `to` is not after `from`).
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        let mut total = SignedDuration::ZERO;
        let Ok(mut date) = self.local_date(from).yesterday() else {
            return total;
        };
        let last = self.local_date(to);
        while date <= last {
            for (start, end) in self.open_on(date) {
                let (a, b) = (start.max(from), end.min(to));
                if a < b {
                    total += b.duration_since(a);
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        total
    }

    /// The instant at which `amount` of open time has passed since `from`;
    /// `None` if the calendar has no such time within [`SEARCH_DAYS`].
    /// Landing exactly on a shift's end gives that end (a reply due "by 12:00").
    pub fn add(&self, from: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        if amount <= SignedDuration::ZERO {
            return Some(from);
        }
        let mut left = amount;
        let mut date = self.local_date(from).yesterday().ok()?;
        for _ in 0..SEARCH_DAYS {
            for (start, end) in self.open_on(date) {
                let a = start.max(from);
                if a >= end {
                    continue;
                }
                let available = end.duration_since(a);
                if available >= left {
                    return a.checked_add(left).ok();
                }
                left -= available;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The instant `amount` of open time before `to`: the inverse of [`Self::add`]
    /// (landing exactly on a shift's start gives that start).
    pub fn subtract(&self, to: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        if amount <= SignedDuration::ZERO {
            return Some(to);
        }
        let mut left = amount;
        let mut date = self.local_date(to).tomorrow().ok()?;
        for _ in 0..SEARCH_DAYS {
            for (start, end) in self.open_on(date).into_iter().rev() {
                let b = end.min(to);
                if b <= start {
                    continue;
                }
                let available = b.duration_since(start);
                if available >= left {
                    return b.checked_sub(left).ok();
                }
                left -= available;
            }
            date = date.yesterday().ok()?;
        }
        None
    }

    /// The document these hours were read from (shifts in order).
    pub fn weekly_minutes(&self) -> u32 {
        self.week
            .iter()
            .flatten()
            .map(|s| u32::from(s.end - s.start))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn split_shifts_skip_lunch_and_the_weekend() {
        let hours = BusinessHours::parse(&HoursDocument::french_office(), "").unwrap();
        // Friday 4 December 2026, 11:00 Paris (10:00 UTC) + 3 h: 11–12, then 14–16 → 16:00.
        assert_eq!(
            hours.add(at("2026-12-04T10:00:00Z"), SignedDuration::from_hours(3)),
            Some(at("2026-12-04T15:00:00Z"))
        );
        // Friday 17:00 + 2 h → Monday 10:00 Paris.
        assert_eq!(
            hours.add(at("2026-12-04T16:00:00Z"), SignedDuration::from_hours(2)),
            Some(at("2026-12-07T09:00:00Z"))
        );
        assert_eq!(
            hours.elapsed(at("2026-12-04T16:00:00Z"), at("2026-12-07T09:00:00Z")),
            SignedDuration::from_hours(2)
        );
        assert_eq!(
            hours.subtract(at("2026-12-07T09:00:00Z"), SignedDuration::from_hours(2)),
            Some(at("2026-12-04T16:00:00Z"))
        );
    }

    #[test]
    fn refusals_name_the_field() {
        let mut doc = HoursDocument::french_office();
        doc.week.monday = vec!["09:00-12:00".into(), "11:00-14:00".into()];
        doc.week.tuesday = vec!["18:00-09:00".into()];
        doc.time_zone = "Europe/Lutece".into();
        let errors = BusinessHours::parse(&doc, "hours").unwrap_err();
        let codes: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect();
        assert!(codes.contains(&("hours.time_zone", "calendar.time_zone_unknown")));
        assert!(codes.contains(&("hours.week.monday", "calendar.hours_overlap")));
        assert!(codes.contains(&("hours.week.tuesday[0]", "calendar.hours_inverted")));
        let closed = HoursDocument {
            week: WeekDocument::default(),
            ..HoursDocument::french_office()
        };
        let errors = BusinessHours::parse(&closed, "").unwrap_err();
        assert_eq!(errors.0[0].code, "calendar.never_open");
    }
}
