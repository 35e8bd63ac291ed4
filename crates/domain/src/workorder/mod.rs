//! 工单引擎（工单类型、状态流转、时限）：企业问题、督察整改、信访、欠薪线索、防汛隐患、
//! 复工申请、双随机检查共用一个状态机、一套时限与超期逻辑。
//!
//! 工单类型是数据，不是代码：一个带版本的 TOML 文件（默认的是 `data/workorder_kinds.toml`，
//! 格式见其中注释），与政策文件一样在加载时全部检查（[`Kinds::from_toml`]），所以
//! [`Kind`] 总是自洽的：状态都可达、有终止状态、流转只指向已有状态、时限只引用已有的状态
//! 和字段。
//!
//! [`transition`] 判断一次流转是否允许；不允许时，错误用中文写明当前状态和可以转入的状态、
//! 可以办理的角色、缺少的说明或评价。[`due_date`] 和 [`is_overdue`] 按
//! [`crate::calendar`] 的工作日历计算期限（调休上班日算工作日，法定节假日不算）。
//!
//! ```
//! use wangge_domain::role::Role;
//! use wangge_domain::workorder::{default_kinds, transition, Facts};
//! let kinds = default_kinds();
//! let kind = kinds.get("enterprise_problem").unwrap();
//! let e = transition(kind, "accepted", "closed", Role::DepartmentHandler, &Facts::default())
//!     .unwrap_err();
//! assert_eq!(e.to_string(), "当前状态为“已受理”，只能转为：办理中、退单");
//! let ok = transition(kind, "accepted", "in_progress", Role::DepartmentHandler, &Facts::default())
//!     .unwrap();
//! assert_eq!(ok.to, "in_progress");
//! ```

mod check;
mod clock;
mod engine;
mod fields;
mod spec;
#[cfg(test)]
mod tests;

pub use check::{
    check, KindIssue, KindsError, MAX_CHECKLIST_CHARS, MAX_FIELDS, MAX_FILE_BYTES, MAX_ID_LEN,
    MAX_KINDS, MAX_LABEL_CHARS, MAX_STATES, MAX_TRANSITIONS,
};
pub use clock::{due_date, is_overdue, ClockError, ClockStatus};
pub use engine::{transition, Facts, Transition, TransitionError, MAX_NOTE_CHARS};
pub use fields::{FieldError, MAX_LONG_TEXT_CHARS, MAX_TEXT_CHARS};
pub use spec::{
    ClockCondition, ClockSpec, DayUnit, ExtensionSpec, FieldSpec, FieldType, KindSpec, KindsSpec,
    Precondition, StateSpec, TransitionSpec,
};

/// 随程序发布的默认工单类型文件。
pub const DEFAULT_KINDS_TOML: &str = include_str!("../../data/workorder_kinds.toml");

/// 内置的工单类型（已由测试检查）。
pub fn default_kinds() -> Kinds {
    Kinds::from_toml(DEFAULT_KINDS_TOML).expect("内置工单类型文件已由测试检查")
}

/// 检查通过的工单类型文件。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kinds {
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) kinds: Vec<Kind>,
}

impl Kinds {
    /// 文件版本。
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// 全部类型，按文件顺序。
    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// 按 id 或中文名称找类型。
    pub fn get(&self, id_or_label: &str) -> Option<&Kind> {
        let key = id_or_label.trim();
        self.kinds
            .iter()
            .find(|k| k.spec.id == key)
            .or_else(|| self.kinds.iter().find(|k| k.spec.label == key))
    }
}

/// 一种检查通过的工单类型。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    spec: KindSpec,
}

impl Kind {
    fn new(spec: KindSpec) -> Self {
        Kind { spec }
    }

    pub fn spec(&self) -> &KindSpec {
        &self.spec
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn label(&self) -> &str {
        &self.spec.label
    }

    /// 新建工单的状态。
    pub fn initial(&self) -> &StateSpec {
        // 检查保证初始状态存在；万一不在，退回第一个状态（检查也保证至少有一个）。
        self.state(&self.spec.initial)
            .unwrap_or(&self.spec.states[0])
    }

    pub fn states(&self) -> &[StateSpec] {
        &self.spec.states
    }

    /// 按 id 找状态。
    pub fn state(&self, id: &str) -> Option<&StateSpec> {
        self.spec.states.iter().find(|s| s.id == id)
    }

    /// 按 id 或中文名称找状态（接口的 `to` 两者都收）。
    pub fn resolve_state(&self, id_or_label: &str) -> Option<&StateSpec> {
        let key = id_or_label.trim();
        self.state(key)
            .or_else(|| self.spec.states.iter().find(|s| s.label == key))
    }

    pub fn is_terminal(&self, state: &str) -> bool {
        self.state(state).is_some_and(|s| s.terminal)
    }

    /// 从 `state` 出发允许的流转，按文件顺序。
    pub fn transitions_from<'a>(
        &'a self,
        state: &'a str,
    ) -> impl Iterator<Item = &'a TransitionSpec> + 'a {
        self.spec
            .transitions
            .iter()
            .filter(move |t| t.from == state)
    }

    /// `role` 在 `state` 可以办理的流转（界面据此显示按钮），按文件顺序。
    pub fn transitions_for<'a>(
        &'a self,
        state: &'a str,
        role: crate::role::Role,
    ) -> impl Iterator<Item = &'a TransitionSpec> + 'a {
        self.transitions_from(state)
            .filter(move |t| t.roles.contains(&role))
    }

    pub fn fields(&self) -> &[FieldSpec] {
        &self.spec.fields
    }

    pub fn checklist(&self) -> &[String] {
        &self.spec.checklist
    }

    pub fn clocks(&self) -> &[ClockSpec] {
        &self.spec.clocks
    }

    pub fn clock(&self, id: &str) -> Option<&ClockSpec> {
        self.spec.clocks.iter().find(|c| c.id == id)
    }

    /// 可以销号的角色。
    pub fn closers(&self) -> &[crate::role::Role] {
        &self.spec.closers
    }
}
