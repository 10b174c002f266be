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
    /// The SMTP server notifications leave through: smtp://host:25, smtp://user:pass@host:587?tls=required
    /// (STARTTLS), smtps://user:pass@host:465. Unset: emails are kept in amiable (the sent-mail page).
    pub smtp_url: Option<String>,
    /// The sender address of notifications (the shop's name is shown as the sender's name).
    pub mail_from: Option<String>,
    /// The domain of reply addresses (reply+token@domain); the sender's domain when unset.
    pub reply_domain: Option<String>,
    /// DKIM: sign every email with this RSA private key (PKCS#1 PEM file), published in
    /// DNS as `<dkim_selector>._domainkey.<dkim_domain>` (the domain defaults to mail_from's).
    pub dkim_key_file: Option<PathBuf>,
    pub dkim_selector: Option<String>,
    pub dkim_domain: Option<String>,
    /// Allow webhook endpoints on private, loopback and link-local addresses (tests, intranets).
    pub webhooks_allow_private: Option<bool>,
    /// Text messages through Twilio: account SID, auth token, sender (number, sender id or MG… service).
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    pub twilio_from: Option<String>,
    /// Twilio's API address (a stand-in's in tests) [default: https://api.twilio.com].
    pub twilio_base_url: Option<String>,
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

/// How notifications leave: each key from the environment (`AMIABLE_SMTP_URL`,
/// `AMIABLE_MAIL_FROM`, `AMIABLE_REPLY_DOMAIN`, `AMIABLE_WEBHOOKS_ALLOW_PRIVATE`,
/// `AMIABLE_TWILIO_*`) or else the file.
#[derive(Debug, Clone, Default)]
pub struct Messaging {
    pub smtp_url: Option<String>,
    /// (selector, domain, private key PEM).
    pub dkim: Option<(String, String, String)>,
    pub notify: amiable_app::notifications::NotifyConfig,
    pub twilio: Option<(String, String, String, String)>,
}

impl Messaging {
    pub fn resolve(file: &FileConfig) -> anyhow::Result<Messaging> {
        let pick = |env: &str, value: &Option<String>| {
            std::env::var(env)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| value.clone())
        };
        let mut notify = amiable_app::notifications::NotifyConfig::default();
        if let Some(from) = pick("AMIABLE_MAIL_FROM", &file.mail_from) {
            amiable_domain::contact::Email::parse(&from)
                .map_err(|e| anyhow::anyhow!("mail_from: {}", e.message))?;
            notify.from_address = from;
        }
        notify.reply_domain = pick("AMIABLE_REPLY_DOMAIN", &file.reply_domain);
        notify.webhooks_allow_private = match std::env::var("AMIABLE_WEBHOOKS_ALLOW_PRIVATE") {
            Ok(value) => matches!(value.as_str(), "1" | "true" | "yes"),
            Err(_) => file.webhooks_allow_private.unwrap_or(false),
        };
        let twilio = match (
            pick("AMIABLE_TWILIO_ACCOUNT_SID", &file.twilio_account_sid),
            pick("AMIABLE_TWILIO_AUTH_TOKEN", &file.twilio_auth_token),
            pick("AMIABLE_TWILIO_FROM", &file.twilio_from),
        ) {
            (Some(sid), Some(token), Some(from)) => Some((
                pick("AMIABLE_TWILIO_BASE_URL", &file.twilio_base_url)
                    .unwrap_or_else(|| "https://api.twilio.com".into()),
                sid,
                token,
                from,
            )),
            (None, None, None) => None,
            _ => anyhow::bail!(
                "Twilio needs twilio_account_sid, twilio_auth_token and twilio_from together"
            ),
        };
        let dkim = match (
            pick(
                "AMIABLE_DKIM_KEY_FILE",
                &file.dkim_key_file.as_ref().map(|p| p.display().to_string()),
            ),
            pick("AMIABLE_DKIM_SELECTOR", &file.dkim_selector),
        ) {
            (Some(path), Some(selector)) => {
                let pem = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the DKIM key {path}"))?;
                let domain = pick("AMIABLE_DKIM_DOMAIN", &file.dkim_domain).unwrap_or_else(|| {
                    notify
                        .from_address
                        .rsplit('@')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                });
                // Refused at start-up, not at the first email.
                amiable_connectors::smtp::dkim(&selector, &domain, &pem)
                    .map_err(anyhow::Error::msg)?;
                Some((selector, domain, pem))
            }
            (None, None) => None,
            _ => anyhow::bail!("DKIM needs dkim_key_file and dkim_selector together"),
        };
        Ok(Messaging {
            dkim,
            smtp_url: pick("AMIABLE_SMTP_URL", &file.smtp_url),
            notify,
            twilio,
        })
    }

    /// The ports: SMTP or the built-in mailbox, Twilio or the SMS log, the HTTP client.
    pub fn ports(&self) -> anyhow::Result<amiable_app::Ports> {
        use amiable_connectors::{http, sms, smtp};
        use std::sync::Arc;
        let mut ports = amiable_app::Ports::default();
        if let Some(url) = &self.smtp_url {
            let dkim = match &self.dkim {
                Some((selector, domain, pem)) => {
                    Some(smtp::dkim(selector, domain, pem).map_err(anyhow::Error::msg)?)
                }
                None => None,
            };
            ports.mailer = Arc::new(smtp::SmtpMailer::new(url, dkim).map_err(anyhow::Error::msg)?);
        }
        if let Some((base_url, account_sid, auth_token, from)) = &self.twilio {
            ports.sms = Arc::new(
                sms::TwilioSms::new(sms::TwilioConfig {
                    base_url: base_url.clone(),
                    account_sid: account_sid.clone(),
                    auth_token: auth_token.clone(),
                    from: from.clone(),
                })
                .map_err(anyhow::Error::msg)?,
            );
        }
        ports.webhooks = Arc::new(http::HttpWebhooks::new().map_err(anyhow::Error::msg)?);
        Ok(ports)
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
