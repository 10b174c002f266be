//! Returns: authorising one (and labelling it), the eligibility of an order's
//! lines (what each can still get, and why), the label PDF.

use crate::access::allow;
use crate::cases::chain;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::{Actor, CaseStatus, Command, ReturnCommand};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::returns::Basis;
use amiable_i18n::Lang;
use amiable_labels::PageSize;
use amiable_store::CommandOutcome;
use jiff::Timestamp;

pub use crate::labels::DEFAULT_WEIGHT_GRAMS;

/// What one line of an order can still get, and why.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineAnswer {
    pub line_id: String,
    pub title: String,
    pub ordered: u32,
    /// Where the line is: `not_shipped`, `shipped` (on its way) or `delivered`.
    pub shipping: String,
    /// Units not already in another return.
    pub returnable_quantity: u32,
    /// Units already in a return (asked for, not refused or cancelled).
    pub in_returns: u32,
    pub eligible: bool,
    /// The last day to ask (Europe/Paris); `null` when the period has not started (not delivered).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub until: Option<jiff::civil::Date>,
    /// `policy`, or `statute` with the article.
    pub basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// A withdrawal exception (C. conso L221-28) that applies to the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// The merchant's policy said less than the law, which prevailed.
    pub policy_overridden_by_law: bool,
    /// Who pays the return shipping: `buyer` or `merchant`.
    pub return_shipping: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub restocking_fee: Option<amiable_domain::returns::RestockingFee>,
    /// Refunded without sending it back.
    pub returnless: bool,
    /// The statutory withdrawal right applies today (no restocking fee; the refund is due within 14 days).
    pub withdrawal: bool,
    /// The last day of the statutory withdrawal period.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub withdrawal_until: Option<jiff::civil::Date>,
    /// A fault is covered by the legal guarantee of conformity until this day (C. conso
    /// L217-3: two years from delivery), whatever the return period says.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub guarantee_until: Option<jiff::civil::Date>,
    /// The answer in one sentence, in the caller's language.
    pub why: String,
}

/// The eligibility answer for an order.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EligibilityAnswer {
    pub order_id: OrderId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub today: jiff::civil::Date,
    pub policy: amiable_domain::case::PolicyRef,
    pub allowed_resolutions: Vec<amiable_domain::case::ResolutionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_credit_bonus_percent: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_rules: Option<String>,
    pub lines: Vec<LineAnswer>,
}

/// A return label as a file.
#[derive(Debug, Clone)]
pub struct LabelPdf {
    pub bytes: Vec<u8>,
    pub filename: String,
}

/// The answer for one line in one sentence (or two), in `lang`, from the
/// catalogues' `eligibility-*` messages.
fn why(
    lang: Lang,
    verdict: &amiable_domain::returns::LineEligibility,
    exception: Option<&str>,
    overridden: bool,
    returnable: u32,
    sealed: bool,
) -> String {
    use amiable_domain::validation::Arg;
    let say = |id: &str, args: &[(&'static str, Arg)]| {
        amiable_i18n::render(lang, id, args)
            .unwrap_or_else(|| amiable_i18n::message(lang, id, None))
    };
    let article = match verdict.basis {
        Some(Basis::Statute { article }) => article,
        _ => verdict.withdrawal_article.unwrap_or("C. conso L221-18"),
    };
    let article = || ("article", Arg::Text(article.to_owned()));
    if let Some(exception) = exception {
        return say(
            "eligibility-exception",
            &[("exception", Arg::Text(exception.to_owned()))],
        );
    }
    if !verdict.eligible {
        return say("eligibility-over", &[]);
    }
    if returnable == 0 {
        return say("eligibility-returned", &[]);
    }
    // Not shipped: withdrawing cancels it; nothing to send back (L221-18, L221-24).
    if !verdict.shipped {
        return say("eligibility-not-shipped", &[]);
    }
    let mut sentences = Vec::new();
    match (verdict.basis, verdict.until) {
        (Some(Basis::Policy), Some(until)) => {
            sentences.push(say(
                "eligibility-policy-until",
                &[("until", Arg::Date(until))],
            ));
            // Inside the statutory period, a generous policy adds days; the law still applies now.
            if let (true, Some(withdrawal_until)) = (verdict.withdrawal, verdict.withdrawal_until) {
                sentences.push(say(
                    "eligibility-also-withdrawal",
                    &[("until", Arg::Date(withdrawal_until)), article()],
                ));
            }
        }
        (Some(Basis::Policy), None) => sentences.push(say("eligibility-policy", &[])),
        (_, Some(until)) => {
            sentences.push(say(
                "eligibility-statute-until",
                &[("until", Arg::Date(until)), article()],
            ));
        }
        (_, None) => sentences.push(say("eligibility-statute-from-delivery", &[article()])),
    }
    if overridden && verdict.basis != Some(Basis::Policy) {
        sentences.push(say("eligibility-overridden", &[]));
    }
    // C. conso L221-28 5°: sealed goods unsealed after delivery are not returnable for hygiene.
    if sealed {
        sentences.push(say("eligibility-if-sealed", &[]));
    }
    sentences.join(" ")
}

impl App {
    pub async fn eligibility(
        &self,
        order: &amiable_domain::order::Order,
        lang: Lang,
    ) -> Result<EligibilityAnswer, Error> {
        let law = self.store().rules_pack(order.operator_id).await?;
        let now = Timestamp::now();
        let context = self.store().return_context(order, now, law).await?;
        let lines = order
            .lines
            .iter()
            .filter_map(|line| {
                let verdict = context.line(&line.line_id)?;
                let taken = context
                    .already_returned
                    .get(&line.line_id)
                    .copied()
                    .unwrap_or(0);
                let returnable = line.quantity.get().saturating_sub(taken);
                // The statutory default is the law itself: nothing of the merchant's to override.
                let overridden = verdict.policy_overridden_by_law
                    && context.policy_ref.source != amiable_domain::case::PolicySource::Statutory;
                let exception = verdict.exception.map(|e| {
                    let flag = serde_json::to_value(e.flag)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    format!("{flag}, {}", e.article)
                });
                Some(LineAnswer {
                    line_id: line.line_id.to_string(),
                    title: line.title.as_str().to_owned(),
                    ordered: line.quantity.get(),
                    shipping: match order.line_shipping(&line.line_id) {
                        amiable_domain::order::LineShipping::NotShipped => "not_shipped",
                        amiable_domain::order::LineShipping::Shipped { .. } => "shipped",
                        amiable_domain::order::LineShipping::Delivered { .. } => "delivered",
                    }
                    .to_owned(),
                    returnable_quantity: if verdict.eligible { returnable } else { 0 },
                    in_returns: taken,
                    eligible: verdict.eligible && returnable > 0,
                    until: verdict.until,
                    basis: verdict.basis.map(|b| match b {
                        Basis::Policy => "policy".to_owned(),
                        Basis::Statute { .. } => "statute".to_owned(),
                    }),
                    article: verdict.basis.and_then(|b| match b {
                        Basis::Statute { article } => Some(article.to_owned()),
                        Basis::Policy => None,
                    }),
                    exception: exception.clone(),
                    policy_overridden_by_law: overridden,
                    return_shipping: match verdict.return_shipping {
                        amiable_domain::returns::ReturnShipping::Buyer => "buyer".to_owned(),
                        amiable_domain::returns::ReturnShipping::Merchant => "merchant".to_owned(),
                    },
                    restocking_fee: verdict.restocking_fee,
                    returnless: verdict.returnless,
                    withdrawal: verdict.withdrawal,
                    withdrawal_until: verdict.withdrawal_until,
                    guarantee_until: order
                        .shipments
                        .iter()
                        .filter(|s| s.lines.iter().any(|l| l.line_id == line.line_id))
                        .filter_map(|s| s.delivered_at)
                        .max()
                        .and_then(|at| {
                            let flags: Vec<_> = line.flags.iter().copied().collect();
                            amiable_domain::law::conformity::guarantee(
                                law.date_of(at),
                                &flags,
                                &law.conformity,
                            )
                        })
                        .map(|g| g.until),
                    why: why(
                        lang,
                        verdict,
                        exception.as_deref(),
                        overridden,
                        returnable,
                        line.has(amiable_domain::order::LineFlag::SealedHygiene),
                    ),
                })
            })
            .collect();
        Ok(EligibilityAnswer {
            order_id: order.id,
            today: law.date_of(now),
            policy: context.policy_ref.clone(),
            allowed_resolutions: context.policy.allowed_resolutions.clone(),
            store_credit_bonus_percent: context.policy.store_credit_bonus_percent,
            condition_rules: context.policy.condition_rules.clone(),
            lines,
        })
    }

    /// An order the caller may read (`not_found` otherwise).
    pub async fn readable_order(
        &self,
        principal: &Principal,
        order_id: OrderId,
    ) -> Result<amiable_domain::order::Order, Error> {
        let order = self
            .store()
            .order(order_id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?
            .order;
        allow(
            principal,
            Action::ReadOrder,
            &Resource::order(order.operator_id, order.merchant_id, order.id),
            "order",
        )?;
        Ok(order)
    }

    /// After an authorisation: the prepaid label, when the merchant pays the return
    /// (a buyer who pays sends the parcel their own way and declares it), unless the
    /// buyer keeps the items or no address is set. Staff may still issue one by hand.
    pub async fn label_after_authorisation(&self, outcome: CommandOutcome) -> CommandOutcome {
        let needs_label = outcome.state.returns.as_ref().is_some_and(|r| {
            r.rma.is_some()
                && !r.returnless
                && r.label.is_none()
                && r.return_shipping == amiable_domain::returns::ReturnShipping::Merchant
        }) && outcome.state.status == CaseStatus::Open;
        if !needs_label {
            return outcome;
        }
        let actor = Actor::System {
            id: "labels".into(),
        };
        match crate::labels::issue(self, &outcome.state, actor, DEFAULT_WEIGHT_GRAMS, 1).await {
            Ok(labelled) => chain(outcome, labelled),
            Err(error) => {
                // The return stays authorised; staff issue the label once the cause is fixed.
                tracing::warn!(code = %error.code, "no label after authorisation");
                outcome
            }
        }
    }

    /// Authorises a return (RMA number) and, unless returnless, books its label.
    pub async fn authorise_return(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        returnless: bool,
    ) -> Result<CommandOutcome, Error> {
        let outcome = self
            .execute_for(
                principal,
                case_id,
                Action::HandleReturn,
                expected,
                Command::Returns(ReturnCommand::AuthoriseReturn { returnless }),
            )
            .await?;
        Ok(self.label_after_authorisation(outcome).await)
    }

    /// Books the return with the carrier and records the (new) label.
    pub async fn issue_label(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        weight_grams: Option<u32>,
        parcel_count: Option<u32>,
    ) -> Result<CommandOutcome, Error> {
        self.allow_on_case(principal, Action::HandleReturn, case_id)
            .await?;
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        if let Some(expected) = expected
            && expected != record.state.version
        {
            return Err(amiable_store::CommandError::Conflict {
                current_version: record.state.version,
            }
            .into());
        }
        if record
            .state
            .returns
            .as_ref()
            .is_some_and(|r| r.rma.is_none())
        {
            return Err(Error::invalid_field(
                "rma",
                "label.return_not_authorised",
                "a label is issued for an authorised return",
            ));
        }
        crate::labels::issue(
            self,
            &record.state,
            principal.actor(),
            weight_grams.unwrap_or(DEFAULT_WEIGHT_GRAMS),
            parcel_count.unwrap_or(1),
        )
        .await
    }

    /// The return label as a PDF: A6 (the recorded attachment) or A4 (`size`).
    pub async fn label_pdf(
        &self,
        principal: &Principal,
        case_id: CaseId,
        size: Option<&str>,
    ) -> Result<LabelPdf, Error> {
        self.allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let label = record
            .state
            .returns
            .as_ref()
            .and_then(|r| r.label.clone())
            .ok_or_else(|| Error::not_found("label"))?;
        let a4 = size == Some("a4");
        let bytes = match size {
            None | Some("a6") => self
                .blobs()
                .open(&label.attachment.sha256)
                .await
                .map_err(|error| Error::internal_because("cannot read a label", error))?
                .ok_or_else(|| Error::not_found("label"))?,
            Some("a4") => crate::labels::render(self, &record.state, PageSize::A4).await?,
            Some(_) => {
                return Err(Error::invalid_field(
                    "size",
                    "label.size_invalid",
                    "a6 or a4",
                ));
            }
        };
        // The two files get distinct names: "etiquette-retour-RMA.pdf" and "…-a4.pdf".
        let recorded = label.attachment.filename.as_str();
        let filename = if a4 {
            match recorded.strip_suffix(".pdf") {
                Some(stem) => format!("{stem}-a4.pdf"),
                None => format!("{recorded}-a4.pdf"),
            }
        } else {
            recorded.to_owned()
        };
        Ok(LabelPdf { bytes, filename })
    }
}
