//! Email through an SMTP server, with `lettre`.
//!
//! The server is named by a URL: `smtp://host:25` (plain, for a local relay),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`
//! (TLS from the start). Connections are pooled. A 4xx answer or a network
//! error is temporary (tried again later); a 5xx answer is permanent (a dead
//! letter, which the operator can send again).

use amiable_app::ports::messaging::{Mailer, OutgoingEmail, SendError, SendFuture, Sent};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    /// Connects lazily to the server of `url` (see the module's documentation).
    pub fn new(url: &str) -> Result<Self, String> {
        crate::install_crypto_provider();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(
                PoolConfig::new()
                    .max_size(8)
                    .idle_timeout(Duration::from_secs(60)),
            )
            .build();
        Ok(SmtpMailer { transport })
    }
}

/// The MIME message of an email: text and HTML alternatives, the shop as sender name.
pub fn message(email: &OutgoingEmail) -> Result<Message, SendError> {
    let address = |text: &str| {
        text.parse()
            .map_err(|e| SendError::permanent(format!("invalid address {text}: {e}")))
    };
    let mut builder = Message::builder()
        .from(Mailbox::new(
            Some(email.from_name.clone()).filter(|n| !n.is_empty()),
            address(&email.from_address)?,
        ))
        .to(Mailbox::new(None, address(&email.to)?))
        .reply_to(Mailbox::new(None, address(&email.reply_to)?))
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.clone()));
    for (name, value) in &email.headers {
        let name = HeaderName::new_from_ascii(name.clone())
            .map_err(|_| SendError::permanent(format!("invalid header name {name}")))?;
        builder = builder.raw_header(HeaderValue::new(name, value.clone()));
    }
    let built = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(SinglePart::plain(email.text.clone())),
    };
    built.map_err(|e| SendError::permanent(format!("cannot build the message: {e}")))
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> SendFuture<'a> {
        Box::pin(async move {
            let message = message(email)?;
            match self.transport.send(message).await {
                Ok(response) => Ok(Sent {
                    transport: "smtp".into(),
                    status_code: Some(response.code().into()),
                    detail: response.message().next().map(str::to_owned),
                }),
                Err(error) => {
                    let status_code = error.status().map(u16::from);
                    let detail = error.to_string();
                    Err(if error.is_permanent() {
                        SendError::Permanent {
                            status_code,
                            detail,
                        }
                    } else {
                        SendError::Temporary {
                            status_code,
                            detail,
                        }
                    })
                }
            }
        })
    }
}
