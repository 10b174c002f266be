//! Deliveries leave through their port; the outcome is recorded with the
//! attempt: sent, tried again later (exponential back-off with jitter), or a
//! dead letter after the last attempt.

use super::{Notifier, inbound, webhooks};
use crate::App;
use crate::ports::messaging::{OutgoingEmail, OutgoingSms, SendError, Sent};
use amiable_store::{Attempt, AttemptOutcome, AttemptResult, Delivery, Recorded, StoreError};
use jiff::{SignedDuration, Timestamp};

/// The wait before attempt `attempt + 1` of an email or a text message: 30 s
/// doubled each time, at most 6 h, ± 20 % so that a burst that failed together
/// does not come back together.
pub fn message_backoff(attempt: i64, jitter: f64) -> SignedDuration {
    let exponent = attempt.clamp(1, 20) - 1;
    let base = (30i64 << exponent.min(10)).min(6 * 3600);
    spread(base, 0.2, jitter)
}

/// `seconds` ± `fraction`, by `jitter` in [0, 1).
pub(super) fn spread(seconds: i64, fraction: f64, jitter: f64) -> SignedDuration {
    let factor = 1.0 + fraction * (2.0 * jitter.clamp(0.0, 1.0) - 1.0);
    SignedDuration::from_millis((seconds as f64 * 1000.0 * factor) as i64)
}

/// What one attempt of a delivery came to, before it is recorded.
pub(super) struct Tried {
    delivery: Delivery,
    outcome: AttemptOutcome,
    error: Option<SendError>,
}

impl Notifier {
    /// Sends one claimed delivery through its port; the outcome is recorded by
    /// [`Notifier::record`], with others, in one transaction.
    pub(super) async fn attempt(&self, app: &App, delivery: Delivery) -> Tried {
        let started = std::time::Instant::now();
        let result = match delivery.channel.as_str() {
            "email" => {
                let email = self.email(app, &delivery);
                app.inner.ports.mailer.send(&email).await
            }
            "sms" => {
                let sms = OutgoingSms {
                    to: delivery.recipient.clone(),
                    body: delivery.body_text.clone(),
                    idempotency_key: delivery.idem_key.clone(),
                };
                app.inner.ports.sms.send(&sms).await
            }
            "webhook" => webhooks::send(self, app, &delivery).await,
            other => Err(SendError::permanent(format!("unknown channel '{other}'"))),
        };
        let attempt = |ok: bool, status_code: Option<u16>, detail: Option<String>| Attempt {
            delivery_id: delivery.id,
            attempt: delivery.attempts,
            at: Timestamp::now(),
            ok,
            status_code: status_code.map(i64::from),
            detail,
            duration_ms: started.elapsed().as_millis() as i64,
        };
        match result {
            Ok(Sent {
                transport,
                status_code,
                detail,
            }) => Tried {
                outcome: AttemptOutcome {
                    attempt: attempt(true, status_code, detail),
                    result: AttemptResult::Sent { transport },
                },
                delivery,
                error: None,
            },
            Err(error) => {
                let now = Timestamp::now();
                let jitter = fastrand::f64();
                let wait = if delivery.channel == "webhook" {
                    webhooks::backoff(delivery.attempts, jitter)
                } else {
                    message_backoff(delivery.attempts, jitter)
                };
                let give_up = matches!(error, SendError::Permanent { .. } | SendError::Gone);
                Tried {
                    outcome: AttemptOutcome {
                        attempt: attempt(false, error.status_code(), Some(error.to_string())),
                        result: AttemptResult::Failed {
                            retry_at: now.saturating_add(wait).unwrap_or(now),
                            dead: give_up || delivery.attempts >= delivery.max_attempts,
                        },
                    },
                    delivery,
                    error: Some(error),
                }
            }
        }
    }

    /// Records attempts in one transaction, then what follows for webhooks (an
    /// endpoint's failing streak, a `410 Gone`).
    pub(super) async fn record(&self, app: &App, tried: Vec<Tried>) -> Result<(), StoreError> {
        if tried.is_empty() {
            return Ok(());
        }
        let outcomes: Vec<AttemptOutcome> = tried.iter().map(|t| t.outcome.clone()).collect();
        let recorded = app
            .store()
            .record_attempts(&self.worker_id, &outcomes)
            .await?;
        for (tried, recorded) in tried.into_iter().zip(recorded) {
            let delivery = &tried.delivery;
            match (&tried.error, recorded) {
                (_, Recorded::LeaseLost) => tracing::warn!(
                    delivery = delivery.id,
                    "lost the lease before recording a delivery's attempt"
                ),
                (None, _) => {
                    if delivery.channel == "webhook" {
                        webhooks::succeeded(app, delivery).await?;
                    }
                }
                (Some(error), recorded) => {
                    if recorded == Recorded::Dead {
                        tracing::warn!(
                            delivery = delivery.id,
                            channel = delivery.channel,
                            %error,
                            "delivery failed for good: a dead letter"
                        );
                    } else {
                        tracing::info!(
                            delivery = delivery.id,
                            channel = delivery.channel,
                            %error,
                            "delivery failed; will try again"
                        );
                    }
                    if delivery.channel == "webhook" {
                        webhooks::failed(app, delivery, error).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The email of a delivery: the shop's name as sender, a reply address carrying
    /// the signed reply token, the deterministic `Message-ID`, and the headers that
    /// keep auto-responders from answering.
    fn email(&self, app: &App, delivery: &Delivery) -> OutgoingEmail {
        let reply_domain = self
            .config
            .reply_domain
            .clone()
            .unwrap_or_else(|| self.mail_domain().to_owned());
        let token = inbound::reply_token(app, delivery.id);
        let mut headers = vec![
            // RFC 3834: an automatic message; auto-responders must not answer it.
            ("Auto-Submitted".to_owned(), "auto-generated".to_owned()),
            ("X-Auto-Response-Suppress".to_owned(), "All".to_owned()),
        ];
        if let Some(case_id) = delivery.case_id {
            // One thread per case in the recipient's mail client.
            let thread = self.message_id(&format!("thread:{case_id}:{}", delivery.recipient_key));
            headers.push(("References".to_owned(), thread));
            headers.push(("X-Amiable-Case".to_owned(), case_id.to_string()));
        }
        OutgoingEmail {
            from_name: delivery.sender_name.clone(),
            from_address: self.config.from_address.clone(),
            to: delivery.recipient.clone(),
            reply_to: format!("reply+{token}@{reply_domain}"),
            subject: delivery.subject.clone(),
            text: delivery.body_text.clone(),
            html: delivery.body_html.clone(),
            message_id: delivery.message_id.clone(),
            headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_thirty_seconds_up_to_six_hours_with_jitter() {
        assert_eq!(message_backoff(1, 0.5), SignedDuration::from_secs(30));
        assert_eq!(message_backoff(2, 0.5), SignedDuration::from_secs(60));
        assert_eq!(message_backoff(5, 0.5), SignedDuration::from_secs(480));
        assert_eq!(
            message_backoff(15, 0.5),
            SignedDuration::from_secs(6 * 3600)
        );
        assert_eq!(message_backoff(1, 0.0), SignedDuration::from_secs(24));
        assert!(message_backoff(1, 0.999) > SignedDuration::from_secs(35));
        let total: i64 = (1..super::super::MESSAGE_ATTEMPTS)
            .map(|a| message_backoff(a, 0.5).as_secs())
            .sum();
        assert!(
            total > 3 * 3600,
            "ten attempts span hours, not seconds: {total}"
        );
    }
}
