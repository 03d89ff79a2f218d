//! Tesseract engines for one worker: `ara` for Arabic lines, `eng` for Latin lines and
//! digits, created once (initialising `eng` costs 100-300 ms) and reused per line.
//!
//! Set-up that matters (native-deps.md):
//! - `OMP_THREAD_LIMIT=1` in the process environment before the first engine is created
//!   (OpenMP reads it once): each worker is one thread on one core, and letting Tesseract
//!   fork OpenMP threads made each call about 3x slower on 2 cores.
//! - `textord_noise_rejrows=0`: with the default, line images with ink taller than about
//!   28 px came back empty with confidence 0 (seen with `ara` in native-deps.md; not
//!   reproduced on clean DejaVu Sans renders at 24-64 px, which read the same either way).
//!   Set on every engine: our crops are single lines with no noise rows to reject.
//! - Engines are `Send` but not `Sync`; a pool belongs to one worker thread.
//! - Debian's language data is tessdata_fast (LSTM only); `ara` cannot read
//!   Arabic-Indic digits, so digits go to `eng` with a whitelist or to the digit model.

use std::ffi::CString;
use std::path::PathBuf;

use image::RgbImage;
use tesseract::plumbing::TessBaseApi;
pub use tesseract::PageSegMode;

/// A Tesseract language model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TessLang {
    Ara,
    Eng,
}

impl TessLang {
    pub fn code(self) -> &'static str {
        match self {
            TessLang::Ara => "ara",
            TessLang::Eng => "eng",
        }
    }
}

/// How engines are created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TesseractConfig {
    /// The `tessdata` directory. Default `None`: the library's built-in path (Debian:
    /// `/usr/share/tesseract-ocr/5/tessdata`), or `TESSDATA_PREFIX` when set.
    pub datapath: Option<PathBuf>,
    /// Engines created up front. Default `ara` and `eng`: the only two the readers use.
    pub languages: Vec<TessLang>,
    /// Resolution reported to Tesseract. Default 300: crops carry no DPI, and without
    /// one Tesseract warns on every call and guesses from the image size.
    pub source_dpi: i32,
}

impl Default for TesseractConfig {
    fn default() -> Self {
        TesseractConfig {
            datapath: None,
            languages: vec![TessLang::Ara, TessLang::Eng],
            source_dpi: 300,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TesseractError {
    #[error("tesseract could not load language `{lang}` from {datapath}")]
    Init {
        lang: &'static str,
        datapath: String,
    },
    #[error("no tesseract engine for `{0}` in this worker's pool")]
    NoEngine(&'static str),
    #[error("tesseract rejected variable {0}")]
    Variable(String),
    #[error("tesseract rejected the image: {0}")]
    Image(String),
    #[error("tesseract failed to recognise the image")]
    Recognize,
}

/// Text of one line and Tesseract's mean word confidence (0-1).
#[derive(Debug, Clone, PartialEq)]
pub struct TessLine {
    pub text: String,
    pub confidence: f32,
}

/// One word Tesseract read: its text, its columns on the image read and its confidence
/// (0-1).
#[derive(Debug, Clone, PartialEq)]
pub struct TessWord {
    pub text: String,
    pub x0: u32,
    pub x1: u32,
    pub confidence: f32,
}

struct Engine {
    lang: TessLang,
    api: TessBaseApi,
}

/// The engines of one worker.
pub struct TesseractPool {
    engines: Vec<Engine>,
    source_dpi: i32,
}

impl std::fmt::Debug for TesseractPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let langs: Vec<_> = self.engines.iter().map(|e| e.lang).collect();
        f.debug_struct("TesseractPool")
            .field("languages", &langs)
            .finish()
    }
}

fn cstring(s: &str) -> Result<CString, TesseractError> {
    CString::new(s).map_err(|_| TesseractError::Variable(s.replace('\0', "\\0")))
}

fn set_variable(api: &mut TessBaseApi, name: &str, value: &str) -> Result<(), TesseractError> {
    api.set_variable(&cstring(name)?, &cstring(value)?)
        .map_err(|_| TesseractError::Variable(format!("{name}={value}")))
}

impl TesseractPool {
    pub fn new(config: &TesseractConfig) -> Result<TesseractPool, TesseractError> {
        if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
            tracing::warn!(
                "OMP_THREAD_LIMIT is unset: Tesseract may start OpenMP threads per call"
            );
        }
        let datapath = config
            .datapath
            .as_ref()
            .map(|p| cstring(&p.to_string_lossy()))
            .transpose()?;
        let mut engines = Vec::with_capacity(config.languages.len());
        for &lang in &config.languages {
            let mut api = TessBaseApi::create();
            api.init_2(datapath.as_deref(), Some(&cstring(lang.code())?))
                .map_err(|_| TesseractError::Init {
                    lang: lang.code(),
                    datapath: config
                        .datapath
                        .as_ref()
                        .map_or("the default tessdata".into(), |p| p.display().to_string()),
                })?;
            set_variable(&mut api, "textord_noise_rejrows", "0")?;
            // Tesseract's own diagnostics ("Image too small to scale!!" for a two-pixel
            // blob inside a line) go to stderr by default, once per call: a server's log
            // is not the place; confidences already say when a line read badly.
            set_variable(&mut api, "debug_file", "/dev/null")?;
            engines.push(Engine { lang, api });
        }
        Ok(TesseractPool {
            engines,
            source_dpi: config.source_dpi,
        })
    }

    pub fn languages(&self) -> Vec<TessLang> {
        self.engines.iter().map(|e| e.lang).collect()
    }

    /// Reads one line image. `whitelist` limits the characters Tesseract may output
    /// (e.g. `"0123456789"`); `None` allows all. Text is trimmed.
    pub fn recognize_line(
        &mut self,
        image: &RgbImage,
        lang: TessLang,
        psm: PageSegMode,
        whitelist: Option<&str>,
    ) -> Result<TessLine, TesseractError> {
        self.recognize(image, lang, psm, whitelist)?;
        let api = &mut self.engine(lang)?.api;
        let text = api
            .get_utf8_text()
            .map_err(|_| TesseractError::Recognize)?
            .as_ref()
            .to_string_lossy()
            .trim()
            .to_string();
        let confidence = if text.is_empty() {
            0.0
        } else {
            api.mean_text_conf().clamp(0, 100) as f32 / 100.0
        };
        Ok(TessLine { text, confidence })
    }

    /// Reads one line image as [`TesseractPool::recognize_line`] does, and answers its
    /// words with their spans on the image (Tesseract's TSV), in the order Tesseract
    /// gives them.
    pub fn recognize_words(
        &mut self,
        image: &RgbImage,
        lang: TessLang,
        psm: PageSegMode,
    ) -> Result<Vec<TessWord>, TesseractError> {
        self.recognize(image, lang, psm, None)?;
        let api = &mut self.engine(lang)?.api;
        let tsv = api.get_tsv_text(0).map_err(|_| TesseractError::Recognize)?;
        Ok(parse_tsv_words(&tsv.as_ref().to_string_lossy()))
    }

    fn engine(&mut self, lang: TessLang) -> Result<&mut Engine, TesseractError> {
        self.engines
            .iter_mut()
            .find(|e| e.lang == lang)
            .ok_or(TesseractError::NoEngine(lang.code()))
    }

    /// Runs recognition on `image`; the results stay in the language's engine.
    fn recognize(
        &mut self,
        image: &RgbImage,
        lang: TessLang,
        psm: PageSegMode,
        whitelist: Option<&str>,
    ) -> Result<(), TesseractError> {
        let dpi = self.source_dpi;
        let api = &mut self.engine(lang)?.api;
        // Variables persist between calls: set the whitelist every time, empty to clear.
        set_variable(api, "tessedit_char_whitelist", whitelist.unwrap_or(""))?;
        api.set_page_seg_mode(psm.as_tess_page_seg_mode());
        let (w, h) = image.dimensions();
        api.set_image(image.as_raw(), w as i32, h as i32, 3, 3 * w as i32)
            .map_err(|e| TesseractError::Image(e.to_string()))?;
        api.set_source_resolution(dpi);
        api.recognize().map_err(|_| TesseractError::Recognize)
    }
}

/// The words of Tesseract's TSV output (level 5 rows: level, page, block, paragraph,
/// line, word, left, top, width, height, confidence, text); rows that do not parse are
/// skipped.
fn parse_tsv_words(tsv: &str) -> Vec<TessWord> {
    tsv.lines()
        .filter_map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let text = cols[11].trim();
            if text.is_empty() {
                return None;
            }
            let left: u32 = cols[6].parse().ok()?;
            let width: u32 = cols[8].parse().ok()?;
            let confidence: f32 = cols[10].parse().ok()?;
            Some(TessWord {
                text: text.to_string(),
                x0: left,
                x1: left + width,
                confidence: (confidence / 100.0).clamp(0.0, 1.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_are_level_five_rows_with_text() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t300\t40\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t5\t6\t280\t30\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t200\t6\t80\t30\t91.5\tرقم\n\
                   5\t1\t1\t1\t1\t2\t90\t6\t100\t30\t88\tاللوحة\n\
                   5\t1\t1\t1\t1\t3\t40\t6\t20\t30\t95\t \n\
                   5\t1\t1\t1\t1\t4\tx\t6\t20\t30\t95\tب\n";
        let words = parse_tsv_words(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].text, "رقم");
        assert_eq!((words[0].x0, words[0].x1), (200, 280));
        assert!((words[0].confidence - 0.915).abs() < 1e-6);
        assert_eq!((words[1].x0, words[1].x1), (90, 190));
    }
}
