//! `cargo xtask bench`: uploads, downloads and listing through the CLI (release build) side by
//! side with curl, against the pinned PocketBase on loopback. Prints a Markdown table and writes it,
//! with JSON, to `target/bench/`. Figures, not assertions: nothing here fails on a slow machine.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

use crate::codegen::Error;

/// What to run.
pub struct Options {
    /// Size of the large backup, in MiB.
    pub size_mib: u64,
    /// Runs of each measurement; medians are reported.
    pub runs: usize,
    /// Backups on the server while listing.
    pub list_backups: usize,
    /// List calls per run.
    pub list_calls: usize,
    /// Only the verify benchmark (bench_verify.rs).
    pub verify_only: bool,
    /// Only the off-site benchmark (bench_offsite.rs).
    pub offsite_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            size_mib: 1024,
            runs: 3,
            list_backups: 200,
            list_calls: 20,
            verify_only: false,
            offsite_only: false,
        }
    }
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Self, Error> {
        let mut o = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| -> Result<u64, Error> {
                it.next()
                    .and_then(|v| v.trim_end_matches("MiB").parse().ok())
                    .ok_or_else(|| err(format!("{name} needs a number")))
            };
            match *arg {
                "--size" => o.size_mib = value("--size")?,
                "--runs" => o.runs = value("--runs")?.max(1) as usize,
                "--list-backups" => o.list_backups = value("--list-backups")?.max(1) as usize,
                "--list-calls" => o.list_calls = value("--list-calls")?.max(1) as usize,
                "--verify-only" => o.verify_only = true,
                "--offsite-only" => o.offsite_only = true,
                other => return Err(err(format!("unknown bench option {other}"))),
            }
        }
        Ok(o)
    }
}

/// One timed process.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) wall: Duration,
    pub(crate) max_rss_kib: u64,
}

/// Runs `cmd` to completion and measures its wall time and peak resident memory (from the
/// kernel's rusage of exactly that child).
pub(crate) fn measure(cmd: &mut Command) -> Result<Sample, Error> {
    // Every process starts with no dirty pages waiting for the disk: the writes of the fixture
    // and of the server's copies of the previous upload would otherwise slow whoever comes next.
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| err(format!("cannot run {cmd:?}: {e}")))?;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we just spawned and reaps it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if pid < 0 {
        return Err(err(format!(
            "wait4 failed: {}",
            std::io::Error::last_os_error()
        )));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(err(format!("{cmd:?} failed (status {status})")));
    }
    Ok(Sample {
        wall,
        max_rss_kib: usage.ru_maxrss as u64,
    })
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A stored zip with `data.db` and `mib` MiB of incompressible data: a valid backup that neither
/// side can compress.
pub(crate) fn write_backup(path: &Path, mib: u64) -> Result<(), Error> {
    bosbase_backups_tests::write_backup_zip(path, mib)
        .map_err(|e| err(format!("cannot write {}: {e}", path.display())))
}

struct Row {
    op: &'static str,
    size_mib: u64,
    tool: &'static str,
    samples: Vec<Sample>,
    bytes: u64,
    per_call: bool,
    /// What a run of this variant was seen to do (syscalls, terminal output): the proof that a
    /// variant row measures something else than its base row. Empty where there is nothing to show.
    seen: String,
}

impl Row {
    fn wall(&self) -> f64 {
        median(self.samples.iter().map(|s| s.wall.as_secs_f64()).collect())
    }
    fn rss_mib(&self) -> f64 {
        self.samples
            .iter()
            .map(|s| s.max_rss_kib)
            .max()
            .unwrap_or(0) as f64
            / 1024.0
    }
}

/// `cargo xtask bench`.
pub fn run(options: &Options) -> Result<(), Error> {
    let cli = cli_binary()?;
    let dir = crate::workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
    let work = tempfile::tempdir_in(&dir).map_err(|e| err(e.to_string()))?;
    if options.offsite_only {
        let server = TestServer::start();
        let url = server.url();
        let token = superuser_token(&url)?;
        let offsite = crate::bench_offsite::run(&cli, &url, &token, options, work.path())?;
        println!("\n{offsite}");
        return std::fs::write(dir.join("offsite.md"), offsite).map_err(|e| err(e.to_string()));
    }
    let verify = crate::bench_verify::run(&cli, options, work.path())?;
    if options.verify_only {
        println!("\n{verify}");
        return std::fs::write(dir.join("verify.md"), verify).map_err(|e| err(e.to_string()));
    }
    let server = TestServer::start();
    let url = server.url();
    let token = superuser_token(&url)?;
    // curl reads the header from a file, so the token is in no process's arguments.
    let header = work.path().join("auth-header");
    std::fs::write(&header, format!("Authorization: {token}")).map_err(|e| err(e.to_string()))?;

    let mut sizes = vec![options.size_mib];
    if options.size_mib > 64 {
        sizes.push(64); // to show that memory does not grow with the size
    }
    let mut rows = Vec::new();
    for &mib in &sizes {
        let source = work.path().join(format!("bench_{mib}.zip"));
        eprintln!("writing a {mib} MiB backup...");
        write_backup(&source, mib)?;
        let bytes = std::fs::metadata(&source)
            .map_err(|e| err(e.to_string()))?
            .len();
        let runs = if mib == options.size_mib {
            options.runs
        } else {
            1
        };
        rows.extend(transfers(
            &cli,
            &url,
            &token,
            &header,
            &source,
            bytes,
            mib,
            runs,
            work.path(),
        )?);
        std::fs::remove_file(&source).ok();
    }
    rows.extend(listing(&cli, &server, &token, &header, options)?);
    let offsite = crate::bench_offsite::run(&cli, &url, &token, options, work.path())?;
    drop(server);

    let table = format!("{}\n{verify}\n{offsite}", table(&rows));
    println!("\n{table}");
    std::fs::write(dir.join("results.md"), &table).map_err(|e| err(e.to_string()))?;
    std::fs::write(dir.join("results.json"), json(&rows, options))
        .map_err(|e| err(e.to_string()))?;
    eprintln!("wrote target/bench/results.md and target/bench/results.json");
    Ok(())
}

/// A superuser token for the server at `url`.
fn superuser_token(url: &str) -> Result<String, Error> {
    Ok(json_post(
        url,
        "/api/collections/_superusers/auth-with-password",
        None,
        &serde_json::json!({"identity": EMAIL, "password": PASSWORD}),
    )?["token"]
        .as_str()
        .ok_or_else(|| err("no token in the login answer"))?
        .to_string())
}

/// Who moves the bytes.
#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Cli,
    /// The CLI with its progress bar drawn, on a pseudo-terminal made by `script`.
    CliBar,
    /// Downloads only: the CLI without the final fsync, which curl does not do either.
    CliNoFsync,
    Curl,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Cli => "CLI",
            Tool::CliBar => "CLI, progress bar",
            Tool::CliNoFsync => "CLI --no-fsync",
            Tool::Curl => "curl",
        }
    }
}

/// The CLI with `args`, either plainly (quiet) or with its progress bar on a pseudo-terminal.
fn cli_command(cli: &Path, token: &str, url: &str, bar: bool, args: &[&str]) -> Command {
    if bar {
        let quoted: Vec<String> = std::iter::once(cli.display().to_string())
            .chain(["--url", url].iter().chain(args).map(|a| a.to_string()))
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect();
        let mut cmd = Command::new("script");
        cmd.env("BOSBASE_TOKEN", token)
            .args(["-qec", &quoted.join(" "), "/dev/null"]);
        cmd
    } else {
        let mut cmd = Command::new(cli);
        cmd.env("BOSBASE_TOKEN", token)
            .args(["--url", url, "--quiet"])
            .args(args);
        cmd
    }
}

#[allow(clippy::too_many_arguments)]
fn transfers(
    cli: &Path,
    url: &str,
    token: &str,
    header: &Path,
    source: &Path,
    bytes: u64,
    mib: u64,
    runs: usize,
    work: &Path,
) -> Result<Vec<Row>, Error> {
    let mut tools = vec![Tool::Cli, Tool::Curl];
    // The bar's cost, where `script` can give the CLI a terminal to draw it on.
    if Command::new("script").arg("--version").output().is_ok() {
        tools.insert(1, Tool::CliBar);
    }
    let up_tools = tools.clone();
    tools.insert(tools.len() - 1, Tool::CliNoFsync);
    let mut up: Vec<Vec<Sample>> = vec![Vec::new(); tools.len()];
    let mut down: Vec<Vec<Sample>> = vec![Vec::new(); tools.len()];
    let out = work.join("download.zip");
    let out_arg = out.display().to_string();
    let source_arg = source.display().to_string();
    let curl_config = work.join("curl-download");

    // Each CLI variant once, watched: it must be seen to differ from the plain CLI in what it
    // changes, or its row would compare two identical runs.
    let key = "bench_proof.zip";
    upload_for_download(url, token, source, key)?;
    let down_args = |tool: Tool| -> Vec<String> {
        let mut args = vec!["download".into(), key.into(), "-o".into(), out_arg.clone()];
        if tool == Tool::CliNoFsync {
            args.push("--no-fsync".into());
        }
        args
    };
    let mut seen_down = Vec::new();
    for &tool in &tools {
        let seen = match tool {
            Tool::Curl => Seen::default(),
            tool => {
                let args = down_args(tool);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let seen = watch(cli_command(cli, token, url, tool == Tool::CliBar, &args))?;
                std::fs::remove_file(&out).ok();
                seen
            }
        };
        seen_down.push(seen);
    }
    delete(url, token, key)?;
    let plain = seen_down[0].clone();
    for (tool, seen) in tools.iter().zip(&seen_down) {
        let differs = match tool {
            Tool::CliBar => seen.bar && !plain.bar,
            Tool::CliNoFsync => seen.fdatasync == 0 && plain.fdatasync > 0,
            Tool::Cli | Tool::Curl => true,
        };
        if !differs {
            return Err(err(format!(
                "the variant \"{}\" was not seen to differ from the plain CLI ({} against {}): \
                 its row would measure the same thing twice",
                tool.name(),
                seen.describe(),
                plain.describe()
            )));
        }
    }

    for run in 0..runs {
        eprintln!(
            "{mib} MiB, run {}/{runs}: upload and download, interleaved",
            run + 1
        );
        // Interleaved, and the order rotates, so that no tool always gets the warmer cache.
        let mut order: Vec<usize> = (0..tools.len()).collect();
        order.rotate_left(run % tools.len());
        for &i in &order {
            if !up_tools.contains(&tools[i]) {
                continue;
            }
            let key = format!("bench_{run}_{i}.zip");
            let mut cmd = match tools[i] {
                Tool::Curl => {
                    let mut cmd = Command::new("curl");
                    cmd.args(["-sS", "--fail", "-o", "/dev/null", "-H"])
                        .arg(format!("@{}", header.display()))
                        .arg("-F")
                        .arg(format!(
                            "file=@{source_arg};filename={key};type=application/zip"
                        ))
                        .arg(format!("{url}/api/backups/upload"));
                    cmd
                }
                tool => cli_command(
                    cli,
                    token,
                    url,
                    tool == Tool::CliBar,
                    &["upload", &source_arg, "--name", &key],
                ),
            };
            up[i].push(measure(&mut cmd)?);
            // One copy at a time on the server: disk is the limit for large sizes.
            delete(url, token, &key)?;
        }
        let key = format!("bench_{run}.zip");
        upload_for_download(url, token, source, &key)?;
        for &i in &order {
            let mut cmd = match tools[i] {
                Tool::Curl => {
                    let file_token = json_post(
                        url,
                        "/api/files/token",
                        Some(token),
                        &serde_json::json!({}),
                    )?["token"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    // The URL with its file token goes through a config file, not the arguments.
                    std::fs::write(
                        &curl_config,
                        format!("url = \"{url}/api/backups/{key}?token={file_token}\"\n"),
                    )
                    .map_err(|e| err(e.to_string()))?;
                    let mut cmd = Command::new("curl");
                    cmd.args(["-sS", "--fail", "-o", &out_arg, "-K"])
                        .arg(&curl_config);
                    cmd
                }
                Tool::CliNoFsync => cli_command(
                    cli,
                    token,
                    url,
                    false,
                    &["download", &key, "-o", &out_arg, "--no-fsync"],
                ),
                tool => cli_command(
                    cli,
                    token,
                    url,
                    tool == Tool::CliBar,
                    &["download", &key, "-o", &out_arg],
                ),
            };
            down[i].push(measure(&mut cmd)?);
            let got = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            if got != bytes {
                return Err(err(format!("a download has {got} bytes, expected {bytes}")));
            }
            std::fs::remove_file(&out).ok();
        }
        delete(url, token, &key)?;
    }
    let mut rows = Vec::new();
    for (op, samples) in [("upload", up), ("download", down)] {
        for ((tool, samples), seen) in tools.iter().zip(samples).zip(&seen_down) {
            if samples.is_empty() {
                continue;
            }
            rows.push(Row {
                op,
                size_mib: mib,
                tool: tool.name(),
                samples,
                bytes,
                per_call: false,
                // Watched on the download; an upload with the bar draws the same bar.
                seen: match (op, tool) {
                    (_, Tool::Curl) => String::new(),
                    ("upload", Tool::Cli) => "no bar".into(),
                    ("upload", _) => "bar drawn (as on download)".into(),
                    _ => seen.describe(),
                },
            });
        }
    }
    Ok(rows)
}

/// What one watched run did.
#[derive(Clone, Default)]
struct Seen {
    fdatasync: usize,
    writeback: usize,
    /// Whether a progress bar was drawn (the plain CLI prints only the path it wrote).
    bar: bool,
}

impl Seen {
    fn describe(&self) -> String {
        format!(
            "fdatasync {}, sync_file_range {}, {}",
            self.fdatasync,
            self.writeback,
            if self.bar { "bar drawn" } else { "no bar" }
        )
    }
}

/// Runs `cmd` once under strace (following `script`'s child too), counting its flushes to disk,
/// and keeps what it drew on the terminal (what `script` passes through to its stdout).
fn watch(cmd: Command) -> Result<Seen, Error> {
    let trace = tempfile::NamedTempFile::new().map_err(|e| err(e.to_string()))?;
    let mut strace = Command::new("strace");
    strace
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=fdatasync,fsync,sync_file_range",
            "-o",
        ])
        .arg(trace.path())
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null());
    let out = strace
        .output()
        .map_err(|e| err(format!("cannot run strace (apt-get install strace): {e}")))?;
    if !out.status.success() {
        return Err(err(format!(
            "a watched run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let trace = std::fs::read_to_string(trace.path()).map_err(|e| err(e.to_string()))?;
    let count = |call: &str| trace.lines().filter(|l| l.contains(call)).count();
    Ok(Seen {
        fdatasync: count("fdatasync("),
        writeback: count("sync_file_range("),
        bar: String::from_utf8_lossy(&out.stdout).contains("downloading ["),
    })
}

pub(crate) fn upload_for_download(
    url: &str,
    token: &str,
    source: &Path,
    key: &str,
) -> Result<(), Error> {
    let status = Command::new("curl")
        .args(["-sS", "--fail", "-o", "/dev/null", "-H"])
        .arg(format!("Authorization: {token}"))
        .arg("-F")
        .arg(format!(
            "file=@{};filename={key};type=application/zip",
            source.display()
        ))
        .arg(format!("{url}/api/backups/upload"))
        .status()
        .map_err(|e| err(e.to_string()))?;
    if !status.success() {
        return Err(err("cannot upload the backup to download"));
    }
    Ok(())
}

pub(crate) fn delete(url: &str, token: &str, key: &str) -> Result<(), Error> {
    let status = Command::new("curl")
        .args(["-sS", "--fail", "-o", "/dev/null", "-X", "DELETE", "-H"])
        .arg(format!("Authorization: {token}"))
        .arg(format!("{url}/api/backups/{key}"))
        .status()
        .map_err(|e| err(e.to_string()))?;
    if !status.success() {
        return Err(err(format!("cannot delete {key}")));
    }
    Ok(())
}

fn listing(
    cli: &Path,
    server: &TestServer,
    token: &str,
    header: &Path,
    options: &Options,
) -> Result<Vec<Row>, Error> {
    eprintln!(
        "listing with {} backups on the server...",
        options.list_backups
    );
    let url = server.url();
    // Copies of one small backup straight into the backups dir: quick, and real to the server.
    json_post(
        &url,
        "/api/backups",
        Some(token),
        &serde_json::json!({"name": "seed.zip"}),
    )?;
    let dir = server.data_dir().join("backups");
    for i in 1..options.list_backups {
        std::fs::copy(dir.join("seed.zip"), dir.join(format!("copy_{i:04}.zip")))
            .map_err(|e| err(e.to_string()))?;
    }
    let mut sdk = Vec::new();
    let mut curl = Vec::new();
    for i in 0..options.list_calls * options.runs {
        let run_sdk = || {
            measure(
                Command::new(cli)
                    .env("BOSBASE_TOKEN", token)
                    .args(["--url", &url, "list", "--json"]),
            )
        };
        let run_curl = || {
            measure(
                Command::new("curl")
                    .args(["-sS", "--fail", "-o", "/dev/null", "-H"])
                    .arg(format!("@{}", header.display()))
                    .arg(format!("{url}/api/backups")),
            )
        };
        if i % 2 == 0 {
            sdk.push(run_sdk()?);
            curl.push(run_curl()?);
        } else {
            curl.push(run_curl()?);
            sdk.push(run_sdk()?);
        }
    }
    Ok(vec![
        Row {
            op: "list",
            size_mib: 0,
            tool: "CLI",
            samples: sdk,
            bytes: 0,
            per_call: true,
            seen: String::new(),
        },
        Row {
            op: "list",
            size_mib: 0,
            tool: "curl",
            samples: curl,
            bytes: 0,
            per_call: true,
            seen: String::new(),
        },
    ])
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| operation | size | tool | runs | median wall | MB/s | peak RSS | ratio to curl | seen in one run |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let curl = rows
            .iter()
            .find(|r| r.op == row.op && r.size_mib == row.size_mib && r.tool == "curl")
            .map(Row::wall);
        let size = if row.per_call {
            "per call".to_string()
        } else {
            format!("{} MiB", row.size_mib)
        };
        let wall = if row.per_call {
            format!("{:.1} ms", row.wall() * 1000.0)
        } else {
            format!("{:.2} s", row.wall())
        };
        let rate = if row.bytes > 0 {
            format!("{:.0}", row.bytes as f64 / 1e6 / row.wall())
        } else {
            "-".into()
        };
        let ratio = curl
            .map(|c| format!("{:.2}", row.wall() / c))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {size} | {} | {} | {wall} | {rate} | {:.1} MiB | {ratio} | {} |",
            row.op,
            row.tool,
            row.samples.len(),
            row.rss_mib(),
            row.seen
        );
    }
    out
}

fn json(rows: &[Row], options: &Options) -> String {
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "operation": r.op,
                "size_mib": r.size_mib,
                "tool": r.tool,
                "runs": r.samples.len(),
                "median_wall_s": r.wall(),
                "walls_s": r.samples.iter().map(|s| s.wall.as_secs_f64()).collect::<Vec<_>>(),
                "peak_rss_mib": r.rss_mib(),
                "bytes": r.bytes,
                "seen": r.seen,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "size_mib": options.size_mib,
        "runs": options.runs,
        "list_backups": options.list_backups,
        "results": rows,
    }))
    .unwrap()
}

pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::new(msg)
}

/// Builds the CLI (release: what users run) and returns its path.
fn cli_binary() -> Result<PathBuf, Error> {
    eprintln!("building the CLI (release)...");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet", "-p", "bosbase-backups-cli"])
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| err(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(err("cargo build --release -p bosbase-backups-cli failed"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    Ok(target.join("release/bosbase-backups"))
}

/// POSTs JSON with curl (the bench needs curl anyway) and returns the JSON answer.
pub(crate) fn json_post(
    url: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<serde_json::Value, Error> {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--fail-with-body",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
    ])
    .arg(body.to_string());
    if let Some(token) = token {
        cmd.arg("-H").arg(format!("Authorization: {token}"));
    }
    let output = cmd
        .arg(format!("{url}{path}"))
        .output()
        .map_err(|e| err(format!("cannot run curl: {e}")))?;
    if !output.status.success() {
        return Err(err(format!(
            "POST {path} failed: {}",
            String::from_utf8_lossy(&output.stdout)
        )));
    }
    if output.stdout.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&output.stdout).map_err(|e| err(format!("POST {path}: {e}")))
}
