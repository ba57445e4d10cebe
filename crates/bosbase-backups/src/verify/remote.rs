//! The readers a verify inspects: a backup on the server, read through HTTP `Range` requests, and
//! a local file. Both are `Read + Seek` for the `zip` crate, which runs on a blocking thread.
//!
//! The remote reader streams: a request for a range feeds a bounded channel (so memory stays
//! constant), and reads that go on where the last one stopped are served from the same response.
//! Only a jump elsewhere starts another request, for the range the inspection announced (an
//! entry), or else for a window that doubles while reads stay sequential. The last 64 KiB (the end
//! of the zip, where its directory ends) are fetched once and kept. A cut connection is resumed
//! from where it stopped, with a fresh file token, as downloads are.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::progress::{Progress, ProgressFn};
use crate::retry::{Backoff, is_transient};

/// The end of the zip, fetched once and kept: the end record, zip64 records, small directories.
const TAIL: u64 = 64 * 1024;
/// The first request of an unannounced read; doubled while reads stay sequential.
const FIRST_WINDOW: u64 = 256 * 1024;
const MAX_WINDOW: u64 = 64 * 1024 * 1024;
/// A jump forward of at most this much reads through the current response instead of starting
/// another (a data descriptor between two entries, say).
const SKIP: u64 = 256 * 1024;
/// Chunks waiting between the connection and the reader.
const CHANNEL: usize = 16;
/// Tries in a row without progress, as downloads.
const ATTEMPTS: u32 = 8;

/// The first failure of a reader: the verify reports it instead of what the zip crate made of it.
#[derive(Clone, Default)]
pub(crate) struct FailureSlot(Arc<Mutex<Option<Error>>>);

impl FailureSlot {
    fn set(&self, e: Error) -> io::Error {
        let text = e.to_string();
        let mut slot = self.0.lock().expect("not poisoned");
        slot.get_or_insert(e);
        io::Error::other(text)
    }

    pub(crate) fn take(&self) -> Option<Error> {
        self.0.lock().expect("not poisoned").take()
    }
}

/// A byte count shared with the verify.
#[derive(Clone, Default)]
pub(crate) struct Counter(Arc<AtomicU64>);

impl Counter {
    fn add(&self, n: u64) -> u64 {
        self.0.fetch_add(n, Ordering::Relaxed) + n
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The byte range the inspection will read next.
#[derive(Clone, Default)]
pub(crate) struct Hint(Arc<Mutex<Option<(u64, u64)>>>);

impl Hint {
    pub(crate) fn set(&self, start: u64, end: u64) {
        *self.0.lock().expect("not poisoned") = Some((start, end));
    }

    fn end_for(&self, pos: u64) -> Option<u64> {
        match *self.0.lock().expect("not poisoned") {
            Some((start, end)) if start <= pos && pos < end => Some(end),
            _ => None,
        }
    }
}

/// One response being read: bytes `next..end` are still to come.
struct Response {
    next: u64,
    end: u64,
    chunk: Bytes,
    rx: mpsc::Receiver<Result<Bytes>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Response {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A backup on the server as `Read + Seek`. Runs on a blocking thread of the runtime.
pub(crate) struct RangeReader {
    runtime: tokio::runtime::Handle,
    client: Client,
    opts: RequestOptions,
    key: String,
    len: u64,
    pos: u64,
    response: Option<Response>,
    window: u64,
    tail: Option<Vec<u8>>,
    hint: Hint,
    fetched: Counter,
    failure: FailureSlot,
    progress: Option<ProgressFn>,
    total: Option<u64>,
}

impl RangeReader {
    /// Must be called on the runtime (it keeps its handle to fetch from the blocking thread).
    pub(crate) fn new(
        client: Client,
        opts: RequestOptions,
        key: &str,
        len: u64,
        full: bool,
        progress: Option<ProgressFn>,
    ) -> Self {
        Self {
            runtime: tokio::runtime::Handle::current(),
            client,
            opts,
            key: key.into(),
            len,
            pos: 0,
            response: None,
            window: FIRST_WINDOW,
            tail: None,
            hint: Hint::default(),
            fetched: Counter::default(),
            failure: FailureSlot::default(),
            progress,
            total: full.then_some(len),
        }
    }

    pub(crate) fn hint(&self) -> Hint {
        self.hint.clone()
    }

    pub(crate) fn fetched(&self) -> Counter {
        self.fetched.clone()
    }

    pub(crate) fn failure(&self) -> FailureSlot {
        self.failure.clone()
    }

    fn tail_start(&self) -> u64 {
        self.len.saturating_sub(TAIL)
    }

    /// Starts a response for bytes from `pos`: to the announced end, or a window.
    fn start(&mut self, pos: u64) {
        let sequential = self.response.as_ref().is_some_and(|r| r.end == pos);
        self.window = if sequential {
            (self.window * 2).min(MAX_WINDOW)
        } else {
            FIRST_WINDOW
        };
        let end = self
            .hint
            .end_for(pos)
            .unwrap_or(pos + self.window)
            .min(self.tail_start());
        self.response = Some(self.request(pos, end));
    }

    fn request(&self, start: u64, end: u64) -> Response {
        let (tx, rx) = mpsc::channel(CHANNEL);
        let fetch = Fetch {
            client: self.client.clone(),
            opts: self.opts.clone(),
            key: self.key.clone(),
            fetched: self.fetched.clone(),
            progress: self.progress.clone(),
            total: self.total,
        };
        let task = self.runtime.spawn(fetch.run(start, end, tx));
        Response {
            next: start,
            end,
            chunk: Bytes::new(),
            rx,
            task,
        }
    }

    /// The next bytes of the current response, at least one, or `None` at its end.
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        let response = self.response.as_mut().expect("a response is open");
        if response.chunk.is_empty() {
            match response.rx.blocking_recv() {
                Some(Ok(chunk)) => response.chunk = chunk,
                Some(Err(e)) => {
                    self.response = None;
                    return Err(self.failure.set(e));
                }
                None if response.next >= response.end => return Ok(None),
                None => {
                    let e = Error::InvalidResponse(format!(
                        "the response for {:?} ended early",
                        self.key
                    ));
                    self.response = None;
                    return Err(self.failure.set(e));
                }
            }
        }
        Ok(Some(std::mem::take(&mut response.chunk)))
    }

    fn read_tail(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tail.is_none() {
            let start = self.tail_start();
            let mut response = self.request(start, self.len);
            let mut tail = Vec::with_capacity((self.len - start) as usize);
            while let Some(chunk) = response.rx.blocking_recv() {
                match chunk {
                    Ok(chunk) => tail.extend_from_slice(&chunk),
                    Err(e) => return Err(self.failure.set(e)),
                }
            }
            if tail.len() as u64 != self.len - start {
                let e = Error::InvalidResponse(format!(
                    "the end of {:?} came back incomplete",
                    self.key
                ));
                return Err(self.failure.set(e));
            }
            self.tail = Some(tail);
        }
        let tail = self.tail.as_ref().expect("fetched above");
        let at = (self.pos - self.tail_start()) as usize;
        let n = buf.len().min(tail.len() - at);
        buf[..n].copy_from_slice(&tail[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if self.pos >= self.tail_start() {
            return self.read_tail(buf);
        }
        let pos = self.pos;
        let usable = self
            .response
            .as_ref()
            .is_some_and(|r| r.next <= pos && pos < r.end && pos - r.next <= SKIP);
        if !usable {
            self.start(pos);
        }
        loop {
            let Some(mut chunk) = self.next_chunk()? else {
                // This response is done: go on with the next one.
                self.start(pos);
                continue;
            };
            let response = self.response.as_mut().expect("open");
            let chunk_start = response.next;
            response.next += chunk.len() as u64;
            if response.next <= pos {
                continue; // all of it before `pos`: skipped
            }
            let from = (pos - chunk_start) as usize;
            let n = buf.len().min(chunk.len() - from);
            buf[..n].copy_from_slice(&chunk[from..from + n]);
            // The rest waits for the next read.
            let rest = chunk.split_off(from + n);
            response.next -= rest.len() as u64;
            response.chunk = rest;
            self.pos += n as u64;
            return Ok(n);
        }
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = seek_to(self.pos, self.len, to)?;
        Ok(self.pos)
    }
}

fn seek_to(pos: u64, len: u64, to: SeekFrom) -> io::Result<u64> {
    let new = match to {
        SeekFrom::Start(n) => Some(n),
        SeekFrom::End(d) => len.checked_add_signed(d),
        SeekFrom::Current(d) => pos.checked_add_signed(d),
    };
    new.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))
}

/// One range, fetched on the runtime: resumed after transient failures with a fresh file token.
struct Fetch {
    client: Client,
    opts: RequestOptions,
    key: String,
    fetched: Counter,
    progress: Option<ProgressFn>,
    total: Option<u64>,
}

impl Fetch {
    async fn run(self, start: u64, end: u64, tx: mpsc::Sender<Result<Bytes>>) {
        let mut at = start;
        let mut backoff = Backoff::new(ATTEMPTS, Duration::from_secs(5));
        while at < end {
            let before = at;
            match self.once(&mut at, end, &tx).await {
                Ok(()) => return,
                Err(e) if is_transient(&e) => {
                    if at > before {
                        backoff.reset();
                    }
                    let Some(delay) = backoff.next_delay() else {
                        let _ = tx.send(Err(e)).await;
                        return;
                    };
                    tracing::info!(error = %e, at, ?delay, "verify read interrupted; resuming");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    }

    /// One request for `at..end`; `Ok` when done or when the reader is gone.
    async fn once(&self, at: &mut u64, end: u64, tx: &mpsc::Sender<Result<Bytes>>) -> Result<()> {
        let token = crate::files::create(&self.client, &self.opts).await?;
        let range = format!("bytes={}-{}", *at, end - 1);
        let rv =
            crate::download::get(&self.client, &self.opts, &self.key, &token, Some(&range)).await?;
        let start = crate::download::content_range_start(rv.headers());
        if rv.status() != 206 || start != Some(*at) {
            return Err(Error::InvalidResponse(format!(
                "asked for bytes {range} of {:?}, got HTTP {} from {start:?}",
                self.key,
                rv.status()
            )));
        }
        let mut body = rv.into_inner().into_inner();
        while let Some(chunk) = body.next().await {
            let mut chunk = chunk.map_err(Error::transport)?;
            let total = self.fetched.add(chunk.len() as u64);
            chunk.truncate((end - *at).min(chunk.len() as u64) as usize);
            *at += chunk.len() as u64;
            if let Some(f) = &self.progress {
                f(Progress {
                    transferred: total,
                    total: self.total,
                });
            }
            if tx.send(Ok(chunk)).await.is_err() || *at >= end {
                return Ok(());
            }
        }
        if *at < end {
            return Err(Error::InvalidResponse(format!(
                "the range {range} of {:?} ended early",
                self.key
            )));
        }
        Ok(())
    }
}

/// A local backup file as `Read + Seek`, counting what it reads.
pub(crate) struct LocalReader {
    file: io::BufReader<std::fs::File>,
    path: std::path::PathBuf,
    read: Counter,
    failure: FailureSlot,
    progress: Option<ProgressFn>,
    total: Option<u64>,
}

impl LocalReader {
    pub(crate) fn open(path: &Path, full: bool, progress: Option<ProgressFn>) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io("cannot read", path, e))?
            .len();
        Ok(Self {
            file: io::BufReader::with_capacity(256 * 1024, file),
            path: path.into(),
            read: Counter::default(),
            failure: FailureSlot::default(),
            progress,
            total: full.then_some(len),
        })
    }

    pub(crate) fn read_counter(&self) -> Counter {
        self.read.clone()
    }

    pub(crate) fn failure(&self) -> FailureSlot {
        self.failure.clone()
    }
}

impl Read for LocalReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.file.read(buf) {
            Ok(n) => {
                let transferred = self.read.add(n as u64);
                if let Some(f) = &self.progress {
                    f(Progress {
                        transferred,
                        total: self.total,
                    });
                }
                Ok(n)
            }
            Err(e) => Err(self.failure.set(Error::io("cannot read", &self.path, e))),
        }
    }
}

impl Seek for LocalReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.file
            .seek(to)
            .map_err(|e| self.failure.set(Error::io("cannot read", &self.path, e)))
    }
}
