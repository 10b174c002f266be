//! Outbound webhooks, signed per the Standard Webhooks specification
//! (<https://www.standardwebhooks.com>): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one
//! signature per live secret during a rotation; secrets are `whsec_<base64>`.
//!
//! Every case event goes to the enabled endpoints of its marketplace and of its
//! shop whose types match. Attempts follow [`SCHEDULE`] (10 attempts over more
//! than three days, ± 10 %); `410 Gone` disables the endpoint at once, and an
//! endpoint failing for [`DISABLE_AFTER`] is disabled — its owner's
//! administrators are told by email either way.

use super::{MESSAGE_ATTEMPTS, Notifier, deliver::spread, staff_reach, tenant_resource};
use crate::access::allow;
use crate::ports::messaging::{OutgoingWebhook, SendError, Sent};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Role};
use amiable_domain::case::{CaseEvent, CaseState};
use amiable_store::{
    Delivery, NewDelivery, StoreError, StoredEvent, WebhookEndpoint, WebhookSecret,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The wait after each failed attempt (seconds): 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h, 24 h, 24 h — the tenth attempt comes about 3 days 4 hours after the first.
pub const SCHEDULE: [i64; 9] = [5, 300, 1800, 7200, 18000, 36000, 36000, 86400, 86400];
/// Attempts of a webhook delivery.
pub const WEBHOOK_ATTEMPTS: i64 = SCHEDULE.len() as i64 + 1;
/// An endpoint failing for this long is disabled.
pub const DISABLE_AFTER: SignedDuration = SignedDuration::from_hours(5 * 24);
/// A secret replaced by a rotation keeps signing for this long.
pub const ROTATION_OVERLAP: SignedDuration = SignedDuration::from_hours(24);
/// The largest payload; beyond it the event's details are left out (the case's URL stays).
pub const MAX_PAYLOAD: usize = 20_000;
/// Endpoints per operator or merchant.
pub const MAX_ENDPOINTS: usize = 20;

/// The wait before the attempt after `attempt`.
pub fn backoff(attempt: i64, jitter: f64) -> SignedDuration {
    let index = (attempt.max(1) - 1) as usize;
    spread(SCHEDULE[index.min(SCHEDULE.len() - 1)], 0.1, jitter)
}

/// The event type a subscriber sees: `case.<stored event type>`.
pub fn event_type(event: &CaseEvent) -> String {
    format!("case.{}", event.event_type())
}

/// Every type an endpoint may subscribe to.
pub fn event_types() -> Vec<String> {
    CaseEvent::types()
        .map(|t| format!("case.{t}"))
        .chain([crate::sla::quality::STANDING_EVENT.to_owned()])
        .collect()
}

/// A fresh secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    format!("whsec_{}", STANDARD.encode(crate::auth::random_bytes()))
}

/// The `webhook-signature` value: `v1,<sig>` for each secret, space-separated.
pub fn sign(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
                .ok()?;
            let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&key).ok()?;
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            Some(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The body of a webhook call.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: String,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Debug, Clone, Serialize)]
struct Data<'a> {
    case_id: String,
    seq: i64,
    case_url: String,
    operator_id: String,
    merchant_id: String,
    order_id: String,
    kind: &'static str,
    status: &'static str,
    stage: &'static str,
    actor: &'a amiable_domain::case::Actor,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

/// The webhook deliveries of one event.
pub(super) async fn plan(
    notifier: &Notifier,
    app: &App,
    event: &StoredEvent,
    state: &CaseState,
) -> Result<Vec<NewDelivery>, StoreError> {
    let endpoints = app
        .store()
        .webhook_subscribers(state.operator_id, state.merchant_id)
        .await?;
    if endpoints.is_empty() {
        return Ok(Vec::new());
    }
    let kind = event_type(&event.event);
    let mut data = Data {
        case_id: event.case_id.to_string(),
        seq: event.seq,
        case_url: notifier.absolute(&format!("/api/v1/cases/{}", event.case_id)),
        operator_id: state.operator_id.to_string(),
        merchant_id: state.merchant_id.to_string(),
        order_id: state.order_id.to_string(),
        kind: state.kind.code(),
        status: state.status.code(),
        stage: state.stage.code(),
        actor: &event.actor,
        event: serde_json::from_str(&event.payload_text).ok(),
        truncated: false,
    };
    let timestamp = event.recorded_at.to_string();
    let mut body = serde_json::to_string(&Payload {
        kind: kind.clone(),
        timestamp: timestamp.clone(),
        data: data.clone(),
    })
    .unwrap_or_default();
    if body.len() > MAX_PAYLOAD {
        data.event = None;
        data.truncated = true;
        body = serde_json::to_string(&Payload {
            kind: kind.clone(),
            timestamp,
            data,
        })
        .unwrap_or_default();
    }
    Ok(endpoints
        .into_iter()
        .filter(|e| e.event_types.is_empty() || e.event_types.contains(&kind))
        // A merchant's endpoint never hears the mediator's private channel with the buyer.
        .filter(|e| {
            e.merchant_id.is_none()
                || event
                    .event
                    .visible_to(amiable_domain::case::Party::Merchant)
        })
        .map(|endpoint| {
            let idem_key = format!("{}:{}:webhook:{}", event.case_id, event.seq, endpoint.id);
            NewDelivery {
                message_id: webhook_id(&idem_key),
                idem_key,
                operator_id: state.operator_id.to_string(),
                merchant_id: Some(state.merchant_id.to_string()),
                case_id: Some(event.case_id),
                seq: Some(event.seq),
                channel: "webhook".into(),
                topic: kind.clone(),
                audience: if endpoint.merchant_id.is_some() {
                    "merchant"
                } else {
                    "operator"
                }
                .into(),
                recipient: endpoint.url.clone(),
                recipient_key: endpoint.id.clone(),
                language: "en".into(),
                sender_name: String::new(),
                subject: kind.clone(),
                body_text: body.clone(),
                body_html: None,
                max_attempts: WEBHOOK_ATTEMPTS,
                due_at: Timestamp::now(),
            }
        })
        .collect())
}

/// The stable `webhook-id` of a delivery: the same on every attempt, so receivers drop doubles.
pub fn webhook_id(idem_key: &str) -> String {
    let digest = Sha256::digest(idem_key.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// Calls the endpoint of a delivery, signed with its live secrets.
pub(super) async fn send(
    notifier: &Notifier,
    app: &App,
    delivery: &Delivery,
) -> Result<Sent, SendError> {
    let endpoint = match app.store().webhook_endpoint(&delivery.recipient_key).await {
        Ok(Some(endpoint)) if endpoint.status == "enabled" => endpoint,
        Ok(_) => return Err(SendError::permanent("the endpoint is disabled or deleted")),
        Err(error) => return Err(SendError::temporary(error.to_string())),
    };
    let now = Timestamp::now();
    let secrets: Vec<&str> = endpoint
        .secrets
        .iter()
        .filter(|s| s.expires_at.is_none_or(|at| at > now))
        .map(|s| s.secret.as_str())
        .collect();
    let timestamp = now.as_second();
    let signature = sign(
        &secrets,
        &delivery.message_id,
        timestamp,
        &delivery.body_text,
    );
    let call = OutgoingWebhook {
        url: endpoint.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), delivery.message_id.clone()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature),
            ("user-agent".into(), "amiable-webhooks/1".into()),
        ],
        body: delivery.body_text.clone(),
        public_only: !notifier.config.webhooks_allow_private,
    };
    app.inner.ports.webhooks.post(&call).await
}

pub(super) async fn succeeded(app: &App, delivery: &Delivery) -> Result<(), StoreError> {
    app.store().webhook_succeeded(&delivery.recipient_key).await
}

/// After a failed call: `410 Gone` disables the endpoint; so does failing for five days.
pub(super) async fn failed(
    app: &App,
    delivery: &Delivery,
    error: &SendError,
) -> Result<(), StoreError> {
    let store = app.store();
    let now = Timestamp::now();
    let reason = if *error == SendError::Gone {
        Some("the endpoint answered 410 Gone".to_owned())
    } else {
        let since = store.webhook_failing(&delivery.recipient_key, now).await?;
        since
            .filter(|since| now.duration_since(*since) >= DISABLE_AFTER)
            .map(|_| "the endpoint failed for 5 days".to_owned())
    };
    let Some(reason) = reason else {
        return Ok(());
    };
    if store
        .disable_webhook_endpoint(&delivery.recipient_key, &reason)
        .await?
    {
        let cancelled = store
            .cancel_deliveries_to(&delivery.recipient_key, &reason)
            .await?;
        tracing::warn!(
            endpoint = delivery.recipient_key,
            reason,
            cancelled,
            "webhook endpoint disabled"
        );
        if let Some(endpoint) = store.webhook_endpoint(&delivery.recipient_key).await? {
            tell_owner(app, &endpoint, &reason).await?;
        }
    }
    Ok(())
}

/// Emails the administrators of an endpoint's owner that it was disabled.
async fn tell_owner(app: &App, endpoint: &WebhookEndpoint, reason: &str) -> Result<(), StoreError> {
    let store = app.store();
    let notifier = Notifier::new(app, "webhook");
    let owner = match endpoint.merchant_id {
        Some(id) => store.merchant(id).await?.map(|m| m.name),
        None => store.operator(endpoint.operator_id).await?.map(|o| o.name),
    }
    .unwrap_or_default();
    let mut deliveries = Vec::new();
    for user in store
        .users(endpoint.operator_id, endpoint.merchant_id)
        .await?
    {
        let admin = match endpoint.merchant_id {
            Some(_) => user.role == Role::MerchantAdmin,
            None => user.role == Role::OperatorAdmin && user.merchant_id.is_none(),
        };
        if !admin || user.disabled_at.is_some() {
            continue;
        }
        let lang = super::dispatch::lang(
            amiable_domain::contact::Locale::parse(&user.locale).unwrap_or_default(),
        );
        let args = [
            ("url", endpoint.url.as_str()),
            ("reason", reason),
            ("shop", owner.as_str()),
        ];
        let subject = amiable_i18n::message_with(lang, "notify-webhook_disabled-subject", &args);
        let text = amiable_i18n::message_with(lang, "notify-webhook_disabled-body", &args);
        let idem_key = format!(
            "webhook-disabled:{}:{}:{}",
            endpoint.id,
            endpoint.updated_at.as_second(),
            user.id
        );
        deliveries.push(NewDelivery {
            message_id: notifier.message_id(&idem_key),
            idem_key,
            operator_id: endpoint.operator_id.to_string(),
            merchant_id: endpoint.merchant_id.map(|m| m.to_string()),
            case_id: None,
            seq: None,
            channel: "email".into(),
            topic: "webhook_disabled".into(),
            audience: if endpoint.merchant_id.is_some() {
                "merchant"
            } else {
                "operator"
            }
            .into(),
            recipient: user.email.clone(),
            recipient_key: user.id.clone(),
            language: lang.as_str().into(),
            sender_name: owner.clone(),
            subject,
            body_html: Some(format!("<p>{}</p>", super::render::escape(&text))),
            body_text: text,
            max_attempts: MESSAGE_ATTEMPTS,
            due_at: Timestamp::now(),
        });
    }
    store.plan_deliveries(&deliveries).await?;
    Ok(())
}

/// What an owner gives to create or change an endpoint.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `https://…` (`http://` and private addresses only where the configuration allows them).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// `case.opened`, `case.message_posted`…; empty or absent: every type.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// `false` to pause the endpoint, `true` to enable it again (clears a failure).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The merchant it belongs to (operator staff creating a shop's endpoint);
    /// merchant staff's endpoints are always their shop's.
    #[serde(default)]
    pub merchant_id: Option<amiable_domain::ids::MerchantId>,
}

/// An endpoint as its owner sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub merchant_id: Option<amiable_domain::ids::MerchantId>,
    /// `enabled` or `disabled`.
    pub status: String,
    pub disabled_reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub failing_since: Option<Timestamp>,
    /// The signing secret: shown in full when created or rotated, else only its start.
    pub secret: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
}

fn view(endpoint: &WebhookEndpoint, reveal: bool) -> EndpointView {
    let newest = endpoint
        .secrets
        .iter()
        .max_by_key(|s| s.created_at)
        .map(|s| s.secret.clone())
        .unwrap_or_default();
    EndpointView {
        id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        description: endpoint.description.clone(),
        event_types: endpoint.event_types.clone(),
        merchant_id: endpoint.merchant_id,
        status: endpoint.status.clone(),
        disabled_reason: endpoint.disabled_reason.clone(),
        failing_since: endpoint.failing_since,
        secret: if reveal {
            newest
        } else {
            format!("{}…", newest.chars().take(12).collect::<String>())
        },
        created_at: endpoint.created_at,
    }
}

impl App {
    fn check_endpoint(&self, input: &EndpointInput) -> Result<(), Error> {
        let url = input.url.trim();
        let allow_private = self.inner.config.notify.webhooks_allow_private;
        let refuse =
            |code: &'static str, message: &str| Err(Error::invalid_field("url", code, message));
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://").filter(|_| allow_private))
        else {
            return refuse("webhook.url_scheme", "must be an https:// URL");
        };
        if url.len() > 2000
            || rest.is_empty()
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return refuse(
                "webhook.url_invalid",
                "must be a URL of at most 2000 characters",
            );
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']')
                .next()
                .unwrap_or_default()
                .trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or_default()
        };
        if name.is_empty() {
            return refuse("webhook.url_invalid", "must name a host");
        }
        if !allow_private && (is_private_host(name)) {
            return refuse(
                "webhook.url_private",
                "must not be a private, loopback or link-local address",
            );
        }
        let known = event_types();
        for (index, kind) in input.event_types.iter().enumerate() {
            if !known.contains(kind) {
                return Err(Error::invalid_field(
                    &format!("event_types[{index}]"),
                    "webhook.unknown_event_type",
                    "is not an event type (see GET /api/v1/webhooks/event-types)",
                ));
            }
        }
        if input.description.chars().count() > 200 {
            return refuse_field(
                "description",
                "webhook.description_too_long",
                "must be at most 200 characters",
            );
        }
        Ok(())
    }

    /// The endpoints in the caller's reach.
    pub async fn webhook_endpoints(
        &self,
        principal: &Principal,
    ) -> Result<Vec<EndpointView>, Error> {
        let (operator_id, merchant_id) = staff_reach(principal)?;
        allow(
            principal,
            Action::ReadSettings,
            &tenant_resource(operator_id, merchant_id),
            "webhook",
        )?;
        Ok(self
            .store()
            .webhook_endpoints(operator_id, merchant_id)
            .await?
            .iter()
            .map(|e| view(e, false))
            .collect())
    }

    /// Creates an endpoint; its secret is shown in the answer only.
    pub async fn create_webhook_endpoint(
        &self,
        principal: &Principal,
        input: EndpointInput,
    ) -> Result<EndpointView, Error> {
        let (operator_id, own_merchant) = staff_reach(principal)?;
        let merchant_id = own_merchant.or(input.merchant_id);
        if let (Some(own), Some(asked)) = (own_merchant, input.merchant_id)
            && own != asked
        {
            return Err(Error::not_found("merchant"));
        }
        if let Some(merchant_id) = merchant_id {
            let resource = self.merchant_resource(merchant_id).await?;
            allow(principal, Action::ManageSettings, &resource, "merchant")?;
        } else {
            allow(
                principal,
                Action::ManageSettings,
                &tenant_resource(operator_id, None),
                "webhook",
            )?;
        }
        self.check_endpoint(&input)?;
        if self
            .store()
            .webhook_endpoints(operator_id, merchant_id)
            .await?
            .len()
            >= MAX_ENDPOINTS
        {
            return Err(Error::new(
                crate::Kind::Conflict,
                "webhook.too_many",
                format!("at most {MAX_ENDPOINTS} endpoints"),
            )
            .with("max", MAX_ENDPOINTS as i64));
        }
        let now = Timestamp::now();
        let endpoint = WebhookEndpoint {
            id: format!("ep_{}", uuid::Uuid::new_v4().simple()),
            operator_id,
            merchant_id,
            url: input.url.trim().to_owned(),
            description: input.description.trim().to_owned(),
            event_types: input.event_types,
            secrets: vec![WebhookSecret {
                secret: new_secret(),
                created_at: now,
                expires_at: None,
            }],
            status: if input.enabled == Some(false) {
                "disabled"
            } else {
                "enabled"
            }
            .into(),
            disabled_reason: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
        };
        self.store().create_webhook_endpoint(&endpoint).await?;
        Ok(view(&endpoint, true))
    }

    async fn endpoint_in_reach(
        &self,
        principal: &Principal,
        id: &str,
        action: Action,
    ) -> Result<WebhookEndpoint, Error> {
        let (operator_id, merchant_id) = staff_reach(principal)?;
        let endpoint = self
            .store()
            .webhook_endpoint(id)
            .await?
            .filter(|e| {
                e.operator_id == operator_id && merchant_id.is_none_or(|m| e.merchant_id == Some(m))
            })
            .ok_or_else(|| Error::not_found("webhook"))?;
        allow(
            principal,
            action,
            &tenant_resource(operator_id, endpoint.merchant_id),
            "webhook",
        )?;
        Ok(endpoint)
    }

    pub async fn webhook_endpoint(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<EndpointView, Error> {
        Ok(view(
            &self
                .endpoint_in_reach(principal, id, Action::ReadSettings)
                .await?,
            false,
        ))
    }

    /// Changes an endpoint's URL, description, types or status.
    pub async fn update_webhook_endpoint(
        &self,
        principal: &Principal,
        id: &str,
        input: EndpointInput,
    ) -> Result<EndpointView, Error> {
        let mut endpoint = self
            .endpoint_in_reach(principal, id, Action::ManageSettings)
            .await?;
        self.check_endpoint(&input)?;
        endpoint.url = input.url.trim().to_owned();
        endpoint.description = input.description.trim().to_owned();
        endpoint.event_types = input.event_types;
        match input.enabled {
            Some(true) => {
                endpoint.status = "enabled".into();
                endpoint.disabled_reason = None;
                endpoint.failing_since = None;
            }
            Some(false) => {
                endpoint.status = "disabled".into();
                endpoint.disabled_reason = Some("paused by its owner".into());
            }
            None => {}
        }
        self.store().update_webhook_endpoint(&endpoint).await?;
        Ok(view(&endpoint, false))
    }

    pub async fn delete_webhook_endpoint(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(), Error> {
        let endpoint = self
            .endpoint_in_reach(principal, id, Action::ManageSettings)
            .await?;
        self.store()
            .cancel_deliveries_to(&endpoint.id, "the endpoint was deleted")
            .await?;
        self.store().delete_webhook_endpoint(&endpoint.id).await?;
        Ok(())
    }

    /// A new secret; the previous ones keep signing for [`ROTATION_OVERLAP`].
    pub async fn rotate_webhook_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<EndpointView, Error> {
        let mut endpoint = self
            .endpoint_in_reach(principal, id, Action::ManageSettings)
            .await?;
        let now = Timestamp::now();
        let until = now.saturating_add(ROTATION_OVERLAP).unwrap_or(now);
        endpoint
            .secrets
            .retain(|s| s.expires_at.is_none_or(|at| at > now));
        for secret in &mut endpoint.secrets {
            secret.expires_at = Some(secret.expires_at.map_or(until, |at| at.min(until)));
        }
        endpoint.secrets.push(WebhookSecret {
            secret: new_secret(),
            created_at: now,
            expires_at: None,
        });
        self.store().update_webhook_endpoint(&endpoint).await?;
        Ok(view(&endpoint, true))
    }

    /// The delivery log of an endpoint, newest first.
    pub async fn webhook_deliveries(
        &self,
        principal: &Principal,
        id: &str,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Delivery>, Error> {
        let endpoint = self
            .endpoint_in_reach(principal, id, Action::ReadSettings)
            .await?;
        Ok(self
            .store()
            .deliveries(&amiable_store::DeliveryFilter {
                operator_id: Some(endpoint.operator_id),
                channel: Some("webhook".into()),
                recipient_key: Some(endpoint.id),
                before_id,
                limit,
                ..Default::default()
            })
            .await?)
    }

    /// Sends again every message to an endpoint since `since`; returns how many.
    pub async fn replay_webhooks(
        &self,
        principal: &Principal,
        id: &str,
        since: Timestamp,
    ) -> Result<u64, Error> {
        let endpoint = self
            .endpoint_in_reach(principal, id, Action::ManageSettings)
            .await?;
        Ok(self
            .store()
            .replay_webhook_deliveries(&endpoint.id, since, WEBHOOK_ATTEMPTS)
            .await?)
    }
}

fn refuse_field(field: &str, code: &'static str, message: &str) -> Result<(), Error> {
    Err(Error::invalid_field(field, code, message))
}

/// Whether a host name or literal address is private, loopback, link-local or
/// otherwise not on the public internet. Names are checked again, resolved, when called.
pub fn is_private_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
    {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => is_private_ip(ip),
        Err(_) => false,
    }
}

/// Whether an address is one a webhook must not reach unless allowed.
pub fn is_private_ip(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 224
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_ip(std::net::IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xff00) == 0xff00
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_every_live_secret() {
        let signature = sign(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &new_secret()],
            "msg_1",
            1,
            "{}",
        );
        assert_eq!(signature.split(' ').count(), 2);
        assert!(signature.split(' ').all(|s| s.starts_with("v1,")));
    }

    #[test]
    fn the_schedule_spans_more_than_three_days() {
        let total: i64 = SCHEDULE.iter().sum();
        const { assert!(WEBHOOK_ATTEMPTS >= 8) };
        assert!(total >= 3 * 86400, "{total}");
        assert_eq!(backoff(1, 0.5), SignedDuration::from_secs(5));
        assert_eq!(backoff(40, 0.5), SignedDuration::from_secs(86400));
    }

    #[test]
    fn private_targets_are_recognised() {
        for host in [
            "localhost",
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "api.internal",
        ] {
            assert!(is_private_host(host), "{host}");
        }
        for host in ["example.com", "93.184.216.34", "2606:2800:220:1::"] {
            assert!(!is_private_host(host), "{host}");
        }
    }
}
