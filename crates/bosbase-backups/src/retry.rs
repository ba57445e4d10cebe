//! Backoff for retries of calls that are safe to repeat: list, file token, health, and ranged
//! downloads. Create, upload, delete and restore are never retried blindly.

use std::time::Duration;

use crate::error::Error;

/// Exponential backoff: 200 ms, 400 ms, ... up to `max`, for at most `attempts` tries in a row.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    failures: u32,
    attempts: u32,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(attempts: u32, max: Duration) -> Self {
        Self {
            failures: 0,
            attempts,
            max,
        }
    }

    /// For idempotent calls: a short burst, for a server that blinked.
    pub(crate) fn idempotent() -> Self {
        Self::new(3, Duration::from_secs(2))
    }

    /// After a failure: how long to wait before the next try, or `None` when out of tries.
    pub(crate) fn next_delay(&mut self) -> Option<Duration> {
        self.failures += 1;
        if self.failures >= self.attempts {
            return None;
        }
        let delay = Duration::from_millis(200) * 2u32.saturating_pow(self.failures - 1);
        Some(delay.min(self.max))
    }

    /// A try made progress: the next failure starts the count again.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Failures that may pass: the connection failed or broke, or a proxy said the server is away.
pub(crate) fn is_transient(e: &Error) -> bool {
    match e {
        Error::Transport(_) => true,
        Error::Api { status, .. } => matches!(status, 502..=504),
        _ => false,
    }
}

/// Runs `f` again while the server answers [`Error::Busy`], until `wait` has passed: between
/// tries it polls health's `canBackup` with backoff. `wait` of `None` means no waiting.
pub(crate) async fn while_busy<T, F, Fut>(
    client: &crate::Client,
    wait: Option<std::time::Duration>,
    mut f: F,
) -> crate::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::Result<T>>,
{
    let deadline = wait.map(|w| tokio::time::Instant::now() + w);
    loop {
        match f().await {
            Err(Error::Busy { message }) => {
                let Some(deadline) = deadline else {
                    return Err(Error::Busy { message });
                };
                let mut delay = Duration::from_millis(250);
                loop {
                    if tokio::time::Instant::now() + delay > deadline {
                        return Err(Error::Busy { message });
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                    // Not a superuser: health cannot tell, so just try again.
                    if client.health().await?.can_backup() != Some(false) {
                        break;
                    }
                }
                tracing::debug!("the server is idle again; retrying");
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_then_gives_up() {
        let mut b = Backoff::new(5, Duration::from_millis(500));
        let delays: Vec<_> = std::iter::from_fn(|| b.next_delay()).collect();
        assert_eq!(delays, [200, 400, 500, 500].map(Duration::from_millis));
        b.reset();
        assert_eq!(b.next_delay(), Some(Duration::from_millis(200)));
    }
}
