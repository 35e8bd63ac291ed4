//! 居民身份证号码（GB 11643-1999）：6 位地址码 + 8 位出生日期 + 3 位顺序码 + 1 位校验码，
//! 校验码按 ISO 7064 MOD 11-2 计算。
//!
//! 身份证号是个人信息：`Debug` 输出脱敏，避免日志里出现完整号码；需要完整号码时显式调用
//! `as_str()` 或 `Display`，调用方负责记录查看日志。

use super::{describe_char, normalize_typed};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// 号码长度。
const LEN: usize = 18;

/// ISO 7064 MOD 11-2 的加权因子：2^(18-i) mod 11。
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// 加权和 mod 11 → 校验字符。
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// 有效的省级代码（GB/T 2260 前两位），含港澳台（81、82、83）和外国人永久居留身份证（91）。
pub const PROVINCE_CODES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83", "91",
];

/// 早于此日期的出生日期视为录入错误：在世持证人不会更早出生。
fn earliest_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// 性别，由顺序码（第 17 位）的奇偶决定：奇数为男，偶数为女。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// 身份证号校验失败的原因。信息面向录入人员，说明错在哪一位、应该是什么。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号为空")]
    Empty,
    #[error("身份证号应为18位，实际为{actual}位")]
    WrongLength { actual: usize },
    /// `position` 从 1 开始数，与录入人员数位的方式一致。
    #[error("身份证号含非法字符{}（第{position}位）", describe_char(*ch))]
    IllegalChar { ch: char, position: usize },
    /// `code` 是号码的前两位（省级代码）。
    #[error("身份证号中的地区码“{code}”无效")]
    InvalidRegion { code: String },
    /// `digits` 是第 7–14 位原样。
    #[error("身份证号中的出生日期{digits}无效")]
    InvalidBirthDate { digits: String },
    #[error("身份证号中的出生日期{}早于1900年", date.format("%Y%m%d"))]
    BirthDateTooEarly { date: NaiveDate },
    #[error("身份证号中的出生日期晚于今天（{}，今天是{}）", date.format("%Y%m%d"), today.format("%Y-%m-%d"))]
    BirthDateInFuture { date: NaiveDate, today: NaiveDate },
    #[error("身份证号校验位错误：应为{expected}，实际为{actual}")]
    WrongCheckChar { expected: char, actual: char },
}

/// 已校验的 18 位居民身份证号码，校验位总是大写 `X`。
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// 校验录入的身份证号。先按录入习惯规整（全角转半角、去首尾空白），末位小写 `x` 视同 `X`。
    /// 出生日期不得晚于 `today`——由调用方传入，使校验结果可重现。
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        parse_inner(input, Some(today))
    }

    /// 校验除“出生日期不晚于今天”以外的全部规则，用于读回早先已按 `parse` 校验过的数据
    /// （数据库、JSON）。新录入的数据请用 `parse`。
    pub fn parse_stored(input: &str) -> Result<IdNumber, IdNumberError> {
        parse_inner(input, None)
    }

    /// 完整号码。身份证号是个人信息，列表中应使用 `masked()`。
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 前 6 位行政区划代码（户籍所在地，签发时）。
    pub fn division_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(self.0.as_bytes()).expect("IdNumber 只能由 parse 构造，出生日期已校验")
    }

    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16].wrapping_sub(b'0');
        if digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// 脱敏显示：只保留后 4 位，例如 `**************002X`。
    pub fn masked(&self) -> String {
        let mut out = "*".repeat(LEN - 4);
        out.push_str(&self.0[LEN - 4..]);
        out
    }

    /// 截至 `on` 当天的周岁。
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date()).unwrap_or(0)
    }
}

fn parse_inner(input: &str, today: Option<NaiveDate>) -> Result<IdNumber, IdNumberError> {
    let mut s = normalize_typed(input);
    if s.ends_with('x') {
        s.pop();
        s.push('X');
    }
    if s.is_empty() {
        return Err(IdNumberError::Empty);
    }
    let len = s.chars().count();
    if len != LEN {
        return Err(IdNumberError::WrongLength { actual: len });
    }
    for (i, ch) in s.chars().enumerate() {
        let ok = ch.is_ascii_digit() || (i == LEN - 1 && ch == 'X');
        if !ok {
            return Err(IdNumberError::IllegalChar {
                ch,
                position: i + 1,
            });
        }
    }
    // 以下 s 全是 ASCII，按字节切片安全。
    let bytes = s.as_bytes();

    let province = &s[..2];
    if !PROVINCE_CODES.contains(&province) {
        return Err(IdNumberError::InvalidRegion {
            code: province.to_string(),
        });
    }

    let Some(birth) = birth_date_of(bytes) else {
        return Err(IdNumberError::InvalidBirthDate {
            digits: s[6..14].to_string(),
        });
    };
    if birth < earliest_birth_date() {
        return Err(IdNumberError::BirthDateTooEarly { date: birth });
    }
    if let Some(today) = today {
        if birth > today {
            return Err(IdNumberError::BirthDateInFuture { date: birth, today });
        }
    }

    let mut first17 = [0u8; 17];
    first17.copy_from_slice(&bytes[..17]);
    let expected = check_char(&first17);
    let actual = bytes[17];
    if expected != actual {
        return Err(IdNumberError::WrongCheckChar {
            expected: char::from(expected),
            actual: char::from(actual),
        });
    }
    Ok(IdNumber(s))
}

/// 从第 7–14 位读出生日期；不是真实日期时为 `None`。调用方保证前 14 字节是 ASCII 数字。
fn birth_date_of(bytes: &[u8]) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes.get(range)?.iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let year = i32::try_from(number(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(10..12)?, number(12..14)?)
}

/// 按 ISO 7064 MOD 11-2 计算校验字符（ASCII：`b'0'`–`b'9'` 或 `b'X'`）。
/// `first17` 应为 17 个 ASCII 数字；其他字节不会 panic，但结果无意义。
pub fn check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// 在 17 位本体码后补上校验位，得到校验位正确的 18 位号码。供演示数据和测试使用；
/// 不检查地区码和出生日期。
///
/// # Panics
/// `prefix17` 不是 17 个 ASCII 数字时 panic——这是调用方的编程错误，不是录入错误。
pub fn make_valid(prefix17: &str) -> String {
    let first17: &[u8; 17] = prefix17
        .as_bytes()
        .try_into()
        .ok()
        .filter(|b: &&[u8; 17]| b.iter().all(u8::is_ascii_digit))
        .unwrap_or_else(|| panic!("make_valid 需要17位数字，实际为“{prefix17}”"));
    let mut out = prefix17.to_string();
    out.push(char::from(check_char(first17)));
    out
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// 反序列化按 `parse_stored` 校验：读回的是早先录入时已校验过的号码，此时再比较“今天”
/// 没有意义，也会让读取结果随时间变化。
impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        IdNumber::parse_stored(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("测试日期有效")
    }

    fn today() -> NaiveDate {
        date(2025, 6, 30)
    }

    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn accepts_the_standard_sample() {
        let id = IdNumber::parse(SAMPLE, today()).expect("GB 11643 示例号码有效");
        assert_eq!(id.as_str(), SAMPLE);
        assert_eq!(id.to_string(), SAMPLE);
        assert_eq!(id.division_code(), "110105");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "**************002X");
        assert_eq!(id.age_on(date(2025, 6, 30)), 75);
    }

    #[test]
    fn rejects_wrong_check_digit() {
        let err = IdNumber::parse("110105194912310021", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::WrongCheckChar {
                expected: 'X',
                actual: '1'
            }
        );
        assert_eq!(err.to_string(), "身份证号校验位错误：应为X，实际为1");
    }

    #[test]
    fn accepts_as_typed_in_an_office() {
        let typed = [
            "11010519491231002x",
            "  11010519491231002X\t",
            "\u{3000}１１０１０５１９４９１２３１００２ｘ\u{3000}",
            "\u{FEFF}11010519491231002X",
            "11010519491231002X\u{00A0}",
        ];
        for t in typed {
            let id = IdNumber::parse(t, today()).unwrap_or_else(|e| panic!("{t:?}: {e}"));
            assert_eq!(id.as_str(), SAMPLE);
        }
    }

    #[test]
    fn male_from_odd_sequence_digit() {
        let id = IdNumber::parse(&make_valid("41010519900307051"), today()).expect("有效");
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.sex().label_zh(), "男");
        assert_eq!(id.birth_date(), date(1990, 3, 7));
    }

    #[test]
    fn length_message() {
        let err = IdNumber::parse("11010519491231002", today()).unwrap_err();
        assert_eq!(err, IdNumberError::WrongLength { actual: 17 });
        assert_eq!(err.to_string(), "身份证号应为18位，实际为17位");
        // 旧 15 位号码不再受理。
        assert_eq!(
            IdNumber::parse("110105491231002", today()).unwrap_err(),
            IdNumberError::WrongLength { actual: 15 }
        );
        // 按字符计数，不按字节：用户看到的是字。
        assert_eq!(
            IdNumber::parse("张三", today()).unwrap_err(),
            IdNumberError::WrongLength { actual: 2 }
        );
        assert_eq!(
            IdNumber::parse(" \u{3000} ", today()).unwrap_err(),
            IdNumberError::Empty
        );
        assert_eq!(
            IdNumber::parse("", today()).unwrap_err().to_string(),
            "身份证号为空"
        );
    }

    #[test]
    fn illegal_char_message_names_char_and_position() {
        let err = IdNumber::parse("1101A519491231002X", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::IllegalChar {
                ch: 'A',
                position: 5
            }
        );
        assert_eq!(err.to_string(), "身份证号含非法字符“A”（第5位）");

        let err = IdNumber::parse("110105 19491231002", today()).unwrap_err();
        assert_eq!(err.to_string(), "身份证号含非法字符空格（第7位）");

        // X 只能出现在末位。
        let err = IdNumber::parse("X10105194912310021", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::IllegalChar {
                ch: 'X',
                position: 1
            }
        );
        let err = IdNumber::parse("1101051949123100x2", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::IllegalChar {
                ch: 'x',
                position: 17
            }
        );
    }

    #[test]
    fn region_message() {
        let err = IdNumber::parse(&make_valid("99010519491231002"), today()).unwrap_err();
        assert_eq!(err, IdNumberError::InvalidRegion { code: "99".into() });
        assert!(err.to_string().contains("地区码“99”无效"), "{err}");
        for code in [
            "00", "10", "16", "20", "24", "30", "38", "47", "55", "60", "66", "72", "84", "90",
            "92",
        ] {
            let id = make_valid(&format!("{code}010519491231002"));
            assert!(
                matches!(
                    IdNumber::parse(&id, today()),
                    Err(IdNumberError::InvalidRegion { .. })
                ),
                "{code}"
            );
        }
        for code in PROVINCE_CODES {
            let id = make_valid(&format!("{code}010519491231002"));
            assert!(IdNumber::parse(&id, today()).is_ok(), "{code}");
        }
    }

    #[test]
    fn impossible_birth_date() {
        let err = IdNumber::parse(&make_valid("11010519900231123"), today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::InvalidBirthDate {
                digits: "19900231".into()
            }
        );
        assert_eq!(err.to_string(), "身份证号中的出生日期19900231无效");
        for bad in ["19901301", "19900001", "19900100", "19000229", "20230229"] {
            let id = make_valid(&format!("110105{bad}123"));
            assert!(
                matches!(
                    IdNumber::parse(&id, today()),
                    Err(IdNumberError::InvalidBirthDate { .. })
                ),
                "{bad}"
            );
        }
        // 闰年 2 月 29 日是真实日期。
        assert!(IdNumber::parse(&make_valid("11010520000229123"), today()).is_ok());
    }

    #[test]
    fn birth_date_bounds() {
        // GB 11643 正文中的第二个示例，校验位正确，但出生于 1880 年，按本系统规则视为录入错误。
        let err = IdNumber::parse("440524188001010014", today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::BirthDateTooEarly {
                date: date(1880, 1, 1)
            }
        );
        assert_eq!(err.to_string(), "身份证号中的出生日期18800101早于1900年");
        assert!(IdNumber::parse(&make_valid("11010519000101123"), today()).is_ok());

        let future = make_valid("11010520250701123");
        let err = IdNumber::parse(&future, today()).unwrap_err();
        assert_eq!(
            err,
            IdNumberError::BirthDateInFuture {
                date: date(2025, 7, 1),
                today: today()
            }
        );
        assert!(err.to_string().contains("出生日期晚于今天"), "{err}");
        // 今天出生的婴儿可以登记。
        assert!(IdNumber::parse(&make_valid("11010520250630123"), today()).is_ok());
        // 读回存储数据时不比较今天。
        assert!(IdNumber::parse_stored(&future).is_ok());
    }

    #[test]
    fn serde_is_a_plain_string_and_validates_on_read() {
        let id = IdNumber::parse(SAMPLE, today()).expect("有效");
        let json = serde_json::to_string(&id).expect("序列化");
        assert_eq!(json, format!("\"{SAMPLE}\""));
        let back: IdNumber = serde_json::from_str(&json).expect("反序列化");
        assert_eq!(back, id);
        let bad = serde_json::from_str::<IdNumber>("\"110105194912310021\"").unwrap_err();
        assert!(bad.to_string().contains("校验位错误"), "{bad}");
    }

    #[test]
    fn debug_does_not_leak_the_number() {
        let id = IdNumber::parse(SAMPLE, today()).expect("有效");
        let debug = format!("{id:?}");
        assert!(!debug.contains("110105"), "{debug}");
        assert!(debug.contains("002X"), "{debug}");
    }

    #[test]
    fn check_char_known_values() {
        assert_eq!(check_char(b"11010519491231002"), b'X');
        assert_eq!(check_char(b"44052418800101001"), b'4');
        assert_eq!(make_valid("11010519491231002"), SAMPLE);
    }

    #[test]
    #[should_panic(expected = "make_valid 需要17位数字")]
    fn make_valid_rejects_bad_prefix() {
        make_valid("1101051949123100");
    }

    /// 证明：前 17 位中任意一位换成另一个数字，校验位必然改变。加权和的变化量是
    /// w_i·(d′−d)，11 是素数且 w_i、d′−d 都不是 11 的倍数，所以变化量 mod 11 不为 0。
    /// 变化量只取决于位置和差值，与其余各位无关，故穷举 (位置, 差值) 即覆盖所有号码。
    #[test]
    fn every_single_digit_substitution_changes_the_check_char() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            assert_ne!(w % 11, 0, "第{}位加权因子", i + 1);
            for delta in 1..=9u32 {
                assert_ne!((w * delta) % 11, 0, "第{}位，差值{delta}", i + 1);
            }
        }
        let base: [u8; 17] = *b"11010519491231002";
        for i in 0..17 {
            for d in b'0'..=b'9' {
                if d == base[i] {
                    continue;
                }
                let mut changed = base;
                changed[i] = d;
                assert_ne!(check_char(&changed), check_char(&base));
            }
        }
    }

    /// 有效号码：真实省级代码、1900-01-01 至今天之间的出生日期。
    fn valid_id() -> impl Strategy<Value = String> {
        let days = (today() - earliest_birth_date()).num_days();
        (
            proptest::sample::select(PROVINCE_CODES),
            0u32..10_000,
            0..=days,
            0u32..1000,
        )
            .prop_map(|(province, rest, offset, seq)| {
                let birth = earliest_birth_date() + chrono::Duration::days(offset);
                make_valid(&format!(
                    "{province}{rest:04}{:04}{:02}{:02}{seq:03}",
                    birth.year(),
                    birth.month(),
                    birth.day()
                ))
            })
    }

    fn substitute() -> impl Strategy<Value = char> {
        prop_oneof![
            (b'0'..=b'9').prop_map(char::from),
            Just('X'),
            Just('x'),
            Just(' '),
            Just('\u{3000}'),
            proptest::char::range('\u{FF10}', '\u{FF19}'),
            any::<char>(),
        ]
    }

    fn replace_at(s: &str, index: usize, c: char) -> String {
        s.chars()
            .enumerate()
            .map(|(i, old)| if i == index { c } else { old })
            .collect()
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(id in valid_id()) {
            let parsed = IdNumber::parse(&id, today())
                .map_err(|e| TestCaseError::fail(format!("{id}: {e}")))?;
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(parsed.division_code(), &id[..6]);
            let seq_digit = id.as_bytes()[16] - b'0';
            prop_assert_eq!(parsed.sex() == Sex::Male, seq_digit % 2 == 1);
            let digits = parsed.birth_date().format("%Y%m%d").to_string();
            prop_assert_eq!(digits.as_str(), &id[6..14]);
            let lower = id.to_ascii_lowercase();
            prop_assert_eq!(IdNumber::parse(&lower, today()), Ok(parsed.clone()));
            let json = serde_json::to_string(&parsed).unwrap_or_default();
            prop_assert_eq!(serde_json::from_str::<IdNumber>(&json).ok(), Some(parsed));
        }

        #[test]
        fn any_single_substitution_is_rejected(
            id in valid_id(),
            index in 0usize..18,
            c in substitute(),
        ) {
            let changed = replace_at(&id, index, c);
            // 全角数字、末位小写 x 等规整后与原号码相同的替换不算改动。
            let canonical = normalize_typed(&changed).to_ascii_uppercase();
            prop_assume!(canonical != id);
            let result = IdNumber::parse(&changed, today());
            prop_assert!(result.is_err(), "{} → {}: {:?}", id, changed, result);
        }

        #[test]
        fn single_digit_substitution_in_body_is_caught_by_check_char(
            id in valid_id(),
            index in 0usize..17,
            d in b'0'..=b'9',
        ) {
            let bytes = id.as_bytes();
            prop_assume!(bytes[index] != d);
            let mut original = [0u8; 17];
            original.copy_from_slice(&bytes[..17]);
            let mut changed = original;
            changed[index] = d;
            prop_assert_ne!(check_char(&changed), check_char(&original));
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
            let _ = IdNumber::parse(&s, today());
            let _ = IdNumber::parse_stored(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[0-9xX０-９ｘ \u{3000}]{14,20}") {
            let _ = IdNumber::parse(&s, today());
        }

        #[test]
        fn masked_keeps_length_and_last_four(id in valid_id()) {
            let masked = IdNumber::parse(&id, today())
                .map_err(|e| TestCaseError::fail(format!("{id}: {e}")))?
                .masked();
            prop_assert_eq!(masked.chars().count(), 18);
            prop_assert_eq!(&masked[14..], &id[14..]);
            prop_assert!(masked[..14].chars().all(|c| c == '*'));
        }
    }
}
