//! Attachments: images and PDFs, typed by their content (never their name),
//! stored once on disk under their SHA-256 *before* the event that names them
//! is appended, and read back by whoever may see that event.

use crate::cases::is_public;
use crate::{App, Error, Kind};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{
    AttachmentRef, CaseEvent, Command, ConversationCommand, ConversationEvent, DeclaredShipment,
    ReturnCommand, ReturnEvent, Visibility,
};
use amiable_domain::ids::CaseId;
use amiable_domain::sniff::{Sniffed, sniff};
use amiable_domain::text::Label;
use amiable_domain::validation::FieldError;
use amiable_store::{CommandOutcome, CommandRequest};

/// What an upload really is, or the refusal of its type.
pub fn check_upload(bytes: &[u8]) -> Result<Sniffed, Error> {
    sniff(bytes).ok_or_else(|| {
        Error::new(
            Kind::UnsupportedType,
            "attachment.type_not_allowed",
            "only images (JPEG, PNG, WebP, GIF, HEIC) and PDF files are accepted",
        )
        .with_fields([FieldError::new(
            "file",
            "attachment.type_not_allowed",
            "only images and PDF files are accepted",
        )])
    })
}

/// A filename safe to record: no path, no control characters, bounded.
pub fn clean_filename(raw: Option<&str>, extension: &str) -> String {
    let base = raw
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let base = base.trim();
    if base.is_empty() {
        format!("piece-jointe.{extension}")
    } else {
        base.chars().take(200).collect()
    }
}

/// The deposit receipt of a declared shipment.
pub enum Receipt<'a> {
    None,
    /// A file already on the case's timeline.
    Known(&'a str),
    /// A new file.
    New {
        filename: Option<&'a str>,
        bytes: &'a [u8],
    },
}

/// A file of a case, as recorded and as stored.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub attachment: AttachmentRef,
    pub bytes: Vec<u8>,
}

impl App {
    /// Stores a file (typed by its content) and records it on the case's timeline.
    /// The access to the case is checked here, like every command's.
    pub async fn attach(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        filename: Option<&str>,
        bytes: &[u8],
        visibility: Visibility,
    ) -> Result<CommandOutcome, Error> {
        self.allow_on_case(principal, Action::AttachFile, case_id)
            .await?;
        let sniffed = check_upload(bytes)?;
        // The bytes are stored first: an event never names a file that is not there.
        // A command refused afterwards leaves an unreferenced blob, which is harmless.
        let blob = self
            .blobs()
            .put(bytes)
            .await
            .map_err(|error| Error::internal_because("cannot store an attachment", error))?;
        let label =
            |text: String| Label::parse(&text).map_err(|e| Error::validation(e.at("file").into()));
        let attachment = AttachmentRef {
            sha256: blob.sha256,
            filename: label(clean_filename(filename, sniffed.extension))?,
            content_type: label(sniffed.content_type.to_owned())?,
            size_bytes: blob.size_bytes,
        };
        let request = CommandRequest {
            case_id,
            expected_version: expected,
            command: Command::Conversation(ConversationCommand::AttachFile {
                attachment,
                visibility,
            }),
            actor: principal.actor(),
            order_id: None,
            at: None,
        };
        Ok(self.store().execute(request).await?)
    }

    /// Records a return parcel the buyer sent at their own cost (carrier, tracking
    /// number, when, and the deposit receipt): the proof of shipment that ends the
    /// refund hold of C. conso L221-24. The receipt is a new file (stored before the
    /// event names it) or one already on the case's timeline, by its SHA-256.
    #[allow(clippy::too_many_arguments)]
    pub async fn declare_shipment(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        carrier: Label,
        tracking_number: Label,
        shipped_at: Option<jiff::Timestamp>,
        receipt: Receipt<'_>,
    ) -> Result<CommandOutcome, Error> {
        self.allow_on_case(principal, Action::ShipReturn, case_id)
            .await?;
        let receipt = match receipt {
            Receipt::None => None,
            Receipt::Known(sha256) => Some(
                self.case_file(principal, case_id, sha256)
                    .await
                    .map_err(|_| {
                        Error::invalid_field(
                            "receipt_sha256",
                            "attachment.not_found",
                            "no file with this SHA-256 on the case: upload it first",
                        )
                    })?
                    .attachment,
            ),
            Receipt::New { filename, bytes } => {
                let sniffed = check_upload(bytes)?;
                let blob = self.blobs().put(bytes).await.map_err(|error| {
                    Error::internal_because("cannot store an attachment", error)
                })?;
                let label = |text: String| {
                    Label::parse(&text).map_err(|e| Error::validation(e.at("receipt").into()))
                };
                Some(AttachmentRef {
                    sha256: blob.sha256,
                    filename: label(clean_filename(filename, sniffed.extension))?,
                    content_type: label(sniffed.content_type.to_owned())?,
                    size_bytes: blob.size_bytes,
                })
            }
        };
        let request = CommandRequest {
            case_id,
            expected_version: expected,
            command: Command::Returns(ReturnCommand::DeclareShipment {
                shipment: DeclaredShipment {
                    carrier,
                    tracking_number,
                    shipped_at: shipped_at.unwrap_or_else(jiff::Timestamp::now),
                    receipt,
                },
            }),
            actor: principal.actor(),
            order_id: None,
            at: None,
        };
        Ok(self.store().execute(request).await?)
    }

    /// A file of the case's timeline, to whoever may see the entry that added it:
    /// internal files are for staff only.
    pub async fn case_file(
        &self,
        principal: &Principal,
        case_id: CaseId,
        sha256: &str,
    ) -> Result<CaseFile, Error> {
        let resource = self
            .allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        let internal = crate::access::may(principal, Action::ReadInternal, &resource);
        let timeline = self.store().timeline(case_id).await?;
        let attachment = timeline
            .iter()
            .filter(|e| internal || is_public(&e.event))
            .find_map(|e| match &e.event {
                CaseEvent::Conversation(ConversationEvent::AttachmentAdded {
                    attachment, ..
                }) if attachment.sha256 == sha256 => Some(attachment.clone()),
                CaseEvent::Returns(ReturnEvent::ShipmentDeclared { shipment }) => shipment
                    .receipt
                    .as_ref()
                    .filter(|r| r.sha256 == sha256)
                    .cloned(),
                _ => None,
            })
            .ok_or_else(|| Error::not_found("attachment"))?;
        let bytes = self
            .blobs()
            .open(&attachment.sha256)
            .await
            .map_err(|error| Error::internal_because("cannot read an attachment", error))?
            .ok_or_else(|| {
                tracing::error!(sha256 = %attachment.sha256, "attachment missing from disk");
                Error::not_found("attachment")
            })?;
        Ok(CaseFile { attachment, bytes })
    }
}
