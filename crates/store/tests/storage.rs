//! The storage suite: every test runs on SQLite, and on PostgreSQL when
//! AMIABLE_TEST_DATABASE_URL is set.

mod fixtures;

use amiable_domain::case::{
    CaseKind, CaseStatus, Command, Resolution, ResolutionKind, automation::AUTO_CLOSE_JOB,
};
use amiable_domain::case::{EscalationCommand, LifecycleCommand};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_store::testing::test_stores;
use amiable_store::{Backend, CaseFilter, CommandError, StoreError};
use fixtures::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent() {
    for t in test_stores().await {
        assert_eq!(t.store.migrate().await.unwrap(), 0, "{}", t.name);
        t.store.ping().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_upsert_by_external_id_and_reject_bad_input() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let first = store
            .upsert_order(
                tenant.operator_id,
                tenant.merchant_id,
                &order_input("CMD-1"),
                OrderId::from_bytes(random_bytes()),
            )
            .await
            .unwrap();
        assert!(first.created);
        let mut changed = order_input("CMD-1");
        changed.buyer.name = "Claire Dupont".into();
        let second = store
            .upsert_order(
                tenant.operator_id,
                tenant.merchant_id,
                &changed,
                OrderId::from_bytes(random_bytes()),
            )
            .await
            .unwrap();
        assert_eq!(
            (second.order_id, second.created),
            (first.order_id, false),
            "{}",
            t.name
        );
        let stored = store.order(first.order_id).await.unwrap().unwrap();
        assert_eq!(stored.order.buyer.name.as_str(), "Claire Dupont");
        assert_eq!(stored.order.id, first.order_id);
        assert_eq!(store.count_orders().await.unwrap(), 1);

        let mut bad = order_input("CMD-2");
        bad.lines[0].quantity = -3;
        match store
            .upsert_order(
                tenant.operator_id,
                tenant.merchant_id,
                &bad,
                OrderId::from_bytes(random_bytes()),
            )
            .await
        {
            Err(StoreError::Invalid(errors)) => assert_eq!(errors.0[0].field, "lines[0].quantity"),
            other => panic!("{other:?}"),
        }
        let other_tenant = tenant_with_other_operator(store).await;
        let foreign = store
            .upsert_order(
                other_tenant,
                tenant.merchant_id,
                &order_input("CMD-3"),
                OrderId::from_bytes(random_bytes()),
            )
            .await;
        assert!(
            matches!(foreign, Err(StoreError::NotFound("merchant"))),
            "{foreign:?}"
        );
        assert_eq!(
            store.count_orders().await.unwrap(),
            1,
            "{}: failed upserts wrote nothing",
            t.name
        );
    }
}

async fn tenant_with_other_operator(
    store: &amiable_store::Store,
) -> amiable_domain::ids::OperatorId {
    tenant(store).await.operator_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_timeline_is_appended_chained_and_projected() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let opened = open_case(store, order_id).await;
        assert_eq!(opened.version, 1);
        let case_id = opened.case_id;
        let reply = store
            .execute(request(
                case_id,
                Some(1),
                message("Bonjour, voici l'étiquette."),
                merchant(),
            ))
            .await
            .unwrap();
        assert_eq!(reply.version, 2);
        // Terms that move no money settle the case when accepted.
        let offer = Command::Escalation(EscalationCommand::ProposeOffer {
            terms: Resolution::simple(ResolutionKind::Repair),
            message: None,
        });
        store
            .execute(request(case_id, Some(2), offer, merchant()))
            .await
            .unwrap();
        let accepted = store
            .execute(request(
                case_id,
                Some(3),
                Command::Escalation(EscalationCommand::AcceptOffer { offer_id: 1 }),
                amiable_domain::case::Actor::Buyer,
            ))
            .await
            .unwrap();
        assert_eq!(accepted.state.status, CaseStatus::Resolved);

        let timeline = store.timeline(case_id).await.unwrap();
        let types: Vec<&str> = timeline.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "opened",
                "message_posted",
                "offer_proposed",
                "offer_accepted"
            ],
            "{}",
            t.name
        );
        assert_eq!(timeline[0].prev_hash, "0".repeat(64));
        for pair in timeline.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        let record = store.case(case_id).await.unwrap().unwrap();
        assert_eq!(record.state, accepted.state);
        assert_eq!(record.last_hash, timeline[3].hash);
        assert_eq!(record.order_external_id, "CMD-1");

        let summary = store.order(order_id).await.unwrap().unwrap();
        assert_eq!(
            (summary.open_cases, summary.total_cases),
            (0, 1),
            "{}",
            t.name
        );
        let rows = store
            .cases(&CaseFilter {
                merchant_id: Some(tenant.merchant_id),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].status, rows[0].kind, rows[0].version),
            (CaseStatus::Resolved, CaseKind::Incident, 4)
        );
        assert_eq!(rows[0].resolution_kind.as_deref(), Some("repair"));

        // Resolving scheduled the auto-close timer in the same transaction.
        let jobs = store.case_jobs(&case_id.to_string()).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].0, AUTO_CLOSE_JOB);

        let report = store.verify().await.unwrap();
        assert!(report.is_ok(), "{}: {:?}", t.name, report.problems);
        assert_eq!((report.cases, report.events), (1, 4));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_versions_conflict_and_rejections_write_nothing() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let case_id = open_case(store, order_id).await.case_id;
        store
            .execute(request(case_id, Some(1), message("Premier"), merchant()))
            .await
            .unwrap();

        let stale = store
            .execute(request(case_id, Some(1), message("Trop tard"), merchant()))
            .await;
        assert!(
            matches!(stale, Err(CommandError::Conflict { current_version: 2 })),
            "{}: {stale:?}",
            t.name
        );

        let rejected = store
            .execute(request(
                case_id,
                Some(2),
                Command::Lifecycle(LifecycleCommand::Close),
                merchant(),
            ))
            .await;
        match rejected {
            Err(CommandError::Rejected(rejection)) => {
                assert_eq!(rejection.code(), "case.invalid_status")
            }
            other => panic!("{other:?}"),
        }
        let missing = store
            .execute(request(
                CaseId::from_bytes(random_bytes()),
                Some(3),
                message("?"),
                merchant(),
            ))
            .await;
        assert!(
            matches!(missing, Err(CommandError::CaseNotFound)),
            "{missing:?}"
        );

        let mut no_order = request(
            CaseId::from_bytes(random_bytes()),
            Some(0),
            open_command(),
            amiable_domain::case::Actor::Buyer,
        );
        no_order.order_id = Some(OrderId::from_bytes(random_bytes()));
        assert!(matches!(
            store.execute(no_order).await,
            Err(CommandError::OrderNotFound)
        ));

        assert_eq!(store.timeline(case_id).await.unwrap().len(), 2);
        assert_eq!(store.count_events().await.unwrap(), 2, "{}", t.name);
        assert_eq!(store.count_cases().await.unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_on_one_case_never_lose_a_write() {
    for t in test_stores().await {
        let store = t.store.clone();
        let tenant = tenant(&store).await;
        let order_id = order(&store, &tenant, "CMD-1").await;
        let case_id = open_case(&store, order_id).await.case_id;

        // 40 writers all claim to have seen version 1: exactly one wins.
        let racers: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .execute(request(
                            case_id,
                            Some(1),
                            message(&format!("Réponse {i}")),
                            merchant(),
                        ))
                        .await
                })
            })
            .collect();
        let mut won = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Ok(_) => won += 1,
                Err(CommandError::Conflict { current_version }) => assert_eq!(current_version, 2),
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(won, 1, "{}", t.name);

        // 60 writers without a version check all land, each at its own sequence number.
        let writers: Vec<_> = (0..60)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .execute(request(
                            case_id,
                            None,
                            message(&format!("Message {i}")),
                            merchant(),
                        ))
                        .await
                })
            })
            .collect();
        let mut versions = Vec::new();
        for writer in writers {
            versions.push(writer.await.unwrap().unwrap().version);
        }
        versions.sort();
        assert_eq!(versions, (3..=62).collect::<Vec<_>>(), "{}", t.name);
        assert!(store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_handles_many_cases_at_once() {
    for t in test_stores().await {
        let store = t.store.clone();
        let (order_id, cases) = order_with_cases(&store, 20).await;
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let store = store.clone();
                let case_id = cases[i % cases.len()];
                tokio::spawn(async move {
                    store
                        .execute(request(case_id, None, message("Suivi"), merchant()))
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.count_events().await.unwrap(), 420, "{}", t.name);
        let summary = store.order(order_id).await.unwrap().unwrap();
        assert_eq!((summary.open_cases, summary.total_cases), (20, 20));
        let report = store.verify().await.unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.cases, 20);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_log_is_append_only_in_the_database() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let case_id = open_case(store, order_id).await.case_id;
        let update = store
            .raw_execute(format!(
                "UPDATE case_events SET payload = '{{}}' WHERE case_id = '{case_id}'"
            ))
            .await;
        assert!(
            update.unwrap_err().to_string().contains("append-only"),
            "{}",
            t.name
        );
        let delete = store
            .raw_execute(format!(
                "DELETE FROM case_events WHERE case_id = '{case_id}'"
            ))
            .await;
        assert!(
            delete.unwrap_err().to_string().contains("append-only"),
            "{}",
            t.name
        );
        if store.backend() == Backend::Postgres {
            assert!(
                store
                    .raw_execute("TRUNCATE case_events".into())
                    .await
                    .is_err()
            );
        }
        assert_eq!(store.timeline(case_id).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_altered_event() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let case_id = open_case(store, order_id).await.case_id;
        for i in 0..4 {
            merchant_posts(store, case_id, &format!("Message {i}"))
                .await
                .unwrap();
        }
        let untouched = open_case(store, order_id).await.case_id;
        assert!(store.verify().await.unwrap().is_ok());

        // Someone with direct database access disables the guard and rewrites history.
        disable_append_only_guard(store).await;
        store
            .raw_execute(format!(
                "UPDATE case_events SET payload = '{{\"body\":\"Message falsifié\"}}' WHERE case_id = '{case_id}' AND seq = 3"
            ))
            .await
            .unwrap();
        let report = store.verify().await.unwrap();
        assert_eq!(
            report.problems.len(),
            1,
            "{}: {:?}",
            t.name,
            report.problems
        );
        let problem = &report.problems[0];
        assert_eq!(
            (problem.case_id.as_str(), problem.seq),
            (case_id.to_string().as_str(), Some(3))
        );
        assert!(problem.problem.contains("altered"));
        assert!(
            !report
                .problems
                .iter()
                .any(|p| p.case_id == untouched.to_string())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_notices_removed_events_and_drifted_projections() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let case_id = open_case(store, order_id).await.case_id;
        store
            .execute(request(case_id, None, message("Un"), merchant()))
            .await
            .unwrap();
        store
            .execute(request(case_id, None, message("Deux"), merchant()))
            .await
            .unwrap();
        disable_append_only_guard(store).await;
        store
            .raw_execute(format!(
                "DELETE FROM case_events WHERE case_id = '{case_id}' AND seq = 3"
            ))
            .await
            .unwrap();
        let report = store.verify().await.unwrap();
        assert_eq!(report.problems.len(), 1, "{}", t.name);
        assert!(
            report.problems[0].problem.contains("events removed"),
            "{:?}",
            report.problems
        );

        let second = open_case(store, order_id).await.case_id;
        store.raw_execute(format!("UPDATE cases SET state = REPLACE(state, '\"open\"', '\"closed\"') WHERE id = '{second}'")).await.unwrap();
        let report = store.verify().await.unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.case_id == second.to_string() && p.problem.contains("projection")),
            "{}: {:?}",
            t.name,
            report.problems
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_and_closing_keep_the_order_summary_right() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let a = open_case(store, order_id).await.case_id;
        let b = open_case(store, order_id).await.case_id;
        let refund = Resolution {
            amount: None,
            ..Resolution::simple(ResolutionKind::FullRefund)
        };
        store
            .execute(request(
                a,
                Some(1),
                Command::Lifecycle(LifecycleCommand::Resolve { resolution: refund }),
                merchant(),
            ))
            .await
            .unwrap();
        store
            .execute(request(
                a,
                Some(2),
                Command::Lifecycle(LifecycleCommand::Close),
                merchant(),
            ))
            .await
            .unwrap();
        let reopen = Command::Lifecycle(LifecycleCommand::Reopen {
            reason: amiable_domain::text::Label::parse("Colis revenu abîmé").unwrap(),
        });
        store
            .execute(request(
                a,
                Some(3),
                reopen,
                amiable_domain::case::Actor::Buyer,
            ))
            .await
            .unwrap();
        let cancel = Command::Lifecycle(LifecycleCommand::Cancel {
            reason: amiable_domain::text::Label::parse("Doublon").unwrap(),
        });
        store
            .execute(request(b, Some(1), cancel, merchant()))
            .await
            .unwrap();
        let summary = store.order(order_id).await.unwrap().unwrap();
        assert_eq!(
            (summary.open_cases, summary.total_cases),
            (1, 2),
            "{}",
            t.name
        );
        let open = store
            .cases(&CaseFilter {
                status: Some(CaseStatus::Open),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(open.iter().map(|c| c.case_id).collect::<Vec<_>>(), vec![a]);
    }
}

/// A database error in the middle of a group commit rolls the batch back and
/// retries every command alone: the poisoned one fails, the others land, and
/// nothing is half-written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_does_not_sink_its_batch() {
    for t in test_stores().await {
        let store = t.store.clone();
        let (_, cases) = order_with_cases(&store, 10).await;
        let poison = match store.backend() {
            Backend::Sqlite => "CREATE TRIGGER poison BEFORE INSERT ON case_events WHEN NEW.payload LIKE '%POISON%' \
                                BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
                .to_owned(),
            Backend::Postgres => "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                                  IF NEW.payload LIKE '%POISON%' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$; \
                                  CREATE TRIGGER poison BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION poison()"
                .to_owned(),
        };
        store.raw_execute(poison).await.unwrap();
        let before = store.count_events().await.unwrap();
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let store = store.clone();
                let case_id = cases[i % cases.len()];
                let text = if i == 17 {
                    "POISON".to_owned()
                } else {
                    format!("Message {i}")
                };
                tokio::spawn(async move {
                    store
                        .execute(request(case_id, None, message(&text), merchant()))
                        .await
                })
            })
            .collect();
        let mut failed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => {}
                Err(CommandError::Storage(_)) => failed += 1,
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(failed, 1, "{}", t.name);
        assert_eq!(
            store.count_events().await.unwrap(),
            before + 59,
            "{}",
            t.name
        );
        let report = store.verify().await.unwrap();
        assert!(report.is_ok(), "{}: {:?}", t.name, report.problems);
        // The writer recovers: the next command on the poisoned case lands.
        let after = store
            .execute(request(
                cases[17 % cases.len()],
                None,
                message("Suite"),
                merchant(),
            ))
            .await;
        assert!(after.is_ok(), "{after:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_or_unreadable_snapshot_is_rebuilt_from_the_log() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let stale = open_case(store, order_id).await.case_id;
        let broken = open_case(store, order_id).await.case_id;
        for case_id in [stale, broken] {
            store
                .execute(request(case_id, Some(1), message("Bonjour"), merchant()))
                .await
                .unwrap();
        }
        let expected = store.case(stale).await.unwrap().unwrap().state;
        // A snapshot written under an older shape, and one that no longer reads.
        store
            .raw_execute(format!(
                "UPDATE cases SET snapshot_version = 0 WHERE id = '{stale}'"
            ))
            .await
            .unwrap();
        store
            .raw_execute(format!(
                "UPDATE cases SET state = '{{\"not\": \"a state\"}}' WHERE id = '{broken}'"
            ))
            .await
            .unwrap();
        // Reads rebuild them from the log instead of failing.
        assert_eq!(
            store.case(stale).await.unwrap().unwrap().state,
            expected,
            "{}",
            t.name
        );
        let rebuilt = store.case(broken).await.unwrap().unwrap().state;
        assert_eq!((rebuilt.version, rebuilt.public_messages), (2, 1));
        // For verify, an older snapshot is no break (it is rebuilt on use); an unreadable
        // one is reported — amiable never writes one, so someone edited the row.
        let report = store.verify().await.unwrap();
        assert_eq!(
            report.problems.len(),
            1,
            "{}: {:?}",
            t.name,
            report.problems
        );
        assert_eq!(report.problems[0].case_id, broken.to_string());

        // A writer that has never seen the cases (a restart) rebuilds them too, and the
        // next command writes the snapshot back in the current shape.
        let reopened = amiable_store::Store::connect(&t.config).await.unwrap();
        for case_id in [stale, broken] {
            let outcome = reopened
                .execute(request(case_id, Some(2), message("Merci"), merchant()))
                .await
                .unwrap();
            assert_eq!(outcome.state.public_messages, 2, "{}", t.name);
        }
        // The rewritten snapshots read as is, and equal the replay.
        let report = reopened.verify().await.unwrap();
        assert!(
            report.problems.is_empty(),
            "{}: {:?}",
            t.name,
            report.problems
        );
        reopened.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operator_decides_under_its_own_rules_pack() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let law = store.rules_pack(tenant.operator_id).await.unwrap();
        assert_eq!(law.zone.iana_name(), Some("Europe/Paris"), "{}", t.name);
        let operator = store.operator(tenant.operator_id).await.unwrap().unwrap();
        assert_eq!(operator.rules_pack, "fr");
        // Only a pack this build knows can be named.
        let refused = store
            .create_operator_under(
                amiable_domain::ids::OperatorId::from_bytes(random_bytes()),
                &amiable_domain::ids::Slug::parse("ailleurs").unwrap(),
                "Ailleurs",
                &serde_json::json!({}),
                "xx",
            )
            .await;
        match refused {
            Err(StoreError::Invalid(errors)) => {
                assert_eq!(errors.0[0].code, "operator.unknown_rules_pack")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// `verify` on a database that is being written to reports no false tampering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_during_writes_raises_no_false_alarm() {
    for t in test_stores().await {
        let store = t.store.clone();
        let (_, cases) = order_with_cases(&store, 20).await;
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..1500 {
                    store
                        .execute(request(
                            cases[i % cases.len()],
                            None,
                            message("Suivi"),
                            merchant(),
                        ))
                        .await
                        .unwrap();
                }
            })
        };
        for _ in 0..5 {
            let report = store.verify().await.unwrap();
            assert!(report.is_ok(), "{}: {:?}", t.name, report.problems);
        }
        writer.await.unwrap();
        assert!(store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_sees_tampered_inbox_columns_order_counters_and_unreadable_rows() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let a = open_case(store, order_id).await.case_id;
        let b = open_case(store, order_id).await.case_id;
        store
            .raw_execute(format!(
                "UPDATE cases SET status = 'closed' WHERE id = '{a}'"
            ))
            .await
            .unwrap();
        store
            .raw_execute(format!(
                "UPDATE cases SET state = 'not json' WHERE id = '{b}'"
            ))
            .await
            .unwrap();
        store
            .raw_execute(format!(
                "UPDATE orders SET total_cases = 99 WHERE id = '{order_id}'"
            ))
            .await
            .unwrap();
        let report = store.verify().await.unwrap();
        let said = |needle: &str| report.problems.iter().any(|p| p.problem.contains(needle));
        assert!(said("(status)"), "{}: {:?}", t.name, report.problems);
        assert!(said("unreadable"), "{:?}", report.problems);
        assert!(said(&format!("order {order_id}")), "{:?}", report.problems);
        assert_eq!(report.problems.len(), 3);
    }
}

/// Schema 8 brings the search terms: the cases stored before it get theirs when it is
/// applied, in the same transaction (here: the schema taken back to 7, then migrated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_stored_before_the_search_schema_are_found_after_it() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-ANCIEN-000042").await;
        let case_id = open_case(store, order_id).await.case_id;
        let search = |q: &str| CaseFilter {
            operator_id: Some(tenant.operator_id),
            search: Some(q.to_owned()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(store.cases(&search("000042")).await.unwrap().len(), 1);
        // Back to schema 7: no search table, no record of schema 8.
        for sql in [
            "DROP TABLE case_search",
            "DROP INDEX orders_by_number_folded",
            "ALTER TABLE cases DROP COLUMN amount_minor",
            "DELETE FROM schema_migrations WHERE version IN (8, 9)",
        ] {
            store.raw_execute(sql.to_owned()).await.unwrap();
        }
        assert_eq!(store.migrate().await.unwrap(), 2, "{}", t.name);
        for q in [
            "42",
            "cmd-ancien",
            "CMD-ANCIEN-000042",
            &case_id.to_string()[..8],
        ] {
            let found = store.cases(&search(q)).await.unwrap();
            assert_eq!(
                found.iter().map(|c| c.case_id).collect::<Vec<_>>(),
                vec![case_id],
                "{}: q={q}",
                t.name
            );
        }
    }
}

/// A search finds the same cases whether it starts from its rarest word's matches or walks
/// the inbox checking each case's terms (the plan for words many cases have), in the
/// list's order, page after page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_search_plans_find_the_same_cases_in_the_same_order() {
    for t in test_stores().await {
        let mut store = t.store.clone();
        let tenant = tenant(&store).await;
        let mut opened = Vec::new();
        for i in 0..12 {
            let order_id = order(&store, &tenant, &format!("CMD-PLAN-{i:04}")).await;
            opened.push(open_case(&store, order_id).await.case_id);
        }
        let search = |q: &str, after: Option<amiable_store::CaseCursor>| CaseFilter {
            operator_id: Some(tenant.operator_id),
            search: Some(q.to_owned()),
            limit: 5,
            after,
            ..Default::default()
        };
        let mut answers = Vec::new();
        // Gather, list, walk.
        for (gather, list) in [(1000, 1000), (0, 1000), (0, 0)] {
            store.tune_search(gather, list);
            let mut all = Vec::new();
            for q in ["cmd-plan", "plan 000", "cmd 0011", "nothing-like-it"] {
                let mut pages = Vec::new();
                let mut after = None;
                loop {
                    let page = store.cases(&search(q, after)).await.unwrap();
                    if page.is_empty() {
                        break;
                    }
                    after = page
                        .last()
                        .and_then(|c| c.cursor(amiable_store::CaseSort::LastActivity));
                    pages.extend(page.into_iter().map(|c| c.case_id));
                }
                all.push((q, pages));
            }
            answers.push(all);
        }
        assert_eq!(answers[0], answers[1], "{}", t.name);
        assert_eq!(answers[0], answers[2], "{}", t.name);
        assert_eq!(answers[0][0].1.len(), 12, "{}", t.name);
        // « 000 » begins 0000 to 0009, not 0010 or 0011.
        assert_eq!(answers[0][1].1.len(), 10, "{}: « plan 000 »", t.name);
        assert_eq!(answers[0][2].1.len(), 1, "{}", t.name);
        assert!(answers[0][3].1.is_empty());
    }
}
