//! Reading cases and their timelines, and verifying the hash chains.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use amiable_domain::case::{
    Actor, CaseEvent, CaseKind, CaseState, CaseStatus, ResponseTimes, Stage, next_deadline,
};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId, OrderId};
use amiable_domain::timeline::{ChainBreak, ChainedEvent, StoredLink, to_hex, verify_chain};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// One event of a case's timeline as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub case_id: CaseId,
    pub seq: i64,
    pub event_type: String,
    pub schema_version: i64,
    pub actor: Actor,
    pub recorded_at: Timestamp,
    pub event: CaseEvent,
    /// The canonical JSON of the payload, exactly as hashed.
    #[serde(skip)]
    pub payload_text: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A case as the projection holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    pub state: CaseState,
    pub order_external_id: String,
    pub buyer_email: String,
    pub last_hash: String,
}

/// An inbox row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    pub case_id: CaseId,
    pub operator_id: OperatorId,
    pub merchant_id: MerchantId,
    pub order_external_id: String,
    pub buyer_email: String,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub stage: Stage,
    pub reason: String,
    pub claimed_minor: Option<i64>,
    /// What the case is about in money: the amount claimed, or for a return the price of
    /// the lines sent back.
    pub amount_minor: Option<i64>,
    pub currency: String,
    pub waiting_on: Option<String>,
    pub resolution_kind: Option<String>,
    pub opened_at: Timestamp,
    pub last_activity_at: Timestamp,
    /// When the party whose move it is should act.
    pub next_deadline_at: Option<Timestamp>,
    pub version: i64,
    /// The staff user handling the case, if someone is.
    pub assignee_id: Option<String>,
    /// The team whose queue (or member) has it.
    pub team_id: Option<String>,
    /// The nearest due date of a running service-level target (the inbox's SLA order).
    #[serde(skip)]
    pub sla_due_at: Option<Timestamp>,
}

/// Filters of the case list. `None` means any.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub operator_id: Option<OperatorId>,
    pub merchant_id: Option<MerchantId>,
    pub order_id: Option<OrderId>,
    pub kind: Option<CaseKind>,
    pub status: Option<CaseStatus>,
    pub stage: Option<Stage>,
    /// A reason code and its sub-reasons (`damaged` matches `damaged.packaging`).
    pub reason: Option<String>,
    /// Only cases whose next deadline is before this instant.
    pub deadline_before: Option<Timestamp>,
    /// An order number, or a buyer email (exact, either case).
    pub search: Option<String>,
    /// Whose cases: a person's, nobody's, or some teams'.
    pub assignee: Option<crate::helpdesk::AssigneeFilter>,
    pub sort: CaseSort,
    /// Resume after this row (keyset pagination).
    pub after: Option<CaseCursor>,
    pub limit: i64,
}

/// The order of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Most recently active first (ties: higher id first).
    #[default]
    LastActivity,
    /// Soonest deadline first, only cases that have one (ties: lower id first).
    Deadline,
    /// Nearest service-level due date first, then the cases without one (none running,
    /// or all paused), by id.
    SlaDue,
}

/// The sort key of a case without a service-level due date: after every date.
const NO_SLA_DUE: i64 = i64::MAX;

/// Where a page of the case list ended: the sort key and id of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCursor {
    pub key: i64,
    pub case_id: CaseId,
}

impl CaseSummary {
    /// The cursor that resumes the list after this row, for `sort`.
    pub fn cursor(&self, sort: CaseSort) -> Option<CaseCursor> {
        let key = match sort {
            CaseSort::LastActivity => crate::to_micros(self.last_activity_at),
            CaseSort::Deadline => crate::to_micros(self.next_deadline_at?),
            CaseSort::SlaDue => self.sla_due_at.map_or(NO_SLA_DUE, crate::to_micros),
        };
        Some(CaseCursor {
            key,
            case_id: self.case_id,
        })
    }
}

pub(crate) fn event_from(row: &impl RowExt) -> Result<StoredEvent, StoreError> {
    let case_id = CaseId::parse(&row.text("case_id")?).map_err(StoreError::corrupt)?;
    let event_type = row.text("event_type")?;
    let schema_version = row.int("schema_version")?;
    let payload_text = row.text("payload")?;
    let payload: Value = parse_json(&payload_text, "event payload")?;
    let event = CaseEvent::from_stored(&event_type, schema_version, &payload)
        .map_err(StoreError::corrupt)?;
    Ok(StoredEvent {
        case_id,
        seq: row.int("seq")?,
        event_type,
        schema_version,
        actor: parse_json(&row.text("actor")?, "event actor")?,
        recorded_at: instant(row.int("recorded_at")?)?,
        event,
        payload_text,
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

fn known<T>(column: &str, value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::corrupt(format!("unknown value in cases.{column}")))
}

fn summary_from(row: &impl RowExt) -> Result<CaseSummary, StoreError> {
    Ok(CaseSummary {
        case_id: CaseId::parse(&row.text("id")?).map_err(StoreError::corrupt)?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: MerchantId::parse(&row.text("merchant_id")?).map_err(StoreError::corrupt)?,
        order_external_id: row.text("order_external_id")?,
        buyer_email: row.text("buyer_email")?,
        kind: known("kind", CaseKind::parse(&row.text("kind")?))?,
        status: known("status", CaseStatus::parse(&row.text("status")?))?,
        stage: known("stage", Stage::parse(&row.text("stage")?))?,
        reason: row.text("reason")?,
        claimed_minor: row.opt_int("claimed_minor")?,
        amount_minor: row.opt_int("amount_minor")?,
        currency: row.text("currency")?,
        waiting_on: row.opt_text("waiting_on")?,
        resolution_kind: row.opt_text("resolution_kind")?,
        opened_at: instant(row.int("opened_at")?)?,
        last_activity_at: instant(row.int("last_activity_at")?)?,
        next_deadline_at: row.opt_int("next_deadline_at")?.map(instant).transpose()?,
        version: row.int("version")?,
        assignee_id: row.opt_text("assignee_id")?,
        team_id: row.opt_text("team_id")?,
        sla_due_at: row.opt_int("sla_due_at")?.map(instant).transpose()?,
    })
}

/// What `verify` found wrong, naming the first broken event of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyProblem {
    pub case_id: String,
    /// The first event that does not verify, when the problem is in the log.
    pub seq: Option<i64>,
    pub problem: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VerifyReport {
    pub cases: u64,
    pub events: u64,
    pub problems: Vec<VerifyProblem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The projection columns `verify` compares with the replay.
struct ProjectionRow {
    version: i64,
    last_hash: String,
    /// `None`: a snapshot of an older snapshot version, rebuilt from the log when the
    /// case is next used, so not a break. (An unreadable snapshot of the current
    /// version is reported: amiable never writes one.)
    state: Option<CaseState>,
    kind: String,
    status: String,
    stage: String,
    waiting_on: Option<String>,
    resolution_kind: Option<String>,
    last_activity_at: i64,
    next_deadline_at: Option<i64>,
    first_response_at: Option<i64>,
    order_id: String,
}

impl ProjectionRow {
    /// The first column that disagrees with `replayed`.
    fn mismatch(&self, replayed: &CaseState) -> Option<&'static str> {
        let checks = [
            (
                "state",
                self.state.as_ref().is_none_or(|state| state == replayed),
            ),
            ("kind", self.kind == replayed.kind.code()),
            ("status", self.status == replayed.status.code()),
            ("stage", self.stage == replayed.stage.code()),
            (
                "waiting_on",
                self.waiting_on.as_deref() == replayed.waiting_on.map(|p| p.code()),
            ),
            (
                "resolution_kind",
                self.resolution_kind.as_deref()
                    == replayed.resolution.as_ref().map(|r| r.kind.code()),
            ),
            (
                "last_activity_at",
                self.last_activity_at == crate::to_micros(replayed.last_activity_at),
            ),
            (
                "next_deadline_at",
                self.next_deadline_at
                    == next_deadline(replayed, &ResponseTimes::default()).map(crate::to_micros),
            ),
            (
                "first_response_at",
                self.first_response_at == replayed.merchant_first_response_at.map(crate::to_micros),
            ),
            ("order_id", self.order_id == replayed.order_id.to_string()),
        ];
        checks
            .into_iter()
            .find(|(_, ok)| !ok)
            .map(|(column, _)| column)
    }
}

/// Rows read per page while verifying, so memory stays flat on big logs.
const VERIFY_PAGE: i64 = 5_000;

struct RawEvent {
    case_id: String,
    operator_id: String,
    merchant_id: String,
    seq: i64,
    event_type: String,
    schema_version: i64,
    actor: String,
    recorded_at: i64,
    payload: String,
    prev_hash: String,
    hash: String,
}

fn raw_from(row: &impl RowExt) -> Result<RawEvent, StoreError> {
    Ok(RawEvent {
        case_id: row.text("case_id")?,
        operator_id: row.text("operator_id")?,
        merchant_id: row.text("merchant_id")?,
        seq: row.int("seq")?,
        event_type: row.text("event_type")?,
        schema_version: row.int("schema_version")?,
        actor: row.text("actor")?,
        recorded_at: row.int("recorded_at")?,
        payload: row.text("payload")?,
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

impl Store {
    pub async fn case(&self, case_id: CaseId) -> Result<Option<CaseRecord>, StoreError> {
        let row = with_pool!(&self.db, pool => {
            let row = sqlx::query("SELECT state, snapshot_version, order_external_id, buyer_email, last_hash FROM cases WHERE id = $1")
                .bind(case_id.to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|row| -> Result<_, StoreError> {
                Ok((
                    row.text("state")?,
                    row.int("snapshot_version")?,
                    row.text("order_external_id")?,
                    row.text("buyer_email")?,
                    row.text("last_hash")?,
                ))
            })
            .transpose()?
        });
        let Some((state, snapshot_version, order_external_id, buyer_email, last_hash)) = row else {
            return Ok(None);
        };
        Ok(Some(CaseRecord {
            state: self
                .read_snapshot(case_id, &state, snapshot_version)
                .await?,
            order_external_id,
            buyer_email,
            last_hash,
        }))
    }

    /// A case's events in order.
    pub async fn timeline(&self, case_id: CaseId) -> Result<Vec<StoredEvent>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq")
                .bind(case_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(event_from)
                .collect()
        })
    }

    /// One page of the case list. Only the filters given become SQL
    /// conditions, so each query shape can use its index.
    pub async fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let mut page = self.cases_part(filter).await?;
        // By service level, the cases without a due date come last: the dated part in its
        // index's order, then (when the page has room) the undated one, by id.
        let undated = filter.after.is_some_and(|a| a.key == NO_SLA_DUE);
        let room = filter.limit.clamp(1, 1000) - page.len() as i64;
        if filter.sort == CaseSort::SlaDue && !undated && room > 0 {
            let rest = CaseFilter {
                after: Some(CaseCursor {
                    key: NO_SLA_DUE,
                    case_id: CaseId::from_bytes([0; 16]),
                }),
                limit: room,
                ..filter.clone()
            };
            page.extend(self.cases_part(&rest).await?);
        }
        Ok(page)
    }

    async fn cases_part(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let plan = match &filter.search {
            Some(search) => Some(self.search_plan(filter, search).await?),
            None => None,
        };
        with_pool!(&self.db, pool => {
            // Every column but the state snapshot (about 1 KB a row), which a list never shows.
            let mut query = sqlx::QueryBuilder::new(
                "SELECT id, operator_id, merchant_id, order_external_id, buyer_email, kind, status, stage, reason,
                        claimed_minor, amount_minor, currency, waiting_on, resolution_kind, opened_at, last_activity_at,
                        next_deadline_at, version, assignee_id, team_id, sla_due_at
                 FROM ",
            );
            match plan.as_ref().map(|p| &p.driver) {
                // A rare word: its matches first (CROSS JOIN keeps that order on SQLite),
                // then each match's row by primary key.
                Some(crate::search::Driver::Gather(word)) => {
                    query.push("(SELECT DISTINCT case_id FROM case_search WHERE ");
                    push_scope(&mut query, filter);
                    push_range(&mut query, "term", word);
                    query.push(") AS matched CROSS JOIN cases WHERE cases.id = matched.case_id");
                }
                Some(crate::search::Driver::List(word)) => {
                    query.push("cases WHERE id IN (SELECT case_id FROM case_search WHERE ");
                    push_scope(&mut query, filter);
                    push_range(&mut query, "term", word);
                    query.push(")");
                }
                Some(crate::search::Driver::Walk) | None => {
                    query.push("cases WHERE 1 = 1");
                }
            }
            if let Some(id) = filter.operator_id {
                query.push(" AND operator_id = ").push_bind(id.to_string());
            }
            if let Some(id) = filter.merchant_id {
                query.push(" AND merchant_id = ").push_bind(id.to_string());
            }
            if let Some(id) = filter.order_id {
                query.push(" AND order_id = ").push_bind(id.to_string());
            }
            if let Some(kind) = filter.kind {
                query.push(" AND kind = ").push_bind(kind.code());
            }
            if let Some(status) = filter.status {
                query.push(" AND status = ").push_bind(status.code());
            }
            if let Some(stage) = filter.stage {
                query.push(" AND stage = ").push_bind(stage.code());
            }
            if let Some(reason) = &filter.reason {
                // Reason codes are [a-z0-9_.]: no LIKE wildcard can hide in them.
                query
                    .push(" AND (reason = ")
                    .push_bind(reason.clone())
                    .push(" OR reason LIKE ")
                    .push_bind(format!("{reason}.%"))
                    .push(")");
            }
            if let Some(before) = filter.deadline_before {
                query.push(" AND next_deadline_at < ").push_bind(crate::to_micros(before));
            }
            match &filter.assignee {
                None => {}
                Some(crate::helpdesk::AssigneeFilter::Mine(user_id)) => {
                    query.push(" AND assignee_id = ").push_bind(user_id.clone());
                }
                // Nobody in particular: a team's queue is unassigned too.
                Some(crate::helpdesk::AssigneeFilter::Unassigned) => {
                    query.push(" AND assignee_id IS NULL");
                }
                Some(crate::helpdesk::AssigneeFilter::Teams(teams)) if teams.is_empty() => {
                    query.push(" AND 1 = 0");
                }
                Some(crate::helpdesk::AssigneeFilter::Teams(teams)) => {
                    query.push(" AND team_id IN (");
                    let mut ids = query.separated(", ");
                    for team in teams.iter().take(100) {
                        ids.push_bind(team.clone());
                    }
                    query.push(")");
                }
            }
            if let Some(plan) = &plan {
                // Each word begins one of the case's terms (crate::search). The driving word
                // is already joined; the others are checked on each case by its own terms.
                if plan.words.is_empty() {
                    // Nothing to look for (only punctuation): nothing is found.
                    query.push(" AND 1 = 0");
                }
                for word in plan.words.iter().filter(|w| Some(*w) != plan.leading()) {
                    query.push(" AND EXISTS (SELECT 1 FROM case_search AS s WHERE s.case_id = cases.id AND ");
                    push_range(&mut query, "s.term", word);
                    query.push(")");
                }
            }
            let column = match filter.sort {
                CaseSort::LastActivity => "last_activity_at",
                CaseSort::Deadline => "next_deadline_at",
                CaseSort::SlaDue => "sla_due_at",
            };
            if filter.sort == CaseSort::Deadline {
                query.push(" AND next_deadline_at IS NOT NULL");
            }
            let undated = filter.sort == CaseSort::SlaDue
                && filter.after.is_some_and(|a| a.key == NO_SLA_DUE);
            if filter.sort == CaseSort::SlaDue {
                query.push(if undated { " AND sla_due_at IS NULL" } else { " AND sla_due_at IS NOT NULL" });
            }
            if let (true, Some(after)) = (undated, filter.after) {
                query.push(" AND id > ").push_bind(after.case_id.to_string());
            } else if let Some(after) = filter.after {
                // Rows after the cursor in list order: further along (sort key, id), which
                // both run the same way so that one index serves the order and the cursor.
                let further = match filter.sort {
                    CaseSort::LastActivity => " < ",
                    CaseSort::Deadline | CaseSort::SlaDue => " > ",
                };
                query
                    .push(format!(" AND ({column}{further}"))
                    .push_bind(after.key)
                    .push(format!(" OR ({column} = "))
                    .push_bind(after.key)
                    .push(format!(" AND id{further}"))
                    .push_bind(after.case_id.to_string())
                    .push("))");
            }
            let direction = match filter.sort {
                CaseSort::LastActivity => "DESC",
                CaseSort::Deadline | CaseSort::SlaDue => "ASC",
            };
            query
                .push(format!(" ORDER BY {column} {direction}, id {direction} LIMIT "))
                .push_bind(filter.limit.clamp(1, 1000));
            query
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(summary_from)
                .collect()
        })
    }

    /// How a search runs: each word's matches are counted, up to the listing limit (an
    /// index range read, stopped there); the rarest word leads by the plan its count calls
    /// for (`crate::search::Driver`).
    async fn search_plan(
        &self,
        filter: &CaseFilter,
        search: &str,
    ) -> Result<crate::search::Plan, StoreError> {
        let (gather, list) = self.search_limits;
        let words = crate::search::words(search);
        let mut rarest: Option<(i64, String)> = None;
        for word in &words {
            let count: i64 = with_pool!(&self.db, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM case_search WHERE ",
                );
                push_scope(&mut query, filter);
                push_range(&mut query, "term", word);
                query.push(" LIMIT ").push_bind(list + 1).push(") AS few");
                query.build_query_scalar().fetch_one(pool).await?
            });
            if rarest.as_ref().is_none_or(|(least, _)| count < *least) {
                rarest = Some((count, word.clone()));
            }
        }
        let driver = match rarest {
            Some((count, word)) if count <= gather => crate::search::Driver::Gather(word),
            Some((count, word)) if count <= list => crate::search::Driver::List(word),
            _ => crate::search::Driver::Walk,
        };
        Ok(crate::search::Plan { words, driver })
    }

    /// The operator, merchant and order of a case (what access control needs).
    pub async fn case_owner(
        &self,
        case_id: CaseId,
    ) -> Result<Option<(OperatorId, MerchantId, OrderId)>, StoreError> {
        let row = with_pool!(&self.db, pool => {
            sqlx::query("SELECT operator_id, merchant_id, order_id FROM cases WHERE id = $1")
                .bind(case_id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|row| -> Result<_, StoreError> {
                    Ok((
                        OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
                        MerchantId::parse(&row.text("merchant_id")?).map_err(StoreError::corrupt)?,
                        OrderId::parse(&row.text("order_id")?).map_err(StoreError::corrupt)?,
                    ))
                })
        });
        row.transpose()
    }

    pub async fn count_cases(&self) -> Result<i64, StoreError> {
        Ok(
            with_pool!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(pool).await?),
        )
    }

    pub async fn count_events(&self) -> Result<i64, StoreError> {
        Ok(
            with_pool!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM case_events").fetch_one(pool).await?),
        )
    }

    /// Checks every case: its hash chain link by link, that the projection
    /// row names the chain's last hash and version, and that replaying the
    /// events gives the stored state. Reports the first broken event of each case.
    pub async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let mut cursor: (String, i64) = (String::new(), 0);
        let mut pending: Vec<RawEvent> = Vec::new();
        loop {
            let page: Vec<RawEvent> = with_pool!(&self.db, pool => {
                sqlx::query(
                    "SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id > $1 OR (case_id = $1 AND seq > $2) ORDER BY case_id, seq LIMIT $3",
                )
                .bind(&cursor.0)
                .bind(cursor.1)
                .bind(VERIFY_PAGE)
                .fetch_all(pool)
                .await?
                .iter()
                .map(raw_from)
                .collect::<Result<_, _>>()?
            });
            let exhausted = (page.len() as i64) < VERIFY_PAGE;
            if let Some(last) = page.last() {
                cursor = (last.case_id.clone(), last.seq);
            }
            for raw in page {
                if pending
                    .first()
                    .is_some_and(|first| first.case_id != raw.case_id)
                {
                    let case = std::mem::take(&mut pending);
                    self.verify_case(&case, &mut report).await?;
                }
                pending.push(raw);
            }
            if exhausted {
                break;
            }
        }
        if !pending.is_empty() {
            self.verify_case(&pending, &mut report).await?;
        }
        // Projection rows without any event.
        let orphans: Vec<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id) ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        for case_id in orphans {
            report.problems.push(VerifyProblem {
                case_id,
                seq: None,
                problem: "the case has no events".into(),
            });
        }
        self.verify_order_counters(&mut report).await?;
        Ok(report)
    }

    async fn verify_case(
        &self,
        events: &[RawEvent],
        report: &mut VerifyReport,
    ) -> Result<(), StoreError> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        let case_id = first.case_id.clone();
        report.cases += 1;
        let problem = |seq: Option<i64>, problem: String| VerifyProblem {
            case_id: case_id.clone(),
            seq,
            problem,
        };

        // The case row, read after the events: on a live database it may already be further on.
        let row = match self.projection_row(&case_id).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                report.problems.push(problem(
                    None,
                    "events exist but the case row is missing".into(),
                ));
                return Ok(());
            }
            Err(error) => {
                report.problems.push(problem(
                    None,
                    format!("the case row is unreadable: {error}"),
                ));
                return Ok(());
            }
        };
        let mut events: Vec<&RawEvent> = events.iter().collect();
        let have = events.len() as i64;
        let later: Vec<RawEvent> = if row.version > have {
            with_pool!(&self.db, pool => {
                sqlx::query("SELECT case_id, seq, operator_id, merchant_id, event_type, schema_version, actor, recorded_at, payload, prev_hash, hash FROM case_events WHERE case_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq")
                    .bind(&case_id)
                    .bind(have)
                    .bind(row.version)
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(raw_from)
                    .collect::<Result<_, _>>()?
            })
        } else {
            Vec::new()
        };
        events.extend(later.iter());
        report.events += events.len() as u64;

        // Parse the stored JSON once; unreadable JSON is itself a broken event.
        let mut parsed = Vec::with_capacity(events.len());
        for raw in &events {
            match (
                serde_json::from_str::<Value>(&raw.actor),
                serde_json::from_str::<Value>(&raw.payload),
            ) {
                (Ok(actor), Ok(payload)) => parsed.push((actor, payload)),
                _ => {
                    report.problems.push(problem(
                        Some(raw.seq),
                        "the stored actor or payload is not valid JSON".into(),
                    ));
                    return Ok(());
                }
            }
        }
        let links = events
            .iter()
            .zip(&parsed)
            .map(|(raw, (actor, payload))| StoredLink {
                event: ChainedEvent {
                    case_id: &raw.case_id,
                    operator_id: &raw.operator_id,
                    merchant_id: &raw.merchant_id,
                    seq: raw.seq,
                    event_type: &raw.event_type,
                    schema_version: raw.schema_version,
                    actor,
                    recorded_at_micros: raw.recorded_at,
                    payload,
                },
                prev_hash: &raw.prev_hash,
                hash: &raw.hash,
            });
        let last_hash = match verify_chain(links) {
            Ok(hash) => hash,
            Err(chain_break) => {
                let (seq, what) = match chain_break {
                    ChainBreak::SequenceGap { expected, found } => (
                        found,
                        format!("sequence gap: expected {expected}, found {found}"),
                    ),
                    ChainBreak::PreviousMismatch { seq } => (
                        seq,
                        "its previous hash is not the hash of the event before".into(),
                    ),
                    ChainBreak::HashMismatch { seq } => {
                        (seq, "its content does not match its hash (altered)".into())
                    }
                    ChainBreak::Unreadable { seq, detail } => {
                        (seq, format!("unreadable: {detail}"))
                    }
                };
                report.problems.push(problem(Some(seq), what));
                return Ok(());
            }
        };

        // The projection must point at the end of the chain and equal the replay.
        let version = events.len() as i64;
        if row.last_hash != to_hex(&last_hash) || row.version != version {
            report.problems.push(problem(
                Some(version),
                format!(
                    "the case row says version {} / hash {}, the log ends at version {version} / hash {} (events removed or added outside amiable)",
                    row.version,
                    row.last_hash,
                    to_hex(&last_hash)
                ),
            ));
            return Ok(());
        }
        let mut decoded = Vec::with_capacity(events.len());
        for (raw, (actor, payload)) in events.iter().zip(&parsed) {
            let event = CaseEvent::from_stored(&raw.event_type, raw.schema_version, payload);
            let actor = serde_json::from_value::<Actor>(actor.clone());
            match (event, actor, crate::from_micros(raw.recorded_at)) {
                (Ok(event), Ok(actor), Some(recorded_at)) => {
                    decoded.push(amiable_domain::case::RecordedEvent {
                        seq: raw.seq,
                        actor,
                        recorded_at,
                        event,
                    })
                }
                _ => {
                    report
                        .problems
                        .push(problem(Some(raw.seq), "the event does not decode".into()));
                    return Ok(());
                }
            }
        }
        let Ok(id) = CaseId::parse(&case_id) else {
            report
                .problems
                .push(problem(None, "the case id is not a UUID".into()));
            return Ok(());
        };
        let Some(replayed) = CaseState::replay(id, &decoded) else {
            report.problems.push(problem(
                Some(1),
                "the log does not start with an opening".into(),
            ));
            return Ok(());
        };
        if let Some(column) = row.mismatch(&replayed) {
            report.problems.push(problem(
                None,
                format!("the case projection differs from the replay of its events ({column})"),
            ));
        }
        Ok(())
    }

    async fn projection_row(&self, case_id: &str) -> Result<Option<ProjectionRow>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT version, last_hash, state, snapshot_version, kind, status, stage, waiting_on, resolution_kind, last_activity_at, next_deadline_at, first_response_at, order_id
                 FROM cases WHERE id = $1",
            )
            .bind(case_id)
            .fetch_optional(pool)
            .await?
            .map(|row| -> Result<ProjectionRow, StoreError> {
                Ok(ProjectionRow {
                    version: row.int("version")?,
                    last_hash: row.text("last_hash")?,
                    state: match row.int("snapshot_version")? {
                        CaseState::SNAPSHOT_VERSION => Some(parse_json(&row.text("state")?, "case state")?),
                        _ => None,
                    },
                    kind: row.text("kind")?,
                    status: row.text("status")?,
                    stage: row.text("stage")?,
                    waiting_on: row.opt_text("waiting_on")?,
                    resolution_kind: row.opt_text("resolution_kind")?,
                    last_activity_at: row.int("last_activity_at")?,
                    next_deadline_at: row.opt_int("next_deadline_at")?,
                    first_response_at: row.opt_int("first_response_at")?,
                    order_id: row.text("order_id")?,
                })
            })
            .transpose()
        })
    }

    /// Orders whose case counters disagree with their cases.
    async fn verify_order_counters(&self, report: &mut VerifyReport) -> Result<(), StoreError> {
        let wrong: Vec<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT o.id FROM orders o
                 LEFT JOIN (SELECT order_id, COUNT(*) AS total, SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open
                            FROM cases GROUP BY order_id) c ON c.order_id = o.id
                 WHERE o.total_cases <> COALESCE(c.total, 0) OR o.open_cases <> COALESCE(c.open, 0)
                 ORDER BY o.id",
            )
            .fetch_all(pool)
            .await?
        });
        for order_id in wrong {
            report.problems.push(VerifyProblem {
                case_id: String::new(),
                seq: None,
                problem: format!("order {order_id}: its case counters disagree with its cases"),
            });
        }
        Ok(())
    }
}

/// The search terms a list may use: a shop's own when the list is a shop's
/// (`case_search_by_merchant`), else the marketplace's (the primary key).
fn push_scope<DB: sqlx::Database>(query: &mut sqlx::QueryBuilder<DB>, filter: &CaseFilter)
where
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if let Some(id) = filter.merchant_id {
        query
            .push("merchant_id = ")
            .push_bind(id.to_string())
            .push(" AND ");
    } else if let Some(id) = filter.operator_id {
        query
            .push("operator_id = ")
            .push_bind(id.to_string())
            .push(" AND ");
    }
}

/// `column` begins with `word`: a range of the byte-ordered index.
fn push_range<DB: sqlx::Database>(query: &mut sqlx::QueryBuilder<DB>, column: &str, word: &str)
where
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .push(format!("{column} >= "))
        .push_bind(word.to_owned())
        .push(format!(" AND {column} < "))
        .push_bind(crate::search::upper_bound(word));
}
