//! Reading import files within the limits of [`wangge_domain::limits`]: CSV records that never
//! grow past the row and column limits (read with `csv_core` into fixed buffers, so a 1 GB
//! field is refused after 64 KB), the checks an XLSX archive passes before the workbook reader
//! opens it, and whole files read only up to a size.

use std::io::{BufRead, Read};

use wangge_domain::limits::{
    LimitError, XlsxScan, MAX_CELL_BYTES, MAX_COLUMNS, MAX_ROW_BYTES, MAX_TABLE_FILE_BYTES,
    MAX_TABLE_ROWS, MAX_XLSX_ENTRIES, MAX_XLSX_ENTRY_BYTES, MAX_XLSX_TOTAL_BYTES,
};

/// Why a bounded read stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Limit(#[from] LimitError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A CSV reader (comma, double quotes, any line ending; blank lines skipped — as the `csv`
/// crate reads) whose records fit [`MAX_COLUMNS`] fields of [`MAX_CELL_BYTES`] bytes and
/// [`MAX_ROW_BYTES`] in all.
pub struct BoundedCsv<R> {
    input: R,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    fields: usize,
    /// The line the next record starts on, as the `csv` crate numbers it.
    line: u64,
    done: bool,
}

impl<R: BufRead> BoundedCsv<R> {
    pub fn new(input: R) -> Self {
        BoundedCsv {
            input,
            core: csv_core::Reader::new(),
            out: vec![0; MAX_ROW_BYTES],
            ends: vec![0; MAX_COLUMNS],
            fields: 0,
            line: 1,
            done: false,
        }
    }

    /// The next record's line number, or `None` at the end of the input; its fields are then
    /// [`BoundedCsv::fields`].
    pub fn next_record(&mut self) -> Result<Option<u64>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let line = self.line;
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let input = self.input.fill_buf()?;
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            self.input.consume(nin);
            self.line = self.core.line();
            outlen += nout;
            endlen += nend;
            use csv_core::ReadRecordResult as R;
            match res {
                R::InputEmpty => continue,
                R::OutputFull => {
                    self.done = true;
                    return Err(LimitError::RowTooLong { row: line }.into());
                }
                R::OutputEndsFull => {
                    self.done = true;
                    return Err(LimitError::TooManyColumns { row: line }.into());
                }
                R::Record => {
                    self.fields = endlen;
                    let mut start = 0;
                    for (i, &end) in self.ends[..endlen].iter().enumerate() {
                        if end - start > MAX_CELL_BYTES {
                            self.done = true;
                            return Err(LimitError::CellTooLong {
                                row: line,
                                column: i + 1,
                            }
                            .into());
                        }
                        start = end;
                    }
                    return Ok(Some(line));
                }
                R::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    /// The fields of the record [`BoundedCsv::next_record`] returned last.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends[..self.fields].iter().map(move |&end| {
            let field = &self.out[start..end];
            start = end;
            field
        })
    }
}

/// A risk-area or grid CSV (UTF-8, header first) read within the limits: at most
/// [`MAX_TABLE_FILE_BYTES`], [`MAX_TABLE_ROWS`] data rows, and the row and column limits.
/// Trouble with the file as a whole is a message for row 1 (the header) or the row at fault.
pub struct TableCsv<R: Read> {
    csv: BoundedCsv<std::io::BufReader<TableFileLimit<R>>>,
    rows: usize,
}

/// A data row: its line, and its fields or why they are not text.
pub type TableRow = (u64, Result<Vec<String>, String>);

/// The whole file is refused: the row to name (1 for the header) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub row: u64,
    pub message: String,
}

fn table_error(e: ReadError, row: u64) -> TableError {
    match e {
        ReadError::Limit(limit) => TableError {
            row: match limit {
                LimitError::TooManyColumns { row }
                | LimitError::CellTooLong { row, .. }
                | LimitError::RowTooLong { row } => row,
                _ => row,
            },
            message: format!("文件无法导入：{limit}"),
        },
        ReadError::Io(e) => match limit_of(&e) {
            Some(limit) => TableError {
                row: 0,
                message: format!("文件无法导入：{limit}"),
            },
            None => TableError {
                row,
                message: format!("无法读取：{e}"),
            },
        },
    }
}

fn utf8_fields<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Result<Vec<String>, String> {
    fields
        .enumerate()
        .map(|(i, f)| {
            String::from_utf8(f.to_vec()).map_err(|_| format!("第{}列不是有效的 UTF-8 文字", i + 1))
        })
        .collect()
}

impl<R: Read> TableCsv<R> {
    /// Opens `input` and reads its header (empty when the file is).
    pub fn open(input: R) -> Result<(Self, Vec<String>), TableError> {
        let mut csv = BoundedCsv::new(std::io::BufReader::new(TableFileLimit::new(input)));
        let headers = match csv.next_record() {
            Ok(None) => Vec::new(),
            Ok(Some(_)) => utf8_fields(csv.fields()).map_err(|m| TableError {
                row: 1,
                message: format!("无法读取表头：{m}"),
            })?,
            Err(e) => return Err(table_error(e, 1)),
        };
        Ok((TableCsv { csv, rows: 0 }, headers))
    }

    /// The next data row, or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<TableRow>, TableError> {
        match self.csv.next_record() {
            Ok(None) => Ok(None),
            Ok(Some(line)) => {
                self.rows += 1;
                if self.rows > MAX_TABLE_ROWS {
                    return Err(TableError {
                        row: line,
                        message: format!(
                            "文件无法导入：{}",
                            LimitError::TooManyRows {
                                limit: MAX_TABLE_ROWS as u64
                            }
                        ),
                    });
                }
                Ok(Some((line, utf8_fields(self.csv.fields()))))
            }
            Err(e) => Err(table_error(e, self.csv.line)),
        }
    }
}

/// Reads a whole file of at most [`MAX_TABLE_FILE_BYTES`] (a risk-area or grid file).
pub fn read_table_file(input: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_TABLE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TABLE_FILE_BYTES {
        return Err(LimitError::FileTooLarge.into());
    }
    Ok(bytes)
}

/// A reader that fails once more than [`MAX_TABLE_FILE_BYTES`] have come through it.
pub struct TableFileLimit<R> {
    inner: R,
    read: u64,
}

impl<R> TableFileLimit<R> {
    pub fn new(inner: R) -> Self {
        TableFileLimit { inner, read: 0 }
    }
}

impl<R: Read> Read for TableFileLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > MAX_TABLE_FILE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LimitError::FileTooLarge,
            ));
        }
        Ok(n)
    }
}

/// The limit error inside an I/O error from [`TableFileLimit`], if that is what it is.
pub fn limit_of(e: &std::io::Error) -> Option<&LimitError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitError>())
}

/// Why an XLSX archive is refused before it is opened as a workbook.
#[derive(Debug, thiserror::Error)]
pub enum XlsxCheckError {
    #[error("{0}")]
    Limit(#[from] LimitError),
    /// Not a zip archive the workbook reader could open either.
    #[error("{0}")]
    Zip(String),
}

/// Checks every part of the XLSX archive in `input` against the limits: the number of parts,
/// each part's declared size, and its content as decompressed — never more of it than it
/// declares or than the limit, whichever is smaller — through [`XlsxScan`].
pub fn check_xlsx<R: Read + std::io::Seek>(input: R) -> Result<(), XlsxCheckError> {
    let mut zip = zip::ZipArchive::new(input).map_err(|e| XlsxCheckError::Zip(e.to_string()))?;
    if zip.len() > MAX_XLSX_ENTRIES {
        return Err(LimitError::TooManyEntries.into());
    }
    // declared sizes first: refused before a byte is decompressed
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| XlsxCheckError::Zip(e.to_string()))?;
        let size = entry.size();
        if size > MAX_XLSX_ENTRY_BYTES {
            return Err(LimitError::PartTooLarge {
                part: entry_name(&entry),
                size,
            }
            .into());
        }
        total = total.saturating_add(size);
        if total > MAX_XLSX_TOTAL_BYTES {
            return Err(LimitError::TotalTooLarge.into());
        }
    }
    let mut scan = XlsxScan::new();
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let entry = match zip.by_index(i) {
            Ok(e) => e,
            // encrypted or of an unknown method: the workbook reader cannot read it either
            Err(e) => return Err(XlsxCheckError::Zip(e.to_string())),
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry_name(&entry);
        let declared = entry.size();
        scan.begin_part(&name);
        // one byte past what it declares shows a part that lies about its size
        let mut limited = entry.take(declared.min(MAX_XLSX_ENTRY_BYTES) + 1);
        let mut read = 0u64;
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // zip stops a part at its declared size itself, with this error
                Err(e)
                    if e.kind() == std::io::ErrorKind::InvalidData
                        && e.to_string().contains("declared") =>
                {
                    return Err(LimitError::LargerThanDeclared { part: name }.into())
                }
                Err(e) => return Err(XlsxCheckError::Zip(format!("{name}: {e}"))),
            };
            read += n as u64;
            if read > declared {
                return Err(LimitError::LargerThanDeclared { part: name }.into());
            }
            scan.feed(&buf[..n])?;
        }
        scan.end_part()?;
    }
    Ok(())
}

fn entry_name<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> String {
    entry
        .name()
        .map(|n| n.into_owned())
        .unwrap_or_else(|_| "（名称无法识别的部件）".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>, ReadError> {
        let mut r = BoundedCsv::new(std::io::BufReader::with_capacity(16, text));
        let mut out = Vec::new();
        while let Some(line) = r.next_record()? {
            let fields = r
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((line, fields));
        }
        Ok(out)
    }

    #[test]
    fn reads_as_the_csv_crate_does() {
        let text = b"a,b\r\n\n\"x,\"\"y\"\"\nz\",2\n3";
        let ours = records(text).unwrap();
        let mut theirs = Vec::new();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text[..]);
        for r in rdr.byte_records() {
            let r = r.unwrap();
            let line = r.position().unwrap().line();
            let fields = r
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect::<Vec<_>>();
            theirs.push((line, fields));
        }
        assert_eq!(ours, theirs);
        assert_eq!(ours[1].1[0], "x,\"y\"\nz");
    }

    #[test]
    fn refuses_what_is_too_big() {
        let wide = format!("h\n{}\n", vec!["1"; 65].join(","));
        let e = records(wide.as_bytes()).unwrap_err();
        assert!(
            matches!(e, ReadError::Limit(LimitError::TooManyColumns { row: 2 })),
            "{e}"
        );
        assert!(records(vec!["1"; 64].join(",").as_bytes()).is_ok());
        let long = format!("h\n1,{}\n", "x".repeat(4097));
        let e = records(long.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("第2行第2列") && e.to_string().contains("4096"),
            "{e}"
        );
        let row = format!("{}\n", vec!["x".repeat(4000); 17].join(","));
        let e = records(row.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("64 KB"), "{e}");
        // a quoted field that never ends is refused at the row limit, not read to the end
        let mut open = b"\"".to_vec();
        open.extend(std::iter::repeat_n(b'x', 1 << 20));
        assert!(matches!(
            records(&open),
            Err(ReadError::Limit(LimitError::RowTooLong { row: 1 }))
        ));
    }

    #[test]
    fn table_files_are_read_up_to_the_limit() {
        let big = std::io::repeat(b'a').take(MAX_TABLE_FILE_BYTES + 1);
        assert!(matches!(
            read_table_file(big),
            Err(ReadError::Limit(LimitError::FileTooLarge))
        ));
        assert_eq!(read_table_file(&b"abc"[..]).unwrap(), b"abc");
    }
}
