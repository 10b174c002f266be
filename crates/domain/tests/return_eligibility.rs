//! Return eligibility per line: the merchant's policy against the law's floor,
//! with the answer saying which applied, until when, and at what cost.

use amiable_domain::calendar::BusinessCalendar;
use amiable_domain::case::ResolutionKind;
use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
use amiable_domain::law::withdrawal::Information;
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{LineFlag, Order, OrderInput};
use amiable_domain::returns::{
    Basis, LineEligibility, RestockingFee, ReturnPolicy, ReturnShipping, eligibility,
};
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use serde_json::json;

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

/// A pull (line 1), a personalised candle (line 2) and a book (line 3), delivered
/// in two parcels: lines 1–2 on Thursday 5 November 2026, line 3 on Monday 9.
fn order() -> Order {
    let input: OrderInput = serde_json::from_value(json!({
        "external_id": "CMD-ELIG-1",
        "placed_at": "2026-11-02T09:15:00+01:00",
        "currency": "EUR",
        "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
        "lines": [
            {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 1, "unit_price_minor": 8900},
            {"sku": "BOUGIE", "title": "Bougie gravée", "category": "maison", "quantity": 1, "unit_price_minor": 1850, "flags": ["personalised"]},
            {"sku": "LIVRE", "title": "Livre de cuisine", "category": "livres", "quantity": 1, "unit_price_minor": 990}
        ],
        "shipping_minor": 490,
        "shipments": [
            {"carrier": "Colissimo", "shipped_at": "2026-11-03T10:00:00Z", "delivered_at": "2026-11-05T10:00:00Z",
             "lines": [{"line_id": "1", "quantity": 1}, {"line_id": "2", "quantity": 1}]},
            {"carrier": "Mondial Relay", "shipped_at": "2026-11-04T10:00:00Z", "delivered_at": "2026-11-09T15:00:00Z",
             "lines": [{"line_id": "3", "quantity": 1}]}
        ]
    }))
    .unwrap();
    Order::from_input(
        OrderId::from_bytes([1; 16]),
        OperatorId::from_bytes([2; 16]),
        MerchantId::from_bytes([3; 16]),
        &input,
    )
    .unwrap()
}

fn policy(window_days: u32) -> ReturnPolicy {
    ReturnPolicy {
        window_days,
        non_returnable_categories: Vec::new(),
        non_returnable_flags: Vec::new(),
        return_shipping: ReturnShipping::Merchant,
        restocking_fee: Some(RestockingFee::Percent { percent: 10 }),
        allowed_resolutions: vec![ResolutionKind::ReturnAndRefund, ResolutionKind::StoreCredit],
        store_credit_bonus_percent: Some(10),
        returnless_below: Some(eur(1000)),
        label_expiry_days: 14,
        auto_approve: None,
        condition_rules: None,
    }
}

fn answer(policy: &ReturnPolicy, today: Date) -> Vec<LineEligibility> {
    let paris = TimeZone::get("Europe/Paris").unwrap();
    eligibility(
        &order(),
        policy,
        Information::Given,
        today,
        &paris,
        &BusinessCalendar::france(),
    )
}

#[test]
fn a_generous_policy_wins_and_charges_its_own_fees() {
    let lines = answer(&policy(30), date(2026, 11, 10));
    // Every line counts from the order's last item, Monday 9 November (L221-18):
    // 30 days = Wednesday 9 December.
    assert!(lines[0].eligible);
    assert_eq!(lines[0].until, Some(date(2026, 12, 9)));
    assert_eq!(lines[0].basis, Some(Basis::Policy));
    // Inside the law's 14 days the return is still a withdrawal: no fee (L221-23).
    assert!(lines[0].withdrawal);
    assert_eq!(lines[0].withdrawal_until, Some(date(2026, 11, 23)));
    assert_eq!(lines[0].restocking_fee, None);
    assert!(!lines[0].policy_overridden_by_law);
    // After them, the policy alone grants the return, and charges its fee.
    let later = answer(&policy(30), date(2026, 11, 25));
    assert!(later[0].eligible && !later[0].withdrawal);
    assert_eq!(
        later[0].restocking_fee,
        Some(RestockingFee::Percent { percent: 10 })
    );
    // Line 2 is personalised: no withdrawal right (L221-28 3°), but the policy takes it back.
    assert!(lines[1].eligible);
    assert_eq!(
        lines[1].exception.map(|e| e.article),
        Some("C. conso L221-28 3°")
    );
    assert_eq!(lines[1].basis, Some(Basis::Policy));
    // Line 3 is under the returnless threshold (9,90 € < 10 €): refunded, kept.
    assert!(lines[2].returnless);
    assert_eq!(lines[2].until, Some(date(2026, 12, 9)));
}

#[test]
fn a_stingy_policy_is_overridden_by_the_law() {
    let mut stingy = policy(7);
    stingy.non_returnable_categories = vec!["Vêtements".into()];
    let lines = answer(&stingy, date(2026, 11, 17));
    // The policy excludes clothing; the law gives 14 days from the last item (9 November):
    // until Monday 23 November.
    assert!(lines[0].eligible);
    assert_eq!(lines[0].until, Some(date(2026, 11, 23)));
    assert_eq!(
        lines[0].basis,
        Some(Basis::Statute {
            article: "C. conso L221-18"
        })
    );
    assert!(lines[0].policy_overridden_by_law);
    // No restocking fee under the statutory withdrawal (L221-23).
    assert_eq!(lines[0].restocking_fee, None);
    // The personalised candle: excluded by law, and the policy's 7 days are over.
    assert!(!lines[1].eligible);
    assert_eq!(lines[1].until, None);
    // The book's policy window (9 + 7 = 16 Nov) is over, the law's is not (23 Nov, a Monday).
    assert!(lines[2].eligible);
    assert_eq!(lines[2].until, Some(date(2026, 11, 23)));
    assert!(lines[2].policy_overridden_by_law);
}

#[test]
fn after_every_window_nothing_is_returnable_and_the_answer_says_none() {
    let lines = answer(&policy(14), date(2026, 12, 1));
    for line in &lines {
        assert!(!line.eligible, "{line:?}");
        assert_eq!((line.until, line.basis), (None, None));
        assert!(!line.returnless);
    }
}

#[test]
fn a_policy_is_checked_and_cannot_undercut_the_operator_minimum() {
    assert!(policy(30).check().is_ok());
    let mut bad = policy(0);
    bad.restocking_fee = Some(RestockingFee::Percent { percent: 120 });
    bad.allowed_resolutions.clear();
    let fields: Vec<String> = bad
        .check()
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        vec![
            "window_days",
            "restocking_fee.percent",
            "allowed_resolutions"
        ]
    );

    let mut minimum = ReturnPolicy::statutory();
    minimum.window_days = 30;
    minimum.return_shipping = ReturnShipping::Merchant;
    let mut merchant = policy(21);
    merchant.return_shipping = ReturnShipping::Buyer;
    merchant.non_returnable_flags = vec![LineFlag::SecondHand];
    let codes: Vec<(String, &str)> = merchant
        .undercuts(&minimum)
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("window_days".to_owned(), "policy.below_operator_minimum"),
            (
                "non_returnable_flags".to_owned(),
                "policy.below_operator_minimum"
            ),
            (
                "return_shipping".to_owned(),
                "policy.below_operator_minimum"
            ),
            ("restocking_fee".to_owned(), "policy.below_operator_minimum"),
        ]
    );
    // Meeting the minimum exactly is fine.
    assert!(minimum.undercuts(&minimum).is_empty());
}

#[test]
fn a_line_never_shipped_does_not_hold_the_period_open_but_a_parcel_on_its_way_does() {
    let with = |extra_shipment: serde_json::Value| {
        let mut input = serde_json::json!({
            "external_id": "CMD-ELIG-2",
            "placed_at": "2026-11-02T09:15:00+01:00",
            "currency": "EUR",
            "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
            "lines": [
                {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 8900},
                {"sku": "CARTE", "title": "Carte cadeau", "category": "cadeaux", "quantity": 1, "unit_price_minor": 2000, "flags": ["digital"]}
            ],
            "shipments": [
                {"carrier": "Colissimo", "shipped_at": "2026-11-03T10:00:00Z", "delivered_at": "2026-11-05T10:00:00Z",
                 "lines": [{"line_id": "1", "quantity": 1}]}
            ]
        });
        if !extra_shipment.is_null() {
            input["shipments"]
                .as_array_mut()
                .unwrap()
                .push(extra_shipment);
        }
        let input: OrderInput = serde_json::from_value(input).unwrap();
        let order = Order::from_input(
            OrderId::from_bytes([1; 16]),
            OperatorId::from_bytes([2; 16]),
            MerchantId::from_bytes([3; 16]),
            &input,
        )
        .unwrap();
        eligibility(
            &order,
            &ReturnPolicy::statutory(),
            Information::Given,
            date(2029, 6, 1),
            &TimeZone::get("Europe/Paris").unwrap(),
            &BusinessCalendar::france(),
        )
    };
    // The gift card is never shipped: the jumper's 14 days ran from 5 November 2026.
    let lines = with(serde_json::Value::Null);
    assert!(!lines[0].eligible);
    // A second parcel still on its way: the period has not started.
    let lines = with(
        serde_json::json!({"carrier": "Colissimo", "shipped_at": "2026-11-04T10:00:00Z",
                                        "lines": [{"line_id": "1", "quantity": 1}]}),
    );
    assert!(lines[0].eligible);
    assert_eq!(lines[0].until, None);
}
