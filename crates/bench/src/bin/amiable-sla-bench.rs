//! The SLA sweep benchmark (see docs/PERFORMANCE.md, "Service levels").
//!
//! Opens `--open` cases through the real store (each assessed by the writer, its
//! targets and next alarm written with its events), whose alarms all lie days ahead,
//! then per round opens `--due` more cases eight days in the past — each of them owes
//! the buyer news (the default rule) and has a missed first response — and measures:
//!
//! - finding what is due: `Store::sla_due(now, 1000)` (an index read from its start);
//! - the whole sweep of the due cases: read, assess, the silence rule (automation event
//!   and status update), the alerts — every step a case command through the writer.
//!
//! The question is whether the sweep's cost follows what is due, not the open cases:
//! compare the figures at `--open 1000` and `--open 1000000`.
//!
//! `cargo run --release --bin amiable-sla-bench -- [--database-url URL] [--open N]
//!  [--due N] [--rounds N]`

use amiable_domain::case::{Actor, CaseItem, CaseKind, Command, LifecycleCommand};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId, Slug};
use amiable_domain::order::{BuyerInput, LineInput, OrderInput, Quantity};
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::Body;
use amiable_store::{CommandRequest, DatabaseConfig, Store};
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};

struct Options {
    database_url: Option<String>,
    open: usize,
    due: usize,
    rounds: usize,
}

fn options() -> Options {
    let mut options = Options {
        database_url: None,
        open: 100_000,
        due: 1000,
        rounds: 5,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--database-url" => options.database_url = Some(value),
            "--open" => options.open = value.parse().expect("--open N"),
            "--due" => options.due = value.parse().expect("--due N"),
            "--rounds" => options.rounds = value.parse().expect("--rounds N"),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    options
}

fn random_bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn open_command() -> Command {
    Command::Lifecycle(LifecycleCommand::Open {
        preferred: None,
        kind: CaseKind::Incident,
        reason: ReasonCode::parse("damaged_in_transit").expect("reason"),
        items: vec![CaseItem {
            line_id: LineId::parse("1").expect("line"),
            quantity: Quantity::new(1).expect("quantity"),
            reason: None,
        }],
        claimed: None,
        description: Body::parse("Colis abîmé").expect("body"),
        stage: None,
    })
}

/// Opens `count` cases at `at` (now when `None`), 256 at a time through the writer.
async fn open_cases(
    store: &Store,
    order_id: OrderId,
    count: usize,
    at: Option<Timestamp>,
) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        while tasks.len() >= 256 {
            if let Some(done) = tasks.join_next().await {
                done??;
            }
        }
        let store = store.clone();
        tasks.spawn(async move {
            store
                .execute(CommandRequest {
                    case_id: CaseId::from_bytes(random_bytes()),
                    expected_version: Some(0),
                    command: open_command(),
                    actor: Actor::Buyer,
                    order_id: Some(order_id),
                    at,
                })
                .await
                .map(|_| ())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let options = options();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let _dir;
    let config = match &options.database_url {
        Some(url) => DatabaseConfig::new(url.clone()),
        None => {
            let dir = tempfile::tempdir()?;
            let config =
                DatabaseConfig::new(dir.path().join("sla.db").to_string_lossy().into_owned());
            _dir = dir;
            config
        }
    };
    let mut config = config;
    config.max_connections = 16;
    let store = Store::connect(&config).await?;
    let backend = if config.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let operator_id = OperatorId::from_bytes(random_bytes());
    let slug = Slug::parse(&format!("sla-{}", fastrand::u32(..))).expect("slug");
    // Targets on the calendar clock, so what is due does not depend on the hour the
    // benchmark runs at: first response within a day, the rest amiable's defaults.
    let settings = serde_json::json!({"sla": {"policies": [{"name": "Bench",
        "targets": {"first_response": {"within": "1d", "clock": "calendar"}}}]}});
    store
        .create_operator(operator_id, &slug, "SLA bench", &settings)
        .await?;
    let merchant_id = MerchantId::from_bytes(random_bytes());
    store
        .create_merchant(
            merchant_id,
            operator_id,
            &slug,
            "SLA bench",
            &serde_json::json!({}),
        )
        .await?;
    let order = OrderInput {
        external_id: format!("SLA-{}", fastrand::u32(..)),
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
    let app = amiable_app::App::new(
        store.clone(),
        amiable_app::AppConfig::new(std::env::temp_dir().join("amiable-sla-bench")),
        amiable_app::Ports::default(),
    )
    .await?;

    // The open cases whose alarms are all days ahead (opened now).
    let started = Instant::now();
    open_cases(&store, order_id, options.open, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("# amiable SLA sweep benchmark — {backend}");
    println!();
    println!(
        "{} open cases opened (each assessed in the writer's transaction) in {seconds:.1} s: {:.0} cases/s",
        options.open,
        options.open as f64 / seconds
    );
    println!();
    println!(
        "| round | open cases | due | find the due (ms) | find and assess them (ms) | whole sweep with its commands (ms) | per due case (ms) | alerts | automations |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut finds = Vec::new();
    let mut decides = Vec::new();
    let mut sweeps = Vec::new();
    for round in 1..=options.rounds {
        // Cases opened eight days ago: news owed to the buyer, a first response missed.
        let past = Timestamp::now() - SignedDuration::from_hours(8 * 24);
        open_cases(&store, order_id, options.due, Some(past)).await?;
        let now = Timestamp::now();
        let started = Instant::now();
        let due = store.sla_due(now, 1000).await?;
        let find = started.elapsed();
        // What the sweep itself decides: read each due case and assess it (what is due on
        // it), before any command — the commands then cost what any command costs.
        let started = Instant::now();
        let config = store.sla_config(operator_id, merchant_id).await?;
        let mut owed = 0usize;
        for case_id in &due {
            if let Some(record) = store.case(*case_id).await? {
                let assessment = amiable_domain::sla::assess(&record.state, &config, now);
                owed += assessment.alerts.len() + assessment.silences.len();
            }
        }
        let decide = started.elapsed();
        let started = Instant::now();
        let report = app
            .sla_sweep(now)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let sweep = started.elapsed();
        anyhow::ensure!(
            report.cases == due.len() && report.automations >= due.len(),
            "the sweep did not handle every due case: {report:?}"
        );
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        finds.push(ms(find));
        decides.push(ms(find + decide));
        sweeps.push(ms(sweep));
        println!(
            "| {round} | {} | {} | {:.2} | {:.1} ({owed} steps due) | {:.1} | {:.3} | {} | {} |",
            options.open + round * options.due,
            due.len(),
            ms(find),
            ms(find + decide),
            ms(sweep),
            ms(sweep) / due.len().max(1) as f64,
            report.alerts,
            report.automations
        );
        // Nothing is due any more until the next round's cases.
        anyhow::ensure!(
            store.sla_due(now, 1000).await?.is_empty(),
            "cases still due after the sweep"
        );
    }
    println!();
    println!(
        "median: find {:.2} ms, find and assess {:.1} ms, whole sweep {:.1} ms for {} due cases among {}+ open",
        median(finds),
        median(decides),
        median(sweeps),
        options.due,
        options.open
    );
    store.close().await;
    Ok(())
}
