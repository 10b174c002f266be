//! The words of amiable, in French and English: one translation system for
//! the web pages, the problem documents of the API and the explanations the
//! use cases give and the notifications. Messages live in Fluent
//! catalogues (`locales/<language>/*.ftl`) embedded in the binary; code names a
//! message by its id and passes its variables — the domain's values, which
//! [`format`] writes as each language does — and the reader's language picks
//! the words.

mod catalogue;
pub mod format;
mod lang;
mod problems;

pub use catalogue::{
    SOURCES, arg_text, has, message, message_count, message_ids, message_with, render,
};
pub use lang::{Lang, negotiate};
pub use problems::{problem, problem_id, title};
