//! Push lists in storage, each test run on SQLite and on PostgreSQL: importing CSV (UTF-8, with
//! and without BOM, and GBK) and XLSX, refusing bad files and bad rows, merging duplicates,
//! assigning grids, every verification step, scope, and the 见底清零 counts.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use wangge_domain::pushlist::{PushState, Verification};
use wangge_domain::role::Role;
use wangge_domain::validate::make_valid;
use wangge_store::pushlist::dashboard::RowPlace;
use wangge_store::pushlist::{ItemView, PushImport, PushItemFilter, ReadProgress};
use wangge_store::testing::code::{GRID_A, GRID_B};
use wangge_store::testing::{seeded, Kind, Seeded};
use wangge_store::{both_backends, Actor, AuditFilter, RowError, Scope, Store, StoreError};

const HEADER: &str = "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注";

/// Checks what every push-list test must leave true, then removes the database: each item has
/// its one pair in the grid lists' index.
async fn finish(db: Seeded) {
    assert_eq!(
        db.push_grid_faults().await.expect("grid index check"),
        0,
        "grid lists' index out of step with push_items"
    );
    db.cleanup().await.expect("cleanup");
}

fn id(n: u32) -> String {
    make_valid(&format!("41010519900101{n:03}"))
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wangge-push-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

struct Imported {
    result: Result<wangge_store::pushlist::PushImportSummary, StoreError>,
    errors: Vec<RowError>,
}

async fn import(store: &Store, name: &str, bytes: &[u8], due_hours: i64) -> Imported {
    let path = temp_file(name, bytes);
    let mut errors = Vec::new();
    let mut sink = |e: &RowError| errors.push(e.clone());
    let result = store
        .import_push_list(
            &Actor::system("test"),
            &path,
            &PushImport {
                name: name.into(),
                due_hours,
            },
            Arc::new(ReadProgress::default()),
            Some(&mut sink),
        )
        .await;
    Imported { result, errors }
}

fn worker(store_path: &str) -> Actor {
    Actor {
        scope: Scope::new(store_path),
        role: Role::GridWorker,
        ..Actor::system("worker")
    }
}

async fn node_path(store: &Store, code: &str) -> String {
    store
        .grid_node_by_code(&Actor::system("test"), code)
        .await
        .expect("node")
        .path
}

async fn all_items(
    store: &Store,
    actor: &Actor,
    view: ItemView,
) -> Vec<wangge_store::pushlist::PushItem> {
    store
        .list_push_items(
            actor,
            &PushItemFilter {
                view,
                limit: 1000,
                ..Default::default()
            },
            wangge_store::now(),
        )
        .await
        .expect("list")
}

async fn csv_in_three_encodings_imports_good_rows_and_reports_bad(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    // UTF-8 with BOM: full-width ID, lowercase x, a bad check digit, a bad date, a blank row
    let bad_check = {
        let good = id(7);
        let last = if good.ends_with('0') { '1' } else { '0' };
        format!("{}{}", &good[..17], last)
    };
    let full_width: String = id(1)
        .chars()
        .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
        .collect();
    let csv = format!(
        "\u{feff}{HEADER}\n\
         张三,{full_width},13800138000,上海市,2021-12-28 10:00,金水区纬五路社区第一网格5号楼,\n\
         李四,{},,北京市,2021/12/27,金水区纬五路社区第二网格3号,复核\n\
         王五,{bad_check},,广州市,2021-12-27,农科路社区第一网格,\n\
         赵六,{},,深圳市,2021-02-30,农科路社区第一网格,\n\
         ,,,,,,\n\
         钱七,{},,武汉市,2021-12-26,不知道哪里,\n",
        id(2).to_lowercase(),
        id(4),
        id(5),
    );
    let r = import(s, "utf8-bom.csv", csv.as_bytes(), 24).await;
    let summary = r.result.expect("import");
    assert_eq!(
        (
            summary.rows,
            summary.rejected,
            summary.created,
            summary.unassigned
        ),
        (5, 2, 3, 1),
        "{summary:?}"
    );
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
    assert_eq!(
        (r.errors[0].row, r.errors[0].field.as_str()),
        (4, "身份证号")
    );
    assert!(
        r.errors[0].message.contains("校验位"),
        "{}",
        r.errors[0].message
    );
    assert_eq!(
        (r.errors[1].row, r.errors[1].field.as_str()),
        (5, "抵达时间")
    );
    let stored = s
        .push_batch_errors(&Actor::system("test"), summary.batch_id)
        .await
        .unwrap();
    assert_eq!(stored, r.errors, "the downloadable report matches");

    // GBK without BOM, English headers in another order
    let gbk_text = format!(
        "address,name,id_number,origin,arrived_at,phone\n纬五路社区第一网格8号,孙八,{},成都市,2021-12-20,\n",
        id(8)
    );
    let gbk = encoding_rs::GB18030.encode(&gbk_text).0.into_owned();
    let r = import(s, "gbk.csv", &gbk, 24).await;
    let summary = r.result.expect("gbk import");
    assert_eq!((summary.created, summary.rejected), (1, 0));
    // UTF-8 without BOM
    let plain = format!(
        "{HEADER}\n周九,{},,西安市,2021-12-20,纬五路社区第二网格,\n",
        id(9)
    );
    let summary = import(s, "plain.csv", plain.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!(summary.created, 1);

    let admin = Actor::system("test");
    let items = all_items(s, &admin, ItemView::All).await;
    let by_name = |n: &str| items.iter().find(|i| i.name == n).expect(n).clone();
    assert_eq!(by_name("张三").node_code.as_deref(), Some(GRID_A));
    assert!(by_name("张三").id_number.is(&id(1)));
    assert_eq!(by_name("张三").phone.as_deref(), Some("13800138000"));
    assert_eq!(by_name("李四").node_code.as_deref(), Some(GRID_B));
    assert_eq!(by_name("钱七").node_code, None, "unassigned");
    assert_eq!(by_name("孙八").node_code.as_deref(), Some(GRID_A));
    assert_eq!(by_name("周九").node_code.as_deref(), Some(GRID_B));
    assert_eq!(
        by_name("张三").arrived_at.map(|t| t.to_string()).as_deref(),
        Some("2021-12-28 10:00:00")
    );
    finish(db).await;
}
both_backends!(
    csv_encodings,
    csv_in_three_encodings_imports_good_rows_and_reports_bad
);

async fn xlsx_with_date_cells_and_text_dates(kind: Kind) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let db = seeded(kind).await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let when = ExcelDateTime::from_ymd(2021, 12, 25)
        .unwrap()
        .and_hms(9, 30, 0)
        .unwrap();
    sheet.write_string(1, 0, "吴十").unwrap();
    sheet.write_string(1, 1, id(10)).unwrap();
    sheet.write_number(1, 2, 13900139000.0).unwrap();
    sheet.write_string(1, 3, "天津市").unwrap();
    sheet
        .write_datetime_with_format(1, 4, &when, &date_fmt)
        .unwrap();
    sheet.write_string(1, 5, "纬五路社区第一网格").unwrap();
    sheet.write_string(2, 0, "郑十一").unwrap();
    sheet.write_string(2, 1, id(11)).unwrap();
    sheet.write_string(2, 3, "重庆市").unwrap();
    sheet.write_string(2, 4, "2021年12月24日").unwrap();
    sheet.write_string(2, 5, "农科路社区第一网格").unwrap();
    // a bad date cell and an ID number stored as a number
    sheet.write_string(3, 0, "冯十二").unwrap();
    sheet.write_number(3, 1, 410105199001010000.0).unwrap();
    sheet.write_string(3, 4, "下周").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = import(&db.store, "list.xlsx", &bytes, 24).await;
    let summary = r.result.expect("xlsx import");
    assert_eq!(
        (summary.created, summary.rejected),
        (2, 1),
        "{:?}",
        r.errors
    );
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["身份证号", "抵达时间"]);
    assert!(r.errors.iter().all(|e| e.row == 4));
    let items = all_items(&db.store, &Actor::system("t"), ItemView::All).await;
    let wu = items.iter().find(|i| i.name == "吴十").unwrap();
    assert_eq!(wu.arrived_at.unwrap().to_string(), "2021-12-25 09:30:00");
    assert_eq!(wu.phone.as_deref(), Some("13900139000"));
    let zheng = items.iter().find(|i| i.name == "郑十一").unwrap();
    assert_eq!(zheng.arrived_at.unwrap().to_string(), "2021-12-24 00:00:00");
    finish(db).await;
}
both_backends!(xlsx_dates, xlsx_with_date_cells_and_text_dates);

async fn bad_files_import_nothing(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("姓名".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "文件为空"),
        (
            "header-only.csv",
            format!("{HEADER}\n").into_bytes(),
            "没有数据行",
        ),
        (
            "missing.csv",
            "姓名,手机号\n张三,13800138000\n".into(),
            "缺少列",
        ),
        ("utf16.csv", utf16, "UTF-16"),
        ("binary.csv", b"\x00\x01\x02garbage".to_vec(), "不是文本"),
        ("bad.xlsx", b"PK\x03\x04not really a zip".to_vec(), "Excel"),
    ];
    for (name, bytes, expect) in cases {
        let r = import(s, name, &bytes, 24).await;
        match r.result {
            Err(StoreError::RowsRejected(rows)) => {
                assert_eq!(rows.len(), 1, "{name}");
                assert!(
                    rows[0].message.contains(expect),
                    "{name}: {}",
                    rows[0].message
                );
            }
            other => panic!("{name}: expected refusal, got {other:?}"),
        }
    }
    let missing = import(s, "m.csv", "姓名,手机号\n张三,1\n".as_bytes(), 24).await;
    let Err(StoreError::RowsRejected(rows)) = missing.result else {
        panic!()
    };
    assert!(rows[0].message.contains("身份证号") && rows[0].message.contains("id_number"));
    // a UTF-8 file with a stray non-UTF-8 byte deep inside: that row only is refused
    let mut small = format!("{HEADER}\n李四,{},,", id(21)).into_bytes();
    small.extend_from_slice(b"\xB1\xB1\xFF,2021-12-01,x,\n");
    let r = import(s, "small-mixed.csv", &small, 24).await;
    assert!(matches!(r.result, Err(StoreError::RowsRejected(ref rows)) if rows[0].field == "表头"));
    // past the part that decides the encoding, only the row with stray bytes is refused
    let mut mixed = format!("{HEADER}\n").into_bytes();
    let filler = "x".repeat(480);
    for n in 100..250 {
        mixed.extend_from_slice(
            format!(
                "张三,{},,上海,2021-12-01,纬五路社区第一网格,{filler}\n",
                id(n)
            )
            .as_bytes(),
        );
    }
    mixed.extend_from_slice(format!("李四,{},,", id(21)).as_bytes());
    mixed.extend_from_slice(b"\xB1\xB1\xBE\xA9\xFF,2021-12-01,x,\n");
    let r = import(s, "mixed.csv", &mixed, 24).await;
    let summary = r.result.expect("partial import");
    assert_eq!((summary.created, summary.rejected), (150, 1));
    assert_eq!(
        (r.errors[0].row, r.errors[0].field.as_str()),
        (152, "来源地")
    );
    assert!(
        r.errors[0].message.contains("编码"),
        "{}",
        r.errors[0].message
    );
    // bad options
    let r = import(s, "x.csv", format!("{HEADER}\n").as_bytes(), 0).await;
    assert!(matches!(r.result, Err(StoreError::Invalid { ref field, .. }) if field == "due_hours"));
    let batches = s
        .list_push_batches(&Actor::system("t"), wangge_store::now())
        .await
        .unwrap();
    assert_eq!(batches.len(), 1, "only the partly good file made a batch");
    finish(db).await;
}
both_backends!(bad_files, bad_files_import_nothing);

async fn duplicates_merge_within_and_across_open_batches(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let first = format!(
        "{HEADER}\n张三,{a},,上海,2021-12-01,纬五路社区第一网格,\n张三,{a_lower},13800138000,上海,2021-12-01,纬五路社区第一网格,\n李四,{b},,北京,2021-12-01,纬五路社区第二网格,\n",
        a = id(30),
        a_lower = id(30).to_lowercase(),
        b = id(31)
    );
    let r1 = import(s, "b1.csv", first.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!((r1.created, r1.merged), (2, 1));
    let second = format!(
        "{HEADER}\n张三,{},,上海,2021-12-02,纬五路社区第一网格,\n王五,{},,广州,2021-12-02,纬五路社区第一网格,\n",
        id(30),
        id(32)
    );
    let r2 = import(s, "b2.csv", second.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!((r2.created, r2.merged), (1, 1));
    let open = all_items(s, &admin, ItemView::Open).await;
    assert_eq!(open.len(), 3, "one open item per person");
    let zhang = open.iter().find(|i| i.name == "张三").unwrap();
    assert_eq!(
        zhang.phone.as_deref(),
        Some("13800138000"),
        "phone filled in"
    );
    let merges = s.push_item_merges(&admin, zhang.id).await.unwrap();
    assert_eq!(
        merges,
        vec![("b1.csv".to_string(), 3), ("b2.csv".to_string(), 2)]
    );
    // batch 2 is not cleared while 张三 (merged from it) is open in batch 1
    let batches = s
        .list_push_batches(&admin, wangge_store::now())
        .await
        .unwrap();
    let b2 = batches.iter().find(|b| b.batch.id == r2.batch_id).unwrap();
    assert_eq!(b2.merged_open, 1);
    // once verified, a later push of the same person opens a new item
    s.verify_push_item(
        &admin,
        zhang.id,
        Verification::NotFound {
            reason: "空号".into(),
        },
    )
    .await
    .unwrap();
    let third = format!(
        "{HEADER}\n张三,{},,上海,2021-12-03,纬五路社区第一网格,\n",
        id(30)
    );
    let r3 = import(s, "b3.csv", third.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!((r3.created, r3.merged), (1, 0));
    // the old item cannot reopen while the new one is open
    let err = s
        .verify_push_item(&admin, zhang.id, Verification::Reached)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    finish(db).await;
}
both_backends!(
    duplicates_merge,
    duplicates_merge_within_and_across_open_batches
);

async fn every_state_change_is_checked_counted_and_audited(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let csv = format!(
        "{HEADER}\n甲,{},,上海,2021-12-01,纬五路社区第一网格,\n乙,{},,上海,2021-12-01,纬五路社区第一网格,\n丙,{},,上海,2021-12-01,纬五路社区第一网格,\n丁,{},,上海,2021-12-01,纬五路社区第一网格,\n",
        id(40), id(41), id(42), id(43)
    );
    let batch = import(s, "s.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap()
        .batch_id;
    let a = worker(&node_path(s, GRID_A).await);
    let items = all_items(s, &a, ItemView::Open).await;
    assert_eq!(items.len(), 4);
    let find = |n: &str| items.iter().find(|i| i.name == n).unwrap().id;
    let (jia, yi, bing, ding) = (find("甲"), find("乙"), find("丙"), find("丁"));

    // pending → reached → measures in place
    let r = s
        .verify_push_item(&a, jia, Verification::Reached)
        .await
        .unwrap();
    assert_eq!(r.state, PushState::Reached);
    let r = s
        .verify_push_item(
            &a,
            jia,
            Verification::MeasuresInPlace {
                measures: "居家健康监测14天".into(),
                arrival_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((r.state, r.arrival_id), (PushState::MeasuresInPlace, None));
    assert!(r.verified_at.is_some());
    // pending → reached → left the district, with destination
    s.verify_push_item(&a, yi, Verification::Reached)
        .await
        .unwrap();
    let r = s
        .verify_push_item(
            &a,
            yi,
            Verification::LeftDistrict {
                destination: "郑州市二七区".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.destination.as_deref(), Some("郑州市二七区"));
    // pending → not found, with reason; then found after all
    let r = s
        .verify_push_item(
            &a,
            bing,
            Verification::NotFound {
                reason: "电话空号，住址无此人".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.state, PushState::NotFound);
    let r = s
        .verify_push_item(&a, bing, Verification::Reached)
        .await
        .unwrap();
    assert_eq!(r.state, PushState::Reached);

    // refused: skipping a step, leaving a final state (naming the state), missing details
    // (naming the detail)
    for (item, v, field) in [
        (
            ding,
            Verification::MeasuresInPlace {
                measures: "隔离".into(),
                arrival_id: None,
            },
            "state",
        ),
        (jia, Verification::Reached, "state"),
        (yi, Verification::NotFound { reason: "x".into() }, "state"),
        (
            ding,
            Verification::NotFound { reason: " ".into() },
            "reason",
        ),
        (
            ding,
            Verification::NotFound {
                reason: "空\0号".into(),
            },
            "reason",
        ),
        (
            bing,
            Verification::LeftDistrict {
                destination: String::new(),
            },
            "destination",
        ),
    ] {
        let err = s.verify_push_item(&a, item, v.clone()).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid { field: ref f, .. } if f == field),
            "{v:?}: {err:?}"
        );
    }
    // the counters agree with the items
    let root = s
        .grid_node_by_code(&Actor::system("test"), "410105")
        .await
        .unwrap();
    let dash = s
        .push_dashboard(&admin, &root, Some(batch), wangge_store::now())
        .await
        .unwrap();
    assert_eq!(
        (
            dash.totals.pending,
            dash.totals.reached,
            dash.totals.verified
        ),
        (1, 1, 2)
    );
    assert!(!dash.cleared);
    // each change is in the audit log, before and after
    let log = s
        .list_audit(
            &Actor::system("test"),
            &AuditFilter {
                entity: Some("push_item".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 6);
    assert!(log
        .iter()
        .all(|e| e.action == "verify" && e.username == "worker"));
    assert!(log.iter().any(|e| e
        .after_json
        .as_deref()
        .unwrap_or("")
        .contains("郑州市二七区")));
    // close the rest: cleared
    s.verify_push_item(
        &a,
        bing,
        Verification::LeftDistrict {
            destination: "外省".into(),
        },
    )
    .await
    .unwrap();
    s.verify_push_item(
        &a,
        ding,
        Verification::NotFound {
            reason: "查无此人".into(),
        },
    )
    .await
    .unwrap();
    let dash = s
        .push_dashboard(&admin, &root, Some(batch), wangge_store::now())
        .await
        .unwrap();
    assert!(dash.cleared, "{dash:?}");
    assert_eq!(dash.totals.verified, 4);
    finish(db).await;
}
both_backends!(
    state_changes,
    every_state_change_is_checked_counted_and_audited
);

async fn worker_sees_only_their_grid_and_places_nothing_outside(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let csv = format!(
        "{HEADER}\n甲,{},,上海,2021-12-01,纬五路社区第一网格,\n乙,{},,上海,2021-12-01,纬五路社区第二网格,\n丙,{},,上海,2021-12-01,无名小区,\n",
        id(50), id(51), id(52)
    );
    import(s, "scope.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap();
    let admin = Actor::system("test");
    let all = all_items(s, &admin, ItemView::All).await;
    let of = |n: &str| all.iter().find(|i| i.name == n).unwrap().id;
    let a = worker(&node_path(s, GRID_A).await);
    let mine = all_items(s, &a, ItemView::All).await;
    assert_eq!(
        mine.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        vec!["甲"]
    );
    for other in [of("乙"), of("丙")] {
        assert!(matches!(
            s.push_item(&a, other).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.verify_push_item(&a, other, Verification::Reached).await,
            Err(StoreError::NotFound)
        ));
    }
    assert!(matches!(
        s.list_push_items(
            &a,
            &PushItemFilter {
                view: ItemView::Unassigned,
                limit: 10,
                ..Default::default()
            },
            wangge_store::now()
        )
        .await,
        Err(StoreError::Forbidden(_))
    ));
    // a township officer places the unassigned person in a grid of their street only
    let officer = Actor {
        scope: Scope::new(node_path(s, "410105001").await),
        role: Role::TownshipOfficer,
        ..Actor::system("officer")
    };
    let queue = all_items(s, &officer, ItemView::Unassigned).await;
    assert_eq!(queue.len(), 1);
    let err = s
        .place_push_item(&officer, of("丙"), "410105002001001")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { ref field, .. } if field == "node_code"));
    let placed = s.place_push_item(&officer, of("丙"), GRID_A).await.unwrap();
    assert_eq!(placed.node_code.as_deref(), Some(GRID_A));
    assert_eq!(
        all_items(s, &a, ItemView::All).await.len(),
        2,
        "now the worker's"
    );
    // a checkpoint operator reads no push list
    let op = Actor {
        role: Role::CheckpointOperator,
        ..Actor::system("op")
    };
    assert!(matches!(
        s.push_item(&op, of("甲")).await,
        Err(StoreError::Forbidden(_))
    ));
    finish(db).await;
}
both_backends!(
    scope,
    worker_sees_only_their_grid_and_places_nothing_outside
);

async fn dashboard_counts_overdue_and_drills_down(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let csv = format!(
        "{HEADER}\n甲,{},,上海,2021-12-01,纬五路社区第一网格,\n乙,{},,上海,2021-12-01,纬五路社区第二网格,\n丙,{},,上海,2021-12-01,农科路社区第一网格,\n丁,{},,上海,2021-12-01,无名小区,\n戊,{},,上海,2021-12-01,纬五路社区10号,\n",
        id(60), id(61), id(62), id(63), id(64)
    );
    let batch = import(s, "d.csv", csv.as_bytes(), 2)
        .await
        .result
        .unwrap()
        .batch_id;
    let later = wangge_store::now() + Duration::hours(3);
    let root = s
        .grid_node_by_code(&Actor::system("test"), "410105")
        .await
        .unwrap();
    let dash = s
        .push_dashboard(&admin, &root, Some(batch), later)
        .await
        .unwrap();
    assert_eq!((dash.totals.pending, dash.totals.overdue), (5, 5));
    assert_eq!(
        dash.rows.len(),
        3,
        "two streets and the unassigned queue: {:?}",
        dash.rows
    );
    let now = s
        .push_dashboard(&admin, &root, None, wangge_store::now())
        .await
        .unwrap();
    assert_eq!(now.totals.overdue, 0);
    // drill down to the community: its two grids and the one placed on the community itself
    let community = s
        .grid_node_by_code(&Actor::system("test"), "410105001001")
        .await
        .unwrap();
    let dash = s
        .push_dashboard(&admin, &community, Some(batch), later)
        .await
        .unwrap();
    let counts: Vec<i64> = dash.rows.iter().map(|r| r.totals.pending).collect();
    assert_eq!(counts, vec![1, 1, 1]);
    // overdue lists for the worker
    let a = worker(&node_path(s, GRID_A).await);
    let overdue = s
        .list_push_items(
            &a,
            &PushItemFilter {
                view: ItemView::Overdue,
                limit: 10,
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert!(overdue[0].is_overdue(later));
    // reached is still open and overdue; left the district is verified and no longer counts
    s.verify_push_item(&a, overdue[0].id, Verification::Reached)
        .await
        .unwrap();
    let open = s
        .list_push_items(
            &admin,
            &PushItemFilter {
                view: ItemView::Open,
                batch_id: Some(batch),
                limit: 10,
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    let other = open.iter().find(|i| i.id != overdue[0].id).unwrap();
    s.verify_push_item(
        &admin,
        other.id,
        Verification::LeftDistrict {
            destination: "上海".into(),
        },
    )
    .await
    .unwrap();
    let dash = s
        .push_dashboard(&admin, &root, Some(batch), later)
        .await
        .unwrap();
    assert_eq!((dash.totals.open(), dash.totals.overdue), (4, 4));
    let listed = s.list_push_batches(&admin, later).await.unwrap();
    let this = listed.iter().find(|b| b.batch.id == batch).unwrap();
    assert_eq!(this.totals.overdue, 4);
    assert_eq!(
        this.batch.due_at,
        this.batch.created_at + Duration::hours(2)
    );
    let listed = s
        .list_push_batches(&admin, wangge_store::now())
        .await
        .unwrap();
    let this = listed.iter().find(|b| b.batch.id == batch).unwrap();
    assert_eq!(this.totals.overdue, 0);
    // a worker cannot open the dashboard of a node outside their grid
    assert!(matches!(
        s.push_dashboard(&a, &root, None, later).await,
        Err(StoreError::NotFound)
    ));
    finish(db).await;
}
both_backends!(dashboard, dashboard_counts_overdue_and_drills_down);

async fn address_rules_place_people(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let admin = Actor::system("test");
    let rule = s
        .create_address_rule(&admin, "锦艺国际华都", GRID_B)
        .await
        .unwrap();
    assert_eq!(rule.node_code, GRID_B);
    assert!(s.create_address_rule(&admin, "x", GRID_B).await.is_err());
    assert!(s.create_address_rule(&admin, "某地", "999").await.is_err());
    let csv = format!(
        "{HEADER}\n甲,{},,上海,2021-12-01,金水区锦艺国际华都3号楼,\n",
        id(70)
    );
    import(s, "r.csv", csv.as_bytes(), 24).await.result.unwrap();
    let items = all_items(s, &admin, ItemView::All).await;
    assert_eq!(items[0].node_code.as_deref(), Some(GRID_B));
    s.delete_address_rule(&admin, rule.id).await.unwrap();
    assert!(s
        .list_address_rules(&Actor::system("test"))
        .await
        .unwrap()
        .is_empty());
    finish(db).await;
}
both_backends!(address_rules, address_rules_place_people);

#[test]
fn push_files_and_risk_areas_are_checked_without_a_database() {
    let dir = std::env::temp_dir().join(format!("wangge-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("list.csv");
    let good = wangge_domain::validate::make_valid("41010519900101123");
    let csv = format!(
        "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n张三,{good},13800138000,北京,2021-12-20,纬五路1号,\n李四,41010519900101123X,13800138000,北京,2021-12-20,纬五路2号,\n"
    );
    std::fs::write(&path, csv).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2021, 12, 28).unwrap();
    let (valid, errors) = wangge_store::pushlist::check_push_file(&path, today).unwrap();
    assert_eq!(valid, 1);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].row, 3);
    std::fs::write(&path, "no,headers,here\n1,2,3\n").unwrap();
    assert!(wangge_store::pushlist::check_push_file(&path, today).is_err());
    let _ = std::fs::remove_dir_all(&dir);

    let areas = "code,street,name,level,valid_from,valid_until\n610113,电子城街道,西安市雁塔区电子城街道,medium,2021-12-20,\n";
    assert_eq!(
        wangge_store::validate_risk_areas(wangge_store::RiskFormat::Csv, areas.as_bytes()).unwrap(),
        1
    );
    let bad = r#"[{"code": "61011", "name": "x", "level": "extreme", "valid_from": "2021-13-01"}]"#;
    assert!(
        wangge_store::validate_risk_areas(wangge_store::RiskFormat::Json, bad.as_bytes()).is_err()
    );
}

/// A file longer than a writer chunk and than one statement: people repeated across
/// statement and chunk boundaries are merged, and a second import of the same file merges
/// every row into the items the first one opened.
async fn long_file_merges_across_chunks(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let nth = |n: u32| {
        let day = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
            + chrono::Duration::days((n / 1000) as i64);
        make_valid(&format!("410105{}{:03}", day.format("%Y%m%d"), n % 1000))
    };
    let mut csv = format!("{HEADER}\n");
    for n in 0..5_100 {
        csv.push_str(&format!(
            "人{n},{},,上海,2021-12-01,纬五路社区第一网格,\n",
            nth(n)
        ));
    }
    // repeats: within a statement, across statements, across the 5,000-row chunk
    for n in [5_099, 4_990, 3, 3, 1_000, 49, 50, 0] {
        csv.push_str(&format!(
            "人{n},{},13800138000,上海,2021-12-02,纬五路社区第一网格,\n",
            nth(n)
        ));
    }
    let first = import(s, "long.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!((first.rows, first.created, first.merged), (5_108, 5_100, 8));
    let again = import(s, "again.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap();
    assert_eq!((again.created, again.merged), (0, 5_108));
    let admin = Actor::system("test");
    let open = all_items(s, &admin, ItemView::Open).await;
    let item = open.iter().find(|i| i.name == "人3").expect("人3 listed");
    assert_eq!(
        item.phone.as_deref(),
        Some("13800138000"),
        "phone merged in"
    );
    let merges = s.push_item_merges(&admin, item.id).await.unwrap();
    assert_eq!(
        merges.len(),
        5,
        "two repeats in the first file, all three rows of the second"
    );
    finish(db).await;
}
both_backends!(long_file, long_file_merges_across_chunks);

/// The items `actor` finds with the search typed as `q`, by name.
async fn found(s: &Store, actor: &Actor, view: ItemView, q: &str) -> Vec<String> {
    let search = wangge_domain::search::PersonSearch::parse("q", q).expect("search");
    let mut names: Vec<String> = s
        .list_push_items(
            actor,
            &PushItemFilter {
                view,
                search,
                limit: 1000,
                ..Default::default()
            },
            wangge_store::now(),
        )
        .await
        .expect("list")
        .into_iter()
        .map(|i| i.name)
        .collect();
    names.sort();
    names
}

async fn search_finds_by_name_number_and_last_four_in_scope_only(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    // 张三 in grid A, 张三丰 in grid B, 李%四 waits for placement
    let csv = format!(
        "{HEADER}\n张三,{},,上海,2021-12-01,纬五路社区第一网格,\n张三丰,{},,上海,2021-12-01,纬五路社区第二网格,\n李%四,{},,上海,2021-12-01,无名小区,\n",
        id(70), id(71), id(72)
    );
    import(s, "search.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap();
    let admin = Actor::system("test");
    let all = ItemView::All;
    assert_eq!(found(s, &admin, all, "张").await, ["张三", "张三丰"]);
    assert_eq!(found(s, &admin, all, "三丰").await, ["张三丰"]);
    // % and _ are taken literally
    assert_eq!(found(s, &admin, all, "%").await, ["李%四"]);
    assert!(found(s, &admin, all, "_").await.is_empty());
    assert_eq!(found(s, &admin, all, &id(71)).await, ["张三丰"]);
    assert_eq!(found(s, &admin, all, &id(70)[14..]).await, ["张三"]);
    assert!(found(s, &admin, all, "0000").await.is_empty());
    // a search keeps to the view and to the scope: grid A's worker finds nobody of grid B,
    // neither by name nor by the full number
    assert_eq!(
        found(s, &admin, ItemView::Unassigned, "李").await,
        ["李%四"]
    );
    assert!(found(s, &admin, ItemView::Verified, "张").await.is_empty());
    let a = worker(&node_path(s, GRID_A).await);
    assert_eq!(found(s, &a, all, "张").await, ["张三"]);
    assert!(found(s, &a, all, &id(71)).await.is_empty());
    assert!(found(s, &a, all, &id(71)[14..]).await.is_empty());
    assert!(found(s, &a, all, "李").await.is_empty());
    finish(db).await;
}
both_backends!(
    search,
    search_finds_by_name_number_and_last_four_in_scope_only
);

async fn bulk_placement_is_all_or_none_and_audited(kind: Kind) {
    let db = seeded(kind).await;
    let s = &db.store;
    let csv = format!(
        "{HEADER}\n甲,{},,上海,2021-12-01,无名小区1号,\n乙,{},,上海,2021-12-01,无名小区2号,\n丙,{},,上海,2021-12-01,无名小区3号,\n丁,{},,上海,2021-12-01,纬五路社区第二网格,\n",
        id(80), id(81), id(82), id(83)
    );
    import(s, "bulk.csv", csv.as_bytes(), 24)
        .await
        .result
        .unwrap();
    let admin = Actor::system("test");
    let items = all_items(s, &admin, ItemView::All).await;
    let of = |n: &str| items.iter().find(|i| i.name == n).unwrap().id;
    let officer = Actor {
        scope: Scope::new(node_path(s, "410105001").await),
        role: Role::TownshipOfficer,
        ..Actor::system("officer")
    };
    let field = |e: StoreError| match e {
        StoreError::Invalid { field, message } => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    };
    // nothing ticked, too many, no grid, a grid out of scope: refused, naming the field
    let (f, _) = field(s.place_push_items(&officer, &[], GRID_A).await.unwrap_err());
    assert_eq!(f, "items");
    let many: Vec<i64> = (1..=501).collect();
    let (f, m) = field(
        s.place_push_items(&officer, &many, GRID_A)
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "items");
    assert!(m.contains("500"), "{m}");
    let (f, _) = field(
        s.place_push_items(&officer, &[of("甲")], "")
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "node_code");
    let (f, _) = field(
        s.place_push_items(&officer, &[of("甲")], "410105002001001")
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "node_code");
    // 丁 sits in grid B: grid A is not under it, so the whole request is refused, naming 丁,
    // and 甲 stays unassigned; an id nobody can see is named by its place only
    let (f, m) = field(
        s.place_push_items(&officer, &[of("甲"), of("丁"), 999_999], GRID_A)
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "items");
    assert!(m.contains("丁（第 2 个）"), "{m}");
    assert!(m.contains("第 3 个所选记录不存在或不在辖区内"), "{m}");
    assert_eq!(all_items(s, &admin, ItemView::Unassigned).await.len(), 3);
    // 甲 and 乙 (乙 ticked twice) go to grid A at once; 丙 stays in the queue
    let placed = s
        .place_push_items(&officer, &[of("甲"), of("乙"), of("乙")], GRID_A)
        .await
        .unwrap();
    assert_eq!(placed.placed, vec![of("甲"), of("乙")]);
    assert!(placed.unchanged.is_empty());
    assert_eq!(placed.node_code, GRID_A);
    let queue = all_items(s, &admin, ItemView::Unassigned).await;
    assert_eq!(
        queue.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["丙"]
    );
    let a = worker(&node_path(s, GRID_A).await);
    let mine = all_items(s, &a, ItemView::All).await;
    assert_eq!(
        mine.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["甲", "乙"]
    );
    // again: already there, nothing to do
    let again = s
        .place_push_items(&officer, &[of("甲")], GRID_A)
        .await
        .unwrap();
    assert!(again.placed.is_empty());
    assert_eq!(again.unchanged, vec![of("甲")]);
    // each placement is audited as a single one is
    let log = s
        .list_audit(
            &admin,
            &AuditFilter {
                entity: Some("push_item".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let places: Vec<_> = log.iter().filter(|e| e.action == "place").collect();
    assert_eq!(places.len(), 2);
    assert!(places.iter().all(|e| e.username == "officer"));
    // the 见底清零 counters moved with the items: two in grid A, one still unassigned
    let community = s.grid_node_by_code(&admin, "410105001001").await.unwrap();
    let dash = s
        .push_dashboard(&admin, &community, None, wangge_store::now())
        .await
        .unwrap();
    let grid_a = dash
        .rows
        .iter()
        .find(|r| matches!(&r.place, RowPlace::Child { node } if node.code == GRID_A))
        .expect("grid A's row");
    assert_eq!(grid_a.totals.pending, 2);
    let root = s.grid_node_by_code(&admin, "410105").await.unwrap();
    let dash = s
        .push_dashboard(&admin, &root, None, wangge_store::now())
        .await
        .unwrap();
    let queue = dash
        .rows
        .iter()
        .find(|r| matches!(r.place, RowPlace::Unassigned))
        .expect("the unassigned row");
    assert_eq!(queue.totals.pending, 1);
    finish(db).await;
}
both_backends!(bulk_placement, bulk_placement_is_all_or_none_and_audited);
