//! Risk-area register (风险地区名单): which areas carry which level during which period.
//!
//! An area is a county-level division (GB/T 2260 six-digit code) or, with `street` set, one
//! street/township in it — streets have no national code, so they are named. A city is the first
//! four digits of the code. Lookups take the highest level in force, which is the conservative
//! reading when a query is coarser than the areas (a district containing one high-risk street
//! answers "high").

use super::model::RiskLevel;
use crate::arrival::{Place, PlaceError};
use crate::validate::normalize_typed;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskArea {
    /// GB/T 2260 六位区划代码
    pub code: String,
    /// 街道/乡镇名称；为空表示整个区县
    #[serde(default)]
    pub street: Option<String>,
    /// 地区名称，如“朝阳区”或“朝阳区三里屯街道”
    pub name: String,
    pub level: RiskLevel,
    pub valid_from: NaiveDate,
    /// 含当天；为空表示至今有效
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl RiskArea {
    pub fn is_in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|u| date <= u)
    }

    /// 所在城市：代码前 4 位。
    pub fn city(&self) -> &str {
        self.code.get(..4).unwrap_or(&self.code)
    }

    /// 区划按名称录入时换成代码：`code` 可以像来源地一样写区县名称（“雁塔区”“西安市雁塔区”，
    /// 见 [`Place::parse`]），也可以连着街道写（“雁塔区 电子城街道”），街道栏为空时街道取自这里。
    /// 以数字开头的照原样留给 [`area_problems`] 校验。名称对应不到唯一区县时为 `code` 的错误。
    pub fn with_code_resolved(&self) -> Result<RiskArea, RiskAreaError> {
        let typed = normalize_typed(&self.code);
        if typed.is_empty() || typed.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(self.clone());
        }
        let place = Place::parse(&typed).map_err(|e| match e {
            PlaceError::Ambiguous { name, candidates } => {
                RiskAreaError::AmbiguousName { name, candidates }
            }
            _ => RiskAreaError::UnknownName(typed.clone()),
        })?;
        let mut area = self.clone();
        area.code = place.code;
        let typed_street = self.street.as_deref().map(str::trim).unwrap_or("");
        match place.street {
            Some(s) if typed_street.is_empty() => area.street = Some(s),
            Some(s) if s != typed_street => {
                return Err(RiskAreaError::TwoStreets {
                    in_code: s,
                    street: typed_street.to_string(),
                })
            }
            _ => {}
        }
        Ok(area)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskAreaError {
    #[error("区划代码“{0}”应为 6 位数字（GB/T 2260）")]
    CodeFormat(String),
    #[error("区划代码“{0}”的省级前两位不存在")]
    UnknownProvince(String),
    #[error("区划代码“{0}”是省级代码，风险地区应细化到市、区县或街道")]
    ProvinceLevel(String),
    #[error("区划“{0}”无法对应到区县：请从列表中选择，或填写六位区划代码（GB/T 2260）")]
    UnknownName(String),
    #[error("区划“{name}”对应多个区县（{candidates}），请从列表中选择，或填写六位区划代码")]
    AmbiguousName { name: String, candidates: String },
    #[error("区划里写的街道“{in_code}”与街道/乡镇栏的“{street}”不同，请只填写一处")]
    TwoStreets { in_code: String, street: String },
    #[error("地区名称不能为空")]
    EmptyName,
    #[error("地区名称过长（最多 64 字）")]
    NameTooLong,
    #[error("街道/乡镇名称过长（最多 64 字）")]
    StreetTooLong,
    #[error("街道/乡镇名称若填写则不能为空白")]
    EmptyStreet,
    #[error("风险等级应为 low/medium/high（低/中/高），不能为 none")]
    NoLevel,
    #[error("有效期截止日 {until} 早于起始日 {from}")]
    Dates { from: NaiveDate, until: NaiveDate },
}

impl RiskAreaError {
    /// 出错的字段名，供导入报告指明“第几行哪个字段”。
    pub fn field(&self) -> &'static str {
        match self {
            RiskAreaError::CodeFormat(_)
            | RiskAreaError::UnknownProvince(_)
            | RiskAreaError::ProvinceLevel(_)
            | RiskAreaError::UnknownName(_)
            | RiskAreaError::AmbiguousName { .. }
            | RiskAreaError::TwoStreets { .. } => "code",
            RiskAreaError::EmptyName | RiskAreaError::NameTooLong => "name",
            RiskAreaError::StreetTooLong | RiskAreaError::EmptyStreet => "street",
            RiskAreaError::NoLevel => "level",
            RiskAreaError::Dates { .. } => "valid_until",
        }
    }
}

/// GB/T 2260 province prefixes (incl. 71 台湾, 81 香港, 82 澳门).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// 校验一条风险地区记录：第一处错误。
pub fn validate_area(area: &RiskArea) -> Result<(), RiskAreaError> {
    match area_problems(area).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// 一条风险地区记录的全部错误，每个字段至多一条（表单把每条显示在其字段旁）。
pub fn area_problems(area: &RiskArea) -> Vec<RiskAreaError> {
    let mut problems = Vec::new();
    let code = area.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(RiskAreaError::CodeFormat(area.code.clone()));
    } else if !PROVINCES.contains(&&code[..2]) {
        problems.push(RiskAreaError::UnknownProvince(code.to_string()));
    } else if &code[2..] == "0000" {
        problems.push(RiskAreaError::ProvinceLevel(code.to_string()));
    }
    let name = area.name.trim();
    if name.is_empty() {
        problems.push(RiskAreaError::EmptyName);
    } else if name.chars().count() > 64 {
        problems.push(RiskAreaError::NameTooLong);
    }
    if let Some(street) = &area.street {
        if street.trim().is_empty() {
            problems.push(RiskAreaError::EmptyStreet);
        } else if street.trim().chars().count() > 64 {
            problems.push(RiskAreaError::StreetTooLong);
        }
    }
    if area.level == RiskLevel::None {
        problems.push(RiskAreaError::NoLevel);
    }
    if let Some(until) = area.valid_until {
        if until < area.valid_from {
            problems.push(RiskAreaError::Dates {
                from: area.valid_from,
                until,
            });
        }
    }
    problems
}

/// 风险地区名单，按区划代码排序以便按城市前缀查找。
#[derive(Debug, Clone, Default)]
pub struct RiskRegister {
    areas: Vec<RiskArea>,
}

impl RiskRegister {
    /// 不做校验；导入时先对每条记录调用 `validate_area`。
    pub fn new(mut areas: Vec<RiskArea>) -> Self {
        for a in &mut areas {
            a.code = a.code.trim().to_string();
            a.street = a.street.take().map(|s| s.trim().to_string());
        }
        areas.sort_by(|a, b| a.code.cmp(&b.code));
        RiskRegister { areas }
    }

    pub fn areas(&self) -> &[RiskArea] {
        &self.areas
    }

    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a RiskArea> + 'a {
        let start = self.areas.partition_point(|a| a.code.as_str() < prefix);
        self.areas[start..]
            .iter()
            .take_while(move |a| a.code.starts_with(prefix))
    }

    /// 某地在某日的风险等级（取有效记录中的最高等级；不在名单中为 `None`）。
    ///
    /// `query` 可为六位代码（“110105”，含其下所有街道）、代码加街道名
    /// （“110105 三里屯街道”，含整个区县的记录）或地区/街道名称（“三里屯街道”）。
    pub fn level_on(&self, query: &str, date: NaiveDate) -> RiskLevel {
        let q = query.trim();
        let level = |it: &mut dyn Iterator<Item = &RiskArea>| {
            it.filter(|a| a.is_in_force_on(date))
                .map(|a| a.level)
                .max()
                .unwrap_or(RiskLevel::None)
        };
        match split_code(q) {
            Some((code, "")) => level(&mut self.with_prefix(code).filter(|a| a.code == code)),
            Some((code, street)) => level(
                &mut self
                    .with_prefix(code)
                    .filter(|a| a.code == code)
                    .filter(|a| a.street.as_deref().is_none_or(|s| s == street)),
            ),
            None => level(
                &mut self
                    .areas
                    .iter()
                    .filter(|a| a.name.trim() == q || a.street.as_deref() == Some(q)),
            ),
        }
    }

    /// 该城市（代码前 4 位；给出更长的代码时取前 4 位）在该日是否有中高风险地区。
    pub fn city_has_risk_area(&self, city: &str, date: NaiveDate) -> bool {
        let city = city.trim();
        let Some(prefix) = city
            .get(..4)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        self.with_prefix(prefix)
            .any(|a| a.level.is_medium_or_high() && a.is_in_force_on(date))
    }

    /// 抵达前 `window_days` 天内（含抵达当天）是否到过有中高风险地区的城市。
    /// 按抵达日有效的名单判断（与来源地风险等级一致），`visits` 为（区划代码, 日期）。
    pub fn stayed_in_risk_city<'a>(
        &self,
        visits: impl IntoIterator<Item = (&'a str, NaiveDate)>,
        arrival: NaiveDate,
        window_days: u16,
    ) -> bool {
        let since = arrival - chrono::Days::new(u64::from(window_days));
        visits.into_iter().any(|(code, day)| {
            since <= day && day <= arrival && self.city_has_risk_area(code, arrival)
        })
    }
}

/// "110105 三里屯街道" → ("110105", "三里屯街道"); not starting with six digits → None.
fn split_code(q: &str) -> Option<(&str, &str)> {
    let code = q
        .get(..6)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))?;
    let rest = q[6..].trim_start_matches(|c: char| c.is_whitespace() || "/-·|,，".contains(c));
    Some((code, rest.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn area(
        code: &str,
        street: Option<&str>,
        level: RiskLevel,
        from: &str,
        until: Option<&str>,
    ) -> RiskArea {
        RiskArea {
            code: code.into(),
            street: street.map(Into::into),
            name: street.unwrap_or("某区").into(),
            level,
            valid_from: d(from),
            valid_until: until.map(d),
        }
    }

    #[test]
    fn a_county_may_be_named_and_is_stored_by_code() {
        let mut a = area("雁塔区", None, RiskLevel::High, "2022-01-01", None);
        let r = a.with_code_resolved().unwrap();
        assert_eq!((r.code.as_str(), r.street.as_deref()), ("610113", None));
        assert!(area_problems(&r).is_empty());
        a.code = "西安市雁塔区 电子城街道".into();
        let r = a.with_code_resolved().unwrap();
        assert_eq!(
            (r.code.as_str(), r.street.as_deref()),
            ("610113", Some("电子城街道"))
        );
        a.street = Some("电子城街道".into());
        assert_eq!(a.with_code_resolved().unwrap().code, "610113");
        a.street = Some("小寨路街道".into());
        let e = a.with_code_resolved().unwrap_err();
        assert!(matches!(e, RiskAreaError::TwoStreets { .. }), "{e}");
        assert_eq!(e.field(), "code");
        a.street = None;
        a.code = "朝阳区".into();
        let e = a.with_code_resolved().unwrap_err();
        assert_eq!(e.field(), "code");
        assert!(e.to_string().contains("北京市朝阳区"), "{e}");
        a.code = "不存在的地方".into();
        let e = a.with_code_resolved().unwrap_err();
        assert!(matches!(e, RiskAreaError::UnknownName(_)), "{e}");
        assert!(e.to_string().contains("请从列表中选择"));
        // codes are left to the validation, which names what is wrong with them
        a.code = "61011".into();
        assert_eq!(a.with_code_resolved().unwrap().code, "61011");
        a.code = "６１０１１３".into();
        assert_eq!(a.with_code_resolved().unwrap(), a);
    }

    #[test]
    fn every_bad_field_is_reported_once() {
        let mut a = area(
            "61011",
            Some(" "),
            RiskLevel::None,
            "2022-01-10",
            Some("2022-01-01"),
        );
        a.name = String::new();
        let fields: Vec<&str> = area_problems(&a).iter().map(RiskAreaError::field).collect();
        assert_eq!(fields, ["code", "name", "street", "level", "valid_until"]);
        assert_eq!(validate_area(&a).unwrap_err().field(), "code");
        let ok = area("610113", None, RiskLevel::High, "2022-01-01", None);
        assert!(area_problems(&ok).is_empty());
        assert!(validate_area(&ok).is_ok());
    }

    fn register() -> RiskRegister {
        RiskRegister::new(vec![
            area(
                "610113",
                Some("电子城街道"),
                RiskLevel::High,
                "2021-12-20",
                Some("2022-01-24"),
            ),
            area("610113", None, RiskLevel::Medium, "2021-12-22", None),
            area(
                "610112",
                Some("张家堡街道"),
                RiskLevel::Medium,
                "2021-12-25",
                Some("2021-12-31"),
            ),
            area(
                "110105",
                Some("三里屯街道"),
                RiskLevel::Low,
                "2021-12-01",
                None,
            ),
        ])
    }

    #[test]
    fn level_takes_highest_in_force() {
        let r = register();
        assert_eq!(r.level_on("610113", d("2021-12-21")), RiskLevel::High);
        assert_eq!(
            r.level_on("610113 电子城街道", d("2022-01-30")),
            RiskLevel::Medium
        );
        assert_eq!(
            r.level_on("610113/电子城街道", d("2021-12-19")),
            RiskLevel::None
        );
        assert_eq!(r.level_on("张家堡街道", d("2021-12-31")), RiskLevel::Medium);
        assert_eq!(r.level_on("张家堡街道", d("2022-01-01")), RiskLevel::None);
        assert_eq!(r.level_on("110105", d("2021-12-10")), RiskLevel::Low);
        assert_eq!(r.level_on("999999", d("2021-12-10")), RiskLevel::None);
    }

    #[test]
    fn city_is_first_four_digits_and_needs_medium_or_high() {
        let r = register();
        assert!(r.city_has_risk_area("6101", d("2021-12-28")));
        assert!(r.city_has_risk_area("610104", d("2021-12-28")));
        assert!(!r.city_has_risk_area("6101", d("2021-12-19")));
        assert!(
            !r.city_has_risk_area("1101", d("2021-12-28")),
            "low does not count"
        );
        assert!(!r.city_has_risk_area("61", d("2021-12-28")));
        let visits = [("110105", d("2021-12-20")), ("610112", d("2021-12-10"))];
        assert!(r.stayed_in_risk_city(visits, d("2021-12-24"), 14));
        assert!(
            !r.stayed_in_risk_city(visits, d("2021-12-25"), 14),
            "visit older than 14 days"
        );
        assert!(
            !r.stayed_in_risk_city(visits, d("2021-12-19"), 14),
            "no risk area yet on arrival"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let ok = area(
            "610113",
            Some("电子城街道"),
            RiskLevel::High,
            "2021-12-20",
            None,
        );
        assert_eq!(validate_area(&ok), Ok(()));
        let bad = |f: fn(&mut RiskArea)| {
            let mut a = ok.clone();
            f(&mut a);
            validate_area(&a).unwrap_err()
        };
        assert_eq!(bad(|a| a.code = "61011".into()).field(), "code");
        assert_eq!(bad(|a| a.code = "990101".into()).field(), "code");
        assert_eq!(bad(|a| a.code = "610000".into()).field(), "code");
        assert_eq!(bad(|a| a.name = " ".into()).field(), "name");
        assert_eq!(bad(|a| a.street = Some("".into())).field(), "street");
        assert_eq!(bad(|a| a.level = RiskLevel::None).field(), "level");
        let e = bad(|a| a.valid_until = Some(d("2021-12-01")));
        assert_eq!(e.field(), "valid_until");
        assert!(e.to_string().contains("早于"));
    }
}
