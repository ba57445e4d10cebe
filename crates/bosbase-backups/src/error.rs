//! The one error type of the crate.
//!
//! Every message says what happened and what to do; none contains a token, a password or a
//! token-bearing URL (reqwest's errors are stripped of their URL before they are kept).

use std::collections::BTreeMap;
use std::path::PathBuf;

use bosbase_backups_api::types;
use reqwest::StatusCode;

use crate::name::{KeyError, NameError};

/// What the server says when a backup or restore is already running.
const BUSY_MESSAGE: &str = "another backup/restore process has already been started";

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The backup name breaks the server's rule; nothing was sent.
    #[error(transparent)]
    InvalidName(#[from] NameError),

    /// The key could address something other than a backup; nothing was sent.
    #[error(transparent)]
    InvalidKey(#[from] KeyError),

    /// The client was misconfigured (base URL, TLS, header values); nothing was sent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// The server refused the credentials or token (401, or a failed login).
    #[error("not authorized: {} (HTTP {status}); {}", sentence(.message), unauthorized_hint(*.can_login))]
    Unauthorized {
        /// The HTTP status (401, or 400 for a failed password login).
        status: u16,
        /// The server's message.
        message: String,
        /// Whether the client held a password to log in with again.
        can_login: bool,
    },

    /// Authorized, but not as a superuser, or a download without a valid file token (403).
    #[error(
        "forbidden: {} (HTTP 403); log in as a superuser (a regular user's token is not enough)",
        sentence(.message)
    )]
    Forbidden {
        /// The server's message.
        message: String,
    },

    /// No backup has this key (404 on a download, 400 on delete or restore of a missing key).
    #[error("backup {key:?} not found: {}; `list` shows the keys that exist", sentence(.message))]
    NotFound {
        /// The key that was asked for.
        key: String,
        /// The server's message.
        message: String,
    },

    /// Another backup or restore is running on the server. Wait and try again: see
    /// [`Client::health`](crate::Client::health)'s `can_backup`.
    #[error(
        "the server is busy: {}; wait until the running backup or restore ends (health shows canBackup) and try again",
        sentence(.message)
    )]
    Busy {
        /// The server's message.
        message: String,
    },

    /// A backup with this name exists already: the server refused a create, or an upload was
    /// refused before anything was sent.
    #[error(
        "a backup named {name:?} already exists (validation_backup_name_exists); choose another name, or delete that backup first"
    )]
    NameTaken {
        /// The name.
        name: String,
    },

    /// Any other error the server answered, with its per-field details.
    #[error("{}", api_message(.status, .message, .fields))]
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
        /// Per-field errors, e.g. `name` → `validation_backup_name_exists`.
        fields: BTreeMap<String, FieldError>,
    },

    /// The server answered something this client cannot read.
    #[error(
        "unexpected response from the server: {0}; check that the URL points at a BosBase or PocketBase server"
    )]
    InvalidResponse(String),

    /// The connection failed or broke (no server at the URL, refused, reset, timed out).
    #[error("cannot reach the server: {0}; check the URL and that the server is running")]
    Transport(#[source] reqwest::Error),

    /// A local file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot open", "cannot write", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// A download stopped before its end, after retrying. Its bytes so far are kept in `part`
    /// (downloads to a path): [`DownloadBackup::resume`](crate::DownloadBackup::resume) goes on
    /// from there.
    #[error("the download of {key:?} stopped after {written} of {} bytes{}", total.map_or("?".into(), |t| t.to_string()), resume_hint(.part))]
    Interrupted {
        /// The backup.
        key: String,
        /// Bytes written so far.
        written: u64,
        /// The backup's size, when known.
        total: Option<u64>,
        /// The partial file, for downloads to a path.
        part: Option<PathBuf>,
        /// Why the last try failed.
        #[source]
        source: Box<Error>,
    },

    /// The file or backup is not a PocketBase backup; nothing was sent to restore or upload it.
    #[error("{what} is not a PocketBase backup: {why}")]
    NotABackup {
        /// The file or backup.
        what: String,
        /// What is wrong with it.
        why: &'static str,
    },

    /// The server accepted the restore but its log says it failed; it still runs on its old data.
    #[error("the server could not restore {key:?} and still runs on its old data: {reason}")]
    RestoreFailed {
        /// The backup.
        key: String,
        /// The server's reason, from its log.
        reason: String,
    },

    /// The server did not come back healthy after a restore in time. The outcome is unknown.
    #[error(
        "no outcome of the restore of {key:?} after {waited:?} ({}); check the server and its log",
        if *.restarted { "the server went away and has not come back" } else { "the server has not restarted" }
    )]
    RestoreTimeout {
        /// The backup.
        key: String,
        /// How long the client waited.
        waited: std::time::Duration,
        /// Whether the server went away (restarting) meanwhile.
        restarted: bool,
    },

    /// None of the given age identities can decrypt this file: it was encrypted to other
    /// recipients.
    #[error(
        "none of the given age identities can decrypt it: it was encrypted to other recipients; use the identity file whose public key it was encrypted to"
    )]
    WrongIdentity,

    /// An encrypted file is damaged, cut short, or not an age file at all: nothing of it can be
    /// trusted.
    #[error(
        "the encrypted file is damaged or incomplete ({detail}); it cannot be trusted: use another copy"
    )]
    DamagedCiphertext {
        /// What age found.
        detail: String,
    },

    /// A read or write of a caller's stream failed.
    #[error("{0}")]
    Stream(#[source] std::io::Error),
}

/// One per-field error of an [`Error::Api`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// A stable code, e.g. `validation_backup_name_exists`.
    pub code: String,
    /// The server's message.
    pub message: String,
}

fn resume_hint(part: &Option<PathBuf>) -> String {
    match part {
        Some(part) => format!(
            "; the partial file {} is kept: download again with resume (SDK: DownloadBackup::resume(true), CLI: download --resume) to go on from there",
            part.display()
        ),
        None => "; try again".into(),
    }
}

/// A server message to embed in ours: without its final period.
fn sentence(message: &str) -> &str {
    message.trim().trim_end_matches('.')
}

fn unauthorized_hint(can_login: bool) -> &'static str {
    if can_login {
        "check the superuser's email and password"
    } else {
        "log in again (auth_with_password) or pass a fresh superuser token"
    }
}

fn api_message(status: &u16, message: &str, fields: &BTreeMap<String, FieldError>) -> String {
    let mut out = format!(
        "the server refused the request (HTTP {status}): {}",
        sentence(message)
    );
    for (field, e) in fields {
        out.push_str(&format!("; {field}: {} ({})", sentence(&e.message), e.code));
    }
    out
}

impl Error {
    /// Whether waiting and trying again may help: the server is busy, or the connection failed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Busy { .. } | Error::Transport(_) | Error::Interrupted { .. }
        )
    }

    /// The HTTP status the server answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { status, .. } | Error::Api { status, .. } => Some(*status),
            Error::Forbidden { .. } => Some(403),
            Error::Busy { .. } => Some(400),
            // Refused by the server (create) or before sending (upload): the server's answer
            // either way.
            Error::NameTaken { .. } => Some(400),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn transport(e: reqwest::Error) -> Self {
        // reqwest puts the URL in its message, and a download URL holds a file token.
        Error::Transport(e.without_url())
    }

    /// Builds the error for an error answer of the server. `key` is the backup the call was about.
    pub(crate) fn from_body(status: StatusCode, body: types::ApiError, key: Option<&str>) -> Self {
        let message = body.message;
        match status.as_u16() {
            401 => Error::Unauthorized {
                status: 401,
                message,
                can_login: false,
            },
            403 => Error::Forbidden { message },
            404 if key.is_some() => Error::NotFound {
                key: key.unwrap_or_default().into(),
                message,
            },
            400 if message.contains(BUSY_MESSAGE) => Error::Busy { message },
            // The server answers 400 for a missing key on delete and restore.
            400 if key.is_some()
                && body.data.is_empty()
                && (message.starts_with("Invalid or already deleted backup file")
                    || message.starts_with("Missing or invalid backup file")) =>
            {
                // Its delete message names a server-side path: keep only the first sentence.
                let message = message
                    .split(". Raw error")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                Error::NotFound {
                    key: key.unwrap_or_default().into(),
                    message,
                }
            }
            // A create under a taken name (`key`: the name).
            400 if key.is_some()
                && body
                    .data
                    .values()
                    .any(|f| f.code == "validation_backup_name_exists") =>
            {
                Error::NameTaken {
                    name: key.unwrap_or_default().into(),
                }
            }
            status => Error::Api {
                status,
                message,
                fields: body
                    .data
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            FieldError {
                                code: v.code,
                                message: v.message,
                            },
                        )
                    })
                    .collect(),
            },
        }
    }

    /// Reads a response the generated code did not expect: its JSON error body where there is one,
    /// else a short piece of its text.
    pub(crate) async fn from_response(response: reqwest::Response, key: Option<&str>) -> Self {
        let status = response.status();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Error::transport(e),
        };
        match serde_json::from_slice::<types::ApiError>(&body) {
            Ok(parsed) => Error::from_body(status, parsed, key),
            Err(_) => {
                let text = String::from_utf8_lossy(&body[..body.len().min(200)])
                    .trim()
                    .to_string();
                match status.as_u16() {
                    401 => Error::Unauthorized {
                        status: 401,
                        message: text,
                        can_login: false,
                    },
                    403 => Error::Forbidden { message: text },
                    404 if key.is_some() => Error::NotFound {
                        key: key.unwrap_or_default().into(),
                        message: text,
                    },
                    _ => Error::Api {
                        status: status.as_u16(),
                        message: text,
                        fields: BTreeMap::new(),
                    },
                }
            }
        }
    }

    /// Turns an error of the generated client into ours.
    pub(crate) async fn from_api(
        e: progenitor_client::Error<types::ApiError>,
        key: Option<&str>,
    ) -> Self {
        use progenitor_client::Error as E;
        match e {
            E::ErrorResponse(rv) => {
                let status = rv.status();
                Error::from_body(status, rv.into_inner(), key)
            }
            E::UnexpectedResponse(response) => Error::from_response(response, key).await,
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                Error::transport(e)
            }
            E::InvalidResponsePayload(_, e) => Error::InvalidResponse(e.to_string()),
            E::InvalidRequest(msg) | E::Custom(msg) => Error::Config(msg),
        }
    }

    /// Same, for operations that declare no error body (health).
    pub(crate) async fn from_api_unit(e: progenitor_client::Error<()>) -> Self {
        use progenitor_client::Error as E;
        match e {
            E::ErrorResponse(rv) => Error::Api {
                status: rv.status().as_u16(),
                message: String::new(),
                fields: BTreeMap::new(),
            },
            E::UnexpectedResponse(response) => Error::from_response(response, None).await,
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                Error::transport(e)
            }
            E::InvalidResponsePayload(_, e) => Error::InvalidResponse(e.to_string()),
            E::InvalidRequest(msg) | E::Custom(msg) => Error::Config(msg),
        }
    }

    pub(crate) fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Unauthorized { status: 401, .. })
    }
}
