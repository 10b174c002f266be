//! The demo marketplace: a French marketplace with four shops, a few hundred
//! orders over the last four months and their cases in every kind, status
//! and stage, each with a realistic timeline. The shops publish return
//! policies, and returns go through every stage of their lifecycle: labels
//! (real PDFs in the attachments directory), carrier scans, inspections,
//! refunds — one of them late, with its legal surcharge —, store credit,
//! exchanges and goodwill.
//!
//! Everything comes from one seed: the same seed and the same anchor give the
//! same data, ids, texts and instants included. Cases go through the store's
//! command pipeline like any other, with historical instants, so every rule
//! of the decider holds and every hash chain verifies.

mod cases;
mod catalog;
mod clock;
mod helpdesk;
mod labels;
mod orders;
mod phrases;
mod service_levels;
mod stories;
mod texts;

use amiable_domain::case::ReturnCommand;
use amiable_domain::case::{CaseKind, Command};
use amiable_domain::ids::{MerchantId, OperatorId, Slug};
use amiable_store::blobs::BlobStore;
use amiable_store::{CommandRequest, PolicyScope, Store};
use anyhow::{Context as _, Result, anyhow};
use catalog::{MERCHANTS, OPERATOR_NAME, OPERATOR_SLUG};
use std::path::Path;

/// How many orders the demo holds.
const ORDER_COUNT: usize = 560;
/// Orders per upsert transaction.
const ORDER_BATCH: usize = 100;

/// What the demo created.
pub struct DemoSummary {
    pub operator_slug: String,
    /// (slug, name) of each merchant.
    pub merchants: Vec<(String, String)>,
    pub orders: usize,
    pub cases: usize,
    /// Cases of kind return.
    pub returns: usize,
    pub events: usize,
    pub logins: Vec<Login>,
}

fn id_bytes(rng: &mut fastrand::Rng) -> [u8; 16] {
    std::array::from_fn(|_| rng.u8(..))
}

fn slug(value: &str) -> Result<Slug> {
    Slug::parse(value).map_err(|e| anyhow!("demo slug '{value}': {e}"))
}

/// Seeds an empty store with the demo marketplace; nothing after `anchor`.
/// Return labels are stored in `attachments` (the server's `<data dir>/attachments`).
pub async fn seed(
    store: &Store,
    seed: u64,
    anchor: jiff::Timestamp,
    attachments: &Path,
    public_url: &str,
) -> Result<DemoSummary> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let clock = clock::Clock::paris()?;
    let anchor = anchor.as_second();

    let operator_id = OperatorId::from_bytes(id_bytes(&mut rng));
    store
        .create_operator(
            operator_id,
            &slug(OPERATOR_SLUG)?,
            OPERATOR_NAME,
            &catalog::operator_settings(),
        )
        .await
        .context("creating the demo operator")?;
    let mut merchant_ids = Vec::with_capacity(MERCHANTS.len());
    for spec in MERCHANTS {
        let id = MerchantId::from_bytes(id_bytes(&mut rng));
        store
            .create_merchant(
                id,
                operator_id,
                &slug(spec.slug)?,
                spec.name,
                &spec.settings(),
            )
            .await
            .with_context(|| format!("creating the demo merchant {}", spec.slug))?;
        merchant_ids.push(id);
    }

    let logins = create_accounts(store, operator_id, &merchant_ids).await?;
    publish_policies(store, operator_id, &merchant_ids, anchor).await?;

    let (buyers, orders) = orders::generate(
        &mut rng,
        &clock,
        anchor,
        operator_id,
        &merchant_ids,
        ORDER_COUNT,
    )?;
    for batch in orders.chunks(ORDER_BATCH) {
        let rows: Vec<_> = batch
            .iter()
            .map(|o| (operator_id, merchant_ids[o.merchant], o.input.clone(), o.id))
            .collect();
        store
            .upsert_orders(&rows)
            .await
            .context("storing the demo orders")?;
    }

    let plans = stories::plan(&mut rng, &clock, anchor, &buyers, &orders, public_url)?;
    // Service levels: a few cases told for their clocks, on orders the stories left alone.
    let mut used: std::collections::HashSet<_> = plans.iter().map(|p| p.order_id).collect();
    let sla_plans = service_levels::plan(&mut rng, &clock, anchor, &orders, &buyers, &mut used)?;
    let merchant_of: std::collections::HashMap<_, _> =
        orders.iter().map(|o| (o.id, o.merchant)).collect();
    let settled: Vec<service_levels::Settled> = plans
        .iter()
        .filter(|p| {
            matches!(
                p.target.status,
                amiable_domain::case::CaseStatus::Resolved
                    | amiable_domain::case::CaseStatus::Closed
            )
        })
        .map(|p| (p.case_id, p.order_id, merchant_of[&p.order_id], false))
        .chain(
            sla_plans
                .iter()
                .filter(|p| p.settled)
                .map(|p| (p.case_id, p.order_id, p.merchant, true)),
        )
        .collect();
    let cases = plans.len() + sla_plans.len();
    let returns = plans
        .iter()
        .filter(|p| p.target.kind == CaseKind::Return)
        .count();
    let blobs = BlobStore::new(attachments);
    // Cases run side by side so the writer commits them in groups; each case's commands stay in order.
    let mut tasks: Vec<_> = plans
        .into_iter()
        .map(|plan| tokio::spawn(run_case(store.clone(), blobs.clone(), plan)))
        .collect();
    tasks.extend(
        sla_plans
            .into_iter()
            .map(|plan| tokio::spawn(service_levels::run(store.clone(), plan))),
    );
    let mut events = 0;
    let mut failure = None;
    for task in tasks {
        match task.await.context("a demo case task stopped")? {
            Ok(count) => events += count,
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
    if let Some(error) = failure {
        return Err(error);
    }
    // Teams, macros, and who handles the open cases (before the sweep, which reads them).
    helpdesk::seed(store, operator_id, &merchant_ids, anchor).await?;
    service_levels::finish(
        store,
        operator_id,
        &merchant_ids,
        &settled,
        anchor,
        attachments,
        &mut rng,
    )
    .await?;
    // The sweep wrote its alerts and status updates too.
    let events = usize::try_from(store.count_events().await?).unwrap_or(events);

    Ok(DemoSummary {
        operator_slug: OPERATOR_SLUG.to_owned(),
        merchants: MERCHANTS
            .iter()
            .map(|m| (m.slug.to_owned(), m.name.to_owned()))
            .collect(),
        orders: orders.len(),
        cases,
        returns,
        events,
        logins,
    })
}

/// The demo's password for every staff account. Demo only.
pub const DEMO_PASSWORD: &str = "amiable-demo";
/// The demo's operator-wide API key (fixed, so the API guide works as written). Demo only.
pub const DEMO_OPERATOR_KEY: &str = "amk_de00000000000001_demo-operator-key";
/// The demo's API key for the first merchant. Demo only.
pub const DEMO_MERCHANT_KEY: &str = "amk_de00000000000002_demo-merchant-key";

/// A staff account of the demo: (email, role, merchant slug).
pub type Login = (String, amiable_domain::access::Role, Option<String>);

async fn create_accounts(
    store: &Store,
    operator_id: OperatorId,
    merchant_ids: &[MerchantId],
) -> Result<Vec<Login>> {
    use amiable_domain::access::Role;
    let hash = tokio::task::spawn_blocking(|| amiable_app::auth::hash_password(DEMO_PASSWORD))
        .await?
        .map_err(|e| anyhow!(e))?;
    let first = MERCHANTS[0].slug;
    let [decides, hears_appeals] = catalog::STAFF_MEDIATORS;
    // Ids are fixed: stories name the mediators by them (an appeal goes to the other one).
    let accounts: Vec<(&str, String, &str, Role, Option<usize>)> = vec![
        (
            "demo-user-1",
            "admin@marche-demo.fr".into(),
            "Inès Moreau",
            Role::OperatorAdmin,
            None,
        ),
        (
            decides.id,
            "mediation@marche-demo.fr".into(),
            decides.name,
            Role::Mediator,
            None,
        ),
        (
            hears_appeals.id,
            "recours@marche-demo.fr".into(),
            hears_appeals.name,
            Role::Mediator,
            None,
        ),
        (
            "demo-user-3",
            format!("gerant@{first}.fr"),
            "Camille Roux",
            Role::MerchantAdmin,
            Some(0),
        ),
        (
            "demo-user-4",
            format!("sav@{first}.fr"),
            "Léa Garnier",
            Role::MerchantAgent,
            Some(0),
        ),
    ];
    let mut logins = Vec::new();
    for (id, email, name, role, merchant) in accounts {
        store
            .create_user(&amiable_store::NewUser {
                id: id.to_owned(),
                operator_id,
                merchant_id: merchant.map(|m| merchant_ids[m]),
                email: email.clone(),
                name: name.to_owned(),
                role,
                locale: "fr".into(),
                password_hash: hash.clone(),
            })
            .await
            .with_context(|| format!("creating the demo user {email}"))?;
        logins.push((email, role, merchant.map(|m| MERCHANTS[m].slug.to_owned())));
    }
    for (key, merchant) in [
        (DEMO_OPERATOR_KEY, None),
        (DEMO_MERCHANT_KEY, Some(merchant_ids[0])),
    ] {
        let rest = key.trim_start_matches("amk_");
        let (id, secret) = rest.split_once('_').context("demo key shape")?;
        store
            .create_api_key(&amiable_store::ApiKey {
                id: id.to_owned(),
                operator_id,
                merchant_id: merchant,
                name: if merchant.is_some() {
                    "Démo boutique".into()
                } else {
                    "Démo marketplace".into()
                },
                secret_hash: amiable_app::auth::sha256_hex(secret),
                created_by: Some("demo".into()),
                created_at: jiff::Timestamp::now(),
                revoked_at: None,
            })
            .await
            .context("creating the demo API keys")?;
    }
    Ok(logins)
}

/// Publishes the marketplace's minimum and each shop's return policy, in
/// force since before the first order (an order is judged by the policy in
/// force when it was placed).
async fn publish_policies(
    store: &Store,
    operator_id: OperatorId,
    merchant_ids: &[MerchantId],
    anchor: i64,
) -> Result<()> {
    let since = clock::timestamp(anchor - (orders::HISTORY_DAYS + 30) * clock::DAY)?;
    store
        .put_policy(
            operator_id,
            PolicyScope::Operator,
            &catalog::operator_minimum_policy(),
            "demo-user-1",
            since,
        )
        .await
        .context("publishing the demo's minimum return policy")?;
    for (spec, id) in MERCHANTS.iter().zip(merchant_ids) {
        store
            .put_policy(
                operator_id,
                PolicyScope::Merchant(*id),
                &spec.return_policy(),
                "demo-user-1",
                since,
            )
            .await
            .with_context(|| format!("publishing the return policy of {}", spec.slug))?;
    }
    Ok(())
}

/// Writes one case, command after command; returns the number of events appended.
async fn run_case(store: Store, blobs: BlobStore, plan: stories::CasePlan) -> Result<usize> {
    let mut version = 0;
    let mut events = 0;
    for (index, step) in plan.steps.into_iter().enumerate() {
        let name = step.command.name();
        let mut command = step.command;
        // A label's PDF is stored first; the command names it by its hash, as the server does.
        if let (Some(pdf), Command::Returns(ReturnCommand::IssueLabel { label })) =
            (&step.pdf, &mut command)
        {
            let blob = blobs
                .put(pdf)
                .await
                .context("storing a demo return label")?;
            label.attachment.sha256 = blob.sha256;
            label.attachment.size_bytes = blob.size_bytes;
        }
        let request = CommandRequest {
            case_id: plan.case_id,
            expected_version: Some(version),
            command,
            actor: step.actor,
            order_id: (index == 0).then_some(plan.order_id),
            at: Some(clock::timestamp(step.at)?),
        };
        let outcome = store.execute(request).await.map_err(|error| {
            anyhow!(
                "the demo {} was refused at step {} ('{name}'): {error}",
                plan.label,
                index + 1
            )
        })?;
        version = outcome.version;
        events += outcome.events.len();
    }
    Ok(events)
}
