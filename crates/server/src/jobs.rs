//! Long work started from the web runs in the background, and its page polls the progress: a
//! push-list import ([`Jobs::start_import`]) and a long XLSX export ([`Jobs::start_export`],
//! see `crate::export`). One mechanism for both: a [`Job`] has an owner, a name, a progress
//! (rows so far, and a fraction when the total is known) and a [`JobState`] whose finished
//! value is the work's own (an import's summary, an export's file).
//!
//! Jobs live in memory: a restart forgets them, but a finished import's batch and error report
//! are in the database (an export is simply asked for again). Finished jobs are forgotten an
//! hour after they end, or sooner when more than [`KEEP`] of a kind are kept; a forgotten
//! export's file is deleted.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use wangge_store::pushlist::{PushImport, PushImportSummary, ReadProgress};
use wangge_store::{Actor, RowError, Store, StoreError};

use crate::error::AppError;
use crate::export::ExportedFile;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState<T> {
    Running,
    Done {
        summary: T,
    },
    Failed {
        message: String,
        rows: Vec<RowError>,
    },
}

impl<T> JobState<T> {
    /// A failure with only a message.
    fn failed(e: AppError) -> Self {
        JobState::Failed {
            message: e.message(),
            rows: Vec::new(),
        }
    }
}

pub struct Job<T> {
    pub id: u64,
    pub user_id: Option<i64>,
    pub name: String,
    pub progress: Arc<ReadProgress>,
    state: Mutex<JobState<T>>,
    finished: OnceLock<Instant>,
}

impl<T: Clone> Job<T> {
    pub fn state(&self) -> JobState<T> {
        self.state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(JobState::Running)
    }

    pub fn running(&self) -> bool {
        self.finished.get().is_none()
    }

    pub fn percent(&self) -> u32 {
        if self.running() {
            (self.progress.fraction() * 99.0) as u32
        } else {
            100
        }
    }

    /// Rows read (an import) or written (an export) so far.
    pub fn rows(&self) -> u64 {
        self.progress.rows.load(Ordering::Relaxed)
    }

    /// `{state, percent, rows, …}` for the progress page's script.
    pub fn progress_json(&self) -> serde_json::Value
    where
        T: Serialize,
    {
        let mut body = serde_json::to_value(self.state()).unwrap_or_default();
        body["percent"] = self.percent().into();
        body["rows"] = self.rows().into();
        body
    }
}

/// Jobs of one kind kept for their pages; the oldest finished ones go first.
pub const KEEP: usize = 200;

/// How long a finished job (and an export's file) is kept.
const FINISHED_TTL: Duration = Duration::from_secs(3600);

struct Registry<T> {
    map: Mutex<HashMap<u64, Arc<Job<T>>>>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Registry<T> {
    fn insert(&self, job: Arc<Job<T>>) {
        if let Ok(mut map) = self.map.lock() {
            map.retain(|_, j| j.finished.get().is_none_or(|t| t.elapsed() < FINISHED_TTL));
            if map.len() >= KEEP {
                map.retain(|_, j| j.running());
            }
            map.insert(job.id, job);
        }
    }

    /// A job of `user_id`; someone else's job is as good as absent.
    fn get(&self, id: u64, user_id: Option<i64>) -> Option<Arc<Job<T>>> {
        let map = self.map.lock().ok()?;
        map.get(&id).filter(|j| j.user_id == user_id).cloned()
    }
}

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    imports: Registry<PushImportSummary>,
    exports: Registry<ExportedFile>,
}

impl Jobs {
    /// Runs `work` in the background as a job of `registry`; returns its id.
    fn run<T, F, Fut>(
        &self,
        registry: &Registry<T>,
        user_id: Option<i64>,
        name: String,
        work: F,
    ) -> u64
    where
        T: Clone + Send + 'static,
        F: FnOnce(Arc<ReadProgress>) -> Fut,
        Fut: Future<Output = JobState<T>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            user_id,
            name,
            progress: Arc::new(ReadProgress::default()),
            state: Mutex::new(JobState::Running),
            finished: OnceLock::new(),
        });
        registry.insert(job.clone());
        let work = work(job.progress.clone());
        tokio::spawn(async move {
            let state = work.await;
            if let Ok(mut s) = job.state.lock() {
                *s = state;
            }
            let _ = job.finished.set(Instant::now());
        });
        id
    }

    /// Starts importing `path` (removed when done) for `actor`.
    pub fn start_import(&self, store: Store, actor: Actor, path: PathBuf, opts: PushImport) -> u64 {
        let (user_id, name) = (actor.user_id, opts.name.clone());
        self.run(&self.imports, user_id, name, move |progress| async move {
            let result = store
                .import_push_list(&actor, &path, &opts, progress, None)
                .await;
            let _ = std::fs::remove_file(&path);
            match result {
                Ok(summary) => JobState::Done { summary },
                Err(StoreError::RowsRejected(rows)) => JobState::Failed {
                    message: "文件无法导入，未导入任何数据".into(),
                    rows,
                },
                Err(e) => JobState::failed(AppError::from(e)),
            }
        })
    }

    /// An import job of `user_id`.
    pub fn import(&self, id: u64, user_id: Option<i64>) -> Option<Arc<Job<PushImportSummary>>> {
        self.imports.get(id, user_id)
    }

    /// Starts writing an export file for `user_id` (`crate::export` gives the work).
    pub fn start_export<F, Fut>(&self, user_id: Option<i64>, name: String, work: F) -> u64
    where
        F: FnOnce(Arc<ReadProgress>) -> Fut,
        Fut: Future<Output = Result<ExportedFile, AppError>> + Send + 'static,
    {
        self.run(&self.exports, user_id, name, move |progress| {
            let work = work(progress);
            async move {
                match work.await {
                    Ok(summary) => JobState::Done { summary },
                    Err(e) => {
                        tracing::warn!(error = ?e, "export job failed");
                        JobState::failed(e)
                    }
                }
            }
        })
    }

    /// An export job of `user_id`.
    pub fn export(&self, id: u64, user_id: Option<i64>) -> Option<Arc<Job<ExportedFile>>> {
        self.exports.get(id, user_id)
    }
}
