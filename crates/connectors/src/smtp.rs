//! Email through an SMTP server, with `lettre`.
//!
//! The server is named by a URL: `smtp://host:25` (plain, for a local relay),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`
//! (TLS from the start). Connections are pooled. A 4xx answer or a network
//! error is temporary (tried again later); a 5xx answer is permanent (a dead
//! letter, which the operator can send again).
//!
//! With a DKIM key configured, every message is signed (RFC 6376, `rsa-sha256`,
//! relaxed/relaxed) over its From, To, Reply-To, Subject, Date and Message-ID.

use amiable_app::ports::messaging::{Mailer, OutgoingEmail, SendError, SendFuture, Sent};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    dkim: Option<DkimConfig>,
}

/// How messages are signed: the key's selector (its DNS record is
/// `<selector>._domainkey.<domain>`), the signing domain (`d=`), and the RSA private
/// key in PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`).
pub fn dkim(selector: &str, domain: &str, private_key_pem: &str) -> Result<DkimConfig, String> {
    let key = DkimSigningKey::new(private_key_pem, DkimSigningAlgorithm::Rsa)
        .map_err(|e| format!("DKIM key: {e} (an RSA private key in PKCS#1 PEM is expected)"))?;
    let headers = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID"]
        .into_iter()
        .map(|name| HeaderName::new_from_ascii(name.to_owned()).expect("a header name"))
        .collect();
    Ok(DkimConfig::new(
        selector.to_owned(),
        domain.to_owned(),
        key,
        headers,
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    ))
}

impl SmtpMailer {
    /// Connects lazily to the server of `url` (see the module's documentation);
    /// signs with `dkim` when given.
    pub fn new(url: &str, dkim: Option<DkimConfig>) -> Result<Self, String> {
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
        Ok(SmtpMailer { transport, dkim })
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
            let mut message = message(email)?;
            if let Some(dkim) = &self.dkim {
                message.sign(dkim);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            from_name: "Atelier Lumière".into(),
            from_address: "notifications@litiges.example.fr".into(),
            to: "claire@exemple.fr".into(),
            reply_to: "reply+42.abc@litiges.example.fr".into(),
            subject: "[Dossier A7K3F2] Votre demande est enregistrée".into(),
            text: "Bonjour Claire,\n\nVotre demande est enregistrée.\n".into(),
            html: Some("<p>Bonjour Claire,</p>".into()),
            message_id: "<0f3a@litiges.example.fr>".into(),
            headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        }
    }

    #[test]
    fn a_configured_key_signs_the_headers_that_matter() {
        let pem = include_str!("../testdata/dkim-test.pem");
        let config = dkim("s2026", "litiges.example.fr", pem).unwrap();
        let mut message = message(&email()).unwrap();
        message.sign(&config);
        let raw = String::from_utf8(message.formatted()).unwrap();
        let signature = raw
            .lines()
            .skip_while(|l| !l.starts_with("DKIM-Signature:"))
            .take_while(|l| l.starts_with("DKIM-Signature:") || l.starts_with([' ', '\t']))
            .collect::<String>();
        for tag in [
            "a=rsa-sha256",
            "c=relaxed/relaxed",
            "d=litiges.example.fr",
            "s=s2026",
        ] {
            assert!(signature.contains(tag), "{tag} in {signature}");
        }
        let signed = signature
            .split("h=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        for header in ["From", "To", "Reply-To", "Subject", "Date", "Message-ID"] {
            assert!(
                signed
                    .split(':')
                    .any(|h| h.trim().eq_ignore_ascii_case(header)),
                "{header} signed: {signed}"
            );
        }
    }

    #[test]
    fn a_key_that_is_not_pkcs1_rsa_is_refused() {
        assert!(
            dkim(
                "s",
                "example.fr",
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .is_err()
        );
    }
}
