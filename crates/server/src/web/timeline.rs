//! A case's timeline as people read it: each event becomes a sentence in the
//! page's language, with who did it, when, and what it carried (a message, a
//! file, an amount).

use super::Ui;
use amiable_domain::case::{Actor, CaseEvent, ParcelStatus, Party, Visibility};
use amiable_domain::case::{
    ConversationEvent, EscalationEvent, LifecycleEvent, MoneyEvent, ReturnEvent,
};
use amiable_domain::order::Order;
use amiable_store::StoredEvent;
use jiff::Timestamp;

/// A file on the timeline.
#[derive(Debug, Clone)]
pub struct FileView {
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
}

impl FileView {
    pub fn is_image(&self) -> bool {
        // HEIC is not shown inline by most browsers: offered as a download.
        matches!(
            self.content_type.as_str(),
            "image/jpeg" | "image/png" | "image/webp" | "image/gif"
        )
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: i64,
    pub at: Timestamp,
    /// `buyer`, `merchant`, `operator`, `system`, `provider`: the side of the thread.
    pub party: &'static str,
    /// Who, in words («Vous», «La boutique», «Le service médiation», «amiable»).
    pub who: String,
    /// What happened, in one sentence.
    pub title: String,
    /// Further lines (items, amounts, grounds).
    pub details: Vec<String>,
    /// A message's text.
    pub body: Option<String>,
    pub file: Option<FileView>,
    /// Staff only (an internal note or file, a reminder).
    pub internal: bool,
    /// In a private channel with the mediator, who cannot see it (« Échange privé avec
    /// le médiateur — invisible pour la boutique »): the other party never reads it.
    pub private: Option<String>,
    /// A message or note (shown as a bubble) rather than a step.
    pub is_message: bool,
}

fn party_of(actor: &Actor) -> Party {
    actor.party()
}

fn who(ui: &Ui, actor: &Actor, viewer: Party) -> String {
    let party = party_of(actor);
    if party == viewer && viewer == Party::Buyer {
        return ui.t("who-you");
    }
    match party {
        Party::Buyer => ui.t("who-buyer"),
        Party::Merchant => ui.t("who-merchant"),
        Party::Operator => ui.t("who-operator"),
        Party::System => ui.t("who-system"),
        Party::Provider => ui.t("who-provider"),
    }
}

fn line_title(order: Option<&Order>, line_id: &str) -> String {
    order
        .and_then(|o| o.lines.iter().find(|l| l.line_id.as_str() == line_id))
        .map(|l| l.title.as_str().to_owned())
        .unwrap_or_else(|| line_id.to_owned())
}

/// The timeline of a case as `viewer` reads it (events already filtered for them).
pub fn entries(
    ui: &Ui,
    events: &[StoredEvent],
    order: Option<&Order>,
    viewer: Party,
) -> Vec<Entry> {
    // A return of lines never shipped is a cancellation: its authorisation says so.
    let cancellation = order.is_some_and(|order| {
        events.iter().any(|e| match &e.event {
            CaseEvent::Returns(ReturnEvent::ReturnRequested { lines, .. }) => {
                lines.iter().all(|l| !order.line_shipped(&l.line_id))
            }
            _ => false,
        })
    });
    events
        .iter()
        .map(|event| entry(ui, event, order, viewer, cancellation))
        .collect()
}

fn entry(
    ui: &Ui,
    stored: &StoredEvent,
    order: Option<&Order>,
    viewer: Party,
    cancellation: bool,
) -> Entry {
    let mut details = Vec::new();
    let mut body = None;
    let mut file = None;
    let mut is_message = false;
    let item = |line_id: &str, quantity: u32| {
        ui.ta2(
            "timeline-item",
            "count",
            quantity,
            "what",
            line_title(order, line_id),
        )
    };
    let title = match &stored.event {
        CaseEvent::Lifecycle(LifecycleEvent::Opened {
            kind,
            reason,
            items,
            claimed,
            description,
            ..
        }) => {
            // A return's lines are listed with its request, just after.
            if *kind != amiable_domain::case::CaseKind::Return {
                for i in items {
                    details.push(item(i.line_id.as_str(), i.quantity.get()));
                }
            }
            if let Some(claimed) = claimed {
                details.push(ui.ta("timeline-claimed", "amount", ui.money(claimed)));
            }
            body = Some(description.as_str().to_owned());
            ui.ta2(
                "timeline-opened",
                "kind",
                ui.label("kind", kind.code()),
                "reason",
                ui.reason(reason.as_str()),
            )
        }
        CaseEvent::Conversation(ConversationEvent::MessagePosted { body: text }) => {
            is_message = true;
            body = Some(text.as_str().to_owned());
            ui.t("timeline-message")
        }
        CaseEvent::Conversation(ConversationEvent::NoteAdded { body: text }) => {
            is_message = true;
            body = Some(text.as_str().to_owned());
            ui.t("timeline-note")
        }
        CaseEvent::Conversation(ConversationEvent::AttachmentAdded {
            attachment,
            visibility,
        }) => {
            file = Some(FileView {
                sha256: attachment.sha256.clone(),
                filename: attachment.filename.as_str().to_owned(),
                content_type: attachment.content_type.as_str().to_owned(),
                size_bytes: attachment.size_bytes,
            });
            if *visibility == Visibility::Internal {
                ui.t("timeline-file-internal")
            } else {
                ui.t("timeline-file")
            }
        }
        CaseEvent::Escalation(EscalationEvent::OfferProposed { terms, message, .. }) => {
            if let Some(message) = message {
                body = Some(message.as_str().to_owned());
            }
            if let Some(note) = &terms.note {
                details.push(note.as_str().to_owned());
            }
            ui.ta("timeline-offer", "what", resolution_text(ui, terms))
        }
        CaseEvent::Escalation(EscalationEvent::OfferAccepted { .. }) => {
            ui.t("timeline-offer-accepted")
        }
        CaseEvent::Escalation(EscalationEvent::OfferDeclined { reason, .. }) => {
            if let Some(reason) = reason {
                details.push(reason.as_str().to_owned());
            }
            ui.t("timeline-offer-declined")
        }
        CaseEvent::Escalation(EscalationEvent::Escalated { to, reason, .. }) => {
            details.push(reason.as_str().to_owned());
            ui.ta("timeline-escalated", "stage", ui.label("stage", to.code()))
        }
        CaseEvent::Escalation(EscalationEvent::DecisionRecorded { decision }) => {
            // The grounds, paragraphs kept, as a message is shown.
            body = Some(decision.rationale.as_str().to_owned());
            if !decision.cites.is_empty() {
                let cites: Vec<String> =
                    decision.cites.iter().map(|c| ui.law(c.as_str())).collect();
                // « ; » has its space before it in French.
                let separator = match ui.lang {
                    crate::i18n::Lang::Fr => "\u{a0}; ",
                    crate::i18n::Lang::En => "; ",
                };
                details.push(ui.ta("timeline-cites", "what", cites.join(separator)));
            }
            ui.ta2(
                "timeline-decision",
                "what",
                resolution_text(ui, &decision.resolution),
                "who",
                ui.label("outcome", decision.outcome.code()),
            )
        }
        CaseEvent::Lifecycle(LifecycleEvent::Resolved { resolution }) => {
            if let Some(note) = &resolution.note {
                details.push(note.as_str().to_owned());
            }
            ui.ta("timeline-resolved", "what", resolution_text(ui, resolution))
        }
        CaseEvent::Lifecycle(LifecycleEvent::Reopened { reason }) => {
            details.push(reason.as_str().to_owned());
            ui.t("timeline-reopened")
        }
        CaseEvent::Lifecycle(LifecycleEvent::Closed { reason }) => {
            ui.label("closed", reason.code())
        }
        CaseEvent::Lifecycle(LifecycleEvent::Cancelled { reason }) => {
            details.push(reason.as_str().to_owned());
            ui.t("timeline-cancelled")
        }
        CaseEvent::Returns(ReturnEvent::ReturnRequested {
            lines,
            refund_due_by,
            return_shipping,
            ..
        }) => {
            for line in lines {
                details.push(item(line.line_id.as_str(), line.quantity.get()));
            }
            // Nothing of it was shipped: a cancellation, with nothing to send back.
            let cancellation = order.is_some_and(|order| {
                lines.iter().all(|l| {
                    !order.line_shipped(&l.line_id)
                        && !order
                            .line(&l.line_id)
                            .is_some_and(|o| o.has(amiable_domain::order::LineFlag::Digital))
                })
            });
            if !cancellation {
                details.push(ui.label(
                    "shipping",
                    match return_shipping {
                        amiable_domain::returns::ReturnShipping::Buyer => "buyer",
                        amiable_domain::returns::ReturnShipping::Merchant => "merchant",
                    },
                ));
            }
            if let Some(due) = refund_due_by {
                details.push(ui.ta("timeline-refund-due", "date", ui.date(due)));
            }
            if cancellation {
                ui.t("timeline-cancellation-requested")
            } else {
                ui.t("timeline-return-requested")
            }
        }
        CaseEvent::Returns(ReturnEvent::ReturnAuthorised {
            rma,
            returnless,
            automatic,
        }) => {
            if *returnless && cancellation {
                details.push(ui.t("timeline-cancelled-unshipped"));
            } else if *returnless {
                details.push(ui.t("timeline-returnless"));
            }
            if *automatic {
                details.push(ui.t("timeline-automatic"));
            }
            ui.ta("timeline-authorised", "rma", rma)
        }
        CaseEvent::Returns(ReturnEvent::ReturnRefused { ground }) => {
            details.push(ground.as_str().to_owned());
            ui.t("timeline-refused")
        }
        CaseEvent::Returns(ReturnEvent::LabelIssued { label }) => {
            details.push(ui.ta2(
                "timeline-label-detail",
                "what",
                label.carrier.as_str(),
                "number",
                label.tracking_number.as_str(),
            ));
            details.push(ui.ta("timeline-label-until", "date", ui.day_of(&label.expires_at)));
            ui.t("timeline-label")
        }
        CaseEvent::Returns(ReturnEvent::LabelExpired {}) => ui.t("timeline-label-expired"),
        CaseEvent::Returns(ReturnEvent::ParcelScanned {
            status, location, ..
        }) => {
            if let Some(location) = location {
                details.push(location.as_str().to_owned());
            }
            ui.label(
                "scan",
                match status {
                    ParcelStatus::InTransit => "in_transit",
                    ParcelStatus::OutForDelivery => "out_for_delivery",
                    ParcelStatus::Delivered => "delivered",
                    ParcelStatus::Exception => "exception",
                    ParcelStatus::Lost => "lost",
                },
            )
        }
        CaseEvent::Returns(ReturnEvent::ShipmentDeclared { shipment }) => {
            details.push(ui.ta2(
                "timeline-label-detail",
                "what",
                shipment.carrier.as_str(),
                "number",
                shipment.tracking_number.as_str(),
            ));
            details.push(ui.ta(
                "timeline-shipped-on",
                "date",
                ui.day_of(&shipment.shipped_at),
            ));
            if let Some(receipt) = &shipment.receipt {
                file = Some(FileView {
                    sha256: receipt.sha256.clone(),
                    filename: receipt.filename.as_str().to_owned(),
                    content_type: receipt.content_type.as_str().to_owned(),
                    size_bytes: receipt.size_bytes,
                });
            }
            if viewer == Party::Buyer {
                ui.t("timeline-shipment-declared-you")
            } else {
                ui.t("timeline-shipment-declared")
            }
        }
        CaseEvent::Returns(ReturnEvent::ReturnReceived { lines }) => {
            for line in lines {
                details.push(ui.ta2(
                    "timeline-received-line",
                    "what",
                    item(line.line_id.as_str(), line.quantity),
                    "status",
                    ui.label("condition", line.condition.code()),
                ));
            }
            ui.t("timeline-received")
        }
        CaseEvent::Returns(ReturnEvent::ReturnInspected { lines }) => {
            for line in lines {
                let verdict = if line.compliant {
                    ui.t("timeline-compliant")
                } else {
                    ui.t("timeline-not-compliant")
                };
                details.push(format!(
                    "{} — {verdict}",
                    line_title(order, line.line_id.as_str())
                ));
                for deduction in &line.deductions {
                    details.push(ui.ta2(
                        "timeline-deduction",
                        "what",
                        deduction.label.as_str(),
                        "amount",
                        ui.money(&deduction.amount),
                    ));
                }
            }
            ui.t("timeline-inspected")
        }
        CaseEvent::Money(MoneyEvent::RefundRecorded {
            amount,
            deductions,
            late,
            ..
        }) => {
            for deduction in deductions {
                details.push(ui.ta2(
                    "timeline-deduction",
                    "what",
                    deduction.label.as_str(),
                    "amount",
                    ui.money(&deduction.amount),
                ));
            }
            if let Some(late) = late {
                details.push(late_text(ui, late));
            }
            ui.ta("timeline-refund", "amount", ui.money(amount))
        }
        CaseEvent::Money(MoneyEvent::RefundSettled { late, .. }) => {
            if let Some(late) = late {
                details.push(late_text(ui, late));
            }
            ui.t("timeline-refund-settled")
        }
        CaseEvent::Money(MoneyEvent::RefundFailed { .. }) => ui.t("timeline-refund-failed"),
        CaseEvent::Money(MoneyEvent::StoreCreditIssued { amount, bonus }) => {
            if bonus.is_positive() {
                details.push(ui.ta("timeline-bonus", "amount", ui.money(bonus)));
            }
            ui.ta("timeline-store-credit", "amount", ui.money(amount))
        }
        CaseEvent::Money(MoneyEvent::ExchangeRecorded { lines, difference }) => {
            for line in lines {
                details.push(ui.ta2(
                    "timeline-exchange-line",
                    "what",
                    line_title(order, line.line_id.as_str()),
                    "name",
                    line.title.as_str(),
                ));
            }
            if difference.amount_minor > 0 {
                details.push(ui.ta("timeline-exchange-owed", "amount", ui.money(difference)));
            } else if difference.amount_minor < 0 {
                let back = amiable_domain::money::Money::new(
                    -difference.amount_minor,
                    difference.currency,
                );
                details.push(ui.ta("timeline-exchange-back", "amount", ui.money(&back)));
            }
            ui.t("timeline-exchange")
        }
        CaseEvent::Money(MoneyEvent::CompensationRecorded {
            kind, amount, note, ..
        }) => {
            if let Some(note) = note {
                details.push(note.as_str().to_owned());
            }
            ui.ta2(
                "timeline-compensation",
                "what",
                ui.label("goodwill", kind.code()),
                "amount",
                ui.money(amount),
            )
        }
        CaseEvent::Money(MoneyEvent::ReminderSent { topic, due_by }) => ui.ta2(
            "timeline-reminder",
            "what",
            ui.label("reminder", topic.code()),
            "date",
            ui.date(due_by),
        ),
        CaseEvent::Money(MoneyEvent::CompensationApprovalRequested {
            kind,
            amount,
            note,
            over_budget,
            ..
        }) => {
            if let Some(note) = note {
                details.push(note.as_str().to_owned());
            }
            if *over_budget {
                details.push(ui.t("timeline-over-budget"));
            }
            ui.ta2(
                "timeline-approval-requested",
                "what",
                ui.label("goodwill", kind.code()),
                "amount",
                ui.money(amount),
            )
        }
        CaseEvent::Money(MoneyEvent::CompensationDeclined { reason, .. }) => {
            details.push(reason.as_str().to_owned());
            ui.t("timeline-approval-declined")
        }
        CaseEvent::Money(MoneyEvent::MarketplacePaid {
            amount,
            recovered_from_merchant,
        }) => {
            if *recovered_from_merchant && viewer != Party::Buyer {
                details.push(ui.ta("timeline-recovered", "amount", ui.money(amount)));
            }
            ui.ta("timeline-marketplace-paid", "amount", ui.money(amount))
        }
        CaseEvent::Incident(event) => incident_entry(ui, event, order, &mut details, &mut body),
        CaseEvent::Mediation(event) => {
            let (title, text, message) = mediation_entry(ui, event, viewer, &mut details);
            body = text;
            is_message = message;
            title
        }
        CaseEvent::Helpdesk(event) => {
            let (title, text) = helpdesk_entry(ui, event, &mut details);
            is_message = text.is_some();
            body = text;
            title
        }
    };
    // A step amiable took by itself within someone's command (a return the policy
    // authorises as it is asked for) is amiable's, not the person's who asked.
    let automatic = matches!(
        &stored.event,
        CaseEvent::Returns(ReturnEvent::ReturnAuthorised {
            automatic: true,
            ..
        })
    );
    let actor = if automatic {
        Actor::System {
            id: "policy".to_owned(),
        }
    } else {
        stored.actor.clone()
    };
    Entry {
        seq: stored.seq,
        at: stored.recorded_at,
        party: party_of(&actor).code(),
        who: who(ui, &actor, viewer),
        title,
        details,
        body,
        file,
        // A private channel is not an internal note: its party sees it too.
        internal: !stored.event.is_public() && stored.event.private_channel().is_none(),
        private: stored
            .event
            .private_channel()
            .map(|channel| private_badge(ui, channel, viewer)),
        is_message,
    }
}

/// The badge of an entry in a private channel: to its party, an exchange with the
/// mediator the other party cannot see; to the mediator, which party cannot see it.
fn private_badge(ui: &Ui, channel: Party, viewer: Party) -> String {
    let hidden_from = if channel == Party::Buyer {
        "merchant"
    } else {
        "buyer"
    };
    if viewer == channel {
        ui.ta("private-entry", "hidden", hidden_from)
    } else {
        ui.ta("private-entry-mediator", "hidden", hidden_from)
    }
}

/// A late refund and what the law adds (C. conso L242-4).
pub fn late_text(ui: &Ui, late: &amiable_domain::case::LateRefund) -> String {
    use amiable_domain::law::refund::Surcharge;
    match &late.surcharge {
        Surcharge::Percent {
            percent, amount, ..
        } => ui.ta2(
            "timeline-late",
            "days",
            late.days_late,
            "amount",
            format!("{} ({percent} %)", ui.money(amount)),
        ),
        Surcharge::LegalInterest { .. } => ui.ta("timeline-late-interest", "days", late.days_late),
        Surcharge::None => ui.ta("timeline-late-interest", "days", late.days_late),
    }
}

/// A resolution in words: « Remboursement partiel de 20,00 € ».
pub fn resolution_text(ui: &Ui, resolution: &amiable_domain::case::Resolution) -> String {
    let kind = ui.label("resolution", resolution.kind.code());
    let mut text = match &resolution.amount {
        Some(amount) => ui.ta2(
            "resolution-with-amount",
            "what",
            &kind,
            "amount",
            ui.money(amount),
        ),
        None => kind,
    };
    if let Some(bonus) = resolution.bonus_percent.filter(|b| *b > 0) {
        text.push_str(&ui.ta("resolution-bonus", "percent", bonus));
    }
    text
}

fn incident_entry(
    ui: &Ui,
    event: &amiable_domain::case::IncidentEvent,
    order: Option<&Order>,
    details: &mut Vec<String>,
    body: &mut Option<String>,
) -> String {
    use amiable_domain::case::IncidentEvent as E;
    match event {
        E::ResponsibilityDetermined {
            responsible,
            grounds,
            merchant_answers,
        } => {
            *body = Some(grounds.as_str().to_owned());
            if *merchant_answers && *responsible != amiable_domain::case::Responsibility::Merchant {
                details.push(ui.t("timeline-merchant-answers"));
            }
            ui.ta(
                "timeline-responsibility",
                "who",
                ui.label("responsibility", responsible.code()),
            )
        }
        E::DeliveryDeadlineSet { deliver_by } => {
            ui.ta("timeline-delivery-deadline", "date", ui.date(deliver_by))
        }
        E::LateOrderCancelled { refund_due_by } => {
            ui.ta("timeline-late-cancelled", "date", ui.date(refund_due_by))
        }
        E::CarrierClaimFiled {
            carrier,
            reference,
            amount,
            reserves_due,
            reserves_sent_on,
        } => {
            details.push(ui.ta("timeline-claim-reference", "reference", reference.as_str()));
            if let Some(due) = reserves_due {
                details.push(ui.ta("timeline-reserves-due", "date", ui.date(due)));
            }
            if let Some(sent) = reserves_sent_on {
                details.push(ui.ta("timeline-reserves-sent", "date", ui.date(sent)));
            }
            ui.ta2(
                "timeline-claim-filed",
                "carrier",
                carrier.as_str(),
                "amount",
                ui.money(amount),
            )
        }
        E::CarrierClaimSettled { outcome, recovered } => ui.ta2(
            "timeline-claim-settled",
            "outcome",
            ui.label("claim", outcome.code()),
            "amount",
            ui.money(recovered),
        ),
        E::Reshipped {
            lines,
            carrier,
            tracking_number,
            ..
        } => {
            for line in lines {
                details.push(ui.ta2(
                    "timeline-item",
                    "count",
                    line.quantity.get(),
                    "what",
                    line_title(order, line.line_id.as_str()),
                ));
            }
            ui.ta2(
                "timeline-reshipped",
                "carrier",
                carrier.as_str(),
                "tracking",
                tracking_number.as_str(),
            )
        }
        E::ReshipmentDelivered { .. } => ui.t("timeline-reshipment-delivered"),
        E::ReshipmentLost { .. } => ui.t("timeline-reshipment-lost"),
    }
}

/// The title, the text and whether it reads as a message.
fn mediation_entry(
    ui: &Ui,
    event: &amiable_domain::case::MediationEvent,
    viewer: Party,
    details: &mut Vec<String>,
) -> (String, Option<String>, bool) {
    use amiable_domain::case::MediationEvent as E;
    // A party reads its own channel as "you and the mediator".
    let with = |channel: &Party| {
        if *channel == viewer {
            "you"
        } else {
            channel.code()
        }
    };
    match event {
        E::PrivateMessagePosted { channel, body } => (
            ui.ta("timeline-private-message", "with", with(channel)),
            Some(body.as_str().to_owned()),
            true,
        ),
        E::InformationRequested {
            from,
            request,
            due_at,
            ..
        } => {
            details.push(ui.ta("timeline-due", "date", ui.datetime(due_at)));
            (
                ui.ta("timeline-information-requested", "with", with(from)),
                Some(request.as_str().to_owned()),
                true,
            )
        }
        E::Appealed {
            grounds,
            window_until,
        } => {
            details.push(ui.ta("timeline-appeal-window", "date", ui.datetime(window_until)));
            (
                ui.t("timeline-appealed"),
                Some(grounds.as_str().to_owned()),
                true,
            )
        }
        E::AppealDecided {
            outcome,
            grounds,
            decision,
            recovery_waived,
        } => {
            if let Some(decision) = decision {
                details.push(ui.ta(
                    "timeline-new-decision",
                    "what",
                    ui.label("resolution", decision.resolution.kind.code()),
                ));
            }
            if let Some(amount) = recovery_waived {
                details.push(ui.ta("timeline-recovery-waived", "amount", ui.money(amount)));
            }
            (
                ui.label("appeal", outcome.code()),
                Some(grounds.as_str().to_owned()),
                true,
            )
        }
        E::ConsumerMediationOffered { mediator } => {
            details.push(mediator.website.as_str().to_owned());
            (
                ui.ta("timeline-consumer-mediator", "name", mediator.name.as_str()),
                None,
                false,
            )
        }
    }
}

fn helpdesk_entry(
    ui: &Ui,
    event: &amiable_domain::case::HelpdeskEvent,
    details: &mut Vec<String>,
) -> (String, Option<String>) {
    use amiable_domain::case::HelpdeskEvent as E;
    match event {
        E::CaseAssigned { assignee: Some(a) } => {
            let who = a
                .name
                .clone()
                .or_else(|| a.team_id.clone())
                .unwrap_or_default();
            (ui.ta("timeline-assigned", "who", who), None)
        }
        E::CaseAssigned { assignee: None } => (ui.t("timeline-unassigned"), None),
        E::SlaAlertRaised {
            target,
            alert,
            due_at,
            policy,
            ..
        } => {
            details.push(ui.ta("timeline-due", "date", ui.datetime(due_at)));
            details.push(policy.clone());
            (
                ui.ta2(
                    "timeline-sla-alert",
                    "target",
                    ui.label("sla-target", target.code()),
                    "alert",
                    ui.label("sla-alert", alert.code()),
                ),
                None,
            )
        }
        E::AutomationFired { rule, actions, .. } => {
            // `notify:operator`, `assign_team:…`, `status_update`: the action in words.
            details.extend(actions.iter().map(|code| {
                let action = match code.split_once(':') {
                    Some(("notify", who)) => format!("notify_{who}"),
                    Some(_) => "assign".to_owned(),
                    None => code.clone(),
                };
                ui.label("rules-action", &action)
            }));
            (ui.ta("timeline-automation", "rule", rule), None)
        }
        E::StatusUpdateSent { body } => (
            ui.t("timeline-status-update"),
            Some(body.as_str().to_owned()),
        ),
    }
}
