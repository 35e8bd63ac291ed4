//! Storage behaviour, each test run on SQLite and on PostgreSQL.

use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::testing::{seeded, Kind, TREE};
use wangge_store::{
    both_backends, Actor, AuditFilter, IdNumberOf, NewResident, NewUser, QualityKind, Resident,
    ResidentRegistration, Scope, StoreError,
};

/// The resident a registration created; a move request fails the test.
fn registered(r: ResidentRegistration) -> Resident {
    match r {
        ResidentRegistration::Registered(r) => r,
        other => panic!("expected a registration, got {other:?}"),
    }
}

fn resident(id: &str, grid: &str) -> NewResident {
    NewResident {
        id_number: id.into(),
        name: "张三".into(),
        phone: Some("13800138000".into()),
        node_code: grid.into(),
        address: "纬五路1号".into(),
    }
}

async fn grid_import_is_all_or_nothing(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let before = s.list_grid(&Actor::system("test")).await.unwrap().len();
    // row 2 fine, row 3 has an unknown parent, row 4 a malformed code
    let bad = "code,name,level,parent_code\n410105003,杜岭街道,township,410105\n410105009001,X社区,community,410105009\n41010500300A,Y社区,community,410105003\n";
    let err = s
        .import_grid_csv(&Actor::system("test"), bad.as_bytes())
        .await
        .unwrap_err();
    let StoreError::RowsRejected(rows) = err else {
        panic!("expected row report, got {err:?}")
    };
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0].row, rows[0].field.as_str()), (3, "parent_code"));
    assert!(rows[0].message.contains("410105009"), "{}", rows[0].message);
    assert_eq!((rows[1].row, rows[1].field.as_str()), (4, "code"));
    assert_eq!(
        s.list_grid(&Actor::system("test")).await.unwrap().len(),
        before,
        "nothing imported"
    );

    // the same file again changes nothing; a new name renames
    let again = s
        .import_grid_csv(&Actor::system("test"), TREE.as_bytes())
        .await
        .unwrap();
    assert_eq!((again.created, again.renamed, again.unchanged), (0, 0, 8));
    let renamed = TREE.replace("第二网格", "第二网格（新）");
    let r = s
        .import_grid_csv(&Actor::system("test"), renamed.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.renamed, 1);
    db.cleanup().await.unwrap();
}
both_backends!(grid_import_all_or_nothing, grid_import_is_all_or_nothing);

async fn scope_limits_every_query(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let a = s
        .grid_node_by_code(&Actor::system("test"), "410105001001001")
        .await
        .unwrap();
    let scope_a = Actor::system_within("test", Scope::new(a.path.clone()));
    let nodes = s.list_grid(&scope_a).await.unwrap();
    assert_eq!(nodes.len(), 1);
    assert!(matches!(
        s.grid_node_by_code(&scope_a, "410105001001002").await,
        Err(StoreError::NotFound)
    ));
    let community = s
        .grid_node_by_code(&Actor::system("test"), "410105001001")
        .await
        .unwrap();
    let sub = s
        .list_grid(&Actor::system_within(
            "test",
            Scope::new(community.path.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(sub.len(), 3, "community and its two grids");

    let actor = Actor::system("test");
    let in_b = s
        .create_resident(
            &actor,
            &resident(&make_valid("41010519900101123"), "410105001001002"),
        )
        .await
        .map(registered)
        .unwrap();
    assert!(matches!(
        s.resident_by_id(&scope_a, in_b.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_residents(&scope_a, 0, 100).await.unwrap().is_empty());
    assert_eq!(
        s.list_residents(
            &Actor::system_within("test", Scope::new(community.path.clone())),
            0,
            100
        )
        .await
        .unwrap()
        .len(),
        1
    );

    // a grid worker of A cannot place a resident in B
    let worker = Actor {
        scope: scope_a.scope.clone(),
        role: Role::GridWorker,
        ..Actor::system("w")
    };
    let err = s
        .create_resident(
            &worker,
            &resident(&make_valid("41010519900101124"), "410105001001002"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "node_code"),
        "{err:?}"
    );
    db.cleanup().await.unwrap();
}
both_backends!(scope_limits_queries, scope_limits_every_query);

async fn one_person_per_id_number(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let actor = Actor::system("test");
    let id = make_valid("41010519850203201");
    s.create_resident(&actor, &resident(&id, "410105001001001"))
        .await
        .unwrap();
    // typed with a lowercase x / full-width digits it is still the same person
    let err = s
        .create_resident(&actor, &resident(&id.to_lowercase(), "410105002001001"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref field, .. } if field == "id_number"),
        "{err:?}"
    );
    let wrong_check = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
    let bad = s
        .create_resident(&actor, &resident(&wrong_check, "410105001001001"))
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid { ref field, .. }) if field == "id_number"),
        "{bad:?}"
    );
    assert_eq!(s.count_residents(&Actor::system("test")).await.unwrap(), 1);
    db.cleanup().await.unwrap();
}
both_backends!(person_unique_by_id_number, one_person_per_id_number);

/// How many times the full ID number of resident `rid` was viewed, by the audit log.
async fn reveals_of(s: &wangge_store::Store, rid: i64) -> usize {
    let filter = AuditFilter {
        entity: Some("resident".into()),
        entity_id: Some(rid.to_string()),
        limit: 100,
        ..Default::default()
    };
    s.list_audit(&Actor::system("test"), &filter)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "reveal_id_number")
        .count()
}

/// An ID number shows masked in every record; the full number comes only from
/// `reveal_id_number`, which reads the record in the caller's scope and audits the viewing.
async fn id_numbers_are_revealed_only_through_the_audited_call(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let id = make_valid("41010519850203201");
    let r = registered(
        s.create_resident(&Actor::system("test"), &resident(&id, "410105001001001"))
            .await
            .unwrap(),
    );
    let shown = serde_json::to_string(&r).unwrap();
    assert!(!shown.contains(&id), "serialised masked: {shown}");
    assert!(!format!("{r:?}").contains(&id), "debug output masked");
    assert_eq!(r.id_number.to_string(), r.id_number.masked());
    assert!(r.id_number.is(&id));
    // another grid's worker cannot reach the record: nothing revealed, nothing audited
    let other = worker_of(s, "410105002001001").await;
    let refused = s.reveal_id_number(&other, IdNumberOf::Resident(r.id)).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    assert_eq!(reveals_of(s, r.id).await, 0);
    // the resident's own grid worker may, and the viewing is in the audit log
    let own = worker_of(s, "410105001001001").await;
    let full = s
        .reveal_id_number(&own, IdNumberOf::Resident(r.id))
        .await
        .unwrap();
    assert!(full.is(&id) && full.is_revealed());
    assert_eq!(full.to_string(), id, "a revealed number shows in full");
    assert!(
        !format!("{full:?}").contains(&id),
        "debug output masked even then"
    );
    assert_eq!(reveals_of(s, r.id).await, 1);
    db.cleanup().await.unwrap();
}
both_backends!(
    reveal_is_audited,
    id_numbers_are_revealed_only_through_the_audited_call
);

/// A grid worker bound to `grid`.
async fn worker_of(s: &wangge_store::Store, grid: &str) -> Actor {
    let node = s
        .grid_node_by_code(&Actor::system("test"), grid)
        .await
        .unwrap();
    Actor {
        scope: Scope::new(node.path),
        role: Role::GridWorker,
        ..Actor::system(&format!("worker-{grid}"))
    }
}

/// Issue 12, finding 2: registering a resident of another grid shows nothing of that grid's
/// record, takes nothing over, and becomes a move the current grid confirms.
async fn a_resident_of_another_grid_is_a_move(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let (a, b) = (
        worker_of(s, "410105001001001").await,
        worker_of(s, "410105002001001").await,
    );
    let id = make_valid("41010519850203301");
    let there = registered(
        s.create_resident(&a, &resident(&id, "410105001001001"))
            .await
            .unwrap(),
    );
    let mut typed = resident(&id, "410105002001001");
    typed.name = "李四".into();
    typed.phone = Some("13900139000".into());
    typed.address = "农科路8号".into();
    let ResidentRegistration::MoveRequested(m) = s.create_resident(&b, &typed).await.unwrap()
    else {
        panic!("a resident of another grid must become a move request")
    };
    assert_eq!(
        (m.name.as_str(), m.phone.as_deref(), m.address.as_str()),
        ("李四", Some("13900139000"), "农科路8号"),
        "the requesting grid sees only what it typed"
    );
    assert_eq!(m.from_node_name, None, "nor where the person lives now");
    assert!(!m.decidable());
    assert!(matches!(
        s.resident_by_id(&b, there.id).await,
        Err(StoreError::NotFound)
    ));
    // the requesting grid cannot decide its own request
    let err = s.decide_resident_move(&b, m.id, true).await.unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
    // the grid the person lives in sees it and confirms it
    let seen = s.list_resident_moves(&a, true).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].decidable());
    let done = s.decide_resident_move(&a, m.id, true).await.unwrap();
    assert_eq!(done.state, "confirmed");
    let moved = s.resident_by_id(&b, there.id).await.unwrap();
    assert_eq!(
        (
            moved.node_code.as_str(),
            moved.name.as_str(),
            moved.address.as_str()
        ),
        ("410105002001001", "李四", "农科路8号")
    );
    assert!(s.list_residents(&a, 0, 100).await.unwrap().is_empty());
    // a second decision is refused
    let err = s.decide_resident_move(&b, m.id, false).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound | StoreError::Forbidden(_) | StoreError::Conflict { .. }
        ),
        "{err:?}"
    );
    db.cleanup().await.unwrap();
}
both_backends!(
    resident_of_another_grid_is_a_move,
    a_resident_of_another_grid_is_a_move
);

/// Issue 12, findings 1 and 2: each module shows its own record's name and phone; the public
/// reporter reads nothing and changes nothing stored elsewhere; a repeat is stored and listed
/// as a possible duplicate, and disagreeing names are flagged, for those who see both records.
async fn records_keep_their_own_names_and_disagreements_are_flagged(kind: Kind) {
    use wangge_store::{Channel, NewArrival};
    let db = seeded(kind).await;
    let s = &db.store;
    let a = worker_of(s, "410105001001001").await;
    let id = make_valid("41010519850203302");
    let r = registered(
        s.create_resident(&a, &resident(&id, "410105001001001"))
            .await
            .unwrap(),
    );
    let public = Actor::public_reporter("127.0.0.1");
    let today = wangge_store::now().date_naive();
    let report = NewArrival {
        id_number: id.clone(),
        name: "王五".into(),
        phone: "13700137000".into(),
        origin: "110105".into(),
        arrival_date: (today + chrono::Days::new(4)).to_string(),
        destination: "农科路社区1号".into(),
        node_code: Some("410105002001001".into()),
        ..NewArrival::default()
    };
    let first = s
        .create_arrival(&public, Channel::Public, &report, today)
        .await
        .unwrap();
    assert_eq!(
        (first.name.as_str(), first.phone.as_str()),
        ("王五", "13700137000")
    );
    let again = s
        .create_arrival(&public, Channel::Public, &report, today)
        .await
        .expect("a repeat is accepted like a first report");
    assert_eq!(
        (
            again.name.as_str(),
            again.node_code.as_str(),
            again.plan.rule.as_str()
        ),
        (
            first.name.as_str(),
            first.node_code.as_str(),
            first.plan.rule.as_str()
        )
    );
    // nothing of the resident changed, and the public reads nothing
    let still = s.resident_by_id(&a, r.id).await.unwrap();
    assert_eq!(
        (still.name.as_str(), still.phone.as_deref()),
        ("张三", Some("13800138000"))
    );
    let refused = s
        .list_arrivals(
            &public,
            &wangge_store::ArrivalFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "the public reporter reads nothing"
    );
    assert!(matches!(
        s.list_residents(&public, 0, 10).await,
        Err(StoreError::Forbidden(_))
    ));
    // the resident's grid sees only its own record: nothing to flag there
    assert!(s.quality_issues(&a).await.unwrap().is_empty());
    // the destination grid sees both reports: a possible duplicate
    let b = worker_of(s, "410105002001001").await;
    let at_b = s.quality_issues(&b).await.unwrap();
    assert_eq!(at_b.len(), 1, "{at_b:?}");
    assert_eq!(at_b[0].kinds, vec![QualityKind::DuplicateArrival]);
    assert_eq!(at_b[0].records.len(), 2);
    // the district sees all three records: another name, and the duplicate
    let all = s.quality_issues(&Actor::system("test")).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].kinds,
        vec![QualityKind::NameMismatch, QualityKind::DuplicateArrival]
    );
    assert_eq!(all[0].records.len(), 3);
    assert!(
        all[0].id_number.masked().starts_with("**************"),
        "masked"
    );
    // a role that handles no residents is refused
    let lab = Actor {
        role: Role::LabOperator,
        ..Actor::system("lab")
    };
    assert!(matches!(
        s.quality_issues(&lab).await,
        Err(StoreError::Forbidden(_))
    ));
    db.cleanup().await.unwrap();
}
both_backends!(
    records_keep_their_own_names,
    records_keep_their_own_names_and_disagreements_are_flagged
);

async fn audit_records_changes_and_is_append_only(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let user = s
        .create_user(
            &admin,
            &NewUser {
                username: "worker1".into(),
                display_name: "网格员".into(),
                role: Role::GridWorker,
                node_code: "410105001001001".into(),
                password: "a-long-password".into(),
            },
        )
        .await
        .unwrap();
    let all = s
        .list_audit(
            &Actor::system("test"),
            &AuditFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let created = all
        .iter()
        .find(|a| a.entity == "user" && a.entity_id == user.id.to_string())
        .expect("user creation audited");
    assert_eq!(created.action, "create");
    assert!(created
        .after_json
        .as_deref()
        .unwrap_or("")
        .contains("worker1"));
    assert!(
        !created
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("argon2"),
        "no hash in the log"
    );
    let only_users = s
        .list_audit(
            &Actor::system("test"),
            &AuditFilter {
                entity: Some("user".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(only_users.iter().all(|a| a.entity == "user"));

    let tampered = match s.backend() {
        wangge_store::Backend::Sqlite(p) => sqlx::query("UPDATE audit_log SET username = 'x'")
            .execute(p)
            .await
            .err(),
        wangge_store::Backend::Postgres(p) => {
            sqlx::query("DELETE FROM audit_log").execute(p).await.err()
        }
    };
    assert!(tampered.is_some(), "audit log must refuse changes");
    db.cleanup().await.unwrap();
}
both_backends!(audit_append_only, audit_records_changes_and_is_append_only);

async fn login_locks_after_repeated_failures(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let new = NewUser {
        username: "officer".into(),
        display_name: "干部".into(),
        role: Role::TownshipOfficer,
        node_code: "410105001".into(),
        password: "correct-horse-battery".into(),
    };
    s.create_user(&Actor::system("test"), &new).await.unwrap();
    assert!(matches!(
        s.login("officer", "correct-horse-battery").await.unwrap(),
        wangge_store::LoginOutcome::Success(_)
    ));
    for _ in 0..wangge_store::LOCKOUT_THRESHOLD {
        let _ = s.login("officer", "wrong").await.unwrap();
    }
    assert!(matches!(
        s.login("officer", "correct-horse-battery").await.unwrap(),
        wangge_store::LoginOutcome::Locked { .. }
    ));
    assert!(matches!(
        s.login("nobody", "x").await.unwrap(),
        wangge_store::LoginOutcome::BadCredentials
    ));
    db.cleanup().await.unwrap();
}
both_backends!(login_lockout, login_locks_after_repeated_failures);

/// Which scoped reads refuse `actor` with `Forbidden` (anything else — rows or none — is an
/// answer). The list covers every store read over scoped data.
async fn refused_reads(s: &wangge_store::Store, actor: &Actor) -> Vec<&'static str> {
    use wangge_store::pushlist::{ItemView, PushItemFilter};
    let now = wangge_store::now();
    let day = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).expect("date");
    let arrivals = wangge_store::ArrivalFilter {
        status: None,
        arrival_date: None,
        search: None,
        before_id: None,
        limit: 10,
    };
    let items = PushItemFilter {
        batch_id: None,
        view: ItemView::All,
        node_path: None,
        search: None,
        after_id: 0,
        limit: 10,
    };
    let alerts = wangge_store::checkpoints::AlertFilter {
        checkpoint_id: None,
        open_only: false,
        before_id: None,
        limit: 10,
    };
    let audit = AuditFilter {
        limit: 10,
        ..Default::default()
    };
    fn forbidden(name: &'static str, r: Result<(), StoreError>) -> Option<&'static str> {
        matches!(r, Err(StoreError::Forbidden(_))).then_some(name)
    }
    fn ok<T>(_: T) {}
    [
        forbidden("grid", s.list_grid(actor).await.map(ok)),
        forbidden("grid_count", s.count_grid(actor).await.map(ok)),
        forbidden("users", s.list_users(actor).await.map(ok)),
        forbidden("user_count", s.count_users(actor).await.map(ok)),
        forbidden("tokens", s.list_api_tokens(actor).await.map(ok)),
        forbidden("residents", s.list_residents(actor, 0, 10).await.map(ok)),
        forbidden("resident_count", s.count_residents(actor).await.map(ok)),
        forbidden("resident", s.resident_by_id(actor, 1).await.map(ok)),
        forbidden("moves", s.list_resident_moves(actor, false).await.map(ok)),
        forbidden("quality", s.quality_issues(actor).await.map(ok)),
        forbidden("arrivals", s.list_arrivals(actor, &arrivals).await.map(ok)),
        forbidden("arrival_count", s.count_arrivals(actor, None).await.map(ok)),
        forbidden("arrival", s.arrival_by_id(actor, 1).await.map(ok)),
        forbidden("check_ins", s.list_check_ins(actor, 1).await.map(ok)),
        forbidden("daily", s.daily_list(actor, day, day).await.map(ok)),
        forbidden("audit", s.list_audit(actor, &audit).await.map(ok)),
        forbidden("risk_areas", s.list_risk_areas(actor).await.map(ok)),
        forbidden("policies", s.list_policies(actor).await.map(ok)),
        forbidden(
            "push_batches",
            s.list_push_batches(actor, now).await.map(ok),
        ),
        forbidden(
            "push_items",
            s.list_push_items(actor, &items, now).await.map(ok),
        ),
        forbidden("push_item", s.push_item(actor, 1).await.map(ok)),
        forbidden("address_rules", s.list_address_rules(actor).await.map(ok)),
        forbidden("checkpoints", s.list_checkpoints(actor).await.map(ok)),
        forbidden("checkpoint", s.checkpoint(actor, 1).await.map(ok)),
        forbidden("alerts", s.list_alerts(actor, &alerts).await.map(ok)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

async fn the_store_checks_the_role_on_every_read(kind: Kind) {
    use wangge_domain::permission::*;
    fn expected(role: Role) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut refuse = |names: &[&'static str], allowed: bool| {
            if !allowed {
                out.extend_from_slice(names);
            }
        };
        refuse(&["grid", "grid_count"], Staff::allows(role));
        refuse(&["users", "user_count"], UserManager::allows(role));
        refuse(&["tokens"], Staff::allows(role));
        refuse(
            &[
                "residents",
                "resident_count",
                "resident",
                "moves",
                "quality",
            ],
            ResidentHandler::allows(role),
        );
        refuse(
            &["arrivals", "arrival_count", "arrival", "check_ins", "daily"],
            ArrivalHandler::allows(role),
        );
        refuse(&["audit"], Auditor::allows(role));
        refuse(&["risk_areas", "policies"], Staff::allows(role));
        refuse(
            &["push_batches", "push_items", "push_item"],
            PushViewer::allows(role),
        );
        refuse(&["address_rules"], PushViewer::allows(role));
        refuse(
            &["checkpoints", "checkpoint", "alerts"],
            CheckpointViewer::allows(role),
        );
        out
    }
    let db = seeded(kind).await;
    let s = &db.store;
    let district = Scope::new(
        s.grid_node_by_code(&Actor::system("test"), "410105")
            .await
            .expect("root")
            .path,
    );
    let public = Actor::public_reporter("127.0.0.1");
    assert_eq!(
        refused_reads(s, &public).await,
        expected(Role::PublicReporter)
    );
    assert_eq!(
        expected(Role::PublicReporter).len(),
        25,
        "the public reporter reads nothing"
    );
    for role in Role::ALL {
        let actor = Actor {
            user_id: None,
            username: format!("{role}"),
            role,
            scope: district.clone(),
            token_id: None,
        };
        assert_eq!(refused_reads(s, &actor).await, expected(role), "{role}");
    }
}
both_backends!(
    store_checks_role_on_every_read,
    the_store_checks_the_role_on_every_read
);
