//! The reason taxonomy: why a case exists, in one language across sources.
//!
//! Built-in codes come from PRODUCT.md; an operator may add its own codes
//! under a built-in parent (`defective.battery` under `defective`). Each
//! built-in code maps to PayPal's and Stripe's dispute reasons and to the
//! Visa / Mastercard reason families (RULES-FR-EU.md §5–6), so analytics can
//! group cases from every source under one code.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A built-in reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinReason {
    NotReceived,
    LateDelivery,
    DamagedInTransit,
    /// A lack of conformity (legal guarantee, C. conso L217-3 ff.).
    Defective,
    NotAsDescribed,
    WrongItem,
    MissingItems,
    /// The buyer exercises the right of withdrawal (C. conso L221-18).
    ChangedMind,
    Unauthorised,
    DuplicateCharge,
    IncorrectAmount,
    CreditNotProcessed,
    CancelledRecurring,
    Other,
}

/// Where a built-in reason lands in each external vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReasonMapping {
    /// PayPal Disputes API `reason` (disputes.yaml `dispute_reason`).
    pub paypal: &'static str,
    /// Stripe `dispute.reason`.
    pub stripe: &'static str,
    /// Visa reason code or family.
    pub visa: &'static str,
    /// Mastercard reason code(s).
    pub mastercard: &'static str,
}

impl BuiltinReason {
    pub const ALL: [BuiltinReason; 14] = [
        Self::NotReceived,
        Self::LateDelivery,
        Self::DamagedInTransit,
        Self::Defective,
        Self::NotAsDescribed,
        Self::WrongItem,
        Self::MissingItems,
        Self::ChangedMind,
        Self::Unauthorised,
        Self::DuplicateCharge,
        Self::IncorrectAmount,
        Self::CreditNotProcessed,
        Self::CancelledRecurring,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::NotReceived => "not_received",
            Self::LateDelivery => "late_delivery",
            Self::DamagedInTransit => "damaged_in_transit",
            Self::Defective => "defective",
            Self::NotAsDescribed => "not_as_described",
            Self::WrongItem => "wrong_item",
            Self::MissingItems => "missing_items",
            Self::ChangedMind => "changed_mind",
            Self::Unauthorised => "unauthorised",
            Self::DuplicateCharge => "duplicate_charge",
            Self::IncorrectAmount => "incorrect_amount",
            Self::CreditNotProcessed => "credit_not_processed",
            Self::CancelledRecurring => "cancelled_recurring",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// French label, as the interface shows it (GLOSSARY.md).
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::NotReceived => "Colis non reçu",
            Self::LateDelivery => "Retard de livraison",
            Self::DamagedInTransit => "Endommagé pendant le transport",
            Self::Defective => "Article défectueux",
            Self::NotAsDescribed => "Non conforme à la description",
            Self::WrongItem => "Article erroné",
            Self::MissingItems => "Article manquant",
            Self::ChangedMind => "Changement d'avis (rétractation)",
            Self::Unauthorised => "Paiement non autorisé",
            Self::DuplicateCharge => "Paiement en double",
            Self::IncorrectAmount => "Montant incorrect",
            Self::CreditNotProcessed => "Remboursement non reçu",
            Self::CancelledRecurring => "Abonnement résilié",
            Self::Other => "Autre",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::NotReceived => "Not received",
            Self::LateDelivery => "Late delivery",
            Self::DamagedInTransit => "Damaged in transit",
            Self::Defective => "Defective",
            Self::NotAsDescribed => "Not as described",
            Self::WrongItem => "Wrong item",
            Self::MissingItems => "Missing items",
            Self::ChangedMind => "Changed mind (withdrawal)",
            Self::Unauthorised => "Unauthorised payment",
            Self::DuplicateCharge => "Duplicate charge",
            Self::IncorrectAmount => "Incorrect amount",
            Self::CreditNotProcessed => "Credit not processed",
            Self::CancelledRecurring => "Cancelled recurring payment",
            Self::Other => "Other",
        }
    }

    pub fn mapping(self) -> ReasonMapping {
        let m = |paypal, stripe, visa, mastercard| ReasonMapping {
            paypal,
            stripe,
            visa,
            mastercard,
        };
        match self {
            Self::NotReceived => m(
                "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
                "product_not_received",
                "13.1",
                "4855",
            ),
            Self::LateDelivery => m(
                "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
                "product_not_received",
                "13.1",
                "4855",
            ),
            Self::DamagedInTransit => m(
                "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
                "product_unacceptable",
                "13.3",
                "4853",
            ),
            Self::Defective => m(
                "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
                "product_unacceptable",
                "13.3",
                "4853",
            ),
            Self::NotAsDescribed => m(
                "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
                "product_unacceptable",
                "13.3",
                "4853",
            ),
            Self::WrongItem => m(
                "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
                "product_unacceptable",
                "13.3",
                "4853",
            ),
            Self::MissingItems => m(
                "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED",
                "product_unacceptable",
                "13.3",
                "4853",
            ),
            Self::ChangedMind => m(
                "CREDIT_NOT_PROCESSED",
                "credit_not_processed",
                "13.7",
                "4853",
            ),
            Self::Unauthorised => m("UNAUTHORISED", "fraudulent", "10.4", "4837"),
            Self::DuplicateCharge => m("DUPLICATE_TRANSACTION", "duplicate", "12.6.1", "4834"),
            Self::IncorrectAmount => m("INCORRECT_AMOUNT", "general", "12.5", "4834"),
            Self::CreditNotProcessed => m(
                "CREDIT_NOT_PROCESSED",
                "credit_not_processed",
                "13.6",
                "4853",
            ),
            Self::CancelledRecurring => m(
                "CANCELED_RECURRING_BILLING",
                "subscription_canceled",
                "13.2",
                "4841",
            ),
            Self::Other => m("OTHER", "general", "13.5", "4853"),
        }
    }
}

/// A reason code: a built-in one or an operator's own under a built-in parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReasonCode(String);

impl ReasonCode {
    /// Checks the shape: `builtin` or `builtin.sub[.sub…]`, lower-case words.
    /// Whether a custom code exists is the [`ReasonTaxonomy`]'s business.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let invalid = || {
            FieldError::new(
                "reason",
                "reason.unknown",
                format!("unknown reason '{value}'"),
            )
            .with("reason", value)
        };
        let mut parts = value.split('.');
        let root = parts.next().ok_or_else(invalid)?;
        BuiltinReason::from_code(root).ok_or_else(invalid)?;
        for part in parts {
            let ok = !part.is_empty()
                && part.len() <= 40
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(invalid());
            }
        }
        if value.len() > 120 {
            return Err(invalid());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn builtin(reason: BuiltinReason) -> Self {
        Self(reason.code().to_owned())
    }

    /// The built-in reason at the root of this code.
    pub fn root(&self) -> BuiltinReason {
        let root = self.0.split('.').next().unwrap_or("other");
        BuiltinReason::from_code(root).unwrap_or(BuiltinReason::Other)
    }

    pub fn parent(&self) -> Option<ReasonCode> {
        self.0
            .rsplit_once('.')
            .map(|(parent, _)| ReasonCode(parent.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ReasonCode {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReasonCode::parse(&value).map_err(crate::validation::refused)
    }
}

impl From<ReasonCode> for String {
    fn from(value: ReasonCode) -> Self {
        value.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An operator's extension of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomReason {
    pub code: ReasonCode,
    pub label_fr: String,
    pub label_en: String,
    /// The product categories the reason fits (« Batterie défectueuse » for
    /// electronics, not for socks); empty: every category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl CustomReason {
    /// Whether the reason fits a product of `category` (letter case and accents aside).
    pub fn fits(&self, category: &str) -> bool {
        self.categories.is_empty() || {
            let wanted = crate::text::fold(category);
            self.categories
                .iter()
                .any(|c| crate::text::fold(c) == wanted)
        }
    }
}

/// The reasons one operator accepts: the built-ins plus its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonTaxonomy {
    pub custom: Vec<CustomReason>,
}

impl ReasonTaxonomy {
    /// Adds a custom code; its parent must already exist.
    pub fn add(&mut self, reason: CustomReason) -> Result<(), FieldError> {
        let parent = reason.code.parent().ok_or_else(|| {
            FieldError::new(
                "code",
                "reason.builtin_exists",
                "built-in codes cannot be redefined",
            )
        })?;
        if !self.contains(&parent) {
            return Err(FieldError::new(
                "code",
                "reason.unknown_parent",
                format!("unknown parent '{parent}'"),
            )
            .with("parent", parent.as_str()));
        }
        if self.contains(&reason.code) {
            return Err(FieldError::new(
                "code",
                "reason.duplicate",
                "this code already exists",
            ));
        }
        self.custom.push(reason);
        Ok(())
    }

    pub fn contains(&self, code: &ReasonCode) -> bool {
        code.parent().is_none() || self.custom.iter().any(|c| &c.code == code)
    }

    /// Parses a code and checks that this operator knows it.
    pub fn resolve(&self, value: &str) -> Result<ReasonCode, FieldError> {
        let code = ReasonCode::parse(value)?;
        if self.contains(&code) {
            Ok(code)
        } else {
            Err(FieldError::new(
                "reason",
                "reason.unknown",
                format!("unknown reason '{value}'"),
            )
            .with("reason", value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_round_trips_and_maps() {
        for reason in BuiltinReason::ALL {
            assert_eq!(BuiltinReason::from_code(reason.code()), Some(reason));
            let code = ReasonCode::parse(reason.code()).unwrap();
            assert_eq!(code.root(), reason);
            assert!(!reason.mapping().paypal.is_empty());
            assert!(!reason.label_fr().is_empty() && !reason.label_en().is_empty());
        }
    }

    #[test]
    fn paypal_reasons_exist_in_the_official_spec() {
        // The spec lists the reasons of the Disputes API; ours must be among them.
        let spec = include_str!("../../../reference/paypal/customer_disputes_v1.json");
        for reason in BuiltinReason::ALL {
            assert!(
                spec.contains(reason.mapping().paypal),
                "{}",
                reason.mapping().paypal
            );
        }
    }

    #[test]
    fn custom_codes_hang_under_known_parents() {
        let mut taxonomy = ReasonTaxonomy::default();
        let custom = |code: &str| CustomReason {
            categories: Vec::new(),
            code: ReasonCode::parse(code).unwrap(),
            label_fr: "Batterie".into(),
            label_en: "Battery".into(),
        };
        taxonomy.add(custom("defective.battery")).unwrap();
        taxonomy.add(custom("defective.battery.swollen")).unwrap();
        assert_eq!(
            taxonomy.add(custom("defective.battery")).unwrap_err().code,
            "reason.duplicate"
        );
        assert_eq!(
            taxonomy
                .add(custom("wrong_item.size.small"))
                .unwrap_err()
                .code,
            "reason.unknown_parent"
        );
        assert_eq!(
            taxonomy.add(custom("defective")).unwrap_err().code,
            "reason.builtin_exists"
        );
        assert_eq!(
            taxonomy
                .resolve("defective.battery.swollen")
                .unwrap()
                .root(),
            BuiltinReason::Defective
        );
        assert_eq!(
            taxonomy.resolve("defective.screen").unwrap_err().code,
            "reason.unknown"
        );
        assert_eq!(
            ReasonCode::parse("broken").unwrap_err().code,
            "reason.unknown"
        );
        assert_eq!(
            ReasonCode::parse("defective.Bad").unwrap_err().code,
            "reason.unknown"
        );
        assert_eq!(
            ReasonCode::parse("defective..x").unwrap_err().code,
            "reason.unknown"
        );
    }
}
