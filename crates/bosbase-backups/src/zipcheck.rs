//! Is this a PocketBase backup? A zip whose central directory lists `data.db`.
//!
//! Reads only the end of the file and its central directory, through [`RangeRead`], so the same
//! check runs on a local file and, with HTTP `Range` requests, on a backup on the server, never
//! reading a multi-GiB backup whole.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::size_of;
use crate::name::check_key;
use crate::options::RequestOptions;

/// The entry every PocketBase backup has.
pub(crate) const DATA_DB: &str = "data.db";

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CD_ENTRY_SIG: u32 = 0x0201_4b50;
const CD_ENTRY_LEN: usize = 46;
/// The central directory is read in pieces of this size.
const WINDOW: u64 = 1024 * 1024;

/// Reads byte ranges of a file of known length.
pub(crate) trait RangeRead {
    /// The file's length.
    fn len(&self) -> u64;
    /// Exactly `len` bytes from `offset`.
    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>>;
}

/// Why a file is not a restorable backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NotABackup {
    NotAZip,
    NoDataDb,
}

impl NotABackup {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            NotABackup::NotAZip => "it is not a zip file",
            NotABackup::NoDataDb => {
                "it is a zip without data.db, so the server cannot restore from it"
            }
        }
    }
}

/// Checks that `file` is a zip that lists [`DATA_DB`].
pub(crate) async fn check(
    file: &mut impl RangeRead,
) -> Result<std::result::Result<(), NotABackup>> {
    let len = file.len();
    if len < EOCD_LEN {
        return Ok(Err(NotABackup::NotAZip));
    }
    // The end record sits in the last 22 + 65535 (comment) bytes.
    let tail_len = len.min(EOCD_LEN + 0xFFFF);
    let tail_start = len - tail_len;
    let tail = file.read_at(tail_start, tail_len).await?;
    let Some(eocd) = (0..=tail.len() - EOCD_LEN as usize)
        .rev()
        .find(|&i| u32_at(&tail, i) == EOCD_SIG)
    else {
        return Ok(Err(NotABackup::NotAZip));
    };
    let mut entries = u64::from(u16_at(&tail, eocd + 10));
    let mut cd_size = u64::from(u32_at(&tail, eocd + 12));
    let mut cd_offset = u64::from(u32_at(&tail, eocd + 16));
    let zip64 = entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF;
    if zip64 {
        let Some(locator) = (eocd as u64).checked_sub(ZIP64_LOCATOR_LEN) else {
            return Ok(Err(NotABackup::NotAZip));
        };
        let locator = locator as usize;
        if u32_at(&tail, locator) != ZIP64_LOCATOR_SIG {
            return Ok(Err(NotABackup::NotAZip));
        }
        let record_offset = u64_at(&tail, locator + 8);
        if record_offset + 56 > len {
            return Ok(Err(NotABackup::NotAZip));
        }
        let record = file.read_at(record_offset, 56).await?;
        if u32_at(&record, 0) != ZIP64_EOCD_SIG {
            return Ok(Err(NotABackup::NotAZip));
        }
        entries = u64_at(&record, 32);
        cd_size = u64_at(&record, 40);
        cd_offset = u64_at(&record, 48);
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > len) {
        return Ok(Err(NotABackup::NotAZip));
    }

    // Walk the central directory a window at a time, keeping an unfinished entry for the next.
    let mut buf: Vec<u8> = Vec::new();
    let mut next = cd_offset;
    let end = cd_offset + cd_size;
    let mut seen = 0u64;
    while seen < entries {
        if buf.len() < CD_ENTRY_LEN || buf.len() < entry_len(&buf) {
            if next >= end {
                return Ok(Err(NotABackup::NotAZip));
            }
            let n = WINDOW.min(end - next);
            buf.extend(file.read_at(next, n).await?);
            next += n;
            continue;
        }
        if u32_at(&buf, 0) != CD_ENTRY_SIG {
            return Ok(Err(NotABackup::NotAZip));
        }
        let name_len = usize::from(u16_at(&buf, 28));
        if &buf[CD_ENTRY_LEN..CD_ENTRY_LEN + name_len] == DATA_DB.as_bytes() {
            return Ok(Ok(()));
        }
        buf.drain(..entry_len(&buf));
        seen += 1;
    }
    Ok(Err(NotABackup::NoDataDb))
}

/// The length of the central-directory entry at the start of `buf` (which holds its fixed part).
fn entry_len(buf: &[u8]) -> usize {
    if buf.len() < CD_ENTRY_LEN {
        return CD_ENTRY_LEN;
    }
    CD_ENTRY_LEN
        + usize::from(u16_at(buf, 28))
        + usize::from(u16_at(buf, 30))
        + usize::from(u16_at(buf, 32))
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// Checks that the local file at `path` is a PocketBase backup (a zip whose central directory lists
/// `data.db`), reading only its end and its central directory. Uploads do this themselves; this is
/// for checking before anything else happens.
pub async fn verify_file(path: &std::path::Path) -> Result<()> {
    let mut file = LocalFile::open(path).await?;
    match check(&mut file).await? {
        Ok(()) => Ok(()),
        Err(why) => Err(Error::NotABackup {
            what: path.display().to_string(),
            why: why.describe(),
        }),
    }
}

/// A local file.
pub(crate) struct LocalFile {
    file: tokio::fs::File,
    len: u64,
    path: std::path::PathBuf,
}

impl LocalFile {
    pub(crate) async fn open(path: &std::path::Path) -> Result<Self> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io("cannot open", path, e))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::io("cannot read", path, e))?
            .len();
        Ok(Self {
            file,
            len,
            path: path.into(),
        })
    }
}

impl RangeRead for LocalFile {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut buf = vec![0; len as usize];
        self.file
            .seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| Error::io("cannot read", &self.path, e))?;
        self.file
            .read_exact(&mut buf)
            .await
            .map_err(|e| Error::io("cannot read", &self.path, e))?;
        Ok(buf)
    }
}

/// A backup on the server, read with `Range` requests.
struct RemoteBackup<'a> {
    client: &'a Client,
    opts: &'a RequestOptions,
    key: &'a str,
    len: u64,
    token: Option<crate::files::FileToken>,
}

impl RangeRead for RemoteBackup<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
        use futures_util::TryStreamExt;
        if self.token.is_none() {
            self.token = Some(crate::files::create(self.client, self.opts).await?);
        }
        let token = self.token.as_ref().expect("set above");
        let key = self.key;
        let range = format!("bytes={}-{}", offset, offset + len - 1);
        let rv = crate::download::get(self.client, self.opts, key, token, Some(&range)).await?;
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

/// `key` checked on the server: see [`Backups::verify`](crate::Backups::verify).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CheckBackup<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
    pub(crate) key: String,
}

impl CheckBackup<'_> {
    /// Sends the requests.
    pub async fn send(self) -> Result<()> {
        check_key(&self.key)?;
        let size = size_of(self.client, &self.opts, &self.key).await?;
        check_remote(self.client, &self.opts, &self.key, size).await
    }
}

/// Checks the backup `key` of listed size `len` on the server.
pub(crate) async fn check_remote(
    client: &Client,
    opts: &RequestOptions,
    key: &str,
    len: u64,
) -> Result<()> {
    let mut remote = RemoteBackup {
        client,
        opts,
        key,
        len,
        token: None,
    };
    match check(&mut remote).await? {
        Ok(()) => Ok(()),
        Err(why) => Err(Error::NotABackup {
            what: format!("backup {key:?}"),
            why: why.describe(),
        }),
    }
}

crate::options::request_options!(
    CheckBackup,
    "each of its range requests and their file tokens"
);
crate::options::into_future!(CheckBackup => ());

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(Vec<u8>, usize);

    impl RangeRead for Mem {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>> {
            self.1 += len as usize;
            Ok(self.0[offset as usize..(offset + len) as usize].to_vec())
        }
    }

    /// A minimal stored zip with the given entry names and an optional comment.
    fn zip(names: &[&str], comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            out.extend(0x0403_4b50u32.to_le_bytes());
            out.extend([0u8; 22]);
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(name.as_bytes());
            cd.extend(CD_ENTRY_SIG.to_le_bytes());
            cd.extend([0u8; 24]);
            cd.extend((name.len() as u16).to_le_bytes());
            cd.extend([0u8; 12]);
            cd.extend(offset.to_le_bytes());
            cd.extend(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend(&cd);
        out.extend(EOCD_SIG.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((names.len() as u16).to_le_bytes());
        out.extend((names.len() as u16).to_le_bytes());
        out.extend((cd.len() as u32).to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend((comment.len() as u16).to_le_bytes());
        out.extend(comment);
        out
    }

    async fn verdict(bytes: Vec<u8>) -> std::result::Result<(), NotABackup> {
        check(&mut Mem(bytes, 0)).await.unwrap()
    }

    #[tokio::test]
    async fn finds_data_db_among_many_entries() {
        let names: Vec<String> = (0..5000).map(|i| format!("storage/file_{i}.bin")).collect();
        let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
        refs.push("data.db");
        assert_eq!(verdict(zip(&refs, b"")).await, Ok(()));
        assert_eq!(verdict(zip(&["data.db"], &[7u8; 1000])).await, Ok(()));
    }

    #[tokio::test]
    async fn refuses_zips_without_data_db_and_non_zips() {
        assert_eq!(
            verdict(zip(&["auxiliary.db", "data.db.bak", "x/data.db"], b"")).await,
            Err(NotABackup::NoDataDb)
        );
        assert_eq!(
            verdict(b"not a zip at all, just some text to make it long enough".to_vec()).await,
            Err(NotABackup::NotAZip)
        );
        assert_eq!(verdict(Vec::new()).await, Err(NotABackup::NotAZip));
        let mut truncated = zip(&["data.db"], b"");
        truncated.drain(..10);
        assert_eq!(verdict(truncated).await, Err(NotABackup::NotAZip));
    }

    #[tokio::test]
    async fn reads_only_the_end_of_a_large_file() {
        let mut big = vec![0u8; 50 * 1024 * 1024];
        let z = zip(&["data.db"], b"");
        let at = big.len();
        big.extend(&z);
        // Point the directory offset past the padding.
        let n = big.len();
        let cd_offset = u32::from_le_bytes(big[n - 6..n - 2].try_into().unwrap()) + at as u32;
        big[n - 6..n - 2].copy_from_slice(&cd_offset.to_le_bytes());
        let mut mem = Mem(big, 0);
        assert_eq!(check(&mut mem).await.unwrap(), Ok(()));
        assert!(mem.1 < 200 * 1024, "read {} bytes", mem.1);
    }

    /// Real zips from the `zip` crate, including a zip64 one (more than 65535 entries).
    #[tokio::test]
    async fn reads_real_zips_and_zip64() {
        use std::io::Write;
        for (entries, with_db) in [(3usize, true), (3, false), (70_000, true)] {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for i in 0..entries {
                zip.start_file(format!("storage/{i}"), opts).unwrap();
            }
            if with_db {
                zip.start_file("data.db", opts).unwrap();
                zip.write_all(b"SQLite format 3").unwrap();
            }
            let bytes = zip.finish().unwrap().into_inner();
            let expected = if with_db {
                Ok(())
            } else {
                Err(NotABackup::NoDataDb)
            };
            assert_eq!(verdict(bytes).await, expected, "{entries} entries");
        }
    }
}
