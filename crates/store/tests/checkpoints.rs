//! Checkpoints in storage, on SQLite and PostgreSQL: CRUD within scope, scans through the group
//! commit writer, alerts for fever, red/yellow codes and push-list persons, hourly counts.

use std::sync::Arc;

use chrono::{Duration, Utc};
use wangge_domain::checkpoint::{AlertReason, CheckpointKind, ScanInput};
use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::checkpoints::{AlertFilter, CheckpointChange, NewCheckpoint, ScanWriter};
use wangge_store::pushlist::{PushImport, ReadProgress};
use wangge_store::testing::{seeded, Kind, Seeded};
use wangge_store::{both_backends, Actor, Scope, StoreError};

async fn actor(db: &Seeded, role: Role, code: &str) -> Actor {
    let node = db
        .store
        .grid_node_by_code(&Actor::system("test"), code)
        .await
        .expect("node");
    Actor {
        scope: Scope::new(node.path),
        role,
        ..Actor::system(role.as_str())
    }
}

fn new_cp(node: &str, name: &str) -> NewCheckpoint {
    NewCheckpoint {
        node_code: node.into(),
        name: name.into(),
        kind: CheckpointKind::Estate,
        location: "东门".into(),
    }
}

async fn checkpoints_are_managed_within_scope(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let officer = actor(&db, Role::TownshipOfficer, "410105001").await;
    let cp = s
        .create_checkpoint(&officer, &new_cp("410105001001", "纬五路小区东门"))
        .await
        .unwrap();
    assert_eq!((cp.node_code.as_str(), cp.active), ("410105001001", true));
    let dup = s
        .create_checkpoint(&officer, &new_cp("410105001001", "纬五路小区东门"))
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict { ref field, .. } if field == "name"),
        "{dup:?}"
    );
    let outside = s
        .create_checkpoint(&officer, &new_cp("410105002001", "农科路"))
        .await
        .unwrap_err();
    assert!(matches!(outside, StoreError::Invalid { ref field, .. } if field == "node_code"));
    let worker = actor(&db, Role::GridWorker, "410105001001001").await;
    assert!(matches!(
        s.create_checkpoint(&worker, &new_cp("410105001001001", "x"))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let other = actor(&db, Role::TownshipOfficer, "410105002").await;
    assert!(matches!(
        s.checkpoint(&other, cp.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_checkpoints(&other).await.unwrap().is_empty());
    let changed = s
        .update_checkpoint(
            &officer,
            cp.id,
            &CheckpointChange {
                name: Some("东门卡口".into()),
                kind: Some(CheckpointKind::Highway),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.kind),
        ("东门卡口", CheckpointKind::Highway)
    );
    let operator = actor(&db, Role::CheckpointOperator, "410105001").await;
    assert!(s.scan_target(&operator, cp.id).await.is_ok());
    assert!(matches!(
        s.scan_target(&worker, cp.id).await,
        Err(StoreError::Forbidden(_))
    ));
    s.update_checkpoint(
        &officer,
        cp.id,
        &CheckpointChange {
            active: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        s.scan_target(&operator, cp.id).await,
        Err(StoreError::Conflict { .. })
    ));
    let log = s
        .list_audit(
            &Actor::system("test"),
            &wangge_store::AuditFilter {
                entity: Some("checkpoint".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        vec!["close", "update", "create"]
    );
    db.cleanup().await.unwrap();
}
both_backends!(crud, checkpoints_are_managed_within_scope);

async fn scans_raise_alerts_for_the_responsible_nodes(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    // 张三 is on an open push list, traced by 农科路社区第一网格
    let pushed = make_valid("41010519900101111");
    let csv = format!(
        "姓名,身份证号,来源地,抵达时间,现住址\n张三,{pushed},上海,2021-12-01,农科路社区第一网格\n"
    );
    let path =
        std::env::temp_dir().join(format!("wangge-cp-{}-{:?}.csv", std::process::id(), kind));
    std::fs::write(&path, csv).unwrap();
    s.import_push_list(
        &admin,
        &path,
        &PushImport {
            name: "p".into(),
            due_hours: 24,
        },
        Arc::new(ReadProgress::default()),
        None,
    )
    .await
    .unwrap();
    let cp = s
        .create_checkpoint(&admin, &new_cp("410105001001", "纬五路卡口"))
        .await
        .unwrap();
    let operator = actor(&db, Role::CheckpointOperator, "410105001").await;
    let target = Arc::new(s.scan_target(&operator, cp.id).await.unwrap());
    let writer = ScanWriter::start(s.clone());
    let mut live = writer.subscribe();
    let now = Utc::now();
    let person = |n: &str, t: f64, code: &str| {
        ScanInput {
            id_number: Some(make_valid(n)),
            temperature: Some(t),
            code_colour: Some(code.into()),
            ..Default::default()
        }
        .check(now)
        .unwrap()
    };
    let scans = vec![
        person("41010519800101001", 36.5, "green"),
        person("41010519800101002", 37.3, "green"),
        person("41010519800101003", 36.4, "red"),
        person("41010519800101004", 36.4, "yellow"),
        ScanInput {
            id_number: Some(pushed.clone()),
            temperature: Some(36.6),
            code_colour: Some("green".into()),
            ..Default::default()
        }
        .check(now)
        .unwrap(),
        ScanInput {
            plate: Some("豫A12345".into()),
            direction: Some("out".into()),
            ..Default::default()
        }
        .check(now)
        .unwrap(),
    ];
    let acks = writer.submit(target.clone(), scans).await.unwrap();
    assert_eq!(acks.len(), 6);
    let reasons: Vec<Vec<AlertReason>> = acks.iter().map(|a| a.reasons.clone()).collect();
    assert_eq!(
        reasons,
        vec![
            vec![],
            vec![AlertReason::Fever],
            vec![AlertReason::RedCode],
            vec![AlertReason::YellowCode],
            vec![AlertReason::PushList],
            vec![]
        ]
    );
    assert!(acks.windows(2).all(|w| w[0].id < w[1].id));
    // the live feed had them at once
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(live.try_recv().expect("alert broadcast").reasons);
    }
    assert_eq!(got, vec!["fever", "red_code", "yellow_code", "push_list"]);

    // the checkpoint's community sees all four; the tracing grid sees only its person
    let community = actor(&db, Role::GridWorker, "410105001001").await;
    let filter = AlertFilter {
        limit: 50,
        ..Default::default()
    };
    assert_eq!(s.list_alerts(&community, &filter).await.unwrap().len(), 4);
    let tracing = actor(&db, Role::GridWorker, "410105002001001").await;
    let theirs = s.list_alerts(&tracing, &filter).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0].id_number.as_ref().is_some_and(|n| n.is(&pushed)));
    let unrelated = actor(&db, Role::GridWorker, "410105001001001").await;
    assert!(s.list_alerts(&unrelated, &filter).await.unwrap().is_empty());
    // the open ones are counted by the same rule of reach
    assert_eq!(s.count_open_alerts(&community).await.unwrap(), 4);
    assert_eq!(s.count_open_alerts(&tracing).await.unwrap(), 1);
    assert_eq!(s.count_open_alerts(&unrelated).await.unwrap(), 0);
    // handling is audited and leaves the open list
    let handled = s.handle_alert(&tracing, theirs[0].id).await.unwrap();
    assert_eq!(handled.handled_by.as_deref(), Some("grid_worker"));
    let open = s
        .list_alerts(
            &community,
            &AlertFilter {
                open_only: true,
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 3);
    assert_eq!(s.count_open_alerts(&community).await.unwrap(), 3);
    assert_eq!(s.count_open_alerts(&tracing).await.unwrap(), 0);

    // hourly counts
    let hours = s
        .checkpoint_hours(
            &admin,
            cp.id,
            now - Duration::hours(2),
            now + Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(
        hours
            .iter()
            .map(|h| (h.scans, h.alerts))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        (6, 4)
    );

    // many requests at once: every acknowledged scan is stored, once
    let mut handles = Vec::new();
    for k in 0..40 {
        let w = writer.clone();
        let t = target.clone();
        handles.push(tokio::spawn(async move {
            let scans = (0..5)
                .map(|j| {
                    ScanInput {
                        plate: Some(format!("豫A{:05}", k * 10 + j)),
                        ..Default::default()
                    }
                    .check(Utc::now())
                    .unwrap()
                })
                .collect();
            w.submit(t, scans).await.unwrap()
        }));
    }
    let mut acked = Vec::new();
    for h in handles {
        acked.extend(h.await.unwrap().into_iter().map(|a| a.id));
    }
    let stored = s.scan_ids(&Actor::system("test"), cp.id).await.unwrap();
    assert_eq!(stored.len(), 206);
    assert!(acked.iter().all(|id| stored.binary_search(id).is_ok()));
    acked.sort_unstable();
    acked.dedup();
    assert_eq!(acked.len(), 200);
    db.cleanup().await.unwrap();
}
both_backends!(
    scans_and_alerts,
    scans_raise_alerts_for_the_responsible_nodes
);
