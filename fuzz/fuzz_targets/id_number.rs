#![no_main]
//! Any bytes typed into an ID-number field: never a panic; whatever parses re-parses the same.

use libfuzzer_sys::fuzz_target;
use wangge_domain::validate::IdNumber;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    if let Ok(id) = IdNumber::parse(s, today) {
        let again = IdNumber::parse(id.as_str(), today).expect("a parsed number re-parses");
        assert_eq!(again, id);
        assert_eq!(id.masked().len(), id.as_str().len());
        let _ = (id.birth_date(), id.sex());
    }
});
