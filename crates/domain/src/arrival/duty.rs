//! What a grid worker must do about one person on one day (每日清单上的事项).

use crate::policy::{DayEvent, MeasureKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Duty {
    /// 当天抵达
    Arrives,
    /// 某项措施当天开始
    Starts { measure: MeasureKind },
    /// 某项措施当天结束（最后一天）
    Ends { measure: MeasureKind },
    /// 当天应做核酸检测
    Test,
    /// 前一天处于管控措施中却没有健康打卡
    MissedCheckIn { date: NaiveDate },
}

impl From<DayEvent> for Duty {
    fn from(e: DayEvent) -> Self {
        match e {
            DayEvent::Starts(measure) => Duty::Starts { measure },
            DayEvent::Ends(measure) => Duty::Ends { measure },
            DayEvent::Test => Duty::Test,
        }
    }
}

impl Duty {
    /// 存储用的事件种类和措施（每日清单按日期索引这些事件）。
    pub fn kind_str(&self) -> &'static str {
        match self {
            Duty::Arrives => "arrives",
            Duty::Starts { .. } => "starts",
            Duty::Ends { .. } => "ends",
            Duty::Test => "test",
            Duty::MissedCheckIn { .. } => "missed_check_in",
        }
    }

    pub fn measure(&self) -> Option<MeasureKind> {
        match self {
            Duty::Starts { measure } | Duty::Ends { measure } => Some(*measure),
            _ => None,
        }
    }
}

impl fmt::Display for Duty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duty::Arrives => f.write_str("今日抵达"),
            Duty::Starts { measure } => write!(f, "开始{}", measure.label_zh()),
            Duty::Ends { measure } => write!(f, "{}期满", measure.label_zh()),
            Duty::Test => f.write_str("应做核酸检测"),
            Duty::MissedCheckIn { date } => write!(f, "{}未健康打卡", date.format("%m月%d日")),
        }
    }
}
