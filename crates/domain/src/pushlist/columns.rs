//! 推送名单的列：上级下发的中文表头，或英文别名。列的顺序不限，多余的列忽略。

use crate::validate::normalize_typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Name,
    IdNumber,
    Phone,
    Origin,
    ArrivedAt,
    Address,
    Note,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Name,
        Column::IdNumber,
        Column::Phone,
        Column::Origin,
        Column::ArrivedAt,
        Column::Address,
        Column::Note,
    ];

    /// 标准中文表头，也是错误报告里“字段”一栏的写法。
    pub fn label_zh(self) -> &'static str {
        match self {
            Column::Name => "姓名",
            Column::IdNumber => "身份证号",
            Column::Phone => "手机号",
            Column::Origin => "来源地",
            Column::ArrivedAt => "抵达时间",
            Column::Address => "现住址",
            Column::Note => "备注",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::IdNumber => "id_number",
            Column::Phone => "phone",
            Column::Origin => "origin",
            Column::ArrivedAt => "arrived_at",
            Column::Address => "address",
            Column::Note => "note",
        }
    }

    /// 各地导出的表头写法不一，常见的同义写法都认。
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["姓名", "name"],
            Column::IdNumber => &["身份证号", "身份证号码", "证件号码", "id_number"],
            Column::Phone => &["手机号", "手机号码", "联系电话", "电话", "phone"],
            Column::Origin => &["来源地", "来源", "出发地", "origin"],
            Column::ArrivedAt => &["抵达时间", "抵达日期", "到达时间", "arrived_at"],
            Column::Address => &["现住址", "现居住地址", "居住地址", "住址", "address"],
            Column::Note => &["备注", "note"],
        }
    }

    /// 缺了就无法核查的列；手机号和备注可以没有。
    pub fn required(self) -> bool {
        !matches!(self, Column::Phone | Column::Note)
    }

    pub fn from_header(header: &str) -> Option<Column> {
        let h = normalize_typed(header);
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().iter().any(|a| a.eq_ignore_ascii_case(&h)))
    }
}

/// 整个文件因表头被拒：此时没有任何一行可以导入。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("文件为空，没有表头")]
    Empty,
    #[error("缺少列：{}（可用英文列名 {}）", .0.iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、"), .0.iter().map(|c| c.english()).collect::<Vec<_>>().join(", "))]
    Missing(Vec<Column>),
    #[error("列“{}”出现了两次（第{}列和第{}列）", .column.label_zh(), .first + 1, .second + 1)]
    Duplicate {
        column: Column,
        first: usize,
        second: usize,
    },
}

/// 每个已知列在一行里的位置。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    index: [Option<usize>; 7],
}

impl ColumnMap {
    pub fn from_headers<S: AsRef<str>>(headers: &[S]) -> Result<ColumnMap, HeaderError> {
        if headers
            .iter()
            .all(|h| normalize_typed(h.as_ref()).is_empty())
        {
            return Err(HeaderError::Empty);
        }
        let mut index = [None; 7];
        for (i, h) in headers.iter().enumerate() {
            if let Some(c) = Column::from_header(h.as_ref()) {
                let slot = &mut index[c as usize];
                if let Some(first) = *slot {
                    return Err(HeaderError::Duplicate {
                        column: c,
                        first,
                        second: i,
                    });
                }
                *slot = Some(i);
            }
        }
        let missing: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && index[*c as usize].is_none())
            .collect();
        if missing.is_empty() {
            Ok(ColumnMap { index })
        } else {
            Err(HeaderError::Missing(missing))
        }
    }

    pub fn position(&self, column: Column) -> Option<usize> {
        self.index[column as usize]
    }

    /// 最靠右的已知列：比这更短的行缺了值。
    pub fn width(&self) -> usize {
        self.index.iter().flatten().max().map_or(0, |m| m + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers() {
        let zh = [
            "姓名",
            "身份证号",
            "手机号",
            "来源地",
            "抵达时间",
            "现住址",
            "备注",
        ];
        let m = ColumnMap::from_headers(&zh).unwrap();
        assert_eq!(m.position(Column::Note), Some(6));
        let en = [
            "NOTE",
            " id_number ",
            "name",
            "origin",
            "arrived_at",
            "address",
        ];
        let m = ColumnMap::from_headers(&en).unwrap();
        assert_eq!(m.position(Column::IdNumber), Some(1));
        assert_eq!(m.position(Column::Phone), None);
        assert_eq!(m.width(), 6);
    }

    #[test]
    fn full_width_and_bom_headers() {
        let h = [
            "\u{feff}姓名",
            "身份证号码",
            "　现住址　",
            "来源",
            "到达时间",
        ];
        assert!(ColumnMap::from_headers(&h).is_ok());
    }

    #[test]
    fn missing_and_duplicate_columns_are_named() {
        let err = ColumnMap::from_headers(&["姓名", "手机号"]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("身份证号") && msg.contains("现住址"), "{msg}");
        assert!(msg.contains("id_number"), "{msg}");
        let err =
            ColumnMap::from_headers(&["姓名", "name", "身份证号", "来源地", "抵达时间", "现住址"])
                .unwrap_err();
        assert!(matches!(
            err,
            HeaderError::Duplicate {
                column: Column::Name,
                ..
            }
        ));
        assert_eq!(
            ColumnMap::from_headers(&["", " "]).unwrap_err(),
            HeaderError::Empty
        );
    }
}
