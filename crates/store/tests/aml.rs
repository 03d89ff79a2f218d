//! AML lists: every format's sample file imports, re-import replaces atomically, and the
//! screening cases of the issue, on SQLite and (when configured) PostgreSQL.

mod common;

use common::test_dbs;
use hawiya_documents::Gender;
use hawiya_store::{
    parse_list, AmlEntry, AmlFormat, AmlMatch, AmlQuery, AmlSearchParams, ImportError, ParsedList,
    Store,
};

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/aml/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn import(store: &Store, list: &str, format: AmlFormat, file: &str) -> ParsedList {
    let alt = (format == AmlFormat::OfacCsv).then(|| sample("alt.csv"));
    let parsed = parse_list(format, &sample(file), alt.as_deref()).unwrap();
    store.replace_aml_list(list, &parsed).await.unwrap();
    parsed
}

async fn screen(store: &Store, name: Option<&str>, id: Option<&str>) -> Vec<AmlMatch> {
    store
        .screen_aml(
            &AmlQuery {
                name,
                id_number: id,
                date_of_birth: None,
            },
            &AmlSearchParams::default(),
        )
        .await
        .unwrap()
}

async fn top(store: &Store, name: &str) -> Option<AmlMatch> {
    screen(store, Some(name), None).await.into_iter().next()
}

#[test]
fn each_format_parses_its_sample() {
    let un = parse_list(AmlFormat::UnXml, &sample("un.xml"), None).unwrap();
    assert_eq!(un.entries.len(), 3);
    let tarek = &un.entries[0];
    assert_eq!(tarek.full_name, "TAREK HAMDY RAGAB SOLIMAN");
    assert_eq!(tarek.case_no.as_deref(), Some("QDi.901"));
    assert_eq!(tarek.case_year.as_deref(), Some("2014"));
    assert_eq!(tarek.record_date.as_deref(), Some("2014-09-23"));
    assert_eq!(tarek.date_of_birth.as_deref(), Some("1975-04-12"));
    assert_eq!(tarek.id_numbers, ["27504121600571", "A12345678"]);
    assert_eq!(
        tarek.aliases,
        ["Abu Hamza al-Masri", "طارق حمدي رجب سليمان"]
    );
    assert_eq!(un.entries[1].date_of_birth.as_deref(), Some("1969"));
    assert_eq!(un.entries[2].full_name, "NILE CRESCENT TRADING COMPANY");
    assert_eq!(un.source_sha256.len(), 64);

    let csv = parse_list(
        AmlFormat::OfacCsv,
        &sample("sdn.csv"),
        Some(&sample("alt.csv")),
    )
    .unwrap();
    // The vessel and the end-of-file marker are skipped.
    assert_eq!(csv.entries.len(), 3);
    let m = &csv.entries[0];
    assert_eq!(m.full_name, "Mahmoud Abdel Aziz EL-SHERBINY");
    assert_eq!(m.case_no.as_deref(), Some("36001"));
    assert_eq!(m.date_of_birth.as_deref(), Some("1980-03-02"));
    assert_eq!(m.id_numbers, ["A98765432", "28003021201234"]);
    assert_eq!(m.aliases, ["Mahmoud Abdelaziz SHERBINI", "ABU YUSUF"]);
    assert_eq!(csv.entries[2].date_of_birth.as_deref(), Some("1972"));
    // The alias file is part of the source: another alt.csv is another version.
    let no_alt = parse_list(AmlFormat::OfacCsv, &sample("sdn.csv"), None).unwrap();
    assert_ne!(no_alt.source_sha256, csv.source_sha256);

    let xml = parse_list(AmlFormat::OfacXml, &sample("sdn.xml"), None).unwrap();
    assert_eq!(xml.entries.len(), 2);
    assert_eq!(xml.entries[0].full_name, "Mahmoud Abdel Aziz EL-SHERBINY");
    assert_eq!(xml.entries[0].record_date.as_deref(), Some("2025-03-01"));
    assert_eq!(xml.entries[0].id_numbers[1], "28003021201234");
    assert_eq!(xml.entries[0].aliases, ["Mahmoud Abdelaziz SHERBINI"]);
    assert_eq!(xml.entries[1].full_name, "FAYOUM DELTA EXCHANGE");

    let os = parse_list(
        AmlFormat::OpenSanctionsJsonl,
        &sample("opensanctions.jsonl"),
        None,
    )
    .unwrap();
    // The Address entity is not a party.
    assert_eq!(os.entries.len(), 3);
    assert_eq!(os.entries[0].case_no.as_deref(), Some("NK-hawiya-0001"));
    assert_eq!(os.entries[0].id_numbers, ["28311050104321"]);
    assert_eq!(os.entries[0].aliases.len(), 2);
    assert_eq!(os.entries[0].case_year.as_deref(), Some("2022"));
    assert_eq!(os.entries[1].id_numbers, ["CR-77123"]);

    let local = parse_list(AmlFormat::LocalCsv, &sample("local.csv"), None).unwrap();
    assert_eq!(local.entries.len(), 3);
    assert_eq!(
        local.entries[0],
        AmlEntry {
            case_no: Some("1452".into()),
            case_year: Some("2021".into()),
            record_date: Some("2021-06-14".into()),
            full_name: "محمد عبد الرحمن السيد الشناوي".into(),
            aliases: vec![],
            id_numbers: vec!["28501011234563".into()],
            date_of_birth: Some("1985-01-01".into()),
        }
    );
}

#[test]
fn bad_files_are_rejected_with_the_reason() {
    assert!(matches!(
        parse_list(AmlFormat::UnXml, b"<CONSOLIDATED_LIST><INDIVIDUALS>", None),
        Err(ImportError::Xml(_))
    ));
    assert!(matches!(
        parse_list(
            AmlFormat::OpenSanctionsJsonl,
            b"{\"schema\":\"Person\"}\n{oops",
            None
        ),
        Err(ImportError::Json { line: 2, .. })
    ));
    assert!(matches!(
        parse_list(AmlFormat::LocalCsv, b"name,id\nAli,1\n", None),
        Err(ImportError::Shape(_))
    ));
    assert!(matches!(
        parse_list(AmlFormat::OfacCsv, b"", None),
        Err(ImportError::Empty)
    ));
    // An SDN XML is not a UN list.
    assert!(parse_list(AmlFormat::UnXml, &sample("sdn.xml"), None).is_err());
}

#[tokio::test]
async fn every_format_imports_and_is_listed_with_its_version() {
    for db in test_dbs().await {
        let store = db.connect().await;
        import(&store, "un", AmlFormat::UnXml, "un.xml").await;
        import(&store, "ofac", AmlFormat::OfacCsv, "sdn.csv").await;
        import(&store, "ofac-xml", AmlFormat::OfacXml, "sdn.xml").await;
        import(
            &store,
            "os",
            AmlFormat::OpenSanctionsJsonl,
            "opensanctions.jsonl",
        )
        .await;
        let local = import(&store, "local", AmlFormat::LocalCsv, "local.csv").await;
        let lists = store.aml_lists().await.unwrap();
        let summary: Vec<(&str, i64, i64)> = lists
            .iter()
            .map(|l| (l.name.as_str(), l.version, l.entry_count))
            .collect();
        assert_eq!(
            summary,
            [
                ("local", 1, 3),
                ("ofac", 1, 3),
                ("ofac-xml", 1, 2),
                ("os", 1, 3),
                ("un", 1, 3)
            ]
        );
        assert_eq!(lists[0].source_sha256, local.source_sha256);
        assert_eq!(lists[0].format, "local-csv");

        // Each list's entries are found, with the fields of services.AML.
        let hit = top(&store, "Tarek Hamdy Ragab Soliman").await.unwrap();
        assert_eq!(hit.list, "un");
        assert_eq!(hit.case_no.as_deref(), Some("QDi.901"));
        assert_eq!(hit.case_year.as_deref(), Some("2014"));
        assert_eq!(hit.id_number.as_deref(), Some("27504121600571"));
        assert_eq!(hit.score, 100);
        let hits = screen(&store, Some("Mahmoud Abdelaziz El Sherbiny"), None).await;
        let lists: Vec<&str> = hits.iter().map(|h| h.list.as_str()).collect();
        assert!(
            lists.contains(&"ofac") && lists.contains(&"ofac-xml"),
            "{hits:?}"
        );
        assert_eq!(
            top(&store, "Delta Horizon Logistics").await.unwrap().list,
            "os"
        );
        assert_eq!(
            top(&store, "Nile Crescent Trading Company")
                .await
                .unwrap()
                .case_no
                .as_deref(),
            Some("QDe.901")
        );
        // Aliases count.
        assert_eq!(
            top(&store, "Umar Yusuf Hasanein")
                .await
                .unwrap()
                .case_no
                .as_deref(),
            Some("36004")
        );
        db.finish(store).await;
    }
}

#[tokio::test]
async fn reimport_replaces_the_list_atomically() {
    for db in test_dbs().await {
        let store = db.connect().await;
        import(&store, "local", AmlFormat::LocalCsv, "local.csv").await;
        import(&store, "un", AmlFormat::UnXml, "un.xml").await;
        assert!(top(&store, "أسامة إبراهيم فؤاد").await.is_some());

        // The new version lists the same person under another case number, and enough
        // filler that the import takes a while.
        let mut csv = String::from(
            "caseNo,caseYear,recordDate,fullName,idNumber,dateOfBirth\n\
             2001,2025,2025-01-05,Osama Ibrahim Fouad,,\n\
             2002,2025,2025-01-05,Hazem Sabry Younes,,\n",
        );
        for i in 0..3000 {
            csv.push_str(&format!(
                "{},2025,,Filler{i} Person{i} Name{i},,\n",
                3000 + i
            ));
        }
        let replacement = parse_list(AmlFormat::LocalCsv, csv.as_bytes(), None).unwrap();

        // Readers run while the list is replaced. One query reads one snapshot, so it
        // finds Osama exactly once: under the old case number or the new one.
        let reader = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut cases = std::collections::BTreeSet::new();
                for _ in 0..200 {
                    let hits = store
                        .screen_aml(&q("Osama Ibrahim Fouad"), &AmlSearchParams::default())
                        .await
                        .unwrap();
                    assert_eq!(hits.len(), 1, "{hits:?}");
                    cases.insert(hits[0].case_no.clone().unwrap());
                    tokio::task::yield_now().await;
                }
                cases
            })
        };
        let list = store.replace_aml_list("local", &replacement).await.unwrap();
        assert_eq!(list.version, 2);
        assert_eq!(list.entry_count, 3002);
        let cases = reader.await.unwrap();
        assert!(
            cases.iter().all(|c| c == "1453" || c == "2001"),
            "{cases:?}"
        );

        let hits = screen(&store, Some("أسامة إبراهيم فؤاد"), None).await;
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case_no.as_deref(), Some("2001"));
        assert_eq!(
            top(&store, "حازم صبري يونس")
                .await
                .unwrap()
                .case_no
                .as_deref(),
            Some("2002")
        );
        // The other list is untouched.
        assert!(top(&store, "Tarek Hamdy Ragab Soliman").await.is_some());
        let versions: Vec<(String, i64)> = store
            .aml_lists()
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.name, l.version))
            .collect();
        assert_eq!(versions, [("local".into(), 2), ("un".into(), 1)]);

        // A failing import (here: an invalid list name) leaves the list as it was.
        assert!(store.replace_aml_list("", &replacement).await.is_err());
        assert!(store.delete_aml_list("local").await.unwrap());
        assert!(top(&store, "Hazem Sabry Younes").await.is_none());
        assert!(!store.delete_aml_list("local").await.unwrap());
        db.finish(store).await;
    }
}

fn q(name: &str) -> AmlQuery<'_> {
    AmlQuery {
        name: Some(name),
        ..AmlQuery::default()
    }
}

#[tokio::test]
async fn matching_cases() {
    for db in test_dbs().await {
        let store = db.connect().await;
        import(&store, "un", AmlFormat::UnXml, "un.xml").await;
        import(&store, "local", AmlFormat::LocalCsv, "local.csv").await;
        import(
            &store,
            "os",
            AmlFormat::OpenSanctionsJsonl,
            "opensanctions.jsonl",
        )
        .await;

        // Arabic query, Latin entry.
        let hit = top(&store, "طارق حمدى رجب سليمان").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("QDi.901"));
        // Latin query, Arabic entry; `Abdel Rahman` / `عبد الرحمن`, `El Sayed` / `السيد`.
        let hit = top(&store, "Mohamed Abdelrahman Elsayed El-Shenawy")
            .await
            .unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("1452"));
        assert!(hit.score >= 85, "{hit:?}");
        let hit = top(&store, "Khaled Abd El Rahman Mansour").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("QDi.902"));
        // Order swapped.
        let hit = top(&store, "Soliman Tarek Ragab Hamdy").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("QDi.901"));
        // Hamza and ta marbuta variants.
        let hit = top(&store, "اسامه ابراهيم فواد").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("1453"));
        let hit = top(&store, "فاطمه الزهراء على حسن").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("1454"));
        // Spelling variants, and an Arabic alias on a Latin entry.
        let hit = top(&store, "Moustafa Kamel Abdelghany").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("NK-hawiya-0001"));
        let hit = top(&store, "Soad Ibrahim El Shafei").await.unwrap();
        assert_eq!(hit.case_no.as_deref(), Some("NK-hawiya-0003"));

        // ID number exact, in Arabic-Indic digits, with no name at all.
        let hits = screen(&store, None, Some("٢٨٥٠١٠١١٢٣٤٥٦٣")).await;
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case_no.as_deref(), Some("1452"));
        assert_eq!(hits[0].score, 100);
        // A wrong ID and an unrelated name find nothing.
        assert!(screen(
            &store,
            Some("Karim Adel Fathy Nour"),
            Some("28501011234564")
        )
        .await
        .is_empty());

        // Look-alikes: one of four names differs, or a single shared name.
        assert!(top(&store, "Tarek Hamdy Ragab Mansour").await.is_none());
        assert!(top(&store, "Mohamed Abdel Rahman").await.is_none());
        assert!(top(&store, "Fatma Ali").await.is_none());

        // The birth date boosts a partial name match (three of four names) over the
        // threshold; given in the query, or read from a national ID number.
        let name = "Mohamed Abdel Rahman El Sayed Farag";
        assert!(top(&store, name).await.is_none());
        let with_date = AmlQuery {
            name: Some(name),
            id_number: None,
            date_of_birth: Some("1985-01-01"),
        };
        let hits = store
            .screen_aml(&with_date, &AmlSearchParams::default())
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].case_no.as_deref(), Some("1452"));
        let other_date = AmlQuery {
            date_of_birth: Some("1986-01-01"),
            ..with_date
        };
        let hits = store
            .screen_aml(&other_date, &AmlSearchParams::default())
            .await
            .unwrap();
        assert!(hits.is_empty(), "{hits:?}");
        // Someone else's valid ID number, born the same day.
        let born = chrono::NaiveDate::from_ymd_opt(1985, 1, 1).unwrap();
        let id = hawiya_documents::id_number::make_valid(born, 1, 4321, Gender::Male);
        let hits = screen(&store, Some(name), Some(&id)).await;
        assert_eq!(hits.len(), 1, "{id}: {hits:?}");

        // The threshold is a parameter.
        let mut strict = AmlSearchParams::default();
        strict.screening.threshold = 100.0;
        let near = q("Khaled Abd El Rahman Mansouri");
        let hits = store.screen_aml(&near, &strict).await.unwrap();
        assert!(hits.is_empty(), "{hits:?}");
        let hits = store
            .screen_aml(&near, &AmlSearchParams::default())
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        db.finish(store).await;
    }
}
