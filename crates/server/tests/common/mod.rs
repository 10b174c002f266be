//! A running server on port 0 with a fresh database (SQLite, and PostgreSQL
//! when AMIABLE_TEST_DATABASE_URL is set), two operators, merchants, staff of
//! every role, API keys, and helpers to call it as any of them.

#![allow(dead_code)]

use amiable_domain::access::Role;
use amiable_domain::case::LifecycleCommand;
use amiable_domain::ids::{MerchantId, OperatorId, OrderId, Slug};
use amiable_server::auth::{BuyerClaims, issue_api_key, sha256_hex};
use amiable_server::{AppState, ServerConfig, serve};
use amiable_store::testing::{TestStore, test_stores};
use amiable_store::{NewUser, Session, Store};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

pub fn bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

/// A tiny PNG (the signature and an IHDR chunk are what the sniffer reads).
pub fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
    ]);
    bytes.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    bytes
}

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    OperatorAdmin,
    Mediator,
    MerchantAdmin,
    MerchantAgent,
    OperatorKey,
    MerchantKey,
    /// The buyer of this order (a signed access token).
    Buyer(String),
    /// An operator admin of the other operator (foreign tenant).
    OtherOperatorAdmin,
    /// A raw bearer token.
    Bearer(String),
}

impl Who {
    /// The principals of the authorisation matrix (the buyer's order is filled in per case).
    pub fn label(&self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::OperatorAdmin => "operator_admin",
            Who::Mediator => "mediator",
            Who::MerchantAdmin => "merchant_admin",
            Who::MerchantAgent => "merchant_agent",
            Who::OperatorKey => "operator_api_key",
            Who::MerchantKey => "merchant_api_key",
            Who::Buyer(_) => "buyer",
            Who::OtherOperatorAdmin => "other_operator_admin",
            Who::Bearer(_) => "bearer",
        }
    }
}

/// A staff session made directly in the store (login itself is tested on its own).
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub cookie: String,
    pub csrf: String,
}

pub struct World {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub state: AppState,
    pub name: &'static str,
    pub operator_id: OperatorId,
    /// The merchant the merchant-side principals belong to.
    pub merchant_id: MerchantId,
    /// Another merchant of the same operator.
    pub other_merchant_id: MerchantId,
    pub other_operator_id: OperatorId,
    pub foreign_merchant_id: MerchantId,
    pub sessions: HashMap<&'static str, StaffSession>,
    pub operator_key: String,
    pub merchant_key: String,
    pub _db: TestStore,
    pub _files: tempfile::TempDir,
}

pub const PASSWORD: &str = "correct horse battery staple";

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| amiable_server::auth::hash_password(PASSWORD).unwrap())
}

async fn staff(
    store: &Store,
    operator_id: OperatorId,
    merchant_id: Option<MerchantId>,
    role: Role,
    email: &str,
) -> StaffSession {
    let user = store
        .create_user(&NewUser {
            id: uuid::Uuid::new_v4().to_string(),
            operator_id,
            merchant_id,
            email: email.into(),
            name: format!("{role} test"),
            role,
            locale: "fr".into(),
            password_hash: password_hash().to_owned(),
        })
        .await
        .unwrap();
    let token = amiable_server::auth::random_token();
    let csrf = amiable_server::auth::random_token();
    store
        .create_session(&Session {
            token_hash: sha256_hex(&token),
            user_id: user.id,
            csrf_token: csrf.clone(),
            expires_at: Timestamp::now() + SignedDuration::from_hours(1),
        })
        .await
        .unwrap();
    StaffSession {
        cookie: format!("amiable_session={token}"),
        csrf,
    }
}

pub async fn config_for(files: &tempfile::TempDir) -> ServerConfig {
    let mut config = ServerConfig::new(files.path());
    config.max_upload_bytes = 256 * 1024;
    config
}

pub async fn worlds() -> Vec<World> {
    worlds_with(|_| {}).await
}

pub async fn worlds_with(tune: impl Fn(&mut ServerConfig)) -> Vec<World> {
    worlds_with_ports(tune, amiable_app::Ports::default).await
}

/// Worlds whose app uses these adapters of the ports (a real HTTP client, SMTP…).
pub async fn worlds_with_ports(
    tune: impl Fn(&mut ServerConfig),
    ports: impl Fn() -> amiable_app::Ports,
) -> Vec<World> {
    // The workspace builds reqwest with rustls and no crypto provider (see amiable-connectors).
    amiable_connectors::install_crypto_provider();
    let mut worlds = Vec::new();
    for db in test_stores().await {
        let store = db.store.clone();
        let operator_id = OperatorId::from_bytes(bytes());
        let other_operator_id = OperatorId::from_bytes(bytes());
        for (id, slug) in [(operator_id, "marche"), (other_operator_id, "bazar")] {
            store
                .create_operator(id, &Slug::parse(slug).unwrap(), slug, &json!({}))
                .await
                .unwrap();
        }
        let merchant_id = MerchantId::from_bytes(bytes());
        let other_merchant_id = MerchantId::from_bytes(bytes());
        let foreign_merchant_id = MerchantId::from_bytes(bytes());
        for (id, op, slug) in [
            (merchant_id, operator_id, "atelier"),
            (other_merchant_id, operator_id, "fromagerie"),
            (foreign_merchant_id, other_operator_id, "etranger"),
        ] {
            store
                .create_merchant(id, op, &Slug::parse(slug).unwrap(), slug, &json!({}))
                .await
                .unwrap();
        }
        let mut sessions = HashMap::new();
        sessions.insert(
            "operator_admin",
            staff(
                &store,
                operator_id,
                None,
                Role::OperatorAdmin,
                "admin@marche.fr",
            )
            .await,
        );
        sessions.insert(
            "mediator",
            staff(
                &store,
                operator_id,
                None,
                Role::Mediator,
                "mediation@marche.fr",
            )
            .await,
        );
        sessions.insert(
            "merchant_admin",
            staff(
                &store,
                operator_id,
                Some(merchant_id),
                Role::MerchantAdmin,
                "gerant@atelier.fr",
            )
            .await,
        );
        sessions.insert(
            "merchant_agent",
            staff(
                &store,
                operator_id,
                Some(merchant_id),
                Role::MerchantAgent,
                "sav@atelier.fr",
            )
            .await,
        );
        sessions.insert(
            "other_operator_admin",
            staff(
                &store,
                other_operator_id,
                None,
                Role::OperatorAdmin,
                "admin@bazar.fr",
            )
            .await,
        );
        let operator = issue_api_key(operator_id, None, "operator sync", None);
        store.create_api_key(&operator.record).await.unwrap();
        let merchant = issue_api_key(operator_id, Some(merchant_id), "shop sync", None);
        store.create_api_key(&merchant.record).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        let mut config = config_for(&files).await;
        tune(&mut config);
        let state = AppState::with_ports(store.clone(), config, ports())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve(listener, state.clone(), std::future::pending()));
        worlds.push(World {
            base,
            client: reqwest::Client::new(),
            store,
            state,
            name: db.name,
            operator_id,
            merchant_id,
            other_merchant_id,
            other_operator_id,
            foreign_merchant_id,
            sessions,
            operator_key: operator.key,
            merchant_key: merchant.key,
            _db: db,
            _files: files,
        });
    }
    worlds
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl World {
    pub async fn buyer_token(&self, order_id: &str) -> String {
        let order_id = OrderId::parse(order_id).unwrap();
        let order = self.store.order(order_id).await.unwrap().unwrap().order;
        let (operator_id, merchant_id) = (order.operator_id, order.merchant_id);
        self.state.app().buyer_tokens().mint(&BuyerClaims {
            operator_id,
            merchant_id,
            order_id,
            expires_at: Timestamp::now() + SignedDuration::from_hours(1),
        })
    }

    pub fn request(&self, method: &str, path: &str, who: &Who) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let builder = self.client.request(method, format!("{}{path}", self.base));
        let session = |label: &str| self.sessions[label].clone();
        match who {
            Who::Anonymous => builder,
            Who::OperatorKey => builder.bearer_auth(&self.operator_key),
            Who::MerchantKey => builder.bearer_auth(&self.merchant_key),
            Who::Bearer(token) => builder.bearer_auth(token),
            Who::Buyer(token) => builder.bearer_auth(token),
            staff => {
                let s = session(staff.label());
                builder
                    .header("cookie", s.cookie)
                    .header("x-csrf-token", s.csrf)
            }
        }
    }

    pub async fn send(builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 400 {
            let is_problem = headers
                .get("content-type")
                .is_some_and(|v| v == "application/problem+json");
            assert!(is_problem, "{status} without a problem document: {text}");
            assert_eq!(body["status"], status, "{body}");
            assert!(
                body["code"].is_string() && body["title"].is_string() && body["detail"].is_string(),
                "{body}"
            );
        }
        assert!(status < 500, "server error {status}: {text}");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: &str, path: &str, who: &Who, body: Option<&Value>) -> Reply {
        let mut builder = self.request(method, path, who);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        World::send(builder).await
    }

    pub async fn post(&self, path: &str, who: &Who, body: &Value) -> Reply {
        self.call("POST", path, who, Some(body)).await
    }

    pub async fn get(&self, path: &str, who: &Who) -> Reply {
        self.call("GET", path, who, None).await
    }

    pub fn order_body(merchant_id: Option<MerchantId>, external_id: &str) -> Value {
        // Dated from today, so the withdrawal period (14 days from delivery) is open whenever the suite runs.
        let days_ago = |days: i64| {
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(24 * days))
                .unwrap()
                .round(jiff::Unit::Second)
                .unwrap()
                .to_string()
        };
        let mut body = json!({
            "order": {
                "external_id": external_id,
                "placed_at": days_ago(7),
                "currency": "EUR",
                "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
                "lines": [
                    {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500},
                    {"sku": "BOUGIE", "title": "Bougie", "category": "maison", "quantity": 1, "unit_price_minor": 1990, "flags": ["personalised"]}
                ],
                "shipping_minor": 490,
                "payment": {"provider": "paypal", "transaction_id": "5TY05013RG002845M", "captured_minor": 11480},
                "shipments": [{"carrier": "Colissimo", "tracking_number": "6A123", "shipped_at": days_ago(5),
                               "delivered_at": days_ago(3), "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}]
            }
        });
        if let Some(m) = merchant_id {
            body["merchant_id"] = json!(m);
        }
        body
    }

    /// Replaces a merchant's settings through the settings API (as its operator's admin).
    pub async fn set_merchant_settings(&self, merchant_id: MerchantId, settings: &Value) {
        let who = if self
            .store
            .merchant(merchant_id)
            .await
            .unwrap()
            .unwrap()
            .operator_id
            == self.operator_id
        {
            Who::OperatorAdmin
        } else {
            Who::OtherOperatorAdmin
        };
        let saved = self
            .call(
                "PUT",
                &format!("/api/v1/merchants/{merchant_id}/settings"),
                &who,
                Some(settings),
            )
            .await;
        assert_eq!(saved.status, 200, "{}: {}", self.name, saved.body);
    }

    /// Creates an order at `merchant_id` with the operator's key; returns its id.
    pub async fn order_at(&self, merchant_id: MerchantId, external_id: &str) -> String {
        let who = if self
            .store
            .merchant(merchant_id)
            .await
            .unwrap()
            .unwrap()
            .operator_id
            == self.operator_id
        {
            Who::OperatorKey
        } else {
            Who::OtherOperatorAdmin
        };
        let reply = self
            .post(
                "/api/v1/orders",
                &who,
                &World::order_body(Some(merchant_id), external_id),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["order"]["id"].as_str().unwrap().to_owned()
    }

    /// Opens an incident (the generic case; returns have their own suite) on `order_id` as `who`; returns the case id.
    pub async fn case_on(&self, order_id: &str, who: &Who) -> String {
        let reply = self
            .post(
                "/api/v1/cases",
                who,
                &json!({"order_id": order_id, "kind": "incident", "reason": "damaged_in_transit",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Le pull est arrivé déchiré."}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["case_id"].as_str().unwrap().to_owned()
    }

    /// Opens an incident on any order straight through the store (fixtures of other tenants).
    pub async fn case_direct(&self, order_id: &str) -> String {
        use amiable_domain::case::{Actor, CaseKind, Command};
        let case_id = amiable_domain::ids::CaseId::from_bytes(bytes());
        self.store
            .execute(amiable_store::CommandRequest {
                case_id,
                expected_version: Some(0),
                command: Command::Lifecycle(LifecycleCommand::Open {
                    preferred: None,
                    kind: CaseKind::Incident,
                    reason: amiable_domain::reason::ReasonCode::parse("damaged_in_transit")
                        .unwrap(),
                    items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}]))
                        .unwrap(),
                    claimed: None,
                    description: amiable_domain::text::Body::parse("Le pull ne me va pas.")
                        .unwrap(),
                    stage: None,
                }),
                actor: Actor::OperatorUser {
                    id: "fixture".into(),
                },
                order_id: Some(OrderId::parse(order_id).unwrap()),
                at: None,
            })
            .await
            .unwrap();
        case_id.to_string()
    }

    pub async fn counts(&self) -> (i64, i64, i64) {
        (
            self.store.count_orders().await.unwrap(),
            self.store.count_cases().await.unwrap(),
            self.store.count_events().await.unwrap(),
        )
    }
}

/// A response whose body is kept as text, byte for byte.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl World {
    /// The directory the server stores attachments in.
    pub fn attachments_dir(&self) -> std::path::PathBuf {
        self._files.path().join("attachments")
    }

    /// A staff user with a known password, created through the store (no session).
    pub async fn user_with_password(
        &self,
        role: Role,
        merchant_id: Option<MerchantId>,
        email: &str,
        password: &str,
    ) -> amiable_store::User {
        let password_hash = amiable_server::auth::hash_password(password).unwrap();
        self.store
            .create_user(&NewUser {
                id: uuid::Uuid::new_v4().to_string(),
                operator_id: self.operator_id,
                merchant_id,
                email: email.into(),
                name: format!("{role} test"),
                role,
                locale: "fr".into(),
                password_hash,
            })
            .await
            .unwrap()
    }

    /// Sends a request and keeps the body as text (for byte-exact comparisons).
    pub async fn send_raw(builder: reqwest::RequestBuilder) -> RawReply {
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        assert!(status < 500, "server error {status}: {text}");
        RawReply {
            status,
            headers,
            text,
        }
    }

    /// An anonymous request with a raw `Cookie` header and, optionally, a CSRF token.
    pub fn with_cookie(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        csrf: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut builder = self
            .request(method, path, &Who::Anonymous)
            .header("cookie", cookie);
        if let Some(csrf) = csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        builder
    }
}
