//! 默认工单类型的流转表、时限、坏文件，以及引擎的 proptest。

use super::*;
use crate::calendar;
use crate::role::Role;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// 默认类型只解析一次（proptest 每个用例都要用）。
fn kinds() -> &'static Kinds {
    static KINDS: std::sync::OnceLock<Kinds> = std::sync::OnceLock::new();
    KINDS.get_or_init(default_kinds)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 每个可能的办理人角色，含不是任何账号角色的公众报备。
fn all_roles() -> Vec<Role> {
    let mut r = Role::ALL.to_vec();
    r.push(Role::PublicReporter);
    r
}

fn role(abbr: &str) -> Role {
    match abbr {
        "DA" => Role::DistrictAdmin,
        "TO" => Role::TownshipOfficer,
        "GW" => Role::GridWorker,
        "DH" => Role::DepartmentHandler,
        "EC" => Role::EnterpriseContact,
        other => panic!("表里的角色缩写 {other}"),
    }
}

/// 默认流程（企业问题、督察整改、信访、欠薪线索、防汛隐患共用），`closers` 是销号和退回重办
/// 的角色。
fn standard(closers: &str) -> Vec<(String, String, String)> {
    let rows = [
        ("new", "dispatched", "DA TO"),
        ("dispatched", "dispatched", "DA TO"),
        ("dispatched", "accepted", "DH"),
        ("dispatched", "refused", "DH"),
        ("accepted", "in_progress", "DH"),
        ("accepted", "refused", "DH"),
        ("in_progress", "replied", "DH"),
        ("replied", "closed", closers),
        ("replied", "in_progress", closers),
        ("refused", "dispatched", "DA TO"),
    ];
    rows.iter()
        .map(|(a, b, r)| (a.to_string(), b.to_string(), r.to_string()))
        .collect()
}

fn rows(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, b, r)| (a.to_string(), b.to_string(), r.to_string()))
        .collect()
}

/// 独立于文件写下的期望：每种类型的状态和每条合法流转及其角色。文件多一条、少一条、角色
/// 不同，表驱动测试都会失败。
type Row = (String, String, String);

fn expected() -> Vec<(&'static str, Vec<&'static str>, Vec<Row>)> {
    let std_states = vec![
        "new",
        "dispatched",
        "accepted",
        "in_progress",
        "replied",
        "refused",
        "closed",
    ];
    let mut inspection = standard("DA TO");
    inspection.extend(rows(&[("closed", "in_progress", "DA")]));
    vec![
        ("enterprise_problem", std_states.clone(), standard("EC")),
        ("inspection_finding", std_states.clone(), inspection),
        ("petition", std_states.clone(), standard("DA TO")),
        ("wage_arrears", std_states.clone(), standard("DA TO")),
        ("flood_hazard", std_states, standard("DA TO")),
        (
            "resumption",
            vec![
                "new",
                "submitted",
                "township_approved",
                "returned",
                "approved",
                "rejected",
            ],
            rows(&[
                ("new", "submitted", "EC"),
                ("submitted", "township_approved", "TO"),
                ("submitted", "returned", "TO"),
                ("township_approved", "approved", "DA"),
                ("township_approved", "returned", "DA"),
                ("township_approved", "rejected", "DA"),
                ("returned", "submitted", "EC"),
            ]),
        ),
        (
            "random_inspection",
            vec!["drawn", "inspecting", "reported", "published"],
            rows(&[
                ("drawn", "drawn", "DA"),
                ("drawn", "inspecting", "DH"),
                ("inspecting", "reported", "DH"),
                ("reported", "published", "DA"),
                ("reported", "inspecting", "DA"),
            ]),
        ),
    ]
}

/// 满足一切前提、带说明和评价的事实：只剩状态和角色决定结果。
fn full() -> Facts<'static> {
    Facts {
        note: Some("已与企业沟通"),
        rating: Some(5),
        follow_up_visit: true,
        checklist_complete: true,
        evidence_attached: true,
    }
}

#[test]
fn default_file_has_the_seven_kinds() {
    let kinds = Kinds::from_toml(DEFAULT_KINDS_TOML).unwrap_or_else(|e| panic!("{e}"));
    let labels: Vec<&str> = kinds.kinds().iter().map(Kind::label).collect();
    assert_eq!(
        labels,
        [
            "企业问题",
            "督察整改",
            "信访",
            "欠薪线索",
            "防汛隐患",
            "复工申请",
            "双随机检查"
        ]
    );
    assert_eq!(kinds.version(), "2026-12");
    assert!(check(DEFAULT_KINDS_TOML).is_empty());
    assert_eq!(kinds.get("企业问题"), kinds.get("enterprise_problem"));
    assert!(kinds.get("unknown").is_none());
    for k in kinds.kinds() {
        assert!(!k.fields().is_empty(), "{}", k.label());
        assert!(!k.checklist().is_empty(), "{}", k.label());
    }
}

/// 表驱动：每种默认类型、每对状态、每个角色，合法的流转成功，不合法的给出对应的错误。
#[test]
fn every_transition_legal_and_illegal_for_each_role() {
    let kinds = kinds();
    let mut checked = 0;
    for (kind_id, states, table) in expected() {
        let kind = kinds.get(kind_id).unwrap();
        let ids: Vec<&str> = kind.states().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, states, "{kind_id} 的状态");
        assert_eq!(
            kind.spec().transitions.len(),
            table.len(),
            "{kind_id} 的流转数"
        );
        let legal: BTreeMap<(&str, &str), Vec<Role>> = table
            .iter()
            .map(|(a, b, r)| ((a.as_str(), b.as_str()), r.split(' ').map(role).collect()))
            .collect();
        for &from in &states {
            let next: BTreeSet<String> = legal
                .keys()
                .filter(|(a, _)| *a == from)
                .map(|(_, b)| kind.state(b).unwrap().label.clone())
                .collect();
            for &to in &states {
                for actor in all_roles() {
                    checked += 1;
                    let got = transition(kind, from, to, actor, &full());
                    let ctx = format!("{kind_id}: {from} → {to} by {actor}: {got:?}");
                    match legal.get(&(from, to)) {
                        Some(roles) if roles.contains(&actor) => {
                            let t = got.expect(&ctx);
                            assert_eq!((t.from.as_str(), t.to.as_str()), (from, to), "{ctx}");
                            assert_eq!(t.closes, kind.is_terminal(to), "{ctx}");
                            assert_eq!(t.reopens, kind.is_terminal(from), "{ctx}");
                            assert_eq!(t.actor, actor);
                        }
                        Some(roles) => match got {
                            Err(TransitionError::RoleNotAllowed { allowed, .. }) => {
                                assert_eq!(&allowed, roles, "{ctx}")
                            }
                            other => panic!("{ctx}: 应因角色被拒，得到 {other:?}"),
                        },
                        None => match got {
                            Err(TransitionError::NotAllowed {
                                current, allowed, ..
                            }) => {
                                assert_eq!(current, kind.state(from).unwrap().label, "{ctx}");
                                let allowed: BTreeSet<String> = allowed.into_iter().collect();
                                assert_eq!(allowed, next, "{ctx}");
                            }
                            other => panic!("{ctx}: 应因流转不存在被拒，得到 {other:?}"),
                        },
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn buttons_per_role() {
    let ep = kinds().get("enterprise_problem").unwrap();
    let actions = |state, role| -> Vec<&str> {
        ep.transitions_for(state, role)
            .map(|t| t.action.as_str())
            .collect()
    };
    assert_eq!(
        actions("dispatched", Role::DepartmentHandler),
        ["受理", "退单"]
    );
    assert_eq!(actions("dispatched", Role::TownshipOfficer), ["改派"]);
    assert_eq!(
        actions("replied", Role::EnterpriseContact),
        ["销号", "退回重办"]
    );
    assert!(actions("replied", Role::DistrictAdmin).is_empty());
    assert!(actions("closed", Role::DistrictAdmin).is_empty());
}

#[test]
fn illegal_transition_names_the_current_and_the_allowed_states() {
    let kinds = kinds();
    let ep = kinds.get("enterprise_problem").unwrap();
    let e = transition(ep, "accepted", "closed", Role::DepartmentHandler, &full()).unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“已受理”，只能转为：办理中、退单");
    let e = transition(ep, "new", "不存在", Role::DistrictAdmin, &full()).unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“新建”，只能转为：已派发");
    let e = transition(
        ep,
        "closed",
        "in_progress",
        Role::EnterpriseContact,
        &full(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "当前状态为“已销号”，不能再转为其他状态");
    let e = transition(ep, "archived", "closed", Role::EnterpriseContact, &full()).unwrap_err();
    assert_eq!(e.to_string(), "工单类型“企业问题”没有状态“archived”");
    // `to` 可以是中文名称
    let t = transition(ep, "accepted", "办理中", Role::DepartmentHandler, &full()).unwrap();
    assert_eq!(t.to, "in_progress");
}

#[test]
fn only_the_enterprise_closes_an_enterprise_problem_after_a_follow_up_with_a_rating() {
    let kinds = kinds();
    let ep = kinds.get("enterprise_problem").unwrap();
    let close = |role, facts: Facts<'_>| transition(ep, "replied", "closed", role, &facts);
    let e = close(Role::TownshipOfficer, full()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "从“已答复”转为“已销号”（销号）只能由企业联系人办理，乡镇/街道干部不能办理"
    );
    let no_visit = Facts {
        follow_up_visit: false,
        ..full()
    };
    let e = close(Role::EnterpriseContact, no_visit).unwrap_err();
    assert_eq!(e.to_string(), "销号前须先记录回访");
    let no_rating = Facts {
        rating: None,
        ..full()
    };
    let e = close(Role::EnterpriseContact, no_rating).unwrap_err();
    assert_eq!(e.to_string(), "销号须填写“满意度评价”");
    for bad in [0, 6, 255] {
        let e = close(
            Role::EnterpriseContact,
            Facts {
                rating: Some(bad),
                ..full()
            },
        )
        .unwrap_err();
        assert_eq!(e, TransitionError::BadRating { rating: bad });
    }
    for good in 1..=5 {
        let t = close(
            Role::EnterpriseContact,
            Facts {
                rating: Some(good),
                note: None,
                ..full()
            },
        )
        .unwrap();
        assert_eq!(t.rating, Some(good));
        assert!(t.closes);
        assert_eq!(t.action, "销号");
        assert_eq!(t.note, None);
    }
}

#[test]
fn refusal_reassignment_and_rework_need_a_reason() {
    let kinds = kinds();
    let ep = kinds.get("enterprise_problem").unwrap();
    let no_note = Facts {
        note: None,
        ..full()
    };
    let blank = Facts {
        note: Some("  \n "),
        ..full()
    };
    for facts in [no_note, blank] {
        let e = transition(ep, "dispatched", "refused", Role::DepartmentHandler, &facts);
        assert_eq!(e.unwrap_err().to_string(), "退单须填写“退单理由”");
        let e = transition(
            ep,
            "dispatched",
            "dispatched",
            Role::TownshipOfficer,
            &facts,
        );
        assert_eq!(e.unwrap_err().to_string(), "改派须填写“改派理由”");
        let e = transition(
            ep,
            "replied",
            "in_progress",
            Role::EnterpriseContact,
            &facts,
        );
        assert_eq!(e.unwrap_err().to_string(), "退回重办须填写“退回理由”");
        let e = transition(ep, "refused", "dispatched", Role::DistrictAdmin, &facts);
        assert_eq!(e.unwrap_err().to_string(), "协调后重新派发须填写“协调意见”");
        // 派发不要求说明
        assert!(transition(ep, "new", "dispatched", Role::DistrictAdmin, &facts).is_ok());
    }
    let t = transition(
        ep,
        "accepted",
        "refused",
        Role::DepartmentHandler,
        &Facts {
            note: Some("  不属于本部门职责  "),
            ..full()
        },
    )
    .unwrap();
    assert_eq!(t.note.as_deref(), Some("不属于本部门职责"));
    assert_eq!(t.action, "退单");
    let long = "长".repeat(MAX_NOTE_CHARS + 1);
    let e = transition(
        ep,
        "accepted",
        "refused",
        Role::DepartmentHandler,
        &Facts {
            note: Some(&long),
            ..full()
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("“退单理由”不能超过 {MAX_NOTE_CHARS} 个字")
    );
}

#[test]
fn preconditions_of_other_kinds() {
    let kinds = kinds();
    let res = kinds.get("resumption").unwrap();
    let e = transition(
        res,
        "new",
        "submitted",
        Role::EnterpriseContact,
        &Facts::default(),
    );
    assert_eq!(e.unwrap_err().to_string(), "提交申请前须先填齐清单各项");
    let e = transition(
        res,
        "township_approved",
        "returned",
        Role::DistrictAdmin,
        &Facts::default(),
    );
    assert_eq!(e.unwrap_err().to_string(), "区级退回须填写“退回理由”");
    let finding = kinds.get("inspection_finding").unwrap();
    let e = transition(
        finding,
        "in_progress",
        "replied",
        Role::DepartmentHandler,
        &Facts {
            evidence_attached: false,
            ..full()
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "提交整改情况前须先上传整改佐证材料"
    );
    let t = transition(
        finding,
        "closed",
        "in_progress",
        Role::DistrictAdmin,
        &full(),
    )
    .unwrap();
    assert!(t.reopens && !t.closes);
}

// ---------------------------------------------------------------------------------------------
// 时限

fn no_fields() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn clocks_13710_across_national_day() {
    let kinds = kinds();
    let ep = kinds.get("enterprise_problem").unwrap();
    let raised = d(2026, 9, 30); // 周三；10-01 至 10-07 国庆节放假，10-10（周六）调休上班
    assert_eq!(due_date(ep, "forward", raised, 0), Ok(d(2026, 10, 8)));
    assert_eq!(due_date(ep, "answer", raised, 0), Ok(d(2026, 10, 10)));
    assert_eq!(
        due_date(ep, "solve_ordinary", raised, 0),
        Ok(d(2026, 10, 15))
    );
    assert_eq!(due_date(ep, "solve_major", raised, 0), Ok(d(2026, 10, 30)));
    // 2025-12-31 收到：元旦放假 1-1 至 1-3，1-4（周日）调休上班
    assert_eq!(
        due_date(ep, "forward", d(2025, 12, 31), 0),
        Ok(d(2026, 1, 4))
    );
    // 期限末日当天不算超期，次日算；按期停止的不算
    let overdue = |stopped, today| is_overdue(ep, "answer", raised, 0, stopped, today);
    assert_eq!(overdue(None, d(2026, 10, 10)), Ok(false));
    assert_eq!(overdue(None, d(2026, 10, 11)), Ok(true));
    assert_eq!(overdue(Some(d(2026, 10, 9)), d(2026, 10, 20)), Ok(false));
    assert_eq!(overdue(Some(d(2026, 10, 12)), d(2026, 10, 20)), Ok(true));
    // 停止在 today 之后：today 看是否已过期限
    assert_eq!(overdue(Some(d(2026, 10, 12)), d(2026, 10, 9)), Ok(false));
    assert!(matches!(
        due_date(ep, "nope", raised, 0),
        Err(ClockError::UnknownClock { .. })
    ));
    assert_eq!(
        due_date(ep, "answer", raised, 1).unwrap_err().to_string(),
        "时限“答复”不能延长"
    );
}

#[test]
fn petition_clocks_roll_past_holidays_and_extend_once() {
    let kinds = kinds();
    let p = kinds.get("petition").unwrap();
    // 2026-09-20 + 15 日 = 10-05，国庆节放假，顺延到 10-08
    assert_eq!(
        due_date(p, "accept_decision", d(2026, 9, 20), 0),
        Ok(d(2026, 10, 8))
    );
    // 2026-03-02 受理 + 60 日 = 05-01，劳动节放假至 05-05，顺延到 05-06；延长 30 日 = 05-31（周日）→ 06-01
    assert_eq!(due_date(p, "handle", d(2026, 3, 2), 0), Ok(d(2026, 5, 6)));
    assert_eq!(due_date(p, "handle", d(2026, 3, 2), 1), Ok(d(2026, 6, 1)));
    assert_eq!(
        due_date(p, "handle", d(2026, 3, 2), 2)
            .unwrap_err()
            .to_string(),
        "时限“办结”至多延长 1 次，要求延长 2 次"
    );
    // 不跨节假日的普通情形
    assert_eq!(
        due_date(p, "accept_decision", d(2026, 6, 1), 0),
        Ok(d(2026, 6, 16))
    );
}

#[test]
fn wage_arrears_clocks_in_working_days() {
    let kinds = kinds();
    let w = kinds.get("wage_arrears").unwrap();
    // 2026-09-28（周一）：9-29、9-30、10-08、10-09、10-10（调休上班）
    assert_eq!(
        due_date(w, "accept", d(2026, 9, 28), 0),
        Ok(d(2026, 10, 10))
    );
    let start = d(2026, 1, 5);
    let due = due_date(w, "handle", start, 0).unwrap();
    // 与逐日数工作日的结果一致（春节放假，2-14、2-28 调休上班）
    let mut n = 0;
    let mut day = start;
    while n < 60 {
        day = day.succ_opt().unwrap();
        if calendar::is_workday(day).unwrap() {
            n += 1;
        }
    }
    assert_eq!(due, day);
    assert_eq!(due, d(2026, 4, 3));
    // 数到日历覆盖的年份之后：报错，不 panic
    assert!(matches!(
        due_date(w, "handle", d(2026, 11, 2), 0),
        Err(ClockError::Calendar(
            calendar::CalendarError::PastEnd { .. }
        ))
    ));
}

#[test]
fn clock_statuses_follow_the_history() {
    let kinds = kinds();
    let ep = kinds.get("enterprise_problem").unwrap();
    let history = [
        ("new", d(2026, 9, 30)),
        ("dispatched", d(2026, 10, 8)),
        ("accepted", d(2026, 10, 9)),
        ("in_progress", d(2026, 10, 9)),
        ("replied", d(2026, 10, 12)),
    ];
    let fields = BTreeMap::from([("severity".to_string(), "一般".to_string())]);
    let got = ep
        .clock_statuses(&history, &fields, &BTreeMap::new(), d(2026, 10, 20))
        .unwrap();
    let summary: Vec<(&str, NaiveDate, Option<NaiveDate>, bool)> = got
        .iter()
        .map(|c| (c.clock.as_str(), c.due, c.stopped, c.overdue))
        .collect();
    assert_eq!(
        summary,
        [
            ("forward", d(2026, 10, 8), Some(d(2026, 10, 8)), false),
            ("answer", d(2026, 10, 10), Some(d(2026, 10, 12)), true),
            ("solve_ordinary", d(2026, 10, 15), None, true),
        ]
    );
    // 重大问题只走 30 日的时限；没有程度字段时两个解决时限都不适用
    let major = BTreeMap::from([("severity".to_string(), "重大".to_string())]);
    let got = ep
        .clock_statuses(&history, &major, &BTreeMap::new(), d(2026, 10, 20))
        .unwrap();
    assert_eq!(got.last().unwrap().clock, "solve_major");
    assert!(!got.last().unwrap().overdue);
    let got = ep
        .clock_statuses(&history, &no_fields(), &BTreeMap::new(), d(2026, 10, 20))
        .unwrap();
    assert_eq!(got.len(), 2);
    // 信访办结从受理起算，尚未受理时不列出
    let p = kinds.get("petition").unwrap();
    let got = p
        .clock_statuses(
            &[("new", d(2026, 6, 1))],
            &no_fields(),
            &BTreeMap::new(),
            d(2026, 6, 17),
        )
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].clock, "accept_decision");
    assert!(got[0].overdue);
}

// ---------------------------------------------------------------------------------------------
// 坏文件

fn default_spec() -> KindsSpec {
    toml::from_str(DEFAULT_KINDS_TOML).unwrap()
}

fn issues_of(spec: KindsSpec) -> Vec<String> {
    match Kinds::from_spec(spec) {
        Ok(_) => panic!("坏文件竟然通过了检查"),
        Err(e) => {
            assert!(e.to_string().starts_with("工单类型文件有"), "{e}");
            e.issues.iter().map(ToString::to_string).collect()
        }
    }
}

fn assert_has(issues: &[String], expected: &str) {
    assert!(
        issues.iter().any(|i| i == expected),
        "没有找到：{expected}\n实际：{issues:#?}"
    );
}

#[test]
fn unknown_state_in_a_transition() {
    let mut spec = default_spec();
    spec.kinds[0].transitions[0].to = "nowhere".into();
    spec.kinds[2].transitions[1].from = "limbo".into();
    let issues = issues_of(spec);
    assert_has(
        &issues,
        "工单类型“企业问题（enterprise_problem）”的 transitions[0].to：未知状态“nowhere”",
    );
    assert_has(
        &issues,
        "工单类型“信访（petition）”的 transitions[1].from：未知状态“limbo”",
    );
}

#[test]
fn unreachable_and_dead_end_states() {
    let mut spec = default_spec();
    spec.kinds[1].states.push(StateSpec {
        id: "shelved".into(),
        label: "搁置".into(),
        terminal: false,
    });
    let issues = issues_of(spec);
    assert_has(
        &issues,
        "工单类型“督察整改（inspection_finding）”的 states[7]：状态“搁置”（shelved）从初始状态“new”不可达",
    );
    assert_has(
        &issues,
        "工单类型“督察整改（inspection_finding）”的 states[7]：状态“搁置”（shelved）不是终止状态，却没有任何流转可以离开",
    );
}

#[test]
fn missing_terminal_state_and_unknown_initial() {
    let mut spec = default_spec();
    for s in &mut spec.kinds[5].states {
        s.terminal = false;
    }
    spec.kinds[6].initial = "start".into();
    let issues = issues_of(spec);
    assert_has(
        &issues,
        "工单类型“复工申请（resumption）”的 states：没有终止状态（terminal = true），工单永远无法办结",
    );
    assert_has(
        &issues,
        "工单类型“双随机检查（random_inspection）”的 initial：初始状态“start”不在 states 中",
    );
}

#[test]
fn duplicate_ids() {
    let mut spec = default_spec();
    let copy = spec.kinds[0].clone();
    spec.kinds.push(copy);
    spec.kinds[3].states[2].id = "new".into();
    spec.kinds[4].fields[1].id = "location".into();
    let t = spec.kinds[3].transitions[0].clone();
    spec.kinds[3].transitions.push(t);
    let issues = issues_of(spec);
    assert_has(&issues, "kind[7].id：工单类型 id“enterprise_problem”重复");
    assert_has(&issues, "kind[7].label：工单类型名称“企业问题”重复");
    assert_has(
        &issues,
        "工单类型“欠薪线索（wage_arrears）”的 states[2].id：状态 id“new”重复",
    );
    assert_has(
        &issues,
        "工单类型“防汛隐患（flood_hazard）”的 fields[1].id：字段 id“location”重复",
    );
    assert_has(
        &issues,
        "工单类型“欠薪线索（wage_arrears）”的 transitions[10]：从“new”到“dispatched”的流转重复",
    );
}

#[test]
fn clocks_referring_to_unknown_stages_and_fields() {
    let mut spec = default_spec();
    spec.kinds[0].clocks[0].start = "nowhere".into();
    spec.kinds[0].clocks[1].stop.push("limbo".into());
    spec.kinds[0].clocks[2].when = Some(ClockCondition {
        field: "size".into(),
        equals: "大".into(),
    });
    spec.kinds[0].clocks[3].when = Some(ClockCondition {
        field: "severity".into(),
        equals: "特大".into(),
    });
    spec.kinds[2].clocks[0].days = 0;
    // 欠薪线索的办结时限从已答复起算、到已受理停止：已答复之后回不到已受理
    spec.kinds[3].clocks[1].start = "replied".into();
    spec.kinds[3].clocks[1].stop = vec!["accepted".into()];
    let issues = issues_of(spec);
    let ep = "工单类型“企业问题（enterprise_problem）”的";
    assert_has(
        &issues,
        &format!("{ep} clock[0].start：时限“签收转办”引用了未知状态“nowhere”"),
    );
    assert_has(
        &issues,
        &format!("{ep} clock[1].stop[2]：时限“答复”引用了未知状态“limbo”"),
    );
    assert_has(
        &issues,
        &format!("{ep} clock[2].when.field：时限“一般问题解决”引用了未知字段“size”"),
    );
    assert_has(
        &issues,
        &format!("{ep} clock[3].when.equals：“特大”不是字段“severity”的可选值（可选：一般、重大）"),
    );
    assert_has(
        &issues,
        "工单类型“信访（petition）”的 clock[0].days：天数 0 须在 1—3650 之间",
    );
    assert_has(
        &issues,
        "工单类型“欠薪线索（wage_arrears）”的 clock[1].stop：时限“办结”从“replied”出发到不了任何停止状态，永远不会停止",
    );
}

#[test]
fn closing_roles_and_reopening_are_checked() {
    let mut spec = default_spec();
    // 企业问题：乡镇干部不能销号
    spec.kinds[0].transitions[7]
        .roles
        .push(Role::TownshipOfficer);
    // 信访：从已销号出去却没标 reopen
    spec.kinds[2].transitions.push(TransitionSpec {
        from: "closed".into(),
        to: "in_progress".into(),
        action: "重新办理".into(),
        roles: vec![Role::DistrictAdmin],
        note_required: false,
        note_label: None,
        rating_required: false,
        preconditions: vec![],
        reopen: false,
    });
    spec.kinds[3].transitions[0].reopen = true;
    spec.kinds[4].transitions[0].roles.clear();
    spec.kinds[5].closers.push(Role::TownshipOfficer);
    let issues = issues_of(spec);
    assert_has(
        &issues,
        "工单类型“企业问题（enterprise_problem）”的 transitions[7].roles：转入终止状态“closed”即销号，但乡镇/街道干部不在 closers 中",
    );
    assert_has(
        &issues,
        "工单类型“信访（petition）”的 transitions[10].reopen：“closed”是终止状态，从它出去的流转必须标明 reopen = true",
    );
    assert_has(
        &issues,
        "工单类型“欠薪线索（wage_arrears）”的 transitions[0].reopen：“new”不是终止状态，不能标 reopen",
    );
    assert_has(
        &issues,
        "工单类型“防汛隐患（flood_hazard）”的 transitions[0].roles：没有指定可以办理的角色",
    );
    assert_has(
        &issues,
        "工单类型“复工申请（resumption）”的 closers：乡镇/街道干部在 closers 中，却没有任何转入终止状态的流转",
    );
}

#[test]
fn bad_text_is_refused_with_a_line() {
    let issues = check("version = \"1\"\n[[kind]]\nid = = 3\n");
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].to_string().starts_with("第3行：TOML 解析错误"),
        "{}",
        issues[0]
    );
    // 未知字段、未知角色（公众报备不是账号角色）、未知字段类型
    let unknown_field = DEFAULT_KINDS_TOML.replacen(
        "initial = \"new\"",
        "initial = \"new\"\ncolour = \"red\"",
        1,
    );
    let msg = check(&unknown_field)[0].to_string();
    assert!(msg.contains("colour"), "{msg}");
    for (from, to) in [
        (
            "closers = [\"enterprise_contact\"]",
            "closers = [\"public_reporter\"]",
        ),
        ("closers = [\"enterprise_contact\"]", "closers = [\"root\"]"),
        ("type = \"long_text\"", "type = \"essay\""),
    ] {
        let bad = DEFAULT_KINDS_TOML.replacen(from, to, 1);
        let issues = check(&bad);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(
            issues[0].to_string().contains("TOML 解析错误"),
            "{}",
            issues[0]
        );
        assert!(Kinds::from_toml(&bad).is_err());
    }
    let e = Kinds::from_toml("version = \"1\"\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "工单类型文件有 1 处错误：\n  · kind：文件里没有任何工单类型"
    );
    // 深层嵌套：解析器的递归上限拒绝，不会栈溢出
    let deep = format!("version = \"1\"\nx = {}", "[".repeat(200_000));
    assert!(!check(&deep).is_empty());
    let huge = format!("version = \"1\"\n#{}", "x".repeat(MAX_FILE_BYTES));
    assert!(check(&huge)[0].to_string().contains("1 MB"));
}

#[test]
fn limits_are_enforced() {
    let mut spec = default_spec();
    let extra = spec.kinds[0].states[0].clone();
    spec.kinds[0].states = vec![extra; MAX_STATES + 1];
    spec.kinds[1].id = "Bad-Id".into();
    spec.kinds[1].label = "长".repeat(MAX_LABEL_CHARS + 1);
    let issues = issues_of(spec);
    assert!(
        issues
            .iter()
            .any(|i| i.contains("states：有 33 项，超过 32 项的上限")),
        "{issues:#?}"
    );
    assert!(
        issues.iter().any(|i| i.contains("id“Bad-Id”须为")),
        "{issues:#?}"
    );
    assert!(
        issues.iter().any(|i| i.contains("label：名称不能为空")),
        "{issues:#?}"
    );
    let mut spec = default_spec();
    let k = spec.kinds[0].clone();
    spec.kinds = vec![k; MAX_KINDS + 1];
    let issues = issues_of(spec);
    assert_eq!(issues, ["kind：有 65 种工单类型，超过 64 种的上限"]);
}

// ---------------------------------------------------------------------------------------------
// proptest

fn any_facts() -> impl Strategy<Value = (Option<String>, Option<u8>, bool, bool, bool)> {
    (
        prop_oneof![
            Just(None),
            Just(Some(String::new())),
            Just(Some("理由".to_string())),
            ".{0,8}".prop_map(Some),
            Just(Some("长".repeat(MAX_NOTE_CHARS + 1))),
        ],
        proptest::option::of(any::<u8>()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
}

fn facts_of(f: &(Option<String>, Option<u8>, bool, bool, bool)) -> Facts<'_> {
    Facts {
        note: f.0.as_deref(),
        rating: f.1,
        follow_up_visit: f.2,
        checklist_complete: f.3,
        evidence_attached: f.4,
    }
}

/// 目标：某个状态的 id、它的中文名称，或者随便一个字符串。
fn pick_target(kind: &Kind, choice: usize, garbage: &str) -> String {
    let states = kind.states();
    let n = states.len();
    match choice % (2 * n + 1) {
        i if i < n => states[i].id.clone(),
        i if i < 2 * n => states[i - n].label.clone(),
        _ => garbage.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// 随机的流转序列：从不 panic，状态始终在类型的状态图里，成功的每一步都是文件里的一条
    /// 流转，终止状态只能经 reopen 流转离开。
    #[test]
    fn random_walks_stay_in_the_graph(
        kind_index in 0usize..7,
        steps in proptest::collection::vec(
            (any::<usize>(), 0usize..8, any_facts(), ".{0,6}"), 0..60),
    ) {
        let kinds = kinds();
        let kind = &kinds.kinds()[kind_index];
        let roles = all_roles();
        let mut current = kind.initial().id.clone();
        for (choice, r, facts, garbage) in &steps {
            let to = pick_target(kind, *choice, garbage);
            let before = current.clone();
            match transition(kind, &current, &to, roles[*r], &facts_of(facts)) {
                Ok(t) => {
                    prop_assert_eq!(&t.from, &before);
                    prop_assert!(kind.state(&t.to).is_some());
                    let spec = kind.transitions_from(&before).find(|s| s.to == t.to);
                    prop_assert!(spec.is_some());
                    let spec = spec.unwrap();
                    prop_assert!(spec.roles.contains(&roles[*r]));
                    prop_assert_eq!(kind.is_terminal(&before), t.reopens);
                    if spec.rating_required {
                        prop_assert!(matches!(t.rating, Some(1..=5)));
                    }
                    if spec.note_required {
                        prop_assert!(t.note.as_deref().is_some_and(|n| !n.trim().is_empty()));
                    }
                    current = t.to;
                }
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(!msg.is_empty());
                    if let TransitionError::NotAllowed { current: label, .. } = &e {
                        prop_assert_eq!(label, &kind.state(&before).unwrap().label);
                    }
                }
            }
            prop_assert!(kind.state(&current).is_some());
        }
    }

    /// 已办结（终止状态）的工单：只接受文件里标了 reopen 的流转。
    #[test]
    fn a_closed_order_only_reopens_where_the_file_allows(
        choice in any::<usize>(),
        r in 0usize..8,
        facts in any_facts(),
    ) {
        let kinds = kinds();
        let roles = all_roles();
        for kind in kinds.kinds() {
            for s in kind.states().iter().filter(|s| s.terminal) {
                let to = pick_target(kind, choice, "x");
                if let Ok(t) = transition(kind, &s.id, &to, roles[r], &facts_of(&facts)) {
                    prop_assert!(t.reopens);
                    prop_assert_eq!(kind.id(), "inspection_finding");
                    prop_assert_eq!(t.to.as_str(), "in_progress");
                }
            }
        }
    }

    /// 任意的当前状态和目标字符串：从不 panic。
    #[test]
    fn arbitrary_strings_never_panic(current in ".{0,80}", to in ".{0,80}", r in 0usize..8) {
        let kinds = kinds();
        for kind in kinds.kinds() {
            let _ = transition(kind, &current, &to, all_roles()[r], &full());
        }
    }

    /// 改坏的文件（删去、替换一段）：检查从不 panic，要么通过要么给出错误。
    #[test]
    fn mangled_files_never_panic(start in any::<usize>(), len in 0usize..400, insert in ".{0,20}") {
        let src = DEFAULT_KINDS_TOML;
        let mut a = start % src.len();
        while !src.is_char_boundary(a) { a -= 1; }
        let mut b = (a + len).min(src.len());
        while !src.is_char_boundary(b) { b -= 1; }
        let mangled = format!("{}{}{}", &src[..a], insert, &src[b..]);
        match Kinds::from_toml(&mangled) {
            Ok(k) => prop_assert!(!k.kinds().is_empty()),
            Err(e) => prop_assert!(!e.issues.is_empty()),
        }
    }

    /// 任意起算日和延长次数：期限从不 panic；工作日期限正好数到第 N 个工作日，且不早于起算日。
    #[test]
    fn clocks_never_panic(days in 0i64..4000, ext in 0u32..4) {
        let start = d(2019, 6, 1) + chrono::Days::new(days as u64);
        let kinds = kinds();
        for kind in kinds.kinds() {
            for c in kind.clocks() {
                if let Ok(due) = c.due(start, ext) {
                    prop_assert!(due > start);
                    if c.unit == DayUnit::Workdays {
                        let n = c.days + ext * c.extension.map_or(0, |e| e.days);
                        prop_assert_eq!(calendar::workdays_between(start, due), Ok(i64::from(n)));
                        prop_assert_eq!(calendar::is_workday(due), Ok(true));
                    }
                }
                let _ = c.is_overdue(start, ext, Some(start), start);
            }
        }
    }

    /// 任意的字段取值：检查从不 panic，错误都有中文说明。
    #[test]
    fn field_checks_never_panic(
        kind_index in 0usize..7,
        values in proptest::collection::btree_map(
            prop_oneof![Just("title".to_string()), Just("severity".to_string()),
                        Just("workers".to_string()), Just("rectify_by".to_string()), ".{0,8}"],
            ".{0,40}", 0..12),
    ) {
        let kind = &kinds().kinds()[kind_index];
        if let Err(errors) = kind.check_fields(&values) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
