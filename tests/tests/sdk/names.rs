//! The client's name rule is the server's: checked against the spec's pattern for any string,
//! and against the real server for a sample.

use std::str::FromStr;

use bosbase_backups::BackupName;
use bosbase_backups_tests::TestServer;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use crate::login;

/// The spec's rule, as the generated client enforces it (pattern and maxLength), plus the
/// server's minimum length of 1.
fn spec_accepts(name: &str) -> bool {
    !name.is_empty() && bosbase_backups_api::types::BackupName::from_str(name).is_ok()
}

fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_-]{0,160}\\.zip",
        "[a-zA-Z0-9_.@ -]{0,20}(\\.zip)?",
        "\\PC{0,10}",
        "[a-z]{1,3}[^a-z0-9_-][a-z]{0,3}\\.zip",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn client_rule_equals_spec_rule(name in names()) {
        prop_assert_eq!(BackupName::new(name.clone()).is_ok(), spec_accepts(&name), "{:?}", name);
    }
}

#[tokio::test]
async fn client_rule_equals_server_rule() {
    let server = TestServer::start();
    let client = login(&server).await;
    let token = client.token().await.unwrap();
    let http = reqwest::Client::new();
    let mut samples: Vec<String> = [
        "a.zip",
        "0.zip",
        "-_.zip",
        "a-b_c9.zip",
        ".zip",
        "a.ZIP",
        "A.zip",
        "a.b.zip",
        "a .zip",
        "é.zip",
        "a.zip.zip",
        "a.zipx",
        "",
        "zip",
        "@auto.zip",
        "a/b.zip",
    ]
    .map(String::from)
    .to_vec();
    samples.push(format!("{}.zip", "a".repeat(146)));
    samples.push(format!("{}.zip", "a".repeat(147)));
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..24 {
        samples.push(names().new_tree(&mut runner).unwrap().current());
    }
    samples.sort();
    samples.dedup();
    for name in samples {
        // Straight to the server, past the client's own check.
        let response = http
            .post(format!("{}/api/backups", server.url()))
            .header(
                "Authorization",
                bosbase_backups::ExposeSecret::expose_secret(&token),
            )
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        let server_accepts = response.status() == 204;
        if name.is_empty() {
            // The server reads an empty name as "choose one": the client asks for that with
            // create_auto instead, and refuses "" as a name.
            assert!(server_accepts);
            assert!(BackupName::new("").is_err());
            continue;
        }
        assert_eq!(
            BackupName::new(name.clone()).is_ok(),
            server_accepts,
            "{name:?}"
        );
    }
}
