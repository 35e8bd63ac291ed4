//! The embedded working-day calendar (`data/holidays.tsv`, made from the npm package
//! chinese-days' `dist/chinese-days.json`) against the same package's calendar files
//! (`dist/years/YYYY.ics`, copied to `tests/data/chinese-days/` by `scripts/regen-holidays.sh`):
//! one event per run of days, `SUMMARY:春节(休)` for days off and `SUMMARY:春节(班)` for make-up
//! workdays, read here on their own, day by day for every covered year.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use wangge_domain::calendar::{self, DayKind};

/// Days off (`true`) and make-up workdays (`false`) with their festival's name, from one
/// `.ics` file.
fn read_ics(path: &Path) -> HashMap<NaiveDate, (bool, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // unfold: a line starting with a space continues the one before (RFC 5545 3.1)
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        match (line.strip_prefix(' '), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(line.to_string()),
        }
    }
    let date = |v: &str| NaiveDate::parse_from_str(v, "%Y%m%d").expect("an ICS date");
    let mut days = HashMap::new();
    let (mut start, mut end, mut summary) = (None, None, None);
    for line in &lines {
        if line == "BEGIN:VEVENT" {
            (start, end, summary) = (None, None, None);
        } else if let Some(v) = line.strip_prefix("DTSTART;VALUE=DATE:") {
            start = Some(date(v));
        } else if let Some(v) = line.strip_prefix("DTEND;VALUE=DATE:") {
            end = Some(date(v));
        } else if let Some(v) = line.strip_prefix("SUMMARY:") {
            summary = Some(v.to_string());
        } else if line == "END:VEVENT" {
            let (Some(start), Some(end), Some(summary)) = (start, end, summary.take()) else {
                panic!(
                    "{}: an event without DTSTART, DTEND or SUMMARY",
                    path.display()
                );
            };
            let (name, off) = if let Some(n) = summary.strip_suffix("(休)") {
                (n, true)
            } else if let Some(n) = summary.strip_suffix("(班)") {
                (n, false)
            } else {
                panic!("{}: unexpected summary {summary}", path.display());
            };
            // DTEND is the day after the last one
            for d in start.iter_days().take_while(|d| *d < end) {
                let old = days.insert(d, (off, name.to_string()));
                assert!(old.is_none(), "{}: {d} in two events", path.display());
            }
        }
    }
    days
}

/// The package writes 清明, 端午 and 中秋 where the notices (and holidays.tsv) write 清明节,
/// 端午节 and 中秋节.
fn same_festival(ours: &str, package: &str) -> bool {
    ours == package || ours.strip_suffix('节') == Some(package)
}

#[test]
fn holidays_tsv_matches_the_packages_ics_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chinese-days");
    let mut checked = 0;
    for year in calendar::covered_years() {
        let ics = read_ics(&dir.join(format!("{year}.ics")));
        assert!(!ics.is_empty(), "{year}.ics has no events");
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        for date in first.iter_days().take_while(|d| d.year() == year) {
            let day = calendar::day(date).unwrap();
            match ics.get(&date) {
                Some((true, name)) => {
                    assert_eq!(day.kind, DayKind::Holiday, "{date}");
                    let ours = day.holiday.unwrap_or_default();
                    assert!(same_festival(ours, name), "{date}: {ours} / {name}");
                }
                Some((false, name)) => {
                    assert_eq!(day.kind, DayKind::MakeUpWorkday, "{date}");
                    let ours = day.holiday.unwrap_or_default();
                    assert!(same_festival(ours, name), "{date}: {ours} / {name}");
                }
                None => assert!(
                    matches!(day.kind, DayKind::Workday | DayKind::Weekend),
                    "{date}: {day:?} is not in {year}.ics"
                ),
            }
            checked += 1;
        }
        // the package's files hold no days outside their year
        assert!(ics.keys().all(|d| d.year() == year), "{year}.ics");
    }
    assert!(checked >= 7 * 365, "{checked}");
    // and no .ics is left for a year the calendar does not cover
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, calendar::covered_years().count());
}
