//! 来源地和旅居史的写法。境内地点写作“六位区划代码 [街道/乡镇名称]”，例如“610113 电子城街道”
//! 或“110105”：区划代码决定城市（前 4 位）和省份（前 2 位），街道名用于对照风险地区名单。

use crate::validate::{normalize_typed, PROVINCE_CODES};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 境内一个地点：区县（GB/T 2260 六位代码），可细化到街道/乡镇。
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
}

impl Place {
    /// 解析“610113 电子城街道”“610113/电子城街道”或“610113”。
    pub fn parse(input: &str) -> Result<Place, PlaceError> {
        let s = normalize_typed(input);
        if s.is_empty() {
            return Err(PlaceError::Empty);
        }
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() != 6 {
            return Err(PlaceError::CodeFormat(s));
        }
        // 83 and 91 exist only in ID numbers (Taiwan residents' permits, foreigners), not places
        if !PROVINCE_CODES.contains(&&digits[..2]) || matches!(&digits[..2], "83" | "91") {
            return Err(PlaceError::UnknownProvince(digits));
        }
        if &digits[2..] == "0000" {
            return Err(PlaceError::ProvinceLevel(digits));
        }
        let rest = s[6..]
            .trim_start_matches(|c: char| c.is_whitespace() || "/-·|,，".contains(c))
            .trim();
        if rest.chars().count() > 64 {
            return Err(PlaceError::StreetTooLong);
        }
        Ok(Place {
            code: digits,
            street: (!rest.is_empty()).then(|| rest.to_string()),
        })
    }

    pub fn province(&self) -> &str {
        &self.code[..2]
    }

    /// 风险地区名单的查询写法（见 `RiskRegister::level_on`）。
    pub fn query(&self) -> String {
        match &self.street {
            Some(s) => format!("{} {s}", self.code),
            None => self.code.clone(),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.query())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error("地点不能为空")]
    Empty,
    #[error("地点“{0}”应以六位区划代码开头（GB/T 2260），如“610113 电子城街道”")]
    CodeFormat(String),
    #[error("区划代码“{0}”的省级前两位不存在")]
    UnknownProvince(String),
    #[error("区划代码“{0}”是省级代码，请填写到区县（六位代码后四位不能为 0000）")]
    ProvinceLevel(String),
    #[error("街道/乡镇名称过长（最多 64 字）")]
    StreetTooLong,
}

/// 来源地：境内某地，或境外入境（在入境口岸已集中隔离若干天）。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    Domestic {
        place: Place,
    },
    Overseas {
        from: String,
        port_quarantined_days: u16,
    },
}

impl Origin {
    pub fn place(&self) -> Option<&Place> {
        match self {
            Origin::Domestic { place } => Some(place),
            Origin::Overseas { .. } => None,
        }
    }

    pub fn port_quarantined_days(&self) -> Option<u16> {
        match self {
            Origin::Domestic { .. } => None,
            Origin::Overseas {
                port_quarantined_days,
                ..
            } => Some(*port_quarantined_days),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Domestic { place } => write!(f, "{place}"),
            Origin::Overseas {
                from,
                port_quarantined_days,
            } => write!(f, "境外（{from}），口岸已集中隔离{port_quarantined_days}天"),
        }
    }
}

/// 旅居史中的一条：某天到过某地。
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stay {
    pub date: NaiveDate,
    pub place: Place,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_places() {
        let p = Place::parse(" 610113 电子城街道 ").unwrap();
        assert_eq!(p.code, "610113");
        assert_eq!(p.street.as_deref(), Some("电子城街道"));
        assert_eq!(p.query(), "610113 电子城街道");
        assert_eq!(Place::parse("１１０１０５").unwrap().street, None);
        assert_eq!(Place::parse("610113/电子城街道").unwrap().province(), "61");
        assert!(matches!(
            Place::parse("西安市"),
            Err(PlaceError::CodeFormat(_))
        ));
        assert!(matches!(
            Place::parse("990101"),
            Err(PlaceError::UnknownProvince(_))
        ));
        assert!(matches!(
            Place::parse("610000"),
            Err(PlaceError::ProvinceLevel(_))
        ));
        assert!(matches!(Place::parse("  "), Err(PlaceError::Empty)));
    }
}
