//! Shared by the push-list fuzz targets: the importer reads from a file, so each input is
//! written to a per-process scratch file first.

use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch(ext: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("wangge-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    });
    dir.join(format!("input.{ext}"))
}

pub fn check(data: &[u8], ext: &str) {
    let path = scratch(ext);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let today = chrono::NaiveDate::from_ymd_opt(2021, 12, 28).expect("date");
    let _ = wangge_store::pushlist::check_push_file(&path, today);
}
