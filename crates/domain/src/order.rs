//! The order snapshot: what a shop platform told amiable about one order.
//!
//! Orders arrive as [`OrderInput`] (plain JSON/CSV values) and become an
//! [`Order`] only through [`Order::from_input`], which checks every field and
//! reports all problems at once with their paths.

use crate::contact::{Email, Locale, Phone};
use crate::ids::{ExternalId, LineId, MerchantId, OperatorId, OrderId, Sku};
use crate::money::{Currency, Money, MoneyError};
use crate::text::Label;
use crate::validation::{FieldError, ValidationErrors};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The most lines one order may have.
pub const MAX_ORDER_LINES: usize = 500;
/// The most units of one line.
pub const MAX_LINE_QUANTITY: u32 = 10_000;

/// A strictly positive count of units, at most [`MAX_LINE_QUANTITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    pub fn new(value: i64) -> Result<Self, FieldError> {
        if value < 1 {
            return Err(FieldError::new(
                "quantity",
                "quantity.not_positive",
                "must be at least 1",
            ));
        }
        if value > i64::from(MAX_LINE_QUANTITY) {
            return Err(FieldError::new(
                "quantity",
                "quantity.too_large",
                format!("must be at most {MAX_LINE_QUANTITY}"),
            )
            .with("max", MAX_LINE_QUANTITY));
        }
        Ok(Self(value as u32))
    }

    pub fn get(&self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = FieldError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Quantity::new(value).map_err(crate::validation::refused)
    }
}

impl From<Quantity> for u32 {
    fn from(value: Quantity) -> Self {
        value.0
    }
}

/// Properties of a line that change what the law and policies allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LineFlag {
    /// Made to the buyer's specification (C. conso L221-28 3°).
    Personalised,
    /// Liable to deteriorate or expire rapidly (L221-28 4°).
    Perishable,
    /// Sealed for health or hygiene reasons (L221-28 5°, once unsealed).
    SealedHygiene,
    /// Second-hand or refurbished (L217-7: 12-month presumption).
    SecondHand,
    /// Digital content not supplied on a tangible medium (L221-28 13°).
    Digital,
}

impl LineFlag {
    pub const ALL: [LineFlag; 5] = [
        LineFlag::Personalised,
        LineFlag::Perishable,
        LineFlag::SealedHygiene,
        LineFlag::SecondHand,
        LineFlag::Digital,
    ];

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.trim() {
            "personalised" | "personalized" => Ok(LineFlag::Personalised),
            "perishable" => Ok(LineFlag::Perishable),
            "sealed_hygiene" => Ok(LineFlag::SealedHygiene),
            "second_hand" => Ok(LineFlag::SecondHand),
            "digital" => Ok(LineFlag::Digital),
            other => Err(FieldError::new(
                "flags",
                "line.unknown_flag",
                format!(
                    "unknown flag '{other}' (personalised, perishable, sealed_hygiene, second_hand, digital)"
                ),
            )),
        }
    }
}

/// How the buyer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentProvider {
    Paypal,
    Stripe,
    Card,
    BankTransfer,
    Other,
}

impl PaymentProvider {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "paypal" => Ok(Self::Paypal),
            "stripe" => Ok(Self::Stripe),
            "card" => Ok(Self::Card),
            "bank_transfer" => Ok(Self::BankTransfer),
            "other" => Ok(Self::Other),
            other => Err(FieldError::new(
                "provider",
                "payment.unknown_provider",
                format!("unknown provider '{other}' (paypal, stripe, card, bank_transfer, other)"),
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Buyer {
    pub name: Label,
    pub email: Email,
    pub phone: Option<Phone>,
    pub locale: Locale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub line_id: LineId,
    pub sku: Sku,
    pub title: Label,
    pub category: Label,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub flags: BTreeSet<LineFlag>,
}

impl OrderLine {
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.unit_price.checked_mul(i64::from(self.quantity.get()))
    }

    pub fn has(&self, flag: LineFlag) -> bool {
        self.flags.contains(&flag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub provider: PaymentProvider,
    pub transaction_id: Label,
    pub captured: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLine {
    pub line_id: LineId,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub shipment_id: LineId,
    pub carrier: Label,
    pub tracking_number: Option<Label>,
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub lines: Vec<ShipmentLine>,
}

/// A checked order snapshot. Every order belongs to one operator and one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: OrderId,
    pub operator_id: OperatorId,
    pub merchant_id: MerchantId,
    pub external_id: ExternalId,
    pub placed_at: Timestamp,
    pub currency: Currency,
    pub buyer: Buyer,
    pub lines: Vec<OrderLine>,
    /// What the buyer paid for standard delivery (refunded on withdrawal, L221-24).
    pub shipping: Money,
    pub payment: Option<Payment>,
    pub shipments: Vec<Shipment>,
    /// Where the order was delivered: the sender's address on a return label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<crate::contact::PostalAddress>,
}

/// Where one line of an order is on its way to the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineShipping {
    /// In no shipment yet.
    NotShipped,
    /// In a shipment not delivered yet (all or part of its quantity).
    Shipped { at: Option<Timestamp> },
    /// Every unit shipped was delivered; `partial` when some units are in no shipment yet.
    Delivered { at: Timestamp, partial: bool },
}

/// Days to deliver when the seller named no date (C. conso L216-1, second paragraph).
pub const DEFAULT_DELIVERY_DAYS: i64 = 30;

impl Order {
    pub fn line(&self, line_id: &LineId) -> Option<&OrderLine> {
        self.lines.iter().find(|l| &l.line_id == line_id)
    }

    /// Where `line_id` is: not shipped, shipped, or delivered (its last parcel).
    pub fn line_shipping(&self, line_id: &LineId) -> LineShipping {
        let ordered = self.line(line_id).map_or(0, |l| l.quantity.get());
        let mut shipped = 0u32;
        let mut first_sent: Option<Timestamp> = None;
        let mut last_delivered: Option<Timestamp> = None;
        let mut undelivered = false;
        for shipment in &self.shipments {
            let quantity: u32 = shipment
                .lines
                .iter()
                .filter(|l| &l.line_id == line_id)
                .map(|l| l.quantity.get())
                .sum();
            if quantity == 0 {
                continue;
            }
            shipped = shipped.saturating_add(quantity);
            if let Some(at) = shipment.shipped_at {
                first_sent = Some(first_sent.map_or(at, |f| f.min(at)));
            }
            match shipment.delivered_at {
                Some(at) => last_delivered = Some(last_delivered.map_or(at, |l| l.max(at))),
                None => undelivered = true,
            }
        }
        match (shipped, last_delivered) {
            (0, _) => LineShipping::NotShipped,
            (_, Some(at)) if !undelivered => LineShipping::Delivered {
                at,
                partial: shipped < ordered,
            },
            _ => LineShipping::Shipped { at: first_sent },
        }
    }

    /// Whether any unit of the line is in a shipment.
    pub fn line_shipped(&self, line_id: &LineId) -> bool {
        self.line_shipping(line_id) != LineShipping::NotShipped
    }

    /// The instant delivery is due when the seller named no date: 30 days after the
    /// order (C. conso L216-1). Past it, a line not delivered is late (L216-6).
    pub fn delivery_due(&self) -> Timestamp {
        self.placed_at
            .saturating_add(jiff::SignedDuration::from_hours(24 * DEFAULT_DELIVERY_DAYS))
            .unwrap_or(self.placed_at)
    }

    /// Goods plus shipping.
    pub fn total(&self) -> Result<Money, MoneyError> {
        let goods = self
            .lines
            .iter()
            .map(OrderLine::total)
            .collect::<Result<Vec<_>, _>>()?;
        Money::sum(self.currency, goods)?.checked_add(self.shipping)
    }

    /// When the last shipment was delivered, if all were.
    pub fn fully_delivered_at(&self) -> Option<Timestamp> {
        if self.shipments.is_empty() {
            return None;
        }
        self.shipments
            .iter()
            .map(|s| s.delivered_at)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max()
    }

    /// Checks a raw order and builds the snapshot, reporting every invalid field.
    pub fn from_input(
        id: OrderId,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        input: &OrderInput,
    ) -> Result<Order, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let external_id = errors.check(ExternalId::parse(&input.external_id));
        let placed_at = errors.check(parse_instant(&input.placed_at, "placed_at"));
        let currency = errors.check(Currency::parse(&input.currency));
        let buyer = check_buyer(&input.buyer, &mut errors);

        if input.lines.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "order.no_lines",
                "an order needs at least one line",
            ));
        }
        if input.lines.len() > MAX_ORDER_LINES {
            errors.push(
                FieldError::new(
                    "lines",
                    "order.too_many_lines",
                    format!("an order has at most {MAX_ORDER_LINES} lines"),
                )
                .with("max", MAX_ORDER_LINES as i64),
            );
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        let mut seen = BTreeSet::new();
        for (index, raw) in input.lines.iter().enumerate() {
            let path = format!("lines[{index}]");
            if let Some(line) = check_line(raw, index, currency, &path, &mut errors) {
                if !seen.insert(line.line_id.clone()) {
                    errors.push(FieldError::new(
                        format!("{path}.line_id"),
                        "line.duplicate",
                        "line ids must be unique",
                    ));
                }
                lines.push(line);
            }
        }

        let shipping = currency.and_then(|c| {
            errors.check(
                Money::non_negative(input.shipping_minor.unwrap_or(0), c)
                    .map_err(|e| e.at("shipping_minor")),
            )
        });

        let payment = input.payment.as_ref().and_then(|p| {
            let provider = errors
                .check(PaymentProvider::parse(&p.provider).map_err(|e| e.at("payment.provider")));
            let transaction_id = errors.check(
                Label::parse(&p.transaction_id).map_err(|e| e.within("payment.transaction_id")),
            );
            let captured = currency.and_then(|c| {
                errors.check(
                    Money::non_negative(p.captured_minor, c)
                        .map_err(|e| e.at("payment.captured_minor")),
                )
            });
            Some(Payment {
                provider: provider?,
                transaction_id: transaction_id?,
                captured: captured?,
            })
        });

        let ordered: BTreeMap<&LineId, u32> = lines
            .iter()
            .map(|l| (&l.line_id, l.quantity.get()))
            .collect();
        let mut shipped: BTreeMap<LineId, u32> = BTreeMap::new();
        let mut shipments = Vec::with_capacity(input.shipments.len());
        for (index, raw) in input.shipments.iter().enumerate() {
            let path = format!("shipments[{index}]");
            if let Some(shipment) =
                check_shipment(raw, index, placed_at, &ordered, &path, &mut errors)
            {
                for line in &shipment.lines {
                    *shipped.entry(line.line_id.clone()).or_default() += line.quantity.get();
                }
                shipments.push(shipment);
            }
        }
        for (line_id, quantity) in &shipped {
            if let Some(&ordered_quantity) = ordered.get(line_id)
                && *quantity > ordered_quantity
            {
                errors.push(
                    FieldError::new(
                        "shipments",
                        "shipment.more_than_ordered",
                        format!(
                            "line {line_id}: {quantity} shipped but {ordered_quantity} ordered"
                        ),
                    )
                    .with("line", line_id.as_str())
                    .with("shipped", *quantity)
                    .with("ordered", ordered_quantity),
                );
            }
        }

        if let Some(address) = &input.shipping_address
            && let Err(address_errors) = address.check("shipping_address")
        {
            for error in address_errors.0 {
                errors.push(error);
            }
        }

        match (external_id, placed_at, currency, buyer, shipping) {
            (Some(external_id), Some(placed_at), Some(currency), Some(buyer), Some(shipping))
                if errors.is_empty() =>
            {
                let order = Order {
                    id,
                    operator_id,
                    merchant_id,
                    external_id,
                    placed_at,
                    currency,
                    buyer,
                    lines,
                    shipping,
                    payment,
                    shipments,
                    shipping_address: input.shipping_address.clone(),
                };
                let Ok(total) = order.total() else {
                    return Err(FieldError::new(
                        "lines",
                        "money.overflow",
                        "the order total overflows",
                    )
                    .into());
                };
                // Every refund is bounded by what was captured: a capture above what the
                // order is worth (its lines and delivery) would let its cases give back
                // more than was sold.
                if let Some(payment) = &order.payment
                    && payment.captured.amount_minor > total.amount_minor
                {
                    return Err(FieldError::new(
                        "payment.captured_minor",
                        "payment.exceeds_order_total",
                        format!(
                            "the capture ({}) is more than the order's total ({total}: lines and delivery)",
                            payment.captured
                        ),
                    )
                    .with("captured", payment.captured)
                    .with("total", total)
                    .into());
                }
                Ok(order)
            }
            _ => Err(errors),
        }
    }
}

fn check_buyer(raw: &BuyerInput, errors: &mut ValidationErrors) -> Option<Buyer> {
    let name = errors.check(Label::parse(&raw.name).map_err(|e| e.within("buyer.name")));
    let email = errors.check(Email::parse(&raw.email).map_err(|e| e.at("buyer.email")));
    let phone = match raw
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(errors.check(Phone::parse(p).map_err(|e| e.at("buyer.phone")))?),
        None => None,
    };
    let locale = match raw
        .locale
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        Some(l) => errors.check(Locale::parse(l).map_err(|e| e.at("buyer.locale")))?,
        None => Locale::Fr,
    };
    Some(Buyer {
        name: name?,
        email: email?,
        phone,
        locale,
    })
}

fn check_line(
    raw: &LineInput,
    index: usize,
    currency: Option<Currency>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<OrderLine> {
    let default_id = (index + 1).to_string();
    let line_id = errors.check(
        LineId::parse(raw.line_id.as_deref().unwrap_or(&default_id))
            .map_err(|e| e.at(format!("{path}.line_id"))),
    );
    let sku = errors.check(Sku::parse(&raw.sku).map_err(|e| e.at(format!("{path}.sku"))));
    let title =
        errors.check(Label::parse(&raw.title).map_err(|e| e.within(&format!("{path}.title"))));
    let category = errors
        .check(Label::parse(&raw.category).map_err(|e| e.within(&format!("{path}.category"))));
    let quantity =
        errors.check(Quantity::new(raw.quantity).map_err(|e| e.at(format!("{path}.quantity"))));
    let unit_price = currency.and_then(|c| {
        errors.check(
            Money::non_negative(raw.unit_price_minor, c)
                .map_err(|e| e.at(format!("{path}.unit_price_minor"))),
        )
    });
    let mut flags = BTreeSet::new();
    for flag in &raw.flags {
        if let Some(flag) =
            errors.check(LineFlag::parse(flag).map_err(|e| e.at(format!("{path}.flags"))))
        {
            flags.insert(flag);
        }
    }
    Some(OrderLine {
        line_id: line_id?,
        sku: sku?,
        title: title?,
        category: category?,
        quantity: quantity?,
        unit_price: unit_price?,
        flags,
    })
}

fn check_shipment(
    raw: &ShipmentInput,
    index: usize,
    placed_at: Option<Timestamp>,
    ordered: &BTreeMap<&LineId, u32>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<Shipment> {
    let default_id = (index + 1).to_string();
    let shipment_id = errors.check(
        LineId::parse(raw.shipment_id.as_deref().unwrap_or(&default_id)).map_err(|e| FieldError {
            field: format!("{path}.shipment_id"),
            ..e
        }),
    );
    let carrier =
        errors.check(Label::parse(&raw.carrier).map_err(|e| e.within(&format!("{path}.carrier"))));
    let tracking_number = match raw
        .tracking_number
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => Some(
            errors
                .check(Label::parse(t).map_err(|e| e.within(&format!("{path}.tracking_number"))))?,
        ),
        None => None,
    };
    let optional_instant =
        |value: &Option<String>, field: &str, errors: &mut ValidationErrors| match value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(v) => errors
                .check(parse_instant(v, &format!("{path}.{field}")))
                .map(Some),
            None => Some(None),
        };
    let shipped_at = optional_instant(&raw.shipped_at, "shipped_at", errors)?;
    let delivered_at = optional_instant(&raw.delivered_at, "delivered_at", errors)?;
    if let (Some(shipped), Some(delivered)) = (shipped_at, delivered_at)
        && delivered < shipped
    {
        errors.push(FieldError::new(
            format!("{path}.delivered_at"),
            "shipment.delivered_before_shipped",
            "must not be before shipped_at",
        ));
    }
    if let (Some(placed), Some(shipped)) = (placed_at, shipped_at)
        && shipped < placed
    {
        errors.push(FieldError::new(
            format!("{path}.shipped_at"),
            "shipment.shipped_before_placed",
            "must not be before the order was placed",
        ));
    }
    if raw.lines.is_empty() {
        errors.push(FieldError::new(
            format!("{path}.lines"),
            "shipment.no_lines",
            "a shipment needs at least one line",
        ));
    }
    let mut lines = Vec::with_capacity(raw.lines.len());
    for (line_index, line) in raw.lines.iter().enumerate() {
        let line_path = format!("{path}.lines[{line_index}]");
        let line_id = errors
            .check(LineId::parse(&line.line_id).map_err(|e| e.at(format!("{line_path}.line_id"))));
        let quantity = errors
            .check(Quantity::new(line.quantity).map_err(|e| e.at(format!("{line_path}.quantity"))));
        if let Some(line_id) = &line_id
            && !ordered.contains_key(line_id)
        {
            errors.push(
                FieldError::new(
                    format!("{line_path}.line_id"),
                    "shipment.unknown_line",
                    format!("line {line_id} is not in the order"),
                )
                .with("line", line_id.as_str()),
            );
        }
        if let (Some(line_id), Some(quantity)) = (line_id, quantity) {
            lines.push(ShipmentLine { line_id, quantity });
        }
    }
    Some(Shipment {
        shipment_id: shipment_id?,
        carrier: carrier?,
        tracking_number,
        shipped_at,
        delivered_at,
        lines,
    })
}

/// Parses an RFC 3339 instant with an offset (`2026-11-22T14:30:00+01:00`, `…Z`).
pub fn parse_instant(value: &str, field: &str) -> Result<Timestamp, FieldError> {
    value.trim().parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            "time.invalid",
            "must be an RFC 3339 date-time with an offset, e.g. 2026-11-22T14:30:00Z",
        )
    })
}

/// An order as it arrives from a shop platform, an import file or the API.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInput {
    /// The order number in the shop that sold it.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 100,
            pattern = "^[A-Za-z0-9._:/#-]+$",
            examples("CMD-2026-004512")
        )
    )]
    pub external_id: String,
    /// When the order was placed: RFC 3339 with an offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, examples("2026-11-02T14:30:00+01:00")))]
    pub placed_at: String,
    /// The ISO 4217 currency of every amount of the order.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 3, examples("EUR"))
    )]
    pub currency: String,
    pub buyer: BuyerInput,
    /// 1 to 500 lines.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<LineInput>,
    /// What the buyer paid for standard delivery, in minor units (default 0).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(default)]
    pub shipping_minor: Option<i64>,
    #[serde(default)]
    pub payment: Option<PaymentInput>,
    /// Shipments so far; their lines add up to at most what was ordered.
    #[serde(default)]
    pub shipments: Vec<ShipmentInput>,
    /// Where the order was delivered (the sender's address on a return label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<crate::contact::PostalAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyerInput {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub email: String,
    /// 6 to 20 digits, with spaces and `+().-`.
    #[serde(default)]
    pub phone: Option<String>,
    /// The buyer's language: `fr` (default) or `en`; `fr-FR` and the like are accepted.
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineInput {
    /// The line's id in the order (default: its position, from 1).
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 64, pattern = "^[A-Za-z0-9._:/#-]+$")
    )]
    #[serde(default)]
    pub line_id: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._:/#-]+$")
    )]
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub quantity: i64,
    /// The price of one unit, in minor units of the order's currency (4599 = 45.99 EUR).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub unit_price_minor: i64,
    /// Any of `personalised`, `perishable`, `sealed_hygiene`, `second_hand`, `digital`.
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentInput {
    /// `paypal`, `stripe`, `card`, `bank_transfer` or `other`.
    pub provider: String,
    /// The provider's id of the payment.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub transaction_id: String,
    /// The amount captured, in minor units.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub captured_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentInput {
    /// The shipment's id in the order (default: its position, from 1).
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 64, pattern = "^[A-Za-z0-9._:/#-]+$")
    )]
    #[serde(default)]
    pub shipment_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub carrier: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// RFC 3339; not before the order was placed.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    #[serde(default)]
    pub shipped_at: Option<String>,
    /// RFC 3339; not before `shipped_at`.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    #[serde(default)]
    pub delivered_at: Option<String>,
    pub lines: Vec<ShipmentLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLineInput {
    /// The id of a line of the order.
    pub line_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub quantity: i64,
}

impl OrderInput {
    /// The input that reproduces a checked order (for exports and round trips).
    pub fn from_order(order: &Order) -> OrderInput {
        OrderInput {
            external_id: order.external_id.to_string(),
            placed_at: order.placed_at.to_string(),
            currency: order.currency.to_string(),
            buyer: BuyerInput {
                name: order.buyer.name.to_string(),
                email: order.buyer.email.to_string(),
                phone: order.buyer.phone.as_ref().map(|p| p.as_str().to_owned()),
                locale: Some(order.buyer.locale.code().to_owned()),
            },
            lines: order
                .lines
                .iter()
                .map(|l| LineInput {
                    line_id: Some(l.line_id.to_string()),
                    sku: l.sku.to_string(),
                    title: l.title.to_string(),
                    category: l.category.to_string(),
                    quantity: i64::from(l.quantity.get()),
                    unit_price_minor: l.unit_price.amount_minor,
                    flags: l
                        .flags
                        .iter()
                        .map(|f| {
                            serde_json::to_value(f)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        })
                        .collect(),
                })
                .collect(),
            shipping_minor: Some(order.shipping.amount_minor),
            payment: order.payment.as_ref().map(|p| PaymentInput {
                provider: serde_json::to_value(p.provider)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                transaction_id: p.transaction_id.to_string(),
                captured_minor: p.captured.amount_minor,
            }),
            shipments: order
                .shipments
                .iter()
                .map(|s| ShipmentInput {
                    shipment_id: Some(s.shipment_id.to_string()),
                    carrier: s.carrier.to_string(),
                    tracking_number: s.tracking_number.as_ref().map(ToString::to_string),
                    shipped_at: s.shipped_at.map(|t| t.to_string()),
                    delivered_at: s.delivered_at.map(|t| t.to_string()),
                    lines: s
                        .lines
                        .iter()
                        .map(|l| ShipmentLineInput {
                            line_id: l.line_id.to_string(),
                            quantity: i64::from(l.quantity.get()),
                        })
                        .collect(),
                })
                .collect(),
            shipping_address: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_input() -> OrderInput {
        OrderInput {
            external_id: "CMD-2026-0001".into(),
            placed_at: "2026-11-02T09:15:00+01:00".into(),
            currency: "EUR".into(),
            buyer: BuyerInput {
                name: "Claire Martin".into(),
                email: "claire.martin@exemple.fr".into(),
                phone: Some("+33 6 12 34 56 78".into()),
                locale: Some("fr-FR".into()),
            },
            lines: vec![
                LineInput {
                    line_id: None,
                    sku: "PULL-LAINE-M".into(),
                    title: "Pull en laine mérinos".into(),
                    category: "vêtements".into(),
                    quantity: 1,
                    unit_price_minor: 8900,
                    flags: vec![],
                },
                LineInput {
                    line_id: None,
                    sku: "BOUGIE-FIGUE".into(),
                    title: "Bougie parfumée figue".into(),
                    category: "maison".into(),
                    quantity: 2,
                    unit_price_minor: 1850,
                    flags: vec!["personalised".into()],
                },
            ],
            shipping_minor: Some(490),
            payment: Some(PaymentInput {
                provider: "paypal".into(),
                transaction_id: "5TY05013RG002845M".into(),
                captured_minor: 13090,
            }),
            shipments: vec![ShipmentInput {
                shipment_id: None,
                carrier: "Colissimo".into(),
                tracking_number: Some("6A12345678901".into()),
                shipped_at: Some("2026-11-03T16:00:00Z".into()),
                delivered_at: Some("2026-11-05T11:20:00Z".into()),
                lines: vec![
                    ShipmentLineInput {
                        line_id: "1".into(),
                        quantity: 1,
                    },
                    ShipmentLineInput {
                        line_id: "2".into(),
                        quantity: 2,
                    },
                ],
            }],
            shipping_address: None,
        }
    }

    fn build(input: &OrderInput) -> Result<Order, ValidationErrors> {
        Order::from_input(
            OrderId::from_bytes([1; 16]),
            OperatorId::from_bytes([2; 16]),
            MerchantId::from_bytes([3; 16]),
            input,
        )
    }

    fn codes(errors: &ValidationErrors) -> Vec<(String, &'static str)> {
        errors.0.iter().map(|e| (e.field.clone(), e.code)).collect()
    }

    #[test]
    fn a_valid_order_builds_with_totals() {
        let order = build(&sample_input()).unwrap();
        assert_eq!(order.lines[1].line_id.as_str(), "2");
        assert_eq!(
            order.total().unwrap(),
            Money::new(8900 + 3700 + 490, Currency::EUR)
        );
        assert_eq!(
            order.fully_delivered_at().unwrap().to_string(),
            "2026-11-05T11:20:00Z"
        );
        assert!(order.lines[1].has(LineFlag::Personalised));
        assert_eq!(build(&OrderInput::from_order(&order)).unwrap(), order);
    }

    #[test]
    fn every_invalid_field_is_reported_with_its_path() {
        let mut input = sample_input();
        input.currency = "EURO".into();
        input.buyer.email = "claire".into();
        input.lines[0].quantity = 0;
        input.lines[1].flags = vec!["fragile".into()];
        input.lines[1].sku = "".into();
        let errors = build(&input).unwrap_err();
        let found = codes(&errors);
        assert!(
            found.contains(&("currency".into(), "currency.unknown")),
            "{found:?}"
        );
        assert!(found.contains(&("buyer.email".into(), "email.invalid")));
        assert!(found.contains(&("lines[0].quantity".into(), "quantity.not_positive")));
        assert!(found.contains(&("lines[1].flags".into(), "line.unknown_flag")));
        assert!(found.contains(&("lines[1].sku".into(), "key.empty")));
    }

    #[test]
    fn shipments_must_match_the_lines() {
        let mut input = sample_input();
        input.shipments[0].lines.push(ShipmentLineInput {
            line_id: "9".into(),
            quantity: 1,
        });
        input.shipments[0].lines[0].quantity = 3;
        input.shipments[0].delivered_at = Some("2026-11-01T00:00:00Z".into());
        let found = codes(&build(&input).unwrap_err());
        assert!(
            found.contains(&(
                "shipments[0].lines[2].line_id".into(),
                "shipment.unknown_line"
            )),
            "{found:?}"
        );
        assert!(found.contains(&("shipments".into(), "shipment.more_than_ordered")));
        assert!(found.contains(&(
            "shipments[0].delivered_at".into(),
            "shipment.delivered_before_shipped"
        )));
    }

    #[test]
    fn money_and_time_are_checked() {
        let mut input = sample_input();
        input.lines[0].unit_price_minor = -1;
        input.placed_at = "2026-11-02 09:15".into();
        input.payment.as_mut().unwrap().captured_minor = -5;
        let found = codes(&build(&input).unwrap_err());
        assert!(
            found.contains(&("lines[0].unit_price_minor".into(), "money.negative")),
            "{found:?}"
        );
        assert!(found.contains(&("placed_at".into(), "time.invalid")));
        assert!(found.contains(&("payment.captured_minor".into(), "money.negative")));

        let mut input = sample_input();
        input.lines[0].unit_price_minor = i64::MAX;
        input.lines[0].quantity = 2;
        assert_eq!(
            codes(&build(&input).unwrap_err()),
            vec![("lines".to_string(), "money.overflow")]
        );
    }

    #[test]
    fn duplicate_lines_and_empty_orders_are_refused() {
        let mut input = sample_input();
        input.lines[1].line_id = Some("1".into());
        input.shipments.clear();
        assert!(
            codes(&build(&input).unwrap_err())
                .contains(&("lines[1].line_id".into(), "line.duplicate"))
        );
        let mut input = sample_input();
        input.lines.clear();
        input.shipments.clear();
        assert!(codes(&build(&input).unwrap_err()).contains(&("lines".into(), "order.no_lines")));
    }
}
