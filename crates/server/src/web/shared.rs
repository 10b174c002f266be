//! What the buyer's and the staff's pages both read: a case with its timeline
//! as the viewer may see it, the order, what the decider allows next, and the
//! marketplace's mediator.

use super::WebError;
use super::timeline::{self, Entry};
use super::ui::Ui;
use crate::AppState;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, authorize};
use amiable_domain::case::{CaseState, Context, Party, Possible, available};
use amiable_domain::ids::CaseId;
use amiable_domain::order::Order;
use amiable_store::{Merchant, Operator, StoredEvent};
use jiff::Timestamp;

/// A case as one viewer may see it.
pub struct CaseData {
    pub state: CaseState,
    pub order: Order,
    pub merchant: Merchant,
    pub operator: Operator,
    pub events: Vec<StoredEvent>,
    /// The viewer sees internal notes and files.
    pub internal: bool,
    pub next_deadline: Option<Timestamp>,
    pub possible: Vec<Possible>,
}

impl CaseData {
    pub fn can(&self, what: Possible) -> bool {
        self.possible.contains(&what)
    }

    pub fn timeline(&self, ui: &Ui, viewer: Party) -> Vec<Entry> {
        timeline::entries(ui, &self.events, Some(&self.order), viewer)
    }
}

/// Loads a case for `principal` (404 out of reach, like the API) with what the
/// decider would let them do next.
pub async fn load_case(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
) -> Result<CaseData, WebError> {
    let resource = state.app().case_resource(case_id).await?;
    crate::api::allow(principal, Action::ReadCase, &resource, "case")?;
    let internal = authorize(principal, Action::ReadInternal, &resource).is_ok();
    let record = state
        .store()
        .case(case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let mut events = state.store().timeline(case_id).await?;
    let mut case = record.state;
    if !internal {
        amiable_app::cases::hide_internal(&mut case, &events);
    }
    // Each party sees its own private channel with the mediator, never the other's.
    let viewer = principal.actor().party();
    events.retain(|e| e.event.visible_to(viewer));
    amiable_app::cases::hide_channels(&mut case, viewer);
    let order = state
        .store()
        .order(case.order_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?
        .order;
    let merchant = state
        .store()
        .merchant(case.merchant_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let operator = state
        .store()
        .operator(case.operator_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let possible = possible(state, principal, &case, &order).await?;
    let next_deadline =
        amiable_domain::case::next_deadline(&case, &amiable_domain::case::ResponseTimes::default());
    Ok(CaseData {
        state: case,
        order,
        merchant,
        operator,
        events,
        internal,
        next_deadline,
        possible,
    })
}

/// The commands the decider would take from `principal` now, narrowed to the
/// actions their role allows (a mediator may not move money, say).
pub async fn possible(
    state: &AppState,
    principal: &Principal,
    case: &CaseState,
    order: &Order,
) -> Result<Vec<Possible>, WebError> {
    let taxonomy = state.store().taxonomy(case.operator_id).await?;
    let ledger = ledger_of(state, order).await?;
    let actor = principal.actor();
    let ctx = Context {
        now: Timestamp::now(),
        actor: &actor,
        order: Some(order),
        taxonomy: &taxonomy,
        law: state.store().rules_pack(case.operator_id).await?,
        ledger: Some(&ledger),
        returns: None,
        ladder: Some(&state.app().ladder(case.operator_id).await?),
        goodwill: None,
    };
    let resource =
        amiable_domain::access::Resource::order(case.operator_id, case.merchant_id, case.order_id);
    let role_allows = |action| authorize(principal, action, &resource).is_ok();
    Ok(available(case, &ctx)
        .into_iter()
        .filter(|p| role_allows(action_of(*p)))
        .collect())
}

/// The order's money: its ledger row, or — before anything moved, when the store has
/// not made the row yet — what was captured and nothing given back, as the store
/// starts it on the first money command.
pub async fn ledger_of(
    state: &AppState,
    order: &Order,
) -> Result<amiable_domain::ledger::OrderLedger, WebError> {
    Ok(match state.store().ledger(order.id).await? {
        Some(ledger) => ledger,
        None => amiable_domain::ledger::OrderLedger::new(amiable_store::captured(order)),
    })
}

/// The access action each command needs (the API's table).
pub fn action_of(possible: Possible) -> Action {
    match possible {
        Possible::PostMessage => Action::PostMessage,
        Possible::AddNote => Action::AddNote,
        Possible::AttachFile => Action::AttachFile,
        Possible::ProposeOffer => Action::ProposeOffer,
        Possible::AcceptOffer(_) | Possible::DeclineOffer(_) => Action::AnswerOffer,
        Possible::Escalate => Action::Escalate,
        Possible::RecordDecision => Action::RecordDecision,
        Possible::Resolve => Action::Resolve,
        Possible::Reopen => Action::Reopen,
        Possible::Close => Action::Close,
        Possible::Cancel => Action::Cancel,
        Possible::AuthoriseReturn
        | Possible::RefuseReturn
        | Possible::IssueLabel
        | Possible::RecordParcelScan
        | Possible::ReceiveReturn
        | Possible::InspectReturn => Action::HandleReturn,
        Possible::DeclareShipment => Action::ShipReturn,
        Possible::Refund
        | Possible::SettleRefund(_)
        | Possible::FailRefund(_)
        | Possible::IssueStoreCredit
        | Possible::RecordExchange
        | Possible::Compensate => Action::MoveMoney,
        Possible::ApproveCompensation(_) => Action::ApproveGoodwill,
        Possible::DetermineResponsibility
        | Possible::FileCarrierClaim
        | Possible::RecordClaimOutcome
        | Possible::Reship
        | Possible::RecordReshipmentScan => Action::HandleIncident,
        Possible::SetDeliveryDeadline | Possible::CancelLateOrder => Action::ChaseDelivery,
        Possible::PostPrivateMessage => Action::PostPrivateMessage,
        Possible::RequestInformation
        | Possible::DecideAppeal
        | Possible::OfferConsumerMediation => Action::Mediate,
        Possible::Appeal => Action::Appeal,
    }
}

/// The consumer mediator the marketplace names (C. conso L612-1, L616-1: the
/// professional must give the mediator's name and website).
#[derive(Debug, Clone, Default)]
pub struct Mediator {
    pub name: String,
    pub website: String,
    pub email: Option<String>,
}

pub fn mediator(operator: &Operator) -> Option<Mediator> {
    let value = operator.settings.get("mediator")?;
    let text = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Some(Mediator {
        name: text("name")?,
        website: text("website").unwrap_or_default(),
        email: text("email"),
    })
}

/// The deliveries `principal` may read: a party's staff never reads what the other
/// party's private channel with the mediator caused (the mediator's request to the
/// buyer, emailed to the buyer, stays out of the shop's "Sent mail").
pub async fn readable_deliveries(
    state: &AppState,
    principal: &Principal,
    deliveries: Vec<amiable_store::Delivery>,
) -> Result<Vec<amiable_store::Delivery>, WebError> {
    Ok(state
        .app()
        .readable_deliveries(principal, deliveries)
        .await?)
}

/// A replacement parcel in words: carrier, tracking number, where it is.
pub fn reshipment_text(ui: &Ui, r: &amiable_domain::case::Reshipment) -> String {
    let status = match r.delivered_at {
        Some(at) => ui.ta("reshipment-delivered-on", "date", ui.day_of(&at)),
        None => ui.label("reshipment", r.status.code()),
    };
    ui.ta2(
        "incident-reshipment",
        "parcel",
        format!("{} {}", r.carrier.as_str(), r.tracking_number.as_str()),
        "status",
        status,
    )
}

/// The grounds of the last determination of responsibility, and whether the merchant
/// still answers to the buyer for it (C. conso L216-2).
pub fn responsibility_grounds(events: &[StoredEvent]) -> Option<(String, bool)> {
    events.iter().rev().find_map(|e| match &e.event {
        amiable_domain::case::CaseEvent::Incident(
            amiable_domain::case::IncidentEvent::ResponsibilityDetermined {
                grounds,
                merchant_answers,
                ..
            },
        ) => Some((grounds.as_str().to_owned(), *merchant_answers)),
        _ => None,
    })
}

/// A short id for people: the case id's first 8 characters, upper-case.
pub fn short_id(case_id: &CaseId) -> String {
    case_id.short()
}

/// `?format=a6|a4` of a label download (A6 when absent).
#[derive(Debug, serde::Deserialize)]
pub struct LabelQuery {
    pub format: Option<String>,
}

impl LabelQuery {
    /// The page size the API's label answer takes; an unknown one is not found.
    pub fn size(&self) -> Result<&'static str, WebError> {
        match self.format.as_deref() {
            None | Some("a6") => Ok("a6"),
            Some("a4") => Ok("a4"),
            Some(_) => Err(WebError::not_found()),
        }
    }
}
