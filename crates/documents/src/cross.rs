//! Checks across the documents of one transaction: the vehicle licence owner's name
//! against the ID card holder's (`3102`).
//!
//! Both names are OCR output, so the comparison forgives what OCR and spelling vary on:
//! hamza, ta marbuta and final ya forms ([`normalize_for_matching`]), `عبد` written apart
//! or joined to the next name, one slip per long word, and a longer name on one of the
//! two documents (a licence may print four names where the card prints five). It does
//! not forgive a different first name or a different father's name.

use crate::arabic::normalize_for_matching;
use crate::codes::{Code, FieldIssue};
use crate::fuzzy::levenshtein;

/// The names as comparable tokens: matching keys, `عبد` joined to the name after it.
fn tokens(name: &str) -> Vec<String> {
    let key = normalize_for_matching(name);
    let mut out: Vec<String> = Vec::new();
    let mut join_next = false;
    for w in key.split_whitespace() {
        if join_next {
            if let Some(last) = out.last_mut() {
                last.push_str(w);
            }
            join_next = false;
            continue;
        }
        join_next = w == "عبد";
        out.push(w.to_string());
    }
    out
}

/// True when two printed names are the same person's name, as far as OCR lets one tell:
/// the shorter name's words (at least two) match the longer's first words, each within
/// one edit when it has six letters or more, exactly otherwise (`محمد` and `محمود` are
/// one edit apart and two names).
pub fn names_agree(a: &str, b: &str) -> bool {
    let (ta, tb) = (tokens(a), tokens(b));
    let n = ta.len().min(tb.len());
    if n < 2 {
        // Nothing to compare on: not a mismatch to report.
        return true;
    }
    ta.iter().zip(&tb).take(n).all(|(x, y)| {
        let allowed = if x.chars().count().min(y.chars().count()) >= 6 {
            1
        } else {
            0
        };
        levenshtein(x, y) <= allowed
    })
}

/// `3102` on the licence's `field` when the owner's name is not the ID card holder's.
pub fn check_owner_name(id_name: &str, owner_name: &str, field: &str) -> Option<FieldIssue> {
    if id_name.trim().is_empty() || owner_name.trim().is_empty() {
        return None;
    }
    (!names_agree(id_name, owner_name)).then(|| {
        FieldIssue::new(field, owner_name, Code::NameMismatch)
            .with_detail(format!("the ID card of this transaction reads {id_name:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_variants_agree() {
        assert!(names_agree(
            "مروة عبدالباسط نوح ياسين",
            "مروه عبد الباسط نوح ياسين"
        ));
        assert!(names_agree("أحمد علي حسن", "احمد على حسن"));
        // A longer name on the card.
        assert!(names_agree("محمد أحمد علي حسن السيد", "محمد أحمد علي حسن"));
        // One OCR slip in a long name.
        assert!(names_agree("مختار عبدالرحيم تامر", "مختار عبدالرحم تامر"));
    }

    #[test]
    fn different_people_do_not() {
        assert!(!names_agree("محمد أحمد علي", "محمود أحمد علي"));
        assert!(!names_agree("سناء منير فؤاد", "سناء كمال فؤاد"));
        let issue = check_owner_name("محمد أحمد علي", "خالد حمدي بكر", "name").unwrap();
        assert_eq!(issue.code, Code::NameMismatch);
        assert!(check_owner_name("", "خالد حمدي بكر", "name").is_none());
    }
}
