//! The settings a merchant or a marketplace gives itself: where returns go,
//! how buyers reach it, its time zone and language, the address a buyer's
//! withdrawal notice is sent to, and (for a marketplace) the consumer
//! mediator. Each is checked field by field, so a refusal names the field.
//!
//! They live in the `settings` JSON of the merchant or operator next to what
//! other parts own (the return policy, the reasons…): [`MerchantSettings::read`]
//! takes these keys out leniently (a key that does not parse reads as unset),
//! [`MerchantSettings::write_into`] puts them back without touching the rest.

use crate::contact::{Email, Locale, Phone, PostalAddress};
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How buyers reach a shop or a marketplace: shown on the buyer's pages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Opening hours as the shop says them, e.g. « du lundi au vendredi, de 9 h à 18 h » (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
}

impl Contact {
    fn check(&self, field: &str, errors: &mut ValidationErrors) {
        if let Some(email) = &self.email {
            errors.check(Email::parse(email).map_err(|e| e.at(format!("{field}.email"))));
        }
        if let Some(phone) = &self.phone {
            errors.check(Phone::parse(phone).map_err(|e| e.at(format!("{field}.phone"))));
        }
        if let Some(hours) = &self.hours
            && !printable(hours, 200)
        {
            errors.push(FieldError::new(
                format!("{field}.hours"),
                "settings.hours_invalid",
                "1 to 200 printable characters",
            ));
        }
        if self.email.is_none() && self.phone.is_none() {
            errors.push(FieldError::new(
                field,
                "settings.contact_empty",
                "give an email address, a phone number or both",
            ));
        }
    }

    /// Trims the fields; an empty one is unset.
    fn tidy(&mut self) {
        for value in [&mut self.email, &mut self.phone, &mut self.hours] {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
        }
        if let Some(email) = &self.email
            && let Ok(parsed) = Email::parse(email)
        {
            self.email = Some(parsed.as_str().to_owned());
        }
    }
}

/// Where a buyer sends their withdrawal notice: the **seller's** address
/// (C. conso L221-5 and the model form of the annex to R221-1, which names
/// the trader, with its postal address and, where available, its email).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawalNotice {
    pub address: PostalAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The consumer mediator a marketplace names to its buyers (C. conso L616-1:
/// its name and website).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mediator {
    pub name: String,
    pub website: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Mediator {
    pub fn check(&self, field: &str, errors: &mut ValidationErrors) {
        if !printable(&self.name, 200) {
            errors.push(FieldError::new(
                join(field, "name"),
                "mediator.name_required",
                "name the mediator (at most 200 characters)",
            ));
        }
        let website = &self.website;
        if !(website.starts_with("https://") || website.starts_with("http://"))
            || website.len() > 300
            || website.contains(char::is_whitespace)
        {
            errors.push(FieldError::new(
                join(field, "website"),
                "mediator.website_invalid",
                "a web address starting with https://",
            ));
        }
        if let Some(email) = &self.email
            && Email::parse(email).is_err()
        {
            errors.push(FieldError::new(
                join(field, "email"),
                "mediator.email_invalid",
                "an email address, or nothing",
            ));
        }
    }
}

/// A merchant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantSettings {
    /// Where returned parcels go: printed on every prepaid label. Without it, no label can be issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address: Option<PostalAddress>,
    /// How buyers reach the shop, shown on their order page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// An IANA time zone, e.g. `Europe/Paris`: the shop's staff see times in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `fr` or `en`: the language of a buyer imported without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Locale>,
    /// The seller's address for withdrawal notices, printed on the model form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_notice: Option<WithdrawalNotice>,
    /// Whether buyers were told of their withdrawal right before the sale (C. conso
    /// L221-5): `given` (the default), `not_given` (the period then runs 12 more months,
    /// L221-20), or the date (`2026-03-01`) it was given late (14 days from then, L221-20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_information: Option<String>,
    /// The shop's goodwill budget: what its gestures may total in a month, and the
    /// amount above which one needs a merchant admin's or the marketplace's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodwill_budget: Option<crate::case::GoodwillBudget>,
}

/// A marketplace's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorSettings {
    /// How buyers reach the marketplace's mediation team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// An IANA time zone: the marketplace's staff see times in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `fr` or `en`: the language of a buyer imported without one, when the shop names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Locale>,
    /// The consumer mediator (C. conso L616-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediator: Option<Mediator>,
    /// Working days a merchant has to answer before the buyer may escalate (default 3, 1–15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_window_days: Option<u32>,
    /// Days a party has to appeal a decision (default 10, 1–60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_window_days: Option<u32>,
}

const MERCHANT_KEYS: [&str; 7] = [
    "return_address",
    "contact",
    "time_zone",
    "language",
    "withdrawal_notice",
    "withdrawal_information",
    "goodwill_budget",
];
const OPERATOR_KEYS: [&str; 6] = [
    "contact",
    "time_zone",
    "language",
    "mediator",
    "escalation_window_days",
    "appeal_window_days",
];

impl MerchantSettings {
    /// Tidies and checks every field, naming each fault.
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(address) = &self.return_address
            && let Err(e) = address.check("return_address")
        {
            errors.0.extend(e.0);
        }
        if let Some(contact) = &mut self.contact {
            contact.tidy();
            contact.check("contact", &mut errors);
        }
        check_zone(&mut self.time_zone, &mut errors);
        if let Some(notice) = &mut self.withdrawal_notice {
            if let Err(e) = notice.address.check("withdrawal_notice.address") {
                errors.0.extend(e.0);
            }
            tidy_email(
                &mut notice.email,
                "withdrawal_notice.email",
                "settings.email_invalid",
                &mut errors,
            );
        }
        if let Some(information) = &mut self.withdrawal_information {
            *information = information.trim().to_owned();
            let known = matches!(information.as_str(), "given" | "not_given")
                || information.parse::<jiff::civil::Date>().is_ok();
            if !known {
                errors.push(FieldError::new(
                    "withdrawal_information",
                    "settings.withdrawal_information_invalid",
                    "given, not_given, or the date it was given (YYYY-MM-DD)",
                ));
            }
        }
        if let Some(budget) = &self.goodwill_budget {
            if !budget.monthly.is_positive() {
                errors.push(FieldError::new(
                    "goodwill_budget.monthly.amount_minor",
                    "settings.goodwill_budget_invalid",
                    "a monthly budget greater than zero",
                ));
            }
            if let Some(limit) = budget.approval_above
                && (limit.amount_minor < 0 || limit.currency != budget.monthly.currency)
            {
                errors.push(FieldError::new(
                    "goodwill_budget.approval_above",
                    "settings.goodwill_budget_invalid",
                    "an amount of zero or more, in the budget's currency",
                ));
            }
        }
        errors.into_result().map(|()| self)
    }

    /// These settings out of a merchant's stored JSON.
    pub fn read(stored: &Value) -> Self {
        MerchantSettings {
            return_address: key(stored, "return_address"),
            contact: key(stored, "contact"),
            time_zone: key(stored, "time_zone"),
            language: key(stored, "language"),
            withdrawal_notice: key(stored, "withdrawal_notice"),
            withdrawal_information: key(stored, "withdrawal_information"),
            goodwill_budget: key(stored, "goodwill_budget"),
        }
    }

    /// Writes these settings into the stored JSON, leaving its other keys.
    pub fn write_into(&self, stored: &mut Value) {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        replace_keys(stored, &value, &MERCHANT_KEYS);
    }
}

impl OperatorSettings {
    /// Tidies and checks every field, naming each fault.
    pub fn checked(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(contact) = &mut self.contact {
            contact.tidy();
            contact.check("contact", &mut errors);
        }
        check_zone(&mut self.time_zone, &mut errors);
        if let Some(mediator) = &mut self.mediator {
            mediator.name = mediator.name.trim().to_owned();
            mediator.website = mediator.website.trim().to_owned();
            mediator.email = mediator
                .email
                .take()
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty());
            mediator.check("mediator", &mut errors);
        }
        for (field, value, max) in [
            ("escalation_window_days", self.escalation_window_days, 15),
            ("appeal_window_days", self.appeal_window_days, 60),
        ] {
            if value.is_some_and(|days| days == 0 || days > max) {
                errors.push(
                    FieldError::new(
                        field,
                        "settings.window_invalid",
                        format!("a number of days from 1 to {max}"),
                    )
                    .with("max", max),
                );
            }
        }
        errors.into_result().map(|()| self)
    }

    /// These settings out of an operator's stored JSON.
    pub fn read(stored: &Value) -> Self {
        OperatorSettings {
            contact: key(stored, "contact"),
            time_zone: key(stored, "time_zone"),
            language: key(stored, "language"),
            mediator: key(stored, "mediator"),
            escalation_window_days: key(stored, "escalation_window_days"),
            appeal_window_days: key(stored, "appeal_window_days"),
        }
    }

    /// The rules of the ladder these settings give (defaults where they say nothing).
    pub fn ladder(&self) -> crate::case::LadderRules {
        let defaults = crate::case::LadderRules::default();
        let label = |text: &str| crate::text::Label::parse(text).ok();
        crate::case::LadderRules {
            escalation_window_days: self
                .escalation_window_days
                .unwrap_or(defaults.escalation_window_days),
            appeal_window_days: self
                .appeal_window_days
                .unwrap_or(defaults.appeal_window_days),
            consumer_mediator: self.mediator.as_ref().and_then(|m| {
                Some(crate::case::ConsumerMediator {
                    name: label(&m.name)?,
                    website: label(&m.website)?,
                })
            }),
        }
    }

    /// Writes these settings into the stored JSON, leaving its other keys.
    pub fn write_into(&self, stored: &mut Value) {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        replace_keys(stored, &value, &OPERATOR_KEYS);
    }
}

/// The zone staff see times in: the merchant's, else the marketplace's, else `None`.
pub fn zone_of(merchant: Option<&Value>, operator: &Value) -> Option<jiff::tz::TimeZone> {
    merchant
        .and_then(|m| key::<String>(m, "time_zone"))
        .or_else(|| key::<String>(operator, "time_zone"))
        .and_then(|name| jiff::tz::TimeZone::get(&name).ok())
}

/// The language of a buyer imported without one: the merchant's, else the marketplace's, else French.
pub fn default_language(merchant: &Value, operator: &Value) -> Locale {
    key(merchant, "language")
        .or_else(|| key(operator, "language"))
        .unwrap_or_default()
}

fn key<T: serde::de::DeserializeOwned>(stored: &Value, name: &str) -> Option<T> {
    stored
        .get(name)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn replace_keys(stored: &mut Value, value: &Value, keys: &[&str]) {
    if !stored.is_object() {
        *stored = Value::Object(Default::default());
    }
    let Some(object) = stored.as_object_mut() else {
        return;
    };
    for name in keys {
        match value.get(*name) {
            Some(v) if !v.is_null() => {
                object.insert((*name).to_owned(), v.clone());
            }
            _ => {
                object.remove(*name);
            }
        }
    }
}

fn check_zone(zone: &mut Option<String>, errors: &mut ValidationErrors) {
    if let Some(name) = zone {
        *name = name.trim().to_owned();
        if name.len() > 64 || jiff::tz::TimeZone::get(name).is_err() {
            errors.push(FieldError::new(
                "time_zone",
                "settings.time_zone_unknown",
                "an IANA time zone such as Europe/Paris",
            ));
        }
    }
}

fn tidy_email(
    email: &mut Option<String>,
    field: &str,
    code: &'static str,
    errors: &mut ValidationErrors,
) {
    *email = email
        .take()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    if let Some(value) = email {
        match Email::parse(value) {
            Ok(parsed) => *value = parsed.as_str().to_owned(),
            Err(_) => errors.push(FieldError::new(field, code, "an email address, or nothing")),
        }
    }
}

fn printable(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn address() -> PostalAddress {
        PostalAddress {
            name: Some("Atelier".into()),
            lines: vec!["3 rue des Lilas".into()],
            postal_code: "69002".into(),
            city: "Lyon".into(),
            country: "FR".into(),
        }
    }

    #[test]
    fn every_fault_is_named_by_its_field() {
        let settings = MerchantSettings {
            return_address: Some(PostalAddress {
                country: "France".into(),
                ..address()
            }),
            contact: Some(Contact {
                email: Some("not-an-email".into()),
                phone: Some("12".into()),
                hours: Some(String::new()),
            }),
            time_zone: Some("Europe/Lyon".into()),
            language: None,
            goodwill_budget: None,
            withdrawal_information: Some("soon".into()),
            withdrawal_notice: Some(WithdrawalNotice {
                address: PostalAddress {
                    lines: vec![],
                    ..address()
                },
                email: Some("nope".into()),
            }),
        };
        let errors = settings.checked().unwrap_err();
        let fields: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect();
        assert!(fields.contains(&("return_address.country", "address.country_invalid")));
        assert!(fields.contains(&("contact.email", "email.invalid")));
        assert!(fields.contains(&("contact.phone", "phone.invalid")));
        assert!(fields.contains(&("time_zone", "settings.time_zone_unknown")));
        assert!(fields.contains(&("withdrawal_notice.address.lines", "address.lines_invalid")));
        assert!(fields.contains(&("withdrawal_notice.email", "settings.email_invalid")));
        assert!(fields.contains(&(
            "withdrawal_information",
            "settings.withdrawal_information_invalid"
        )));
        // An empty hours string is unset, not an error.
        assert!(!fields.iter().any(|(f, _)| *f == "contact.hours"));
    }

    #[test]
    fn writing_keeps_what_other_parts_own() {
        let mut stored = json!({ "return_policy": { "window_days": 30 }, "contact": { "email": "old@shop.example" } });
        let settings = MerchantSettings {
            return_address: Some(address()),
            time_zone: Some("Europe/Paris".into()),
            language: Some(Locale::En),
            ..Default::default()
        }
        .checked()
        .unwrap();
        settings.write_into(&mut stored);
        assert_eq!(stored["return_policy"]["window_days"], 30);
        // Unset in the new settings: removed.
        assert!(stored.get("contact").is_none());
        assert_eq!(MerchantSettings::read(&stored), settings);
        assert_eq!(
            default_language(&stored, &json!({})),
            Locale::En,
            "the merchant's language"
        );
        assert_eq!(
            zone_of(Some(&json!({})), &stored).map(|z| z.iana_name().map(str::to_owned)),
            Some(Some("Europe/Paris".to_owned()))
        );
    }

    #[test]
    fn a_contact_needs_a_way_in() {
        let errors = OperatorSettings {
            contact: Some(Contact {
                hours: Some("9 h – 18 h".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
        .checked()
        .unwrap_err();
        assert_eq!(errors.0[0].code, "settings.contact_empty");
        assert_eq!(errors.0[0].field, "contact");
    }
}
