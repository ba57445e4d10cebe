//! Verify against real servers: server-made backups verify clean with the API's counts, damaged
//! ones are `Error::Damaged` naming the entry (remote and local alike), a remote verify reads only
//! what it needs, and a cut connection is resumed, never taken for damage.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosbase_backups::{Client, CollectionCount, Error, VerifyReport};
use bosbase_backups_tests::{EMAIL, PASSWORD, Seed, TestServer, login};

/// A server with a `notes` collection of 3 records and one of them with a 1 MiB file, and its
/// backup `seeded.zip`.
async fn seeded(server: &TestServer) -> (Seed, PathBuf) {
    let seed = Seed::login(&server.url()).await;
    seed.create_collection("notes").await;
    seed.add_records("notes", 2).await;
    let mut file = Vec::new();
    bosbase_backups_tests::write_incompressible(&mut file, 1).unwrap();
    seed.add_file_record("notes", "a.bin", file).await;
    let zip = seed.create_backup(&server.data_dir(), "seeded.zip").await;
    (seed, zip)
}

fn counts(report: &VerifyReport) -> Vec<(String, String, u64)> {
    let mut out: Vec<_> = report
        .collections
        .iter()
        .map(|c: &CollectionCount| (c.name.clone(), c.kind.clone(), c.records))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_server_made_backup_verifies_clean_with_the_apis_counts() {
    let server = TestServer::start();
    let client = login(&server).await;
    let (seed, zip) = seeded(&server).await;
    let api = seed.collection_counts().await;

    let remote = client.backups().verify("seeded.zip").await.unwrap();
    let full = client
        .backups()
        .verify("seeded.zip")
        .full(true)
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let local = bosbase_backups::verify_file(&zip)
        .full(true)
        .progress(move |p| s.lock().unwrap().push(p))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let last = seen.last().expect("progress was reported");
    assert_eq!(last.transferred, local.bytes_read);
    assert_eq!(last.total, Some(std::fs::metadata(&zip).unwrap().len()));
    assert!(
        seen.windows(2)
            .all(|w| w[0].transferred <= w[1].transferred)
    );

    for report in [&remote, &full, &local] {
        assert_eq!(counts(report), api);
        assert_eq!(report.records("notes"), Some(3));
        assert_eq!(report.superusers, 1);
        let names: Vec<_> = report.databases.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["data.db", "auxiliary.db"]);
        assert!(
            report
                .databases
                .iter()
                .all(|d| d.ok && d.problems.is_empty())
        );
        assert!(report.databases.iter().all(|d| d.size > 4096));
        assert_eq!(report.storage.files, 1, "{report:#?}");
        assert_eq!(report.storage.bytes, 1 << 20);
        assert!(
            report
                .newest_migration
                .as_deref()
                .is_some_and(|m| m.ends_with("_created_notes.js")),
            "{:?}",
            report.newest_migration
        );
    }
    let size = std::fs::metadata(&zip).unwrap().len();
    assert!(!remote.full && full.full);
    // The default fetches the databases, not the 1 MiB file; full reads everything once.
    assert!(remote.bytes_read < 512 * 1024, "{}", remote.bytes_read);
    assert!(
        full.bytes_read >= size && full.bytes_read < size + 128 * 1024,
        "{} of {size}",
        full.bytes_read
    );
    assert!(
        local.bytes_read >= size && local.bytes_read < size + 64 * 1024,
        "a local full verify reads the file once: {} of {size}",
        local.bytes_read
    );
}

/// Each kind of damage, as its own error naming the entry, for a file and on the server.
#[tokio::test]
async fn damaged_backups_are_damage_naming_the_entry() {
    let server = TestServer::start();
    let client = login(&server).await;
    let (_, zip) = seeded(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let data_db = bosbase_backups_tests::zip_entry(&zip, "data.db");
    let mut not_sqlite = b"this is no database ".repeat(400);
    not_sqlite.truncate(8192);
    // Mid-page: half a page past a page boundary, well inside the database.
    let truncated = &data_db[..data_db.len() / 2 / 4096 * 4096 + 2048];

    type Make<'a> = Box<dyn Fn(&Path) + 'a>;
    let cases: Vec<(&str, Make, &str, &str, bool)> = vec![
        (
            "not-sqlite.zip",
            Box::new(|dst| {
                bosbase_backups_tests::replace_entry(&zip, dst, "data.db", Some(&not_sqlite))
            }),
            "data.db",
            "file is not a database",
            false,
        ),
        (
            "truncated.zip",
            Box::new(|dst| {
                bosbase_backups_tests::replace_entry(&zip, dst, "data.db", Some(truncated))
            }),
            "data.db",
            "",
            false,
        ),
        (
            "bad-crc.zip",
            Box::new(|dst| bosbase_backups_tests::corrupt_entry(&zip, dst, "data.db")),
            "data.db",
            "CRC mismatch",
            false,
        ),
        (
            "no-data-db.zip",
            Box::new(|dst| bosbase_backups_tests::replace_entry(&zip, dst, "data.db", None)),
            "data.db",
            "missing",
            false,
        ),
        (
            "bad-storage-crc.zip",
            Box::new(|dst| {
                let name = storage_entry(&zip);
                bosbase_backups_tests::corrupt_entry(&zip, dst, &name)
            }),
            "storage/",
            "CRC mismatch",
            true,
        ),
        (
            "not-a-zip.zip",
            Box::new(|dst| std::fs::write(dst, b"PK\x03\x04 but nothing else").unwrap()),
            "zip",
            "not a readable zip",
            false,
        ),
    ];
    for (key, make, entry, problem, full_only) in cases {
        let path = server.data_dir().join("backups").join(key);
        make(&path);
        let copy = dir.path().join(key);
        std::fs::copy(&path, &copy).unwrap();
        let results = [
            client.backups().verify(key).full(true).await,
            verify_file(&copy, true).await,
            client.backups().verify(key).await,
            verify_file(&copy, false).await,
        ];
        for (i, result) in results.into_iter().enumerate() {
            let full = i < 2;
            if full_only && !full {
                result.unwrap_or_else(|e| panic!("{key}: the default does not read storage: {e}"));
                continue;
            }
            match result {
                Err(Error::Damaged {
                    backup,
                    entry: e,
                    problem: p,
                    ..
                }) => {
                    assert!(e.starts_with(entry), "{key}: entry {e}");
                    assert!(p.contains(problem), "{key}: problem {p}");
                    assert!(backup.contains(key), "{key}: {backup}");
                }
                other => panic!("{key} (full: {full}): {other:?}"),
            }
        }
    }
    // The message names the backup, the entry and the problem, and says what to do.
    let err = client.backups().verify("not-sqlite.zip").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("backup \"not-sqlite.zip\" is damaged: data.db: file is not a database"),
        "{text}"
    );
    // The report shows what was found: data.db's problem, auxiliary.db fine.
    let Error::Damaged {
        report: Some(report),
        ..
    } = err
    else {
        panic!("no report")
    };
    let dbs: Vec<_> = report
        .databases
        .iter()
        .map(|d| (d.name.as_str(), d.ok))
        .collect();
    assert_eq!(dbs, [("data.db", false), ("auxiliary.db", true)]);
    assert!(report.collections.is_empty());
}

async fn verify_file(path: &Path, full: bool) -> bosbase_backups::Result<VerifyReport> {
    bosbase_backups::verify_file(path).full(full).await
}

fn storage_entry(zip: &Path) -> String {
    let archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .find(|n| n.starts_with("storage/") && n.ends_with(".bin"))
        .expect("a storage file")
}

/// A full verify goes on across a server restart (the connection cut, a fresh token, a range from
/// where it stopped), and a server that stays away is a connection error, never damage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_is_resumed_and_never_damage() {
    let server = Arc::new(Mutex::new(TestServer::start()));
    let url = server.lock().unwrap().url();
    let client = Client::new(&url).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    let data_dir = server.lock().unwrap().data_dir();
    let zip = data_dir.join("backups/big.zip");
    // A real backup of the fresh server, with 48 MiB of storage: slow enough to cut.
    let seed = Seed::login(&url).await;
    let base = seed.create_backup(&data_dir, "base.zip").await;
    let mut big = Vec::new();
    bosbase_backups_tests::write_incompressible(&mut big, 48).unwrap();
    bosbase_backups_tests::replace_entry(&base, &zip, "storage/big.bin", Some(&big));

    let cut = Arc::new(AtomicBool::new(false));
    let (c, s) = (cut.clone(), server.clone());
    let report = client
        .backups()
        .verify("big.zip")
        .full(true)
        .progress(move |p| {
            std::thread::sleep(Duration::from_micros(200));
            if p.transferred > 8 << 20 && !c.swap(true, Ordering::SeqCst) {
                let s = s.clone();
                std::thread::spawn(move || {
                    let mut s = s.lock().unwrap();
                    s.kill();
                    std::thread::sleep(Duration::from_millis(500));
                    s.restart();
                });
            }
        })
        .await
        .unwrap();
    assert!(cut.load(Ordering::SeqCst));
    assert_eq!(report.storage.bytes, 48 << 20);

    let cut = Arc::new(AtomicBool::new(false));
    let (c, s) = (cut.clone(), server.clone());
    let err = client
        .backups()
        .verify("big.zip")
        .full(true)
        .progress(move |p| {
            std::thread::sleep(Duration::from_micros(200));
            if p.transferred > 8 << 20 && !c.swap(true, Ordering::SeqCst) {
                let s = s.clone();
                std::thread::spawn(move || s.lock().unwrap().kill());
            }
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport(_)),
        "a server that went away: {err:?}"
    );
}
