//! 导入文件的上限: how big a file to import (推送名单、风险地区、网格 CSV/XLSX/JSON) may be in
//! each dimension, and the pure checks behind them. Reading files is the store's job; what is
//! here sees only bytes and numbers, so a hostile file is refused on what it *declares* or
//! *contains* before anything proportional to it is allocated.
//!
//! [`XlsxScan`] reads the decompressed parts of an XLSX archive, a chunk at a time, and refuses
//! any part that would make the XML reader behind the importer (calamine over quick-xml)
//! buffer or allocate more than the limits below: a cell reference beyond column 64, an XML
//! token or cell over 64 KB, a shared-strings table that would not fit the memory budget.

use std::collections::{BTreeMap, HashMap};

/// Columns a row may have (CSV fields, XLSX columns A–BL, JSON keys of one object).
pub const MAX_COLUMNS: usize = 64;
/// Bytes one cell may hold (as stored in the file).
pub const MAX_CELL_BYTES: usize = 4096;
/// Bytes one row may hold (all its cells).
pub const MAX_ROW_BYTES: usize = 64 * 1024;
/// Rows a worksheet may reference (a push list may have a million or two).
pub const MAX_SHEET_ROWS: u32 = 2_000_000;
/// Rows of a risk-area or grid file (they are registers, not lists of people).
pub const MAX_TABLE_ROWS: usize = 100_000;
/// Size of a risk-area or grid file read by the CLI (the server's body limit is smaller).
pub const MAX_TABLE_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Parts (zip entries) an XLSX file may have.
pub const MAX_XLSX_ENTRIES: usize = 1_000;
/// Decompressed size of one XLSX part.
pub const MAX_XLSX_ENTRY_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Decompressed size of all XLSX parts together.
pub const MAX_XLSX_TOTAL_BYTES: u64 = 3 * 1024 * 1024 * 1024;
/// One XML token (tag, text run, comment, CDATA, processing instruction).
pub const MAX_XML_TOKEN_BYTES: usize = 64 * 1024;
/// One element inside the sheet data (a cell and what it holds) or the shared-strings table.
pub const MAX_XML_ELEMENT_BYTES: u64 = 64 * 1024;
/// Bytes outside the sheet data and the shared strings (workbook, styles, relationships, …).
pub const MAX_XLSX_OTHER_BYTES: u64 = 16 * 1024 * 1024;
/// Elements outside the sheet data and the shared strings.
pub const MAX_XLSX_OTHER_ELEMENTS: u64 = 50_000;
/// Memory the shared-strings table may take once read (it is held whole while the sheet is read).
pub const MAX_SHARED_STRINGS_MEMORY: u64 = 128 * 1024 * 1024;
/// Upper bound of the memory one shared string takes beyond its text: its slot in the table
/// (24 bytes, twice while the table grows) and the allocator's overhead.
const SHARED_STRING_OVERHEAD: u64 = 80;
/// Longest element or attribute name looked at.
const MAX_XML_NAME_BYTES: usize = 256;

const MB: u64 = 1024 * 1024;

/// Why a file is refused: each message names the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("第{row}行超过 {MAX_COLUMNS} 列的上限")]
    TooManyColumns { row: u64 },
    #[error("第{row}行第{column}列超过单元格 {MAX_CELL_BYTES} 字节（4 KB）的上限")]
    CellTooLong { row: u64, column: usize },
    #[error("第{row}行超过每行 {MAX_ROW_BYTES} 字节（64 KB）的上限")]
    RowTooLong { row: u64 },
    #[error("超过 {limit} 行的上限，请分批导入")]
    TooManyRows { limit: u64 },
    #[error("文件超过 {} MB 的上限", MAX_TABLE_FILE_BYTES / MB)]
    FileTooLarge,
    #[error("单元格 {reference} 超出 {MAX_COLUMNS} 列（A–BL 列）、{MAX_SHEET_ROWS} 行的上限")]
    CellOutOfRange { reference: String },
    #[error(
        "工作表声明的范围 {reference} 超出 {MAX_COLUMNS} 列（A–BL 列）、{MAX_SHEET_ROWS} 行的上限"
    )]
    DimensionOutOfRange { reference: String },
    #[error("Excel 文件有超过 {MAX_XLSX_ENTRIES} 个部件的上限，不是正常的工作簿")]
    TooManyEntries,
    #[error("Excel 文件中的 {part} 解压后为 {size} 字节，超过单个部件 {} MB 的上限", MAX_XLSX_ENTRY_BYTES / MB)]
    PartTooLarge { part: String, size: u64 },
    #[error("Excel 文件解压后的总大小超过 {} MB 的上限", MAX_XLSX_TOTAL_BYTES / MB)]
    TotalTooLarge,
    #[error("Excel 文件中的 {part} 解压后大于其声明的大小，文件已损坏或被篡改")]
    LargerThanDeclared { part: String },
    #[error("Excel 文件中的 {part} 有一段内容超过 {MAX_XML_TOKEN_BYTES} 字节（64 KB）的上限")]
    TokenTooLong { part: String },
    #[error("Excel 文件中的 {part} 有一个单元格或字符串超过 {MAX_XML_ELEMENT_BYTES} 字节（64 KB）的上限")]
    ElementTooLong { part: String },
    #[error("Excel 文件中的 {part} 不是有效的 XML：{reason}")]
    Malformed { part: String, reason: &'static str },
    #[error("Excel 文件中表格数据以外的内容超过 {} MB 或 {MAX_XLSX_OTHER_ELEMENTS} 个元素的上限", MAX_XLSX_OTHER_BYTES / MB)]
    TooMuchOther,
    #[error("Excel 文件的共享字符串表过大（读入约需 {need_mb} MB 内存，超过 {} MB 的上限），请另存为 CSV（UTF-8）后导入", MAX_SHARED_STRINGS_MEMORY / MB)]
    SharedStringsTooLarge { need_mb: u64 },
}

/// A cell reference (`B7`, `bl2000000`): 0-based (row, column), within the limits.
/// `Err(())` when it is not a reference at all; the caller names the limit.
fn cell_ref(text: &[u8], need_column: bool) -> Result<(u32, Option<u32>), ()> {
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &text[letters..];
    if letters > 3
        || (need_column && letters == 0)
        || digits.is_empty()
        || digits.len() > 7
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(());
    }
    let col = text[..letters].iter().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = digits
        .iter()
        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
    if row == 0 || row > MAX_SHEET_ROWS || col as usize > MAX_COLUMNS {
        return Err(());
    }
    Ok((row - 1, col.checked_sub(1)))
}

/// Checks a cell reference of `<c r="…">`: its 0-based (row, column).
pub fn check_cell_ref(text: &str) -> Result<(u32, u32), LimitError> {
    let out_of_range = || LimitError::CellOutOfRange {
        reference: clip(text),
    };
    match cell_ref(text.as_bytes(), true) {
        Ok((row, Some(col))) => Ok((row, col)),
        _ => Err(out_of_range()),
    }
}

/// Checks a `<dimension ref="A1:G100">`.
pub fn check_dimension(text: &str) -> Result<(), LimitError> {
    let bad = || LimitError::DimensionOutOfRange {
        reference: clip(text),
    };
    let mut parts = text.split(':');
    let first = parts.next().ok_or_else(bad)?;
    let second = parts.next();
    if parts.next().is_some() {
        return Err(bad());
    }
    let (r0, c0) = cell_ref(first.as_bytes(), true).map_err(|_| bad())?;
    if let Some(second) = second {
        let (r1, c1) = cell_ref(second.as_bytes(), true).map_err(|_| bad())?;
        if r1 < r0 || c1 < c0 {
            return Err(bad());
        }
    }
    Ok(())
}

/// At most 40 characters of what a hostile file wrote, for a message.
fn clip(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Sizes of one row's cells against the row limits; `row` is the row number shown to the user.
pub fn check_row<I: IntoIterator<Item = usize>>(
    row: u64,
    cell_lengths: I,
) -> Result<(), LimitError> {
    let mut total = 0usize;
    for (i, len) in cell_lengths.into_iter().enumerate() {
        if i >= MAX_COLUMNS {
            return Err(LimitError::TooManyColumns { row });
        }
        if len > MAX_CELL_BYTES {
            return Err(LimitError::CellTooLong { row, column: i + 1 });
        }
        total += len;
        if total > MAX_ROW_BYTES {
            return Err(LimitError::RowTooLong { row });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Text,
    Tag,
    Comment,
    CData,
    Pi,
}

/// Where a part is, as the XML reader of the importer would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Zone {
    #[default]
    Other,
    SheetData,
    SharedStrings,
}

/// Scans the parts of an XLSX archive; see the module documentation. Feed each part with
/// [`XlsxScan::begin_part`], [`XlsxScan::feed`] and [`XlsxScan::end_part`].
///
/// It does not validate XML; it tokenises the way quick-xml does (a start tag ends at the first
/// `>` outside quotes, an end tag at the first `>`, comments at `-->`, CDATA at `]]>`,
/// processing instructions at `?>`) and, inside the sheet data and the shared strings, bounds
/// every element from its start tag to the end tag that balances it by name. The XML reader
/// never buffers more than one such element (it ends a read at the first end tag of the name,
/// which is never later), so nothing it holds exceeds the limits.
#[derive(Debug, Default)]
pub struct XlsxScan {
    part: String,
    state: State,
    /// Bytes of the current tag, after `<` (bounded by the token limit).
    tag: Vec<u8>,
    quote: Option<u8>,
    /// Length of the current text run, comment, CDATA or processing instruction.
    run: usize,
    /// The last bytes of a comment, CDATA or processing instruction, to see its end.
    tail: [u8; 2],
    offset: u64,
    zone: Zone,
    /// Open elements inside the sheet data or shared strings: each name's start offsets, and
    /// all start offsets with how many elements started there.
    open: HashMap<Vec<u8>, Vec<u64>>,
    starts: BTreeMap<u64, u32>,
    row_index: u32,
    col_index: u32,
    other_bytes: u64,
    other_elements: u64,
    shared_strings: u64,
    shared_bytes: u64,
    unique_count: u64,
}

impl XlsxScan {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the part called `name` (its path in the archive).
    pub fn begin_part(&mut self, name: &str) {
        self.part = clip(name);
        self.state = State::Text;
        self.tag.clear();
        self.quote = None;
        self.run = 0;
        self.tail = [0; 2];
        self.offset = 0;
        self.zone = Zone::Other;
        self.open.clear();
        self.starts.clear();
        self.row_index = 0;
        self.col_index = 0;
    }

    /// Ends the current part. Unclosed elements are not an error here (the reader would fail
    /// on them itself); everything it could have buffered was bounded while feeding.
    pub fn end_part(&mut self) -> Result<(), LimitError> {
        self.count(self.run as u64);
        self.run = 0;
        self.check_shared()
    }

    fn err_token(&self) -> LimitError {
        LimitError::TokenTooLong {
            part: self.part.clone(),
        }
    }

    fn malformed(&self, reason: &'static str) -> LimitError {
        LimitError::Malformed {
            part: self.part.clone(),
            reason,
        }
    }

    /// Bytes of a finished token, counted in the zone it was in.
    fn count(&mut self, n: u64) {
        match self.zone {
            Zone::Other => self.other_bytes += n,
            Zone::SharedStrings => self.shared_bytes += n,
            Zone::SheetData => {}
        }
    }

    fn check_other(&self) -> Result<(), LimitError> {
        if self.other_bytes > MAX_XLSX_OTHER_BYTES || self.other_elements > MAX_XLSX_OTHER_ELEMENTS
        {
            return Err(LimitError::TooMuchOther);
        }
        Ok(())
    }

    fn check_shared(&self) -> Result<(), LimitError> {
        let strings = self.shared_strings.max(self.unique_count);
        let need = strings
            .saturating_mul(SHARED_STRING_OVERHEAD)
            .saturating_add(self.shared_bytes.saturating_mul(2));
        if need > MAX_SHARED_STRINGS_MEMORY {
            return Err(LimitError::SharedStringsTooLarge {
                need_mb: need.div_ceil(MB),
            });
        }
        Ok(())
    }

    /// No open element inside the data may be longer than the element limit.
    fn check_open(&self) -> Result<(), LimitError> {
        if let Some((&first, _)) = self.starts.iter().next() {
            if self.offset.saturating_sub(first) > MAX_XML_ELEMENT_BYTES {
                return Err(LimitError::ElementTooLong {
                    part: self.part.clone(),
                });
            }
        }
        Ok(())
    }

    /// Feeds the next decompressed bytes of the current part.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), LimitError> {
        while !data.is_empty() {
            match self.state {
                State::Text => {
                    let n = data.iter().position(|&b| b == b'<').unwrap_or(data.len());
                    self.run += n;
                    self.offset += n as u64;
                    if self.run > MAX_XML_TOKEN_BYTES {
                        return Err(self.err_token());
                    }
                    if n < data.len() {
                        self.count(self.run as u64);
                        self.run = 0;
                        self.state = State::Tag;
                        self.tag.clear();
                        self.quote = None;
                        self.offset += 1;
                        data = &data[n + 1..];
                    } else {
                        data = &[];
                    }
                    self.check_open()?;
                }
                State::Tag => {
                    let b = data[0];
                    data = &data[1..];
                    self.offset += 1;
                    let is_end_tag = self.tag.first() == Some(&b'/');
                    if b == b'>' && (self.quote.is_none() || is_end_tag) {
                        let tag = std::mem::take(&mut self.tag);
                        let result = self.tag_done(&tag);
                        self.tag = tag;
                        self.state = State::Text;
                        result?;
                        continue;
                    }
                    if !is_end_tag && (b == b'"' || b == b'\'') {
                        match self.quote {
                            None => self.quote = Some(b),
                            Some(q) if q == b => self.quote = None,
                            Some(_) => {}
                        }
                    }
                    self.tag.push(b);
                    if self.tag.len() > MAX_XML_TOKEN_BYTES {
                        return Err(self.err_token());
                    }
                    match self.tag.as_slice() {
                        b"?" => {
                            self.state = State::Pi;
                            self.run = 2;
                            self.tail = [0; 2];
                        }
                        b"!--" => {
                            self.state = State::Comment;
                            self.run = 4;
                            self.tail = [0; 2];
                        }
                        b"![CDATA[" => {
                            self.state = State::CData;
                            self.run = 9;
                            self.tail = [0; 2];
                        }
                        t if t[0] == b'!'
                            && !b"!--".starts_with(t)
                            && !b"![CDATA[".starts_with(t) =>
                        {
                            return Err(self.malformed("含有 DOCTYPE 等声明"));
                        }
                        _ => {}
                    }
                }
                State::Comment | State::CData | State::Pi => {
                    let b = data[0];
                    data = &data[1..];
                    self.offset += 1;
                    self.run += 1;
                    if self.run > MAX_XML_TOKEN_BYTES {
                        return Err(self.err_token());
                    }
                    let closes = b == b'>'
                        && match self.state {
                            State::Comment => self.tail == *b"--",
                            State::CData => self.tail == *b"]]",
                            _ => self.tail[1] == b'?',
                        };
                    self.tail = [self.tail[1], b];
                    if closes {
                        self.count(self.run as u64);
                        self.run = 0;
                        self.state = State::Text;
                        self.check_open()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A finished tag (the bytes between `<` and `>`).
    fn tag_done(&mut self, tag: &[u8]) -> Result<(), LimitError> {
        let len = tag.len() as u64 + 2;
        let tag_start = self.offset - len;
        if let Some(rest) = tag.strip_prefix(b"/") {
            let name = element_name(rest);
            self.count(len);
            self.end_element(name);
            return self.check_open();
        }
        let self_closing = tag.last() == Some(&b'/');
        let name = element_name(tag);
        if name.is_empty() {
            // `<` followed by a space or `>`: the reader fails on it; nothing to bound
            self.count(len);
            return self.check_open();
        }
        if name.len() > MAX_XML_NAME_BYTES {
            return Err(self.malformed("元素名过长"));
        }
        let local = local_name(name);
        let was = self.zone;
        self.count(len);
        match was {
            Zone::Other => {
                self.other_elements += 1;
                match local {
                    b"sheetData" => {
                        self.zone = Zone::SheetData;
                        self.row_index = 0;
                        self.col_index = 0;
                    }
                    b"sst" => {
                        self.zone = Zone::SharedStrings;
                        for value in self.attrs(tag, b"uniqueCount")? {
                            let n = std::str::from_utf8(&value)
                                .ok()
                                .filter(|v| v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()))
                                .and_then(|v| v.parse::<u64>().ok())
                                .ok_or_else(|| self.malformed("uniqueCount 无效"))?;
                            self.unique_count = self.unique_count.max(n);
                        }
                        self.check_shared()?;
                    }
                    b"dimension" => {
                        for value in self.attrs(tag, b"ref")? {
                            check_dimension(&String::from_utf8_lossy(&value))?;
                        }
                    }
                    _ => {}
                }
                self.check_other()?;
                if self_closing {
                    self.end_element(name);
                }
                return Ok(());
            }
            Zone::SheetData => {
                if local == b"row" {
                    for value in self.attrs(tag, b"r")? {
                        let text = String::from_utf8_lossy(&value);
                        match cell_ref(&value, false) {
                            Ok((row, _)) => self.row_index = row,
                            Err(()) => {
                                return Err(LimitError::CellOutOfRange {
                                    reference: clip(&text),
                                })
                            }
                        }
                    }
                } else if local == b"c" {
                    let refs = self.attrs(tag, b"r")?;
                    let mut col = self.col_index;
                    for value in &refs {
                        let (_, c) = check_cell_ref(&String::from_utf8_lossy(value))?;
                        col = c;
                    }
                    if refs.is_empty()
                        && (col as usize >= MAX_COLUMNS || self.row_index >= MAX_SHEET_ROWS)
                    {
                        let reference = format!("第{}行第{}个", self.row_index + 1, col + 1);
                        return Err(LimitError::CellOutOfRange { reference });
                    }
                    self.col_index = col + 1;
                }
            }
            Zone::SharedStrings => {
                if local == b"si" {
                    self.shared_strings += 1;
                    self.check_shared()?;
                }
            }
        }
        if self_closing {
            self.end_element(name);
        } else if local != b"row" {
            self.open.entry(name.to_vec()).or_default().push(tag_start);
            *self.starts.entry(tag_start).or_default() += 1;
        }
        self.check_open()
    }

    fn end_element(&mut self, name: &[u8]) {
        if let Some(stack) = self.open.get_mut(name) {
            if let Some(start) = stack.pop() {
                if let Some(n) = self.starts.get_mut(&start) {
                    *n -= 1;
                    if *n == 0 {
                        self.starts.remove(&start);
                    }
                }
            }
            if stack.is_empty() {
                self.open.remove(name);
            }
        }
        let local = local_name(name);
        match self.zone {
            Zone::SheetData if local == b"row" => {
                self.row_index = self.row_index.saturating_add(1);
                self.col_index = 0;
            }
            // the reader stops at the end of the sheet data or table only when it is not in
            // the middle of an element
            Zone::SheetData if local == b"sheetData" && self.starts.is_empty() => {
                self.zone = Zone::Other;
            }
            Zone::SharedStrings if local == b"sst" && self.starts.is_empty() => {
                self.zone = Zone::Other;
            }
            _ => {}
        }
    }

    /// Every value of the attribute `key` in a start tag (all of them: a reader may take the
    /// first or the last). A tag whose attributes cannot be read is refused.
    fn attrs(&self, tag: &[u8], key: &[u8]) -> Result<Vec<Vec<u8>>, LimitError> {
        let tag = tag.strip_suffix(b"/").unwrap_or(tag);
        let mut rest = &tag[element_name(tag).len()..];
        let mut out = Vec::new();
        loop {
            rest = trim_start(rest);
            if rest.is_empty() {
                return Ok(out);
            }
            let name_len = rest
                .iter()
                .position(|b| *b == b'=' || b.is_ascii_whitespace())
                .ok_or_else(|| self.malformed("属性无效"))?;
            let name = &rest[..name_len];
            rest = trim_start(&rest[name_len..]);
            rest = rest
                .strip_prefix(b"=")
                .ok_or_else(|| self.malformed("属性无效"))?;
            rest = trim_start(rest);
            let quote = *rest.first().ok_or_else(|| self.malformed("属性无效"))?;
            if quote != b'"' && quote != b'\'' {
                return Err(self.malformed("属性值缺少引号"));
            }
            let end = rest[1..]
                .iter()
                .position(|b| *b == quote)
                .ok_or_else(|| self.malformed("属性值缺少引号"))?;
            if name == key {
                out.push(rest[1..1 + end].to_vec());
            }
            rest = &rest[end + 2..];
        }
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn element_name(tag: &[u8]) -> &[u8] {
    let n = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    &tag[..n]
}

fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(parts: &[(&str, &[u8])]) -> Result<(), LimitError> {
        let mut s = XlsxScan::new();
        for (name, bytes) in parts {
            s.begin_part(name);
            // in small chunks, as a decompressor would hand them over
            for chunk in bytes.chunks(7) {
                s.feed(chunk)?;
            }
            s.end_part()?;
        }
        Ok(())
    }

    fn sheet(data: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0"?><worksheet xmlns="x"><dimension ref="A1:G2"/><sheetData>{data}</sheetData><mergeCells count="0"/></worksheet>"#
        )
        .into_bytes()
    }

    #[test]
    fn references_within_limits() {
        assert_eq!(check_cell_ref("A1"), Ok((0, 0)));
        assert_eq!(check_cell_ref("bl2000000"), Ok((1_999_999, 63)));
        for bad in [
            "BM1",
            "FXSHRXW1",
            "A0",
            "A",
            "1",
            "A2000001",
            "A12345678",
            "A-1",
            "",
        ] {
            let e = check_cell_ref(bad).unwrap_err();
            assert!(e.to_string().contains("64 列"), "{bad}: {e}");
        }
        assert!(check_dimension("A1:G100").is_ok());
        assert!(check_dimension("A1").is_ok());
        for bad in ["A1:FXSHRXW1", "B2:A1", "A1:B2:C3", "A1:XFD1048576"] {
            assert!(check_dimension(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rows_are_checked_cell_by_cell() {
        assert!(check_row(2, [10, 20, 4096]).is_ok());
        assert_eq!(
            check_row(3, [1, 4097]),
            Err(LimitError::CellTooLong { row: 3, column: 2 })
        );
        assert_eq!(
            check_row(4, std::iter::repeat_n(1, 65)),
            Err(LimitError::TooManyColumns { row: 4 })
        );
        assert_eq!(
            check_row(5, std::iter::repeat_n(4000, 17)),
            Err(LimitError::RowTooLong { row: 5 })
        );
        assert!(LimitError::CellTooLong { row: 3, column: 2 }
            .to_string()
            .contains("4096 字节"));
    }

    #[test]
    fn an_ordinary_sheet_passes() {
        let s = sheet(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="s"><v>0</v></c></row>
               <row r="2"><c r="A2"><v>1</v></c><c t="str"><v>a &amp; b</v></c><c/><!-- a > b --></row>"#,
        );
        let sst = br#"<sst xmlns="x" count="2" uniqueCount="2"><si><t>a</t></si><si><r><t>b</t></r></si></sst>"#;
        assert_eq!(
            scan(&[
                ("xl/worksheets/sheet1.xml", &s),
                ("xl/sharedStrings.xml", sst)
            ]),
            Ok(())
        );
    }

    #[test]
    fn columns_beyond_the_limit_are_refused() {
        let s = sheet(r#"<row r="1"><c r="FXSHRXW1"><v>1</v></c></row>"#);
        let e = scan(&[("xl/worksheets/sheet1.xml", &s)]).unwrap_err();
        assert!(matches!(e, LimitError::CellOutOfRange { .. }), "{e}");
        assert!(e.to_string().contains("FXSHRXW1") && e.to_string().contains("64 列"));
        // without references: the 65th cell of a row
        let cells = "<c><v>1</v></c>".repeat(65);
        let s = sheet(&format!("<row>{cells}</row>"));
        assert!(scan(&[("s.xml", &s)]).is_err());
        let cells = "<c><v>1</v></c>".repeat(64);
        let s = sheet(&format!("<row>{cells}</row><row>{cells}</row>"));
        assert_eq!(scan(&[("s.xml", &s)]), Ok(()));
        // a row reference beyond the limit, and a declared dimension beyond it
        let s = sheet(r#"<row r="4294967296"><c><v>1</v></c></row>"#);
        assert!(scan(&[("s.xml", &s)]).is_err());
        let s = br#"<worksheet><dimension ref="A1:FXSHRXW1"/><sheetData/></worksheet>"#;
        let e = scan(&[("s.xml", s)]).unwrap_err();
        assert!(matches!(e, LimitError::DimensionOutOfRange { .. }), "{e}");
    }

    #[test]
    fn long_tokens_and_elements_are_refused() {
        let big = "x".repeat(MAX_XML_TOKEN_BYTES + 1);
        let s = format!("<x>{big}</x>");
        assert!(matches!(
            scan(&[("s.xml", s.as_bytes())]),
            Err(LimitError::TokenTooLong { .. })
        ));
        let s = sheet(&format!(
            r#"<row><c t="inlineStr"><is><t>{big}</t></is></c></row>"#
        ));
        assert!(scan(&[("s.xml", &s)]).is_err());
        // many short runs inside one cell: the cell is bounded
        let runs = "<r><t>0123456789</t></r>".repeat(4000);
        let s = sheet(&format!(
            r#"<row><c t="inlineStr"><is>{runs}</is></c></row>"#
        ));
        assert!(matches!(
            scan(&[("s.xml", &s)]),
            Err(LimitError::ElementTooLong { .. })
        ));
        // a text element that runs past the end of its cell is bounded too
        let runs = "</row><x/>0123456789".repeat(8000);
        let s = sheet(&format!(
            r#"<row><c t="inlineStr"><is><t>a</c>{runs}</t></is></row>"#
        ));
        assert!(matches!(
            scan(&[("s.xml", &s)]),
            Err(LimitError::ElementTooLong { .. })
        ));
        // a quoted `>` does not end a start tag
        let attr = "a>".repeat(MAX_XML_TOKEN_BYTES);
        let s = format!(r#"<x y="{attr}">"#);
        assert!(scan(&[("s.xml", s.as_bytes())]).is_err());
        // nor do `>` end a comment
        let s = format!("<!--{}-->", "->".repeat(MAX_XML_TOKEN_BYTES));
        assert!(scan(&[("s.xml", s.as_bytes())]).is_err());
        let s = b"<!DOCTYPE x [<!ENTITY a \"b\">]><x/>";
        assert!(matches!(
            scan(&[("s.xml", s)]),
            Err(LimitError::Malformed { .. })
        ));
    }

    #[test]
    fn shared_strings_are_budgeted() {
        let s = br#"<sst uniqueCount="100000000"><si><t>a</t></si></sst>"#;
        let e = scan(&[("xl/sharedStrings.xml", s)]).unwrap_err();
        assert!(matches!(e, LimitError::SharedStringsTooLarge { .. }), "{e}");
        assert!(e.to_string().contains("128 MB"));
        // one string of a gigabyte is refused at its first 64 KB
        let mut s = b"<sst><si><t>".to_vec();
        s.extend(std::iter::repeat_n(b'A', MAX_XML_TOKEN_BYTES + 10));
        assert!(scan(&[("xl/sharedStrings.xml", &s)]).is_err());
        // many strings: refused once the estimate passes the budget
        let mut scanner = XlsxScan::new();
        scanner.begin_part("xl/sharedStrings.xml");
        scanner.feed(b"<sst>").unwrap();
        let si = "<si/>".repeat(10_000);
        let refused = (0..1000).find(|_| scanner.feed(si.as_bytes()).is_err());
        let fed = refused.expect("refused") as u64 * 10_000;
        assert!(fed * SHARED_STRING_OVERHEAD <= MAX_SHARED_STRINGS_MEMORY + 10_000 * 100);
    }

    #[test]
    fn other_parts_are_bounded() {
        let mut scanner = XlsxScan::new();
        scanner.begin_part("xl/styles.xml");
        let xf = "<xf numFmtId=\"0\"/>".repeat(1000);
        let mut refused = false;
        for _ in 0..100 {
            if let Err(e) = scanner.feed(xf.as_bytes()) {
                assert_eq!(e, LimitError::TooMuchOther);
                refused = true;
                break;
            }
        }
        assert!(refused);
    }
}
