//! Prepaid return labels for amiable, and the other PDFs it prints.
//!
//! [`render`] turns a [`LabelSpec`] into a PDF: an A6 label for a label
//! printer, or an A4 page with the same label in its top-left quarter, cut
//! lines, printed instructions and a packing slip for the parcel. The label
//! carries the RMA as a Code 128 barcode, a QR code linking to the case, both
//! addresses, the tracking number and the drop-off deadline.
//!
//! [`render_document`] lays out a text [`Document`] (title, sections,
//! paragraphs, tables) over as many A4 pages as it needs, each numbered
//! "page N / M": the case's dossier.
//!
//! The PDFs use only the standard Helvetica fonts (no font file embedded) and
//! are byte-for-byte the same for the same input: no dates, no random ids.
//! Booking the shipment with a carrier is a port of the use-case layer
//! (`amiable_app::ports::carrier`).

mod canvas;
mod document;
mod layout;
mod symbols;
mod text;
mod words;

pub use document::{
    Block, CellAlign, Document, MAX_DOCUMENT_PAGES, Table, TableColumn, render_document,
};

/// A postal address as printed on a label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Person or company, first line of the address.
    pub name: String,
    /// Street lines (street and number, building, floor...), in order.
    pub lines: Vec<String>,
    /// Postal code, printed before the city.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Country, printed on the last line.
    pub country: String,
}

/// Paper the label is printed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    /// 105 × 148 mm portrait, the usual size of label printers: the label
    /// alone.
    A6,
    /// 210 × 297 mm portrait, for an office printer: the A6 label in the
    /// top-left quarter, the instructions beside it and a packing slip to put
    /// inside the parcel on the lower half, separated by cut lines.
    A4,
}

/// Language of every word printed on the label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// French.
    Fr,
    /// English.
    En,
}

/// Everything printed on a return label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSpec {
    /// Return authorization, e.g. "RMA-7K3Q9P2X": printed as a Code 128
    /// barcode with the same text under it. Printable ASCII without spaces,
    /// at most [`RMA_MAX_CHARS`] characters.
    pub rma: String,
    /// Tracking number given by the carrier.
    pub tracking_number: String,
    /// Carrier, e.g. "Colissimo".
    pub carrier_name: String,
    /// Carrier service, e.g. "Retour prépayé".
    pub service: String,
    /// The buyer, who sends the parcel back.
    pub from: Address,
    /// The merchant's return address, where the parcel goes.
    pub to: Address,
    /// Weight of each parcel, printed in kilograms with three decimals.
    pub weight_grams: u32,
    /// Number of parcels in the return: one label page per parcel, each
    /// marked "1/N", "2/N"...
    pub parcel_count: u32,
    /// The shop's order number.
    pub order_reference: String,
    /// Date the label was issued, already formatted for `language`.
    pub issued_on: String,
    /// Last day to drop the parcel off, already formatted for `language`.
    pub expires_on: String,
    /// Short lines describing the returned items, e.g. "2 × T-shirt lin
    /// bleu", listed on the A4 packing slip.
    pub items: Vec<String>,
    /// Encoded in the QR code, e.g. the link to the case. At most
    /// [`QR_MAX_PAYLOAD_BYTES`] bytes are always accepted.
    pub qr_payload: String,
    /// Language of the printed words.
    pub language: Language,
}

/// Longest RMA, in characters, whose barcode still fits the label with
/// modules wide enough to scan.
pub const RMA_MAX_CHARS: usize = layout::RMA_MAX_CHARS;
/// Longest QR payload, in bytes, that is always accepted (some payloads
/// encode more compactly and may be longer).
pub const QR_MAX_PAYLOAD_BYTES: usize = symbols::QR_MAX_PAYLOAD_BYTES;
/// Most parcels one return label document is made for.
pub const MAX_PARCELS: u32 = 20;

/// Why a label cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// The RMA has characters a Code 128 scanner would not read back.
    #[error("the RMA {rma:?} cannot be printed as a Code 128 barcode: {reason}")]
    UnencodableRma {
        /// The RMA as given.
        rma: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The RMA barcode would not fit the label at a scannable module width.
    #[error(
        "the RMA {rma:?} is too long for a scannable barcode on the label: \
         {len} characters, at most {max}"
    )]
    RmaTooLong {
        /// The RMA as given.
        rma: String,
        /// Its length in characters.
        len: usize,
        /// The longest RMA that fits.
        max: usize,
    },
    /// There is nothing to put in the QR code.
    #[error("the QR code payload is empty")]
    EmptyQrPayload,
    /// The QR code would be too dense to scan at the size it is printed.
    #[error(
        "the QR code payload is too long for a scannable QR code on the label: \
         {len} bytes, at most {max}"
    )]
    QrPayloadTooLong {
        /// Length of the payload in bytes.
        len: usize,
        /// The length always accepted.
        max: usize,
    },
    /// The parcel count is zero or more than one document is made for.
    #[error("a return needs between 1 and {max} parcels, not {count}")]
    ParcelCount {
        /// The count given.
        count: u32,
        /// [`MAX_PARCELS`].
        max: u32,
    },
    /// A parcel weighing nothing cannot be shipped.
    #[error("the parcel weight must be more than 0 g")]
    ZeroWeight,
    /// A document's table has no columns, a column without width, or a row
    /// whose cells do not match its columns.
    #[error("the table cannot be laid out: {reason}")]
    TableShape {
        /// What is wrong with it.
        reason: String,
    },
    /// The document would run over more pages than one is allowed.
    #[error("the document would need more than {max} pages")]
    TooManyPages {
        /// [`MAX_DOCUMENT_PAGES`].
        max: usize,
    },
}

/// Renders the return label described by `spec` as a PDF on paper `size`.
///
/// The output depends only on the arguments, so the same label is the same
/// bytes every time.
pub fn render(spec: &LabelSpec, size: PageSize) -> Result<Vec<u8>, LabelError> {
    let barcode = symbols::Barcode::code128(&spec.rma)?;
    let qr = symbols::QrMatrix::new(&spec.qr_payload)?;
    if spec.parcel_count == 0 || spec.parcel_count > MAX_PARCELS {
        return Err(LabelError::ParcelCount {
            count: spec.parcel_count,
            max: MAX_PARCELS,
        });
    }
    if spec.weight_grams == 0 {
        return Err(LabelError::ZeroWeight);
    }
    layout::document(spec, size, &barcode, &qr)
}
