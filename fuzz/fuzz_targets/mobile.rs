#![no_main]
//! Any bytes typed into a phone field: never a panic; whatever parses re-parses the same.

use libfuzzer_sys::fuzz_target;
use wangge_domain::validate::Mobile;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(m) = Mobile::parse(s) {
        assert_eq!(Mobile::parse(m.as_str()).expect("re-parses"), m);
    }
});
