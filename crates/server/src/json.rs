//! A JSON body extractor whose failures are problem documents naming the field.

use crate::problem::Problem;
use amiable_domain::validation::FieldError;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but: 415 for a non-JSON content type, 413 over the
/// body limit, 400 for malformed JSON, 422 naming the field for a value of
/// the wrong type, a missing field, an unknown field or a value that fails
/// its checking constructor.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = read_limited(request).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// Reads a request body of at most [`crate::MAX_JSON_BODY`] bytes. Beyond it, the rest is
/// read and thrown away (up to [`crate::api::attachments::DRAIN_ALLOWANCE`]) before the 413,
/// so that a client still sending gets the answer instead of a connection reset.
async fn read_limited(request: Request) -> Result<Vec<u8>, Problem> {
    use http_body_util::BodyExt;
    let mut body = request.into_body();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "request.unreadable",
                error.to_string(),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if over || bytes.len() + data.len() > crate::MAX_JSON_BODY {
            over = true;
            bytes = Vec::new();
            if seen > crate::api::attachments::DRAIN_ALLOWANCE {
                break;
            }
            continue;
        }
        bytes.extend_from_slice(&data);
    }
    if over {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "the request body is over the size limit",
        ));
    }
    Ok(bytes)
}

/// A JSON body that may be left out entirely (an empty body is `None`);
/// when present it is checked exactly like [`JsonBody`].
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v == "0")
            || (!request.headers().contains_key(header::CONTENT_TYPE)
                && !request.headers().contains_key(header::TRANSFER_ENCODING)
                && !request.headers().contains_key(header::CONTENT_LENGTH));
        if empty {
            return Ok(OptionalJsonBody(None));
        }
        JsonBody::from_request(request, state)
            .await
            .map(|JsonBody(value)| OptionalJsonBody(Some(value)))
    }
}

/// Parses JSON, reporting the path of the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let (value, refused) = amiable_domain::validation::reading(|| {
        serde_path_to_error::deserialize::<_, T>(&mut deserializer)
    });
    let value = value.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => malformed(&inner),
            serde_json::error::Category::Data => {
                let field = if path == "." { String::new() } else { path };
                let raw = strip_position(&inner.to_string());
                let code = field_code(&raw);
                let message = constructor_message(&raw, code);
                // The constructor's own refusal, when it is the one serde reported: it names
                // the values its message needs in the reader's language.
                let args = refused
                    .filter(|refusal| refusal.code == code)
                    .map(|refusal| refusal.args)
                    .unwrap_or_default();
                let mut problem = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    format!("{field}: {message}"),
                );
                problem.args = args.clone();
                let mut error = FieldError::new(field, code, message);
                error.args = args;
                problem.with_fields([error])
            }
        }
    })?;
    // One JSON value and nothing after it.
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "request.malformed_json",
        format!("malformed JSON: {error}"),
    )
    .with("error", error.to_string())
}

/// serde_json appends " at line L column C"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// A checking constructor's error reads "field: message (code)"; keep the message.
fn constructor_message(raw: &str, code: &str) -> String {
    match raw.strip_suffix(&format!(" ({code})")) {
        Some(rest) => rest
            .split_once(": ")
            .map_or(rest, |(_, message)| message)
            .to_owned(),
        None => raw.to_owned(),
    }
}

/// Checking constructors put their stable code in the message ("… (money.negative)");
/// serde's own errors get a generic code.
fn field_code(message: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "text.empty",
        "text.too_long",
        "text.control_character",
        "currency.unknown",
        "email.invalid",
        "phone.invalid",
        "key.empty",
        "key.too_long",
        "key.invalid_character",
        "id.invalid",
        "quantity.not_positive",
        "quantity.too_large",
        "reason.unknown",
        "locale.unsupported",
    ];
    KNOWN
        .iter()
        .find(|code| message.contains(&format!("({code})")))
        .copied()
        .unwrap_or(if message.starts_with("missing field") {
            "field.missing"
        } else if message.starts_with("unknown field") {
            "field.unknown"
        } else if message.starts_with("unknown variant") {
            "field.unknown_value"
        } else {
            "field.invalid"
        })
}
