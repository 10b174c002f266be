//! The messaging ports: how a planned delivery leaves amiable — an email, a
//! text message, a webhook call.
//!
//! Real adapters (SMTP through `lettre`, an SMS provider's HTTP API, an HTTP
//! client for webhooks) live in the `amiable-connectors` crate. The local
//! stand-ins here keep what they are given: with no SMTP server configured
//! (the demo) every email is still rendered, stored and readable in the
//! operator's sent-mail page, marked as delivered to the built-in mailbox.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// An email ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The shop's name: « Boutique Martin » <notifications@…>.
    pub from_name: String,
    pub from_address: String,
    pub to: String,
    /// Where a reply goes: an address carrying a signed reply token.
    pub reply_to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Deterministic (`<…@domain>`, with the angle brackets): the same delivery
    /// always has the same one, so a retry after a crash is recognisable.
    pub message_id: String,
    /// Extra headers (`Auto-Submitted`, `X-Auto-Response-Suppress`, `References`…).
    pub headers: Vec<(String, String)>,
}

/// A text message ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// E.164.
    pub to: String,
    pub body: String,
    /// Stable per delivery: providers that accept one use it to refuse doubles.
    pub idempotency_key: String,
}

/// A webhook call ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingWebhook {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Refuse private, loopback and link-local addresses (SSRF).
    pub public_only: bool,
}

/// What the far end said when it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `smtp`, `mailbox`, `sms:<provider>`, `http`.
    pub transport: String,
    pub status_code: Option<u16>,
    pub detail: Option<String>,
}

/// Why a message did not leave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt later (connection refused, 4xx SMTP, 5xx HTTP, timeout).
    #[error("{detail}")]
    Temporary {
        status_code: Option<u16>,
        detail: String,
    },
    /// Never worth retrying (an address the server refuses for good, a private target).
    #[error("{detail}")]
    Permanent {
        status_code: Option<u16>,
        detail: String,
    },
    /// The endpoint answered `410 Gone`: the subscriber wants no more calls.
    #[error("the endpoint answered 410 Gone")]
    Gone,
}

impl SendError {
    pub fn temporary(detail: impl Into<String>) -> Self {
        SendError::Temporary {
            status_code: None,
            detail: detail.into(),
        }
    }

    pub fn permanent(detail: impl Into<String>) -> Self {
        SendError::Permanent {
            status_code: None,
            detail: detail.into(),
        }
    }

    pub fn status_code(&self) -> Option<u16> {
        match self {
            SendError::Temporary { status_code, .. } | SendError::Permanent { status_code, .. } => {
                *status_code
            }
            SendError::Gone => Some(410),
        }
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Sent, SendError>> + Send + 'a>>;

/// Sends emails.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> SendFuture<'a>;
}

/// Sends text messages.
pub trait SmsGateway: Send + Sync {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SendFuture<'a>;
}

/// Calls webhook endpoints.
pub trait WebhookClient: Send + Sync {
    fn post<'a>(&'a self, call: &'a OutgoingWebhook) -> SendFuture<'a>;
}

/// No SMTP server: every email is kept in amiable (the deliveries table is the
/// mailbox; the operator's sent-mail page shows it).
#[derive(Default)]
pub struct Mailbox;

impl Mailer for Mailbox {
    fn send<'a>(&'a self, _email: &'a OutgoingEmail) -> SendFuture<'a> {
        Box::pin(async {
            Ok(Sent {
                transport: "mailbox".into(),
                status_code: None,
                detail: None,
            })
        })
    }
}

/// No SMS provider: text messages are kept like the mailbox's emails.
#[derive(Default)]
pub struct SmsLog {
    sent: Mutex<Vec<OutgoingSms>>,
}

impl SmsLog {
    pub fn sent(&self) -> Vec<OutgoingSms> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl SmsGateway for SmsLog {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SendFuture<'a> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sms.clone());
        Box::pin(async {
            Ok(Sent {
                transport: "sms_log".into(),
                status_code: None,
                detail: None,
            })
        })
    }
}

/// No HTTP client configured: every call fails, to be retried once one is.
#[derive(Default)]
pub struct NoWebhooks;

impl WebhookClient for NoWebhooks {
    fn post<'a>(&'a self, _call: &'a OutgoingWebhook) -> SendFuture<'a> {
        Box::pin(async { Err(SendError::temporary("no HTTP client is configured")) })
    }
}
