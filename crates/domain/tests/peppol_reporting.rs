//! The Peppol reports built from known records, compared with the exact XML, and checked
//! against the rules of the official Schematron (TSR 1.0.4, EUSR 1.1.4), rewritten here as
//! Rust over the parsed XML: every assertion of those files whose input Haven can produce.

#![allow(clippy::unwrap_used)] // a test fails loudly, which is what it is for

use std::collections::{BTreeMap, BTreeSet};

use haven_domain::peppol::reporting::{
    end_user_statistics_report, transaction_statistics_report, Direction, EndUserActivity,
    ExchangeCount, ReportingMonth, SchemedId,
};
use haven_domain::peppol::sending::{
    BILLING_PROCESS, BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE, INVOICE_RESPONSE,
    INVOICE_RESPONSE_PROCESS,
};
use roxmltree::{Document, Node};
use uuid::Uuid;

const AS4: &str = "peppol-transport-as4-v2_0";
const TSR_DOCUMENT_TYPE: &str = "urn:fdc:peppol:transaction-statistics-report:1.0::TransactionStatisticsReport##urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0::1.0";

fn dt(value: &str) -> SchemedId {
    SchemedId::new("busdox-docid-qns", value)
}

fn pr(value: &str) -> SchemedId {
    SchemedId::new("cenbii-procid-ubl", value)
}

fn count(
    direction: Direction,
    their_seat: &str,
    (document_type, process): (&str, &str),
    c1: &str,
    c4: Option<&str>,
    n: u64,
) -> ExchangeCount {
    ExchangeCount {
        direction,
        our_seat: "POP000123".into(),
        their_seat: their_seat.into(),
        transport_profile: AS4.into(),
        document_type: dt(document_type),
        process: pr(process),
        country_c1: c1.into(),
        country_c4: c4.map(str::to_owned),
        count: n,
    }
}

const INVOICE: (&str, &str) = (BIS_BILLING_INVOICE, BILLING_PROCESS);
const CREDIT_NOTE: (&str, &str) = (BIS_BILLING_CREDIT_NOTE, BILLING_PROCESS);
const RESPONSE: (&str, &str) = (INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS);
const REPORT: (&str, &str) = (
    TSR_DOCUMENT_TYPE,
    "urn:fdc:peppol.eu:edec:bis:reporting:1.0",
);

fn month() -> ReportingMonth {
    ReportingMonth::parse("2026-02").unwrap()
}

fn known_counts() -> Vec<ExchangeCount> {
    use Direction::{Incoming, Outgoing};
    vec![
        count(Outgoing, "PDE000001", INVOICE, "NL", None, 3),
        count(Outgoing, "PBE000002", CREDIT_NOTE, "NL", None, 1),
        count(Incoming, "PDE000001", INVOICE, "DE", Some("NL"), 2),
        count(Incoming, "PDE000001", INVOICE, "BE", Some("NL"), 1),
        count(Incoming, "PBE000002", RESPONSE, "BE", Some("NL"), 4),
        // A report is never counted.
        count(Outgoing, "POP000360", REPORT, "NL", None, 5),
    ]
}

fn key(meta: &str, scheme: &str, value: &str) -> String {
    format!("    <Key metaSchemeID=\"{meta}\" schemeID=\"{scheme}\">{value}</Key>\n")
}

fn subtotal(kind: &str, keys: &[String], incoming: u64, outgoing: u64) -> String {
    format!(
        "  <Subtotal type=\"{kind}\">\n{}    <Incoming>{incoming}</Incoming>\n    <Outgoing>{outgoing}</Outgoing>\n  </Subtotal>\n",
        keys.concat()
    )
}

fn sp_dt_pr(seat: &str, (d, p): (&str, &str)) -> Vec<String> {
    vec![
        key("SP", "CertSubjectCN", seat),
        key("DT", "busdox-docid-qns", d),
        key("PR", "cenbii-procid-ubl", p),
    ]
}

fn with_countries(mut keys: Vec<String>, sender: &str, receiver: &str) -> Vec<String> {
    keys.push(key("CC", "SenderCountry", sender));
    keys.push(key("CC", "ReceiverCountry", receiver));
    keys
}

#[test]
fn the_tsr_of_known_records_is_exactly_as_specified() {
    let xml = transaction_statistics_report(month(), "POP000123", &known_counts());
    let expected = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned(),
        "<TransactionStatisticsReport xmlns=\"urn:fdc:peppol:transaction-statistics-report:1.0\">\n".into(),
        "  <CustomizationID>urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0</CustomizationID>\n".into(),
        "  <ProfileID>urn:fdc:peppol.eu:edec:bis:reporting:1.0</ProfileID>\n".into(),
        "  <Header>\n    <ReportPeriod>\n      <StartDate>2026-02-01</StartDate>\n      <EndDate>2026-02-28</EndDate>\n    </ReportPeriod>\n".into(),
        "    <ReporterID schemeID=\"CertSubjectCN\">POP000123</ReporterID>\n  </Header>\n".into(),
        "  <Total>\n    <Incoming>7</Incoming>\n    <Outgoing>4</Outgoing>\n  </Total>\n".into(),
        subtotal("PerTP", &[key("TP", "Peppol", AS4)], 7, 4),
        // Ordered by service provider, then document type ("ApplicationResponse" first).
        subtotal("PerSP-DT-PR", &sp_dt_pr("PBE000002", RESPONSE), 4, 0),
        subtotal("PerSP-DT-PR", &sp_dt_pr("PBE000002", CREDIT_NOTE), 0, 1),
        subtotal("PerSP-DT-PR", &sp_dt_pr("PDE000001", INVOICE), 3, 3),
        // Incoming only, and the outgoing count always 0 (BR-TSR-33, SCH-TSR-43).
        subtotal("PerSP-DT-PR-CC", &with_countries(sp_dt_pr("PBE000002", RESPONSE), "BE", "NL"), 4, 0),
        subtotal("PerSP-DT-PR-CC", &with_countries(sp_dt_pr("PDE000001", INVOICE), "BE", "NL"), 1, 0),
        subtotal("PerSP-DT-PR-CC", &with_countries(sp_dt_pr("PDE000001", INVOICE), "DE", "NL"), 2, 0),
        "</TransactionStatisticsReport>\n".into(),
    ]
    .concat();
    assert_eq!(xml, expected);
    assert_eq!(tsr_violations(&xml), Vec::<String>::new());
}

#[test]
fn a_month_with_only_reports_gives_an_empty_tsr_with_totals_of_zero() {
    let only_reports = vec![count(
        Direction::Outgoing,
        "POP000360",
        REPORT,
        "NL",
        None,
        2,
    )];
    let xml = transaction_statistics_report(month(), "POP000123", &only_reports);
    assert!(xml.contains("<Total>\n    <Incoming>0</Incoming>\n    <Outgoing>0</Outgoing>\n  </Total>\n</TransactionStatisticsReport>"), "{xml}");
    assert!(!xml.contains("Subtotal"), "no empty subtotals: {xml}");
    assert_eq!(tsr_violations(&xml), Vec::<String>::new());
}

fn fact(user: u128, direction: Direction, (d, p): (&str, &str), country: &str) -> EndUserActivity {
    EndUserActivity {
        end_user_id: Uuid::from_u128(user),
        direction,
        document_type: dt(d),
        process: pr(p),
        country: country.into(),
    }
}

fn end_users(sending: u64, receiving: u64, either: u64) -> String {
    format!("    <SendingEndUsers>{sending}</SendingEndUsers>\n    <ReceivingEndUsers>{receiving}</ReceivingEndUsers>\n    <SendingOrReceivingEndUsers>{either}</SendingOrReceivingEndUsers>\n")
}

fn subset(kind: &str, keys: &[String], counts: (u64, u64, u64)) -> String {
    format!(
        "  <Subset type=\"{kind}\">\n{}{}  </Subset>\n",
        keys.concat(),
        end_users(counts.0, counts.1, counts.2)
    )
}

#[test]
fn the_eusr_of_known_activity_counts_distinct_end_users_exactly_as_specified() {
    use Direction::{Incoming, Outgoing};
    let (a, b, c) = (1, 2, 3);
    let activity = vec![
        fact(a, Outgoing, INVOICE, "NL"),
        fact(a, Incoming, INVOICE, "NL"),
        fact(b, Outgoing, INVOICE, "NL"),
        fact(b, Outgoing, CREDIT_NOTE, "NL"),
        fact(c, Incoming, RESPONSE, "BE"),
        fact(a, Outgoing, REPORT, "NL"),
    ];
    let xml = end_user_statistics_report(month(), "POP000123", &activity);
    let dt_pr = |(d, p): (&str, &str)| {
        vec![
            key("DT", "busdox-docid-qns", d),
            key("PR", "cenbii-procid-ubl", p),
        ]
    };
    let euc = |country: &str| key("CC", "EndUserCountry", country);
    let expected = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned(),
        "<EndUserStatisticsReport xmlns=\"urn:fdc:peppol:end-user-statistics-report:1.1\">\n".into(),
        "  <CustomizationID>urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1</CustomizationID>\n".into(),
        "  <ProfileID>urn:fdc:peppol.eu:edec:bis:reporting:1.0</ProfileID>\n".into(),
        "  <Header>\n    <ReportPeriod>\n      <StartDate>2026-02-01</StartDate>\n      <EndDate>2026-02-28</EndDate>\n    </ReportPeriod>\n".into(),
        "    <ReporterID schemeID=\"CertSubjectCN\">POP000123</ReporterID>\n  </Header>\n".into(),
        format!("  <FullSet>\n{}  </FullSet>\n", end_users(2, 2, 3)),
        subset("PerDT-PR", &dt_pr(RESPONSE), (0, 1, 1)),
        subset("PerDT-PR", &dt_pr(CREDIT_NOTE), (1, 0, 1)),
        subset("PerDT-PR", &dt_pr(INVOICE), (2, 1, 2)),
        subset("PerDT-PR-EUC", &[dt_pr(RESPONSE), vec![euc("BE")]].concat(), (0, 1, 1)),
        subset("PerDT-PR-EUC", &[dt_pr(CREDIT_NOTE), vec![euc("NL")]].concat(), (1, 0, 1)),
        subset("PerDT-PR-EUC", &[dt_pr(INVOICE), vec![euc("NL")]].concat(), (2, 1, 2)),
        subset("PerDT-EUC", &[key("DT", "busdox-docid-qns", RESPONSE.0), euc("BE")], (0, 1, 1)),
        subset("PerDT-EUC", &[key("DT", "busdox-docid-qns", CREDIT_NOTE.0), euc("NL")], (1, 0, 1)),
        subset("PerDT-EUC", &[key("DT", "busdox-docid-qns", INVOICE.0), euc("NL")], (2, 1, 2)),
        subset("PerEUC", &[euc("BE")], (0, 1, 1)),
        subset("PerEUC", &[euc("NL")], (2, 1, 2)),
        "</EndUserStatisticsReport>\n".into(),
    ]
    .concat();
    assert_eq!(xml, expected);
    assert_eq!(eusr_violations(&xml), Vec::<String>::new());
}

#[test]
fn the_reporting_period_is_the_whole_calendar_month() {
    for (month, start, end) in [
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2026-12", "2026-12-01", "2026-12-31"),
        ("2026-04", "2026-04-01", "2026-04-30"),
    ] {
        let xml =
            transaction_statistics_report(ReportingMonth::parse(month).unwrap(), "POP000123", &[]);
        assert!(
            xml.contains(&format!("<StartDate>{start}</StartDate>")),
            "{xml}"
        );
        assert!(xml.contains(&format!("<EndDate>{end}</EndDate>")), "{xml}");
    }
    for bad in [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "2026/01",
        "",
        "2026-01-01",
        "abcd-ef",
        "0000-01",
    ] {
        assert!(ReportingMonth::parse(bad).is_err(), "{bad}");
    }
}

/// Many generated months: every report passes the rules.
#[test]
fn generated_records_always_give_reports_that_pass_the_rules() {
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let seats = ["PDE000001", "PBE000002", "PNL000003"];
    let types = [INVOICE, CREDIT_NOTE, RESPONSE, REPORT];
    let countries = ["NL", "BE", "DE", "EL", "XK"];
    for _ in 0..200 {
        let mut counts = Vec::new();
        let mut activity = Vec::new();
        for _ in 0..next(12) {
            let direction = if next(2) == 0 {
                Direction::Incoming
            } else {
                Direction::Outgoing
            };
            let kind = types[next(4) as usize];
            let c1 = countries[next(5) as usize];
            let c4 = (direction == Direction::Incoming).then(|| countries[next(5) as usize]);
            counts.push(count(
                direction,
                seats[next(3) as usize],
                kind,
                c1,
                c4,
                1 + next(9),
            ));
            activity.push(fact(u128::from(next(6)), direction, kind, c4.unwrap_or(c1)));
        }
        activity.sort();
        activity.dedup();
        let tsr = transaction_statistics_report(month(), "POP000123", &counts);
        assert_eq!(tsr_violations(&tsr), Vec::<String>::new(), "{tsr}");
        let eusr = end_user_statistics_report(month(), "POP000123", &activity);
        assert_eq!(eusr_violations(&eusr), Vec::<String>::new(), "{eusr}");
    }
}

/// The rule checks below are not vacuous: broken reports fail them.
#[test]
fn the_rule_checks_catch_broken_reports() {
    let tsr = transaction_statistics_report(month(), "POP000123", &known_counts());
    let broken = tsr.replacen("<Incoming>7</Incoming>", "<Incoming>8</Incoming>", 1);
    let found = tsr_violations(&broken);
    assert!(found.contains(&"SCH-TSR-04".to_owned()), "{found:?}");
    assert!(found.contains(&"SCH-TSR-12".to_owned()), "{found:?}");
    let found = tsr_violations(&tsr.replace("POP000123", "haven-test"));
    assert!(found.contains(&"SCH-TSR-18".to_owned()), "{found:?}");
    let found = tsr_violations(&tsr.replace(">BE<", ">Belgium<"));
    assert!(found.contains(&"SCH-TSR-20".to_owned()), "{found:?}");

    let activity = vec![fact(1, Direction::Outgoing, INVOICE, "NL")];
    let eusr = end_user_statistics_report(month(), "POP000123", &activity);
    let found = eusr_violations(&eusr.replacen(
        "<SendingOrReceivingEndUsers>1<",
        "<SendingOrReceivingEndUsers>0<",
        1,
    ));
    assert!(found.contains(&"SCH-EUSR-20".to_owned()), "{found:?}");
    let found = eusr_violations(&eusr.replace(">NL<", ">ZZ<"));
    assert!(found.contains(&"SCH-EUSR-30".to_owned()), "{found:?}");
}

// ---- The Schematron rules, as Rust -------------------------------------------------------

/// ISO 3166-1 alpha-2 as the Schematron lists it (with `EL`, `XK`, `1A`; `ZZ` in TSR only).
const ISO3166: &str = " 1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI XK YE YT ZA ZM ZW ";

fn is_seat_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[0] == b'P'
        && b[1..3].iter().all(u8::is_ascii_uppercase)
        && b[3..].iter().all(u8::is_ascii_digit)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |n| n.has_tag_name(name))
}

fn text<'a>(node: Node<'a, '_>, name: &'static str) -> &'a str {
    children(node, name)
        .next()
        .and_then(|n| n.text())
        .unwrap_or("")
        .trim()
}

fn number(node: Node<'_, '_>, name: &'static str) -> u64 {
    text(node, name).parse().unwrap_or(u64::MAX)
}

/// A subset's or subtotal's keys as (metaSchemeID, schemeID, value).
type Keys<'a> = Vec<(&'a str, &'a str, &'a str)>;

fn keys<'a>(node: Node<'a, '_>) -> Keys<'a> {
    children(node, "Key")
        .map(|k| {
            (
                k.attribute("metaSchemeID").unwrap_or(""),
                k.attribute("schemeID").unwrap_or(""),
                k.text().unwrap_or("").trim(),
            )
        })
        .collect()
}

fn count_keys(keys: &[(&str, &str, &str)], meta: &str) -> usize {
    keys.iter().filter(|k| k.0 == meta).count()
}

/// Header rules shared by both reports; `p` is the rule prefix and `ids` the rule numbers of
/// (reporter present, scheme, seat layout, start date, end date, order).
fn header_violations(root: Node<'_, '_>, p: &str, ids: [u32; 6], out: &mut Vec<String>) {
    let header = children(root, "Header").next().unwrap();
    let period = children(header, "ReportPeriod").next().unwrap();
    let reporter = children(header, "ReporterID").next().unwrap();
    let value = reporter.text().unwrap_or("").trim();
    let mut fail = |id: u32| out.push(format!("{p}-{id:02}"));
    if value.is_empty() {
        fail(ids[0]);
    }
    if reporter.attribute("schemeID") != Some("CertSubjectCN") {
        fail(ids[1]);
    } else if !is_seat_id(value) {
        fail(ids[2]);
    }
    let (start, end) = (text(period, "StartDate"), text(period, "EndDate"));
    if !is_date(start) {
        fail(ids[3]);
    }
    if !is_date(end) {
        fail(ids[4]);
    }
    if end < start {
        fail(ids[5]);
    }
}

fn root_violations(
    doc: &Document<'_>,
    root: &str,
    namespace: &str,
    customization: &str,
    p: &str,
    out: &mut Vec<String>,
) {
    let element = doc.root_element();
    assert_eq!(element.tag_name().name(), root);
    assert_eq!(element.tag_name().namespace(), Some(namespace));
    if text(element, "CustomizationID") != customization {
        out.push(format!("{p}-01"));
    }
    if text(element, "ProfileID") != "urn:fdc:peppol.eu:edec:bis:reporting:1.0" {
        out.push(format!("{p}-02"));
    }
}

fn tsr_violations(xml: &str) -> Vec<String> {
    let doc = Document::parse(xml).unwrap();
    let root = doc.root_element();
    let mut out = Vec::new();
    root_violations(
        &doc,
        "TransactionStatisticsReport",
        "urn:fdc:peppol:transaction-statistics-report:1.0",
        "urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0",
        "SCH-TSR",
        &mut out,
    );
    header_violations(root, "SCH-TSR", [16, 17, 18, 40, 41, 42], &mut out);
    let total = children(root, "Total").next().unwrap();
    let (incoming, outgoing) = (number(total, "Incoming"), number(total, "Outgoing"));
    let empty = incoming + outgoing == 0;
    let subtotals: Vec<Node<'_, '_>> = children(root, "Subtotal").collect();
    let of = |kind: &str| -> Vec<Node<'_, '_>> {
        subtotals
            .iter()
            .copied()
            .filter(|s| s.attribute("type") == Some(kind))
            .collect()
    };
    let sum = |nodes: &[Node<'_, '_>], name: &'static str| {
        nodes.iter().map(|n| number(*n, name)).sum::<u64>()
    };
    let mut fail = |id: u32| out.push(format!("SCH-TSR-{id:02}"));
    let (tp, sp, cc) = (of("PerTP"), of("PerSP-DT-PR"), of("PerSP-DT-PR-CC"));
    // Existence, sums and uniqueness per subtotal type.
    for (nodes, [exists, sum_in, sum_out, unique]) in [(&tp, [3, 4, 5, 6]), (&sp, [7, 8, 9, 10])] {
        if !empty && nodes.is_empty() {
            fail(exists);
        }
        if !empty && sum(nodes, "Incoming") != incoming {
            fail(sum_in);
        }
        if !empty && sum(nodes, "Outgoing") != outgoing {
            fail(sum_out);
        }
        let distinct: BTreeSet<_> = nodes.iter().map(|n| keys(*n)).collect();
        if distinct.len() != nodes.len() {
            fail(unique);
        }
    }
    let cc_empty = empty || incoming == 0;
    if !cc_empty && cc.is_empty() {
        fail(11);
    }
    if !cc_empty && sum(&cc, "Incoming") != incoming {
        fail(12);
    }
    if cc.iter().map(|n| keys(*n)).collect::<BTreeSet<_>>().len() != cc.len() {
        fail(14);
    }
    for s in &subtotals {
        let k = keys(*s);
        match s.attribute("type").unwrap_or("") {
            "PerTP" => {
                if k.len() != 1 {
                    fail(21);
                }
                if count_keys(&k, "TP") != 1 {
                    fail(22);
                }
                if k.iter().filter(|k| k.1 == "Peppol").count() != 1 {
                    fail(23);
                }
            }
            "PerSP-DT-PR" => {
                if k.len() != 3 {
                    fail(24);
                }
                for (meta, id) in [("SP", 25), ("DT", 26), ("PR", 27)] {
                    if count_keys(&k, meta) != 1 {
                        fail(id);
                    }
                }
                if k.iter().any(|k| k.0 == "SP" && k.1 != "CertSubjectCN") {
                    fail(28);
                }
            }
            "PerSP-DT-PR-CC" => {
                if k.len() != 5 {
                    fail(29);
                }
                for (meta, id) in [("SP", 30), ("DT", 31), ("PR", 32)] {
                    if count_keys(&k, meta) != 1 {
                        fail(id);
                    }
                }
                if count_keys(&k, "CC") != 2 {
                    fail(33);
                }
                if k.iter().any(|k| k.0 == "SP" && k.1 != "CertSubjectCN") {
                    fail(34);
                }
                if k.iter()
                    .filter(|k| k.0 == "CC" && k.1 == "SenderCountry")
                    .count()
                    != 1
                {
                    fail(35);
                }
                if k.iter()
                    .filter(|k| k.0 == "CC" && k.1 == "ReceiverCountry")
                    .count()
                    != 1
                {
                    fail(36);
                }
                if number(*s, "Outgoing") != 0 {
                    fail(43);
                }
            }
            _ => {
                fail(37);
                fail(39);
            }
        }
        for (_, scheme, value) in &k {
            if *scheme == "CertSubjectCN" && !is_seat_id(value) {
                fail(19);
            }
            if (*scheme == "SenderCountry" || *scheme == "ReceiverCountry")
                && !(value.len() == 2
                    && (ISO3166.contains(&format!(" {value} ")) || *value == "ZZ"))
            {
                fail(20);
            }
        }
        // Empty subtotals are not allowed (TSR 1.0.2, chapter "Subtotals"): "SCH-TSR-00".
        if number(*s, "Incoming") == 0 && number(*s, "Outgoing") == 0 {
            fail(0);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn eusr_violations(xml: &str) -> Vec<String> {
    let doc = Document::parse(xml).unwrap();
    let root = doc.root_element();
    let mut out = Vec::new();
    root_violations(
        &doc,
        "EndUserStatisticsReport",
        "urn:fdc:peppol:end-user-statistics-report:1.1",
        "urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1",
        "SCH-EUSR",
        &mut out,
    );
    header_violations(root, "SCH-EUSR", [6, 7, 8, 16, 17, 18], &mut out);
    let full = children(root, "FullSet").next().unwrap();
    let (sending, receiving, either) = (
        number(full, "SendingEndUsers"),
        number(full, "ReceivingEndUsers"),
        number(full, "SendingOrReceivingEndUsers"),
    );
    let empty = sending + receiving == 0;
    let subsets: Vec<Node<'_, '_>> = children(root, "Subset").collect();
    let mut fail = |id: u32| out.push(format!("SCH-EUSR-{id:02}"));
    let max = |name: &'static str| subsets.iter().map(|s| number(*s, name)).max().unwrap_or(0);
    if !empty && max("SendingEndUsers") > sending {
        fail(3);
    }
    if !empty && max("ReceivingEndUsers") > receiving {
        fail(4);
    }
    if !empty && max("SendingOrReceivingEndUsers") > either {
        fail(22);
    }
    if either > sending + receiving {
        fail(19);
    }
    if either < sending {
        fail(20);
    }
    if either < receiving {
        fail(21);
    }
    let mut per_type: BTreeMap<&str, Vec<Keys<'_>>> = BTreeMap::new();
    for s in &subsets {
        per_type
            .entry(s.attribute("type").unwrap_or(""))
            .or_default()
            .push(keys(*s));
    }
    for (kind, exists, unique) in [
        ("PerDT-PR", Some(15), 13),
        ("PerDT-PR-EUC", None, 29),
        ("PerDT-EUC", Some(37), 38),
        ("PerEUC", Some(39), 40),
    ] {
        let list = per_type.get(kind).cloned().unwrap_or_default();
        if let Some(id) = exists {
            if !empty && list.is_empty() {
                fail(id);
            }
        }
        if list.iter().collect::<BTreeSet<_>>().len() != list.len() {
            fail(unique);
        }
    }
    for s in &subsets {
        let (se, re, ei) = (
            number(*s, "SendingEndUsers"),
            number(*s, "ReceivingEndUsers"),
            number(*s, "SendingOrReceivingEndUsers"),
        );
        if ei > se + re {
            fail(33);
        }
        if ei < se {
            fail(34);
        }
        if ei < re {
            fail(35);
        }
        if ei == 0 {
            fail(36);
        }
        let k = keys(*s);
        let cc = k
            .iter()
            .filter(|k| k.0 == "CC" && k.1 == "EndUserCountry")
            .count();
        match s.attribute("type").unwrap_or("") {
            "PerDT-PR" => {
                if k.len() != 2 {
                    fail(9);
                }
                if count_keys(&k, "DT") != 1 {
                    fail(10);
                }
                if count_keys(&k, "PR") != 1 {
                    fail(11);
                }
            }
            "PerDT-PR-EUC" => {
                if k.len() != 3 {
                    fail(23);
                }
                if count_keys(&k, "DT") != 1 {
                    fail(24);
                }
                if count_keys(&k, "PR") != 1 {
                    fail(25);
                }
                if count_keys(&k, "CC") != 1 {
                    fail(26);
                }
                if cc != 1 {
                    fail(27);
                }
            }
            "PerDT-EUC" => {
                if k.len() != 2 {
                    fail(41);
                }
                if count_keys(&k, "DT") != 1 {
                    fail(42);
                }
                if count_keys(&k, "CC") != 1 {
                    fail(43);
                }
                if cc != 1 {
                    fail(44);
                }
            }
            "PerEUC" => {
                if k.len() != 1 {
                    fail(45);
                }
                if count_keys(&k, "CC") != 1 {
                    fail(46);
                }
                if cc != 1 {
                    fail(47);
                }
            }
            _ => fail(14),
        }
        for (_, scheme, value) in &k {
            if *scheme == "EndUserCountry"
                && !(value.len() == 2 && ISO3166.contains(&format!(" {value} ")))
            {
                fail(30);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
