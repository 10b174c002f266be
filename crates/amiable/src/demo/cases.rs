//! Casting the demo cases: which shapes of case the marketplace holds, and
//! for each one a reason, an order it fits, the lines it is about and when
//! it may start.

use super::catalog::{MerchantSpec, Tag, Trade, weighted};
use super::clock::{DAY, HOUR};
use super::orders::{DemoLine, DemoOrder};
use amiable_domain::case::{CaseKind, CaseStatus, ReturnStage, Stage};
use anyhow::{Context as _, Result, bail};

/// Where a case ends up: its kind, its last status and the highest stage it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub stage: Stage,
}

use CaseKind::{Dispute, Incident, PaymentDispute, Return};
use CaseStatus::{Cancelled, Closed, Open, Resolved};
use Stage::{Arbitration, External, Mediation, Negotiation};

/// The demo's mix of cases: every kind with every status, every stage. Returns
/// settled between buyer and shop follow their whole lifecycle ([`RETURN_MIX`]).
const MIX: &[(CaseKind, CaseStatus, Stage, usize)] = &[
    (Return, Open, Mediation, 3),
    (Return, Resolved, Mediation, 3),
    (Return, Closed, Mediation, 3),
    (Return, Cancelled, Mediation, 1),
    (Return, Open, Arbitration, 1),
    (Return, Resolved, Arbitration, 2),
    (Return, Closed, Arbitration, 3),
    (Return, Open, External, 1),
    (Incident, Open, Negotiation, 7),
    (Incident, Resolved, Negotiation, 8),
    (Incident, Closed, Negotiation, 12),
    (Incident, Cancelled, Negotiation, 4),
    (Incident, Open, Mediation, 3),
    (Incident, Resolved, Mediation, 3),
    (Incident, Closed, Mediation, 3),
    (Incident, Cancelled, Mediation, 1),
    (Incident, Open, Arbitration, 1),
    (Incident, Resolved, Arbitration, 2),
    (Incident, Closed, Arbitration, 2),
    (Incident, Resolved, External, 1),
    (Dispute, Open, Negotiation, 2),
    (Dispute, Resolved, Negotiation, 3),
    (Dispute, Closed, Negotiation, 1),
    (Dispute, Cancelled, Negotiation, 2),
    (Dispute, Open, Mediation, 3),
    (Dispute, Resolved, Mediation, 2),
    (Dispute, Closed, Mediation, 3),
    (Dispute, Cancelled, Mediation, 2),
    (Dispute, Open, Arbitration, 2),
    (Dispute, Resolved, Arbitration, 3),
    (Dispute, Closed, Arbitration, 3),
    (Dispute, Open, External, 2),
    (Dispute, Resolved, External, 1),
    (Dispute, Closed, External, 1),
    (PaymentDispute, Open, External, 9),
    (PaymentDispute, Resolved, External, 10),
    (PaymentDispute, Closed, External, 10),
    (PaymentDispute, Cancelled, External, 5),
];

/// Reasons by kind, with weights. Each must make sense for its kind.
fn reasons(kind: CaseKind) -> &'static [(&'static str, u32)] {
    match kind {
        Return => &[
            ("changed_mind", 45),
            ("changed_mind.size_exchange", 14),
            ("not_as_described", 6),
            ("not_as_described.colour", 8),
            ("not_as_described.size", 8),
            ("not_as_described.material", 5),
            ("defective", 6),
            ("defective.stitching", 6),
        ],
        Incident => &[
            ("not_received", 16),
            ("not_received.relay_point", 4),
            ("not_received.marked_delivered", 8),
            ("late_delivery", 12),
            ("damaged_in_transit", 5),
            ("damaged_in_transit.broken", 10),
            ("damaged_in_transit.crushed_parcel", 5),
            ("damaged_in_transit.cold_chain", 4),
            ("wrong_item", 5),
            ("wrong_item.variant", 7),
            ("missing_items", 6),
            ("missing_items.accessory", 5),
            ("defective", 5),
            ("defective.battery", 6),
            ("defective.screen", 5),
        ],
        Dispute => &[
            ("changed_mind", 20),
            ("not_as_described", 14),
            ("not_as_described.material", 6),
            ("defective", 14),
            ("damaged_in_transit", 10),
            ("not_received.marked_delivered", 12),
            ("missing_items", 8),
        ],
        PaymentDispute => &[
            ("unauthorised", 30),
            ("duplicate_charge", 14),
            ("not_received", 16),
            ("not_as_described", 16),
            ("credit_not_processed", 14),
            ("incorrect_amount", 10),
        ],
    }
}

/// One case to tell.
pub(crate) struct Casting {
    pub target: Target,
    /// For a return told through its lifecycle: how it unfolds.
    pub plot: Option<ReturnPlot>,
    /// For an incident told around who answers for it and how it ends: how it unfolds.
    pub incident: Option<IncidentPlot>,
    pub order: usize,
    pub reason: &'static str,
    /// Indices of the order lines the case is about (empty: the whole order).
    pub lines: Vec<usize>,
    /// The size wanted (exchange) or wrongly received.
    pub other_size: Option<&'static str>,
    /// When the case opens, and how early or late it could have.
    pub start: i64,
    pub open_min: i64,
    /// The latest a case of this reason could have opened (policy windows).
    pub open_max: i64,
}

/// Cases that should end close to the anchor, so the demo shows them live
/// (a resolved case left alone is closed automatically after 14 days).
pub(crate) fn recent(target: Target) -> bool {
    matches!(target.status, Open | Resolved)
}

/// How many days a story of this shape may need, at most.
fn budget_days(target: Target) -> i64 {
    let days = match (target.kind, target.stage, target.status) {
        (PaymentDispute, _, Open) => 6,
        (PaymentDispute, _, Cancelled) => 16,
        (PaymentDispute, _, _) => 30,
        (_, Negotiation, Open) => 5,
        (_, Negotiation, Cancelled) => 8,
        (_, Negotiation, _) => 18,
        (_, Mediation, _) => 26,
        (_, Arbitration, _) => 44,
        (_, External, Open) => 45,
        (_, External, _) => 90,
    };
    if target.status == Closed {
        days + 16
    } else {
        days
    }
}

/// Picks a reason, an order, lines and a start for every case of the mix.
pub(crate) fn cast(
    rng: &mut fastrand::Rng,
    anchor: i64,
    orders: &[DemoOrder],
) -> Result<Vec<Casting>> {
    let mut used = vec![false; orders.len()];
    // Parcels lost long ago are few: the incident plots that need one choose theirs first,
    // by a draw of their own, so the cases below draw as they always did.
    let mut side = fastrand::Rng::with_seed(rng.clone().u64(..).rotate_left(17) ^ 0x1ace);
    let mut lost_parcels = Vec::new();
    for &plot in INCIDENT_MIX.iter().filter(|p| p.needs_lost_parcel()) {
        lost_parcels.push(cast_incident(&mut side, anchor, orders, &mut used, plot)?);
    }
    let mut castings = Vec::new();
    for &(kind, status, stage, count) in MIX {
        let target = Target {
            kind,
            status,
            stage,
        };
        for _ in 0..count {
            castings.push(cast_one(rng, anchor, orders, &mut used, target)?);
        }
    }
    for &(plot, count) in RETURN_MIX {
        for _ in 0..count {
            castings.push(cast_plot(rng, anchor, orders, &mut used, plot)?);
        }
    }
    // Cast last, so the cases above stay the same whatever is added here.
    let mut lost_parcels = lost_parcels.into_iter();
    for &plot in INCIDENT_MIX {
        let casting = if plot.needs_lost_parcel() {
            lost_parcels.next().context("a lost parcel cast")?
        } else {
            cast_incident(rng, anchor, orders, &mut used, plot)?
        };
        castings.push(casting);
    }
    Ok(castings)
}

fn cast_one(
    rng: &mut fastrand::Rng,
    anchor: i64,
    orders: &[DemoOrder],
    used: &mut [bool],
    target: Target,
) -> Result<Casting> {
    let budget = budget_days(target) * DAY;
    let mut remaining = reasons(target.kind).to_vec();
    while !remaining.is_empty() {
        let reason = weighted(rng, &remaining);
        remaining.retain(|(r, _)| *r != reason);
        // Live cases prefer orders whose window reaches close to the anchor.
        let mut tiers: [Vec<(usize, i64, i64, i64)>; 3] = Default::default();
        for (index, order) in orders.iter().enumerate() {
            // A return that escalates is one a person had to authorise: not at a
            // shop whose policy authorises returns at once.
            let automatic = target.kind == Return && order.merchant().auto_approve_up_to > 0;
            if used[index]
                || automatic
                || (target.kind == PaymentDispute && !matches!(order.provider, "paypal" | "stripe"))
            {
                continue;
            }
            let Some((open_min, open_max)) = window(order, target.kind, reason) else {
                continue;
            };
            let latest = open_max.min(anchor - budget);
            if latest <= open_min || candidate_lines(order, target.kind, reason).is_none() {
                continue;
            }
            let tier = if !recent(target) || open_max >= anchor - budget / 2 {
                0
            } else if latest >= anchor - budget - 8 * DAY {
                1
            } else {
                2
            };
            tiers[tier].push((index, open_min, open_max, latest));
        }
        let Some(pool) = tiers.into_iter().find(|t| !t.is_empty()) else {
            continue;
        };
        let (index, open_min, open_max, latest) = pool[rng.usize(0..pool.len())];
        used[index] = true;
        let order = &orders[index];
        let candidates = candidate_lines(order, target.kind, reason).unwrap_or_default();
        let lines = choose_lines(rng, reason, &candidates);
        let other_size = lines
            .first()
            .and_then(|&i| other_size(&order.lines[i]))
            .filter(|_| reason.ends_with("size_exchange") || reason.ends_with("variant"));
        let span = latest - open_min;
        let start = if recent(target) {
            latest - rng.i64(0..span.clamp(1, 4 * DAY))
        } else {
            open_min + rng.i64(0..span.max(1))
        };
        return Ok(Casting {
            target,
            plot: None,
            incident: None,
            order: index,
            reason,
            lines,
            other_size,
            start,
            open_min,
            open_max,
        });
    }
    bail!(
        "no demo order fits a {} case ({} at {}): too few orders",
        target.kind,
        target.status,
        target.stage
    )
}

/// When a case of this reason can open on this order: (earliest, latest).
fn window(order: &DemoOrder, kind: CaseKind, reason: &str) -> Option<(i64, i64)> {
    let lost_reason = matches!(reason, "not_received" | "not_received.relay_point");
    if kind == PaymentDispute {
        let base = order.delivered.or(order.shipped).unwrap_or(order.placed);
        return Some((base + 3 * DAY, base + 50 * DAY));
    }
    if lost_reason {
        let shipped = order.shipped.filter(|_| order.lost)?;
        return Some((shipped + 7 * DAY, shipped + 25 * DAY));
    }
    let delivered = order.delivered?;
    if kind == Return {
        // The return window runs from each parcel's delivery: the first one bounds them all.
        // Two hours of margin keep the last instant on the last day whatever the clock change.
        let first = first_delivery(order).unwrap_or(delivered);
        let from = if reason.starts_with("changed_mind") {
            3 * HOUR
        } else {
            DAY
        };
        let last_day = first + order.merchant().window_days * DAY - 2 * HOUR;
        return Some((delivered + from, last_day));
    }
    let (from, to) = match (kind, reason) {
        (Incident, "not_received.marked_delivered") => (2 * HOUR, 5 * DAY),
        (Incident, "late_delivery") => (HOUR, 3 * DAY),
        (Incident, r) if r.starts_with("defective") => (5 * DAY, 60 * DAY),
        (Incident, _) => (HOUR, 4 * DAY),
        _ => (4 * DAY, 25 * DAY),
    };
    Some((delivered + from, delivered + to))
}

/// When the first parcel of the order was delivered.
fn first_delivery(order: &DemoOrder) -> Option<i64> {
    order
        .order
        .shipments
        .iter()
        .filter_map(|s| s.delivered_at)
        .map(|at| at.as_second())
        .min()
}

fn physical(line: &DemoLine) -> bool {
    !line.product.is_digital()
}

fn returnable(line: &DemoLine) -> bool {
    physical(line)
        && !line.has_flag("personalised")
        && !line.has_flag("perishable")
        && !line.has_flag("sealed_hygiene")
}

/// The lines a case of this reason could be about; `None` when the order does not fit.
/// A return is only about lines the shop's policy takes back.
fn candidate_lines(order: &DemoOrder, kind: CaseKind, reason: &str) -> Option<Vec<usize>> {
    let lines = lines_for_reason(order, kind, reason)?;
    if kind != Return {
        return Some(lines);
    }
    let lines: Vec<usize> = lines
        .into_iter()
        .filter(|&i| returnable(&order.lines[i]))
        .collect();
    (!lines.is_empty()).then_some(lines)
}

fn lines_for_reason(order: &DemoOrder, kind: CaseKind, reason: &str) -> Option<Vec<usize>> {
    let trade = order.merchant().trade;
    let filter = |keep: &dyn Fn(&DemoLine) -> bool| -> Option<Vec<usize>> {
        let lines: Vec<usize> = (0..order.lines.len())
            .filter(|&i| keep(&order.lines[i]))
            .collect();
        (!lines.is_empty()).then_some(lines)
    };
    let sized = |l: &DemoLine| l.size.is_some() && l.product.sizes.len() > 1;
    match (kind, reason) {
        (PaymentDispute, "not_received") => order.lost.then(Vec::new),
        (PaymentDispute, "not_as_described" | "credit_not_processed") => {
            order.delivered.map(|_| Vec::new())
        }
        (PaymentDispute, _) => Some(Vec::new()),
        (_, "not_received" | "not_received.relay_point") => {
            let relay_ok = reason == "not_received" || order.carrier.is_some_and(|c| c.is_relay());
            if order.lost && relay_ok {
                filter(&physical)
            } else {
                None
            }
        }
        (_, "late_delivery") => (order.delayed && order.delivered.is_some()).then(Vec::new),
        (_, "not_received.marked_delivered") => {
            if order.delayed {
                None
            } else {
                filter(&physical)
            }
        }
        (Return, "changed_mind") => filter(&returnable),
        (_, "changed_mind.size_exchange") => filter(&|l| returnable(l) && sized(l)),
        (_, "changed_mind") => {
            let flagged = filter(&|l| {
                physical(l) && (l.has_flag("personalised") || l.has_flag("sealed_hygiene"))
            });
            flagged.or_else(|| filter(&returnable))
        }
        (_, "not_as_described.size") => filter(&|l| physical(l) && sized(l)),
        (_, "not_as_described.colour" | "not_as_described.material") => {
            if matches!(trade, Trade::Fashion | Trade::Home) {
                filter(&|l| physical(l) && !l.has_flag("perishable"))
            } else {
                None
            }
        }
        (_, "defective.stitching") => filter(&|l| l.product.category == "vêtements"),
        (_, "defective.battery") => filter(&|l| l.has_tag(Tag::Battery)),
        (_, "defective.screen") => filter(&|l| l.has_tag(Tag::Screen)),
        (_, "defective") => filter(&|l| {
            let fits = match trade {
                Trade::Electronics | Trade::Fashion => true,
                Trade::Home => {
                    l.has_tag(Tag::Fragile)
                        || matches!(l.product.category, "mobilier" | "linge de maison")
                }
                Trade::Provence => l.product.category == "cosmétiques",
            };
            fits && physical(l) && !l.has_tag(Tag::Consumable) && !l.has_flag("personalised")
        }),
        (_, "damaged_in_transit.broken") => filter(&|l| l.has_tag(Tag::Fragile)),
        (_, "damaged_in_transit.cold_chain") => filter(&|l| l.has_flag("perishable")),
        (_, "wrong_item.variant") => filter(&|l| physical(l) && sized(l)),
        (_, "missing_items.accessory") => filter(&|l| l.has_tag(Tag::Accessory)),
        (_, "missing_items") => {
            let lines = filter(&physical)?;
            (lines.len() >= 2).then_some(lines)
        }
        _ => filter(&|l| physical(l) && !l.has_flag("perishable")),
    }
}

fn choose_lines(rng: &mut fastrand::Rng, reason: &str, candidates: &[usize]) -> Vec<usize> {
    if candidates.is_empty() {
        return Vec::new();
    }
    if reason.starts_with("not_received") {
        return candidates.to_vec();
    }
    let first = candidates[rng.usize(0..candidates.len())];
    let mut lines = vec![first];
    if reason == "changed_mind" && candidates.len() >= 2 && rng.u8(0..100) < 25 {
        let second = candidates
            .iter()
            .copied()
            .find(|&i| i != first)
            .unwrap_or(first);
        if second != first {
            lines.push(second);
            lines.sort_unstable();
        }
    }
    lines
}

/// The next size up (or down, for the largest).
fn other_size(line: &DemoLine) -> Option<&'static str> {
    let size = line.size?;
    let sizes = line.product.sizes;
    let at = sizes.iter().position(|s| *s == size)?;
    if at + 1 < sizes.len() {
        Some(sizes[at + 1])
    } else if at > 0 {
        Some(sizes[at - 1])
    } else {
        None
    }
}

// ---- Returns told through their lifecycle ---------------------------------

/// How a return settled between buyer and shop unfolds, and where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReturnPlot {
    /// Asked for; the shop has not answered yet.
    AwaitingAuthorisation,
    /// A small item: the buyer keeps it and the refund comes without a parcel.
    ReturnlessAuthorised,
    /// The same, refunded.
    ReturnlessRefunded,
    /// Authorised, the prepaid label is ready.
    LabelIssued,
    /// The buyer did not drop the parcel off in time.
    LabelExpired,
    /// The carrier has the parcel.
    InTransit,
    /// The carrier delivered it to the shop.
    Delivered,
    /// The shop counted what came back.
    Received,
    /// Checked, not as sent: a deduction is noted and the refund comes next.
    InspectedWithDeduction,
    /// Came back worn: refused after inspection, with the ground.
    RefusedAfterInspection,
    /// The carrier lost the parcel; the shop refunds anyway.
    LostAndRefunded,
    /// Received, checked, refunded in full.
    Refunded,
    /// Refunded less a deduction for wear.
    PartiallyRefunded,
    /// Store credit with the shop's bonus instead of a refund.
    StoreCredit,
    /// Another size sent in exchange.
    Exchanged,
    /// The buyer keeps the item with a goodwill gesture.
    KeptWithGoodwill,
    /// The buyer keeps the item after all, label in hand.
    CancelledByBuyer,
    /// Refunded, then closed automatically after 14 quiet days.
    RefundedThenClosed,
    /// Refunded weeks after the legal deadline, with the surcharge of C. conso L242-4.
    RefundedLate,
}

/// The returns told through their lifecycle, and how many of each.
pub(crate) const RETURN_MIX: &[(ReturnPlot, usize)] = &[
    (ReturnPlot::AwaitingAuthorisation, 2),
    (ReturnPlot::ReturnlessAuthorised, 1),
    (ReturnPlot::ReturnlessRefunded, 1),
    (ReturnPlot::LabelIssued, 2),
    (ReturnPlot::LabelExpired, 1),
    (ReturnPlot::InTransit, 2),
    (ReturnPlot::Delivered, 1),
    (ReturnPlot::Received, 1),
    (ReturnPlot::InspectedWithDeduction, 1),
    (ReturnPlot::RefusedAfterInspection, 1),
    (ReturnPlot::LostAndRefunded, 1),
    (ReturnPlot::Refunded, 3),
    (ReturnPlot::PartiallyRefunded, 1),
    (ReturnPlot::StoreCredit, 2),
    (ReturnPlot::Exchanged, 1),
    (ReturnPlot::KeptWithGoodwill, 1),
    (ReturnPlot::CancelledByBuyer, 3),
    (ReturnPlot::RefundedThenClosed, 5),
    (ReturnPlot::RefundedLate, 1),
];

/// Reasons a buyer sends something back under the withdrawal right or the policy.
const RETURN_REASONS: &[(&str, u32)] = &[
    ("changed_mind", 60),
    ("not_as_described.size", 12),
    ("not_as_described.colour", 10),
    ("not_as_described", 8),
];

impl ReturnPlot {
    pub(crate) fn status(self) -> CaseStatus {
        use ReturnPlot::*;
        match self {
            AwaitingAuthorisation
            | ReturnlessAuthorised
            | LabelIssued
            | LabelExpired
            | InTransit
            | Delivered
            | Received
            | InspectedWithDeduction => Open,
            CancelledByBuyer => Cancelled,
            RefundedThenClosed => Closed,
            _ => Resolved,
        }
    }

    /// Where the return stands at the end of the story.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn return_stage(self) -> ReturnStage {
        use ReturnPlot::*;
        match self {
            AwaitingAuthorisation | KeptWithGoodwill => ReturnStage::Requested,
            ReturnlessAuthorised | ReturnlessRefunded => ReturnStage::Authorised,
            LabelIssued | CancelledByBuyer => ReturnStage::LabelIssued,
            LabelExpired => ReturnStage::LabelExpired,
            InTransit => ReturnStage::InTransit,
            Delivered => ReturnStage::Delivered,
            Received | StoreCredit | Exchanged | RefundedThenClosed | RefundedLate => {
                ReturnStage::Received
            }
            InspectedWithDeduction | Refunded | PartiallyRefunded => ReturnStage::Inspected,
            RefusedAfterInspection => ReturnStage::Refused,
            LostAndRefunded => ReturnStage::Lost,
        }
    }

    /// The most days the story takes at this shop, office hours and weekends included.
    fn days(self, spec: &MerchantSpec) -> i64 {
        use ReturnPlot::*;
        match self {
            AwaitingAuthorisation => 3,
            ReturnlessAuthorised | LabelIssued => 7,
            ReturnlessRefunded | KeptWithGoodwill | CancelledByBuyer => 10,
            LabelExpired => i64::from(spec.label_expiry_days) + 12,
            InTransit => 12,
            Delivered => 16,
            Received | StoreCredit | Exchanged => 20,
            InspectedWithDeduction
            | RefusedAfterInspection
            | LostAndRefunded
            | Refunded
            | PartiallyRefunded => 26,
            RefundedThenClosed => 42,
            RefundedLate => 52,
        }
    }

    /// Whether the shop's policy lets the story happen.
    fn fits(self, spec: &MerchantSpec) -> bool {
        use ReturnPlot::*;
        match self {
            // A person answers these: no automatic authorisation.
            AwaitingAuthorisation | KeptWithGoodwill => spec.auto_approve_up_to == 0,
            ReturnlessAuthorised | ReturnlessRefunded => spec.returnless_threshold > 0,
            StoreCredit => spec.store_credit_bonus_percent > 0,
            Exchanged => spec.exchange,
            // Only a return under the withdrawal right has a legal refund deadline (L221-24):
            // a longer policy window makes the policy the basis.
            RefundedLate => spec.window_days <= 14,
            _ => true,
        }
    }

    /// Whether this line can be the return's.
    fn line_fits(self, spec: &MerchantSpec, line: &DemoLine) -> bool {
        let returnless = line.total() < spec.returnless_threshold;
        match self {
            ReturnPlot::ReturnlessAuthorised | ReturnPlot::ReturnlessRefunded => returnless,
            ReturnPlot::Exchanged => !returnless && other_size(line).is_some(),
            _ => !returnless,
        }
    }

    fn reasons(self) -> &'static [(&'static str, u32)] {
        use ReturnPlot::*;
        match self {
            Exchanged => &[("changed_mind.size_exchange", 1)],
            KeptWithGoodwill => &[
                ("not_as_described.colour", 3),
                ("not_as_described.material", 2),
                ("not_as_described", 1),
            ],
            ReturnlessAuthorised
            | ReturnlessRefunded
            | RefusedAfterInspection
            | PartiallyRefunded
            | InspectedWithDeduction
            | RefundedLate => &[("changed_mind", 1)],
            CancelledByBuyer => &[
                ("changed_mind", 3),
                ("changed_mind.size_exchange", 1),
                ("not_as_described.size", 1),
            ],
            _ => RETURN_REASONS,
        }
    }
}

/// An order a return plot could be about: when it may open, and which lines.
struct Candidate {
    order: usize,
    open_min: i64,
    open_max: i64,
    latest: i64,
    lines: Vec<usize>,
}

/// Picks a reason, an order, lines and a start for one return plot.
fn cast_plot(
    rng: &mut fastrand::Rng,
    anchor: i64,
    orders: &[DemoOrder],
    used: &mut [bool],
    plot: ReturnPlot,
) -> Result<Casting> {
    let target = Target {
        kind: Return,
        status: plot.status(),
        stage: Negotiation,
    };
    let mut remaining = plot.reasons().to_vec();
    while !remaining.is_empty() {
        let reason = weighted(rng, &remaining);
        remaining.retain(|(r, _)| *r != reason);
        let mut tiers: [Vec<Candidate>; 3] = Default::default();
        for (index, order) in orders.iter().enumerate() {
            let spec = order.merchant();
            if used[index] || !plot.fits(spec) {
                continue;
            }
            let Some((open_min, open_max)) = window(order, Return, reason) else {
                continue;
            };
            let budget = plot.days(spec) * DAY;
            let latest = open_max.min(anchor - budget);
            if latest <= open_min {
                continue;
            }
            let Some(lines) = candidate_lines(order, Return, reason) else {
                continue;
            };
            let lines: Vec<usize> = lines
                .into_iter()
                .filter(|&i| plot.line_fits(spec, &order.lines[i]))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let tier = if !recent(target) || open_max >= anchor - budget / 2 {
                0
            } else if latest >= anchor - budget - 8 * DAY {
                1
            } else {
                2
            };
            tiers[tier].push(Candidate {
                order: index,
                open_min,
                open_max,
                latest,
                lines,
            });
        }
        let Some(pool) = tiers.into_iter().find(|t| !t.is_empty()) else {
            continue;
        };
        let Candidate {
            order: index,
            open_min,
            open_max,
            latest,
            lines: candidates,
        } = &pool[rng.usize(0..pool.len())];
        let (index, open_min, open_max, latest) = (*index, *open_min, *open_max, *latest);
        used[index] = true;
        let order = &orders[index];
        let lines = choose_lines(rng, reason, candidates);
        let other_size = lines
            .first()
            .and_then(|&i| other_size(&order.lines[i]))
            .filter(|_| reason.ends_with("size_exchange"));
        let span = latest - open_min;
        let start = if recent(target) {
            latest - rng.i64(0..span.clamp(1, 4 * DAY))
        } else {
            open_min + rng.i64(0..span.max(1))
        };
        return Ok(Casting {
            target,
            plot: Some(plot),
            incident: None,
            order: index,
            reason,
            lines,
            other_size,
            start,
            open_min,
            open_max,
        });
    }
    bail!("no demo order fits the return plot {plot:?}: too few orders")
}

// ---- Incidents told around who answers for them ---------------------------

/// How an incident told through responsibility, the carrier claim, the
/// replacement parcel, late delivery, goodwill budgets, mediation and appeal
/// unfolds, and where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncidentPlot {
    /// The wrong item was packed (the merchant answers for it): refunded.
    WrongItemRefunded,
    /// Lost by the carrier: refunded in full, the claim accepted and its value recovered.
    LostAndRecovered,
    /// Broken in transit: reserves sent in time, a partial refund, the claim accepted.
    DamagedPartlyRefunded,
    /// The wrong size was sent: the right one is reshipped, and its delivery settles the case.
    ReshipDelivered,
    /// Broken on the way, a replacement sent and lost too: the case reopens and is refunded.
    ReshipLost,
    /// Delivery proven at the buyer's address (the buyer answers for it): withdrawn.
    DeliveryProven,
    /// Nobody can say what went wrong: a gesture within the shop's goodwill budget.
    UnknownCauseGoodwill,
    /// A gesture above the shop's approval threshold waits for the manager.
    GoodwillAwaitingApproval,
    /// Never delivered: a new deadline set, passed, the order cancelled, the refund due in 14 days.
    LateDeliveryCancelled,
    /// Mediation in private with the shop, a decision paid by the marketplace and recovered
    /// from the shop, its appeal dismissed by a second mediator, the consumer mediator named.
    AppealDismissed,
    /// The same decision, the shop's appeal waiting for a second mediator.
    AppealPending,
}

/// The incidents told around who answers for them, one of each.
pub(crate) const INCIDENT_MIX: &[IncidentPlot] = &[
    IncidentPlot::LateDeliveryCancelled,
    IncidentPlot::LostAndRecovered,
    IncidentPlot::WrongItemRefunded,
    IncidentPlot::DamagedPartlyRefunded,
    IncidentPlot::ReshipDelivered,
    IncidentPlot::ReshipLost,
    IncidentPlot::DeliveryProven,
    IncidentPlot::UnknownCauseGoodwill,
    IncidentPlot::GoodwillAwaitingApproval,
    IncidentPlot::AppealDismissed,
    IncidentPlot::AppealPending,
];

impl IncidentPlot {
    pub(crate) fn target(self) -> Target {
        use IncidentPlot::*;
        let (status, stage) = match self {
            GoodwillAwaitingApproval | LateDeliveryCancelled => (Open, Negotiation),
            AppealDismissed | AppealPending => (Resolved, Arbitration),
            _ => (Resolved, Negotiation),
        };
        Target {
            kind: Incident,
            status,
            stage,
        }
    }

    /// Whether the story is about a parcel the carrier lost.
    fn needs_lost_parcel(self) -> bool {
        matches!(
            self,
            IncidentPlot::LateDeliveryCancelled | IncidentPlot::LostAndRecovered
        )
    }

    /// The reasons the story fits, tried by weight until an order fits one.
    fn reasons(self) -> &'static [(&'static str, u32)] {
        use IncidentPlot::*;
        match self {
            WrongItemRefunded => &[("wrong_item", 1)],
            LostAndRecovered => &[("not_received", 3), ("not_received.relay_point", 1)],
            DamagedPartlyRefunded | ReshipLost => {
                &[("damaged_in_transit.broken", 3), ("damaged_in_transit", 1)]
            }
            ReshipDelivered => &[("wrong_item.variant", 1)],
            DeliveryProven | AppealDismissed | AppealPending => {
                &[("not_received.marked_delivered", 1)]
            }
            // A late parcel first; else one crushed on the way, which nobody can explain either.
            UnknownCauseGoodwill => &[
                ("late_delivery", 1_000),
                ("damaged_in_transit.crushed_parcel", 1),
            ],
            GoodwillAwaitingApproval => &[("late_delivery", 1_000), ("damaged_in_transit", 1)],
            LateDeliveryCancelled => &[("late_delivery", 1)],
        }
    }

    /// The days a telling takes, office hours and weekends included: (at most, usually).
    fn days(self) -> (i64, i64) {
        use IncidentPlot::*;
        match self {
            WrongItemRefunded | ReshipDelivered => (8, 4),
            DeliveryProven => (8, 5),
            UnknownCauseGoodwill => (10, 6),
            GoodwillAwaitingApproval => (7, 4),
            ReshipLost => (16, 12),
            LateDeliveryCancelled => (18, 14),
            LostAndRecovered | DamagedPartlyRefunded => (24, 18),
            AppealPending => (28, 19),
            AppealDismissed => (32, 24),
        }
    }

    /// Whether the order can be this story's.
    fn fits(self, order: &DemoOrder) -> bool {
        use IncidentPlot::*;
        let budget = order.merchant().goodwill_budget;
        match self {
            UnknownCauseGoodwill => budget.is_some(),
            // The gesture is above the threshold, and never more than the order.
            GoodwillAwaitingApproval => {
                budget.is_some_and(|(_, threshold)| order.total >= threshold * 3 / 2)
            }
            LateDeliveryCancelled => order.lost && order.shipped.is_some(),
            _ => true,
        }
    }

    /// When the story can open on this order, and which lines it is about.
    fn window(self, order: &DemoOrder, reason: &str) -> Option<(i64, i64, Vec<usize>)> {
        if self == IncidentPlot::LateDeliveryCancelled {
            // Past the 30 days the law gives to deliver (C. conso L216-1): the buyer can set
            // a new deadline at once.
            let due = order.placed + 30 * DAY;
            let lines = order.physical_lines();
            return (!lines.is_empty()).then_some((due + 2 * HOUR, due + 40 * DAY, lines));
        }
        let (open_min, mut open_max) = window(order, Incident, reason)?;
        match self {
            // Back from a week away, the buyer finds nothing in the letterbox.
            IncidentPlot::AppealDismissed | IncidentPlot::AppealPending => {
                open_max = open_min + 10 * DAY;
            }
            // Reported at once, so that the shop's reserves go within the three days.
            IncidentPlot::DamagedPartlyRefunded => open_max = open_min + 2 * DAY,
            _ => {}
        }
        let lines = candidate_lines(order, Incident, reason)?;
        Some((open_min, open_max, lines))
    }
}

/// Picks a reason, an order, lines and a start for one incident plot: an order on which
/// the longest telling still ends before the anchor, and preferably one on which a usual
/// telling ends a few days before it (a case settled more than 14 days ago would be closed
/// by the timers as soon as the demo serves).
fn cast_incident(
    rng: &mut fastrand::Rng,
    anchor: i64,
    orders: &[DemoOrder],
    used: &mut [bool],
    plot: IncidentPlot,
) -> Result<Casting> {
    let target = plot.target();
    let (longest, usual) = plot.days();
    // Where a usual telling starts to end three days before the anchor.
    let ideal = anchor - (usual + 3) * DAY;
    let mut remaining = plot.reasons().to_vec();
    // The best pool so far, from a reason tried earlier: (tier, reason, candidates).
    let mut best: Option<(usize, &'static str, Vec<Candidate>)> = None;
    while !remaining.is_empty() {
        let reason = weighted(rng, &remaining);
        remaining.retain(|(r, _)| *r != reason);
        let mut tiers: [Vec<Candidate>; 3] = Default::default();
        for (index, order) in orders.iter().enumerate() {
            if used[index] || !plot.fits(order) {
                continue;
            }
            let Some((open_min, open_max, lines)) = plot.window(order, reason) else {
                continue;
            };
            // The longest telling, from the earliest start, ends before the anchor with the
            // margin the planner leaves (at most a day and a half).
            if open_min >= anchor - (longest + 2) * DAY {
                continue;
            }
            let tier = if open_max >= ideal {
                0
            } else if open_max >= ideal - 8 * DAY {
                1
            } else {
                2
            };
            let latest = open_max.min(ideal);
            tiers[tier].push(Candidate {
                order: index,
                open_min,
                open_max,
                latest,
                lines,
            });
        }
        let Some((tier, pool)) = tiers.into_iter().enumerate().find(|(_, t)| !t.is_empty()) else {
            continue;
        };
        if best.as_ref().is_none_or(|(t, _, _)| tier < *t) {
            best = Some((tier, reason, pool));
        }
        if tier == 0 {
            break;
        }
    }
    let Some((_, reason, pool)) = best else {
        bail!("no demo order fits the incident plot {plot:?}: too few orders")
    };
    let Candidate {
        order: index,
        open_min,
        open_max,
        latest,
        lines: candidates,
    } = &pool[rng.usize(0..pool.len())];
    let (index, open_min, open_max, latest) = (*index, *open_min, *open_max, *latest);
    used[index] = true;
    let order = &orders[index];
    let lines = if plot == IncidentPlot::LateDeliveryCancelled {
        candidates.clone()
    } else {
        choose_lines(rng, reason, candidates)
    };
    let other_size = lines
        .first()
        .and_then(|&i| other_size(&order.lines[i]))
        .filter(|_| reason.ends_with("variant"));
    let start = (latest - rng.i64(0..DAY)).max(open_min);
    Ok(Casting {
        target,
        plot: None,
        incident: Some(plot),
        order: index,
        reason,
        lines,
        other_size,
        start,
        open_min,
        open_max,
    })
}
