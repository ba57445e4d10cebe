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
