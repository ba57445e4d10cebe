//! Encrypted off-site copies (age): a sync through S3 and through a directory, read back by the
//! reference `age` tool, pulled into a fresh PocketBase and restored; a wrong identity and a
//! truncated copy leave nothing on the server.

use std::path::Path;

use bosbase_backups::encryption::{Identities, Recipients, generate_identity};
use bosbase_backups::offsite::{Destination, OffsiteError, Outcome};
use bosbase_backups::{Client, Error, ExposeSecret};
use bosbase_backups_tests::s3::S3Server;
use bosbase_backups_tests::{TestServer, keys, login, sha256_file};

/// A new identity, written to `dir/key.txt` for the `age` command too.
fn identity(dir: &Path) -> (Identities, Recipients, std::path::PathBuf) {
    let (text, recipient) = generate_identity();
    let path = dir.join("key.txt");
    std::fs::write(&path, text.expose_secret()).unwrap();
    (
        Identities::from_file(&path).unwrap(),
        Recipients::parse([recipient]).unwrap(),
        path,
    )
}

async fn download_sha(client: &Client, key: &str) -> Vec<u8> {
    use sha2::Digest;
    let mut bytes = Vec::new();
    client
        .backups()
        .download(key)
        .to_writer(&mut bytes)
        .await
        .unwrap();
    sha2::Sha256::digest(&bytes).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn an_encrypted_sync_through_s3_is_what_age_decrypts() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (identities, recipients, key_file) = identity(dir.path());
    let s3 = S3Server::start();
    s3.create_bucket("offsite");
    let dest = Destination::open_with("s3://offsite/pb", s3.env()).unwrap();

    let report = dest
        .sync(&client)
        .encrypt_to(recipients.clone())
        .send()
        .await
        .unwrap();
    assert!(
        matches!(report.copies[0].outcome, Outcome::Copied),
        "{report:?}"
    );
    let stored = s3.bucket_dir("offsite").join("pb");
    assert!(
        !stored.join("a.zip").exists(),
        "a plaintext copy was stored"
    );
    let object = stored.join("a.zip.age");
    assert!(
        std::fs::read(&object)
            .unwrap()
            .starts_with(b"age-encryption.org/v1\n")
    );

    // The reference tool decrypts the object to the server's backup.
    let plain = dir.path().join("a.zip");
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(&key_file)
        .arg("-o")
        .arg(&plain)
        .arg(&object)
        .output()
        .expect("the age command runs (apt-get install age; .ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    let backup_sha = download_sha(&client, "a.zip").await;
    assert_eq!(sha256_file(&plain), backup_sha);

    // The manifest records both checksums; the list names the backup and its object.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(stored.join("bosbase-backups.manifest.json")).unwrap(),
    )
    .unwrap();
    let entry = &manifest["copies"]["a.zip"];
    assert_eq!(entry["sha256"], hex(&backup_sha));
    assert_eq!(entry["object"]["sha256"], hex(&sha256_file(&object)));
    assert_eq!(entry["object"]["name"], "a.zip.age");
    assert_eq!(entry["object"]["encryption"], "age");
    let listed = dest.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].key.as_str(), listed[0].object.as_str()),
        ("a.zip", "a.zip.age")
    );

    // A rerun skips it (by the manifest: a new encryption would differ byte for byte).
    let rerun = dest
        .sync(&client)
        .encrypt_to(recipients)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(rerun.copies[0].outcome, Outcome::Skipped),
        "{rerun:?}"
    );
    // Verified without the identity (the object's SHA-256) and with it (the backup's too).
    dest.verify("a.zip").await.unwrap();
    let deep = dest.verify_decrypting("a.zip", &identities).await.unwrap();
    assert_eq!(deep.sha256, hex(&backup_sha));
}

#[tokio::test]
async fn an_encrypted_pull_into_a_fresh_server_then_a_restore_brings_the_data_back() {
    let old = TestServer::start();
    old.add_superuser("second@example.com", "another-long-password");
    let old_client = login(&old).await;
    old_client
        .backups()
        .create("before_the_fire.zip")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (identities, recipients, _) = identity(dir.path());
    let copies = dir.path().join("copies");
    std::fs::create_dir(&copies).unwrap();
    let dest = Destination::open(&format!("file://{}", copies.display())).unwrap();
    dest.sync(&old_client)
        .encrypt_to(recipients)
        .send()
        .await
        .unwrap();
    drop(old_client);
    drop(old);

    let new = TestServer::start();
    let client = login(&new).await;
    let key = "before_the_fire.zip";

    // Without an identity, with a wrong one, or from a cut copy: nothing reaches the server.
    let err = dest.pull(&client, key).send().await.unwrap_err();
    assert!(err.to_string().contains("identity"), "{err}");
    let (wrong, _) = generate_identity();
    let wrong = Identities::parse(wrong.expose_secret()).unwrap();
    let err = dest
        .pull(&client, key)
        .identities(wrong)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, OffsiteError::Server(Error::WrongIdentity)),
        "{err:?}"
    );
    let object = copies.join("before_the_fire.zip.age");
    let whole = std::fs::read(&object).unwrap();
    std::fs::write(&object, &whole[..whole.len() - 500]).unwrap();
    let err = dest
        .pull(&client, key)
        .identities(Identities::from_file(dir.path().join("key.txt")).unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, OffsiteError::Server(Error::DamagedCiphertext { .. })),
        "{err:?}"
    );
    assert!(
        keys(&client).await.is_empty(),
        "a failed pull left a backup"
    );
    std::fs::write(&object, &whole).unwrap();

    let pulled = dest
        .pull(&client, key)
        .identities(identities)
        .send()
        .await
        .unwrap();
    assert_eq!(pulled, key);
    client.backups().restore_and_wait(key).await.unwrap();
    Client::new(new.url())
        .unwrap()
        .auth_with_password("second@example.com", "another-long-password")
        .await
        .expect("the restored data has the old server's second superuser");
}
