//! Cases: open one, run a command on one for a principal, read one as the
//! principal may see it.

use crate::access::{allow_referenced, may};
use crate::{App, Error, Kind};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::{
    CaseItem, CaseKind, CaseState, Command, LifecycleCommand, ResolutionKind, Stage,
};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::money::Money;
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::Body;
use amiable_store::{CaseRecord, CommandOutcome, CommandRequest, StoredEvent};
use sha2::{Digest, Sha256};

// What opening a case takes (the API's request body).
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    pub order_id: OrderId,
    pub kind: CaseKind,
    pub reason: ReasonCode,
    #[serde(default)]
    pub items: Vec<CaseItem>,
    #[serde(default)]
    pub claimed: Option<Money>,
    pub description: Body,
    #[serde(default)]
    pub stage: Option<Stage>,
    /// For a return: the resolution the buyer would like, among those the policy allows
    /// (`return_and_refund`, `store_credit`, `exchange`, `repair`).
    #[serde(default)]
    pub preferred_resolution: Option<ResolutionKind>,
}

/// 16 bytes derived from (caller, key, request): the id of what the first
/// attempt created, so that a re-run after a crash creates the same thing,
/// while the same key reused later for another request (after retention)
/// names something else.
pub fn derived_id(principal: &Principal, key: &str, request: &[u8]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"amiable idempotent id\0")
        .chain_update(principal.key().as_bytes())
        .chain_update(b"\0")
        .chain_update(key.as_bytes())
        .chain_update(b"\0")
        .chain_update(request)
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes
}

/// Appends a later outcome's events to an earlier one, for one answer.
pub fn chain(mut first: CommandOutcome, then: CommandOutcome) -> CommandOutcome {
    first.events.extend(then.events);
    first.version = then.version;
    first.state = then.state;
    first
}

/// Whether a buyer may see this event: internal notes and internal files stay with staff.
pub fn is_public(event: &amiable_domain::case::CaseEvent) -> bool {
    // One rule for the whole product: the event's own.
    event.is_public()
}

/// What a buyer sees of the state: no trace of internal notes or files (the
/// counters and the last activity are those of the public timeline). The
/// version stays: it is what `If-Match` names.
pub fn hide_internal(case: &mut CaseState, timeline: &[StoredEvent]) {
    use amiable_domain::case::{CaseEvent, ConversationEvent, ReturnEvent};
    case.internal_notes = 0;
    case.attachments = timeline
        .iter()
        .filter(|e| {
            (matches!(
                e.event,
                CaseEvent::Conversation(ConversationEvent::AttachmentAdded { .. })
                    | CaseEvent::Returns(ReturnEvent::LabelIssued { .. })
            ) || matches!(
                &e.event,
                CaseEvent::Returns(ReturnEvent::ShipmentDeclared { shipment }) if shipment.receipt.is_some()
            )) && is_public(&e.event)
        })
        .count() as u32;
    // Reminders to the merchant about its own deadline are staff business.
    if let Some(progress) = &mut case.returns {
        progress.reminders.clear();
    }
    if let Some(last) = timeline.iter().rev().find(|e| is_public(&e.event)) {
        case.last_activity_at = last.recorded_at;
    }
}

/// What a party is shown of the mediator's work: its own private channel's requests and
/// counts only; the marketplace sees both.
pub fn hide_channels(case: &mut CaseState, viewer: amiable_domain::case::Party) {
    use amiable_domain::case::Party;
    if matches!(viewer, Party::Operator | Party::System) {
        return;
    }
    if let Some(progress) = &mut case.mediation {
        progress.requests.retain(|r| r.from == viewer);
        if viewer != Party::Buyer {
            progress.private_to_buyer = 0;
        }
        if viewer != Party::Merchant {
            progress.private_to_merchant = 0;
        }
    }
    // Who recovers what from whom, and gestures awaiting approval, are staff business.
    if viewer == Party::Buyer {
        if let Some(progress) = &mut case.mediation {
            progress.recoverable = None;
            progress.decided_by = None;
        }
        case.compensation_approvals.clear();
        if let Some(incident) = &mut case.incident {
            incident.claim = None;
        }
    }
}

/// A case as its reader may see it.
#[derive(Debug, Clone)]
pub struct CaseRead {
    pub record: CaseRecord,
    /// The timeline, without internal entries for those who may not see them.
    pub timeline: Vec<StoredEvent>,
    /// Whether internal entries were left out.
    pub internal_hidden: bool,
}

impl App {
    /// Opens a case for the caller (the API's `POST /cases` and the buyer portal's
    /// forms): checks the order is in reach, runs `open`, and books the label of a
    /// return the policy authorised at once. With an idempotency key, the case id
    /// derives from (caller, key, request), so a retry finds the case it opened.
    /// Says whether this call opened the case (`false`: an earlier attempt with the
    /// same key did, and this is its answer again).
    pub async fn open_case(
        &self,
        principal: &Principal,
        body: OpenCase,
        idempotency_key: Option<&str>,
    ) -> Result<(CommandOutcome, bool), Error> {
        let not_found = || Error::invalid_field("order_id", "order.not_found", "no such order");
        let order = self
            .store()
            .order(body.order_id)
            .await?
            .ok_or_else(not_found)?;
        let resource = Resource::order(
            order.order.operator_id,
            order.order.merchant_id,
            order.order.id,
        );
        allow_referenced(principal, Action::OpenCase, &resource, not_found)?;
        let command = Command::Lifecycle(LifecycleCommand::Open {
            preferred: body.preferred_resolution,
            kind: body.kind,
            reason: body.reason,
            items: body.items,
            claimed: body.claimed,
            description: body.description,
            stage: body.stage,
        });
        // With an Idempotency-Key, the case id derives from (caller, key, request): a retry
        // whose first attempt committed but never answered opens nothing new.
        let case_id = match idempotency_key {
            Some(key) => {
                let mut request = body.order_id.as_bytes().to_vec();
                request.extend(serde_json::to_vec(&command).unwrap_or_default());
                CaseId::from_bytes(derived_id(principal, key, &request))
            }
            None => CaseId::from_bytes(self.random_id()),
        };
        let request = CommandRequest {
            case_id,
            expected_version: Some(0),
            command,
            actor: principal.actor(),
            order_id: Some(body.order_id),
            at: None,
        };
        let (outcome, opened) = match self.store().execute(request).await {
            // The id derives from the Idempotency-Key: a case that already exists under it was
            // opened by an earlier attempt whose answer was lost (its key record never
            // completed). Answer as that attempt would have, instead of a conflict.
            Err(amiable_store::CommandError::Conflict { .. }) if idempotency_key.is_some() => (
                self.opening_of(case_id, principal, body.order_id).await?,
                false,
            ),
            other => (other?, true),
        };
        // A return authorised by the policy's rules gets its label at once.
        let outcome = self.label_after_authorisation(outcome).await;
        if opened {
            self.spawn_rules_after(&outcome);
        }
        // Ownership comes from the stored case, never from the request.
        let owner = &outcome.state;
        self.remember_owner(
            case_id,
            Resource::order(owner.operator_id, owner.merchant_id, owner.order_id),
        );
        Ok((outcome, opened))
    }

    /// The opening of an existing case, as a command outcome (for an idempotent retry).
    async fn opening_of(
        &self,
        case_id: CaseId,
        principal: &Principal,
        order_id: OrderId,
    ) -> Result<CommandOutcome, Error> {
        let conflict = || {
            Error::new(
                Kind::Conflict,
                "case.already_exists",
                "a case was already opened with this Idempotency-Key",
            )
        };
        let record = self.store().case(case_id).await?.ok_or_else(conflict)?;
        let timeline = self.store().timeline(case_id).await?;
        let opened = timeline.into_iter().next().ok_or_else(conflict)?;
        // The id derives from (caller, key, request): anything else is a collision, refused.
        if opened.actor != principal.actor() || record.state.order_id != order_id {
            return Err(conflict());
        }
        Ok(CommandOutcome {
            case_id,
            version: record.state.version,
            events: vec![opened],
            state: record.state,
        })
    }

    /// Runs one command on an existing case for the caller, after checking the action on it.
    pub async fn execute_for(
        &self,
        principal: &Principal,
        case_id: CaseId,
        action: Action,
        expected: Option<i64>,
        command: Command,
    ) -> Result<CommandOutcome, Error> {
        self.allow_on_case(principal, action, case_id).await?;
        let request = CommandRequest {
            case_id,
            expected_version: expected,
            command,
            actor: principal.actor(),
            order_id: None,
            at: None,
        };
        let outcome = self.store().execute(request).await?;
        // The marketplace's rules listening to these events run after the answer.
        self.spawn_rules_after(&outcome);
        Ok(outcome)
    }

    /// What a buyer is shown of a command's outcome: the public events and the state
    /// without staff-only counters and reminders (the same view as reading the case).
    pub async fn for_principal(
        &self,
        principal: &Principal,
        mut outcome: CommandOutcome,
    ) -> Result<CommandOutcome, Error> {
        let viewer = principal.actor().party();
        if matches!(principal, Principal::Buyer { .. }) {
            let timeline = self.store().timeline(outcome.case_id).await?;
            hide_internal(&mut outcome.state, &timeline);
        }
        outcome.events.retain(|e| e.event.visible_to(viewer));
        hide_channels(&mut outcome.state, viewer);
        Ok(outcome)
    }

    /// The case with its timeline as the caller may see it.
    pub async fn read_case(
        &self,
        principal: &Principal,
        case_id: CaseId,
    ) -> Result<CaseRead, Error> {
        let resource = self
            .allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        let internal = may(principal, Action::ReadInternal, &resource);
        let mut record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let mut timeline = self.store().timeline(case_id).await?;
        if !internal {
            hide_internal(&mut record.state, &timeline);
        }
        // Each party sees its own private channel with the mediator, never the other's.
        let viewer = principal.actor().party();
        timeline.retain(|e| e.event.visible_to(viewer));
        hide_channels(&mut record.state, viewer);
        Ok(CaseRead {
            record,
            timeline,
            internal_hidden: !internal,
        })
    }
}
