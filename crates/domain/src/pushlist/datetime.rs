//! 抵达时间：办公室里各种写法的日期和时间，统一为不带时区的本地时间（北京时间）。
//!
//! 接受 `2021-12-28`、`2021/12/28`、`2021.12.28`、`2021年12月28日`、`20211228`，后面可跟
//! `14:30`、`14:30:05`（空格或 `T` 分隔，秒的小数部分舍去）。只有日期时取当天 0 点。

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use crate::validate::normalize_typed;

/// 早于此日期的抵达时间视为录入错误：推送核查始于 2020 年。
const EARLIEST_YEAR: i32 = 2020;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("抵达时间“{0}”无法识别，应写作 2021-12-28 或 2021-12-28 14:30")]
    Unrecognised(String),
    #[error("抵达时间“{0}”不是真实的日期")]
    NoSuchDate(String),
    #[error("抵达时间“{0}”不是有效的时刻")]
    NoSuchTime(String),
    #[error("抵达时间{}早于{EARLIEST_YEAR}年，疑似录入错误", .0.format("%Y-%m-%d"))]
    TooEarly(NaiveDate),
    #[error("抵达时间{}晚于今天（{}）", .date.format("%Y-%m-%d"), .today.format("%Y-%m-%d"))]
    InFuture { date: NaiveDate, today: NaiveDate },
}

/// 解析并检查抵达时间；空值为 `None`（该列可以不填）。`today` 由调用方给出，结果可重现。
pub fn parse_arrival(input: &str, today: NaiveDate) -> Result<Option<NaiveDateTime>, DateError> {
    let s = normalize_typed(input);
    if s.is_empty() {
        return Ok(None);
    }
    let at = parse_datetime(&s)?;
    check_range(at, today)?;
    Ok(Some(at))
}

/// 表格里真正的日期单元格也要过同样的范围检查。
pub fn check_range(at: NaiveDateTime, today: NaiveDate) -> Result<(), DateError> {
    let date = at.date();
    if date.year() < EARLIEST_YEAR {
        return Err(DateError::TooEarly(date));
    }
    if date > today {
        return Err(DateError::InFuture { date, today });
    }
    Ok(())
}

fn parse_datetime(s: &str) -> Result<NaiveDateTime, DateError> {
    let unrecognised = || DateError::Unrecognised(s.to_string());
    let (date_part, time_part) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let date = parse_date(date_part).ok_or_else(unrecognised)??;
    let time = match time_part.filter(|t| !t.is_empty()) {
        None => NaiveTime::MIN,
        Some(t) => parse_time(t).ok_or_else(unrecognised)??,
    };
    Ok(date.and_time(time))
}

/// `None`：不像日期；`Some(Err)`：像日期但不存在（如 2 月 30 日）。
fn parse_date(s: &str) -> Option<Result<NaiveDate, DateError>> {
    let cleaned: String = s
        .trim_end_matches('日')
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .collect();
    let (y, m, d) = if cleaned.len() == 8 && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        (&cleaned[..4], &cleaned[4..6], &cleaned[6..])
    } else {
        let mut parts = cleaned.split('-');
        let y = parts.next()?;
        let m = parts.next()?;
        let d = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let num = |p: &str, max_len: usize| {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    if y.len() != 4 {
        return None;
    }
    let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
    let year = i32::try_from(y).ok()?;
    Some(NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| DateError::NoSuchDate(s.to_string())))
}

fn parse_time(s: &str) -> Option<Result<NaiveTime, DateError>> {
    let s = s.split('.').next().unwrap_or(s);
    let mut parts = s.split(':');
    let num = |p: Option<&str>| {
        p.filter(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let h = num(parts.next())?;
    let m = num(parts.next())?;
    let sec = match parts.next() {
        None => 0,
        some => num(some)?,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(NaiveTime::from_hms_opt(h, m, sec).ok_or_else(|| DateError::NoSuchTime(s.to_string())))
}

/// Excel 的日期序列号（1900 日期系统，自 1899-12-30 起的天数，小数为一天中的时刻）。
/// 单元格是数字而非日期格式时用到。
pub fn from_excel_serial(serial: f64) -> Option<NaiveDateTime> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let millis = (serial * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::Duration::milliseconds(millis))
        .map(|t| t.with_nanosecond_zero())
}

trait TruncSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl TruncSeconds for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn office_spellings() {
        let cases = [
            ("2021-12-28", at(2021, 12, 28, 0, 0, 0)),
            ("2021/12/28 14:30", at(2021, 12, 28, 14, 30, 0)),
            ("2021.12.28 14:30:05", at(2021, 12, 28, 14, 30, 5)),
            ("2021年12月28日", at(2021, 12, 28, 0, 0, 0)),
            ("2021年1月5日 8:05", at(2021, 1, 5, 8, 5, 0)),
            ("20211228", at(2021, 12, 28, 0, 0, 0)),
            ("2021-12-28T14:30:05.123", at(2021, 12, 28, 14, 30, 5)),
            ("　２０２１－１２－２８　", at(2021, 12, 28, 0, 0, 0)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_arrival(s, today()), Ok(Some(want)), "{s}");
        }
        assert_eq!(parse_arrival("  ", today()), Ok(None));
    }

    #[test]
    fn bad_dates_have_clear_reasons() {
        assert!(matches!(
            parse_arrival("2021-02-30", today()),
            Err(DateError::NoSuchDate(_))
        ));
        assert!(matches!(
            parse_arrival("2021-12-28 25:00", today()),
            Err(DateError::NoSuchTime(_))
        ));
        assert!(matches!(
            parse_arrival("昨天", today()),
            Err(DateError::Unrecognised(_))
        ));
        assert!(matches!(
            parse_arrival("12/28/2021", today()),
            Err(DateError::Unrecognised(_))
        ));
        assert!(matches!(
            parse_arrival("2019-12-01", today()),
            Err(DateError::TooEarly(_))
        ));
        let e = parse_arrival("2022-01-01", today()).unwrap_err();
        assert!(e.to_string().contains("晚于今天"), "{e}");
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(44558.0), Some(at(2021, 12, 28, 0, 0, 0)));
        assert_eq!(from_excel_serial(44558.5), Some(at(2021, 12, 28, 12, 0, 0)));
        assert_eq!(from_excel_serial(-3.0), None);
    }

    proptest! {
        #[test]
        fn every_real_datetime_round_trips(days in 0i64..700, secs in 0u32..86_400) {
            let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(days);
            let t = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap());
            for fmt in ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日 %H:%M:%S"] {
                let s = t.format(fmt).to_string();
                prop_assert_eq!(parse_arrival(&s, today()), Ok(Some(t)), "{}", s);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_arrival(&s, today());
        }
    }
}
