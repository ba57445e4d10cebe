//! Encrypted copies with age: keygen, download --encrypt-to, decrypt, against a real server and
//! the reference `age` tool (Debian's package; .ci/run installs it).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use bosbase_backups_tests::TestServer;

use crate::{bare, cli, run};

/// The reference age tool, or a clear failure.
fn age(args: &[&str]) -> std::process::Output {
    let out = Command::new("age")
        .args(args)
        .output()
        .expect("the age command runs (apt-get install age; .ci/run installs it)");
    assert!(out.status.success(), "age {args:?}: {out:?}");
    out
}

fn keygen(path: &Path) -> String {
    let out = run(bare(), &["keygen", "-o", path.to_str().unwrap()]);
    out.ok().trim().to_string()
}

#[test]
fn keygen_writes_an_owner_only_identity_that_age_reads() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    let recipient = keygen(&key);
    assert!(recipient.starts_with("age1"), "{recipient}");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The reference tool derives the same recipient from the file.
    let derived = Command::new("age-keygen")
        .args(["-y", key.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&derived.stdout).trim(), recipient);
    // An identity is never overwritten.
    let before = std::fs::read(&key).unwrap();
    run(bare(), &["keygen", "-o", key.to_str().unwrap()]).fails(2);
    assert_eq!(std::fs::read(&key).unwrap(), before);
}

#[test]
fn encrypted_downloads_round_trip_and_interoperate_with_age() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let recipient = keygen(&dir.path().join("key.txt"));
    run(cli(&server), &["download", "a.zip", "-o", &d("plain.zip")]).ok();
    let plain = std::fs::read(d("plain.zip")).unwrap();

    // Default name KEY.age, owner-only, and not the plaintext.
    let out = run(
        cli(&server),
        &[
            "download",
            "a.zip",
            "-o",
            &d(""),
            "--encrypt-to",
            &recipient,
        ],
    );
    assert_eq!(out.ok().trim(), d("a.zip.age"));
    let sealed = std::fs::read(d("a.zip.age")).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    assert!(
        !sealed.windows(4).any(|w| w == b"PK\x03\x04"),
        "plaintext leaked"
    );
    let mode = std::fs::metadata(d("a.zip.age"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // The reference tool decrypts ours...
    age(&[
        "-d",
        "-i",
        &d("key.txt"),
        "-o",
        &d("by-age.zip"),
        &d("a.zip.age"),
    ]);
    assert_eq!(std::fs::read(d("by-age.zip")).unwrap(), plain);
    // ...we decrypt ours (identity from the environment)...
    let mut cmd = bare();
    cmd.env("BOSBASE_AGE_IDENTITY", d("key.txt"));
    run(cmd, &["decrypt", &d("a.zip.age"), "-o", &d("ours.zip")]).ok();
    assert_eq!(std::fs::read(d("ours.zip")).unwrap(), plain);
    // ...and the reference tool's.
    age(&["-r", &recipient, "-o", &d("theirs.age"), &d("plain.zip")]);
    run(
        bare(),
        &[
            "decrypt",
            &d("theirs.age"),
            "-o",
            &d("theirs.zip"),
            "--identity",
            &d("key.txt"),
        ],
    )
    .ok();
    assert_eq!(std::fs::read(d("theirs.zip")).unwrap(), plain);

    // A recipients file works like --encrypt-to; a bad recipient is refused before any request.
    std::fs::write(d("recipients.txt"), format!("# ops\n{recipient}\n")).unwrap();
    run(
        cli(&server),
        &[
            "download",
            "a.zip",
            "-o",
            &d("f.age"),
            "--recipients-file",
            &d("recipients.txt"),
        ],
    )
    .ok();
    age(&["-d", "-i", &d("key.txt"), "-o", &d("f.zip"), &d("f.age")]);
    assert_eq!(std::fs::read(d("f.zip")).unwrap(), plain);
    run(
        bare(),
        &[
            "download",
            "a.zip",
            "--encrypt-to",
            "age1nope",
            "-o",
            &d("x"),
        ],
    )
    .fails(2);
}

#[test]
fn a_wrong_identity_or_a_damaged_file_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let recipient = keygen(&dir.path().join("key.txt"));
    keygen(&dir.path().join("other.txt"));
    bosbase_backups_tests::incompressible_file(&dir.path().join("plain.zip"), 1);
    age(&["-r", &recipient, "-o", &d("sealed.age"), &d("plain.zip")]);
    let sealed = std::fs::read(d("sealed.age")).unwrap();

    let decrypt = |file: &str, identity: &str| {
        run(
            bare(),
            &[
                "decrypt",
                &d(file),
                "-o",
                &d("out.zip"),
                "--identity",
                &d(identity),
            ],
        )
    };
    let line = decrypt("sealed.age", "other.txt").fails(3).to_string();
    assert!(line.contains("identit"), "{line}");
    assert!(!Path::new(&d("out.zip")).exists());

    // Cut short: the last chunk is missing.
    std::fs::write(d("cut.age"), &sealed[..sealed.len() - 1000]).unwrap();
    let line = decrypt("cut.age", "key.txt").fails(10).to_string();
    assert!(line.contains("damaged or incomplete"), "{line}");
    assert!(!Path::new(&d("out.zip")).exists());
    assert!(!Path::new(&d("out.zip.part")).exists());

    // One byte altered in the middle: that chunk fails its authentication.
    let mut altered = sealed.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    std::fs::write(d("altered.age"), &altered).unwrap();
    decrypt("altered.age", "key.txt").fails(10);
    assert!(!Path::new(&d("out.zip")).exists());

    // Not an age file at all.
    decrypt("plain.zip", "key.txt").fails(10);
}

#[test]
fn encrypted_off_site_copies_sync_verify_and_pull_with_the_identity() {
    let server = TestServer::start();
    run(cli(&server), &["create", "a.zip"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let recipient = keygen(&dir.path().join("key.txt"));
    std::fs::create_dir(d("copies")).unwrap();
    let dest = format!("file://{}", d("copies"));

    let out = run(cli(&server), &["sync", &dest, "--encrypt-to", &recipient]);
    assert!(out.ok().contains("copied a.zip"), "{out:?}");
    assert!(Path::new(&d("copies/a.zip.age")).exists());
    assert!(!Path::new(&d("copies/a.zip")).exists());
    // The reference tool reads the copy.
    age(&[
        "-d",
        "-i",
        &d("key.txt"),
        "-o",
        &d("plain.zip"),
        &d("copies/a.zip.age"),
    ]);
    run(cli(&server), &["download", "a.zip", "-o", &d("server.zip")]).ok();
    assert_eq!(
        std::fs::read(d("plain.zip")).unwrap(),
        std::fs::read(d("server.zip")).unwrap()
    );

    let listed = run(cli(&server), &["offsite", "list", &dest, "--json"]).json();
    assert_eq!(listed[0]["key"], "a.zip", "{listed}");
    run(
        cli(&server),
        &[
            "offsite",
            "verify",
            &dest,
            "a.zip",
            "--identity",
            &d("key.txt"),
        ],
    )
    .ok();
    // A pull of an encrypted copy needs the identity, and then brings it back whole.
    let line = run(cli(&server), &["pull", &dest, "a.zip", "--name", "b.zip"])
        .fails(2)
        .to_string();
    assert!(line.contains("identity"), "{line}");
    let mut cmd = cli(&server);
    cmd.env("BOSBASE_AGE_IDENTITY", d("key.txt"));
    run(cmd, &["pull", &dest, "a.zip", "--name", "b.zip"]).ok();
    run(cli(&server), &["download", "b.zip", "-o", &d("pulled.zip")]).ok();
    assert_eq!(
        std::fs::read(d("pulled.zip")).unwrap(),
        std::fs::read(d("server.zip")).unwrap()
    );
}

#[test]
fn decrypt_keeps_an_existing_file_unless_forced_and_encryption_cannot_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let recipient = keygen(&dir.path().join("key.txt"));
    std::fs::write(d("plain.zip"), b"the backup").unwrap();
    age(&["-r", &recipient, "-o", &d("sealed.age"), &d("plain.zip")]);
    std::fs::write(d("out.zip"), b"keep me").unwrap();
    let args = [
        "decrypt",
        &d("sealed.age"),
        "-o",
        &d("out.zip"),
        "--identity",
        &d("key.txt"),
    ];
    run(bare(), &args).fails(2);
    assert_eq!(std::fs::read(d("out.zip")).unwrap(), b"keep me");
    let mut forced = args.to_vec();
    forced.push("--force");
    run(bare(), &forced).ok();
    assert_eq!(std::fs::read(d("out.zip")).unwrap(), b"the backup");
    // Refused before any request: an age stream cannot go on from a .part.
    let line = run(
        bare(),
        &[
            "download",
            "a.zip",
            "--encrypt-to",
            &recipient,
            "--resume",
            "-o",
            &d("x.age"),
        ],
    )
    .fails(2)
    .to_string();
    assert!(line.contains("--resume"), "{line}");
}
