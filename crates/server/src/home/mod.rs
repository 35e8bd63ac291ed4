//! 工作台 and the frame every page shares: the home page (what the user's scope holds at a
//! glance), the modules still to come (`/soon/<module>`, greyed out in the menu), the stylesheet
//! and the health check.

mod pages;

use axum::routing::get;

use crate::feature::{Feature, NavEntry};
use crate::i18n::ZH;

pub fn feature() -> Feature {
    Feature::new()
        .page("/", get(pages::show))
        .page("/soon/{module}", get(pages::soon))
        .page("/static/app.css", get(pages::css))
        .page("/healthz", get(pages::health))
        // the label is shared: the error page links home by it
        .nav(NavEntry::when("home", "/", ZH.nav_home, |_| true))
}

/// The modules still to come, listed after the built ones (mounted in their place in the menu).
pub fn coming() -> Feature {
    let t = &ZH;
    Feature::new()
        .nav(NavEntry::soon(
            "quarantine",
            "/soon/quarantine",
            t.nav_quarantine,
        ))
        .nav(NavEntry::soon("testing", "/soon/testing", t.nav_testing))
        .nav(NavEntry::soon(
            "enterprise",
            "/soon/enterprise",
            t.nav_enterprise,
        ))
        .nav(NavEntry::soon("ledgers", "/soon/ledgers", t.nav_ledgers))
        .nav(NavEntry::soon("briefing", "/soon/briefing", t.nav_briefing))
}

/// The feature's own words (the shared ones — 首页, 管辖范围, 建设中 — are in `crate::i18n`).
pub struct HomeTexts {
    pub title: &'static str,
    pub todo: &'static str,
    pub arrives_today: &'static str,
    pub measures_start: &'static str,
    pub measures_end: &'static str,
    pub tests_due: &'static str,
    pub missed_check_ins: &'static str,
    pub push_open: &'static str,
    pub push_overdue: &'static str,
    pub alerts_open: &'static str,
    pub children: &'static str,
    pub child: &'static str,
    pub uncleared: &'static str,
    pub overdue: &'static str,
    pub cleared: &'static str,
    pub overview: &'static str,
    pub nodes: &'static str,
    pub users: &'static str,
    pub residents: &'static str,
}

pub static TEXTS: HomeTexts = HomeTexts {
    title: "工作台",
    todo: "今日待办",
    arrives_today: "今日抵达",
    measures_start: "今日开始管控",
    measures_end: "今日解除管控",
    tests_due: "今日应做核酸",
    missed_check_ins: "昨日未打卡",
    push_open: "推送待核查",
    push_overdue: "推送超时未核查",
    alerts_open: "卡口预警未处置",
    children: "下级推送核查进度",
    child: "下级",
    uncleared: "未清零",
    overdue: "超时",
    cleared: "已清零",
    overview: "辖区概况",
    nodes: "网格节点",
    users: "用户",
    residents: "常住人口",
};
