//! What happened to a case. Events are facts: once appended they never change.

use super::model::*;
use crate::ids::{MerchantId, OperatorId, OrderId};
use crate::money::Money;
use crate::reason::ReasonCode;
use crate::text::{Body, Label};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema version written with every event of this build. Bump it when a
/// payload changes shape, and keep decoding the older versions.
pub const EVENT_SCHEMA_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEvent {
    Opened {
        operator_id: OperatorId,
        merchant_id: MerchantId,
        order_id: OrderId,
        kind: CaseKind,
        stage: Stage,
        reason: ReasonCode,
        items: Vec<CaseItem>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claimed: Option<Money>,
        /// The order total, the ceiling of any refund on this case.
        order_total: Money,
        description: Body,
    },
    MessagePosted {
        body: Body,
    },
    NoteAdded {
        body: Body,
    },
    AttachmentAdded {
        attachment: AttachmentRef,
        visibility: Visibility,
    },
    OfferProposed {
        offer_id: u32,
        to: Party,
        terms: Resolution,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<Body>,
    },
    OfferAccepted {
        offer_id: u32,
    },
    OfferDeclined {
        offer_id: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Label>,
    },
    Escalated {
        from: Stage,
        to: Stage,
        reason: Label,
    },
    DecisionRecorded {
        decision: Decision,
    },
    Resolved {
        resolution: Resolution,
    },
    Reopened {
        reason: Label,
    },
    Closed {
        reason: CloseReason,
    },
    Cancelled {
        reason: Label,
    },
    /// A return asked for, with each line judged against the policy and the law.
    ReturnRequested {
        policy: PolicyRef,
        lines: Vec<ReturnLine>,
        return_shipping: crate::returns::ReturnShipping,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preferred: Option<ResolutionKind>,
        /// Original standard delivery costs, refundable when the whole order is
        /// withdrawn from (C. conso L221-24).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        original_shipping: Option<Money>,
        /// The legal refund deadline, for a return under the withdrawal right (L221-24).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refund_due_by: Option<Date>,
        /// What the policy offers instead of a refund.
        allowed_resolutions: Vec<ResolutionKind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        store_credit_bonus_percent: Option<u8>,
    },
    ReturnAuthorised {
        rma: String,
        /// The buyer keeps the items (returnless refund).
        returnless: bool,
        /// Granted by the policy's auto-approval rules rather than by a person.
        automatic: bool,
    },
    ReturnRefused {
        ground: Label,
    },
    LabelIssued {
        label: ReturnLabel,
    },
    LabelExpired {},
    ParcelScanned {
        status: ParcelStatus,
        scanned_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<Label>,
        /// The carrier's id for the event, so a pushed event is recorded once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier_event_id: Option<Label>,
    },
    ReturnReceived {
        lines: Vec<ReceivedLine>,
    },
    ReturnInspected {
        lines: Vec<InspectedLine>,
    },
    RefundRecorded {
        refund_id: u32,
        amount: Money,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        deductions: Vec<Deduction>,
        /// The payment gateway that executes it (`manual`: refunded outside amiable).
        gateway: Label,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<LateRefund>,
    },
    RefundSettled {
        refund_id: u32,
        reference: Label,
        /// Paid after the legal deadline although recorded before it (a slow gateway):
        /// the surcharge is owed from the day of payment (C. conso L242-4).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<LateRefund>,
    },
    RefundFailed {
        refund_id: u32,
        error: Label,
    },
    StoreCreditIssued {
        /// What the credit replaces of a refund (counts against the refundable balance).
        amount: Money,
        /// What the merchant adds on top.
        bonus: Money,
    },
    ExchangeRecorded {
        lines: Vec<ExchangeLine>,
        /// Positive: the buyer owes it; negative: refunded to the buyer (a refund event follows).
        difference: Money,
    },
    CompensationRecorded {
        kind: GoodwillKind,
        amount: Money,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Label>,
    },
    ReminderSent {
        topic: ReminderTopic,
        due_by: Date,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDecodeError {
    #[error("unknown event type '{0}'")]
    UnknownType(String),
    #[error("unsupported schema version {version} for '{event_type}'")]
    UnsupportedVersion { event_type: String, version: i64 },
    #[error("invalid payload for '{event_type}': {detail}")]
    InvalidPayload { event_type: String, detail: String },
}

impl CaseEvent {
    pub const TYPES: &'static [&'static str] = &[
        "opened",
        "message_posted",
        "note_added",
        "attachment_added",
        "offer_proposed",
        "offer_accepted",
        "offer_declined",
        "escalated",
        "decision_recorded",
        "resolved",
        "reopened",
        "closed",
        "cancelled",
        "return_requested",
        "return_authorised",
        "return_refused",
        "label_issued",
        "label_expired",
        "parcel_scanned",
        "return_received",
        "return_inspected",
        "refund_recorded",
        "refund_settled",
        "refund_failed",
        "store_credit_issued",
        "exchange_recorded",
        "compensation_recorded",
        "reminder_sent",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            CaseEvent::Opened { .. } => "opened",
            CaseEvent::MessagePosted { .. } => "message_posted",
            CaseEvent::NoteAdded { .. } => "note_added",
            CaseEvent::AttachmentAdded { .. } => "attachment_added",
            CaseEvent::OfferProposed { .. } => "offer_proposed",
            CaseEvent::OfferAccepted { .. } => "offer_accepted",
            CaseEvent::OfferDeclined { .. } => "offer_declined",
            CaseEvent::Escalated { .. } => "escalated",
            CaseEvent::DecisionRecorded { .. } => "decision_recorded",
            CaseEvent::Resolved { .. } => "resolved",
            CaseEvent::Reopened { .. } => "reopened",
            CaseEvent::Closed { .. } => "closed",
            CaseEvent::Cancelled { .. } => "cancelled",
            CaseEvent::ReturnRequested { .. } => "return_requested",
            CaseEvent::ReturnAuthorised { .. } => "return_authorised",
            CaseEvent::ReturnRefused { .. } => "return_refused",
            CaseEvent::LabelIssued { .. } => "label_issued",
            CaseEvent::LabelExpired {} => "label_expired",
            CaseEvent::ParcelScanned { .. } => "parcel_scanned",
            CaseEvent::ReturnReceived { .. } => "return_received",
            CaseEvent::ReturnInspected { .. } => "return_inspected",
            CaseEvent::RefundRecorded { .. } => "refund_recorded",
            CaseEvent::RefundSettled { .. } => "refund_settled",
            CaseEvent::RefundFailed { .. } => "refund_failed",
            CaseEvent::StoreCreditIssued { .. } => "store_credit_issued",
            CaseEvent::ExchangeRecorded { .. } => "exchange_recorded",
            CaseEvent::CompensationRecorded { .. } => "compensation_recorded",
            CaseEvent::ReminderSent { .. } => "reminder_sent",
        }
    }

    /// Whether buyers may see this event on their timeline.
    pub fn is_public(&self) -> bool {
        match self {
            CaseEvent::NoteAdded { .. } | CaseEvent::ReminderSent { .. } => false,
            CaseEvent::AttachmentAdded { visibility, .. } => *visibility == Visibility::Public,
            _ => true,
        }
    }

    /// The payload as stored: the event's fields without the type tag.
    pub fn payload(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("type");
        }
        value
    }

    /// Decodes a stored event.
    pub fn from_stored(
        event_type: &str,
        schema_version: i64,
        payload: &Value,
    ) -> Result<Self, EventDecodeError> {
        if !Self::TYPES.contains(&event_type) {
            return Err(EventDecodeError::UnknownType(event_type.to_owned()));
        }
        if schema_version != EVENT_SCHEMA_VERSION {
            return Err(EventDecodeError::UnsupportedVersion {
                event_type: event_type.to_owned(),
                version: schema_version,
            });
        }
        let mut tagged = match payload {
            Value::Object(map) => map.clone(),
            _ => {
                return Err(EventDecodeError::InvalidPayload {
                    event_type: event_type.to_owned(),
                    detail: "payload is not an object".into(),
                });
            }
        };
        tagged.insert("type".into(), Value::String(event_type.to_owned()));
        serde_json::from_value(Value::Object(tagged)).map_err(|e| {
            EventDecodeError::InvalidPayload {
                event_type: event_type.to_owned(),
                detail: e.to_string(),
            }
        })
    }
}

/// An event with who did it and when: what `evolve` folds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub seq: i64,
    pub actor: Actor,
    pub recorded_at: Timestamp,
    pub event: CaseEvent,
}
