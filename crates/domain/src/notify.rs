//! Who hears of what: the pure decision of notifications.
//!
//! An event of a case concerns some of its parties ([`topics`]): the buyer
//! hears that a message arrived, the merchant's staff that a new case was
//! opened, the marketplace's staff that an escalation awaits them. [`decide`]
//! turns one event, the person who caused it and the people who could hear of
//! it (with their preferences) into notifications — one per recipient and
//! channel. It is pure, like the case decider: the store writes the event and
//! its outbox row in one transaction, and the dispatcher asks this function
//! what to deliver.
//!
//! The buyer may opt out of every message that is not needed to settle the
//! case ([`Topic::required`]); what is needed always goes by email.

use crate::case::{Actor, CaseEvent, ConversationEvent, Party, ReminderTopic, Stage};
use crate::case::{EscalationEvent, LifecycleEvent, MoneyEvent, ReturnEvent};
use crate::case::{HelpdeskEvent, IncidentEvent, MediationEvent};
use crate::contact::{Email, Locale};
use crate::sla::Alert;
use crate::sla::policy::Target;
use crate::sms::E164;
use serde::{Deserialize, Serialize};

/// The people a notification goes to, by their part in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The buyer of the order.
    Buyer,
    /// The merchant's staff (admins and agents).
    Merchant,
    /// The marketplace's staff (admins and mediators).
    Operator,
}

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    /// A signed HTTP POST to a subscribed endpoint (shop platforms, back offices).
    Webhook,
    /// Held for a staff member's daily digest: one email a day lists them all.
    Digest,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Email,
        Channel::Sms,
        Channel::Webhook,
        Channel::Digest,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
            Channel::Digest => "digest",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }
}

macro_rules! topics {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $audience:ident, required: $required:literal, sms: $sms:literal;)+) => {
        /// What a notification tells. Each topic is one template (`notify-<code>-…` in
        /// `notifications.ftl`) and is meant for one audience.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Topic { $($(#[$doc])* $variant),+ }

        impl Topic {
            pub const ALL: &'static [Topic] = &[$(Topic::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $(Topic::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Topic> {
                match code { $($code => Some(Topic::$variant),)+ _ => None }
            }

            /// Who the topic is written for.
            pub fn audience(self) -> Audience {
                match self { $(Topic::$variant => Audience::$audience),+ }
            }

            /// Needed to settle the case: a buyer cannot opt out of it (a question to
            /// answer, an offer to accept, a label to use, a decision to know).
            pub fn required(self) -> bool {
                match self { $(Topic::$variant => $required),+ }
            }

            /// Worth a text message too, for a buyer who asked for them.
            pub fn by_sms(self) -> bool {
                match self { $(Topic::$variant => $sms),+ }
            }
        }
    };
}

topics! {
    /// The buyer's request is registered: what happens next and by when.
    CaseOpened => "case_opened", Buyer, required: true, sms: false;
    /// The merchant or the marketplace wrote to the buyer.
    MessageToBuyer => "message_to_buyer", Buyer, required: true, sms: true;
    /// An offer awaits the buyer's answer.
    OfferToBuyer => "offer_to_buyer", Buyer, required: true, sms: true;
    /// The return is accepted (with the label when there is one).
    ReturnAuthorised => "return_authorised", Buyer, required: true, sms: true;
    /// The return is refused, with its ground.
    ReturnRefused => "return_refused", Buyer, required: true, sms: false;
    /// A prepaid label is ready to print.
    LabelReady => "label_ready", Buyer, required: true, sms: true;
    /// The label is no longer valid: ask for another.
    LabelExpired => "label_expired", Buyer, required: true, sms: false;
    /// The returned parcel arrived at the merchant's.
    ParcelReceived => "parcel_received", Buyer, required: false, sms: true;
    /// Money went back to the buyer: how much, how, when it arrives.
    RefundMade => "refund_made", Buyer, required: false, sms: true;
    /// The marketplace took up the case.
    EscalationAccepted => "escalation_accepted", Buyer, required: false, sms: false;
    /// A binding decision, with its grounds.
    DecisionToBuyer => "decision_to_buyer", Buyer, required: true, sms: false;
    /// The case is settled; with the satisfaction survey's link.
    CaseResolved => "case_resolved", Buyer, required: false, sms: false;
    /// The return label expires in two days and the parcel has not left.
    LabelExpiring => "label_expiring", Buyer, required: true, sms: true;
    /// A new case for the merchant.
    NewCase => "new_case", Merchant, required: false, sms: false;
    /// The buyer wrote.
    BuyerMessage => "buyer_message", Merchant, required: false, sms: false;
    /// The buyer answered an offer (or an offer awaits the merchant's answer).
    OfferAnswered => "offer_answered", Merchant, required: false, sms: false;
    /// The case climbed the ladder.
    CaseEscalated => "case_escalated", Merchant, required: true, sms: false;
    /// A binding decision the merchant must carry out.
    DecisionToMerchant => "decision_to_merchant", Merchant, required: true, sms: false;
    /// The buyer says the parcel left.
    ReturnShipped => "return_shipped", Merchant, required: false, sms: false;
    /// The legal refund deadline (C. conso L221-24) is two days away.
    RefundDue => "refund_due", Merchant, required: true, sms: false;
    /// The legal refund deadline passed without a refund: the surcharge runs (L242-4).
    RefundOverdue => "refund_overdue", Merchant, required: true, sms: false;
    /// An escalation awaits the marketplace: mediation or a decision to take.
    EscalationToHandle => "escalation_to_handle", Operator, required: true, sms: false;
    /// Who answers for the incident, with the grounds.
    ResponsibilityToBuyer => "responsibility_to_buyer", Buyer, required: false, sms: false;
    /// A replacement parcel left: carrier and tracking number.
    ReplacementShipped => "replacement_shipped", Buyer, required: true, sms: true;
    /// The mediator asks the buyer for information, by a deadline.
    InformationRequestToBuyer => "information_request_to_buyer", Buyer, required: true, sms: true;
    /// The decision is final: the buyer may refer the case to the consumer mediator.
    ConsumerMediatorOffered => "consumer_mediator_offered", Buyer, required: true, sms: false;
    /// The mediator wrote to the merchant in their private channel.
    MediatorMessage => "mediator_message", Merchant, required: true, sms: false;
    /// The mediator asks the merchant for information or evidence, by a deadline.
    InformationRequestToMerchant => "information_request_to_merchant", Merchant, required: true, sms: false;
    /// The buyer set a new delivery deadline (C. conso L216-6).
    DeliveryDeadlineSet => "delivery_deadline_set", Merchant, required: true, sms: false;
    /// The buyer cancelled for late delivery: refund within 14 days (L216-7).
    LateOrderCancelled => "late_order_cancelled", Merchant, required: true, sms: false;
    /// The replacement parcel was lost: another remedy is due.
    ReplacementLost => "replacement_lost", Merchant, required: true, sms: false;
    /// A goodwill gesture above the threshold or the budget awaits approval.
    GoodwillApproval => "goodwill_approval", Merchant, required: true, sms: false;
    /// A party wrote to the mediator in its private channel.
    MessageToMediator => "message_to_mediator", Operator, required: false, sms: false;
    /// A party appealed a decision: another mediator hears it.
    AppealToHandle => "appeal_to_handle", Operator, required: true, sms: false;
    /// What is being done on the case, by whom and by when (sent before a week of silence).
    StatusUpdate => "status_update", Buyer, required: true, sms: false;
    /// A service-level target falls due soon.
    SlaWarning => "sla_warning", Merchant, required: true, sms: false;
    /// A service-level target was missed.
    SlaBreach => "sla_breach", Merchant, required: true, sms: false;
    /// A merchant's missed target still unmet, or the marketplace's own target at risk.
    SlaToOperator => "sla_to_operator", Operator, required: true, sms: false;
    /// An automation rule asks the merchant's staff to look at the case.
    AutomationToMerchant => "automation_to_merchant", Merchant, required: true, sms: false;
    /// An automation rule asks the marketplace's staff to look at the case.
    AutomationToOperator => "automation_to_operator", Operator, required: true, sms: false;
}

/// What a person chose to receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// Emails (messages needed to settle a case are sent whatever this says).
    pub email: bool,
    /// Text messages for the steps of a return, a message, an offer (a phone number is needed).
    pub sms: bool,
    /// The messages not needed to settle the case: parcel received, refund made,
    /// escalation accepted, case resolved and the satisfaction survey.
    pub updates: bool,
    /// Staff: one email a day listing new cases and buyers' messages instead of one each.
    pub daily_digest: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            email: true,
            sms: false,
            updates: true,
            daily_digest: false,
        }
    }
}

/// Someone who could hear of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub audience: Audience,
    /// Who it is, stably: `buyer` or a staff user's id. Part of the idempotency key.
    pub key: String,
    pub email: Option<Email>,
    pub phone: Option<E164>,
    pub language: Locale,
    pub preferences: Preferences,
}

/// One message to deliver: a topic, to the recipient at `recipient` (an index
/// into the slice given to [`decide`]), through a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification {
    pub topic: Topic,
    pub recipient: usize,
    pub channel: Channel,
}

/// The topics an event raises, given who caused it and the event just before it
/// on the case (a label issued with the authorisation travels in its message).
/// Nobody hears of their own doing; internal notes and internal files raise nothing.
pub fn topics(event: &CaseEvent, actor: &Actor, previous: Option<&CaseEvent>) -> Vec<Topic> {
    let by = actor.party();
    let by_buyer = by == Party::Buyer;
    let mut topics = Vec::new();
    match event {
        CaseEvent::Lifecycle(event) => match event {
            LifecycleEvent::Opened { .. } => {
                topics.push(Topic::CaseOpened);
                if by != Party::Merchant {
                    topics.push(Topic::NewCase);
                }
            }
            LifecycleEvent::Resolved { .. } => topics.push(Topic::CaseResolved),
            LifecycleEvent::Reopened { .. }
            | LifecycleEvent::Closed { .. }
            | LifecycleEvent::Cancelled { .. } => {}
        },
        CaseEvent::Conversation(event) => match event {
            ConversationEvent::MessagePosted { .. } if by_buyer => topics.push(Topic::BuyerMessage),
            ConversationEvent::MessagePosted { .. } => topics.push(Topic::MessageToBuyer),
            ConversationEvent::NoteAdded { .. } | ConversationEvent::AttachmentAdded { .. } => {}
        },
        CaseEvent::Escalation(event) => match event {
            EscalationEvent::OfferProposed { to, .. } => match to {
                Party::Buyer => topics.push(Topic::OfferToBuyer),
                Party::Merchant => topics.push(Topic::OfferAnswered),
                _ => {}
            },
            EscalationEvent::OfferAccepted { .. } | EscalationEvent::OfferDeclined { .. } => {
                if by_buyer {
                    topics.push(Topic::OfferAnswered);
                }
            }
            EscalationEvent::Escalated { to, .. } => {
                topics.push(Topic::EscalationAccepted);
                topics.push(Topic::CaseEscalated);
                if matches!(to, Stage::Mediation | Stage::Arbitration) {
                    topics.push(Topic::EscalationToHandle);
                }
            }
            EscalationEvent::DecisionRecorded { .. } => {
                topics.push(Topic::DecisionToBuyer);
                topics.push(Topic::DecisionToMerchant);
            }
        },
        CaseEvent::Returns(event) => match event {
            ReturnEvent::ReturnAuthorised { .. } => topics.push(Topic::ReturnAuthorised),
            ReturnEvent::ReturnRefused { .. } => topics.push(Topic::ReturnRefused),
            // The first label travels with the authorisation's message when both come
            // at once; a label issued later (or a new one) is its own message.
            ReturnEvent::LabelIssued { .. } => {
                if !matches!(
                    previous,
                    Some(CaseEvent::Returns(ReturnEvent::ReturnAuthorised { .. }))
                ) {
                    topics.push(Topic::LabelReady)
                }
            }
            ReturnEvent::LabelExpired {} => topics.push(Topic::LabelExpired),
            ReturnEvent::ReturnReceived { .. } => topics.push(Topic::ParcelReceived),
            ReturnEvent::ShipmentDeclared { .. } => topics.push(Topic::ReturnShipped),
            ReturnEvent::ReturnRequested { .. }
            | ReturnEvent::ParcelScanned { .. }
            | ReturnEvent::ReturnInspected { .. } => {}
        },
        CaseEvent::Money(event) => match event {
            MoneyEvent::RefundSettled { .. } => topics.push(Topic::RefundMade),
            MoneyEvent::RefundRecorded { .. }
            | MoneyEvent::RefundFailed { .. }
            | MoneyEvent::StoreCreditIssued { .. }
            | MoneyEvent::ExchangeRecorded { .. }
            | MoneyEvent::CompensationRecorded { .. }
            | MoneyEvent::CompensationDeclined { .. }
            | MoneyEvent::MarketplacePaid { .. } => {}
            MoneyEvent::CompensationApprovalRequested { .. } => {
                topics.push(Topic::GoodwillApproval)
            }
            MoneyEvent::ReminderSent { topic, .. } => topics.push(match topic {
                ReminderTopic::LabelExpiring => Topic::LabelExpiring,
                ReminderTopic::RefundDue => Topic::RefundDue,
                ReminderTopic::RefundOverdue => Topic::RefundOverdue,
            }),
        },
        CaseEvent::Incident(_) | CaseEvent::Mediation(_) | CaseEvent::Helpdesk(_) => {}
    }
    match event {
        CaseEvent::Incident(event) => match event {
            IncidentEvent::ResponsibilityDetermined { .. } => {
                topics.push(Topic::ResponsibilityToBuyer)
            }
            IncidentEvent::Reshipped { .. } => topics.push(Topic::ReplacementShipped),
            IncidentEvent::ReshipmentLost { .. } => topics.push(Topic::ReplacementLost),
            IncidentEvent::DeliveryDeadlineSet { .. } => topics.push(Topic::DeliveryDeadlineSet),
            IncidentEvent::LateOrderCancelled { .. } => topics.push(Topic::LateOrderCancelled),
            IncidentEvent::CarrierClaimFiled { .. }
            | IncidentEvent::CarrierClaimSettled { .. }
            | IncidentEvent::ReshipmentDelivered { .. } => {}
        },
        CaseEvent::Mediation(event) => match event {
            // Each private channel is heard by its own party only.
            MediationEvent::PrivateMessagePosted { channel, .. } => match (by, channel) {
                (Party::Operator, Party::Buyer) => topics.push(Topic::MessageToBuyer),
                (Party::Operator, _) => topics.push(Topic::MediatorMessage),
                _ => topics.push(Topic::MessageToMediator),
            },
            MediationEvent::InformationRequested { from, .. } => topics.push(match from {
                Party::Buyer => Topic::InformationRequestToBuyer,
                _ => Topic::InformationRequestToMerchant,
            }),
            MediationEvent::Appealed { .. } => topics.push(Topic::AppealToHandle),
            MediationEvent::AppealDecided { .. } => {
                topics.push(Topic::DecisionToBuyer);
                topics.push(Topic::DecisionToMerchant);
            }
            MediationEvent::ConsumerMediationOffered { .. } => {
                topics.push(Topic::ConsumerMediatorOffered)
            }
        },
        CaseEvent::Helpdesk(event) => match event {
            HelpdeskEvent::StatusUpdateSent { .. } => topics.push(Topic::StatusUpdate),
            HelpdeskEvent::SlaAlertRaised { target, alert, .. } => {
                topics.push(match (target, alert) {
                    (Target::MarketplaceResponse, _) | (_, Alert::Escalation) => {
                        Topic::SlaToOperator
                    }
                    (_, Alert::Warning) => Topic::SlaWarning,
                    (_, Alert::Breach) => Topic::SlaBreach,
                })
            }
            HelpdeskEvent::AutomationFired { actions, .. } => {
                if actions.iter().any(|a| a == "notify:merchant") {
                    topics.push(Topic::AutomationToMerchant);
                }
                if actions.iter().any(|a| a == "notify:operator") {
                    topics.push(Topic::AutomationToOperator);
                }
            }
            HelpdeskEvent::CaseAssigned { .. } => {}
        },
        _ => {}
    }
    // A case opened by the buyer does not need "escalation accepted" echoed to the
    // party who escalated; a merchant escalating is told nothing either.
    topics.retain(|topic| match topic.audience() {
        Audience::Buyer => !(by_buyer && *topic == Topic::EscalationAccepted),
        Audience::Merchant => by != Party::Merchant,
        Audience::Operator => by != Party::Operator,
    });
    topics
}

/// The notifications one event makes: each topic it raises, to each recipient of
/// the topic's audience, through each channel the recipient accepts.
pub fn decide(
    event: &CaseEvent,
    actor: &Actor,
    previous: Option<&CaseEvent>,
    recipients: &[Recipient],
) -> Vec<Notification> {
    let mut notifications = Vec::new();
    for topic in topics(event, actor, previous) {
        for (index, recipient) in recipients.iter().enumerate() {
            // The acknowledgement of a request goes to the one who made it.
            let own_doing = is_actor(recipient, actor) && topic != Topic::CaseOpened;
            if recipient.audience != topic.audience() || own_doing {
                continue;
            }
            for channel in channels(topic, recipient) {
                notifications.push(Notification {
                    topic,
                    recipient: index,
                    channel,
                });
            }
        }
    }
    notifications
}

/// The channels `recipient` hears of `topic` through.
pub fn channels(topic: Topic, recipient: &Recipient) -> Vec<Channel> {
    let prefs = recipient.preferences;
    let mut channels = Vec::new();
    let wanted = topic.required() || prefs.updates;
    let in_digest = prefs.daily_digest && digested(topic);
    if recipient.email.is_some() && wanted && (topic.required() || prefs.email) {
        channels.push(if in_digest {
            Channel::Digest
        } else {
            Channel::Email
        });
    }
    if recipient.audience == Audience::Buyer
        && topic.by_sms()
        && prefs.sms
        && wanted
        && recipient.phone.is_some()
    {
        channels.push(Channel::Sms);
    }
    channels
}

fn is_actor(recipient: &Recipient, actor: &Actor) -> bool {
    match actor {
        Actor::Buyer => recipient.audience == Audience::Buyer,
        Actor::MerchantUser { id } | Actor::OperatorUser { id } => recipient.key == *id,
        Actor::System { .. } | Actor::Provider { .. } => false,
    }
}

/// The topics a staff member's daily digest gathers (instead of one email each).
pub fn digested(topic: Topic) -> bool {
    topic.audience() != Audience::Buyer && !topic.required()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Body, Label};

    fn buyer(preferences: Preferences, phone: Option<&str>) -> Recipient {
        Recipient {
            audience: Audience::Buyer,
            key: "buyer".into(),
            email: Some(Email::parse("claire@exemple.fr").unwrap()),
            phone: phone.map(|p| E164::parse(p, "FR").unwrap()),
            language: Locale::Fr,
            preferences,
        }
    }

    fn staff(audience: Audience, id: &str, preferences: Preferences) -> Recipient {
        Recipient {
            audience,
            key: id.into(),
            email: Some(Email::parse(&format!("{id}@atelier.fr")).unwrap()),
            phone: None,
            language: Locale::En,
            preferences,
        }
    }

    fn message() -> CaseEvent {
        CaseEvent::Conversation(ConversationEvent::MessagePosted {
            body: Body::parse("Bonjour").unwrap(),
        })
    }

    fn merchant(id: &str) -> Actor {
        Actor::MerchantUser { id: id.into() }
    }

    /// (topic, recipient key, channel) of each notification.
    fn heard(
        event: &CaseEvent,
        actor: &Actor,
        recipients: &[Recipient],
    ) -> Vec<(Topic, String, Channel)> {
        decide(event, actor, None, recipients)
            .into_iter()
            .map(|n| (n.topic, recipients[n.recipient].key.clone(), n.channel))
            .collect()
    }

    #[test]
    fn the_shop_writes_the_buyer_hears_and_the_writer_does_not() {
        let people = [
            buyer(Preferences::default(), None),
            staff(Audience::Merchant, "lea", Preferences::default()),
            staff(Audience::Merchant, "sam", Preferences::default()),
            staff(Audience::Operator, "nora", Preferences::default()),
        ];
        assert_eq!(
            heard(&message(), &merchant("lea"), &people),
            [(Topic::MessageToBuyer, "buyer".into(), Channel::Email)]
        );
        // The buyer writes: the shop's staff hear, the marketplace does not, the buyer neither.
        let by_buyer = heard(&message(), &Actor::Buyer, &people);
        assert_eq!(
            by_buyer,
            [
                (Topic::BuyerMessage, "lea".into(), Channel::Email),
                (Topic::BuyerMessage, "sam".into(), Channel::Email)
            ]
        );
        // An internal note raises nothing.
        let note = CaseEvent::Conversation(ConversationEvent::NoteAdded {
            body: Body::parse("Cliente fidèle").unwrap(),
        });
        assert!(heard(&note, &merchant("lea"), &people).is_empty());
    }

    #[test]
    fn the_one_who_asks_is_acknowledged() {
        let people = [
            buyer(Preferences::default(), None),
            staff(Audience::Merchant, "lea", Preferences::default()),
        ];
        let topics = topics(&message(), &Actor::Buyer, None);
        assert_eq!(topics, [Topic::BuyerMessage]);
        let opened = CaseEvent::Lifecycle(LifecycleEvent::Opened {
            operator_id: crate::ids::OperatorId::from_bytes([1; 16]),
            merchant_id: crate::ids::MerchantId::from_bytes([2; 16]),
            order_id: crate::ids::OrderId::from_bytes([3; 16]),
            kind: crate::case::CaseKind::Incident,
            stage: Stage::Negotiation,
            reason: crate::reason::ReasonCode::parse("not_received").unwrap(),
            items: Vec::new(),
            claimed: None,
            order_total: crate::money::Money::new(4990, crate::money::Currency::EUR),
            description: Body::parse("Colis jamais reçu").unwrap(),
        });
        assert_eq!(
            heard(&opened, &Actor::Buyer, &people),
            [
                (Topic::CaseOpened, "buyer".into(), Channel::Email),
                (Topic::NewCase, "lea".into(), Channel::Email)
            ]
        );
        // Opened by the shop for the buyer: the buyer is told, the shop's staff are not.
        assert_eq!(
            heard(&opened, &merchant("lea"), &people),
            [(Topic::CaseOpened, "buyer".into(), Channel::Email)]
        );
    }

    #[test]
    fn a_buyer_who_wants_nothing_optional_still_gets_what_settles_the_case() {
        let quiet = Preferences {
            email: false,
            sms: false,
            updates: false,
            daily_digest: false,
        };
        let only = buyer(quiet, None);
        for topic in Topic::ALL
            .iter()
            .filter(|t| t.audience() == Audience::Buyer)
        {
            let channels = channels(*topic, &only);
            if topic.required() {
                assert_eq!(channels, [Channel::Email], "{topic:?} settles the case");
            } else {
                assert!(channels.is_empty(), "{topic:?} is optional");
            }
        }
        // News by text message only: updates on, optional emails off.
        let texts = buyer(
            Preferences {
                email: false,
                sms: true,
                updates: true,
                daily_digest: false,
            },
            Some("06 12 34 56 78"),
        );
        assert_eq!(channels(Topic::RefundMade, &texts), [Channel::Sms]);
        assert_eq!(
            channels(Topic::MessageToBuyer, &texts),
            [Channel::Email, Channel::Sms]
        );
        assert_eq!(
            channels(Topic::CaseResolved, &texts),
            [],
            "not worth a text"
        );
        // Text messages wanted but no number: email only.
        let no_phone = buyer(
            Preferences {
                sms: true,
                ..Preferences::default()
            },
            None,
        );
        assert_eq!(channels(Topic::MessageToBuyer, &no_phone), [Channel::Email]);
    }

    #[test]
    fn the_daily_digest_holds_what_can_wait_and_never_what_must_be_done() {
        let digest = staff(
            Audience::Merchant,
            "lea",
            Preferences {
                daily_digest: true,
                ..Preferences::default()
            },
        );
        for topic in [
            Topic::NewCase,
            Topic::BuyerMessage,
            Topic::OfferAnswered,
            Topic::ReturnShipped,
        ] {
            assert_eq!(channels(topic, &digest), [Channel::Digest], "{topic:?}");
        }
        for topic in [Topic::CaseEscalated, Topic::DecisionToMerchant] {
            assert_eq!(
                channels(topic, &digest),
                [Channel::Email],
                "{topic:?} is for now"
            );
        }
        let operator = staff(
            Audience::Operator,
            "nora",
            Preferences {
                daily_digest: true,
                email: false,
                ..Preferences::default()
            },
        );
        assert_eq!(
            channels(Topic::EscalationToHandle, &operator),
            [Channel::Email]
        );
        // Staff never get text messages.
        let mut with_phone = staff(
            Audience::Merchant,
            "sam",
            Preferences {
                sms: true,
                ..Preferences::default()
            },
        );
        with_phone.phone = Some(E164::parse("+33612345678", "FR").unwrap());
        assert_eq!(channels(Topic::NewCase, &with_phone), [Channel::Email]);
    }

    #[test]
    fn an_escalation_tells_the_buyer_the_shop_and_the_marketplace() {
        let people = [
            buyer(Preferences::default(), None),
            staff(Audience::Merchant, "lea", Preferences::default()),
            staff(Audience::Operator, "nora", Preferences::default()),
        ];
        let escalated = CaseEvent::Escalation(EscalationEvent::Escalated {
            from: Stage::Negotiation,
            to: Stage::Mediation,
            reason: Label::parse("Pas de réponse").unwrap(),
        });
        let got = heard(&escalated, &Actor::Buyer, &people);
        assert!(got.contains(&(Topic::CaseEscalated, "lea".into(), Channel::Email)));
        assert!(got.contains(&(Topic::EscalationToHandle, "nora".into(), Channel::Email)));
        assert!(
            !got.iter().any(|(t, ..)| *t == Topic::EscalationAccepted),
            "the buyer who escalated is not echoed: {got:?}"
        );
    }

    #[test]
    fn a_private_channel_is_heard_by_its_party_only() {
        let people = [
            buyer(Preferences::default(), None),
            staff(Audience::Merchant, "lea", Preferences::default()),
            staff(Audience::Operator, "nora", Preferences::default()),
        ];
        let private = |channel| {
            CaseEvent::Mediation(MediationEvent::PrivateMessagePosted {
                channel,
                body: Body::parse("Avez-vous une preuve de livraison ?").unwrap(),
            })
        };
        let mediator = Actor::OperatorUser { id: "nora".into() };
        assert_eq!(
            heard(&private(Party::Merchant), &mediator, &people),
            [(Topic::MediatorMessage, "lea".into(), Channel::Email)]
        );
        assert_eq!(
            heard(&private(Party::Buyer), &mediator, &people),
            [(Topic::MessageToBuyer, "buyer".into(), Channel::Email)]
        );
        // A party's answer goes to the marketplace alone.
        assert_eq!(
            heard(&private(Party::Merchant), &merchant("lea"), &people),
            [(Topic::MessageToMediator, "nora".into(), Channel::Email)]
        );
        let asked = CaseEvent::Mediation(MediationEvent::InformationRequested {
            request_id: 1,
            from: Party::Merchant,
            request: Body::parse("La preuve de livraison").unwrap(),
            due_at: "2026-11-13T17:00:00Z".parse().unwrap(),
        });
        assert_eq!(
            heard(&asked, &mediator, &people),
            [(
                Topic::InformationRequestToMerchant,
                "lea".into(),
                Channel::Email
            )]
        );
    }

    #[test]
    fn an_appeal_goes_to_the_marketplace_and_its_hearing_to_both_parties() {
        let people = [
            buyer(Preferences::default(), None),
            staff(Audience::Merchant, "lea", Preferences::default()),
            staff(Audience::Operator, "nora", Preferences::default()),
        ];
        let appealed = CaseEvent::Mediation(MediationEvent::Appealed {
            grounds: Body::parse("Le colis a été livré.").unwrap(),
            window_until: "2026-11-27T09:00:00Z".parse().unwrap(),
        });
        assert_eq!(
            heard(&appealed, &merchant("lea"), &people),
            [(Topic::AppealToHandle, "nora".into(), Channel::Email)]
        );
        let heard_appeal = CaseEvent::Mediation(MediationEvent::AppealDecided {
            outcome: crate::case::AppealOutcome::Dismissed,
            grounds: Body::parse("La décision est confirmée.").unwrap(),
            decision: None,
            recovery_waived: None,
        });
        let got = heard(
            &heard_appeal,
            &Actor::OperatorUser { id: "max".into() },
            &people,
        );
        assert!(got.contains(&(Topic::DecisionToBuyer, "buyer".into(), Channel::Email)));
        assert!(got.contains(&(Topic::DecisionToMerchant, "lea".into(), Channel::Email)));
    }
}
