//! Bounded, trimmed free text: message bodies, titles, reasons.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

/// Text that is non-empty after trimming, at most `MAX` characters, and free
/// of control characters other than newlines and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize>(String);

/// A message body or internal note (10,000 characters).
pub type Body = Text<10_000>;
/// A short label: a product title, a carrier name, a reason (300 characters).
pub type Label = Text<300>;

impl<const MAX: usize> Text<MAX> {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("", "text.empty", "must not be empty"));
        }
        if trimmed.chars().count() > MAX {
            return Err(FieldError::new(
                "",
                "text.too_long",
                format!("must be at most {MAX} characters"),
            )
            .with("max", MAX as i64));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(FieldError::new(
                "",
                "text.control_character",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(crate::validation::refused)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(value: Text<MAX>) -> Self {
        value.0
    }
}

impl<const MAX: usize> std::fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text as HTML, for content and attribute values alike (emails, generated pages).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Lower case without accents: « Hélène Lefèvre-Dubœuf » → « helene lefevre-duboeuf ».
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => out.push('i'),
            'ł' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'ř' => out.push('r'),
            'ś' | 'š' | 'ş' => out.push('s'),
            'ť' | 'ţ' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            '\u{2019}' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(
            Label::parse("  Colis abîmé ").unwrap().as_str(),
            "Colis abîmé"
        );
        assert_eq!(Label::parse("   ").unwrap_err().code, "text.empty");
        assert_eq!(Text::<3>::parse("abcd").unwrap_err().code, "text.too_long");
        assert_eq!(Text::<3>::parse("été").unwrap().as_str(), "été");
        assert_eq!(
            Body::parse("a\u{0}b").unwrap_err().code,
            "text.control_character"
        );
        assert!(Body::parse("ligne 1\nligne 2").is_ok());
    }
}
