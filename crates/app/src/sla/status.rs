//! The status update amiable sends a buyer before a week of silence: an
//! honest sentence of what is being done, by whom, and by when — taken from
//! the case itself, in the buyer's language.

use amiable_domain::case::{CaseState, Stage};
use amiable_domain::contact::Locale;
use amiable_domain::sla::Assessment;
use amiable_domain::sla::policy::Target;
use amiable_domain::text::Body;
use amiable_i18n::{self as catalogue, Lang, format};
use jiff::tz::TimeZone;

/// The names the update speaks of.
pub struct Names<'a> {
    pub shop: &'a str,
    pub marketplace: &'a str,
    pub zone: &'a TimeZone,
}

/// The buyer's language.
pub fn lang_of(locale: Locale) -> Lang {
    match locale {
        Locale::Fr => Lang::Fr,
        _ => Lang::En,
    }
}

/// The update's text.
pub fn compose(state: &CaseState, assessment: &Assessment, names: &Names<'_>, lang: Lang) -> Body {
    let t = |key: &str| catalogue::message(lang, key, None);
    let with = |key: &str, args: &[(&str, &str)]| catalogue::message_with(lang, key, args);
    let in_transit = state.incident.as_ref().and_then(|i| i.in_transit());
    let claim_open = state
        .incident
        .as_ref()
        .and_then(|i| i.claim.as_ref())
        .is_some_and(|c| c.outcome.is_none());
    let mediated = state.stage >= Stage::Mediation;
    let who = if mediated {
        with(
            "status-update-who-marketplace",
            &[("name", names.marketplace)],
        )
    } else if let Some(parcel) = in_transit {
        with(
            "status-update-who-carrier",
            &[("carrier", parcel.carrier.as_str())],
        )
    } else {
        names.shop.to_owned()
    };
    let what = if let Some(parcel) = in_transit {
        with(
            "status-update-what-reshipment",
            &[
                ("carrier", parcel.carrier.as_str()),
                ("tracking", parcel.tracking_number.as_str()),
            ],
        )
    } else if state.awaiting_payment.is_some() {
        t("status-update-what-payment")
    } else if claim_open {
        t("status-update-what-claim")
    } else if mediated {
        t("status-update-what-mediation")
    } else if state.returns.is_some() {
        t("status-update-what-return")
    } else {
        t("status-update-what-review")
    };
    // By when: the running target of whoever holds the ball, else the resolution's.
    let due = assessment
        .reports
        .iter()
        .filter(|r| {
            matches!(
                r.target,
                Target::FirstResponse
                    | Target::NextResponse
                    | Target::MarketplaceResponse
                    | Target::Resolution
            )
        })
        .filter_map(|r| r.due_at)
        .min();
    let when = match due {
        Some(at) => with(
            "status-update-by",
            &[("date", &format::datetime_in(lang, at, names.zone))],
        ),
        None => t("status-update-soon"),
    };
    let text = format!(
        "{}\n\n{}\n\n{}",
        with(
            "status-update-sentence",
            &[("who", who.as_str()), ("what", what.as_str())]
        ),
        when,
        t("status-update-footer")
    );
    Body::parse(&text).unwrap_or_else(|_| {
        Body::parse("…").unwrap_or_else(|_| unreachable!("a one-character body is valid"))
    })
}
