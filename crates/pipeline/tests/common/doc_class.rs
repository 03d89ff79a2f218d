//! The classifier class a synthetic document must get (shared by `tests/classify.rs` and
//! `examples/quality_eval.rs`).

use hawiya_pipeline::classify::DocClass;
use hawiya_synth::DocKind;

pub fn expected(kind: DocKind) -> DocClass {
    match kind {
        DocKind::IdFront => DocClass::IdFront,
        DocKind::IdBack => DocClass::IdBack,
        // A TD1 card is read by the passport route.
        DocKind::Passport | DocKind::Td1 => DocClass::Passport,
        DocKind::DrivingLicense => DocClass::DrivingLicense,
        DocKind::CarLicenseFront => DocClass::CarLicenseFront,
        DocKind::CarLicenseBack => DocClass::CarLicenseBack,
        DocKind::Plate | DocKind::PlateScene => DocClass::LicensePlate,
    }
}
