//! Service levels in the demo. A few cases are told for their clocks — a first
//! answer due in a few hours, one long overdue, a replacement with the carrier
//! whose buyer has had no news for six days, a question waiting on the buyer —
//! and one shop, the Comptoir Provençal, answered late all month. Once every
//! case is written, amiable does what it would have done by the anchor: buyers
//! rate settled cases (the satisfaction question), the sweep raises the
//! warnings and breaches due and the « Nouvelles avant le 7ᵉ jour » rule sends
//! its status updates, and each shop's quality is evaluated (the Comptoir
//! Provençal goes under watch). All at the anchor's minute, so the same seed
//! and anchor give the same timelines.

use super::clock::{Clock, DAY, HOUR, MINUTE, timestamp};
use super::orders::{Buyer, DemoOrder};
use super::texts::Lang;
use amiable_domain::access::Principal;
use amiable_domain::case::{
    Actor, CaseItem, CaseKind, Command, ConversationCommand, IncidentCommand, LifecycleCommand,
    ReshipmentStatus,
};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId, OrderId};
use amiable_domain::order::ShipmentLine;
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::{Body, Label};
use amiable_store::{CommandRequest, Store};
use anyhow::{Context as _, Result, anyhow};
use std::collections::HashSet;
use std::path::Path;

/// The shop whose first answers came late all month (`catalog::MERCHANTS`' index).
pub(crate) const LATE_SHOP: usize = 3;
/// The carrier's actor, as the incident stories name it.
const CARRIER: &str = "carrier:local";

/// One case and its commands: (instant, who, what).
pub(crate) struct SlaPlan {
    pub case_id: CaseId,
    pub order_id: OrderId,
    pub merchant: usize,
    pub label: &'static str,
    /// Whether the case ends settled (its buyer may rate it).
    pub settled: bool,
    pub steps: Vec<(i64, Actor, Command)>,
}

fn body(text: &str) -> Result<Body> {
    Body::parse(text).map_err(|e| anyhow!("demo text ({e}): {text}"))
}

fn text(lang: Lang, fr: &str, en: &str) -> Result<Body> {
    body(match lang {
        Lang::Fr => fr,
        Lang::En => en,
    })
}

fn open(order: &DemoOrder, reason: &str, description: Body) -> Result<Command> {
    let line = order
        .physical_lines()
        .first()
        .copied()
        .ok_or_else(|| anyhow!("the order {} ships nothing", order.external_id))?;
    let line = &order.order.lines[line];
    Ok(Command::Lifecycle(LifecycleCommand::Open {
        kind: CaseKind::Incident,
        reason: ReasonCode::parse(reason).map_err(|e| anyhow!("demo reason {reason}: {e}"))?,
        items: vec![CaseItem {
            line_id: line.line_id.clone(),
            quantity: line.quantity,
            reason: None,
        }],
        claimed: None,
        description,
        stage: None,
        preferred: None,
    }))
}

fn reship(order: &DemoOrder, rng: &mut fastrand::Rng) -> Result<Command> {
    let line = order
        .physical_lines()
        .first()
        .copied()
        .ok_or_else(|| anyhow!("the order {} ships nothing", order.external_id))?;
    let line = &order.order.lines[line];
    let carrier = order.carrier.unwrap_or(super::catalog::Carrier::Colissimo);
    let label = |t: String| Label::parse(&t).map_err(|e| anyhow!("demo label ({e}): {t}"));
    Ok(Command::Incident(IncidentCommand::Reship {
        lines: vec![ShipmentLine {
            line_id: line.line_id.clone(),
            quantity: line.quantity,
        }],
        carrier: label(carrier.name().to_owned())?,
        tracking_number: label(carrier.tracking_number(rng))?,
    }))
}

fn message(text: Body) -> Command {
    Command::Conversation(ConversationCommand::PostMessage { body: text })
}

/// A delivered order of `merchant` no story uses, delivered at least `days` days before
/// `before` (a case opens after its parcel arrived).
fn pick<'a>(
    orders: &'a [DemoOrder],
    used: &mut HashSet<OrderId>,
    merchant: usize,
    before: i64,
    days: i64,
) -> Option<&'a DemoOrder> {
    let order = orders.iter().rev().find(|o| {
        o.merchant == merchant
            && !used.contains(&o.id)
            && !o.physical_lines().is_empty()
            && o.delivered.is_some_and(|d| d < before - days * DAY)
            && o.delivered.is_some_and(|d| d > before - (days + 20) * DAY)
    })?;
    used.insert(order.id);
    Some(order)
}

/// `at` moved `n` working days on (each step: the next day, at the next opening).
fn working_days(clock: &Clock, rng: &mut fastrand::Rng, at: i64, n: usize) -> Result<i64> {
    let mut at = at;
    for _ in 0..n {
        at = clock.office_hours(at + DAY, rng)?;
    }
    Ok(at)
}

/// Plans the service-level cases on orders the stories left alone.
pub(crate) fn plan(
    rng: &mut fastrand::Rng,
    clock: &Clock,
    anchor: i64,
    orders: &[DemoOrder],
    buyers: &[Buyer],
    used: &mut HashSet<OrderId>,
) -> Result<Vec<SlaPlan>> {
    let mut plans = Vec::new();
    let id = |rng: &mut fastrand::Rng| CaseId::from_bytes(std::array::from_fn(|_| rng.u8(..)));
    let agent = |merchant: usize| Actor::MerchantUser {
        id: super::catalog::MERCHANTS[merchant].agents[0].0.to_owned(),
    };

    // Active: opened late last night, the shop has until its next working days to answer.
    if let Some(order) = pick(orders, used, 0, anchor, 2) {
        let lang = buyers[order.buyer].lang;
        let at = anchor - 50 * MINUTE;
        plans.push(SlaPlan {
            case_id: id(rng),
            order_id: order.id,
            merchant: 0,
            label: "a first answer due soon",
            settled: false,
            steps: vec![
                (
                    at,
                    Actor::Buyer,
                    open(
                        order,
                        "damaged_in_transit",
                        text(
                            lang,
                            "Bonsoir, le colis est arrivé avec un coin enfoncé et l’article est rayé sur le dessus. Que pouvez-vous faire ?",
                            "Good evening, the parcel arrived with a crushed corner and the item is scratched on top. What can you do?",
                        )?,
                    )?,
                ),
                (
                    at + 12 * MINUTE,
                    Actor::Buyer,
                    message(text(
                        lang,
                        "Je précise : le carton est intact à l’intérieur, c’est l’article lui-même qui est marqué.",
                        "To be precise: the box is fine inside, it is the item itself that is marked.",
                    )?),
                ),
            ],
        });
    }

    // Active with misses: nine days without a first answer; the buyer wrote again.
    if let Some(order) = pick(orders, used, 2, anchor, 10) {
        let lang = buyers[order.buyer].lang;
        let opened = clock.office_hours(anchor - 9 * DAY, rng)?;
        let again = clock.awake(anchor - 4 * DAY - 3 * HOUR, rng)?;
        plans.push(SlaPlan {
            case_id: id(rng),
            order_id: order.id,
            merchant: 2,
            label: "a first answer long overdue",
            settled: false,
            steps: vec![
                (
                    opened,
                    Actor::Buyer,
                    open(
                        order,
                        "defective",
                        text(
                            lang,
                            "Bonjour, l’appareil ne s’allume plus depuis hier, même branché sur secteur. Pouvez-vous me dire comment procéder ?",
                            "Hello, the device no longer switches on since yesterday, even plugged in. How should I proceed?",
                        )?,
                    )?,
                ),
                (
                    again,
                    Actor::Buyer,
                    message(text(
                        lang,
                        "Bonjour, je n’ai toujours aucune réponse à ma demande. Merci de revenir vers moi.",
                        "Hello, I still have no answer to my request. Please get back to me.",
                    )?),
                ),
            ],
        });
    }

    // Paused on the carrier: a replacement left six days ago; the buyer is due some news.
    if let Some(order) = pick(orders, used, 1, anchor, 8) {
        let lang = buyers[order.buyer].lang;
        let shipped = anchor - 6 * DAY - 4 * HOUR;
        plans.push(SlaPlan {
            case_id: id(rng),
            order_id: order.id,
            merchant: 1,
            label: "a replacement with the carrier",
            settled: false,
            steps: vec![
                (
                    shipped - 2 * HOUR - 40 * MINUTE,
                    Actor::Buyer,
                    open(
                        order,
                        "damaged_in_transit",
                        text(
                            lang,
                            "Bonjour, l’article est arrivé cassé, le carton était ouvert sur un côté.",
                            "Hello, the item arrived broken, the box was open on one side.",
                        )?,
                    )?,
                ),
                (
                    shipped - 10 * MINUTE,
                    agent(1),
                    message(text(
                        lang,
                        "Bonjour, toutes nos excuses : nous vous renvoyons l’article aujourd’hui, vous recevrez le numéro de suivi.",
                        "Hello, our apologies: we are sending you the item again today, you will get the tracking number.",
                    )?),
                ),
                (shipped, agent(1), reship(order, rng)?),
            ],
        });
    }

    // Paused on the buyer: the shop asked for photos two days ago.
    if let Some(order) = pick(orders, used, 2, anchor, 4) {
        let lang = buyers[order.buyer].lang;
        let opened = clock.office_hours(anchor - 3 * DAY, rng)?;
        let asked = clock.office_hours(opened + 2 * HOUR, rng)?;
        plans.push(SlaPlan {
            case_id: id(rng),
            order_id: order.id,
            merchant: 2,
            label: "a question waiting on the buyer",
            settled: false,
            steps: vec![
                (
                    opened,
                    Actor::Buyer,
                    open(
                        order,
                        "missing_items",
                        text(
                            lang,
                            "Bonjour, le chargeur n’était pas dans la boîte.",
                            "Hello, the charger was not in the box.",
                        )?,
                    )?,
                ),
                (
                    asked,
                    agent(2),
                    message(text(
                        lang,
                        "Bonjour, pourriez-vous nous envoyer une photo du contenu du colis et de son étiquette ? Nous vérifions avec l’entrepôt.",
                        "Hello, could you send us a photo of the parcel's contents and label? We are checking with the warehouse.",
                    )?),
                ),
            ],
        });
    }

    // The late shop: a month of first answers four or five working days after the buyer
    // wrote, then a replacement, delivered.
    for days in [12, 14, 16, 18, 20, 22, 24, 26, 28] {
        let Some(order) = pick(orders, used, LATE_SHOP, anchor - days * DAY, 1) else {
            continue;
        };
        let lang = buyers[order.buyer].lang;
        let opened = clock.office_hours(anchor - days * DAY, rng)?;
        // Past the marketplace's three working days (24 business hours).
        let answered = working_days(clock, rng, opened, 5)?;
        let delivered = working_days(clock, rng, answered, 2)?;
        if delivered >= anchor - HOUR {
            continue;
        }
        plans.push(SlaPlan {
            case_id: id(rng),
            order_id: order.id,
            merchant: LATE_SHOP,
            label: "a late first answer",
            settled: true,
            steps: vec![
                (
                    opened,
                    Actor::Buyer,
                    open(
                        order,
                        "damaged_in_transit",
                        text(
                            lang,
                            "Bonjour, le pot est arrivé fêlé et a coulé dans le colis.",
                            "Hello, the jar arrived cracked and leaked in the parcel.",
                        )?,
                    )?,
                ),
                (
                    answered,
                    agent(LATE_SHOP),
                    message(text(
                        lang,
                        "Bonjour, désolés pour ce délai : nous vous renvoyons un article.",
                        "Hello, sorry for the delay: we are sending you another one.",
                    )?),
                ),
                (answered + 5 * MINUTE, agent(LATE_SHOP), reship(order, rng)?),
                (
                    delivered + 20 * MINUTE,
                    Actor::System {
                        id: CARRIER.to_owned(),
                    },
                    Command::Incident(IncidentCommand::RecordReshipmentScan {
                        status: ReshipmentStatus::Delivered,
                    }),
                ),
            ],
        });
    }
    Ok(plans)
}

/// Writes one case, command after command; returns the number of events appended.
pub(crate) async fn run(store: Store, plan: SlaPlan) -> Result<usize> {
    let mut version = 0;
    let mut events = 0;
    for (index, (at, actor, command)) in plan.steps.into_iter().enumerate() {
        let name = command.name();
        let outcome = store
            .execute(CommandRequest {
                case_id: plan.case_id,
                expected_version: Some(version),
                command,
                actor,
                order_id: (index == 0).then_some(plan.order_id),
                at: Some(timestamp(at)?),
            })
            .await
            .map_err(|error| {
                anyhow!(
                    "the demo's {} was refused at step {} ('{name}'): {error}",
                    plan.label,
                    index + 1
                )
            })?;
        version = outcome.version;
        events += outcome.events.len();
    }
    Ok(events)
}

/// A settled case a buyer may rate: (case, order, merchant's index, answered late).
pub(crate) type Settled = (CaseId, OrderId, usize, bool);

/// What buyers say when they rate, by rating.
const COMMENTS: [&[&str]; 5] = [
    &["Aucune réponse pendant des jours, j’ai dû relancer trois fois."],
    &["Réglé, mais il a fallu beaucoup attendre."],
    &[],
    &["Bonne solution, un peu lent au début."],
    &[
        "Réponse rapide et solution immédiate, merci !",
        "Très bon service, colis renvoyé sans discuter.",
    ],
];

/// After the stories: ratings, the sweep at the anchor, every shop's quality.
pub(crate) async fn finish(
    store: &Store,
    operator_id: OperatorId,
    merchant_ids: &[MerchantId],
    settled: &[Settled],
    anchor: i64,
    attachments: &Path,
    rng: &mut fastrand::Rng,
) -> Result<()> {
    let started = std::time::Instant::now();
    let data_dir = attachments.parent().unwrap_or(attachments);
    let mut config = amiable_app::AppConfig::new(data_dir);
    config.attachments_dir = attachments.to_path_buf();
    let app = amiable_app::App::new(store.clone(), config, amiable_app::Ports::default())
        .await
        .context("the demo's use cases")?;
    // Buyers answer the satisfaction question of about half the settled cases; those
    // answered days late always do, and are unhappy.
    for &(case_id, order_id, merchant, late) in settled {
        if !late && rng.u8(..100) >= 55 {
            continue;
        }
        let weights: [u8; 5] = if late {
            [60, 40, 0, 0, 0]
        } else {
            [3, 5, 12, 30, 50]
        };
        let mut roll = rng.u8(..100);
        let mut rating = 5;
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                rating = index + 1;
                break;
            }
            roll -= weight;
        }
        let comments = COMMENTS[rating - 1];
        let comment = (!comments.is_empty() && rng.bool())
            .then(|| comments[rng.usize(..comments.len())].to_owned());
        let buyer = Principal::Buyer {
            operator_id,
            merchant_id: merchant_ids[merchant],
            order_id,
        };
        let answer = amiable_app::feedback::FeedbackInput {
            rating: rating as i64,
            comment,
        };
        if let Err(error) = app.give_feedback(&buyer, case_id, &answer).await {
            // A case the stories settled and another command reopened is not rated.
            tracing::debug!(%case_id, %error, "demo rating skipped");
        }
    }
    let rated = started.elapsed();
    // What amiable would have done by the anchor's minute: warnings, breaches, the
    // silence rule's status updates.
    let now = timestamp(anchor - MINUTE)?;
    let report = app.sla_sweep(now).await.context("the demo's SLA sweep")?;
    let swept = started.elapsed();
    app.evaluate_all_quality(operator_id, now)
        .await
        .context("the demo's quality evaluation")?;
    tracing::debug!(
        ?report,
        ratings_ms = rated.as_millis(),
        sweep_ms = (swept - rated).as_millis(),
        quality_ms = (started.elapsed() - swept).as_millis(),
        "demo service levels"
    );
    Ok(())
}
