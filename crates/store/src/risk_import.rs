//! Importing the risk-area register from CSV or JSON: all rows or none, with a report naming
//! each bad row and field. A row whose (code, street, valid_from) is already stored updates
//! that area; the rest are added. One transaction, then one recomputation of the open plans.

use std::collections::HashMap;
use wangge_domain::permission::RiskAdmin;

use chrono::NaiveDate;
use serde::Serialize;
use wangge_domain::policy::{RiskArea, RiskLevel};

use serde::Deserialize;
use wangge_domain::limits::{
    LimitError, MAX_CELL_BYTES, MAX_COLUMNS, MAX_TABLE_FILE_BYTES, MAX_TABLE_ROWS,
};

use crate::db::{on_conn, Conn};
use crate::limits::TableCsv;
use crate::plans::RecomputeSummary;
use crate::risk::{normalize_risk_area, INSERT_AREA, UPDATE_AREA};
use crate::{Actor, AuditEntry, Result, RowError, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskFormat {
    Csv,
    Json,
}

impl RiskFormat {
    /// JSON when the file name says so or the content starts with `[` or `{`; CSV otherwise.
    pub fn detect(file_name: Option<&str>, bytes: &[u8]) -> RiskFormat {
        let by_name = file_name.map(|n| n.to_ascii_lowercase());
        if by_name.as_deref().is_some_and(|n| n.ends_with(".json")) {
            return RiskFormat::Json;
        }
        if by_name.as_deref().is_some_and(|n| n.ends_with(".csv")) {
            return RiskFormat::Csv;
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') | Some(b'{') => RiskFormat::Json,
            _ => RiskFormat::Csv,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RiskImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub recompute: RecomputeSummary,
}

const CODE: &[&str] = &["code", "区划代码", "代码"];
const STREET: &[&str] = &["street", "街道", "街道/乡镇", "乡镇"];
const NAME: &[&str] = &["name", "名称", "地区名称"];
const LEVEL: &[&str] = &["level", "风险等级", "等级"];
const FROM: &[&str] = &["valid_from", "起始日期", "生效日期"];
const UNTIL: &[&str] = &["valid_until", "截止日期", "失效日期"];

/// The columns of a risk-area CSV in their order, each with the header names accepted
/// (English first, then the Chinese ones): what the importer reads, and what its template
/// offers. 街道 and 截止日期 may be left out.
pub const RISK_CSV_COLUMNS: [&[&str]; 6] = [CODE, STREET, NAME, LEVEL, FROM, UNTIL];

type Key = (String, Option<String>, NaiveDate);

fn key(a: &RiskArea) -> Key {
    (a.code.clone(), a.street.clone(), a.valid_from)
}

fn row_error(row: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        field: field.into(),
        message: message.into(),
    }
}

fn parse_date(row: u64, field: &str, text: &str) -> Result<Option<NaiveDate>, RowError> {
    wangge_domain::validate::date::parse_optional(field, text)
        .map_err(|e| row_error(row, field, e.to_string()))
}

/// One row's cells, as typed, into a validated area.
fn area_of(row: u64, cells: [&str; 6]) -> Result<RiskArea, RowError> {
    let [code, street, name, level, from, until] = cells;
    let level = level
        .parse::<RiskLevel>()
        .map_err(|e| row_error(row, "level", e.to_string()))?;
    let valid_from = parse_date(row, "valid_from", from)?
        .ok_or_else(|| row_error(row, "valid_from", "起始日期不能为空"))?;
    let area = RiskArea {
        code: code.to_string(),
        street: Some(street.to_string()),
        name: name.to_string(),
        level,
        valid_from,
        valid_until: parse_date(row, "valid_until", until)?,
    };
    normalize_risk_area(&area).map_err(|e| match e {
        StoreError::Invalid { field, message } => row_error(row, &field, message),
        // a row's report names its first bad cell
        StoreError::Fields(errors) if !errors.is_empty() => {
            row_error(row, &errors[0].field, errors[0].message.clone())
        }
        other => row_error(row, "row", other.to_string()),
    })
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}');
        names.iter().any(|n| h.eq_ignore_ascii_case(n))
    })
}

/// CSV rows with their line numbers (the header is line 1), read within the limits of
/// `crate::limits` (file size, rows, columns, cell and row lengths).
fn parse_csv(bytes: &[u8]) -> Result<Vec<(u64, Result<RiskArea, RowError>)>> {
    let bad = |row: u64, message: String| {
        StoreError::RowsRejected(vec![row_error(row, "header", message)])
    };
    let bad_file = |message: String| bad(1, message);
    let (mut reader, headers) = TableCsv::open(bytes).map_err(|e| bad(e.row, e.message))?;
    let mut cols = [0usize; 6];
    for (slot, names) in cols.iter_mut().zip(RISK_CSV_COLUMNS) {
        *slot = match column(&headers, names) {
            Some(i) => i,
            // street and valid_until may be left out entirely
            None if names == STREET || names == UNTIL => usize::MAX,
            None => {
                return Err(bad_file(format!(
                    "缺少列“{}”（或“{}”）",
                    names[0], names[1]
                )))
            }
        };
    }
    let mut out = Vec::new();
    while let Some((line, record)) = reader.next_row().map_err(|e| bad(e.row, e.message))? {
        match record {
            Ok(r) => {
                let cells = cols.map(|i| r.get(i).map_or("", |s| s.as_str()));
                out.push((line, area_of(line, cells)));
            }
            Err(message) => {
                out.push((
                    line,
                    Err(row_error(line, "row", format!("无法解析：{message}"))),
                ));
            }
        }
    }
    Ok(out)
}

/// One value of a JSON area, as far as the import cares: text (numbers as their text), none,
/// or another kind (skipped without being built, and refused by name).
enum JsonValue {
    Text(String),
    Null,
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("文本")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<JsonValue, E> {
                if v.len() > MAX_CELL_BYTES {
                    return Err(E::custom(format!(
                        "有字段超过单元格 {MAX_CELL_BYTES} 字节（4 KB）的上限"
                    )));
                }
                Ok(JsonValue::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Text(
                    serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string()),
                ))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Other("布尔值"))
            }
            fn visit_unit<E>(self) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue::Null)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<JsonValue, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonValue::Other("数组"))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<JsonValue, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(JsonValue::Other("对象"))
            }
        }
        d.deserialize_any(V)
    }
}

const JSON_FIELDS: [&str; 6] = [
    "code",
    "street",
    "name",
    "level",
    "valid_from",
    "valid_until",
];

/// One entry of the array: the six fields (anything else is skipped; an entry that is not an
/// object has none of them). At most [`MAX_COLUMNS`] keys.
struct JsonItem([Option<JsonValue>; 6]);

impl<'de> serde::Deserialize<'de> for JsonItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonItem;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("风险地区对象")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<JsonItem, A::Error> {
                let mut item = JsonItem(Default::default());
                let mut keys = 0;
                while let Some(key) = a.next_key::<std::borrow::Cow<'de, str>>()? {
                    keys += 1;
                    if keys > MAX_COLUMNS {
                        return Err(serde::de::Error::custom(format!(
                            "有对象超过 {MAX_COLUMNS} 个字段的上限"
                        )));
                    }
                    match JSON_FIELDS.iter().position(|f| *f == key) {
                        Some(i) => item.0[i] = Some(a.next_value()?),
                        None => {
                            a.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(item)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<JsonItem, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonItem(Default::default()))
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
            fn visit_unit<E>(self) -> std::result::Result<JsonItem, E> {
                Ok(JsonItem(Default::default()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The entries of the file, at most [`MAX_TABLE_ROWS`]; `None` when the file is neither an
/// array nor an object with an `areas` array.
struct JsonFile(Option<Vec<JsonItem>>);

struct Items(Vec<JsonItem>);

impl<'de> serde::Deserialize<'de> for Items {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("风险地区数组")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Items, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    if items.len() >= MAX_TABLE_ROWS {
                        return Err(serde::de::Error::custom(format!(
                            "超过 {MAX_TABLE_ROWS} 行的上限，请分批导入"
                        )));
                    }
                    items.push(item);
                }
                Ok(Items(items))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> serde::Deserialize<'de> for JsonFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("风险地区数组，或含 areas 数组的对象")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> std::result::Result<JsonFile, A::Error> {
                let Items(items) =
                    Items::deserialize(serde::de::value::SeqAccessDeserializer::new(a))?;
                Ok(JsonFile(Some(items)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<JsonFile, A::Error> {
                let mut found = None;
                while let Some(key) = a.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "areas" && found.is_none() {
                        found = Some(a.next_value::<Option<ItemsOrNot>>()?.and_then(|i| i.0));
                    } else {
                        a.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(JsonFile(found.flatten()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The value of `areas`: the entries if it is an array.
struct ItemsOrNot(Option<Vec<JsonItem>>);

impl<'de> serde::Deserialize<'de> for ItemsOrNot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match JsonFile::deserialize(d)? {
            // an object inside `areas` is not an array of areas
            JsonFile(items) => Ok(ItemsOrNot(items)),
        }
    }
}

/// A JSON array of areas (or `{"areas": [...]}`); the row number is the entry's position,
/// counted from one. Read within the limits (rows, keys of an entry, length of a value)
/// without building the document as a whole.
fn parse_json(bytes: &[u8]) -> Result<Vec<(u64, Result<RiskArea, RowError>)>> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.len() as u64 > MAX_TABLE_FILE_BYTES {
        return Err(StoreError::RowsRejected(vec![row_error(
            0,
            "file",
            format!("文件无法导入：{}", LimitError::FileTooLarge),
        )]));
    }
    let file: JsonFile = serde_json::from_slice(text).map_err(|e| {
        let message = if e.is_data() {
            // the shape or a limit: the message says which
            format!("文件无法导入：{e}")
        } else {
            format!("不是有效的 JSON：{e}")
        };
        StoreError::RowsRejected(vec![row_error(0, "file", message)])
    })?;
    let items = file.0.ok_or_else(|| {
        StoreError::RowsRejected(vec![row_error(
            0,
            "file",
            "JSON 应为风险地区数组，或含 areas 数组的对象",
        )])
    })?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, JsonItem(fields))| {
            let row = i as u64 + 1;
            let parsed = (|| {
                let mut cells: [String; 6] = Default::default();
                for ((cell, value), field) in cells.iter_mut().zip(fields).zip(JSON_FIELDS) {
                    *cell = match value {
                        None | Some(JsonValue::Null) => String::new(),
                        Some(JsonValue::Text(s)) => s,
                        Some(JsonValue::Other(kind)) => {
                            return Err(row_error(row, field, format!("应为文本，而不是{kind}")))
                        }
                    };
                }
                let [a, b, c, d, e, f] = &cells;
                area_of(row, [a, b, c, d, e, f])
            })();
            (row, parsed)
        })
        .collect())
}

/// Checks a risk-area file on its own, without a database: the per-row report an import would
/// give, or the number of areas it holds.
pub fn validate_risk_areas(format: RiskFormat, bytes: &[u8]) -> Result<usize> {
    let rows = match format {
        RiskFormat::Csv => parse_csv(bytes)?,
        RiskFormat::Json => parse_json(bytes)?,
    };
    let errors: Vec<RowError> = rows
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect();
    if errors.is_empty() {
        Ok(rows.len())
    } else {
        Err(StoreError::RowsRejected(errors))
    }
}

enum Step {
    Create(RiskArea),
    Update(i64, RiskArea, RiskArea),
}

/// What each parsed row does to the stored areas, and how many rows change nothing; every
/// refused row (unparsed, or a repeat of an earlier row's key) if any is refused.
fn plan_steps(
    rows: Vec<(u64, std::result::Result<RiskArea, RowError>)>,
    existing: &HashMap<Key, (i64, RiskArea)>,
) -> Result<(Vec<Step>, usize)> {
    let mut errors = Vec::new();
    let mut seen: HashMap<Key, u64> = HashMap::new();
    let mut steps = Vec::new();
    let mut unchanged = 0;
    for (row, parsed) in rows {
        let area = match parsed {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(first) = seen.insert(key(&area), row) {
            errors.push(row_error(
                row,
                "code",
                format!("与第{first}行的区划代码、街道和起始日期相同"),
            ));
            continue;
        }
        match existing.get(&key(&area)) {
            Some((_, old)) if *old == area => unchanged += 1,
            Some((id, old)) => steps.push(Step::Update(*id, old.clone(), area)),
            None => steps.push(Step::Create(area)),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(StoreError::RowsRejected(errors));
    }
    Ok((steps, unchanged))
}

/// The import's steps on the open transaction `conn`, each audited, then (if anything
/// changed) the open plans recomputed.
async fn apply_steps(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    steps: &[Step],
) -> Result<RecomputeSummary> {
    let mut conn = conn.into();
    let now = crate::now();
    for step in steps {
        let entry = match step {
            Step::Create(a) => {
                let (id,): (i64,) = on_conn!(conn, c => {
                    sqlx::query_as(INSERT_AREA)
                        .bind(&a.code).bind(&a.street).bind(&a.name).bind(a.level.as_str())
                        .bind(a.valid_from).bind(a.valid_until).bind(now)
                        .fetch_one(c).await?
                });
                AuditEntry::new("import", "risk_area", id).after(a)
            }
            Step::Update(id, old, a) => {
                on_conn!(conn, c => {
                    sqlx::query(UPDATE_AREA)
                        .bind(&a.code).bind(&a.street).bind(&a.name).bind(a.level.as_str())
                        .bind(a.valid_from).bind(a.valid_until).bind(now).bind(*id)
                        .execute(c).await?;
                });
                AuditEntry::new("import", "risk_area", *id)
                    .before(old)
                    .after(a)
            }
        };
        crate::audit::record(&mut conn, actor, &entry).await?;
    }
    if steps.is_empty() {
        return Ok(RecomputeSummary::default());
    }
    crate::plans::recompute_open_plans(&mut conn, actor, "风险地区名单导入").await
}

impl Store {
    /// Imports risk areas; see the module documentation.
    pub async fn import_risk_areas(
        &self,
        actor: &Actor,
        format: RiskFormat,
        bytes: &[u8],
    ) -> Result<RiskImportSummary> {
        actor.require::<RiskAdmin>()?;
        let rows = match format {
            RiskFormat::Csv => parse_csv(bytes)?,
            RiskFormat::Json => parse_json(bytes)?,
        };
        if rows.is_empty() {
            return Err(StoreError::RowsRejected(vec![row_error(
                1,
                "file",
                "文件中没有数据行",
            )]));
        }
        let existing: HashMap<Key, (i64, RiskArea)> = self
            .list_risk_areas(actor)
            .await?
            .into_iter()
            .map(|s| (key(&s.area), (s.id, s.area)))
            .collect();
        let (steps, unchanged) = plan_steps(rows, &existing)?;
        let mut summary = RiskImportSummary {
            unchanged,
            ..RiskImportSummary::default()
        };
        let recompute = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let recompute = apply_steps(&mut *tx, actor, &steps).await?;
            tx.commit().await?;
            recompute
        });
        for step in &steps {
            match step {
                Step::Create(_) => summary.created += 1,
                Step::Update(..) => summary.updated += 1,
            }
        }
        summary.recompute = recompute;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_format() {
        assert_eq!(RiskFormat::detect(Some("a.JSON"), b"x"), RiskFormat::Json);
        assert_eq!(RiskFormat::detect(None, b"  [{}]"), RiskFormat::Json);
        assert_eq!(RiskFormat::detect(None, b"code,name"), RiskFormat::Csv);
        assert_eq!(RiskFormat::detect(Some("a.csv"), b"[x"), RiskFormat::Csv);
    }

    #[test]
    fn csv_rows_name_line_and_field() {
        let csv = "code,street,name,level,valid_from,valid_until\n\
                   610113,电子城街道,雁塔区电子城街道,high,2021-12-20,\n\
                   61011,,坏代码,high,2021-12-20,\n\
                   610112,,未央区,severe,2021-12-20,\n\
                   610112,,未央区,medium,2021-12-20,2021-12-01\n";
        let rows = parse_csv(csv.as_bytes()).unwrap();
        assert!(rows[0].1.is_ok());
        let err = |i: usize| rows[i].1.clone().unwrap_err();
        assert_eq!((err(1).row, err(1).field.as_str()), (3, "code"));
        assert_eq!((err(2).row, err(2).field.as_str()), (4, "level"));
        assert_eq!((err(3).row, err(3).field.as_str()), (5, "valid_until"));
    }

    #[test]
    fn a_county_by_name_is_imported_by_code() {
        let csv = "code,street,name,level,valid_from,valid_until\n\
                   西安市雁塔区,电子城街道,电子城街道,high,2021-12-20,\n\
                   雁塔区 小寨路街道,,小寨路街道,high,2021-12-20,\n\
                   鼓楼区,,鼓楼区,high,2021-12-20,\n";
        let rows = parse_csv(csv.as_bytes()).unwrap();
        let a = rows[0].1.clone().unwrap();
        assert_eq!(
            (a.code.as_str(), a.street.as_deref()),
            ("610113", Some("电子城街道"))
        );
        let b = rows[1].1.clone().unwrap();
        assert_eq!(
            (b.code.as_str(), b.street.as_deref()),
            ("610113", Some("小寨路街道"))
        );
        let e = rows[2].1.clone().unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (4, "code"));
        assert!(e.message.contains("对应多个区县"), "{e:?}");
    }

    #[test]
    fn json_rows_are_numbered_from_one() {
        let json = r#"[{"code":"610113","name":"雁塔区","level":"中","valid_from":"2021-12-20"},
                       {"code":"610113","name":"雁塔区","level":"high","valid_from":"2021-12-32"}]"#;
        let rows = parse_json(json.as_bytes()).unwrap();
        assert_eq!(rows[0].1.as_ref().unwrap().level, RiskLevel::Medium);
        let e = rows[1].1.clone().unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (2, "valid_from"));
    }

    fn refusal(r: Result<Vec<(u64, Result<RiskArea, RowError>)>>) -> RowError {
        match r {
            Err(StoreError::RowsRejected(rows)) => rows[0].clone(),
            Err(e) => panic!("{e}"),
            Ok(rows) => panic!("accepted {} rows", rows.len()),
        }
    }

    #[test]
    fn hostile_files_are_refused_naming_the_limit() {
        let header = "code,street,name,level,valid_from,valid_until\n";
        let long = format!("{header}610113,,{},high,2021-12-20,\n", "名".repeat(2000));
        let e = refusal(parse_csv(long.as_bytes()));
        assert!(e.message.contains("4096 字节") && e.row == 2, "{e:?}");
        let wide = format!("{header}{}\n", vec!["1"; 65].join(","));
        assert!(refusal(parse_csv(wide.as_bytes()))
            .message
            .contains("64 列"));
        let many = format!("{header}{}", ",,,,,\n".repeat(MAX_TABLE_ROWS + 1));
        assert!(refusal(parse_csv(many.as_bytes()))
            .message
            .contains("100000 行"));
        // JSON: a long value, too many keys, too many entries
        let json = format!(r#"[{{"code":"610113","name":"{}"}}]"#, "x".repeat(5000));
        assert!(refusal(parse_json(json.as_bytes()))
            .message
            .contains("4096 字节"));
        let keys: Vec<String> = (0..65).map(|i| format!(r#""k{i}":1"#)).collect();
        let json = format!("[{{{}}}]", keys.join(","));
        assert!(refusal(parse_json(json.as_bytes()))
            .message
            .contains("64 个字段"));
        let json = format!("[{}{{}}]", "{},".repeat(MAX_TABLE_ROWS));
        assert!(refusal(parse_json(json.as_bytes()))
            .message
            .contains("100000 行"));
        // nested values are skipped, not built, and refused by kind
        let json = r#"{"areas":[{"code":[[1,2],[3]],"name":"x","level":"high","valid_from":"2021-12-20"}]}"#;
        let rows = parse_json(json.as_bytes()).unwrap();
        let e = rows[0].1.clone().unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (1, "code"));
    }
}
