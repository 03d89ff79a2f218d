//! AML screening at scale: generates a watchlist of Egyptian names (Arabic and Latin),
//! imports it, then measures precision/recall on generated true variants and look-alikes
//! and the query latency. Results go to benches/results/aml.md.
//!
//! ```text
//! cargo run --release -p hawiya-store --example aml_bench -- [ENTRIES] [DATABASE_URL]
//! ```
//! ENTRIES defaults to 1,000,000; DATABASE_URL to a SQLite file in a temp directory.

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
fn ident(p: &[Name]) -> Vec<String> {
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

struct Query {
    text: String,
    /// Names the query means (ground truth).
    ident: Vec<String>,
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
    let pools = Pools::new();
    let mut rng = ChaCha8Rng::seed_from_u64(20250301);

    // The list: half Latin, half Arabic, as local and international lists mix.
    let started = Instant::now();
    let mut people = Vec::with_capacity(n);
    let mut entries = Vec::with_capacity(n);
    let mut listed_latin = Vec::with_capacity(n);
    for i in 0..n {
        let p = pools.person(&mut rng);
        listed_latin.push(rng.gen_bool(0.5));
        let full_name = if listed_latin[i] {
            latin(&p)
        } else {
            arabic(&p)
        };
        let born = format!(
            "{}-{:02}-{:02}",
            rng.gen_range(1945..2005),
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        );
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
    store.replace_aml_list("bench", &parsed).await?;
    let import_secs = started.elapsed().as_secs_f64();
    eprintln!("imported in {import_secs:.1} s");
    drop(parsed);
    let db_bytes = if url.starts_with("sqlite") {
        let file = dir.path().join("hawiya.db");
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
            ident: ident(&words),
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
            ident: ident(&words),
            kind,
            target: None,
        });
    }

    // AML_BENCH_THRESHOLD overrides the default threshold, to show the trade-off.
    let mut params = AmlSearchParams::default();
    if let Ok(t) = std::env::var("AML_BENCH_THRESHOLD") {
        params.screening.threshold = t.parse()?;
    }
    println!("threshold: {}", params.screening.threshold);
    let mut latencies = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    let (mut correct, mut wrong) = (0usize, 0usize);
    let mut per_kind: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut misses = Vec::new();
    let mut false_hits = Vec::new();
    // Warm the page cache and the connection pool, as a running server would be.
    for q in queries.iter().take(50) {
        store.screen_aml(&aml_query(&q.text), &params).await?;
    }
    for q in &queries {
        let started = Instant::now();
        let hits = store.screen_aml(&aml_query(&q.text), &params).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let k = per_kind.entry(q.kind).or_default();
        k.1 += 1;
        for h in &hits {
            let idx: usize = h.case_no.as_deref().unwrap().parse()?;
            if same_person(&q.ident, &ident(&people[idx])) {
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
                if hits
                    .iter()
                    .any(|h| h.case_no.as_deref() == Some(&t.to_string()))
                {
                    found += 1;
                    k.0 += 1;
                } else if misses.len() < 12 {
                    misses.push(format!("{} (listed: {})", q.text, latin(&people[t])));
                }
            }
            None => {
                if hits.iter().all(|h| {
                    same_person(
                        &q.ident,
                        &ident(&people[h.case_no.as_deref().unwrap().parse::<usize>().unwrap()]),
                    )
                }) {
                    k.0 += 1;
                }
            }
        }
    }
    latencies.sort_by(f64::total_cmp);

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
    println!(
        "query latency over {} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    println!(
        "recall: {found}/{QUERIES} = {:.1}%",
        100.0 * found as f64 / QUERIES as f64
    );
    println!(
        "precision: {correct}/{} = {:.1}% (matches naming the queried person, over all matches)",
        correct + wrong,
        100.0 * correct as f64 / (correct + wrong).max(1) as f64
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
    store.close().await;
    Ok(())
}

fn aml_query(name: &str) -> AmlQuery<'_> {
    AmlQuery {
        name: Some(name),
        ..AmlQuery::default()
    }
}
