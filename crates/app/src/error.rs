//! The one error of the use-case layer: a refusal (with its stable code, the
//! fields at fault and the values its message names) or a failure of ours.
//! Adapters map it once: the JSON API to an RFC 9457 problem document, the
//! web pages to messages beside the fields, the command line to a line on
//! stderr and an exit code. Nothing here knows HTTP.

use amiable_domain::case::Rejection;
use amiable_domain::validation::{Arg, FieldError, ValidationErrors};
use amiable_store::{CommandError, StoreError};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What kind of refusal or failure; the adapter chooses its own words for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request itself is malformed (a query parameter, a header value).
    BadRequest,
    /// No valid credential.
    Unauthenticated,
    /// The caller's role does not allow it.
    Forbidden,
    /// Absent, or out of the caller's reach (the two are never told apart).
    NotFound,
    /// The case's state does not allow it now (a status, a stage, a stale version).
    Conflict,
    /// Some fields are invalid.
    Invalid,
    /// Too large (a file beyond the upload limit).
    TooLarge,
    /// A kind of content that is not accepted.
    UnsupportedType,
    /// Too many attempts: try again after this many seconds.
    RateLimited { retry_after_secs: u64 },
    /// A party outside (carrier, payment gateway) did not answer: try again later.
    Unavailable,
    /// A failure of ours, logged where it happened; nothing to tell but sorry.
    Internal,
}

/// A use case's refusal or failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    pub kind: Kind,
    /// Stable: clients and translations key on it.
    pub code: Cow<'static, str>,
    /// In English, for logs and as the text of last resort.
    pub message: String,
    /// The values the message names, by the catalogue's variable names.
    pub args: Vec<(&'static str, Arg)>,
    /// The fields at fault, each with its own code.
    pub fields: Vec<FieldError>,
    /// Members for machines, such as the current version on a conflict.
    /// Boxed: rare, and it keeps `Result<T, Error>` small on the happy path.
    pub extra: Option<Box<Map<String, Value>>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Error {
            kind,
            code: code.into(),
            message: message.into(),
            args: Vec::new(),
            fields: Vec::new(),
            extra: None,
        }
    }

    /// Names `value` as `name` for the message.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn with_fields(mut self, fields: impl IntoIterator<Item = FieldError>) -> Self {
        self.fields = fields.into_iter().collect();
        self
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }

    /// Absent or out of reach: `<what>.not_found`.
    pub fn not_found(what: &str) -> Self {
        Error::new(
            Kind::NotFound,
            format!("{what}.not_found"),
            format!("no such {what}"),
        )
    }

    /// The caller's role never allows this.
    pub fn forbidden() -> Self {
        Error::new(
            Kind::Forbidden,
            "auth.forbidden",
            "your role does not allow this action",
        )
    }

    pub fn unauthenticated(code: &'static str, message: &str) -> Self {
        Error::new(Kind::Unauthenticated, code, message)
    }

    /// Several fields are invalid (`validation.failed`), each with its own code.
    pub fn validation(errors: ValidationErrors) -> Self {
        let message = match errors.0.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Error::new(Kind::Invalid, "validation.failed", message).with_fields(errors.0)
    }

    /// One field is invalid; the error takes the field's code.
    pub fn field(error: FieldError) -> Self {
        let mut this = Error::new(Kind::Invalid, error.code, error.message.clone());
        this.args = error.args.clone();
        this.fields = vec![error];
        this
    }

    /// A 422-like refusal naming one field, built in place.
    pub fn invalid_field(field: &str, code: &'static str, message: &str) -> Self {
        Error::field(FieldError::new(field, code, message))
    }

    /// Too many attempts.
    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Error::new(
            Kind::RateLimited {
                retry_after_secs: seconds,
            },
            "rate_limited",
            format!("too many attempts; try again in {seconds} s"),
        )
        .with("seconds", seconds as i64)
        .with_extra("retry_after", seconds.into())
    }

    /// A failure of ours: the cause is logged where it happened, never shown.
    pub fn internal() -> Self {
        Error::new(
            Kind::Internal,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    /// Logs `cause` and answers [`Error::internal`].
    pub fn internal_because(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what}");
        Error::internal()
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(errors) => Error::validation(errors),
            StoreError::NotFound(what) => Error::not_found(what),
            StoreError::Duplicate(what) => Error::new(
                Kind::Conflict,
                format!("{what}.duplicate"),
                format!("this {what} already exists"),
            ),
            other => Error::internal_because("storage error", other),
        }
    }
}

impl From<CommandError> for Error {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::Rejected(rejection) => Error::from(rejection),
            CommandError::Conflict { current_version } => Error::new(
                Kind::Conflict,
                "case.version_conflict",
                format!(
                    "the case has changed: it is now at version {current_version}; reload it and try again"
                ),
            )
            .with("current_version", current_version)
            .with_extra("current_version", current_version.into()),
            CommandError::CaseNotFound => Error::not_found("case"),
            CommandError::OrderNotFound => {
                Error::field(FieldError::new("order_id", "order.not_found", "no such order"))
            }
            CommandError::Storage(error) => error.into(),
        }
    }
}

impl From<Rejection> for Error {
    fn from(rejection: Rejection) -> Self {
        let kind = match &rejection {
            Rejection::Invalid(_) | Rejection::OrderRequired => Kind::Invalid,
            Rejection::PartyNotAllowed { .. } | Rejection::OfferNotAddressedToYou { .. } => {
                Kind::Forbidden
            }
            Rejection::NotOpened => Kind::NotFound,
            Rejection::AlreadyOpened
            | Rejection::InvalidStatus { .. }
            | Rejection::OfferNotPending { .. }
            | Rejection::StageNotHigher { .. }
            | Rejection::DecisionStage { .. }
            | Rejection::ReturnStage { .. } => Kind::Conflict,
        };
        let mut error = Error::new(kind, rejection.code(), rejection.to_string());
        error.args = rejection.args();
        if let Some(field) = rejection.field() {
            let mut at = FieldError::new(field, rejection.code(), rejection.to_string());
            at.args = error.args.clone();
            error.fields = vec![at];
        }
        error
    }
}
