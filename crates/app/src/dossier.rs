//! The case's dossier: a PDF a consumer mediator or a court can read.
//!
//! At the end of the ladder the buyer is offered the consumer mediator
//! (C. conso L612-1) with the case as it stands: who the parties are, what
//! was claimed, every step in order, the evidence with its SHA-256, the money
//! moved, the decision with its grounds, the appeal, the mediator named, and
//! whether the case's hash chain still verifies.
//!
//! A dossier is the case as its reader may see it, the same filter as
//! [`App::read_case`]: a party's private channel with the mediator stays out
//! of the other party's copy, internal notes out of the buyer's, and who
//! recovers what from whom is staff business. The words are the catalogue's
//! (`dossier.ftl`, and the timeline's sentences of `ui.ftl`); the layout is
//! [`amiable_labels::render_document`].

use crate::access::may;
use crate::cases::{hide_channels, hide_internal};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{
    CaseEvent, CaseKind, CaseState, ConsumerMediator, ConversationEvent, Decision, EscalationEvent,
    HelpdeskEvent, IncidentEvent, LateRefund, LifecycleEvent, MediationEvent, MoneyEvent, Party,
    Payer, Resolution, ReturnEvent, Visibility,
};
use amiable_domain::contact::Locale;
use amiable_domain::ids::{CaseId, LineId};
use amiable_domain::law::refund::Surcharge;
use amiable_domain::money::Money;
use amiable_domain::order::{LineFlag, Order};
use amiable_domain::reason::{BuiltinReason, CustomReason};
use amiable_domain::returns::ReturnShipping;
use amiable_domain::timeline::{ChainBreak, ChainedEvent, StoredLink, to_hex, verify_chain};
use amiable_i18n::{Lang, format};
use amiable_labels::{Block, CellAlign, Document, Language, Table, TableColumn};
use amiable_store::{LedgerRow, StoredEvent};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::BTreeSet;

/// A rendered dossier.
#[derive(Debug, Clone)]
pub struct DossierPdf {
    pub bytes: Vec<u8>,
    pub filename: String,
}

impl App {
    /// The dossier of a case as `principal` may see it, in `lang` (`fr`/`en`; the
    /// buyer's language when absent).
    pub async fn dossier(
        &self,
        principal: &Principal,
        case_id: CaseId,
        lang: Option<&str>,
    ) -> Result<DossierPdf, Error> {
        let resource = self
            .allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        let internal = may(principal, Action::ReadInternal, &resource);
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let full_timeline = self.store().timeline(case_id).await?;
        // Checked on the whole log, before anything is left out of this copy.
        let integrity = verify(&full_timeline, &record.state, &record.last_hash);

        let viewer = principal.actor().party();
        let mut state = record.state;
        if !internal {
            hide_internal(&mut state, &full_timeline);
        }
        hide_channels(&mut state, viewer);
        let timeline: Vec<&StoredEvent> = full_timeline
            .iter()
            .filter(|e| visible(&e.event, viewer, internal))
            .collect();

        let order = self
            .store()
            .order(state.order_id)
            .await?
            .map(|summary| summary.order);
        let operator = self.store().operator(state.operator_id).await?;
        let merchant = self.store().merchant(state.merchant_id).await?;
        let ladder = self.ladder(state.operator_id).await?;
        let taxonomy = self.store().taxonomy(state.operator_id).await?;
        let zone = self
            .staff_zone(state.operator_id, None)
            .await?
            .unwrap_or_else(format::zone);
        let ledger = self.store().ledger_rows(state.order_id).await?;
        let shown: BTreeSet<i64> = timeline.iter().map(|e| e.seq).collect();
        let ledger = ledger_for(&ledger, case_id, &shown, viewer);

        let words = Words {
            lang: language(lang, principal, order.as_ref().map(|o| o.buyer.locale)),
            zone,
            custom: taxonomy.custom,
        };
        let facts = Facts {
            viewer,
            state: &state,
            order: order.as_ref(),
            buyer_name: order
                .as_ref()
                .map(|o| o.buyer.name.as_str().to_owned())
                .unwrap_or_default(),
            order_reference: record.order_external_id.clone(),
            marketplace: operator.map(|o| o.name).unwrap_or_default(),
            shop: merchant.map(|m| m.name).unwrap_or_default(),
            timeline: &timeline,
            events: full_timeline.len(),
            ledger: &ledger,
            named_mediator: ladder.consumer_mediator.as_ref(),
            integrity,
        };
        let bytes = amiable_labels::render_document(&document(&facts, &words))
            .map_err(|error| Error::internal_because("dossier not rendered", error))?;
        Ok(DossierPdf {
            bytes,
            filename: format!("dossier-{}.pdf", case_id.short()),
        })
    }
}

/// Whether `viewer` reads this event in its copy: [`CaseEvent::visible_to`], and
/// for those who may not read internal entries, the public timeline and their own
/// private channel only.
fn visible(event: &CaseEvent, viewer: Party, internal: bool) -> bool {
    event.visible_to(viewer)
        && (internal || event.is_public() || event.private_channel() == Some(viewer))
}

/// The language of the dossier: the one asked for, else the buyer's own
/// (`buyer_locale`, the order's) for a buyer, else French (the marketplace's).
fn language(requested: Option<&str>, principal: &Principal, buyer_locale: Option<Locale>) -> Lang {
    match requested.map(str::trim) {
        Some(code) if code.eq_ignore_ascii_case("fr") => Lang::Fr,
        Some(code) if code.eq_ignore_ascii_case("en") => Lang::En,
        _ => match (principal, buyer_locale) {
            (Principal::Buyer { .. }, Some(Locale::En)) => Lang::En,
            _ => Lang::Fr,
        },
    }
}

/// The order's ledger as `viewer` may read it: this case's rows only when their
/// event is in the reader's copy, and none of what the marketplace recovers from
/// the merchant or the carrier pays the merchant in a buyer's.
fn ledger_for<'a>(
    rows: &'a [LedgerRow],
    case_id: CaseId,
    shown: &BTreeSet<i64>,
    viewer: Party,
) -> Vec<&'a LedgerRow> {
    const MERCHANT_SIDE: [&str; 3] = ["due_from_merchant", "recovery_waived", "carrier_recovered"];
    rows.iter()
        .filter(|row| row.case_id != case_id || shown.contains(&row.seq))
        .filter(|row| viewer != Party::Buyer || !MERCHANT_SIDE.contains(&row.kind.as_str()))
        .collect()
}

/// Whether the case's log is the one recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Integrity {
    /// Every link verifies and the case row names the chain's end.
    Verified { last_hash: String },
    /// The chain breaks at this event (or, `None`, at its end: events removed).
    Broken { seq: Option<i64> },
}

/// Walks the case's hash chain (`amiable_domain::timeline`) as the store's
/// `verify` does for every case, for this one case.
fn verify(events: &[StoredEvent], state: &CaseState, last_hash: &str) -> Integrity {
    let case_id = state.case_id.to_string();
    let operator_id = state.operator_id.to_string();
    let merchant_id = state.merchant_id.to_string();
    let mut parsed = Vec::with_capacity(events.len());
    for event in events {
        let actor = serde_json::to_value(&event.actor);
        let payload = serde_json::from_str::<serde_json::Value>(&event.payload_text);
        match (actor, payload) {
            (Ok(actor), Ok(payload)) => parsed.push((actor, payload)),
            _ => {
                return Integrity::Broken {
                    seq: Some(event.seq),
                };
            }
        }
    }
    let links = events
        .iter()
        .zip(&parsed)
        .map(|(event, (actor, payload))| StoredLink {
            event: ChainedEvent {
                case_id: &case_id,
                operator_id: &operator_id,
                merchant_id: &merchant_id,
                seq: event.seq,
                event_type: &event.event_type,
                schema_version: event.schema_version,
                actor,
                recorded_at_micros: event.recorded_at.as_microsecond(),
                payload,
            },
            prev_hash: &event.prev_hash,
            hash: &event.hash,
        });
    match verify_chain(links) {
        Ok(hash) if to_hex(&hash) == last_hash && events.len() as i64 == state.version => {
            Integrity::Verified {
                last_hash: to_hex(&hash),
            }
        }
        Ok(_) => Integrity::Broken { seq: None },
        Err(
            ChainBreak::SequenceGap { found: seq, .. }
            | ChainBreak::PreviousMismatch { seq }
            | ChainBreak::HashMismatch { seq }
            | ChainBreak::Unreadable { seq, .. },
        ) => Integrity::Broken { seq: Some(seq) },
    }
}

/// Everything the dossier shows, already filtered for its reader.
struct Facts<'a> {
    viewer: Party,
    /// The case as the reader may see it.
    state: &'a CaseState,
    order: Option<&'a Order>,
    buyer_name: String,
    order_reference: String,
    marketplace: String,
    shop: String,
    /// The events in the reader's copy, in order.
    timeline: &'a [&'a StoredEvent],
    /// How many events the case has in all.
    events: usize,
    ledger: &'a [&'a LedgerRow],
    /// The consumer mediator the marketplace names.
    named_mediator: Option<&'a ConsumerMediator>,
    integrity: Integrity,
}

/// The catalogue and the formats of the dossier's language, times in the
/// marketplace's zone.
struct Words {
    lang: Lang,
    zone: TimeZone,
    /// The operator's own reasons, for their labels.
    custom: Vec<CustomReason>,
}

impl Words {
    fn t(&self, key: &str) -> String {
        amiable_i18n::message(self.lang, key, None)
    }

    fn ta(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        amiable_i18n::message_with(self.lang, key, &[(name, &value.to_string())])
    }

    fn ta2(
        &self,
        key: &str,
        name: &str,
        value: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> String {
        amiable_i18n::message_with(
            self.lang,
            key,
            &[(name, &value.to_string()), (name2, &value2.to_string())],
        )
    }

    /// An enum's label from its code (`kind-return`), the code if there is none.
    fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{code}");
        if amiable_i18n::has(self.lang, &key) {
            self.t(&key)
        } else {
            code.to_owned()
        }
    }

    fn money(&self, amount: &Money) -> String {
        format::money(self.lang, amount)
    }

    fn datetime(&self, at: &Timestamp) -> String {
        format::datetime_in(self.lang, *at, &self.zone)
    }

    /// The calendar day of an instant, in the marketplace's zone.
    fn day_of(&self, at: &Timestamp) -> String {
        format::date_short(self.lang, at.to_zoned(self.zone.clone()).date())
    }

    fn date(&self, date: &Date) -> String {
        format::date(self.lang, *date)
    }

    fn size(&self, bytes: u64) -> String {
        format::size(self.lang, bytes)
    }

    /// A reason code's label (an operator's own reason under its parent's).
    fn reason(&self, code: &str) -> String {
        let root = code.split('.').next().unwrap_or(code);
        let root_label = BuiltinReason::from_code(root).map(|reason| match self.lang {
            Lang::Fr => reason.label_fr(),
            Lang::En => reason.label_en(),
        });
        if let Some(custom) = self.custom.iter().find(|c| c.code.as_str() == code) {
            let own = match self.lang {
                Lang::Fr => &custom.label_fr,
                Lang::En => &custom.label_en,
            };
            return match root_label {
                Some(root_label) => format!("{root_label} — {own}"),
                None => own.clone(),
            };
        }
        match root_label {
            Some(label) if root == code => label.to_owned(),
            Some(label) => format!("{label} — {}", code[root.len() + 1..].replace('_', " ")),
            None => code.to_owned(),
        }
    }

    /// Who did something, in words (« Client », « La boutique »…).
    fn who(&self, party: Party) -> String {
        self.t(match party {
            Party::Buyer => "who-buyer",
            Party::Merchant => "who-merchant",
            Party::Operator => "who-operator",
            Party::System => "who-system",
            Party::Provider => "who-provider",
        })
    }

    /// A resolution in words: « Remboursement partiel de 20,00 € ».
    fn resolution(&self, resolution: &Resolution) -> String {
        let kind = self.label("resolution", resolution.kind.code());
        let mut text = match &resolution.amount {
            Some(amount) => self.ta2(
                "resolution-with-amount",
                "what",
                &kind,
                "amount",
                self.money(amount),
            ),
            None => kind,
        };
        if let Some(bonus) = resolution.bonus_percent.filter(|b| *b > 0) {
            text.push_str(&self.ta("resolution-bonus", "percent", bonus));
        }
        text
    }

    /// A refund paid late, and what the law adds (C. conso L242-4).
    fn late(&self, late: &LateRefund) -> String {
        match &late.surcharge {
            Surcharge::Percent {
                percent, amount, ..
            } => self.ta2(
                "timeline-late",
                "days",
                late.days_late,
                "amount",
                format!("{} ({percent} %)", self.money(amount)),
            ),
            Surcharge::LegalInterest { .. } | Surcharge::None => {
                self.ta("timeline-late-interest", "days", late.days_late)
            }
        }
    }

    fn line_title(&self, order: Option<&Order>, line_id: &str) -> String {
        order
            .and_then(|o| o.lines.iter().find(|l| l.line_id.as_str() == line_id))
            .map(|l| l.title.as_str().to_owned())
            .unwrap_or_else(|| line_id.to_owned())
    }

    fn item(&self, order: Option<&Order>, line_id: &str, quantity: u32) -> String {
        self.ta2(
            "timeline-item",
            "count",
            quantity,
            "what",
            self.line_title(order, line_id),
        )
    }
}

/// The whole dossier.
fn document(facts: &Facts<'_>, words: &Words) -> Document {
    let reference = facts.state.case_id.short();
    let copy = words.t(match facts.viewer {
        Party::Buyer => "dossier-copy-buyer",
        Party::Merchant => "dossier-copy-merchant",
        Party::Operator | Party::System | Party::Provider => "dossier-copy-operator",
    });
    let mut blocks = Vec::new();
    claim(&mut blocks, facts, words);
    timeline(&mut blocks, facts, words);
    evidence(&mut blocks, facts, words);
    money(&mut blocks, facts, words);
    decisions(&mut blocks, facts, words);
    appeal(&mut blocks, facts, words);
    consumer_mediator(&mut blocks, facts, words);
    integrity(&mut blocks, facts, words);
    Document {
        title: words.ta("dossier-title", "reference", &reference),
        metadata: header(facts, words, &copy),
        blocks,
        footer: amiable_i18n::message_with(
            words.lang,
            "dossier-footer",
            &[
                ("reference", &reference),
                ("marketplace", &facts.marketplace),
                ("copy", &copy),
            ],
        ),
        language: match words.lang {
            Lang::Fr => Language::Fr,
            Lang::En => Language::En,
        },
    }
}

/// The lines under the title: whose copy, the parties, the order, where the case is.
fn header(facts: &Facts<'_>, words: &Words, copy: &str) -> Vec<(String, String)> {
    let state = facts.state;
    let order = match facts.order {
        Some(order) => words.ta2(
            "dossier-order-placed",
            "reference",
            &facts.order_reference,
            "date",
            words.day_of(&order.placed_at),
        ),
        None => facts.order_reference.clone(),
    };
    let status = if state.awaiting_payment.is_some()
        && state.status == amiable_domain::case::CaseStatus::Open
    {
        words.t("status-awaiting-payment")
    } else {
        words.label("status", state.status.code())
    };
    let last = facts.timeline.last().map(|e| e.recorded_at);
    let mut lines = vec![
        (words.t("dossier-field-copy"), copy.to_owned()),
        (
            words.t("dossier-field-marketplace"),
            facts.marketplace.clone(),
        ),
        (words.t("dossier-field-shop"), facts.shop.clone()),
        (words.t("dossier-field-buyer"), facts.buyer_name.clone()),
        (words.t("dossier-field-order"), order),
        (
            words.t("dossier-field-kind"),
            words.label("kind", state.kind.code()),
        ),
        (
            words.t("dossier-field-reason"),
            words.reason(state.reason.as_str()),
        ),
        (words.t("dossier-field-status"), status),
        (
            words.t("dossier-field-stage"),
            words.label("stage", state.stage.code()),
        ),
        (
            words.t("dossier-field-opened"),
            words.datetime(&state.opened_at),
        ),
    ];
    if let Some(last) = last {
        lines.push((
            words.t("dossier-field-state-at"),
            words.ta2(
                "dossier-state-at",
                "date",
                words.datetime(&last),
                "version",
                state.version,
            ),
        ));
    }
    lines
}

/// What was asked: the amount, the items, the opening statement.
fn claim(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    let state = facts.state;
    blocks.push(Block::Heading(words.t("dossier-claim")));
    blocks.push(Block::Field {
        label: words.t("dossier-field-claimed"),
        value: match &state.claimed {
            Some(amount) => words.money(amount),
            None => words.t("dossier-no-claimed-amount"),
        },
    });
    if !state.items.is_empty() {
        let items: Vec<String> = state
            .items
            .iter()
            .map(|item| {
                let mut text = words.item(facts.order, item.line_id.as_str(), item.quantity.get());
                if let Some(reason) = item.reason.as_ref().filter(|r| **r != state.reason) {
                    text.push_str(&format!(" — {}", words.reason(reason.as_str())));
                }
                text
            })
            .collect();
        blocks.push(Block::Field {
            label: words.t("dossier-field-items"),
            value: items.join("\n"),
        });
    }
    let opening = facts.timeline.iter().find_map(|e| match &e.event {
        CaseEvent::Lifecycle(LifecycleEvent::Opened { description, .. }) => {
            Some((e.actor.party(), description.as_str()))
        }
        _ => None,
    });
    if let Some((party, description)) = opening {
        blocks.push(Block::Subheading(format!(
            "{} — {}",
            words.t("dossier-field-description"),
            words.who(party)
        )));
        blocks.push(Block::Quote(description.to_owned()));
    }
}

/// Every event of the reader's copy, in order.
fn timeline(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-timeline")));
    blocks.push(Block::Note(words.ta(
        "dossier-timeline-intro",
        "zone",
        words.zone.iana_name().unwrap_or("UTC"),
    )));
    // A return of lines never shipped is a cancellation: its steps say so.
    let cancellation = facts.order.is_some_and(|order| {
        facts.timeline.iter().any(|e| match &e.event {
            CaseEvent::Returns(ReturnEvent::ReturnRequested { lines, .. }) => {
                unshipped(order, lines.iter().map(|l| &l.line_id))
            }
            _ => false,
        })
    });
    let context = Context {
        order: facts.order,
        viewer: facts.viewer,
        cancellation,
    };
    for stored in facts.timeline {
        let entry = describe(words, &stored.event, &context);
        // A step amiable took by itself within someone's command (a return the
        // policy authorises as it is asked for) is amiable's.
        let automatic = matches!(
            &stored.event,
            CaseEvent::Returns(ReturnEvent::ReturnAuthorised {
                automatic: true,
                ..
            })
        );
        let party = if automatic {
            Party::System
        } else {
            stored.actor.party()
        };
        blocks.push(Block::Subheading(format!(
            "{}. {} — {}",
            stored.seq,
            words.datetime(&stored.recorded_at),
            words.who(party)
        )));
        let mut text = entry.title;
        for detail in entry.details {
            text.push('\n');
            text.push_str(&detail);
        }
        blocks.push(Block::Paragraph(text));
        if let Some(body) = entry.body {
            blocks.push(Block::Quote(body));
        }
        match stored.event.private_channel() {
            Some(Party::Buyer) => blocks.push(Block::Note(words.t("dossier-private-buyer"))),
            Some(Party::Merchant) => blocks.push(Block::Note(words.t("dossier-private-merchant"))),
            _ if !stored.event.is_public() => blocks.push(Block::Note(words.t("dossier-internal"))),
            _ => {}
        }
    }
}

/// Whether none of `lines` was shipped (nor is a download): asking to return them
/// is cancelling them.
fn unshipped<'a>(order: &Order, mut lines: impl Iterator<Item = &'a LineId>) -> bool {
    lines.all(|line_id| {
        !order.line_shipped(line_id)
            && !order
                .line(line_id)
                .is_some_and(|line| line.has(LineFlag::Digital))
    })
}

/// What describing an event needs besides the event.
struct Context<'a> {
    order: Option<&'a Order>,
    viewer: Party,
    /// The case's return is a cancellation of lines never shipped.
    cancellation: bool,
}

/// One event in words.
struct Entry {
    title: String,
    /// Further lines: items, amounts, dates.
    details: Vec<String>,
    /// A text written by someone (a message, grounds), its paragraphs kept.
    body: Option<String>,
}

fn describe(words: &Words, event: &CaseEvent, context: &Context<'_>) -> Entry {
    let (order, viewer) = (context.order, context.viewer);
    let mut details = Vec::new();
    let mut body = None;
    let title = match event {
        CaseEvent::Lifecycle(event) => lifecycle(words, event, order, &mut details),
        CaseEvent::Conversation(ConversationEvent::MessagePosted { body: text }) => {
            body = Some(text.as_str().to_owned());
            words.t("timeline-message")
        }
        CaseEvent::Conversation(ConversationEvent::NoteAdded { body: text }) => {
            body = Some(text.as_str().to_owned());
            words.t("timeline-note")
        }
        CaseEvent::Conversation(ConversationEvent::AttachmentAdded {
            attachment,
            visibility,
        }) => {
            details.push(format!(
                "{} ({})",
                attachment.filename.as_str(),
                words.size(attachment.size_bytes)
            ));
            if *visibility == Visibility::Internal {
                words.t("timeline-file-internal")
            } else {
                words.t("timeline-file")
            }
        }
        CaseEvent::Escalation(event) => escalation(words, event, &mut details, &mut body),
        CaseEvent::Returns(event) => returns(words, event, context, &mut details),
        CaseEvent::Money(event) => money_event(words, event, order, viewer, &mut details),
        CaseEvent::Incident(event) => incident(words, event, order, &mut details, &mut body),
        CaseEvent::Mediation(event) => mediation(words, event, &mut details, &mut body),
        CaseEvent::Helpdesk(event) => helpdesk(words, event, &mut details, &mut body),
    };
    Entry {
        title,
        details,
        body,
    }
}

fn lifecycle(
    words: &Words,
    event: &LifecycleEvent,
    order: Option<&Order>,
    details: &mut Vec<String>,
) -> String {
    match event {
        LifecycleEvent::Opened {
            kind,
            reason,
            items,
            claimed,
            ..
        } => {
            // A return's lines are listed with its request, just after.
            if *kind != CaseKind::Return {
                for item in items {
                    details.push(words.item(order, item.line_id.as_str(), item.quantity.get()));
                }
            }
            if let Some(claimed) = claimed {
                details.push(words.ta("timeline-claimed", "amount", words.money(claimed)));
            }
            // The statement itself is quoted under « La demande ».
            words.ta2(
                "timeline-opened",
                "kind",
                words.label("kind", kind.code()),
                "reason",
                words.reason(reason.as_str()),
            )
        }
        LifecycleEvent::Resolved { resolution } => {
            if let Some(note) = &resolution.note {
                details.push(note.as_str().to_owned());
            }
            words.ta("timeline-resolved", "what", words.resolution(resolution))
        }
        LifecycleEvent::Reopened { reason } => {
            details.push(reason.as_str().to_owned());
            words.t("timeline-reopened")
        }
        LifecycleEvent::Closed { reason } => words.label("closed", reason.code()),
        LifecycleEvent::Cancelled { reason } => {
            details.push(reason.as_str().to_owned());
            words.t("timeline-cancelled")
        }
    }
}

fn escalation(
    words: &Words,
    event: &EscalationEvent,
    details: &mut Vec<String>,
    body: &mut Option<String>,
) -> String {
    match event {
        EscalationEvent::OfferProposed { terms, message, .. } => {
            *body = message.as_ref().map(|m| m.as_str().to_owned());
            if let Some(note) = &terms.note {
                details.push(note.as_str().to_owned());
            }
            words.ta("timeline-offer", "what", words.resolution(terms))
        }
        EscalationEvent::OfferAccepted { .. } => words.t("timeline-offer-accepted"),
        EscalationEvent::OfferDeclined { reason, .. } => {
            if let Some(reason) = reason {
                details.push(reason.as_str().to_owned());
            }
            words.t("timeline-offer-declined")
        }
        EscalationEvent::Escalated { to, reason, .. } => {
            details.push(reason.as_str().to_owned());
            words.ta(
                "timeline-escalated",
                "stage",
                words.label("stage", to.code()),
            )
        }
        EscalationEvent::DecisionRecorded { decision } => {
            *body = Some(decision.rationale.as_str().to_owned());
            words.ta2(
                "timeline-decision",
                "what",
                words.resolution(&decision.resolution),
                "who",
                words.label("outcome", decision.outcome.code()),
            )
        }
    }
}

fn returns(
    words: &Words,
    event: &ReturnEvent,
    context: &Context<'_>,
    details: &mut Vec<String>,
) -> String {
    let order = context.order;
    match event {
        ReturnEvent::ReturnRequested {
            lines,
            refund_due_by,
            return_shipping,
            ..
        } => {
            for line in lines {
                details.push(words.item(order, line.line_id.as_str(), line.quantity.get()));
            }
            let cancellation =
                order.is_some_and(|order| unshipped(order, lines.iter().map(|l| &l.line_id)));
            if !cancellation {
                details.push(words.label(
                    "shipping",
                    match return_shipping {
                        ReturnShipping::Buyer => "buyer",
                        ReturnShipping::Merchant => "merchant",
                    },
                ));
            }
            if let Some(due) = refund_due_by {
                details.push(words.ta("timeline-refund-due", "date", words.date(due)));
            }
            if cancellation {
                words.t("timeline-cancellation-requested")
            } else {
                words.t("timeline-return-requested")
            }
        }
        ReturnEvent::ReturnAuthorised {
            rma,
            returnless,
            automatic,
        } => {
            if *returnless && context.cancellation {
                details.push(words.t("timeline-cancelled-unshipped"));
            } else if *returnless {
                details.push(words.t("timeline-returnless"));
            }
            if *automatic {
                details.push(words.t("timeline-automatic"));
            }
            words.ta("timeline-authorised", "rma", rma)
        }
        ReturnEvent::ReturnRefused { ground } => {
            details.push(ground.as_str().to_owned());
            words.t("timeline-refused")
        }
        ReturnEvent::LabelIssued { label } => {
            details.push(words.ta2(
                "timeline-label-detail",
                "what",
                label.carrier.as_str(),
                "number",
                label.tracking_number.as_str(),
            ));
            details.push(words.ta(
                "timeline-label-until",
                "date",
                words.day_of(&label.expires_at),
            ));
            words.t("timeline-label")
        }
        ReturnEvent::LabelExpired {} => words.t("timeline-label-expired"),
        ReturnEvent::ParcelScanned {
            status, location, ..
        } => {
            if let Some(location) = location {
                details.push(location.as_str().to_owned());
            }
            words.label("scan", status.code())
        }
        ReturnEvent::ShipmentDeclared { shipment } => {
            details.push(words.ta2(
                "timeline-label-detail",
                "what",
                shipment.carrier.as_str(),
                "number",
                shipment.tracking_number.as_str(),
            ));
            details.push(words.ta(
                "timeline-shipped-on",
                "date",
                words.day_of(&shipment.shipped_at),
            ));
            if context.viewer == Party::Buyer {
                words.t("timeline-shipment-declared-you")
            } else {
                words.t("timeline-shipment-declared")
            }
        }
        ReturnEvent::ReturnReceived { lines } => {
            for line in lines {
                details.push(words.ta2(
                    "timeline-received-line",
                    "what",
                    words.item(order, line.line_id.as_str(), line.quantity),
                    "status",
                    words.label("condition", line.condition.code()),
                ));
            }
            words.t("timeline-received")
        }
        ReturnEvent::ReturnInspected { lines } => {
            for line in lines {
                let verdict = if line.compliant {
                    words.t("timeline-compliant")
                } else {
                    words.t("timeline-not-compliant")
                };
                details.push(format!(
                    "{} — {verdict}",
                    words.line_title(order, line.line_id.as_str())
                ));
                for deduction in &line.deductions {
                    details.push(words.ta2(
                        "timeline-deduction",
                        "what",
                        deduction.label.as_str(),
                        "amount",
                        words.money(&deduction.amount),
                    ));
                }
            }
            words.t("timeline-inspected")
        }
    }
}

fn money_event(
    words: &Words,
    event: &MoneyEvent,
    order: Option<&Order>,
    viewer: Party,
    details: &mut Vec<String>,
) -> String {
    match event {
        MoneyEvent::RefundRecorded {
            amount,
            deductions,
            late,
            ..
        } => {
            for deduction in deductions {
                details.push(words.ta2(
                    "timeline-deduction",
                    "what",
                    deduction.label.as_str(),
                    "amount",
                    words.money(&deduction.amount),
                ));
            }
            if let Some(late) = late {
                details.push(words.late(late));
            }
            words.ta("timeline-refund", "amount", words.money(amount))
        }
        MoneyEvent::RefundSettled {
            reference, late, ..
        } => {
            details.push(reference.as_str().to_owned());
            if let Some(late) = late {
                details.push(words.late(late));
            }
            words.t("timeline-refund-settled")
        }
        MoneyEvent::RefundFailed { .. } => words.t("timeline-refund-failed"),
        MoneyEvent::StoreCreditIssued { amount, bonus } => {
            if bonus.is_positive() {
                details.push(words.ta("timeline-bonus", "amount", words.money(bonus)));
            }
            words.ta("timeline-store-credit", "amount", words.money(amount))
        }
        MoneyEvent::ExchangeRecorded { lines, difference } => {
            for line in lines {
                details.push(words.ta2(
                    "timeline-exchange-line",
                    "what",
                    words.line_title(order, line.line_id.as_str()),
                    "name",
                    line.title.as_str(),
                ));
            }
            if difference.amount_minor > 0 {
                details.push(words.ta("timeline-exchange-owed", "amount", words.money(difference)));
            } else if difference.amount_minor < 0 {
                let back = Money::new(-difference.amount_minor, difference.currency);
                details.push(words.ta("timeline-exchange-back", "amount", words.money(&back)));
            }
            words.t("timeline-exchange")
        }
        MoneyEvent::CompensationRecorded {
            kind, amount, note, ..
        } => {
            if let Some(note) = note {
                details.push(note.as_str().to_owned());
            }
            words.ta2(
                "timeline-compensation",
                "what",
                words.label("goodwill", kind.code()),
                "amount",
                words.money(amount),
            )
        }
        MoneyEvent::CompensationApprovalRequested {
            kind,
            amount,
            note,
            over_budget,
            ..
        } => {
            if let Some(note) = note {
                details.push(note.as_str().to_owned());
            }
            if *over_budget {
                details.push(words.t("timeline-over-budget"));
            }
            words.ta2(
                "timeline-approval-requested",
                "what",
                words.label("goodwill", kind.code()),
                "amount",
                words.money(amount),
            )
        }
        MoneyEvent::CompensationDeclined { reason, .. } => {
            details.push(reason.as_str().to_owned());
            words.t("timeline-approval-declined")
        }
        MoneyEvent::MarketplacePaid {
            amount,
            recovered_from_merchant,
        } => {
            // Who recovers what from whom is staff business.
            if *recovered_from_merchant && viewer != Party::Buyer {
                details.push(words.ta("timeline-recovered", "amount", words.money(amount)));
            }
            words.ta("timeline-marketplace-paid", "amount", words.money(amount))
        }
        MoneyEvent::ReminderSent { topic, due_by } => words.ta2(
            "timeline-reminder",
            "what",
            words.label("reminder", topic.code()),
            "date",
            words.date(due_by),
        ),
    }
}

fn incident(
    words: &Words,
    event: &IncidentEvent,
    order: Option<&Order>,
    details: &mut Vec<String>,
    body: &mut Option<String>,
) -> String {
    match event {
        IncidentEvent::ResponsibilityDetermined {
            responsible,
            grounds,
            merchant_answers,
        } => {
            *body = Some(grounds.as_str().to_owned());
            if *merchant_answers && *responsible != amiable_domain::case::Responsibility::Merchant {
                details.push(words.t("timeline-merchant-answers"));
            }
            words.ta(
                "timeline-responsibility",
                "who",
                words.label("responsibility", responsible.code()),
            )
        }
        IncidentEvent::DeliveryDeadlineSet { deliver_by } => {
            words.ta("timeline-delivery-deadline", "date", words.date(deliver_by))
        }
        IncidentEvent::LateOrderCancelled { refund_due_by } => {
            words.ta("timeline-late-cancelled", "date", words.date(refund_due_by))
        }
        IncidentEvent::CarrierClaimFiled {
            carrier,
            reference,
            amount,
            ..
        } => {
            details.push(words.ta("timeline-claim-reference", "reference", reference.as_str()));
            words.ta2(
                "timeline-claim-filed",
                "carrier",
                carrier.as_str(),
                "amount",
                words.money(amount),
            )
        }
        IncidentEvent::CarrierClaimSettled { outcome, recovered } => words.ta2(
            "timeline-claim-settled",
            "outcome",
            words.label("claim", outcome.code()),
            "amount",
            words.money(recovered),
        ),
        IncidentEvent::Reshipped {
            lines,
            carrier,
            tracking_number,
            ..
        } => {
            for line in lines {
                details.push(words.item(order, line.line_id.as_str(), line.quantity.get()));
            }
            words.ta2(
                "timeline-reshipped",
                "carrier",
                carrier.as_str(),
                "tracking",
                tracking_number.as_str(),
            )
        }
        IncidentEvent::ReshipmentDelivered { .. } => words.t("timeline-reshipment-delivered"),
        IncidentEvent::ReshipmentLost { .. } => words.t("timeline-reshipment-lost"),
    }
}

fn mediation(
    words: &Words,
    event: &MediationEvent,
    details: &mut Vec<String>,
    body: &mut Option<String>,
) -> String {
    match event {
        MediationEvent::PrivateMessagePosted {
            channel,
            body: text,
        } => {
            *body = Some(text.as_str().to_owned());
            words.ta("timeline-private-message", "with", channel_of(*channel))
        }
        MediationEvent::InformationRequested {
            from,
            request,
            due_at,
            ..
        } => {
            *body = Some(request.as_str().to_owned());
            details.push(words.ta("timeline-due", "date", words.datetime(due_at)));
            words.ta("timeline-information-requested", "with", channel_of(*from))
        }
        MediationEvent::Appealed {
            grounds,
            window_until,
        } => {
            *body = Some(grounds.as_str().to_owned());
            details.push(words.ta(
                "timeline-appeal-window",
                "date",
                words.datetime(window_until),
            ));
            words.t("timeline-appealed")
        }
        MediationEvent::AppealDecided {
            outcome,
            grounds,
            decision,
            recovery_waived,
        } => {
            *body = Some(grounds.as_str().to_owned());
            if let Some(decision) = decision {
                details.push(words.ta(
                    "timeline-new-decision",
                    "what",
                    words.resolution(&decision.resolution),
                ));
            }
            if let Some(amount) = recovery_waived {
                details.push(words.ta("timeline-recovery-waived", "amount", words.money(amount)));
            }
            words.label("appeal", outcome.code())
        }
        MediationEvent::ConsumerMediationOffered { mediator } => {
            details.push(mediator.website.as_str().to_owned());
            words.ta("timeline-consumer-mediator", "name", mediator.name.as_str())
        }
    }
}

fn helpdesk(
    words: &Words,
    event: &HelpdeskEvent,
    details: &mut Vec<String>,
    body: &mut Option<String>,
) -> String {
    match event {
        HelpdeskEvent::CaseAssigned { assignee: Some(a) } => {
            let who = a
                .name
                .clone()
                .or_else(|| a.team_id.clone())
                .unwrap_or_default();
            words.ta("timeline-assigned", "who", who)
        }
        HelpdeskEvent::CaseAssigned { assignee: None } => words.t("timeline-unassigned"),
        HelpdeskEvent::SlaAlertRaised {
            target,
            alert,
            due_at,
            ..
        } => {
            details.push(words.ta("timeline-due", "date", words.datetime(due_at)));
            words.ta2(
                "timeline-sla-alert",
                "target",
                words.label("sla-target", target.code()),
                "alert",
                words.label("sla-alert", alert.code()),
            )
        }
        HelpdeskEvent::AutomationFired { rule, actions, .. } => {
            details.extend(actions.iter().cloned());
            words.ta("timeline-automation", "rule", rule)
        }
        HelpdeskEvent::StatusUpdateSent { body: text } => {
            *body = Some(text.as_str().to_owned());
            words.t("timeline-status-update")
        }
    }
}

/// Whose private channel with the mediator, as the timeline's sentences select it:
/// a dossier is read by a third party, so never « you ».
fn channel_of(party: Party) -> &'static str {
    match party {
        Party::Buyer => "buyer",
        _ => "other",
    }
}

/// The files of the reader's copy: attachments, return labels, deposit receipts.
fn evidence(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-evidence")));
    let files: Vec<(&StoredEvent, &amiable_domain::case::AttachmentRef)> = facts
        .timeline
        .iter()
        .filter_map(|stored| {
            let file = match &stored.event {
                CaseEvent::Conversation(ConversationEvent::AttachmentAdded {
                    attachment, ..
                }) => Some(attachment),
                CaseEvent::Returns(ReturnEvent::LabelIssued { label }) => Some(&label.attachment),
                CaseEvent::Returns(ReturnEvent::ShipmentDeclared { shipment }) => {
                    shipment.receipt.as_ref()
                }
                _ => None,
            };
            file.map(|file| (*stored, file))
        })
        .collect();
    if files.is_empty() {
        blocks.push(Block::Paragraph(words.t("dossier-no-evidence")));
        return;
    }
    blocks.push(Block::Note(words.t("dossier-evidence-intro")));
    let rows = files
        .into_iter()
        .map(|(stored, file)| {
            let added = words.ta2(
                "dossier-file-added",
                "date",
                words.datetime(&stored.recorded_at),
                "who",
                words.who(stored.actor.party()),
            );
            vec![
                // The fingerprint on a line of its own: it fits the column whole.
                format!(
                    "{}. {}\n{added}\n{}",
                    stored.seq,
                    file.filename.as_str(),
                    file.sha256
                ),
                file.content_type.as_str().to_owned(),
                words.size(file.size_bytes),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        columns: vec![
            column(words.t("dossier-column-file"), 7, CellAlign::Left),
            column(words.t("dossier-column-type"), 2, CellAlign::Left),
            column(words.t("dossier-column-size"), 1, CellAlign::Right),
        ],
        rows,
    }));
}

fn column(title: String, share: u16, align: CellAlign) -> TableColumn {
    TableColumn {
        title,
        share,
        align,
    }
}

/// The order's money, movement by movement.
fn money(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-money")));
    if facts.ledger.is_empty() {
        blocks.push(Block::Paragraph(words.t("dossier-no-money")));
        return;
    }
    blocks.push(Block::Note(words.ta(
        "dossier-money-intro",
        "reference",
        &facts.order_reference,
    )));
    let rows = facts
        .ledger
        .iter()
        .map(|row| {
            let mut movement = words.label("dossier-ledger", &row.kind);
            if row.case_id != facts.state.case_id {
                movement = words.ta2(
                    "dossier-ledger-other-case",
                    "what",
                    movement,
                    "reference",
                    row.case_id.short(),
                );
            }
            vec![
                words.datetime(&row.recorded_at),
                movement,
                words.money(&row.amount),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        columns: vec![
            column(words.t("dossier-column-date"), 3, CellAlign::Left),
            column(words.t("dossier-column-movement"), 6, CellAlign::Left),
            column(words.t("dossier-column-amount"), 2, CellAlign::Right),
        ],
        rows,
    }));
}

/// Each binding decision of the reader's copy (the arbitration's, and the one an
/// allowed appeal put in its place), with its grounds.
fn decisions(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-decision")));
    let decisions: Vec<(&Timestamp, &Decision)> = facts
        .timeline
        .iter()
        .filter_map(|stored| match &stored.event {
            CaseEvent::Escalation(EscalationEvent::DecisionRecorded { decision }) => {
                Some((&stored.recorded_at, decision))
            }
            CaseEvent::Mediation(MediationEvent::AppealDecided {
                decision: Some(decision),
                ..
            }) => Some((&stored.recorded_at, decision)),
            _ => None,
        })
        .collect();
    if decisions.is_empty() {
        blocks.push(Block::Paragraph(words.t("dossier-no-decision")));
    }
    for (at, decision) in decisions {
        blocks.push(Block::Subheading(words.ta(
            "dossier-decision-of",
            "date",
            words.datetime(at),
        )));
        blocks.push(Block::Field {
            label: words.t("dossier-field-outcome"),
            value: words.label("outcome", decision.outcome.code()),
        });
        blocks.push(Block::Field {
            label: words.t("dossier-field-terms"),
            value: words.resolution(&decision.resolution),
        });
        if !decision.cites.is_empty() {
            let cites: Vec<&str> = decision.cites.iter().map(|c| c.as_str()).collect();
            blocks.push(Block::Field {
                label: words.t("dossier-field-cites"),
                value: cites.join("\n"),
            });
        }
        let payer = match decision.paid_by {
            Payer::Merchant => "dossier-paid-by-merchant",
            // Who recovers what from whom is staff business.
            Payer::Marketplace
                if decision.recover_from_merchant && facts.viewer != Party::Buyer =>
            {
                "dossier-paid-by-marketplace-recovered"
            }
            Payer::Marketplace => "dossier-paid-by-marketplace",
        };
        blocks.push(Block::Field {
            label: words.t("dossier-field-paid-by"),
            value: words.t(payer),
        });
        blocks.push(Block::Subheading(words.t("dossier-field-grounds")));
        blocks.push(Block::Quote(decision.rationale.as_str().to_owned()));
    }
    if let Some(resolution) = &facts.state.resolution {
        blocks.push(Block::Field {
            label: words.t("dossier-field-resolution"),
            value: words.resolution(resolution),
        });
    }
}

/// The appeal and how it was heard.
fn appeal(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-appeal")));
    let mut lodged = false;
    for stored in facts.timeline {
        match &stored.event {
            CaseEvent::Mediation(MediationEvent::Appealed { grounds, .. }) => {
                lodged = true;
                blocks.push(Block::Field {
                    label: words.t("dossier-field-appellant"),
                    value: words.who(stored.actor.party()),
                });
                blocks.push(Block::Field {
                    label: words.t("dossier-field-lodged"),
                    value: words.datetime(&stored.recorded_at),
                });
                blocks.push(Block::Subheading(words.t("dossier-field-appeal-grounds")));
                blocks.push(Block::Quote(grounds.as_str().to_owned()));
            }
            CaseEvent::Mediation(MediationEvent::AppealDecided {
                outcome, grounds, ..
            }) => {
                blocks.push(Block::Field {
                    label: words.t("dossier-field-appeal-outcome"),
                    value: words.label("appeal", outcome.code()),
                });
                blocks.push(Block::Field {
                    label: words.t("dossier-field-appeal-decided"),
                    value: words.datetime(&stored.recorded_at),
                });
                blocks.push(Block::Subheading(words.t("dossier-field-grounds")));
                blocks.push(Block::Quote(grounds.as_str().to_owned()));
            }
            _ => {}
        }
    }
    let heard = facts
        .state
        .mediation
        .as_ref()
        .and_then(|m| m.appeal.as_ref())
        .is_some_and(|a| a.outcome.is_some());
    if !lodged {
        blocks.push(Block::Paragraph(words.t("dossier-no-appeal")));
    } else if !heard {
        blocks.push(Block::Paragraph(words.t("dossier-appeal-pending")));
    }
}

/// The consumer mediator offered to the buyer, or the one the marketplace names.
fn consumer_mediator(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-mediator")));
    let offered = facts
        .timeline
        .iter()
        .rev()
        .find_map(|stored| match &stored.event {
            CaseEvent::Mediation(MediationEvent::ConsumerMediationOffered { mediator }) => {
                Some((mediator, &stored.recorded_at))
            }
            _ => None,
        });
    let (mediator, statement) = match (offered, facts.named_mediator) {
        (Some((mediator, at)), _) => (
            mediator,
            words.ta("dossier-mediator-offered", "date", words.day_of(at)),
        ),
        (None, Some(mediator)) => (mediator, words.t("dossier-mediator-named")),
        (None, None) => {
            blocks.push(Block::Paragraph(words.t("dossier-no-mediator")));
            return;
        }
    };
    blocks.push(Block::Field {
        label: words.t("dossier-field-mediator-name"),
        value: mediator.name.as_str().to_owned(),
    });
    blocks.push(Block::Field {
        label: words.t("dossier-field-mediator-website"),
        value: mediator.website.as_str().to_owned(),
    });
    blocks.push(Block::Paragraph(statement));
}

/// Whether the log is the one recorded, and the fingerprint that seals it.
fn integrity(blocks: &mut Vec<Block>, facts: &Facts<'_>, words: &Words) {
    blocks.push(Block::Heading(words.t("dossier-integrity")));
    blocks.push(Block::Field {
        label: words.t("dossier-field-events"),
        value: facts.events.to_string(),
    });
    blocks.push(Block::Field {
        label: words.t("dossier-field-shown"),
        value: facts.timeline.len().to_string(),
    });
    match &facts.integrity {
        Integrity::Verified { last_hash } => {
            // On a line of its own, the whole width: it is copied and compared whole.
            blocks.push(Block::Subheading(words.t("dossier-field-last-hash")));
            blocks.push(Block::Paragraph(last_hash.clone()));
            blocks.push(Block::Paragraph(words.t("dossier-integrity-verified")));
        }
        Integrity::Broken { seq } => {
            let at = seq.unwrap_or(facts.events as i64);
            blocks.push(Block::Paragraph(words.ta(
                "dossier-integrity-broken",
                "seq",
                at,
            )));
        }
    }
    if facts.timeline.len() < facts.events {
        blocks.push(Block::Note(words.t("dossier-integrity-partial")));
    }
    blocks.push(Block::Note(words.t("dossier-integrity-method")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use amiable_domain::ids::{MerchantId, OperatorId, OrderId};
    use amiable_domain::money::Currency;

    fn buyer() -> Principal {
        Principal::Buyer {
            operator_id: OperatorId::from_bytes([1; 16]),
            merchant_id: MerchantId::from_bytes([2; 16]),
            order_id: OrderId::from_bytes([3; 16]),
        }
    }

    fn staff() -> Principal {
        Principal::ApiKey {
            key_id: "k".into(),
            operator_id: OperatorId::from_bytes([1; 16]),
            merchant_id: None,
        }
    }

    #[test]
    fn the_language_asked_wins_then_the_buyers_own_then_french() {
        assert_eq!(language(Some("EN"), &staff(), None), Lang::En);
        assert_eq!(language(Some("fr"), &buyer(), Some(Locale::En)), Lang::Fr);
        assert_eq!(language(None, &buyer(), Some(Locale::En)), Lang::En);
        assert_eq!(language(Some("de"), &buyer(), Some(Locale::En)), Lang::En);
        assert_eq!(language(None, &buyer(), Some(Locale::Fr)), Lang::Fr);
        // Staff read the marketplace's language, whoever the buyer is.
        assert_eq!(language(None, &staff(), Some(Locale::En)), Lang::Fr);
    }

    #[test]
    fn a_copy_holds_the_money_of_its_own_events_and_the_buyers_none_of_the_recoveries() {
        let case_id = CaseId::from_bytes([4; 16]);
        let other_case = CaseId::from_bytes([5; 16]);
        let row = |case_id, seq, kind: &str| LedgerRow {
            case_id,
            seq,
            kind: kind.to_owned(),
            amount: Money::new(2000, Currency::parse("EUR").unwrap()),
            recorded_at: Timestamp::UNIX_EPOCH,
        };
        let rows = [
            row(case_id, 3, "refund"),
            row(case_id, 4, "marketplace_paid"),
            row(case_id, 4, "due_from_merchant"),
            // An event this copy does not show.
            row(case_id, 5, "compensation"),
            row(other_case, 2, "store_credit"),
            row(other_case, 7, "carrier_recovered"),
        ];
        let shown: BTreeSet<i64> = [1, 2, 3, 4].into();
        let kinds = |viewer| -> Vec<(i64, String)> {
            ledger_for(&rows, case_id, &shown, viewer)
                .into_iter()
                .map(|row| (row.seq, row.kind.clone()))
                .collect()
        };
        let owned = |list: &[(i64, &str)]| -> Vec<(i64, String)> {
            list.iter()
                .map(|(seq, kind)| (*seq, (*kind).to_owned()))
                .collect()
        };
        assert_eq!(
            kinds(Party::Buyer),
            owned(&[(3, "refund"), (4, "marketplace_paid"), (2, "store_credit")])
        );
        assert_eq!(
            kinds(Party::Merchant),
            owned(&[
                (3, "refund"),
                (4, "marketplace_paid"),
                (4, "due_from_merchant"),
                (2, "store_credit"),
                (7, "carrier_recovered"),
            ])
        );
    }

    #[test]
    fn every_ledger_kind_and_label_has_words_in_both_languages() {
        for lang in Lang::ALL {
            let words = Words {
                lang,
                zone: TimeZone::UTC,
                custom: Vec::new(),
            };
            for kind in [
                "refund",
                "refund_released",
                "store_credit",
                "compensation",
                "surcharge",
                "surcharge_released",
                "due_from_buyer",
                "marketplace_paid",
                "due_from_merchant",
                "recovery_waived",
                "carrier_recovered",
            ] {
                assert_ne!(words.label("dossier-ledger", kind), kind, "{kind}");
            }
            assert_ne!(words.reason("damaged_in_transit"), "damaged_in_transit");
        }
    }
}
