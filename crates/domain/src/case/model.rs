//! The vocabulary of cases: kinds, statuses, stages, parties, resolutions.

use crate::ids::LineId;
use crate::money::Money;
use crate::order::Quantity;
use crate::reason::ReasonCode;
use crate::text::Label;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(value: &str) -> Option<Self> {
                match value { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

string_enum!(
    /// What kind of problem a case is about.
    CaseKind {
        /// The buyer sends items back.
        Return => "return",
        /// Not received, late, damaged, wrong or missing item, defective.
        Incident => "incident",
        /// The buyer contests the merchant's answer.
        Dispute => "dispute",
        /// Opened by PayPal or a card network.
        PaymentDispute => "payment_dispute",
    }
);

string_enum!(
    /// Where a case is in its life.
    CaseStatus {
        Open => "open",
        Resolved => "resolved",
        Closed => "closed",
        Cancelled => "cancelled",
    }
);

string_enum!(
    /// The escalation ladder; a case only ever climbs it.
    Stage {
        /// Buyer and merchant talk.
        Negotiation => "negotiation",
        /// The operator joins as a neutral third party.
        Mediation => "mediation",
        /// The operator decides; binding inside the marketplace contract.
        Arbitration => "arbitration",
        /// A consumer mediator, a PayPal claim, a card chargeback.
        External => "external",
    }
);

impl Stage {
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Negotiation => Some(Stage::Mediation),
            Stage::Mediation => Some(Stage::Arbitration),
            Stage::Arbitration => Some(Stage::External),
            Stage::External => None,
        }
    }
}

string_enum!(
    /// Who takes part in a case.
    Party {
        Buyer => "buyer",
        Merchant => "merchant",
        Operator => "operator",
        /// amiable itself: timers and automations.
        System => "system",
        /// A payment provider or card network.
        Provider => "provider",
    }
);

string_enum!(
    /// The ways a case can end (PRODUCT.md, "Resolutions").
    ResolutionKind {
        FullRefund => "full_refund",
        PartialRefund => "partial_refund",
        ReturnAndRefund => "return_and_refund",
        Replacement => "replacement",
        Exchange => "exchange",
        StoreCredit => "store_credit",
        Repair => "repair",
        Goodwill => "goodwill",
        /// Refusal with a stated ground.
        Refusal => "refusal",
        /// The buyer withdraws the claim.
        Withdrawn => "withdrawn",
    }
);

impl ResolutionKind {
    /// Kinds that need an amount.
    pub fn requires_amount(self) -> bool {
        matches!(
            self,
            Self::PartialRefund | Self::StoreCredit | Self::Goodwill
        )
    }

    /// Kinds that pay the buyer back money they paid, capped by the order total.
    pub fn is_refund(self) -> bool {
        matches!(
            self,
            Self::FullRefund | Self::PartialRefund | Self::ReturnAndRefund
        )
    }

    /// Kinds that may be offered (a refusal or a withdrawal is not an offer).
    pub fn can_be_offered(self) -> bool {
        !matches!(self, Self::Refusal | Self::Withdrawn)
    }
}

string_enum!(
    /// Forms of a goodwill gesture (geste commercial).
    GoodwillKind {
        Voucher => "voucher",
        ShippingRefund => "shipping_refund",
        Gift => "gift",
    }
);

string_enum!(
    /// Who an arbitration or provider decision favours.
    DecisionOutcome {
        BuyerFavoured => "buyer_favoured",
        MerchantFavoured => "merchant_favoured",
        Split => "split",
    }
);

string_enum!(
    /// Who may see a message or attachment.
    Visibility {
        /// Buyer, merchant and operator.
        Public => "public",
        /// Staff only (merchant and operator).
        Internal => "internal",
    }
);

string_enum!(
    /// Why a case was closed.
    CloseReason {
        /// Staff closed a resolved case.
        Manual => "manual",
        /// No activity for the configured period after resolution.
        Inactivity => "inactivity",
    }
);

/// Who did something: the envelope of every event carries one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Actor {
    Buyer,
    MerchantUser { id: String },
    OperatorUser { id: String },
    System { id: String },
    Provider { id: String },
}

impl Actor {
    pub fn party(&self) -> Party {
        match self {
            Actor::Buyer => Party::Buyer,
            Actor::MerchantUser { .. } => Party::Merchant,
            Actor::OperatorUser { .. } => Party::Operator,
            Actor::System { .. } => Party::System,
            Actor::Provider { .. } => Party::Provider,
        }
    }
}

/// Items of the order a case is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Unknown members are refused: a misspelt field must not be dropped silently.
#[serde(deny_unknown_fields)]
pub struct CaseItem {
    pub line_id: LineId,
    pub quantity: Quantity,
    /// A per-line reason when it differs from the case's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
}

/// The terms of an offer or of a resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Unknown members are refused: a misspelt field must not be dropped silently.
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub kind: ResolutionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Store-credit bonus in percent (an avoir of 100 € + 10 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_percent: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodwill: Option<GoodwillKind>,
    /// The ground of a refusal, or details for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Label>,
}

impl Resolution {
    pub fn simple(kind: ResolutionKind) -> Self {
        Self {
            kind,
            amount: None,
            bonus_percent: None,
            goodwill: None,
            note: None,
        }
    }
}

/// A binding decision taken in arbitration or by a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Unknown members are refused: a misspelt field must not be dropped silently.
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub resolution: Resolution,
    pub rationale: Label,
}

/// A file attached to a case. The bytes live in content-addressed storage;
/// the event records their SHA-256 so the timeline proves which file it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Unknown members are refused: a misspelt field must not be dropped silently.
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub filename: Label,
    pub content_type: Label,
    pub size_bytes: u64,
}
