//! The binary, end to end: help, migrate, demo, verify (and tampering), serve, import, config layering.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn amiable() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amiable"));
    // The tests own their configuration: nothing from the developer's environment leaks in.
    for (key, _) in std::env::vars() {
        if key.starts_with("AMIABLE_") {
            command.env_remove(key);
        }
    }
    command.env("AMIABLE_LOG", "warn");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run amiable")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["migrate", "--help"],
        vec!["verify", "--help"],
        vec!["import", "orders", "--help"],
        vec!["operator", "add", "--help"],
        vec!["merchant", "list", "--help"],
        vec!["merchant", "settings", "--help"],
        vec!["operator", "settings", "--help"],
    ] {
        let output = run(amiable().args(&args));
        assert!(output.status.success(), "{args:?}");
        let help = text(&output.stdout);
        assert!(help.contains("Usage"), "{args:?}: {help}");
        if args[0] != "--help" && args[0] != "operator" && args[0] != "merchant" || args.len() > 2 {
            assert!(
                help.contains("--data-dir") && help.contains("--database-url"),
                "{args:?}: {help}"
            );
        }
    }
    assert!(text(&run(amiable().args(["serve", "--help"])).stdout).contains("--listen"));
}

#[test]
fn demo_verifies_and_a_hand_altered_event_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let bad_anchor = run(amiable().args([
        "demo",
        "--no-serve",
        "--anchor",
        "22/11/2026",
        "--data-dir",
        data_dir,
    ]));
    assert!(!bad_anchor.status.success());
    assert!(
        text(&bad_anchor.stderr).contains("--anchor must be a date"),
        "{}",
        text(&bad_anchor.stderr)
    );
    let seeded = run(amiable().args([
        "demo",
        "--no-serve",
        "--seed",
        "11",
        "--anchor",
        "2026-11-20",
        "--data-dir",
        data_dir,
    ]));
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    assert!(text(&seeded.stderr).contains("Seeded the demo marketplace"));
    let database = dir.path().join("demo.db");
    assert!(database.exists());
    assert!(
        !dir.path().join("amiable.db").exists(),
        "the demo never touches amiable.db"
    );

    let verified = run(amiable().args(["verify", "--database-url", database.to_str().unwrap()]));
    assert!(
        verified.status.success(),
        "{}{}",
        text(&verified.stdout),
        text(&verified.stderr)
    );
    assert!(text(&verified.stdout).starts_with("OK: "));

    // Alter one stored event by hand, as someone with the file could.
    let case_id = tamper(&database);
    let broken = run(amiable().args(["verify", "--database-url", database.to_str().unwrap()]));
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken.stdout));
    let report = text(&broken.stdout);
    assert!(
        report.contains(&format!("case {case_id} event 2:")),
        "{report}"
    );
    assert!(report.starts_with("BROKEN: 1 problem(s)"), "{report}");
}

/// Drops the append-only guard and rewrites event 2 of one case, through a plain SQLite connection.
fn tamper(database: &Path) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = amiable_store::DatabaseConfig::new(database.to_string_lossy().into_owned());
        config.migrate = false;
        let store = amiable_store::Store::connect(&config).await.unwrap();
        let case = store.cases(&amiable_store::CaseFilter { limit: 1, ..Default::default() }).await.unwrap().remove(0);
        store.raw_execute("DROP TRIGGER case_events_no_update".into()).await.unwrap();
        let changed = store
            .raw_execute(format!(
                "UPDATE case_events SET recorded_at = recorded_at + 1000000 WHERE case_id = '{}' AND seq = 2",
                case.case_id
            ))
            .await
            .unwrap();
        assert_eq!(changed, 1);
        store.close().await;
        case.case_id.to_string()
    })
}

#[test]
fn serve_listens_on_a_free_port_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = amiable()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{line}"
    );
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"database\":\"sqlite\""), "{response}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(dir.path().join("amiable.db").exists());
}

#[test]
fn configuration_layers_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file");
    let from_env = dir.path().join("from-env");
    let from_flag = dir.path().join("from-flag");
    let config = dir.path().join("amiable.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", from_file.to_str().unwrap()),
    )
    .unwrap();

    assert!(
        run(amiable().args(["migrate", "--config", config.to_str().unwrap()]))
            .status
            .success()
    );
    assert!(from_file.join("amiable.db").exists());

    let output = run(amiable()
        .args(["migrate", "--config", config.to_str().unwrap()])
        .env("AMIABLE_DATA_DIR", &from_env));
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("13 migration(s) applied"));
    assert!(from_env.join("amiable.db").exists());

    let output = run(amiable()
        .args([
            "migrate",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            from_flag.to_str().unwrap(),
        ])
        .env("AMIABLE_DATA_DIR", &from_env));
    assert!(output.status.success());
    assert!(from_flag.join("amiable.db").exists());

    // Migrating again applies nothing.
    let again = run(amiable().args(["migrate", "--data-dir", from_flag.to_str().unwrap()]));
    assert!(text(&again.stdout).contains("0 migration(s) applied"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let output = run(amiable().args(["migrate", "--config", bad.to_str().unwrap()]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("invalid configuration file"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn tenants_and_an_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = ["--data-dir", dir.path().to_str().unwrap()];
    let output = run(amiable()
        .args([
            "operator",
            "add",
            "--slug",
            "ma-boutique",
            "--name",
            "Ma Boutique",
        ])
        .args(data));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let bad_slug = run(amiable()
        .args(["operator", "add", "--slug", "ma boutique", "--name", "X"])
        .args(data));
    assert!(!bad_slug.status.success());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    let csv = std::fs::read_to_string(examples.join("orders.csv")).unwrap();
    let merchants: std::collections::BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter(|slug| !slug.is_empty())
        .collect();
    for slug in &merchants {
        let output = run(amiable()
            .args([
                "merchant",
                "add",
                "--operator",
                "ma-boutique",
                "--slug",
                slug,
                "--name",
                slug,
            ])
            .args(data));
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let listed = run(amiable()
        .args(["merchant", "list", "--operator", "ma-boutique"])
        .args(data));
    assert_eq!(text(&listed.stdout).lines().count(), merchants.len());

    // A shop's settings: refused with each field named, then set from standard input, shown back.
    let shop = merchants.iter().next().unwrap();
    let settings = |input: &str| {
        let mut child = amiable()
            .args(["merchant", "settings", "--slug", shop, "--set", "-"])
            .args(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = settings(
        r#"{"return_address": {"lines": ["1 rue Haute"], "postal_code": "", "city": "Lyon", "country": "FR"}, "time_zone": "Mars/Olympus"}"#,
    );
    assert!(!refused.status.success());
    let why = text(&refused.stderr);
    assert!(
        why.contains("return_address.postal_code") && why.contains("time_zone"),
        "{why}"
    );
    let saved = settings(
        r#"{"return_address": {"lines": ["1 rue Haute"], "postal_code": "69001", "city": "Lyon", "country": "FR"}, "language": "en"}"#,
    );
    assert!(saved.status.success(), "{}", text(&saved.stderr));
    let shown = run(amiable()
        .args(["merchant", "settings", "--slug", shop])
        .args(data));
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["return_address"]["postal_code"], "69001");
    assert_eq!(shown["language"], "en");
    let marketplace = run(amiable().args(["operator", "settings"]).args(data));
    assert!(
        marketplace.status.success(),
        "{}",
        text(&marketplace.stderr)
    );
    assert_eq!(text(&marketplace.stdout).trim(), "{}");

    let imported = run(amiable()
        .args([
            "import",
            "orders",
            examples.join("orders.csv").to_str().unwrap(),
        ])
        .args(data));
    assert!(
        imported.status.success(),
        "{}{}",
        text(&imported.stdout),
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stdout).contains("0 rejected"),
        "{}",
        text(&imported.stdout)
    );
    let again = run(amiable()
        .args([
            "import",
            "orders",
            examples.join("orders.csv").to_str().unwrap(),
        ])
        .args(data));
    assert!(
        text(&again.stdout).contains(" 0 created"),
        "{}",
        text(&again.stdout)
    );
}

/// A raw HTTP/1.1 GET with an optional bearer token; returns the whole response.
fn http_get(address: &str, path: &str, bearer: Option<&str>) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let auth = bearer
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn users_and_api_keys_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = ["--data-dir", dir.path().to_str().unwrap()];
    let ok = |args: &[&str]| {
        let output = run(amiable().args(args).args(data));
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    ok(&["operator", "add", "--slug", "marche", "--name", "Le Marché"]);
    ok(&[
        "merchant",
        "add",
        "--operator",
        "marche",
        "--slug",
        "atelier",
        "--name",
        "L'Atelier",
    ]);

    // Users: the password comes from the environment (or the terminal), checked like the API does.
    let short = run(amiable()
        .args([
            "user",
            "add",
            "--email",
            "a@marche.fr",
            "--name",
            "A",
            "--role",
            "operator_admin",
        ])
        .args(data)
        .env("AMIABLE_PASSWORD", "court"));
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("--password"),
        "{}",
        text(&short.stderr)
    );
    let no_merchant = run(amiable()
        .args([
            "user",
            "add",
            "--email",
            "s@atelier.fr",
            "--name",
            "S",
            "--role",
            "merchant_agent",
        ])
        .args(data)
        .env("AMIABLE_PASSWORD", "une longue phrase"));
    assert!(!no_merchant.status.success());
    assert!(
        text(&no_merchant.stderr).contains("--merchant-id"),
        "{}",
        text(&no_merchant.stderr)
    );
    let added = run(amiable()
        .args([
            "user",
            "add",
            "--email",
            "SAV@Atelier.fr",
            "--name",
            "Léa",
            "--role",
            "merchant_agent",
            "--merchant",
            "atelier",
        ])
        .args(data)
        .env("AMIABLE_PASSWORD", "une longue phrase"));
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout).contains("SAV@atelier.fr")
            || text(&added.stdout).contains("sav@atelier.fr")
    );
    let listed = ok(&["user", "list"]);
    assert!(listed.contains("merchant_agent"), "{listed}");
    assert!(!listed.contains("argon2"), "password hashes never printed");

    // API keys: printed once on stdout, usable at once, revocable.
    let key = ok(&[
        "apikey",
        "create",
        "--name",
        "Sync boutique",
        "--merchant",
        "atelier",
    ]);
    let key = key.trim().to_owned();
    assert!(key.starts_with("amk_") && !key.contains(' '), "{key}");
    let listed = ok(&["apikey", "list"]);
    assert!(
        listed.contains("Sync boutique") && listed.contains("active"),
        "{listed}"
    );
    // `amk_<16 hex id>_<secret>`: the secret is base64url and may itself hold `_`.
    let secret = &key["amk_".len() + 16 + 1..];
    assert!(!listed.contains(secret), "the secret is never listed");
    let id = listed.split('\t').next().unwrap().to_owned();

    let mut child = amiable()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    let me = http_get(&address, "/api/v1/auth/me", Some(&key));
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    assert!(me.contains("\"kind\":\"merchant_api_key\""), "{me}");
    assert!(http_get(&address, "/api/v1/cases", None).starts_with("HTTP/1.1 401"));
    child.kill().unwrap();
    child.wait().unwrap();

    ok(&["apikey", "revoke", &id]);
    let again = run(amiable().args(["apikey", "revoke", &id]).args(data));
    assert!(!again.status.success(), "revoking twice is an error");
    assert!(ok(&["apikey", "list"]).contains("revoked"));
}
