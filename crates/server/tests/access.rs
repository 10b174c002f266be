//! Authentication through real HTTP, on SQLite and PostgreSQL: staff login
//! sessions and their CSRF token, the buyer's order lookup and its signed
//! tokens, API keys, user administration and buyer links.

mod common;

use amiable_domain::access::Role;
use amiable_domain::ids::OrderId;
use amiable_server::auth::BuyerClaims;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Reply, Who, World, png, worlds, worlds_with};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

const LOGIN: &str = "/api/v1/auth/login";
const LOGOUT: &str = "/api/v1/auth/logout";
const ME: &str = "/api/v1/auth/me";
const LOOKUP: &str = "/api/v1/buyer/access";
const SECRET: &str = "une longue phrase de passe";

async fn login(world: &World, email: &str, password: &str) -> Reply {
    world
        .post(
            LOGIN,
            &Who::Anonymous,
            &json!({"email": email, "password": password}),
        )
        .await
}

/// The `name=value` part of a `Set-Cookie` header.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

fn set_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get("set-cookie")
        .unwrap_or_else(|| panic!("no Set-Cookie: {:?}", reply.headers))
        .to_str()
        .unwrap()
        .to_owned()
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

fn field_codes(reply: &Reply) -> Vec<(String, String)> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn message(case_id: &str) -> String {
    format!("/api/v1/cases/{case_id}/messages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_gives_a_session_whose_writes_need_the_csrf_token() {
    for world in worlds().await {
        let user = world
            .user_with_password(
                Role::MerchantAdmin,
                Some(world.merchant_id),
                "Responsable@Atelier.fr",
                SECRET,
            )
            .await;
        // The login is the email in any case.
        let reply = login(&world, "responsable@ATELIER.fr", SECRET).await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        let header = set_cookie(&reply);
        assert!(header.starts_with("amiable_session="), "{header}");
        let attrs = attributes(&header);
        assert!(attrs.contains(&"httponly".into()), "{header}");
        assert!(attrs.contains(&"samesite=lax".into()), "{header}");
        assert!(attrs.contains(&"path=/".into()), "{header}");
        assert!(!attrs.contains(&"secure".into()), "plain http: {header}");
        let cookie = cookie_pair(&header);
        assert!(cookie.len() > "amiable_session=".len() + 30, "{cookie}");
        let csrf = reply.body["csrf_token"].as_str().unwrap().to_owned();
        assert!(csrf.len() >= 32, "{csrf}");
        assert_eq!(reply.body["user"]["id"], json!(user.id));
        assert_eq!(reply.body["user"]["email"], "responsable@atelier.fr");
        assert_eq!(reply.body["user"]["role"], "merchant_admin");
        assert!(
            reply.body["user"].get("password_hash").is_none(),
            "{}",
            reply.body
        );
        assert!(
            !reply.body.to_string().contains("$argon2"),
            "{}",
            reply.body
        );
        assert!(reply.body["expires_at"].is_string());

        // Who am I: the role, the merchant, and the same CSRF token.
        let me = World::send(world.with_cookie("GET", ME, &cookie, None)).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["kind"], "merchant_admin");
        assert_eq!(me.body["merchant_id"], json!(world.merchant_id));
        assert_eq!(me.body["operator_id"], json!(world.operator_id));
        assert_eq!(me.body["user"]["id"], json!(user.id));
        assert_eq!(me.body["csrf_token"], json!(csrf));
        assert!(me.body["user"].get("password_hash").is_none());

        // An expired session is no session.
        let stale = amiable_server::auth::random_token();
        world
            .store
            .create_session(&amiable_store::Session {
                token_hash: amiable_server::auth::sha256_hex(&stale),
                user_id: user.id.clone(),
                csrf_token: "stale-csrf".into(),
                expires_at: Timestamp::now() - SignedDuration::from_mins(1),
            })
            .await
            .unwrap();
        let reply =
            World::send(world.with_cookie("GET", ME, &format!("amiable_session={stale}"), None))
                .await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.body["code"], "auth.required");

        // Reads need no CSRF token.
        let orders = World::send(world.with_cookie("GET", "/api/v1/orders", &cookie, None)).await;
        assert_eq!(orders.status, 200, "{}", orders.body);

        // Writes without the token, or with another one, change nothing.
        let order = world.order_at(world.merchant_id, "CSRF-1").await;
        let case_id = world.case_on(&order, &Who::OperatorKey).await;
        let before = world.counts().await;
        for csrf_given in [None, Some("not-the-token"), Some("")] {
            let reply = World::send(
                world
                    .with_cookie("POST", &message(&case_id), &cookie, csrf_given)
                    .json(&json!({"body": "Bonjour"})),
            )
            .await;
            assert_eq!(reply.status, 403, "{csrf_given:?}: {}", reply.body);
            assert_eq!(reply.body["code"], "auth.csrf_failed");
            let reply = World::send(
                world
                    .with_cookie("POST", "/api/v1/orders", &cookie, csrf_given)
                    .json(&World::order_body(None, "CSRF-2")),
            )
            .await;
            assert_eq!(reply.status, 403, "{csrf_given:?}: {}", reply.body);
            assert_eq!(reply.body["code"], "auth.csrf_failed");
        }
        // The session's own token in another session's request is refused too.
        let other = &world.sessions["merchant_admin"];
        let reply = World::send(
            world
                .with_cookie("POST", &message(&case_id), &other.cookie, Some(&csrf))
                .json(&json!({"body": "Bonjour"})),
        )
        .await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(world.counts().await, before, "{}", world.name);

        // With the token: done.
        let reply = World::send(
            world
                .with_cookie("POST", &message(&case_id), &cookie, Some(&csrf))
                .json(&json!({"body": "Bonjour"})),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body["events"][0]["actor"]["id"],
            json!(user.id),
            "{}",
            reply.body
        );
        let reply = World::send(
            world
                .with_cookie("POST", "/api/v1/orders", &cookie, Some(&csrf))
                .json(&World::order_body(None, "CSRF-2")),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["order"]["merchant_id"], json!(world.merchant_id));
        let (orders, cases, events) = world.counts().await;
        assert_eq!(
            (orders, cases, events),
            (before.0 + 1, before.1, before.2 + 1)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_needs_the_csrf_token_and_ends_the_session() {
    for world in worlds().await {
        world
            .user_with_password(Role::Mediator, None, "sortie@marche.fr", SECRET)
            .await;
        let reply = login(&world, "sortie@marche.fr", SECRET).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let cookie = cookie_pair(&set_cookie(&reply));
        let csrf = reply.body["csrf_token"].as_str().unwrap().to_owned();

        for csrf_given in [None, Some("wrong")] {
            let reply = World::send(world.with_cookie("POST", LOGOUT, &cookie, csrf_given)).await;
            assert_eq!(reply.status, 403, "{}", reply.body);
            assert_eq!(reply.body["code"], "auth.csrf_failed");
        }
        // Still signed in.
        let me = World::send(world.with_cookie("GET", ME, &cookie, None)).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["kind"], "mediator");

        let reply = World::send(world.with_cookie("POST", LOGOUT, &cookie, Some(&csrf))).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        let cleared = set_cookie(&reply);
        assert!(cleared.starts_with("amiable_session=;"), "{cleared}");
        assert!(
            attributes(&cleared).contains(&"max-age=0".into()),
            "{cleared}"
        );

        // The cookie is dead, for reads and writes alike.
        let me = World::send(world.with_cookie("GET", ME, &cookie, None)).await;
        assert_eq!(me.status, 401, "{}", me.body);
        assert_eq!(me.body["code"], "auth.required");
        let list =
            World::send(world.with_cookie("GET", "/api/v1/cases", &cookie, Some(&csrf))).await;
        assert_eq!(list.status, 401, "{}", list.body);
        assert_eq!(list.body["code"], "auth.required");
        // Logging out again (or without any session) is harmless.
        let reply = World::send(world.with_cookie("POST", LOGOUT, &cookie, Some(&csrf))).await;
        assert_eq!(reply.status, 204);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_an_https_public_url() {
    let https = worlds_with(|c| c.public_url = Some("https://litiges.example.fr".into())).await;
    for world in https {
        world
            .user_with_password(Role::OperatorAdmin, None, "tls@marche.fr", SECRET)
            .await;
        let reply = login(&world, "tls@marche.fr", SECRET).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let header = set_cookie(&reply);
        let attrs = attributes(&header);
        assert!(attrs.contains(&"secure".into()), "{}: {header}", world.name);
        assert!(attrs.contains(&"httponly".into()), "{header}");
        assert!(attrs.contains(&"samesite=lax".into()), "{header}");
        // Links are built on the public URL.
        let order = world.order_at(world.merchant_id, "TLS-1").await;
        let link = world
            .post(
                &format!("/api/v1/orders/{order}/buyer-link"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_eq!(link.status, 201, "{}", link.body);
        let token = link.body["token"].as_str().unwrap();
        assert_eq!(
            link.body["link"],
            json!(format!("https://litiges.example.fr/suivi?token={token}"))
        );
    }
    // Over plain http, a proxy saying the request came over HTTPS also makes it Secure.
    for world in worlds().await {
        world
            .user_with_password(Role::OperatorAdmin, None, "proxy@marche.fr", SECRET)
            .await;
        let reply = World::send(
            world
                .request("POST", LOGIN, &Who::Anonymous)
                .header("x-forwarded-proto", "https")
                .json(&json!({"email": "proxy@marche.fr", "password": SECRET})),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(attributes(&set_cookie(&reply)).contains(&"secure".into()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_an_unknown_email_and_a_disabled_account_look_the_same() {
    for world in worlds().await {
        let user = world
            .user_with_password(
                Role::MerchantAgent,
                Some(world.merchant_id),
                "agent@atelier.fr",
                SECRET,
            )
            .await;
        let attempt = |email: &'static str, password: &'static str| {
            World::send_raw(
                world
                    .request("POST", LOGIN, &Who::Anonymous)
                    .json(&json!({"email": email, "password": password})),
            )
        };
        let wrong_password = attempt("agent@atelier.fr", "une autre phrase secrète").await;
        let unknown_email = attempt("personne@atelier.fr", SECRET).await;
        for reply in [&wrong_password, &unknown_email] {
            assert_eq!(reply.status, 401, "{}", reply.text);
            assert!(reply.headers.get("set-cookie").is_none());
            assert!(reply.headers.get("www-authenticate").is_some());
            let body: Value = serde_json::from_str(&reply.text).unwrap();
            assert_eq!(body["code"], "auth.invalid_credentials");
        }
        assert_eq!(wrong_password.text, unknown_email.text, "{}", world.name);

        // A session opened before the account is disabled stops working with it.
        let reply = login(&world, "agent@atelier.fr", SECRET).await;
        assert_eq!(reply.status, 200);
        let cookie = cookie_pair(&set_cookie(&reply));
        let disabled_at = Timestamp::now().as_microsecond();
        let changed = world
            .store
            .raw_execute(format!(
                "UPDATE users SET disabled_at = {disabled_at} WHERE id = '{}'",
                user.id
            ))
            .await
            .unwrap();
        assert_eq!(changed, 1);
        let disabled = attempt("agent@atelier.fr", SECRET).await;
        assert_eq!(disabled.status, 401, "{}", disabled.text);
        assert_eq!(disabled.text, unknown_email.text, "{}", world.name);
        assert!(disabled.headers.get("set-cookie").is_none());
        let me = World::send(world.with_cookie("GET", ME, &cookie, None)).await;
        assert_eq!(me.status, 401, "{}", me.body);
        assert_eq!(me.body["code"], "auth.required");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_rate_limited() {
    for world in worlds_with(|c| c.login_rate = (3, 1)).await {
        world
            .user_with_password(Role::OperatorAdmin, None, "limite@marche.fr", SECRET)
            .await;
        for i in 0..3 {
            let reply = login(&world, "limite@marche.fr", "pas le bon mot de passe").await;
            assert_eq!(reply.status, 401, "attempt {i}: {}", reply.body);
        }
        // Even the right password is refused now, and nothing is checked.
        for password in ["pas le bon mot de passe", SECRET] {
            let reply = login(&world, "limite@marche.fr", password).await;
            assert_eq!(reply.status, 429, "{}: {}", world.name, reply.body);
            assert_eq!(reply.body["code"], "rate_limited");
            assert!(reply.headers.get("set-cookie").is_none());
            let retry: u64 = reply.headers["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
            assert_eq!(reply.body["retry_after"], json!(retry));
        }
    }
}

fn lookup_body(operator: &str, number: &str, email: &str) -> Value {
    json!({"operator": operator, "order_number": number, "email": email})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_finds_an_order_by_number_and_email() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "CMD-1001").await;
        let other = world.order_at(world.merchant_id, "CMD-1002").await;
        let case_id = world.case_on(&order, &Who::OperatorKey).await;
        let other_case = world.case_on(&other, &Who::OperatorKey).await;

        // The email in another case than the order's.
        let reply = world
            .post(
                LOOKUP,
                &Who::Anonymous,
                &lookup_body("marche", " CMD-1001 ", "CLAIRE.Martin@Exemple.FR"),
            )
            .await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        let found = reply.body["orders"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{}", reply.body);
        assert_eq!(found[0]["order_id"], json!(order));
        assert_eq!(found[0]["merchant_id"], json!(world.merchant_id));
        let token = found[0]["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("amb_"), "{token}");
        assert_eq!(found[0]["link"], json!(format!("/suivi?token={token}")));
        let expires: Timestamp = found[0]["expires_at"].as_str().unwrap().parse().unwrap();
        let ttl = expires.duration_since(Timestamp::now());
        assert!(
            ttl > SignedDuration::from_mins(100) && ttl <= SignedDuration::from_mins(121),
            "{ttl:?}"
        );

        // The token reads its order and its cases, nothing else.
        let buyer = Who::Buyer(token.clone());
        let me = world.get(ME, &buyer).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["kind"], "buyer");
        assert_eq!(me.body["order_id"], json!(order));
        let read = world.get(&format!("/api/v1/orders/{order}"), &buyer).await;
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(read.body["order"]["id"], json!(order));
        let list = world.get("/api/v1/cases", &buyer).await;
        assert_eq!(list.status, 200, "{}", list.body);
        let ids: Vec<&Value> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["case_id"])
            .collect();
        assert_eq!(ids, vec![&json!(case_id)]);
        let read = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        assert_eq!(read.status, 200, "{}", read.body);
        let denied = world.get(&format!("/api/v1/orders/{other}"), &buyer).await;
        assert_eq!(denied.status, 404, "{}", denied.body);
        assert_eq!(denied.body["code"], "order.not_found");
        let denied = world
            .get(&format!("/api/v1/cases/{other_case}"), &buyer)
            .await;
        assert_eq!(denied.status, 404, "{}", denied.body);
        let denied = world
            .get(&format!("/api/v1/cases?order_id={other}"), &buyer)
            .await;
        assert_eq!(denied.status, 404, "{}", denied.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_lookup_says_nothing_about_what_was_wrong() {
    for world in worlds().await {
        world.order_at(world.merchant_id, "CMD-2001").await;
        // The same number at the other operator, with the same buyer.
        world.order_at(world.foreign_merchant_id, "CMD-3001").await;
        let attempt = |body: Value| {
            World::send_raw(world.request("POST", LOOKUP, &Who::Anonymous).json(&body))
        };
        let wrong_email = attempt(lookup_body("marche", "CMD-2001", "quelquun@exemple.fr")).await;
        let unknown_number = attempt(lookup_body(
            "marche",
            "CMD-9999",
            "claire.martin@exemple.fr",
        ))
        .await;
        let unknown_operator = attempt(lookup_body(
            "nulle-part",
            "CMD-2001",
            "claire.martin@exemple.fr",
        ))
        .await;
        let other_operator = attempt(lookup_body(
            "marche",
            "CMD-3001",
            "claire.martin@exemple.fr",
        ))
        .await;
        for reply in [
            &wrong_email,
            &unknown_number,
            &unknown_operator,
            &other_operator,
        ] {
            assert_eq!(reply.status, 404, "{}", reply.text);
            let body: Value = serde_json::from_str(&reply.text).unwrap();
            assert_eq!(body["code"], "buyer.lookup_failed", "{body}");
            assert_eq!(reply.text, wrong_email.text, "{}", world.name);
        }
        // Two marketplaces are hosted here: the buyer must name one.
        let reply = world
            .post(
                LOOKUP,
                &Who::Anonymous,
                &json!({"order_number": "CMD-2001", "email": "claire.martin@exemple.fr"}),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("operator".into(), "field.required".into())]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_number_at_two_merchants_gives_one_token_each() {
    for world in worlds().await {
        let own = world.order_at(world.merchant_id, "CMD-4001").await;
        let neighbour = world.order_at(world.other_merchant_id, "CMD-4001").await;
        let reply = world
            .post(
                LOOKUP,
                &Who::Anonymous,
                &lookup_body("marche", "CMD-4001", "claire.martin@exemple.fr"),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let found = reply.body["orders"].as_array().unwrap();
        let mut ids: Vec<String> = found
            .iter()
            .map(|o| o["order_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        let mut expected = vec![own.clone(), neighbour.clone()];
        expected.sort();
        assert_eq!(ids, expected, "{}", world.name);
        for entry in found {
            let token = entry["token"].as_str().unwrap().to_owned();
            let mine = entry["order_id"].as_str().unwrap();
            let theirs = if mine == own { &neighbour } else { &own };
            let buyer = Who::Buyer(token);
            assert_eq!(
                world
                    .get(&format!("/api/v1/orders/{mine}"), &buyer)
                    .await
                    .status,
                200
            );
            assert_eq!(
                world
                    .get(&format!("/api/v1/orders/{theirs}"), &buyer)
                    .await
                    .status,
                404
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_tampered_buyer_tokens_are_refused() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "CMD-5001").await;
        let other = world.order_at(world.merchant_id, "CMD-5002").await;
        let path = format!("/api/v1/orders/{order}");
        let summary = world
            .store
            .order(OrderId::parse(&order).unwrap())
            .await
            .unwrap()
            .unwrap()
            .order;
        let claims = |expires_at: Timestamp| BuyerClaims {
            operator_id: summary.operator_id,
            merchant_id: summary.merchant_id,
            order_id: summary.id,
            expires_at,
        };
        let expired = world
            .state
            .app()
            .buyer_tokens()
            .mint(&claims(Timestamp::now() - SignedDuration::from_mins(1)));
        let reply = world.get(&path, &Who::Buyer(expired)).await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.body["code"], "auth.token_expired");
        assert!(reply.headers.get("www-authenticate").is_some());

        let valid = world
            .state
            .app()
            .buyer_tokens()
            .mint(&claims(Timestamp::now() + SignedDuration::from_hours(1)));
        assert_eq!(
            world.get(&path, &Who::Buyer(valid.clone())).await.status,
            200
        );
        let (payload, tag) = valid.strip_prefix("amb_").unwrap().split_once('.').unwrap();

        // A character of the signature changed.
        let mut tag_chars: Vec<char> = tag.chars().collect();
        tag_chars[5] = if tag_chars[5] == 'A' { 'B' } else { 'A' };
        let bad_tag = format!("amb_{payload}.{}", tag_chars.iter().collect::<String>());
        // The claims rewritten to name another order, the signature kept.
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[32..48].copy_from_slice(OrderId::parse(&other).unwrap().as_bytes());
        let forged = format!("amb_{}.{tag}", URL_SAFE_NO_PAD.encode(&bytes));
        // The expiry pushed later, the signature kept.
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[55] ^= 1;
        let extended = format!("amb_{}.{tag}", URL_SAFE_NO_PAD.encode(&bytes));
        let tampered = [
            bad_tag,
            forged,
            extended,
            format!("amb_{payload}"),
            format!("amb_{payload}.{tag}x"),
            "amb_".to_owned(),
            "amb_x.y".to_owned(),
        ];
        for token in tampered {
            for target in [&order, &other] {
                let reply = world
                    .get(
                        &format!("/api/v1/orders/{target}"),
                        &Who::Buyer(token.clone()),
                    )
                    .await;
                assert_eq!(reply.status, 401, "{token}: {}", reply.body);
                assert_eq!(reply.body["code"], "auth.invalid_token", "{token}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyer_lookups_are_rate_limited() {
    for world in worlds_with(|c| c.lookup_rate = (2, 1)).await {
        world.order_at(world.merchant_id, "CMD-6001").await;
        let good = lookup_body("marche", "CMD-6001", "claire.martin@exemple.fr");
        let bad = lookup_body("marche", "CMD-6001", "autre@exemple.fr");
        assert_eq!(world.post(LOOKUP, &Who::Anonymous, &bad).await.status, 404);
        assert_eq!(world.post(LOOKUP, &Who::Anonymous, &good).await.status, 200);
        for body in [&good, &bad] {
            let reply = world.post(LOOKUP, &Who::Anonymous, body).await;
            assert_eq!(reply.status, 429, "{}: {}", world.name, reply.body);
            assert_eq!(reply.body["code"], "rate_limited");
            assert!(reply.body.get("orders").is_none());
            let retry: u64 = reply.headers["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry >= 1);
            assert_eq!(reply.body["retry_after"], json!(retry));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_is_shown_once_works_and_dies_when_revoked() {
    for world in worlds().await {
        let reply = world
            .post(
                "/api/v1/api-keys",
                &Who::OperatorAdmin,
                &json!({"name": "ERP"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
        let id = reply.body["id"].as_str().unwrap().to_owned();
        let key = reply.body["key"].as_str().unwrap().to_owned();
        assert!(key.starts_with(&format!("amk_{id}_")), "{key}");
        // The secret is base64url: it may itself contain `_`.
        let secret = key.strip_prefix(&format!("amk_{id}_")).unwrap().to_owned();
        assert!(secret.len() >= 32, "{key}");
        assert_eq!(reply.body["merchant_id"], Value::Null);
        assert_eq!(reply.body["operator_id"], json!(world.operator_id));
        assert_eq!(reply.body["name"], "ERP");
        assert_eq!(reply.body["revoked_at"], Value::Null);
        assert!(reply.body.get("secret_hash").is_none(), "{}", reply.body);

        // Never again in a listing, neither the key nor its hash.
        let list = world.get("/api/v1/api-keys", &Who::OperatorAdmin).await;
        assert_eq!(list.status, 200);
        let text = list.body.to_string();
        assert!(text.contains(&id), "{text}");
        assert!(!text.contains(&secret) && !text.contains("amk_"), "{text}");
        assert!(
            !text.contains(&amiable_server::auth::sha256_hex(&secret)),
            "{text}"
        );
        for item in list.body["items"].as_array().unwrap() {
            assert!(
                item.get("secret_hash").is_none() && item.get("key").is_none(),
                "{item}"
            );
        }

        // It works as a bearer token.
        let holder = Who::Bearer(key.clone());
        let me = world.get(ME, &holder).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["kind"], "operator_api_key");
        assert_eq!(me.body["operator_id"], json!(world.operator_id));
        assert_eq!(world.get("/api/v1/merchants", &holder).await.status, 200);
        let order = world
            .post(
                "/api/v1/orders",
                &holder,
                &World::order_body(Some(world.merchant_id), "KEY-1"),
            )
            .await;
        assert_eq!(order.status, 201, "{}", order.body);

        // Revoked: refused at once (it was just used, so it is in the cache).
        let revoked = world
            .post(
                &format!("/api/v1/api-keys/{id}/revoke"),
                &Who::OperatorAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(revoked.status, 200, "{}", revoked.body);
        assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.body);
        assert!(revoked.body.get("secret_hash").is_none());
        for path in [ME, "/api/v1/merchants", "/api/v1/orders"] {
            let reply = world.get(path, &holder).await;
            assert_eq!(reply.status, 401, "{path}: {}", reply.body);
            assert_eq!(reply.body["code"], "apikey.revoked");
            assert!(reply.headers.get("www-authenticate").is_some());
        }
        let before = world.counts().await;
        let reply = world
            .post(
                "/api/v1/orders",
                &holder,
                &World::order_body(Some(world.merchant_id), "KEY-2"),
            )
            .await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(world.counts().await, before);
        let list = world.get("/api/v1/api-keys", &Who::OperatorAdmin).await;
        let item = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == json!(id))
            .unwrap();
        assert!(item["revoked_at"].is_string(), "{item}");
        // The same id with a wrong secret is merely invalid.
        let reply = world
            .get(ME, &Who::Bearer(format!("amk_{id}_{}", "x".repeat(43))))
            .await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body["code"], "auth.invalid_token");
        // Unknown key id.
        let reply = world
            .post(
                "/api/v1/api-keys/0123456789abcdef/revoke",
                &Who::OperatorAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_admin_makes_keys_of_its_own_merchant_only() {
    for world in worlds().await {
        let reply = world
            .post(
                "/api/v1/api-keys",
                &Who::MerchantAdmin,
                &json!({"name": "Boutique"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
        assert_eq!(reply.body["merchant_id"], json!(world.merchant_id));
        let key = Who::Bearer(reply.body["key"].as_str().unwrap().to_owned());
        let me = world.get(ME, &key).await;
        assert_eq!(me.body["kind"], "merchant_api_key");
        assert_eq!(me.body["merchant_id"], json!(world.merchant_id));
        // The key reaches its merchant and nothing else.
        let neighbour = world.order_at(world.other_merchant_id, "KEYS-1").await;
        assert_eq!(
            world
                .get(&format!("/api/v1/orders/{neighbour}"), &key)
                .await
                .status,
            404
        );
        let reply = world
            .post("/api/v1/orders", &key, &World::order_body(None, "KEYS-2"))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["order"]["merchant_id"], json!(world.merchant_id));
        let reply = world
            .post(
                "/api/v1/orders",
                &key,
                &World::order_body(Some(world.other_merchant_id), "KEYS-3"),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["code"], "merchant.not_found");

        // Another merchant's key, or an operator-wide one: refused as if absent.
        let before = world
            .get("/api/v1/api-keys", &Who::OperatorAdmin)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len();
        for merchant in [world.other_merchant_id, world.foreign_merchant_id] {
            let reply = world
                .post(
                    "/api/v1/api-keys",
                    &Who::MerchantAdmin,
                    &json!({"name": "Voisin", "merchant_id": merchant}),
                )
                .await;
            assert_eq!(reply.status, 404, "{}", reply.body);
            assert_eq!(reply.body["code"], "merchant.not_found");
        }
        let after = world
            .get("/api/v1/api-keys", &Who::OperatorAdmin)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(before, after);
        // It lists and revokes only its merchant's keys.
        let list = world.get("/api/v1/api-keys", &Who::MerchantAdmin).await;
        for item in list.body["items"].as_array().unwrap() {
            assert_eq!(item["merchant_id"], json!(world.merchant_id), "{item}");
        }
        let operator_key_id = world.operator_key.split('_').nth(1).unwrap().to_owned();
        let reply = world
            .post(
                &format!("/api/v1/api-keys/{operator_key_id}/revoke"),
                &Who::MerchantAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert_eq!(world.get(ME, &Who::OperatorKey).await.status, 200);
        // An operator admin may not make a key for another operator's merchant.
        let reply = world
            .post(
                "/api/v1/api-keys",
                &Who::OperatorAdmin,
                &json!({"name": "Étranger", "merchant_id": world.foreign_merchant_id}),
            )
            .await;
        assert!(matches!(reply.status, 404 | 422), "{}", reply.body);
        assert_eq!(reply.body["code"], "merchant.not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bearer_tokens_get_a_401_problem() {
    for world in worlds().await {
        let tokens = [
            "nope",
            "amk_x",
            "amk_0123456789abcdef_wrong",
            "amk_0123456789abcdef_",
            "amk_zzzzzzzzzzzzzzzz_secret",
            "amb_nope",
        ];
        for token in tokens {
            for path in [ME, "/api/v1/cases", "/api/v1/merchants"] {
                let reply = world.get(path, &Who::Bearer(token.into())).await;
                assert_eq!(reply.status, 401, "{token} {path}: {}", reply.body);
                assert_eq!(reply.body["code"], "auth.invalid_token", "{token}");
                let challenge = reply.headers["www-authenticate"].to_str().unwrap();
                assert!(challenge.starts_with("Bearer"), "{challenge}");
            }
        }
        // A bearer token is not silently ignored in favour of a valid cookie.
        let session = &world.sessions["operator_admin"];
        let reply = World::send(
            world
                .with_cookie("GET", ME, &session.cookie, Some(&session.csrf))
                .bearer_auth("nope"),
        )
        .await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        // Nothing at all.
        let reply = world.get(ME, &Who::Anonymous).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body["code"], "auth.required");
        assert!(reply.headers.get("www-authenticate").is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_checked_then_created_and_can_sign_in() {
    for world in worlds().await {
        let users = |reply: &Reply| reply.body["items"].as_array().unwrap().len();
        let before = users(&world.get("/api/v1/users", &Who::OperatorAdmin).await);
        let create = |body: Value| {
            let world = &world;
            async move {
                world
                    .post("/api/v1/users", &Who::OperatorAdmin, &body)
                    .await
            }
        };

        let reply = create(
            json!({"email": "nouveau@atelier.fr", "name": "Nouveau", "role": "merchant_agent",
                                  "merchant_id": world.merchant_id, "password": "court"}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("password".into(), "password.too_short".into())]
        );

        let reply = create(
            json!({"email": "nouveau@atelier.fr", "name": "Nouveau", "role": "merchant_agent",
                                  "password": SECRET}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![("merchant_id".into(), "field.required".into())]
        );

        let reply = create(
            json!({"email": "nouveau@marche.fr", "name": "Nouveau", "role": "mediator",
                                  "merchant_id": world.merchant_id, "password": SECRET}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_codes(&reply),
            vec![(
                "merchant_id".into(),
                "user.operator_role_has_no_merchant".into()
            )]
        );

        // Every fault at once.
        let reply = create(
            json!({"email": "pas-un-email", "name": "Nouveau", "role": "merchant_admin",
                                  "password": "court"}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let fields: Vec<String> = field_codes(&reply).into_iter().map(|(f, _)| f).collect();
        for field in ["email", "password", "merchant_id"] {
            assert!(
                fields.contains(&field.to_owned()),
                "{field}: {}",
                reply.body
            );
        }

        // An email already taken, in any case.
        for email in ["sav@atelier.fr", "SAV@Atelier.FR"] {
            let reply = create(
                json!({"email": email, "name": "Doublon", "role": "merchant_agent",
                                      "merchant_id": world.merchant_id, "password": SECRET}),
            )
            .await;
            assert_eq!(reply.status, 409, "{email}: {}", reply.body);
            assert_eq!(reply.body["code"], "user.duplicate");
        }
        // The email of a user of another operator is taken too (it is the login).
        let reply = create(
            json!({"email": "admin@bazar.fr", "name": "Doublon", "role": "mediator",
                                  "password": SECRET}),
        )
        .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert_eq!(
            users(&world.get("/api/v1/users", &Who::OperatorAdmin).await),
            before
        );

        let reply = create(
            json!({"email": "Nouveau@Atelier.fr", "name": "Nouveau", "role": "merchant_agent",
                                  "merchant_id": world.merchant_id, "password": SECRET}),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["email"], "nouveau@atelier.fr");
        assert_eq!(reply.body["merchant_id"], json!(world.merchant_id));
        assert!(reply.body.get("password_hash").is_none());
        assert!(!reply.body.to_string().contains(SECRET));
        assert_eq!(
            users(&world.get("/api/v1/users", &Who::OperatorAdmin).await),
            before + 1
        );

        let session = login(&world, "nouveau@atelier.fr", SECRET).await;
        assert_eq!(session.status, 200, "{}", session.body);
        let cookie = cookie_pair(&set_cookie(&session));
        let me = World::send(world.with_cookie("GET", ME, &cookie, None)).await;
        assert_eq!(me.body["kind"], "merchant_agent");
        assert_eq!(me.body["user"]["id"], reply.body["id"]);
        let wrong = login(&world, "nouveau@atelier.fr", "court").await;
        assert_eq!(wrong.status, 401);

        // A merchant admin creates users of its own merchant only.
        let reply = world
            .post(
                "/api/v1/users",
                &Who::MerchantAdmin,
                &json!({"email": "mediateur2@marche.fr", "name": "X", "role": "mediator", "password": SECRET}),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(field_codes(&reply).contains(&("role".into(), "user.role_out_of_reach".into())));
        let reply = world
            .post(
                "/api/v1/users",
                &Who::MerchantAdmin,
                &json!({"email": "voisin@fromagerie.fr", "name": "X", "role": "merchant_agent",
                        "merchant_id": world.other_merchant_id, "password": SECRET}),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["code"], "merchant.not_found");
        assert_eq!(
            login(&world, "voisin@fromagerie.fr", SECRET).await.status,
            401
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_agent_mints_a_buyer_link_for_one_order() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "LIEN-1").await;
        let other = world.order_at(world.merchant_id, "LIEN-2").await;
        let case_id = world.case_on(&order, &Who::OperatorKey).await;
        let reply = world
            .post(
                &format!("/api/v1/orders/{order}/buyer-link"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
        assert_eq!(reply.body["order_id"], json!(order));
        assert_eq!(reply.body["merchant_id"], json!(world.merchant_id));
        let token = reply.body["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("amb_"));
        assert_eq!(reply.body["link"], json!(format!("/suivi?token={token}")));
        let expires: Timestamp = reply.body["expires_at"].as_str().unwrap().parse().unwrap();
        let ttl = expires.duration_since(Timestamp::now());
        assert!(
            ttl > SignedDuration::from_hours(7 * 24 - 1)
                && ttl <= SignedDuration::from_hours(7 * 24) + SignedDuration::from_secs(1),
            "{ttl:?}"
        );
        let buyer = Who::Buyer(token);
        assert_eq!(
            world
                .get(&format!("/api/v1/orders/{order}"), &buyer)
                .await
                .status,
            200
        );
        assert_eq!(
            world
                .get(&format!("/api/v1/cases/{case_id}"), &buyer)
                .await
                .status,
            200
        );
        let reply = world
            .post(
                &message(&case_id),
                &buyer,
                &json!({"body": "Merci pour le lien."}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body["events"][0]["actor"]["kind"], "buyer",
            "{}",
            reply.body
        );
        assert_eq!(
            world
                .get(&format!("/api/v1/orders/{other}"), &buyer)
                .await
                .status,
            404
        );
        // A buyer cannot mint links.
        let reply = world
            .post(
                &format!("/api/v1/orders/{order}/buyer-link"),
                &buyer,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 403, "{}", reply.body);
    }
}

/// A buyer's view of a case shows no trace of internal notes or files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_view_hides_internal_counters() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "HIDE-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let case_id = world.case_on(&order, &buyer).await;
        let before = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        let note = world
            .post(
                &format!("/api/v1/cases/{case_id}/notes"),
                &Who::MerchantAgent,
                &json!({"body": "interne"}),
            )
            .await;
        assert_eq!(note.status, 200);
        let form = reqwest::multipart::Form::new()
            .text("visibility", "internal")
            .part(
                "file",
                reqwest::multipart::Part::bytes(png()).file_name("x.png"),
            );
        let file = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/attachments"),
                    &Who::MerchantAgent,
                )
                .multipart(form),
        )
        .await;
        assert_eq!(file.status, 201);
        let after = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        assert_eq!(after.body["case"]["internal_notes"], 0, "{}", world.name);
        assert_eq!(after.body["case"]["attachments"], 0);
        assert_eq!(
            after.body["case"]["last_activity_at"],
            before.body["case"]["last_activity_at"]
        );
        let staff = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(staff.body["case"]["internal_notes"], 1);
        assert_eq!(staff.body["case"]["attachments"], 1);
    }
}
