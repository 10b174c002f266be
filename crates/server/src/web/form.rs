//! Forms: reading `application/x-www-form-urlencoded` and `multipart/form-data`
//! bodies within limits, and the errors shown beside the fields.

use super::WebError;
use crate::AppState;
use crate::i18n::Lang;
use crate::problem::Problem;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};

/// Largest urlencoded form body.
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// Most files one form may carry (photos of a return or a message).
pub const MAX_FILES: usize = 5;

/// The fields of a submitted form, in order (a name may repeat).
#[derive(Debug, Clone, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Form { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The field's value without surrounding spaces ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.get(name).map(str::trim).unwrap_or("")
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A checkbox: present with any value but "" / "0" / "off" / "false".
    pub fn checked(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| !matches!(v.trim(), "" | "0" | "off" | "false"))
    }

    /// The fields whose names start with `prefix`, with the rest of the name.
    pub fn prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.pairs
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }

    /// The case version the form was rendered at (its `If-Match`): `None` when the
    /// form has none; a form whose version is not a version is refused, never sent
    /// without the check.
    pub fn version(&self) -> Result<Option<i64>, super::WebError> {
        match self.get("version") {
            None => Ok(None),
            Some(text) => match text.trim().parse::<i64>() {
                Ok(v) if v >= 1 => Ok(Some(v)),
                _ => Err(super::WebError::page(
                    axum::http::StatusCode::BAD_REQUEST,
                    "error-refused-title",
                    "error-form-unreadable",
                )),
            },
        }
    }
}

/// A form body read with its limit (`FormBody(form)` in a handler).
pub struct FormBody(pub Form);

impl FromRequest<AppState> for FormBody {
    type Rejection = WebError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, WebError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Err(WebError::page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-refused-title",
                "error-form-type",
            ));
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                WebError::page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "error-too-large-title",
                    "error-too-large-body",
                )
            })?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(FormBody(Form::from_pairs(crate::api::cases::query_pairs(
            Some(&text),
        ))))
    }
}

/// A file sent with a form.
#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a multipart form carried, and whether files had to be refused on the way.
#[derive(Debug, Default)]
pub struct Submission {
    pub form: Form,
    pub uploads: Vec<Upload>,
    /// A file was over the upload limit (its bytes and the rest were discarded).
    pub too_large: bool,
    /// More files than [`MAX_FILES`] were sent.
    pub too_many: bool,
}

/// A `multipart/form-data` form (`MultipartForm(submission)`); a urlencoded one is
/// accepted too (a form without files). Text fields come first in the page, so a
/// file over the limit still leaves what the person typed to show back.
pub struct MultipartForm(pub Submission);

impl FromRequest<AppState> for MultipartForm {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, WebError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let FormBody(form) = FormBody::from_request(request, state).await?;
            return Ok(MultipartForm(Submission {
                form,
                ..Submission::default()
            }));
        }
        // Files are read only for someone who may send them: a staff session on the
        // console, an order's access on the portal (the handler checks the rest).
        let path = request.uri().path().to_owned();
        let headers = request.headers().clone();
        if path.starts_with("/console") {
            if crate::auth::session_of(state, &headers).await?.is_none() {
                return Err(WebError::Redirect("/console/login".to_owned()));
            }
        } else if path.starts_with("/suivi") {
            let now = jiff::Timestamp::now();
            let has_access = crate::auth::cookie(&headers, super::BUYER_COOKIE)
                .unwrap_or("")
                .split('~')
                .any(|token| state.app().buyer_tokens().verify(token, now).is_ok());
            if !has_access {
                return Err(WebError::Redirect("/suivi?acces=expire".to_owned()));
            }
        }
        let mut multipart = Multipart::from_request(request, state).await.map_err(|_| {
            WebError::page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-refused-title",
                "error-form-type",
            )
        })?;
        let max = state.inner.config.max_upload_bytes;
        let mut submission = Submission::default();
        let mut pairs = Vec::new();
        let mut text_bytes = 0usize;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    submission.too_large = true;
                    break;
                }
                Err(_) => {
                    return Err(WebError::page(
                        StatusCode::BAD_REQUEST,
                        "error-refused-title",
                        "error-form-unreadable",
                    ));
                }
            };
            let name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(str::to_owned) {
                Some(filename) => {
                    let mut field = field;
                    let mut bytes = Vec::new();
                    let mut over = false;
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                if over || bytes.len() + chunk.len() > max {
                                    over = true;
                                    bytes.clear();
                                } else {
                                    bytes.extend_from_slice(&chunk);
                                }
                            }
                            Ok(None) => break,
                            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                                over = true;
                                break;
                            }
                            Err(_) => {
                                return Err(WebError::page(
                                    StatusCode::BAD_REQUEST,
                                    "error-refused-title",
                                    "error-form-unreadable",
                                ));
                            }
                        }
                    }
                    if over {
                        submission.too_large = true;
                    } else if !bytes.is_empty() {
                        // An empty file input sends an empty part: nothing was chosen.
                        if submission.uploads.len() >= MAX_FILES {
                            submission.too_many = true;
                        } else {
                            submission.uploads.push(Upload {
                                field: name,
                                filename: (!filename.is_empty()).then_some(filename),
                                bytes,
                            });
                        }
                    }
                }
                None => {
                    let value = field.text().await.unwrap_or_default();
                    text_bytes += value.len();
                    if text_bytes > MAX_FORM_BYTES {
                        return Err(WebError::page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "error-too-large-title",
                            "error-too-large-body",
                        ));
                    }
                    pairs.push((name, value));
                }
            }
        }
        submission.form = Form::from_pairs(pairs);
        Ok(MultipartForm(submission))
    }
}

/// The errors of a form: beside each field, and for the form as a whole.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    fields: Vec<(String, String)>,
    general: Vec<String>,
    /// The catalogue key of the summary's title, when "could not be saved" would not fit
    /// (a search that found nothing, a sign-in refused).
    title: Option<&'static str>,
}

impl Errors {
    /// The same errors, summed up under the message `key`.
    pub fn titled(mut self, key: &'static str) -> Self {
        self.title = Some(key);
        self
    }

    /// The catalogue key of the summary's title.
    pub fn title_key(&self) -> &'static str {
        self.title.unwrap_or("form-errors-title")
    }

    /// The message beside `field`, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether `field` has an error (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.of(field).is_some()
    }

    /// The message beside the field `prefix` + `index` (`qty_2`).
    pub fn of_at(&self, prefix: &str, index: impl std::fmt::Display) -> Option<&str> {
        self.of(&format!("{prefix}{index}"))
    }

    pub fn has_at(&self, prefix: &str, index: impl std::fmt::Display) -> bool {
        self.of_at(prefix, index).is_some()
    }

    /// The id of the field's error message (for `aria-describedby`).
    pub fn id(&self, field: &str) -> String {
        format!("{field}-error")
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || !self.general.is_empty()
    }

    pub fn general(&self) -> &[String] {
        &self.general
    }

    /// Every message, general first (for the summary at the top of the form).
    pub fn all(&self) -> Vec<(Option<String>, String)> {
        self.general
            .iter()
            .map(|m| (None, m.clone()))
            .chain(
                self.fields
                    .iter()
                    .map(|(f, m)| (Some(f.clone()), m.clone())),
            )
            .collect()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.has(field) {
            self.fields.push((field.to_owned(), message.into()));
        }
    }

    /// A refused text field, beside it: the message `empty_key` when it was left empty,
    /// otherwise the catalogue's message for the refusal (too long, control characters…).
    pub fn add_text(
        &mut self,
        field: &str,
        error: &amiable_domain::validation::FieldError,
        lang: Lang,
        empty_key: &str,
    ) {
        let message = if error.code == "text.empty" {
            super::i18n::message(lang, empty_key, None)
        } else {
            crate::i18n::problem(lang, error.code, &error.args)
                .unwrap_or_else(|| error.message.clone())
        };
        self.add(field, message);
    }

    pub fn add_general(&mut self, message: impl Into<String>) {
        self.general.push(message.into());
    }

    /// The errors of a refused command or request, in `lang`. `field_of` maps a
    /// field path of the API (`items[0].quantity`) to the form's field; errors it
    /// does not place go to the top of the form.
    pub fn from_problem(
        problem: &Problem,
        lang: Lang,
        field_of: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut errors = Errors::default();
        for field in &problem.errors {
            let text = field.text(lang);
            match field_of(&field.field) {
                Some(name) => errors.add(&name, text),
                None => errors.add_general(text),
            }
        }
        if problem.errors.is_empty() || problem.code != "validation.failed" {
            let top = if problem.code == "case.version_conflict" {
                super::i18n::message(lang, "error-conflict-body", None)
            } else {
                problem.text(lang)
            };
            if problem.errors.is_empty()
                || !errors.fields.iter().any(|(_, m)| *m == top) && !errors.general.contains(&top)
            {
                errors.general.insert(0, top);
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields() {
        let form = Form::from_pairs(vec![
            ("a".into(), " x ".into()),
            ("qty_1".into(), "2".into()),
            ("qty_2".into(), "0".into()),
            ("tag".into(), "p".into()),
            ("tag".into(), "q".into()),
            ("ok".into(), "on".into()),
        ]);
        assert_eq!(form.text("a"), "x");
        assert_eq!(form.text("missing"), "");
        assert_eq!(form.all("tag").collect::<Vec<_>>(), ["p", "q"]);
        assert!(form.checked("ok") && !form.checked("missing"));
        assert_eq!(
            form.prefixed("qty_").collect::<Vec<_>>(),
            [("1", "2"), ("2", "0")]
        );
    }

    #[test]
    fn problems_land_beside_their_fields() {
        let problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.failed",
            "2 fields are invalid",
        )
        .with_fields([
            amiable_domain::validation::FieldError::new(
                "items[0].quantity",
                "return.already_returned",
                "more than was delivered",
            ),
            amiable_domain::validation::FieldError::new("description", "text.too_long", "long"),
        ]);
        let errors = Errors::from_problem(&problem, Lang::En, |path| {
            path.starts_with("items[0]").then(|| "qty_1".to_owned())
        });
        assert!(errors.has("qty_1"));
        assert!(!errors.has("description"));
        assert_eq!(errors.general().len(), 1, "{errors:?}");
        // A rejection without fields goes to the top.
        let refused = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "case.invalid_status",
            "not possible",
        );
        let errors = Errors::from_problem(&refused, Lang::Fr, |_| None);
        assert_eq!(errors.general().len(), 1);
    }
}
