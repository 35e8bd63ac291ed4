//! 导出任务 pages: progress (a page that polls, and its JSON) and the download.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{ExportTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::export::ExportedFile;
use crate::jobs::{Job, JobState};
use crate::pages::{render, Layout};
use crate::params::PageId;
use crate::AppState;

/// The caller's export job `id`; anyone else's is absent.
fn job_of(state: &AppState, user: &PageUser, id: i64) -> Result<Arc<Job<ExportedFile>>, AppError> {
    // ids are ≥ 1, so the conversion cannot fail; jobs are numbered from 1
    let id = u64::try_from(id).map_err(|_| AppError::NotFound)?;
    state
        .jobs
        .export(id, Some(user.user.id))
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "exports/job.html")]
struct JobPage {
    l: Layout,
    et: &'static ExportTexts,
    id: u64,
    name: String,
    rows: u64,
    job: JobState<ExportedFile>,
}

impl JobPage {
    fn running(&self) -> bool {
        matches!(self.job, JobState::Running)
    }
}

pub async fn job(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let job = job_of(&state, &user, id)?;
    let page = JobPage {
        id: job.id,
        name: job.name.clone(),
        rows: job.rows(),
        job: job.state(),
        l: Layout::new(user, "home"),
        et: &TEXTS,
    };
    Ok(render(&page)?.into_response())
}

/// `{state, percent, rows, summary?}` for the progress page's script.
pub async fn progress(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let job = job_of(&state, &user, id)?;
    Ok(Json(job.progress_json()).into_response())
}

/// The finished file; a job still running (or failed) has none yet.
pub async fn download(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    match job_of(&state, &user, id)?.state() {
        JobState::Done { summary } => summary.response().await,
        _ => Err(AppError::NotFound.into()),
    }
}
