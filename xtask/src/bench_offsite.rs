//! The off-site part of `cargo xtask bench`: a backup from the server to S3 (s3s-fs on loopback,
//! in a process of its own) with `bosbase-backups sync`, beside `curl URL | aws s3 cp - s3://...`
//! (awscli from PyPI, installed into `target/bench-tools/`) and `rclone copyurl` (Debian's), in
//! rotating order. Wall time and the peak RSS of each measured process (for the pipeline: its
//! largest process), and the ratio to the faster peer.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use bosbase_backups_tests::s3::{ACCESS_KEY, REGION, SECRET_KEY};

use crate::bench::{
    Options, Sample, err, json_post, measure, median, upload_for_download, write_backup,
};
use crate::codegen::Error;

const BUCKET: &str = "bench";

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Sync,
    /// The same sync, each copy encrypted with age (issue: at most 1.15x the plain one).
    SyncAge,
    Aws,
    Rclone,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Sync => "bosbase-backups sync",
            Tool::SyncAge => "bosbase-backups sync --encrypt-to",
            Tool::Aws => "curl | aws s3 cp -",
            Tool::Rclone => "rclone copyurl",
        }
    }
}

/// The S3 server's process; closing its stdin stops it.
struct S3Process {
    child: Child,
    endpoint: String,
    root: PathBuf,
}

impl Drop for S3Process {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Runs the off-site rows and returns their Markdown table.
pub(crate) fn run(
    cli: &Path,
    url: &str,
    token: &str,
    options: &Options,
    work: &Path,
) -> Result<String, Error> {
    let aws = awscli()?;
    if Command::new("rclone").arg("version").output().is_err() {
        return Err(err(
            "rclone is not installed: apt-get install -y rclone (the bench compares with it)",
        ));
    }
    let s3 = s3_server()?;
    let aws_config = work.join("aws-config");
    std::fs::write(&aws_config, "[default]\ns3 =\n  addressing_style = path\n")
        .map_err(|e| err(e.to_string()))?;

    let mut sizes = vec![options.size_mib];
    if options.size_mib > 64 {
        sizes.push(64); // memory must not grow with the size
    }
    // The recipient of a fresh identity, from the CLI itself.
    let key_file = work.join("bench-age-key.txt");
    std::fs::remove_file(&key_file).ok();
    let keygen = Command::new(cli)
        .args(["keygen", "-q", "-o"])
        .arg(&key_file)
        .output()
        .map_err(|e| err(format!("cannot run the CLI: {e}")))?;
    let recipient = String::from_utf8_lossy(&keygen.stdout).trim().to_string();
    if !keygen.status.success() || !recipient.starts_with("age1") {
        return Err(err("bosbase-backups keygen gave no recipient"));
    }
    let tools = [Tool::Sync, Tool::SyncAge, Tool::Aws, Tool::Rclone];
    let mut rows: Vec<(u64, Tool, Vec<Sample>, u64)> = Vec::new();
    for &mib in &sizes {
        let key = format!("offsite_bench_{mib}.zip");
        let source = work.join(&key);
        eprintln!("offsite: writing and uploading a {mib} MiB backup...");
        write_backup(&source, mib)?;
        let bytes = std::fs::metadata(&source)
            .map_err(|e| err(e.to_string()))?
            .len();
        upload_for_download(url, token, &source, &key)?;
        std::fs::remove_file(&source).ok();
        let runs = if mib == options.size_mib {
            options.runs
        } else {
            1
        };
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); tools.len()];
        for run in 0..runs {
            for i in 0..tools.len() {
                // Rotate who goes first: the page cache and the server's state favour no one.
                let t = (i + run) % tools.len();
                let tool = tools[t];
                let prefix = format!(
                    "{}-{mib}-{run}",
                    match tool {
                        Tool::Sync => "sync",
                        Tool::SyncAge => "sync-age",
                        Tool::Aws => "aws",
                        Tool::Rclone => "rclone",
                    }
                );
                let mut cmd = command(
                    tool,
                    cli,
                    url,
                    token,
                    &s3,
                    &aws,
                    &aws_config,
                    &key,
                    &prefix,
                    &recipient,
                )?;
                // Not measure's own error: it shows the command's environment, secrets included.
                let sample = measure(&mut cmd).map_err(|_| {
                    err(format!(
                        "{} failed on {mib} MiB (its stderr is above)",
                        tool.name()
                    ))
                })?;
                eprintln!(
                    "offsite: {} {mib} MiB: {:.2} s",
                    tool.name(),
                    sample.wall.as_secs_f64()
                );
                // Each tool must have stored the whole backup (encrypted: an age file, larger by
                // its header and the 16 bytes of each 64 KiB chunk's tag).
                let name = match tool {
                    Tool::SyncAge => format!("{key}.age"),
                    _ => key.clone(),
                };
                let stored = s3.root.join(BUCKET).join(&prefix).join(&name);
                let len = std::fs::metadata(&stored).map(|m| m.len()).unwrap_or(0);
                let whole = match tool {
                    Tool::SyncAge => len > bytes && starts_as_age(&stored),
                    _ => len == bytes,
                };
                if !whole {
                    return Err(err(format!(
                        "{} stored {len} bytes of {bytes} at {}",
                        tool.name(),
                        stored.display()
                    )));
                }
                std::fs::remove_dir_all(s3.root.join(BUCKET).join(&prefix)).ok();
                samples[t].push(sample);
            }
        }
        crate::bench::delete(url, token, &key)?;
        for (t, s) in samples.into_iter().enumerate() {
            rows.push((mib, tools[t], s, bytes));
        }
    }
    drop(s3);
    Ok(table(&rows))
}

/// Whether the file begins with age's header line. Reads only that: a whole GiB read here would
/// raise this process's peak memory, which every process it starts afterwards inherits in its
/// own peak (`ru_maxrss` counts the pages a child shares from the fork until it execs).
fn starts_as_age(path: &Path) -> bool {
    use std::io::Read;
    const HEADER: &[u8] = b"age-encryption.org/v1\n";
    let mut head = [0u8; HEADER.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == HEADER
}

#[allow(clippy::too_many_arguments)]
fn command(
    tool: Tool,
    cli: &Path,
    url: &str,
    token: &str,
    s3: &S3Process,
    aws: &Path,
    aws_config: &Path,
    key: &str,
    prefix: &str,
    recipient: &str,
) -> Result<Command, Error> {
    let mut cmd;
    match tool {
        Tool::Sync | Tool::SyncAge => {
            cmd = Command::new(cli);
            cmd.args(["--url", url, "--quiet", "sync"])
                .arg(format!("s3://{BUCKET}/{prefix}"))
                .args(["--match", key])
                .env("BOSBASE_TOKEN", token);
            if tool == Tool::SyncAge {
                cmd.args(["--encrypt-to", recipient]);
            }
        }
        Tool::Aws | Tool::Rclone => {
            // A fresh file token: it lasts about 3 minutes. In the environment, not in arguments
            // (rclone takes the URL as an argument all the same).
            let file_token =
                json_post(url, "/api/files/token", Some(token), &serde_json::json!({}))?["token"]
                    .as_str()
                    .ok_or_else(|| err("no file token"))?
                    .to_string();
            let script = if tool == Tool::Aws {
                format!(
                    "set -o pipefail; curl -sS --fail \"$SRC_URL\" | \"$AWS\" s3 cp --only-show-errors \
                     --endpoint-url \"$AWS_ENDPOINT_URL\" - s3://{BUCKET}/{prefix}/{key}"
                )
            } else {
                format!("rclone copyurl -q \"$SRC_URL\" bench:{BUCKET}/{prefix}/{key}")
            };
            cmd = Command::new("bash");
            cmd.args(["-c", &script])
                .env(
                    "SRC_URL",
                    format!("{url}/api/backups/{key}?token={file_token}"),
                )
                .env("AWS", aws)
                .env("AWS_CONFIG_FILE", aws_config)
                .env("RCLONE_CONFIG", "/dev/null")
                .env("RCLONE_CONFIG_BENCH_TYPE", "s3")
                .env("RCLONE_CONFIG_BENCH_PROVIDER", "Other")
                .env("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", ACCESS_KEY)
                .env("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", SECRET_KEY)
                .env("RCLONE_CONFIG_BENCH_ENDPOINT", &s3.endpoint)
                .env("RCLONE_CONFIG_BENCH_REGION", REGION)
                .env("RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE", "true")
                // rclone 1.60 refuses any AWS_CA_BUNDLE with an http client it did not make
                // ("unsupported transport"); the endpoint is plain http on loopback anyway.
                .env_remove("AWS_CA_BUNDLE");
        }
    }
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ENDPOINT", &s3.endpoint)
        .env("AWS_ENDPOINT_URL", &s3.endpoint)
        .env("AWS_ALLOW_HTTP", "true");
    Ok(cmd)
}

/// The harness's S3 server, built in release, in a process of its own.
fn s3_server() -> Result<S3Process, Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "bosbase-backups-tests",
            "--bin",
            "s3-server",
        ])
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| err(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(err("cannot build the s3-server binary"));
    }
    let bin = bosbase_backups_tests::target_dir().join("release/s3-server");
    let mut child = Command::new(&bin)
        .arg(BUCKET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("cannot run {}: {e}", bin.display())))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| err(e.to_string()))?;
    let (endpoint, root) = line
        .trim()
        .split_once(' ')
        .ok_or_else(|| err(format!("the s3-server said {line:?}")))?;
    Ok(S3Process {
        endpoint: endpoint.into(),
        root: root.into(),
        child,
    })
}

/// awscli from PyPI in `target/bench-tools/awscli`, installed on first use.
fn awscli() -> Result<PathBuf, Error> {
    let home = bosbase_backups_tests::target_dir().join("bench-tools/awscli");
    let aws = home.join("bin/aws");
    if aws.is_file() {
        return Ok(aws);
    }
    eprintln!(
        "offsite: installing awscli from PyPI into {}...",
        home.display()
    );
    let ok = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&home)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(home.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "awscli",
            ])
            .status()
            .is_ok_and(|s| s.success());
    if !ok || !aws.is_file() {
        return Err(err(
            "cannot install awscli from PyPI (python3 -m venv, pip install awscli)",
        ));
    }
    Ok(aws)
}

fn table(rows: &[(u64, Tool, Vec<Sample>, u64)]) -> String {
    let mut out = String::from(
        "| operation | size | tool | runs | median wall | MB/s | peak RSS | ratio to the faster peer |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let wall = |s: &[Sample]| median(s.iter().map(|s| s.wall.as_secs_f64()).collect());
    for (mib, tool, samples, bytes) in rows {
        let faster_peer = rows
            .iter()
            .filter(|(m, t, ..)| m == mib && matches!(t, Tool::Aws | Tool::Rclone))
            .map(|(_, _, s, _)| wall(s))
            .fold(f64::INFINITY, f64::min);
        let w = wall(samples);
        let rss = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
        let _ = writeln!(
            out,
            "| server -> S3 | {mib} MiB | {} | {} | {w:.2} s | {:.0} | {rss:.1} MiB | {:.2} |",
            tool.name().replace('|', "\\|"),
            samples.len(),
            *bytes as f64 / 1e6 / w,
            w / faster_peer
        );
    }
    // What encryption costs, in the same run.
    for (mib, tool, samples, _) in rows {
        if *tool != Tool::SyncAge {
            continue;
        }
        if let Some((_, _, plain, _)) = rows.iter().find(|(m, t, ..)| m == mib && *t == Tool::Sync)
        {
            let _ = writeln!(
                out,
                "\nencrypted sync / plain sync, {mib} MiB: {:.2}",
                wall(samples) / wall(plain)
            );
        }
    }
    out
}
