//! Incidents and the escalation ladder: the commands of the incident and
//! mediation families, decisions (paid by the merchant or by the marketplace
//! and recovered), and goodwill gestures within the merchant's budget.
//!
//! Each names the action it performs (who may try at all); the decider says
//! whether it is possible now. What the application alone knows is filled in
//! here, never taken from the caller: the payment gateway of a payout, and
//! whether the caller may approve a gesture above the threshold.

use crate::access::may;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{
    Command, Decision, EscalationCommand, GoodwillKind, IncidentCommand, MediationCommand,
    MoneyCommand,
};
use amiable_domain::ids::CaseId;
use amiable_domain::money::Money;
use amiable_domain::text::Label;
use amiable_store::CommandOutcome;

/// The action an incident command performs.
pub fn incident_action(command: &IncidentCommand) -> Action {
    match command {
        IncidentCommand::SetDeliveryDeadline { .. } | IncidentCommand::CancelLateOrder => {
            Action::ChaseDelivery
        }
        IncidentCommand::DetermineResponsibility { .. }
        | IncidentCommand::FileCarrierClaim { .. }
        | IncidentCommand::RecordClaimOutcome { .. }
        | IncidentCommand::Reship { .. }
        | IncidentCommand::RecordReshipmentScan { .. } => Action::HandleIncident,
    }
}

/// The action a mediation command performs.
pub fn mediation_action(command: &MediationCommand) -> Action {
    match command {
        MediationCommand::PostPrivateMessage { .. } => Action::PostPrivateMessage,
        MediationCommand::Appeal { .. } => Action::Appeal,
        MediationCommand::RequestInformation { .. }
        | MediationCommand::DecideAppeal { .. }
        | MediationCommand::OfferConsumerMediation => Action::Mediate,
    }
}

/// A goodwill gesture to record.
#[derive(Debug, Clone)]
pub struct Gesture {
    pub kind: GoodwillKind,
    pub amount: Money,
    pub note: Option<Label>,
    pub resolve: bool,
    /// Above the threshold or the budget: ask for approval rather than be refused.
    pub request_approval: bool,
}

impl App {
    /// Runs an incident command for the caller.
    pub async fn incident(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        command: IncidentCommand,
    ) -> Result<CommandOutcome, Error> {
        // Cancelling a late order records no refund: it calls for one, which the
        // merchant makes within 14 days (L216-7) and the case awaits.
        let action = incident_action(&command);
        self.execute_for(principal, case_id, action, expected, command.into())
            .await
    }

    /// Runs a mediation command for the caller.
    pub async fn mediation(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        command: MediationCommand,
    ) -> Result<CommandOutcome, Error> {
        let action = mediation_action(&command);
        self.execute_for(principal, case_id, action, expected, command.into())
            .await
    }

    /// Records a binding decision. Paid by the marketplace, the refund is recorded with
    /// the decision and executed through the payment gateway at once (its retry job
    /// takes over if the gateway does not answer).
    pub async fn record_decision(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        decision: Decision,
    ) -> Result<CommandOutcome, Error> {
        let command = Command::Escalation(EscalationCommand::RecordDecision {
            decision,
            gateway: Some(Label::parse(self.gateway().name()).map_err(|_| Error::internal())?),
        });
        let outcome = self
            .execute_for(
                principal,
                case_id,
                Action::RecordDecision,
                expected,
                command,
            )
            .await?;
        self.settle_refunds(principal, outcome, None).await
    }

    /// Whether the caller may approve gestures above the threshold or the budget.
    pub async fn may_approve_goodwill(
        &self,
        principal: &Principal,
        case_id: CaseId,
    ) -> Result<bool, Error> {
        let resource = self.case_resource(case_id).await?;
        Ok(may(principal, Action::ApproveGoodwill, &resource))
    }

    /// Records a goodwill gesture, or asks for its approval when it is above the
    /// merchant's threshold or beyond its monthly budget.
    pub async fn compensate(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        gesture: Gesture,
    ) -> Result<CommandOutcome, Error> {
        let approver = self.may_approve_goodwill(principal, case_id).await?;
        let command = Command::Money(MoneyCommand::Compensate {
            kind: gesture.kind,
            amount: gesture.amount,
            note: gesture.note,
            resolve: gesture.resolve,
            approver,
            request_approval: gesture.request_approval,
        });
        self.execute_for(principal, case_id, Action::MoveMoney, expected, command)
            .await
    }

    /// Approves (`Ok(reason: None)`) or declines a gesture waiting for approval.
    pub async fn answer_gesture(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        approval_id: u32,
        decline: Option<Label>,
    ) -> Result<CommandOutcome, Error> {
        let approver = self.may_approve_goodwill(principal, case_id).await?;
        let command = match decline {
            None => MoneyCommand::ApproveCompensation {
                approval_id,
                approver,
            },
            Some(reason) => MoneyCommand::DeclineCompensation {
                approval_id,
                reason,
                approver,
            },
        };
        self.execute_for(
            principal,
            case_id,
            Action::ApproveGoodwill,
            expected,
            Command::Money(command),
        )
        .await
    }
}

impl App {
    /// The operator's rules of the ladder (its settings; the defaults where they are silent).
    pub async fn ladder(
        &self,
        operator_id: amiable_domain::ids::OperatorId,
    ) -> Result<amiable_domain::case::LadderRules, Error> {
        Ok(match self.store().operator(operator_id).await? {
            Some(operator) => {
                amiable_domain::settings::OperatorSettings::read(&operator.settings).ladder()
            }
            None => amiable_domain::case::LadderRules::default(),
        })
    }
}
