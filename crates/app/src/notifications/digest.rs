//! The daily digest: a staff member who chose it gets one email a day, at 8 a.m.
//! in the marketplace's time zone, listing the new cases and the buyers' messages
//! instead of one email each. The dispatcher holds those notifications as
//! `digest` deliveries due at the next 8 a.m.; when they fall due, one email per
//! person gathers them and they are marked sent by it, in one transaction.

use super::render::{self, Vars};
use super::{MESSAGE_ATTEMPTS, Notifier};
use crate::App;
use amiable_i18n::Lang;
use amiable_store::{Delivery, NewDelivery, StoreError};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::collections::BTreeMap;

/// The hour a digest leaves, in the marketplace's time zone.
pub const DIGEST_HOUR: i8 = 8;

/// Without a configured zone, French time (the rules pack's).
pub(super) fn default_zone() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC)
}

/// The next 8 a.m. in `zone` after `now` (DST-correct: a wall-clock hour).
pub(super) fn next_digest_at(now: Timestamp, zone: &TimeZone) -> Timestamp {
    let local = now.to_zoned(zone.clone());
    let today = local
        .date()
        .at(DIGEST_HOUR, 0, 0, 0)
        .to_zoned(zone.clone())
        .map(|z| z.timestamp());
    match today {
        Ok(at) if at > now => at,
        _ => local
            .date()
            .checked_add(1.day())
            .ok()
            .and_then(|d| d.at(DIGEST_HOUR, 0, 0, 0).to_zoned(zone.clone()).ok())
            .map(|z| z.timestamp())
            .unwrap_or(now),
    }
}

impl App {
    /// Plans the digests due at `now` (the worker does it on every pass with the
    /// current time; a later instant gathers what waits for tomorrow's).
    pub async fn notify_digests(
        &self,
        worker_id: &str,
        now: Timestamp,
    ) -> Result<usize, crate::Error> {
        Ok(Notifier::new(self, worker_id).digests(self, now).await?)
    }
}

impl Notifier {
    /// Sends the digests that fell due: one email per person, planned in the
    /// transaction that marks its items sent. Returns how many were planned.
    pub(super) async fn digests(&self, app: &App, now: Timestamp) -> Result<usize, StoreError> {
        let due = app.store().due_digest_items(now, 2000).await?;
        let mut by_person: BTreeMap<(String, String), Vec<Delivery>> = BTreeMap::new();
        for item in due {
            by_person
                .entry((item.recipient_key.clone(), item.recipient.clone()))
                .or_default()
                .push(item);
        }
        let mut planned = 0;
        for ((key, address), items) in by_person {
            let Some(email) = self.digest_email(&key, &address, &items) else {
                continue;
            };
            let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
            if app.store().plan_digest(&email, &ids).await? {
                planned += 1;
            }
        }
        Ok(planned)
    }

    fn digest_email(&self, key: &str, address: &str, items: &[Delivery]) -> Option<NewDelivery> {
        let first = items.first()?;
        let last = items.iter().map(|i| i.id).max()?;
        let lang = if first.language == "en" {
            Lang::En
        } else {
            Lang::Fr
        };
        let entries: Vec<(String, String)> = items
            .iter()
            .map(|item| {
                let link = item
                    .case_id
                    .map(|case| self.absolute(&format!("/console/cases/{case}")))
                    .unwrap_or_else(|| self.absolute("/console"));
                (item.subject.clone(), link)
            })
            .collect();
        let same_sender = items.iter().all(|i| i.sender_name == first.sender_name);
        let sender = if same_sender {
            first.sender_name.clone()
        } else {
            "amiable".to_owned()
        };
        let vars: Vars = vec![
            (
                "name",
                address.split('@').next().unwrap_or_default().to_owned(),
            ),
            ("count", items.len().to_string()),
            ("shop", sender.clone()),
            ("link", self.absolute("/console")),
            ("preferences", self.absolute("/console/preferences")),
        ];
        let rendered = match render::digest(lang, &vars, &entries) {
            Ok(rendered) => rendered,
            Err(error) => {
                tracing::error!(%error, "digest not rendered");
                return None;
            }
        };
        let idem_key = format!("digest:{key}:{last}");
        Some(NewDelivery {
            message_id: self.message_id(&idem_key),
            idem_key,
            operator_id: first.operator_id.clone(),
            merchant_id: first
                .merchant_id
                .clone()
                .filter(|m| items.iter().all(|i| i.merchant_id.as_ref() == Some(m))),
            case_id: None,
            seq: None,
            channel: "email".into(),
            topic: "daily_digest".into(),
            audience: first.audience.clone(),
            recipient: address.to_owned(),
            recipient_key: key.to_owned(),
            language: lang.as_str().into(),
            sender_name: sender,
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: Some(rendered.html),
            max_attempts: MESSAGE_ATTEMPTS,
            due_at: Timestamp::now(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_digest_leaves_at_eight_in_the_morning_paris_time_across_dst() {
        let paris = default_zone();
        // Winter (UTC+1): 06:59 UTC is 07:59 in Paris → 07:00 UTC the same day.
        assert_eq!(
            next_digest_at(at("2026-12-07T06:59:00Z"), &paris),
            at("2026-12-07T07:00:00Z")
        );
        // Just past 8 a.m.: the next day.
        assert_eq!(
            next_digest_at(at("2026-12-07T07:00:00Z"), &paris),
            at("2026-12-08T07:00:00Z")
        );
        // The night of the change to summer time (29 March 2026): 8 a.m. is 06:00 UTC.
        assert_eq!(
            next_digest_at(at("2026-03-28T20:00:00Z"), &paris),
            at("2026-03-29T06:00:00Z")
        );
        let utc = TimeZone::UTC;
        assert_eq!(
            next_digest_at(at("2026-06-01T09:00:00Z"), &utc),
            at("2026-06-02T08:00:00Z")
        );
    }
}
