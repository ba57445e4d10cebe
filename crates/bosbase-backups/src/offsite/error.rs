//! The errors of off-site copies, each saying what to do; none holds a credential.

use std::error::Error as StdError;

/// What went wrong with an off-site copy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OffsiteError {
    /// The destination URL is not one this tool can use; nothing was sent.
    #[error("{0}")]
    Url(String),

    /// No credentials for the destination in the environment; nothing was sent.
    #[error("no credentials for {url}: set {vars} in the environment")]
    NoCredentials {
        /// The destination.
        url: String,
        /// The environment variables to set.
        vars: &'static str,
    },

    /// The destination refused the request (401/403): wrong or insufficient credentials.
    #[error("{url} refused the credentials (check {vars} and the key's permissions on it)")]
    CredentialsRefused {
        /// The destination.
        url: String,
        /// The environment variables that hold them.
        vars: &'static str,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },

    /// The bucket, container, directory or object does not exist.
    #[error("{what} not found at {url}")]
    NotFound {
        /// The destination.
        url: String,
        /// What is missing ("the bucket", "copy x.zip").
        what: String,
        /// What the store said, if it said anything.
        #[source]
        source: Option<object_store::Error>,
    },

    /// The destination cannot be reached (after the store's retries), or went away mid-copy.
    #[error("cannot reach {url}; check the endpoint and the network, then run again")]
    Unreachable {
        /// The destination.
        url: String,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },

    /// Another failure of the destination.
    #[error("{url}: {source}")]
    Store {
        /// The destination.
        url: String,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },

    /// An object already at the destination differs from the backup: it was not overwritten.
    #[error(
        "{object} at {url} differs from the server's backup {key} ({why}); it was not overwritten: \
         remove it, or copy with force to replace it"
    )]
    Conflict {
        /// The destination.
        url: String,
        /// The backup's key.
        key: String,
        /// The object's name under the prefix.
        object: String,
        /// How it differs.
        why: String,
    },

    /// The bytes read do not have the SHA-256 recorded when the copy was made: the copy is
    /// damaged (or was replaced behind the tool's back).
    #[error(
        "{object} at {url} is damaged: its SHA-256 is {actual}, the manifest records {expected}"
    )]
    ChecksumMismatch {
        /// The destination.
        url: String,
        /// The object's name under the prefix.
        object: String,
        /// The recorded SHA-256.
        expected: String,
        /// The SHA-256 of the bytes read.
        actual: String,
    },

    /// The object has no SHA-256 in the manifest, so it cannot be checked.
    #[error(
        "{object} at {url} has no SHA-256 in the manifest (not copied by this tool, or the \
         manifest was lost); copy it again with sync --force to record one"
    )]
    NoChecksum {
        /// The destination.
        url: String,
        /// The object's name under the prefix.
        object: String,
    },

    /// The manifest at the prefix cannot be read.
    #[error("the manifest {path} at {url} is damaged ({reason}); move it away and sync again")]
    Manifest {
        /// The destination.
        url: String,
        /// The manifest's path.
        path: String,
        /// Why.
        reason: String,
    },

    /// A retention policy that keeps nothing: refused, so that the newest copy is never deleted.
    #[error(
        "a retention policy must keep something: give keep_last, keep_daily, keep_weekly or keep_monthly of at least 1"
    )]
    EmptyPolicy,

    /// The server side failed (list, download, upload, login).
    #[error(transparent)]
    Server(#[from] crate::Error),
}

/// The kind of an [`OffsiteError`], for exit codes and retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OffsiteErrorKind {
    /// Bad input, refused before any request.
    Usage,
    /// Missing or refused credentials.
    Auth,
    /// A bucket, directory or copy does not exist.
    NotFound,
    /// The destination cannot be reached.
    Unreachable,
    /// A copy is damaged or differs from the backup.
    Damaged,
    /// The server failed: see [`crate::Error`].
    Server,
    /// Anything else.
    Other,
}

impl OffsiteError {
    /// Its kind.
    pub fn kind(&self) -> OffsiteErrorKind {
        match self {
            Self::Url(_) | Self::EmptyPolicy => OffsiteErrorKind::Usage,
            Self::NoCredentials { .. } | Self::CredentialsRefused { .. } => OffsiteErrorKind::Auth,
            Self::NotFound { .. } => OffsiteErrorKind::NotFound,
            Self::Unreachable { .. } => OffsiteErrorKind::Unreachable,
            Self::Conflict { .. } | Self::ChecksumMismatch { .. } | Self::NoChecksum { .. } => {
                OffsiteErrorKind::Damaged
            }
            Self::Server(_) => OffsiteErrorKind::Server,
            Self::Store { .. } | Self::Manifest { .. } => OffsiteErrorKind::Other,
        }
    }

    /// Sorts a store's error by what the user can do about it.
    pub(crate) fn from_store(
        url: &str,
        vars: &'static str,
        what: impl FnOnce() -> String,
        e: object_store::Error,
    ) -> Self {
        let url = url.to_string();
        match e {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => Self::CredentialsRefused {
                url,
                vars,
                source: e,
            },
            object_store::Error::NotFound { .. } => Self::NotFound {
                url,
                what: what(),
                source: Some(e),
            },
            e if unreachable(&e) => Self::Unreachable { url, source: e },
            e => {
                // Some calls (list) report the status only in the text.
                let text = e.to_string();
                if text.contains("NoSuchBucket") {
                    Self::NotFound {
                        url,
                        what: "the bucket".into(),
                        source: Some(e),
                    }
                } else if [
                    "403 Forbidden",
                    "401 Unauthorized",
                    "InvalidAccessKeyId",
                    "SignatureDoesNotMatch",
                ]
                .iter()
                .any(|s| text.contains(s))
                {
                    Self::CredentialsRefused {
                        url,
                        vars,
                        source: e,
                    }
                } else {
                    Self::Store { url, source: e }
                }
            }
        }
    }
}

/// Whether a connection could not be made or broke (after the store's own retries).
fn unreachable(e: &object_store::Error) -> bool {
    use object_store::client::{HttpError, HttpErrorKind};
    let mut next: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(http) = err.downcast_ref::<HttpError>()
            && matches!(
                http.kind(),
                HttpErrorKind::Connect | HttpErrorKind::Interrupted | HttpErrorKind::Timeout
            )
        {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        next = err.source();
    }
    false
}
