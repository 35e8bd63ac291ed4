//! The default policy's five categories on concrete dates, broken policies, and properties.

use super::*;
use chrono::NaiveDate;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn default_policy() -> Policy {
    Policy::from_toml(DEFAULT_POLICY_TOML).unwrap()
}

fn facts(arrival: &str, f: impl FnOnce(&mut ArrivalFacts)) -> ArrivalFacts {
    let mut facts = ArrivalFacts::new(d(arrival));
    f(&mut facts);
    facts
}

fn phases(plan: &Plan<'_>) -> Vec<(MeasureKind, String, String)> {
    plan.phases()
        .iter()
        .map(|p| (p.measure, p.start.to_string(), p.end.to_string()))
        .collect()
}

use MeasureKind::{
    CentralizedQuarantine as Cq, HomeHealthMonitoring as Hm, PersonalHealthMonitoring as Pm,
};

fn ph(m: MeasureKind, a: &str, b: &str) -> (MeasureKind, String, String) {
    (m, a.into(), b.into())
}

#[test]
fn default_policy_is_clean() {
    let report = check(DEFAULT_POLICY_TOML);
    assert!(report.is_valid(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    let policies = default_policies();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].key_industries().len(), 11);
    assert!(policies[0].key_industry("courier_delivery").is_some());
    assert!(policies[0].key_industry("快递和外卖配送人员").is_some());
}

#[test]
fn category_3_medium_risk_area() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| f.origin_risk = RiskLevel::Medium))
        .unwrap();
    assert_eq!(plan.policy_id(), "default-2021-12");
    assert_eq!(plan.rule_id(), "medium-high-risk-area");
    assert_eq!(
        plan.reason().to_string(),
        "来自中风险地区，适用第3类：14天集中隔离+7天居家健康监测"
    );
    assert_eq!(
        phases(&plan),
        [
            ph(Cq, "2021-12-28", "2022-01-10"),
            ph(Hm, "2022-01-11", "2022-01-17")
        ]
    );
    assert!(plan.tests().is_empty() && plan.documents().is_empty());
    let high = p
        .plan(&facts("2021-12-28", |f| f.origin_risk = RiskLevel::High))
        .unwrap();
    assert!(high.reason().to_string().starts_with("来自高风险地区"));
}

#[test]
fn category_1_overseas_14_days_at_port() {
    let p = default_policy();
    for days in [14, 20] {
        let plan = p
            .plan(&facts("2021-12-28", |f| {
                f.overseas_quarantined_days = Some(days)
            }))
            .unwrap();
        assert_eq!(plan.rule_id(), "overseas-port-14");
        assert_eq!(
            phases(&plan),
            [
                ph(Cq, "2021-12-28", "2022-01-03"),
                ph(Hm, "2022-01-04", "2022-01-10"),
                ph(Pm, "2022-01-11", "2022-02-28"),
            ]
        );
    }
}

#[test]
fn category_2_overseas_21_days_at_port() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| {
            f.overseas_quarantined_days = Some(21)
        }))
        .unwrap();
    assert_eq!(plan.rule_id(), "overseas-port-21");
    assert_eq!(
        plan.reason().to_string(),
        "境外入境，已在入境口岸集中隔离21天，适用第2类：7天居家健康监测+7周个人健康监测"
    );
    assert_eq!(
        phases(&plan),
        [
            ph(Hm, "2021-12-28", "2022-01-03"),
            ph(Pm, "2022-01-04", "2022-02-21")
        ]
    );
}

#[test]
fn overseas_under_14_days_is_treated_strictly() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| {
            f.overseas_quarantined_days = Some(7)
        }))
        .unwrap();
    assert_eq!(plan.rule_id(), "overseas-port-under-14");
    assert_eq!(
        phases(&plan),
        [
            ph(Cq, "2021-12-28", "2022-01-17"),
            ph(Hm, "2022-01-18", "2022-01-24"),
            ph(Pm, "2022-01-25", "2022-03-14"),
        ]
    );
}

#[test]
fn category_4_stay_in_risk_city() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| {
            f.risk_city_stay = true;
            f.other_province = true;
        }))
        .unwrap();
    assert_eq!(plan.rule_id(), "risk-city-stay");
    assert_eq!(
        phases(&plan),
        [
            ph(Cq, "2021-12-28", "2022-01-03"),
            ph(Hm, "2022-01-04", "2022-01-10")
        ]
    );
}

#[test]
fn category_5_other_province_and_key_industry() {
    let p = default_policy();
    let other = facts("2021-12-28", |f| f.other_province = true);
    let worker = facts("2021-12-28", |f| f.key_industry = true);
    for (f, rule) in [
        (other, "other-province"),
        (worker, "key-industry-in-province"),
    ] {
        let plan = p.plan(&f).unwrap();
        assert_eq!(plan.rule_id(), rule);
        assert_eq!(phases(&plan), [ph(Hm, "2021-12-28", "2022-01-10")]);
        assert_eq!(plan.tests(), [d("2021-12-28")]);
        assert_eq!(
            plan.documents(),
            [
                Document::GreenCode,
                Document::NegativeTest { within_hours: 48 }
            ]
        );
    }
    let plan = p.plan(&other).unwrap();
    assert_eq!(
        plan.reason().to_string(),
        "来自省外无本土病例地区，适用第5类：抵达前须持健康码绿码和48小时内核酸检测阴性证明，抵达后核酸检测1次，14天居家健康监测"
    );
}

#[test]
fn in_province_general_arrival_has_no_measures() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| f.origin_risk = RiskLevel::Low))
        .unwrap();
    assert_eq!(plan.rule_id(), "in-province-no-measures");
    assert!(plan.phases().is_empty() && plan.tests().is_empty() && plan.end().is_none());
}

#[test]
fn explain_json_has_the_cli_shape() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| f.other_province = true))
        .unwrap();
    let json = serde_json::to_string(&plan.to_record()).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"policy":"default-2021-12","rule":"other-province","category":"省外低风险地区来（返）人员","#,
            r#""reason":"来自省外无本土病例地区，适用第5类：抵达前须持健康码绿码和48小时内核酸检测阴性证明，抵达后核酸检测1次，14天居家健康监测","#,
            r#""phases":[{"measure":"home_health_monitoring","start":"2021-12-28","end":"2022-01-10"}],"#,
            r#""tests":["2021-12-28"],"documents":[{"kind":"green_code"},{"kind":"negative_test","within_hours":48}]}"#
        )
    );
    let back: PlanRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan.to_record());
    assert_eq!(explain_json(&plan)["phases"][0]["end"], "2022-01-10");
    assert_eq!(
        back.events_on(d("2021-12-28")),
        [DayEvent::Starts(Hm), DayEvent::Test]
    );
    assert_eq!(back.events_on(d("2022-01-10")), [DayEvent::Ends(Hm)]);
}

#[test]
fn explain_text_is_readable_chinese() {
    let p = default_policy();
    let plan = p
        .plan(&facts("2021-12-28", |f| f.origin_risk = RiskLevel::Medium))
        .unwrap();
    let text = explain_text(&plan);
    assert!(
        text.contains("集中隔离 2021-12-28 至 2022-01-10（14天）"),
        "{text}"
    );
    assert!(
        text.contains("居家健康监测 2022-01-11 至 2022-01-17（7天）"),
        "{text}"
    );
    assert!(text.contains("政策版本：default-2021-12"), "{text}");
}

#[test]
fn in_force_picks_latest_effective_policy() {
    let newer_src = DEFAULT_POLICY_TOML
        .replace("id = \"default-2021-12\"", "id = \"city-2022-01\"")
        .replace(
            "effective_from = 2021-12-01",
            "effective_from = 2022-01-15\neffective_until = 2022-02-28",
        );
    let policies = vec![default_policy(), Policy::from_toml(&newer_src).unwrap()];
    assert!(in_force(&policies, d("2021-11-30")).is_none());
    assert_eq!(
        in_force(&policies, d("2021-12-01")).unwrap().id(),
        "default-2021-12"
    );
    assert_eq!(
        in_force(&policies, d("2022-01-15")).unwrap().id(),
        "city-2022-01"
    );
    assert_eq!(
        in_force(&policies, d("2022-03-01")).unwrap().id(),
        "default-2021-12"
    );
}

#[test]
fn baseline_agrees_with_engine() {
    let p = default_policy();
    for f in bench_facts(20_000) {
        let plan = p.plan(&f).unwrap();
        let base = baseline_plan(&f).unwrap();
        assert_eq!(plan.phases(), base.phases(), "{f:?}");
        assert_eq!(plan.tests().first().copied(), base.test, "{f:?}");
    }
}

// ---- broken policies ----

const HEAD: &str = "id = \"t\"\nname = \"测试\"\neffective_from = 2021-12-01\n";

fn rule(id: &str, when: &str, measures: &str) -> String {
    format!("\n[[rule]]\nid = \"{id}\"\ncategory = \"类{id}\"\nreason = \"{{measures}}\"\nwhen = {{ {when} }}\nmeasures = [{measures}]\n")
}

const CQ7: &str = "{ kind = \"centralized_quarantine\", days = 7 }";

#[test]
fn gap_is_an_error_with_examples() {
    let src = format!(
        "{HEAD}{}",
        rule("risky", "origin_risk = [\"medium\", \"high\"]", CQ7)
    );
    let report = check(&src);
    assert!(!report.is_valid());
    let gap = report
        .errors
        .iter()
        .find(|f| f.kind == FindingKind::Gap)
        .unwrap();
    assert!(gap.message.contains("· 来源地无风险或低风险\n"), "{report}");
    assert!(Policy::from_toml(&src).is_err());
}

#[test]
fn unreachable_rule_names_the_rule_and_its_shadow() {
    let src = format!(
        "{HEAD}{}{}{}",
        rule(
            "all-risk",
            "origin_risk = [\"low\", \"medium\", \"high\"]",
            CQ7
        ),
        rule("medium", "origin_risk = [\"medium\"]", CQ7),
        rule("rest", "", "")
    );
    let report = check(&src);
    assert!(
        report.mentions(FindingKind::Unreachable, "medium"),
        "{report}"
    );
    let f = report
        .errors
        .iter()
        .find(|f| f.kind == FindingKind::Unreachable)
        .unwrap();
    assert!(f.message.contains("all-risk"), "{report}");
    assert_eq!(
        f.line,
        Some(
            src.lines()
                .position(|l| l.contains("origin_risk = [\"medium\"]"))
                .unwrap()
                + 1
        )
    );
}

#[test]
fn never_matching_rule_explains_why() {
    let src = format!(
        "{HEAD}{}{}",
        rule(
            "odd",
            "overseas = false, port_quarantine_days = { min = 14 }",
            CQ7
        ),
        rule("rest", "", "")
    );
    let report = check(&src);
    assert!(
        report.mentions(FindingKind::NeverMatches, "odd"),
        "{report}"
    );
}

#[test]
fn overlap_is_a_warning_naming_both_rules() {
    let src = format!(
        "{HEAD}{}{}{}",
        rule("risky", "origin_risk = [\"medium\", \"high\"]", CQ7),
        rule("city", "risk_city_stay = true", CQ7),
        rule("rest", "", "")
    );
    let report = check(&src);
    assert!(report.is_valid(), "{report}");
    assert!(report.mentions(FindingKind::Overlap, "city"), "{report}");
    assert!(report.warnings[0].message.contains("risky"));
    assert_eq!(
        report.warnings.len(),
        1,
        "the fallback's overlaps are not warned: {report}"
    );
}

#[test]
fn unknown_field_duplicate_id_and_bad_values_are_named() {
    let unknown = format!("{HEAD}{}", rule("r", "colour = \"red\"", CQ7));
    let report = check(&unknown);
    let f = &report.errors[0];
    assert_eq!(f.kind, FindingKind::UnknownField);
    assert_eq!(
        (f.rule.as_deref(), f.field.as_deref()),
        (Some("r"), Some("colour"))
    );

    let dup = format!("{HEAD}{}{}", rule("r", "", CQ7), rule("r", "", CQ7));
    let report = check(&dup);
    assert!(report.mentions(FindingKind::DuplicateId, "r"), "{report}");
    assert_eq!(
        report.errors[0].line,
        Some(
            dup.lines()
                .collect::<Vec<_>>()
                .iter()
                .rposition(|l| *l == "id = \"r\"")
                .unwrap()
                + 1
        )
    );

    let negative = format!(
        "{HEAD}{}",
        rule(
            "neg",
            "",
            "{ kind = \"home_health_monitoring\", days = -3 }"
        )
    );
    let report = check(&negative);
    let f = report
        .errors
        .iter()
        .find(|f| f.kind == FindingKind::InvalidDuration)
        .unwrap();
    assert_eq!(f.field.as_deref(), Some("measures[0].days"));
    assert_eq!(f.rule.as_deref(), Some("neg"));

    let zero_weeks = format!(
        "{HEAD}{}",
        rule(
            "z",
            "",
            "{ kind = \"personal_health_monitoring\", weeks = 0 }"
        )
    );
    assert!(check(&zero_weeks).mentions(FindingKind::InvalidDuration, "z"));

    let dates = format!("{HEAD}effective_until = 2021-11-01\n{}", rule("r", "", ""));
    let report = check(&dates);
    let f = &report.errors[0];
    assert_eq!(
        (f.kind, f.field.as_deref(), f.line),
        (FindingKind::InvalidDates, Some("effective_until"), Some(4))
    );

    let template = format!(
        "{HEAD}{}",
        rule("r", "", "").replace("{measures}", "{measure}")
    );
    assert!(check(&template).mentions(FindingKind::InvalidTemplate, "r"));

    let test = format!(
        "{HEAD}{}tests = [{{ measure = \"centralized_quarantine\", day = 1 }}]\n",
        rule("t", "", "")
    );
    assert!(
        check(&test).mentions(FindingKind::InvalidTest, "t"),
        "{}",
        check(&test)
    );
}

#[test]
fn tests_relative_to_a_phase_resolve_to_dates() {
    let src = format!(
        "{HEAD}{}tests = [{{ measure = \"home_health_monitoring\", day = 0 }}, {{ measure = \"centralized_quarantine\", before_end = 0 }}, {{ day = 0 }}]\n",
        rule("all", "", &format!("{CQ7}, {{ kind = \"home_health_monitoring\", days = 7 }}"))
    );
    let p = Policy::from_toml(&src).unwrap();
    let plan = p.plan(&ArrivalFacts::new(d("2021-12-28"))).unwrap();
    assert_eq!(
        plan.tests(),
        [d("2021-12-28"), d("2022-01-03"), d("2022-01-04")]
    );
}

// ---- properties ----

fn arb_facts() -> impl Strategy<Value = ArrivalFacts> {
    (
        0i64..40_000,
        prop::sample::select(RiskLevel::ALL.to_vec()),
        prop::option::of(0u16..40),
        any::<[bool; 3]>(),
    )
        .prop_map(|(day, origin_risk, overseas, [a, b, c])| ArrivalFacts {
            arrival: d("2000-01-01") + chrono::Days::new(day as u64),
            origin_risk,
            overseas_quarantined_days: overseas,
            risk_city_stay: a,
            other_province: b,
            key_industry: c,
        })
}

fn arb_when() -> impl Strategy<Value = Conditions> {
    let opt_bool = || prop::option::of(any::<bool>());
    (
        prop::option::of(prop::sample::subsequence(RiskLevel::ALL.to_vec(), 0..=4)),
        opt_bool(),
        prop::option::of((prop::option::of(0i64..30), prop::option::of(0i64..30))),
        (opt_bool(), opt_bool(), opt_bool()),
    )
        .prop_map(|(origin_risk, overseas, days, (r, o, k))| Conditions {
            origin_risk,
            overseas,
            port_quarantine_days: days.map(|(min, max)| DayRange { min, max }),
            risk_city_stay: r,
            other_province: o,
            key_industry: k,
        })
}

fn arb_rule(i: usize) -> impl Strategy<Value = RuleSpec> {
    let measure =
        (prop::sample::select(MeasureKind::ALL.to_vec()), 1i64..30).prop_map(|(kind, days)| {
            MeasureSpec {
                kind,
                days: Some(days),
                weeks: None,
            }
        });
    (arb_when(), prop::collection::vec(measure, 0..4)).prop_map(move |(when, measures)| RuleSpec {
        id: format!("r{i}"),
        category: format!("类{i}"),
        reason: "{origin_risk}{port_days}{measures}".into(),
        when,
        measures,
        tests: vec![],
        documents: vec![],
    })
}

fn arb_policy() -> impl Strategy<Value = PolicySpec> {
    (1usize..7)
        .prop_flat_map(|n| (0..n).map(arb_rule).collect::<Vec<_>>())
        .prop_map(|rules| {
            let mut spec = parse_spec(HEAD).unwrap();
            spec.rules = rules;
            spec
        })
}

proptest! {
    #[test]
    fn phases_are_contiguous_and_sum_to_the_rule(f in arb_facts()) {
        let p = default_policy();
        let plan = p.plan(&f).unwrap();
        let mut next = f.arrival;
        for phase in plan.phases() {
            prop_assert_eq!(phase.start, next);
            prop_assert!(phase.end >= phase.start);
            next = phase.end.succ_opt().unwrap();
        }
        let total: i64 = plan.phases().iter().map(Phase::days).sum();
        prop_assert_eq!(total, i64::from(plan.rule().total_days()));
        prop_assert_eq!((next - f.arrival).num_days(), total);
        for t in plan.tests() {
            prop_assert!(*t >= f.arrival);
        }
    }

    #[test]
    fn changing_one_rule_changes_only_its_plans(
        k in 0usize..8,
        extra in 1i64..10,
        cases in prop::collection::vec(arb_facts(), 1..200),
    ) {
        let old = default_policy();
        let mut spec = old.spec().clone();
        spec.id = "default-2021-12-b".into();
        let changed_id = spec.rules[k].id.clone();
        if spec.rules[k].measures.is_empty() {
            spec.rules[k].measures.push(MeasureSpec { kind: MeasureKind::HomeHealthMonitoring, days: Some(extra), weeks: None });
        } else {
            let m = &mut spec.rules[k].measures[0];
            m.days = Some(m.days.unwrap_or(0) + m.weeks.unwrap_or(0) * 7 + extra);
            m.weeks = None;
        }
        let new = Policy::from_spec(spec).unwrap();
        for f in &cases {
            let (a, b) = (old.plan(f).unwrap(), new.plan(f).unwrap());
            prop_assert_eq!(a.rule_id(), b.rule_id());
            prop_assert_eq!(b.policy_id(), "default-2021-12-b");
            if a.rule_id() == changed_id {
                prop_assert_ne!(a.phases(), b.phases());
            } else {
                prop_assert_eq!(a.phases(), b.phases());
                prop_assert_eq!(a.tests(), b.tests());
                prop_assert_eq!(a.reason().to_string(), b.reason().to_string());
            }
        }
    }

    #[test]
    fn check_never_panics_on_arbitrary_text(src in "\\PC{0,300}") {
        let _ = check(&src);
    }

    #[test]
    fn check_never_panics_on_mutated_default(pos in 0usize..10_000, cut in 0usize..40, insert in "[\\[\\]{}=\"a-z0-9 \n#-]{0,8}") {
        let mut src = DEFAULT_POLICY_TOML.to_string();
        let mut at = pos % src.len();
        while !src.is_char_boundary(at) { at -= 1; }
        let mut end = (at + cut).min(src.len());
        while !src.is_char_boundary(end) { end -= 1; }
        src.replace_range(at..end, &insert);
        let report = check(&src);
        prop_assert_eq!(report.is_valid(), Policy::from_toml(&src).is_ok());
    }

    #[test]
    fn a_valid_policy_plans_every_arrival(spec in arb_policy(), cases in prop::collection::vec(arb_facts(), 1..50)) {
        let mut with_fallback = spec.clone();
        with_fallback.rules.push(RuleSpec { id: "fallback".into(), when: Conditions::default(), ..spec.rules[0].clone() });
        for spec in [spec, with_fallback] {
            if let Ok(p) = Policy::from_spec(spec) {
                for f in &cases {
                    prop_assert!(p.plan(f).is_ok());
                }
            }
        }
    }
}
