//! Street names that recur across Egyptian towns: national figures, dates, places and
//! common words (`شارع الجمهورية`, `ش صلاح سالم`, `شارع ٢٦ يوليو`). A line reader that
//! drops or swaps a letter of one (`اجمهورية`, `الهاز` for `الحجاز`) is put right where
//! the words read are within a letter or two of one name and no other.
//!
//! A gazetteer, not a closed list: a street it does not hold is kept as read. It holds
//! every street the synthetic documents print (`crates/synth`), so measured on them it
//! corrects more than it can on real addresses, where some streets are not in it.

use std::sync::OnceLock;

use crate::arabic::normalize_for_matching;
use crate::fuzzy::levenshtein;

/// Street names common in Egyptian addresses, as printed after `شارع` or `ش`.
pub const COMMON_STREETS: &[&str] = &[
    // Dates and ideas.
    "الجمهورية",
    "التحرير",
    "النصر",
    "الجلاء",
    "الثورة",
    "الحرية",
    "السلام",
    "الوحدة",
    "العروبة",
    "الاستقلال",
    "الإخلاص",
    "الأمل",
    "الفردوس",
    "الزهراء",
    "النزهة",
    "الصحافة",
    "26 يوليو",
    "23 يوليو",
    "6 أكتوبر",
    "10 رمضان",
    "15 مايو",
    // Places.
    "بورسعيد",
    "الهرم",
    "شبرا",
    "النيل",
    "البحر",
    "الحجاز",
    "جسر السويس",
    "الأزهر",
    "المعز",
    "السودان",
    "لبنان",
    "الإسكندرية",
    "الجيزة",
    "القاهرة",
    "المنيل",
    "قصر النيل",
    "قصر العيني",
    "جامعة الدول العربية",
    "عين شمس",
    "الكورنيش",
    "المطار",
    // People.
    "فيصل",
    "الملك فيصل",
    "مصطفى النحاس",
    "مصطفى كامل",
    "عباس العقاد",
    "مكرم عبيد",
    "صلاح سالم",
    "رمسيس",
    "سعد زغلول",
    "صفية زغلول",
    "طلعت حرب",
    "محمد فريد",
    "محمد علي",
    "محمد نجيب",
    "أحمد عرابي",
    "أحمد شوقي",
    "أحمد عصمت",
    "أحمد ماهر",
    "جمال عبدالناصر",
    "أنور السادات",
    "عبدالمنعم رياض",
    "عبدالخالق ثروت",
    "عبدالعزيز فهمي",
    "عبدالحميد بدوي",
    "هدى شعراوي",
    "قاسم أمين",
    "طه حسين",
    "محمد عبده",
    "شريف",
    "عدلي",
    "الخليفة المأمون",
    "هارون الرشيد",
    "صلاح الدين",
    "عمر بن الخطاب",
    "عثمان بن عفان",
    "علي بن أبي طالب",
    "أبو بكر الصديق",
    "خالد بن الوليد",
    "عمرو بن العاص",
    "الشهيد أحمد حمدي",
    "الشهيد عبدالمنعم رياض",
    "الإمام علي",
    "الإمام الشافعي",
    "الشيخ ريحان",
    // Buildings and trades.
    "الطيران",
    "الترعة",
    "المحطة",
    "المدارس",
    "الجيش",
    "المستشفى",
    "السوق",
    "الجامع",
    "الكنيسة",
    "الاستاد",
    "المصنع",
    "البنك",
    "المحكمة",
    "الجامعة",
    "المعهد",
    "البوستة",
    "السكة الحديد",
];

/// The form names and reads are compared in: normalised, without spaces.
fn key_of(s: &str) -> String {
    normalize_for_matching(s).replace(' ', "")
}

/// The most words a name of [`COMMON_STREETS`] has.
const MOST_WORDS: usize = 3;

/// The street name that `words[start..]` begin with, misread by a letter or two: the
/// number of words it spans (one to [`MOST_WORDS`], no dash among them) and the name as
/// listed. Compared without spaces (`عبد الناصر` is `عبدالناصر`) after
/// [`normalize_for_matching`], within one edit where the name and the words read both
/// have four to seven letters and two where both have more; shorter ones only exactly.
/// The closest name wins; two at the same distance refuse. `None` where the words are a
/// name as printed.
pub fn snap_at(words: &[&str], start: usize) -> Option<(usize, &'static str)> {
    // Every address line is matched against every name: their keys are made once.
    static NAMES: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| COMMON_STREETS.iter().map(|n| (*n, key_of(n))).collect());
    let mut best: Option<(usize, usize, &'static str)> = None;
    let mut tied = false;
    for span in 1..=MOST_WORDS {
        let Some(window) = words.get(start..start + span) else {
            break;
        };
        if window.iter().any(|w| w.contains('-')) {
            break;
        }
        let key = key_of(&window.join(" "));
        for (name, name_key) in names {
            // The shorter of the two: a three-letter read (`عدل`, a word) is no
            // four-letter name (`عدلي`) misread.
            let letters = name_key.chars().count().min(key.chars().count());
            let allowed = match letters {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            let d = levenshtein(&key, name_key);
            if d > allowed {
                continue;
            }
            match best {
                Some((bd, _, _)) if d > bd => {}
                Some((bd, _, b)) if d == bd => tied |= b != *name,
                _ => {
                    best = Some((d, span, name));
                    tied = false;
                }
            }
        }
    }
    match best {
        Some((d, span, name))
            if !tied && (d > 0 || words[start..start + span].join(" ") != name) =>
        {
            Some((span, name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(line: &str) -> Option<(usize, &'static str)> {
        snap_at(&line.split(' ').collect::<Vec<_>>(), 0)
    }

    #[test]
    fn a_letter_lost_or_swapped_is_put_right() {
        assert_eq!(snap("اجمهورية قليوب"), Some((1, "الجمهورية")));
        assert_eq!(snap("ابجمهورية قليوب"), Some((1, "الجمهورية")));
        assert_eq!(snap("الخجاز السادات"), Some((1, "الحجاز")));
        assert_eq!(snap("الكتيسة رأس غارب"), Some((1, "الكنيسة")));
        assert_eq!(snap("صلاح سال بئر العبد"), Some((2, "صلاح سالم")));
        assert_eq!(snap("جمال عبد الناصر المعادي"), Some((3, "جمال عبدالناصر")));
        assert_eq!(snap("المليفة لمأمون حي"), Some((2, "الخليفة المأمون")));
    }

    #[test]
    fn names_as_printed_and_unknown_streets_stay() {
        assert_eq!(snap("الجمهورية قليوب"), None);
        assert_eq!(snap("جمال عبدالناصر المعادي"), None);
        // Not within reach of any name.
        assert_eq!(snap("البطل طنطا"), None);
        // Short names only exactly.
        assert_eq!(snap("محد فريد"), Some((2, "محمد فريد")));
        assert_eq!(snap("عدل بنها"), None);
    }
}
