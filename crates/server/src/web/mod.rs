//! The web interface: the buyer portal (`/suivi`), the merchant and operator
//! console (`/console`), in French and English.
//!
//! Pages are rendered on the server from askama templates (checked at compile
//! time) and work without JavaScript; htmx, served from the binary like the
//! styles, only makes some of them update in place (the inbox filters, the
//! case's actions). Every form carries a CSRF token; every state change goes
//! through the same functions as the JSON API, so the pages cannot do what
//! the API would refuse, and a refused command re-renders its form with the
//! message beside the field.

pub mod assets;
pub mod buyer;
pub mod console;
pub mod form;
pub mod mail;
pub use amiable_i18n as i18n;
pub use amiable_i18n::format;
#[cfg(test)]
mod catalogue_tests;
pub mod operator;
pub mod policy;
pub mod shared;
pub mod sla;
pub mod tenant_settings;
pub mod timeline;
pub mod ui;

use crate::AppState;
use crate::auth::{SessionAuth, constant_time_eq, cookie, session_of};
use crate::i18n::Lang;
use crate::problem::Problem;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
pub use ui::Ui;

/// The language the visitor chose with the switcher.
pub const LANG_COOKIE: &str = "amiable_lang";
/// The double-submit token of forms shown to visitors without a staff session.
pub const CSRF_COOKIE: &str = "amiable_csrf";
/// The buyer's access tokens to their orders (from the lookup or an emailed link).
pub const BUYER_COOKIE: &str = "amiable_buyer";
/// The form field every POST carries.
pub const CSRF_FIELD: &str = "csrf";

/// The interface's routes (everything but `/api`, `/metrics` and the health checks).
pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/langue/{code}", get(switch_language))
        .route("/assets/{name}", get(assets::serve))
        .merge(buyer::routes(upload_limit))
        .merge(console::routes(upload_limit))
        .merge(operator::routes())
        .merge(tenant_settings::routes())
        .merge(sla::routes())
        .merge(policy::routes())
        .merge(mail::routes())
        .layer(axum::middleware::from_fn(page_errors))
}

async fn home() -> Response {
    redirect("/suivi")
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// `GET /langue/{fr|en}?next=/path`: remembers the choice for a year, back to the page.
async fn switch_language(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = match code.as_str() {
        "fr" => Lang::Fr,
        "en" => Lang::En,
        _ => return WebError::not_found().into_response(),
    };
    let next = local_path(query.next.as_deref()).unwrap_or("/suivi");
    let mut response = redirect(next);
    let secure = state.secure_cookies(&headers);
    set_cookie(
        &mut response,
        &format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.as_str(),
            if secure { "; Secure" } else { "" }
        ),
    );
    response
}

/// A path of this site, never another origin (`//evil`, `https://…`, `/\evil`).
pub fn local_path(next: Option<&str>) -> Option<&str> {
    let next = next?;
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    ok.then_some(next)
}

/// A 303 to `location` (the answer to a successful form).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The language of a request without a session: the visitor's choice, then
/// `Accept-Language`, then French (the marketplace's language).
pub fn request_lang(headers: &HeaderMap) -> Lang {
    match cookie(headers, LANG_COOKIE) {
        Some("fr") => return Lang::Fr,
        Some("en") => return Lang::En,
        _ => {}
    }
    match headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(value) if !value.trim().is_empty() => crate::i18n::negotiate(Some(value)),
        _ => Lang::Fr,
    }
}

/// What every page handler knows about the request.
pub struct Ctx {
    pub lang: Lang,
    /// Path and query of the page, for the language switcher's way back.
    pub path: String,
    pub headers: HeaderMap,
    /// The staff session, when signed in.
    pub staff: Option<SessionAuth>,
    /// The zone a staff member sees times in (their shop's or marketplace's setting).
    pub zone: Option<jiff::tz::TimeZone>,
    /// The token forms must send back.
    pub form_token: String,
    /// A form token minted for this visitor, to set as a cookie on the answer.
    new_form_cookie: Option<String>,
    pub secure: bool,
    /// The request came from htmx (answer with the fragment it swaps).
    pub htmx: bool,
    /// A GET (or HEAD): where to come back to after signing in.
    pub is_read: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let headers = parts.headers.clone();
        let staff = session_of(state, &headers).await?;
        let zone = match &staff {
            Some(session) => {
                state
                    .app()
                    .staff_zone(session.user.operator_id, session.user.merchant_id)
                    .await?
            }
            None => None,
        };
        let lang = match (cookie(&headers, LANG_COOKIE), &staff) {
            (Some("fr"), _) => Lang::Fr,
            (Some("en"), _) => Lang::En,
            (_, Some(session)) if session.user.locale.starts_with("en") => Lang::En,
            (_, Some(session)) if session.user.locale.starts_with("fr") => Lang::Fr,
            _ => request_lang(&headers),
        };
        let (form_token, new_form_cookie) = match &staff {
            Some(session) => (session.csrf_token.clone(), None),
            None => match cookie(&headers, CSRF_COOKIE).filter(|t| t.len() == 43) {
                Some(token) => (token.to_owned(), None),
                None => {
                    let token = crate::auth::random_token();
                    (token.clone(), Some(token))
                }
            },
        };
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        Ok(Ctx {
            lang,
            secure: state.secure_cookies(&headers),
            htmx: headers.contains_key("hx-request"),
            is_read: matches!(
                parts.method,
                axum::http::Method::GET | axum::http::Method::HEAD
            ),
            path,
            headers,
            staff,
            zone,
            form_token,
            new_form_cookie,
        })
    }
}

impl Ctx {
    /// The page's language and helpers, for templates.
    pub fn ui(&self) -> Ui {
        Ui::new(self)
    }

    /// A form's token must be this request's: the staff session's, or the visitor's cookie.
    pub fn check_csrf(&self, form: &form::Form) -> Result<(), WebError> {
        let given = form.get(CSRF_FIELD).unwrap_or("");
        let expected = match &self.staff {
            Some(session) => session.csrf_token.as_str(),
            // A visitor's token is only valid if it came from their cookie.
            None if self.new_form_cookie.is_none() => self.form_token.as_str(),
            None => "",
        };
        if !expected.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::page(
                StatusCode::FORBIDDEN,
                "error-csrf-title",
                "error-csrf-body",
            ))
        }
    }

    /// An HTML answer with the interface's headers.
    pub fn render(&self, template: &impl Template) -> Response {
        self.render_status(StatusCode::OK, template)
    }

    pub fn render_status(&self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => {
                let mut response = (status, html).into_response();
                page_headers(response.headers_mut(), self.staff.is_some());
                if let Some(token) = &self.new_form_cookie {
                    set_cookie(
                        &mut response,
                        &format!(
                            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
                            if self.secure { "; Secure" } else { "" }
                        ),
                    );
                }
                response
            }
            Err(error) => {
                tracing::error!(%error, "a page did not render");
                WebError::from(Problem::internal()).into_response()
            }
        }
    }

    /// Adds the cookies this context owes the visitor to a response made elsewhere (a redirect).
    pub fn finish(&self, mut response: Response) -> Response {
        if let Some(token) = &self.new_form_cookie {
            set_cookie(
                &mut response,
                &format!(
                    "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
                    if self.secure { "; Secure" } else { "" }
                ),
            );
        }
        response
    }
}

/// Headers of every page: a strict Content-Security-Policy (only our own
/// scripts, styles and images), no framing, no sniffing, no caching of pages
/// that show someone's data.
fn page_headers(headers: &mut HeaderMap, private: bool) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if private {
            "no-store"
        } else {
            "private, no-cache"
        }),
    );
}

/// Why a page could not be shown. Handlers use `?` on API and store errors;
/// the `page_errors` layer turns the marker into a page in the visitor's language.
#[derive(Debug)]
pub enum WebError {
    /// An error page: status, title and body message keys, and an extra detail.
    Page {
        status: StatusCode,
        title: &'static str,
        body: &'static str,
        detail: Option<String>,
    },
    Redirect(String),
}

/// Carried by an error response to the `page_errors` layer.
#[derive(Debug, Clone)]
struct ErrorPage {
    title: &'static str,
    body: &'static str,
    detail: Option<String>,
}

impl WebError {
    pub fn page(status: StatusCode, title: &'static str, body: &'static str) -> Self {
        WebError::Page {
            status,
            title,
            body,
            detail: None,
        }
    }

    pub fn not_found() -> Self {
        WebError::page(
            StatusCode::NOT_FOUND,
            "error-not-found-title",
            "error-not-found-body",
        )
    }
}

impl From<amiable_app::Error> for WebError {
    fn from(error: amiable_app::Error) -> Self {
        Problem::from(error).into()
    }
}

impl From<Problem> for WebError {
    fn from(problem: Problem) -> Self {
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
        let (title, body) = match status {
            StatusCode::NOT_FOUND => ("error-not-found-title", "error-not-found-body"),
            StatusCode::FORBIDDEN => ("error-forbidden-title", "error-forbidden-body"),
            StatusCode::UNAUTHORIZED => ("error-expired-title", "error-expired-body"),
            StatusCode::CONFLICT => ("error-conflict-title", "error-conflict-body"),
            StatusCode::TOO_MANY_REQUESTS => ("error-rate-title", "error-rate-body"),
            StatusCode::PAYLOAD_TOO_LARGE => ("error-too-large-title", "error-too-large-body"),
            s if s.is_server_error() => ("error-internal-title", "error-internal-body"),
            _ => ("error-refused-title", "error-refused-body"),
        };
        let detail = (status.is_client_error()
            && !matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN))
        .then_some(problem.code);
        WebError::Page {
            status,
            title,
            body,
            detail,
        }
    }
}

impl From<amiable_store::StoreError> for WebError {
    fn from(error: amiable_store::StoreError) -> Self {
        Problem::from(error).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Redirect(to) => redirect(&to),
            WebError::Page {
                status,
                title,
                body,
                detail,
            } => {
                let mut response = status.into_response();
                response.extensions_mut().insert(ErrorPage {
                    title,
                    body,
                    detail,
                });
                response
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    ui: Ui,
    title: String,
    body: String,
    detail: Option<String>,
    home: &'static str,
}

/// Renders the error pages handlers asked for, in the visitor's language.
async fn page_errors(request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(page) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let lang = request_lang(&headers);
    let ui = Ui::bare(lang, &path);
    let home = if path.starts_with("/console") {
        "/console"
    } else {
        "/suivi"
    };
    let detail = page
        .detail
        .map(|code| crate::i18n::problem(lang, &code, &[]).unwrap_or(code));
    let template = ErrorTemplate {
        title: ui.t(page.title),
        body: ui.t(page.body),
        detail,
        ui,
        home,
    };
    let status = response.status();
    let html = template.render().unwrap_or_default();
    let mut answer = (status, html).into_response();
    page_headers(answer.headers_mut(), false);
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    answer
}

/// Whether the request asks for a page rather than JSON (for the not-found fallback).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The not-found page for a browser that followed a dead link.
pub fn not_found_page(headers: &HeaderMap, path: &str) -> Response {
    let lang = request_lang(headers);
    let ui = Ui::bare(lang, path);
    let template = ErrorTemplate {
        title: ui.t("error-not-found-title"),
        body: ui.t("error-not-found-body"),
        detail: None,
        ui,
        home: if path.starts_with("/console") {
            "/console"
        } else {
            "/suivi"
        },
    };
    let mut response =
        (StatusCode::NOT_FOUND, template.render().unwrap_or_default()).into_response();
    page_headers(response.headers_mut(), false);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/suivi")), Some("/suivi"));
        assert_eq!(local_path(Some("/console?x=1")), Some("/console?x=1"));
        assert_eq!(local_path(Some("//evil.example")), None);
        assert_eq!(local_path(Some("/\\evil.example")), None);
        assert_eq!(local_path(Some("https://evil.example")), None);
        assert_eq!(local_path(Some("/a\nb")), None);
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn language_from_cookie_then_header_then_french() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_lang(&headers), Lang::Fr);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en-GB"));
        assert_eq!(request_lang(&headers), Lang::En);
        headers.insert(header::COOKIE, HeaderValue::from_static("amiable_lang=fr"));
        assert_eq!(request_lang(&headers), Lang::Fr);
    }
}
