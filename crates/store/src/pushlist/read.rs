//! Reading a push-list file row by row, CSV (UTF-8 or GB18030) or XLSX, without holding the
//! file in memory. Each reader calls `on_row` once per data row; header trouble and unreadable
//! files end the read with a [`FileError`], and so does a file past the limits of
//! [`wangge_domain::limits`] (checked as it is read: nothing grows with a hostile file).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wangge_domain::limits::{LimitError, MAX_CELL_BYTES, MAX_COLUMNS, MAX_ROW_BYTES};
use wangge_domain::pushlist::{decode_field, detect_encoding, Cell, TextEncoding};

use crate::limits::{check_xlsx, BoundedCsv, ReadError, XlsxCheckError};

/// What kind of file this is, from its first bytes: an XLSX file is a zip archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    pub fn sniff(prefix: &[u8]) -> FileKind {
        if prefix.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        }
    }
}

/// The whole file is refused: nothing in it can be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub row: u64,
    pub field: &'static str,
    pub message: String,
}

impl FileError {
    /// Trouble with the file as a whole (row 0 in the report).
    pub fn file(message: impl Into<String>) -> Self {
        FileError {
            row: 0,
            field: "文件",
            message: message.into(),
        }
    }

    /// Trouble with the header line (row 1).
    pub fn header(message: impl Into<String>) -> Self {
        FileError {
            row: 1,
            field: "表头",
            message: message.into(),
        }
    }
}

/// A data row: its number as the user sees it (the header is row 1), and its cells; a cell
/// that could not be decoded is reported by column index.
pub enum RowRead {
    Cells(Vec<Cell<'static>>),
    BadEncoding { column: usize },
}

/// Rows read and bytes consumed so far, for progress bars.
#[derive(Debug, Default)]
pub struct ReadProgress {
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
    /// Size of the file (CSV) or number of rows (XLSX); 0 while unknown.
    pub total: AtomicU64,
    pub total_is_rows: std::sync::atomic::AtomicBool,
}

impl ReadProgress {
    /// Fraction done, 0.0–1.0, as far as can be told.
    pub fn fraction(&self) -> f64 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        let done = if self.total_is_rows.load(Ordering::Relaxed) {
            self.rows.load(Ordering::Relaxed)
        } else {
            self.bytes.load(Ordering::Relaxed)
        };
        (done as f64 / total as f64).min(1.0)
    }
}

struct Counting<R> {
    inner: R,
    progress: Arc<ReadProgress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// How much of the start of a CSV file decides its encoding.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reads `path`; `on_header` sees the header cells first and may refuse them; `on_row` then
/// sees each data row and returns `false` to stop early.
pub fn read_file(
    path: &Path,
    progress: Arc<ReadProgress>,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(u64, RowRead) -> bool,
) -> Result<(), FileError> {
    let file = File::open(path).map_err(|e| FileError::file(format!("无法打开文件：{e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buffered = BufReader::with_capacity(SNIFF_BYTES, file);
    let prefix = buffered
        .fill_buf()
        .map_err(|e| FileError::file(format!("无法读取文件：{e}")))?;
    if prefix.is_empty() {
        return Err(FileError::file("文件为空"));
    }
    match FileKind::sniff(prefix) {
        FileKind::Xlsx => {
            drop(buffered);
            read_xlsx(path, progress, on_header, on_row)
        }
        FileKind::Csv => {
            let encoding = detect_encoding(prefix).map_err(|e| FileError::file(e.to_string()))?;
            if let TextEncoding::Utf8 { bom: true } = encoding {
                buffered.consume(3);
            }
            progress.total.store(size, Ordering::Relaxed);
            let counting = Counting {
                inner: buffered,
                progress: progress.clone(),
            };
            read_csv(counting, encoding, &progress, on_header, on_row)
        }
    }
}

fn read_csv(
    input: impl Read,
    encoding: TextEncoding,
    progress: &ReadProgress,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(u64, RowRead) -> bool,
) -> Result<(), FileError> {
    // records never grow past the row and column limits, however long a line is
    let mut reader = BoundedCsv::new(BufReader::with_capacity(SNIFF_BYTES, input));
    let refused = |e: ReadError, line: u64| match e {
        ReadError::Limit(limit) => FileError {
            row: limit_row(&limit).unwrap_or(line),
            field: "文件",
            message: format!("文件无法导入：{limit}"),
        },
        ReadError::Io(e) => FileError {
            row: line,
            field: "文件",
            message: format!("第{line}行无法解析：{e}"),
        },
    };
    let got = reader.next_record().map_err(|e| match e {
        ReadError::Limit(limit) => FileError::header(format!("表头无法导入：{limit}")),
        ReadError::Io(e) => FileError::header(format!("无法读取表头：{e}")),
    })?;
    if got.is_none() {
        return Err(FileError::file("文件为空"));
    }
    let mut headers = Vec::with_capacity(MAX_COLUMNS);
    for (i, field) in reader.fields().enumerate() {
        let h = decode_field(encoding, field).ok_or_else(|| {
            FileError::header(format!(
                "表头第{}列的文字无法识别（按{}解码失败），请另存为 UTF-8 或 GBK 编码的 CSV",
                i + 1,
                encoding.label_zh()
            ))
        })?;
        headers.push(h.into_owned());
    }
    on_header(&headers)?;
    let mut last_line = 1;
    loop {
        let line = match reader.next_record() {
            Ok(None) => return Ok(()),
            Ok(Some(line)) => line,
            Err(e) => return Err(refused(e, last_line + 1)),
        };
        last_line = line;
        progress.rows.fetch_add(1, Ordering::Relaxed);
        let mut cells = Vec::with_capacity(MAX_COLUMNS);
        let mut bad = None;
        for (i, field) in reader.fields().enumerate() {
            match decode_field(encoding, field) {
                Some(Cow::Borrowed("")) => cells.push(Cell::Empty),
                Some(s) => cells.push(Cell::Text(Cow::Owned(s.into_owned()))),
                None => {
                    bad = Some(i);
                    break;
                }
            }
        }
        let row = match bad {
            Some(column) => RowRead::BadEncoding { column },
            None => RowRead::Cells(cells),
        };
        if !on_row(line, row) {
            return Ok(());
        }
    }
}

/// The row a limit error names, if it names one.
fn limit_row(e: &LimitError) -> Option<u64> {
    match e {
        LimitError::TooManyColumns { row }
        | LimitError::CellTooLong { row, .. }
        | LimitError::RowTooLong { row } => Some(*row),
        _ => None,
    }
}

fn read_xlsx(
    path: &Path,
    progress: Arc<ReadProgress>,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(u64, RowRead) -> bool,
) -> Result<(), FileError> {
    let (mut book, sheet) = open_xlsx(path)?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let dims = cells.dimensions();
    progress.total_is_rows.store(true, Ordering::Relaxed);
    progress.total.store(
        u64::from(dims.end.0.saturating_sub(dims.start.0)),
        Ordering::Relaxed,
    );
    let mut current: Option<u32> = None;
    let mut row: Vec<Cell<'static>> = Vec::new();
    let mut row_bytes = 0usize;
    let mut header_done = false;
    // rows arrive cell by cell; a row is complete when the next one starts
    let mut flush = |r: u32, row: &mut Vec<Cell<'static>>| -> Result<bool, FileError> {
        let cells = std::mem::take(row);
        if !header_done {
            header_done = true;
            let headers: Vec<String> = cells.iter().map(cell_text).collect();
            on_header(&headers)?;
            return Ok(true);
        }
        progress.rows.fetch_add(1, Ordering::Relaxed);
        Ok(on_row(u64::from(r) + 1, RowRead::Cells(cells)))
    };
    loop {
        let next = cells.next_cell().map_err(unreadable)?;
        let Some(cell) = next else { break };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                if !flush(prev, &mut row)? {
                    return Ok(());
                }
            }
            current = Some(r);
            row_bytes = 0;
        }
        let value = from_excel(cell.get_value());
        let c = check_cell(u64::from(r) + 1, c, &value, &mut row_bytes)?;
        if row.len() < c {
            row.resize(c, Cell::Empty);
        }
        row.push(value);
    }
    match current {
        Some(last) => {
            flush(last, &mut row)?;
        }
        None => return Err(FileError::file("Excel 工作表为空")),
    }
    if !header_done {
        return Err(FileError::file("Excel 工作表为空"));
    }
    Ok(())
}

fn unreadable(e: calamine::XlsxError) -> FileError {
    FileError::file(format!("无法读取 Excel 文件：{e}"))
}

/// The workbook at `path` and the name of its first sheet. The archive passes the limits
/// before calamine opens it: calamine holds the shared strings whole and trusts cell
/// references, sizes and lengths.
fn open_xlsx(path: &Path) -> Result<(calamine::Xlsx<BufReader<File>>, String), FileError> {
    use calamine::Reader;
    let file = File::open(path).map_err(|e| FileError::file(format!("无法打开文件：{e}")))?;
    check_xlsx(BufReader::new(file)).map_err(|e| match e {
        XlsxCheckError::Limit(limit) => FileError::file(format!("文件无法导入：{limit}")),
        XlsxCheckError::Zip(e) => FileError::file(format!("无法读取 Excel 文件：{e}")),
    })?;
    let book: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(unreadable)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| FileError::file("Excel 文件中没有工作表"))?;
    Ok((book, sheet))
}

/// Checks the cell in column `c` (from 0) of file row `line` against the limits again, before
/// anything is sized by its reference, adding its text to `row_bytes`: the column as an index.
fn check_cell(
    line: u64,
    c: u32,
    value: &Cell<'_>,
    row_bytes: &mut usize,
) -> Result<usize, FileError> {
    let c = c as usize;
    if c >= MAX_COLUMNS {
        return Err(too_big(LimitError::TooManyColumns { row: line }));
    }
    let len = match value {
        Cell::Text(t) => t.len(),
        _ => 0,
    };
    if len > MAX_CELL_BYTES {
        return Err(too_big(LimitError::CellTooLong {
            row: line,
            column: c + 1,
        }));
    }
    *row_bytes += len;
    if *row_bytes > MAX_ROW_BYTES {
        return Err(too_big(LimitError::RowTooLong { row: line }));
    }
    Ok(c)
}

fn too_big(limit: LimitError) -> FileError {
    FileError {
        row: limit_row(&limit).unwrap_or(0),
        field: "文件",
        message: format!("文件无法导入：{limit}"),
    }
}

fn from_excel(v: &calamine::DataRef<'_>) -> Cell<'static> {
    use calamine::DataRef as D;
    match v {
        D::Empty => Cell::Empty,
        D::String(s) => Cell::Text(Cow::Owned(s.clone())),
        D::SharedString(s) => Cell::Text(Cow::Owned((*s).to_string())),
        D::Int(i) => Cell::Number(*i as f64),
        D::Float(f) => Cell::Number(*f),
        D::Bool(b) => Cell::Text(Cow::Owned(b.to_string())),
        D::DateTime(d) => match d.as_datetime() {
            Some(t) if d.is_datetime() => Cell::DateTime(t),
            _ => Cell::Number(d.as_f64()),
        },
        D::DateTimeIso(s) | D::DurationIso(s) => Cell::Text(Cow::Owned(s.clone())),
        D::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}

fn cell_text(c: &Cell<'_>) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.to_string(),
        Cell::Number(n) => n.to_string(),
        Cell::DateTime(t) => t.to_string(),
    }
}

#[cfg(test)]
mod limit_tests {
    //! Hostile files (issue 12): refused, naming the limit, without memory growing with them.
    use super::*;
    use crate::testing::hostile;

    /// Peak resident memory of this process in KiB (VmHWM), after resetting it.
    fn reset_peak() {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }

    fn peak_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Reads `bytes` as a push-list file; the refusal, if any, and the peak memory in MiB.
    fn read(name: &str, bytes: &[u8]) -> (Result<u64, FileError>, u64) {
        let path =
            std::env::temp_dir().join(format!("wangge-limit-{}-{name}.xlsx", std::process::id()));
        std::fs::write(&path, bytes).expect("write");
        reset_peak();
        let mut rows = 0u64;
        let result = read_file(
            &path,
            Arc::new(ReadProgress::default()),
            &mut |_| Ok(()),
            &mut |_, _| {
                rows += 1;
                true
            },
        );
        let peak = peak_kib() / 1024;
        let _ = std::fs::remove_file(&path);
        (result.map(|()| rows), peak)
    }

    #[test]
    fn a_cell_at_column_fxshrxw_is_refused() {
        let file = hostile::wide_column();
        assert!(file.len() < 4096);
        let (result, _) = read("wide", &file);
        let e = result.unwrap_err();
        assert!(
            e.message.contains("FXSHRXW2") && e.message.contains("64 列"),
            "{e:?}"
        );
        let (result, _) = read("dimension", &hostile::wide_dimension());
        let e = result.unwrap_err();
        assert!(
            e.message.contains("A1:FXSHRXW2") && e.message.contains("64 列"),
            "{e:?}"
        );
        // the builders make readable files otherwise
        let (result, _) = read("ordinary", &hostile::ordinary("110101198501010012"));
        assert_eq!(result, Ok(1));
    }

    #[test]
    fn a_huge_shared_string_is_refused_before_it_is_read() {
        // 256 MiB of one string in ~260 KB; the old reader held it three times over
        let file = hostile::huge_shared_string(256 << 20);
        assert!(file.len() < 512 * 1024, "{}", file.len());
        let (result, peak) = read("string", &file);
        let e = result.unwrap_err();
        assert!(e.message.contains("64 KB"), "{e:?}");
        assert!(peak < 200, "peak RSS {peak} MiB");
        eprintln!("huge shared string: refused, peak RSS {peak} MiB");
    }

    #[test]
    fn a_zip_bomb_is_refused_at_the_first_limit() {
        let file = hostile::zip_bomb(200 << 20);
        assert!(file.len() < 512 * 1024, "{}", file.len());
        let (result, peak) = read("bomb", &file);
        let e = result.unwrap_err();
        assert!(e.message.contains("64 KB"), "{e:?}");
        assert!(peak < 200, "peak RSS {peak} MiB");
        // a part that declares less than it holds is refused at what it declares
        let (result, _) = read("liar", &hostile::zip_bomb_declaring(1 << 20, 10_000));
        let e = result.unwrap_err();
        assert!(e.message.contains("大于其声明的大小"), "{e:?}");
        // and one that declares more than the limit before a byte is decompressed
        let (result, _) = read("declared", &hostile::zip_bomb_declaring(1 << 20, u32::MAX));
        let e = result.unwrap_err();
        assert!(e.message.contains("2048 MB"), "{e:?}");
    }

    #[test]
    fn csv_rows_past_the_limits_are_refused() {
        let header = "姓名,身份证号,来源地,抵达时间,现住址\n";
        let cases = [
            (format!("{header}a,{}\n", "x".repeat(5000)), "4096 字节"),
            (format!("{header}{}\n", vec!["a"; 65].join(",")), "64 列"),
            (format!("{header}\"{}", "x".repeat(2 << 20)), "64 KB"),
        ];
        for (text, limit) in cases {
            let (result, _) = read("csv", text.as_bytes());
            let e = result.unwrap_err();
            assert!(e.message.contains(limit) && e.row == 2, "{e:?}");
        }
    }
}
