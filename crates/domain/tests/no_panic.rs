//! No input makes the domain panic: arbitrary orders are checked, arbitrary
//! JSON is refused or accepted by the typed commands, never crashes.

use amiable_domain::case::{CaseEvent, Command};
use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
use amiable_domain::order::{
    BuyerInput, LineInput, Order, OrderInput, ShipmentInput, ShipmentLineInput,
};
use proptest::prelude::*;
use serde_json::Value;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ._@:/#-]{0,12}",
        "\\PC{0,20}",
        Just("2026-11-02T09:15:00+01:00".to_owned()),
        Just("EUR".to_owned()),
        Just("claire@exemple.fr".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), -5i64..20, Just(i64::MAX), Just(i64::MIN)]
}

fn order_input() -> impl Strategy<Value = OrderInput> {
    let line = (
        proptest::option::of(text()),
        text(),
        text(),
        text(),
        number(),
        number(),
        proptest::collection::vec(text(), 0..3),
    )
        .prop_map(
            |(line_id, sku, title, category, quantity, unit_price_minor, flags)| LineInput {
                line_id,
                sku,
                title,
                category,
                quantity,
                unit_price_minor,
                flags,
            },
        );
    let shipment = (
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::collection::vec((text(), number()), 0..3),
    )
        .prop_map(|(carrier, shipped_at, delivered_at, lines)| ShipmentInput {
            shipment_id: None,
            carrier,
            tracking_number: None,
            shipped_at,
            delivered_at,
            lines: lines
                .into_iter()
                .map(|(line_id, quantity)| ShipmentLineInput { line_id, quantity })
                .collect(),
        });
    (
        text(),
        text(),
        text(),
        (
            text(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        proptest::collection::vec(line, 0..4),
        proptest::option::of(number()),
        proptest::collection::vec(shipment, 0..3),
    )
        .prop_map(
            |(
                external_id,
                placed_at,
                currency,
                (name, email, phone, locale),
                lines,
                shipping_minor,
                shipments,
            )| OrderInput {
                external_id,
                placed_at,
                currency,
                buyer: BuyerInput {
                    name,
                    email,
                    phone,
                    locale,
                },
                lines,
                shipping_minor,
                payment: None,
                shipments,
                shipping_address: None,
            },
        )
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
        prop_oneof![
            Just("post_message"),
            Just("propose_offer"),
            Just("resolve"),
            Just("escalate"),
            Just("close"),
            Just("refusal"),
            Just("store_credit"),
            Just("buyer"),
            Just("mediation"),
            Just("EUR"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("command".to_owned()),
                    Just("body".to_owned()),
                    Just("terms".to_owned()),
                    Just("kind".to_owned()),
                    Just("amount".to_owned()),
                    Just("amount_minor".to_owned()),
                    Just("currency".to_owned()),
                    Just("offer_id".to_owned()),
                    Just("to".to_owned()),
                    Just("reason".to_owned()),
                    Just("type".to_owned()),
                    text()
                ],
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_order_input_is_checked_without_panicking(input in order_input()) {
        let ids = (OrderId::from_bytes([1; 16]), OperatorId::from_bytes([2; 16]), MerchantId::from_bytes([3; 16]));
        if let Ok(order) = Order::from_input(ids.0, ids.1, ids.2, &input) {
            // What passes the checks is whole: totals compute, and it round-trips.
            prop_assert!(order.total().is_ok());
            prop_assert_eq!(Order::from_input(ids.0, ids.1, ids.2, &OrderInput::from_order(&order)).ok(), Some(order));
        }
    }

    #[test]
    fn any_json_is_a_command_or_an_error(value in json()) {
        let _ = serde_json::from_value::<Command>(value.clone());
        let _ = serde_json::from_value::<OrderInput>(value.clone());
        for event_type in CaseEvent::types() {
            let _ = CaseEvent::from_stored(event_type, 1, &value);
        }
    }
}
