//! Configuration: defaults → optional TOML file (`--config`) → `AMIABLE_*`
//! environment variables → command-line flags (clap reads the environment
//! variable of each flag itself, so a flag beats its variable).

use amiable_domain::case::automation::Automation;
use amiable_store::{DatabaseConfig, Durability};
use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "amiable-data";
pub const SQLITE_FILE: &str = "amiable.db";

/// The keys a TOML configuration file may hold; every one is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub sqlite_synchronous: Option<Durability>,
    pub auto_close_after_days: Option<u32>,
    pub log: Option<String>,
    /// The address people reach amiable at (e.g. https://litiges.example.fr):
    /// buyer links are built on it; cookies are Secure when it is HTTPS.
    pub public_url: Option<String>,
    /// Largest attachment upload in MiB (default 10).
    pub max_upload_mib: Option<usize>,
    /// Pooled database connections for reads and short writes (default 8).
    pub db_connections: Option<u32>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))
    }
}

/// Where the data lives: accepted by every command that touches data.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Directory holding the SQLite database and attachments [default: ./amiable-data]
    #[arg(long, env = "AMIABLE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL, or a SQLite path [default: DATA_DIR/amiable.db]
    #[arg(long, env = "AMIABLE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// SQLite durability: `full` (every commit synced) or `normal` (WAL; a power cut may lose the last commits)
    #[arg(long, env = "AMIABLE_SQLITE_SYNCHRONOUS", value_name = "MODE")]
    pub sqlite_synchronous: Option<String>,
}

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
}

impl DataArgs {
    pub fn resolve(&self, file: &FileConfig) -> anyhow::Result<Settings> {
        let data_dir = self
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let url = self
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| data_dir.join(SQLITE_FILE).to_string_lossy().into_owned());
        let durability = match self.sqlite_synchronous.as_deref() {
            Some("full") => Durability::Full,
            Some("normal") => Durability::Normal,
            Some(other) => {
                anyhow::bail!("--sqlite-synchronous must be full or normal, not '{other}'")
            }
            None => file.sqlite_synchronous.unwrap_or_default(),
        };
        let auto_close_days = match std::env::var("AMIABLE_AUTO_CLOSE_AFTER_DAYS") {
            Ok(value) => value
                .parse::<u32>()
                .context("AMIABLE_AUTO_CLOSE_AFTER_DAYS must be a number of days")?,
            Err(_) => file.auto_close_after_days.unwrap_or(14),
        };
        let mut database = DatabaseConfig::new(url);
        database.durability = durability;
        database.max_connections = match std::env::var("AMIABLE_DB_CONNECTIONS") {
            Ok(value) => value
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .context("AMIABLE_DB_CONNECTIONS must be a number from 1 to 256")?,
            Err(_) => file.db_connections.unwrap_or(database.max_connections),
        };
        database.automation = Automation {
            auto_close_after: jiff::SignedDuration::from_hours(i64::from(auto_close_days) * 24),
        };
        Ok(Settings { data_dir, database })
    }
}

pub fn listen_address(flag: Option<&str>, file: &FileConfig) -> anyhow::Result<SocketAddr> {
    let value = flag.or(file.listen.as_deref()).unwrap_or(DEFAULT_LISTEN);
    value.parse().with_context(|| {
        format!("--listen must be an address such as 127.0.0.1:8080, not '{value}'")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/amiable\"\nsqlite_synchronous = \"normal\"\nauto_close_after_days = 30\n",
        )
        .unwrap();
        let none = DataArgs {
            data_dir: None,
            database_url: None,
            sqlite_synchronous: None,
        };
        let settings = none.resolve(&file).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/amiable"));
        assert_eq!(settings.database.url, "/srv/amiable/amiable.db");
        assert_eq!(settings.database.durability, Durability::Normal);
        assert_eq!(
            listen_address(None, &file).unwrap().to_string(),
            "0.0.0.0:9000"
        );
        assert_eq!(
            listen_address(Some("127.0.0.1:0"), &file).unwrap().port(),
            0
        );

        let flags = DataArgs {
            data_dir: Some("/tmp/x".into()),
            database_url: Some("postgres://db/amiable".into()),
            sqlite_synchronous: Some("full".into()),
        };
        let settings = flags.resolve(&file).unwrap();
        assert!(settings.database.is_postgres());
        assert_eq!(settings.database.durability, Durability::Full);

        let defaults = none.resolve(&FileConfig::default()).unwrap();
        assert_eq!(
            defaults.database.url,
            format!("{DEFAULT_DATA_DIR}/{SQLITE_FILE}")
        );
        assert_eq!(
            listen_address(None, &FileConfig::default())
                .unwrap()
                .to_string(),
            DEFAULT_LISTEN
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
        let bad = DataArgs {
            data_dir: None,
            database_url: None,
            sqlite_synchronous: Some("off".into()),
        };
        assert!(bad.resolve(&FileConfig::default()).is_err());
        assert!(listen_address(Some("localhost"), &FileConfig::default()).is_err());
    }
}
