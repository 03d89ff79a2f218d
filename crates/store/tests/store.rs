//! The store's behaviour, checked identically on SQLite and (when configured) PostgreSQL.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::test_dbs;
use hawiya_store::{Store, StoreError, StoreOptions, TenantSettings};
use serde_json::json;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn tenant_creation_and_key_lookup() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (acme, key) = store.create_tenant("Acme").await.unwrap();
        let body = key.strip_prefix("hwy_").expect("key prefix");
        assert_eq!(body.len(), 32);

        assert_eq!(
            store.tenant_by_api_key(&key).await.unwrap(),
            Some(acme.clone())
        );
        let mut wrong = key.clone();
        wrong.pop();
        wrong.push(if key.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(store.tenant_by_api_key(&wrong).await.unwrap(), None);
        assert_eq!(store.tenant_by_api_key("").await.unwrap(), None);

        // Names are unique regardless of case, and found regardless of case.
        assert!(matches!(
            store.create_tenant("ACME").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.create_tenant("acme bank").await,
            Err(StoreError::InvalidInput { .. })
        ));
        assert_eq!(
            store.tenant_by_name("aCmE").await.unwrap(),
            Some(acme.clone())
        );
        assert_eq!(store.tenant_by_name("nobody").await.unwrap(), None);
        assert_eq!(
            store.tenant_by_id(&acme.id).await.unwrap(),
            Some(acme.clone())
        );

        let (beta, _) = store.create_tenant("beta").await.unwrap();
        let names: Vec<_> = store
            .list_tenants()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["Acme", "beta"]);

        // Settings round-trip; absent fields fall back to the documented defaults.
        assert_eq!(acme.settings.rate_limit_per_second(), 10);
        let settings = TenantSettings {
            rate_limit_per_second: Some(25),
            rate_limit_per_minute: None,
            face_match_threshold: Some(0.42),
            aml_on_id_front: Some(true),
            aml_threshold: Some(80.0),
        };
        store
            .update_tenant_settings(&beta.id, &settings)
            .await
            .unwrap();
        let beta = store.tenant_by_name("beta").await.unwrap().unwrap();
        assert_eq!(beta.settings, settings);
        assert_eq!(beta.settings.rate_limit_per_minute(), 60);
        let zero = TenantSettings {
            rate_limit_per_minute: Some(0),
            ..TenantSettings::default()
        };
        assert!(matches!(
            store.update_tenant_settings(&beta.id, &zero).await,
            Err(StoreError::InvalidInput { .. })
        ));
        assert!(matches!(
            store.update_tenant_settings("no-such-id", &settings).await,
            Err(StoreError::NotFound(_))
        ));

        // Rotation: the old key stops working, the new one works.
        let new_key = store.rotate_api_key(&acme.id).await.unwrap();
        assert_ne!(new_key, key);
        assert_eq!(store.tenant_by_api_key(&key).await.unwrap(), None);
        assert_eq!(
            store
                .tenant_by_api_key(&new_key)
                .await
                .unwrap()
                .map(|t| t.id),
            Some(acme.id.clone())
        );
        db.finish(store).await;
    }
}

#[tokio::test]
async fn user_password_verification() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (acme, _) = store.create_tenant("acme").await.unwrap();
        let (other, _) = store.create_tenant("other").await.unwrap();
        let ada = store
            .add_user(&acme.id, "Ada@Example.com", "s3cret pass")
            .await
            .unwrap();
        assert_eq!(ada.email.as_deref(), Some("ada@example.com"));

        let found = store
            .verify_user(&acme.id, " ADA@example.com ", "s3cret pass")
            .await
            .unwrap();
        assert_eq!(found, Some(ada.clone()));
        assert_eq!(
            store
                .verify_user(&acme.id, "ada@example.com", "s3cret pas")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .verify_user(&other.id, "ada@example.com", "s3cret pass")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .verify_user(&acme.id, "nobody@example.com", "s3cret pass")
                .await
                .unwrap(),
            None
        );

        // Username and email both log in.
        let bob = store
            .add_user_with_username(&acme.id, "bob", Some("bob@example.com"), "pw-bob")
            .await
            .unwrap();
        for login in ["bob", "BOB@example.com"] {
            assert_eq!(
                store.verify_user(&acme.id, login, "pw-bob").await.unwrap(),
                Some(bob.clone())
            );
        }

        // Same login in the same tenant: conflict, including username vs another's email.
        assert!(matches!(
            store.add_user(&acme.id, "ada@example.com", "x").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store
                .add_user_with_username(&acme.id, "bob@example.com", None, "x")
                .await,
            Err(StoreError::Conflict(_))
        ));
        // ...but another tenant may reuse it.
        store
            .add_user(&other.id, "ada@example.com", "x")
            .await
            .unwrap();
        assert!(matches!(
            store
                .add_user("no-such-tenant", "eve@example.com", "x")
                .await,
            Err(StoreError::NotFound(_))
        ));
        db.finish(store).await;
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_expire() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (acme, _) = store.create_tenant("acme").await.unwrap();
        let (other, _) = store.create_tenant("other").await.unwrap();
        let ada = store
            .add_user(&acme.id, "ada@example.com", "pw")
            .await
            .unwrap();

        let first = store
            .issue_refresh_token(&acme.id, &ada.id, HOUR)
            .await
            .unwrap();
        let (tenant, user) = store.use_refresh_token(&first).await.unwrap().unwrap();
        assert_eq!((tenant.id, user), (acme.id.clone(), ada.clone()));
        // Spent: a second use fails.
        assert_eq!(store.use_refresh_token(&first).await.unwrap(), None);
        assert_eq!(store.use_refresh_token("hwr_bogus").await.unwrap(), None);

        // Issued with no lifetime left: expired on arrival.
        let expired = store
            .issue_refresh_token(&acme.id, &ada.id, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(store.use_refresh_token(&expired).await.unwrap(), None);

        // The user must belong to the named tenant.
        assert!(matches!(
            store.issue_refresh_token(&other.id, &ada.id, HOUR).await,
            Err(StoreError::NotFound(_))
        ));

        // Two requests racing with one token: exactly one wins.
        let raced = store
            .issue_refresh_token(&acme.id, &ada.id, HOUR)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            store.use_refresh_token(&raced),
            store.use_refresh_token(&raced)
        );
        let winners = [a.unwrap(), b.unwrap()]
            .iter()
            .filter(|r| r.is_some())
            .count();
        assert_eq!(winners, 1);

        // Revoking all of a user's tokens.
        let t1 = store
            .issue_refresh_token(&acme.id, &ada.id, HOUR)
            .await
            .unwrap();
        let t2 = store
            .issue_refresh_token(&acme.id, &ada.id, HOUR)
            .await
            .unwrap();
        assert_eq!(store.revoke_refresh_tokens(&ada.id).await.unwrap(), 2);
        assert_eq!(store.use_refresh_token(&t1).await.unwrap(), None);
        assert_eq!(store.use_refresh_token(&t2).await.unwrap(), None);
        db.finish(store).await;
    }
}

#[tokio::test]
async fn transactions_are_tenant_scoped() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, _) = store.create_tenant("tenant-a").await.unwrap();
        let (b, _) = store.create_tenant("tenant-b").await.unwrap();
        let tx = store
            .create_transaction(&a.id, Some("order-17"), HOUR)
            .await
            .unwrap();
        assert_eq!(tx.expires_at - tx.created_at, TimeDelta::hours(1));

        // Reads back exactly, timestamps included.
        assert_eq!(
            store.get_transaction(&a.id, &tx.id).await.unwrap(),
            Some(tx.clone())
        );
        assert_eq!(
            store
                .get_transaction(&a.id, &tx.id.to_uppercase())
                .await
                .unwrap()
                .map(|t| t.id),
            Some(tx.id.clone())
        );
        assert_eq!(
            store.get_transaction(&a.id, "not-a-uuid").await.unwrap(),
            None
        );

        let embedding = [0.25f32, -1.0, 3.5];
        store
            .record_step(
                &a.id,
                &tx.id,
                "id_front",
                &json!({"idNumber": "1"}),
                &json!([]),
                Some(&embedding),
            )
            .await
            .unwrap();

        // Tenant B sees nothing and can write nothing.
        assert_eq!(store.get_transaction(&b.id, &tx.id).await.unwrap(), None);
        assert_eq!(
            store.get_step(&b.id, &tx.id, "id_front").await.unwrap(),
            None
        );
        assert!(store.steps(&b.id, &tx.id).await.unwrap().is_empty());
        assert_eq!(store.face_embedding(&b.id, &tx.id).await.unwrap(), None);
        assert!(matches!(
            store
                .record_step(&b.id, &tx.id, "id_back", &json!({}), &json!([]), None)
                .await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.create_transaction("no-such-tenant", None, HOUR).await,
            Err(StoreError::NotFound(_))
        ));
        db.finish(store).await;
    }
}

#[tokio::test]
async fn a_later_step_replaces_the_earlier_one() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, _) = store.create_tenant("acme").await.unwrap();
        let tx = store.create_transaction(&a.id, None, HOUR).await.unwrap();

        let first = store
            .record_step(
                &a.id,
                &tx.id,
                "id_front",
                &json!({"name": "old"}),
                &json!([{"code": 3001}]),
                None,
            )
            .await
            .unwrap();
        let second = store
            .record_step(
                &a.id,
                &tx.id,
                "id_front",
                &json!({"name": "new", "nested": {"n": 1.5}}),
                &json!([]),
                None,
            )
            .await
            .unwrap();
        assert!(second.completed_at >= first.completed_at);
        assert_eq!(
            store.get_step(&a.id, &tx.id, "id_front").await.unwrap(),
            Some(second.clone())
        );

        store
            .record_step(
                &a.id,
                &tx.id,
                "id_back",
                &json!({"job": "x"}),
                &json!([]),
                None,
            )
            .await
            .unwrap();
        let steps = store.steps(&a.id, &tx.id).await.unwrap();
        let names: Vec<_> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["id_front", "id_back"]);
        assert_eq!(
            steps[0].fields,
            json!({"name": "new", "nested": {"n": 1.5}})
        );

        let touched = store.get_transaction(&a.id, &tx.id).await.unwrap().unwrap();
        assert!(touched.updated_at >= second.completed_at);
        assert!(matches!(
            store
                .record_step(&a.id, &tx.id, "ID Front", &json!({}), &json!([]), None)
                .await,
            Err(StoreError::InvalidInput { .. })
        ));
        db.finish(store).await;
    }
}

#[tokio::test]
async fn face_embedding_round_trips_exactly() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, _) = store.create_tenant("acme").await.unwrap();
        let tx = store.create_transaction(&a.id, None, HOUR).await.unwrap();
        assert_eq!(store.face_embedding(&a.id, &tx.id).await.unwrap(), None);

        // 512 values with awkward bit patterns: no decimal printing may sneak in.
        let mut embedding: Vec<f32> = (0..512)
            .map(|i| ((i as f32) * 0.7311).sin() / 3.0)
            .collect();
        embedding[0] = f32::MIN_POSITIVE / 2.0; // subnormal
        embedding[1] = -0.0;
        embedding[2] = f32::MAX;
        embedding[3] = 1.0 / 3.0;
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();

        store
            .record_step(
                &a.id,
                &tx.id,
                "id_front",
                &json!({}),
                &json!([]),
                Some(&embedding),
            )
            .await
            .unwrap();
        let back = store.face_embedding(&a.id, &tx.id).await.unwrap().unwrap();
        assert_eq!(bits(&back), bits(&embedding));
        let step = store
            .get_step(&a.id, &tx.id, "id_front")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            bits(step.face_embedding.as_deref().unwrap()),
            bits(&embedding)
        );

        // A later step without an embedding does not hide the reference.
        store
            .record_step(&a.id, &tx.id, "id_back", &json!({}), &json!([]), None)
            .await
            .unwrap();
        let back = store.face_embedding(&a.id, &tx.id).await.unwrap().unwrap();
        assert_eq!(bits(&back), bits(&embedding));

        // Replacing the step replaces its embedding; replacing it without one clears it.
        let newer = vec![0.5f32; 128];
        store
            .record_step(
                &a.id,
                &tx.id,
                "id_front",
                &json!({}),
                &json!([]),
                Some(&newer),
            )
            .await
            .unwrap();
        assert_eq!(
            store.face_embedding(&a.id, &tx.id).await.unwrap(),
            Some(newer)
        );
        store
            .record_step(&a.id, &tx.id, "id_front", &json!({}), &json!([]), None)
            .await
            .unwrap();
        assert_eq!(store.face_embedding(&a.id, &tx.id).await.unwrap(), None);

        assert!(matches!(
            store
                .record_step(&a.id, &tx.id, "id_front", &json!({}), &json!([]), Some(&[]))
                .await,
            Err(StoreError::InvalidInput { .. })
        ));
        db.finish(store).await;
    }
}

#[tokio::test]
async fn expired_transactions_vanish_and_purge() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, _) = store.create_tenant("acme").await.unwrap();
        let user = store
            .add_user(&a.id, "ada@example.com", "pw")
            .await
            .unwrap();

        let gone = store
            .create_transaction(&a.id, None, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(store.get_transaction(&a.id, &gone.id).await.unwrap(), None);
        assert!(matches!(
            store
                .record_step(&a.id, &gone.id, "id_front", &json!({}), &json!([]), None)
                .await,
            Err(StoreError::NotFound(_))
        ));

        let live = store.create_transaction(&a.id, None, HOUR).await.unwrap();
        store
            .record_step(
                &a.id,
                &live.id,
                "id_front",
                &json!({}),
                &json!([]),
                Some(&[1.0]),
            )
            .await
            .unwrap();
        let token = store
            .issue_refresh_token(&a.id, &user.id, Duration::from_secs(60))
            .await
            .unwrap();

        // Now: only the expired transaction goes.
        assert_eq!(store.purge_expired(Utc::now()).await.unwrap(), 1);
        assert!(store
            .get_transaction(&a.id, &live.id)
            .await
            .unwrap()
            .is_some());
        assert!(store.use_refresh_token(&token).await.unwrap().is_some());

        // Two hours on: the live transaction (with its step) and the token are past expiry.
        let later = Utc::now() + TimeDelta::hours(2);
        assert_eq!(store.purge_expired(later).await.unwrap(), 2);
        assert_eq!(store.purge_expired(later).await.unwrap(), 0);
        db.finish(store).await;
    }
}

#[tokio::test]
async fn data_survives_reopening() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, key) = store.create_tenant("acme").await.unwrap();
        store
            .add_user(&a.id, "ada@example.com", "pw")
            .await
            .unwrap();
        let tx = store
            .create_transaction(&a.id, Some("c-1"), HOUR)
            .await
            .unwrap();
        let step = store
            .record_step(
                &a.id,
                &tx.id,
                "passport",
                &json!({"passport_no": "A1"}),
                &json!([]),
                Some(&[0.1, 0.2]),
            )
            .await
            .unwrap();
        store.close().await;
        drop(store);

        let store = db.connect().await;
        assert_eq!(
            store.tenant_by_api_key(&key).await.unwrap(),
            Some(a.clone())
        );
        assert!(store
            .verify_user(&a.id, "ada@example.com", "pw")
            .await
            .unwrap()
            .is_some());
        assert_eq!(
            store
                .get_transaction(&a.id, &tx.id)
                .await
                .unwrap()
                .map(|t| t.client_transaction_id),
            Some(Some("c-1".into()))
        );
        assert_eq!(
            store.get_step(&a.id, &tx.id, "passport").await.unwrap(),
            Some(step)
        );
        db.finish(store).await;
    }
}

#[tokio::test]
async fn audit_rows_newest_first() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let (a, _) = store.create_tenant("acme").await.unwrap();
        let before = Utc::now() - TimeDelta::seconds(1);
        store
            .record_audit(Some(&a.id), "/v1/ocr/id/front", "req-1", 200, None, 120)
            .await
            .unwrap();
        store
            .record_audit(None, "/v1/ocr/id/front", "req-2", 401, None, 1)
            .await
            .unwrap();
        store
            .record_audit(Some(&a.id), "/v1/ocr/id/back", "req-3", 422, Some(3011), 95)
            .await
            .unwrap();

        let mine = store.recent_audit(Some(&a.id), 10).await.unwrap();
        let ids: Vec<_> = mine.iter().map(|r| r.request_id.as_str()).collect();
        assert_eq!(ids, ["req-3", "req-1"]);
        assert_eq!(mine[0].status, 422);
        assert_eq!(mine[0].error_code, Some(3011));
        assert_eq!(mine[0].duration_ms, 95);
        assert_eq!(mine[0].route, "/v1/ocr/id/back");
        assert!(mine[0].at >= before);

        let all = store.recent_audit(None, 2).await.unwrap();
        let ids: Vec<_> = all.iter().map(|r| r.request_id.as_str()).collect();
        assert_eq!(ids, ["req-3", "req-2"]);
        assert_eq!(all[1].tenant_id, None);

        assert_eq!(store.purge_audit_before(before).await.unwrap(), 0);
        assert_eq!(
            store
                .purge_audit_before(Utc::now() + TimeDelta::seconds(1))
                .await
                .unwrap(),
            3
        );
        db.finish(store).await;
    }
}

#[tokio::test]
async fn signing_secret_is_stable() {
    for db in test_dbs().await {
        let store = db.connect().await;
        let secret = store.signing_secret().await.unwrap();
        assert_eq!(secret.len(), 32);
        assert_eq!(store.signing_secret().await.unwrap(), secret);

        // A second handle (another replica, or after a restart) reads the same secret.
        let replica = db.connect().await;
        assert_eq!(replica.signing_secret().await.unwrap(), secret);
        replica.close().await;
        store.close().await;
        let restarted = db.connect().await;
        assert_eq!(restarted.signing_secret().await.unwrap(), secret);
        db.finish(restarted).await;
    }
}

#[tokio::test]
async fn ping_and_recovery() {
    for db in test_dbs().await {
        let store = db.connect().await;
        store.ping().await.unwrap();
        if let Some(app) = db.pg_application_name() {
            // Kill this store's server connections, as a database restart would.
            use sqlx::Connection;
            let base = std::env::var(common::PG_URL_VAR).unwrap();
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
            let killed: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            )
            .bind(app)
            .fetch_all(&mut admin)
            .await
            .unwrap();
            assert!(
                !killed.is_empty(),
                "the pool had no open connection to kill"
            );
            // The pool notices the dead connections and opens fresh ones.
            let mut recovered = false;
            for _ in 0..3 {
                match store.ping().await {
                    Ok(()) => {
                        recovered = true;
                        break;
                    }
                    Err(e) => assert!(e.is_unavailable(), "a lost connection gave {e:?}"),
                }
            }
            assert!(
                recovered,
                "pool did not recover after its connections were killed"
            );
            store
                .create_tenant("after-restart")
                .await
                .expect("writes work again");
        }
        db.finish(store).await;
    }
}

#[tokio::test]
async fn unreachable_database_is_unavailable() {
    let options = StoreOptions {
        acquire_timeout: Duration::from_millis(500),
        ..StoreOptions::default()
    };
    // Port 1 on localhost: nothing listens, the connection is refused.
    let err = Store::connect_with("postgres://hawiya@127.0.0.1:1/hawiya", &options)
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "got {err:?}");

    // A closed pool is the same to callers.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    store.close().await;
    assert!(store.ping().await.unwrap_err().is_unavailable());
}

#[tokio::test]
async fn sqlite_urls_and_files() {
    let dir = tempfile::tempdir().unwrap();

    // open_dir creates the directory and `hawiya.db` in WAL mode.
    let nested = dir.path().join("data/nested");
    let store = Store::open_dir(&nested).await.unwrap();
    store.create_tenant("acme").await.unwrap();
    assert!(nested.join("hawiya.db").exists());
    assert!(nested.join("hawiya.db-wal").exists(), "not in WAL mode");
    store.close().await;

    // Absolute path URL, with and without a mode parameter, parent created on demand.
    for (i, suffix) in ["", "?mode=rwc"].iter().enumerate() {
        let file = dir.path().join(format!("sub{i}/x.db"));
        let url = format!("sqlite://{}{suffix}", file.display());
        let store = Store::connect(&url).await.unwrap();
        store.ping().await.unwrap();
        assert!(file.exists(), "{url} created no file");
        store.close().await;
    }

    for bad in ["mysql://localhost/db", "hawiya.db", ""] {
        assert!(
            matches!(Store::connect(bad).await, Err(StoreError::InvalidUrl(_))),
            "{bad:?} accepted"
        );
    }
}

#[tokio::test]
async fn password_work_is_bounded_but_never_blocked() {
    let dir = tempfile::tempdir().unwrap();
    // Zero permits would hang every login; the store clamps it to one.
    let options = StoreOptions {
        max_concurrent_password_hashes: 0,
        ..StoreOptions::default()
    };
    let url = format!("sqlite://{}", dir.path().join("h.db").display());
    let store = Store::connect_with(&url, &options).await.unwrap();
    let (t, _) = store.create_tenant("acme").await.unwrap();
    let work = async {
        store.add_user(&t.id, "a@x.eg", "pw-a").await.unwrap();
        store.add_user(&t.id, "b@x.eg", "pw-b").await.unwrap();
        let (a, b) = tokio::join!(
            store.verify_user(&t.id, "a@x.eg", "pw-a"),
            store.verify_user(&t.id, "b@x.eg", "pw-b")
        );
        assert!(a.unwrap().is_some() && b.unwrap().is_some());
    };
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("password hashing stalled");
}
