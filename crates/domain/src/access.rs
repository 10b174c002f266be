//! Who may do what: roles, principals and the one policy function every
//! request goes through.
//!
//! Handlers never decide access themselves: they name the [`Action`] and the
//! [`Resource`] it touches and call [`authorize`]. Tenancy comes first (an
//! operator's people never see another operator's data, a merchant's never
//! another merchant's, a buyer only their own order): a resource outside the
//! principal's reach is *not found*, so its existence does not leak. Then the
//! role: a resource in reach but an action the role may not take is
//! *forbidden*.

use crate::case::Actor;
use crate::ids::{MerchantId, OperatorId, OrderId};
use serde::{Deserialize, Serialize};

/// The roles of staff users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Runs the marketplace: everything, including users and API keys.
    OperatorAdmin,
    /// Mediates and arbitrates escalated cases across merchants.
    Mediator,
    /// Runs one merchant: its orders, cases, users and API keys.
    MerchantAdmin,
    /// Answers one merchant's cases.
    MerchantAgent,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::OperatorAdmin,
        Role::Mediator,
        Role::MerchantAdmin,
        Role::MerchantAgent,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::OperatorAdmin => "operator_admin",
            Role::Mediator => "mediator",
            Role::MerchantAdmin => "merchant_admin",
            Role::MerchantAgent => "merchant_agent",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == value)
    }

    /// Whether the role is bound to one merchant.
    pub fn is_merchant_side(self) -> bool {
        matches!(self, Role::MerchantAdmin | Role::MerchantAgent)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Who is asking, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A staff user logged in with a session.
    Staff {
        user_id: String,
        operator_id: OperatorId,
        /// `Some` exactly for the merchant-side roles.
        merchant_id: Option<MerchantId>,
        role: Role,
    },
    /// An integration with an API key, for the operator or for one merchant.
    ApiKey {
        key_id: String,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    },
    /// A buyer holding a signed access link to one order.
    Buyer {
        operator_id: OperatorId,
        merchant_id: MerchantId,
        order_id: OrderId,
    },
}

/// What the principal can reach at most, before roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Operator(OperatorId),
    Merchant(OperatorId, MerchantId),
    Order(OperatorId, MerchantId, OrderId),
}

impl Principal {
    pub fn operator_id(&self) -> OperatorId {
        match self {
            Principal::Staff { operator_id, .. }
            | Principal::ApiKey { operator_id, .. }
            | Principal::Buyer { operator_id, .. } => *operator_id,
        }
    }

    pub fn reach(&self) -> Reach {
        match self {
            Principal::Staff {
                operator_id,
                merchant_id,
                ..
            }
            | Principal::ApiKey {
                operator_id,
                merchant_id,
                ..
            } => match merchant_id {
                Some(merchant) => Reach::Merchant(*operator_id, *merchant),
                None => Reach::Operator(*operator_id),
            },
            Principal::Buyer {
                operator_id,
                merchant_id,
                order_id,
            } => Reach::Order(*operator_id, *merchant_id, *order_id),
        }
    }

    /// The merchant the principal is bound to, if any.
    pub fn merchant_id(&self) -> Option<MerchantId> {
        match self.reach() {
            Reach::Operator(_) => None,
            Reach::Merchant(_, m) | Reach::Order(_, m, _) => Some(m),
        }
    }

    /// The actor recorded on the events this principal causes.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Staff {
                user_id,
                merchant_id,
                ..
            } => match merchant_id {
                Some(_) => Actor::MerchantUser {
                    id: user_id.clone(),
                },
                None => Actor::OperatorUser {
                    id: user_id.clone(),
                },
            },
            Principal::ApiKey {
                key_id,
                merchant_id,
                ..
            } => {
                let id = format!("apikey:{key_id}");
                match merchant_id {
                    Some(_) => Actor::MerchantUser { id },
                    None => Actor::OperatorUser { id },
                }
            }
            Principal::Buyer { .. } => Actor::Buyer,
        }
    }

    /// A stable name for logs and idempotency keys (no personal data).
    pub fn key(&self) -> String {
        match self {
            Principal::Staff { user_id, .. } => format!("user:{user_id}"),
            Principal::ApiKey { key_id, .. } => format!("apikey:{key_id}"),
            Principal::Buyer { order_id, .. } => format!("buyer:{order_id}"),
        }
    }

    /// The kind of principal, as the authorisation matrix names it.
    pub fn label(&self) -> &'static str {
        match self {
            Principal::Staff { role, .. } => role.code(),
            Principal::ApiKey {
                merchant_id: None, ..
            } => "operator_api_key",
            Principal::ApiKey { .. } => "merchant_api_key",
            Principal::Buyer { .. } => "buyer",
        }
    }

    fn profile(&self) -> Profile {
        match self {
            Principal::Staff { role, .. } => match role {
                Role::OperatorAdmin => Profile::OperatorAdmin,
                Role::Mediator => Profile::Mediator,
                Role::MerchantAdmin => Profile::MerchantAdmin,
                Role::MerchantAgent => Profile::MerchantAgent,
            },
            Principal::ApiKey {
                merchant_id: None, ..
            } => Profile::OperatorIntegration,
            Principal::ApiKey { .. } => Profile::MerchantIntegration,
            Principal::Buyer { .. } => Profile::Buyer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    OperatorAdmin,
    Mediator,
    MerchantAdmin,
    MerchantAgent,
    OperatorIntegration,
    MerchantIntegration,
    Buyer,
}

/// Everything a request can do. One variant per kind of access; routes map
/// onto these (several routes may share one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create or update orders (integrations and admins).
    WriteOrders,
    ReadOrder,
    ListOrders,
    /// Mint a buyer access link for an order (to email it).
    CreateBuyerLink,
    OpenCase,
    /// Read a case with its public timeline.
    ReadCase,
    /// Also see internal notes and internal attachments.
    ReadInternal,
    ListCases,
    PostMessage,
    AddNote,
    AttachFile,
    ProposeOffer,
    AnswerOffer,
    Escalate,
    /// Binding decisions: the operator's alone.
    RecordDecision,
    Resolve,
    Reopen,
    Close,
    Cancel,
    /// Read the list of merchants in reach.
    ListMerchants,
    /// Create and list staff users.
    ManageUsers,
    /// Create, list and revoke API keys.
    ManageApiKeys,
    /// Authorise or refuse a return, issue its label, record carrier scans, receipt and inspection.
    HandleReturn,
    /// Declare a return parcel sent without a prepaid label (the buyer's proof of shipment).
    ShipReturn,
    /// Refund, issue store credit, record an exchange or a compensation.
    MoveMoney,
    /// Read return policies and their versions.
    ReadPolicy,
    /// Publish a new version of a return policy.
    ManagePolicy,
    /// Read a merchant's or the marketplace's settings (addresses, contact, zone, language).
    ReadSettings,
    /// Change them.
    ManageSettings,
    /// Determine responsibility, file and settle the carrier claim, send and track a replacement.
    HandleIncident,
    /// Set a new delivery deadline and cancel a late order (the buyer's rights, C. conso L216-6).
    ChaseDelivery,
    /// Write in a private channel with the mediator.
    PostPrivateMessage,
    /// Ask a party for information, hear an appeal, offer the consumer mediator.
    Mediate,
    /// Appeal the marketplace's decision.
    Appeal,
    /// Approve a goodwill gesture above the threshold or the budget.
    ApproveGoodwill,
    /// Give a case to someone (or a team), take it, or leave it unassigned.
    AssignCase,
    /// Create, change and delete the helpdesk's teams (a shop's, or the marketplace's).
    ManageTeams,
    /// Create, change and delete the canned replies (macros).
    ManageMacros,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::WriteOrders,
        Action::ReadOrder,
        Action::ListOrders,
        Action::CreateBuyerLink,
        Action::OpenCase,
        Action::ReadCase,
        Action::ReadInternal,
        Action::ListCases,
        Action::PostMessage,
        Action::AddNote,
        Action::AttachFile,
        Action::ProposeOffer,
        Action::AnswerOffer,
        Action::Escalate,
        Action::RecordDecision,
        Action::Resolve,
        Action::Reopen,
        Action::Close,
        Action::Cancel,
        Action::ListMerchants,
        Action::ManageUsers,
        Action::ManageApiKeys,
        Action::HandleReturn,
        Action::ShipReturn,
        Action::MoveMoney,
        Action::ReadPolicy,
        Action::ManagePolicy,
        Action::ReadSettings,
        Action::ManageSettings,
        Action::HandleIncident,
        Action::ChaseDelivery,
        Action::PostPrivateMessage,
        Action::Mediate,
        Action::Appeal,
        Action::ApproveGoodwill,
        Action::AssignCase,
        Action::ManageTeams,
        Action::ManageMacros,
    ];
}

/// What an action touches: always an operator, often a merchant and an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub operator_id: OperatorId,
    /// `None` for operator-wide resources (e.g. the list of all merchants).
    pub merchant_id: Option<MerchantId>,
    pub order_id: Option<OrderId>,
}

impl Resource {
    pub fn operator(operator_id: OperatorId) -> Resource {
        Resource {
            operator_id,
            merchant_id: None,
            order_id: None,
        }
    }

    pub fn merchant(operator_id: OperatorId, merchant_id: MerchantId) -> Resource {
        Resource {
            operator_id,
            merchant_id: Some(merchant_id),
            order_id: None,
        }
    }

    pub fn order(operator_id: OperatorId, merchant_id: MerchantId, order_id: OrderId) -> Resource {
        Resource {
            operator_id,
            merchant_id: Some(merchant_id),
            order_id: Some(order_id),
        }
    }
}

/// Why access was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Outside the principal's reach: answered as if it did not exist (404).
    OutOfReach,
    /// In reach, but the role may not do this (403).
    Forbidden,
}

/// The policy: may `principal` do `action` on `resource`?
pub fn authorize(principal: &Principal, action: Action, resource: &Resource) -> Result<(), Denied> {
    if !in_reach(principal.reach(), resource) {
        return Err(Denied::OutOfReach);
    }
    if permits(principal.profile(), action) {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

fn in_reach(reach: Reach, resource: &Resource) -> bool {
    match reach {
        Reach::Operator(operator) => resource.operator_id == operator,
        Reach::Merchant(operator, merchant) => {
            resource.operator_id == operator && resource.merchant_id == Some(merchant)
        }
        Reach::Order(operator, merchant, order) => {
            resource.operator_id == operator
                && resource.merchant_id == Some(merchant)
                && resource.order_id == Some(order)
        }
    }
}

/// The role table. Case commands are further checked by the decider
/// (e.g. who may accept which offer); this says who may try at all.
fn permits(profile: Profile, action: Action) -> bool {
    use Action::*;
    use Profile::*;
    // The buyer's own rights are exercised by the buyer.
    if action == ChaseDelivery {
        return profile == Buyer;
    }
    match profile {
        // An offer is answered by the party it was made to, never on its behalf; an
        // appeal is a party's.
        OperatorAdmin => !matches!(action, AnswerOffer | Appeal),
        // The mediator decides; the money moves by the merchant's hand (or the
        // marketplace's admin), never the mediator's.
        Mediator => !matches!(
            action,
            WriteOrders
                | ManageUsers
                | ManageApiKeys
                | CreateBuyerLink
                | AnswerOffer
                | ManagePolicy
                | ManageSettings
                | MoveMoney
                | HandleIncident
                | Appeal
                | ApproveGoodwill
                | ManageTeams
                | ManageMacros
        ),
        OperatorIntegration => {
            !matches!(action, ManageUsers | ManageApiKeys | AnswerOffer | Appeal)
        }
        MerchantAdmin => !matches!(action, RecordDecision | Mediate),
        MerchantIntegration => !matches!(
            action,
            RecordDecision | ManageUsers | ManageApiKeys | Mediate | ApproveGoodwill
        ),
        MerchantAgent => !matches!(
            action,
            RecordDecision
                | Mediate
                | ApproveGoodwill
                | WriteOrders
                | ManageUsers
                | ManageApiKeys
                | ManagePolicy
                | ManageSettings
                | ManageTeams
                | ManageMacros
        ),
        // A buyer resolves only by withdrawing; the decider checks the kind.
        Buyer => matches!(
            action,
            ReadOrder
                | OpenCase
                | ReadCase
                | ListCases
                | PostMessage
                | AttachFile
                | ProposeOffer
                | AnswerOffer
                | Escalate
                | Resolve
                | Reopen
                | Cancel
                | ShipReturn
                | PostPrivateMessage
                | Appeal
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (OperatorId, MerchantId, MerchantId, OrderId, OrderId) {
        (
            OperatorId::from_bytes([1; 16]),
            MerchantId::from_bytes([2; 16]),
            MerchantId::from_bytes([3; 16]),
            OrderId::from_bytes([4; 16]),
            OrderId::from_bytes([5; 16]),
        )
    }

    #[test]
    fn a_merchant_never_reaches_another_merchant() {
        let (op, m1, m2, o1, _) = ids();
        let agent = Principal::Staff {
            user_id: "u".into(),
            operator_id: op,
            merchant_id: Some(m1),
            role: Role::MerchantAgent,
        };
        assert_eq!(
            authorize(&agent, Action::ReadCase, &Resource::order(op, m1, o1)),
            Ok(())
        );
        for action in Action::ALL {
            assert_eq!(
                authorize(&agent, *action, &Resource::order(op, m2, o1)),
                Err(Denied::OutOfReach)
            );
        }
        // Operator-wide resources are out of a merchant's reach.
        assert_eq!(
            authorize(&agent, Action::ListCases, &Resource::operator(op)),
            Err(Denied::OutOfReach)
        );
    }

    #[test]
    fn a_buyer_reaches_one_order_and_no_internal_notes() {
        let (op, m1, _, o1, o2) = ids();
        let buyer = Principal::Buyer {
            operator_id: op,
            merchant_id: m1,
            order_id: o1,
        };
        let own = Resource::order(op, m1, o1);
        assert_eq!(authorize(&buyer, Action::PostMessage, &own), Ok(()));
        assert_eq!(
            authorize(&buyer, Action::ReadInternal, &own),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&buyer, Action::AddNote, &own),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&buyer, Action::ReadCase, &Resource::order(op, m1, o2)),
            Err(Denied::OutOfReach)
        );
        assert_eq!(buyer.actor(), Actor::Buyer);
    }

    #[test]
    fn operators_are_sealed_from_each_other() {
        let (op, m1, _, o1, _) = ids();
        let other = OperatorId::from_bytes([9; 16]);
        let admin = Principal::Staff {
            user_id: "a".into(),
            operator_id: other,
            merchant_id: None,
            role: Role::OperatorAdmin,
        };
        for action in Action::ALL {
            assert_eq!(
                authorize(&admin, *action, &Resource::order(op, m1, o1)),
                Err(Denied::OutOfReach)
            );
        }
    }

    #[test]
    fn only_the_operator_decides_and_the_mediator_never_moves_money() {
        let (op, m1, _, o1, _) = ids();
        let res = Resource::order(op, m1, o1);
        let merchant_admin = Principal::Staff {
            user_id: "m".into(),
            operator_id: op,
            merchant_id: Some(m1),
            role: Role::MerchantAdmin,
        };
        let mediator = Principal::Staff {
            user_id: "d".into(),
            operator_id: op,
            merchant_id: None,
            role: Role::Mediator,
        };
        assert_eq!(
            authorize(&merchant_admin, Action::RecordDecision, &res),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(&mediator, Action::RecordDecision, &res), Ok(()));
        assert_eq!(mediator.actor(), Actor::OperatorUser { id: "d".into() });
        // The mediator decides; the money moves by the merchant's hand, never theirs.
        assert_eq!(
            authorize(&mediator, Action::MoveMoney, &res),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(&merchant_admin, Action::MoveMoney, &res), Ok(()));
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(*role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
