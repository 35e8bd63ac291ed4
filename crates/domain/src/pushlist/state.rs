//! 核查状态机：待核查 → 已联系 → 已落实管控措施 | 已离开本区（去向）| 查无此人（原因）。
//!
//! 联系不上的人可以直接标为查无此人，电话里得知已离开的可以直接标为已离开；查无此人的
//! 后来找到了，可以改回已联系。已落实措施和已离开是终态。

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushState {
    /// 待核查
    Pending,
    /// 已联系（已找到本人）
    Reached,
    /// 已落实管控措施
    MeasuresInPlace,
    /// 已离开本区
    LeftDistrict,
    /// 查无此人
    NotFound,
}

impl PushState {
    pub const ALL: [PushState; 5] = [
        PushState::Pending,
        PushState::Reached,
        PushState::MeasuresInPlace,
        PushState::LeftDistrict,
        PushState::NotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PushState::Pending => "pending",
            PushState::Reached => "reached",
            PushState::MeasuresInPlace => "measures_in_place",
            PushState::LeftDistrict => "left_district",
            PushState::NotFound => "not_found",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PushState::Pending => "待核查",
            PushState::Reached => "已联系",
            PushState::MeasuresInPlace => "已落实管控",
            PushState::LeftDistrict => "已离开本区",
            PushState::NotFound => "查无此人",
        }
    }

    /// 仍需网格员跟进：计入“未核查”，可能超时；见底清零要求这类为零。
    pub fn is_open(self) -> bool {
        matches!(self, PushState::Pending | PushState::Reached)
    }
}

impl fmt::Display for PushState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知核查状态“{0}”")]
pub struct UnknownState(pub String);

impl FromStr for PushState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PushState::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

impl TryFrom<String> for PushState {
    type Error = UnknownState;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// 网格员提交的一次核查结果，带上该状态必需的说明。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verification {
    Reached,
    /// `measures`：落实的措施（如“居家健康监测14天”）；`arrival_id`：对应的来返报备。
    MeasuresInPlace {
        measures: String,
        #[serde(default)]
        arrival_id: Option<i64>,
    },
    LeftDistrict {
        destination: String,
    },
    NotFound {
        reason: String,
    },
}

impl Verification {
    pub fn target(&self) -> PushState {
        match self {
            Verification::Reached => PushState::Reached,
            Verification::MeasuresInPlace { .. } => PushState::MeasuresInPlace,
            Verification::LeftDistrict { .. } => PushState::LeftDistrict,
            Verification::NotFound { .. } => PushState::NotFound,
        }
    }

    /// 规整说明文字并检查必填项；返回规整后的结果。
    pub fn checked(self) -> Result<Verification, TransitionError> {
        let clean = |s: String, what: &'static str| {
            use crate::validate::text::{self, TextError, REASON_MAX};
            match text::required(what, what, &s, REASON_MAX) {
                Ok(s) => Ok(s),
                Err(TextError::Empty { .. }) => Err(TransitionError::MissingDetail(what)),
                Err(TextError::TooLong { .. }) => Err(TransitionError::DetailTooLong(what)),
                Err(e) => Err(TransitionError::BadDetail(e)),
            }
        };
        Ok(match self {
            Verification::Reached => Verification::Reached,
            Verification::MeasuresInPlace {
                measures,
                arrival_id,
            } => Verification::MeasuresInPlace {
                measures: clean(measures, "管控措施")?,
                arrival_id,
            },
            Verification::LeftDistrict { destination } => Verification::LeftDistrict {
                destination: clean(destination, "去向")?,
            },
            Verification::NotFound { reason } => Verification::NotFound {
                reason: clean(reason, "原因")?,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("不能从“{}”改为“{}”", .from.label_zh(), .to.label_zh())]
    NotAllowed { from: PushState, to: PushState },
    #[error("请填写{0}")]
    MissingDetail(&'static str),
    #[error("{0}不能超过200字")]
    DetailTooLong(&'static str),
    /// 说明里有控制字符（如 NUL）。
    #[error("{0}")]
    BadDetail(crate::validate::TextError),
}

/// 从 `from` 能否改为 `to`。
pub fn allowed(from: PushState, to: PushState) -> bool {
    use PushState::*;
    matches!(
        (from, to),
        (Pending, Reached | LeftDistrict | NotFound)
            | (Reached, MeasuresInPlace | LeftDistrict | NotFound)
            | (NotFound, Reached)
    )
}

/// 从 `from` 可以改为的状态，按 [`PushState::ALL`] 的顺序；终态没有。
pub fn next_states(from: PushState) -> Vec<PushState> {
    PushState::ALL
        .into_iter()
        .filter(|to| allowed(from, *to))
        .collect()
}

/// 校验一次核查，返回新状态和规整后的说明。
pub fn apply(
    from: PushState,
    v: Verification,
) -> Result<(PushState, Verification), TransitionError> {
    let to = v.target();
    if !allowed(from, to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    Ok((to, v.checked()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use PushState::*;

    #[test]
    fn next_states_follow_the_paths() {
        assert_eq!(next_states(Pending), [Reached, LeftDistrict, NotFound]);
        assert_eq!(next_states(NotFound), [Reached]);
        assert!(next_states(MeasuresInPlace).is_empty() && next_states(LeftDistrict).is_empty());
    }

    #[test]
    fn the_documented_paths() {
        assert_eq!(apply(Pending, Verification::Reached).unwrap().0, Reached);
        let m = Verification::MeasuresInPlace {
            measures: " 居家健康监测 ".into(),
            arrival_id: Some(3),
        };
        let (s, v) = apply(Reached, m).unwrap();
        assert_eq!(s, MeasuresInPlace);
        assert!(
            matches!(v, Verification::MeasuresInPlace { ref measures, .. } if measures == "居家健康监测")
        );
        assert!(apply(
            Pending,
            Verification::NotFound {
                reason: "空号".into()
            }
        )
        .is_ok());
        assert!(apply(NotFound, Verification::Reached).is_ok());
        assert!(apply(
            Reached,
            Verification::LeftDistrict {
                destination: "上海".into()
            }
        )
        .is_ok());
    }

    #[test]
    fn refused_paths_and_missing_details() {
        let m = Verification::MeasuresInPlace {
            measures: "隔离".into(),
            arrival_id: None,
        };
        assert_eq!(
            apply(Pending, m).unwrap_err().to_string(),
            "不能从“待核查”改为“已落实管控”"
        );
        assert!(apply(MeasuresInPlace, Verification::Reached).is_err());
        assert!(apply(LeftDistrict, Verification::NotFound { reason: "x".into() }).is_err());
        assert_eq!(
            apply(
                Pending,
                Verification::NotFound {
                    reason: "　".into()
                }
            )
            .unwrap_err(),
            TransitionError::MissingDetail("原因")
        );
        assert_eq!(
            apply(
                Reached,
                Verification::LeftDistrict {
                    destination: String::new()
                }
            )
            .unwrap_err(),
            TransitionError::MissingDetail("去向")
        );
    }

    #[test]
    fn json_shape() {
        let v: Verification =
            serde_json::from_str(r#"{"state":"left_district","destination":"北京"}"#).unwrap();
        assert_eq!(v.target(), LeftDistrict);
        for s in PushState::ALL {
            assert_eq!(s.as_str().parse::<PushState>().unwrap(), s);
        }
    }

    proptest! {
        #[test]
        fn final_states_stay_final(i in 0usize..5) {
            let to = PushState::ALL[i];
            prop_assert!(!allowed(MeasuresInPlace, to));
            prop_assert!(!allowed(LeftDistrict, to));
            prop_assert!(!allowed(to, Pending), "nothing goes back to pending");
        }
    }
}
