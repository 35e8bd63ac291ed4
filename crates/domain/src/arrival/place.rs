//! 来源地和旅居史的写法。境内地点写作“六位区划代码 [街道/乡镇名称]”，例如“610113 电子城街道”
//! 或“110105”：区划代码决定城市（前 4 位）和省份（前 2 位），街道名用于对照风险地区名单。
//! 也可以写区县的名称（“雁塔区 电子城街道”“西安市雁塔区”），只要它在区划数据里只对应一个
//! 区县（见 [`crate::region::resolve_county`]）；存下来的仍是代码。给人看时写全称
//! （[`Place::display_name`]：“陕西省西安市雁塔区 电子城街道”）。

use crate::region::{self, Resolved};
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

/// 代码或名称与街道之间的分隔符（空白之外）。
const SEPARATORS: &str = "/-·|,，";

/// 按名称录入时参与解析的最多字符数（名称加街道；存储层另限 100 字）。
const NAMED_MAX_CHARS: usize = 128;

impl Place {
    /// 解析“610113 电子城街道”“610113/电子城街道”“610113”，或以区县名称开头的
    /// “雁塔区 电子城街道”“陕西省西安市雁塔区”（名称须只对应一个区县）。
    pub fn parse(input: &str) -> Result<Place, PlaceError> {
        let s = normalize_typed(input);
        if s.is_empty() {
            return Err(PlaceError::Empty);
        }
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            Self::parse_code(&s)
        } else {
            Self::parse_name(s)
        }
    }

    /// 只接受以六位区划代码开头的写法（“610113 电子城街道”）。
    pub fn parse_code(input: &str) -> Result<Place, PlaceError> {
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
        Self::with_street(digits, &s[6..])
    }

    fn with_street(code: String, rest: &str) -> Result<Place, PlaceError> {
        let rest = rest
            .trim_start_matches(|c: char| c.is_whitespace() || SEPARATORS.contains(c))
            .trim();
        if rest.chars().count() > 64 {
            return Err(PlaceError::StreetTooLong);
        }
        Ok(Place {
            code,
            street: (!rest.is_empty()).then(|| rest.to_string()),
        })
    }

    /// A county written by name, alone or followed by a street: the whole text, the text before
    /// the first separator, or the text up to a 区/县/市/旗 (“雁塔区电子城街道”), longest first.
    fn parse_name(s: String) -> Result<Place, PlaceError> {
        if s.chars().count() > NAMED_MAX_CHARS {
            return Err(PlaceError::CodeFormat(s));
        }
        let mut splits: Vec<usize> = vec![s.len()];
        if let Some(i) = s.find(|c: char| c.is_whitespace() || SEPARATORS.contains(c)) {
            splits.push(i);
        }
        let mut glued: Vec<usize> = s
            .char_indices()
            .filter(|(_, c)| "区县市旗".contains(*c))
            .map(|(i, c)| i + c.len_utf8())
            .collect();
        glued.reverse();
        splits.extend(glued);
        let mut ambiguous = None;
        for at in splits {
            let (head, rest) = s.split_at(at);
            match region::resolve_county(head) {
                Resolved::One(r) => return Self::with_street(r.code().to_string(), rest),
                Resolved::Many(found) if ambiguous.is_none() => {
                    let names: Vec<&str> = found.iter().map(|r| r.full_name()).collect();
                    ambiguous = Some(PlaceError::Ambiguous {
                        name: head.trim().to_string(),
                        candidates: names.join("、"),
                    });
                }
                _ => {}
            }
        }
        Err(ambiguous.unwrap_or(PlaceError::CodeFormat(s)))
    }

    /// 区县（或市）的全称，区划数据里没有这个代码时为 `None`。
    pub fn region_name(&self) -> Option<&'static str> {
        region::full_name(&self.code)
    }

    /// 给人看的写法：“陕西省西安市雁塔区 电子城街道”；代码不在区划数据里时照写代码。
    pub fn display_name(&self) -> String {
        let name = self.region_name().unwrap_or(&self.code);
        match &self.street {
            Some(s) => format!("{name} {s}"),
            None => name.to_string(),
        }
    }

    /// 一段来源地文字给人看的写法：以区划代码开头且代码已知时为全称（推送名单里的“610113”
    /// → “陕西省西安市雁塔区”），否则为 `None`（照原样显示）。
    pub fn display_text(text: &str) -> Option<String> {
        let place = Place::parse_code(text).ok()?;
        place.region_name()?;
        Some(place.display_name())
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
    #[error("地点“{0}”无法对应到区县：请从列表中选择，或填写六位区划代码（GB/T 2260），如“610113 电子城街道”")]
    CodeFormat(String),
    #[error("“{name}”对应多个区县（{candidates}），请从列表中选择，或填写六位区划代码")]
    Ambiguous { name: String, candidates: String },
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

impl Origin {
    /// 给人看的写法：境内为区划全称加街道（[`Place::display_name`]），境外同 `Display`。
    pub fn display_name(&self) -> String {
        match self {
            Origin::Domestic { place } => place.display_name(),
            overseas => overseas.to_string(),
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

    #[test]
    fn a_county_may_be_written_by_name() {
        let p = |s: &str| Place::parse(s).unwrap();
        let yanta = |street: Option<&str>| Place {
            code: "610113".into(),
            street: street.map(str::to_string),
        };
        assert_eq!(p("雁塔区"), yanta(None));
        assert_eq!(p("陕西省西安市雁塔区"), yanta(None));
        assert_eq!(p("西安市雁塔区 电子城街道"), yanta(Some("电子城街道")));
        assert_eq!(p("雁塔区电子城街道"), yanta(Some("电子城街道")));
        assert_eq!(p("西安雁塔/电子城街道"), yanta(Some("电子城街道")));
        assert_eq!(p("北京市朝阳区 三里屯街道").code, "110105");
        match Place::parse("朝阳区") {
            Err(e @ PlaceError::Ambiguous { .. }) => {
                let m = e.to_string();
                assert!(
                    m.contains("北京市朝阳区") && m.contains("请从列表中选择"),
                    "{m}"
                );
            }
            other => panic!("{other:?}"),
        }
        let e = Place::parse("西安").unwrap_err();
        assert!(e.to_string().contains("请从列表中选择"), "{e}");
        assert!(
            Place::parse_code("雁塔区").is_err(),
            "parse_code takes codes only"
        );
        assert!(Place::parse(&"区".repeat(500)).is_err());
    }

    #[test]
    fn places_are_shown_by_name() {
        let p = Place::parse("610113 电子城街道").unwrap();
        assert_eq!(p.display_name(), "陕西省西安市雁塔区 电子城街道");
        assert_eq!(
            Place::parse("110105").unwrap().display_name(),
            "北京市朝阳区"
        );
        // a code the data does not know is shown as it is
        assert_eq!(
            Place::parse("610199 某街道").unwrap().display_name(),
            "610199 某街道"
        );
        let o = Origin::Domestic { place: p };
        assert_eq!(o.display_name(), "陕西省西安市雁塔区 电子城街道");
        let o = Origin::Overseas {
            from: "日本".into(),
            port_quarantined_days: 14,
        };
        assert_eq!(o.display_name(), o.to_string());
        assert_eq!(
            Place::display_text("410102").as_deref(),
            Some("河南省郑州市中原区")
        );
        assert_eq!(Place::display_text("上海市"), None);
        assert_eq!(Place::display_text("610199"), None);
    }
}
