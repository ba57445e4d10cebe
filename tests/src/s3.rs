//! A real S3 server for tests: `s3s-fs` (objects are files in a temporary directory) with SigV4
//! auth and path-style addressing, on a free loopback port, in this process.
//!
//! ```no_run
//! use bosbase_backups_tests::s3::S3Server;
//!
//! let mut s3 = S3Server::start();
//! s3.create_bucket("backups");
//! // Point a client at s3.endpoint() with s3.access_key() / s3.secret_key(), or pass it s3.env().
//! s3.stop_after_received(1 << 20); // cut every connection once 1 MiB more has come in
//! s3.restart(); // the same port and objects, as after a crash
//! ```
//!
//! The server runs on a thread and a Tokio runtime of its own, so it serves blocking and async
//! tests alike, and stopping it drops every open connection at once, as a crash would.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

/// The access key every test S3 server accepts.
pub const ACCESS_KEY: &str = "bosbase-test-access";
/// The secret key that goes with [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "bosbase-test-secret-4f1c9a";
/// The region clients sign for (s3s-fs accepts any).
pub const REGION: &str = "us-east-1";

/// A running `s3s-fs` server with its own data directory and port; stopped and removed on drop.
pub struct S3Server {
    port: u16,
    // Buckets are directories in here; s3s-fs keeps its metadata and multipart parts beside them.
    dir: tempfile::TempDir,
    running: Option<Running>,
    // Request bytes received since the last `stop_after_received`, and the limit (u64::MAX: none).
    received: Arc<AtomicU64>,
    limit: Arc<AtomicU64>,
}

struct Running {
    stop: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl S3Server {
    /// Starts a server on a free loopback port with an empty data directory (no bucket yet).
    ///
    /// Panics with what went wrong when it cannot: this is for tests.
    pub fn start() -> S3Server {
        crate::install_tls_provider();
        let root = crate::target_dir().join("test-servers");
        std::fs::create_dir_all(&root)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
        let dir = tempfile::Builder::new()
            .prefix("s3-")
            .tempdir_in(&root)
            .unwrap_or_else(|e| panic!("cannot create a data dir in {}: {e}", root.display()));
        let mut server = S3Server {
            port: 0,
            dir,
            running: None,
            received: Arc::new(AtomicU64::new(0)),
            limit: Arc::new(AtomicU64::new(u64::MAX)),
        };
        server.spawn();
        server
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:41234` (path-style: `ENDPOINT/BUCKET/KEY`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The access key ([`ACCESS_KEY`]).
    pub fn access_key(&self) -> &'static str {
        ACCESS_KEY
    }

    /// The secret key ([`SECRET_KEY`]).
    pub fn secret_key(&self) -> &'static str {
        SECRET_KEY
    }

    /// The region to sign for ([`REGION`]).
    pub fn region(&self) -> &'static str {
        REGION
    }

    /// The standard AWS environment variables that point `object_store`, the AWS CLI and most
    /// S3 clients at this server: keys, region, endpoint, plain HTTP and path-style.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_DEFAULT_REGION", REGION.into()),
            ("AWS_ENDPOINT", self.endpoint()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false".into()),
        ]
    }

    /// Creates an empty bucket.
    pub fn create_bucket(&self, name: &str) {
        let path = self.bucket_dir(name);
        std::fs::create_dir(&path)
            .unwrap_or_else(|e| panic!("cannot create bucket {}: {e}", path.display()));
    }

    /// The directory that holds `bucket`'s objects, one file per key (for tests that damage or
    /// inspect objects behind the server's back).
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root().join(bucket)
    }

    /// The server's data directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the server is serving (not stopped, and not cut by [`stop_after_received`]).
    ///
    /// [`stop_after_received`]: Self::stop_after_received
    pub fn is_running(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|r| !r.thread.is_finished())
    }

    /// Stops the server at once: the port is closed and every open connection dropped mid-request,
    /// as a crash would. The objects stay; [`restart`](Self::restart) serves them again.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.thread.join();
        }
    }

    /// Stops the server (as [`stop`](Self::stop) does) as soon as `bytes` more bytes of requests
    /// have arrived, counting from now: a way to cut an upload in its middle.
    pub fn stop_after_received(&self, bytes: u64) {
        self.received.store(0, Ordering::SeqCst);
        self.limit.store(bytes, Ordering::SeqCst);
    }

    /// Starts the server again on the same port and data after a stop (or a cut).
    pub fn restart(&mut self) {
        self.stop();
        self.limit.store(u64::MAX, Ordering::SeqCst);
        self.spawn();
    }

    fn spawn(&mut self) {
        let fs = s3s_fs::FileSystem::new(self.dir.path())
            .unwrap_or_else(|e| panic!("s3s-fs cannot use {}: {e:?}", self.dir.path().display()));
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a Tokio runtime for the S3 server");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        // A restart binds the same port; the kernel may hold it briefly after the stop.
        let mut bound = std::net::TcpListener::bind(addr);
        for _ in 0..100 {
            match &bound {
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    bound = std::net::TcpListener::bind(addr);
                }
                _ => break,
            }
        }
        let listener =
            bound.unwrap_or_else(|e| panic!("the S3 server cannot listen on {addr}: {e}"));
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        self.port = listener.local_addr().expect("a bound address").port();

        let (stop, stopped) = oneshot::channel::<()>();
        let cut = Arc::new(Notify::new());
        let (received, limit) = (self.received.clone(), self.limit.clone());
        let thread = std::thread::Builder::new()
            .name(format!("s3s-fs-{}", self.port))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a Tokio listener");
                    let http = ConnBuilder::new(TokioExecutor::new());
                    let mut stopped = std::pin::pin!(stopped);
                    loop {
                        let socket = tokio::select! {
                            accepted = listener.accept() => match accepted {
                                Ok((socket, _)) => socket,
                                Err(_) => continue,
                            },
                            _ = &mut stopped => break,
                            () = cut.notified() => break,
                        };
                        let io = Counting {
                            inner: socket,
                            received: received.clone(),
                            limit: limit.clone(),
                            cut: cut.clone(),
                        };
                        let conn = http
                            .serve_connection(TokioIo::new(io), service.clone())
                            .into_owned();
                        tokio::spawn(async move {
                            let _ = conn.await;
                        });
                    }
                });
                // Dropping the runtime drops every connection task: their sockets close now.
                drop(runtime);
            })
            .expect("a thread for the S3 server");
        self.running = Some(Running { stop, thread });
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A connection that counts the request bytes it reads and fails once past the limit.
struct Counting {
    inner: TcpStream,
    received: Arc<AtomicU64>,
    limit: Arc<AtomicU64>,
    cut: Arc<Notify>,
}

impl AsyncRead for Counting {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            let total = self.received.fetch_add(n, Ordering::SeqCst) + n;
            if total >= self.limit.load(Ordering::SeqCst) {
                // notify_one stores a permit, so the accept loop stops even if not waiting yet.
                self.cut.notify_one();
                return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
            }
        }
        poll
    }
}

impl AsyncWrite for Counting {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
