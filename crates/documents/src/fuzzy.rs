//! Edit distance on Unicode scalar values, the one string metric the crate uses to snap
//! OCR output onto known words.

/// Levenshtein distance (insertions, deletions, substitutions, each costing 1) between
/// `a` and `b`, counted in `char`s so that one Arabic letter is one edit.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() {
        return b.len();
    }
    // One row of the dynamic-programming table at a time.
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "ab"), 2);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("متزوج", "متزوجة"), 1);
        assert_eq!(levenshtein("ذكر", "ذكر"), 0);
        assert_eq!(levenshtein("مسلم", "مسيحي"), 3);
    }

    #[test]
    fn symmetric() {
        for (a, b) in [("abc", "yabd"), ("سولار", "سوار"), ("x", "")] {
            assert_eq!(levenshtein(a, b), levenshtein(b, a));
        }
    }
}
