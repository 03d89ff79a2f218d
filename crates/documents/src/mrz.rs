//! Machine readable zones (ICAO 9303 parts 4-6): TD3 (passports, 2 x 44), TD2 (2 x 36)
//! and TD1 (ID cards, 3 x 30); parsing with check-digit-driven OCR correction, and
//! composition for synthetic documents.
//!
//! # Correction policy
//! OCR-B confusions (`<`/`K`/`X`, `0`/`O`/`D`/`Q`, `1`/`I`/`L`, `5`/`S`, `8`/`B`, `2`/`Z`,
//! `6`/`G`) are repaired only where a check digit backs the repair:
//! - within a checked field, a character may be replaced by one of its look-alikes that
//!   the field's type allows (digits in dates and check digits, letters/digits/filler in
//!   document numbers and optional data);
//! - the fewest replacements that make the check digit agree win, and only if exactly one
//!   such repair exists; several equally small repairs are refused (left as read and
//!   reported), unless the composite check digit picks exactly one of them (it can only
//!   where the field's weights are shifted against the composite's, as for a TD1/TD2
//!   long number's extension; elsewhere all rivals satisfy the composite alike);
//! - a `<` as read is never turned into a letter (OCR misreads chevrons as `K`/`X`, not
//!   the reverse), and `<`/`K`, `L`/`1` slips are invisible to check digits (equal
//!   weights modulo 10), so they are neither detected nor repaired there;
//! - the composite check digit also backs repairs of optional data that has no digit of
//!   its own (TD1, TD2), under the same uniqueness rule;
//! - fields without a check digit (names, country codes) only get type-forced repairs:
//!   a digit in a letters-only field becomes the letter it looks like, and runs of
//!   `K`/`X`/`C`/`E` (the shapes a blurred `<` is read as) after the last name token that
//!   can only be misread `<` filler become `<`;
//! - an issuing state or nationality that is no ICAO 9303 code becomes the one valid code
//!   a single look-alike substitution reaches, if exactly one does ([`states::snap`]).

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::codes::{Code, FieldIssue};
use crate::vocab::Gender;

pub mod states;

/// ICAO 9303 check digit: weights 7 3 1 over `0-9`, `A-Z` = 10-35, `<` = 0.
/// Returns `None` if a character is outside that alphabet.
pub fn check_digit(field: &str) -> Option<u8> {
    check_digit_bytes(field.as_bytes())
}

fn check_digit_bytes(field: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in field.iter().enumerate() {
        sum += char_value(c)? * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The MRZ formats of ICAO 9303.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    /// ID-1 cards: 3 lines of 30.
    Td1,
    /// ID-2 documents: 2 lines of 36.
    Td2,
    /// Passports: 2 lines of 44.
    Td3,
}

impl MrzFormat {
    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            MrzFormat::Td2 | MrzFormat::Td3 => 2,
        }
    }

    pub fn line_width(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 => 36,
            MrzFormat::Td3 => 44,
        }
    }

    /// The line holding the name field (padded with `<` when OCR dropped trailing filler).
    fn name_line(self) -> usize {
        match self {
            MrzFormat::Td1 => 2,
            MrzFormat::Td2 | MrzFormat::Td3 => 0,
        }
    }
}

/// Parameters of [`parse_lines_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MrzParams {
    /// Most look-alike replacements tried within one checked field. Two covers the usual
    /// OCR-B slips (one `O`/`0` and one `I`/`1` in a document number); with more, a mod-10
    /// check digit starts accepting wrong repairs by chance.
    pub max_substitutions: usize,
    /// How far ahead of `today` a two-digit expiry year may lie before it is read as the
    /// previous century. Passports and ID cards are issued for at most 10 years; 20 leaves
    /// room for unusual validities.
    pub expiry_window_years: i32,
    /// Most combinations of ambiguous field repairs handed to the composite check digit
    /// (each ambiguous field rarely has more than 3 candidates).
    pub max_composite_combinations: usize,
    /// Accept a line up to this many characters shorter or longer than the format width
    /// before refusing the zone: OCR often drops or adds a `<` at the end.
    pub line_length_tolerance: usize,
}

impl Default for MrzParams {
    fn default() -> Self {
        MrzParams {
            max_substitutions: 2,
            expiry_window_years: 20,
            max_composite_combinations: 64,
            line_length_tolerance: 3,
        }
    }
}

/// Why text could not be read as an MRZ at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("no MRZ text")]
    Empty,
    #[error("{count} lines of lengths {lengths:?} match no MRZ format")]
    UnknownFormat { count: usize, lengths: Vec<usize> },
    #[error("line {line} has {found} characters, expected {expected}")]
    LineLength {
        line: usize,
        expected: usize,
        found: usize,
    },
}

/// A field protected by a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckedField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// TD3's personal number / optional data (the only optional data with its own digit).
    OptionalData,
    /// The composite check digit over the other fields.
    Composite,
}

impl CheckedField {
    /// The passport route's field the check belongs to (api.md); `mrz` for checks that
    /// span several fields.
    pub fn api_field(self) -> &'static str {
        match self {
            CheckedField::DocumentNumber => "passport_no",
            CheckedField::BirthDate => "Date_of_Birth",
            CheckedField::ExpiryDate => "Date_of_Expiry",
            CheckedField::OptionalData | CheckedField::Composite => "mrz",
        }
    }
}

/// What happened to a checked field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckOutcome {
    /// The check digit agreed with the field as read.
    AsRead,
    /// Exactly one look-alike repair made the check digit agree; it was applied.
    Corrected,
    /// Several equally small repairs fit; none was applied.
    Ambiguous,
    /// No repair within the limits fits.
    Failed,
}

/// The result of one check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub field: CheckedField,
    /// The field's characters after correction (for the composite, the whole checked
    /// string).
    pub value: String,
    /// The check digit character after correction.
    pub check_char: char,
    pub outcome: CheckOutcome,
}

impl CheckResult {
    /// Whether the check digit agrees (after any applied correction).
    pub fn valid(&self) -> bool {
        matches!(self.outcome, CheckOutcome::AsRead | CheckOutcome::Corrected)
    }
}

/// One character the parser changed. Lines and columns count from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Correction {
    pub line: usize,
    pub column: usize,
    pub from: char,
    pub to: char,
}

/// A parsed MRZ.
#[derive(Debug, Clone, PartialEq)]
pub struct Mrz {
    pub format: MrzFormat,
    /// The lines after clean-up (case, spaces, length), before correction.
    pub raw_lines: Vec<String>,
    /// The lines after correction.
    pub lines: Vec<String>,
    /// `P`, `I`, `ID`, `AC`... (filler dropped).
    pub document_type: String,
    /// Three-letter code (`EGY`, `D` for Germany: filler dropped).
    pub issuing_country: String,
    pub surname: String,
    pub given_names: String,
    /// Including a TD1/TD2 long number's extension.
    pub document_number: String,
    pub nationality: String,
    /// `YYMMDD` as printed.
    pub birth_date_raw: String,
    /// `None` when unknown (`<`) or not a calendar date.
    pub birth_date: Option<NaiveDate>,
    /// `None` for unspecified (`<` or `X`).
    pub sex: Option<Gender>,
    pub expiry_date_raw: String,
    pub expiry_date: Option<NaiveDate>,
    /// TD3 personal number, TD1 line 1 optional data (after a long number's extension),
    /// TD2 optional data; trailing filler dropped.
    pub optional_data: String,
    /// TD1 line 2 optional data; empty for TD2 and TD3.
    pub optional_data_2: String,
    pub checks: Vec<CheckResult>,
    pub corrections: Vec<Correction>,
    /// 3013 for each failed or ambiguous check digit, 3007/3009 for dates that do not
    /// exist, 3010 when the document expired before `today`.
    pub issues: Vec<FieldIssue>,
}

impl Mrz {
    /// Whether every check digit agrees.
    pub fn checks_pass(&self) -> bool {
        self.checks.iter().all(CheckResult::valid)
    }

    /// Given names then surname, single-spaced.
    pub fn full_name(&self) -> String {
        [self.given_names.as_str(), self.surname.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The check result of `field`, if the format has one.
    pub fn check(&self, field: CheckedField) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.field == field)
    }
}

/// Parses MRZ text (lines separated by newlines) with default parameters.
pub fn parse(text: &str, today: NaiveDate) -> Result<Mrz, MrzError> {
    let lines: Vec<&str> = text.lines().collect();
    parse_lines_with(&lines, today, &MrzParams::default())
}

/// Parses MRZ lines with default parameters.
pub fn parse_lines(lines: &[&str], today: NaiveDate) -> Result<Mrz, MrzError> {
    parse_lines_with(lines, today, &MrzParams::default())
}

/// [`parse_lines`] with explicit parameters. `today` resolves two-digit years.
pub fn parse_lines_with(
    lines: &[&str],
    today: NaiveDate,
    params: &MrzParams,
) -> Result<Mrz, MrzError> {
    let cleaned: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| clean_line(l))
        .filter(|l| !l.is_empty())
        .collect();
    if cleaned.is_empty() {
        return Err(MrzError::Empty);
    }
    let format = detect_format(&cleaned, params)?;
    let grid = fit_lengths(cleaned, format)?;
    Ok(Parser {
        format,
        raw: grid.clone(),
        grid,
        corrections: Vec::new(),
        params: *params,
    }
    .run(today))
}

/// Upper case, spaces removed, common OCR renderings of `<` mapped to it; anything
/// outside the MRZ alphabet becomes `?`, which no field accepts.
fn clean_line(line: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    for c in line.chars() {
        match c {
            c if c.is_whitespace() => {}
            '«' => out.extend_from_slice(b"<<"),
            '‹' | '〈' | '＜' | '≤' => out.push(b'<'),
            c if c.is_ascii_alphanumeric() || c == '<' => out.push(c.to_ascii_uppercase() as u8),
            _ => out.push(b'?'),
        }
    }
    out
}

fn detect_format(lines: &[Vec<u8>], params: &MrzParams) -> Result<MrzFormat, MrzError> {
    let near = |len: usize, width: usize| len.abs_diff(width) <= params.line_length_tolerance;
    let lengths: Vec<usize> = lines.iter().map(Vec::len).collect();
    let candidates = [MrzFormat::Td3, MrzFormat::Td2, MrzFormat::Td1];
    candidates
        .into_iter()
        .find(|f| {
            lengths.len() == f.line_count() && lengths.iter().all(|&l| near(l, f.line_width()))
        })
        .ok_or(MrzError::UnknownFormat {
            count: lines.len(),
            lengths,
        })
}

/// Brings every line to the format width where that is safe: trailing `<` beyond the
/// width are dropped; a short name line is padded with `<` (the name field ends the line
/// and is padded with filler anyway). Anything else is refused.
fn fit_lengths(mut lines: Vec<Vec<u8>>, format: MrzFormat) -> Result<Vec<Vec<u8>>, MrzError> {
    let width = format.line_width();
    for (i, line) in lines.iter_mut().enumerate() {
        while line.len() > width && line.last() == Some(&b'<') {
            line.pop();
        }
        if line.len() < width && i == format.name_line() {
            line.resize(width, b'<');
        }
        if line.len() != width {
            return Err(MrzError::LineLength {
                line: i,
                expected: width,
                found: line.len(),
            });
        }
    }
    Ok(lines)
}

/// What a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// `0-9` (dates).
    Digit,
    /// `0-9`, `A-Z`, `<` (document numbers, optional data).
    Alnum,
    /// `0-9` (check digits).
    Check,
    /// `0-9` or `<` (the check digit of optional data that may be all filler).
    CheckOrFiller,
}

impl Slot {
    fn allows(self, c: u8) -> bool {
        match self {
            Slot::Digit | Slot::Check => c.is_ascii_digit(),
            Slot::Alnum => c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'<',
            Slot::CheckOrFiller => c.is_ascii_digit() || c == b'<',
        }
    }
}

/// The OCR-B look-alike classes.
const LOOK_ALIKES: [&[u8]; 7] = [b"<KX", b"0ODQ", b"1IL", b"5S", b"8B", b"2Z", b"6G"];

/// The look-alikes of `c` that `slot` allows. A `<` read is never replaced by a letter:
/// OCR turns the thin chevron into `K`/`X`, the reverse does not happen, and allowing it
/// would offer a "repair" in every filler position of an optional-data field.
fn alternatives(c: u8, slot: Slot) -> Vec<u8> {
    if c == b'<' {
        return Vec::new();
    }
    LOOK_ALIKES
        .iter()
        .find(|class| class.contains(&c))
        .map(|class| {
            class
                .iter()
                .copied()
                .filter(|&a| a != c && slot.allows(a))
                .collect()
        })
        .unwrap_or_default()
}

/// Digits that look like letters, for letters-only fields (names, country codes), which
/// have no check digit: only these type-forced repairs are made there.
fn letter_for_digit(c: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'O',
        b'1' => b'I',
        b'5' => b'S',
        b'8' => b'B',
        b'2' => b'Z',
        b'6' => b'G',
        _ => return None,
    })
}

type Pos = (usize, usize);

#[derive(Debug, Clone, Copy)]
struct Cell {
    pos: Pos,
    slot: Slot,
    /// Whether this search may change the character (false for composite positions that
    /// their own field's check already decided).
    vary: bool,
}

/// A check digit and the cells it covers.
#[derive(Debug, Clone)]
struct Group {
    field: CheckedField,
    data: Vec<Cell>,
    check: Cell,
    /// Filler may only trail (document numbers: `AB123<<<<` but never `AB<123`).
    filler_only_trailing: bool,
}

fn cells(line: usize, cols: std::ops::Range<usize>, slot: Slot, vary: bool) -> Vec<Cell> {
    cols.map(|c| Cell {
        pos: (line, c),
        slot,
        vary,
    })
    .collect()
}

fn cell(line: usize, col: usize, slot: Slot) -> Cell {
    Cell {
        pos: (line, col),
        slot,
        vary: true,
    }
}

/// Repairs found at the smallest number of replacements, `k`.
struct Found {
    k: usize,
    repairs: Vec<Vec<Correction>>,
}

struct Parser {
    format: MrzFormat,
    raw: Vec<Vec<u8>>,
    grid: Vec<Vec<u8>>,
    corrections: Vec<Correction>,
    params: MrzParams,
}

/// Where the fields sit, per format (0-based columns).
struct Layout {
    /// Line and column of the document number's first character.
    number: Pos,
    birth: Pos,
    sex: Pos,
    expiry: Pos,
    nationality: Pos,
    /// Optional data line and columns (without any check digit).
    optional: (usize, std::ops::Range<usize>),
}

impl Parser {
    /// A machine readable visa (ICAO 9303 part 7: MRV-A in TD3 size, MRV-B in TD2 size,
    /// document code `V`): its optional data runs to the end of line 2, with no check
    /// digit of its own and no composite.
    fn is_visa(&self) -> bool {
        self.format != MrzFormat::Td1 && self.grid[0][0] == b'V'
    }

    fn layout(&self) -> Layout {
        let visa = self.is_visa();
        match self.format {
            MrzFormat::Td3 => Layout {
                number: (1, 0),
                nationality: (1, 10),
                birth: (1, 13),
                sex: (1, 20),
                expiry: (1, 21),
                optional: (1, if visa { 28..44 } else { 28..42 }),
            },
            MrzFormat::Td2 => Layout {
                number: (1, 0),
                nationality: (1, 10),
                birth: (1, 13),
                sex: (1, 20),
                expiry: (1, 21),
                optional: (1, if visa { 28..36 } else { 28..35 }),
            },
            MrzFormat::Td1 => Layout {
                number: (0, 5),
                birth: (1, 0),
                sex: (1, 7),
                expiry: (1, 8),
                nationality: (1, 15),
                optional: (0, 15..30),
            },
        }
    }

    fn at(&self, (l, c): Pos) -> u8 {
        self.grid[l][c]
    }

    fn set(&mut self, (line, column): Pos, to: u8) {
        let from = self.grid[line][column];
        if from != to {
            self.grid[line][column] = to;
            self.corrections.push(Correction {
                line,
                column,
                from: char::from(from),
                to: char::from(to),
            });
        }
    }

    /// The length of a long document number's extension, counting its check digit, when
    /// the number's own check position holds `<` (TD1, TD2: ICAO 9303 part 5 and 6).
    fn long_number_extension(&self, layout: &Layout) -> Option<usize> {
        if self.format == MrzFormat::Td3 {
            return None;
        }
        let (line, col) = layout.number;
        if self.grid[line][col + 9] != b'<' {
            return None;
        }
        let (oline, ref range) = layout.optional;
        let ext = self.grid[oline][range.clone()]
            .iter()
            .take_while(|&&c| c != b'<')
            .count();
        // At least one extension character plus its check digit.
        (ext >= 2).then_some(ext)
    }

    fn number_group(&self, layout: &Layout) -> Group {
        let (line, col) = layout.number;
        let mut data = cells(line, col..col + 9, Slot::Alnum, true);
        let check = match self.long_number_extension(layout) {
            Some(ext) => {
                let (oline, range) = (layout.optional.0, layout.optional.1.clone());
                data.extend(cells(
                    oline,
                    range.start..range.start + ext - 1,
                    Slot::Alnum,
                    true,
                ));
                cell(oline, range.start + ext - 1, Slot::Check)
            }
            None => cell(line, col + 9, Slot::Check),
        };
        Group {
            field: CheckedField::DocumentNumber,
            data,
            check,
            filler_only_trailing: true,
        }
    }

    fn date_group(field: CheckedField, (line, col): Pos) -> Group {
        Group {
            field,
            data: cells(line, col..col + 6, Slot::Digit, true),
            check: cell(line, col + 6, Slot::Check),
            filler_only_trailing: false,
        }
    }

    fn field_groups(&self, layout: &Layout) -> Vec<Group> {
        let mut groups = vec![
            self.number_group(layout),
            Self::date_group(CheckedField::BirthDate, layout.birth),
            Self::date_group(CheckedField::ExpiryDate, layout.expiry),
        ];
        if self.format == MrzFormat::Td3 && !self.is_visa() {
            groups.push(Group {
                field: CheckedField::OptionalData,
                data: cells(1, 28..42, Slot::Alnum, true),
                check: cell(1, 42, Slot::CheckOrFiller),
                filler_only_trailing: false,
            });
        }
        groups
    }

    /// The composite check: positions already covered by a field check are fixed; the
    /// optional data that no other digit covers (TD1, TD2) may be repaired.
    fn composite_group(&self, field_groups: &[Group]) -> Group {
        let covered: std::collections::HashSet<Pos> = field_groups
            .iter()
            .flat_map(|g| g.data.iter().map(|c| c.pos).chain([g.check.pos]))
            .collect();
        let spans: &[(usize, std::ops::Range<usize>)] = match self.format {
            MrzFormat::Td3 => &[(1, 0..10), (1, 13..20), (1, 21..43)],
            MrzFormat::Td2 => &[(1, 0..10), (1, 13..20), (1, 21..35)],
            MrzFormat::Td1 => &[(0, 5..30), (1, 0..7), (1, 8..15), (1, 18..29)],
        };
        let data = spans
            .iter()
            .flat_map(|(line, range)| range.clone().map(move |c| (*line, c)))
            .map(|pos| Cell {
                pos,
                slot: Slot::Alnum,
                vary: !covered.contains(&pos),
            })
            .collect();
        let check = match self.format {
            MrzFormat::Td3 => cell(1, 43, Slot::Check),
            MrzFormat::Td2 => cell(1, 35, Slot::Check),
            MrzFormat::Td1 => cell(1, 29, Slot::Check),
        };
        Group {
            field: CheckedField::Composite,
            data,
            check,
            filler_only_trailing: false,
        }
    }

    /// The smallest sets of look-alike replacements that make `group`'s check digit
    /// agree; `None` when none within [`MrzParams::max_substitutions`] does.
    fn search(&self, group: &Group) -> Option<Found> {
        let all: Vec<Cell> = group.data.iter().copied().chain([group.check]).collect();
        let mut current: Vec<u8> = all.iter().map(|c| self.at(c.pos)).collect();
        // Characters the slot forbids must change; the others may.
        let mut forced: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut optional: Vec<(usize, Vec<u8>)> = Vec::new();
        for (i, c) in all.iter().enumerate() {
            let alts = if c.vary {
                alternatives(current[i], c.slot)
            } else {
                Vec::new()
            };
            if !c.slot.allows(current[i]) {
                if alts.is_empty() {
                    return None;
                }
                forced.push((i, alts));
            } else if !alts.is_empty() {
                optional.push((i, alts));
            }
        }
        for extra in 0..=self.params.max_substitutions {
            let mut repairs = Vec::new();
            for chosen in combinations(optional.len(), extra) {
                let choices: Vec<&(usize, Vec<u8>)> = forced
                    .iter()
                    .chain(chosen.iter().map(|&j| &optional[j]))
                    .collect();
                product(&choices, &mut current, &mut |candidate| {
                    if group_agrees(group, candidate) {
                        repairs.push(diff(&all, &self.grid, candidate));
                    }
                });
            }
            if !repairs.is_empty() {
                return Some(Found {
                    k: forced.len() + extra,
                    repairs,
                });
            }
        }
        None
    }

    fn apply(&mut self, repair: &[Correction]) {
        for c in repair {
            self.set((c.line, c.column), c.to as u8);
        }
    }

    fn run(mut self, today: NaiveDate) -> Mrz {
        self.repair_letter_fields();
        let layout = self.layout();
        let groups = self.field_groups(&layout);

        // Each field on its own.
        let mut outcomes: Vec<CheckOutcome> = Vec::new();
        let mut ambiguous: Vec<(usize, Vec<Vec<Correction>>)> = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let outcome = match self.search(g) {
                Some(found) if found.k == 0 => CheckOutcome::AsRead,
                Some(found) if found.repairs.len() == 1 => {
                    self.apply(&found.repairs[0]);
                    CheckOutcome::Corrected
                }
                Some(found) => {
                    ambiguous.push((i, found.repairs));
                    CheckOutcome::Ambiguous
                }
                None => CheckOutcome::Failed,
            };
            outcomes.push(outcome);
        }

        // The composite, which may also settle the ambiguous fields (visas have none).
        let mut composite_check = None;
        if !self.is_visa() {
            let composite = self.composite_group(&groups);
            let composite_outcome = self.settle_with_composite(&composite, &ambiguous);
            if let Some(resolved) = &composite_outcome.resolved_fields {
                for &(i, _) in &ambiguous {
                    outcomes[i] = CheckOutcome::Corrected;
                }
                self.apply(resolved);
            }
            if let Some(repair) = &composite_outcome.composite_repair {
                self.apply(repair);
            }
            composite_check = Some((composite, composite_outcome.outcome));
        }

        let mut checks: Vec<CheckResult> = groups
            .iter()
            .zip(&outcomes)
            .map(|(g, &outcome)| self.check_result(g, outcome))
            .collect();
        if let Some((composite, outcome)) = composite_check {
            checks.push(self.check_result(&composite, outcome));
        }
        self.build(layout, checks, today)
    }

    fn check_result(&self, g: &Group, outcome: CheckOutcome) -> CheckResult {
        CheckResult {
            field: g.field,
            value: g.data.iter().map(|c| char::from(self.at(c.pos))).collect(),
            check_char: char::from(self.at(g.check.pos)),
            outcome,
        }
    }

    /// Tries every combination of the ambiguous fields' repairs against the composite
    /// check digit (itself repairable); applies nothing, reports what to apply.
    fn settle_with_composite(
        &self,
        composite: &Group,
        ambiguous: &[(usize, Vec<Vec<Correction>>)],
    ) -> CompositeSettlement {
        let combos: usize = ambiguous.iter().map(|(_, r)| r.len()).product();
        if combos > self.params.max_composite_combinations {
            let outcome = match self.search(composite) {
                Some(f) if f.k == 0 => CheckOutcome::AsRead,
                _ => CheckOutcome::Failed,
            };
            return CompositeSettlement {
                outcome,
                resolved_fields: None,
                composite_repair: None,
            };
        }
        // (composite repairs needed, field repairs, composite repair) per fitting combo.
        let mut fits: Vec<(usize, Vec<Correction>, Vec<Correction>)> = Vec::new();
        for index in 0..combos {
            let mut rest = index;
            let mut field_repairs: Vec<Correction> = Vec::new();
            for (_, repairs) in ambiguous {
                field_repairs.extend_from_slice(&repairs[rest % repairs.len()]);
                rest /= repairs.len();
            }
            let mut trial = Parser {
                format: self.format,
                raw: Vec::new(),
                grid: self.grid.clone(),
                corrections: Vec::new(),
                params: self.params,
            };
            trial.apply(&field_repairs);
            if let Some(found) = trial.search(composite) {
                for r in found.repairs {
                    fits.push((found.k, field_repairs.clone(), r));
                }
            }
        }
        let Some(best_k) = fits.iter().map(|f| f.0).min() else {
            return CompositeSettlement {
                outcome: CheckOutcome::Failed,
                resolved_fields: None,
                composite_repair: None,
            };
        };
        let best: Vec<_> = fits.into_iter().filter(|f| f.0 == best_k).collect();
        if best.len() != 1 {
            return CompositeSettlement {
                outcome: CheckOutcome::Ambiguous,
                resolved_fields: None,
                composite_repair: None,
            };
        }
        let (k, fields, repair) = best.into_iter().next().expect("one fit");
        CompositeSettlement {
            outcome: if k == 0 {
                CheckOutcome::AsRead
            } else {
                CheckOutcome::Corrected
            },
            resolved_fields: (!ambiguous.is_empty()).then_some(fields),
            composite_repair: (!repair.is_empty()).then_some(repair),
        }
    }

    /// Type-forced repairs of fields without a check digit: digits that look like
    /// letters in the document code, country codes and name; `K`/`X` filler in the name.
    fn repair_letter_fields(&mut self) {
        let letters_only: Vec<(usize, std::ops::Range<usize>)> = match self.format {
            MrzFormat::Td3 | MrzFormat::Td2 => vec![(0, 0..2), (0, 2..5), (1, 10..13)],
            MrzFormat::Td1 => vec![(0, 0..2), (0, 2..5), (1, 15..18)],
        };
        let name: (usize, std::ops::Range<usize>) = match self.format {
            MrzFormat::Td3 | MrzFormat::Td2 => (0, 5..self.format.line_width()),
            MrzFormat::Td1 => (2, 0..30),
        };
        for (line, range) in letters_only.into_iter().chain([name.clone()]) {
            for col in range {
                if let Some(letter) = letter_for_digit(self.grid[line][col]) {
                    self.set((line, col), letter);
                }
            }
        }
        let field: Vec<u8> = self.grid[name.0][name.1.clone()].to_vec();
        for i in name_filler_positions(&field) {
            self.set((name.0, name.1.start + i), b'<');
        }
        // Issuing state and nationality: the one valid code one look-alike away.
        let nationality = self.layout().nationality;
        for (line, col) in [(0, 2), nationality] {
            let read = self.grid[line][col..col + 3].to_vec();
            if let states::Snap::Repaired(code) = states::snap(&read) {
                let padded = format!("{code:<<3}");
                for (i, b) in padded.bytes().enumerate() {
                    self.set((line, col + i), b);
                }
            }
        }
    }

    fn build(self, layout: Layout, checks: Vec<CheckResult>, today: NaiveDate) -> Mrz {
        let text = |(line, col): Pos, len: usize| -> String {
            String::from_utf8_lossy(&self.grid[line][col..col + len]).into_owned()
        };
        let trim = |s: String| s.trim_end_matches('<').trim_start_matches('<').to_string();
        let (name_line, name_start) = match self.format {
            MrzFormat::Td1 => (2, 0),
            _ => (0, 5),
        };
        let width = self.format.line_width();
        let name_field = text((name_line, name_start), width - name_start);
        let (surname, given_names) = split_name(&name_field);

        let number_check = checks
            .iter()
            .find(|c| c.field == CheckedField::DocumentNumber)
            .expect("always checked");
        let document_number = number_check.value.trim_end_matches('<').to_string();
        let extension = self.long_number_extension(&layout);

        let (oline, orange) = layout.optional.clone();
        let optional_start = orange.start + extension.unwrap_or(0);
        let optional_data =
            trim(text((oline, optional_start), orange.end - optional_start)).replace('<', " ");
        let optional_data_2 = match self.format {
            MrzFormat::Td1 => trim(text((1, 18), 11)).replace('<', " "),
            _ => String::new(),
        };

        let birth_date_raw = text(layout.birth, 6);
        let expiry_date_raw = text(layout.expiry, 6);
        let birth_date = birth_date_from_yymmdd(&birth_date_raw, today);
        let expiry_date =
            expiry_date_from_yymmdd(&expiry_date_raw, today, self.params.expiry_window_years);
        let sex = match self.at(layout.sex) {
            b'M' => Some(Gender::Male),
            b'F' => Some(Gender::Female),
            _ => None,
        };

        let mut issues = Vec::new();
        for c in &checks {
            let detail = match c.outcome {
                CheckOutcome::AsRead | CheckOutcome::Corrected => continue,
                CheckOutcome::Ambiguous => "check digit fails; several repairs fit equally",
                CheckOutcome::Failed => "check digit fails",
            };
            let value = match c.field {
                CheckedField::Composite => self.lines_string().join("\n"),
                _ => c.value.trim_end_matches('<').to_string(),
            };
            issues.push(
                FieldIssue::new(c.field.api_field(), value, Code::InvalidMrz)
                    .with_detail(format!("{:?}: {detail}", c.field)),
            );
        }
        let known = |raw: &str| raw.bytes().all(|b| b.is_ascii_digit());
        if birth_date.is_none() && known(&birth_date_raw) {
            issues.push(
                FieldIssue::new("Date_of_Birth", &birth_date_raw, Code::WrongBirthDateFormat)
                    .with_detail("not a calendar date"),
            );
        }
        match expiry_date {
            None if known(&expiry_date_raw) => issues.push(
                FieldIssue::new(
                    "Date_of_Expiry",
                    &expiry_date_raw,
                    Code::WrongExpiryDateFormat,
                )
                .with_detail("not a calendar date"),
            ),
            Some(d) if d < today => issues.push(FieldIssue::new(
                "Date_of_Expiry",
                d.format("%Y-%m-%d").to_string(),
                Code::DocumentExpired,
            )),
            _ => {}
        }

        Mrz {
            format: self.format,
            raw_lines: self
                .raw
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect(),
            lines: self.lines_string(),
            document_type: trim(text((0, 0), 2)),
            issuing_country: trim(text((0, 2), 3)),
            surname,
            given_names,
            document_number,
            nationality: trim(text(layout.nationality, 3)),
            birth_date_raw,
            birth_date,
            sex,
            expiry_date_raw,
            expiry_date,
            optional_data,
            optional_data_2,
            checks,
            corrections: self.corrections,
            issues,
        }
    }

    fn lines_string(&self) -> Vec<String> {
        self.grid
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }
}

struct CompositeSettlement {
    outcome: CheckOutcome,
    /// Repairs of the ambiguous fields that the composite singled out.
    resolved_fields: Option<Vec<Correction>>,
    /// Repairs of composite-only positions.
    composite_repair: Option<Vec<Correction>>,
}

/// Whether the candidate characters (data then check) satisfy the group.
fn group_agrees(group: &Group, candidate: &[u8]) -> bool {
    let (data, check) = candidate.split_at(candidate.len() - 1);
    if group.filler_only_trailing {
        if let Some(first_filler) = data.iter().position(|&c| c == b'<') {
            if data[first_filler..].iter().any(|&c| c != b'<') {
                return false;
            }
        }
    }
    let expected = match check_digit_bytes(data) {
        Some(d) => d,
        None => return false,
    };
    let found = match check[0] {
        b'<' if group.check.slot == Slot::CheckOrFiller => 0,
        c if c.is_ascii_digit() => c - b'0',
        _ => return false,
    };
    expected == found
}

fn diff(cells: &[Cell], grid: &[Vec<u8>], candidate: &[u8]) -> Vec<Correction> {
    cells
        .iter()
        .zip(candidate)
        .filter_map(|(c, &to)| {
            let (line, column) = c.pos;
            let from = grid[line][column];
            (from != to).then(|| Correction {
                line,
                column,
                from: char::from(from),
                to: char::from(to),
            })
        })
        .collect()
}

/// Every `k`-subset of `0..n`, as sorted index lists.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn rec(start: usize, n: usize, k: usize, acc: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if acc.len() == k {
            out.push(acc.clone());
            return;
        }
        for i in start..n {
            acc.push(i);
            rec(i + 1, n, k, acc, out);
            acc.pop();
        }
    }
    let mut out = Vec::new();
    rec(0, n, k, &mut Vec::with_capacity(k), &mut out);
    out
}

/// Calls `visit` with `current` set to each combination of the choices' alternatives
/// (every listed position replaced), restoring `current` afterwards.
fn product(choices: &[&(usize, Vec<u8>)], current: &mut [u8], visit: &mut dyn FnMut(&[u8])) {
    match choices.split_first() {
        None => visit(current),
        Some(((i, alts), rest)) => {
            let original = current[*i];
            for &a in alts {
                current[*i] = a;
                product(rest, current, visit);
            }
            current[*i] = original;
        }
    }
}

/// What recognisers read a `<` as: `K`/`X` (chevron-like), `C`/`E` (a blurred chevron's
/// open side).
pub const FILLER_LOOK_ALIKES: &[u8] = b"KXCE";

/// Positions (within the name field) of `K`/`X`/`C`/`E` characters that can only be misread
/// `<` filler: whole tokens made of `K`/`X` after the last real name token that are
/// separated from it by a gap no name separator produces (`<<<`, or `<<` once the given
/// names have started), or that are too long to be a name part (4 or more).
fn name_filler_positions(field: &[u8]) -> Vec<usize> {
    // Tokens: maximal runs of non-filler.
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'<' {
            i += 1;
            continue;
        }
        let start = i;
        while i < field.len() && field[i] != b'<' {
            i += 1;
        }
        tokens.push((start, i));
    }
    let is_kx =
        |&(s, e): &(usize, usize)| field[s..e].iter().all(|c| FILLER_LOOK_ALIKES.contains(c));
    let Some(last_real) = tokens.iter().rposition(|t| !is_kx(t)) else {
        return Vec::new();
    };
    let primary_separator = field.windows(2).position(|w| w == b"<<");
    let mut anchor_end = tokens[last_real].1;
    let mut out = Vec::new();
    for t in &tokens[last_real + 1..] {
        let gap = t.0 - anchor_end;
        // Given names have started when the surname/given-names separator lies wholly
        // before this gap.
        let in_given_names = primary_separator.is_some_and(|p| p + 2 <= anchor_end);
        let separator_gap = if in_given_names { 2 } else { 3 };
        let filler = gap >= separator_gap || t.1 - t.0 >= 4;
        if filler {
            out.extend(t.0..t.1);
        } else {
            // A genuine one-letter name part (`K`): later tokens are measured from it.
            anchor_end = t.1;
        }
    }
    out
}

/// The name words the transliteration dictionary knows, as an MRZ writes them (upper
/// case, compounds joined: `ABDELRAHMAN`, `ELSAYED`), with the particles that stand
/// alone in some (`EL`, `ABDEL`, `ABOU`).
pub fn dictionary_name_words() -> &'static std::collections::HashSet<String> {
    static KNOWN: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        crate::translit::dictionary_latin_names()
            .iter()
            .map(|n| {
                n.chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_uppercase())
                    .collect()
            })
            .chain(["EL", "ABDEL", "ABOU", "ABO", "AL"].map(String::from))
            .collect()
    })
}

/// Letters a line reader puts where a name's filler `<` is printed: PP-OCR reads `<` as
/// `C` and `<<` as `CK`; after the last name word also `E`. Narrower than
/// [`FILLER_LOOK_ALIKES`], which only ever turns whole tokens of them into filler: here a
/// letter inside a run may change, so `X` (rarely read for `<` by this reader, and a
/// real name letter) and a mid-name `E` stay letters.
fn read_as_filler(c: u8, trailing: bool) -> bool {
    matches!(c, b'<' | b'C' | b'K') || (trailing && c == b'E')
}

/// The name field with fillers read as letters (`YEHIACCDALIACABDELFATTAH...`) restored:
/// the field is split into words and filler runs so that every word is in `known` and
/// every filler a `<` or a letter read for one, with as few such letters changed as can
/// be (then as many words). `None` when no split makes every word known (a name the
/// dictionary lacks keeps its reading), or nothing would change. No check digit covers
/// names: the dictionary is the evidence, so only a whole field of known names is taken.
pub fn name_fillers_restored(
    field: &[u8],
    known: &std::collections::HashSet<String>,
) -> Option<Vec<u8>> {
    if !field.iter().any(|&c| c != b'<' && read_as_filler(c, true)) {
        return None;
    }
    let n = field.len();
    // A split: (words, letters changed, previous split's end, word end). Fewer letters
    // changed wins (`ELKHAYAT` stays whole, not `EL<HAYAT`); then more words.
    type Split = (usize, usize, usize, usize);
    let better = |a: Split, b: Split| (std::cmp::Reverse(a.1), a.0) > (std::cmp::Reverse(b.1), b.0);
    // best[i]: the best split of the first i characters ending with a filler run (the
    // next word starts at i).
    let mut best: Vec<Option<Split>> = vec![None; n + 1];
    best[0] = Some((0, 0, 0, 0));
    let mut finish: Option<Split> = None;
    for i in 0..n {
        let Some((words, changed, _, _)) = best[i] else {
            continue;
        };
        for j in i + 1..=n {
            if !field[j - 1].is_ascii_uppercase() {
                break;
            }
            let word = std::str::from_utf8(&field[i..j]).ok()?;
            if !known.contains(word) {
                continue;
            }
            // The rest all filler: the split ends here.
            if j < n && field[j..].iter().all(|&c| read_as_filler(c, true)) {
                let cost = changed + field[j..].iter().filter(|&&c| c != b'<').count();
                let cand = (words + 1, cost, i, j);
                if finish.is_none_or(|f| better(cand, f)) {
                    finish = Some(cand);
                }
            }
            // A filler run, then the next word.
            let mut k = j;
            let mut cost = changed;
            while k < n && read_as_filler(field[k], false) {
                cost += usize::from(field[k] != b'<');
                k += 1;
                let cand = (words + 1, cost, i, j);
                if best[k].is_none_or(|b| better(cand, b)) {
                    best[k] = Some(cand);
                }
            }
        }
    }
    let (_, _, mut from, mut word_end) = finish?;
    // Walk back: every character outside the chosen words becomes `<`.
    let mut restored = vec![b'<'; n];
    loop {
        restored[from..word_end].copy_from_slice(&field[from..word_end]);
        if from == 0 {
            break;
        }
        let (_, _, prev, prev_end) = best[from]?;
        from = prev;
        word_end = prev_end;
    }
    (restored != field).then_some(restored)
}

/// Surname and given names from the name field (`SURNAME<<GIVEN<NAMES<<<`).
fn split_name(field: &str) -> (String, String) {
    let words = |s: &str| {
        s.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match field.find("<<") {
        Some(p) => (words(&field[..p]), words(&field[p + 2..])),
        None => (words(field), String::new()),
    }
}

fn yymmdd(raw: &str) -> Option<(i32, u32, u32)> {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((
        raw[0..2].parse().ok()?,
        raw[2..4].parse().ok()?,
        raw[4..6].parse().ok()?,
    ))
}

/// A birth date from `YYMMDD`: the latest century that does not put it after `today`.
pub fn birth_date_from_yymmdd(raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    let (yy, m, d) = yymmdd(raw)?;
    let this_century = today.year() - today.year().rem_euclid(100);
    let date = NaiveDate::from_ymd_opt(this_century + yy, m, d);
    match date {
        Some(date) if date <= today => Some(date),
        _ => NaiveDate::from_ymd_opt(this_century - 100 + yy, m, d),
    }
}

/// An expiry date from `YYMMDD`: this century unless that lies more than
/// `window_years` after `today`, then the previous one.
pub fn expiry_date_from_yymmdd(
    raw: &str,
    today: NaiveDate,
    window_years: i32,
) -> Option<NaiveDate> {
    let (yy, m, d) = yymmdd(raw)?;
    let this_century = today.year() - today.year().rem_euclid(100);
    let mut year = this_century + yy;
    if year > today.year() + window_years {
        year -= 100;
    } else if year < today.year() + window_years - 100 {
        year += 100;
    }
    NaiveDate::from_ymd_opt(year, m, d)
}

/// The fields an MRZ is composed from (for synthetic documents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzFields {
    /// `P`, `I`, `ID`...
    pub document_type: String,
    pub issuing_country: String,
    pub surname: String,
    pub given_names: String,
    pub document_number: String,
    pub nationality: String,
    pub birth_date: NaiveDate,
    /// `None` writes `<` (unspecified).
    pub sex: Option<Gender>,
    pub expiry_date: NaiveDate,
    /// TD3 personal number; TD1 line 1 / TD2 optional data.
    pub optional_data: String,
    /// TD1 line 2 optional data; ignored by TD2 and TD3.
    pub optional_data_2: String,
}

/// Why fields cannot be composed into an MRZ.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComposeError {
    #[error("{field} {value:?} holds {ch:?}, outside A-Z, 0-9, space, hyphen, apostrophe")]
    InvalidCharacter {
        field: &'static str,
        value: String,
        ch: char,
    },
    #[error("{field} has {len} characters, at most {max} fit")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
}

/// A field in MRZ characters: upper case, spaces and hyphens to `<`, apostrophes dropped.
fn mrz_chars(field: &'static str, value: &str) -> Result<String, ComposeError> {
    let mut out = String::with_capacity(value.len());
    for c in value.trim().chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '<' => out.push(c.to_ascii_uppercase()),
            ' ' | '-' => out.push('<'),
            '\'' => {}
            ch => {
                return Err(ComposeError::InvalidCharacter {
                    field,
                    value: value.to_string(),
                    ch,
                })
            }
        }
    }
    Ok(out)
}

/// `value` padded with `<` to `width`, or an error if longer.
fn padded(field: &'static str, value: &str, width: usize) -> Result<String, ComposeError> {
    let v = mrz_chars(field, value)?;
    if v.len() > width {
        return Err(ComposeError::TooLong {
            field,
            len: v.len(),
            max: width,
        });
    }
    Ok(format!("{v:<<width$}"))
}

/// The name field: `SURNAME<<GIVEN<NAMES`, truncated to `width` (ICAO allows truncation;
/// this simply cuts at the end) and padded with `<`.
fn name_field(f: &MrzFields, width: usize) -> Result<String, ComposeError> {
    let surname = mrz_chars("surname", &f.surname)?;
    let given = mrz_chars("given_names", &f.given_names)?;
    let mut name = if given.is_empty() {
        surname
    } else {
        format!("{surname}<<{given}")
    };
    name.truncate(width);
    Ok(format!("{name:<<width$}"))
}

fn yymmdd_of(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

fn digit(s: &str) -> char {
    char::from(b'0' + check_digit(s).expect("composed from the MRZ alphabet"))
}

fn sex_char(sex: Option<Gender>) -> char {
    match sex {
        Some(Gender::Male) => 'M',
        Some(Gender::Female) => 'F',
        None => '<',
    }
}

/// The first line of TD2/TD3 and TD1's first five characters: type and issuing state.
fn type_and_state(f: &MrzFields) -> Result<String, ComposeError> {
    Ok(format!(
        "{}{}",
        padded("document_type", &f.document_type, 2)?,
        padded("issuing_country", &f.issuing_country, 3)?
    ))
}

/// The document number field (9 characters and check digit) and, for a long number,
/// the extension with its check digit and a filler, which start the optional data
/// (TD1, TD2).
fn number_and_extension(f: &MrzFields, allow_long: bool) -> Result<(String, String), ComposeError> {
    let number = mrz_chars("document_number", &f.document_number)?;
    if number.len() <= 9 {
        let field = format!("{number:<<9}");
        let check = digit(&field);
        return Ok((format!("{field}{check}"), String::new()));
    }
    if !allow_long {
        return Err(ComposeError::TooLong {
            field: "document_number",
            len: number.len(),
            max: 9,
        });
    }
    // ICAO 9303 part 5: the extension and its check digit are followed by a filler,
    // which separates them from any further optional data.
    let check = digit(&number);
    Ok((
        format!("{}<", &number[..9]),
        format!("{}{check}<", &number[9..]),
    ))
}

/// A TD3 (passport) MRZ from its fields, with every check digit computed.
pub fn compose_td3(f: &MrzFields) -> Result<[String; 2], ComposeError> {
    let line1 = format!("{}{}", type_and_state(f)?, name_field(f, 39)?);
    let (number, _) = number_and_extension(f, false)?;
    let nationality = padded("nationality", &f.nationality, 3)?;
    let birth = yymmdd_of(f.birth_date);
    let expiry = yymmdd_of(f.expiry_date);
    let optional = padded("optional_data", &f.optional_data, 14)?;
    let birth_part = format!("{birth}{}", digit(&birth));
    let expiry_part = format!("{expiry}{}", digit(&expiry));
    let optional_part = format!("{optional}{}", digit(&optional));
    let composite = digit(&format!("{number}{birth_part}{expiry_part}{optional_part}"));
    let line2 = format!(
        "{number}{nationality}{birth_part}{}{expiry_part}{optional_part}{composite}",
        sex_char(f.sex)
    );
    Ok([line1, line2])
}

/// A TD2 MRZ from its fields (long document numbers use the optional data).
pub fn compose_td2(f: &MrzFields) -> Result<[String; 2], ComposeError> {
    let line1 = format!("{}{}", type_and_state(f)?, name_field(f, 31)?);
    let (number, extension) = number_and_extension(f, true)?;
    let nationality = padded("nationality", &f.nationality, 3)?;
    let birth = yymmdd_of(f.birth_date);
    let expiry = yymmdd_of(f.expiry_date);
    let optional = padded(
        "optional_data",
        &format!(
            "{extension}{}",
            mrz_chars("optional_data", &f.optional_data)?
        ),
        7,
    )?;
    let birth_part = format!("{birth}{}", digit(&birth));
    let expiry_part = format!("{expiry}{}", digit(&expiry));
    let composite = digit(&format!("{number}{birth_part}{expiry_part}{optional}"));
    let line2 = format!(
        "{number}{nationality}{birth_part}{}{expiry_part}{optional}{composite}",
        sex_char(f.sex)
    );
    Ok([line1, line2])
}

/// A TD1 (ID card) MRZ from its fields (long document numbers use line 1's optional
/// data).
pub fn compose_td1(f: &MrzFields) -> Result<[String; 3], ComposeError> {
    let (number, extension) = number_and_extension(f, true)?;
    let optional1 = padded(
        "optional_data",
        &format!(
            "{extension}{}",
            mrz_chars("optional_data", &f.optional_data)?
        ),
        15,
    )?;
    let line1 = format!("{}{number}{optional1}", type_and_state(f)?);
    let birth = yymmdd_of(f.birth_date);
    let expiry = yymmdd_of(f.expiry_date);
    let birth_part = format!("{birth}{}", digit(&birth));
    let expiry_part = format!("{expiry}{}", digit(&expiry));
    let nationality = padded("nationality", &f.nationality, 3)?;
    let optional2 = padded("optional_data_2", &f.optional_data_2, 11)?;
    let composite = digit(&format!(
        "{}{birth_part}{expiry_part}{optional2}",
        &line1[5..]
    ));
    let line2 = format!(
        "{birth_part}{}{expiry_part}{nationality}{optional2}{composite}",
        sex_char(f.sex)
    );
    let line3 = name_field(f, 30)?;
    Ok([line1, line2, line3])
}

#[cfg(test)]
mod tests;
