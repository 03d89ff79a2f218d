//! Fonts found on the system at run time (no font file is committed).
//!
//! The Debian packages named in native-deps.md put their files under `/usr/share/fonts`.
//! We look files up by file name under a few font roots rather than through fontconfig:
//! the names are stable across Debian releases and this keeps the crate free of native
//! dependencies. `HAWIYA_FONT_DIR` adds a root searched first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::SynthError;

/// One loaded font: shaping face (rustybuzz) and outline source (ab_glyph) over the same
/// bytes, so the glyph ids rustybuzz returns are the ids ab_glyph rasterises.
pub struct Font {
    /// File stem, for ground truth and debugging (`Amiri-Regular`).
    pub name: String,
    pub(crate) face: rustybuzz::Face<'static>,
    pub(crate) outlines: ab_glyph::FontRef<'static>,
    /// Font units per em, used to turn shaping advances into pixels.
    pub(crate) upem: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("name", &self.name).finish()
    }
}

impl Font {
    /// Loads a font file. The bytes are leaked on purpose: fonts are loaded once per
    /// process (see [`FontSet::system`]) and the faces borrow them for `'static`.
    pub fn load(path: &Path) -> Result<Font, SynthError> {
        // A per-path cache keeps repeated loads from leaking more than once.
        static CACHE: OnceLock<Mutex<HashMap<PathBuf, &'static [u8]>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let bytes: &'static [u8] = {
            let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(path) {
                Some(b) => b,
                None => {
                    let data = std::fs::read(path).map_err(|e| SynthError::Io {
                        path: path.to_path_buf(),
                        source: e,
                    })?;
                    let leaked: &'static [u8] = Box::leak(data.into_boxed_slice());
                    map.insert(path.to_path_buf(), leaked);
                    leaked
                }
            }
        };
        let bad = || SynthError::BadFont(path.to_path_buf());
        let face = rustybuzz::Face::from_slice(bytes, 0).ok_or_else(bad)?;
        let outlines = ab_glyph::FontRef::try_from_slice(bytes).map_err(|_| bad())?;
        let upem = face.units_per_em() as f32;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Font {
            name,
            face,
            outlines,
            upem,
        })
    }

    /// Whether every non-space character of `text` has a glyph in this font
    /// (Noto Naskh Arabic, for one, has no `-`).
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            // Bidi marks are invisible controls the shaper drops; fonts need no glyph.
            .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200E}' | '\u{200F}'))
            .all(|c| self.face.glyph_index(c).is_some())
    }
}

/// Where a font file is looked for, and which Debian package ships it.
struct FontFile {
    file: &'static str,
    package: &'static str,
}

const fn ff(file: &'static str, package: &'static str) -> FontFile {
    FontFile { file, package }
}

/// Arabic text faces. The first two are required; the rest add variety when present.
/// Kufi and the Arabeyes display faces are left out: the real cards print a plain
/// Naskh-like face, and a recogniser trained on decorative faces learns the wrong thing.
const ARABIC_REQUIRED: &[FontFile] = &[
    ff("Amiri-Regular.ttf", "fonts-hosny-amiri"),
    ff("NotoNaskhArabic-Regular.ttf", "fonts-noto-core"),
];
const ARABIC_OPTIONAL: &[FontFile] = &[
    ff("Amiri-Bold.ttf", "fonts-hosny-amiri"),
    ff("NotoNaskhArabic-Bold.ttf", "fonts-noto-core"),
    ff("NotoSansArabic-Regular.ttf", "fonts-noto-core"),
    ff("NotoSansArabic-Bold.ttf", "fonts-noto-core"),
    ff("ae_AlArabiya.ttf", "fonts-arabeyes"),
];
const LATIN_REQUIRED: &[FontFile] = &[
    ff("DejaVuSans.ttf", "fonts-dejavu-core"),
    ff("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
];
const LATIN_OPTIONAL: &[FontFile] = &[
    ff("DejaVuSansCondensed.ttf", "fonts-dejavu-core"),
    ff("DejaVuSerif.ttf", "fonts-dejavu-core"),
];
const MRZ_REQUIRED: FontFile = ff("OCRB.otf", "fonts-ocr-b");

/// Every font the renderers use.
#[derive(Debug)]
pub struct FontSet {
    /// Arabic faces; index 0 is Amiri, which covers every character we print.
    pub arabic: Vec<Font>,
    /// Latin faces for English fields; index 0 regular, 1 bold.
    pub latin: Vec<Font>,
    /// OCR-B for machine readable zones.
    pub mrz: Font,
}

impl FontSet {
    /// The system fonts, loaded once per process and shared.
    pub fn system() -> Result<&'static FontSet, SynthError> {
        static SET: OnceLock<Result<FontSet, String>> = OnceLock::new();
        SET.get_or_init(|| FontSet::load_from(&font_roots()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| SynthError::Fonts(e.clone()))
    }

    /// Loads the fonts from the given roots (searched recursively, in order).
    pub fn load_from(roots: &[PathBuf]) -> Result<FontSet, SynthError> {
        let index = index_font_files(roots);
        let find = |f: &FontFile| index.get(f.file).cloned();
        let require = |f: &FontFile| -> Result<Font, SynthError> {
            let path = find(f).ok_or_else(|| SynthError::MissingFont {
                file: f.file.to_string(),
                package: f.package.to_string(),
            })?;
            Font::load(&path)
        };
        let mut arabic = Vec::new();
        for f in ARABIC_REQUIRED {
            arabic.push(require(f)?);
        }
        for f in ARABIC_OPTIONAL {
            if let Some(p) = find(f) {
                arabic.push(Font::load(&p)?);
            }
        }
        let mut latin = Vec::new();
        for f in LATIN_REQUIRED {
            latin.push(require(f)?);
        }
        for f in LATIN_OPTIONAL {
            if let Some(p) = find(f) {
                latin.push(Font::load(&p)?);
            }
        }
        let mrz = require(&MRZ_REQUIRED)?;
        Ok(FontSet { arabic, latin, mrz })
    }

    /// The Arabic face at `i` (modulo the count). Characters it lacks are drawn from
    /// Amiri by the text module, so any face will do for any text.
    pub fn arabic_for(&self, i: usize, _text: &str) -> &Font {
        &self.arabic[i % self.arabic.len()]
    }
}

pub(crate) fn font_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(d) = std::env::var_os("HAWIYA_FONT_DIR") {
        roots.push(PathBuf::from(d));
    }
    roots.push(PathBuf::from("/usr/share/fonts"));
    roots.push(PathBuf::from("/usr/local/share/fonts"));
    if let Some(home) = std::env::var_os("HOME") {
        roots.push(PathBuf::from(home).join(".local/share/fonts"));
    }
    roots
}

/// File name -> first path found, walking the roots in order.
pub(crate) fn index_font_files(roots: &[PathBuf]) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let mut stack: Vec<PathBuf> = roots.iter().rev().cloned().collect();
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
                out.entry(name.to_string()).or_insert(p);
            }
        }
    }
    out
}
