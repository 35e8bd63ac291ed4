//! Validators for what people type: resident ID numbers, credit codes, mobile numbers, and the
//! bounds of free text, dates and numbers.
//!
//! 录入校验：居民身份证号码（GB 11643-1999）、统一社会信用代码（GB 32100-2015）、手机号；
//! 自由文本的长度与控制字符（[`text`]）、日期范围（[`date`]）、数字范围（[`number`]）。
//! 每个类型只能通过 `parse` 得到，所以拿到值就说明已校验；错误信息用中文说明错在哪里，
//! 导入报告可以直接展示给录入人员。

pub mod credit_code;
pub mod date;
pub mod id_number;
pub mod mobile;
pub mod number;
pub mod text;

pub use credit_code::{credit_check_char, make_valid_credit_code, CreditCode, CreditCodeError};
pub use id_number::{check_char, make_valid, IdNumber, IdNumberError, Sex, PROVINCE_CODES};
pub use mobile::{Mobile, MobileError};
pub use text::TextError;

/// 按办公室人员的录入习惯规整一个值：全角 ASCII（U+FF01–U+FF5E）转半角，全角空格（U+3000）
/// 和不间断空格（U+00A0）转普通空格，再去掉首尾空白。
///
/// 首尾的 BOM（U+FEFF）和零宽字符也一并去掉：Excel 导出的 CSV 第一格常带 BOM，从网页或
/// 聊天软件复制的号码常夹带零宽空格，肉眼看不见，录入人员无从改起。中间的零宽字符保留，
/// 由各校验器指出位置。
pub fn normalize_typed(s: &str) -> String {
    // most cells need no conversion: trim and copy once instead of rebuilding char by char
    if !s.chars().any(|c| to_half_width(c) != c) {
        return s.trim_matches(is_trimmable).to_string();
    }
    let converted: String = s.chars().map(to_half_width).collect();
    converted.trim_matches(is_trimmable).to_string()
}

fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => c,
    }
}

fn is_trimmable(c: char) -> bool {
    c.is_whitespace() || is_invisible(c)
}

/// 看不见但会混进复制内容里的格式字符。
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
    )
}

/// 在错误信息里描述一个字符：可见字符加引号，空格和不可见字符写明是什么，否则用户
/// 看到的是一对空引号。
pub(crate) fn describe_char(c: char) -> String {
    if c == ' ' {
        "空格".to_string()
    } else if c.is_whitespace() {
        format!("空白字符（U+{:04X}）", u32::from(c))
    } else if c.is_control() || is_invisible(c) {
        format!("不可见字符（U+{:04X}）", u32::from(c))
    } else {
        format!("“{c}”")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_ascii_and_ideographic_and_nbsp() {
        assert_eq!(normalize_typed("  abc \t\n"), "abc");
        assert_eq!(normalize_typed("\u{3000}abc\u{3000}"), "abc");
        assert_eq!(normalize_typed("\u{00A0}abc\u{00A0}"), "abc");
        assert_eq!(normalize_typed("\u{3000} \u{00A0}"), "");
        assert_eq!(normalize_typed(""), "");
    }

    #[test]
    fn converts_full_width_to_half_width() {
        assert_eq!(
            normalize_typed("１１０１０５１９４９１２３１００２Ｘ"),
            "11010519491231002X"
        );
        assert_eq!(normalize_typed("ｘ"), "x");
        assert_eq!(
            normalize_typed("＋８６　１３８－００１３－８０００"),
            "+86 138-0013-8000"
        );
        // 两端都包含在转换范围内。
        assert_eq!(normalize_typed("\u{FF01}\u{FF5E}"), "!~");
    }

    #[test]
    fn keeps_inner_spaces_and_non_ascii() {
        assert_eq!(normalize_typed(" 张　三 "), "张 三");
        assert_eq!(normalize_typed("a\u{00A0}b"), "a b");
    }

    #[test]
    fn strips_bom_and_zero_width_at_the_ends_only() {
        assert_eq!(
            normalize_typed("\u{FEFF}11010519491231002X"),
            "11010519491231002X"
        );
        assert_eq!(
            normalize_typed("\u{200B}138\u{200B}0013\u{200B}"),
            "138\u{200B}0013"
        );
    }

    #[test]
    fn describes_invisible_characters() {
        assert_eq!(describe_char('A'), "“A”");
        assert_eq!(describe_char(' '), "空格");
        assert_eq!(describe_char('\t'), "空白字符（U+0009）");
        assert_eq!(describe_char('\u{200B}'), "不可见字符（U+200B）");
        assert_eq!(describe_char('\u{0}'), "不可见字符（U+0000）");
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in any::<String>()) {
            let once = normalize_typed(&s);
            prop_assert_eq!(normalize_typed(&once), once.clone());
        }

        #[test]
        fn normalize_leaves_no_full_width_ascii_or_edge_space(s in any::<String>()) {
            let n = normalize_typed(&s);
            let leftover = n.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}');
            prop_assert!(!leftover, "{:?}", n);
            prop_assert!(!n.starts_with(char::is_whitespace));
            prop_assert!(!n.ends_with(char::is_whitespace));
        }

        #[test]
        fn normalize_maps_full_width_ascii_one_to_one(s in "[!-~]{0,40}") {
            let full: String = s
                .chars()
                .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
                .collect();
            prop_assert_eq!(normalize_typed(&full), s);
        }
    }
}
