//! 工作日历：全国法定节假日与调休上班日，按工作日计算期限。
//!
//! 数据是仓库里的 `data/holidays.tsv`（npm 包 chinese-days，国务院办公厅每年的部分节假日安排
//! 通知，由 `scripts/regen-holidays.sh` 生成），编译时嵌入，第一次使用时解析一次。一天是
//! 工作日，当且仅当它是调休上班日，或者是周一至周五且不是放假日（如 2026-01-04 是周日，
//! 为元旦调休上班；2025-10-01 至 10-08 国庆节、中秋节放假）。
//!
//! 只认数据覆盖的年份（[`covered_years`]，2020 年起）：之外的日期一律报错
//! （[`CalendarError::OutOfRange`]），不按“周一至周五”去猜——下一年的安排公布之前，谁也不知道
//! 哪个周末要上班。
//!
//! 期限的算法（[`add_workdays`]）：收到之日不计，期限是收到之日**之后**的第 N 个工作日；收到
//! 之日本身是不是工作日都一样。周五收到、3 个工作日办结，期限是下周三（其间无节假日时）。
//!
//! ```
//! use chrono::NaiveDate;
//! use wangge_domain::calendar;
//! let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! assert_eq!(calendar::is_workday(d(2026, 1, 4)), Ok(true)); // 周日，元旦调休上班
//! assert_eq!(calendar::holiday_name(d(2025, 10, 1)), Ok(Some("国庆节")));
//! // 2025-09-30（周二）收到，3 个工作日：国庆节、中秋节放假到 10-08，10-09、10-10 上班，
//! // 10-11（周六）调休上班
//! assert_eq!(calendar::add_workdays(d(2025, 9, 30), 3), Ok(d(2025, 10, 11)));
//! assert!(calendar::is_workday(d(2019, 12, 31)).is_err());
//! ```

use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

/// 嵌入的节假日数据（见模块说明）。
pub const DATA: &str = include_str!("../data/holidays.tsv");

/// [`add_workdays`] 和 [`add_calendar_days`] 一次最多加的天数（十年）。
pub const DAYS_MAX: u32 = 3650;

/// 工作日历算不出的情形。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// 日期不在数据覆盖的年份内。
    #[error("工作日历只覆盖 {first}—{last} 年的节假日安排，{date} 不在其中")]
    OutOfRange {
        date: NaiveDate,
        first: i32,
        last: i32,
    },
    /// 从 `from` 起数 `n` 个工作日，数到了覆盖的最后一年之后。
    #[error("{from} 之后第 {n} 个工作日超出了工作日历覆盖的年份（{first}—{last} 年）")]
    PastEnd {
        from: NaiveDate,
        n: u32,
        first: i32,
        last: i32,
    },
    /// 天数超过 [`DAYS_MAX`]。
    #[error("天数 {n} 超过上限 {max}")]
    TooManyDays { n: u32, max: u32 },
    /// 没有这个月（月份不在 1 至 12 之间）。
    #[error("没有 {year} 年 {month} 月")]
    NoSuchMonth { year: i32, month: u32 },
    /// 日期加天数超出了能表示的日期。
    #[error("{from} 加 {n} 天超出了能表示的日期")]
    DateOverflow { from: NaiveDate, n: u32 },
}

/// 一天在工作日历里是什么日子。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// 周一至周五，照常上班。
    Workday,
    /// 周六、周日，照常休息。
    Weekend,
    /// 法定节假日放假（含因调休而放假的日子）。
    Holiday,
    /// 调休上班的周六、周日。
    MakeUpWorkday,
}

impl DayKind {
    /// 这一天上班。
    pub fn is_workday(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
            DayKind::MakeUpWorkday => "make_up_workday",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DayKind::Workday => "工作日",
            DayKind::Weekend => "休息日",
            DayKind::Holiday => "放假",
            DayKind::MakeUpWorkday => "调休上班",
        }
    }
}

/// 一天：日期、是什么日子、所属节日（放假日和调休上班日才有，如“元旦”）。
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub holiday: Option<&'static str>,
}

impl Day {
    /// 中文说明：“工作日”“休息日”“元旦 放假”“春节 调休上班”。
    pub fn describe_zh(&self) -> String {
        match self.holiday {
            Some(name) => format!("{name} {}", self.kind.label_zh()),
            None => self.kind.label_zh().to_string(),
        }
    }
}

struct Calendar {
    first_year: i32,
    last_year: i32,
    /// 1 January of `first_year`.
    start: NaiveDate,
    /// One entry per day from `start` through 31 December of `last_year`.
    days: Vec<(DayKind, Option<&'static str>)>,
    /// `worked[i]`: the working days among `days[..i]` (one entry more than `days`).
    worked: Vec<u32>,
}

fn calendar() -> &'static Calendar {
    static CALENDAR: OnceLock<Calendar> = OnceLock::new();
    CALENDAR.get_or_init(|| parse(DATA).0)
}

/// 星期几：“周一”至“周日”。
pub fn weekday_zh(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "周一",
        Weekday::Tue => "周二",
        Weekday::Wed => "周三",
        Weekday::Thu => "周四",
        Weekday::Fri => "周五",
        Weekday::Sat => "周六",
        Weekday::Sun => "周日",
    }
}

fn weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Parses the data file: the calendar, and a message per line that could not be read or
/// breaks a rule (the embedded file has none; a test says so). Lines must come in date order;
/// a make-up workday must be a Saturday or Sunday; every year from the first to the last must
/// have a line.
fn parse(text: &'static str) -> (Calendar, Vec<String>) {
    let mut errors = Vec::new();
    let mut entries: Vec<(NaiveDate, DayKind, &'static str)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(date), Some(kind), Some(name), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            errors.push(format!("line {}: not three fields", n + 1));
            continue;
        };
        let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
            errors.push(format!("line {}: bad date", n + 1));
            continue;
        };
        let kind = match kind {
            "holiday" => DayKind::Holiday,
            "workday" if weekend(date) => DayKind::MakeUpWorkday,
            "workday" => {
                errors.push(format!(
                    "line {}: a make-up workday not on a weekend",
                    n + 1
                ));
                continue;
            }
            _ => {
                errors.push(format!("line {}: kind is not holiday or workday", n + 1));
                continue;
            }
        };
        if name.is_empty() {
            errors.push(format!("line {}: no name", n + 1));
            continue;
        }
        if entries.last().is_some_and(|&(last, _, _)| last >= date) {
            errors.push(format!("line {}: not after the line before", n + 1));
            continue;
        }
        entries.push((date, kind, name));
    }
    let (Some(&(first, _, _)), Some(&(last, _, _))) = (entries.first(), entries.last()) else {
        errors.push("no lines".to_string());
        // an empty range of years: every date is outside it
        let calendar = Calendar {
            first_year: 1,
            last_year: 0,
            start: NaiveDate::MIN,
            days: Vec::new(),
            worked: vec![0],
        };
        return (calendar, errors);
    };
    let (first_year, last_year) = (first.year(), last.year());
    let start = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(first);
    let end = NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or(last);
    let mut days = Vec::new();
    let mut next = entries.iter().peekable();
    for date in start.iter_days().take_while(|d| *d <= end) {
        let entry = match next.peek() {
            Some(&&(d, kind, name)) if d == date => {
                next.next();
                (kind, Some(name))
            }
            _ if weekend(date) => (DayKind::Weekend, None),
            _ => (DayKind::Workday, None),
        };
        days.push(entry);
    }
    for year in first_year..=last_year {
        if !entries.iter().any(|e| e.0.year() == year) {
            errors.push(format!("no line for {year}"));
        }
    }
    let mut worked = Vec::with_capacity(days.len() + 1);
    let mut count = 0u32;
    worked.push(count);
    for (kind, _) in &days {
        count += u32::from(kind.is_workday());
        worked.push(count);
    }
    let calendar = Calendar {
        first_year,
        last_year,
        start,
        days,
        worked,
    };
    (calendar, errors)
}

impl Calendar {
    fn out_of_range(&self, date: NaiveDate) -> CalendarError {
        CalendarError::OutOfRange {
            date,
            first: self.first_year,
            last: self.last_year,
        }
    }

    /// The index of `date` in `days`.
    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        if !(self.first_year..=self.last_year).contains(&date.year()) {
            return Err(self.out_of_range(date));
        }
        usize::try_from((date - self.start).num_days())
            .ok()
            .filter(|&i| i < self.days.len())
            .ok_or_else(|| self.out_of_range(date))
    }

    fn date_at(&self, index: usize) -> NaiveDate {
        // the index is below days.len(), which fits the covered years
        self.start + chrono::Days::new(index as u64)
    }

    /// Working days after `days[..=i]`: `worked[i + 1]`.
    fn worked_through(&self, i: usize) -> u32 {
        self.worked.get(i + 1).copied().unwrap_or(0)
    }
}

/// 数据覆盖的年份（含两端），如 2020..=2026。
pub fn covered_years() -> RangeInclusive<i32> {
    let c = calendar();
    c.first_year..=c.last_year
}

/// 一天在工作日历里是什么日子；覆盖的年份之外报错。
pub fn day(date: NaiveDate) -> Result<Day, CalendarError> {
    let c = calendar();
    let i = c.index(date)?;
    let (kind, holiday) = c.days.get(i).copied().ok_or_else(|| c.out_of_range(date))?;
    Ok(Day {
        date,
        kind,
        holiday,
    })
}

/// 这一天上不上班（周一至周五且不放假，或调休上班的周末）；覆盖的年份之外报错。
pub fn is_workday(date: NaiveDate) -> Result<bool, CalendarError> {
    Ok(day(date)?.kind.is_workday())
}

/// 放假日所属的节日（“春节”“国庆节”）；不放假的日子（含调休上班日）为 `None`。覆盖的
/// 年份之外报错。调休上班日属于哪个节日见 [`day`]。
pub fn holiday_name(date: NaiveDate) -> Result<Option<&'static str>, CalendarError> {
    let d = day(date)?;
    Ok(match d.kind {
        DayKind::Holiday => d.holiday,
        _ => None,
    })
}

/// `date` 之后的第 `n` 个工作日：收到之日（`date`）不计，不论它是不是工作日；`n` 为 0 时
/// 就是 `date`。`n` 至多 [`DAYS_MAX`]；`date` 或结果超出覆盖的年份时报错。
pub fn add_workdays(date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
    if n > DAYS_MAX {
        return Err(CalendarError::TooManyDays { n, max: DAYS_MAX });
    }
    let c = calendar();
    let i = c.index(date)?;
    if n == 0 {
        return Ok(date);
    }
    let target = c.worked_through(i) + n;
    // the first p with worked[p] ≥ target: days[p - 1] is the target-th working day
    let p = c.worked.partition_point(|&w| w < target);
    if p >= c.worked.len() || p == 0 {
        return Err(CalendarError::PastEnd {
            from: date,
            n,
            first: c.first_year,
            last: c.last_year,
        });
    }
    Ok(c.date_at(p - 1))
}

/// `a` 之后到 `b`（含）之间的工作日数，即 `add_workdays(a, n) == b` 时的 `n`（`b` 是工作日时）；
/// `b` 早于 `a` 时为负（`-workdays_between(b, a)`）。两个日期都须在覆盖的年份内。
pub fn workdays_between(a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
    let c = calendar();
    let (i, j) = (c.index(a)?, c.index(b)?);
    Ok(i64::from(c.worked_through(j)) - i64::from(c.worked_through(i)))
}

/// `date` 当天是工作日就是当天，否则是其后第一个工作日（期限末日遇节假日顺延时用）。
pub fn workday_on_or_after(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    if is_workday(date)? {
        return Ok(date);
    }
    add_workdays(date, 1)
}

/// `date` 之后第 `n` 个自然日（不看节假日，也不要求在覆盖的年份内）；`n` 至多 [`DAYS_MAX`]。
pub fn add_calendar_days(date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
    if n > DAYS_MAX {
        return Err(CalendarError::TooManyDays { n, max: DAYS_MAX });
    }
    date.checked_add_days(chrono::Days::new(u64::from(n)))
        .ok_or(CalendarError::DateOverflow { from: date, n })
}

/// 一个月的每一天（`month` 为 1 至 12）；月份不存在或不在覆盖的年份内时报错。
pub fn month(year: i32, month: u32) -> Result<Vec<Day>, CalendarError> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Err(CalendarError::NoSuchMonth { year, month });
    };
    first
        .iter_days()
        .take_while(|d| d.month() == month)
        .map(day)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_embedded_file_is_clean_and_covers_2020_on() {
        let (c, errors) = parse(DATA);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(c.first_year, 2020);
        assert!(c.last_year >= 2026, "{}", c.last_year);
        assert_eq!(covered_years(), 2020..=c.last_year);
        // every year has the seven festivals' holidays (2020: 中秋节 fell on 国庆节)
        for year in covered_years() {
            let names: std::collections::HashSet<_> = (1..=12)
                .flat_map(|m| month(year, m).unwrap())
                .filter_map(|day| day.holiday)
                .collect();
            for name in ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节"] {
                assert!(names.contains(name), "{year} {name}");
            }
        }
    }

    #[test]
    fn known_days() {
        // 2026：元旦 1-01..03 放假，1-04（周日）上班
        assert_eq!(d(2026, 1, 4).weekday(), Weekday::Sun);
        assert_eq!(weekday_zh(d(2026, 1, 4)), "周日");
        assert_eq!(is_workday(d(2026, 1, 4)), Ok(true));
        assert_eq!(day(d(2026, 1, 4)).unwrap().describe_zh(), "元旦 调休上班");
        assert_eq!(holiday_name(d(2026, 1, 4)), Ok(None));
        for dd in 1..=3 {
            assert_eq!(holiday_name(d(2026, 1, dd)), Ok(Some("元旦")));
        }
        // 2025：国庆节、中秋节 10-01..08 放假，9-28（周日）、10-11（周六）上班
        for dd in 1..=8 {
            assert_eq!(is_workday(d(2025, 10, dd)), Ok(false), "10-{dd}");
            assert!(holiday_name(d(2025, 10, dd)).unwrap().is_some());
        }
        assert_eq!(holiday_name(d(2025, 10, 1)), Ok(Some("国庆节")));
        assert_eq!(holiday_name(d(2025, 10, 6)), Ok(Some("中秋节")));
        assert_eq!(is_workday(d(2025, 9, 28)), Ok(true));
        assert_eq!(is_workday(d(2025, 10, 11)), Ok(true));
        assert_eq!(is_workday(d(2025, 10, 9)), Ok(true));
        // 2024 春节：2-04（周日）、2-18（周日）上班，2-10..17 放假
        for date in [d(2024, 2, 4), d(2024, 2, 18)] {
            assert_eq!(date.weekday(), Weekday::Sun);
            assert_eq!(day(date).unwrap().kind, DayKind::MakeUpWorkday);
            assert_eq!(day(date).unwrap().holiday, Some("春节"));
        }
        for dd in 10..=17 {
            assert_eq!(holiday_name(d(2024, 2, dd)), Ok(Some("春节")));
        }
        // 2026 春节：2-15..23 放假（9 天），2-14（周六）、2-28（周六）上班
        for dd in 15..=23 {
            assert_eq!(holiday_name(d(2026, 2, dd)), Ok(Some("春节")));
        }
        assert_eq!(is_workday(d(2026, 2, 14)), Ok(true));
        assert_eq!(is_workday(d(2026, 2, 28)), Ok(true));
        assert_eq!(is_workday(d(2026, 2, 24)), Ok(true));
        // 2020 春节延长到 2-02（国办发明电〔2020〕1号），原定 2-01（周六）上班取消
        assert_eq!(holiday_name(d(2020, 2, 1)), Ok(Some("春节")));
        assert_eq!(is_workday(d(2020, 2, 3)), Ok(true));
        // 一个普通的周末、一个普通的周三
        assert_eq!(day(d(2026, 3, 7)).unwrap().kind, DayKind::Weekend);
        assert_eq!(day(d(2026, 3, 11)).unwrap().kind, DayKind::Workday);
    }

    #[test]
    fn deadlines() {
        // 周五收到，3 个工作日：下周三
        assert_eq!(add_workdays(d(2026, 3, 6), 3), Ok(d(2026, 3, 11)));
        // 周六收到，1 个工作日：周一；收到之日不计
        assert_eq!(add_workdays(d(2026, 3, 7), 1), Ok(d(2026, 3, 9)));
        assert_eq!(add_workdays(d(2026, 3, 9), 1), Ok(d(2026, 3, 10)));
        assert_eq!(add_workdays(d(2026, 3, 9), 0), Ok(d(2026, 3, 9)));
        // 元旦前收到：1-04（周日）是第一个工作日
        assert_eq!(add_workdays(d(2025, 12, 31), 1), Ok(d(2026, 1, 4)));
        assert_eq!(add_workdays(d(2025, 12, 31), 2), Ok(d(2026, 1, 5)));
        // 春节前：2-13（周五）收到，2-14（周六）上班，然后放假到 2-23
        assert_eq!(add_workdays(d(2026, 2, 13), 1), Ok(d(2026, 2, 14)));
        assert_eq!(add_workdays(d(2026, 2, 13), 2), Ok(d(2026, 2, 24)));
        assert_eq!(workdays_between(d(2026, 2, 13), d(2026, 2, 24)), Ok(2));
        assert_eq!(workdays_between(d(2026, 2, 24), d(2026, 2, 13)), Ok(-2));
        assert_eq!(workdays_between(d(2026, 2, 15), d(2026, 2, 23)), Ok(0));
        assert_eq!(workday_on_or_after(d(2026, 2, 15)), Ok(d(2026, 2, 24)));
        assert_eq!(workday_on_or_after(d(2026, 2, 24)), Ok(d(2026, 2, 24)));
        assert_eq!(add_calendar_days(d(2026, 2, 13), 15), Ok(d(2026, 2, 28)));
    }

    #[test]
    fn outside_the_covered_years_is_an_error() {
        let last = *covered_years().end();
        let after = d(last + 1, 1, 1);
        for date in [d(2019, 12, 31), d(2019, 12, 30), after] {
            let e = is_workday(date).unwrap_err();
            assert_eq!(
                e,
                CalendarError::OutOfRange {
                    date,
                    first: 2020,
                    last
                }
            );
            assert!(e.to_string().contains(&format!("2020—{last}")), "{e}");
            assert!(holiday_name(date).is_err());
            assert!(add_workdays(date, 1).is_err());
            assert!(workdays_between(date, d(2024, 1, 1)).is_err());
        }
        let e = add_workdays(d(last, 12, 30), 5).unwrap_err();
        assert!(matches!(e, CalendarError::PastEnd { n: 5, .. }), "{e}");
        assert!(e.to_string().contains("超出"), "{e}");
        assert_eq!(
            add_workdays(d(2024, 1, 1), DAYS_MAX + 1),
            Err(CalendarError::TooManyDays {
                n: DAYS_MAX + 1,
                max: DAYS_MAX
            })
        );
        assert!(add_calendar_days(NaiveDate::MAX, 1).is_err());
        assert!(add_calendar_days(d(2024, 1, 1), DAYS_MAX + 1).is_err());
        assert_eq!(add_calendar_days(d(2030, 1, 1), 1), Ok(d(2030, 1, 2)));
        assert_eq!(
            month(2026, 13),
            Err(CalendarError::NoSuchMonth {
                year: 2026,
                month: 13
            })
        );
        assert!(month(2019, 12).is_err());
        assert_eq!(month(2026, 2).unwrap().len(), 28);
    }

    #[test]
    fn bad_lines_are_reported() {
        let (_, errors) = parse(
            "# x\n2024-01-01\tholiday\t元旦\n2024-01-02\tworkday\t元旦\n2023-12-31\tholiday\t元旦\n\
             2024-13-01\tholiday\tx\n2024-02-04\tworkday\t\n2024-02-10\tholiday\t春节\textra\n\
             2026-01-01\tholiday\t元旦\n",
        );
        assert_eq!(errors.len(), 6, "{errors:?}");
        assert!(errors.iter().any(|e| e == "no line for 2025"), "{errors:?}");
        let (c, errors) = parse("");
        assert_eq!(errors, vec!["no lines".to_string()]);
        assert!(c.days.is_empty());
    }

    fn covered_date() -> impl Strategy<Value = NaiveDate> {
        let c = calendar();
        (0..c.days.len()).prop_map(|i| c.date_at(i))
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics(a in prop_oneof![any_date(), covered_date()],
                        b in prop_oneof![any_date(), covered_date()],
                        n in any::<u32>()) {
            let _ = is_workday(a);
            let _ = holiday_name(a);
            let _ = add_workdays(a, n);
            let _ = add_workdays(a, n % 800);
            let _ = workdays_between(a, b);
            let _ = workday_on_or_after(a);
            let _ = add_calendar_days(a, n);
            let _ = month(a.year(), n % 14);
        }

        #[test]
        fn add_workdays_lands_on_a_workday_and_counts_back(d in covered_date(), n in 1u32..800) {
            match add_workdays(d, n) {
                Ok(due) => {
                    prop_assert!(due > d);
                    prop_assert_eq!(is_workday(due), Ok(true));
                    prop_assert_eq!(workdays_between(d, due), Ok(i64::from(n)));
                    prop_assert_eq!(workdays_between(due, d), Ok(-i64::from(n)));
                    // the day before the deadline is one working day short
                    if let Some(before) = due.pred_opt() {
                        prop_assert_eq!(workdays_between(d, before), Ok(i64::from(n) - 1));
                    }
                }
                Err(e) => prop_assert!(matches!(e, CalendarError::PastEnd { .. }), "{}", e),
            }
        }

        #[test]
        fn add_workdays_is_monotone(d in covered_date(), n in 0u32..800) {
            if let (Ok(a), Ok(b)) = (add_workdays(d, n), add_workdays(d, n + 1)) {
                prop_assert!(a < b);
            }
            // past the end stays past the end
            if add_workdays(d, n).is_err() {
                prop_assert!(add_workdays(d, n + 1).is_err());
            }
        }

        #[test]
        fn weekends_not_made_up_are_rest_days(d in covered_date()) {
            let day = day(d).unwrap();
            if weekend(d) && day.kind != DayKind::MakeUpWorkday {
                prop_assert_eq!(is_workday(d), Ok(false));
            }
            if day.kind == DayKind::MakeUpWorkday {
                prop_assert!(weekend(d));
            }
            prop_assert_eq!(holiday_name(d).unwrap().is_some(), day.kind == DayKind::Holiday);
            if let Ok(w) = workday_on_or_after(d) {
                prop_assert!(w >= d);
                prop_assert_eq!(is_workday(w), Ok(true));
                prop_assert_eq!(w == d, day.kind.is_workday());
            }
        }

        #[test]
        fn workdays_between_adds_up(a in covered_date(), b in covered_date(), c in covered_date()) {
            let ab = workdays_between(a, b).unwrap();
            let bc = workdays_between(b, c).unwrap();
            prop_assert_eq!(workdays_between(a, c).unwrap(), ab + bc);
            prop_assert_eq!(ab >= 0, a <= b || ab == 0);
        }
    }
}
