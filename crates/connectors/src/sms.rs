//! Text messages through Twilio's Programmable Messaging API — the provider
//! whose wire format this build speaks: `POST
//! {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic
//! authentication with the account SID and auth token, a form body with `To`,
//! `From` (or `MessagingServiceSid`) and `Body`; `201 Created` with the
//! message's `sid` on success, a JSON error (`code`, `message`) otherwise.
//! `429` and `5xx` are tried again; other `4xx` (an invalid number, a blocked
//! recipient) are permanent.

use amiable_app::ports::messaging::{OutgoingSms, SendError, SendFuture, Sent, SmsGateway};
use serde::Deserialize;
use std::time::Duration;

/// Twilio's API.
pub const TWILIO_API: &str = "https://api.twilio.com";

#[derive(Debug, Clone)]
pub struct TwilioConfig {
    /// `https://api.twilio.com` (a local stand-in in tests).
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// A sender number in E.164, an alphanumeric sender id, or `MG…` (a messaging service).
    pub from: String,
}

pub struct TwilioSms {
    config: TwilioConfig,
    client: reqwest::Client,
}

impl TwilioSms {
    pub fn new(config: TwilioConfig) -> Result<Self, String> {
        crate::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(TwilioSms { config, client })
    }
}

#[derive(Deserialize)]
struct Created {
    sid: String,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl SmsGateway for TwilioSms {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SendFuture<'a> {
        Box::pin(async move {
            let config = &self.config;
            let url = format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                config.base_url.trim_end_matches('/'),
                config.account_sid
            );
            let sender = if config.from.starts_with("MG") {
                "MessagingServiceSid"
            } else {
                "From"
            };
            let form = [
                ("To", sms.to.as_str()),
                (sender, config.from.as_str()),
                ("Body", sms.body.as_str()),
            ];
            let response = self
                .client
                .post(&url)
                .basic_auth(&config.account_sid, Some(&config.auth_token))
                .form(&form)
                .send()
                .await
                .map_err(|e| SendError::temporary(format!("cannot reach Twilio: {e}")))?;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            if (200..300).contains(&status) {
                let created: Created = serde_json::from_str(&body)
                    .map_err(|e| SendError::temporary(format!("unexpected answer: {e}")))?;
                return Ok(Sent {
                    transport: "sms:twilio".into(),
                    status_code: Some(status),
                    detail: Some(format!(
                        "{} {}",
                        created.sid,
                        created.status.unwrap_or_default()
                    )),
                });
            }
            let problem: Option<Problem> = serde_json::from_str(&body).ok();
            let detail = match problem {
                Some(Problem {
                    code: Some(code),
                    message,
                }) => format!("Twilio {code}: {}", message.unwrap_or_default()),
                _ => format!("HTTP {status}"),
            };
            Err(if status == 429 || status >= 500 {
                SendError::Temporary {
                    status_code: Some(status),
                    detail,
                }
            } else {
                SendError::Permanent {
                    status_code: Some(status),
                    detail,
                }
            })
        })
    }
}
