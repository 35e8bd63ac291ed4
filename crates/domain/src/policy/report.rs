//! Findings of `check`: each names the rule, field and line it is about.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Syntax,
    UnknownField,
    MissingField,
    InvalidValue,
    DuplicateId,
    InvalidDuration,
    InvalidTest,
    InvalidDocument,
    InvalidTemplate,
    InvalidDates,
    TooLarge,
    NeverMatches,
    Unreachable,
    Overlap,
    Gap,
    Suspicious,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Syntax => "syntax",
            FindingKind::UnknownField => "unknown_field",
            FindingKind::MissingField => "missing_field",
            FindingKind::InvalidValue => "invalid_value",
            FindingKind::DuplicateId => "duplicate_id",
            FindingKind::InvalidDuration => "invalid_duration",
            FindingKind::InvalidTest => "invalid_test",
            FindingKind::InvalidDocument => "invalid_document",
            FindingKind::InvalidTemplate => "invalid_template",
            FindingKind::InvalidDates => "invalid_dates",
            FindingKind::TooLarge => "too_large",
            FindingKind::NeverMatches => "never_matches",
            FindingKind::Unreachable => "unreachable",
            FindingKind::Overlap => "overlap",
            FindingKind::Gap => "gap",
            FindingKind::Suspicious => "suspicious",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// 规则 id（与规则无关时为空）
    pub rule: Option<String>,
    /// 字段路径，如 `measures[1].days`
    pub field: Option<String>,
    /// 行号（从 1 起）
    pub line: Option<usize>,
    pub message: String,
}

impl Finding {
    pub(crate) fn new(kind: FindingKind, message: impl Into<String>) -> Self {
        Finding {
            kind,
            rule: None,
            field: None,
            line: None,
            message: message.into(),
        }
    }

    pub(crate) fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn line(mut self, line: Option<usize>) -> Self {
        self.line = self.line.or(line);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.kind.as_str())?;
        if let Some(line) = self.line {
            write!(f, " 第{line}行")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, " 规则“{rule}”")?;
        }
        if let Some(field) = &self.field {
            write!(f, " 字段 {field}")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// `check` 的结果：有错误即无效；警告（如规则重叠，按顺序已可裁决）不影响有效性。
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub policy: Option<String>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn error(&mut self, finding: Finding) {
        self.errors.push(finding);
    }

    pub(crate) fn warn(&mut self, finding: Finding) {
        self.warnings.push(finding);
    }

    /// Finds whether some finding of `kind` names `rule` (tests and callers that highlight rules).
    pub fn mentions(&self, kind: FindingKind, rule: &str) -> bool {
        self.errors
            .iter()
            .chain(&self.warnings)
            .any(|f| f.kind == kind && f.rule.as_deref() == Some(rule))
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.policy.as_deref().unwrap_or("（未能读取版本号）");
        let verdict = if self.is_valid() { "有效" } else { "无效" };
        writeln!(
            f,
            "政策 {name}：{verdict}，{} 个错误，{} 个警告",
            self.errors.len(),
            self.warnings.len()
        )?;
        for e in &self.errors {
            writeln!(f, "错误 {e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "警告 {w}")?;
        }
        Ok(())
    }
}
