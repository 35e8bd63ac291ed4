//! Region lookups: one `region::search` per typed query, as the picker sends them, and the
//! one-off parse of the embedded data (timed by the first call, printed before the groups).
//!
//! cargo bench -p wangge-domain --bench regions

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use wangge_domain::region;

fn searches(c: &mut Criterion) {
    let t = std::time::Instant::now();
    let n = region::count();
    println!("parse: {n} divisions in {:?}", t.elapsed());
    let mut group = c.benchmark_group("region_search");
    for q in ["西安", "朝阳区", "电子城街道", "西安 雁塔", "610113", "市"] {
        group.bench_function(q, |b| b.iter(|| region::search(black_box(q), 10).len()));
    }
    group.finish();
    c.bench_function("region_full_name", |b| {
        b.iter(|| region::full_name(black_box("610113")))
    });
}

criterion_group!(benches, searches);
criterion_main!(benches);
