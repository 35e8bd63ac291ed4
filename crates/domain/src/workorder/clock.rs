//! 时限：某一环节从起算之日起的期限，以及某日是否已超期。按 [`crate::calendar`] 计算。

use super::spec::{ClockSpec, DayUnit};
use super::Kind;
use crate::calendar::{self, CalendarError};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// 期限算不出的原因。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("工单类型“{kind}”没有时限“{clock}”")]
    UnknownClock { kind: String, clock: String },
    #[error("时限“{clock}”不能延长")]
    NotExtendable { clock: String },
    #[error("时限“{clock}”至多延长 {max} 次，要求延长 {asked} 次")]
    TooManyExtensions { clock: String, max: u32, asked: u32 },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl ClockSpec {
    /// 从 `start`（起算之日，不计入）起、延长 `extensions` 次后的期限末日。
    pub fn due(&self, start: NaiveDate, extensions: u32) -> Result<NaiveDate, ClockError> {
        let extra = match (extensions, self.extension) {
            (0, _) => 0,
            (_, None) => {
                return Err(ClockError::NotExtendable {
                    clock: self.label.clone(),
                })
            }
            (n, Some(ext)) if n > ext.times => {
                return Err(ClockError::TooManyExtensions {
                    clock: self.label.clone(),
                    max: ext.times,
                    asked: n,
                })
            }
            (n, Some(ext)) => n.saturating_mul(ext.days),
        };
        let days = self.days.saturating_add(extra);
        Ok(match self.unit {
            DayUnit::Workdays => calendar::add_workdays(start, days)?,
            DayUnit::CalendarDays => {
                let end = calendar::add_calendar_days(start, days)?;
                if self.roll_to_workday {
                    calendar::workday_on_or_after(end)?
                } else {
                    end
                }
            }
        })
    }

    /// `today` 这一天是否已超期：尚未停止（或停止在 `today` 之后）而 `today` 已过期限末日，
    /// 或者停止之日晚于期限末日。期限末日当天办结不算超期。
    pub fn is_overdue(
        &self,
        start: NaiveDate,
        extensions: u32,
        stopped: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<bool, ClockError> {
        let due = self.due(start, extensions)?;
        Ok(match stopped {
            Some(s) if s <= today => s > due,
            _ => today > due,
        })
    }

    /// 这个时限是否适用于字段取值为 `fields` 的工单（没有条件时总是适用）。
    pub fn applies(&self, fields: &BTreeMap<String, String>) -> bool {
        self.when
            .as_ref()
            .is_none_or(|w| fields.get(&w.field).is_some_and(|v| v.trim() == w.equals))
    }
}

fn clock<'a>(kind: &'a Kind, clock_id: &str) -> Result<&'a ClockSpec, ClockError> {
    kind.clock(clock_id)
        .ok_or_else(|| ClockError::UnknownClock {
            kind: kind.label().to_string(),
            clock: clock_id.chars().take(64).collect(),
        })
}

/// 工单类型 `kind` 的时限 `clock_id` 从 `start` 起算、延长 `extensions` 次后的期限末日。
pub fn due_date(
    kind: &Kind,
    clock_id: &str,
    start: NaiveDate,
    extensions: u32,
) -> Result<NaiveDate, ClockError> {
    clock(kind, clock_id)?.due(start, extensions)
}

/// 工单类型 `kind` 的时限 `clock_id` 在 `today` 是否已超期（见 [`ClockSpec::is_overdue`]）。
pub fn is_overdue(
    kind: &Kind,
    clock_id: &str,
    start: NaiveDate,
    extensions: u32,
    stopped: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<bool, ClockError> {
    clock(kind, clock_id)?.is_overdue(start, extensions, stopped, today)
}

/// 一张工单某个时限的情况。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockStatus {
    pub clock: String,
    pub label: String,
    pub started: NaiveDate,
    pub due: NaiveDate,
    pub stopped: Option<NaiveDate>,
    pub overdue: bool,
}

impl Kind {
    /// 按工单的状态历史（按时间先后，每项是进入的状态和日期，第一项是新建）算出各时限：
    /// 时限在第一次进入起算状态时开始，在其后第一次进入任一停止状态时停止；条件不符或尚未
    /// 起算的时限不列出。`extensions` 是各时限（按 id）已延长的次数。
    pub fn clock_statuses(
        &self,
        history: &[(&str, NaiveDate)],
        fields: &BTreeMap<String, String>,
        extensions: &BTreeMap<String, u32>,
        today: NaiveDate,
    ) -> Result<Vec<ClockStatus>, ClockError> {
        let mut out = Vec::new();
        for c in self.clocks().iter().filter(|c| c.applies(fields)) {
            let Some(i) = history.iter().position(|(s, _)| *s == c.start) else {
                continue;
            };
            let started = history[i].1;
            let stopped = history[i + 1..]
                .iter()
                .find(|(s, _)| c.stop.iter().any(|x| x == s))
                .map(|&(_, d)| d);
            let n = extensions.get(&c.id).copied().unwrap_or(0);
            out.push(ClockStatus {
                clock: c.id.clone(),
                label: c.label.clone(),
                started,
                due: c.due(started, n)?,
                stopped,
                overdue: c.is_overdue(started, n, stopped, today)?,
            });
        }
        Ok(out)
    }
}
