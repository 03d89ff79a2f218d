//! The codes an MRZ's issuing-state and nationality fields may hold (ICAO 9303 part 3,
//! section 5): ISO 3166-1 alpha-3 country codes, ICAO's own codes for Germany (`D`), the
//! British categories, the United Nations, organisations and travel-document holders
//! without a nationality, and `UTO` (Utopia, the specimens' state). Neither field has a
//! check digit, so a misread code (`EGY` read `EGV`) is caught only by not being one of
//! these; [`snap`] repairs it when exactly one code is one look-alike away.

/// ISO 3166-1 alpha-3 (249 codes, 2026), sorted.
const ISO_3166: [&str; 249] = [
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// ICAO 9303 part 3's codes outside ISO 3166-1 alpha-3, and codes still printed on
/// documents in circulation.
const ICAO_EXTRA: [&str; 29] = [
    "D",   // Germany
    "GBD", // British Overseas Territories Citizen
    "GBN", // British National (Overseas)
    "GBO", // British Overseas Citizen
    "GBP", // British Protected Person
    "GBS", // British Subject
    "UNO", // United Nations Organization official
    "UNA", // United Nations specialized agency official
    "UNK", // resident of Kosovo (UN interim administration)
    "RKS", // Kosovo, as its own documents print it
    "EUE", // European Union
    "XBA", // African Development Bank
    "XIM", // African Export-Import Bank
    "XCC", // Caribbean Community
    "XCE", // Council of Europe
    "XCO", // Common Market for Eastern and Southern Africa
    "XEC", // Economic Community of West African States
    "XES", // Organisation of Eastern Caribbean States
    "XPO", // Interpol
    "XOM", // Sovereign Military Order of Malta
    "XDC", // Southern African Development Community
    "XXA", // stateless person
    "XXB", // refugee (1951 Convention)
    "XXC", // refugee (other)
    "XXX", // unspecified nationality
    "UTO", // Utopia, ICAO's specimen state
    "ANT", // Netherlands Antilles (transitionally reserved)
    "NTZ", // Neutral Zone (transitionally reserved)
    "SCG", // Serbia and Montenegro (transitionally reserved)
];

/// Whether `code` (filler dropped: `D`, `EGY`) is a valid issuing state or nationality.
pub fn is_valid(code: &str) -> bool {
    ISO_3166.binary_search(&code).is_ok() || ICAO_EXTRA.contains(&code)
}

/// Letters an OCR-B letter is misread as (and back) in photos: shapes that differ by a
/// stroke or a bar once blurred. Used only to find the one valid code near a misread.
const LETTER_LOOK_ALIKES: [&[u8]; 11] = [
    b"YVTX",   // diagonals meeting a stem
    b"VUW",    // open bottoms
    b"NHMWK",  // verticals joined by diagonals or a bar
    b"EFBPR",  // a stem with bars or bowls
    b"BDO",    // closed bowls
    b"CGOQDU", // rounds
    b"ILTJ",   // a stem
    b"KXR",    // crossing diagonals
    b"SZG",    // a spine (PP-OCR reads a blurred `G` as `S`)
    b"AR",     // a bowl or apex over two legs
    b"CE",     // an `E` whose bars blur away
];

fn look_alikes(c: u8) -> impl Iterator<Item = u8> {
    LETTER_LOOK_ALIKES
        .iter()
        .filter(move |class| class.contains(&c))
        .flat_map(|class| class.iter().copied())
        .filter(move |&a| a != c)
}

/// What [`snap`] made of a read code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snap {
    /// The code is valid as read.
    Valid,
    /// Exactly one valid code is one look-alike away: this one.
    Repaired(String),
    /// Not a valid code, and none or several valid codes are one substitution away.
    Unknown,
}

/// Checks a 3-character code field as read (`EGY`, `D<<`) and, if it is no valid code,
/// looks for the valid codes reachable by replacing one character with a look-alike
/// letter (`<` allowed at the end, as in `D<<`). Exactly one such code is a repair; none
/// or several leave the read as it is ([`Snap::Unknown`]). A code is never invented from
/// a wholly illegible read: only one of its three characters may change.
pub fn snap(field: &[u8]) -> Snap {
    let code = |f: &[u8]| -> Option<String> {
        // Filler may only trail; letters only.
        let text = std::str::from_utf8(f).ok()?;
        let trimmed = text.trim_end_matches('<');
        (!trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_uppercase()))
            .then(|| trimmed.to_string())
    };
    if code(field).is_some_and(|c| is_valid(&c)) {
        return Snap::Valid;
    }
    let mut found: Vec<String> = Vec::new();
    let mut trial = field.to_vec();
    for i in 0..field.len() {
        for a in look_alikes(field[i]) {
            if a == field[i] {
                continue;
            }
            trial[i] = a;
            if let Some(c) = code(&trial).filter(|c| is_valid(c)) {
                if !found.contains(&c) {
                    found.push(c);
                }
            }
        }
        trial[i] = field[i];
    }
    match found.len() {
        1 => Snap::Repaired(found.remove(0)),
        _ => Snap::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_codes_without_repeats() {
        assert!(ISO_3166.windows(2).all(|w| w[0] < w[1]));
        for c in ISO_3166.iter().chain(ICAO_EXTRA.iter()) {
            assert!(c.bytes().all(|b| b.is_ascii_uppercase()), "{c}");
            assert!(c.len() == 3 || *c == "D", "{c}");
        }
        for c in ICAO_EXTRA {
            assert!(!ISO_3166.contains(&c), "{c} listed twice");
        }
    }

    #[test]
    fn valid_codes_stay() {
        for c in ["EGY", "NLD", "D<<", "GBN", "XXA", "UTO"] {
            assert_eq!(snap(c.as_bytes()), Snap::Valid, "{c}");
        }
        assert!(is_valid("D"));
        assert!(!is_valid("EGV"));
        assert!(!is_valid("DEUX"));
    }

    #[test]
    fn one_look_alike_away_is_repaired() {
        assert_eq!(snap(b"EGV"), Snap::Repaired("EGY".into()));
        assert_eq!(snap(b"EGY"), Snap::Valid);
        assert_eq!(snap(b"HLD"), Snap::Repaired("NLD".into()));
    }

    #[test]
    fn several_or_no_codes_within_reach_leave_the_read() {
        // `CGY`: `EGY` (Egypt) and `GGY` (Guernsey) are both one look-alike away.
        assert_eq!(snap(b"CGY"), Snap::Unknown);
        // `ESY` and `EGT`: `EST` (Estonia) and `EGY` are both in reach.
        assert_eq!(snap(b"ESY"), Snap::Unknown);
        assert_eq!(snap(b"EGT"), Snap::Unknown);
        // Two characters wrong: not repaired.
        assert_eq!(snap(b"CGV"), Snap::Unknown);
        assert_eq!(snap(b"QQQ"), Snap::Unknown);
    }

    #[test]
    fn only_look_alikes_are_tried() {
        // `A` is no look-alike of `E`.
        assert_eq!(snap(b"AGY"), Snap::Unknown);
    }
}
