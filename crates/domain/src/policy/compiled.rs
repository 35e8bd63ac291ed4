//! A loaded policy: rules precompiled into condition masks and day offsets, so that `plan`
//! only compares and adds.

use super::model::{ArrivalFacts, Document, KeyIndustry, MeasureKind};
use super::spec::PolicySpec;
use super::template::Template;
use chrono::NaiveDate;

pub const MAX_RULES: usize = 256;
/// Phases and tests of a plan live in fixed inline arrays of these sizes.
pub const MAX_PHASES: usize = 6;
pub const MAX_TESTS: usize = 16;
/// Ten years: anything longer is a typo, and it keeps day offsets far from overflow.
pub const MAX_DAYS: i64 = 3650;

/// 已加载并通过检查的政策。只能由 `Policy::from_toml` / `Policy::from_spec` 得到。
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) effective_from: NaiveDate,
    pub(crate) effective_until: Option<NaiveDate>,
    pub(crate) risk_city_stay_days: u16,
    pub(crate) report_days_ahead: u16,
    pub(crate) key_industries: Vec<KeyIndustry>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) spec: PolicySpec,
}

impl Policy {
    /// 版本号（`id`），记录在每一份计划中。
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
    pub fn effective_until(&self) -> Option<NaiveDate> {
        self.effective_until
    }
    pub fn is_in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }
    pub fn risk_city_stay_days(&self) -> u16 {
        self.risk_city_stay_days
    }
    pub fn report_days_ahead(&self) -> u16 {
        self.report_days_ahead
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }
    pub fn key_industries(&self) -> &[KeyIndustry] {
        &self.key_industries
    }
    /// 按代码或中文名查找重点行业。
    pub fn key_industry(&self, code_or_name: &str) -> Option<&KeyIndustry> {
        let q = code_or_name.trim();
        self.key_industries
            .iter()
            .find(|k| k.code == q || k.name == q)
    }
}

/// 一条已编译的规则。
#[derive(Debug, Clone)]
pub struct Rule {
    pub(crate) id: String,
    pub(crate) category: String,
    pub(crate) reason: Template,
    pub(crate) matcher: Matcher,
    pub(crate) unconditional: bool,
    pub(crate) phases: Vec<PhaseStep>,
    pub(crate) tests: Vec<u32>,
    pub(crate) documents: Vec<Document>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn category(&self) -> &str {
        &self.category
    }
    pub fn phases(&self) -> &[PhaseStep] {
        &self.phases
    }
    pub fn documents(&self) -> &[Document] {
        &self.documents
    }
    /// 各阶段天数之和。
    pub fn total_days(&self) -> u32 {
        self.phases.last().map_or(0, |p| p.last_day + 1)
    }
    pub fn matches(&self, facts: &ArrivalFacts) -> bool {
        self.matcher.matches(facts)
    }
}

/// A phase as day offsets from arrival (0 = arrival day), both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseStep {
    pub measure: MeasureKind,
    pub first_day: u32,
    pub last_day: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Matcher {
    pub(crate) risk: u8,
    pub(crate) flags_mask: u8,
    pub(crate) flags_want: u8,
    pub(crate) days_min: u16,
    pub(crate) days_max: u16,
}

impl Matcher {
    #[inline]
    pub(crate) fn matches(&self, f: &ArrivalFacts) -> bool {
        let days = f.overseas_quarantined_days.unwrap_or(0);
        self.risk & f.origin_risk.bit() != 0
            && f.flags() & self.flags_mask == self.flags_want
            && self.days_min <= days
            && days <= self.days_max
    }
}
