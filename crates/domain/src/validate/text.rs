//! 自由文本字段的统一规则：长度上限（按字符计，不按字节）、控制字符（含 NUL）一律拒绝，
//! 多行备注只允许换行和制表符。存储层在写库之前调用，SQLite 与 PostgreSQL 因此一致：
//! PostgreSQL 本会拒绝 NUL 但说不出是哪个字段，SQLite 则照单全收。
//!
//! 规整方式与 [`super::normalize_typed`] 相同（全角转半角、去掉首尾空白和不可见字符）。
//! 多行文本另把 `\r\n` 和单独的 `\r` 统一为 `\n`。
//!
//! ```
//! use wangge_domain::validate::text::{self, NAME_MAX};
//! assert_eq!(text::required("name", "姓名", " 张三 ", NAME_MAX).unwrap(), "张三");
//! assert!(text::bounded("name", "姓名", "a\0b", NAME_MAX).is_err());
//! ```

use std::fmt;

/// 姓名、显示名称、卡口名称。
pub const NAME_MAX: usize = 50;
/// 登录用户名（用户名另有字符规则，见存储层）。
pub const USERNAME_MAX: usize = 32;
/// 密码（不规整、不去空白，只限长度：哈希一段几 MB 的“密码”是白费算力）。
pub const PASSWORD_MAX: usize = 128;
/// 住址、目的地地址、卡口位置。
pub const ADDRESS_MAX: usize = 200;
/// 多行备注、核查说明以外的长说明。
pub const NOTE_MAX: usize = 2000;
/// 名称类短文本：API 令牌名、批次名。
pub const TITLE_MAX: usize = 100;
/// 地名：网格节点名称、风险地区名称及其街道（沿用既有上限）。
pub const PLACE_NAME_MAX: usize = 64;
/// 地址关键词（地址 → 网格规则）。
pub const KEYWORD_MAX: usize = 100;
/// 一句话的说明：管控措施、去向、查无此人的原因、状态变更的理由。
pub const REASON_MAX: usize = 200;
/// 编码、编号类输入（网格编码、身份证号、车牌等）在解析之前的上限。
pub const CODE_MAX: usize = 64;
/// 查询条件里的自由文本（用户名、实体名、实体编号）。
pub const FILTER_MAX: usize = 100;

/// 一个文本字段为何被拒绝；`field` 是表单/JSON 里的字段名，`label` 是给人看的中文名。
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    Empty {
        field: String,
        label: String,
    },
    TooLong {
        field: String,
        label: String,
        len: usize,
        max: usize,
    },
    /// 含有控制字符；`position` 从 1 开始，按规整后的字符计。
    Control {
        field: String,
        label: String,
        ch: char,
        position: usize,
    },
}

impl TextError {
    /// 出错的字段名（用于 JSON 的 `field` 和表单标注）。
    pub fn field(&self) -> &str {
        match self {
            TextError::Empty { field, .. }
            | TextError::TooLong { field, .. }
            | TextError::Control { field, .. } => field,
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty { label, .. } => write!(f, "{label}不能为空"),
            TextError::TooLong {
                label, len, max, ..
            } => {
                write!(f, "{label}过长：{len} 个字符，最多 {max} 个字符")
            }
            TextError::Control {
                label,
                ch,
                position,
                ..
            } => write!(
                f,
                "{label}第 {position} 个字符是{}，不允许输入控制字符",
                super::describe_char(*ch)
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// 单行文本：规整后不得含任何控制字符（包括 NUL、制表符、换行），不得超过 `max` 个字符。
/// 可以为空；必填字段用 [`required`]。
pub fn bounded(field: &str, label: &str, value: &str, max: usize) -> Result<String, TextError> {
    check(field, label, value, max, false)
}

/// 同 [`bounded`]，但不能为空。
pub fn required(field: &str, label: &str, value: &str, max: usize) -> Result<String, TextError> {
    let s = bounded(field, label, value, max)?;
    if s.is_empty() {
        return Err(TextError::Empty {
            field: field.to_string(),
            label: label.to_string(),
        });
    }
    Ok(s)
}

/// 同 [`bounded`]，空值得到 `None`。
pub fn optional(
    field: &str,
    label: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, TextError> {
    match value {
        None => Ok(None),
        Some(v) => bounded(field, label, v, max).map(|s| Some(s).filter(|s| !s.is_empty())),
    }
}

/// 多行备注：允许换行（`\r\n`、`\r` 统一为 `\n`）和制表符，其余控制字符拒绝。可以为空。
pub fn multiline(field: &str, label: &str, value: &str, max: usize) -> Result<String, TextError> {
    check(field, label, value, max, true)
}

fn check(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    lines: bool,
) -> Result<String, TextError> {
    // a value far over the limit is refused before it is copied or converted; a char is at
    // most 4 bytes, so more than 4 × max bytes is certainly more than max chars
    if value.len() > max.saturating_mul(4).saturating_add(64) {
        return Err(too_long(field, label, value.chars().count(), max));
    }
    let mut s = super::normalize_typed(value);
    if lines && s.contains('\r') {
        s = s.replace("\r\n", "\n").replace('\r', "\n");
    }
    let mut len = 0;
    for c in s.chars() {
        len += 1;
        if c.is_control() && !(lines && matches!(c, '\n' | '\t')) {
            return Err(TextError::Control {
                field: field.to_string(),
                label: label.to_string(),
                ch: c,
                position: len,
            });
        }
    }
    if len > max {
        return Err(too_long(field, label, len, max));
    }
    Ok(s)
}

fn too_long(field: &str, label: &str, len: usize, max: usize) -> TextError {
    TextError::TooLong {
        field: field.to_string(),
        label: label.to_string(),
        len,
        max,
    }
}

/// 请求中任何一个值是否含有 NUL：表单提取器用它在解析之前拒绝整张表单。
pub fn find_nul<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<&'a str> {
    pairs
        .into_iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_normalises_like_typed_values() {
        assert_eq!(
            bounded("n", "姓名", "  张三\u{3000}", NAME_MAX).unwrap(),
            "张三"
        );
        assert_eq!(bounded("n", "姓名", "ＡＢＣ", NAME_MAX).unwrap(), "ABC");
        assert_eq!(bounded("n", "姓名", "", NAME_MAX).unwrap(), "");
        // whitespace at the ends is trimmed, not refused as control characters
        assert_eq!(bounded("n", "姓名", "\t张三\n", NAME_MAX).unwrap(), "张三");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let fifty = "张".repeat(50);
        assert_eq!(bounded("name", "姓名", &fifty, 50).unwrap(), fifty);
        let e = bounded("name", "姓名", &"张".repeat(51), 50).unwrap_err();
        assert_eq!(
            e,
            TextError::TooLong {
                field: "name".into(),
                label: "姓名".into(),
                len: 51,
                max: 50
            }
        );
        assert_eq!(e.to_string(), "姓名过长：51 个字符，最多 50 个字符");
        assert_eq!(e.field(), "name");
    }

    #[test]
    fn refuses_huge_values_without_converting_them() {
        let big = "a".repeat(7 * 1024 * 1024);
        let e = bounded("name", "令牌名称", &big, TITLE_MAX).unwrap_err();
        assert!(matches!(e, TextError::TooLong { len, .. } if len == big.len()));
    }

    #[test]
    fn refuses_nul_and_control_characters_naming_the_position() {
        let e = bounded("display_name", "显示名称", "王\0五", NAME_MAX).unwrap_err();
        assert_eq!(e.field(), "display_name");
        assert_eq!(
            e.to_string(),
            "显示名称第 2 个字符是不可见字符（U+0000），不允许输入控制字符"
        );
        for bad in [
            "a\u{1}b", "a\u{1b}b", "a\u{7f}b", "a\u{85}b", "a\tb", "a\nb",
        ] {
            assert!(
                matches!(
                    bounded("f", "字段", bad, 10),
                    Err(TextError::Control { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn multiline_keeps_newlines_and_tabs_only() {
        assert_eq!(
            multiline("note", "备注", "第一行\r\n第二行\r第三行\t完", NOTE_MAX).unwrap(),
            "第一行\n第二行\n第三行\t完"
        );
        assert!(multiline("note", "备注", "a\0b", NOTE_MAX).is_err());
        assert!(multiline("note", "备注", "a\u{b}b", NOTE_MAX).is_err());
    }

    #[test]
    fn required_and_optional() {
        assert_eq!(
            required("name", "姓名", " \u{3000} ", NAME_MAX)
                .unwrap_err()
                .to_string(),
            "姓名不能为空"
        );
        assert_eq!(optional("phone", "手机号", None, 20).unwrap(), None);
        assert_eq!(optional("phone", "手机号", Some("  "), 20).unwrap(), None);
        assert_eq!(
            optional("phone", "手机号", Some(" 138 "), 20).unwrap(),
            Some("138".to_string())
        );
    }

    #[test]
    fn finds_nul_in_form_pairs() {
        assert_eq!(find_nul([("a", "1"), ("b", "x\0y")]), Some("b"));
        assert_eq!(find_nul([("a\0", "1")]), Some("a\0"));
        assert_eq!(find_nul([("a", "1")]), None);
    }

    proptest! {
        #[test]
        fn bounded_never_panics_and_accepts_only_clean_short_text(
            s in any::<String>(),
            max in 0usize..80,
        ) {
            if let Ok(v) = bounded("f", "字段", &s, max) {
                prop_assert!(!v.contains('\0'));
                prop_assert!(!v.chars().any(char::is_control), "{:?}", v);
                prop_assert!(v.chars().count() <= max);
            }
        }

        #[test]
        fn multiline_accepts_only_newlines_and_tabs_as_controls(
            s in any::<String>(),
            max in 0usize..80,
        ) {
            if let Ok(v) = multiline("f", "字段", &s, max) {
                prop_assert!(!v.contains('\0') && !v.contains('\r'));
                prop_assert!(v.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                prop_assert!(v.chars().count() <= max);
            }
        }

        #[test]
        fn clean_text_within_the_limit_is_accepted(s in "[a-z张王李 ]{0,50}") {
            let v = bounded("f", "字段", &s, 50);
            prop_assert_eq!(v, Ok(s.trim().to_string()));
        }

        #[test]
        fn nul_anywhere_inside_is_refused(a in "[a-z张]{1,10}", b in "[a-z张]{1,10}") {
            let s = format!("{a}\0{b}");
            let refused = matches!(bounded("f", "字段", &s, 50), Err(TextError::Control { .. }));
            prop_assert!(refused);
        }
    }
}
