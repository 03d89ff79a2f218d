//! The national ID number parser and its cross-checks (`hawiya_documents::id_number`) on
//! arbitrary OCR text (ASCII or Arabic-Indic digits, spaces, anything else).
#![no_main]

use chrono::NaiveDate;
use hawiya_documents::id_number;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    // The first line is the number; the rest, split on '|', the printed fields.
    let mut parts = text.splitn(2, '\n');
    let number = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    let mut printed = rest.split('|');
    let (date, gender, back) = (
        printed.next().unwrap_or_default(),
        printed.next().unwrap_or_default(),
        printed.next().unwrap_or_default(),
    );
    let _ = id_number::clean(number);
    let _ = id_number::check_digit(number);
    let valid = id_number::is_valid(number, today);
    match id_number::parse(number, today) {
        Ok(id) => {
            assert!(valid);
            assert_eq!(id.digits.len(), id_number::LENGTH);
            let _ = id.birth_date_iso();
            let _ = id_number::check_printed_birth_date(&id, "dateOfBirth", date);
            let _ = id_number::check_printed_gender(&id, "gender", gender);
        }
        Err(e) => {
            assert!(!valid);
            let _ = e.to_issues("idNumber");
        }
    }
    for candidate in id_number::single_substitution_candidates(number, today) {
        assert!(id_number::is_valid(&candidate, today), "{candidate}");
    }
    let _ = id_number::check_front_back(number, back);
});
