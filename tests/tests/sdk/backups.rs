use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosbase_backups::{Client, Error, Progress};
use bosbase_backups_tests::TestServer;

use crate::{keys, login, write_backup_zip};

#[tokio::test]
async fn create_list_delete() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("first.zip").await.unwrap();
    client.backups().create("second.zip").send().await.unwrap();

    let list = client.backups().list().await.unwrap();
    assert_eq!(list.len(), 2);
    // Newest first.
    assert_eq!(list[0].key, "second.zip");
    assert!(list[0].modified >= list[1].modified);
    let on_disk = std::fs::metadata(server.data_dir().join("backups/first.zip"))
        .unwrap()
        .len();
    assert_eq!(list[1].size, on_disk);
    let age = chrono::Utc::now() - list[0].modified;
    assert!(
        age.num_seconds().abs() < 60,
        "modified is a real timestamp: {}",
        list[0].modified
    );

    client.backups().delete("first.zip").await.unwrap();
    assert_eq!(keys(&client).await, ["second.zip"]);
}

#[tokio::test]
async fn create_auto_returns_the_key_the_server_chose() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("named.zip").await.unwrap();
    let auto = client.backups().create_auto().await.unwrap();
    assert!(auto.key.starts_with("pb_backup_"), "{}", auto.key);
    assert!(auto.size > 0);
    assert_eq!(
        keys(&client).await,
        vec!["named.zip".to_string(), auto.key.clone()]
    );
    // Twice within a second would collide on the server's name; a second later it is a new one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = client.backups().create_auto().await.unwrap();
    assert_ne!(again.key, auto.key);
}

#[tokio::test]
async fn restore_brings_back_the_backup_data() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("empty.zip").await.unwrap();
    // Change the data after the backup: a second superuser.
    server.add_superuser("second@example.com", "another-long-password");
    let second = bosbase_backups::Client::new(server.url()).unwrap();
    second
        .auth_with_password("second@example.com", "another-long-password")
        .await
        .unwrap();

    client.backups().restore("empty.zip").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.wait_healthy(Duration::from_secs(60)).unwrap();

    // The second superuser was not in the backup.
    let again = bosbase_backups::Client::new(server.url()).unwrap();
    let err = again
        .auth_with_password("second@example.com", "another-long-password")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(keys(&client).await, ["empty.zip"]);
}

#[tokio::test]
async fn health_says_whether_a_backup_can_start() {
    let server = TestServer::start();
    let guest = bosbase_backups::Client::new(server.url()).unwrap();
    let health = guest.health().await.unwrap();
    assert_eq!(health.code, 200);
    assert_eq!(health.can_backup(), None);
    let client = login(&server).await;
    assert_eq!(client.health().await.unwrap().can_backup(), Some(true));
}

#[tokio::test]
async fn upload_download_round_trip_with_progress() {
    let server = TestServer::start();
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("moved.zip");
    write_backup_zip(&source, &vec![7u8; 3 * 1024 * 1024 + 17]);
    let len = std::fs::metadata(&source).unwrap().len();

    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let log = seen.clone();
    let key = client
        .backups()
        .upload_file(&source)
        .progress(move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(key, "moved.zip");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.last().unwrap(),
        &Progress {
            transferred: len,
            total: Some(len)
        }
    );
    assert!(seen.windows(2).all(|w| w[0].transferred < w[1].transferred));
    let listed = client.backups().list().await.unwrap();
    assert_eq!(listed[0].size, len);

    let dest = dir.path().join("back.zip");
    let got = Arc::new(Mutex::new(0u64));
    let last = got.clone();
    let n = client
        .backups()
        .download("moved.zip")
        .progress(move |p| *last.lock().unwrap() = p.transferred)
        .to_path(&dest)
        .await
        .unwrap();
    assert_eq!(n, len);
    assert_eq!(*got.lock().unwrap(), len);
    assert_eq!(
        std::fs::read(&dest).unwrap(),
        std::fs::read(&source).unwrap()
    );
    assert!(!dir.path().join("back.zip.part").exists());
    // Without the final fsync: the same file.
    let fast = dir.path().join("fast.zip");
    client
        .backups()
        .download("moved.zip")
        .fsync(false)
        .to_path(&fast)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&fast).unwrap(),
        std::fs::read(&source).unwrap()
    );

    // From a reader, under a given name, and to a writer.
    let reader = tokio::fs::File::open(&source).await.unwrap();
    let key = client
        .backups()
        .upload(reader, len, "from_reader.zip")
        .await
        .unwrap();
    assert_eq!(key, "from_reader.zip");
    let mut buf = Vec::new();
    client
        .backups()
        .download("from_reader.zip")
        .to_writer(&mut buf)
        .await
        .unwrap();
    assert_eq!(buf, std::fs::read(&source).unwrap());
}

#[tokio::test]
async fn upload_under_another_name() {
    let server = TestServer::start();
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("Not A Valid Name.zip");
    write_backup_zip(&source, b"x");
    let err = client.backups().upload_file(&source).await.unwrap_err();
    assert!(err.to_string().contains("give it another name"), "{err}");
    assert!(keys(&client).await.is_empty(), "nothing was sent");
    client
        .backups()
        .upload_file(&source)
        .name("renamed.zip")
        .await
        .unwrap();
    assert_eq!(keys(&client).await, ["renamed.zip"]);
}

#[tokio::test]
async fn download_url_downloads_with_the_file_token() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("linked.zip").await.unwrap();
    let token = client.files().token().await.unwrap();
    let url = client.backups().download_url(&token, "linked.zip").unwrap();
    assert!(url.starts_with(&format!("{}/api/backups/linked.zip?token=", server.url())));
    let body = reqwest::get(&url).await.unwrap();
    assert_eq!(body.status(), 200);
    let bytes = body.bytes().await.unwrap();
    assert_eq!(
        &bytes[..],
        &std::fs::read(server.data_dir().join("backups/linked.zip")).unwrap()[..]
    );
}

#[tokio::test]
async fn keys_are_percent_encoded() {
    let server = TestServer::start();
    let client = login(&server).await;
    // Scheduled backups are named @auto_...; other tools upload names with spaces.
    for key in ["@auto_pb_backup_acme_20261126.zip", "with space+plus.zip"] {
        std::fs::copy(
            {
                client.backups().create("seed.zip").await.unwrap();
                server.data_dir().join("backups/seed.zip")
            },
            server.data_dir().join("backups").join(key),
        )
        .unwrap();
        client.backups().delete("seed.zip").await.unwrap();
        let mut buf = Vec::new();
        client
            .backups()
            .download(key)
            .to_writer(&mut buf)
            .await
            .unwrap();
        assert_eq!(&buf[..2], b"PK");
        client.backups().delete(key).await.unwrap();
    }
    assert!(keys(&client).await.is_empty());
}

#[tokio::test]
async fn extra_query_parameters_reach_the_server() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    // PocketBase's `fields` trims the JSON: without `size` and `modified` it is not a backup list.
    let err = client
        .backups()
        .list()
        .query("fields", "key")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse(_)), "{err:?}");
    let err = client
        .backups()
        .list()
        .header("bad header", "x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

/// `.header()` and `.query()` reach every request a call makes: a download's list, file token and
/// GET; a restore's list, range reads, file tokens, POST, health probes, log reads and last list.
#[tokio::test]
async fn extras_reach_every_request_of_a_call() {
    let server = TestServer::start();
    login(&server)
        .await
        .backups()
        .create("a.zip")
        .await
        .unwrap();
    let proxy = bosbase_backups_tests::RecordingProxy::start(server.port());
    let client = Client::new(proxy.url()).unwrap();
    client
        .auth_with_password(
            bosbase_backups_tests::EMAIL,
            bosbase_backups_tests::PASSWORD,
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let before = proxy.seen().len();
    client
        .backups()
        .download("a.zip")
        .header("x-trace", "dl")
        .query("trace", "dl")
        .to_path(dir.path().join("a.zip"))
        .await
        .unwrap();
    let seen = &proxy.seen()[before..];
    let lines: Vec<&str> = seen.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(seen.len(), 3, "list, file token, GET: {lines:?}");
    for request in seen {
        assert_eq!(request.header("x-trace"), Some("dl"), "{}", request.line);
        assert!(request.line.contains("trace=dl"), "{}", request.line);
    }

    let before = proxy.seen().len();
    client
        .backups()
        .restore_and_wait("a.zip")
        .header("x-trace", "rs")
        .query("trace", "rs")
        .await
        .unwrap();
    let seen = &proxy.seen()[before..];
    let lines: Vec<&str> = seen.iter().map(|r| r.line.as_str()).collect();
    for what in [
        "GET /api/backups?",
        "POST /api/files/token",
        "GET /api/backups/a.zip",
        "POST /api/backups/a.zip/restore",
        "GET /api/health",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(what)),
            "no {what}: {lines:?}"
        );
    }
    for request in seen {
        // A re-login after the restore is the client's own, not this call's.
        if request.line.contains("/auth-") {
            continue;
        }
        assert_eq!(request.header("x-trace"), Some("rs"), "{}", request.line);
        assert!(request.line.contains("trace=rs"), "{}", request.line);
    }
}

/// A backup holds every secret of the server: downloads are owner-only from the first byte, even
/// under a umask that lets others read new files, and a resumed `.part` is made owner-only too.
#[cfg(unix)]
#[tokio::test]
async fn downloads_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: sets the process's file mode mask; 022 is what most systems use anyway.
    unsafe { libc::umask(0o022) };
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a.zip");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // What the umask gives a new file here: readable by others.
    std::fs::write(dir.path().join("plain"), b"x").unwrap();
    assert_eq!(mode(&dir.path().join("plain")), 0o644);

    let seen_part = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (seen, part) = (seen_part.clone(), dir.path().join("a.zip.part"));
    client
        .backups()
        .download("a.zip")
        .progress(move |_| {
            let m = std::fs::metadata(&part).unwrap().permissions().mode() & 0o777;
            seen.lock().unwrap().get_or_insert(m);
        })
        .to_path(&dest)
        .await
        .unwrap();
    assert_eq!(
        *seen_part.lock().unwrap(),
        Some(0o600),
        "the .part while written"
    );
    assert_eq!(mode(&dest), 0o600);

    // A .part someone left readable (an older version did) is made owner-only when resumed.
    let part = dir.path().join("b.zip.part");
    std::fs::write(&part, b"PK").unwrap();
    std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o644)).unwrap();
    client
        .backups()
        .download("a.zip")
        .resume(true)
        .to_path(dir.path().join("b.zip"))
        .await
        .unwrap();
    assert_eq!(mode(&dir.path().join("b.zip")), 0o600);
}
