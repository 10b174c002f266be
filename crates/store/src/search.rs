//! Finding a case by what people remember of it: the order number or any part of it
//! ("005143", "mdc-2026-005143"), the buyer's email or name (« Hélène » as « helene »),
//! the return's RMA number, the case number printed on every page. Each case gets its
//! search terms (folded: lower case, no accents) in `case_search`, written with the events
//! that bring them (the opening, the return's authorisation); a query matches a case when
//! each of its words is the beginning of one of the case's terms — an index range scan on
//! `(operator_id, term)` on both databases.

use amiable_domain::ids::CaseId;

/// The most words a search takes (more narrows nothing a person types).
pub const MAX_WORDS: usize = 6;

pub use amiable_domain::text::fold;

/// The words of a search, folded, split at spaces (at most [`MAX_WORDS`]). A word keeps its
/// punctuation: « inb-05 » begins the order number « INB-05 », never a case whose number
/// begins with « 05 » on an order « INB-… ».
pub fn words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = fold(query).split_whitespace().map(str::to_owned).collect();
    words.sort();
    words.dedup();
    words.truncate(MAX_WORDS);
    words
}

/// The terms a text is found by: the whole (folded), each of its alphanumeric parts, and
/// a number's parts without their leading zeros (« 005143 » is also « 5143 »).
fn terms_of(text: &str, out: &mut Vec<String>) {
    let whole = fold(text.trim());
    if whole.is_empty() {
        return;
    }
    for part in whole.split(|c: char| !c.is_alphanumeric()) {
        if part.is_empty() {
            continue;
        }
        out.push(part.to_owned());
        let trimmed = part.trim_start_matches('0');
        if trimmed.len() != part.len() && !trimmed.is_empty() {
            out.push(trimmed.to_owned());
        }
    }
    out.push(whole);
}

/// What a newly opened case is found by: its number (the full id and the short one
/// printed on the pages), the order's number, the buyer's email and name.
pub fn case_terms(case_id: CaseId, order_number: &str, email: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let id = case_id.to_string();
    out.push(id.clone());
    out.push(id[..8].to_owned());
    terms_of(order_number, &mut out);
    terms_of(email, &mut out);
    if let Some((local, _)) = email.split_once('@') {
        terms_of(local, &mut out);
    }
    terms_of(name, &mut out);
    dedup(out)
}

/// What a return is found by once authorised: its RMA number (« RMA-Y7Q8LMW5 »).
pub fn rma_terms(rma: &str) -> Vec<String> {
    let mut out = Vec::new();
    terms_of(rma, &mut out);
    dedup(out)
}

fn dedup(mut terms: Vec<String>) -> Vec<String> {
    // Terms longer than this are never typed; they only weigh on the index.
    terms.retain(|t| t.len() <= 200);
    terms.sort();
    terms.dedup();
    terms
}

/// Up to this many matches of its rarest word, a search starts from them: a few index
/// reads and primary-key lookups, then a sort of that handful.
pub const GATHER_AT_MOST: i64 = 100;

/// Up to this many, the rarest word's matches are a list each case of the inbox is checked
/// against, in the inbox's order; beyond, a word so common is checked on each case by the
/// case's own terms (`case_search_by_case`), and a page fills after a page's worth of rows.
/// Measured on the 100,000-case dataset (docs/PERFORMANCE.md): each plan is the fastest in
/// its own range, and the three find the same cases in the same order.
pub const LIST_AT_MOST: i64 = 1000;

/// How a search runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub words: Vec<String>,
    pub driver: Driver,
}

/// Which word leads a search, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Driver {
    /// Start from this word's matches (at most [`GATHER_AT_MOST`]).
    Gather(String),
    /// Check the inbox's cases against this word's matches (at most [`LIST_AT_MOST`]).
    List(String),
    /// Every word is common: walk the inbox and check each case's terms.
    Walk,
}

impl Plan {
    /// The word already applied by the driver, if any (the others are checked per case).
    pub fn leading(&self) -> Option<&String> {
        match &self.driver {
            Driver::Gather(word) | Driver::List(word) => Some(word),
            Driver::Walk => None,
        }
    }
}

/// The end of the index range of the terms beginning with `word`.
pub(crate) fn upper_bound(word: &str) -> String {
    format!("{word}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Hélène LEFÈVRE-Dubœuf"), "helene lefevre-duboeuf");
        assert_eq!(fold("Ørsted Ñandú"), "orsted nandu");
    }

    #[test]
    fn a_case_is_found_by_each_part_of_what_identifies_it() {
        let id = CaseId::parse("bb46c77a-c4db-419e-ae04-b6739b12bb6e").unwrap();
        let terms = case_terms(
            id,
            "MDC-2026-005143",
            "Anais.Gauthier@exemple.fr",
            "Anaïs Gauthier",
        );
        for expected in [
            "bb46c77a",
            "bb46c77a-c4db-419e-ae04-b6739b12bb6e",
            "mdc-2026-005143",
            "005143",
            "5143",
            "2026",
            "anais.gauthier@exemple.fr",
            "anais",
            "gauthier",
            "anais gauthier",
        ] {
            assert!(
                terms.iter().any(|t| t == expected),
                "{expected} in {terms:?}"
            );
        }
        assert_eq!(
            rma_terms("RMA-Y7Q8LMW5"),
            ["rma", "rma-y7q8lmw5", "y7q8lmw5"]
        );
        assert_eq!(words("  Anaïs   GAUTHIER "), ["anais", "gauthier"]);
        assert_eq!(words("MDC-2026-005143"), ["mdc-2026-005143"]);
        assert_eq!(
            words("Gauthier anais.gauthier@"),
            ["anais.gauthier@", "gauthier"]
        );
        assert!(words("   ").is_empty());
    }
}
