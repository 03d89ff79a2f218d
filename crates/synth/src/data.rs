//! Word lists for generated content. Kept here rather than in `hawiya-documents` so the
//! generator does not test the reader with the reader's own vocabulary.

use std::sync::OnceLock;

/// Which religion a given name is typical of: names are picked to agree with the
/// religion printed on the back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameUse {
    /// Typical of Muslim families.
    Muslim,
    /// Typical of Christian families.
    Christian,
    /// Common to both.
    Neutral,
}

/// A name in Arabic with a common Latin spelling.
#[derive(Debug, Clone, Copy)]
pub struct Name {
    pub ar: &'static str,
    pub en: &'static str,
    pub usage: NameUse,
}

fn parse(list: &'static str) -> Vec<Name> {
    list.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split('|');
            let ar = it.next().unwrap_or_default();
            let en = it.next().unwrap_or_default();
            let usage = match it.next() {
                Some("c") => NameUse::Christian,
                Some("n") => NameUse::Neutral,
                _ => NameUse::Muslim,
            };
            Name { ar, en, usage }
        })
        .collect()
}

/// Male given names (also used for father, grandfather and many family names).
pub fn male_names() -> &'static [Name] {
    static V: OnceLock<Vec<Name>> = OnceLock::new();
    V.get_or_init(|| parse(include_str!("data/male.txt")))
}

/// Female given names.
pub fn female_names() -> &'static [Name] {
    static V: OnceLock<Vec<Name>> = OnceLock::new();
    V.get_or_init(|| parse(include_str!("data/female.txt")))
}

/// Family names that are not given names.
pub fn family_names() -> &'static [Name] {
    static V: OnceLock<Vec<Name>> = OnceLock::new();
    V.get_or_init(|| parse(include_str!("data/family.txt")))
}

/// A governorate with its ID-number code and the districts / cities the documents print.
#[derive(Debug, Clone, Copy)]
pub struct Governorate {
    pub code: u8,
    pub ar: &'static str,
    pub en: &'static str,
    /// How many of the gazetteer's districts (`hawiya_documents::districts`, in its
    /// order) addresses are drawn from: the readers snap to the whole gazetteer, the
    /// documents print its first few (the count keeps earlier seeds' documents as they
    /// were).
    printed_districts: usize,
}

impl Governorate {
    /// The districts an address in this governorate is drawn from.
    pub fn districts(&self) -> &'static [&'static str] {
        let all = hawiya_documents::districts::of_governorate(self.code);
        &all[..self.printed_districts.min(all.len())]
    }
}

const fn gov(
    code: u8,
    ar: &'static str,
    en: &'static str,
    printed_districts: usize,
) -> Governorate {
    Governorate {
        code,
        ar,
        en,
        printed_districts,
    }
}

/// The 27 governorates with the codes of documents.md.
pub const GOVERNORATES: &[Governorate] = &[
    gov(1, "القاهرة", "Cairo", 12),
    gov(2, "الإسكندرية", "Alexandria", 8),
    gov(3, "بورسعيد", "Port Said", 5),
    gov(4, "السويس", "Suez", 5),
    gov(11, "دمياط", "Damietta", 6),
    gov(12, "الدقهلية", "Dakahlia", 8),
    gov(13, "الشرقية", "Sharqia", 8),
    gov(14, "القليوبية", "Qalyubia", 7),
    gov(15, "كفر الشيخ", "Kafr El Sheikh", 7),
    gov(16, "الغربية", "Gharbia", 7),
    gov(17, "المنوفية", "Monufia", 7),
    gov(18, "البحيرة", "Beheira", 7),
    gov(19, "الإسماعيلية", "Ismailia", 6),
    gov(21, "الجيزة", "Giza", 9),
    gov(22, "بني سويف", "Beni Suef", 7),
    gov(23, "الفيوم", "Fayoum", 6),
    gov(24, "المنيا", "Minya", 8),
    gov(25, "أسيوط", "Assiut", 8),
    gov(26, "سوهاج", "Sohag", 8),
    gov(27, "قنا", "Qena", 7),
    gov(28, "أسوان", "Aswan", 5),
    gov(29, "الأقصر", "Luxor", 5),
    gov(31, "البحر الأحمر", "Red Sea", 5),
    gov(32, "الوادي الجديد", "New Valley", 5),
    gov(33, "مطروح", "Matrouh", 6),
    gov(34, "شمال سيناء", "North Sinai", 5),
    gov(35, "جنوب سيناء", "South Sinai", 5),
];

/// What `govern` is for code 88 (born abroad).
pub const BORN_ABROAD: &str = "خارج الجمهورية";

/// Two-digit codes that are not governorates, for deliberately invalid numbers.
pub const UNKNOWN_GOVERNORATE_CODES: &[u8] = &[5, 6, 7, 9, 10, 20, 30, 36, 40, 50, 66, 77, 99];

/// Street names (printed after `شارع` or `ش`).
pub const STREETS: &[&str] = &[
    "الجمهورية",
    "التحرير",
    "النصر",
    "الجلاء",
    "الثورة",
    "بورسعيد",
    "الهرم",
    "فيصل",
    "مصطفى النحاس",
    "عباس العقاد",
    "مكرم عبيد",
    "الطيران",
    "صلاح سالم",
    "رمسيس",
    "شبرا",
    "الترعة",
    "المحطة",
    "البحر",
    "المدارس",
    "الجيش",
    "سعد زغلول",
    "طلعت حرب",
    "محمد فريد",
    "قصر النيل",
    "أحمد عرابي",
    "جمال عبدالناصر",
    "الملك فيصل",
    "الخليفة المأمون",
    "عمر بن الخطاب",
    "الحرية",
    "السلام",
    "الوحدة",
    "المستشفى",
    "السوق",
    "الجامع",
    "الكنيسة",
    "النيل",
    "الشهيد أحمد حمدي",
    "الزهراء",
    "النزهة",
    "الحجاز",
    "جسر السويس",
    "الأزهر",
    "المعز",
    "العروبة",
    "الاستاد",
    "الإخلاص",
    "الفردوس",
];

/// Sub-areas that may follow the street on the first address line.
pub const AREAS: &[&str] = &[
    "المنطقة الأولى",
    "المنطقة السادسة",
    "الحي السابع",
    "الحي العاشر",
    "عزبة النخل",
    "كفر الجبل",
    "المساكن الشعبية",
    "مساكن الضباط",
    "الحي الثالث",
    "المجاورة الثانية",
    "أرض اللواء",
    "عزبة الهجانة",
    "المنشية",
    "الشيخ حسن",
    "الإسكان الاقتصادي",
];

/// A job and the employers it goes with (`job` and `jobTitle` in api.md).
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub male: &'static str,
    pub female: &'static str,
    pub en: &'static str,
    /// Employers / titles printed on the second line; empty means no second line.
    pub employers: &'static [&'static str],
    /// Minimum age for this job (students are young, pensioners old).
    pub min_age: u32,
    pub max_age: u32,
}

const fn job(
    male: &'static str,
    female: &'static str,
    en: &'static str,
    employers: &'static [&'static str],
    min_age: u32,
    max_age: u32,
) -> Job {
    Job {
        male,
        female,
        en,
        employers,
        min_age,
        max_age,
    }
}

const GOV_EMPLOYERS: &[&str] = &[
    "وزارة التربية والتعليم",
    "وزارة الصحة والسكان",
    "وزارة الداخلية",
    "وزارة المالية",
    "مديرية الزراعة",
    "هيئة السكة الحديد",
    "الهيئة العامة للتأمين الصحي",
    "مصلحة الضرائب",
    "الشركة المصرية للاتصالات",
    "بنك مصر",
    "البنك الأهلي المصري",
    "شركة المقاولون العرب",
    "هيئة قناة السويس",
    "الشركة القابضة للكهرباء",
    "مجلس مدينة",
];

/// Jobs as printed on the back of the ID card.
pub const JOBS: &[Job] = &[
    job(
        "مهندس",
        "مهندسة",
        "Engineer",
        &[
            "شركة المقاولون العرب",
            "الشركة القابضة للكهرباء",
            "وزارة الري",
            "شركة خاصة",
            "الشركة المصرية للاتصالات",
        ],
        23,
        65,
    ),
    job(
        "طبيب",
        "طبيبة",
        "Doctor",
        &[
            "وزارة الصحة والسكان",
            "الهيئة العامة للتأمين الصحي",
            "مستشفى جامعي",
            "عيادة خاصة",
        ],
        24,
        70,
    ),
    job(
        "محاسب",
        "محاسبة",
        "Accountant",
        &[
            "بنك مصر",
            "البنك الأهلي المصري",
            "مصلحة الضرائب",
            "شركة خاصة",
        ],
        22,
        65,
    ),
    job(
        "مدرس",
        "مدرسة",
        "Teacher",
        &["وزارة التربية والتعليم", "مدرسة خاصة", "الأزهر الشريف"],
        22,
        65,
    ),
    job("موظف", "موظفة", "Employee", GOV_EMPLOYERS, 20, 65),
    job(
        "محامي",
        "محامية",
        "Lawyer",
        &["نقابة المحامين", "مكتب خاص"],
        23,
        75,
    ),
    job(
        "صيدلي",
        "صيدلانية",
        "Pharmacist",
        &["صيدلية خاصة", "وزارة الصحة والسكان"],
        23,
        70,
    ),
    job(
        "ممرض",
        "ممرضة",
        "Nurse",
        &["وزارة الصحة والسكان", "مستشفى خاص"],
        19,
        65,
    ),
    job(
        "طالب",
        "طالبة",
        "Student",
        &[
            "جامعة القاهرة",
            "جامعة عين شمس",
            "جامعة الإسكندرية",
            "جامعة المنصورة",
            "جامعة أسيوط",
            "جامعة الأزهر",
            "جامعة طنطا",
            "جامعة حلوان",
        ],
        16,
        24,
    ),
    job("تاجر", "تاجرة", "Merchant", &["أعمال حرة"], 20, 80),
    job(
        "سائق",
        "سائقة",
        "Driver",
        &["هيئة النقل العام", "شركة خاصة", "أعمال حرة"],
        21,
        65,
    ),
    job("مزارع", "مزارعة", "Farmer", &[], 18, 85),
    job(
        "عامل",
        "عاملة",
        "Worker",
        &["شركة الحديد والصلب", "شركة مصر للغزل والنسيج", "مصنع خاص"],
        18,
        60,
    ),
    job(
        "فني",
        "فنية",
        "Technician",
        &["الشركة القابضة للكهرباء", "شركة مياه الشرب", "مركز صيانة"],
        19,
        60,
    ),
    job(
        "ضابط",
        "ضابطة",
        "Officer",
        &["وزارة الداخلية", "القوات المسلحة"],
        22,
        60,
    ),
    job("بالمعاش", "بالمعاش", "Retired", &[], 60, 90),
    job("بدون عمل", "بدون عمل", "Unemployed", &[], 18, 70),
    job(
        "مبرمج",
        "مبرمجة",
        "Programmer",
        &["شركة خاصة", "وزارة الاتصالات"],
        21,
        60,
    ),
    job(
        "صحفي",
        "صحفية",
        "Journalist",
        &["مؤسسة الأهرام", "مؤسسة أخبار اليوم", "جريدة الجمهورية"],
        22,
        70,
    ),
    job("نجار", "نجارة", "Carpenter", &["أعمال حرة"], 18, 70),
];

/// The housewife job, for women only.
pub const HOUSEWIFE: (&str, &str) = ("ربة منزل", "Housewife");

/// Licence types of the driving licence (`LicenseType`).
pub const DRIVING_LICENSE_TYPES: &[(&str, &str)] = &[
    ("خاصة", "Private"),
    ("مهنية درجة أولى", "Professional 1st grade"),
    ("مهنية درجة ثانية", "Professional 2nd grade"),
    ("مهنية درجة ثالثة", "Professional 3rd grade"),
    ("دراجة نارية", "Motorcycle"),
];

/// Vehicle licence types (`license_type`) with their plate band colour class.
pub const VEHICLE_LICENSE_TYPES: &[(&str, PlateClass)] = &[
    ("ملاكي", PlateClass::Private),
    ("ملاكي", PlateClass::Private),
    ("ملاكي", PlateClass::Private),
    ("أجرة", PlateClass::Taxi),
    ("نقل", PlateClass::Truck),
    ("ملاكي مؤقت", PlateClass::Rental),
    ("أتوبيس", PlateClass::Bus),
    ("سياحي", PlateClass::TouristBus),
];

/// The vehicle class a plate's top band colour encodes (documents.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateClass {
    Private,
    Taxi,
    Truck,
    Rental,
    Bus,
    TouristBus,
    Police,
    Diplomatic,
}

impl PlateClass {
    pub const ALL: [PlateClass; 8] = [
        PlateClass::Private,
        PlateClass::Taxi,
        PlateClass::Truck,
        PlateClass::Rental,
        PlateClass::Bus,
        PlateClass::TouristBus,
        PlateClass::Police,
        PlateClass::Diplomatic,
    ];

    /// The top band colour.
    pub fn band(self) -> [u8; 3] {
        match self {
            PlateClass::Private => [96, 170, 225],
            PlateClass::Taxi => [240, 140, 40],
            PlateClass::Truck => [205, 40, 40],
            PlateClass::Rental => [130, 85, 50],
            PlateClass::Bus => [150, 150, 150],
            PlateClass::TouristBus => [222, 200, 150],
            PlateClass::Police => [25, 45, 120],
            PlateClass::Diplomatic => [40, 140, 70],
        }
    }
}

/// Plate letters (documents.md).
pub const PLATE_LETTERS: &[&str] = &[
    "أ", "ب", "ج", "د", "ر", "س", "ص", "ط", "ع", "ف", "ق", "ل", "م", "ن", "ه", "و", "ى",
];

/// A make with its models, Arabic and Latin.
#[derive(Debug, Clone, Copy)]
pub struct Make {
    pub ar: &'static str,
    pub en: &'static str,
    /// (Arabic model, Latin model, engine cc, cylinders)
    pub models: &'static [(&'static str, &'static str, u32, u32)],
    /// World manufacturer identifier prefix for the VIN.
    pub wmi: &'static str,
}

pub const MAKES: &[Make] = &[
    Make {
        ar: "تويوتا",
        en: "Toyota",
        wmi: "JTD",
        models: &[
            ("كورولا", "Corolla", 1600, 4),
            ("ياريس", "Yaris", 1500, 4),
            ("كامري", "Camry", 2500, 4),
            ("فورتشنر", "Fortuner", 2700, 4),
        ],
    },
    Make {
        ar: "هيونداي",
        en: "Hyundai",
        wmi: "KMH",
        models: &[
            ("إلنترا", "Elantra", 1600, 4),
            ("أكسنت", "Accent", 1400, 4),
            ("توسان", "Tucson", 2000, 4),
            ("فيرنا", "Verna", 1600, 4),
        ],
    },
    Make {
        ar: "نيسان",
        en: "Nissan",
        wmi: "JN1",
        models: &[
            ("صني", "Sunny", 1500, 4),
            ("سنترا", "Sentra", 1600, 4),
            ("قشقاي", "Qashqai", 2000, 4),
        ],
    },
    Make {
        ar: "شيفروليه",
        en: "Chevrolet",
        wmi: "KL1",
        models: &[
            ("أفيو", "Aveo", 1500, 4),
            ("لانوس", "Lanos", 1500, 4),
            ("أوبترا", "Optra", 1600, 4),
        ],
    },
    Make {
        ar: "كيا",
        en: "Kia",
        wmi: "KNA",
        models: &[
            ("سيراتو", "Cerato", 1600, 4),
            ("ريو", "Rio", 1400, 4),
            ("سبورتاج", "Sportage", 2000, 4),
            ("بيكانتو", "Picanto", 1200, 4),
        ],
    },
    Make {
        ar: "مرسيدس",
        en: "Mercedes-Benz",
        wmi: "WDD",
        models: &[("سي 200", "C200", 2000, 4), ("إي 300", "E300", 3000, 6)],
    },
    Make {
        ar: "بي إم دبليو",
        en: "BMW",
        wmi: "WBA",
        models: &[("320", "320i", 2000, 4), ("520", "520i", 2000, 4)],
    },
    Make {
        ar: "فيات",
        en: "Fiat",
        wmi: "ZFA",
        models: &[("تيبو", "Tipo", 1600, 4), ("128", "128", 1300, 4)],
    },
    Make {
        ar: "سكودا",
        en: "Skoda",
        wmi: "TMB",
        models: &[
            ("أوكتافيا", "Octavia", 1600, 4),
            ("فابيا", "Fabia", 1400, 4),
        ],
    },
    Make {
        ar: "رينو",
        en: "Renault",
        wmi: "VF1",
        models: &[("لوجان", "Logan", 1600, 4), ("ميجان", "Megane", 1600, 4)],
    },
    Make {
        ar: "بيجو",
        en: "Peugeot",
        wmi: "VF3",
        models: &[("301", "301", 1600, 4), ("508", "508", 1800, 4)],
    },
    Make {
        ar: "ميتسوبيشي",
        en: "Mitsubishi",
        wmi: "JMB",
        models: &[("لانسر", "Lancer", 1600, 4), ("باجيرو", "Pajero", 3000, 6)],
    },
    Make {
        ar: "سوزوكي",
        en: "Suzuki",
        wmi: "MA3",
        models: &[("سويفت", "Swift", 1200, 4), ("ألتو", "Alto", 800, 3)],
    },
    Make {
        ar: "بي واي دي",
        en: "BYD",
        wmi: "LGX",
        models: &[("إف 3", "F3", 1500, 4)],
    },
];

/// Car colours (`color`), Arabic and Latin.
pub const COLOURS: &[(&str, &str)] = &[
    ("أبيض", "White"),
    ("أسود", "Black"),
    ("فضي", "Silver"),
    ("رمادي", "Grey"),
    ("أحمر", "Red"),
    ("أزرق", "Blue"),
    ("كحلي", "Navy"),
    ("بيج", "Beige"),
    ("أخضر", "Green"),
    ("نبيتي", "Maroon"),
    ("ذهبي", "Gold"),
    ("بني", "Brown"),
];

/// Fuels (`fuel`).
pub const FUELS: &[&str] = &["بنزين", "بنزين", "بنزين", "سولار", "غاز طبيعي", "كهرباء"];
