//! `PolicySpec` → `Policy`: policy-level fields and the per-rule context that locates findings.

use super::compile_rule::compile_rule;
use super::compiled::{Policy, MAX_RULES};
use super::parse::SourceMap;
use super::report::{CheckReport, Finding, FindingKind};
use super::spec::{PolicySpec, RuleSpec};
use std::collections::HashSet;

/// Compiles the spec, pushing every problem found into `report`; `None` if any was an error.
pub(crate) fn compile(
    spec: PolicySpec,
    map: Option<&SourceMap<'_>>,
    report: &mut CheckReport,
) -> Option<Policy> {
    let errors_before = report.errors.len();
    let top_line = |key: &str| map.and_then(|m| m.field_line(None, key));
    let top =
        |kind, field: &str, msg: String| Finding::new(kind, msg).field(field).line(top_line(field));

    if spec.id.trim().is_empty() {
        report.error(top(
            FindingKind::InvalidValue,
            "id",
            "政策版本号不能为空".into(),
        ));
    }
    if spec.name.trim().is_empty() {
        report.error(top(
            FindingKind::InvalidValue,
            "name",
            "政策名称不能为空".into(),
        ));
    }
    if let Some(until) = spec.effective_until {
        if until < spec.effective_from {
            let msg = format!("失效日期 {until} 早于生效日期 {}", spec.effective_from);
            report.error(top(FindingKind::InvalidDates, "effective_until", msg));
        }
    }
    let stay_days = bounded(spec.risk_city_stay_days, 1, 365);
    if stay_days.is_none() {
        let msg = format!("应为 1–365 天，而不是 {}", spec.risk_city_stay_days);
        report.error(top(FindingKind::InvalidValue, "risk_city_stay_days", msg));
    }
    let report_days = bounded(spec.report_days_ahead, 0, 365);
    if report_days.is_none() {
        let msg = format!("应为 0–365 天，而不是 {}", spec.report_days_ahead);
        report.error(top(FindingKind::InvalidValue, "report_days_ahead", msg));
    }
    let mut codes = HashSet::new();
    for (i, k) in spec.key_industries.iter().enumerate() {
        let field = format!("key_industry[{i}]");
        if k.code.trim().is_empty() || k.name.trim().is_empty() {
            report.error(
                top(
                    FindingKind::InvalidValue,
                    "key_industry",
                    "重点行业的代码和名称不能为空".into(),
                )
                .field(field),
            );
        } else if !codes.insert(k.code.trim()) {
            let msg = format!("重点行业代码“{}”重复", k.code);
            report.error(top(FindingKind::DuplicateId, "key_industry", msg).field(field));
        }
    }
    if spec.rules.len() > MAX_RULES {
        let msg = format!("规则过多（{} 条，最多 {MAX_RULES} 条）", spec.rules.len());
        report.error(Finding::new(FindingKind::TooLarge, msg));
        return None;
    }

    let mut ids = HashSet::new();
    let mut rules = Vec::with_capacity(spec.rules.len());
    for (index, rs) in spec.rules.iter().enumerate() {
        let ctx = RuleCtx {
            index,
            spec: rs,
            map,
        };
        if rs.id.trim().is_empty() {
            report.error(ctx.finding(FindingKind::InvalidValue, "id", "规则 id 不能为空".into()));
        } else if !ids.insert(rs.id.as_str()) {
            let msg = format!("规则 id“{}”重复（第{}条规则）", rs.id, index + 1);
            report.error(ctx.finding(FindingKind::DuplicateId, "id", msg));
        }
        if rs.uses_key_industry() && spec.key_industries.is_empty() {
            let msg = "规则以重点行业为条件，但政策未列出重点行业（[[key_industry]]）".to_string();
            report.warn(ctx.finding(FindingKind::Suspicious, "when.key_industry", msg));
        }
        if let Some(rule) = compile_rule(&ctx, report) {
            rules.push(rule);
        }
    }

    if report.errors.len() > errors_before {
        return None;
    }
    Some(Policy {
        id: spec.id.trim().to_string(),
        name: spec.name.trim().to_string(),
        effective_from: spec.effective_from,
        effective_until: spec.effective_until,
        risk_city_stay_days: stay_days.unwrap_or(14),
        report_days_ahead: report_days.unwrap_or(3),
        key_industries: spec.key_industries.clone(),
        rules,
        spec,
    })
}

impl RuleSpec {
    fn uses_key_industry(&self) -> bool {
        self.when.key_industry == Some(true)
    }
}

pub(crate) struct RuleCtx<'a, 'm> {
    pub index: usize,
    pub spec: &'a RuleSpec,
    pub map: Option<&'a SourceMap<'m>>,
}

impl RuleCtx<'_, '_> {
    pub(crate) fn name(&self) -> String {
        if self.spec.id.trim().is_empty() {
            format!("第{}条规则", self.index + 1)
        } else {
            self.spec.id.clone()
        }
    }

    /// `field` is a path such as `measures[1].days`; the innermost key found in the rule's
    /// block locates the line, else the rule's header.
    pub(crate) fn finding(&self, kind: FindingKind, field: &str, msg: String) -> Finding {
        let line = self.map.and_then(|m| {
            field
                .rsplit('.')
                .map(|k| k.split('[').next().unwrap_or(k))
                .find_map(|k| m.field_line(Some(self.index), k))
                .or_else(|| m.rule_line(self.index))
        });
        Finding::new(kind, msg)
            .rule(self.name())
            .field(field)
            .line(line)
    }
}

fn bounded(value: i64, min: i64, max: i64) -> Option<u16> {
    (min..=max).contains(&value).then_some(value as u16)
}
