//! The words of a notification: its subject, plain text, HTML and SMS, from the
//! Fluent catalogue (`notifications.ftl`) in the recipient's language.
//!
//! Each topic declares the variables it is given ([`variables`]); at start-up
//! [`check_templates`] renders every topic in every language with sample values
//! and refuses a template that names a variable its topic does not give.

use amiable_domain::notify::{Audience, Topic};
use amiable_domain::sms;
use amiable_domain::validation::Arg;
use amiable_i18n as catalogue;
use amiable_i18n::Lang;

/// What every topic is given.
pub const COMMON: &[&str] = &["name", "shop", "case", "order", "link", "preferences"];

/// The most SMS parts a text message may take (the rest is cut on a word).
pub const SMS_PARTS: usize = 2;

/// The variables a topic's messages are given, besides [`COMMON`].
pub fn variables(topic: Topic) -> &'static [&'static str] {
    match topic {
        Topic::CaseOpened => &["kind", "due"],
        Topic::MessageToBuyer => &["message", "author"],
        Topic::OfferToBuyer => &["offer"],
        Topic::ReturnAuthorised => &["rma", "instructions"],
        Topic::ReturnRefused => &["ground"],
        Topic::LabelReady => &["expires"],
        Topic::LabelExpired | Topic::ParcelReceived => &[],
        Topic::LabelExpiring => &["expires"],
        Topic::RefundDue | Topic::RefundOverdue => &["due", "buyer"],
        Topic::RefundMade => &["amount", "method", "arrives"],
        Topic::EscalationAccepted | Topic::CaseEscalated => &["stage"],
        Topic::DecisionToBuyer | Topic::DecisionToMerchant => &["outcome", "grounds"],
        Topic::CaseResolved => &["outcome", "survey"],
        Topic::NewCase => &["kind", "reason", "buyer"],
        Topic::BuyerMessage => &["buyer", "message"],
        Topic::OfferAnswered => &["buyer"],
        Topic::ReturnShipped => &["buyer", "carrier", "tracking"],
        Topic::EscalationToHandle => &["stage", "merchant"],
        Topic::ResponsibilityToBuyer => &["responsible", "grounds"],
        Topic::ReplacementShipped | Topic::ReplacementLost => &["carrier", "tracking"],
        Topic::InformationRequestToBuyer | Topic::InformationRequestToMerchant => {
            &["request", "due"]
        }
        Topic::ConsumerMediatorOffered => &["mediator", "website"],
        Topic::MediatorMessage => &["message"],
        Topic::DeliveryDeadlineSet | Topic::LateOrderCancelled => &["due", "buyer"],
        Topic::GoodwillApproval => &["amount"],
        Topic::MessageToMediator => &["party", "message", "merchant"],
        Topic::AppealToHandle => &["party", "grounds", "merchant"],
        Topic::StatusUpdate => &["message"],
        Topic::SlaWarning | Topic::SlaBreach | Topic::SlaToOperator => {
            &["target", "due", "merchant"]
        }
        Topic::AutomationToMerchant | Topic::AutomationToOperator => &["rule", "merchant"],
    }
}

/// A notification in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `None` when the topic has no text-message version.
    pub sms: Option<String>,
}

/// A template that cannot be rendered with its topic's variables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "notification template {id} ({lang}) is missing or names a variable its topic does not give"
)]
pub struct TemplateError {
    pub id: String,
    pub lang: &'static str,
}

/// Values by variable name.
pub type Vars = Vec<(&'static str, String)>;

fn one(lang: Lang, id: &str, vars: &Vars) -> Result<String, TemplateError> {
    let args: Vec<(&'static str, Arg)> = vars
        .iter()
        .map(|(name, value)| (*name, Arg::Text(value.clone())))
        .collect();
    catalogue::render(lang, id, &args).ok_or_else(|| TemplateError {
        id: id.to_owned(),
        lang: lang.as_str(),
    })
}

/// Renders `topic` in `lang` with `vars` (which must hold [`COMMON`] and the topic's own).
pub fn render(topic: Topic, lang: Lang, vars: &Vars) -> Result<Rendered, TemplateError> {
    let code = topic.code();
    let subject = one(lang, &format!("notify-{code}-subject"), vars)?;
    let body = one(lang, &format!("notify-{code}-body"), vars)?;
    let staff = topic.audience() != Audience::Buyer;
    let greeting = one(lang, "notify-greeting", vars)?;
    let link = one(
        lang,
        if staff {
            "notify-staff-link"
        } else {
            "notify-link"
        },
        vars,
    )?;
    let reply = one(lang, "notify-reply-hint", vars)?;
    let signature = one(lang, "notify-signature", vars)?;
    let footer = one(
        lang,
        if staff {
            "notify-staff-footer"
        } else {
            "notify-footer"
        },
        vars,
    )?;
    let text = format!(
        "{greeting}\n\n{}\n\n{link}\n\n{reply}\n\n{signature}\n\n-- \n{footer}\n",
        body.trim()
    );
    let html = html(
        lang,
        &greeting,
        body.trim(),
        vars,
        &link,
        &reply,
        &signature,
        &footer,
    );
    let sms_id = format!("notify-{code}-sms");
    let sms = if topic.by_sms() {
        Some(sms::fit(&one(lang, &sms_id, vars)?, SMS_PARTS))
    } else {
        None
    };
    Ok(Rendered {
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html,
        sms,
    })
}

/// What a daily digest is given: `name`, `count`, `link` (the inbox), `shop` and
/// `preferences`; its entries are (subject, link) of each notification it gathers.
pub const DIGEST: &[&str] = &["name", "count", "link", "shop", "preferences"];

/// The daily digest of a staff member: one email listing many notifications.
pub fn digest(
    lang: Lang,
    vars: &Vars,
    entries: &[(String, String)],
) -> Result<Rendered, TemplateError> {
    let subject = one(lang, "notify-digest-subject", vars)?;
    let greeting = one(lang, "notify-greeting", vars)?;
    let intro = one(lang, "notify-digest-intro", vars)?;
    let open = one(lang, "notify-digest-open", vars)?;
    let footer = one(lang, "notify-staff-footer", vars)?;
    let list: String = entries
        .iter()
        .map(|(subject, link)| format!("- {subject}\n  {link}\n"))
        .collect();
    let text = format!("{greeting}\n\n{intro}\n\n{list}\n{open}\n\n-- \n{footer}\n");
    let items: String = entries
        .iter()
        .map(|(subject, link)| {
            format!(
                "<li style=\"margin:0 0 8px\"><a href=\"{}\" style=\"color:#1d4ed8\">{}</a></li>",
                escape(link),
                escape(subject)
            )
        })
        .collect();
    let inbox = vars
        .iter()
        .find(|(name, _)| *name == "link")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head>\
<body style=\"margin:0;padding:24px;background:#f5f5f4;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1c1917\">\
<div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px\">\
<p style=\"margin:0 0 16px\">{greeting}</p><p style=\"margin:0 0 16px\">{intro}</p><ul style=\"padding-left:20px;margin:0 0 16px\">{items}</ul>\
<p style=\"margin:0\"><a href=\"{inbox}\">{open}</a></p></div>\
<p style=\"max-width:560px;margin:16px auto 0;font-size:13px;color:#78716c\">{footer}</p></body></html>\n",
        lang = lang.as_str(),
        greeting = escape(&greeting),
        intro = escape(&intro),
        inbox = escape(inbox),
        open = escape(
            open.split(inbox)
                .next()
                .unwrap_or(&open)
                .trim_end_matches([' ', ':', '\u{a0}'])
        ),
        footer = escape(&footer),
    );
    Ok(Rendered {
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html,
        sms: None,
    })
}

/// Sample values of a digest (the check, the console's preview).
pub fn digest_sample(lang: Lang) -> (Vars, Vec<(String, String)>) {
    let vars: Vars = vec![
        ("name", "sav".into()),
        ("count", "2".into()),
        ("link", "https://litiges.example.fr/console".into()),
        ("shop", "Atelier Lumière".into()),
        (
            "preferences",
            "https://litiges.example.fr/console/preferences".into(),
        ),
    ];
    let (first, second) = if lang == Lang::Fr {
        (
            "[Dossier A7K-3F2] Nouveau dossier : retour",
            "[Dossier B2M-9Q1] Message de Camille Martin",
        )
    } else {
        (
            "[Case A7K-3F2] New case: return",
            "[Case B2M-9Q1] Message from Camille Martin",
        )
    };
    let entries = vec![
        (
            first.to_owned(),
            "https://litiges.example.fr/console/cases/0190c3a2".to_owned(),
        ),
        (
            second.to_owned(),
            "https://litiges.example.fr/console/cases/0190c3a3".to_owned(),
        ),
    ];
    (vars, entries)
}

#[allow(clippy::too_many_arguments)]
fn html(
    lang: Lang,
    greeting: &str,
    body: &str,
    vars: &Vars,
    link_line: &str,
    reply: &str,
    signature: &str,
    footer: &str,
) -> String {
    let link = vars
        .iter()
        .find(|(name, _)| *name == "link")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let button = link_line
        .split_once(link)
        .map(|(label, _)| label.trim_end_matches([' ', ':', '\u{a0}']))
        .unwrap_or(link_line);
    let paragraphs: String = body
        .split("\n\n")
        .map(|paragraph| {
            format!(
                "<p style=\"margin:0 0 16px\">{}</p>",
                escape(paragraph.trim()).replace('\n', "<br>")
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head>\
<body style=\"margin:0;padding:24px;background:#f5f5f4;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1c1917\">\
<div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px\">\
<p style=\"margin:0 0 16px\">{greeting}</p>{paragraphs}\
<p style=\"margin:24px 0\"><a href=\"{href}\" style=\"display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px\">{button}</a></p>\
<p style=\"margin:0 0 16px;color:#57534e\">{reply}</p><p style=\"margin:0\">{signature}</p></div>\
<p style=\"max-width:560px;margin:16px auto 0;font-size:13px;color:#78716c\">{footer}</p></body></html>\n",
        lang = lang.as_str(),
        greeting = escape(greeting),
        href = escape(link),
        button = escape(button),
        reply = escape(reply),
        signature = escape(signature),
        footer = escape(footer),
    )
}

/// Text as HTML (content and attribute values).
pub use amiable_domain::text::escape_html as escape;

/// Sample values for every variable of `topic`: the console's preview and the check.
pub fn sample(topic: Topic, lang: Lang) -> Vars {
    let fr = lang == Lang::Fr;
    let mut vars: Vars = vec![
        ("name", "Camille Martin".into()),
        ("shop", "Atelier Lumière".into()),
        ("case", "A7K-3F2".into()),
        ("order", "CMD-10482".into()),
        (
            "link",
            "https://litiges.example.fr/suivi/dossier/0190c3a2".into(),
        ),
        (
            "preferences",
            "https://litiges.example.fr/suivi/preferences".into(),
        ),
    ];
    for name in variables(topic) {
        let value = match (*name, fr) {
            ("kind", true) => "retour",
            ("kind", false) => "return",
            ("due", true) => "jeudi 10 décembre 2026",
            ("due", false) => "Thursday 10 December 2026",
            ("message", true) => "Bonjour, pouvez-vous me dire où en est mon colis ?",
            ("message", false) => "Hello, could you tell me where my parcel is?",
            ("author", _) => "Atelier Lumière",
            ("offer", true) => "un remboursement partiel de 15,00 €",
            ("offer", false) => "a partial refund of €15.00",
            ("rma", _) => "RMA-8K2P",
            ("instructions", true) => "Votre étiquette de retour prépayée est prête.",
            ("instructions", false) => "Your prepaid return label is ready.",
            ("ground", true) => "article porté",
            ("ground", false) => "item worn",
            ("expires", true) => "21/12/2026",
            ("expires", false) => "2026-12-21",
            ("amount", true) => "42,90 €",
            ("amount", false) => "€42.90",
            ("method", true) => "sur votre moyen de paiement",
            ("method", false) => "to your payment method",
            ("arrives", true) => "Sous 3 à 5 jours ouvrés.",
            ("arrives", false) => "Within 3 to 5 working days.",
            ("stage", true) => "médiation",
            ("stage", false) => "mediation",
            ("outcome", true) => "remboursement intégral",
            ("outcome", false) => "full refund",
            ("grounds", true) => "Le colis n'a pas été livré.",
            ("grounds", false) => "The parcel was not delivered.",
            ("survey", _) => "https://litiges.example.fr/suivi/dossier/0190c3a2#avis",
            ("reason", true) => "taille trop petite",
            ("reason", false) => "too small",
            ("buyer", _) => "Camille Martin",
            ("carrier", _) => "Colissimo",
            ("tracking", _) => "6A12345678901",
            ("merchant", _) => "Atelier Lumière",
            ("responsible", true) => "le transporteur",
            ("responsible", false) => "the carrier",
            ("request", true) => "Merci de nous transmettre la preuve de livraison signée.",
            ("request", false) => "Please send us the signed proof of delivery.",
            ("mediator", _) => "CM2C",
            ("website", _) => "https://www.cm2c.net",
            ("party", true) => "l'acheteur",
            ("party", false) => "the buyer",
            ("target", true) => "1ʳᵉ réponse",
            ("target", false) => "first response",
            ("rule", true) => "Nouvelles avant le 7ᵉ jour",
            ("rule", false) => "News before day 7",
            _ => "…",
        };
        vars.push((name, value.to_owned()));
    }
    vars
}

/// Renders every topic in every language with its sample values: an error names
/// each template that is missing or names a variable its topic does not give.
pub fn check_templates() -> Result<(), Vec<TemplateError>> {
    let mut errors = Vec::new();
    for topic in Topic::ALL {
        for lang in Lang::ALL {
            if let Err(error) = render(*topic, lang, &sample(*topic, lang)) {
                errors.push(error);
            }
        }
    }
    for lang in Lang::ALL {
        let (vars, entries) = digest_sample(lang);
        if let Err(error) = digest(lang, &vars, &entries) {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_both_languages() {
        assert_eq!(check_templates(), Ok(()));
        for topic in Topic::ALL {
            for lang in Lang::ALL {
                let rendered = render(*topic, lang, &sample(*topic, lang)).unwrap();
                assert!(
                    rendered.subject.contains("A7K-3F2"),
                    "{topic:?} {lang:?}: the case number is in the subject"
                );
                assert!(
                    rendered
                        .text
                        .contains("https://litiges.example.fr/suivi/dossier/0190c3a2")
                );
                assert!(
                    rendered
                        .html
                        .contains("href=\"https://litiges.example.fr/suivi/dossier/0190c3a2\"")
                );
                assert!(
                    !rendered.text.contains('{'),
                    "{topic:?}: a placeholder left: {}",
                    rendered.text
                );
                if let Some(sms) = rendered.sms {
                    assert!(
                        amiable_domain::sms::segments(&sms).count <= SMS_PARTS,
                        "{topic:?}: {sms}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_template_missing_a_variable_is_refused() {
        let mut vars = sample(Topic::RefundMade, Lang::Fr);
        vars.retain(|(name, _)| *name != "amount");
        let error = render(Topic::RefundMade, Lang::Fr, &vars).unwrap_err();
        assert_eq!(error.id, "notify-refund_made-subject");
    }

    #[test]
    fn html_escapes_what_people_wrote() {
        let mut vars = sample(Topic::BuyerMessage, Lang::En);
        for (name, value) in &mut vars {
            if *name == "message" {
                *value = "<script>alert(1)</script> & more".into();
            }
        }
        let rendered = render(Topic::BuyerMessage, Lang::En, &vars).unwrap();
        assert!(
            rendered
                .html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
        );
        assert!(rendered.text.contains("<script>alert(1)</script> & more"));
    }
}
