//! Inputs and a baseline for measuring the engine (`cargo bench --bench policy`,
//! `wangge bench policy`). Timing itself is left to the caller: this module stays pure.

use super::model::{ArrivalFacts, MeasureKind, Phase, RiskLevel};
use chrono::{Days, NaiveDate};

/// 确定性生成 `n` 条到达事实，覆盖默认政策的全部类别：约 10% 境外入境（口岸隔离 0–28 天），
/// 其余来源地风险等级、风险城市旅居、省外、重点行业按不同比例混合，抵达日期分布在
/// 2021-12-01 起的 90 天内。
pub fn bench_facts(n: usize) -> Vec<ArrivalFacts> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64: deterministic across platforms, no dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base = NaiveDate::from_ymd_opt(2021, 12, 1).unwrap_or_default();
    (0..n)
        .map(|_| {
            let r = next();
            let arrival = base + Days::new(r % 90);
            let pick = (r >> 8) % 100;
            let mut f = ArrivalFacts::new(arrival);
            if pick < 10 {
                const DAYS: [u16; 7] = [0, 7, 13, 14, 17, 21, 28];
                f.overseas_quarantined_days = Some(DAYS[((r >> 16) % 7) as usize]);
                return f;
            }
            f.origin_risk = match (r >> 24) % 100 {
                0..=59 => RiskLevel::None,
                60..=74 => RiskLevel::Low,
                75..=89 => RiskLevel::Medium,
                _ => RiskLevel::High,
            };
            f.risk_city_stay = (r >> 32) % 5 == 0;
            f.other_province = (r >> 36) % 2 == 0;
            f.key_industry = (r >> 40) % 7 == 0;
            f
        })
        .collect()
}

/// The default policy written as a hand-coded `match`, computing the same dates: the fastest
/// an engine could hope to be, to set the data-driven engine against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaselinePlan {
    pub phases: [Phase; 3],
    pub len: usize,
    pub test: Option<NaiveDate>,
}

impl BaselinePlan {
    pub fn phases(&self) -> &[Phase] {
        &self.phases[..self.len]
    }
}

pub fn baseline_plan(f: &ArrivalFacts) -> Option<BaselinePlan> {
    use MeasureKind::{
        CentralizedQuarantine as Cq, HomeHealthMonitoring as Hm, PersonalHealthMonitoring as Pm,
    };
    let (steps, test): (&[(MeasureKind, u64)], bool) = match f.overseas_quarantined_days {
        Some(21..) => (&[(Hm, 7), (Pm, 49)], false),
        Some(14..) => (&[(Cq, 7), (Hm, 7), (Pm, 49)], false),
        Some(_) => (&[(Cq, 21), (Hm, 7), (Pm, 49)], false),
        None if f.origin_risk.is_medium_or_high() => (&[(Cq, 14), (Hm, 7)], false),
        None if f.risk_city_stay => (&[(Cq, 7), (Hm, 7)], false),
        None if f.other_province || f.key_industry => (&[(Hm, 14)], true),
        None => (&[], false),
    };
    let empty = Phase {
        measure: Cq,
        start: NaiveDate::MIN,
        end: NaiveDate::MIN,
    };
    let mut plan = BaselinePlan {
        phases: [empty; 3],
        len: steps.len(),
        test: None,
    };
    let mut offset = 0;
    for (slot, &(measure, days)) in plan.phases.iter_mut().zip(steps) {
        *slot = Phase {
            measure,
            start: f.arrival.checked_add_days(Days::new(offset))?,
            end: f.arrival.checked_add_days(Days::new(offset + days - 1))?,
        };
        offset += days;
    }
    if test {
        plan.test = Some(f.arrival);
    }
    Some(plan)
}
