//! 解析并检查工单类型文件：重复 id、未知状态、不可达状态、缺少终止状态、死胡同、销号角色、
//! 时限引用的状态和字段、各项上限。检查通过才得到 [`Kinds`]，所以引擎拿到的类型总是自洽的。

use super::spec::{FieldType, KindSpec, KindsSpec};
use super::{Kind, Kinds};
use crate::calendar::DAYS_MAX;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// 文件大小上限（字节）。
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// 一个文件里的工单类型数上限。
pub const MAX_KINDS: usize = 64;
/// 一种类型的状态数上限。
pub const MAX_STATES: usize = 32;
/// 一种类型的流转数上限。
pub const MAX_TRANSITIONS: usize = 256;
/// 一种类型的字段数上限（清单项、时限同此上限）。
pub const MAX_FIELDS: usize = 64;
/// id 的最大长度（字节，只能是小写字母、数字和下划线）。
pub const MAX_ID_LEN: usize = 32;
/// 名称、标签的最大长度（字符）。
pub const MAX_LABEL_CHARS: usize = 64;
/// 清单项的最大长度（字符）。
pub const MAX_CHECKLIST_CHARS: usize = 200;

/// 工单类型文件里的一处错误：哪种类型、哪个字段、什么问题。
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindIssue {
    /// 出错的类型，写作“企业问题（enterprise_problem）”；文件级错误为 `None`。
    pub kind: Option<String>,
    /// 出错的字段，如 `transitions[3].to`。
    pub field: String,
    pub message: String,
}

impl fmt::Display for KindIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, self.field.is_empty()) {
            (Some(k), false) => write!(f, "工单类型“{k}”的 {}：{}", self.field, self.message),
            (Some(k), true) => write!(f, "工单类型“{k}”：{}", self.message),
            (None, false) => write!(f, "{}：{}", self.field, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// 工单类型文件不能使用：列出全部错误。
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("工单类型文件有 {} 处错误：{}", issues.len(), list(issues))]
pub struct KindsError {
    pub issues: Vec<KindIssue>,
}

fn list(issues: &[KindIssue]) -> String {
    issues.iter().map(|i| format!("\n  · {i}")).collect()
}

impl Kinds {
    /// 解析并检查 TOML 文本；有任何错误时返回全部错误。从不 panic。
    pub fn from_toml(src: &str) -> Result<Kinds, KindsError> {
        let spec = parse(src)?;
        Kinds::from_spec(spec)
    }

    /// 由（例如经程序修改的）`KindsSpec` 构造，检查同 [`Kinds::from_toml`]。
    pub fn from_spec(spec: KindsSpec) -> Result<Kinds, KindsError> {
        let issues = check_spec(&spec);
        if !issues.is_empty() {
            return Err(KindsError { issues });
        }
        Ok(Kinds {
            version: spec.version,
            description: spec.description,
            kinds: spec.kinds.into_iter().map(Kind::new).collect(),
        })
    }
}

/// 检查工单类型文件文本，返回全部错误（空表示可用）。从不 panic。
pub fn check(src: &str) -> Vec<KindIssue> {
    match parse(src) {
        Ok(spec) => check_spec(&spec),
        Err(e) => e.issues,
    }
}

fn parse(src: &str) -> Result<KindsSpec, KindsError> {
    if src.len() > MAX_FILE_BYTES {
        return Err(file_error(format!(
            "文件有 {} 字节，超过 {MAX_FILE_BYTES} 字节（1 MB）的上限",
            src.len()
        )));
    }
    toml::from_str(src).map_err(|e| {
        let line = e
            .span()
            .map(|s| src.get(..s.start).unwrap_or(src).matches('\n').count() + 1);
        let at = line.map(|l| format!("第{l}行：")).unwrap_or_default();
        file_error(format!("{at}TOML 解析错误（{}）", e.message().trim()))
    })
}

fn file_error(message: String) -> KindsError {
    KindsError {
        issues: vec![KindIssue {
            kind: None,
            field: String::new(),
            message,
        }],
    }
}

fn check_spec(spec: &KindsSpec) -> Vec<KindIssue> {
    let mut out = Vec::new();
    let file = |out: &mut Vec<KindIssue>, field: &str, message: String| {
        out.push(KindIssue {
            kind: None,
            field: field.to_string(),
            message,
        })
    };
    if spec.version.trim().is_empty() || spec.version.chars().count() > MAX_LABEL_CHARS {
        file(
            &mut out,
            "version",
            format!("版本不能为空，也不能超过 {MAX_LABEL_CHARS} 个字"),
        );
    }
    if spec.kinds.is_empty() {
        file(&mut out, "kind", "文件里没有任何工单类型".to_string());
    }
    if spec.kinds.len() > MAX_KINDS {
        file(
            &mut out,
            "kind",
            format!(
                "有 {} 种工单类型，超过 {MAX_KINDS} 种的上限",
                spec.kinds.len()
            ),
        );
        return out;
    }
    let mut ids = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for (i, k) in spec.kinds.iter().enumerate() {
        if !ids.insert(k.id.as_str()) {
            file(
                &mut out,
                &format!("kind[{i}].id"),
                format!("工单类型 id“{}”重复", k.id),
            );
        }
        if !labels.insert(k.label.as_str()) {
            file(
                &mut out,
                &format!("kind[{i}].label"),
                format!("工单类型名称“{}”重复", k.label),
            );
        }
        check_kind(k, &mut out);
    }
    out
}

struct Ctx<'a> {
    name: String,
    out: &'a mut Vec<KindIssue>,
}

impl Ctx<'_> {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.out.push(KindIssue {
            kind: Some(self.name.clone()),
            field: field.into(),
            message: message.into(),
        });
    }

    fn id(&mut self, field: &str, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            self.err(
                field,
                format!("id“{id}”须为 1—{MAX_ID_LEN} 个小写字母、数字或下划线"),
            );
        }
    }

    fn label(&mut self, field: &str, label: &str, max: usize) {
        if label.trim().is_empty() || label.chars().count() > max {
            self.err(field, format!("名称不能为空，也不能超过 {max} 个字"));
        }
    }

    fn count(&mut self, field: &str, n: usize, max: usize) -> bool {
        if n > max {
            self.err(field, format!("有 {n} 项，超过 {max} 项的上限"));
            return false;
        }
        true
    }
}

fn check_kind(k: &KindSpec, out: &mut Vec<KindIssue>) {
    let mut c = Ctx {
        name: format!("{}（{}）", k.label, k.id),
        out,
    };
    c.id("id", &k.id);
    c.label("label", &k.label, MAX_LABEL_CHARS);
    let sizes_ok = c.count("states", k.states.len(), MAX_STATES)
        & c.count("transitions", k.transitions.len(), MAX_TRANSITIONS)
        & c.count("fields", k.fields.len(), MAX_FIELDS)
        & c.count("checklist", k.checklist.len(), MAX_FIELDS)
        & c.count("clock", k.clocks.len(), MAX_FIELDS);
    if !sizes_ok {
        return;
    }

    // 字段
    let mut fields: BTreeMap<&str, &super::spec::FieldSpec> = BTreeMap::new();
    for (i, f) in k.fields.iter().enumerate() {
        let at = format!("fields[{i}]");
        c.id(&format!("{at}.id"), &f.id);
        c.label(&format!("{at}.label"), &f.label, MAX_LABEL_CHARS);
        if fields.insert(f.id.as_str(), f).is_some() {
            c.err(format!("{at}.id"), format!("字段 id“{}”重复", f.id));
        }
        match f.kind {
            FieldType::Choice if f.options.is_empty() => {
                c.err(format!("{at}.options"), "选项字段至少要有一个可选值")
            }
            FieldType::Choice => {
                let mut seen = BTreeSet::new();
                for (j, o) in f.options.iter().enumerate() {
                    c.label(&format!("{at}.options[{j}]"), o, MAX_LABEL_CHARS);
                    if !seen.insert(o.as_str()) {
                        c.err(format!("{at}.options[{j}]"), format!("可选值“{o}”重复"));
                    }
                }
                if f.options.len() > MAX_FIELDS {
                    c.err(
                        format!("{at}.options"),
                        format!("可选值超过 {MAX_FIELDS} 个的上限"),
                    );
                }
            }
            other if !f.options.is_empty() => c.err(
                format!("{at}.options"),
                format!("只有选项字段才有可选值，此字段类型为“{}”", other.label_zh()),
            ),
            _ => {}
        }
    }

    // 清单
    let mut items = BTreeSet::new();
    for (i, item) in k.checklist.iter().enumerate() {
        c.label(&format!("checklist[{i}]"), item, MAX_CHECKLIST_CHARS);
        if !items.insert(item.as_str()) {
            c.err(format!("checklist[{i}]"), format!("清单项“{item}”重复"));
        }
    }

    // 状态
    if k.states.is_empty() {
        c.err("states", "没有任何状态");
        return;
    }
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    let mut state_labels = BTreeSet::new();
    for (i, s) in k.states.iter().enumerate() {
        c.id(&format!("states[{i}].id"), &s.id);
        c.label(&format!("states[{i}].label"), &s.label, MAX_LABEL_CHARS);
        if states.insert(s.id.as_str(), i).is_some() {
            c.err(format!("states[{i}].id"), format!("状态 id“{}”重复", s.id));
        }
        if !state_labels.insert(s.label.as_str()) {
            c.err(
                format!("states[{i}].label"),
                format!("状态名称“{}”重复", s.label),
            );
        }
    }
    let is_terminal = |id: &str| states.get(id).is_some_and(|&i| k.states[i].terminal);
    if !k.states.iter().any(|s| s.terminal) {
        c.err(
            "states",
            "没有终止状态（terminal = true），工单永远无法办结",
        );
    }
    let initial_ok = states.contains_key(k.initial.as_str());
    if !initial_ok {
        c.err("initial", format!("初始状态“{}”不在 states 中", k.initial));
    }

    // 销号角色
    if k.closers.is_empty() {
        c.err("closers", "没有指定可以销号的角色");
    }

    // 流转
    let mut pairs = BTreeSet::new();
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, t) in k.transitions.iter().enumerate() {
        let at = format!("transitions[{i}]");
        let from_ok = states.contains_key(t.from.as_str());
        let to_ok = states.contains_key(t.to.as_str());
        if !from_ok {
            c.err(format!("{at}.from"), format!("未知状态“{}”", t.from));
        }
        if !to_ok {
            c.err(format!("{at}.to"), format!("未知状态“{}”", t.to));
        }
        c.label(&format!("{at}.action"), &t.action, MAX_LABEL_CHARS);
        if !pairs.insert((t.from.as_str(), t.to.as_str())) {
            c.err(at.clone(), format!("从“{}”到“{}”的流转重复", t.from, t.to));
        }
        if t.roles.is_empty() {
            c.err(format!("{at}.roles"), "没有指定可以办理的角色");
        }
        let mut seen = BTreeSet::new();
        for r in &t.roles {
            if !seen.insert(r.as_str()) {
                c.err(format!("{at}.roles"), format!("角色“{}”重复", r.label_zh()));
            }
        }
        if let Some(l) = &t.note_label {
            c.label(&format!("{at}.note_label"), l, MAX_LABEL_CHARS);
        }
        if from_ok && to_ok {
            edges
                .entry(t.from.as_str())
                .or_default()
                .push(t.to.as_str());
            let from_terminal = is_terminal(&t.from);
            if from_terminal && !t.reopen {
                c.err(
                    format!("{at}.reopen"),
                    format!(
                        "“{}”是终止状态，从它出去的流转必须标明 reopen = true",
                        t.from
                    ),
                );
            }
            if t.reopen && !from_terminal {
                c.err(
                    format!("{at}.reopen"),
                    format!("“{}”不是终止状态，不能标 reopen", t.from),
                );
            }
            if is_terminal(&t.to) {
                let strangers: Vec<&str> = t
                    .roles
                    .iter()
                    .filter(|r| !k.closers.contains(r))
                    .map(|r| r.label_zh())
                    .collect();
                if !strangers.is_empty() {
                    c.err(
                        format!("{at}.roles"),
                        format!(
                            "转入终止状态“{}”即销号，但{}不在 closers 中",
                            t.to,
                            strangers.join("、")
                        ),
                    );
                }
            }
        }
    }

    // 销号角色都真能销号
    for r in &k.closers {
        let closes = k
            .transitions
            .iter()
            .any(|t| is_terminal(&t.to) && t.roles.contains(r));
        if !closes {
            c.err(
                "closers",
                format!(
                    "{}在 closers 中，却没有任何转入终止状态的流转",
                    r.label_zh()
                ),
            );
        }
    }

    // 可达性与死胡同
    if initial_ok {
        let reached = reach(&edges, &k.initial);
        for (i, s) in k.states.iter().enumerate() {
            if !reached.contains(s.id.as_str()) {
                c.err(
                    format!("states[{i}]"),
                    format!(
                        "状态“{}”（{}）从初始状态“{}”不可达",
                        s.label, s.id, k.initial
                    ),
                );
            }
        }
    }
    for (i, s) in k.states.iter().enumerate() {
        if !s.terminal && !edges.contains_key(s.id.as_str()) {
            c.err(
                format!("states[{i}]"),
                format!(
                    "状态“{}”（{}）不是终止状态，却没有任何流转可以离开",
                    s.label, s.id
                ),
            );
        }
    }

    // 时限
    let mut clocks = BTreeSet::new();
    for (i, ck) in k.clocks.iter().enumerate() {
        let at = format!("clock[{i}]");
        c.id(&format!("{at}.id"), &ck.id);
        c.label(&format!("{at}.label"), &ck.label, MAX_LABEL_CHARS);
        if !clocks.insert(ck.id.as_str()) {
            c.err(format!("{at}.id"), format!("时限 id“{}”重复", ck.id));
        }
        if !states.contains_key(ck.start.as_str()) {
            c.err(
                format!("{at}.start"),
                format!("时限“{}”引用了未知状态“{}”", ck.label, ck.start),
            );
        } else if !ck.stop.is_empty() {
            let reached = reach(&edges, &ck.start);
            let stoppable = ck
                .stop
                .iter()
                .any(|s| s != &ck.start && reached.contains(s.as_str()));
            if !stoppable && ck.stop.iter().all(|s| states.contains_key(s.as_str())) {
                c.err(
                    format!("{at}.stop"),
                    format!(
                        "时限“{}”从“{}”出发到不了任何停止状态，永远不会停止",
                        ck.label, ck.start
                    ),
                );
            }
        }
        if ck.stop.is_empty() {
            c.err(
                format!("{at}.stop"),
                format!("时限“{}”没有停止状态", ck.label),
            );
        }
        for (j, s) in ck.stop.iter().enumerate() {
            if !states.contains_key(s.as_str()) {
                c.err(
                    format!("{at}.stop[{j}]"),
                    format!("时限“{}”引用了未知状态“{s}”", ck.label),
                );
            } else if *s == ck.start {
                c.err(
                    format!("{at}.stop[{j}]"),
                    format!("时限“{}”的停止状态与起算状态相同", ck.label),
                );
            }
        }
        if ck.days == 0 || ck.days > DAYS_MAX {
            c.err(
                format!("{at}.days"),
                format!("天数 {} 须在 1—{DAYS_MAX} 之间", ck.days),
            );
        }
        if let Some(ext) = ck.extension {
            if ext.days == 0 || ext.days > DAYS_MAX || ext.times == 0 || ext.times > 10 {
                c.err(
                    format!("{at}.extension"),
                    format!("延长天数须在 1—{DAYS_MAX} 之间、次数须在 1—10 之间"),
                );
            }
        }
        if let Some(w) = &ck.when {
            match fields.get(w.field.as_str()) {
                None => c.err(
                    format!("{at}.when.field"),
                    format!("时限“{}”引用了未知字段“{}”", ck.label, w.field),
                ),
                Some(f) if f.kind != FieldType::Choice => c.err(
                    format!("{at}.when.field"),
                    format!("时限“{}”的条件字段“{}”不是选项字段", ck.label, w.field),
                ),
                Some(f) if !f.options.contains(&w.equals) => c.err(
                    format!("{at}.when.equals"),
                    format!(
                        "“{}”不是字段“{}”的可选值（可选：{}）",
                        w.equals,
                        w.field,
                        f.options.join("、")
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// 从 `from` 出发（含自身）能到达的状态。
fn reach<'a>(edges: &BTreeMap<&'a str, Vec<&'a str>>, from: &'a str) -> BTreeSet<&'a str> {
    let mut reached = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(s) = queue.pop_front() {
        for &t in edges.get(s).map(Vec::as_slice).unwrap_or(&[]) {
            if reached.insert(t) {
                queue.push_back(t);
            }
        }
    }
    reached
}
