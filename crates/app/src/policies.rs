//! Return policies: versions per merchant, the operator's minimum, and which
//! one judges an order.

use crate::{App, Error};
use amiable_domain::access::Principal;
use amiable_domain::case::Actor;
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_domain::returns::ReturnPolicy;
use amiable_store::{PolicyScope, StoredPolicy};
use jiff::Timestamp;

/// One version of a return policy.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    pub version: u32,
    pub policy: ReturnPolicy,
    pub effective_from: Timestamp,
    pub created_by: String,
}

impl From<StoredPolicy> for PolicyVersion {
    fn from(stored: StoredPolicy) -> Self {
        PolicyVersion {
            version: stored.version,
            policy: stored.policy,
            effective_from: stored.effective_from,
            created_by: stored.created_by,
        }
    }
}

/// A policy with its history.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyHistory {
    /// The newest version (`null`: none published yet).
    pub current: Option<PolicyVersion>,
    /// Every version, newest first.
    pub versions: Vec<PolicyVersion>,
    /// The operator's minimum a merchant's policy may not undercut (`null`: the law alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<PolicyVersion>,
    /// What a new order would be judged by: `merchant`, `operator` or `statutory`, and its version.
    pub in_force: amiable_domain::case::PolicyRef,
}

fn actor_name(principal: &Principal) -> String {
    match principal.actor() {
        Actor::MerchantUser { id } | Actor::OperatorUser { id } | Actor::System { id } => id,
        Actor::Provider { id } => id,
        Actor::Buyer => "buyer".to_owned(),
    }
}

impl App {
    pub async fn policy_history(
        &self,
        operator_id: OperatorId,
        scope: PolicyScope,
        merchant_id: Option<MerchantId>,
    ) -> Result<PolicyHistory, Error> {
        let versions: Vec<PolicyVersion> = self
            .store()
            .policy_versions(operator_id, scope)
            .await?
            .into_iter()
            .map(PolicyVersion::from)
            .collect();
        let minimum = match scope {
            PolicyScope::Operator => None,
            PolicyScope::Merchant(_) => self
                .store()
                .policy_versions(operator_id, PolicyScope::Operator)
                .await?
                .into_iter()
                .next()
                .map(PolicyVersion::from),
        };
        let in_force = match merchant_id {
            Some(merchant_id) => {
                self.store()
                    .effective_policy(operator_id, merchant_id, Timestamp::now())
                    .await?
                    .reference
            }
            None => amiable_domain::case::PolicyRef {
                source: if versions.is_empty() {
                    amiable_domain::case::PolicySource::Statutory
                } else {
                    amiable_domain::case::PolicySource::Operator
                },
                version: versions.first().map_or(0, |v| v.version),
            },
        };
        Ok(PolicyHistory {
            current: versions.first().map(|v| PolicyVersion {
                version: v.version,
                policy: v.policy.clone(),
                effective_from: v.effective_from,
                created_by: v.created_by.clone(),
            }),
            versions,
            minimum,
            in_force,
        })
    }

    /// Publishes a new version of a policy (the caller was allowed `ManagePolicy` on its
    /// scope): amounts in euros, the policy's own checks, and for a merchant the operator's
    /// minimum (`policy.below_operator_minimum`, one error per field).
    pub async fn publish_policy(
        &self,
        principal: &Principal,
        scope: PolicyScope,
        policy: &ReturnPolicy,
    ) -> Result<StoredPolicy, Error> {
        check_policy_currency(policy)?;
        self.store()
            .put_policy(
                principal.operator_id(),
                scope,
                policy,
                &actor_name(principal),
                Timestamp::now(),
            )
            .await
            .map_err(undercut_problem)
    }
}

/// A policy refused for undercutting the operator's minimum answers with that code.
fn undercut_problem(error: amiable_store::StoreError) -> Error {
    match error {
        amiable_store::StoreError::Invalid(errors)
            if !errors.0.is_empty()
                && errors
                    .0
                    .iter()
                    .all(|e| e.code == "policy.below_operator_minimum") =>
        {
            let mut error = Error::validation(errors);
            error.code = "policy.below_operator_minimum".into();
            error
        }
        other => other.into(),
    }
}

/// Amounts in a policy are in euros: the marketplace's currency.
fn check_policy_currency(policy: &ReturnPolicy) -> Result<(), Error> {
    let amounts = [
        ("returnless_below", policy.returnless_below),
        (
            "auto_approve.max_amount",
            policy.auto_approve.as_ref().and_then(|a| a.max_amount),
        ),
        (
            "restocking_fee.amount",
            match policy.restocking_fee {
                Some(amiable_domain::returns::RestockingFee::Amount { amount }) => Some(amount),
                _ => None,
            },
        ),
    ];
    for (field, amount) in amounts {
        if let Some(amount) = amount
            && amount.currency.code() != "EUR"
        {
            return Err(Error::invalid_field(
                &format!("{field}.currency"),
                "money.currency_mismatch",
                "policy amounts are in EUR",
            ));
        }
    }
    Ok(())
}
