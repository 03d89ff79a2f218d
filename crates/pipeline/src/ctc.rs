//! Scoring a given text against a CTC reader's output.
//!
//! Greedy decoding gives one text; the readers' repairs need how likely the model finds
//! a text it did not choose (a job of the closed list, an ID number with the digit a
//! blurred repeat lost), summed over every alignment.

use ndarray::ArrayView2;

/// The natural log of the probability a CTC reader's per-step class probabilities
/// `probs` (`[steps, classes]`, the blank at 0) give to `labels` (classes, blank
/// excluded) over all CTC alignments: the forward algorithm in log space. Scores every
/// word of a closed list against one line, which greedy decoding cannot do: a job read
/// two letters off greedily can still be far likelier as one job than as any other.
pub fn log_likelihood(probs: ArrayView2<'_, f32>, labels: &[usize]) -> f32 {
    let steps = probs.nrows();
    if steps == 0 {
        return f32::NEG_INFINITY;
    }
    // The labels with blanks between and around them.
    let mut extended = Vec::with_capacity(2 * labels.len() + 1);
    extended.push(0);
    for &l in labels {
        extended.push(l);
        extended.push(0);
    }
    let log_p = |t: usize, class: usize| probs[[t, class]].max(1e-12).ln();
    let add = |a: f32, b: f32| {
        if a == f32::NEG_INFINITY {
            return b;
        }
        if b == f32::NEG_INFINITY {
            return a;
        }
        let m = a.max(b);
        m + ((a - m).exp() + (b - m).exp()).ln()
    };
    let n = extended.len();
    let mut alpha = vec![f32::NEG_INFINITY; n];
    alpha[0] = log_p(0, extended[0]);
    if n > 1 {
        alpha[1] = log_p(0, extended[1]);
    }
    let mut next = vec![f32::NEG_INFINITY; n];
    for t in 1..steps {
        for s in 0..n {
            let mut a = alpha[s];
            if s >= 1 {
                a = add(a, alpha[s - 1]);
            }
            if s >= 2 && extended[s] != 0 && extended[s] != extended[s - 2] {
                a = add(a, alpha[s - 2]);
            }
            next[s] = match a {
                f32::NEG_INFINITY => f32::NEG_INFINITY,
                a => a + log_p(t, extended[s]),
            };
        }
        std::mem::swap(&mut alpha, &mut next);
    }
    match n {
        1 => alpha[0],
        _ => add(alpha[n - 1], alpha[n - 2]),
    }
}
