//! Imports started from the web run in the background; the upload page polls their progress.
//! Jobs live in memory: a restart forgets them, but a finished import's batch and error report
//! are in the database.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use wangge_store::pushlist::{PushImport, PushImportSummary, ReadProgress};
use wangge_store::{Actor, RowError, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done {
        summary: PushImportSummary,
    },
    Failed {
        message: String,
        rows: Vec<RowError>,
    },
}

pub struct ImportJob {
    pub id: u64,
    pub user_id: Option<i64>,
    pub name: String,
    pub progress: Arc<ReadProgress>,
    state: Mutex<JobState>,
}

impl ImportJob {
    pub fn state(&self) -> JobState {
        self.state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(JobState::Running)
    }

    pub fn percent(&self) -> u32 {
        match self.state() {
            JobState::Running => (self.progress.fraction() * 99.0) as u32,
            _ => 100,
        }
    }
}

/// Jobs kept for their pages; the oldest finished ones go first.
const KEEP: usize = 200;

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    map: Mutex<HashMap<u64, Arc<ImportJob>>>,
}

impl Jobs {
    /// Starts importing `path` (removed when done) for `actor`.
    pub fn start(&self, store: Store, actor: Actor, path: PathBuf, opts: PushImport) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(ImportJob {
            id,
            user_id: actor.user_id,
            name: opts.name.clone(),
            progress: Arc::new(ReadProgress::default()),
            state: Mutex::new(JobState::Running),
        });
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= KEEP {
                let done: Vec<u64> = map
                    .iter()
                    .filter(|(_, j)| !matches!(j.state(), JobState::Running))
                    .map(|(k, _)| *k)
                    .collect();
                for k in done {
                    map.remove(&k);
                }
            }
            map.insert(id, job.clone());
        }
        tokio::spawn(async move {
            let result = store
                .import_push_list(&actor, &path, &opts, job.progress.clone(), None)
                .await;
            let _ = std::fs::remove_file(&path);
            let state = match result {
                Ok(summary) => JobState::Done { summary },
                Err(StoreError::RowsRejected(rows)) => JobState::Failed {
                    message: "文件无法导入，未导入任何数据".into(),
                    rows,
                },
                Err(e) => JobState::Failed {
                    message: crate::error::AppError::from(e).message(),
                    rows: Vec::new(),
                },
            };
            if let Ok(mut s) = job.state.lock() {
                *s = state;
            }
        });
        id
    }

    /// A job of `user_id`; someone else's job is as good as absent.
    pub fn get(&self, id: u64, user_id: Option<i64>) -> Option<Arc<ImportJob>> {
        let map = self.map.lock().ok()?;
        map.get(&id).filter(|j| j.user_id == user_id).cloned()
    }
}
