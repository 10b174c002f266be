//! `amiable import orders FILE`: loads order snapshots from a CSV or NDJSON
//! file, streaming, in batches.
//!
//! # Formats
//!
//! The file's extension picks the format: `.csv`, or `.ndjson` / `.jsonl`.
//! Every order names its merchant by slug (`atelier-lyon`); the merchant must
//! already exist under the operator the import runs for. Orders are upserted
//! by (merchant, `external_id`): importing a file again replaces the orders it
//! imported before and creates nothing new. Amounts are whole numbers in minor
//! units (`1990` is 19,90 €); instants are RFC 3339 with an offset
//! (`2026-11-02T09:15:00+01:00` or `2026-11-02T08:15:00Z`). Text is UTF-8.
//! Examples of both formats: `docs/examples/orders.csv` and
//! `docs/examples/orders.ndjson` (the same four orders).
//!
//! ## NDJSON
//!
//! One order per line, as a JSON object: the API's order shape plus a
//! `"merchant"` field holding the merchant's slug. Blank lines are skipped.
//! Unknown fields are refused.
//!
//! ```json
//! {"merchant": "atelier-lyon", "external_id": "CMD-2026-0003",
//!  "placed_at": "2026-11-10T21:05:00+01:00", "currency": "EUR",
//!  "buyer": {"name": "Inès Benali", "email": "ines.benali@exemple.fr",
//!            "phone": "07 81 22 33 44", "locale": "fr"},
//!  "shipping_minor": 490,
//!  "payment": {"provider": "card", "transaction_id": "ch_3QAbc1234567890", "captured_minor": 5390},
//!  "lines": [{"line_id": "1", "sku": "COLLIER-GRAVE", "title": "Collier gravé au prénom",
//!             "category": "bijoux", "quantity": 1, "unit_price_minor": 4900,
//!             "flags": ["personalised"]}],
//!  "shipments": [{"carrier": "Colissimo", "tracking_number": "6A12345678901",
//!                 "shipped_at": "2026-11-11T16:00:00Z", "delivered_at": null,
//!                 "lines": [{"line_id": "1", "quantity": 1}]}]}
//! ```
//! (shown on several lines here; in the file each order is on one line).
//! Optional: `buyer.phone`, `buyer.locale` (default `fr`), `shipping_minor`
//! (default 0), `payment`, `lines[].line_id` (default: its position, `1`,
//! `2`…), `lines[].flags`, `shipments`, and in a shipment `shipment_id`,
//! `tracking_number`, `shipped_at`, `delivered_at`. If one order appears on
//! several lines, the last one wins, as it would with two imports.
//!
//! ## CSV
//!
//! Comma-separated, RFC 4180 quoting (`"Bougie parfumée figue, 180 g"`,
//! `"Tablier ""Canut"" en lin"`), a header row naming all of these columns in
//! any order:
//!
//! ```text
//! merchant,external_id,placed_at,currency,buyer_name,buyer_email,buyer_phone,
//! buyer_locale,shipping_minor,payment_provider,transaction_id,captured_minor,
//! line_id,sku,title,category,quantity,unit_price_minor,flags,carrier,
//! tracking_number,shipped_at,delivered_at
//! ```
//!
//! A missing, unknown or repeated column stops the import before anything is
//! imported. Each row is one order line; consecutive rows with the same
//! `merchant` and `external_id` form one order, so the rows of an order must
//! be adjacent (a later, separate group of rows for an imported order is
//! refused with `order.duplicate_in_file`). The order columns (`placed_at` to
//! `captured_minor`) are read from the order's first row; later rows may
//! repeat them or leave them empty. Leave the three payment columns empty for
//! an order without payment details. `flags` are separated by `|`
//! (`personalised|perishable`; also `sealed_hygiene`, `second_hand`,
//! `digital`). An empty `line_id` means the line's position in its order.
//!
//! A row whose `carrier` is filled ships that row's line and `quantity` in the
//! parcel identified by (`carrier`, `tracking_number`); rows naming the same
//! parcel share it, and its `shipped_at`/`delivered_at` come from its first
//! row. An order in two parcels has rows for two different tracking numbers.
//! A line shipped across two parcels cannot be expressed in CSV: use NDJSON.
//!
//! # Errors
//!
//! An order that cannot be imported is reported with its line number in the
//! file and does not stop the others: for NDJSON the order's line; for CSV
//! the line of the order's first row, or the exact row for a value that
//! cannot be read (a number that is not whole, invalid UTF-8, a wrong number
//! of fields). Each error names the field (`buyer.email`, `lines[1].quantity`,
//! or a CSV column such as `unit_price_minor`) and a stable code:
//! the order checks' codes (`email.invalid`, `quantity.not_positive`,
//! `shipment.unknown_line`, …) and
//!
//! | code | meaning |
//! |---|---|
//! | `merchant.unknown` | no merchant with this slug under the operator |
//! | `json.invalid` | the line is not a JSON object |
//! | `field.missing`, `field.unknown`, `field.invalid`, `field.unknown_value` | NDJSON: a field is missing, unexpected or of the wrong type |
//! | `number.invalid` | CSV: not a whole number |
//! | `csv.field_count` | CSV: the row has more or fewer fields than the header |
//! | `csv.invalid_utf8` | CSV: the value is not UTF-8 |
//! | `shipment.no_carrier` | CSV: shipment columns filled without a `carrier` |
//! | `order.duplicate_in_file` | CSV: the order's rows are not adjacent |
//! | `store.failed` | the database refused the order |

use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
use amiable_domain::order::{
    BuyerInput, LineInput, Order, OrderInput, PaymentInput, ShipmentInput, ShipmentLineInput,
};
use amiable_domain::validation::FieldError;
use amiable_store::{Store, StoreError, UpsertOutcome};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Orders per `upsert_orders` transaction: large enough to amortise commits,
/// small enough that a batch in memory stays small.
const BATCH_SIZE: usize = 500;

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// The format named by the file's extension (`.csv`, `.ndjson`, `.jsonl`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// Why one order of the file was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    pub external_id: Option<String>,
    /// The field at fault (`buyer.email`, `lines[0].quantity`, a CSV column),
    /// empty when the whole line is at fault.
    pub field: String,
    /// A stable code (`email.invalid`, `merchant.unknown`, …).
    pub code: String,
    pub message: String,
}

impl RowError {
    fn new(
        line: u64,
        external_id: Option<&str>,
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            line,
            external_id: external_id.map(str::to_owned),
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(external_id) = &self.external_id {
            write!(f, " ({external_id})")?;
        }
        f.write_str(": ")?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Orders that were new.
    pub created: u64,
    /// Orders that replaced one imported before.
    pub updated: u64,
    /// Every problem, in file order; one order may have several.
    pub failed: Vec<RowError>,
    /// Orders in the file, imported or not.
    pub orders_seen: u64,
}

/// Imports every order of `path` for `operator_id`, streaming the file and
/// upserting valid orders in batches. Problems with single orders are in the
/// report; an `Err` means the import as a whole failed (unreadable file, bad
/// CSV header, database unavailable), and batches committed before stay.
pub async fn import_orders(
    store: &Store,
    operator_id: OperatorId,
    path: &Path,
    format: Format,
    progress: bool,
) -> anyhow::Result<ImportReport> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let bar = if progress {
        let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")?;
        ProgressBar::new(size).with_style(style)
    } else {
        ProgressBar::hidden()
    };
    let reader = bar.wrap_read(file);
    let mut importer = Importer::new(store, operator_id, format, bar.clone());
    // The file is read synchronously between database round trips: reads are
    // buffered and short, and only one import runs per process.
    let outcome = match format {
        Format::Ndjson => {
            import_ndjson(BufReader::with_capacity(1 << 16, reader), &mut importer).await
        }
        Format::Csv => import_csv(reader, &mut importer).await,
    };
    bar.finish_and_clear();
    outcome.with_context(|| {
        let done = &importer.report;
        if done.created + done.updated == 0 {
            format!("importing {}: nothing was imported", path.display())
        } else {
            format!(
                "importing {} stopped after {} orders; {} created and {} updated before stay imported",
                path.display(),
                done.orders_seen,
                done.created,
                done.updated
            )
        }
    })?;
    Ok(importer.into_report())
}

/// Turns parsed orders into checked batches and upserts them.
struct Importer<'a> {
    store: &'a Store,
    operator_id: OperatorId,
    /// Merchants by slug, looked up once each; `None` for unknown slugs.
    merchants: HashMap<String, Option<MerchantId>>,
    /// CSV only: the first line of every order seen, to refuse an order
    /// whose rows are split (its later part would replace the earlier one).
    first_lines: Option<HashMap<(MerchantId, String), u64>>,
    batch: Vec<(OperatorId, MerchantId, OrderInput, OrderId)>,
    batch_lines: Vec<u64>,
    rejected_orders: u64,
    report: ImportReport,
    bar: ProgressBar,
}

impl<'a> Importer<'a> {
    fn new(store: &'a Store, operator_id: OperatorId, format: Format, bar: ProgressBar) -> Self {
        Self {
            store,
            operator_id,
            merchants: HashMap::new(),
            first_lines: (format == Format::Csv).then(HashMap::new),
            batch: Vec::with_capacity(BATCH_SIZE),
            batch_lines: Vec::with_capacity(BATCH_SIZE),
            rejected_orders: 0,
            report: ImportReport::default(),
            bar,
        }
    }

    /// An order that could not even be read.
    fn reject(&mut self, errors: Vec<RowError>) {
        self.report.orders_seen += 1;
        self.rejected_orders += 1;
        self.report.failed.extend(errors);
    }

    /// Checks a read order and queues it for the next batch. For CSV,
    /// `rows` are the lines of the order's lines, to point errors at them.
    async fn accept(
        &mut self,
        line: u64,
        merchant: &str,
        input: OrderInput,
        rows: Option<&[u64]>,
    ) -> anyhow::Result<()> {
        self.report.orders_seen += 1;
        let external_id = non_empty(&input.external_id);
        let mut errors = Vec::new();
        let merchant_id = self.merchant(merchant).await?;
        if merchant_id.is_none() {
            let message = if merchant.is_empty() {
                "the merchant's slug is missing".to_owned()
            } else {
                format!("no merchant '{merchant}' under this operator")
            };
            errors.push(RowError::new(
                line,
                external_id,
                "merchant",
                "merchant.unknown",
                message,
            ));
        }
        if let (Some(merchant_id), Some(first_lines), Some(external_id)) =
            (merchant_id, &mut self.first_lines, external_id)
        {
            match first_lines.entry((merchant_id, external_id.to_owned())) {
                Entry::Occupied(first) => errors.push(RowError::new(
                    line,
                    Some(external_id),
                    "external_id",
                    "order.duplicate_in_file",
                    format!(
                        "this order already started at line {}: the rows of one order must be adjacent",
                        first.get()
                    ),
                )),
                Entry::Vacant(entry) => {
                    entry.insert(line);
                }
            }
        }
        let order_id = OrderId::from_bytes(fastrand::u128(..).to_le_bytes());
        // The merchant plays no part in the checks: with an unknown one, check
        // against a placeholder so that every problem is reported at once.
        let checked_for = merchant_id.unwrap_or_else(|| MerchantId::from_bytes([0; 16]));
        if let Err(invalid) = Order::from_input(order_id, self.operator_id, checked_for, &input) {
            errors.extend(
                invalid
                    .0
                    .into_iter()
                    .filter(|error| rows.is_none() || !is_shipment_line(&error.field))
                    .map(|error| field_error(line, external_id, error, rows.unwrap_or_default())),
            );
        }
        match merchant_id {
            Some(merchant_id) if errors.is_empty() => {
                self.batch
                    .push((self.operator_id, merchant_id, input, order_id));
                self.batch_lines.push(line);
                if self.batch.len() >= BATCH_SIZE {
                    self.flush().await?;
                }
            }
            _ => {
                self.rejected_orders += 1;
                self.report.failed.extend(errors);
            }
        }
        Ok(())
    }

    async fn merchant(&mut self, slug: &str) -> anyhow::Result<Option<MerchantId>> {
        if slug.is_empty() {
            return Ok(None);
        }
        if let Some(known) = self.merchants.get(slug) {
            return Ok(*known);
        }
        let found = self
            .store
            .merchant_by_slug(self.operator_id, slug)
            .await
            .with_context(|| format!("looking up merchant '{slug}'"))?
            .map(|merchant| merchant.id);
        self.merchants.insert(slug.to_owned(), found);
        Ok(found)
    }

    /// Upserts the queued orders in one transaction. If the database refuses
    /// the batch (the orders were checked, so this should not happen), each
    /// order is tried alone so that one bad order does not sink the others.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let lines = std::mem::take(&mut self.batch_lines);
        match self.store.upsert_orders(&batch).await {
            Ok(outcomes) => outcomes.iter().for_each(|o| self.count(o)),
            Err(batch_error) => {
                tracing::warn!(
                    error = %batch_error,
                    first_line = lines[0],
                    orders = batch.len(),
                    "the database refused a batch of orders; importing them one by one"
                );
                let mut landed = 0;
                let mut database_errors = 0;
                for ((operator_id, merchant_id, input, order_id), &line) in batch.iter().zip(&lines)
                {
                    match self
                        .store
                        .upsert_order(*operator_id, *merchant_id, input, *order_id)
                        .await
                    {
                        Ok(outcome) => {
                            landed += 1;
                            self.count(&outcome);
                        }
                        Err(error) => {
                            database_errors +=
                                usize::from(matches!(error, StoreError::Database(_)));
                            self.rejected_orders += 1;
                            let external_id = non_empty(&input.external_id);
                            self.report
                                .failed
                                .extend(store_errors(line, external_id, error));
                        }
                    }
                }
                // Every order of a batch failing at the database means the
                // database, not the data, is at fault: stop rather than
                // report each remaining order as failed.
                if landed == 0 && batch.len() > 1 && database_errors == batch.len() {
                    bail!(
                        "the database refused every order of the batch starting at line {}: {batch_error}",
                        lines[0]
                    );
                }
            }
        }
        self.show_progress();
        Ok(())
    }

    fn count(&mut self, outcome: &UpsertOutcome) {
        if outcome.created {
            self.report.created += 1;
        } else {
            self.report.updated += 1;
        }
    }

    fn show_progress(&self) {
        self.bar.set_message(format!(
            "{} orders: {} new, {} updated, {} refused",
            self.report.orders_seen, self.report.created, self.report.updated, self.rejected_orders
        ));
    }

    async fn finish(&mut self) -> anyhow::Result<()> {
        self.flush().await?;
        // Orders refused by the database are reported when their batch is
        // flushed, after later orders' check errors: restore file order.
        self.report.failed.sort_by_key(|error| error.line);
        Ok(())
    }

    fn into_report(self) -> ImportReport {
        self.report
    }
}

/// A check error of an order, pointing CSV users at the row of `lines[i]`.
fn field_error(
    line: u64,
    external_id: Option<&str>,
    error: FieldError,
    row_lines: &[u64],
) -> RowError {
    let row = error
        .field
        .strip_prefix("lines[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(index, _)| index.parse::<usize>().ok())
        .and_then(|index| row_lines.get(index));
    let message = match row {
        Some(row) => format!("{} (the row at line {row})", error.message),
        None => error.message,
    };
    RowError::new(line, external_id, error.field, error.code, message)
}

/// Whether an error is about a line of a shipment (`shipments[0].lines[1].quantity`).
/// In CSV a row ships its own line id and quantity, so such an error repeats
/// one already reported for the row's line (`lines[1].quantity`), or follows
/// from it (`shipment.unknown_line` when the line itself is invalid).
fn is_shipment_line(field: &str) -> bool {
    field.starts_with("shipments[") && field.contains("].lines[")
}

fn store_errors(line: u64, external_id: Option<&str>, error: StoreError) -> Vec<RowError> {
    match error {
        StoreError::Invalid(invalid) => invalid
            .0
            .into_iter()
            .map(|e| RowError::new(line, external_id, e.field, e.code, e.message))
            .collect(),
        StoreError::NotFound("merchant") => vec![RowError::new(
            line,
            external_id,
            "merchant",
            "merchant.unknown",
            "the merchant no longer exists",
        )],
        other => vec![RowError::new(
            line,
            external_id,
            "",
            "store.failed",
            other.to_string(),
        )],
    }
}

fn non_empty(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------- NDJSON

async fn import_ndjson(
    mut reader: impl BufRead,
    importer: &mut Importer<'_>,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let mut line = 0;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        line += 1;
        let mut text = buffer.as_slice();
        if line == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        let text = text.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match read_ndjson_order(text, line) {
            Ok((merchant, input)) => importer.accept(line, &merchant, input, None).await?,
            Err(errors) => importer.reject(errors),
        }
    }
    importer.finish().await
}

/// One NDJSON line: the merchant's slug and the order.
fn read_ndjson_order(text: &[u8], line: u64) -> Result<(String, OrderInput), Vec<RowError>> {
    let value: Value = serde_json::from_slice(text).map_err(|error| {
        let message = format!(
            "not valid JSON: {} (column {})",
            without_position(&error.to_string()),
            error.column()
        );
        vec![RowError::new(line, None, "", "json.invalid", message)]
    })?;
    let Value::Object(mut object) = value else {
        let message = "each line must be one order, a JSON object";
        return Err(vec![RowError::new(line, None, "", "json.invalid", message)]);
    };
    let external_id = object
        .get("external_id")
        .and_then(Value::as_str)
        .and_then(non_empty)
        .map(str::to_owned);
    let external_id = external_id.as_deref();
    let mut errors = Vec::new();
    let merchant = match object.remove("merchant") {
        Some(Value::String(slug)) => slug.trim().to_owned(),
        Some(_) => {
            let message = "must be a string: the merchant's slug";
            errors.push(RowError::new(
                line,
                external_id,
                "merchant",
                "field.invalid",
                message,
            ));
            String::new()
        }
        None => {
            let message = "missing field `merchant` (the merchant's slug)";
            errors.push(RowError::new(
                line,
                external_id,
                "merchant",
                "field.missing",
                message,
            ));
            String::new()
        }
    };
    let object = Value::Object(object);
    match OrderInput::deserialize(&object) {
        Ok(input) if errors.is_empty() => Ok((merchant, input)),
        Ok(_) => Err(errors),
        Err(error) => {
            errors.extend(shape_errors(&object, &error, line, external_id));
            Err(errors)
        }
    }
}

/// Where an order's JSON does not fit its shape. serde_json alone does not
/// say which field; the server's JSON parser does, with the API's codes.
fn shape_errors(
    object: &Value,
    error: &serde_json::Error,
    line: u64,
    external_id: Option<&str>,
) -> Vec<RowError> {
    let located = serde_json::to_vec(object)
        .ok()
        .and_then(|bytes| amiable_server::json::parse::<OrderInput>(&bytes).err())
        .map(|problem| problem.errors)
        .unwrap_or_default();
    if located.is_empty() {
        let message = without_position(&error.to_string()).to_owned();
        return vec![RowError::new(
            line,
            external_id,
            "",
            "field.invalid",
            message,
        )];
    }
    located
        .into_iter()
        .map(|e| RowError::new(line, external_id, e.field, e.code, e.message))
        .collect()
}

/// serde_json ends messages with " at line L column C", where L counts lines
/// within one NDJSON line: misleading next to the file's line number.
fn without_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

// ------------------------------------------------------------------- CSV

/// The CSV columns, in the documented order (a file may order them freely).
#[derive(Debug, Clone, Copy)]
enum Column {
    Merchant,
    ExternalId,
    PlacedAt,
    Currency,
    BuyerName,
    BuyerEmail,
    BuyerPhone,
    BuyerLocale,
    ShippingMinor,
    PaymentProvider,
    TransactionId,
    CapturedMinor,
    LineId,
    Sku,
    Title,
    Category,
    Quantity,
    UnitPriceMinor,
    Flags,
    Carrier,
    TrackingNumber,
    ShippedAt,
    DeliveredAt,
}

/// Column names, in the order of [`Column`]'s variants.
const COLUMNS: [&str; 23] = [
    "merchant",
    "external_id",
    "placed_at",
    "currency",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "buyer_locale",
    "shipping_minor",
    "payment_provider",
    "transaction_id",
    "captured_minor",
    "line_id",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price_minor",
    "flags",
    "carrier",
    "tracking_number",
    "shipped_at",
    "delivered_at",
];

impl Column {
    fn name(self) -> &'static str {
        COLUMNS[self as usize]
    }
}

async fn import_csv(reader: impl Read, importer: &mut Importer<'_>) -> anyhow::Result<()> {
    // Flexible and byte records: a short row or a bad byte is one row's
    // error, reported with the row's line, not the end of the import.
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let header = CsvHeader::read(csv.byte_headers()?)?;
    let mut record = csv::ByteRecord::new();
    let mut current: Option<CsvOrder> = None;
    while csv.read_byte_record(&mut record)? {
        let row = CsvRow::decode(&record, &header);
        match &mut current {
            Some(order) if order.is_continued_by(&row) => order.add_row(row),
            _ => {
                if let Some(done) = current.replace(CsvOrder::start(row)) {
                    done.submit(importer).await?;
                }
            }
        }
    }
    if let Some(done) = current {
        done.submit(importer).await?;
    }
    importer.finish().await
}

/// Where each column is in the file.
struct CsvHeader {
    positions: [usize; COLUMNS.len()],
    width: usize,
}

impl CsvHeader {
    fn read(record: &csv::ByteRecord) -> anyhow::Result<CsvHeader> {
        if record.is_empty() {
            bail!(
                "the file is empty: a CSV import starts with a header row ({})",
                COLUMNS.join(",")
            );
        }
        let mut positions = [None; COLUMNS.len()];
        let mut unknown = Vec::new();
        let mut repeated = Vec::new();
        for (index, raw) in record.iter().enumerate() {
            let name = String::from_utf8_lossy(raw).trim().to_ascii_lowercase();
            match COLUMNS.iter().position(|column| *column == name) {
                Some(column) if positions[column].is_none() => positions[column] = Some(index),
                Some(_) => repeated.push(format!("'{name}'")),
                None => unknown.push(format!("'{name}'")),
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(&positions)
            .filter(|(_, position)| position.is_none())
            .map(|(name, _)| *name)
            .collect();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing columns: {}", missing.join(", ")));
        }
        if !unknown.is_empty() {
            problems.push(format!("unknown columns: {}", unknown.join(", ")));
        }
        if !repeated.is_empty() {
            problems.push(format!("repeated columns: {}", repeated.join(", ")));
        }
        if !problems.is_empty() {
            bail!(
                "the CSV header is not the expected one: {}. Expected (in any order): {}",
                problems.join("; "),
                COLUMNS.join(",")
            );
        }
        Ok(CsvHeader {
            positions: positions.map(|position| position.unwrap_or_default()),
            width: record.len(),
        })
    }
}

/// One CSV row, decoded and trimmed, with the problems found reading it.
struct CsvRow {
    line: u64,
    values: [String; COLUMNS.len()],
    external_id: Option<String>,
    /// Fewer or more fields than the header: the values may be shifted, so
    /// only that is reported for the row.
    misaligned: bool,
    errors: Vec<RowError>,
}

impl CsvRow {
    fn decode(record: &csv::ByteRecord, header: &CsvHeader) -> CsvRow {
        let line = record.position().map_or(0, csv::Position::line);
        let mut not_utf8 = Vec::new();
        let values: [String; COLUMNS.len()] = std::array::from_fn(|column| {
            let raw = record.get(header.positions[column]).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(text) => text.trim().to_owned(),
                Err(_) => {
                    not_utf8.push(COLUMNS[column]);
                    String::from_utf8_lossy(raw).trim().to_owned()
                }
            }
        });
        let external_id = non_empty(&values[Column::ExternalId as usize]).map(str::to_owned);
        let mut errors: Vec<RowError> = not_utf8
            .into_iter()
            .map(|column| {
                let message = "is not valid UTF-8 text";
                RowError::new(
                    line,
                    external_id.as_deref(),
                    column,
                    "csv.invalid_utf8",
                    message,
                )
            })
            .collect();
        let misaligned = record.len() != header.width;
        if misaligned {
            let message = format!(
                "this row has {} fields but the header has {}",
                record.len(),
                header.width
            );
            errors.push(RowError::new(
                line,
                external_id.as_deref(),
                "",
                "csv.field_count",
                message,
            ));
        }
        CsvRow {
            line,
            values,
            external_id,
            misaligned,
            errors,
        }
    }

    fn value(&self, column: Column) -> &str {
        &self.values[column as usize]
    }

    fn take(&mut self, column: Column) -> String {
        std::mem::take(&mut self.values[column as usize])
    }

    fn optional(&mut self, column: Column) -> Option<String> {
        Some(self.take(column)).filter(|value| !value.is_empty())
    }

    /// A required whole number; `None` (and an error) when it is not one.
    fn integer(&mut self, column: Column) -> Option<i64> {
        let value = self.value(column);
        match value.parse::<i64>() {
            Ok(number) => Some(number),
            Err(_) if self.misaligned => None,
            Err(_) => {
                let mut message = if value.is_empty() {
                    "a whole number is required".to_owned()
                } else {
                    format!("'{value}' is not a whole number")
                };
                if column.name().ends_with("_minor") {
                    message.push_str(" of minor units (19,90 € is 1990)");
                }
                self.errors.push(RowError::new(
                    self.line,
                    self.external_id.as_deref(),
                    column.name(),
                    "number.invalid",
                    message,
                ));
                None
            }
        }
    }

    fn optional_integer(&mut self, column: Column) -> Option<i64> {
        if self.value(column).is_empty() {
            None
        } else {
            self.integer(column)
        }
    }
}

/// The rows of one order, read so far.
struct CsvOrder {
    /// The line of the order's first row.
    line: u64,
    merchant: String,
    input: OrderInput,
    /// The line of each order line's row.
    row_lines: Vec<u64>,
    errors: Vec<RowError>,
}

impl CsvOrder {
    fn start(mut row: CsvRow) -> CsvOrder {
        let payment = if row.value(Column::PaymentProvider).is_empty()
            && row.value(Column::TransactionId).is_empty()
            && row.value(Column::CapturedMinor).is_empty()
        {
            None
        } else {
            Some(PaymentInput {
                provider: row.take(Column::PaymentProvider),
                transaction_id: row.take(Column::TransactionId),
                captured_minor: row.integer(Column::CapturedMinor).unwrap_or_default(),
            })
        };
        let input = OrderInput {
            external_id: row.take(Column::ExternalId),
            placed_at: row.take(Column::PlacedAt),
            currency: row.take(Column::Currency),
            buyer: BuyerInput {
                name: row.take(Column::BuyerName),
                email: row.take(Column::BuyerEmail),
                phone: row.optional(Column::BuyerPhone),
                locale: row.optional(Column::BuyerLocale),
            },
            lines: Vec::new(),
            shipping_minor: row.optional_integer(Column::ShippingMinor),
            payment,
            shipments: Vec::new(),
            shipping_address: None,
        };
        let mut order = CsvOrder {
            line: row.line,
            merchant: row.take(Column::Merchant),
            input,
            row_lines: Vec::new(),
            errors: Vec::new(),
        };
        order.add_row(row);
        order
    }

    fn is_continued_by(&self, row: &CsvRow) -> bool {
        row.value(Column::Merchant) == self.merchant
            && row.value(Column::ExternalId) == self.input.external_id
    }

    /// Adds the row's line, and ships it if the row names a carrier.
    fn add_row(&mut self, mut row: CsvRow) {
        let position = self.input.lines.len() + 1;
        let line_id = row.optional(Column::LineId);
        let quantity = row.integer(Column::Quantity);
        let unit_price_minor = row.integer(Column::UnitPriceMinor);
        let flags = row
            .take(Column::Flags)
            .split('|')
            .map(str::trim)
            .filter(|flag| !flag.is_empty())
            .map(str::to_owned)
            .collect();
        let carrier = row.take(Column::Carrier);
        let tracking_number = row.optional(Column::TrackingNumber);
        let shipped_at = row.optional(Column::ShippedAt);
        let delivered_at = row.optional(Column::DeliveredAt);
        if carrier.is_empty() {
            let shipped =
                tracking_number.is_some() || shipped_at.is_some() || delivered_at.is_some();
            if shipped && !row.misaligned {
                row.errors.push(RowError::new(
                    row.line,
                    row.external_id.as_deref(),
                    Column::Carrier.name(),
                    "shipment.no_carrier",
                    "a shipped line needs its carrier",
                ));
            }
        } else {
            let parcel = self.input.shipments.iter().position(|shipment| {
                shipment.carrier == carrier && shipment.tracking_number == tracking_number
            });
            let parcel = match parcel {
                Some(index) => index,
                None => {
                    self.input.shipments.push(ShipmentInput {
                        shipment_id: None,
                        carrier,
                        tracking_number,
                        shipped_at,
                        delivered_at,
                        lines: Vec::new(),
                    });
                    self.input.shipments.len() - 1
                }
            };
            if let Some(quantity) = quantity {
                self.input.shipments[parcel].lines.push(ShipmentLineInput {
                    // The order checks give a line without id its position.
                    line_id: line_id.clone().unwrap_or_else(|| position.to_string()),
                    quantity,
                });
            }
        }
        self.input.lines.push(LineInput {
            line_id,
            sku: row.take(Column::Sku),
            title: row.take(Column::Title),
            category: row.take(Column::Category),
            quantity: quantity.unwrap_or_default(),
            unit_price_minor: unit_price_minor.unwrap_or_default(),
            flags,
        });
        self.row_lines.push(row.line);
        self.errors.append(&mut row.errors);
    }

    async fn submit(self, importer: &mut Importer<'_>) -> anyhow::Result<()> {
        if self.errors.is_empty() {
            importer
                .accept(self.line, &self.merchant, self.input, Some(&self.row_lines))
                .await
        } else {
            importer.reject(self.errors);
            Ok(())
        }
    }
}
