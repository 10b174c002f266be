//! Casting the demo cases: which shapes of case the marketplace holds, and
//! for each one a reason, an order it fits, the lines it is about and when
//! it may start.

use super::catalog::{Tag, Trade, weighted};
use super::clock::{DAY, HOUR};
use super::orders::{DemoLine, DemoOrder};
use amiable_domain::case::{CaseKind, CaseStatus, Stage};
use anyhow::{Result, bail};

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

/// The demo's mix of cases: every kind with every status, every stage.
const MIX: &[(CaseKind, CaseStatus, Stage, usize)] = &[
    (Return, Open, Negotiation, 7),
    (Return, Resolved, Negotiation, 7),
    (Return, Closed, Negotiation, 12),
    (Return, Cancelled, Negotiation, 4),
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
            if used[index]
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
    let (from, to) = match (kind, reason) {
        (Return, r) if r.starts_with("changed_mind") => {
            (3 * HOUR, order.merchant().window_days * DAY)
        }
        (Return, _) => (DAY, 30 * DAY),
        (Incident, "not_received.marked_delivered") => (2 * HOUR, 5 * DAY),
        (Incident, "late_delivery") => (HOUR, 3 * DAY),
        (Incident, r) if r.starts_with("defective") => (5 * DAY, 60 * DAY),
        (Incident, _) => (HOUR, 4 * DAY),
        _ => (4 * DAY, 25 * DAY),
    };
    Some((delivered + from, delivered + to))
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
fn candidate_lines(order: &DemoOrder, kind: CaseKind, reason: &str) -> Option<Vec<usize>> {
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
