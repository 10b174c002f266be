//! The carrier port: booking a prepaid return shipment to get the tracking
//! number printed on the label.
//!
//! A real carrier (Colissimo, Mondial Relay...) implements [`Carrier`] with
//! its web API (in a connectors crate); [`LocalCarrier`] books nothing and is
//! what the demo and the tests use.

use std::future::Future;
use std::pin::Pin;

use sha2::{Digest, Sha256};

use amiable_labels::Address;

/// What a carrier needs to book a return shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnShipmentRequest {
    /// The return authorization the parcel belongs to.
    pub rma: String,
    /// The buyer sending the parcel back.
    pub from: Address,
    /// The merchant's return address.
    pub to: Address,
    /// Weight of each parcel in grams.
    pub weight_grams: u32,
    /// Number of parcels.
    pub parcel_count: u32,
}

/// A booked return shipment: what goes on the label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnShipment {
    /// Stable code of the carrier, as in [`Carrier::code`].
    pub carrier_code: String,
    /// Carrier name printed on the label.
    pub carrier_name: String,
    /// Service booked, printed under the carrier name.
    pub service: String,
    /// Tracking number given by the carrier.
    pub tracking_number: String,
}

/// Why a return shipment could not be booked.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// The carrier could not be reached or failed; trying later may work.
    #[error("carrier unavailable: {0}")]
    Unavailable(String),
    /// The carrier will not take this shipment as it is.
    #[error("carrier refused the shipment: {0}")]
    Refused(String),
}

/// A carrier that books prepaid return shipments.
pub trait Carrier: Send + Sync {
    /// Stable identifier of the carrier, stored with the shipment.
    fn code(&self) -> &'static str;
    /// Name printed on labels.
    fn name(&self) -> &'static str;
    /// Books a prepaid return shipment. Boxed future so the trait stays
    /// object-safe (`Arc<dyn Carrier>`), no async-trait crate.
    fn create_return(
        &self,
        request: &ReturnShipmentRequest,
    ) -> Pin<Box<dyn Future<Output = Result<ReturnShipment, CarrierError>> + Send + '_>>;
}

/// A carrier that needs no network: it books nothing remotely and issues
/// tracking numbers derived from the RMA, in the shape of a UPU S10 number
/// ("CR" + 8 digits + check digit + "FR"), so the same RMA always gets the
/// same number. Used by the demo and the tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalCarrier;

impl LocalCarrier {
    /// Service name of every shipment it books.
    pub const SERVICE: &'static str = "Retour prépayé";
    /// S10 service indicator: "C" is the UPU range for parcels.
    const SERVICE_INDICATOR: &'static str = "CR";
    /// S10 country code of the issuing post.
    const COUNTRY: &'static str = "FR";

    /// The tracking number this carrier gives the return `rma`.
    pub fn tracking_number(rma: &str) -> String {
        let digest = Sha256::digest(rma.as_bytes());
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&digest[..8]);
        let serial = format!("{:08}", u64::from_be_bytes(prefix) % 100_000_000);
        let check = s10_check_digit(&serial).unwrap_or_default();
        format!(
            "{}{serial}{check}{}",
            Self::SERVICE_INDICATOR,
            Self::COUNTRY
        )
    }

    fn book(request: &ReturnShipmentRequest) -> Result<ReturnShipment, CarrierError> {
        if request.rma.trim().is_empty() {
            return Err(CarrierError::Refused("the RMA is empty".to_owned()));
        }
        if request.weight_grams == 0 {
            return Err(CarrierError::Refused(
                "the parcel weight must be more than 0 g".to_owned(),
            ));
        }
        if request.parcel_count == 0 {
            return Err(CarrierError::Refused(
                "a shipment needs at least one parcel".to_owned(),
            ));
        }
        Ok(ReturnShipment {
            carrier_code: "local".to_owned(),
            carrier_name: Self.name().to_owned(),
            service: Self::SERVICE.to_owned(),
            tracking_number: Self::tracking_number(&request.rma),
        })
    }
}

impl Carrier for LocalCarrier {
    fn code(&self) -> &'static str {
        "local"
    }

    fn name(&self) -> &'static str {
        "Transporteur local"
    }

    fn create_return(
        &self,
        request: &ReturnShipmentRequest,
    ) -> Pin<Box<dyn Future<Output = Result<ReturnShipment, CarrierError>> + Send + '_>> {
        let booked = Self::book(request);
        Box::pin(std::future::ready(booked))
    }
}

/// Check digit of the 8-digit serial number of a UPU S10 item identifier
/// (e.g. serial "47312482" of "RA473124829GB" has check digit 9), or `None`
/// if `serial` is not exactly 8 ASCII digits.
///
/// UPU S10 §5.2: weigh the digits by 8, 6, 4, 2, 3, 5, 9, 7, take 11 minus
/// the sum modulo 11; 10 becomes 0 and 11 becomes 5.
pub fn s10_check_digit(serial: &str) -> Option<u8> {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let bytes = serial.as_bytes();
    if bytes.len() != WEIGHTS.len() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    Some(match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        check => check as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn s10_check_digits_of_known_numbers() {
        // The worked example of UPU S10: RA473124829GB, S = 200.
        assert_eq!(s10_check_digit("47312482"), Some(9));
        // S = 192, 192 mod 11 = 5: 11 - 5 = 6.
        assert_eq!(s10_check_digit("87654321"), Some(6));
        // S = 56, 56 mod 11 = 1: 11 - 1 = 10, printed as 0.
        assert_eq!(s10_check_digit("00000008"), Some(0));
        // S = 0: 11 - 0 = 11, printed as 5.
        assert_eq!(s10_check_digit("00000000"), Some(5));
    }

    #[test]
    fn s10_check_digit_refuses_malformed_serials() {
        for bad in ["", "1234567", "123456789", "1234567a", "１２３４５６７８"] {
            assert_eq!(s10_check_digit(bad), None, "{bad:?}");
        }
    }

    fn address(name: &str) -> Address {
        Address {
            name: name.to_owned(),
            lines: vec!["12 rue de l'Église".to_owned()],
            postal_code: "69002".to_owned(),
            city: "Lyon".to_owned(),
            country: "France".to_owned(),
        }
    }

    fn request(rma: &str) -> ReturnShipmentRequest {
        ReturnShipmentRequest {
            rma: rma.to_owned(),
            from: address("Élodie Martin"),
            to: address("Maison Colette"),
            weight_grams: 1250,
            parcel_count: 1,
        }
    }

    /// Polls a future that must be ready at once, as the local carrier's is.
    fn ready<T>(future: Pin<Box<dyn Future<Output = T> + Send + '_>>) -> T {
        let mut future = future;
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the local carrier never waits"),
        }
    }

    #[test]
    fn local_carrier_issues_a_stable_valid_s10_number() {
        let carrier: Arc<dyn Carrier> = Arc::new(LocalCarrier);
        let shipment = ready(carrier.create_return(&request("RMA-7K3Q9P2X"))).unwrap();
        assert_eq!(shipment.carrier_code, carrier.code());
        assert_eq!(shipment.carrier_name, carrier.name());
        assert_eq!(shipment.service, LocalCarrier::SERVICE);

        let number = &shipment.tracking_number;
        assert_eq!(number.len(), 13);
        assert!(number.starts_with("CR") && number.ends_with("FR"));
        let check = s10_check_digit(&number[2..10]).unwrap();
        assert_eq!(number.as_bytes()[10], b'0' + check);

        let again = ready(carrier.create_return(&request("RMA-7K3Q9P2X"))).unwrap();
        assert_eq!(&again.tracking_number, number);
        let other = ready(carrier.create_return(&request("RMA-00000001"))).unwrap();
        assert_ne!(&other.tracking_number, number);
    }

    #[test]
    fn local_carrier_refuses_an_empty_shipment() {
        let mut weightless = request("RMA-7K3Q9P2X");
        weightless.weight_grams = 0;
        assert!(matches!(
            ready(LocalCarrier.create_return(&weightless)),
            Err(CarrierError::Refused(_))
        ));
        assert!(matches!(
            ready(LocalCarrier.create_return(&request(" "))),
            Err(CarrierError::Refused(_))
        ));
    }
}
