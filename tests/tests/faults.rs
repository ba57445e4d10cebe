//! Large backups and faults against real servers: cut downloads resume, restores report their
//! real outcome, busy servers can be waited for, bad files are refused, cut uploads leave nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosbase_backups::{Client, Error};
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer, login, sha256_file};

/// Puts an incompressible file of `mib` MiB straight into the server's backups dir.
fn place_backup(server: &TestServer, key: &str, mib: u64) -> Vec<u8> {
    let path = server.data_dir().join("backups").join(key);
    bosbase_backups_tests::incompressible_file(&path, mib);
    sha256_file(&path)
}

/// A stored zip of the named entries.
fn write_zip(path: &Path, entries: &[&str]) {
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|n| (*n, &b"contents"[..])).collect();
    bosbase_backups_tests::write_zip(path, &entries);
}

/// Uploads, past the client's check, a zip the server accepts but cannot restore.
async fn upload_without_data_db(client: &Client, key: &str) {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join(key);
    write_zip(&zip, &["other.txt"]);
    client
        .backups()
        .upload_file(&zip)
        .force(true)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_survives_a_server_restart() {
    let server = Arc::new(Mutex::new(TestServer::start()));
    let (url, digest) = {
        let s = server.lock().unwrap();
        (s.url(), place_backup(&s, "big.zip", 48))
    };
    let client = Client::new(&url).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.zip");

    // Slow the download down, and kill the server (then start it again on the same port and
    // data) once 8 MiB have arrived.
    let killed = Arc::new(AtomicBool::new(false));
    let (k, s) = (killed.clone(), server.clone());
    let restarts = Arc::new(AtomicU64::new(0));
    let r = restarts.clone();
    // The longest pause between two chunks: the outage, if the download really lived through it.
    let gap = Arc::new(Mutex::new((
        std::time::Instant::now(),
        Duration::ZERO,
        0u64,
    )));
    let g = gap.clone();
    let n = client
        .backups()
        .download("big.zip")
        .progress(move |p| {
            let mut g = g.lock().unwrap();
            g.1 = g.1.max(g.0.elapsed());
            g.0 = std::time::Instant::now();
            // About 40 MB/s, whatever the chunk sizes: the rest of the download outlasts the kill.
            let chunk = p.transferred - g.2;
            g.2 = p.transferred;
            drop(g);
            std::thread::sleep(Duration::from_nanos(chunk * 25));
            if p.transferred > 8 << 20 && !k.swap(true, Ordering::SeqCst) {
                let s = s.clone();
                let r = r.clone();
                std::thread::spawn(move || {
                    let mut s = s.lock().unwrap();
                    s.kill();
                    std::thread::sleep(Duration::from_millis(500));
                    s.restart();
                    r.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
        .to_path(&dest)
        .await
        .unwrap();
    assert!(killed.load(Ordering::SeqCst));
    assert_eq!(
        restarts.load(Ordering::SeqCst),
        1,
        "the server was restarted"
    );
    let outage = gap.lock().unwrap().1;
    assert!(
        outage >= Duration::from_millis(400),
        "the download went on across the outage: {outage:?}"
    );
    assert_eq!(n, 48 << 20);
    assert_eq!(sha256_file(&dest), digest);
    assert!(!dir.path().join("big.zip.part").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_download_keeps_its_part_and_resumes_later() {
    let mut server = TestServer::start();
    let digest = place_backup(&server, "big.zip", 32);
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.zip");

    // Kill the server for good a quarter of the way in.
    let stop = Arc::new(AtomicBool::new(false));
    let st = stop.clone();
    let kill_at = 8u64 << 20;
    let download = {
        let client = client.clone();
        let dest = dest.clone();
        tokio::spawn(async move {
            client
                .backups()
                .download("big.zip")
                .max_attempts(2)
                .progress(move |p| {
                    if p.transferred > kill_at {
                        st.store(true, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
                .to_path(&dest)
                .await
        })
    };
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let err = download.await.unwrap().unwrap_err();
    let Error::Interrupted {
        written,
        part: Some(part),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(*written > kill_at, "{written}");
    assert_eq!(std::fs::metadata(part).unwrap().len(), *written);
    assert!(!dest.exists(), "no truncated file at the destination");
    let message = err.to_string();
    assert!(
        message.contains("resume") && message.contains(".part"),
        "{message}"
    );

    server.restart();
    let first = Arc::new(Mutex::new(None));
    let f = first.clone();
    client
        .backups()
        .download("big.zip")
        .resume(true)
        .progress(move |p| {
            f.lock().unwrap().get_or_insert(p.transferred);
        })
        .to_path(&dest)
        .await
        .unwrap();
    assert!(
        first.lock().unwrap().unwrap() > kill_at,
        "went on from the partial file"
    );
    assert_eq!(sha256_file(&dest), digest);
}

#[tokio::test]
async fn restore_and_wait_reports_success_and_the_data_comes_back() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("snapshot.zip").await.unwrap();
    server.add_superuser("later@example.com", "added-after-the-backup");

    let report = client
        .backups()
        .restore_and_wait("snapshot.zip")
        .await
        .unwrap();
    assert_eq!(report.key, "snapshot.zip");
    assert!(report.authorized);
    // The superuser added after the backup is gone: the data is the backup's.
    let later = Client::new(server.url()).unwrap();
    assert!(
        later
            .auth_with_password("later@example.com", "added-after-the-backup")
            .await
            .is_err()
    );
    assert!(
        server.log().matches("Server started").count() >= 2,
        "the server restarted"
    );
}

#[tokio::test]
async fn a_zip_without_data_db_is_refused_before_the_restore() {
    let server = TestServer::start();
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("nodb.zip");
    write_zip(&zip, &["other.txt", "storage/data.db"]);
    client
        .backups()
        .upload_file(&zip)
        .force(true)
        .await
        .unwrap();

    let err = client
        .backups()
        .restore_and_wait("nodb.zip")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotABackup { .. }), "{err:?}");
    assert!(err.to_string().contains("data.db"), "{err}");
    // No restore was even asked for.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!server.log().contains("restore"), "{}", server.log());
    assert_eq!(server.log().matches("Server started").count(), 1);
}

#[tokio::test]
async fn a_broken_backup_forced_through_reports_the_servers_reason() {
    let server = TestServer::start();
    let client = login(&server).await;
    upload_without_data_db(&client, "broken.zip").await;

    let err = client
        .backups()
        .restore_and_wait("broken.zip")
        .skip_check()
        .timeout(Duration::from_secs(60))
        .await
        .unwrap_err();
    match &err {
        Error::RestoreFailed { key, reason } => {
            assert_eq!(key, "broken.zip");
            assert!(reason.contains("data.db"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Still on the old data, and usable.
    assert!(
        bosbase_backups_tests::keys(&client)
            .await
            .contains(&"broken.zip".to_string())
    );
}

#[tokio::test]
async fn a_restore_that_never_finishes_is_a_timeout_not_a_success() {
    let server = TestServer::start();
    let client = login(&server).await;
    upload_without_data_db(&client, "broken.zip").await;
    // Too short to see the failure in the batched log: the outcome is unknown, so an error.
    let err = client
        .backups()
        .restore_and_wait("broken.zip")
        .skip_check()
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RestoreTimeout {
                restarted: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn busy_create_can_wait_for_the_running_backup() {
    let server = TestServer::start();
    // A backup of 300 MiB of incompressible data takes a few seconds.
    place_backup(&server, "../storage/big.bin", 300);
    let client = login(&server).await;
    let running = {
        let client = client.clone();
        tokio::spawn(async move { client.backups().create("slow.zip").await })
    };
    while client.health().await.unwrap().can_backup() != Some(false) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = client.backups().create("fails.zip").await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    client
        .backups()
        .create("waits.zip")
        .wait_if_busy(Duration::from_secs(120))
        .await
        .unwrap();
    running.await.unwrap().unwrap();
    let keys = bosbase_backups_tests::keys(&client).await;
    assert!(
        keys.contains(&"waits.zip".to_string()) && keys.contains(&"slow.zip".to_string()),
        "{keys:?}"
    );
}

#[tokio::test]
async fn uploads_refuse_files_that_are_not_backups() {
    let server = TestServer::start();
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let nodb = dir.path().join("nodb.zip");
    write_zip(&nodb, &["readme.txt"]);
    let text = dir.path().join("text.zip");
    std::fs::write(
        &text,
        "just text, long enough to look for a zip end record in it",
    )
    .unwrap();
    for (path, why) in [(&nodb, "without data.db"), (&text, "not a zip")] {
        let err = client.backups().upload_file(path).await.unwrap_err();
        assert!(matches!(err, Error::NotABackup { .. }), "{err:?}");
        assert!(err.to_string().contains(why), "{err}");
    }
    assert!(
        client.backups().list().await.unwrap().is_empty(),
        "nothing was sent"
    );
    let missing = client
        .backups()
        .upload_file(dir.path().join("missing.zip"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
    // The override.
    client
        .backups()
        .upload_file(&nodb)
        .force(true)
        .await
        .unwrap();
}

/// Yields `ok` bytes of a zip-looking body, then fails.
struct CutReader {
    ok: usize,
}

impl tokio::io::AsyncRead for CutReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.ok == 0 {
            return std::task::Poll::Ready(Err(std::io::Error::other("the disk went away")));
        }
        let n = self.ok.min(buf.remaining()).min(64 * 1024);
        let mut chunk = vec![0u8; n];
        chunk[..2.min(n)].copy_from_slice(&b"PK"[..2.min(n)]);
        buf.put_slice(&chunk);
        self.ok -= n;
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_cut_upload_fails_and_leaves_nothing_on_the_server() {
    let server = TestServer::start();
    let client = login(&server).await;
    let err = client
        .backups()
        .upload(CutReader { ok: 4 << 20 }, 16 << 20, "cut.zip")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(client.backups().list().await.unwrap().is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(server.data_dir().join("backups"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn an_upload_under_a_taken_name_is_refused_before_sending() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("taken.zip").await.unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let s = sent.clone();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("taken.zip");
    write_zip(&zip, &["data.db"]);
    let err = client
        .backups()
        .upload_file(&zip)
        .progress(move |p| s.store(p.transferred, Ordering::SeqCst))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(sent.load(Ordering::SeqCst), 0);
}

/// The server cuts a silent connection after 60 s; that must not pass for a restart (a large
/// restore takes longer than that), while a real exit must be seen at once.
#[tokio::test]
async fn the_restart_watch_outlives_the_idle_cut_and_sees_an_exit() {
    let mut server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    let watch = bosbase_backups::RestartWatch::start(&client).await.unwrap();
    tokio::time::sleep(Duration::from_secs(65)).await;
    assert!(!watch.restarted(), "the idle cut was taken for an exit");
    server.kill();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !watch.restarted() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the exit was not seen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
