//! 中国大陆手机号：11 位数字，第 1 位为 1，第 2 位为 3–9。
//!
//! 录入时常见的写法都接受：带 `+86`/`86`/`0086` 区号，中间夹空格或连字符（`138 0013 8000`、
//! `138-0013-8000`），全角数字。规整后只保存 11 位数字。
//!
//! 手机号是个人信息：`Debug` 输出脱敏，完整号码请显式用 `as_str()` 或 `Display`。

use super::{describe_char, normalize_typed};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

const LEN: usize = 11;

/// 手机号校验失败的原因。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobileError {
    #[error("手机号为空")]
    Empty,
    /// `position` 从 1 开始，按去掉首尾空白后的录入内容数。
    #[error("手机号含非法字符{}（第{position}位）", describe_char(*ch))]
    IllegalChar { ch: char, position: usize },
    #[error("仅支持中国大陆手机号（区号+86）")]
    NotMainland,
    /// `actual` 是去掉区号和分隔符后的数字个数。
    #[error("手机号应为11位数字，实际为{actual}位")]
    WrongLength { actual: usize },
    #[error("手机号应以1开头，实际为{first}")]
    WrongFirstDigit { first: char },
    #[error("手机号第2位应为3-9，实际为{second}")]
    WrongSecondDigit { second: char },
}

/// 已校验的中国大陆手机号，只含 11 位数字。
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(input: &str) -> Result<Mobile, MobileError> {
        let s = normalize_typed(input);
        if s.is_empty() {
            return Err(MobileError::Empty);
        }
        let mut digits = String::with_capacity(s.len());
        let mut plus = false;
        for (i, ch) in s.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                // 分隔符可出现在任意位置，包括区号后（“+86 138…”）。
                '-' => {}
                c if c.is_whitespace() => {}
                '+' if i == 0 => plus = true,
                _ => {
                    return Err(MobileError::IllegalChar {
                        ch,
                        position: i + 1,
                    })
                }
            }
        }

        let national = if plus {
            digits.strip_prefix("86").ok_or(MobileError::NotMainland)?
        } else if let Some(rest) = digits.strip_prefix("0086") {
            rest
        } else if digits.len() == LEN + 2 && digits.starts_with("86") {
            // 不带 + 的 86 只在总长 13 位时才是区号；否则“86”可能是号码本身的错误开头。
            &digits[2..]
        } else {
            digits.as_str()
        };

        if national.len() != LEN {
            return Err(MobileError::WrongLength {
                actual: national.len(),
            });
        }
        let bytes = national.as_bytes();
        if bytes[0] != b'1' {
            return Err(MobileError::WrongFirstDigit {
                first: char::from(bytes[0]),
            });
        }
        if !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(MobileError::WrongSecondDigit {
                second: char::from(bytes[1]),
            });
        }
        Ok(Mobile(national.to_string()))
    }

    /// 11 位数字，不带区号和分隔符。
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 脱敏显示：保留前 3 位和后 4 位，例如 `138****5678`。
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[LEN - 4..])
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Mobile").field(&self.masked()).finish()
    }
}

impl AsRef<str> for Mobile {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Mobile {
    type Err = MobileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mobile::parse(s)
    }
}

impl TryFrom<String> for Mobile {
    type Error = MobileError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Mobile::parse(&s)
    }
}

impl Serialize for Mobile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Mobile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Mobile::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_ways_of_writing() {
        for typed in [
            "13800138000",
            " 13800138000 ",
            "138 0013 8000",
            "138-0013-8000",
            "+8613800138000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "8613800138000",
            "008613800138000",
            "0086 138 0013 8000",
            "１３８００１３８０００",
            "＋８６　１３８－００１３－８０００",
            "\u{3000}13800138000\u{00A0}",
        ] {
            let m = Mobile::parse(typed).unwrap_or_else(|e| panic!("{typed:?}: {e}"));
            assert_eq!(m.as_str(), "13800138000", "{typed:?}");
        }
    }

    #[test]
    fn accepts_every_current_second_digit() {
        for second in '3'..='9' {
            let number = format!("1{second}012345678");
            assert!(Mobile::parse(&number).is_ok(), "{number}");
        }
    }

    #[test]
    fn masks_middle_four() {
        let m = Mobile::parse("13812345678").expect("有效");
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(format!("{m:?}"), "Mobile(\"138****5678\")");
        assert_eq!(m.to_string(), "13812345678");
    }

    #[test]
    fn error_messages() {
        assert_eq!(Mobile::parse(" ").unwrap_err().to_string(), "手机号为空");
        let err = Mobile::parse("1380013800").unwrap_err();
        assert_eq!(err, MobileError::WrongLength { actual: 10 });
        assert_eq!(err.to_string(), "手机号应为11位数字，实际为10位");
        // 固定电话不是手机号。
        assert_eq!(
            Mobile::parse("0371-12345678").unwrap_err(),
            MobileError::WrongLength { actual: 12 }
        );
        let err = Mobile::parse("23800138000").unwrap_err();
        assert_eq!(err.to_string(), "手机号应以1开头，实际为2");
        let err = Mobile::parse("12800138000").unwrap_err();
        assert_eq!(err.to_string(), "手机号第2位应为3-9，实际为2");
        let err = Mobile::parse("138O0138000").unwrap_err();
        assert_eq!(
            err,
            MobileError::IllegalChar {
                ch: 'O',
                position: 4
            }
        );
        assert_eq!(err.to_string(), "手机号含非法字符“O”（第4位）");
        let err = Mobile::parse("138+00138000").unwrap_err();
        assert_eq!(
            err,
            MobileError::IllegalChar {
                ch: '+',
                position: 4
            }
        );
        let err = Mobile::parse("+85291234567").unwrap_err();
        assert_eq!(err, MobileError::NotMainland);
        assert_eq!(err.to_string(), "仅支持中国大陆手机号（区号+86）");
        // 13 位但不是 86 开头：不猜测，按长度报错。
        assert_eq!(
            Mobile::parse("1380013800012").unwrap_err(),
            MobileError::WrongLength { actual: 13 }
        );
    }

    #[test]
    fn serde_is_a_plain_string_and_validates_on_read() {
        let m = Mobile::parse("+86 138 0013 8000").expect("有效");
        let json = serde_json::to_string(&m).expect("序列化");
        assert_eq!(json, "\"13800138000\"");
        assert_eq!(serde_json::from_str::<Mobile>(&json).ok(), Some(m.clone()));
        assert!(serde_json::from_str::<Mobile>("\"12800138000\"").is_err());
        assert_eq!("138-0013-8000".parse::<Mobile>(), Ok(m.clone()));
        assert_eq!(Mobile::try_from("13800138000".to_string()), Ok(m));
    }

    fn valid_mobile() -> impl Strategy<Value = String> {
        ((b'3'..=b'9').prop_map(char::from), 0u64..1_000_000_000)
            .prop_map(|(second, rest)| format!("1{second}{rest:09}"))
    }

    /// 按录入习惯“写乱”一个号码：加区号、分组、全角、首尾空白。
    fn as_typed(number: &str, prefix: &str, sep: &str, full_width: bool, pad: &str) -> String {
        let grouped = format!(
            "{}{sep}{}{sep}{}",
            &number[..3],
            &number[3..7],
            &number[7..]
        );
        let text = format!("{pad}{prefix}{grouped}{pad}");
        if full_width {
            text.chars()
                .map(|c| match c {
                    '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
                    _ => c,
                })
                .collect()
        } else {
            text
        }
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip_in_any_typed_form(
            number in valid_mobile(),
            prefix in proptest::sample::select(vec!["", "+86", "+86 ", "86", "0086", "0086-"]),
            sep in proptest::sample::select(vec!["", " ", "-", " - "]),
            full_width in any::<bool>(),
            pad in proptest::sample::select(vec!["", " ", "\u{3000}", "\t"]),
        ) {
            let typed = as_typed(&number, prefix, sep, full_width, pad);
            let parsed = Mobile::parse(&typed)
                .map_err(|e| TestCaseError::fail(format!("{typed:?}: {e}")))?;
            prop_assert_eq!(parsed.as_str(), number.as_str());
        }

        #[test]
        fn masked_keeps_length_and_last_four(number in valid_mobile()) {
            let masked = Mobile::parse(&number)
                .map_err(|e| TestCaseError::fail(format!("{number}: {e}")))?
                .masked();
            prop_assert_eq!(masked.chars().count(), 11);
            prop_assert_eq!(&masked[7..], &number[7..]);
            prop_assert_eq!(&masked[..3], &number[..3]);
            prop_assert_eq!(&masked[3..7], "****");
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
            let _ = Mobile::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[+0-9 \\-８６＋\u{3000}]{0,18}") {
            let _ = Mobile::parse(&s);
        }

        #[test]
        fn accepted_numbers_are_always_eleven_plausible_digits(s in "[+0-9 \\-]{0,18}") {
            if let Ok(m) = Mobile::parse(&s) {
                let b = m.as_str().as_bytes();
                prop_assert_eq!(b.len(), 11);
                prop_assert!(b.iter().all(u8::is_ascii_digit));
                prop_assert_eq!(b[0], b'1');
                prop_assert!((b'3'..=b'9').contains(&b[1]));
            }
        }
    }
}
