//! Messages and internal notes, with their files.

use super::*;

const MESSAGE: ActionForm = ActionForm {
    name: "message",
    fields: &["body"],
    guarded: false,
};

const NOTE: ActionForm = ActionForm {
    name: "note",
    fields: &["body"],
    guarded: false,
};

action!(
    /// `POST /console/cases/{case_id}/do/message`.
    message,
    MESSAGE,
    |a| write(&a, "message")
);

action!(
    /// `POST /console/cases/{case_id}/do/note`.
    note,
    NOTE,
    |a| write(&a, "note")
);

async fn write(a: &Acting<'_>, action: &str) -> Result<&'static str, Failure> {
    let state = a.state;
    let principal = &a.principal;
    let case_id = a.case_id;
    let ui = &a.ui;
    let form = a.form();
    let record = &a.record;
    let submission = a.submission;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let mut text = form.text("body").to_owned();
    // Without JavaScript, an empty message with a macro chosen sends the macro.
    if text.is_empty() && action == "message" && !form.text("macro").is_empty() {
        text = state
            .app()
            .macro_text(principal, form.text("macro"), case_id)
            .await?;
    }
    let body = match Body::parse(&text) {
        Ok(body) => Some(body),
        Err(_) if text.is_empty() && !submission.uploads.is_empty() => None,
        Err(e) => {
            errors.add_text("body", &e, ui.lang, "message-empty");
            None
        }
    };
    if submission.too_large {
        errors.add("files", ui.t("photos-too-large"));
    }
    if submission.too_many {
        errors.add(
            "files",
            ui.ta("photos-too-many", "count", crate::web::form::MAX_FILES),
        );
    }
    // Files are checked before the text is written: all of it goes in, or nothing.
    if !submission.uploads.is_empty() {
        let order = record_order(state, record).await?;
        let possible = shared::possible(state, principal, &record.state, &order).await?;
        if !possible.contains(&Possible::AttachFile) {
            // The page offers no file field then: the message goes to the form's top.
            errors.add_general(ui.t("files-not-now"));
        }
    }
    for upload in &submission.uploads {
        if amiable_domain::sniff::sniff(&upload.bytes).is_none() {
            errors.add(
                "files",
                ui.ta(
                    "files-wrong-type",
                    "name",
                    upload.filename.as_deref().unwrap_or("?"),
                ),
            );
        }
    }
    check(errors)?;
    let internal = action == "note";
    if let Some(body) = body {
        if internal {
            run(
                Action::AddNote,
                Command::Conversation(ConversationCommand::AddNote { body }),
            )
            .await?;
        } else {
            run(
                Action::PostMessage,
                Command::Conversation(ConversationCommand::PostMessage { body }),
            )
            .await?;
        }
    }
    for upload in &submission.uploads {
        state
            .app()
            .attach(
                principal,
                case_id,
                None,
                upload.filename.as_deref(),
                &upload.bytes,
                if internal {
                    Visibility::Internal
                } else {
                    Visibility::Public
                },
            )
            .await?;
    }
    Ok(if internal {
        "note-added"
    } else {
        "message-sent"
    })
}
