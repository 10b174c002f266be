//! Business hours and SLA due dates on dated scenarios, checked against an
//! independent computation, plus property tests of the arithmetic.
//!
//! The reference below never calls a `BusinessHours` method. It knows the
//! calendars from its own description ([`Cal`]): the shifts of each weekday as
//! written, a hand-written list of the French public holidays of 2026 and 2027
//! (Easter 2026 = 5 April, 2027 = 28 March; Alsace-Moselle adds Good Friday and
//! 26 December), closures and date overrides (an override wins over a closure
//! and a holiday, a closure over a holiday: "other hours on that date"). Each
//! shift's wall-clock start and end become instants through the zone's offsets
//! alone (`TimeZone::to_offset`): a wall-clock time the spring change skips is
//! read with the offset in force before the change (02:30 → 03:30), a repeated
//! one as its first occurrence — the RFC 5545 rule `hours.rs` documents. The
//! open time is the union of those instant intervals, and the reference counts
//! it minute by minute: `add` is the end of the minute at which the count
//! reaches the amount, `elapsed` the number of open minutes, `subtract` the
//! start of the minute at which the backwards count reaches the amount, and a
//! cycle's due date the minute its count (open minutes outside the pauses)
//! reaches the target.
//!
//! Every scenario also carries the expected answer worked out by hand (the
//! comments show the arithmetic), so the reference is itself checked.

use amiable_domain::calendar::Region;
use amiable_domain::sla::clocks::{Cycle, Pause, PauseReason};
use amiable_domain::sla::hours::{
    BusinessHours, Closure, DateOverride, HoursDocument, WeekDocument,
};
use amiable_domain::sla::{cycle_due, cycle_used};
use jiff::civil::{Date, DateTime, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Calendars, as the test describes them.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holidays {
    None,
    France,
    Alsace,
}

#[derive(Debug, Clone)]
struct Cal {
    tz: &'static str,
    /// Monday first; shifts as `HH:MM-HH:MM`.
    week: [Vec<&'static str>; 7],
    holidays: Holidays,
    closures: Vec<(Date, Date)>,
    overrides: Vec<(Date, Vec<&'static str>)>,
    /// The implementation side is `BusinessHours::always()` (24/7, UTC).
    always: bool,
}

const OFFICE_DAY: &[&str] = &["09:00-12:00", "14:00-18:00"];

fn days(mon_to_sun: [&[&'static str]; 7]) -> [Vec<&'static str>; 7] {
    mon_to_sun.map(<[&str]>::to_vec)
}

/// Monday to Friday 09:00-12:00 and 14:00-18:00, Paris, French holidays (7 h a day).
fn office() -> Cal {
    let d = OFFICE_DAY;
    Cal {
        tz: "Europe/Paris",
        week: days([d, d, d, d, d, &[], &[]]),
        holidays: Holidays::France,
        closures: Vec::new(),
        overrides: Vec::new(),
        always: false,
    }
}

/// The office in Strasbourg: Good Friday and 26 December off too.
fn alsace() -> Cal {
    Cal {
        holidays: Holidays::Alsace,
        ..office()
    }
}

fn with_saturday(cal: Cal, shifts: &[&'static str]) -> Cal {
    let mut cal = cal;
    cal.week[5] = shifts.to_vec();
    cal
}

fn with_override(cal: Cal, day: Date, shifts: &[&'static str]) -> Cal {
    let mut cal = cal;
    cal.overrides.push((day, shifts.to_vec()));
    cal
}

/// The office with a summer closure (3–21 August 2026), a short Christmas Eve
/// (09:00-12:00) and New Year's Eve closed.
fn summer() -> Cal {
    Cal {
        closures: vec![(date(2026, 8, 3), date(2026, 8, 21))],
        overrides: vec![
            (date(2026, 12, 24), vec!["09:00-12:00"]),
            (date(2026, 12, 31), vec![]),
        ],
        ..office()
    }
}

/// Every night 01:00-04:00, Paris, no holidays: the shift covers the changed hour.
fn night() -> Cal {
    let n: &[&str] = &["01:00-04:00"];
    Cal {
        tz: "Europe/Paris",
        week: days([n, n, n, n, n, n, n]),
        holidays: Holidays::None,
        closures: Vec::new(),
        overrides: Vec::new(),
        always: false,
    }
}

/// Round the clock, every day, Paris local days.
fn h24() -> Cal {
    let all: &[&str] = &["00:00-24:00"];
    Cal {
        week: days([all, all, all, all, all, all, all]),
        ..night()
    }
}

/// Paris, Sundays only, no holidays.
fn sundays(shifts: &[&'static str]) -> Cal {
    let mut cal = Cal {
        week: days([&[], &[], &[], &[], &[], &[], &[]]),
        ..night()
    };
    cal.week[6] = shifts.to_vec();
    cal
}

/// Sundays only, one shift ending inside the skipped hour of 29 March 2026.
fn dst_gap() -> Cal {
    sundays(&["01:00-02:30", "03:00-05:00"])
}

/// The calendar clock: `BusinessHours::always()`.
fn always() -> Cal {
    let all: &[&str] = &["00:00-24:00"];
    Cal {
        tz: "UTC",
        week: days([all, all, all, all, all, all, all]),
        holidays: Holidays::None,
        closures: Vec::new(),
        overrides: Vec::new(),
        always: true,
    }
}

fn weekdays_in(tz: &'static str, shift: &'static [&'static str]) -> Cal {
    Cal {
        tz,
        week: days([shift, shift, shift, shift, shift, &[], &[]]),
        holidays: Holidays::None,
        closures: Vec::new(),
        overrides: Vec::new(),
        always: false,
    }
}

/// New York, Monday to Friday 09:00-17:00, no holidays.
fn new_york() -> Cal {
    weekdays_in("America/New_York", &["09:00-17:00"])
}

/// Tokyo, Monday to Friday 09:00-18:00, no holidays.
fn tokyo() -> Cal {
    weekdays_in("Asia/Tokyo", &["09:00-18:00"])
}

impl Cal {
    fn document(&self) -> HoursDocument {
        let s = |day: &Vec<&str>| day.iter().map(|t| (*t).to_owned()).collect::<Vec<String>>();
        HoursDocument {
            time_zone: self.tz.to_owned(),
            week: WeekDocument {
                monday: s(&self.week[0]),
                tuesday: s(&self.week[1]),
                wednesday: s(&self.week[2]),
                thursday: s(&self.week[3]),
                friday: s(&self.week[4]),
                saturday: s(&self.week[5]),
                sunday: s(&self.week[6]),
            },
            holidays: match self.holidays {
                Holidays::None => None,
                Holidays::France => Some(Region::France),
                Holidays::Alsace => Some(Region::AlsaceMoselle),
            },
            closures: self
                .closures
                .iter()
                .map(|(from, to)| Closure {
                    from: *from,
                    to: *to,
                    label: "Congés d'été".to_owned(),
                })
                .collect(),
            overrides: self
                .overrides
                .iter()
                .map(|(day, hours)| DateOverride {
                    date: *day,
                    hours: s(hours),
                })
                .collect(),
        }
    }

    /// The implementation's view of the calendar.
    fn hours(&self) -> BusinessHours {
        if self.always {
            BusinessHours::always()
        } else {
            BusinessHours::parse(&self.document(), "hours").expect("a valid calendar")
        }
    }

    fn zone(&self) -> TimeZone {
        TimeZone::get(self.tz).expect("a known zone")
    }
}

// ---------------------------------------------------------------------------
// The reference computation.
// ---------------------------------------------------------------------------

/// C. trav. L3133-1, written out: 1 Jan, Easter Monday, 1 May, 8 May, Ascension,
/// Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December.
const FRANCE: &[(i16, i8, i8)] = &[
    (2026, 1, 1),
    (2026, 4, 6),
    (2026, 5, 1),
    (2026, 5, 8),
    (2026, 5, 14),
    (2026, 5, 25),
    (2026, 7, 14),
    (2026, 8, 15),
    (2026, 11, 1),
    (2026, 11, 11),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 3, 29),
    (2027, 5, 1),
    (2027, 5, 6),
    (2027, 5, 8),
    (2027, 5, 17),
    (2027, 7, 14),
    (2027, 8, 15),
    (2027, 11, 1),
    (2027, 11, 11),
    (2027, 12, 25),
    (2028, 1, 1),
];

/// C. trav. L3134-13: Good Friday and Saint Stephen's day in Alsace-Moselle.
const ALSACE_MORE: &[(i16, i8, i8)] =
    &[(2026, 4, 3), (2026, 12, 26), (2027, 3, 26), (2027, 12, 26)];

fn is_holiday(holidays: Holidays, day: Date) -> bool {
    if holidays == Holidays::None {
        return false;
    }
    assert!(
        date(2025, 12, 27) <= day && day <= date(2028, 1, 7),
        "the hand-written holiday list covers 2026 and 2027 only, not {day}"
    );
    let key = (day.year(), day.month(), day.day());
    FRANCE.contains(&key) || (holidays == Holidays::Alsace && ALSACE_MORE.contains(&key))
}

/// `HH:MM-HH:MM` → minutes after local midnight.
fn shift_minutes(text: &str) -> (i64, i64) {
    let minutes = |hm: &str| {
        let (h, m) = hm.split_once(':').expect("HH:MM");
        h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
    };
    let (start, end) = text.split_once('-').expect("a shift");
    (minutes(start), minutes(end))
}

const MINUTE: SignedDuration = SignedDuration::from_secs(60);

struct Reference {
    cal: Cal,
    tz: TimeZone,
    /// Merged open intervals of the local dates `first..=last`.
    open: Vec<(Timestamp, Timestamp)>,
    first: Date,
    last: Date,
}

impl Reference {
    fn new(cal: &Cal) -> Reference {
        Reference {
            cal: cal.clone(),
            tz: cal.zone(),
            open: Vec::new(),
            first: date(2100, 1, 1),
            last: date(1900, 1, 1),
        }
    }

    /// The shifts of a local date: override, else closure, else holiday, else the weekday.
    fn shifts(&self, day: Date) -> Vec<(i64, i64)> {
        let parse = |list: &[&str]| list.iter().map(|s| shift_minutes(s)).collect();
        if let Some((_, hours)) = self.cal.overrides.iter().find(|(d, _)| *d == day) {
            return parse(hours);
        }
        if self
            .cal
            .closures
            .iter()
            .any(|(a, b)| *a <= day && day <= *b)
        {
            return Vec::new();
        }
        if is_holiday(self.cal.holidays, day) {
            return Vec::new();
        }
        parse(&self.cal.week[day.weekday().to_monday_zero_offset() as usize])
    }

    /// The instant of a wall-clock time, from the zone's offsets only.
    fn wall_clock(&self, day: Date, minutes: i64) -> Timestamp {
        let civil = day
            .to_datetime(jiff::civil::Time::midnight())
            .checked_add(SignedDuration::from_mins(minutes))
            .unwrap();
        // The wall-clock reading taken as if it were UTC.
        let naive = civil.to_zoned(TimeZone::UTC).unwrap().timestamp();
        let offsets: Vec<SignedDuration> = [-1, 0, 1]
            .into_iter()
            .map(|d| {
                let probe = naive + SignedDuration::from_hours(24 * d);
                SignedDuration::from(self.tz.to_offset(probe))
            })
            .collect();
        // Readings that the zone really shows at some instant.
        let occurrences = offsets.iter().filter_map(|o| {
            let t = naive - *o;
            (SignedDuration::from(self.tz.to_offset(t)) == *o).then_some(t)
        });
        // First occurrence of a repeated time; a skipped one with the earlier (smaller)
        // offset, i.e. the latest candidate instant.
        occurrences
            .min()
            .unwrap_or_else(|| offsets.iter().map(|o| naive - *o).max().unwrap())
    }

    fn day_intervals(&self, day: Date) -> Vec<(Timestamp, Timestamp)> {
        self.shifts(day)
            .into_iter()
            .map(|(s, e)| (self.wall_clock(day, s), self.wall_clock(day, e)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    /// Makes sure the open intervals of the local dates around `t` are known.
    fn cover(&mut self, t: Timestamp) {
        let day = self.local_date(t);
        let (lo, hi) = (day.yesterday().unwrap(), day.tomorrow().unwrap());
        if self.first <= lo && hi <= self.last {
            return;
        }
        let week = jiff::Span::new().days(7);
        let first = if self.first <= lo {
            self.first
        } else {
            lo.checked_sub(week).unwrap()
        };
        let last = if hi <= self.last {
            self.last
        } else {
            hi.checked_add(week).unwrap()
        };
        let mut all = Vec::new();
        let mut d = first;
        while d <= last {
            all.extend(self.day_intervals(d));
            d = d.tomorrow().unwrap();
        }
        all.sort();
        let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
        for (s, e) in all {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.open = merged;
        self.first = first;
        self.last = last;
    }

    fn is_open(&mut self, t: Timestamp) -> bool {
        self.cover(t);
        let i = self.open.partition_point(|(s, _)| *s <= t);
        i > 0 && t < self.open[i - 1].1
    }

    fn add(&mut self, from: Timestamp, amount: SignedDuration) -> Timestamp {
        let need = whole_minutes(amount);
        aligned(from);
        let (mut m, mut count) = (from, 0);
        while count < need {
            if self.is_open(m) {
                count += 1;
            }
            m += MINUTE;
            assert!(
                m < from + SignedDuration::from_hours(24 * 400),
                "no open time"
            );
        }
        m
    }

    fn subtract(&mut self, to: Timestamp, amount: SignedDuration) -> Timestamp {
        let need = whole_minutes(amount);
        aligned(to);
        let (mut m, mut count) = (to, 0);
        while count < need {
            m -= MINUTE;
            if self.is_open(m) {
                count += 1;
            }
            assert!(
                m > to - SignedDuration::from_hours(24 * 400),
                "no open time"
            );
        }
        m
    }

    fn elapsed(&mut self, from: Timestamp, to: Timestamp) -> SignedDuration {
        aligned(from);
        aligned(to);
        let (mut m, mut count) = (from, 0);
        while m < to {
            if self.is_open(m) {
                count += 1;
            }
            m += MINUTE;
        }
        SignedDuration::from_mins(count)
    }

    fn paused(cycle: &Cycle, m: Timestamp) -> bool {
        cycle
            .pauses
            .iter()
            .any(|p| p.from <= m && p.until.is_none_or(|u| m < u))
    }

    /// Open minutes outside the pauses, from the start, until `within` of them passed.
    fn due(&mut self, cycle: &Cycle, within: SignedDuration) -> Option<Timestamp> {
        let need = whole_minutes(within);
        let (mut m, mut count) = (cycle.started_at, 0);
        aligned(m);
        loop {
            if count == need {
                return Some(m);
            }
            // Paused for good with time left: nobody can say.
            if cycle
                .pauses
                .iter()
                .any(|p| p.until.is_none() && p.from <= m)
            {
                return None;
            }
            if !Self::paused(cycle, m) && self.is_open(m) {
                count += 1;
            }
            m += MINUTE;
            assert!(m < cycle.started_at + SignedDuration::from_hours(24 * 400));
        }
    }

    fn used(&mut self, cycle: &Cycle, to: Timestamp) -> SignedDuration {
        let end = cycle.ended_at.unwrap_or(to);
        let (mut m, mut count) = (cycle.started_at, 0);
        while m < end {
            if !Self::paused(cycle, m) && self.is_open(m) {
                count += 1;
            }
            m += MINUTE;
        }
        SignedDuration::from_mins(count)
    }
}

fn whole_minutes(d: SignedDuration) -> i64 {
    assert_eq!(d.as_secs() % 60, 0, "the reference counts whole minutes");
    assert_eq!(d.subsec_nanos(), 0);
    d.as_secs() / 60
}

fn aligned(t: Timestamp) {
    assert_eq!(
        t.as_second() % 60,
        0,
        "the reference counts whole minutes: {t}"
    );
    assert_eq!(t.subsec_nanosecond(), 0);
}

// ---------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------

/// A local wall-clock time of the calendar's zone (refused when ambiguous), or an
/// instant with its offset (`…+02:00`, `…Z`).
fn at(tz: &TimeZone, text: &str) -> Timestamp {
    if let Ok(t) = text.parse::<Timestamp>() {
        return t;
    }
    let civil: DateTime = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    tz.to_ambiguous_timestamp(civil)
        .unambiguous()
        .unwrap_or_else(|e| panic!("{text} is ambiguous in {tz:?}, give its offset: {e}"))
}

fn dur(text: &str) -> SignedDuration {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn show(tz: &TimeZone, t: Option<Timestamp>) -> String {
    match t {
        Some(t) => t
            .to_zoned(tz.clone())
            .strftime("%a %Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        None => "none".to_owned(),
    }
}

/// A pause: from, until (`None`: still paused).
type P = (&'static str, Option<&'static str>);

enum Check {
    /// `add(start, amount)` is `due`; `elapsed(start, due)` is `amount`; `subtract(due,
    /// amount)` is the reference's (the start itself when the start is open).
    Add {
        start: &'static str,
        amount: &'static str,
        due: &'static str,
    },
    /// `elapsed(from, to)` is `open`.
    Elapsed {
        from: &'static str,
        to: &'static str,
        open: &'static str,
    },
    /// `cycle_due` of a running cycle with pauses is `due` (`None`: paused with time left).
    Due {
        start: &'static str,
        pauses: Vec<P>,
        within: &'static str,
        due: Option<&'static str>,
    },
    /// The same cycle under the scenario's calendar and under `other` (the calendar after
    /// a change at `change`): the time used until the change is `used` under both, the
    /// due date is `due` and `due_other`.
    Recompute {
        start: &'static str,
        pauses: Vec<P>,
        within: &'static str,
        change: &'static str,
        used: &'static str,
        other: Box<Cal>,
        due: &'static str,
        due_other: &'static str,
    },
}

struct Scenario {
    name: &'static str,
    cal: Cal,
    check: Check,
}

fn add(
    name: &'static str,
    cal: Cal,
    start: &'static str,
    amount: &'static str,
    due: &'static str,
) -> Scenario {
    Scenario {
        name,
        cal,
        check: Check::Add { start, amount, due },
    }
}

fn elapsed(
    name: &'static str,
    cal: Cal,
    from: &'static str,
    to: &'static str,
    open: &'static str,
) -> Scenario {
    Scenario {
        name,
        cal,
        check: Check::Elapsed { from, to, open },
    }
}

fn due(
    name: &'static str,
    cal: Cal,
    start: &'static str,
    pauses: Vec<P>,
    within: &'static str,
    due: Option<&'static str>,
) -> Scenario {
    Scenario {
        name,
        cal,
        check: Check::Due {
            start,
            pauses,
            within,
            due,
        },
    }
}

fn scenarios() -> Vec<Scenario> {
    vec![
        // ---- Weekends, split shifts, edges of shifts (the French office, 7 h a day). ----

        // Friday 16:00 + 4 h: 2 h on Friday, the weekend is closed, 2 h on Monday morning.
        add(
            "friday_afternoon_rolls_over_the_weekend",
            office(),
            "2026-03-06T16:00",
            "4h",
            "2026-03-09T11:00",
        ),
        // Starting on Saturday: the clock waits for Monday 09:00; 3 h land exactly on
        // the morning shift's end, 12:00 (not 14:00).
        add(
            "saturday_start_lands_on_monday_noon",
            office(),
            "2026-03-07T10:00",
            "3h",
            "2026-03-09T12:00",
        ),
        // Starting on Sunday night: nothing counts until Monday 09:00.
        add(
            "sunday_night_start",
            office(),
            "2026-03-08T23:30",
            "1h",
            "2026-03-09T10:00",
        ),
        // Starting during the lunch gap: the count begins at 14:00.
        add(
            "lunch_start_counts_from_two",
            office(),
            "2026-03-10T12:30",
            "2h",
            "2026-03-10T16:00",
        ),
        // A morning's 3 h from 09:00 land exactly on the shift end, 12:00.
        add(
            "morning_lands_exactly_on_noon",
            office(),
            "2026-03-10T09:00",
            "3h",
            "2026-03-10T12:00",
        ),
        // Starting exactly at a shift end: the gap is skipped, 4 h is the whole afternoon.
        add(
            "start_on_a_shift_end",
            office(),
            "2026-03-10T12:00",
            "4h",
            "2026-03-10T18:00",
        ),
        // A full day from the opening lands on the evening close, not the next morning.
        add(
            "full_day_lands_on_the_evening_close",
            office(),
            "2026-03-11T09:00",
            "7h",
            "2026-03-11T18:00",
        ),
        // Starting at night: the next day's 7 h.
        add(
            "night_start",
            office(),
            "2026-03-11T21:00",
            "7h",
            "2026-03-12T18:00",
        ),
        // One minute before Friday's close + 2 min: 1 min on Friday, 1 on Monday.
        add(
            "one_minute_before_the_weekend",
            office(),
            "2026-03-13T17:59",
            "2m",
            "2026-03-16T09:01",
        ),
        // A working week of 35 h from Monday 09:00 ends on Friday 18:00.
        add(
            "a_working_week",
            office(),
            "2026-03-02T09:00",
            "35h",
            "2026-03-06T18:00",
        ),
        // 200 h from Monday 7 September 2026: 28 full days (5 weeks + 12–14 October, 196 h),
        // then 3 h + 1 h on Thursday 15 October → 15:00. No holiday, no change of time.
        add(
            "two_hundred_hours",
            office(),
            "2026-09-07T09:00",
            "200h",
            "2026-10-15T15:00",
        ),
        // ---- French public holidays. ----

        // Monday 13 July 17:00 + 2 h: 1 h Monday, 14 July closed, 1 h Wednesday morning.
        add(
            "bastille_day_2026",
            office(),
            "2026-07-13T17:00",
            "2h",
            "2026-07-15T10:00",
        ),
        // Wednesday 13 May 16:00 + 9 h: 2 h Wednesday, Ascension (Thursday 14 May) closed,
        // 7 h Friday → Friday 18:00.
        add(
            "ascension_2026",
            office(),
            "2026-05-13T16:00",
            "9h",
            "2026-05-15T18:00",
        ),
        // Tuesday 10 November 15:00 + 5 h: 3 h Tuesday, Armistice closed, 2 h Thursday.
        add(
            "armistice_2026",
            office(),
            "2026-11-10T15:00",
            "5h",
            "2026-11-12T11:00",
        ),
        // Christmas Eve 17:00 + 2 h (usual hours): 1 h, Christmas (Friday) and the
        // weekend closed, 1 h on Monday 28.
        add(
            "christmas_2026",
            office(),
            "2026-12-24T17:00",
            "2h",
            "2026-12-28T10:00",
        ),
        // New Year's Eve 17:00 + 1 h 30: 1 h, 1 January 2027 (Friday) and the weekend
        // closed, 30 min on Monday 4 January.
        add(
            "new_year_2027",
            office(),
            "2026-12-31T17:00",
            "1h30m",
            "2027-01-04T09:30",
        ),
        // Friday 26 March 2027 17:00 + 2 h: the weekend (with the spring change), Easter
        // Monday 29 March 2027 closed → Tuesday 30 March 10:00.
        add(
            "easter_monday_2027",
            office(),
            "2027-03-26T17:00",
            "2h",
            "2027-03-30T10:00",
        ),
        // Friday 22 May 2026 17:00 + 2 h: Whit Monday 25 May closed → Tuesday 10:00.
        add(
            "whit_monday_2026",
            office(),
            "2026-05-22T17:00",
            "2h",
            "2026-05-26T10:00",
        ),
        // Thursday 30 April 09:00 + 14 h: 7 h Thursday, 1 May (Friday) closed, 7 h Monday.
        add(
            "may_day_2026",
            office(),
            "2026-04-30T09:00",
            "14h",
            "2026-05-04T18:00",
        ),
        // Friday 3 April 2026 is worked in France; Easter Monday 6 April is not.
        add(
            "easter_monday_2026",
            office(),
            "2026-04-03T09:00",
            "14h",
            "2026-04-07T18:00",
        ),
        // ---- Alsace-Moselle: Good Friday and 26 December. ----

        // Thursday 2 April 09:00 + 14 h in Strasbourg: 7 h Thursday, Good Friday and
        // Easter Monday closed → Tuesday 7 April 18:00.
        add(
            "alsace_good_friday_2026",
            alsace(),
            "2026-04-02T09:00",
            "14h",
            "2026-04-07T18:00",
        ),
        // The same in Paris: Good Friday is worked → Friday 3 April 18:00.
        add(
            "france_works_good_friday_2026",
            office(),
            "2026-04-02T09:00",
            "14h",
            "2026-04-03T18:00",
        ),
        // A six-day shop in Strasbourg: Christmas Eve 17:00 + 2 h → 1 h, 25 and 26
        // December (a Saturday, normally worked) closed, Sunday closed → Monday 10:00.
        add(
            "alsace_saint_stephen_2026",
            with_saturday(alsace(), OFFICE_DAY),
            "2026-12-24T17:00",
            "2h",
            "2026-12-28T10:00",
        ),
        // The same six-day shop in Paris works Saturday 26 December → 10:00 that day.
        add(
            "france_works_26_december",
            with_saturday(office(), OFFICE_DAY),
            "2026-12-24T17:00",
            "2h",
            "2026-12-26T10:00",
        ),
        // Thursday 25 March 2027 17:00 + 2 h in Strasbourg: Good Friday 26 March, the
        // weekend, Easter Monday 29 March closed → Tuesday 30 March 10:00.
        add(
            "alsace_good_friday_2027",
            alsace(),
            "2027-03-25T17:00",
            "2h",
            "2027-03-30T10:00",
        ),
        // ---- Other time zones. ----

        // New York, 9–5: Friday 6 March 16:00 EST + 2 h → Monday 9 March 10:00 EDT (the
        // US change on Sunday 8 March moves the instants, not the local hours).
        add(
            "new_york_spring_weekend",
            new_york(),
            "2026-03-06T16:00",
            "2h",
            "2026-03-09T10:00",
        ),
        // New York: Friday 30 October 16:00 EDT + 2 h → Monday 2 November 10:00 EST.
        add(
            "new_york_autumn_weekend",
            new_york(),
            "2026-10-30T16:00",
            "2h",
            "2026-11-02T10:00",
        ),
        // Tokyo, 09:00-18:00: Friday 17:00 + 10 h → 1 h Friday, 9 h Monday → Monday 18:00
        // (Paris changes its clocks that weekend, Tokyo does not).
        add(
            "tokyo_lands_on_the_close",
            tokyo(),
            "2026-03-27T17:00",
            "10h",
            "2026-03-30T18:00",
        ),
        // Tokyo from a UTC instant: Sunday 23:30 UTC is Monday 08:30 in Tokyo; + 1 h → 10:00.
        add(
            "tokyo_from_a_utc_instant",
            tokyo(),
            "2026-03-29T23:30:00Z",
            "1h",
            "2026-03-30T10:00",
        ),
        // ---- The changes of time (Paris). ----

        // Night shift 01:00-04:00 on Sunday 29 March 2026 lasts 2 h (02:00 CET jumps to
        // 03:00 CEST): 3 h from 01:00 → 2 h that night, 1 h the next → Monday 02:00.
        add(
            "night_shift_spring_2026",
            night(),
            "2026-03-29T01:00",
            "3h",
            "2026-03-30T02:00",
        ),
        // Night shift on Sunday 25 October 2026 lasts 4 h (03:00 CEST goes back to 02:00
        // CET): 1 h 30 from 01:00 CEST lands at the first 02:30 …
        add(
            "night_shift_autumn_first_0230",
            night(),
            "2026-10-25T01:00+02:00",
            "1h30m",
            "2026-10-25T02:30+02:00",
        ),
        // … 2 h 30 at the second 02:30 …
        add(
            "night_shift_autumn_second_0230",
            night(),
            "2026-10-25T01:00+02:00",
            "2h30m",
            "2026-10-25T02:30+01:00",
        ),
        // … and 4 h at the shift's end, 04:00 CET.
        add(
            "night_shift_autumn_whole_shift",
            night(),
            "2026-10-25T01:00+02:00",
            "4h",
            "2026-10-25T04:00+01:00",
        ),
        // Saturday 27 March 2027 03:00 + 2 h: 1 h Saturday, then 01:00 CET + 1 h on Sunday
        // 28 March 2027 is 03:00 CEST.
        add(
            "night_shift_spring_2027",
            night(),
            "2027-03-27T03:00",
            "2h",
            "2027-03-28T03:00+02:00",
        ),
        // Round the clock: 24 h from Saturday noon CET is Sunday 13:00 CEST.
        add(
            "h24_spring_2026",
            h24(),
            "2026-03-28T12:00",
            "24h",
            "2026-03-29T13:00",
        ),
        // Round the clock: 24 h from Sunday 25 October 00:00 CEST is 23:00 CET that day.
        add(
            "h24_autumn_2026",
            h24(),
            "2026-10-25T00:00",
            "24h",
            "2026-10-25T23:00",
        ),
        // The calendar clock (7 days = 168 h of real time) across the spring change:
        // Saturday 28 March 12:00 CET → Saturday 4 April 13:00 CEST (11:00 UTC).
        add(
            "calendar_week_across_spring_2026",
            always(),
            "2026-03-28T12:00+01:00",
            "168h",
            "2026-04-04T11:00:00Z",
        ),
        // … across the autumn change: Tuesday 20 October 12:00 CEST → 27 October 11:00 CET.
        add(
            "calendar_week_across_autumn_2026",
            always(),
            "2026-10-20T12:00+02:00",
            "168h",
            "2026-10-27T10:00:00Z",
        ),
        // … across the spring change of 2027: 25 March 09:00 CET → 1 April 10:00 CEST.
        add(
            "calendar_week_across_spring_2027",
            always(),
            "2027-03-25T09:00+01:00",
            "168h",
            "2027-04-01T08:00:00Z",
        ),
        // A Sunday shift ending inside the skipped hour (01:00-02:30, read as 03:30 CEST)
        // and another from 03:00 CEST: the team is at work from 00:00 to 03:00 UTC, 3 h,
        // not 3 h 30 — the half hour both shifts claim counts once.
        add(
            "shift_ending_in_the_skipped_hour",
            dst_gap(),
            "2026-03-28T12:00",
            "3h",
            "2026-03-29T05:00",
        ),
        // ---- Closures and overrides. ----

        // Friday 31 July 17:00 + 2 h: 1 h, the summer closure (3–21 August) → Monday
        // 24 August 10:00.
        add(
            "summer_closure",
            summer(),
            "2026-07-31T17:00",
            "2h",
            "2026-08-24T10:00",
        ),
        // Christmas Eve with short hours (09:00-12:00): 10:00 + 3 h → 2 h, Christmas and
        // the weekend closed → Monday 28 December 10:00.
        add(
            "short_christmas_eve",
            summer(),
            "2026-12-24T10:00",
            "3h",
            "2026-12-28T10:00",
        ),
        // The same with the usual hours: 2 h in the morning, 1 h after lunch.
        add(
            "christmas_eve_usual_hours",
            office(),
            "2026-12-24T10:00",
            "3h",
            "2026-12-24T15:00",
        ),
        // New Year's Eve closed by an override: Wednesday 30 December 17:00 + 2 h → 1 h,
        // 31 December closed, 1 January, the weekend → Monday 4 January 10:00.
        add(
            "closed_new_years_eve",
            summer(),
            "2026-12-30T17:00",
            "2h",
            "2027-01-04T10:00",
        ),
        // An override opens Bastille Day morning (10:00-12:00): Monday 13 July 17:00 + 2 h
        // → 1 h Monday, 1 h on the 14th → 11:00.
        add(
            "override_opens_bastille_day",
            with_override(office(), date(2026, 7, 14), &["10:00-12:00"]),
            "2026-07-13T17:00",
            "2h",
            "2026-07-14T11:00",
        ),
        // ---- Elapsed. ----

        // Monday 13 July 10:00 → Thursday 16 July 10:00: 6 h + 0 (14 July) + 7 h + 1 h.
        elapsed(
            "elapsed_across_bastille_day",
            office(),
            "2026-07-13T10:00",
            "2026-07-16T10:00",
            "14h",
        ),
        // Thursday 30 July 09:00 → Tuesday 25 August 12:00 over the closure: 7+7+7+3.
        elapsed(
            "elapsed_over_the_summer_closure",
            summer(),
            "2026-07-30T09:00",
            "2026-08-25T12:00",
            "24h",
        ),
        // Round the clock, Sunday 29 March 2026 has 23 hours …
        elapsed(
            "elapsed_h24_spring_day",
            h24(),
            "2026-03-29T00:00",
            "2026-03-30T00:00",
            "23h",
        ),
        // … and Sunday 25 October 2026 has 25.
        elapsed(
            "elapsed_h24_autumn_day",
            h24(),
            "2026-10-25T00:00",
            "2026-10-26T00:00",
            "25h",
        ),
        // The night shift of the spring change is 2 h long …
        elapsed(
            "elapsed_night_spring",
            night(),
            "2026-03-29T00:00",
            "2026-03-29T12:00",
            "2h",
        ),
        // … the one of the autumn change 4 h.
        elapsed(
            "elapsed_night_autumn",
            night(),
            "2026-10-25T00:00",
            "2026-10-25T12:00",
            "4h",
        ),
        // The two Sunday shifts around the skipped hour cover 00:00-03:00 UTC: 3 h.
        elapsed(
            "elapsed_shift_ending_in_the_skipped_hour",
            dst_gap(),
            "2026-03-29T00:00",
            "2026-03-30T00:00",
            "3h",
        ),
        // A shift starting in the skipped hour starts when the wall clock would have read
        // 02:30 had it not jumped, 03:30 CEST: 02:30-04:00 is 30 min that Sunday.
        elapsed(
            "elapsed_shift_starting_in_the_skipped_hour",
            sundays(&["02:30-04:00"]),
            "2026-03-29T00:00",
            "2026-03-30T00:00",
            "30m",
        ),
        // 02:30-02:45 (read 03:30-03:45 CEST) lies inside 03:00-04:00 CEST: 1 h in all,
        // the quarter hour both claim counted once.
        elapsed(
            "elapsed_shift_inside_another_after_the_skipped_hour",
            sundays(&["02:30-02:45", "03:00-04:00"]),
            "2026-03-29T00:00",
            "2026-03-30T00:00",
            "1h",
        ),
        // The repeated hour of 25 October: 01:00-02:30 ends at the first 02:30 (CEST),
        // 02:45-03:30 starts at the first 02:45 and runs through the second 02:00-03:00:
        // 1 h 30 + 15 min + 1 h (repeated) + 30 min = 3 h 15.
        elapsed(
            "elapsed_shifts_around_the_repeated_hour",
            sundays(&["01:00-02:30", "02:45-03:30"]),
            "2026-10-25T00:00",
            "2026-10-26T00:00",
            "3h15m",
        ),
        // Backwards is nothing.
        elapsed(
            "elapsed_backwards_is_zero",
            office(),
            "2026-03-10T12:00",
            "2026-03-10T10:00",
            "0s",
        ),
        // The lunch gap is not working time.
        elapsed(
            "elapsed_over_lunch_is_zero",
            office(),
            "2026-03-10T12:00",
            "2026-03-10T14:00",
            "0s",
        ),
        // ---- Cycles with pauses (cycle_due). ----

        // Started Monday 16:00, paused 17:00 → Tuesday 10:00 (overnight, waiting on the
        // buyer), 4 h: 1 h Monday, then 10–12 and 14–15 → Tuesday 15:00.
        due(
            "pause_across_midnight",
            office(),
            "2026-03-09T16:00",
            vec![("2026-03-09T17:00", Some("2026-03-10T10:00"))],
            "4h",
            Some("2026-03-10T15:00"),
        ),
        // Started Thursday 30 July 14:00, 14 h: 4 h + 1 h, paused from Friday 10:00 to
        // 10 August 15:00 (inside the closure, which lasts to the 21st): 7 h on Monday 24,
        // 2 h on Tuesday 25 → 11:00.
        due(
            "pause_across_the_summer_closure",
            summer(),
            "2026-07-30T14:00",
            vec![("2026-07-31T10:00", Some("2026-08-10T15:00"))],
            "14h",
            Some("2026-08-25T11:00"),
        ),
        // Paused for good after 1 h of a 4 h target: no due date.
        due(
            "open_pause_with_time_left",
            office(),
            "2026-03-09T09:00",
            vec![("2026-03-09T10:00", None)],
            "4h",
            None,
        ),
        // Paused for good after the target was used up: the due date stands (11:00).
        due(
            "open_pause_after_the_due_date",
            office(),
            "2026-03-09T09:00",
            vec![("2026-03-09T14:30", None)],
            "2h",
            Some("2026-03-09T11:00"),
        ),
        // Paused exactly when the 3 h ran out (12:00): due at 12:00.
        due(
            "pause_starting_exactly_when_due",
            office(),
            "2026-03-09T09:00",
            vec![("2026-03-09T12:00", None)],
            "3h",
            Some("2026-03-09T12:00"),
        ),
        // Friday 6 November 11:00, 7 h; paused 11:30–15:00 and Monday 10:00 → Tuesday
        // 17:00: 0.5 + 3 + 1 + 1 h, Armistice (Wednesday) closed, 1.5 h Thursday → 10:30.
        due(
            "two_pauses_and_armistice",
            office(),
            "2026-11-06T11:00",
            vec![
                ("2026-11-06T11:30", Some("2026-11-06T15:00")),
                ("2026-11-09T10:00", Some("2026-11-10T17:00")),
            ],
            "7h",
            Some("2026-11-12T10:30"),
        ),
        // A pause over lunch only changes nothing: 11:00 + 3 h → 16:00.
        due(
            "pause_over_lunch_only",
            office(),
            "2026-03-09T11:00",
            vec![("2026-03-09T12:10", Some("2026-03-09T13:50"))],
            "3h",
            Some("2026-03-09T16:00"),
        ),
        // Night shifts, 3 h: 1 h on Saturday 24 October (01:00–02:00 CEST), paused until
        // the second 02:30 of Sunday 25 (CET): 1 h 30 to 04:00 CET, 30 min on Monday → 01:30.
        due(
            "pause_across_the_repeated_hour",
            night(),
            "2026-10-24T01:00",
            vec![("2026-10-24T02:00", Some("2026-10-25T02:30+01:00"))],
            "3h",
            Some("2026-10-26T01:30"),
        ),
        // Night shifts, 2 h: 30 min on Saturday 28 March, paused until Sunday 03:30 CEST:
        // 30 min to 04:00 CEST, 1 h on Monday → 02:00 CEST.
        due(
            "pause_across_the_skipped_hour",
            night(),
            "2026-03-28T03:00",
            vec![("2026-03-28T03:30", Some("2026-03-29T03:30"))],
            "2h",
            Some("2026-03-30T02:00"),
        ),
        // Calendar clock, 7 days: 48 h used, paused Friday 27 March 12:00 CET → Monday 30
        // March 12:00 CEST; the 120 h left end Saturday 4 April 12:00 CEST (10:00 UTC).
        due(
            "calendar_week_paused_across_spring",
            always(),
            "2026-03-25T12:00+01:00",
            vec![("2026-03-27T12:00+01:00", Some("2026-03-30T12:00+02:00"))],
            "168h",
            Some("2026-04-04T10:00:00Z"),
        ),
        // New York 9–5, 8 h: 1 h Friday 30 October, paused until Monday 2 November 12:00
        // EST: 5 h, then 2 h Tuesday → 11:00 EST.
        due(
            "new_york_pause_across_fall_back",
            new_york(),
            "2026-10-30T15:00",
            vec![("2026-10-30T16:00", Some("2026-11-02T12:00"))],
            "8h",
            Some("2026-11-03T11:00"),
        ),
        // 3 h: 1 h Wednesday 30 December, paused until 31 December 10:00 (closed by an
        // override), 1 January closed, the weekend → 2 h on Monday 4 January → 11:00.
        due(
            "pause_ending_on_a_closed_day",
            summer(),
            "2026-12-30T16:00",
            vec![("2026-12-30T17:00", Some("2026-12-31T10:00"))],
            "3h",
            Some("2027-01-04T11:00"),
        ),
        // ---- Recomputation after a calendar change. ----

        // The shop adds Saturday 10:00-13:00 on Friday 13 March 17:00. The cycle (Thursday
        // 14:00, paused 16:00 → Friday 14:00, 10 h) used 2 + 3 = 5 h by then under both
        // calendars. Without Saturdays: 1 h Friday, 3 + 1 h Monday → Monday 15:00; with
        // them: 1 h Friday, 3 h Saturday, 1 h Monday → Monday 10:00.
        Scenario {
            name: "saturday_hours_added",
            cal: office(),
            check: Check::Recompute {
                start: "2026-03-12T14:00",
                pauses: vec![("2026-03-12T16:00", Some("2026-03-13T14:00"))],
                within: "10h",
                change: "2026-03-13T17:00",
                used: "5h",
                other: Box::new(with_saturday(office(), &["10:00-13:00"])),
                due: "2026-03-16T15:00",
                due_other: "2026-03-16T10:00",
            },
        },
        // Saturday hours added while the cycle is paused (Thursday 12:00 → Saturday 09:00):
        // 3 h used at the change (Friday 10:00) under both; 7 h left. Without Saturdays:
        // Monday 3 + 4 h → 18:00; with them: 3 h Saturday, 3 h + 1 h Monday → 15:00.
        Scenario {
            name: "saturday_hours_added_during_a_pause",
            cal: office(),
            check: Check::Recompute {
                start: "2026-03-12T09:00",
                pauses: vec![("2026-03-12T12:00", Some("2026-03-14T09:00"))],
                within: "10h",
                change: "2026-03-13T10:00",
                used: "3h",
                other: Box::new(with_saturday(office(), &["10:00-13:00"])),
                due: "2026-03-16T18:00",
                due_other: "2026-03-16T15:00",
            },
        },
        // A bridge day (Friday 31 July) closed by an override set on Thursday 12:00: the
        // 10 h used since Wednesday 09:00 stay; the 21 h target moves from Friday 18:00
        // to Monday 3 August 18:00.
        Scenario {
            name: "bridge_day_closed_later",
            cal: office(),
            check: Check::Recompute {
                start: "2026-07-29T09:00",
                pauses: vec![],
                within: "21h",
                change: "2026-07-30T12:00",
                used: "10h",
                other: Box::new(with_override(office(), date(2026, 7, 31), &[])),
                due: "2026-07-31T18:00",
                due_other: "2026-08-03T18:00",
            },
        },
        // The team moves to the Alsace-Moselle holidays on Thursday 2 April 09:00: 4 h
        // used (Wednesday afternoon) stay; 14 h are due Friday 3 April 12:00 in France,
        // Tuesday 7 April 12:00 in Alsace (Good Friday and Easter Monday).
        Scenario {
            name: "alsace_holidays_adopted",
            cal: office(),
            check: Check::Recompute {
                start: "2026-04-01T14:00",
                pauses: vec![],
                within: "14h",
                change: "2026-04-02T09:00",
                used: "4h",
                other: Box::new(alsace()),
                due: "2026-04-03T12:00",
                due_other: "2026-04-07T12:00",
            },
        },
    ]
}

fn cycle_of(tz: &TimeZone, start: &str, pauses: &[P]) -> Cycle {
    Cycle {
        started_at: at(tz, start),
        ended_at: None,
        pauses: pauses
            .iter()
            .map(|(from, until)| Pause {
                from: at(tz, from),
                until: until.map(|u| at(tz, u)),
                waiting_on: PauseReason::Buyer,
            })
            .collect(),
    }
}

/// Runs one scenario; returns what disagreed.
fn run(scenario: &Scenario) -> Vec<String> {
    let mut problems = Vec::new();
    let cal = &scenario.cal;
    let tz = cal.zone();
    let hours = cal.hours();
    let mut reference = Reference::new(cal);
    let same =
        |problems: &mut Vec<String>, what: &str, got: String, reference: String, hand: String| {
            if got != reference || got != hand {
                problems.push(format!(
                    "{what}: implementation {got}, reference {reference}, by hand {hand}"
                ));
            }
        };
    match &scenario.check {
        Check::Add { start, amount, due } => {
            let (start, amount, due) = (at(&tz, start), dur(amount), at(&tz, due));
            let got = hours.add(start, amount);
            let expected = reference.add(start, amount);
            same(
                &mut problems,
                "add",
                show(&tz, got),
                show(&tz, Some(expected)),
                show(&tz, Some(due)),
            );
            let back = reference.elapsed(start, expected);
            same(
                &mut problems,
                "elapsed(start, due)",
                format!("{:?}", hours.elapsed(start, expected)),
                format!("{back:?}"),
                format!("{amount:?}"),
            );
            let sub = reference.subtract(expected, amount);
            let start_open = reference.is_open(start);
            // The latest instant with `amount` of open time before the due date: the start
            // itself when it is open, else the opening that follows it.
            let by_hand = if start_open || amount.is_zero() {
                start
            } else {
                sub
            };
            same(
                &mut problems,
                "subtract(due, amount)",
                show(&tz, hours.subtract(expected, amount)),
                show(&tz, Some(sub)),
                show(&tz, Some(by_hand)),
            );
            if !(start <= sub && reference.elapsed(start, sub).is_zero()) {
                problems.push(format!(
                    "reference subtract went past the start: {}",
                    show(&tz, Some(sub))
                ));
            }
            same(
                &mut problems,
                "is_open(start)",
                hours.is_open(start).to_string(),
                start_open.to_string(),
                start_open.to_string(),
            );
            same(
                &mut problems,
                "is_open(due - 1 min)",
                hours.is_open(expected - MINUTE).to_string(),
                reference.is_open(expected - MINUTE).to_string(),
                (!amount.is_zero()).to_string(),
            );
        }
        Check::Elapsed { from, to, open } => {
            let (from, to) = (at(&tz, from), at(&tz, to));
            same(
                &mut problems,
                "elapsed",
                format!("{:?}", hours.elapsed(from, to)),
                format!("{:?}", reference.elapsed(from, to)),
                format!("{:?}", dur(open)),
            );
        }
        Check::Due {
            start,
            pauses,
            within,
            due,
        } => {
            let cycle = cycle_of(&tz, start, pauses);
            let within = dur(within);
            let expected = reference.due(&cycle, within);
            let hand = due.map(|d| at(&tz, d));
            same(
                &mut problems,
                "cycle_due",
                show(&tz, cycle_due(&cycle, within, &hours)),
                show(&tz, expected),
                show(&tz, hand),
            );
            if let Some(at_due) = expected {
                same(
                    &mut problems,
                    "cycle_used(due)",
                    format!("{:?}", cycle_used(&cycle, at_due, &hours)),
                    format!("{:?}", reference.used(&cycle, at_due)),
                    format!("{within:?}"),
                );
            }
        }
        Check::Recompute {
            start,
            pauses,
            within,
            change,
            used,
            other,
            due,
            due_other,
        } => {
            let cycle = cycle_of(&tz, start, pauses);
            let within = dur(within);
            let change = at(&tz, change);
            let other_hours = other.hours();
            let mut other_reference = Reference::new(other);
            // The time used before the change is the same under both calendars.
            same(
                &mut problems,
                "cycle_used(change), before",
                format!("{:?}", cycle_used(&cycle, change, &hours)),
                format!("{:?}", reference.used(&cycle, change)),
                format!("{:?}", dur(used)),
            );
            same(
                &mut problems,
                "cycle_used(change), after",
                format!("{:?}", cycle_used(&cycle, change, &other_hours)),
                format!("{:?}", other_reference.used(&cycle, change)),
                format!("{:?}", dur(used)),
            );
            same(
                &mut problems,
                "cycle_due, before",
                show(&tz, cycle_due(&cycle, within, &hours)),
                show(&tz, reference.due(&cycle, within)),
                show(&tz, Some(at(&tz, due))),
            );
            let moved = other_reference.due(&cycle, within);
            same(
                &mut problems,
                "cycle_due, after",
                show(&tz, cycle_due(&cycle, within, &other_hours)),
                show(&tz, moved),
                show(&tz, Some(at(&tz, due_other))),
            );
            // Nothing paused after the change: the new due date is the time left, counted
            // from the change under the new calendar.
            if cycle
                .pauses
                .iter()
                .all(|p| p.until.is_some_and(|u| u <= change))
            {
                let left = within - dur(used);
                same(
                    &mut problems,
                    "add(change, left), after",
                    show(&tz, other_hours.add(change, left)),
                    show(&tz, Some(other_reference.add(change, left))),
                    show(&tz, Some(at(&tz, due_other))),
                );
            }
        }
    }
    problems
}

#[test]
fn the_office_is_the_french_office() {
    assert_eq!(office().document(), HoursDocument::french_office());
}

#[test]
fn the_reference_knows_the_holidays_of_the_code() {
    // The hand-written list agrees with the Code du travail as the crate computes it.
    use amiable_domain::calendar::BusinessCalendar;
    for (holidays, region) in [
        (Holidays::France, Region::France),
        (Holidays::Alsace, Region::AlsaceMoselle),
    ] {
        let calendar = BusinessCalendar { region };
        let mut day = date(2026, 1, 1);
        while day <= date(2027, 12, 31) {
            assert_eq!(
                is_holiday(holidays, day),
                calendar.is_holiday(day),
                "{day} {region:?}"
            );
            day = day.tomorrow().unwrap();
        }
    }
}

#[test]
fn dated_scenarios_agree_with_the_reference() {
    let all = scenarios();
    assert!(all.len() >= 40, "{} scenarios", all.len());
    let mut names: Vec<&str> = all.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "scenario names are unique");
    let failures: Vec<String> = all
        .iter()
        .flat_map(|s| run(s).into_iter().map(move |p| format!("{}: {p}", s.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

/// 2026-01-01T00:00Z ..= 2027-12-31T23:59:59Z, to the second.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_767_225_600i64..1_830_297_600).prop_map(|s| Timestamp::from_second(s).unwrap())
}

/// Up to `max` seconds, to the second.
fn duration(max: i64) -> impl Strategy<Value = SignedDuration> {
    (0..=max).prop_map(SignedDuration::from_secs)
}

const MAX: i64 = 200 * 3600;

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A random valid week: up to 3 non-overlapping shifts a day on quarter hours, in one
/// of `zones`, holidays or not. With `nights`, half the shift boundaries fall between
/// 01:00 and 04:00, where the changes of time are.
fn week_in(zones: Vec<&'static str>, nights: bool) -> impl Strategy<Value = HoursDocument> {
    let quarter = if nights {
        prop_oneof![0u16..=96, 4u16..=16].boxed()
    } else {
        (0u16..=96).boxed()
    };
    let day = prop::collection::btree_set(quarter, 0..=6).prop_map(|set| {
        let bounds: Vec<u16> = set.into_iter().collect();
        bounds
            .chunks_exact(2)
            .map(|pair| format!("{}-{}", hhmm(pair[0] * 15), hhmm(pair[1] * 15)))
            .collect::<Vec<String>>()
    });
    let zone = prop::sample::select(zones);
    let region = prop::sample::select(vec![
        None,
        Some(Region::France),
        Some(Region::AlsaceMoselle),
    ]);
    (prop::array::uniform7(day), zone, region)
        .prop_filter("open some time in the week", |(days, _, _)| {
            days.iter().any(|d| !d.is_empty())
        })
        .prop_map(
            |(
                [
                    monday,
                    tuesday,
                    wednesday,
                    thursday,
                    friday,
                    saturday,
                    sunday,
                ],
                zone,
                holidays,
            )| {
                HoursDocument {
                    time_zone: zone.to_owned(),
                    week: WeekDocument {
                        monday,
                        tuesday,
                        wednesday,
                        thursday,
                        friday,
                        saturday,
                        sunday,
                    },
                    holidays,
                    closures: Vec::new(),
                    overrides: Vec::new(),
                }
            },
        )
}

/// Zones with changes of time (Lord Howe's is half an hour), and without.
fn week() -> impl Strategy<Value = HoursDocument> {
    week_in(
        vec![
            "Europe/Paris",
            "America/New_York",
            "Asia/Tokyo",
            "UTC",
            "Australia/Lord_Howe",
        ],
        false,
    )
}

/// `fraction` (0..=1 000 000) of the largest amount the week surely has within the search
/// horizon: 200 h, or 40 weeks of it when it is open less.
fn scaled(hours: &BusinessHours, fraction: i64) -> SignedDuration {
    let cap = MAX.min(i64::from(hours.weekly_minutes()) * 60 * 40);
    SignedDuration::from_secs(cap * fraction / 1_000_000)
}

/// add / subtract / elapsed agree with each other and are monotonic.
fn arithmetic(
    hours: &BusinessHours,
    t: Timestamp,
    later: SignedDuration,
    d: SignedDuration,
    d2: SignedDuration,
) -> Result<(), TestCaseError> {
    let due = hours.add(t, d).expect("open time within the horizon");
    prop_assert!(due >= t);
    // Open time is never more than real time.
    prop_assert!(due.duration_since(t) >= d, "add({t}, {d:?}) = {due}");
    prop_assert_eq!(
        hours.elapsed(t, due),
        d,
        "elapsed(t, add(t, d)) from {} to {}",
        t,
        due
    );

    // The inverse: the latest instant with d of open time before the due date. It is t
    // itself when t is open, else the opening after t (only closed time between).
    let back = hours.subtract(due, d).expect("subtract");
    prop_assert!(
        t <= back && back <= due,
        "subtract({due}, {d:?}) = {back}, t = {t}"
    );
    prop_assert_eq!(hours.elapsed(t, back), SignedDuration::ZERO);
    prop_assert_eq!(hours.elapsed(back, due), d);
    prop_assert_eq!(hours.add(back, d), Some(due));
    if hours.is_open(t) && !d.is_zero() {
        prop_assert_eq!(back, t);
    }

    // Monotonic in the amount.
    let (small, large) = (d.min(d2), d.max(d2));
    let (a, b) = (hours.add(t, small).unwrap(), hours.add(t, large).unwrap());
    prop_assert!(a <= b, "add(t, {small:?}) = {a} > add(t, {large:?}) = {b}");
    prop_assert_eq!(hours.elapsed(a, b), large - small);

    // Monotonic in the start.
    let t2 = t + later;
    let due2 = hours.add(t2, d).unwrap();
    prop_assert!(due <= due2, "add({t}, d) = {due} > add({t2}, d) = {due2}");

    // is_open says whether the next second is working time.
    let second = hours.elapsed(t, t + SignedDuration::from_secs(1));
    prop_assert_eq!(
        second,
        if hours.is_open(t) {
            SignedDuration::from_secs(1)
        } else {
            SignedDuration::ZERO
        }
    );
    Ok(())
}

/// elapsed is additive over a ≤ b ≤ c and never more than real time.
fn additive(
    hours: &BusinessHours,
    a: Timestamp,
    x: SignedDuration,
    y: SignedDuration,
) -> Result<(), TestCaseError> {
    let (b, c) = (a + x, a + x + y);
    let (ab, bc, ac) = (
        hours.elapsed(a, b),
        hours.elapsed(b, c),
        hours.elapsed(a, c),
    );
    prop_assert_eq!(ab + bc, ac, "{} ≤ {} ≤ {}", a, b, c);
    prop_assert!(
        ab <= x && bc <= y,
        "{ab:?} of {x:?}, {bc:?} of {y:?} from {a}"
    );
    prop_assert_eq!(hours.elapsed(c, a), SignedDuration::ZERO);
    Ok(())
}

fn french_office() -> BusinessHours {
    BusinessHours::parse(&HoursDocument::french_office(), "").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        // No regressions file next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn french_office_arithmetic(
        t in instant(),
        later in duration(14 * 24 * 3600),
        d in duration(MAX),
        d2 in duration(MAX),
    ) {
        arithmetic(&french_office(), t, later, d, d2)?;
    }

    #[test]
    fn random_week_arithmetic(
        doc in week(),
        t in instant(),
        later in duration(14 * 24 * 3600),
        f in 0i64..=1_000_000,
        f2 in 0i64..=1_000_000,
    ) {
        let hours = BusinessHours::parse(&doc, "").unwrap();
        let (d, d2) = (scaled(&hours, f), scaled(&hours, f2));
        arithmetic(&hours, t, later, d, d2)?;
    }

    #[test]
    fn french_office_elapsed_is_additive(
        a in instant(),
        x in duration(60 * 24 * 3600),
        y in duration(60 * 24 * 3600),
    ) {
        additive(&french_office(), a, x, y)?;
    }

    #[test]
    fn random_week_elapsed_is_additive(
        doc in week(),
        a in instant(),
        x in duration(60 * 24 * 3600),
        y in duration(60 * 24 * 3600),
    ) {
        additive(&BusinessHours::parse(&doc, "").unwrap(), a, x, y)?;
    }

    /// A cycle with finished pauses falls due when its used time reaches the target, not
    /// a second earlier, and never before the same target without pauses.
    #[test]
    fn cycle_due_is_when_the_used_time_reaches_the_target(
        start in instant(),
        gaps in prop::collection::vec((duration(5 * 24 * 3600), duration(5 * 24 * 3600)), 0..4),
        within in duration(100 * 3600),
    ) {
        let hours = french_office();
        let mut pauses = Vec::new();
        let mut cursor = start;
        for (run, pause) in gaps {
            let from = cursor + run;
            cursor = from + pause;
            pauses.push(Pause { from, until: Some(cursor), waiting_on: PauseReason::Carrier });
        }
        let cycle = Cycle { started_at: start, ended_at: None, pauses };
        let due = cycle_due(&cycle, within, &hours).expect("no pause is open");
        prop_assert_eq!(cycle_used(&cycle, due, &hours), within);
        if !within.is_zero() {
            let before = cycle_used(&cycle, due - SignedDuration::from_secs(1), &hours);
            prop_assert!(before < within, "used {before:?} a second before {due}");
        }
        prop_assert!(due >= hours.add(start, within).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Small windows, cheap cases: more of them, so that the rare calendars with a shift
        // ending in the skipped hour come up.
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The same, within six hours of one of the zone's first four changes of time in
    /// 2026–2027, with many shifts starting or ending in the skipped or repeated hour.
    #[test]
    fn random_week_around_the_changes_of_time(
        doc in week_in(vec!["Europe/Paris", "America/New_York", "Australia/Lord_Howe"], true),
        which in 0usize..4,
        back in duration(6 * 3600),
        later in duration(6 * 3600),
        x in duration(6 * 3600),
        y in duration(6 * 3600),
        d in duration(6 * 3600),
        d2 in duration(6 * 3600),
    ) {
        let hours = BusinessHours::parse(&doc, "").unwrap();
        let zone = TimeZone::get(&doc.time_zone).unwrap();
        let change = zone
            .following("2026-01-01T00:00:00Z".parse().unwrap())
            .nth(which)
            .unwrap()
            .timestamp();
        let t = change - back;
        additive(&hours, t, x, y)?;
        arithmetic(&hours, t, later, d, d2)?;
        arithmetic(&hours, t + x, later, d2, d)?;
    }
}
