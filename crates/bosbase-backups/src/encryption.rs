//! Streamed age encryption (the age v1 format, X25519 recipients) for copies that leave the
//! machine. Only the holder of an identity (a private key) can read what is encrypted to its
//! recipient (the public key); encrypting needs the recipient only.
//!
//! What age does not give: anyone who holds a recipient can make a file that decrypts with the
//! identity. A copy that decrypts is therefore not proof of where it came from; the SHA-256 of
//! the plaintext kept apart from the copy (the off-site manifest, or a note of your own) is what
//! ties a decrypted backup to the one that was made. Checksums stored beside the copy stop there:
//! whoever can replace the copy can replace them too.
//!
//! Memory stays constant: age encrypts in 64 KiB chunks, each authenticated, so a truncated or
//! altered file fails at the damaged chunk (or at the end, for a truncation), never silently.
//!
//! ```
//! # async fn run() -> bosbase_backups::Result<()> {
//! use bosbase_backups::encryption::{Identities, Recipients, generate_identity, decrypt, encrypt};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let (identity, recipient) = generate_identity();
//! let mut sealed = Vec::new();
//! let mut writer = encrypt(&mut sealed, &Recipients::parse([recipient])?).await?;
//! writer.write_all(b"a backup").await.map_err(bosbase_backups::Error::Stream)?;
//! writer.shutdown().await.map_err(bosbase_backups::Error::Stream)?; // ends the age stream
//!
//! let identities = Identities::parse(bosbase_backups::ExposeSecret::expose_secret(&identity))?;
//! let mut plain = String::new();
//! decrypt(&sealed[..], &identities).await?.read_to_string(&mut plain).await.unwrap();
//! assert_eq!(plain, "a backup");
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::compat::{
    Compat, FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt, TokioAsyncReadCompatExt,
    TokioAsyncWriteCompatExt,
};

use crate::error::{Error, Result};

/// The suffix of an encrypted copy: `<key>.age`.
pub const SUFFIX: &str = ".age";

/// The X25519 recipients (`age1...`) a copy is encrypted to. Any one of their identities decrypts.
#[derive(Clone)]
pub struct Recipients(Vec<age::x25519::Recipient>);

impl Recipients {
    /// Parses recipients such as `age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p`.
    pub fn parse<S: AsRef<str>>(recipients: impl IntoIterator<Item = S>) -> Result<Recipients> {
        let mut out = Vec::new();
        for r in recipients {
            let r = r.as_ref().trim();
            out.push(age::x25519::Recipient::from_str(r).map_err(|e| {
                Error::Config(format!(
                    "{r:?} is not an age X25519 recipient ({e}); it looks like age1... \
                     (`bosbase-backups keygen` prints one)"
                ))
            })?);
        }
        if out.is_empty() {
            return Err(Error::Config("no age recipient given".into()));
        }
        Ok(Recipients(out))
    }

    /// Reads a recipients file: one `age1...` a line; blank lines and `#` comments are skipped.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Recipients> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        Recipients::parse(meaningful_lines(&text))
    }

    /// Adds the recipients of `other`.
    pub fn extend(&mut self, other: Recipients) {
        self.0.extend(other.0);
    }
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|r| r.to_string()))
            .finish()
    }
}

/// The identities (private keys, `AGE-SECRET-KEY-1...`) that may decrypt a copy. Redacted in
/// `Debug`.
pub struct Identities(Vec<age::x25519::Identity>);

impl Identities {
    /// Parses the text of an identity file (as `age-keygen` and `bosbase-backups keygen` write
    /// it): one identity a line; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Identities> {
        let mut out = Vec::new();
        for line in meaningful_lines(text) {
            // Never echo the line: it is a private key, or close to one.
            out.push(age::x25519::Identity::from_str(line).map_err(|_| {
                Error::Config(
                    "the identity file has a line that is not an age X25519 identity \
                     (AGE-SECRET-KEY-1...)"
                        .into(),
                )
            })?);
        }
        if out.is_empty() {
            return Err(Error::Config(
                "the identity file holds no identity (AGE-SECRET-KEY-1...)".into(),
            ));
        }
        Ok(Identities(out))
    }

    /// Reads an identity file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Identities> {
        let path = path.as_ref();
        let text = SecretString::from(
            std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?,
        );
        Identities::parse(text.expose_secret())
    }

    /// The recipients of these identities: what to encrypt to so that they decrypt.
    pub fn recipients(&self) -> Recipients {
        Recipients(self.0.iter().map(|i| i.to_public()).collect())
    }
}

impl fmt::Debug for Identities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identities(<{} redacted>)", self.0.len())
    }
}

fn meaningful_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A new identity, as the text of an identity file (keep it secret: mode 0600), and its
/// recipient (`age1...`, to share with whoever makes copies).
pub fn generate_identity() -> (SecretString, String) {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = format!(
        "# created: {}\n# public key: {recipient}\n{}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        identity.to_string().expose_secret()
    );
    (SecretString::from(text), recipient)
}

/// What [`encrypt`] returns: write the plaintext, then `shutdown()` to end the age stream (a
/// writer that is not shut down leaves a file that fails to decrypt: truncated).
pub type EncryptingWriter<W> = Compat<age::stream::StreamWriter<Compat<W>>>;

/// What [`decrypt`] returns: reads the plaintext. A read fails with
/// [`std::io::ErrorKind::InvalidData`] where the ciphertext is damaged or cut short; see
/// [`damaged`].
pub type DecryptingReader<R> = Compat<age::stream::StreamReader<Compat<R>>>;

/// Wraps `output` so that what is written to it is encrypted to `recipients`, streamed.
pub async fn encrypt<W: AsyncWrite + Unpin>(
    output: W,
    recipients: &Recipients,
) -> Result<EncryptingWriter<W>> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.0.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Error::Config(format!("cannot encrypt: {e}")))?;
    let writer = encryptor
        .wrap_async_output(output.compat_write())
        .await
        .map_err(Error::Stream)?;
    Ok(writer.compat_write())
}

/// Reads the age header of `input` and opens it with `identities`: [`Error::WrongIdentity`]
/// when none of them is a recipient, [`Error::DamagedCiphertext`] when it is not an age file.
pub async fn decrypt<R: AsyncRead + Unpin>(
    input: R,
    identities: &Identities,
) -> Result<DecryptingReader<R>> {
    let decryptor = age::Decryptor::new_async(input.compat())
        .await
        .map_err(decrypt_error)?;
    let reader = decryptor
        .decrypt_async(identities.0.iter().map(|i| i as &dyn age::Identity))
        .map_err(decrypt_error)?;
    Ok(reader.compat())
}

fn decrypt_error(e: age::DecryptError) -> Error {
    match e {
        age::DecryptError::NoMatchingKeys => Error::WrongIdentity,
        age::DecryptError::Io(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            Error::Stream(e)
        }
        other => Error::DamagedCiphertext {
            detail: other.to_string(),
        },
    }
}

/// The error for a failed read of a [`DecryptingReader`]: [`Error::DamagedCiphertext`] when the
/// ciphertext is damaged or cut short, else the I/O error as it is.
pub fn damaged(e: std::io::Error) -> Error {
    if matches!(
        e.kind(),
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
    ) {
        Error::DamagedCiphertext {
            detail: e.to_string(),
        }
    } else {
        Error::Stream(e)
    }
}

/// Decrypts the file `src` into `dst`, streamed: through `<dst>.part` (owner-only, like a
/// download), renamed once the whole age stream decrypted and authenticated. Returns the size of
/// the plaintext. A wrong identity or a damaged file leaves nothing at `dst`.
pub async fn decrypt_file(
    src: impl AsRef<Path>,
    dst: impl AsRef<Path>,
    identities: &Identities,
) -> Result<u64> {
    use tokio::io::AsyncWriteExt;
    let (src, dst) = (src.as_ref(), dst.as_ref());
    let input = tokio::fs::File::open(src)
        .await
        .map_err(|e| Error::io("cannot open", src, e))?;
    let mut reader = decrypt(tokio::io::BufReader::new(input), identities).await?;
    let part = crate::download::part_path(dst);
    let mut options = tokio::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options
        .open(&part)
        .await
        .map_err(|e| Error::io("cannot create", &part, e))?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let copied = tokio::io::copy(&mut reader, &mut out).await;
    let result = match copied {
        Ok(n) => out
            .flush()
            .await
            .map(|()| n)
            .map_err(|e| Error::io("cannot write", &part, e)),
        // A read error is the ciphertext's; a write error, the destination's.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(damaged(e)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(damaged(e)),
        Err(e) => Err(Error::io("cannot write", &part, e)),
    };
    let n = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
    };
    out.into_inner()
        .sync_data()
        .await
        .map_err(|e| Error::io("cannot write", &part, e))?;
    tokio::fs::rename(&part, dst)
        .await
        .map_err(|e| Error::io("cannot move the decrypted file to", dst, e))?;
    Ok(n)
}
