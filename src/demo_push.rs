//! The demo district's push lists and checkpoints: two batches (one a day old with overdue
//! people, one fresh), people at every step of verification, three checkpoints with a day of
//! scans and a few alerts — so the dashboards have something to show. One alert is a fever at
//! the highway checkpoint of 祭城路街道 of a person arriving on 纬五路社区第一网格 (经八路街道):
//! it reaches that grid's worker (`wangge1`) with the person's name.

use std::sync::Arc;

use chrono::{Duration, Utc};
use wangge_domain::arrival::ArrivalStatus;
use wangge_domain::checkpoint::{CheckpointKind, ScanInput};
use wangge_domain::pushlist::Verification;
use wangge_store::checkpoints::{NewCheckpoint, ScanWriter};
use wangge_store::pushlist::{ItemView, PushImport, PushItemFilter, ReadProgress};
use wangge_store::{Actor, ArrivalFilter, IdNumberOf, Store, StoreError};

use crate::bench::{nth_id_number, Lcg};

/// Demo push-list people get ID numbers from this offset on, clear of the residents'.
const FIRST_ID: u64 = 5_000_000;
const ORIGINS: [&str; 4] = [
    "上海市浦东新区",
    "北京市朝阳区",
    "西安市雁塔区",
    "天津市河西区",
];

fn batch_csv(first: u64, count: u64, streets: &[&[&str]], rng: &mut Lcg) -> String {
    let mut csv = String::from("姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n");
    for k in 0..count {
        let communities = streets[(k as usize) % streets.len()];
        let c = rng.below(2) as usize;
        let g = ["一", "二"][rng.below(2) as usize];
        let address = if k % 9 == 8 {
            format!("郑州市金水区某某路{}号", 10 + k)
        } else {
            format!("{}第{g}网格{}号楼", communities[c], 1 + rng.below(20))
        };
        csv.push_str(&format!(
            "推送{}号,{},13{:09},{},2021-12-{:02} {:02}:30,{address},\n",
            first + k - FIRST_ID + 1,
            nth_id_number(first + k),
            rng.below(1_000_000_000),
            ORIGINS[(k % 4) as usize],
            20 + k % 8,
            8 + k % 12,
        ));
    }
    csv
}

async fn import(store: &Store, actor: &Actor, name: &str, csv: &str) -> Result<i64, StoreError> {
    // several demo districts may be built at once (tests): each file its own name
    let path =
        std::env::temp_dir().join(format!("wangge-demo-{}.csv", wangge_store::random_token()));
    std::fs::write(&path, csv).map_err(|e| StoreError::Internal(e.to_string()))?;
    let summary = store
        .import_push_list(
            actor,
            &path,
            &PushImport {
                name: name.into(),
                due_hours: 24,
            },
            Arc::new(ReadProgress::default()),
            None,
        )
        .await;
    let _ = std::fs::remove_file(&path);
    Ok(summary?.batch_id)
}

pub async fn add(store: &Store, actor: &Actor) -> Result<(), StoreError> {
    let mut rng = Lcg(20220105);
    // the first two streets: 经八路 (纬五路、经五路 communities) and 花园路
    let streets: [&[&str]; 2] = [&["纬五路社区", "经五路社区"], &["农科路社区", "花园里社区"]];
    let old = import(
        store,
        actor,
        "省大数据推送 12月27日",
        &batch_csv(FIRST_ID, 40, &streets, &mut rng),
    )
    .await?;
    store.backdate_push_batch(old, 30).await?;
    import(
        store,
        actor,
        "省大数据推送 12月28日",
        &batch_csv(FIRST_ID + 40, 30, &streets, &mut rng),
    )
    .await?;
    // work done on the older batch: some verified, some reached, the rest overdue
    let items = store
        .list_push_items(
            actor,
            &PushItemFilter {
                batch_id: Some(old),
                view: ItemView::Open,
                limit: 1000,
                ..Default::default()
            },
            wangge_store::now(),
        )
        .await?;
    for (k, item) in items.iter().filter(|i| i.node_id.is_some()).enumerate() {
        let steps: Vec<Verification> = match k % 6 {
            0 | 1 => vec![
                Verification::Reached,
                Verification::MeasuresInPlace {
                    measures: "居家健康监测14天".into(),
                    arrival_id: None,
                },
            ],
            2 => vec![
                Verification::Reached,
                Verification::LeftDistrict {
                    destination: "郑州市中原区".into(),
                },
            ],
            3 => vec![Verification::NotFound {
                reason: "电话空号，住址查无此人".into(),
            }],
            4 => vec![Verification::Reached],
            _ => vec![],
        };
        for v in steps {
            store.verify_push_item(actor, item.id, v).await?;
        }
    }
    add_checkpoints(store, actor, &mut rng).await
}

async fn add_checkpoints(store: &Store, actor: &Actor, rng: &mut Lcg) -> Result<(), StoreError> {
    let new = |node: &str, name: &str, kind, location: &str| NewCheckpoint {
        node_code: node.into(),
        name: name.into(),
        kind,
        location: location.into(),
    };
    let checkpoints = [
        new(
            "410105005001",
            "G4京港澳高速郑州北站卡口",
            CheckpointKind::Highway,
            "收费站出口",
        ),
        new(
            "410105001002",
            "经五路小区东门",
            CheckpointKind::Estate,
            "东门岗亭",
        ),
        new(
            "410105002002",
            "花园里丹尼斯超市",
            CheckpointKind::Supermarket,
            "正门",
        ),
    ];
    let writer = ScanWriter::start(store.clone());
    let now = Utc::now();
    // a person arriving on 纬五路社区第一网格 (or else elsewhere in 经八路街道), not released
    let arriving = store
        .list_arrivals(
            actor,
            &ArrivalFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|a| {
            a.node_code.starts_with("410105001")
                && matches!(
                    a.status,
                    ArrivalStatus::Reported | ArrivalStatus::Arrived | ArrivalStatus::UnderMeasures
                )
        })
        .min_by_key(|a| (a.node_code != "410105001001001", a.id))
        .map(|a| a.id);
    let arriving = match arriving {
        Some(id) => Some(
            store
                .reveal_id_number(actor, IdNumberOf::Arrival(id))
                .await?
                .to_string(),
        ),
        None => None,
    };
    // a person still open on the older push list, traced in 花园路 (a demo push-list alert)
    let pushed = store
        .list_push_items(
            actor,
            &PushItemFilter {
                view: ItemView::Open,
                limit: 1000,
                ..Default::default()
            },
            wangge_store::now(),
        )
        .await?
        .into_iter()
        .find(|i| {
            i.node_code
                .as_deref()
                .is_some_and(|c| c.starts_with("410105002"))
        })
        .map(|i| i.id);
    // the demo's scanner "sees" one pushed person: their number, read the audited way
    let pushed = match pushed {
        Some(id) => Some(
            store
                .reveal_id_number(actor, wangge_store::IdNumberOf::PushItem(id))
                .await?
                .to_string(),
        ),
        None => None,
    };
    for (n, cp) in checkpoints.iter().enumerate() {
        let cp = store.create_checkpoint(actor, cp).await?;
        let target = Arc::new(store.scan_target(actor, cp.id).await?);
        let mut scans = Vec::new();
        for k in 0..120u64 {
            let at = now - Duration::minutes((k * 11 + rng.below(10)) as i64);
            let mut input = ScanInput {
                temperature: Some(36.0 + rng.below(9) as f64 / 10.0),
                code_colour: Some("green".into()),
                direction: Some(if k % 2 == 0 { "in" } else { "out" }.into()),
                scanned_at: Some(at),
                ..Default::default()
            };
            if n == 0 && k % 3 == 0 {
                input.plate = Some(format!("豫A{:05}", rng.below(100_000)));
                input.temperature = None;
                input.code_colour = None;
            } else {
                input.id_number = Some(nth_id_number(4_000_000 + rng.below(5000)));
            }
            match k {
                7 | 61 => input.temperature = Some(37.8),
                30 => input.code_colour = Some("red".into()),
                90 => input.code_colour = Some("yellow".into()),
                45 if n == 2 => input.id_number = pushed.clone(),
                // (k = 16 is a person, not a car, at the highway checkpoint)
                16 if n == 0 && arriving.is_some() => {
                    input.id_number = arriving.clone();
                    input.temperature = Some(38.2);
                }
                _ => {}
            }
            if let Ok(scan) = input.check(now) {
                scans.push(scan);
            }
        }
        writer.submit(target, scans).await?;
    }
    Ok(())
}
