//! 状态流转：一次流转是否允许，不允许时为什么。

use super::spec::Precondition;
use super::Kind;
use crate::role::Role;

/// 说明（理由、答复内容）的最大长度（字符）。
pub const MAX_NOTE_CHARS: usize = 2000;

/// 流转时工单上已有的事实和随流转提交的内容。
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts<'a> {
    /// 随流转提交的说明（理由、答复内容……）。
    pub note: Option<&'a str>,
    /// 满意度评价，1—5。
    pub rating: Option<u8>,
    /// 工单上已记录回访。
    pub follow_up_visit: bool,
    /// 清单各项已齐全。
    pub checklist_complete: bool,
    /// 已上传整改佐证材料。
    pub evidence_attached: bool,
}

impl Facts<'_> {
    fn has(&self, p: Precondition) -> bool {
        match p {
            Precondition::FollowUpVisit => self.follow_up_visit,
            Precondition::ChecklistComplete => self.checklist_complete,
            Precondition::EvidenceAttached => self.evidence_attached,
        }
    }
}

/// 一次允许的流转，供记入工单和审计日志。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub kind: String,
    pub from: String,
    pub to: String,
    /// 动作名称，如“退单”。
    pub action: String,
    pub actor: Role,
    /// 去掉首尾空白的说明；空说明为 `None`。
    pub note: Option<String>,
    /// 要求评价时的满意度（1—5），否则为 `None`。
    pub rating: Option<u8>,
    /// 转入终止状态（销号）。
    pub closes: bool,
    /// 从终止状态重新打开。
    pub reopens: bool,
}

/// 流转被拒绝的原因。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// 工单当前所处的状态不在类型里（数据与类型文件版本不符）。
    #[error("工单类型“{kind}”没有状态“{state}”")]
    UnknownState { kind: String, state: String },
    /// 从当前状态不能转入目标状态。
    #[error("当前状态为“{current}”，{}", allowed_text(allowed))]
    NotAllowed {
        current: String,
        to: String,
        /// 可以转入的状态名称，按文件顺序。
        allowed: Vec<String>,
    },
    /// 这个角色不能办理这次流转。
    #[error(
        "从“{from}”转为“{to}”（{action}）只能由{}办理，{}不能办理",
        role_list(allowed),
        actor.label_zh()
    )]
    RoleNotAllowed {
        from: String,
        to: String,
        action: String,
        actor: Role,
        allowed: Vec<Role>,
    },
    /// 流转的前提尚未满足。
    #[error("{action}前须先{}", missing.label_zh())]
    PreconditionUnmet {
        action: String,
        missing: Precondition,
    },
    /// 缺少必填的说明或评价。
    #[error("{action}须填写“{field}”")]
    MissingField { action: String, field: String },
    /// 满意度评价不在 1—5 之间。
    #[error("满意度评价须为 1—5 分，收到 {rating}")]
    BadRating { rating: u8 },
    /// 说明太长。
    #[error("“{field}”不能超过 {MAX_NOTE_CHARS} 个字")]
    NoteTooLong { field: String },
}

fn allowed_text(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "不能再转为其他状态".to_string()
    } else {
        format!("只能转为：{}", allowed.join("、"))
    }
}

fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

/// 工单从 `current` 转为 `to`（状态 id 或中文名称）是否允许，`actor_role` 是办理人的角色。
///
/// 依次检查：当前状态存在；有这条流转（否则列出可以转入的状态）；角色允许（否则列出可以
/// 办理的角色）；前提已满足（如企业问题销号前已回访）；必填的说明和满意度评价已给出。
/// 办理人是否就是这张工单的提出人、接收部门，由调用方按数据判断。从不 panic。
pub fn transition(
    kind: &Kind,
    current: &str,
    to: &str,
    actor_role: Role,
    facts: &Facts<'_>,
) -> Result<Transition, TransitionError> {
    let Some(from) = kind.state(current) else {
        return Err(TransitionError::UnknownState {
            kind: kind.label().to_string(),
            state: current.chars().take(64).collect(),
        });
    };
    let target = kind.resolve_state(to);
    let found = target.and_then(|t| kind.transitions_from(&from.id).find(|tr| tr.to == t.id));
    let Some(tr) = found else {
        let allowed = kind
            .transitions_from(&from.id)
            .filter_map(|tr| kind.state(&tr.to))
            .map(|s| s.label.clone())
            .collect();
        return Err(TransitionError::NotAllowed {
            current: from.label.clone(),
            to: to.chars().take(64).collect(),
            allowed,
        });
    };
    let to_state = kind.state(&tr.to);
    let to_label = to_state.map(|s| s.label.clone()).unwrap_or_default();
    if !tr.roles.contains(&actor_role) {
        return Err(TransitionError::RoleNotAllowed {
            from: from.label.clone(),
            to: to_label,
            action: tr.action.clone(),
            actor: actor_role,
            allowed: tr.roles.clone(),
        });
    }
    if let Some(&missing) = tr.preconditions.iter().find(|&&p| !facts.has(p)) {
        return Err(TransitionError::PreconditionUnmet {
            action: tr.action.clone(),
            missing,
        });
    }
    let field = tr.note_label.clone().unwrap_or_else(|| "说明".to_string());
    let note = facts.note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        if n.chars().count() > MAX_NOTE_CHARS {
            return Err(TransitionError::NoteTooLong { field });
        }
    }
    if tr.note_required && note.is_none() {
        return Err(TransitionError::MissingField {
            action: tr.action.clone(),
            field,
        });
    }
    let rating = if tr.rating_required {
        match facts.rating {
            None => {
                return Err(TransitionError::MissingField {
                    action: tr.action.clone(),
                    field: "满意度评价".to_string(),
                })
            }
            Some(r @ 1..=5) => Some(r),
            Some(r) => return Err(TransitionError::BadRating { rating: r }),
        }
    } else {
        None
    };
    Ok(Transition {
        kind: kind.id().to_string(),
        from: from.id.clone(),
        to: tr.to.clone(),
        action: tr.action.clone(),
        actor: actor_role,
        note: note.map(str::to_string),
        rating,
        closes: to_state.is_some_and(|s| s.terminal),
        reopens: tr.reopen,
    })
}

impl Kind {
    /// 同 [`transition`]。
    pub fn transition(
        &self,
        current: &str,
        to: &str,
        actor_role: Role,
        facts: &Facts<'_>,
    ) -> Result<Transition, TransitionError> {
        transition(self, current, to, actor_role, facts)
    }
}
