//! 审计日志的中文: what the log's actions (操作), objects (对象) and fields are called, and a
//! before/after pair shown as a field-by-field difference (字段：修改前 → 修改后), with coded
//! values (状态、角色、风险等级…) in words. The log itself keeps the English keys and the JSON,
//! so API clients and old entries read the same; only what people see is translated here.

use serde_json::Value;

use crate::arrival::ArrivalStatus;
use crate::checkpoint::{AlertOutcome, CheckpointKind};
use crate::grid::Level;
use crate::policy::RiskLevel;
use crate::pushlist::PushState;
use crate::role::Role;

/// 操作: the action in Chinese, or the key itself when it has no name yet.
pub fn action_label(action: &str) -> &str {
    match action {
        "create" => "新增",
        "update" => "修改",
        "delete" => "删除",
        "close" => "停用",
        "rename" => "改名",
        "import" => "导入",
        "login" => "登录",
        "login_failed" => "登录失败",
        "login_locked" => "登录被锁定",
        "lockout" => "锁定账号",
        "reveal_id_number" => "查看完整身份证号",
        "export_id_numbers" => "导出完整身份证号",
        "check_in" => "健康打卡",
        "status" => "变更状态",
        "reassign" => "改派网格",
        "recompute" => "重算管控计划",
        "register" => "登记版本",
        "verify" => "登记核查结果",
        "place" => "分配网格",
        "handle" => "处置",
        "revoke" => "吊销",
        "request_move" => "申请迁入",
        "confirm_move" => "确认迁入",
        "reject_move" => "拒绝迁入",
        other => other,
    }
}

/// The kinds of record the log names, in the order a filter offers them.
pub const ENTITIES: &[&str] = &[
    "arrival",
    "push_item",
    "push_batch",
    "resident",
    "resident_move",
    "checkpoint",
    "checkpoint_alert",
    "risk_area",
    "policy",
    "address_rule",
    "grid_node",
    "user",
    "api_token",
    "export",
];

/// 对象: the kind of record in Chinese, or the key itself.
pub fn entity_label(entity: &str) -> &str {
    match entity {
        "grid_node" => "网格节点",
        "user" => "用户",
        "resident" => "常住人员",
        "resident_move" => "迁入申请",
        "arrival" => "来返报备",
        "risk_area" => "风险地区",
        "policy" => "管控政策",
        "push_batch" => "推送批次",
        "push_item" => "推送核查对象",
        "address_rule" => "地址对照规则",
        "checkpoint" => "卡口",
        "checkpoint_alert" => "卡口预警",
        "api_token" => "API 令牌",
        "export" => "导出",
        other => other,
    }
}

/// A field of a logged record in Chinese, if it has a name.
pub fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "id" => "编号",
        "active" => "启用",
        "list" => "名单",
        "filters" => "筛选条件",
        "format" => "格式",
        "address" => "住址",
        "arrival_date" => "抵达日期",
        "arrival_id" => "来返报备编号",
        "batch_id" => "批次",
        "category" => "类别",
        "channel" => "报备渠道",
        "code" => "编码",
        "created" => "新增",
        "created_at" => "创建时间",
        "day" => "日期",
        "destination" => "目的地/去向",
        "display_name" => "姓名",
        "documents" => "须出示",
        "effective_from" => "生效日期",
        "effective_until" => "失效日期",
        "expires_at" => "到期时间",
        "failed_logins" => "连续登录失败次数",
        "handled_at" => "处置时间",
        "handled_by" => "处置人",
        "id_number" => "身份证号",
        "keyword" => "关键词",
        "kind" => "类型",
        "late" => "迟报",
        "level" => "等级",
        "location" => "位置",
        "measures" => "管控措施",
        "merged" => "合并重复",
        "name" => "名称",
        "node" => "所属网格",
        "note" => "备注",
        "origin_risk" => "来源地风险等级",
        "outcome" => "处置结果",
        "parent_id" => "上级",
        "path" => "网格路径",
        "person_id" => "人员编号",
        "phases" => "管控阶段",
        "policy" => "政策版本",
        "reason" => "原因",
        "recorded_by" => "登记人",
        "rejected" => "被拒行数",
        "resident_id" => "常住人员编号",
        "risk_city_stay" => "风险城市旅居史",
        "role" => "角色",
        "rows" => "读取行数",
        "rule" => "适用规则",
        "rules" => "规则数",
        "state" => "状态",
        "status" => "状态",
        "street" => "街道/乡镇",
        "temperature" => "体温（℃）",
        "tests" => "核酸检测",
        "to" => "迁入网格",
        "tokens_revoked" => "吊销令牌数",
        "unassigned" => "待分配",
        "unknown_username" => "未知用户名",
        "user" => "用户",
        "username" => "用户名",
        "valid_from" => "起始日期",
        "valid_until" => "截止日期",
        _ => return None,
    })
}

/// One field that a logged change set, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// the field's key in the log
    pub field: String,
    /// its Chinese name (the key when it has none)
    pub label: String,
    /// before and after, in words; `None` where the side has no such field
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Change {
    /// The change on one line: "状态：已报备 → 已抵达", "角色：网格员" (set), "等级：高风险 → （删除）".
    pub fn text(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!("{}：{b} → {a}", self.label),
            (Some(b), None) => format!("{}：{b} → （删除）", self.label),
            (None, Some(a)) => format!("{}：{a}", self.label),
            (None, None) => self.label.clone(),
        }
    }
}

/// The fields of `entity` that differ between `before` and `after`, by key (the fields of
/// `after`, then those only `before` has). A creation lists every field it set, a deletion every
/// field it removed; a value that is not an object is shown as one field named 内容.
pub fn changes(entity: &str, before: Option<&Value>, after: Option<&Value>) -> Vec<Change> {
    let fields = |v: Option<&Value>| -> Vec<(String, Value)> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(other) => vec![(String::new(), other.clone())],
        }
    };
    let (b, a) = (fields(before), fields(after));
    let find = |side: &[(String, Value)], key: &str| {
        side.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    let mut keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &b {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let (old, new) = (find(&b, key), find(&a, key));
            if old == new {
                return None;
            }
            let label = if key.is_empty() {
                "内容".to_string()
            } else {
                field_label(key).unwrap_or(key).to_string()
            };
            Some(Change {
                field: key.to_string(),
                label,
                before: old.map(|v| value_text(entity, key, &v)),
                after: new.map(|v| value_text(entity, key, &v)),
            })
        })
        .collect()
}

/// A logged value in words: coded values by their Chinese names, yes/no as 是/否, nothing as
/// （空）, lists joined, anything else as compact JSON.
pub fn value_text(entity: &str, field: &str, v: &Value) -> String {
    match v {
        Value::Null => "（空）".into(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => coded(entity, field, s).map_or_else(|| s.clone(), str::to_string),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| value_text(entity, field, i))
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

/// The Chinese name of a coded value, where the field holds one.
fn coded(entity: &str, field: &str, s: &str) -> Option<&'static str> {
    match (entity, field) {
        ("arrival", "status") => s.parse::<ArrivalStatus>().ok().map(ArrivalStatus::label_zh),
        ("push_item", "state") => s.parse::<PushState>().ok().map(PushState::label_zh),
        ("grid_node", "level") => s.parse::<Level>().ok().map(Level::label_zh),
        ("risk_area", "level") | (_, "origin_risk") => {
            s.parse::<RiskLevel>().ok().map(RiskLevel::label_zh)
        }
        ("checkpoint_alert", "outcome") => AlertOutcome::parse(s).map(AlertOutcome::label_zh),
        ("checkpoint", "kind") => s
            .parse::<CheckpointKind>()
            .ok()
            .map(CheckpointKind::label_zh),
        (_, "role") => s.parse::<Role>().ok().map(Role::label_zh),
        (_, "channel") => match s {
            "public" => Some("公众自主报备"),
            "staff" => Some("工作人员登记"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn an_update_shows_only_what_changed_in_words() {
        let before = json!({"status": "reported", "note": "", "node": "410105001001001"});
        let after = json!({"status": "arrived", "note": "已到家", "node": "410105001001001"});
        let c = changes("arrival", Some(&before), Some(&after));
        assert_eq!(
            c,
            [
                Change {
                    field: "note".into(),
                    label: "备注".into(),
                    before: Some("".into()),
                    after: Some("已到家".into()),
                },
                Change {
                    field: "status".into(),
                    label: "状态".into(),
                    before: Some("已报备".into()),
                    after: Some("已抵达".into()),
                },
            ]
        );
    }

    #[test]
    fn creations_deletions_and_codes() {
        let c = changes(
            "user",
            None,
            Some(&json!({"username": "wangge1", "role": "grid_worker", "active": true})),
        );
        let shown: Vec<(&str, Option<&str>)> = c
            .iter()
            .map(|c| (c.label.as_str(), c.after.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("启用", Some("是")),
                ("角色", Some("社区/网格员")),
                ("用户名", Some("wangge1")),
            ]
        );
        assert!(c.iter().all(|c| c.before.is_none()));
        let c = changes("risk_area", Some(&json!({"level": "high"})), None);
        assert_eq!(c[0].before.as_deref(), Some("高风险"));
        assert_eq!(c[0].after, None);
        assert_eq!(c[0].text(), "等级：高风险 → （删除）");
        // unknown keys and values pass through; a bare value is one field
        let c = changes("x", None, Some(&json!({"new_field": "v"})));
        assert_eq!(c[0].label, "new_field");
        let c = changes("x", None, Some(&json!(3)));
        assert_eq!(
            (c[0].label.as_str(), c[0].after.as_deref()),
            ("内容", Some("3"))
        );
        // 处置 of an alert: its outcome in words, the note and who handled it named
        let c = changes(
            "checkpoint_alert",
            Some(&json!({"handled_at": null})),
            Some(
                &json!({"handled_at": "2026-01-04T08:00:00Z", "outcome": "false_alarm",
                         "note": "体温枪故障", "handled_by": "wangge1"}),
            ),
        );
        let shown: Vec<String> = c.iter().map(Change::text).collect();
        assert_eq!(
            shown,
            [
                "处置时间：（空） → 2026-01-04T08:00:00Z",
                "处置人：wangge1",
                "备注：体温枪故障",
                "处置结果：误报",
            ]
        );
        assert_eq!(action_label("verify"), "登记核查结果");
        assert_eq!(action_label("something_new"), "something_new");
        assert_eq!(entity_label("push_item"), "推送核查对象");
        assert!(
            ENTITIES.iter().all(|e| entity_label(e) != *e),
            "every kind named"
        );
    }

    proptest! {
        /// Any pair of logged values: no panic, and a field is listed only where the sides differ.
        #[test]
        fn changes_lists_exactly_the_differences(
            b in proptest::collection::btree_map("[a-z_]{1,8}", "[a-z0-9]{0,4}", 0..6),
            a in proptest::collection::btree_map("[a-z_]{1,8}", "[a-z0-9]{0,4}", 0..6),
        ) {
            let (bv, av) = (json!(b), json!(a));
            let c = changes("arrival", Some(&bv), Some(&av));
            for ch in &c {
                prop_assert_ne!(b.get(&ch.field), a.get(&ch.field));
            }
            let differing = b.keys().chain(a.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .count();
            prop_assert_eq!(c.len(), differing);
        }
    }
}
