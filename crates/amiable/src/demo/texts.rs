//! Formatting the way French (and English) shops write: `1 250,99 €`,
//! `22 novembre 2026`, "Bonjour Madame Martin,".

use super::clock::Clock;
use anyhow::Result;

/// The language a buyer writes and is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Fr,
    En,
}

impl Lang {
    /// Picks the text in this language.
    pub(crate) fn pick(self, fr: String, en: String) -> String {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

/// `45,99 €`, `1 250 €` (narrow no-break space between thousands, no-break
/// space before the sign) in French; `€45.99`, `€1,250` in English.
pub(crate) fn money(lang: Lang, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let (units, cents) = (minor / 100, minor % 100);
    let digits = units.to_string();
    let separator = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    match (lang, cents) {
        (Lang::Fr, 0) => format!("{sign}{grouped}\u{a0}€"),
        (Lang::Fr, _) => format!("{sign}{grouped},{cents:02}\u{a0}€"),
        (Lang::En, 0) => format!("{sign}€{grouped}"),
        (Lang::En, _) => format!("{sign}€{grouped}.{cents:02}"),
    }
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

/// `22 novembre 2026` / `22 November 2026`, in Paris time.
pub(crate) fn date(clock: &Clock, lang: Lang, secs: i64) -> Result<String> {
    let date = clock.date_of(secs)?;
    let month = usize::try_from(date.month() - 1).unwrap_or(0).min(11);
    let name = match lang {
        Lang::Fr => MONTHS_FR[month],
        Lang::En => MONTHS_EN[month],
    };
    let day = date.day();
    Ok(match (lang, day) {
        (Lang::Fr, 1) => format!("1er {name} {}", date.year()),
        _ => format!("{day} {name} {}", date.year()),
    })
}

/// `22/11/2026`, in Paris time.
pub(crate) fn short_date(clock: &Clock, secs: i64) -> Result<String> {
    let date = clock.date_of(secs)?;
    Ok(format!(
        "{:02}/{:02}/{}",
        date.day(),
        date.month(),
        date.year()
    ))
}

/// Lower-case ASCII for e-mail addresses: accents dropped, apostrophes,
/// spaces and hyphens removed.
pub(crate) fn ascii_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ø' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'ÿ' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_a_french_shop() {
        assert_eq!(money(Lang::Fr, 4599), "45,99\u{a0}€");
        assert_eq!(money(Lang::Fr, 125_000), "1\u{202f}250\u{a0}€");
        assert_eq!(money(Lang::Fr, 1000), "10\u{a0}€");
        assert_eq!(money(Lang::En, 4599), "€45.99");
        assert_eq!(money(Lang::En, 125_050), "€1,250.50");
    }

    #[test]
    fn dates_and_names() {
        let clock = Clock::paris().unwrap();
        let secs = clock
            .local(jiff::civil::date(2026, 11, 22), 14, 30, 0)
            .unwrap();
        assert_eq!(date(&clock, Lang::Fr, secs).unwrap(), "22 novembre 2026");
        assert_eq!(date(&clock, Lang::En, secs).unwrap(), "22 November 2026");
        assert_eq!(short_date(&clock, secs).unwrap(), "22/11/2026");
        assert_eq!(ascii_fold("Hélène D'Aubigné-Lœb"), "helenedaubigneloeb");
    }
}
