//! `wangge bench …`: the performance targets, measured side by side with a baseline in the same
//! run. Storage benches use a fresh SQLite database in a temporary directory; load goes to
//! 127.0.0.1 only.

pub mod checkpoint;
pub mod policy;
pub mod pushlist;

use std::path::PathBuf;

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("wangge-bench-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.0.join(name).display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MiB (VmHWM).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A small deterministic generator: the same run generates the same data.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.step() % n.max(1)
    }
}

/// The `i`-th of many distinct valid ID numbers (births from 1970 on, 1000 per day).
pub fn nth_id_number(i: u64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let date = base + chrono::Duration::days((i / 1000) as i64);
    let prefix = format!("410105{}{:03}", date.format("%Y%m%d"), i % 1000);
    wangge_domain::validate::make_valid(&prefix)
}
