//! The catalogues: per language, Fluent files embedded in the binary —
//! `ui.ftl` (the pages' words), `problems.ftl` (one message per error code, and
//! the titles of HTTP statuses), `returns.ftl` (why a line can or cannot
//! be returned), `notifications.ftl` (emails, texts) and `dossier.ftl` (the
//! case's dossier PDF) — loaded into one bundle per language.
//!
//! Code never holds a sentence: it names a message (`ui.t("inbox-title")`,
//! a problem's code) and passes its variables; the catalogue of the reader's
//! language gives the words, with Fluent's plural rules for counts (French
//! says « 0 dossier », English "0 cases"). Tests check that every file parses,
//! that both languages hold the same messages with the same variables, and
//! that every message formats.

use crate::Lang;
use amiable_domain::validation::Arg;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// Every catalogue file: its language, its name and its text.
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (Lang::En, "en/ui.ftl", include_str!("../locales/en/ui.ftl")),
    (
        Lang::En,
        "en/problems.ftl",
        include_str!("../locales/en/problems.ftl"),
    ),
    (
        Lang::En,
        "en/returns.ftl",
        include_str!("../locales/en/returns.ftl"),
    ),
    (
        Lang::En,
        "en/notifications.ftl",
        include_str!("../locales/en/notifications.ftl"),
    ),
    (
        Lang::En,
        "en/dossier.ftl",
        include_str!("../locales/en/dossier.ftl"),
    ),
    (Lang::Fr, "fr/ui.ftl", include_str!("../locales/fr/ui.ftl")),
    (
        Lang::Fr,
        "fr/problems.ftl",
        include_str!("../locales/fr/problems.ftl"),
    ),
    (
        Lang::Fr,
        "fr/returns.ftl",
        include_str!("../locales/fr/returns.ftl"),
    ),
    (
        Lang::Fr,
        "fr/notifications.ftl",
        include_str!("../locales/fr/notifications.ftl"),
    ),
    (
        Lang::Fr,
        "fr/dossier.ftl",
        include_str!("../locales/fr/dossier.ftl"),
    ),
];

struct Catalogues {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let locale = lang.as_str().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // No Unicode isolation marks around arguments: the pages are left-to-right only,
    // and invisible characters would break copy-paste of amounts and numbers.
    bundle.set_use_isolating(false);
    // A($name), DE($name): a shop's or a marketplace's name after « à » or « de », with the
    // contraction French wants (« au Marché des Créateurs », « d'Électron Libre »).
    for (function, preposition) in [("A", Preposition::A), ("DE", Preposition::De)] {
        let added = bundle.add_function(function, move |positional, _named| {
            let name = match positional.first() {
                Some(FluentValue::String(name)) => name.to_string(),
                Some(FluentValue::Number(number)) => number.as_string().into_owned(),
                _ => String::new(),
            };
            FluentValue::String(std::borrow::Cow::Owned(with_preposition(
                lang,
                preposition,
                &name,
            )))
        });
        if let Err(error) = added {
            tracing::error!(?error, function, "catalogue function not added");
        }
    }
    for (_, file, source) in SOURCES.iter().filter(|(l, _, _)| *l == lang) {
        // The catalogues are part of the binary; `catalogues_parse` fails on any error,
        // so a broken entry never ships. Whatever parsed is still used.
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                tracing::error!(?errors, file, "catalogue has syntax errors");
                resource
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(?errors, file, "catalogue has duplicate messages");
        }
    }
    bundle
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preposition {
    A,
    De,
}

/// `name` after « à » or « de » (French) or "to" / "of" (English), contracted with the
/// name's own article: « à » + « Le Marché » is « au Marché », « de » + « Les Jardins »
/// is « des Jardins », « de » + « Électron Libre » is « d'Électron Libre ».
fn with_preposition(lang: Lang, preposition: Preposition, name: &str) -> String {
    let name = name.trim();
    if lang == Lang::En {
        let word = match preposition {
            Preposition::A => "to",
            Preposition::De => "of",
        };
        return format!("{word} {name}");
    }
    let article = |prefix: &str| {
        name.get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| &name[prefix.len()..])
    };
    if let Some(rest) = article("le ") {
        return match preposition {
            Preposition::A => format!("au {rest}"),
            Preposition::De => format!("du {rest}"),
        };
    }
    if let Some(rest) = article("les ") {
        return match preposition {
            Preposition::A => format!("aux {rest}"),
            Preposition::De => format!("des {rest}"),
        };
    }
    if let Some(rest) = article("la ") {
        return match preposition {
            Preposition::A => format!("à la {rest}"),
            Preposition::De => format!("de la {rest}"),
        };
    }
    let elided = article("l'").or_else(|| {
        name.strip_prefix("L\u{2019}")
            .or_else(|| name.strip_prefix("l\u{2019}"))
    });
    if let Some(rest) = elided {
        return match preposition {
            Preposition::A => format!("à l'{rest}"),
            Preposition::De => format!("de l'{rest}"),
        };
    }
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "aeiouyAEIOUYàâäéèêëîïôöùûüÀÂÄÉÈÊËÎÏÔÖÙÛÜ".contains(c));
    match preposition {
        Preposition::A => format!("à {name}"),
        Preposition::De if vowel => format!("d'{name}"),
        Preposition::De => format!("de {name}"),
    }
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(|| Catalogues {
        fr: bundle(Lang::Fr),
        en: bundle(Lang::En),
    })
}

fn of(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::Fr => &catalogues().fr,
        Lang::En => &catalogues().en,
    }
}

/// Whether the catalogue of `lang` has the message `key`.
pub fn has(lang: Lang, key: &str) -> bool {
    of(lang).has_message(key)
}

/// The message `key` in `lang`, formatted with `args`. A missing message shows
/// its key (and the catalogue tests fail), never an empty string.
pub fn message(lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = of(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.as_str(), "missing message");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "message formatted with errors");
    }
    typeset(lang, text.into_owned())
}

/// French typography, whatever the catalogue's author typed: a no-break space before
/// « : ; ? ! » and inside « », and none inside « C. conso » or before its article, so
/// that no line starts with a colon or splits a reference (« C. conso L221-18 »).
pub fn typeset(lang: Lang, text: String) -> String {
    if lang != Lang::Fr || !text.contains([' ', '«']) {
        return text;
    }
    const NBSP: char = '\u{a0}';
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        match c {
            ' ' if matches!(next, Some(':' | ';' | '?' | '!' | '»')) => out.push(NBSP),
            ' ' if prev == Some('«') => out.push(NBSP),
            _ => out.push(c),
        }
    }
    out.replace("C. conso ", "C.\u{a0}conso\u{a0}")
}

/// `message` with string arguments.
pub fn message_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, FluentValue::from(*value));
    }
    message(lang, key, Some(&fluent))
}

/// `message` with a count `n` (plural rules) and optional string arguments.
pub fn message_count(lang: Lang, key: &str, n: i64, args: &[(&str, &str)]) -> String {
    let mut fluent = FluentArgs::new();
    fluent.set("n", FluentValue::from(n));
    for (name, value) in args {
        fluent.set(*name, FluentValue::from(*value));
    }
    message(lang, key, Some(&fluent))
}

/// A value of the domain as the language writes it: an amount with its
/// currency (`12,50 €`, `€12.50`), a date in digits (`03/12/2026`, `2026-12-03`).
pub fn arg_text(lang: Lang, arg: &Arg) -> String {
    match arg {
        Arg::Text(text) => text.clone(),
        Arg::Number(n) => n.to_string(),
        Arg::Money(money) => crate::format::money(lang, money),
        Arg::Date(date) => match lang {
            Lang::Fr => date.strftime("%d/%m/%Y").to_string(),
            Lang::En => date.strftime("%Y-%m-%d").to_string(),
        },
    }
}

/// The message `id` in `lang` with the domain's values, or `None` when the
/// message is missing or names a variable `args` does not give (the caller
/// then has a text of its own to fall back on).
pub fn render(lang: Lang, id: &str, args: &[(&'static str, Arg)]) -> Option<String> {
    let bundle = of(lang);
    let pattern = bundle.get_message(id).and_then(|m| m.value())?;
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        match value {
            // Numbers stay numbers: plural rules select on them.
            Arg::Number(n) => fluent.set(*name, FluentValue::from(*n)),
            other => fluent.set(*name, FluentValue::from(arg_text(lang, other))),
        }
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent), &mut errors);
    if errors.is_empty() {
        Some(typeset(lang, text.into_owned()))
    } else {
        tracing::warn!(id, ?errors, "message lacks a variable");
        None
    }
}

/// The ids of the messages of a catalogue source, in order.
pub fn message_ids(source: &str) -> Vec<String> {
    messages(source).into_iter().map(|(id, _)| id).collect()
}

/// The messages of a catalogue source with the text of each (its value and
/// variants, on one or several lines).
fn messages(source: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        let starts = line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        match (starts, line.split_once('=')) {
            (true, Some((id, rest))) => out.push((id.trim().to_owned(), rest.to_owned())),
            _ if line.starts_with(' ') => {
                if let Some((_, text)) = out.last_mut() {
                    text.push('\n');
                    text.push_str(line);
                }
            }
            _ => {}
        }
    }
    out
}

/// The variables (`$name`) a message's text names.
#[cfg(test)]
fn variables(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !name.is_empty() {
            names.insert(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn french_pages_keep_colons_and_references_with_their_words() {
        let nb = '\u{a0}';
        assert_eq!(
            typeset(
                Lang::Fr,
                "Adresse de retour : « 12 rue » ; vraiment ? (C. conso L221-18)".into()
            ),
            format!(
                "Adresse de retour{nb}: «{nb}12 rue{nb}»{nb}; vraiment{nb}? (C.{nb}conso{nb}L221-18)"
            )
        );
        // Already right, or English: untouched.
        assert_eq!(
            typeset(Lang::Fr, format!("déjà{nb}: bien")),
            format!("déjà{nb}: bien")
        );
        assert_eq!(typeset(Lang::En, "Note : x".into()), "Note : x");
        // Every French page message comes out typeset.
        let text = message(Lang::Fr, "ship-to", None);
        assert!(text.ends_with(&format!("{nb}:")), "{text:?}");
    }

    fn sources_of(lang: Lang) -> impl Iterator<Item = &'static str> {
        SOURCES
            .iter()
            .filter(move |(l, _, _)| *l == lang)
            .map(|(_, _, source)| *source)
    }

    /// Each language's messages, with the variables each names.
    fn catalogue(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        sources_of(lang)
            .flat_map(messages)
            .map(|(id, text)| (id, variables(&text)))
            .collect()
    }

    #[test]
    fn names_after_a_and_de_are_contracted_as_french_wants() {
        let name = |key: &str, value: &str| {
            let mut args = FluentArgs::new();
            args.set("name", FluentValue::from(value));
            message(Lang::Fr, key, Some(&args))
        };
        assert_eq!(
            name("escalate-title", "Le Marché des Créateurs"),
            "Faire appel au Marché des Créateurs"
        );
        assert_eq!(
            name("escalate-title-arbitration", "Les Jardins de Marie"),
            "Demander une décision aux Jardins de Marie"
        );
        assert_eq!(name("escalate-title", "La Halle"), "Faire appel à la Halle");
        assert_eq!(
            name("escalate-title", "Maison Colette"),
            "Faire appel à Maison Colette"
        );
        assert!(
            name("escalate-intro-external", "Le Marché des Créateurs")
                .starts_with("Si la décision du Marché des Créateurs ne vous convient pas")
        );
        assert!(
            name("escalate-intro-external", "Électron Libre")
                .starts_with("Si la décision d'Électron Libre ne")
        );
        assert!(
            name("escalate-intro-external", "L\u{2019}Atelier")
                .starts_with("Si la décision de l'Atelier ne")
        );
        let mut args = FluentArgs::new();
        args.set("name", FluentValue::from("Le Marché des Créateurs"));
        assert_eq!(
            message(Lang::En, "escalate-title", Some(&args)),
            "Ask Le Marché des Créateurs to step in"
        );
    }

    #[test]
    fn catalogues_parse() {
        for (lang, file, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new((*source).to_owned()) {
                panic!("{file} does not parse: {errors:?}");
            }
            let mut bundle = FluentBundle::new_concurrent(vec![lang.as_str().parse().unwrap()]);
            for other in sources_of(*lang) {
                bundle
                    .add_resource(FluentResource::try_new(other.to_owned()).unwrap())
                    .unwrap_or_else(|e| panic!("{file}: duplicates across files: {e:?}"));
            }
        }
    }

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_variables() {
        let fr = catalogue(Lang::Fr);
        let en = catalogue(Lang::En);
        let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        assert!(
            only_fr.is_empty() && only_en.is_empty(),
            "only in French: {only_fr:?}; only in English: {only_en:?}"
        );
        let different: Vec<_> = fr
            .iter()
            .filter(|(id, vars)| en.get(*id) != Some(vars))
            .map(|(id, vars)| format!("{id}: fr {vars:?}, en {:?}", en[id]))
            .collect();
        assert!(different.is_empty(), "variables differ: {different:#?}");
        assert!(
            fr.len() > 300,
            "the catalogues hold the interface and the errors"
        );
    }

    #[test]
    fn messages_format_without_errors() {
        for lang in Lang::ALL {
            for (id, vars) in catalogue(lang) {
                let mut args = FluentArgs::new();
                for name in &vars {
                    args.set(name.clone(), FluentValue::from("x"));
                }
                // Counts are numbers (plural rules), as are a few others.
                for number in ["n", "max", "min", "seconds", "refund_id"] {
                    if vars.contains(number) {
                        args.set(number, FluentValue::from(2));
                    }
                }
                let bundle = of(lang);
                let pattern = bundle.get_message(&id).and_then(|m| m.value());
                let pattern = pattern.unwrap_or_else(|| panic!("{id} has no value"));
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.as_str());
                assert!(!text.trim().is_empty(), "{}: {id} is empty", lang.as_str());
            }
        }
    }

    #[test]
    fn rendering_formats_the_domain_values_per_language() {
        use amiable_domain::money::{Currency, Money};
        let args = [(
            "refundable",
            Arg::Money(Money::new(1250, Currency::parse("EUR").unwrap())),
        )];
        assert_eq!(
            render(Lang::En, "problem-refund-exceeds_refundable", &args).unwrap(),
            "Only €12.50 remains refundable on this order."
        );
        assert_eq!(
            render(Lang::Fr, "problem-refund-exceeds_refundable", &args).unwrap(),
            "Il ne reste que 12,50\u{a0}€ remboursables sur cette commande."
        );
        // A variable not given: no half-rendered text, the caller falls back.
        assert_eq!(
            render(Lang::Fr, "problem-refund-exceeds_refundable", &[]),
            None
        );
        let until = [
            ("until", Arg::Date(jiff::civil::date(2026, 12, 3))),
            ("article", Arg::Text("C. conso L221-18".into())),
        ];
        assert_eq!(
            render(Lang::En, "eligibility-statute-until", &until).unwrap(),
            "Returnable until 2026-12-03 under the statutory withdrawal right (C. conso L221-18)."
        );
        assert!(
            render(Lang::Fr, "eligibility-statute-until", &until)
                .unwrap()
                .contains("03/12/2026")
        );
    }

    #[test]
    fn plurals_follow_each_language() {
        // French: 0 and 1 are singular; English: only 1.
        assert_eq!(message_count(Lang::Fr, "cases-count", 0, &[]), "0 dossier");
        assert_eq!(message_count(Lang::Fr, "cases-count", 1, &[]), "1 dossier");
        assert_eq!(message_count(Lang::Fr, "cases-count", 2, &[]), "2 dossiers");
        assert_eq!(message_count(Lang::En, "cases-count", 0, &[]), "0 cases");
        assert_eq!(message_count(Lang::En, "cases-count", 1, &[]), "1 case");
    }
}
