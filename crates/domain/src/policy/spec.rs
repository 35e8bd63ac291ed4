//! The policy file as written (TOML schema). Numbers are signed so that a negative duration is
//! reported by the checker with the rule named, instead of as a bare type error.

use super::model::{KeyIndustry, MeasureKind, RiskLevel};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// 政策文件。见 `policies/default-2021-12.toml` 的注释。
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// 政策版本号，写入每一份计划
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub effective_from: NaiveDate,
    #[serde(default, deserialize_with = "opt_date")]
    pub effective_until: Option<NaiveDate>,
    /// “近 N 天内到过有中高风险地区的城市”中的 N
    #[serde(default = "default_stay_days")]
    pub risk_city_stay_days: i64,
    /// 须提前几天报备
    #[serde(default = "default_report_days")]
    pub report_days_ahead: i64,
    #[serde(default, rename = "key_industry")]
    pub key_industries: Vec<KeyIndustry>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub category: String,
    /// 原因模板，可用占位符见 `template.rs`
    pub reason: String,
    #[serde(default)]
    pub when: Conditions,
    #[serde(default)]
    pub measures: Vec<MeasureSpec>,
    #[serde(default)]
    pub tests: Vec<TestSpec>,
    #[serde(default)]
    pub documents: Vec<DocumentSpec>,
}

/// 适用条件；省略的条件不限。
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    pub origin_risk: Option<Vec<RiskLevel>>,
    pub overseas: Option<bool>,
    /// 仅匹配境外入境人员
    pub port_quarantine_days: Option<DayRange>,
    pub risk_city_stay: Option<bool>,
    pub other_province: Option<bool>,
    pub key_industry: Option<bool>,
}

impl Conditions {
    pub fn is_unconditional(&self) -> bool {
        *self == Conditions::default()
    }
}

/// 含两端；省略 `max` 表示不设上限。
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// `days` 与 `weeks` 二选一；`weeks = N` 按 7N 天计。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureSpec {
    pub kind: MeasureKind,
    pub days: Option<i64>,
    pub weeks: Option<i64>,
}

/// 核酸检测日：`{ day = N }` 为抵达后第 N 天（0 = 抵达当天）；
/// `{ measure = "...", day = N }` 为该措施开始后第 N 天（0 = 开始当天）；
/// `{ measure = "...", before_end = N }` 为该措施结束前第 N 天（0 = 最后一天）。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    pub measure: Option<MeasureKind>,
    pub day: Option<i64>,
    pub before_end: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    pub kind: DocumentKind,
    pub within_hours: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    GreenCode,
    NegativeTest,
}

fn default_stay_days() -> i64 {
    14
}

fn default_report_days() -> i64 {
    3
}

/// Accepts both a TOML date literal (`2021-12-01`) and a string (`"2021-12-01"`).
fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    let text = match toml::Value::deserialize(d)? {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "日期应为 YYYY-MM-DD，而不是 {other}"
            )))
        }
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| D::Error::custom(format!("日期“{text}”无效，应为 YYYY-MM-DD")))
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}
