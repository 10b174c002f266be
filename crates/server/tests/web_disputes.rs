//! Incidents, mediation and arbitration through the pages, as a browser without
//! JavaScript uses them: the mediator's private channels (each party sees its
//! own, never the other's), requests for information, a decision paid by the
//! marketplace and recovered from the shop, an appeal heard by another
//! mediator, goodwill gestures waiting for a manager's approval, a replacement
//! parcel and the carrier claim, a late delivery's new deadline and cancellation.
//! Every test runs on SQLite, and on PostgreSQL when AMIABLE_TEST_DATABASE_URL is set.

mod browser;
mod common;

use amiable_domain::access::Role;
use amiable_domain::case::{Actor, CaseKind, Command, IncidentCommand, LifecycleCommand};
use browser::{Browser, Page, buyer_of, order};
use common::{PASSWORD, Who, World, worlds};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// Escalates a case to `to` with the operator's key.
async fn escalate(world: &World, case_id: &str, to: &str) {
    let reply = world
        .post(
            &format!("/api/v1/cases/{case_id}/escalate"),
            &Who::OperatorKey,
            &json!({"to": to, "reason": "Pas d’accord entre les parties"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
}

/// Posts the case page's form `do/<action>` with the page's token and version.
async fn act(
    browser: &mut Browser<'_>,
    case_id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let page = browser.get(&format!("/console/cases/{case_id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let (csrf, version) = (page.csrf(), page.version());
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    browser
        .post(&format!("/console/cases/{case_id}/do/{action}"), &all)
        .await
}

/// Posts one of the buyer's case forms (`/suivi/dossier/{case_id}/<path>`).
async fn buyer_act(
    buyer: &mut Browser<'_>,
    case_id: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Page {
    let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let (csrf, version) = (page.csrf(), page.version());
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    buyer
        .post(&format!("/suivi/dossier/{case_id}/{path}"), &all)
        .await
}

fn assert_done(page: &Page, notice: &str) {
    assert_eq!(page.status, 303, "{}", page.text);
    let location = page.location.as_deref().unwrap_or("");
    assert!(
        location.ends_with(&format!("?fait={notice}")),
        "{location} is not the notice {notice}"
    );
}

/// Another mediator of the marketplace, signed in (an appeal is heard by someone else).
async fn second_mediator(world: &World) -> Browser<'_> {
    let user = world
        .user_with_password(Role::Mediator, None, "arbitrage@marche.fr", PASSWORD)
        .await;
    let token = amiable_server::auth::random_token();
    world
        .store
        .create_session(&amiable_store::Session {
            token_hash: amiable_server::auth::sha256_hex(&token),
            user_id: user.id,
            csrf_token: amiable_server::auth::random_token(),
            expires_at: Timestamp::now() + SignedDuration::from_hours(1),
        })
        .await
        .unwrap();
    let mut browser = Browser::new(world);
    browser.cookies.insert("amiable_session".into(), token);
    browser
}

async fn ledger(world: &World, order_id: &str) -> Value {
    world
        .get(
            &format!("/api/v1/orders/{order_id}/ledger"),
            &Who::OperatorKey,
        )
        .await
        .body["balance"]
        .clone()
}

fn days_ago(days: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(24 * days)
}

fn day(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

#[tokio::test]
async fn the_mediators_private_channels_stay_with_their_party() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-PRIV", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-PRIV", "claire@exemple.fr").await;
        let mut shop = Browser::staff(&world, "merchant_admin");
        let mut mediator = Browser::staff(&world, "mediator");
        // Before the marketplace steps in, there is no private channel.
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(!page.has("Écrire au médiateur"), "{}", world.name);
        escalate(&world, &case_id, "mediation").await;

        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Écrire en privé à une partie") && page.has("Demander des informations"));
        let to_shop = "Pouvez-vous m’envoyer la preuve de dépôt du colis ?";
        let to_buyer = "Madame, le colis était-il ouvert à la livraison ?";
        let request = "La preuve de livraison signée, s’il vous plaît.";
        let done = act(
            &mut mediator,
            &case_id,
            "private-message",
            &[("channel", "merchant"), ("body", to_shop)],
        )
        .await;
        assert_done(&done, "private-message-sent");
        let done = act(
            &mut mediator,
            &case_id,
            "private-message",
            &[("channel", "buyer"), ("body", to_buyer)],
        )
        .await;
        assert_done(&done, "private-message-sent");
        // A request needs its deadline: the form offers one three days on.
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        let due = page.value_of("due_at");
        assert!(due.len() == 16 && due.contains('T'), "{due}");
        let refused = act(
            &mut mediator,
            &case_id,
            "request-information",
            &[("from", "merchant"), ("request", request), ("due_at", "")],
        )
        .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Indiquez la date et l’heure limites."));
        let done = act(
            &mut mediator,
            &case_id,
            "request-information",
            &[("from", "merchant"), ("request", request), ("due_at", &due)],
        )
        .await;
        assert_done(&done, "information-requested");

        // The shop reads what the mediator wrote to it, and the request, never the buyer's channel.
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has(to_shop) && page.has(request));
        assert!(page.has("Échange privé avec le médiateur — invisible pour le client"));
        assert!(page.has("Écrire au médiateur (le client ne verra pas ce message)"));
        assert!(
            !page.has(to_buyer),
            "the buyer's channel never reaches the shop"
        );
        assert!(!page.has("avec le client :"), "nor its count");
        let answer = "Voici la preuve de dépôt Colissimo, signée par le client.";
        // A party writes in its own channel, whatever the form says.
        let done = act(
            &mut shop,
            &case_id,
            "private-message",
            &[("channel", "buyer"), ("body", answer)],
        )
        .await;
        assert_done(&done, "private-message-sent");

        // The buyer reads the mediator's message to them, never the shop's exchange.
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has(to_buyer));
        assert!(page.has("Échange privé avec le médiateur — invisible pour la boutique"));
        for hidden in [to_shop, request, answer] {
            assert!(!page.has(hidden), "{hidden} reached the buyer");
        }
        assert!(page.has("Écrire au médiateur (la boutique ne verra pas ce message)"));
        let empty = buyer_act(&mut buyer, &case_id, "mediateur", &[("body", "")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.has("Écrivez votre message.") && empty.has("aria-invalid=\"true\""));
        let from_buyer = "Non, le carton était déchiré et le pull abîmé.";
        let done = buyer_act(&mut buyer, &case_id, "mediateur", &[("body", from_buyer)]).await;
        assert_done(&done, "private-message-sent-buyer");
        let page = buyer.follow(&done).await;
        assert!(page.has("Votre message est transmis au médiateur. La boutique ne le voit pas."));
        assert!(page.has(from_buyer));

        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            !page.has(from_buyer),
            "the buyer's message never reaches the shop"
        );
        // The mediator reads both channels; the shop's answer answered the request.
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        for seen in [to_shop, to_buyer, answer, from_buyer, request] {
            assert!(page.has(seen), "{seen}");
        }
        assert!(page.has("Réponse reçue le"));
        assert!(page.has("avec le client\u{a0}: 2 · avec la boutique\u{a0}: 2"));

        // A request to the buyer: the buyer is told what and by when; the shop is not.
        let buyer_request = "Une photo de l’emballage, s’il vous plaît.";
        let done = act(
            &mut mediator,
            &case_id,
            "request-information",
            &[
                ("from", "buyer"),
                ("request", buyer_request),
                ("due_at", &due),
            ],
        )
        .await;
        assert_done(&done, "information-requested");
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Le médiateur vous demande") && page.has(buyer_request));
        assert!(page.has("Le médiateur attend votre réponse avant le"));
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(!page.has(buyer_request));
        // Nor the email it caused to the buyer, in the shop's "Sent mail".
        world.state.app().notify_until_idle("test").await.unwrap();
        let sent = world
            .get(
                &format!("/api/v1/deliveries?limit=500&case_id={case_id}"),
                &Who::OperatorAdmin,
            )
            .await;
        let request_mail = sent.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["topic"] == "information_request_to_buyer")
            .unwrap_or_else(|| panic!("the buyer is told: {}", sent.body))
            .clone();
        let subject = request_mail["subject"].as_str().unwrap().to_owned();
        let mail = format!("/console/mail/{}", request_mail["id"]);
        assert_eq!(mediator.get(&mail).await.status, 200);
        assert!(
            mediator
                .get(&format!("/console/cases/{case_id}"))
                .await
                .has(&subject)
        );
        assert_eq!(shop.get(&mail).await.status, 404);
        assert_eq!(shop.get(&format!("{mail}/html")).await.status, 404);
        assert!(
            !shop
                .get(&format!("/console/cases/{case_id}"))
                .await
                .has(&subject)
        );
        assert!(
            !shop
                .get(&format!("/console/mail?dossier={case_id}"))
                .await
                .has(&subject)
        );
    }
}

#[tokio::test]
async fn a_decision_paid_by_the_marketplace_is_recovered_from_the_shop() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-PAID", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        escalate(&world, &case_id, "arbitration").await;
        let mut mediator = Browser::staff(&world, "mediator");
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            page.has("Payé par la plateforme, tout de suite")
                && page.has("Clauses et articles appliqués")
        );
        let rationale = "Les photos montrent un pull déchiré à la livraison.\n\nLa plateforme rembourse le pull et se retourne contre la boutique.";
        let decision = |rationale: &'static str, paid: bool, recover: bool| {
            let mut fields = vec![
                ("outcome", "buyer_favoured"),
                ("kind", "partial_refund"),
                ("amount", "45,00"),
                ("rationale", rationale),
                ("cites", "C. conso L216-2\nCGV de la boutique, art. 7"),
                ("confirm", "1"),
            ];
            if paid {
                fields.push(("paid_by", "marketplace"));
            }
            if recover {
                fields.push(("recover_from_merchant", "1"));
            }
            fields
        };
        // Grounds are a few sentences; only what the marketplace paid is recovered.
        let short = act(
            &mut mediator,
            &case_id,
            "decision",
            &decision("Déchiré.", true, true),
        )
        .await;
        assert_eq!(short.status, 422);
        assert!(short.has("20 caractères au moins"), "{}", short.text);
        let alone = act(
            &mut mediator,
            &case_id,
            "decision",
            &decision(rationale, false, true),
        )
        .await;
        assert_eq!(alone.status, 422);
        assert!(alone.has("Seul ce que la plateforme a payé peut être récupéré"));
        assert_eq!(
            ledger(&world, &order_id).await["refunded"]["amount_minor"],
            0
        );

        let done = act(
            &mut mediator,
            &case_id,
            "decision",
            &decision(rationale, true, true),
        )
        .await;
        assert_done(&done, "decision-recorded");
        let balance = ledger(&world, &order_id).await;
        assert_eq!(
            balance["marketplace_paid"]["amount_minor"], 4500,
            "{balance}"
        );
        assert_eq!(
            balance["due_from_merchant"]["amount_minor"], 4500,
            "{balance}"
        );
        assert_eq!(balance["refunded"]["amount_minor"], 4500, "{balance}");

        let page = mediator.follow(&done).await;
        assert!(page.has(
            "Textes appliqués\u{a0}: C.\u{a0}conso\u{a0}L216-2\u{a0}; CGV de la boutique, art. 7"
        ));
        assert!(page.has("Récupéré auprès de la boutique\u{a0}: 45,00\u{a0}€"));
        // The shop sees what it owes the marketplace.
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            page.has("Payé par la plateforme") && page.has("Dû par la boutique à la plateforme")
        );
        // The buyer is told the marketplace paid, not who pays it back.
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-PAID", "claire@exemple.fr").await;
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Payé par la plateforme\u{a0}: 45,00\u{a0}€"));
        assert!(!page.has("Récupéré auprès de la boutique") && !page.has("Dû par la boutique"));
        // In English too.
        buyer.lang = "en-GB,en;q=0.8";
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Paid by the marketplace: €45.00"), "{}", page.text);
    }
}

#[tokio::test]
async fn an_appeal_is_heard_by_another_mediator_then_the_consumer_mediator_is_offered() {
    for world in worlds().await {
        let saved = world
            .call(
                "PUT",
                "/api/v1/settings",
                &Who::OperatorKey,
                Some(&json!({"mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}})),
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let order_id = order(&world, "CMD-WEB-APPEAL", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        escalate(&world, &case_id, "arbitration").await;
        let mut mediator = Browser::staff(&world, "mediator");
        let done = act(
            &mut mediator,
            &case_id,
            "decision",
            &[
                ("outcome", "merchant_favoured"),
                ("kind", "refusal"),
                ("note", "Colis livré sans réserve"),
                (
                    "rationale",
                    "Le suivi montre une livraison sans réserve ; aucune photo du dommage.",
                ),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_done(&done, "decision-recorded");
        let page = mediator.follow(&done).await;
        assert!(page.has("Recours possible jusqu’au"));

        // The buyer lost: they may appeal, until the window closes.
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-APPEAL", "claire@exemple.fr").await;
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(
            page.has("Contester la décision") && page.has("Vous pouvez former un recours jusqu’au")
        );
        let empty = buyer_act(&mut buyer, &case_id, "recours", &[("grounds", "")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.has("Dites pourquoi la décision devrait être revue."));
        let grounds = "Le livreur a déposé le colis ouvert : j’ai des photos prises le jour même.";
        let done = buyer_act(&mut buyer, &case_id, "recours", &[("grounds", grounds)]).await;
        assert_done(&done, "appealed");
        let page = buyer.follow(&done).await;
        assert!(
            page.has("Vous avez formé un recours le")
                && page.has("Un autre médiateur le réexamine.")
        );

        // The shop won: no appeal for it. The mediator who decided does not hear the appeal.
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(!page.has("Former un recours contre la décision"));
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Formé par le client le"));
        assert!(
            !page.has("Examiner le recours"),
            "an appeal is heard by someone else"
        );

        let mut other = second_mediator(&world).await;
        let page = other.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Examiner le recours") && page.has("Décision contestée\u{a0}: Refus"));
        let short = act(
            &mut other,
            &case_id,
            "decide-appeal",
            &[("appeal", "dismissed"), ("grounds", "Rejeté.")],
        )
        .await;
        assert_eq!(short.status, 422);
        assert!(short.has("20 caractères au moins"));
        let done = act(
            &mut other,
            &case_id,
            "decide-appeal",
            &[
                ("appeal", "dismissed"),
                (
                    "grounds",
                    "Les photos ne montrent pas le colis à la livraison : la décision est confirmée.",
                ),
            ],
        )
        .await;
        assert_done(&done, "appeal-dismissed");

        // Final within the marketplace: the buyer is offered the consumer mediator and the dossier.
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Recours rejeté\u{a0}: la décision est confirmée"));
        assert!(page.has("Médiateur de la consommation") && page.has("CM2C"));
        assert!(page.has(&format!("/suivi/dossier/{case_id}/dossier.pdf")));
        assert!(!page.has("Envoyer mon recours"), "one appeal only");
        let pdf = buyer
            .get(&format!("/suivi/dossier/{case_id}/dossier.pdf"))
            .await;
        assert_eq!(pdf.status, 200, "{}", pdf.text);
        assert_eq!(pdf.content_type, "application/pdf");
        let pdf = other
            .get(&format!("/console/cases/{case_id}/dossier.pdf"))
            .await;
        assert_eq!(pdf.status, 200);
        // Someone else's dossier is not found.
        let mut stranger = Browser::new(&world);
        order(&world, "CMD-WEB-APPEAL-2", "autre@exemple.fr").await;
        buyer_of(&mut stranger, "CMD-WEB-APPEAL-2", "autre@exemple.fr").await;
        let pdf = stranger
            .get(&format!("/suivi/dossier/{case_id}/dossier.pdf"))
            .await;
        assert_eq!(pdf.status, 404);
    }
}

#[tokio::test]
async fn a_gesture_above_the_shops_threshold_waits_for_a_managers_approval() {
    for world in worlds().await {
        // The shop's manager sets the budget on the settings page.
        let mut manager = Browser::staff(&world, "merchant_admin");
        let page = manager.get("/console/settings/shop").await;
        assert!(page.has("Gestes commerciaux") && page.has("name=\"goodwill_monthly\""));
        let csrf = page.csrf();
        let refused = manager
            .post(
                "/console/settings/shop",
                &[("csrf", &csrf), ("goodwill_approval_above", "20")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Indiquez le budget mensuel auquel ce seuil s’applique."));
        let saved = manager
            .post(
                "/console/settings/shop",
                &[
                    ("csrf", &csrf),
                    ("goodwill_monthly", "100"),
                    ("goodwill_approval_above", "20"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text);
        let page = manager.get("/console/settings/shop").await;
        assert_eq!(page.value_of("goodwill_monthly"), "100,00");
        assert_eq!(page.value_of("goodwill_approval_above"), "20,00");
        let settings = world
            .get(
                &format!("/api/v1/merchants/{}/settings", world.merchant_id),
                &Who::OperatorAdmin,
            )
            .await;
        assert_eq!(
            settings.body["goodwill_budget"]["monthly"]["amount_minor"], 10000,
            "{}",
            settings.body
        );

        let order_id = order(&world, "CMD-WEB-GESTE", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut agent = Browser::staff(&world, "merchant_agent");
        let page = agent.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Demander l’approbation d’un responsable"));
        let gesture = |approval: bool| {
            let mut fields = vec![("kind", "voucher"), ("amount", "30"), ("confirm", "1")];
            if approval {
                fields.push(("request_approval", "1"));
            }
            fields
        };
        let refused = act(&mut agent, &case_id, "compensate", &gesture(false)).await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        let done = act(&mut agent, &case_id, "compensate", &gesture(true)).await;
        assert_done(&done, "approval-requested");
        let page = agent.follow(&done).await;
        assert!(page.has("Le geste commercial attend l’approbation d’un responsable."));
        assert!(page.has("Gestes commerciaux à approuver") && page.has("en attente d’approbation"));
        assert!(!page.has("Approuver le geste"), "an agent does not approve");
        assert_eq!(
            ledger(&world, &order_id).await["compensation"]["amount_minor"],
            0
        );

        let page = manager.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Approuver le geste") && page.has("Refuser le geste"));
        assert!(
            !page.has("Demander l’approbation d’un responsable"),
            "a manager needs none"
        );
        let done = act(
            &mut manager,
            &case_id,
            "approve-gesture",
            &[("approval_id", "1")],
        )
        .await;
        assert_done(&done, "gesture-approved");
        assert_eq!(
            ledger(&world, &order_id).await["compensation"]["amount_minor"],
            3000
        );

        // Another one, declined with its reason.
        let done = act(&mut agent, &case_id, "compensate", &gesture(true)).await;
        assert_done(&done, "approval-requested");
        let no_reason = act(
            &mut manager,
            &case_id,
            "decline-gesture",
            &[("approval_id", "2"), ("reason", "")],
        )
        .await;
        assert_eq!(no_reason.status, 422);
        let done = act(
            &mut manager,
            &case_id,
            "decline-gesture",
            &[("approval_id", "2"), ("reason", "Un geste suffit")],
        )
        .await;
        assert_done(&done, "gesture-declined");
        let page = manager.follow(&done).await;
        assert!(page.has("Un geste suffit"));
        assert_eq!(
            ledger(&world, &order_id).await["compensation"]["amount_minor"],
            3000
        );
    }
}

#[tokio::test]
async fn a_replacement_parcel_settles_the_incident_when_it_arrives() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-RENVOI", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        for offered in [
            "Déterminer la responsabilité",
            "Renvoyer un article",
            "Réclamation auprès du transporteur",
        ] {
            assert!(page.has(offered), "{offered} ({})", world.name);
        }
        // Delivered three days ago: the reserves to the carrier are already late.
        assert!(page.has("Réserves au transporteur"));
        let grounds = "Le colis est arrivé écrasé : le transporteur l’a abîmé.";
        let done = act(
            &mut shop,
            &case_id,
            "responsibility",
            &[("responsible", "carrier"), ("grounds", grounds)],
        )
        .await;
        assert_done(&done, "responsibility-set");

        let none = act(
            &mut shop,
            &case_id,
            "reship",
            &[("carrier", "Colissimo"), ("tracking_number", "8R00012345")],
        )
        .await;
        assert_eq!(none.status, 422);
        assert!(none.has("Choisissez au moins un article à renvoyer."));
        let too_many = act(
            &mut shop,
            &case_id,
            "reship",
            &[
                ("reship_0", "1"),
                ("reship_qty_0", "3"),
                ("carrier", "Colissimo"),
                ("tracking_number", "8R00012345"),
            ],
        )
        .await;
        assert_eq!(too_many.status, 422);
        let done = act(
            &mut shop,
            &case_id,
            "reship",
            &[
                ("reship_0", "1"),
                ("reship_qty_0", "1"),
                ("carrier", "Colissimo"),
                ("tracking_number", "8R00012345"),
            ],
        )
        .await;
        assert_done(&done, "reshipped");

        // The merchant's claim against its carrier, and the carrier's answer.
        let today = day(Timestamp::now());
        let done = act(
            &mut shop,
            &case_id,
            "carrier-claim",
            &[
                ("carrier", "Colissimo"),
                ("reference", "RECL-2026-118"),
                ("amount", "45"),
                ("reserves_sent_on", &today),
            ],
        )
        .await;
        assert_done(&done, "carrier-claim-filed");
        let done = act(
            &mut shop,
            &case_id,
            "claim-outcome",
            &[("outcome", "accepted"), ("recovered", "45")],
        )
        .await;
        assert_done(&done, "claim-outcome-recorded");
        assert_eq!(
            ledger(&world, &order_id).await["carrier_recovered"]["amount_minor"],
            4500
        );
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Colissimo, RECL-2026-118\u{a0}: 45,00\u{a0}€"));
        assert!(page.has("Récupéré auprès du transporteur"));

        // The buyer sees who is responsible, why, and the new parcel; never the claim.
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-RENVOI", "claire@exemple.fr").await;
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Responsabilité\u{a0}: Le transporteur") && page.has(grounds));
        assert!(page.has("la boutique reste tenue envers vous"));
        assert!(page.has("Colissimo 8R00012345 — en cours d’acheminement"));
        assert!(
            !page.has("RECL-2026-118"),
            "the carrier claim is the shop's business"
        );

        let done = act(
            &mut shop,
            &case_id,
            "reship-scan",
            &[("status", "delivered")],
        )
        .await;
        assert_done(&done, "reshipment-delivered");
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Colissimo 8R00012345 — livré le"));
        assert!(page.has("Dossier réglé"), "{}", page.text);
    }
}

/// An order of `days` days ago that never left the shop.
async fn unshipped_order(world: &World, number: &str, days: i64) -> String {
    let mut body = World::order_body(Some(world.merchant_id), number);
    body["order"]["buyer"]["email"] = json!("claire@exemple.fr");
    body["order"]["placed_at"] = json!(
        days_ago(days)
            .round(jiff::Unit::Second)
            .unwrap()
            .to_string()
    );
    body["order"]["shipments"] = json!([]);
    let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["order"]["id"].as_str().unwrap().to_owned()
}

/// The buyer's "not received" case on `order_id`, opened `days` days ago.
async fn not_received_since(world: &World, order_id: &str, days: i64) -> String {
    let case_id = amiable_domain::ids::CaseId::from_bytes(common::bytes());
    world
        .store
        .execute(amiable_store::CommandRequest {
            case_id,
            expected_version: Some(0),
            command: Command::Lifecycle(LifecycleCommand::Open {
                preferred: None,
                kind: CaseKind::Incident,
                reason: amiable_domain::reason::ReasonCode::parse("not_received").unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 2}])).unwrap(),
                claimed: None,
                description: amiable_domain::text::Body::parse("Je n’ai jamais reçu ma commande.")
                    .unwrap(),
                stage: None,
            }),
            actor: Actor::Buyer,
            order_id: Some(amiable_domain::ids::OrderId::parse(order_id).unwrap()),
            at: Some(days_ago(days)),
        })
        .await
        .unwrap();
    case_id.to_string()
}

#[tokio::test]
async fn a_late_order_gets_a_new_deadline_then_is_cancelled() {
    for world in worlds().await {
        let order_id = unshipped_order(&world, "CMD-WEB-RETARD", 45).await;
        let case_id = not_received_since(&world, &order_id, 2).await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-RETARD", "claire@exemple.fr").await;
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(
            page.has("Votre colis")
                && page.has("Votre commande devait être livrée au plus tard le")
        );
        assert!(page.has("L216-6") && page.has("L216-7"));
        assert!(!page.has("Annuler la commande et me faire rembourser"));
        // A deadline already passed is not a reasonable one.
        let yesterday = day(days_ago(1));
        let refused = buyer_act(
            &mut buyer,
            &case_id,
            "nouveau-delai",
            &[("deliver_by", &yesterday)],
        )
        .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"deliver_by-error\""), "{}", refused.text);
        let next_week = day(Timestamp::now() + SignedDuration::from_hours(24 * 7));
        let done = buyer_act(
            &mut buyer,
            &case_id,
            "nouveau-delai",
            &[("deliver_by", &next_week)],
        )
        .await;
        assert_done(&done, "delivery-deadline-set");
        let page = buyer.follow(&done).await;
        assert!(page.has("Vous avez donné à la boutique jusqu’au"));
        assert!(
            !page.has("Annuler la commande et me faire rembourser"),
            "not before the deadline"
        );

        // Another order, whose new deadline passed without delivery: the buyer cancels it.
        let order_id = unshipped_order(&world, "CMD-WEB-RETARD-2", 60).await;
        let case_id = not_received_since(&world, &order_id, 20).await;
        world
            .store
            .execute(amiable_store::CommandRequest {
                case_id: amiable_domain::ids::CaseId::parse(&case_id).unwrap(),
                expected_version: None,
                command: Command::from(IncidentCommand::SetDeliveryDeadline {
                    deliver_by: days_ago(12).to_zoned(jiff::tz::TimeZone::UTC).date(),
                }),
                actor: Actor::Buyer,
                order_id: None,
                at: Some(days_ago(19)),
            })
            .await
            .unwrap();
        buyer_of(&mut buyer, "CMD-WEB-RETARD-2", "claire@exemple.fr").await;
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Le délai que vous aviez donné à la boutique a expiré le"));
        assert!(page.has("Annuler la commande et me faire rembourser"));
        let done = buyer_act(&mut buyer, &case_id, "annulation-retard", &[]).await;
        assert_done(&done, "late-order-cancelled");
        let page = buyer.follow(&done).await;
        assert!(page.has("Vous avez annulé la commande pour retard de livraison"));
        // The shop sees the refund due, and the case awaits it.
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Remboursement dû le") && page.has("En attente de paiement"));
    }
}

#[tokio::test]
async fn the_marketplace_sets_the_rules_of_its_ladder_in_the_console() {
    for world in worlds().await {
        let mut admin = Browser::staff(&world, "operator_admin");
        let page = admin.get("/console/settings/marketplace").await;
        assert!(page.has("Escalade des litiges") && page.has("name=\"escalation_window_days\""));
        assert_eq!(
            page.value_of("escalation_window_days"),
            "",
            "the default is kept unsaid"
        );
        let csrf = page.csrf();
        let refused = admin
            .post(
                "/console/settings/marketplace",
                &[
                    ("csrf", &csrf),
                    ("escalation_window_days", "0"),
                    ("appeal_window_days", "dix"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"appeal_window_days-error\""));
        let refused = admin
            .post(
                "/console/settings/marketplace",
                &[("csrf", &csrf), ("escalation_window_days", "0")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.has("id=\"escalation_window_days-error\""),
            "{}",
            refused.text
        );
        let saved = admin
            .post(
                "/console/settings/marketplace",
                &[
                    ("csrf", &csrf),
                    ("escalation_window_days", "5"),
                    ("appeal_window_days", "15"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text);
        let settings = world.get("/api/v1/settings", &Who::OperatorAdmin).await;
        assert_eq!(
            settings.body["escalation_window_days"], 5,
            "{}",
            settings.body
        );
        assert_eq!(settings.body["appeal_window_days"], 15);
        let page = admin.get("/console/settings/marketplace").await;
        assert_eq!(page.value_of("appeal_window_days"), "15");
        // A mediator reads the rules, and may not change them.
        let mut mediator = Browser::staff(&world, "mediator");
        let page = mediator.get("/console/settings/marketplace").await;
        assert!(page.has("Seuls les administrateurs peuvent modifier ces réglages."));
    }
}
