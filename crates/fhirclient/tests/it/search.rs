//! Searches over several pages (`_count=5`), against hfs directly and through the proxy.

use std::collections::BTreeSet;

use meridian_fhirclient::ClientErrorKind;
use meridian_fhirclient::test_support::FaultProxy;

use crate::{client, resource, server};

async fn twelve_observations(c: &meridian_fhirclient::Client) {
    for n in 0..12 {
        c.create(&resource(&format!(
            r#"{{"resourceType":"Observation","status":"final","code":{{"text":"paging test"}},
                "subject":{{"reference":"Patient/paging"}},"valueQuantity":{{"value":{n}}}}}"#
        )))
        .await
        .expect("create");
    }
}

#[tokio::test]
async fn three_pages_of_five_follow_next_links() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    twelve_observations(&c).await;
    let params = [("subject", "Patient/paging"), ("_count", "5")];

    let first = c.search("Observation", &params).await.expect("page 1");
    assert_eq!(first.entries.len(), 5);
    let second = c
        .next_page(first.next.as_deref().expect("next after page 1"))
        .await
        .expect("page 2");
    assert_eq!(second.entries.len(), 5);
    let third = c
        .next_page(second.next.as_deref().expect("next after page 2"))
        .await
        .expect("page 3");
    assert_eq!(third.entries.len(), 2);
    assert_eq!(third.next, None);

    let ids: BTreeSet<String> = [first, second, third]
        .iter()
        .flat_map(|p| p.entries.iter().filter_map(|r| r.id().map(str::to_owned)))
        .collect();
    assert_eq!(ids.len(), 12, "no resource twice, none missing");

    let all = c.search_all("Observation", &params, 3).await.expect("all");
    assert_eq!(all.len(), 12);
    let err = c
        .search_all("Observation", &params, 2)
        .await
        .expect_err("a third page exists");
    assert!(
        matches!(err.kind, ClientErrorKind::PageLimit { max_pages: 2 }),
        "{err}"
    );
}

#[tokio::test]
async fn paging_continues_through_the_proxy() {
    let hfs = server().await;
    twelve_observations(&client(&hfs.base_url)).await;
    let proxy = FaultProxy::start(&hfs.base_url).await.expect("proxy");
    let c = client(&proxy.base_url);
    let all = c
        .search_all("Observation", &[("_count", "5")], 10)
        .await
        .expect("all through the proxy");
    assert_eq!(all.len(), 12);
    assert_eq!(
        proxy.requests_seen(),
        3,
        "three pages, each through the proxy"
    );
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let hfs = server().await;
    let c = client(&hfs.base_url);
    for link in [
        "http://attacker.example/Observation?_count=5",
        "https://127.0.0.1:1/Observation",
    ] {
        let err = c.next_page(link).await.expect_err("foreign origin");
        assert!(
            matches!(err.kind, ClientErrorKind::InvalidInput { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("other origins"), "{err}");
    }
    // A relative link resolves against the base and is followed.
    let page = c
        .next_page("Observation?_count=1")
        .await
        .expect("relative link");
    assert!(page.entries.is_empty());
}
