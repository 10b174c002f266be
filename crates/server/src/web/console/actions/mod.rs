//! One handler per form of the case page, each on its own route
//! (`POST /console/cases/{case_id}/do/<action>`): it turns the form into a use
//! case's call; a refusal shows the case page again with the messages beside
//! the fields of that form.

/// One action of the case page: `POST /console/cases/{case_id}/do/<name>`. Each
/// handler starts the action (the staff session and its CSRF token, the case, the
/// form's fields), runs its submission and answers: the case page again, or the form
/// with its errors.
macro_rules! action {
    ($(#[$doc:meta])* $handler:ident, $form:expr, |$a:ident| $run:expr) => {
        $(#[$doc])*
        pub(in crate::web::console) async fn $handler(
            State(state): State<AppState>,
            ctx: Ctx,
            Path(case_id): Path<String>,
            MultipartForm(submission): MultipartForm,
        ) -> Result<Response, WebError> {
            let $a = Acting::start(&state, &ctx, &case_id, &$form, &submission).await?;
            let done = $run.await;
            $a.finish(done).await
        }
    };
}

mod case;
mod conversation;
mod helpdesk;
mod incident;
mod mediation;
mod money;
mod returns;

pub(super) use case::{accept, cancel, close, decision, decline, escalate, offer, reopen, resolve};
pub(super) use conversation::{message, note};
pub(super) use helpdesk::assign;
pub(super) use incident::{carrier_claim, claim_outcome, reship, reship_scan, responsibility};
pub(super) use mediation::{
    appeal, consumer_mediation, decide_appeal, private_message, request_information,
};
pub(super) use money::{
    approve_gesture, compensate, decline_gesture, exchange, fail, refund, settle, store_credit,
};
pub(super) use returns::{authorise, inspect, label, receive, refuse, scan};

use super::{parse_case, staff};

use crate::AppState;

use crate::problem::Problem;

use crate::web::form::{Errors, Form, MultipartForm};

use crate::web::shared;

use crate::web::ui::Ui;

use crate::web::{Ctx, WebError, redirect};

use amiable_app::money::RefundRequest as RefundBody;

use amiable_domain::access::{Action, Principal};

use amiable_domain::case::{
    Command, Decision, DecisionOutcome, Deduction, ExchangeLine, GoodwillKind, InspectedLine,
    ItemCondition, ParcelStatus, Possible, ReceivedLine, Resolution, ResolutionKind, Stage,
    Visibility,
};

use amiable_domain::case::{
    ConversationCommand, EscalationCommand, LifecycleCommand, MoneyCommand, ReturnCommand,
};

use amiable_domain::ids::CaseId;

use amiable_domain::money::Money;

use amiable_domain::text::{Body, Label};

use axum::extract::{Path, State};

use axum::http::StatusCode;

use axum::response::Response;

use jiff::Timestamp;

use super::case::case_view;

use crate::web::form::Submission;

/// An action of the case page: its name (its route's `do/<name>`, and the form the
/// page reopens when it is refused), the fields a refusal may name, and whether it
/// moves money (it must then carry the version the person saw).
pub(super) struct ActionForm {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    pub guarded: bool,
}

impl ActionForm {
    /// Where a use case's field error lands in this form.
    fn field_of(&self, path: &str) -> Option<String> {
        let root = path.split(['.', '[']).next().unwrap_or(path);
        let mapped = match root {
            "terms" | "resolution" | "decision" => path.rsplit('.').next().unwrap_or(root),
            other => other,
        };
        // `decision.cites[1]` is the form's `cites`.
        let mapped = mapped.split('[').next().unwrap_or(mapped);
        self.fields.contains(&mapped).then(|| mapped.to_owned())
    }
}

/// A submitted action: who acts, on which case, with what; and the way back.
pub(super) struct Acting<'a> {
    pub state: &'a AppState,
    pub ctx: &'a Ctx,
    pub principal: Principal,
    pub case_id: CaseId,
    pub submission: &'a Submission,
    pub expected: Option<i64>,
    pub record: amiable_store::CaseRecord,
    pub currency: amiable_domain::money::Currency,
    pub ui: Ui,
    form: &'static ActionForm,
}

impl<'a> Acting<'a> {
    /// The signed-in staff member, the CSRF token, the case and the version the form names.
    async fn start(
        state: &'a AppState,
        ctx: &'a Ctx,
        case_id: &str,
        form: &'static ActionForm,
        submission: &'a Submission,
    ) -> Result<Acting<'a>, WebError> {
        let (principal, _) = staff(ctx)?;
        ctx.check_csrf(&submission.form)?;
        let case_id = parse_case(case_id)?;
        let expected = submission.form.version()?;
        // Money never moves without the version the person saw: a replayed or stale form is a conflict.
        if expected.is_none() && form.guarded {
            return Err(WebError::page(
                StatusCode::BAD_REQUEST,
                "error-refused-title",
                "error-form-unreadable",
            ));
        }
        let record = state
            .store()
            .case(case_id)
            .await?
            .ok_or_else(WebError::not_found)?;
        Ok(Acting {
            currency: record.state.order_total.currency,
            ui: ctx.ui(),
            state,
            ctx,
            principal,
            case_id,
            submission,
            expected,
            record,
            form,
        })
    }

    fn form(&self) -> &Form {
        &self.submission.form
    }

    /// Runs one case command for the signed-in person.
    async fn run(&self, action: Action, command: Command) -> Result<(), amiable_app::Error> {
        self.state
            .app()
            .execute_for(
                &self.principal,
                self.case_id,
                action,
                self.expected,
                command,
            )
            .await
            .map(|_| ())
    }

    /// Back to the case with the notice, or the case page again with the refusal
    /// beside the form's fields.
    async fn finish(self, done: Result<&'static str, Failure>) -> Result<Response, WebError> {
        match done {
            Ok(notice) => Ok(redirect(&format!(
                "/console/cases/{}?fait={notice}",
                self.case_id
            ))),
            Err(Failure::Invalid(Invalid(errors))) => self.again(errors).await,
            Err(Failure::Refused(problem))
                if problem.status < 500 && !matches!(problem.status, 403 | 404) =>
            {
                let errors =
                    Errors::from_problem(&problem, self.ui.lang, |path| self.form.field_of(path));
                self.again(errors).await
            }
            Err(Failure::Refused(problem)) => Err(problem.into()),
            Err(Failure::Page(error)) => Err(error),
        }
    }

    async fn again(&self, errors: Errors) -> Result<Response, WebError> {
        let page = case_view(
            self.state,
            self.ctx,
            &self.principal,
            self.case_id,
            self.form.name,
            self.submission.form.clone(),
            errors,
        )
        .await?;
        Ok(self
            .ctx
            .render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    }
}

/// Why a form could not become a command: field errors to show beside the fields.
struct Invalid(Errors);

fn label_field(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Label> {
    match Label::parse(form.text(field)) {
        Ok(label) => Some(label),
        Err(e) => {
            errors.add_text(field, &e, ui.lang, "error-required");
            None
        }
    }
}

/// A text of several paragraphs (a decision's grounds).
fn body_field(
    ui: &Ui,
    form: &Form,
    field: &str,
    errors: &mut Errors,
) -> Option<amiable_domain::text::Body> {
    match amiable_domain::text::Body::parse(form.text(field)) {
        Ok(body) => Some(body),
        Err(e) => {
            errors.add_text(field, &e, ui.lang, "error-required");
            None
        }
    }
}

fn optional_label(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Label> {
    if form.text(field).is_empty() {
        None
    } else {
        label_field(ui, form, field, errors)
    }
}

fn amount_field(
    ui: &Ui,
    form: &Form,
    field: &str,
    currency: amiable_domain::money::Currency,
    required: bool,
    errors: &mut Errors,
) -> Option<Money> {
    let text = form.text(field);
    if text.is_empty() {
        if required {
            errors.add(field, ui.t("error-amount-invalid"));
        }
        return None;
    }
    match crate::web::format::parse_amount(text, currency, ui.lang) {
        Ok(amount) if amount.is_positive() => Some(amount),
        Ok(_) => {
            errors.add(field, ui.t("error-amount-positive"));
            None
        }
        Err(e) => {
            errors.add(field, ui.t(e.key()));
            None
        }
    }
}

/// Grounds of a decision or of an appeal's hearing: the facts found and why, 20
/// characters at least (the decider's rule, said beside the field).
fn grounds_field(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Body> {
    match Body::parse(form.text(field)) {
        Ok(body) if body.as_str().trim().chars().count() >= 20 => Some(body),
        Ok(_) => {
            errors.add(field, ui.t("act-grounds-short"));
            None
        }
        Err(e) => {
            errors.add_text(field, &e, ui.lang, "act-grounds-short");
            None
        }
    }
}

/// The clauses or articles a decision applies, one a line (`CGV art. 7`, `C. conso L216-2`).
fn cites_field(ui: &Ui, form: &Form, errors: &mut Errors) -> Vec<Label> {
    let mut cites = Vec::new();
    for line in form
        .text("cites")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match Label::parse(line) {
            Ok(label) => cites.push(label),
            Err(e) => {
                errors.add_text("cites", &e, ui.lang, "error-required");
            }
        }
    }
    cites
}

/// The decision a form describes (`outcome`, `kind`, `amount`, `note`, `cites`), with its
/// rationale and who pays it; `None` when a field is wrong (said in `errors`).
fn decision_of(
    a: &Acting<'_>,
    rationale: Option<Body>,
    paid_by: amiable_domain::case::Payer,
    recover_from_merchant: bool,
    errors: &mut Errors,
) -> Option<Decision> {
    let ui = &a.ui;
    let form = a.form();
    let outcome = DecisionOutcome::parse(form.text("outcome"));
    if outcome.is_none() {
        errors.add("outcome", ui.t("error-choice"));
    }
    let kind = ResolutionKind::parse(form.text("kind"));
    if kind.is_none() {
        errors.add("kind", ui.t("error-choice"));
    }
    let amount = amount_field(
        ui,
        form,
        "amount",
        a.currency,
        kind.is_some_and(|k| k.requires_amount()),
        errors,
    );
    let cites = cites_field(ui, form, errors);
    // A refusal states its ground for the buyer.
    let note = optional_label(ui, form, "note", errors);
    let (outcome, kind, rationale) = (outcome?, kind?, rationale?);
    Some(Decision {
        outcome,
        resolution: Resolution {
            kind,
            amount,
            bonus_percent: None,
            goodwill: (kind == ResolutionKind::Goodwill).then_some(GoodwillKind::Voucher),
            note,
        },
        rationale,
        cites,
        paid_by,
        recover_from_merchant,
    })
}

fn confirmed(ui: &Ui, form: &Form, errors: &mut Errors) {
    if !form.checked("confirm") {
        errors.add("confirm", ui.t("confirm-required"));
    }
}

/// The deductions typed in a form (`deduction_label_N` / `deduction_amount_N`).
fn deductions(
    ui: &Ui,
    form: &Form,
    prefix: &str,
    currency: amiable_domain::money::Currency,
    errors: &mut Errors,
) -> Vec<Deduction> {
    let mut out = Vec::new();
    for n in 0..3 {
        let label_name = format!("{prefix}label_{n}");
        let amount_name = format!("{prefix}amount_{n}");
        if form.text(&label_name).is_empty() && form.text(&amount_name).is_empty() {
            continue;
        }
        let label = label_field(ui, form, &label_name, errors);
        let amount = amount_field(ui, form, &amount_name, currency, true, errors);
        if let (Some(label), Some(amount)) = (label, amount) {
            out.push(Deduction { label, amount });
        }
    }
    out
}

enum Failure {
    Invalid(Invalid),
    Refused(Problem),
    Page(WebError),
}

impl From<amiable_app::Error> for Failure {
    fn from(error: amiable_app::Error) -> Self {
        Failure::Refused(error.into())
    }
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Self {
        Failure::Refused(problem)
    }
}

impl From<WebError> for Failure {
    fn from(error: WebError) -> Self {
        Failure::Page(error)
    }
}

impl From<amiable_store::StoreError> for Failure {
    fn from(error: amiable_store::StoreError) -> Self {
        Failure::Refused(error.into())
    }
}

fn check(errors: Errors) -> Result<(), Failure> {
    if errors.any() {
        Err(Failure::Invalid(Invalid(errors)))
    } else {
        Ok(())
    }
}

async fn record_order(
    state: &AppState,
    record: &amiable_store::CaseRecord,
) -> Result<amiable_domain::order::Order, Failure> {
    Ok(state
        .store()
        .order(record.state.order_id)
        .await?
        .ok_or_else(WebError::not_found)?
        .order)
}

fn index_of(order: &amiable_domain::order::Order, line_id: &str) -> usize {
    order
        .lines
        .iter()
        .position(|l| l.line_id.as_str() == line_id)
        .unwrap_or(usize::MAX)
}
