//! Notifications: the deliveries (sent mail, text messages, webhook calls, dead
//! letters and "send again"), outbound webhook endpoints, and inbound mail
//! (replies to notifications, posted as raw MIME).

use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_app::notifications::inbound::{MAX_INBOUND_BYTES, Received};
use amiable_app::notifications::webhooks::{EndpointInput, EndpointView, event_types};
use amiable_app::notifications::{PreferencesInput, PreferencesView};
use amiable_domain::access::{Action, Resource};
use amiable_store::{Delivery, DeliveryFilter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `sent`, `dead` or `cancelled` (`dead`: the dead letters).
    pub status: Option<String>,
    /// `email`, `sms`, `webhook` or `digest` (held for a staff member's daily digest).
    pub channel: Option<String>,
    pub case_id: Option<String>,
    /// The next page: ids below this one.
    pub before: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    /// Pass as `before` for the next page.
    pub next_before: Option<i64>,
}

fn check_choice(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), Problem> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(amiable_app::Error::invalid_field(
            field,
            "request.invalid_choice",
            &format!("must be one of {}", allowed.join(", ")),
        )
        .into()),
        _ => Ok(()),
    }
}

fn page(items: Vec<Delivery>, limit: i64) -> DeliveryList {
    let next_before = (items.len() as i64 >= limit)
        .then(|| items.last().map(|d| d.id))
        .flatten();
    DeliveryList { items, next_before }
}

/// `GET /api/v1/deliveries`.
#[utoipa::path(
    get,
    path = "/api/v1/deliveries",
    tag = "notifications",
    operation_id = "list_deliveries",
    summary = "Notifications sent, waiting and failed",
    description = "Every email, text message and webhook call planned for the caller's marketplace (or shop), newest first, with its rendered content, status and last error. `status=dead` lists the dead letters: deliveries that failed on their last attempt.",
    security(("apiKey" = []), ("session" = [])),
    params(DeliveryQuery),
    responses(
        (status = 200, body = DeliveryList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<DeliveryList>, Problem> {
    check_choice(
        "status",
        query.status.as_deref(),
        &["pending", "sent", "dead", "cancelled"],
    )?;
    check_choice(
        "channel",
        query.channel.as_deref(),
        &["email", "sms", "webhook", "digest"],
    )?;
    let case_id = match query.case_id.as_deref() {
        Some(raw) => Some(
            amiable_domain::ids::CaseId::parse(raw)
                .map_err(|e| Problem::from(amiable_app::Error::field(e)))?,
        ),
        None => None,
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let items = state
        .app()
        .deliveries(
            &principal,
            DeliveryFilter {
                status: query.status,
                channel: query.channel,
                case_id,
                before_id: query.before,
                limit,
                ..Default::default()
            },
        )
        .await?;
    Ok(Json(page(items, limit)))
}

/// `POST /api/v1/deliveries/{delivery_id}/resend`.
#[utoipa::path(
    post,
    path = "/api/v1/deliveries/{delivery_id}/resend",
    tag = "notifications",
    operation_id = "resend_delivery",
    summary = "Send a notification again",
    description = "Puts a dead letter (or a message already sent) back in the queue with fresh attempts; the worker sends it within seconds, with the same `Message-ID` or `webhook-id`.",
    security(("apiKey" = []), ("session" = [])),
    params(("delivery_id" = i64, Path, description = "The delivery.")),
    responses(
        (status = 200, body = Delivery),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn resend_delivery(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(delivery_id): Path<i64>,
) -> Result<Json<Delivery>, Problem> {
    Ok(Json(
        state.app().resend_delivery(&principal, delivery_id).await?,
    ))
}

/// Every event type an endpoint may subscribe to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventTypes {
    pub event_types: Vec<String>,
}

/// `GET /api/v1/webhooks/event-types`.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/event-types",
    tag = "webhooks",
    operation_id = "webhook_event_types",
    summary = "The event types of outbound webhooks",
    description = "`case.<event>` for every event of a case's timeline (`case.opened`, `case.message_posted`, `case.refund_settled`…).",
    responses((status = 200, body = EventTypes)),
)]
pub async fn webhook_event_types() -> Json<EventTypes> {
    Json(EventTypes {
        event_types: event_types(),
    })
}

/// `GET /api/v1/webhooks`.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    operation_id = "list_webhooks",
    summary = "Webhook endpoints",
    description = "The endpoints of the caller's marketplace and its shops (a shop's people: their shop's). Secrets are shown by their start only.",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = Vec<EndpointView>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<Vec<EndpointView>>, Problem> {
    Ok(Json(state.app().webhook_endpoints(&principal).await?))
}

/// `POST /api/v1/webhooks`.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    operation_id = "create_webhook",
    summary = "Subscribe an endpoint",
    description = "Every case event of the owner's scope whose type is listed (all when `event_types` is empty) is POSTed to `url`, signed per the Standard Webhooks specification. The answer holds the signing secret (`whsec_…`) in full: it is not shown again. `https://` only; private, loopback and link-local targets are refused unless the installation allows them.",
    security(("apiKey" = []), ("session" = [])),
    request_body = EndpointInput,
    responses(
        (status = 201, body = EndpointView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(input): JsonBody<EndpointInput>,
) -> Result<(StatusCode, Json<EndpointView>), Problem> {
    let created = state
        .app()
        .create_webhook_endpoint(&principal, input)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A change of an endpoint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointChange {
    #[serde(flatten)]
    pub endpoint: EndpointInput,
    /// A new signing secret; the previous one keeps signing for 24 hours.
    #[serde(default)]
    pub rotate_secret: bool,
}

/// `PATCH /api/v1/webhooks/{endpoint_id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{endpoint_id}",
    tag = "webhooks",
    operation_id = "update_webhook",
    summary = "Change, pause, enable or rotate an endpoint",
    description = "Replaces the URL, description and types; `enabled: true` enables an endpoint that was paused or disabled (after `410 Gone` or five days of failures), `false` pauses it; `rotate_secret: true` returns a new secret in full while the previous one keeps signing for 24 hours (both signatures are sent).",
    security(("apiKey" = []), ("session" = [])),
    params(("endpoint_id" = String, Path, description = "The endpoint.")),
    request_body = EndpointInput,
    responses(
        (status = 200, body = EndpointView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn update_webhook(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(endpoint_id): Path<String>,
    JsonBody(change): JsonBody<EndpointChange>,
) -> Result<Json<EndpointView>, Problem> {
    let app = state.app();
    let mut view = app
        .update_webhook_endpoint(&principal, &endpoint_id, change.endpoint)
        .await?;
    if change.rotate_secret {
        view = app.rotate_webhook_secret(&principal, &endpoint_id).await?;
    }
    Ok(Json(view))
}

/// `GET /api/v1/webhooks/{endpoint_id}/deliveries`.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{endpoint_id}/deliveries",
    tag = "webhooks",
    operation_id = "webhook_deliveries",
    summary = "An endpoint's delivery log",
    description = "Every message to the endpoint, newest first: status, attempts, last error, payload.",
    security(("apiKey" = []), ("session" = [])),
    params(("endpoint_id" = String, Path, description = "The endpoint."), DeliveryQuery),
    responses(
        (status = 200, body = DeliveryList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn webhook_deliveries(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(endpoint_id): Path<String>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<DeliveryList>, Problem> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let items = state
        .app()
        .webhook_deliveries(&principal, &endpoint_id, query.before, limit)
        .await?;
    Ok(Json(page(items, limit)))
}

/// What to send again.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// Every message to the endpoint since this instant (RFC 3339).
    #[schema(value_type = String)]
    pub since: Timestamp,
}

/// How many messages were queued again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Replayed {
    pub queued: u64,
}

/// `POST /api/v1/webhooks/{endpoint_id}/replay`.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{endpoint_id}/replay",
    tag = "webhooks",
    operation_id = "replay_webhooks",
    summary = "Send an endpoint's messages again",
    description = "Queues again every message to the endpoint since `since` (sent, dead or cancelled), with the same `webhook-id`s: a receiver that already has one drops it. To send one message again, use `POST /deliveries/{id}/resend`.",
    security(("apiKey" = []), ("session" = [])),
    params(("endpoint_id" = String, Path, description = "The endpoint.")),
    request_body = Replay,
    responses(
        (status = 200, body = Replayed),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn replay_webhooks(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(endpoint_id): Path<String>,
    JsonBody(replay): JsonBody<Replay>,
) -> Result<Json<Replayed>, Problem> {
    let queued = state
        .app()
        .replay_webhooks(&principal, &endpoint_id, replay.since)
        .await?;
    Ok(Json(Replayed { queued }))
}

/// `POST /api/v1/inbound/mail`.
#[utoipa::path(
    post,
    path = "/api/v1/inbound/mail",
    tag = "notifications",
    operation_id = "receive_mail",
    summary = "An inbound email (a reply to a notification)",
    description = "The raw MIME message as the body (`message/rfc822`), as a Postfix pipe or an inbound-mail webhook delivers it; at most 25 MiB. A reply to a notification becomes a message on its case, from the person it was sent to, without the quoted history; attachments are added to the case. Anything else (automatic replies, unknown or forged reply addresses, another sender) is dropped and logged: the answer says why. The marketplace's administrators and API keys only.",
    security(("apiKey" = []), ("session" = [])),
    request_body(content = String, content_type = "message/rfc822"),
    responses(
        (status = 200, body = Received),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
    ),
)]
pub async fn receive_mail(
    State(state): State<AppState>,
    Auth(principal): Auth,
    body: Bytes,
) -> Result<Json<Received>, Problem> {
    super::allow(
        &principal,
        Action::ManageSettings,
        &Resource::operator(principal.operator_id()),
        "operator",
    )?;
    if body.len() > MAX_INBOUND_BYTES {
        return Err(amiable_app::Error::new(
            amiable_app::Kind::TooLarge,
            "mail.too_large",
            "an inbound email is at most 25 MiB",
        )
        .into());
    }
    Ok(Json(state.app().receive_mail(&body).await?))
}

/// `GET /api/v1/notification-preferences`.
#[utoipa::path(
    get,
    path = "/api/v1/notification-preferences",
    tag = "notifications",
    operation_id = "get_notification_preferences",
    summary = "What the caller receives",
    description = "A staff member's own choices (a session), or a buyer's (a buyer token: for their orders on this marketplace, by email address). Integrations have none (403).",
    security(("session" = []), ("buyerToken" = [])),
    responses(
        (status = 200, body = PreferencesView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn get_notification_preferences(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<PreferencesView>, Problem> {
    Ok(Json(state.app().my_preferences(&principal).await?))
}

/// `PUT /api/v1/notification-preferences`.
#[utoipa::path(
    put,
    path = "/api/v1/notification-preferences",
    tag = "notifications",
    operation_id = "set_notification_preferences",
    summary = "Choose what the caller receives",
    description = "The fields given replace the current ones. Buyers: `email`, `updates`, `sms` (needs `phone`, E.164 or French national; `phone.invalid_e164`, `phone.required_for_sms`). Staff: `email`, `updates`, `daily_digest`. What is needed to settle a case is emailed whatever the choice.",
    security(("session" = []), ("buyerToken" = [])),
    request_body = PreferencesInput,
    responses(
        (status = 200, body = PreferencesView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn set_notification_preferences(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(input): JsonBody<PreferencesInput>,
) -> Result<Json<PreferencesView>, Problem> {
    Ok(Json(
        state.app().set_my_preferences(&principal, &input).await?,
    ))
}
