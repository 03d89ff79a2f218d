use super::*;

const TD3_1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const TD3_2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1_1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<";
const TD1_2: &str = "7408122F1204159UTO<<<<<<<<<<<6";
const TD1_3: &str = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2_1: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<";
const TD2_2: &str = "D231458907UTO7408122F1204159<<<<<<<6";
const MRV_A_1: &str = "VNUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const MRV_A_2: &str = "L8988901C4XXX4009078F96121096ZE184226B<<<<<<";
const MRV_B_1: &str = "VNUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<";
const MRV_B_2: &str = "L8988901C4XXX4009078F9612109<<<<<<<<";

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// A day when the specimens were valid.
fn specimen_day() -> NaiveDate {
    d(2010, 1, 1)
}

/// `line` with the character at `col` replaced.
fn corrupt(line: &str, col: usize, to: char) -> String {
    let mut b = line.as_bytes().to_vec();
    b[col] = to as u8;
    String::from_utf8(b).unwrap()
}

fn outcome(m: &Mrz, field: CheckedField) -> CheckOutcome {
    m.check(field).unwrap().outcome
}

fn specimen_fields() -> MrzFields {
    MrzFields {
        document_type: "P".into(),
        issuing_country: "UTO".into(),
        surname: "Eriksson".into(),
        given_names: "Anna Maria".into(),
        document_number: "L898902C3".into(),
        nationality: "UTO".into(),
        birth_date: d(1974, 8, 12),
        sex: Some(Gender::Female),
        expiry_date: d(2012, 4, 15),
        optional_data: "ZE184226B".into(),
        optional_data_2: String::new(),
    }
}

#[test]
fn icao_specimen_check_digits() {
    assert_eq!(check_digit("L898902C3"), Some(6));
    assert_eq!(check_digit("740812"), Some(2));
    assert_eq!(check_digit("120415"), Some(9));
    assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
    assert_eq!(check_digit("D23145890"), Some(7));
    assert_eq!(check_digit("abc"), None);
}

#[test]
fn td3_specimen() {
    let m = parse_lines(&[TD3_1, TD3_2], specimen_day()).unwrap();
    assert_eq!(m.format, MrzFormat::Td3);
    assert_eq!(m.document_type, "P");
    assert_eq!(m.issuing_country, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.full_name(), "ANNA MARIA ERIKSSON");
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.birth_date, Some(d(1974, 8, 12)));
    assert_eq!(m.sex, Some(Gender::Female));
    assert_eq!(m.expiry_date, Some(d(2012, 4, 15)));
    assert_eq!(m.optional_data, "ZE184226B");
    assert_eq!(m.checks.len(), 5);
    assert!(m.checks.iter().all(|c| c.outcome == CheckOutcome::AsRead));
    assert!(m.corrections.is_empty());
    assert!(m.issues.is_empty(), "{:?}", m.issues);
    assert_eq!(m.lines, vec![TD3_1, TD3_2]);
}

#[test]
fn td1_specimen() {
    let m = parse_lines(&[TD1_1, TD1_2, TD1_3], specimen_day()).unwrap();
    assert_eq!(m.format, MrzFormat::Td1);
    assert_eq!(m.document_type, "I");
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.birth_date, Some(d(1974, 8, 12)));
    assert_eq!(m.expiry_date, Some(d(2012, 4, 15)));
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.optional_data_2, "");
    assert_eq!(m.checks.len(), 4);
    assert!(m.checks_pass());
    assert!(m.issues.is_empty());
}

#[test]
fn td2_specimen() {
    let m = parse_lines(&[TD2_1, TD2_2], specimen_day()).unwrap();
    assert_eq!(m.format, MrzFormat::Td2);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.sex, Some(Gender::Female));
    assert!(m.checks_pass());
    assert!(m.issues.is_empty());
}

/// ICAO 9303 part 7's visa specimens (MRV-A, MRV-B): no composite, optional data to the
/// end of line 2.
#[test]
fn visa_specimens() {
    let day = d(1995, 1, 1);
    let a = parse_lines(&[MRV_A_1, MRV_A_2], day).unwrap();
    assert_eq!(a.format, MrzFormat::Td3);
    assert_eq!(a.document_type, "VN");
    assert_eq!(a.document_number, "L8988901C");
    assert_eq!(a.nationality, "XXX");
    assert_eq!(a.birth_date, Some(d(1940, 9, 7)));
    assert_eq!(a.expiry_date, Some(d(1996, 12, 10)));
    assert_eq!(a.optional_data, "6ZE184226B");
    assert_eq!(a.checks.len(), 3);
    assert!(a.checks_pass(), "{:?}", a.checks);
    assert!(a.issues.is_empty(), "{:?}", a.issues);

    let b = parse_lines(&[MRV_B_1, MRV_B_2], day).unwrap();
    assert_eq!(b.format, MrzFormat::Td2);
    assert_eq!(b.checks.len(), 3);
    assert!(b.checks_pass(), "{:?}", b.checks);
    // A misread date digit is still caught by its own check digit.
    let bad = parse_lines(&[MRV_B_1, &corrupt(MRV_B_2, 19, '9')], day).unwrap();
    assert!(!bad.checks_pass());
}

#[test]
fn composes_the_specimens() {
    let f = specimen_fields();
    assert_eq!(compose_td3(&f).unwrap(), [TD3_1, TD3_2]);
    let id = MrzFields {
        document_type: "I".into(),
        document_number: "D23145890".into(),
        optional_data: String::new(),
        ..f
    };
    assert_eq!(compose_td1(&id).unwrap(), [TD1_1, TD1_2, TD1_3]);
    assert_eq!(compose_td2(&id).unwrap(), [TD2_1, TD2_2]);
}

#[test]
fn td1_long_document_number() {
    // ICAO 9303 part 5: a 12-character number puts `<` in the check position and the
    // rest, with the check digit, at the start of the optional data.
    let f = MrzFields {
        document_type: "I".into(),
        document_number: "D23145890734".into(),
        optional_data: String::new(),
        ..specimen_fields()
    };
    let lines = compose_td1(&f).unwrap();
    let expected_check = check_digit("D23145890734").unwrap();
    assert_eq!(
        lines[0],
        format!("I<UTOD23145890<734{expected_check}<<<<<<<<<<<")
    );
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = parse_lines(&refs, specimen_day()).unwrap();
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "");
    assert!(m.checks_pass(), "{:?}", m.checks);

    // Optional data after the extension survives.
    let f = MrzFields {
        optional_data: "XYZ".into(),
        ..f
    };
    let lines = compose_td1(&f).unwrap();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = parse_lines(&refs, specimen_day()).unwrap();
    assert_eq!(m.optional_data, "XYZ");
    assert_eq!(m.document_number, "D23145890734");

    // A long number in a TD3 does not fit.
    let f = MrzFields {
        document_type: "P".into(),
        ..f
    };
    assert!(matches!(compose_td3(&f), Err(ComposeError::TooLong { .. })));
}

#[test]
fn td2_long_document_number_round_trips() {
    let f = MrzFields {
        document_type: "I".into(),
        document_number: "AB12345678".into(),
        optional_data: String::new(),
        ..specimen_fields()
    };
    let lines = compose_td2(&f).unwrap();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = parse_lines(&refs, specimen_day()).unwrap();
    assert_eq!(m.document_number, "AB12345678");
    assert!(m.checks_pass());
}

#[test]
fn repairs_letters_in_dates_when_the_check_digit_agrees() {
    // 7408I2 -> 740812 and 12O415 -> 120415; both backed by their check digits.
    let l2 = corrupt(&corrupt(TD3_2, 17, 'I'), 23, 'O');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.birth_date, Some(d(1974, 8, 12)));
    assert_eq!(m.expiry_date, Some(d(2012, 4, 15)));
    assert_eq!(
        outcome(&m, CheckedField::BirthDate),
        CheckOutcome::Corrected
    );
    assert_eq!(
        outcome(&m, CheckedField::ExpiryDate),
        CheckOutcome::Corrected
    );
    assert_eq!(m.lines[1], TD3_2);
    assert_eq!(m.raw_lines[1], l2);
    assert_eq!(m.corrections.len(), 2);
    assert!(m.corrections.contains(&Correction {
        line: 1,
        column: 17,
        from: 'I',
        to: '1'
    }));
    assert!(m.issues.is_empty());
}

#[test]
fn repairs_a_letter_check_digit() {
    // Check digit 6 of the document number read as G.
    let l2 = corrupt(TD3_2, 9, 'G');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(
        outcome(&m, CheckedField::DocumentNumber),
        CheckOutcome::Corrected
    );
    assert_eq!(m.lines[1], TD3_2);
}

#[test]
fn repairs_document_number_when_unique() {
    // L898902C3 read as L8989O2C3: only O -> 0 satisfies the check digit.
    for wrong in ['O', 'D', 'Q'] {
        let l2 = corrupt(TD3_2, 5, wrong);
        let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
        assert_eq!(m.document_number, "L898902C3", "{wrong}");
        assert_eq!(
            outcome(&m, CheckedField::DocumentNumber),
            CheckOutcome::Corrected
        );
        assert!(m.checks_pass());
    }
}

#[test]
fn refuses_ambiguous_document_number_repairs() {
    // I898902C3: both I -> L (the truth) and I -> 1 satisfy the check digit (L and 1
    // weigh the same modulo 10), so nothing may be chosen.
    let l2 = corrupt(TD3_2, 0, 'I');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.document_number, "I898902C3");
    assert_eq!(
        outcome(&m, CheckedField::DocumentNumber),
        CheckOutcome::Ambiguous
    );
    assert!(m.corrections.is_empty());
    let issue = m.issues.iter().find(|i| i.field == "passport_no").unwrap();
    assert_eq!(issue.code, Code::InvalidMrz);
    assert_eq!(issue.value, "I898902C3");
    // 8 -> B in the second position: several repairs fit as well.
    let l2 = corrupt(TD3_2, 1, 'B');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.document_number, "LB98902C3");
    assert_eq!(
        outcome(&m, CheckedField::DocumentNumber),
        CheckOutcome::Ambiguous
    );
}

#[test]
fn refuses_repairs_no_look_alike_explains() {
    // 7 read as 4 in the birth date: digits have no look-alike digits, nothing to try.
    let l2 = corrupt(TD3_2, 13, '4');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(outcome(&m, CheckedField::BirthDate), CheckOutcome::Failed);
    assert_eq!(m.birth_date_raw, "440812");
    let codes: Vec<(String, u32)> = m
        .issues
        .iter()
        .map(|i| (i.field.clone(), i.code.number()))
        .collect();
    assert!(codes.contains(&("Date_of_Birth".to_string(), 3013)));
    // The composite fails too.
    assert!(codes.contains(&("mrz".to_string(), 3013)));
    assert!(!m.checks_pass());
}

#[test]
fn letters_in_date_without_check_support_are_left() {
    // O in the date, but the check digit is wrong too: the O stays.
    let l2 = corrupt(&corrupt(TD3_2, 15, 'O'), 19, '3');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.birth_date_raw, "74O812");
    assert_eq!(m.birth_date, None);
    assert_eq!(outcome(&m, CheckedField::BirthDate), CheckOutcome::Failed);
}

/// Every single look-alike slip in `cols` of line 2: a repair, when one is made, must be
/// the truth; returns how many slips were repaired and how many refused.
fn single_slips(cols: std::ops::Range<usize>, field: CheckedField) -> (usize, usize) {
    let (mut repaired, mut refused) = (0, 0);
    for col in cols {
        let truth = TD3_2.as_bytes()[col];
        for wrong in alternatives(truth, Slot::Alnum) {
            let l2 = corrupt(TD3_2, col, char::from(wrong));
            let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
            match outcome(&m, field) {
                CheckOutcome::Corrected => {
                    assert_eq!(m.lines[1], TD3_2, "{l2}");
                    repaired += 1;
                }
                CheckOutcome::Ambiguous => {
                    assert_eq!(m.lines[1], l2, "{l2}");
                    refused += 1;
                }
                // Look-alikes of equal weight modulo 10 (`L`/`1`, `<`/`K`) are invisible.
                CheckOutcome::AsRead => {}
                CheckOutcome::Failed => panic!("a single slip is always repairable: {l2}"),
            }
        }
    }
    (repaired, refused)
}

#[test]
fn single_slips_in_document_number_are_repaired_or_refused_never_wrong() {
    let (repaired, refused) = single_slips(0..9, CheckedField::DocumentNumber);
    assert!(repaired >= 3, "{repaired}");
    assert!(refused >= 3, "{refused}");
}

#[test]
fn single_slips_in_optional_data_are_repaired_or_refused_never_wrong() {
    let (repaired, refused) = single_slips(28..42, CheckedField::OptionalData);
    // `ZE184226B` is full of look-alikes: every slip has a rival repair, so every slip
    // is refused (the policy working, not failing).
    assert_eq!(repaired, 0);
    assert!(refused >= 5, "{refused}");
}

#[test]
fn optional_data_refuses_an_ambiguous_slip() {
    // ZE184226B with the final B read as 8: several one-character repairs fit.
    let l2 = corrupt(TD3_2, 36, '8');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.optional_data, "ZE1842268");
    assert_eq!(
        outcome(&m, CheckedField::OptionalData),
        CheckOutcome::Ambiguous
    );
}

#[test]
fn composite_repairs_td1_optional_data() {
    // TD1 line 2 optional data has no digit of its own; the composite backs it.
    let f = MrzFields {
        document_type: "I".into(),
        document_number: "D23145890".into(),
        optional_data: String::new(),
        optional_data_2: "A1B".into(),
        ..specimen_fields()
    };
    let lines = compose_td1(&f).unwrap();
    let good = parse_lines(&[&lines[0], &lines[1], &lines[2]], specimen_day()).unwrap();
    assert!(good.checks_pass());
    assert_eq!(good.optional_data_2, "A1B");
    let l2 = corrupt(&lines[1], 20, '8');
    let m = parse_lines(&[&lines[0], &l2, &lines[2]], specimen_day()).unwrap();
    assert_eq!(
        outcome(&m, CheckedField::Composite),
        CheckOutcome::Corrected
    );
    assert_eq!(m.optional_data_2, "A1B");
    assert_eq!(m.lines[1], lines[1]);
    // The same slip with the composite digit unreadable: nothing backs a repair.
    let l2 = corrupt(&l2, 29, '?');
    let m = parse_lines(&[&lines[0], &l2, &lines[2]], specimen_day()).unwrap();
    assert_eq!(outcome(&m, CheckedField::Composite), CheckOutcome::Failed);
    assert_eq!(m.optional_data_2, "A18");
    assert!(m.issues.iter().any(|i| i.field == "mrz"));
}

#[test]
fn name_and_country_repairs() {
    let l1 = "P<UT0ERIKSS0N<<ANNA<MAR1A<<<<<<<KK<<<X<<<<<";
    let m = parse_lines(&[l1, TD3_2], specimen_day()).unwrap();
    assert_eq!(m.issuing_country, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.lines[0], TD3_1);
}

#[test]
fn name_filler_keeps_real_letters() {
    // ALEX ends in X: part of a token, not filler.
    assert!(name_filler_positions(b"SMITH<<ALEX<<<<<<").is_empty());
    // A one-letter given name K right after the separator is a name.
    assert!(name_filler_positions(b"SMITH<<K<<<<<<").is_empty());
    // A middle initial K after a single `<` in the given names is a name.
    assert!(name_filler_positions(b"SMITH<<JOHN<K<<<<").is_empty());
    // `<<` inside the given names ends them: what follows is filler.
    assert_eq!(name_filler_positions(b"SMITH<<JOHN<<K<<"), vec![13]);
    // Only a surname: `<<<` is needed.
    assert_eq!(name_filler_positions(b"SMITH<<<KX<<"), vec![8, 9]);
    assert!(name_filler_positions(b"SMITH<<KX<<").is_empty());
    // Long K/X runs are never a name part.
    assert_eq!(
        name_filler_positions(b"SMITH<<JOHN<KKKK"),
        vec![12, 13, 14, 15]
    );
    // No real token at all: nothing to anchor on.
    assert!(name_filler_positions(b"KK<<KK").is_empty());
    // A blurred `<` read as `C` or `E` inside the trailing filler.
    assert_eq!(
        name_filler_positions(b"SMITH<<JOHN<<<C<<<<E<"),
        vec![14, 19]
    );
    // ...but a one-letter given name `E` or middle initial `C` is a name.
    assert!(name_filler_positions(b"SMITH<<E<<<<<<").is_empty());
    assert!(name_filler_positions(b"SMITH<<JOHN<C<<<<").is_empty());
}

#[test]
fn country_codes_snap_to_the_one_valid_code_in_reach() {
    // Nationality `EGY` read `EGV`, issuing state `NLD` read `HLD`: neither is a code,
    // and one look-alike reaches exactly one code.
    let l1 = "P<HLDERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "L898902C36EGV7408122F1204159ZE184226B<<<<<10";
    let m = parse_lines(&[l1, l2], specimen_day()).unwrap();
    assert_eq!(m.issuing_country, "NLD");
    assert_eq!(m.nationality, "EGY");
    assert!(m.corrections.iter().any(|c| c.line == 1 && c.column == 12));
    // `CGY` is as near to Egypt as to Guernsey (`GGY`): left as read.
    let l2 = "L898902C36CGY7408122F1204159ZE184226B<<<<<10";
    let m = parse_lines(&[TD3_1, l2], specimen_day()).unwrap();
    assert_eq!(m.nationality, "CGY");
    // The specimen's `UTO` and Germany's `D<<` are codes.
    assert_eq!(
        parse_lines(&[TD3_1, TD3_2], specimen_day())
            .unwrap()
            .nationality,
        "UTO"
    );
    let l1 = TD3_1.replacen("UTO", "D<<", 1);
    assert_eq!(
        parse_lines(&[&l1, TD3_2], specimen_day())
            .unwrap()
            .issuing_country,
        "D"
    );
}

#[test]
fn cleans_ocr_text() {
    let text = format!(
        "  {}\n\n{} \n",
        "p<utoeriksson«anna<maria <<<<<<<<<<<<<<<<",
        TD3_2.to_lowercase()
    );
    let m = parse(&text, specimen_day()).unwrap();
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert!(m.checks_pass());
    // The name line lost its trailing filler: padded.
    assert_eq!(m.lines[0], TD3_1);
    // Extra trailing filler on line 2 is trimmed.
    let m = parse_lines(&[TD3_1, &format!("{TD3_2}<<")], specimen_day()).unwrap();
    assert!(m.checks_pass());
}

#[test]
fn rejects_what_is_not_an_mrz() {
    assert_eq!(parse("", specimen_day()), Err(MrzError::Empty));
    assert!(matches!(
        parse_lines(&[TD3_1], specimen_day()),
        Err(MrzError::UnknownFormat { count: 1, .. })
    ));
    assert!(matches!(
        parse_lines(&["hello", "world"], specimen_day()),
        Err(MrzError::UnknownFormat { .. })
    ));
    // Line 2 lost a digit: not safely fixable.
    let short = &TD3_2[..43];
    assert_eq!(
        parse_lines(&[TD3_1, short], specimen_day()),
        Err(MrzError::LineLength {
            line: 1,
            expected: 44,
            found: 43
        })
    );
}

#[test]
fn unknown_characters_fail_their_field() {
    let l2 = corrupt(TD3_2, 3, '?');
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(
        outcome(&m, CheckedField::DocumentNumber),
        CheckOutcome::Failed
    );
    let l2 = TD3_2.replacen('L', "Ł", 1);
    let m = parse_lines(&[TD3_1, &l2], specimen_day()).unwrap();
    assert_eq!(m.raw_lines[1].as_bytes()[0], b'?');
}

#[test]
fn expired_and_impossible_dates_are_reported() {
    let m = parse_lines(&[TD3_1, TD3_2], d(2025, 6, 1)).unwrap();
    let expired = m
        .issues
        .iter()
        .find(|i| i.code == Code::DocumentExpired)
        .unwrap();
    assert_eq!(expired.field, "Date_of_Expiry");
    assert_eq!(expired.value, "2012-04-15");

    let mut f = specimen_fields();
    f.birth_date = d(1974, 8, 12);
    let [l1, l2] = compose_td3(&f).unwrap();
    // Month 13 with a consistent check digit: valid MRZ, impossible date.
    let bad_date = "741312";
    let l2 = format!(
        "{}{bad_date}{}{}",
        &l2[..13],
        check_digit(bad_date).unwrap(),
        &l2[20..]
    );
    let l2 = format!(
        "{}{}",
        &l2[..43],
        check_digit(&format!("{}{}{}", &l2[..10], &l2[13..20], &l2[21..43])).unwrap()
    );
    let m = parse_lines(&[&l1, &l2], specimen_day()).unwrap();
    assert!(m.checks_pass(), "{:?}", m.checks);
    assert_eq!(m.birth_date, None);
    assert!(m
        .issues
        .iter()
        .any(|i| i.code == Code::WrongBirthDateFormat));
}

#[test]
fn century_resolution() {
    let today = d(2025, 6, 1);
    assert_eq!(
        birth_date_from_yymmdd("991231", today),
        Some(d(1999, 12, 31))
    );
    assert_eq!(birth_date_from_yymmdd("200101", today), Some(d(2020, 1, 1)));
    assert_eq!(birth_date_from_yymmdd("250601", today), Some(d(2025, 6, 1)));
    // Later this year: not born yet, so the previous century.
    assert_eq!(
        birth_date_from_yymmdd("251231", today),
        Some(d(1925, 12, 31))
    );
    assert_eq!(birth_date_from_yymmdd("26013X", today), None);
    assert_eq!(
        expiry_date_from_yymmdd("350101", today, 20),
        Some(d(2035, 1, 1))
    );
    assert_eq!(
        expiry_date_from_yymmdd("450601", today, 20),
        Some(d(2045, 6, 1))
    );
    assert_eq!(
        expiry_date_from_yymmdd("460101", today, 20),
        Some(d(1946, 1, 1))
    );
    assert_eq!(
        expiry_date_from_yymmdd("150101", today, 20),
        Some(d(2015, 1, 1))
    );
    // Near the turn of a century the window crosses it.
    let late = d(2095, 1, 1);
    assert_eq!(
        expiry_date_from_yymmdd("050101", late, 20),
        Some(d(2105, 1, 1))
    );
}

#[test]
fn compose_rejects_bad_fields() {
    let mut f = specimen_fields();
    f.surname = "عبد".into();
    assert!(matches!(
        compose_td3(&f),
        Err(ComposeError::InvalidCharacter { .. })
    ));
    let mut f = specimen_fields();
    f.optional_data = "A".repeat(15);
    assert!(matches!(compose_td3(&f), Err(ComposeError::TooLong { .. })));
    // Long names are truncated to the field, hyphens and spaces become `<`.
    let mut f = specimen_fields();
    f.surname = "El-Sayed Abdel Rahman Mohamed Mahmoud".into();
    f.given_names = "Mohamed Ahmed".into();
    let [l1, _] = compose_td3(&f).unwrap();
    assert_eq!(l1.len(), 44);
    assert!(l1.starts_with("P<UTOEL<SAYED<ABDEL<RAHMAN<MOHAMED<MAHMOUD"));
}

#[test]
fn composed_lines_always_parse_back() {
    let makes = [("P", "EGY"), ("PD", "EGY"), ("I", "EGY")];
    for (i, (t, c)) in makes.iter().enumerate() {
        let f = MrzFields {
            document_type: (*t).into(),
            issuing_country: (*c).into(),
            surname: "Abdel Rahman".into(),
            given_names: "Mohamed Ahmed".into(),
            document_number: format!("A{:08}", 1234567 * (i + 1)),
            nationality: "EGY".into(),
            birth_date: d(1990 + i as i32, 3, 9),
            sex: if i % 2 == 0 { Some(Gender::Male) } else { None },
            expiry_date: d(2030, 12, 31),
            optional_data: format!("{:014}", 29_003_090_101_234u64 + i as u64),
            optional_data_2: String::new(),
        };
        let today = d(2025, 1, 1);
        let td3 = compose_td3(&f).unwrap();
        let m = parse_lines(&[&td3[0], &td3[1]], today).unwrap();
        assert!(m.checks_pass() && m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(m.surname, "ABDEL RAHMAN");
        assert_eq!(m.document_number, f.document_number);
        assert_eq!(m.birth_date, Some(f.birth_date));
        assert_eq!(m.expiry_date, Some(f.expiry_date));
        assert_eq!(m.sex, f.sex);
        let f1 = MrzFields {
            optional_data: String::new(),
            ..f.clone()
        };
        let td1 = compose_td1(&f1).unwrap();
        let m = parse_lines(&[&td1[0], &td1[1], &td1[2]], today).unwrap();
        assert!(m.checks_pass() && m.issues.is_empty(), "{:?}", m.issues);
        assert_eq!(m.given_names, "MOHAMED AHMED");
    }
}

#[test]
fn fillers_read_as_letters_are_restored_between_known_names() {
    let known = dictionary_name_words();
    let restored = name_fillers_restored(b"ELSAYEDCKAHMEDCMOHAMEDEEEE", known);
    assert_eq!(
        restored.as_deref(),
        Some(&b"ELSAYED<<AHMED<MOHAMED<<<<"[..])
    );
    // A word the dictionary lacks keeps the whole reading.
    assert_eq!(name_fillers_restored(b"QWERTYCKAHMED<<<<", known), None);
    // Nothing read as a filler: nothing to restore.
    assert_eq!(name_fillers_restored(b"ELSAYED<<AHMED<<<<", known), None);
    // A letter inside a known name is not taken for a filler.
    assert_eq!(name_fillers_restored(b"ELSAYED<<MOSTAFA<<<<", known), None);
}
