//! The KvK client against the fake KvK API (a real HTTP server in this process), and the
//! offline register, which must answer the same.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use haven_domain::organizations::registry::{
    BusinessRegistry, RegistryAddress, RegistryError, RegistryHitKind, RegistryQuery,
};
use haven_registry::{testing::FakeKvk, KvkClient, KvkClientOptions, OfflineRegister, Registry};

fn fast_options() -> KvkClientOptions {
    KvkClientOptions {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(800),
        max_retries: 3,
        backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(2),
        extra_root_certificates: Vec::new(),
    }
}

fn client(fake: &FakeKvk) -> KvkClient {
    KvkClient::with_options(fake.base_url(), fake.api_key(), fast_options()).unwrap()
}

fn query(kvk: Option<&str>, name: Option<&str>, place: Option<&str>) -> RegistryQuery {
    RegistryQuery {
        kvk_number: kvk.map(str::to_owned),
        name: name.map(str::to_owned),
        place: place.map(str::to_owned),
        ..RegistryQuery::default()
    }
}

#[tokio::test]
async fn the_client_asks_the_register_for_one_page_at_a_time() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);
    let page = |number| RegistryQuery {
        page: number,
        per_page: 1,
        ..query(None, Some("molenaar"), None)
    };

    let first = kvk.search(&page(1)).await.unwrap();
    let second = kvk.search(&page(2)).await.unwrap();

    assert_eq!((first.hits.len(), first.has_more), (1, true));
    assert_eq!((second.hits.len(), second.has_more), (1, false));
    assert_ne!(first.hits[0], second.hits[0]);
}

#[tokio::test]
async fn the_client_finds_companies_by_number_name_and_place() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);

    let hits = kvk
        .search(&query(Some("9000 0016"), None, None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kvk_number, "90000016");
    assert_eq!(hits[0].name, "Tulpenveld Installatietechniek");
    assert_eq!(hits[0].place.as_deref(), Some("Utrecht"));
    assert_eq!(hits[0].kind, RegistryHitKind::MainEstablishment);
    assert_eq!(
        hits[0].establishment_number.as_deref(),
        Some("990000100001")
    );

    let hits = kvk
        .search(&query(None, Some("tulpenveld"), None))
        .await
        .unwrap()
        .hits;
    let numbers: Vec<_> = hits.iter().map(|h| h.kvk_number.as_str()).collect();
    assert_eq!(numbers, ["90000016", "90000156"]);

    let hits = kvk
        .search(&query(None, Some("TULPENVELD"), Some("amersfoort")))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kvk_number, "90000156");

    // A company with a branch yields both; the branch is found by its place.
    let hits = kvk
        .search(&query(None, Some("molenaar"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 2, "{hits:?}");
    let hits = kvk
        .search(&query(None, Some("molenaar"), Some("Breda")))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, RegistryHitKind::Branch);
    assert_eq!(hits[0].name, "Molenaar Renovatie");

    // A foundation without an establishment is a legal entity.
    let hits = kvk
        .search(&query(None, Some("groene grachten"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits[0].kind, RegistryHitKind::LegalEntity);
    assert_eq!(hits[0].establishment_number, None);
    assert_eq!(hits[0].place.as_deref(), Some("Amsterdam"));

    // Names match word by word, whatever the case, with their diacritics.
    let hits = kvk
        .search(&query(None, Some("COÖPERATIE zuiderzon"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);

    // No results: a 404 with a `fout` body in the KvK API, an empty list for us.
    let hits = kvk
        .search(&query(None, Some("bestaat niet"), None))
        .await
        .unwrap()
        .hits;
    assert!(hits.is_empty());
    let hits = kvk
        .search(&query(Some("99999999"), None, None))
        .await
        .unwrap()
        .hits;
    assert!(hits.is_empty());
}

#[tokio::test]
async fn name_search_promises_no_more_than_the_kvk_api() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);
    let names = |hits: Vec<haven_domain::organizations::registry::RegistrySearchHit>| {
        hits.into_iter().map(|h| h.name).collect::<Vec<_>>()
    };

    // No fragments of words, no spelling without diacritics, no words out of order.
    for nothing in [
        "tulpen",
        "veld",
        "cooperatie zuiderzon",
        "installatietechniek tulpenveld",
        "b.v. polderdata",
    ] {
        let hits = kvk
            .search(&query(None, Some(nothing), None))
            .await
            .unwrap()
            .hits;
        assert!(hits.is_empty(), "{nothing}: {hits:?}");
    }

    // A whole word finds every name holding it, and no name merely starting with it.
    let hits = kvk
        .search(&query(None, Some("molen"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(names(hits), ["Van der Molen Advocaten"]);
    // Punctuation separates words.
    let hits = kvk
        .search(&query(None, Some("zonen bouw"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 2, "the company and its branch: {hits:?}");

    // Found through a later trade name, the result shows that trade name.
    let hits = kvk
        .search(&query(None, Some("tulpenveld warmtepompen"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(names(hits), ["Tulpenveld Warmtepompen"]);
    let hits = kvk
        .search(&query(None, Some("hofi"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(names(hits), ["HoFi Bikes"]);
    // Found through its statutory name, it shows its usual name (the first trade name).
    let hits = kvk
        .search(&query(None, Some("coöperatie"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(names(hits), ["Zuiderzon Energie"]);

    // The place is compared whole, whatever the case.
    let hits = kvk
        .search(&query(None, Some("tulpenveld"), Some("UTRECHT")))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    let hits = kvk
        .search(&query(None, Some("tulpenveld"), Some("utr")))
        .await
        .unwrap()
        .hits;
    assert!(hits.is_empty(), "{hits:?}");
}

#[tokio::test]
async fn the_client_maps_the_basic_profile() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);

    let company = kvk.profile("90000067").await.unwrap();
    assert_eq!(company.kvk_number, "90000067");
    assert_eq!(company.statutory_name, "Polderdata B.V.");
    assert_eq!(company.trade_names, ["Polderdata"]);
    assert_eq!(company.legal_form.as_deref(), Some("Besloten Vennootschap"));
    assert_eq!(
        company.establishment_number.as_deref(),
        Some("990000100006")
    );
    assert_eq!(
        company.address,
        Some(RegistryAddress {
            street: "Molengraaffsingel".into(),
            house_number: "12-B".into(),
            postal_code: "2629JD".into(),
            city: "Delft".into(),
            country: "NL".into(),
        })
    );
    assert_eq!(
        company.contact_email.as_deref(),
        Some("finance@polderdata.example")
    );
    assert!(company.rsin.as_deref().is_some_and(|r| r.len() == 9));

    // A sole proprietorship: no statutory name (the registered name is used), no RSIN.
    let company = kvk.profile("90000024").await.unwrap();
    assert_eq!(company.statutory_name, "Bakkerij De Gouden Korenaar");
    assert_eq!(company.legal_form.as_deref(), Some("Eenmanszaak"));
    assert_eq!(company.rsin, None);
    assert_eq!(company.address.unwrap().house_number, "7A");

    // Trade names keep the register's order.
    let company = kvk.profile("90000075").await.unwrap();
    assert_eq!(
        company.trade_names,
        ["Hollandse Fietsfabriek", "HoFi Bikes"]
    );

    // Without an establishment the owner's address is used.
    let company = kvk.profile("90000040").await.unwrap();
    assert_eq!(company.establishment_number, None);
    assert_eq!(company.address.unwrap().city, "Amsterdam");

    assert_eq!(
        kvk.profile("99999999").await.unwrap_err(),
        RegistryError::NotFound
    );
    let before = fake.requests();
    assert!(
        matches!(kvk.profile("1234").await.unwrap_err(), RegistryError::Rejected(m) if m.contains("8 digits"))
    );
    assert!(matches!(
        kvk.search(&RegistryQuery::default()).await.unwrap_err(),
        RegistryError::Rejected(_)
    ));
    assert!(matches!(
        kvk.search(&query(None, None, Some("Utrecht"))).await.unwrap_err(),
        RegistryError::Rejected(m) if m.contains("name")
    ));
    assert_eq!(
        fake.requests(),
        before,
        "refused queries never reach the register"
    );
}

#[tokio::test]
async fn the_client_retries_through_transient_failures() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);

    fake.fail_next(2);
    let company = kvk.profile("90000016").await.unwrap();
    assert_eq!(company.kvk_number, "90000016");
    assert_eq!(fake.requests(), 3);

    fake.rate_limit_next(1, 1);
    let started = Instant::now();
    let hits = kvk
        .search(&query(None, Some("polderdata"), None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was not honoured"
    );
    assert_eq!(fake.requests(), 5);

    // A Retry-After beyond the cap is cut to the cap.
    let capped = KvkClient::with_options(
        fake.base_url(),
        fake.api_key(),
        KvkClientOptions {
            max_retry_after: Duration::from_millis(50),
            ..fast_options()
        },
    )
    .unwrap();
    fake.rate_limit_next(2, 3600);
    let started = Instant::now();
    capped.profile("90000016").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn persistent_failures_make_the_register_unavailable() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);
    fake.fail_next(100);
    let err = kvk.profile("90000016").await.unwrap_err();
    let RegistryError::Unavailable(message) = err else {
        panic!("{err:?}");
    };
    assert!(message.contains("could not be reached"), "{message}");
    assert!(message.contains("by hand"), "{message}");
    assert_eq!(fake.requests(), 4, "one attempt and three retries");
}

#[tokio::test]
async fn a_server_that_is_down_or_hangs_makes_the_register_unavailable() {
    // Down: a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let down = KvkClient::with_options(&format!("http://127.0.0.1:{port}"), "key", fast_options())
        .unwrap();
    let err = down
        .search(&query(None, Some("tulpenveld"), None))
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");

    // Hanging: the total time-out ends the wait, without retrying.
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);
    fake.hang(true);
    let started = Instant::now();
    let err = kvk.profile("90000016").await.unwrap_err();
    assert!(matches!(err, RegistryError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.requests(), 1);
}

/// The register's "unavailable" error, with its words for the user.
fn unavailable<T>(result: Result<T, RegistryError>) -> bool {
    matches!(result, Err(RegistryError::Unavailable(message)) if message.contains("by hand"))
}

#[tokio::test]
async fn ipd1003_makes_the_register_unavailable_not_a_refusal_or_no_results() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);

    // With 404, as KvK clients' error tables list it: not "no results", not "not found".
    fake.data_unavailable_next(2, 404);
    assert!(unavailable(
        kvk.search(&query(None, Some("tulpenveld"), None)).await
    ));
    assert!(unavailable(kvk.profile("90000016").await));
    assert_eq!(fake.requests(), 2, "KvK asks for minutes: no retry");

    // With 400: not a refused query either.
    fake.data_unavailable_next(1, 400);
    assert!(unavailable(
        kvk.search(&query(Some("90000016"), None, None)).await
    ));
    assert_eq!(fake.requests(), 3);

    // As a 5xx it is retried like any other, and the register answers again.
    fake.data_unavailable_next(1, 500);
    let hits = kvk
        .search(&query(Some("90000016"), None, None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(fake.requests(), 5);
}

#[tokio::test]
async fn the_fake_refuses_an_invalid_kvk_number_with_ipd0004() {
    let fake = FakeKvk::start().await.unwrap();
    let http = reqwest::Client::new();
    for url in [
        format!("{}/api/v2/zoeken?kvkNummer=1234", fake.base_url()),
        format!("{}/api/v1/basisprofielen/1234", fake.base_url()),
    ] {
        let answer = http
            .get(&url)
            .header("apikey", fake.api_key())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 400, "{url}");
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["fout"][0]["code"], "IPD0004", "{url}: {body}");
    }
}

#[tokio::test]
async fn a_wrong_api_key_names_the_setting() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = KvkClient::with_options(fake.base_url(), "wrong", fast_options()).unwrap();
    let err = kvk.profile("90000016").await.unwrap_err();
    let RegistryError::Unavailable(message) = err else {
        panic!("{err:?}");
    };
    assert!(message.contains("kvk_api_key"), "{message}");
    assert_eq!(fake.requests(), 1, "a refused key is not retried");
    // The key never shows in Debug output.
    assert!(!format!("{kvk:?}").contains("wrong"));
}

#[tokio::test]
async fn the_offline_register_answers_like_the_kvk_api() {
    let fake = FakeKvk::start().await.unwrap();
    let kvk = client(&fake);
    let offline = OfflineRegister::new().unwrap();
    assert!(offline.len() >= 15);

    let queries = [
        query(Some("90000032"), None, None),
        query(None, Some("tulpenveld"), None),
        query(None, Some("Tulpenveld"), Some("Utrecht")),
        query(None, Some("zeewind"), Some("vlissingen")),
        query(None, Some("b.v."), None),
        query(None, Some("warmtepompen"), None),
        query(None, Some("tulpen"), None),
        query(None, Some("nergens"), None),
    ];
    for q in &queries {
        assert_eq!(
            offline.search(q).await.unwrap(),
            kvk.search(q).await.unwrap(),
            "{q:?}"
        );
    }
    for number in ["90000016", "90000040", "90000113", "90000172"] {
        assert_eq!(
            offline.profile(number).await.unwrap(),
            kvk.profile(number).await.unwrap()
        );
    }
    assert_eq!(
        offline.profile("99999999").await.unwrap_err(),
        RegistryError::NotFound
    );
}

#[tokio::test]
async fn the_registry_is_chosen_by_configuration() {
    let registry = Registry::from_config("offline", None, None).unwrap();
    assert_eq!(registry.kind(), "offline");
    let hits = registry
        .search(&query(Some("90000016"), None, None))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);

    let err = Registry::from_config("kvk", None, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("kvk_api_key"), "{err}");
    let err = Registry::from_config("kvk", Some("ftp://x"), Some("k"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("kvk_api_url"), "{err}");
    let err = Registry::from_config("handelsregister", None, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("business_register"), "{err}");

    let registry = Registry::from_config("kvk", None, Some("k")).unwrap();
    assert_eq!(registry.kind(), "kvk");
    let Registry::Kvk(client) = &registry else {
        panic!("not the KvK client");
    };
    assert_eq!(client.base_url(), "https://api.kvk.nl");

    let fake = FakeKvk::start().await.unwrap();
    let registry =
        Registry::from_config("KvK", Some(fake.base_url()), Some(fake.api_key())).unwrap();
    let company = registry.profile("90000121").await.unwrap();
    assert_eq!(company.statutory_name, "Brugwachter Software B.V.");
}
