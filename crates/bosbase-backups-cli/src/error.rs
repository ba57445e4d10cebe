//! Failures: one line for the user and a documented exit code (see `--help` and the README).

use std::error::Error as StdError;
use std::fmt;
use std::sync::OnceLock;

/// Exit codes. Keep in step with the `--help` text in cli.rs and the README.
pub mod code {
    /// Success.
    pub const OK: u8 = 0;
    /// Anything else.
    pub const OTHER: u8 = 1;
    /// Bad arguments or input, refused before any request.
    pub const USAGE: u8 = 2;
    /// No credentials, failed login, 401, 403.
    pub const AUTH: u8 = 3;
    /// No backup has this key.
    pub const NOT_FOUND: u8 = 4;
    /// Another backup or restore runs.
    pub const BUSY: u8 = 5;
    /// The server refused the request or answered something unexpected; a failed restore.
    pub const SERVER: u8 = 6;
    /// A local file cannot be read or written.
    pub const IO: u8 = 7;
    /// The server cannot be reached.
    pub const UNREACHABLE: u8 = 8;
    /// A restore was not confirmed within --timeout.
    pub const TIMEOUT: u8 = 9;
    /// The backup is damaged; nothing was sent.
    pub const DAMAGED: u8 = 10;
}

/// A failure of a command: what to print and how to exit.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The server's URL as shown in messages (without any user info), set once at start.
static SERVER_URL: OnceLock<String> = OnceLock::new();

pub fn set_server_url(url: &str) {
    let shown = match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => url.to_string(),
    };
    let _ = SERVER_URL.set(shown);
}

/// The server's URL for messages.
pub fn server_url() -> &'static str {
    SERVER_URL.get().map(String::as_str).unwrap_or("the server")
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(code::USAGE, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(code::AUTH, message)
    }

    pub fn not_found(key: &str) -> Self {
        Self::new(
            code::NOT_FOUND,
            format!(
                "backup {key:?} not found on {}; `bosbase-backups list` shows the keys that exist",
                server_url()
            ),
        )
    }

    /// A local file operation failed: `what` says which ("cannot open ./x.zip").
    pub fn io(what: impl fmt::Display, e: &std::io::Error) -> Self {
        Self::new(code::IO, with_causes(format!("{what}: {e}"), e))
    }

    /// Writes the error line.
    pub fn line(&self) -> String {
        format!("error: {}", self.message.replace('\n', " "))
    }
}

/// `message`, followed by the causes of `err` that it does not already say, in parentheses.
pub fn with_causes(message: String, err: &(dyn StdError + 'static)) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        let known = message.contains(&text) || causes.iter().any(|c| c.contains(&text));
        if !text.is_empty() && !known {
            causes.push(text);
        }
        next = e.source();
    }
    if causes.is_empty() {
        message
    } else {
        format!("{message} ({})", causes.join(": "))
    }
}

/// A server message to embed in ours: without its final period.
fn sentence(message: &str) -> &str {
    message.trim().trim_end_matches('.')
}

impl From<bosbase_backups::Error> for CliError {
    fn from(e: bosbase_backups::Error) -> Self {
        use bosbase_backups::Error as E;
        let code = match &e {
            E::InvalidName(_) | E::InvalidKey(_) | E::Config(_) | E::NotABackup { .. } => {
                code::USAGE
            }
            E::Unauthorized { .. } | E::Forbidden { .. } => code::AUTH,
            E::NotFound { .. } => code::NOT_FOUND,
            E::Busy { .. } => code::BUSY,
            E::Api { .. } | E::InvalidResponse(_) | E::RestoreFailed { .. } => code::SERVER,
            E::RestoreTimeout { .. } => code::TIMEOUT,
            E::Damaged { .. } => code::DAMAGED,
            E::Io { .. } | E::Stream(_) => code::IO,
            E::Transport(_) | E::Interrupted { .. } => code::UNREACHABLE,
            _ => code::OTHER,
        };
        let message = match &e {
            // The SDK's hint names its own methods; say where the CLI takes credentials from.
            E::Unauthorized {
                status, message, ..
            } => format!(
                "not authorized by {}: {} (HTTP {status}); check the superuser's email and \
                 password (BOSBASE_EMAIL, and BOSBASE_PASSWORD or --password-stdin) or give a \
                 fresh superuser token (BOSBASE_TOKEN)",
                server_url(),
                sentence(message)
            ),
            E::Transport(_) => with_causes(format!("{}: {e}", server_url()), &e),
            _ => with_causes(e.to_string(), &e),
        };
        Self { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chain(&'static str, Option<Box<Chain>>);
    impl fmt::Display for Chain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Chain {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|c| c as _)
        }
    }

    #[test]
    fn causes_are_appended_once() {
        let err = Chain(
            "top",
            Some(Box::new(Chain(
                "client error (Connect)",
                Some(Box::new(Chain("Connection refused", None))),
            ))),
        );
        assert_eq!(
            with_causes("cannot reach: top".into(), &err),
            "cannot reach: top (client error (Connect): Connection refused)"
        );
        let err = Chain("x", Some(Box::new(Chain("already said", None))));
        assert_eq!(
            with_causes("it failed: already said".into(), &err),
            "it failed: already said"
        );
    }
}
