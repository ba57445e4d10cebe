//! `sync`, `offsite list|verify|prune` and `pull` against a real PocketBase and a real S3 server
//! (s3s-fs): the lines cron mails, the JSON, and the exit codes.

use std::process::Command;

use bosbase_backups_tests::TestServer;
use bosbase_backups_tests::s3::S3Server;

use crate::{cli, keys, run};

/// The binary logged in to `server`, with `s3`'s credentials in the environment.
fn with_s3(server: &TestServer, s3: &S3Server) -> Command {
    let mut cmd = cli(server);
    cmd.envs(s3.env());
    cmd
}

fn damage(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn sync_prints_a_line_per_backup_and_list_verify_and_pull_work_from_s3() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    run(cli(&server), &["create", "b.zip"]).ok();
    let s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = "s3://offsite/pb";

    let first = run(with_s3(&server, &s3), &["sync", dest]);
    let mut lines: Vec<&str> = first.ok().lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 2, "{first:#?}");
    assert!(lines[0].starts_with("copied a.zip "), "{first:#?}");
    assert!(lines[1].starts_with("copied b.zip "), "{first:#?}");
    let again = run(with_s3(&server, &s3), &["sync", dest]);
    assert!(
        again.ok().lines().all(|l| l.starts_with("skipped ")),
        "{again:#?}"
    );

    let listed = run(with_s3(&server, &s3), &["offsite", "list", dest, "--json"]).json();
    let copies = listed.as_array().unwrap();
    assert_eq!(copies.len(), 2, "{listed}");
    for copy in copies {
        assert_eq!(copy.as_object().unwrap().len(), 3, "{copy}");
        assert_eq!(copy["sha256"].as_str().unwrap().len(), 64, "{copy}");
        assert!(copy["size"].as_u64().unwrap() > 0);
    }
    let verified = run(with_s3(&server, &s3), &["offsite", "verify", dest]);
    assert_eq!(
        verified
            .ok()
            .lines()
            .filter(|l| l.starts_with("ok "))
            .count(),
        2
    );

    let pulled = run(
        with_s3(&server, &s3),
        &["pull", dest, "a.zip", "--name", "back.zip"],
    );
    assert_eq!(pulled.ok(), "back.zip\n");
    assert_eq!(keys(&server), ["a.zip", "b.zip", "back.zip"]);
}

#[test]
fn exit_codes_damaged_10_credentials_3_missing_bucket_4_unreachable_8_usage_2() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    let mut s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = "s3://offsite/pb";
    run(with_s3(&server, &s3), &["sync", dest]).ok();
    // Changed behind s3s-fs's back: its ETag comes from its own records, so only the time (HEAD
    // has whole seconds) tells sync that the object is not the one it copied. verify reads it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    damage(&s3.bucket_dir("offsite").join("pb/a.zip"));

    let verify = run(with_s3(&server, &s3), &["offsite", "verify", dest]);
    verify.fails(10);
    assert!(verify.stderr.contains("is damaged"), "{verify:#?}");
    let sync = run(with_s3(&server, &s3), &["sync", dest]);
    let line = sync.fails(10).to_string();
    assert!(line.contains("1 of 1 backups failed"), "{sync:#?}");
    assert!(sync.stderr.contains("not overwritten"), "{sync:#?}");
    let pull = run(
        with_s3(&server, &s3),
        &["pull", dest, "a.zip", "--name", "damaged.zip"],
    );
    pull.fails(10);
    assert_eq!(keys(&server), ["a.zip"], "a damaged pull left a backup");

    let mut wrong = with_s3(&server, &s3);
    wrong.env("AWS_SECRET_ACCESS_KEY", "wrong-secret");
    let refused = run(wrong, &["offsite", "list", dest]);
    assert!(
        refused.fails(3).contains("refused the credentials"),
        "{refused:#?}"
    );
    assert!(!format!("{refused:?}").contains("wrong-secret"));
    let mut none = cli(&server);
    none.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    run(none, &["offsite", "list", dest]).fails(3);

    let missing = run(with_s3(&server, &s3), &["sync", "s3://no-such-bucket/pb"]);
    assert!(missing.fails(4).contains("not found"), "{missing:#?}");
    run(with_s3(&server, &s3), &["sync", "ftp://host/x"]).fails(2);
    run(with_s3(&server, &s3), &["offsite", "prune", dest]).fails(2);
    run(
        with_s3(&server, &s3),
        &["offsite", "prune", dest, "--keep-last", "1"],
    )
    .fails(2);

    s3.stop();
    let unreachable = run(with_s3(&server, &s3), &["sync", dest]);
    assert!(
        unreachable.fails(8).contains("cannot reach"),
        "{unreachable:#?}"
    );
}

#[test]
fn sync_with_keep_prunes_the_destination_and_file_urls_work() {
    let server = TestServer::start();
    for name in ["n1.zip", "n2.zip", "n3.zip"] {
        run(cli(&server), &["create", name]).ok();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = format!("file://{}", dir.path().display());
    let dry = run(
        cli(&server),
        &["sync", &dest, "--keep-last", "2", "--dry-run", "--json"],
    )
    .json();
    assert_eq!(dry["copies"].as_array().unwrap().len(), 3, "{dry}");
    assert!(
        dry["copies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "would_copy")
    );
    assert!(!dir.path().join("n1.zip").exists());
    let only = run(cli(&server), &["sync", &dest, "--match", "n2*", "--json"]).json();
    assert_eq!(only["copies"].as_array().unwrap().len(), 1, "{only}");
    assert_eq!(only["copies"][0]["key"], "n2.zip");
    assert!(dir.path().join("n2.zip").exists() && !dir.path().join("n3.zip").exists());
    run(cli(&server), &["sync", &dest, "--part-size", "8"]).fails(2);

    let synced = run(cli(&server), &["sync", &dest, "--keep-last", "2", "--json"]).json();
    assert_eq!(
        synced["pruned"]["deleted"],
        serde_json::json!(["n1.zip"]),
        "{synced}"
    );
    assert_eq!(
        synced["pruned"]["kept"],
        serde_json::json!(["n3.zip", "n2.zip"]),
        "{synced}"
    );
    assert!(!dir.path().join("n1.zip").exists());
    assert!(dir.path().join("n3.zip").exists());
    // The server keeps all three: retention is the destination's.
    assert_eq!(keys(&server), ["n1.zip", "n2.zip", "n3.zip"]);
}
