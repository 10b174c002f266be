//! Access: the domain's one policy function turned into refusals. Out of
//! reach is indistinguishable from absent (`not_found`); a role that never
//! may is `auth.forbidden`. Operations name the action and the resource and
//! call these; they never test roles themselves.

use crate::{App, Error};
use amiable_domain::access::{Action, Denied, Principal, Resource, authorize};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};

/// Maps a denial to its answer: out of reach is indistinguishable from absent.
pub fn allow(
    principal: &Principal,
    action: Action,
    resource: &Resource,
    what: &str,
) -> Result<(), Error> {
    match authorize(principal, action, resource) {
        Ok(()) => Ok(()),
        Err(Denied::OutOfReach) => Err(Error::not_found(what)),
        Err(Denied::Forbidden) => Err(Error::forbidden()),
    }
}

/// Like [`allow`], for a resource named in the request body: out of reach, it
/// is reported with `not_found` (a refusal of the field), exactly like a missing one.
pub fn allow_referenced(
    principal: &Principal,
    action: Action,
    resource: &Resource,
    not_found: impl FnOnce() -> Error,
) -> Result<(), Error> {
    match authorize(principal, action, resource) {
        Ok(()) => Ok(()),
        Err(Denied::OutOfReach) => Err(not_found()),
        Err(Denied::Forbidden) => Err(Error::forbidden()),
    }
}

/// Whether the principal may do `action` on `resource` (no refusal: a yes or a no).
pub fn may(principal: &Principal, action: Action, resource: &Resource) -> bool {
    authorize(principal, action, resource).is_ok()
}

/// The caller's own scope: its operator, its merchant, or its order.
pub fn own_scope(principal: &Principal) -> Resource {
    let operator_id = principal.operator_id();
    match principal {
        Principal::Buyer {
            merchant_id,
            order_id,
            ..
        } => Resource::order(operator_id, *merchant_id, *order_id),
        _ => match principal.merchant_id() {
            Some(merchant) => Resource::merchant(operator_id, merchant),
            None => Resource::operator(operator_id),
        },
    }
}

/// Refuses an action the caller's role never allows, before any lookup.
pub fn allow_role(principal: &Principal, action: Action) -> Result<(), Error> {
    allow(principal, action, &own_scope(principal), "resource")
}

impl App {
    /// The scope a list is asked for: an order, a merchant, or the caller's
    /// whole reach. A named order or merchant is looked up, so one of another
    /// tenant is *not found*, never an empty list.
    pub async fn list_scope(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
        order_id: Option<OrderId>,
    ) -> Result<Resource, Error> {
        if let Some(order_id) = order_id {
            let order = self
                .store()
                .order(order_id)
                .await?
                .ok_or_else(|| Error::not_found("order"))?
                .order;
            if merchant_id.is_some_and(|m| m != order.merchant_id) {
                return Err(Error::not_found("order"));
            }
            return Ok(Resource::order(
                order.operator_id,
                order.merchant_id,
                order.id,
            ));
        }
        if let Some(merchant_id) = merchant_id {
            return self.merchant_resource(merchant_id).await;
        }
        Ok(own_scope(principal))
    }

    /// A merchant as a resource; a merchant never changes operator, so the
    /// answer is remembered once looked up.
    pub async fn merchant_resource(&self, merchant_id: MerchantId) -> Result<Resource, Error> {
        let known = self
            .inner
            .merchant_operators
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&merchant_id)
            .copied();
        let operator_id = match known {
            Some(operator_id) => operator_id,
            None => {
                let merchant = self
                    .store()
                    .merchant(merchant_id)
                    .await?
                    .ok_or_else(|| Error::not_found("merchant"))?;
                let mut cache = self
                    .inner
                    .merchant_operators
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if cache.len() >= 100_000 {
                    cache.clear();
                }
                cache.insert(merchant.id, merchant.operator_id);
                merchant.operator_id
            }
        };
        Ok(Resource::merchant(operator_id, merchant_id))
    }

    /// The operator, merchant and order of a case: what authorisation needs.
    /// A case never changes hands, so the answer is cached.
    pub async fn case_resource(&self, case_id: CaseId) -> Result<Resource, Error> {
        if let Some(resource) = self.inner.owners.get(case_id) {
            return Ok(resource);
        }
        let (operator_id, merchant_id, order_id) = self
            .store()
            .case_owner(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let resource = Resource::order(operator_id, merchant_id, order_id);
        self.inner.owners.put(case_id, resource);
        Ok(resource)
    }

    /// Remembers who owns a case just opened (from the stored case, never the request).
    pub(crate) fn remember_owner(&self, case_id: CaseId, resource: Resource) {
        self.inner.owners.put(case_id, resource);
    }

    /// Checks `action` on a case and answers its owner.
    pub async fn allow_on_case(
        &self,
        principal: &Principal,
        action: Action,
        case_id: CaseId,
    ) -> Result<Resource, Error> {
        let resource = self.case_resource(case_id).await?;
        allow(principal, action, &resource, "case")?;
        Ok(resource)
    }
}
