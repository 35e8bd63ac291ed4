//! 数字参数的范围：记录编号、每页条数、小时数、体温等。超出范围的回答 422 并指明参数，
//! 而不是在存储层溢出或被悄悄截断。
//!
//! ```
//! use wangge_domain::validate::number;
//! assert_eq!(number::parse_int("limit", "条数", "50", number::LIMIT), Ok(50));
//! assert!(number::id("arrival_id", "报备编号", 0).is_err());
//! ```

use std::fmt::Display;
use std::ops::RangeInclusive;

/// 每页条数。
pub const LIMIT: RangeInclusive<i64> = 1..=1000;

/// 一个数字参数为何被拒绝。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("{label}应为整数")]
    Malformed { field: String, label: String },
    #[error("{label}应在 {min} 至 {max} 之间")]
    OutOfRange {
        field: String,
        label: String,
        min: String,
        max: String,
    },
    #[error("{label}应为正整数")]
    NotPositive { field: String, label: String },
}

impl NumberError {
    pub fn field(&self) -> &str {
        match self {
            NumberError::Malformed { field, .. }
            | NumberError::OutOfRange { field, .. }
            | NumberError::NotPositive { field, .. } => field,
        }
    }
}

/// `value` 在 `range` 之内时原样返回。
pub fn in_range<T: PartialOrd + Display>(
    field: &str,
    label: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<T, NumberError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(NumberError::OutOfRange {
            field: field.to_string(),
            label: label.to_string(),
            min: range.start().to_string(),
            max: range.end().to_string(),
        })
    }
}

/// 解析一个整数（去掉首尾空白，全角数字转半角）并检查范围。
pub fn parse_int(
    field: &str,
    label: &str,
    text: &str,
    range: RangeInclusive<i64>,
) -> Result<i64, NumberError> {
    let t = super::normalize_typed(text);
    let v: i64 = t.parse().map_err(|_| NumberError::Malformed {
        field: field.to_string(),
        label: label.to_string(),
    })?;
    in_range(field, label, v, range)
}

/// 一个记录编号：≥ 1。
pub fn id(field: &str, label: &str, value: i64) -> Result<i64, NumberError> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(NumberError::NotPositive {
            field: field.to_string(),
            label: label.to_string(),
        })
    }
}

/// 解析一个记录编号：≥ 1 的整数。
pub fn parse_id(field: &str, label: &str, text: &str) -> Result<i64, NumberError> {
    let t = super::normalize_typed(text);
    let v: i64 = t.parse().map_err(|_| NumberError::NotPositive {
        field: field.to_string(),
        label: label.to_string(),
    })?;
    id(field, label, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges_and_ids() {
        assert_eq!(in_range("limit", "条数", 1000, LIMIT), Ok(1000));
        let e = in_range("limit", "条数", 1001, LIMIT).unwrap_err();
        assert_eq!(e.to_string(), "条数应在 1 至 1000 之间");
        assert_eq!(e.field(), "limit");
        assert_eq!(id("id", "编号", 1), Ok(1));
        assert_eq!(
            id("id", "编号", 0).unwrap_err().to_string(),
            "编号应为正整数"
        );
        assert!(parse_id("id", "编号", "-5").is_err());
        assert!(parse_id("id", "编号", "99999999999999999999").is_err());
        assert_eq!(parse_id("id", "编号", " ４２ "), Ok(42));
        assert_eq!(
            parse_int("due_hours", "核查时限", "x", 1..=720)
                .unwrap_err()
                .to_string(),
            "核查时限应为整数"
        );
    }

    proptest! {
        #[test]
        fn parse_id_never_panics_and_accepts_only_positive(s in any::<String>()) {
            if let Ok(v) = parse_id("id", "编号", &s) {
                prop_assert!(v >= 1);
            }
        }
    }
}
