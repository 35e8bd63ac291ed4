//! Spreadsheet exports. Every text cell goes through [`safe_text`]: a cell that starts with
//! `=`, `+`, `-` or `@` (or a tab or carriage return) is what a spreadsheet would run as a
//! formula once the file is edited or saved as CSV, so it is written with a leading `'`.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use wangge_store::DailyEntry;

use crate::error::AppError;
use crate::i18n::{Texts, ZH};

pub fn safe_text(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

fn daily_headers(t: &Texts) -> [&'static str; 9] {
    [
        t.node,
        t.display_name,
        t.id_number,
        t.phone,
        t.arrival_date,
        t.category,
        t.status,
        t.duties,
        t.destination,
    ]
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// The daily list of `date` as an XLSX workbook: a title row, a header row, one row per person.
pub fn daily_list(date: chrono::NaiveDate, entries: &[DailyEntry]) -> Result<Vec<u8>, AppError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(ZH.nav_daily).map_err(xlsx_error)?;
    let bold = Format::new().set_bold();
    let t = &ZH;
    let title = format!("{} {date}（{}）", t.daily_title, entries.len());
    sheet
        .write_string_with_format(0, 0, &title, &bold)
        .map_err(xlsx_error)?;
    for (col, h) in (0u16..).zip(daily_headers(t)) {
        sheet
            .write_string_with_format(1, col, h, &bold)
            .map_err(xlsx_error)?;
    }
    for (row, e) in (2u32..).zip(entries) {
        let duties: Vec<String> = e.duties.iter().map(ToString::to_string).collect();
        let cells = [
            e.node_name.clone(),
            e.name.clone(),
            e.id_number.masked(),
            e.phone.clone(),
            e.arrival_date.to_string(),
            e.category.clone(),
            e.status.label_zh().to_string(),
            duties.join("；"),
            e.destination.clone(),
        ];
        for (col, text) in (0u16..).zip(cells.iter()) {
            sheet
                .write_string(row, col, safe_text(text))
                .map_err(xlsx_error)?;
        }
    }
    for (col, width) in (0u16..).zip([22, 10, 20, 13, 11, 28, 8, 40, 30]) {
        sheet.set_column_width(col, width).map_err(xlsx_error)?;
    }
    book.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::safe_text;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(safe_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_text("+86 138"), "'+86 138");
        assert_eq!(safe_text("-1"), "'-1");
        assert_eq!(safe_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_text("张三"), "张三");
        assert_eq!(safe_text(""), "");
    }
}
