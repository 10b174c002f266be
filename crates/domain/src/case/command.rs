//! What someone asks to do with a case, grouped by family.
//!
//! Each family (lifecycle, conversation, escalation, returns, money) has its
//! own command enum, its own events and its own decider in its module;
//! [`Command`] only says which family a command belongs to. Every match on a
//! family's commands is exhaustive, so a new command is a change the compiler
//! walks you through: its family's decider, its name, the API or page that
//! sends it. A new family is a new module and one more variant here.
//!
//! The JSON form is flat, `{"command": "post_message", …}`, whatever the
//! family: families are how the code is organised, not a wire format.

use super::conversation::ConversationCommand;
use super::escalation::EscalationCommand;
use super::helpdesk::HelpdeskCommand;
use super::incident::IncidentCommand;
use super::lifecycle::LifecycleCommand;
use super::mediation::MediationCommand;
use super::money::MoneyCommand;
use super::returns::ReturnCommand;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A command, by family. Every field is already a checked value; the rules
/// that need the case or its order are checked by the family's decider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Lifecycle(LifecycleCommand),
    Conversation(ConversationCommand),
    Escalation(EscalationCommand),
    Returns(ReturnCommand),
    Money(MoneyCommand),
    Incident(IncidentCommand),
    Mediation(MediationCommand),
    Helpdesk(HelpdeskCommand),
}

/// The families of commands and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Opening, resolving, reopening, closing, cancelling.
    Lifecycle,
    /// Messages, internal notes, attachments.
    Conversation,
    /// Offers, the escalation ladder and binding decisions.
    Escalation,
    /// The return's journey: authorisation, label, parcel, receipt, inspection.
    Returns,
    /// Refunds, store credit, exchanges, compensation and their reminders.
    Money,
    /// Responsibility, late delivery, the carrier claim, the replacement parcel.
    Incident,
    /// Private channels, information requests, appeals, the consumer mediator.
    Mediation,
    /// Assignment, service-level alerts, automation firings, status updates.
    Helpdesk,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::Lifecycle,
        Family::Conversation,
        Family::Escalation,
        Family::Returns,
        Family::Money,
        Family::Incident,
        Family::Mediation,
        Family::Helpdesk,
    ];

    /// The command names of the family, as in `{"command": …}`.
    pub fn command_names(self) -> &'static [&'static str] {
        match self {
            Family::Lifecycle => LifecycleCommand::NAMES,
            Family::Conversation => ConversationCommand::NAMES,
            Family::Escalation => EscalationCommand::NAMES,
            Family::Returns => ReturnCommand::NAMES,
            Family::Money => MoneyCommand::NAMES,
            Family::Incident => IncidentCommand::NAMES,
            Family::Mediation => MediationCommand::NAMES,
            Family::Helpdesk => HelpdeskCommand::NAMES,
        }
    }

    /// The family of a command name.
    pub fn of_command(name: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|family| family.command_names().contains(&name))
    }
}

impl Command {
    /// Every command name, family by family.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Family::ALL
            .into_iter()
            .flat_map(|family| family.command_names().iter().copied())
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::Lifecycle(command) => command.name(),
            Command::Conversation(command) => command.name(),
            Command::Escalation(command) => command.name(),
            Command::Returns(command) => command.name(),
            Command::Money(command) => command.name(),
            Command::Incident(command) => command.name(),
            Command::Mediation(command) => command.name(),
            Command::Helpdesk(command) => command.name(),
        }
    }

    pub fn family(&self) -> Family {
        match self {
            Command::Lifecycle(_) => Family::Lifecycle,
            Command::Conversation(_) => Family::Conversation,
            Command::Escalation(_) => Family::Escalation,
            Command::Returns(_) => Family::Returns,
            Command::Money(_) => Family::Money,
            Command::Incident(_) => Family::Incident,
            Command::Mediation(_) => Family::Mediation,
            Command::Helpdesk(_) => Family::Helpdesk,
        }
    }

    /// Whether the command may move money: the store loads and locks the
    /// order's ledger for it.
    pub fn moves_money(&self) -> bool {
        match self {
            Command::Money(command) => command.moves_money(),
            Command::Escalation(command) => command.moves_money(),
            Command::Incident(command) => command.moves_money(),
            Command::Mediation(command) => command.moves_money(),
            Command::Lifecycle(_)
            | Command::Conversation(_)
            | Command::Returns(_)
            | Command::Helpdesk(_) => false,
        }
    }

    /// Whether the command opens a case.
    pub fn is_open(&self) -> bool {
        matches!(self, Command::Lifecycle(LifecycleCommand::Open { .. }))
    }
}

impl From<LifecycleCommand> for Command {
    fn from(command: LifecycleCommand) -> Self {
        Command::Lifecycle(command)
    }
}

impl From<ConversationCommand> for Command {
    fn from(command: ConversationCommand) -> Self {
        Command::Conversation(command)
    }
}

impl From<EscalationCommand> for Command {
    fn from(command: EscalationCommand) -> Self {
        Command::Escalation(command)
    }
}

impl From<ReturnCommand> for Command {
    fn from(command: ReturnCommand) -> Self {
        Command::Returns(command)
    }
}

impl From<MoneyCommand> for Command {
    fn from(command: MoneyCommand) -> Self {
        Command::Money(command)
    }
}

impl From<IncidentCommand> for Command {
    fn from(command: IncidentCommand) -> Self {
        Command::Incident(command)
    }
}

impl From<MediationCommand> for Command {
    fn from(command: MediationCommand) -> Self {
        Command::Mediation(command)
    }
}

impl From<HelpdeskCommand> for Command {
    fn from(command: HelpdeskCommand) -> Self {
        Command::Helpdesk(command)
    }
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Command::Lifecycle(command) => command.serialize(serializer),
            Command::Conversation(command) => command.serialize(serializer),
            Command::Escalation(command) => command.serialize(serializer),
            Command::Returns(command) => command.serialize(serializer),
            Command::Money(command) => command.serialize(serializer),
            Command::Incident(command) => command.serialize(serializer),
            Command::Mediation(command) => command.serialize(serializer),
            Command::Helpdesk(command) => command.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let name = value
            .get("command")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| D::Error::missing_field("command"))?;
        let family = Family::of_command(name)
            .ok_or_else(|| D::Error::custom(format!("unknown command '{name}'")))?;
        let parsed = match family {
            Family::Lifecycle => LifecycleCommand::deserialize(value).map(Command::Lifecycle),
            Family::Conversation => {
                ConversationCommand::deserialize(value).map(Command::Conversation)
            }
            Family::Escalation => EscalationCommand::deserialize(value).map(Command::Escalation),
            Family::Returns => ReturnCommand::deserialize(value).map(Command::Returns),
            Family::Money => MoneyCommand::deserialize(value).map(Command::Money),
            Family::Incident => IncidentCommand::deserialize(value).map(Command::Incident),
            Family::Mediation => MediationCommand::deserialize(value).map(Command::Mediation),
            Family::Helpdesk => HelpdeskCommand::deserialize(value).map(Command::Helpdesk),
        };
        parsed.map_err(D::Error::custom)
    }
}
