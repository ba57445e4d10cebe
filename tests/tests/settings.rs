//! `client.settings()`: the backup schedule and storage, against the real server.

use bosbase_backups::{
    BackupStorage, Client, Error, ExposeSecret, S3Config, SecretString, check_cron,
};
use bosbase_backups_tests::TestServer;

use bosbase_backups_tests::login;

/// The whole settings object, as the server returns it (through the raw API).
async fn raw_settings(server: &TestServer, client: &Client) -> serde_json::Value {
    let token = client.token().await.unwrap();
    reqwest::Client::new()
        .get(format!("{}/api/settings", server.url()))
        .header("Authorization", token.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cron_check_agrees_with_the_server() {
    let server = TestServer::start();
    let client = login(&server).await;
    let token = client.token().await.unwrap();
    let http = reqwest::Client::new();
    let samples = [
        "0 3 * * *",
        "*/15 8-18 * * 1-5",
        "1-5/2 * * * *",
        "+5 * * * *",
        "59 23 31 12 6",
        "@daily",
        "@annually",
        "@midnight",
        "0 3 * * MON",
        "0 3 * * 7",
        "0 3 * * * *",
        "0  3 * * *",
        "*/0 * * * *",
        "5/2 * * * *",
        "5-1 * * * *",
        "@every 5m",
        "@DAILY",
    ];
    for cron in samples {
        let answer = http
            .patch(format!("{}/api/settings", server.url()))
            .header("Authorization", token.expose_secret())
            .json(&serde_json::json!({"backups": {"cron": cron, "cronMaxKeep": 1}}))
            .send()
            .await
            .unwrap();
        let server_accepts = answer.status() == 200;
        assert_eq!(
            check_cron(cron).is_ok(),
            server_accepts,
            "{cron:?}: the server says {}",
            answer.text().await.unwrap()
        );
    }
}

#[tokio::test]
async fn an_update_changes_only_the_backup_settings() {
    let server = TestServer::start();
    let client = login(&server).await;
    let before = raw_settings(&server, &client).await;
    assert_eq!(
        client.settings().backups().await.unwrap().cron,
        None,
        "a fresh server has no schedule"
    );

    let now = client
        .settings()
        .update_backups()
        .schedule("0 3 * * *", 7)
        .await
        .unwrap();
    assert_eq!(now.cron.as_deref(), Some("0 3 * * *"));
    assert_eq!(now.keep, 7);
    assert_eq!(client.settings().backups().await.unwrap(), now);

    let after = raw_settings(&server, &client).await;
    let (mut before, mut after) = (before, after);
    assert_eq!(after["backups"]["cron"], "0 3 * * *");
    before.as_object_mut().unwrap().remove("backups");
    after.as_object_mut().unwrap().remove("backups");
    assert_eq!(before, after, "another setting changed");

    // Off keeps the number to keep.
    let off = client
        .settings()
        .update_backups()
        .schedule_off()
        .await
        .unwrap();
    assert_eq!((off.cron, off.keep), (None, 7));
}

#[tokio::test]
async fn invalid_changes_are_refused_before_sending() {
    // Nothing listens here: a request would fail with Error::Transport.
    let client = Client::builder("http://127.0.0.1:9")
        .token("not-a-real-token")
        .build()
        .unwrap();
    let settings = client.settings();
    let e = settings
        .update_backups()
        .schedule("0 3 * * MON", 7)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidCron(_)), "{e:?}");
    assert!(
        e.to_string().contains("\"MON\" where a number belongs"),
        "{e}"
    );
    for update in [
        settings.update_backups().schedule("@daily", 0),
        settings.update_backups(),
        settings.update_backups().s3(S3Config::new(
            "",
            "b",
            "r",
            "k",
            SecretString::from("s".to_string()),
        )),
        settings.update_backups().s3(S3Config::new(
            "https://s3.example.com",
            "b",
            "r",
            "k",
            SecretString::from(String::new()),
        )),
    ] {
        let e = update.await.unwrap_err();
        assert!(matches!(e, Error::InvalidSettings(_)), "{e:?}");
    }
}

#[tokio::test]
async fn the_servers_refusal_names_the_nested_field() {
    let server = TestServer::start();
    let client = login(&server).await;
    // A URL to this client, not to the server's rule.
    let s3 = S3Config::new(
        "foo:bar",
        "b",
        "r",
        "k",
        SecretString::from("s".to_string()),
    );
    let e = client.settings().update_backups().s3(s3).await.unwrap_err();
    let Error::Api { status, fields, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 400);
    assert_eq!(
        fields["backups.s3.endpoint"].code, "validation_is_url",
        "{e}"
    );
    assert!(matches!(
        client.settings().backups().await.unwrap().storage,
        BackupStorage::Local { saved_s3: None }
    ));
}

#[tokio::test]
async fn the_s3_secret_is_write_only_and_never_shown() {
    // Traces with an S3 secret are checked in security.rs.
    const SECRET: &str = "s3-secret-that-must-not-leak";
    let server = TestServer::start();
    let client = login(&server).await;
    let config = S3Config::new(
        "http://127.0.0.1:9",
        "bucket",
        "us-east-1",
        "access",
        SecretString::from(SECRET.to_string()),
    )
    .force_path_style(true);
    let update = client.settings().update_backups().s3(config.clone());
    let debug = format!("{config:?} {update:?}");
    let now = update.await.unwrap();
    let BackupStorage::S3(location) = &now.storage else {
        panic!("{now:?}")
    };
    assert_eq!(location, config.location());
    let raw = raw_settings(&server, &client).await;
    assert!(raw["backups"]["s3"].get("secret").is_none(), "{raw}");
    // The saved secret is the one sent: the server can sign with it (and fails to connect).
    let e = client.settings().test_s3().await.unwrap_err();
    let debug = format!("{debug} {now:?} {e:?} {e}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(
        !debug.contains(SECRET),
        "the secret in Debug output: {debug}"
    );

    // Back to the disk: the S3 settings stay saved, disabled.
    let local = client.settings().update_backups().local().await.unwrap();
    assert_eq!(
        local.storage,
        BackupStorage::Local {
            saved_s3: Some(config.location().clone())
        }
    );
    let e = client.settings().test_s3().await.unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 400, message, .. } if message.contains("S3 storage filesystem is not enabled")),
        "{e:?}"
    );
}
