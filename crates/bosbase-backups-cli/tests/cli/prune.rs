//! Rotation: which backups prune keeps, and what it never deletes.

use bosbase_backups_tests::TestServer;

use crate::{cli, keys, run};

/// Creates backups in this order (oldest first), so that their modification times differ.
fn create(server: &TestServer, names: &[&str]) {
    for name in names {
        run(cli(server), &["create", name]).ok();
        // The server's times have millisecond resolution: keep them apart.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn keeps_the_newest_n_of_the_matching_ones() {
    let server = TestServer::start();
    create(
        &server,
        &[
            "nightly_1.zip",
            "manual_a.zip",
            "nightly_2.zip",
            "nightly_3.zip",
            "nightly_4.zip",
        ],
    );
    // Dry run: lists, deletes nothing, needs no --yes.
    let dry = run(
        cli(&server),
        &[
            "prune",
            "--keep-last",
            "2",
            "--match",
            "nightly_*.zip",
            "--dry-run",
        ],
    );
    assert_eq!(dry.ok(), "nightly_2.zip\nnightly_1.zip\n");
    assert!(
        dry.stderr
            .contains("dry run: would delete 2 backups of 4 matching, keeping the newest 2"),
        "{dry:#?}"
    );
    assert_eq!(keys(&server).len(), 5);
    let json = run(
        cli(&server),
        &[
            "prune",
            "--keep-last",
            "2",
            "--match",
            "nightly_*.zip",
            "--dry-run",
            "--json",
        ],
    )
    .json();
    assert_eq!(
        json,
        serde_json::json!({
            "dry_run": true,
            "kept": ["nightly_4.zip", "nightly_3.zip"],
            "deleted": ["nightly_2.zip", "nightly_1.zip"],
        })
    );

    // The real thing: the manual backup does not match and stays although it is older.
    let pruned = run(
        cli(&server),
        &[
            "prune",
            "--keep-last",
            "2",
            "--match",
            "nightly_*.zip",
            "--yes",
        ],
    );
    assert_eq!(pruned.ok(), "nightly_2.zip\nnightly_1.zip\n");
    assert_eq!(
        keys(&server),
        ["manual_a.zip", "nightly_3.zip", "nightly_4.zip"]
    );
    // Nothing more to do.
    let again = run(
        cli(&server),
        &[
            "prune",
            "--keep-last",
            "2",
            "--match",
            "nightly_*.zip",
            "--yes",
            "--json",
        ],
    )
    .json();
    assert_eq!(again["deleted"], serde_json::json!([]));

    // Without --match, every backup counts.
    let all = run(cli(&server), &["prune", "--keep-last", "1", "-y", "--json"]).json();
    assert_eq!(
        all,
        serde_json::json!({
            "dry_run": false,
            "kept": ["nightly_4.zip"],
            "deleted": ["nightly_3.zip", "manual_a.zip"],
        })
    );
    assert_eq!(keys(&server), ["nightly_4.zip"]);
}

#[test]
fn never_deletes_the_only_backup() {
    let server = TestServer::start();
    // An empty server: nothing to do.
    let empty = run(cli(&server), &["prune", "--keep-last", "1", "--yes"]);
    assert_eq!(empty.ok(), "");
    create(&server, &["only.zip"]);
    for args in [
        &["prune", "--keep-last", "1", "--yes"][..],
        &["prune", "--keep-last", "5", "--yes"],
        &["prune", "--keep-last", "1", "--match", "*.zip", "--yes"],
    ] {
        let run = run(cli(&server), args);
        assert_eq!(run.ok(), "", "{args:?}");
        assert!(run.stderr.contains("nothing to prune"), "{run:#?}");
    }
    let zero = run(cli(&server), &["prune", "--keep-last", "0", "--yes"]);
    assert!(zero.fails(2).contains("keep at least 1"));
    assert_eq!(keys(&server), ["only.zip"]);

    // A glob that matches nothing deletes nothing.
    create(&server, &["second.zip"]);
    let none = run(
        cli(&server),
        &[
            "prune",
            "--keep-last",
            "1",
            "--match",
            "weekly_*",
            "--yes",
            "--json",
        ],
    )
    .json();
    assert_eq!(
        none,
        serde_json::json!({"dry_run": false, "kept": [], "deleted": []})
    );
    assert_eq!(keys(&server), ["only.zip", "second.zip"]);
}

#[test]
fn refuses_without_yes_when_it_cannot_ask() {
    let server = TestServer::start();
    create(&server, &["a.zip", "b.zip"]);
    let run = run(cli(&server), &["prune", "--keep-last", "1"]);
    assert!(run.fails(2).contains("pass --yes"));
    assert_eq!(keys(&server), ["a.zip", "b.zip"]);
}
