//! The Egyptian national ID card: front (`/v1/ocr/id/front`) and back (`/v1/ocr/id/back`).
//!
//! Both readers run the same stages: locate and rectify the card ([`crate::card`]), find
//! text lines on the upright card (PP-OCR DB), group them into rows ([`layout`]), assign
//! rows to fields by position relative to the card, by labels and by content, then read
//! Arabic rows with Tesseract `ara` (the name rows also with the project's trained
//! [`name_reader`]) and digit rows with [`crate::digits`]. The ID number's
//! own rules reject a misread and trigger a retry with another crop (digits.md).
//! Where the card as found leaves a line unread, it is read again: turned 180 degrees,
//! with an edge of its outline moved out ([`outline_moved_out`]: the locator cut a line
//! off), and with its lighting flattened ([`crate::preprocess::lighting_flattened`]:
//! glare greyed the print); each retry fills only what the first read lacks.
//!
//! Per-worker state (the card locator and the digit recogniser) lives in [`IdModels`].
//! Until `Worker` holds one, [`read_front`] and [`read_back`] keep one per thread (a
//! worker is one thread), loaded on first use.

pub mod back;
pub mod front;
pub mod layout;
pub mod name_reader;
pub mod rectify;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use hawiya_documents::arabic::{normalize_for_matching, normalize_text};
use hawiya_documents::id_number::{self, IdNumberError, NationalId};
use hawiya_documents::{governorates, vocab, Gender};
use image::{GrayImage, RgbImage};

use crate::card::{CardLocator, CardLocatorError, ID1_ASPECT};
use crate::digits::{
    crop_digit_line, locally_stretched, prepare_input, DigitCropParams, DigitRead, DigitRecognizer,
    DigitsError,
};
use crate::error::{PipelineError, Result};
use crate::extraction::Extraction;
use crate::ocr::tesseract::{PageSegMode, TessLang};
use crate::ocr::text_detect::{self, LimitType, TextDetectParams};
use crate::runtime::RuntimeConfig;
use crate::worker::Worker;
use layout::{group_rows, ink_mask, ink_rows, CardBox, InkRowParams, Row, RowParams};
use rectify::RectifiedCard;

/// The models the ID readers need beyond the worker's text detector and Tesseract.
#[derive(Debug)]
pub struct IdModels {
    pub locator: CardLocator,
    pub digits: DigitRecognizer,
    /// The trained name-line reader, when its model is present.
    pub names: Option<name_reader::NameReader>,
    /// The vehicle licence's trained plate number reader, when its model is present.
    pub plate_numbers: Option<name_reader::LineReader>,
}

/// Why [`IdModels::load`] failed.
#[derive(Debug, thiserror::Error)]
pub enum IdModelsError {
    #[error(transparent)]
    Digits(#[from] DigitsError),
    #[error(transparent)]
    Locator(#[from] CardLocatorError),
    #[error(transparent)]
    NameReader(#[from] crate::runtime::RuntimeError),
}

impl IdModels {
    /// The learned card locator when its model is present (else the classical finder),
    /// and the digit recogniser (required).
    pub fn load(models_dir: Option<&Path>, runtime: &RuntimeConfig) -> Result<Self, IdModelsError> {
        let dir = crate::models::ModelDir::resolve(models_dir)
            .map(|d| d.root().to_path_buf())
            .unwrap_or_default();
        let locator = match CardLocator::load(&dir, runtime) {
            Ok(l) => l,
            Err(CardLocatorError::ModelMissing { .. }) => CardLocator::classical(),
            Err(e) => return Err(e.into()),
        };
        Ok(IdModels {
            locator,
            digits: DigitRecognizer::load(models_dir, runtime)?,
            names: name_reader::LineReader::load(name_reader::NAMES, models_dir, runtime)?,
            plate_numbers: name_reader::LineReader::load(
                crate::licence::plate_number::MODEL,
                models_dir,
                runtime,
            )?,
        })
    }
}

/// Parameters of both readers.
#[derive(Debug, Clone, PartialEq)]
pub struct IdReadParams {
    /// The day validations run against. Default `None`: the system date. Tests of
    /// synthetic cards pass the synth's reference date.
    pub today: Option<NaiveDate>,
    /// Text detection on the rectified card. Default: the PP-OCR defaults (RapidOCR's);
    /// the card is 1000 px wide, so the 736 px short side keeps small text readable.
    pub detect: TextDetectParams,
    pub rows: RowParams,
    /// Crops tried in turn for a digit line until the read passes its rules. Default:
    /// the trained middle margin, then tighter, then looser, then the box untightened.
    pub digit_crops: Vec<DigitCropParams>,
    /// A 14-digit read that breaks the number's rules is repaired (one digit, to a valid
    /// number) only when its least sure digit is below this confidence. Default 0.7: a
    /// confident read of an invalid number is a genuinely invalid card, to be flagged.
    /// On dev seeds 4242, 5151 and 9191 (750 fronts, 600 backs) the reads of deliberately
    /// invalid numbers that a repair would have made valid all had their least sure digit
    /// over 0.99; a valid number misread at one digit had it at 0.60 (0.6 left it).
    pub repair_below: f32,
    /// A read one digit short of (or past) 14 is taken as the valid number one digit
    /// away (a digit added or dropped) that the recogniser finds likeliest, where it is
    /// likelier by this many nats (natural log of the likelihood ratio) than any other
    /// valid number one digit away, and near the likeliest text of all, valid or not
    /// ([`LOST_DIGIT_SLACK`]). Default 3.0. A blurred `٠٠` reads as one `٠` (CTC merges
    /// a repeat with no blank between), and the check digit alone cannot say where the
    /// digit went; the likelihood can. `f32::INFINITY` turns it off.
    pub lost_digit_margin: f32,
    /// A number read with at least this many digits but fewer than 14 is part of the
    /// number, the rest lost beyond its box: [`CardReader::id_number`] reads the box
    /// grown by the digits missing. Default 5: fewer is a speck or a date's piece.
    pub partial_number_digits: usize,
    /// Where no crop of a digit line reads acceptably, the crops are read again with
    /// their contrast stretched locally ([`crate::digits::locally_stretched`]), over this
    /// many crop heights either side of each column. Default `Some(1.0)`; `None` skips it.
    pub glare_stretch_window: Option<f32>,
    /// Read the card turned 180 degrees as well when the ID number is not valid. Default
    /// true: without the learned locator, orientation is known only up to 180 degrees.
    pub try_upside_down: bool,
    /// Border left around an Arabic line for Tesseract, in line heights (half of it
    /// above and below). Default 0.5: with 0.12, one short first name in two lost letters.
    /// Used by [`CardReader::arabic`] (the licence readers).
    pub tesseract_padding: f32,
    /// How the ID readers show an Arabic line to Tesseract, tried in turn by
    /// [`CardReader::arabic_voted`]. Default, measured on name lines of seed 4242 (one
    /// view alone: 67-75% of first names exact): binarised with 1 height of border,
    /// grey with 0.5, binarised and scaled to 40 px of ink, binarised with 0.5,
    /// binarised with 10 px of white around, grey scaled to 30 px.
    pub tesseract_views: Vec<TessView>,
    /// Views tried before [`IdReadParams::tesseract_views`] when a region is one short
    /// word (see [`IdReadParams::word_max_aspect`]): read as one line, `ara` misreads many
    /// a clean short word (`صحفية` as `فية`, or digits) that it reads right as one word.
    /// On 120 backs of dev seed 4242: religion 94.2 -> 96.7%, marital status 94.2 ->
    /// 95.8%, job 80.0 -> 81.7% exact; 80 fronts: names unchanged (+1 first name).
    pub word_views: Vec<TessView>,
    /// A region at most this many times as wide as tall counts as one word. Default 4.0.
    pub word_max_aspect: f32,
    /// A view's read at or above this confidence is taken without trying the others.
    /// Default 0.9: right reads of name lines averaged 0.88, wrong ones 0.54; lower
    /// thresholds saved calls but voted less often where it helped.
    pub tesseract_accept: f32,
    /// Extra votes a word of a name line gets when the name dictionary knows it (see
    /// [`CardReader::arabic_voted_names`]). Default 1.5: a known reading seen in one view
    /// beats an unknown one seen in two, not one seen in three (a name the dictionary
    /// lacks, read the same way by half the views, is kept).
    pub known_word_bonus: f32,
    /// Rows found from the ink (see [`layout::ink_rows`]); the detector is the fallback.
    pub ink: InkRowParams,
    /// Ink segments of a row split where the gap is at least this many ink heights.
    /// Default 0.45: between a date and its label, or a house number and the street,
    /// there is about half a height; inside a date or a word far less.
    pub segment_gap: f32,
    /// Read the card again with its lighting flattened
    /// ([`crate::preprocess::lighting_flattened`]) where glare may have lost a line: on
    /// the back when a date went unread, on the front when the serial is unread or
    /// invalid or the number not whole. Default true: on dev seed 9292, valid backs
    /// flagged 3 -> 1 of 271 and fronts 3 -> 1 of 265 (dates, serial and job read from
    /// print the ink mask had lost).
    pub flatten_lighting: bool,
    /// The neighbourhood ratio that turns black in the flattened card. Default 0.6:
    /// print 0.8 as dark as its paper then stands at half grey.
    pub flatten_floor: f32,
}

impl Default for IdReadParams {
    fn default() -> Self {
        let base = DigitCropParams::default();
        IdReadParams {
            today: None,
            detect: TextDetectParams::default(),
            rows: RowParams::default(),
            digit_crops: vec![
                base,
                DigitCropParams {
                    horizontal_margin: 0.2,
                    vertical_margin: 0.15,
                    ..base
                },
                DigitCropParams {
                    horizontal_margin: 1.0,
                    vertical_margin: 0.4,
                    ..base
                },
                DigitCropParams {
                    tighten: false,
                    ..base
                },
            ],
            repair_below: 0.7,
            lost_digit_margin: 3.0,
            partial_number_digits: 5,
            glare_stretch_window: Some(1.0),
            ink: InkRowParams::default(),
            tesseract_padding: 0.5,
            tesseract_views: TessView::defaults(),
            word_views: TessView::word_defaults(),
            word_max_aspect: 4.0,
            tesseract_accept: 0.9,
            known_word_bonus: 1.5,
            try_upside_down: true,
            segment_gap: 0.45,
            flatten_lighting: true,
            flatten_floor: 0.6,
        }
    }
}

impl IdReadParams {
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

thread_local! {
    /// One [`IdModels`] per worker thread, until `Worker` carries it.
    static THREAD_MODELS: RefCell<Option<IdModels>> = const { RefCell::new(None) };
}

fn with_thread_models<T>(f: impl FnOnce(&mut IdModels) -> Result<T>) -> Result<T> {
    THREAD_MODELS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let models = IdModels::load(None, &RuntimeConfig::default())
                .map_err(PipelineError::inference)?;
            *slot = Some(models);
        }
        f(slot.as_mut().expect("loaded above"))
    })
}

/// True when the read's ID number passes all its rules: the sign that the card was read
/// the right way up (both readers retry the card turned 180 degrees otherwise).
pub(crate) fn number_valid(out: &Extraction, params: &IdReadParams) -> bool {
    out.get_str("idNumber")
        .is_some_and(|n| hawiya_documents::id_number::is_valid(n, params.today()))
}

/// Whether `digits` are as many as a whole number's, valid or not.
pub(crate) fn is_whole(digits: &str) -> bool {
    digits.chars().count() == id_number::LENGTH
}

/// Whether the read has a whole number (valid or not).
pub(crate) fn whole_number(out: &Extraction) -> bool {
    out.get_str(id_number::FIELD).is_some_and(is_whole)
}

/// `/v1/ocr/id/front`.
pub fn read_front(worker: &mut Worker, image: &RgbImage) -> Result<Extraction> {
    with_thread_models(|m| front::read(worker, m, image, &IdReadParams::default()))
}

/// `/v1/ocr/id/back`.
pub fn read_back(worker: &mut Worker, image: &RgbImage) -> Result<Extraction> {
    with_thread_models(|m| back::read(worker, m, image, &IdReadParams::default()))
}

/// Locates and rectifies the card (3011 when there is none).
pub fn locate(
    models: &mut IdModels,
    image: &RgbImage,
) -> Result<(RectifiedCard, serde_json::Value)> {
    let found = models.locator.locate(image, ID1_ASPECT)?;
    let info = serde_json::json!({
        "quad": found.quad,
        "confidence": found.confidence,
        "quarter_turns": found.quarter_turns,
    });
    let card = RectifiedCard::from_parts(found.rectified, found.quad).ok_or_else(|| {
        PipelineError::document(
            hawiya_documents::Code::CardNotDetected,
            "degenerate card outline",
        )
    })?;
    Ok((card, info))
}

/// How far a side of the outline is moved out where the card's number went unread, as a
/// share of the card's height: 0.15. The back's number stands about 0.11 of the height
/// from the top, the front's 0.1 from the bottom; on the dev photos where the locator
/// had put an edge of the card on an inner line (the edge lost against a pale background
/// or glare), the outline lay 0.05-0.14 inside.
pub const CUT_EDGE_GROWTH: f32 = 0.15;

/// The card with outline `q` rectified again with the top, then the bottom, moved out by
/// [`CUT_EDGE_GROWTH`] along its sides: where the locator cut a printed line off.
pub fn outlines_moved_out(image: &RgbImage, q: &crate::Quad) -> Vec<RectifiedCard> {
    [Edge::Top, Edge::Bottom]
        .into_iter()
        .filter_map(|edge| outline_moved_out(image, q, edge))
        .collect()
}

/// The top or the bottom edge of a card's outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Top,
    Bottom,
}

/// The card with one edge of its outline `q` moved out by [`CUT_EDGE_GROWTH`] of its
/// height along its sides, rectified again.
pub fn outline_moved_out(image: &RgbImage, q: &crate::Quad, edge: Edge) -> Option<RectifiedCard> {
    let out = |corner: [f32; 2], other: [f32; 2]| {
        [
            corner[0] + CUT_EDGE_GROWTH * (corner[0] - other[0]),
            corner[1] + CUT_EDGE_GROWTH * (corner[1] - other[1]),
        ]
    };
    let quad = match edge {
        Edge::Top => [out(q[0], q[3]), out(q[1], q[2]), q[2], q[3]],
        Edge::Bottom => [q[0], q[1], out(q[2], q[1]), out(q[3], q[0])],
    };
    rectify::rectify_with_corners(image, &quad)
}

/// The card with its lighting flattened ([`crate::preprocess::lighting_flattened`], at
/// the ink finder's radius and [`IdReadParams::flatten_floor`]): where glare greyed a line.
pub fn lighting_flattened(card: &RectifiedCard, params: &IdReadParams) -> Option<RectifiedCard> {
    let flat =
        crate::preprocess::lighting_flattened(&card.image, params.ink.radius, params.flatten_floor);
    RectifiedCard::from_parts(flat, card.quad)
}

/// The card turned by 180 degrees, with its corners relabelled to match.
pub fn turned_180(card: &RectifiedCard) -> Option<RectifiedCard> {
    let q = card.quad;
    RectifiedCard::from_parts(
        image::imageops::rotate180(&card.image),
        [q[2], q[3], q[0], q[1]],
    )
}

/// The stages both sides share, on one rectified card.
pub(crate) struct CardReader<'a> {
    pub worker: &'a mut Worker,
    pub models: &'a mut IdModels,
    pub card: &'a RectifiedCard,
    pub params: &'a IdReadParams,
    pub mask: Option<Vec<Vec<bool>>>,
    /// Tesseract's raw reads of this card, by what it was shown (see [`TessReadKey`]).
    tesseract_reads: HashMap<TessReadKey, (String, f32)>,
}

/// What one Tesseract read of a card was shown: the region, the view and the right
/// limit, as bits. Why: the licence readers read every group once in the view of
/// [`CardReader::arabic`], then read the fields again through the voted views, the
/// second of which is that same view; a read of the same pixels gives the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TessReadKey {
    region: [u32; 4],
    view: [u32; 6],
    right_limit: Option<u32>,
}

impl TessReadKey {
    fn new(region: &CardBox, view: &TessView, right_limit: Option<f32>) -> Self {
        TessReadKey {
            region: [region.x0, region.y0, region.x1, region.y1].map(f32::to_bits),
            view: [
                view.pad_x.to_bits(),
                view.pad_y.to_bits(),
                view.ink_height.map_or(u32::MAX, f32::to_bits),
                u32::from(view.binarize),
                view.border,
                u32::from(view.single_word),
            ],
            right_limit: right_limit.map(f32::to_bits),
        }
    }
}

/// One field's reading.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Read {
    pub text: String,
    pub confidence: f32,
    /// Where it was read, in card pixels.
    pub region: CardBox,
}

impl<'a> CardReader<'a> {
    pub fn new(
        worker: &'a mut Worker,
        models: &'a mut IdModels,
        card: &'a RectifiedCard,
        params: &'a IdReadParams,
    ) -> Self {
        CardReader {
            worker,
            models,
            card,
            params,
            mask: None,
            tesseract_reads: HashMap::new(),
        }
    }
    /// Text boxes on the card.
    pub fn boxes(&mut self) -> Result<Vec<CardBox>> {
        let (card, params) = (self.card, self.params);
        let lines = text_detect::detect(self.text_detector()?, &card.image, &params.detect)
            .map_err(PipelineError::inference)?;
        Ok(lines.iter().map(|l| CardBox::from_quad(&l.quad)).collect())
    }

    fn text_detector(&mut self) -> Result<&mut crate::runtime::OnnxModel> {
        self.worker.models.text_detector.as_mut().ok_or_else(|| {
            PipelineError::inference("the text detector (text_det.onnx) is not loaded")
        })
    }

    /// The text detector's boxes inside `area` (fractions of the card: x0, y0, x1, y1),
    /// in card pixels, the area shown to it scaled `scale` times: for small print in a
    /// small area, at a fraction of the whole card's cost.
    pub fn boxes_in(&mut self, area: (f32, f32, f32, f32), scale: f32) -> Result<Vec<CardBox>> {
        let (w, h) = (self.card.width(), self.card.height());
        let x0 = (area.0 * w).max(0.0) as u32;
        let y0 = (area.1 * h).max(0.0) as u32;
        let x1 = ((area.2 * w) as u32).min(self.card.image.width());
        let y1 = ((area.3 * h) as u32).min(self.card.image.height());
        if x1 <= x0 + 1 || y1 <= y0 + 1 {
            return Ok(Vec::new());
        }
        let crop = image::imageops::crop_imm(&self.card.image, x0, y0, x1 - x0, y1 - y0).to_image();
        let params = TextDetectParams {
            limit_side_len: (scale * (y1 - y0).min(x1 - x0) as f32).round() as u32,
            limit_type: LimitType::Min,
            ..self.params.detect.clone()
        };
        let lines = text_detect::detect(self.text_detector()?, &crop, &params)
            .map_err(PipelineError::inference)?;
        Ok(lines
            .iter()
            .map(|l| {
                let b = CardBox::from_quad(&l.quad);
                CardBox {
                    x0: b.x0 + x0 as f32,
                    y0: b.y0 + y0 as f32,
                    x1: b.x1 + x0 as f32,
                    y1: b.y1 + y0 as f32,
                }
            })
            .collect())
    }

    /// Word groups found from the ink inside `area` (fractions of the card: x0, y0, x1, y1).
    ///
    /// Why not only the detector: on rendered cards the PP-OCR detector, trained on
    /// Chinese and Latin print, dropped short Arabic words (`فنية`, `أنثى`) and cut the
    /// first letters of others, while the printed ink stands out clearly from the pale
    /// security print once the card is rectified.
    pub fn ink_boxes(&mut self, area: (f32, f32, f32, f32)) -> Vec<CardBox> {
        let (w, h) = (self.card.width(), self.card.height());
        let ink = &self.params.ink;
        let mask = self
            .mask
            .get_or_insert_with(|| ink_mask(&self.card.image, ink));
        let region = CardBox {
            x0: area.0 * w,
            y0: area.1 * h,
            x1: area.2 * w,
            y1: area.3 * h,
        };
        ink_rows(mask, &region, ink)
    }

    pub fn rows(&self, boxes: &[CardBox]) -> Vec<Row> {
        group_rows(boxes, &self.params.rows)
    }

    /// Arabic text of a region with Tesseract `ara` (one line, psm 7), normalised: one
    /// read, padded by [`IdReadParams::tesseract_padding`] (the licence readers' view).
    pub fn arabic(&mut self, region: &CardBox) -> Result<Read> {
        let view = self.scan_view();
        self.arabic_view(region, &view)
    }

    /// The view of a single read ([`CardReader::arabic`]): the crop as it stands, padded.
    fn scan_view(&self) -> TessView {
        TessView {
            pad_x: self.params.tesseract_padding,
            pad_y: self.params.tesseract_padding * 0.5,
            ink_height: None,
            binarize: false,
            border: 0,
            single_word: false,
        }
    }

    /// One Tesseract read of `region` as `view` presents it, normalised.
    pub fn arabic_view(&mut self, region: &CardBox, view: &TessView) -> Result<Read> {
        let mut read = self.arabic_view_raw(region, view, None)?;
        read.text = normalize_text(&read.text);
        Ok(read)
    }

    /// [`CardReader::arabic_view`] with Tesseract's text as it came (direction marks kept).
    /// The padding right of `right_limit` (card x), if given, is painted paper-white.
    fn arabic_view_raw(
        &mut self,
        region: &CardBox,
        view: &TessView,
        right_limit: Option<f32>,
    ) -> Result<Read> {
        let key = TessReadKey::new(region, view, right_limit);
        if let Some((text, confidence)) = self.tesseract_reads.get(&key) {
            return Ok(Read {
                text: text.clone(),
                confidence: *confidence,
                region: *region,
            });
        }
        let read = self.arabic_view_uncached(region, view, right_limit)?;
        self.tesseract_reads
            .insert(key, (read.text.clone(), read.confidence));
        Ok(read)
    }

    /// [`CardReader::arabic_view_raw`] without the memo.
    fn arabic_view_uncached(
        &mut self,
        region: &CardBox,
        view: &TessView,
        right_limit: Option<f32>,
    ) -> Result<Read> {
        let empty = Read {
            text: String::new(),
            confidence: 0.0,
            region: *region,
        };
        let Some((crop, _, _)) = self.view_crop(region, view, right_limit) else {
            return Ok(empty);
        };
        let mode = if view.single_word {
            PageSegMode::PsmSingleWord
        } else {
            PageSegMode::PsmSingleLine
        };
        let tess = self.worker.tesseract().map_err(PipelineError::inference)?;
        let line = tess
            .recognize_line(&crop, TessLang::Ara, mode, None)
            .map_err(PipelineError::inference)?;
        Ok(Read {
            text: line.text,
            confidence: line.confidence,
            ..empty
        })
    }

    /// The words of `region` as the scan's view ([`CardReader::arabic`]) reads them,
    /// normalised, each with its span on the card (x0, x1), right to left.
    pub fn arabic_word_spans(&mut self, region: &CardBox) -> Result<Vec<(String, f32, f32)>> {
        let view = self.scan_view();
        let Some((crop, r, scale)) = self.view_crop(region, &view, None) else {
            return Ok(Vec::new());
        };
        let tess = self.worker.tesseract().map_err(PipelineError::inference)?;
        let words = tess
            .recognize_words(&crop, TessLang::Ara, PageSegMode::PsmSingleLine)
            .map_err(PipelineError::inference)?;
        let mut spans: Vec<(String, f32, f32)> = words
            .into_iter()
            .map(|w| {
                let x = |c: u32| r.x0 + c as f32 / scale;
                (normalize_text(&w.text), x(w.x0), x(w.x1))
            })
            .filter(|(t, _, _)| !t.is_empty())
            .collect();
        spans.sort_by(|a, b| b.2.total_cmp(&a.2));
        Ok(spans)
    }

    /// The image Tesseract reads for `region` in `view`, with the card box it shows and
    /// its scale (image pixels per card pixel). `None` where the crop is empty.
    fn view_crop(
        &self,
        region: &CardBox,
        view: &TessView,
        right_limit: Option<f32>,
    ) -> Option<(RgbImage, CardBox, f32)> {
        // Tesseract drops the first letters of a line cropped tight to its ink (short
        // names came back as `ية` for `فتحية`): leave it a border.
        let ink_h = region.height().max(1.0);
        let r = region.grown(ink_h * view.pad_x, ink_h * view.pad_y);
        let scale = view
            .ink_height
            .map_or(1.0, |target| (target / ink_h).clamp(0.5, 4.0));
        let (w, h) = (
            (r.width() * scale).round().max(1.0) as u32,
            (r.height() * scale).round().max(1.0) as u32,
        );
        let mut crop = crate::geometry::perspective_crop(&self.card.image, &r.quad(), w, h)?;
        if let Some(limit) = right_limit.filter(|l| *l < r.x1) {
            let from = (((limit - r.x0) * scale).max(0.0) as u32).min(w);
            let paper = paper_level(&crop);
            for y in 0..h {
                for x in from..w {
                    crop.put_pixel(x, y, paper);
                }
            }
        }
        if view.binarize {
            crop = binarized(&crop);
        }
        if view.border > 0 {
            let b = view.border;
            let mut framed =
                RgbImage::from_pixel(w + 2 * b, h + 2 * b, image::Rgb([255, 255, 255]));
            image::imageops::overlay(&mut framed, &crop, b as i64, b as i64);
            crop = framed;
        }
        Some((crop, r, scale))
    }

    /// Arabic text of a region read through the views of [`IdReadParams::tesseract_views`]
    /// in turn, cleaned by `clean`: the first read at or above
    /// [`IdReadParams::tesseract_accept`] is taken, otherwise the reads vote (see
    /// [`vote_reads`]).
    ///
    /// Why: `ara` (tessdata_fast) misreads short clean words now in one view, now in
    /// another (`سامي` as `ساي`, `عطية` reversed as `ةيطع`), and its confidence tells:
    /// on 137 synthetic name lines (seed 4242), right reads averaged 0.88, wrong ones
    /// 0.54. One view read 67-75% of first names exactly, the vote 82%.
    pub fn arabic_voted(
        &mut self,
        region: &CardBox,
        clean: impl Fn(&str) -> String,
    ) -> Result<Read> {
        self.arabic_voted_within(region, clean, None)
    }

    /// [`CardReader::arabic_voted`], with nothing right of `right_limit` (card x) shown
    /// to Tesseract: the padding would otherwise take in ink that belongs to another
    /// field (the house number right of the street).
    pub fn arabic_voted_within(
        &mut self,
        region: &CardBox,
        clean: impl Fn(&str) -> String,
        right_limit: Option<f32>,
    ) -> Result<Read> {
        self.voted(region, clean, right_limit, None)
    }

    /// [`CardReader::arabic_voted`] for a line of names: a view's sure read is taken
    /// early only when `known` knows every word of it, and in the vote a word `known`
    /// knows counts [`IdReadParams::known_word_bonus`] extra.
    ///
    /// Why: most misreads of a name are one letter off (`محمب` for `محمد`), while most
    /// Egyptian names are common ones; a dictionary of them (`translit`) tells which of
    /// the views' readings is a name. A name it does not know is read as before.
    pub fn arabic_voted_names(
        &mut self,
        region: &CardBox,
        clean: impl Fn(&str) -> String,
        known: fn(&str) -> bool,
    ) -> Result<Read> {
        self.voted(region, clean, None, Some(known))
    }

    /// The trained name reader's read of a name row, when its model is loaded.
    pub(crate) fn trained_name(&mut self, row: &CardBox) -> Result<Option<name_reader::NameRead>> {
        let Some(reader) = self.models.names.as_mut() else {
            return Ok(None);
        };
        reader
            .read(&self.card.image, &name_line_quad(row))
            .map_err(PipelineError::inference)
    }

    /// A job line's value: Tesseract's read `text` (confidence `confidence`) snapped to
    /// the list of jobs, put in `gender`'s form (the card prints the printed gender's:
    /// `فنية` for a woman); where the read is not a job as it stands, the trained
    /// reader's likeliest job on `row` where [`job_by_reader`] takes it; else the read as
    /// it is. A job chosen against the read answers at most 0.6.
    pub(crate) fn job(
        &mut self,
        text: &str,
        confidence: f32,
        row: &CardBox,
        gender: Option<Gender>,
    ) -> Result<(String, f32)> {
        let in_form = |job: &'static str| match gender {
            Some(g) => vocab::job_in_gender(job, g).unwrap_or(job),
            None => job,
        };
        let snapped = vocab::snap_job(text).map(in_form);
        let exact =
            snapped.is_some_and(|s| normalize_for_matching(s) == normalize_for_matching(text));
        // A read that is a job as it stands is kept: the trained reader, which never saw
        // a job line, drops a final `ة` more often than Tesseract.
        if exact {
            return Ok((snapped.unwrap_or(text).to_string(), confidence));
        }
        let mut candidates: Vec<&'static str> =
            vocab::JOBS.iter().map(|j| in_form(j.arabic)).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let job = match self.trained_scores(row, candidates)? {
            Some(scores) => job_by_reader(snapped, &scores, &JobByReader::default()),
            None => snapped,
        };
        let confidence = match job == snapped {
            true => confidence,
            false => confidence.min(0.6),
        };
        Ok((job.unwrap_or(text).to_string(), confidence))
    }

    /// How likely the trained name reader finds each of `words` on the row (natural log,
    /// see [`crate::ctc::log_likelihood`]), most likely first; words with a
    /// character outside its alphabet are left out. `None` when its model is not loaded.
    pub(crate) fn trained_scores<'w>(
        &mut self,
        row: &CardBox,
        words: impl IntoIterator<Item = &'w str>,
    ) -> Result<Option<Vec<(&'w str, f32)>>> {
        let Some(reader) = self.models.names.as_mut() else {
            return Ok(None);
        };
        let probs = reader
            .probabilities(&self.card.image, &name_line_quad(row))
            .map_err(PipelineError::inference)?;
        let Some(probs) = probs else {
            return Ok(None);
        };
        let mut scores: Vec<(&str, f32)> = words
            .into_iter()
            .filter_map(|w| {
                let labels = name_reader::label_sequence(w)?;
                Some((w, crate::ctc::log_likelihood(probs.view(), &labels)))
            })
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(Some(scores))
    }

    /// The voted read behind [`CardReader::arabic_voted_within`] and
    /// [`CardReader::arabic_voted_names`], with both options.
    pub(crate) fn voted(
        &mut self,
        region: &CardBox,
        clean: impl Fn(&str) -> String,
        right_limit: Option<f32>,
        known: Option<fn(&str) -> bool>,
    ) -> Result<Read> {
        let p = self.params;
        let word_like = region.width() <= p.word_max_aspect * region.height();
        // The one-word views come first, so their reads are the first `word_count`.
        let word_count = if word_like { p.word_views.len() } else { 0 };
        let views: Vec<TessView> = p.word_views[..word_count]
            .iter()
            .chain(&p.tesseract_views)
            .copied()
            .collect();
        let mut reads: Vec<(String, f32)> = Vec::with_capacity(views.len());
        for view in &views {
            let read = self.arabic_view_raw(region, view, right_limit)?;
            let text = clean(&normalize_text(&unreverse_ltr_words(&read.text)));
            if view.single_word {
                reads.push((text, read.confidence));
                continue;
            }
            // A short word's line reads can be sure and wrong, all alike (`فية` at 0.91
            // for `صحفية`, which every one-word view read): there a sure line read must
            // also be one of the one-word reads, or all views vote.
            let confirmed = !word_like || reads[..word_count].iter().any(|(t, _)| *t == text);
            if confirmed
                && !text.is_empty()
                && sure_read(&text, read.confidence, self.params.tesseract_accept, known)
            {
                return Ok(Read {
                    text,
                    confidence: read.confidence,
                    region: *region,
                });
            }
            reads.push((text, read.confidence));
            if vote_decided(
                &reads,
                views.len(),
                known.map_or(0.0, |_| p.known_word_bonus),
            ) {
                break;
            }
        }
        let (mut text, mut confidence) = match known {
            Some(k) => vote_reads_known(&reads, k, self.params.known_word_bonus),
            None => vote_reads(&reads),
        };
        // Line views can drop the start of a short word, all alike (`فية` for `صحفية`);
        // none adds letters. When the one-word views agree on a longer word that ends
        // with the vote's, theirs is the word.
        if let Some((word, conf)) = majority_read(&reads[..word_count]) {
            if word.chars().count() > text.chars().count() && word.ends_with(&text) {
                text = word;
                confidence = conf;
            }
        }
        Ok(Read {
            text,
            confidence,
            region: *region,
        })
    }

    /// Reads a digit line, trying the crops of [`IdReadParams::digit_crops`] until
    /// `accept` takes a read; otherwise the surest read.
    pub fn digits(
        &mut self,
        region: &CardBox,
        accept: impl Fn(&DigitRead) -> bool,
    ) -> Result<Option<(DigitRead, CardBox)>> {
        let mut best: Option<DigitRead> = None;
        let quad = region.quad();
        // Kept for the stretched retry below; cut one at a time, as most lines are read
        // from the first.
        let params = self.params;
        let mut crops: Vec<GrayImage> = Vec::with_capacity(params.digit_crops.len());
        for crop_params in &params.digit_crops {
            let Some(crop) = crop_digit_line(&self.card.image, &quad, crop_params) else {
                continue;
            };
            let read = self.read_digit_crop(&crop.image)?;
            if accept(&read) {
                return Ok(Some((read, *region)));
            }
            if best.as_ref().is_none_or(|b| read.confidence > b.confidence) {
                best = Some(read);
            }
            crops.push(crop.image);
        }
        // No crop read acceptably: the same crops stretched locally, for digits greyed
        // by glare over part of the line. Only here, so reads that pass are unchanged.
        if let Some(window) = params.glare_stretch_window {
            for crop in &crops {
                let window = (window * crop.height() as f32).round() as u32;
                let read = self.read_digit_crop(&locally_stretched(crop, window, 32))?;
                if accept(&read) {
                    return Ok(Some((read, *region)));
                }
            }
        }
        Ok(best.filter(|b| !b.text.is_empty()).map(|b| (b, *region)))
    }

    /// The digit recogniser's read of one upright crop of a digit line.
    fn read_digit_crop(&mut self, crop: &GrayImage) -> Result<DigitRead> {
        Ok(self
            .models
            .digits
            .recognize_prepared(&[prepare_input(crop)])
            .map_err(PipelineError::inference)?
            .pop()
            .unwrap_or_default())
    }

    /// The number read on the text detector's number row (`detected_row`) takes the place
    /// of the ink's (`number` on `number_row`) where it is valid, or where the ink gave
    /// none; a row the ink already read is not read again.
    pub(crate) fn prefer_detected_number(
        &mut self,
        number: &mut Option<IdNumberRead>,
        number_row: &mut Option<Row>,
        detected_row: Option<Row>,
    ) -> Result<()> {
        let detected_number = match &detected_row {
            Some(row) if Some(row) != number_row.as_ref() => self.id_number(&row.bounds)?,
            _ => None,
        };
        if detected_number
            .as_ref()
            .is_some_and(|d| d.parsed.is_ok() || number.is_none())
        {
            *number = detected_number;
            *number_row = detected_row;
        }
        Ok(())
    }

    /// Reads the 14-digit number in `region`, with retries and a guarded one-digit repair.
    pub fn id_number(&mut self, region: &CardBox) -> Result<Option<IdNumberRead>> {
        let today = self.params.today();
        let valid = |r: &DigitRead| id_number::is_valid(&r.text, today);
        let Some((mut read, mut region)) = self.digits(region, valid)? else {
            return Ok(None);
        };
        let found = read.text.chars().count();
        if !valid(&read) && (self.params.partial_number_digits..id_number::LENGTH).contains(&found)
        {
            // Part of the number: the rest greyed by glare, beyond the box. The box grown
            // by the digits missing, at the pitch of those read, to the left, to the
            // right, and half to each side; the first that reads a valid number.
            let pitch = region.width() / found as f32;
            let missing = (id_number::LENGTH - found) as f32 * pitch;
            let card_width = self.card.width();
            for (left, right) in [
                (missing, 0.0),
                (0.0, missing),
                (missing / 2.0, missing / 2.0),
            ] {
                let grown = CardBox {
                    x0: (region.x0 - left).max(0.0),
                    x1: (region.x1 + right).min(card_width - 1.0),
                    ..region
                };
                if let Some((other, other_region)) = self.digits(&grown, valid)? {
                    if valid(&other) {
                        (read, region) = (other, other_region);
                        break;
                    }
                }
            }
        }
        let mut digits = read.text.clone();
        let mut repaired = false;
        if !id_number::is_valid(&digits, today) {
            let fixed = if digits.len() == id_number::LENGTH {
                repair(&read, today, self.params.repair_below)
            } else {
                one_digit_lost_or_doubled(&read, today, self.params.lost_digit_margin)
            };
            if let Some(fixed) = fixed {
                digits = fixed;
                repaired = true;
            }
        }
        Ok(Some(IdNumberRead {
            parsed: id_number::parse(&digits, today),
            digits,
            confidence: if repaired {
                read.confidence.min(0.5)
            } else {
                read.confidence
            },
            region,
        }))
    }

    /// A card region on the input image.
    pub fn input_quad(&self, region: &CardBox) -> crate::Quad {
        self.card.to_input_quad(&region.quad())
    }

    /// Pushes a field with its confidence and input-image box.
    pub fn push(
        &self,
        out: &mut Extraction,
        name: &str,
        value: serde_json::Value,
        confidence: f32,
        region: Option<&CardBox>,
    ) {
        let field = out.push(name, value);
        field.confidence = Some(confidence.clamp(0.0, 1.0));
        field.bbox = region.map(|r| self.input_quad(r));
    }
}

/// What the trained name reader is shown of a row. The row box hugs the letters'
/// bodies; dots and ascenders stand above it, and the reader learned lines with their
/// dots inside a margin (with 0.1 of the height the dots were cut and first names fell
/// to 67% on dev seed 4242).
fn name_line_quad(row: &CardBox) -> crate::Quad {
    let h = row.height();
    row.grown(0.2 * h, 0.3 * h).quad()
}

/// When the trained reader's choice of job overrides Tesseract's read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobByReader {
    /// How much likelier (natural log) the reader's job must be than every other job and
    /// than the snapped read. Default 2 (more than 7 times as likely).
    pub margin: f32,
    /// The least log-likelihood at which the reader's job is taken at all. Default -30:
    /// on dev backs (seeds 4242, 5151) the jobs it got right scored -0.001 to -27, and a
    /// line of junk (`رةة`) -38.
    pub floor: f32,
}

impl Default for JobByReader {
    fn default() -> Self {
        JobByReader {
            margin: 2.0,
            floor: -30.0,
        }
    }
}

/// The job from Tesseract's read snapped to the list (`snapped`) and the trained
/// reader's likelihood of every job on the row (`scores`, most likely first): the
/// reader's likeliest job where it is at least [`JobByReader::floor`] and stands
/// [`JobByReader::margin`] above every other job and above the snapped one; else the
/// snapped read.
pub(crate) fn job_by_reader(
    snapped: Option<&'static str>,
    scores: &[(&'static str, f32)],
    params: &JobByReader,
) -> Option<&'static str> {
    let JobByReader { margin, floor } = *params;
    let Some(&(best, likelihood)) = scores.first() else {
        return snapped;
    };
    let second = scores.get(1).map_or(f32::NEG_INFINITY, |s| s.1);
    let of_snapped = snapped.map_or(f32::NEG_INFINITY, |s| {
        scores
            .iter()
            .find(|(j, _)| *j == s)
            .map_or(f32::NEG_INFINITY, |x| x.1)
    });
    if snapped == Some(best)
        || likelihood < floor
        || likelihood - second < margin
        || likelihood - of_snapped < margin
    {
        return snapped;
    }
    Some(best)
}

/// One way of presenting a text line to Tesseract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TessView {
    /// Card pixels kept left and right of the ink, in ink heights.
    pub pad_x: f32,
    /// Card pixels kept above and below the ink, in ink heights.
    pub pad_y: f32,
    /// Scale the crop so that the ink is this many pixels tall (the scale kept within
    /// 0.5-4). `None`: card pixels as they are (names are 25-40 px tall on the 1000 px card).
    pub ink_height: Option<f32>,
    /// Black and white at the crop's Otsu level (before Tesseract's own thresholding,
    /// which on small crops joined letters).
    pub binarize: bool,
    /// White pixels added around the crop.
    pub border: u32,
    /// Read as one word (Tesseract's page segmentation mode 8) instead of one line
    /// (mode 7). See [`IdReadParams::word_views`].
    pub single_word: bool,
}

impl TessView {
    /// The default views of [`IdReadParams::tesseract_views`].
    pub fn defaults() -> Vec<TessView> {
        let v = |pad: f32, ink_height: Option<f32>, binarize: bool, border: u32| TessView {
            pad_x: pad,
            pad_y: pad * 0.5,
            ink_height,
            binarize,
            border,
            single_word: false,
        };
        vec![
            v(1.0, None, true, 0),
            v(0.5, None, false, 0),
            v(1.0, Some(40.0), true, 0),
            v(0.5, None, true, 0),
            v(1.0, None, true, 10),
            v(1.0, Some(30.0), false, 0),
        ]
    }

    /// The default views of [`IdReadParams::word_views`]: the first three line views,
    /// read as one word.
    pub fn word_defaults() -> Vec<TessView> {
        Self::defaults()
            .into_iter()
            .take(3)
            .map(|v| TessView {
                single_word: true,
                ..v
            })
            .collect()
    }
}

/// Words Tesseract took for left-to-right text come out in visual order, reversed
/// (`ناميلس` for `سليمان`, `ةيطع` for `عطية`), and marked with a left-to-right mark
/// (U+200E) where no right-to-left mark (U+200F) wraps them: such words are turned back.
/// On 137 name lines (seed 4242) one view in twenty came back so.
pub fn unreverse_ltr_words(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let letters = w
                .chars()
                .filter(|c| hawiya_documents::arabic::is_arabic_letter(*c))
                .count();
            if w.contains('\u{200E}') && !w.contains('\u{200F}') && letters >= 2 {
                w.chars().filter(|&c| c != '\u{200E}').rev().collect()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The paper's colour in a crop: its grey level at the 90th percentile.
fn paper_level(crop: &RgbImage) -> image::Rgb<u8> {
    let mut levels: Vec<u8> = crop
        .pixels()
        .map(|p| ((p.0[0] as u32 * 3 + p.0[1] as u32 * 6 + p.0[2] as u32) / 10) as u8)
        .collect();
    if levels.is_empty() {
        return image::Rgb([255, 255, 255]);
    }
    let i = levels.len() * 9 / 10;
    let v = *levels.select_nth_unstable(i).1;
    image::Rgb([v, v, v])
}

/// The crop in black and white at its Otsu level.
fn binarized(crop: &RgbImage) -> RgbImage {
    let gray = crate::preprocess::card_grey(crop);
    let t = crate::preprocess::otsu_level(&gray);
    RgbImage::from_fn(crop.width(), crop.height(), |x, y| {
        let v = if gray.get_pixel(x, y).0[0] <= t {
            0
        } else {
            255
        };
        image::Rgb([v, v, v])
    })
}

/// Whether one read may be taken without a vote: it is at least `accept` sure and, for a
/// line of names, `known` knows every word of it.
pub(crate) fn sure_read(
    text: &str,
    confidence: f32,
    accept: f32,
    known: Option<fn(&str) -> bool>,
) -> bool {
    confidence >= accept && known.is_none_or(|k| text.split(' ').all(k))
}

/// Combines reads of one line `(text, confidence)`: the word count most reads agree on
/// (the larger on a tie), then word by word the word most of those reads agree on, ties
/// to the larger summed confidence. The confidence is the best of the reads that say
/// the result, else their mean halved.
pub fn vote_reads(reads: &[(String, f32)]) -> (String, f32) {
    vote_reads_with(reads, |_| 0.0)
}

/// True when the views still to come (of `views` in all) cannot change what
/// [`vote_reads_with`] makes of `reads`: every read so far says the same non-empty text,
/// and there are more of them than the later reads together with a known word's `bonus`
/// could outvote, in the word count or in any word. Why: on licences most voted fields
/// went through all six line views, mostly saying the same thing; the reads left are
/// then skipped (the text is the same, its confidence the best of fewer reads).
fn vote_decided(reads: &[(String, f32)], views: usize, bonus: f32) -> bool {
    let Some((first, _)) = reads.first() else {
        return false;
    };
    let later = views.saturating_sub(reads.len());
    !first.is_empty()
        && reads.iter().all(|(t, _)| t == first)
        && reads.len() as f32 > later as f32 + bonus
}

/// The read most of `reads` agree on (more than half of them, not empty), with their
/// mean confidence.
fn majority_read(reads: &[(String, f32)]) -> Option<(String, f32)> {
    reads.iter().find_map(|(t, _)| {
        let same: Vec<f32> = reads
            .iter()
            .filter(|(o, _)| o == t)
            .map(|(_, c)| *c)
            .collect();
        (!t.is_empty() && same.len() * 2 > reads.len())
            .then(|| (t.clone(), same.iter().sum::<f32>() / same.len() as f32))
    })
}

/// [`vote_reads`], where a word `known` knows gets `bonus` extra votes.
pub fn vote_reads_known(
    reads: &[(String, f32)],
    known: fn(&str) -> bool,
    bonus: f32,
) -> (String, f32) {
    vote_reads_with(reads, |w| if known(w) { bonus } else { 0.0 })
}

fn vote_reads_with(reads: &[(String, f32)], extra: impl Fn(&str) -> f32) -> (String, f32) {
    use std::collections::HashMap;
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for (t, _) in reads.iter().filter(|(t, _)| !t.is_empty()) {
        *counts.entry(t.split(' ').count()).or_default() += 1;
    }
    let Some((&n, _)) = counts.iter().max_by_key(|(n, c)| (**c, **n)) else {
        return (String::new(), 0.0);
    };
    let rows: Vec<(Vec<&str>, f32)> = reads
        .iter()
        .filter(|(t, _)| !t.is_empty() && t.split(' ').count() == n)
        .map(|(t, c)| (t.split(' ').collect(), *c))
        .collect();
    let words: Vec<&str> = (0..n)
        .map(|j| {
            let mut tally: Vec<(&str, usize, f32)> = Vec::new();
            for (ws, c) in &rows {
                match tally.iter_mut().find(|(w, _, _)| *w == ws[j]) {
                    Some(e) => {
                        e.1 += 1;
                        e.2 += c;
                    }
                    None => tally.push((ws[j], 1, *c)),
                }
            }
            tally
                .into_iter()
                .max_by(|a, b| {
                    let votes = |e: &(&str, usize, f32)| e.1 as f32 + extra(e.0);
                    votes(a).total_cmp(&votes(b)).then(a.2.total_cmp(&b.2))
                })
                .map_or("", |e| e.0)
        })
        .collect();
    let text = words.join(" ");
    let agreeing = reads
        .iter()
        .filter(|(t, _)| *t == text)
        .map(|(_, c)| *c)
        .fold(None, |m: Option<f32>, c| Some(m.map_or(c, |m| m.max(c))));
    let confidence = agreeing.unwrap_or_else(|| {
        reads.iter().map(|(_, c)| c).sum::<f32>() / reads.len().max(1) as f32 * 0.5
    });
    (text, confidence)
}

/// The valid 14-digit number one digit added to or dropped from `read` (13 or 15
/// digits) that the recogniser finds likeliest, by `margin` nats over the next valid
/// one, within [`LOST_DIGIT_SLACK`] of the likeliest text of all, each of its digits
/// seen ([`SEEN_DIGIT_MARGIN`]); see [`IdReadParams::lost_digit_margin`].
fn one_digit_lost_or_doubled(read: &DigitRead, today: NaiveDate, margin: f32) -> Option<String> {
    if !margin.is_finite() {
        return None;
    }
    let text: Vec<char> = read.text.chars().collect();
    let candidates: Vec<String> = match text.len().checked_sub(id_number::LENGTH - 1)? {
        // A digit lost: every digit at every place.
        0 => (0..=text.len())
            .flat_map(|at| {
                let text = &text;
                ('0'..='9').map(move |d| {
                    let mut t = text.clone();
                    t.insert(at, d);
                    t.into_iter().collect()
                })
            })
            .collect(),
        // A digit doubled: each dropped in turn.
        2 => (0..text.len())
            .map(|at| {
                let mut t = text.clone();
                t.remove(at);
                t.into_iter().collect()
            })
            .collect(),
        _ => return None,
    };
    let likelihood = |text: &str| {
        crate::digits::labels(text).map_or(f32::NEG_INFINITY, |labels| {
            crate::ctc::log_likelihood(read.probabilities.view(), &labels)
        })
    };
    let mut scored: Vec<(f32, String)> = candidates
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|c| (likelihood(&c), c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let likeliest = scored.first()?.0;
    let mut valid = scored.iter().filter(|(_, c)| id_number::is_valid(c, today));
    let (best, runner_up) = (valid.next()?, valid.next());
    let clear = runner_up.is_none_or(|r| best.0 - r.0 >= margin);
    let plausible = best.0.is_finite() && best.0 >= likeliest - LOST_DIGIT_SLACK;
    if !(clear && plausible) {
        return None;
    }
    // Every digit of it seen: likelier than the same number with any one digit changed
    // (by `SEEN_DIGIT_MARGIN`). A digit cut off at the crop's edge is seen by nobody,
    // and the check digit alone would choose it.
    let digits: Vec<char> = best.1.chars().collect();
    let seen = (0..digits.len()).all(|at| {
        ('0'..='9').filter(|&d| d != digits[at]).all(|d| {
            let mut other = digits.clone();
            other[at] = d;
            best.0 - likelihood(&other.into_iter().collect::<String>()) >= SEEN_DIGIT_MARGIN
        })
    });
    seen.then(|| best.1.clone())
}

/// How far (nats) below the likeliest 14-digit text one digit from a 13- or 15-digit
/// read the valid number taken for it may be: 1.0. On the dev card whose `٠٠` read as
/// one `٠`, the number printed came within 0.15 of the likeliest (an invalid text) or
/// was it; another valid number was 6 nats further down.
pub const LOST_DIGIT_SLACK: f32 = 1.0;

/// How much (nats) likelier the valid number taken for a 13- or 15-digit read must be
/// than the same number with any one digit changed: 1.0. On dev card 6161_191 every
/// digit stood 2.2 nats or more above any other in its place; on a dev driving licence
/// whose number's last digit the crop cut off, the check digit's choice there stood
/// 0.14 nats below another digit (the number is then read from the next region, whole).
pub const SEEN_DIGIT_MARGIN: f32 = 1.0;

/// The one-digit repair of an invalid 14-digit read: only at the least sure position,
/// only to its runner-up class, only when that position was doubtful.
fn repair(read: &DigitRead, today: NaiveDate, below: f32) -> Option<String> {
    let (pos, &conf) = read
        .char_confidences
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    if conf >= below {
        return None;
    }
    let alt = read.alternatives.get(pos)?.0;
    let mut chars: Vec<char> = read.text.chars().collect();
    chars[pos] = alt;
    let candidate: String = chars.into_iter().collect();
    id_number::is_valid(&candidate, today).then_some(candidate)
}

/// The ID number as read.
#[derive(Debug, Clone)]
pub struct IdNumberRead {
    pub digits: String,
    pub confidence: f32,
    pub region: CardBox,
    pub parsed: std::result::Result<NationalId, IdNumberError>,
}

/// What the number encodes, even when it breaks a rule (a wrong check digit still
/// encodes a birth date): `(dateOfBirth, govern, gender)`.
pub fn derived_fields(
    digits: &str,
    today: NaiveDate,
) -> (Option<String>, Option<&'static str>, Option<Gender>) {
    if let Ok(id) = id_number::parse(digits, today) {
        return (
            Some(id.birth_date_iso()),
            Some(id.governorate.arabic),
            Some(id.gender),
        );
    }
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != id_number::LENGTH {
        return (None, None, None);
    }
    let century = match d[0] {
        2 => Some(1900),
        3 => Some(2000),
        _ => None,
    };
    let birth = century
        .and_then(|c| {
            NaiveDate::from_ymd_opt(
                c + (d[1] * 10 + d[2]) as i32,
                d[3] * 10 + d[4],
                d[5] * 10 + d[6],
            )
        })
        .filter(|b| *b <= today)
        .map(|b| b.format("%Y-%m-%d").to_string());
    let gov = governorates::by_code((d[7] * 10 + d[8]) as u8).map(|g| g.arabic);
    let gender = Some(if d[12] % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    });
    (birth, gov, gender)
}

/// Words that really end in alef maqsura (`ى`): names and common address words.
const MAQSURA_WORDS: &[&str] = &[
    "مصطفى",
    "موسى",
    "عيسى",
    "يحيى",
    "مرتضى",
    "مجتبى",
    "هدى",
    "منى",
    "سلمى",
    "ليلى",
    "نهى",
    "بشرى",
    "لبنى",
    "رضوى",
    "سلوى",
    "نجوى",
    "ندى",
    "جنى",
    "يمنى",
    "ذكرى",
    "تقوى",
    "يسرى",
    "سعدى",
    "شورى",
    "الكبرى",
    "الصغرى",
    "الوسطى",
    "الأقصى",
    "مستشفى",
    "المصطفى",
    "إلى",
    "حتى",
];

/// Tesseract's `ara` reads a word-final `ي` as `ى` more often than not (the two differ
/// by two small dots). Cards print names the way they are registered, and Egyptian
/// registrations end most words in `ي` (`حلمي`, `علي`), so a final `ى` becomes `ي`
/// unless the word is one that really ends in `ى`.
pub fn final_ya(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if w.ends_with('ى') && !MAQSURA_WORDS.contains(&w) {
                let mut s: String = w.chars().collect();
                s.pop();
                s.push('ي');
                s
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Male names that really end in `ه` (ta marbuta is the rule for the rest).
const HA_NAMES: &[&str] = &["طه", "وجيه", "نبيه", "عبده", "فقيه", "شريه", "سيبويه"];

/// Names and job words: [`final_ya`], and a word-final `ه` read for `ة` turned back
/// (`رحمه` for `رحمة`: Tesseract often drops the two dots), except `الله` compounds
/// and the few names that end in `ه`.
pub fn names_fix(text: &str) -> String {
    final_ya(text)
        .split(' ')
        .map(|w| {
            if w.chars().count() > 2
                && w.ends_with('ه')
                && !w.ends_with("له")
                && !HA_NAMES.contains(&w)
            {
                let mut s: String = w.chars().collect();
                s.pop();
                s.push('ة');
                s
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vote_is_decided_only_when_later_reads_cannot_change_it() {
        let reads = |texts: &[&str]| -> Vec<(String, f32)> {
            texts.iter().map(|t| (t.to_string(), 0.8)).collect()
        };
        // Four of six alike: the last two cannot outvote them.
        assert!(vote_decided(&reads(&["مصري"; 4]), 6, 0.0));
        assert!(!vote_decided(&reads(&["مصري"; 3]), 6, 0.0));
        // With a known word's bonus the last two could (2 + 1.5 votes against 3).
        assert!(!vote_decided(&reads(&["مصري"; 3]), 5, 1.5));
        assert!(vote_decided(&reads(&["مصري"; 4]), 6, 1.5));
        // Disagreement or nothing read decides nothing.
        assert!(!vote_decided(
            &reads(&["مصري", "مصري", "مصري", "مصرى"]),
            6,
            0.0
        ));
        assert!(!vote_decided(&reads(&["", "", "", ""]), 6, 0.0));
        // And a decided vote says what the full vote would.
        let full = reads(&["مصري", "مصري", "مصري", "مصري", "مصرى", "مصرى"]);
        assert_eq!(vote_reads(&full).0, vote_reads(&full[..4]).0);
    }

    #[test]
    fn cut_outlines_grow_at_the_top_then_the_bottom() {
        let image = RgbImage::new(1200, 900);
        let quad = [
            [100.0, 200.0],
            [900.0, 200.0],
            [900.0, 700.0],
            [100.0, 700.0],
        ];
        let grown = outlines_moved_out(&image, &quad);
        assert_eq!(grown.len(), 2);
        // 15% of the 500 px sides: the top up to 125, then the bottom down to 775.
        assert_eq!(grown[0].quad[0], [100.0, 125.0]);
        assert_eq!(grown[0].quad[3], [100.0, 700.0]);
        assert_eq!(grown[1].quad[1], [900.0, 200.0]);
        assert_eq!(grown[1].quad[2], [900.0, 775.0]);
        assert_eq!(grown[1].image.width(), rectify::CARD_WIDTH);
    }

    #[test]
    fn the_readers_job_wins_only_by_a_margin_above_a_floor() {
        let p = JobByReader::default();
        // Dev card 5151_4: `مرج` snaps to no job; the reader is sure of `مبرمج`.
        let scores = [("مبرمج", -5.8), ("مبرمجة", -30.2), ("مراجع", -44.4)];
        assert_eq!(job_by_reader(None, &scores, &p), Some("مبرمج"));
        // 5151_20: `فية` snapped to `فنية`, the reader's `صحفية` 9 nats likelier.
        let scores = [("صحفية", -12.4), ("فنية", -21.8)];
        assert_eq!(job_by_reader(Some("فنية"), &scores, &p), Some("صحفية"));
        // Two jobs near each other: the snapped read stays.
        let scores = [("صحفية", -12.4), ("فنية", -13.0)];
        assert_eq!(job_by_reader(Some("فنية"), &scores, &p), Some("فنية"));
        // A line of junk (`رةة`): nothing likely enough.
        let scores = [("حرفي", -38.4), ("ترزي", -40.9)];
        assert_eq!(job_by_reader(None, &scores, &p), None);
    }

    /// Class probabilities for `text` read as a line: two steps per digit, a blank
    /// between digits, except where `merged` (an index) runs into the digit before it
    /// with only a faint blank, as a blurred `٠٠` does.
    fn line_probabilities(text: &str, merged: usize) -> ndarray::Array2<f32> {
        let classes = crate::digits::CLASSES.len() + 1;
        let mut steps: Vec<(usize, f32)> = Vec::new();
        for (i, label) in crate::digits::labels(text).unwrap().into_iter().enumerate() {
            if i > 0 {
                steps.push(if i == merged { (label, 0.6) } else { (0, 0.9) });
            }
            steps.extend([(label, 0.9), (label, 0.9)]);
        }
        // Each step gives `p` to its class and the rest to the blank (or, for a blank
        // step, spreads it over the digits).
        let mut probs = ndarray::Array2::<f32>::from_elem((steps.len(), classes), 0.0);
        for (t, &(class, p)) in steps.iter().enumerate() {
            for c in 0..classes {
                probs[[t, c]] = match (c == class, class == 0, c == 0) {
                    (true, _, _) => p,
                    (false, true, _) => (1.0 - p) / (classes - 1) as f32,
                    (false, false, true) => 1.0 - p,
                    _ => 0.0,
                };
            }
        }
        probs
    }

    #[test]
    fn a_lost_repeat_is_put_back_where_the_reader_finds_it_likeliest() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // Dev card 6161_191: `29902241300415`, its `٠٠` (digits 9 and 10) read as one.
        let printed = "29902241300415";
        assert!(id_number::is_valid(printed, today));
        let probs = line_probabilities(printed, 10);
        let read = crate::digits::decode(probs.view());
        assert_eq!(read.text, "2990224130415");
        assert_eq!(
            one_digit_lost_or_doubled(&read, today, 3.0).as_deref(),
            Some(printed)
        );
        // The last digit cut off (no step shows it): the check digit alone would choose
        // it, and nothing saw it.
        let cut = crate::digits::decode(line_probabilities(&printed[..13], 0).view());
        assert_eq!(cut.text, &printed[..13]);
        assert_eq!(one_digit_lost_or_doubled(&cut, today, 3.0), None);
        // A margin no valid number clears: left unread.
        assert_eq!(one_digit_lost_or_doubled(&read, today, 100.0), None);
        // A deliberately invalid number (check digit off by one) read a digit short
        // stays invalid: its own 14 digits are far likelier than any valid number.
        let invalid = "29902241300416";
        assert!(!id_number::is_valid(invalid, today));
        let read = crate::digits::decode(line_probabilities(invalid, 10).view());
        assert_eq!(read.text, "2990224130416");
        assert_eq!(one_digit_lost_or_doubled(&read, today, 3.0), None);
    }

    #[test]
    fn a_majority_read_needs_more_than_half() {
        let reads = [
            ("صحفية".to_string(), 0.4),
            ("صحفية".to_string(), 0.6),
            ("فية".to_string(), 0.9),
        ];
        let (text, conf) = majority_read(&reads).unwrap();
        assert_eq!(text, "صحفية");
        assert!((conf - 0.5).abs() < 1e-6);
        assert!(majority_read(&reads[1..]).is_none());
        assert!(majority_read(&[]).is_none());
    }

    #[test]
    fn reads_vote_word_by_word() {
        let reads = [
            ("ماهر عادل الزيات".to_string(), 0.6),
            ("ماهر عادل الزيلت".to_string(), 0.7),
            ("ماهر عاد الزيات".to_string(), 0.5),
            ("ماهر".to_string(), 0.8),
        ];
        let (text, confidence) = vote_reads(&reads);
        assert_eq!(text, "ماهر عادل الزيات");
        assert!((confidence - 0.6).abs() < 1e-6);
        assert_eq!(vote_reads(&[(String::new(), 0.0)]).0, "");
    }

    #[test]
    fn known_words_win_close_votes_only() {
        let known = |w: &str| ["محمد", "حسن"].contains(&w);
        let reads = [
            ("محمب حسن".to_string(), 0.6),
            ("محمب حسن".to_string(), 0.7),
            ("محمد حسن".to_string(), 0.5),
        ];
        // The plain vote keeps the misread seen twice; a known reading seen once wins.
        assert_eq!(vote_reads(&reads).0, "محمب حسن");
        assert_eq!(vote_reads_known(&reads, known, 1.5).0, "محمد حسن");
        // A name the dictionary lacks, read alike by three views, stays.
        let reads = [
            ("منار حسن".to_string(), 0.6),
            ("منار حسن".to_string(), 0.6),
            ("منار حسن".to_string(), 0.6),
            ("محمد حسن".to_string(), 0.5),
        ];
        assert_eq!(vote_reads_known(&reads, known, 1.5).0, "منار حسن");
    }

    #[test]
    fn words_read_left_to_right_are_turned_back() {
        assert_eq!(unreverse_ltr_words("ناميلس\u{200E}"), "سليمان");
        // A right-to-left run inside marks stays as it is.
        assert_eq!(
            unreverse_ltr_words("\u{200F}رمضان\u{200E}"),
            "\u{200F}رمضان\u{200E}"
        );
        assert_eq!(unreverse_ltr_words("محمد علي"), "محمد علي");
    }
}
