//! The words of amiable, in French and English: one translation system for
//! the web pages, the problem documents of the API and the explanations the
//! use cases give (and, next, notifications). Messages live in Fluent
//! catalogues (`locales/*.ftl`) embedded in the binary; code names a message
//! by its id and passes its variables, and the reader's language picks the
//! words.

mod catalogue;
mod lang;
mod problems;

pub use catalogue::{EN_SOURCE, FR_SOURCE, has, message, message_count, message_ids, message_with};
pub use lang::{Lang, negotiate};
pub use problems::{CATALOG, problem_message, title, translate_problem};
