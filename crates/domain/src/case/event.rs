//! What happened to a case. Events are facts: once appended they never change.
//!
//! Like commands, events are grouped by family; [`CaseEvent`] says which. The
//! stored form is flat and does not name the family: an event type
//! (`message_posted`), a schema version and the payload (the event's fields).
//! Decoding goes through [`upcast`], the one place where a payload written by
//! an older schema version is brought to the current shape.

use super::command::Family;
use super::conversation::ConversationEvent;
use super::escalation::EscalationEvent;
use super::helpdesk::HelpdeskEvent;
use super::incident::IncidentEvent;
use super::lifecycle::LifecycleEvent;
use super::mediation::MediationEvent;
use super::model::{Actor, Party};
use super::money::MoneyEvent;
use super::returns::ReturnEvent;
use jiff::Timestamp;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The schema version written with every event of this build. Bump it when a
/// payload changes shape, and add an [`Upcaster`] from the previous version to
/// [`UPCASTERS`]: stored events are never rewritten, they are read forward.
pub const EVENT_SCHEMA_VERSION: i64 = 1;

/// An event, by family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseEvent {
    Lifecycle(LifecycleEvent),
    Conversation(ConversationEvent),
    Escalation(EscalationEvent),
    Returns(ReturnEvent),
    Money(MoneyEvent),
    Incident(IncidentEvent),
    Mediation(MediationEvent),
    Helpdesk(HelpdeskEvent),
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

/// Brings the payload of one event type from one schema version to the next.
#[derive(Debug, Clone, Copy)]
pub struct Upcaster {
    pub event_type: &'static str,
    /// The version it reads; it writes `from_version + 1`.
    pub from_version: i64,
    pub upcast: fn(Value) -> Result<Value, String>,
}

/// The upcasters of this build, oldest first. Empty: every stored event is at
/// version 1, the first. When a payload changes shape, bump
/// [`EVENT_SCHEMA_VERSION`] and add the step from the previous version here.
pub const UPCASTERS: &[Upcaster] = &[];

/// Reads a stored payload of `schema_version` as the current version: each
/// upcaster of `upcasters` for this type applies in turn; an event type with
/// no step from its version is refused (a newer build wrote it, or a step is
/// missing), never guessed at.
pub fn upcast(
    event_type: &str,
    schema_version: i64,
    payload: &Value,
    upcasters: &[Upcaster],
    current: i64,
) -> Result<Value, EventDecodeError> {
    let unsupported = || EventDecodeError::UnsupportedVersion {
        event_type: event_type.to_owned(),
        version: schema_version,
    };
    if schema_version > current || schema_version < 1 {
        return Err(unsupported());
    }
    let mut version = schema_version;
    let mut payload = payload.clone();
    while version < current {
        // A version bump that leaves this type's payload as it was needs no step.
        if let Some(step) = upcasters
            .iter()
            .find(|u| u.event_type == event_type && u.from_version == version)
        {
            payload =
                (step.upcast)(payload).map_err(|detail| EventDecodeError::InvalidPayload {
                    event_type: event_type.to_owned(),
                    detail: format!("upcasting from version {version}: {detail}"),
                })?;
        } else if !upcasters.iter().any(|u| u.from_version == version) {
            // No step at all from this version: it was never a version of this build.
            return Err(unsupported());
        }
        version += 1;
    }
    Ok(payload)
}

impl CaseEvent {
    /// Every event type, family by family.
    pub fn types() -> impl Iterator<Item = &'static str> {
        Family::ALL
            .into_iter()
            .flat_map(|family| family.event_types().iter().copied())
    }

    pub fn event_type(&self) -> &'static str {
        match self {
            CaseEvent::Lifecycle(event) => event.event_type(),
            CaseEvent::Conversation(event) => event.event_type(),
            CaseEvent::Escalation(event) => event.event_type(),
            CaseEvent::Returns(event) => event.event_type(),
            CaseEvent::Money(event) => event.event_type(),
            CaseEvent::Incident(event) => event.event_type(),
            CaseEvent::Mediation(event) => event.event_type(),
            CaseEvent::Helpdesk(event) => event.event_type(),
        }
    }

    pub fn family(&self) -> Family {
        match self {
            CaseEvent::Lifecycle(_) => Family::Lifecycle,
            CaseEvent::Conversation(_) => Family::Conversation,
            CaseEvent::Escalation(_) => Family::Escalation,
            CaseEvent::Returns(_) => Family::Returns,
            CaseEvent::Money(_) => Family::Money,
            CaseEvent::Incident(_) => Family::Incident,
            CaseEvent::Mediation(_) => Family::Mediation,
            CaseEvent::Helpdesk(_) => Family::Helpdesk,
        }
    }

    /// Whether the event, from the merchant, answers the buyer (for the first response):
    /// a message, an offer or an answer to one, a resolution.
    pub(super) fn answers_buyer(&self) -> bool {
        match self {
            CaseEvent::Lifecycle(event) => matches!(event, LifecycleEvent::Resolved { .. }),
            CaseEvent::Conversation(event) => {
                matches!(event, ConversationEvent::MessagePosted { .. })
            }
            CaseEvent::Escalation(event) => event.answers_buyer(),
            // Responsibility stated, a replacement sent: the merchant answered.
            CaseEvent::Incident(event) => matches!(
                event,
                IncidentEvent::ResponsibilityDetermined { .. } | IncidentEvent::Reshipped { .. }
            ),
            // Authorising or refusing a return (by hand, not the policy's own) answers too.
            CaseEvent::Returns(event) => matches!(
                event,
                super::returns::ReturnEvent::ReturnAuthorised {
                    automatic: false,
                    ..
                } | super::returns::ReturnEvent::ReturnRefused { .. }
            ),
            CaseEvent::Money(_) | CaseEvent::Mediation(_) => false,
            CaseEvent::Helpdesk(event) => matches!(event, HelpdeskEvent::StatusUpdateSent { .. }),
        }
    }

    /// Whether every party (buyers included) may see this event on their timeline.
    pub fn is_public(&self) -> bool {
        match self {
            CaseEvent::Lifecycle(_) | CaseEvent::Escalation(_) | CaseEvent::Returns(_) => true,
            CaseEvent::Conversation(event) => event.is_public(),
            CaseEvent::Money(event) => event.is_public(),
            CaseEvent::Incident(event) => event.is_public(),
            CaseEvent::Mediation(event) => event.channel().is_none(),
            CaseEvent::Helpdesk(event) => event.is_public(),
        }
    }

    /// The private channel (mediator ↔ buyer, mediator ↔ merchant) the event belongs to.
    pub fn private_channel(&self) -> Option<Party> {
        match self {
            CaseEvent::Mediation(event) => event.channel(),
            _ => None,
        }
    }

    /// Whether `viewer` may see this event: the buyer the public timeline and its own
    /// private channel; the merchant's staff also the internal entries, never the buyer's
    /// channel; the marketplace everything.
    pub fn visible_to(&self, viewer: Party) -> bool {
        match (viewer, self.private_channel()) {
            (Party::Operator | Party::System, _) => true,
            (_, Some(channel)) => channel == viewer,
            (Party::Buyer, None) => self.is_public(),
            (_, None) => true,
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

    /// Decodes a stored event, upcasting an older schema version first.
    pub fn from_stored(
        event_type: &str,
        schema_version: i64,
        payload: &Value,
    ) -> Result<Self, EventDecodeError> {
        let family = Family::of_event(event_type)
            .ok_or_else(|| EventDecodeError::UnknownType(event_type.to_owned()))?;
        let payload = upcast(
            event_type,
            schema_version,
            payload,
            UPCASTERS,
            EVENT_SCHEMA_VERSION,
        )?;
        let mut tagged = match payload {
            Value::Object(map) => map,
            _ => {
                return Err(EventDecodeError::InvalidPayload {
                    event_type: event_type.to_owned(),
                    detail: "payload is not an object".into(),
                });
            }
        };
        tagged.insert("type".into(), Value::String(event_type.to_owned()));
        decode(family, Value::Object(tagged)).map_err(|e| EventDecodeError::InvalidPayload {
            event_type: event_type.to_owned(),
            detail: e.to_string(),
        })
    }
}

fn decode(family: Family, tagged: Value) -> Result<CaseEvent, serde_json::Error> {
    Ok(match family {
        Family::Lifecycle => CaseEvent::Lifecycle(serde_json::from_value(tagged)?),
        Family::Conversation => CaseEvent::Conversation(serde_json::from_value(tagged)?),
        Family::Escalation => CaseEvent::Escalation(serde_json::from_value(tagged)?),
        Family::Returns => CaseEvent::Returns(serde_json::from_value(tagged)?),
        Family::Money => CaseEvent::Money(serde_json::from_value(tagged)?),
        Family::Incident => CaseEvent::Incident(serde_json::from_value(tagged)?),
        Family::Mediation => CaseEvent::Mediation(serde_json::from_value(tagged)?),
        Family::Helpdesk => CaseEvent::Helpdesk(serde_json::from_value(tagged)?),
    })
}

impl Family {
    /// The event types of the family, as stored.
    pub fn event_types(self) -> &'static [&'static str] {
        match self {
            Family::Lifecycle => LifecycleEvent::TYPES,
            Family::Conversation => ConversationEvent::TYPES,
            Family::Escalation => EscalationEvent::TYPES,
            Family::Returns => ReturnEvent::TYPES,
            Family::Money => MoneyEvent::TYPES,
            Family::Incident => IncidentEvent::TYPES,
            Family::Mediation => MediationEvent::TYPES,
            Family::Helpdesk => HelpdeskEvent::TYPES,
        }
    }

    /// The family of a stored event type.
    pub fn of_event(event_type: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|family| family.event_types().contains(&event_type))
    }
}

impl From<LifecycleEvent> for CaseEvent {
    fn from(event: LifecycleEvent) -> Self {
        CaseEvent::Lifecycle(event)
    }
}

impl From<ConversationEvent> for CaseEvent {
    fn from(event: ConversationEvent) -> Self {
        CaseEvent::Conversation(event)
    }
}

impl From<EscalationEvent> for CaseEvent {
    fn from(event: EscalationEvent) -> Self {
        CaseEvent::Escalation(event)
    }
}

impl From<ReturnEvent> for CaseEvent {
    fn from(event: ReturnEvent) -> Self {
        CaseEvent::Returns(event)
    }
}

impl From<MoneyEvent> for CaseEvent {
    fn from(event: MoneyEvent) -> Self {
        CaseEvent::Money(event)
    }
}

impl From<IncidentEvent> for CaseEvent {
    fn from(event: IncidentEvent) -> Self {
        CaseEvent::Incident(event)
    }
}

impl From<HelpdeskEvent> for CaseEvent {
    fn from(event: HelpdeskEvent) -> Self {
        CaseEvent::Helpdesk(event)
    }
}

impl From<MediationEvent> for CaseEvent {
    fn from(event: MediationEvent) -> Self {
        CaseEvent::Mediation(event)
    }
}

impl Serialize for CaseEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CaseEvent::Lifecycle(event) => event.serialize(serializer),
            CaseEvent::Conversation(event) => event.serialize(serializer),
            CaseEvent::Escalation(event) => event.serialize(serializer),
            CaseEvent::Returns(event) => event.serialize(serializer),
            CaseEvent::Money(event) => event.serialize(serializer),
            CaseEvent::Incident(event) => event.serialize(serializer),
            CaseEvent::Mediation(event) => event.serialize(serializer),
            CaseEvent::Helpdesk(event) => event.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for CaseEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let event_type = value
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| D::Error::missing_field("type"))?;
        let family = Family::of_event(event_type)
            .ok_or_else(|| D::Error::custom(format!("unknown event type '{event_type}'")))?;
        decode(family, value).map_err(D::Error::custom)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rename_body(mut payload: Value) -> Result<Value, String> {
        let map = payload.as_object_mut().ok_or("not an object")?;
        let text = map.remove("text").ok_or("no text")?;
        map.insert("body".into(), text);
        Ok(payload)
    }

    const STEPS: &[Upcaster] = &[Upcaster {
        event_type: "message_posted",
        from_version: 1,
        upcast: rename_body,
    }];

    #[test]
    fn an_older_payload_is_read_forward_step_by_step() {
        let old = json!({"text": "Bonjour"});
        let read = upcast("message_posted", 1, &old, STEPS, 2).unwrap();
        assert_eq!(read, json!({"body": "Bonjour"}));
        // Types the step does not name cross the version unchanged.
        let note = json!({"body": "interne"});
        assert_eq!(upcast("note_added", 1, &note, STEPS, 2).unwrap(), note);
        // The current version is read as is.
        assert_eq!(upcast("message_posted", 2, &note, STEPS, 2).unwrap(), note);
    }

    #[test]
    fn versions_outside_the_known_ones_are_refused() {
        let payload = json!({"body": "x"});
        for version in [0, 3] {
            assert!(matches!(
                upcast("message_posted", version, &payload, STEPS, 2),
                Err(EventDecodeError::UnsupportedVersion { .. })
            ));
        }
        // Without any step, only the current version reads.
        assert!(upcast("message_posted", 1, &payload, &[], 2).is_err());
        assert!(
            upcast(
                "message_posted",
                1,
                &payload,
                UPCASTERS,
                EVENT_SCHEMA_VERSION
            )
            .is_ok()
        );
    }

    #[test]
    fn a_failing_step_names_the_type_and_version() {
        let error = upcast("message_posted", 1, &json!({"body": "x"}), STEPS, 2).unwrap_err();
        assert!(error.to_string().contains("upcasting from version 1"));
    }

    #[test]
    fn every_type_belongs_to_exactly_one_family() {
        let mut seen = std::collections::BTreeSet::new();
        for event_type in CaseEvent::types() {
            assert!(seen.insert(event_type), "{event_type} twice");
        }
        for name in super::super::command::Command::names() {
            assert_eq!(
                super::super::command::Family::of_command(name)
                    .map(|f| f.command_names().contains(&name)),
                Some(true)
            );
        }
    }
}
