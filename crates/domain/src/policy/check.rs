//! Static analysis of a policy: everything `wangge policy check` reports. Loading a policy runs
//! the same checks, so a `Policy` value is always gap-free and has no dead rules.

use super::compile::{compile, RuleCtx};
use super::compiled::Policy;
use super::parse::{parse_spec, SourceMap};
use super::report::{CheckReport, Finding, FindingKind};
use super::space::{cases, Space};
use super::spec::PolicySpec;
use std::collections::{BTreeMap, BTreeSet};

/// Beyond this many overlap warnings the rest are summarised in one line.
const MAX_OVERLAP_WARNINGS: usize = 20;
const GAP_EXAMPLES: usize = 5;

/// 检查政策文件文本：语法、未知字段、重复 id、时长、日期、不可达规则、重叠规则、遗漏情形。
/// 从不 panic。
pub fn check(src: &str) -> CheckReport {
    load(src).1
}

impl Policy {
    /// 解析并检查政策文件；有任何错误时返回完整的检查报告。
    pub fn from_toml(src: &str) -> Result<Policy, CheckReport> {
        match load(src) {
            (Some(policy), _) => Ok(policy),
            (None, report) => Err(report),
        }
    }

    /// 由（例如经程序修改后的）`PolicySpec` 构造政策，检查同 `from_toml`，但没有行号。
    pub fn from_spec(spec: PolicySpec) -> Result<Policy, CheckReport> {
        let report = CheckReport {
            policy: Some(spec.id.clone()),
            ..CheckReport::default()
        };
        match finish(spec, None, report) {
            (Some(policy), _) => Ok(policy),
            (None, report) => Err(report),
        }
    }
}

fn load(src: &str) -> (Option<Policy>, CheckReport) {
    let mut report = CheckReport::default();
    let spec = match parse_spec(src) {
        Ok(spec) => spec,
        Err(finding) => {
            report.error(finding);
            return (None, report);
        }
    };
    report.policy = Some(spec.id.clone());
    let map = SourceMap::new(src);
    finish(spec, Some(&map), report)
}

fn finish(
    spec: PolicySpec,
    map: Option<&SourceMap<'_>>,
    mut report: CheckReport,
) -> (Option<Policy>, CheckReport) {
    let policy = compile(spec, map, &mut report);
    if let Some(p) = &policy {
        analyze(p, map, &mut report);
    }
    (policy.filter(|_| report.is_valid()), report)
}

struct Coverage {
    space: Space,
    matched: Vec<usize>,
    won: Vec<usize>,
    shadowed_by: Vec<BTreeSet<usize>>,
    /// (winner, also matching) → (number of cases, first case)
    overlaps: BTreeMap<(usize, usize), (usize, usize)>,
    gaps: Vec<usize>,
}

fn coverage(policy: &Policy) -> Coverage {
    let rules = &policy.rules;
    let n = rules.len();
    let mut cov = Coverage {
        space: cases(rules),
        matched: vec![0; n],
        won: vec![0; n],
        shadowed_by: vec![BTreeSet::new(); n],
        overlaps: BTreeMap::new(),
        gaps: Vec::new(),
    };
    let mut hits = Vec::with_capacity(n);
    for (ci, case) in cov.space.cases.iter().enumerate() {
        hits.clear();
        hits.extend((0..n).filter(|&i| rules[i].matches(&case.facts)));
        let Some(&winner) = hits.first() else {
            cov.gaps.push(ci);
            continue;
        };
        cov.won[winner] += 1;
        for &j in &hits {
            cov.matched[j] += 1;
        }
        for &j in &hits[1..] {
            cov.shadowed_by[j].insert(winner);
            cov.overlaps.entry((winner, j)).or_insert((0, ci)).0 += 1;
        }
    }
    cov
}

fn analyze(policy: &Policy, map: Option<&SourceMap<'_>>, report: &mut CheckReport) {
    let cov = coverage(policy);
    let rules = &policy.rules;
    let ctx = |index| RuleCtx {
        index,
        spec: &policy.spec.rules[index],
        map,
    };

    for i in 0..rules.len() {
        if cov.matched[i] == 0 {
            let c = ctx(i);
            let (field, why) = contradiction(c.spec);
            report.error(c.finding(
                FindingKind::NeverMatches,
                field,
                format!("规则永远不会匹配：{why}"),
            ));
        } else if cov.won[i] == 0 {
            let earlier: Vec<String> = cov.shadowed_by[i]
                .iter()
                .map(|&w| format!("“{}”", rules[w].id))
                .collect();
            let msg = format!(
                "规则不可达：它适用的 {} 种情形都已被前面的规则{}匹配，请删除或调整顺序",
                cov.matched[i],
                earlier.join("、")
            );
            report.error(ctx(i).finding(FindingKind::Unreachable, "when", msg));
        }
    }

    let mut overlap_count = 0;
    for (&(w, j), &(count, first)) in &cov.overlaps {
        // An unconditional rule is a deliberate fallback; its overlaps are the point of it.
        if cov.won[j] == 0 || rules[j].unconditional {
            continue;
        }
        overlap_count += 1;
        if overlap_count > MAX_OVERLAP_WARNINGS {
            continue;
        }
        let msg = format!(
            "与前面的规则“{}”在 {count} 种情形下同时适用（例如：{}），按顺序采用“{}”",
            rules[w].id,
            cov.space.cases[first].describe(),
            rules[w].id
        );
        report.warn(ctx(j).finding(FindingKind::Overlap, "when", msg));
    }
    if overlap_count > MAX_OVERLAP_WARNINGS {
        let msg = format!(
            "另有 {} 处规则重叠未列出",
            overlap_count - MAX_OVERLAP_WARNINGS
        );
        report.warn(Finding::new(FindingKind::Overlap, msg));
    }

    if !cov.gaps.is_empty() {
        let mut marked = vec![false; cov.space.cases.len()];
        for &ci in &cov.gaps {
            marked[ci] = true;
        }
        let groups = cov.space.summarize(&marked);
        let shown: Vec<String> = groups
            .iter()
            .take(GAP_EXAMPLES)
            .map(|g| format!("\n    · {g}"))
            .collect();
        let more = if groups.len() > GAP_EXAMPLES {
            format!("\n    · ……另有 {} 组", groups.len() - GAP_EXAMPLES)
        } else {
            String::new()
        };
        let msg = format!(
            "以下到达情形没有任何规则适用（未列出的条件不限）：{}{more}\n  请补充规则，或在末尾增加一条无条件（省略 when）的兜底规则",
            shown.concat()
        );
        report.error(Finding::new(FindingKind::Gap, msg));
    }
}

fn contradiction(spec: &super::spec::RuleSpec) -> (&'static str, &'static str) {
    let w = &spec.when;
    if w.origin_risk.as_ref().is_some_and(Vec::is_empty) {
        return (
            "when.origin_risk",
            "origin_risk 为空列表，没有任何风险等级可匹配",
        );
    }
    if let Some(r) = w.port_quarantine_days {
        if let (Some(min), Some(max)) = (r.min, r.max) {
            if min > max {
                return (
                    "when.port_quarantine_days",
                    "port_quarantine_days 的 min 大于 max",
                );
            }
        }
        if w.overseas == Some(false) {
            return (
                "when.overseas",
                "overseas = false 与 port_quarantine_days（仅适用于境外入境）矛盾",
            );
        }
    }
    ("when", "条件组合不可能同时成立")
}
