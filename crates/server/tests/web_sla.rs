//! Service levels in the console, as a browser without JavaScript uses it: the
//! inbox's badges and its order by the nearest SLA deadline (keyset pages,
//! cases without a due date last), the case's « Délais » panel and its clocks'
//! pauses on the timeline, the SLA settings (hours and policies), the
//! automation rules and the quality thresholds refused beside their fields and
//! saved through the API's use cases, and a shop's quality. On SQLite, and on
//! PostgreSQL when AMIABLE_TEST_DATABASE_URL is set.

mod browser;
mod common;

use amiable_store::{CaseFilter, CaseSort};
use browser::{Browser, order};
use common::{Who, worlds};

fn fields<'a>(pairs: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn the_sla_settings_refuse_overlapping_hours_beside_the_day_then_save() {
    for world in worlds().await {
        let name = world.name;
        let mut admin = Browser::staff(&world, "operator_admin");
        let page = admin.get("/console/settings/sla").await;
        assert_eq!(page.status, 200, "{name}: {}", page.text);
        // The defaults are shown: Monday to Friday, 9–12 and 14–18, Paris, French holidays.
        assert_eq!(page.value_of("week_monday_0_from"), "09:00");
        assert_eq!(page.value_of("week_friday_1_to"), "18:00");
        assert!(page.has("name=\"policy_0_marketplace_response_within\""));
        let csrf = world.sessions["operator_admin"].csrf.clone();
        let mut form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("time_zone", "Europe/Paris".into()),
            ("holidays", "france".into()),
            ("week_monday_0_from", "09:00".into()),
            ("week_monday_0_to", "12:30".into()),
            ("week_monday_1_from", "12:00".into()),
            ("week_monday_1_to", "18:00".into()),
            ("policy_0_name", "Incidents urgents".into()),
            ("policy_0_kind", "incident".into()),
            ("policy_0_max", "".into()),
            ("policy_0_first_response_within", "4h".into()),
            ("policy_0_first_response_clock", "business".into()),
            ("policy_0_first_response_warn", "1h".into()),
        ];
        let refused = admin.post("/console/settings/sla", &fields(&form)).await;
        assert_eq!(refused.status, 422, "{name}: {}", refused.text);
        assert!(
            refused.has("<span class=\"error\" id=\"week_monday-error\">Les créneaux d’une même journée ne doivent pas se chevaucher.</span>"),
            "{name}: {}",
            refused.text
        );
        assert!(
            refused.has("<a href=\"#week_monday\">"),
            "{name}: the summary links to the day"
        );
        assert_eq!(
            refused.value_of("week_monday_1_from"),
            "12:00",
            "{name}: what was typed stays"
        );
        assert_eq!(refused.value_of("policy_0_name"), "Incidents urgents");
        // Nothing was written.
        let stored = world.get("/api/v1/sla/settings", &Who::OperatorKey).await;
        assert!(
            stored.body["policies"]
                .as_array()
                .is_none_or(|p| p.is_empty()),
            "{name}"
        );
        // In English, the catalogue's English.
        admin.cookies.insert("amiable_lang".into(), "en".into());
        let refused = admin.post("/console/settings/sla", &fields(&form)).await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("<span class=\"error\" id=\"week_monday-error\">Shifts of one day must not overlap.</span>"), "{name}");
        // A target of nothing, and a warning after the breach, beside their fields.
        form[5].1 = "13:30".into();
        form[10].1 = "0h".into();
        let refused = admin.post("/console/settings/sla", &fields(&form)).await;
        assert_eq!(refused.status, 422);
        assert!(refused.has("id=\"policy_0_first_response_within-error\">A target is more than zero and at most a year.</span>"), "{name}: {}", refused.text);
        // Valid: saved through the API's use case, read back by the API.
        form[10].1 = "4h".into();
        let saved = admin.post("/console/settings/sla", &fields(&form)).await;
        assert_eq!(saved.status, 303, "{name}: {}", saved.text);
        assert_eq!(
            saved.location.as_deref(),
            Some("/console/settings/sla?fait=sla-saved")
        );
        let stored = world.get("/api/v1/sla/settings", &Who::OperatorKey).await;
        assert_eq!(
            stored.body["hours"]["week"]["monday"],
            serde_json::json!(["09:00-12:30", "13:30-18:00"]),
            "{name}"
        );
        assert!(
            stored.body["hours"]["week"]["tuesday"].is_null(),
            "{name}: a day without shifts is closed"
        );
        let policy = &stored.body["policies"][0];
        assert_eq!(policy["name"], "Incidents urgents");
        assert_eq!(
            policy["conditions"]["kinds"],
            serde_json::json!(["incident"])
        );
        assert_eq!(policy["targets"]["first_response"]["within"], "4h");
        assert_eq!(policy["targets"]["first_response"]["warn_before"], "1h");
        let page = admin.get("/console/settings/sla?fait=sla-saved").await;
        assert!(page.has("Service levels saved"), "{name}");
        assert_eq!(page.value_of("policy_0_first_response_within"), "4h");
        assert!(
            page.has("name=\"policy_1_name\""),
            "{name}: a blank policy for the next one"
        );

        // A shop's administrator edits the shop's own, without the marketplace's target.
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get("/console/settings/sla").await;
        assert_eq!(page.status, 200, "{name}");
        assert!(!page.has("_marketplace_response_within"), "{name}");
        let csrf = world.sessions["merchant_admin"].csrf.clone();
        let saved = shop
            .post(
                "/console/settings/sla",
                &[
                    ("csrf", &csrf),
                    ("time_zone", "Europe/Paris"),
                    ("holidays", "alsace_moselle"),
                    ("week_saturday_0_from", "10h"),
                    ("week_saturday_0_to", "18h30"),
                    ("policy_0_marketplace_response_within", "1h"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{name}: {}", saved.text);
        let stored = world
            .get(
                &format!("/api/v1/merchants/{}/sla/settings", world.merchant_id),
                &Who::MerchantKey,
            )
            .await;
        assert_eq!(stored.body["hours"]["holidays"], "alsace_moselle", "{name}");
        assert_eq!(
            stored.body["hours"]["week"]["saturday"],
            serde_json::json!(["10:00-18:30"])
        );
        assert!(
            stored.body["policies"]
                .as_array()
                .is_none_or(|p| p.is_empty()),
            "{name}"
        );
        // An agent reads them, and changes nothing.
        let mut agent = Browser::staff(&world, "merchant_agent");
        let page = agent.get("/console/settings/sla").await;
        assert_eq!(page.status, 200, "{name}");
        assert!(page.has("readonly"), "{name}");
        let csrf = world.sessions["merchant_agent"].csrf.clone();
        let refused = agent
            .post(
                "/console/settings/sla",
                &[("csrf", &csrf), ("time_zone", "UTC")],
            )
            .await;
        assert_eq!(refused.status, 403, "{name}");
    }
}

#[tokio::test]
async fn automation_rules_that_would_set_themselves_off_are_refused_beside_the_rule() {
    for world in worlds().await {
        let name = world.name;
        let mut admin = Browser::staff(&world, "operator_admin");
        let page = admin.get("/console/settings/automation").await;
        assert_eq!(page.status, 200, "{name}: {}", page.text);
        // amiable's default rule is shown, and a blank one for a new rule.
        assert_eq!(page.value_of("rule_0_id"), "news-before-day-7");
        assert!(page.has("name=\"rule_1_id\""));
        let csrf = world.sessions["operator_admin"].csrf.clone();
        let mut form: Vec<(&str, String)> = vec![
            ("csrf", csrf),
            ("rule_0_id", "news-before-day-7".into()),
            ("rule_0_name", "Nouvelles avant le 7ᵉ jour".into()),
            ("rule_0_enabled", "1".into()),
            ("rule_0_on", "silence".into()),
            ("rule_0_for", "6d".into()),
            ("rule_0_action", "status_update".into()),
            ("rule_1_id", "echo".into()),
            ("rule_1_name", "Écho".into()),
            ("rule_1_enabled", "1".into()),
            ("rule_1_on", "event".into()),
            ("rule_1_event", "status_update_sent".into()),
            ("rule_1_action", "status_update".into()),
        ];
        let refused = admin
            .post("/console/settings/automation", &fields(&form))
            .await;
        assert_eq!(refused.status, 422, "{name}: {}", refused.text);
        assert!(refused.has("<span class=\"error\" id=\"rule_1_actions-error\">Ses actions la déclencheraient à nouveau (directement ou par d’autres règles).</span>"), "{name}: {}", refused.text);
        assert!(refused.has("<a href=\"#rule_1_actions\">"), "{name}");
        // Listening to the buyer's own messages breaks the loop; a person or a team to assign.
        form[11].1 = "message_posted".into();
        form.push(("rule_1_by", "buyer".into()));
        form[12].1 = "notify_merchant".into();
        let saved = admin
            .post("/console/settings/automation", &fields(&form))
            .await;
        assert_eq!(saved.status, 303, "{name}: {}", saved.text);
        let stored = world
            .get("/api/v1/automation/rules", &Who::OperatorKey)
            .await;
        let rules = stored.body.as_array().cloned().unwrap_or_default();
        assert_eq!(rules.len(), 2, "{name}: {}", stored.body);
        assert_eq!(rules[1]["when"]["event"], "message_posted");
        assert_eq!(rules[1]["when"]["by"], "buyer");
        assert_eq!(rules[1]["actions"][0]["do"], "notify");
        // A shop's people do not reach the marketplace's rules.
        let mut shop = Browser::staff(&world, "merchant_admin");
        assert_eq!(
            shop.get("/console/settings/automation").await.status,
            404,
            "{name}"
        );
    }
}

#[tokio::test]
async fn quality_thresholds_out_of_range_are_refused_and_a_shop_reads_its_standing() {
    for world in worlds().await {
        let name = world.name;
        let mut admin = Browser::staff(&world, "operator_admin");
        let page = admin.get("/console/settings/quality").await;
        assert_eq!(page.status, 200, "{name}: {}", page.text);
        assert_eq!(page.value_of("window_days"), "30");
        let csrf = world.sessions["operator_admin"].csrf.clone();
        let mut form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("window_days", "30".into()),
            ("q_first_response_breach_rate_on", "1".into()),
            ("q_first_response_breach_rate_warning", "120".into()),
            ("q_first_response_breach_rate_restriction", "130".into()),
            ("q_first_response_breach_rate_min", "".into()),
            ("restriction", "suspendue des nouvelles commandes".into()),
        ];
        let refused = admin
            .post("/console/settings/quality", &fields(&form))
            .await;
        assert_eq!(refused.status, 422, "{name}: {}", refused.text);
        assert!(refused.has("id=\"q_first_response_breach_rate_warning-error\">Un pourcentage de 0 à 100.</span>"), "{name}: {}", refused.text);
        form[3].1 = "12,5".into();
        form[4].1 = "30".into();
        let saved = admin
            .post("/console/settings/quality", &fields(&form))
            .await;
        assert_eq!(saved.status, 303, "{name}: {}", saved.text);
        let stored = world
            .get("/api/v1/quality/settings", &Who::OperatorKey)
            .await;
        assert_eq!(
            stored.body["thresholds"][0]["warning_percent"], 12.5,
            "{name}"
        );
        assert_eq!(stored.body["thresholds"].as_array().unwrap().len(), 1);

        // The shops' standing on the list, the figures on the shop's page, re-evaluated.
        let list = admin.get("/console/merchants").await;
        assert!(list.has("badge standing-good"), "{name}");
        let shop_page = format!("/console/merchants/{}", world.merchant_id);
        let page = admin.get(&shop_page).await;
        assert_eq!(page.status, 200, "{name}");
        assert!(
            page.has("id=\"quality\"") && page.has("Réévaluer maintenant"),
            "{name}"
        );
        assert!(page.has("1ʳᵉ réponse hors délai"), "{name}");
        let evaluated = admin
            .post(
                "/console/quality/evaluate",
                &[
                    ("csrf", &csrf),
                    ("merchant", &world.merchant_id.to_string()),
                ],
            )
            .await;
        assert_eq!(evaluated.status, 303, "{name}: {}", evaluated.text);
        assert_eq!(
            evaluated.location.unwrap(),
            format!("{shop_page}?fait=quality-evaluated#quality")
        );
        // The shop's own people read theirs.
        let mut shop = Browser::staff(&world, "merchant_admin");
        let page = shop.get("/console/quality").await;
        assert_eq!(page.status, 200, "{name}: {}", page.text);
        assert!(
            page.has("Qualité de service") && page.has("en règle"),
            "{name}"
        );
        assert!(
            page.has("href=\"/console/quality\""),
            "{name}: in the navigation"
        );
        // The marketplace's people are sent to the shops.
        assert_eq!(admin.get("/console/quality").await.status, 303);
    }
}

#[tokio::test]
async fn the_inbox_shows_targets_in_words_and_pages_by_the_nearest_sla_deadline() {
    for world in worlds().await {
        let name = world.name;
        let mut ids = Vec::new();
        for i in 0..5 {
            let order_id = order(&world, &format!("CMD-SLA-{i}"), "claire@exemple.fr").await;
            let buyer = Who::Buyer(world.buyer_token(&order_id).await);
            ids.push(world.case_on(&order_id, &buyer).await);
        }
        // The shop answers two of them: their clocks wait on the buyer, with no due date.
        for id in &ids[..2] {
            let reply = world
                .post(
                    &format!("/api/v1/cases/{id}/messages"),
                    &Who::MerchantKey,
                    &serde_json::json!({"body": "Pouvez-vous nous envoyer une photo ?"}),
                )
                .await;
            assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        }
        let mut staff = Browser::staff(&world, "merchant_admin");
        let page = staff.get("/console?sort=sla").await;
        assert_eq!(page.status, 200, "{name}: {}", page.text);
        assert!(
            page.has("<option value=\"sla\" selected>Échéance SLA la plus proche</option>"),
            "{name}"
        );
        assert!(
            page.has("class=\"sla-badge sla-running\" title=\"Échéance\u{a0}: "),
            "{name}: {}",
            page.text
        );
        assert!(page.has(">1ʳᵉ réponse dans "), "{name}");
        assert!(page.has(">En pause (attente du client)<"), "{name}");
        // Undated cases come after the dated ones.
        let first_paused = page
            .text
            .find("CMD-SLA-0")
            .unwrap()
            .min(page.text.find("CMD-SLA-1").unwrap());
        for i in 2..5 {
            assert!(
                page.text.find(&format!("CMD-SLA-{i}")).unwrap() < first_paused,
                "{name}"
            );
        }
        // Page by page (two at a time), every case once, nearest first, the undated last.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = world
                .store
                .cases(&CaseFilter {
                    operator_id: Some(world.operator_id),
                    merchant_id: Some(world.merchant_id),
                    sort: CaseSort::SlaDue,
                    after,
                    limit: 2,
                    ..CaseFilter::default()
                })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = last.cursor(CaseSort::SlaDue);
            seen.extend(page.iter().map(|c| (c.case_id.to_string(), c.sla_due_at)));
            if page.len() < 2 {
                break;
            }
        }
        assert_eq!(seen.len(), 5, "{name}: {seen:?}");
        let mut unique: Vec<_> = seen.iter().map(|(id, _)| id.clone()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 5, "{name}: {seen:?}");
        let dates: Vec<_> = seen.iter().map(|(_, due)| *due).collect();
        assert!(
            dates[..3].iter().all(Option::is_some) && dates[3..].iter().all(Option::is_none),
            "{name}: {dates:?}"
        );
        assert!(
            dates[..3].windows(2).all(|w| w[0] <= w[1]),
            "{name}: {dates:?}"
        );

        // The case page: the « Délais » panel, and the clocks' pauses among the events.
        let page = staff.get(&format!("/console/cases/{}", ids[0])).await;
        assert_eq!(page.status, 200, "{name}");
        assert!(page.has("<h2 id=\"sla-h\">Délais</h2>"), "{name}");
        assert!(page.has("1ʳᵉ réponse") && page.has("tenu"), "{name}");
        assert!(
            page.has("Horloge «\u{a0}résolution\u{a0}» en pause (en attente du client)"),
            "{name}: {}",
            page.text
        );
        // The buyer never sees them.
        let mut buyer = Browser::new(&world);
        let path = browser::buyer_of(&mut buyer, "CMD-SLA-0", "claire@exemple.fr").await;
        let _ = buyer.get(&path).await;
        let case = buyer.get(&format!("/suivi/dossier/{}", ids[0])).await;
        assert_eq!(case.status, 200, "{name}");
        assert!(!case.has("Horloge"), "{name}");
    }
}
