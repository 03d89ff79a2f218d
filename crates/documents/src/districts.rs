//! Egypt's districts (markaz, cities and the large urban qism) by governorate, as
//! addresses print them: the place before ` - governorate` on an ID card's second address
//! line, and the city of a licence's address and traffic unit.
//!
//! The list is a gazetteer, not the whole country: villages and hamlets are not in it,
//! so a read is only ever *snapped* to an entry that is one or two edits away, inside the
//! governorate the address names, and never when two entries are as close.
//!
//! `hawiya-synth` prints the first few of each governorate (its `Governorate::districts`),
//! so the readers always know more places than the synthetic documents carry.

use crate::arabic::normalize_for_matching;
use crate::vocab::closest_word;

/// The districts of each governorate code (`governorates::GOVERNORATES`).
pub const DISTRICTS: &[(u8, &[&str])] = &[
    (
        1,
        &[
            "مدينة نصر",
            "مصر الجديدة",
            "شبرا",
            "المعادي",
            "حلوان",
            "عين شمس",
            "المطرية",
            "الزيتون",
            "السيدة زينب",
            "المقطم",
            "التجمع الخامس",
            "الزمالك",
            "النزهة",
            "المرج",
            "السلام",
            "البساتين",
            "دار السلام",
            "مصر القديمة",
            "الخليفة",
            "الجمالية",
            "باب الشعرية",
            "الموسكي",
            "الأزبكية",
            "عابدين",
            "قصر النيل",
            "بولاق",
            "روض الفرج",
            "الساحل",
            "الشرابية",
            "الزاوية الحمراء",
            "حدائق القبة",
            "الوايلي",
            "الظاهر",
            "المرج الجديدة",
            "التبين",
            "15 مايو",
            "القاهرة الجديدة",
            "الشروق",
            "بدر",
            "المعصرة",
            "طره",
        ],
    ),
    (
        2,
        &[
            "سيدي جابر",
            "المنتزه",
            "العجمي",
            "محرم بك",
            "باب شرقي",
            "العطارين",
            "سموحة",
            "برج العرب",
            "العامرية",
            "الدخيلة",
            "المنشية",
            "الجمرك",
            "اللبان",
            "كرموز",
            "مينا البصل",
            "الرمل",
            "سيدي بشر",
            "المندرة",
            "أبو قير",
            "العصافرة",
            "ميامي",
            "الإبراهيمية",
            "كليوباترا",
            "لوران",
            "جليم",
        ],
    ),
    (
        3,
        &[
            "حي الشرق",
            "حي العرب",
            "حي المناخ",
            "حي الضواحي",
            "بورفؤاد",
            "حي الزهور",
            "حي الجنوب",
            "حي غرب",
        ],
    ),
    (
        4,
        &[
            "حي الأربعين",
            "حي السويس",
            "حي فيصل",
            "حي الجناين",
            "عتاقة",
            "بورتوفيق",
        ],
    ),
    (
        11,
        &[
            "دمياط",
            "دمياط الجديدة",
            "رأس البر",
            "فارسكور",
            "كفر سعد",
            "الزرقا",
            "كفر البطيخ",
            "عزبة البرج",
            "ميت أبو غالب",
            "السرو",
            "الروضة",
        ],
    ),
    (
        12,
        &[
            "المنصورة",
            "طلخا",
            "ميت غمر",
            "السنبلاوين",
            "دكرنس",
            "بلقاس",
            "شربين",
            "المنزلة",
            "أجا",
            "منية النصر",
            "الجمالية",
            "تمي الأمديد",
            "بني عبيد",
            "المطرية",
            "نبروه",
            "الكردي",
            "جمصة",
            "محلة دمنة",
            "ميت سلسيل",
        ],
    ),
    (
        13,
        &[
            "الزقازيق",
            "بلبيس",
            "منيا القمح",
            "أبو كبير",
            "فاقوس",
            "ههيا",
            "العاشر من رمضان",
            "كفر صقر",
            "أبو حماد",
            "ديرب نجم",
            "الحسينية",
            "مشتول السوق",
            "الإبراهيمية",
            "أولاد صقر",
            "القرين",
            "القنايات",
            "صان الحجر",
            "الصالحية الجديدة",
        ],
    ),
    (
        14,
        &[
            "بنها",
            "شبرا الخيمة",
            "قليوب",
            "القناطر الخيرية",
            "طوخ",
            "الخانكة",
            "كفر شكر",
            "شبين القناطر",
            "الخصوص",
            "العبور",
            "قها",
        ],
    ),
    (
        15,
        &[
            "كفر الشيخ",
            "دسوق",
            "فوه",
            "بيلا",
            "الحامول",
            "سيدي سالم",
            "بلطيم",
            "مطوبس",
            "قلين",
            "الرياض",
            "برج البرلس",
        ],
    ),
    (
        16,
        &[
            "طنطا",
            "المحلة الكبرى",
            "كفر الزيات",
            "زفتى",
            "السنطة",
            "سمنود",
            "بسيون",
            "قطور",
        ],
    ),
    (
        17,
        &[
            "شبين الكوم",
            "منوف",
            "أشمون",
            "قويسنا",
            "تلا",
            "الباجور",
            "السادات",
            "بركة السبع",
            "الشهداء",
            "سرس الليان",
        ],
    ),
    (
        18,
        &[
            "دمنهور",
            "كفر الدوار",
            "رشيد",
            "إدكو",
            "أبو حمص",
            "كوم حمادة",
            "إيتاي البارود",
            "أبو المطامير",
            "الدلنجات",
            "المحمودية",
            "الرحمانية",
            "حوش عيسى",
            "شبراخيت",
            "وادي النطرون",
            "بدر",
            "النوبارية الجديدة",
        ],
    ),
    (
        19,
        &[
            "الإسماعيلية",
            "فايد",
            "القنطرة شرق",
            "القنطرة غرب",
            "التل الكبير",
            "أبو صوير",
            "القصاصين",
        ],
    ),
    (
        21,
        &[
            "الدقي",
            "العجوزة",
            "الهرم",
            "فيصل",
            "إمبابة",
            "بولاق الدكرور",
            "6 أكتوبر",
            "الشيخ زايد",
            "الحوامدية",
            "الجيزة",
            "العمرانية",
            "الوراق",
            "أوسيم",
            "كرداسة",
            "أبو النمرس",
            "البدرشين",
            "العياط",
            "الصف",
            "أطفيح",
            "الواحات البحرية",
            "منشأة القناطر",
        ],
    ),
    (
        22,
        &[
            "بني سويف",
            "الواسطى",
            "ناصر",
            "إهناسيا",
            "ببا",
            "الفشن",
            "سمسطا",
            "بني سويف الجديدة",
        ],
    ),
    (
        23,
        &[
            "الفيوم",
            "سنورس",
            "إطسا",
            "طامية",
            "أبشواي",
            "يوسف الصديق",
            "الفيوم الجديدة",
        ],
    ),
    (
        24,
        &[
            "المنيا",
            "ملوي",
            "سمالوط",
            "مطاي",
            "بني مزار",
            "مغاغة",
            "أبو قرقاص",
            "دير مواس",
            "العدوة",
            "المنيا الجديدة",
        ],
    ),
    (
        25,
        &[
            "أسيوط",
            "ديروط",
            "منفلوط",
            "القوصية",
            "أبنوب",
            "أبو تيج",
            "البداري",
            "ساحل سليم",
            "الغنايم",
            "صدفا",
            "الفتح",
            "أسيوط الجديدة",
        ],
    ),
    (
        26,
        &[
            "سوهاج",
            "أخميم",
            "طهطا",
            "جرجا",
            "البلينا",
            "المراغة",
            "طما",
            "دار السلام",
            "ساقلتة",
            "المنشاة",
            "جهينة",
            "العسيرات",
            "سوهاج الجديدة",
        ],
    ),
    (
        27,
        &[
            "قنا",
            "نجع حمادي",
            "قوص",
            "دشنا",
            "أبو تشت",
            "فرشوط",
            "نقادة",
            "الوقف",
            "قفط",
            "قنا الجديدة",
        ],
    ),
    (
        28,
        &[
            "أسوان",
            "كوم أمبو",
            "إدفو",
            "دراو",
            "نصر النوبة",
            "أبو سمبل",
            "أسوان الجديدة",
        ],
    ),
    (
        29,
        &[
            "الأقصر",
            "إسنا",
            "أرمنت",
            "الطود",
            "القرنة",
            "الزينية",
            "البياضية",
        ],
    ),
    (
        31,
        &[
            "الغردقة",
            "سفاجا",
            "القصير",
            "مرسى علم",
            "رأس غارب",
            "الشلاتين",
            "حلايب",
        ],
    ),
    (32, &["الخارجة", "الداخلة", "الفرافرة", "باريس", "بلاط"]),
    (
        33,
        &[
            "مرسى مطروح",
            "الحمام",
            "العلمين",
            "الضبعة",
            "سيوة",
            "السلوم",
            "النجيلة",
            "سيدي براني",
        ],
    ),
    (
        34,
        &["العريش", "الشيخ زويد", "رفح", "بئر العبد", "الحسنة", "نخل"],
    ),
    (
        35,
        &[
            "الطور",
            "شرم الشيخ",
            "دهب",
            "نويبع",
            "سانت كاترين",
            "طابا",
            "رأس سدر",
            "أبو رديس",
            "أبو زنيمة",
        ],
    ),
];

/// The districts of one governorate (empty for an unknown code).
pub fn of_governorate(code: u8) -> &'static [&'static str] {
    DISTRICTS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&[], |(_, d)| d)
}

/// The district of governorate `code` that `read` names: equal on the matching key, else
/// within one edit (two for keys of eight letters or more), and no other as close.
pub fn closest(read: &str, code: u8) -> Option<&'static str> {
    let letters = normalize_for_matching(read).chars().count();
    if letters == 0 {
        return None;
    }
    let allowed = if letters >= 8 { 2 } else { 1 };
    closest_word(read, of_governorate(code), allowed)
}

/// The place at the end of `text` (the last one to three words) snapped to a district of
/// governorate `code`, when one is close (see [`closest`]); the longest run that snaps
/// wins. `text` without such an ending comes back as it is.
pub fn snap_trailing(text: &str, code: u8) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    for len in (1..=3.min(words.len())).rev() {
        let run = words[words.len() - len..].join(" ");
        if let Some(d) = closest(&run, code) {
            let head = words[..words.len() - len].join(" ");
            return format!("{head} {d}").trim().to_string();
        }
    }
    text.to_string()
}

/// The governorate (code) whose district ends `text` exactly (the last one to three
/// words, on the matching key), when one governorate alone has it; the longest run
/// that names one wins.
pub fn governorate_of_trailing(text: &str) -> Option<u8> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for len in (1..=3.min(words.len())).rev() {
        let key = normalize_for_matching(&words[words.len() - len..].join(" "));
        let mut codes = DISTRICTS
            .iter()
            .filter(|(_, ds)| ds.iter().any(|d| normalize_for_matching(d) == key))
            .map(|(c, _)| *c);
        if let Some(code) = codes.next() {
            return codes.next().is_none().then_some(code);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governorates::GOVERNORATES;

    #[test]
    fn a_trailing_district_names_its_governorate() {
        let giza = crate::governorates::closest_arabic_name("الجيزة", 0)
            .unwrap()
            .code;
        assert_eq!(
            governorate_of_trailing("ش النيل - كفر الجبل العجوزة"),
            Some(giza)
        );
        assert_eq!(governorate_of_trailing("ش النيل - كفر الجبل"), None);
    }

    #[test]
    fn every_governorate_has_districts() {
        for g in GOVERNORATES.iter().filter(|g| !g.is_abroad()) {
            assert!(!of_governorate(g.code).is_empty(), "{}", g.arabic);
        }
    }

    #[test]
    fn misreads_snap_within_the_governorate() {
        assert_eq!(closest("بنر العبد", 34), Some("بئر العبد"));
        assert_eq!(closest("سوهاح", 26), Some("سوهاج"));
        assert_eq!(closest("الادات", 17), Some("السادات"));
        // The same misread under another governorate is left alone.
        assert_eq!(closest("الادات", 1), None);
        // Too far: a village not in the list stays as read.
        assert_eq!(closest("عمق مطروح", 33), None);
    }

    #[test]
    fn the_trailing_place_is_snapped() {
        assert_eq!(
            snap_trailing("المساكن الشعبية اللحارجة", 32),
            "المساكن الشعبية الخارجة"
        );
        assert_eq!(snap_trailing("عزبة النخل العريش", 34), "عزبة النخل العريش");
        assert_eq!(snap_trailing("كفر الجبل", 29), "كفر الجبل");
    }
}
