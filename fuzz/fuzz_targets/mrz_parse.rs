//! The MRZ parser (`hawiya_documents::mrz`) on arbitrary OCR text: whole text, lines, and
//! the stricter and looser parameter sets. Errors are fine; panics and hangs are not.
#![no_main]

use chrono::NaiveDate;
use hawiya_documents::mrz::{parse, parse_lines_with, MrzParams};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    if let Ok(mrz) = parse(&text, today) {
        for check in &mrz.checks {
            let _ = check.valid();
        }
        let _ = mrz.checks_pass();
        let _ = mrz.full_name();
    }
    let lines: Vec<&str> = text.split(['\n', '|']).collect();
    for params in [
        MrzParams::default(),
        MrzParams {
            max_substitutions: 0,
            line_length_tolerance: 0,
            ..MrzParams::default()
        },
        MrzParams {
            max_substitutions: 3,
            line_length_tolerance: 6,
            ..MrzParams::default()
        },
    ] {
        let _ = parse_lines_with(&lines, today, &params);
    }
});
