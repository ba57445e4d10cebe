//! Restores that cannot take the server down, against real servers: damaged backups are refused
//! before anything is sent and the server keeps running on its data; a restored server is compared
//! with the backup (collections, record counts), and what automigrate applies on top is named; a
//! server that dies on a restore (past the check) is reported with where its old data is.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bosbase_backups::{Difference, Error};
use bosbase_backups_tests::{Seed, TestServer, login};

/// The API's record count of `collection`.
async fn records(seed: &Seed, collection: &str) -> Option<u64> {
    seed.collection_counts()
        .await
        .into_iter()
        .find(|(name, _, _)| name == collection)
        .map(|(_, _, n)| n)
}

#[tokio::test]
async fn a_good_restore_matches_the_backup() {
    let server = TestServer::start();
    let client = login(&server).await;
    let seed = Seed::login(&server.url()).await;
    seed.create_collection("notes").await;
    seed.add_records("notes", 3).await;
    seed.create_backup(&server.data_dir(), "three.zip").await;
    seed.add_records("notes", 2).await;

    let fetched = Arc::new(AtomicU64::new(0));
    let f = fetched.clone();
    let report = client
        .backups()
        .restore_and_wait("three.zip")
        .timeout(Duration::from_secs(60))
        .progress(move |p| f.store(p.transferred, Ordering::SeqCst))
        .await
        .unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    let verified = report.verified.expect("verified before the restore");
    assert_eq!(verified.records("notes"), Some(3));
    assert_eq!(fetched.load(Ordering::SeqCst), verified.bytes_read);
    let seed = Seed::login(&server.url()).await;
    assert_eq!(records(&seed, "notes").await, Some(3));

    // A report given to compare with is the one compared with: one of five notes.
    seed.add_records("notes", 2).await;
    seed.create_backup(&server.data_dir(), "five.zip").await;
    let five = client.backups().verify("five.zip").await.unwrap();
    let report = client
        .backups()
        .restore_and_wait("three.zip")
        .verified(five)
        .timeout(Duration::from_secs(60))
        .await
        .unwrap();
    let text: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        ["collection notes has 3 records on the server, 5 in the backup"]
    );
}

/// Each kind of damage is refused before the restore is asked for: the server keeps running on
/// its data (it would die on the first two, and refuse the other two itself).
#[tokio::test]
async fn damaged_backups_are_refused_and_the_server_keeps_its_data() {
    let server = TestServer::start();
    let client = login(&server).await;
    let seed = Seed::login(&server.url()).await;
    seed.create_collection("notes").await;
    seed.add_records("notes", 3).await;
    let good = seed.create_backup(&server.data_dir(), "good.zip").await;
    let data_db = bosbase_backups_tests::zip_entry(&good, "data.db");
    let dir = tempfile::tempdir().unwrap();

    let not_sqlite = vec![b'x'; 8192];
    let truncated = data_db[..data_db.len() / 2 / 4096 * 4096 + 2048].to_vec();
    for (key, entry) in [
        ("not-sqlite.zip", "data.db"),
        ("truncated.zip", "data.db"),
        ("bad-crc.zip", "data.db"),
        ("no-data-db.zip", "data.db"),
    ] {
        let path = dir.path().join(key);
        match key {
            "not-sqlite.zip" => {
                bosbase_backups_tests::replace_entry(&good, &path, "data.db", Some(&not_sqlite))
            }
            "truncated.zip" => {
                bosbase_backups_tests::replace_entry(&good, &path, "data.db", Some(&truncated))
            }
            "bad-crc.zip" => bosbase_backups_tests::corrupt_entry(&good, &path, "data.db"),
            _ => bosbase_backups_tests::replace_entry(&good, &path, "data.db", None),
        }
        // An upload checks too: force it past that, as someone might.
        let refused = client.backups().upload_file(&path).await.unwrap_err();
        assert!(matches!(refused, Error::Damaged { .. }), "{refused:?}");
        client
            .backups()
            .upload_file(&path)
            .force(true)
            .await
            .unwrap();

        let err = client
            .backups()
            .restore_and_wait(key)
            .timeout(Duration::from_secs(30))
            .await
            .unwrap_err();
        match &err {
            Error::Damaged { entry: e, .. } => assert_eq!(e, entry, "{key}: {err}"),
            other => panic!("{key}: {other:?}"),
        }
        // Healthy, on its old data, and it never restarted.
        server.wait_healthy(Duration::from_secs(1)).unwrap();
        assert_eq!(records(&seed, "notes").await, Some(3), "{key}");
    }
    assert_eq!(server.log().matches("Server started").count(), 1);
}

/// A collection created after the backup comes back after the restore (automigrate's migration
/// file is applied again on restart): the report names it instead of plain success.
#[tokio::test]
async fn migrations_applied_on_top_are_reported() {
    let server = TestServer::start();
    let client = login(&server).await;
    let seed = Seed::login(&server.url()).await;
    seed.create_backup(&server.data_dir(), "before.zip").await;
    seed.create_collection("posts").await;

    let report = client
        .backups()
        .restore_and_wait("before.zip")
        .timeout(Duration::from_secs(60))
        .await
        .unwrap();
    let extra: Vec<_> = report
        .differences
        .iter()
        .filter_map(|d| match d {
            Difference::ExtraCollection(c) => Some(c.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(extra, ["posts"], "{:?}", report.differences);
    assert!(report.verified.unwrap().records("posts").is_none());
}

/// Past the check (skip_check), a backup whose data.db is not a database takes the server down
/// for good: the timeout says where the old data is, and it is there.
#[tokio::test]
async fn a_server_that_dies_on_a_restore_is_told_where_its_old_data_is() {
    let mut server = TestServer::start();
    let client = login(&server).await;
    let seed = Seed::login(&server.url()).await;
    let good = seed.create_backup(&server.data_dir(), "good.zip").await;
    let bad = server.data_dir().join("backups/bad.zip");
    bosbase_backups_tests::replace_entry(&good, &bad, "data.db", Some(&[b'x'; 8192]));

    let err = client
        .backups()
        .restore_and_wait("bad.zip")
        .skip_check()
        .timeout(Duration::from_secs(15))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RestoreTimeout {
                restarted: true,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("pb_data/.pb_temp_to_delete/old_pb_data_"),
        "{text}"
    );
    let kept = std::fs::read_dir(server.data_dir().join(".pb_temp_to_delete"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("old_pb_data_")
        })
        .expect("the old data is kept");
    assert!(kept.join("data.db").is_file());
    // The backups stay where they were: the hint says to keep them.
    assert!(!kept.join("backups").exists());
    assert!(server.data_dir().join("backups/good.zip").is_file());
    assert!(
        server.log().contains("file is not a database"),
        "{}",
        server.log()
    );
    server.kill();
}
