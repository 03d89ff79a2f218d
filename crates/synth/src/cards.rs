//! Document layouts. Positions are fractions of the document's size, shifted by a
//! per-document jitter so that readers cannot rely on fixed crops (documents.md).

use chrono::{Datelike, Months, NaiveDate};
use image::{Rgb, RgbImage, Rgba};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect as IRect;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::data::{self, PlateClass};
use crate::fonts::{Font, FontSet};
use crate::geometry::Rect;
use crate::mrz::{self, MrzData};
use crate::people::{self, Person, PersonSpec};
use crate::text::{self, to_arabic_indic, Align};
use crate::{art, DocKind, ExpectedCode, Quad, Sample, SynthError, SynthParams, TextLine, Truth};

/// ID-1 card aspect (85.6 x 54 mm).
const ID1_ASPECT: f32 = 85.6 / 54.0;
/// TD3 passport data page aspect (125 x 88 mm).
const TD3_ASPECT: f32 = 125.0 / 88.0;
/// Plate aspect (35 x 17 cm).
const PLATE_ASPECT: f32 = 35.0 / 17.0;
/// ID-1 corner radius (3.18 mm) as a share of the width.
const ID1_RADIUS: f32 = 3.18 / 85.6;

/// A document being drawn: canvas, randomness, fonts and the lines drawn so far.
struct Doc<'a> {
    img: RgbImage,
    w: f32,
    h: f32,
    rng: &'a mut ChaCha8Rng,
    fonts: &'static FontSet,
    lines: Vec<TextLine>,
    /// Whole-layout shift in pixels.
    shift: (f32, f32),
    /// Per-line jitter amplitude in pixels.
    jitter: f32,
    /// Index of the Arabic face for values and for labels.
    ar_value: usize,
    ar_label: usize,
    ink: Rgba<u8>,
    label_ink: Rgba<u8>,
    face: Option<Quad>,
}

impl<'a> Doc<'a> {
    fn new(img: RgbImage, rng: &'a mut ChaCha8Rng, fonts: &'static FontSet, level: f32) -> Doc<'a> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        // Layouts move by up to 1.5-3% of the card: enough to defeat fixed crops,
        // small enough that lines do not collide.
        let amp = 0.015 + 0.015 * level;
        let shift = (rng.gen_range(-amp..=amp) * w, rng.gen_range(-amp..=amp) * h);
        let n = fonts.arabic.len();
        let ar_value = rng.gen_range(0..n);
        let ar_label = if rng.gen_bool(0.5) {
            ar_value
        } else {
            rng.gen_range(0..n)
        };
        let dark = rng.gen_range(10..50u8);
        Doc {
            img,
            w,
            h,
            rng,
            fonts,
            lines: Vec::new(),
            shift,
            jitter: 0.003 * w,
            ar_value,
            ar_label,
            ink: Rgba([dark, dark, dark.saturating_add(10), 255]),
            label_ink: Rgba([dark + 30, dark + 30, dark + 50, 255]),
            face: None,
        }
    }

    /// Draws a line at fractional position (baseline) with size as a share of the height;
    /// shrinks it to fit `max_w` (share of width) and records it.
    #[allow(clippy::too_many_arguments)]
    fn put(
        &mut self,
        field: Option<&str>,
        text: &str,
        font: &'static Font,
        size: f32,
        x: f32,
        y: f32,
        align: Align,
        max_w: f32,
        colour: Rgba<u8>,
    ) -> Rect {
        self.put_display(field, text, text, font, size, x, y, align, max_w, colour)
    }

    /// Like [`Doc::put`], drawing `display` (the text with bidi marks) but recording `text`.
    #[allow(clippy::too_many_arguments)]
    fn put_display(
        &mut self,
        field: Option<&str>,
        text: &str,
        display: &str,
        font: &'static Font,
        size: f32,
        x: f32,
        y: f32,
        align: Align,
        max_w: f32,
        colour: Rgba<u8>,
    ) -> Rect {
        let j = self.jitter;
        let px = x * self.w + self.shift.0 + self.rng.gen_range(-j..=j);
        let py = y * self.h + self.shift.1 + self.rng.gen_range(-j..=j);
        let size_px = size * self.h * self.rng.gen_range(0.94..1.06);
        let size_px = text::fit_size(font, size_px, display, max_w * self.w);
        let r = text::draw_text(
            &mut self.img,
            font,
            size_px,
            display,
            (px, py),
            align,
            colour,
        );
        self.lines.push(TextLine {
            text: text.to_string(),
            field: field.map(str::to_string),
            quad: r.quad(),
            font: font.name.clone(),
        });
        r
    }

    /// An Arabic value line.
    #[allow(clippy::too_many_arguments)]
    fn ar(
        &mut self,
        field: &str,
        text: &str,
        size: f32,
        x: f32,
        y: f32,
        align: Align,
        max_w: f32,
    ) -> Rect {
        let font = self.fonts.arabic_for(self.ar_value, text);
        let ink = self.ink;
        self.put(Some(field), text, font, size, x, y, align, max_w, ink)
    }

    /// An Arabic label (no field).
    fn label(&mut self, text: &str, size: f32, x: f32, y: f32, align: Align) -> Rect {
        let font = self.fonts.arabic_for(self.ar_label, text);
        let ink = self.label_ink;
        self.put(None, text, font, size, x, y, align, 0.95, ink)
    }

    /// A Latin line (`bold` picks the bold face).
    #[allow(clippy::too_many_arguments)]
    fn en(
        &mut self,
        field: Option<&str>,
        text: &str,
        size: f32,
        x: f32,
        y: f32,
        align: Align,
        max_w: f32,
        bold: bool,
    ) -> Rect {
        let font = &self.fonts.latin[usize::from(bold)];
        let ink = if field.is_some() {
            self.ink
        } else {
            self.label_ink
        };
        self.put(field, text, font, size, x, y, align, max_w, ink)
    }

    /// Label right-aligned at `x`, value right-aligned to its left on the same baseline.
    #[allow(clippy::too_many_arguments)]
    fn labelled(
        &mut self,
        label: &str,
        field: &str,
        value: &str,
        size: f32,
        x: f32,
        y: f32,
        max_w: f32,
    ) -> Rect {
        let l = self.label(label, size * 0.85, x, y, Align::Right);
        let gap = 0.015 * self.w;
        let vx = (l.x0 - gap - self.shift.0) / self.w;
        self.ar(field, value, size, vx, y, Align::Right, max_w)
    }

    fn photo(&mut self, area: Rect, faces: &[std::path::PathBuf], grey: bool, female: bool) {
        let a = Rect::new(
            area.x0 * self.w + self.shift.0,
            area.y0 * self.h + self.shift.1,
            area.x1 * self.w + self.shift.0,
            area.y1 * self.h + self.shift.1,
        );
        art::face_photo(&mut self.img, self.rng, a, faces, grey, female);
        self.face = Some(a.quad());
    }

    fn finish(self, kind: DocKind, data: Map<String, Value>) -> Sample {
        let (w, h) = (self.img.width(), self.img.height());
        Sample {
            truth: Truth {
                id: String::new(),
                kind,
                route: kind.route(),
                data,
                approximate_fields: Vec::new(),
                expected_codes: Vec::new(),
                invalid_case: None,
                image_size: [w, h],
                corners: Rect::new(0.0, 0.0, w as f32, h as f32).quad(),
                quarter_turns: 0,
                lines: self.lines,
                face: self.face,
                // Set by `render_card_flat`, which knows the parameters.
                reference_date: chrono::NaiveDate::default(),
                degradation: None,
            },
            image: self.img,
            jpeg_quality: 95,
            corner_radius: 0.0,
        }
    }
}

/// Pale tint pairs like the real cards (blue-green to pink, green, sand).
const TINTS: &[[[u8; 3]; 2]] = &[
    [[205, 228, 236], [242, 218, 224]],
    [[214, 236, 220], [240, 226, 232]],
    [[224, 232, 244], [246, 232, 214]],
    [[236, 230, 210], [222, 236, 238]],
];

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `yyyy/mm/dd` in Arabic-Indic digits.
fn ar_date(d: NaiveDate) -> String {
    to_arabic_indic(&d.format("%Y/%m/%d").to_string())
}

fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            _ => c,
        })
        .collect()
}

/// Renders the flat document of `kind`.
pub fn render(
    kind: DocKind,
    params: &SynthParams,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
) -> Result<Sample, SynthError> {
    let level = params.difficulty.level();
    let cases = kind.invalid_cases();
    let invalid =
        if !cases.is_empty() && rng.gen_bool(f64::from(params.invalid_fraction.clamp(0.0, 1.0))) {
            cases.choose(rng).copied()
        } else {
            None
        };
    let person = people::person(
        rng,
        &PersonSpec {
            today: params.reference_date,
            invalid,
        },
    );
    let faces = params
        .faces_dir
        .as_deref()
        .map(art::face_files)
        .unwrap_or_default();
    let cw = params.card_width.max(200);
    let mut s = match kind {
        DocKind::IdFront => id_front(&person, cw, fonts, rng, level, &faces),
        DocKind::IdBack => id_back(&person, cw, fonts, rng, level),
        DocKind::Passport => passport(
            &person,
            cw,
            fonts,
            rng,
            level,
            &faces,
            params.reference_date,
        ),
        DocKind::Td1 => td1(&person, cw, fonts, rng, level, params.reference_date),
        DocKind::DrivingLicense => driving_license(
            &person,
            cw,
            fonts,
            rng,
            level,
            &faces,
            params.reference_date,
        ),
        DocKind::CarLicenseFront => {
            car_front(&person, cw, fonts, rng, level, params.reference_date)
        }
        DocKind::CarLicenseBack => car_back(cw, fonts, rng, level, params.reference_date),
        DocKind::Plate => plate(cw, fonts, rng, level).0,
        DocKind::PlateScene => plate_scene(cw, fonts, rng, level),
    };
    if let Some(case) = person.invalid.filter(|_| !cases.is_empty()) {
        let (field, code) = case.expected();
        // The driving licence names its number `NationalID`.
        let field = if kind == DocKind::DrivingLicense && field == "idNumber" {
            "NationalID"
        } else {
            field
        };
        s.truth.invalid_case = Some(case);
        s.truth.expected_codes.push(ExpectedCode {
            field: field.to_string(),
            code: code.number(),
        });
    }
    Ok(s)
}

fn card_canvas(rng: &mut ChaCha8Rng, w: u32, h: u32) -> RgbImage {
    let tints = *TINTS.choose(rng).expect("tints");
    art::security_background(rng, w, h, tints)
}

/// Faint repeated microtext, as security printing has (also a realistic distractor).
fn watermark(doc: &mut Doc, text: &str) {
    let font = &doc.fonts.arabic[0];
    let size = doc.h * 0.035;
    let step = doc.h * 0.09;
    let mut y = step;
    let alpha = doc.rng.gen_range(14..30u8);
    while y < doc.h {
        let mut x = doc.w - doc.rng.gen_range(0.0..step);
        while x > 0.0 {
            let r = text::draw_text(
                &mut doc.img,
                font,
                size,
                text,
                (x, y),
                Align::Right,
                Rgba([90, 110, 140, alpha]),
            );
            x = r.x0 - size;
        }
        y += step;
    }
}

fn id_front(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    faces: &[std::path::PathBuf],
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    if d.rng.gen_bool(0.5) {
        watermark(&mut d, "جمهورية مصر العربية");
    }
    d.label("جمهورية مصر العربية", 0.065, 0.66, 0.11, Align::Center);
    d.label("بطاقة تحقيق الشخصية", 0.06, 0.66, 0.20, Align::Center);
    d.photo(
        Rect::new(0.04, 0.10, 0.29, 0.70),
        faces,
        true,
        p.gender == people::Gender::Female,
    );
    let key = p.id_key.clone();
    d.en(
        Some("idKey"),
        &key,
        0.05,
        0.165,
        0.79,
        Align::Center,
        0.27,
        false,
    );
    let right = 0.95;
    d.ar(
        "first_name",
        p.first.ar,
        0.08,
        right,
        0.36,
        Align::Right,
        0.6,
    );
    d.ar(
        "last_names",
        &p.last_names(),
        0.075,
        right,
        0.47,
        Align::Right,
        0.62,
    );
    let a1 = to_arabic_indic(&p.address_1);
    let a2 = to_arabic_indic(&p.address_2);
    d.ar("address_1", &a1, 0.062, right, 0.60, Align::Right, 0.62);
    d.ar("address_2", &a2, 0.062, right, 0.70, Align::Right, 0.62);
    let num = to_arabic_indic(&p.id_number);
    let font = d.fonts.arabic_for(d.ar_value, &num);
    let ink = d.ink;
    d.put(
        Some("idNumber"),
        &num,
        font,
        0.11,
        0.64,
        0.90,
        Align::Center,
        0.62,
        ink,
    );

    let mut data = Map::new();
    data.insert("first_name".into(), json!(p.first.ar));
    data.insert("last_names".into(), json!(p.last_names()));
    data.insert("first_name_english".into(), json!(p.first.en));
    data.insert("last_names_english".into(), json!(p.last_names_en()));
    data.insert("name".into(), json!(p.full_name()));
    data.insert("address".into(), json!(ascii_digits(&p.address())));
    data.insert("address_1".into(), json!(ascii_digits(&p.address_1)));
    data.insert("address_2".into(), json!(ascii_digits(&p.address_2)));
    data.insert("idNumber".into(), json!(p.id_number));
    data.insert("dateOfBirth".into(), json!(p.date_of_birth().map(iso)));
    data.insert("govern".into(), json!(p.govern()));
    data.insert("city".into(), json!(p.home_gov.ar));
    data.insert("district".into(), json!(ascii_digits(p.district)));
    data.insert("gender".into(), json!(p.number_gender().code()));
    data.insert("idKey".into(), json!(p.id_key));
    let mut s = d.finish(DocKind::IdFront, data);
    s.truth.approximate_fields = vec!["first_name_english".into(), "last_names_english".into()];
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

fn id_back(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    let num = to_arabic_indic(&p.id_number);
    let font = d.fonts.arabic_for(d.ar_value, &num);
    let ink = d.ink;
    d.put(
        Some("idNumber"),
        &num,
        font,
        0.085,
        0.62,
        0.14,
        Align::Center,
        0.6,
        ink,
    );
    let release = to_arabic_indic(&p.release.format("%Y/%m").to_string());
    d.labelled(
        "تاريخ الإصدار",
        "releaseDate",
        &release,
        0.065,
        0.95,
        0.27,
        0.3,
    );
    d.ar("job", &p.job, 0.065, 0.95, 0.39, Align::Right, 0.6);
    if !p.job_title.is_empty() {
        d.ar(
            "jobTitle",
            &p.job_title,
            0.06,
            0.95,
            0.49,
            Align::Right,
            0.6,
        );
    }
    // The gender word agrees with the name; a GenderMismatch case makes the number disagree.
    d.ar(
        "gender",
        p.gender.arabic(),
        0.065,
        0.95,
        0.61,
        Align::Right,
        0.15,
    );
    d.ar(
        "religion",
        p.religion,
        0.065,
        0.77,
        0.61,
        Align::Right,
        0.15,
    );
    d.ar(
        "maritalStatus",
        p.marital,
        0.065,
        0.59,
        0.61,
        Align::Right,
        0.15,
    );
    if let Some(h) = &p.husband {
        d.ar("husbandName", h, 0.06, 0.95, 0.72, Align::Right, 0.6);
    }
    d.labelled(
        "البطاقة سارية حتى",
        "idExpiry",
        &ar_date(p.expiry),
        0.06,
        0.95,
        0.86,
        0.3,
    );
    let bx = Rect::new(
        0.04 * d.w + d.shift.0,
        0.30 * d.h + d.shift.1,
        0.36 * d.w + d.shift.0,
        0.78 * d.h + d.shift.1,
    );
    art::barcode(&mut d.img, d.rng, bx);

    let mut data = Map::new();
    data.insert("maritalStatus".into(), json!(p.marital));
    data.insert("job".into(), json!(p.job));
    data.insert("jobTitle".into(), json!(p.job_title));
    data.insert("religion".into(), json!(p.religion));
    data.insert("husbandName".into(), json!(p.husband));
    data.insert(
        "releaseDate".into(),
        json!(p.release.format("%Y-%m").to_string()),
    );
    data.insert("idExpiry".into(), json!(iso(p.expiry)));
    data.insert("idNumber".into(), json!(p.id_number));
    // The printed word; in a GenderMismatch case the number says otherwise.
    data.insert("gender".into(), json!(p.gender.code()));
    let mut s = d.finish(DocKind::IdBack, data);
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

fn passport_dates(rng: &mut ChaCha8Rng, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let issue = today - chrono::Duration::days(rng.gen_range(30..6 * 365));
    let expiry = issue
        .checked_add_months(Months::new(12 * 7))
        .unwrap_or(issue);
    (issue, expiry)
}

fn mrz_data(p: &Person, doc_code: char, number: String, expiry: NaiveDate) -> MrzData {
    MrzData {
        doc_code,
        country: "EGY".into(),
        surname: p.family.en.to_string(),
        given: format!("{} {} {}", p.first.en, p.father.en, p.grandfather.en),
        number,
        nationality: "EGY".into(),
        birth: p.birth,
        sex: if p.gender == people::Gender::Male {
            'M'
        } else {
            'F'
        },
        expiry,
        optional: p.id_number.clone(),
    }
}

/// `GIVEN NAMES SURNAME` as the MRZ name field spells it (truncation included).
fn mrz_name(field: &str) -> String {
    let mut parts = field.splitn(2, "<<");
    let surname = parts.next().unwrap_or("").replace('<', " ");
    let given = parts.next().unwrap_or("").replace('<', " ");
    format!("{} {}", given.trim(), surname.trim())
        .trim()
        .to_string()
}

fn passport_data(
    m: &MrzData,
    name_field: &str,
    mrz_lines: &[String],
    doc_type: &str,
) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("passport_no".into(), json!(m.number));
    data.insert("name".into(), json!(mrz_name(name_field)));
    data.insert("nationality".into(), json!(m.nationality));
    data.insert("country_code".into(), json!(m.country));
    data.insert("gender".into(), json!(m.sex.to_string()));
    data.insert("Date_of_Birth".into(), json!(iso(m.birth)));
    data.insert("Date_of_Expiry".into(), json!(iso(m.expiry)));
    data.insert("doc_Type".into(), json!(doc_type));
    data.insert("mrz".into(), json!(mrz_lines));
    data
}

/// Draws MRZ lines in OCR-B from the bottom up, each fitted to `width` (share).
fn draw_mrz(d: &mut Doc, lines: &[String], bottom: f32, width: f32) {
    let font = &d.fonts.mrz;
    let size = text::fit_size(font, 0.2 * d.h, &lines[0], width * d.w);
    let step = size * 1.35 / d.h;
    let n = lines.len();
    let ink = Rgba([15, 15, 20, 255]);
    for (i, l) in lines.iter().enumerate() {
        let y = bottom - step * (n - 1 - i) as f32;
        d.put(
            Some("mrz"),
            l,
            font,
            size / d.h,
            0.04,
            y,
            Align::Left,
            width,
            ink,
        );
    }
}

fn en_date(d: NaiveDate) -> String {
    d.format("%d %b %Y").to_string().to_uppercase()
}

fn passport(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    faces: &[std::path::PathBuf],
    today: NaiveDate,
) -> Sample {
    let w = (cw as f32 * 1.3) as u32;
    let h = (w as f32 / TD3_ASPECT).round() as u32;
    let img = art::security_background(rng, w, h, [[226, 222, 236], [236, 244, 228]]);
    let mut d = Doc::new(img, rng, fonts, level);
    let (issue, expiry) = passport_dates(d.rng, today);
    let number = format!("A{:08}", d.rng.gen_range(0..100_000_000u32));
    let m = mrz_data(p, 'P', number.clone(), expiry);
    let lines = mrz::td3(&m);
    d.label("جمهورية مصر العربية", 0.05, 0.97, 0.08, Align::Right);
    d.en(
        None,
        "ARAB REPUBLIC OF EGYPT",
        0.04,
        0.03,
        0.08,
        Align::Left,
        0.45,
        true,
    );
    d.label("جواز سفر", 0.045, 0.97, 0.15, Align::Right);
    d.en(None, "PASSPORT", 0.035, 0.03, 0.15, Align::Left, 0.3, true);
    d.photo(
        Rect::new(0.04, 0.2, 0.27, 0.66),
        faces,
        false,
        p.gender == people::Gender::Female,
    );
    let x = 0.31;
    let small = 0.022;
    let val = 0.032;
    let rows: [(&str, Option<&str>, String); 8] = [
        (
            "Type / Country code / Passport No.",
            Some("passport_no"),
            format!("P    EGY    {number}"),
        ),
        ("Surname", None, p.family.en.to_uppercase()),
        (
            "Given names",
            None,
            format!("{} {} {}", p.first.en, p.father.en, p.grandfather.en).to_uppercase(),
        ),
        ("Nationality", Some("nationality"), "EGYPTIAN".into()),
        ("Date of birth", Some("Date_of_Birth"), en_date(p.birth)),
        ("Sex", Some("gender"), m.sex.to_string()),
        ("Date of issue", None, en_date(issue)),
        ("Date of expiry", Some("Date_of_Expiry"), en_date(expiry)),
    ];
    let mut y = 0.23;
    for (label, field, value) in rows.iter() {
        d.en(None, label, small, x, y, Align::Left, 0.3, false);
        d.en(*field, value, val, x, y + 0.037, Align::Left, 0.34, true);
        y += 0.066;
    }
    // The Arabic name in the right column, as Egyptian passports print it.
    d.label("الاسم", 0.028, 0.97, 0.36, Align::Right);
    d.ar(
        "name_arabic",
        &p.full_name(),
        0.042,
        0.97,
        0.42,
        Align::Right,
        0.3,
    );
    d.label("محل الميلاد", 0.028, 0.97, 0.50, Align::Right);
    let place = p.birth_gov.map_or(crate::data::BORN_ABROAD, |g| g.ar);
    d.ar(
        "place_of_birth",
        place,
        0.042,
        0.97,
        0.56,
        Align::Right,
        0.3,
    );
    draw_mrz(&mut d, &lines, 0.93, 0.92);
    let data = passport_data(&m, &lines[0][5..], &lines, "P");
    d.finish(DocKind::Passport, data)
}

fn td1(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    today: NaiveDate,
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    let (_, expiry) = passport_dates(d.rng, today);
    let number = p.id_key.clone();
    let m = mrz_data(p, 'I', number, expiry);
    let lines = mrz::td1(&m);
    let a1 = to_arabic_indic(&p.address_1);
    let a2 = to_arabic_indic(&p.address_2);
    d.label("العنوان", 0.05, 0.95, 0.12, Align::Right);
    d.ar("address_1", &a1, 0.06, 0.95, 0.23, Align::Right, 0.9);
    d.ar("address_2", &a2, 0.06, 0.95, 0.33, Align::Right, 0.9);
    draw_mrz(&mut d, &lines, 0.9, 0.92);
    let data = passport_data(&m, &lines[2], &lines, "I");
    let mut s = d.finish(DocKind::Td1, data);
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

fn traffic_units(p: &Person) -> (String, String) {
    (
        format!("وحدة مرور {}", p.district),
        format!("إدارة مرور {}", p.home_gov.ar),
    )
}

fn driving_license(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    faces: &[std::path::PathBuf],
    today: NaiveDate,
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    let (lt_ar, _lt_en) = *data::DRIVING_LICENSE_TYPES.choose(d.rng).expect("types");
    // Private licences run 10 years, professional ones 3 (as commonly issued).
    let years = if lt_ar == "خاصة" { 10 } else { 3 };
    let issue = today - chrono::Duration::days(d.rng.gen_range(30..(years * 365 - 30) as i64));
    let expiry = issue
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(issue);
    let (tu1, tu2) = traffic_units(p);
    d.label(
        "جمهورية مصر العربية - وزارة الداخلية",
        0.05,
        0.95,
        0.08,
        Align::Right,
    );
    d.label("رخصة قيادة", 0.055, 0.35, 0.08, Align::Center);
    d.en(
        None,
        "DRIVING LICENCE",
        0.04,
        0.04,
        0.15,
        Align::Left,
        0.4,
        true,
    );
    d.photo(
        Rect::new(0.03, 0.2, 0.23, 0.62),
        faces,
        true,
        p.gender == people::Gender::Female,
    );
    let r = 0.96;
    let s = 0.052;
    d.ar(
        "NameArabic",
        &p.full_name(),
        s * 1.1,
        r,
        0.24,
        Align::Right,
        0.7,
    );
    let name_en = p.full_name_en().to_uppercase();
    d.en(
        Some("NameEnglish"),
        &name_en,
        s * 0.8,
        0.27,
        0.32,
        Align::Left,
        0.69,
        false,
    );
    let num = to_arabic_indic(&p.id_number);
    d.labelled("الرقم القومي", "NationalID", &num, s, r, 0.405, 0.4);
    d.labelled("الجنسية", "NationalityArabic", "مصري", s, r, 0.485, 0.2);
    d.en(
        Some("NationalityEnglish"),
        "Egyptian",
        s * 0.8,
        0.27,
        0.485,
        Align::Left,
        0.2,
        false,
    );
    d.labelled("نوع الرخصة", "LicenseType", lt_ar, s, r, 0.56, 0.4);
    d.labelled("المهنة", "Job", &p.job, s, r, 0.635, 0.45);
    let addr = to_arabic_indic(&p.address());
    d.labelled("العنوان", "Address", &addr, s * 0.9, r, 0.71, 0.6);
    d.labelled(
        "تاريخ التحرير",
        "IssuenceDate",
        &ar_date(issue),
        s * 0.9,
        r,
        0.79,
        0.2,
    );
    d.labelled(
        "نهاية الترخيص",
        "ExpiryDate",
        &ar_date(expiry),
        s * 0.9,
        0.5,
        0.79,
        0.2,
    );
    d.ar("TrafficUnit1", &tu1, s * 0.9, r, 0.90, Align::Right, 0.4);
    d.ar("TrafficUnit2", &tu2, s * 0.9, 0.45, 0.90, Align::Right, 0.4);

    let mut data = Map::new();
    data.insert("NameArabic".into(), json!(p.full_name()));
    data.insert("NameEnglish".into(), json!(name_en));
    data.insert("NationalID".into(), json!(p.id_number));
    data.insert("NationalityArabic".into(), json!("مصري"));
    data.insert("NationalityEnglish".into(), json!("Egyptian"));
    data.insert("LicenseType".into(), json!(lt_ar));
    data.insert("Job".into(), json!(p.job));
    data.insert("Address".into(), json!(ascii_digits(&p.address())));
    data.insert("ExpiryDate".into(), json!(iso(expiry)));
    data.insert("IssuenceDate".into(), json!(iso(issue)));
    data.insert("TrafficUnit1".into(), json!(ascii_digits(&tu1)));
    data.insert("TrafficUnit2".into(), json!(tu2));
    let mut s = d.finish(DocKind::DrivingLicense, data);
    s.truth.approximate_fields = vec!["NameEnglish".into()];
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

/// A plate number: letters in reading order and ASCII digits, by governorate rule.
#[derive(Debug, Clone)]
struct PlateNumber {
    letters: Vec<&'static str>,
    digits: String,
}

impl PlateNumber {
    fn random(rng: &mut ChaCha8Rng) -> PlateNumber {
        // Cairo 3+3, Giza 4+2, others 4+3 (documents.md).
        let (nd, nl) = match rng.gen_range(0..10) {
            0..=2 => (3, 3),
            3..=4 => (4, 2),
            _ => (4, 3),
        };
        let letters = (0..nl)
            .map(|_| *data::PLATE_LETTERS.choose(rng).expect("letters"))
            .collect();
        let first = rng.gen_range(1..=9);
        let rest: String = (1..nd)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        PlateNumber {
            letters,
            digits: format!("{first}{rest}"),
        }
    }
    /// A plate's number: mostly the governorate rules, sometimes the shorter numbers
    /// real plates also carry (1-4 digits, 1-3 letters). Plate kinds only.
    fn random_plate(rng: &mut ChaCha8Rng) -> PlateNumber {
        if rng.gen_bool(0.7) {
            return PlateNumber::random(rng);
        }
        let nd = rng.gen_range(1..=4);
        let nl = rng.gen_range(1..=3);
        let letters = (0..nl)
            .map(|_| *data::PLATE_LETTERS.choose(rng).expect("letters"))
            .collect();
        let first = rng.gen_range(1..=9);
        let rest: String = (1..nd)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        PlateNumber {
            letters,
            digits: format!("{first}{rest}"),
        }
    }
    /// `ر ق ب` (letters separated by spaces, reading order).
    fn letters_spaced(&self) -> String {
        self.letters.join(" ")
    }
    /// documents.md's `result`: letters, a space, Arabic-Indic digits.
    fn result(&self) -> String {
        format!(
            "{} {}",
            self.letters_spaced(),
            to_arabic_indic(&self.digits)
        )
    }
}

fn car_front(
    p: &Person,
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    today: NaiveDate,
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    let plate = PlateNumber::random(d.rng);
    let (lt, _) = *data::VEHICLE_LICENSE_TYPES.choose(d.rng).expect("types");
    // Vehicle licences are renewed every 3 years (1 for taxis and trucks, simplified).
    let years = if lt == "ملاكي" { 3 } else { 1 };
    let issue = today - chrono::Duration::days(d.rng.gen_range(30..(years * 365 - 20) as i64));
    let expiry = issue
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(issue);
    let (tu1, _) = traffic_units(p);
    d.label(
        "جمهورية مصر العربية - وزارة الداخلية",
        0.05,
        0.95,
        0.09,
        Align::Right,
    );
    d.label("رخصة تسيير", 0.06, 0.25, 0.09, Align::Center);
    d.en(
        None,
        "VEHICLE LICENCE",
        0.035,
        0.05,
        0.17,
        Align::Left,
        0.4,
        true,
    );
    let r = 0.95;
    let s = 0.06;
    let num = format!(
        "{} {}",
        plate.letters_spaced(),
        to_arabic_indic(&plate.digits)
    );
    d.labelled("رقم اللوحة", "license_number", &num, s, r, 0.27, 0.4);
    d.labelled("نوع الترخيص", "license_type", lt, s, r, 0.38, 0.3);
    d.labelled("المالك", "name", &p.full_name(), s, r, 0.49, 0.65);
    d.labelled("الجنسية", "nationality", "مصري", s, r, 0.60, 0.3);
    let addr = to_arabic_indic(&p.address());
    d.labelled("العنوان", "address", &addr, s * 0.9, r, 0.71, 0.75);
    d.labelled(
        "تاريخ الترخيص",
        "issuance",
        &ar_date(issue),
        s * 0.9,
        r,
        0.82,
        0.2,
    );
    d.labelled(
        "نهاية الترخيص",
        "expiry",
        &ar_date(expiry),
        s * 0.9,
        0.45,
        0.82,
        0.2,
    );
    d.ar("traffic_unit", &tu1, s * 0.9, r, 0.93, Align::Right, 0.6);

    let mut data = Map::new();
    data.insert(
        "license_number".into(),
        json!(format!("{} {}", plate.letters_spaced(), plate.digits)),
    );
    data.insert("license_type".into(), json!(lt));
    data.insert("name".into(), json!(p.full_name()));
    data.insert("nationality".into(), json!("مصري"));
    data.insert("address".into(), json!(ascii_digits(&p.address())));
    data.insert("expiry".into(), json!(iso(expiry)));
    data.insert("issuance".into(), json!(iso(issue)));
    data.insert("traffic_unit".into(), json!(ascii_digits(&tu1)));
    let mut s = d.finish(DocKind::CarLicenseFront, data);
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

/// A 17-character VIN: the make's WMI, then characters without I, O, Q.
fn vin(rng: &mut ChaCha8Rng, wmi: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let mut v = wmi.to_string();
    while v.len() < 17 {
        v.push(char::from(*ALPHABET.choose(rng).expect("alphabet")));
    }
    v
}

fn car_back(
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
    today: NaiveDate,
) -> Sample {
    let ch = (cw as f32 / ID1_ASPECT).round() as u32;
    let img = card_canvas(rng, cw, ch);
    let mut d = Doc::new(img, rng, fonts, level);
    let make = *data::MAKES.choose(d.rng).expect("makes");
    let (model_ar, _model_en, cc, cyl) = *make.models.choose(d.rng).expect("models");
    let year = d.rng.gen_range(1995..=today.year());
    let chassis = vin(d.rng, make.wmi);
    let motor = format!(
        "{}{}{:06}",
        char::from(b'A' + d.rng.gen_range(0..26u8)),
        d.rng.gen_range(1..10),
        d.rng.gen_range(0..1_000_000u32)
    );
    let (colour, _) = *data::COLOURS.choose(d.rng).expect("colours");
    let fuel = *data::FUELS.choose(d.rng).expect("fuels");
    let exam = today - chrono::Duration::days(d.rng.gen_range(10..700));
    let s = 0.06;
    let (r1, r2) = (0.95, 0.47);
    let y = |i: usize| 0.16 + 0.165 * i as f32;
    d.labelled(
        "سنة الصنع",
        "model_year",
        &to_arabic_indic(&year.to_string()),
        s,
        r1,
        y(0),
        0.2,
    );
    d.labelled("الماركة", "type", make.ar, s, r1, y(1), 0.25);
    d.labelled("الطراز", "sub_type", model_ar, s, r1, y(2), 0.25);
    d.labelled("اللون", "color", colour, s, r1, y(3), 0.2);
    d.labelled("الوقود", "fuel", fuel, s, r1, y(4), 0.2);
    d.labelled(
        "سعة المحرك",
        "volume",
        &to_arabic_indic(&cc.to_string()),
        s,
        r2,
        y(0),
        0.15,
    );
    d.labelled(
        "السلندرات",
        "cylinder",
        &to_arabic_indic(&cyl.to_string()),
        s,
        r2,
        y(1),
        0.1,
    );
    d.labelled(
        "تاريخ الفحص",
        "examination_dt",
        &ar_date(exam),
        s,
        r2,
        y(2),
        0.2,
    );
    // Chassis and motor numbers are Latin, left to right.
    d.label("رقم الشاسيه", s * 0.85, r2, y(3), Align::Right);
    d.en(
        Some("chasis"),
        &chassis,
        s * 0.9,
        0.04,
        y(3),
        Align::Left,
        0.25,
        true,
    );
    d.label("رقم الموتور", s * 0.85, r2, y(4), Align::Right);
    d.en(
        Some("motor"),
        &motor,
        s * 0.9,
        0.04,
        y(4),
        Align::Left,
        0.25,
        true,
    );

    let mut data = Map::new();
    data.insert("model_year".into(), json!(year.to_string()));
    data.insert("type".into(), json!(make.ar));
    data.insert("sub_type".into(), json!(ascii_digits(model_ar)));
    data.insert("chasis".into(), json!(chassis));
    data.insert("volume".into(), json!(cc.to_string()));
    data.insert("motor".into(), json!(motor));
    data.insert("color".into(), json!(colour));
    data.insert("fuel".into(), json!(fuel));
    data.insert("cylinder".into(), json!(cyl.to_string()));
    data.insert("examination_dt".into(), json!(iso(exam)));
    let mut s = d.finish(DocKind::CarLicenseBack, data);
    s.corner_radius = ID1_RADIUS * cw as f32;
    s
}

/// Draws a plate; returns the sample and the plate's number.
///
/// The look follows real plates: tall, condensed characters that nearly fill the body
/// (one of several Arabic faces, strokes thickened, drawn on a wider plate and squeezed),
/// `ه` in its initial form, characters spread over each half, a coloured band with `مصر`
/// and `EGYPT`, a black border and rule of varying weight, bolts, dirt and fading.
fn plate(
    cw: u32,
    fonts: &'static FontSet,
    rng: &mut ChaCha8Rng,
    level: f32,
) -> (Sample, PlateNumber, PlateClass) {
    let out_w = (cw as f32 * 0.7) as u32;
    let h = (out_w as f32 / PLATE_ASPECT * rng.gen_range(0.9..1.1)).round() as u32;
    // Real plates print tall, condensed characters that nearly fill the body: drawn on a
    // wider plate and squeezed back to the plate's width, a common face looks like them.
    let squeeze = if rng.gen_bool(0.8) {
        rng.gen_range(1.1..1.6f32)
    } else {
        1.0
    };
    let w = (out_w as f32 * squeeze).round() as u32;
    let class = if rng.gen_bool(0.6) {
        PlateClass::Private
    } else {
        *PlateClass::ALL.choose(rng).expect("classes")
    };
    let number = PlateNumber::random_plate(rng);
    let white = rng.gen_range(215..=250u8);
    let mut img = RgbImage::from_pixel(
        w,
        h,
        Rgb([white, white, white.saturating_sub(rng.gen_range(0..12))]),
    );
    let band_h = (h as f32 * rng.gen_range(0.24..0.32)) as u32;
    let band = class
        .band()
        .map(|c| (i32::from(c) + rng.gen_range(-18..=18)).clamp(0, 255) as u8);
    draw_filled_rect_mut(&mut img, IRect::at(0, 0).of_size(w, band_h), Rgb(band));
    let border = Rgb([rng.gen_range(10..60u8); 3]);
    let thick = rng.gen_range(1..=(w / 50).max(2));
    for i in 0..thick {
        draw_hollow_rect_mut(
            &mut img,
            IRect::at(i as i32, i as i32).of_size(w - 2 * i, h - 2 * i),
            border,
        );
    }
    if rng.gen_bool(0.5) {
        draw_filled_rect_mut(
            &mut img,
            IRect::at(0, band_h as i32).of_size(w, thick.max(2) / 2 + 1),
            border,
        );
    }
    let pfonts = crate::plate_art::plate_fonts();
    let mut d = Doc::new(img, rng, fonts, level * 0.3);
    let font: &'static Font = if pfonts.is_empty() {
        d.fonts.arabic_for(d.ar_value, "مصر")
    } else {
        &pfonts[d.rng.gen_range(0..pfonts.len())]
    };
    // Band text is white on dark bands, black on pale ones.
    let luma = 0.3 * f32::from(band[0]) + 0.59 * f32::from(band[1]) + 0.11 * f32::from(band[2]);
    let band_ink = if luma < 140.0 {
        Rgba([250, 250, 250, 255])
    } else {
        Rgba([20, 20, 20, 255])
    };
    let band_frac = band_h as f32 / h as f32;
    d.put(
        None,
        "مصر",
        font,
        band_frac * 0.75,
        0.9,
        band_frac * 0.78,
        Align::Right,
        0.3,
        band_ink,
    );
    let fl = &d.fonts.latin[1];
    d.put(
        None,
        "EGYPT",
        fl,
        band_frac * 0.6,
        0.1,
        band_frac * 0.75,
        Align::Left,
        0.3,
        band_ink,
    );
    // The vertical rule between digits (left) and letters (right).
    let rule_w = d.rng.gen_range(2..=(w / 70).max(3));
    let x = (w as f32 * d.rng.gen_range(0.47..0.53)) as i32;
    draw_filled_rect_mut(
        &mut d.img,
        IRect::at(x - rule_w as i32 / 2, band_h as i32).of_size(rule_w, h - band_h),
        border,
    );
    let digits_ai = to_arabic_indic(&number.digits);
    let digit_chars: Vec<String> = digits_ai.chars().map(|c| c.to_string()).collect();
    // Letters in visual left-to-right order: the reading order reversed.
    // Plates print `ه` in its initial form (`هـ`), which a font draws only before a
    // tatweel; some older plates print the isolated form.
    let initial_heh = d.rng.gen_bool(0.85);
    let letter_chars: Vec<String> = number
        .letters
        .iter()
        .rev()
        .map(|&l| if initial_heh && l == "ه" { "هـ" } else { l }.to_string())
        .collect();
    let body_h = (h - band_h) as f32;
    let size = body_h * d.rng.gen_range(0.55..0.95);
    let bold = size * d.rng.gen_range(0.0..0.035);
    let ink_v = d.rng.gen_range(0..45u8);
    let ink = Rgba([ink_v, ink_v, ink_v, 255]);
    let pad = thick as f32 + 2.0;
    let top = band_h as f32 + pad * 0.5;
    let (fw, fh) = (w as f32, h as f32);
    let left = Rect::new(pad, top, x as f32 - rule_w as f32, fh - pad);
    let right = Rect::new(x as f32 + rule_w as f32, top, fw - pad, fh - pad);
    let rd =
        crate::plate_art::draw_spread(&mut d.img, d.rng, font, &digit_chars, left, size, bold, ink);
    let rl = crate::plate_art::draw_spread(
        &mut d.img,
        d.rng,
        font,
        &letter_chars,
        right,
        size,
        bold,
        ink,
    );
    let letters = number.letters_spaced();
    for (field, text, r) in [
        ("digits", digit_chars.join(" "), rd),
        ("letters", letters.clone(), rl),
    ] {
        d.lines.push(TextLine {
            text,
            field: Some(field.to_string()),
            quad: r.quad(),
            font: font.name.clone(),
        });
    }
    if d.rng.gen_bool(0.7) {
        crate::plate_art::bolts(&mut d.img, d.rng, band_h as f32);
    }
    let amount = d.rng.gen_range(0.0..1.0f32) * (0.4 + level);
    crate::plate_art::dirt(&mut d.img, d.rng, amount);
    let mut data = Map::new();
    data.insert("result".into(), json!(number.result()));
    data.insert("letters".into(), json!(letters));
    data.insert("digits".into(), json!(number.digits));
    data.insert("vehicle_class".into(), json!(class));
    let mut s = d.finish(DocKind::Plate, data);
    squeeze_to_width(&mut s, out_w);
    s.corner_radius = h as f32 * 0.04;
    (s, number, class)
}

/// Resizes a flat sample to `width` (its height kept), its truth's boxes with it.
fn squeeze_to_width(s: &mut Sample, width: u32) {
    let (w, h) = s.image.dimensions();
    if w == width {
        return;
    }
    let k = width as f32 / w as f32;
    s.image = image::imageops::resize(&s.image, width, h, image::imageops::FilterType::Triangle);
    let scale = |q: &Quad| Quad(q.0.map(|[x, y]| [x * k, y]));
    for line in &mut s.truth.lines {
        line.quad = scale(&line.quad);
    }
    s.truth.corners = scale(&s.truth.corners);
    s.truth.image_size = [width, h];
}

/// A plate on the back of a drawn car.
fn plate_scene(cw: u32, fonts: &'static FontSet, rng: &mut ChaCha8Rng, level: f32) -> Sample {
    let (plate_s, _, _) = plate(cw / 2, fonts, rng, level);
    let (w, h) = (1200u32, 900u32);
    let (wf, hf) = (w as f32, h as f32);
    let mut img = art::background(rng, w, h);
    // Street below the horizon.
    let horizon = (hf * rng.gen_range(0.35..0.5)) as i32;
    draw_filled_rect_mut(
        &mut img,
        IRect::at(0, horizon).of_size(w, h - horizon as u32),
        Rgb([70, 70, 75]),
    );
    let body = *[
        [200u8, 200, 205],
        [30, 30, 35],
        [150, 20, 25],
        [230, 230, 230],
        [40, 60, 120],
        [120, 120, 125],
    ]
    .choose(rng)
    .expect("colours");
    let cx = wf * rng.gen_range(0.4..0.6);
    let car_w = wf * rng.gen_range(0.6..0.8);
    let top = hf * rng.gen_range(0.15..0.25);
    let bottom = hf * rng.gen_range(0.8..0.9);
    let (l, r) = (cx - car_w / 2.0, cx + car_w / 2.0);
    use imageproc::drawing::{draw_filled_ellipse_mut, draw_polygon_mut};
    use imageproc::point::Point;
    // Wheels, body, rear window, lights, bumper.
    for wx in [l + car_w * 0.12, r - car_w * 0.12] {
        draw_filled_ellipse_mut(
            &mut img,
            (wx as i32, bottom as i32),
            (car_w * 0.08) as i32,
            (hf * 0.06) as i32,
            Rgb([15, 15, 15]),
        );
    }
    let shape = [
        Point::new((l + car_w * 0.2) as i32, top as i32),
        Point::new((r - car_w * 0.2) as i32, top as i32),
        Point::new((r - car_w * 0.05) as i32, (top + hf * 0.22) as i32),
        Point::new(r as i32, (top + hf * 0.3) as i32),
        Point::new(r as i32, bottom as i32),
        Point::new(l as i32, bottom as i32),
        Point::new(l as i32, (top + hf * 0.3) as i32),
        Point::new((l + car_w * 0.05) as i32, (top + hf * 0.22) as i32),
    ];
    draw_polygon_mut(&mut img, &shape, Rgb(body));
    let window = [
        Point::new((l + car_w * 0.24) as i32, (top + hf * 0.03) as i32),
        Point::new((r - car_w * 0.24) as i32, (top + hf * 0.03) as i32),
        Point::new((r - car_w * 0.1) as i32, (top + hf * 0.2) as i32),
        Point::new((l + car_w * 0.1) as i32, (top + hf * 0.2) as i32),
    ];
    draw_polygon_mut(&mut img, &window, Rgb([60, 75, 90]));
    let light_y = (top + hf * 0.33) as i32;
    for lx in [l + car_w * 0.04, r - car_w * 0.16] {
        draw_filled_rect_mut(
            &mut img,
            IRect::at(lx as i32, light_y).of_size((car_w * 0.12) as u32, (hf * 0.06) as u32),
            Rgb([200, 30, 30]),
        );
    }
    let bumper_y = bottom - hf * 0.12;
    draw_filled_rect_mut(
        &mut img,
        IRect::at(l as i32, bumper_y as i32).of_size(car_w as u32, (hf * 0.07) as u32),
        Rgb([35, 35, 38]),
    );

    // Paste the plate, scaled, centred above the bumper.
    let pw = (car_w * rng.gen_range(0.28..0.36)) as u32;
    let scale = pw as f32 / plate_s.image.width() as f32;
    let ph = (plate_s.image.height() as f32 * scale) as u32;
    let small = image::imageops::resize(
        &plate_s.image,
        pw,
        ph,
        image::imageops::FilterType::Triangle,
    );
    let px = (cx - pw as f32 / 2.0) as i64;
    let py = (bumper_y - ph as f32 - hf * 0.01) as i64;
    image::imageops::overlay(&mut img, &small, px, py);
    let (ox, oy) = (px as f32, py as f32);
    let place = |q: &Quad| Quad(q.0.map(|[x, y]| [x * scale + ox, y * scale + oy]));
    let mut truth = plate_s.truth;
    truth.kind = DocKind::PlateScene;
    truth.corners = place(&truth.corners);
    for line in &mut truth.lines {
        line.quad = place(&line.quad);
    }
    truth.image_size = [w, h];
    Sample {
        image: img,
        truth,
        jpeg_quality: 95,
        corner_radius: 0.0,
    }
}
