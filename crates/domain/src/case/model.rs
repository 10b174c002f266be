//! The vocabulary of cases: kinds, statuses, stages, parties, resolutions.

use crate::ids::LineId;
use crate::money::Money;
use crate::order::Quantity;
use crate::reason::ReasonCode;
use crate::text::{Body, Label};
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
    /// The grounds, as long as a decision needs (paragraphs; up to 10,000 characters;
    /// at least 20: the facts found and why they lead to this outcome).
    pub rationale: Body,
    /// The contract clauses or articles the decision applies (e.g. `CGV marchand art. 7`,
    /// `C. conso L216-2`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<Label>,
    /// Who pays what the decision awards: the merchant (the default: the case waits for
    /// its payment), or the marketplace at once (PayPal's model of a claim paid by the
    /// platform), optionally recovered from the merchant.
    #[serde(default, skip_serializing_if = "Payer::is_merchant")]
    pub paid_by: Payer,
    /// With `paid_by: marketplace`: the merchant owes the marketplace what it paid
    /// (recorded in the ledger as due from the merchant).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recover_from_merchant: bool,
}

string_enum!(
    /// Who pays what a decision awards.
    Payer {
        /// The merchant carries the decision out with a money command.
        Merchant => "merchant",
        /// The marketplace pays the buyer at once (refund through the gateway).
        Marketplace => "marketplace",
    }
);

// The macro's enums derive no Default; the merchant pays unless the decision says otherwise.
#[allow(clippy::derivable_impls)]
impl Default for Payer {
    fn default() -> Self {
        Payer::Merchant
    }
}

impl Payer {
    pub fn is_merchant(&self) -> bool {
        *self == Payer::Merchant
    }
}

string_enum!(
    /// Who is responsible for an incident (recorded with its grounds).
    Responsibility {
        /// The merchant: wrong or missing item, defective goods, a parcel never handed over.
        Merchant => "merchant",
        /// The carrier: lost or damaged in transit. Towards a consumer the merchant still
        /// answers for it (C. conso L216-2) and claims from the carrier.
        Carrier => "carrier",
        /// The buyer: delivery proven and the claim unfounded, wrong address given.
        Buyer => "buyer",
        /// Not established.
        Unknown => "unknown",
    }
);

string_enum!(
    /// How a carrier answered a claim.
    ClaimOutcome {
        Accepted => "accepted",
        PartiallyAccepted => "partially_accepted",
        Refused => "refused",
    }
);

string_enum!(
    /// What became of a replacement parcel.
    ReshipmentStatus {
        InTransit => "in_transit",
        Delivered => "delivered",
        Lost => "lost",
    }
);

string_enum!(
    /// How an appeal was heard.
    AppealOutcome {
        /// The decision stands.
        Dismissed => "dismissed",
        /// The decision is replaced by the appeal's.
        Allowed => "allowed",
    }
);

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

string_enum!(
    /// Where a return is (a case of kind `return`).
    ReturnStage {
        /// Asked for; waiting for the merchant's authorisation.
        Requested => "requested",
        /// Authorised (RMA number issued); a label comes next, unless returnless.
        Authorised => "authorised",
        /// A prepaid label is ready for the buyer.
        LabelIssued => "label_issued",
        /// The label expired before the parcel was dropped off.
        LabelExpired => "label_expired",
        /// The carrier has the parcel.
        InTransit => "in_transit",
        /// The carrier delivered the parcel to the merchant.
        Delivered => "delivered",
        /// The merchant counted what came back.
        Received => "received",
        /// The merchant checked what came back; the resolution comes next.
        Inspected => "inspected",
        /// The carrier lost the parcel.
        Lost => "lost",
        /// The merchant refused the return, with a ground.
        Refused => "refused",
    }
);

string_enum!(
    /// What a carrier says about a parcel.
    ParcelStatus {
        /// Dropped off or picked up: the proof of shipment (L221-24).
        InTransit => "in_transit",
        OutForDelivery => "out_for_delivery",
        Delivered => "delivered",
        /// Delivery failed; the carrier tries again or holds it.
        Exception => "exception",
        Lost => "lost",
    }
);

string_enum!(
    /// The state an item came back in.
    ItemCondition {
        /// Unused, in its packaging.
        New => "new",
        /// Tried on or opened, as new.
        LikeNew => "like_new",
        /// Visibly used.
        Used => "used",
        Damaged => "damaged",
    }
);

string_enum!(
    /// How far a refund has gone through the payment provider.
    RefundStatus {
        /// Recorded and reserved in the ledger; the payment gateway has not confirmed it.
        Pending => "pending",
        Settled => "settled",
        /// The gateway refused it; the amount is refundable again.
        Failed => "failed",
    }
);

string_enum!(
    /// What a reminder is about.
    ReminderTopic {
        /// The legal refund deadline (C. conso L221-24) is near.
        RefundDue => "refund_due",
        /// The legal refund deadline passed without a refund: the L242-4 surcharge runs.
        RefundOverdue => "refund_overdue",
        /// The prepaid return label expires soon and the parcel has not left: the buyer
        /// is reminded to drop it off (`due_by`: the label's last day).
        LabelExpiring => "label_expiring",
    }
);

/// Which return policy judged a return: the version in force when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    /// `merchant` (the merchant's own policy), `operator` (the marketplace minimum,
    /// when the merchant has none) or `statutory` (neither: the law alone).
    pub source: PolicySource,
    /// The version number; 0 for the statutory default.
    pub version: u32,
}

string_enum!(
    /// Whose policy applied.
    PolicySource {
        Merchant => "merchant",
        Operator => "operator",
        Statutory => "statutory",
    }
);

/// One line of a return, as judged when it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    pub line_id: LineId,
    pub quantity: Quantity,
    pub unit_price: Money,
    /// The last day it could be returned (`None`: not delivered yet, the period has not started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub until: Option<jiff::civil::Date>,
    /// `policy`, or the article of the law that grants it (e.g. `C. conso L221-18`).
    pub basis: String,
    /// The restocking fee for this line (policy returns beyond the law only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restocking_fee: Option<Money>,
    /// The buyer keeps it and is refunded without sending it back.
    #[serde(default)]
    pub returnless: bool,
}

/// A sum kept back from a refund, with its reason (itemised for the buyer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    pub label: Label,
    pub amount: Money,
}

/// What came back of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    pub line_id: LineId,
    /// How many came back (0 when the line is missing from the parcel).
    pub quantity: u32,
    pub condition: ItemCondition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Label>,
}

/// The inspection of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InspectedLine {
    pub line_id: LineId,
    /// `false`: not as expected (damaged by use, incomplete…); deductions say how much it costs.
    pub compliant: bool,
    #[serde(default)]
    pub deductions: Vec<Deduction>,
}

/// An item sent in exchange for one returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeLine {
    /// The returned line it replaces.
    pub line_id: LineId,
    pub quantity: Quantity,
    pub sku: Label,
    pub title: Label,
    pub unit_price: Money,
}

/// The prepaid label of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnLabel {
    pub carrier: Label,
    pub tracking_number: Label,
    /// The PDF, stored as an attachment of the case (public: the buyer downloads it).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attachment: AttachmentRef,
    pub issued_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    pub parcel_count: u32,
    pub weight_grams: u32,
}

/// A refund paid after its legal deadline, and what the law adds (C. conso L242-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LateRefund {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_by: jiff::civil::Date,
    pub days_late: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub surcharge: crate::law::refund::Surcharge,
}
