//! `verify`, of a backup on the server and of a local file: the summary, the JSON, and damage as
//! exit code 10 with the entry and the problem.

use bosbase_backups_tests::TestServer;

use crate::{add_notes, cli, run};

#[test]
fn a_server_backup_verifies_with_its_collections() {
    let server = TestServer::start();
    add_notes(&server, 3);
    run(cli(&server), &["create", "notes.zip"]).ok();

    let human = run(cli(&server), &["verify", "notes.zip"]);
    let out = human.ok();
    assert!(out.starts_with("notes.zip: ok (databases checked"), "{out}");
    assert!(
        out.contains("data.db") && out.contains("auxiliary.db"),
        "{out}"
    );
    let notes_line = out.lines().find(|l| l.contains("notes (base)")).unwrap();
    assert!(notes_line.ends_with(" 3 records"), "{out}");

    let json = run(cli(&server), &["verify", "notes.zip", "--full", "--json"]).json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["full"], true);
    assert_eq!(json["damage"], serde_json::Value::Null);
    let notes = json["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "notes")
        .unwrap();
    assert_eq!(notes["type"], "base");
    assert_eq!(notes["records"], 3);
    assert_eq!(json["databases"][0]["name"], "data.db");
    assert_eq!(json["databases"][0]["ok"], true);

    // The same backup as a local file: no server needed.
    let path = server.data_dir().join("backups/notes.zip");
    let local = run(
        crate::bare(),
        &["verify", "--file", path.to_str().unwrap(), "--json"],
    )
    .json();
    assert_eq!(local["collections"], json["collections"]);
}

#[test]
fn a_damaged_backup_exits_10_naming_the_entry() {
    let server = TestServer::start();
    add_notes(&server, 1);
    run(cli(&server), &["create", "notes.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let good = server.data_dir().join("backups/notes.zip");
    let bad = dir.path().join("bad.zip");
    bosbase_backups_tests::replace_entry(&good, &bad, "data.db", Some(&[7u8; 8192]));
    std::fs::copy(&bad, server.data_dir().join("backups/bad.zip")).unwrap();

    for args in [
        vec!["verify", "bad.zip"],
        vec!["verify", "--file", bad.to_str().unwrap()],
    ] {
        let r = run(cli(&server), &args);
        let line = r.fails(10);
        assert!(
            line.contains("is damaged: data.db: file is not a database"),
            "{line}"
        );
        assert!(r.stdout.contains("DAMAGED"), "{r:#?}");
    }
    let r = run(cli(&server), &["verify", "bad.zip", "--json"]);
    r.fails(10);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["damage"]["entry"], "data.db");
    assert_eq!(json["databases"][0]["ok"], false);
    assert_eq!(json["databases"][1]["ok"], true, "auxiliary.db is fine");

    // No key and no file is a usage error; a missing key is not found.
    run(cli(&server), &["verify"]).fails(2);
    run(cli(&server), &["verify", "missing.zip"]).fails(4);
}

/// A collection created after the backup comes back after the restore (automigrate): exit 11,
/// naming it; the question's summary showed what the backup brings back.
#[test]
fn a_restore_with_differences_exits_11() {
    let server = TestServer::start();
    add_notes(&server, 2);
    run(cli(&server), &["create", "two.zip"]).ok();
    // `posts`, created through the API: automigrate writes pb_migrations/*_created_posts.js.
    let token = crate::superuser_token(&server);
    let (status, body) = crate::http(
        &server,
        "POST",
        "/api/collections",
        Some(&token),
        Some(serde_json::json!({"name": "posts", "type": "base"})),
    );
    assert_eq!(status, 200, "{body}");

    let r = run(cli(&server), &["restore", "two.zip", "--yes", "--json"]);
    let line = r.fails(11);
    assert!(line.contains("collection posts"), "{line}");
    assert!(line.contains("pb_migrations"), "{line}");
    assert!(r.stderr.contains("notes (base)"), "the summary: {r:#?}");
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["status"], "restored");
    let differences = json["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{json}");
    assert!(
        differences[0]
            .as_str()
            .unwrap()
            .starts_with("collection posts (base, 0 records) is on the server"),
        "{json}"
    );
    // The data is the backup's all the same.
    assert_eq!(crate::notes(&server).len(), 2);
}

/// download --verify checks the file before it is renamed into place: a good one arrives, a
/// damaged one exits 10 and leaves nothing.
#[test]
fn download_verify_leaves_no_damaged_file() {
    let server = TestServer::start();
    add_notes(&server, 1);
    run(cli(&server), &["create", "good.zip"]).ok();
    let good = server.data_dir().join("backups/good.zip");
    bosbase_backups_tests::replace_entry(
        &good,
        &server.data_dir().join("backups/bad.zip"),
        "data.db",
        Some(&[7u8; 8192]),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    run(
        cli(&server),
        &["download", "good.zip", "-o", out, "--verify"],
    )
    .ok();
    assert!(dir.path().join("good.zip").is_file());

    let line = run(
        cli(&server),
        &["download", "bad.zip", "-o", out, "--verify"],
    )
    .fails(10)
    .to_string();
    assert!(line.contains("data.db: file is not a database"), "{line}");
    assert!(!dir.path().join("bad.zip").exists());
    assert!(!dir.path().join("bad.zip.part").exists());
    // Without --verify, the same bytes arrive: the option is what refused them.
    run(cli(&server), &["download", "bad.zip", "-o", out]).ok();
    assert!(dir.path().join("bad.zip").is_file());
}
