//! The two machine-readable symbols on a label, as plain geometry: the RMA as
//! a Code 128 barcode and the case link as a QR code. Encoding is left to
//! `barcoders` and `qrcode`; this module only checks the input and turns their
//! output into runs of dark modules the layout draws as filled rectangles.

use barcoders::sym::code128::Code128;
use qrcode::{Color, EcLevel, QrCode};

use crate::LabelError;

/// Light modules required on each side of a Code 128 symbol (ISO/IEC 15417
/// asks for at least ten times the module width).
pub(crate) const BARCODE_QUIET_MODULES: usize = 10;
/// Light modules required around a QR code (ISO/IEC 18004: four).
pub(crate) const QR_QUIET_MODULES: usize = 4;
/// Largest QR code printed, in modules per side (version 7). Beyond it the
/// modules of a QR code that fits the label get too small to scan reliably
/// from a 150 dpi print.
pub(crate) const QR_MAX_WIDTH: usize = 45;
/// Bytes a version 7 QR code holds at error correction level M in byte mode:
/// any payload up to this length is accepted.
pub(crate) const QR_MAX_PAYLOAD_BYTES: usize = 122;
/// Start character of Code 128 code set B in `barcoders`' notation. Set B
/// covers every printable ASCII character, so RMAs mixing letters, digits and
/// hyphens need no set switch.
const CODE_SET_B: char = '\u{0181}';

/// A Code 128 symbol: its modules from the start character to the
/// termination bar, without quiet zones.
#[derive(Debug)]
pub(crate) struct Barcode {
    modules: Vec<u8>,
}

impl Barcode {
    /// Encodes `data` in Code 128 set B. Only printable ASCII without spaces
    /// is accepted, so that what is printed under the bars is what a scanner
    /// reads.
    pub(crate) fn code128(data: &str) -> Result<Self, LabelError> {
        let unencodable = |reason: String| LabelError::UnencodableRma {
            rma: data.to_owned(),
            reason,
        };
        if data.is_empty() {
            return Err(unencodable("it is empty".to_owned()));
        }
        if let Some(c) = data.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(unencodable(format!(
                "{c:?} is not a printable ASCII character"
            )));
        }
        let symbol = Code128::new(format!("{CODE_SET_B}{data}"))
            .map_err(|error| unencodable(error.to_string()))?;
        Ok(Self {
            modules: symbol.encode(),
        })
    }

    /// Width of the symbol with its two quiet zones, in modules.
    pub(crate) fn width_with_quiet_zones(&self) -> usize {
        self.modules.len() + 2 * BARCODE_QUIET_MODULES
    }

    /// The bars as `(first module, width in modules)`, counted from the left
    /// edge of the left quiet zone.
    pub(crate) fn bars(&self) -> Vec<(usize, usize)> {
        runs(&self.modules, |&module| module == 1)
            .into_iter()
            .map(|(start, width)| (start + BARCODE_QUIET_MODULES, width))
            .collect()
    }
}

/// Modules of a Code 128 symbol in set B for `characters` data characters:
/// start, data, check character and stop (11 modules each) plus the
/// two-module termination bar.
pub(crate) const fn code128_width(characters: usize) -> usize {
    11 * (characters + 3) + 2
}

/// A QR code: a square of modules, row by row.
#[derive(Debug)]
pub(crate) struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload` at error correction level M (15% of the symbol can
    /// be damaged: labels get scuffed in transit).
    pub(crate) fn new(payload: &str) -> Result<Self, LabelError> {
        let too_long = || LabelError::QrPayloadTooLong {
            len: payload.len(),
            max: QR_MAX_PAYLOAD_BYTES,
        };
        if payload.is_empty() {
            return Err(LabelError::EmptyQrPayload);
        }
        let code =
            QrCode::with_error_correction_level(payload, EcLevel::M).map_err(|_| too_long())?;
        if code.width() > QR_MAX_WIDTH {
            return Err(too_long());
        }
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|color| color == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side with the quiet zone on both sides.
    pub(crate) fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QR_QUIET_MODULES
    }

    /// Dark modules as horizontal runs `(column, row, width)`, counted from
    /// the top-left corner of the quiet zone.
    pub(crate) fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        self.dark
            .chunks(self.width)
            .enumerate()
            .flat_map(|(row, modules)| {
                runs(modules, |&dark| dark)
                    .into_iter()
                    .map(move |(column, width)| {
                        (column + QR_QUIET_MODULES, row + QR_QUIET_MODULES, width)
                    })
            })
            .collect()
    }
}

/// Runs of consecutive items for which `is_dark` holds, as `(start, length)`.
fn runs<T>(items: &[T], is_dark: impl Fn(&T) -> bool) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (index, item) in items.iter().enumerate() {
        match (is_dark(item), start) {
            (true, None) => start = Some(index),
            (false, Some(first)) => {
                runs.push((first, index - first));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(first) = start {
        runs.push((first, items.len() - first));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code128_set_b_has_the_expected_module_count() {
        let barcode = Barcode::code128("RMA-7K3Q9P2X").unwrap();
        assert_eq!(barcode.modules.len(), code128_width(12));
        assert_eq!(barcode.width_with_quiet_zones(), code128_width(12) + 20);
        // Start B is 11010010000: the first bar is two modules wide and
        // starts right after the quiet zone.
        assert_eq!(barcode.bars()[0], (BARCODE_QUIET_MODULES, 2));
        // The termination bar ends the symbol; the right quiet zone stays
        // light.
        let (start, width) = *barcode.bars().last().unwrap();
        assert_eq!(start + width, BARCODE_QUIET_MODULES + barcode.modules.len());
    }

    #[test]
    fn code128_rejects_what_a_scanner_would_not_read_back() {
        for bad in ["", "RMA 123", "RMA-É12", "RMA\u{0106}12", "RMA\n1"] {
            assert!(
                matches!(
                    Barcode::code128(bad),
                    Err(LabelError::UnencodableRma { .. })
                ),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn qr_payload_limits() {
        let longest = "x".repeat(QR_MAX_PAYLOAD_BYTES);
        let qr = QrMatrix::new(&longest).unwrap();
        assert!(qr.width <= QR_MAX_WIDTH);
        assert!(matches!(
            QrMatrix::new(&format!("{longest}x")),
            Err(LabelError::QrPayloadTooLong { len: 123, max: 122 })
        ));
        assert!(matches!(QrMatrix::new(""), Err(LabelError::EmptyQrPayload)));
    }

    #[test]
    fn qr_runs_cover_every_dark_module_once() {
        let qr = QrMatrix::new("https://retours.example.fr/c/RMA-7K3Q9P2X").unwrap();
        let dark_in_runs: usize = qr.dark_runs().iter().map(|&(_, _, width)| width).sum();
        assert_eq!(dark_in_runs, qr.dark.iter().filter(|&&dark| dark).count());
        // The top-left finder pattern starts right inside the quiet zone.
        assert_eq!(qr.dark_runs()[0], (QR_QUIET_MODULES, QR_QUIET_MODULES, 7));
    }
}
