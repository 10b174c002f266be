//! One action on many cases at once: assign them, answer them with a macro, or
//! close them. Each case is its own command (its own access check, its own
//! refusal), so one case out of reach or in the wrong state never stops the
//! others, and nothing is written for it.

use super::AssignTarget;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{Command, LifecycleCommand};
use amiable_domain::ids::CaseId;

/// Most cases one bulk action takes.
pub const MAX_BULK: usize = 100;

/// What to do to each case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Assign(AssignTarget),
    /// Sends the macro, filled in for each case in its buyer's language.
    ReplyWithMacro {
        macro_id: String,
    },
    /// Closes the case (a resolved one).
    Close,
}

impl BulkAction {
    /// The access each case's command needs.
    pub fn action(&self) -> Action {
        match self {
            BulkAction::Assign(_) => Action::AssignCase,
            BulkAction::ReplyWithMacro { .. } => Action::PostMessage,
            BulkAction::Close => Action::Close,
        }
    }
}

/// What happened to one case: its new version, or why nothing was written.
#[derive(Debug, Clone)]
pub struct BulkOutcome {
    pub case_id: CaseId,
    pub result: Result<i64, Error>,
}

impl App {
    /// Runs `action` on each case, in the order given; the list is refused as a whole
    /// only when it is empty, too long or names a case twice (or the caller's role
    /// may never do this).
    pub async fn bulk(
        &self,
        principal: &Principal,
        case_ids: &[CaseId],
        action: &BulkAction,
    ) -> Result<Vec<BulkOutcome>, Error> {
        crate::access::allow_role(principal, Action::AssignCase)?;
        crate::access::allow_role(principal, action.action())?;
        if case_ids.is_empty() {
            return Err(Error::invalid_field(
                "case_ids",
                "bulk.empty",
                "choose at least one case",
            ));
        }
        if case_ids.len() > MAX_BULK {
            return Err(Error::invalid_field(
                "case_ids",
                "bulk.too_many",
                "at most 100 cases at once",
            )
            .with("max", MAX_BULK as i64));
        }
        for (index, id) in case_ids.iter().enumerate() {
            if case_ids[..index].contains(id) {
                return Err(Error::invalid_field(
                    &format!("case_ids[{index}]"),
                    "bulk.case_repeated",
                    "this case is already in the list",
                ));
            }
        }
        // A macro named in the body that does not exist (or is out of reach) refuses
        // the whole list, like any other field.
        if let BulkAction::ReplyWithMacro { macro_id } = action {
            self.macro_for(principal, macro_id, Action::ReadSettings)
                .await
                .map_err(|error| match error.kind {
                    crate::Kind::NotFound => {
                        Error::invalid_field("action.macro_id", "macro.not_found", "no such macro")
                    }
                    _ => error,
                })?;
        }
        let mut outcomes = Vec::with_capacity(case_ids.len());
        for &case_id in case_ids {
            let result = match action {
                BulkAction::Assign(target) => {
                    self.assign(principal, case_id, None, target.clone()).await
                }
                BulkAction::ReplyWithMacro { macro_id } => {
                    self.reply_with_macro(principal, case_id, None, macro_id)
                        .await
                }
                BulkAction::Close => {
                    self.execute_for(
                        principal,
                        case_id,
                        Action::Close,
                        None,
                        Command::Lifecycle(LifecycleCommand::Close),
                    )
                    .await
                }
            };
            outcomes.push(BulkOutcome {
                case_id,
                result: result.map(|outcome| outcome.version),
            });
        }
        Ok(outcomes)
    }
}
