//! Off-site copies against a real PocketBase and a real S3 server (s3s-fs, SigV4, path-style) or
//! a directory: sync, rerun, refusals, a cut copy, credentials, pull and restore, retention.

use std::path::Path;

use bosbase_backups::Client;
use bosbase_backups::offsite::{Destination, OffsiteError, OffsiteErrorKind, Outcome, Retention};
use bosbase_backups_tests::s3::S3Server;
use bosbase_backups_tests::{TestServer, login, write_backup_zip};
use sha2::{Digest, Sha256};

fn sha256_file(path: &Path) -> String {
    hex(bosbase_backups_tests::sha256_file(path))
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of the server's backup, downloaded.
async fn server_sha(client: &Client, key: &str) -> String {
    let mut bytes = Vec::new();
    client
        .backups()
        .download(key)
        .to_writer(&mut bytes)
        .await
        .unwrap();
    hex(Sha256::digest(&bytes))
}

fn s3_dest(s3: &S3Server, bucket: &str) -> Destination {
    Destination::open_with(&format!("s3://{bucket}/pb"), s3.env()).unwrap()
}

fn outcomes(report: &bosbase_backups::offsite::SyncReport) -> Vec<(String, &'static str)> {
    let mut v: Vec<_> = report
        .copies
        .iter()
        .map(|c| {
            let o = match &c.outcome {
                Outcome::Copied => "copied",
                Outcome::Skipped => "skipped",
                Outcome::WouldCopy => "would_copy",
                Outcome::Failed(_) => "failed",
                _ => "other",
            };
            (c.key.clone(), o)
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn sync_copies_every_backup_byte_exact_and_a_rerun_skips_them() {
    let server = TestServer::start();
    let client = login(&server).await;
    for name in ["a.zip", "b.zip", "c.zip"] {
        client.backups().create(name).await.unwrap();
    }
    let s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = s3_dest(&s3, "offsite");

    let dry = dest.sync(&client).dry_run(true).send().await.unwrap();
    assert_eq!(
        outcomes(&dry),
        [
            ("a.zip".into(), "would_copy"),
            ("b.zip".into(), "would_copy"),
            ("c.zip".into(), "would_copy")
        ]
    );
    assert!(
        dest.list().await.unwrap().is_empty(),
        "a dry run copied something"
    );

    let report = dest.sync(&client).send().await.unwrap();
    assert_eq!(
        outcomes(&report),
        [
            ("a.zip".into(), "copied"),
            ("b.zip".into(), "copied"),
            ("c.zip".into(), "copied")
        ]
    );
    for key in ["a.zip", "b.zip", "c.zip"] {
        let stored = s3.bucket_dir("offsite").join("pb").join(key);
        let expected = server_sha(&client, key).await;
        assert_eq!(
            sha256_file(&stored),
            expected,
            "{key} is not the server's bytes"
        );
        let copy = report.copies.iter().find(|c| c.key == key).unwrap();
        assert_eq!(copy.sha256.as_deref(), Some(expected.as_str()));
    }
    let listed = dest.list().await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.iter().all(|c| c.sha256.is_some()));

    let rerun = dest.sync(&client).send().await.unwrap();
    assert_eq!(
        outcomes(&rerun),
        [
            ("a.zip".into(), "skipped"),
            ("b.zip".into(), "skipped"),
            ("c.zip".into(), "skipped")
        ]
    );
    for copy in dest.list().await.unwrap() {
        dest.verify(&copy.key).await.unwrap();
    }
}

#[tokio::test]
async fn a_changed_destination_object_is_refused_verify_finds_it_and_force_replaces_it() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let dest = Destination::open(&url).unwrap();
    dest.sync(&client).send().await.unwrap();

    // Same size, other bytes: only the SHA-256 tells.
    let object = dir.path().join("a.zip");
    let mut bytes = std::fs::read(&object).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&object, &bytes).unwrap();

    let err = dest.verify("a.zip").await.unwrap_err();
    assert!(
        matches!(err, OffsiteError::ChecksumMismatch { .. }),
        "{err}"
    );
    let report = dest.sync(&client).send().await.unwrap();
    let Outcome::Failed(err) = &report.copies[0].outcome else {
        panic!("a changed object was not refused: {:?}", report.copies[0]);
    };
    assert!(matches!(err, OffsiteError::Conflict { .. }), "{err}");
    assert_eq!(err.kind(), OffsiteErrorKind::Damaged);
    assert!(err.to_string().contains("not overwritten"), "{err}");
    assert_eq!(
        std::fs::read(&object).unwrap(),
        bytes,
        "the object was overwritten"
    );

    let forced = dest.sync(&client).force(true).send().await.unwrap();
    assert_eq!(outcomes(&forced), [("a.zip".into(), "copied")]);
    assert_eq!(sha256_file(&object), server_sha(&client, "a.zip").await);
    dest.verify("a.zip").await.unwrap();
}

#[tokio::test]
async fn the_s3_server_stopped_mid_copy_leaves_no_object_and_a_rerun_completes_byte_exact() {
    let server = TestServer::start();
    let client = login(&server).await;
    let zip = tempfile::NamedTempFile::new().unwrap();
    write_backup_zip(zip.path(), 40).unwrap(); // three 16 MiB parts
    client
        .backups()
        .upload_file(zip.path())
        .name("big.zip")
        .await
        .unwrap();
    let mut s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = s3_dest(&s3, "offsite");

    s3.stop_after_received(20 << 20); // in the second part
    let report = dest.sync(&client).send().await.unwrap();
    let Outcome::Failed(err) = &report.copies[0].outcome else {
        panic!("the copy did not fail: {:?}", report.copies[0]);
    };
    assert_eq!(err.kind(), OffsiteErrorKind::Unreachable, "{err}");
    s3.restart();
    assert!(
        !s3.bucket_dir("offsite").join("pb/big.zip").exists(),
        "a cut copy left an object"
    );
    assert!(dest.list().await.unwrap().is_empty());

    let rerun = dest.sync(&client).send().await.unwrap();
    assert_eq!(outcomes(&rerun), [("big.zip".into(), "copied")]);
    let stored = s3.bucket_dir("offsite").join("pb/big.zip");
    assert_eq!(sha256_file(&stored), sha256_file(zip.path()));
}

#[tokio::test]
async fn wrong_credentials_and_a_missing_bucket_give_clear_errors() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let s3 = S3Server::start();
    s3.create_bucket("offsite");

    let mut env = s3.env();
    for (k, v) in &mut env {
        if *k == "AWS_SECRET_ACCESS_KEY" {
            *v = "not-the-secret".into();
        }
    }
    let dest = Destination::open_with("s3://offsite/pb", env).unwrap();
    let err = dest.sync(&client).send().await.unwrap_err();
    assert_eq!(err.kind(), OffsiteErrorKind::Auth, "{err}");
    assert!(err.to_string().contains("refused the credentials"), "{err}");
    assert!(
        !format!("{err:?}{err}").contains("not-the-secret"),
        "the secret leaked: {err:?}"
    );

    let missing = s3_dest(&s3, "no-such-bucket");
    let err = missing.sync(&client).send().await.unwrap_err();
    assert_eq!(err.kind(), OffsiteErrorKind::NotFound, "{err}");
    assert!(
        err.to_string()
            .contains("not found at s3://no-such-bucket/pb"),
        "{err}"
    );

    let err = Destination::open_with("s3://offsite/pb", [("AWS_REGION", "us-east-1")]);
    // Keys from the environment only: without them nothing is sent anywhere.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        let err = err.unwrap_err();
        assert_eq!(err.kind(), OffsiteErrorKind::Auth, "{err}");
    }
}

#[tokio::test]
async fn a_pull_into_a_fresh_server_then_a_restore_brings_the_data_back() {
    let old = TestServer::start();
    // Data only the old server has: a second superuser.
    old.add_superuser("second@example.com", "another-long-password");
    let old_client = login(&old).await;
    old_client
        .backups()
        .create("before_the_fire.zip")
        .await
        .unwrap();
    let s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = s3_dest(&s3, "offsite");
    dest.sync(&old_client).send().await.unwrap();
    drop(old_client);
    drop(old);

    let new = TestServer::start();
    let client = login(&new).await;
    assert!(
        client
            .auth_with_password("second@example.com", "another-long-password")
            .await
            .is_err()
    );
    let client = login(&new).await;
    let key = dest
        .pull(&client, "before_the_fire.zip")
        .send()
        .await
        .unwrap();
    assert_eq!(key, "before_the_fire.zip");
    client.backups().restore_and_wait(&key).await.unwrap();
    let again = Client::new(new.url()).unwrap();
    again
        .auth_with_password("second@example.com", "another-long-password")
        .await
        .expect("the restored data has the old server's second superuser");
}

#[tokio::test]
async fn a_pull_of_a_damaged_copy_fails_and_leaves_no_backup() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = s3_dest(&s3, "offsite");
    dest.sync(&client).send().await.unwrap();
    // Damage the copy behind the store's back, keeping its size and time, so only the bytes
    // tell (the manifest still describes this object).
    let object = s3.bucket_dir("offsite").join("pb/a.zip");
    let modified = std::fs::metadata(&object).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&object).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 0x55;
    std::fs::write(&object, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&object)
        .unwrap()
        .set_modified(modified)
        .unwrap();

    let err = dest
        .pull(&client, "a.zip")
        .name("pulled.zip")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, OffsiteError::ChecksumMismatch { .. }),
        "{err}"
    );
    let keys: Vec<String> = client
        .backups()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.key)
        .collect();
    assert_eq!(keys, ["a.zip"], "a damaged pull left a backup");
}

#[tokio::test]
async fn retention_keeps_what_restic_would_and_never_the_newest() {
    let server = TestServer::start();
    let client = login(&server).await;
    let keys = ["d1.zip", "d2.zip", "d3.zip", "d4.zip", "d5.zip"];
    for key in keys {
        client.backups().create(key).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let dest = Destination::open(&url).unwrap();
    dest.sync(&client).send().await.unwrap();

    // Backups of five days: 26th 20:00 and 08:00, 25th, 24th, October 31st (times as the manifest keeps
    // them; the server made them all just now).
    let manifest_path = dir.path().join("bosbase-backups.manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let times = [
        "2026-11-26T20:00:00Z",
        "2026-11-26T08:00:00Z",
        "2026-11-25T08:00:00Z",
        "2026-11-24T08:00:00Z",
        "2026-10-31T08:00:00Z",
    ];
    for (key, time) in keys.iter().zip(times) {
        manifest["copies"][key]["modified"] = time.into();
    }
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    // The server's list plays no part: its backups go away.
    for key in keys {
        client.backups().delete(key).await.unwrap();
    }

    let policy = Retention {
        keep_daily: 2,
        ..Retention::default()
    };
    let plan = dest.prune(&policy, true).await.unwrap();
    let names = |v: &[bosbase_backups::offsite::CopyInfo]| {
        v.iter().map(|c| c.key.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&plan.kept), ["d1.zip", "d3.zip"]);
    assert_eq!(names(&plan.removed), ["d2.zip", "d4.zip", "d5.zip"]);
    assert_eq!(
        dest.list().await.unwrap().len(),
        5,
        "a dry run deleted copies"
    );

    let policy = Retention {
        keep_daily: 2,
        keep_monthly: 2,
        ..Retention::default()
    };
    let pruned = dest.prune(&policy, false).await.unwrap();
    assert_eq!(names(&pruned.removed), ["d2.zip", "d4.zip"]);
    assert_eq!(
        names(&dest.list().await.unwrap()),
        ["d1.zip", "d3.zip", "d5.zip"]
    );
    assert!(!dir.path().join("d2.zip").exists());

    let err = dest.prune(&Retention::default(), false).await.unwrap_err();
    assert!(matches!(err, OffsiteError::EmptyPolicy), "{err}");
}

/// The sizes of the multipart parts s3s-fs holds for uploads that were cut (and could not be
/// aborted: the server was down).
fn part_sizes(s3: &S3Server) -> Vec<u64> {
    std::fs::read_dir(s3.root())
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name.starts_with(".upload_id-") && name.contains(".part-"))
                .then(|| e.metadata().unwrap().len())
        })
        .collect()
}

#[tokio::test]
async fn part_size_sets_the_size_of_the_multipart_parts() {
    let server = TestServer::start();
    let client = login(&server).await;
    let zip = tempfile::NamedTempFile::new().unwrap();
    write_backup_zip(zip.path(), 40).unwrap();
    client
        .backups()
        .upload_file(zip.path())
        .name("big.zip")
        .await
        .unwrap();
    for (part_size, mib) in [(None, 16u64), (Some(32usize << 20), 32)] {
        let mut s3 = S3Server::start();
        s3.create_bucket("offsite");
        let dest = s3_dest(&s3, "offsite");
        // One part at a time, cut after 36 MiB: the parts before the cut are whole.
        s3.stop_after_received(36 << 20);
        let mut sync = dest.sync(&client).concurrency(1);
        if let Some(bytes) = part_size {
            sync = sync.part_size(bytes);
        }
        let report = sync.send().await.unwrap();
        assert!(matches!(report.copies[0].outcome, Outcome::Failed(_)));
        let sizes = part_sizes(&s3);
        assert!(!sizes.is_empty(), "no part was stored before the cut");
        assert!(
            sizes.iter().all(|&s| s == mib << 20),
            "parts of {mib} MiB expected: {sizes:?}"
        );
        s3.restart();
    }
}
