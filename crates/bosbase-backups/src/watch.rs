//! Seeing a server process restart: what a restore does when it takes effect.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::client::Client;

/// PocketBase closes a connection that sends nothing after 60 s: a watch connection is replaced
/// well before that, so that only a closure of a young connection counts as the process leaving.
const RENEW: Duration = Duration::from_secs(20);

/// Holds a connection open to the server and notes when the server closes it: the old process's
/// sockets close when it restarts (after a restore). The connection is renewed every 20 s, before
/// the server's own idle cut, so a quiet minute is not taken for a restart. Behind a proxy, the
/// proxy may keep the connection open: then only health checks see the restart.
///
/// [`Backups::restore_and_wait`](crate::Backups::restore_and_wait) uses one; it is public for
/// those who send a plain [`Backups::restore`](crate::Backups::restore) and want to see the restart.
///
/// ```no_run
/// # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
/// let watch = bosbase_backups::RestartWatch::start(&client).await.expect("a reachable server");
/// client.backups().restore("nightly.zip").await?;
/// while !watch.restarted() {
///     tokio::time::sleep(std::time::Duration::from_millis(100)).await;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RestartWatch {
    went_away: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl RestartWatch {
    /// Connects to the client's server and starts watching; `None` when it cannot connect.
    pub async fn start(client: &Client) -> Option<RestartWatch> {
        let url = url::Url::parse(client.base_url()).ok()?;
        let addr = (url.host_str()?.to_string(), url.port_or_known_default()?);
        let mut stream = TcpStream::connect(addr.clone()).await.ok()?;
        let went_away = Arc::new(AtomicBool::new(false));
        let flag = went_away.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            loop {
                // Nothing is sent, so the server sends nothing either until it closes.
                match tokio::time::timeout(RENEW, stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => continue,
                    Ok(_) => break, // closed or broken: the process went away
                    Err(_) => match TcpStream::connect(addr.clone()).await {
                        Ok(fresh) => stream = fresh,
                        Err(_) => break, // refused: the process is away
                    },
                }
            }
            flag.store(true, Ordering::SeqCst);
        });
        Some(RestartWatch { went_away, task })
    }

    /// Whether the server process went away since the watch started.
    pub fn restarted(&self) -> bool {
        self.went_away.load(Ordering::SeqCst)
    }
}

impl Drop for RestartWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}
