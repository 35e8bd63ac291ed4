//! 导出任务: the pages of a long XLSX export running in the background (`crate::export` starts
//! it, `crate::jobs` runs it): its progress page, the progress the page polls, and the file
//! once written. Only the user who asked for an export sees it. The progress script serves
//! every job page (imports too).

mod pages;

use axum::response::Response;
use axum::routing::get;

use crate::feature::Feature;

pub fn feature() -> Feature {
    Feature::new()
        .page("/exports/jobs/{id}", get(pages::job))
        .page("/exports/jobs/{id}/progress", get(pages::progress))
        .page("/exports/jobs/{id}/download", get(pages::download))
        .page("/static/jobs.js", get(script))
}

/// The progress pages' script (served from this origin only, never inline).
async fn script() -> Response {
    crate::pages::script(include_str!("../../static/jobs.js"))
}

/// The feature's own words.
pub struct ExportTexts {
    pub title: &'static str,
    pub running: &'static str,
    pub rows: &'static str,
    pub done: &'static str,
    pub truncated: &'static str,
    pub download: &'static str,
    pub failed: &'static str,
    pub kept: &'static str,
}

pub static TEXTS: ExportTexts = ExportTexts {
    title: "导出进度",
    running: "正在生成 Excel 文件，请稍候……",
    rows: "已写入行数",
    done: "导出完成",
    truncated: "已达导出上限，文件只含前面的记录（见文件最后一行）：请缩小筛选范围后分批导出。",
    download: "下载文件",
    failed: "导出失败",
    kept: "文件保留一小时；身份证号已脱敏。",
};
