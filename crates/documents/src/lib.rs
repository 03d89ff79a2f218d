//! Pure domain rules for the documents hawiya reads. No native dependency, no I/O:
//! everything here is checked by unit tests in microseconds.
//!
//! - [`digits`]: Arabic-Indic and ASCII digits.
//! - [`arabic`]: response text normalisation and name matching keys.
//! - [`fuzzy`]: edit distance.
//! - [`vocab`]: closed word lists (gender, religion, marital status, fuels, makes...).
//! - [`governorates`]: governorate codes and names.
//! - [`cross`]: checks across the documents of one transaction (owner name vs ID card).
//! - [`dates`]: dates as printed on documents, and their validations.
//! - [`id_number`]: the 14-digit national ID number.
//! - [`mrz`]: ICAO 9303 machine readable zones, with check-digit-driven correction.
//! - [`screening`]: AML name keys, retrieval keys and fuzzy name scores.
//! - [`translit`]: Arabic to Latin transliteration of Egyptian names.
//! - [`vin`]: vehicle identification numbers.

pub mod address;
pub mod arabic;
pub mod codes;
pub mod cross;
pub mod dates;
pub mod digits;
pub mod districts;
pub mod fuzzy;
pub mod governorates;
pub mod id_number;
pub mod mrz;
pub mod screening;
pub mod streets;
pub mod translit;
pub mod vin;
pub mod vocab;

pub use codes::{Code, FieldIssue};
pub use vocab::Gender;
