//! Buyers and orders of the demo marketplace: who bought what, when, how it
//! was paid and how it travelled.

use super::catalog::{
    ADDRESS_EXTRAS, Carrier, EN_FIRST_NAMES_F, EN_FIRST_NAMES_M, EN_LAST_NAMES, EN_MAIL_DOMAINS,
    FIRST_NAMES_F, FIRST_NAMES_M, FR_MAIL_DOMAINS, LAST_NAMES, MERCHANTS, MerchantSpec,
    ORDER_PREFIX, Product, STREETS, TOWNS, Tag, pick, weighted,
};
use super::clock::{Clock, DAY, HOUR, MINUTE, timestamp};
use super::texts::{Lang, ascii_fold};
use amiable_domain::contact::PostalAddress;
use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
use amiable_domain::order::{
    BuyerInput, LineInput, Order, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput,
};
use anyhow::{Context, Result, anyhow};
use std::collections::HashSet;

/// How many days of orders the demo holds, ending at the anchor.
pub(crate) const HISTORY_DAYS: i64 = 120;
const BUYERS: usize = 440;

pub(crate) struct Buyer {
    pub first: &'static str,
    pub last: &'static str,
    pub female: bool,
    pub lang: Lang,
    pub email: String,
    pub phone: Option<String>,
    /// Where the buyer's parcels are delivered (and return parcels leave from).
    pub address: PostalAddress,
}

impl Buyer {
    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// One line of a demo order and the product behind it.
pub(crate) struct DemoLine {
    pub line_id: String,
    pub product: &'static Product,
    /// The title as ordered, with the size when there is one.
    pub title: String,
    pub size: Option<&'static str>,
    pub quantity: i64,
    pub unit_price: i64,
}

impl DemoLine {
    pub(crate) fn total(&self) -> i64 {
        self.unit_price * self.quantity
    }

    pub(crate) fn has_flag(&self, flag: &str) -> bool {
        self.product.flags.contains(&flag)
    }

    pub(crate) fn has_tag(&self, tag: Tag) -> bool {
        self.product.tags.contains(&tag)
    }
}

pub(crate) struct DemoOrder {
    pub id: OrderId,
    pub merchant: usize,
    pub buyer: usize,
    pub external_id: String,
    pub placed: i64,
    pub lines: Vec<DemoLine>,
    pub shipping: i64,
    pub total: i64,
    /// "paypal", "stripe" or "card".
    pub provider: &'static str,
    pub transaction_id: String,
    pub carrier: Option<Carrier>,
    pub tracking: Option<String>,
    /// When the first parcel left.
    pub shipped: Option<i64>,
    /// When the last parcel arrived, if every physical line did.
    pub delivered: Option<i64>,
    /// Shipped long ago and never delivered.
    pub lost: bool,
    /// Delivered a week or more late.
    pub delayed: bool,
    /// The checked snapshot, as the store will hold it.
    pub order: Order,
    pub input: OrderInput,
}

impl DemoOrder {
    pub(crate) fn merchant(&self) -> &'static MerchantSpec {
        &MERCHANTS[self.merchant]
    }

    /// Indices of the lines that travel in a parcel.
    pub(crate) fn physical_lines(&self) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| !self.lines[i].product.is_digital())
            .collect()
    }
}

fn make_buyers(rng: &mut fastrand::Rng) -> Vec<Buyer> {
    let mut seen = HashSet::new();
    let mut buyers = Vec::with_capacity(BUYERS);
    for _ in 0..BUYERS {
        let lang = if rng.u8(0..100) < 7 {
            Lang::En
        } else {
            Lang::Fr
        };
        let female = rng.u8(0..100) < 56;
        let (first, last, domain) = match lang {
            Lang::Fr => (
                *pick(rng, if female { FIRST_NAMES_F } else { FIRST_NAMES_M }),
                *pick(rng, LAST_NAMES),
                weighted(rng, FR_MAIL_DOMAINS),
            ),
            Lang::En => (
                *pick(
                    rng,
                    if female {
                        EN_FIRST_NAMES_F
                    } else {
                        EN_FIRST_NAMES_M
                    },
                ),
                *pick(rng, EN_LAST_NAMES),
                weighted(rng, EN_MAIL_DOMAINS),
            ),
        };
        let (f, l) = (ascii_fold(first), ascii_fold(last));
        let initial = f.chars().next().unwrap_or('x');
        let mut local = match rng.u8(0..100) {
            0..50 => format!("{f}.{l}"),
            50..65 => format!("{f}{l}{}", rng.u8(10..99)),
            65..80 => format!("{initial}.{l}"),
            80..90 => format!("{l}.{f}"),
            _ => format!("{f}_{l}{}", rng.u8(58..99)),
        };
        while !seen.insert(format!("{local}@{domain}")) {
            local.push(rng.digit(10));
        }
        let phone = match (lang, rng.u8(0..100)) {
            (_, 0..14) => None,
            // ARCEP's range reserved for fiction.
            (Lang::Fr, 14..70) => Some(format!(
                "06 39 98 {:02} {:02}",
                rng.u8(0..100),
                rng.u8(0..100)
            )),
            (Lang::Fr, _) => Some(format!(
                "+33 6 39 98 {:02} {:02}",
                rng.u8(0..100),
                rng.u8(0..100)
            )),
            // Ofcom's range reserved for drama.
            (Lang::En, _) => Some(format!("+44 7700 900{:03}", rng.u16(0..1000))),
        };
        let mut lines = vec![format!("{} {}", rng.u16(1..120), pick(rng, STREETS))];
        if rng.u8(0..100) < 25 {
            lines.insert(0, (*pick(rng, ADDRESS_EXTRAS)).to_owned());
        }
        let (postal_code, town) = *pick(rng, TOWNS);
        let address = PostalAddress {
            name: Some(format!("{first} {last}")),
            lines,
            postal_code: postal_code.to_owned(),
            city: town.to_owned(),
            country: "FR".to_owned(),
        };
        buyers.push(Buyer {
            first,
            last,
            female,
            lang,
            email: format!("{local}@{domain}"),
            phone,
            address,
        });
    }
    buyers
}

/// Evenings and lunch breaks are when people shop.
const ORDER_HOURS: &[(i8, u32)] = &[
    (0, 1),
    (7, 2),
    (8, 3),
    (9, 4),
    (10, 5),
    (11, 5),
    (12, 6),
    (13, 7),
    (14, 5),
    (15, 5),
    (16, 5),
    (17, 5),
    (18, 6),
    (19, 7),
    (20, 9),
    (21, 10),
    (22, 7),
    (23, 3),
];

fn pick_products(
    rng: &mut fastrand::Rng,
    merchant: &'static MerchantSpec,
) -> Vec<&'static Product> {
    let wanted = weighted(rng, &[(1usize, 55), (2, 28), (3, 12), (4, 5)]);
    let mut chosen: Vec<&'static Product> = Vec::with_capacity(wanted);
    let catalogue: Vec<(usize, u32)> = merchant
        .catalogue
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let weight = if p.is_digital() {
                2
            } else if p.price > 20_000 {
                4
            } else {
                10
            };
            (i, weight)
        })
        .collect();
    let mut attempts = 0;
    while chosen.len() < wanted && attempts < 40 {
        attempts += 1;
        let product = &merchant.catalogue[weighted(rng, &catalogue)];
        if !chosen.iter().any(|p| p.sku == product.sku) {
            chosen.push(product);
        }
    }
    chosen
}

fn transaction_id(rng: &mut fastrand::Rng, provider: &str) -> String {
    match provider {
        "paypal" => (0..17)
            .map(|_| {
                if rng.u8(0..3) == 0 {
                    rng.uppercase()
                } else {
                    rng.digit(10)
                }
            })
            .collect(),
        "stripe" => {
            let tail: String = (0..24).map(|_| rng.alphanumeric()).collect();
            format!("pi_3{tail}")
        }
        _ => {
            let digits: String = (0..12).map(|_| rng.digit(10)).collect();
            format!("CB-{digits}")
        }
    }
}

struct Parcel {
    carrier: Carrier,
    tracking: String,
    shipped: i64,
    delivered: Option<i64>,
    lines: Vec<usize>,
}

/// Generates the buyers and `count` orders placed over the [`HISTORY_DAYS`] before `anchor`.
pub(crate) fn generate(
    rng: &mut fastrand::Rng,
    clock: &Clock,
    anchor: i64,
    operator_id: OperatorId,
    merchant_ids: &[MerchantId],
    count: usize,
) -> Result<(Vec<Buyer>, Vec<DemoOrder>)> {
    let buyers = make_buyers(rng);
    let merchant_shares: Vec<(usize, u32)> = MERCHANTS
        .iter()
        .enumerate()
        .map(|(i, m)| (i, m.share))
        .collect();

    // First draw everything but the order number, then number the orders by date.
    struct Draft {
        id: OrderId,
        merchant: usize,
        buyer: usize,
        placed: i64,
        lines: Vec<DemoLine>,
        shipping: i64,
        provider: &'static str,
        transaction_id: String,
        parcels: Vec<Parcel>,
        lost: bool,
        delayed: bool,
    }
    let mut drafts = Vec::with_capacity(count);
    for _ in 0..count {
        let id = OrderId::from_bytes(std::array::from_fn(|_| rng.u8(..)));
        let merchant_index = weighted(rng, &merchant_shares);
        let merchant = &MERCHANTS[merchant_index];
        // Loyal customers come back: low indices are drawn more often.
        let buyer = if rng.u8(0..100) < 4 {
            rng.usize(0..6)
        } else {
            rng.usize(0..BUYERS).min(rng.usize(0..BUYERS))
        };

        let days_back = rng.i64(0..HISTORY_DAYS);
        let day = clock.date_of(anchor - days_back * DAY)?;
        let hour = weighted(rng, ORDER_HOURS);
        let mut placed = clock.local(day, hour, rng.i8(0..60), rng.i8(0..60))?;
        while placed > anchor - 20 * MINUTE {
            placed -= DAY;
        }

        let lines: Vec<DemoLine> = pick_products(rng, merchant)
            .into_iter()
            .enumerate()
            .map(|(i, product)| {
                let size = (!product.sizes.is_empty()).then(|| *pick(rng, product.sizes));
                let quantity = if product.tags.contains(&Tag::Consumable) {
                    weighted(rng, &[(1, 60), (2, 30), (3, 10)])
                } else {
                    weighted(rng, &[(1, 92), (2, 8)])
                };
                DemoLine {
                    line_id: (i + 1).to_string(),
                    product,
                    title: match size {
                        Some(size) => format!("{} – taille {size}", product.title),
                        None => product.title.to_owned(),
                    },
                    size,
                    quantity,
                    unit_price: product.price,
                }
            })
            .collect();
        let goods: i64 = lines.iter().map(DemoLine::total).sum();
        let carrier = weighted(rng, merchant.carriers);
        let shipping = match carrier {
            Carrier::Chronopost => 990,
            _ if goods >= merchant.free_shipping_from => 0,
            _ => merchant.shipping_fee,
        };
        let provider = weighted(rng, &[("card", 40), ("paypal", 35), ("stripe", 25)]);
        let transaction_id = transaction_id(rng, provider);

        let physical: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].product.is_digital())
            .collect();
        let mut parcels = Vec::new();
        let mut lost = false;
        let mut delayed = false;
        if !physical.is_empty() {
            let split = physical.len() >= 2 && rng.u8(0..100) < 18;
            let groups: Vec<Vec<usize>> = if split {
                let cut = rng.usize(1..physical.len());
                vec![physical[..cut].to_vec(), physical[cut..].to_vec()]
            } else {
                vec![physical]
            };
            let roll = rng.u8(0..100);
            lost = !split && roll < 5;
            delayed = !lost && roll < 11;
            let mut ready = placed + rng.i64(2 * HOUR..40 * HOUR);
            for group in groups {
                let shipped = clock.office_hours(ready, rng)?;
                let (min, max) = carrier.transit_hours();
                let mut transit = rng.i64(min * HOUR..max * HOUR);
                if delayed {
                    transit += rng.i64(7 * DAY..13 * DAY);
                }
                if carrier.is_relay() {
                    // The buyer collects the parcel at the pick-up point.
                    transit += rng.i64(2 * HOUR..60 * HOUR);
                }
                let arrival = clock.office_hours(shipped + transit, rng)?;
                let delivered = if lost && shipped < anchor - 8 * DAY {
                    None
                } else {
                    Some(arrival)
                };
                parcels.push(Parcel {
                    carrier,
                    tracking: carrier.tracking_number(rng),
                    shipped,
                    delivered,
                    lines: group,
                });
                ready = shipped + rng.i64(20 * HOUR..96 * HOUR);
            }
            // Nothing happens after the anchor: parcels not yet sent are left out.
            lost = lost && parcels.iter().any(|p| p.delivered.is_none());
            parcels.retain(|p| p.shipped < anchor);
            for parcel in &mut parcels {
                if parcel.delivered.is_some_and(|d| d >= anchor) {
                    parcel.delivered = None;
                }
            }
        }
        drafts.push(Draft {
            id,
            merchant: merchant_index,
            buyer,
            placed,
            lines,
            shipping,
            provider,
            transaction_id,
            parcels,
            lost,
            delayed,
        });
    }
    drafts.sort_by_key(|d| d.placed);

    let mut orders = Vec::with_capacity(count);
    let mut number = 4_000 + rng.u32(0..500);
    for draft in drafts {
        number += rng.u32(1..4);
        let year = clock.date_of(draft.placed)?.year();
        let external_id = format!("{ORDER_PREFIX}-{year}-{number:06}");
        let buyer = &buyers[draft.buyer];
        let goods: i64 = draft.lines.iter().map(DemoLine::total).sum();
        let total = goods + draft.shipping;
        let physical_count = draft
            .lines
            .iter()
            .filter(|l| !l.product.is_digital())
            .count();
        let shipped_lines: usize = draft.parcels.iter().map(|p| p.lines.len()).sum();
        let delivered = if physical_count > 0 && shipped_lines == physical_count {
            draft
                .parcels
                .iter()
                .map(|p| p.delivered)
                .collect::<Option<Vec<i64>>>()
                .and_then(|d| d.into_iter().max())
        } else {
            None
        };
        let input = OrderInput {
            external_id: external_id.clone(),
            placed_at: timestamp(draft.placed)?.to_string(),
            currency: "EUR".into(),
            buyer: BuyerInput {
                name: buyer.full_name(),
                email: buyer.email.clone(),
                phone: buyer.phone.clone(),
                locale: Some(
                    match buyer.lang {
                        Lang::Fr => "fr-FR",
                        Lang::En => "en-GB",
                    }
                    .into(),
                ),
            },
            lines: draft
                .lines
                .iter()
                .map(|l| LineInput {
                    line_id: Some(l.line_id.clone()),
                    sku: match l.size {
                        Some(size) => format!("{}-{size}", l.product.sku),
                        None => l.product.sku.to_owned(),
                    },
                    title: l.title.clone(),
                    category: l.product.category.to_owned(),
                    quantity: l.quantity,
                    unit_price_minor: l.unit_price,
                    flags: l.product.flags.iter().map(|f| (*f).to_owned()).collect(),
                })
                .collect(),
            shipping_minor: Some(draft.shipping),
            payment: Some(PaymentInput {
                provider: draft.provider.to_owned(),
                transaction_id: draft.transaction_id.clone(),
                captured_minor: total,
            }),
            shipments: draft
                .parcels
                .iter()
                .enumerate()
                .map(|(i, p)| -> Result<ShipmentInput> {
                    Ok(ShipmentInput {
                        shipment_id: Some(format!("{external_id}-{}", i + 1)),
                        carrier: p.carrier.name().to_owned(),
                        tracking_number: Some(p.tracking.clone()),
                        shipped_at: Some(timestamp(p.shipped)?.to_string()),
                        delivered_at: p
                            .delivered
                            .map(timestamp)
                            .transpose()?
                            .map(|t| t.to_string()),
                        lines: p
                            .lines
                            .iter()
                            .map(|&i| ShipmentLineInput {
                                line_id: draft.lines[i].line_id.clone(),
                                quantity: draft.lines[i].quantity,
                            })
                            .collect(),
                    })
                })
                .collect::<Result<_>>()?,
            shipping_address: Some(buyer.address.clone()),
        };
        let order = Order::from_input(draft.id, operator_id, merchant_ids[draft.merchant], &input)
            .map_err(|errors| {
                anyhow!(
                    "{}",
                    errors
                        .0
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })
            .with_context(|| format!("demo order {external_id} does not check"))?;
        let first = draft.parcels.first();
        orders.push(DemoOrder {
            id: draft.id,
            merchant: draft.merchant,
            buyer: draft.buyer,
            external_id,
            placed: draft.placed,
            shipping: draft.shipping,
            total,
            provider: draft.provider,
            transaction_id: draft.transaction_id,
            carrier: first.map(|p| p.carrier),
            tracking: first.map(|p| p.tracking.clone()),
            shipped: first.map(|p| p.shipped),
            delivered,
            lost: draft.lost && first.is_some() && delivered.is_none(),
            delayed: draft.delayed && delivered.is_some(),
            lines: draft.lines,
            order,
            input,
        });
    }
    Ok((buyers, orders))
}
