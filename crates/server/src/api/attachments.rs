//! Attachments: images and PDFs uploaded to a case, typed by their content,
//! stored once on disk under their SHA-256, recorded on the timeline.

use crate::AppState;
use crate::auth::Auth;
use crate::problem::Problem;
use amiable_domain::access::Action;
use amiable_domain::case::Visibility;
use amiable_domain::ids::CaseId;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use amiable_app::DEFAULT_MAX_UPLOAD;
/// How much of an over-limit upload is read and discarded so that the client
/// gets its 413 rather than a connection reset; beyond it the connection is cut.
pub const DRAIN_ALLOWANCE: usize = 64 * 1024 * 1024;

fn multipart_problem(error: MultipartError, max: usize) -> Problem {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment.too_large",
            "the file is over the upload limit",
        )
        .with("limit", human_size(max))
    } else {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "request.unreadable",
            format!("unreadable multipart body: {}", error.body_text()),
        )
    }
}

/// "10 MiB", "256 KiB", "900 bytes".
fn human_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= KIB => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// `POST /api/v1/cases/{case_id}/attachments` (multipart/form-data): field
/// `file` (required), `visibility` (`public` default, or `internal`), and
/// optionally `expected_version`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/attachments",
    tag = "attachments",
    operation_id = "upload_attachment",
    summary = "Attach a file",
    description = "Uploads an image (JPEG, PNG, WebP, GIF, HEIC) or a PDF to the case's timeline, as `multipart/form-data`. The type is recognised from the content, not the name. The file is stored once under its SHA-256, which the timeline records.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body(content = crate::openapi::AttachmentUpload, content_type = "multipart/form-data"),
    params(
        ("case_id" = CaseId, Path, description = "The case."),
        crate::openapi::IfMatch,
    ),
    responses(
        (status = 201, description = "Attached: the `AttachmentAdded` event and the case's state.", body = super::cases::CommandResult, headers(("ETag" = String, description = "The case's new version."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, description = "The body is not `multipart/form-data` (`request.unsupported_media_type`), or the file is neither an image nor a PDF (`attachment.type_not_allowed`).", body = crate::openapi::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn upload(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, Problem> {
    let case_id = CaseId::parse(&case_id).map_err(|_| Problem::not_found("case"))?;
    state
        .app()
        .allow_on_case(&principal, Action::AttachFile, case_id)
        .await?;
    let mut multipart = multipart.map_err(|_| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.unsupported_media_type",
            "send the file as multipart/form-data",
        )
    })?;
    let max = state.inner.config.max_upload_bytes;
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    let mut visibility = Visibility::Public;
    let mut expected_field = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_problem(e, max))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let filename = field.file_name().map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) =
                    field.chunk().await.map_err(|e| multipart_problem(e, max))?
                {
                    if bytes.len() + chunk.len() > max {
                        // Read the rest and throw it away (up to the route's limit): a client
                        // still sending would otherwise see a reset instead of this answer.
                        drop(field);
                        while let Ok(Some(mut rest)) = multipart.next_field().await {
                            while let Ok(Some(_)) = rest.chunk().await {}
                        }
                        return Err(Problem::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "attachment.too_large",
                            format!("files are limited to {}", human_size(max)),
                        )
                        .with("limit", human_size(max))
                        .with_extra("max_bytes", max.into()));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((filename, bytes));
            }
            "visibility" => {
                let text = field.text().await.map_err(|e| multipart_problem(e, max))?;
                visibility = Visibility::parse(text.trim()).ok_or_else(|| {
                    Problem::field("visibility", "field.unknown_value", "public or internal")
                })?;
            }
            "expected_version" => {
                let text = field.text().await.map_err(|e| multipart_problem(e, max))?;
                expected_field = Some(text.trim().parse::<i64>().map_err(|_| {
                    Problem::field(
                        "expected_version",
                        "case.version_invalid",
                        "must be an integer",
                    )
                })?);
            }
            _ => {
                return Err(Problem::field(
                    &name,
                    "field.unknown",
                    "unknown field (expected file, visibility, expected_version)",
                ));
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return Err(Problem::field(
            "file",
            "attachment.missing_file",
            "send the file in a part named \"file\"",
        ));
    };
    let expected = super::cases::expected_version_of(&headers, expected_field)?;
    let app = state.app();
    let outcome = app
        .attach(
            &principal,
            case_id,
            expected,
            filename.as_deref(),
            &bytes,
            visibility,
        )
        .await?;
    let outcome = app.for_principal(&principal, outcome).await?;
    Ok(super::cases::command_response(
        StatusCode::CREATED,
        &outcome,
    ))
}

/// `GET /api/v1/cases/{case_id}/attachments/{sha256}`: the file, to whoever may see it on the timeline.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/attachments/{sha256}",
    tag = "attachments",
    operation_id = "download_attachment",
    summary = "Download a file",
    description = "A file of the case's timeline, to whoever may see the entry that added it: internal files are for staff only.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(
        ("case_id" = CaseId, Path, description = "The case."),
        ("sha256" = String, Path, description = "The file's SHA-256, lower-case hex, as on the timeline.", pattern = "^[0-9a-f]{64}$"),
    ),
    responses(
        (status = 200, response = crate::openapi::AttachmentFile),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let case_id = CaseId::parse(&case_id).map_err(|_| Problem::not_found("case"))?;
    file_response(&state, &principal, case_id, &sha256).await
}

/// A file of the case's timeline, to whoever may see the entry that added it.
pub async fn file_response(
    state: &AppState,
    principal: &amiable_domain::access::Principal,
    case_id: CaseId,
    sha256: &str,
) -> Result<Response, Problem> {
    let file = state.app().case_file(principal, case_id, sha256).await?;
    let (attachment, bytes) = (file.attachment, file.bytes);
    let disposition = format!(
        "inline; filename=\"{}\"",
        attachment
            .filename
            .as_str()
            .chars()
            .map(
                |c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            )
            .collect::<String>()
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let value = |v: &str| {
        HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(
        header::CONTENT_TYPE,
        value(attachment.content_type.as_str()),
    );
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}
