//! The case's dossier (PDF) through real HTTP, on SQLite and PostgreSQL: each
//! reader's copy holds what that reader may see of the case — its own private
//! channel with the mediator, never the other party's — with the decision's
//! grounds, the money and whether the hash chain verifies.

mod common;

use common::{Reply, Who, World, png, worlds};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::process::Command;

const BUYER_CHANNEL: &str = "BUYER-CHANNEL-7Q2 please send the photos of the box";
const MERCHANT_CHANNEL: &str = "MERCHANT-CHANNEL-4K9 please send the proof of shipment";
const INTERNAL_NOTE: &str = "INTERNAL-NOTE-3X1 the carrier already admitted the fault";
const GROUNDS: &str = "GROUNDS-8V5 The photos show a tear made in transit; the shop answers for the carrier (C. conso L216-2).";

fn eur(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR"})
}

async fn ok(world: &World, path: &str, who: &Who, body: Value) -> Reply {
    let reply = world.post(path, who, &body).await;
    assert!(
        reply.status == 200 || reply.status == 201,
        "{}: {path}: {} {}",
        world.name,
        reply.status,
        reply.body
    );
    reply
}

/// A case taken up the whole ladder: opened by the buyer, a photo, an internal
/// note, mediation with a message in each private channel, arbitration, and a
/// decision the marketplace pays and recovers from the shop. Returns the case
/// id, the order id and the photo's SHA-256.
async fn decided_case(world: &World) -> (String, String, String) {
    let order_id = world.order_at(world.merchant_id, "DOSSIER-1").await;
    let buyer = Who::Buyer(world.buyer_token(&order_id).await);
    let case_id = world.case_on(&order_id, &buyer).await;
    let path = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");

    let photo = World::send(
        world
            .request("POST", &path("attachments"), &buyer)
            .multipart(Form::new().part("file", Part::bytes(png()).file_name("pull-dechire.png"))),
    )
    .await;
    assert_eq!(photo.status, 201, "{}: {}", world.name, photo.body);
    let sha256 = photo.body["events"][0]["data"]["attachment"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        world,
        &path("notes"),
        &Who::MerchantAgent,
        json!({"body": INTERNAL_NOTE}),
    )
    .await;
    // The buyer may escalate only once the shop answered or its window passed:
    // the marketplace takes the case up itself.
    ok(
        world,
        &path("escalate"),
        &Who::OperatorKey,
        json!({"to": "mediation", "reason": "Pas d'accord entre les parties"}),
    )
    .await;
    for (channel, body) in [("buyer", BUYER_CHANNEL), ("merchant", MERCHANT_CHANNEL)] {
        ok(
            world,
            &path("private-messages"),
            &Who::OperatorKey,
            json!({"channel": channel, "body": body}),
        )
        .await;
    }
    ok(
        world,
        &path("escalate"),
        &Who::OperatorKey,
        json!({"to": "arbitration", "reason": "La médiation n'a pas abouti"}),
    )
    .await;
    ok(
        world,
        &path("decision"),
        &Who::OperatorKey,
        json!({"decision": {
            "outcome": "buyer_favoured",
            "resolution": {"kind": "partial_refund", "amount": eur(2000)},
            "rationale": GROUNDS,
            "cites": ["CGV marchand art. 7", "C. conso L216-2"],
            "paid_by": "marketplace",
            "recover_from_merchant": true
        }}),
    )
    .await;
    (case_id, order_id, sha256)
}

/// The dossier as `who` downloads it: status, headers and the PDF's bytes.
async fn download(
    world: &World,
    case_id: &str,
    lang: Option<&str>,
    who: &Who,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let query = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
    let response = world
        .request(
            "GET",
            &format!("/api/v1/cases/{case_id}/dossier.pdf{query}"),
            who,
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    (status, headers, bytes)
}

/// The PDF's text, as poppler extracts it, or as the content streams show it
/// when poppler is not installed (enough for ASCII). The PDF is kept under the
/// target directory as `name`.pdf, for a person to look at.
fn text_of(pdf: &[u8], name: &str) -> String {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dossiers");
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
    {
        Ok(output) => {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
        Err(_) if std::env::var("AMIABLE_REQUIRE_LABEL_TOOLS").as_deref() == Ok("1") => {
            panic!("pdftotext is not installed and AMIABLE_REQUIRE_LABEL_TOOLS=1")
        }
        Err(_) => shown_strings(pdf),
    }
}

/// Every string the content streams show, one a line: the literal `(…)` and
/// hex `<…>` operands of `Tj`, bytes read as Latin-1.
fn shown_strings(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(end) = rest.windows(3).position(|w| w == b" Tj") {
        let operand = &rest[..end];
        let bytes: Vec<u8> = if operand.ends_with(b">") {
            let start = operand.iter().rposition(|&b| b == b'<').unwrap_or(0);
            operand[start + 1..operand.len() - 1]
                .chunks(2)
                .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
                .collect()
        } else {
            let start = operand.iter().position(|&b| b == b'(').unwrap_or(0);
            let mut bytes = Vec::new();
            let mut escaped = false;
            for &byte in &operand[start + 1..operand.len().saturating_sub(1)] {
                if escaped || byte != b'\\' {
                    bytes.push(byte);
                    escaped = false;
                } else {
                    escaped = true;
                }
            }
            bytes
        };
        out.extend(bytes.iter().map(|&b| b as char));
        out.push('\n');
        rest = &rest[end + 3..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_party_reads_its_own_copy_of_the_dossier() {
    for world in worlds().await {
        let name = world.name;
        let (case_id, order_id, sha256) = decided_case(&world).await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let short = case_id[..8].to_uppercase();

        // The buyer's copy, in the buyer's language (French for this order).
        let (status, headers, pdf) = download(&world, &case_id, None, &buyer).await;
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&pdf));
        assert_eq!(headers["content-type"], "application/pdf", "{name}");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"dossier-{short}.pdf\"").as_str(),
            "{name}"
        );
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        let text = text_of(&pdf, &format!("{name}-buyer"));
        for expected in [
            short.as_str(),
            "DOSSIER-1",
            "Claire Martin",
            "marche",
            "atelier",
            BUYER_CHANNEL,
            "GROUNDS-8V5",
            "CGV marchand art. 7",
            "pull-dechire.png",
            sha256.as_str(),
        ] {
            assert!(
                text.contains(expected),
                "{name}: buyer's copy lacks {expected:?}:\n{text}"
            );
        }
        for hidden in ["MERCHANT-CHANNEL-4K9", "INTERNAL-NOTE-3X1"] {
            assert!(
                !text.contains(hidden),
                "{name}: buyer's copy shows {hidden:?}:\n{text}"
            );
        }

        // The shop's copy: its own channel and its internal note, not the buyer's channel.
        let (status, _, pdf) = download(&world, &case_id, None, &Who::MerchantKey).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-merchant"));
        for expected in [
            MERCHANT_CHANNEL,
            "INTERNAL-NOTE-3X1",
            "GROUNDS-8V5",
            sha256.as_str(),
        ] {
            assert!(
                text.contains(expected),
                "{name}: shop's copy lacks {expected:?}:\n{text}"
            );
        }
        assert!(
            !text.contains("BUYER-CHANNEL-7Q2"),
            "{name}: shop's copy shows the buyer's channel:\n{text}"
        );

        // The marketplace's copy has both channels.
        let (status, _, pdf) = download(&world, &case_id, None, &Who::Mediator).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-operator"));
        for expected in ["BUYER-CHANNEL-7Q2", "MERCHANT-CHANNEL-4K9", "GROUNDS-8V5"] {
            assert!(
                text.contains(expected),
                "{name}: marketplace's copy lacks {expected:?}"
            );
        }

        // Another shop of the marketplace does not learn the case exists.
        let other = amiable_server::auth::issue_api_key(
            world.operator_id,
            Some(world.other_merchant_id),
            "other shop",
            None,
        );
        world.store.create_api_key(&other.record).await.unwrap();
        let (status, headers, _) = download(&world, &case_id, None, &Who::Bearer(other.key)).await;
        assert_eq!(status, 404, "{name}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{name}"
        );
        let (status, _, _) = download(&world, &case_id, None, &Who::OtherOperatorAdmin).await;
        assert_eq!(status, 404, "{name}");
        let (status, _, _) = download(&world, &case_id, None, &Who::Anonymous).await;
        assert_eq!(status, 401, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_states_the_money_the_decision_and_the_chain_in_the_language_asked() {
    for world in worlds().await {
        let name = world.name;
        let (case_id, order_id, _) = decided_case(&world).await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let last_hash = world
            .store
            .case(amiable_domain::ids::CaseId::parse(&case_id).unwrap())
            .await
            .unwrap()
            .unwrap()
            .last_hash;

        // In English on request, whatever the buyer's language.
        let (status, _, pdf) = download(&world, &case_id, Some("en"), &buyer).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-buyer-en"));
        for expected in [
            "Case file",
            "The customer's copy",
            "Timeline",
            "Evidence",
            // The marketplace paid the buyer; what the shop owes it back is not the buyer's business.
            "Paid to the customer by the marketplace",
            "Decision",
            "in the customer's favour",
            "Grounds",
            "The marketplace",
            "Integrity",
            "The hash chain was verified",
            last_hash.as_str(),
            "page 1 / ",
        ] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }
        for hidden in [
            "Owed by the shop to the marketplace",
            "which recovers it from the shop",
        ] {
            assert!(
                !text.contains(hidden),
                "{name}: buyer sees {hidden:?}:\n{text}"
            );
        }

        // The shop's copy tells what it owes the marketplace back.
        let (status, _, pdf) = download(&world, &case_id, Some("en"), &Who::MerchantAgent).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-merchant-en"));
        for expected in [
            "The shop's copy",
            "Owed by the shop to the marketplace",
            "which recovers it from the shop",
            last_hash.as_str(),
        ] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }

        // French by default for staff, and for an unknown language.
        let (status, _, pdf) = download(&world, &case_id, Some("de"), &Who::MerchantAgent).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-merchant-fr"));
        for expected in [
            "Dossier",
            "Exemplaire de la boutique",
            "Historique",
            "Intégrité",
        ] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }

        // The shop appeals; another mediator dismisses the appeal: the decision is final,
        // and with it the marketplace's consumer mediator is offered to the buyer.
        let named = world
            .call(
                "PUT",
                "/api/v1/settings",
                &Who::OperatorAdmin,
                Some(&json!({"mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}})),
            )
            .await;
        assert_eq!(named.status, 200, "{name}: {}", named.body);
        let path = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
        ok(
            &world,
            &path("appeal"),
            &Who::MerchantKey,
            json!({"grounds": "APPEAL-2M7 The parcel left our warehouse intact."}),
        )
        .await;
        ok(
            &world,
            &path("appeal/decision"),
            &Who::Mediator,
            json!({"outcome": "dismissed",
                   "grounds": "APPEAL-HEARD-6T3 The carrier's report confirms the tear."}),
        )
        .await;
        let (status, _, pdf) = download(&world, &case_id, Some("en"), &buyer).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-buyer-final"));
        for expected in [
            "Lodged by",
            "The shop",
            "APPEAL-2M7",
            "Appeal dismissed: the decision stands",
            "APPEAL-HEARD-6T3",
            "Consumer mediator",
            "CM2C",
            "https://www.cm2c.net",
            "Offered to the customer on",
            "The hash chain was verified",
        ] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }

        // The same case read twice is the same document.
        let (_, _, again) = download(&world, &case_id, Some("en"), &buyer).await;
        assert!(
            pdf == again,
            "{name}: two downloads of the same case differ"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_altered_outside_amiable_is_told_in_its_dossier() {
    for world in worlds().await {
        let name = world.name;
        let order_id = world.order_at(world.merchant_id, "DOSSIER-2").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        ok(
            &world,
            &format!("/api/v1/cases/{case_id}/messages"),
            &buyer,
            json!({"body": "The parcel was torn open."}),
        )
        .await;

        // Someone with direct database access disables the guard and rewrites the message.
        let guard: &[&str] = match world.store.backend() {
            amiable_store::Backend::Sqlite => &[
                "DROP TRIGGER case_events_no_update",
                "DROP TRIGGER case_events_no_delete",
            ],
            amiable_store::Backend::Postgres => {
                &["ALTER TABLE case_events DISABLE TRIGGER case_events_no_change"]
            }
        };
        for statement in guard {
            world
                .store
                .raw_execute((*statement).to_owned())
                .await
                .unwrap();
        }
        world
            .store
            .raw_execute(format!(
                "UPDATE case_events SET payload = '{{\"body\":\"REWRITTEN-5P8 The parcel arrived intact.\"}}' WHERE case_id = '{case_id}' AND seq = 2"
            ))
            .await
            .unwrap();

        let (status, _, pdf) = download(&world, &case_id, Some("en"), &Who::Mediator).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-altered"));
        for expected in ["REWRITTEN-5P8", "The hash chain breaks at event 2"] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }
        assert!(
            !text.contains("The hash chain was verified"),
            "{name}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returns_dossier_lists_its_steps_and_the_label_among_the_evidence() {
    for world in worlds().await {
        let name = world.name;
        world
            .set_merchant_settings(
                world.merchant_id,
                &json!({"return_address": {"name": "Atelier (retours)", "lines": ["12 rue des Lilas"],
                                           "postal_code": "75011", "city": "Paris", "country": "FR"}}),
            )
            .await;
        let order_id = world.order_at(world.merchant_id, "DOSSIER-3").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let reply = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                        "items": [{"line_id": "1", "quantity": 1}],
                        "description": "Le pull ne me va pas."}),
            )
            .await;
        assert_eq!(reply.status, 201, "{name}: {}", reply.body);
        let case_id = reply.body["case_id"].as_str().unwrap().to_owned();
        let path = |verb: &str| format!("/api/v1/cases/{case_id}/return/{verb}");
        ok(
            &world,
            &path("authorise"),
            &Who::MerchantAgent,
            json!({"returnless": false}),
        )
        .await;
        let labelled = ok(&world, &path("label"), &Who::MerchantAgent, json!({})).await;
        let tracking = labelled.body["case"]["returns"]["label"]["tracking_number"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        let (status, _, pdf) = download(&world, &case_id, Some("en"), &buyer).await;
        assert_eq!(status, 200, "{name}");
        let text = text_of(&pdf, &format!("{name}-return"));
        for expected in [
            "Return",
            "Return requested",
            "Return shipping paid by the customer",
            "Return label issued",
            "application/pdf",
            tracking.as_str(),
            "No decision was taken in this case.",
            "No appeal was lodged.",
        ] {
            assert!(
                text.contains(expected),
                "{name}: {expected:?} missing:\n{text}"
            );
        }
    }
}
