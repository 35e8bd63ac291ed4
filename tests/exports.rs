//! Exports of every list (XLSX and CSV), on SQLite and PostgreSQL: each opens with its header
//! and rows (XLSX with calamine, CSV with `csv`), ID numbers masked, formula starts guarded in
//! both formats, a worker's export holds only their scope, the page's filters apply, long
//! lists are read page by page up to the cap (a long XLSX through its job and progress page),
//! and each importer's CSV template imports back.

mod common;

use std::time::Duration;

use common::{wait_until, within, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::code::{GRID_A, GRID_B};
use wangge_store::testing::Kind;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An XLSX's first sheet as text cells.
fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("valid xlsx");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable sheet");
    sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A CSV export: UTF-8 with a BOM, records of any length.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.expect("CSV record").iter().map(str::to_string).collect())
        .collect()
}

/// The file `path` (an export address with its query, ending in `?` or `&`) answers as
/// `format`, following an XLSX job to its file; the rows without their title row.
async fn export(c: &Client, path: &str, format: &str) -> Vec<Vec<String>> {
    let url = format!("{path}format={format}");
    let (status, headers, bytes) = c.get_bytes(&url).await;
    let (headers, bytes) = if status == StatusCode::SEE_OTHER {
        assert_eq!(format, "xlsx", "only XLSX exports run as jobs: {url}");
        let job = headers["location"].to_str().unwrap().to_string();
        follow_job(c, &job).await
    } else {
        assert_eq!(status, StatusCode::OK, "{url}");
        (headers, bytes)
    };
    assert_eq!(headers["cache-control"], "no-store", "{url}");
    let disposition = headers["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"")
            && disposition.contains(&format!(".{format}\"; filename*=UTF-8''%E")),
        "{url}: a Chinese file name with an ASCII fallback: {disposition}"
    );
    let ct = headers["content-type"].to_str().unwrap();
    let mut rows = if format == "xlsx" {
        assert_eq!(ct, XLSX, "{url}");
        xlsx_rows(bytes)
    } else {
        assert_eq!(ct, "text/csv; charset=utf-8", "{url}");
        csv_rows(&bytes)
    };
    assert!(rows.len() >= 2, "{url}: a title and a header row");
    let title = rows.remove(0);
    assert!(title[0].contains("导出于"), "{url}: {title:?}");
    rows
}

/// Waits for export job `job` (its progress page's address) and downloads its file.
async fn follow_job(c: &Client, job: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    assert!(job.starts_with("/exports/jobs/"), "{job}");
    let page = c.get(job).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/static/jobs.js"), "{}", page.body);
    let progress = format!("{job}/progress");
    let progress = progress.as_str();
    let state = wait_until(within(Duration::from_secs(60)), || async move {
        let p = c.get(progress).await.json();
        (p["state"] != "running").then_some(p)
    })
    .await
    .unwrap_or_else(|| panic!("{job} still running after 60 s"));
    assert_eq!(state["state"], "done", "{state}");
    let page = c.get(job).await;
    assert!(
        page.body.contains("导出完成") && page.body.contains(&format!("{job}/download")),
        "{}",
        page.body
    );
    let (status, headers, bytes) = c.get_bytes(&format!("{job}/download")).await;
    assert_eq!(status, StatusCode::OK);
    (headers, bytes)
}

/// Both formats of `path`: the same header and rows (the title holds the time, and is left
/// out by [`export`]).
async fn both(c: &Client, path: &str) -> Vec<Vec<String>> {
    let xlsx = export(c, path, "xlsx").await;
    let csv = export(c, path, "csv").await;
    // calamine reads an empty cell at a row's end as "", the CSV has every cell
    let trim = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|mut r| {
                while r.last().is_some_and(String::is_empty) {
                    r.pop();
                }
                r
            })
            .collect()
    };
    let (xlsx, csv) = (trim(xlsx), trim(csv));
    assert_eq!(xlsx, csv, "{path}: XLSX and CSV hold the same table");
    csv
}

/// The column headed `header`.
fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", rows[0]))
}

/// The data rows (after the header), padded to the header's width.
fn data(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows[1..]
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.resize(rows[0].len(), String::new());
            r
        })
        .collect()
}

fn masked(cell: &str) -> bool {
    let n = cell.chars().count();
    cell.is_empty() || (n > 4 && cell.chars().take(n - 4).all(|c| c == '*'))
}

async fn every_list_exports_with_its_header_and_rows(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let checkpoint = admin.get("/api/v1/checkpoints").await.json()[0]["id"].clone();
    let lists = [
        ("/daily/export?", vec!["所属网格", "姓名", "身份证号"]),
        ("/arrivals/export?", vec!["报备编号", "姓名", "身份证号"]),
        (
            "/pushlists/items/export?view=all&",
            vec!["批次", "姓名", "身份证号"],
        ),
        ("/pushlists/export?", vec!["名称", "编码", "待核查"]),
        ("/residents/export?", vec!["姓名", "身份证号", "手机号"]),
        (
            "/checkpoints/alerts/export?",
            vec!["时间", "卡口", "预警原因", "身份证号", "姓名"],
        ),
        (
            &*format!("/checkpoints/{checkpoint}/scans/export?"),
            vec!["时间", "身份证号", "车牌"],
        ),
        ("/audit/export?", vec!["时间", "操作人", "令牌"]),
    ];
    for (path, header) in lists {
        let rows = both(&admin, path).await;
        assert_eq!(rows[0][..header.len()], header, "{path}");
        assert!(rows.len() > 1, "{path}: the demo district has rows");
        if let Some(id) = rows[0].iter().position(|h| h == "身份证号") {
            for r in data(&rows) {
                assert!(masked(&r[id]), "{path}: {:?} is masked", r[id]);
            }
        }
    }
    // the list pages link to their exports with their filters, in both formats
    let page = admin.get("/arrivals?status=reported&date=").await;
    assert!(
        page.body
            .contains("/arrivals/export?status=reported&#38;format=csv")
            && page
                .body
                .contains("/arrivals/export?status=reported&#38;format=xlsx"),
        "{}",
        page.body
    );
    let page = admin.get("/pushlists/items?view=overdue").await;
    assert!(page
        .body
        .contains("/pushlists/items/export?view=overdue&#38;format=xlsx"));
    for (page, link) in [
        ("/daily", "/daily/export?date="),
        ("/pushlists", "/pushlists/export?node=410105&#38;format=csv"),
        ("/residents", "/residents/export?format=csv"),
        (
            "/checkpoints/alerts?open=1",
            "/checkpoints/alerts/export?open=1&#38;format=csv",
        ),
        (
            "/audit?entity=resident",
            "/audit/export?entity=resident&#38;format=csv",
        ),
        (
            &*format!("/checkpoints/{checkpoint}"),
            "/scans/export?format=csv",
        ),
    ] {
        let body = admin.get(page).await.body;
        assert!(body.contains(link), "{page} links to {link}");
        assert!(
            body.contains("导出 Excel") && body.contains("导出 CSV"),
            "{page}"
        );
    }
    // a format that is neither is refused naming the parameter
    let r = admin.get("/residents/export?format=pdf").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("format"), "{}", r.body);
    srv.stop().await;
}
both_backends!(every_list, every_list_exports_with_its_header_and_rows);

async fn exports_mask_guard_and_keep_to_the_scope(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let worker = srv.login("wangge1").await;
    let csrf = worker.csrf().await;
    let full = make_valid("41010519900307551");
    let r = worker
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": full, "name": "=1+2", "phone": "13800138000",
                    "node_code": GRID_A, "address": "@SUM(A1) 纬五路1号"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let me = worker.get("/api/v1/me").await.json();
    let grid = me["node_name"].as_str().unwrap().to_string();
    for format in ["xlsx", "csv"] {
        let rows = export(&worker, "/residents/export?", format).await;
        let (name, id, node, address) = (
            column(&rows, "姓名"),
            column(&rows, "身份证号"),
            column(&rows, "所属网格"),
            column(&rows, "住址"),
        );
        let rows = data(&rows);
        let mine = rows
            .iter()
            .find(|r| r[name].contains("1+2"))
            .unwrap_or_else(|| panic!("{format}: the new resident"));
        assert_eq!(mine[name], "'=1+2", "{format}: formula guarded");
        assert_eq!(mine[address], "'@SUM(A1) 纬五路1号", "{format}");
        assert_eq!(
            mine[id],
            format!("**************{}", &full[14..]),
            "{format}"
        );
        // a worker's export is their grid's, and nothing else
        assert!(
            rows.iter().all(|r| r[node] == grid),
            "{format}: only {grid}"
        );
        assert!(rows.iter().all(|r| r[id] != full && masked(&r[id])));
    }
    // the raw CSV holds the full number nowhere
    let (_, _, bytes) = worker.get_bytes("/residents/export?format=csv").await;
    assert!(!String::from_utf8_lossy(&bytes).contains(&full));
    // the district sees that grid's and others' residents
    let admin = srv.login("admin").await;
    let rows = both(&admin, "/residents/export?").await;
    let node = column(&rows, "所属网格");
    assert!(data(&rows).iter().any(|r| r[node] == grid));
    assert!(data(&rows).iter().any(|r| r[node] != grid));

    // push items: the worker's export is their grid's open items (the demo's and a new one)
    let acsrf = admin.csrf().await;
    let csv = format!(
        "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n\
         =HYPERLINK(\"x\"),{},13800138000,上海市,2021-12-20 08:00,+纬五路社区第一网格3号楼,-1\n\
         乙一,{},,广州市,2021-12-21,纬五路社区第二网格2号楼,\n",
        make_valid("11010119850101771"),
        make_valid("11010119850101772"),
    );
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import?name=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95",
            csv.into_bytes(),
            &[("x-csrf-token", &acsrf), ("content-type", "text/csv")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let batch = r.json()["summary"]["batch_id"].clone();
    for format in ["xlsx", "csv"] {
        let rows = export(&worker, "/pushlists/items/export?view=all&", format).await;
        let (name, address, node, note) = (
            column(&rows, "姓名"),
            column(&rows, "住址"),
            column(&rows, "所属网格"),
            column(&rows, "备注"),
        );
        let rows = data(&rows);
        let new = rows
            .iter()
            .find(|r| r[name].contains("HYPERLINK"))
            .expect("the new item of grid A");
        assert_eq!(new[name], "'=HYPERLINK(\"x\")", "{format}");
        assert_eq!(new[address], "'+纬五路社区第一网格3号楼", "{format}");
        assert_eq!(new[note], "'-1", "{format}");
        assert!(
            rows.iter().all(|r| r[node] == grid),
            "{format}: only {grid}"
        );
        assert!(
            !rows.iter().any(|r| r[name] == "乙一"),
            "grid B's item is not here"
        );
    }
    // a worker of grid B sees theirs, not grid A's
    let other = srv.login("wangge2").await;
    let rows = export(
        &other,
        &format!("/pushlists/items/export?view=all&batch={batch}&"),
        "csv",
    )
    .await;
    let name = column(&rows, "姓名");
    let rows = data(&rows);
    let names: Vec<&str> = rows.iter().map(|r| r[name].as_str()).collect();
    assert_eq!(names, ["乙一"], "grid B's export of the batch");
    // a grid out of the worker's scope is refused as absent
    let r = worker
        .get(&format!("/pushlists/items/export?node={GRID_B}&format=csv"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // the unassigned queue is for those who place people
    let r = worker
        .get("/pushlists/items/export?view=unassigned&format=csv")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    srv.stop().await;
}
both_backends!(mask_guard_scope, exports_mask_guard_and_keep_to_the_scope);

async fn exports_apply_the_pages_filters(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    // arrivals by status and date
    let all = both(&admin, "/arrivals/export?").await;
    let (status, date) = (column(&all, "状态"), column(&all, "抵达日期"));
    let all = data(&all);
    let reported = both(&admin, "/arrivals/export?status=reported&").await;
    let reported = data(&reported);
    assert!(!reported.is_empty() && reported.len() < all.len());
    assert!(reported.iter().all(|r| r[status] == "已报备"));
    assert_eq!(
        reported.len(),
        all.iter().filter(|r| r[status] == "已报备").count()
    );
    let day = all[0][date].clone();
    let on_day = data(&both(&admin, &format!("/arrivals/export?date={day}&")).await);
    assert!(!on_day.is_empty() && on_day.iter().all(|r| r[date] == day));
    assert_eq!(on_day.len(), all.iter().filter(|r| r[date] == day).count());
    // a bad filter is refused as on the page
    let r = admin
        .get("/arrivals/export?date=2021-13-01&format=csv")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("date"));
    // the audit log by entity
    let audit = both(&admin, "/audit/export?entity=resident&").await;
    let entity = column(&audit, "对象");
    let audit = data(&audit);
    assert!(!audit.is_empty() && audit.iter().all(|r| r[entity] == "常住人员"));
    let r = admin.get("/audit/export?from=yesterday&format=csv").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // push items by view, and the summary of one node
    let open = data(&both(&admin, "/pushlists/items/export?").await);
    let every = data(&both(&admin, "/pushlists/items/export?view=all&").await);
    assert!(open.len() <= every.len());
    let summary = both(&admin, "/pushlists/export?").await;
    let pending = column(&summary, "待核查");
    let summary = data(&summary);
    let total = summary.last().expect("the total row");
    assert_eq!(total[0], "合计");
    let sum: i64 = summary[..summary.len() - 1]
        .iter()
        .map(|r| r[pending].parse::<i64>().unwrap())
        .sum();
    assert_eq!(total[pending].parse::<i64>().unwrap(), sum);
    let street = both(&admin, "/pushlists/export?node=410105001&").await;
    assert!(data(&street)[0][1].starts_with("410105001"), "{street:?}");
    // open alerts only
    let alerts = both(&admin, "/checkpoints/alerts/export?").await;
    let state = column(&alerts, "状态");
    let open_alerts = data(&both(&admin, "/checkpoints/alerts/export?open=1&").await);
    assert!(open_alerts.iter().all(|r| r[state] == "未处置"));
    let outcome = column(&alerts, "处置结果");
    assert!(open_alerts.iter().all(|r| r[outcome].is_empty()));
    assert_eq!(
        open_alerts.len(),
        data(&alerts)
            .iter()
            .filter(|r| r[state] == "未处置")
            .count()
    );
    srv.stop().await;
}
both_backends!(filters, exports_apply_the_pages_filters);

async fn long_exports_read_by_pages_up_to_the_cap(kind: Kind) {
    let config = wangge_server::AppConfig {
        export_page_rows: 7,
        export_max_rows: 20,
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let admin = srv.login("admin").await;
    let api: Value = admin.get("/api/v1/residents?limit=25").await.json();
    let api: Vec<(String, String)> = api
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["id_number"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(api.len(), 25, "the demo has more residents than the cap");
    // CSV: streamed in pages of 7, the first 20 in order, then the note
    let (status, _, bytes) = admin.get_bytes("/residents/export?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let check = |rows: &[Vec<String>], format: &str| {
        assert_eq!(rows[1][..2], ["姓名", "身份证号"], "{format}");
        let got: Vec<(String, String)> = rows[2..22]
            .iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(got, api[..20], "{format}: pages read in order, none twice");
        assert_eq!(rows.len(), 23, "{format}: title, header, 20 rows, the note");
        assert!(
            rows[22][0].contains("已达导出上限 20 行") && rows[22][0].contains("缩小筛选范围"),
            "{format}: {:?}",
            rows[22]
        );
    };
    check(&csv_rows(&bytes), "csv");
    // XLSX: longer than a page, so a job with a progress page; only its owner sees it
    let (status, headers, _) = admin.get_bytes("/residents/export?format=xlsx").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let job = headers["location"].to_str().unwrap().to_string();
    let (_, bytes) = follow_job(&admin, &job).await;
    check(&xlsx_rows(bytes), "xlsx");
    let progress = admin.get(&format!("{job}/progress")).await.json();
    assert_eq!(progress["summary"]["rows"], 20);
    assert_eq!(progress["summary"]["truncated"], true);
    assert!(admin.get(&job).await.body.contains("已达导出上限"));
    let other = srv.login("jingbalu").await;
    for path in [
        job.clone(),
        format!("{job}/progress"),
        format!("{job}/download"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // a list within the cap is whole, with no note: a community's residents, paged by 7
    let worker = srv.login("weiwulu").await;
    let mine: Value = worker.get("/api/v1/residents?limit=25").await.json();
    let mine = mine.as_array().unwrap().len();
    assert!(mine > 7 && mine <= 20, "{mine} residents in the community");
    let rows = data(&both(&worker, "/residents/export?").await);
    assert_eq!(rows.len(), mine);
    srv.stop().await;
}
both_backends!(paging_and_cap, long_exports_read_by_pages_up_to_the_cap);

/// Posts `file` to an importer's page form.
async fn upload(c: &Client, path: &str, name: &str, file: &[u8]) -> common::Reply {
    let csrf = c.csrf().await;
    c.post_multipart(
        path,
        &[("csrf", None, csrf.as_bytes()), ("file", Some(name), file)],
    )
    .await
}

async fn importer_templates_import_back(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    for (page, template) in [
        ("/pushlists", "/pushlists/template.csv"),
        ("/grid", "/grid/template.csv"),
        ("/risk-areas", "/risk-areas/template.csv"),
    ] {
        let body = admin.get(page).await.body;
        assert!(
            body.contains(template) && body.contains("下载模板"),
            "{page}"
        );
    }
    // the push list: the importer's columns, one example row that imports (to be placed)
    let (status, headers, bytes) = admin.get_bytes("/pushlists/template.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''"));
    let rows = csv_rows(&bytes);
    let labels: Vec<&str> = wangge_domain::pushlist::columns::Column::ALL
        .iter()
        .map(|c| c.label_zh())
        .collect();
    assert_eq!(rows[0], labels);
    assert_eq!(rows.len(), 2, "the header and one example");
    let r = upload(&admin, "/pushlists/import", "模板.csv", &bytes).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location().unwrap().to_string();
    let progress = format!("{job}/progress");
    let progress = progress.as_str();
    let c = &admin;
    let state = wait_until(within(Duration::from_secs(30)), || async move {
        let p = c.get(progress).await.json();
        (p["state"] != "running").then_some(p)
    })
    .await
    .expect("import finished");
    assert_eq!(state["state"], "done", "{state}");
    assert_eq!(state["summary"]["created"], 1, "{state}");
    assert_eq!(state["summary"]["rejected"], 0, "{state}");
    assert_eq!(state["summary"]["unassigned"], 1, "{state}");
    // the grid tree: one node below the admin's district
    let (_, _, bytes) = admin.get_bytes("/grid/template.csv").await;
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0], ["编码", "名称", "层级", "上级编码"]);
    let r = upload(&admin, "/grid/import", "grid.csv", &bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 1"), "{}", r.body);
    // risk areas
    let (_, _, bytes) = admin.get_bytes("/risk-areas/template.csv").await;
    let rows = csv_rows(&bytes);
    assert_eq!(
        rows[0],
        [
            "区划代码",
            "街道",
            "名称",
            "风险等级",
            "起始日期",
            "截止日期"
        ]
    );
    let r = upload(&admin, "/risk-areas/import", "risk.csv", &bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("新增 1"), "{}", r.body);
    // a grid worker imports nothing, and gets no template
    let worker = srv.login("wangge1").await;
    for t in [
        "/pushlists/template.csv",
        "/grid/template.csv",
        "/risk-areas/template.csv",
    ] {
        assert_eq!(worker.get(t).await.status, StatusCode::FORBIDDEN, "{t}");
    }
    srv.stop().await;
}
both_backends!(templates, importer_templates_import_back);

/// `reveal=1`: the district and the townships export full ID numbers, each export audited
/// (list, filters, format); a grid worker is refused before a row is read and nothing is
/// logged; the page offers the links only to those who may; a bad `reveal` names the field.
async fn exports_with_full_id_numbers(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let worker = srv.login("wangge1").await;
    let csrf = worker.csrf().await;
    let full = make_valid("41010519900307552");
    let r = worker
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": full, "name": "全号甲", "phone": "13800138000",
                    "node_code": GRID_A, "address": "纬五路2号"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = worker.get("/residents").await;
    assert!(page.body.contains("format=csv") && !page.body.contains("reveal=1"));
    for format in ["xlsx", "csv"] {
        let r = worker
            .get(&format!("/residents/export?reveal=1&format={format}"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{format}");
        assert!(r.body.contains("导出完整身份证号"), "{}", r.body);
        assert!(!r.body.contains(&full));
    }
    let r = worker.get("/residents/export?reveal=2&format=csv").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("reveal"), "{}", r.body);

    for who in ["admin", "jingbalu"] {
        let c = srv.login(who).await;
        let page = c.get("/residents?q=%E5%85%A8%E5%8F%B7%E7%94%B2").await;
        assert!(
            page.body.contains("reveal=1"),
            "{who}: the links are offered"
        );
        for format in ["xlsx", "csv"] {
            let url =
                format!("/residents/export?q=%E5%85%A8%E5%8F%B7%E7%94%B2&reveal=1&format={format}");
            let (status, _, bytes) = c.get_bytes(&url).await;
            assert_eq!(status, StatusCode::OK, "{who} {format}");
            let rows = if format == "xlsx" {
                xlsx_rows(bytes)
            } else {
                csv_rows(&bytes)
            };
            assert!(rows[0][0].contains("含完整身份证号"), "{:?}", rows[0]);
            let id = column(&rows[1..], "身份证号");
            let ids: Vec<&str> = rows[2..].iter().map(|r| r[id].as_str()).collect();
            assert_eq!(
                ids,
                [full.as_str()],
                "{who} {format}: the searched one, in full"
            );
        }
        // without reveal the same export stays masked
        let rows = export(
            &c,
            "/residents/export?q=%E5%85%A8%E5%8F%B7%E7%94%B2&",
            "csv",
        )
        .await;
        let id = column(&rows, "身份证号");
        assert!(data(&rows).iter().all(|r| masked(&r[id])));
    }
    // each full export is one entry in the log: who, which list, filters, format
    let admin = srv.login("admin").await;
    let log = admin.get("/api/v1/audit?entity=export").await.json();
    let log = log.as_array().expect("entries");
    assert_eq!(log.len(), 4, "two formats × two users: {log:?}");
    let users: Vec<&str> = log.iter().filter_map(|e| e["username"].as_str()).collect();
    assert!(
        users.contains(&"admin") && users.contains(&"jingbalu"),
        "{users:?}"
    );
    assert!(log.iter().all(|e| e["action"] == "export_id_numbers"));
    let text = serde_json::to_string(log).unwrap();
    assert!(
        text.contains("常住人口") && text.contains("全号甲") && text.contains("csv"),
        "{text}"
    );
    let page = admin.get("/audit?entity=export").await;
    assert!(page.body.contains("导出完整身份证号") && page.body.contains("筛选条件"));
    srv.stop().await;
}
both_backends!(full_id_numbers, exports_with_full_id_numbers);
