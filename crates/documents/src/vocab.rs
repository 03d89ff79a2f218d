//! The closed word lists printed on Egyptian documents, with their normalised forms, and
//! [`closest_word`] to snap OCR output onto them.
//!
//! Every list holds the canonical printed spelling (what a response carries), its English
//! meaning, and spellings seen in practice (`aliases`). Comparison always goes through
//! [`crate::arabic::normalize_for_matching`], so hamza and ta-marbuta variants need no alias.

use std::sync::OnceLock;

use serde::Serialize;

use crate::arabic::normalize_for_matching;
use crate::fuzzy::levenshtein;

/// Gender as the API reports it (`M` / `F`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Gender {
    /// `M` or `F`.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
        }
    }

    /// The word printed on the back of the ID card.
    pub fn arabic(self) -> &'static str {
        match self {
            Gender::Male => "ذكر",
            Gender::Female => "أنثى",
        }
    }
}

/// One word of a closed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The canonical spelling, as printed and as answered.
    pub arabic: &'static str,
    /// The English equivalent (for English responses and logs).
    pub english: &'static str,
    /// Other spellings met on documents or in OCR output, beyond the hamza/ta-marbuta/ya
    /// variants that matching folds anyway.
    pub aliases: &'static [&'static str],
}

impl Term {
    /// The canonical spelling, then the aliases.
    pub fn spellings(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.arabic).chain(self.aliases.iter().copied())
    }
}

const fn term(arabic: &'static str, english: &'static str) -> Term {
    Term {
        arabic,
        english,
        aliases: &[],
    }
}

const fn term_aka(
    arabic: &'static str,
    english: &'static str,
    aliases: &'static [&'static str],
) -> Term {
    Term {
        arabic,
        english,
        aliases,
    }
}

/// Gender words of the ID card back and the English words of licences.
pub const GENDER_WORDS: &[Term] = &[
    term_aka("ذكر", "Male", &["Male", "M"]),
    term_aka("أنثى", "Female", &["Female", "F", "انثي"]),
];

/// The [`Gender`] a printed gender word stands for (Arabic or English), after snapping
/// to the list with at most one edit (the words are short: two edits would confuse them).
pub fn gender_from_word(word: &str) -> Option<Gender> {
    let t = closest_term(word, GENDER_WORDS, 1)?;
    Some(if t.english == "Male" {
        Gender::Male
    } else {
        Gender::Female
    })
}

/// The Arabic gender word a read fragment begins, where it is the first two letters or
/// more of one gender word only (`أن` for `أنثى`, whose `ثى` Tesseract drops on small
/// print). Only for a token already known to stand in the gender word's place: two
/// letters alone would also begin other words.
pub fn gender_word_from_fragment(fragment: &str) -> Option<&'static str> {
    let key = crate::arabic::normalize_for_matching(fragment);
    if key.chars().count() < 2 {
        return None;
    }
    let mut begun = GENDER_WORDS
        .iter()
        .filter(|t| crate::arabic::normalize_for_matching(t.arabic).starts_with(&key));
    match (begun.next(), begun.next()) {
        (Some(t), None) => Some(t.arabic),
        _ => None,
    }
}

/// Religion words of the ID card back, masculine and feminine forms.
pub const RELIGIONS: &[Term] = &[
    term("مسلم", "Muslim"),
    term("مسلمة", "Muslim"),
    term("مسيحي", "Christian"),
    term("مسيحية", "Christian"),
    term("يهودي", "Jewish"),
    term("يهودية", "Jewish"),
];

/// Marital status as printed: the card uses gendered forms, and `آنسة` (Miss) for an
/// unmarried woman.
pub const MARITAL_STATUSES: &[Term] = &[
    term("أعزب", "Single"),
    term("آنسة", "Single"),
    term("متزوج", "Married"),
    term("متزوجة", "Married"),
    term("مطلق", "Divorced"),
    term("مطلقة", "Divorced"),
    term("أرمل", "Widowed"),
    term("أرملة", "Widowed"),
];

/// Nationality words of licences.
pub const NATIONALITIES: &[Term] = &[
    term_aka("مصري", "Egyptian", &["Egyptian", "مصرى"]),
    term("مصرية", "Egyptian"),
];

/// The 17 letters used on Egyptian plates since 2008, in the order documents.md gives.
pub const PLATE_LETTERS: [char; 17] = [
    'أ', 'ب', 'ج', 'د', 'ر', 'س', 'ص', 'ط', 'ع', 'ف', 'ق', 'ل', 'م', 'ن', 'ه', 'و', 'ى',
];

/// Maps a recognised character to the plate letter it must be, folding the forms OCR
/// produces for the same glyph (`ا`/`إ` for `أ`, `ي` for `ى`, `ة` for `ه`).
pub fn plate_letter(c: char) -> Option<char> {
    let folded = match c {
        'ا' | 'إ' | 'آ' => 'أ',
        'ي' | 'ی' => 'ى',
        'ة' => 'ه',
        other => other,
    };
    PLATE_LETTERS.contains(&folded).then_some(folded)
}

/// Fuel words of the vehicle licence back.
pub const FUELS: &[Term] = &[
    term("بنزين", "Petrol"),
    term_aka("سولار", "Diesel", &["ديزل"]),
    term_aka("غاز طبيعي", "Natural gas", &["غاز"]),
    term_aka("كهرباء", "Electric", &["كهربائي"]),
    term_aka(
        "بنزين / غاز",
        "Petrol / natural gas",
        &["بنزين وغاز", "بنزين غاز"],
    ),
    term_aka("هجين", "Hybrid", &["هايبرد"]),
];

/// Licence types of the vehicle licence (رخصة تسيير).
pub const VEHICLE_LICENCE_TYPES: &[Term] = &[
    term("ملاكي", "Private"),
    term("ملاكي مؤقت", "Private, temporary"),
    term("أجرة", "Taxi"),
    term("نقل", "Truck"),
    term("نقل خفيف", "Light truck"),
    term("نقل ثقيل", "Heavy truck"),
    term_aka("أتوبيس", "Bus", &["اوتوبيس"]),
    term("ميكروباص", "Microbus"),
    term("سياحي", "Tourist"),
    term("ليموزين", "Limousine"),
    term_aka("دراجة نارية", "Motorcycle", &["موتوسيكل", "دراجة بخارية"]),
    term("جرار زراعي", "Tractor"),
    term("مقطورة", "Trailer"),
    term("تعليم", "Driving school"),
    term_aka("حكومي", "Government", &["حكومة"]),
    term("دبلوماسي", "Diplomatic"),
    term("مؤقت", "Temporary"),
];

/// Licence types of the driving licence (رخصة قيادة).
pub const DRIVING_LICENCE_TYPES: &[Term] = &[
    term_aka("خاصة", "Private", &["خاصه", "رخصة خاصة"]),
    term_aka(
        "مهنية درجة أولى",
        "Professional first grade",
        &["مهنية درجة اولى", "درجة أولى"],
    ),
    term_aka(
        "مهنية درجة ثانية",
        "Professional second grade",
        &["درجة ثانية"],
    ),
    term_aka(
        "مهنية درجة ثالثة",
        "Professional third grade",
        &["درجة ثالثة"],
    ),
    term_aka("دراجة نارية", "Motorcycle", &["دراجة بخارية", "موتوسيكل"]),
    term("جرار زراعي", "Tractor"),
    term("معدات ثقيلة", "Heavy equipment"),
    term("تعليم", "Driving school"),
];

/// Vehicle colours as Egyptian licences write them (including local words such as
/// `نبيتي`, wine red, and `لبني`, light blue).
pub const COLOURS: &[Term] = &[
    term_aka("أبيض", "White", &["ابيض"]),
    term("أسود", "Black"),
    term("أحمر", "Red"),
    term("أزرق", "Blue"),
    term("أخضر", "Green"),
    term("أصفر", "Yellow"),
    term_aka("رمادي", "Grey", &["رصاصي"]),
    term("فضي", "Silver"),
    term("بيج", "Beige"),
    term("بني", "Brown"),
    term("نبيتي", "Maroon"),
    term("عنابي", "Burgundy"),
    term("ذهبي", "Gold"),
    term("برتقالي", "Orange"),
    term("كحلي", "Navy"),
    term("لبني", "Light blue"),
    term("سماوي", "Sky blue"),
    term("زيتي", "Olive"),
    term("بترولي", "Petrol blue"),
    term("بنفسجي", "Purple"),
    term("موف", "Mauve"),
    term_aka("وردي", "Pink", &["بمبي"]),
    term_aka("شمبانيا", "Champagne", &["شامبين"]),
    term("تركواز", "Turquoise"),
];

/// Common car makes in Egypt, Arabic as printed on licences, with the Latin make name.
pub const CAR_MAKES: &[Term] = &[
    term("تويوتا", "Toyota"),
    term_aka("هيونداي", "Hyundai", &["هيونداى", "هيوندا"]),
    term("كيا", "Kia"),
    term_aka("نيسان", "Nissan", &["نيسا ن"]),
    term_aka(
        "شيفروليه",
        "Chevrolet",
        &["شفروليه", "شيفروليت", "شيفرولية"],
    ),
    term("فيات", "Fiat"),
    term_aka("بيجو", "Peugeot", &["بيجوت"]),
    term("رينو", "Renault"),
    term_aka("ميتسوبيشي", "Mitsubishi", &["متسوبيشي"]),
    term("سوزوكي", "Suzuki"),
    term("هوندا", "Honda"),
    term("مازدا", "Mazda"),
    term("سكودا", "Skoda"),
    term_aka("فولكس فاجن", "Volkswagen", &["فولكس", "فولكسفاجن"]),
    term_aka("مرسيدس", "Mercedes-Benz", &["مرسيدس بنز"]),
    term_aka("بي إم دبليو", "BMW", &["بى ام دبليو", "بي ام دبليو"]),
    term("أودي", "Audi"),
    term("أوبل", "Opel"),
    term("فورد", "Ford"),
    term("جيب", "Jeep"),
    term("لادا", "Lada"),
    term("سيات", "Seat"),
    term("شيري", "Chery"),
    term("بي واي دي", "BYD"),
    term("جيلي", "Geely"),
    term_aka("ام جي", "MG", &["إم جي"]),
    term("بروتون", "Proton"),
    term("دايو", "Daewoo"),
    term("سوبارو", "Subaru"),
    term("لكزس", "Lexus"),
    term("فولفو", "Volvo"),
    term("سيتروين", "Citroen"),
    term("دايهاتسو", "Daihatsu"),
    term("إيسوزو", "Isuzu"),
    term("جاك", "JAC"),
    term("بريليانس", "Brilliance"),
    term("سانج يونج", "SsangYong"),
    term("لاند روفر", "Land Rover"),
    term("بورش", "Porsche"),
    term("جاكوار", "Jaguar"),
    term("شانجان", "Changan"),
    term("هافال", "Haval"),
    term("دونج فينج", "Dongfeng"),
    term("بايك", "BAIC"),
    term("سوكون", "Soueast"),
    term("سبيرانزا", "Speranza"),
];

/// Occupations as the civil registry prints them on the ID card back and the driving
/// licence (masculine and feminine forms): the registry prints a job from its own coded
/// list, so a read one letter off one of these words is that word. Not exhaustive: a job
/// outside the list is kept as read.
pub const JOBS: &[Term] = &[
    term("مهندس", "Engineer"),
    term("مهندسة", "Engineer"),
    term("مهندس زراعي", "Agricultural engineer"),
    term("مهندسة زراعية", "Agricultural engineer"),
    term("مهندس معماري", "Architect"),
    term("مهندسة معمارية", "Architect"),
    term("طبيب", "Doctor"),
    term("طبيبة", "Doctor"),
    term("طبيب أسنان", "Dentist"),
    term("طبيبة أسنان", "Dentist"),
    term("طبيب بيطري", "Veterinarian"),
    term("طبيبة بيطرية", "Veterinarian"),
    term("صيدلي", "Pharmacist"),
    term("صيدلانية", "Pharmacist"),
    term("ممرض", "Nurse"),
    term("ممرضة", "Nurse"),
    term("محاسب", "Accountant"),
    term("محاسبة", "Accountant"),
    term("مراجع", "Auditor"),
    term("مراجعة", "Auditor"),
    term("مدرس", "Teacher"),
    term("مدرسة", "Teacher"),
    term("معلم", "Teacher"),
    term("معلمة", "Teacher"),
    term("مدرس مساعد", "Assistant lecturer"),
    term("مدرسة مساعدة", "Assistant lecturer"),
    term("معيد", "Teaching assistant"),
    term("معيدة", "Teaching assistant"),
    term("أستاذ جامعي", "Professor"),
    term("أستاذة جامعية", "Professor"),
    term("محامي", "Lawyer"),
    term("محامية", "Lawyer"),
    term("قاضي", "Judge"),
    term("قاضية", "Judge"),
    term("وكيل نيابة", "Prosecutor"),
    term("وكيلة نيابة", "Prosecutor"),
    term("مستشار", "Counsellor"),
    term("مستشارة", "Counsellor"),
    term("طالب", "Student"),
    term("طالبة", "Student"),
    term("تلميذ", "Pupil"),
    term("تلميذة", "Pupil"),
    term("موظف", "Employee"),
    term("موظفة", "Employee"),
    term("مدير", "Manager"),
    term("مديرة", "Manager"),
    term("مشرف", "Supervisor"),
    term("مشرفة", "Supervisor"),
    term("مفتش", "Inspector"),
    term("مفتشة", "Inspector"),
    term("أخصائي", "Specialist"),
    term("أخصائية", "Specialist"),
    term("باحث", "Researcher"),
    term("باحثة", "Researcher"),
    term("كاتب", "Clerk"),
    term("كاتبة", "Clerk"),
    term("سكرتير", "Secretary"),
    term("سكرتيرة", "Secretary"),
    term("مترجم", "Translator"),
    term("مترجمة", "Translator"),
    term("مبرمج", "Programmer"),
    term("مبرمجة", "Programmer"),
    term("مصمم", "Designer"),
    term("مصممة", "Designer"),
    term("مصور", "Photographer"),
    term("مصورة", "Photographer"),
    term("صحفي", "Journalist"),
    term("صحفية", "Journalist"),
    term("مذيع", "Broadcaster"),
    term("مذيعة", "Broadcaster"),
    term("ممثل", "Actor"),
    term("ممثلة", "Actor"),
    term("كيميائي", "Chemist"),
    term("كيميائية", "Chemist"),
    term("فني", "Technician"),
    term("فنية", "Technician"),
    term("عامل", "Worker"),
    term("عاملة", "Worker"),
    term("عامل زراعي", "Farm worker"),
    term("عاملة زراعية", "Farm worker"),
    term("عامل بناء", "Construction worker"),
    term("عاملة بناء", "Construction worker"),
    term("عامل نظافة", "Cleaner"),
    term("عاملة نظافة", "Cleaner"),
    term("سائق", "Driver"),
    term("سائقة", "Driver"),
    term("تاجر", "Merchant"),
    term("تاجرة", "Merchant"),
    term("بائع", "Seller"),
    term("بائعة", "Seller"),
    term("مندوب مبيعات", "Sales representative"),
    term("مندوبة مبيعات", "Sales representative"),
    term("أمين مخزن", "Storekeeper"),
    term("أمينة مخزن", "Storekeeper"),
    term("مزارع", "Farmer"),
    term("مزارعة", "Farmer"),
    term("فلاح", "Farmer"),
    term("فلاحة", "Farmer"),
    term("ضابط", "Officer"),
    term("ضابطة", "Officer"),
    term("أمين شرطة", "Police sergeant"),
    term("أمينة شرطة", "Police sergeant"),
    term("مساعد", "Assistant"),
    term("مساعدة", "Assistant"),
    term("خياط", "Tailor"),
    term("خياطة", "Tailor"),
    term("طباخ", "Cook"),
    term("طباخة", "Cook"),
    term("حارس", "Guard"),
    term("حارسة", "Guard"),
    term("مقاول", "Contractor"),
    term("مقاولة", "Contractor"),
    term("رجل أعمال", "Businessman"),
    term("سيدة أعمال", "Businessman"),
    term("نجار", "Carpenter"),
    term("نجارة", "Carpenter"),
    term("ربة منزل", "Housewife"),
    term("بدون عمل", "Unemployed"),
    term("بالمعاش", "Retired"),
    term("علي المعاش", "Retired"),
    term("حداد", "Blacksmith"),
    term("سباك", "Plumber"),
    term("كهربائي", "Electrician"),
    term("ميكانيكي", "Mechanic"),
    term("ترزي", "Tailor"),
    term("حلاق", "Barber"),
    term("صياد", "Fisherman"),
    term("نقاش", "Painter"),
    term("بناء", "Builder"),
    term("جزار", "Butcher"),
    term("خباز", "Baker"),
    term("بقال", "Grocer"),
    term("صائغ", "Jeweller"),
    term("بستاني", "Gardener"),
    term("سمسار", "Broker"),
    term("مأذون", "Marriage registrar"),
    term("إمام", "Imam"),
    term("قسيس", "Priest"),
    term("جندي", "Soldier"),
    term("خفير", "Watchman"),
    term("بواب", "Doorman"),
    term("ساعي", "Messenger"),
    term("حرفي", "Craftsman"),
];

/// A job as read, put in the registry's spelling when it is at most one edit from
/// exactly one of [`JOBS`] (`مندس` -> `مهندس`, `رية منزل` -> `ربة منزل`), or, being no
/// job itself, the end of exactly one (`رض` -> `ممرض`); otherwise `None` (kept as read).
/// Reads under three letters are too short for an edit (`في` is one edit from `فني` and
/// from many words).
///
/// Why the ends: Tesseract loses the first letters of a short word on a blurred card
/// (`رض` for `ممرض` on 3 of 150 development backs, seed 4242), and an end that only one
/// job has names it. Ends that several jobs share (`في`: `صحفي`, `حرفي`) stay as read.
pub fn snap_job(read: &str) -> Option<&'static str> {
    let letters = read.chars().filter(|c| c.is_alphabetic()).count();
    if letters >= 3 {
        if let Some(t) = closest_term(read, JOBS, 1) {
            return Some(t.arabic);
        }
        // One word read in pieces (`صيد ل نية`).
        let joined: String = read.split_whitespace().collect();
        if joined != read {
            if let Some(t) = closest_term(&joined, JOBS, 1) {
                return Some(t.arabic);
            }
        }
    }
    // Long reads two letters off (`رية مزل`, `مشرصسة`): a job of six letters or more
    // keeps enough of itself to be told from the others.
    if letters >= 6 {
        if let Some(t) = closest_term(read, JOBS, 2) {
            return Some(t.arabic);
        }
    }
    if letters < 2 {
        return None;
    }
    let key = normalize_for_matching(read);
    let ending: Vec<&Term> = JOBS
        .iter()
        .filter(|t| normalize_for_matching(t.arabic).ends_with(&key))
        .collect();
    match ending.as_slice() {
        [t] if normalize_for_matching(t.arabic) != key => Some(t.arabic),
        [] | [_] => None,
        several => {
            // Ends several jobs share (`في`: `صحفي`, `حرفي`): Tesseract drops a job's
            // first letters whole where the Naskh faces stack them over `ح`, `ج` or `خ`
            // (`صحـ`), and reads the rest; a head that stands flat (`حر`) it reads. The
            // one job whose lost head ends in a stacking letter is taken.
            let mut stacked = several.iter().filter(|t| {
                let full = normalize_for_matching(t.arabic);
                let head = &full[..full.len() - key.len()];
                head.chars().count() >= 2 && head.ends_with(['ح', 'ج', 'خ']) && !head.contains(' ')
            });
            match (stacked.next(), stacked.next()) {
                (Some(t), None) => Some(t.arabic),
                _ => None,
            }
        }
    }
}

/// A job of [`JOBS`] in `gender`'s form, where the list has both (`فنية` for a woman
/// read `فني`: Tesseract often drops a final `ة`; the card prints the holder's form);
/// a job with one form only, or not in the list, as it is.
pub fn job_in_gender(job: &str, gender: Gender) -> Option<&'static str> {
    let find = |form: &str| JOBS.iter().find(|t| t.arabic == form).map(|t| t.arabic);
    let this = find(job)?;
    let other = match (gender, this.strip_suffix('ة')) {
        (Gender::Male, Some(masculine)) => find(masculine),
        (Gender::Female, None) => find(&format!("{this}ة")),
        _ => None,
    };
    Some(other.unwrap_or(this))
}

/// Whether `word` is a word of a job in [`JOBS`] (`صحفية`, `منزل` of `ربة منزل`),
/// compared on matching keys: readers use it to choose between readings of a job line.
pub fn is_job_word(word: &str) -> bool {
    // Asked for every word of every view of a card's middle rows: the keys are made once.
    static KEYS: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        JOBS.iter()
            .flat_map(Term::spellings)
            .flat_map(str::split_whitespace)
            .map(normalize_for_matching)
            .collect()
    });
    let key = normalize_for_matching(word);
    !key.is_empty() && keys.contains(&key)
}

/// Common car models in Egypt (`sub_type` of the vehicle licence), Arabic as printed.
pub const CAR_MODELS: &[Term] = &[
    term("كورولا", "Corolla"),
    term("ياريس", "Yaris"),
    term("كامري", "Camry"),
    term("فورتشنر", "Fortuner"),
    term("لاند كروزر", "Land Cruiser"),
    term("هايلكس", "Hilux"),
    term("إلنترا", "Elantra"),
    term("أكسنت", "Accent"),
    term("توسان", "Tucson"),
    term("فيرنا", "Verna"),
    term("ماتريكس", "Matrix"),
    term("صني", "Sunny"),
    term("سنترا", "Sentra"),
    term("قشقاي", "Qashqai"),
    term("جوك", "Juke"),
    term("أفيو", "Aveo"),
    term("لانوس", "Lanos"),
    term("أوبترا", "Optra"),
    term("كروز", "Cruze"),
    term("سيراتو", "Cerato"),
    term("ريو", "Rio"),
    term("سبورتاج", "Sportage"),
    term("بيكانتو", "Picanto"),
    term("تيبو", "Tipo"),
    term("شاهين", "Shahin"),
    term("أوكتافيا", "Octavia"),
    term("فابيا", "Fabia"),
    term("لوجان", "Logan"),
    term("ميجان", "Megane"),
    term("داستر", "Duster"),
    term("لانسر", "Lancer"),
    term("باجيرو", "Pajero"),
    term("سويفت", "Swift"),
    term("ألتو", "Alto"),
    term("سيفيك", "Civic"),
    term("سي 200", "C200"),
    term("إي 300", "E300"),
    term("إف 3", "F3"),
];

/// Parameters of [`closest_term_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosestWordParams {
    /// Largest edit distance (on matching keys) still accepted.
    pub max_distance: usize,
    /// Refuse when two different words are equally close. On by default: for short
    /// closed lists a tie means OCR lost the letter that tells them apart
    /// (`مطلق`/`مطلقة` at distance 1 from `مطلقه ة`), and guessing would be wrong half
    /// the time.
    pub refuse_ties: bool,
}

impl Default for ClosestWordParams {
    fn default() -> Self {
        ClosestWordParams {
            // One OCR slip per short word; longer words tolerate more via the caller.
            max_distance: 1,
            refuse_ties: true,
        }
    }
}

/// The words that name a way in an Egyptian address, right after the house number
/// (`١٢ ش التحرير`): `ش` is short for `شارع`.
pub const STREET_TYPES: &[&str] = &[
    "شارع",
    "ش",
    "طريق",
    "ميدان",
    "حارة",
    "عطفة",
    "درب",
    "كورنيش",
    "ممر",
];

/// One-letter reads of a lone `ش`: its teeth with the dots lost, moved or merged.
const SHIN_LOOKALIKES: &[&str] = &["س", "ص", "ض", "ث"];

/// A misread street type (`شارم`, `شاع`, `اش`, `ض`) as printed: one edit from a word of
/// [`STREET_TYPES`] of three letters or more, `ش` with a stray mark before it (two
/// letters ending in `ش`: no address word right after the house number looks so), or
/// one letter of its shape.
pub fn snap_street_type(word: &str) -> Option<&'static str> {
    if let Some(&exact) = STREET_TYPES.iter().find(|t| **t == word) {
        return Some(exact);
    }
    // `ش` alone read as a letter of its shape (`ض`, `س`): no other one-letter word
    // stands where the way's type does.
    if SHIN_LOOKALIKES.contains(&word) {
        return Some("ش");
    }
    // `ش` with a stray stroke or dot joined before it.
    let mut chars = word.chars();
    if let (Some(_), Some('ش'), None) = (chars.next(), chars.next(), chars.next()) {
        return Some("ش");
    }
    if word.chars().count() < 3 {
        return None;
    }
    let long: Vec<&'static str> = STREET_TYPES
        .iter()
        .copied()
        .filter(|t| t.chars().count() >= 4)
        .collect();
    closest_word(word, &long, 1)
}

/// The kinds of area that recur in Egyptian addresses between the street and the
/// district (`عزبة النخل`, `الحي الثالث`, `المجاورة الثانية`).
pub const AREA_WORDS: &[&str] = &[
    "عزبة",
    "الحي",
    "المنطقة",
    "المجاورة",
    "المساكن",
    "مساكن",
    "الإسكان",
    "الشعبية",
];

/// The ordinals that number a masculine area (`الحي الثالث`), first to tenth.
pub const MASCULINE_ORDINALS: &[&str] = &[
    "الأول",
    "الثاني",
    "الثالث",
    "الرابع",
    "الخامس",
    "السادس",
    "السابع",
    "الثامن",
    "التاسع",
    "العاشر",
];

/// The ordinals that number a feminine area (`المنطقة الثالثة`), first to tenth.
pub const FEMININE_ORDINALS: &[&str] = &[
    "الأولى",
    "الثانية",
    "الثالثة",
    "الرابعة",
    "الخامسة",
    "السادسة",
    "السابعة",
    "الثامنة",
    "التاسعة",
    "العاشرة",
];

/// The titles that begin so many street names (`شارع الشهيد أحمد حمدي`, `الملك فيصل`).
pub const STREET_TITLES: &[&str] = &["الشهيد", "الشيخ", "الملك", "الإمام", "الدكتور", "اللواء"];

/// The words [`snap_address_word`] snaps to: the kinds of area, the feminine ordinals up
/// to the seventh and the masculine ones but `الأول` (one letter from `الأمل`, a common
/// street name), and the street titles.
pub fn address_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        AREA_WORDS
            .iter()
            .chain(&FEMININE_ORDINALS[..7])
            .chain(&MASCULINE_ORDINALS[1..])
            .chain(STREET_TITLES)
            .copied()
            .collect()
    })
}

/// An address word misread by one letter (`عزية`, `المي`), as printed: four letters or
/// more, one edit from one word of [`address_words`] and no other.
pub fn snap_address_word(word: &str) -> Option<&'static str> {
    if word.chars().count() < 4 {
        return None;
    }
    closest_word(word, address_words(), 1)
}

/// The word of `list` closest to `input` (edit distance on
/// [`normalize_for_matching`] keys), if within `max_distance`; `None` when nothing is
/// that close or two different words tie.
pub fn closest_word<'a>(input: &str, list: &[&'a str], max_distance: usize) -> Option<&'a str> {
    let key = normalize_for_matching(input);
    let keyed = list.iter().map(|w| (*w, normalize_for_matching(w)));
    pick_closest(&key, keyed, max_distance, true)
}

/// The [`Term`] closest to `input`, comparing with its canonical spelling and aliases,
/// within `max_distance` edits; ties between different terms refuse.
pub fn closest_term<'a>(input: &str, list: &'a [Term], max_distance: usize) -> Option<&'a Term> {
    closest_term_with(
        input,
        list,
        &ClosestWordParams {
            max_distance,
            ..ClosestWordParams::default()
        },
    )
}

/// [`closest_term`] with explicit parameters.
pub fn closest_term_with<'a>(
    input: &str,
    list: &'a [Term],
    params: &ClosestWordParams,
) -> Option<&'a Term> {
    let key = normalize_for_matching(input);
    let spellings = || {
        list.iter()
            .flat_map(|t| t.spellings().map(move |spelling| (t, spelling)))
    };
    let keyed = spellings().map(|(t, s)| (t, normalize_for_matching(s)));
    let found = pick_closest(&key, keyed, params.max_distance, params.refuse_ties);
    if found.is_some() || !params.refuse_ties {
        return found;
    }
    // Folding can make two terms tie that the letters as printed tell apart (`ثالئة`:
    // with `ئ` folded to `ي`, one edit from both `ثالثة` and `ثانية`): the tie is
    // broken on the unfolded spellings, when they do.
    let raw = spellings().map(|(t, s)| (t, s.to_string()));
    pick_closest(input, raw, params.max_distance, true)
}

/// [`closest_term`] with every space left out of both sides: Tesseract splits an Arabic
/// word at a letter that does not join the next one (`مر سيد س` for `مرسيدس`, a gap
/// after `ر` and `د`), and a read split twice is further from the word than its letters
/// are. Ties between different terms refuse.
pub fn closest_term_unspaced<'a>(
    input: &str,
    list: &'a [Term],
    max_distance: usize,
) -> Option<&'a Term> {
    let unspaced = |s: &str| -> String {
        normalize_for_matching(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let keyed = list
        .iter()
        .flat_map(|t| t.spellings().map(move |spelling| (t, unspaced(spelling))));
    pick_closest(&unspaced(input), keyed, max_distance, true)
}

/// True when `word` is a word of a spelling of a term of `list` (hamza, ta marbuta and
/// ya folded): a read word that needs no snapping.
pub fn is_term_word(word: &str, list: &[Term]) -> bool {
    let key = normalize_for_matching(word);
    !key.is_empty()
        && list.iter().flat_map(Term::spellings).any(|s| {
            normalize_for_matching(s)
                .split_whitespace()
                .any(|w| w == key)
        })
}

/// The one [`Term`] of `list` that a read is the start or the end of, the rest lost
/// at a crop's edge (`جو` for `بيجو` beside its label, `سكو` for `سكودا`): one word of
/// two letters or more, at least half of the term's, and no other term (or spelling of
/// another, however long) so begins or ends. `None` when several do.
pub fn term_by_part<'a>(read: &str, list: &'a [Term]) -> Option<&'a Term> {
    let key = normalize_for_matching(read);
    let letters = key.chars().count();
    if letters < 2 || key.contains(' ') {
        return None;
    }
    // Every term the read starts or ends tells against the others, however long.
    let mut found: Option<&Term> = None;
    for t in list {
        let keys: Vec<String> = t.spellings().map(normalize_for_matching).collect();
        let touches = |k: &String| *k != key && (k.starts_with(&key) || k.ends_with(&key));
        if !keys.iter().any(touches) {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some(t);
        if !keys
            .iter()
            .any(|k| touches(k) && 2 * letters >= k.chars().count())
        {
            return None;
        }
    }
    found
}

/// The candidate whose key is nearest `key`. Several spellings of one candidate may tie
/// with each other; only a tie between different candidates (compared with `==`)
/// refuses.
fn pick_closest<T: PartialEq + Copy>(
    key: &str,
    candidates: impl Iterator<Item = (T, String)>,
    max_distance: usize,
    refuse_ties: bool,
) -> Option<T> {
    let mut best: Option<(usize, T)> = None;
    let mut tied = false;
    for (candidate, candidate_key) in candidates {
        let d = levenshtein(key, &candidate_key);
        if d > max_distance {
            continue;
        }
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, b)) if d == bd => tied |= b != candidate,
            _ => {
                best = Some((d, candidate));
                tied = false;
            }
        }
    }
    match best {
        Some(_) if tied && refuse_ties => None,
        Some((_, t)) => Some(t),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_word_with_an_end_lost_is_the_one_term_it_is_part_of() {
        assert_eq!(
            term_by_part("جو", CAR_MAKES).map(|t| t.arabic),
            Some("بيجو")
        );
        assert_eq!(
            term_by_part("سكو", CAR_MAKES).map(|t| t.arabic),
            Some("سكودا")
        );
        // `بي` starts `بيج` and ends `ذهبي`; `لي` ends `كحلي` and `برتقالي`; one letter
        // is no part.
        assert_eq!(term_by_part("بي", COLOURS), None);
        assert_eq!(term_by_part("لي", COLOURS), None);
        // `بي` starts `بيجو` and `بي إم دبليو`.
        assert_eq!(term_by_part("بي", CAR_MAKES), None);
        assert_eq!(term_by_part("ب", COLOURS), None);
    }

    #[test]
    fn a_make_split_at_its_non_joining_letters_is_found() {
        assert_eq!(
            closest_term_unspaced("مر سيد سس", CAR_MAKES, 1).map(|t| t.arabic),
            Some("مرسيدس")
        );
        assert_eq!(
            closest_term_unspaced("ميتسو بي", CAR_MAKES, 2).map(|t| t.arabic),
            Some("ميتسوبيشي")
        );
        // Spaces left out, it is still as far as its letters are.
        assert_eq!(closest_term_unspaced("ع سيد سر", CAR_MAKES, 1), None);
    }

    use super::*;

    #[test]
    fn gender_words() {
        assert_eq!(gender_from_word("ذكر"), Some(Gender::Male));
        assert_eq!(gender_from_word("أنثى"), Some(Gender::Female));
        assert_eq!(gender_from_word("انثي"), Some(Gender::Female));
        assert_eq!(gender_from_word("ذكـر"), Some(Gender::Male));
        // One letter lost by OCR.
        assert_eq!(gender_from_word("ذك"), Some(Gender::Male));
        assert_eq!(gender_from_word("Female"), Some(Gender::Female));
        assert_eq!(gender_from_word("مسلم"), None);
        // Fragments: the first letters of one word only.
        assert_eq!(gender_word_from_fragment("أن"), Some("أنثى"));
        assert_eq!(gender_word_from_fragment("انث"), Some("أنثى"));
        assert_eq!(gender_word_from_fragment("ذك"), Some("ذكر"));
        assert_eq!(gender_word_from_fragment("أ"), None);
        assert_eq!(gender_word_from_fragment("نثى"), None);
        assert_eq!(gender_word_from_fragment("مسلم"), None);
        assert_eq!(Gender::Female.code(), "F");
        assert_eq!(serde_json::to_string(&Gender::Male).unwrap(), "\"M\"");
    }

    #[test]
    fn folding_ties_are_broken_by_the_printed_letters() {
        let t = closest_term("مهنية درجة ثالئة", DRIVING_LICENCE_TYPES, 3).unwrap();
        assert_eq!(t.arabic, "مهنية درجة ثالثة");
    }

    #[test]
    fn jobs_read_in_pieces_or_two_letters_off_snap() {
        assert_eq!(snap_job("صيد ل نية"), Some("صيدلانية"));
        assert_eq!(snap_job("رية مزل"), Some("ربة منزل"));
    }

    #[test]
    fn job_words_are_known() {
        assert!(is_job_word("صحفية"));
        assert!(is_job_word("منزل"));
        assert!(!is_job_word("فية"));
    }

    #[test]
    fn street_types_are_snapped() {
        assert_eq!(snap_street_type("شارم"), Some("شارع"));
        assert_eq!(snap_street_type("شاع"), Some("شارع"));
        assert_eq!(snap_street_type("اش"), Some("ش"));
        assert_eq!(snap_street_type("ش"), Some("ش"));
        assert_eq!(snap_street_type("ض"), Some("ش"));
        // A street name is no street type.
        assert_eq!(snap_street_type("الهرم"), None);
        assert_eq!(snap_street_type("شبرا"), None);
    }

    #[test]
    fn address_words_are_snapped() {
        assert_eq!(snap_address_word("عزية"), Some("عزبة"));
        assert_eq!(snap_address_word("المي"), Some("الحي"));
        // `الثالثك` is as near `الثالث` as `الثالثة`: left alone.
        assert_eq!(snap_address_word("الثالثك"), None);
        assert_eq!(snap_address_word("النخل"), None);
        assert_eq!(snap_address_word("الشبيد"), Some("الشهيد"));
        assert_eq!(snap_address_word("العلك"), Some("الملك"));
    }

    #[test]
    fn closest_word_snaps_and_refuses() {
        let words = ["متزوج", "متزوجة", "مطلق", "مطلقة"];
        assert_eq!(closest_word("متزوجه", &words, 1), Some("متزوجة"));
        assert_eq!(closest_word("متزرج", &words, 1), Some("متزوج"));
        assert_eq!(closest_word("xyz", &words, 1), None);
        // Distance 1 from both `مطلق` (insert) and `مطلقة` (substitute): a tie.
        assert_eq!(closest_word("مطلقو", &words, 1), None);
    }

    #[test]
    fn closest_term_uses_aliases() {
        let t = closest_term("شفروليه", CAR_MAKES, 1).unwrap();
        assert_eq!(t.english, "Chevrolet");
        let t = closest_term("تويوت", CAR_MAKES, 1).unwrap();
        assert_eq!(t.arabic, "تويوتا");
        let t = closest_term("ديزل", FUELS, 0).unwrap();
        assert_eq!(t.arabic, "سولار");
        let t = closest_term("غاز طبيعى", FUELS, 1).unwrap();
        assert_eq!(t.english, "Natural gas");
    }

    #[test]
    fn jobs_snap_one_edit_and_refuse_the_rest() {
        assert_eq!(snap_job("مندس"), Some("مهندس"));
        assert_eq!(snap_job("رية منزل"), Some("ربة منزل"));
        assert_eq!(snap_job("طالية"), Some("طالبة"));
        assert_eq!(snap_job("صيدلانيه"), Some("صيدلانية"));
        // Exact reads stay, masculine and feminine.
        assert_eq!(snap_job("ممرضة"), Some("ممرضة"));
        assert_eq!(snap_job("ممرض"), Some("ممرض"));
        // An end several jobs share, one of them losing a head Naskh stacks (`صحـ`
        // over `حرفي`'s flat `حر`): that one.
        assert_eq!(snap_job("في"), Some("صحفي"));
        // The end of one job only: its first letters were lost.
        assert_eq!(snap_job("رض"), Some("ممرض"));
        assert_eq!(snap_job("رضة"), Some("ممرضة"));
        // Ends several jobs share, and single letters, stay as read.
        assert_eq!(snap_job("ني"), None);
        assert_eq!(snap_job("ة"), None);
        assert_eq!(snap_job("غواص"), None);
        // A stray letter beside a whole job: joined, one edit off.
        assert_eq!(snap_job("تاجرة ل"), Some("تاجرة"));
    }

    #[test]
    fn jobs_take_the_holders_form() {
        assert_eq!(job_in_gender("فني", Gender::Female), Some("فنية"));
        assert_eq!(job_in_gender("فنية", Gender::Male), Some("فني"));
        assert_eq!(job_in_gender("فنية", Gender::Female), Some("فنية"));
        assert_eq!(job_in_gender("ربة منزل", Gender::Male), Some("ربة منزل"));
        assert_eq!(job_in_gender("غواص", Gender::Male), None);
    }

    #[test]
    fn lists_are_consistent() {
        for list in [
            GENDER_WORDS,
            RELIGIONS,
            MARITAL_STATUSES,
            NATIONALITIES,
            FUELS,
            VEHICLE_LICENCE_TYPES,
            DRIVING_LICENCE_TYPES,
            COLOURS,
            CAR_MAKES,
            JOBS,
        ] {
            let mut seen = std::collections::HashSet::new();
            for t in list {
                // The canonical spelling is already clean response text.
                assert_eq!(crate::arabic::normalize_text(t.arabic), t.arabic);
                // Every word finds itself exactly.
                assert_eq!(
                    closest_term(t.arabic, list, 0).map(|x| x.arabic),
                    Some(t.arabic)
                );
                assert!(
                    seen.insert(normalize_for_matching(t.arabic)),
                    "{}",
                    t.arabic
                );
            }
        }
    }

    #[test]
    fn marital_and_religion() {
        assert_eq!(
            closest_term("ارمله", MARITAL_STATUSES, 1).unwrap().arabic,
            "أرملة"
        );
        assert_eq!(
            closest_term("انسه", MARITAL_STATUSES, 1).unwrap().english,
            "Single"
        );
        assert_eq!(
            closest_term("مسيحيه", RELIGIONS, 1).unwrap().arabic,
            "مسيحية"
        );
        assert_eq!(closest_term("مسلمه", RELIGIONS, 0).unwrap().arabic, "مسلمة");
    }

    #[test]
    fn licence_types() {
        let t = closest_term("مهنيه درجه ثانيه", DRIVING_LICENCE_TYPES, 1).unwrap();
        assert_eq!(t.english, "Professional second grade");
        let t = closest_term("اجره", VEHICLE_LICENCE_TYPES, 0).unwrap();
        assert_eq!(t.arabic, "أجرة");
        assert_eq!(
            closest_term("ملاكى", VEHICLE_LICENCE_TYPES, 0)
                .unwrap()
                .english,
            "Private"
        );
    }

    #[test]
    fn plate_letters() {
        assert_eq!(plate_letter('ا'), Some('أ'));
        assert_eq!(plate_letter('ي'), Some('ى'));
        assert_eq!(plate_letter('ة'), Some('ه'));
        assert_eq!(plate_letter('ر'), Some('ر'));
        // Letters never used on plates.
        assert_eq!(plate_letter('ت'), None);
        assert_eq!(plate_letter('ك'), None);
        assert_eq!(PLATE_LETTERS.len(), 17);
    }

    #[test]
    fn colours() {
        assert_eq!(closest_term("نبيتى", COLOURS, 1).unwrap().english, "Maroon");
        assert_eq!(closest_term("رصاصي", COLOURS, 0).unwrap().arabic, "رمادي");
    }

    #[test]
    fn term_words_are_words_of_the_list() {
        assert!(is_term_word("بني", COLOURS));
        assert!(is_term_word("اسود", COLOURS));
        assert!(is_term_word("طبيعي", FUELS));
        assert!(!is_term_word("بي", COLOURS));
        assert!(!is_term_word("", COLOURS));
    }
}
