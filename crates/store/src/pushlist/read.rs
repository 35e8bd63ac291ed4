//! Reading a push-list file row by row, CSV (UTF-8 or GB18030) or XLSX, without holding the
//! file in memory. Each reader calls `on_row` once per data row; header trouble and unreadable
//! files end the read with a [`FileError`].

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wangge_domain::pushlist::{decode_field, detect_encoding, Cell, TextEncoding};

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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let got = reader
        .read_byte_record(&mut record)
        .map_err(|e| FileError::header(format!("无法读取表头：{e}")))?;
    if !got {
        return Err(FileError::file("文件为空"));
    }
    let mut headers = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
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
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(FileError {
                    row: line,
                    field: "文件",
                    message: format!("第{line}行无法解析：{e}"),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        progress.rows.fetch_add(1, Ordering::Relaxed);
        let mut cells = Vec::with_capacity(record.len());
        let mut bad = None;
        for (i, field) in record.iter().enumerate() {
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

fn read_xlsx(
    path: &Path,
    progress: Arc<ReadProgress>,
    on_header: &mut dyn FnMut(&[String]) -> Result<(), FileError>,
    on_row: &mut dyn FnMut(u64, RowRead) -> bool,
) -> Result<(), FileError> {
    use calamine::Reader;
    let unreadable = |e: calamine::XlsxError| FileError::file(format!("无法读取 Excel 文件：{e}"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(unreadable)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| FileError::file("Excel 文件中没有工作表"))?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let dims = cells.dimensions();
    progress.total_is_rows.store(true, Ordering::Relaxed);
    progress.total.store(
        u64::from(dims.end.0.saturating_sub(dims.start.0)),
        Ordering::Relaxed,
    );
    let mut current: Option<u32> = None;
    let mut row: Vec<Cell<'static>> = Vec::new();
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
        }
        let c = c as usize;
        if row.len() < c {
            row.resize(c, Cell::Empty);
        }
        row.push(from_excel(cell.get_value()));
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
