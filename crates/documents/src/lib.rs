//! Pure domain rules for the documents hawiya reads. No native dependency, no I/O:
//! everything here is checked by unit tests in microseconds.

pub mod codes;
pub mod id_number;
pub mod mrz;

pub use codes::{Code, FieldIssue};
