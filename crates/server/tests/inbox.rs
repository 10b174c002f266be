//! The inbox (`GET /api/v1/cases`) and the order list through real HTTP, on
//! SQLite and PostgreSQL: every filter, both sorts, cursor pagination, query
//! validation; and the all-or-nothing bulk order import.

mod common;

use amiable_domain::case::{Actor, CaseKind, Command, Resolution, ResolutionKind, Stage};
use amiable_domain::case::{EscalationCommand, LifecycleCommand};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::{Body, Label};
use amiable_store::CommandRequest;
use common::{Reply, Who, World, worlds};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const KINDS: [&str; 4] = ["return", "incident", "dispute", "payment_dispute"];
const REASONS: [&str; 6] = [
    "defective",
    "defective.battery",
    "not_received",
    "changed_mind",
    "damaged_in_transit",
    "defective.screen",
];

/// One case of the fixture, as it was meant to be.
#[derive(Debug, Clone)]
struct Spec {
    id: String,
    merchant: MerchantId,
    order: usize,
    kind: &'static str,
    reason: &'static str,
    status: &'static str,
    stage: &'static str,
}

struct Fixture {
    orders: Vec<String>,
    cases: Vec<Spec>,
    foreign_case: String,
}

/// The order numbers and buyers of the fixture's ten orders.
fn number(i: usize) -> String {
    format!("INB-{i:02}")
}

fn email(i: usize) -> String {
    match i {
        3 => "jeanne.dupont@exemple.fr".into(),
        7 => "Paul.Durand@Exemple.FR".into(),
        _ => format!("acheteur{i}@exemple.fr"),
    }
}

async fn order(
    world: &World,
    merchant: MerchantId,
    number: &str,
    email: &str,
    placed_at: &str,
) -> String {
    let mut body = World::order_body(Some(merchant), number);
    body["order"]["buyer"]["email"] = json!(email);
    body["order"]["placed_at"] = json!(placed_at);
    let who = if merchant == world.foreign_merchant_id {
        Who::OtherOperatorAdmin
    } else {
        Who::OperatorKey
    };
    let reply = world.post("/api/v1/orders", &who, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["order"]["id"].as_str().unwrap().to_owned()
}

async fn run(
    world: &World,
    case_id: CaseId,
    actor: &Actor,
    command: Command,
    order: Option<&str>,
    at: Timestamp,
) {
    world
        .store
        .execute(CommandRequest {
            case_id,
            expected_version: None,
            command,
            actor: actor.clone(),
            order_id: order.map(|o| OrderId::parse(o).unwrap()),
            at: Some(at),
        })
        .await
        .unwrap_or_else(|e| panic!("fixture command failed: {e:?}"));
}

fn label(text: &str) -> Label {
    Label::parse(text).unwrap()
}

/// How long ago case `i` last moved; some share an instant so that ties
/// straddle page boundaries.
fn minutes_ago(i: usize) -> i64 {
    let slot = match i {
        7 => 6,
        13 | 14 => 12,
        25 => 20,
        other => other,
    };
    60 + slot as i64 * 17
}

/// Ten orders over two merchants, thirty cases of every kind, status, stage
/// and reason (with sub-reasons), and a case of another operator.
async fn fixture(world: &World) -> Fixture {
    // The operator's own reasons under `defective`.
    let settings = json!({"reasons": [
        {"code": "defective.battery", "label_fr": "Batterie", "label_en": "Battery"},
        {"code": "defective.screen", "label_fr": "Écran", "label_en": "Screen"},
    ]});
    world
        .store
        .raw_execute(format!(
            "UPDATE operators SET settings = '{settings}' WHERE id = '{}'",
            world.operator_id
        ))
        .await
        .unwrap();
    let mut orders = Vec::new();
    for i in 0..10 {
        let merchant = if i < 6 {
            world.merchant_id
        } else {
            world.other_merchant_id
        };
        // Orders 4 and 5 are placed at the same instant.
        let hour = if i == 5 { 4 } else { i };
        let placed_at = format!("2026-11-01T{hour:02}:30:00Z");
        orders.push(order(world, merchant, &number(i), &email(i), &placed_at).await);
    }
    let base = Timestamp::now().round(jiff::Unit::Second).unwrap();
    let mut cases = Vec::new();
    for i in 0..30 {
        let at = base - SignedDuration::from_mins(minutes_ago(i));
        let kind = KINDS[i % 4];
        let reason = REASONS[i % 6];
        let order_index = i % 10;
        let case_id = CaseId::from_bytes(common::bytes());
        let operator = Actor::OperatorUser {
            id: "fixture".into(),
        };
        // Buyers open some cases (the merchant then has to answer), the operator others.
        let opener = if kind != "payment_dispute" && i % 3 == 0 {
            Actor::Buyer
        } else {
            operator.clone()
        };
        let mut stage = if kind == "payment_dispute" && i % 8 == 7 {
            "external"
        } else {
            "negotiation"
        };
        let items = serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap();
        let open = Command::Lifecycle(LifecycleCommand::Open {
            preferred: None,
            kind: CaseKind::parse(kind).unwrap(),
            reason: ReasonCode::parse(reason).unwrap(),
            items,
            claimed: None,
            description: Body::parse("Un problème avec la commande.").unwrap(),
            stage: Stage::parse(stage),
        });
        run(
            world,
            case_id,
            &opener,
            open,
            Some(&orders[order_index]),
            at,
        )
        .await;
        let resolve = || {
            Command::Lifecycle(LifecycleCommand::Resolve {
                resolution: Resolution::simple(ResolutionKind::Replacement),
            })
        };
        let status = match i % 5 {
            1 => {
                run(world, case_id, &operator, resolve(), None, at).await;
                "resolved"
            }
            2 => {
                run(world, case_id, &operator, resolve(), None, at).await;
                run(
                    world,
                    case_id,
                    &operator,
                    Command::Lifecycle(LifecycleCommand::Close),
                    None,
                    at,
                )
                .await;
                "closed"
            }
            3 => {
                let cancel = Command::Lifecycle(LifecycleCommand::Cancel {
                    reason: label("doublon"),
                });
                run(world, case_id, &operator, cancel, None, at).await;
                "cancelled"
            }
            4 if stage == "negotiation" => {
                let to = if i % 10 == 9 {
                    Stage::Arbitration
                } else {
                    Stage::Mediation
                };
                let escalate = Command::Escalation(EscalationCommand::Escalate {
                    to: Some(to),
                    reason: label("sans réponse"),
                });
                run(world, case_id, &operator, escalate, None, at).await;
                stage = to.code();
                "open"
            }
            _ => "open",
        };
        cases.push(Spec {
            id: case_id.to_string(),
            merchant: if order_index < 6 {
                world.merchant_id
            } else {
                world.other_merchant_id
            },
            order: order_index,
            kind,
            reason,
            status,
            stage,
        });
    }
    // Another marketplace's case, on an order with the same number and buyer as order 5.
    let foreign = order(
        world,
        world.foreign_merchant_id,
        &number(5),
        &email(5),
        "2026-11-01T05:30:00Z",
    )
    .await;
    let foreign_case = world.case_direct(&foreign).await;
    Fixture {
        orders,
        cases,
        foreign_case,
    }
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", reply.body))
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_owned())
        .collect()
}

fn set(ids: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    ids.into_iter().collect()
}

fn expected(fixture: &Fixture, keep: impl Fn(&Spec) -> bool) -> BTreeSet<String> {
    fixture
        .cases
        .iter()
        .filter(|c| keep(c))
        .map(|c| c.id.clone())
        .collect()
}

fn field_names(reply: &Reply) -> Vec<String> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn instant(value: &Value) -> Option<Timestamp> {
    value.as_str().map(|t| t.parse().unwrap())
}

/// Every page of `query` with `limit`, checking each page on the way.
async fn walk(world: &World, who: &Who, query: &str, limit: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/api/v1/cases?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let reply = world.get(&path, who).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let page = ids(&reply);
        assert!(page.len() <= limit);
        all.extend(page.iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(page.len(), limit, "a page before the last is full");
                cursor = Some(next.to_owned());
            }
            None => return all,
        }
    }
    panic!("pagination of {query} never ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inbox_filter_selects_exactly_its_cases() {
    for world in worlds().await {
        let fx = fixture(&world).await;
        let admin = Who::OperatorAdmin;
        let list = |query: String| {
            let world = &world;
            async move {
                let reply = world
                    .get(
                        &format!("/api/v1/cases?limit=200&{query}"),
                        &Who::OperatorAdmin,
                    )
                    .await;
                assert_eq!(reply.status, 200, "{query}: {}", reply.body);
                reply
            }
        };
        // Unfiltered: the thirty cases of this operator, as they were made.
        let all = list(String::new()).await;
        assert_eq!(set(ids(&all)), expected(&fx, |_| true), "{}", world.name);
        assert!(!ids(&all).contains(&fx.foreign_case));
        for item in all.body["items"].as_array().unwrap() {
            let spec = fx
                .cases
                .iter()
                .find(|c| item["case_id"] == json!(c.id))
                .unwrap();
            assert_eq!(item["kind"], spec.kind, "{item}");
            assert_eq!(item["reason"], spec.reason, "{item}");
            assert_eq!(item["status"], spec.status, "{item}");
            assert_eq!(item["stage"], spec.stage, "{item}");
            assert_eq!(item["merchant_id"], json!(spec.merchant), "{item}");
            assert_eq!(
                item["order_external_id"],
                json!(number(spec.order)),
                "{item}"
            );
        }

        for merchant in [world.merchant_id, world.other_merchant_id] {
            let reply = list(format!("merchant_id={merchant}")).await;
            assert_eq!(set(ids(&reply)), expected(&fx, |c| c.merchant == merchant));
        }
        for (i, order) in fx.orders.iter().enumerate() {
            let reply = list(format!("order_id={order}")).await;
            assert_eq!(
                set(ids(&reply)),
                expected(&fx, |c| c.order == i),
                "order {i}"
            );
        }
        for kind in KINDS {
            let reply = list(format!("kind={kind}")).await;
            assert_eq!(
                set(ids(&reply)),
                expected(&fx, |c| c.kind == kind),
                "{kind}"
            );
        }
        for status in ["open", "resolved", "closed", "cancelled"] {
            let reply = list(format!("status={status}")).await;
            let want = expected(&fx, |c| c.status == status);
            assert!(!want.is_empty());
            assert_eq!(set(ids(&reply)), want, "{status}");
        }
        for stage in ["negotiation", "mediation", "arbitration", "external"] {
            let reply = list(format!("stage={stage}")).await;
            let want = expected(&fx, |c| c.stage == stage);
            assert!(!want.is_empty(), "{stage}");
            assert_eq!(set(ids(&reply)), want, "{stage}");
        }
        // A reason matches itself and its sub-reasons, never a mere prefix.
        let reply = list("reason=defective".into()).await;
        assert_eq!(
            set(ids(&reply)),
            expected(&fx, |c| c.reason.starts_with("defective"))
        );
        assert_eq!(ids(&reply).len(), 15);
        for reason in REASONS {
            let reply = list(format!("reason={reason}")).await;
            let want = expected(&fx, |c| {
                c.reason == reason || c.reason.starts_with(&format!("{reason}."))
            });
            assert_eq!(set(ids(&reply)), want, "{reason}");
        }
        assert!(ids(&list("reason=damaged_in_transit.box".into()).await).is_empty());
        // Combined filters intersect.
        let reply = list(format!(
            "merchant_id={}&status=open&reason=defective",
            world.merchant_id
        ))
        .await;
        assert_eq!(
            set(ids(&reply)),
            expected(&fx, |c| c.merchant == world.merchant_id
                && c.status == "open"
                && c.reason.starts_with("defective"))
        );

        // Deadlines: only open cases someone must answer have one.
        let deadlines: Vec<(String, Option<Timestamp>)> = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["case_id"].as_str().unwrap().to_owned(),
                    instant(&c["next_deadline_at"]),
                )
            })
            .collect();
        for (id, deadline) in &deadlines {
            let spec = fx.cases.iter().find(|c| &c.id == id).unwrap();
            assert_eq!(deadline.is_some(), spec.status == "open", "{spec:?}");
            let view = world.get(&format!("/api/v1/cases/{id}"), &admin).await;
            assert_eq!(instant(&view.body["next_deadline_at"]), *deadline, "{id}");
        }
        let mut known: Vec<Timestamp> = deadlines.iter().filter_map(|(_, d)| *d).collect();
        known.sort();
        known.dedup();
        assert!(known.len() >= 4, "{known:?}");
        for before in [
            known[0],
            known[known.len() / 2],
            *known.last().unwrap() + SignedDuration::from_secs(1),
        ] {
            let reply = list(format!("deadline_before={before}")).await;
            let want = set(deadlines
                .iter()
                .filter(|(_, d)| d.is_some_and(|d| d < before))
                .map(|(id, _)| id.clone()));
            assert_eq!(set(ids(&reply)), want, "deadline_before={before}");
        }

        // q: an order number, or the beginning of one; a buyer email in any letter case.
        let reply = list(format!("q={}", number(5))).await;
        assert_eq!(set(ids(&reply)), expected(&fx, |c| c.order == 5));
        assert!(!ids(&reply).is_empty());
        let reply = list("q=INB-0".into()).await;
        assert_eq!(set(ids(&reply)), expected(&fx, |c| c.order < 10));
        let reply = list("q=INB-X".into()).await;
        assert!(ids(&reply).is_empty(), "{}", reply.body);
        for q in [
            "jeanne.dupont@exemple.fr",
            "JEANNE.DUPONT%40EXEMPLE.FR",
            "Jeanne.Dupont@exemple.fr",
        ] {
            let reply = list(format!("q={q}")).await;
            assert_eq!(set(ids(&reply)), expected(&fx, |c| c.order == 3), "q={q}");
        }
        let reply = list("q=%20acheteur1@exemple.fr%20".into()).await;
        assert_eq!(set(ids(&reply)), expected(&fx, |c| c.order == 1));

        // A merchant's inbox: its own cases, and a neighbour's merchant does not exist.
        let reply = world
            .get("/api/v1/cases?limit=200", &Who::MerchantAgent)
            .await;
        assert_eq!(
            set(ids(&reply)),
            expected(&fx, |c| c.merchant == world.merchant_id)
        );
        let reply = world
            .get(
                &format!("/api/v1/cases?merchant_id={}", world.other_merchant_id),
                &Who::MerchantAgent,
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let reply = world
            .get(
                &format!("/api/v1/cases?merchant_id={}", world.foreign_merchant_id),
                &admin,
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let reply = world
            .get(
                &format!("/api/v1/cases?q={}", number(5)),
                &Who::OtherOperatorAdmin,
            )
            .await;
        assert_eq!(ids(&reply), vec![fx.foreign_case.clone()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_finds_a_buyer_email_whatever_its_letter_case() {
    // Order 7's buyer was imported as Paul.Durand@Exemple.FR (stored Paul.Durand@exemple.fr).
    let variants = [
        "Paul.Durand@exemple.fr",
        "Paul.Durand@Exemple.FR",
        "paul.durand@exemple.fr",
        "PAUL.DURAND@EXEMPLE.FR",
    ];
    let mut misses = Vec::new();
    for world in worlds().await {
        let fx = fixture(&world).await;
        let want = expected(&fx, |c| c.order == 7);
        for q in variants {
            let reply = world
                .get(
                    &format!("/api/v1/cases?limit=200&q={q}"),
                    &Who::OperatorAdmin,
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            if set(ids(&reply)) != want {
                misses.push(format!(
                    "{}: GET /cases?q={q} found {} of {} cases",
                    world.name,
                    ids(&reply).len(),
                    want.len()
                ));
            }
        }
        for email in variants {
            let reply = world
                .get(
                    &format!("/api/v1/orders?buyer_email={email}"),
                    &Who::OperatorAdmin,
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            if order_ids(&reply) != vec![fx.orders[7].clone()] {
                misses.push(format!(
                    "{}: GET /orders?buyer_email={email} found {} orders",
                    world.name,
                    order_ids(&reply).len()
                ));
            }
        }
    }
    assert!(misses.is_empty(), "\n{}", misses.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sorts_order_the_inbox_and_pages_walk_it_exactly() {
    for world in worlds().await {
        let fx = fixture(&world).await;
        let admin = Who::OperatorAdmin;

        // Most recent activity first; ties by id, highest first (one index serves both).
        let all = world
            .get("/api/v1/cases?limit=200&sort=last_activity", &admin)
            .await;
        let default = world.get("/api/v1/cases?limit=200", &admin).await;
        assert_eq!(ids(&all), ids(&default));
        assert_eq!(all.body["next_cursor"], Value::Null);
        let items = all.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 30);
        for pair in items.windows(2) {
            let (a, b) = (
                instant(&pair[0]["last_activity_at"]).unwrap(),
                instant(&pair[1]["last_activity_at"]).unwrap(),
            );
            let (ia, ib) = (
                pair[0]["case_id"].as_str().unwrap(),
                pair[1]["case_id"].as_str().unwrap(),
            );
            assert!(
                a > b || (a == b && ia > ib),
                "{}: {} then {}",
                world.name,
                pair[0],
                pair[1]
            );
        }
        // The fixture's ties are real.
        let distinct: BTreeSet<_> = items
            .iter()
            .map(|c| c["last_activity_at"].to_string())
            .collect();
        assert_eq!(distinct.len(), 26);

        // Soonest deadline first, only cases that have one; ties by id.
        let by_deadline = world
            .get("/api/v1/cases?limit=200&sort=deadline", &admin)
            .await;
        let deadline_items = by_deadline.body["items"].as_array().unwrap();
        let with_deadline: BTreeSet<String> = items
            .iter()
            .filter(|c| !c["next_deadline_at"].is_null())
            .map(|c| c["case_id"].as_str().unwrap().to_owned())
            .collect();
        assert!(with_deadline.len() >= 8 && with_deadline.len() < 30);
        assert_eq!(set(ids(&by_deadline)), with_deadline);
        for pair in deadline_items.windows(2) {
            let (a, b) = (
                instant(&pair[0]["next_deadline_at"]).unwrap(),
                instant(&pair[1]["next_deadline_at"]).unwrap(),
            );
            let (ia, ib) = (
                pair[0]["case_id"].as_str().unwrap(),
                pair[1]["case_id"].as_str().unwrap(),
            );
            assert!(
                a < b || (a == b && ia < ib),
                "{}: {} then {}",
                world.name,
                pair[0],
                pair[1]
            );
        }

        // Pages of 7 (and other sizes) add up to the whole list, in order.
        for limit in [7, 1, 4, 29, 30, 31] {
            assert_eq!(
                walk(&world, &admin, "sort=last_activity", limit).await,
                ids(&all),
                "limit {limit}"
            );
            assert_eq!(
                walk(&world, &admin, "sort=deadline", limit).await,
                ids(&by_deadline),
                "limit {limit}"
            );
        }
        // With a filter, and as a merchant.
        let query = format!("merchant_id={}&status=open", world.merchant_id);
        let whole = world
            .get(&format!("/api/v1/cases?limit=200&{query}"), &admin)
            .await;
        assert_eq!(walk(&world, &admin, &query, 2).await, ids(&whole));
        let mine = world
            .get("/api/v1/cases?limit=200&sort=deadline", &Who::MerchantAgent)
            .await;
        assert_eq!(
            walk(&world, &Who::MerchantAgent, "sort=deadline", 3).await,
            ids(&mine)
        );
        assert_eq!(
            set(ids(&mine)),
            expected(&fx, |c| c.merchant == world.merchant_id)
                .intersection(&with_deadline)
                .cloned()
                .collect()
        );

        // A cursor belongs to its sort.
        let page = world
            .get("/api/v1/cases?limit=7&sort=last_activity", &admin)
            .await;
        let activity_cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        let page = world
            .get("/api/v1/cases?limit=7&sort=deadline", &admin)
            .await;
        let deadline_cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        for path in [
            format!("/api/v1/cases?sort=deadline&cursor={activity_cursor}"),
            format!("/api/v1/cases?cursor={deadline_cursor}"),
            format!("/api/v1/cases?sort=last_activity&cursor={deadline_cursor}"),
            // The sort given after the cursor counts just the same.
            format!("/api/v1/cases?cursor={activity_cursor}&sort=deadline"),
            "/api/v1/cases?cursor=garbage!".to_owned(),
            "/api/v1/cases?cursor=".to_owned(),
        ] {
            let reply = world.get(&path, &admin).await;
            assert_eq!(reply.status, 400, "{path}: {}", reply.body);
            assert_eq!(reply.body["code"], "query.invalid");
            assert_eq!(reply.body["errors"][0]["field"], "cursor", "{}", reply.body);
            assert_eq!(
                reply.body["errors"][0]["code"], "cursor.invalid",
                "{}",
                reply.body
            );
        }
        let reply = world
            .get(
                &format!("/api/v1/cases?cursor={deadline_cursor}&sort=deadline&limit=7"),
                &admin,
            )
            .await;
        assert_eq!(reply.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inbox_queries_name_every_faulty_parameter() {
    for world in worlds().await {
        let admin = Who::OperatorAdmin;
        let single = [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("status=bogus", "status"),
            ("kind=refund", "kind"),
            ("stage=court", "stage"),
            ("sort=newest", "sort"),
            ("reason=bogus", "reason"),
            ("reason=defective..x", "reason"),
            ("deadline_before=yesterday", "deadline_before"),
            ("deadline_before=2026-13-01T00:00:00Z", "deadline_before"),
            ("merchant_id=atelier", "merchant_id"),
            ("order_id=42", "order_id"),
            ("q=", "q"),
            ("q=%20%20", "q"),
            ("colour=blue", "colour"),
        ];
        for (query, field) in single {
            let reply = world.get(&format!("/api/v1/cases?{query}"), &admin).await;
            assert_eq!(reply.status, 400, "{query}: {}", reply.body);
            assert_eq!(reply.body["code"], "query.invalid", "{query}");
            assert_eq!(
                field_names(&reply),
                vec![field.to_owned()],
                "{query}: {}",
                reply.body
            );
        }
        let reply = world
            .get(
                "/api/v1/cases?limit=0&status=bogus&deadline_before=yesterday&colour=blue&kind=x&sort=y",
                &admin,
            )
            .await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        let mut fields = field_names(&reply);
        fields.sort();
        assert_eq!(
            fields,
            vec![
                "colour",
                "deadline_before",
                "kind",
                "limit",
                "sort",
                "status"
            ]
        );
        // Accepted forms.
        for query in [
            "limit=1",
            "limit=200",
            "deadline_before=2026-11-22T12:00:00Z",
            "deadline_before=2026-11-22T12:00:00%2B01:00",
            "sort=deadline&status=open",
        ] {
            let reply = world.get(&format!("/api/v1/cases?{query}"), &admin).await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        }
    }
}

fn order_ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", reply.body))
        .iter()
        .map(|o| o["order"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_list_filters_and_pages() {
    for world in worlds().await {
        let mut orders = Vec::new();
        for i in 0..10 {
            let merchant = if i < 6 {
                world.merchant_id
            } else {
                world.other_merchant_id
            };
            let hour = if i == 5 { 4 } else { i };
            let placed_at = format!("2026-11-01T{hour:02}:30:00Z");
            orders.push(order(&world, merchant, &number(i), &email(i), &placed_at).await);
        }
        // The same number at the neighbour, and at another operator.
        let twin = order(
            &world,
            world.other_merchant_id,
            &number(3),
            "autre@exemple.fr",
            "2026-10-30T08:00:00Z",
        )
        .await;
        let foreign = order(
            &world,
            world.foreign_merchant_id,
            &number(3),
            &email(3),
            "2026-10-30T08:00:00Z",
        )
        .await;
        let admin = Who::OperatorAdmin;

        let all = world.get("/api/v1/orders?limit=200", &admin).await;
        assert_eq!(all.status, 200, "{}", all.body);
        let all_ids = order_ids(&all);
        assert_eq!(all_ids.len(), 11, "{}", world.name);
        assert!(!all_ids.contains(&foreign));
        let items = all.body["items"].as_array().unwrap();
        for pair in items.windows(2) {
            let (a, b) = (
                instant(&pair[0]["order"]["placed_at"]).unwrap(),
                instant(&pair[1]["order"]["placed_at"]).unwrap(),
            );
            let (ia, ib) = (
                pair[0]["order"]["id"].as_str().unwrap(),
                pair[1]["order"]["id"].as_str().unwrap(),
            );
            assert!(
                a > b || (a == b && ia > ib),
                "newest first: {} then {}",
                pair[0],
                pair[1]
            );
        }

        let reply = world
            .get(&format!("/api/v1/orders?number={}", number(3)), &admin)
            .await;
        assert_eq!(
            set(order_ids(&reply)),
            set([orders[3].clone(), twin.clone()])
        );
        let reply = world
            .get(
                &format!(
                    "/api/v1/orders?number={}&merchant_id={}",
                    number(3),
                    world.merchant_id
                ),
                &admin,
            )
            .await;
        assert_eq!(order_ids(&reply), vec![orders[3].clone()]);
        let reply = world
            .get(
                &format!("/api/v1/orders?number={}", number(3)),
                &Who::MerchantKey,
            )
            .await;
        assert_eq!(order_ids(&reply), vec![orders[3].clone()]);
        let reply = world.get("/api/v1/orders?number=INB-99", &admin).await;
        assert!(order_ids(&reply).is_empty());
        for email in ["jeanne.dupont@exemple.fr", "JEANNE.DUPONT@EXEMPLE.FR"] {
            let reply = world
                .get(&format!("/api/v1/orders?buyer_email={email}"), &admin)
                .await;
            assert_eq!(order_ids(&reply), vec![orders[3].clone()], "{email}");
        }
        let reply = world
            .get(
                &format!("/api/v1/orders?merchant_id={}", world.other_merchant_id),
                &admin,
            )
            .await;
        assert_eq!(
            set(order_ids(&reply)),
            set(orders[6..].iter().cloned().chain([twin.clone()]))
        );

        // Pages.
        for limit in [3, 1, 11, 12] {
            let mut walked = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut path = format!("/api/v1/orders?limit={limit}");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={c}"));
                }
                let reply = world.get(&path, &admin).await;
                assert_eq!(reply.status, 200, "{path}: {}", reply.body);
                let page = order_ids(&reply);
                assert!(page.len() <= limit);
                walked.extend(page);
                match reply.body["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
                assert!(walked.len() <= 20, "endless pages");
            }
            assert_eq!(walked, all_ids, "limit {limit}");
        }

        for (query, field) in [
            ("cursor=garbage!", "cursor"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("merchant_id=x", "merchant_id"),
            ("sort=placed_at", "sort"),
        ] {
            let reply = world.get(&format!("/api/v1/orders?{query}"), &admin).await;
            assert_eq!(reply.status, 400, "{query}: {}", reply.body);
            assert_eq!(reply.body["code"], "query.invalid");
            assert_eq!(field_names(&reply), vec![field.to_owned()], "{query}");
        }
        let reply = world
            .get(
                &format!("/api/v1/orders?merchant_id={}", world.foreign_merchant_id),
                &admin,
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
    }
}

fn bulk_order(number: &str) -> Value {
    World::order_body(None, number)["order"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_imports_are_all_or_nothing() {
    for world in worlds().await {
        let bulk = |body: Value| {
            let world = &world;
            async move {
                world
                    .post("/api/v1/orders/bulk", &Who::OperatorKey, &body)
                    .await
            }
        };
        let merchant = world.merchant_id;

        let reply = bulk(json!({"merchant_id": merchant, "orders": [bulk_order("BULK-1"), bulk_order("BULK-2")]})).await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        assert_eq!(reply.body["created"], 2);
        assert_eq!(reply.body["updated"], 0);
        let outcomes = reply.body["orders"].as_array().unwrap();
        assert_eq!(outcomes.len(), 2);
        for (i, number) in ["BULK-1", "BULK-2"].iter().enumerate() {
            let found = world
                .get(
                    &format!("/api/v1/orders?number={number}"),
                    &Who::OperatorAdmin,
                )
                .await;
            assert_eq!(
                order_ids(&found),
                vec![outcomes[i]["order_id"].as_str().unwrap().to_owned()]
            );
            assert_eq!(outcomes[i]["created"], true);
        }
        assert_eq!(world.counts().await.0, 2);
        // Sent again (one changed, one new): replaced in place.
        let mut changed = bulk_order("BULK-1");
        changed["buyer"]["name"] = json!("Claire Martin-Dupont");
        let reply =
            bulk(json!({"merchant_id": merchant, "orders": [changed, bulk_order("BULK-3")]})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            (reply.body["created"].clone(), reply.body["updated"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(reply.body["orders"][0]["order_id"], outcomes[0]["order_id"]);
        assert_eq!(world.counts().await.0, 3);

        let before = world.counts().await;
        // One bad order among good ones: nothing is written, every fault is named.
        let mut bad_email = bulk_order("BULK-11");
        bad_email["buyer"]["email"] = json!("pas-un-email");
        let mut bad_quantity = bulk_order("BULK-12");
        bad_quantity["lines"][1]["quantity"] = json!(0);
        let reply = bulk(json!({"merchant_id": merchant,
            "orders": [bulk_order("BULK-10"), bad_email, bulk_order("BULK-13"), bad_quantity]}))
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let fields = field_names(&reply);
        assert!(
            fields.contains(&"orders[1].buyer.email".to_owned()),
            "{}",
            reply.body
        );
        assert!(
            fields.contains(&"orders[3].lines[1].quantity".to_owned()),
            "{}",
            reply.body
        );
        assert!(
            fields
                .iter()
                .all(|f| f.starts_with("orders[1].") || f.starts_with("orders[3].")),
            "{fields:?}"
        );
        assert_eq!(world.counts().await, before, "{}", world.name);
        for number in ["BULK-10", "BULK-13"] {
            let found = world
                .get(
                    &format!("/api/v1/orders?number={number}"),
                    &Who::OperatorAdmin,
                )
                .await;
            assert!(order_ids(&found).is_empty(), "{number} was written");
        }

        // The same number twice in one request.
        let mut spaced = bulk_order("BULK-20");
        spaced["external_id"] = json!(" BULK-20 ");
        for twins in [
            json!([
                bulk_order("BULK-20"),
                bulk_order("BULK-21"),
                bulk_order("BULK-20")
            ]),
            json!([bulk_order("BULK-20"), spaced]),
        ] {
            let reply = bulk(json!({"merchant_id": merchant, "orders": twins})).await;
            assert_eq!(reply.status, 422, "{}", reply.body);
            let errors = reply.body["errors"].as_array().unwrap();
            assert_eq!(errors.len(), 1, "{}", reply.body);
            assert_eq!(errors[0]["code"], "order.duplicate_in_request");
            let field = errors[0]["field"].as_str().unwrap();
            assert!(
                field == "orders[2].external_id" || field == "orders[1].external_id",
                "{field}"
            );
            assert_eq!(world.counts().await, before);
        }

        // Empty, too many, no merchant, another operator's merchant.
        let reply = bulk(json!({"merchant_id": merchant, "orders": []})).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(field_names(&reply), vec!["orders"]);
        let many: Vec<Value> = (0..501).map(|i| bulk_order(&format!("MANY-{i}"))).collect();
        let reply = bulk(json!({"merchant_id": merchant, "orders": many})).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(field_names(&reply), vec!["orders"]);
        let reply = bulk(json!({"orders": [bulk_order("BULK-30")]})).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(field_names(&reply), vec!["merchant_id"]);
        let reply = bulk(
            json!({"merchant_id": world.foreign_merchant_id, "orders": [bulk_order("BULK-31")]}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["code"], "merchant.not_found");
        assert_eq!(world.counts().await, before);

        // A merchant key imports into its own merchant, unnamed.
        let reply = world
            .post(
                "/api/v1/orders/bulk",
                &Who::MerchantKey,
                &json!({"orders": [bulk_order("BULK-40")]}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let id = reply.body["orders"][0]["order_id"].as_str().unwrap();
        let read = world
            .get(&format!("/api/v1/orders/{id}"), &Who::OperatorAdmin)
            .await;
        assert_eq!(read.body["order"]["merchant_id"], json!(world.merchant_id));
    }
}

/// The exact stored email always finds its order, whatever the backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_search_finds_the_stored_spelling_on_every_backend() {
    for world in worlds().await {
        let mut body = World::order_body(Some(world.merchant_id), "ELO-1");
        body["order"]["buyer"]["email"] = json!("Élodie.Martin@Exemple.FR");
        let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(reply.status, 201);
        let stored = reply.body["order"]["buyer"]["email"]
            .as_str()
            .unwrap()
            .to_owned();
        for q in [stored.as_str(), "Élodie.Martin@exemple.fr"] {
            let url = format!(
                "/api/v1/orders?buyer_email={}",
                q.replace('@', "%40").replace('É', "%C3%89")
            );
            let found = world.get(&url, &Who::OperatorKey).await;
            assert_eq!(
                found.body["items"].as_array().unwrap().len(),
                1,
                "{}: {q}",
                world.name
            );
        }
    }
}

/// What a person remembers of a case finds it: part of the order number, the buyer's
/// surname without its accent, the RMA printed on the label, the case number printed on
/// every page — in any letter case; and the buyer's lookup takes the order number in any
/// letter case too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_found_by_any_part_of_what_identifies_it() {
    for world in worlds().await {
        let mut body = World::order_body(Some(world.merchant_id), "MDC-2026-005143");
        body["order"]["buyer"]["name"] = json!("Hélène Lefèvre");
        body["order"]["buyer"]["email"] = json!("helene.lefevre@exemple.fr");
        let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let order_id = reply.body["order"]["id"].as_str().unwrap().to_owned();
        let other = world.order_at(world.merchant_id, "MDC-2026-009999").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let decoy = world.case_on(&other, &Who::OperatorKey).await;
        // A return, authorised: it has an RMA number.
        let reply = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Trop grand."}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let return_id = reply.body["case_id"].as_str().unwrap().to_owned();
        let reply = world
            .post(
                &format!("/api/v1/cases/{return_id}/return/authorise"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        let rma = match reply.body["case"]["returns"]["rma"].as_str() {
            Some(rma) => rma.to_owned(),
            None => panic!("{}: no RMA: {}", world.name, reply.body),
        };
        let find = |q: String| {
            let world = &world;
            async move {
                let reply = world
                    .get(
                        &format!("/api/v1/cases?limit=200&q={}", urlencode(&q)),
                        &Who::MerchantAgent,
                    )
                    .await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                let mut found = ids(&reply);
                found.sort();
                found
            }
        };
        let mut both = vec![case_id.clone(), return_id.clone()];
        both.sort();
        for q in [
            "005143",
            "5143",
            "mdc-2026-005143",
            "MDC-2026-0051",
            "lefevre",
            "Lefèvre",
            "LEFEV",
            "helene lefevre",
            "Hélène",
            "helene.lefevre@",
        ] {
            assert_eq!(find(q.to_owned()).await, both, "{}: q={q}", world.name);
        }
        assert_eq!(find(rma.clone()).await, vec![return_id.clone()], "q={rma}");
        assert_eq!(
            find(rma.to_lowercase().replace("rma-", "")).await,
            vec![return_id.clone()]
        );
        let short = case_id[..8].to_uppercase();
        assert_eq!(
            find(short.clone()).await,
            vec![case_id.clone()],
            "q={short}"
        );
        assert_eq!(find("hélène dupont".to_owned()).await, Vec::<String>::new());
        assert!(!find("009999".to_owned()).await.contains(&case_id));
        assert!(find("009999".to_owned()).await.contains(&decoy));

        // The buyer's lookup: the order number in any letter case.
        let reply = world
            .post(
                "/api/v1/buyer/access",
                &Who::Anonymous,
                &json!({"operator": "marche", "order_number": "mdc-2026-005143",
                        "email": "Helene.Lefevre@exemple.fr"}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A return asked for on the buyer's portal claims no amount: the inbox shows what its lines
/// are worth, and an incident the amount it claims.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_shows_what_each_case_is_about_in_money() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-MONTANT").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let reply = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                        "items": [{"line_id": "1", "quantity": 2}], "description": "Trop petits."}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let return_id = reply.body["case_id"].as_str().unwrap().to_owned();
        let reply = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": order_id, "kind": "incident", "reason": "missing_items",
                        "items": [{"line_id": "2", "quantity": 1}], "description": "La bougie manque.",
                        "claimed": {"amount_minor": 1990, "currency": "EUR"}}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let incident_id = reply.body["case_id"].as_str().unwrap().to_owned();
        let list = world
            .get("/api/v1/cases?q=CMD-MONTANT", &Who::MerchantAgent)
            .await;
        let amount = |id: &str| {
            list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["case_id"] == id)
                .map(|c| (c["amount_minor"].clone(), c["claimed_minor"].clone()))
        };
        assert_eq!(
            amount(&return_id),
            Some((json!(9000), Value::Null)),
            "{}",
            list.body
        );
        assert_eq!(amount(&incident_id), Some((json!(1990), json!(1990))));
    }
}
