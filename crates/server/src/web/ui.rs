//! What every template receives: the page's language with its words and
//! formats, the form token, who is signed in, and the way back for the
//! language switcher.

use super::{Ctx, format, i18n};
use crate::i18n::Lang;
use amiable_domain::access::Role;
use amiable_domain::money::{Currency, Money};
use jiff::Timestamp;
use jiff::civil::Date;

/// The signed-in staff member, as the page header shows them.
#[derive(Debug, Clone)]
pub struct StaffView {
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl StaffView {
    pub fn is_operator(&self) -> bool {
        !self.role.is_merchant_side()
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::OperatorAdmin | Role::MerchantAdmin)
    }
}

#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    pub csrf: String,
    /// The page's path and query (the language switcher comes back to it).
    pub path: String,
    pub staff: Option<StaffView>,
    pub now: Timestamp,
    /// The zone times are shown in: the staff's shop's or marketplace's, else the rules pack's.
    pub zone: jiff::tz::TimeZone,
    /// A confirmation to show at the top of the page (already in the page's language).
    pub notice: Option<String>,
    /// The operator's own reasons (sub-codes with their labels), once known.
    pub custom_reasons: Vec<amiable_domain::reason::CustomReason>,
}

impl Ui {
    pub fn new(ctx: &Ctx) -> Self {
        let notice = notice_of(&ctx.path).map(|key| i18n::message(ctx.lang, &key, None));
        Ui {
            lang: ctx.lang,
            csrf: ctx.form_token.clone(),
            path: ctx.path.clone(),
            staff: ctx.staff.as_ref().map(|s| StaffView {
                name: s.user.name.clone(),
                email: s.user.email.clone(),
                role: s.user.role,
            }),
            now: Timestamp::now(),
            zone: ctx.zone.clone().unwrap_or_else(format::zone),
            notice,
            custom_reasons: Vec::new(),
        }
    }

    /// For pages rendered without a request context (error pages).
    pub fn bare(lang: Lang, path: &str) -> Self {
        Ui {
            lang,
            csrf: String::new(),
            path: path.to_owned(),
            staff: None,
            now: Timestamp::now(),
            zone: format::zone(),
            notice: None,
            custom_reasons: Vec::new(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::message(self.lang, key, None)
    }

    /// A message with a count `n` (plural rules of the language).
    pub fn tn(&self, key: &str, n: impl Count) -> String {
        i18n::message_count(self.lang, key, n.count(), &[])
    }

    /// A message with one argument.
    pub fn ta(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        i18n::message_with(self.lang, key, &[(name, &value.to_string())])
    }

    /// A message with two arguments.
    pub fn ta2(
        &self,
        key: &str,
        name: &str,
        value: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> String {
        i18n::message_with(
            self.lang,
            key,
            &[(name, &value.to_string()), (name2, &value2.to_string())],
        )
    }

    /// The URL of a stylesheet, script or icon of the binary, with its content hash.
    pub fn asset(&self, name: &str) -> String {
        super::assets::href(name)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.as_str()
    }

    /// The link to the other language, back to this page.
    pub fn other_lang_href(&self) -> String {
        let other = match self.lang {
            Lang::Fr => "en",
            Lang::En => "fr",
        };
        format!("/langue/{other}?next={}", encode(&self.path))
    }

    /// The other language's name, in that language (« English », « Français »).
    pub fn other_lang_name(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "English",
            Lang::En => "Français",
        }
    }

    pub fn other_lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "en",
            Lang::En => "fr",
        }
    }

    pub fn money(&self, amount: &Money) -> String {
        format::money(self.lang, amount)
    }

    /// An amount stored as minor units and a currency code.
    pub fn minor(&self, amount_minor: i64, currency: &str) -> String {
        match Currency::parse(currency) {
            Ok(currency) => format::money(self.lang, &Money::new(amount_minor, currency)),
            Err(_) => format!("{amount_minor} {currency}"),
        }
    }

    pub fn money_input(&self, amount: &Money) -> String {
        format::money_input(self.lang, amount)
    }

    pub fn date(&self, date: &Date) -> String {
        format::date(self.lang, *date)
    }

    pub fn date_short(&self, date: &Date) -> String {
        format::date_short(self.lang, *date)
    }

    pub fn datetime(&self, at: &Timestamp) -> String {
        format::datetime_in(self.lang, *at, &self.zone)
    }

    /// The calendar day of an instant in the page's zone.
    pub fn day_of(&self, at: &Timestamp) -> String {
        format::date_short(self.lang, at.to_zoned(self.zone.clone()).date())
    }

    pub fn iso(&self, at: &Timestamp) -> String {
        format::iso(*at)
    }

    /// « il y a 3 h » / "3 h ago", or the date beyond a week.
    pub fn ago(&self, at: &Timestamp) -> String {
        let (past, days, hours, minutes) = format::span_parts(*at, self.now);
        if !past || days >= 7 {
            return self.day_of(at);
        }
        let span = format::duration(self.lang, days, hours, if days > 0 { 0 } else { minutes });
        self.ta("time-ago", "when", span)
    }

    /// A deadline as a countdown: « dans 2 j 4 h » / « en retard de 3 h ».
    pub fn countdown(&self, at: &Timestamp) -> String {
        let (past, days, hours, minutes) = format::span_parts(*at, self.now);
        let span = format::duration(self.lang, days, hours, if days > 0 { 0 } else { minutes });
        if past {
            self.ta("deadline-overdue", "when", span)
        } else {
            self.ta("deadline-in", "when", span)
        }
    }

    /// The colour class of a deadline: overdue, due within a day, later.
    pub fn urgency(&self, at: &Timestamp) -> &'static str {
        let seconds = at.as_second() - self.now.as_second();
        if seconds < 0 {
            "overdue"
        } else if seconds < 24 * 3600 {
            "soon"
        } else {
            "later"
        }
    }

    /// An article of law as the page's language cites it: « C. conso L221-18 » in
    /// French, "French Consumer Code L221-18" in English.
    pub fn law(&self, article: &str) -> String {
        law_citation(self.lang, article)
    }

    pub fn size(&self, bytes: &u64) -> String {
        format::size(self.lang, *bytes)
    }

    pub fn percent(&self, per_thousand: &i64) -> String {
        format::percent(self.lang, *per_thousand)
    }

    pub fn seconds(&self, seconds: &i64) -> String {
        format::seconds(self.lang, *seconds)
    }

    /// Learns the operator's own reasons, so their labels are shown.
    pub fn with_taxonomy(mut self, taxonomy: &amiable_domain::reason::ReasonTaxonomy) -> Self {
        self.custom_reasons = taxonomy.custom.clone();
        self
    }

    /// A reason code's label in the page's language (an operator's own reason
    /// under its parent: « Article défectueux — Batterie défectueuse »).
    pub fn reason(&self, code: &str) -> String {
        if let Some(custom) = self.custom_reasons.iter().find(|c| c.code.as_str() == code) {
            let root = code.split('.').next().unwrap_or(code);
            let own = match self.lang {
                crate::i18n::Lang::Fr => &custom.label_fr,
                crate::i18n::Lang::En => &custom.label_en,
            };
            return format!("{} — {own}", reason_label(self.lang, root));
        }
        reason_label(self.lang, code)
    }

    /// `kind-return`, `status-open`…: an enum's label from its code.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{code}");
        if i18n::has(self.lang, &key) {
            i18n::message(self.lang, &key, None)
        } else {
            code.to_owned()
        }
    }

    pub fn signed_in(&self) -> bool {
        self.staff.is_some()
    }

    pub fn is_operator(&self) -> bool {
        self.staff.as_ref().is_some_and(StaffView::is_operator)
    }

    pub fn is_admin(&self) -> bool {
        self.staff.as_ref().is_some_and(StaffView::is_admin)
    }

    pub fn is_operator_admin(&self) -> bool {
        self.staff
            .as_ref()
            .is_some_and(|s| s.role == Role::OperatorAdmin)
    }

    /// Whether the navigation link to `prefix` is the current page.
    pub fn current(&self, prefix: &str) -> bool {
        let path = self.path.split('?').next().unwrap_or("");
        if prefix == "/console" {
            path == "/console" || path.starts_with("/console/cases")
        } else {
            path.starts_with(prefix)
        }
    }
}

/// Rewrites the citations of the rules pack (always « C. conso … », « Reg. … ») for `lang`.
pub fn law_citation(lang: crate::i18n::Lang, text: &str) -> String {
    match lang {
        crate::i18n::Lang::Fr => text.to_owned(),
        crate::i18n::Lang::En => text
            .replace("C. conso ", "French Consumer Code ")
            .replace("C. civ. ", "French Civil Code "),
    }
}

/// A number a message can be pluralised on (templates pass values and references).
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count!(usize, u32, u64, i32, i64);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// A reason's label: the built-in's, or the code itself for an operator's own
/// (whose labels the pages that know the taxonomy pass in directly).
pub fn reason_label(lang: Lang, code: &str) -> String {
    let root = code.split('.').next().unwrap_or(code);
    match amiable_domain::reason::BuiltinReason::from_code(root) {
        Some(reason) if root == code => match lang {
            Lang::Fr => reason.label_fr().to_owned(),
            Lang::En => reason.label_en().to_owned(),
        },
        Some(reason) => {
            let sub = code[root.len() + 1..].replace('_', " ");
            let parent = match lang {
                Lang::Fr => reason.label_fr(),
                Lang::En => reason.label_en(),
            };
            format!("{parent} — {sub}")
        }
        None => code.to_owned(),
    }
}

/// The notice a redirect asked for (`?fait=refunded` → `notice-refunded`).
fn notice_of(path: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("fait="))?;
    let valid = !value.is_empty()
        && value.len() < 60
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then(|| format!("notice-{value}"))
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_come_from_a_known_shape_only() {
        assert_eq!(
            notice_of("/console/cases/x?fait=refunded"),
            Some("notice-refunded".to_owned())
        );
        assert_eq!(notice_of("/console?fait=<script>"), None);
        assert_eq!(notice_of("/console"), None);
    }

    #[test]
    fn reasons_have_labels() {
        // Words a buyer uses, with the legal term beside them.
        assert_eq!(
            reason_label(Lang::Fr, "changed_mind"),
            "Changement d'avis (rétractation)"
        );
        assert_eq!(
            reason_label(Lang::En, "damaged_in_transit.packaging"),
            "Damaged in transit — packaging"
        );
        assert_eq!(reason_label(Lang::En, "mystery"), "mystery");
    }

    #[test]
    fn encoding_keeps_paths_readable() {
        assert_eq!(
            encode("/console?q=a b&x=é"),
            "/console%3Fq%3Da%20b%26x%3D%C3%A9"
        );
    }
}
