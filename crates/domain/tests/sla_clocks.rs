//! The clocks of a case and its service-level targets, story by story: given a
//! case's history (built with the decider itself), when a party acts, then
//! these clocks and, evaluated at a dated instant, these targets.
//!
//! Every instant is written in Paris time (December: UTC+1). The merchant and
//! the marketplace work Monday to Friday, 9–12 and 14–18
//! ([`HoursDocument::french_office`]): seven business hours a day. The due
//! dates are worked out by hand in the comments.
//!
//! The last part is a property test: for random command sequences, the
//! clocks stay well-formed and every evaluation is consistent.

use amiable_domain::case::{
    Actor, Assignee, CaseEvent, CaseKind, CaseState, CaseStatus, Command, Context,
    ConversationCommand, EscalationCommand, HelpdeskCommand, IncidentCommand, LifecycleCommand,
    MediationCommand, Party, RecordedEvent, Rejection, ReshipmentStatus, Resolution,
    ResolutionKind, Stage, decide, ledger_entries,
};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::ledger::OrderLedger;
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{Order, OrderInput};
use amiable_domain::reason::{ReasonCode, ReasonTaxonomy};
use amiable_domain::sla::clocks::{Clocks, Cycle, Pause, PauseReason};
use amiable_domain::sla::hours::{BusinessHours, HoursDocument, WeekDocument};
use amiable_domain::sla::policy::{
    Applied, ClockKind, Conditions, Owner, PolicyDocument, SlaDocument, SlaSettings, Target,
    TargetDocument, TargetsDocument, applicable,
};
use amiable_domain::sla::{
    Alert, Miss, TargetReport, TargetStatus, Teams, cycle_used, evaluate, nearest_due, next_alarm,
};
use amiable_domain::text::{Body, Label};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::json;

// ---------------------------------------------------------------------------
// The harness (after disputes_decider.rs)
// ---------------------------------------------------------------------------

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// An instant, written with its offset (`2026-12-04T17:30+01:00` is 17:30 in Paris).
fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn body(text: &str) -> Body {
    Body::parse(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse(text).unwrap()
}

fn buyer() -> Actor {
    Actor::Buyer
}

fn merchant() -> Actor {
    Actor::MerchantUser { id: "agent".into() }
}

fn mediator() -> Actor {
    Actor::OperatorUser {
        id: "mediator-1".into(),
    }
}

fn system() -> Actor {
    Actor::System { id: "sweep".into() }
}

fn merchant_id() -> MerchantId {
    MerchantId::from_bytes([3; 16])
}

/// Two pulls at 45 € and a candle at 20 €, 4.90 € shipping, 114.90 € captured; ordered
/// Monday 23 November 2026, shipped the next day, never delivered.
fn lost_order() -> Order {
    let input: OrderInput = serde_json::from_value(json!({
        "external_id": "CMD-SLA-1",
        "placed_at": "2026-11-23T09:15:00+01:00",
        "currency": "EUR",
        "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
        "lines": [
            {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500},
            {"sku": "BOUGIE", "title": "Bougie", "category": "maison", "quantity": 1, "unit_price_minor": 2000}
        ],
        "shipping_minor": 490,
        "payment": {"provider": "stripe", "transaction_id": "ch_1", "captured_minor": 11490},
        "shipments": [{"carrier": "Colissimo", "tracking_number": "6A1", "shipped_at": "2026-11-24T10:00:00Z",
                       "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}],
    }))
    .unwrap();
    Order::from_input(
        OrderId::from_bytes([1; 16]),
        OperatorId::from_bytes([2; 16]),
        merchant_id(),
        &input,
    )
    .unwrap()
}

fn office() -> BusinessHours {
    BusinessHours::parse(&HoursDocument::french_office(), "").unwrap()
}

/// A case built with the decider.
#[derive(Clone)]
struct Case {
    order: Order,
    log: Vec<RecordedEvent>,
    ledger: OrderLedger,
    law: LawPack,
    taxonomy: ReasonTaxonomy,
}

impl Case {
    /// Given: the buyer opened a not-received incident on one pull at `when`.
    fn incident(when: &str) -> Case {
        let mut case = Case {
            order: lost_order(),
            log: Vec::new(),
            ledger: OrderLedger::new(eur(11490)),
            law: LawPack::france(),
            taxonomy: ReasonTaxonomy::default(),
        };
        case.ok(
            buyer(),
            Command::Lifecycle(LifecycleCommand::Open {
                kind: CaseKind::Incident,
                reason: ReasonCode::parse("not_received").unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: Some(eur(4500)),
                description: body("Le colis n'est jamais arrivé."),
                stage: None,
                preferred: None,
            }),
            when,
        );
        case
    }

    fn state(&self) -> Option<CaseState> {
        CaseState::replay(CaseId::from_bytes([9; 16]), &self.log)
    }

    fn now(&self) -> CaseState {
        self.state().unwrap()
    }

    fn clocks(&self) -> Clocks {
        self.now().clocks
    }

    /// When `actor` sends `command` at `when`: the events, or the refusal.
    fn when(
        &self,
        actor: &Actor,
        command: &Command,
        when: Timestamp,
    ) -> Result<Vec<CaseEvent>, Rejection> {
        let state = self.state();
        decide(
            state.as_ref(),
            command,
            &Context {
                now: when,
                actor,
                order: Some(&self.order),
                taxonomy: &self.taxonomy,
                law: &self.law,
                ledger: Some(&self.ledger),
                returns: None,
                ladder: None,
                goodwill: None,
            },
        )
    }

    /// Appends the command's events if the decider takes it; tells whether it did.
    fn try_apply(&mut self, actor: &Actor, command: &Command, when: Timestamp) -> bool {
        let Ok(events) = self.when(actor, command, when) else {
            return false;
        };
        let before = self.state();
        for entry in ledger_entries(before.as_ref(), &events) {
            self.ledger.apply(&entry).unwrap();
        }
        for event in events {
            let seq = self.log.len() as i64 + 1;
            self.log.push(RecordedEvent {
                seq,
                actor: actor.clone(),
                recorded_at: when,
                event,
            });
        }
        true
    }

    /// The command is accepted: its events are appended.
    #[track_caller]
    fn ok(&mut self, actor: Actor, command: Command, when: &str) {
        if let Err(e) = self.when(&actor, &command, at(when)) {
            panic!("{} refused: {} ({e})", command.name(), e.code());
        }
        assert!(self.try_apply(&actor, &command, at(when)));
        assert_eq!(self.now().invariant_violation(), None);
    }

    /// The command is refused with `code`, and nothing is written.
    #[track_caller]
    fn refused(&self, actor: Actor, command: Command, when: &str, code: &str) -> Rejection {
        match self.when(&actor, &command, at(when)) {
            Ok(events) => panic!("expected {code}, got {events:?}"),
            Err(rejection) => {
                assert_eq!(rejection.code(), code, "{rejection}");
                rejection
            }
        }
    }

    /// The targets at `now` under `applied`, both teams on office hours.
    fn targets_with(&self, applied: &Applied, now: &str) -> Vec<TargetReport> {
        let hours = office();
        let teams = Teams {
            merchant: &hours,
            marketplace: &hours,
        };
        evaluate(&self.clocks(), applied, teams, at(now))
    }

    /// The targets at `now` under amiable's defaults.
    fn targets(&self, now: &str) -> Vec<TargetReport> {
        let applied = applicable(&self.now(), &SlaSettings::default(), None);
        self.targets_with(&applied, now)
    }
}

#[track_caller]
fn target(reports: &[TargetReport], target: Target) -> &TargetReport {
    reports
        .iter()
        .find(|r| r.target == target)
        .unwrap_or_else(|| panic!("no {} in {reports:#?}", target.code()))
}

fn has(reports: &[TargetReport], target: Target) -> bool {
    reports.iter().any(|r| r.target == target)
}

fn post(text: &str) -> Command {
    Command::Conversation(ConversationCommand::PostMessage { body: body(text) })
}

fn note(text: &str) -> Command {
    Command::Conversation(ConversationCommand::AddNote { body: body(text) })
}

fn escalate(to: Stage) -> Command {
    Command::Escalation(EscalationCommand::Escalate {
        to: Some(to),
        reason: label("Pas d'accord"),
    })
}

fn private_to(channel: Party, text: &str) -> Command {
    Command::Mediation(MediationCommand::PostPrivateMessage {
        channel,
        body: body(text),
    })
}

fn resolve(kind: ResolutionKind) -> Command {
    let mut resolution = Resolution::simple(kind);
    if kind == ResolutionKind::Refusal {
        resolution.note = Some(label("Colis remis au point relais, signature à l'appui"));
    }
    Command::Lifecycle(LifecycleCommand::Resolve { resolution })
}

fn reopen() -> Command {
    Command::Lifecycle(LifecycleCommand::Reopen {
        reason: label("Toujours rien reçu"),
    })
}

fn reship() -> Command {
    Command::Incident(IncidentCommand::Reship {
        lines: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
        carrier: label("Colissimo"),
        tracking_number: label("6A2"),
    })
}

fn scan(status: ReshipmentStatus) -> Command {
    Command::Incident(IncidentCommand::RecordReshipmentScan { status })
}

fn status_update(text: &str) -> Command {
    Command::Helpdesk(HelpdeskCommand::SendStatusUpdate { body: body(text) })
}

fn assign(user: &str) -> Command {
    Command::Helpdesk(HelpdeskCommand::Assign {
        assignee: Some(Assignee {
            user_id: Some(user.into()),
            name: Some("Léa".into()),
            team_id: None,
        }),
    })
}

fn alert() -> Command {
    Command::Helpdesk(HelpdeskCommand::RaiseSlaAlert {
        target: Target::FirstResponse,
        alert: Alert::Warning,
        cycle: 1,
        due_at: at("2026-12-08T09:30+01:00"),
        policy: "amiable".into(),
    })
}

fn target_doc(within: &str, clock: ClockKind) -> Option<TargetDocument> {
    Some(TargetDocument {
        within: within.into(),
        clock,
        warn_before: None,
    })
}

fn policy(name: &str, conditions: Conditions, targets: TargetsDocument) -> PolicyDocument {
    PolicyDocument {
        name: name.into(),
        conditions,
        targets,
    }
}

// ---------------------------------------------------------------------------
// 1. First response, then next responses
// ---------------------------------------------------------------------------

#[test]
fn first_response_counts_business_hours_from_friday_evening_and_is_hit() {
    // Given the buyer opens an incident on Friday 4 December 2026 at 17:30 in Paris.
    let mut case = Case::incident("2026-12-04T17:30+01:00");
    let clocks = case.clocks();
    assert_eq!(clocks.merchant.len(), 1);
    assert_eq!(clocks.merchant[0].started_at, at("2026-12-04T17:30+01:00"));
    assert!(clocks.merchant[0].is_running());
    assert_eq!(clocks.resolution.len(), 1);
    assert_eq!(clocks.buyer_update.len(), 1);
    assert!(clocks.marketplace.is_empty());

    // Eight business hours: Friday 17:30–18:00 (0.5), Monday 9–12 (3.5) and 14–18 (7.5),
    // Tuesday 9:00–9:30 (8): due Tuesday 8 December at 09:30 — not Monday, a working day
    // being seven hours long. Warned two business hours before: Monday 16:30.
    let reports = case.targets("2026-12-07T09:00+01:00");
    let first = target(&reports, Target::FirstResponse);
    assert_eq!(first.status, TargetStatus::Active);
    assert_eq!(first.policy, "amiable");
    assert_eq!(first.within_seconds, 8 * 3600);
    assert_eq!(first.clock, ClockKind::Business);
    assert_eq!(first.due_at, Some(at("2026-12-08T09:30+01:00")));
    assert_eq!(first.warn_at, Some(at("2026-12-07T16:30+01:00")));
    assert_eq!(first.paused, None);
    assert_eq!((first.cycles, first.running_cycle), (1, 1));
    assert_eq!(first.last_took_seconds, None);
    assert!(first.misses.is_empty());
    // No next response before the first; no marketplace target before an escalation.
    assert!(!has(&reports, Target::NextResponse));
    assert!(!has(&reports, Target::MarketplaceResponse));
    assert_eq!(nearest_due(&reports), Some(at("2026-12-08T09:30+01:00")));
    // The sweep looks again at the earliest warning not raised yet.
    assert_eq!(
        next_alarm(&reports, |_, _, _| false),
        Some(at("2026-12-07T16:30+01:00"))
    );
    assert_eq!(
        next_alarm(&reports, |t, c, a| t == Target::FirstResponse
            && c == 1
            && a == Alert::Warning),
        Some(at("2026-12-08T09:30+01:00"))
    );

    // When the merchant replies on Monday at 10:00: hit, in 1.5 business hours.
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T10:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Buyer));
    assert_eq!(
        state.clocks.merchant[0].ended_at,
        Some(at("2026-12-07T10:00+01:00"))
    );
    let reports = case.targets("2026-12-07T10:30+01:00");
    let first = target(&reports, Target::FirstResponse);
    assert_eq!(first.status, TargetStatus::Hit);
    assert_eq!((first.cycles, first.running_cycle), (1, 0));
    assert_eq!(first.last_took_seconds, Some(5400));
    assert_eq!((first.due_at, first.warn_at), (None, None));
    assert_eq!(first.since, at("2026-12-04T17:30+01:00"));
}

#[test]
fn a_buyer_message_starts_a_next_response_cycle_and_lateness_is_recorded() {
    let mut case = Case::incident("2026-12-04T17:30+01:00");
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T10:00+01:00",
    );
    // When the buyer writes again on Monday at 11:00: the ball is the merchant's again.
    case.ok(buyer(), post("Des nouvelles ?"), "2026-12-07T11:00+01:00");
    let clocks = case.clocks();
    assert_eq!(clocks.merchant.len(), 2, "the second merchant cycle");
    assert_eq!(clocks.merchant[1].started_at, at("2026-12-07T11:00+01:00"));
    assert!(clocks.merchant[1].is_running());

    // Sixteen business hours from Monday 11:00: Monday 11–12 and 14–18 (5), Tuesday (12),
    // Wednesday 9–12 (15), 14–15 (16): due Wednesday 9 December at 15:00, warned four
    // business hours before (Wednesday 10:00).
    let reports = case.targets("2026-12-08T12:00+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::Active);
    assert_eq!(next.within_seconds, 16 * 3600);
    assert_eq!(next.due_at, Some(at("2026-12-09T15:00+01:00")));
    assert_eq!(next.warn_at, Some(at("2026-12-09T09:00+01:00")));
    assert_eq!((next.cycles, next.running_cycle), (1, 1));
    assert_eq!(next.since, at("2026-12-07T11:00+01:00"));
    // The first response is history: still hit.
    assert_eq!(
        target(&reports, Target::FirstResponse).status,
        TargetStatus::Hit
    );

    // Wednesday 16:00, no answer yet: late while still running.
    let reports = case.targets("2026-12-09T16:00+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::ActiveWithMisses);
    assert_eq!(
        next.misses,
        vec![Miss {
            started_at: at("2026-12-07T11:00+01:00"),
            due_at: at("2026-12-09T15:00+01:00"),
            met_at: None,
        }]
    );
    assert_eq!(next.due_at, Some(at("2026-12-09T15:00+01:00")));

    // When the merchant answers on Thursday at 10:00: missed, the miss met then.
    case.ok(
        merchant(),
        post("Le transporteur enquête."),
        "2026-12-10T10:00+01:00",
    );
    let reports = case.targets("2026-12-10T10:05+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::Missed);
    assert_eq!(next.running_cycle, 0);
    assert_eq!(
        next.misses,
        vec![Miss {
            started_at: at("2026-12-07T11:00+01:00"),
            due_at: at("2026-12-09T15:00+01:00"),
            met_at: Some(at("2026-12-10T10:00+01:00")),
        }]
    );
    // Monday 11–12, 14–18, Tuesday, Wednesday and Thursday 9–10: 5 + 7 + 7 + 1 = 20 h.
    assert_eq!(next.last_took_seconds, Some(20 * 3600));

    // A third cycle met in time leaves the old miss on record: active with misses, then missed.
    case.ok(buyer(), post("Merci, j'attends."), "2026-12-10T11:00+01:00");
    let reports = case.targets("2026-12-10T11:30+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::ActiveWithMisses);
    assert_eq!((next.cycles, next.running_cycle), (2, 2));
    assert_eq!(next.misses.len(), 1);
    case.ok(merchant(), post("Bien noté."), "2026-12-10T14:30+01:00");
    let next = target(
        &case.targets("2026-12-10T15:00+01:00"),
        Target::NextResponse,
    )
    .clone();
    assert_eq!(next.status, TargetStatus::Missed);
    assert_eq!(next.misses.len(), 1);
    assert_eq!(next.last_took_seconds, Some(3600 + 1800));
}

#[test]
fn an_internal_note_is_no_answer() {
    let mut case = Case::incident("2026-12-04T17:30+01:00");
    case.ok(
        merchant(),
        note("Voir avec l'entrepôt"),
        "2026-12-07T09:30+01:00",
    );
    let clocks = case.clocks();
    assert!(clocks.merchant[0].is_running());
    assert_eq!(
        clocks.buyer_update.len(),
        1,
        "a note is no news for the buyer"
    );
    assert_eq!(
        target(
            &case.targets("2026-12-07T09:31+01:00"),
            Target::FirstResponse
        )
        .status,
        TargetStatus::Active
    );
}

// ---------------------------------------------------------------------------
// 2. The buyer's court
// ---------------------------------------------------------------------------

#[test]
fn a_question_to_the_buyer_pauses_resolution_and_buyer_update_until_the_answer() {
    // Given an incident opened on Monday 7 December at 09:00.
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    // When the merchant asks a question at 10:00: the ball is the buyer's.
    case.ok(
        merchant(),
        post("Pouvez-vous vérifier auprès de vos voisins ?"),
        "2026-12-07T10:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Buyer));
    let clocks = &state.clocks;
    assert!(!clocks.merchant[0].is_running(), "first response given");
    assert_eq!(clocks.resolution.len(), 1);
    assert_eq!(clocks.resolution[0].paused(), Some(PauseReason::Buyer));
    // The question is news: the buyer's silence clock starts again, paused at once.
    assert_eq!(clocks.buyer_update.len(), 2);
    assert_eq!(
        clocks.buyer_update[0].ended_at,
        Some(at("2026-12-07T10:00+01:00"))
    );
    assert_eq!(clocks.buyer_update[1].paused(), Some(PauseReason::Buyer));

    let reports = case.targets("2026-12-09T12:00+01:00");
    let resolution = target(&reports, Target::Resolution);
    assert_eq!(resolution.status, TargetStatus::Active);
    assert_eq!(resolution.paused, Some(PauseReason::Buyer));
    assert_eq!((resolution.due_at, resolution.warn_at), (None, None));
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.paused, Some(PauseReason::Buyer));
    assert_eq!(update.due_at, None);
    assert_eq!((update.cycles, update.running_cycle), (2, 2));
    assert_eq!(update.last_took_seconds, Some(3600));
    // Nothing due while everything waits on the buyer.
    assert_eq!(nearest_due(&reports), None);

    // When the buyer answers on Thursday 10 December at 10:00: both resume.
    case.ok(
        buyer(),
        post("Personne n'a rien reçu."),
        "2026-12-10T10:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    let clocks = &state.clocks;
    assert_eq!(clocks.resolution[0].paused(), None);
    assert_eq!(clocks.buyer_update[1].paused(), None);
    assert!(
        clocks.buyer_update[1].is_running(),
        "the buyer's word is no news"
    );
    let pause = Pause {
        from: at("2026-12-07T10:00+01:00"),
        until: Some(at("2026-12-10T10:00+01:00")),
        waiting_on: PauseReason::Buyer,
    };
    assert_eq!(
        clocks.pauses(),
        vec![("resolution", &pause), ("buyer_update", &pause)]
    );
    // A new response cycle for the merchant.
    assert_eq!(clocks.merchant.len(), 2);

    // Thirty calendar days plus the three paused: Saturday 9 January 2027, 09:00.
    // The news clock: started Monday 10:00, paused three days: due Thursday 17 December 10:00.
    let reports = case.targets("2026-12-10T10:01+01:00");
    let resolution = target(&reports, Target::Resolution);
    assert_eq!(resolution.paused, None);
    assert_eq!(resolution.due_at, Some(at("2027-01-09T09:00+01:00")));
    assert_eq!(resolution.warn_at, Some(at("2027-01-06T09:00+01:00")));
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.due_at, Some(at("2026-12-17T10:00+01:00")));
    assert_eq!(update.warn_at, Some(at("2026-12-16T10:00+01:00")));
    assert_eq!(update.status, TargetStatus::Active);
}

// ---------------------------------------------------------------------------
// 3. The carrier's court
// ---------------------------------------------------------------------------

/// An incident opened Monday 7 December 09:00, a replacement sent by the merchant at 10:00.
fn reshipped() -> Case {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(merchant(), reship(), "2026-12-07T10:00+01:00");
    case
}

#[test]
fn a_replacement_in_transit_pauses_resolution_for_the_carrier_but_not_the_buyers_news() {
    let case = reshipped();
    let state = case.now();
    assert_eq!(state.waiting_on, None);
    let clocks = &state.clocks;
    // Sending the replacement answered the buyer: the first response is over.
    assert_eq!(
        clocks.merchant[0].ended_at,
        Some(at("2026-12-07T10:00+01:00"))
    );
    assert_eq!(clocks.resolution[0].paused(), Some(PauseReason::Carrier));
    // The buyer heard of the replacement: a new silence begins, and it runs.
    assert_eq!(clocks.buyer_update.len(), 2);
    assert_eq!(clocks.buyer_update[1].paused(), None);

    // Six days later (Sunday 13 December 11:00), past the warning (a day before the 7th).
    let reports = case.targets("2026-12-13T11:00+01:00");
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.status, TargetStatus::Active);
    assert_eq!(update.clock, ClockKind::Calendar);
    assert_eq!(update.due_at, Some(at("2026-12-14T10:00+01:00")));
    assert_eq!(update.warn_at, Some(at("2026-12-13T10:00+01:00")));
    assert_eq!(
        target(&reports, Target::Resolution).paused,
        Some(PauseReason::Carrier)
    );

    // Seven silent days: the buyer-update target is missed (still running: no news yet).
    let reports = case.targets("2026-12-14T10:01+01:00");
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.status, TargetStatus::ActiveWithMisses);
    assert_eq!(
        update.misses,
        vec![Miss {
            started_at: at("2026-12-07T10:00+01:00"),
            due_at: at("2026-12-14T10:00+01:00"),
            met_at: None,
        }]
    );
    // Meanwhile the resolution clock only counted the hour before the replacement.
    let resolution = target(&reports, Target::Resolution);
    assert_eq!(resolution.status, TargetStatus::Active);
    assert_eq!(
        cycle_used(
            &case.clocks().resolution[0],
            at("2026-12-14T10:01+01:00"),
            &BusinessHours::always()
        ),
        hours(1)
    );
}

#[test]
fn a_status_update_on_day_six_keeps_the_buyer_update_target_hit() {
    let mut case = reshipped();
    // When amiable's sweep sends the buyer a status update on Sunday 13 December at 09:00.
    case.ok(
        system(),
        status_update("Votre colis de remplacement est en route."),
        "2026-12-13T09:00+01:00",
    );
    let clocks = case.clocks();
    assert_eq!(clocks.buyer_update.len(), 3);
    assert_eq!(
        clocks.buyer_update[1].ended_at,
        Some(at("2026-12-13T09:00+01:00"))
    );
    // The update is amiable's, not the merchant's: nothing changes on the merchant's clock.
    assert_eq!(clocks.merchant.len(), 1);
    assert_eq!(clocks.resolution[0].paused(), Some(PauseReason::Carrier));

    // On day 7 and after, no miss: a new silence runs, due Sunday 20 December at 09:00.
    let reports = case.targets("2026-12-14T10:01+01:00");
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.status, TargetStatus::Active);
    assert!(update.misses.is_empty());
    assert_eq!((update.cycles, update.running_cycle), (3, 3));
    assert_eq!(update.due_at, Some(at("2026-12-20T09:00+01:00")));
    assert_eq!(update.since, at("2026-12-13T09:00+01:00"));
    // Sunday 10:00 to Sunday 09:00: 5 days 23 hours.
    assert_eq!(update.last_took_seconds, Some((5 * 24 + 23) * 3600));

    // A status update late on day 8 ends the late cycle: the miss is met then.
    let mut late = reshipped();
    late.ok(
        system(),
        status_update("Votre colis est en route."),
        "2026-12-15T09:00+01:00",
    );
    let reports = late.targets("2026-12-15T09:01+01:00");
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!(update.status, TargetStatus::ActiveWithMisses);
    assert_eq!(
        update.misses,
        vec![Miss {
            started_at: at("2026-12-07T10:00+01:00"),
            due_at: at("2026-12-14T10:00+01:00"),
            met_at: Some(at("2026-12-15T09:00+01:00")),
        }]
    );
}

#[test]
fn a_replacement_sent_by_the_marketplace_pauses_the_merchants_clock_for_the_carrier() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(mediator(), reship(), "2026-12-07T11:00+01:00");
    let clocks = case.clocks();
    // The merchant has not answered: its first response is paused, not over.
    assert!(clocks.merchant[0].is_running());
    assert_eq!(clocks.merchant[0].paused(), Some(PauseReason::Carrier));
    assert_eq!(clocks.resolution[0].paused(), Some(PauseReason::Carrier));
    assert_eq!(clocks.buyer_update[1].paused(), None);
    let reports = case.targets("2026-12-09T11:00+01:00");
    let first = target(&reports, Target::FirstResponse);
    assert_eq!(first.status, TargetStatus::Active);
    assert_eq!(first.paused, Some(PauseReason::Carrier));
    assert_eq!(first.due_at, None);

    // The parcel is lost on Wednesday 9 December at 15:00: back to the merchant, who had
    // used two hours; six more: Wednesday 15–18, Thursday 9–12: due Thursday 12:00.
    case.ok(
        system(),
        scan(ReshipmentStatus::Lost),
        "2026-12-09T15:00+01:00",
    );
    let clocks = case.clocks();
    assert_eq!(clocks.merchant.len(), 1);
    assert_eq!(clocks.merchant[0].paused(), None);
    let reports = case.targets("2026-12-09T15:01+01:00");
    let first = target(&reports, Target::FirstResponse);
    assert_eq!(first.due_at, Some(at("2026-12-10T12:00+01:00")));
    let merchant_pauses: Vec<_> = clocks
        .pauses()
        .into_iter()
        .filter(|(clock, _)| *clock == "merchant")
        .map(|(_, p)| p.clone())
        .collect();
    assert_eq!(
        merchant_pauses,
        vec![Pause {
            from: at("2026-12-07T11:00+01:00"),
            until: Some(at("2026-12-09T15:00+01:00")),
            waiting_on: PauseReason::Carrier,
        }]
    );
}

// ---------------------------------------------------------------------------
// 4. The marketplace's court
// ---------------------------------------------------------------------------

#[test]
fn mediation_pauses_the_merchant_and_runs_the_marketplaces_clock() {
    // Given an incident opened Monday 7 December 09:00, answered at 10:00; the buyer
    // writes back at 11:00 (a next-response cycle, due Wednesday 15:00 if nothing pauses it).
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T10:00+01:00",
    );
    case.ok(
        buyer(),
        post("Ce n'est pas assez."),
        "2026-12-07T11:00+01:00",
    );
    assert_eq!(
        target(
            &case.targets("2026-12-07T11:01+01:00"),
            Target::NextResponse
        )
        .due_at,
        Some(at("2026-12-09T15:00+01:00"))
    );

    // When the buyer escalates to mediation at 14:00.
    case.ok(
        buyer(),
        escalate(Stage::Mediation),
        "2026-12-07T14:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Operator));
    let clocks = &state.clocks;
    assert_eq!(clocks.merchant[1].paused(), Some(PauseReason::Marketplace));
    assert_eq!(
        clocks.resolution[0].paused(),
        Some(PauseReason::Marketplace)
    );
    assert_eq!(clocks.marketplace.len(), 1);
    assert_eq!(
        clocks.marketplace[0].started_at,
        at("2026-12-07T14:00+01:00")
    );
    // The buyer's own escalation is no news for the buyer.
    assert_eq!(clocks.buyer_update.len(), 2);
    assert_eq!(clocks.buyer_update[1].paused(), None);

    // The marketplace's target: sixteen of its business hours: Monday 14–18 (4), Tuesday
    // (11), Wednesday 9–12 (14) and 14–16: Wednesday 9 December 16:00.
    let reports = case.targets("2026-12-08T09:00+01:00");
    let market = target(&reports, Target::MarketplaceResponse);
    assert_eq!(market.status, TargetStatus::Active);
    assert_eq!(market.policy, "amiable");
    assert_eq!(market.due_at, Some(at("2026-12-09T16:00+01:00")));
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.paused, Some(PauseReason::Marketplace));
    assert_eq!(next.due_at, None);
    assert_eq!(next.status, TargetStatus::Active);

    // When the mediator asks the merchant privately on Tuesday 8 December at 15:00: the
    // marketplace acted, the ball is the merchant's again.
    case.ok(
        mediator(),
        private_to(Party::Merchant, "Avez-vous la preuve de dépôt ?"),
        "2026-12-08T15:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    let clocks = &state.clocks;
    assert_eq!(
        clocks.marketplace[0].ended_at,
        Some(at("2026-12-08T15:00+01:00"))
    );
    assert_eq!(clocks.merchant.len(), 2, "the same cycle resumes");
    assert_eq!(clocks.merchant[1].paused(), None);
    assert_eq!(
        clocks.merchant[1].pauses,
        vec![Pause {
            from: at("2026-12-07T14:00+01:00"),
            until: Some(at("2026-12-08T15:00+01:00")),
            waiting_on: PauseReason::Marketplace,
        }]
    );
    // A private message is no news for the buyer.
    assert_eq!(clocks.buyer_update.len(), 2);

    // Wednesday 16:00, past the undelayed due date: the merchant is not late. Its due
    // date moved by the eight business hours the marketplace held the ball (Monday 14–18,
    // Tuesday 9–12 and 14–15): one hour used, fifteen left from Tuesday 15:00: Tuesday
    // 15–18 (3), Wednesday (10), Thursday 9–12 (13) and 14–16: Thursday 10 December 16:00.
    let reports = case.targets("2026-12-09T16:00+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::Active);
    assert!(next.misses.is_empty());
    assert_eq!(next.paused, None);
    assert_eq!(next.due_at, Some(at("2026-12-10T16:00+01:00")));
    let market = target(&reports, Target::MarketplaceResponse);
    assert_eq!(market.status, TargetStatus::Hit);
    assert_eq!(market.last_took_seconds, Some(8 * 3600));
    assert_eq!(market.running_cycle, 0);

    // When the merchant answers on Thursday at 12:00: in time; in mediation the mediator
    // answers next, so a new marketplace cycle starts.
    case.ok(
        merchant(),
        post("Voici la preuve de dépôt."),
        "2026-12-10T12:00+01:00",
    );
    let reports = case.targets("2026-12-10T12:01+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::Hit);
    // Monday 11–12 and Tuesday 15 to Thursday 12: 1 + 3 + 7 + 3 = 14 h.
    assert_eq!(next.last_took_seconds, Some(14 * 3600));
    let market = target(&reports, Target::MarketplaceResponse);
    assert_eq!((market.cycles, market.running_cycle), (2, 2));
    assert_eq!(market.status, TargetStatus::Active);
}

#[test]
fn the_marketplace_target_uses_the_marketplaces_hours() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T10:00+01:00",
    );
    case.ok(
        buyer(),
        escalate(Stage::Mediation),
        "2026-12-07T11:00+01:00",
    );
    let merchant_hours = office();
    let marketplace_hours = BusinessHours::always();
    let applied = applicable(&case.now(), &SlaSettings::default(), None);
    let reports = evaluate(
        &case.clocks(),
        &applied,
        Teams {
            merchant: &merchant_hours,
            marketplace: &marketplace_hours,
        },
        at("2026-12-07T11:30+01:00"),
    );
    // Around the clock: sixteen real hours, Tuesday 03:00.
    assert_eq!(
        target(&reports, Target::MarketplaceResponse).due_at,
        Some(at("2026-12-08T03:00+01:00"))
    );
}

// ---------------------------------------------------------------------------
// 5. Resolution and reopening
// ---------------------------------------------------------------------------

#[test]
fn resolution_ends_every_cycle_and_reopening_starts_new_ones() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T10:00+01:00",
    );
    case.ok(buyer(), post("Et alors ?"), "2026-12-07T11:00+01:00");
    // When the merchant refuses the claim on Tuesday 8 December at 10:00.
    case.ok(
        merchant(),
        resolve(ResolutionKind::Refusal),
        "2026-12-08T10:00+01:00",
    );
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Resolved);
    let clocks = &state.clocks;
    for (name, cycles) in [
        ("merchant", &clocks.merchant),
        ("resolution", &clocks.resolution),
        ("buyer_update", &clocks.buyer_update),
    ] {
        let last = cycles.last().unwrap();
        assert_eq!(last.ended_at, Some(at("2026-12-08T10:00+01:00")), "{name}");
        assert_eq!(last.paused(), None, "{name}");
    }
    let reports = case.targets("2026-12-08T10:01+01:00");
    assert!(reports.iter().all(|r| r.running_cycle == 0), "{reports:#?}");
    assert!(
        reports
            .iter()
            .all(|r| matches!(r.status, TargetStatus::Hit | TargetStatus::Missed))
    );
    assert_eq!(nearest_due(&reports), None);
    // Thirty days of the merchant's time: 1 h (9–10), then paused for the buyer (10–11),
    // then 23 h until Tuesday 10:00.
    let resolution = target(&reports, Target::Resolution);
    assert_eq!(resolution.status, TargetStatus::Hit);
    assert_eq!(resolution.last_took_seconds, Some(24 * 3600));

    // A message on the resolved case changes no clock.
    case.ok(
        buyer(),
        post("Je ne suis pas d'accord."),
        "2026-12-08T11:00+01:00",
    );
    assert_eq!(case.clocks(), *clocks);

    // When the buyer reopens on Wednesday 9 December at 10:00.
    case.ok(buyer(), reopen(), "2026-12-09T10:00+01:00");
    let clocks = case.clocks();
    assert_eq!(clocks.resolution.len(), 2);
    assert_eq!(
        clocks.resolution[1].started_at,
        at("2026-12-09T10:00+01:00")
    );
    assert_eq!(clocks.buyer_update.len(), 3);
    assert_eq!(
        clocks.buyer_update[2].started_at,
        at("2026-12-09T10:00+01:00")
    );
    // The ball is the merchant's: a next-response cycle too.
    assert_eq!(clocks.merchant.len(), 3);
    let reports = case.targets("2026-12-09T10:01+01:00");
    let resolution = target(&reports, Target::Resolution);
    assert_eq!(resolution.status, TargetStatus::Active);
    assert_eq!((resolution.cycles, resolution.running_cycle), (2, 2));
    assert_eq!(resolution.since, at("2026-12-09T10:00+01:00"));
    assert_eq!(resolution.due_at, Some(at("2027-01-08T10:00+01:00")));
    assert_eq!(resolution.last_took_seconds, Some(24 * 3600));
    let update = target(&reports, Target::BuyerUpdate);
    assert_eq!((update.cycles, update.running_cycle), (3, 3));
    assert_eq!(update.due_at, Some(at("2026-12-16T10:00+01:00")));
    let next = target(&reports, Target::NextResponse);
    assert_eq!((next.cycles, next.running_cycle), (2, 2));
}

#[test]
fn a_merchants_reopening_is_news_without_a_zero_length_silence() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        merchant(),
        resolve(ResolutionKind::Refusal),
        "2026-12-07T10:00+01:00",
    );
    case.ok(merchant(), reopen(), "2026-12-08T10:00+01:00");
    let clocks = case.clocks();
    assert_eq!(clocks.resolution.len(), 2);
    assert!(clocks.resolution[1].is_running());
    let last = clocks.buyer_update.last().unwrap();
    assert!(last.is_running());
    assert_eq!(last.started_at, at("2026-12-08T10:00+01:00"));
    assert!(
        clocks
            .buyer_update
            .iter()
            .all(|c| c.ended_at != Some(c.started_at)),
        "{:#?}",
        clocks.buyer_update
    );
}

#[test]
fn cancelling_ends_every_cycle() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        buyer(),
        Command::Lifecycle(LifecycleCommand::Cancel {
            reason: label("Retrouvé chez le voisin"),
        }),
        "2026-12-07T12:00+01:00",
    );
    let clocks = case.clocks();
    for cycles in [&clocks.merchant, &clocks.resolution, &clocks.buyer_update] {
        assert!(cycles.iter().all(|c| !c.is_running()));
    }
    let reports = case.targets("2026-12-20T12:00+01:00");
    // Three business hours, first response never given: but the cycle ended in time.
    assert_eq!(
        target(&reports, Target::FirstResponse).status,
        TargetStatus::Hit
    );
}

// ---------------------------------------------------------------------------
// 6. Recomputation after a policy change
// ---------------------------------------------------------------------------

#[test]
fn a_policy_change_recomputes_due_dates_from_the_same_clocks() {
    let mut case = Case::incident("2026-12-04T17:30+01:00");
    let express = SlaDocument {
        hours: None,
        policies: vec![policy(
            "Réponse express",
            Conditions::default(),
            TargetsDocument {
                first_response: target_doc("4h", ClockKind::Business),
                ..TargetsDocument::default()
            },
        )],
    }
    .check(Owner::Merchant, "sla")
    .unwrap();
    let default = applicable(&case.now(), &SlaSettings::default(), None);
    let strict = applicable(&case.now(), &SlaSettings::default(), Some(&express));

    // While running (Monday 12:00): 8 h → Tuesday 09:30; 4 h → Monday 14:30 (Friday 0.5,
    // Monday 9–12 3.5, 14:00–14:30), warned a quarter before (1 h: Monday 11:30).
    let a = case.targets_with(&default, "2026-12-07T12:00+01:00");
    let b = case.targets_with(&strict, "2026-12-07T12:00+01:00");
    let (a, b) = (
        target(&a, Target::FirstResponse),
        target(&b, Target::FirstResponse),
    );
    assert_eq!(a.due_at, Some(at("2026-12-08T09:30+01:00")));
    assert_eq!(b.due_at, Some(at("2026-12-07T14:30+01:00")));
    assert_eq!(b.warn_at, Some(at("2026-12-07T11:30+01:00")));
    assert_eq!(
        (a.policy.as_str(), b.policy.as_str()),
        ("amiable", "Réponse express")
    );
    assert_eq!((a.within_seconds, b.within_seconds), (8 * 3600, 4 * 3600));

    // The merchant answers Monday 16:00: in time for 8 h, late for 4 h.
    case.ok(
        merchant(),
        post("Nous enquêtons."),
        "2026-12-07T16:00+01:00",
    );
    let a = case.targets_with(&default, "2026-12-07T16:01+01:00");
    let b = case.targets_with(&strict, "2026-12-07T16:01+01:00");
    let (a, b) = (
        target(&a, Target::FirstResponse),
        target(&b, Target::FirstResponse),
    );
    assert_eq!(a.status, TargetStatus::Hit);
    assert_eq!(b.status, TargetStatus::Missed);
    assert_eq!(
        b.misses,
        vec![Miss {
            started_at: at("2026-12-04T17:30+01:00"),
            due_at: at("2026-12-07T14:30+01:00"),
            met_at: Some(at("2026-12-07T16:00+01:00")),
        }]
    );
    // The time used is a fact of the clocks: Friday 0.5 + Monday 3 + 2 = 5.5 h either way.
    assert_eq!(a.last_took_seconds, b.last_took_seconds);
    assert_eq!(a.last_took_seconds, Some(5 * 3600 + 1800));
    let cycle = &case.clocks().merchant[0];
    assert_eq!(
        cycle_used(cycle, at("2026-12-07T16:01+01:00"), &office()),
        SignedDuration::from_mins(330)
    );
    // The other targets are untouched.
    let a = case.targets_with(&default, "2026-12-07T16:01+01:00");
    let b = case.targets_with(&strict, "2026-12-07T16:01+01:00");
    assert_eq!(
        target(&a, Target::Resolution),
        target(&b, Target::Resolution)
    );
}

// ---------------------------------------------------------------------------
// 7. Policies: precedence and refusals
// ---------------------------------------------------------------------------

fn all_targets(within: &str) -> TargetsDocument {
    TargetsDocument {
        first_response: target_doc(within, ClockKind::Business),
        next_response: target_doc(within, ClockKind::Business),
        buyer_update: target_doc(within, ClockKind::Business),
        resolution: target_doc(within, ClockKind::Business),
        marketplace_response: target_doc(within, ClockKind::Business),
    }
}

#[test]
fn policy_precedence_named_then_merchant_then_general_then_defaults() {
    let case = Case::incident("2026-12-07T09:00+01:00");
    let state = case.now();
    let named = |merchant: MerchantId| Conditions {
        merchants: vec![merchant],
        ..Conditions::default()
    };
    let marketplace = SlaDocument {
        hours: None,
        policies: vec![
            // The general policy comes first in the list, but a named one wins over it.
            policy(
                "Général",
                Conditions::default(),
                TargetsDocument {
                    first_response: target_doc("6h", ClockKind::Business),
                    next_response: target_doc("10h", ClockKind::Business),
                    buyer_update: target_doc("5d", ClockKind::Calendar),
                    marketplace_response: target_doc("4h", ClockKind::Business),
                    ..TargetsDocument::default()
                },
            ),
            // Another shop's: never applies here.
            policy(
                "Autre boutique",
                named(MerchantId::from_bytes([4; 16])),
                all_targets("1h"),
            ),
            policy(
                "Boutique suivie",
                named(merchant_id()),
                TargetsDocument {
                    first_response: target_doc("2h", ClockKind::Business),
                    ..TargetsDocument::default()
                },
            ),
            // Only for returns: not this incident.
            policy(
                "Retours",
                Conditions {
                    kinds: vec![CaseKind::Return],
                    ..Conditions::default()
                },
                all_targets("3h"),
            ),
        ],
    }
    .check(Owner::Marketplace, "sla")
    .unwrap();
    let own = SlaDocument {
        hours: None,
        policies: vec![policy(
            "Maison",
            Conditions::default(),
            TargetsDocument {
                first_response: target_doc("4h", ClockKind::Business),
                next_response: target_doc("12h", ClockKind::Business),
                ..TargetsDocument::default()
            },
        )],
    }
    .check(Owner::Merchant, "sla")
    .unwrap();
    // A merchant's settings holding the marketplace's target (they could only come from
    // elsewhere: the check refuses them) are still never used for it.
    let sneaky = SlaDocument {
        hours: None,
        policies: vec![policy("Rusé", Conditions::default(), all_targets("1h"))],
    }
    .check(Owner::Marketplace, "sla")
    .unwrap();

    let rule = |applied: &Applied, target: Target| {
        let (_, rule) = applied.rules.iter().find(|(t, _)| *t == target).unwrap();
        (rule.policy.clone(), rule.within)
    };
    let applied = applicable(&state, &marketplace, Some(&own));
    assert_eq!(
        applied.rules.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        Target::ALL.to_vec()
    );
    assert_eq!(
        rule(&applied, Target::FirstResponse),
        ("Boutique suivie".into(), hours(2))
    );
    assert_eq!(
        rule(&applied, Target::NextResponse),
        ("Maison".into(), hours(12))
    );
    assert_eq!(
        rule(&applied, Target::BuyerUpdate),
        ("Général".into(), hours(5 * 24))
    );
    assert_eq!(
        rule(&applied, Target::Resolution),
        ("amiable".into(), hours(30 * 24))
    );
    assert_eq!(
        rule(&applied, Target::MarketplaceResponse),
        ("Général".into(), hours(4))
    );

    // Without the merchant's own, the general policy fills in.
    let applied = applicable(&state, &marketplace, None);
    assert_eq!(
        rule(&applied, Target::NextResponse),
        ("Général".into(), hours(10))
    );
    // Without any policy, the defaults.
    let applied = applicable(&state, &SlaSettings::default(), None);
    for (target, rule) in &applied.rules {
        assert_eq!(rule.policy, "amiable", "{}", target.code());
    }
    // The merchant's settings never give the marketplace's target: defaults instead.
    let applied = applicable(&state, &SlaSettings::default(), Some(&sneaky));
    assert_eq!(
        rule(&applied, Target::MarketplaceResponse),
        ("amiable".into(), hours(16))
    );
    assert_eq!(
        rule(&applied, Target::FirstResponse),
        ("Rusé".into(), hours(1))
    );
}

/// The (field, code) pairs of a refused document.
fn refusals(doc: &SlaDocument, owner: Owner) -> Vec<(String, &'static str)> {
    doc.check(owner, "sla")
        .expect_err("refused")
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

fn one_target(targets: TargetsDocument) -> SlaDocument {
    SlaDocument {
        hours: None,
        policies: vec![policy("P", Conditions::default(), targets)],
    }
}

#[test]
fn a_merchant_may_not_set_the_marketplaces_target() {
    let doc = one_target(TargetsDocument {
        first_response: target_doc("4h", ClockKind::Business),
        marketplace_response: target_doc("4h", ClockKind::Business),
        ..TargetsDocument::default()
    });
    assert_eq!(
        refusals(&doc, Owner::Merchant),
        vec![(
            "sla.policies[0].targets.marketplace_response".into(),
            "sla.target_not_allowed"
        )]
    );
    assert!(doc.check(Owner::Marketplace, "sla").is_ok());
}

#[test]
fn bad_targets_are_refused_naming_the_field() {
    let field = "sla.policies[0].targets.first_response.within";
    for (within, clock, code) in [
        ("0m", ClockKind::Business, "sla.target_out_of_range"),
        ("0h", ClockKind::Calendar, "sla.target_out_of_range"),
        ("400d", ClockKind::Calendar, "sla.target_out_of_range"),
        ("2d", ClockKind::Business, "sla.days_need_calendar_clock"),
        ("1d12h", ClockKind::Business, "sla.days_need_calendar_clock"),
        ("4 hours", ClockKind::Business, "sla.duration_invalid"),
        ("", ClockKind::Business, "sla.duration_invalid"),
        ("4", ClockKind::Business, "sla.duration_invalid"),
        ("h", ClockKind::Business, "sla.duration_invalid"),
        ("-4h", ClockKind::Business, "sla.duration_invalid"),
    ] {
        let doc = one_target(TargetsDocument {
            first_response: target_doc(within, clock),
            ..TargetsDocument::default()
        });
        assert_eq!(
            refusals(&doc, Owner::Merchant),
            vec![(field.to_owned(), code)],
            "{within:?} on the {clock:?} clock"
        );
    }
    // What is fine: days on the calendar clock, up to a year.
    for (within, clock) in [
        ("7d", ClockKind::Calendar),
        ("366d", ClockKind::Calendar),
        ("90m", ClockKind::Business),
        ("1h30m", ClockKind::Business),
    ] {
        let doc = one_target(TargetsDocument {
            first_response: target_doc(within, clock),
            ..TargetsDocument::default()
        });
        assert!(doc.check(Owner::Merchant, "sla").is_ok(), "{within}");
    }
    // A warning that is no duration.
    let doc = one_target(TargetsDocument {
        next_response: Some(TargetDocument {
            within: "8h".into(),
            clock: ClockKind::Business,
            warn_before: Some("soon".into()),
        }),
        ..TargetsDocument::default()
    });
    assert_eq!(
        refusals(&doc, Owner::Merchant),
        vec![(
            "sla.policies[0].targets.next_response.warn_before".into(),
            "sla.duration_invalid"
        )]
    );
}

#[test]
fn bad_hours_are_refused_naming_the_field() {
    let with_hours = |hours: HoursDocument| SlaDocument {
        hours: Some(hours),
        policies: Vec::new(),
    };
    let mut doc = HoursDocument::french_office();
    doc.week.monday = vec!["09:00-12:00".into(), "11:00-14:00".into()];
    doc.week.tuesday = vec!["18:00-09:00".into()];
    doc.time_zone = "Europe/Lutece".into();
    let mut found = refusals(&with_hours(doc), Owner::Merchant);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("sla.hours.time_zone".into(), "calendar.time_zone_unknown"),
            ("sla.hours.week.monday".into(), "calendar.hours_overlap"),
            (
                "sla.hours.week.tuesday[0]".into(),
                "calendar.hours_inverted"
            ),
        ]
    );
    let never = HoursDocument {
        week: WeekDocument::default(),
        ..HoursDocument::french_office()
    };
    assert_eq!(
        refusals(&with_hours(never), Owner::Marketplace),
        vec![("sla.hours.week".into(), "calendar.never_open")]
    );
    let blank_zone = HoursDocument {
        time_zone: "  ".into(),
        ..HoursDocument::french_office()
    };
    assert_eq!(
        refusals(&with_hours(blank_zone), Owner::Marketplace),
        vec![("sla.hours.time_zone".into(), "calendar.time_zone_unknown")]
    );
    // A good document gives those hours.
    let settings = with_hours(HoursDocument::french_office())
        .check(Owner::Merchant, "sla")
        .unwrap();
    assert_eq!(settings.hours, office());
}

// ---------------------------------------------------------------------------
// 8. The helpdesk family
// ---------------------------------------------------------------------------

#[test]
fn assignment_is_the_staffs_and_never_twice_the_same() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    let before = case.clocks();
    case.ok(merchant(), assign("lea"), "2026-12-07T09:10+01:00");
    assert_eq!(
        case.now().assignee.and_then(|a| a.user_id).as_deref(),
        Some("lea")
    );
    // An assignment is nobody's answer and no news for the buyer.
    assert_eq!(case.clocks(), before);
    let refused = case.refused(
        buyer(),
        assign("moi"),
        "2026-12-07T09:20+01:00",
        "case.party_not_allowed",
    );
    assert!(matches!(
        refused,
        Rejection::PartyNotAllowed {
            party: Party::Buyer,
            ..
        }
    ));
    case.refused(
        merchant(),
        assign("lea"),
        "2026-12-07T09:20+01:00",
        "helpdesk.already_assigned",
    );
    // To someone else, or back to nobody, is fine (by the marketplace too).
    case.ok(mediator(), assign("sam"), "2026-12-07T09:30+01:00");
    case.ok(
        merchant(),
        Command::Helpdesk(HelpdeskCommand::Assign { assignee: None }),
        "2026-12-07T09:40+01:00",
    );
    case.refused(
        merchant(),
        Command::Helpdesk(HelpdeskCommand::Assign { assignee: None }),
        "2026-12-07T09:50+01:00",
        "helpdesk.already_assigned",
    );
    case.refused(
        merchant(),
        Command::Helpdesk(HelpdeskCommand::Assign {
            assignee: Some(Assignee {
                user_id: None,
                name: Some("Personne".into()),
                team_id: None,
            }),
        }),
        "2026-12-07T09:50+01:00",
        "helpdesk.assignee_empty",
    );
}

#[test]
fn only_amiable_raises_service_level_alerts() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    for actor in [buyer(), merchant(), mediator()] {
        let party = actor.party();
        let refused = case.refused(
            actor,
            alert(),
            "2026-12-07T15:30+01:00",
            "case.party_not_allowed",
        );
        assert!(
            matches!(refused, Rejection::PartyNotAllowed { party: p, .. } if p == party),
            "{refused:?}"
        );
    }
    let before = case.clocks();
    case.ok(system(), alert(), "2026-12-07T15:30+01:00");
    // Staff business: the buyer's clock does not move.
    assert_eq!(case.clocks(), before);
    // A status update is amiable's or the staff's, never the buyer's.
    case.refused(
        buyer(),
        status_update("Tout va bien"),
        "2026-12-07T15:40+01:00",
        "case.party_not_allowed",
    );
}

#[test]
fn a_merchants_status_update_answers_the_buyer() {
    let mut case = Case::incident("2026-12-07T09:00+01:00");
    case.ok(
        merchant(),
        status_update("Nous avons ouvert une enquête."),
        "2026-12-07T11:00+01:00",
    );
    let clocks = case.clocks();
    assert_eq!(
        clocks.merchant[0].ended_at,
        Some(at("2026-12-07T11:00+01:00"))
    );
    assert_eq!(clocks.buyer_update.len(), 2);
    // The ball stays the merchant's, so the buyer's next message is due an answer.
    assert_eq!(case.now().waiting_on, Some(Party::Merchant));
    case.ok(
        buyer(),
        post("Merci, et ensuite ?"),
        "2026-12-07T14:00+01:00",
    );
    let clocks = case.clocks();
    assert_eq!(clocks.merchant.len(), 2, "{:#?}", clocks.merchant);
    assert!(clocks.merchant[1].is_running());
    let reports = case.targets("2026-12-07T14:01+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::Active);
    // Sixteen business hours from Monday 14:00: Wednesday 16:00.
    assert_eq!(next.due_at, Some(at("2026-12-09T16:00+01:00")));
    // Left unanswered, it is late (before the fix, no cycle ran and nothing was ever late).
    let reports = case.targets("2026-12-10T09:00+01:00");
    let next = target(&reports, Target::NextResponse);
    assert_eq!(next.status, TargetStatus::ActiveWithMisses);
    assert_eq!(next.misses[0].due_at, at("2026-12-09T16:00+01:00"));
}

// ---------------------------------------------------------------------------
// 9. Well-formed clocks, whatever happens
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Step {
    BuyerMessage,
    MerchantMessage,
    MerchantNote,
    OperatorMessage,
    OperatorPrivate(Party),
    Escalate(Party, Stage),
    MerchantRefuses,
    BuyerWithdraws,
    Reopen(Party),
    Close,
    Cancel,
    Reship(Party),
    Scan(ReshipmentStatus),
    StatusUpdate(Party),
    Assign,
    Alert,
}

fn step() -> impl Strategy<Value = Step> {
    let either = |a: Party, b: Party| prop_oneof![Just(a), Just(b)];
    prop_oneof![
        4 => Just(Step::BuyerMessage),
        4 => Just(Step::MerchantMessage),
        1 => Just(Step::MerchantNote),
        2 => Just(Step::OperatorMessage),
        1 => either(Party::Buyer, Party::Merchant).prop_map(Step::OperatorPrivate),
        2 => (
            prop_oneof![Just(Party::Buyer), Just(Party::Merchant), Just(Party::Operator)],
            prop_oneof![Just(Stage::Mediation), Just(Stage::Arbitration)]
        )
            .prop_map(|(p, s)| Step::Escalate(p, s)),
        1 => Just(Step::MerchantRefuses),
        1 => Just(Step::BuyerWithdraws),
        1 => prop_oneof![Just(Party::Buyer), Just(Party::Merchant), Just(Party::Operator)]
            .prop_map(Step::Reopen),
        1 => Just(Step::Close),
        1 => Just(Step::Cancel),
        1 => either(Party::Merchant, Party::Operator).prop_map(Step::Reship),
        1 => prop_oneof![
            Just(ReshipmentStatus::Delivered),
            Just(ReshipmentStatus::Lost)
        ]
        .prop_map(Step::Scan),
        1 => either(Party::System, Party::Merchant).prop_map(Step::StatusUpdate),
        1 => Just(Step::Assign),
        1 => Just(Step::Alert),
    ]
}

fn actor_of(party: Party) -> Actor {
    match party {
        Party::Buyer => buyer(),
        Party::Merchant => merchant(),
        Party::Operator => mediator(),
        Party::System => system(),
        Party::Provider => Actor::Provider { id: "psp".into() },
    }
}

fn command_of(step: Step, n: usize) -> (Actor, Command) {
    match step {
        Step::BuyerMessage => (buyer(), post("Des nouvelles ?")),
        Step::MerchantMessage => (merchant(), post("Nous regardons.")),
        Step::MerchantNote => (merchant(), note("À suivre")),
        Step::OperatorMessage => (mediator(), post("Le médiateur regarde.")),
        Step::OperatorPrivate(channel) => (mediator(), private_to(channel, "Précisez svp.")),
        Step::Escalate(party, stage) => (actor_of(party), escalate(stage)),
        Step::MerchantRefuses => (merchant(), resolve(ResolutionKind::Refusal)),
        Step::BuyerWithdraws => (buyer(), resolve(ResolutionKind::Withdrawn)),
        Step::Reopen(party) => (actor_of(party), reopen()),
        Step::Close => (merchant(), Command::Lifecycle(LifecycleCommand::Close)),
        Step::Cancel => (
            buyer(),
            Command::Lifecycle(LifecycleCommand::Cancel {
                reason: label("Plus besoin"),
            }),
        ),
        Step::Reship(party) => (actor_of(party), reship()),
        Step::Scan(status) => (system(), scan(status)),
        Step::StatusUpdate(party) => (actor_of(party), status_update("Où en est-on")),
        Step::Assign => (merchant(), assign(&format!("agent-{}", n % 3))),
        Step::Alert => (system(), alert()),
    }
}

fn check_cycles(name: &str, cycles: &[Cycle], open: bool) -> Result<(), TestCaseError> {
    for (i, cycle) in cycles.iter().enumerate() {
        let last = i + 1 == cycles.len();
        prop_assert!(
            last || !cycle.is_running(),
            "{name}: only the last cycle may run ({cycles:#?})"
        );
        if !open {
            prop_assert!(
                !cycle.is_running(),
                "{name}: a cycle runs on a case that is not open"
            );
        }
        if let Some(end) = cycle.ended_at {
            prop_assert!(
                end >= cycle.started_at,
                "{name}: a cycle ends before it starts"
            );
        }
        if let Some(next) = cycles.get(i + 1) {
            let end = cycle.ended_at.unwrap_or(Timestamp::MAX);
            prop_assert!(
                end <= next.started_at,
                "{name}: cycles overlap or are out of order ({cycles:#?})"
            );
        }
        let mut floor = cycle.started_at;
        for (j, pause) in cycle.pauses.iter().enumerate() {
            prop_assert!(
                pause.from >= floor,
                "{name}: pauses overlap or precede the cycle"
            );
            match pause.until {
                Some(until) => {
                    prop_assert!(until >= pause.from, "{name}: a pause ends before it starts");
                    floor = until;
                }
                None => {
                    prop_assert!(
                        j + 1 == cycle.pauses.len() && cycle.is_running(),
                        "{name}: only the last pause of a running cycle may be open"
                    );
                    floor = Timestamp::MAX;
                }
            }
            if let Some(end) = cycle.ended_at {
                prop_assert!(
                    pause.until.is_some_and(|u| u <= end),
                    "{name}: a pause outlives its cycle"
                );
            }
        }
    }
    Ok(())
}

fn check_clocks(state: &CaseState) -> Result<(), TestCaseError> {
    let open = state.status == CaseStatus::Open;
    let clocks = &state.clocks;
    check_cycles("merchant", &clocks.merchant, open)?;
    check_cycles("marketplace", &clocks.marketplace, open)?;
    check_cycles("buyer_update", &clocks.buyer_update, open)?;
    check_cycles("resolution", &clocks.resolution, open)?;
    prop_assert!(clocks.marketplace.iter().all(|c| c.pauses.is_empty()));
    // An open case always has a resolution and a news clock running.
    prop_assert_eq!(clocks.resolution.last().map(Cycle::is_running), Some(open));
    prop_assert_eq!(
        clocks.buyer_update.last().map(Cycle::is_running),
        Some(open)
    );
    // The ball in the merchant's court means a merchant cycle runs (unless it answered
    // without handing the ball over) and never a paused one.
    if let Some(cycle) = clocks.merchant.last().filter(|c| c.is_running()) {
        let expected = match state.waiting_on {
            Some(Party::Merchant) => None,
            Some(Party::Operator) => Some(PauseReason::Marketplace),
            Some(Party::Buyer) => {
                prop_assert!(false, "a merchant cycle runs while the buyer has the ball");
                None
            }
            _ => Some(PauseReason::Carrier),
        };
        prop_assert_eq!(cycle.paused(), expected);
    }
    // The marketplace's clock runs only while the ball is the marketplace's (not always
    // then: once the marketplace acted, e.g. took a mediation up to arbitration, its
    // cycle is over though the ball stays with it).
    if clocks.marketplace.last().is_some_and(Cycle::is_running) {
        prop_assert!(open && state.waiting_on == Some(Party::Operator));
    }
    // Pauses come sorted.
    let pauses = clocks.pauses();
    prop_assert!(pauses.windows(2).all(|w| w[0].1.from <= w[1].1.from));
    Ok(())
}

fn check_reports(reports: &[TargetReport]) -> Result<(), TestCaseError> {
    for r in reports {
        let running = r.running_cycle > 0;
        prop_assert_eq!(
            running,
            matches!(
                r.status,
                TargetStatus::Active | TargetStatus::ActiveWithMisses
            ),
            "{:?}",
            r
        );
        prop_assert_eq!(
            r.misses.is_empty(),
            matches!(r.status, TargetStatus::Active | TargetStatus::Hit),
            "{:?}",
            r
        );
        prop_assert!(r.running_cycle <= r.cycles);
        prop_assert!(r.cycles >= 1);
        if r.paused.is_some() || !running {
            prop_assert_eq!((r.due_at, r.warn_at), (None, None));
        }
        if let (Some(warn), Some(due)) = (r.warn_at, r.due_at) {
            prop_assert!(warn <= due);
        }
        if let Some(due) = r.due_at {
            prop_assert!(due >= r.since);
        }
        prop_assert!(r.last_took_seconds.is_none_or(|s| s >= 0));
        // Only a running cycle's miss is still unmet, and it is the last one.
        for (i, miss) in r.misses.iter().enumerate() {
            prop_assert!(miss.due_at >= miss.started_at);
            if miss.met_at.is_none() {
                prop_assert!(running && i + 1 == r.misses.len());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Deterministic: the same sequences on every run.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5e7a_c10c),
        // No regressions file next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn clocks_stay_well_formed(
        steps in prop::collection::vec((step(), 1i64..(4 * 24 * 60)), 1..30),
    ) {
        let mut case = Case::incident("2026-12-04T17:30+01:00");
        let mut now = at("2026-12-04T17:30+01:00");
        let hours = office();
        let always = BusinessHours::always();
        let calendar_policy = SlaDocument {
            hours: None,
            policies: vec![policy(
                "Calendrier",
                Conditions::default(),
                TargetsDocument {
                    first_response: target_doc("1d", ClockKind::Calendar),
                    next_response: target_doc("90m", ClockKind::Business),
                    resolution: target_doc("10d", ClockKind::Calendar),
                    marketplace_response: target_doc("2h", ClockKind::Business),
                    ..TargetsDocument::default()
                },
            )],
        }
        .check(Owner::Marketplace, "sla")
        .unwrap();
        let teams = Teams { merchant: &hours, marketplace: &hours };
        for (n, (step, minutes)) in steps.into_iter().enumerate() {
            now = now.checked_add(SignedDuration::from_mins(minutes)).unwrap();
            let (actor, command) = command_of(step, n);
            case.try_apply(&actor, &command, now);
            let state = case.now();
            prop_assert_eq!(state.invariant_violation(), None);
            check_clocks(&state)?;
            let applied = applicable(&state, &SlaSettings::default(), None);
            check_reports(&evaluate(&state.clocks, &applied, teams, now))?;
        }
        // At the end: evaluated now and later, under two policies and two sets of hours.
        let state = case.now();
        for settings in [&SlaSettings::default(), &calendar_policy] {
            let applied = applicable(&state, settings, None);
            for (merchant, marketplace) in [(&hours, &hours), (&always, &hours)] {
                let teams = Teams { merchant, marketplace };
                for later in [0, 3 * 60, 9 * 24 * 60] {
                    let when = now.checked_add(SignedDuration::from_mins(later)).unwrap();
                    check_reports(&evaluate(&state.clocks, &applied, teams, when))?;
                }
            }
        }
    }
}
