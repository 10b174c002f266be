//! Orders: stored as snapshots, created or replaced by their number at their
//! merchant, one or many at once (all or nothing), read by whoever reaches them.

use crate::access::{allow, allow_referenced, allow_role};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::contact::Locale;
use amiable_domain::ids::{MerchantId, OrderId};
use amiable_domain::order::{Order, OrderInput};
use amiable_domain::settings::default_language;
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{OrderSummary, StoreError, UpsertOutcome};

/// The most orders in one bulk request.
pub const MAX_BULK_ORDERS: usize = 500;

/// Store errors of an order's fields, reported under `prefix` (`order.lines[0].sku`).
fn prefixed(error: StoreError, prefix: &str) -> Error {
    match error {
        StoreError::Invalid(mut errors) => {
            for error in &mut errors.0 {
                error.field = format!("{prefix}.{}", error.field);
            }
            Error::validation(errors)
        }
        other => other.into(),
    }
}

/// Gives a buyer imported without a language the shop's.
fn speaks(input: &mut OrderInput, language: Locale) {
    if input
        .buyer
        .locale
        .as_deref()
        .is_none_or(|l| l.trim().is_empty())
    {
        input.buyer.locale = Some(language.code().to_owned());
    }
}

impl App {
    /// The merchant orders go to, checked against the caller's reach: the one named,
    /// or the caller's own.
    pub async fn order_merchant(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
    ) -> Result<MerchantId, Error> {
        allow_role(principal, Action::WriteOrders)?;
        let not_found =
            || Error::invalid_field("merchant_id", "merchant.not_found", "no such merchant");
        let merchant_id = match (merchant_id, principal.merchant_id()) {
            (Some(m), _) | (None, Some(m)) => m,
            (None, None) => {
                return Err(Error::invalid_field(
                    "merchant_id",
                    "field.required",
                    "name the merchant the order belongs to",
                ));
            }
        };
        let merchant = self
            .store()
            .merchant(merchant_id)
            .await?
            .ok_or_else(not_found)?;
        let resource = Resource::merchant(merchant.operator_id, merchant.id);
        allow_referenced(principal, Action::WriteOrders, &resource, not_found)?;
        Ok(merchant.id)
    }

    /// The language of the merchant's buyers when an order names none: the
    /// merchant's setting, else the marketplace's, else French.
    async fn buyers_language(&self, merchant_id: MerchantId) -> Result<Locale, Error> {
        let merchant = self
            .store()
            .merchant(merchant_id)
            .await?
            .ok_or_else(|| Error::not_found("merchant"))?;
        let operator = self
            .store()
            .operator(merchant.operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        Ok(default_language(&merchant.settings, &operator.settings))
    }

    /// Creates or replaces one order; says whether it was created.
    pub async fn upsert_order(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
        input: &OrderInput,
    ) -> Result<(OrderSummary, bool), Error> {
        let merchant_id = self.order_merchant(principal, merchant_id).await?;
        let mut input = input.clone();
        let language = self.buyers_language(merchant_id).await?;
        speaks(&mut input, language);
        let outcome = self
            .store()
            .upsert_order(
                principal.operator_id(),
                merchant_id,
                &input,
                OrderId::from_bytes(self.random_id()),
            )
            .await
            .map_err(|e| prefixed(e, "order"))?;
        let summary = self
            .store()
            .order(outcome.order_id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        Ok((summary, outcome.created))
    }

    /// Creates or replaces up to [`MAX_BULK_ORDERS`] orders of one merchant in one
    /// transaction: all, or none. Every fault of every order is reported at once.
    pub async fn upsert_orders(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
        inputs: Vec<OrderInput>,
    ) -> Result<Vec<UpsertOutcome>, Error> {
        let merchant_id = self.order_merchant(principal, merchant_id).await?;
        let mut inputs = inputs;
        let language = self.buyers_language(merchant_id).await?;
        for input in &mut inputs {
            speaks(input, language);
        }
        if inputs.is_empty() || inputs.len() > MAX_BULK_ORDERS {
            return Err(Error::field(
                FieldError::new(
                    "orders",
                    "field.invalid",
                    format!("send 1 to {MAX_BULK_ORDERS} orders"),
                )
                .with("max", MAX_BULK_ORDERS as i64),
            ));
        }
        let operator_id = principal.operator_id();
        // Check every order first, so the answer names every faulty field at once.
        let mut errors = ValidationErrors::default();
        let mut seen = std::collections::HashSet::new();
        for (i, input) in inputs.iter().enumerate() {
            let id = OrderId::from_bytes([0; 16]);
            if let Err(e) = Order::from_input(id, operator_id, merchant_id, input) {
                for mut error in e.0 {
                    error.field = format!("orders[{i}].{}", error.field);
                    errors.push(error);
                }
            }
            if !seen.insert(input.external_id.trim().to_owned()) {
                errors.push(FieldError::new(
                    format!("orders[{i}].external_id"),
                    "order.duplicate_in_request",
                    "this order number appears twice in the request",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let rows: Vec<_> = inputs
            .into_iter()
            .map(|input| {
                (
                    operator_id,
                    merchant_id,
                    input,
                    OrderId::from_bytes(self.random_id()),
                )
            })
            .collect();
        self.store()
            .upsert_orders(&rows)
            .await
            .map_err(|e| prefixed(e, "orders"))
    }

    /// An order, if the caller may do `action` on it (`not_found` otherwise).
    pub async fn order_for(
        &self,
        principal: &Principal,
        order_id: OrderId,
        action: Action,
    ) -> Result<OrderSummary, Error> {
        let summary = self
            .store()
            .order(order_id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let resource = Resource::order(
            summary.order.operator_id,
            summary.order.merchant_id,
            summary.order.id,
        );
        allow(principal, action, &resource, "order")?;
        Ok(summary)
    }
}
