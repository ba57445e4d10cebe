//! Verification: does this backup restore, and what would it bring back?
//!
//! One report for a backup on the server ([`Backups::verify`](crate::Backups::verify)) and a
//! local file ([`verify_file`]). The zip is read with the `zip` crate; each database entry
//! (`data.db`, `auxiliary.db`) is streamed into a temporary directory (always removed) and checked
//! by real SQLite (`PRAGMA integrity_check`), and `data.db` is asked what a restore would bring
//! back: collections with record counts, superusers, the newest migration.
//!
//! A remote verify reads with HTTP `Range` requests: the end of the zip, its central directory and
//! the database entries only, unless [`full`](VerifyBackup::full) streams every entry once to check
//! its CRC-32 as well. Memory stays constant: entries are streamed, never held.

mod compare;
mod inspect;
mod remote;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::name::check_key;
use crate::options::RequestOptions;
use crate::progress::{Progress, ProgressFn};

pub use compare::Difference;
pub(crate) use compare::differences;

/// What a verify found: the zip, its databases, and what a restore would bring back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// How many entries the zip has.
    pub entries: u64,
    /// Their uncompressed size, in bytes.
    pub uncompressed_bytes: u64,
    /// Each database of the backup (`data.db`, and `auxiliary.db` when present).
    pub databases: Vec<DatabaseCheck>,
    /// The collections `data.db` holds, by name, with their record counts.
    pub collections: Vec<CollectionCount>,
    /// How many superusers a restore brings back (they replace the server's).
    pub superusers: u64,
    /// The newest migration applied to `data.db` (migrations newer than this on the server are
    /// applied again after a restore).
    pub newest_migration: Option<String>,
    /// The files under `storage/`.
    pub storage: StorageFiles,
    /// Whether every entry was read and its CRC-32 checked ([`VerifyBackup::full`]).
    pub full: bool,
    /// Bytes read from the file, or fetched from the server for a remote verify.
    pub bytes_read: u64,
}

impl VerifyReport {
    /// The record count of the collection `name`, if the backup has it.
    pub fn records(&self, name: &str) -> Option<u64> {
        self.collections
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.records)
    }
}

/// One database of a backup, as SQLite found it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DatabaseCheck {
    /// Its entry name, e.g. `data.db`.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether `PRAGMA integrity_check` answered `ok`.
    pub ok: bool,
    /// The first problems found, when not ok.
    pub problems: Vec<String>,
}

/// A collection of a backup (or of a server) and its number of records.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub struct CollectionCount {
    /// The collection's name.
    pub name: String,
    /// `base`, `auth` or `view`.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many records it has.
    pub records: u64,
}

impl CollectionCount {
    /// A collection with its count.
    pub fn new(name: impl Into<String>, kind: impl Into<String>, records: u64) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            records,
        }
    }
}

/// The uploaded files of a backup (`storage/`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StorageFiles {
    /// How many files.
    pub files: u64,
    /// Their uncompressed size, in bytes.
    pub bytes: u64,
}

/// Verifies a backup on the server: see [`Backups::verify`](crate::Backups::verify).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct VerifyBackup<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    full: bool,
    progress: Option<ProgressFn>,
}

impl<'a> VerifyBackup<'a> {
    pub(crate) fn new(client: &'a Client, key: &str) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
            key: key.into(),
            full: false,
            progress: None,
        }
    }

    /// Streams every entry once and checks its CRC-32 too, instead of reading only the central
    /// directory and the databases: as many bytes as a download.
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// Calls `f` as bytes arrive (`total` is the backup's size in full mode).
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Verifies. A damaged backup is [`Error::Damaged`], naming the entry and the problem.
    pub async fn send(self) -> Result<VerifyReport> {
        check_key(&self.key)?;
        self.opts.check()?;
        let size = crate::list::size_of(self.client, &self.opts, &self.key).await?;
        verify_listed(
            self.client,
            self.opts,
            &self.key,
            size,
            self.full,
            self.progress,
        )
        .await
    }
}

/// A remote verify of `key`, whose listed size is `size`.
pub(crate) async fn verify_listed(
    client: &Client,
    opts: RequestOptions,
    key: &str,
    size: u64,
    full: bool,
    progress: Option<ProgressFn>,
) -> Result<VerifyReport> {
    let reader = remote::RangeReader::new(client.clone(), opts, key, size, full, progress);
    let (hint, fetched) = (reader.hint(), reader.fetched());
    let failed = reader.failure();
    let outcome = tokio::task::spawn_blocking(move || {
        inspect::inspect(reader, full, &|start, end| hint.set(start, end))
    })
    .await
    .map_err(|e| Error::InvalidResponse(format!("the verify task failed: {e}")))?;
    finish(
        format!("backup {key:?}"),
        outcome,
        failed.take(),
        fetched.get(),
    )
}

/// Verifies the local backup zip at `path`: see [`VerifyFile`].
///
/// ```no_run
/// # async fn run() -> bosbase_backups::Result<()> {
/// let report = bosbase_backups::verify_file("nightly.zip").full(true).await?;
/// for c in &report.collections {
///     println!("{} ({}): {} records", c.name, c.kind, c.records);
/// }
/// # Ok(())
/// # }
/// ```
pub fn verify_file(path: impl AsRef<Path>) -> VerifyFile {
    VerifyFile {
        path: path.as_ref().into(),
        full: false,
        progress: None,
    }
}

/// Verifies a local backup zip: see [`verify_file`].
#[must_use = "a verify does nothing until it is sent or awaited"]
pub struct VerifyFile {
    path: PathBuf,
    full: bool,
    progress: Option<ProgressFn>,
}

impl VerifyFile {
    /// Reads every entry and checks its CRC-32 too, instead of only the central directory and
    /// the databases.
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// Calls `f` as bytes are read.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Verifies. A damaged backup is [`Error::Damaged`], naming the entry and the problem.
    pub async fn send(self) -> Result<VerifyReport> {
        let Self {
            path,
            full,
            progress,
        } = self;
        tokio::task::spawn_blocking(move || {
            let reader = remote::LocalReader::open(&path, full, progress)?;
            let (failed, read) = (reader.failure(), reader.read_counter());
            let outcome = inspect::inspect(reader, full, &|_, _| {});
            finish(
                path.display().to_string(),
                outcome,
                failed.take(),
                read.get(),
            )
        })
        .await
        .map_err(|e| Error::InvalidResponse(format!("the verify task failed: {e}")))?
    }
}

impl std::future::IntoFuture for VerifyFile {
    type Output = Result<VerifyReport>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The result of a verify: a failure of the reader (the connection, the local file) wins over
/// what the zip reader made of it, so that a cut connection is never called damage.
fn finish(
    backup: String,
    outcome: inspect::Outcome,
    reader_failure: Option<Error>,
    bytes_read: u64,
) -> Result<VerifyReport> {
    if let Some(e) = reader_failure {
        return Err(e);
    }
    let mut report = outcome.report;
    report.bytes_read = bytes_read;
    match outcome.failure {
        None => Ok(report),
        Some(inspect::Failure::Damaged { entry, problem }) => Err(Error::Damaged {
            backup,
            entry,
            problem,
            report: Some(Box::new(report)),
        }),
        Some(inspect::Failure::Local(e)) => Err(e),
    }
}

crate::options::request_options!(VerifyBackup);
crate::options::into_future!(VerifyBackup => VerifyReport);
