//! A 256 MiB backup goes up and comes back byte-identical, while the test process's memory stays
//! flat. Alone in its own test binary, so that no other test's memory is counted.

use bosbase_backups::Client;
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

const SIZE_MIB: usize = 256;

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_round_trip_is_identical_in_constant_memory() {
    let server = TestServer::start();
    let dir = tempfile::tempdir_in(bosbase_backups_tests::target_dir()).unwrap();
    let source = dir.path().join("large.zip");
    bosbase_backups_tests::write_backup_zip(&source, SIZE_MIB as u64).unwrap();
    let digest = bosbase_backups_tests::sha256_file(&source);
    let len = std::fs::metadata(&source).unwrap().len();

    let client = Client::new(server.url()).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    let before = peak_rss_kib();

    client.backups().upload_file(&source).await.unwrap();
    assert_eq!(client.backups().list().await.unwrap()[0].size, len);
    let dest = dir.path().join("back.zip");
    assert_eq!(
        client
            .backups()
            .download("large.zip")
            .to_path(&dest)
            .await
            .unwrap(),
        len
    );
    assert_eq!(
        bosbase_backups_tests::sha256_file(&dest),
        digest,
        "the downloaded backup differs from the uploaded one"
    );

    let grown_mib = (peak_rss_kib().saturating_sub(before)) / 1024;
    println!("peak RSS grew by {grown_mib} MiB moving {SIZE_MIB} MiB up and down");
    assert!(
        grown_mib < 48,
        "memory grew with the size: +{grown_mib} MiB for {SIZE_MIB} MiB"
    );
}
