//! Field-level validation errors shared by every checking constructor.

use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::fmt;

/// A value a message about an error names: the interface formats it in the
/// reader's language (an amount as `12,50 €` or `€12.50`, a date as
/// `03/12/2026` or `2026-12-03`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Number(i64),
    Money(crate::money::Money),
    Date(jiff::civil::Date),
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Number(value)
    }
}

impl From<u32> for Arg {
    fn from(value: u32) -> Self {
        Arg::Number(i64::from(value))
    }
}

impl From<crate::money::Money> for Arg {
    fn from(value: crate::money::Money) -> Self {
        Arg::Money(value)
    }
}

impl From<jiff::civil::Date> for Arg {
    fn from(value: jiff::civil::Date) -> Self {
        Arg::Date(value)
    }
}

/// One invalid field: where it is, a stable machine code, a message in English
/// (for logs, and the text of last resort) and the values the message names.
/// Interfaces show the catalogue's message for `code`, in the reader's
/// language, with `args`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// A JSON-pointer-like path to the field, e.g. `lines[2].quantity`.
    pub field: String,
    /// A stable code such as `money.overflow` or `email.invalid`.
    pub code: &'static str,
    pub message: String,
    /// The values the message names, by the catalogue's variable names.
    #[serde(skip)]
    pub args: Vec<(&'static str, Arg)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// The same error, naming `value` as `name` for its message.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The same error, reported at `field` instead.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The same error, nested under a parent field (`lines[0]` + `sku` → `lines[0].sku`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

impl std::error::Error for FieldError {}

thread_local! {
    static READING: Cell<bool> = const { Cell::new(false) };
    static REFUSED: RefCell<Option<FieldError>> = const { RefCell::new(None) };
}

/// Runs a deserialisation and hands back, with its result, the last refusal a checking
/// constructor made on this thread meanwhile (see [`refused`]).
///
/// serde turns a constructor's error into text (`de::Error::custom`): the code survives in
/// the text, the values the message names do not. The JSON adapter reads through this so
/// that it can still say "unknown reason: item_damaged" in the reader's language.
pub fn reading<T>(run: impl FnOnce() -> T) -> (T, Option<FieldError>) {
    let outer = READING.with(|reading| reading.replace(true));
    let result = run();
    READING.with(|reading| reading.set(outer));
    (result, REFUSED.with(|refused| refused.borrow_mut().take()))
}

/// How the `TryFrom` conversions serde calls refuse a value: unchanged, and remembered for
/// [`reading`] when one is running on this thread (nowhere else: no cost, no state).
pub(crate) fn refused(error: FieldError) -> FieldError {
    if READING.with(Cell::get) {
        REFUSED.with(|refused| *refused.borrow_mut() = Some(error.clone()));
    }
    error
}

/// Several field errors collected while checking one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of `result` if any and returns its value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}
