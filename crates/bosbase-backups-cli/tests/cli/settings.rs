//! `schedule` and `storage`: the server's own backup schedule, and its S3 mode against the
//! harness's S3 server (s3s-fs on loopback).

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use bosbase_backups_tests::TestServer;
use bosbase_backups_tests::s3::S3Server;

use crate::{cli, keys, run, run_with_stdin};

const BUCKET: &str = "pb-backups";

/// `storage s3` pointed at `s3`, the secret from BOSBASE_S3_SECRET.
fn to_s3(server: &TestServer, s3: &S3Server, secret: &str) -> crate::Run {
    let mut cmd = cli(server);
    cmd.env("BOSBASE_S3_SECRET", secret);
    run(
        cmd,
        &[
            "storage",
            "s3",
            "--endpoint",
            &s3.endpoint(),
            "--bucket",
            BUCKET,
            "--region",
            s3.region(),
            "--access-key",
            s3.access_key(),
            "--force-path-style",
        ],
    )
}

/// The objects at the bucket's top level (s3s-fs keeps them as files; `storage test` leaves an
/// empty directory behind, which is no object).
fn objects(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn schedule_shows_sets_and_turns_off() {
    let server = TestServer::start();
    assert_eq!(
        run(cli(&server), &["schedule", "--json"]).json(),
        serde_json::json!({"cron": null, "keep": 3})
    );
    let set = run(
        cli(&server),
        &["schedule", "set", "--cron", "0 3 * * *", "--keep", "7"],
    );
    assert!(set.ok().starts_with("0 3 * * * (UTC): "), "{set:#?}");
    assert!(set.ok().contains("keeping the newest 7"), "{set:#?}");
    assert_eq!(
        run(cli(&server), &["schedule", "--json"]).json(),
        serde_json::json!({"cron": "0 3 * * *", "keep": 7})
    );

    // Refused before any request, with what to write instead: the server has the schedule still.
    let bad = run(
        cli(&server),
        &["schedule", "set", "--cron", "0 3 * * MON", "--keep", "7"],
    );
    let line = bad.fails(2);
    assert!(line.contains("\"MON\" where a number belongs"), "{line}");
    assert!(line.contains("e.g. \"0 3 * * *\""), "{line}");
    let line = run(
        cli(&server),
        &["schedule", "set", "--cron", "@daily", "--keep", "0"],
    )
    .fails(2)
    .to_string();
    assert!(line.contains("--keep 1 or more"), "{line}");
    assert_eq!(
        run(cli(&server), &["schedule", "--json"]).json()["cron"],
        "0 3 * * *"
    );

    let off = run(cli(&server), &["schedule", "off", "--json"]).json();
    assert_eq!(off, serde_json::json!({"cron": null, "keep": 7}));
    assert!(run(cli(&server), &["schedule"]).ok().starts_with("off: "));
}

#[test]
fn every_backup_command_works_on_s3_and_local_backups_come_back() {
    let server = TestServer::start();
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    run(cli(&server), &["create", "local_one.zip"]).ok();
    assert_eq!(
        run(cli(&server), &["storage", "--json"]).json(),
        serde_json::json!({"kind": "local"})
    );

    // The secret is never an argument: without BOSBASE_S3_SECRET, standard input gives it.
    let endpoint = s3.endpoint();
    let args = [
        "storage",
        "s3",
        "--endpoint",
        endpoint.as_str(),
        "--bucket",
        BUCKET,
        "--region",
        s3.region(),
        "--access-key",
        s3.access_key(),
        "--force-path-style",
        "--json",
    ];
    let switched = run_with_stdin(cli(&server), &args, &format!("{}\n", s3.secret_key()));
    assert_eq!(
        switched.json(),
        serde_json::json!({
            "kind": "s3", "endpoint": endpoint, "bucket": BUCKET, "region": s3.region(),
            "access_key": s3.access_key(), "force_path_style": true, "no_longer_listed": 1
        })
    );
    assert!(
        switched
            .stderr
            .contains("warning: 1 backup(s) on the server's disk are no longer listed"),
        "{switched:#?}"
    );
    assert!(
        !switched.stdout.contains(s3.secret_key()) && !switched.stderr.contains(s3.secret_key())
    );
    let shown = run(cli(&server), &["storage"]);
    assert_eq!(
        shown.ok(),
        format!(
            "s3: bucket {BUCKET} at {endpoint} (region {}, access key {}, path-style)\n",
            s3.region(),
            s3.access_key()
        )
    );
    assert_eq!(
        run(cli(&server), &["storage", "test", "--json"]).json(),
        serde_json::json!({"ok": true})
    );

    // Every backup route now works on the bucket; the local backup is not listed.
    assert_eq!(keys(&server), Vec::<String>::new());
    run(cli(&server), &["create", "on_s3.zip"]).ok();
    assert_eq!(objects(&s3.bucket_dir(BUCKET)), ["on_s3.zip"]);
    assert_eq!(keys(&server), ["on_s3.zip"]);
    // A bucket shared with other files lists them too: list skips them, with a note.
    std::fs::write(s3.bucket_dir(BUCKET).join("notes.txt"), b"not a backup").unwrap();
    let listed = run(cli(&server), &["list"]);
    assert!(listed.ok().contains("on_s3.zip") && !listed.ok().contains("notes.txt"));
    assert!(
        listed
            .stderr
            .contains("skipped 1 listed object(s) that are not backup zips")
            && listed.stderr.contains("notes.txt"),
        "{listed:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("on_s3.zip");
    run(
        cli(&server),
        &["download", "on_s3.zip", "-o", path.to_str().unwrap()],
    )
    .ok();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(
        size,
        std::fs::metadata(s3.bucket_dir(BUCKET).join("on_s3.zip"))
            .unwrap()
            .len()
    );
    run(
        cli(&server),
        &["upload", path.to_str().unwrap(), "--name", "uploaded.zip"],
    )
    .ok();
    assert!(s3.bucket_dir(BUCKET).join("uploaded.zip").is_file());

    // Restore from the bucket: the server restarts on the backup's data, whose settings keep S3.
    let restored = run(cli(&server), &["restore", "on_s3.zip", "--yes", "--json"]).json();
    assert_eq!(restored["status"], "restored", "{restored}");
    assert_eq!(
        run(cli(&server), &["storage", "--json"]).json()["kind"],
        "s3"
    );
    run(cli(&server), &["delete", "uploaded.zip", "--yes"]).ok();
    assert!(!s3.bucket_dir(BUCKET).join("uploaded.zip").exists());
    assert_eq!(keys(&server), ["on_s3.zip"]);

    // A wrong secret is saved (the server does not test on save); the test gives its reason.
    to_s3(&server, &s3, "not-the-secret").ok();
    let failed = run(cli(&server), &["storage", "test"]);
    let line = failed.fails(6);
    assert!(
        line.contains("does not work: Failed to test the S3 filesystem"),
        "{line}"
    );
    assert!(
        line.contains("SignatureDoesNotMatch") || line.contains("signature"),
        "{line}"
    );
    assert!(!line.contains("not-the-secret"), "{line}");

    // Back to the disk: the bucket's backup is no longer listed, the local one is again.
    let back = run(cli(&server), &["storage", "local", "--json"]);
    assert_eq!(
        back.json(),
        serde_json::json!({"kind": "local", "no_longer_listed": null})
    );
    assert!(
        back.stderr.contains(&format!(
            "warning: the backups on the S3 bucket {BUCKET} (could not count them)"
        )),
        "{back:#?}"
    );
    assert_eq!(keys(&server), ["local_one.zip"]);
    to_s3(&server, &s3, s3.secret_key()).ok();
    let back = run(cli(&server), &["storage", "local"]);
    assert!(
        back.stderr.contains(&format!(
            "warning: 1 backup(s) on the S3 bucket {BUCKET} are no longer listed"
        )),
        "{back:#?}"
    );
    assert_eq!(back.ok(), "local: on the server's disk (pb_data/backups)\n");
}

#[test]
fn a_schedule_every_minute_makes_backups_and_keeps_the_newest() {
    let server = TestServer::start();
    // Two older scheduled backups, put where the server keeps them: with --keep 2, the next one
    // must push out the oldest.
    let backups = server.data_dir().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let old = [
        "@auto_pb_backup_acme_20200101000000.zip",
        "@auto_pb_backup_acme_20200102000000.zip",
    ];
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("seed.zip");
    crate::write_backup_zip(&zip, &["data.db"]);
    for (i, name) in old.iter().enumerate() {
        let path = backups.join(name);
        std::fs::copy(&zip, &path).unwrap();
        let age = Duration::from_secs(86_400 * (10 - i as u64));
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(SystemTime::now() - age)
            .unwrap();
    }
    run(cli(&server), &["create", "manual.zip"]).ok();
    run(
        cli(&server),
        &["schedule", "set", "--cron", "* * * * *", "--keep", "2"],
    )
    .ok();

    // The server's cron ticks at every full minute: a new backup within about 65 s.
    let started = Instant::now();
    let made = loop {
        let now = keys(&server);
        let new: Vec<String> = now
            .iter()
            .filter(|k| k.starts_with("@auto_pb_backup_") && !old.contains(&k.as_str()))
            .cloned()
            .collect();
        if !new.is_empty() {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(75),
            "no scheduled backup after {:?}: {now:?}\n{}",
            started.elapsed(),
            server.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    run(cli(&server), &["schedule", "off"]).ok();
    // Pruned right after it was made; a moment's grace for the delete.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut now = made;
    while now.contains(&old[0].to_string()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        now = keys(&server);
    }
    let autos: Vec<&String> = now
        .iter()
        .filter(|k| k.starts_with("@auto_pb_backup_"))
        .collect();
    assert_eq!(autos.len(), 2, "cronMaxKeep 2 keeps two: {now:?}");
    assert!(
        !now.contains(&old[0].to_string()),
        "the oldest is pruned: {now:?}"
    );
    assert!(now.contains(&old[1].to_string()), "{now:?}");
    assert!(
        now.contains(&"manual.zip".to_string()),
        "other backups are never pruned: {now:?}"
    );
}
