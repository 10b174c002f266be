//! Errors at the HTTP edge: every client error is an RFC 9457 problem
//! document (`application/problem+json`) with a stable `code` and, when
//! fields are at fault, per-field `errors`. Internal errors are logged with
//! their cause and answered with a generic 500 that leaks nothing.

use amiable_domain::validation::{Arg, FieldError, ValidationErrors};
use amiable_store::{CommandError, StoreError};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
    /// The values the message names, for its translation.
    #[serde(skip)]
    pub args: Vec<(&'static str, Arg)>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// Extra members, e.g. the current version on a conflict.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
    /// Seconds for the `Retry-After` header of a 429.
    #[serde(skip)]
    pub retry_after: Option<u64>,
    /// The values the message names, for its translation.
    #[serde(skip)]
    pub args: Vec<(&'static str, Arg)>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("urn:amiable:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            extra: None,
            retry_after: None,
            args: Vec::new(),
        }
    }

    pub fn with_fields(mut self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        self.errors = errors
            .into_iter()
            .map(|e| ProblemField {
                field: e.field,
                code: e.code.to_owned(),
                message: e.message,
                args: e.args,
            })
            .collect();
        self
    }

    pub fn with_extra(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }

    pub fn validation(errors: ValidationErrors) -> Self {
        let detail = match errors.0.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.failed",
            detail,
        )
        .with_fields(errors.0)
    }

    pub fn not_found(what: &str) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            &format!("{what}.not_found"),
            format!("no such {what}"),
        )
    }

    /// 401: no credential, or one that is not valid.
    pub fn unauthorized(code: &str, detail: &str) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403: the principal may not do this.
    pub fn forbidden() -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "auth.forbidden",
            "your role does not allow this action",
        )
    }

    /// 429 with the time until the next attempt is allowed.
    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        let mut problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; try again in {seconds} s"),
        )
        .with_extra("retry_after", seconds.into());
        problem.retry_after = Some(seconds);
        problem
    }

    /// A 400 for query parameters, with the offending fields.
    pub fn bad_query(errors: ValidationErrors) -> Self {
        let mut problem = Problem::validation(errors);
        problem.status = 400;
        problem.title = "Bad Request".into();
        problem.code = "query.invalid".into();
        problem.kind = "urn:amiable:problem:query.invalid".into();
        problem
    }

    /// A 422 naming one field.
    pub fn field(field: &str, code: &'static str, message: &str) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            .with_fields([FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"amiable\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

impl From<amiable_app::Error> for Problem {
    fn from(error: amiable_app::Error) -> Self {
        use amiable_app::Kind;
        let status = match error.kind {
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut problem =
            Problem::new(status, &error.code, error.message).with_fields(error.fields);
        problem.args = error.args;
        if let Kind::RateLimited { retry_after_secs } = error.kind {
            problem.retry_after = Some(retry_after_secs);
        }
        if !error.extra.is_empty() {
            problem.extra = Some(error.extra);
        }
        problem
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        amiable_app::Error::from(error).into()
    }
}

impl From<CommandError> for Problem {
    fn from(error: CommandError) -> Self {
        amiable_app::Error::from(error).into()
    }
}
