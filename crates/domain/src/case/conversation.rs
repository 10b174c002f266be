//! The conversation family: public messages, internal notes and attachments.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{invalid, require_party, require_status};
use super::model::*;
use super::state::CaseState;
use crate::text::Body;
use serde::{Deserialize, Serialize};

use CaseStatus::{Cancelled, Closed, Open, Resolved};
use Party::{Buyer, Merchant, Operator, Provider, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum ConversationCommand {
    PostMessage {
        body: Body,
    },
    AddNote {
        body: Body,
    },
    AttachFile {
        attachment: AttachmentRef,
        visibility: Visibility,
    },
}

impl ConversationCommand {
    pub const NAMES: &'static [&'static str] = &["post_message", "add_note", "attach_file"];

    pub fn name(&self) -> &'static str {
        match self {
            ConversationCommand::PostMessage { .. } => "post_message",
            ConversationCommand::AddNote { .. } => "add_note",
            ConversationCommand::AttachFile { .. } => "attach_file",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConversationEvent {
    MessagePosted {
        body: Body,
    },
    NoteAdded {
        body: Body,
    },
    AttachmentAdded {
        attachment: AttachmentRef,
        visibility: Visibility,
    },
}

impl ConversationEvent {
    pub const TYPES: &'static [&'static str] =
        &["message_posted", "note_added", "attachment_added"];

    pub fn event_type(&self) -> &'static str {
        match self {
            ConversationEvent::MessagePosted { .. } => "message_posted",
            ConversationEvent::NoteAdded { .. } => "note_added",
            ConversationEvent::AttachmentAdded { .. } => "attachment_added",
        }
    }

    /// Internal notes and internal files stay with staff.
    pub fn is_public(&self) -> bool {
        match self {
            ConversationEvent::MessagePosted { .. } => true,
            ConversationEvent::NoteAdded { .. } => false,
            ConversationEvent::AttachmentAdded { visibility, .. } => {
                *visibility == Visibility::Public
            }
        }
    }
}

pub(super) fn decide(
    state: &CaseState,
    command: &ConversationCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let event = match command {
        ConversationCommand::PostMessage { body } => {
            require_party(name, party, &[Buyer, Merchant, Operator, Provider])?;
            require_status(name, state, &[Open, Resolved])?;
            ConversationEvent::MessagePosted { body: body.clone() }
        }
        ConversationCommand::AddNote { body } => {
            require_party(name, party, &[Merchant, Operator, System])?;
            require_status(name, state, &[Open, Resolved, Closed, Cancelled])?;
            ConversationEvent::NoteAdded { body: body.clone() }
        }
        ConversationCommand::AttachFile {
            attachment,
            visibility,
        } => {
            if *visibility == Visibility::Internal {
                require_party(name, party, &[Merchant, Operator, System])?;
            } else {
                require_party(name, party, &[Buyer, Merchant, Operator, Provider, System])?;
            }
            require_status(name, state, &[Open, Resolved])?;
            check_attachment(attachment)?;
            ConversationEvent::AttachmentAdded {
                attachment: attachment.clone(),
                visibility: *visibility,
            }
        }
    };
    Ok(vec![event.into()])
}

pub(super) fn evolve(state: &mut CaseState, event: &ConversationEvent, party: Party) {
    match event {
        ConversationEvent::MessagePosted { .. } => {
            state.public_messages += 1;
            if state.status == CaseStatus::Open {
                state.waiting_on = state.counterpart_of(party);
            }
        }
        ConversationEvent::NoteAdded { .. } => state.internal_notes += 1,
        ConversationEvent::AttachmentAdded { .. } => state.attachments += 1,
    }
}

pub(super) fn check_attachment(attachment: &AttachmentRef) -> Result<(), Rejection> {
    let hex_ok = attachment.sha256.len() == 64
        && attachment
            .sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if !hex_ok {
        return Err(invalid(
            "attachment.sha256",
            "attachment.invalid_hash",
            "must be 64 lower-case hex digits",
        ));
    }
    if attachment.size_bytes == 0 {
        return Err(invalid(
            "attachment.size_bytes",
            "attachment.empty",
            "an attachment has content",
        ));
    }
    Ok(())
}
