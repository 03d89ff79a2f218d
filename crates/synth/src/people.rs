//! Generated people: names, dates, ID numbers and the rest of an ID card's content,
//! consistent with each other (documents.md) unless a case is deliberately invalid.

use chrono::{Datelike, Months, NaiveDate};
use hawiya_documents::Code;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use crate::data::{self, Governorate, Name, NameUse};

/// Years an ID card is valid for (documents.md: expiry = release + 7 years).
pub const ID_VALID_YEARS: u32 = 7;
/// Minimum age at which a card is issued.
pub const MIN_AGE_AT_RELEASE: u32 = 16;

/// The card holder's gender: the domain type, so synth and the readers agree on it.
pub use hawiya_documents::Gender;

fn other(g: Gender) -> Gender {
    match g {
        Gender::Male => Gender::Female,
        Gender::Female => Gender::Male,
    }
}

/// A deliberately invalid case and the validation code a reader should report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidCase {
    /// The 14th digit does not match the weighted sum.
    BadCheckDigit,
    /// `YYMMDD` is not a real date (check digit recomputed, so only the date is wrong).
    ImpossibleDate,
    /// `GG` is not a governorate code (check digit recomputed).
    UnknownGovernorate,
    /// The 13th digit's parity disagrees with the printed gender word (back only).
    GenderMismatch,
    /// The expiry date is before the reference date (back only).
    Expired,
}

impl InvalidCase {
    /// The API field and code expected for this case.
    pub fn expected(self) -> (&'static str, Code) {
        match self {
            InvalidCase::BadCheckDigit => ("idNumber", Code::InvalidIdNumber),
            InvalidCase::ImpossibleDate => ("idNumber", Code::InvalidBirthDate),
            InvalidCase::UnknownGovernorate => ("idNumber", Code::InvalidGovernorate),
            InvalidCase::GenderMismatch => ("gender", Code::InvalidGender),
            InvalidCase::Expired => ("idExpiry", Code::DocumentExpired),
        }
    }
}

/// A person with everything an ID card, licence or passport prints about them.
#[derive(Debug, Clone)]
pub struct Person {
    pub gender: Gender,
    pub christian: bool,
    pub first: Name,
    pub father: Name,
    pub grandfather: Name,
    pub family: Name,
    pub birth: NaiveDate,
    /// `None` when born abroad (code 88).
    pub birth_gov: Option<&'static Governorate>,
    /// The 14 ASCII digits as printed (possibly deliberately invalid).
    pub id_number: String,
    pub invalid: Option<InvalidCase>,
    pub home_gov: &'static Governorate,
    pub district: &'static str,
    /// Street line, ASCII digits (printed in Arabic-Indic).
    pub address_1: String,
    pub address_2: String,
    pub job: String,
    pub job_en: &'static str,
    pub job_title: String,
    pub religion: &'static str,
    pub marital: &'static str,
    pub husband: Option<String>,
    pub release: NaiveDate,
    pub expiry: NaiveDate,
    /// Factory serial: 2 Latin letters + 7 digits.
    pub id_key: String,
}

impl Person {
    /// Father, grandfather and family names (`last_names`).
    pub fn last_names(&self) -> String {
        format!(
            "{} {} {}",
            self.father.ar, self.grandfather.ar, self.family.ar
        )
    }
    pub fn last_names_en(&self) -> String {
        format!(
            "{} {} {}",
            self.father.en, self.grandfather.en, self.family.en
        )
    }
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first.ar, self.last_names())
    }
    pub fn full_name_en(&self) -> String {
        format!("{} {}", self.first.en, self.last_names_en())
    }
    pub fn address(&self) -> String {
        format!("{} {}", self.address_1, self.address_2)
    }
    /// The gender the number encodes (13th digit odd = male).
    pub fn number_gender(&self) -> Gender {
        let d = self.id_number.as_bytes()[12] - b'0';
        if d % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
    /// `govern` as derived from the number: the governorate of birth, `None` if unknown.
    pub fn govern(&self) -> Option<&'static str> {
        match self.invalid {
            Some(InvalidCase::UnknownGovernorate) => None,
            _ => Some(self.birth_gov.map_or(data::BORN_ABROAD, |g| g.ar)),
        }
    }
    /// `dateOfBirth` as derived from the number, `None` when the number's date is impossible.
    pub fn date_of_birth(&self) -> Option<NaiveDate> {
        match self.invalid {
            Some(InvalidCase::ImpossibleDate) => None,
            _ => Some(self.birth),
        }
    }
}

/// What the generator may make invalid for one document.
#[derive(Debug, Clone, Copy)]
pub struct PersonSpec {
    /// Reference "today": no birth date after it, cards not expired on it unless flagged.
    pub today: NaiveDate,
    /// Deliberately invalid case to produce, if any.
    pub invalid: Option<InvalidCase>,
}

fn pick_name<R: Rng>(rng: &mut R, list: &'static [Name], christian: bool) -> Name {
    // Neutral names are open to both; the rest must match the family's religion.
    let want = if christian {
        NameUse::Christian
    } else {
        NameUse::Muslim
    };
    loop {
        let n = *list.choose(rng).expect("non-empty list");
        if n.usage == want || n.usage == NameUse::Neutral {
            return n;
        }
    }
}

fn random_date<R: Rng>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Duration::days(rng.gen_range(0..=span))
}

fn add_years(d: NaiveDate, y: u32) -> NaiveDate {
    d.checked_add_months(Months::new(12 * y)).unwrap_or(d)
}

fn sub_years(d: NaiveDate, y: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(12 * y)).unwrap_or(d)
}

/// Builds the 14 digits for a birth date, governorate code and gender, applying the
/// invalid case. The check digit always comes from `hawiya_documents`.
pub fn make_id_number<R: Rng>(
    rng: &mut R,
    birth: NaiveDate,
    gov_code: u8,
    gender: Gender,
    invalid: Option<InvalidCase>,
) -> String {
    let century = if birth.year() >= 2000 { 3 } else { 2 };
    let (mut mm, mut dd) = (birth.month(), birth.day());
    let mut gg = u32::from(gov_code);
    let mut gender_digit_gender = gender;
    match invalid {
        Some(InvalidCase::ImpossibleDate) => {
            // Month 13-19, day 32-39, or 30/31 February: all fail any date check.
            match rng.gen_range(0..3) {
                0 => mm = rng.gen_range(13..=19),
                1 => dd = rng.gen_range(32..=39),
                _ => {
                    mm = 2;
                    dd = rng.gen_range(30..=31);
                }
            }
        }
        Some(InvalidCase::UnknownGovernorate) => {
            gg = u32::from(*data::UNKNOWN_GOVERNORATE_CODES.choose(rng).expect("codes"));
        }
        Some(InvalidCase::GenderMismatch) => gender_digit_gender = other(gender),
        _ => {}
    }
    let seq3: u32 = rng.gen_range(0..1000);
    let odd = rng.gen_range(0..5) * 2 + 1;
    let g = match gender_digit_gender {
        Gender::Male => odd,
        Gender::Female => odd - 1,
    };
    let first13 = format!(
        "{century}{:02}{mm:02}{dd:02}{gg:02}{seq3:03}{g}",
        birth.year() % 100
    );
    let mut k = hawiya_documents::id_number::check_digit(&first13).expect("13 digits");
    if invalid == Some(InvalidCase::BadCheckDigit) {
        k = (k + rng.gen_range(1..=9)) % 10;
    }
    format!("{first13}{k}")
}

/// A random factory serial `idKey`: 2 Latin letters + 7 digits.
pub fn id_key<R: Rng>(rng: &mut R) -> String {
    let l = |rng: &mut R| char::from(b'A' + rng.gen_range(0..26u8));
    format!("{}{}{:07}", l(rng), l(rng), rng.gen_range(0..10_000_000u32))
}

/// Generates one person.
pub fn person<R: Rng>(rng: &mut R, spec: &PersonSpec) -> Person {
    let today = spec.today;
    let gender = if rng.gen_bool(0.5) {
        Gender::Male
    } else {
        Gender::Female
    };
    // Roughly the share of Christians in Egypt's population.
    let christian = rng.gen_bool(0.1);
    let first = match gender {
        Gender::Male => pick_name(rng, data::male_names(), christian),
        Gender::Female => pick_name(rng, data::female_names(), christian),
    };
    let father = pick_name(rng, data::male_names(), christian);
    let grandfather = pick_name(rng, data::male_names(), christian);
    let family = if rng.gen_bool(0.35) {
        pick_name(rng, data::family_names(), christian)
    } else {
        pick_name(rng, data::male_names(), christian)
    };

    // Age 17..80 so a card released after the 16th birthday fits before today.
    // An expired card needs a holder old enough to have had it for 7 years after 16.
    let youngest = if spec.invalid == Some(InvalidCase::Expired) {
        MIN_AGE_AT_RELEASE + ID_VALID_YEARS + 2
    } else {
        MIN_AGE_AT_RELEASE + 1
    };
    let birth = random_date(rng, sub_years(today, 80), sub_years(today, youngest));
    let age = today.years_since(birth).unwrap_or(0);

    let home_gov = &data::GOVERNORATES[rng.gen_range(0..data::GOVERNORATES.len())];
    // Most people live where they were born; some were born elsewhere or abroad.
    let birth_gov = if rng.gen_bool(0.03) {
        None
    } else if rng.gen_bool(0.75) {
        Some(home_gov)
    } else {
        data::GOVERNORATES.choose(rng)
    };
    let id_number = make_id_number(
        rng,
        birth,
        birth_gov.map_or(88, |g| g.code),
        gender,
        spec.invalid,
    );

    let district = *home_gov.districts().choose(rng).expect("districts");
    let street = *data::STREETS.choose(rng).expect("streets");
    let number = rng.gen_range(1..=250);
    let street_word = if rng.gen_bool(0.5) { "شارع" } else { "ش" };
    let mut address_1 = format!("{number} {street_word} {street}");
    if rng.gen_bool(0.4) {
        address_1 = format!("{address_1} - {}", data::AREAS.choose(rng).expect("areas"));
    }
    let address_2 = format!("{district} - {}", home_gov.ar);

    let (job, job_en, job_title) = pick_job(rng, gender, age);

    let religion = match (christian, gender) {
        (false, Gender::Male) => "مسلم",
        (false, Gender::Female) => "مسلمة",
        (true, Gender::Male) => "مسيحي",
        (true, Gender::Female) => "مسيحية",
    };
    let married_ok = age >= 18;
    let status = if !married_ok || (age < 24 && rng.gen_bool(0.7)) {
        0
    } else {
        *[1, 1, 1, 1, 1, 2, 3, 0].choose(rng).expect("statuses")
    };
    let marital = match gender {
        Gender::Male => ["أعزب", "متزوج", "مطلق", "أرمل"][status],
        Gender::Female => ["آنسة", "متزوجة", "مطلقة", "أرملة"][status],
    };
    let husband = (gender == Gender::Female && status == 1).then(|| {
        let h = pick_name(rng, data::male_names(), christian);
        let hf = pick_name(rng, data::male_names(), christian);
        let hfam = pick_name(rng, data::male_names(), christian);
        format!("{} {} {}", h.ar, hf.ar, hfam.ar)
    });

    let first_possible = add_years(birth, MIN_AGE_AT_RELEASE);
    let release = if spec.invalid == Some(InvalidCase::Expired) {
        // Released 7-9 years ago: expired by up to two years.
        let lo = sub_years(today, ID_VALID_YEARS + 2).max(first_possible);
        let hi = sub_years(today, ID_VALID_YEARS) - chrono::Duration::days(1);
        random_date(rng, lo.min(hi), hi)
    } else {
        // Released in the last 6 years (so still valid for at least a year), never
        // before the 16th birthday, never later than a month ago.
        let lo = sub_years(today, ID_VALID_YEARS - 1).max(first_possible);
        let hi = today - chrono::Duration::days(30);
        random_date(rng, lo.min(hi), hi)
    };
    let expiry = add_years(release, ID_VALID_YEARS);

    Person {
        gender,
        christian,
        first,
        father,
        grandfather,
        family,
        birth,
        birth_gov,
        id_number,
        invalid: spec.invalid,
        home_gov,
        district,
        address_1,
        address_2,
        job,
        job_en,
        job_title,
        religion,
        marital,
        husband,
        release,
        expiry,
        id_key: id_key(rng),
    }
}

fn pick_job<R: Rng>(rng: &mut R, gender: Gender, age: u32) -> (String, &'static str, String) {
    if gender == Gender::Female && age >= 20 && rng.gen_bool(0.3) {
        return (
            data::HOUSEWIFE.0.to_string(),
            data::HOUSEWIFE.1,
            String::new(),
        );
    }
    let fits: Vec<&data::Job> = data::JOBS
        .iter()
        .filter(|j| age >= j.min_age && age <= j.max_age)
        .collect();
    let j = fits.choose(rng).copied().unwrap_or(&data::JOBS[0]);
    let title = j
        .employers
        .choose(rng)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let job = match gender {
        Gender::Male => j.male,
        Gender::Female => j.female,
    };
    (job.to_string(), j.en, title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
    }

    fn valid_date(n: &str) -> bool {
        let c = &n[0..1];
        let year = match c {
            "2" => 1900,
            "3" => 2000,
            _ => return false,
        } + n[1..3].parse::<i32>().unwrap();
        let m = n[3..5].parse().unwrap();
        let d = n[5..7].parse().unwrap();
        NaiveDate::from_ymd_opt(year, m, d).is_some()
    }

    #[test]
    fn valid_people_are_consistent() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..300 {
            let p = person(
                &mut rng,
                &PersonSpec {
                    today: today(),
                    invalid: None,
                },
            );
            let n = &p.id_number;
            assert_eq!(n.len(), 14);
            let k = hawiya_documents::id_number::check_digit(&n[..13]).unwrap();
            assert_eq!(n.as_bytes()[13] - b'0', k, "{n}");
            assert!(valid_date(n), "{n}");
            assert_eq!(p.number_gender(), p.gender);
            let expect = format!(
                "{}{}",
                if p.birth.year() >= 2000 { 3 } else { 2 },
                p.birth.format("%y%m%d")
            );
            assert_eq!(&n[..7], expect);
            assert!(
                p.release >= add_years(p.birth, MIN_AGE_AT_RELEASE),
                "released before 16"
            );
            assert!(p.release < today());
            assert_eq!(p.expiry, add_years(p.release, ID_VALID_YEARS));
            assert!(p.expiry > today());
            assert_eq!(p.husband.is_some(), p.marital == "متزوجة");
            assert!(p.id_key.len() == 9 && p.id_key[..2].bytes().all(|b| b.is_ascii_uppercase()));
        }
    }

    #[test]
    fn invalid_cases_break_exactly_their_rule() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let cases = [
            InvalidCase::BadCheckDigit,
            InvalidCase::ImpossibleDate,
            InvalidCase::UnknownGovernorate,
            InvalidCase::GenderMismatch,
            InvalidCase::Expired,
        ];
        for case in cases {
            for _ in 0..40 {
                let p = person(
                    &mut rng,
                    &PersonSpec {
                        today: today(),
                        invalid: Some(case),
                    },
                );
                let n = &p.id_number;
                let k_ok = hawiya_documents::id_number::check_digit(&n[..13]).unwrap()
                    == n.as_bytes()[13] - b'0';
                let gg: u8 = n[7..9].parse().unwrap();
                let gov_ok = gg == 88 || data::GOVERNORATES.iter().any(|g| g.code == gg);
                assert_eq!(k_ok, case != InvalidCase::BadCheckDigit, "{case:?} {n}");
                assert_eq!(
                    valid_date(n),
                    case != InvalidCase::ImpossibleDate,
                    "{case:?} {n}"
                );
                assert_eq!(
                    gov_ok,
                    case != InvalidCase::UnknownGovernorate,
                    "{case:?} {n}"
                );
                assert_eq!(
                    p.number_gender() == p.gender,
                    case != InvalidCase::GenderMismatch
                );
                assert_eq!(p.expiry > today(), case != InvalidCase::Expired, "{case:?}");
            }
        }
    }
}
