//! Fresh databases for tests: a temporary SQLite file, or a uniquely named PostgreSQL database
//! created on the server at `WANGGE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and dropped by [`TestDb::cleanup`].

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::{Result, Store, StoreError};

/// The grid tree the push-list tests place people in: two streets, two communities, three
/// grids (纬五路第一/第二网格 under one community, 农科路第一网格 under the other).
pub const PUSH_TREE: &str = "code,name,level,parent_code
410105,金水区,district,
410105001,经八路街道,township,410105
410105001001,纬五路社区,community,410105001
410105001001001,纬五路第一网格,grid,410105001001
410105001001002,纬五路第二网格,grid,410105001001
410105002,花园路街道,township,410105
410105002001,农科路社区,community,410105002
410105002001001,农科路第一网格,grid,410105002001
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub store: Store,
    pub url: String,
    kind: Kind,
    name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("WANGGE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "wangge_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    /// A new, migrated, empty database of the given kind.
    pub async fn new(kind: Kind) -> Result<TestDb> {
        let name = unique_name();
        let url = match kind {
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                format!("sqlite://{}", path.display())
            }
            Kind::Postgres => {
                let admin = pg_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                format!("{base}/{name}")
            }
        };
        let store = Store::open(&url).await?;
        Ok(TestDb {
            store,
            url,
            kind,
            name,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The database file, for a SQLite database; its log and shared memory sit beside it with
    /// `-wal` and `-shm` appended.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.kind == Kind::Sqlite).then(|| self.url.trim_start_matches("sqlite://"))
    }

    /// Push items whose pair in the grid lists' index (`push_item_grid`) is missing or names
    /// another batch or grid, plus pairs without their item: 0 when the index is in step.
    pub async fn push_grid_faults(&self) -> Result<i64> {
        let store = &self.store;
        Ok(on_pool!(store, pool => {
            sqlx::query_scalar::<_, i64>(
                "SELECT (SELECT COUNT(*) FROM push_items i WHERE NOT EXISTS ( \
                    SELECT 1 FROM push_item_grid x WHERE x.batch_id = i.batch_id \
                    AND x.node_key = COALESCE(i.node_id, 0) AND x.item_id = i.id)) \
                 + (SELECT COUNT(*) FROM push_item_grid x WHERE NOT EXISTS ( \
                    SELECT 1 FROM push_items i WHERE i.id = x.item_id \
                    AND i.batch_id = x.batch_id AND COALESCE(i.node_id, 0) = x.node_key))",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// Closes the pool and removes the database.
    pub async fn cleanup(self) -> Result<()> {
        self.store.close().await;
        match self.kind {
            Kind::Sqlite => {
                let path = self.sqlite_path().unwrap_or_default();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await?;
                sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn)
                .await
                .map_err(StoreError::from)?;
            }
        }
        Ok(())
    }
}

/// Instantiates a test once per backend: `both_backends!(name, body)`, where `async fn body(kind:
/// Kind)` is in the same module, produces the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::testing::Kind::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::testing::Kind::Postgres).await
            }
        }
    };
}

/// Hostile XLSX files for the import-limit tests and the fuzz corpus (issue 12): each is a
/// small archive that once made the importer allocate gigabytes. Written by hand with `zip`
/// so the XML is exactly what a hostile writer would put there.
pub mod hostile {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:G2"/><sheetData>"#;
    const SHEET_TAIL: &str = "</sheetData></worksheet>";

    /// The push-list header row as inline strings.
    fn header_row() -> String {
        let mut row = String::from(r#"<row r="1">"#);
        for (col, name) in [
            "姓名",
            "身份证号",
            "手机号",
            "来源地",
            "抵达时间",
            "现住址",
            "备注",
        ]
        .iter()
        .enumerate()
        {
            let letter = char::from(b'A' + col as u8);
            row.push_str(&format!(
                r#"<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>"#
            ));
        }
        row.push_str("</row>");
        row
    }

    /// A part's content: literal text, or a byte repeated (written in chunks, never held whole).
    enum Piece<'a> {
        Text(&'a str),
        Repeat(u8, u64),
    }

    fn workbook(sheet: &[Piece<'_>], shared: &[Piece<'_>]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let fast = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(9));
            let mut part = |name: &str, pieces: &[Piece<'_>]| {
                zip.start_file(name, fast).expect("zip entry");
                let chunk = vec![0u8; 1 << 20];
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => zip.write_all(t.as_bytes()).expect("zip write"),
                        Piece::Repeat(b, n) => {
                            let chunk: Vec<u8> = chunk.iter().map(|_| *b).collect();
                            let mut left = *n;
                            while left > 0 {
                                let k = left.min(chunk.len() as u64) as usize;
                                zip.write_all(&chunk[..k]).expect("zip write");
                                left -= k as u64;
                            }
                        }
                    }
                }
            };
            part("[Content_Types].xml", &[Piece::Text(CONTENT_TYPES)]);
            part("_rels/.rels", &[Piece::Text(RELS)]);
            part("xl/workbook.xml", &[Piece::Text(WORKBOOK)]);
            part("xl/_rels/workbook.xml.rels", &[Piece::Text(WORKBOOK_RELS)]);
            part("xl/sharedStrings.xml", shared);
            part("xl/worksheets/sheet1.xml", sheet);
            zip.finish().expect("zip finish");
        }
        out.into_inner()
    }

    const EMPTY_SST: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;

    /// A well-formed push list of one person (for checking the builders themselves).
    pub fn ordinary(id_number: &str) -> Vec<u8> {
        let row = format!(
            r#"<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>{id_number}</t></is></c><c r="D2" t="inlineStr"><is><t>上海市</t></is></c><c r="E2" t="inlineStr"><is><t>2021-12-20</t></is></c><c r="F2" t="inlineStr"><is><t>纬五路社区第一网格3号楼</t></is></c></row>"#
        );
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(&row),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// One cell at column FXSHRXW (1.8 billion columns to the right): ~1.7 KB that once made
    /// the importer size a row of 51 GB.
    pub fn wide_column() -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(
                    r#"<row r="2"><c r="FXSHRXW2" t="inlineStr"><is><t>x</t></is></c></row>"#,
                ),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// The declared sheet dimension reaches column FXSHRXW.
    pub fn wide_dimension() -> Vec<u8> {
        let header = header_row();
        let head = SHEET_HEAD.replace("A1:G2", "A1:FXSHRXW2");
        workbook(
            &[
                Piece::Text(&head),
                Piece::Text(&header),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// One shared string of `len` bytes ('A'), referenced from the second row: with 1 GiB it
    /// is a ~1 MB file that once took 3.1 GB of memory and was accepted.
    pub fn huge_shared_string(len: u64) -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(r#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#),
                Piece::Text(SHEET_TAIL),
            ],
            &[
                Piece::Text(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
                ),
                Piece::Repeat(b'A', len),
                Piece::Text("</t></si></sst>"),
            ],
        )
    }

    /// A zip bomb: a sheet whose one cell holds `len` zeros (hundreds of MB compress to a few
    /// hundred KB).
    pub fn zip_bomb(len: u64) -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(r#"<row r="2"><c r="A2"><v>"#),
                Piece::Repeat(b'0', len),
                Piece::Text("</v></c></row>"),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// [`zip_bomb`] whose sheet declares `declared` bytes instead of its true size (in both
    /// the local and the central header).
    pub fn zip_bomb_declaring(len: u64, declared: u32) -> Vec<u8> {
        let mut bytes = zip_bomb(len);
        let name = b"xl/worksheets/sheet1.xml";
        let mut i = 0;
        while i + 46 + name.len() <= bytes.len() {
            if bytes[i..].starts_with(b"PK\x03\x04") && bytes[i + 30..].starts_with(name) {
                bytes[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
            }
            if bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(name) {
                bytes[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
            }
            i += 1;
        }
        bytes
    }
}

/// Writes the hostile files into the fuzz corpus (`fuzz/corpus/…`):
/// `cargo test -p wangge-store --lib write_hostile_corpus -- --ignored`.
#[cfg(test)]
mod corpus {
    use super::hostile;

    #[test]
    #[ignore = "writes files into fuzz/corpus"]
    fn write_hostile_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        let header = "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n";
        let risk = "code,street,name,level,valid_from,valid_until\n";
        let files: Vec<(&str, &str, Vec<u8>)> = vec![
            (
                "pushlist_xlsx",
                "hostile-wide-column.xlsx",
                hostile::wide_column(),
            ),
            (
                "pushlist_xlsx",
                "hostile-wide-dimension.xlsx",
                hostile::wide_dimension(),
            ),
            (
                "pushlist_xlsx",
                "hostile-shared-string-1gib.xlsx",
                hostile::huge_shared_string(1 << 30),
            ),
            (
                "pushlist_xlsx",
                "hostile-zip-bomb-300mib.xlsx",
                hostile::zip_bomb(300 << 20),
            ),
            (
                "pushlist_xlsx",
                "hostile-zip-bomb-lying-size.xlsx",
                hostile::zip_bomb_declaring(1 << 20, 10_000),
            ),
            (
                "pushlist_csv",
                "hostile-long-cell.csv",
                format!("{header}张三,{}\n", "x".repeat(5000)).into_bytes(),
            ),
            (
                "pushlist_csv",
                "hostile-65-columns.csv",
                format!("{header}{}\n", vec!["1"; 65].join(",")).into_bytes(),
            ),
            (
                "pushlist_csv",
                "hostile-open-quote.csv",
                format!("{header}\"{}", "x".repeat(70_000)).into_bytes(),
            ),
            (
                "risk_areas_csv",
                "hostile-65-columns.csv",
                format!("{risk}{}\n", vec!["1"; 65].join(",")).into_bytes(),
            ),
            (
                "risk_areas_json",
                "hostile-long-value.json",
                format!(r#"[{{"code":"320105","name":"{}"}}]"#, "x".repeat(5000)).into_bytes(),
            ),
            (
                "risk_areas_json",
                "hostile-nested.json",
                format!(r#"[{{"code":{}1{}}}]"#, "[".repeat(100), "]".repeat(100)).into_bytes(),
            ),
            (
                "grid_csv",
                "hostile-long-cell.csv",
                format!(
                    "code,name,level,parent_code\n410105,{},district,\n",
                    "x".repeat(5000)
                )
                .into_bytes(),
            ),
        ];
        for (target, name, bytes) in files {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("corpus dir");
            std::fs::write(dir.join(name), bytes).expect("corpus file");
        }
    }
}
