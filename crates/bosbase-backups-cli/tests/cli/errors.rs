//! Failures: one `error:` line on stderr, nothing on stdout, the documented exit code, no secret.

use std::time::{Duration, Instant};

use bosbase_backups_tests::{PASSWORD, TestServer};

use crate::{bare, cli, keys, run, run_with_stdin, superuser_token, write_backup_zip};

/// Nothing listens there: anything that fails with 2 (not 8) did not try to connect.
const DEAD: &str = "http://127.0.0.1:9";

fn dead() -> std::process::Command {
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", DEAD)
        .env("BOSBASE_EMAIL", "admin@example.com")
        .env("BOSBASE_PASSWORD", "whatever-password");
    cmd
}

#[test]
fn bad_input_fails_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.zip");
    std::fs::write(&text, "not a zip at all").unwrap();
    let no_db = dir.path().join("nodb.zip");
    write_backup_zip(&no_db, &["storage/x.txt"]);
    let bad_name = dir.path().join("Bad Name.zip");
    write_backup_zip(&bad_name, &["data.db"]);
    let missing = dir.path().join("missing.zip");
    let (text, no_db, bad_name, missing) = (
        text.to_str().unwrap(),
        no_db.to_str().unwrap(),
        bad_name.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let cases: &[(&[&str], i32, &str)] = &[
        (&["create", "Bad.zip"], 2, "invalid backup name \"Bad.zip\""),
        (&["create", "backup.tar"], 2, "must end in \".zip\""),
        (&["upload", text], 2, "not a zip file"),
        (&["upload", no_db], 2, "without data.db"),
        (
            &["upload", bad_name],
            2,
            "give the backup a valid one with --name",
        ),
        (
            &["upload", no_db, "--name", "UP.zip"],
            2,
            "invalid backup name",
        ),
        (&["upload", missing], 7, "No such file"),
        (
            &["upload", dir.path().to_str().unwrap()],
            2,
            "is not a file",
        ),
        (
            &["delete", "ok.zip", "../data.db", "--yes"],
            2,
            "path separator",
        ),
        (&["download", "a/b.zip"], 2, "invalid backup key"),
        (&["restore", "..", "--yes"], 2, "names a directory"),
        (&["url", ""], 2, "it is empty"),
        (
            &["delete", "a.zip"],
            2,
            "standard input is not a terminal; pass --yes",
        ),
        (
            &["restore", "a.zip"],
            2,
            "standard input is not a terminal; pass --yes",
        ),
        (
            &["prune", "--keep-last", "3"],
            2,
            "standard input is not a terminal; pass --yes",
        ),
        (
            &["prune", "--keep-last", "0", "--yes"],
            2,
            "keep at least 1",
        ),
        (
            &["prune", "--keep-last", "1", "--match", "a[", "--yes"],
            2,
            "invalid --match glob",
        ),
        (
            &["restore", "a.zip", "--yes", "--timeout", "0"],
            2,
            "--timeout 0",
        ),
    ];
    for (args, code, needle) in cases {
        let run = run(dead(), args);
        let line = run.fails(*code);
        assert!(line.contains(needle), "{args:?}: {line}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:#?}");
    }
    // The same file goes up with --force (then it is the server that refuses, or not).
    let forced = run(dead(), &["upload", text, "--force"]);
    forced.fails(8);
}

#[test]
fn auth_failures_exit_3() {
    let server = TestServer::start();
    let url = server.url();
    let mut wrong = bare();
    wrong
        .env("BOSBASE_URL", &url)
        .env("BOSBASE_EMAIL", "admin@example.com")
        .env("BOSBASE_PASSWORD", "wrong-password-123");
    let run1 = run(wrong, &["list"]);
    let line = run1.fails(3);
    assert!(line.contains("Failed to authenticate"), "{line}");
    assert!(!run1.stderr.contains("wrong-password-123"), "{run1:#?}");

    let mut none = bare();
    none.env("BOSBASE_URL", &url);
    assert!(run(none, &["list"]).fails(3).contains("no credentials"));

    let mut no_password = bare();
    no_password
        .env("BOSBASE_URL", &url)
        .env("BOSBASE_EMAIL", "admin@example.com");
    assert!(
        run(no_password, &["create", "x.zip"])
            .fails(3)
            .contains("no password for admin@example.com")
    );

    let mut bad_token = bare();
    bad_token
        .env("BOSBASE_URL", &url)
        .env("BOSBASE_TOKEN", "not-a-valid-token-value");
    let run2 = run(bad_token, &["list"]);
    assert!(run2.fails(3).contains("HTTP 401"), "{run2:#?}");
    assert!(!run2.stderr.contains("not-a-valid-token-value"));

    // --password-stdin without an email is a usage error; an empty password an auth error.
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", &url);
    run_with_stdin(cmd, &["list", "--password-stdin"], "x\n").fails(2);
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", &url);
    run_with_stdin(
        cmd,
        &["list", "--email", "admin@example.com", "--password-stdin"],
        "\n",
    )
    .fails(3);
    // A wrong password from stdin: exit 3, and the password is never echoed.
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", &url);
    let run3 = run_with_stdin(
        cmd,
        &["list", "--email", "admin@example.com", "--password-stdin"],
        "stdin-secret-999\n",
    );
    run3.fails(3);
    assert!(!run3.stderr.contains("stdin-secret-999"));
    // Health needs no credentials, but wrong ones are reported.
    let mut wrong = bare();
    wrong
        .env("BOSBASE_URL", &url)
        .env("BOSBASE_EMAIL", "admin@example.com")
        .env("BOSBASE_PASSWORD", "wrong-password-123");
    run(wrong, &["health"]).fails(3);
}

#[test]
fn missing_keys_exit_4_and_nothing_is_deleted() {
    let server = TestServer::start();
    run(cli(&server), &["create", "kept.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.zip");
    for args in [
        &["download", "missing.zip", "-o", dest.to_str().unwrap()][..],
        &["restore", "missing.zip", "--yes"],
        &["url", "missing.zip"],
        &["delete", "kept.zip", "missing.zip", "--yes"],
    ] {
        let run = run(cli(&server), args);
        let line = run.fails(4);
        assert!(
            line.contains("\"missing.zip\" not found"),
            "{args:?}: {line}"
        );
        // The server's delete message names its data directory: not passed on.
        assert!(
            !line.contains(server.data_dir().to_str().unwrap()),
            "{line}"
        );
    }
    assert_eq!(keys(&server), ["kept.zip"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn server_refusals_exit_6() {
    let server = TestServer::start();
    run(cli(&server), &["create", "taken.zip"]).ok();
    let line = run(cli(&server), &["create", "taken.zip"])
        .fails(6)
        .to_string();
    assert!(line.contains("validation_backup_name_exists"), "{line}");
    // Past the CLI's check with --force, the server sniffs the content itself.
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("text.zip");
    std::fs::write(&text, "not a zip at all").unwrap();
    let line = run(cli(&server), &["upload", text.to_str().unwrap(), "--force"])
        .fails(6)
        .to_string();
    assert!(line.contains("validation_invalid_mime_type"), "{line}");
    // A zip without data.db is accepted with --force (and only then).
    let no_db = dir.path().join("nodb.zip");
    write_backup_zip(&no_db, &["storage/x.txt"]);
    run(cli(&server), &["upload", no_db.to_str().unwrap()]).fails(2);
    run(
        cli(&server),
        &["upload", no_db.to_str().unwrap(), "--force"],
    )
    .ok();
    assert_eq!(keys(&server), ["nodb.zip", "taken.zip"]);
}

#[test]
fn unreachable_server_exits_8_with_the_cause() {
    let listed = run(dead(), &["list"]);
    let line = listed.fails(8);
    assert!(line.contains(DEAD), "{line}");
    assert!(line.contains("Connection refused"), "{line}");
    assert!(!listed.stderr.contains("whatever-password"));
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", DEAD);
    run(cmd, &["health"]).fails(8);
    // https:// is built in (rustls): no configuration error, just no server.
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", "https://127.0.0.1:9");
    run(cmd, &["health"]).fails(8);
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", "not a url");
    run(cmd, &["health"]).fails(2);
}

#[test]
fn a_running_backup_makes_create_and_restore_busy() {
    let server = TestServer::start();
    server.make_backups_slow(300);
    run(cli(&server), &["create", "small.zip"]).ok();
    let slow = cli(&server)
        .args(["create", "slow.zip", "-q"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = run(cli(&server), &["health", "--json"]).json();
        if health["can_backup"] == false {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the backup never showed as running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let busy = run(cli(&server), &["create", "second.zip"]);
    assert!(busy.fails(5).contains("try again"), "{busy:#?}");
    let busy = run(cli(&server), &["restore", "small.zip", "--yes"]);
    busy.fails(5);
    let health = run(cli(&server), &["health"]);
    assert!(health.ok().contains("can backup: no"), "{health:#?}");
    let done = slow.wait_with_output().unwrap();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(String::from_utf8_lossy(&done.stdout), "slow.zip\n");
    assert_eq!(keys(&server), ["slow.zip", "small.zip"]);
}

#[test]
fn no_secret_in_any_output() {
    let server = TestServer::start();
    let token = superuser_token(&server);
    let mut with_token = bare();
    with_token
        .env("BOSBASE_URL", server.url())
        .env("BOSBASE_TOKEN", &token);
    let mut outputs = vec![
        run(cli(&server), &["create", "a.zip"]),
        run(cli(&server), &["list"]),
        run(cli(&server), &["health", "--json"]),
        run(cli(&server), &["download", "missing.zip", "-o", "-"]),
        run(cli(&server), &["delete", "missing.zip", "--yes"]),
        run(with_token, &["list", "--json"]),
    ];
    let mut dead_token = bare();
    dead_token
        .env("BOSBASE_URL", DEAD)
        .env("BOSBASE_TOKEN", &token);
    outputs.push(run(dead_token, &["list"]));
    for run in outputs {
        for secret in [PASSWORD, token.as_str()] {
            assert!(!run.stdout.contains(secret), "{run:#?}");
            assert!(!run.stderr.contains(secret), "{run:#?}");
        }
    }
}
