//! AML watchlists: parsing the published formats, replacing a list atomically, and
//! screening a name and ID number against every list.
//!
//! ## Why candidate retrieval lives in the database
//! Each entry's names are reduced to retrieval keys (64-bit hashes of the name's token
//! skeleton set and of that set less each token, see
//! [`hawiya_documents::screening::entry_set_keys`]; of the full date of birth; of document
//! numbers) kept in `aml_keys`. A query computes the keys an entry able to reach the
//! threshold must have ([`hawiya_documents::screening::query_set_keys`]), and one SQL
//! statement reads a bounded slice of each key's posting list and returns the entries
//! with the most weight; only those few hundred candidates are scored in Rust. Every key
//! is selective (a whole name or all but one of its tokens, never a lone `Mohamed`), so
//! the rows one query reads stay in the thousands at a million entries.
//! Nothing is held in memory between requests, so several replicas sharing PostgreSQL need
//! no cache, no refresh protocol and no warm-up: an import committed by one replica (or by
//! `hawiya aml import` on an operator's machine) is what the next query of every replica
//! sees, and the query's single statement reads one snapshot, so it never mixes an old
//! and a new version of a list. The cost is an index about seven times the entry count
//! (a four-token name has five name keys, plus its birth date and document number),
//! measured in `benches/results/aml.md`.
//!
//! Lists imported before key scheme 2 (migration 0003) carry token-pair keys instead;
//! queries also read those while any such list remains, and re-importing moves it over.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use hawiya_documents::screening::{
    self, birth_date_key, document_number_key, entry_set_keys, normalize_document_number,
    query_set_keys, retrieval_keys, KeyRole, NameKey, ScreeningParams,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Backend, Store, StoreError};

// ---------------------------------------------------------------------------------------
// Formats and records
// ---------------------------------------------------------------------------------------

/// The list formats `hawiya aml import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmlFormat {
    /// UN Security Council consolidated list, XML (`INDIVIDUAL`, `ENTITY`).
    UnXml,
    /// OFAC SDN list, CSV (`sdn.csv`, optionally with `alt.csv` aliases).
    OfacCsv,
    /// OFAC SDN list, XML (`sdn.xml`).
    OfacXml,
    /// OpenSanctions / FollowTheMoney entities, one JSON object per line.
    OpenSanctionsJsonl,
    /// A local CSV with the header `caseNo,caseYear,recordDate,fullName,idNumber,
    /// dateOfBirth` (and optionally `aliases`, separated by `;`).
    LocalCsv,
}

impl AmlFormat {
    pub const ALL: [AmlFormat; 5] = [
        AmlFormat::UnXml,
        AmlFormat::OfacCsv,
        AmlFormat::OfacXml,
        AmlFormat::OpenSanctionsJsonl,
        AmlFormat::LocalCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AmlFormat::UnXml => "un-xml",
            AmlFormat::OfacCsv => "ofac-csv",
            AmlFormat::OfacXml => "ofac-xml",
            AmlFormat::OpenSanctionsJsonl => "opensanctions-jsonl",
            AmlFormat::LocalCsv => "local-csv",
        }
    }
}

impl fmt::Display for AmlFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AmlFormat {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AmlFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ImportError::UnknownFormat(s.to_string()))
    }
}

/// Why a list file could not be read. Nothing is written to the database when parsing
/// fails: the list keeps its previous version.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unknown list format {0:?} (expected un-xml, ofac-csv, ofac-xml, opensanctions-jsonl or local-csv)")]
    UnknownFormat(String),
    #[error("XML: {0}")]
    Xml(String),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("line {line}: {message}")]
    Json { line: usize, message: String },
    #[error("{0}")]
    Shape(String),
    #[error("the list has no entries; refusing to replace a list with nothing")]
    Empty,
}

/// One listed person or organisation, as parsed from a list file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AmlEntry {
    /// The list's own reference (UN reference number, OFAC ent_num, OpenSanctions id,
    /// local case number).
    pub case_no: Option<String>,
    pub case_year: Option<String>,
    /// When the entry was listed, `YYYY-MM-DD` when known.
    pub record_date: Option<String>,
    pub full_name: String,
    /// Other names: aliases, and the name in its original script.
    pub aliases: Vec<String>,
    /// National ID, passport and other document numbers, as printed.
    pub id_numbers: Vec<String>,
    /// `YYYY-MM-DD` or `YYYY`.
    pub date_of_birth: Option<String>,
}

/// A parsed list file, ready to import.
#[derive(Debug, Clone)]
pub struct ParsedList {
    pub format: AmlFormat,
    pub entries: Vec<AmlEntry>,
    /// SHA-256 (hex) of the file's bytes (of both files for OFAC CSV with aliases).
    pub source_sha256: String,
}

/// One list as stored: `hawiya aml lists`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AmlList {
    pub name: String,
    /// 1 for the first import, then +1 for each re-import.
    pub version: i64,
    pub format: String,
    pub imported_at: DateTime<Utc>,
    pub entry_count: i64,
    pub source_sha256: String,
}

/// What to screen. Either field may be absent; at least one must be given.
#[derive(Debug, Clone, Copy, Default)]
pub struct AmlQuery<'a> {
    pub name: Option<&'a str>,
    /// A national ID (14 digits, Arabic-Indic or ASCII) or another document number.
    pub id_number: Option<&'a str>,
    /// `YYYY-MM-DD`: boosts name matches with the same date. When absent and `id_number`
    /// is a valid national ID, the birth date it encodes is used.
    pub date_of_birth: Option<&'a str>,
}

/// Parameters of [`Store::screen_aml`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmlSearchParams {
    /// Name scoring and the match threshold.
    pub screening: ScreeningParams,
    /// Most candidates fetched and scored per query, by retrieval weight (a document number
    /// first; then the sum of: the query's birth date, the same name, a name one token
    /// shorter or longer, one differing token). Default 500: room for every same-named entry of a common name
    /// with its look-alikes, while bounding the rows one query joins and scores (see the
    /// latency figures in benches/results/aml.md).
    pub max_candidates: i64,
    /// Most matches returned, best first (a same birth date ranks a same-named entry
    /// first). Default 50: a screening reports every entry above the threshold, and a
    /// common name (`Mohamed Ahmed Mohamed`) has dozens of namesakes in a large list, any
    /// of whom may be the person meant; at 10, the listed person was often cut behind
    /// equally scoring namesakes (benches/results/aml.md). Past 50 the name alone cannot
    /// narrow it, and the reviewer needs the date of birth, which ranks first.
    pub max_results: usize,
}

impl Default for AmlSearchParams {
    fn default() -> Self {
        AmlSearchParams {
            screening: ScreeningParams::default(),
            max_candidates: 500,
            max_results: 50,
        }
    }
}

/// One hit: the fields of `services.AML.data[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmlMatch {
    pub case_no: Option<String>,
    pub case_year: Option<String>,
    pub record_date: Option<String>,
    pub full_name: String,
    pub id_number: Option<String>,
    pub date_of_birth: Option<String>,
    /// 0-100; 100 for an exact document number.
    pub score: u8,
    /// The list's name.
    pub list: String,
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

/// Parses a list file. `aliases` is OFAC's `alt.csv` (ignored by other formats).
pub fn parse_list(
    format: AmlFormat,
    data: &[u8],
    aliases: Option<&[u8]>,
) -> Result<ParsedList, ImportError> {
    let mut hasher = Sha256::new();
    hasher.update(data);
    let entries = match format {
        AmlFormat::UnXml => parse_un_xml(data)?,
        AmlFormat::OfacXml => parse_ofac_xml(data)?,
        AmlFormat::OfacCsv => {
            if let Some(alt) = aliases {
                hasher.update(alt);
            }
            parse_ofac_csv(data, aliases)?
        }
        AmlFormat::OpenSanctionsJsonl => parse_opensanctions(data)?,
        AmlFormat::LocalCsv => parse_local_csv(data)?,
    };
    if entries.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(ParsedList {
        format,
        entries,
        source_sha256: hex::encode(hasher.finalize()),
    })
}

/// A minimal element tree: the list files are a few MB, and walking a tree keeps each
/// format's mapping readable.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a child, if present and not empty.
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// Every descendant with this name, depth first.
    fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            } else {
                c.descendants(name, out);
            }
        }
    }
}

fn parse_xml(data: &[u8]) -> Result<Element, ImportError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut stack = vec![Element::default()];
    let mut buf = Vec::new();
    let xml_err = |e: quick_xml::Error, pos: u64| ImportError::Xml(format!("at byte {pos}: {e}"));
    loop {
        let pos = reader.buffer_position();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(e, pos))?
        {
            Event::Start(e) => stack.push(Element {
                // Namespaces (OFAC's `tempuri.org` default namespace) do not matter here.
                name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                ..Element::default()
            }),
            Event::Empty(e) => {
                let el = Element {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Element::default()
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().expect("the reader checks that tags balance");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Err(ImportError::Xml("unbalanced end tag".into())),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| xml_err(e, pos))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(ImportError::Xml(
            "the document ends inside an element".into(),
        ));
    }
    Ok(stack.pop().expect("root"))
}

/// Joins non-empty name parts with single spaces.
fn join_names<I: IntoIterator<Item = Option<String>>>(parts: I) -> String {
    parts
        .into_iter()
        .flatten()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The year of a `YYYY...` date.
fn year_of(date: &Option<String>) -> Option<String> {
    date.as_deref()
        .and_then(|d| d.get(0..4))
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date as lists write it (`1951-06-19`, `19 Jun 1951`, `19 June 1951`, `06/19/1951`,
/// `1951`, `circa 1951`, `1951-06-19T00:00:00`) as `YYYY-MM-DD` or `YYYY`; `None` when
/// unreadable.
pub fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches("circa").trim();
    let head = s.get(0..10).unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%m/%d/%Y") {
        return Some(d.format("%Y-%m-%d").to_string());
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if let [day, month, year] = words.as_slice() {
        let m = MONTHS
            .iter()
            .position(|m| month.to_ascii_lowercase().starts_with(m))?;
        let d = NaiveDate::from_ymd_opt(year.parse().ok()?, m as u32 + 1, day.parse().ok()?)?;
        return Some(d.format("%Y-%m-%d").to_string());
    }
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_string());
    }
    // `Jun 1951`, `1951 to 1953`: the first four-digit year.
    s.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 4)
        .map(str::to_string)
}

fn parse_un_xml(data: &[u8]) -> Result<Vec<AmlEntry>, ImportError> {
    let root = parse_xml(data)?;
    let mut records = Vec::new();
    root.descendants("INDIVIDUAL", &mut records);
    root.descendants("ENTITY", &mut records);
    if records.is_empty() && root.children.iter().all(|c| c.name != "CONSOLIDATED_LIST") {
        return Err(ImportError::Shape(
            "not a UN consolidated list (no CONSOLIDATED_LIST root)".into(),
        ));
    }
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let full_name = join_names(
            ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].map(|n| r.text_of(n)),
        );
        if full_name.is_empty() {
            continue;
        }
        let mut aliases: Vec<String> = r
            .children("INDIVIDUAL_ALIAS")
            .chain(r.children("ENTITY_ALIAS"))
            .filter_map(|a| a.text_of("ALIAS_NAME"))
            .collect();
        aliases.extend(r.text_of("NAME_ORIGINAL_SCRIPT"));
        let date_of_birth = r.children("INDIVIDUAL_DATE_OF_BIRTH").find_map(|d| {
            d.text_of("DATE")
                .or_else(|| d.text_of("YEAR"))
                .or_else(|| d.text_of("FROM_YEAR"))
                .and_then(|t| normalize_date(&t))
        });
        let id_numbers = r
            .children("INDIVIDUAL_DOCUMENT")
            .filter_map(|d| d.text_of("NUMBER"))
            .collect();
        let record_date = r.text_of("LISTED_ON").and_then(|d| normalize_date(&d));
        out.push(AmlEntry {
            case_no: r
                .text_of("REFERENCE_NUMBER")
                .or_else(|| r.text_of("DATAID")),
            case_year: year_of(&record_date),
            record_date,
            full_name,
            aliases,
            id_numbers,
            date_of_birth,
        });
    }
    Ok(out)
}

fn parse_ofac_xml(data: &[u8]) -> Result<Vec<AmlEntry>, ImportError> {
    let root = parse_xml(data)?;
    let mut records = Vec::new();
    root.descendants("sdnEntry", &mut records);
    if records.is_empty() {
        return Err(ImportError::Shape(
            "no sdnEntry elements: not an SDN XML".into(),
        ));
    }
    let published = root
        .child("sdnList")
        .and_then(|l| l.child("publshInformation"))
        .and_then(|p| p.text_of("Publish_Date"))
        .and_then(|d| normalize_date(&d));
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let full_name = join_names([r.text_of("firstName"), r.text_of("lastName")]);
        if full_name.is_empty() {
            continue;
        }
        let aliases = r
            .child("akaList")
            .map(|l| {
                l.children("aka")
                    .map(|a| join_names([a.text_of("firstName"), a.text_of("lastName")]))
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let id_numbers = r
            .child("idList")
            .map(|l| {
                l.children("id")
                    .filter_map(|i| i.text_of("idNumber"))
                    .collect()
            })
            .unwrap_or_default();
        let date_of_birth = r.child("dateOfBirthList").and_then(|l| {
            l.children("dateOfBirthItem")
                .filter_map(|d| d.text_of("dateOfBirth"))
                .find_map(|d| normalize_date(&d))
        });
        out.push(AmlEntry {
            case_no: r.text_of("uid"),
            // The SDN list dates the publication, not each entry.
            case_year: year_of(&published),
            record_date: published.clone(),
            full_name,
            aliases,
            id_numbers,
            date_of_birth,
        });
    }
    Ok(out)
}

/// OFAC's null marker in the CSV files.
fn ofac_value(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "-0-").then(|| s.to_string())
}

/// `ZAWAHIRI, Ayman al-` (OFAC writes the surname first) as `Ayman al- ZAWAHIRI`.
fn ofac_name(s: &str) -> String {
    match s.split_once(", ") {
        Some((last, first)) => format!("{} {}", first.trim(), last.trim()),
        None => s.trim().to_string(),
    }
}

/// Birth date and document numbers from an OFAC `Remarks` field:
/// `DOB 19 Jun 1951; POB Giza, Egypt; Passport 1084010 (Egypt); National ID No. ...`.
fn ofac_remarks(remarks: &str) -> (Option<String>, Vec<String>) {
    let mut dob = None;
    let mut ids = Vec::new();
    for part in remarks.split(';') {
        let part = part.trim().trim_end_matches('.');
        if let Some(d) = part.strip_prefix("DOB ") {
            dob = dob.or_else(|| normalize_date(d));
            continue;
        }
        for label in ["National ID No. ", "Passport ", "Identification Number "] {
            if let Some(rest) = part.strip_prefix(label) {
                if let Some(number) = rest.split_whitespace().next() {
                    ids.push(number.to_string());
                }
            }
        }
    }
    (dob, ids)
}

fn csv_reader(data: &[u8], headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(headers)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data)
}

fn parse_ofac_csv(data: &[u8], alt: Option<&[u8]>) -> Result<Vec<AmlEntry>, ImportError> {
    // alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks.
    let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(alt) = alt {
        for row in csv_reader(alt, false).records() {
            let row = row?;
            if let (Some(ent), Some(name)) = (
                row.get(0).and_then(ofac_value),
                row.get(3).and_then(ofac_value),
            ) {
                aliases.entry(ent).or_default().push(ofac_name(&name));
            }
        }
    }
    // sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage,
    // GRT, Vess_flag, Vess_owner, Remarks.
    let mut out = Vec::new();
    for row in csv_reader(data, false).records() {
        let row = row?;
        let (Some(ent), Some(name)) = (
            row.get(0).and_then(ofac_value),
            row.get(1).and_then(ofac_value),
        ) else {
            continue;
        };
        if ent.parse::<u64>().is_err() {
            return Err(ImportError::Shape(format!(
                "ent_num {ent:?} is not a number: is this sdn.csv?"
            )));
        }
        let kind = row.get(2).and_then(ofac_value).unwrap_or_default();
        // Vessels and aircraft are not people or companies a KYC check meets.
        if kind.eq_ignore_ascii_case("vessel") || kind.eq_ignore_ascii_case("aircraft") {
            continue;
        }
        let (date_of_birth, id_numbers) = row
            .get(11)
            .and_then(ofac_value)
            .map(|r| ofac_remarks(&r))
            .unwrap_or_default();
        out.push(AmlEntry {
            aliases: aliases.remove(&ent).unwrap_or_default(),
            case_no: Some(ent),
            case_year: None,
            record_date: None,
            full_name: ofac_name(&name),
            id_numbers,
            date_of_birth,
        });
    }
    Ok(out)
}

/// FollowTheMoney schemata that name a person or an organisation.
const FTM_SCHEMATA: &[&str] = &[
    "Person",
    "Organization",
    "Company",
    "LegalEntity",
    "PublicBody",
];

fn parse_opensanctions(data: &[u8]) -> Result<Vec<AmlEntry>, ImportError> {
    let text = std::str::from_utf8(data).map_err(|e| ImportError::Json {
        line: 0,
        message: format!("not UTF-8: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| ImportError::Json {
            line: i + 1,
            message: e.to_string(),
        })?;
        let schema = v.get("schema").and_then(|s| s.as_str()).unwrap_or_default();
        if !FTM_SCHEMATA.contains(&schema) {
            continue;
        }
        let props = v.get("properties");
        let values = |key: &str| -> Vec<String> {
            props
                .and_then(|p| p.get(key))
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut names = values("name");
        if names.is_empty() {
            // `caption` is the display name FtM computes when `name` is missing.
            names.extend(
                v.get("caption")
                    .and_then(|c| c.as_str())
                    .map(str::to_string),
            );
        }
        if names.is_empty() {
            continue;
        }
        let full_name = names.remove(0);
        let mut aliases = names;
        aliases.extend(values("alias"));
        aliases.extend(values("previousName"));
        aliases.extend(values("weakAlias"));
        let mut id_numbers = values("nationalId");
        id_numbers.extend(values("idNumber"));
        id_numbers.extend(values("passportNumber"));
        id_numbers.extend(values("registrationNumber"));
        let record_date = v
            .get("first_seen")
            .and_then(|d| d.as_str())
            .and_then(normalize_date);
        out.push(AmlEntry {
            case_no: v.get("id").and_then(|s| s.as_str()).map(str::to_string),
            case_year: year_of(&record_date),
            record_date,
            full_name,
            aliases,
            id_numbers,
            date_of_birth: values("birthDate").iter().find_map(|d| normalize_date(d)),
        });
    }
    Ok(out)
}

fn parse_local_csv(data: &[u8]) -> Result<Vec<AmlEntry>, ImportError> {
    let mut reader = csv_reader(data, true);
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(name_col) = col("fullName") else {
        return Err(ImportError::Shape(
            "the header has no fullName column (expected caseNo,caseYear,recordDate,fullName,idNumber,dateOfBirth)"
                .into(),
        ));
    };
    let (case_no, case_year, record_date, id_number, dob, aliases) = (
        col("caseNo"),
        col("caseYear"),
        col("recordDate"),
        col("idNumber"),
        col("dateOfBirth"),
        col("aliases"),
    );
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row?;
        let get = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(full_name) = get(Some(name_col)) else {
            continue;
        };
        out.push(AmlEntry {
            case_no: get(case_no),
            case_year: get(case_year),
            record_date: get(record_date).map(|d| normalize_date(&d).unwrap_or(d)),
            full_name,
            aliases: get(aliases)
                .map(|a| {
                    a.split(';')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            id_numbers: get(id_number).into_iter().collect(),
            date_of_birth: get(dob).and_then(|d| normalize_date(&d)),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------

/// Rows per multi-row INSERT of entries: 10 columns, well under SQLite's 32766 variables.
const ENTRY_BATCH: usize = 1_000;
/// Rows per multi-row INSERT of keys (2 columns each).
const KEY_BATCH: usize = 5_000;
/// PostgreSQL advisory lock taken by imports, so two imports never pick the same ids.
const IMPORT_LOCK_ID: i64 = 0x6177_616d_6c00; // "hawaml"

/// An entry ready to insert.
struct Prepared<'a> {
    id: i64,
    entry: &'a AmlEntry,
    aliases_json: String,
    name_keys: String,
}

impl Store {
    /// Replaces the list `name` with `parsed`, in one transaction: queries running at the
    /// same time see the old list until the commit and the new one after it. Returns the
    /// list's new version.
    pub async fn replace_aml_list(
        &self,
        name: &str,
        parsed: &ParsedList,
    ) -> Result<AmlList, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(StoreError::InvalidInput {
                field: "list",
                reason: "must be 1 to 64 characters",
            });
        }
        let now = crate::now();
        let count = parsed.entries.len() as i64;
        let backend = self.backend();
        dispatch!(self, |pool| {
            let mut tx = pool.begin().await?;
            if backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(IMPORT_LOCK_ID)
                    .execute(&mut *tx)
                    .await?;
            }
            // A write first: on SQLite this takes the database's write lock, so the id
            // range read below cannot be taken by another import before the commit.
            let version: i64 = sqlx::query_scalar(
                "INSERT INTO aml_lists (name, version, format, imported_at, entry_count, \
                 source_sha256, key_scheme) \
                 VALUES ($1, 1, $2, $3, $4, $5, 2) \
                 ON CONFLICT (name) DO UPDATE SET version = aml_lists.version + 1, \
                 format = excluded.format, imported_at = excluded.imported_at, \
                 entry_count = excluded.entry_count, source_sha256 = excluded.source_sha256, \
                 key_scheme = 2 \
                 RETURNING version",
            )
            .bind(name)
            .bind(parsed.format.as_str())
            .bind(now)
            .bind(count)
            .bind(&parsed.source_sha256)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM aml_keys WHERE entry_id IN \
                 (SELECT id FROM aml_entries WHERE list_name = $1)",
            )
            .bind(name)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM aml_entries WHERE list_name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let first_id: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM aml_entries")
                    .fetch_one(&mut *tx)
                    .await?;

            let mut keys: Vec<(i64, i64)> = Vec::new();
            let prepared: Vec<Prepared> = parsed
                .entries
                .iter()
                .enumerate()
                .map(|(i, entry)| {
                    let id = first_id + i as i64;
                    let (name_keys, entry_keys) = entry_keys(entry);
                    keys.extend(entry_keys.into_iter().map(|k| (k, id)));
                    Prepared {
                        id,
                        entry,
                        aliases_json: serde_json::to_string(&entry.aliases)
                            .unwrap_or_else(|_| "[]".into()),
                        name_keys,
                    }
                })
                .collect();
            for chunk in prepared.chunks(ENTRY_BATCH) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO aml_entries (id, list_name, case_no, case_year, record_date, \
                     full_name, id_number, date_of_birth, aliases, name_keys) ",
                );
                qb.push_values(chunk, |mut b, p| {
                    b.push_bind(p.id)
                        .push_bind(name)
                        .push_bind(p.entry.case_no.as_deref())
                        .push_bind(p.entry.case_year.as_deref())
                        .push_bind(p.entry.record_date.as_deref())
                        .push_bind(p.entry.full_name.as_str())
                        .push_bind(p.entry.id_numbers.first().map(String::as_str))
                        .push_bind(p.entry.date_of_birth.as_deref())
                        .push_bind(p.aliases_json.as_str())
                        .push_bind(p.name_keys.as_str());
                });
                qb.build().execute(&mut *tx).await?;
            }
            // Sorted, so the key index is appended to rather than written at random.
            keys.sort_unstable();
            keys.dedup();
            for chunk in keys.chunks(KEY_BATCH) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO aml_keys (key, entry_id) ");
                qb.push_values(chunk, |mut b, (k, id)| {
                    b.push_bind(*k).push_bind(*id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(AmlList {
                name: name.to_string(),
                version,
                format: parsed.format.as_str().to_string(),
                imported_at: now,
                entry_count: count,
                source_sha256: parsed.source_sha256.clone(),
            })
        })
    }

    /// Every list, by name.
    pub async fn aml_lists(&self) -> Result<Vec<AmlList>, StoreError> {
        Ok(dispatch!(self, |pool| {
            sqlx::query_as::<_, AmlList>(
                "SELECT name, version, format, imported_at, entry_count, source_sha256 \
                 FROM aml_lists ORDER BY name",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Removes a list and its entries. Returns whether it existed.
    pub async fn delete_aml_list(&self, name: &str) -> Result<bool, StoreError> {
        dispatch!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "DELETE FROM aml_keys WHERE entry_id IN \
                 (SELECT id FROM aml_entries WHERE list_name = $1)",
            )
            .bind(name)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM aml_entries WHERE list_name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let gone = sqlx::query("DELETE FROM aml_lists WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(gone > 0)
        })
    }

    /// Screens a name and/or document number against every list. Returns the entries
    /// scoring at least the threshold, best first: an exact document number scores 100,
    /// a name scores by [`screening::score`].
    pub async fn screen_aml(
        &self,
        query: &AmlQuery<'_>,
        params: &AmlSearchParams,
    ) -> Result<Vec<AmlMatch>, StoreError> {
        let name_key = query.name.map(NameKey::new).unwrap_or_default();
        let id_key = query.id_number.and_then(document_number_key);
        let dob = query
            .date_of_birth
            .map(str::to_string)
            .or_else(|| query.id_number.and_then(birth_date_of_national_id));
        // The birth date alone never makes a match (it only adds points to a name score),
        // so it is a key only when there is a name to score.
        let dob_key = dob
            .as_deref()
            .filter(|_| !name_key.is_empty())
            .and_then(birth_date_key);
        let name_keys = query_set_keys(&name_key);
        let pair_keys = retrieval_keys(&name_key);
        if name_keys.is_empty() && id_key.is_none() {
            return Ok(Vec::new());
        }

        // One statement, so one snapshot: a concurrent re-import is seen whole or not at
        // all. Each key contributes at most `limit` entries (its posting list's first,
        // by id), weighted by its role; a document-number hit outranks everything.
        let mut parts: Vec<String> = Vec::new();
        let mut binds: Vec<i64> = Vec::new();
        let mut push = |key: i64, id_hit: u8, (weight, limit): (u32, u32), extra: &str| {
            binds.push(key);
            let n = binds.len() + 1; // $1 is the candidate limit
            parts.push(format!(
                "SELECT entry_id, {id_hit} AS id_hit, {weight} AS w FROM \
                 (SELECT entry_id FROM aml_keys WHERE key = ${n}{extra} \
                 ORDER BY entry_id LIMIT {limit}) k{n}"
            ));
        };
        if let Some(k) = id_key {
            push(k, 1, (0, 20), "");
        }
        for (k, role) in &name_keys {
            push(*k, 0, role_weight(*role), "");
        }
        if let Some(k) = dob_key {
            push(k, 0, DOB_WEIGHT, "");
        }
        // Lists imported before key scheme 2 have token-pair keys only.
        for k in &pair_keys {
            push(
                *k,
                0,
                PAIR_WEIGHT,
                " AND EXISTS (SELECT 1 FROM aml_lists WHERE key_scheme < 2)",
            );
        }
        let sql = format!(
            "SELECT e.list_name, e.case_no, e.case_year, e.record_date, e.full_name, \
             e.id_number, e.date_of_birth, e.name_keys, c.id_hit \
             FROM (SELECT entry_id, MAX(id_hit) AS id_hit, SUM(w) AS w \
                   FROM ({}) u GROUP BY entry_id \
                   ORDER BY MAX(id_hit) DESC, SUM(w) DESC, entry_id LIMIT $1) c \
             JOIN aml_entries e ON e.id = c.entry_id",
            parts.join(" UNION ALL ")
        );
        type Row = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            String,
            i32,
        );
        let rows: Vec<Row> = dispatch!(self, |pool| {
            let mut q = sqlx::query_as::<_, Row>(&sql).bind(params.max_candidates);
            for k in &binds {
                q = q.bind(*k);
            }
            q.fetch_all(pool).await?
        });

        // Whether an entry has the query's full (`YYYY-MM-DD`) birth date.
        let same_birth_date = |entry_dob: Option<&str>| match (dob.as_deref(), entry_dob) {
            (Some(q), Some(e)) => q.len() == 10 && q == e,
            _ => false,
        };
        let mut matches: Vec<(bool, f32, AmlMatch)> = rows
            .into_iter()
            .filter_map(
                |(
                    list,
                    case_no,
                    case_year,
                    record_date,
                    full_name,
                    id_number,
                    entry_dob,
                    keys,
                    id_hit,
                )| {
                    // Unrounded and uncapped, for ranking: a document number first (shown
                    // as 100), then names with the birth date's points on top.
                    let score = if id_hit == 1 {
                        1000.0
                    } else if name_key.is_empty() {
                        0.0
                    } else {
                        let names: Vec<NameKey> = keys.lines().map(NameKey::from_stored).collect();
                        screening::rank_score(
                            &name_key,
                            dob.as_deref(),
                            &names,
                            entry_dob.as_deref(),
                            &params.screening,
                        )
                    };
                    (score >= params.screening.threshold).then(|| {
                        (
                            id_hit == 1 || same_birth_date(entry_dob.as_deref()),
                            score,
                            AmlMatch {
                                case_no,
                                case_year,
                                record_date,
                                full_name,
                                id_number,
                                date_of_birth: entry_dob,
                                score: score.round().clamp(0.0, 100.0) as u8,
                                list,
                            },
                        )
                    })
                },
            )
            .collect();
        // A document number first, then the matches with the query's full birth date (the
        // listed person is far likelier among them than among better-named entries of
        // unknown or other dates), each by the unrounded score (a same-named entry with the
        // same birth date before its namesakes, although all show 100), then by list and
        // case for a stable order.
        matches.sort_by(|(da, sa, a), (db, sb, b)| {
            db.cmp(da)
                .then_with(|| sb.total_cmp(sa))
                .then_with(|| a.list.cmp(&b.list))
                .then_with(|| a.case_no.cmp(&b.case_no))
                .then_with(|| a.full_name.cmp(&b.full_name))
        });
        matches.truncate(params.max_results);
        Ok(matches.into_iter().map(|(_, _, m)| m).collect())
    }
}

/// Retrieval weight and posting-list slice of a name key. An entry with the same name
/// gathers the whole-name weight and one drop-one weight per token (16 + 4n), far above
/// one merely sharing all but one token (4); slices are long for the selective roles and
/// shorter for the nineteen `QueryOmits` keys.
fn role_weight(role: KeyRole) -> (u32, u32) {
    match role {
        KeyRole::Exact => (16, 1000),
        KeyRole::EntryOmits => (8, 500),
        KeyRole::QueryOmits => (8, 300),
        KeyRole::OneDiffers => (4, 1000),
    }
}

/// The same full birth date: above every name role, so that a listed person whose name
/// the query misspells or shortens is scored even when thousands of entries share all but
/// one of the query's names (with `Mohamed` and `Mahmoud` sharing a skeleton, common
/// names crowd the candidates). At most 200 entries per date (a million generated entries
/// have about 50), so even a list that fills unknown dates with one placeholder leaves
/// most of the candidates to names.
const DOB_WEIGHT: (u32, u32) = (40, 200);
/// A token pair of a scheme-1 list.
const PAIR_WEIGHT: (u32, u32) = (2, 300);

/// The birth date (`YYYY-MM-DD`) a 14-digit national ID encodes, when it is one.
fn birth_date_of_national_id(id: &str) -> Option<String> {
    let digits = normalize_document_number(id)?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let today = Utc::now().date_naive();
    hawiya_documents::id_number::parse(&digits, today)
        .ok()
        .map(|n| n.birth_date_iso())
}

/// An entry's stored name keys (one line per name) and its retrieval keys.
fn entry_keys(entry: &AmlEntry) -> (String, Vec<i64>) {
    let mut lines = Vec::with_capacity(1 + entry.aliases.len());
    let mut keys = Vec::new();
    for name in std::iter::once(&entry.full_name).chain(&entry.aliases) {
        let key = NameKey::new(name);
        if key.is_empty() {
            continue;
        }
        keys.extend(entry_set_keys(&key));
        let stored = key.stored();
        if !lines.contains(&stored) {
            lines.push(stored);
        }
    }
    keys.extend(
        entry
            .id_numbers
            .iter()
            .filter_map(|n| document_number_key(n)),
    );
    keys.extend(entry.date_of_birth.as_deref().and_then(birth_date_key));
    keys.sort_unstable();
    keys.dedup();
    (lines.join("\n"), keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pool;

    #[test]
    fn dates_in_list_spellings() {
        assert_eq!(normalize_date("1951-06-19").as_deref(), Some("1951-06-19"));
        assert_eq!(normalize_date("19 Jun 1951").as_deref(), Some("1951-06-19"));
        assert_eq!(
            normalize_date("19 June 1951").as_deref(),
            Some("1951-06-19")
        );
        assert_eq!(normalize_date("06/19/1951").as_deref(), Some("1951-06-19"));
        assert_eq!(normalize_date("circa 1951").as_deref(), Some("1951"));
        assert_eq!(
            normalize_date("1951-06-19T00:00:00").as_deref(),
            Some("1951-06-19")
        );
        assert_eq!(normalize_date("unknown"), None);
    }

    #[test]
    fn ofac_remarks_give_dob_and_numbers() {
        let (dob, ids) = ofac_remarks(
            "DOB 19 Jun 1951; POB Giza, Egypt; Passport 1084010 (Egypt); \
             National ID No. 25106191234567 (Egypt).",
        );
        assert_eq!(dob.as_deref(), Some("1951-06-19"));
        assert_eq!(ids, ["1084010", "25106191234567"]);
        assert_eq!(ofac_name("ZAWAHIRI, Ayman al-"), "Ayman al- ZAWAHIRI");
    }

    fn entry(case: &str, name: &str, dob: &str) -> AmlEntry {
        AmlEntry {
            case_no: Some(case.into()),
            full_name: name.into(),
            date_of_birth: Some(dob.into()),
            ..AmlEntry::default()
        }
    }

    #[tokio::test]
    async fn birth_date_ranks_namesakes_and_scheme_1_lists_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/aml.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        let parsed = ParsedList {
            format: AmlFormat::LocalCsv,
            entries: (0..12)
                .map(|i| entry(&i.to_string(), "Tarek Hamdy Ragab Soliman", "1970-01-01"))
                .chain([entry("12", "طارق حمدي رجب سليمان", "1981-05-06")])
                .collect(),
            source_sha256: "0".repeat(64),
        };
        store.replace_aml_list("local", &parsed).await.unwrap();
        let params = AmlSearchParams {
            max_results: 10,
            ..AmlSearchParams::default()
        };
        // Thirteen namesakes, ten returned: with the birth date, the right one first.
        let q = AmlQuery {
            name: Some("Soliman Tarek Hamdi Ragab"),
            date_of_birth: Some("1981-05-06"),
            ..AmlQuery::default()
        };
        let hits = store.screen_aml(&q, &params).await.unwrap();
        assert_eq!(hits.len(), 10);
        assert_eq!(hits[0].case_no.as_deref(), Some("12"));
        assert_eq!(hits[0].score, 100);
        // By default every namesake above the threshold comes back (up to 50).
        let all = store
            .screen_aml(&q, &AmlSearchParams::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 13);
        assert_eq!(all[0].case_no.as_deref(), Some("12"));

        // A list imported before key scheme 2 has token-pair keys only.
        let Pool::Sqlite(pool) = &store.inner.pool else {
            unreachable!("a SQLite URL")
        };
        sqlx::query("DELETE FROM aml_keys")
            .execute(pool)
            .await
            .unwrap();
        let pairs = retrieval_keys(&NameKey::new("Tarek Hamdy Ragab Soliman"));
        for k in &pairs {
            sqlx::query("INSERT INTO aml_keys (key, entry_id) SELECT $1, id FROM aml_entries")
                .bind(*k)
                .execute(pool)
                .await
                .unwrap();
        }
        let by_name = AmlQuery {
            name: q.name,
            ..AmlQuery::default()
        };
        assert!(store
            .screen_aml(&by_name, &params)
            .await
            .unwrap()
            .is_empty());
        sqlx::query("UPDATE aml_lists SET key_scheme = 1")
            .execute(pool)
            .await
            .unwrap();
        assert_eq!(store.screen_aml(&by_name, &params).await.unwrap().len(), 10);
        store.close().await;
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in AmlFormat::ALL {
            assert_eq!(f.as_str().parse::<AmlFormat>().unwrap(), f);
        }
        assert!("un".parse::<AmlFormat>().is_err());
    }
}
