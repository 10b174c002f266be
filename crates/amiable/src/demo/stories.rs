//! Case timelines: who writes what, and when, in each demo case. A story is
//! planned in full before anything is written, so the seeder can run many
//! cases at once; each step becomes one command, hence one event (or the few
//! of [`events_of`]).

use super::cases::{Casting, IncidentPlot, ReturnPlot, Target, recent};
use super::catalog::{MEDIATORS, Mediator, pick};
use super::clock::{Clock, DAY, HOUR, MINUTE};
use super::orders::{Buyer, DemoOrder};
use super::phrases::{self as say, Voice};
use super::texts::{self, Lang};
use amiable_domain::case::automation::AUTO_CLOSE_JOB;
use amiable_domain::case::{
    Actor, CaseKind, Command, Decision, DecisionOutcome, GoodwillKind, Resolution, ResolutionKind,
    Stage,
};
use amiable_domain::case::{
    ConversationCommand, EscalationCommand, IncidentCommand, LifecycleCommand, MediationCommand,
    MoneyCommand, Payer, ReturnCommand,
};
use amiable_domain::ids::CaseId;
use amiable_domain::money::{Currency, Money};
use amiable_domain::returns::rma_for;
use amiable_domain::text::{Body, Label};
use anyhow::{Context as _, Result, anyhow};

mod incidents;
mod lifecycle;
mod plots;

/// The most events a demo case has.
pub(crate) const MAX_EVENTS: usize = 18;

/// One command of a case, at its instant.
pub(crate) struct Step {
    pub at: i64,
    pub actor: Actor,
    pub command: Command,
    /// A message or note the story can do without when it runs long.
    optional: bool,
    /// The PDF of a return label: stored as the case's attachment before the
    /// `issue_label` command is written, which then names it by its hash.
    pub pdf: Option<Vec<u8>>,
}

/// How many events a command appends (the decider's answer, known in advance
/// for the demo's commands): opening a return also records the request, and
/// its authorisation when the policy grants it at once; money that resolves
/// the case also records the resolution.
fn events_of(command: &Command, open_events: usize) -> usize {
    match command {
        Command::Lifecycle(LifecycleCommand::Open { .. }) => open_events,
        // A gesture waiting for approval is only asked for.
        Command::Money(MoneyCommand::Compensate {
            request_approval: true,
            approver: false,
            ..
        }) => 1,
        Command::Money(MoneyCommand::Refund { resolve: true, .. })
        | Command::Money(MoneyCommand::IssueStoreCredit { resolve: true, .. })
        | Command::Money(MoneyCommand::Compensate { resolve: true, .. })
        | Command::Money(MoneyCommand::RecordExchange { .. }) => 2,
        // The decision, the refund, the marketplace's payment and the resolution.
        Command::Escalation(EscalationCommand::RecordDecision { decision, .. })
            if decision.paid_by == Payer::Marketplace =>
        {
            4
        }
        // A replacement delivered settles the case; lost, it reopens a settled one.
        Command::Incident(IncidentCommand::RecordReshipmentScan { .. }) => 2,
        // The appeal decided, and the consumer mediator named (the demo's marketplace has one).
        Command::Mediation(MediationCommand::DecideAppeal { .. }) => 2,
        _ => 1,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Buyer,
    Shop,
    Mediator,
    Provider,
    System,
}

fn body(text: String) -> Result<Body> {
    Body::parse(&text).map_err(|e| anyhow!("demo text ({e}): {text}"))
}

fn label(text: String) -> Result<Label> {
    Label::parse(&text).map_err(|e| anyhow!("demo label ({e}): {text}"))
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// Whole euros, at least one.
fn euros(minor: i64) -> i64 {
    (minor / 100).max(1) * 100
}

fn terms(kind: ResolutionKind, amount: Option<i64>) -> Resolution {
    Resolution {
        amount: amount.map(eur),
        ..Resolution::simple(kind)
    }
}

fn goodwill(kind: GoodwillKind, amount: i64) -> Resolution {
    Resolution {
        goodwill: Some(kind),
        ..terms(ResolutionKind::Goodwill, Some(amount))
    }
}

/// Who and what a story is about.
#[derive(Clone, Copy)]
struct Cast<'a> {
    order: &'a DemoOrder,
    buyer: &'a Buyer,
    /// How many orders this buyer placed on the marketplace.
    loyalty: usize,
    casting: &'a Casting,
    case_id: CaseId,
}

struct Story<'a> {
    rng: &'a mut fastrand::Rng,
    clock: &'a Clock,
    anchor: i64,
    order: &'a DemoOrder,
    buyer: &'a Buyer,
    /// How many orders this buyer placed on the marketplace.
    loyalty: usize,
    casting: &'a Casting,
    voice: Voice,
    agent: &'static str,
    mediator: &'static Mediator,
    now: i64,
    steps: Vec<Step>,
    offers: u32,
    /// The terms of each offer made, by offer id − 1.
    offered: Vec<Resolution>,
    /// What agreed or decided terms already gave back (minor units): later terms owe only more.
    given: i64,
    /// What gestures already gave (minor units): all of an order's gestures stay within its total.
    compensated: i64,
    case_id: CaseId,
    /// The return's authorisation number (derived from the case id, as the decider does).
    rma: String,
    /// Events the opening appends (see [`events_of`]).
    open_events: usize,
}

impl<'a> Story<'a> {
    fn new(
        rng: &'a mut fastrand::Rng,
        clock: &'a Clock,
        anchor: i64,
        cast: Cast<'a>,
        start: i64,
    ) -> Result<Story<'a>> {
        let Cast {
            order,
            buyer,
            loyalty,
            casting,
            case_id,
        } = cast;
        let spec = order.merchant();
        let lang = buyer.lang;
        let civil = match (lang, buyer.female) {
            (Lang::Fr, true) => format!("Madame {}", buyer.last),
            (Lang::Fr, false) => format!("Monsieur {}", buyer.last),
            (Lang::En, true) => format!("Ms {}", buyer.last),
            (Lang::En, false) => format!("Mr {}", buyer.last),
        };
        let main = casting
            .lines
            .first()
            .copied()
            .or_else(|| order.physical_lines().first().copied())
            .unwrap_or(0);
        let line = &order.lines[main];
        // A title with its own guillemets gets English quotes inside ours.
        let title = line.title.replace("« ", "“").replace(" »", "”");
        let item = match lang {
            Lang::Fr => format!("«\u{a0}{title}\u{a0}»"),
            Lang::En => format!("\"{title}\""),
        };
        let shipped = order.shipped.unwrap_or(order.placed);
        let delivered = order.delivered.unwrap_or(shipped);
        let (agent, agent_name) = *pick(rng, spec.agents);
        let mediator = pick(rng, MEDIATORS);
        let voice = Voice {
            lang,
            civil,
            buyer_name: buyer.full_name(),
            shop: spec.name,
            city: spec.city,
            trade: spec.trade,
            agent: agent_name,
            mediator: mediator.name,
            mediator_female: mediator.female,
            order_ref: order.external_id.clone(),
            carrier: order.carrier.map_or("Colissimo", |c| c.name()).to_owned(),
            tracking: order.tracking.clone().unwrap_or_default(),
            placed: texts::date(clock, lang, order.placed)?,
            shipped: texts::date(clock, lang, shipped)?,
            delivered: texts::date(clock, lang, delivered)?,
            item,
            category: line.product.category,
            sized: line.size.is_some(),
        };
        Ok(Story {
            rng,
            clock,
            anchor,
            order,
            buyer,
            loyalty,
            casting,
            voice,
            agent,
            mediator,
            now: start,
            steps: Vec::new(),
            offers: 0,
            offered: Vec::new(),
            given: 0,
            compensated: 0,
            case_id,
            rma: rma_for(&case_id),
            open_events: 1,
        }
        .with_open_events())
    }

    /// A return also records its request, and its authorisation when the
    /// shop's policy grants it at once (a return worth at most the limit).
    fn with_open_events(mut self) -> Self {
        if self.kind() == CaseKind::Return {
            let limit = self.order.merchant().auto_approve_up_to;
            let automatic = limit > 0 && self.claimed_value() <= limit;
            self.open_events = if automatic { 3 } else { 2 };
        }
        self
    }

    /// Whether opening the return authorised it at once.
    fn authorised_at_open(&self) -> bool {
        self.open_events == 3
    }

    fn reason(&self) -> &'static str {
        self.casting.reason
    }

    fn kind(&self) -> CaseKind {
        self.casting.target.kind
    }

    fn provider(&self) -> &'static str {
        if self.order.provider == "paypal" {
            "paypal"
        } else {
            "stripe"
        }
    }

    fn actor(&self, who: Who) -> Actor {
        match who {
            Who::Buyer => Actor::Buyer,
            Who::Shop => Actor::MerchantUser {
                id: self.agent.to_owned(),
            },
            Who::Mediator => Actor::OperatorUser {
                id: self.mediator.id.to_owned(),
            },
            Who::Provider => Actor::Provider {
                id: self.provider().to_owned(),
            },
            Who::System => Actor::System {
                id: AUTO_CLOSE_JOB.to_owned(),
            },
        }
    }

    /// Appends a step `hours` after the previous one (staff answer in office hours).
    fn act(&mut self, who: Who, hours: (i64, i64), command: Command, optional: bool) -> Result<()> {
        let mut at = if self.steps.is_empty() {
            self.now
        } else {
            self.now + self.rng.i64(hours.0 * HOUR..=hours.1 * HOUR)
        };
        at = match who {
            Who::Shop | Who::Mediator => self.clock.office_hours(at, self.rng)?,
            Who::Buyer => self.clock.awake(at, self.rng)?,
            Who::Provider | Who::System => at,
        };
        if !self.steps.is_empty() {
            at = at.max(self.now + 5 * MINUTE);
        }
        self.now = at;
        let actor = self.actor(who);
        self.steps.push(Step {
            at,
            actor,
            command,
            optional,
            pdf: None,
        });
        Ok(())
    }

    /// A step of amiable itself or of a partner (carrier, payment gateway) at
    /// `at`, or just after the previous step when that is later.
    fn system(&mut self, id: &str, at: i64, command: Command) {
        let at = at.max(self.now + MINUTE);
        self.now = at;
        self.steps.push(Step {
            at,
            actor: Actor::System { id: id.to_owned() },
            command,
            optional: false,
            pdf: None,
        });
    }

    /// Events of the steps the story cannot do without.
    fn core_events(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| !s.optional)
            .map(|s| events_of(&s.command, self.open_events))
            .sum()
    }

    fn events(&self) -> usize {
        self.steps
            .iter()
            .map(|s| events_of(&s.command, self.open_events))
            .sum()
    }

    fn message(&mut self, who: Who, hours: (i64, i64), text: String, optional: bool) -> Result<()> {
        let command = Command::Conversation(ConversationCommand::PostMessage { body: body(text)? });
        self.act(who, hours, command, optional)
    }

    fn note(&mut self, who: Who, hours: (i64, i64), text: String) -> Result<()> {
        let command = Command::Conversation(ConversationCommand::AddNote { body: body(text)? });
        self.act(who, hours, command, true)
    }

    fn offer(
        &mut self,
        who: Who,
        hours: (i64, i64),
        terms: Resolution,
        text: Option<String>,
    ) -> Result<u32> {
        let message = text.map(body).transpose()?;
        self.offered.push(terms.clone());
        self.act(
            who,
            hours,
            Command::Escalation(EscalationCommand::ProposeOffer { terms, message }),
            false,
        )?;
        self.offers += 1;
        Ok(self.offers)
    }

    /// An offer accepted; what it agreed in money is then paid by the shop.
    fn accept(&mut self, who: Who, hours: (i64, i64), offer_id: u32) -> Result<()> {
        self.act(
            who,
            hours,
            Command::Escalation(EscalationCommand::AcceptOffer { offer_id }),
            false,
        )?;
        let terms = self
            .offered
            .get(offer_id as usize - 1)
            .cloned()
            .ok_or_else(|| anyhow!("offer {offer_id} was never made"))?;
        self.pay(&terms)
    }

    /// Terms agreed or decided that call for money leave the case awaiting payment (the
    /// decider keeps it open): the shop pays within a day or two, through the gateway.
    fn pay(&mut self, terms: &Resolution) -> Result<()> {
        // As the decider judges it: terms that give back no more than was already given
        // settle at once.
        if terms.kind.is_refund() || terms.kind == ResolutionKind::StoreCredit {
            let owed = terms.amount.map_or(self.order.total, |a| a.amount_minor);
            if owed <= self.given {
                return Ok(());
            }
            self.given = owed;
        }
        let command = match terms.kind {
            ResolutionKind::FullRefund
            | ResolutionKind::PartialRefund
            | ResolutionKind::ReturnAndRefund => MoneyCommand::Refund {
                amount: None,
                deductions: Vec::new(),
                gateway: label("manual".to_owned())?,
                resolve: true,
            },
            ResolutionKind::StoreCredit => MoneyCommand::IssueStoreCredit {
                amount: None,
                bonus_percent: terms.bonus_percent,
                resolve: true,
            },
            ResolutionKind::Goodwill => MoneyCommand::Compensate {
                kind: terms.goodwill.unwrap_or(GoodwillKind::Voucher),
                amount: terms
                    .amount
                    .ok_or_else(|| anyhow!("a gesture without an amount"))?,
                note: None,
                resolve: true,
                approver: true,
                request_approval: false,
            },
            _ => return Ok(()),
        };
        if let MoneyCommand::Compensate { amount, .. } = &command {
            self.compensated += amount.amount_minor;
        }
        let refund = matches!(command, MoneyCommand::Refund { .. });
        self.act(Who::Shop, (1, 30), Command::Money(command), false)?;
        if refund {
            self.settle_refund()?;
        }
        Ok(())
    }

    fn decline(&mut self, who: Who, hours: (i64, i64), offer_id: u32, why: String) -> Result<()> {
        let reason = Some(label(why)?);
        self.act(
            who,
            hours,
            Command::Escalation(EscalationCommand::DeclineOffer { offer_id, reason }),
            false,
        )
    }

    fn escalate(&mut self, who: Who, hours: (i64, i64), to: Stage, why: String) -> Result<()> {
        let command = Command::Escalation(EscalationCommand::Escalate {
            to: Some(to),
            reason: label(why)?,
        });
        self.act(who, hours, command, false)
    }

    fn decide(
        &mut self,
        who: Who,
        hours: (i64, i64),
        outcome: DecisionOutcome,
        resolution: Resolution,
        rationale: String,
    ) -> Result<()> {
        // A decision cannot impose store credit on a return (a withdrawal is refunded by
        // the means of payment used unless the buyer chooses otherwise, L221-24).
        let resolution =
            if self.kind() == CaseKind::Return && resolution.kind == ResolutionKind::StoreCredit {
                terms(
                    ResolutionKind::PartialRefund,
                    resolution.amount.map(|a| a.amount_minor),
                )
            } else {
                resolution
            };
        let decision = Decision {
            outcome,
            resolution,
            rationale: body(rationale)?,
            cites: Vec::new(),
            paid_by: amiable_domain::case::Payer::Merchant,
            recover_from_merchant: false,
        };
        let terms = decision.resolution.clone();
        self.act(
            who,
            hours,
            Command::Escalation(EscalationCommand::RecordDecision {
                decision,
                gateway: None,
            }),
            false,
        )?;
        // A provider's decision moves the money itself (a chargeback).
        if who == Who::Provider {
            return Ok(());
        }
        self.pay(&terms)
    }

    fn resolve(&mut self, who: Who, hours: (i64, i64), resolution: Resolution) -> Result<()> {
        self.act(
            who,
            hours,
            Command::Lifecycle(LifecycleCommand::Resolve { resolution }),
            false,
        )
    }

    fn cancel(&mut self, who: Who, hours: (i64, i64), why: String) -> Result<()> {
        let reason = label(why)?;
        self.act(
            who,
            hours,
            Command::Lifecycle(LifecycleCommand::Cancel { reason }),
            false,
        )
    }

    /// Closes a resolved case: by hand after a few days, or automatically after 14 quiet days.
    fn close(&mut self, by: Who) -> Result<()> {
        let automatic = self.now + 15 * DAY < self.anchor && self.rng.u8(0..100) < 40;
        if automatic {
            let at = self.now + 14 * DAY + self.rng.i64(0..2 * HOUR);
            self.now = at;
            let actor = self.actor(Who::System);
            self.steps.push(Step {
                at,
                actor,
                command: Command::Lifecycle(LifecycleCommand::Close),
                optional: false,
                pdf: None,
            });
            Ok(())
        } else {
            self.act(
                by,
                (20, 120),
                Command::Lifecycle(LifecycleCommand::Close),
                false,
            )
        }
    }

    // ---- Amounts and terms ------------------------------------------

    /// What the lines of the case are worth (the whole order when it names none).
    fn claimed_value(&self) -> i64 {
        if self.casting.lines.is_empty() {
            self.order.total
        } else {
            self.casting
                .lines
                .iter()
                .map(|&i| self.order.lines[i].total())
                .sum()
        }
    }

    /// `percent` of the claim, in whole euros, never above the order total.
    fn share(&self, percent: i64) -> i64 {
        euros(self.claimed_value() * percent / 100).min(self.order.total)
    }

    /// What a return refunds: the items, plus the delivery charge when everything goes back (L221-24).
    fn return_refund(&self) -> i64 {
        let everything = self.casting.lines.len() == self.order.physical_lines().len()
            && self.reason().starts_with("changed_mind");
        let shipping = if everything { self.order.shipping } else { 0 };
        (self.claimed_value() + shipping).min(self.order.total)
    }

    /// What settles the claim fully in the buyer's favour.
    fn remedy(&mut self) -> Resolution {
        let reason = self.reason();
        if reason.starts_with("not_received") {
            if reason == "not_received" && self.rng.bool() {
                terms(ResolutionKind::Replacement, None)
            } else {
                terms(ResolutionKind::FullRefund, Some(self.order.total))
            }
        } else if reason == "late_delivery" {
            self.gesture()
        } else if reason.starts_with("changed_mind") || reason.starts_with("not_as_described") {
            terms(ResolutionKind::ReturnAndRefund, Some(self.return_refund()))
        } else if self.rng.u8(0..100) < 55 {
            terms(ResolutionKind::Replacement, None)
        } else {
            terms(ResolutionKind::ReturnAndRefund, Some(self.claimed_value()))
        }
    }

    /// A goodwill gesture: the delivery charge back, or a voucher.
    fn gesture(&mut self) -> Resolution {
        // Never more than the order was worth, with the gestures already made: a gesture is
        // paid from it.
        let room = (self.order.total - self.compensated).max(1);
        if self.order.shipping > 0 && self.rng.bool() && self.order.shipping <= room {
            goodwill(GoodwillKind::ShippingRefund, self.order.shipping)
        } else {
            let amount = (500 * self.rng.i64(1..4)).min(room);
            goodwill(GoodwillKind::Voucher, amount)
        }
    }

    /// Something in between: a partial refund, store credit with a bonus, or a voucher.
    fn concession(&mut self, percent: i64) -> Resolution {
        if self.reason() == "late_delivery" {
            return self.gesture();
        }
        let bonus = self.order.merchant().store_credit_bonus_percent;
        match self.rng.u8(0..100) {
            0..50 => terms(ResolutionKind::PartialRefund, Some(self.share(percent))),
            50..80 if bonus > 0 => Resolution {
                bonus_percent: Some(bonus),
                ..terms(ResolutionKind::StoreCredit, Some(self.share(percent + 20)))
            },
            _ => goodwill(GoodwillKind::Voucher, self.share(percent)),
        }
    }

    fn describe(&self, resolution: &Resolution) -> String {
        say::terms(&self.voice, resolution, self.casting.other_size)
    }

    fn ground(&self) -> String {
        let flags: Vec<&str> = self
            .casting
            .lines
            .iter()
            .flat_map(|&i| self.order.lines[i].product.flags.iter().copied())
            .collect();
        say::ground(&self.voice, self.reason(), &flags)
    }

    /// A resolution with its note for the buyer.
    fn noted(&self, mut resolution: Resolution) -> Result<Resolution> {
        let amount = resolution.amount.map_or(0, |m| m.amount_minor);
        resolution.note = Some(label(say::resolution_note(
            &self.voice,
            resolution.kind,
            amount,
        ))?);
        Ok(resolution)
    }

    /// The steps, trimmed to at most [`MAX_EVENTS`] events.
    fn into_steps(mut self) -> Result<Vec<Step>> {
        while self.events() > MAX_EVENTS {
            let Some(index) = self.steps.iter().rposition(|s| s.optional) else {
                anyhow::bail!("a demo story has {} events", self.events());
            };
            self.steps.remove(index);
        }
        if self.steps.len() < 2 {
            anyhow::bail!("a demo story has a single step");
        }
        Ok(self.steps)
    }

    fn date(&self, secs: i64) -> Result<String> {
        texts::date(self.clock, self.voice.lang, secs)
    }
}

// ---- Planning -------------------------------------------------------------

/// A case to write: its id, order and commands.
pub(crate) struct CasePlan {
    pub case_id: CaseId,
    pub order_id: amiable_domain::ids::OrderId,
    /// Where the case ends up (the tests check it gets there).
    #[cfg_attr(not(test), allow(dead_code))]
    pub target: Target,
    /// For a return told through its lifecycle, how it unfolds (the tests check where it ends).
    #[cfg_attr(not(test), allow(dead_code))]
    pub plot: Option<ReturnPlot>,
    /// For an incident told around who answers for it, how it unfolds (the tests check where it ends).
    #[cfg_attr(not(test), allow(dead_code))]
    pub incident: Option<IncidentPlot>,
    /// For error messages: "return of MDC-2026-004512 (changed_mind, closed at negotiation)".
    pub label: String,
    pub steps: Vec<Step>,
}

/// Plans every demo case.
pub(crate) fn plan(
    rng: &mut fastrand::Rng,
    clock: &Clock,
    anchor: i64,
    buyers: &[Buyer],
    orders: &[DemoOrder],
    public_url: &str,
) -> Result<Vec<CasePlan>> {
    let castings = super::cases::cast(rng, anchor, orders)?;
    let mut loyalty = vec![0usize; buyers.len()];
    for order in orders {
        loyalty[order.buyer] += 1;
    }
    let mut plans = Vec::with_capacity(castings.len());
    for casting in &castings {
        let order = &orders[casting.order];
        let label = format!(
            "{} of {} ({}, {} at {})",
            casting.target.kind,
            order.external_id,
            casting.reason,
            casting.target.status,
            casting.target.stage
        );
        let case_id = CaseId::from_bytes(std::array::from_fn(|_| rng.u8(..)));
        let buyer = &buyers[order.buyer];
        let margin = rng.i64(4 * HOUR..3 * DAY);
        let build = |rng: &mut fastrand::Rng, start: i64| -> Result<Vec<Step>> {
            let cast = Cast {
                order,
                buyer,
                loyalty: loyalty[order.buyer],
                casting,
                case_id,
            };
            let mut story = Story::new(rng, clock, anchor, cast, start)?;
            story.tell()?;
            story.into_steps()
        };
        // Live cases end shortly before the anchor, and none goes past it: when a
        // story ends too early or too late, it is told again from a better start,
        // and the latest telling that fits is kept.
        let saved = rng.clone();
        let mut start = casting.start;
        let mut best: Option<Vec<Step>> = None;
        let mut steps = Vec::new();
        for attempt in 0..6 {
            *rng = saved.clone();
            steps = build(rng, start).with_context(|| format!("planning the {label}"))?;
            let end = steps.last().map_or(start, |s| s.at);
            let fits = end < anchor - margin / 2;
            let best_end = best
                .as_ref()
                .and_then(|b| b.last())
                .map_or(i64::MIN, |s| s.at);
            if fits && end > best_end {
                best = Some(std::mem::take(&mut steps));
            }
            let early = recent(casting.target) && end < anchor - margin - DAY;
            if fits && !early {
                break;
            }
            let ideal = (anchor - margin - attempt * DAY - (end - start))
                .clamp(casting.open_min, casting.open_max);
            if ideal == start {
                break;
            }
            start = ideal;
        }
        // A return's or an incident's timeline holds dated facts (a label's expiry, a
        // refund's deadline, a new delivery date, reserves, an appeal window): it is never
        // squeezed.
        let dated = casting.plot.is_some() || casting.incident.is_some();
        let mut steps = match best {
            Some(best) => best,
            None if !dated => steps,
            None => anyhow::bail!("the demo story does not fit before the anchor: {label}"),
        };
        squeeze(&mut steps, anchor - 10 * MINUTE);
        for step in &mut steps {
            if let Command::Returns(ReturnCommand::IssueLabel {
                label: return_label,
            }) = &step.command
            {
                let pdf = super::labels::render(order, case_id, casting, return_label, public_url)
                    .with_context(|| format!("the return label of the {label}"))?;
                step.pdf = Some(pdf);
            }
        }
        plans.push(CasePlan {
            case_id,
            order_id: order.id,
            target: casting.target,
            plot: casting.plot,
            incident: casting.incident,
            label,
            steps,
        });
    }
    Ok(plans)
}

/// Compresses a timeline that would run past `limit`, keeping its order.
fn squeeze(steps: &mut [Step], limit: i64) {
    let (Some(first), Some(last)) = (steps.first().map(|s| s.at), steps.last().map(|s| s.at))
    else {
        return;
    };
    if last < limit || first >= limit {
        return;
    }
    let (span, room) = (i128::from(last - first), i128::from(limit - first));
    let mut previous = i64::MIN;
    for step in steps.iter_mut() {
        let scaled = first + i64::try_from(i128::from(step.at - first) * room / span).unwrap_or(0);
        step.at = scaled.max(previous + 1);
        previous = step.at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::catalog::{MERCHANTS, operator_settings};
    use crate::demo::clock::timestamp;
    use amiable_domain::case::{
        CaseEvent, CaseState, Context, GoodwillContext, MoneyEvent, PolicyRef, PolicySource,
        RecordedEvent, ReturnStage, decide, ledger_entries,
    };
    use amiable_domain::ids::{MerchantId, OperatorId};
    use amiable_domain::law::LawPack;
    use amiable_domain::law::refund::Surcharge;
    use amiable_domain::law::withdrawal::Information;
    use amiable_domain::ledger::LedgerEntry;
    use amiable_domain::ledger::OrderLedger;
    use amiable_domain::reason::ReasonTaxonomy;
    use amiable_domain::returns::{ReturnContext, eligibility};
    use amiable_domain::settings::OperatorSettings;

    /// Every planned command passes the decider and every case reaches its
    /// target, for many seeds and anchors: the seeder does not fail by chance.
    /// Returns are judged as the store judges them (the shop's policy, the
    /// law), escalations and appeals by the marketplace's rules of the ladder,
    /// gestures by the shop's goodwill budget, and money moves against each
    /// order's ledger. Every incident plot is told and ends as it should.
    #[test]
    fn every_plan_passes_the_decider_for_many_seeds() {
        let clock = Clock::paris().unwrap();
        let law = LawPack::france();
        let reasons = operator_settings()["reasons"].clone();
        let taxonomy: ReasonTaxonomy =
            serde_json::from_value(serde_json::json!({ "custom": reasons })).unwrap();
        let operator = OperatorId::from_bytes([1; 16]);
        let ladder = OperatorSettings::read(&operator_settings()).ladder();
        assert!(
            ladder.consumer_mediator.is_some(),
            "the demo marketplace names its consumer mediator"
        );
        let merchants: Vec<MerchantId> = (0..MERCHANTS.len())
            .map(|i| MerchantId::from_bytes([i as u8 + 2; 16]))
            .collect();
        for seed in 0..30u64 {
            // Anchors spread over a year, at any hour.
            let anchor = 1_780_000_000 + seed as i64 * 3_333_333;
            let mut rng = fastrand::Rng::with_seed(seed);
            let (buyers, orders) =
                crate::demo::orders::generate(&mut rng, &clock, anchor, operator, &merchants, 560)
                    .unwrap();
            let plans = plan(
                &mut rng,
                &clock,
                anchor,
                &buyers,
                &orders,
                "http://127.0.0.1:8080",
            )
            .unwrap();
            assert!(plans.len() >= 100);
            let mut stages = std::collections::BTreeSet::new();
            let mut late = 0;
            let mut incident_plots = Vec::new();
            // Gestures, by shop: every one (instant, amount), and those an agent paid alone.
            let mut gestures: Vec<(usize, i64, i64)> = Vec::new();
            let mut agent_gestures: Vec<(usize, i64, String)> = Vec::new();
            for plan in &plans {
                let demo = orders.iter().find(|o| o.id == plan.order_id).unwrap();
                let order = &demo.order;
                let context = format!("seed {seed}, {}", plan.label);
                let mut ledger = OrderLedger::new(amiable_store::captured(order));
                let mut previous = order
                    .fully_delivered_at()
                    .unwrap_or(order.placed_at)
                    .as_second();
                let mut state: Option<CaseState> = None;
                for (index, step) in plan.steps.iter().enumerate() {
                    assert!(
                        step.at > previous && step.at < anchor,
                        "{context}: step {index} at {}",
                        step.at
                    );
                    previous = step.at;
                    let at = timestamp(step.at).unwrap();
                    let policy = demo.merchant().return_policy();
                    let returns = ReturnContext {
                        case_id: plan.case_id,
                        eligibility: eligibility(
                            order,
                            &policy,
                            Information::Given,
                            law.date_of(at),
                            &law.zone,
                            &law.calendar,
                        ),
                        policy,
                        policy_ref: PolicyRef {
                            source: PolicySource::Merchant,
                            version: 1,
                        },
                        already_returned: Default::default(),
                        recent_returns: 0,
                    };
                    let mut command = step.command.clone();
                    if let (Some(pdf), Command::Returns(ReturnCommand::IssueLabel { label })) =
                        (&step.pdf, &mut command)
                    {
                        // The blob store names the PDF by its hash when the case is written.
                        label.attachment.sha256 = "0".repeat(64);
                        label.attachment.size_bytes = pdf.len() as u64;
                        assert!(pdf.starts_with(b"%PDF"), "{context}");
                    }
                    // The store gives the month's spending; its bound is checked below.
                    let goodwill = demo.merchant().goodwill().map(|budget| GoodwillContext {
                        budget,
                        spent_this_month: Money::new(0, Currency::EUR),
                    });
                    let ctx = Context {
                        now: at,
                        actor: &step.actor,
                        order: Some(order),
                        taxonomy: &taxonomy,
                        law: &law,
                        ledger: Some(&ledger),
                        returns: Some(&returns),
                        ladder: Some(&ladder),
                        goodwill: goodwill.as_ref(),
                    };
                    let events = decide(state.as_ref(), &command, &ctx).unwrap_or_else(|e| {
                        let names: Vec<_> = plan.steps.iter().map(|s| s.command.name()).collect();
                        panic!(
                            "{context}: step {} '{}' refused: {e}; steps {names:?}",
                            index + 1,
                            step.command.name()
                        )
                    });
                    for entry in ledger_entries(state.as_ref(), &events) {
                        if let LedgerEntry::Compensation { amount } = &entry {
                            gestures.push((demo.merchant, step.at, amount.amount_minor));
                        }
                        ledger.apply(&entry).unwrap();
                    }
                    let by_agent = matches!(
                        &command,
                        Command::Money(MoneyCommand::Compensate {
                            approver: false,
                            ..
                        })
                    );
                    if by_agent
                        && events.iter().any(|e| {
                            matches!(e, CaseEvent::Money(MoneyEvent::CompensationRecorded { .. }))
                        })
                    {
                        agent_gestures.push((demo.merchant, step.at, context.clone()));
                    }
                    for event in events {
                        let recorded = RecordedEvent {
                            seq: state.as_ref().map_or(0, |s| s.version) + 1,
                            actor: step.actor.clone(),
                            recorded_at: at,
                            event,
                        };
                        state = CaseState::evolve(state, plan.case_id, &recorded);
                    }
                }
                let state = state.unwrap();
                assert_eq!(state.invariant_violation(), None, "{context}");
                assert!(
                    (2..=MAX_EVENTS as i64).contains(&state.version),
                    "{context}: {} events",
                    state.version
                );
                assert_eq!(
                    (state.kind, state.status, state.stage),
                    (plan.target.kind, plan.target.status, plan.target.stage),
                    "{context}"
                );
                if let Some(plot) = plan.incident {
                    incidents::check_end(plot, &state, &ledger, &clock, anchor, &context);
                    incident_plots.push(plot);
                }
                let stage = state.returns.as_ref().map(|r| r.stage);
                if let Some(plot) = plan.plot {
                    assert_eq!(stage, Some(plot.return_stage()), "{context}");
                }
                stages.extend(stage);
                late += state
                    .refunds
                    .iter()
                    .filter(|r| {
                        r.late.as_ref().is_some_and(|l| {
                            matches!(l.surcharge, Surcharge::Percent { amount, .. } if amount.is_positive())
                        })
                    })
                    .count();
            }
            for stage in ReturnStage::ALL {
                assert!(stages.contains(stage), "seed {seed}: no return is {stage}");
            }
            assert_eq!(
                incident_plots,
                crate::demo::cases::INCIDENT_MIX,
                "seed {seed}: every incident plot is told"
            );
            // A gesture an agent grants alone stays within the shop's monthly budget whatever
            // order the cases are written in: every gesture of the shop since the first of
            // that month (later ones included) fits in it.
            for (merchant, at, context) in &agent_gestures {
                let budget = MERCHANTS[*merchant].goodwill().expect("a goodwill budget");
                let first = clock.date_of(*at).unwrap().first_of_month();
                let since = clock.local(first, 0, 0, 0).unwrap();
                let spent: i64 = gestures
                    .iter()
                    .filter(|(m, when, _)| m == merchant && *when >= since)
                    .map(|(_, _, amount)| amount)
                    .sum();
                assert!(
                    spent <= budget.monthly.amount_minor,
                    "{context}: the shop's gestures come to {spent} in the month"
                );
            }
            assert!(late >= 1, "seed {seed}: no refund is late with a surcharge");
        }
    }
}
