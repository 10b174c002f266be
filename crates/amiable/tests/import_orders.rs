//! `amiable import orders`: the sample files, idempotence, bad rows, parcels,
//! headers and batches, on every test backend.

#[path = "../src/import.rs"]
mod import;

use amiable_domain::ids::{ExternalId, MerchantId, OperatorId, Slug};
use amiable_domain::order::{LineFlag, Order};
use amiable_store::testing::test_stores;
use amiable_store::{Backend, Store};
use import::{Format, ImportReport, RowError, import_orders};
use std::path::{Path, PathBuf};

const HEADER: &str = "merchant,external_id,placed_at,currency,buyer_name,buyer_email,buyer_phone,buyer_locale,shipping_minor,payment_provider,transaction_id,captured_minor,line_id,sku,title,category,quantity,unit_price_minor,flags,carrier,tracking_number,shipped_at,delivered_at";

const SAMPLE_IDS: [&str; 4] = [
    "CMD-2026-0001",
    "CMD-2026-0002",
    "CMD-2026-0003",
    "EPI-10458",
];

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples")
        .join(name)
}

fn random_bytes() -> [u8; 16] {
    fastrand::u128(..).to_le_bytes()
}

struct Tenant {
    operator_id: OperatorId,
    atelier: MerchantId,
    epicerie: MerchantId,
}

/// An operator with the two merchants of the sample files.
async fn tenant(store: &Store) -> Tenant {
    let operator_id = OperatorId::from_bytes(random_bytes());
    let slug = Slug::parse(&format!("op-{}", fastrand::u32(..))).unwrap();
    let settings = serde_json::json!({});
    store
        .create_operator(operator_id, &slug, "Marché des créateurs", &settings)
        .await
        .unwrap();
    let mut merchants = Vec::new();
    for (slug, name) in [
        ("atelier-lyon", "L'Atelier de Lyon"),
        ("epicerie-des-halles", "Épicerie des Halles"),
    ] {
        let id = MerchantId::from_bytes(random_bytes());
        store
            .create_merchant(
                id,
                operator_id,
                &Slug::parse(slug).unwrap(),
                name,
                &settings,
            )
            .await
            .unwrap();
        merchants.push(id);
    }
    Tenant {
        operator_id,
        atelier: merchants[0],
        epicerie: merchants[1],
    }
}

fn write(dir: &tempfile::TempDir, name: &str, contents: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

async fn import(store: &Store, tenant: &Tenant, path: &Path) -> ImportReport {
    let format = Format::from_path(path).unwrap();
    import_orders(store, tenant.operator_id, path, format, false)
        .await
        .unwrap()
}

async fn order(store: &Store, merchant: MerchantId, external_id: &str) -> Option<Order> {
    store
        .order_by_external_id(merchant, &ExternalId::parse(external_id).unwrap())
        .await
        .unwrap()
        .map(|summary| summary.order)
}

/// (line, field, code) of every error.
fn problems(report: &ImportReport) -> Vec<(u64, &str, &str)> {
    report
        .failed
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
        .collect()
}

/// A one-line CSV order of `atelier-lyon`, with `change` applied to its fields.
fn csv_row(external_id: &str, change: impl FnOnce(&mut Vec<String>)) -> String {
    let mut fields: Vec<String> = [
        "atelier-lyon",
        external_id,
        "2026-11-02T09:15:00+01:00",
        "EUR",
        "Claire Martin",
        "claire.martin@exemple.fr",
        "",
        "fr",
        "490",
        "paypal",
        "5TY05013RG002845M",
        "9390",
        "",
        "PULL-LAINE-M",
        "Pull en laine mérinos",
        "vêtements",
        "1",
        "8900",
        "",
        "Colissimo",
        "6A12345678901",
        "2026-11-03T16:00:00Z",
        "",
    ]
    .map(str::to_owned)
    .into();
    change(&mut fields);
    fields.join(",") + "\n"
}

fn set(column: &str, value: &str) -> impl FnOnce(&mut Vec<String>) {
    let index = HEADER.split(',').position(|c| c == column).unwrap();
    let value = value.to_owned();
    move |fields| fields[index] = value
}

#[tokio::test]
async fn the_formats_follow_the_extension() {
    assert_eq!(
        Format::from_path(Path::new("a/orders.csv")),
        Some(Format::Csv)
    );
    assert_eq!(
        Format::from_path(Path::new("orders.CSV")),
        Some(Format::Csv)
    );
    assert_eq!(
        Format::from_path(Path::new("orders.ndjson")),
        Some(Format::Ndjson)
    );
    assert_eq!(
        Format::from_path(Path::new("orders.jsonl")),
        Some(Format::Ndjson)
    );
    assert_eq!(Format::from_path(Path::new("orders.json")), None);
    assert_eq!(Format::from_path(Path::new("orders")), None);
}

#[tokio::test]
async fn the_samples_import_identically_and_again_without_duplicates() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;

        let report = import(store, &tenant, &example("orders.csv")).await;
        assert_eq!(
            report,
            ImportReport {
                created: 4,
                updated: 0,
                failed: vec![],
                orders_seen: 4
            },
            "{}",
            test.name
        );
        assert_eq!(store.count_orders().await.unwrap(), 4);
        let mut imported = Vec::new();
        for external_id in SAMPLE_IDS {
            let merchant = if external_id.starts_with("EPI") {
                tenant.epicerie
            } else {
                tenant.atelier
            };
            imported.push((merchant, order(store, merchant, external_id).await.unwrap()));
        }

        let again = import(store, &tenant, &example("orders.csv")).await;
        assert_eq!((again.created, again.updated, again.orders_seen), (0, 4, 4));
        assert!(again.failed.is_empty());

        // The NDJSON sample holds the same orders: importing it changes nothing.
        let progress_shown = import_orders(
            store,
            tenant.operator_id,
            &example("orders.ndjson"),
            Format::Ndjson,
            true,
        )
        .await
        .unwrap();
        assert_eq!(
            (progress_shown.created, progress_shown.updated),
            (0, 4),
            "{:?}",
            progress_shown.failed
        );
        for (merchant, before) in &imported {
            let after = order(store, *merchant, before.external_id.as_str()).await;
            assert_eq!(after.as_ref(), Some(before), "{}", test.name);
        }
        assert_eq!(store.count_orders().await.unwrap(), 4);

        let first = &imported[0].1;
        assert_eq!(first.lines.len(), 2);
        assert_eq!(
            first.lines[1].title.as_str(),
            "Bougie parfumée figue, 180 g"
        );
        assert_eq!(first.shipping.amount_minor, 490);
        assert_eq!(first.payment.as_ref().unwrap().captured.amount_minor, 13090);
        assert_eq!(
            first.buyer.phone.as_ref().unwrap().as_str(),
            "+33 6 12 34 56 78"
        );
        let second = &imported[1].1;
        assert_eq!(second.lines[0].title.as_str(), "Tablier \"Canut\" en lin");
        assert_eq!(second.lines[2].line_id.as_str(), "4521-3");
        let third = &imported[2].1;
        assert!(third.shipments.is_empty());
        assert!(third.lines[0].has(LineFlag::Personalised));
        let fourth = &imported[3].1;
        assert_eq!(fourth.merchant_id, tenant.epicerie);
        assert!(
            fourth.lines[1].has(LineFlag::Personalised)
                && fourth.lines[1].has(LineFlag::Perishable)
        );
        assert_eq!(fourth.shipments.len(), 1);
        assert_eq!(fourth.shipments[0].lines.len(), 3);
        assert_eq!(
            fourth.fully_delivered_at().unwrap().to_string(),
            "2026-11-14T10:15:00Z"
        );
    }
}

#[tokio::test]
async fn a_multi_parcel_csv_order_has_one_shipment_per_parcel() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        // Parcels interleaved: lines 1 and 3 in one parcel, line 2 in another.
        let mut csv = format!("{HEADER}\n");
        csv += &csv_row("CMD-PARCELS", |_| {});
        csv += &csv_row("CMD-PARCELS", |f| {
            set("sku", "BOUGIE-FIGUE")(f);
            set("quantity", "2")(f);
            set("unit_price_minor", "1850")(f);
            set("carrier", "Chronopost")(f);
            set("tracking_number", "XY123456789FR")(f);
            set("shipped_at", "2026-11-04T09:00:00Z")(f);
            set("delivered_at", "2026-11-05T12:00:00Z")(f);
        });
        csv += &csv_row("CMD-PARCELS", |f| {
            set("sku", "CARNET-A5")(f);
            set("shipped_at", "")(f);
        });
        let path = write(&dir, "parcels.csv", &csv);

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            (report.created, report.orders_seen),
            (1, 1),
            "{:?}",
            report.failed
        );
        let order = order(store, tenant.atelier, "CMD-PARCELS").await.unwrap();
        assert_eq!(order.lines.len(), 3, "{}", test.name);
        assert_eq!(order.shipments.len(), 2);
        let shipped = |index: usize| -> Vec<(String, u32)> {
            order.shipments[index]
                .lines
                .iter()
                .map(|l| (l.line_id.to_string(), l.quantity.get()))
                .collect()
        };
        assert_eq!(order.shipments[0].carrier.as_str(), "Colissimo");
        assert_eq!(shipped(0), [("1".to_owned(), 1), ("3".to_owned(), 1)]);
        assert_eq!(order.shipments[1].carrier.as_str(), "Chronopost");
        assert_eq!(shipped(1), [("2".to_owned(), 2)]);
        assert_eq!(
            order.shipments[1].delivered_at.unwrap().to_string(),
            "2026-11-05T12:00:00Z"
        );
        // The parcel's dates come from its first row.
        assert_eq!(
            order.shipments[0].shipped_at.unwrap().to_string(),
            "2026-11-03T16:00:00Z"
        );
        assert_eq!(order.fully_delivered_at(), None);
    }
}

#[tokio::test]
async fn bad_csv_rows_are_reported_and_the_good_orders_land() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        let mut csv = format!("{HEADER}\n");
        // Line 2-3: a good order whose title spans two lines.
        csv += &csv_row("CMD-A", set("title", "\"Pull en laine\nmérinos\""));
        csv += &csv_row("CMD-B", set("buyer_email", "claire.exemple.fr")); // line 4
        csv += &csv_row("CMD-C", set("quantity", "-1")); // line 5
        csv += &csv_row("CMD-D", |_| {}); // line 6
        csv += &csv_row("CMD-D", |f| {
            set("sku", "BOUGIE")(f);
            set("unit_price_minor", "18.50")(f); // line 7
        });
        csv += &csv_row("CMD-E", set("merchant", "boutique-inconnue")); // line 8
        csv += &csv_row("CMD-F", |_| {}); // line 9
        csv += "atelier-lyon,CMD-G,2026-11-02T09:15:00+01:00\n"; // line 10: short
        csv += &csv_row("CMD-H", |f| {
            set("carrier", "")(f); // line 11: a tracking number without carrier
        });
        csv += &csv_row("CMD-I", |f| {
            set("line_id", "1")(f); // lines 12-13: two lines with one id
        });
        csv += &csv_row("CMD-I", |f| {
            set("line_id", "1")(f);
            set("carrier", "")(f);
            set("tracking_number", "")(f);
            set("shipped_at", "")(f);
        });
        csv += &csv_row("CMD-J", |_| {}); // line 14
        let path = write(&dir, "bad.csv", &csv);

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            problems(&report),
            [
                (4, "buyer.email", "email.invalid"),
                (5, "lines[0].quantity", "quantity.not_positive"),
                (7, "unit_price_minor", "number.invalid"),
                (8, "merchant", "merchant.unknown"),
                (10, "", "csv.field_count"),
                (11, "carrier", "shipment.no_carrier"),
                (12, "lines[1].line_id", "line.duplicate"),
            ],
            "{}: {:#?}",
            test.name,
            report.failed
        );
        assert_eq!(report.orders_seen, 10);
        assert_eq!((report.created, report.updated), (3, 0));
        for external_id in ["CMD-A", "CMD-F", "CMD-J"] {
            assert!(order(store, tenant.atelier, external_id).await.is_some());
        }
        assert_eq!(store.count_orders().await.unwrap(), 3);
        let a = order(store, tenant.atelier, "CMD-A").await.unwrap();
        assert_eq!(a.lines[0].title.as_str(), "Pull en laine\nmérinos");

        let with_code = |code: &str| report.failed.iter().find(|e| e.code == code).unwrap();
        let price = with_code("number.invalid");
        assert_eq!(price.external_id.as_deref(), Some("CMD-D"));
        assert!(price.message.contains("'18.50'"), "{}", price.message);
        assert_eq!(
            price.to_string(),
            "line 7 (CMD-D): unit_price_minor: '18.50' is not a whole number of minor units (19,90 € is 1990) (number.invalid)"
        );
        // A check on a later line points at its row.
        let duplicate = with_code("line.duplicate");
        assert!(duplicate.message.contains("line 13"), "{duplicate}");
    }
}

#[tokio::test]
async fn bad_ndjson_lines_are_reported_and_the_good_orders_land() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        let sample = std::fs::read_to_string(example("orders.ndjson")).unwrap();
        let good: Vec<&str> = sample.lines().collect();
        let order_line = |external_id: &str, change: &dyn Fn(&mut serde_json::Value)| {
            let mut value: serde_json::Value = serde_json::from_str(good[0]).unwrap();
            value["external_id"] = external_id.into();
            change(&mut value);
            value.to_string()
        };
        let lines = [
            good[0].to_owned(),                                                  // 1
            String::new(), // 2: blank, skipped
            r#"{"merchant": "atelier-lyon", "external_id": "#.to_owned(), // 3
            order_line("CMD-Q", &|v| v["lines"][1]["quantity"] = "deux".into()), // 4
            order_line("CMD-S", &|v| {
                v["shipments"][0]["lines"][1]["line_id"] = "9".into()
            }), // 5
            order_line("CMD-M", &|v| v["merchant"] = "boutique-inconnue".into()), // 6
            order_line("CMD-N", &|v| {
                v.as_object_mut().unwrap().remove("merchant");
            }), // 7
            order_line("CMD-E", &|v| v["buyer"]["email"] = "claire".into()), // 8
            "[1, 2]".to_owned(), // 9
            good[1].to_owned(), // 10
            "   ".to_owned(), // 11
            good[3].to_owned(), // 12
        ];
        let path = write(&dir, "bad.ndjson", &lines.join("\n"));

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            problems(&report),
            [
                (3, "", "json.invalid"),
                (4, "lines[1].quantity", "field.invalid"),
                (5, "shipments[0].lines[1].line_id", "shipment.unknown_line"),
                (6, "merchant", "merchant.unknown"),
                (7, "merchant", "field.missing"),
                (8, "buyer.email", "email.invalid"),
                (9, "", "json.invalid"),
            ],
            "{}: {:#?}",
            test.name,
            report.failed
        );
        assert_eq!(report.orders_seen, 10);
        assert_eq!((report.created, report.updated), (3, 0));
        assert_eq!(store.count_orders().await.unwrap(), 3);
        assert!(order(store, tenant.epicerie, "EPI-10458").await.is_some());
        assert_eq!(report.failed[1].external_id.as_deref(), Some("CMD-Q"));
        assert!(
            !report.failed[0].message.contains("line 1"),
            "{}",
            report.failed[0]
        );
    }
}

#[tokio::test]
async fn a_wrong_csv_header_imports_nothing() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        let header = HEADER.replace(",flags,", ",colour,");
        let good_row = csv_row("CMD-A", |_| {});
        let path = write(&dir, "wrong.csv", &format!("{header}\n{good_row}"));

        let error = import_orders(store, tenant.operator_id, &path, Format::Csv, false)
            .await
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(message.contains("missing columns: flags"), "{message}");
        assert!(message.contains("unknown columns: 'colour'"), "{message}");
        assert_eq!(store.count_orders().await.unwrap(), 0, "{}", test.name);

        let empty = write(&dir, "empty.csv", "");
        let error = import_orders(store, tenant.operator_id, &empty, Format::Csv, false)
            .await
            .unwrap_err();
        assert!(format!("{error:#}").contains("header row"), "{error:#}");
    }
}

#[tokio::test]
async fn an_order_split_across_the_file_is_refused() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        let mut csv = format!("{HEADER}\n");
        csv += &csv_row("CMD-A", |_| {});
        csv += &csv_row("CMD-B", |_| {});
        csv += &csv_row("CMD-A", set("sku", "BOUGIE"));
        let path = write(&dir, "split.csv", &csv);

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            problems(&report),
            [(4, "external_id", "order.duplicate_in_file")],
            "{}",
            test.name
        );
        assert!(report.failed[0].message.contains("line 2"));
        let a = order(store, tenant.atelier, "CMD-A").await.unwrap();
        assert_eq!(a.lines[0].sku.as_str(), "PULL-LAINE-M");
    }
}

/// Makes the database refuse (after the checks) every new order whose
/// external id starts with `prefix`.
async fn refuse_at_the_database(store: &Store, prefix: &str) {
    let sql = match store.backend() {
        Backend::Sqlite => format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON orders WHEN NEW.external_id LIKE '{prefix}%'
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;"
        ),
        Backend::Postgres => format!(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.external_id LIKE '{prefix}%' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse();"
        ),
    };
    store.raw_execute(sql).await.unwrap();
}

#[tokio::test]
async fn an_order_the_database_refuses_does_not_sink_its_batch() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        refuse_at_the_database(store, "CMD-REFUSED").await;
        let dir = tempfile::tempdir().unwrap();
        let mut csv = format!("{HEADER}\n");
        csv += &csv_row("CMD-A", |_| {});
        csv += &csv_row("CMD-REFUSED-1", |_| {}); // line 3
        csv += &csv_row("CMD-B", |_| {});
        let path = write(&dir, "refused.csv", &csv);

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            problems(&report),
            [(3, "", "store.failed")],
            "{}",
            test.name
        );
        assert!(
            report.failed[0]
                .message
                .contains("refused by a test trigger")
        );
        assert_eq!((report.created, report.orders_seen), (2, 3));
        assert_eq!(store.count_orders().await.unwrap(), 2);

        // A batch of which the database takes nothing: the database is at
        // fault, not the orders, so the import stops.
        let mut csv = format!("{HEADER}\n");
        csv += &csv_row("CMD-REFUSED-2", |_| {});
        csv += &csv_row("CMD-REFUSED-3", |_| {});
        let path = write(&dir, "all-refused.csv", &csv);
        let error = import_orders(store, tenant.operator_id, &path, Format::Csv, false)
            .await
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("refused every order of the batch starting at line 2"),
            "{message}"
        );
        assert!(message.contains("nothing was imported"), "{message}");
    }
}

/// `count` one-line orders, with a non-numeric quantity in order `bad`.
fn many_orders(count: usize, bad: usize) -> String {
    let mut csv = format!("{HEADER}\n");
    for n in 0..count {
        let quantity = if n == bad { "un" } else { "1" };
        let row = csv_row(&format!("CMD-{n:06}"), set("quantity", quantity));
        csv.push_str(&row);
    }
    csv
}

#[tokio::test]
async fn large_files_go_through_in_batches() {
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "many.csv", &many_orders(1_234, 700));

        let report = import(store, &tenant, &path).await;
        assert_eq!(
            problems(&report),
            [(702, "quantity", "number.invalid")],
            "{}",
            test.name
        );
        assert_eq!((report.created, report.orders_seen), (1_233, 1_234));
        let again = import(store, &tenant, &path).await;
        assert_eq!((again.created, again.updated), (0, 1_233));
        assert_eq!(store.count_orders().await.unwrap(), 1_233);
    }
}

/// 100,000 rows, one order each: `cargo test -p amiable --test import_orders -- --ignored`.
#[tokio::test]
#[ignore = "slow: a 100,000-row file"]
async fn a_hundred_thousand_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = many_orders(100_000, 54_321);
    let path = write(&dir, "huge.csv", &csv);
    drop(csv);
    for test in test_stores().await {
        let store = &test.store;
        let tenant = tenant(store).await;
        let started = std::time::Instant::now();
        let report = import(store, &tenant, &path).await;
        eprintln!("{}: 100,000 rows in {:?}", test.name, started.elapsed());
        assert_eq!(report.created, 99_999);
        let errors: Vec<&RowError> = report.failed.iter().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 54_323);
    }
}
