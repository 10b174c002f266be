//! Identifiers. Entity ids are UUIDs wrapped in distinct types so that a
//! merchant id can never be passed where a case id is expected.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[doc = $doc:literal])* $name:ident, $field:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds an id from 16 bytes (random or derived); the caller
            /// supplies the entropy so that the domain stays pure.
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            pub fn parse(value: &str) -> Result<Self, FieldError> {
                Uuid::parse_str(value.trim())
                    .map(Self)
                    .map_err(|_| FieldError::new($field, "id.invalid", "must be a UUID"))
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::uuid(&[$($doc),*])
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

uuid_id!(
    /// The marketplace operator: the tenant every record belongs to.
    OperatorId, "operator_id"
);
uuid_id!(
    /// A merchant (seller) under an operator.
    MerchantId, "merchant_id"
);
uuid_id!(
    /// amiable's own id for an imported order.
    OrderId, "order_id"
);
uuid_id!(
    /// A case: one problem with one order.
    CaseId, "case_id"
);

/// A short textual key made of `[A-Za-z0-9._:/#-]`, used for external ids,
/// SKUs, slugs and line ids that come from other systems.
macro_rules! key_id {
    ($(#[doc = $doc:literal])* $name:ident, $field:literal, $max:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, FieldError> {
                let value = value.trim();
                if value.is_empty() {
                    return Err(FieldError::new($field, "key.empty", "must not be empty"));
                }
                if value.len() > $max {
                    return Err(FieldError::new($field, "key.too_long", concat!("must be at most ", $max, " characters")));
                }
                if !value.chars().all(|c| c.is_ascii_alphanumeric() || "._:/#-".contains(c)) {
                    return Err(FieldError::new(
                        $field,
                        "key.invalid_character",
                        "may contain only letters, digits and . _ : / # -",
                    ));
                }
                Ok(Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value).map_err(crate::validation::refused)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::key(&[$($doc),*], $max)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

key_id!(
    /// The order number in the shop that sold it ("CMD-2026-004512").
    ExternalId, "external_id", 100
);
key_id!(
    /// A stock-keeping unit.
    Sku, "sku", 64
);
key_id!(
    /// A line's id inside its order ("1", "2", or the shop's own line id).
    LineId, "line_id", 64
);
key_id!(
    /// A lower-case url-safe name for an operator or merchant.
    Slug, "slug", 64
);

impl CaseId {
    /// A short reference for people (subjects, SMS, the inbox): the id's first 8
    /// characters, upper-case.
    pub fn short(&self) -> String {
        self.to_string()[..8].to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_parse_and_display() {
        let id = CaseId::parse("67e55044-10b1-426f-9247-bb680e5fe0c8").unwrap();
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(CaseId::parse("nope").unwrap_err().code, "id.invalid");
        assert_eq!(CaseId::parse("nope").unwrap_err().field, "case_id");
        let from_bytes = OrderId::from_bytes([7; 16]);
        assert_eq!(OrderId::parse(&from_bytes.to_string()).unwrap(), from_bytes);
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(
            Sku::parse(" TSHIRT-BLEU-M ").unwrap().as_str(),
            "TSHIRT-BLEU-M"
        );
        assert_eq!(Sku::parse("").unwrap_err().code, "key.empty");
        assert_eq!(Sku::parse("a b").unwrap_err().code, "key.invalid_character");
        assert_eq!(
            Sku::parse(&"x".repeat(65)).unwrap_err().code,
            "key.too_long"
        );
        assert_eq!(
            ExternalId::parse("CMD-2026/0045#2").unwrap().as_str(),
            "CMD-2026/0045#2"
        );
        assert!(serde_json::from_str::<Sku>("\"é\"").is_err());
    }
}
