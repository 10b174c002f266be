//! The helpdesk through real HTTP, on SQLite and PostgreSQL: assigning cases
//! (by hand, to oneself, round-robin within a team, to a team's queue), the
//! "mine / unassigned / my team" views of the inbox, teams, macros with their
//! variables in French and English, bulk actions case by case, and who else has
//! a case open; then the console's forms without JavaScript.

mod browser;
mod common;

use amiable_domain::access::Role;
use amiable_domain::case::{Actor, Command, LifecycleCommand, Resolution, ResolutionKind};
use amiable_domain::ids::{CaseId, MerchantId};
use amiable_store::{CommandRequest, NewUser, User};
use browser::Browser;
use common::{Reply, Who, World, worlds};
use serde_json::{Value, json};

/// A staff user of `merchant` (or of the marketplace) with a name of their own.
async fn person(world: &World, merchant: Option<MerchantId>, email: &str, name: &str) -> User {
    world
        .store
        .create_user(&NewUser {
            id: uuid::Uuid::new_v4().to_string(),
            operator_id: world.operator_id,
            merchant_id: merchant,
            email: email.into(),
            name: name.into(),
            role: if merchant.is_some() {
                Role::MerchantAgent
            } else {
                Role::Mediator
            },
            locale: "fr".into(),
            password_hash: "x".into(),
        })
        .await
        .unwrap()
}

/// The id of the harness's staff member of `role`.
async fn staff_id(world: &World, email: &str) -> String {
    world.store.user_by_email(email).await.unwrap().unwrap().id
}

async fn agent_id(world: &World) -> String {
    staff_id(world, "sav@atelier.fr").await
}

/// A fresh incident at the harness's merchant (version 1, opened by the buyer).
async fn case_at(world: &World, number: &str) -> String {
    let order = world.order_at(world.merchant_id, number).await;
    let buyer = Who::Buyer(world.buyer_token(&order).await);
    world.case_on(&order, &buyer).await
}

/// An incident on an order of a buyer who reads English.
async fn english_case(world: &World, number: &str) -> String {
    let mut body = World::order_body(Some(world.merchant_id), number);
    body["order"]["buyer"] =
        json!({"name": "Emma Jones", "email": "emma@example.co.uk", "locale": "en"});
    let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.body["order"]["id"].as_str().unwrap().to_owned();
    world.case_on(&order, &Who::OperatorKey).await
}

async fn assign(world: &World, case_id: &str, who: &Who, body: Value) -> Reply {
    world
        .post(&format!("/api/v1/cases/{case_id}/assignment"), who, &body)
        .await
}

fn assignee(reply: &Reply) -> &Value {
    &reply.body["case"]["assignee"]
}

async fn team(world: &World, who: &Who, name: &str, members: &[&str]) -> String {
    let reply = world
        .post(
            "/api/v1/teams",
            who,
            &json!({"name": name, "members": members}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

fn assert_refused(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_are_assigned_by_hand_to_oneself_and_in_turn_within_a_team() {
    for world in worlds().await {
        let léa = person(
            &world,
            Some(world.merchant_id),
            "lea@atelier.fr",
            "Léa Garnier",
        )
        .await;
        let hugo = person(
            &world,
            Some(world.merchant_id),
            "hugo@atelier.fr",
            "Hugo Petit",
        )
        .await;
        let inès = person(
            &world,
            Some(world.merchant_id),
            "ines@atelier.fr",
            "Inès Roy",
        )
        .await;
        let neighbour = person(
            &world,
            Some(world.other_merchant_id),
            "x@fromagerie.fr",
            "Xavier",
        )
        .await;

        // By hand: the event names who, and the same person again is refused.
        let case_id = case_at(&world, "HD-A-1").await;
        let reply = assign(
            &world,
            &case_id,
            &Who::MerchantAgent,
            json!({"to": "user", "user_id": léa.id, "expected_version": 1}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        assert_eq!(reply.body["events"][0]["type"], "case_assigned");
        assert_eq!(assignee(&reply)["user_id"], json!(léa.id));
        assert_eq!(assignee(&reply)["name"], "Léa Garnier");
        assert_eq!(reply.headers["etag"], "\"2\"");
        let again = assign(
            &world,
            &case_id,
            &Who::MerchantAgent,
            json!({"to": "user", "user_id": léa.id}),
        )
        .await;
        assert_refused(&again, 422, "helpdesk.already_assigned");
        // A stale version: a conflict, nothing written.
        let stale = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/assignment"),
                    &Who::MerchantAgent,
                )
                .header("if-match", "\"1\"")
                .json(&json!({"to": "nobody"})),
        )
        .await;
        assert_refused(&stale, 409, "case.version_conflict");

        // To oneself; an API key is nobody.
        let reply = assign(&world, &case_id, &Who::MerchantAgent, json!({"to": "me"})).await;
        assert_eq!(
            assignee(&reply)["user_id"],
            json!(agent_id(&world).await),
            "{}",
            reply.body
        );
        let reply = assign(&world, &case_id, &Who::MerchantKey, json!({"to": "me"})).await;
        assert_refused(&reply, 422, "assignment.not_a_person");
        // Nobody: unassigned.
        let reply = assign(&world, &case_id, &Who::MerchantKey, json!({"to": "nobody"})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(assignee(&reply).is_null(), "{}", reply.body);

        // Who may not take it: another shop's person, an unknown one, a buyer.
        for user_id in [neighbour.id.as_str(), "nobody-at-all"] {
            let reply = assign(
                &world,
                &case_id,
                &Who::MerchantAdmin,
                json!({"to": "user", "user_id": user_id}),
            )
            .await;
            assert_refused(&reply, 422, "assignment.user_unknown");
            assert_eq!(reply.body["errors"][0]["field"], "user_id");
        }
        let reply = assign(&world, &case_id, &Who::MerchantAdmin, json!({"to": "user"})).await;
        assert_refused(&reply, 422, "field.missing");
        let order = world
            .store
            .case(CaseId::parse(&case_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let buyer = Who::Buyer(world.buyer_token(&order.state.order_id.to_string()).await);
        assert_refused(
            &assign(&world, &case_id, &buyer, json!({"to": "nobody"})).await,
            403,
            "auth.forbidden",
        );

        // Round-robin: three cases to the team go to its three members in turn.
        let sav = team(
            &world,
            &Who::MerchantAdmin,
            "SAV",
            &[&léa.id, &hugo.id, &inès.id],
        )
        .await;
        let mut names = Vec::new();
        for i in 1..=3 {
            let case_id = case_at(&world, &format!("HD-RR-{i}")).await;
            let reply = assign(
                &world,
                &case_id,
                &Who::MerchantAgent,
                json!({"to": "team", "team_id": sav}),
            )
            .await;
            assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
            assert_eq!(assignee(&reply)["team_id"], json!(sav));
            names.push(assignee(&reply)["name"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            names,
            ["Léa Garnier", "Hugo Petit", "Inès Roy"],
            "{}",
            world.name
        );
        // The turn goes on: the automation engine's entry point names the next one.
        let next = world
            .state
            .app()
            .next_in_team(world.operator_id, &sav)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.name.as_deref(), Some("Léa Garnier"));

        // The team's queue: nobody in particular, the team named.
        let queued = case_at(&world, "HD-Q-1").await;
        let reply = assign(
            &world,
            &queued,
            &Who::MerchantAgent,
            json!({"to": "queue", "team_id": sav}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(assignee(&reply).get("user_id").is_none(), "{}", reply.body);
        assert_eq!(assignee(&reply)["name"], "SAV");
        // A member who takes it keeps the team; a person named with a team must be in it.
        let reply = assign(
            &world,
            &queued,
            &Who::MerchantAgent,
            json!({"to": "user", "user_id": hugo.id}),
        )
        .await;
        assert_eq!(assignee(&reply)["team_id"], json!(sav), "{}", reply.body);
        let reply = assign(
            &world,
            &queued,
            &Who::MerchantAgent,
            json!({"to": "user", "user_id": agent_id(&world).await, "team_id": sav}),
        )
        .await;
        assert_refused(&reply, 422, "assignment.not_in_team");

        // Teams of another shop, unknown ones, and empty ones.
        let neighbours = world
            .post(
                &format!("/api/v1/teams?merchant_id={}", world.other_merchant_id),
                &Who::OperatorAdmin,
                &json!({"name": "Fromagers", "members": [neighbour.id]}),
            )
            .await;
        assert_eq!(neighbours.status, 201, "{}", neighbours.body);
        for team_id in [neighbours.body["id"].as_str().unwrap(), "team_nope"] {
            let reply = assign(
                &world,
                &queued,
                &Who::MerchantAgent,
                json!({"to": "team", "team_id": team_id}),
            )
            .await;
            assert_refused(&reply, 422, "assignment.team_unknown");
        }
        let empty = team(&world, &Who::MerchantAdmin, "Vide", &[]).await;
        let reply = assign(
            &world,
            &queued,
            &Who::MerchantAgent,
            json!({"to": "team", "team_id": empty}),
        )
        .await;
        assert_refused(&reply, 422, "assignment.team_empty");

        // The marketplace may hand a shop's case to its own people.
        let médiatrice = person(&world, None, "claire@marche.fr", "Claire Médiatrice").await;
        let reply = assign(
            &world,
            &queued,
            &Who::OperatorAdmin,
            json!({"to": "user", "user_id": médiatrice.id}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // …which the shop's staff cannot.
        let reply = assign(
            &world,
            &case_id,
            &Who::MerchantAdmin,
            json!({"to": "user", "user_id": médiatrice.id}),
        )
        .await;
        assert_refused(&reply, 422, "assignment.user_unknown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_are_checked_and_kept_per_shop() {
    for world in worlds().await {
        let léa = person(
            &world,
            Some(world.merchant_id),
            "lea@atelier.fr",
            "Léa Garnier",
        )
        .await;
        let neighbour = person(
            &world,
            Some(world.other_merchant_id),
            "x@fromagerie.fr",
            "Xavier",
        )
        .await;
        let id = team(&world, &Who::MerchantAdmin, "  Retours ", &[&léa.id]).await;
        let list = world.get("/api/v1/teams", &Who::MerchantAgent).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.body["items"][0]["name"], "Retours");
        assert_eq!(list.body["items"][0]["members"][0]["name"], "Léa Garnier");
        // The marketplace's own teams are apart; a shop's are reached with merchant_id.
        let own = world.get("/api/v1/teams", &Who::OperatorAdmin).await;
        assert_eq!(own.body["items"], json!([]), "{}", own.body);
        let shop = world
            .get(
                &format!("/api/v1/teams?merchant_id={}", world.merchant_id),
                &Who::OperatorAdmin,
            )
            .await;
        assert_eq!(shop.body["items"][0]["id"], json!(id));
        let foreign = world
            .get(
                &format!("/api/v1/teams?merchant_id={}", world.other_merchant_id),
                &Who::MerchantAdmin,
            )
            .await;
        assert_eq!(foreign.status, 404, "{}", foreign.body);
        assert_refused(
            &world.get("/api/v1/teams?shop=1", &Who::MerchantAdmin).await,
            400,
            "query.invalid",
        );

        // Refusals name their fields; nothing is written.
        for (body, code, field) in [
            (
                json!({"name": "", "members": []}),
                "team.name_invalid",
                "name",
            ),
            (
                json!({"name": "x".repeat(101)}),
                "team.name_invalid",
                "name",
            ),
            (
                json!({"name": "Mix", "members": [neighbour.id]}),
                "team.member_unknown",
                "members[0]",
            ),
            (
                json!({"name": "Deux fois", "members": [léa.id, léa.id]}),
                "team.member_duplicate",
                "members[1]",
            ),
        ] {
            let reply = world
                .post("/api/v1/teams", &Who::MerchantAdmin, &body)
                .await;
            assert_refused(&reply, 422, code);
            assert_eq!(reply.body["errors"][0]["field"], field, "{}", reply.body);
        }
        let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
        let reply = world
            .post(
                "/api/v1/teams",
                &Who::MerchantAdmin,
                &json!({"name": "Foule", "members": many}),
            )
            .await;
        assert_refused(&reply, 422, "team.too_many_members");
        assert_eq!(
            world.get("/api/v1/teams", &Who::MerchantAdmin).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // An agent reads them but does not change them; another shop's team does not exist.
        let reply = world
            .post(
                "/api/v1/teams",
                &Who::MerchantAgent,
                &json!({"name": "Moi"}),
            )
            .await;
        assert_refused(&reply, 403, "auth.forbidden");
        let changed = world
            .call(
                "PUT",
                &format!("/api/v1/teams/{id}"),
                &Who::MerchantAdmin,
                Some(&json!({"name": "Retours et échanges", "members": []})),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["members"], json!([]));
        let other = world
            .post(
                &format!("/api/v1/teams?merchant_id={}", world.other_merchant_id),
                &Who::OperatorKey,
                &json!({"name": "Caves"}),
            )
            .await;
        let other_id = other.body["id"].as_str().unwrap();
        for method in ["PUT", "DELETE"] {
            let reply = world
                .call(
                    method,
                    &format!("/api/v1/teams/{other_id}"),
                    &Who::MerchantAdmin,
                    Some(&json!({"name": "À moi"})),
                )
                .await;
            assert_refused(&reply, 404, "team.not_found");
        }
        let deleted = world
            .call(
                "DELETE",
                &format!("/api/v1/teams/{id}"),
                &Who::MerchantAdmin,
                None,
            )
            .await;
        assert_eq!(deleted.status, 204);
        assert_refused(
            &world
                .call(
                    "DELETE",
                    &format!("/api/v1/teams/{id}"),
                    &Who::MerchantAdmin,
                    None,
                )
                .await,
            404,
            "team.not_found",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_shows_mine_unassigned_and_my_teams() {
    for world in worlds().await {
        let me = agent_id(&world).await;
        let léa = person(
            &world,
            Some(world.merchant_id),
            "lea@atelier.fr",
            "Léa Garnier",
        )
        .await;
        let sav = team(&world, &Who::MerchantAdmin, "SAV", &[&me, &léa.id]).await;
        let other = team(&world, &Who::MerchantAdmin, "Compta", &[&léa.id]).await;
        let mine = case_at(&world, "HD-I-1").await;
        let hers = case_at(&world, "HD-I-2").await;
        let queued = case_at(&world, "HD-I-3").await;
        let nobody = case_at(&world, "HD-I-4").await;
        let accounts = case_at(&world, "HD-I-5").await;
        assign(&world, &mine, &Who::MerchantAgent, json!({"to": "me"})).await;
        assign(
            &world,
            &hers,
            &Who::MerchantAgent,
            json!({"to": "user", "user_id": léa.id, "team_id": sav}),
        )
        .await;
        assign(
            &world,
            &queued,
            &Who::MerchantAgent,
            json!({"to": "queue", "team_id": sav}),
        )
        .await;
        assign(
            &world,
            &accounts,
            &Who::MerchantAgent,
            json!({"to": "queue", "team_id": other}),
        )
        .await;
        let ids = |reply: &Reply| -> Vec<String> {
            let mut ids: Vec<String> = reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["case_id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        };
        let sorted = |mut v: Vec<&String>| {
            v.sort();
            v.into_iter().cloned().collect::<Vec<_>>()
        };
        let list = |query: &str| {
            let path = format!("/api/v1/cases?{query}");
            let world = &world;
            async move { world.get(&path, &Who::MerchantAgent).await }
        };
        assert_eq!(
            ids(&list("assignee=me").await),
            vec![mine.clone()],
            "{}",
            world.name
        );
        assert_eq!(
            ids(&list("assignee=none").await),
            sorted(vec![&queued, &nobody, &accounts])
        );
        assert_eq!(
            ids(&list("assignee=my_teams").await),
            sorted(vec![&hers, &queued])
        );
        assert_eq!(
            ids(&list(&format!("assignee=team:{other}")).await),
            vec![accounts.clone()]
        );
        // Each row says who has it.
        let row = list("assignee=me").await;
        assert_eq!(row.body["items"][0]["assignee_id"], json!(me));
        // A key is nobody; an unknown value is refused.
        let reply = world
            .get("/api/v1/cases?assignee=me", &Who::MerchantKey)
            .await;
        assert_refused(&reply, 400, "query.invalid");
        assert_refused(&list("assignee=someone").await, 400, "query.invalid");

        // The console's tabs, without JavaScript.
        let mut browser = Browser::staff(&world, "merchant_agent");
        let page = browser.get("/console?assignee=me").await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("HD-I-1") && !page.has("HD-I-2") && !page.has("HD-I-4"),
            "{}",
            world.name
        );
        assert!(
            page.has("aria-current=\"page\">Mes dossiers"),
            "{}",
            page.text
        );
        let page = browser.get("/console?assignee=team").await;
        assert!(page.has("HD-I-2") && page.has("HD-I-3") && !page.has("HD-I-5"));
        assert!(page.has("Léa Garnier · SAV"), "the row names who has it");
        let page = browser.get("/console?assignee=none").await;
        assert!(page.has("HD-I-4") && page.has("HD-I-5") && !page.has("HD-I-1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macros_are_written_in_two_languages_and_filled_in_for_each_case() {
    for world in worlds().await {
        // Six defaults the first time, then the shop's to delete for good.
        let list = world.get("/api/v1/macros", &Who::MerchantAgent).await;
        assert_eq!(list.status, 200, "{}", list.body);
        let defaults = list.body["items"].as_array().unwrap().clone();
        assert_eq!(defaults.len(), 6, "{}", list.body);
        assert_eq!(defaults[0]["title_fr"], "Accusé de réception");
        assert_eq!(defaults[0]["title_en"], "Acknowledgement");
        for item in &defaults {
            let id = item["id"].as_str().unwrap();
            let reply = world
                .call(
                    "DELETE",
                    &format!("/api/v1/macros/{id}"),
                    &Who::MerchantAdmin,
                    None,
                )
                .await;
            assert_eq!(reply.status, 204, "{}", reply.body);
        }
        assert_eq!(
            world.get("/api/v1/macros", &Who::MerchantAdmin).await.body["items"],
            json!([])
        );
        // The marketplace's own are apart (and get their defaults too).
        let own = world.get("/api/v1/macros", &Who::OperatorAdmin).await;
        assert_eq!(own.body["items"].as_array().unwrap().len(), 6);
        assert!(own.body["items"][0]["merchant_id"].is_null());

        // A macro with variables, in both languages.
        let created = world
            .post("/api/v1/macros", &Who::MerchantAdmin, &json!({
                "title_fr": "Suivi de {dossier}",
                "body_fr": "Bonjour {client}, votre commande {commande} est suivie par {agent} de {boutique}. Réponse avant le {echeance}.",
                "title_en": "Follow-up of {case}",
                "body_en": "Hello {client}, {agent} at {shop} handles order {order}. Answer by {due}.",
            }))
            .await;
        assert_eq!(created.status, 201, "{}: {}", world.name, created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(created.body["merchant_id"], json!(world.merchant_id));

        // Filled in for a French buyer, and for an English one.
        let french = case_at(&world, "HD-M-1").await;
        let short = french[..8].to_uppercase();
        let preview = world
            .post(
                &format!("/api/v1/macros/{id}/preview?case_id={french}"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert_eq!(preview.body["language"], "fr");
        assert_eq!(preview.body["title"], format!("Suivi de {short}"));
        let text = preview.body["text"].as_str().unwrap();
        assert!(text.starts_with("Bonjour Claire Martin, votre commande HD-M-1 est suivie par merchant_agent test de atelier. Réponse avant le "), "{text}");
        assert!(!text.contains('{'), "{text}");
        let english = english_case(&world, "HD-M-2").await;
        let preview = world
            .post(
                &format!("/api/v1/macros/{id}/preview?case_id={english}"),
                &Who::MerchantAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(preview.body["language"], "en", "{}", preview.body);
        assert!(
            preview.body["text"].as_str().unwrap().starts_with(
                "Hello Emma Jones, merchant_admin test at atelier handles order HD-M-2."
            ),
            "{}",
            preview.body
        );
        // Another shop's case is out of reach; no case is a bad query.
        let neighbour_order = world.order_at(world.other_merchant_id, "HD-M-3").await;
        let neighbour = world.case_direct(&neighbour_order).await;
        let reply = world
            .post(
                &format!("/api/v1/macros/{id}/preview?case_id={neighbour}"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_refused(&reply, 404, "case.not_found");
        let reply = world
            .post(
                &format!("/api/v1/macros/{id}/preview"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_refused(&reply, 400, "query.invalid");

        // A French-only macro is sent in French even to an English buyer.
        let changed = world
            .call(
                "PUT",
                &format!("/api/v1/macros/{id}"),
                &Who::MerchantAdmin,
                Some(&json!({"title_fr": "Merci", "body_fr": "Merci {client} !"})),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["title_en"], "");
        let preview = world
            .post(
                &format!("/api/v1/macros/{id}/preview?case_id={english}"),
                &Who::MerchantAdmin,
                &json!({}),
            )
            .await;
        assert_eq!(preview.body["language"], "fr");
        assert_eq!(preview.body["text"], "Merci Emma Jones !");

        // Bad inputs: each refused with its code and field, nothing written.
        for (body, code, field) in [
            (
                json!({"title_fr": "Suivi", "body_fr": "Bonjour {prenom}"}),
                "macro.variable_unknown",
                "body_fr",
            ),
            (
                json!({"title_en": "Hi {firstname}", "body_en": "Hello"}),
                "macro.variable_unknown",
                "title_en",
            ),
            (
                json!({"title_fr": "x".repeat(101), "body_fr": "Bonjour"}),
                "macro.title_invalid",
                "title_fr",
            ),
            (
                json!({"title_fr": "Long", "body_fr": "x".repeat(5001)}),
                "macro.body_invalid",
                "body_fr",
            ),
            (
                json!({"title_fr": "Seul", "body_fr": "Bonjour", "title_en": "Alone"}),
                "macro.body_invalid",
                "body_en",
            ),
        ] {
            let reply = world
                .post("/api/v1/macros", &Who::MerchantAdmin, &body)
                .await;
            assert_refused(&reply, 422, code);
            assert_eq!(reply.body["errors"][0]["field"], field, "{}", reply.body);
        }
        let reply = world
            .post("/api/v1/macros", &Who::MerchantAdmin, &json!({}))
            .await;
        assert_refused(&reply, 422, "validation.failed");
        let reply = world
            .post(
                "/api/v1/macros",
                &Who::MerchantAdmin,
                &json!({"title_fr": "A", "body_fr": "B", "tone": "warm"}),
            )
            .await;
        assert_refused(&reply, 422, "field.unknown");
        // In French, the refusal names the variable.
        let reply = World::send(
            world
                .request("POST", "/api/v1/macros", &Who::MerchantAdmin)
                .header("accept-language", "fr")
                .json(&json!({"title_fr": "Suivi", "body_fr": "Bonjour {prenom}"})),
        )
        .await;
        assert!(
            reply.body["detail"].as_str().unwrap().contains("{prenom}"),
            "{}",
            reply.body
        );
        assert_eq!(
            world.get("/api/v1/macros", &Who::MerchantAdmin).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Agents use macros but do not write them; another shop's macro does not exist.
        let reply = world
            .post(
                "/api/v1/macros",
                &Who::MerchantAgent,
                &json!({"title_fr": "A", "body_fr": "B"}),
            )
            .await;
        assert_refused(&reply, 403, "auth.forbidden");
        let theirs = world
            .post(
                &format!("/api/v1/macros?merchant_id={}", world.other_merchant_id),
                &Who::OperatorAdmin,
                &json!({"title_fr": "Fromage", "body_fr": "Bon appétit"}),
            )
            .await;
        assert_eq!(theirs.status, 201, "{}", theirs.body);
        let theirs = theirs.body["id"].as_str().unwrap();
        let reply = world
            .call(
                "PUT",
                &format!("/api/v1/macros/{theirs}"),
                &Who::MerchantAdmin,
                Some(&json!({"title_fr": "A", "body_fr": "B"})),
            )
            .await;
        assert_refused(&reply, 404, "macro.not_found");
        let reply = world
            .post(
                &format!("/api/v1/macros/{theirs}/preview?case_id={french}"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_refused(&reply, 404, "macro.not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_run_case_by_case() {
    for world in worlds().await {
        let léa = person(
            &world,
            Some(world.merchant_id),
            "lea@atelier.fr",
            "Léa Garnier",
        )
        .await;
        let cases = [
            case_at(&world, "HD-B-1").await,
            case_at(&world, "HD-B-2").await,
            case_at(&world, "HD-B-3").await,
        ];
        let neighbour_order = world.order_at(world.other_merchant_id, "HD-B-4").await;
        let neighbour = world.case_direct(&neighbour_order).await;
        let neighbour_id = CaseId::parse(&neighbour).unwrap();
        let store = world.store.clone();
        let events_of = |id: CaseId| {
            let store = store.clone();
            async move { store.timeline(id).await.unwrap().len() }
        };
        let before = events_of(neighbour_id).await;

        // Assign three cases, and one out of reach: 404 for it alone, nothing written.
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &json!({
                    "case_ids": [cases[0], cases[1], neighbour, cases[2]],
                    "action": {"type": "assign", "to": "user", "user_id": léa.id},
                }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        assert_eq!(
            (
                reply.body["succeeded"].as_u64(),
                reply.body["failed"].as_u64()
            ),
            (Some(3), Some(1)),
            "{}",
            reply.body
        );
        let items = reply.body["items"].as_array().unwrap();
        assert_eq!(items[2]["case_id"], json!(neighbour));
        assert_eq!(items[2]["ok"], false);
        assert_eq!(items[2]["problem"]["status"], 404);
        assert_eq!(items[2]["problem"]["code"], "case.not_found");
        assert_eq!(items[0]["version"], 2);
        assert_eq!(
            events_of(neighbour_id).await,
            before,
            "nothing written for the case out of reach"
        );
        for id in &cases {
            let case = world
                .get(&format!("/api/v1/cases/{id}"), &Who::MerchantAgent)
                .await;
            assert_eq!(case.body["case"]["assignee"]["name"], "Léa Garnier");
        }

        // Reply with a macro to two of them: each buyer gets their own.
        let created = world
            .post("/api/v1/macros", &Who::MerchantAdmin,
                  &json!({"title_fr": "Prise en charge", "body_fr": "Bonjour {client}, nous traitons la commande {commande}."}))
            .await;
        let macro_id = created.body["id"].as_str().unwrap().to_owned();
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &json!({
                    "case_ids": [cases[0], cases[1]],
                    "action": {"type": "reply_with_macro", "macro_id": macro_id},
                }),
            )
            .await;
        assert_eq!(reply.body["succeeded"], 2, "{}", reply.body);
        for (id, number) in [(&cases[0], "HD-B-1"), (&cases[1], "HD-B-2")] {
            let case = world
                .get(&format!("/api/v1/cases/{id}"), &Who::MerchantAgent)
                .await;
            let last = case.body["timeline"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .clone();
            assert_eq!(last["type"], "message_posted", "{last}");
            assert_eq!(
                last["data"]["body"],
                format!("Bonjour Claire Martin, nous traitons la commande {number}.")
            );
        }

        // Close: a resolved case closes, an open one says why not.
        world
            .store
            .execute(CommandRequest {
                case_id: CaseId::parse(&cases[2]).unwrap(),
                expected_version: None,
                command: Command::Lifecycle(LifecycleCommand::Resolve {
                    resolution: Resolution::simple(ResolutionKind::Replacement),
                }),
                actor: Actor::MerchantUser {
                    id: "fixture".into(),
                },
                order_id: None,
                at: None,
            })
            .await
            .unwrap();
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &json!({
                    "case_ids": [cases[2], cases[0]], "action": {"type": "close"},
                }),
            )
            .await;
        assert_eq!(reply.body["items"][0]["ok"], true, "{}", reply.body);
        assert_eq!(
            reply.body["items"][1]["problem"]["code"], "case.invalid_status",
            "{}",
            reply.body
        );

        // The list as a whole: empty, too long, repeated, an unknown macro, a buyer.
        let body = |ids: Value, action: Value| json!({"case_ids": ids, "action": action});
        let close = json!({"type": "close"});
        assert_refused(
            &world
                .post(
                    "/api/v1/cases/bulk",
                    &Who::MerchantAgent,
                    &body(json!([]), close.clone()),
                )
                .await,
            422,
            "bulk.empty",
        );
        let many: Vec<String> = (0..101)
            .map(|_| CaseId::from_bytes(common::bytes()).to_string())
            .collect();
        assert_refused(
            &world
                .post(
                    "/api/v1/cases/bulk",
                    &Who::MerchantAgent,
                    &body(json!(many), close.clone()),
                )
                .await,
            422,
            "bulk.too_many",
        );
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &body(json!([cases[0], cases[0]]), close.clone()),
            )
            .await;
        assert_refused(&reply, 422, "bulk.case_repeated");
        assert_eq!(reply.body["errors"][0]["field"], "case_ids[1]");
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &body(
                    json!([cases[0]]),
                    json!({"type": "reply_with_macro", "macro_id": "macro_nope"}),
                ),
            )
            .await;
        assert_refused(&reply, 422, "macro.not_found");
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &body(json!([cases[0]]), json!({"type": "assign", "to": "team"})),
            )
            .await;
        assert_refused(&reply, 422, "field.missing");
        assert_eq!(reply.body["errors"][0]["field"], "action.team_id");
        let reply = world
            .post(
                "/api/v1/cases/bulk",
                &Who::MerchantAgent,
                &body(json!(["not-a-case"]), close.clone()),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let order = world
            .store
            .case(CaseId::parse(&cases[0]).unwrap())
            .await
            .unwrap()
            .unwrap();
        let buyer = Who::Buyer(world.buyer_token(&order.state.order_id.to_string()).await);
        assert_refused(
            &world
                .post(
                    "/api/v1/cases/bulk",
                    &buyer,
                    &body(json!([cases[0]]), close),
                )
                .await,
            403,
            "auth.forbidden",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_person_on_a_case_sees_the_first_one_writing() {
    for world in worlds().await {
        let case_id = case_at(&world, "HD-P-1").await;
        let path = format!("/api/v1/cases/{case_id}/presence");
        let beat = |who: Who, typing: bool| {
            let path = path.clone();
            let world = &world;
            async move {
                world
                    .call("PUT", &path, &who, Some(&json!({"typing": typing})))
                    .await
            }
        };
        // The agent opens it alone and starts writing.
        let first = beat(Who::MerchantAgent, true).await;
        assert_eq!(first.status, 200, "{}: {}", world.name, first.body);
        assert_eq!(first.body["others"], json!([]));
        // The admin opens it: the agent is there, writing.
        let second = beat(Who::MerchantAdmin, false).await;
        let others = second.body["others"].as_array().unwrap();
        assert_eq!(others.len(), 1, "{}", second.body);
        assert_eq!(others[0]["name"], "merchant_agent test");
        assert_eq!(others[0]["typing"], true);
        // The agent sees the admin, who is only reading; then stops writing.
        let first = beat(Who::MerchantAgent, false).await;
        assert_eq!(first.body["others"][0]["name"], "merchant_admin test");
        assert_eq!(first.body["others"][0]["typing"], false);
        let second = beat(Who::MerchantAdmin, false).await;
        assert_eq!(second.body["others"][0]["typing"], false, "{}", second.body);
        // Staff business only; another shop's case does not exist.
        let order = world
            .store
            .case(CaseId::parse(&case_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let buyer = Who::Buyer(world.buyer_token(&order.state.order_id.to_string()).await);
        assert_refused(&beat(buyer, true).await, 403, "auth.forbidden");
        let neighbour_order = world.order_at(world.other_merchant_id, "HD-P-2").await;
        let neighbour = world.case_direct(&neighbour_order).await;
        let reply = world
            .call(
                "PUT",
                &format!("/api/v1/cases/{neighbour}/presence"),
                &Who::MerchantAgent,
                Some(&json!({"typing": true})),
            )
            .await;
        assert_refused(&reply, 404, "case.not_found");

        // The console's page says it, and its heartbeat answers the warning.
        let mut browser = Browser::staff(&world, "merchant_admin");
        beat(Who::MerchantAgent, true).await;
        let page = browser.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            page.has("merchant_agent test est en train d’écrire une réponse."),
            "{}",
            world.name
        );
        let csrf = page.csrf();
        beat(Who::MerchantAgent, false).await;
        let notes = browser
            .post(
                &format!("/console/cases/{case_id}/presence"),
                &[("csrf", &csrf), ("typing", "1")],
            )
            .await;
        assert_eq!(notes.status, 200);
        assert!(
            notes.has("merchant_agent test consulte aussi ce dossier."),
            "{}",
            notes.text
        );
        // …which the agent sees as the admin writing.
        let agent = beat(Who::MerchantAgent, false).await;
        assert_eq!(agent.body["others"][0]["typing"], true, "{}", agent.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_assigns_answers_and_manages_without_javascript() {
    for world in worlds().await {
        let léa = person(
            &world,
            Some(world.merchant_id),
            "lea@atelier.fr",
            "Léa Garnier",
        )
        .await;
        let case_id = case_at(&world, "HD-W-1").await;
        let mut agent = Browser::staff(&world, "merchant_agent");
        // « Me l’attribuer ».
        let page = agent.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            page.has("Non attribué") && page.has("Me l’attribuer"),
            "{}",
            world.name
        );
        let (csrf, version) = (page.csrf(), page.version());
        let done = agent
            .post(
                &format!("/console/cases/{case_id}/do/assign"),
                &[("csrf", &csrf), ("version", &version), ("assignee", "me")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = agent.get(done.location.as_deref().unwrap()).await;
        assert!(
            page.has("Attribution enregistrée.") && page.has("Attribué à merchant_agent test"),
            "{}",
            page.text
        );
        // To someone else, from the list; nothing chosen is said beside the field.
        let version = page.version();
        let refused = agent
            .post(
                &format!("/console/cases/{case_id}/do/assign"),
                &[("csrf", &csrf), ("version", &version), ("assignee", "")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Choisissez à qui attribuer le dossier."));
        let value = format!("user:{}", léa.id);
        assert!(refused.has(&format!("value=\"{value}\"")), "Léa is offered");
        let done = agent
            .post(
                &format!("/console/cases/{case_id}/do/assign"),
                &[("csrf", &csrf), ("version", &version), ("assignee", &value)],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);

        // Without JavaScript, an empty message with a macro chosen sends the macro.
        let page = agent.get(&format!("/console/cases/{case_id}")).await;
        let macros = world.get("/api/v1/macros", &Who::MerchantAgent).await;
        let ack = macros.body["items"][0]["id"].as_str().unwrap().to_owned();
        assert!(
            page.has(&format!("value=\"{ack}\"")),
            "the picker lists the shop's macros"
        );
        let version = page.version();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("version", version)
            .text("macro", ack)
            .text("body", "");
        let done = agent
            .send(
                agent
                    .client
                    .post(format!("{}/console/cases/{case_id}/do/message", world.base))
                    .multipart(form),
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        let last = case.body["timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert!(
            last["data"]["body"]
                .as_str()
                .unwrap()
                .starts_with("Bonjour, nous avons bien reçu votre demande"),
            "{last}"
        );

        // The bulk bar: tick two cases, close them; one is open and says why.
        let other = case_at(&world, "HD-W-2").await;
        let inbox = agent.get("/console").await;
        assert!(inbox.has("id=\"bulk\"") && inbox.has(&format!("value=\"{other}\"")));
        let result = agent
            .post(
                "/console/bulk",
                &[
                    ("csrf", &csrf),
                    ("case", &case_id),
                    ("case", &other),
                    ("do", "assign"),
                    ("assignee", "me"),
                    ("back", "status=open"),
                ],
            )
            .await;
        assert_eq!(result.status, 200, "{}", result.text);
        assert!(result.has("2 sur 2 fait(s)."), "{}", result.text);
        assert!(result.has("href=\"/console?status=open\"") || result.has("href=\"/console\""));
        let result = agent
            .post(
                "/console/bulk",
                &[("csrf", &csrf), ("case", &case_id), ("do", "close")],
            )
            .await;
        assert!(
            result.has("0 sur 1 fait(s).") && result.has("HD-W-1"),
            "{}",
            result.text
        );
        let result = agent
            .post("/console/bulk", &[("csrf", &csrf), ("do", "reply")])
            .await;
        assert!(result.has("Choisissez la réponse type à envoyer."));

        // « Réponses types »: the admin writes one, a refusal stays beside its field.
        let mut admin = Browser::staff(&world, "merchant_admin");
        let page = admin.get("/console/macros").await;
        assert_eq!(page.status, 200);
        assert!(page.has("Accusé de réception") && page.has("{echeance}"));
        let refused = admin
            .post(
                "/console/macros",
                &[
                    ("csrf", &page.csrf()),
                    ("title_fr", "Suivi"),
                    ("body_fr", "Bonjour {prenom}"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.has("aria-describedby=\"new-body_fr-error\""),
            "{}",
            refused.text
        );
        let saved = admin
            .post(
                "/console/macros",
                &[
                    ("csrf", &page.csrf()),
                    ("title_fr", "Suivi"),
                    ("body_fr", "Bonjour {client}"),
                    ("title_en", "Follow-up"),
                    ("body_en", "Hello {client}"),
                ],
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some("/console/macros?fait=macro-saved")
        );
        assert!(admin.get("/console/macros").await.has("Suivi"));
        // An agent reads them without the forms.
        let page = agent.get("/console/macros").await;
        assert!(
            page.has("Suivi") && !page.has("action=\"/console/macros\""),
            "{}",
            world.name
        );

        // « Équipes »: the admin makes one with Léa.
        let page = admin.get("/console/teams").await;
        assert!(page.has("Léa Garnier"));
        let saved = admin
            .post(
                "/console/teams",
                &[
                    ("csrf", &page.csrf()),
                    ("name", "SAV"),
                    ("members", &léa.id),
                ],
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some("/console/teams?fait=team-saved"),
            "{}",
            saved.text
        );
        let refused = admin
            .post("/console/teams", &[("csrf", &page.csrf()), ("name", "")])
            .await;
        assert_eq!(refused.status, 422);
        let teams = world.get("/api/v1/teams", &Who::MerchantAgent).await;
        assert_eq!(teams.body["items"][0]["members"][0]["name"], "Léa Garnier");
        assert!(agent.get("/console/teams").await.has("SAV"));
        // A foreign staff id in the form is refused beside the members.
        let stranger = staff_id(&world, "admin@marche.fr").await;
        let refused = admin
            .post(
                "/console/teams",
                &[
                    ("csrf", &page.csrf()),
                    ("name", "Mix"),
                    ("members", &stranger),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("new-members-error"), "{}", refused.text);
    }
}
