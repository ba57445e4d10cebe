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
//! [`Backups::restore_and_wait`] does what a careful operator would: checks the backup, restores,
//! waits for the restart and reports the real outcome.
//!
//! ```no_run
//! # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
//! use std::time::Duration;
//! match client.backups().restore_and_wait("weekly_backup.zip").timeout(Duration::from_secs(300)).await {
//!     Ok(report) => println!("restored {} in {:?}", report.key, report.elapsed),
//!     Err(bosbase_backups::Error::RestoreFailed { reason, .. }) => eprintln!("not restored: {reason}"),
//!     Err(e) => return Err(e),
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
#[cfg(any(feature = "rustls", feature = "offsite"))]
mod tls;
mod upload;
mod watch;
mod zipcheck;

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
#[cfg(any(feature = "rustls", feature = "offsite"))]
pub use tls::install_provider as install_tls_provider;
pub use upload::UploadBackup;
pub use watch::RestartWatch;
pub use zipcheck::{CheckBackup, verify_file};

/// The generated low-level client, for what this crate does not cover.
pub use bosbase_backups_api as api;
pub use secrecy::{ExposeSecret, SecretString};
