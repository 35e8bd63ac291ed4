//! The error report of an import as a CSV file: 行号, 字段, 原因 — the same on the web and next
//! to the file at the command line. UTF-8 with a BOM, so Excel shows the Chinese correctly.

use std::io::Write;

use crate::RowError;

/// Writes the report incrementally: rows can be added as the import finds them.
pub struct ErrorReport<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> ErrorReport<W> {
    pub fn new(mut w: W) -> std::io::Result<Self> {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut out = csv::Writer::from_writer(w);
        out.write_record(["行号", "字段", "原因"])
            .map_err(std::io::Error::other)?;
        Ok(ErrorReport { out })
    }

    pub fn add(&mut self, e: &RowError) -> std::io::Result<()> {
        self.out
            .write_record([e.row.to_string(), defuse(&e.field), defuse(&e.message)])
            .map_err(std::io::Error::other)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// A cell that a spreadsheet would run as a formula is prefixed with an apostrophe: the report
/// quotes what people typed, and a typed `=HYPERLINK(...)` must stay text.
pub fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The whole report in memory, for a download.
pub fn error_report_csv(rows: &[RowError]) -> Vec<u8> {
    let build = || -> std::io::Result<Vec<u8>> {
        let mut r = ErrorReport::new(Vec::new())?;
        for e in rows {
            r.add(e)?;
        }
        r.finish()
    };
    build().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_has_bom_header_and_defused_cells() {
        let rows = vec![
            RowError {
                row: 3,
                field: "身份证号".into(),
                message: "身份证号校验位错误：应为X，实际为1".into(),
            },
            RowError {
                row: 9,
                field: "姓名".into(),
                message: "=HYPERLINK(\"x\")".into(),
            },
        ];
        let text = String::from_utf8(error_report_csv(&rows)).unwrap();
        assert!(text.starts_with("\u{feff}行号,字段,原因\n"));
        assert!(text.contains("3,身份证号,身份证号校验位错误：应为X，实际为1\n"));
        assert!(
            text.contains("9,姓名,\"'=HYPERLINK(\"\"x\"\")\"\n"),
            "{text}"
        );
    }
}
