//! Canned replies (macros): a title and a text in French and English, with
//! variables filled from the case when it is used — in its buyer's language.
//!
//! A shop's staff use their shop's macros, the marketplace's staff the
//! marketplace's. Each starts with six defaults (the console's former fixed
//! replies, from the `macro-title-*`/`macro-text-*` catalogue messages), written
//! once when its macros are first listed: an administrator may then change or
//! delete them like their own, and deleted ones do not come back.
//!
//! Variables are written `{name}`, in French or in English: [`VARIABLES`]. An
//! unknown one is refused when the macro is saved (`macro.variable_unknown`),
//! so a buyer never reads a brace.

use super::{Owner, check_name};
use crate::access::allow;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{Command, ConversationCommand, ResponseTimes, next_deadline};
use amiable_domain::ids::{CaseId, MerchantId};
use amiable_domain::text::Body;
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_i18n::Lang;
use amiable_store::{CommandOutcome, Macro};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest title.
pub const MAX_TITLE: usize = 100;
/// Longest text.
pub const MAX_BODY: usize = 5000;

/// The defaults every shop (and the marketplace) starts with: `macro-title-<key>` and
/// `macro-text-<key>` in the catalogues.
pub const DEFAULT_MACROS: &[&str] = &[
    "ack",
    "need-photos",
    "label-sent",
    "received",
    "refund-done",
    "apology",
];

/// What a variable stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// The buyer's name.
    Client,
    /// The order number.
    Order,
    /// The case's number as printed on the pages (8 characters).
    Case,
    /// The shop's name.
    Shop,
    /// The name of the person sending it.
    Agent,
    /// The case's next deadline (or the payment's due date), as a date.
    Due,
}

/// Every variable, by the names it may be written with (French, then English).
pub const VARIABLES: &[(&str, Variable)] = &[
    ("client", Variable::Client),
    ("commande", Variable::Order),
    ("order", Variable::Order),
    ("dossier", Variable::Case),
    ("case", Variable::Case),
    ("boutique", Variable::Shop),
    ("shop", Variable::Shop),
    ("agent", Variable::Agent),
    ("echeance", Variable::Due),
    ("échéance", Variable::Due),
    ("due", Variable::Due),
];

/// A macro's words as written (the API's body, the console's form).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MacroInput {
    /// The French title (1 to 100 characters), or empty when there is no French version.
    #[serde(default)]
    pub title_fr: String,
    /// The English title, or empty when there is no English version.
    #[serde(default)]
    pub title_en: String,
    /// The French text (1 to 5,000 characters), with variables such as `{client}`.
    #[serde(default)]
    pub body_fr: String,
    /// The English text, with variables such as `{client}`.
    #[serde(default)]
    pub body_en: String,
}

/// A macro as the API and the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MacroView {
    pub id: String,
    /// The shop it belongs to; absent for the marketplace's own.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub merchant_id: Option<MerchantId>,
    pub title_fr: String,
    pub title_en: String,
    pub body_fr: String,
    pub body_en: String,
    /// Who last changed it (a staff user id, an API key, or `amiable` for a default).
    pub updated_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}

impl MacroView {
    /// The title in `lang`, else in the other language.
    pub fn title(&self, lang: Lang) -> &str {
        pick(lang, &self.title_fr, &self.title_en)
    }
}

impl From<Macro> for MacroView {
    fn from(m: Macro) -> Self {
        MacroView {
            id: m.id,
            merchant_id: m.merchant_id,
            title_fr: m.title_fr,
            title_en: m.title_en,
            body_fr: m.body_fr,
            body_en: m.body_en,
            updated_by: m.updated_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A macro filled in for one case, in its buyer's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rendered {
    /// `fr` or `en`: the buyer's language (or the only one the macro has).
    pub language: String,
    pub title: String,
    pub text: String,
}

/// What the variables of one case stand for.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub client: String,
    pub order: String,
    pub case: String,
    pub shop: String,
    pub agent: String,
    pub due: String,
}

impl Values {
    fn of(&self, variable: Variable) -> &str {
        match variable {
            Variable::Client => &self.client,
            Variable::Order => &self.order,
            Variable::Case => &self.case,
            Variable::Shop => &self.shop,
            Variable::Agent => &self.agent,
            Variable::Due => &self.due,
        }
    }
}

fn pick<'a>(lang: Lang, fr: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Fr if !fr.is_empty() => fr,
        Lang::En if !en.is_empty() => en,
        _ if fr.is_empty() => en,
        _ => fr,
    }
}

fn variable(name: &str) -> Option<Variable> {
    let lower = name.to_lowercase();
    VARIABLES
        .iter()
        .find(|(known, _)| *known == lower)
        .map(|(_, v)| *v)
}

/// The `{name}` placeholders of a text, with where each starts and ends (bytes). A
/// brace that does not enclose a word (`{`, `{ }`, `{1}`) is text.
fn placeholders(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{').map(|i| rest + i) {
        let after = &text[open + 1..];
        let word: &str = after
            .split(|c: char| !(c.is_alphabetic() || c == '_'))
            .next()
            .unwrap_or("");
        if !word.is_empty() && after[word.len()..].starts_with('}') {
            let end = open + 1 + word.len() + 1;
            out.push((open, end, word));
            rest = end;
        } else {
            rest = open + 1;
        }
    }
    out
}

/// Fills a text's variables.
pub fn render(text: &str, values: &Values) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    for (start, end, name) in placeholders(text) {
        out.push_str(&text[from..start]);
        match variable(name) {
            Some(v) => out.push_str(values.of(v)),
            None => out.push_str(&text[start..end]),
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

/// Checks a macro's words: each language complete (title and text) or empty, at
/// least one complete, lengths within bounds, every variable known. Answers the
/// words trimmed.
pub fn check_macro(input: &MacroInput) -> Result<MacroInput, Error> {
    let mut errors = ValidationErrors::default();
    let trimmed = MacroInput {
        title_fr: input.title_fr.trim().to_owned(),
        title_en: input.title_en.trim().to_owned(),
        body_fr: input.body_fr.trim().to_owned(),
        body_en: input.body_en.trim().to_owned(),
    };
    let title = |field: &str| {
        FieldError::new(
            field,
            "macro.title_invalid",
            "a title is 1 to 100 printable characters",
        )
        .with("max", MAX_TITLE as i64)
    };
    let body = |field: &str| {
        FieldError::new(
            field,
            "macro.body_invalid",
            "a text is 1 to 5,000 characters",
        )
        .with("max", MAX_BODY as i64)
    };
    let languages = [
        ("title_fr", &trimmed.title_fr, "body_fr", &trimmed.body_fr),
        ("title_en", &trimmed.title_en, "body_en", &trimmed.body_en),
    ];
    let complete = languages
        .iter()
        .filter(|(_, t, _, b)| !t.is_empty() && !b.is_empty())
        .count();
    for (index, (title_field, title_text, body_field, body_text)) in languages.iter().enumerate() {
        // An empty language is allowed when the other is complete (French is asked
        // for first when neither is).
        let empty = title_text.is_empty() && body_text.is_empty();
        if empty && (complete > 0 || index == 1) {
            continue;
        }
        if !check_name(title_text, MAX_TITLE) {
            errors.push(title(title_field));
        }
        let body_ok = !body_text.is_empty()
            && body_text.chars().count() <= MAX_BODY
            && !body_text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
        if !body_ok {
            errors.push(body(body_field));
        }
        for (field, text) in [(title_field, title_text), (body_field, body_text)] {
            for (_, _, name) in placeholders(text) {
                if variable(name).is_none() {
                    errors.push(
                        FieldError::new(
                            *field,
                            "macro.variable_unknown",
                            format!("unknown variable {{{name}}}"),
                        )
                        .with("variable", format!("{{{name}}}")),
                    );
                }
            }
        }
    }
    match errors.0.len() {
        0 => Ok(trimmed),
        1 => Err(Error::field(errors.0.remove(0))),
        _ => Err(Error::validation(errors)),
    }
}

fn owner_of(m: &Macro) -> Owner {
    Owner {
        operator_id: m.operator_id,
        merchant_id: m.merchant_id,
    }
}

/// The six default macros of a shop (or of the marketplace: `merchant_id` `None`), in
/// both languages, with ids of their own, written at `at` (a microsecond apart, so
/// they list in this order).
pub fn default_macros(
    operator_id: amiable_domain::ids::OperatorId,
    merchant_id: Option<MerchantId>,
    at: Timestamp,
) -> Vec<Macro> {
    let owner_id = match merchant_id {
        Some(m) => m.to_string(),
        None => operator_id.to_string(),
    };
    DEFAULT_MACROS
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let at = at + jiff::SignedDuration::from_micros(index as i64);
            let words = |lang: Lang, what: &str| {
                amiable_i18n::message(lang, &format!("macro-{what}-{key}"), None)
            };
            Macro {
                id: format!("default_{owner_id}_{key}"),
                operator_id,
                merchant_id,
                title_fr: words(Lang::Fr, "title"),
                title_en: words(Lang::En, "title"),
                body_fr: words(Lang::Fr, "text"),
                body_en: words(Lang::En, "text"),
                updated_by: "amiable".to_owned(),
                created_at: at,
                updated_at: at,
            }
        })
        .collect()
}

impl App {
    /// An owner's macros, the defaults written the first time.
    async fn macros_of(&self, owner: Owner) -> Result<Vec<Macro>, Error> {
        let store = self.store();
        let mut found = store.macros(owner.operator_id, owner.merchant_id).await?;
        if found.is_empty()
            && store
                .seed_macros(
                    owner.operator_id,
                    owner.merchant_id,
                    &default_macros(owner.operator_id, owner.merchant_id, Timestamp::now()),
                )
                .await?
        {
            found = store.macros(owner.operator_id, owner.merchant_id).await?;
        }
        Ok(found)
    }

    /// The macros of the owner the caller names (see [`App::helpdesk_owner`]).
    pub async fn macros(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<MacroView>, Error> {
        crate::access::allow_role(principal, Action::ReadSettings)?;
        let owner = self.helpdesk_owner(principal, merchant_id).await?;
        allow(
            principal,
            Action::ReadSettings,
            &owner.resource(),
            "merchant",
        )?;
        Ok(self
            .macros_of(owner)
            .await?
            .into_iter()
            .map(MacroView::from)
            .collect())
    }

    pub async fn create_macro(
        &self,
        principal: &Principal,
        merchant_id: Option<MerchantId>,
        input: &MacroInput,
    ) -> Result<MacroView, Error> {
        crate::access::allow_role(principal, Action::ManageMacros)?;
        let owner = self.helpdesk_owner(principal, merchant_id).await?;
        allow(
            principal,
            Action::ManageMacros,
            &owner.resource(),
            "merchant",
        )?;
        let words = check_macro(input)?;
        // The defaults come first, then the shop's own.
        self.macros_of(owner).await?;
        let now = Timestamp::now();
        let item = Macro {
            id: format!("macro_{}", uuid::Uuid::new_v4().simple()),
            operator_id: owner.operator_id,
            merchant_id: owner.merchant_id,
            title_fr: words.title_fr,
            title_en: words.title_en,
            body_fr: words.body_fr,
            body_en: words.body_en,
            updated_by: principal.key(),
            created_at: now,
            updated_at: now,
        };
        self.store().create_macro(&item).await?;
        Ok(item.into())
    }

    /// A macro the caller may `action` on; out of reach, it does not exist.
    pub(super) async fn macro_for(
        &self,
        principal: &Principal,
        id: &str,
        action: Action,
    ) -> Result<Macro, Error> {
        crate::access::allow_role(principal, action)?;
        let item = self
            .store()
            .macro_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found("macro"))?;
        allow(principal, action, &owner_of(&item).resource(), "macro")?;
        Ok(item)
    }

    pub async fn update_macro(
        &self,
        principal: &Principal,
        id: &str,
        input: &MacroInput,
    ) -> Result<MacroView, Error> {
        let item = self.macro_for(principal, id, Action::ManageMacros).await?;
        let words = check_macro(input)?;
        let item = Macro {
            title_fr: words.title_fr,
            title_en: words.title_en,
            body_fr: words.body_fr,
            body_en: words.body_en,
            updated_by: principal.key(),
            updated_at: Timestamp::now(),
            ..item
        };
        if !self.store().update_macro(&item).await? {
            return Err(Error::not_found("macro"));
        }
        Ok(item.into())
    }

    pub async fn delete_macro(&self, principal: &Principal, id: &str) -> Result<(), Error> {
        let item = self.macro_for(principal, id, Action::ManageMacros).await?;
        if !self.store().delete_macro(&item.id).await? {
            return Err(Error::not_found("macro"));
        }
        Ok(())
    }

    /// What the variables stand for on a case, in `lang`, sent by the caller.
    async fn macro_values(
        &self,
        principal: &Principal,
        case_id: CaseId,
        lang: Lang,
    ) -> Result<(Values, Lang), Error> {
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let state = &record.state;
        let order = self
            .store()
            .order(state.order_id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?
            .order;
        let shop = self
            .store()
            .merchant(state.merchant_id)
            .await?
            .map(|m| m.name)
            .unwrap_or_default();
        let agent = match principal {
            Principal::Staff { user_id, .. } => self.store().user(user_id).await?.map(|u| u.name),
            _ => None,
        }
        .unwrap_or_else(|| shop.clone());
        let due = state
            .awaiting_payment
            .as_ref()
            .map(|a| a.due)
            .or_else(|| next_deadline(state, &ResponseTimes::default()));
        let due = match due {
            Some(at) => {
                amiable_i18n::format::date(lang, at.to_zoned(amiable_i18n::format::zone()).date())
            }
            None => amiable_i18n::message(lang, "macro-due-none", None),
        };
        Ok((
            Values {
                client: order.buyer.name.as_str().to_owned(),
                order: order.external_id.as_str().to_owned(),
                case: case_id.short(),
                shop,
                agent,
                due,
            },
            lang,
        ))
    }

    /// The buyer's language on a case.
    async fn buyer_lang(&self, case_id: CaseId) -> Result<Lang, Error> {
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let order = self.store().order(record.state.order_id).await?;
        Ok(match order.map(|o| o.order.buyer.locale) {
            Some(amiable_domain::contact::Locale::En) => Lang::En,
            _ => Lang::Fr,
        })
    }

    /// Fills a macro for a case, in its buyer's language (or the one the macro has).
    async fn render_for(
        &self,
        principal: &Principal,
        item: &Macro,
        case_id: CaseId,
    ) -> Result<Rendered, Error> {
        let wanted = self.buyer_lang(case_id).await?;
        // A macro without the buyer's language is sent in the one it has.
        let lang = match wanted {
            Lang::Fr if item.body_fr.is_empty() => Lang::En,
            Lang::En if item.body_en.is_empty() => Lang::Fr,
            other => other,
        };
        let (values, lang) = self.macro_values(principal, case_id, lang).await?;
        Ok(Rendered {
            language: lang.as_str().to_owned(),
            title: render(pick(lang, &item.title_fr, &item.title_en), &values),
            text: render(pick(lang, &item.body_fr, &item.body_en), &values),
        })
    }

    /// A macro the caller may use on this case: its shop's, or the marketplace's for
    /// the marketplace's staff.
    async fn usable_macro(
        &self,
        principal: &Principal,
        macro_id: &str,
        case_id: CaseId,
    ) -> Result<Macro, Error> {
        let case = self
            .allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        let item = self
            .macro_for(principal, macro_id, Action::ReadSettings)
            .await?;
        let fits = Self::owners_for(principal, &case)
            .iter()
            .any(|o| *o == owner_of(&item));
        if !fits {
            return Err(Error::invalid_field(
                "macro_id",
                "macro.not_for_case",
                "this macro belongs to another shop",
            ));
        }
        Ok(item)
    }

    /// A macro filled in for a case, without sending it.
    pub async fn preview_macro(
        &self,
        principal: &Principal,
        macro_id: &str,
        case_id: CaseId,
    ) -> Result<Rendered, Error> {
        let item = self.usable_macro(principal, macro_id, case_id).await?;
        self.render_for(principal, &item, case_id).await
    }

    /// The caller's macros (their shop's, or the marketplace's), each filled in for
    /// this case: the console's picker.
    pub async fn case_macros(
        &self,
        principal: &Principal,
        case_id: CaseId,
    ) -> Result<Vec<(MacroView, Rendered)>, Error> {
        self.allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        if !crate::access::may(
            principal,
            Action::ReadSettings,
            &crate::access::own_scope(principal),
        ) {
            return Ok(Vec::new());
        }
        let owner = self.helpdesk_owner(principal, None).await?;
        let items = self.macros_of(owner).await?;
        let mut out = Vec::with_capacity(items.len());
        let wanted = self.buyer_lang(case_id).await?;
        let (fr, _) = self.macro_values(principal, case_id, Lang::Fr).await?;
        let (en, _) = self.macro_values(principal, case_id, Lang::En).await?;
        for item in items {
            let lang = match wanted {
                Lang::Fr if item.body_fr.is_empty() => Lang::En,
                Lang::En if item.body_en.is_empty() => Lang::Fr,
                other => other,
            };
            let values = if lang == Lang::Fr { &fr } else { &en };
            let rendered = Rendered {
                language: lang.as_str().to_owned(),
                title: render(pick(lang, &item.title_fr, &item.title_en), values),
                text: render(pick(lang, &item.body_fr, &item.body_en), values),
            };
            out.push((MacroView::from(item), rendered));
        }
        Ok(out)
    }

    /// The text of a macro filled in for a case (the console's reply without
    /// JavaScript: an empty message with a macro chosen sends the macro).
    pub async fn macro_text(
        &self,
        principal: &Principal,
        macro_id: &str,
        case_id: CaseId,
    ) -> Result<String, Error> {
        Ok(self.preview_macro(principal, macro_id, case_id).await?.text)
    }

    /// Sends a macro, filled in, to the case's buyer.
    pub async fn reply_with_macro(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected_version: Option<i64>,
        macro_id: &str,
    ) -> Result<CommandOutcome, Error> {
        let item = self.usable_macro(principal, macro_id, case_id).await?;
        let rendered = self.render_for(principal, &item, case_id).await?;
        let body = Body::parse(&rendered.text).map_err(|e| Error::field(e.at("macro_id")))?;
        self.execute_for(
            principal,
            case_id,
            Action::PostMessage,
            expected_version,
            Command::Conversation(ConversationCommand::PostMessage { body }),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            client: "Claire Martin".into(),
            order: "MC-2026-0042".into(),
            case: "1A2B3C4D".into(),
            shop: "Maison Colette".into(),
            agent: "Léa".into(),
            due: "3 décembre 2026".into(),
        }
    }

    #[test]
    fn variables_are_filled_in_either_language() {
        let text = "Bonjour {client}, votre commande {commande} (dossier {dossier}) : {boutique}, {agent}, avant le {echeance}. {order} {case} {shop} {due} {échéance}";
        assert_eq!(
            render(text, &values()),
            "Bonjour Claire Martin, votre commande MC-2026-0042 (dossier 1A2B3C4D) : Maison Colette, Léa, avant le 3 décembre 2026. MC-2026-0042 1A2B3C4D Maison Colette 3 décembre 2026 3 décembre 2026"
        );
        // Braces that hold no word stay as they are.
        assert_eq!(render("{ } {} {1} {", &values()), "{ } {} {1} {");
    }

    #[test]
    fn an_unknown_variable_is_refused_naming_the_field() {
        let error = check_macro(&MacroInput {
            title_fr: "Merci".into(),
            body_fr: "Bonjour {prenom}".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(error.code, "macro.variable_unknown");
        assert_eq!(error.fields[0].field, "body_fr");
    }

    #[test]
    fn a_language_is_whole_or_empty() {
        assert!(
            check_macro(&MacroInput {
                title_en: "Thanks".into(),
                body_en: "Hello {client}".into(),
                ..Default::default()
            })
            .is_ok()
        );
        let error = check_macro(&MacroInput {
            title_fr: "Merci".into(),
            body_fr: "Bonjour".into(),
            title_en: "Thanks".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(error.fields[0].field, "body_en");
        let error = check_macro(&MacroInput::default()).unwrap_err();
        assert_eq!(error.code, "validation.failed");
        assert_eq!(error.fields.len(), 2);
        let error = check_macro(&MacroInput {
            title_fr: "x".repeat(101),
            body_fr: "y".repeat(5001),
            ..Default::default()
        })
        .unwrap_err();
        let codes: Vec<_> = error.fields.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["macro.title_invalid", "macro.body_invalid"]);
    }
}
