//! Waiting for a restore to finish. The server answers the restore request before it starts;
//! about a second later it replaces its data and restarts (connections are refused for a moment),
//! or, when the restore fails, keeps running on its old data and says so only in its logs.
//!
//! So this polls `GET /api/health` quickly: the server went down and answers again = restarted.
//! Meanwhile it reads the server's logs for a "Failed to restore backup" entry about this key that
//! was not there before, to report a failure at once rather than at the timeout. When the restart
//! was too quick to see, two signs still tell it happened: the server's backup lock was taken and
//! released and no failure was logged within a few seconds (the server writes its logs every
//! 3 s), or the old superuser token is refused (the superusers were replaced).
//!
//! Kept in this one module so that an SDK function can replace it.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bosbase_backups::{Client, ExposeSecret, SecretString};

use crate::error::{CliError, code, server_url};

/// Between two health probes.
const POLL: Duration = Duration::from_millis(25);
/// Between two log queries.
const LOG_POLL: Duration = Duration::from_secs(1);
/// The server writes its logs every 3 s: no failure entry this long after the backup lock was
/// released means there was no failure.
const QUIET: Duration = Duration::from_secs(6);

/// How the wait ended well.
pub struct Outcome {
    pub waited: Duration,
    /// Whether the down time of the restart was seen (else the restart was inferred).
    pub restart_seen: bool,
}

/// What is known before the restore request: the failures the logs already show for this key.
pub struct Watch {
    logs: Option<Logs>,
}

/// Call before sending the restore request.
pub async fn prepare(client: &Client, key: &str) -> Watch {
    let Some(token) = client.token().await else {
        return Watch { logs: None };
    };
    let mut logs = Logs {
        http: match crate::session::http_client(Duration::from_secs(2), Duration::from_secs(5)) {
            Ok(http) => http,
            Err(_) => return Watch { logs: None },
        },
        url: format!("{}/api/logs", client.base_url()),
        token,
        key: key.to_string(),
        seen: HashSet::new(),
    };
    // Logs may be disabled or not offered (another server): then only health tells.
    let logs = match logs.failures().await {
        LogAnswer::Failures(old) => {
            logs.seen = old.into_iter().map(|(id, _)| id).collect();
            Some(logs)
        }
        _ => None,
    };
    Watch { logs }
}

/// Waits until the server restarted after the restore of `key` was accepted, or fails with what
/// went wrong: a logged failure (exit code 6) or no confirmation within `timeout` (exit code 9).
pub async fn wait(
    watch: Watch,
    client: &Client,
    key: &str,
    timeout: Duration,
    note: &dyn Fn(&str),
) -> Result<Outcome, CliError> {
    let started = Instant::now();
    // A --timeout too large to add is as good as none.
    let deadline = started
        .checked_add(timeout)
        .unwrap_or(started + Duration::from_secs(100 * 365 * 86_400));
    let mut logs = watch.logs;
    let token = client.token().await;
    let probe = probe_client(client.base_url(), token.as_ref())?;
    let mut down_since: Option<Instant> = None;
    let mut busy_seen = false;
    let mut released_at: Option<Instant> = None;
    let mut next_log_check = started + LOG_POLL;
    let done = |restart_seen| {
        Ok(Outcome {
            waited: started.elapsed(),
            restart_seen,
        })
    };
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out(key, timeout, down_since, busy_seen));
        }
        let budget = (deadline - now).min(Duration::from_secs(3));
        match tokio::time::timeout(budget, probe.health()).await {
            Ok(Ok(health)) => {
                if down_since.is_some() {
                    note("the server answers again");
                    return done(true);
                }
                if health.can_backup() == Some(false) {
                    if !busy_seen {
                        note("the server is restoring");
                    }
                    busy_seen = true;
                    released_at = None;
                } else if busy_seen && released_at.is_none() {
                    released_at = Some(Instant::now());
                }
            }
            // Refused, reset, timed out or not healthy: the old process is gone or going.
            Ok(Err(_)) | Err(_) => {
                if down_since.is_none() {
                    note("the server went down to restart");
                    down_since = Some(Instant::now());
                }
            }
        }
        if down_since.is_none()
            && let Some(l) = logs.as_ref()
            && Instant::now() >= next_log_check
        {
            next_log_check = Instant::now() + LOG_POLL;
            match l.failures().await {
                LogAnswer::Failures(entries) => {
                    if let Some((_, error)) =
                        entries.into_iter().find(|(id, _)| !l.seen.contains(id))
                    {
                        return Err(CliError::new(
                            code::SERVER,
                            format!(
                                "the restore of {key:?} failed on {}, which keeps running on its \
                                 old data; the server logged: {error}",
                                server_url()
                            ),
                        ));
                    }
                }
                // The superusers were replaced: the restore went through.
                LogAnswer::TokenRefused if busy_seen => return done(false),
                _ => logs = None,
            }
        }
        if down_since.is_none()
            && logs.is_some()
            && released_at.is_some_and(|at| at.elapsed() >= QUIET)
        {
            return done(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A client that gives up quickly: each probe must be short.
fn probe_client(url: &str, token: Option<&SecretString>) -> Result<Client, CliError> {
    let http = crate::session::http_client(Duration::from_secs(1), Duration::from_secs(2))?;
    let mut builder = Client::builder(url).http_client(http);
    if let Some(token) = token {
        builder = builder.token(token.expose_secret());
    }
    Ok(builder.build()?)
}

fn timed_out(key: &str, timeout: Duration, down_since: Option<Instant>, busy: bool) -> CliError {
    let secs = timeout.as_secs();
    let message = match down_since {
        Some(at) => format!(
            "{} went down to restore {key:?} {} s ago and has not answered since; the restore may \
             still run (a large backup takes a while) or the server failed to start: check the \
             server and its output, or wait longer with --timeout",
            server_url(),
            at.elapsed().as_secs()
        ),
        None => format!(
            "{} accepted the restore of {key:?} but did not restart within {secs} s{}; it may \
             still be restoring a large backup: check `bosbase-backups health` and the server's \
             logs, or wait longer with --timeout",
            server_url(),
            if busy {
                ""
            } else {
                " and never showed the restore running"
            }
        ),
    };
    CliError::new(code::TIMEOUT, message)
}

/// `GET /api/logs` for the failures of restores of one key. Not in the SDK: see the README.
struct Logs {
    http: reqwest::Client,
    url: String,
    token: SecretString,
    key: String,
    seen: HashSet<String>,
}

enum LogAnswer {
    /// `(id, error)` of each failure entry.
    Failures(Vec<(String, String)>),
    TokenRefused,
    Unavailable,
}

impl Logs {
    async fn failures(&self) -> LogAnswer {
        let key = self.key.replace('\\', "\\\\").replace('"', "\\\"");
        let filter = format!("message=\"Failed to restore backup\" && data.key=\"{key}\"");
        let mut auth = match reqwest::header::HeaderValue::from_str(self.token.expose_secret()) {
            Ok(v) => v,
            Err(_) => return LogAnswer::Unavailable,
        };
        auth.set_sensitive(true);
        let response = self
            .http
            .get(&self.url)
            .query(&[
                ("filter", filter.as_str()),
                ("sort", "-created"),
                ("perPage", "100"),
                ("fields", "id,data"),
            ])
            .header(reqwest::header::AUTHORIZATION, auth)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(_) => return LogAnswer::Unavailable,
        };
        match response.status().as_u16() {
            200 => {}
            401 => return LogAnswer::TokenRefused,
            _ => return LogAnswer::Unavailable,
        }
        let Ok(body) = response.json::<serde_json::Value>().await else {
            return LogAnswer::Unavailable;
        };
        let Some(items) = body["items"].as_array() else {
            return LogAnswer::Unavailable;
        };
        LogAnswer::Failures(
            items
                .iter()
                .filter_map(|item| {
                    let id = item["id"].as_str()?.to_string();
                    let error = item["data"]["error"]
                        .as_str()
                        .unwrap_or("no reason given")
                        .to_string();
                    Some((id, error))
                })
                .collect(),
        )
    }
}
