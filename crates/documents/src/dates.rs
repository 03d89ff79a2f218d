//! Dates as Egyptian documents print them, and the API's date validations
//! (3002, 3006-3010).
//!
//! Cards print `YYYY/MM/DD`, `DD/MM/YYYY` or only `YYYY/MM` (the ID card's release date),
//! in Arabic-Indic or ASCII digits, with `/`, `-`, `.` or spaces between the parts. The
//! four-digit year tells the order apart; two-digit years are not used on these documents
//! and are refused rather than guessed.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::codes::{Code, FieldIssue};
use crate::digits::digit_value;

/// A date as printed: with or without its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrintedDate {
    /// A full date, answered as `YYYY-MM-DD`.
    Day(NaiveDate),
    /// Year and month only, answered as `YYYY-MM`.
    Month { year: i32, month: u32 },
}

impl PrintedDate {
    /// ISO 8601: `YYYY-MM-DD` or `YYYY-MM`.
    pub fn to_iso(&self) -> String {
        match self {
            PrintedDate::Day(d) => d.format("%Y-%m-%d").to_string(),
            PrintedDate::Month { year, month } => format!("{year:04}-{month:02}"),
        }
    }

    /// The earliest day the printed date can mean.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            PrintedDate::Day(d) => d,
            PrintedDate::Month { year, month } => {
                NaiveDate::from_ymd_opt(year, month, 1).expect("validated when parsed")
            }
        }
    }

    /// The latest day the printed date can mean (a month-only expiry runs to the end of
    /// that month).
    pub fn last_day(&self) -> NaiveDate {
        match *self {
            PrintedDate::Day(d) => d,
            PrintedDate::Month { year, month } => {
                let (ny, nm) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                NaiveDate::from_ymd_opt(ny, nm, 1)
                    .and_then(|d| d.pred_opt())
                    .expect("validated when parsed")
            }
        }
    }
}

/// Why a printed date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateFormatError {
    #[error("no digits in the date")]
    NoDigits,
    #[error("digit groups {0:?} match no known date layout")]
    UnknownLayout(Vec<String>),
    #[error("{year:04}-{month:02}-{day:02} is not a calendar date")]
    NotACalendarDate { year: i32, month: u32, day: u32 },
    #[error("month {month} is not 1-12")]
    BadMonth { month: u32 },
    #[error("year {year} is outside {MIN_YEAR}-{MAX_YEAR}")]
    YearOutOfRange { year: i32 },
}

/// Earliest year a document date may carry (births of the oldest living holders).
pub const MIN_YEAR: i32 = 1900;
/// Latest year a document date may carry (expiry dates run a few decades ahead at most).
pub const MAX_YEAR: i32 = 2100;

/// Parses a printed date (see the module documentation for the accepted layouts).
pub fn parse_printed_date(s: &str) -> Result<PrintedDate, DateFormatError> {
    let groups = digit_groups(s);
    if groups.is_empty() {
        return Err(DateFormatError::NoDigits);
    }
    let lens: Vec<usize> = groups.iter().map(String::len).collect();
    let num = |i: usize| -> u32 { groups[i].parse().unwrap_or(u32::MAX) };
    let short = |l: usize| (1..=2).contains(&l);
    match lens.as_slice() {
        [4, m, d] if short(*m) && short(*d) => day(num(0) as i32, num(1), num(2)),
        [d, m, 4] if short(*d) && short(*m) => day(num(2) as i32, num(1), num(0)),
        [4, m] if short(*m) => month(num(0) as i32, num(1)),
        [m, 4] if short(*m) => month(num(1) as i32, num(0)),
        [8] => {
            // Run together: YYYYMMDD when it starts with a plausible year, else DDMMYYYY.
            let g = &groups[0];
            let head: i32 = g[..4].parse().unwrap_or(0);
            if (MIN_YEAR..=MAX_YEAR).contains(&head) {
                day(
                    head,
                    g[4..6].parse().unwrap_or(0),
                    g[6..].parse().unwrap_or(0),
                )
            } else {
                day(
                    g[4..].parse().unwrap_or(0),
                    g[2..4].parse().unwrap_or(0),
                    g[..2].parse().unwrap_or(0),
                )
            }
        }
        [6] => {
            let g = &groups[0];
            month(g[..4].parse().unwrap_or(0), g[4..].parse().unwrap_or(0))
        }
        _ => Err(DateFormatError::UnknownLayout(groups)),
    }
}

/// A read with fewer digits than a year's four: a fragment the reader caught (`0` where
/// the date is blurred or greyed away), not a date printed or read wrong. Answered as
/// unread rather than judged for its format.
pub fn is_fragment(read: &str) -> bool {
    read.chars().filter(|&c| digit_value(c).is_some()).count() < 4
}

/// The runs of digits of `s` in ASCII; every non-digit separates.
fn digit_groups(s: &str) -> Vec<String> {
    let mut groups = Vec::new();
    let mut current = String::new();
    for c in s.chars() {
        match digit_value(c) {
            Some(d) => current.push(char::from(b'0' + d)),
            None if !current.is_empty() => groups.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

fn check_year(year: i32) -> Result<(), DateFormatError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(DateFormatError::YearOutOfRange { year })
    }
}

fn day(year: i32, month: u32, day: u32) -> Result<PrintedDate, DateFormatError> {
    check_year(year)?;
    NaiveDate::from_ymd_opt(year, month, day)
        .map(PrintedDate::Day)
        .ok_or(DateFormatError::NotACalendarDate { year, month, day })
}

fn month(year: i32, month: u32) -> Result<PrintedDate, DateFormatError> {
    check_year(year)?;
    if (1..=12).contains(&month) {
        Ok(PrintedDate::Month { year, month })
    } else {
        Err(DateFormatError::BadMonth { month })
    }
}

/// What a date on a document is for; decides which format code (3007-3009) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRole {
    Birth,
    Release,
    Expiry,
}

impl DateRole {
    /// The code for a date of this role that cannot be read.
    pub fn format_code(self) -> Code {
        match self {
            DateRole::Birth => Code::WrongBirthDateFormat,
            DateRole::Release => Code::WrongReleaseDateFormat,
            DateRole::Expiry => Code::WrongExpiryDateFormat,
        }
    }
}

/// Parses a printed date, turning a format error into the [`FieldIssue`] of its role.
pub fn parse_for_field(
    field: &str,
    printed: &str,
    role: DateRole,
) -> Result<PrintedDate, FieldIssue> {
    parse_printed_date(printed)
        .map_err(|e| FieldIssue::new(field, printed, role.format_code()).with_detail(e.to_string()))
}

/// A printed birth date: 3007 if unreadable, 3002 if after `today`.
pub fn check_birth_date(
    field: &str,
    printed: &str,
    today: NaiveDate,
) -> Result<PrintedDate, FieldIssue> {
    let date = parse_for_field(field, printed, DateRole::Birth)?;
    if date.first_day() > today {
        return Err(FieldIssue::new(field, printed, Code::InvalidBirthDate)
            .with_detail("birth date is in the future"));
    }
    Ok(date)
}

/// A printed release (issue) date: 3008 if unreadable; 3006 if after `today` or before
/// the holder's `birth_date` when that is known.
pub fn check_release_date(
    field: &str,
    printed: &str,
    birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<PrintedDate, FieldIssue> {
    let date = parse_for_field(field, printed, DateRole::Release)?;
    if date.first_day() > today {
        return Err(FieldIssue::new(field, printed, Code::InvalidReleaseDate)
            .with_detail("release date is in the future"));
    }
    if let Some(birth) = birth_date {
        // A month-only release date is wrong only if its whole month precedes the birth.
        if date.last_day() < birth {
            return Err(FieldIssue::new(field, printed, Code::InvalidReleaseDate)
                .with_detail("release date is before the birth date"));
        }
    }
    Ok(date)
}

/// A printed expiry date: 3009 if unreadable, 3010 if the document expired before
/// `today` (the expiry day itself, or any day of a month-only expiry month, is valid).
pub fn check_expiry_date(
    field: &str,
    printed: &str,
    today: NaiveDate,
) -> Result<PrintedDate, FieldIssue> {
    let date = parse_for_field(field, printed, DateRole::Expiry)?;
    if date.last_day() < today {
        return Err(FieldIssue::new(field, printed, Code::DocumentExpired)
            .with_detail(format!("expired on {}", date.to_iso())));
    }
    Ok(date)
}

/// Whole years between `birth` and `on` (age on that day).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Years a national ID card is valid for: it expires on a day of its release month this
/// many years on (the back prints the release as a month, the expiry as a day).
pub const ID_CARD_VALID_YEARS: i32 = 7;

/// One of an ID card's two dates, as read: the date, whether it passed its own check
/// ([`check_release_date`], [`check_expiry_date`]) and the reader's confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateRead {
    pub date: PrintedDate,
    pub checked: bool,
    pub confidence: f32,
}

/// What the other of an ID card's two dates should read, when they disagree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdDatesFix {
    /// They agree, or nothing better is known.
    Keep,
    /// The release month, from the trusted expiry.
    Release(PrintedDate),
    /// The expiry, from the trusted release month and the expiry's own day.
    Expiry(PrintedDate),
}

/// The release month an ID card expiring on `expiry` was issued in
/// ([`ID_CARD_VALID_YEARS`] before).
pub fn release_for_expiry(expiry: NaiveDate) -> PrintedDate {
    PrintedDate::Month {
        year: expiry.year() - ID_CARD_VALID_YEARS,
        month: expiry.month(),
    }
}

/// Reconciles an ID card back's release and expiry dates through
/// [`ID_CARD_VALID_YEARS`]: where they disagree (or one is missing or failed its check),
/// the one that passed its check, or the surer of two that both did, sets the other's
/// year and month. The expiry's day is never invented: a missing expiry stays missing.
pub fn reconcile_id_dates(release: Option<DateRead>, expiry: Option<DateRead>) -> IdDatesFix {
    let Some((e, day)) = expiry.and_then(|e| match e.date {
        PrintedDate::Day(d) => Some((e, d)),
        PrintedDate::Month { .. } => None,
    }) else {
        return IdDatesFix::Keep;
    };
    let wanted = release_for_expiry(day);
    match release {
        Some(r) if r.date == wanted => IdDatesFix::Keep,
        None if e.checked => IdDatesFix::Release(wanted),
        None => IdDatesFix::Keep,
        Some(r) if e.checked && (!r.checked || e.confidence >= r.confidence) => {
            IdDatesFix::Release(wanted)
        }
        // Not the expiry, so the release when it passed its check (and is the surer if
        // both did).
        Some(r) if r.checked => {
            let from = r.date.first_day();
            NaiveDate::from_ymd_opt(from.year() + ID_CARD_VALID_YEARS, from.month(), day.day())
                .map_or(IdDatesFix::Keep, |d| {
                    IdDatesFix::Expiry(PrintedDate::Day(d))
                })
        }
        Some(_) => IdDatesFix::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn iso(s: &str) -> String {
        parse_printed_date(s).unwrap().to_iso()
    }

    #[test]
    fn fewer_digits_than_a_year_are_a_fragment() {
        assert!(is_fragment("0"));
        assert!(is_fragment("٢٠/"));
        assert!(is_fragment(""));
        assert!(!is_fragment("2030"));
        assert!(!is_fragment("٢٠٢٥/٩"));
        // A wrong date is still a date: judged for its format, not answered as unread.
        assert!(!is_fragment("2030/13/45"));
    }

    #[test]
    fn layouts() {
        assert_eq!(iso("2020/05/17"), "2020-05-17");
        assert_eq!(iso("17/05/2020"), "2020-05-17");
        assert_eq!(iso("2020-5-7"), "2020-05-07");
        assert_eq!(iso("7.5.2020"), "2020-05-07");
        assert_eq!(iso("2020/05"), "2020-05");
        assert_eq!(iso("2020-05"), "2020-05");
        assert_eq!(iso("05/2020"), "2020-05");
        assert_eq!(iso("20200517"), "2020-05-17");
        assert_eq!(iso("17052020"), "2020-05-17");
        assert_eq!(iso("202005"), "2020-05");
        assert_eq!(iso(" 2020 / 05 / 17 "), "2020-05-17");
    }

    #[test]
    fn arabic_indic_digits_and_labels() {
        assert_eq!(iso("٢٠٢٠/٠٥/١٧"), "2020-05-17");
        assert_eq!(iso("۲۰۲۰/۰۵"), "2020-05");
        assert_eq!(iso("البطاقة سارية حتى ٢٠٢٧/٠٣/٠١"), "2027-03-01");
        assert_eq!(iso("١٧ / ٥ / ١٩٩٠"), "1990-05-17");
    }

    #[test]
    fn refuses_bad_dates() {
        assert_eq!(parse_printed_date("abc"), Err(DateFormatError::NoDigits));
        assert!(matches!(
            parse_printed_date("2021/02/29"),
            Err(DateFormatError::NotACalendarDate { .. })
        ));
        assert!(matches!(
            parse_printed_date("2021/13"),
            Err(DateFormatError::BadMonth { month: 13 })
        ));
        assert!(matches!(
            parse_printed_date("17/05/20"),
            Err(DateFormatError::UnknownLayout(_))
        ));
        assert!(matches!(
            parse_printed_date("1850/01/01"),
            Err(DateFormatError::YearOutOfRange { year: 1850 })
        ));
        assert!(matches!(
            parse_printed_date("2020/05/17/1"),
            Err(DateFormatError::UnknownLayout(_))
        ));
        // Leap day in a leap year is fine.
        assert_eq!(iso("2024/02/29"), "2024-02-29");
    }

    #[test]
    fn month_bounds() {
        let m = parse_printed_date("2024/02").unwrap();
        assert_eq!(m.first_day(), d(2024, 2, 1));
        assert_eq!(m.last_day(), d(2024, 2, 29));
        let dec = parse_printed_date("2023/12").unwrap();
        assert_eq!(dec.last_day(), d(2023, 12, 31));
    }

    #[test]
    fn birth_date_checks() {
        let today = d(2025, 1, 10);
        assert!(check_birth_date("dateOfBirth", "1990/01/01", today).is_ok());
        let e = check_birth_date("dateOfBirth", "2030/01/01", today).unwrap_err();
        assert_eq!(e.code, Code::InvalidBirthDate);
        let e = check_birth_date("dateOfBirth", "hello", today).unwrap_err();
        assert_eq!(e.code, Code::WrongBirthDateFormat);
        assert_eq!(e.field, "dateOfBirth");
    }

    #[test]
    fn release_date_checks() {
        let today = d(2025, 1, 10);
        let birth = Some(d(1990, 6, 15));
        assert!(check_release_date("releaseDate", "2020/05", birth, today).is_ok());
        // Same month as today: not in the future.
        assert!(check_release_date("releaseDate", "2025/01", birth, today).is_ok());
        let e = check_release_date("releaseDate", "2025/02", birth, today).unwrap_err();
        assert_eq!(e.code, Code::InvalidReleaseDate);
        let e = check_release_date("releaseDate", "1989/01", birth, today).unwrap_err();
        assert_eq!(e.code, Code::InvalidReleaseDate);
        // Birth month itself is possible for a month-only date.
        assert!(check_release_date("releaseDate", "1990/06", birth, today).is_ok());
        let e = check_release_date("releaseDate", "20/20", birth, today).unwrap_err();
        assert_eq!(e.code, Code::WrongReleaseDateFormat);
    }

    #[test]
    fn expiry_checks() {
        let today = d(2025, 1, 10);
        assert!(check_expiry_date("idExpiry", "2027/01/01", today).is_ok());
        assert!(check_expiry_date("idExpiry", "2025/01/10", today).is_ok());
        // A month-only expiry runs to the end of the month.
        assert!(check_expiry_date("idExpiry", "2025/01", today).is_ok());
        let e = check_expiry_date("idExpiry", "2025/01/09", today).unwrap_err();
        assert_eq!(e.code, Code::DocumentExpired);
        let e = check_expiry_date("idExpiry", "2024/12", today).unwrap_err();
        assert_eq!(e.code, Code::DocumentExpired);
        let e = check_expiry_date("idExpiry", "", today).unwrap_err();
        assert_eq!(e.code, Code::WrongExpiryDateFormat);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(d(1990, 6, 15), d(2025, 6, 14)), 34);
        assert_eq!(age_on(d(1990, 6, 15), d(2025, 6, 15)), 35);
    }

    #[test]
    fn id_dates_reconcile_through_seven_years() {
        let day = |y, m, d| PrintedDate::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let month = |year, month| PrintedDate::Month { year, month };
        let read = |date, checked, confidence| DateRead {
            date,
            checked,
            confidence,
        };
        // Agreeing dates stay.
        let (r, e) = (
            read(month(2025, 3), true, 0.9),
            read(day(2032, 3, 31), true, 0.9),
        );
        assert_eq!(reconcile_id_dates(Some(r), Some(e)), IdDatesFix::Keep);
        // A release in the future (failed its check) takes the expiry's month.
        let r = read(month(2028, 5), false, 0.9);
        let e = read(day(2032, 5, 14), true, 0.8);
        assert_eq!(
            reconcile_id_dates(Some(r), Some(e)),
            IdDatesFix::Release(month(2025, 5))
        );
        // A missing release likewise.
        assert_eq!(
            reconcile_id_dates(None, Some(e)),
            IdDatesFix::Release(month(2025, 5))
        );
        // An expiry read a decade early (expired) keeps its day under the release month.
        let r = read(month(2025, 3), true, 0.9);
        let e = read(day(2022, 3, 31), false, 0.9);
        assert_eq!(
            reconcile_id_dates(Some(r), Some(e)),
            IdDatesFix::Expiry(day(2032, 3, 31))
        );
        // Both pass their checks: the surer one wins.
        let e = read(day(2033, 9, 7), true, 0.6);
        let r = read(month(2026, 5), true, 0.9);
        assert_eq!(
            reconcile_id_dates(Some(r), Some(e)),
            IdDatesFix::Expiry(day(2033, 5, 7))
        );
        // No expiry day, nothing invented; a month-only expiry is not used.
        assert_eq!(reconcile_id_dates(Some(r), None), IdDatesFix::Keep);
        let e = read(month(2032, 11), false, 0.9);
        assert_eq!(reconcile_id_dates(Some(r), Some(e)), IdDatesFix::Keep);
        // A day that the release month lacks: kept as read.
        let r = read(month(2025, 2), true, 0.9);
        let e = read(day(2032, 1, 30), false, 0.5);
        assert_eq!(reconcile_id_dates(Some(r), Some(e)), IdDatesFix::Keep);
        // A genuinely expired card (both agree) stays expired.
        let r = read(month(2018, 4), true, 0.9);
        let e = read(day(2025, 4, 2), false, 0.9);
        assert_eq!(reconcile_id_dates(Some(r), Some(e)), IdDatesFix::Keep);
    }
}
