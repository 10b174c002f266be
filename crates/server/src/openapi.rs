//! The OpenAPI 3.1 document of the JSON API and the browsable API reference.
//!
//! The document is generated from the code: every handler carries a
//! `#[utoipa::path]` annotation next to its body, and the request and
//! response types derive (or, for checked newtypes, implement) `ToSchema`.
//! What applies to many operations at once lives here: the problem
//! responses, the security schemes, and the `Idempotency-Key` header that the
//! idempotency middleware accepts on every authenticated POST.
//!
//! The reference page (`GET /api/docs`) is rendered from the same document
//! with an askama template and a stylesheet served from the binary: no
//! script, nothing from elsewhere.

mod reference;

use crate::api;
use amiable_domain::case::{CaseKind, CaseStatus, Stage, Visibility};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::reason::ReasonCode;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Header, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi, PartialSchema, ToResponse, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// Where the API is mounted.
pub const API_PREFIX: &str = "/api/v1";

const DESCRIPTION: &str = "\
The JSON API of amiable: orders, cases (returns, incidents, disputes) with their timeline, \
attachments, and the administration of users and API keys.

**Authentication.** Integrations send an API key as `Authorization: Bearer amk_…`. Buyers send \
the token of their access link as `Authorization: Bearer amb_…`. Staff sign in with \
`POST /api/v1/auth/login` and then use the `amiable_session` cookie; every POST under a session \
must also carry the session's CSRF token in `X-CSRF-Token`.

**Idempotency.** Every authenticated POST accepts an `Idempotency-Key` header: a retry with the \
same key and the same request replays the first answer (marked `Idempotent-Replayed: true`), the \
same key with a different request is a 422. Keys are kept at least 24 hours.

**Versions.** Case commands accept `If-Match: \"<version>\"` (or `expected_version` in the body) \
and answer with the case's new version in `ETag`; a stale version is a 409 `case.version_conflict`.

**Errors.** Every error is an RFC 9457 problem document (`application/problem+json`) with a stable \
`code` and, when fields are at fault, one entry per field in `errors`. Messages follow \
`Accept-Language` (fr, en).

**Pagination.** Lists answer `{items, next_cursor}`: pass `next_cursor` back as `cursor` for the \
next page; it is `null` on the last one. `limit` is 1 to 200 (default 50).";

#[derive(OpenApi)]
#[openapi(
    info(title = "amiable API", description = DESCRIPTION),
    servers((url = "/")),
    components(
        schemas(
            ProblemDocument, ProblemFieldDocument, MerchantList, UserList, ApiKeyList,
            AttachmentUpload, CaseId, MerchantId, OrderId, CaseKind, CaseStatus, Stage,
            ReasonCode, Visibility,
        ),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge,
            UnsupportedMediaType, UnprocessableEntity, TooManyRequests, CaseUpdated,
            AttachmentFile,
        ),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Staff sessions (email and password, then a cookie), and who the credentials belong to."),
        (name = "buyer", description = "Buyers reach their order with its number and their email, without an account."),
        (name = "orders", description = "Order snapshots pushed by shop platforms, and buyer access links."),
        (name = "cases", description = "Cases on orders: the inbox, the timeline, and one operation per command."),
        (name = "attachments", description = "Images and PDF files on a case's timeline."),
        (name = "admin", description = "Merchants, staff users and API keys."),
        (name = "settings", description = "A merchant's and the marketplace's settings: return address, contact, time zone, language, withdrawal notices, consumer mediator."),
        (name = "notifications", description = "Emails, text messages and webhook calls planned from case events: the sent mail, the dead letters and \"send again\", and inbound replies by email."),
        (name = "webhooks", description = "Outbound webhooks signed per the Standard Webhooks specification: endpoints, their delivery log, replays."),
        (name = "helpdesk", description = "Who handles each case (assignment, round-robin teams), canned replies with variables in French and English, who else has a case open, and actions on many cases at once."),
        (name = "meta", description = "This description of the API."),
    ),
)]
pub struct ApiDoc;

/// The document, built from the annotations of the handlers [`api::routes`]
/// lists (the paths) and of [`ApiDoc`] (the rest); then what applies to many
/// operations at once (the `Idempotency-Key` header, optional bodies).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = OpenApiRouter::<crate::AppState>::with_openapi(ApiDoc::openapi())
        .merge(api::routes(0))
        .into_openapi();
    IdempotencyKeys.modify(&mut document);
    OptionalBodies.modify(&mut document);
    document
}

/// The document as served: pretty JSON with every object's keys sorted, so
/// that it is byte-for-byte stable (and diffable) from build to build.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // `serde_json::Value` keeps its keys sorted.
        let value = serde_json::to_value(openapi()).unwrap_or(Value::Null);
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    })
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "openapi_document",
    summary = "This document",
    description = "The OpenAPI 3.1 description of the API, generated from the code. A readable \
                   rendering of it is served at `/api/docs`.",
    responses((status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object)),
)]
pub async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

/// `GET /api/docs`.
pub async fn reference_page() -> Response {
    static PAGE: OnceLock<Option<String>> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let document = serde_json::from_str(document_json()).unwrap_or(Value::Null);
        reference::render(&document)
            .inspect_err(|error| tracing::error!(%error, "cannot render the API reference"))
            .ok()
    });
    let Some(page) = page else {
        return crate::problem::Problem::internal().into_response();
    };
    (
        [
            // Only the stylesheet, from this server: no inline style or script.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(page.as_str()),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Schemas that only the documentation needs

/// An RFC 9457 problem document: the body of every error.
#[derive(ToSchema)]
#[schema(as = Problem)]
#[allow(dead_code)]
pub struct ProblemDocument {
    /// `urn:amiable:problem:<code>`.
    #[schema(rename = "type")]
    kind: String,
    /// The HTTP status text ("Not Found").
    title: String,
    /// The HTTP status code.
    status: u16,
    /// What went wrong, in the requester's language.
    detail: String,
    /// A stable code to branch on (`validation.failed`, `case.version_conflict`, …).
    code: String,
    /// One entry per field at fault, when fields are at fault.
    #[schema(required = false)]
    errors: Vec<ProblemFieldDocument>,
    /// On a version conflict (409 `case.version_conflict`): the case's version now.
    #[schema(required = false)]
    current_version: i64,
    /// On a 429: seconds until the next attempt is allowed (also in `Retry-After`).
    #[schema(required = false)]
    retry_after: u64,
    /// On a 413 for an attachment: the largest accepted file, in bytes.
    #[schema(required = false)]
    max_bytes: u64,
}

/// A field at fault in a problem document.
#[derive(ToSchema)]
#[schema(as = ProblemField)]
#[allow(dead_code)]
pub struct ProblemFieldDocument {
    /// The path of the field, e.g. `order.lines[2].quantity` (empty for the whole body).
    field: String,
    /// A stable code (`field.missing`, `text.too_long`, `email.invalid`, …).
    code: String,
    /// What is wrong with it, in the requester's language.
    message: String,
}

/// The merchants in the caller's reach.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MerchantList {
    items: Vec<api::access::MerchantView>,
}

/// Staff users.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserList {
    items: Vec<amiable_store::User>,
}

/// API keys, without their secrets.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApiKeyList {
    items: Vec<amiable_store::ApiKey>,
}

/// The parts of an attachment upload (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// The file: an image (JPEG, PNG, WebP, GIF, HEIC/HEIF) or a PDF, recognised by its
    /// content, not its name. Its filename is recorded.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Who may see it; `public` when left out.
    #[schema(required = false)]
    visibility: Visibility,
    /// The case version the client expects (same as `If-Match`).
    #[schema(required = false)]
    expected_version: i64,
}

// ---------------------------------------------------------------------------
// Parameters shared by many operations

/// The optimistic concurrency check of case commands.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatch {
    /// The case version the command expects, as an entity tag: `"7"` (`W/"7"` is accepted).
    /// Same as the body's `expected_version`; when the case has moved on, the answer is a
    /// 409 `case.version_conflict` with `current_version`.
    #[param(rename = "If-Match", required = false)]
    if_match: String,
}

fn idempotency_key() -> Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to retry: 1 to 255 visible ASCII characters, unique per \
             caller. A retry with the same key and the same request gets the first answer \
             again (`Idempotent-Replayed: true`); the same key with a different request is a \
             422 `idempotency.key_reused`; while the first is still running, a 409 \
             `idempotency.in_progress`.",
        ))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::idempotency::MAX_KEY_LENGTH)),
        ))
        .build()
}

/// Adds `Idempotency-Key` to every POST the idempotency middleware wraps:
/// all that need authentication.
struct IdempotencyKeys;

impl Modify for IdempotencyKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let authenticated = |id: Option<&String>| {
            api::ACTIONS
                .iter()
                .any(|(known, action)| Some(*known) == id.map(String::as_str) && action.is_some())
        };
        let posts: Vec<String> = openapi
            .paths
            .paths
            .iter()
            .filter(|(_, item)| {
                item.post
                    .as_ref()
                    .is_some_and(|o| authenticated(o.operation_id.as_ref()))
            })
            .map(|(path, _)| path.clone())
            .collect();
        for path in posts {
            let Some(operation) = openapi
                .paths
                .paths
                .get_mut(&path)
                .and_then(|item| item.post.as_mut())
            else {
                continue;
            };
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(idempotency_key()));
        }
    }
}

/// A body that may be left out is not a body that may be `null`: utoipa
/// describes an `Option<T>` body as `T or null` (and not required); keep `T`.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let is_null = |schema: &RefOr<Schema>| matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null));
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let Some(RefOr::T(body)) = operation.request_body.as_mut() else {
                    continue;
                };
                for content in body.content.values_mut() {
                    let RefOr::T(content) = content else { continue };
                    if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema
                        && let [a, b] = one_of.items.as_slice()
                        && (is_null(a) || is_null(b))
                    {
                        content.schema = Some(if is_null(a) { b.clone() } else { a.clone() });
                    }
                }
            }
        }
    }
}

/// The three ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("amk_<id>_<secret>")
                    .description(Some(
                        "An API key for an integration, for the whole marketplace or for one \
                         merchant: `Authorization: Bearer amk_…`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "buyerToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("amb_<claims>.<signature>")
                    .description(Some(
                        "A buyer's access token to one order, from `POST /api/v1/buyer/access` \
                         or a link minted by the merchant: `Authorization: Bearer amb_…`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "A staff session from `POST /api/v1/auth/login`. Every POST under a session \
                 must also send the session's CSRF token in the `X-CSRF-Token` header.",
            ))),
        );
    }
}

// ---------------------------------------------------------------------------
// Responses shared by many operations

/// A response whose body is a problem document.
fn problem_response(
    description: &str,
    headers: &[(&str, &str)],
) -> RefOr<utoipa::openapi::Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        crate::problem::PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    for (name, description) in headers {
        response = response.header(
            *name,
            utoipa::openapi::HeaderBuilder::new()
                .schema(Some(String::schema()))
                .description(Some(*description))
                .build(),
        );
    }
    RefOr::T(response.build())
}

macro_rules! problem_responses {
    ($($(#[doc = $doc:literal])* $name:ident: $description:literal $(, $header:literal => $header_doc:literal)*;)+) => {
        $(
            $(#[doc = $doc])*
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                    (stringify!($name), problem_response($description, &[$(($header, $header_doc)),*]))
                }
            }
        )+
    };
}

problem_responses! {
    /// 400.
    BadRequest: "The request is malformed: unreadable JSON (`request.malformed_json`), an invalid \
        query parameter (`query.invalid`, with `errors`), or an invalid `If-Match` or \
        `Idempotency-Key` header.";
    /// 401.
    Unauthorized: "No valid credentials (`auth.required`, `auth.invalid_token`, \
        `apikey.revoked`, …).",
        "WWW-Authenticate" => "`Bearer realm=\"amiable\"`";
    /// 403.
    Forbidden: "The caller's role may not do this (`auth.forbidden`), a session request lacks \
        its CSRF token (`auth.csrf_failed`), or the case's rules do not let this party act.";
    /// 404.
    NotFound: "No such resource, or one out of the caller's reach: the two answers are the same \
        (`case.not_found`, `order.not_found`, …).";
    /// 409.
    Conflict: "The case has moved on: the expected version is stale (`case.version_conflict`, \
        with `current_version`), or the command does not apply in the case's current state.";
    /// 413.
    PayloadTooLarge: "The body is over the size limit (`request.too_large`, `attachment.too_large`).";
    /// 415.
    UnsupportedMediaType: "The body is not in the expected media type \
        (`request.unsupported_media_type`).";
    /// 422.
    UnprocessableEntity: "A field is missing, unknown or invalid (`validation.failed` or the \
        field's own code); `errors` names every field at fault.";
    /// 429.
    TooManyRequests: "Too many attempts from this address (`rate_limited`).",
        "Retry-After" => "Seconds until the next attempt is allowed.";
}

/// 200 to a case command.
pub struct CaseUpdated;

impl<'r> ToResponse<'r> for CaseUpdated {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        (
            "CaseUpdated",
            command_response(
                "The command was applied: the events it appended and the case's new state.",
            ),
        )
    }
}

/// The answer to a case command: its result and the new version in `ETag`.
pub fn command_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .header("ETag", etag_header())
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("CommandResult")))
                    .build(),
            )
            .build(),
    )
}

fn etag_header() -> Header {
    utoipa::openapi::HeaderBuilder::new()
        .schema(Some(String::schema()))
        .description(Some(
            "The case's version, `\"<version>\"`: send it back in `If-Match`.",
        ))
        .build()
}

/// 200 to an attachment download: the file's bytes.
pub struct AttachmentFile;

impl<'r> ToResponse<'r> for AttachmentFile {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        let mut response = ResponseBuilder::new()
            .description("The file, with the content type recorded when it was uploaded.")
            .header(
                "Content-Disposition",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(String::schema()))
                    .description(Some("`inline; filename=\"<recorded filename>\"`"))
                    .build(),
            );
        for content_type in [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "image/heic",
            "image/heif",
            "application/pdf",
        ] {
            response = response.content(content_type, ContentBuilder::new().build());
        }
        ("AttachmentFile", RefOr::T(response.build()))
    }
}
