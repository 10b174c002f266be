//! Prepaid return labels: book the shipment with the carrier, render the PDF,
//! store it as the case's attachment, and record `label_issued`.

use crate::ports::carrier::ReturnShipmentRequest;
use crate::{App, Error, Kind};
use amiable_domain::case::ReturnCommand;
use amiable_domain::case::{Actor, AttachmentRef, CaseState, Command, ReturnLabel};
use amiable_domain::contact::PostalAddress;
use amiable_domain::law::LawPack;
use amiable_domain::order::Order;
use amiable_domain::text::Label;
use amiable_labels::{Address, LabelSpec, Language, PageSize};
use amiable_store::{CommandOutcome, CommandRequest};
use jiff::{SignedDuration, Timestamp};

/// Default weight when the merchant does not give one (1 kg).
pub const DEFAULT_WEIGHT_GRAMS: u32 = 1000;

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

/// The merchant's return address (merchant setting `return_address`).
async fn return_address(app: &App, case: &CaseState) -> Result<Address, Error> {
    let merchant = app
        .store()
        .merchant(case.merchant_id)
        .await?
        .ok_or_else(|| Error::not_found("merchant"))?;
    let postal: Option<PostalAddress> = merchant
        .settings
        .get("return_address")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    match postal {
        Some(postal) if postal.check("return_address").is_ok() => {
            Ok(address(&postal, &merchant.name))
        }
        _ => Err(Error::invalid_field(
            "return_address",
            "label.return_address_missing",
            "the merchant has no valid return address: set it in the merchant's settings",
        )),
    }
}

fn sender(order: &Order) -> Address {
    match &order.shipping_address {
        Some(postal) => address(postal, order.buyer.name.as_str()),
        // No delivery address imported: the buyer writes it on the parcel.
        None => Address {
            name: order.buyer.name.as_str().to_owned(),
            lines: vec![String::new()],
            postal_code: String::new(),
            city: String::new(),
            country: String::new(),
        },
    }
}

fn language(order: &Order) -> Language {
    if order.buyer.locale == amiable_domain::contact::Locale::En {
        Language::En
    } else {
        Language::Fr
    }
}

fn date_text(law: &LawPack, at: Timestamp, language: Language) -> String {
    let date = law.date_of(at);
    match language {
        Language::Fr => date.strftime("%d/%m/%Y").to_string(),
        Language::En => date.strftime("%Y-%m-%d").to_string(),
    }
}

/// The label's content, from the case as recorded.
fn spec(
    app: &App,
    case: &CaseState,
    order: &Order,
    to: Address,
    label: &ReturnLabel,
    law: &LawPack,
) -> LabelSpec {
    let progress = case.returns.as_ref();
    let language = language(order);
    let items = progress
        .map(|r| {
            r.lines
                .iter()
                .map(|l| {
                    let title = order
                        .line(&l.line_id)
                        .map(|line| line.title.as_str().to_owned())
                        .unwrap_or_else(|| l.line_id.to_string());
                    format!("{} × {}", l.quantity.get(), title)
                })
                .collect()
        })
        .unwrap_or_default();
    let base = app.public_url();
    let qr_payload = if base.is_empty() {
        format!("amiable:case:{}", case.case_id)
    } else {
        // The buyer's page of the return (`/suivi/dossier/{id}`): a phone opens it.
        format!("{base}/suivi/dossier/{}", case.case_id)
    };
    LabelSpec {
        rma: progress.and_then(|r| r.rma.clone()).unwrap_or_default(),
        tracking_number: label.tracking_number.as_str().to_owned(),
        carrier_name: label.carrier.as_str().to_owned(),
        service: amiable_i18n::message(
            match language {
                Language::Fr => amiable_i18n::Lang::Fr,
                Language::En => amiable_i18n::Lang::En,
            },
            "label-service",
            None,
        ),
        from: sender(order),
        to,
        weight_grams: label.weight_grams,
        parcel_count: label.parcel_count,
        order_reference: order.external_id.to_string(),
        issued_on: date_text(law, label.issued_at, language),
        expires_on: date_text(law, label.expires_at, language),
        items,
        qr_payload,
        language,
    }
}

fn render_problem(error: amiable_labels::LabelError) -> Error {
    tracing::warn!(%error, "label rendering refused");
    Error::invalid_field("rma", "label.unprintable", &error.to_string())
}

/// Books, renders, stores and records a label for an authorised return.
pub(crate) async fn issue(
    app: &App,
    case: &CaseState,
    actor: Actor,
    weight_grams: u32,
    parcel_count: u32,
) -> Result<CommandOutcome, Error> {
    let Some(progress) = case.returns.as_ref() else {
        return Err(Error::invalid_field(
            "case_id",
            "return.not_a_return",
            "this case has no return to label",
        ));
    };
    let Some(rma) = progress.rma.clone() else {
        return Err(Error::invalid_field(
            "rma",
            "label.return_not_authorised",
            "a label is issued for an authorised return",
        ));
    };
    // Refuse before booking anything with the carrier.
    if progress.returnless {
        return Err(Error::invalid_field(
            "rma",
            "label.returnless",
            "the buyer keeps the items: no label",
        ));
    }
    if case.status != amiable_domain::case::CaseStatus::Open
        || !matches!(
            progress.stage,
            amiable_domain::case::ReturnStage::Authorised
                | amiable_domain::case::ReturnStage::LabelExpired
        )
    {
        return Err(amiable_store::CommandError::Rejected(
            amiable_domain::case::Rejection::ReturnStage {
                command: "issue_label",
                stage: progress.stage,
            },
        )
        .into());
    }
    if !(1..=amiable_labels::MAX_PARCELS).contains(&parcel_count) {
        return Err(Error::invalid_field(
            "parcel_count",
            "label.invalid_parcel",
            "from 1 to 20 parcels",
        ));
    }
    if !(1..=70_000).contains(&weight_grams) {
        return Err(Error::invalid_field(
            "weight_grams",
            "label.invalid_weight",
            "from 1 g to 70 kg",
        ));
    }
    let order = app
        .store()
        .order(case.order_id)
        .await?
        .ok_or_else(|| Error::not_found("order"))?
        .order;
    let to = return_address(app, case).await?;
    let policy = app
        .store()
        .effective_policy(case.operator_id, case.merchant_id, order.placed_at)
        .await?;
    let shipment = app
        .carrier()
        .create_return(&ReturnShipmentRequest {
            rma: rma.clone(),
            from: sender(&order),
            to: to.clone(),
            weight_grams,
            parcel_count,
        })
        .await
        .map_err(|error| {
            tracing::warn!(%error, "the carrier refused the return shipment");
            Error::new(
                Kind::Unavailable,
                "label.carrier_unavailable",
                error.to_string(),
            )
        })?;
    let now = Timestamp::now();
    let expires_at = now
        .saturating_add(SignedDuration::from_hours(
            24 * i64::from(policy.policy.label_expiry_days),
        ))
        .unwrap_or(now);
    let text = |value: &str| {
        Label::parse(value)
            .map_err(|_| Error::invalid_field("carrier", "label.carrier_invalid", value))
    };
    let mut label = ReturnLabel {
        carrier: text(&shipment.carrier_name)?,
        tracking_number: text(&shipment.tracking_number)?,
        attachment: AttachmentRef {
            sha256: String::new(),
            filename: text(&format!("etiquette-retour-{rma}.pdf"))?,
            content_type: text("application/pdf")?,
            size_bytes: 0,
        },
        issued_at: now,
        expires_at,
        parcel_count,
        weight_grams,
    };
    let law = app.store().rules_pack(case.operator_id).await?;
    let pdf = amiable_labels::render(&spec(app, case, &order, to, &label, law), PageSize::A6)
        .map_err(render_problem)?;
    let blob = app.blobs().put(&pdf).await.map_err(|error| {
        tracing::error!(%error, "cannot store a label");
        Error::internal()
    })?;
    label.attachment.sha256 = blob.sha256;
    label.attachment.size_bytes = blob.size_bytes;
    let request = CommandRequest {
        case_id: case.case_id,
        expected_version: Some(case.version),
        command: Command::Returns(ReturnCommand::IssueLabel { label }),
        actor,
        order_id: None,
        at: None,
    };
    Ok(app.store().execute(request).await?)
}

/// The label of a case rendered again, A6 or A4 (deterministic: the A6 is
/// byte for byte the stored attachment).
pub(crate) async fn render(app: &App, case: &CaseState, size: PageSize) -> Result<Vec<u8>, Error> {
    let Some(label) = case.returns.as_ref().and_then(|r| r.label.clone()) else {
        return Err(Error::not_found("label"));
    };
    let order = app
        .store()
        .order(case.order_id)
        .await?
        .ok_or_else(|| Error::not_found("order"))?
        .order;
    let to = return_address(app, case).await?;
    let law = app.store().rules_pack(case.operator_id).await?;
    amiable_labels::render(&spec(app, case, &order, to, &label, law), size).map_err(render_problem)
}
