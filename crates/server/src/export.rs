//! 导出: the one way a list leaves the server as a file. A list's handler (in its feature's
//! `pages.rs`) describes the file once — a [`Sheet`] (file name, sheet name, title, Chinese
//! column headers) and its [`Rows`] (read page by page through the same store call as the
//! page, so scope and role are the store's) — and [`download`] writes it as XLSX or CSV, as
//! `?format=xlsx|csv` ([`ExportFormat`]) asks.
//!
//! What every export gets, in both formats:
//! - every text cell through [`safe_text`], the formula-injection guard: a cell that starts
//!   with `=`, `+`, `-` or `@` (or a tab or carriage return) is what a spreadsheet would run as
//!   a formula, so it is written with a leading `'`;
//! - the layout: a title row (what, the caller's node, when, and that ID numbers are masked),
//!   the header row, the rows, and — only when the list was longer than the cap — a last row
//!   saying so;
//! - ID numbers masked: rows show them through [`ExportIdNumbers`], masked unless the store's
//!   audited `reveal_for_export` granted the full numbers (`?reveal=1`, district and township
//!   roles only; see [`id_numbers`]) — the title row says which;
//! - a Chinese file name (`Content-Disposition` with RFC 5987 `filename*=UTF-8''…`) and an
//!   ASCII fallback for old clients;
//! - bounded size and memory: rows are read [`AppConfig::export_page_rows`] at a time (keyset
//!   paging the store offers), at most [`AppConfig::export_max_rows`] (200,000 by default) are
//!   written. A longer list exports its first rows and says in its last row that it stopped
//!   there and that a narrower filter exports the rest — a streamed CSV cannot turn into an
//!   error page half-way, so the same rule holds for both formats.
//!
//! Progress for long exports, the simplest robust way for each format:
//! - **CSV is streamed**: the first page is read before answering (a bad filter or a refusal
//!   still answers 422/403 as a page), then each page is written to the chunked body as it is
//!   read, so the browser's own download bar shows progress and the server holds one page.
//!   UTF-8 with a BOM, CRLF line ends, so Excel opens the Chinese text as it is.
//! - **XLSX cannot be streamed** (a zip whose parts are written at the end). A list read whole
//!   in its first page is answered at once (the daily list, the 见底清零 summary, any short
//!   list); a longer one runs as a background job of `crate::jobs` — the mechanism the
//!   push-list import uses, with the same polling progress page (`/exports/jobs/{id}`) — that
//!   writes the worksheet in rust_xlsxwriter's constant-memory mode (rows go to a temporary
//!   file as they are written) and offers the file for download when done.
//!
//! [`AppConfig::export_page_rows`]: crate::AppConfig::export_page_rows
//! [`AppConfig::export_max_rows`]: crate::AppConfig::export_max_rows

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use wangge_store::pushlist::ReadProgress;
use wangge_store::{ExportIdNumbers, User};

use crate::error::{AppError, PageError, PageResult};
use crate::AppState;

/// The formula-injection guard every exported text cell goes through.
pub fn safe_text(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The longest text an XLSX cell holds (Excel's limit); longer texts are cut, with `…`.
const XLSX_CELL_MAX: usize = 32_767;

/// The title row's note when the rows carry full ID numbers.
pub const FULL_IDS_NOTE: &str = "含完整身份证号，本次导出已记入审计日志，请妥善保管、用后删除";

/// The title row's note when the rows carry ID numbers.
pub const MASKED_NOTE: &str =
    "身份证号已脱敏（仅显示后 4 位），完整号码须在记录页查看（记入审计日志）";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// `?format=xlsx|csv&reveal=1` of an export route: XLSX when `format` is absent, 422 naming
/// the parameter otherwise; `reveal` asks for full ID numbers (granted by [`id_numbers`]).
pub struct ExportFormat {
    pub format: Format,
    pub reveal: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormatQuery {
    format: String,
    reveal: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ExportFormat {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        let q: FormatQuery =
            crate::params::decode_pairs(parts.uri.query().unwrap_or("").as_bytes(), "query")?;
        let format = match q.format.trim() {
            "" | "xlsx" => Format::Xlsx,
            "csv" => Format::Csv,
            other => {
                return Err(AppError::invalid(
                    "format",
                    format!("导出格式“{other}”无效，应为 xlsx 或 csv"),
                )
                .into())
            }
        };
        let reveal = match q.reveal.trim() {
            "" | "0" => false,
            "1" => true,
            _ => {
                return Err(AppError::invalid(
                    "reveal",
                    "reveal 只能为 1（导出完整身份证号）或不填",
                )
                .into())
            }
        };
        Ok(ExportFormat { format, reveal })
    }
}

/// One column of an export: its Chinese header and its width in Excel (characters).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: f64,
}

/// A column `header` of `width` characters.
pub fn col(header: &'static str, width: u16) -> Column {
    Column {
        header,
        width: f64::from(width),
    }
}

/// What the file is: its name, its sheet, its title and columns.
pub struct Sheet {
    /// The file name without extension, in Chinese (`推送人员-2026-12-01`).
    pub file_name: String,
    /// The same in ASCII (`push-items-2026-12-01`), for clients that ignore `filename*`.
    pub ascii_name: String,
    /// The worksheet's name (at most 31 characters).
    pub sheet_name: &'static str,
    /// What the list is, with its filters (`来返报备 · 状态：已报备`); the node, the time and
    /// the masking note are added.
    pub title: String,
    pub columns: Vec<Column>,
    /// How the rows show ID numbers, if they carry any: the title row says masked or full.
    /// [`id_numbers`] sets it.
    pub id_numbers: Option<ExportIdNumbers>,
}

/// One page of a list: its rows and where the next page starts (`None`: this was the last).
pub struct Page {
    pub rows: Vec<Vec<String>>,
    pub next: Option<i64>,
}

impl Page {
    /// A page of `records` asked for `size` at a time: a full page may have a next one, which
    /// starts after the last record's `key` (the keyset position the store takes).
    pub fn of<T>(
        records: Vec<T>,
        size: i64,
        key: impl Fn(&T) -> i64,
        row: impl Fn(&T) -> Vec<String>,
    ) -> Page {
        let next = (records.len() as i64 >= size)
            .then(|| records.last().map(&key))
            .flatten();
        Page {
            rows: records.iter().map(row).collect(),
            next,
        }
    }
}

type Fetch = Box<dyn FnMut(Option<i64>, i64) -> BoxFuture<'static, Result<Page, AppError>> + Send>;

/// The rows of an export, read a page at a time.
pub struct Rows(Fetch);

impl Rows {
    /// Rows read by `fetch(position, size)`: `position` is `None` for the first page, then the
    /// `next` of the page before; `size` rows are asked for.
    pub fn paged<F, Fut>(mut fetch: F) -> Rows
    where
        F: FnMut(Option<i64>, i64) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page, AppError>> + Send + 'static,
    {
        Rows(Box::new(move |at, size| fetch(at, size).boxed()))
    }

    /// A list the store answers whole (the daily list, a summary): one page.
    pub fn all(rows: Vec<Vec<String>>) -> Rows {
        let mut rows = Some(rows);
        Rows(Box::new(move |_, _| {
            let page = Page {
                rows: rows.take().unwrap_or_default(),
                next: None,
            };
            async move { Ok(page) }.boxed()
        }))
    }
}

/// Reads [`Rows`] page by page up to the cap.
struct Reader {
    fetch: Fetch,
    /// `Some(position)` of the next page; `None` when done.
    at: Option<Option<i64>>,
    page: i64,
    max: u64,
    written: u64,
    truncated: bool,
}

impl Reader {
    fn new(rows: Rows, state: &AppState) -> Reader {
        Reader {
            fetch: rows.0,
            at: Some(None),
            page: state.config.export_page_rows.clamp(1, 500),
            max: state.config.export_max_rows,
            written: 0,
            truncated: false,
        }
    }

    /// The next page's rows, `None` when the list (or the cap) is reached.
    async fn next(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let Some(at) = self.at else {
            return Ok(None);
        };
        if self.written >= self.max {
            // at the cap: is there anything beyond it?
            self.at = None;
            self.truncated = !(self.fetch)(at, 1).await?.rows.is_empty();
            return Ok(None);
        }
        let page = (self.fetch)(at, self.page).await?;
        let mut rows = page.rows;
        let room = usize::try_from(self.max - self.written).unwrap_or(usize::MAX);
        if rows.len() > room {
            rows.truncate(room);
            self.truncated = true;
            self.at = None;
        } else {
            self.at = page.next.map(Some);
        }
        self.written += rows.len() as u64;
        Ok(Some(rows))
    }

    fn done(&self) -> bool {
        self.at.is_none()
    }

    /// The last row's text when the cap cut the list short.
    fn truncation_note(&self) -> Option<String> {
        self.truncated.then(|| {
            format!(
                "已达导出上限 {} 行，其后的记录未导出：请缩小筛选范围（如按日期、批次或网格）后分批导出。",
                self.max
            )
        })
    }
}

/// The title row: what, whose, when, and the masking note.
fn title_row(sheet: &Sheet, user: &User) -> String {
    let now = crate::timefmt::local(&chrono::Utc::now());
    let mut title = format!("{}（{}，导出于 {now}）", sheet.title, user.node_name);
    if let Some(ids) = sheet.id_numbers {
        title.push('　');
        title.push_str(if ids.is_full() {
            FULL_IDS_NOTE
        } else {
            MASKED_NOTE
        });
    }
    title
}

/// How `sheet`'s rows show ID numbers: masked, or — when `reveal` was asked for — in full,
/// granted by the store's one audited call (role checked, the list, its filters and the format
/// logged) before a row is written. Sets the sheet's note and returns what the rows go through.
pub async fn id_numbers(
    state: &AppState,
    user: &User,
    reveal: bool,
    format: Format,
    sheet: &mut Sheet,
) -> Result<ExportIdNumbers, AppError> {
    let ids = if reveal {
        state
            .store
            .reveal_for_export(
                &user.actor(),
                sheet.sheet_name,
                &sheet.title,
                format.extension(),
            )
            .await?
    } else {
        ExportIdNumbers::MASKED
    };
    sheet.id_numbers = Some(ids);
    Ok(ids)
}

/// Answers the export of `sheet` with `rows` as `format`, for `user`: a CSV stream, an XLSX
/// file, or (an XLSX longer than a page) a redirect to the progress page of its job.
pub async fn download(
    state: &AppState,
    user: &User,
    format: Format,
    sheet: Sheet,
    rows: Rows,
) -> PageResult<Response> {
    let mut reader = Reader::new(rows, state);
    // the first page before answering: a refusal is still an error page
    let first = reader.next().await?.unwrap_or_default();
    let title = title_row(&sheet, user);
    match format {
        Format::Csv => Ok(csv_stream(sheet, title, first, reader)),
        Format::Xlsx if reader.done() => {
            let mut book = XlsxBook::new(&sheet, &title)?;
            book.write(&first)?;
            if let Some(note) = reader.truncation_note() {
                book.note(&note)?;
            }
            let bytes = book.into_buffer()?;
            Ok(attachment(
                format,
                &sheet.file_name,
                &sheet.ascii_name,
                Body::from(bytes),
            ))
        }
        Format::Xlsx => {
            let name = sheet.file_name.clone();
            let id = state
                .jobs
                .start_export(Some(user.id), name, move |progress| {
                    xlsx_job(sheet, title, first, reader, progress)
                });
            Ok(Redirect::to(&format!("/exports/jobs/{id}")).into_response())
        }
    }
}

/// `attachment; filename="ascii.ext"; filename*=UTF-8''中文.ext` (RFC 6266 / 5987).
fn disposition(format: Format, name: &str, ascii: &str) -> String {
    let ext = format.extension();
    let fallback: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = format!("{name}.{ext}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}.{ext}\"; filename*=UTF-8''{encoded}")
}

fn attachment(format: Format, name: &str, ascii: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                disposition(format, name, ascii),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Rows as CSV lines (CRLF), every cell through the guard.
fn csv_lines<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| safe_text(c).into_owned()))
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// The CSV file: BOM, title, header and the first page at once, then a page per chunk as read.
fn csv_stream(sheet: Sheet, title: String, first: Vec<Vec<String>>, reader: Reader) -> Response {
    let headers: Vec<String> = sheet.columns.iter().map(|c| c.header.to_string()).collect();
    let head = std::iter::once(vec![title]).chain(std::iter::once(headers));
    let start = head.chain(first).collect::<Vec<_>>();
    let opening = csv_lines(start.iter().map(Vec::as_slice)).map(|mut lines| {
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        bytes.append(&mut lines);
        Bytes::from(bytes)
    });
    let rest = futures_util::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        let chunk = match reader.next().await {
            Ok(Some(rows)) => csv_lines(rows.iter().map(Vec::as_slice)),
            Ok(None) => match reader.truncation_note() {
                Some(note) => {
                    let lines = csv_lines([std::slice::from_ref(&note)]);
                    return Some((lines.map(Bytes::from), None));
                }
                None => return None,
            },
            Err(e) => Err(e),
        };
        match chunk {
            Ok(lines) => Some((Ok(Bytes::from(lines)), Some(reader))),
            // the status line is sent: the body breaks off, and the download shows it failed
            Err(e) => Some((Err(e), None)),
        }
    });
    let body = futures_util::stream::once(async move { opening })
        .chain(rest)
        .map(|chunk| {
            chunk.map_err(|e| {
                tracing::warn!(error = %e.message(), "export stream stopped");
                std::io::Error::other(e.message())
            })
        });
    attachment(
        Format::Csv,
        &sheet.file_name,
        &sheet.ascii_name,
        Body::from_stream(body),
    )
}

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A workbook of one constant-memory worksheet, written row by row.
struct XlsxBook {
    book: Workbook,
    row: u32,
    bold: CellFormat,
}

impl XlsxBook {
    fn new(sheet: &Sheet, title: &str) -> Result<XlsxBook, AppError> {
        let mut book = Workbook::new();
        let bold = CellFormat::new().set_bold();
        let ws = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        ws.set_name(sheet.sheet_name).map_err(xlsx_error)?;
        for (c, column) in (0u16..).zip(&sheet.columns) {
            ws.set_column_width(c, column.width).map_err(xlsx_error)?;
        }
        ws.write_string_with_format(0, 0, safe_text(title), &bold)
            .map_err(xlsx_error)?;
        for (c, column) in (0u16..).zip(&sheet.columns) {
            ws.write_string_with_format(1, c, column.header, &bold)
                .map_err(xlsx_error)?;
        }
        Ok(XlsxBook { book, row: 2, bold })
    }

    fn write(&mut self, rows: &[Vec<String>]) -> Result<(), AppError> {
        let ws = self.book.worksheet_from_index(0).map_err(xlsx_error)?;
        for cells in rows {
            for (c, text) in (0u16..).zip(cells) {
                if text.is_empty() {
                    continue;
                }
                let text = safe_text(text);
                let text = if text.chars().count() > XLSX_CELL_MAX {
                    let cut: String = text.chars().take(XLSX_CELL_MAX - 1).collect();
                    Cow::Owned(cut + "…")
                } else {
                    text
                };
                ws.write_string(self.row, c, text).map_err(xlsx_error)?;
            }
            self.row += 1;
        }
        Ok(())
    }

    /// A last row in bold: why the list stops there.
    fn note(&mut self, text: &str) -> Result<(), AppError> {
        let ws = self.book.worksheet_from_index(0).map_err(xlsx_error)?;
        ws.write_string_with_format(self.row, 0, text, &self.bold)
            .map_err(xlsx_error)?;
        self.row += 1;
        Ok(())
    }

    fn into_buffer(mut self) -> Result<Vec<u8>, AppError> {
        self.book.save_to_buffer().map_err(xlsx_error)
    }
}

/// An exported file waiting for its download, removed from disk when the job is forgotten.
#[derive(Clone, Serialize)]
pub struct ExportedFile {
    pub rows: u64,
    pub truncated: bool,
    pub file_name: String,
    #[serde(skip)]
    pub ascii_name: String,
    #[serde(skip)]
    file: Arc<TempFile>,
}

impl ExportedFile {
    /// The file as a download: read from disk in chunks, never whole.
    pub async fn response(&self) -> PageResult<Response> {
        let file = tokio::fs::File::open(&self.file.0)
            .await
            .map_err(|e| AppError::Internal(format!("export file: {e}")))?;
        let body = futures_util::stream::unfold(file, |mut file| async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<_, std::io::Error>(Bytes::from(buf)), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        });
        Ok(attachment(
            Format::Xlsx,
            &self.file_name,
            &self.ascii_name,
            Body::from_stream(body),
        ))
    }
}

/// A temporary file, deleted when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The background part of a long XLSX export: the remaining pages, then the file on disk.
async fn xlsx_job(
    sheet: Sheet,
    title: String,
    first: Vec<Vec<String>>,
    mut reader: Reader,
    progress: Arc<ReadProgress>,
) -> Result<ExportedFile, AppError> {
    let mut book = XlsxBook::new(&sheet, &title)?;
    book.write(&first)?;
    progress.rows.store(reader.written, Ordering::Relaxed);
    while let Some(rows) = reader.next().await? {
        book.write(&rows)?;
        progress.rows.store(reader.written, Ordering::Relaxed);
    }
    if let Some(note) = reader.truncation_note() {
        book.note(&note)?;
    }
    let path = std::env::temp_dir().join(format!(
        "wangge-export-{}.xlsx",
        wangge_store::random_token()
    ));
    let file = Arc::new(TempFile(path.clone()));
    // zipping the sheet is the long part: off the async workers
    tokio::task::spawn_blocking(move || book.book.save(&path).map_err(xlsx_error))
        .await
        .map_err(|e| AppError::Internal(format!("export task: {e}")))??;
    Ok(ExportedFile {
        rows: reader.written,
        truncated: reader.truncated,
        file_name: sheet.file_name,
        ascii_name: sheet.ascii_name,
        file,
    })
}

/// A title with the filters that apply: `来返报备 · 状态：已报备 · 抵达日期：2026-12-01`
/// (filters left empty are not named).
pub fn titled(what: &str, filters: &[(&str, String)]) -> String {
    let mut title = what.to_string();
    for (label, value) in filters.iter().filter(|(_, v)| !v.trim().is_empty()) {
        title.push_str(&format!(" · {label}：{value}"));
    }
    title
}

/// `path?k=v&…&` with the non-empty pairs percent-encoded: a list page's export address with
/// its current filters, to which the links add `format=…`.
pub fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.trim().is_empty()) {
        out.append_pair(k, v);
    }
    let query = out.finish();
    if query.is_empty() {
        format!("{path}?")
    } else {
        format!("{path}?{query}&")
    }
}

/// An importer's CSV template: BOM, the header row the importer reads, one example row.
pub fn template(
    name: &str,
    ascii: &str,
    headers: &[&str],
    example: &[String],
) -> PageResult<Response> {
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let lines = csv_lines([headers.as_slice(), example])?;
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(lines);
    Ok(attachment(Format::Csv, name, ascii, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(safe_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_text("+86 138"), "'+86 138");
        assert_eq!(safe_text("-1"), "'-1");
        assert_eq!(safe_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_text("\tx"), "'\tx");
        assert_eq!(safe_text("张三"), "张三");
        assert_eq!(safe_text(""), "");
    }

    #[test]
    fn file_names_are_chinese_with_an_ascii_fallback() {
        let d = disposition(Format::Csv, "推送人员 2026", "push-items 2026");
        assert_eq!(
            d,
            "attachment; filename=\"push-items_2026.csv\"; \
             filename*=UTF-8''%E6%8E%A8%E9%80%81%E4%BA%BA%E5%91%98%202026.csv"
        );
    }

    #[test]
    fn csv_cells_are_guarded_and_quoted() {
        let rows = [vec!["=1+1".to_string(), "a,b".to_string()]];
        let out = csv_lines(rows.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "'=1+1,\"a,b\"\r\n");
    }

    #[test]
    fn hrefs_keep_the_filters() {
        assert_eq!(href("/a", &[("s", ""), ("d", "")]), "/a?");
        assert_eq!(
            href(
                "/audit/export",
                &[("user", "王 五"), ("from", "2026-01-01")]
            ),
            "/audit/export?user=%E7%8E%8B+%E4%BA%94&from=2026-01-01&"
        );
    }

    #[test]
    fn pages_know_their_next_position() {
        let p = Page::of(vec![5, 4, 3], 3, |x| *x, |x| vec![x.to_string()]);
        assert_eq!(p.next, Some(3));
        let p = Page::of(vec![5, 4], 3, |x| *x, |x| vec![x.to_string()]);
        assert_eq!(p.next, None);
    }
}
