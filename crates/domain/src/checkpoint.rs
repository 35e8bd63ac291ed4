//! 卡口：扫码、测温、登记人员或车辆。哪些情况要立即预警，一次扫码的数据是否合理。

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::validate::{normalize_typed, IdNumber};

/// 发热的界线：≥ 37.3 ℃。
pub const FEVER_CELSIUS: f64 = 37.3;

/// 体温计读数按 0.1 ℃ 比较，免得 37.29999 这样的浮点误差漏报。
pub fn is_fever(celsius: f64) -> bool {
    (celsius * 10.0).round() >= FEVER_CELSIUS * 10.0 - 1e-9
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeColour {
    Green,
    Yellow,
    Red,
}

impl CodeColour {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeColour::Green => "green",
            CodeColour::Yellow => "yellow",
            CodeColour::Red => "red",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CodeColour::Green => "绿码",
            CodeColour::Yellow => "黄码",
            CodeColour::Red => "红码",
        }
    }
}

impl FromStr for CodeColour {
    type Err = ScanError;
    fn from_str(s: &str) -> Result<Self, ScanError> {
        match normalize_typed(s).to_ascii_lowercase().as_str() {
            "green" | "绿" | "绿码" => Ok(CodeColour::Green),
            "yellow" | "黄" | "黄码" => Ok(CodeColour::Yellow),
            "red" | "红" | "红码" => Ok(CodeColour::Red),
            _ => Err(ScanError::CodeColour(s.to_string())),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Direction::In => "进",
            Direction::Out => "出",
        }
    }
}

impl FromStr for Direction {
    type Err = ScanError;
    fn from_str(s: &str) -> Result<Self, ScanError> {
        match normalize_typed(s).to_ascii_lowercase().as_str() {
            "in" | "进" | "入" => Ok(Direction::In),
            "out" | "出" => Ok(Direction::Out),
            _ => Err(ScanError::Direction(s.to_string())),
        }
    }
}

/// 卡口类型。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointKind {
    Highway,
    Estate,
    Factory,
    Supermarket,
    Station,
    Other,
}

impl CheckpointKind {
    pub const ALL: [CheckpointKind; 6] = [
        CheckpointKind::Highway,
        CheckpointKind::Estate,
        CheckpointKind::Factory,
        CheckpointKind::Supermarket,
        CheckpointKind::Station,
        CheckpointKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointKind::Highway => "highway",
            CheckpointKind::Estate => "estate",
            CheckpointKind::Factory => "factory",
            CheckpointKind::Supermarket => "supermarket",
            CheckpointKind::Station => "station",
            CheckpointKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CheckpointKind::Highway => "高速卡口",
            CheckpointKind::Estate => "小区卡口",
            CheckpointKind::Factory => "企业卡口",
            CheckpointKind::Supermarket => "商超卡口",
            CheckpointKind::Station => "车站卡口",
            CheckpointKind::Other => "其他",
        }
    }
}

impl fmt::Display for CheckpointKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CheckpointKind {
    type Err = ScanError;
    fn from_str(s: &str) -> Result<Self, ScanError> {
        CheckpointKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim() || k.label_zh() == s.trim())
            .ok_or_else(|| ScanError::Kind(s.to_string()))
    }
}

impl TryFrom<String> for CheckpointKind {
    type Error = ScanError;
    fn try_from(s: String) -> Result<Self, ScanError> {
        s.parse()
    }
}

/// 预警原因。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertReason {
    Fever,
    RedCode,
    YellowCode,
    PushList,
}

impl AlertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertReason::Fever => "fever",
            AlertReason::RedCode => "red_code",
            AlertReason::YellowCode => "yellow_code",
            AlertReason::PushList => "push_list",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AlertReason::Fever => "体温异常",
            AlertReason::RedCode => "红码",
            AlertReason::YellowCode => "黄码",
            AlertReason::PushList => "推送核查名单人员",
        }
    }

    pub fn parse(s: &str) -> Option<AlertReason> {
        [
            AlertReason::Fever,
            AlertReason::RedCode,
            AlertReason::YellowCode,
            AlertReason::PushList,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// 一次扫码应触发的预警（可能有多个原因，也可能没有）。
pub fn alert_reasons(
    temperature: Option<f64>,
    code: Option<CodeColour>,
    on_push_list: bool,
) -> Vec<AlertReason> {
    let mut out = Vec::new();
    if temperature.is_some_and(is_fever) {
        out.push(AlertReason::Fever);
    }
    match code {
        Some(CodeColour::Red) => out.push(AlertReason::RedCode),
        Some(CodeColour::Yellow) => out.push(AlertReason::YellowCode),
        _ => {}
    }
    if on_push_list {
        out.push(AlertReason::PushList);
    }
    out
}

/// 处置结果: what was done about an alert, from a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOutcome {
    /// 已联系: the person (or their grid) was reached.
    Contacted,
    /// 已转运: taken to a fever clinic or a site.
    Transferred,
    /// 已隔离: put under quarantine.
    Isolated,
    /// 误报: a false alarm (a misread thermometer, a stale code).
    FalseAlarm,
    /// 其他: anything else, said in the note.
    Other,
}

impl AlertOutcome {
    pub const ALL: [AlertOutcome; 5] = [
        AlertOutcome::Contacted,
        AlertOutcome::Transferred,
        AlertOutcome::Isolated,
        AlertOutcome::FalseAlarm,
        AlertOutcome::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertOutcome::Contacted => "contacted",
            AlertOutcome::Transferred => "transferred",
            AlertOutcome::Isolated => "isolated",
            AlertOutcome::FalseAlarm => "false_alarm",
            AlertOutcome::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AlertOutcome::Contacted => "已联系",
            AlertOutcome::Transferred => "已转运",
            AlertOutcome::Isolated => "已隔离",
            AlertOutcome::FalseAlarm => "误报",
            AlertOutcome::Other => "其他",
        }
    }

    /// By its key (`contacted`) or its Chinese name (已联系).
    pub fn parse(s: &str) -> Option<AlertOutcome> {
        let s = normalize_typed(s);
        AlertOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s || o.label_zh() == s)
    }
}

/// How long a handling note may be (a multi-line note, like the other notes).
pub const HANDLING_NOTE_MAX: usize = crate::validate::text::NOTE_MAX;

/// 处置: an outcome and an optional note, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handling {
    pub outcome: AlertOutcome,
    /// `None` when empty.
    pub note: Option<String>,
}

impl Handling {
    /// Checks a handling as typed; every bad field at once, as (field, message) in the order
    /// of the form: an outcome from the list, a bounded note, and a note for 其他.
    pub fn check(outcome: &str, note: &str) -> Result<Handling, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let typed = normalize_typed(outcome);
        let outcome = match AlertOutcome::parse(&typed) {
            Some(o) => Some(o),
            None if typed.is_empty() => {
                problems.push(("outcome", "请选择处置结果".to_string()));
                None
            }
            None => {
                let names: Vec<&str> = AlertOutcome::ALL.iter().map(|o| o.label_zh()).collect();
                // a long value is not echoed back
                let shown = if typed.chars().count() <= 20 {
                    format!("“{typed}”")
                } else {
                    String::new()
                };
                problems.push((
                    "outcome",
                    format!("处置结果{shown}无效，应为{}之一", names.join("、")),
                ));
                None
            }
        };
        let note =
            match crate::validate::text::multiline("note", "处置说明", note, HANDLING_NOTE_MAX)
            {
                Ok(n) => Some(n),
                Err(e) => {
                    problems.push(("note", e.to_string()));
                    None
                }
            };
        if outcome == Some(AlertOutcome::Other) && note.as_deref() == Some("") {
            problems.push(("note", "处置结果为“其他”时须填写处置说明".to_string()));
        }
        match (outcome, note) {
            (Some(outcome), Some(note)) if problems.is_empty() => Ok(Handling {
                outcome,
                note: Some(note).filter(|n| !n.is_empty()),
            }),
            _ => Err(problems),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("身份证号和车牌号至少填一个")]
    NoSubject,
    #[error("{0}")]
    IdNumber(String),
    #[error("车牌号“{0}”无效，应如 豫A12345 或 豫AD12345")]
    Plate(String),
    #[error("体温{0}℃不合理（应在34.0到43.0之间）")]
    Temperature(String),
    #[error("健康码颜色“{0}”无效，应为 green/yellow/red")]
    CodeColour(String),
    #[error("方向“{0}”无效，应为 in/out")]
    Direction(String),
    #[error("卡口类型“{0}”无效")]
    Kind(String),
    #[error("扫码时间晚于服务器时间超过5分钟")]
    TimeInFuture,
    #[error("扫码时间早于7天前，请勿补传过期数据")]
    TimeTooOld,
}

impl ScanError {
    /// 出错的字段名，供 JSON 错误和报告使用。
    pub fn field(&self) -> &'static str {
        match self {
            ScanError::NoSubject | ScanError::IdNumber(_) => "id_number",
            ScanError::Plate(_) => "plate",
            ScanError::Temperature(_) => "temperature",
            ScanError::CodeColour(_) => "code_colour",
            ScanError::Direction(_) => "direction",
            ScanError::Kind(_) => "kind",
            ScanError::TimeInFuture | ScanError::TimeTooOld => "scanned_at",
        }
    }
}

/// 卡口设备上传的一次扫码（未校验）。
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub plate: Option<String>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub code_colour: Option<String>,
    #[serde(default)]
    pub scanned_at: Option<DateTime<Utc>>,
}

/// 校验过的一次扫码。
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub id_number: Option<IdNumber>,
    pub plate: Option<String>,
    pub temperature: Option<f64>,
    pub direction: Direction,
    pub code_colour: Option<CodeColour>,
    pub scanned_at: DateTime<Utc>,
}

const MAX_FUTURE: Duration = Duration::minutes(5);
const MAX_AGE: Duration = Duration::days(7);

impl ScanInput {
    /// 校验；`now` 是服务器收到的时间，缺省的扫码时间取它。
    pub fn check(&self, now: DateTime<Utc>) -> Result<Scan, ScanError> {
        let present =
            |s: &Option<String>| s.as_deref().map(normalize_typed).filter(|s| !s.is_empty());
        let id_number = match present(&self.id_number) {
            Some(s) => Some(
                IdNumber::parse(&s, now.date_naive())
                    .map_err(|e| ScanError::IdNumber(e.to_string()))?,
            ),
            None => None,
        };
        let plate = match present(&self.plate) {
            Some(p) => Some(normalize_plate(&p).ok_or(ScanError::Plate(p))?),
            None => None,
        };
        if id_number.is_none() && plate.is_none() {
            return Err(ScanError::NoSubject);
        }
        if let Some(t) = self.temperature {
            if !(34.0..=43.0).contains(&t) {
                return Err(ScanError::Temperature(format!("{t}")));
            }
        }
        let code_colour = present(&self.code_colour).map(|c| c.parse()).transpose()?;
        let direction = present(&self.direction)
            .map(|d| d.parse())
            .transpose()?
            .unwrap_or(Direction::In);
        let scanned_at = self.scanned_at.unwrap_or(now);
        if scanned_at > now + MAX_FUTURE {
            return Err(ScanError::TimeInFuture);
        }
        if scanned_at < now - MAX_AGE {
            return Err(ScanError::TimeTooOld);
        }
        Ok(Scan {
            id_number,
            plate,
            temperature: self.temperature,
            direction,
            code_colour,
            scanned_at,
        })
    }
}

/// 省级简称，车牌第一个字。
const PLATE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// 规整车牌：去空格、点和连字符，字母转大写。普通车牌 7 位，新能源 8 位。
pub fn normalize_plate(input: &str) -> Option<String> {
    let s: String = normalize_typed(input)
        .chars()
        .filter(|c| !matches!(c, ' ' | '·' | '•' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut chars = s.chars();
    let province = chars.next()?;
    if !PLATE_PROVINCES.contains(province) {
        return None;
    }
    let city = chars.next()?;
    if !city.is_ascii_uppercase() {
        return None;
    }
    let rest: Vec<char> = chars.collect();
    let ok_len = rest.len() == 5 || rest.len() == 6;
    let ok_chars = rest.iter().enumerate().all(|(i, c)| {
        c.is_ascii_digit()
            || (c.is_ascii_uppercase() && *c != 'I' && *c != 'O')
            // 挂、学、警、领 等尾字
            || (i == rest.len() - 1 && "挂学警港澳领使".contains(*c))
    });
    (ok_len && ok_chars).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::make_valid;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        "2021-12-28T06:00:00Z".parse().unwrap()
    }

    #[test]
    fn fever_threshold_is_inclusive() {
        assert!(!is_fever(37.2));
        assert!(is_fever(37.3));
        assert!(is_fever(37.29999999));
        assert!(is_fever(38.5));
        assert!(!is_fever(36.5));
    }

    #[test]
    fn alert_rules() {
        assert!(alert_reasons(Some(36.5), Some(CodeColour::Green), false).is_empty());
        assert_eq!(
            alert_reasons(Some(37.3), Some(CodeColour::Red), true),
            vec![
                AlertReason::Fever,
                AlertReason::RedCode,
                AlertReason::PushList
            ]
        );
        assert_eq!(
            alert_reasons(None, Some(CodeColour::Yellow), false),
            vec![AlertReason::YellowCode]
        );
    }

    #[test]
    fn handling_checks() {
        let ok = Handling::check("已转运", "  送发热门诊\n ").unwrap();
        assert_eq!(ok.outcome, AlertOutcome::Transferred);
        assert_eq!(ok.note.as_deref(), Some("送发热门诊"));
        assert_eq!(
            Handling::check("false_alarm", "").unwrap(),
            Handling {
                outcome: AlertOutcome::FalseAlarm,
                note: None
            }
        );
        let fields = |o: &str, n: &str| -> Vec<&'static str> {
            Handling::check(o, n)
                .unwrap_err()
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(fields("", ""), ["outcome"]);
        assert_eq!(fields("done", ""), ["outcome"]);
        assert_eq!(fields("other", " "), ["note"]);
        assert_eq!(
            fields("其他", &"长".repeat(HANDLING_NOTE_MAX + 1)),
            ["note"]
        );
        assert_eq!(
            fields("x", &"长".repeat(HANDLING_NOTE_MAX + 1)),
            ["outcome", "note"]
        );
        let (_, message) = Handling::check("done", "").unwrap_err().remove(0);
        assert!(
            message.contains("处置结果") && message.contains("已联系"),
            "{message}"
        );
        for o in AlertOutcome::ALL {
            assert_eq!(AlertOutcome::parse(o.as_str()), Some(o));
            assert_eq!(AlertOutcome::parse(o.label_zh()), Some(o));
        }
    }

    #[test]
    fn scan_checks() {
        let id = make_valid("41010519900307051");
        let ok = ScanInput {
            id_number: Some(id.to_lowercase()),
            temperature: Some(36.6),
            code_colour: Some("绿码".into()),
            ..Default::default()
        }
        .check(now())
        .unwrap();
        assert_eq!(ok.direction, Direction::In);
        assert_eq!(ok.scanned_at, now());
        assert_eq!(ok.code_colour, Some(CodeColour::Green));
        let err = |s: ScanInput| s.check(now()).unwrap_err();
        assert_eq!(err(ScanInput::default()), ScanError::NoSubject);
        assert_eq!(
            err(ScanInput {
                plate: Some("XX123".into()),
                ..Default::default()
            })
            .field(),
            "plate"
        );
        assert_eq!(
            err(ScanInput {
                id_number: Some(id.clone()),
                temperature: Some(3.0),
                ..Default::default()
            })
            .field(),
            "temperature"
        );
        assert_eq!(
            err(ScanInput {
                id_number: Some(id.clone()),
                code_colour: Some("purple".into()),
                ..Default::default()
            })
            .field(),
            "code_colour"
        );
        assert_eq!(
            err(ScanInput {
                id_number: Some(id.clone()),
                scanned_at: Some(now() + Duration::hours(1)),
                ..Default::default()
            }),
            ScanError::TimeInFuture
        );
        assert_eq!(
            err(ScanInput {
                id_number: Some("110105194912310021".into()),
                ..Default::default()
            })
            .field(),
            "id_number"
        );
    }

    #[test]
    fn plates() {
        assert_eq!(normalize_plate("豫a·12345").as_deref(), Some("豫A12345"));
        assert_eq!(normalize_plate("豫A D12345").as_deref(), Some("豫AD12345"));
        assert_eq!(normalize_plate("豫A1234学").as_deref(), Some("豫A1234学"));
        assert_eq!(normalize_plate("AB12345"), None);
        assert_eq!(normalize_plate("豫A123"), None);
    }

    proptest! {
        #[test]
        fn fever_matches_the_rounded_reading(tenths in 340u32..430) {
            let t = f64::from(tenths) / 10.0;
            prop_assert_eq!(is_fever(t), tenths >= 373);
        }
    }
}
