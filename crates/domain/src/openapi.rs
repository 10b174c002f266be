//! JSON schemas of the domain's value types, for the server's OpenAPI
//! document (cargo feature `openapi`).
//!
//! Types whose JSON shape serde derives get `ToSchema` by derive beside their
//! definition. The types here serialize through a checking constructor
//! (`try_from = "String"` and the like), so a derive would describe their Rust
//! fields instead of their JSON: their schemas are written by hand and say
//! what the constructor accepts.

use crate::contact::{Email, Phone};
use crate::order::{MAX_LINE_QUANTITY, Quantity};
use crate::reason::{BuiltinReason, ReasonCode};
use crate::text::Text;
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

/// A string schema with its description.
pub(crate) fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// Doc comment lines as one description.
fn doc(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|line| line.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The schema of a UUID identifier, described by its doc comment.
pub(crate) fn uuid(doc_lines: &[&str]) -> RefOr<Schema> {
    string(&doc(doc_lines))
        .format(Some(SchemaFormat::Custom("uuid".to_owned())))
        .into()
}

/// The schema of a short key of `[A-Za-z0-9._:/#-]`, described by its doc comment.
pub(crate) fn key(doc_lines: &[&str], max: usize) -> RefOr<Schema> {
    string(&doc(doc_lines))
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some("^[A-Za-z0-9._:/#-]+$"))
        .into()
}

impl<const MAX: usize> PartialSchema for Text<MAX> {
    fn schema() -> RefOr<Schema> {
        string(&format!(
            "Free text, trimmed: 1 to {MAX} characters, no control characters \
             other than newlines and tabs."
        ))
        .min_length(Some(1))
        .max_length(Some(MAX))
        .into()
    }
}

impl<const MAX: usize> ToSchema for Text<MAX> {
    /// The two sizes in use are named after their aliases.
    fn name() -> Cow<'static, str> {
        match MAX {
            300 => Cow::Borrowed("Label"),
            10_000 => Cow::Borrowed("Body"),
            other => Cow::Owned(format!("Text{other}")),
        }
    }
}

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        string("An email address; the domain is lower-cased.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(254))
            .examples(["jeanne.martin@exemple.fr"])
            .into()
    }
}

impl ToSchema for Email {}

impl PartialSchema for Phone {
    fn schema() -> RefOr<Schema> {
        string("A phone number as the shop gave it: 6 to 20 digits, with spaces and `+().-`.")
            .pattern(Some(r"^[0-9 +().-]+$"))
            .examples(["+33 6 12 34 56 78"])
            .into()
    }
}

impl ToSchema for Phone {}

impl PartialSchema for Quantity {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some("A count of units."))
            .minimum(Some(1))
            .maximum(Some(MAX_LINE_QUANTITY))
            .into()
    }
}

impl ToSchema for Quantity {}

impl PartialSchema for ReasonCode {
    fn schema() -> RefOr<Schema> {
        let builtin: Vec<&str> = BuiltinReason::ALL.iter().map(|r| r.code()).collect();
        string(&format!(
            "A built-in reason ({}), or an operator's own code under one \
             (`defective.battery`).",
            builtin.join(", ")
        ))
        .max_length(Some(120))
        .pattern(Some(format!(
            "^({})(\\.[a-z0-9_]{{1,40}})*$",
            builtin.join("|")
        )))
        .examples(["not_received"])
        .into()
    }
}

impl ToSchema for ReasonCode {}
