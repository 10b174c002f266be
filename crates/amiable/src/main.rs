//! `amiable`: settle e-commerce returns, incidents and disputes amicably.

mod config;
mod demo;
mod import;

use amiable_domain::ids::{MerchantId, OperatorId, Slug};
use amiable_server::AppState;
use amiable_store::Store;
use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use config::{DataArgs, FileConfig, Settings};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "amiable",
    version,
    about = "Settle e-commerce returns, incidents and disputes à l'amiable."
)]
#[command(
    long_about = "amiable settles e-commerce problems amicably: returns and refunds, delivery incidents, \
buyer–merchant disputes, marketplace mediation and arbitration, and payment disputes.\n\n\
Configuration comes from defaults, then the TOML file given with --config, then AMIABLE_* environment \
variables, then flags."
)]
struct Cli {
    /// TOML configuration file (keys: listen, data_dir, database_url, sqlite_synchronous, auto_close_after_days, log)
    #[arg(long, global = true, env = "AMIABLE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Run the HTTP server (JSON API, health endpoints) and the background worker.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port
        #[arg(long, env = "AMIABLE_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Create a fresh demo marketplace (merchants, orders, cases) and serve it.
    Demo {
        /// Seed of the generated data: the same seed gives the same marketplace
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port
        #[arg(long, env = "AMIABLE_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// The day the demo's history ends (YYYY-MM-DD, UTC) [default: today]; with --seed it fixes the data exactly
        #[arg(long, value_name = "DATE")]
        anchor: Option<String>,
        /// Seed the database and exit without serving
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check every case's hash chain and projection; exits 1 naming the first broken event.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage operators (tenants).
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Manage merchants.
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys for integrations.
    #[command(subcommand, name = "apikey")]
    ApiKey(ApiKeyCommand),
    /// Inbound mail: replies to notifications.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Read one email (raw MIME) from standard input and post it on its case, as a
    /// Postfix pipe does (`amiable mail receive < message.eml`); prints what became of it.
    Receive {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a staff user. The password is read from AMIABLE_PASSWORD, or asked on the terminal.
    Add {
        /// The login email
        #[arg(long)]
        email: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// operator_admin, mediator, merchant_admin or merchant_agent
        #[arg(long)]
        role: String,
        /// The operator's slug; optional when there is only one
        #[arg(long, value_name = "SLUG")]
        operator: Option<String>,
        /// The merchant's slug, for merchant roles
        #[arg(long, value_name = "SLUG")]
        merchant: Option<String>,
        /// Interface language: fr (default) or en
        #[arg(long, default_value = "fr")]
        locale: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List an operator's staff users.
    List {
        #[arg(long, value_name = "SLUG")]
        operator: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create an API key for the operator, or for one merchant with --merchant. Prints the key once.
    Create {
        /// What the key is for, e.g. "Shopify sync"
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "SLUG")]
        operator: Option<String>,
        /// Scope the key to this merchant (its slug)
        #[arg(long, value_name = "SLUG")]
        merchant: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List API keys (never their secrets).
    List {
        #[arg(long, value_name = "SLUG")]
        operator: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke an API key by its id.
    Revoke {
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Upsert orders from a CSV or NDJSON file, by (merchant, external id). Bad rows are reported and skipped.
    Orders {
        /// The file: .csv (one row per order line) or .ndjson/.jsonl (one order per line)
        file: PathBuf,
        /// The operator the orders belong to (its slug); optional when there is only one
        #[arg(long, value_name = "SLUG")]
        operator: Option<String>,
        /// Force the format instead of guessing it from the extension
        #[arg(long, value_parser = ["csv", "ndjson"])]
        format: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Create an operator (a marketplace, or a single shop).
    Add {
        /// Short url-safe name, e.g. marche-des-createurs
        #[arg(long)]
        slug: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// The law its cases are decided under (deadlines, calendar, periods); set once
        #[arg(long, value_name = "CODE", default_value = "fr", value_parser = clap::builder::PossibleValuesParser::new(amiable_domain::law::RULES_PACKS))]
        rules_pack: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List operators.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show an operator's settings (contact, time zone, language, consumer mediator) as JSON,
    /// or replace them with a JSON document (the body of `PUT /api/v1/settings`).
    Settings {
        /// The operator's slug (optional when there is only one)
        #[arg(long)]
        operator: Option<String>,
        /// A JSON file with the new settings (`-` reads standard input); without it, show them
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum MerchantCommand {
    /// Create a merchant under an operator.
    Add {
        /// The operator's slug
        #[arg(long)]
        operator: String,
        /// Short url-safe name, e.g. atelier-lina
        #[arg(long)]
        slug: String,
        /// Display name
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List an operator's merchants.
    List {
        /// The operator's slug
        #[arg(long)]
        operator: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show a merchant's settings (return address, contact, time zone, language, withdrawal
    /// notices) as JSON, or replace them with a JSON document (the body of
    /// `PUT /api/v1/merchants/{id}/settings`).
    Settings {
        /// The operator's slug (optional when there is only one)
        #[arg(long)]
        operator: Option<String>,
        /// The merchant's slug
        #[arg(long)]
        slug: String,
        /// A JSON file with the new settings (`-` reads standard input); without it, show them
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let file = match FileConfig::load(cli.config.as_deref()) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(&file);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, file)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(file: &FileConfig) {
    let filter = std::env::var("AMIABLE_LOG")
        .ok()
        .or_else(|| file.log.clone())
        .unwrap_or_else(|| "info,sqlx=warn,tower_http=info".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

async fn open(settings: &Settings) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    Store::connect(&settings.database).await.with_context(|| {
        format!(
            "cannot open the database {}",
            redact(&settings.database.url)
        )
    })
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn run(command: Commands, file: FileConfig) -> anyhow::Result<std::process::ExitCode> {
    match command {
        Commands::Serve { listen, data } => {
            let settings = data.resolve(&file)?;
            let address = config::listen_address(listen.as_deref(), &file)?;
            let store = open(&settings).await?;
            let listener = bind(address).await?;
            serve(store, listener, &settings, &file, None).await?;
        }
        Commands::Demo {
            seed,
            listen,
            anchor,
            no_serve,
            data,
        } => {
            let mut settings = data.resolve(&file)?;
            let address = config::listen_address(listen.as_deref(), &file)?;
            if !settings.database.is_postgres()
                && data.database_url.is_none()
                && file.database_url.is_none()
            {
                // The demo gets its own fresh file; it never touches amiable.db.
                let path = settings.data_dir.join("demo.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                settings.database.url = path.to_string_lossy().into_owned();
            }
            let store = open(&settings).await?;
            if !store.operators().await?.is_empty() {
                bail!(
                    "the demo needs an empty database, and {} has data",
                    redact(&settings.database.url)
                );
            }
            let started = std::time::Instant::now();
            // Midnight UTC of the anchor day: the same seed on the same day gives the same marketplace.
            let day: jiff::civil::Date = match anchor.as_deref() {
                Some(text) => text.parse().with_context(|| {
                    format!("--anchor must be a date such as 2026-11-22, not '{text}'")
                })?,
                None => jiff::Timestamp::now()
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date(),
            };
            let anchor = day.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
            let attachments = settings.data_dir.join("attachments");
            // Bound before seeding: the labels' QR codes carry the address buyers open.
            let listener = match no_serve {
                true => None,
                false => Some(bind(address).await?),
            };
            let public_url = match (&file.public_url, &listener) {
                (Some(url), _) => url.trim_end_matches('/').to_owned(),
                (None, Some(listener)) => format!("http://{}", listener.local_addr()?),
                (None, None) => format!("http://{address}"),
            };
            let summary = demo::seed(&store, seed, anchor, &attachments, &public_url)
                .await
                .context("seeding the demo")?;
            eprintln!(
                "Seeded the demo marketplace \"{}\" in {:.1} s: {} merchants, {} orders, {} cases ({} returns), {} events (seed {seed}).",
                summary.operator_slug,
                started.elapsed().as_secs_f64(),
                summary.merchants.len(),
                summary.orders,
                summary.cases,
                summary.returns,
                summary.events
            );
            if let Some(listener) = listener {
                serve(
                    store,
                    listener,
                    &settings,
                    &file,
                    Some((&summary, settings.database.url.as_str())),
                )
                .await?;
            } else {
                store.close().await;
            }
        }
        Commands::Migrate { data } => {
            let settings = data.resolve(&file)?;
            let mut database = settings.database.clone();
            database.migrate = false;
            std::fs::create_dir_all(&settings.data_dir)?;
            let store = Store::connect(&database).await?;
            let applied = store.migrate().await?;
            println!("{applied} migration(s) applied; the schema is up to date.");
            store.close().await;
        }
        Commands::Verify { data } => {
            let settings = data.resolve(&file)?;
            let store = open(&settings).await?;
            let report = store.verify().await?;
            store.close().await;
            if report.is_ok() {
                println!(
                    "OK: {} cases, {} events; every hash chain and projection verifies.",
                    report.cases, report.events
                );
            } else {
                println!(
                    "BROKEN: {} problem(s) in {} cases and {} events checked.",
                    report.problems.len(),
                    report.cases,
                    report.events
                );
                for problem in &report.problems {
                    match (problem.case_id.as_str(), problem.seq) {
                        ("", _) => println!("{}", problem.problem),
                        (case_id, Some(seq)) => {
                            println!("case {case_id} event {seq}: {}", problem.problem)
                        }
                        (case_id, None) => println!("case {case_id}: {}", problem.problem),
                    }
                }
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Commands::Import(ImportCommand::Orders {
            file: path,
            operator,
            format,
            data,
        }) => {
            let settings = data.resolve(&file)?;
            let format = match format.as_deref() {
                Some("csv") => import::Format::Csv,
                Some("ndjson") => import::Format::Ndjson,
                Some(other) => bail!("--format must be csv or ndjson, not '{other}'"),
                None => import::Format::from_path(&path).with_context(|| {
                    format!(
                        "cannot tell the format of {} from its extension; pass --format",
                        path.display()
                    )
                })?,
            };
            let store = open(&settings).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            let report = import::import_orders(
                &store,
                operator_id,
                &path,
                format,
                std::io::stderr().is_terminal(),
            )
            .await?;
            store.close().await;
            let rejected = report
                .orders_seen
                .saturating_sub(report.created + report.updated);
            println!(
                "{} orders read: {} created, {} updated, {} rejected ({} problems).",
                report.orders_seen,
                report.created,
                report.updated,
                rejected,
                report.failed.len()
            );
            for error in &report.failed {
                println!("{error}");
            }
            if !report.failed.is_empty() {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Commands::Operator(OperatorCommand::Add {
            slug,
            name,
            rules_pack,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let slug = Slug::parse(&slug).map_err(|e| anyhow::anyhow!("--slug: {}", e.message))?;
            let operator = store
                .create_operator_under(
                    OperatorId::from_bytes(random_bytes()),
                    &slug,
                    &name,
                    &serde_json::json!({}),
                    &rules_pack,
                )
                .await?;
            println!("operator {} created: {}", operator.slug, operator.id);
            store.close().await;
        }
        Commands::Operator(OperatorCommand::List { data }) => {
            let store = open(&data.resolve(&file)?).await?;
            for operator in store.operators().await? {
                println!("{}\t{}\t{}", operator.slug, operator.id, operator.name);
            }
            store.close().await;
        }
        Commands::Merchant(MerchantCommand::Add {
            operator,
            slug,
            name,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, Some(&operator)).await?;
            let slug = Slug::parse(&slug).map_err(|e| anyhow::anyhow!("--slug: {}", e.message))?;
            let merchant = store
                .create_merchant(
                    MerchantId::from_bytes(random_bytes()),
                    operator_id,
                    &slug,
                    &name,
                    &serde_json::json!({}),
                )
                .await?;
            println!("merchant {} created: {}", merchant.slug, merchant.id);
            store.close().await;
        }
        Commands::Merchant(MerchantCommand::List { operator, data }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, Some(&operator)).await?;
            for merchant in store.merchants(operator_id).await? {
                println!("{}\t{}\t{}", merchant.slug, merchant.id, merchant.name);
            }
            store.close().await;
        }
        Commands::Operator(OperatorCommand::Settings {
            operator,
            set,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            let of = amiable_store::SettingsOf::Operator(operator_id);
            let shown = match set {
                Some(path) => {
                    let settings: amiable_domain::settings::OperatorSettings =
                        read_document(&path)?;
                    let settings = settings.checked().map_err(refusal)?;
                    edit_settings(&store, of, |stored| settings.write_into(stored)).await?;
                    serde_json::to_value(&settings)?
                }
                None => {
                    let operator = store.operator(operator_id).await?.context("no operator")?;
                    serde_json::to_value(amiable_domain::settings::OperatorSettings::read(
                        &operator.settings,
                    ))?
                }
            };
            println!("{}", serde_json::to_string_pretty(&shown)?);
            store.close().await;
        }
        Commands::Merchant(MerchantCommand::Settings {
            operator,
            slug,
            set,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            let merchant = store
                .merchant_by_slug(operator_id, &slug)
                .await?
                .with_context(|| format!("no merchant '{slug}'"))?;
            let of = amiable_store::SettingsOf::Merchant(merchant.id);
            let shown = match set {
                Some(path) => {
                    let settings: amiable_domain::settings::MerchantSettings =
                        read_document(&path)?;
                    let settings = settings.checked().map_err(refusal)?;
                    edit_settings(&store, of, |stored| settings.write_into(stored)).await?;
                    serde_json::to_value(&settings)?
                }
                None => serde_json::to_value(amiable_domain::settings::MerchantSettings::read(
                    &merchant.settings,
                ))?,
            };
            println!("{}", serde_json::to_string_pretty(&shown)?);
            store.close().await;
        }
        Commands::User(UserCommand::Add {
            email,
            name,
            role,
            operator,
            merchant,
            locale,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            let role = amiable_domain::access::Role::parse(&role).with_context(|| {
                format!("--role must be operator_admin, mediator, merchant_admin or merchant_agent, not '{role}'")
            })?;
            let merchant_id = match merchant.as_deref() {
                Some(slug) => Some(
                    store
                        .merchant_by_slug(operator_id, slug)
                        .await?
                        .with_context(|| format!("no merchant '{slug}'"))?
                        .id,
                ),
                None => None,
            };
            let password = match std::env::var("AMIABLE_PASSWORD") {
                Ok(password) => password,
                Err(_) => read_password()?,
            };
            let request = amiable_app::users::CreateUser {
                email,
                name: amiable_domain::text::Label::parse(&name)
                    .map_err(|e| anyhow::anyhow!("--name: {}", e.message))?,
                role,
                merchant_id,
                password,
                locale: Some(
                    amiable_domain::contact::Locale::parse(&locale)
                        .map_err(|e| anyhow::anyhow!("--locale: {}", e.message))?,
                ),
            };
            let app = amiable_app::App::new(
                store.clone(),
                amiable_app::AppConfig::new(&data.resolve(&file)?.data_dir),
                amiable_app::Ports::default(),
            )
            .await?;
            let user = app
                .create_user(operator_id, None, request)
                .await
                .map_err(|error| {
                    let fields: Vec<String> = error
                        .fields
                        .iter()
                        .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                        .collect();
                    anyhow::anyhow!(
                        "{}",
                        if fields.is_empty() {
                            error.message.clone()
                        } else {
                            fields.join("; ")
                        }
                    )
                })?;
            println!("user {} ({}) created: {}", user.email, user.role, user.id);
            store.close().await;
        }
        Commands::User(UserCommand::List { operator, data }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            for user in store.users(operator_id, None).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.email,
                    user.role,
                    user.merchant_id
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "-".into()),
                    user.id
                );
            }
            store.close().await;
        }
        Commands::ApiKey(ApiKeyCommand::Create {
            name,
            operator,
            merchant,
            data,
        }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            let merchant_id = match merchant.as_deref() {
                Some(slug) => Some(
                    store
                        .merchant_by_slug(operator_id, slug)
                        .await?
                        .with_context(|| format!("no merchant '{slug}'"))?
                        .id,
                ),
                None => None,
            };
            let name = amiable_domain::text::Label::parse(&name)
                .map_err(|e| anyhow::anyhow!("--name: {}", e.message))?;
            let issued = amiable_app::auth::issue_api_key(
                operator_id,
                merchant_id,
                name.as_str(),
                Some("cli".into()),
            );
            store.create_api_key(&issued.record).await?;
            eprintln!(
                "API key {} created for {}. It is shown once; keep it secret:",
                issued.record.id,
                merchant
                    .map(|m| format!("merchant {m}"))
                    .unwrap_or_else(|| "the operator".into())
            );
            println!("{}", issued.key);
            store.close().await;
        }
        Commands::ApiKey(ApiKeyCommand::List { operator, data }) => {
            let store = open(&data.resolve(&file)?).await?;
            let operator_id = pick_operator(&store, operator.as_deref()).await?;
            for key in store.api_keys(operator_id, None).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    key.id,
                    key.name,
                    key.merchant_id
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "operator".into()),
                    if key.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
            store.close().await;
        }
        Commands::Mail(MailCommand::Receive { data }) => {
            use std::io::Read as _;
            let mut raw = Vec::new();
            std::io::stdin()
                .take(amiable_app::notifications::inbound::MAX_INBOUND_BYTES as u64 + 1)
                .read_to_end(&mut raw)
                .context("reading the email from standard input")?;
            let settings = data.resolve(&file)?;
            let store = open(&settings).await?;
            let mut config = amiable_app::AppConfig::new(&settings.data_dir);
            config.public_url = file.public_url.clone();
            config.notify = config::Messaging::resolve(&file)?.notify;
            let app =
                amiable_app::App::new(store.clone(), config, amiable_app::Ports::default()).await?;
            let received = app
                .receive_mail(&raw)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            store.close().await;
            println!("{}", serde_json::to_string(&received)?);
        }
        Commands::ApiKey(ApiKeyCommand::Revoke { id, data }) => {
            let store = open(&data.resolve(&file)?).await?;
            if !store.revoke_api_key(&id).await? {
                bail!("no active API key '{id}'");
            }
            println!("API key {id} revoked.");
            store.close().await;
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Reads a password from the terminal without echoing it.
fn read_password() -> anyhow::Result<String> {
    use std::io::BufRead;
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    eprint!(
        "Password (at least {} characters): ",
        amiable_app::auth::MIN_PASSWORD_LENGTH
    );
    let _ = std::process::Command::new("stty").arg("-echo").status();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    let _ = std::process::Command::new("stty").arg("echo").status();
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn random_bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

/// A JSON document from a file, or from standard input for `-`.
fn read_document<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a settings document", path.display()))
}

/// Every refused field, one per line.
fn refusal(errors: amiable_domain::validation::ValidationErrors) -> anyhow::Error {
    let lines: Vec<String> = errors
        .0
        .iter()
        .map(|e| format!("{}: {} ({})", e.field, e.message, e.code))
        .collect();
    anyhow::anyhow!("the settings are refused:\n{}", lines.join("\n"))
}

async fn edit_settings(
    store: &Store,
    of: amiable_store::SettingsOf,
    edit: impl FnOnce(&mut serde_json::Value),
) -> anyhow::Result<()> {
    store
        .edit_settings(of, |stored| {
            edit(stored);
            Ok::<(), std::convert::Infallible>(())
        })
        .await?
        .map_err(|never| match never {})?;
    Ok(())
}

async fn pick_operator(store: &Store, slug: Option<&str>) -> anyhow::Result<OperatorId> {
    match slug {
        Some(slug) => Ok(store
            .operator_by_slug(slug)
            .await?
            .with_context(|| format!("no operator '{slug}'"))?
            .id),
        None => {
            let operators = store.operators().await?;
            match operators.as_slice() {
                [only] => Ok(only.id),
                [] => bail!("there is no operator yet: create one with `amiable operator add`"),
                _ => bail!("there are several operators: name one with --operator"),
            }
        }
    }
}

async fn bind(address: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))
}

async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    settings: &Settings,
    file: &FileConfig,
    demo: Option<(&demo::DemoSummary, &str)>,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    let mut server = amiable_server::ServerConfig::new(&settings.data_dir);
    // Links that leave the browser (a label's QR code, a buyer's access link) need an
    // absolute address: the configured one, or the address served on.
    server.public_url = file
        .public_url
        .clone()
        .or_else(|| Some(format!("http://{local}")));
    if let Some(mib) = file.max_upload_mib {
        server.max_upload_bytes = mib.saturating_mul(1024 * 1024);
    }
    let messaging = config::Messaging::resolve(file)?;
    server.notify = messaging.notify.clone();
    let state = AppState::with_ports(store.clone(), server, messaging.ports()?)
        .await
        .context("preparing the server")?;
    match &messaging.smtp_url {
        Some(url) => tracing::info!(smtp = %redact(url), "notifications leave through SMTP"),
        None => {
            tracing::info!("no SMTP server configured: emails are kept in the console's sent mail")
        }
    }
    let (stop_worker, stop_signal) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(amiable_app::jobs::run(
        store.clone(),
        state.app().gateway().clone(),
        format!("worker-{}", uuid::Uuid::new_v4()),
        Duration::from_secs(5),
        stop_signal,
    ));
    // Service levels: warnings, breaches, automation rules, the shops' standing.
    let sla = {
        let app = state.app().clone();
        let stop = stop_worker.subscribe();
        tokio::spawn(async move { app.run_sla(Duration::from_secs(30), stop).await })
    };
    let notifier = {
        let app = state.app().clone();
        let stop = stop_worker.subscribe();
        tokio::spawn(async move {
            app.run_notifications(
                format!("notifier-{}", uuid::Uuid::new_v4()),
                Duration::from_millis(250),
                stop,
            )
            .await
        })
    };
    let url = format!("http://{local}");
    println!("amiable is listening on {url}");
    if let Some((summary, database)) = demo {
        print_demo_guide(&store, &url, summary, &redact(database)).await;
    }
    amiable_server::serve(listener, state, shutdown_signal()).await?;
    let _ = stop_worker.send(true);
    let _ = worker.await;
    let _ = notifier.await;
    let _ = sla.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// What to try once the demo serves: concrete ids, so every example can be pasted.
async fn print_demo_guide(store: &Store, url: &str, summary: &demo::DemoSummary, database: &str) {
    println!();
    println!(
        "Demo marketplace: {} ({} merchants, {} orders, {} cases)",
        summary.operator_slug,
        summary.merchants.len(),
        summary.orders,
        summary.cases
    );
    let operator = store
        .operator_by_slug(&summary.operator_slug)
        .await
        .ok()
        .flatten();
    let merchants = match &operator {
        Some(operator) => store.merchants(operator.id).await.unwrap_or_default(),
        None => Vec::new(),
    };
    for merchant in &merchants {
        println!(
            "  - {} ({}): merchant_id {}",
            merchant.name, merchant.slug, merchant.id
        );
    }
    let mediation = amiable_store::CaseFilter {
        stage: Some(amiable_domain::case::Stage::Mediation),
        status: Some(amiable_domain::case::CaseStatus::Open),
        limit: 1,
        ..Default::default()
    };
    let example_case = store
        .cases(&mediation)
        .await
        .ok()
        .and_then(|cases| cases.into_iter().next());
    print_web_guide(store, url, &operator, &merchants).await;
    print_service_levels_guide(store, url, &merchants).await;
    println!();
    println!(
        "Staff logins (password \"{}\" for all, demo only):",
        demo::DEMO_PASSWORD
    );
    for (email, role, merchant) in &summary.logins {
        match merchant {
            Some(slug) => println!("  {email:<32} {role} of {slug}"),
            None => println!("  {email:<32} {role}"),
        }
    }
    println!("API keys (demo only):");
    println!("  operator:         {}", demo::DEMO_OPERATOR_KEY);
    if let Some((slug, _)) = summary.merchants.first() {
        println!("  merchant {slug}: {}", demo::DEMO_MERCHANT_KEY);
    }
    println!();
    println!("Try it:");
    println!("  export KEY={}", demo::DEMO_OPERATOR_KEY);
    println!("  curl {url}/readyz");
    println!("  curl -H \"Authorization: Bearer $KEY\" '{url}/api/v1/cases?status=open&limit=5'");
    if let Some(merchant) = merchants.first() {
        println!(
            "  curl -H \"Authorization: Bearer $KEY\" '{url}/api/v1/cases?merchant_id={}&kind=return&sort=deadline&limit=5'",
            merchant.id
        );
    }
    match example_case {
        Some(case) => println!(
            "  curl -H \"Authorization: Bearer $KEY\" {url}/api/v1/cases/{}   # a case in mediation, with its hash-chained timeline",
            case.case_id
        ),
        None => println!(
            "  curl -H \"Authorization: Bearer $KEY\" {url}/api/v1/cases/CASE_ID   # a case with its hash-chained timeline"
        ),
    }
    println!("  API reference: {url}/api/docs   (OpenAPI: {url}/api/v1/openapi.json)");
    println!("  The API guide (docs/API.md) walks from an order to a resolved case.");
    println!();
    println!("Verify every timeline:  amiable verify --database-url {database}");
    println!("Stop with Ctrl-C.");
}

/// Where to click: the buyer portal with an order to try (delivered lately, nothing
/// asked yet) and one whose return label is waiting, and the console.
async fn print_web_guide(
    store: &Store,
    url: &str,
    operator: &Option<amiable_store::Operator>,
    merchants: &[amiable_store::Merchant],
) {
    println!();
    println!("Web interface:");
    println!("  Buyers:    {url}/suivi   (order number + email)");
    let (Some(operator), Some(shop)) = (
        operator,
        merchants
            .iter()
            .find(|m| m.slug.as_str() == "maison-colette")
            .or(merchants.first()),
    ) else {
        return;
    };
    let recent = store
        .orders(&amiable_store::OrderFilter {
            operator_id: operator.id,
            merchant_id: Some(shop.id),
            external_id: None,
            buyer_email: None,
            after: None,
            limit: 200,
        })
        .await
        .unwrap_or_default();
    let week = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 8))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let fresh = recent.iter().find(|o| {
        o.total_cases == 0
            && !o.order.shipments.is_empty()
            && o.order
                .shipments
                .iter()
                .all(|s| s.delivered_at.is_some_and(|d| d > week))
    });
    if let Some(order) = fresh {
        println!(
            "             try {} with {} (delivered lately: start a return)",
            order.order.external_id.as_str(),
            order.order.buyer.email.as_str()
        );
    }
    let labelled = store
        .cases(&amiable_store::CaseFilter {
            operator_id: Some(operator.id),
            merchant_id: Some(shop.id),
            kind: Some(amiable_domain::case::CaseKind::Return),
            status: Some(amiable_domain::case::CaseStatus::Open),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap_or_default();
    for case in labelled {
        let Ok(Some(record)) = store.case(case.case_id).await else {
            continue;
        };
        let ready = record
            .state
            .returns
            .as_ref()
            .is_some_and(|r| r.stage == amiable_domain::case::ReturnStage::LabelIssued);
        if ready {
            println!(
                "             or  {} with {} (a return whose label is ready)",
                case.order_external_id, case.buyer_email
            );
            break;
        }
    }
    println!("  Staff:     {url}/console   (logins below)");
}

/// Where the service levels show: the inbox by nearest SLA deadline, a case an automation
/// rule wrote to, the shop under watch, the settings.
async fn print_service_levels_guide(
    store: &Store,
    url: &str,
    merchants: &[amiable_store::Merchant],
) {
    println!();
    println!("Service levels (docs/SLA.md):");
    println!("  Inbox by nearest SLA deadline, with the badges:  {url}/console?sort=sla");
    let open = store
        .cases(&amiable_store::CaseFilter {
            status: Some(amiable_domain::case::CaseStatus::Open),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap_or_default();
    for case in open {
        let timeline = store.timeline(case.case_id).await.unwrap_or_default();
        if timeline
            .iter()
            .any(|e| e.event_type == "status_update_sent")
        {
            println!(
                "  A status update sent by the rule « Nouvelles avant le 7ᵉ jour »:  {url}/console/cases/{}   (the « Délais » panel and the clocks' pauses too)",
                case.case_id
            );
            break;
        }
    }
    for merchant in merchants {
        let standing = store.merchant_standing(merchant.id).await.ok().flatten();
        if let Some(standing) = standing.filter(|s| s.standing != "good") {
            println!(
                "  {} is {}:  {url}/console/merchants/{}#quality   (its admins see {url}/console/quality)",
                merchant.name,
                standing.standing.replace('_', " "),
                merchant.id
            );
        }
    }
    println!(
        "  Settings:  {url}/console/settings/sla   {url}/console/settings/automation   {url}/console/settings/quality"
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
