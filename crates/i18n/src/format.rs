//! Money, dates and durations as each language writes them.
//!
//! French: `1 234,56 €` (narrow no-break space between thousands, no-break
//! space before the symbol), `3 décembre 2026`, `3 déc. 2026 à 14:05`.
//! English: `€1,234.56`, `3 December 2026`, `3 Dec 2026, 14:05`.
//! Instants are shown in the marketplace's time zone (Europe/Paris), the
//! zone every legal deadline is computed in.

use crate::Lang;
use amiable_domain::money::{Currency, Money};
use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};

const NNBSP: char = '\u{202F}';
const NBSP: char = '\u{00A0}';

fn symbol(currency: &Currency) -> Option<&'static str> {
    match currency.code() {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    }
}

fn group(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// An amount as the language writes it.
pub fn money(lang: Lang, amount: &Money) -> String {
    let exponent = u32::from(amount.currency.exponent());
    let negative = amount.amount_minor < 0;
    let magnitude = amount.amount_minor.unsigned_abs();
    let scale = 10u64.pow(exponent);
    let units = (magnitude / scale).to_string();
    let fraction = format!("{:0width$}", magnitude % scale, width = exponent as usize);
    let sign = if negative { "-" } else { "" };
    match lang {
        Lang::Fr => {
            let mut text = format!("{sign}{}", group(&units, NNBSP));
            if exponent > 0 {
                text.push(',');
                text.push_str(&fraction);
            }
            text.push(NBSP);
            text.push_str(symbol(&amount.currency).unwrap_or(amount.currency.code()));
            text
        }
        Lang::En => {
            let mut number = group(&units, ',');
            if exponent > 0 {
                number.push('.');
                number.push_str(&fraction);
            }
            match symbol(&amount.currency) {
                Some(symbol) => format!("{sign}{symbol}{number}"),
                None => format!("{sign}{number}{NBSP}{}", amount.currency.code()),
            }
        }
    }
}

/// The amount in a form field: `12,50` in French, `12.50` in English (no symbol, no grouping).
pub fn money_input(lang: Lang, amount: &Money) -> String {
    let exponent = u32::from(amount.currency.exponent());
    let magnitude = amount.amount_minor.unsigned_abs();
    let scale = 10u64.pow(exponent);
    let sign = if amount.amount_minor < 0 { "-" } else { "" };
    if exponent == 0 {
        return format!("{sign}{magnitude}");
    }
    let separator = match lang {
        Lang::Fr => ',',
        Lang::En => '.',
    };
    format!(
        "{sign}{}{separator}{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = exponent as usize
    )
}

/// Why an amount typed in a form was refused (a message key of the catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number.
    Invalid,
    /// Below zero.
    Negative,
    /// More decimals than the currency has.
    TooPrecise,
    /// Beyond what an amount can hold.
    TooLarge,
}

impl AmountError {
    pub fn key(self) -> &'static str {
        match self {
            AmountError::Invalid => "error-amount-invalid",
            AmountError::Negative => "error-amount-negative",
            AmountError::TooPrecise => "error-amount-too-precise",
            AmountError::TooLarge => "error-amount-too-large",
        }
    }
}

/// Reads an amount typed by a person, in `lang`'s way: the language's decimal
/// separator (`,` in French, `.` in English) is the decimal point, and the other one
/// groups thousands (`1.234,56` / `1,234.56`). Without the language's separator, the
/// other one followed by 1 or 2 digits is taken as the decimal point too (`12.50` typed
/// in French); followed by 3, it groups thousands (`1.234`). Spaces and the currency's
/// symbol or code are ignored. More decimals than the currency has is refused — never
/// read as thousands (`12,555` in French is refused, not 12 555 €).
pub fn parse_amount(text: &str, currency: Currency, lang: Lang) -> Result<Money, AmountError> {
    let mut cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != NBSP && *c != NNBSP)
        .collect();
    for strip in [symbol(&currency).unwrap_or(""), currency.code()] {
        if !strip.is_empty() {
            cleaned = cleaned.replace(strip, "");
        }
    }
    if cleaned.is_empty() {
        return Err(AmountError::Invalid);
    }
    if cleaned.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let exponent = usize::from(currency.exponent());
    let (own, other) = match lang {
        Lang::Fr => (',', '.'),
        Lang::En => ('.', ','),
    };
    let decimal = if cleaned.contains(own) {
        Some(own)
    } else {
        match cleaned.matches(other).count() {
            1 => {
                let after = cleaned.len() - cleaned.rfind(other).unwrap_or(0) - 1;
                (after > 0 && after <= exponent.max(1) && after != 3).then_some(other)
            }
            _ => None,
        }
    };
    let (units, fraction) = match decimal {
        Some(d) => {
            let at = cleaned.rfind(d).unwrap_or(0);
            (&cleaned[..at], &cleaned[at + 1..])
        }
        None => (cleaned.as_str(), ""),
    };
    // Grouping uses the other separator; the decimal one appears once.
    if decimal.is_some_and(|d| units.contains(d)) {
        return Err(AmountError::Invalid);
    }
    let units: String = units.chars().filter(|c| *c != ',' && *c != '.').collect();
    if !units.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(AmountError::Invalid);
    }
    if units.is_empty() && fraction.is_empty() {
        return Err(AmountError::Invalid);
    }
    if fraction.len() > exponent {
        return Err(AmountError::TooPrecise);
    }
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().map_err(|_| AmountError::TooLarge)?
    };
    let fraction_value: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| AmountError::Invalid)?
    };
    let scale = 10i64.pow(exponent as u32);
    let fraction_minor = fraction_value * 10i64.pow((exponent - fraction.len()) as u32);
    let minor = units
        .checked_mul(scale)
        .and_then(|m| m.checked_add(fraction_minor))
        .ok_or(AmountError::TooLarge)?;
    Ok(Money::new(minor, currency))
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_FR_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_EN_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(date: Date) -> usize {
    (date.month() as usize).saturating_sub(1).min(11)
}

/// `3 décembre 2026` / `3 December 2026`.
pub fn date(lang: Lang, date: Date) -> String {
    let names = match lang {
        Lang::Fr => &MONTHS_FR,
        Lang::En => &MONTHS_EN,
    };
    let day = if lang == Lang::Fr && date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!("{day} {} {}", names[month(date)], date.year())
}

/// `3 déc. 2026` / `3 Dec 2026`.
pub fn date_short(lang: Lang, date: Date) -> String {
    let names = match lang {
        Lang::Fr => &MONTHS_FR_SHORT,
        Lang::En => &MONTHS_EN_SHORT,
    };
    // « 1er déc. 2026 »: the first of the month is an ordinal in French.
    let day = if lang == Lang::Fr && date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!("{day} {} {}", names[month(date)], date.year())
}

/// The zone instants are shown in: the default rules pack's (Europe/Paris).
pub fn zone() -> TimeZone {
    amiable_domain::law::LawPack::by_code(amiable_domain::law::RULES_PACKS[0])
        .map_or(TimeZone::UTC, |law| law.zone.clone())
}

/// `3 déc. 2026 à 14:05` / `3 Dec 2026, 14:05`, in the marketplace's zone.
pub fn datetime(lang: Lang, at: Timestamp) -> String {
    datetime_in(lang, at, &zone())
}

/// The same, in `zone` (a shop's own time zone).
pub fn datetime_in(lang: Lang, at: Timestamp, zone: &TimeZone) -> String {
    let zoned = at.to_zoned(zone.clone());
    let day = date_short(lang, zoned.date());
    let time = format!("{:02}:{:02}", zoned.hour(), zoned.minute());
    match lang {
        Lang::Fr => format!("{day} à {time}"),
        Lang::En => format!("{day}, {time}"),
    }
}

/// The ISO form for `<time datetime>`.
pub fn iso(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How far `at` is from `now`, in the largest two units: (days, hours) or (hours, minutes).
/// Negative when `at` is past.
pub fn span_parts(at: Timestamp, now: Timestamp) -> (bool, i64, i64, i64) {
    let seconds = at.as_second() - now.as_second();
    let past = seconds < 0;
    let total = seconds.unsigned_abs() as i64;
    let days = total / 86_400;
    let hours = (total % 86_400) / 3_600;
    let minutes = (total % 3_600) / 60;
    (past, days, hours, minutes)
}

/// A short duration: `2 j 4 h`, `3 h 20 min`, `12 min` (fr) / `2 d 4 h`, `3 h 20 min`, `12 min` (en).
pub fn duration(lang: Lang, days: i64, hours: i64, minutes: i64) -> String {
    let d = match lang {
        Lang::Fr => "j",
        Lang::En => "d",
    };
    if days > 0 {
        if hours > 0 {
            format!("{days}{NBSP}{d} {hours}{NBSP}h")
        } else {
            format!("{days}{NBSP}{d}")
        }
    } else if hours > 0 {
        if minutes > 0 {
            format!("{hours}{NBSP}h {minutes}{NBSP}min")
        } else {
            format!("{hours}{NBSP}h")
        }
    } else {
        format!("{}{NBSP}min", minutes.max(1))
    }
}

/// A count of seconds as a short duration (for medians).
pub fn seconds(lang: Lang, seconds: i64) -> String {
    let seconds = seconds.max(0);
    duration(
        lang,
        seconds / 86_400,
        (seconds % 86_400) / 3_600,
        (seconds % 3_600) / 60,
    )
}

/// A percentage with one decimal when it is not whole: `12,5 %` / `12.5%`.
pub fn percent(lang: Lang, per_thousand: i64) -> String {
    let whole = per_thousand / 10;
    let tenth = per_thousand % 10;
    let number = if tenth == 0 {
        whole.to_string()
    } else {
        match lang {
            Lang::Fr => format!("{whole},{tenth}"),
            Lang::En => format!("{whole}.{tenth}"),
        }
    };
    match lang {
        Lang::Fr => format!("{number}{NNBSP}%"),
        Lang::En => format!("{number}%"),
    }
}

/// A file size: `2,4 Mo` / `2.4 MB`.
pub fn size(lang: Lang, bytes: u64) -> String {
    let (value, unit_fr, unit_en) = if bytes >= 1024 * 1024 {
        (bytes * 10 / (1024 * 1024), "Mo", "MB")
    } else {
        (bytes.div_ceil(1024) * 10, "Ko", "KB")
    };
    let (whole, tenth) = (value / 10, value % 10);
    match lang {
        Lang::Fr if tenth > 0 => format!("{whole},{tenth}{NBSP}{unit_fr}"),
        Lang::Fr => format!("{whole}{NBSP}{unit_fr}"),
        Lang::En if tenth > 0 => format!("{whole}.{tenth}{NBSP}{unit_en}"),
        Lang::En => format!("{whole}{NBSP}{unit_en}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn money_per_language() {
        assert_eq!(money(Lang::Fr, &eur(123456)), "1\u{202F}234,56\u{A0}€");
        assert_eq!(money(Lang::En, &eur(123456)), "€1,234.56");
        assert_eq!(money(Lang::Fr, &eur(5)), "0,05\u{A0}€");
        assert_eq!(money(Lang::En, &eur(-2000)), "-€20.00");
        let jpy = Money::new(1500, Currency::parse("JPY").unwrap());
        assert_eq!(money(Lang::Fr, &jpy), "1\u{202F}500\u{A0}JPY");
        assert_eq!(money(Lang::En, &jpy), "1,500\u{A0}JPY");
        assert_eq!(money_input(Lang::Fr, &eur(4599)), "45,99");
        assert_eq!(money_input(Lang::En, &eur(4599)), "45.99");
    }

    #[test]
    fn amounts_typed_by_people() {
        let fr = |t: &str| parse_amount(t, Currency::EUR, Lang::Fr).map(|m| m.amount_minor);
        let en = |t: &str| parse_amount(t, Currency::EUR, Lang::En).map(|m| m.amount_minor);
        assert_eq!(fr("12"), Ok(1200));
        assert_eq!(fr("12,5"), Ok(1250));
        assert_eq!(fr("12.50"), Ok(1250), "a dot with cents, typed in French");
        assert_eq!(fr(" 1 234,56 € "), Ok(123456));
        assert_eq!(fr("1.234,5"), Ok(123450));
        assert_eq!(
            fr("1.234"),
            Ok(123400),
            "a dot with three digits groups thousands"
        );
        assert_eq!(fr("0,99"), Ok(99));
        assert_eq!(fr(",5"), Ok(50));
        assert_eq!(fr("12 EUR"), Ok(1200));
        assert_eq!(
            fr("12,555"),
            Err(AmountError::TooPrecise),
            "never read as 12 555"
        );
        assert_eq!(fr("0,555"), Err(AmountError::TooPrecise));
        assert_eq!(fr("1,2,3"), Err(AmountError::Invalid));
        assert_eq!(fr("12,345,6"), Err(AmountError::Invalid));
        assert_eq!(en("€1,234.56"), Ok(123456));
        assert_eq!(en("1,234"), Ok(123400));
        assert_eq!(en("12.50"), Ok(1250));
        assert_eq!(
            en("12,50"),
            Ok(1250),
            "a comma with cents, typed in English"
        );
        assert_eq!(
            en("1.234"),
            Err(AmountError::TooPrecise),
            "never read as 1 234"
        );
        assert_eq!(en("1,234,567.8"), Ok(123456780));
        assert_eq!(fr("-3"), Err(AmountError::Negative));
        assert_eq!(fr("abc"), Err(AmountError::Invalid));
        assert_eq!(fr(""), Err(AmountError::Invalid));
        assert_eq!(fr("99999999999999999999"), Err(AmountError::TooLarge));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            parse_amount("1,5", jpy, Lang::Fr),
            Err(AmountError::TooPrecise)
        );
        assert_eq!(
            parse_amount("1.500", jpy, Lang::Fr).map(|m| m.amount_minor),
            Ok(1500)
        );
    }

    proptest! {
        #[test]
        fn what_is_shown_in_a_field_reads_back(minor in 0i64..10_000_000_000) {
            for lang in Lang::ALL {
                let shown = money_input(lang, &eur(minor));
                prop_assert_eq!(parse_amount(&shown, Currency::EUR, lang), Ok(eur(minor)));
                let formatted = money(lang, &eur(minor));
                prop_assert_eq!(parse_amount(&formatted, Currency::EUR, lang), Ok(eur(minor)));
            }
        }
    }

    #[test]
    fn dates_per_language() {
        let d = jiff::civil::date(2026, 12, 3);
        assert_eq!(date(Lang::Fr, d), "3 décembre 2026");
        assert_eq!(date(Lang::En, d), "3 December 2026");
        assert_eq!(
            date(Lang::Fr, jiff::civil::date(2026, 5, 1)),
            "1er mai 2026"
        );
        assert_eq!(date_short(Lang::Fr, d), "3 déc. 2026");
        // 13:05 UTC is 14:05 in Paris in winter, 15:05 in summer.
        let winter: Timestamp = "2026-12-03T13:05:00Z".parse().unwrap();
        assert_eq!(datetime(Lang::Fr, winter), "3 déc. 2026 à 14:05");
        assert_eq!(datetime(Lang::En, winter), "3 Dec 2026, 14:05");
        let summer: Timestamp = "2026-07-03T13:05:00Z".parse().unwrap();
        assert_eq!(datetime(Lang::En, summer), "3 Jul 2026, 15:05");
    }

    #[test]
    fn durations_and_percentages() {
        assert_eq!(duration(Lang::Fr, 2, 4, 0), "2\u{A0}j 4\u{A0}h");
        assert_eq!(duration(Lang::En, 0, 3, 20), "3\u{A0}h 20\u{A0}min");
        assert_eq!(duration(Lang::En, 0, 0, 0), "1\u{A0}min");
        assert_eq!(seconds(Lang::Fr, 90_000), "1\u{A0}j 1\u{A0}h");
        assert_eq!(percent(Lang::Fr, 125), "12,5\u{202F}%");
        assert_eq!(percent(Lang::En, 120), "12%");
        assert_eq!(size(Lang::Fr, 2_500_000), "2,3\u{A0}Mo");
        assert_eq!(size(Lang::En, 2048), "2\u{A0}KB");
        let now: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-12-05T14:30:00Z".parse().unwrap();
        assert_eq!(span_parts(later, now), (false, 2, 4, 30));
        assert_eq!(span_parts(now, later), (true, 2, 4, 30));
    }
}
