//! `wangge import pushlist FILE`: the import with a progress bar; refused rows are written to
//! `FILE.errors.csv` as they are found, and the exit code is non-zero when there were any.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use wangge_store::pushlist::{ErrorReport, PushImport, ReadProgress};
use wangge_store::{Actor, RowError, Store, StoreError};

/// `FILE.errors.csv` next to `file`.
pub fn report_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".errors.csv");
    PathBuf::from(name)
}

/// Collects refused rows into the report file, opened on the first one.
struct Report {
    path: PathBuf,
    out: Option<ErrorReport<BufWriter<File>>>,
    count: u64,
    failed: Option<std::io::Error>,
}

impl Report {
    fn add(&mut self, e: &RowError) {
        self.count += 1;
        if self.failed.is_some() {
            return;
        }
        if self.out.is_none() {
            match File::create(&self.path).and_then(|f| ErrorReport::new(BufWriter::new(f))) {
                Ok(r) => self.out = Some(r),
                Err(err) => {
                    self.failed = Some(err);
                    return;
                }
            }
        }
        if let Some(out) = self.out.as_mut() {
            if let Err(err) = out.add(e) {
                self.failed = Some(err);
            }
        }
    }

    fn finish(self) -> std::io::Result<u64> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        if let Some(out) = self.out {
            out.finish()?;
        }
        Ok(self.count)
    }
}

pub async fn run(
    store: &Store,
    file: &Path,
    name: Option<String>,
    due_hours: i64,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if !file.is_file() {
        return Err(format!("文件不存在：{}", file.display()).into());
    }
    let report_path = report_path(file);
    // a report from an earlier run of this file would mislead
    let _ = std::fs::remove_file(&report_path);
    let progress = Arc::new(ReadProgress::default());
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_length(1000);
    let ticker = {
        let progress = progress.clone();
        let bar = bar.clone();
        tokio::spawn(async move {
            loop {
                bar.set_position((progress.fraction() * 1000.0) as u64);
                bar.set_message(format!("{} 行", progress.rows.load(Ordering::Relaxed)));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let opts = PushImport {
        name: name.unwrap_or_else(|| {
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "推送名单".into())
        }),
        due_hours,
    };
    let mut report = Report {
        path: report_path.clone(),
        out: None,
        count: 0,
        failed: None,
    };
    let result = {
        let mut sink = |e: &RowError| report.add(e);
        store
            .import_push_list(
                &Actor::system("cli"),
                file,
                &opts,
                progress,
                Some(&mut sink),
            )
            .await
    };
    ticker.abort();
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            let rejected_lines = report.finish()?;
            println!(
                "导入完成（批次 {}）：读取 {} 行，新增核查对象 {}，合并重复 {}，待分配 {}，被拒 {} 行",
                s.batch_id, s.rows, s.created, s.merged, s.unassigned, s.rejected
            );
            if s.rejected > 0 {
                eprintln!(
                    "{} 行有错误（{} 处），未导入；错误报告：{}",
                    s.rejected,
                    rejected_lines,
                    report_path.display()
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::RowsRejected(rows)) => {
            for r in &rows {
                report.add(r);
                eprintln!("第{}行 {}: {}", r.row, r.field, r.message);
            }
            report.finish()?;
            eprintln!(
                "文件无法导入，未导入任何数据；错误报告：{}",
                report_path.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
