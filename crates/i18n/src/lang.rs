//! The languages of the interface and the negotiation of `Accept-Language`.

/// A language of the interface. English is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The language tag, for `Content-Language` and `<html lang>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

/// Picks a language from an `Accept-Language` header (RFC 9110 §12.5.4).
///
/// Each language range is matched on its primary subtag (`fr-FR` and `fr-CA`
/// ask for French). A language gets the highest q-value of the ranges naming
/// it, or else the q-value of `*`; `q=0` means "not this one", and a bare
/// `fr;q=0` excludes French whatever other French ranges say. The highest
/// q-value wins; on a tie a named range beats `*`, then the earlier range in
/// the header wins. A malformed element (bad range, q-value out of grammar,
/// another parameter) is skipped; when nothing acceptable remains, English.
pub fn negotiate(accept_language: Option<&str>) -> Lang {
    #[derive(Clone, Copy)]
    struct Preference {
        /// q-value in thousandths.
        q: u16,
        position: usize,
    }

    let Some(header) = accept_language else {
        return Lang::En;
    };
    let mut named: [Option<Preference>; 2] = [None; 2];
    let mut excluded = [false; 2];
    let mut wildcard: Option<Preference> = None;
    for (position, element) in header.split(',').enumerate() {
        let element = element.trim();
        if element.is_empty() {
            continue;
        }
        let Some((range, q)) = parse_language_range(element) else {
            continue;
        };
        let preference = Preference { q, position };
        if range == "*" {
            wildcard.get_or_insert(preference);
            continue;
        }
        let primary = range.split('-').next().unwrap_or(range);
        for (index, lang) in Lang::ALL.iter().enumerate() {
            if !primary.eq_ignore_ascii_case(lang.as_str()) {
                continue;
            }
            if q == 0 && range.len() == primary.len() {
                excluded[index] = true;
            }
            named[index] = match named[index] {
                Some(best) if best.q >= q => Some(best),
                _ => Some(preference),
            };
        }
    }

    // (q, named beats wildcard, earlier position) — larger is better.
    let mut best: Option<(u16, bool, std::cmp::Reverse<usize>, Lang)> = None;
    for (index, lang) in Lang::ALL.iter().enumerate() {
        if excluded[index] {
            continue;
        }
        let candidate = match (named[index], wildcard) {
            (Some(p), _) => (p.q, true, std::cmp::Reverse(p.position), *lang),
            (None, Some(p)) => (p.q, false, std::cmp::Reverse(p.position), *lang),
            (None, None) => continue,
        };
        if candidate.0 == 0 {
            continue;
        }
        // Strictly better only: on a full tie the earlier language (English) stays.
        if best.is_none_or(|b| (candidate.0, candidate.1, candidate.2) > (b.0, b.1, b.2)) {
            best = Some(candidate);
        }
    }
    best.map_or(Lang::En, |b| b.3)
}

/// `language-range [ OWS ";" OWS "q=" qvalue ]`, with the q-value in thousandths.
fn parse_language_range(element: &str) -> Option<(&str, u16)> {
    let mut parts = element.split(';');
    let range = parts.next()?.trim();
    let valid_range = range == "*"
        || range.split('-').enumerate().all(|(i, subtag)| {
            (1..=8).contains(&subtag.len())
                && subtag.chars().all(|c| {
                    if i == 0 {
                        c.is_ascii_alphabetic()
                    } else {
                        c.is_ascii_alphanumeric()
                    }
                })
        });
    if !valid_range {
        return None;
    }
    let q = match parts.next() {
        None => 1000,
        Some(weight) => {
            let (name, value) = weight.trim().split_once('=')?;
            if !name.eq_ignore_ascii_case("q") {
                return None;
            }
            parse_qvalue(value)?
        }
    };
    if parts.next().is_some() {
        return None;
    }
    Some((range, q))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`
fn parse_qvalue(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(3)
        .fold(0u16, |n, c| n * 10 + (c as u16 - '0' as u16));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let cases = [
            (None, Lang::En),
            (Some(""), Lang::En),
            (Some("fr"), Lang::Fr),
            (Some("FR-fr"), Lang::Fr),
            (Some("fr-CA"), Lang::Fr),
            (Some("fr-FR;q=0.9, en;q=0.8"), Lang::Fr),
            (Some("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Fr),
            (Some("en-US,en;q=0.9,fr;q=0.8"), Lang::En),
            (Some("de-DE, fr;q=0.5"), Lang::Fr),
            (Some("de"), Lang::En),
            (Some("*"), Lang::En),
            (Some("de, *;q=0.5"), Lang::En),
            (Some("fr;Q=0.7 , en ; q=0.3"), Lang::Fr),
            // Ties: the earlier range, and a named range before `*`.
            (Some("fr, en"), Lang::Fr),
            (Some("en, fr"), Lang::En),
            (Some("*;q=0.8, fr;q=0.8"), Lang::Fr),
            // q=0 excludes.
            (Some("fr;q=0, *"), Lang::En),
            (Some("en;q=0, *"), Lang::Fr),
            (Some("en;q=0"), Lang::En),
            (Some("en;q=0, fr;q=0.001"), Lang::Fr),
            (Some("fr;q=0, fr-FR"), Lang::En),
            // Malformed elements are skipped; nothing left means English.
            (Some("fr;q=2"), Lang::En),
            (Some("fr;q=0.1234"), Lang::En),
            (Some("fr;q=1.5"), Lang::En),
            (Some("fr;q=abc, en;q=0.1"), Lang::En),
            (Some("fr;level=1"), Lang::En),
            (Some("fr;;"), Lang::En),
            (Some("français"), Lang::En),
            (Some("fr_FR"), Lang::En),
            (Some(",,, fr ,"), Lang::Fr),
            (Some("!!!"), Lang::En),
            (Some("fr-toolongsubtag"), Lang::En),
        ];
        for (header, expected) in cases {
            assert_eq!(negotiate(header), expected, "{header:?}");
        }
    }
}
