//! Policy engine (防疫政策引擎): sorts an arrival into a category and orders its measures.
//!
//! A policy is a versioned TOML file with an effective date (see
//! `policies/default-2021-12.toml` for the schema, documented in its comments). Loading it
//! ([`Policy::from_toml`]) runs every check of [`check`], so a [`Policy`] never has gaps or
//! dead rules; [`Policy::plan`] then takes the first matching rule, in file order, and returns
//! a [`Plan`] naming the policy version, the rule and a Chinese reason.
//!
//! ```
//! use wangge_domain::policy::{default_policies, in_force, ArrivalFacts, RiskLevel};
//! let policies = default_policies();
//! let arrival = "2021-12-28".parse().unwrap();
//! let policy = in_force(&policies, arrival).unwrap();
//! let mut facts = ArrivalFacts::new(arrival);
//! facts.origin_risk = RiskLevel::Medium;
//! let plan = policy.plan(&facts).unwrap();
//! assert_eq!(plan.reason().to_string(), "来自中风险地区，适用第3类：14天集中隔离+7天居家健康监测");
//! ```

mod bench;
mod check;
mod compile;
mod compile_rule;
mod compiled;
mod engine;
mod explain;
mod model;
mod parse;
mod report;
mod risk;
mod space;
mod spec;
mod template;
#[cfg(test)]
mod tests;

pub use bench::{baseline_plan, bench_facts, BaselinePlan};
pub use check::check;
pub use compiled::{PhaseStep, Policy, Rule, MAX_DAYS, MAX_PHASES, MAX_RULES, MAX_TESTS};
pub use engine::{in_force, plan, Plan, PlanError};
pub use explain::{explain_json, explain_text, DayEvent, PlanRecord};
pub use model::{ArrivalFacts, Document, KeyIndustry, MeasureKind, Phase, RiskLevel, UnknownValue};
pub use parse::parse_spec;
pub use report::{CheckReport, Finding, FindingKind};
pub use risk::{area_problems, validate_area, RiskArea, RiskAreaError, RiskRegister};
pub use spec::{
    Conditions, DayRange, DocumentKind, DocumentSpec, MeasureSpec, PolicySpec, RuleSpec, TestSpec,
};
pub use template::{Reason, PLACEHOLDERS};

/// 随程序发布的默认政策文件（2021年12月起施行）。
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../../policies/default-2021-12.toml");

/// 内置的全部政策，供未指定 `--policy` 时按抵达日期用 [`in_force`] 选择。
pub fn default_policies() -> Vec<Policy> {
    [DEFAULT_POLICY_TOML]
        .into_iter()
        .map(|src| Policy::from_toml(src).expect("内置政策文件已由测试检查"))
        .collect()
}
