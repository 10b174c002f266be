//! Notifications: every party hears what happened, by email, text message and
//! signed webhooks — decided in the domain ([`amiable_domain::notify`]),
//! owed in the event's own transaction (the outbox), delivered here.
//!
//! The worker ([`App::run_notifications`]) does two things in turn:
//! 1. **dispatch**: claims outbox rows under a lease, decides and renders each
//!    event's deliveries, plans them (idempotency key per event, channel and
//!    recipient) and deletes the row, in one transaction;
//! 2. **deliver**: claims due deliveries under a lease and hands each to its
//!    port (SMTP, SMS provider, HTTP), then marks it sent, or schedules the next
//!    attempt with exponential back-off and jitter, or — after the last — makes
//!    it a dead letter that the operator's console can send again.
//!
//! Nothing here blocks a case command: a server that is down only delays the
//! messages, and a crash between sending and recording re-sends with the same
//! `Message-ID` (for webhooks, the same `webhook-id`), which receivers use to
//! drop the double.

mod deliver;
mod digest;
mod dispatch;
pub mod inbound;
pub mod render;
pub mod webhooks;

use crate::access::allow;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Reach, Resource};
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_domain::notify::Preferences;
use amiable_domain::sms::E164;
use amiable_store::{Attempt, Delivery, DeliveryFilter, StoreError};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use std::time::Duration;

pub use digest::DIGEST_HOUR;
use digest::{default_zone, next_digest_at};
pub use dispatch::MESSAGE_ATTEMPTS;

/// How long claimed rows are ours before another worker may take them.
const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// Rows claimed at once.
const BATCH: i64 = 100;
/// Deliveries sent at the same time by one worker.
const PARALLEL: usize = 8;
/// Attempts recorded in one transaction, at most.
const RECORD_EVERY: usize = 32;

/// How notifications leave this installation.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The sender's address (the shop's name is the display name).
    pub from_address: String,
    /// The domain of reply addresses (`reply+<token>@<domain>`); the sender's
    /// domain when unset. Its mail must reach `POST /inbound/mail` or `amiable mail receive`.
    pub reply_domain: Option<String>,
    /// Allow webhook endpoints on private, loopback and link-local addresses.
    pub webhooks_allow_private: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            from_address: "notifications@amiable.localhost".into(),
            reply_domain: None,
            webhooks_allow_private: false,
        }
    }
}

/// One worker's view of the notification machinery.
#[derive(Clone)]
pub struct Notifier {
    worker_id: String,
    config: NotifyConfig,
    public_url: String,
}

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Outbox rows turned into deliveries.
    pub dispatched: usize,
    /// Deliveries attempted.
    pub attempted: usize,
}

/// The preferences subject of a buyer: per marketplace and email address.
pub fn buyer_subject(operator_id: OperatorId, email: &str) -> String {
    format!("buyer:{operator_id}:{}", email.trim().to_lowercase())
}

/// The preferences subject of a staff user.
pub fn user_subject(user_id: &str) -> String {
    format!("user:{user_id}")
}

impl Notifier {
    fn new(app: &App, worker_id: &str) -> Self {
        let public_url = match app.public_url() {
            "" => "http://localhost:8080".to_owned(),
            url => url.to_owned(),
        };
        Notifier {
            worker_id: worker_id.to_owned(),
            config: app.inner.config.notify.clone(),
            public_url,
        }
    }

    /// `path` on the public address (links in emails must be absolute).
    fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.public_url)
        }
    }

    fn mail_domain(&self) -> &str {
        self.config
            .from_address
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .unwrap_or("amiable.localhost")
    }

    /// The same delivery always has the same `Message-ID`.
    fn message_id(&self, idem_key: &str) -> String {
        let digest = Sha256::digest(idem_key.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("<{hex}@{}>", self.mail_domain())
    }

    async fn pass(&self, app: &App) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        // Dispatch: decide and render each claimed event, then plan them all (and
        // delete their outbox rows) in one transaction.
        let rows = app
            .store()
            .claim_outbox(&self.worker_id, BATCH, LEASE, Timestamp::now())
            .await?;
        if !rows.is_empty() {
            let mut planned = Vec::with_capacity(rows.len());
            for row in &rows {
                planned.push((row.id, self.plan(app, row).await?));
            }
            pass.dispatched = app.store().plan_outbox(&self.worker_id, &planned).await?;
        }
        // The daily digests that fell due join the deliveries below.
        pass.dispatched += self.digests(app, Timestamp::now()).await?;
        // Deliver: up to PARALLEL at once; outcomes recorded together, at the latest
        // every RECORD_EVERY of them or once nothing else is running.
        let due = app
            .store()
            .claim_deliveries(&self.worker_id, BATCH, LEASE, Timestamp::now())
            .await?;
        pass.attempted = due.len();
        let mut due = due.into_iter();
        let mut running = tokio::task::JoinSet::new();
        let mut tried = Vec::new();
        loop {
            while running.len() < PARALLEL {
                let Some(delivery) = due.next() else { break };
                let app = app.clone();
                let worker = self.clone();
                running.spawn(async move { worker.attempt(&app, delivery).await });
            }
            match running.join_next().await {
                Some(Ok(one)) => tried.push(one),
                Some(Err(error)) => tracing::error!(%error, "a delivery's task failed"),
                None => break,
            }
            if tried.len() >= RECORD_EVERY || running.is_empty() {
                self.record(app, std::mem::take(&mut tried)).await?;
            }
        }
        self.record(app, tried).await?;
        Ok(pass)
    }
}

impl App {
    /// Runs the notification worker until `stop` is set: dispatches the outbox and
    /// delivers what is due, polling every `interval` when idle.
    pub async fn run_notifications(
        &self,
        worker_id: String,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        if let Err(errors) = render::check_templates() {
            for error in errors {
                tracing::error!(%error, "notification template refused");
            }
        }
        let notifier = Notifier::new(self, &worker_id);
        loop {
            let idle = match notifier.pass(self).await {
                Ok(pass) => pass.dispatched == 0 && pass.attempted == 0,
                Err(error) => {
                    tracing::error!(%error, "notification worker pass failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stop.changed() => {}
                }
            }
            if *stop.borrow() {
                break;
            }
        }
    }

    /// One pass of the worker (tests, the command line): dispatches and delivers what is due.
    pub async fn notify_pass(&self, worker_id: &str) -> Result<Pass, Error> {
        Ok(Notifier::new(self, worker_id).pass(self).await?)
    }

    /// Passes until nothing is due now (tests, the command line).
    pub async fn notify_until_idle(&self, worker_id: &str) -> Result<Pass, Error> {
        let notifier = Notifier::new(self, worker_id);
        let mut total = Pass::default();
        loop {
            let pass = notifier.pass(self).await?;
            if pass.dispatched == 0 && pass.attempted == 0 {
                return Ok(total);
            }
            total.dispatched += pass.dispatched;
            total.attempted += pass.attempted;
        }
    }

    /// The deliveries in the caller's reach, newest first (the sent-mail page,
    /// the dead letters). Merchant staff see their shop's, not those to the marketplace.
    pub async fn deliveries(
        &self,
        principal: &Principal,
        mut filter: DeliveryFilter,
    ) -> Result<Vec<Delivery>, Error> {
        let (operator_id, merchant_id) = staff_reach(principal)?;
        allow(
            principal,
            Action::ReadSettings,
            &tenant_resource(operator_id, merchant_id),
            "delivery",
        )?;
        filter.operator_id = Some(operator_id);
        if let Some(merchant_id) = merchant_id {
            filter.merchant_id = Some(merchant_id.to_string());
        }
        let mut found = self.store().deliveries(&filter).await?;
        if merchant_id.is_some() {
            found.retain(|d| d.audience != "operator");
        }
        self.readable_deliveries(principal, found).await
    }

    /// The deliveries `principal` may read: a message caused by an event the caller may
    /// not see (the buyer's private channel with the mediator, for the shop) is left out.
    pub async fn readable_deliveries(
        &self,
        principal: &Principal,
        deliveries: Vec<Delivery>,
    ) -> Result<Vec<Delivery>, Error> {
        use amiable_domain::case::Party;
        use std::collections::HashMap;
        let viewer = principal.actor().party();
        if matches!(viewer, Party::Operator | Party::System) {
            return Ok(deliveries);
        }
        let mut hidden: HashMap<amiable_domain::ids::CaseId, Vec<i64>> = HashMap::new();
        let mut readable = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let (Some(case_id), Some(seq)) = (delivery.case_id, delivery.seq) else {
                readable.push(delivery);
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(entry) = hidden.entry(case_id) {
                let events = self.store().timeline(case_id).await?;
                entry.insert(
                    events
                        .iter()
                        .filter(|e| !e.event.visible_to(viewer))
                        .map(|e| e.seq)
                        .collect(),
                );
            }
            if !hidden.get(&case_id).is_some_and(|seqs| seqs.contains(&seq)) {
                readable.push(delivery);
            }
        }
        Ok(readable)
    }

    /// One delivery in the caller's reach, with its attempts.
    pub async fn delivery(
        &self,
        principal: &Principal,
        id: i64,
    ) -> Result<(Delivery, Vec<Attempt>), Error> {
        let delivery = self
            .delivery_in_reach(principal, id, Action::ReadSettings)
            .await?;
        // Another party's private channel is not found.
        let delivery = self
            .readable_deliveries(principal, vec![delivery])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("delivery"))?;
        let attempts = self.store().delivery_attempts(id).await?;
        Ok((delivery, attempts))
    }

    /// "Send again": a dead (or already sent) delivery goes back to the queue with
    /// fresh attempts. Administrators of its tenant only.
    pub async fn resend_delivery(&self, principal: &Principal, id: i64) -> Result<Delivery, Error> {
        self.delivery_in_reach(principal, id, Action::ManageSettings)
            .await?;
        self.store()
            .resend_delivery(id, MESSAGE_ATTEMPTS, Timestamp::now())
            .await?;
        tracing::info!(delivery = id, "delivery queued again");
        self.store()
            .delivery(id)
            .await?
            .ok_or_else(|| Error::not_found("delivery"))
    }

    async fn delivery_in_reach(
        &self,
        principal: &Principal,
        id: i64,
        action: Action,
    ) -> Result<Delivery, Error> {
        let (operator_id, merchant_id) = staff_reach(principal)?;
        let delivery = self
            .store()
            .delivery(id)
            .await?
            .filter(|d| d.operator_id == operator_id.to_string())
            .filter(|d| {
                merchant_id.is_none_or(|m| {
                    d.merchant_id.as_deref() == Some(m.to_string().as_str())
                        && d.audience != "operator"
                })
            })
            .ok_or_else(|| Error::not_found("delivery"))?;
        allow(
            principal,
            action,
            &tenant_resource(operator_id, merchant_id),
            "delivery",
        )?;
        Ok(delivery)
    }

    /// What a buyer chose to receive about their orders on this marketplace.
    pub async fn buyer_preferences(
        &self,
        operator_id: OperatorId,
        email: &str,
    ) -> Result<(Preferences, Option<E164>), Error> {
        let notifier = Notifier::new(self, "preferences");
        Ok(notifier
            .preferences_of(self, &buyer_subject(operator_id, email))
            .await?)
    }

    /// Saves a buyer's choices; a phone number is needed for text messages.
    pub async fn set_buyer_preferences(
        &self,
        operator_id: OperatorId,
        email: &str,
        preferences: Preferences,
        phone: Option<&str>,
    ) -> Result<(Preferences, Option<E164>), Error> {
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => Some(E164::parse(raw, "FR").map_err(Error::field)?),
            None => None,
        };
        if preferences.sms && phone.is_none() {
            return Err(Error::invalid_field(
                "phone",
                "phone.required_for_sms",
                "a phone number is needed to receive text messages",
            ));
        }
        let json = serde_json::to_string(&preferences)
            .map_err(|e| Error::internal_because("preferences", e))?;
        self.store()
            .set_notification_preferences(
                &buyer_subject(operator_id, email),
                &json,
                phone.as_ref().map(E164::as_str),
            )
            .await?;
        Ok((preferences, phone))
    }

    /// A staff user's own choices.
    pub async fn staff_preferences(&self, user_id: &str) -> Result<Preferences, Error> {
        let notifier = Notifier::new(self, "preferences");
        Ok(notifier
            .preferences_of(self, &user_subject(user_id))
            .await?
            .0)
    }

    pub async fn set_staff_preferences(
        &self,
        user_id: &str,
        preferences: Preferences,
    ) -> Result<Preferences, Error> {
        let json = serde_json::to_string(&preferences)
            .map_err(|e| Error::internal_because("preferences", e))?;
        self.store()
            .set_notification_preferences(&user_subject(user_id), &json, None)
            .await?;
        Ok(preferences)
    }
}

/// What someone receives, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreferencesView {
    /// Optional emails (what is needed to settle a case is always emailed).
    pub email: bool,
    /// Text messages at the key steps (buyers; a phone number is needed).
    pub sms: bool,
    /// News not needed to settle anything: parcel received, refund made, case resolved…
    pub updates: bool,
    /// Staff: one email a day at 8 a.m. instead of one per new case or message.
    pub daily_digest: bool,
    /// The buyer's mobile number in E.164.
    pub phone: Option<String>,
}

/// A change of preferences: the fields given replace the current ones.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    pub email: Option<bool>,
    pub sms: Option<bool>,
    pub updates: Option<bool>,
    pub daily_digest: Option<bool>,
    /// A mobile number (`+33612345678`, or French national `06 12 34 56 78`); `""` removes it.
    pub phone: Option<String>,
}

fn view(preferences: Preferences, phone: Option<E164>) -> PreferencesView {
    PreferencesView {
        email: preferences.email,
        sms: preferences.sms,
        updates: preferences.updates,
        daily_digest: preferences.daily_digest,
        phone: phone.map(|p| p.as_str().to_owned()),
    }
}

impl App {
    /// The caller's own preferences: a staff member's, or a buyer's (for the
    /// order's marketplace and email address). Integrations have none.
    pub async fn my_preferences(&self, principal: &Principal) -> Result<PreferencesView, Error> {
        match principal {
            Principal::Staff { user_id, .. } => {
                Ok(view(self.staff_preferences(user_id).await?, None))
            }
            Principal::Buyer {
                operator_id,
                order_id,
                ..
            } => {
                let email = self.buyer_email(*order_id).await?;
                let (preferences, phone) = self.buyer_preferences(*operator_id, &email).await?;
                Ok(view(preferences, phone))
            }
            Principal::ApiKey { .. } => Err(Error::forbidden()),
        }
    }

    /// Changes the caller's own preferences (see [`App::my_preferences`]).
    pub async fn set_my_preferences(
        &self,
        principal: &Principal,
        input: &PreferencesInput,
    ) -> Result<PreferencesView, Error> {
        let merge = |current: Preferences| Preferences {
            email: input.email.unwrap_or(current.email),
            sms: input.sms.unwrap_or(current.sms),
            updates: input.updates.unwrap_or(current.updates),
            daily_digest: input.daily_digest.unwrap_or(current.daily_digest),
        };
        match principal {
            Principal::Staff { user_id, .. } => {
                for (field, given) in [
                    ("sms", input.sms == Some(true)),
                    ("phone", input.phone.is_some()),
                ] {
                    if given {
                        return Err(Error::invalid_field(
                            field,
                            "preferences.buyers_only",
                            "text messages are for buyers; staff are told by email",
                        ));
                    }
                }
                let current = self.staff_preferences(user_id).await?;
                Ok(view(
                    self.set_staff_preferences(user_id, merge(current)).await?,
                    None,
                ))
            }
            Principal::Buyer {
                operator_id,
                order_id,
                ..
            } => {
                if input.daily_digest == Some(true) {
                    return Err(Error::invalid_field(
                        "daily_digest",
                        "preferences.staff_only",
                        "the daily digest is for staff",
                    ));
                }
                let email = self.buyer_email(*order_id).await?;
                let (current, phone) = self.buyer_preferences(*operator_id, &email).await?;
                let phone = match &input.phone {
                    Some(given) => given.clone(),
                    None => phone.map(|p| p.as_str().to_owned()).unwrap_or_default(),
                };
                let (preferences, phone) = self
                    .set_buyer_preferences(*operator_id, &email, merge(current), Some(&phone))
                    .await?;
                Ok(view(preferences, phone))
            }
            Principal::ApiKey { .. } => Err(Error::forbidden()),
        }
    }

    async fn buyer_email(&self, order_id: amiable_domain::ids::OrderId) -> Result<String, Error> {
        Ok(self
            .store()
            .order(order_id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?
            .order
            .buyer
            .email
            .as_str()
            .to_owned())
    }
}

/// The tenant a staff principal works for: (operator, merchant when a shop's staff).
pub(crate) fn staff_reach(
    principal: &Principal,
) -> Result<(OperatorId, Option<MerchantId>), Error> {
    match principal.reach() {
        Reach::Operator(operator) => Ok((operator, None)),
        Reach::Merchant(operator, merchant) => Ok((operator, Some(merchant))),
        Reach::Order(..) => Err(Error::forbidden()),
    }
}

pub(crate) fn tenant_resource(
    operator_id: OperatorId,
    merchant_id: Option<MerchantId>,
) -> Resource {
    match merchant_id {
        Some(merchant_id) => Resource::merchant(operator_id, merchant_id),
        None => Resource::operator(operator_id),
    }
}
