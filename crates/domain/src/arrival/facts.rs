//! From what a person reported to the facts a policy judges.

use super::place::{Origin, Stay};
use crate::policy::{ArrivalFacts, Policy, RiskLevel, RiskRegister};
use chrono::{Days, NaiveDate};

/// 一份报备中与政策有关的内容。
#[derive(Debug, Clone, Copy)]
pub struct FactsInput<'a> {
    pub arrival: NaiveDate,
    pub origin: &'a Origin,
    pub travel: &'a [Stay],
    /// 职业（重点行业代码或名称，或自由填写）
    pub occupation: &'a str,
    /// 本人申报从事重点行业
    pub key_industry_declared: bool,
    /// 目的地所在省份（区划代码前两位），用于判断“来自省外”
    pub home_province: &'a str,
}

/// 按抵达日有效的风险地区名单和政策得出到达事实：
/// - 来源地风险等级：来源地与政策规定天数内（`risk_city_stay_days`）旅居过的各地中最高的等级
///   ——“来自中高风险地区”按 14 天旅居史判断，而不只看出发地；
/// - 风险城市旅居：来源地或该期间旅居地所在城市在抵达日有中高风险地区；
/// - 省外：来源地省份与目的地不同；
/// - 重点行业：本人申报，或职业与政策列出的重点行业代码/名称一致。
pub fn facts_for(input: &FactsInput<'_>, policy: &Policy, register: &RiskRegister) -> ArrivalFacts {
    let arrival = input.arrival;
    let window = u64::from(policy.risk_city_stay_days());
    let since = arrival
        .checked_sub_days(Days::new(window))
        .unwrap_or(NaiveDate::MIN);
    let recent: Vec<&Stay> = input
        .travel
        .iter()
        .filter(|s| since <= s.date && s.date <= arrival)
        .collect();
    let mut facts = ArrivalFacts::new(arrival);
    facts.key_industry =
        input.key_industry_declared || policy.key_industry(input.occupation).is_some();
    match input.origin {
        Origin::Overseas {
            port_quarantined_days,
            ..
        } => {
            facts.overseas_quarantined_days = Some(*port_quarantined_days);
        }
        Origin::Domestic { place } => {
            let origin_level = register.level_on(&place.query(), arrival);
            facts.origin_risk = recent
                .iter()
                .map(|s| register.level_on(&s.place.query(), arrival))
                .fold(origin_level, RiskLevel::max);
            let visits = recent
                .iter()
                .map(|s| (s.place.code.as_str(), s.date))
                .chain([(place.code.as_str(), arrival)]);
            facts.risk_city_stay =
                register.stayed_in_risk_city(visits, arrival, policy.risk_city_stay_days());
            facts.other_province = place.province() != input.home_province;
        }
    }
    facts
}

/// 报备晚于政策要求的提前天数（`report_days_ahead`）即为迟报；抵达后补报也算迟报。
pub fn is_late(arrival: NaiveDate, reported_on: NaiveDate, days_ahead: u16) -> bool {
    (arrival - reported_on).num_days() < i64::from(days_ahead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrival::Place;
    use crate::policy::{default_policies, RiskArea};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn register() -> RiskRegister {
        let area = |code: &str, street: Option<&str>, level| RiskArea {
            code: code.into(),
            street: street.map(Into::into),
            name: "x".into(),
            level,
            valid_from: d("2021-12-20"),
            valid_until: Some(d("2022-01-20")),
        };
        RiskRegister::new(vec![
            area("610113", Some("电子城街道"), RiskLevel::High),
            area("610112", None, RiskLevel::Medium),
        ])
    }

    fn rule_for(origin: Origin, travel: &[Stay], occupation: &str, arrival: &str) -> String {
        let policies = default_policies();
        let policy = &policies[0];
        let input = FactsInput {
            arrival: d(arrival),
            origin: &origin,
            travel,
            occupation,
            key_industry_declared: false,
            home_province: "41",
        };
        let facts = facts_for(&input, policy, &register());
        policy.plan(&facts).unwrap().rule_id().to_string()
    }

    fn here(code: &str) -> Origin {
        Origin::Domestic {
            place: Place::parse(code).unwrap(),
        }
    }

    #[test]
    fn each_category_from_reported_facts() {
        let a = "2021-12-28";
        assert_eq!(
            rule_for(here("610113 电子城街道"), &[], "", a),
            "medium-high-risk-area"
        );
        assert_eq!(
            rule_for(here("610112"), &[], "", a),
            "medium-high-risk-area"
        );
        assert_eq!(rule_for(here("610104"), &[], "", a), "risk-city-stay");
        assert_eq!(rule_for(here("110105"), &[], "", a), "other-province");
        assert_eq!(
            rule_for(here("410102"), &[], "courier_delivery", a),
            "key-industry-in-province"
        );
        assert_eq!(
            rule_for(here("410102"), &[], "快递和外卖配送人员", a),
            "key-industry-in-province"
        );
        assert_eq!(
            rule_for(here("410102"), &[], "教师", a),
            "in-province-no-measures"
        );
        let overseas = |days| Origin::Overseas {
            from: "美国".into(),
            port_quarantined_days: days,
        };
        assert_eq!(rule_for(overseas(14), &[], "", a), "overseas-port-14");
        assert_eq!(rule_for(overseas(21), &[], "", a), "overseas-port-21");
        // before the areas were listed, Xi'an was an ordinary other province
        assert_eq!(
            rule_for(here("610113"), &[], "", "2021-12-19"),
            "other-province"
        );
    }

    #[test]
    fn travel_history_counts_within_the_window() {
        let stay = |date: &str, place: &str| Stay {
            date: d(date),
            place: Place::parse(place).unwrap(),
        };
        let a = "2021-12-28";
        // a stay in a high-risk street within 14 days: treated as coming from it
        let t = [stay("2021-12-21", "610113 电子城街道")];
        assert_eq!(rule_for(here("110105"), &t, "", a), "medium-high-risk-area");
        // a stay elsewhere in that city: risk-city stay
        let t = [stay("2021-12-21", "610104")];
        assert_eq!(rule_for(here("410102"), &t, "", a), "risk-city-stay");
        // older than 14 days: ignored
        let t = [stay("2021-12-13", "610113 电子城街道")];
        assert_eq!(
            rule_for(here("410102"), &t, "", a),
            "in-province-no-measures"
        );
    }

    #[test]
    fn late_when_fewer_days_ahead_than_policy() {
        assert!(!is_late(d("2021-12-28"), d("2021-12-25"), 3));
        assert!(is_late(d("2021-12-28"), d("2021-12-26"), 3));
        assert!(is_late(d("2021-12-28"), d("2021-12-29"), 3));
    }
}
