//! The interface's catalogues hold every message the pages and the web code
//! name, every label of the domain's values the pages show, and every notice
//! a redirect asks for.

use amiable_i18n::{Lang, has};
use std::collections::BTreeSet;

/// Every message named in the templates or in the web code exists.
#[test]
fn every_message_used_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["templates", "src/web"] {
        collect(&root.join(dir), &mut sources);
    }
    assert!(!sources.is_empty());
    let mut missing = BTreeSet::new();
    let mut used = 0;
    for (path, text) in &sources {
        for key in keys_named(text) {
            used += 1;
            for lang in Lang::ALL {
                if !has(lang, &key) {
                    missing.insert(format!("{}: {key} ({})", path, lang.as_str()));
                }
            }
        }
    }
    assert!(used > 100, "the scanner finds the keys ({used})");
    assert!(missing.is_empty(), "missing messages: {missing:#?}");
}

fn collect(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path.display().to_string(), text));
        }
    }
}

/// The keys in `t("…")`, `tn("…"`, `ta("…"`, `ta2("…"` and `key!("…")` calls.
fn keys_named(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for marker in ["t(\"", "tn(\"", "ta(\"", "ta2(\"", "key!(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            let before = rest[..at].chars().last();
            rest = &rest[at + marker.len()..];
            // `t(` preceded by a letter is another function (`let(`, `format(`…).
            if marker == "t(\"" && before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    keys.push(key.to_owned());
                }
            }
        }
    }
    keys
}

/// Every enum value the pages show through `ui.label(prefix, code)` has its label.
#[test]
fn every_label_exists() {
    use amiable_domain::case::*;
    let mut keys: Vec<String> = Vec::new();
    let mut add = |prefix: &str, codes: Vec<&str>| {
        keys.extend(codes.into_iter().map(|c| format!("{prefix}-{c}")));
    };
    add("kind", CaseKind::ALL.iter().map(|k| k.code()).collect());
    add(
        "status",
        CaseStatus::ALL
            .iter()
            .map(|k| k.code())
            .chain(["all"])
            .collect(),
    );
    add("stage", Stage::ALL.iter().map(|k| k.code()).collect());
    add(
        "outcome",
        DecisionOutcome::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "closed",
        CloseReason::ALL.iter().map(|k| k.code()).collect(),
    );
    add("scan", ParcelStatus::ALL.iter().map(|k| k.code()).collect());
    add(
        "condition",
        ItemCondition::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "refund",
        RefundStatus::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "goodwill",
        GoodwillKind::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "reminder",
        ReminderTopic::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "resolution",
        ResolutionKind::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "prefer",
        ResolutionKind::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "prefer-hint",
        ResolutionKind::ALL.iter().map(|k| k.code()).collect(),
    );
    add("party", Party::ALL.iter().map(|k| k.code()).collect());
    add("waiting", Party::ALL.iter().map(|k| k.code()).collect());
    add(
        "rstage",
        ReturnStage::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "policy-source",
        PolicySource::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "role",
        amiable_domain::access::Role::ALL
            .iter()
            .map(|r| r.code())
            .collect(),
    );
    add("shipping", vec!["buyer", "merchant"]);
    add(
        "responsibility",
        Responsibility::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "claim",
        ClaimOutcome::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "appeal",
        AppealOutcome::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "act-decide-appeal",
        AppealOutcome::ALL.iter().map(|k| k.code()).collect(),
    );
    add(
        "reshipment",
        ReshipmentStatus::ALL.iter().map(|k| k.code()).collect(),
    );
    add("reship-scan", vec!["delivered", "lost"]);
    // The two private channels: the mediator's with the buyer, with the merchant.
    add("private-channel", vec!["buyer", "merchant"]);
    add("request-to", vec!["buyer", "merchant"]);
    add(
        "flag",
        amiable_domain::order::LineFlag::ALL
            .iter()
            .map(|f| match f {
                amiable_domain::order::LineFlag::Personalised => "personalised",
                amiable_domain::order::LineFlag::Perishable => "perishable",
                amiable_domain::order::LineFlag::SealedHygiene => "sealed_hygiene",
                amiable_domain::order::LineFlag::SecondHand => "second_hand",
                amiable_domain::order::LineFlag::Digital => "digital",
            })
            .collect(),
    );
    add(
        "macro-title",
        amiable_app::helpdesk::macros::DEFAULT_MACROS.to_vec(),
    );
    add(
        "macro-text",
        amiable_app::helpdesk::macros::DEFAULT_MACROS.to_vec(),
    );
    let missing: Vec<String> = keys
        .into_iter()
        .flat_map(|k| Lang::ALL.into_iter().map(move |l| (k.clone(), l)))
        .filter(|(k, l)| !has(*l, k))
        .map(|(k, l)| format!("{k} ({})", l.as_str()))
        .collect();
    assert!(missing.is_empty(), "missing labels: {missing:?}");
}

/// Every confirmation a redirect asks for (`?fait=…`) has its message.
#[test]
fn every_notice_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut sources = Vec::new();
    collect(&root, &mut sources);
    let mut notices = BTreeSet::new();
    for (_, text) in &sources {
        for marker in ["fait=", "back(case_id, \"", "Ok(\""] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                let closed = rest[name.len()..].starts_with('"') || marker == "fait=";
                if name.len() > 2
                    && closed
                    && (marker != "Ok(\""
                        || name.contains('-')
                        || rest[name.len()..].starts_with("\")"))
                {
                    notices.insert(name);
                }
            }
        }
    }
    assert!(
        notices.len() > 20,
        "the scanner finds the notices: {notices:?}"
    );
    let missing: Vec<_> = notices
        .iter()
        .filter(|n| Lang::ALL.iter().any(|l| !has(*l, &format!("notice-{n}"))))
        .collect();
    assert!(missing.is_empty(), "notices without a message: {missing:?}");
}
