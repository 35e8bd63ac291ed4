//! 日期参数的唯一范围规则：1900-01-01 至 2100-12-31。查询参数、表单、JSON 和导入里的
//! 日期都经过这里，超出范围的在进入日期运算（前一天、次日零点、时区换算）之前就被拒绝，
//! 所以任何客户端送来的日期都不会让服务端 panic。
//!
//! ```
//! use wangge_domain::validate::date;
//! assert!(date::parse("date", "2021-12-28").is_ok());
//! assert!(date::parse("date", "-262143-01-01").is_err());
//! ```

use chrono::NaiveDate;

/// 最早接受的日期。
pub const MIN: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// 最晚接受的日期。
pub const MAX: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// 一个日期参数为何被拒绝；`field` 是参数名。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日期“{text}”应为 YYYY-MM-DD")]
    Malformed { field: String, text: String },
    #[error("日期 {date} 超出范围，应在 1900-01-01 至 2100-12-31 之间")]
    OutOfRange { field: String, date: NaiveDate },
}

impl DateError {
    pub fn field(&self) -> &str {
        match self {
            DateError::Malformed { field, .. } | DateError::OutOfRange { field, .. } => field,
        }
    }
}

/// `date` 在 [`MIN`]..=[`MAX`] 之内时原样返回。
pub fn in_range(field: &str, date: NaiveDate) -> Result<NaiveDate, DateError> {
    if (MIN..=MAX).contains(&date) {
        Ok(date)
    } else {
        Err(DateError::OutOfRange {
            field: field.to_string(),
            date,
        })
    }
}

/// 解析 `YYYY-MM-DD`（去掉首尾空白，全角数字转半角）并检查范围。
pub fn parse(field: &str, text: &str) -> Result<NaiveDate, DateError> {
    let t = super::normalize_typed(text);
    let malformed = || DateError::Malformed {
        field: field.to_string(),
        text: t.chars().take(40).collect(),
    };
    // chrono accepts signed and over-long years ("+262142-12-31"): only four digits are dates
    let b = t.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(malformed());
    }
    let d = NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| malformed())?;
    in_range(field, d)
}

/// 同 [`parse`]，空值得到 `None`。
pub fn parse_optional(field: &str, text: &str) -> Result<Option<NaiveDate>, DateError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse(field, text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("测试日期有效")
    }

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(parse("date", "1900-01-01"), Ok(d(1900, 1, 1)));
        assert_eq!(parse("date", " 2100-12-31 "), Ok(d(2100, 12, 31)));
        assert_eq!(
            parse("date", "1899-12-31"),
            Err(DateError::OutOfRange {
                field: "date".into(),
                date: d(1899, 12, 31)
            })
        );
        assert!(parse("date", "2101-01-01").is_err());
        assert!(in_range("d", NaiveDate::MIN).is_err());
        assert!(in_range("d", NaiveDate::MAX).is_err());
    }

    #[test]
    fn refuses_extreme_and_malformed_dates_naming_the_field() {
        for bad in [
            "-262143-01-01",
            "+262142-12-31",
            "262142-12-31",
            "2021-2-3",
            "2021-02-30",
            "",
            "２０２１-01-01x",
        ] {
            let e = parse("until", bad).unwrap_err();
            assert_eq!(e.field(), "until", "{bad}");
        }
        assert_eq!(
            parse("until", "+262142-12-31").unwrap_err().to_string(),
            "日期“+262142-12-31”应为 YYYY-MM-DD"
        );
        assert_eq!(
            parse("date", "3000-01-01").unwrap_err().to_string(),
            "日期 3000-01-01 超出范围，应在 1900-01-01 至 2100-12-31 之间"
        );
    }

    #[test]
    fn full_width_digits_are_dates_too() {
        assert_eq!(parse("date", "２０２１-１２-２８"), Ok(d(2021, 12, 28)));
    }

    #[test]
    fn optional_empty_is_none() {
        assert_eq!(parse_optional("date", "  "), Ok(None));
        assert_eq!(
            parse_optional("date", "2021-12-28"),
            Ok(Some(d(2021, 12, 28)))
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_the_range(s in any::<String>()) {
            if let Ok(v) = parse("date", &s) {
                prop_assert!((MIN..=MAX).contains(&v));
                // one day either side is still a date: the arithmetic callers do cannot overflow
                prop_assert!(v.pred_opt().is_some() && v.succ_opt().is_some());
            }
        }

        #[test]
        fn every_day_in_range_round_trips(days in 0i64..73_414) {
            let date = MIN + chrono::Duration::days(days);
            prop_assert_eq!(parse("date", &date.to_string()), Ok(date));
        }
    }
}
