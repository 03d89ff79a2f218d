//! From recognised lines to a parsed MRZ.
//!
//! Parsing, check digits (composite included), look-alike repairs and dates are
//! [`hawiya_documents::mrz`]'s. This module adds what only the recogniser knows:
//! - **Length fitting**: CTC recognisers miscount long `<<<<` runs and may read a speck
//!   at either end. Each line is brought to the format's width by candidate edits (pad or
//!   trim the trailing filler, grow or shrink a `<` run, drop an end character); the
//!   candidates of all lines are parsed together and the combination with the most
//!   check digits holding wins. A character missing inside a field is not invented: no
//!   edit inserts anything but `<` into a `<` run or at the end.
//! - **Model alternatives**: where a check digit still fails after the parser's
//!   look-alike repairs, the recogniser's own runner-up symbols are tried one at a time;
//!   a substitution is kept only if the parse then has more check digits holding and
//!   none that held fails (the check digit confirms it).

use chrono::NaiveDate;
use hawiya_documents::mrz::{self, Mrz, MrzFormat, MrzParams};

use super::recognize::{LineRead, SymbolRead, SYMBOLS};

/// Parameters of fitting and correction.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneParams {
    /// Largest difference between a line's read length and the format's width that
    /// fitting tries to repair. Default 4: beyond that the line is likely not this
    /// format (a TD3 line is 8 longer than a TD2 one).
    pub max_length_error: usize,
    /// Length candidates kept per line. Default 8: enough for every single-run repair
    /// of a typical line; the joint search is the product over lines.
    pub candidates_per_line: usize,
    /// A runner-up symbol is tried only if its probability is at least this share of
    /// the read symbol's. Default 0.01: a mod-10 check digit passes one wrong value in
    /// ten, so only alternatives the model itself finds plausible are offered to it.
    pub min_alternative_ratio: f32,
    /// Substitutions from model alternatives at most. Default 2: one per damaged field
    /// of a typical photo; more and chance agreements of check digits creep in.
    pub max_model_substitutions: usize,
    /// The parser's own parameters.
    pub parse: MrzParams,
}

impl Default for ZoneParams {
    fn default() -> Self {
        ZoneParams {
            max_length_error: 4,
            candidates_per_line: 8,
            min_alternative_ratio: 0.01,
            max_model_substitutions: 2,
            parse: MrzParams::default(),
        }
    }
}

/// A parsed zone with the recogniser's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub mrz: Mrz,
    /// Per line, per character: the symbol reads after fitting.
    pub reads: Vec<Vec<SymbolRead>>,
    /// The lines as recognised, before fitting.
    pub recognized: Vec<String>,
    /// Substitutions taken from the model's alternatives: `(line, column, from, to)`.
    pub model_corrections: Vec<(usize, usize, char, char)>,
    /// Total cost of the length edits (0 when every line had the right length).
    pub fit_cost: f32,
}

impl Zone {
    pub fn passed(&self) -> usize {
        valid_checks(&self.mrz)
    }

    pub fn total(&self) -> usize {
        self.mrz.checks.len()
    }

    pub fn all_pass(&self) -> bool {
        self.mrz.checks_pass()
    }

    /// Mean probability of the final characters in `line[a..b]`.
    pub fn confidence(&self, line: usize, a: usize, b: usize) -> f32 {
        let text = self.mrz.lines[line].as_bytes();
        let n = b.saturating_sub(a).max(1);
        (a..b)
            .map(|i| self.reads[line][i].prob(text[i]).min(1.0))
            .sum::<f32>()
            / n as f32
    }
}

fn valid_checks(m: &Mrz) -> usize {
    m.checks.iter().filter(|c| c.valid()).count()
}

/// One length-fitted version of a line and what the edits cost.
#[derive(Debug, Clone)]
struct Fitted {
    reads: Vec<SymbolRead>,
    cost: f32,
    /// The edit dropped characters read before the line's first one.
    lead_dropped: bool,
}

/// What a second line of the same zone costs for dropping its leading characters, once
/// one line has: every line of a zone is cut from the same crop, so a border or speck
/// read before one line's first character (a check digit shows it) is likely read before
/// the next line's as well. Below the cost of dropping the last character of a line that
/// ends in filler (1.0), which is otherwise the cheaper guess for a name line, the one
/// line no check digit covers: `AREDA<<YOUSREYA...<<<<` beside `L0505136F...` is `REDA`.
const SHARED_LEAD_COST: f32 = 0.5;

/// The cost of one combination of fitted lines.
fn combined_cost(fits: &[&Fitted]) -> f32 {
    let mut cost: f32 = fits.iter().map(|f| f.cost).sum();
    let leads: Vec<f32> = fits
        .iter()
        .filter(|f| f.lead_dropped)
        .map(|f| f.cost)
        .collect();
    if leads.len() > 1 {
        // The first lead drop pays in full; the others share its cause.
        let full = leads.iter().copied().fold(f32::MIN, f32::max);
        cost -= leads.iter().sum::<f32>() - full;
        cost += SHARED_LEAD_COST * (leads.len() - 1) as f32;
    }
    cost
}

fn best_char(s: &SymbolRead) -> u8 {
    s.best().0
}

/// Runs of `<` in a read line: `(start, len)`.
fn filler_runs(reads: &[SymbolRead]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < reads.len() {
        if best_char(&reads[i]) == b'<' {
            let start = i;
            while i < reads.len() && best_char(&reads[i]) == b'<' {
                i += 1;
            }
            runs.push((start, i - start));
        } else {
            i += 1;
        }
    }
    runs
}

/// Length candidates for one line, cheapest first.
fn fit_line(reads: &[SymbolRead], width: usize, params: &ZoneParams) -> Vec<Fitted> {
    let len = reads.len();
    if len.abs_diff(width) > params.max_length_error {
        return Vec::new();
    }
    let mut out: Vec<Fitted> = Vec::new();
    let last_pos = reads.last().map_or(1.0, |r| r.position);
    let runs = filler_runs(reads);
    if len == width {
        out.push(Fitted {
            reads: reads.to_vec(),
            cost: 0.0,
            lead_dropped: false,
        });
    } else if len < width {
        let d = width - len;
        // Missing trailing filler: the commonest loss (faint `<` at the line's end).
        let mut v = reads.to_vec();
        v.extend((0..d).map(|_| SymbolRead::inserted_filler(last_pos)));
        let ends_in_filler = reads.last().is_some_and(|r| best_char(r) == b'<');
        out.push(Fitted {
            reads: v,
            cost: if ends_in_filler { 1.0 } else { 2.5 },
            lead_dropped: false,
        });
        // A run of `<` read too short (CTC merged repeats).
        for &(start, n) in &runs {
            let mut v = reads[..start + n].to_vec();
            let pos = reads[start + n - 1].position;
            v.extend((0..d).map(|_| SymbolRead::inserted_filler(pos)));
            v.extend_from_slice(&reads[start + n..]);
            // Longer runs lose characters more often.
            out.push(Fitted {
                reads: v,
                cost: 1.0 + 1.0 / n as f32 + 0.5 * (d as f32 - 1.0),
                lead_dropped: false,
            });
        }
        // Two runs each one short.
        if d == 2 {
            for (i, &(s1, n1)) in runs.iter().enumerate() {
                for &(s2, n2) in &runs[i + 1..] {
                    let mut v = reads[..s1 + n1].to_vec();
                    v.push(SymbolRead::inserted_filler(reads[s1 + n1 - 1].position));
                    v.extend_from_slice(&reads[s1 + n1..s2 + n2]);
                    v.push(SymbolRead::inserted_filler(reads[s2 + n2 - 1].position));
                    v.extend_from_slice(&reads[s2 + n2..]);
                    out.push(Fitted {
                        reads: v,
                        cost: 2.0 + 1.0 / n1 as f32 + 1.0 / n2 as f32,
                        lead_dropped: false,
                    });
                }
            }
        }
    } else {
        let d = len - width;
        // Trailing fillers read too many, or specks after the line. A speck right after
        // the line's trailing filler costs no more than extra filler: shrinking a run
        // instead would keep the speck as the line's last character, which in a name
        // (no check digit to object) is a letter after the filler, never printed.
        let trailing_fill = reads[width..].iter().all(|r| best_char(r) == b'<');
        let speck_after_fill = best_char(&reads[width - 1]) == b'<';
        out.push(Fitted {
            reads: reads[..width].to_vec(),
            cost: if trailing_fill || speck_after_fill {
                1.0
            } else {
                2.5
            },
            lead_dropped: false,
        });
        // A speck or border read before the first character.
        out.push(Fitted {
            reads: reads[d..].to_vec(),
            cost: 2.5,
            lead_dropped: true,
        });
        // A `<` run read too long: long runs, whose repeats CTC counts by columns. A
        // `<<` read for `<` is rarer than a speck at the end, and shrinking it would move
        // a name's surname/given-names separator.
        for &(start, n) in &runs {
            if n > d + 1 {
                let mut v = reads[..start + n - d].to_vec();
                v.extend_from_slice(&reads[start + n..]);
                out.push(Fitted {
                    reads: v,
                    cost: 1.0 + 1.0 / n as f32,
                    lead_dropped: false,
                });
            }
        }
        // One spurious character anywhere (the least confident one).
        if d == 1 {
            if let Some((i, _)) = reads
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.best().1.total_cmp(&b.1.best().1))
            {
                let mut v = reads.to_vec();
                v.remove(i);
                out.push(Fitted {
                    reads: v,
                    cost: 3.0,
                    lead_dropped: i == 0,
                });
            }
        }
    }
    out.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    out.truncate(params.candidates_per_line);
    out
}

fn text(reads: &[SymbolRead]) -> String {
    reads.iter().map(|r| best_char(r) as char).collect()
}

fn parse(lines: &[String], today: NaiveDate, params: &ZoneParams) -> Option<Mrz> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    mrz::parse_lines_with(&refs, today, &params.parse).ok()
}

/// Tries the recogniser's runner-up symbols where check digits fail; keeps only
/// substitutions that make more check digits hold and break none.
fn model_alternatives(
    mut lines: Vec<String>,
    mut best: Mrz,
    reads: &[Vec<SymbolRead>],
    today: NaiveDate,
    params: &ZoneParams,
) -> (Mrz, Vec<(usize, usize, char, char)>) {
    let mut applied = Vec::new();
    // Plausible alternatives, most plausible first.
    let mut options: Vec<(f32, usize, usize, u8)> = Vec::new();
    for (l, line) in reads.iter().enumerate() {
        for (i, r) in line.iter().enumerate() {
            let (c, p) = r.best();
            for (k, &s) in SYMBOLS.iter().enumerate() {
                let q = r.probs[k];
                if s != c && q >= p * params.min_alternative_ratio && q > 0.0 {
                    options.push((q / p.max(1e-9), l, i, s));
                }
            }
        }
    }
    options.sort_by(|a, b| b.0.total_cmp(&a.0));
    while applied.len() < params.max_model_substitutions && !best.checks_pass() {
        let before: Vec<bool> = best.checks.iter().map(|c| c.valid()).collect();
        let mut found = None;
        for &(_, l, i, s) in &options {
            let mut trial = lines.clone();
            let mut bytes = trial[l].clone().into_bytes();
            if bytes[i] == s {
                continue;
            }
            let from = bytes[i] as char;
            bytes[i] = s;
            trial[l] = String::from_utf8(bytes).expect("ASCII");
            let Some(m) = parse(&trial, today, params) else {
                continue;
            };
            let keeps = m
                .checks
                .iter()
                .zip(&before)
                .all(|(c, was)| c.valid() || !was);
            if keeps && valid_checks(&m) > valid_checks(&best) {
                found = Some((trial, m, (l, i, from, s as char)));
                break;
            }
        }
        let Some((trial, m, change)) = found else {
            break;
        };
        lines = trial;
        best = m;
        applied.push(change);
    }
    (best, applied)
}

/// A second reader's opinion on a name field. Names have no check digit, and a blurred
/// `<` is read as `C`, `K`, `E` or `X` by one recogniser (PP-OCR) but not necessarily by
/// another (the trained reader), which also reads OCR-B letters more surely
/// (`ELSATED` / `ELSAYED`). Where `zone` has such a filler look-alike, or any letter, in
/// the name span `(line, start, end)` and `other`, a reading of the same lines in the
/// same format, has an observed `<` or another letter there with probability at least
/// `min_prob`, the other reading's character is taken. Only if the two readings align:
/// of the span's other letters, at least 90% must agree. The checked fields are not
/// touched; `None` when nothing changes. (Dev seed 7, 150 hard documents: names 86 ->
/// 88%, with fillers alone.)
pub fn name_from_other(
    zone: &Zone,
    other: &Zone,
    (line, start, end): (usize, usize, usize),
    min_prob: f32,
    today: NaiveDate,
    params: &ZoneParams,
) -> Option<Zone> {
    if zone.mrz.format != other.mrz.format {
        return None;
    }
    let ours = zone.mrz.lines[line].as_bytes();
    let theirs = other.mrz.lines[line].as_bytes();
    if !aligned(ours, theirs, start..end) {
        return None;
    }
    let changes: Vec<usize> = (start..end)
        .filter(|&i| {
            let r = &other.reads[line][i];
            let t = theirs[i];
            let filler = mrz::FILLER_LOOK_ALIKES.contains(&ours[i]) && t == b'<';
            let letter = ours[i] != t && t.is_ascii_uppercase();
            (filler || letter) && r.observed && r.prob(t) >= min_prob
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let changes: Vec<(usize, u8)> = changes.into_iter().map(|i| (i, theirs[i])).collect();
    with_replaced(zone, line, &changes, today, params)
}

/// A second reader's opinion on the header: the document code and issuing state (line
/// 0, characters 0 to 5 in every format), which no check digit covers either. PP-OCR
/// reads the code's filler as `C` (`PC`) and a blurred `G` as `S` (`EST`, a valid code
/// of another state). Where `other` (the same lines, same format) read a header
/// character differently with probability at least `min_prob`, it is taken, if the two
/// readings of line 0 align (90% of `zone`'s letters agree) and the result is still a
/// plausible header: a document code letter with `<` or a letter after it, and a state
/// code that the ICAO list knows. `None` when nothing changes. (Dev seed 7, 166 hard
/// passports: doc_Type and country_code, see benches/results/passport.md.)
pub fn header_from_other(
    zone: &Zone,
    other: &Zone,
    min_prob: f32,
    today: NaiveDate,
    params: &ZoneParams,
) -> Option<Zone> {
    if zone.mrz.format != other.mrz.format {
        return None;
    }
    let ours = zone.mrz.lines[0].as_bytes();
    let theirs = other.mrz.lines[0].as_bytes();
    if !aligned(ours, theirs, 0..ours.len()) {
        return None;
    }
    let changes: Vec<(usize, u8)> = (0..HEADER_LEN)
        .filter(|&i| {
            let t = theirs[i];
            let r = &other.reads[0][i];
            ours[i] != t
                && (t == b'<' || t.is_ascii_uppercase())
                && r.observed
                && r.prob(t) >= min_prob
        })
        .map(|i| (i, theirs[i]))
        .collect();
    if changes.is_empty() {
        return None;
    }
    let mut header = ours[..HEADER_LEN].to_vec();
    for &(i, t) in &changes {
        header[i] = t;
    }
    let code_ok = header[0].is_ascii_uppercase();
    let state = std::str::from_utf8(&header[2..HEADER_LEN]).ok()?;
    if !code_ok || !mrz::states::is_valid(state) {
        return None;
    }
    with_replaced(zone, 0, &changes, today, params)
}

/// Whether two readings of one line are of the same text, aligned: of `ours`' letters in
/// `range` (fillers and their look-alikes aside), at least 90% are the same in `theirs`.
fn aligned(ours: &[u8], theirs: &[u8], range: std::ops::Range<usize>) -> bool {
    let letters: Vec<usize> = range
        .filter(|&i| ours[i] != b'<' && !mrz::FILLER_LOOK_ALIKES.contains(&ours[i]))
        .collect();
    let agree = letters.iter().filter(|&&i| theirs[i] == ours[i]).count();
    agree as f32 >= 0.9 * letters.len() as f32
}

/// Document code (2) and issuing state (3): the start of line 0 in every format.
const HEADER_LEN: usize = 5;

/// `zone` with characters of `line` replaced (`(column, to)`) and parsed again, the
/// replacements recorded as model corrections; `None` if the lines no longer parse or
/// fewer check digits hold.
fn with_replaced(
    zone: &Zone,
    line: usize,
    changes: &[(usize, u8)],
    today: NaiveDate,
    params: &ZoneParams,
) -> Option<Zone> {
    let mut bytes = zone.mrz.lines[line].clone().into_bytes();
    let mut corrections = Vec::with_capacity(changes.len());
    for &(i, to) in changes {
        corrections.push((line, i, bytes[i] as char, to as char));
        bytes[i] = to;
    }
    let mut lines = zone.mrz.lines.clone();
    lines[line] = String::from_utf8(bytes).expect("ASCII");
    let m = parse(&lines, today, params)?;
    if valid_checks(&m) < zone.passed() {
        return None;
    }
    let mut out = zone.clone();
    out.mrz = m;
    out.model_corrections.extend(corrections);
    Some(out)
}

/// The name field of a format: `(line, start, end)`.
pub fn name_span(format: MrzFormat) -> (usize, usize, usize) {
    match format {
        MrzFormat::Td3 | MrzFormat::Td2 => (0, 5, format.line_width()),
        MrzFormat::Td1 => (2, 0, format.line_width()),
    }
}

/// A name holds letters and `<` only (ICAO 9303): a digit read there (`ABDELA7IZ`) is
/// replaced by the letter or filler the recogniser itself rated best at that character,
/// if it rated any at all. No check digit covers names, so the field's type and the
/// recogniser's own runner-up are the only evidence; a digit with no such runner-up stays.
fn letters_for_digits_in_name(zone: &Zone, today: NaiveDate, params: &ZoneParams) -> Option<Zone> {
    let (line, start, end) = name_span(zone.mrz.format);
    let text = zone.mrz.lines.get(line)?.as_bytes();
    let reads = zone.reads.get(line)?;
    let changes: Vec<(usize, u8)> = (start..end.min(text.len()))
        .filter(|&i| text[i].is_ascii_digit())
        .filter_map(|i| {
            let (c, p) = reads
                .get(i)?
                .best_in(|c| c == b'<' || c.is_ascii_uppercase())?;
            (p > 0.0).then_some((i, c))
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    with_replaced(zone, line, &changes, today, params)
}

/// The name field with fillers read as letters restored against the name dictionary
/// ([`hawiya_documents::mrz::name_fillers_restored`]).
fn fillers_in_name(zone: &Zone, today: NaiveDate, params: &ZoneParams) -> Option<Zone> {
    let (line, start, end) = name_span(zone.mrz.format);
    let field = zone.mrz.lines.get(line)?.as_bytes().get(start..end)?;
    let restored = hawiya_documents::mrz::name_fillers_restored(
        field,
        hawiya_documents::mrz::dictionary_name_words(),
    )?;
    let changes: Vec<(usize, u8)> = (0..field.len())
        .filter(|&i| restored[i] != field[i])
        .map(|i| (start + i, restored[i]))
        .collect();
    with_replaced(zone, line, &changes, today, params)
}

/// Fits `lines` (top to bottom) to each format of their count, parses every fitting
/// and returns the one with the most check digits holding; `None` if no format fits.
pub fn assemble(lines: &[LineRead], today: NaiveDate, params: &ZoneParams) -> Option<Zone> {
    let recognized: Vec<String> = lines.iter().map(|l| text(&l.symbols)).collect();
    let mut best: Option<(usize, f32, Zone)> = None;
    for format in [MrzFormat::Td3, MrzFormat::Td2, MrzFormat::Td1] {
        if format.line_count() != lines.len() {
            continue;
        }
        let per_line: Vec<Vec<Fitted>> = lines
            .iter()
            .map(|l| fit_line(&l.symbols, format.line_width(), params))
            .collect();
        if per_line.iter().any(Vec::is_empty) {
            continue;
        }
        let mut choice = vec![0usize; per_line.len()];
        loop {
            let reads: Vec<Vec<SymbolRead>> = per_line
                .iter()
                .zip(&choice)
                .map(|(c, &k)| c[k].reads.clone())
                .collect();
            let fits: Vec<&Fitted> = per_line.iter().zip(&choice).map(|(c, &k)| &c[k]).collect();
            let fit_cost = combined_cost(&fits);
            let texts: Vec<String> = reads.iter().map(|r| text(r)).collect();
            if let Some(m) = parse(&texts, today, params) {
                let score = valid_checks(&m);
                let better = best
                    .as_ref()
                    .is_none_or(|(s, c, _)| score > *s || (score == *s && fit_cost < *c));
                if better {
                    best = Some((
                        score,
                        fit_cost,
                        Zone {
                            mrz: m,
                            reads,
                            recognized: recognized.clone(),
                            model_corrections: Vec::new(),
                            fit_cost,
                        },
                    ));
                }
            }
            let mut k = 0;
            while k < choice.len() {
                choice[k] += 1;
                if choice[k] < per_line[k].len() {
                    break;
                }
                choice[k] = 0;
                k += 1;
            }
            if k == choice.len() {
                break;
            }
        }
    }
    let (_, _, mut zone) = best?;
    if !zone.mrz.checks_pass() {
        let texts: Vec<String> = zone.reads.iter().map(|r| text(r)).collect();
        let (m, applied) = model_alternatives(texts, zone.mrz.clone(), &zone.reads, today, params);
        zone.mrz = m;
        zone.model_corrections = applied;
    }
    let zone = letters_for_digits_in_name(&zone, today, params).unwrap_or(zone);
    Some(fillers_in_name(&zone, today, params).unwrap_or(zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passport::recognize::symbol_index;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2010, 1, 1).unwrap()
    }

    /// Reads that spell `text` with probability 0.9 each.
    fn reads(text: &str) -> Vec<SymbolRead> {
        text.bytes()
            .enumerate()
            .map(|(i, c)| {
                let mut s = SymbolRead::inserted_filler(i as f32 / text.len() as f32);
                s.probs[0] = 0.0;
                s.probs[symbol_index(c).unwrap()] = 0.9;
                s.observed = true;
                s
            })
            .collect()
    }

    fn line(text: &str) -> LineRead {
        LineRead {
            symbols: reads(text),
            mrz_ratio: 1.0,
        }
    }

    // ICAO 9303 part 4 specimen.
    const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    // ICAO 9303 part 5 specimen.
    const TD1: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    #[test]
    fn the_icao_specimen_passes_every_check() {
        let z = assemble(&[line(L1), line(L2)], today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines, vec![L1, L2]);
        assert!(z.all_pass(), "{:?}", z.mrz.checks);
        assert_eq!(z.mrz.document_number, "L898902C3");
    }

    #[test]
    fn a_digit_in_a_name_takes_the_recognisers_best_letter() {
        let mut name = reads("ERIKSS0N<<ANNA<MARIA<<<<<<<<<<");
        // `0` for `O`: the parser's look-alike table repairs it. `7` is in no such pair:
        // the model's own runner-up letter decides.
        name[6].probs[symbol_index(b'O').unwrap()] = 0.3;
        name[10].probs = [0.0; 37];
        name[10].probs[symbol_index(b'A').unwrap()] = 0.2;
        name[10].probs[symbol_index(b'7').unwrap()] = 0.7;
        let lines = [
            line(TD1[0]),
            line(TD1[1]),
            LineRead {
                symbols: name,
                mrz_ratio: 1.0,
            },
        ];
        let z = assemble(&lines, today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[2], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        assert!(z.all_pass());
        assert_eq!(z.model_corrections, vec![(2, 10, '7', 'A')]);
    }

    #[test]
    fn name_fillers_read_as_letters_are_restored_only_into_known_names() {
        let zone = |name: &str| {
            let lines = [line(TD1[0]), line(TD1[1]), line(name)];
            assemble(&lines, today(), &ZoneParams::default()).unwrap()
        };
        let z = zone("YEHIACCDALIACABDELFATTAHCZAKIC");
        assert_eq!(z.mrz.lines[2], "YEHIA<<DALIA<ABDELFATTAH<ZAKI<");
        // A known name whose letters could be fillers stays whole.
        let z = zone("ELKHAYAT<<RANIA<<<<<<<<<<<<<<<");
        assert_eq!(z.mrz.lines[2], "ELKHAYAT<<RANIA<<<<<<<<<<<<<<<");
        // A name the dictionary lacks keeps its reading.
        let z = zone("ERIKSSONCCANNA<MARIA<<<<<<<<<<");
        assert_eq!(z.mrz.lines[2], "ERIKSSONCCANNA<MARIA<<<<<<<<<<");
    }

    #[test]
    fn collapsed_and_missing_fillers_are_restored() {
        // Two `<` lost inside the optional field's run, three at the end of line 1.
        let l2 = L2.replacen("B<<<<<1", "B<<<1", 1);
        let z = assemble(
            &[line(&L1[..41]), line(&l2)],
            today(),
            &ZoneParams::default(),
        )
        .unwrap();
        assert_eq!(z.mrz.lines, vec![L1, L2]);
        assert!(z.all_pass());
        assert!(z.fit_cost > 0.0);
    }

    #[test]
    fn a_speck_after_the_name_filler_is_dropped() {
        // TD1's name line read one long with a speck after its filler: the speck goes,
        // the filler run stays.
        let speck = format!("{}J", TD1[2]);
        let lines = [line(TD1[0]), line(TD1[1]), line(&speck)];
        let z = assemble(&lines, today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[2], TD1[2]);
        assert_eq!(z.mrz.given_names, "ANNA MARIA");
    }

    #[test]
    fn a_border_read_before_two_lines_is_dropped_from_both() {
        // The crop's left border read as a character before lines 2 and 3: line 2's
        // check digits show its `L` is extra, so the name line's `A` goes too, not its
        // last filler.
        let lines = [
            line(TD1[0]),
            line(&format!("L{}", TD1[1])),
            line(&format!("A{}", TD1[2])),
        ];
        let z = assemble(&lines, today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[1], TD1[1]);
        assert_eq!(z.mrz.lines[2], TD1[2]);
        assert_eq!(z.mrz.surname, "ERIKSSON");
        // Alone, an extra first letter of the name line is not taken for a border.
        let alone = [line(TD1[0]), line(TD1[1]), line(&format!("A{}", TD1[2]))];
        let z = assemble(&alone, today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[2], format!("A{}", &TD1[2][..29]));
    }

    #[test]
    fn a_missing_digit_inside_a_field_is_not_invented() {
        // One digit of the birth date lost: no `<` run edit can restore it.
        let l2 = L2.replacen("7408122", "748122", 1);
        let z = assemble(&[line(L1), line(&l2)], today(), &ZoneParams::default()).unwrap();
        assert!(!z.all_pass());
        assert!(z.mrz.lines[1].len() == 44);
        assert_ne!(z.mrz.birth_date_raw, "740812");
    }

    #[test]
    fn a_model_runner_up_is_taken_only_where_the_check_digit_confirms_it() {
        // Birth date 740812 read as 740312, with 8 the model's runner-up; 3 and 8 are
        // no OCR-B look-alikes, so only the model's alternative can repair it.
        let mut l = line(&L2.replacen("7408122", "7403122", 1));
        let s = &mut l.symbols[16];
        s.probs[symbol_index(b'8').unwrap()] = 0.2;
        // A runner-up elsewhere that no check digit backs stays unused.
        l.symbols[30].probs[symbol_index(b'7').unwrap()] = 0.3;
        let z = assemble(&[line(L1), l], today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[1], L2);
        assert!(z.all_pass(), "{:?}", z.mrz.checks);
        assert_eq!(z.model_corrections, vec![(1, 16, '3', '8')]);
    }

    #[test]
    fn an_unconfirmed_error_is_left_and_reported() {
        let bad = L2.replacen("7408122", "7403122", 1);
        let z = assemble(&[line(L1), line(&bad)], today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.lines[1], bad);
        assert!(!z.all_pass());
        assert!(z.mrz.issues.iter().any(|i| i.field == "Date_of_Birth"));
    }

    #[test]
    fn a_second_reader_restores_name_filler_and_letters() {
        let zp = ZoneParams::default();
        let blurred = L1.replacen("ANNA<MARIA<<<<<", "ANNACMARIA<<C<E", 1);
        let first = assemble(&[line(&blurred), line(L2)], today(), &zp).unwrap();
        let second = assemble(&[line(L1), line(L2)], today(), &zp).unwrap();
        let span = (0, 5, 44);
        let merged = name_from_other(&first, &second, span, 0.5, today(), &zp).unwrap();
        assert_eq!(merged.mrz.lines[0], L1);
        assert_eq!(merged.mrz.given_names, "ANNA MARIA");
        assert!(merged.all_pass());
        // Unsure of its `<` (probability under the floor): no change.
        assert!(name_from_other(&first, &second, span, 0.95, today(), &zp).is_none());
        // A reading of other lines (the letters disagree): no change.
        let elsewhere = L1.replacen("ERIKSSON<<ANNA<MARIA", "SMITHSON<<JOHN<PETER", 1);
        let other = assemble(&[line(&elsewhere), line(L2)], today(), &zp).unwrap();
        assert!(name_from_other(&first, &other, span, 0.5, today(), &zp).is_none());
        // A misread letter, where the second reader is sure of its own.
        let misread = L1.replacen("ERIKSSON", "ERIXSSON", 1);
        let first = assemble(&[line(&misread), line(L2)], today(), &zp).unwrap();
        let merged = name_from_other(&first, &second, span, 0.5, today(), &zp).unwrap();
        assert_eq!(merged.mrz.surname, "ERIKSSON");
        assert_eq!(merged.model_corrections, vec![(0, 8, 'X', 'K')]);
    }

    #[test]
    fn a_second_reader_restores_the_header() {
        let zp = ZoneParams::default();
        let second = assemble(&[line(L1), line(L2)], today(), &zp).unwrap();
        // The document code's filler read `C`: the second reader's `<` is taken.
        let blurred = L1.replacen("P<UTO", "PCUTO", 1);
        let first = assemble(&[line(&blurred), line(L2)], today(), &zp).unwrap();
        let merged = header_from_other(&first, &second, 0.5, today(), &zp).unwrap();
        assert_eq!(merged.mrz.lines[0], L1);
        assert_eq!(merged.model_corrections, vec![(0, 1, 'C', '<')]);
        // Unsure (probability under the floor), or nothing to change: none.
        assert!(header_from_other(&first, &second, 0.95, today(), &zp).is_none());
        assert!(header_from_other(&second, &second, 0.5, today(), &zp).is_none());
        // A state code no state has is not taken, nor anything else with it.
        let mut other = second.clone();
        other.mrz.lines[0] = L1.replacen("P<UTO", "P<UTQ", 1);
        other.reads[0][4] = reads("Q").remove(0);
        assert!(header_from_other(&first, &other, 0.5, today(), &zp).is_none());
    }

    #[test]
    fn td1_is_chosen_for_three_lines() {
        let z = assemble(&TD1.map(line), today(), &ZoneParams::default()).unwrap();
        assert_eq!(z.mrz.format, MrzFormat::Td1);
        assert!(z.all_pass(), "{:?}", z.mrz.checks);
    }

    #[test]
    fn lines_far_from_every_width_are_no_zone() {
        assert!(assemble(
            &[line(&L1[..20]), line(&L2[..20])],
            today(),
            &ZoneParams::default()
        )
        .is_none());
    }
}
