//! The withdrawal period (C. conso L221-18, L221-20) on dated scenarios:
//! weekends, French public holidays (Easter Monday, Ascension, Whit Monday and
//! the fixed ones), month and year ends, leap years, several parcels, regular
//! deliveries, missing and late information. Expected last days were worked
//! out independently of the code (a separate computation, checked by hand for
//! the weekend and holiday cases).

use amiable_domain::calendar::BusinessCalendar;
use amiable_domain::law::withdrawal::{
    DeliveryPattern::{self, Regular, Separate},
    Information::{self, Given, GivenOn, NotGiven},
    WithdrawalBasis, WithdrawalRules, withdrawal_period,
};
use jiff::civil::Date;

fn d(text: &str) -> Date {
    text.parse().unwrap()
}

type Scenario = (
    &'static str,
    &'static [&'static str],
    DeliveryPattern,
    Information,
    &'static str,
);

const SCENARIOS: &[Scenario] = &[
    (
        "thursday delivery, plain 14 days",
        &["2026-11-05"],
        Separate,
        Given,
        "2026-11-19",
    ),
    (
        "friday delivery",
        &["2026-11-06"],
        Separate,
        Given,
        "2026-11-20",
    ),
    (
        "saturday delivery, ends on a saturday",
        &["2026-11-07"],
        Separate,
        Given,
        "2026-11-23",
    ),
    (
        "sunday delivery, ends on a sunday",
        &["2026-11-08"],
        Separate,
        Given,
        "2026-11-23",
    ),
    (
        "ends on Armistice day",
        &["2026-10-28"],
        Separate,
        Given,
        "2026-11-12",
    ),
    (
        "ends on Christmas, a friday",
        &["2026-12-11"],
        Separate,
        Given,
        "2026-12-28",
    ),
    (
        "ends on New Year’s day, a friday",
        &["2026-12-18"],
        Separate,
        Given,
        "2027-01-04",
    ),
    (
        "month end, into february",
        &["2026-01-31"],
        Separate,
        Given,
        "2026-02-16",
    ),
    (
        "ends on the last saturday of february",
        &["2026-02-14"],
        Separate,
        Given,
        "2026-03-02",
    ),
    ("leap day", &["2028-02-15"], Separate, Given, "2028-02-29"),
    (
        "ends on Easter Monday",
        &["2026-03-23"],
        Separate,
        Given,
        "2026-04-07",
    ),
    (
        "ends on Ascension",
        &["2026-04-30"],
        Separate,
        Given,
        "2026-05-15",
    ),
    (
        "ends on 1 May, a friday",
        &["2026-04-17"],
        Separate,
        Given,
        "2026-05-04",
    ),
    (
        "ends on 8 May, a friday",
        &["2026-04-24"],
        Separate,
        Given,
        "2026-05-11",
    ),
    (
        "ends on Whit Monday",
        &["2026-05-11"],
        Separate,
        Given,
        "2026-05-26",
    ),
    (
        "ends on 14 July",
        &["2026-06-30"],
        Separate,
        Given,
        "2026-07-15",
    ),
    (
        "ends on 15 August, a saturday",
        &["2026-08-01"],
        Separate,
        Given,
        "2026-08-17",
    ),
    (
        "ends on All Saints, a sunday",
        &["2026-10-18"],
        Separate,
        Given,
        "2026-11-02",
    ),
    (
        "ends on 31 December",
        &["2026-12-17"],
        Separate,
        Given,
        "2026-12-31",
    ),
    (
        "across the year",
        &["2026-12-24"],
        Separate,
        Given,
        "2027-01-07",
    ),
    (
        "ends on Easter Monday 2027",
        &["2027-03-15"],
        Separate,
        Given,
        "2027-03-30",
    ),
    (
        "ends on Ascension 2027",
        &["2027-04-22"],
        Separate,
        Given,
        "2027-05-07",
    ),
    (
        "delivered on a holiday",
        &["2026-11-11"],
        Separate,
        Given,
        "2026-11-25",
    ),
    (
        "delivered on Christmas",
        &["2026-12-25"],
        Separate,
        Given,
        "2027-01-08",
    ),
    (
        "two parcels: the last counts",
        &["2026-11-03", "2026-11-06"],
        Separate,
        Given,
        "2026-11-20",
    ),
    (
        "three parcels: the last counts",
        &["2026-11-02", "2026-11-09", "2026-11-05"],
        Separate,
        Given,
        "2026-11-23",
    ),
    (
        "parcels across a month end",
        &["2026-11-27", "2026-12-02"],
        Separate,
        Given,
        "2026-12-16",
    ),
    (
        "parcels, the last on a saturday",
        &["2026-11-02", "2026-11-07"],
        Separate,
        Given,
        "2026-11-23",
    ),
    (
        "regular deliveries: the first counts",
        &["2026-11-02", "2026-12-02", "2027-01-04"],
        Regular,
        Given,
        "2026-11-16",
    ),
    (
        "regular deliveries starting on a saturday",
        &["2026-11-07", "2026-12-05"],
        Regular,
        Given,
        "2026-11-23",
    ),
    (
        "not informed: +12 months",
        &["2026-11-05"],
        Separate,
        NotGiven,
        "2027-11-19",
    ),
    (
        "not informed, ends on a sunday",
        &["2026-11-07"],
        Separate,
        NotGiven,
        "2027-11-23",
    ),
    (
        "not informed, ends on Armistice 2027",
        &["2026-10-28"],
        Separate,
        NotGiven,
        "2027-11-12",
    ),
    (
        "not informed, from Christmas into 2028",
        &["2026-12-11"],
        Separate,
        NotGiven,
        "2027-12-28",
    ),
    (
        "not informed, from 29 February",
        &["2028-02-15"],
        Separate,
        NotGiven,
        "2029-02-28",
    ),
    (
        "informed late during the extension",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2027, 3, 1),
        },
        "2027-03-15",
    ),
    (
        "informed late, 14 days end on a saturday",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2027, 3, 6),
        },
        "2027-03-22",
    ),
    (
        "informed late, ends on Easter Monday 2027",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2027, 3, 15),
        },
        "2027-03-30",
    ),
    (
        "informed during the initial period: no extension",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2026, 11, 10),
        },
        "2026-11-19",
    ),
    (
        "informed after the extension: already over",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2027, 12, 1),
        },
        "2027-11-19",
    ),
    (
        "informed on the last day of the initial period",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2026, 11, 19),
        },
        "2026-11-19",
    ),
    (
        "informed the day after the initial period",
        &["2026-11-05"],
        Separate,
        GivenOn {
            date: jiff::civil::date(2026, 11, 20),
        },
        "2026-12-04",
    ),
    (
        "several parcels, not informed",
        &["2026-11-03", "2026-11-06"],
        Separate,
        NotGiven,
        "2027-11-22",
    ),
];

#[test]
fn at_least_forty_dated_scenarios_end_where_the_law_says() {
    assert!(SCENARIOS.len() >= 40);
    let calendar = BusinessCalendar::france();
    let rules = WithdrawalRules::default();
    let mut wrong = Vec::new();
    for (name, receipts, pattern, information, expected) in SCENARIOS {
        let receipts: Vec<Date> = receipts.iter().map(|r| d(r)).collect();
        let period = withdrawal_period(&receipts, *pattern, *information, &rules, &calendar)
            .unwrap_or_else(|| panic!("{name}: no period"));
        if period.last_day != d(expected) {
            wrong.push(format!(
                "{name}: expected {expected}, got {}",
                period.last_day
            ));
        }
        // The last day is always a working day, never before the nominal end.
        assert!(calendar.is_working_day(period.last_day), "{name}");
        if let Some(nominal) = period.moved_from {
            assert!(
                nominal < period.last_day && !calendar.is_working_day(nominal),
                "{name}"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_answer_says_which_rule_applied() {
    let calendar = BusinessCalendar::france();
    let rules = WithdrawalRules::default();
    let at = |information| {
        withdrawal_period(&[d("2026-11-07")], Separate, information, &rules, &calendar).unwrap()
    };
    let standard = at(Given);
    assert_eq!(standard.basis, WithdrawalBasis::Standard);
    assert_eq!(standard.basis.article(), "C. conso L221-18");
    assert_eq!(
        standard.moved_from,
        Some(d("2026-11-21")),
        "a saturday, moved to monday"
    );
    assert_eq!(at(NotGiven).basis, WithdrawalBasis::Extended);
    assert_eq!(at(NotGiven).basis.article(), "C. conso L221-20");
    let late = at(GivenOn {
        date: d("2027-01-15"),
    });
    assert_eq!(late.basis, WithdrawalBasis::FromLateInformation);
    assert_eq!(late.starts_after, d("2027-01-15"));
    // No receipt yet: the period has not started.
    assert_eq!(
        withdrawal_period(&[], Separate, Given, &rules, &calendar),
        None
    );
}

#[test]
fn every_number_is_configurable() {
    let calendar = BusinessCalendar::france();
    // A merchant giving 30 days instead of 14.
    let generous = WithdrawalRules {
        period_days: 30,
        ..WithdrawalRules::default()
    };
    let period =
        withdrawal_period(&[d("2026-11-05")], Separate, Given, &generous, &calendar).unwrap();
    assert_eq!(
        period.last_day,
        d("2026-12-07"),
        "5 Nov + 30 days is saturday 5 Dec → monday 7"
    );
}

#[test]
fn the_period_ends_at_midnight_paris_time_across_daylight_saving() {
    let calendar = BusinessCalendar::france();
    let rules = WithdrawalRules::default();
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    // Last day Friday 27 March 2026 (winter time): over at 23:00 UTC.
    let winter = withdrawal_period(&[d("2026-03-13")], Regular, Given, &rules, &calendar).unwrap();
    assert_eq!(winter.last_day, d("2026-03-27"));
    assert_eq!(
        winter.ends_at(&paris).unwrap().to_string(),
        "2026-03-27T23:00:00Z"
    );
    // Last day Monday 30 March 2026 (summer time since Sunday 29): over at 22:00 UTC.
    let summer = withdrawal_period(&[d("2026-03-16")], Regular, Given, &rules, &calendar).unwrap();
    assert_eq!(summer.last_day, d("2026-03-30"));
    assert_eq!(
        summer.ends_at(&paris).unwrap().to_string(),
        "2026-03-30T22:00:00Z"
    );
}
