//! No token or password in `Debug` output, error messages or traces.

use bosbase_backups::{Client, ExposeSecret, S3Config, SecretString};
use bosbase_backups_tests::{Captured, EMAIL, PASSWORD, TestServer};

#[tokio::test]
async fn secrets_stay_out_of_debug_and_traces() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    let token = client.token().await.unwrap();
    client.backups().create("a.zip").await.unwrap();
    client.backups().list().await.unwrap();
    let file_token = client.files().token().await.unwrap();
    client
        .backups()
        .download("a.zip")
        .to_writer(&mut Vec::new())
        .await
        .unwrap();
    let err = client
        .backups()
        .download("missing.zip")
        .to_writer(&mut Vec::new())
        .await
        .unwrap_err();

    // An S3 secret, sent in the backup settings, then used by the server to sign a test.
    let s3_secret = "s3-secret-that-must-not-leak";
    let s3 = S3Config::new(
        "http://127.0.0.1:9",
        "bucket",
        "us-east-1",
        "access",
        SecretString::from(s3_secret.to_string()),
    );
    let update = client.settings().update_backups().s3(s3.clone());
    let s3_debug = format!("{s3:?} {update:?}");
    let settings = update.await.unwrap();
    let s3_err = client.settings().test_s3().await.unwrap_err();

    let debug = format!(
        "{client:?} {file_token:?} {err:?} {err} {:?} {s3_debug} {settings:?} {s3_err:?} {s3_err}",
        client.token().await
    );
    let traces = captured.text();
    assert!(
        traces.contains("op=\"list\"") || traces.contains("op=list"),
        "spans are recorded: {traces}"
    );
    assert!(traces.contains("status=200"), "{traces}");
    for secret in [
        token.expose_secret(),
        file_token.expose_secret(),
        PASSWORD,
        s3_secret,
    ] {
        assert!(!debug.contains(secret), "a secret in Debug output: {debug}");
        assert!(!traces.contains(secret), "a secret in traces");
    }
    assert!(debug.contains("<redacted>"), "{debug}");
}
