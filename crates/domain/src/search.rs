//! 查找人员: what a user types into the search box of a list of people, understood one way
//! everywhere (来返报备, 每日名单, 推送核查, 常住人口): a full ID number (18 digits, or the old 15)
//! finds that number; four digits (the last may be X) find the numbers ending so, as staff read
//! them off a masked list (`**************002X`); anything else is a name or part of one.
//!
//! ```
//! use wangge_domain::search::PersonSearch;
//! assert_eq!(
//!     PersonSearch::parse("q", "002x").unwrap(),
//!     Some(PersonSearch::IdLast4("002X".into()))
//! );
//! assert_eq!(PersonSearch::parse("q", " 张 ").unwrap(), Some(PersonSearch::Name("张".into())));
//! assert!(PersonSearch::parse("q", "41010519").is_err());
//! assert_eq!(PersonSearch::parse("q", "").unwrap(), None);
//! ```

use std::fmt;

use crate::validate::text;

/// 查找框的长度上限（一个姓名或一个身份证号，留有余地）。
pub const SEARCH_MAX: usize = 30;

/// One search of a list of people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonSearch {
    /// 姓名或其一部分（包含即可）
    Name(String),
    /// 完整的身份证号（18 位或旧的 15 位），X 大写
    IdNumber(String),
    /// 身份证号末四位，X 大写
    IdLast4(String),
}

/// Why a search was refused: `field` is the query parameter, the message says what to type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SearchError {}

impl From<text::TextError> for SearchError {
    fn from(e: text::TextError) -> Self {
        SearchError {
            field: e.field().to_string(),
            message: e.to_string(),
        }
    }
}

impl PersonSearch {
    /// What was typed in `field`; empty is no search (`None`).
    pub fn parse(field: &str, typed: &str) -> Result<Option<PersonSearch>, SearchError> {
        let value = text::bounded(field, "查找", typed, SEARCH_MAX)?;
        if value.is_empty() {
            return Ok(None);
        }
        let upper = value.to_uppercase();
        if looks_like_id_digits(&upper) {
            return match upper.len() {
                4 => Ok(Some(PersonSearch::IdLast4(upper))),
                15 | 18 => Ok(Some(PersonSearch::IdNumber(upper))),
                n => Err(SearchError {
                    field: field.to_string(),
                    message: format!(
                        "查找：输入了 {n} 位数字；按身份证号查找请输入完整的 18 位号码或末四位，按姓名查找请输入姓名"
                    ),
                }),
            };
        }
        Ok(Some(PersonSearch::Name(value)))
    }

    /// Whether a record with this name and (full) ID number is found by the search; the same
    /// rule as the SQL the store builds with [`PersonSearch::like_pattern`].
    pub fn matches(&self, name: &str, id_number: &str) -> bool {
        match self {
            PersonSearch::Name(part) => name
                .to_ascii_lowercase()
                .contains(&part.to_ascii_lowercase()),
            PersonSearch::IdNumber(n) => id_number.eq_ignore_ascii_case(n),
            PersonSearch::IdLast4(last) => {
                id_number.len() >= 4
                    && id_number.is_char_boundary(id_number.len() - 4)
                    && id_number[id_number.len() - 4..].eq_ignore_ascii_case(last)
            }
        }
    }

    /// The `LIKE` pattern (with `\` as the escape character) of a name or last-four search,
    /// and `None` for a full number, which is compared for equality.
    pub fn like_pattern(&self) -> Option<String> {
        match self {
            PersonSearch::Name(part) => Some(format!("%{}%", escape_like(part))),
            PersonSearch::IdLast4(last) => Some(format!("%{last}")),
            PersonSearch::IdNumber(_) => None,
        }
    }

    /// What was searched for, as the list's title shows it (`姓名含“张”`, `身份证号末四位 002X`).
    pub fn describe(&self) -> String {
        match self {
            PersonSearch::Name(part) => format!("姓名含“{part}”"),
            PersonSearch::IdNumber(_) => "身份证号（完整）".to_string(),
            PersonSearch::IdLast4(last) => format!("身份证号末四位 {last}"),
        }
    }
}

/// Digits, with at most a final X: what an ID number (or a part of one) looks like.
fn looks_like_id_digits(s: &str) -> bool {
    let body = s.strip_suffix('X').unwrap_or(s);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
}

/// `%`, `_` and `\` taken literally in a `LIKE … ESCAPE '\'` pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Option<PersonSearch> {
        PersonSearch::parse("q", s).unwrap()
    }

    #[test]
    fn full_numbers_and_last_four() {
        assert_eq!(
            parse("41010519900307002x"),
            Some(PersonSearch::IdNumber("41010519900307002X".into()))
        );
        assert_eq!(
            parse("410105900307002"),
            Some(PersonSearch::IdNumber("410105900307002".into()))
        );
        assert_eq!(parse("0031"), Some(PersonSearch::IdLast4("0031".into())));
        // typed with full-width digits, as a Chinese IME gives them
        assert_eq!(
            parse("００３１"),
            Some(PersonSearch::IdLast4("0031".into()))
        );
    }

    #[test]
    fn other_digit_counts_say_what_to_type() {
        for s in ["1", "123", "12345", "4101051990", "4101051990030700211"] {
            let e = PersonSearch::parse("q", s).unwrap_err();
            assert_eq!(e.field, "q");
            assert!(e.message.contains("18 位"), "{s}: {}", e.message);
            assert!(e.message.contains(&format!("{} 位数字", s.len())), "{e}");
        }
    }

    #[test]
    fn names_and_bounds() {
        assert_eq!(parse("张三"), Some(PersonSearch::Name("张三".into())));
        assert_eq!(parse("X"), Some(PersonSearch::Name("X".into())));
        assert_eq!(parse("   "), None);
        let e = PersonSearch::parse("q", &"张".repeat(SEARCH_MAX + 1)).unwrap_err();
        assert_eq!(e.field, "q");
        assert!(e.message.contains("过长"), "{e}");
        assert!(PersonSearch::parse("q", "张\0三").is_err());
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(
            PersonSearch::Name("50%_\\".into())
                .like_pattern()
                .as_deref(),
            Some("%50\\%\\_\\\\%")
        );
        assert_eq!(
            PersonSearch::IdLast4("002X".into())
                .like_pattern()
                .as_deref(),
            Some("%002X")
        );
        assert_eq!(PersonSearch::IdNumber("1".repeat(18)).like_pattern(), None);
    }

    #[test]
    fn matching() {
        let id = "41010519900307002X";
        assert!(PersonSearch::IdLast4("002X".into()).matches("", id));
        assert!(PersonSearch::IdLast4("002X".into()).matches("", "41010519900307002x"));
        assert!(!PersonSearch::IdLast4("0021".into()).matches("", id));
        assert!(!PersonSearch::IdLast4("0021".into()).matches("", "21"));
        assert!(PersonSearch::IdNumber(id.into()).matches("", &id.to_lowercase()));
        assert!(PersonSearch::Name("三".into()).matches("张三丰", id));
        assert!(!PersonSearch::Name("李".into()).matches("张三丰", id));
        // a malformed stored number with multi-byte characters does not panic
        assert!(!PersonSearch::IdLast4("0021".into()).matches("", "号码0２１"));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_bounds_hold(s in "\\PC{0,40}") {
            if let Ok(Some(found)) = PersonSearch::parse("q", &s) {
                match &found {
                    PersonSearch::Name(n) => prop_assert!(n.chars().count() <= SEARCH_MAX),
                    PersonSearch::IdNumber(n) => prop_assert!(n.len() == 18 || n.len() == 15),
                    PersonSearch::IdLast4(n) => prop_assert_eq!(n.len(), 4),
                }
            }
        }

        #[test]
        fn a_number_is_found_by_itself_and_its_last_four(
            digits in "[0-9]{17}", last in "[0-9Xx]"
        ) {
            let id = format!("{digits}{last}");
            let full = parse(&id).unwrap();
            prop_assert!(full.matches("", &id));
            let tail = parse(&id[14..]).unwrap();
            prop_assert!(tail.matches("", &id));
        }
    }
}
