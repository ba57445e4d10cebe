//! What the commands print: the human formats and the JSON shapes (documented in each command's
//! `--help`; keep them stable).

use std::io::{self, Write};
use std::path::Path;

use bosbase_backups::BackupInfo;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// One backup in JSON.
#[derive(Serialize)]
pub struct BackupJson<'a> {
    pub key: &'a str,
    pub size: u64,
    /// RFC 3339, UTC, milliseconds: `2026-11-26T09:39:01.097Z`.
    pub modified: String,
}

impl<'a> From<&'a BackupInfo> for BackupJson<'a> {
    fn from(b: &'a BackupInfo) -> Self {
        BackupJson {
            key: &b.key,
            size: b.size,
            modified: rfc3339(&b.modified),
        }
    }
}

#[derive(Serialize)]
pub struct DownloadJson<'a> {
    pub key: &'a str,
    pub path: &'a Path,
    pub size: u64,
}

#[derive(Serialize)]
pub struct DecryptJson<'a> {
    pub path: &'a Path,
    pub size: u64,
}

#[derive(Serialize)]
pub struct UrlJson<'a> {
    pub key: &'a str,
    pub url: &'a str,
}

#[derive(Serialize)]
pub struct DeleteJson<'a> {
    pub deleted: &'a [String],
}

#[derive(Serialize)]
pub struct PruneJson<'a> {
    pub dry_run: bool,
    pub kept: &'a [String],
    pub deleted: &'a [String],
}

#[derive(Serialize)]
pub struct HealthJson<'a> {
    pub url: &'a str,
    pub healthy: bool,
    pub message: &'a str,
    pub can_backup: Option<bool>,
}

#[derive(Serialize)]
pub struct RestoreJson<'a> {
    pub key: &'a str,
    pub status: &'static str,
    pub waited_seconds: f64,
}

pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `2026-11-26 09:39:01 UTC`.
pub fn human_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Binary units with one decimal: `512 B`, `1.0 KiB`, `220.1 KiB`, `1.5 GiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    // 1023.96 KiB would round to "1024.0 KiB": say 1.0 MiB instead.
    if format!("{value:.1}") == "1024.0" && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The `list` table: KEY, SIZE (right-aligned), MODIFIED.
pub fn table(backups: &[BackupInfo]) -> String {
    let rows: Vec<[String; 3]> = backups
        .iter()
        .map(|b| [b.key.clone(), human_size(b.size), human_time(&b.modified)])
        .collect();
    let key_width = rows
        .iter()
        .map(|r| r[0].chars().count())
        .fold(3, usize::max);
    let size_width = rows.iter().map(|r| r[1].len()).fold(4, usize::max);
    let mut out = format!("{:<key_width$}  {:>size_width$}  MODIFIED\n", "KEY", "SIZE");
    for [key, size, modified] in rows {
        out.push_str(&format!(
            "{key:<key_width$}  {size:>size_width$}  {modified}\n"
        ));
    }
    out
}

/// Writes the result to stdout. A closed pipe (`| head`) is not an error.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes one JSON value and a newline to stdout.
pub fn print_json(value: &impl Serialize) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    print(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (225_399, "220.1 KiB"),
            (1_048_575, "1.0 MiB"),
            (1_610_612_736, "1.5 GiB"),
            (u64::MAX, "16384.0 PiB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(human_size(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn table_aligns_columns() {
        let t = |s| bosbase_backups::pocketbase_time::parse(s).unwrap();
        let backups = [
            BackupInfo {
                key: "pb_backup_acme_20261126093901.zip".into(),
                size: 225_399,
                modified: t("2026-11-26 09:39:01.097Z"),
            },
            BackupInfo {
                key: "a.zip".into(),
                size: 12,
                modified: t("2026-11-25 08:00:00.000Z"),
            },
        ];
        assert_eq!(
            table(&backups),
            "\
KEY                                     SIZE  MODIFIED
pb_backup_acme_20261126093901.zip  220.1 KiB  2026-11-26 09:39:01 UTC
a.zip                                   12 B  2026-11-25 08:00:00 UTC
"
        );
    }
}
