//! Arrivals in storage, each test run on SQLite and on PostgreSQL: validation naming the field,
//! one report per person and date, plans from the policy and risk areas in force, status steps,
//! recomputation audited when the rules change, the daily list, scope.

use chrono::NaiveDate;
use wangge_domain::arrival::{ArrivalStatus, Duty};
use wangge_domain::policy::{MeasureKind, RiskArea, RiskLevel, DEFAULT_POLICY_TOML};
use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::testing::{seeded, Kind};
use wangge_store::{
    both_backends, Actor, ArrivalFilter, AuditFilter, Channel, NewArrival, NewCheckIn, NewStay,
    RiskFormat, Scope, StoreError,
};

use wangge_store::testing::code::{GRID_A, GRID_B};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 2021-12-25: three days before the source material's example arrival.
fn today() -> NaiveDate {
    d("2021-12-25")
}

fn report(id_prefix: &str, origin: &str, arrival: &str) -> NewArrival {
    NewArrival {
        id_number: make_valid(id_prefix),
        name: "张三".into(),
        phone: "13800138000".into(),
        origin: origin.into(),
        arrival_date: arrival.into(),
        destination: "纬五路社区第一网格3号楼".into(),
        ..Default::default()
    }
}

fn area(code: &str, street: Option<&str>, level: RiskLevel, from: &str) -> RiskArea {
    RiskArea {
        code: code.into(),
        street: street.map(Into::into),
        name: street.unwrap_or("某区").into(),
        level,
        valid_from: d(from),
        valid_until: None,
    }
}

fn worker(node_path: &str) -> Actor {
    Actor {
        user_id: None,
        username: "worker".into(),
        role: Role::GridWorker,
        scope: Scope::new(node_path),
        token_id: None,
    }
}

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid { field, .. } | StoreError::Conflict { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn plan_from_policy_and_risk_areas(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    s.create_risk_area(
        &admin,
        &area("610113", Some("电子城街道"), RiskLevel::High, "2021-12-20"),
    )
    .await
    .unwrap();
    let a = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("61011319900101123", "610113 电子城街道", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(a.node_code, GRID_A, "address matched the grid by name");
    assert_eq!(a.status, ArrivalStatus::Reported);
    assert!(!a.late, "three days ahead is on time");
    assert_eq!(a.origin_risk, RiskLevel::High);
    assert_eq!(a.plan.rule, "medium-high-risk-area");
    assert_eq!(a.plan.policy, "default-2021-12");
    let phases: Vec<_> = a
        .plan
        .phases
        .iter()
        .map(|p| (p.measure, p.start, p.end))
        .collect();
    assert_eq!(
        phases,
        [
            (
                MeasureKind::CentralizedQuarantine,
                d("2021-12-28"),
                d("2022-01-10")
            ),
            (
                MeasureKind::HomeHealthMonitoring,
                d("2022-01-11"),
                d("2022-01-17")
            ),
        ]
    );
    // one day ahead: accepted, flagged late; an explicit grid code wins over the address
    let mut late = report("11010519850203201", "110105", "2021-12-26");
    late.node_code = Some(GRID_B.into());
    let b = s
        .create_arrival(&admin, Channel::Staff, &late, today())
        .await
        .unwrap();
    assert!(b.late);
    assert_eq!(b.node_code, GRID_B);
    assert_eq!(b.plan.rule, "other-province");
    assert_eq!(b.plan.tests, [d("2021-12-26")]);
    // the person is the shared record: a second report of the same ID links to it
    let again = s
        .create_arrival(
            &admin,
            Channel::Staff,
            &report("11010519850203201", "110105", "2022-01-20"),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(again.person_id, b.person_id);
    db.cleanup().await.unwrap();
}
both_backends!(plan_on_save, plan_from_policy_and_risk_areas);

type Change = Box<dyn Fn(&mut NewArrival)>;

async fn bad_reports_name_the_field_and_store_nothing(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let ok = report("41010519800101555", "110105", "2021-12-28");
    s.create_arrival(&admin, Channel::Staff, &ok, today())
        .await
        .unwrap();
    // staff hear of a report of the same person and date in their own scope
    let dup = s
        .create_arrival(&admin, Channel::Staff, &ok, today())
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup:?}");
    assert_eq!(field_of(&dup), "arrival_date");
    assert!(dup.to_string().contains("不能重复"), "{dup}");

    let cases: Vec<(&str, Change)> = vec![
        (
            "id_number",
            Box::new(|n| n.id_number = "110105194912310021".into()),
        ),
        ("name", Box::new(|n| n.name = " ".into())),
        ("phone", Box::new(|n| n.phone = "12345".into())),
        ("phone", Box::new(|n| n.phone = "".into())),
        (
            "arrival_date",
            Box::new(|n| n.arrival_date = "2021-02-30".into()),
        ),
        (
            "arrival_date",
            Box::new(|n| n.arrival_date = "2021-11-30".into()),
        ),
        ("origin", Box::new(|n| n.origin = "西安".into())),
        (
            "node_code",
            Box::new(|n| n.node_code = Some("410105009009009".into())),
        ),
        (
            "node_code",
            Box::new(|n| n.node_code = Some("410105001".into())),
        ),
        (
            "destination",
            Box::new(|n| n.destination = "火星基地".into()),
        ),
        (
            "travel[1].date",
            Box::new(|n| {
                n.travel = vec![NewStay {
                    date: "2021-13-01".into(),
                    place: "110105".into(),
                }]
            }),
        ),
    ];
    for (field, change) in cases {
        let mut n = report("41010519800101600", "110105", "2021-12-28");
        change(&mut n);
        let e = s
            .create_arrival(&Actor::public_reporter("t"), Channel::Public, &n, today())
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), field, "{e}");
    }
    // a grid worker cannot place a report outside their grid
    let a_path = s
        .grid_node_by_code(&Actor::system("test"), GRID_A)
        .await
        .unwrap()
        .path;
    let mut n = report("41010519800101600", "110105", "2021-12-28");
    n.node_code = Some(GRID_B.into());
    let e = s
        .create_arrival(&worker(&a_path), Channel::Staff, &n, today())
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "node_code");
    assert_eq!(
        s.count_arrivals(&Actor::system("test"), None)
            .await
            .unwrap(),
        1
    );
    db.cleanup().await.unwrap();
}
both_backends!(bad_reports, bad_reports_name_the_field_and_store_nothing);

async fn status_moves_only_along_allowed_steps(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    // in-province courier: 14 days of home monitoring from 2021-12-20, ending 2022-01-02
    let mut n = report("41010219900101123", "410102", "2021-12-20");
    n.occupation = "courier_delivery".into();
    let a = s
        .create_arrival(&admin, Channel::Staff, &n, d("2021-12-18"))
        .await
        .unwrap();
    assert_eq!(a.plan.rule, "key-industry-in-province");
    let set = |to, on: &str| s.set_arrival_status(&admin, a.id, to, "", d(on));
    use ArrivalStatus::*;
    let e = set(UnderMeasures, "2021-12-20").await.unwrap_err();
    assert_eq!(field_of(&e), "status");
    assert!(e.to_string().contains("可改为"), "{e}");
    let e = set(Arrived, "2021-12-19").await.unwrap_err();
    assert!(e.to_string().contains("还不能登记为已抵达"), "{e}");
    assert_eq!(set(Arrived, "2021-12-20").await.unwrap().status, Arrived);
    let e = set(Released, "2021-12-21").await.unwrap_err();
    assert!(e.to_string().contains("管控中"), "{e}");
    assert_eq!(
        set(UnderMeasures, "2021-12-20").await.unwrap().status,
        UnderMeasures
    );
    // check-ins: once a day, during the measures, not in the future
    let ci = |date: &str, t: Option<f64>| NewCheckIn {
        date: date.into(),
        temperature: t,
        note: String::new(),
    };
    let c = s
        .add_check_in(&admin, a.id, &ci("2021-12-21", Some(37.5)), d("2021-12-22"))
        .await
        .unwrap();
    assert!(c.fever());
    let e = s
        .add_check_in(&admin, a.id, &ci("2021-12-21", None), d("2021-12-22"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "date");
    let e = s
        .add_check_in(&admin, a.id, &ci("2021-12-23", None), d("2021-12-22"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "date");
    let e = s
        .add_check_in(&admin, a.id, &ci("2021-12-22", Some(50.0)), d("2021-12-22"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "temperature");
    let e = set(Released, "2022-01-01").await.unwrap_err();
    assert!(e.to_string().contains("2022-01-02"), "{e}");
    assert_eq!(set(Released, "2022-01-02").await.unwrap().status, Released);
    let e = set(UnderMeasures, "2022-01-03").await.unwrap_err();
    assert!(e.to_string().contains("最终状态"), "{e}");
    // a no-show
    let b = s
        .create_arrival(
            &admin,
            Channel::Staff,
            &report("41010219900101200", "110105", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    let b = s
        .set_arrival_status(&admin, b.id, NoShow, "行程取消", today())
        .await
        .unwrap();
    assert_eq!(b.status, NoShow);
    let log = s
        .list_audit(
            &Actor::system("test"),
            &AuditFilter {
                entity: Some("arrival".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "status").count(), 4);
    db.cleanup().await.unwrap();
}
both_backends!(status_steps, status_moves_only_along_allowed_steps);

async fn risk_area_changes_recompute_open_plans(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    // from 莲湖区 of 西安 (6101): an ordinary other-province arrival while 西安 has no risk area
    let a = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("61010419900101123", "610104", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    let untouched = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("11010519900101123", "110105", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(a.plan.rule, "other-province");
    let (stored, summary) = s
        .create_risk_area(
            &admin,
            &area("610112", None, RiskLevel::Medium, "2021-12-22"),
        )
        .await
        .unwrap();
    assert_eq!((summary.recomputed, summary.measures_changed), (1, 1));
    let a2 = s.arrival_by_id(&Actor::system("test"), a.id).await.unwrap();
    assert_eq!(a2.plan.rule, "risk-city-stay");
    assert!(a2.risk_city_stay);
    let log = s
        .list_audit(
            &Actor::system("test"),
            &AuditFilter {
                entity: Some("arrival".into()),
                entity_id: Some(a.id.to_string()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let re = log
        .iter()
        .find(|e| e.action == "recompute")
        .expect("recompute audited");
    assert!(re
        .before_json
        .as_deref()
        .unwrap()
        .contains("other-province"));
    assert!(re.after_json.as_deref().unwrap().contains("risk-city-stay"));
    // low risk does not count: back to other-province
    let mut low = stored.area.clone();
    low.level = RiskLevel::Low;
    let (_, summary) = s.update_risk_area(&admin, stored.id, &low).await.unwrap();
    assert_eq!(summary.recomputed, 1);
    assert_eq!(
        s.arrival_by_id(&Actor::system("test"), a.id)
            .await
            .unwrap()
            .plan
            .rule,
        "other-province"
    );
    s.delete_risk_area(&admin, stored.id).await.unwrap();
    assert_eq!(
        s.arrival_by_id(&Actor::system("test"), untouched.id)
            .await
            .unwrap()
            .plan,
        untouched.plan
    );
    // bad area: named field, nothing stored; only district admins may edit
    let e = s
        .create_risk_area(&admin, &area("61011", None, RiskLevel::High, "2021-12-22"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "code");
    let e = s
        .create_risk_area(
            &worker("410105/"),
            &area("610112", None, RiskLevel::High, "2021-12-22"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)));
    assert!(s
        .list_risk_areas(&Actor::system("test"))
        .await
        .unwrap()
        .is_empty());
    db.cleanup().await.unwrap();
}
both_backends!(risk_recompute, risk_area_changes_recompute_open_plans);

async fn risk_import_is_all_or_nothing(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let a = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("61011319900101123", "610113 电子城街道", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    let bad = "区划代码,街道,名称,风险等级,起始日期,截止日期\n\
               610113,电子城街道,雁塔区电子城街道,高,2021-12-20,\n\
               610112,,未央区,严重,2021-12-20,\n\
               610116,,长安区,中,2021-12-20,2021-12-01\n";
    let e = s
        .import_risk_areas(&admin, RiskFormat::Csv, bad.as_bytes())
        .await
        .unwrap_err();
    let StoreError::RowsRejected(rows) = e else {
        panic!("{e:?}")
    };
    let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.row, r.field.as_str())).collect();
    assert_eq!(got, [(3, "level"), (4, "valid_until")]);
    assert!(s
        .list_risk_areas(&Actor::system("test"))
        .await
        .unwrap()
        .is_empty());
    let good = bad.replace("严重", "中").replace(",2021-12-01", ",");
    let summary = s
        .import_risk_areas(&admin, RiskFormat::Csv, good.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (3, 0, 0)
    );
    assert_eq!(summary.recompute.measures_changed, 1);
    assert_eq!(
        s.arrival_by_id(&Actor::system("test"), a.id)
            .await
            .unwrap()
            .plan
            .rule,
        "medium-high-risk-area"
    );
    // JSON: the same key updates, a new key adds
    let json = r#"[{"code":"610113","street":"电子城街道","name":"雁塔区电子城街道","level":"high","valid_from":"2021-12-20","valid_until":"2022-01-24"},
                   {"code":"330206","name":"宁波市北仑区","level":"medium","valid_from":"2021-12-08"}]"#;
    let summary = s
        .import_risk_areas(&admin, RiskFormat::Json, json.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (1, 1, 0)
    );
    let e = s
        .import_risk_areas(&admin, RiskFormat::Json, b"[{\"code\": 5}")
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::RowsRejected(_)));
    assert_eq!(
        s.list_risk_areas(&Actor::system("test"))
            .await
            .unwrap()
            .len(),
        4
    );
    db.cleanup().await.unwrap();
}
both_backends!(risk_import, risk_import_is_all_or_nothing);

/// The default policy with a new id and date, and 7 instead of 14 days for other provinces.
fn policy_v2() -> String {
    let src = DEFAULT_POLICY_TOML
        .replace("id = \"default-2021-12\"", "id = \"test-2021-12-27\"")
        .replace("effective_from = 2021-12-01", "effective_from = 2021-12-27");
    let at = src.find("id = \"other-province\"").unwrap();
    let (head, tail) = src.split_at(at);
    let tail = tail.replacen(
        "measures = [{ kind = \"home_health_monitoring\", days = 14 }]",
        "measures = [{ kind = \"home_health_monitoring\", days = 7 }]",
        1,
    );
    format!("{head}{tail}")
}

async fn a_new_policy_version_recomputes_only_what_it_changes(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let early = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("11010519900101123", "110105", "2021-12-26"),
            today(),
        )
        .await
        .unwrap();
    let other = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &report("11010519900101200", "110105", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    let mut courier = report("41010219900101300", "410102", "2021-12-28");
    courier.key_industry = true;
    let courier = s
        .create_arrival(
            &Actor::public_reporter("t"),
            Channel::Public,
            &courier,
            today(),
        )
        .await
        .unwrap();
    let r = s.register_policy(&admin, &policy_v2()).await.unwrap();
    assert!(r.created);
    // both arrivals from the 27th on now cite v2, but only the other-province plan changed
    assert_eq!(
        (r.recompute.recomputed, r.recompute.measures_changed),
        (2, 1)
    );
    let all = Actor::system("test");
    let get = |id| s.arrival_by_id(&all, id);
    assert_eq!(
        get(early.id).await.unwrap().plan,
        early.plan,
        "before v2: untouched"
    );
    let o = get(other.id).await.unwrap();
    assert_eq!(
        (o.plan.policy.as_str(), o.plan.phases[0].days()),
        ("test-2021-12-27", 7)
    );
    let c = get(courier.id).await.unwrap();
    assert_eq!(c.plan.phases, courier.plan.phases);
    assert_eq!(c.plan.policy, "test-2021-12-27");
    // the same file again is a no-op; other content under the same id is a conflict
    let again = s.register_policy(&admin, &policy_v2()).await.unwrap();
    assert!(!again.created);
    let e = s
        .register_policy(&admin, &policy_v2().replace("days = 7 }]", "days = 8 }]"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "id");
    // a broken file: refused with the report naming the rule
    let broken = policy_v2()
        .replace("id = \"test-2021-12-27\"", "id = \"broken\"")
        .replace(
            "{ kind = \"home_health_monitoring\", days = 7 }",
            "{ kind = \"home_health_monitoring\", days = -7 }",
        );
    let e = s.register_policy(&admin, &broken).await.unwrap_err();
    assert_eq!(field_of(&e), "policy");
    assert!(e.to_string().contains("other-province"), "{e}");
    let e = s
        .register_policy(&worker("410105/"), &policy_v2())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)));
    let ids: Vec<String> = s
        .list_policies(&Actor::system("test"))
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["test-2021-12-27", "default-2021-12"]);
    db.cleanup().await.unwrap();
}
both_backends!(
    policy_versions,
    a_new_policy_version_recomputes_only_what_it_changes
);

async fn daily_list_for_a_day_and_scope(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    s.create_risk_area(
        &admin,
        &area("610113", None, RiskLevel::Medium, "2021-12-01"),
    )
    .await
    .unwrap();
    // A: medium risk, arrives 12-14 into grid A: quarantine 12-14..12-27, home 12-28..01-03
    let a = s
        .create_arrival(
            &admin,
            Channel::Staff,
            &report("61011319900101123", "610113", "2021-12-14"),
            d("2021-12-10"),
        )
        .await
        .unwrap();
    s.set_arrival_status(&admin, a.id, ArrivalStatus::Arrived, "", d("2021-12-14"))
        .await
        .unwrap();
    s.set_arrival_status(
        &admin,
        a.id,
        ArrivalStatus::UnderMeasures,
        "",
        d("2021-12-14"),
    )
    .await
    .unwrap();
    // B: other province, arrives 12-28 into grid B: test on arrival, home 12-28..01-10
    let mut nb = report("11010519900101123", "110105", "2021-12-28");
    nb.node_code = Some(GRID_B.into());
    let b = s
        .create_arrival(&admin, Channel::Staff, &nb, today())
        .await
        .unwrap();
    // C: arrives 12-28 too but will not come
    let c = s
        .create_arrival(
            &admin,
            Channel::Staff,
            &report("11010519900101200", "110105", "2021-12-28"),
            today(),
        )
        .await
        .unwrap();
    s.set_arrival_status(&admin, c.id, ArrivalStatus::NoShow, "", today())
        .await
        .unwrap();
    // A checked in on 12-26 but not on 12-27
    let ci = NewCheckIn {
        date: "2021-12-26".into(),
        ..Default::default()
    };
    s.add_check_in(&admin, a.id, &ci, d("2021-12-27"))
        .await
        .unwrap();

    // the list of 12-28 seen on 12-28 itself: 12-27 is over, so A's missing check-in shows
    let list = s
        .daily_list(&Actor::system("test"), d("2021-12-28"), d("2021-12-28"))
        .await
        .unwrap();
    let duties = |id: i64| {
        list.iter()
            .find(|e| e.arrival_id == id)
            .map(|e| e.duties.clone())
    };
    assert_eq!(
        duties(a.id).unwrap(),
        [
            Duty::Starts {
                measure: MeasureKind::HomeHealthMonitoring
            },
            Duty::MissedCheckIn {
                date: d("2021-12-27")
            },
        ]
    );
    assert_eq!(
        duties(b.id).unwrap(),
        [
            Duty::Arrives,
            Duty::Starts {
                measure: MeasureKind::HomeHealthMonitoring
            },
            Duty::Test
        ]
    );
    assert!(duties(c.id).is_none(), "no-shows are not on the list");
    assert!(
        list[0].id_number.masked().starts_with("**************"),
        "ID numbers masked"
    );
    // the same list looked at ahead, on 12-27: 12-27 is not over, nobody has missed it yet
    let ahead = s
        .daily_list(&Actor::system("test"), d("2021-12-28"), d("2021-12-27"))
        .await
        .unwrap();
    let ahead_a = ahead.iter().find(|e| e.arrival_id == a.id).unwrap();
    assert_eq!(
        ahead_a.duties,
        [Duty::Starts {
            measure: MeasureKind::HomeHealthMonitoring
        }],
        "a future day flags no missed check-in"
    );
    // 12-27: A ends quarantine and missed nothing on 12-26
    let list = s
        .daily_list(&Actor::system("test"), d("2021-12-27"), d("2021-12-27"))
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].duties,
        [Duty::Ends {
            measure: MeasureKind::CentralizedQuarantine
        }]
    );
    // grid A's worker sees only A
    let a_path = s
        .grid_node_by_code(&Actor::system("test"), GRID_A)
        .await
        .unwrap()
        .path;
    let mine = s
        .daily_list(
            &Actor::system_within("test", Scope::new(a_path.clone())),
            d("2021-12-28"),
            d("2021-12-28"),
        )
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|e| e.arrival_id).collect::<Vec<_>>(),
        [a.id]
    );
    let listed = s
        .list_arrivals(
            &Actor::system_within("test", Scope::new(a_path.clone())),
            &ArrivalFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|e| e.id).collect::<Vec<_>>(),
        [c.id, a.id],
        "newest first"
    );
    assert!(matches!(
        s.arrival_by_id(
            &Actor::system_within("test", Scope::new(a_path.clone())),
            b.id
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let e = s
        .set_arrival_status(
            &worker(&a_path),
            b.id,
            ArrivalStatus::Arrived,
            "",
            d("2021-12-28"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound));
    db.cleanup().await.unwrap();
}
both_backends!(daily_list, daily_list_for_a_day_and_scope);

async fn reports_racing_a_risk_change_all_see_it(kind: Kind) {
    let db = seeded(kind).await;
    let s = db.store.clone();
    let admin = Actor::system("test");
    // twenty reports from 莲湖区 of 西安 while a 西安 district is being listed as medium risk:
    // whichever commits first, every plan must end up counting the area
    let mut tasks = Vec::new();
    for i in 0..20u32 {
        let s1 = s.clone();
        tasks.push(tokio::spawn(async move {
            let s = s1;
            let n = report(&format!("61010419900101{i:03}"), "610104", "2021-12-28");
            s.create_arrival(&Actor::public_reporter("t"), Channel::Public, &n, today())
                .await
                .map(|_| ())
        }));
        if i == 5 {
            let (s2, admin2) = (s.clone(), admin.clone());
            tasks.push(tokio::spawn(async move {
                let (s, admin) = (s2, admin2);
                let medium = area("610112", None, RiskLevel::Medium, "2021-12-20");
                s.create_risk_area(&admin, &medium).await.map(|_| ())
            }));
        }
    }
    for t in tasks {
        t.await.expect("task").expect("every write succeeds");
    }
    let filter = ArrivalFilter {
        limit: 100,
        ..Default::default()
    };
    let all = s
        .list_arrivals(&Actor::system("test"), &filter)
        .await
        .unwrap();
    assert_eq!(all.len(), 20);
    for a in &all {
        assert_eq!(
            a.plan.rule, "risk-city-stay",
            "arrival {} missed the area",
            a.id
        );
    }
    db.cleanup().await.unwrap();
}
both_backends!(report_risk_race, reports_racing_a_risk_change_all_see_it);

async fn search_finds_people_in_every_list_within_scope(kind: Kind) {
    use wangge_domain::search::PersonSearch;
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let search = |q: &str| PersonSearch::parse("q", q).unwrap();
    // 张三 arrives in grid A, 李四 in grid B, the same day
    let zhang = report("41010519900101301", "110105", "2021-12-25");
    let mut li = report("41010519900101302", "110105", "2021-12-25");
    li.name = "李四".into();
    li.node_code = Some(GRID_B.into());
    let zhang = s
        .create_arrival(&admin, Channel::Staff, &zhang, today())
        .await
        .unwrap();
    let li = s
        .create_arrival(&admin, Channel::Staff, &li, today())
        .await
        .unwrap();
    let zhang_id = make_valid("41010519900101301");
    let li_id = make_valid("41010519900101302");
    let arrivals = |actor: Actor, q: &str| {
        let filter = ArrivalFilter {
            search: search(q),
            limit: 100,
            ..Default::default()
        };
        async move {
            let mut ids: Vec<i64> = s
                .list_arrivals(&actor, &filter)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(arrivals(admin.clone(), "张").await, [zhang.id]);
    assert_eq!(arrivals(admin.clone(), &li_id).await, [li.id]);
    assert_eq!(arrivals(admin.clone(), &zhang_id[14..]).await, [zhang.id]);
    assert_eq!(arrivals(admin.clone(), "").await, [zhang.id, li.id]);
    // grid A's worker: 李四 is not found by name, number or its last four digits
    let grid_a = s.grid_node_by_code(&admin, GRID_A).await.unwrap().path;
    for q in ["李四", li_id.as_str(), &li_id[14..]] {
        assert!(arrivals(worker(&grid_a), q).await.is_empty(), "{q}");
    }
    // the day's list, the same rule
    let day = |actor: Actor, q: &str| {
        let q = search(q);
        async move {
            s.daily_list_matching(&actor, d("2021-12-25"), today(), q.as_ref())
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.arrival_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(day(admin.clone(), "李").await, [li.id]);
    assert_eq!(day(admin.clone(), &zhang_id).await, [zhang.id]);
    assert!(day(worker(&grid_a), &li_id).await.is_empty());
    assert_eq!(day(worker(&grid_a), "").await, [zhang.id]);
    // the resident register
    let resident = |id_number: &str, name: &str, grid: &str| wangge_store::NewResident {
        id_number: id_number.into(),
        name: name.into(),
        phone: None,
        node_code: grid.into(),
        address: "纬五路1号".into(),
    };
    s.create_resident(&admin, &resident(&zhang_id, "张三", GRID_A))
        .await
        .unwrap();
    s.create_resident(&admin, &resident(&li_id, "李四", GRID_B))
        .await
        .unwrap();
    let residents = |actor: Actor, q: &str| {
        let q = search(q);
        async move {
            s.list_residents_matching(&actor, q.as_ref(), 0, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(residents(admin.clone(), "四").await, ["李四"]);
    assert_eq!(residents(admin.clone(), &li_id[14..]).await, ["李四"]);
    assert!(residents(worker(&grid_a), &li_id).await.is_empty());
    assert_eq!(residents(worker(&grid_a), "张三").await, ["张三"]);
    db.cleanup().await.unwrap();
}
both_backends!(search, search_finds_people_in_every_list_within_scope);
