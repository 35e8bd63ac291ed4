//! The grid tree (网格): district (区) → township/street (乡镇/街道) → community/village (社区/村)
//! → grid (网格).
//!
//! Codes follow GB/T 2260 and the statistical division codes where they exist: a district has 6
//! digits, a township 9 (district + 3), a community 12 (township + 3). Grids have no national
//! code; ours are the community code + 3 digits, so every code names its ancestors.
//!
//! Each node stores a materialised path (`410105/410105001/`) so that "the subtree of X" is a
//! range scan `[path, path_end)`, which both SQLite and PostgreSQL answer from an index.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 区/县
    District,
    /// 乡镇/街道
    Township,
    /// 社区/村
    Community,
    /// 网格
    Grid,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::District,
        Level::Township,
        Level::Community,
        Level::Grid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Township => "township",
            Level::Community => "community",
            Level::Grid => "grid",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::District => "区县",
            Level::Township => "乡镇/街道",
            Level::Community => "社区/村",
            Level::Grid => "网格",
        }
    }

    /// The level a child of this level must have; a grid has no children.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::District => Some(Level::Township),
            Level::Township => Some(Level::Community),
            Level::Community => Some(Level::Grid),
            Level::Grid => None,
        }
    }

    /// Number of digits a code of this level has.
    pub fn code_len(self) -> usize {
        match self {
            Level::District => 6,
            Level::Township => 9,
            Level::Community => 12,
            Level::Grid => 15,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = GridError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "district" | "区" | "县" | "区县" => Ok(Level::District),
            "township" | "street" | "乡镇" | "街道" | "乡镇/街道" => Ok(Level::Township),
            "community" | "village" | "社区" | "村" | "社区/村" => Ok(Level::Community),
            "grid" | "网格" => Ok(Level::Grid),
            other => Err(GridError::UnknownLevel(other.to_string())),
        }
    }
}

impl TryFrom<String> for Level {
    type Error = GridError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("未知层级“{0}”，应为 district/township/community/grid")]
    UnknownLevel(String),
    #[error("编码“{code}”应为 {expected} 位数字（{level}）")]
    CodeFormat {
        code: String,
        level: &'static str,
        expected: usize,
    },
    #[error("编码“{code}”不以上级编码“{parent}”开头")]
    CodeNotUnderParent { code: String, parent: String },
    #[error("{child}不能挂在{parent}之下")]
    WrongParentLevel {
        child: &'static str,
        parent: &'static str,
    },
    #[error("区县节点不能有上级")]
    DistrictWithParent,
    #[error("{0}节点必须有上级编码")]
    MissingParent(&'static str),
    #[error("名称不能为空")]
    EmptyName,
    #[error("名称过长（最多 64 字）")]
    NameTooLong,
    /// 名称含有控制字符（如 NUL）。
    #[error("{0}")]
    BadName(crate::validate::TextError),
}

/// Checks that a node of `level` with `code` may hang under a parent of `parent` (level, code).
pub fn validate_node(
    level: Level,
    code: &str,
    name: &str,
    parent: Option<(Level, &str)>,
) -> Result<(), GridError> {
    use crate::validate::text::{self, TextError, PLACE_NAME_MAX};
    match text::required("name", "名称", name, PLACE_NAME_MAX) {
        Ok(_) => {}
        Err(TextError::Empty { .. }) => return Err(GridError::EmptyName),
        Err(TextError::TooLong { .. }) => return Err(GridError::NameTooLong),
        Err(e) => return Err(GridError::BadName(e)),
    }
    if code.len() != level.code_len() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GridError::CodeFormat {
            code: code.to_string(),
            level: level.label_zh(),
            expected: level.code_len(),
        });
    }
    match (level, parent) {
        (Level::District, None) => Ok(()),
        (Level::District, Some(_)) => Err(GridError::DistrictWithParent),
        (_, None) => Err(GridError::MissingParent(level.label_zh())),
        (_, Some((parent_level, parent_code))) => {
            if parent_level.child() != Some(level) {
                return Err(GridError::WrongParentLevel {
                    child: level.label_zh(),
                    parent: parent_level.label_zh(),
                });
            }
            if !code.starts_with(parent_code) {
                return Err(GridError::CodeNotUnderParent {
                    code: code.to_string(),
                    parent: parent_code.to_string(),
                });
            }
            Ok(())
        }
    }
}

/// Materialised path of a node: its parent's path followed by its own code and `/`.
pub fn child_path(parent_path: Option<&str>, code: &str) -> String {
    format!("{}{}/", parent_path.unwrap_or(""), code)
}

/// Upper bound (exclusive) of the subtree of `path`: `'/'` is followed by `'0'` in byte order,
/// so every descendant path `path…` sorts in `[path, subtree_end(path))`.
pub fn subtree_end(path: &str) -> String {
    debug_assert!(path.ends_with('/'));
    let mut end = path[..path.len() - 1].to_string();
    end.push('0');
    end
}

/// Whether `path` lies in the subtree rooted at `root` (itself included).
pub fn in_subtree(root: &str, path: &str) -> bool {
    path.starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_chain() {
        assert_eq!(Level::District.child(), Some(Level::Township));
        assert_eq!(Level::Grid.child(), None);
        assert_eq!("街道".parse::<Level>().unwrap(), Level::Township);
        assert!("county".parse::<Level>().is_err());
    }

    #[test]
    fn node_validation() {
        assert!(validate_node(Level::District, "410105", "金水区", None).is_ok());
        assert!(validate_node(
            Level::Township,
            "410105001",
            "经八路街道",
            Some((Level::District, "410105"))
        )
        .is_ok());
        assert_eq!(
            validate_node(
                Level::Township,
                "410106001",
                "x",
                Some((Level::District, "410105"))
            ),
            Err(GridError::CodeNotUnderParent {
                code: "410106001".into(),
                parent: "410105".into()
            })
        );
        assert!(matches!(
            validate_node(
                Level::Grid,
                "410105001001001",
                "x",
                Some((Level::Township, "410105001"))
            ),
            Err(GridError::WrongParentLevel { .. })
        ));
        assert!(matches!(
            validate_node(
                Level::Township,
                "41010500A",
                "x",
                Some((Level::District, "410105"))
            ),
            Err(GridError::CodeFormat { .. })
        ));
        assert_eq!(
            validate_node(Level::District, "410105", "  ", None),
            Err(GridError::EmptyName)
        );
        assert!(matches!(
            validate_node(Level::District, "410105", "金水\0区", None),
            Err(GridError::BadName(_))
        ));
        assert_eq!(
            validate_node(Level::District, "410105", &"区".repeat(65), None),
            Err(GridError::NameTooLong)
        );
    }

    #[test]
    fn subtree_range_contains_descendants_only() {
        let root = child_path(Some("410105/"), "410105001");
        let end = subtree_end(&root);
        let child = child_path(Some(&root), "410105001002");
        let sibling = child_path(Some("410105/"), "410105002");
        assert!(child.as_str() >= root.as_str() && child.as_str() < end.as_str());
        assert!(!(sibling.as_str() >= root.as_str() && sibling.as_str() < end.as_str()));
        assert!(in_subtree(&root, &child));
        assert!(!in_subtree(&root, &sibling));
    }
}
