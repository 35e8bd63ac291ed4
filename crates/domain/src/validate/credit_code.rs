//! 统一社会信用代码（GB 32100-2015）：登记管理部门代码 1 位 + 机构类别代码 1 位 +
//! 登记管理机关行政区划码 6 位 + 主体标识码（组织机构代码）9 位 + 校验码 1 位。
//!
//! 第 3–8 位只检查是数字，不检查省级代码：中央级登记机关用 `100000`，不在 GB/T 2260 里。
//! 第 9–17 位内含的组织机构代码校验位（GB 11714）也不检查：个体工商户等主体的这一段
//! 并不都满足它，而整体校验码已能发现单个字符的录入错误。

use super::{describe_char, normalize_typed};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

const LEN: usize = 18;

/// 代码字符集，按数值 0–30 排列；不用 I、O、Z、S、V，免得与 1、0、2、5、U 混淆。
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// 加权因子：3^(i-1) mod 31。
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// 登记管理部门代码。GB 32100-2015 原文只列 1、5、9、Y，此后陆续增补（司法行政 3 的律师事务所、
/// 工会 8、宗教 7、农业 N 等都在大量使用），拒绝其中任何一个都会挡住真实主体，所以收全已知的。
const AUTHORITIES: &[u8] = b"123456789AGJNQY";

/// 字符在代码字符集中的数值。
fn value_of(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|v| u32::try_from(v).ok())
}

/// 统一社会信用代码校验失败的原因。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码为空")]
    Empty,
    #[error("统一社会信用代码应为18位，实际为{actual}位")]
    WrongLength { actual: usize },
    /// `position` 从 1 开始数。
    #[error("统一社会信用代码含非法字符{}（第{position}位）{}", describe_char(*ch), excluded_letter_hint(*ch))]
    IllegalChar { ch: char, position: usize },
    #[error("统一社会信用代码第1位（登记管理部门代码）“{ch}”无效")]
    InvalidAuthority { ch: char },
    #[error("统一社会信用代码第2位（机构类别代码）“{ch}”无效，应为1-9")]
    InvalidCategory { ch: char },
    #[error("统一社会信用代码第3-8位应为行政区划代码（6位数字），第{position}位是“{ch}”")]
    InvalidDivision { ch: char, position: usize },
    #[error("统一社会信用代码校验位错误：应为{expected}，实际为{actual}")]
    WrongCheckChar { expected: char, actual: char },
}

/// 最常见的录入错误是把数字 0、1 打成字母 O、I，值得点明。
fn excluded_letter_hint(ch: char) -> &'static str {
    if matches!(ch, 'I' | 'O' | 'Z' | 'S' | 'V') {
        "，代码中不使用字母I、O、Z、S、V"
    } else {
        ""
    }
}

/// 已校验的 18 位统一社会信用代码，字母一律大写。
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// 校验录入的统一社会信用代码。先按录入习惯规整（全角转半角、去首尾空白），
    /// 小写字母视同大写。
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        // 只转 ASCII 大小写：Unicode 大写可能改变字符数（ß → SS），让长度和位置报错失真。
        let s = normalize_typed(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        let len = s.chars().count();
        if len != LEN {
            return Err(CreditCodeError::WrongLength { actual: len });
        }
        for (i, ch) in s.chars().enumerate() {
            let in_alphabet = u8::try_from(ch).is_ok_and(|b| ALPHABET.contains(&b));
            if !in_alphabet {
                return Err(CreditCodeError::IllegalChar {
                    ch,
                    position: i + 1,
                });
            }
        }
        // 以下 s 全是 ASCII。
        let bytes = s.as_bytes();
        if !AUTHORITIES.contains(&bytes[0]) {
            return Err(CreditCodeError::InvalidAuthority {
                ch: char::from(bytes[0]),
            });
        }
        if !(b'1'..=b'9').contains(&bytes[1]) {
            return Err(CreditCodeError::InvalidCategory {
                ch: char::from(bytes[1]),
            });
        }
        if let Some(i) = (2..8).find(|&i| !bytes[i].is_ascii_digit()) {
            return Err(CreditCodeError::InvalidDivision {
                ch: char::from(bytes[i]),
                position: i + 1,
            });
        }
        let expected = credit_check_char(&s[..17]).unwrap_or('?');
        let actual = char::from(bytes[17]);
        if expected != actual {
            return Err(CreditCodeError::WrongCheckChar { expected, actual });
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 第 1 位：登记管理部门代码（9 为市场监管/工商）。
    pub fn authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// 第 2 位：机构类别代码（登记管理部门为 9 时，1 企业、2 个体工商户、3 农民专业合作社）。
    pub fn category(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// 第 3–8 位：登记管理机关行政区划码。
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// 第 9–17 位：主体标识码（组织机构代码）。
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }
}

/// 按 GB 32100 计算校验字符。`first17` 不是 17 个代码字符集中的字符（大写）时返回 `None`。
pub fn credit_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value_of(b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|&b| char::from(b))
}

/// 在 17 位本体后补上校验字符。供演示数据和测试使用；不检查登记管理部门和机构类别。
///
/// # Panics
/// `prefix17` 不是 17 个代码字符集中的字符时 panic——这是调用方的编程错误，不是录入错误。
pub fn make_valid_credit_code(prefix17: &str) -> String {
    let check = credit_check_char(prefix17).unwrap_or_else(|| {
        panic!("make_valid_credit_code 需要17位代码字符（0-9及大写字母，不含I、O、Z、S、V），实际为“{prefix17}”")
    });
    let mut out = prefix17.to_string();
    out.push(check);
    out
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CreditCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 公开营业执照信息中的真实代码，检验算法与发证机关一致。
    const REAL: &[&str] = &[
        "91440300708461136T",
        "91330100716105852F",
        "914403001922038216",
        "91110108551385082Q",
        "91110000100010310K",
        "91110000802100433B",
        "91110000710925462X",
        "91440300279544901A",
        "91330201MA282UF146",
        "91330401MA28ADM67R",
        "91350100M000100Y43",
    ];

    #[test]
    fn accepts_real_codes() {
        for code in REAL {
            let parsed = CreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(parsed.as_str(), *code);
            assert_eq!(parsed.to_string(), *code);
        }
        let c = CreditCode::parse("91330201MA282UF146").expect("有效");
        assert_eq!(c.authority(), '9');
        assert_eq!(c.category(), '1');
        assert_eq!(c.division_code(), "330201");
        assert_eq!(c.organization_code(), "MA282UF14");
    }

    #[test]
    fn accepts_as_typed_in_an_office() {
        for typed in [
            "91330201ma282uf146",
            " 91330201MA282UF146\u{3000}",
            "９１３３０２０１ＭＡ２８２ＵＦ１４６",
            "\u{FEFF}91330201MA282UF146",
        ] {
            let c = CreditCode::parse(typed).unwrap_or_else(|e| panic!("{typed:?}: {e}"));
            assert_eq!(c.as_str(), "91330201MA282UF146");
        }
    }

    #[test]
    fn accepts_registration_authorities_beyond_market_regulation() {
        // 律师事务所（司法行政 3）、社会团体（民政 5）、工会（8）、村集体经济组织（农业 N）、
        // 机关（机构编制 1，中央级区划码 100000）。
        for prefix in [
            "31110000E00000001",
            "34110000E00000001",
            "51110000500000001",
            "81110000100000001",
            "N2410105000000001",
            "11100000000000001",
            "Y1110000000000001",
        ] {
            let code = make_valid_credit_code(prefix);
            assert!(CreditCode::parse(&code).is_ok(), "{code}");
        }
    }

    #[test]
    fn wrong_check_char() {
        let err = CreditCode::parse("91440300708461136U").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::WrongCheckChar {
                expected: 'T',
                actual: 'U'
            }
        );
        assert_eq!(
            err.to_string(),
            "统一社会信用代码校验位错误：应为T，实际为U"
        );
    }

    #[test]
    fn length_messages() {
        assert_eq!(CreditCode::parse("  ").unwrap_err(), CreditCodeError::Empty);
        let err = CreditCode::parse("9144030070846113").unwrap_err();
        assert_eq!(err, CreditCodeError::WrongLength { actual: 16 });
        assert_eq!(err.to_string(), "统一社会信用代码应为18位，实际为16位");
        // 老的 15 位工商注册号不是信用代码。
        assert_eq!(
            CreditCode::parse("110108012345678").unwrap_err(),
            CreditCodeError::WrongLength { actual: 15 }
        );
    }

    #[test]
    fn illegal_char_messages() {
        let err = CreditCode::parse("91440300708461136O").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::IllegalChar {
                ch: 'O',
                position: 18
            }
        );
        assert_eq!(
            err.to_string(),
            "统一社会信用代码含非法字符“O”（第18位），代码中不使用字母I、O、Z、S、V"
        );
        // 小写先转大写，所以报的是大写字母。
        let err = CreditCode::parse("9144o300708461136T").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::IllegalChar {
                ch: 'O',
                position: 5
            }
        );
        let err = CreditCode::parse("914403007084611-6T").unwrap_err();
        assert_eq!(err.to_string(), "统一社会信用代码含非法字符“-”（第16位）");
        let err = CreditCode::parse("9144030070846113\u{200B}T").unwrap_err();
        assert_eq!(
            err.to_string(),
            "统一社会信用代码含非法字符不可见字符（U+200B）（第17位）"
        );
    }

    #[test]
    fn structure_messages() {
        let err = CreditCode::parse(&make_valid_credit_code("B1440300708461136")).unwrap_err();
        assert_eq!(err, CreditCodeError::InvalidAuthority { ch: 'B' });
        assert_eq!(
            err.to_string(),
            "统一社会信用代码第1位（登记管理部门代码）“B”无效"
        );
        let err = CreditCode::parse(&make_valid_credit_code("90440300708461136")).unwrap_err();
        assert_eq!(err, CreditCodeError::InvalidCategory { ch: '0' });
        let err = CreditCode::parse(&make_valid_credit_code("9A440300708461136")).unwrap_err();
        assert_eq!(err, CreditCodeError::InvalidCategory { ch: 'A' });
        let err = CreditCode::parse(&make_valid_credit_code("9144A300708461136")).unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::InvalidDivision {
                ch: 'A',
                position: 5
            }
        );
        assert_eq!(
            err.to_string(),
            "统一社会信用代码第3-8位应为行政区划代码（6位数字），第5位是“A”"
        );
    }

    #[test]
    fn check_char_helper() {
        assert_eq!(credit_check_char("91440300708461136"), Some('T'));
        assert_eq!(credit_check_char("9144030070846113"), None);
        assert_eq!(credit_check_char("9144030070846113O"), None);
        assert_eq!(credit_check_char("9144030070846113t"), None);
        assert_eq!(credit_check_char("9144030070846113é"), None);
        assert_eq!(
            make_valid_credit_code("91440300708461136"),
            "91440300708461136T"
        );
    }

    #[test]
    #[should_panic(expected = "make_valid_credit_code 需要17位代码字符")]
    fn make_valid_rejects_bad_prefix() {
        make_valid_credit_code("9144030070846113I");
    }

    #[test]
    fn serde_is_a_plain_string_and_validates_on_read() {
        let c = CreditCode::parse("91440300708461136T").expect("有效");
        let json = serde_json::to_string(&c).expect("序列化");
        assert_eq!(json, "\"91440300708461136T\"");
        assert_eq!(
            serde_json::from_str::<CreditCode>(&json).ok(),
            Some(c.clone())
        );
        assert!(serde_json::from_str::<CreditCode>("\"91440300708461136U\"").is_err());
        assert_eq!("91440300708461136t".parse::<CreditCode>(), Ok(c.clone()));
        assert_eq!(
            CreditCode::try_from("91440300708461136T".to_string()),
            Ok(c)
        );
    }

    /// 证明：前 17 位中任意一位换成字符集中另一个字符，校验字符必然改变。加权和变化
    /// w_i·(v′−v)，31 是素数，w_i = 3^(i-1) mod 31 非 0，|v′−v| ≤ 30，所以变化量 mod 31 不为 0；
    /// 校验字符是加权和 mod 31 的双射。变化量与其余各位无关，穷举 (位置, 差值) 即覆盖全部代码。
    #[test]
    fn every_single_substitution_changes_the_check_char() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            for delta in 1..=30u32 {
                assert_ne!((w * delta) % 31, 0, "第{}位，差值{delta}", i + 1);
            }
        }
        let distinct: std::collections::HashSet<u32> =
            (0..31u32).map(|sum| (31 - sum % 31) % 31).collect();
        assert_eq!(distinct.len(), 31);
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        proptest::sample::select(ALPHABET.as_slice()).prop_map(char::from)
    }

    fn valid_code() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(AUTHORITIES).prop_map(char::from),
            (b'1'..=b'9').prop_map(char::from),
            0u32..1_000_000,
            proptest::collection::vec(alphabet_char(), 9),
        )
            .prop_map(|(authority, category, division, body)| {
                let body: String = body.into_iter().collect();
                make_valid_credit_code(&format!("{authority}{category}{division:06}{body}"))
            })
    }

    fn substitute() -> impl Strategy<Value = char> {
        prop_oneof![
            alphabet_char(),
            alphabet_char().prop_map(|c| c.to_ascii_lowercase()),
            proptest::sample::select(b"IOZSVioszv".as_slice()).prop_map(char::from),
            Just(' '),
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
        fn valid_codes_round_trip(code in valid_code()) {
            let parsed = CreditCode::parse(&code)
                .map_err(|e| TestCaseError::fail(format!("{code}: {e}")))?;
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(CreditCode::parse(&code.to_ascii_lowercase()), Ok(parsed.clone()));
            let json = serde_json::to_string(&parsed).unwrap_or_default();
            prop_assert_eq!(serde_json::from_str::<CreditCode>(&json).ok(), Some(parsed));
        }

        #[test]
        fn any_single_substitution_is_rejected(
            code in valid_code(),
            index in 0usize..18,
            c in substitute(),
        ) {
            let changed = replace_at(&code, index, c);
            // 大小写、全角半角之差在规整后消失，不算改动。
            prop_assume!(normalize_typed(&changed).to_ascii_uppercase() != code);
            let result = CreditCode::parse(&changed);
            prop_assert!(result.is_err(), "{} → {}: {:?}", code, changed, result);
        }

        #[test]
        fn substitution_in_body_is_caught_by_check_char(
            code in valid_code(),
            index in 0usize..17,
            c in alphabet_char(),
        ) {
            prop_assume!(code.as_bytes()[index] != c as u8);
            let changed = replace_at(&code[..17], index, c);
            prop_assert_ne!(credit_check_char(&changed), credit_check_char(&code[..17]));
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
            let _ = CreditCode::parse(&s);
            let _ = credit_check_char(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[0-9A-Za-z９Ａｍ \u{3000}]{16,20}") {
            let _ = CreditCode::parse(&s);
        }
    }
}
