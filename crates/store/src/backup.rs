//! 备份: a consistent copy of a running SQLite database, taken without stopping the server.
//!
//! `VACUUM INTO` reads the database inside one read transaction, so the copy holds exactly the
//! transactions committed before it began — in WAL mode writers go on meanwhile — and is a
//! compact, ordinary database file that `wangge serve --database sqlite://COPY` opens as it is.
//! The copy is written beside the target under a temporary name, synced and renamed, so a
//! crash or a full disk never leaves a half-written file under the name asked for.
//! PostgreSQL is backed up by its own tools (README, "running a city").

use std::path::{Path, PathBuf};

use crate::{Backend, Result, Store, StoreError};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `dest`, which must not exist yet.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<BackupSummary> {
        let Backend::Sqlite(pool) = self.backend() else {
            return Err(StoreError::invalid(
                "database",
                "wangge backup 只用于 SQLite；PostgreSQL 用 pg_dump 或基础备份加 WAL 归档（见 README“运行一座城市”）",
            ));
        };
        if dest.exists() {
            return Err(StoreError::Conflict {
                field: "file".into(),
                message: format!("备份文件已存在：{}（不会覆盖）", dest.display()),
            });
        }
        let name = dest
            .file_name()
            .ok_or_else(|| StoreError::invalid("file", "备份文件名无效"))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(StoreError::invalid(
                "file",
                format!("备份目录不存在：{}", dir.display()),
            ));
        }
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".partial-{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let _ = std::fs::remove_file(&tmp);
        let tmp_text = tmp
            .to_str()
            .ok_or_else(|| StoreError::invalid("file", "备份路径须为 UTF-8"))?
            .to_string();
        let written = sqlx::query("VACUUM INTO ?")
            .bind(&tmp_text)
            .execute(pool)
            .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        let finish = || -> std::io::Result<u64> {
            let f = std::fs::File::open(&tmp)?;
            f.sync_all()?;
            let bytes = f.metadata()?.len();
            // a name taken meanwhile is not overwritten (hard_link fails on an existing name)
            std::fs::hard_link(&tmp, dest)?;
            std::fs::remove_file(&tmp)?;
            std::fs::File::open(&dir)?.sync_all()?;
            Ok(bytes)
        };
        match finish() {
            Ok(bytes) => Ok(BackupSummary {
                path: dest.to_path_buf(),
                bytes,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(StoreError::Internal(format!("写备份文件失败：{e}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_copy_opens_and_an_existing_file_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("wangge-backup-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}", dir.join("live.db").display());
        let store = Store::open(&url).await.expect("open");
        let dest = dir.join("copy.db");
        let s = store.backup_sqlite(&dest).await.expect("backup");
        assert!(s.bytes > 0);
        assert!(dest.exists());
        let again = store.backup_sqlite(&dest).await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{again:?}"
        );
        let missing_dir = store.backup_sqlite(&dir.join("no/such/dir.db")).await;
        assert!(
            matches!(missing_dir, Err(StoreError::Invalid { .. })),
            "{missing_dir:?}"
        );
        // no partial file is left beside the copy
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.contains(".partial-"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
        store.close().await;
        let copy = Store::open_with(
            &format!("sqlite://{}", dest.display()),
            crate::Create::Never,
        )
        .await
        .expect("the copy opens");
        copy.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
