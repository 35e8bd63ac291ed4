//! `wangge backup FILE`: a consistent copy of the running database, taken without stopping the
//! server. SQLite: `VACUUM INTO` through the store (restore: serve the copy). PostgreSQL:
//! `pg_dump --format=custom` of the same URL, one snapshot of the whole database (restore:
//! `pg_restore --dbname URL FILE` into an empty database); a city keeps a base backup with WAL
//! archiving as well (README, "running a city").

use std::path::{Path, PathBuf};
use std::process::Command;

use wangge_store::{Create, Store};

type BoxError = Box<dyn std::error::Error>;

/// What was written: the file and its size in bytes.
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

pub async fn run(url: &str, dest: &Path) -> Result<Written, BoxError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return pg_dump(url, dest);
    }
    let store = Store::open_with(url, Create::Never).await?;
    let written = store.backup_sqlite(dest).await;
    store.close().await;
    let s = written?;
    Ok(Written {
        path: s.path,
        bytes: s.bytes,
    })
}

fn pg_dump(url: &str, dest: &Path) -> Result<Written, BoxError> {
    if dest.exists() {
        return Err(format!("备份文件已存在：{}（不会覆盖）", dest.display()).into());
    }
    let mut tmp = dest.as_os_str().to_os_string();
    tmp.push(format!(".partial-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let out = Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(&tmp)
        .arg("--dbname")
        .arg(url)
        .output()
        .map_err(|e| format!("无法运行 pg_dump（请安装 PostgreSQL 客户端）：{e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "pg_dump 失败：{}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let f = std::fs::File::open(&tmp)?;
    f.sync_all()?;
    let bytes = f.metadata()?.len();
    std::fs::hard_link(&tmp, dest)?;
    std::fs::remove_file(&tmp)?;
    Ok(Written {
        path: dest.to_path_buf(),
        bytes,
    })
}
