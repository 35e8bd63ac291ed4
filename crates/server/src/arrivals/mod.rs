//! 来返报备: arrival reports. The public reports through its own form (`/report`, no login, a
//! double-submit CSRF cookie and a per-client rate limit) or the anonymous API; staff with a
//! handler role list the reports of their subtree, follow each one's plan, change its status,
//! assign it to a grid and record health check-ins.
//!
//! `api.rs` holds the JSON handlers, `pages.rs` the staff pages, `report.rs` the public form,
//! `staff.rs` the same form for staff registering someone (代为登记);
//! the templates are in `templates/arrivals/` (`plan.html` is shared by the staff page and the
//! public receipt).

mod api;
mod pages;
mod report;
mod staff;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::i18n::ZH;
use crate::permission::ArrivalHandler;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::show))
        .api(routes!(api::set_status))
        .api(routes!(api::check_ins, api::add_check_in))
        .page("/report", get(report::form).post(report::submit))
        .page("/arrivals", get(pages::list))
        .page("/arrivals/export", get(pages::export))
        .page("/arrivals/new", get(staff::form).post(staff::create))
        .page("/arrivals/{id}", get(pages::show))
        .page("/arrivals/{id}/status", post(pages::set_status))
        .page("/arrivals/{id}/check-ins", post(pages::check_in))
        .nav(NavEntry::to::<ArrivalHandler>(
            "arrivals",
            "/arrivals",
            ZH.nav_arrivals,
        ))
}

/// The `status` filter of the list (page and API): empty for every status, else one status.
fn status_filter(
    text: &str,
) -> Result<Option<wangge_domain::arrival::ArrivalStatus>, crate::error::AppError> {
    match text.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|e: wangge_domain::arrival::UnknownStatus| {
                crate::error::AppError::invalid("status", e.to_string())
            }),
    }
}

/// The feature's own words (the shared ones are in `crate::i18n`).
pub struct ArrivalsTexts {
    pub arrivals_title: &'static str,
    pub origin: &'static str,
    pub travel: &'static str,
    pub occupation: &'static str,
    pub key_industry: &'static str,
    pub employer: &'static str,
    pub destination_node: &'static str,
    pub auto_match: &'static str,
    pub late: &'static str,
    pub plan: &'static str,
    pub policy_version: &'static str,
    pub measure: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub days: &'static str,
    pub tests: &'static str,
    pub documents: &'static str,
    pub change_status: &'static str,
    pub note: &'static str,
    pub check_ins: &'static str,
    pub add_check_in: &'static str,
    pub temperature: &'static str,
    pub recorded_by: &'static str,
    pub fever: &'static str,
    pub no_measures: &'static str,
    pub final_status: &'static str,
    pub channel: &'static str,
    pub origin_risk: &'static str,
    pub risk_city_stay: &'static str,
    pub other_province: &'static str,
    pub report_link: &'static str,
    pub new_link: &'static str,
    pub new_title: &'static str,
    pub new_intro: &'static str,
    pub new_submit: &'static str,
    pub report_title: &'static str,
    pub report_intro: &'static str,
    pub origin_help: &'static str,
    pub origin_placeholder: &'static str,
    pub overseas_days: &'static str,
    pub overseas_help: &'static str,
    pub travel_help: &'static str,
    pub travel_date: &'static str,
    pub travel_place: &'static str,
    pub travel_add: &'static str,
    pub submit_report: &'static str,
    pub report_done_title: &'static str,
    pub report_done_intro: &'static str,
    pub report_late_notice: &'static str,
    pub report_number: &'static str,
    pub report_again: &'static str,
}

pub static TEXTS: ArrivalsTexts = ArrivalsTexts {
    arrivals_title: "来返报备",
    origin: "来源地",
    travel: "14天旅居史",
    occupation: "职业",
    key_industry: "重点行业从业人员",
    employer: "工作单位",
    destination_node: "目的地社区/网格",
    auto_match: "按地址自动匹配",
    late: "迟报",
    plan: "管控计划",
    policy_version: "政策版本",
    measure: "措施",
    start: "开始",
    end: "结束",
    days: "天数",
    tests: "核酸检测",
    documents: "抵达前须出示",
    change_status: "变更状态",
    note: "备注",
    check_ins: "健康打卡",
    add_check_in: "登记打卡",
    temperature: "体温（℃）",
    recorded_by: "登记人",
    fever: "发热",
    no_measures: "无管控措施",
    final_status: "已是最终状态",
    channel: "报备渠道",
    origin_risk: "来源地风险等级",
    risk_city_stay: "风险城市旅居史",
    other_province: "来自省外",
    report_link: "公众报备入口",
    new_link: "代为登记",
    new_title: "代为登记来返人员",
    new_intro: "为不便自行报备的人员（无智能手机、老人等）登记；登记后按现行政策生成管控计划，记为工作人员代为登记。",
    new_submit: "登记",
    report_title: "来返人员报备",
    report_intro: "从省外、中高风险地区来（返）、境外入境或从事重点行业的人员，请于抵达前3天向目的地社区（村）和工作单位报备。带 * 的为必填项。",
    origin_help: "境内填写区县名称（输入时可从提示中选择）或六位区划代码，可加街道/乡镇，如“北京市朝阳区 三里屯街道”“110105 三里屯街道”；境外入境人员填写国家/地区。",
    origin_placeholder: "如 北京市朝阳区 三里屯街道",
    overseas_days: "境外入境：口岸已集中隔离天数",
    overseas_help: "境内来返不填",
    travel_help: "抵达前14天内到过的地方，一行一条：日期（年-月-日）、空格、地点（区县名称或六位区划代码，可加街道/乡镇）。",
    travel_date: "到访日期",
    travel_place: "到访地点",
    travel_add: "加入旅居史",
    submit_report: "提交报备",
    report_done_title: "报备成功",
    report_done_intro: "您的报备已受理，请按下列管控措施执行，抵达后社区工作人员会与您联系。",
    report_late_notice: "报备晚于政策要求的提前天数，已登记为迟报，请尽快联系目的地社区。",
    report_number: "报备编号",
    report_again: "再报一人",
};
