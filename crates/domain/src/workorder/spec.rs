//! 工单类型文件的结构（反序列化后、检查之前）。字段含义见 `data/workorder_kinds.toml` 的注释。

use crate::role::Role;
use serde::{Deserialize, Serialize};

/// 整个工单类型文件。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindsSpec {
    /// 文件版本，如 "2026-12"；每条工单记下它按哪个版本办理。
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, rename = "kind")]
    pub kinds: Vec<KindSpec>,
}

/// 一种工单类型。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    pub id: String,
    /// 中文名称，如“企业问题”。
    pub label: String,
    /// 新建工单所处的状态。
    pub initial: String,
    /// 可以销号（转入终止状态）的角色。
    pub closers: Vec<Role>,
    #[serde(default)]
    pub checklist: Vec<String>,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    pub states: Vec<StateSpec>,
    pub transitions: Vec<TransitionSpec>,
    #[serde(default, rename = "clock")]
    pub clocks: Vec<ClockSpec>,
}

/// 工单的一个字段。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    /// `choice` 字段的可选值。
    #[serde(default)]
    pub options: Vec<String>,
}

/// 字段类型。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// 单行文字
    Text,
    /// 多行文字
    LongText,
    /// 数字
    Number,
    /// 日期
    Date,
    /// 是/否
    Bool,
    /// 从 `options` 中选一项
    Choice,
}

impl FieldType {
    pub fn label_zh(self) -> &'static str {
        match self {
            FieldType::Text => "文字",
            FieldType::LongText => "多行文字",
            FieldType::Number => "数字",
            FieldType::Date => "日期",
            FieldType::Bool => "是/否",
            FieldType::Choice => "选项",
        }
    }
}

/// 一个状态。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    pub id: String,
    pub label: String,
    /// 终止状态（已销号、已批准……）：只有标了 `reopen = true` 的流转能从这里出去。
    #[serde(default)]
    pub terminal: bool,
}

/// 一条允许的流转。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    pub from: String,
    pub to: String,
    /// 动作名称，如“派发”“退单”“改派”“销号”。
    pub action: String,
    pub roles: Vec<Role>,
    /// 是否必须填写说明（理由、答复内容……）；`note_label` 是它在界面和错误信息里的名称。
    #[serde(default)]
    pub note_required: bool,
    #[serde(default)]
    pub note_label: Option<String>,
    /// 是否必须给出 1—5 的满意度评价。
    #[serde(default)]
    pub rating_required: bool,
    /// 流转前工单上必须已经记录的事实。
    #[serde(default)]
    pub preconditions: Vec<Precondition>,
    /// 从终止状态重新打开（如督察整改“回头看”发现反弹）。
    #[serde(default)]
    pub reopen: bool,
}

/// 流转的前提：工单上已经记录的事实。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// 已记录回访
    FollowUpVisit,
    /// 清单各项已齐全
    ChecklistComplete,
    /// 已上传整改佐证材料
    EvidenceAttached,
}

impl Precondition {
    pub fn label_zh(self) -> &'static str {
        match self {
            Precondition::FollowUpVisit => "记录回访",
            Precondition::ChecklistComplete => "填齐清单各项",
            Precondition::EvidenceAttached => "上传整改佐证材料",
        }
    }
}

/// 一个时限：进入 `start` 状态之日起算，第一次进入 `stop` 中任一状态时停止。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSpec {
    pub id: String,
    pub label: String,
    pub start: String,
    pub stop: Vec<String>,
    pub days: u32,
    pub unit: DayUnit,
    /// 自然日期限的末日遇节假日时顺延到其后第一个工作日。
    #[serde(default)]
    pub roll_to_workday: bool,
    /// 只对某个选项字段取某值的工单适用（如“重大问题”）。
    #[serde(default)]
    pub when: Option<ClockCondition>,
    #[serde(default)]
    pub extension: Option<ExtensionSpec>,
}

/// 时限的适用条件：`field` 为 `equals`。
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockCondition {
    pub field: String,
    pub equals: String,
}

/// 时限可延长：每次 `days`（与时限同一单位），至多 `times` 次。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionSpec {
    pub days: u32,
    pub times: u32,
}

/// 期限按工作日还是自然日计。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    Workdays,
    CalendarDays,
}

impl DayUnit {
    pub fn label_zh(self) -> &'static str {
        match self {
            DayUnit::Workdays => "个工作日",
            DayUnit::CalendarDays => "日",
        }
    }
}
