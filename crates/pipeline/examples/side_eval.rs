//! Front or back of a two-sided card: the document classifier on the whole photo against
//! the same classifier on the card the locator rectified.
//!
//! `cargo run --release -p hawiya-pipeline --example side_eval -- [N=400] [--seed S]`
//!
//! Photos: the four two-sided kinds in turn (national ID and vehicle licence, front and
//! back), difficulty swept over 0..1 with synth's photo parameters for that level and a
//! random quarter turn on every photo, as `card_eval` makes them (seed 930001 by default,
//! never used in training). Prints how often each way names the right class (document
//! and side), and the product's rule: the photo's document type with the rectified
//! card's side where both agree on the type (`Classification::with_side_from_card`).

mod common;

use hawiya_pipeline::card::{CardLocator, ID1_ASPECT};
use hawiya_pipeline::classify::{ClassifyParams, DocClass, DocClassifier};
use hawiya_pipeline::runtime::RuntimeConfig;
use hawiya_synth::{render, DocKind, SynthParams};

const KINDS: [(DocKind, DocClass); 4] = [
    (DocKind::IdFront, DocClass::IdFront),
    (DocKind::IdBack, DocClass::IdBack),
    (DocKind::CarLicenseFront, DocClass::CarLicenseFront),
    (DocKind::CarLicenseBack, DocClass::CarLicenseBack),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (n, seed) = common::count_and_seed(400, 930_001)?;
    let rt = RuntimeConfig::default();
    let models = std::env::var_os("HAWIYA_MODELS")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let mut locator = CardLocator::load(&models, &rt)?;
    let mut classifier = DocClassifier::load(Some(&models), &rt)?;
    let params = ClassifyParams::default();
    let (mut whole_ok, mut card_ok, mut whole_type, mut card_type, mut found) = (0, 0, 0, 0, 0);
    let mut merged_ok = 0u64;
    for i in 0..n {
        let (kind, want) = KINDS[(i % 4) as usize];
        let level = ((i / 4) % 20) as f32 / 19.0;
        let s = render(kind, &SynthParams::turned_photo(seed, level), i)?;
        let seen = classifier.classify(&s.image, None, &params)?;
        let whole = seen.class;
        whole_ok += u64::from(whole == want);
        whole_type += u64::from(whole.doc_type() == want.doc_type());
        let on_card = match locator.locate(&s.image, ID1_ASPECT) {
            Ok(card) => {
                found += 1;
                Some(classifier.classify(&card.rectified, None, &params)?)
            }
            Err(_) => None,
        };
        let merged = match &on_card {
            Some(c) => seen.clone().with_side_from_card(c).class,
            None => whole,
        };
        merged_ok += u64::from(merged == want);
        let on_card = on_card.map(|c| c.class);
        card_ok += u64::from(on_card == Some(want));
        card_type += u64::from(on_card.is_some_and(|c| c.doc_type() == want.doc_type()));
        if on_card != Some(want) || whole != want {
            println!(
                "{} level {level:.2}: whole photo {}, rectified card {}",
                s.truth.id,
                whole.name(),
                on_card.map_or("(no card)", |c| c.name())
            );
        }
    }
    let pct = |k: u64| 100.0 * k as f64 / n as f64;
    println!("photos: {n} (seed {seed}), card found in {found}");
    println!(
        "class (document and side) right: whole photo {:.1}%, rectified card {:.1}%",
        pct(whole_ok),
        pct(card_ok)
    );
    println!(
        "class right with the product's rule (type from the photo, side from the card): {:.1}%",
        pct(merged_ok)
    );
    println!(
        "document type right: whole photo {:.1}%, rectified card {:.1}%",
        pct(whole_type),
        pct(card_type)
    );
    Ok(())
}
