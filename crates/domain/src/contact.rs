//! People: email addresses, phone numbers, names and locales.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address, trimmed and with a lower-cased domain. The check is
/// deliberately structural (one `@`, a dotted domain, no spaces, RFC 5321
/// lengths): deliverability is proven by sending, not by a regex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let invalid = |message: &str| FieldError::new("email", "email.invalid", message);
        let value = value.trim();
        if value.len() > 254 {
            return Err(invalid("must be at most 254 characters"));
        }
        let (local, domain) = value
            .rsplit_once('@')
            .ok_or_else(|| invalid("must contain @"))?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(invalid("the part before @ is invalid"));
        }
        let domain_ok = domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !domain_ok {
            return Err(invalid("the domain is invalid"));
        }
        if value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c))
        {
            return Err(invalid("must not contain spaces or special characters"));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value).map_err(crate::validation::refused)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number kept as the shop gave it, limited to digits, spaces and `+().-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if !(6..=20).contains(&digits)
            || !value
                .chars()
                .all(|c| c.is_ascii_digit() || " +().-".contains(c))
        {
            return Err(FieldError::new(
                "phone",
                "phone.invalid",
                "must be a phone number of 6 to 20 digits",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value).map_err(crate::validation::refused)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

/// The languages amiable speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    /// Accepts `fr`, `en` and regional forms such as `fr-FR` or `en_GB`.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let primary = value
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Ok(Locale::Fr),
            "en" => Ok(Locale::En),
            _ => Err(FieldError::new(
                "locale",
                "locale.unsupported",
                "must be fr or en",
            )),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Claire.Martin@Exemple.FR ").unwrap().as_str(),
            "Claire.Martin@exemple.fr"
        );
        for bad in [
            "",
            "claire",
            "@exemple.fr",
            "claire@",
            "claire@fr",
            "cl aire@exemple.fr",
            "a@b@c.fr",
            "claire@.fr",
            "claire@exemple..fr",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                "email.invalid",
                "{bad}"
            );
        }
        assert!(Email::parse(&format!("{}@exemple.fr", "a".repeat(65))).is_err());
    }

    #[test]
    fn phones_and_locales() {
        assert!(Phone::parse("+33 6 12 34 56 78").is_ok());
        assert_eq!(Phone::parse("12").unwrap_err().code, "phone.invalid");
        assert_eq!(Phone::parse("06 12 ab").unwrap_err().code, "phone.invalid");
        assert_eq!(Locale::parse("fr-FR").unwrap(), Locale::Fr);
        assert_eq!(Locale::parse("en_GB").unwrap(), Locale::En);
        assert_eq!(Locale::parse("de").unwrap_err().code, "locale.unsupported");
    }
}

/// A postal address, as printed on a label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostalAddress {
    /// Who receives it (a person or a company); the buyer's name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 1 to 3 lines (street, building…), 100 characters each.
    pub lines: Vec<String>,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub country: String,
}

impl PostalAddress {
    /// Checks the address, naming each faulty field under `field`.
    pub fn check(&self, field: &str) -> Result<(), crate::validation::ValidationErrors> {
        let mut errors = crate::validation::ValidationErrors::default();
        let printable = |text: &str, max: usize| {
            !text.trim().is_empty()
                && text.chars().count() <= max
                && !text.chars().any(char::is_control)
        };
        if self.lines.is_empty() || self.lines.len() > 3 {
            errors.push(FieldError::new(
                format!("{field}.lines"),
                "address.lines_invalid",
                "1 to 3 lines",
            ));
        }
        for (index, line) in self.lines.iter().enumerate() {
            if !printable(line, 100) {
                errors.push(FieldError::new(
                    format!("{field}.lines[{index}]"),
                    "address.line_invalid",
                    "1 to 100 printable characters",
                ));
            }
        }
        if let Some(name) = &self.name
            && !printable(name, 100)
        {
            errors.push(FieldError::new(
                format!("{field}.name"),
                "address.name_invalid",
                "1 to 100 printable characters",
            ));
        }
        // A French postal code is five digits (La Poste's « code postal »).
        let french_code = self.country != "FR"
            || (self.postal_code.trim().len() == 5
                && self.postal_code.trim().chars().all(|c| c.is_ascii_digit()));
        if !printable(&self.postal_code, 16) || !french_code {
            errors.push(FieldError::new(
                format!("{field}.postal_code"),
                "address.postal_code_invalid",
                "1 to 16 characters; five digits in France",
            ));
        }
        if !printable(&self.city, 100) {
            errors.push(FieldError::new(
                format!("{field}.city"),
                "address.city_invalid",
                "1 to 100 printable characters",
            ));
        }
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                format!("{field}.country"),
                "address.country_invalid",
                "an ISO 3166-1 alpha-2 code in capitals, e.g. FR",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
