//! Reading MRZ lines with the PP-OCR recogniser restricted to the MRZ alphabet.
//!
//! The Latin model's dictionary holds about 18 700 symbols, many of them look-alikes of
//! the MRZ's `A-Z0-9<` (CJK brackets for `<`, Cyrillic and full-width letters). Greedy
//! decoding over the 38 classes `blank, <, 0-9, A-Z` alone removes those confusions, and
//! keeping each character's 37 probabilities lets the check digits choose among the
//! model's own alternatives later.

use image::RgbImage;
use ndarray::ArrayView2;

use crate::geometry::{perspective_crop, Quad};
use crate::ocr::text_recognize::{
    prepare_batch, Charset, TextRecognizeParams, TextRecognizerModel,
};
use crate::runtime::RuntimeError;

/// The MRZ symbols in a fixed order; index `i` is `SYMBOLS[i]`.
pub const SYMBOLS: &[u8; 37] = b"<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Index of an MRZ symbol in [`SYMBOLS`].
pub fn symbol_index(c: u8) -> Option<usize> {
    match c {
        b'<' => Some(0),
        b'0'..=b'9' => Some(1 + (c - b'0') as usize),
        b'A'..=b'Z' => Some(11 + (c - b'A') as usize),
        _ => None,
    }
}

/// The recogniser's class index of the blank and of each MRZ symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzClasses {
    /// `[0]` is the CTC blank, `[1 + i]` the class of `SYMBOLS[i]`.
    classes: [usize; 38],
}

impl MrzClasses {
    /// Looks the symbols up in the recogniser's dictionary; `None` if one is missing.
    pub fn from_charset(charset: &Charset) -> Option<MrzClasses> {
        let mut classes = [0usize; 38];
        for (i, &s) in SYMBOLS.iter().enumerate() {
            let want = [s];
            let want = std::str::from_utf8(&want).expect("ASCII");
            classes[1 + i] = (1..charset.len()).find(|&k| charset.class(k) == Some(want))?;
        }
        Some(MrzClasses { classes })
    }

    /// Classes of a model trained on the MRZ alphabet itself: blank, then [`SYMBOLS`].
    pub fn identity() -> MrzClasses {
        let mut classes = [0usize; 38];
        for (i, c) in classes.iter_mut().enumerate() {
            *c = i;
        }
        MrzClasses { classes }
    }
}

/// One character as read: the probability of every MRZ symbol at the column where the
/// character peaked, and where it lies along the crop.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolRead {
    /// Raw model probabilities (not renormalised) indexed like [`SYMBOLS`].
    pub probs: [f32; 37],
    /// Column centre as a fraction of the crop width (0 left, 1 right).
    pub position: f32,
    /// False for a filler the length fitting inserted (no ink was read there).
    pub observed: bool,
}

impl SymbolRead {
    /// A `<` the fitting adds where the model read nothing.
    pub fn inserted_filler(position: f32) -> SymbolRead {
        let mut probs = [0.0; 37];
        probs[0] = INSERTED_FILLER_PROB;
        SymbolRead {
            probs,
            position,
            observed: false,
        }
    }

    /// The best symbol among those `allowed` accepts, with its probability.
    pub fn best_in(&self, allowed: impl Fn(u8) -> bool) -> Option<(u8, f32)> {
        SYMBOLS
            .iter()
            .zip(self.probs.iter())
            .filter(|(s, _)| allowed(**s))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(s, p)| (*s, *p))
    }

    /// The best symbol overall.
    pub fn best(&self) -> (u8, f32) {
        self.best_in(|_| true).expect("37 symbols")
    }

    /// Probability of `c` (0 outside the alphabet).
    pub fn prob(&self, c: u8) -> f32 {
        symbol_index(c).map_or(0.0, |i| self.probs[i])
    }
}

/// What the probability of an inserted filler is taken to be: low, so that any observed
/// alternative outranks it, but not zero (logarithms of scores stay finite).
const INSERTED_FILLER_PROB: f32 = 0.05;

/// One line as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineRead {
    pub symbols: Vec<SymbolRead>,
    /// Share of characters whose best class over the whole dictionary is an MRZ symbol:
    /// near 1 on an MRZ, low on printed text with lower case or punctuation.
    pub mrz_ratio: f32,
}

impl LineRead {
    pub fn text(&self) -> String {
        self.symbols.iter().map(|s| s.best().0 as char).collect()
    }
}

/// Greedy CTC decoding of `[T, C]` probabilities over the MRZ classes only.
/// `content_fraction` is the share of the input width the crop occupied.
pub fn decode_masked(
    probs: ArrayView2<'_, f32>,
    classes: &MrzClasses,
    content_fraction: f32,
) -> LineRead {
    let columns = probs.nrows().max(1);
    let mut out = LineRead::default();
    // (symbol, peak probability, peak column) of the run being read.
    let mut run: Option<(usize, f32, usize)> = None;
    let mut mrz_hits = 0usize;
    let mut finish = |run: Option<(usize, f32, usize)>, out: &mut LineRead| {
        if let Some((_, _, t)) = run {
            let row = probs.row(t);
            let mut p = [0.0f32; 37];
            for (i, slot) in p.iter_mut().enumerate() {
                *slot = row[classes.classes[1 + i]];
            }
            let masked_best = p.iter().copied().fold(0.0, f32::max);
            let overall = row.iter().copied().fold(0.0, f32::max);
            if masked_best >= overall * 0.999 {
                mrz_hits += 1;
            }
            out.symbols.push(SymbolRead {
                probs: p,
                position: (((t as f32 + 0.5) / columns as f32) / content_fraction.max(1e-6))
                    .min(1.0),
                observed: true,
            });
        }
    };
    for (t, row) in probs.rows().into_iter().enumerate() {
        let (best, p) = classes
            .classes
            .iter()
            .enumerate()
            .map(|(k, &c)| (k, row[c]))
            .fold((0, f32::MIN), |a, b| if b.1 > a.1 { b } else { a });
        match (&mut run, best) {
            // Blank: the current character (if any) ends.
            (_, 0) => finish(run.take(), &mut out),
            // The same symbol continues: keep its strongest column.
            (Some((s, peak, col)), k) if *s == k => {
                if p > *peak {
                    *peak = p;
                    *col = t;
                }
            }
            // A new symbol right after another one.
            (_, k) => {
                finish(run.take(), &mut out);
                run = Some((k, p, t));
            }
        }
    }
    finish(run.take(), &mut out);
    if !out.symbols.is_empty() {
        out.mrz_ratio = mrz_hits as f32 / out.symbols.len() as f32;
    }
    out
}

/// Parameters of line recognition.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzRecognizeParams {
    /// Crops are stretched this much horizontally before recognition. Default 1.0 (the
    /// crop's own aspect): 1.25 gave long `<<<<` runs more CTC columns but cost 25% more
    /// for no measured gain once length fitting restores collapsed runs; 0.8 was cheaper
    /// but misread more letters on blurred cards.
    pub stretch: f32,
    /// Lines per model call. Default 3: a whole TD1 zone in one call.
    pub batch_size: usize,
}

impl Default for MrzRecognizeParams {
    fn default() -> Self {
        MrzRecognizeParams {
            stretch: 1.0,
            batch_size: 3,
        }
    }
}

/// Cuts each quad (tl, tr, br, bl along the reading direction) out of `image` at the
/// recogniser's height and reads it over the MRZ alphabet.
pub fn read_lines<R: TextRecognizerModel + ?Sized>(
    model: &mut R,
    classes: &MrzClasses,
    image: &RgbImage,
    quads: &[Quad],
    params: &MrzRecognizeParams,
) -> Result<Vec<LineRead>, RuntimeError> {
    let rec = TextRecognizeParams::default();
    let crops: Vec<RgbImage> = quads
        .iter()
        .map(|q| {
            let (w, h) = crate::geometry::quad_size(q);
            let height = rec.height;
            let width = ((height as f32 * w / h.max(1.0)) * params.stretch)
                .round()
                .max(8.0) as u32;
            perspective_crop(image, q, width, height)
                .unwrap_or_else(|| RgbImage::new(width, height))
        })
        .collect();
    let mut out = Vec::with_capacity(crops.len());
    for chunk in crops.chunks(params.batch_size.max(1)) {
        let refs: Vec<&RgbImage> = chunk.iter().collect();
        let (tensor, widths) = prepare_batch(&refs, &rec);
        let batch_width = tensor.shape()[3] as f32;
        let probs = model.class_probabilities(tensor.view())?;
        for (line, width) in probs.outer_iter().zip(widths) {
            out.push(decode_masked(line, classes, width as f32 / batch_width));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn charset() -> Charset {
        // A look-alike of `<` first, then the MRZ alphabet, as in the real dictionary.
        let mut dict = String::from("〈\n");
        for &s in SYMBOLS {
            dict.push(s as char);
            dict.push('\n');
        }
        Charset::from_dictionary(dict.trim_end())
    }

    #[test]
    fn masking_turns_look_alikes_into_mrz_symbols_and_keeps_repeats() {
        let cs = charset();
        let classes = MrzClasses::from_charset(&cs).unwrap();
        let lt = 2; // class of '<' (after blank and the look-alike)
        let look_alike = 1;
        // Columns: 〈(0.6, '<' 0.3)  blank  '<'  '<'  blank  'A'
        let mut p = Array2::<f32>::zeros((6, cs.len()));
        p[[0, look_alike]] = 0.6;
        p[[0, lt]] = 0.3;
        p[[1, 0]] = 0.9;
        p[[2, lt]] = 0.8;
        p[[3, lt]] = 0.9;
        p[[4, 0]] = 0.9;
        p[[5, lt + 11]] = 0.7; // 'A' is SYMBOLS[11]
        let read = decode_masked(p.view(), &classes, 1.0);
        assert_eq!(read.text(), "<<A");
        // The first '<' was a look-alike at the top of the whole dictionary.
        assert!((read.mrz_ratio - 2.0 / 3.0).abs() < 1e-6);
        // The merged run keeps its strongest column (3 of 6).
        assert!((read.symbols[1].position - 3.5 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn best_in_restricts_to_a_class() {
        let mut s = SymbolRead::inserted_filler(0.0);
        s.probs[symbol_index(b'O').unwrap()] = 0.7;
        s.probs[symbol_index(b'0').unwrap()] = 0.2;
        assert_eq!(s.best().0, b'O');
        assert_eq!(s.best_in(|c| c.is_ascii_digit()).unwrap().0, b'0');
    }
}
