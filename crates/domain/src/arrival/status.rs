//! 报备状态：已报备 → 已抵达 → 管控中 → 已解除，或未抵达（爽约）。

use crate::policy::PlanRecord;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalStatus {
    /// 已报备
    Reported,
    /// 已抵达
    Arrived,
    /// 管控中
    UnderMeasures,
    /// 已解除
    Released,
    /// 未抵达
    NoShow,
}

impl ArrivalStatus {
    pub const ALL: [ArrivalStatus; 5] = [
        ArrivalStatus::Reported,
        ArrivalStatus::Arrived,
        ArrivalStatus::UnderMeasures,
        ArrivalStatus::Released,
        ArrivalStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArrivalStatus::Reported => "reported",
            ArrivalStatus::Arrived => "arrived",
            ArrivalStatus::UnderMeasures => "under_measures",
            ArrivalStatus::Released => "released",
            ArrivalStatus::NoShow => "no_show",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ArrivalStatus::Reported => "已报备",
            ArrivalStatus::Arrived => "已抵达",
            ArrivalStatus::UnderMeasures => "管控中",
            ArrivalStatus::Released => "已解除",
            ArrivalStatus::NoShow => "未抵达",
        }
    }

    /// 可以转入的状态。
    pub fn next(self) -> &'static [ArrivalStatus] {
        use ArrivalStatus::*;
        match self {
            Reported => &[Arrived, NoShow],
            Arrived => &[UnderMeasures, Released],
            UnderMeasures => &[Released],
            Released | NoShow => &[],
        }
    }

    /// 政策或风险地区变化时仍需重算计划的状态；已解除和未抵达的计划是历史，不再改动。
    pub fn is_open(self) -> bool {
        !matches!(self, ArrivalStatus::Released | ArrivalStatus::NoShow)
    }
}

impl fmt::Display for ArrivalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知状态“{0}”，应为 reported/arrived/under_measures/released/no_show")]
pub struct UnknownStatus(pub String);

impl FromStr for ArrivalStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        ArrivalStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s || st.label_zh() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

impl TryFrom<String> for ArrivalStatus {
    type Error = UnknownStatus;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("状态已是“{}”", .0.label_zh())]
    Unchanged(ArrivalStatus),
    #[error("不能从“{}”改为“{}”（可改为：{}）", .from.label_zh(), .to.label_zh(), allowed(*.from))]
    NotAllowed {
        from: ArrivalStatus,
        to: ArrivalStatus,
    },
    #[error("抵达日期为 {arrival}，今天（{today}）还不能登记为已抵达")]
    NotYetArrived {
        arrival: NaiveDate,
        today: NaiveDate,
    },
    #[error("该人员须采取管控措施，请先改为“管控中”，措施结束后再解除")]
    HasMeasures,
    #[error("管控措施至 {end} 结束，今天（{today}）还不能解除")]
    MeasuresNotOver { end: NaiveDate, today: NaiveDate },
    #[error("该人员无须采取管控措施，请直接改为“已解除”")]
    NoMeasures,
}

fn allowed(from: ArrivalStatus) -> String {
    let next: Vec<&str> = from.next().iter().map(|s| s.label_zh()).collect();
    if next.is_empty() {
        "无，已是最终状态".into()
    } else {
        next.join("、")
    }
}

/// 检查一次状态变更：只能沿 `next()` 走；不能在抵达日期前登记抵达；有措施的人须先“管控中”，
/// 且最后一项措施结束当天起才能解除（`today` 为辖区当地日期）。
pub fn check_transition(
    from: ArrivalStatus,
    to: ArrivalStatus,
    arrival: NaiveDate,
    plan: &PlanRecord,
    today: NaiveDate,
) -> Result<(), TransitionError> {
    use ArrivalStatus::*;
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    if !from.next().contains(&to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    match (from, to, plan.end()) {
        (Reported, Arrived, _) if today < arrival => {
            Err(TransitionError::NotYetArrived { arrival, today })
        }
        (Arrived, Released, Some(_)) => Err(TransitionError::HasMeasures),
        (Arrived, UnderMeasures, None) => Err(TransitionError::NoMeasures),
        (UnderMeasures, Released, Some(end)) if today < end => {
            Err(TransitionError::MeasuresNotOver { end, today })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{MeasureKind, Phase};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan(end: Option<&str>) -> PlanRecord {
        PlanRecord {
            policy: "p".into(),
            rule: "r".into(),
            category: "c".into(),
            reason: "x".into(),
            phases: end
                .map(|e| Phase {
                    measure: MeasureKind::HomeHealthMonitoring,
                    start: d("2021-12-28"),
                    end: d(e),
                })
                .into_iter()
                .collect(),
            tests: vec![],
            documents: vec![],
        }
    }

    #[test]
    fn only_forward_steps_are_allowed() {
        use ArrivalStatus::*;
        let p = plan(Some("2022-01-10"));
        let a = d("2021-12-28");
        let ok = |from, to, today| check_transition(from, to, a, &p, d(today));
        assert_eq!(ok(Reported, Arrived, "2021-12-28"), Ok(()));
        assert_eq!(ok(Reported, NoShow, "2021-12-01"), Ok(()));
        assert_eq!(ok(Arrived, UnderMeasures, "2021-12-28"), Ok(()));
        assert_eq!(ok(UnderMeasures, Released, "2022-01-10"), Ok(()));
        assert!(matches!(
            ok(Reported, Arrived, "2021-12-27"),
            Err(TransitionError::NotYetArrived { .. })
        ));
        assert_eq!(
            ok(Arrived, Released, "2022-02-01"),
            Err(TransitionError::HasMeasures)
        );
        assert!(matches!(
            ok(UnderMeasures, Released, "2022-01-09"),
            Err(TransitionError::MeasuresNotOver { .. })
        ));
        let e = ok(Released, Reported, "2022-02-01").unwrap_err();
        assert!(e.to_string().contains("最终状态"), "{e}");
        let e = ok(Reported, UnderMeasures, "2022-02-01").unwrap_err();
        assert!(e.to_string().contains("已抵达、未抵达"), "{e}");
        assert_eq!(
            ok(Arrived, Arrived, "2022-02-01"),
            Err(TransitionError::Unchanged(Arrived))
        );
        let none = plan(None);
        assert_eq!(check_transition(Arrived, Released, a, &none, a), Ok(()));
        assert_eq!(
            check_transition(Arrived, UnderMeasures, a, &none, a),
            Err(TransitionError::NoMeasures)
        );
    }

    #[test]
    fn status_round_trips() {
        for s in ArrivalStatus::ALL {
            assert_eq!(s.as_str().parse::<ArrivalStatus>().unwrap(), s);
            assert_eq!(s.label_zh().parse::<ArrivalStatus>().unwrap(), s);
        }
        assert!("gone".parse::<ArrivalStatus>().is_err());
    }
}
