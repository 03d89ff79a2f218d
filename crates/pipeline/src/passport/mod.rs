//! `/v1/ocr/passport`: the machine readable zone of a passport data page (TD3) or an ID
//! card (TD1, TD2), in a photo.
//!
//! Stages, in order:
//! 1. [`text_detect`](crate::ocr::text_detect) on a downscaled copy finds text lines.
//! 2. [`locate`] joins them into rows and picks chains of 2 or 3 parallel, equally
//!    spaced, left-aligned long rows: the candidate zones.
//! 3. [`recognize`] cuts each line upright at the recogniser's height from the full
//!    image and reads it over the MRZ alphabet only, keeping each character's
//!    probabilities.
//! 4. [`zone`] fits each line to 30/36/44 characters and parses it with
//!    [`hawiya_documents::mrz`] (check digits, look-alike repairs, dates, issues); the
//!    recogniser's runner-up symbols repair what a check digit confirms. The format and
//!    zone with the most check digits holding win; if none is perfect, the image is also
//!    read upside down.
//! 5. [`extraction`] turns the parsed zone into the api.md fields, issues and extras.
//!
//! A fast path runs first ([`PassportParams::fast`]): [`fast_locate`] proposes zones from
//! the image's dark, dense blocks without the neural detector, and [`mrz_reader`] (a small
//! recogniser trained on synthetic OCR-B lines) reads them in both directions. Its
//! reading is taken when every check digit holds and every character read is confident;
//! otherwise PP-OCR's recogniser reads the same zones, and only if that fails too does
//! the DB detector run (stages 1-4 above). The best reading of all that ran wins.

pub mod fast_locate;
pub mod locate;
pub mod mrz_reader;
pub mod recognize;
pub mod zone;

use chrono::NaiveDate;
use image::RgbImage;
use serde_json::json;

use crate::error::PipelineError;
use crate::extraction::Extraction;
use crate::geometry::Quad;
use crate::models::ModelFile;
use crate::ocr::text_detect::{self, LimitType, TextDetectParams, TextDetectorModel};
use crate::ocr::text_recognize::TextRecognizerModel;
use crate::runtime::RuntimeError;
use crate::worker::Worker;
use fast_locate::FastLocateParams;
use hawiya_documents::mrz::{states, Mrz, MrzFormat};
use hawiya_documents::Code;
use locate::{LocateParams, Row, ZoneCandidate};
use recognize::{LineRead, MrzClasses, MrzRecognizeParams};
use zone::{Zone, ZoneParams};

/// Why no MRZ came out of an image.
#[derive(Debug, thiserror::Error)]
pub enum MrzError {
    #[error("no machine readable zone found")]
    NotFound,
    #[error("machine readable zone unreadable: {passed} of {total} check digits hold")]
    Unreadable { passed: usize, total: usize },
    #[error("model {0} is not loaded in this worker")]
    ModelNotLoaded(ModelFile),
    #[error("the recogniser's dictionary lacks part of the MRZ alphabet")]
    Alphabet,
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

impl From<MrzError> for PipelineError {
    fn from(e: MrzError) -> Self {
        match e {
            MrzError::NotFound | MrzError::Unreadable { .. } => {
                PipelineError::document(Code::InvalidMrz, e.to_string())
            }
            MrzError::ModelNotLoaded(file) => PipelineError::ModelUnavailable(format!(
                "the passport reader needs {file}, which is not loaded on this server"
            )),
            // A failing model is the server's fault, not the client's.
            MrzError::Alphabet | MrzError::Runtime(_) => PipelineError::inference(e),
        }
    }
}

/// Parameters of the passport reader.
#[derive(Debug, Clone, PartialEq)]
pub struct PassportParams {
    /// Detection runs on the image scaled so its long side is `limit_side_len`. Default
    /// 640 ([`LimitType::Max`]): detection dominates the cost and grows with the area;
    /// on synthetic passports 960 read 1 more document in 18 for twice the time, and MRZ
    /// lines (the page's widest dense text) stay separate rows at 640.
    pub detect: TextDetectParams,
    pub locate: LocateParams,
    pub recognize: MrzRecognizeParams,
    pub zone: ZoneParams,
    /// Read the image upside down too when the upright reading is not perfect. Default
    /// true: documents photographed rotated by 180 degrees are common, and the second
    /// pass costs only a recognition of the candidate lines.
    pub try_upside_down: bool,
    /// A zone is accepted when at least this share of its check digits hold. Default
    /// 0.5: random text passes a check digit one time in ten, so half of 4 or 5 is
    /// already strong evidence of an MRZ, and a real one with a damaged field still
    /// returns its other fields with 3013 issues.
    pub min_check_share: f32,
    /// "Today" for the expiry check and the century of dates. Default `None`: the
    /// system clock (tests fix it).
    pub today: Option<NaiveDate>,
    /// The fast path (classical zone proposals read by the trained MRZ reader, then by
    /// PP-OCR) before the DB detector. Default on; `None` runs the detector path only.
    pub fast: Option<FastLocateParams>,
    /// The trained reader's reading is final only if every character it read has at
    /// least this probability (and both state codes are ICAO codes); else PP-OCR reads
    /// the zone too. Default 0.5: the check digits cover numbers and dates but not names
    /// or nationality.
    pub fast_min_confidence: f32,
}

impl Default for PassportParams {
    fn default() -> Self {
        PassportParams {
            detect: TextDetectParams {
                limit_side_len: 640,
                limit_type: LimitType::Max,
                ..TextDetectParams::default()
            },
            locate: LocateParams::default(),
            recognize: MrzRecognizeParams::default(),
            zone: ZoneParams::default(),
            try_upside_down: true,
            min_check_share: 0.5,
            today: None,
            fast: Some(FastLocateParams::default()),
            fast_min_confidence: 0.5,
        }
    }
}

/// A zone as read from an image.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzRead {
    pub zone: Zone,
    /// Each line's quad in image pixels, top to bottom in reading direction.
    pub line_quads: Vec<Quad>,
    /// Mean share of MRZ-alphabet characters over the lines (1 for a clean MRZ).
    pub mrz_ratio: f32,
    /// Which path read it: `fast` (fast zones, trained reader), `fast_ppocr` (fast
    /// zones, PP-OCR) or `detector` (DB detector, PP-OCR).
    pub path: &'static str,
}

impl MrzRead {
    /// The quad around the zone (tl, tr, br, bl in reading direction).
    pub fn outline(&self) -> Quad {
        let (first, last) = (
            self.line_quads[0],
            self.line_quads[self.line_quads.len() - 1],
        );
        [first[0], first[1], last[2], last[3]]
    }
}

/// Reads the MRZ of `image` with the worker's PP-OCR models.
pub fn read(worker: &mut Worker, image: &RgbImage) -> Result<Extraction, PipelineError> {
    read_params(worker, image, &PassportParams::default())
}

/// [`read`] with explicit parameters.
pub fn read_params(
    worker: &mut Worker,
    image: &RgbImage,
    params: &PassportParams,
) -> Result<Extraction, PipelineError> {
    let models = &mut worker.models;
    let today = params
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut best: Option<MrzRead> = None;
    if let Some(fast) = &params.fast {
        let rows = fast_locate::rows(image, fast);
        let zones: Vec<Vec<ZoneCandidate>> = [false, true]
            .iter()
            .map(|&flip| fast_locate::zones(&rows, flip, fast, &params.locate))
            .collect();
        if let Some(reader) = models.mrz_reader.as_mut() {
            best = read_zones(
                "fast",
                &mut |quads: &[Quad]| reader.read_lines(image, quads).map_err(MrzError::from),
                zones.iter().flatten(),
                today,
                params,
            )?;
            if let Some(b) = &best {
                if b.zone.all_pass()
                    && states_valid(&b.zone.mrz)
                    && weakest_read(&b.zone) >= params.fast_min_confidence
                {
                    return Ok(extraction(b));
                }
            }
        }
        if let Some(recognizer) = models.text_recognizer.as_mut() {
            let classes =
                MrzClasses::from_charset(recognizer.charset()).ok_or(MrzError::Alphabet)?;
            // The trained reader's zone first when it found one.
            let mut ordered: Vec<&Vec<ZoneCandidate>> = zones.iter().collect();
            if let Some(b) = &best {
                if zones[1].iter().any(|z| z.lines == b.line_quads) {
                    ordered.reverse();
                }
            }
            let pp = read_zones(
                "fast_ppocr",
                &mut ppocr_lines(&mut *recognizer, &classes, image, params),
                ordered.into_iter().flatten(),
                today,
                params,
            )?;
            // PP-OCR's perfect reading replaces an unsure one of the trained reader; the
            // trained reader's reading of the same lines still vouches for name filler.
            if let Some(mut p) = pp {
                // The trained reader's reading of PP-OCR's lines: its own when it chose the
                // same zone, else those lines read again (one more inference of a zone).
                let other = match best.as_ref().filter(|b| b.line_quads == p.line_quads) {
                    Some(b) => Some(b.zone.clone()),
                    None => match models.mrz_reader.as_mut() {
                        Some(reader) => {
                            let lines = reader
                                .read_lines(image, &p.line_quads)
                                .map_err(MrzError::from)?;
                            zone::assemble(&lines, today, &params.zone)
                        }
                        None => None,
                    },
                };
                if let Some(other) = other {
                    let spans = field_spans(p.zone.mrz.format);
                    let span = spans.iter().find(|(n, _)| *n == "name").expect("named").1;
                    if let Some(z) = zone::name_from_other(
                        &p.zone,
                        &other,
                        span,
                        params.fast_min_confidence,
                        today,
                        &params.zone,
                    ) {
                        p.zone = z;
                    }
                    if let Some(z) = zone::header_from_other(
                        &p.zone,
                        &other,
                        params.fast_min_confidence,
                        today,
                        &params.zone,
                    ) {
                        p.zone = z;
                    }
                }
                if p.zone.all_pass() {
                    return Ok(extraction(&p));
                }
                keep_better(&mut best, Some(p));
            }
        }
    }
    let detector = models
        .text_detector
        .as_mut()
        .ok_or(MrzError::ModelNotLoaded(ModelFile::TextDetect))?;
    let recognizer = models
        .text_recognizer
        .as_mut()
        .ok_or(MrzError::ModelNotLoaded(ModelFile::TextRecognizeLatin))?;
    let slow = read_mrz(detector, recognizer, image, params);
    let read = match (slow, best) {
        (Ok(s), Some(b)) => {
            if better(&b, &s) {
                b
            } else {
                s
            }
        }
        (Ok(s), None) => s,
        (Err(e), None) => return Err(e.into()),
        (Err(e), Some(b)) => accept(b, params).map_err(|_| e)?,
    };
    Ok(extraction(&read))
}

/// The lowest probability of a character the recogniser read (fillers the fitting
/// inserted are not counted). A state code the parser repaired to a valid ICAO code
/// (`HLD` -> `NLD`) counts with the probability of what was read: the code list, not the
/// recogniser, vouches for the repair, as a check digit does for a corrected digit.
fn weakest_read(zone: &Zone) -> f32 {
    let spans = field_spans(zone.mrz.format);
    let state_span = |l: usize, i: usize| {
        spans.iter().any(|(name, (sl, a, b))| {
            matches!(*name, "nationality" | "country_code") && *sl == l && (*a..*b).contains(&i)
        })
    };
    let m = &zone.mrz;
    let valid_states = states_valid(m);
    m.lines
        .iter()
        .zip(&m.raw_lines)
        .zip(&zone.reads)
        .enumerate()
        .flat_map(|(l, ((line, raw), reads))| {
            line.bytes()
                .zip(raw.bytes())
                .zip(reads)
                .enumerate()
                .filter(|(_, (_, r))| r.observed)
                .map(move |(i, ((c, raw), r))| {
                    if valid_states && state_span(l, i) {
                        r.prob(raw)
                    } else {
                        r.prob(c)
                    }
                })
        })
        .fold(1.0, f32::min)
}

fn keep_better(best: &mut Option<MrzRead>, found: Option<MrzRead>) {
    if let Some(f) = found {
        if best.as_ref().is_none_or(|b| better(&f, b)) {
            *best = Some(f);
        }
    }
}

/// A reading with enough check digits holding, else why not.
fn accept(best: MrzRead, params: &PassportParams) -> Result<MrzRead, MrzError> {
    let total = best.zone.total();
    if (best.zone.passed() as f32) < params.min_check_share * total as f32 {
        return Err(MrzError::Unreadable {
            passed: best.zone.passed(),
            total,
        });
    }
    Ok(best)
}

/// Finds and reads the MRZ with any detector and recogniser (tests use fakes).
pub fn read_mrz<D, R>(
    detector: &mut D,
    recognizer: &mut R,
    image: &RgbImage,
    params: &PassportParams,
) -> Result<MrzRead, MrzError>
where
    D: TextDetectorModel + ?Sized,
    R: TextRecognizerModel + ?Sized,
{
    let classes = MrzClasses::from_charset(recognizer.charset()).ok_or(MrzError::Alphabet)?;
    let today = params
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let detected = text_detect::detect(detector, image, &params.detect)?;
    let quads: Vec<Quad> = detected.iter().map(|d| d.quad).collect();
    let rows = locate::rows_from_quads(&quads, &params.locate);
    let mut best: Option<MrzRead> = None;
    let orientations: &[bool] = if params.try_upside_down {
        &[false, true]
    } else {
        &[false]
    };
    for &flip in orientations {
        let oriented: Vec<Row> = if flip {
            rows.iter().map(Row::flipped).collect()
        } else {
            rows.clone()
        };
        let zones = locate::candidate_zones(&oriented, &params.locate);
        let found = read_zones(
            "detector",
            &mut ppocr_lines(&mut *recognizer, &classes, image, params),
            &zones,
            today,
            params,
        )?;
        keep_better(&mut best, found);
        if best.as_ref().is_some_and(|b| b.zone.all_pass()) {
            break;
        }
    }
    accept(best.ok_or(MrzError::NotFound)?, params)
}

/// Orders readings: more check digits holding, then more MRZ-like text, then cheaper
/// length edits.
fn better(a: &MrzRead, b: &MrzRead) -> bool {
    let key = |r: &MrzRead| (r.zone.passed(), r.mrz_ratio, -r.zone.fit_cost);
    key(a) > key(b)
}

/// Reads the line quads of one zone.
type LineReader<'a> = dyn FnMut(&[Quad]) -> Result<Vec<LineRead>, MrzError> + 'a;

/// The [`LineReader`] of PP-OCR's recogniser (the fast path's second reader and the
/// detector path's only one).
fn ppocr_lines<'a, R: TextRecognizerModel + ?Sized>(
    recognizer: &'a mut R,
    classes: &'a MrzClasses,
    image: &'a RgbImage,
    params: &'a PassportParams,
) -> impl FnMut(&[Quad]) -> Result<Vec<LineRead>, MrzError> + 'a {
    move |quads| {
        recognize::read_lines(recognizer, classes, image, quads, &params.recognize)
            .map_err(MrzError::from)
    }
}

/// Whether both state codes are ICAO codes: no check digit covers them, so an invalid one
/// (after the parser's repairs) means a misread or misfitted line.
fn states_valid(m: &Mrz) -> bool {
    states::is_valid(&m.nationality) && states::is_valid(&m.issuing_country)
}

/// Recognises the lines of each candidate zone with `read`, in order, and keeps the best
/// fitting format; stops at the first reading whose check digits all hold.
fn read_zones<'z>(
    path: &'static str,
    read: &mut LineReader<'_>,
    zones: impl IntoIterator<Item = &'z ZoneCandidate>,
    today: NaiveDate,
    params: &PassportParams,
) -> Result<Option<MrzRead>, MrzError> {
    let mut best: Option<MrzRead> = None;
    for candidate in zones {
        let mut quads = vec![candidate.lines.clone()];
        let mut k = 0;
        while k < quads.len() {
            let lines: Vec<LineRead> = read(&quads[k])?;
            let mrz_ratio =
                lines.iter().map(|l| l.mrz_ratio).sum::<f32>() / lines.len().max(1) as f32;
            let zone = zone::assemble(&lines, today, &params.zone);
            // Every line read short and the check digits failing: the zone's ends were
            // lost to glare or shadow, at one end or the other. Read again, extended at
            // either end by the missing characters' pitch.
            if k == 0 && zone.as_ref().is_none_or(|z| !z.all_pass()) {
                quads.extend(extended_quads(&quads[0], &lines).unwrap_or_default());
            }
            if let Some(zone) = zone {
                let read = MrzRead {
                    zone,
                    line_quads: quads[k].clone(),
                    mrz_ratio,
                    path,
                };
                if best.as_ref().is_none_or(|b| better(&read, b)) {
                    best = Some(read);
                }
            }
            k += 1;
        }
        if best.as_ref().is_some_and(|b| b.zone.all_pass()) {
            break;
        }
    }
    Ok(best)
}

/// Fewest characters missing from every line before the zone is read again extended.
/// Three: length fitting repairs one or two lost fillers at a line's end itself.
const MIN_MISSING_TO_EXTEND: usize = 3;

/// For a zone whose every line was read `MIN_MISSING_TO_EXTEND` or more characters short
/// of the widest format of its line count (TD3's 44 for two lines, TD1's 30 for three),
/// the line quads extended by the missing characters at the start, and at the end.
/// `None` otherwise.
fn extended_quads(quads: &[Quad], lines: &[LineRead]) -> Option<Vec<Vec<Quad>>> {
    let widest = match lines.len() {
        2 => MrzFormat::Td3.line_width(),
        3 => MrzFormat::Td1.line_width(),
        _ => return None,
    };
    let longest_read = lines.iter().map(|l| l.symbols.len()).max()?;
    if longest_read == 0 || longest_read + MIN_MISSING_TO_EXTEND > widest {
        return None;
    }
    let missing = widest - longest_read;
    let extend = |q: &Quad, at_start: bool| -> Quad {
        let len = locate::line_length(q).max(1.0);
        let pitch = len / longest_read as f32;
        let a = [(q[1][0] - q[0][0]) / len, (q[1][1] - q[0][1]) / len];
        let e = pitch * missing as f32;
        let shift = |p: [f32; 2], by: f32| [p[0] + a[0] * by, p[1] + a[1] * by];
        if at_start {
            [shift(q[0], -e), q[1], q[2], shift(q[3], -e)]
        } else {
            [q[0], shift(q[1], e), shift(q[2], e), q[3]]
        }
    };
    Some(
        [true, false]
            .iter()
            .map(|&at_start| quads.iter().map(|q| extend(q, at_start)).collect())
            .collect(),
    )
}

/// `(line, start, end)`: characters `start..end` of a line.
type Span = (usize, usize, usize);

/// Where each api.md field is printed in the zone (ICAO 9303 part 4-6 layouts), for
/// its confidence and box. A TD1/TD2 long number's extension is left out.
fn field_spans(format: MrzFormat) -> [(&'static str, Span); 8] {
    match format {
        MrzFormat::Td3 | MrzFormat::Td2 => [
            ("passport_no", (1, 0, 9)),
            ("name", zone::name_span(format)),
            ("nationality", (1, 10, 13)),
            ("country_code", (0, 2, 5)),
            ("gender", (1, 20, 21)),
            ("Date_of_Birth", (1, 13, 19)),
            ("Date_of_Expiry", (1, 21, 27)),
            ("doc_Type", (0, 0, 2)),
        ],
        MrzFormat::Td1 => [
            ("passport_no", (0, 5, 14)),
            ("name", zone::name_span(format)),
            ("nationality", (1, 15, 18)),
            ("country_code", (0, 2, 5)),
            ("gender", (1, 7, 8)),
            ("Date_of_Birth", (1, 0, 6)),
            ("Date_of_Expiry", (1, 8, 14)),
            ("doc_Type", (0, 0, 2)),
        ],
    }
}

/// The quad of characters `a..b` of line `l`.
fn span_quad(read: &MrzRead, (l, a, b): Span) -> Quad {
    let q = read.line_quads[l];
    let reads = &read.zone.reads[l];
    let n = reads.len();
    // Character centres along the crop; half a pitch either side.
    let pitch = if n > 1 {
        (reads[n - 1].position - reads[0].position) / (n - 1) as f32
    } else {
        1.0
    };
    let t0 = (reads[a].position - pitch / 2.0).clamp(0.0, 1.0);
    let t1 = (reads[b.max(a + 1) - 1].position + pitch / 2.0).clamp(0.0, 1.0);
    let along =
        |p: [f32; 2], r: [f32; 2], t: f32| [p[0] + (r[0] - p[0]) * t, p[1] + (r[1] - p[1]) * t];
    [
        along(q[0], q[1], t0),
        along(q[0], q[1], t1),
        along(q[3], q[2], t1),
        along(q[3], q[2], t0),
    ]
}

fn format_name(format: MrzFormat) -> &'static str {
    match format {
        MrzFormat::Td1 => "TD1",
        MrzFormat::Td2 => "TD2",
        MrzFormat::Td3 => "TD3",
    }
}

fn check_name(field: hawiya_documents::mrz::CheckedField) -> &'static str {
    use hawiya_documents::mrz::CheckedField::*;
    match field {
        DocumentNumber => "document_number",
        BirthDate => "birth_date",
        ExpiryDate => "expiry_date",
        OptionalData => "optional_data",
        Composite => "composite",
    }
}

/// The api.md `data` fields, issues and extras of a read zone.
pub fn extraction(read: &MrzRead) -> Extraction {
    let zone = &read.zone;
    let m: &Mrz = &zone.mrz;
    let iso = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let mut out = Extraction::default();
    let values = [
        ("passport_no", json!(m.document_number)),
        ("name", json!(m.full_name())),
        ("nationality", json!(m.nationality)),
        ("country_code", json!(m.issuing_country)),
        ("gender", json!(m.sex.map(|g| g.code()))),
        ("Date_of_Birth", json!(iso(m.birth_date))),
        ("Date_of_Expiry", json!(iso(m.expiry_date))),
        ("doc_Type", json!(m.document_type)),
    ];
    let spans = field_spans(m.format);
    for (name, value) in values {
        let field = out.push(name, value);
        if let Some(&(_, span)) = spans.iter().find(|(n, _)| *n == name) {
            let mut confidence = zone.confidence(span.0, span.1, span.2);
            // No check digit covers a state code: one that is no ICAO code (and that no
            // single look-alike repair made one) is doubtful however clearly it was read.
            let code = match name {
                "nationality" => Some(&m.nationality),
                "country_code" => Some(&m.issuing_country),
                _ => None,
            };
            if code.is_some_and(|c| !states::is_valid(c)) {
                confidence *= 0.5;
            }
            field.confidence = Some(confidence);
            field.bbox = Some(span_quad(read, span));
        }
    }
    out.issues = m.issues.clone();
    let extra = &mut out.extra;
    extra.insert("mrz_format".into(), json!(format_name(m.format)));
    extra.insert("mrz_lines".into(), json!(m.lines));
    extra.insert("mrz_lines_read".into(), json!(zone.recognized));
    extra.insert("mrz_box".into(), json!(read.outline()));
    extra.insert("mrz_path".into(), json!(read.path));
    extra.insert(
        "mrz_checks".into(),
        serde_json::Value::Object(
            m.checks
                .iter()
                .map(|c| (check_name(c.field).to_string(), json!(c.valid())))
                .collect(),
        ),
    );
    let corrections: Vec<serde_json::Value> = m
        .corrections
        .iter()
        .map(|c| json!({"line": c.line, "column": c.column, "from": c.from.to_string(), "to": c.to.to_string(), "by": "look_alike"}))
        .chain(zone.model_corrections.iter().map(|(l, i, f, t)| {
            json!({"line": l, "column": i, "from": f.to_string(), "to": t.to_string(), "by": "recognizer"})
        }))
        .collect();
    extra.insert("mrz_corrections".into(), json!(corrections));
    extra.insert("surname".into(), json!(m.surname));
    extra.insert("given_names".into(), json!(m.given_names));
    extra.insert("optional_data".into(), json!(m.optional_data));
    out
}
