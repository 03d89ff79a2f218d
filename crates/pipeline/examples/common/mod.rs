//! Pieces shared by the evaluation examples (a folder without `main.rs`, so Cargo does
//! not take it for an example of its own).

/// `[N] [--seed S]` from the command line: the count and the seed, else the defaults.
pub fn count_and_seed(count: u64, seed: u64) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let (mut count, mut seed) = (count, seed);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().ok_or("--seed needs a number")?.parse()?,
            n => count = n.parse()?,
        }
    }
    Ok((count, seed))
}
