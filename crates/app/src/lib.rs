//! The use cases of amiable: what the product *does*, between the adapters
//! (the JSON API, the web pages, the command line, the background worker)
//! and the store.
//!
//! An adapter parses its input, calls one operation here with the caller's
//! [`Principal`](amiable_domain::access::Principal), and renders the answer
//! or the [`Error`]. An operation checks access with the one policy function
//! (`amiable_domain::access::authorize`), runs the decider through the store
//! (one command, one transaction), and reaches the world outside only through
//! the [`ports`] (payment gateway, carrier). Nothing here knows HTTP: no axum
//! in this crate's dependency tree.
//!
//! | module | operations |
//! |---|---|
//! | [`access`] | reach and role checks, the owner of a case |
//! | [`auth`] | credentials: passwords, API keys, buyer tokens, sessions |
//! | [`buyers`] | the buyer's order lookup and access links |
//! | [`cases`] | open a case, run a case command for a principal, read a case |
//! | [`attachments`] | store a file and record it, read it back |
//! | [`returns`] | authorise (and label), eligibility, the label PDF |
//! | [`money`] | refund (through the gateway), exchange, the ledger |
//! | [`orders`] | store orders (one or in bulk), read one in reach |
//! | [`policies`] | return policies and their versions |
//! | [`settings`] | the marketplace's settings: its consumer mediator |
//! | [`helpdesk`] | assignment and teams, macros, presence, bulk actions |
//! | [`users`] | staff users and API keys |
//! | [`jobs`] | the timers: auto-close, label expiry, refund reminders and retries |

pub mod access;
pub mod attachments;
pub mod auth;
pub mod buyers;
pub mod cases;
pub mod disputes;
pub mod dossier;
mod error;
pub mod feedback;
pub mod helpdesk;
pub mod jobs;
mod labels;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod policies;
pub mod ports;
pub mod rate_limit;
pub mod returns;
pub mod settings;
pub mod sla;
pub mod users;

pub use error::{Error, Kind, Result};

use amiable_domain::access::Resource;
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use amiable_store::Store;
use amiable_store::blobs::BlobStore;
use ports::carrier::{Carrier, LocalCarrier};
use ports::payments::{PaymentGateway, RecordingGateway};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Largest attachment upload by default (10 MiB).
pub const DEFAULT_MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// What the use cases need besides the database.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where attachments are stored (`<data dir>/attachments`).
    pub attachments_dir: PathBuf,
    /// The address buyers and staff reach (e.g. `https://litiges.example.fr`);
    /// links and the QR codes of labels are built on it.
    pub public_url: Option<String>,
    /// Largest upload.
    pub max_upload_bytes: usize,
    /// Sign-in attempts per IP: burst, then per minute.
    pub login_rate: (u32, u32),
    /// Buyer order lookups per IP: burst, then per minute.
    pub lookup_rate: (u32, u32),
    /// How notifications leave (sender, reply domain, webhook targets).
    pub notify: notifications::NotifyConfig,
}

impl AppConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        AppConfig {
            attachments_dir: data_dir.into().join("attachments"),
            public_url: None,
            max_upload_bytes: DEFAULT_MAX_UPLOAD,
            login_rate: (10, 10),
            lookup_rate: (10, 10),
            notify: notifications::NotifyConfig::default(),
        }
    }
}

/// The adapters of the ports this installation uses.
#[derive(Clone)]
pub struct Ports {
    /// Books prepaid return shipments.
    pub carrier: Arc<dyn Carrier>,
    /// Executes refunds.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Sends emails.
    pub mailer: Arc<dyn ports::messaging::Mailer>,
    /// Sends text messages.
    pub sms: Arc<dyn ports::messaging::SmsGateway>,
    /// Calls webhook endpoints.
    pub webhooks: Arc<dyn ports::messaging::WebhookClient>,
}

impl Default for Ports {
    /// The local stand-ins: a carrier that books nothing remotely, and a gateway
    /// that records refunds made outside amiable.
    fn default() -> Self {
        Ports {
            carrier: Arc::new(LocalCarrier),
            gateway: Arc::new(RecordingGateway::default()),
            mailer: Arc::new(ports::messaging::Mailbox),
            sms: Arc::new(ports::messaging::SmsLog::default()),
            webhooks: Arc::new(ports::messaging::NoWebhooks),
        }
    }
}

/// Which case belongs to whom: immutable, so cached without expiry (bounded).
#[derive(Default)]
struct OwnerCache {
    entries: Mutex<HashMap<CaseId, Resource>>,
}

const OWNER_CACHE_LIMIT: usize = 200_000;

impl OwnerCache {
    fn get(&self, case_id: CaseId) -> Option<Resource> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&case_id)
            .copied()
    }

    fn put(&self, case_id: CaseId, resource: Resource) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= OWNER_CACHE_LIMIT {
            entries.clear();
        }
        entries.insert(case_id, resource);
    }
}

struct Inner {
    store: Store,
    config: AppConfig,
    ports: Ports,
    blobs: BlobStore,
    buyer_tokens: auth::BuyerTokens,
    /// The key reply addresses are signed with (shared by every node).
    reply_key: [u8; 32],
    api_keys: auth::ApiKeyCache,
    owners: OwnerCache,
    /// Which operator each merchant belongs to (never changes).
    merchant_operators: Mutex<HashMap<MerchantId, OperatorId>>,
    /// The time zone each tenant's staff see times in, remembered for a short while.
    zones: settings::ZoneCache,
    login_limiter: rate_limit::RateLimiter,
    lookup_limiter: rate_limit::RateLimiter,
}

/// The use-case layer: cheap to clone, shared by every adapter.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// Builds the layer; reads (or creates) the keys buyer tokens and reply addresses
    /// are signed with, which every node shares.
    pub async fn new(
        store: Store,
        config: AppConfig,
        ports: Ports,
    ) -> Result<Self, amiable_store::StoreError> {
        let key = Self::shared_key(&store, "buyer_token_key").await?;
        let reply_key = Self::shared_key(&store, "reply_token_key").await?;
        Ok(App {
            inner: Arc::new(Inner {
                buyer_tokens: auth::BuyerTokens::new(key),
                reply_key,
                api_keys: auth::ApiKeyCache::default(),
                owners: OwnerCache::default(),
                merchant_operators: Mutex::default(),
                zones: settings::ZoneCache::default(),
                blobs: BlobStore::new(config.attachments_dir.clone()),
                login_limiter: rate_limit::RateLimiter::new(
                    "login",
                    config.login_rate.0,
                    config.login_rate.1,
                ),
                lookup_limiter: rate_limit::RateLimiter::new(
                    "buyer_lookup",
                    config.lookup_rate.0,
                    config.lookup_rate.1,
                ),
                store,
                config,
                ports,
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// Content-addressed file storage (attachments, labels).
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    pub fn gateway(&self) -> &Arc<dyn PaymentGateway> {
        &self.inner.ports.gateway
    }

    pub fn carrier(&self) -> &Arc<dyn Carrier> {
        &self.inner.ports.carrier
    }

    pub fn buyer_tokens(&self) -> &auth::BuyerTokens {
        &self.inner.buyer_tokens
    }

    pub(crate) fn api_keys(&self) -> &auth::ApiKeyCache {
        &self.inner.api_keys
    }

    /// A 32-byte key every node shares, created on first use.
    async fn shared_key(store: &Store, name: &str) -> Result<[u8; 32], amiable_store::StoreError> {
        use base64::Engine;
        let encoded = store
            .secret(name, || {
                base64::engine::general_purpose::STANDARD.encode(auth::random_bytes())
            })
            .await?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                amiable_store::StoreError::corrupt(format!("secrets.{name} is not 32 bytes"))
            })
    }

    /// The public base URL without a trailing slash ("" when not configured).
    pub fn public_url(&self) -> &str {
        self.inner
            .config
            .public_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
    }

    /// 16 random bytes for a new id.
    pub fn random_id(&self) -> [u8; 16] {
        *uuid::Uuid::new_v4().as_bytes()
    }
}
