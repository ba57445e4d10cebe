//! Restores that report their real outcome.
//!
//! The server answers a restore with 204 before it starts. A restore that works replaces the data
//! and restarts the process; one that fails before replacing anything (no `data.db`, an entry that
//! does not extract) keeps the old data and says so only in its log. So
//! [`RestoreBackupAndWait`]:
//! 1. checks that the backup is restorable (a zip that lists `data.db`), reading only the end of
//!    the zip and its central directory with `Range` requests;
//! 2. asks for the restore;
//! 3. watches for the restart: a connection held open to the server closes when the old process
//!    goes, and `/api/health` fails while it is away; meanwhile it reads the log for
//!    `Failed to restore backup` with this key;
//! 4. waits for the server to be healthy again, then checks that the client still works, logging
//!    in again when the restored superusers refuse its token and it holds the password.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::{list_dated, listed_size};
use crate::name::check_key;
use crate::operation::Operation;
use crate::options::RequestOptions;
use crate::watch::RestartWatch;
use crate::zipcheck;

/// How long [`RestoreBackupAndWait`] waits by default.
pub const DEFAULT_RESTORE_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(100);
const LOG_POLL: Duration = Duration::from_secs(1);
const FAILED_RESTORE: &str = "Failed to restore backup";

/// What a restore that took effect looked like.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreReport {
    /// The backup the server now runs on.
    pub key: String,
    /// From the request until the server was healthy again.
    pub elapsed: Duration,
    /// Whether the client is still authorized: false when the restored data refused its token and
    /// it holds no password to log in again (log in again before the next call).
    pub authorized: bool,
}

/// Restore and wait for the outcome: see [`Backups::restore_and_wait`](crate::Backups::restore_and_wait).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RestoreBackupAndWait<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    timeout: Duration,
    check: bool,
    wait: Option<Duration>,
}

impl<'a> RestoreBackupAndWait<'a> {
    pub(crate) fn new(client: &'a Client, key: &str) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
            key: key.into(),
            timeout: DEFAULT_RESTORE_TIMEOUT,
            check: true,
            wait: None,
        }
    }

    /// Gives up waiting after `timeout` (default 2 minutes): an error, never a success.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Skips the check that the backup is a zip with `data.db` (the server then finds out itself,
    /// and the failure is reported from its log).
    pub fn skip_check(mut self) -> Self {
        self.check = false;
        self
    }

    /// While another backup or restore runs, waits (polling health's `canBackup`) and tries
    /// again, for at most `wait`, instead of failing at once with [`Error::Busy`].
    pub fn wait_if_busy(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Restores and waits for the outcome.
    pub async fn send(self) -> Result<RestoreReport> {
        check_key(&self.key)?;
        self.opts.check()?;
        let key = self.key.as_str();
        // Log entries of this restore are those created from now on, by the server's clock.
        let (client, opts) = (self.client, &self.opts);
        let (list, since) = list_dated(client, opts).await?;
        if self.check {
            zipcheck::check_remote(client, opts, key, listed_size(&list, key)?).await?;
        }
        let watch = RestartWatch::start(client).await;

        let started = Instant::now();
        crate::retry::while_busy(client, self.wait, || {
            crate::restore::send(client, opts, key)
        })
        .await?;

        let elapsed = self.wait(started, since, watch.as_ref()).await?;

        // The client must work again: its auth store logs in again if the restored superusers
        // refuse its token and it holds the password.
        let authorized = match list_dated(client, opts).await {
            Ok(_) => true,
            Err(Error::Unauthorized {
                can_login: false, ..
            }) => false,
            Err(e) => return Err(e),
        };
        Ok(RestoreReport {
            key: self.key,
            elapsed,
            authorized,
        })
    }

    async fn wait(
        &self,
        started: Instant,
        since: Option<DateTime<Utc>>,
        watch: Option<&RestartWatch>,
    ) -> Result<Duration> {
        let mut went_away = false;
        let deadline = started + self.timeout;
        let mut last_log_check = Instant::now();
        loop {
            if Instant::now() > deadline {
                return Err(Error::RestoreTimeout {
                    key: self.key.clone(),
                    waited: self.timeout,
                    restarted: went_away,
                });
            }
            let health = crate::health::probe(self.client, &self.opts).await;
            // Only a refused connection says the process is away; a slow answer from a server
            // busy restoring a large backup says nothing.
            let refused = matches!(&health, Err(Error::Transport(e)) if e.is_connect());
            went_away |= refused || watch.is_some_and(RestartWatch::restarted);
            if refused || health.is_err() {
                // Away, or not an answer either way: ask again.
            } else if went_away {
                return Ok(started.elapsed());
            } else if last_log_check.elapsed() >= LOG_POLL {
                last_log_check = Instant::now();
                if let Some(reason) = self.failure_in_log(since).await? {
                    return Err(Error::RestoreFailed {
                        key: self.key.clone(),
                        reason,
                    });
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The server's reason, if its log says this restore failed.
    async fn failure_in_log(&self, since: Option<DateTime<Utc>>) -> Result<Option<String>> {
        let mut filter = format!("message = \"{FAILED_RESTORE}\"");
        if let Some(since) = since {
            // One second of slack: the server's Date header has whole seconds.
            let since = since - chrono::Duration::seconds(1);
            filter.push_str(&format!(
                " && created >= \"{}\"",
                crate::models::pocketbase_time::format(&since)
            ));
        }
        let filter = filter.as_str();
        let logs = self
            .client
            .call(Operation::ListLogs, &self.opts, None, |api| async move {
                api.list_logs(Some(filter), None, Some(20), Some("-created"))
                    .await
            })
            .await?
            .into_inner();
        Ok(logs.items.into_iter().find_map(|entry| {
            let data = &entry.data;
            (data.get("key").and_then(|k| k.as_str()) == Some(self.key.as_str())).then(|| {
                data.get("error")
                    .and_then(|e| e.as_str())
                    .unwrap_or("no reason given")
                    .to_string()
            })
        }))
    }
}

crate::options::request_options!(RestoreBackupAndWait);
crate::options::into_future!(RestoreBackupAndWait => RestoreReport);
