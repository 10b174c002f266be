//! Replies come back: an email answering a notification becomes a message on
//! its case, from the person the notification was sent to.
//!
//! The notification's `Reply-To` is `reply+<delivery id>.<tag>@<reply domain>`,
//! the tag an HMAC of the delivery id under a key every node shares; a mail
//! client that drops it still sends `In-Reply-To`/`References`, which name the
//! notification's `Message-ID`. The sender must be the address the
//! notification went to. Automatic mail (out-of-office, bounces, lists) is
//! dropped, the quoted history and the signature are cut
//! ([`amiable_domain::inbound_text`]), attachments go through the same checks
//! as uploads. Whatever is dropped is logged with its reason, never attached
//! to another case.

use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{Command, ConversationCommand, Visibility};
use amiable_domain::inbound_text::{is_automatic, strip_reply};
use amiable_domain::text::Body;
use amiable_store::{Delivery, InboundRecord, StoreError};
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use mail_parser::{MessageParser, MimeHeaders};
use sha2::Sha256;

/// How long a notification can be answered by email.
pub const REPLY_TTL: SignedDuration = SignedDuration::from_hours(24 * 180);
/// The largest inbound email (raw MIME).
pub const MAX_INBOUND_BYTES: usize = 25 * 1024 * 1024;
/// Attachments kept from one email.
pub const MAX_ATTACHMENTS: usize = 10;

/// The reply token of a delivery: `<id>.<16 hex of HMAC-SHA256>`.
pub fn reply_token(app: &App, delivery_id: i64) -> String {
    format!("{delivery_id}.{}", tag(app, delivery_id))
}

fn tag(app: &App, delivery_id: i64) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&app.inner.reply_key)
        .expect("HMAC accepts any key length");
    mac.update(b"amiable reply v1\0");
    mac.update(&delivery_id.to_be_bytes());
    mac.finalize().into_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The delivery id a token names, when its tag is right.
fn verify(app: &App, token: &str) -> Option<i64> {
    let (id, given) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    let expected = tag(app, id);
    crate::auth::constant_time_eq(expected.as_bytes(), given.to_ascii_lowercase().as_bytes())
        .then_some(id)
}

/// What became of an inbound email.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Received {
    /// `posted`, or why it was dropped: `unreadable`, `automatic`, `own`, `no_token`,
    /// `forged_token`, `expired_token`, `wrong_sender`, `empty`, `duplicate`, `refused`.
    pub outcome: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub case_id: Option<amiable_domain::ids::CaseId>,
    /// Attachments added to the case.
    pub attachments: usize,
}

impl App {
    /// Takes one inbound email (raw MIME, as a Postfix pipe or an inbound-mail
    /// webhook delivers it) and posts it on its case, or drops it with a reason.
    pub async fn receive_mail(&self, raw: &[u8]) -> Result<Received, Error> {
        let now = Timestamp::now();
        let mut record = InboundRecord {
            received_at: now,
            message_id: None,
            sender: None,
            subject: None,
            outcome: String::new(),
            detail: None,
            case_id: None,
            delivery_id: None,
        };
        if raw.len() > MAX_INBOUND_BYTES {
            return self
                .dropped(record, "unreadable", "larger than 25 MiB")
                .await;
        }
        let Some(message) = MessageParser::default().parse(raw) else {
            return self
                .dropped(record, "unreadable", "not a MIME message")
                .await;
        };
        record.message_id = message.message_id().map(|id| format!("<{id}>"));
        record.sender = message
            .from()
            .and_then(|from| from.first())
            .and_then(|addr| addr.address())
            .map(|a| a.trim().to_lowercase());
        record.subject = message.subject().map(str::to_owned);
        let names = [
            "Auto-Submitted",
            "X-Autoreply",
            "X-Autorespond",
            "Precedence",
            "X-Auto-Response-Suppress",
            "List-Id",
            "List-Unsubscribe",
            "Return-Path",
        ];
        let headers: Vec<(&str, &str)> = names
            .iter()
            .filter_map(|name| message.header_raw(*name).map(|value| (*name, value.trim())))
            .collect();
        if let Some(reason) = is_automatic(&headers) {
            return self.dropped(record, "automatic", reason).await;
        }
        let own = self.inner.config.notify.from_address.to_lowercase();
        if record.sender.as_deref() == Some(own.as_str()) {
            return self.dropped(record, "own", "sent by amiable itself").await;
        }
        // The token in a recipient address, else the notification it answers.
        let mut addresses: Vec<String> = Vec::new();
        for list in [message.to(), message.cc()].into_iter().flatten() {
            addresses.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
        }
        for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
            if let Some(value) = message.header_raw(name) {
                addresses.push(value.trim().trim_matches(['<', '>']).to_owned());
            }
        }
        let token = addresses.iter().find_map(|address| {
            let local = address.split('@').next()?;
            local
                .get(..6)
                .filter(|p| p.eq_ignore_ascii_case("reply+"))
                .map(|_| local[6..].to_owned())
        });
        let delivery = match token {
            Some(token) => match verify(self, &token) {
                Some(id) => self.store().delivery(id).await?,
                None => return self.dropped(record, "forged_token", &token).await,
            },
            None => self.answered(&message).await?,
        };
        let Some(delivery) = delivery.filter(|d| d.channel == "email") else {
            return self
                .dropped(record, "no_token", "no reply address nor known In-Reply-To")
                .await;
        };
        record.delivery_id = Some(delivery.id);
        if now.duration_since(delivery.created_at) > REPLY_TTL {
            return self
                .dropped(
                    record,
                    "expired_token",
                    "the notification is older than 180 days",
                )
                .await;
        }
        let Some(case_id) = delivery.case_id else {
            return self
                .dropped(record, "no_token", "the notification was not about a case")
                .await;
        };
        record.case_id = Some(case_id);
        if record.sender.as_deref() != Some(delivery.recipient.to_lowercase().as_str()) {
            let detail = format!("from {:?}, sent to {}", record.sender, delivery.recipient);
            return self.dropped(record, "wrong_sender", &detail).await;
        }
        if let Some(id) = &record.message_id
            && self.store().inbound_mail_posted(id).await?
        {
            return self.dropped(record, "duplicate", "already posted").await;
        }
        let principal = match self.replier(&delivery).await? {
            Some(principal) => principal,
            None => {
                return self
                    .dropped(
                        record,
                        "wrong_sender",
                        "the recipient has no access any more",
                    )
                    .await;
            }
        };
        let text = message
            .body_text(0)
            .map(|t| strip_reply(&t))
            .unwrap_or_default();
        let attachments: Vec<_> = message.attachments().take(MAX_ATTACHMENTS).collect();
        if text.trim().is_empty() && attachments.is_empty() {
            return self
                .dropped(record, "empty", "nothing but the quoted notification")
                .await;
        }
        let mut added = 0;
        if !text.trim().is_empty() {
            let body = match Body::parse(text.trim()) {
                Ok(body) => body,
                Err(error) => return self.dropped(record, "refused", &error.message).await,
            };
            let posted = self
                .execute_for(
                    &principal,
                    case_id,
                    Action::PostMessage,
                    None,
                    Command::Conversation(ConversationCommand::PostMessage { body }),
                )
                .await;
            if let Err(error) = posted {
                return self.dropped(record, "refused", &error.to_string()).await;
            }
        }
        for part in attachments {
            match self
                .attach(
                    &principal,
                    case_id,
                    None,
                    part.attachment_name(),
                    part.contents(),
                    Visibility::Public,
                )
                .await
            {
                Ok(_) => added += 1,
                Err(error) => tracing::info!(%error, "an emailed attachment was refused"),
            }
        }
        record.outcome = "posted".into();
        record.detail = Some(format!("{added} attachment(s)"));
        self.store().record_inbound_mail(&record).await?;
        tracing::info!(case = %case_id, delivery = delivery.id, "reply by email posted on the case");
        Ok(Received {
            outcome: "posted".into(),
            case_id: Some(case_id),
            attachments: added,
        })
    }

    /// The notification an email answers, by `In-Reply-To` then `References`.
    async fn answered(
        &self,
        message: &mail_parser::Message<'_>,
    ) -> Result<Option<Delivery>, StoreError> {
        let mut ids: Vec<String> = Vec::new();
        for name in ["In-Reply-To", "References"] {
            if let Some(value) = message.header_raw(name) {
                ids.extend(
                    value
                        .split(['<', '>', ' ', '\t', '\r', '\n', ','])
                        .filter(|id| id.contains('@'))
                        .map(|id| format!("<{id}>")),
                );
            }
        }
        for id in ids {
            if let Some(delivery) = self.store().delivery_by_message_id(&id).await? {
                return Ok(Some(delivery));
            }
        }
        Ok(None)
    }

    /// Who answers: the buyer of the case's order, or the staff user the notification went to.
    async fn replier(&self, delivery: &Delivery) -> Result<Option<Principal>, Error> {
        let Some(case_id) = delivery.case_id else {
            return Ok(None);
        };
        let Some(record) = self.store().case(case_id).await? else {
            return Ok(None);
        };
        let state = record.state;
        if delivery.audience == "buyer" {
            return Ok(Some(Principal::Buyer {
                operator_id: state.operator_id,
                merchant_id: state.merchant_id,
                order_id: state.order_id,
            }));
        }
        let Some(user) = self.store().user(&delivery.recipient_key).await? else {
            return Ok(None);
        };
        if user.disabled_at.is_some() || user.operator_id != state.operator_id {
            return Ok(None);
        }
        Ok(Some(Principal::Staff {
            user_id: user.id,
            operator_id: user.operator_id,
            merchant_id: user.merchant_id,
            role: user.role,
        }))
    }

    async fn dropped(
        &self,
        mut record: InboundRecord,
        outcome: &str,
        detail: &str,
    ) -> Result<Received, Error> {
        record.outcome = outcome.to_owned();
        record.detail = Some(detail.to_owned());
        tracing::info!(outcome, detail, sender = ?record.sender, "inbound email dropped");
        self.store().record_inbound_mail(&record).await?;
        Ok(Received {
            outcome: outcome.to_owned(),
            case_id: None,
            attachments: 0,
        })
    }
}
