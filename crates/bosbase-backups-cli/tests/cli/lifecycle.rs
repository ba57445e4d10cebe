//! Every command doing its job, in human and JSON form.

use std::io::{Read, Write};
use std::net::TcpStream;

use bosbase_backups_tests::TestServer;

use crate::{bare, cli, keys, run, superuser_token};

#[test]
fn create_list_and_their_json() {
    let server = TestServer::start();
    assert_eq!(run(cli(&server), &["list"]).ok(), "");
    assert_eq!(
        run(cli(&server), &["list", "--json"]).json(),
        serde_json::json!([])
    );

    assert_eq!(
        run(cli(&server), &["create", "first.zip"]).ok(),
        "first.zip\n"
    );
    let auto = run(cli(&server), &["create"]);
    let auto_key = auto.ok().trim().to_string();
    assert!(
        auto_key.starts_with("pb_backup_") && auto_key.ends_with(".zip"),
        "{auto:#?}"
    );
    let created = run(cli(&server), &["create", "third.zip", "--json"]).json();
    assert_eq!(created["key"], "third.zip");
    assert!(created["size"].as_u64().unwrap() > 0);
    assert!(created["modified"].as_str().unwrap().ends_with('Z'));

    // Newest first, in both forms.
    let list = run(cli(&server), &["list", "--json"]).json();
    let order: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["third.zip", auto_key.as_str(), "first.zip"]);
    let table = run(cli(&server), &["list"]);
    let rows: Vec<&str> = table
        .ok()
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(rows, order);
    assert!(table.ok().starts_with("KEY "), "{table:#?}");
}

#[test]
fn download_and_upload_round_trip() {
    let server = TestServer::start();
    run(cli(&server), &["create", "orig.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();

    // Default path: ./KEY in the working directory; only the path on stdout.
    let mut cmd = cli(&server);
    cmd.current_dir(dir.path());
    assert_eq!(run(cmd, &["download", "orig.zip"]).ok(), "./orig.zip\n");
    let original = std::fs::read(dir.path().join("orig.zip")).unwrap();
    assert!(original.starts_with(b"PK\x03\x04"));

    // An existing file is kept unless --force.
    let mut cmd = cli(&server);
    cmd.current_dir(dir.path());
    let line = run(cmd, &["download", "orig.zip"]).fails(2).to_string();
    assert!(line.contains("exists; pass --force"), "{line}");
    let mut cmd = cli(&server);
    cmd.current_dir(dir.path());
    run(cmd, &["download", "orig.zip", "--force", "-q"]).ok();

    // -o DIR, -o FILE with --json, -o - to stdout.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let to_dir = run(
        cli(&server),
        &["download", "orig.zip", "-o", sub.to_str().unwrap()],
    );
    assert_eq!(to_dir.ok().trim(), sub.join("orig.zip").to_str().unwrap());
    assert_eq!(std::fs::read(sub.join("orig.zip")).unwrap(), original);
    let file = dir.path().join("copy.zip");
    let json = run(
        cli(&server),
        &[
            "download",
            "orig.zip",
            "-o",
            file.to_str().unwrap(),
            "--json",
        ],
    )
    .json();
    assert_eq!(json["key"], "orig.zip");
    assert_eq!(json["path"], file.to_str().unwrap());
    assert_eq!(json["size"], original.len() as u64);
    let piped = cli(&server)
        .args(["download", "orig.zip", "-o", "-"])
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, original);
    let mixed = run(cli(&server), &["download", "orig.zip", "-o", "-", "--json"]);
    mixed.fails(2);

    // Upload under a new name, and under the file's own name.
    assert_eq!(
        run(
            cli(&server),
            &["upload", file.to_str().unwrap(), "--name", "moved.zip"]
        )
        .ok(),
        "moved.zip\n"
    );
    let uploaded = run(cli(&server), &["upload", file.to_str().unwrap(), "--json"]).json();
    assert_eq!(uploaded["key"], "copy.zip");
    assert_eq!(uploaded["size"], original.len() as u64);
    assert_eq!(keys(&server), ["copy.zip", "moved.zip", "orig.zip"]);
    let back = dir.path().join("back.zip");
    run(
        cli(&server),
        &["download", "moved.zip", "-o", back.to_str().unwrap()],
    )
    .ok();
    assert_eq!(std::fs::read(back).unwrap(), original);
    // No .part file is left anywhere.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().ends_with(".part"), "{name:?}");
    }
}

#[test]
fn url_downloads_with_a_fresh_file_token() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    let url = run(cli(&server), &["url", "a.zip"]).ok().trim().to_string();
    let prefix = format!("{}/api/backups/a.zip?token=", server.url());
    assert!(url.starts_with(&prefix), "{url}");
    // The URL works without any other credential.
    let path = url.strip_prefix(&server.url()).unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    assert!(
        response.starts_with(b"HTTP/1.0 200"),
        "{:?}",
        &response[..40]
    );
    let json = run(cli(&server), &["url", "a.zip", "--json"]).json();
    assert_eq!(json["key"], "a.zip");
    assert!(json["url"].as_str().unwrap().starts_with(&prefix));
}

#[test]
fn delete_several_keys() {
    let server = TestServer::start();
    for name in ["a.zip", "b.zip", "c.zip"] {
        run(cli(&server), &["create", name]).ok();
    }
    assert_eq!(
        run(cli(&server), &["delete", "a.zip", "b.zip", "--yes"]).ok(),
        "a.zip\nb.zip\n"
    );
    assert_eq!(keys(&server), ["c.zip"]);
    let json = run(cli(&server), &["delete", "c.zip", "-y", "--json"]).json();
    assert_eq!(json, serde_json::json!({"deleted": ["c.zip"]}));
    assert!(keys(&server).is_empty());
}

#[test]
fn health_with_and_without_credentials() {
    let server = TestServer::start();
    let mut guest = bare();
    guest.env("BOSBASE_URL", server.url());
    let json = run(guest, &["health", "--json"]).json();
    assert_eq!(
        json,
        serde_json::json!({
            "url": server.url(), "healthy": true, "message": "API is healthy.", "can_backup": null
        })
    );
    let json = run(cli(&server), &["health", "--json"]).json();
    assert_eq!(json["can_backup"], true);
    let text = run(cli(&server), &["health"]);
    assert!(text.ok().contains("can backup: yes"), "{text:#?}");
}

#[test]
fn credentials_from_every_source() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    // A token in the environment, and on the command line.
    let token = superuser_token(&server);
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", server.url())
        .env("BOSBASE_TOKEN", &token);
    assert_eq!(run(cmd, &["list", "--json"]).json()[0]["key"], "a.zip");
    let url = server.url();
    assert_eq!(
        run(
            bare(),
            &["--url", &url, "--token", &token, "list", "--json"]
        )
        .json()[0]["key"],
        "a.zip"
    );
    // The password from stdin (options after the command work as well).
    let run = crate::run_with_stdin(
        bare(),
        &[
            "list",
            "--url",
            &url,
            "--email",
            bosbase_backups_tests::EMAIL,
            "--password-stdin",
            "--json",
        ],
        &format!("{}\n", bosbase_backups_tests::PASSWORD),
    );
    assert_eq!(run.json()[0]["key"], "a.zip");
}

#[test]
fn download_resume_goes_on_from_the_part_file() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    let original = std::fs::read(server.data_dir().join("backups/a.zip")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a.zip");
    let part = dir.path().join("a.zip.part");
    // What an interrupted download leaves: the first part of the file.
    let half = original.len() / 2;
    std::fs::write(&part, &original[..half]).unwrap();
    run(
        cli(&server),
        &[
            "download",
            "a.zip",
            "-o",
            dest.to_str().unwrap(),
            "--resume",
        ],
    )
    .ok();
    assert_eq!(std::fs::read(&dest).unwrap(), original);
    assert!(!part.exists());

    // Without --resume a stale .part is started over, not appended to.
    std::fs::write(&part, b"garbage that is not the backup").unwrap();
    let fresh = dir.path().join("fresh.zip");
    std::fs::rename(&part, dir.path().join("fresh.zip.part")).unwrap();
    run(
        cli(&server),
        &[
            "download",
            "a.zip",
            "-o",
            fresh.to_str().unwrap(),
            "--no-fsync",
        ],
    )
    .ok();
    assert_eq!(std::fs::read(&fresh).unwrap(), original);
}

/// `--no-fsync` does what it says: the download calls neither `fdatasync` nor the write-back
/// hints of `sync_file_range`, which it makes by default. Seen with strace, on the real binary.
#[test]
fn no_fsync_skips_every_flush_to_disk() {
    let server = TestServer::start();
    // Larger than the 16 MiB after which the default starts write-back.
    server.make_backups_slow(20);
    run(cli(&server), &["create", "a.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let syncs = |name: &str, extra: &[&str]| {
        let trace = dir.path().join(format!("{name}.strace"));
        let mut cmd = std::process::Command::new("strace");
        cmd.args([
            "-f",
            "-qq",
            "-e",
            "trace=fdatasync,fsync,sync_file_range",
            "-o",
        ])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_bosbase-backups"))
        .args(["download", "a.zip", "-q", "-o"])
        .arg(dir.path().join(name))
        .args(extra)
        .env("BOSBASE_URL", server.url())
        .env("BOSBASE_EMAIL", bosbase_backups_tests::EMAIL)
        .env("BOSBASE_PASSWORD", bosbase_backups_tests::PASSWORD)
        .stdin(std::process::Stdio::null());
        let out = cmd
            .output()
            .expect("strace runs (apt-get install strace; .ci/run installs it)");
        assert!(out.status.success(), "{out:?}");
        let trace = std::fs::read_to_string(trace).unwrap();
        let count = |call: &str| trace.lines().filter(|l| l.contains(call)).count();
        (count("fdatasync("), count("sync_file_range("))
    };
    let (fdatasync, writeback) = syncs("synced.zip", &[]);
    assert_eq!(fdatasync, 1, "one fdatasync before the rename");
    assert!(writeback >= 1, "write-back started as the file grew");
    assert_eq!(syncs("unsynced.zip", &["--no-fsync"]), (0, 0));
    assert_eq!(
        std::fs::read(dir.path().join("synced.zip")).unwrap(),
        std::fs::read(dir.path().join("unsynced.zip")).unwrap()
    );
}
