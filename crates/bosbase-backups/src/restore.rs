//! Restores that report their real outcome.
//!
//! The server answers a restore with 204 before it starts. A restore that works replaces the data
//! and restarts the process; one that fails keeps the old data and says so only in its log. So
//! [`RestoreAndWait`]:
//! 1. checks that the backup is restorable (a zip that lists `data.db`), reading only the end of
//!    the zip and its central directory with `Range` requests;
//! 2. asks for the restore;
//! 3. watches for the restart: a connection held open to the server closes when the old process
//!    goes, and `/api/health` fails while it is away; meanwhile it reads the log for
//!    `Failed to restore backup` with this key;
//! 4. waits for the server to be healthy again, then checks that the client still works, logging
//!    in again when the restored superusers refuse its token and it holds the password.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::io::AsyncReadExt;

use crate::backups::listed_size;
use crate::client::{Client, RequestOptions, Route};
use crate::error::{Error, Result};
use crate::name::check_key;
use crate::zipcheck::{self, RangeRead};

/// How long [`RestoreAndWait`] waits by default.
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
pub struct RestoreAndWait<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    timeout: Duration,
    check: bool,
    wait: Option<Duration>,
}

impl<'a> RestoreAndWait<'a> {
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
        let (list, since) = self.client.list_backups(&RequestOptions::default()).await?;
        if self.check {
            verify_listed(self.client, key, listed_size(&list, key)?).await?;
        }
        let went_away = Arc::new(AtomicBool::new(false));
        let watcher = watch_for_exit(self.client.base_url(), went_away.clone()).await;

        let started = Instant::now();
        let route = Route {
            idempotent: false,
            op: "restore",
            method: "POST",
            path: "/api/backups/{key}/restore",
        };
        crate::retry::while_busy(self.client, self.wait, || {
            self.client
                .call(route, &self.opts, Some(key), |api| async move {
                    api.restore_backup(key).await
                })
        })
        .await?;

        let result = self.wait(started, since, &went_away).await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        let elapsed = result?;

        // The client must work again: its auth store logs in again if the restored superusers
        // refuse its token and it holds the password.
        let authorized = match self.client.backups().list().await {
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
        went_away: &AtomicBool,
    ) -> Result<Duration> {
        let deadline = started + self.timeout;
        let mut last_log_check = Instant::now();
        loop {
            if Instant::now() > deadline {
                return Err(Error::RestoreTimeout {
                    key: self.key.clone(),
                    waited: self.timeout,
                    restarted: went_away.load(Ordering::SeqCst),
                });
            }
            let health = self.client.health_once().await;
            // Only a refused connection says the process is away; a slow answer from a server
            // busy restoring a large backup says nothing.
            let refused = matches!(&health, Err(Error::Transport(e)) if e.is_connect());
            if refused {
                went_away.store(true, Ordering::SeqCst);
            } else if health.is_err() {
                // Not an answer either way: ask again.
            } else if went_away.load(Ordering::SeqCst) {
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
        let route = Route {
            idempotent: true,
            op: "logs",
            method: "GET",
            path: "/api/logs",
        };
        let filter = filter.as_str();
        let logs = self
            .client
            .call(route, &RequestOptions::default(), None, |api| async move {
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

/// PocketBase closes a connection that sends nothing after 60 s: a watch connection is replaced
/// well before that, so that only a closure of a young connection counts as the process leaving.
const WATCH_RENEW: Duration = Duration::from_secs(20);

/// Holds a connection open to the server and sets `went_away` when the server closes it: the
/// old process's sockets close when a restore restarts it. The connection is renewed every 20 s,
/// before the server's own idle cut. (Behind a proxy the proxy may keep it open; the health checks
/// catch the restart then.)
async fn watch_for_exit(
    base_url: &str,
    went_away: Arc<AtomicBool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let url = url::Url::parse(base_url).ok()?;
    let addr = (url.host_str()?.to_string(), url.port_or_known_default()?);
    let mut stream = tokio::net::TcpStream::connect(addr.clone()).await.ok()?;
    Some(tokio::spawn(async move {
        let mut buf = [0u8; 64];
        loop {
            // Nothing is sent, so the server sends nothing either until it closes the connection.
            match tokio::time::timeout(WATCH_RENEW, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => continue,
                Ok(_) => break, // closed or broken: the process went away
                Err(_) => match tokio::net::TcpStream::connect(addr.clone()).await {
                    Ok(fresh) => stream = fresh,
                    Err(_) => break, // refused: the process is away
                },
            }
        }
        went_away.store(true, Ordering::SeqCst);
    }))
}

/// A backup on the server, read with `Range` requests.
pub(crate) struct RemoteBackup<'a> {
    client: &'a Client,
    key: &'a str,
    len: u64,
    token: Option<crate::files::FileToken>,
}

impl<'a> RemoteBackup<'a> {
    pub(crate) fn new(client: &'a Client, key: &'a str, len: u64) -> Self {
        Self {
            client,
            key,
            len,
            token: None,
        }
    }
}

impl RangeRead for RemoteBackup<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
        use futures_util::TryStreamExt;
        if self.token.is_none() {
            self.token = Some(self.client.files().token().await?);
        }
        let token = self.token.as_ref().expect("set above");
        let key = self.key;
        let range = format!("bytes={}-{}", offset, offset + len - 1);
        let rv = self
            .client
            .get_backup(&RequestOptions::default(), key, token, Some(&range))
            .await?;
        if rv.status() != 206 {
            return Err(Error::InvalidResponse(format!(
                "asked for a range of {key:?}, got HTTP {}",
                rv.status()
            )));
        }
        let mut out = Vec::with_capacity(len as usize);
        let mut body = rv.into_inner().into_inner();
        while let Some(chunk) = body.try_next().await.map_err(Error::transport)? {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > len {
                break;
            }
        }
        if out.len() as u64 != len {
            return Err(Error::InvalidResponse(format!(
                "asked for {len} bytes of {key:?}, got {}",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// [`Backups::verify`](crate::Backups::verify) of a backup whose listed size is known.
async fn verify_listed(client: &Client, key: &str, size: u64) -> Result<()> {
    let mut remote = RemoteBackup::new(client, key, size);
    match zipcheck::check(&mut remote).await? {
        Ok(()) => Ok(()),
        Err(why) => Err(Error::NotABackup {
            what: format!("backup {key:?}"),
            why: why.describe(),
        }),
    }
}

impl Client {
    /// One health check, without retries: for watching a restart.
    pub(crate) async fn health_once(&self) -> Result<()> {
        let url = format!("{}/api/health", self.base_url());
        let response = self
            .inner
            .http
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .map_err(Error::transport)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(Error::from_response(response, None).await)
        }
    }
}

crate::requests::request_options!(RestoreAndWait);
crate::requests::into_future!(RestoreAndWait => RestoreReport);

#[cfg(test)]
mod tests {
    use super::*;

    /// The server cuts a silent connection after 60 s; that must not pass for a restart (a large
    /// restore takes longer than that), while a real exit must be seen at once.
    #[tokio::test]
    async fn the_watch_outlives_the_idle_cut_and_sees_an_exit() {
        let mut server = bosbase_backups_tests::TestServer::start();
        let went_away = Arc::new(AtomicBool::new(false));
        let watch = watch_for_exit(&server.url(), went_away.clone())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(65)).await;
        assert!(
            !went_away.load(Ordering::SeqCst),
            "the idle cut was taken for an exit"
        );
        server.kill();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !went_away.load(Ordering::SeqCst) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the exit was not seen"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        watch.abort();
    }
}
