//! AML screening at scale: generates a watchlist of Egyptian names (Arabic and Latin),
//! imports it, then measures precision/recall on generated true variants and look-alikes
//! and the query latency. Results go to benches/results/aml.md.
//!
//! ```text
//! cargo run --release -p hawiya-store --example aml_bench -- [ENTRIES] [DATABASE_URL]
//! ```
//! ENTRIES defaults to 1,000,000; DATABASE_URL to a SQLite file in a temp directory.
//! `AML_BENCH_SEED` picks the generator seed (default 20250301, the reported one: develop
//! on another), `AML_BENCH_THRESHOLD` the match threshold, `AML_BENCH_MISSPELT` the
//! similarity of a misspelt name (0: no misspelling rule).
//!
//! Every query runs twice: with the name alone, and with the name and a date of birth, as
//! screening an ID card does (the national ID encodes it). True variants carry the listed
//! person's date, look-alikes (other people) a random one.

use std::collections::HashMap;
use std::time::Instant;

use hawiya_documents::translit::name_variants_latin;
use hawiya_store::{AmlEntry, AmlFormat, AmlQuery, AmlSearchParams, ParsedList, Store};
use hawiya_synth::data::{family_names, female_names, male_names, Name};
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// True-variant queries and look-alike queries, each.
const QUERIES: usize = 1_000;
/// Zipf exponent of name frequencies: the lists are ordered commonest first, and Egyptian
/// names are heavily skewed (`Mohamed` alone is several percent of all name tokens).
const ZIPF: f64 = 1.0;

struct Pools {
    male: Vec<Name>,
    female: Vec<Name>,
    family: Vec<Name>,
    male_w: WeightedIndex<f64>,
    female_w: WeightedIndex<f64>,
    family_w: WeightedIndex<f64>,
}

fn zipf(n: usize) -> WeightedIndex<f64> {
    WeightedIndex::new((0..n).map(|r| 1.0 / ((r + 1) as f64).powf(ZIPF))).unwrap()
}

impl Pools {
    fn new() -> Pools {
        let (male, female, family) = (
            male_names().to_vec(),
            female_names().to_vec(),
            family_names().to_vec(),
        );
        Pools {
            male_w: zipf(male.len()),
            female_w: zipf(female.len()),
            family_w: zipf(family.len()),
            male,
            female,
            family,
        }
    }

    fn male(&self, rng: &mut impl Rng) -> Name {
        self.male[self.male_w.sample(rng)]
    }

    /// A person: first, father, grandfather (80%), family.
    fn person(&self, rng: &mut impl Rng) -> Vec<Name> {
        let first = if rng.gen_bool(0.5) {
            self.male(rng)
        } else {
            self.female[self.female_w.sample(rng)]
        };
        let mut p = vec![first, self.male(rng)];
        if rng.gen_bool(0.8) {
            p.push(self.male(rng));
        }
        p.push(if rng.gen_bool(0.35) {
            self.family[self.family_w.sample(rng)]
        } else {
            self.male(rng)
        });
        p
    }
}

fn latin(p: &[Name]) -> String {
    p.iter().map(|n| n.en).collect::<Vec<_>>().join(" ")
}

fn arabic(p: &[Name]) -> String {
    p.iter().map(|n| n.ar).collect::<Vec<_>>().join(" ")
}

/// Identity of a name token for ground truth: its usual Latin spelling.
///
/// The name lists hold some names both with and without the article (`سيد` Sayed and
/// `السيد` Elsayed, `شريف` Sherif and `الشريف` Elsherif, `جمال` Gamal and `الجمال`
/// Elgamal): one name to any reader, and to the screening (which drops articles), so the
/// identity is the Arabic spelling without a leading `ال`. [`ident_spelling`] is the
/// original identity (distinct Latin spellings), still reported.
fn ident(p: &[Name]) -> Vec<String> {
    let mut v: Vec<String> = p
        .iter()
        .map(|n| {
            n.ar.strip_prefix("ال")
                .filter(|r| r.chars().count() >= 2)
                .unwrap_or(n.ar)
                .to_string()
        })
        .collect();
    v.sort();
    v
}

/// The original ground-truth identity: the usual Latin spelling of each name.
fn ident_spelling(p: &[Name]) -> Vec<String> {
    let mut v: Vec<String> = p.iter().map(|n| n.en.to_lowercase()).collect();
    v.sort();
    v
}

/// Whether an entry with identity `entry` is the person a query with identity `query`
/// means: the same names, or the same but for one name omitted on either side.
fn same_person(query: &[String], entry: &[String]) -> bool {
    let contains = |big: &[String], small: &[String]| {
        let mut rest = big.to_vec();
        for s in small {
            match rest.iter().position(|r| r == s) {
                Some(i) => {
                    rest.remove(i);
                }
                None => return false,
            }
        }
        rest.len() <= 1
    };
    contains(entry, query) || contains(query, entry)
}

/// Arabic spelling variants people and OCR produce: hamza dropped, ta marbuta as ha,
/// alef maqsura as ya, `عبد` compounds split.
fn arabic_variant(s: &str, rng: &mut impl Rng) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let r = rng.gen_bool(0.7);
        out.push(match c {
            'أ' | 'إ' | 'آ' if r => 'ا',
            'ة' if r => 'ه',
            'ى' if r => 'ي',
            other => other,
        });
    }
    if rng.gen_bool(0.5) {
        out = out.replace("عبدال", "عبد ال");
    }
    out
}

/// Latin spelling variants: each word a member of its spelling family.
fn latin_variant(p: &[Name], rng: &mut impl Rng) -> String {
    p.iter()
        .map(|n| {
            let v = name_variants_latin(n.en);
            v.choose(rng).cloned().unwrap_or_else(|| n.en.to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One typing error (substitution, deletion or doubling) inside one word, never its first
/// letter.
fn typo(s: &str, rng: &mut impl Rng) -> String {
    let mut words: Vec<String> = s.split(' ').map(str::to_string).collect();
    let i = rng.gen_range(0..words.len());
    let mut chars: Vec<char> = words[i].chars().collect();
    if chars.len() >= 4 {
        let at = rng.gen_range(1..chars.len());
        match rng.gen_range(0..3) {
            0 => chars[at] = *b"aeioumnrst".choose(rng).unwrap() as char,
            1 => {
                chars.remove(at);
            }
            _ => chars.insert(at, chars[at]),
        }
    }
    words[i] = chars.into_iter().collect();
    words.join(" ")
}

fn birth_date(rng: &mut impl Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.gen_range(1945..2005),
        rng.gen_range(1..13),
        rng.gen_range(1..29)
    )
}

struct Query {
    text: String,
    /// The date of birth the query carries in the second pass.
    dob: String,
    /// Names the query means (ground truth).
    ident: Vec<String>,
    /// The same by the original, spelling-based identity.
    ident_spelling: Vec<String>,
    kind: &'static str,
    /// For true variants: the listed entry it must find.
    target: Option<usize>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(1_000_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let url = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}/hawiya.db", dir.path().display()));
    // AML_BENCH_REUSE=1 with a DATABASE_URL: keep a list imported by an earlier run with
    // the same seed and size (for trying search parameters without re-importing).
    let reuse = std::env::var("AML_BENCH_REUSE").is_ok_and(|v| v == "1");
    let pools = Pools::new();
    let seed: u64 = std::env::var("AML_BENCH_SEED").map_or(Ok(20250301), |s| s.parse())?;
    println!("seed: {seed}");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // The list: half Latin, half Arabic, as local and international lists mix.
    let started = Instant::now();
    let mut people = Vec::with_capacity(n);
    let mut entries = Vec::with_capacity(n);
    let mut listed_latin = Vec::with_capacity(n);
    let mut births = Vec::with_capacity(n);
    for i in 0..n {
        let p = pools.person(&mut rng);
        listed_latin.push(rng.gen_bool(0.5));
        let full_name = if listed_latin[i] {
            latin(&p)
        } else {
            arabic(&p)
        };
        let born = birth_date(&mut rng);
        births.push(born.clone());
        entries.push(AmlEntry {
            case_no: Some(i.to_string()),
            case_year: Some("2024".into()),
            record_date: Some("2024-01-01".into()),
            full_name,
            aliases: vec![],
            id_numbers: vec![format!("2{:013}", i)],
            date_of_birth: Some(born),
        });
        people.push(p);
    }
    let parsed = ParsedList {
        format: AmlFormat::LocalCsv,
        entries,
        source_sha256: "0".repeat(64),
    };
    eprintln!(
        "generated {n} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let store = Store::connect(&url).await?;
    let started = Instant::now();
    let existing = store.aml_lists().await?;
    if reuse
        && existing
            .iter()
            .any(|l| l.name == "bench" && l.entry_count == n as i64)
    {
        eprintln!("reusing the imported list");
    } else {
        store.replace_aml_list("bench", &parsed).await?;
    }
    let import_secs = started.elapsed().as_secs_f64();
    eprintln!("imported in {import_secs:.1} s");
    drop(parsed);
    let db_bytes = if url.starts_with("sqlite") {
        let file = url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| dir.path().join("hawiya.db"));
        // Fold the WAL in so the file size is the database's.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&sqlx::SqlitePool::connect(&url).await?)
            .await?;
        std::fs::metadata(&file)?.len()
    } else {
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query_scalar::<_, i64>(
            "SELECT pg_total_relation_size('aml_entries') + pg_total_relation_size('aml_keys') \
             + pg_total_relation_size('aml_lists')",
        )
        .fetch_one(&pool)
        .await? as u64
    };

    // Evaluation set.
    let mut queries = Vec::new();
    let kinds = [
        "other script",
        "spelling variant",
        "order swapped",
        "name omitted",
        "typo",
        "all at once",
    ];
    for q in 0..QUERIES {
        let t = rng.gen_range(0..n);
        let p = &people[t];
        let listed_latin = listed_latin[t];
        let kind = kinds[q % kinds.len()];
        let mut words = p.clone();
        let text = match kind {
            "other script" => {
                if listed_latin {
                    arabic(p)
                } else {
                    latin(p)
                }
            }
            "spelling variant" => {
                if rng.gen_bool(0.5) {
                    latin_variant(p, &mut rng)
                } else {
                    arabic_variant(&arabic(p), &mut rng)
                }
            }
            "order swapped" => {
                words.rotate_right(1);
                if rng.gen_bool(0.5) {
                    latin(&words)
                } else {
                    arabic(&words)
                }
            }
            "name omitted" => {
                if words.len() == 4 {
                    words.remove(2);
                } else {
                    words.remove(1);
                }
                if rng.gen_bool(0.5) {
                    latin(&words)
                } else {
                    arabic(&words)
                }
            }
            "typo" => typo(&latin(p), &mut rng),
            _ => {
                words.rotate_right(1);
                if listed_latin {
                    arabic_variant(&arabic(&words), &mut rng)
                } else {
                    latin_variant(&words, &mut rng)
                }
            }
        };
        queries.push(Query {
            text,
            dob: births[t].clone(),
            ident: ident(&words),
            ident_spelling: ident_spelling(&words),
            kind,
            target: Some(t),
        });
    }
    for q in 0..QUERIES {
        let t = rng.gen_range(0..n);
        let mut words = people[t].clone();
        let kind = if q % 10 < 7 {
            // One name replaced by another.
            let i = rng.gen_range(0..words.len());
            loop {
                let other = pools.male(&mut rng);
                if other.en != words[i].en {
                    words[i] = other;
                    break;
                }
            }
            "look-alike: one name differs"
        } else {
            // The listed person's son: his own first name, then the father's chain.
            words.insert(0, pools.male(&mut rng));
            words.pop();
            "look-alike: son of a listed person"
        };
        let text = if rng.gen_bool(0.5) {
            latin(&words)
        } else {
            arabic(&words)
        };
        queries.push(Query {
            text,
            dob: birth_date(&mut rng),
            ident: ident(&words),
            ident_spelling: ident_spelling(&words),
            kind,
            target: None,
        });
    }

    // AML_BENCH_THRESHOLD overrides the default threshold, to show the trade-off.
    let mut params = AmlSearchParams::default();
    if let Ok(t) = std::env::var("AML_BENCH_THRESHOLD") {
        params.screening.threshold = t.parse()?;
    }
    // AML_BENCH_MAX_RESULTS overrides the most matches returned per query.
    if let Ok(t) = std::env::var("AML_BENCH_MAX_RESULTS") {
        params.max_results = t.parse()?;
    }
    // AML_BENCH_MISSPELT overrides the misspelt-name similarity (0 turns the rule off).
    if let Ok(t) = std::env::var("AML_BENCH_MISSPELT") {
        params.screening.misspelt_similarity = t.parse()?;
    }
    println!("threshold: {}", params.screening.threshold);
    println!("entries: {n}");
    println!(
        "database: {}",
        if url.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        }
    );
    println!("import: {import_secs:.1} s");
    println!(
        "database size: {:.1} MiB",
        db_bytes as f64 / (1024.0 * 1024.0)
    );
    // Warm the page cache and the connection pool, as a running server would be.
    for q in queries.iter().take(50) {
        store.screen_aml(&aml_query(&q.text, None), &params).await?;
    }
    for with_dob in [false, true] {
        evaluate(&store, &params, &queries, &people, &births, with_dob).await?;
    }
    store.close().await;
    Ok(())
}

fn aml_query<'a>(name: &'a str, dob: Option<&'a str>) -> AmlQuery<'a> {
    AmlQuery {
        name: Some(name),
        date_of_birth: dob,
        ..AmlQuery::default()
    }
}

/// Runs every query once and prints latency, recall, precision and the per-kind counts.
///
/// Recall counts a true variant right when its listed entry is among the matches (the
/// original definition); "recall, twins counted" also when a match is an entry with
/// exactly the listed person's names (and, with dates, the same date): a name-only query
/// cannot tell such twins apart, and neither can a reviewer.
async fn evaluate(
    store: &Store,
    params: &AmlSearchParams,
    queries: &[Query],
    people: &[Vec<Name>],
    births: &[String],
    with_dob: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut latencies = Vec::with_capacity(queries.len());
    let (mut found, mut found_twin) = (0usize, 0usize);
    let (mut correct, mut wrong) = (0usize, 0usize);
    let mut correct_spelling = 0usize;
    let mut per_kind: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut misses = Vec::new();
    let mut false_hits = Vec::new();
    // Why targets were missed: not retrieved, scored under the threshold, or cut by
    // max_results behind other matches.
    let (mut not_retrieved, mut below, mut cut) = (0usize, 0usize, 0usize);
    let wide = AmlSearchParams {
        screening: hawiya_documents::screening::ScreeningParams {
            threshold: 0.0,
            ..params.screening
        },
        max_results: usize::MAX,
        ..*params
    };
    for q in queries {
        let dob = with_dob.then_some(q.dob.as_str());
        let started = Instant::now();
        let hits = store.screen_aml(&aml_query(&q.text, dob), params).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let k = per_kind.entry(q.kind).or_default();
        k.1 += 1;
        let idx_of = |h: &hawiya_store::AmlMatch| -> usize {
            h.case_no.as_deref().unwrap().parse().unwrap()
        };
        for h in &hits {
            if same_person(&q.ident_spelling, &ident_spelling(&people[idx_of(h)])) {
                correct_spelling += 1;
            }
            if same_person(&q.ident, &ident(&people[idx_of(h)])) {
                correct += 1;
            } else {
                wrong += 1;
                if false_hits.len() < 12 {
                    false_hits.push(format!("{} -> {} ({})", q.text, h.full_name, h.score));
                }
            }
        }
        match q.target {
            Some(t) => {
                let target = t.to_string();
                let exact = hits.iter().any(|h| h.case_no.as_deref() == Some(&target));
                let twin = exact
                    || hits.iter().any(|h| {
                        let i = idx_of(h);
                        ident(&people[i]) == ident(&people[t])
                            && (!with_dob || births[i] == births[t])
                    });
                if exact {
                    found += 1;
                    k.0 += 1;
                } else {
                    let all = store.screen_aml(&aml_query(&q.text, dob), &wide).await?;
                    let why = match all.iter().find(|h| h.case_no.as_deref() == Some(&target)) {
                        None => {
                            not_retrieved += 1;
                            "not retrieved".to_string()
                        }
                        // Fewer matches than max_results: nothing was cut, so the
                        // unrounded score was under the threshold.
                        Some(h)
                            if (h.score as f32) < params.screening.threshold
                                || hits.len() < params.max_results =>
                        {
                            below += 1;
                            format!("scored {}", h.score)
                        }
                        Some(h) => {
                            cut += 1;
                            format!("scored {}, cut", h.score)
                        }
                    };
                    if misses.len() < 24 {
                        misses.push(format!(
                            "[{}] {} (listed: {}; {why})",
                            q.kind,
                            q.text,
                            latin(&people[t])
                        ));
                    }
                }
                if twin {
                    found_twin += 1;
                }
            }
            None => {
                if hits
                    .iter()
                    .all(|h| same_person(&q.ident, &ident(&people[idx_of(h)])))
                {
                    k.0 += 1;
                }
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let trues = queries.iter().filter(|q| q.target.is_some()).count();
    println!();
    println!(
        "== {} ==",
        if with_dob {
            "name and date of birth"
        } else {
            "name only"
        }
    );
    println!(
        "query latency over {} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    println!(
        "recall: {found}/{trues} = {:.1}% (listed entry returned)",
        100.0 * found as f64 / trues as f64
    );
    println!(
        "recall, twins counted: {found_twin}/{trues} = {:.1}%",
        100.0 * found_twin as f64 / trues as f64
    );
    println!(
        "misses: {not_retrieved} not retrieved, {below} under the threshold, {cut} cut by max_results"
    );
    println!(
        "precision: {correct}/{} = {:.1}% (matches naming the queried person, over all matches)",
        correct + wrong,
        100.0 * correct as f64 / (correct + wrong).max(1) as f64
    );
    println!(
        "precision, original identity (Sayed and Elsayed differ): {correct_spelling}/{} = {:.1}%",
        correct + wrong,
        100.0 * correct_spelling as f64 / (correct + wrong).max(1) as f64
    );
    let mut kinds: Vec<_> = per_kind.into_iter().collect();
    kinds.sort();
    for (kind, (ok, total)) in kinds {
        println!("  {kind}: {ok}/{total} right");
    }
    println!("sample misses:");
    for m in misses {
        println!("  {m}");
    }
    println!("sample false matches:");
    for m in false_hits {
        println!("  {m}");
    }
    Ok(())
}
