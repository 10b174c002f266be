//! Business calendars: which days count as working days where a deadline
//! falls, and the French public holidays.
//!
//! A legal period "ending on a Saturday, a Sunday or a public holiday is
//! extended until the end of the first following working day" (Reg. (EEC,
//! Euratom) 1182/71 art. 3(4), applied to the withdrawal period of C. conso
//! L221-18; docs/RULES.md). Holidays are those of the Code du travail
//! L3133-1, with Easter computed (Gregorian computus); Alsace-Moselle adds
//! Good Friday and Saint Stephen's day (C. trav. L3134-13).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

/// Which French public holidays apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Region {
    /// Metropolitan France (C. trav. L3133-1).
    #[default]
    France,
    /// Bas-Rhin, Haut-Rhin and Moselle: also Good Friday and 26 December (C. trav. L3134-13).
    AlsaceMoselle,
}

/// A working-day calendar: weekends and public holidays are not working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessCalendar {
    pub region: Region,
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous
/// Gregorian algorithm, Meeus/Jones/Butcher). `None` outside 1583–9999.
pub fn easter_sunday(year: i16) -> Option<Date> {
    if !(1583..=9999).contains(&year) {
        return None;
    }
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).ok()
}

impl BusinessCalendar {
    pub fn france() -> Self {
        BusinessCalendar {
            region: Region::France,
        }
    }

    /// The public holidays of `year`, in date order.
    pub fn holidays(&self, year: i16) -> Vec<(Date, &'static str)> {
        let fixed = |month: i8, day: i8| Date::new(year, month, day).ok();
        let mut days: Vec<(Option<Date>, &'static str)> = vec![
            (fixed(1, 1), "Jour de l'an"),
            (fixed(5, 1), "Fête du travail"),
            (fixed(5, 8), "Victoire 1945"),
            (fixed(7, 14), "Fête nationale"),
            (fixed(8, 15), "Assomption"),
            (fixed(11, 1), "Toussaint"),
            (fixed(11, 11), "Armistice 1918"),
            (fixed(12, 25), "Noël"),
        ];
        if let Some(easter) = easter_sunday(year) {
            let offset = |days: i64| easter.checked_add(days.days()).ok();
            days.push((offset(1), "Lundi de Pâques"));
            days.push((offset(39), "Ascension"));
            days.push((offset(50), "Lundi de Pentecôte"));
            if self.region == Region::AlsaceMoselle {
                days.push((offset(-2), "Vendredi saint"));
            }
        }
        if self.region == Region::AlsaceMoselle {
            days.push((fixed(12, 26), "Saint-Étienne"));
        }
        let mut days: Vec<(Date, &'static str)> = days
            .into_iter()
            .filter_map(|(date, name)| date.map(|d| (d, name)))
            .collect();
        days.sort();
        days
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays(date.year()).iter().any(|(d, _)| *d == date)
    }

    /// Monday to Friday, and not a public holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.is_holiday(date)
    }

    /// The working day `days` working days after `date` (`date` itself for 0): a
    /// response window of "3 business days" opened on a Friday ends on Wednesday.
    pub fn add_working_days(&self, date: Date, days: u32) -> Date {
        let mut day = date;
        let mut counted = 0;
        // Bounded: weekends and holidays never make a window more than triple.
        for _ in 0..(days * 3 + 15) {
            if counted == days {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        day
    }

    /// `date` itself when it is a working day, else the first working day after it.
    pub fn on_or_after_working_day(&self, date: Date) -> Date {
        let mut day = date;
        // At most a weekend plus a holiday or two: the loop is short, and bounded.
        for _ in 0..15 {
            if self.is_working_day(day) {
                return day;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => return day,
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_matches_the_published_dates() {
        for (year, month, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), Some(date(year, month, day)), "{year}");
        }
        assert_eq!(easter_sunday(1500), None);
    }

    #[test]
    fn french_holidays_of_2026() {
        let calendar = BusinessCalendar::france();
        let days: Vec<Date> = calendar
            .holidays(2026)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(
            days,
            vec![
                date(2026, 1, 1),
                date(2026, 4, 6),
                date(2026, 5, 1),
                date(2026, 5, 8),
                date(2026, 5, 14),
                date(2026, 5, 25),
                date(2026, 7, 14),
                date(2026, 8, 15),
                date(2026, 11, 1),
                date(2026, 11, 11),
                date(2026, 12, 25),
            ]
        );
        let alsace = BusinessCalendar {
            region: Region::AlsaceMoselle,
        };
        assert!(alsace.is_holiday(date(2026, 4, 3)));
        assert!(alsace.is_holiday(date(2026, 12, 26)));
        assert!(!calendar.is_holiday(date(2026, 12, 26)));
    }

    #[test]
    fn weekends_and_holidays_roll_forward() {
        let calendar = BusinessCalendar::france();
        // Saturday 14 November 2026 → Monday 16.
        assert_eq!(
            calendar.on_or_after_working_day(date(2026, 11, 14)),
            date(2026, 11, 16)
        );
        // Wednesday 11 November 2026 (Armistice) → Thursday 12.
        assert_eq!(
            calendar.on_or_after_working_day(date(2026, 11, 11)),
            date(2026, 11, 12)
        );
        // Friday 25 December 2026 → Monday 28.
        assert_eq!(
            calendar.on_or_after_working_day(date(2026, 12, 25)),
            date(2026, 12, 28)
        );
        // A working day stays.
        assert_eq!(
            calendar.on_or_after_working_day(date(2026, 11, 20)),
            date(2026, 11, 20)
        );
    }
}
