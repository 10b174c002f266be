//! Append benchmark through the real store (see docs/PERFORMANCE.md).
//!
//! (a) one command per transaction, one client at a time;
//! (b) many concurrent clients, batched by the group-commit writer;
//! (c) replaying a 50-event case: the pure fold, and read-decode-fold from the database;
//! (d) return labels and lifecycles;
//! (e) the notification outbox: the worker alone, and (b) with the worker beside it.
//!
//! `cargo run --release --bin amiable-bench -- [--database-url URL] [--sqlite-synchronous full|normal]
//!  [--runtime multi|current] [--workers N] [--concurrency N] [--cases N] [--sequential N] [--concurrent N] [--rounds N]
//!  [--returns N] [--outbox N]`
//!
//! The clients run in the same process as the store. With `--runtime multi`
//! (the server's runtime) every reply and every new command hops between the
//! two worker threads; `--runtime current` keeps the clients and the writer on
//! one thread (SQLite does its IO on its own thread either way), which shows
//! what the store itself sustains.

use amiable_domain::case::{Actor, CaseItem, CaseKind, CaseState, Command, RecordedEvent};
use amiable_domain::case::{ConversationCommand, LifecycleCommand, MoneyCommand, ReturnCommand};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId, Slug};
use amiable_domain::order::{BuyerInput, LineInput, OrderInput, Quantity};
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::Body;
use amiable_store::{CommandRequest, DatabaseConfig, Durability, Store};
use std::time::{Duration, Instant};

struct Options {
    database_url: Option<String>,
    durability: Durability,
    concurrency: usize,
    cases: usize,
    sequential: usize,
    concurrent: usize,
    rounds: usize,
    multi_thread: bool,
    workers: Option<usize>,
    /// Return lifecycles (open → authorise → receive → inspect → refund → settle) in (d).
    returns: usize,
    /// Messages whose notifications (e) dispatches and delivers, per round.
    outbox: usize,
}

fn options() -> Options {
    let mut options = Options {
        database_url: None,
        durability: Durability::Full,
        concurrency: 64,
        cases: 1000,
        sequential: 2000,
        concurrent: 40_000,
        rounds: 3,
        multi_thread: true,
        workers: None,
        returns: 2_000,
        outbox: 5_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--database-url" => options.database_url = Some(value),
            "--sqlite-synchronous" => {
                options.durability = if value == "normal" {
                    Durability::Normal
                } else {
                    Durability::Full
                }
            }
            "--concurrency" => options.concurrency = value.parse().expect("--concurrency N"),
            "--cases" => options.cases = value.parse().expect("--cases N"),
            "--sequential" => options.sequential = value.parse().expect("--sequential N"),
            "--concurrent" => options.concurrent = value.parse().expect("--concurrent N"),
            "--rounds" => options.rounds = value.parse().expect("--rounds N"),
            "--runtime" => options.multi_thread = value != "current",
            "--workers" => options.workers = Some(value.parse().expect("--workers N")),
            "--returns" => options.returns = value.parse().expect("--returns N"),
            "--outbox" => options.outbox = value.parse().expect("--outbox N"),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    options
}

fn random_bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn message(i: usize) -> Command {
    Command::Conversation(ConversationCommand::PostMessage {
        body: Body::parse(&format!("Bonjour, où en est mon dossier ? (message {i})"))
            .expect("valid body"),
    })
}

/// Opens a case about the benchmark order's only line.
fn open_on_line_one(kind: CaseKind, reason: &str, description: &str) -> Command {
    Command::Lifecycle(LifecycleCommand::Open {
        preferred: None,
        kind,
        reason: ReasonCode::parse(reason).expect("reason"),
        items: vec![CaseItem {
            line_id: LineId::parse("1").expect("line"),
            quantity: Quantity::new(1).expect("qty"),
            reason: None,
        }],
        claimed: None,
        description: Body::parse(description).expect("body"),
        stage: None,
    })
}

fn merchant() -> Actor {
    Actor::MerchantUser { id: "bench".into() }
}

/// A shop's message on `case_id`, committed.
async fn post_message(store: &Store, case_id: CaseId, i: usize) -> anyhow::Result<()> {
    store
        .execute(CommandRequest {
            case_id,
            expected_version: None,
            command: message(i),
            actor: merchant(),
            order_id: None,
            at: None,
        })
        .await?;
    Ok(())
}

/// One round of (b): `concurrency` clients posting `total` messages as fast as they can.
async fn concurrent_round(
    store: &Store,
    cases: &[CaseId],
    concurrency: usize,
    total: usize,
) -> anyhow::Result<(usize, f64, Vec<Duration>)> {
    let per_client = (total / concurrency).max(1);
    let started = Instant::now();
    let clients: Vec<_> = (0..concurrency)
        .map(|client| {
            let store = store.clone();
            let cases = cases.to_vec();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let case_id = cases[(client * per_client + i) % cases.len()];
                    let t = Instant::now();
                    post_message(&store, case_id, i).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, anyhow::Error>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for client in clients {
        latencies.extend(client.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    Ok((per_client * concurrency, seconds, latencies))
}

fn main() -> anyhow::Result<()> {
    let options = options();
    let runtime = if options.multi_thread {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = options.workers {
            builder.worker_threads(workers);
        }
        builder.enable_all().build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let _dir;
    let mut config = match &options.database_url {
        Some(url) => DatabaseConfig::new(url.clone()),
        None => {
            let dir = tempfile::tempdir()?;
            let config =
                DatabaseConfig::new(dir.path().join("bench.db").to_string_lossy().into_owned());
            _dir = dir;
            config
        }
    };
    config.durability = options.durability;
    config.max_connections = 16;
    let store = Store::connect(&config).await?;
    let backend = if config.is_postgres() {
        "postgres".to_owned()
    } else {
        format!("sqlite ({:?})", options.durability).to_lowercase()
    };

    let operator_id = OperatorId::from_bytes(random_bytes());
    let slug = Slug::parse(&format!("bench-{}", fastrand::u32(..))).expect("slug");
    store
        .create_operator(operator_id, &slug, "Bench", &serde_json::json!({}))
        .await?;
    let merchant_id = MerchantId::from_bytes(random_bytes());
    store
        .create_merchant(
            merchant_id,
            operator_id,
            &slug,
            "Bench",
            &serde_json::json!({}),
        )
        .await?;
    let order = OrderInput {
        external_id: format!("BENCH-{}", fastrand::u32(..)),
        placed_at: "2026-11-02T09:15:00Z".into(),
        currency: "EUR".into(),
        buyer: BuyerInput {
            name: "Camille Bernard".into(),
            email: "camille@exemple.fr".into(),
            phone: None,
            locale: None,
        },
        lines: vec![LineInput {
            line_id: None,
            sku: "SKU-1".into(),
            title: "Lampe".into(),
            category: "maison".into(),
            quantity: 1,
            unit_price_minor: 4990,
            flags: vec![],
        }],
        // Delivered: a damaged parcel is reported on what was shipped.
        shipments: vec![amiable_domain::order::ShipmentInput {
            shipment_id: None,
            carrier: "Colissimo".into(),
            tracking_number: None,
            shipped_at: Some("2026-11-03T09:00:00Z".into()),
            delivered_at: Some("2026-11-05T12:00:00Z".into()),
            lines: vec![amiable_domain::order::ShipmentLineInput {
                line_id: "1".into(),
                quantity: 1,
            }],
        }],
        ..Default::default()
    };
    let order_id = store
        .upsert_order(
            operator_id,
            merchant_id,
            &order,
            OrderId::from_bytes(random_bytes()),
        )
        .await?
        .order_id;

    // Open the cases the load spreads over.
    let mut cases = Vec::with_capacity(options.cases);
    let open_tasks: Vec<_> = (0..options.cases)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let case_id = CaseId::from_bytes(random_bytes());
                let command =
                    open_on_line_one(CaseKind::Incident, "not_received", "Colis non reçu");
                store
                    .execute(CommandRequest {
                        case_id,
                        expected_version: Some(0),
                        command,
                        actor: Actor::Buyer,
                        order_id: Some(order_id),
                        at: None,
                    })
                    .await
                    .map(|_| case_id)
            })
        })
        .collect();
    for task in open_tasks {
        cases.push(task.await??);
    }

    let flavor = match (options.multi_thread, options.workers) {
        (true, Some(workers)) => format!("multi-thread runtime, {workers} worker(s)"),
        (true, None) => "multi-thread runtime".to_owned(),
        (false, _) => "current-thread runtime".to_owned(),
    };
    println!("# amiable append benchmark — {backend}, {flavor}");
    println!();
    println!("| measure | round | events | seconds | events/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");

    // (e) the notification outbox, first the worker alone: every command writes its
    // event's outbox row; the worker dispatches them (decide, render, plan deliveries)
    // and delivers to the in-memory mailbox, with nothing else writing.
    let app = amiable_app::App::new(
        store.clone(),
        amiable_app::AppConfig::new(std::env::temp_dir().join("amiable-bench")),
        amiable_app::Ports::default(),
    )
    .await?;
    let mut outbox_rates = Vec::new();
    let mut delivery_rates = Vec::new();
    for round in 1..=options.rounds {
        concurrent_round(&store, &cases, options.concurrency, options.outbox).await?;
        let rows = store.outbox_backlog().await?;
        let started = Instant::now();
        let pass = app
            .notify_until_idle("bench-worker")
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let seconds = started.elapsed().as_secs_f64();
        outbox_rates.push(pass.dispatched as f64 / seconds);
        delivery_rates.push(pass.attempted as f64 / seconds);
        println!(
            "| (e) worker alone: {rows} outbox rows → {} emails | {round} | {} | {seconds:.2} | {:.0} | — | — |",
            pass.attempted,
            pass.dispatched,
            pass.dispatched as f64 / seconds
        );
    }

    // (a) one command per transaction, one after the other.
    let mut sequential_rates = Vec::new();
    for round in 1..=options.rounds {
        let mut latencies = Vec::with_capacity(options.sequential);
        let started = Instant::now();
        for i in 0..options.sequential {
            let case_id = cases[i % cases.len()];
            let t = Instant::now();
            post_message(&store, case_id, i).await?;
            latencies.push(t.elapsed());
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort();
        let rate = options.sequential as f64 / seconds;
        sequential_rates.push(rate);
        println!(
            "| (a) sequential, 1 command/tx | {round} | {} | {seconds:.2} | {rate:.0} | {:.2} ms | {:.2} ms |",
            options.sequential,
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        );
    }

    // (b) many concurrent clients: the writer batches them into shared transactions.
    let mut concurrent_rates = Vec::new();
    for round in 1..=options.rounds {
        let (events, seconds, latencies) =
            concurrent_round(&store, &cases, options.concurrency, options.concurrent).await?;
        let rate = events as f64 / seconds;
        concurrent_rates.push(rate);
        println!(
            "| (b) {} concurrent clients, group commit | {round} | {events} | {seconds:.2} | {rate:.0} | {:.2} ms | {:.2} ms |",
            options.concurrency,
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        );
    }

    // (e) then (b) again while the notification worker works through the backlog that
    // (a) and (b) left beside it (their cost of writing outbox rows is inside their
    // figures) — what a server does when the mail piles up.
    let backlog = store.outbox_backlog().await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = {
        let app = app.clone();
        tokio::spawn(async move {
            app.run_notifications("bench-worker".into(), Duration::from_millis(50), stopped)
                .await
        })
    };
    let (events, seconds, latencies) =
        concurrent_round(&store, &cases, options.concurrency, options.concurrent).await?;
    let with_worker = events as f64 / seconds;
    let _ = stop.send(true);
    worker.await?;
    let drained_during = backlog + events as i64 - store.outbox_backlog().await?;
    println!(
        "| (e) (b) with the notification worker draining {backlog} outbox rows beside it | 1 | {events} | {seconds:.2} | {with_worker:.0} | {:.2} ms | {:.2} ms |",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "| (e) outbox rows dispatched meanwhile | 1 | {drained_during} | {seconds:.2} | {:.0} | — | — |",
        drained_during as f64 / seconds
    );
    // (c) replay a 50-event case.
    let case_id = CaseId::from_bytes(random_bytes());
    let open = open_on_line_one(CaseKind::Incident, "damaged_in_transit", "Colis abîmé");
    store
        .execute(CommandRequest {
            case_id,
            expected_version: Some(0),
            command: open,
            actor: Actor::Buyer,
            order_id: Some(order_id),
            at: None,
        })
        .await?;
    for i in 1..50 {
        let actor = if i % 2 == 0 { Actor::Buyer } else { merchant() };
        store
            .execute(CommandRequest {
                case_id,
                expected_version: Some(i as i64),
                command: message(i),
                actor,
                order_id: None,
                at: None,
            })
            .await?;
    }
    let timeline = store.timeline(case_id).await?;
    assert_eq!(timeline.len(), 50);
    let recorded: Vec<RecordedEvent> = timeline
        .iter()
        .map(|e| RecordedEvent {
            seq: e.seq,
            actor: e.actor.clone(),
            recorded_at: e.recorded_at,
            event: e.event.clone(),
        })
        .collect();
    let mut fold_us = Vec::new();
    for _ in 0..21 {
        let iterations = 2_000;
        let started = Instant::now();
        for _ in 0..iterations {
            let state = CaseState::replay(case_id, std::hint::black_box(&recorded));
            std::hint::black_box(state);
        }
        fold_us.push(started.elapsed().as_secs_f64() * 1e6 / iterations as f64);
    }
    // Decode from the stored text (actor + payload JSON) and fold, without the database round trip.
    let stored: Vec<(String, i64, String, String, jiff::Timestamp)> = timeline
        .iter()
        .map(|e| {
            (
                e.event_type.clone(),
                e.seq,
                serde_json::to_string(&e.actor).expect("actor"),
                e.payload_text.clone(),
                e.recorded_at,
            )
        })
        .collect();
    let mut decode_us = Vec::new();
    for _ in 0..21 {
        let iterations = 500;
        let started = Instant::now();
        for _ in 0..iterations {
            let recorded: Vec<RecordedEvent> = std::hint::black_box(&stored)
                .iter()
                .map(|(event_type, seq, actor, payload, at)| {
                    let payload: serde_json::Value =
                        serde_json::from_str(payload).expect("payload");
                    RecordedEvent {
                        seq: *seq,
                        actor: serde_json::from_str(actor).expect("actor"),
                        recorded_at: *at,
                        event: amiable_domain::case::CaseEvent::from_stored(
                            event_type, 1, &payload,
                        )
                        .expect("event"),
                    }
                })
                .collect();
            std::hint::black_box(CaseState::replay(case_id, &recorded));
        }
        decode_us.push(started.elapsed().as_secs_f64() * 1e6 / iterations as f64);
    }
    let mut load_us = Vec::new();
    for _ in 0..201 {
        let started = Instant::now();
        let events = store.timeline(case_id).await?;
        let recorded: Vec<RecordedEvent> = events
            .into_iter()
            .map(|e| RecordedEvent {
                seq: e.seq,
                actor: e.actor,
                recorded_at: e.recorded_at,
                event: e.event,
            })
            .collect();
        std::hint::black_box(CaseState::replay(case_id, &recorded));
        load_us.push(started.elapsed().as_secs_f64() * 1e6);
    }

    let returns = returns_bench(&store, operator_id, merchant_id, &options).await?;

    println!();
    println!("| summary | median |");
    println!("|---|---|");
    println!(
        "| (a) sequential events/s | {:.0} |",
        median(&mut sequential_rates)
    );
    println!(
        "| (b) concurrent events/s ({} clients) | {:.0} |",
        options.concurrency,
        median(&mut concurrent_rates)
    );
    println!(
        "| (e) outbox rows dispatched/s, worker alone | {:.0} |",
        median(&mut outbox_rates)
    );
    println!(
        "| (e) emails delivered/s (in-memory mailbox), worker alone | {:.0} |",
        median(&mut delivery_rates)
    );
    println!(
        "| (e) concurrent events/s with the worker beside, ÷ (b) | {:.2} |",
        with_worker / median(&mut concurrent_rates.clone())
    );
    println!(
        "| (c) replay of a 50-event case, fold only | {:.1} µs |",
        median(&mut fold_us)
    );
    println!(
        "| (c) replay of a 50-event case, decode stored JSON + fold | {:.1} µs |",
        median(&mut decode_us)
    );
    println!(
        "| (c) replay of a 50-event case, database read + decode + fold | {:.1} µs |",
        median(&mut load_us)
    );
    println!(
        "| (d) label PDF, A6 (render only) | {:.0} µs |",
        returns.label_a6_us
    );
    println!(
        "| (d) label PDF, A4 (render only) | {:.0} µs |",
        returns.label_a4_us
    );
    println!(
        "| (d) return lifecycle, 6 commands, one at a time | {:.2} ms (p99 {:.2} ms) |",
        returns.sequential_ms, returns.sequential_p99_ms
    );
    println!(
        "| (d) return lifecycles/s, {} concurrent clients | {:.0} |",
        options.concurrency, returns.concurrent_per_second
    );
    let report = store.verify().await?;
    println!();
    println!(
        "verify after the run: {} cases, {} events, {}",
        report.cases,
        report.events,
        if report.is_ok() { "OK" } else { "BROKEN" }
    );
    store.close().await;
    if !report.is_ok() {
        anyhow::bail!("verify found {} problem(s)", report.problems.len());
    }
    Ok(())
}

struct ReturnsBench {
    label_a6_us: f64,
    label_a4_us: f64,
    sequential_ms: f64,
    sequential_p99_ms: f64,
    concurrent_per_second: f64,
}

/// An order of two jumpers delivered two days ago, for a return.
async fn return_order(
    store: &Store,
    operator_id: OperatorId,
    merchant_id: MerchantId,
) -> anyhow::Result<OrderId> {
    let days_ago = |days: i64| {
        (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days)).to_string()
    };
    let input: OrderInput = serde_json::from_value(serde_json::json!({
        "external_id": format!("RET-{}", fastrand::u64(..)),
        "placed_at": days_ago(5),
        "currency": "EUR",
        // One buyer per order, as in life: the auto-approval count reads the buyer's returns.
        "buyer": {"name": "Camille Bernard", "email": format!("camille.{}@exemple.fr", fastrand::u32(..))},
        "lines": [{"sku": "PULL", "title": "Pull", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500}],
        "payment": {"provider": "stripe", "transaction_id": "ch_bench", "captured_minor": 9000},
        "shipments": [{"carrier": "Colissimo", "shipped_at": days_ago(4), "delivered_at": days_ago(2),
                       "lines": [{"line_id": "1", "quantity": 2}]}]
    }))?;
    Ok(store
        .upsert_order(
            operator_id,
            merchant_id,
            &input,
            OrderId::from_bytes(random_bytes()),
        )
        .await?
        .order_id)
}

/// One return, end to end through the store: open, authorise, receive, inspect, refund, settle.
async fn return_lifecycle(store: &Store, order_id: OrderId) -> anyhow::Result<()> {
    use amiable_domain::case::{InspectedLine, ItemCondition, ReceivedLine};
    use amiable_domain::text::Label;
    let case_id = CaseId::from_bytes(random_bytes());
    let run = |command: Command, actor: Actor, order: Option<OrderId>| CommandRequest {
        case_id,
        expected_version: None,
        command,
        actor,
        order_id: order,
        at: None,
    };
    let mut open = run(
        open_on_line_one(CaseKind::Return, "changed_mind", "Trop grand"),
        Actor::Buyer,
        Some(order_id),
    );
    open.expected_version = Some(0);
    store.execute(open).await?;
    let line = LineId::parse("1").expect("line");
    let steps = [
        Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
        Command::Returns(ReturnCommand::ReceiveReturn {
            lines: vec![ReceivedLine {
                line_id: line.clone(),
                quantity: 1,
                condition: ItemCondition::LikeNew,
                note: None,
            }],
        }),
        Command::Returns(ReturnCommand::InspectReturn {
            lines: vec![InspectedLine {
                line_id: line,
                compliant: true,
                deductions: Vec::new(),
            }],
        }),
        Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: Label::parse("manual").expect("label"),
            resolve: true,
        }),
        Command::Money(MoneyCommand::SettleRefund {
            refund_id: 1,
            reference: Label::parse("bench").expect("label"),
        }),
    ];
    for command in steps {
        store.execute(run(command, merchant(), None)).await?;
    }
    Ok(())
}

/// (d) Returns: rendering a label, and whole return lifecycles through the store (each
/// money command locks the order's ledger row in the command's transaction).
async fn returns_bench(
    store: &Store,
    operator_id: OperatorId,
    merchant_id: MerchantId,
    options: &Options,
) -> anyhow::Result<ReturnsBench> {
    use amiable_labels::{Address, LabelSpec, Language, PageSize};
    let address = |name: &str| Address {
        name: name.to_owned(),
        lines: vec!["12 rue de l'Église".to_owned()],
        postal_code: "69002".to_owned(),
        city: "Lyon".to_owned(),
        country: "FR".to_owned(),
    };
    let spec = LabelSpec {
        rma: "RMA-7K3Q9P2X".to_owned(),
        tracking_number: "CR123456785FR".to_owned(),
        carrier_name: "Transporteur local".to_owned(),
        service: "Retour prépayé".to_owned(),
        from: address("Élodie Martin"),
        to: address("Maison Colette – retours"),
        weight_grams: 1250,
        parcel_count: 1,
        order_reference: "CMD-2026-004512".to_owned(),
        issued_on: "23/11/2026".to_owned(),
        expires_on: "07/12/2026".to_owned(),
        items: vec!["2 × Pull en laine mérinos".to_owned()],
        qr_payload: "https://litiges.example.fr/suivi/cases/0193".to_owned(),
        language: Language::Fr,
    };
    let render_us = |size: PageSize| -> anyhow::Result<f64> {
        let mut samples = Vec::new();
        for _ in 0..201 {
            let started = Instant::now();
            std::hint::black_box(amiable_labels::render(std::hint::black_box(&spec), size)?);
            samples.push(started.elapsed().as_secs_f64() * 1e6);
        }
        Ok(median(&mut samples))
    };
    let label_a6_us = render_us(PageSize::A6)?;
    let label_a4_us = render_us(PageSize::A4)?;

    let count = options.returns.max(1);
    let mut orders = Vec::with_capacity(count);
    for _ in 0..count {
        orders.push(return_order(store, operator_id, merchant_id).await?);
    }
    // One at a time: the latency of a whole lifecycle (6 commits).
    let sequential = count.min(200);
    let mut latencies = Vec::with_capacity(sequential);
    for order_id in &orders[..sequential] {
        let started = Instant::now();
        return_lifecycle(store, *order_id).await?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    // Many at once, each client on its own orders: group commit batches them.
    let rest: Vec<OrderId> = orders[sequential..].to_vec();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per_client = rest.len().div_ceil(options.concurrency.max(1)).max(1);
    for chunk in rest.chunks(per_client) {
        let store = store.clone();
        let chunk = chunk.to_vec();
        tasks.spawn(async move {
            for order_id in chunk {
                return_lifecycle(&store, order_id).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(ReturnsBench {
        label_a6_us,
        label_a4_us,
        sequential_ms: percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        sequential_p99_ms: percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        concurrent_per_second: rest.len() as f64 / seconds.max(1e-9),
    })
}
