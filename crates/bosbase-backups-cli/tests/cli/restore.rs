//! Restores against a real server: the wait, the data really back, failures reported.

use std::time::Duration;

use bosbase_backups_tests::TestServer;

use crate::{
    add_notes, bare, cli, delete_notes, keys, notes, run, superuser_token, write_backup_zip,
};

#[test]
fn restore_waits_and_the_data_comes_back() {
    let server = TestServer::start();
    add_notes(&server, 3);
    run(cli(&server), &["create", "with_notes.zip"]).ok();
    delete_notes(&server);
    assert!(notes(&server).is_empty());

    let restore = run(cli(&server), &["restore", "with_notes.zip", "--yes"]);
    let out = restore.ok();
    assert!(out.starts_with("with_notes.zip: restored"), "{restore:#?}");
    assert!(restore.stderr.contains("waiting for"), "{restore:#?}");
    // Back, without waiting any further: the command returned once the server answered again.
    assert_eq!(notes(&server), ["note 0", "note 1", "note 2"]);
    assert_eq!(keys(&server), ["with_notes.zip"]);

    // Again in JSON, with a token instead of a password.
    delete_notes(&server);
    let mut with_token = bare();
    with_token
        .env("BOSBASE_URL", server.url())
        .env("BOSBASE_TOKEN", superuser_token(&server));
    let json = run(
        with_token,
        &["restore", "with_notes.zip", "--yes", "--json", "-q"],
    );
    assert!(json.stderr.is_empty(), "{json:#?}");
    let json = json.json();
    assert_eq!(json["key"], "with_notes.zip");
    assert_eq!(json["status"], "restored");
    assert!(json["waited_seconds"].as_f64().unwrap() > 0.5, "{json}");
    assert_eq!(notes(&server).len(), 3);
}

#[test]
fn a_restore_that_fails_on_the_server_is_reported() {
    let server = TestServer::start();
    add_notes(&server, 1);
    // A zip the server accepts but cannot restore: no data.db (uploaded past the check).
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("broken.zip");
    write_backup_zip(&zip, &["storage/x.txt"]);
    run(cli(&server), &["upload", zip.to_str().unwrap(), "--force"]).ok();
    // Refused before the restore is asked for: the zip has no data.db.
    let refused = run(cli(&server), &["restore", "broken.zip", "--yes"]);
    let line = refused.fails(10);
    assert!(
        line.contains("data.db: missing") && line.contains("nothing was restored"),
        "{line}"
    );
    // Forced through, the server tries, fails, and says why in its log.
    let restore = run(
        cli(&server),
        &[
            "restore",
            "broken.zip",
            "--yes",
            "--force",
            "--timeout",
            "60",
        ],
    );
    let line = restore.fails(6);
    assert!(line.contains("could not restore"), "{line}");
    assert!(line.contains("data.db"), "{line}");
    // The server kept its data.
    assert_eq!(notes(&server), ["note 0"]);
}

#[test]
fn no_wait_returns_at_once() {
    let server = TestServer::start();
    add_notes(&server, 2);
    run(cli(&server), &["create", "two.zip"]).ok();
    delete_notes(&server);
    let json = run(
        cli(&server),
        &["restore", "two.zip", "--yes", "--no-wait", "--json"],
    )
    .json();
    assert_eq!(
        json,
        serde_json::json!({
            "key": "two.zip", "status": "accepted", "waited_seconds": 0.0, "differences": []
        })
    );
    // It does happen, later.
    std::thread::sleep(Duration::from_secs(2));
    server.wait_healthy(Duration::from_secs(60)).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while notes(&server).len() != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the restore never happened"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_server_that_does_not_come_back_times_out() {
    let mut server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    // Stop the server right after it accepted: the restart never comes.
    let child = cli(&server)
        .args(["restore", "a.zip", "--yes", "--timeout", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The restore starts 1 s after the answer; kill the server before that.
    std::thread::sleep(Duration::from_millis(600));
    server.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Accepted and then killed (exit 9), or killed before it answered (exit 8): never 0.
    let code = output.status.code().unwrap();
    if code == 9 {
        assert!(stderr.contains("no outcome of the restore"), "{stderr}");
        assert!(stderr.contains("has not come back"), "{stderr}");
    } else {
        assert_eq!(code, 8, "{stderr}");
    }
    assert!(output.stdout.is_empty(), "{stderr}");
    assert!(stderr.contains("error: "), "{stderr}");
}
