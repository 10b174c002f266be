//! Settings through the API: a merchant's (return address, contact, time zone,
//! language, withdrawal notice address) and the marketplace's; checked field by
//! field, all or nothing, leaving the settings other parts own; and what they
//! change (labels, the language of imported buyers, the model withdrawal form).
//! Every test runs on SQLite, and on PostgreSQL when AMIABLE_TEST_DATABASE_URL is set.

mod common;

use common::{Who, World, worlds};
use serde_json::{Value, json};

fn shop_settings() -> Value {
    json!({
        "return_address": {"name": "Atelier – Retours", "lines": ["12 rue de l’Église", "Bâtiment B"],
                           "postal_code": "69002", "city": "Lyon", "country": "FR"},
        "contact": {"email": "Bonjour@Atelier.EXAMPLE", "phone": "+33 4 72 00 00 00",
                    "hours": "du lundi au vendredi, de 9 h à 18 h"},
        "time_zone": "America/Martinique",
        "language": "en",
        "withdrawal_notice": {
            "address": {"name": "Atelier SARL", "lines": ["3 place Bellecour"],
                        "postal_code": "69002", "city": "Lyon", "country": "FR"},
            "email": "retractation@atelier.example"
        }
    })
}

async fn put(world: &World, path: &str, who: &Who, body: &Value) -> common::Reply {
    world.call("PUT", path, who, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_sets_its_settings_and_reads_them_back() {
    for world in worlds().await {
        let path = format!("/api/v1/merchants/{}/settings", world.merchant_id);
        // Something another part owns: the settings API leaves it.
        world
            .store
            .raw_execute(format!(
                "UPDATE merchants SET settings = '{}' WHERE id = '{}'",
                json!({"agents": [{"id": "a1", "name": "Nina"}]}),
                world.merchant_id
            ))
            .await
            .unwrap();
        let empty = world.get(&path, &Who::MerchantAgent).await;
        assert_eq!(empty.status, 200, "{}: {}", world.name, empty.body);
        assert_eq!(empty.body, json!({}));

        let saved = put(&world, &path, &Who::MerchantAdmin, &shop_settings()).await;
        assert_eq!(saved.status, 200, "{}: {}", world.name, saved.body);
        // Emails keep their local part and lower-case their domain.
        assert_eq!(saved.body["contact"]["email"], "Bonjour@atelier.example");
        let read = world.get(&path, &Who::MerchantAgent).await;
        assert_eq!(read.body, saved.body, "{}", world.name);
        let stored = world
            .store
            .merchant(world.merchant_id)
            .await
            .unwrap()
            .unwrap()
            .settings;
        assert_eq!(stored["agents"][0]["name"], "Nina");

        // A field left out is unset.
        let mut fewer = shop_settings();
        fewer.as_object_mut().unwrap().remove("contact");
        let saved = put(&world, &path, &Who::MerchantKey, &fewer).await;
        assert_eq!(saved.status, 200);
        assert!(saved.body.get("contact").is_none());
        assert!(
            world
                .get(&path, &Who::OperatorAdmin)
                .await
                .body
                .get("contact")
                .is_none()
        );

        // An agent reads, never writes; another merchant's settings are out of reach.
        let refused = put(&world, &path, &Who::MerchantAgent, &shop_settings()).await;
        assert_eq!(refused.status, 403);
        let other = format!("/api/v1/merchants/{}/settings", world.other_merchant_id);
        assert_eq!(world.get(&other, &Who::MerchantAdmin).await.status, 404);
        let foreign = format!("/api/v1/merchants/{}/settings", world.foreign_merchant_id);
        assert_eq!(world.get(&foreign, &Who::OperatorAdmin).await.status, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_faulty_field_is_named_and_nothing_is_written() {
    for world in worlds().await {
        let path = format!("/api/v1/merchants/{}/settings", world.merchant_id);
        assert_eq!(
            put(&world, &path, &Who::MerchantAdmin, &shop_settings())
                .await
                .status,
            200
        );
        let before = world.get(&path, &Who::MerchantAdmin).await.body;
        let mut bad = shop_settings();
        bad["return_address"]["postal_code"] = json!("");
        // Five digits in France.
        bad["withdrawal_notice"]["address"]["postal_code"] = json!("123");
        bad["return_address"]["country"] = json!("France");
        bad["contact"]["phone"] = json!("12");
        bad["time_zone"] = json!("Europe/Lyon");
        bad["withdrawal_notice"]["address"]["lines"] = json!([]);
        bad["withdrawal_notice"]["email"] = json!("pas une adresse");
        let refused = put(&world, &path, &Who::MerchantAdmin, &bad).await;
        assert_eq!(refused.status, 422, "{}: {}", world.name, refused.body);
        assert_eq!(refused.body["code"], "validation.failed");
        let named: Vec<(String, String)> = refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for expected in [
            ("return_address.postal_code", "address.postal_code_invalid"),
            ("return_address.country", "address.country_invalid"),
            ("contact.phone", "phone.invalid"),
            ("time_zone", "settings.time_zone_unknown"),
            ("withdrawal_notice.address.lines", "address.lines_invalid"),
            (
                "withdrawal_notice.address.postal_code",
                "address.postal_code_invalid",
            ),
            ("withdrawal_notice.email", "settings.email_invalid"),
        ] {
            assert!(
                named.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{}: {expected:?} not in {named:?}",
                world.name
            );
        }
        assert_eq!(world.get(&path, &Who::MerchantAdmin).await.body, before);
        // An unknown field and a wrong type are refused too, by name.
        let unknown = put(
            &world,
            &path,
            &Who::MerchantAdmin,
            &json!({"return_adress": {}}),
        )
        .await;
        assert_eq!(unknown.status, 422, "{}", unknown.body);
        assert_eq!(unknown.body["errors"][0]["field"], "return_adress");
        assert_eq!(unknown.body["errors"][0]["code"], "field.unknown");
        let wrong = put(
            &world,
            &path,
            &Who::MerchantAdmin,
            &json!({"language": "de"}),
        )
        .await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
        assert_eq!(
            wrong.body["errors"][0]["field"], "language",
            "{}",
            wrong.body
        );
        assert_eq!(world.get(&path, &Who::MerchantAdmin).await.body, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_change_what_buyers_and_labels_get() {
    for world in worlds().await {
        let path = format!("/api/v1/merchants/{}/settings", world.merchant_id);
        // Without a return address, no label.
        let order_id = world.order_at(world.merchant_id, "SET-LABEL").await;
        let case_id = open_return(&world, &order_id).await;
        let no_label = world
            .post(
                &format!("/api/v1/cases/{case_id}/return/label"),
                &Who::MerchantAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(no_label.status, 422, "{}", no_label.body);
        assert_eq!(
            no_label.body["errors"][0]["code"],
            "label.return_address_missing"
        );
        assert_eq!(
            put(&world, &path, &Who::MerchantAdmin, &shop_settings())
                .await
                .status,
            200
        );
        let label = world
            .post(
                &format!("/api/v1/cases/{case_id}/return/label"),
                &Who::MerchantAdmin,
                &json!({}),
            )
            .await;
        assert!(label.status < 300, "{}: {}", world.name, label.body);

        // A buyer imported without a language gets the shop's.
        let mut body = World::order_body(Some(world.merchant_id), "SET-LANG");
        body["order"]["buyer"]
            .as_object_mut()
            .unwrap()
            .remove("locale");
        let created = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["order"]["buyer"]["locale"], "en");
        // One that names one keeps it.
        let named = World::order_body(Some(world.merchant_id), "SET-LANG-FR");
        let created = world
            .post("/api/v1/orders", &Who::OperatorKey, &named)
            .await;
        assert_eq!(created.body["order"]["buyer"]["locale"], "fr");
        // The other shop names none: the marketplace's language, then French.
        let mut other = World::order_body(Some(world.other_merchant_id), "SET-LANG-OTHER");
        other["order"]["buyer"]
            .as_object_mut()
            .unwrap()
            .remove("locale");
        let created = world
            .post("/api/v1/orders", &Who::OperatorKey, &other)
            .await;
        assert_eq!(created.body["order"]["buyer"]["locale"], "fr");
        let marketplace = put(
            &world,
            "/api/v1/settings",
            &Who::OperatorAdmin,
            &json!({"language": "en"}),
        )
        .await;
        assert_eq!(marketplace.status, 200, "{}", marketplace.body);
        other["order"]["external_id"] = json!("SET-LANG-OTHER-2");
        let created = world
            .post("/api/v1/orders", &Who::OperatorKey, &other)
            .await;
        assert_eq!(created.body["order"]["buyer"]["locale"], "en");

        // The model withdrawal form is addressed to the seller, with its notice address.
        let token = world.buyer_token(&order_id).await;
        let page = World::send_raw(
            world
                .client
                .get(format!("{}/suivi/retractation", world.base))
                .header("cookie", format!("amiable_buyer={token}"))
                .header("accept-language", "fr"),
        )
        .await;
        assert_eq!(page.status, 200);
        assert!(
            page.text.contains("3 place Bellecour")
                && page.text.contains("retractation@atelier.example"),
            "{}: {}",
            world.name,
            page.text
        );
        // The shop's contact on the buyer's order page.
        let page = World::send_raw(
            world
                .client
                .get(format!("{}/suivi/commande/{order_id}", world.base))
                .header("cookie", format!("amiable_buyer={token}"))
                .header("accept-language", "fr"),
        )
        .await;
        assert!(
            page.text.contains("mailto:Bonjour@atelier.example")
                && page.text.contains("tel:+33472000000")
                && page.text.contains("du lundi au vendredi"),
            "{}",
            world.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_marketplace_sets_its_own() {
    for world in worlds().await {
        let settings = json!({
            "contact": {"email": "mediation@marche.example", "hours": "9 h – 18 h"},
            "time_zone": "Europe/Paris",
            "language": "fr",
            "mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}
        });
        let saved = put(&world, "/api/v1/settings", &Who::OperatorKey, &settings).await;
        assert_eq!(saved.status, 200, "{}: {}", world.name, saved.body);
        assert_eq!(
            world.get("/api/v1/settings", &Who::Mediator).await.body,
            saved.body
        );
        // The mediator reads, never writes; a merchant's people never reach it.
        assert_eq!(
            put(&world, "/api/v1/settings", &Who::Mediator, &settings)
                .await
                .status,
            403
        );
        assert_eq!(
            world
                .get("/api/v1/settings", &Who::MerchantAdmin)
                .await
                .status,
            404
        );
        let mut bad = settings.clone();
        bad["mediator"]["website"] = json!("cm2c");
        bad["contact"] = json!({"hours": "9 h – 18 h"});
        let refused = put(&world, "/api/v1/settings", &Who::OperatorAdmin, &bad).await;
        assert_eq!(refused.status, 422);
        let fields: Vec<&str> = refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"mediator.website") && fields.contains(&"contact"),
            "{fields:?}"
        );
        // Another marketplace's settings are its own.
        let theirs = world
            .get("/api/v1/settings", &Who::OtherOperatorAdmin)
            .await;
        assert_eq!(theirs.status, 200);
        assert_ne!(theirs.body, saved.body);
    }
}

/// A withdrawal return of one pull on `order_id`, asked by the buyer and authorised.
async fn open_return(world: &World, order_id: &str) -> String {
    let buyer = Who::Buyer(world.buyer_token(order_id).await);
    let opened = world
        .post(
            "/api/v1/cases",
            &buyer,
            &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                    "items": [{"line_id": "1", "quantity": 1}], "description": "Trop petit."}),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let case_id = opened.body["case_id"].as_str().unwrap().to_owned();
    let authorised = world
        .post(
            &format!("/api/v1/cases/{case_id}/return/authorise"),
            &Who::MerchantAgent,
            &json!({}),
        )
        .await;
    assert_eq!(authorised.status, 200, "{}", authorised.body);
    case_id
}
