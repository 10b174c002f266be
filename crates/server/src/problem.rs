//! Errors at the HTTP edge: every client error is an RFC 9457 problem
//! document (`application/problem+json`) with a stable `code` and, when
//! fields are at fault, per-field `errors`. Internal errors are logged with
//! their cause and answered with a generic 500 that leaks nothing.
//!
//! A problem carries its code and the values its message names; its words
//! come from the catalogues (`amiable_i18n`), rendered once, when the answer
//! is made, in the language the request negotiated ([`LANG`], set by the
//! `localise` layer). The English text a problem is built with is what logs
//! say, and the text of last resort.

use amiable_domain::validation::{Arg, FieldError, ValidationErrors};
use amiable_i18n::Lang;
use amiable_store::{CommandError, StoreError};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub const PROBLEM_JSON: &str = "application/problem+json";

tokio::task_local! {
    /// The language of the request being answered (the `localise` layer sets it).
    pub static LANG: Lang;
}

/// The language of the request being answered, English outside one.
pub fn current_lang() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// A field at fault.
#[derive(Debug, Clone)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    /// In English.
    pub message: String,
    /// The values the message names.
    pub args: Vec<(&'static str, Arg)>,
}

impl ProblemField {
    /// The message in `lang`: the catalogue's, else the English one.
    pub fn text(&self, lang: Lang) -> String {
        amiable_i18n::problem(lang, &self.code, &self.args).unwrap_or_else(|| self.message.clone())
    }
}

/// An RFC 9457 problem document, before it is written in a language.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    /// In English: what logs say, and the text of last resort.
    pub detail: String,
    /// The values the message names.
    pub args: Vec<(&'static str, Arg)>,
    pub errors: Vec<ProblemField>,
    /// Extra members, e.g. the current version on a conflict.
    pub extra: Option<Map<String, Value>>,
    /// Seconds for the `Retry-After` header of a 429.
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            extra: None,
            retry_after: None,
            args: Vec::new(),
        }
    }

    /// Names `value` as `name` for the message.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
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

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }

    /// The message in `lang`: the catalogue's for the code, else the English detail.
    pub fn text(&self, lang: Lang) -> String {
        amiable_i18n::problem(lang, &self.code, &self.args).unwrap_or_else(|| self.detail.clone())
    }

    /// The document in `lang`.
    pub fn document(&self, lang: Lang) -> Value {
        let mut document = Map::new();
        document.insert(
            "type".into(),
            format!("urn:amiable:problem:{}", self.code).into(),
        );
        document.insert(
            "title".into(),
            amiable_i18n::title(lang, self.status).into(),
        );
        document.insert("status".into(), self.status.into());
        document.insert("detail".into(), self.text(lang).into());
        document.insert("code".into(), self.code.clone().into());
        if !self.errors.is_empty() {
            let errors: Vec<Value> = self
                .errors
                .iter()
                .map(|e| json!({ "field": e.field, "code": e.code, "message": e.text(lang) }))
                .collect();
            document.insert("errors".into(), errors.into());
        }
        for (key, value) in self.extra.iter().flatten() {
            document.insert(key.clone(), value.clone());
        }
        Value::Object(document)
    }

    pub fn validation(errors: ValidationErrors) -> Self {
        amiable_app::Error::validation(errors).into()
    }

    pub fn not_found(what: &str) -> Self {
        amiable_app::Error::not_found(what).into()
    }

    /// 401: no credential, or one that is not valid.
    pub fn unauthorized(code: &str, detail: &str) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403: the principal may not do this.
    pub fn forbidden() -> Self {
        amiable_app::Error::forbidden().into()
    }

    /// 429 with the time until the next attempt is allowed.
    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        amiable_app::Error::rate_limited(retry_after).into()
    }

    /// A 400 for query parameters, with the offending fields.
    pub fn bad_query(errors: ValidationErrors) -> Self {
        let mut problem = Problem::validation(errors);
        problem.status = 400;
        problem.code = "query.invalid".into();
        problem
    }

    /// A 422 naming one field.
    pub fn field(field: &str, code: &'static str, message: &str) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            .with_fields([FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        amiable_app::Error::internal().into()
    }
}

impl IntoResponse for Problem {
    /// Written once, in the request's language.
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let lang = current_lang();
        let body = serde_json::to_vec(&self.document(lang)).unwrap_or_default();
        let mut response = (
            status,
            [
                (header::CONTENT_TYPE, PROBLEM_JSON),
                (header::CONTENT_LANGUAGE, lang.as_str()),
            ],
            body,
        )
            .into_response();
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
        problem.extra = error.extra.map(|extra| *extra);
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
