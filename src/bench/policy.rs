//! `wangge bench policy`: plans per second of the policy engine on one thread, next to the
//! hand-coded baseline, measured in the same run so the ratio holds on any machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Datelike;
use wangge_domain::policy::{
    baseline_plan, bench_facts, default_policies, in_force, ArrivalFacts, Plan,
};

/// Measured throughputs, in plans per second.
#[derive(Debug, Clone, Copy)]
pub struct PolicyBench {
    pub facts: usize,
    pub engine: f64,
    pub baseline: f64,
    pub engine_with_lookup: f64,
}

/// Best of `rounds` timed passes over `facts` (best, not mean: interference from other work on
/// the machine only ever slows a pass down).
fn best_rate(
    facts: &[ArrivalFacts],
    budget: Duration,
    rounds: u32,
    pass: impl Fn(&[ArrivalFacts]) -> i64,
) -> f64 {
    let mut best = 0f64;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut plans = 0usize;
        let mut acc = 0i64;
        while start.elapsed() < budget / rounds {
            acc ^= pass(black_box(facts));
            plans += facts.len();
        }
        black_box(acc);
        best = best.max(plans as f64 / start.elapsed().as_secs_f64());
    }
    best
}

pub fn policy(n: usize, seconds: f64) -> Result<PolicyBench, String> {
    let policies = default_policies();
    let policy = policies.first().ok_or("没有内置政策")?;
    let facts = bench_facts(n.max(1));
    let budget = Duration::from_secs_f64(seconds.max(0.1));
    // every contender folds the same summary of its plan, so none does less work than another
    let summary = |p: &Plan<'_>| {
        i64::from(p.end().map_or(0, |d| d.num_days_from_ce())) ^ p.tests().len() as i64
    };
    let engine = |fs: &[ArrivalFacts]| {
        fs.iter().fold(0i64, |acc, f| match policy.plan(f) {
            Ok(p) => acc ^ summary(&p),
            Err(_) => acc,
        })
    };
    let baseline = |fs: &[ArrivalFacts]| {
        fs.iter().fold(0i64, |acc, f| match baseline_plan(f) {
            Some(p) => {
                let end = p.phases().last().map_or(0, |p| p.end.num_days_from_ce());
                acc ^ i64::from(end) ^ i64::from(p.test.is_some())
            }
            None => acc,
        })
    };
    let with_lookup = |fs: &[ArrivalFacts]| {
        fs.iter().fold(0i64, |acc, f| {
            match in_force(&policies, f.arrival).map(|p| p.plan(f)) {
                Some(Ok(p)) => acc ^ summary(&p),
                _ => acc,
            }
        })
    };
    // interleave the contenders so that a slow spell of the machine hits both alike
    let slice = budget / 3;
    let (mut e, mut b, mut l) = (0f64, 0f64, 0f64);
    for _ in 0..3 {
        e = e.max(best_rate(&facts, slice, 3, engine));
        b = b.max(best_rate(&facts, slice, 3, baseline));
        l = l.max(best_rate(&facts, slice, 3, with_lookup));
    }
    Ok(PolicyBench {
        facts: facts.len(),
        engine: e,
        baseline: b,
        engine_with_lookup: l,
    })
}

impl std::fmt::Display for PolicyBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = |r: f64| format!("{:>14.0}", r);
        writeln!(
            f,
            "政策引擎基准（单线程，{} 条到达事实，默认政策 default-2021-12）",
            self.facts
        )?;
        writeln!(
            f,
            "  引擎 engine                {} plans/s",
            rate(self.engine)
        )?;
        writeln!(
            f,
            "  基线 baseline（手写 match） {} plans/s",
            rate(self.baseline)
        )?;
        writeln!(
            f,
            "  引擎+按日期选政策           {} plans/s",
            rate(self.engine_with_lookup)
        )?;
        writeln!(
            f,
            "  引擎/基线 ratio            {:>14.2}",
            self.engine / self.baseline
        )
    }
}
