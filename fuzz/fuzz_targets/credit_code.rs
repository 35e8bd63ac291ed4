#![no_main]
//! Any bytes typed into a credit-code field: never a panic; whatever parses re-parses the same.

use libfuzzer_sys::fuzz_target;
use wangge_domain::validate::CreditCode;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(code) = CreditCode::parse(s) {
        assert_eq!(CreditCode::parse(code.as_str()).expect("re-parses"), code);
    }
});
