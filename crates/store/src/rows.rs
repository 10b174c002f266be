//! Reading columns the same way from SQLite and PostgreSQL rows.

use crate::error::StoreError;
use sqlx::Row;

pub(crate) trait RowExt {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
}

macro_rules! impl_row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn text(&self, column: &str) -> Result<String, StoreError> {
                Ok(self.try_get::<String, _>(column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
                Ok(self.try_get::<Option<String>, _>(column)?)
            }
            fn int(&self, column: &str) -> Result<i64, StoreError> {
                Ok(self.try_get::<i64, _>(column)?)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
                Ok(self.try_get::<Option<i64>, _>(column)?)
            }
        }
    };
}

impl_row_ext!(sqlx::sqlite::SqliteRow);
impl_row_ext!(sqlx::postgres::PgRow);

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{what}: {e}")))
}

pub(crate) fn instant(micros: i64) -> Result<jiff::Timestamp, StoreError> {
    crate::from_micros(micros)
        .ok_or_else(|| StoreError::corrupt(format!("instant {micros} out of range")))
}
