//! Plans per second on one core: the data-driven engine on the default policy next to a
//! hand-coded `match` that computes the same dates (`policy/baseline`). Criterion's throughput
//! line ("thrpt … Melem/s") is plans per second.
//!
//! cargo bench -p wangge-domain --bench policy

use chrono::Datelike;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;
use wangge_domain::policy::{baseline_plan, bench_facts, default_policies, in_force};

const N: usize = 10_000;

fn plans(c: &mut Criterion) {
    let policies = default_policies();
    let policy = &policies[0];
    let facts = bench_facts(N);
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(N as u64));

    group.bench_function("engine", |b| {
        b.iter(|| {
            let mut acc = 0i32;
            for f in &facts {
                let plan = policy.plan(black_box(f)).expect("默认政策无遗漏");
                acc ^= plan.end().map_or(0, |d| d.num_days_from_ce()) + plan.tests().len() as i32;
            }
            acc
        })
    });

    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut acc = 0i32;
            for f in &facts {
                let plan = baseline_plan(black_box(f)).expect("日期在范围内");
                let end = plan.phases().last().map_or(0, |p| p.end.num_days_from_ce());
                acc ^= end + i32::from(plan.test.is_some());
            }
            acc
        })
    });

    // What a caller that also picks the policy by date and renders the reason pays.
    group.bench_function("engine_in_force_reason", |b| {
        let mut reason = String::with_capacity(256);
        b.iter(|| {
            let mut acc = 0usize;
            for f in &facts {
                let policy = in_force(&policies, f.arrival).expect("默认政策已生效");
                let plan = policy.plan(black_box(f)).expect("默认政策无遗漏");
                reason.clear();
                let _ = write!(reason, "{}", plan.reason());
                acc ^= reason.len() + plan.phases().len();
            }
            acc
        })
    });
    group.finish();
}

criterion_group!(benches, plans);
criterion_main!(benches);
