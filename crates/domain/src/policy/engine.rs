//! Evaluation: the first rule (in file order) whose conditions hold produces the plan. A plan
//! borrows the rule's texts and keeps its dates in inline arrays, so computing one allocates
//! nothing.

use super::compiled::{Policy, Rule, MAX_PHASES, MAX_TESTS};
use super::model::{ArrivalFacts, Document, MeasureKind, Phase};
use super::template::Reason;
use chrono::{Days, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("政策“{policy}”中没有适用于该到达情况的规则")]
    NoRuleMatched { policy: String },
    #[error("抵达日期 {0} 加上措施天数超出了可计算的日期范围")]
    DateOutOfRange(NaiveDate),
}

/// 一次到达的管控计划。
#[derive(Debug, Clone, Copy)]
pub struct Plan<'p> {
    policy: &'p Policy,
    rule: &'p Rule,
    facts: ArrivalFacts,
    phases: Inline<Phase, MAX_PHASES>,
    tests: Inline<NaiveDate, MAX_TESTS>,
}

impl<'p> Plan<'p> {
    /// 产生该计划的政策版本号。
    pub fn policy_id(&self) -> &'p str {
        &self.policy.id
    }
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }
    pub fn rule(&self) -> &'p Rule {
        self.rule
    }
    pub fn rule_id(&self) -> &'p str {
        &self.rule.id
    }
    pub fn category(&self) -> &'p str {
        &self.rule.category
    }
    /// 中文原因，例如“来自中风险地区，适用第3类：14天集中隔离+7天居家健康监测”。
    pub fn reason(&self) -> Reason<'_> {
        self.rule.reason.render(&self.facts)
    }
    pub fn facts(&self) -> &ArrivalFacts {
        &self.facts
    }
    /// 各阶段，首个阶段从抵达当天开始，相邻阶段首尾相接。
    pub fn phases(&self) -> &[Phase] {
        self.phases.as_slice()
    }
    /// 核酸检测日期，升序、不重复。
    pub fn tests(&self) -> &[NaiveDate] {
        self.tests.as_slice()
    }
    /// 抵达前须出示的证明。
    pub fn documents(&self) -> &'p [Document] {
        &self.rule.documents
    }
    /// 最后一项措施的结束日期；无措施时为 `None`。
    pub fn end(&self) -> Option<NaiveDate> {
        self.phases().last().map(|p| p.end)
    }
    /// 该日所处的措施。
    pub fn measure_on(&self, date: NaiveDate) -> Option<MeasureKind> {
        self.phases()
            .iter()
            .find(|p| p.contains(date))
            .map(|p| p.measure)
    }
}

impl Policy {
    /// 第一条条件成立的规则。
    #[inline]
    pub fn rule_for(&self, facts: &ArrivalFacts) -> Option<&Rule> {
        self.rules.iter().find(|r| r.matcher.matches(facts))
    }

    /// 计算管控计划。
    pub fn plan(&self, facts: &ArrivalFacts) -> Result<Plan<'_>, PlanError> {
        let rule = self
            .rule_for(facts)
            .ok_or_else(|| PlanError::NoRuleMatched {
                policy: self.id.clone(),
            })?;
        let day = |offset: u32| {
            facts
                .arrival
                .checked_add_days(Days::new(u64::from(offset)))
                .ok_or(PlanError::DateOutOfRange(facts.arrival))
        };
        let mut phases = Inline::new(Phase {
            measure: MeasureKind::CentralizedQuarantine,
            start: NaiveDate::MIN,
            end: NaiveDate::MIN,
        });
        for step in &rule.phases {
            phases.push(Phase {
                measure: step.measure,
                start: day(step.first_day)?,
                end: day(step.last_day)?,
            });
        }
        let mut tests = Inline::new(NaiveDate::MIN);
        for &offset in &rule.tests {
            tests.push(day(offset)?);
        }
        Ok(Plan {
            policy: self,
            rule,
            facts: *facts,
            phases,
            tests,
        })
    }
}

/// 计算管控计划：按规则顺序，第一条条件成立的规则生效。
pub fn plan<'p>(policy: &'p Policy, facts: &ArrivalFacts) -> Result<Plan<'p>, PlanError> {
    policy.plan(facts)
}

/// 某日有效的政策：生效日不晚于该日且未失效者中生效日最晚的一个；
/// 生效日相同时取列表中靠后的一个（后加载的文件覆盖先加载的）。
pub fn in_force(policies: &[Policy], date: NaiveDate) -> Option<&Policy> {
    policies
        .iter()
        .filter(|p| p.is_in_force_on(date))
        .max_by_key(|p| p.effective_from)
}

/// A fixed-capacity vector; compile-time limits guarantee pushes never exceed `N`.
#[derive(Debug, Clone, Copy)]
struct Inline<T: Copy, const N: usize> {
    len: u8,
    items: [T; N],
}

impl<T: Copy, const N: usize> Inline<T, N> {
    fn new(filler: T) -> Self {
        Inline {
            len: 0,
            items: [filler; N],
        }
    }

    #[inline]
    fn push(&mut self, item: T) {
        if let Some(slot) = self.items.get_mut(usize::from(self.len)) {
            *slot = item;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[T] {
        &self.items[..usize::from(self.len)]
    }
}
