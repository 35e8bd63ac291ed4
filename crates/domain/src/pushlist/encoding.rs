//! CSV 的字符编码：办公室里的 Excel 另存为 CSV 时，有的是 GBK/GB18030，有的是带 BOM 的
//! UTF-8，也有不带 BOM 的 UTF-8。
//!
//! 判别规则：有 UTF-8 BOM → UTF-8；开头一段是合法 UTF-8 → UTF-8；否则按 GB18030（GBK 的超集）。
//! UTF-16 的 BOM 直接拒绝，请用户另存。
//!
//! 按字段解码而不是整文件解码：CSV 的分隔符（逗号、引号、换行）都是 ASCII，而 GB18030 多字节
//! 字符的每个字节都不会与它们相同，所以可以先按字节切分再逐个字段解码，出错时能指出行和列。

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// `bom`：开头的 3 字节 BOM 需跳过。
    Utf8 {
        bom: bool,
    },
    Gb18030,
}

impl TextEncoding {
    pub fn label_zh(self) -> &'static str {
        match self {
            TextEncoding::Utf8 { bom: true } => "UTF-8（带BOM）",
            TextEncoding::Utf8 { bom: false } => "UTF-8",
            TextEncoding::Gb18030 => "GB18030/GBK",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    #[error("文件是 UTF-16 编码，请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”")]
    Utf16,
    #[error("文件不是文本（CSV），可能是其他格式的文件改了扩展名")]
    Binary,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// 根据文件开头（建议 64 KB）判别编码。开头一段末尾被截断的多字节字符不算错。
pub fn detect_encoding(prefix: &[u8]) -> Result<TextEncoding, EncodingError> {
    if prefix.starts_with(UTF8_BOM) {
        return Ok(TextEncoding::Utf8 { bom: true });
    }
    if prefix.starts_with(b"\xFF\xFE") || prefix.starts_with(b"\xFE\xFF") {
        return Err(EncodingError::Utf16);
    }
    // 表格文件（zip、旧版 xls）里有 NUL，文本 CSV 没有
    if prefix.contains(&0) {
        return Err(EncodingError::Binary);
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => Ok(TextEncoding::Utf8 { bom: false }),
        // error_len() 为 None：只是末尾的字符被截断
        Err(e) if e.error_len().is_none() => Ok(TextEncoding::Utf8 { bom: false }),
        Err(_) => Ok(TextEncoding::Gb18030),
    }
}

/// 解码一个字段；字节在该编码下不合法时返回 `None`。
pub fn decode_field(encoding: TextEncoding, bytes: &[u8]) -> Option<Cow<'_, str>> {
    match encoding {
        TextEncoding::Utf8 { .. } => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
        TextEncoding::Gb18030 => {
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(s).0.into_owned()
    }

    #[test]
    fn detects_each_kind() {
        assert_eq!(
            detect_encoding(b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D"),
            Ok(TextEncoding::Utf8 { bom: true })
        );
        assert_eq!(
            detect_encoding("姓名,身份证号".as_bytes()),
            Ok(TextEncoding::Utf8 { bom: false })
        );
        assert_eq!(
            detect_encoding(&gbk("姓名,身份证号")),
            Ok(TextEncoding::Gb18030)
        );
        assert_eq!(detect_encoding(b"\xFF\xFEa\0"), Err(EncodingError::Utf16));
        assert_eq!(
            detect_encoding(b"PK\x03\x04\0\0"),
            Err(EncodingError::Binary)
        );
        // 开头截在一个汉字中间
        let cut = &"姓名".as_bytes()[..4];
        assert_eq!(detect_encoding(cut), Ok(TextEncoding::Utf8 { bom: false }));
    }

    #[test]
    fn decodes_gbk_fields_and_refuses_garbage() {
        let bytes = gbk("纬五路社区");
        assert_eq!(
            decode_field(TextEncoding::Gb18030, &bytes).as_deref(),
            Some("纬五路社区")
        );
        assert_eq!(decode_field(TextEncoding::Gb18030, b"\xFF\xFF"), None);
        assert_eq!(
            decode_field(TextEncoding::Utf8 { bom: false }, &bytes),
            None
        );
    }

    proptest! {
        #[test]
        fn gb18030_round_trips_chinese_text(s in "[\\u{4e00}-\\u{9fa5}a-z0-9 ]{0,40}") {
            let bytes = gbk(&s);
            let decoded = decode_field(TextEncoding::Gb18030, &bytes);
            prop_assert_eq!(decoded.as_deref(), Some(s.as_str()));
        }

        #[test]
        fn gb18030_bytes_never_contain_csv_delimiters(s in "[\\u{4e00}-\\u{9fa5}]{1,40}") {
            let bytes = gbk(&s);
            prop_assert!(!bytes.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')));
        }

        #[test]
        fn utf8_text_is_detected_as_utf8(s in "\\PC{0,60}") {
            prop_assume!(!s.contains('\0'));
            let d = detect_encoding(s.as_bytes());
            prop_assert!(matches!(d, Ok(TextEncoding::Utf8 { .. })), "{:?}", d);
        }
    }
}
