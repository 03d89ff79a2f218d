//! The vehicle licence's plate number (`رقم اللوحة`): one to three plate letters, spaced,
//! then Arabic-Indic digits, in the card's value face.
//!
//! Tesseract reads a letter standing alone poorly (no word around it to vote with:
//! `م ط م` read `ر أ ط`), so the line is read by the project's own reader
//! (`training/plate_numbers/train.sh`): the name reader's network and recipe trained on
//! plate number lines of synthetic vehicle licences, over the plate letters and digits.
//! It reads left to right: the digits (written left to right), then the letters last to
//! first.

use hawiya_documents::digits::digit_value;
use hawiya_documents::vocab::PLATE_LETTERS;
use ndarray::ArrayView2;

use crate::national_id::name_reader::LineModel;
use crate::ocr::text_recognize::ctc_runs;

/// The model file and its classes after the CTC blank (training/names/train.py's
/// `plate_numbers` charset; index 1 is the space). Lines are stretched to the input's
/// width: padded, a first model learned to read the digits and put a constant guess at
/// the letters in the padding's columns.
pub const MODEL: LineModel = LineModel {
    file: "plate_number_reader.onnx",
    charset: " أبجدرسصطعفقلمنهوى٠١٢٣٤٥٦٧٨٩",
    stretch: true,
};

/// The (digits, letters) counts of a plate number (documents.md, plates since 2008):
/// Cairo 3 digits and 3 letters, Giza 4 and 2, the other governorates 4 and 3.
pub const SHAPES: [(usize, usize); 3] = [(3, 3), (4, 2), (4, 3)];

/// A plate number as read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateNumberRead {
    /// The letters in reading order (right to left on the card).
    pub letters: Vec<char>,
    /// ASCII digits, most significant first.
    pub digits: String,
    /// The weakest character's probability (1 for an empty read).
    pub confidence: f32,
}

impl PlateNumberRead {
    /// As the API answers it: the letters spaced, then the digits (`م ط م 5403`).
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = self.letters.iter().map(char::to_string).collect();
        parts.push(self.digits.clone());
        parts.join(" ")
    }

    /// Shaped as a plate number: as many digits and letters as one of [`SHAPES`].
    pub fn well_formed(&self) -> bool {
        SHAPES.contains(&(self.digits.len(), self.letters.len()))
    }
}

/// Greedy CTC decoding of the reader's `[T, classes]` probabilities (visual order, left
/// to right): the digits left of the first letter, the letters in reading order (the
/// visual order reversed). `None` where the read is not digits then letters.
pub fn decode(probs: ArrayView2<'_, f32>) -> Option<PlateNumberRead> {
    let charset: Vec<char> = MODEL.charset.chars().collect();
    let mut digits = String::new();
    let mut letters = Vec::new();
    let mut confidence = 1.0f32;
    for run in ctc_runs(probs) {
        let c = *charset.get(run.class.checked_sub(1)?)?;
        if c == ' ' {
            continue;
        }
        confidence = confidence.min(run.confidence);
        if let Some(d) = digit_value(c) {
            // A digit after a letter: not a plate number's shape.
            if !letters.is_empty() {
                return None;
            }
            digits.push(char::from(b'0' + d));
        } else if PLATE_LETTERS.contains(&c) {
            letters.push(c);
        } else {
            return None;
        }
    }
    letters.reverse();
    Some(PlateNumberRead {
        letters,
        digits,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn probs(visual: &str) -> Array2<f32> {
        let charset: Vec<char> = MODEL.charset.chars().collect();
        let chars: Vec<char> = visual.chars().collect();
        // Each character one step, a blank between.
        let mut p = Array2::<f32>::zeros((chars.len() * 2, charset.len() + 1));
        for (i, c) in chars.iter().enumerate() {
            let k = charset.iter().position(|x| x == c).unwrap() + 1;
            p[[2 * i, k]] = 0.9;
            p[[2 * i, 0]] = 0.1;
            p[[2 * i + 1, 0]] = 1.0;
        }
        p
    }

    #[test]
    fn digits_keep_their_order_and_letters_read_right_to_left() {
        // On the card: `م ط ن ٥٤٠٣`, seen left to right as `٥٤٠٣ ن ط م`.
        let read = decode(probs("٥٤٠٣ ن ط م").view()).unwrap();
        assert_eq!(read.letters, vec!['م', 'ط', 'ن']);
        assert_eq!(read.digits, "5403");
        assert_eq!(read.text(), "م ط ن 5403");
        assert!(read.well_formed());
        assert!((read.confidence - 0.9).abs() < 1e-6);
    }

    #[test]
    fn a_digit_after_a_letter_is_not_a_plate_number() {
        assert_eq!(decode(probs("٥٤ ن ٣").view()), None);
        let no_letters = decode(probs("٥٤٠٣").view()).unwrap();
        assert!(!no_letters.well_formed());
        let too_long = decode(probs("٥٤٠٣٢ ن ط").view()).unwrap();
        assert!(!too_long.well_formed());
        // Three digits go with three letters (Cairo), four with two or three.
        assert!(!decode(probs("٥٤٠ ن ط").view()).unwrap().well_formed());
        assert!(decode(probs("٥٤٠ ن ط م").view()).unwrap().well_formed());
        assert!(decode(probs("٥٤٠٣ ن ط").view()).unwrap().well_formed());
    }
}
