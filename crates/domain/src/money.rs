//! Money: integer minor units and an ISO 4217 currency. Never floating point.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency that amiable knows the exponent of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// ISO 4217 codes with their minor-unit exponent. The list covers the
/// currencies of the EU, the EEA, the franc zones and the usual card and
/// PayPal settlement currencies; extend it here, never by guessing an exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("DZD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PLN", 2),
    ("RON", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("ZAR", 2),
];

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(code: &str) -> Result<Self, FieldError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(known, _)| *known == upper)
            .map(|(known, _)| {
                let b = known.as_bytes();
                Currency([b[0], b[1], b[2]])
            })
            .ok_or_else(|| {
                FieldError::new(
                    "currency",
                    "currency.unknown",
                    format!("unknown ISO 4217 currency '{code}'"),
                )
                .with("currency", code)
            })
    }

    pub fn code(&self) -> &str {
        // Only ever built from the ASCII table above.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Number of digits after the decimal point (EUR 2, JPY 0, TND 3).
    pub fn exponent(&self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(code, _)| code.as_bytes() == self.0)
            .map_or(2, |(_, e)| *e)
    }
}

impl TryFrom<String> for Currency {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value).map_err(crate::validation::refused)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::string("An ISO 4217 currency code (upper case).")
            .enum_values(Some(CURRENCIES.iter().map(|(code, _)| *code)))
            .examples(["EUR"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

/// Why a money operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflows")]
    Overflow,
}

impl MoneyError {
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::CurrencyMismatch(..) => "money.currency_mismatch",
            MoneyError::Overflow => "money.overflow",
        }
    }
}

/// An amount in integer minor units of a currency (4599 EUR = 45,99 €).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    pub fn zero(currency: Currency) -> Self {
        Self {
            amount_minor: 0,
            currency,
        }
    }

    /// A strictly positive amount, for prices, claims and offers.
    pub fn positive(amount_minor: i64, currency: Currency) -> Result<Self, FieldError> {
        if amount_minor <= 0 {
            return Err(FieldError::new(
                "amount_minor",
                "money.not_positive",
                "must be greater than zero",
            ));
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }

    /// A zero or positive amount.
    pub fn non_negative(amount_minor: i64, currency: Currency) -> Result<Self, FieldError> {
        if amount_minor < 0 {
            return Err(FieldError::new(
                "amount_minor",
                "money.negative",
                "must not be negative",
            ));
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount_minor
            .checked_add(other.amount_minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount_minor
            .checked_sub(other.amount_minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_mul(&self, factor: i64) -> Result<Money, MoneyError> {
        let amount = self
            .amount_minor
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(&self, other: &Money) -> Result<std::cmp::Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount_minor.cmp(&other.amount_minor))
    }

    pub fn is_positive(&self) -> bool {
        self.amount_minor > 0
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum(
        currency: Currency,
        amounts: impl IntoIterator<Item = Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |total, m| total.checked_add(m))
    }
}

/// Plain `12.34 EUR`-style rendering with the currency's exponent; the
/// interface formats per locale (`45,99 €`, `€45.99`).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = u32::from(self.currency.exponent());
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let magnitude = self.amount_minor.unsigned_abs();
        if exponent == 0 {
            return write!(f, "{sign}{magnitude} {}", self.currency);
        }
        let scale = 10u64.pow(exponent);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            magnitude / scale,
            magnitude % scale,
            self.currency,
            width = exponent as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::EUR)
    }

    #[test]
    fn currencies_have_their_exponent() {
        assert_eq!(Currency::parse("eur").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("TND").unwrap().exponent(), 3);
        assert_eq!(Currency::parse("XYZ").unwrap_err().code, "currency.unknown");
        assert_eq!(Currency::parse("").unwrap_err().code, "currency.unknown");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = Money::new(100, Currency::parse("USD").unwrap());
        assert_eq!(
            eur(100).checked_add(usd).unwrap_err().code(),
            "money.currency_mismatch"
        );
        assert_eq!(
            eur(i64::MAX).checked_add(eur(1)).unwrap_err(),
            MoneyError::Overflow
        );
        assert_eq!(
            eur(i64::MIN).checked_sub(eur(1)).unwrap_err(),
            MoneyError::Overflow
        );
        assert_eq!(
            eur(i64::MAX).checked_mul(2).unwrap_err(),
            MoneyError::Overflow
        );
        assert_eq!(eur(1999).checked_mul(3).unwrap(), eur(5997));
        assert_eq!(eur(4599).checked_sub(eur(600)).unwrap(), eur(3999));
    }

    #[test]
    fn constructors_check_sign() {
        assert_eq!(
            Money::positive(0, Currency::EUR).unwrap_err().code,
            "money.not_positive"
        );
        assert_eq!(
            Money::non_negative(-1, Currency::EUR).unwrap_err().code,
            "money.negative"
        );
        assert!(Money::non_negative(0, Currency::EUR).is_ok());
    }

    #[test]
    fn displays_with_exponent() {
        assert_eq!(eur(4599).to_string(), "45.99 EUR");
        assert_eq!(eur(-5).to_string(), "-0.05 EUR");
        assert_eq!(
            Money::new(1500, Currency::parse("JPY").unwrap()).to_string(),
            "1500 JPY"
        );
        assert_eq!(
            Money::new(1234, Currency::parse("TND").unwrap()).to_string(),
            "1.234 TND"
        );
    }

    #[test]
    fn serde_round_trip_rejects_unknown_currency() {
        let json = serde_json::to_string(&eur(4599)).unwrap();
        assert_eq!(json, r#"{"amount_minor":4599,"currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), eur(4599));
        assert!(serde_json::from_str::<Money>(r#"{"amount_minor":1,"currency":"ABC"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount_minor":1.5,"currency":"EUR"}"#).is_err());
    }

    proptest! {
        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(eur(a).checked_add(eur(b)).unwrap().checked_sub(eur(b)).unwrap(), eur(a));
        }

        #[test]
        fn checked_add_matches_i128(a: i64, b: i64) {
            let exact = i128::from(a) + i128::from(b);
            match eur(a).checked_add(eur(b)) {
                Ok(sum) => prop_assert_eq!(i128::from(sum.amount_minor), exact),
                Err(e) => {
                    prop_assert_eq!(e, MoneyError::Overflow);
                    prop_assert!(exact > i128::from(i64::MAX) || exact < i128::from(i64::MIN));
                }
            }
        }
    }
}
