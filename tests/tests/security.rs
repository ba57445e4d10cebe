//! No token, password or token-bearing URL in `Debug`, `Display`, errors or traces, with every
//! trace of every crate (reqwest's `log` records included) captured at the most verbose level.
//! Alone in its binary: it installs the process-wide subscriber.

use bosbase_backups::{Client, ExposeSecret};
use bosbase_backups_tests::{Captured, EMAIL, PASSWORD, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_anywhere() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_log::LogTracer::init().unwrap();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();

    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    let token = client.token().await.unwrap();
    client.backups().create("a.zip").await.unwrap();
    let file_token = client.files().token().await.unwrap();
    let url = client.backups().download_url(&file_token, "a.zip").unwrap();
    let dir = tempfile::tempdir().unwrap();
    client
        .backups()
        .download("a.zip")
        .to_path(dir.path().join("a.zip"))
        .await
        .unwrap();
    client
        .backups()
        .upload_file(dir.path().join("a.zip"))
        .name("b.zip")
        .force(true)
        .await
        .unwrap();
    client.backups().verify("a.zip").await.unwrap();

    // Failures, whose messages must not carry secrets either.
    let errors = vec![
        client
            .backups()
            .download("missing.zip")
            .to_writer(&mut Vec::new())
            .await
            .unwrap_err(),
        Client::new(server.url())
            .unwrap()
            .auth_with_password(EMAIL, "wrong-password")
            .await
            .unwrap_err(),
        Client::builder(server.url())
            .token("not-a-token")
            .build()
            .unwrap()
            .backups()
            .list()
            .await
            .unwrap_err(),
        Client::builder("http://127.0.0.1:9")
            .token(token.expose_secret())
            .build()
            .unwrap()
            .backups()
            .list()
            .await
            .unwrap_err(),
    ];
    let builder = Client::builder(server.url()).token(token.expose_secret());
    let mut shown = format!(
        "{client:?}\n{file_token:?}\n{builder:?}\n{:?}\n",
        client.token().await
    );
    for e in &errors {
        shown.push_str(&format!("{e}\n{e:?}\n"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            shown.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }
    // What a panic on `unwrap()` would print.
    let first = &errors[0];
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let result: Result<(), _> = Err(first);
        std::hint::black_box(result).unwrap()
    }))
    .unwrap_err();
    shown.push_str(
        panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default(),
    );

    let traces = captured.text();
    assert!(
        traces.contains("TRACE"),
        "trace-level records were captured"
    );
    assert!(
        traces.contains("bosbase_backups"),
        "the SDK's spans were captured"
    );
    // Each span names its operation (the spec's operationId) and records the status.
    assert!(traces.contains("op=\"listBackups\""), "{traces}");
    assert!(traces.contains("status=200"), "{traces}");
    for secret in [
        token.expose_secret(),
        file_token.expose_secret(),
        PASSWORD,
        url.as_str(),
    ] {
        assert!(
            !shown.contains(secret),
            "a secret in Debug/Display/errors:\n{shown}"
        );
        assert!(!traces.contains(secret), "a secret in the traces");
    }
    // The file token, URL-encoded, as it would appear in a logged URL.
    assert!(!traces.contains(&url[url.find("token=").unwrap()..]));
}

#[tokio::test]
async fn credentials_over_plain_http_to_another_host_are_warned_about() {
    // Runs under the global subscriber of the other test, or none: capture with a local one.
    let captured = Captured::default();
    let sink = captured.clone();
    let local = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(local);
    Client::builder("http://127.0.0.1:8090")
        .token("t")
        .build()
        .unwrap();
    Client::builder("http://localhost:8090")
        .token("t")
        .build()
        .unwrap();
    assert!(
        !captured.text().contains("plain http"),
        "{}",
        captured.text()
    );
    Client::builder("http://backups.example.com")
        .token("t")
        .build()
        .unwrap();
    assert!(captured.text().contains("WARN"), "{}", captured.text());
    assert!(
        captured.text().contains("plain http://"),
        "{}",
        captured.text()
    );
}
