//! The web interface over HTTP, as a browser without JavaScript uses it:
//! forms posted urlencoded or multipart, cookies, redirects, HTML answers.
//! Every test runs on SQLite, and on PostgreSQL when AMIABLE_TEST_DATABASE_URL is set.

mod browser;
mod common;

use amiable_domain::case::ConversationEvent;
use browser::{Browser, Page, buyer_of, order};
use common::{PASSWORD, Who, World, png, worlds};
use serde_json::{Value, json};

/// Gives the merchant a return address, so labels can be issued.
async fn return_address(world: &World) {
    let settings = json!({"return_address": {"name": "Atelier – Retours", "lines": ["12 rue de l’Église"],
                                             "postal_code": "69002", "city": "Lyon", "country": "FR"}});
    world
        .set_merchant_settings(world.merchant_id, &settings)
        .await;
}

async fn case_count(world: &World, order_id: &str) -> usize {
    world
        .store
        .cases(&amiable_store::CaseFilter {
            order_id: Some(amiable_domain::ids::OrderId::parse(order_id).unwrap()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_buyer_finds_an_order_and_cannot_reach_another() {
    for world in worlds().await {
        let mine = order(&world, "CMD-WEB-1", "claire@exemple.fr").await;
        let theirs = order(&world, "CMD-WEB-2", "paul@exemple.fr").await;
        let their_case = world.case_on(&theirs, &Who::OperatorKey).await;
        let mut buyer = Browser::new(&world);
        let path = buyer_of(&mut buyer, "CMD-WEB-1", "Claire@Exemple.fr").await;
        assert_eq!(path, format!("/suivi/commande/{mine}"), "{}", world.name);
        assert!(buyer.cookies.contains_key("amiable_buyer"));
        let page = buyer.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.has("Commande CMD-WEB-1") && page.has("Pull en laine"));
        // The candle is personalised: the page says why it cannot go back, citing the law.
        assert!(
            page.has("Non retournable\u{a0}: article personnalisé (C.\u{a0}conso\u{a0}L221-28")
        );
        assert!(page.has("90,00\u{a0}€") || page.has("45,00\u{a0}€"));
        assert_eq!(page.headers["cache-control"], "private, no-cache");
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        // Another order's id in the URL is not found, like one that does not exist.
        for other in [
            format!("/suivi/commande/{theirs}"),
            format!("/suivi/commande/{theirs}/retour"),
            format!("/suivi/dossier/{their_case}"),
            format!("/suivi/dossier/{their_case}/etiquette"),
            "/suivi/commande/00000000-0000-4000-8000-000000000000".to_owned(),
        ] {
            let page = buyer.get(&other).await;
            assert_eq!(page.status, 404, "{other}: {}", page.text);
            assert!(page.content_type.starts_with("text/html"));
            assert!(page.has("Page introuvable"), "{}", page.text);
        }
        // A wrong email and an unknown number get the same answer.
        let mut stranger = Browser::new(&world);
        let csrf = stranger.get("/suivi").await.csrf();
        let wrong_email = stranger
            .post(
                "/suivi",
                &[
                    ("csrf", &csrf),
                    ("operator", "marche"),
                    ("order_number", "CMD-WEB-1"),
                    ("email", "x@exemple.fr"),
                ],
            )
            .await;
        let unknown = stranger
            .post(
                "/suivi",
                &[
                    ("csrf", &csrf),
                    ("operator", "marche"),
                    ("order_number", "CMD-NOPE"),
                    ("email", "x@exemple.fr"),
                ],
            )
            .await;
        assert_eq!(wrong_email.status, unknown.status);
        assert_eq!(wrong_email.status, 404);
        assert!(wrong_email.has("Aucune commande ne correspond"));
        // A search that found nothing is not a form that could not be saved.
        assert!(wrong_email.has("pas pu retrouver votre commande"));
        assert!(!wrong_email.has("Votre envoi"));
        assert_eq!(
            wrong_email.text.replace("CMD-WEB-1", "CMD-NOPE"),
            unknown.text,
            "the same page whether or not the order exists"
        );
        // Without any access, the order page sends back to the lookup.
        let mut nobody = Browser::new(&world);
        let page = nobody.get(&path).await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location.as_deref(), Some("/suivi?acces=expire"));
    }
}

#[tokio::test]
async fn the_signed_link_of_an_email_opens_the_order_and_leaves_the_address_bar() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-LINK", "claire@exemple.fr").await;
        let link = world
            .post(
                &format!("/api/v1/orders/{order_id}/buyer-link"),
                &Who::MerchantKey,
                &json!({}),
            )
            .await;
        let token = link.body["token"].as_str().unwrap();
        let mut buyer = Browser::new(&world);
        let page = buyer.get(&format!("/suivi?token={token}")).await;
        assert_eq!(page.status, 303);
        assert_eq!(
            page.location.as_deref(),
            Some(format!("/suivi/commande/{order_id}").as_str())
        );
        assert_eq!(buyer.follow(&page).await.status, 200);
        // A tampered link is refused with a sentence, not an error page.
        let mut other = Browser::new(&world);
        let page = other
            .get(&format!("/suivi?token={}x", &token[..token.len() - 1]))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.has("Ce lien n&#39;est pas valable") || page.has("Ce lien n'est pas valable"));
        // Signing out forgets the order.
        let csrf = buyer
            .get(&format!("/suivi/commande/{order_id}"))
            .await
            .csrf();
        let out = buyer.post("/suivi/deconnexion", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, 303);
        assert_eq!(
            buyer
                .get(&format!("/suivi/commande/{order_id}"))
                .await
                .status,
            303
        );
    }
}

#[tokio::test]
async fn every_form_needs_its_token() {
    for world in worlds().await {
        order(&world, "CMD-WEB-CSRF", "claire@exemple.fr").await;
        let mut buyer = Browser::new(&world);
        buyer.get("/suivi").await;
        let forged = buyer
            .post(
                "/suivi",
                &[
                    ("csrf", "forged"),
                    ("order_number", "CMD-WEB-CSRF"),
                    ("email", "claire@exemple.fr"),
                ],
            )
            .await;
        assert_eq!(forged.status, 403);
        assert!(forged.has("Formulaire expiré"));
        assert!(!buyer.cookies.contains_key("amiable_buyer"));
        // A token without its cookie (another visitor's) is refused too.
        let csrf = Browser::new(&world).get("/suivi").await.csrf();
        let mut fresh = Browser::new(&world);
        let foreign = fresh
            .post(
                "/suivi",
                &[
                    ("csrf", &csrf),
                    ("order_number", "CMD-WEB-CSRF"),
                    ("email", "claire@exemple.fr"),
                ],
            )
            .await;
        assert_eq!(foreign.status, 403);
        // Staff forms need the session's token.
        let mut staff = Browser::staff(&world, "merchant_admin");
        let page = staff
            .post(
                "/console/views",
                &[("csrf", "nope"), ("name", "x"), ("query", "")],
            )
            .await;
        assert_eq!(page.status, 403);
        assert!(world.store.saved_views("nobody").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_return_with_photos_through_the_portal_and_its_refusals() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-RET", "claire@exemple.fr").await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-RET", "claire@exemple.fr").await;
        let form = buyer
            .get(&format!("/suivi/commande/{order_id}/retour"))
            .await;
        assert_eq!(form.status, 200);
        assert!(
            form.has("name=\"qty_0\"") && !form.has("name=\"qty_1\""),
            "the candle cannot be chosen"
        );
        let csrf = form.csrf();
        let path = format!("/suivi/commande/{order_id}/retour");
        // Nothing chosen: the message is beside the first line, the comment is kept, nothing is written.
        let refused = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "s1"),
                    ("qty_0", "0"),
                    ("comment", "Trop grand pour moi"),
                ],
                vec![],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Choisissez au moins un article"));
        assert!(refused.has("Trop grand pour moi"));
        assert!(refused.has("id=\"qty_0-error\""));
        // A file that is not a photo: refused before anything is written, what was typed stays.
        let refused = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "s2"),
                    ("qty_0", "2"),
                    ("reason_0", "changed_mind"),
                    ("comment", "Trop grand"),
                ],
                vec![(
                    "photos",
                    "facture.html",
                    b"<html>not a photo</html>".to_vec(),
                )],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("n&#39;est pas une photo") || refused.has("n'est pas une photo"));
        assert!(
            refused.has("<option value=\"2\" selected>"),
            "the quantity chosen stays"
        );
        // A photo over the upload limit (256 KiB in tests).
        let refused = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "s3"),
                    ("qty_0", "1"),
                    ("reason_0", "changed_mind"),
                ],
                vec![("photos", "big.png", [png(), vec![0; 300 * 1024]].concat())],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("dépasse la taille autorisée"));
        assert_eq!(
            case_count(&world, &order_id).await,
            0,
            "nothing was written"
        );
        // The real thing, with a photo; a double submission opens one return.
        let fields = [
            ("csrf", csrf.as_str()),
            ("submission", "s4"),
            ("qty_0", "2"),
            ("reason_0", "changed_mind"),
            ("preferred", "return_and_refund"),
            ("comment", "Les pulls taillent grand."),
        ];
        let first = buyer
            .post_multipart(&path, &fields, vec![("photos", "pull.png", png())])
            .await;
        assert_eq!(first.status, 303, "{}", first.text);
        let again = buyer.post_multipart(&path, &fields, vec![]).await;
        assert_eq!(again.status, 303);
        assert_eq!(first.location, again.location);
        assert_eq!(case_count(&world, &order_id).await, 1);
        let case_page = buyer.follow(&first).await;
        assert_eq!(case_page.status, 200);
        assert!(case_page.has("Votre demande de retour est enregistrée"));
        assert!(case_page.has("Les pulls taillent grand."));
        assert!(case_page.has("pull.png"));
        assert!(case_page.has("la boutique examine votre demande"));
        // The photo is served to its buyer.
        let case_id = first
            .location
            .unwrap()
            .split('/')
            .nth(3)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let timeline = world
            .store
            .timeline(amiable_domain::ids::CaseId::parse(&case_id).unwrap())
            .await
            .unwrap();
        let sha = timeline
            .iter()
            .find_map(|e| match &e.event {
                amiable_domain::case::CaseEvent::Conversation(
                    ConversationEvent::AttachmentAdded { attachment, .. },
                ) => Some(attachment.sha256.clone()),
                _ => None,
            })
            .expect("the photo is on the timeline");
        let photo = buyer
            .get(&format!("/suivi/dossier/{case_id}/fichier/{sha}"))
            .await;
        assert_eq!(photo.status, 200);
        assert_eq!(photo.content_type, "image/png");
    }
}

#[tokio::test]
async fn the_merchant_runs_a_return_to_its_refund_in_the_console() {
    for world in worlds().await {
        return_address(&world).await;
        let order_id = order(&world, "CMD-WEB-FLOW", "claire@exemple.fr").await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-FLOW", "claire@exemple.fr").await;
        let path = format!("/suivi/commande/{order_id}/retour");
        let csrf = buyer.get(&path).await.csrf();
        let opened = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "f1"),
                    ("qty_0", "2"),
                    ("reason_0", "changed_mind"),
                ],
                vec![],
            )
            .await;
        let case_path = opened.location.clone().unwrap();
        let case_id = case_path
            .split('/')
            .nth(3)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let mut staff = Browser::staff(&world, "merchant_admin");
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.has("Accepter le retour") && page.has("Refuser le retour"));
        assert!(
            !page.has(">Rembourser<"),
            "nothing to refund before the parcel is back"
        );
        let act = |action: &str| format!("/console/cases/{case_id}/do/{action}");
        let csrf = page.csrf();
        // A stale version is a conflict shown on the page, nothing changes.
        let stale = staff
            .post(&act("authorise"), &[("csrf", &csrf), ("version", "1")])
            .await;
        let version = page.version();
        if version != "1" {
            assert_eq!(stale.status, 422, "{}", stale.text);
            assert!(
                stale.has("Quelqu&#39;un a modifié ce dossier")
                    || stale.has("Quelqu'un a modifié ce dossier")
            );
        }
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        let done = staff
            .post(
                &act("authorise"),
                &[("csrf", &csrf), ("version", &page.version())],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = staff.follow(&done).await;
        assert!(page.has("Retour accepté."));
        // The buyer pays this return (statutory policy): the shop chooses to send a label.
        assert!(!page.has("Étiquette de retour émise"), "{}", world.name);
        let done = staff
            .post(
                &act("label"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("weight_grams", "800"),
                    ("parcel_count", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = staff.follow(&done).await;
        assert!(page.has("Étiquette de retour émise"), "{}", world.name);
        // The buyer downloads the label.
        let label = buyer
            .get(&format!("/suivi/dossier/{case_id}/etiquette"))
            .await;
        assert_eq!(label.status, 200);
        assert_eq!(label.content_type, "application/pdf");
        assert!(label.text.starts_with("%PDF"));
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        let v = page.version();
        let done = staff
            .post(
                &act("scan"),
                &[("csrf", &csrf), ("version", &v), ("status", "delivered")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let v = staff.follow(&done).await.version();
        // The received quantities and conditions, per line (the form's index is the order's line).
        let done = staff
            .post(
                &act("receive"),
                &[
                    ("csrf", &csrf),
                    ("version", &v),
                    ("received_0", "2"),
                    ("condition_0", "used"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let v = staff.follow(&done).await.version();
        let done = staff
            .post(
                &act("inspect"),
                &[
                    ("csrf", &csrf),
                    ("version", &v),
                    ("compliant_0", "no"),
                    ("dlabel_0", "Pull lavé, feutré"),
                    ("damount_0", "10,00"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = staff.follow(&done).await;
        let v = page.version();
        assert!(page.has("Rembourser"));
        // Money needs the confirmation: refused beside the box, nothing refunded.
        let refused = staff
            .post(&act("refund"), &[("csrf", &csrf), ("version", &v)])
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Cochez la case pour confirmer"));
        assert!(
            refused.has("<details class=\"action money\" open>"),
            "the refund form stays open"
        );
        let ledger = world
            .get(
                &format!("/api/v1/orders/{order_id}/ledger"),
                &Who::OperatorKey,
            )
            .await;
        assert_eq!(ledger.body["balance"]["refunded"]["amount_minor"], 0);
        // More than remains refundable: the decider's refusal, in French, beside the amount.
        let refused = staff
            .post(
                &act("refund"),
                &[
                    ("csrf", &csrf),
                    ("version", &v),
                    ("amount", "999,00"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("999,00"), "the amount typed stays");
        assert!(refused.has("class=\"error\""));
        // What the return calls for: 90 € less the 10 € deduction.
        let done = staff
            .post(
                &act("refund"),
                &[("csrf", &csrf), ("version", &v), ("confirm", "1")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let ledger = world
            .get(
                &format!("/api/v1/orders/{order_id}/ledger"),
                &Who::OperatorKey,
            )
            .await;
        assert_eq!(
            ledger.body["balance"]["refunded"]["amount_minor"], 8000,
            "{}",
            ledger.body
        );
        // The buyer sees the refund, its deduction and the settled case.
        let page = buyer.get(&case_path).await;
        assert!(page.has("Vos remboursements"));
        assert!(
            page.has("Remboursement de 80,00\u{a0}€ — effectué"),
            "{}",
            page.text
        );
        assert!(page.has("Pull lavé, feutré"));
        assert!(page.has("Réglé"));
    }
}

#[tokio::test]
async fn staff_sign_in_and_out() {
    for world in worlds().await {
        world
            .user_with_password(
                amiable_domain::access::Role::MerchantAgent,
                Some(world.merchant_id),
                "lea@atelier.fr",
                PASSWORD,
            )
            .await;
        let mut browser = Browser::new(&world);
        let page = browser.get("/console").await;
        assert_eq!(page.status, 303);
        assert_eq!(
            page.location.as_deref(),
            Some("/console/login?next=/console")
        );
        let form = browser
            .get("/console/login?next=/console%3Fkind%3Dreturn")
            .await;
        let csrf = form.csrf();
        let wrong = browser
            .post(
                "/console/login",
                &[
                    ("csrf", &csrf),
                    ("email", "lea@atelier.fr"),
                    ("password", "pas le bon"),
                    ("next", "/console?kind=return"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.has("ne correspondent à aucun compte"));
        assert!(
            wrong.has("value=\"lea@atelier.fr\""),
            "the email typed stays"
        );
        assert!(!wrong.has("pas le bon"), "a password is never shown back");
        let ok = browser
            .post(
                "/console/login",
                &[
                    ("csrf", &csrf),
                    ("email", "lea@atelier.fr"),
                    ("password", PASSWORD),
                    ("next", "/console?kind=return"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        assert_eq!(ok.location.as_deref(), Some("/console?kind=return"));
        assert!(browser.cookies.contains_key("amiable_session"));
        // Never to another site.
        let mut other = Browser::new(&world);
        let other_csrf = other.get("/console/login").await.csrf();
        let evil = other
            .post(
                "/console/login",
                &[
                    ("csrf", &other_csrf),
                    ("email", "lea@atelier.fr"),
                    ("password", PASSWORD),
                    ("next", "//evil.example"),
                ],
            )
            .await;
        assert_eq!(evil.location.as_deref(), Some("/console"));
        let inbox = browser.get("/console").await;
        assert_eq!(inbox.status, 200);
        assert!(inbox.has("Dossiers — atelier"));
        assert_eq!(inbox.headers["cache-control"], "no-store");
        let csrf = inbox.csrf();
        let out = browser.post("/console/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, 303);
        assert_eq!(browser.get("/console").await.status, 303);
    }
}

#[tokio::test]
async fn the_language_is_the_visitors_choice_then_their_browsers() {
    for world in worlds().await {
        let mut browser = Browser::new(&world);
        browser.lang = "en-GB,en;q=0.8";
        let page = browser.get("/suivi").await;
        assert!(page.has("<html lang=\"en\">") && page.has("Track my order"));
        let switched = browser.get("/langue/fr?next=/suivi").await;
        assert_eq!(switched.status, 303);
        assert_eq!(switched.location.as_deref(), Some("/suivi"));
        let page = browser.get("/suivi").await;
        assert!(page.has("<html lang=\"fr\">") && page.has("Suivre ma commande"));
        // The way back never leaves the site.
        let away = browser.get("/langue/en?next=https://evil.example").await;
        assert_eq!(away.location.as_deref(), Some("/suivi"));
        // Errors pages speak the visitor's language too.
        let missing = browser.get("/suivi/nulle-part").await;
        assert_eq!(missing.status, 404);
        assert!(missing.has("Page not found") || missing.has("Page introuvable"));
        // An API client still gets a problem document.
        let api = world.get("/api/v1/nowhere", &Who::Anonymous).await;
        assert_eq!(api.status, 404);
        assert_eq!(api.body["code"], "route.not_found");
    }
}

#[tokio::test]
async fn the_inbox_filters_searches_and_keeps_views() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-INBOX", "claire@exemple.fr").await;
        world.case_on(&order_id, &Who::OperatorKey).await;
        let other = world
            .order_at(world.other_merchant_id, "CMD-WEB-OTHER")
            .await;
        world.case_on(&other, &Who::OperatorKey).await;
        let mut merchant = Browser::staff(&world, "merchant_admin");
        let page = merchant.get("/console").await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("CMD-WEB-INBOX") && !page.has("CMD-WEB-OTHER"),
            "a shop sees its own cases"
        );
        assert!(page.has("data-href=\"/console/cases/"));
        let page = merchant.get("/console?q=CMD-WEB-NOPE").await;
        assert!(page.has("Aucun dossier ne correspond"));
        let page = merchant
            .get("/console?kind=incident&status=all&sort=activity")
            .await;
        assert!(page.has("CMD-WEB-INBOX"));
        // Saving the current filters as a view, then deleting it.
        let csrf = page.csrf();
        let saved = merchant
            .post(
                "/console/views",
                &[
                    ("csrf", &csrf),
                    ("name", "Mes incidents"),
                    ("query", "kind=incident&status=all&sort=activity"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303);
        let page = merchant.follow(&saved).await;
        assert!(
            page.has("Mes incidents"),
            "{}",
            &page.text[page.text.find("class=\"views\"").unwrap_or(0)..][..1500]
        );
        let chip = &page.text[page.text.find("Mes incidents").unwrap() - 120..];
        assert!(chip.contains("aria-current=\"true\"><a href=\"/console?kind=incident&#38;status=all&#38;sort=activity\">Mes incidents"), "{}", &chip[..200]);
        let session = &world.sessions["merchant_admin"];
        let user = world
            .store
            .session(&amiable_server::auth::sha256_hex(
                session.cookie.split_once('=').unwrap().1,
            ))
            .await
            .unwrap()
            .unwrap()
            .1;
        let views = world.store.saved_views(&user.id).await.unwrap();
        assert_eq!(views.len(), 1);
        let deleted = merchant
            .post(
                &format!("/console/views/{}/delete", views[0].id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(deleted.status, 303);
        assert!(world.store.saved_views(&user.id).await.unwrap().is_empty());
        // The operator sees every shop, and may narrow to one.
        let mut operator = Browser::staff(&world, "operator_admin");
        let page = operator.get("/console").await;
        assert!(page.has("CMD-WEB-INBOX") && page.has("CMD-WEB-OTHER"));
        let page = operator
            .get(&format!("/console?merchant={}", world.other_merchant_id))
            .await;
        assert!(!page.has("CMD-WEB-INBOX") && page.has("CMD-WEB-OTHER"));
        // A shop of another marketplace is not found.
        let page = operator
            .get(&format!("/console?merchant={}", world.foreign_merchant_id))
            .await;
        assert_eq!(page.status, 404);
    }
}

#[tokio::test]
async fn staff_reach_only_their_cases_and_pages() {
    for world in worlds().await {
        let other = world
            .order_at(world.other_merchant_id, "CMD-WEB-REACH")
            .await;
        let case_id = world.case_on(&other, &Who::OperatorKey).await;
        let mut merchant = Browser::staff(&world, "merchant_admin");
        assert_eq!(
            merchant
                .get(&format!("/console/cases/{case_id}"))
                .await
                .status,
            404
        );
        let csrf = merchant.get("/console").await.csrf();
        let page = merchant
            .post(
                &format!("/console/cases/{case_id}/do/note"),
                &[("csrf", &csrf), ("body", "intrusion")],
            )
            .await;
        assert_eq!(page.status, 404);
        assert_eq!(merchant.get("/console/merchants").await.status, 403);
        let mut agent = Browser::staff(&world, "merchant_agent");
        assert_eq!(agent.get("/console/settings").await.status, 403);
        let policy = agent.get("/console/policy").await;
        assert_eq!(policy.status, 200);
        assert!(
            policy.has("<fieldset disabled>"),
            "an agent reads the policy, cannot change it"
        );
        let mut foreign = Browser::staff(&world, "other_operator_admin");
        assert_eq!(
            foreign
                .get(&format!("/console/cases/{case_id}"))
                .await
                .status,
            404
        );
        // The operator steps into the case: it sees the decision form once in arbitration.
        let mut operator = Browser::staff(&world, "operator_admin");
        let page = operator.get(&format!("/console/cases/{case_id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.has("Transmettre\u{a0}: Médiation"));
        let csrf = page.csrf();
        for _ in 0..2 {
            let page = operator.get(&format!("/console/cases/{case_id}")).await;
            let done = operator
                .post(
                    &format!("/console/cases/{case_id}/do/escalate"),
                    &[
                        ("csrf", &csrf),
                        ("version", &page.version()),
                        ("reason", "Pas d'accord"),
                    ],
                )
                .await;
            assert_eq!(done.status, 303, "{}", done.text);
        }
        let page = operator.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            page.has("Rendre une décision d&#39;arbitrage")
                || page.has("Rendre une décision d'arbitrage")
        );
        let merchant_view = Browser::staff(&world, "merchant_admin");
        drop(merchant_view);
    }
}

#[tokio::test]
async fn the_buyer_escalates_and_the_mediator_answers() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-ESC", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-ESC", "claire@exemple.fr").await;
        // The shop has three working days to answer before the marketplace can be asked.
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(!page.has("Faire appel à marche"), "{}", world.name);
        assert!(page.has("Vous pourrez demander l’intervention de marche à partir du"));
        // The shop answers, and does not satisfy the buyer: the marketplace may step in.
        let mut shop = Browser::staff(&world, "merchant_agent");
        let case_page = shop.get(&format!("/console/cases/{case_id}")).await;
        let answered = shop
            .post_multipart(
                &format!("/console/cases/{case_id}/do/message"),
                &[
                    ("csrf", &case_page.csrf()),
                    ("version", &case_page.version()),
                    (
                        "body",
                        "Bonjour, le transporteur est responsable : voyez avec lui.",
                    ),
                ],
                vec![],
            )
            .await;
        assert_eq!(answered.status, 303, "{}", answered.text);
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("Faire appel à marche"));
        assert!(!page.has("Vous pourrez demander l’intervention"));
        let csrf = page.csrf();
        let empty = buyer
            .post(
                &format!("/suivi/dossier/{case_id}/escalader"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.has("Dites en quelques mots pourquoi"));
        let done = buyer
            .post(
                &format!("/suivi/dossier/{case_id}/escalader"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("reason", "La boutique ne répond pas"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let mut mediator = Browser::staff(&world, "mediator");
        let inbox = mediator.get("/console?stage=mediation").await;
        assert!(inbox.has("CMD-WEB-ESC"));
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("La boutique ne répond pas"));
        let csrf = page.csrf();
        let done = mediator
            .post_multipart(
                &format!("/console/cases/{case_id}/do/message"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("body", "Bonjour, la plateforme prend le relais."),
                ],
                vec![],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        // A macro without text sends the macro's words; an internal note stays with staff.
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        let done = mediator
            .post_multipart(
                &format!("/console/cases/{case_id}/do/note"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("body", "Vérifier le suivi Colissimo"),
                ],
                vec![],
            )
            .await;
        assert_eq!(done.status, 303);
        let page = buyer.get(&format!("/suivi/dossier/{case_id}")).await;
        assert!(page.has("La plateforme") && page.has("la plateforme prend le relais"));
        assert!(
            !page.has("Vérifier le suivi Colissimo"),
            "internal notes never reach the buyer"
        );
        let page = mediator.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("Vérifier le suivi Colissimo"));
    }
}

#[tokio::test]
async fn canned_replies_fill_an_empty_message() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-MACRO", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut staff = Browser::staff(&world, "merchant_agent");
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        assert!(page.has("data-macro-target=\"reply-body\""));
        let done = staff
            .post(
                &format!("/console/cases/{case_id}/do/message"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &page.version()),
                    // The shop's default macro (its id names the shop and the default).
                    (
                        "macro",
                        &format!("default_{}_need-photos", world.merchant_id),
                    ),
                    ("body", ""),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::OperatorKey)
            .await;
        let last = case.body["timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["type"], "message_posted");
        assert!(last["data"]["body"].as_str().unwrap().contains("photos"));
        // An empty message without a macro is refused beside the field.
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        let refused = staff
            .post(
                &format!("/console/cases/{case_id}/do/message"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &page.version()),
                    ("body", "  "),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"reply-body-error\""));
    }
}

#[tokio::test]
async fn the_policy_editor_previews_publishes_and_keeps_the_minimum() {
    for world in worlds().await {
        let mut operator = Browser::staff(&world, "operator_admin");
        let page = operator.get("/console/policy").await;
        assert_eq!(page.status, 200);
        assert!(page.has("Politique de retour minimale de la plateforme"));
        let csrf = page.csrf();
        let minimum = [
            ("csrf", csrf.as_str()),
            ("merchant", ""),
            ("window_days", "30"),
            ("label_expiry_days", "14"),
            ("return_shipping", "merchant"),
            ("restocking", "none"),
            ("intent", "publish"),
        ];
        let done = operator.post("/console/policy", &minimum).await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = operator.follow(&done).await;
        assert!(page.has("Nouvelle version publiée.") && page.has("Version 1"));
        // The merchant previews a shorter window, then cannot publish it under the minimum.
        let mut merchant = Browser::staff(&world, "merchant_admin");
        let page = merchant.get("/console/policy").await;
        let csrf = page.csrf();
        let fields = |intent: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("window_days", "20".to_owned()),
                ("label_expiry_days", "10".to_owned()),
                ("return_shipping", "buyer".to_owned()),
                ("restocking", "none".to_owned()),
                ("allowed", "store_credit".to_owned()),
                ("bonus_percent", "10".to_owned()),
                ("intent", intent.to_owned()),
            ]
        };
        let as_refs = |f: &Vec<(&'static str, String)>| {
            f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
        };
        let preview_fields = as_refs(&fields("preview"));
        let preview_refs: Vec<(&str, &str)> = preview_fields
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let preview = merchant.post("/console/policy", &preview_refs).await;
        assert_eq!(preview.status, 200);
        assert!(preview.has("Vous avez 20 jours après la livraison"));
        assert!(preview.has("majoré de 10"));
        let publish_fields = as_refs(&fields("publish"));
        let publish_refs: Vec<(&str, &str)> = publish_fields
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let refused = merchant.post("/console/policy", &publish_refs).await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(
            refused.has("id=\"window_days-error\""),
            "the undercut is shown beside the window"
        );
        assert!(refused.has("value=\"20\""), "what was typed stays");
        let versions = world
            .get(
                &format!("/api/v1/merchants/{}/return-policy", world.merchant_id),
                &Who::MerchantKey,
            )
            .await;
        assert!(versions.body["versions"].as_array().unwrap().is_empty());
        // Within the minimum it is published and becomes the policy in force.
        let mut ok = publish_fields.clone();
        ok[1].1 = "45".to_owned();
        ok[3].1 = "merchant".to_owned();
        let ok_refs: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = merchant.post("/console/policy", &ok_refs).await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = merchant.follow(&done).await;
        assert!(page.has("politique de la boutique, version 1"));
        // A window that is not a number is refused beside the field.
        let mut bad = publish_fields.clone();
        bad[1].1 = "trente".to_owned();
        let bad_refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = merchant.post("/console/policy", &bad_refs).await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("Saisissez un nombre entier"));
        // Below zero: the field says what it wants, not that the number is not one.
        bad[1].1 = "-3".to_owned();
        let bad_refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = merchant.post("/console/policy", &bad_refs).await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.has("Saisissez un nombre positif ou nul"),
            "{}",
            refused.text
        );
    }
}

#[tokio::test]
async fn operators_see_scorecards_and_manage_people_and_keys() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-SCORE", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        world
            .post(
                &format!("/api/v1/cases/{case_id}/messages"),
                &Who::MerchantAdmin,
                &json!({"body": "Bonjour, nous regardons."}),
            )
            .await;
        let mut operator = Browser::staff(&world, "operator_admin");
        let page = operator.get("/console/merchants").await;
        assert_eq!(page.status, 200);
        assert!(page.has("atelier") && page.has("fromagerie"));
        assert!(
            page.has("(1 sur 1 avec réponse)"),
            "the median counts the answered case among those of the window: {}",
            page.text
        );
        let page = operator
            .get(&format!("/console/merchants/{}", world.merchant_id))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.has("CMD-WEB-SCORE"));
        // The mediator's details, shown to buyers.
        let page = operator.get("/console/settings").await;
        let csrf = page.csrf();
        let refused = operator
            .post(
                "/console/settings/mediator",
                &[
                    ("csrf", &csrf),
                    ("name", "CM2C"),
                    ("website", "pas une adresse"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"website-error\"") && refused.has("value=\"CM2C\""));
        let done = operator
            .post(
                "/console/settings/mediator",
                &[
                    ("csrf", &csrf),
                    ("name", "CM2C"),
                    ("website", "https://www.cm2c.net"),
                    ("email", ""),
                ],
            )
            .await;
        assert_eq!(done.status, 303);
        let mut buyer = Browser::new(&world);
        let path = buyer_of(&mut buyer, "CMD-WEB-SCORE", "claire@exemple.fr").await;
        assert!(
            buyer
                .get(&path)
                .await
                .has("médiateur de la consommation\u{a0}: CM2C")
        );
        // A user; a short password is refused beside it and never shown back.
        let refused = operator
            .post(
                "/console/settings/users",
                &[
                    ("csrf", &csrf),
                    ("name", "Nina"),
                    ("email", "nina@atelier.fr"),
                    ("role", "merchant_agent"),
                    ("merchant", &world.merchant_id.to_string()),
                    ("password", "court"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("value=\"nina@atelier.fr\"") && !refused.has("court\""));
        let done = operator
            .post(
                "/console/settings/users",
                &[
                    ("csrf", &csrf),
                    ("name", "Nina"),
                    ("email", "nina@atelier.fr"),
                    ("role", "merchant_agent"),
                    ("merchant", &world.merchant_id.to_string()),
                    ("password", "une phrase assez longue"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        assert!(
            world
                .store
                .user_by_email("nina@atelier.fr")
                .await
                .unwrap()
                .is_some()
        );
        // An API key, shown once; then revoked.
        let created = operator
            .post(
                "/console/settings/api-keys",
                &[
                    ("csrf", &csrf),
                    ("name", "Synchro"),
                    ("merchant", &world.merchant_id.to_string()),
                ],
            )
            .await;
        assert_eq!(created.status, 201);
        let at = created.text.find("amk_").unwrap();
        let key: String = created.text[at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '<')
            .collect();
        assert!(
            world
                .get("/api/v1/auth/me", &Who::Bearer(key.clone()))
                .await
                .status
                == 200
        );
        let page = operator.get("/console/settings").await;
        assert!(!page.has(&key), "the key is shown once");
        let id = key.strip_prefix("amk_").unwrap().split('_').next().unwrap();
        let done = operator
            .post(
                &format!("/console/settings/api-keys/{id}/revoke"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(done.status, 303);
        assert_eq!(
            world.get("/api/v1/auth/me", &Who::Bearer(key)).await.status,
            401
        );
    }
}

#[tokio::test]
async fn pages_render_for_every_role() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-ALL", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        for (role, pages) in [
            (
                "operator_admin",
                vec![
                    "/console",
                    "/console/merchants",
                    "/console/settings",
                    "/console/policy",
                    "/console?status=all&sort=activity&overdue=1",
                ],
            ),
            (
                "mediator",
                vec!["/console", "/console/merchants", "/console/policy"],
            ),
            (
                "merchant_admin",
                vec!["/console", "/console/settings", "/console/policy"],
            ),
            ("merchant_agent", vec!["/console", "/console/policy"]),
        ] {
            let mut browser = Browser::staff(&world, role);
            for path in pages
                .into_iter()
                .chain([format!("/console/cases/{case_id}").leak() as &str])
            {
                let page = browser.get(path).await;
                assert_eq!(page.status, 200, "{role} {path}: {}", page.text);
                assert!(page.has("<main id=\"main\""), "{role} {path}");
            }
        }
        let mut buyer = Browser::new(&world);
        let path = buyer_of(&mut buyer, "CMD-WEB-ALL", "claire@exemple.fr").await;
        for page in [
            path.clone(),
            format!("{path}/retour"),
            format!("{path}/signaler"),
            format!("/suivi/dossier/{case_id}"),
            "/suivi/retractation".to_owned(),
        ] {
            let answer = buyer.get(&page).await;
            assert_eq!(answer.status, 200, "{page}: {}", answer.text);
        }
        // The model withdrawal form of the law is there.
        assert!(
            buyer
                .get("/suivi/retractation")
                .await
                .has("Je vous notifie par la présente ma rétractation")
        );
        // Assets come from the binary, with a long cache when the hash matches.
        let css = buyer.get("/assets/app.css").await;
        assert_eq!(css.status, 200);
        assert!(css.content_type.starts_with("text/css"));
        let js = buyer.get("/assets/htmx.min.js").await;
        assert!(js.text.contains("htmx"));
    }
}

#[tokio::test]
async fn a_problem_report_with_an_amount_claimed() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-PB", "claire@exemple.fr").await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-PB", "claire@exemple.fr").await;
        let path = format!("/suivi/commande/{order_id}/signaler");
        let csrf = buyer.get(&path).await.csrf();
        let refused = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "p1"),
                    ("reason", "damaged_in_transit"),
                    ("claimed", "-5"),
                    ("description", ""),
                ],
                vec![],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"claimed-error\"") && refused.has("id=\"description-error\""));
        assert!(
            refused.has("value=\"damaged_in_transit\" checked"),
            "the reason chosen stays"
        );
        let done = buyer
            .post_multipart(
                &path,
                &[
                    ("csrf", &csrf),
                    ("submission", "p2"),
                    ("reason", "damaged_in_transit"),
                    ("qty_0", "1"),
                    ("claimed", "45,00"),
                    ("description", "Le pull est arrivé déchiré."),
                ],
                vec![("photos", "dechire.png", png())],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let page = buyer.follow(&done).await;
        assert!(page.has("Incident — Endommagé pendant le transport"));
        assert!(page.has("Montant demandé\u{a0}: 45,00\u{a0}€"));
    }
}

#[tokio::test]
async fn an_incident_can_be_refunded_before_any_money_moved_on_its_order() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-INC", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut staff = Browser::staff(&world, "merchant_admin");
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        // No ledger row exists yet: the money is what was captured, nothing given back.
        assert!(
            page.has(">Rembourser<") && page.has(">Geste commercial<") && page.has(">Échanger<"),
            "{}",
            world.name
        );
        assert!(
            page.has("114,80\u{a0}€"),
            "what remains refundable is shown"
        );
        let done = staff
            .post(
                &format!("/console/cases/{case_id}/do/refund"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &page.version()),
                    ("amount", "20"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
        let ledger = world
            .get(
                &format!("/api/v1/orders/{order_id}/ledger"),
                &Who::OperatorKey,
            )
            .await;
        assert_eq!(ledger.body["balance"]["refunded"]["amount_minor"], 2000);
        // An exchange on an incident replaces the case's items.
        let other = world
            .case_on(
                &order(&world, "CMD-WEB-INC2", "claire@exemple.fr").await,
                &Who::OperatorKey,
            )
            .await;
        let page = staff.get(&format!("/console/cases/{other}")).await;
        assert!(page.has("name=\"exchange_0\""));
        let done = staff
            .post(
                &format!("/console/cases/{other}/do/exchange"),
                &[
                    ("csrf", &page.csrf()),
                    ("version", &page.version()),
                    ("exchange_0", "1"),
                    ("sku_0", "PULL-L"),
                    ("title_0", "Pull en laine, taille L"),
                    ("price_0", "45,00"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text);
    }
}

#[tokio::test]
async fn settled_cases_are_listed_by_activity() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-DONE", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let resolved = world
            .post(
                &format!("/api/v1/cases/{case_id}/resolve"),
                &Who::MerchantAdmin,
                &json!({"resolution": {"kind": "replacement", "note": "Renvoyé"}}),
            )
            .await;
        assert_eq!(resolved.status, 200, "{}", resolved.body);
        let mut staff = Browser::staff(&world, "merchant_admin");
        for path in [
            "/console?status=resolved",
            "/console?status=resolved&sort=deadline",
            "/console?status=all",
        ] {
            let page = staff.get(path).await;
            assert!(
                page.has("CMD-WEB-DONE"),
                "{path}: a settled case has no deadline but is listed"
            );
        }
    }
}

#[tokio::test]
async fn a_double_submission_attaches_its_photos_once() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-TWICE", "claire@exemple.fr").await;
        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-WEB-TWICE", "claire@exemple.fr").await;
        let path = format!("/suivi/commande/{order_id}/retour");
        let csrf = buyer.get(&path).await.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("submission", "twice"),
            ("qty_0", "1"),
            ("reason_0", "changed_mind"),
        ];
        let first = buyer
            .post_multipart(&path, &fields, vec![("photos", "a.png", png())])
            .await;
        let second = buyer
            .post_multipart(&path, &fields, vec![("photos", "a.png", png())])
            .await;
        assert_eq!((first.status, second.status), (303, 303));
        assert_eq!(first.location, second.location);
        let case_id = first
            .location
            .unwrap()
            .split('/')
            .nth(3)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let timeline = world
            .store
            .timeline(amiable_domain::ids::CaseId::parse(&case_id).unwrap())
            .await
            .unwrap();
        let photos = timeline
            .iter()
            .filter(|e| {
                matches!(
                    e.event,
                    amiable_domain::case::CaseEvent::Conversation(
                        ConversationEvent::AttachmentAdded { .. }
                    )
                )
            })
            .count();
        assert_eq!(photos, 1, "{}", world.name);
    }
}

#[tokio::test]
async fn refused_forms_say_what_was_wrong_and_write_nothing() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-REF", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut staff = Browser::staff(&world, "merchant_admin");
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        let csrf = page.csrf();
        // A version that is not one: refused, not sent without the check.
        let bad = staff
            .post(
                &format!("/console/cases/{case_id}/do/note"),
                &[("csrf", &csrf), ("version", "abc"), ("body", "x")],
            )
            .await;
        assert_eq!(bad.status, 400);
        // Money without any version: refused.
        let bare = staff
            .post(
                &format!("/console/cases/{case_id}/do/compensate"),
                &[
                    ("csrf", &csrf),
                    ("kind", "voucher"),
                    ("amount", "5"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(bare.status, 400);
        let (_, _, events) = world.counts().await;
        // A closed case takes a note but no file: the note and its file are refused together.
        for (path, body) in [
            ("resolve", json!({"resolution": {"kind": "replacement"}})),
            ("close", json!({})),
        ] {
            let reply = world
                .post(
                    &format!("/api/v1/cases/{case_id}/{path}"),
                    &Who::MerchantAdmin,
                    &body,
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        let page = staff.get(&format!("/console/cases/{case_id}")).await;
        assert!(
            !page.has("id=\"note-files\""),
            "no file input where files are not taken"
        );
        let (_, _, before) = world.counts().await;
        assert_eq!(before, events + 2);
        let refused = staff
            .post_multipart(
                &format!("/console/cases/{case_id}/do/note"),
                &[
                    ("csrf", &csrf),
                    ("version", &page.version()),
                    ("body", "Facture jointe"),
                ],
                vec![("files", "f.png", png())],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("ne reçoit plus de fichiers"));
        assert_eq!(world.counts().await.2, before, "nothing written");
        // A conflict that is not a version conflict says what it is (a duplicate email here).
        let mut operator = Browser::staff(&world, "operator_admin");
        let csrf = operator.get("/console/settings").await.csrf();
        let duplicate = operator
            .post(
                "/console/settings/users",
                &[
                    ("csrf", &csrf),
                    ("name", "Léa"),
                    ("email", "gerant@atelier.fr"),
                    ("role", "merchant_agent"),
                    ("merchant", &world.merchant_id.to_string()),
                    ("password", "une phrase assez longue"),
                ],
            )
            .await;
        assert_eq!(duplicate.status, 422, "{}", duplicate.text);
        assert!(!duplicate.has("Quelqu&#39;un a modifié") && !duplicate.has("Quelqu'un a modifié"));
        // A policy for a shop that does not exist: not found, nothing published.
        let csrf = operator.get("/console/policy").await.csrf();
        let ghost = operator
            .post(
                "/console/policy",
                &[
                    ("csrf", &csrf),
                    ("merchant", "11111111-1111-4111-8111-111111111111"),
                    ("window_days", "30"),
                    ("label_expiry_days", "14"),
                    ("return_shipping", "merchant"),
                    ("intent", "publish"),
                ],
            )
            .await;
        assert_eq!(ghost.status, 404);
        // A preview of an invalid form answers 200 with the errors (htmx swaps it).
        let preview = operator
            .post(
                "/console/policy",
                &[
                    ("csrf", &csrf),
                    ("merchant", ""),
                    ("window_days", "x"),
                    ("label_expiry_days", "14"),
                    ("intent", "preview"),
                ],
            )
            .await;
        assert_eq!(preview.status, 200);
        assert!(preview.has("Corrigez le formulaire"));
    }
}

#[tokio::test]
async fn an_expired_session_comes_back_to_the_page_and_uploads_wait_for_credentials() {
    for world in worlds().await {
        let order_id = order(&world, "CMD-WEB-EXP", "claire@exemple.fr").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let mut nobody = Browser::new(&world);
        let csrf = nobody.get("/console/login").await.csrf();
        let page = nobody
            .post(
                &format!("/console/cases/{case_id}/do/note"),
                &[("csrf", &csrf), ("body", "x")],
            )
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(
            page.location.unwrap(),
            format!("/console/login?next=/console/cases/{case_id}")
        );
        // Files are not read for someone who may not send them.
        let upload = nobody
            .post_multipart(
                &format!("/console/cases/{case_id}/do/note"),
                &[("body", "x")],
                vec![("files", "f.png", png())],
            )
            .await;
        assert_eq!(upload.status, 303);
        let upload = nobody
            .post_multipart(
                &format!("/suivi/commande/{order_id}/retour"),
                &[("qty_0", "1")],
                vec![("photos", "f.png", png())],
            )
            .await;
        assert_eq!(upload.status, 303);
        assert_eq!(upload.location.as_deref(), Some("/suivi?acces=expire"));
        assert_eq!(case_count(&world, &order_id).await, 1);
    }
}

/// The first timeline entry's `<time datetime="…">…</time>`: the instant and what it shows.
fn first_time(page: &Page) -> (jiff::Timestamp, String) {
    let entry = page
        .text
        .find("class=\"entry-head\"")
        .expect("a timeline entry");
    let start = entry + page.text[entry..].find("<time datetime=\"").unwrap() + 16;
    let rest = &page.text[start..];
    let (iso, rest) = rest.split_once("\">").unwrap();
    let shown = rest.split_once("</time>").unwrap().0;
    (iso.parse().unwrap(), shown.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_and_the_marketplace_keep_their_settings_in_the_console() {
    for world in worlds().await {
        let mut admin = Browser::staff(&world, "merchant_admin");
        let settings = admin.get("/console/settings").await;
        assert!(
            settings.has("href=\"/console/settings/shop\""),
            "{}",
            world.name
        );
        let page = admin.get("/console/settings/shop").await;
        assert_eq!(page.status, 200, "{}: {}", world.name, page.text);
        assert!(page.has("Adresse de retour") && page.has("Adresse des rétractations"));
        let csrf = page.csrf();
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("return_name", "Atelier – Retours"),
            ("return_line1", "12 rue de l’Église"),
            ("return_postal_code", ""),
            ("return_city", "Lyon"),
            ("return_country", "FR"),
            ("contact_email", "bonjour@atelier.example"),
            ("contact_phone", "04 72 00 00 00"),
            ("contact_hours", "du mardi au samedi"),
            ("time_zone", "Europe/Lyon"),
            ("language", "fr"),
            ("notice_line1", "3 place Bellecour"),
            ("notice_postal_code", "69002"),
            ("notice_city", "Lyon"),
            ("notice_country", "FR"),
        ];
        // Refused beside each field, the form kept as typed, nothing saved.
        let refused = admin.post("/console/settings/shop", &fields).await;
        assert_eq!(refused.status, 422, "{}: {}", world.name, refused.text);
        assert!(
            refused.has("id=\"return_postal_code-error\"")
                && refused.has("id=\"time_zone-error\"")
                && refused.has("value=\"du mardi au samedi\""),
            "{}",
            refused.text
        );
        let api = format!("/api/v1/merchants/{}/settings", world.merchant_id);
        assert_eq!(world.get(&api, &Who::MerchantAdmin).await.body, json!({}));
        fields[3] = ("return_postal_code", "69002");
        fields[9] = ("time_zone", "America/Martinique");
        let saved = admin.post("/console/settings/shop", &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.text);
        let back = admin.get(saved.location.as_deref().unwrap()).await;
        assert!(back.has("Réglages enregistrés") && back.has("value=\"69002\""));
        let stored = world.get(&api, &Who::MerchantAdmin).await.body;
        assert_eq!(stored["return_address"]["postal_code"], "69002");
        assert_eq!(stored["withdrawal_notice"]["address"]["city"], "Lyon");
        assert_eq!(stored["contact"]["phone"], "04 72 00 00 00");

        // The shop's staff see times in the shop's zone.
        let order_id = world.order_at(world.merchant_id, "CMD-ZONE").await;
        let case_id = world.case_on(&order_id, &Who::MerchantAdmin).await;
        let case = admin.get(&format!("/console/cases/{case_id}")).await;
        let (at, shown) = first_time(&case);
        let local = at.to_zoned(jiff::tz::TimeZone::get("America/Martinique").unwrap());
        assert!(
            shown.contains(&format!("{:02}:{:02}", local.hour(), local.minute())),
            "{}: {shown} is not {at} in Martinique",
            world.name
        );

        // An agent reads them, and may not change them.
        let mut agent = Browser::staff(&world, "merchant_agent");
        let read = agent.get("/console/settings/shop").await;
        assert_eq!(read.status, 200);
        assert!(read.has("Seuls les administrateurs") && read.has("readonly"));
        let csrf = read.csrf();
        fields[0] = ("csrf", csrf.as_str());
        assert_eq!(
            agent.post("/console/settings/shop", &fields).await.status,
            403
        );

        // The operator reaches each shop's from the shop's page, and its own.
        let mut operator = Browser::staff(&world, "operator_admin");
        let shop = operator
            .get(&format!("/console/merchants/{}", world.merchant_id))
            .await;
        assert!(shop.has(&format!(
            "/console/settings/shop?merchant={}",
            world.merchant_id
        )));
        let page = operator
            .get(&format!(
                "/console/settings/shop?merchant={}",
                world.merchant_id
            ))
            .await;
        assert!(page.has("value=\"3 place Bellecour\""));
        let page = operator.get("/console/settings/marketplace").await;
        assert_eq!(page.status, 200);
        let csrf = page.csrf();
        let saved = operator
            .post(
                "/console/settings/marketplace",
                &[
                    ("csrf", &csrf),
                    ("contact_email", "mediation@marche.example"),
                    ("contact_phone", ""),
                    ("contact_hours", ""),
                    ("time_zone", "Europe/Paris"),
                    ("language", "en"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text);
        let marketplace = world
            .get("/api/v1/settings", &Who::OperatorAdmin)
            .await
            .body;
        assert_eq!(marketplace["language"], "en");
        assert_eq!(marketplace["contact"]["email"], "mediation@marche.example");
        // A shop's people never see the marketplace's.
        assert_eq!(admin.get("/console/settings/marketplace").await.status, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_sends_the_parcel_themselves_says_so_on_the_case_page() {
    for world in worlds().await {
        return_address(&world).await;
        let order_id = world.order_at(world.merchant_id, "CMD-SELF").await;
        let token = world.buyer_token(&order_id).await;
        let opened = world
            .post(
                "/api/v1/cases",
                &Who::Buyer(token),
                &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Trop grand."}),
            )
            .await;
        assert_eq!(opened.status, 201, "{}", opened.body);
        let case_id = opened.body["case_id"].as_str().unwrap().to_owned();
        let authorised = world
            .post(
                &format!("/api/v1/cases/{case_id}/return/authorise"),
                &Who::MerchantAgent,
                &json!({}),
            )
            .await;
        assert_eq!(authorised.status, 200, "{}", authorised.body);
        let rma = authorised.body["case"]["returns"]["rma"]
            .as_str()
            .unwrap()
            .to_owned();

        let mut buyer = Browser::new(&world);
        buyer_of(&mut buyer, "CMD-SELF", "claire.martin@exemple.fr").await;
        let path = format!("/suivi/dossier/{case_id}");
        let page = buyer.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("Vous renvoyez le colis vous-même")
                && page.has("12 rue de l’Église")
                && page.has(&rma)
                && page.has("envoyez le colis à vos frais"),
            "{}: {}",
            world.name,
            page.text
        );
        // No label step for a parcel the buyer sends their own way.
        assert!(!page.has(">Étiquette</li>"), "{}", page.text);
        let csrf = page.csrf();
        let action = format!("{path}/envoi");
        let refused = buyer
            .post_multipart(
                &action,
                &[
                    ("csrf", &csrf),
                    ("carrier", "Mondial Relay"),
                    ("tracking_number", ""),
                    ("shipped_on", "2999-01-01"),
                ],
                vec![],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(
            refused.has("id=\"tracking_number-error\"")
                && refused.has("id=\"shipped_on-error\"")
                && refused.has("value=\"Mondial Relay\""),
            "{}",
            refused.text
        );
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .date()
            .to_string();
        let sent = buyer
            .post_multipart(
                &action,
                &[
                    ("csrf", &csrf),
                    ("carrier", "Mondial Relay"),
                    ("tracking_number", "MR-998877"),
                    ("shipped_on", &today),
                ],
                vec![("receipt", "recu.png", png())],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.text);
        let page = buyer.follow(&sent).await;
        assert!(
            page.has("Envoi enregistré")
                && page.has("Vous avez envoyé le colis")
                && page.has("MR-998877")
                && page.has("recu.png")
                && !page.has("Vous renvoyez le colis vous-même"),
            "{}",
            page.text
        );
        let state = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(state.body["case"]["returns"]["stage"], "in_transit");
        assert!(state.body["case"]["returns"]["shipped_at"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_shipped_order_shows_each_line_and_cancels_what_never_left() {
    for world in worlds().await {
        // The operator's own reasons, each for the products it fits.
        let reasons = json!([
            {"code": "defective.battery", "label_fr": "Batterie défectueuse", "label_en": "Faulty battery",
             "categories": ["informatique", "audio"]},
            {"code": "defective.stitching", "label_fr": "Couture défaite", "label_en": "Seam coming apart",
             "categories": ["Vetements"]}
        ]);
        world
            .store
            .raw_execute(format!(
                "UPDATE operators SET settings = '{}' WHERE id = '{}'",
                json!({"reasons": reasons}).to_string().replace('\'', "''"),
                world.operator_id
            ))
            .await
            .unwrap();
        // Pulls delivered; a plain candle in no parcel yet.
        let mut body = World::order_body(Some(world.merchant_id), "CMD-PARTIAL");
        body["order"]["shipments"][0]["lines"] = json!([{"line_id": "1", "quantity": 2}]);
        body["order"]["lines"][1]
            .as_object_mut()
            .unwrap()
            .remove("flags");
        let created = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let order_id = created.body["order"]["id"].as_str().unwrap().to_owned();

        let mut buyer = Browser::new(&world);
        let path = buyer_of(&mut buyer, "CMD-PARTIAL", "claire.martin@exemple.fr").await;
        let page = buyer.get(&path).await;
        assert_eq!(page.status, 200);
        // Each line says where it is; the order is not « livrée » as a whole.
        assert!(
            page.has("Un article n&#39;est pas encore expédié")
                || page.has("Un article n'est pas encore expédié"),
            "{}: {}",
            world.name,
            page.text
        );
        assert!(page.has("livré le") && page.has("pas encore expédié"));
        assert!(!page.has("Livrée par"));
        // One sentence per line; the articles on demand.
        assert!(page.has("vous pouvez l&#39;annuler") || page.has("vous pouvez l'annuler"));
        assert!(page.has("<details class=\"why small\"><summary>Pourquoi\u{a0}?</summary>"));
        let verdicts = page.text.matches("class=\"verdict").count();
        assert_eq!(verdicts, 2, "one sentence per line");

        // The return form: the candle can only be withdrawn from; the pulls get the
        // reasons that fit clothes (the seam, not the battery).
        let form = buyer
            .get(&format!("/suivi/commande/{order_id}/retour"))
            .await;
        let select = |index: usize| {
            let start = form
                .text
                .find(&format!("name=\"reason_{index}\""))
                .unwrap_or_else(|| panic!("reason_{index} in {}", form.text));
            let end = start + form.text[start..].find("</select>").unwrap();
            form.text[start..end].to_owned()
        };
        let pulls = select(0);
        assert!(pulls.contains("defective.stitching") && !pulls.contains("defective.battery"));
        assert!(pulls.contains("value=\"other\""));
        let candle = select(1);
        assert!(
            candle.contains("changed_mind") && !candle.contains("defective"),
            "{candle}"
        );
        // A reason the line is not offered is refused beside it.
        let csrf = form.csrf();
        let refused = buyer
            .post_multipart(
                &format!("/suivi/commande/{order_id}/retour"),
                &[
                    ("csrf", &csrf),
                    ("submission", "p1"),
                    ("qty_0", "1"),
                    ("reason_0", "defective.battery"),
                ],
                vec![],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(refused.has("id=\"reason_0-error\""));
        // Cancelling the candle: nothing to send back, no label, refunded within 14 days.
        let sent = buyer
            .post_multipart(
                &format!("/suivi/commande/{order_id}/retour"),
                &[
                    ("csrf", &csrf),
                    ("submission", "p2"),
                    ("qty_1", "1"),
                    ("reason_1", "changed_mind"),
                ],
                vec![],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.text);
        let case = buyer.follow(&sent).await;
        assert!(!case.has("Imprimez l"), "{}", case.text);
        assert!(
            case.has("Annulé avant l&#39;expédition") || case.has("Annulé avant l'expédition"),
            "{}",
            case.text
        );
        assert!(case.has("Annulation avant expédition demandée"));
        assert!(!case.has("le client garde l"));
        // The order page says the tablecloth's cancellation is asked for, not that time ran out.
        let page = buyer.get(&path).await;
        assert!(page.has("Annulation demandée"), "{}", page.text);
        // The request names what it is about.
        assert!(
            page.has("<div class=\"small\">Bougie</div>"),
            "{}",
            page.text
        );
        assert!(!page.has("Le délai de retour est dépassé"));
        let cases = world
            .get(
                &format!("/api/v1/cases?order_id={order_id}"),
                &Who::OperatorAdmin,
            )
            .await;
        let case_id = cases.body["items"][0]["case_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let state = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::OperatorAdmin)
            .await;
        assert_eq!(
            state.body["case"]["returns"]["returnless"], true,
            "{}",
            state.body
        );
        assert!(state.body["case"]["returns"]["refund_due_by"].is_string());
    }
}

/// The first link in `text` that contains `needle`, as a path and query on this server.
fn link_in(text: &str, needle: &str) -> String {
    let word = text
        .split_whitespace()
        .find(|w| w.contains(needle))
        .unwrap_or_else(|| panic!("no link with {needle} in {text}"));
    let at = word.find("/suivi").expect("a portal link");
    word[at..].to_owned()
}

async fn emails_of(world: &World, query: &str) -> Vec<Value> {
    let reply = world
        .get(
            &format!("/api/v1/deliveries?limit=500&{query}"),
            &Who::OperatorAdmin,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emailed_links_open_the_case_and_the_preferences_where_the_buyer_chooses_what_arrives() {
    for world in worlds().await {
        let app = world.state.app().clone();
        let order_id = order(&world, "CMD-WEB-PREFS", "claire@exemple.fr").await;
        let token = world.buyer_token(&order_id).await;
        let case_id = world.case_on(&order_id, &Who::Buyer(token)).await;
        app.notify_until_idle("test").await.unwrap();
        let sent = emails_of(&world, &format!("case_id={case_id}&channel=email")).await;
        let ack = sent
            .iter()
            .find(|d| d["topic"] == "case_opened")
            .expect("the acknowledgement");
        let text = ack["body_text"].as_str().unwrap();

        // The case link opens the case itself, the token out of the address bar.
        let mut buyer = Browser::new(&world);
        let page = buyer.get(&link_in(text, "dossier=")).await;
        assert_eq!(page.status, 303, "{}", world.name);
        assert_eq!(
            page.location.as_deref(),
            Some(format!("/suivi/dossier/{case_id}").as_str())
        );
        assert_eq!(buyer.follow(&page).await.status, 200);

        // The footer's link opens the preferences, with the defaults.
        let mut other = Browser::new(&world);
        let page = other.get(&link_in(text, "page=preferences")).await;
        assert_eq!(page.location.as_deref(), Some("/suivi/preferences"));
        let form = other.follow(&page).await;
        assert_eq!(form.status, 200);
        assert!(form.has("claire@exemple.fr"), "whose preferences");
        assert!(form.has(r#"name="email" value="1" checked"#));
        assert!(form.has(r#"name="updates" value="1" checked"#));
        assert!(!form.has(r#"name="sms" value="1" checked"#));
        let csrf = form.csrf();

        // Text messages without a valid number: refused beside the field, nothing saved.
        let refused = other
            .post(
                "/suivi/preferences",
                &[
                    ("csrf", &csrf),
                    ("email", "1"),
                    ("sms", "1"),
                    ("phone", "12"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", world.name);
        assert!(refused.has(r#"id="phone-error""#));
        assert!(
            refused.has(r#"name="sms" value="1" checked"#),
            "the choice stays"
        );
        let operator_id = world
            .store
            .merchant(world.merchant_id)
            .await
            .unwrap()
            .unwrap()
            .operator_id;
        let (kept, phone) = app
            .buyer_preferences(operator_id, "claire@exemple.fr")
            .await
            .unwrap();
        assert!(!kept.sms && phone.is_none());

        // No news beyond what settles the case, but text messages on this mobile.
        let saved = other
            .post(
                "/suivi/preferences",
                &[("csrf", &csrf), ("sms", "1"), ("phone", "06 12 34 56 78")],
            )
            .await;
        assert_eq!(saved.status, 303);
        assert_eq!(
            saved.location.as_deref(),
            Some("/suivi/preferences?fait=preferences-saved")
        );
        let after = other.follow(&saved).await;
        assert!(after.has("Vos préférences sont enregistrées"));
        assert!(after.has(r#"value="+33612345678""#));
        let (chosen, phone) = app
            .buyer_preferences(operator_id, "Claire@Exemple.fr")
            .await
            .unwrap();
        assert!(!chosen.email && !chosen.updates && chosen.sms);
        assert_eq!(phone.unwrap().as_str(), "+33612345678");

        // The shop writes: the message is required (email) and worth a text message.
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/messages"),
                &Who::MerchantKey,
                &json!({"body": "Nous avons bien reçu votre demande."}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        app.notify_until_idle("test").await.unwrap();
        let all = emails_of(&world, &format!("case_id={case_id}")).await;
        let about = |topic: &str, channel: &str| {
            all.iter()
                .filter(|d| d["topic"] == topic && d["channel"] == channel)
                .count()
        };
        assert_eq!(about("message_to_buyer", "email"), 1, "{}", world.name);
        assert_eq!(about("message_to_buyer", "sms"), 1, "{all:#?}");
        let sms = all.iter().find(|d| d["channel"] == "sms").unwrap();
        assert_eq!(sms["recipient"], "+33612345678");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_member_who_chose_the_daily_digest_gets_one_email_gathering_the_day() {
    for world in worlds().await {
        let app = world.state.app().clone();
        let mut agent = Browser::staff(&world, "merchant_agent");
        let page = agent.get("/console/preferences").await;
        assert_eq!(page.status, 200, "{}", world.name);
        assert!(page.has(r#"name="email" value="1" checked"#));
        assert!(page.has("résumé quotidien"), "the digest is offered");
        let saved = agent
            .post(
                "/console/preferences",
                &[
                    ("csrf", &page.csrf()),
                    ("email", "1"),
                    ("daily_digest", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303);
        assert!(
            agent
                .follow(&saved)
                .await
                .has(r#"name="daily_digest" value="1" checked"#)
        );

        let mut cases = Vec::new();
        for number in ["CMD-DIGEST-1", "CMD-DIGEST-2"] {
            let order_id = order(&world, number, "claire@exemple.fr").await;
            let token = world.buyer_token(&order_id).await;
            cases.push(world.case_on(&order_id, &Who::Buyer(token)).await);
        }
        app.notify_until_idle("test").await.unwrap();
        let held = emails_of(&world, "channel=digest").await;
        assert_eq!(held.len(), 2, "{}: {held:#?}", world.name);
        let agent_email = held[0]["recipient"].as_str().unwrap().to_owned();
        assert!(
            held.iter()
                .all(|d| d["status"] == "pending" && d["topic"] == "new_case")
        );
        let new_case_emails = emails_of(&world, "channel=email")
            .await
            .into_iter()
            .filter(|d| d["topic"] == "new_case" && d["recipient"] == agent_email.as_str())
            .count();
        assert_eq!(new_case_emails, 0, "no email each for who chose the digest");
        // Nothing leaves before 8 a.m. …
        assert_eq!(
            app.notify_digests("test", jiff::Timestamp::now())
                .await
                .unwrap(),
            0
        );
        // … then one email lists both cases.
        let tomorrow = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(25);
        assert_eq!(app.notify_digests("test", tomorrow).await.unwrap(), 1);
        assert_eq!(
            app.notify_digests("test-2", tomorrow).await.unwrap(),
            0,
            "once"
        );
        app.notify_until_idle("test").await.unwrap();
        let digests: Vec<Value> = emails_of(&world, "channel=email")
            .await
            .into_iter()
            .filter(|d| d["topic"] == "daily_digest")
            .collect();
        assert_eq!(digests.len(), 1, "{}", world.name);
        let digest = &digests[0];
        assert_eq!(digest["recipient"], agent_email.as_str());
        assert_eq!(digest["status"], "sent");
        assert!(
            digest["subject"]
                .as_str()
                .unwrap()
                .contains("(2 notifications)")
        );
        let text = digest["body_text"].as_str().unwrap();
        for case in &cases {
            assert!(text.contains(&format!("/console/cases/{case}")), "{text}");
        }
        assert!(
            emails_of(&world, "channel=digest")
                .await
                .iter()
                .all(|d| d["status"] == "sent" && d["transport"] == "digest")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_case_asks_the_buyer_how_it_went_and_staff_read_the_answer() {
    for world in worlds().await {
        let app = world.state.app().clone();
        let order_id = order(&world, "CMD-WEB-AVIS", "claire@exemple.fr").await;
        let token = world.buyer_token(&order_id).await;
        let case_id = world.case_on(&order_id, &Who::Buyer(token.clone())).await;
        let mut buyer = Browser::new(&world);
        let page = buyer
            .get(&format!("/suivi?token={token}&dossier={case_id}"))
            .await;
        let open = buyer.follow(&page).await;
        assert!(
            !open.has(r#"id="avis""#),
            "not asked while the case is open"
        );
        // Not before it is settled, by the API either.
        let early = world
            .call(
                "PUT",
                &format!("/api/v1/cases/{case_id}/feedback"),
                &Who::Buyer(token.clone()),
                Some(&json!({"rating": 5})),
            )
            .await;
        assert_eq!(early.status, 409, "{}", early.body);
        assert_eq!(early.body["code"], "feedback.case_not_settled");

        let resolved = world
            .post(
                &format!("/api/v1/cases/{case_id}/resolve"),
                &Who::MerchantKey,
                &json!({"resolution": {"kind": "replacement"}}),
            )
            .await;
        assert_eq!(resolved.status, 200, "{}", resolved.body);
        // The "case resolved" email's survey link opens the question on the case page.
        app.notify_until_idle("test").await.unwrap();
        let sent = emails_of(&world, &format!("case_id={case_id}&channel=email")).await;
        let resolved_mail = sent
            .iter()
            .find(|d| d["topic"] == "case_resolved")
            .expect("the buyer hears the case is resolved");
        let survey = link_in(resolved_mail["body_text"].as_str().unwrap(), "#avis");
        assert!(survey.contains(&format!("dossier={case_id}")), "{survey}");
        let mut other = Browser::new(&world);
        let page = other.get(&survey).await;
        assert_eq!(
            page.location.as_deref(),
            Some(format!("/suivi/dossier/{case_id}").as_str()),
            "the browser keeps #avis across the redirect"
        );
        let case_page = other.follow(&page).await;
        assert!(case_page.has(r#"id="avis""#));
        assert!(case_page.has("Êtes-vous satisfait"));
        let csrf = case_page.csrf();

        // No answer chosen: said beside the question, nothing saved.
        let refused = other
            .post(
                &format!("/suivi/dossier/{case_id}/avis"),
                &[("csrf", &csrf), ("comment", "Bien")],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", world.name);
        assert!(refused.has(r#"id="rating-error""#));
        assert!(refused.has(">Bien</textarea>"), "the comment stays");
        let none = world
            .get(
                &format!("/api/v1/cases/{case_id}/feedback"),
                &Who::MerchantKey,
            )
            .await;
        assert_eq!(none.body, Value::Null);

        let saved = other
            .post(
                &format!("/suivi/dossier/{case_id}/avis"),
                &[
                    ("csrf", &csrf),
                    ("rating", "4"),
                    ("comment", "Rapide, merci."),
                ],
            )
            .await;
        assert_eq!(saved.status, 303);
        let after = other.follow(&saved).await;
        assert!(after.has("Merci pour votre avis"));
        assert!(after.has(r#"name="rating" value="4" checked"#));
        let read = world
            .get(
                &format!("/api/v1/cases/{case_id}/feedback"),
                &Who::MerchantKey,
            )
            .await;
        assert_eq!(read.status, 200);
        assert_eq!(read.body["rating"], 4);
        assert_eq!(read.body["comment"], "Rapide, merci.");
        // Staff cannot answer for the buyer; the console shows the answer.
        let forged = world
            .call(
                "PUT",
                &format!("/api/v1/cases/{case_id}/feedback"),
                &Who::MerchantKey,
                Some(&json!({"rating": 1})),
            )
            .await;
        assert_eq!(forged.status, 403);
        let bad = world
            .call(
                "PUT",
                &format!("/api/v1/cases/{case_id}/feedback"),
                &Who::Buyer(token.clone()),
                Some(&json!({"rating": 6})),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert_eq!(bad.body["errors"][0]["field"], "rating");
        let mut agent = Browser::staff(&world, "merchant_agent");
        let console = agent.get(&format!("/console/cases/{case_id}")).await;
        assert_eq!(console.status, 200);
        assert!(console.has("4 sur 5"), "{}", world.name);
        assert!(console.has("Rapide, merci."));
        // The messages the case caused, from its page to each one and to the whole list.
        assert!(console.has("Messages envoyés"));
        let subject = resolved_mail["subject"].as_str().unwrap();
        assert!(console.has(subject), "{subject}");
        assert!(console.has(&format!("/console/mail/{}", resolved_mail["id"])));
        let all = agent.get(&format!("/console/mail?dossier={case_id}")).await;
        assert_eq!(all.status, 200);
        assert!(all.has(subject));
    }
}
