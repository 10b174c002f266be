//! Buyers have no account: the order number and their email, or a link
//! emailed to them, give a short-lived token scoped to that order.

use crate::auth::{BUYER_LOOKUP_TTL, BuyerClaims, constant_time_eq};
use crate::{App, Error, Kind};
use amiable_domain::contact::Email;
use amiable_domain::ids::{MerchantId, OrderId};
use amiable_domain::order::Order;
use amiable_domain::validation::{FieldError, ValidationErrors};
use jiff::{SignedDuration, Timestamp};

/// A buyer's access to one order.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyerAccess {
    pub order_id: OrderId,
    pub merchant_id: MerchantId,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The same access as a link to email (relative when no public URL is configured).
    pub link: String,
    pub expires_at: Timestamp,
}

impl App {
    /// A token (and a link) giving the buyer access to `order` for `ttl`.
    pub fn buyer_access(&self, order: &Order, ttl: SignedDuration) -> BuyerAccess {
        let expires_at = Timestamp::now()
            .checked_add(ttl)
            .unwrap_or(Timestamp::MAX)
            .round(jiff::Unit::Second)
            .unwrap_or(Timestamp::MAX);
        let token = self.buyer_tokens().mint(&BuyerClaims {
            operator_id: order.operator_id,
            merchant_id: order.merchant_id,
            order_id: order.id,
            expires_at,
        });
        BuyerAccess {
            order_id: order.id,
            merchant_id: order.merchant_id,
            link: format!("{}/suivi?token={token}", self.public_url()),
            token,
            expires_at,
        }
    }

    /// The orders an order number and a buyer's email match, each with its access
    /// token (rate-limited per IP). A wrong number and a wrong email get the same
    /// answer, `buyer.lookup_failed`, after the same work. The buyer portal's
    /// lookup form and `POST /buyer/access` both come here.
    pub async fn lookup_orders(
        &self,
        ip: std::net::IpAddr,
        operator: Option<&str>,
        order_number: &str,
        email: &str,
    ) -> Result<Vec<BuyerAccess>, Error> {
        self.inner
            .lookup_limiter
            .check(ip, std::time::Instant::now())
            .map_err(|retry| Error::rate_limited(retry.0))?;
        let mut errors = ValidationErrors::default();
        let number = order_number.trim();
        if number.is_empty() || number.len() > 100 {
            errors.push(FieldError::new(
                "order_number",
                "field.invalid",
                "must be 1 to 100 characters",
            ));
        }
        let email = errors.check(Email::parse(email.trim()).map_err(|e| e.at("email")));
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let failed = || {
            Error::new(
                Kind::NotFound,
                "buyer.lookup_failed",
                "no order matches this number and email",
            )
        };
        let operator = match operator {
            Some(slug) => self.store().operator_by_slug(slug).await?,
            None => {
                let mut all = self.store().operators().await?;
                if all.len() == 1 {
                    all.pop()
                } else {
                    return Err(Error::invalid_field(
                        "operator",
                        "field.required",
                        "name the marketplace (several are hosted here)",
                    ));
                }
            }
        };
        let Some(operator) = operator else {
            return Err(failed());
        };
        let email = email.map(|e| e.as_str().to_lowercase()).unwrap_or_default();
        let orders = self.store().orders_by_number(operator.id, number).await?;
        // Compare every candidate in constant time; never stop at the first.
        let matching: Vec<_> = orders
            .into_iter()
            .filter(|o| {
                let stored = o.order.buyer.email.as_str().to_lowercase();
                constant_time_eq(stored.as_bytes(), email.as_bytes())
            })
            .collect();
        if matching.is_empty() {
            return Err(failed());
        }
        Ok(matching
            .iter()
            .map(|o| self.buyer_access(&o.order, BUYER_LOOKUP_TTL))
            .collect())
    }
}
