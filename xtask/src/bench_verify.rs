//! `cargo xtask bench`, the verify part: a server-made backup with `--size` MiB under `storage/`
//! (1 GiB by default) and a `data.db` of real records (64 MiB; `--size`/16 for smaller runs),
//! verified by the CLI (release) on the server, by default and with `--full`, beside a CLI download
//! of the same backup, interleaved in rotating order. Reports the bytes each verify fetched (its
//! `--json`), median wall time and the peak RSS of exactly each process.
//!
//! Targets (issue 11): the default fetches < 1.1x the databases' compressed size; a full verify
//! takes <= 1.1x a download; peak RSS < 64 MiB.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

use crate::bench::{Options, Sample, json_post, measure, median};
use crate::codegen::Error;

const KEY: &str = "verify_bench.zip";
/// Bytes of text per record: about 1 KiB, like a post with a body.
const RECORD_BYTES: usize = 1000;

struct Variant {
    name: &'static str,
    args: Vec<String>,
    samples: Vec<Sample>,
}

/// Runs the verify benchmark and returns its Markdown table.
pub fn run(cli: &Path, options: &Options, work: &Path) -> Result<String, Error> {
    let storage_mib = options.size_mib;
    let db_mib = if storage_mib >= 1024 {
        64
    } else {
        (storage_mib / 16).max(1)
    };
    eprintln!("verify: a backup of {db_mib} MiB of records and {storage_mib} MiB of files...");
    let (server, token) = fixture(db_mib, storage_mib)?;
    let url = server.url();
    let zip = server.data_dir().join("backups").join(KEY);
    let size = std::fs::metadata(&zip).map_err(err)?.len();
    let db_compressed: u64 = ["data.db", "auxiliary.db"]
        .iter()
        .filter_map(|name| bosbase_backups_tests::compressed_size(&zip, name))
        .sum();

    let out = work.join("verify-download.zip");
    let mut variants = [
        Variant {
            name: "verify (default)",
            args: vec!["verify".into(), KEY.into()],
            samples: Vec::new(),
        },
        Variant {
            name: "verify --full",
            args: vec!["verify".into(), KEY.into(), "--full".into()],
            samples: Vec::new(),
        },
        Variant {
            name: "download",
            args: vec![
                "download".into(),
                KEY.into(),
                "-o".into(),
                out.display().to_string(),
            ],
            samples: Vec::new(),
        },
    ];
    for run in 0..options.runs {
        eprintln!("verify: run {}/{}", run + 1, options.runs);
        let mut order: Vec<usize> = (0..variants.len()).collect();
        order.rotate_left(run % variants.len());
        for i in order {
            let v = &mut variants[i];
            v.samples
                .push(measure(&mut cli_cmd(cli, &url, &token, &v.args))?);
            std::fs::remove_file(&out).ok();
        }
    }
    // What each verify fetched, from its own report.
    let fetched = |full: bool| -> Result<u64, Error> {
        let mut cmd = cli_cmd(
            cli,
            &url,
            &token,
            &["verify", KEY, "--json"].map(String::from),
        );
        if full {
            cmd.arg("--full");
        }
        let output = cmd.output().map_err(err)?;
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| Error::new(format!("verify --json: {e}")))?;
        json["bytes_read"]
            .as_u64()
            .ok_or_else(|| Error::new("verify --json has no bytes_read"))
    };
    let fetched = [Some(fetched(false)?), Some(fetched(true)?), Some(size)];
    drop(server);

    let wall = |v: &Variant| median(v.samples.iter().map(|s| s.wall.as_secs_f64()).collect());
    let download = wall(&variants[2]);
    let mut table = format!(
        "backup: {} MiB ({} MiB of files, data.db of {db_mib} MiB of records); databases \
         compressed: {:.1} MiB\n\n\
         | operation | runs | bytes fetched | fetched / databases compressed | median wall | \
         wall / download | peak RSS |\n|---|---|---|---|---|---|---|\n",
        size >> 20,
        storage_mib,
        db_compressed as f64 / (1 << 20) as f64
    );
    for (v, fetched) in variants.iter().zip(fetched) {
        let fetched = fetched.unwrap_or(0);
        let rss = v.samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} MiB | {:.2} | {:.2} s | {:.2} | {rss:.1} MiB |",
            v.name,
            v.samples.len(),
            fetched as f64 / (1 << 20) as f64,
            fetched as f64 / db_compressed as f64,
            wall(v),
            wall(v) / download,
        );
    }
    Ok(table)
}

fn cli_cmd(cli: &Path, url: &str, token: &str, args: &[String]) -> Command {
    let mut cmd = Command::new(cli);
    cmd.env("BOSBASE_TOKEN", token)
        .args(["--url", url, "--quiet"])
        .args(args);
    cmd
}

/// A server whose backup `KEY` it made itself from a `posts` collection of about `db_mib` MiB of
/// records and `storage_mib` MiB of uploaded files (64 MiB each), written straight into its data
/// while it is stopped.
fn fixture(db_mib: u64, storage_mib: u64) -> Result<(TestServer, String), Error> {
    let mut server = TestServer::start();
    let token = login(&server.url())?;
    let fields = serde_json::json!([
        {"name": "title", "type": "text"},
        {"name": "file", "type": "file", "maxSelect": 1, "maxSize": 1u64 << 30},
    ]);
    let collection = json_post(
        &server.url(),
        "/api/collections",
        Some(&token),
        &serde_json::json!({"name": "posts", "type": "base", "fields": fields}),
    )?;
    let id = collection["id"]
        .as_str()
        .ok_or_else(|| Error::new("no collection id"))?
        .to_string();
    server.kill();
    let records = db_mib * (1 << 20) / RECORD_BYTES as u64;
    bosbase_backups_tests::fill_records(&server.data_dir(), "posts", records, RECORD_BYTES)
        .map_err(err)?;
    let file_mib = storage_mib.min(64);
    bosbase_backups_tests::fill_files(
        &server.data_dir(),
        "posts",
        &id,
        storage_mib / file_mib,
        file_mib,
    )
    .map_err(err)?;
    server.restart();
    let token = login(&server.url())?;
    eprintln!("verify: the server makes its backup...");
    json_post(
        &server.url(),
        "/api/backups",
        Some(&token),
        &serde_json::json!({ "name": KEY }),
    )?;
    Ok((server, token))
}

fn login(url: &str) -> Result<String, Error> {
    json_post(
        url,
        "/api/collections/_superusers/auth-with-password",
        None,
        &serde_json::json!({"identity": EMAIL, "password": PASSWORD}),
    )?["token"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| Error::new("no token in the login answer"))
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::new(e.to_string())
}
