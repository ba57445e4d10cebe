//! The human output of a whole session, stdout and stderr, as a golden snapshot (times, sizes,
//! ports and temporary paths filtered).

use bosbase_backups_tests::TestServer;

use crate::{bare, cli, run, stable, write_backup_zip};

#[test]
fn human_output() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("export.zip");
    write_backup_zip(&zip, &["data.db"]);
    let zip = zip.to_str().unwrap();
    let dest = dir.path().join("copy.zip");
    let dest = dest.to_str().unwrap();
    let mut transcript = String::new();
    let mut step = |args: &[&str]| {
        let run = run(cli(&server), args);
        transcript.push_str(&format!("$ bosbase-backups {}\n", args.join(" ")));
        transcript.push_str(&run.stdout);
        for line in run.stderr.lines() {
            transcript.push_str(&format!("[stderr] {line}\n"));
        }
        if run.code != 0 {
            transcript.push_str(&format!("[exit {}]\n", run.code));
        }
        transcript.push('\n');
    };
    step(&["list"]);
    step(&["health"]);
    step(&["create", "nightly_1.zip"]);
    step(&["create"]);
    step(&["upload", zip, "--name", "moved.zip"]);
    step(&["download", "nightly_1.zip", "-o", dest]);
    step(&["list"]);
    step(&["prune", "--keep-last", "1", "--dry-run"]);
    step(&["delete", "moved.zip", "--yes"]);
    step(&["delete", "moved.zip", "--yes"]);
    step(&["create", "Nightly.zip"]);
    step(&["upload", "/no/such/file.zip"]);
    step(&["restore", "nightly_1.zip"]);
    stable(Some(dir.path())).bind(|| insta::assert_snapshot!(transcript));

    // JSON shapes of the read-only commands.
    let mut guest = bare();
    guest.env("BOSBASE_URL", server.url());
    let json = format!(
        "{}{}",
        run(cli(&server), &["list", "--json"]).ok(),
        run(guest, &["health", "--json"]).ok()
    );
    stable(None).bind(|| insta::assert_snapshot!("json", json));
}
