//! The finite space of arrival facts as far as a policy can tell them apart: risk level ×
//! (not overseas | each interval of port-quarantine days between the rules' bounds) × the three
//! booleans. Every rule matches a case either for all the facts it stands for or for none, so
//! static analysis over these cases is exact.

use super::compiled::Rule;
use super::model::{ArrivalFacts, RiskLevel};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Case {
    pub facts: ArrivalFacts,
    /// Inclusive range of port-quarantine days this case stands for; `None` when not overseas.
    pub days: Option<(u16, u16)>,
}

/// All cases, ordered so that `index(risk, bucket, bits)` finds one.
pub(crate) struct Space {
    /// `None` = not overseas, then the port-quarantine day intervals in ascending order.
    buckets: Vec<Option<(u16, u16)>>,
    pub cases: Vec<Case>,
}

pub(crate) fn cases(rules: &[Rule]) -> Space {
    let mut cuts: Vec<u32> = vec![0];
    for r in rules {
        cuts.push(u32::from(r.matcher.days_min));
        cuts.push(u32::from(r.matcher.days_max) + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.retain(|&c| c <= u32::from(u16::MAX));
    let mut buckets: Vec<Option<(u16, u16)>> = vec![None];
    for (i, &lo) in cuts.iter().enumerate() {
        let hi = cuts.get(i + 1).map_or(u32::from(u16::MAX), |next| next - 1);
        buckets.push(Some((lo as u16, hi as u16)));
    }

    let arrival = NaiveDate::from_ymd_opt(2021, 12, 1).unwrap_or_default();
    let mut cases = Vec::with_capacity(RiskLevel::ALL.len() * buckets.len() * 8);
    for origin_risk in RiskLevel::ALL {
        for &days in &buckets {
            for bits in 0u8..8 {
                cases.push(Case {
                    facts: ArrivalFacts {
                        arrival,
                        origin_risk,
                        overseas_quarantined_days: days.map(|d| d.0),
                        risk_city_stay: bits & 1 != 0,
                        other_province: bits & 2 != 0,
                        key_industry: bits & 4 != 0,
                    },
                    days,
                });
            }
        }
    }
    Space { buckets, cases }
}

impl Space {
    fn index(&self, risk: usize, bucket: usize, bits: u8) -> usize {
        (risk * self.buckets.len() + bucket) * 8 + usize::from(bits)
    }

    /// Describes the marked cases as few "cubes" as a greedy pass finds: each cube fixes some
    /// facts and leaves the others free, so a gap reads "来源地无风险、省内" instead of eight
    /// enumerated lines.
    pub(crate) fn summarize(&self, marked: &[bool]) -> Vec<String> {
        let nb = self.buckets.len();
        let mut covered = vec![false; self.cases.len()];
        let mut out = Vec::new();
        for c in 0..self.cases.len() {
            if !marked[c] || covered[c] {
                continue;
            }
            let (risk0, bucket0, bits0) = (c / 8 / nb, c / 8 % nb, (c % 8) as u8);
            let cube = |free: u8| (0u8..8).filter(move |b| b & !free == bits0 & !free);
            let all = |r: usize, b: usize, free: u8| {
                cube(free).all(|bits| marked[self.index(r, b, bits)])
            };
            let mut free = 0u8;
            for bit in [1u8, 2, 4] {
                if all(risk0, bucket0, free | bit) {
                    free |= bit;
                }
            }
            let risks: Vec<usize> = (0..RiskLevel::ALL.len())
                .filter(|&r| all(r, bucket0, free))
                .collect();
            let buckets: Vec<usize> = (0..nb)
                .filter(|&b| risks.iter().all(|&r| all(r, b, free)))
                .collect();
            for &r in &risks {
                for &b in &buckets {
                    for bits in cube(free) {
                        covered[self.index(r, b, bits)] = true;
                    }
                }
            }
            out.push(self.describe_cube(&risks, &buckets, bits0, free));
        }
        out
    }

    fn describe_cube(&self, risks: &[usize], buckets: &[usize], bits: u8, free: u8) -> String {
        let mut parts = Vec::new();
        if risks.len() < RiskLevel::ALL.len() {
            let names: Vec<&str> = risks
                .iter()
                .map(|&r| RiskLevel::ALL[r].label_zh())
                .collect();
            parts.push(format!("来源地{}", names.join("或")));
        }
        if buckets.len() < self.buckets.len() {
            let mut where_ = Vec::new();
            if buckets.first() == Some(&0) {
                where_.push("非境外入境".to_string());
            }
            let overseas: Vec<(u16, u16)> =
                buckets.iter().filter_map(|&b| self.buckets[b]).collect();
            if overseas.len() == self.buckets.len() - 1 {
                where_.push("境外入境".to_string());
            } else {
                let mut ranges: Vec<(u16, u16)> = Vec::new();
                for (lo, hi) in overseas {
                    match ranges.last_mut() {
                        Some(last) if u32::from(last.1) + 1 == u32::from(lo) => last.1 = hi,
                        _ => ranges.push((lo, hi)),
                    }
                }
                where_.extend(
                    ranges
                        .into_iter()
                        .map(|r| format!("境外入境且{}", port_days(Some(r)))),
                );
            }
            parts.push(where_.join("或"));
        }
        let flag = |bit: u8, yes: &str, no: &str| {
            (free & bit == 0).then(|| if bits & bit != 0 { yes } else { no }.to_string())
        };
        parts.extend(flag(
            1,
            "到过有中高风险地区的城市",
            "未到过有中高风险地区的城市",
        ));
        parts.extend(flag(2, "省外来（返）", "省内"));
        parts.extend(flag(4, "重点行业", "非重点行业"));
        if parts.is_empty() {
            "任何到达".to_string()
        } else {
            parts.join("、")
        }
    }
}

fn port_days(days: Option<(u16, u16)>) -> String {
    match days {
        None => String::new(),
        Some((lo, u16::MAX)) => format!("口岸已隔离≥{lo}天"),
        Some((lo, hi)) if lo == hi => format!("口岸已隔离{lo}天"),
        Some((lo, hi)) => format!("口岸已隔离{lo}–{hi}天"),
    }
}

impl Case {
    /// 用中文描述这一类到达情形。
    pub(crate) fn describe(&self) -> String {
        let f = &self.facts;
        let overseas = match self.days {
            None => "非境外入境".to_string(),
            days => format!("境外入境且{}", port_days(days)),
        };
        format!(
            "来源地{}、{}、{}到过有中高风险地区的城市、{}、{}",
            f.origin_risk.label_zh(),
            overseas,
            if f.risk_city_stay { "" } else { "未" },
            if f.other_province {
                "省外来（返）"
            } else {
                "省内"
            },
            if f.key_industry {
                "重点行业"
            } else {
                "非重点行业"
            },
        )
    }
}
