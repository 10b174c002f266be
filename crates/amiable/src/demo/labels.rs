//! Return labels of the demo, made the way the server makes them
//! (`crates/server/src/labels.rs`): booked with the local carrier, rendered
//! as an A6 PDF, stored as the case's attachment. The PDF is rendered while
//! planning and stored when the case is written; the blob store names it by
//! its hash, which the `issue_label` command then records.

use super::cases::Casting;
use super::clock::timestamp;
use super::orders::DemoOrder;
use amiable_app::ports::carrier::{Carrier as _, LocalCarrier};
use amiable_domain::case::{AttachmentRef, ReturnLabel};
use amiable_domain::contact::{Locale, PostalAddress};
use amiable_domain::ids::CaseId;
use amiable_domain::law::LawPack;
use amiable_domain::text::Label;
use amiable_labels::{Address, LabelSpec, Language, PageSize};
use anyhow::{Context as _, Result, anyhow};

/// Every demo parcel weighs the server's default: 1 kg.
const WEIGHT_GRAMS: u32 = 1000;

fn label(text: &str) -> Result<Label> {
    Label::parse(text).map_err(|e| anyhow!("demo label text ({e}): {text}"))
}

/// The label the local carrier books for `rma`, valid from `issued_at` to
/// `expires_at` (seconds). Its attachment is named once the PDF is stored.
pub(crate) fn book(rma: &str, issued_at: i64, expires_at: i64) -> Result<ReturnLabel> {
    Ok(ReturnLabel {
        carrier: label(LocalCarrier.name())?,
        tracking_number: label(&LocalCarrier::tracking_number(rma))?,
        attachment: AttachmentRef {
            sha256: String::new(),
            filename: label(&format!("etiquette-retour-{rma}.pdf"))?,
            content_type: label("application/pdf")?,
            size_bytes: 0,
        },
        issued_at: timestamp(issued_at)?,
        expires_at: timestamp(expires_at)?,
        parcel_count: 1,
        weight_grams: WEIGHT_GRAMS,
    })
}

fn address(postal: &PostalAddress, fallback_name: &str) -> Address {
    Address {
        name: postal
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_owned()),
        lines: postal.lines.clone(),
        postal_code: postal.postal_code.clone(),
        city: postal.city.clone(),
        country: postal.country.clone(),
    }
}

/// The A6 PDF of `return_label`, byte for byte what the server renders for
/// the case (no public URL configured: the QR code names the case).
pub(crate) fn render(
    order: &DemoOrder,
    case_id: CaseId,
    casting: &Casting,
    return_label: &ReturnLabel,
    public_url: &str,
) -> Result<Vec<u8>> {
    let spec = order.merchant();
    let to: PostalAddress = serde_json::from_value(spec.return_address())
        .context("the demo merchant's return address")?;
    let from = order
        .order
        .shipping_address
        .as_ref()
        .context("a demo order without a delivery address")?;
    let language = if order.order.buyer.locale == Locale::En {
        Language::En
    } else {
        Language::Fr
    };
    let law = LawPack::france();
    let date = |at: jiff::Timestamp| {
        let day = law.date_of(at);
        match language {
            Language::Fr => day.strftime("%d/%m/%Y").to_string(),
            Language::En => day.strftime("%Y-%m-%d").to_string(),
        }
    };
    let items = casting
        .lines
        .iter()
        .map(|&i| {
            let id = &order.lines[i].line_id;
            let line = order
                .order
                .lines
                .iter()
                .find(|l| l.line_id.as_str() == id)
                .with_context(|| format!("line {id} of {}", order.external_id))?;
            Ok(format!("{} × {}", line.quantity.get(), line.title.as_str()))
        })
        .collect::<Result<_>>()?;
    let content = LabelSpec {
        rma: amiable_domain::returns::rma_for(&case_id),
        tracking_number: return_label.tracking_number.as_str().to_owned(),
        carrier_name: return_label.carrier.as_str().to_owned(),
        service: match language {
            Language::Fr => "Retour prépayé".to_owned(),
            Language::En => "Prepaid return".to_owned(),
        },
        from: address(from, order.order.buyer.name.as_str()),
        to: address(&to, spec.name),
        weight_grams: return_label.weight_grams,
        parcel_count: return_label.parcel_count,
        order_reference: order.external_id.clone(),
        issued_on: date(return_label.issued_at),
        expires_on: date(return_label.expires_at),
        items,
        // The buyer's page of the return: a phone scanning the label opens it.
        qr_payload: format!(
            "{}/suivi/dossier/{case_id}",
            public_url.trim_end_matches('/')
        ),
        language,
    };
    amiable_labels::render(&content, PageSize::A6).map_err(|e| anyhow!("rendering a label: {e}"))
}
