//! Value types shared by the policy file, the engine and the plans it produces.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// 风险等级。`None` 表示不在任何风险地区。
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    #[default]
    None,
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::None,
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RiskLevel::None => "无风险",
            RiskLevel::Low => "低风险",
            RiskLevel::Medium => "中风险",
            RiskLevel::High => "高风险",
        }
    }

    pub fn is_medium_or_high(self) -> bool {
        self >= RiskLevel::Medium
    }

    pub(crate) fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RiskLevel {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "none" | "无" | "无风险" => Ok(RiskLevel::None),
            "low" | "低" | "低风险" => Ok(RiskLevel::Low),
            "medium" | "中" | "中风险" => Ok(RiskLevel::Medium),
            "high" | "高" | "高风险" => Ok(RiskLevel::High),
            other => Err(UnknownValue {
                what: "风险等级",
                value: other.to_string(),
                expected: "none/low/medium/high",
            }),
        }
    }
}

/// 管控措施。
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 集中隔离
    CentralizedQuarantine,
    /// 居家健康监测
    HomeHealthMonitoring,
    /// 个人健康监测
    PersonalHealthMonitoring,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 3] = [
        MeasureKind::CentralizedQuarantine,
        MeasureKind::HomeHealthMonitoring,
        MeasureKind::PersonalHealthMonitoring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::CentralizedQuarantine => "centralized_quarantine",
            MeasureKind::HomeHealthMonitoring => "home_health_monitoring",
            MeasureKind::PersonalHealthMonitoring => "personal_health_monitoring",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MeasureKind::CentralizedQuarantine => "集中隔离",
            MeasureKind::HomeHealthMonitoring => "居家健康监测",
            MeasureKind::PersonalHealthMonitoring => "个人健康监测",
        }
    }
}

impl fmt::Display for MeasureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MeasureKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MeasureKind::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim() || m.label_zh() == s.trim())
            .ok_or_else(|| UnknownValue {
                what: "措施",
                value: s.trim().to_string(),
                expected:
                    "centralized_quarantine/home_health_monitoring/personal_health_monitoring",
            })
    }
}

/// 抵达前须出示的证明。JSON 形如 `{"kind":"green_code"}`、
/// `{"kind":"negative_test","within_hours":48}`。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Document {
    /// 健康码绿码
    GreenCode,
    /// 抵达前 N 小时内核酸检测阴性证明
    NegativeTest { within_hours: u16 },
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Document::GreenCode => f.write_str("健康码绿码"),
            Document::NegativeTest { within_hours } => {
                write!(f, "{within_hours}小时内核酸检测阴性证明")
            }
        }
    }
}

/// 一次到达的事实：政策规则只看这些字段。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArrivalFacts {
    /// 抵达日期
    pub arrival: NaiveDate,
    /// 来源地风险等级（按抵达日有效的风险地区名单）
    pub origin_risk: RiskLevel,
    /// 境外入境人员在入境口岸已完成的集中隔离天数；`None` 表示非境外入境
    pub overseas_quarantined_days: Option<u16>,
    /// 近 N 天内（见政策 `risk_city_stay_days`）到过有中高风险地区的城市
    pub risk_city_stay: bool,
    /// 来自省外
    pub other_province: bool,
    /// 从事 11 类重点行业
    pub key_industry: bool,
}

impl ArrivalFacts {
    /// 省内、无风险、非重点行业的到达；其余字段按需改写。
    pub fn new(arrival: NaiveDate) -> Self {
        ArrivalFacts {
            arrival,
            origin_risk: RiskLevel::None,
            overseas_quarantined_days: None,
            risk_city_stay: false,
            other_province: false,
            key_industry: false,
        }
    }

    pub fn overseas(&self) -> bool {
        self.overseas_quarantined_days.is_some()
    }

    /// Packs the boolean facts so that a rule tests them all with one mask compare.
    pub(crate) fn flags(&self) -> u8 {
        let bit = |on: bool, flag: u8| if on { flag } else { 0 };
        bit(self.overseas(), flag::OVERSEAS)
            | bit(self.risk_city_stay, flag::RISK_CITY_STAY)
            | bit(self.other_province, flag::OTHER_PROVINCE)
            | bit(self.key_industry, flag::KEY_INDUSTRY)
    }
}

pub(crate) mod flag {
    pub const OVERSEAS: u8 = 1;
    pub const RISK_CITY_STAY: u8 = 2;
    pub const OTHER_PROVINCE: u8 = 4;
    pub const KEY_INDUSTRY: u8 = 8;
}

/// 计划中的一个阶段：起止日期均含当天。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phase {
    pub measure: MeasureKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Phase {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// 11 类重点行业之一，由政策文件列出（各地可不同）。
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyIndustry {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知{what}“{value}”，应为 {expected}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}
