//! The helpdesk in the demo: each shop has a customer-service team (Maison
//! Colette's Léa Garnier and Hugo Marchand, two agents in each other shop), the
//! marketplace its mediation team, each shop three canned replies of its own in
//! French and English besides the six defaults, and most open cases someone to
//! handle them — some in a team's queue, some nobody's yet.
//!
//! Assignments are written like the stories' commands, with their own instants
//! (a few minutes after each case's last activity), so the same seed and anchor
//! give the same timelines.

use super::DEMO_PASSWORD;
use super::catalog::{MERCHANTS, STAFF_MEDIATORS};
use super::clock::{DAY, MINUTE, timestamp};
use amiable_app::helpdesk::macros::{MacroInput, check_macro, default_macros};
use amiable_domain::access::Role;
use amiable_domain::case::{Actor, Assignee, CaseStatus, Command, HelpdeskCommand};
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_store::{CaseFilter, CaseSort, CommandRequest, Macro, Store, Team};
use anyhow::{Context as _, Result, anyhow};

/// The agents of each shop besides Maison Colette's Léa Garnier (`demo-user-4`):
/// (shop index, first name for the email, full name).
const AGENTS: &[(usize, &str, &str)] = &[
    (0, "hugo", "Hugo Marchand"),
    (1, "manon", "Manon Girard"),
    (1, "theo", "Théo Bonnet"),
    (2, "sarah", "Sarah Benali"),
    (2, "lucas", "Lucas Meyer"),
    (3, "julie", "Julie Faure"),
    (3, "karim", "Karim Haddad"),
];

/// Maison Colette's first agent, who signs in to the demo (`sav@maison-colette.fr`).
const COLETTE_AGENT: (&str, &str) = ("demo-user-4", "Léa Garnier");

/// Each shop's own macros: (French title, French text, English title, English text).
const MACROS: &[(&str, &str, &str, &str)] = &[
    (
        "Délai de traitement",
        "Bonjour {client},\n\nMerci pour votre patience. Votre demande (dossier {dossier}, commande {commande}) est entre les mains de {agent} : nous revenons vers vous au plus tard le {echeance}.\n\nBien cordialement,\n{agent} — {boutique}",
        "Processing time",
        "Hello {client},\n\nThank you for your patience. Your request (case {case}, order {order}) is in {agent}'s hands: we will get back to you by {due} at the latest.\n\nKind regards,\n{agent} — {shop}",
    ),
    (
        "Geste commercial",
        "Bonjour {client},\n\nNous sommes désolés pour ce contretemps sur la commande {commande}. Pour nous faire pardonner, nous vous proposons un geste commercial : vous le trouverez sur la page de votre demande.\n\n{agent} — {boutique}",
        "Goodwill gesture",
        "Hello {client},\n\nWe are sorry for the trouble with order {order}. To make up for it, we are offering you a goodwill gesture: you will find it on your request's page.\n\n{agent} — {shop}",
    ),
    (
        "Photos bien reçues",
        "Bonjour {client},\n\nMerci pour vos photos. Nous les examinons avec l’atelier et revenons vers vous d'ici le {echeance}.\n\n{agent} — {boutique}",
        "Photos received",
        "Hello {client},\n\nThank you for your photos. We are looking at them with the workshop and will get back to you by {due}.\n\n{agent} — {shop}",
    ),
];

/// Staff, teams, macros, then who handles the open cases.
pub(crate) async fn seed(
    store: &Store,
    operator_id: OperatorId,
    merchant_ids: &[MerchantId],
    anchor: i64,
) -> Result<()> {
    let hash = tokio::task::spawn_blocking(|| amiable_app::auth::hash_password(DEMO_PASSWORD))
        .await?
        .map_err(|e| anyhow!(e))?;
    let mut agents: Vec<Vec<(String, String)>> = vec![Vec::new(); merchant_ids.len()];
    agents[0].push((COLETTE_AGENT.0.to_owned(), COLETTE_AGENT.1.to_owned()));
    for (index, (shop, first, name)) in AGENTS.iter().enumerate() {
        let id = format!("demo-agent-{}", index + 1);
        let email = format!("{first}@{}.fr", MERCHANTS[*shop].slug);
        store
            .create_user(&amiable_store::NewUser {
                id: id.clone(),
                operator_id,
                merchant_id: Some(merchant_ids[*shop]),
                email: email.clone(),
                name: (*name).to_owned(),
                role: Role::MerchantAgent,
                locale: "fr".into(),
                password_hash: hash.clone(),
            })
            .await
            .with_context(|| format!("creating the demo agent {email}"))?;
        agents[*shop].push((id, (*name).to_owned()));
    }

    // Ids and instants are the seed's: the assignments' events name the teams.
    let since = timestamp(anchor - 120 * DAY)?;
    let mut teams = Vec::with_capacity(merchant_ids.len());
    for (shop, merchant_id) in merchant_ids.iter().enumerate() {
        let team = Team {
            id: format!("team_{}", MERCHANTS[shop].slug),
            operator_id,
            merchant_id: Some(*merchant_id),
            name: "Service client".into(),
            members: agents[shop].iter().map(|(id, _)| id.clone()).collect(),
            created_at: since,
        };
        store.create_team(&team).await.context("a demo team")?;
        teams.push(team);
        // The six defaults first, then the shop's own.
        let defaults = default_macros(operator_id, Some(*merchant_id), since);
        store
            .seed_macros(operator_id, Some(*merchant_id), &defaults)
            .await
            .context("the demo's default macros")?;
        for (index, (title_fr, body_fr, title_en, body_en)) in MACROS.iter().enumerate() {
            let words = check_macro(&MacroInput {
                title_fr: (*title_fr).into(),
                body_fr: (*body_fr).into(),
                title_en: (*title_en).into(),
                body_en: (*body_en).into(),
            })
            .map_err(|e| anyhow!("demo macro {title_fr}: {e}"))?;
            let at = since + jiff::SignedDuration::from_mins(index as i64 + 1);
            store
                .create_macro(&Macro {
                    id: format!("macro_{}_{}", MERCHANTS[shop].slug, index + 1),
                    operator_id,
                    merchant_id: Some(*merchant_id),
                    title_fr: words.title_fr,
                    title_en: words.title_en,
                    body_fr: words.body_fr,
                    body_en: words.body_en,
                    updated_by: "demo-user-3".into(),
                    created_at: at,
                    updated_at: at,
                })
                .await
                .context("a demo macro")?;
        }
    }
    store
        .create_team(&Team {
            id: "team_mediation".into(),
            operator_id,
            merchant_id: None,
            name: "Médiation".into(),
            members: STAFF_MEDIATORS.iter().map(|m| m.id.to_owned()).collect(),
            created_at: since,
        })
        .await
        .context("the demo's mediation team")?;

    // Who handles the open cases: most an agent in turn, some the team's queue, some
    // nobody yet (each case's lot is its id's, so the same seed gives the same lots).
    let latest = timestamp(anchor - 2 * MINUTE)?;
    let mut tasks = Vec::new();
    for (shop, merchant_id) in merchant_ids.iter().enumerate() {
        let open = store
            .cases(&CaseFilter {
                operator_id: Some(operator_id),
                merchant_id: Some(*merchant_id),
                status: Some(CaseStatus::Open),
                sort: CaseSort::LastActivity,
                limit: 1000,
                ..CaseFilter::default()
            })
            .await?;
        let team = &teams[shop];
        let mut turn = 0;
        for case in open {
            let lot = case.case_id.as_bytes()[15] % 10;
            // An agent takes the case; the team's queue is the automation's doing.
            let (actor, assignee) = match lot {
                0..=5 => {
                    let (id, name) = &agents[shop][turn % agents[shop].len()];
                    turn += 1;
                    (
                        Actor::MerchantUser { id: id.clone() },
                        Assignee {
                            user_id: Some(id.clone()),
                            name: Some(name.clone()),
                            team_id: Some(team.id.clone()),
                        },
                    )
                }
                6 => (
                    Actor::System {
                        id: "automation".into(),
                    },
                    Assignee {
                        user_id: None,
                        name: Some(team.name.clone()),
                        team_id: Some(team.id.clone()),
                    },
                ),
                _ => continue,
            };
            let at = (case.last_activity_at + jiff::SignedDuration::from_mins(7)).min(latest);
            if at < case.last_activity_at {
                continue;
            }
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .execute(CommandRequest {
                        case_id: case.case_id,
                        expected_version: None,
                        command: Command::Helpdesk(HelpdeskCommand::Assign {
                            assignee: Some(assignee),
                        }),
                        actor,
                        order_id: None,
                        at: Some(at),
                    })
                    .await
            }));
        }
    }
    for task in tasks {
        if let Err(error) = task.await.context("a demo assignment stopped")? {
            // A case another step settled in between keeps nobody.
            tracing::debug!(%error, "demo assignment skipped");
        }
    }
    Ok(())
}
