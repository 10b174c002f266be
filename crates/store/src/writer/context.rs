//! What the decider reads besides the case, loaded in the batch's transaction:
//! one loader per command family.
//!
//! Each family asks for what its decider reads and nothing more — a message
//! needs only the case and its operator's rules pack, opening a return needs
//! the order, the policy in force and the order's ledger (locked), a refund
//! needs the ledger. A new family adds one arm to [`load`] and, if it reads
//! something new, one field to [`Inputs`] and [`Context`].

use super::{Loaded, Pending};
use crate::db::{Tx, with_tx};
use crate::error::{CommandError, StoreError};
use crate::orders::order_in;
use crate::returns::{BatchCases, ledger_for_update, return_context};
use crate::rows::parse_json;
use crate::tenants::taxonomy_from_settings;
use amiable_domain::case::{
    Actor, CaseKind, CaseState, Command, Context, GoodwillContext, LadderRules, LifecycleCommand,
    MoneyCommand,
};
use amiable_domain::ids::{CaseId, OperatorId};
use amiable_domain::law::LawPack;
use amiable_domain::ledger::OrderLedger;
use amiable_domain::order::Order;
use amiable_domain::reason::ReasonTaxonomy;
use amiable_domain::returns::ReturnContext;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// What one command's decider reads, as loaded for it.
pub(super) struct Inputs {
    /// The order a case is opened on.
    pub order: Option<Order>,
    pub taxonomy: ReasonTaxonomy,
    /// The rules pack of the case's operator.
    pub law: &'static LawPack,
    /// The order's ledger as the batch sees it (locked), with its order, for
    /// the commands that move money and the opening of a return.
    pub ledger: Option<(OrderLedger, Order)>,
    /// The policy and eligibility a new return is judged by.
    pub returns: Option<ReturnContext>,
    /// The operator's rules of the ladder, for escalations, decisions and appeals.
    pub ladder: Option<LadderRules>,
    /// The merchant's goodwill budget and the month's spending, for gestures.
    pub goodwill: Option<GoodwillContext>,
}

impl Inputs {
    pub fn context<'a>(&'a self, now: Timestamp, actor: &'a Actor) -> Context<'a> {
        Context {
            now,
            actor,
            order: self.order.as_ref(),
            taxonomy: &self.taxonomy,
            law: self.law,
            ledger: self.ledger.as_ref().map(|(ledger, _)| ledger),
            returns: self.returns.as_ref(),
            ladder: self.ladder.as_ref(),
            goodwill: self.goodwill.as_ref(),
        }
    }
}

/// Which rules pack each operator decides under. An operator's pack is set
/// when it is created and never changes, so the answer is kept for good
/// (on every node: nothing can make it stale).
#[derive(Default)]
pub(crate) struct RulesPacks {
    known: Mutex<HashMap<OperatorId, &'static LawPack>>,
}

impl RulesPacks {
    pub(crate) fn get(&self, operator_id: OperatorId) -> Option<&'static LawPack> {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&operator_id)
            .copied()
    }

    pub(crate) fn remember(&self, operator_id: OperatorId, law: &'static LawPack) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= 10_000 {
            known.clear();
        }
        known.insert(operator_id, law);
    }
}

/// The pack named by an operator's `rules_pack` column.
pub(crate) fn pack_of(code: &str) -> Result<&'static LawPack, StoreError> {
    LawPack::by_code(code).ok_or_else(|| {
        StoreError::corrupt(format!(
            "unknown rules pack '{code}' (this build knows: {})",
            amiable_domain::law::RULES_PACKS.join(", ")
        ))
    })
}

/// The batch: the cases it holds and what it will write.
pub(super) struct Batch<'b> {
    pub cases: &'b HashMap<CaseId, Loaded>,
    pub pending: &'b mut Pending,
    pub packs: &'b RulesPacks,
}

/// Loads what `command` needs, by family. `current` is the case as the batch
/// sees it (`None` before it is opened).
pub(super) async fn load(
    tx: &mut Tx<'_>,
    batch: Batch<'_>,
    case_id: CaseId,
    command: &Command,
    order_id: Option<amiable_domain::ids::OrderId>,
    at: Timestamp,
) -> Result<Inputs, CommandError> {
    let current = batch.cases.get(&case_id).map(|loaded| &loaded.state);
    match command {
        Command::Lifecycle(command) => lifecycle(tx, batch, case_id, command, order_id, at).await,
        Command::Conversation(_) | Command::Returns(_) | Command::Helpdesk(_) => {
            case_only(tx, batch.packs, current).await
        }
        Command::Escalation(_) | Command::Mediation(_) => {
            let mut inputs = with_ledger(tx, batch, current, command).await?;
            if let Some(state) = current {
                inputs.ladder = Some(ladder(tx, state.operator_id).await?);
            }
            Ok(inputs)
        }
        Command::Incident(_) => {
            let mut inputs = with_ledger(tx, batch, current, command).await?;
            if let Some(state) = current
                && inputs.order.is_none()
            {
                inputs.order = order_in(tx, state.order_id).await?;
            }
            Ok(inputs)
        }
        Command::Money(command) => {
            let mut inputs = money(tx, batch, current, command).await?;
            if let (
                MoneyCommand::Compensate { .. } | MoneyCommand::ApproveCompensation { .. },
                Some(state),
            ) = (command, current)
            {
                inputs.goodwill = goodwill(tx, state, inputs.law, at).await?;
            }
            Ok(inputs)
        }
    }
}

/// The case, and the order's ledger (locked) when the command moves money; the order too.
async fn with_ledger(
    tx: &mut Tx<'_>,
    batch: Batch<'_>,
    current: Option<&CaseState>,
    command: &Command,
) -> Result<Inputs, CommandError> {
    let mut inputs = case_only(tx, batch.packs, current).await?;
    if command.moves_money()
        && let Some(state) = current
    {
        let order = order_in(tx, state.order_id)
            .await?
            .ok_or(CommandError::OrderNotFound)?;
        let ledger = batch_ledger(tx, batch.pending, &order).await?;
        inputs.order = Some(order.clone());
        inputs.ledger = Some((ledger, order));
    }
    Ok(inputs)
}

/// The operator's rules of the ladder, from its settings.
async fn ladder(tx: &mut Tx<'_>, operator_id: OperatorId) -> Result<LadderRules, StoreError> {
    let settings: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT settings FROM operators WHERE id = $1")
            .bind(operator_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    Ok(match settings {
        Some(settings) => amiable_domain::settings::OperatorSettings::read(&parse_json(
            &settings,
            "operator settings",
        )?)
        .ladder(),
        None => LadderRules::default(),
    })
}

/// The merchant's goodwill budget (if it set one) and what its gestures came to since
/// the first of the month, in the rules pack's zone.
async fn goodwill(
    tx: &mut Tx<'_>,
    state: &CaseState,
    law: &LawPack,
    at: Timestamp,
) -> Result<Option<GoodwillContext>, StoreError> {
    let settings: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT settings FROM merchants WHERE id = $1")
            .bind(state.merchant_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    let Some(settings) = settings else {
        return Ok(None);
    };
    let Some(budget) = amiable_domain::settings::MerchantSettings::read(&parse_json(
        &settings,
        "merchant settings",
    )?)
    .goodwill_budget
    else {
        return Ok(None);
    };
    let local = at.to_zoned(law.zone.clone());
    let month_start = local
        .date()
        .first_of_month()
        .to_zoned(law.zone.clone())
        .map(|z| z.timestamp())
        .unwrap_or(at);
    let spent: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(e.amount_minor), 0) AS BIGINT) FROM ledger_entries e
             JOIN order_ledgers l ON l.order_id = e.order_id
             WHERE l.merchant_id = $1 AND e.kind = 'compensation' AND e.recorded_at >= $2 AND e.currency = $3",
        )
        .bind(state.merchant_id.to_string())
        .bind(crate::to_micros(month_start))
        .bind(budget.monthly.currency.code())
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(Some(GoodwillContext {
        budget,
        spent_this_month: amiable_domain::money::Money::new(spent, budget.monthly.currency),
    }))
}

/// Opening reads the order, the operator's reasons and, for a return, the policy
/// in force and the order's ledger; the rest of the lifecycle reads the case only.
async fn lifecycle(
    tx: &mut Tx<'_>,
    batch: Batch<'_>,
    case_id: CaseId,
    command: &LifecycleCommand,
    order_id: Option<amiable_domain::ids::OrderId>,
    at: Timestamp,
) -> Result<Inputs, CommandError> {
    let current = batch.cases.get(&case_id).map(|loaded| &loaded.state);
    let LifecycleCommand::Open { kind, .. } = command else {
        return case_only(tx, batch.packs, current).await;
    };
    if current.is_some() {
        // Already opened: the decider says so.
        return case_only(tx, batch.packs, current).await;
    }
    let order_id = order_id.ok_or(CommandError::OrderNotFound)?;
    let order = order_in(tx, order_id)
        .await?
        .ok_or(CommandError::OrderNotFound)?;
    let law = rules_pack(tx, batch.packs, order.operator_id).await?;
    let taxonomy = operator_taxonomy(tx, order.operator_id).await?;
    let (ledger, returns) = if *kind == CaseKind::Return {
        // A new return reads the order's ledger row, which serialises returns per order.
        let ledger = batch_ledger(tx, batch.pending, &order).await?;
        let view = BatchCases {
            states: batch
                .pending
                .touched
                .iter()
                .filter_map(|(id, _)| batch.cases.get(id))
                .map(|loaded| &loaded.state)
                .collect(),
            opened: batch
                .pending
                .touched
                .iter()
                .filter(|(_, db_version)| *db_version == 0)
                .filter_map(|(id, _)| {
                    batch
                        .cases
                        .get(id)
                        .map(|loaded| (*id, loaded.buyer_email.as_str()))
                })
                .collect(),
        };
        let returns = return_context(tx, case_id, &order, at, law, &view).await?;
        (Some((ledger, order.clone())), Some(returns))
    } else {
        (None, None)
    };
    Ok(Inputs {
        order: Some(order),
        taxonomy,
        law,
        ledger,
        returns,
        ladder: None,
        goodwill: None,
    })
}

/// Money commands read the order's ledger (locked, once per batch); a reminder does not.
async fn money(
    tx: &mut Tx<'_>,
    batch: Batch<'_>,
    current: Option<&CaseState>,
    command: &MoneyCommand,
) -> Result<Inputs, CommandError> {
    let mut inputs = case_only(tx, batch.packs, current).await?;
    if command.moves_money() {
        let state = current.ok_or(CommandError::CaseNotFound)?;
        let order = order_in(tx, state.order_id)
            .await?
            .ok_or(CommandError::OrderNotFound)?;
        let ledger = batch_ledger(tx, batch.pending, &order).await?;
        inputs.ledger = Some((ledger, order));
    }
    Ok(inputs)
}

/// The case alone, decided under its operator's rules pack.
async fn case_only(
    tx: &mut Tx<'_>,
    packs: &RulesPacks,
    current: Option<&CaseState>,
) -> Result<Inputs, CommandError> {
    let law = match current {
        Some(state) => rules_pack(tx, packs, state.operator_id).await?,
        // Not opened: the decider refuses before reading any rule.
        None => pack_of(amiable_domain::law::RULES_PACKS[0])?,
    };
    Ok(Inputs {
        order: None,
        taxonomy: ReasonTaxonomy::default(),
        law,
        ledger: None,
        returns: None,
        ladder: None,
        goodwill: None,
    })
}

/// The order's ledger as the batch sees it, loaded and locked on first use.
async fn batch_ledger(
    tx: &mut Tx<'_>,
    pending: &mut Pending,
    order: &Order,
) -> Result<OrderLedger, StoreError> {
    if let Some(ledger) = pending.ledgers.get(&order.id) {
        return Ok(*ledger);
    }
    let ledger = ledger_for_update(tx, order).await?;
    pending.ledgers.insert(order.id, ledger);
    Ok(ledger)
}

/// The rules pack of an operator, read once.
pub(super) async fn rules_pack(
    tx: &mut Tx<'_>,
    packs: &RulesPacks,
    operator_id: OperatorId,
) -> Result<&'static LawPack, StoreError> {
    if let Some(law) = packs.get(operator_id) {
        return Ok(law);
    }
    let code: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT rules_pack FROM operators WHERE id = $1")
            .bind(operator_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    let code = code.ok_or(StoreError::NotFound("operator"))?;
    let law = pack_of(&code)?;
    packs.remember(operator_id, law);
    Ok(law)
}

async fn operator_taxonomy(
    tx: &mut Tx<'_>,
    operator_id: OperatorId,
) -> Result<ReasonTaxonomy, StoreError> {
    let settings: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT settings FROM operators WHERE id = $1")
            .bind(operator_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    match settings {
        Some(settings) => taxonomy_from_settings(&parse_json(&settings, "operator settings")?),
        None => Ok(ReasonTaxonomy::default()),
    }
}
