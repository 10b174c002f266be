//! Notifications through the real path: a case opened over HTTP, the outbox
//! dispatched and delivered by the worker's pass, the deliveries read over
//! the API; a reply by email posted as raw MIME; a webhook receiver on
//! loopback that fails, then succeeds — on SQLite and PostgreSQL.

mod common;

use amiable_app::notifications::inbound::reply_token;
use common::{Who, worlds, worlds_with_ports};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn deliveries(world: &common::World, query: &str) -> Vec<Value> {
    let reply = world
        .get(&format!("/api/v1/deliveries?{query}"), &Who::OperatorAdmin)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_notifies_the_buyer_and_the_shop_once_and_a_reply_comes_back() {
    for world in worlds().await {
        let app = world.state.app().clone();
        let order_id = world.order_at(world.merchant_id, "N-1").await;
        let token = world.buyer_token(&order_id).await;
        let case_id = world.case_on(&order_id, &Who::Buyer(token.clone())).await;
        let pass = app.notify_until_idle("test").await.unwrap();
        assert!(pass.dispatched >= 1, "{}: {pass:?}", world.name);

        let sent = deliveries(&world, &format!("case_id={case_id}&channel=email")).await;
        let to_buyer: Vec<&Value> = sent
            .iter()
            .filter(|d| d["topic"] == "case_opened")
            .collect();
        assert_eq!(to_buyer.len(), 1, "{}: {sent:#?}", world.name);
        let ack = to_buyer[0];
        assert_eq!(ack["recipient"], "claire.martin@exemple.fr");
        assert_eq!(ack["language"], "fr", "the buyer's language");
        assert_eq!(ack["status"], "sent");
        assert_eq!(
            ack["transport"], "mailbox",
            "no SMTP server: kept in the mailbox"
        );
        let short = case_id[..8].to_uppercase();
        assert!(
            ack["subject"]
                .as_str()
                .unwrap()
                .contains(&format!("[Dossier {short}]"))
        );
        let text = ack["body_text"].as_str().unwrap();
        assert!(text.contains("Bonjour Claire Martin"), "{text}");
        assert!(
            text.contains(&format!("dossier={case_id}")),
            "a signed link to the case: {text}"
        );
        assert!(ack["body_html"].as_str().unwrap().contains("<a href="));
        assert!(
            sent.iter()
                .any(|d| d["topic"] == "new_case" && d["audience"] == "merchant"),
            "the shop's staff hear of the new case: {sent:#?}"
        );
        assert!(
            !sent.iter().any(|d| d["audience"] == "operator"),
            "the marketplace is not told of a case it has no part in"
        );

        // Nothing twice: another pass plans and sends nothing new.
        let again = app.notify_until_idle("test-2").await.unwrap();
        assert_eq!((again.dispatched, again.attempted), (0, 0));
        assert_eq!(
            deliveries(&world, &format!("case_id={case_id}&channel=email"))
                .await
                .len(),
            sent.len()
        );

        // The buyer answers the email: one message on the case, without the quote.
        let delivery_id = ack["id"].as_i64().unwrap();
        let reply_to = format!("reply+{}@amiable.localhost", reply_token(&app, delivery_id));
        let raw = format!(
            "From: Claire Martin <claire.martin@exemple.fr>\r\n\
             To: {reply_to}\r\n\
             Subject: Re: {subject}\r\n\
             Message-ID: <reply-1@exemple.fr>\r\n\
             In-Reply-To: {message_id}\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n\
             Bonjour,\r\n\r\nLe colis est arrivé ouvert, je joins une photo demain.\r\n\r\n\
             Le lun. 7 déc. 2026 à 15:03, Atelier <notifications@amiable.localhost> a écrit :\r\n\
             > Bonjour Claire Martin,\r\n> Votre demande est enregistrée.\r\n",
            subject = ack["subject"].as_str().unwrap(),
            message_id = ack["message_id"].as_str().unwrap(),
        );
        let post = |raw: String| {
            let world = &world;
            async move {
                common::World::send(
                    world
                        .request("POST", "/api/v1/inbound/mail", &Who::OperatorKey)
                        .header("content-type", "message/rfc822")
                        .body(raw),
                )
                .await
            }
        };
        let received = post(raw.clone()).await;
        assert_eq!(received.status, 200, "{}", received.body);
        assert_eq!(received.body["outcome"], "posted", "{}", received.body);
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::OperatorAdmin)
            .await;
        let messages: Vec<&Value> = case.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "message_posted")
            .collect();
        assert_eq!(messages.len(), 1, "{}", case.body);
        assert_eq!(
            messages[0]["data"]["body"],
            "Bonjour,\n\nLe colis est arrivé ouvert, je joins une photo demain."
        );
        assert_eq!(messages[0]["actor"]["kind"], "buyer");

        // The same email again, a forged token, an out-of-office, another sender: dropped.
        assert_eq!(post(raw.clone()).await.body["outcome"], "duplicate");
        let forged = raw
            .replace(
                &reply_to,
                &format!("reply+{delivery_id}.0000000000000000@amiable.localhost"),
            )
            .replace("reply-1@", "reply-2@");
        assert_eq!(post(forged).await.body["outcome"], "forged_token");
        let automatic = raw
            .replace(
                "MIME-Version",
                "Auto-Submitted: auto-replied\r\nMIME-Version",
            )
            .replace("reply-1@", "reply-3@");
        assert_eq!(post(automatic).await.body["outcome"], "automatic");
        let stranger = raw
            .replace("claire.martin@exemple.fr>", "someone@else.fr>")
            .replace("reply-1@", "reply-4@");
        assert_eq!(post(stranger).await.body["outcome"], "wrong_sender");
        // Without the token, the notification it answers is found by In-Reply-To.
        let threaded = raw
            .replace(&format!("To: {reply_to}"), "To: litiges@amiable.localhost")
            .replace("reply-1@", "reply-5@");
        assert_eq!(post(threaded).await.body["outcome"], "posted");

        // The buyer's message is the shop's news, not the buyer's own.
        app.notify_until_idle("test-3").await.unwrap();
        let after = deliveries(&world, &format!("case_id={case_id}&channel=email")).await;
        assert!(after.iter().any(|d| d["topic"] == "buyer_message"));
        assert!(!after.iter().any(|d| d["topic"] == "message_to_buyer"));
    }
}

/// A receiver that answers 500 to the first call and 200 after, recording each.
async fn flaky_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/amiable", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buffer = [0u8; 65536];
            loop {
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&request).to_string();
            let first = {
                let mut seen = record.lock().unwrap();
                seen.push(text);
                seen.len() == 1
            };
            let status = if first {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = socket
                .write_all(
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .as_bytes(),
                )
                .await;
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_fails_then_succeeds_gets_the_event_once_signed() {
    let worlds = worlds_with_ports(
        |config| config.notify.webhooks_allow_private = true,
        || amiable_app::Ports {
            webhooks: Arc::new(amiable_connectors::http::HttpWebhooks::new().unwrap()),
            ..amiable_app::Ports::default()
        },
    )
    .await;
    for world in worlds {
        let app = world.state.app().clone();
        let (url, seen) = flaky_receiver().await;
        let created = world
            .post(
                "/api/v1/webhooks",
                &Who::MerchantAdmin,
                &json!({"url": url, "event_types": ["case.opened"], "description": "back office"}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let secret = created.body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));
        let endpoint = created.body["id"].as_str().unwrap().to_owned();

        let order_id = world.order_at(world.merchant_id, "W-1").await;
        let case_id = world.case_on(&order_id, &Who::MerchantAdmin).await;
        app.notify_until_idle("hooks").await.unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1, "the first call");
        let log = world
            .get(
                &format!("/api/v1/webhooks/{endpoint}/deliveries"),
                &Who::MerchantAgent,
            )
            .await;
        let item = &log.body["items"][0];
        assert_eq!(item["status"], "pending", "{}", log.body);
        assert_eq!(item["attempts"], 1);
        assert!(item["last_error"].as_str().unwrap().contains("500"));
        // Not before its back-off (5 s ± 10 %)…
        app.notify_until_idle("hooks").await.unwrap();
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "no retry before the back-off"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5700)).await;
        app.notify_until_idle("hooks").await.unwrap();
        let calls = seen.lock().unwrap().clone();
        assert_eq!(calls.len(), 2, "retried once, then delivered");
        app.notify_until_idle("hooks").await.unwrap();
        assert_eq!(seen.lock().unwrap().len(), 2, "never again after a 200");

        // Both calls carry the same webhook-id; the payload names the case.
        let header = |request: &str, name: &str| {
            request
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                })
                .unwrap()
        };
        assert_eq!(
            header(&calls[0], "webhook-id"),
            header(&calls[1], "webhook-id")
        );
        let body = calls[1].split_once("\r\n\r\n").unwrap().1.to_owned();
        let payload: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(payload["type"], "case.opened");
        assert_eq!(payload["data"]["case_id"], case_id);
        // The signature verifies with our reading of the specification…
        let id = header(&calls[1], "webhook-id");
        let timestamp: i64 = header(&calls[1], "webhook-timestamp").parse().unwrap();
        let signature = header(&calls[1], "webhook-signature");
        assert_eq!(
            signature,
            amiable_app::notifications::webhooks::sign(&[&secret], &id, timestamp, &body)
        );
        // …and with the reference library (PyPI `standardwebhooks`), where installed.
        verify_with_reference(&secret, &id, timestamp, &signature, &body);
        let log = world
            .get(
                &format!("/api/v1/webhooks/{endpoint}/deliveries"),
                &Who::MerchantAgent,
            )
            .await;
        assert_eq!(log.body["items"][0]["status"], "sent");
    }
}

fn verify_with_reference(secret: &str, id: &str, timestamp: i64, signature: &str, body: &str) {
    let script = "import sys,json\nfrom standardwebhooks.webhooks import Webhook\n\
        d=json.load(sys.stdin)\n\
        Webhook(d['secret']).verify(d['body'], {'webhook-id': d['id'], 'webhook-timestamp': str(d['ts']), 'webhook-signature': d['sig']})\n\
        print('verified')";
    let input =
        json!({"secret": secret, "id": id, "ts": timestamp, "sig": signature, "body": body});
    let child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var("AMIABLE_REQUIRE_STANDARDWEBHOOKS").is_err(),
            "python3 is needed"
        );
        return;
    };
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named") {
        assert!(
            std::env::var("AMIABLE_REQUIRE_STANDARDWEBHOOKS").is_err(),
            "the standardwebhooks package is needed (pip install standardwebhooks)"
        );
        eprintln!("standardwebhooks not installed: reference check skipped");
        return;
    }
    assert!(
        output.status.success(),
        "the reference library refused the signature: {stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_sets_their_own_preferences_over_the_api() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "N-PREFS").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let put = |who: Who, body: Value| {
            let world = &world;
            async move {
                world
                    .call("PUT", "/api/v1/notification-preferences", &who, Some(&body))
                    .await
            }
        };
        let mine = world.get("/api/v1/notification-preferences", &buyer).await;
        assert_eq!(mine.status, 200, "{}: {}", world.name, mine.body);
        assert_eq!(
            mine.body,
            json!({"email": true, "sms": false, "updates": true, "daily_digest": false, "phone": null})
        );
        // A wrong number: 422 naming the field, nothing saved.
        let wrong = put(buyer.clone(), json!({"sms": true, "phone": "12"})).await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
        assert_eq!(wrong.body["errors"][0]["field"], "phone");
        let digest = put(buyer.clone(), json!({"daily_digest": true})).await;
        assert_eq!(digest.body["code"], "preferences.staff_only");
        let unknown = put(buyer.clone(), json!({"newsletter": true})).await;
        assert_eq!(unknown.status, 422);
        let saved = put(
            buyer.clone(),
            json!({"sms": true, "phone": "+44 7700 900123", "updates": false}),
        )
        .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert_eq!(saved.body["phone"], "+447700900123");
        assert_eq!(
            world
                .get("/api/v1/notification-preferences", &buyer)
                .await
                .body["updates"],
            false
        );
        // Staff: their own, email only.
        let staff = put(Who::MerchantAgent, json!({"daily_digest": true})).await;
        assert_eq!(staff.status, 200, "{}", staff.body);
        assert_eq!(staff.body["daily_digest"], true);
        let sms = put(Who::MerchantAgent, json!({"sms": true})).await;
        assert_eq!(sms.body["code"], "preferences.buyers_only");
        assert_eq!(
            world
                .get("/api/v1/notification-preferences", &Who::MerchantAdmin)
                .await
                .body["daily_digest"],
            false,
            "another person's choices are their own"
        );
        // Integrations have none.
        for key in [Who::OperatorKey, Who::MerchantKey] {
            assert_eq!(
                world
                    .get("/api/v1/notification-preferences", &key)
                    .await
                    .status,
                403
            );
        }
        assert_eq!(
            world
                .get("/api/v1/notification-preferences", &Who::Anonymous)
                .await
                .status,
            401
        );
    }
}
