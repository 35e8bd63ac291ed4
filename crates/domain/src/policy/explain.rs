//! A plan as data that outlives the policy (to store, to send as JSON) and as Chinese text.
//!
//! JSON shape (`wangge policy explain --json`), keys in this order:
//! `{"policy": "default-2021-12", "rule": "…", "category": "…", "reason": "…",
//!   "phases": [{"measure": "centralized_quarantine", "start": "2021-12-28", "end": "2022-01-10"}],
//!   "tests": ["2021-12-28"],
//!   "documents": [{"kind": "green_code"}, {"kind": "negative_test", "within_hours": 48}]}`
//! with inclusive dates.

use super::engine::Plan;
use super::model::{Document, MeasureKind, Phase};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// 政策版本号
    pub policy: String,
    pub rule: String,
    pub category: String,
    pub reason: String,
    pub phases: Vec<Phase>,
    pub tests: Vec<NaiveDate>,
    pub documents: Vec<Document>,
}

/// 某一天与该计划有关的事（网格员每日清单用）。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "measure", rename_all = "snake_case")]
pub enum DayEvent {
    Starts(MeasureKind),
    Ends(MeasureKind),
    Test,
}

impl Plan<'_> {
    pub fn to_record(&self) -> PlanRecord {
        PlanRecord {
            policy: self.policy_id().to_string(),
            rule: self.rule_id().to_string(),
            category: self.category().to_string(),
            reason: self.reason().to_string(),
            phases: self.phases().to_vec(),
            tests: self.tests().to_vec(),
            documents: self.documents().to_vec(),
        }
    }
}

/// `--json` 输出。注意 `serde_json::Value` 的键按字母排序；要保持字段顺序请直接序列化
/// `PlanRecord`（`serde_json::to_string_pretty(&plan.to_record())`）。
pub fn explain_json(plan: &Plan<'_>) -> serde_json::Value {
    serde_json::to_value(plan.to_record()).unwrap_or(serde_json::Value::Null)
}

/// 人读的中文说明。
pub fn explain_text(plan: &Plan<'_>) -> String {
    plan.to_record().to_text()
}

impl PlanRecord {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "政策版本：{}", self.policy);
        let _ = writeln!(s, "适用规则：{}（{}）", self.category, self.rule);
        let _ = writeln!(s, "原因：{}", self.reason);
        if self.phases.is_empty() {
            let _ = writeln!(s, "管控措施：无");
        } else {
            let _ = writeln!(s, "管控措施：");
            for p in &self.phases {
                let _ = writeln!(
                    s,
                    "  {} {} 至 {}（{}天）",
                    p.measure.label_zh(),
                    p.start,
                    p.end,
                    p.days()
                );
            }
        }
        let tests: Vec<String> = self.tests.iter().map(NaiveDate::to_string).collect();
        let tests = if tests.is_empty() {
            "无".into()
        } else {
            tests.join("、")
        };
        let _ = writeln!(s, "核酸检测：{tests}");
        let docs: Vec<String> = self.documents.iter().map(Document::to_string).collect();
        let docs = if docs.is_empty() {
            "无".into()
        } else {
            docs.join("、")
        };
        let _ = writeln!(s, "抵达前须出示：{docs}");
        s
    }

    pub fn end(&self) -> Option<NaiveDate> {
        self.phases.last().map(|p| p.end)
    }

    pub fn measure_on(&self, date: NaiveDate) -> Option<MeasureKind> {
        self.phases
            .iter()
            .find(|p| p.contains(date))
            .map(|p| p.measure)
    }

    /// 该日开始、结束的措施和应做的核酸检测。
    pub fn events_on(&self, date: NaiveDate) -> Vec<DayEvent> {
        let mut out = Vec::new();
        for p in &self.phases {
            if p.start == date {
                out.push(DayEvent::Starts(p.measure));
            }
            if p.end == date {
                out.push(DayEvent::Ends(p.measure));
            }
        }
        if self.tests.contains(&date) {
            out.push(DayEvent::Test);
        }
        out
    }
}
