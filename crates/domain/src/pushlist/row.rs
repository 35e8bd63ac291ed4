//! 一行推送名单的校验：按录入习惯规整，逐字段检查，错误指明字段和原因。

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};

use super::columns::{Column, ColumnMap};
use super::datetime::{check_range, from_excel_serial, parse_arrival};
use crate::validate::{normalize_typed, IdNumber, Mobile};

/// 一个单元格。CSV 只有文本；XLSX 还有真正的日期和数字单元格。
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    DateTime(NaiveDateTime),
}

impl Cell<'_> {
    fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => normalize_typed(t).is_empty(),
            _ => false,
        }
    }
}

/// 校验通过的一行。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRow {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Mobile>,
    pub origin: String,
    pub arrived_at: Option<NaiveDateTime>,
    pub address: String,
    pub note: String,
}

/// 一个字段的错误，进入错误报告的一行。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: Column,
    pub message: String,
}

const MAX_NAME: usize = 50;
const MAX_ORIGIN: usize = 100;
const MAX_ADDRESS: usize = 200;
const MAX_NOTE: usize = 500;

/// 整行都空：Excel 末尾常有格式残留的空行，跳过而不是报错。
pub fn is_blank_row(cells: &[Cell<'_>]) -> bool {
    cells.iter().all(Cell::is_blank)
}

/// 校验一行。一行可能有多个字段出错，全部报告，录入人员一次改完。
pub fn validate_row(
    cells: &[Cell<'_>],
    map: &ColumnMap,
    today: NaiveDate,
) -> Result<PushRow, Vec<FieldError>> {
    let mut errors = Vec::new();
    let cell = |c: Column| {
        map.position(c)
            .and_then(|i| cells.get(i))
            .unwrap_or(&Cell::Empty)
    };
    let mut err = |column: Column, message: String| errors.push(FieldError { column, message });

    let name = text_of(cell(Column::Name));
    if name.is_empty() {
        err(Column::Name, "姓名为空".into());
    } else if name.chars().count() > MAX_NAME {
        err(Column::Name, format!("姓名超过{MAX_NAME}字"));
    }

    let id_number = match cell(Column::IdNumber) {
        Cell::Number(_) => {
            err(
                Column::IdNumber,
                "身份证号被存成了数字，后几位已丢失，请把该列设为文本后重新填写".into(),
            );
            None
        }
        other => match IdNumber::parse(&text_of(other), today) {
            Ok(id) => Some(id),
            Err(e) => {
                err(Column::IdNumber, e.to_string());
                None
            }
        },
    };

    let phone_text = text_of(cell(Column::Phone));
    let phone = if phone_text.is_empty() {
        None
    } else {
        match Mobile::parse(&phone_text) {
            Ok(m) => Some(m),
            Err(e) => {
                err(Column::Phone, e.to_string());
                None
            }
        }
    };

    let arrived_at = match cell(Column::ArrivedAt) {
        Cell::DateTime(t) => check_range(*t, today).map(|()| Some(*t)),
        Cell::Number(n) => match from_excel_serial(*n) {
            Some(t) => check_range(t, today).map(|()| Some(t)),
            None => parse_arrival(&text_of(&Cell::Number(*n)), today),
        },
        other => parse_arrival(&text_of(other), today),
    }
    .unwrap_or_else(|e| {
        err(Column::ArrivedAt, e.to_string());
        None
    });

    let mut bounded = |column: Column, max: usize| {
        let v = text_of(cell(column));
        if v.chars().count() > max {
            err(column, format!("{}超过{max}字", column.label_zh()));
        }
        v
    };
    let origin = bounded(Column::Origin, MAX_ORIGIN);
    let address = bounded(Column::Address, MAX_ADDRESS);
    let note = bounded(Column::Note, MAX_NOTE);

    match id_number {
        Some(id_number) if errors.is_empty() => Ok(PushRow {
            name,
            id_number,
            phone,
            origin,
            arrived_at,
            address,
            note,
        }),
        _ => Err(errors),
    }
}

/// 单元格的文本，按录入习惯规整。数字单元格（如被 Excel 存成数字的手机号）按整数写出。
fn text_of(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => normalize_typed(t),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::make_valid;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()
    }

    fn map() -> ColumnMap {
        ColumnMap::from_headers(&[
            "姓名",
            "身份证号",
            "手机号",
            "来源地",
            "抵达时间",
            "现住址",
            "备注",
        ])
        .unwrap()
    }

    fn text(s: &str) -> Cell<'_> {
        Cell::Text(Cow::Borrowed(s))
    }

    #[test]
    fn a_good_row_as_typed() {
        let id = make_valid("41010519900307051");
        let typed_id = format!(" {} ", id.to_lowercase());
        let cells = [
            text(" 张三 "),
            text(&typed_id),
            text("138 0013 8000"),
            text("上海市浦东新区"),
            text("2021/12/28 9:30"),
            text("纬五路社区3号楼"),
            text(""),
        ];
        let row = validate_row(&cells, &map(), today()).unwrap();
        assert_eq!(row.name, "张三");
        assert_eq!(row.id_number.as_str(), id);
        assert_eq!(row.phone.unwrap().as_str(), "13800138000");
        assert_eq!(row.arrived_at.unwrap().to_string(), "2021-12-28 09:30:00");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let cells = [
            text(""),
            text("110105194912310021"),
            text("12345"),
            text("上海"),
            text("2021-13-01"),
            text("地址"),
        ];
        let errs = validate_row(&cells, &map(), today()).unwrap_err();
        let cols: Vec<Column> = errs.iter().map(|e| e.column).collect();
        assert_eq!(
            cols,
            vec![
                Column::Name,
                Column::IdNumber,
                Column::Phone,
                Column::ArrivedAt
            ]
        );
        assert!(errs[1].message.contains("校验位"), "{}", errs[1].message);
    }

    #[test]
    fn xlsx_cells() {
        let id = make_valid("41010519900307051");
        let date = NaiveDate::from_ymd_opt(2021, 12, 20)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        let cells = [
            text("李四"),
            text(&id),
            Cell::Number(13800138000.0),
            text("北京"),
            Cell::DateTime(date),
            text("某小区"),
        ];
        let row = validate_row(&cells, &map(), today()).unwrap();
        assert_eq!(row.arrived_at, Some(date));
        assert_eq!(row.phone.unwrap().as_str(), "13800138000");
        let serial = [
            text("李四"),
            text(&id),
            Cell::Empty,
            text("北京"),
            Cell::Number(44560.25),
            text("x"),
        ];
        assert_eq!(
            validate_row(&serial, &map(), today())
                .unwrap()
                .arrived_at
                .unwrap()
                .to_string(),
            "2021-12-30 06:00:00"
        );
        let numeric_id = [
            text("李四"),
            Cell::Number(4.101051990030705e17),
            Cell::Empty,
            text(""),
            Cell::Empty,
            text(""),
        ];
        let errs = validate_row(&numeric_id, &map(), today()).unwrap_err();
        assert!(errs[0].message.contains("数字"));
    }

    #[test]
    fn short_rows_and_blank_rows() {
        let id = make_valid("41010519900307051");
        let cells = [text("王五"), text(&id)];
        let row = validate_row(&cells, &map(), today()).unwrap();
        assert_eq!(row.address, "");
        assert!(is_blank_row(&[text(" "), Cell::Empty, text("\u{3000}")]));
        assert!(!is_blank_row(&[text("x")]));
    }

    proptest! {
        #[test]
        fn valid_ids_pass_however_typed(body in "[1-6][1-5][0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
                                        pad in "[ \\u{3000}]{0,2}", full_width in any::<bool>()) {
            let id = make_valid(&body);
            prop_assume!(IdNumber::parse(&id, today()).is_ok());
            let typed: String = if full_width {
                id.chars().map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)).collect()
            } else {
                id.to_lowercase()
            };
            let padded = format!("{pad}{typed}{pad}");
            let cells = [text("赵六"), text(&padded)];
            let row = validate_row(&cells, &map(), today());
            prop_assert!(row.is_ok(), "{:?}", row);
            let row = row.unwrap();
            prop_assert_eq!(row.id_number.as_str(), id.as_str());
        }

        #[test]
        fn one_wrong_digit_is_refused(body in "41010519[5-9][0-9]0[1-9]1[0-9][0-9]{3}", pos in 0usize..17, delta in 1u8..10) {
            let id = make_valid(&body);
            let mut bytes = id.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bytes).unwrap();
            let cells = [text("赵六"), text(&bad)];
            prop_assert!(validate_row(&cells, &map(), today()).is_err());
        }

        #[test]
        fn never_panics(cells in proptest::collection::vec("\\PC{0,25}", 0..9)) {
            let cells: Vec<Cell> = cells.iter().map(|s| text(s)).collect();
            let _ = validate_row(&cells, &map(), today());
        }
    }
}
