//! Checkpoints in storage, on SQLite and PostgreSQL: CRUD within scope, scans through the group
//! commit writer, alerts for fever, red/yellow codes and push-list persons, hourly counts.

use std::sync::Arc;

use chrono::{Duration, Utc};
use wangge_domain::checkpoint::{AlertReason, CheckpointKind, ScanInput};
use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::checkpoints::{
    AlertFilter, CheckpointChange, NewCheckpoint, RecordKind, ScanWriter,
};
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
    // the live feed had them at once, each shown to a subscriber as their list shows it
    let community = actor(&db, Role::GridWorker, "410105001001").await;
    let tracing = actor(&db, Role::GridWorker, "410105002001001").await;
    let unrelated = actor(&db, Role::GridWorker, "410105001001001").await;
    let mut got = Vec::new();
    let mut raised = Vec::new();
    for _ in 0..4 {
        let r = live.try_recv().expect("alert broadcast");
        got.push(r.seen_by(&admin).expect("the district sees all").reasons);
        raised.push(r);
    }
    assert_eq!(got, vec!["fever", "red_code", "yellow_code", "push_list"]);
    let fed = raised[3]
        .seen_by(&tracing)
        .expect("the tracing grid's feed");
    assert_eq!(fed.person_name().as_deref(), Some("张三"));
    assert_eq!(fed.people[0].kind, RecordKind::PushItem);
    let at_gate = raised[3]
        .seen_by(&community)
        .expect("the checkpoint's node");
    assert!(at_gate.people.is_empty() && at_gate.person_name().is_none());
    assert!(raised[0].seen_by(&tracing).is_none());
    assert!(raised.iter().all(|r| r.seen_by(&unrelated).is_none()));

    // the checkpoint's community sees all four; the tracing grid sees only its person
    let filter = AlertFilter {
        limit: 50,
        ..Default::default()
    };
    let at_gate = s.list_alerts(&community, &filter).await.unwrap();
    assert_eq!(at_gate.len(), 4);
    // …without the name or a link: the push item is outside the community's scope
    assert!(at_gate.iter().all(|a| a.people.is_empty()));
    assert_eq!(
        at_gate[0],
        s.alert(&community, at_gate[0].id).await.unwrap()
    );
    let theirs = s.list_alerts(&tracing, &filter).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0].id_number.as_ref().is_some_and(|n| n.is(&pushed)));
    assert_eq!(theirs[0].person_name().as_deref(), Some("张三"));
    assert_eq!(theirs[0].people, fed.people);
    // a role that reads no push items sees the alert, not the person
    let operator_there = actor(&db, Role::CheckpointOperator, "410105002").await;
    let seen = s.list_alerts(&operator_there, &filter).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].people.is_empty());
    assert!(s.list_alerts(&unrelated, &filter).await.unwrap().is_empty());
    // the open ones are counted by the same rule of reach
    assert_eq!(s.count_open_alerts(&community).await.unwrap(), 4);
    assert_eq!(s.count_open_alerts(&tracing).await.unwrap(), 1);
    assert_eq!(s.count_open_alerts(&unrelated).await.unwrap(), 0);
    // handling takes an outcome from the list, checked before the alert is looked up
    let refused = |e: StoreError| match e {
        StoreError::Invalid { field, .. } => vec![field],
        StoreError::Fields(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    };
    let e = s
        .handle_alert(&tracing, 999_999, "done", "")
        .await
        .unwrap_err();
    assert_eq!(refused(e), ["outcome"]);
    let e = s
        .handle_alert(&tracing, theirs[0].id, "other", "")
        .await
        .unwrap_err();
    assert_eq!(refused(e), ["note"]);
    let long = "长".repeat(2001);
    let e = s
        .handle_alert(&tracing, theirs[0].id, "", &long)
        .await
        .unwrap_err();
    assert_eq!(refused(e), ["outcome", "note"]);
    assert!(matches!(
        s.handle_alert(&unrelated, theirs[0].id, "contacted", "")
            .await,
        Err(StoreError::NotFound)
    ));
    // handling is audited and leaves the open list; a second one is a conflict
    let handled = s
        .handle_alert(&tracing, theirs[0].id, "其他", "已通知社区医生上门")
        .await
        .unwrap();
    assert_eq!(handled.handled_by.as_deref(), Some("grid_worker"));
    assert_eq!(handled.outcome_label(), "其他");
    assert_eq!(handled.note.as_deref(), Some("已通知社区医生上门"));
    let again = s
        .handle_alert(&community, theirs[0].id, "contacted", "")
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Conflict { message, .. } if message.contains("已处置")),
        "{again:?}"
    );
    let log = s
        .list_audit(
            &Actor::system("test"),
            &wangge_store::AuditFilter {
                entity: Some("checkpoint_alert".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "the refused handlings left no entry");
    assert_eq!(log[0].action, "handle");
    let after = log[0].after_json.as_deref().unwrap_or("");
    assert!(after.contains(r#""outcome":"other""#), "{after}");
    assert!(!after.contains("张三"), "no name in the log: {after}");
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

/// A checkpoint's scans list newest first by the time they were taken, also when a gate
/// uploads an older scan later; paging walks that order without gaps or repeats.
async fn scans_list_newest_first(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let cp = s
        .create_checkpoint(&admin, &new_cp("410105001001", "纬五路西门"))
        .await
        .unwrap();
    let target = Arc::new(s.scan_target(&admin, cp.id).await.unwrap());
    let writer = ScanWriter::start(s.clone());
    let now = Utc::now();
    let at = |minutes: i64, plate: &str| {
        ScanInput {
            plate: Some(plate.into()),
            scanned_at: Some(now - Duration::minutes(minutes)),
            ..Default::default()
        }
        .check(now)
        .unwrap()
    };
    // posted in this order: 10 min ago, 30, 5, 30 again (same time), 1
    let plates = ["豫A10000", "豫A30000", "豫A05000", "豫A30001", "豫A01000"];
    for (minutes, plate) in [10, 30, 5, 30, 1].into_iter().zip(plates) {
        writer
            .submit(target.clone(), vec![at(minutes, plate)])
            .await
            .unwrap();
    }
    let newest: Vec<String> = s
        .recent_scans(&admin, cp.id, 10)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.plate)
        .collect();
    assert_eq!(
        newest,
        ["豫A01000", "豫A05000", "豫A10000", "豫A30001", "豫A30000"]
    );
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = s.scans_before(&admin, cp.id, before, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|r| r.id);
        paged.extend(page.into_iter().filter_map(|r| r.plate));
    }
    assert_eq!(paged, newest);
    db.cleanup().await.unwrap();
}
both_backends!(scans_newest_first, scans_list_newest_first);
