//! SMS: how many parts a text takes on the wire, and phone numbers in E.164.
//!
//! An SMS carries 140 bytes. Text in the GSM 03.38 default alphabet is packed
//! in 7-bit septets (160 characters); anything else is sent as UCS-2, two bytes
//! per UTF-16 code unit (70). A longer text is split into parts that each lose
//! room to a concatenation header (153 septets or 67 units) and that the
//! carrier bills one by one, so the notifier counts parts before sending and
//! shortens the text with [`fit`] rather than let a message cost four SMS.
//!
//! SMS gateways take numbers in E.164 form (`+33612345678`); [`E164::parse`]
//! turns what a buyer typed into that form, or refuses it.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the characters of an SMS are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// The GSM 03.38 default alphabet, 7 bits a character.
    Gsm7,
    /// UTF-16, for any text with a character outside the GSM alphabet.
    Ucs2,
}

impl Encoding {
    /// The units one SMS holds alone, and each part of a multipart SMS holds
    /// (the rest is the concatenation header, 3GPP TS 23.040 §9.2.3.24.1).
    fn capacity(self) -> (usize, usize) {
        match self {
            Encoding::Gsm7 => (160, 153),
            Encoding::Ucs2 => (70, 67),
        }
    }
}

/// The length of a text as an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets in GSM-7 (an extension character takes two), UTF-16 code units in
    /// UCS-2 (a character beyond the BMP, such as an emoji, takes two).
    pub units: usize,
    /// How many SMS the text is sent as; 0 for an empty text.
    pub count: usize,
}

/// The GSM 03.38 default alphabet, one septet each (3GPP TS 23.038 §6.2.1).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
    ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table, reached through an escape septet: two septets each.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

fn is_gsm7(c: char) -> bool {
    GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c)
}

fn gsm7_septets(c: char) -> usize {
    if GSM7_EXTENSION.contains(c) { 2 } else { 1 }
}

/// The encoding, units and number of parts `text` takes as an SMS.
pub fn segments(text: &str) -> Segments {
    if text.chars().all(is_gsm7) {
        Segments::measure(Encoding::Gsm7, text.chars().map(gsm7_septets))
    } else {
        Segments::measure(Encoding::Ucs2, text.chars().map(char::len_utf16))
    }
}

impl Segments {
    /// `costs` are the units of each character, which a part never splits: an
    /// escape and its character, or a surrogate pair, travel together.
    fn measure(encoding: Encoding, costs: impl Iterator<Item = usize> + Clone) -> Self {
        let (single, part) = encoding.capacity();
        let units = costs.clone().sum();
        let count = match units {
            0 => 0,
            units if units <= single => 1,
            _ => parts_filled_greedily(costs, part),
        };
        Segments {
            encoding,
            units,
            count,
        }
    }
}

fn parts_filled_greedily(costs: impl Iterator<Item = usize>, capacity: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for cost in costs {
        if used + cost > capacity {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    parts
}

/// `text` if it fits in `max_parts` SMS; otherwise its longest prefix ending at
/// a word that fits with an ellipsis appended. The ellipsis is `...` when the
/// prefix is GSM-7, since `…` would turn the whole SMS into UCS-2 and halve its
/// room. A text that is a single overlong word is cut between characters.
pub fn fit(text: &str, max_parts: usize) -> String {
    if segments(text).count <= max_parts {
        return text.to_owned();
    }
    // A part holds at most 160 characters: no longer prefix can fit.
    let limit = text
        .char_indices()
        .nth(max_parts.saturating_mul(160))
        .map_or(text.len(), |(index, _)| index);
    let prefix = &text[..limit];
    let word_ends: Vec<usize> = prefix
        .char_indices()
        .filter(|(index, c)| *index > 0 && c.is_whitespace())
        .map(|(index, _)| index)
        .collect();
    let char_ends: Vec<usize> = prefix.char_indices().map(|(index, _)| index).collect();
    word_ends
        .iter()
        .rev()
        .chain(char_ends.iter().rev())
        .filter_map(|&end| shortened(&text[..end]))
        .find(|candidate| segments(candidate).count <= max_parts)
        .unwrap_or_default()
}

/// `prefix` without the spaces and separators it ends with, and an ellipsis.
fn shortened(prefix: &str) -> Option<String> {
    let prefix = prefix.trim_end_matches(|c: char| c.is_whitespace() || ",;:".contains(c));
    if prefix.is_empty() {
        return None;
    }
    let ellipsis = match segments(prefix).encoding {
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "…",
    };
    Some(format!("{prefix}{ellipsis}"))
}

/// A phone number in E.164 form: `+`, the country calling code and the national
/// number, 8 to 15 digits in all, e.g. `+33612345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(String);

/// How a country writes its numbers for use inside the country.
struct Country {
    /// ISO 3166-1 alpha-2.
    code: &'static str,
    calling_code: &'static str,
    /// The digits a national number may start with as written.
    first_digits: &'static str,
    /// Whether the first digit is a trunk prefix `0`, dropped after the calling
    /// code. Italy has none: its landlines' leading 0 is part of the number.
    drops_trunk_zero: bool,
    /// How many digits the number has after the calling code.
    digits: (usize, usize),
}

const COUNTRIES: &[Country] = &[
    Country {
        code: "BE",
        calling_code: "32",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (8, 9),
    },
    Country {
        code: "CH",
        calling_code: "41",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (9, 9),
    },
    Country {
        code: "DE",
        calling_code: "49",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (6, 13),
    },
    Country {
        code: "ES",
        calling_code: "34",
        first_digits: "6789",
        drops_trunk_zero: false,
        digits: (9, 9),
    },
    Country {
        code: "FR",
        calling_code: "33",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (9, 9),
    },
    Country {
        code: "GB",
        calling_code: "44",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (9, 10),
    },
    Country {
        code: "IE",
        calling_code: "353",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (7, 9),
    },
    Country {
        code: "IT",
        calling_code: "39",
        first_digits: "03",
        drops_trunk_zero: false,
        digits: (6, 11),
    },
    Country {
        code: "LU",
        calling_code: "352",
        first_digits: "123456789",
        drops_trunk_zero: false,
        digits: (4, 11),
    },
    Country {
        code: "NL",
        calling_code: "31",
        first_digits: "0",
        drops_trunk_zero: true,
        digits: (9, 9),
    },
    Country {
        code: "PT",
        calling_code: "351",
        first_digits: "29",
        drops_trunk_zero: false,
        digits: (9, 9),
    },
];

impl E164 {
    /// Reads a number written with spaces, dots, dashes or parentheses, in
    /// international form (`+33 6…`, `0033 6…`) or, for the countries amiable
    /// knows, in the national form of `default_country` (ISO 3166-1 alpha-2).
    pub fn parse(raw: &str, default_country: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "phone",
                "phone.invalid_e164",
                "must be a phone number in international form, e.g. +33612345678",
            )
        };
        let cleaned = clean(raw);
        let digits = if let Some(rest) = cleaned.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = cleaned.strip_prefix("00") {
            rest.to_owned()
        } else {
            national_to_international(&cleaned, default_country).ok_or_else(invalid)?
        };
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return Err(invalid());
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A French mobile (`+336…`, `+337…`): the only French numbers an SMS reaches.
    pub fn is_mobile_fr(&self) -> bool {
        self.0.len() == 12 && (self.0.starts_with("+336") || self.0.starts_with("+337"))
    }
}

/// `raw` without the spaces, dots, dashes and parentheses people write numbers
/// with, and without the `(0)` of `+33 (0)6 12…`, a trunk prefix not to dial
/// after the calling code.
fn clean(raw: &str) -> String {
    let raw = raw.trim();
    let raw = if raw.starts_with('+') || raw.starts_with("00") {
        raw.replacen("(0)", "", 1)
    } else {
        raw.to_owned()
    };
    raw.chars()
        .filter(|c| !c.is_whitespace() && !".-()".contains(*c))
        .collect()
}

/// The digits after `+` of a number written in `country`'s national form.
fn national_to_international(number: &str, country: &str) -> Option<String> {
    let country = COUNTRIES
        .iter()
        .find(|known| known.code.eq_ignore_ascii_case(country.trim()))?;
    let first = number.chars().next()?;
    if !country.first_digits.contains(first) {
        return None;
    }
    let national = if country.drops_trunk_zero {
        &number[1..]
    } else {
        number
    };
    let (min, max) = country.digits;
    (min..=max)
        .contains(&national.len())
        .then(|| format!("{}{national}", country.calling_code))
}

impl TryFrom<String> for E164 {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        E164::parse(&value, "FR").map_err(crate::validation::refused)
    }
}

impl From<E164> for String {
    fn from(value: E164) -> Self {
        value.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(units: usize, count: usize) -> Segments {
        Segments {
            encoding: Encoding::Gsm7,
            units,
            count,
        }
    }

    fn ucs2(units: usize, count: usize) -> Segments {
        Segments {
            encoding: Encoding::Ucs2,
            units,
            count,
        }
    }

    #[test]
    fn empty_text_is_no_sms() {
        assert_eq!(segments(""), gsm(0, 0));
    }

    #[test]
    fn gsm7_part_boundaries() {
        assert_eq!(segments(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(segments(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(segments(&"a".repeat(306)), gsm(306, 2));
        assert_eq!(segments(&"a".repeat(307)), gsm(307, 3));
    }

    #[test]
    fn an_extension_character_is_never_split() {
        // 152 septets, then € (escape + code) would straddle parts 1 and 2: it
        // moves whole to part 2, which then overflows by one septet.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(segments(&text), gsm(306, 3));
        // Ending exactly on the boundary, nothing moves.
        let text = format!("{}€{}", "a".repeat(151), "a".repeat(153));
        assert_eq!(segments(&text), gsm(306, 2));
        // 159 septets and € is 161: no longer one SMS.
        assert_eq!(segments(&format!("{}€", "a".repeat(159))), gsm(161, 2));
        assert_eq!(segments(&format!("{}€", "a".repeat(158))), gsm(160, 1));
    }

    #[test]
    fn french_texts() {
        assert_eq!(segments("Votre colis a été expédié"), gsm(25, 1));
        // GSM 03.38 has only the capital Ç: « reçu » is sent in UCS-2.
        assert_eq!(segments("Votre colis a été reçu"), ucs2(22, 1));
        assert_eq!(
            segments("Votre remboursement de 12,00 € est fait"),
            gsm(40, 1)
        );
        assert_eq!(segments("Votre commande a été expédiée"), gsm(29, 1));
        assert_eq!(segments("Une fenêtre"), ucs2(11, 1));
        for not_gsm in [
            "ê", "ç", "â", "î", "ô", "û", "ë", "ï", "œ", "’", "\u{a0}", "`", "\t",
        ] {
            assert_eq!(segments(not_gsm).encoding, Encoding::Ucs2, "{not_gsm:?}");
        }
        for letter in [
            "Ç", "É", "à", "è", "ù", "ì", "ò", "ñ", "ß", "¿", "¡", "§", "Δ", "@", "_",
        ] {
            assert_eq!(segments(letter), gsm(1, 1), "{letter:?}");
        }
        for extension in ["€", "^", "{", "}", "[", "]", "~", "|", "\\", "\u{c}"] {
            assert_eq!(segments(extension), gsm(2, 1), "{extension:?}");
        }
    }

    #[test]
    fn ucs2_part_boundaries() {
        assert_eq!(segments(&"ê".repeat(70)), ucs2(70, 1));
        assert_eq!(segments(&"ê".repeat(71)), ucs2(71, 2));
        assert_eq!(segments(&"ê".repeat(134)), ucs2(134, 2));
        assert_eq!(segments(&"ê".repeat(135)), ucs2(135, 3));
    }

    #[test]
    fn emoji_take_two_units_and_are_never_split() {
        assert_eq!(segments("📦"), ucs2(2, 1));
        assert_eq!(segments("Colis 📦 livré"), ucs2(14, 1));
        let text = format!("{}📦{}", "ê".repeat(66), "ê".repeat(66));
        assert_eq!(segments(&text), ucs2(134, 3));
    }

    #[test]
    fn fit_keeps_what_fits() {
        let text = "Votre colis a été reçu";
        assert_eq!(fit(text, 1), text);
        assert_eq!(fit("", 0), "");
        assert_eq!(fit("Bonjour", 0), "");
    }

    #[test]
    fn fit_cuts_at_a_word_with_dots_in_gsm7() {
        let text = "Bonjour, votre retour a été accepté. ".repeat(10);
        let fitted = fit(&text, 1);
        assert!(fitted.ends_with("..."), "{fitted}");
        assert_eq!(segments(&fitted).encoding, Encoding::Gsm7);
        assert_eq!(segments(&fitted).count, 1);
        assert!(text.starts_with(fitted.trim_end_matches("...")));
        // The word cut: the next character of the text is a space or a comma.
        let kept = fitted.trim_end_matches("...");
        let next = text[kept.len()..].chars().next().unwrap();
        assert!(next == ' ' || next == ',', "{next:?}");
        // The longest: no word of the text is long enough to leave more room.
        assert!(segments(&fitted).units > 160 - 10, "{fitted}");
    }

    #[test]
    fn fit_uses_the_ellipsis_in_ucs2() {
        let text = "Votre fenêtre arrivera bientôt. ".repeat(10);
        let fitted = fit(&text, 2);
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(segments(&fitted).units > 134 - 10, "{fitted}");
        assert_eq!(segments(&fitted).encoding, Encoding::Ucs2);
        assert_eq!(segments(&fitted).count, 2);
        assert!(text.starts_with(fitted.trim_end_matches('…')));
    }

    #[test]
    fn fit_cuts_a_single_long_word_between_characters() {
        let text = "é".repeat(200);
        let fitted = fit(&text, 1);
        assert_eq!(fitted, format!("{}...", "é".repeat(157)));
        let emoji = "📦".repeat(50);
        let fitted = fit(&emoji, 1);
        assert_eq!(fitted, format!("{}…", "📦".repeat(34)));
    }

    fn fr(raw: &str) -> Result<String, &'static str> {
        E164::parse(raw, "FR")
            .map(|number| number.as_str().to_owned())
            .map_err(|error| error.code)
    }

    #[test]
    fn international_numbers() {
        assert_eq!(fr("06 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(fr("06.12.34.56.78").unwrap(), "+33612345678");
        assert_eq!(fr("+33 6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(fr("+33 (0)6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(fr("0033612345678").unwrap(), "+33612345678");
        assert_eq!(fr(" +1 (415) 555-2671 ").unwrap(), "+14155552671");
        assert_eq!(fr("+41 44 668 18 00").unwrap(), "+41446681800");
    }

    #[test]
    fn national_numbers_by_country() {
        let parse = |raw, country| E164::parse(raw, country).unwrap().as_str().to_owned();
        assert_eq!(parse("06 1234 5678", "IT"), "+390612345678");
        assert_eq!(parse("347 123 4567", "IT"), "+393471234567");
        assert_eq!(parse("0470 12 34 56", "BE"), "+32470123456");
        assert_eq!(parse("02 123 45 67", "be"), "+3221234567");
        assert_eq!(parse("079 123 45 67", "CH"), "+41791234567");
        assert_eq!(parse("0151 23456789", "DE"), "+4915123456789");
        assert_eq!(parse("612 34 56 78", "ES"), "+34612345678");
        assert_eq!(parse("621 123 456", "LU"), "+352621123456");
        assert_eq!(parse("06 12345678", "NL"), "+31612345678");
        assert_eq!(parse("07700 900123", "GB"), "+447700900123");
        assert_eq!(parse("085 123 4567", "IE"), "+353851234567");
        assert_eq!(parse("912 345 678", "PT"), "+351912345678");
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "12",
            "abc",
            "06 12 ab 56 78",
            "+0123456789",
            "+33 6",
            "+1234567890123456",
            "0612345678 poste 12",
            "612345678",
            "06 12 34 56 7",
            "06 12 34 56 789",
            "++33612345678",
        ] {
            let error = E164::parse(bad, "FR").unwrap_err();
            assert_eq!(error.code, "phone.invalid_e164", "{bad}");
            assert_eq!(error.field, "phone");
        }
        assert!(E164::parse("06 12 34 56 78", "US").is_err());
        assert!(E164::parse("06 12 34 56 78", "").is_err());
        assert!(E164::parse("0612345678", "ES").is_err());
        assert!(E164::parse("+1 415 555 2671", "US").is_ok());
    }

    #[test]
    fn french_mobiles() {
        assert!(E164::parse("06 12 34 56 78", "FR").unwrap().is_mobile_fr());
        assert!(E164::parse("07 12 34 56 78", "FR").unwrap().is_mobile_fr());
        assert!(!E164::parse("01 23 45 67 89", "FR").unwrap().is_mobile_fr());
        assert!(!E164::parse("+3361234567", "FR").unwrap().is_mobile_fr());
        assert!(!E164::parse("+32470123456", "FR").unwrap().is_mobile_fr());
    }

    #[test]
    fn serde_as_a_string_read_as_french() {
        let number = E164::parse("06 12 34 56 78", "FR").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"+33612345678\"");
        let read: E164 = serde_json::from_str("\"06 12 34 56 78\"").unwrap();
        assert_eq!(read, number);
        let (result, refused) =
            crate::validation::reading(|| serde_json::from_str::<E164>("\"12\""));
        assert!(result.is_err());
        assert_eq!(refused.unwrap().code, "phone.invalid_e164");
        assert_eq!(
            serde_json::to_string(&segments("Reçu")).unwrap(),
            r#"{"encoding":"ucs2","units":4,"count":1}"#
        );
    }
}
