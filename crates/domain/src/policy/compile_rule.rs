//! One rule of the spec → a compiled `Rule`: conditions to masks, measures to contiguous day
//! offsets, tests resolved to offsets from arrival, documents, and the reason template.

use super::compile::RuleCtx;
use super::compiled::{Matcher, PhaseStep, Rule, MAX_DAYS, MAX_PHASES, MAX_TESTS};
use super::model::{flag, Document, RiskLevel};
use super::report::{CheckReport, FindingKind};
use super::spec::{Conditions, DocumentKind, DocumentSpec, TestSpec};
use super::template::{Statics, Template};
use std::collections::HashSet;

pub(crate) fn compile_rule(ctx: &RuleCtx<'_, '_>, report: &mut CheckReport) -> Option<Rule> {
    let rs = ctx.spec;
    let before = report.errors.len();
    if rs.category.trim().is_empty() {
        report.error(ctx.finding(
            FindingKind::InvalidValue,
            "category",
            "类别名称不能为空".into(),
        ));
    }
    let matcher = compile_conditions(ctx, &rs.when, report);

    let mut phases = Vec::with_capacity(rs.measures.len());
    let mut next_day: u32 = 0;
    let mut seen = HashSet::new();
    if rs.measures.len() > MAX_PHASES {
        let msg = format!("措施过多（{} 项，最多 {MAX_PHASES} 项）", rs.measures.len());
        report.error(ctx.finding(FindingKind::TooLarge, "measures", msg));
    }
    let mut summary = Vec::new();
    for (i, m) in rs.measures.iter().enumerate() {
        let field = format!("measures[{i}]");
        let days = match (m.days, m.weeks) {
            (Some(d), None) => positive_days(d, 1).map(|n| (n, format!("{n}天"))),
            (None, Some(w)) => positive_days(w, 7).map(|n| (n, format!("{w}周"))),
            _ => {
                let msg = "须且只能给出 days 或 weeks 之一".to_string();
                report.error(ctx.finding(FindingKind::InvalidDuration, &field, msg));
                continue;
            }
        };
        let Some((n, label)) = days else {
            let unit = if m.days.is_some() { "days" } else { "weeks" };
            let value = m.days.or(m.weeks).unwrap_or(0);
            let msg = format!("时长必须为正且不超过 {MAX_DAYS} 天，而不是 {value}");
            report.error(ctx.finding(
                FindingKind::InvalidDuration,
                &format!("{field}.{unit}"),
                msg,
            ));
            continue;
        };
        if !seen.insert(m.kind) {
            let msg = format!("措施“{}”出现了不止一次", m.kind.label_zh());
            report.warn(ctx.finding(FindingKind::Suspicious, &field, msg));
        }
        phases.push(PhaseStep {
            measure: m.kind,
            first_day: next_day,
            last_day: next_day + n - 1,
        });
        next_day += n;
        summary.push(format!("{label}{}", m.kind.label_zh()));
    }

    let tests = compile_tests(ctx, &phases, report);
    let documents = compile_documents(ctx, &rs.documents, report);
    if report.errors.len() > before {
        return None;
    }

    let measures = if summary.is_empty() {
        "无需集中隔离或健康监测".to_string()
    } else {
        summary.join("+")
    };
    let tests_text = match tests.len() {
        0 => "无需核酸检测".to_string(),
        n => format!("核酸检测{n}次"),
    };
    let documents_text = if documents.is_empty() {
        "无需证明".to_string()
    } else {
        documents
            .iter()
            .map(Document::to_string)
            .collect::<Vec<_>>()
            .join("和")
    };
    let statics = Statics {
        rule: &rs.id,
        category: &rs.category,
        measures: &measures,
        tests: &tests_text,
        documents: &documents_text,
    };
    let reason = match Template::compile(&rs.reason, &statics) {
        Ok(t) => t,
        Err(msg) => {
            report.error(ctx.finding(FindingKind::InvalidTemplate, "reason", msg));
            return None;
        }
    };
    Some(Rule {
        id: rs.id.clone(),
        category: rs.category.trim().to_string(),
        reason,
        matcher,
        unconditional: rs.when.is_unconditional(),
        phases,
        tests,
        documents,
    })
}

fn compile_conditions(ctx: &RuleCtx<'_, '_>, c: &Conditions, report: &mut CheckReport) -> Matcher {
    let risk = match &c.origin_risk {
        None => RiskLevel::ALL.iter().fold(0, |m, r| m | r.bit()),
        Some(levels) => levels.iter().fold(0, |m, r| m | r.bit()),
    };
    let mut mask = 0;
    let mut want = 0;
    let mut require = |value: Option<bool>, bit: u8| {
        if let Some(v) = value {
            mask |= bit;
            want |= if v { bit } else { 0 };
        }
    };
    require(c.risk_city_stay, flag::RISK_CITY_STAY);
    require(c.other_province, flag::OTHER_PROVINCE);
    require(c.key_industry, flag::KEY_INDUSTRY);
    require(c.overseas, flag::OVERSEAS);
    let (mut days_min, mut days_max) = (0, u16::MAX);
    if let Some(range) = c.port_quarantine_days {
        for (value, name, slot) in [
            (range.min, "min", &mut days_min),
            (range.max, "max", &mut days_max),
        ] {
            if let Some(v) = value {
                match u16::try_from(v) {
                    Ok(v) => *slot = v,
                    Err(_) => {
                        let field = format!("when.port_quarantine_days.{name}");
                        let msg = format!("天数应为 0–65535，而不是 {v}");
                        report.error(ctx.finding(FindingKind::InvalidValue, &field, msg));
                    }
                }
            }
        }
        // A quarantine-days condition only makes sense for, and so implies, an overseas arrival;
        // an explicit `overseas = false` beside it leaves a rule that never matches (reported).
        if c.overseas.is_none() {
            mask |= flag::OVERSEAS;
            want |= flag::OVERSEAS;
        }
    }
    Matcher {
        risk,
        flags_mask: mask,
        flags_want: want,
        days_min,
        days_max,
    }
}

fn compile_tests(
    ctx: &RuleCtx<'_, '_>,
    phases: &[PhaseStep],
    report: &mut CheckReport,
) -> Vec<u32> {
    let specs = &ctx.spec.tests;
    if specs.len() > MAX_TESTS {
        let msg = format!("核酸检测过多（{} 次，最多 {MAX_TESTS} 次）", specs.len());
        report.error(ctx.finding(FindingKind::TooLarge, "tests", msg));
        return Vec::new();
    }
    let end = phases.last().map(|p| p.last_day);
    let mut out = Vec::with_capacity(specs.len());
    for (i, t) in specs.iter().enumerate() {
        let field = format!("tests[{i}]");
        match test_offset(t, phases) {
            Ok(day) => {
                if end.is_some_and(|e| day > e) {
                    let msg = format!("检测日（抵达后第{day}天）晚于全部措施结束日");
                    report.warn(ctx.finding(FindingKind::Suspicious, &field, msg));
                }
                out.push(day);
            }
            Err(msg) => report.error(ctx.finding(FindingKind::InvalidTest, &field, msg)),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn test_offset(t: &TestSpec, phases: &[PhaseStep]) -> Result<u32, String> {
    let anchor = match t.measure {
        None => None,
        Some(kind) => Some(
            phases
                .iter()
                .find(|p| p.measure == kind)
                .ok_or_else(|| format!("本规则没有“{}”措施", kind.label_zh()))?,
        ),
    };
    let offset = |v: i64| {
        u32::try_from(v)
            .ok()
            .filter(|&v| i64::from(v) <= MAX_DAYS)
            .ok_or_else(|| format!("天数应为 0–{MAX_DAYS}，而不是 {v}"))
    };
    match (t.day, t.before_end, anchor) {
        (Some(d), None, None) => offset(d),
        (Some(d), None, Some(p)) => Ok(p.first_day + offset(d)?),
        (None, Some(b), Some(p)) => {
            let b = offset(b)?;
            p.last_day
                .checked_sub(b)
                .filter(|&day| day >= p.first_day)
                .ok_or_else(|| format!("before_end = {b} 超出了“{}”的天数", p.measure.label_zh()))
        }
        (None, Some(_), None) => Err("before_end 须与 measure 一起使用".into()),
        _ => Err("须且只能给出 day 或 before_end 之一".into()),
    }
}

fn compile_documents(
    ctx: &RuleCtx<'_, '_>,
    specs: &[DocumentSpec],
    report: &mut CheckReport,
) -> Vec<Document> {
    let mut out: Vec<Document> = Vec::with_capacity(specs.len());
    for (i, d) in specs.iter().enumerate() {
        let field = format!("documents[{i}]");
        let doc = match (d.kind, d.within_hours) {
            (DocumentKind::GreenCode, None) => Document::GreenCode,
            (DocumentKind::NegativeTest, Some(h)) if (1..=720).contains(&h) => {
                Document::NegativeTest {
                    within_hours: h as u16,
                }
            }
            (DocumentKind::NegativeTest, h) => {
                let given = h.map_or("未给出".to_string(), |h| format!("给出的是 {h}"));
                let msg = format!("核酸阴性证明须给出 within_hours（1–720 小时），{given}");
                report.error(ctx.finding(
                    FindingKind::InvalidDocument,
                    &format!("{field}.within_hours"),
                    msg,
                ));
                continue;
            }
            (DocumentKind::GreenCode, Some(_)) => {
                let msg = "健康码绿码没有 within_hours".to_string();
                report.error(ctx.finding(
                    FindingKind::InvalidDocument,
                    &format!("{field}.within_hours"),
                    msg,
                ));
                continue;
            }
        };
        if out.contains(&doc) {
            report.warn(ctx.finding(FindingKind::Suspicious, &field, format!("证明“{doc}”重复")));
        }
        out.push(doc);
    }
    out
}

fn positive_days(value: i64, unit: i64) -> Option<u32> {
    value
        .checked_mul(unit)
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .map(|d| d as u32)
}
