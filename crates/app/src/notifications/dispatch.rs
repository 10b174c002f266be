//! From the outbox to deliveries: for each event owed to its audience, who
//! could hear of it (the buyer, the merchant's staff, the marketplace's staff,
//! with their preferences), what the domain decides they hear, in their words;
//! and the webhook endpoints subscribed to the event. Planned in one
//! transaction with the outbox row's removal, each delivery under its
//! idempotency key.

use super::render::{self, Vars};
use super::{Notifier, buyer_subject, user_subject, webhooks};
use crate::App;
use amiable_domain::access::Role;
use amiable_domain::case::{
    Actor, CaseEvent, CaseState, ConversationEvent, EscalationEvent, HelpdeskEvent, IncidentEvent,
    LifecycleEvent, MediationEvent, MoneyEvent, ResponseTimes, ReturnEvent, next_deadline,
};
use amiable_domain::contact::{Email, Locale};
use amiable_domain::notify::{self, Audience, Channel, Preferences, Recipient, Topic};
use amiable_domain::order::{Order, PaymentProvider};
use amiable_domain::sms::E164;
use amiable_i18n::{self as catalogue, Lang, format};
use amiable_store::{NewDelivery, OutboxRow, StoreError, StoredEvent};
use jiff::{SignedDuration, Timestamp};

/// Attempts for an email or a text message before it is a dead letter.
pub const MESSAGE_ATTEMPTS: i64 = 10;

/// How long a buyer's link in an email opens the portal.
const LINK_TTL: SignedDuration = SignedDuration::from_hours(24 * 60);

/// What the messages of one case need to know.
struct Facts {
    state: CaseState,
    buyer_email: String,
    order: Option<Order>,
    shop: String,
    operator: String,
    /// The marketplace's time zone: a daily digest leaves at 8 a.m. there.
    time_zone: jiff::tz::TimeZone,
}

pub(super) fn lang(locale: Locale) -> Lang {
    match locale {
        Locale::Fr => Lang::Fr,
        Locale::En => Lang::En,
    }
}

fn locale_of(code: &str) -> Locale {
    Locale::parse(code).unwrap_or_default()
}

impl Notifier {
    /// The deliveries one outbox row owes (nothing written yet).
    pub(super) async fn plan(
        &self,
        app: &App,
        row: &OutboxRow,
    ) -> Result<Vec<NewDelivery>, StoreError> {
        let store = app.store();
        let (Some(event), Some(record)) = (
            store.event(row.case_id, row.seq).await?,
            store.case(row.case_id).await?,
        ) else {
            return Ok(Vec::new());
        };
        let previous = if row.seq > 1 {
            store.event(row.case_id, row.seq - 1).await?
        } else {
            None
        };
        let order = store.order(record.state.order_id).await?.map(|o| o.order);
        let shop = store
            .merchant(record.state.merchant_id)
            .await?
            .map(|m| m.name)
            .unwrap_or_default();
        let (operator, time_zone) = store
            .operator(record.state.operator_id)
            .await?
            .map(|o| {
                let zone = o
                    .settings
                    .get("time_zone")
                    .and_then(|z| z.as_str())
                    .and_then(|z| jiff::tz::TimeZone::get(z).ok());
                (o.name, zone)
            })
            .unwrap_or_default();
        let facts = Facts {
            state: record.state,
            buyer_email: record.buyer_email,
            order,
            shop,
            operator,
            time_zone: time_zone.unwrap_or_else(super::default_zone),
        };
        let mut deliveries = Vec::new();
        let topics = notify::topics(
            &event.event,
            &event.actor,
            previous.as_ref().map(|p| &p.event),
        );
        if !topics.is_empty() {
            let recipients = self.recipients(app, &facts, &topics).await?;
            let notifications = notify::decide(
                &event.event,
                &event.actor,
                previous.as_ref().map(|p| &p.event),
                &recipients,
            );
            for notification in notifications {
                let recipient = &recipients[notification.recipient];
                if let Some(delivery) = self.message(
                    app,
                    &event,
                    &facts,
                    notification.topic,
                    recipient,
                    notification.channel,
                ) {
                    deliveries.push(delivery);
                }
            }
        }
        deliveries.extend(webhooks::plan(self, app, &event, &facts.state).await?);
        Ok(deliveries)
    }

    /// The buyer, and the staff of each audience the topics are for.
    async fn recipients(
        &self,
        app: &App,
        facts: &Facts,
        topics: &[Topic],
    ) -> Result<Vec<Recipient>, StoreError> {
        let store = app.store();
        let state = &facts.state;
        let wants = |audience| topics.iter().any(|t| t.audience() == audience);
        let mut recipients = Vec::new();
        if wants(Audience::Buyer) {
            let subject = buyer_subject(state.operator_id, &facts.buyer_email);
            let (preferences, phone) = self.preferences_of(app, &subject).await?;
            let order_phone = facts
                .order
                .as_ref()
                .and_then(|o| o.buyer.phone.as_ref())
                .and_then(|p| E164::parse(p.as_str(), "FR").ok());
            recipients.push(Recipient {
                audience: Audience::Buyer,
                key: "buyer".into(),
                email: Email::parse(&facts.buyer_email).ok(),
                phone: phone.or(order_phone),
                language: facts
                    .order
                    .as_ref()
                    .map(|o| o.buyer.locale)
                    .unwrap_or_default(),
                preferences,
            });
        }
        let staff_audiences = [Audience::Merchant, Audience::Operator];
        if staff_audiences.iter().any(|a| wants(*a)) {
            for user in store.users(state.operator_id, None).await? {
                if user.disabled_at.is_some() {
                    continue;
                }
                let audience = match user.role {
                    Role::MerchantAdmin | Role::MerchantAgent
                        if user.merchant_id == Some(state.merchant_id) =>
                    {
                        Audience::Merchant
                    }
                    Role::OperatorAdmin | Role::Mediator if user.merchant_id.is_none() => {
                        Audience::Operator
                    }
                    _ => continue,
                };
                if !wants(audience) {
                    continue;
                }
                let (preferences, _) = self.preferences_of(app, &user_subject(&user.id)).await?;
                recipients.push(Recipient {
                    audience,
                    key: user.id.clone(),
                    email: Email::parse(&user.email).ok(),
                    phone: None,
                    language: locale_of(&user.locale),
                    preferences,
                });
            }
        }
        Ok(recipients)
    }

    pub(super) async fn preferences_of(
        &self,
        app: &App,
        subject: &str,
    ) -> Result<(Preferences, Option<E164>), StoreError> {
        Ok(match app.store().notification_preferences(subject).await? {
            Some((json, phone)) => (
                serde_json::from_str(&json).unwrap_or_default(),
                phone.and_then(|p| E164::parse(&p, "FR").ok()),
            ),
            None => (Preferences::default(), None),
        })
    }

    /// One email or text message, rendered.
    fn message(
        &self,
        app: &App,
        event: &StoredEvent,
        facts: &Facts,
        topic: Topic,
        recipient: &Recipient,
        channel: Channel,
    ) -> Option<NewDelivery> {
        let lang = lang(recipient.language);
        let buyer_side = recipient.audience == Audience::Buyer;
        // A buyer's links carry a signed access: the case (or the preferences) opens
        // without retyping the order number.
        let (link, preferences) = if buyer_side {
            let access = self.absolute(&app.buyer_access(facts.order.as_ref()?, LINK_TTL).link);
            (
                format!("{access}&dossier={}", facts.state.case_id),
                format!("{access}&page=preferences"),
            )
        } else {
            (
                self.absolute(&format!("/console/cases/{}", facts.state.case_id)),
                self.absolute("/console/preferences"),
            )
        };
        let mut vars: Vars = vec![
            ("name", self.name_of(recipient, facts)),
            ("shop", facts.shop.clone()),
            ("case", facts.state.case_id.short()),
            (
                "order",
                facts
                    .order
                    .as_ref()
                    .map(|o| o.external_id.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            ("link", link.clone()),
            ("preferences", preferences),
        ];
        vars.extend(self.topic_vars(topic, lang, event, facts));
        if topic == Topic::CaseResolved {
            let survey = format!("{link}#avis");
            vars.retain(|(name, _)| *name != "survey");
            vars.push(("survey", survey));
        }
        let rendered = match render::render(topic, lang, &vars) {
            Ok(rendered) => rendered,
            Err(error) => {
                tracing::error!(%error, "notification not rendered");
                return None;
            }
        };
        let (address, subject, text, html) = match channel {
            Channel::Email | Channel::Digest => (
                recipient.email.as_ref()?.as_str().to_owned(),
                rendered.subject,
                rendered.text,
                Some(rendered.html),
            ),
            Channel::Sms => (
                recipient.phone.as_ref()?.as_str().to_owned(),
                rendered.subject,
                rendered.sms?,
                None,
            ),
            Channel::Webhook => return None,
        };
        let idem_key = format!(
            "{}:{}:{}:{}:{}",
            event.case_id,
            event.seq,
            channel.code(),
            recipient.key,
            topic.code()
        );
        Some(NewDelivery {
            message_id: self.message_id(&idem_key),
            idem_key,
            operator_id: facts.state.operator_id.to_string(),
            merchant_id: Some(facts.state.merchant_id.to_string()),
            case_id: Some(event.case_id),
            seq: Some(event.seq),
            channel: channel.code().into(),
            topic: topic.code().into(),
            audience: match recipient.audience {
                Audience::Buyer => "buyer",
                Audience::Merchant => "merchant",
                Audience::Operator => "operator",
            }
            .into(),
            recipient: address,
            recipient_key: recipient.key.clone(),
            language: lang.as_str().into(),
            sender_name: if recipient.audience == Audience::Operator {
                facts.operator.clone()
            } else {
                facts.shop.clone()
            },
            subject,
            body_text: text,
            body_html: html,
            max_attempts: MESSAGE_ATTEMPTS,
            due_at: if channel == Channel::Digest {
                super::next_digest_at(Timestamp::now(), &facts.time_zone)
            } else {
                Timestamp::now()
            },
        })
    }

    fn name_of(&self, recipient: &Recipient, facts: &Facts) -> String {
        match recipient.audience {
            Audience::Buyer => facts
                .order
                .as_ref()
                .map(|o| o.buyer.name.as_str().to_owned())
                .unwrap_or_default(),
            Audience::Merchant | Audience::Operator => recipient
                .email
                .as_ref()
                .map(|e| e.as_str().split('@').next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The variables of `topic` for this event.
    fn topic_vars(&self, topic: Topic, lang: Lang, event: &StoredEvent, facts: &Facts) -> Vars {
        let ui = |id: &str| catalogue::message(lang, id, None);
        let state = &facts.state;
        let buyer = facts
            .order
            .as_ref()
            .map(|o| o.buyer.name.as_str().to_owned())
            .unwrap_or_else(|| facts.buyer_email.clone());
        let kind = ui(&format!("kind-{}", state.kind.code())).to_lowercase();
        let stage = ui(&format!("stage-{}", state.stage.code())).to_lowercase();
        let resolution = |kind: amiable_domain::case::ResolutionKind| {
            ui(&format!("resolution-{}", kind.code())).to_lowercase()
        };
        let mut vars: Vars = Vec::new();
        let mut put = |name: &'static str, value: String| vars.push((name, value));
        match topic {
            Topic::CaseOpened => {
                put("kind", kind);
                let due = next_deadline(state, &ResponseTimes::default())
                    .unwrap_or(event.recorded_at)
                    .to_zoned(format::zone())
                    .date();
                put("due", format::date(lang, due));
            }
            Topic::MessageToBuyer | Topic::BuyerMessage => {
                match &event.event {
                    CaseEvent::Conversation(ConversationEvent::MessagePosted { body })
                    | CaseEvent::Mediation(MediationEvent::PrivateMessagePosted { body, .. }) => {
                        put("message", body.as_str().to_owned());
                    }
                    _ => {}
                }
                put(
                    "author",
                    match event.actor {
                        Actor::OperatorUser { .. } => facts.operator.clone(),
                        _ => facts.shop.clone(),
                    },
                );
                put("buyer", buyer);
            }
            Topic::OfferToBuyer => {
                if let CaseEvent::Escalation(EscalationEvent::OfferProposed { terms, .. }) =
                    &event.event
                {
                    let mut offer = resolution(terms.kind);
                    if let Some(amount) = &terms.amount {
                        offer = format!("{offer} ({})", format::money(lang, amount));
                    }
                    put("offer", offer);
                }
            }
            Topic::ReturnAuthorised => {
                let progress = state.returns.as_ref();
                put(
                    "rma",
                    progress.and_then(|p| p.rma.clone()).unwrap_or_default(),
                );
                let instructions = match progress {
                    Some(p) if p.returnless => "notify-instructions-returnless",
                    Some(p) if p.label.is_some() => "notify-instructions-label",
                    Some(p)
                        if p.return_shipping == amiable_domain::returns::ReturnShipping::Buyer =>
                    {
                        "notify-instructions-ship"
                    }
                    _ => "notify-instructions-wait",
                };
                put("instructions", ui(instructions));
            }
            Topic::ReturnRefused => {
                if let CaseEvent::Returns(ReturnEvent::ReturnRefused { ground }) = &event.event {
                    put("ground", ground.as_str().to_owned());
                }
            }
            Topic::LabelReady => {
                if let CaseEvent::Returns(ReturnEvent::LabelIssued { label }) = &event.event {
                    put(
                        "expires",
                        format::date(lang, label.expires_at.to_zoned(format::zone()).date()),
                    );
                }
            }
            Topic::RefundMade => {
                if let CaseEvent::Money(MoneyEvent::RefundSettled { refund_id, .. }) = &event.event
                    && let Some(refund) = state.refunds.iter().find(|r| r.refund_id == *refund_id)
                {
                    put("amount", format::money(lang, &refund.amount));
                }
                let card = facts
                    .order
                    .as_ref()
                    .and_then(|o| o.payment.as_ref())
                    .is_some_and(|p| {
                        matches!(p.provider, PaymentProvider::Card | PaymentProvider::Stripe)
                    });
                put(
                    "method",
                    ui(if card {
                        "notify-method-card"
                    } else {
                        "notify-method-payment"
                    }),
                );
                put(
                    "arrives",
                    ui(if card {
                        "notify-arrives-card"
                    } else {
                        "notify-arrives-other"
                    }),
                );
            }
            Topic::EscalationAccepted | Topic::CaseEscalated | Topic::EscalationToHandle => {
                put("stage", stage);
                put("merchant", facts.shop.clone());
            }
            Topic::DecisionToBuyer | Topic::DecisionToMerchant => match &event.event {
                CaseEvent::Escalation(EscalationEvent::DecisionRecorded { decision }) => {
                    put("outcome", resolution(decision.resolution.kind));
                    put("grounds", decision.rationale.as_str().to_owned());
                }
                CaseEvent::Mediation(MediationEvent::AppealDecided {
                    outcome,
                    grounds,
                    decision,
                    ..
                }) => {
                    let said = match (decision, &state.decision) {
                        (Some(d), _) | (None, Some(d)) => resolution(d.resolution.kind),
                        (None, None) => ui(&format!("appeal-{}", outcome.code())).to_lowercase(),
                    };
                    put("outcome", said);
                    put("grounds", grounds.as_str().to_owned());
                }
                _ => {}
            },
            Topic::ResponsibilityToBuyer => {
                if let CaseEvent::Incident(IncidentEvent::ResponsibilityDetermined {
                    responsible,
                    grounds,
                    ..
                }) = &event.event
                {
                    put(
                        "responsible",
                        ui(&format!("responsibility-{}", responsible.code())).to_lowercase(),
                    );
                    put("grounds", grounds.as_str().to_owned());
                }
            }
            Topic::ReplacementShipped | Topic::ReplacementLost => {
                let parcel = state.incident.as_ref().and_then(|i| i.reshipments.last());
                if let Some(parcel) = parcel {
                    put("carrier", parcel.carrier.as_str().to_owned());
                    put("tracking", parcel.tracking_number.as_str().to_owned());
                }
            }
            Topic::InformationRequestToBuyer | Topic::InformationRequestToMerchant => {
                if let CaseEvent::Mediation(MediationEvent::InformationRequested {
                    request,
                    due_at,
                    ..
                }) = &event.event
                {
                    put("request", request.as_str().to_owned());
                    put(
                        "due",
                        format::date(lang, due_at.to_zoned(format::zone()).date()),
                    );
                }
            }
            Topic::ConsumerMediatorOffered => {
                if let CaseEvent::Mediation(MediationEvent::ConsumerMediationOffered { mediator }) =
                    &event.event
                {
                    put("mediator", mediator.name.as_str().to_owned());
                    put("website", mediator.website.as_str().to_owned());
                }
            }
            Topic::MediatorMessage | Topic::MessageToMediator => {
                if let CaseEvent::Mediation(MediationEvent::PrivateMessagePosted { body, .. }) =
                    &event.event
                {
                    put("message", body.as_str().to_owned());
                }
                put(
                    "party",
                    ui(&format!("party-{}", event.actor.party().code())).to_lowercase(),
                );
                put("merchant", facts.shop.clone());
            }
            Topic::AppealToHandle => {
                if let CaseEvent::Mediation(MediationEvent::Appealed { grounds, .. }) = &event.event
                {
                    put("grounds", grounds.as_str().to_owned());
                }
                put(
                    "party",
                    ui(&format!("party-{}", event.actor.party().code())).to_lowercase(),
                );
                put("merchant", facts.shop.clone());
            }
            Topic::DeliveryDeadlineSet | Topic::LateOrderCancelled => {
                let due = match &event.event {
                    CaseEvent::Incident(IncidentEvent::DeliveryDeadlineSet { deliver_by }) => {
                        Some(*deliver_by)
                    }
                    CaseEvent::Incident(IncidentEvent::LateOrderCancelled { refund_due_by }) => {
                        Some(*refund_due_by)
                    }
                    _ => None,
                };
                if let Some(due) = due {
                    put("due", format::date(lang, due));
                }
                put("buyer", buyer.clone());
            }
            Topic::StatusUpdate => {
                if let CaseEvent::Helpdesk(HelpdeskEvent::StatusUpdateSent { body }) = &event.event
                {
                    put("message", body.as_str().to_owned());
                }
            }
            Topic::SlaWarning | Topic::SlaBreach | Topic::SlaToOperator => {
                if let CaseEvent::Helpdesk(HelpdeskEvent::SlaAlertRaised {
                    target, due_at, ..
                }) = &event.event
                {
                    put("target", ui(&format!("sla-target-{}", target.code())));
                    put("due", format::datetime_in(lang, *due_at, &facts.time_zone));
                }
                put("merchant", facts.shop.clone());
            }
            Topic::AutomationToMerchant | Topic::AutomationToOperator => {
                if let CaseEvent::Helpdesk(HelpdeskEvent::AutomationFired { rule, .. }) =
                    &event.event
                {
                    put("rule", rule.clone());
                }
                put("merchant", facts.shop.clone());
            }
            Topic::GoodwillApproval => {
                if let CaseEvent::Money(MoneyEvent::CompensationApprovalRequested {
                    amount, ..
                }) = &event.event
                {
                    put("amount", format::money(lang, amount));
                }
            }
            Topic::CaseResolved => {
                if let CaseEvent::Lifecycle(LifecycleEvent::Resolved { resolution: r }) =
                    &event.event
                {
                    put("outcome", resolution(r.kind));
                }
                // The survey is the case page's #avis, through the buyer's signed link
                // (a redirect keeps the fragment): see `message`.
            }
            Topic::NewCase => {
                put("kind", kind);
                let code = state.reason.as_str();
                let reason = match amiable_domain::reason::BuiltinReason::from_code(code) {
                    Some(builtin) if lang == Lang::Fr => builtin.label_fr().to_lowercase(),
                    Some(builtin) => builtin.label_en().to_lowercase(),
                    None => code.replace(['_', '.'], " "),
                };
                put("reason", reason);
                put("buyer", buyer);
            }
            Topic::OfferAnswered => put("buyer", buyer),
            Topic::ReturnShipped => {
                if let CaseEvent::Returns(ReturnEvent::ShipmentDeclared { shipment }) = &event.event
                {
                    put("carrier", shipment.carrier.as_str().to_owned());
                    put("tracking", shipment.tracking_number.as_str().to_owned());
                }
                put("buyer", buyer);
            }
            Topic::LabelExpired | Topic::ParcelReceived => {}
            Topic::LabelExpiring | Topic::RefundDue | Topic::RefundOverdue => {
                if let CaseEvent::Money(MoneyEvent::ReminderSent { due_by, .. }) = &event.event {
                    put(
                        if topic == Topic::LabelExpiring {
                            "expires"
                        } else {
                            "due"
                        },
                        format::date(lang, *due_by),
                    );
                }
                if topic != Topic::LabelExpiring {
                    put("buyer", buyer.clone());
                }
            }
        }
        // Whatever the event did not say stays visible as an ellipsis, never a hole.
        for name in render::variables(topic) {
            if !vars.iter().any(|(n, _)| n == name) {
                vars.push((name, "…".into()));
            }
        }
        vars
    }
}
