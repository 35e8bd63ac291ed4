#![no_main]
//! Any text as a policy file: the checker reports, never panics; a policy that loads can plan
//! any arrival without panicking.

use libfuzzer_sys::fuzz_target;
use wangge_domain::policy::{bench_facts, check, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let report = check(src);
    let _ = report.to_string();
    if let Ok(policy) = Policy::from_toml(src) {
        for facts in bench_facts(16) {
            let _ = policy.plan(&facts);
        }
    }
});
