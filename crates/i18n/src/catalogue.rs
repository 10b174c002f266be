//! The interface's words, in French and English, from Fluent catalogues
//! (`crates/server/locales/{fr,en}.ftl`), embedded in the binary.
//!
//! Templates never hold a sentence: they name a message (`ui.t("inbox-title")`)
//! and the catalogue of the page's language gives it, with Fluent's plural
//! rules for counts (`ui.tn("cases-count", n)`: French says « 0 dossier »,
//! English "0 cases"). Tests check that both catalogues parse, hold the same
//! messages, and hold every message the templates and the code name.

use crate::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

pub const FR_SOURCE: &str = include_str!("../locales/fr.ftl");
pub const EN_SOURCE: &str = include_str!("../locales/en.ftl");

struct Catalogues {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let locale = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // No Unicode isolation marks around arguments: the pages are left-to-right only,
    // and invisible characters would break copy-paste of amounts and numbers.
    bundle.set_use_isolating(false);
    // The catalogues are part of the binary; `catalogues_parse` fails on any error,
    // so a broken entry never ships. Whatever parsed is still used.
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => resource,
        Err((resource, errors)) => {
            tracing::error!(?errors, tag, "interface catalogue has syntax errors");
            resource
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, tag, "interface catalogue has duplicate messages");
    }
    bundle
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(|| Catalogues {
        fr: bundle("fr", FR_SOURCE),
        en: bundle("en", EN_SOURCE),
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
        tracing::warn!(key, lang = lang.as_str(), "missing interface message");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "interface message formatted with errors");
    }
    text.into_owned()
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

/// The ids of the messages of a catalogue source, in order.
pub fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalogues_parse() {
        for (tag, source) in [("fr", FR_SOURCE), ("en", EN_SOURCE)] {
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{tag}.ftl does not parse: {errors:?}");
            }
            let mut bundle = FluentBundle::new_concurrent(vec![tag.parse().unwrap()]);
            let resource = FluentResource::try_new(source.to_owned()).unwrap();
            bundle
                .add_resource(resource)
                .unwrap_or_else(|e| panic!("{tag}.ftl has duplicates: {e:?}"));
        }
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let fr: BTreeSet<_> = message_ids(FR_SOURCE).into_iter().collect();
        let en: BTreeSet<_> = message_ids(EN_SOURCE).into_iter().collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(
            only_fr.is_empty() && only_en.is_empty(),
            "only in fr.ftl: {only_fr:?}; only in en.ftl: {only_en:?}"
        );
        assert!(fr.len() > 100, "the catalogues hold the interface");
    }

    #[test]
    fn messages_format_without_errors() {
        let mut args = FluentArgs::new();
        for name in [
            "n", "name", "date", "amount", "when", "shop", "order", "rma", "count", "stage",
            "article", "until", "percent", "email", "who", "days", "what", "total", "version",
            "status", "kind", "reason", "size", "limit", "party", "number",
        ] {
            args.set(name, FluentValue::from("x"));
        }
        args.set("n", FluentValue::from(2));
        for lang in Lang::ALL {
            let source = match lang {
                Lang::Fr => FR_SOURCE,
                Lang::En => EN_SOURCE,
            };
            for id in message_ids(source) {
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
    fn plurals_follow_each_language() {
        // French: 0 and 1 are singular; English: only 1.
        assert_eq!(message_count(Lang::Fr, "cases-count", 0, &[]), "0 dossier");
        assert_eq!(message_count(Lang::Fr, "cases-count", 1, &[]), "1 dossier");
        assert_eq!(message_count(Lang::Fr, "cases-count", 2, &[]), "2 dossiers");
        assert_eq!(message_count(Lang::En, "cases-count", 0, &[]), "0 cases");
        assert_eq!(message_count(Lang::En, "cases-count", 1, &[]), "1 case");
    }
}
