//! Back up, move and restore [BosBase](https://github.com/bosbase) and PocketBase servers: the
//! Backups API for Rust.
//!
//! ```no_run
//! use bosbase_backups::Client;
//!
//! # async fn run() -> bosbase_backups::Result<()> {
//! let client = Client::new("http://127.0.0.1:8090")?;
//! client.auth_with_password("admin@example.com", "a-long-password").await?;
//!
//! client.backups().create("weekly_backup.zip").await?;
//! let auto = client.backups().create_auto().await?; // the server picks the name
//! for backup in client.backups().list().await? {
//!     println!("{} {} bytes, {}", backup.key, backup.size, backup.modified);
//! }
//! client.backups().download(&auto.key).to_path("backup.zip").await?;
//! client.backups().upload_file("backup.zip").name("moved.zip").await?;
//! client.backups().delete(&auto.key).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Auth
//!
//! Every call needs a superuser. [`Client::auth_with_password`] logs in and keeps the password, so
//! the client can refresh its token before it expires (the expiry is read from the token) and log in
//! again when the server refuses the token, for instance after a restore replaced the superusers.
//! A client built with [`ClientBuilder::token`] uses that token until it expires, refreshing it
//! while it is still valid. Clones of a client share one token. Tokens and passwords never appear in
//! `Debug` output, logs or error messages.
//!
//! # File tokens
//!
//! Downloads are not authorized by the superuser token but by a *file token* in the URL, valid for
//! about 3 minutes: [`Files::token`] gets one, [`Backups::download_url`] builds the URL, as the Go
//! SDK's `Files.GetToken` and `Backups.GetDownloadURL` do. [`Backups::download`] does both for you
//! and streams the file.
//!
//! # Restores
//!
//! [`Backups::restore`] only asks: the server answers before it starts, then replaces all its data
//! (superusers and logs included) with the backup's and restarts itself. Connections are refused
//! for a moment; the tokens of the old data may no longer be valid. A restore that fails before
//! replacing anything (a zip without `data.db`, an entry that does not extract) leaves the old data
//! in place and is reported only in the server's log. A backup whose `data.db` is not a valid
//! database takes the server down (see [`Backups::restore`]). Restores are not supported on
//! Windows servers.
//!
//! [`Backups::restore_and_wait`] does what a careful operator would: verifies the backup (and
//! refuses a damaged one, sending nothing), restores, waits for the restart, reports the real
//! outcome, and compares the collections and record counts the restarted server reports with the
//! backup's: the server applies again every migration newer than the backup (automigrate's
//! `pb_migrations/*.js`), so it may not run on exactly the backup's data.
//!
//! ```no_run
//! # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
//! use std::time::Duration;
//! match client.backups().restore_and_wait("weekly_backup.zip").timeout(Duration::from_secs(300)).await {
//!     Ok(report) if report.differences.is_empty() => println!("restored {} in {:?}", report.key, report.elapsed),
//!     Ok(report) => for d in &report.differences { eprintln!("restored, but {d}") },
//!     Err(bosbase_backups::Error::Damaged { entry, problem, .. }) => eprintln!("refused: {entry}: {problem}"),
//!     Err(bosbase_backups::Error::RestoreFailed { reason, .. }) => eprintln!("not restored: {reason}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The server's own schedule and storage
//!
//! [`Client::settings`] reads and changes the `backups` member of the server's settings, and
//! nothing else: the schedule of the backups it makes itself (a cron expression in UTC, checked
//! before sending by [`check_cron`], and how many of them it keeps) and where it keeps every
//! backup, its disk or an S3 bucket ([`S3Config`], whose secret is write-only and redacted).
//!
//! ```no_run
//! # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
//! client.settings().update_backups().schedule("0 3 * * *", 7).await?;
//! let settings = client.settings().backups().await?;
//! println!("{:?}, keeping {}, on {:?}", settings.cron, settings.keep, settings.storage);
//! # Ok(())
//! # }
//! ```
//!
//! # Verify
//!
//! [`Backups::verify`] (on the server, with `Range` requests) and [`verify_file`] (a local zip)
//! prove that a backup restores before the bad day: its databases read by SQLite
//! (`PRAGMA integrity_check`), and what a restore brings back, as a [`VerifyReport`]: collections
//! with record counts, superusers, the newest migration, the uploaded files. By default only the
//! zip's directory and its databases are read; `full(true)` reads every entry once and checks its
//! CRC-32. A damaged backup is [`Error::Damaged`], naming the entry and the problem.
//!
//! ```no_run
//! # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
//! let report = client.backups().verify("weekly_backup.zip").full(true).await?;
//! for c in &report.collections {
//!     println!("{} ({}): {} records", c.name, c.kind, c.records);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Names
//!
//! Backups are named `[a-z0-9_-]+.zip`, at most 150 characters: [`BackupName`]. Names are checked
//! before any request, uploads included (the server does not check those).
//!
//! # Tracing
//!
//! Every call runs in a `bosbase_backups` span with the operation, method, route, status and
//! duration; never a token, a password or a key-bearing URL with its token.
#![deny(missing_docs)]

mod auth;
mod backups;
mod client;
mod create;
mod delete;
mod download;
#[cfg(feature = "encryption")]
pub mod encryption;
mod error;
mod files;
mod health;
mod list;
mod models;
mod name;
#[cfg(feature = "offsite")]
pub mod offsite;
mod operation;
mod options;
mod partfile;
mod progress;
mod restore;
mod restore_and_wait;
mod retry;
mod settings;
#[cfg(any(feature = "rustls", feature = "offsite"))]
mod tls;
mod upload;
mod verify;
mod watch;

pub use backups::Backups;
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use create::{CreateAutoBackup, CreateBackup};
pub use delete::DeleteBackup;
pub use download::DownloadBackup;
pub use error::{Error, FieldError, Result};
pub use files::{CreateFileToken, FileToken, Files};
pub use health::HealthCheck;
pub use list::ListBackups;
pub use models::{BackupInfo, Health, HealthData, Superuser, pocketbase_time};
pub use name::{BackupName, KeyError, MAX_NAME_LEN, NameError, check_key};
pub use progress::Progress;
pub use restore::RestoreBackup;
pub use restore_and_wait::{DEFAULT_RESTORE_TIMEOUT, RestoreBackupAndWait, RestoreReport};
pub use settings::{
    BackupSettings, BackupStorage, CRON_MACROS, CronError, S3Config, S3Location, Settings,
    UpdateSettings, check_cron,
};
#[cfg(any(feature = "rustls", feature = "offsite"))]
pub use tls::install_provider as install_tls_provider;
pub use upload::UploadBackup;
pub use verify::{
    CollectionCount, DatabaseCheck, Difference, StorageFiles, VerifyBackup, VerifyFile,
    VerifyReport, verify_file,
};
pub use watch::RestartWatch;

/// The generated low-level client, for what this crate does not cover.
pub use bosbase_backups_api as api;
pub use secrecy::{ExposeSecret, SecretString};
