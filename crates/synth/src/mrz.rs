//! Machine readable zones built with `hawiya_documents::mrz::check_digit`.

use chrono::NaiveDate;

/// Check digit as a character.
fn cd(field: &str) -> char {
    let d = hawiya_documents::mrz::check_digit(field).expect("MRZ alphabet");
    char::from(b'0' + d)
}

/// Upper-case Latin letters and `<` only, words joined by `<`, padded or cut to `len`.
pub fn field(text: &str, len: usize) -> String {
    let mut s: String = text
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '<' })
        .collect();
    s.truncate(len);
    while s.len() < len {
        s.push('<');
    }
    s
}

/// The name field: `SURNAME<<GIVEN<NAMES`, cut to `len`.
pub fn name_field(surname: &str, given: &str, len: usize) -> String {
    let join = |s: &str| {
        s.split_whitespace()
            .map(|w| w.replace(|c: char| !c.is_ascii_alphabetic(), ""))
            .collect::<Vec<_>>()
            .join("<")
    };
    field(&format!("{}<<{}", join(surname), join(given)), len)
}

fn yymmdd(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

/// Fields common to the TD3 and TD1 zones.
#[derive(Debug, Clone)]
pub struct MrzData {
    /// `P` for passports, `I` for ID cards.
    pub doc_code: char,
    pub country: String,
    pub surname: String,
    pub given: String,
    pub number: String,
    pub nationality: String,
    pub birth: NaiveDate,
    /// `M` or `F`.
    pub sex: char,
    pub expiry: NaiveDate,
    /// Optional data (the national ID number on our documents).
    pub optional: String,
}

/// A TD3 zone: two lines of 44.
pub fn td3(d: &MrzData) -> [String; 2] {
    let l1 = format!(
        "{}<{}{}",
        d.doc_code,
        field(&d.country, 3),
        name_field(&d.surname, &d.given, 39)
    );
    let num = field(&d.number, 9);
    let opt = field(&d.optional, 14);
    let (b, e) = (yymmdd(d.birth), yymmdd(d.expiry));
    let mut l2 = format!(
        "{num}{}{}{b}{}{}{e}{}{opt}{}",
        cd(&num),
        field(&d.nationality, 3),
        cd(&b),
        d.sex,
        cd(&e),
        cd(&opt)
    );
    // Composite over number+check, birth+check, expiry+check, optional+check.
    let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    l2.push(cd(&composite));
    [l1, l2]
}

/// A TD1 zone: three lines of 30.
pub fn td1(d: &MrzData) -> [String; 3] {
    let num = field(&d.number, 9);
    let opt1 = field(&d.optional, 15);
    let l1 = format!(
        "{}<{}{num}{}{opt1}",
        d.doc_code,
        field(&d.country, 3),
        cd(&num)
    );
    let (b, e) = (yymmdd(d.birth), yymmdd(d.expiry));
    let mut l2 = format!(
        "{b}{}{}{e}{}{}{}",
        cd(&b),
        d.sex,
        cd(&e),
        field(&d.nationality, 3),
        field("", 11)
    );
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    l2.push(cd(&composite));
    let l3 = name_field(&d.surname, &d.given, 30);
    [l1, l2, l3]
}

#[cfg(test)]
mod tests {
    use super::*;
    use hawiya_documents::mrz::check_digit;

    fn sample() -> MrzData {
        MrzData {
            doc_code: 'P',
            country: "EGY".into(),
            surname: "EL SAYED".into(),
            given: "MOHAMED AHMED".into(),
            number: "A12345678".into(),
            nationality: "EGY".into(),
            birth: NaiveDate::from_ymd_opt(1990, 3, 15).unwrap(),
            sex: 'M',
            expiry: NaiveDate::from_ymd_opt(2031, 6, 1).unwrap(),
            optional: "29003150101234".into(),
        }
    }

    fn ok(s: &str, c: char) -> bool {
        check_digit(s).map(|d| char::from(b'0' + d)) == Some(c)
    }

    #[test]
    fn td3_check_digits_hold() {
        let [l1, l2] = td3(&sample());
        assert_eq!((l1.len(), l2.len()), (44, 44));
        assert!(l1.starts_with("P<EGYEL<SAYED<<MOHAMED<AHMED<"));
        let c = |i: usize| l2.as_bytes()[i] as char;
        assert!(ok(&l2[0..9], c(9)));
        assert!(ok(&l2[13..19], c(19)));
        assert!(ok(&l2[21..27], c(27)));
        assert!(ok(&l2[28..42], c(42)));
        let comp = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
        assert!(ok(&comp, c(43)));
    }

    #[test]
    fn td1_check_digits_hold() {
        let mut d = sample();
        d.doc_code = 'I';
        let [l1, l2, l3] = td1(&d);
        assert_eq!((l1.len(), l2.len(), l3.len()), (30, 30, 30));
        let c1 = |i: usize| l1.as_bytes()[i] as char;
        let c2 = |i: usize| l2.as_bytes()[i] as char;
        assert!(ok(&l1[5..14], c1(14)));
        assert!(ok(&l2[0..6], c2(6)));
        assert!(ok(&l2[8..14], c2(14)));
        let comp = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        assert!(ok(&comp, c2(29)));
    }
}
