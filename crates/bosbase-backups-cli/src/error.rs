//! Failures: one line for the user and a documented exit code (see `--help` and the README).

use std::error::Error as StdError;
use std::fmt;

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
    /// The backup or copy is damaged (an encrypted file that fails to decrypt, ...).
    pub const DAMAGED: u8 = 10;
}

/// A failure of a command: what to print and how to exit.
#[derive(Debug)]
pub enum CliError {
    /// A failure the CLI describes itself.
    Plain { code: u8, message: String },
    /// A failure of the SDK, described with the server's URL when it is printed.
    Sdk(bosbase_backups::Error),
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        CliError::Plain {
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

    /// No backup `key` on `server`.
    pub fn not_found(key: &str, server: &str) -> Self {
        Self::new(
            code::NOT_FOUND,
            format!(
                "backup {key:?} not found on {server}; `bosbase-backups list` shows the keys that exist"
            ),
        )
    }

    /// A local file operation failed: `what` says which ("cannot open ./x.zip").
    pub fn io(what: impl fmt::Display, e: &std::io::Error) -> Self {
        Self::new(code::IO, with_causes(format!("{what}: {e}"), e))
    }

    /// The exit code.
    pub fn code(&self) -> u8 {
        use bosbase_backups::Error as E;
        match self {
            CliError::Plain { code, .. } => *code,
            CliError::Sdk(e) => match e {
                E::InvalidName(_) | E::InvalidKey(_) | E::Config(_) | E::NotABackup { .. } => {
                    code::USAGE
                }
                E::Unauthorized { .. } | E::Forbidden { .. } | E::WrongIdentity => code::AUTH,
                E::DamagedCiphertext { .. } => code::DAMAGED,
                E::NotFound { .. } => code::NOT_FOUND,
                E::Busy { .. } => code::BUSY,
                E::Api { .. }
                | E::NameTaken { .. }
                | E::InvalidResponse(_)
                | E::RestoreFailed { .. } => code::SERVER,
                E::RestoreTimeout { .. } => code::TIMEOUT,
                E::Io { .. } | E::Stream(_) => code::IO,
                E::Transport(_) | E::Interrupted { .. } => code::UNREACHABLE,
                _ => code::OTHER,
            },
        }
    }

    /// The error line; `server`: the server's URL as messages show it.
    pub fn line(&self, server: &str) -> String {
        use bosbase_backups::Error as E;
        let message = match self {
            CliError::Plain { message, .. } => message.clone(),
            // The SDK's hint names its own methods; say where the CLI takes credentials from.
            CliError::Sdk(E::Unauthorized {
                status, message, ..
            }) => format!(
                "not authorized by {server}: {} (HTTP {status}); check the superuser's email and \
                 password (BOSBASE_EMAIL, and BOSBASE_PASSWORD or --password-stdin) or give a \
                 fresh superuser token (BOSBASE_TOKEN)",
                sentence(message)
            ),
            CliError::Sdk(e @ E::Transport(_)) => with_causes(format!("{server}: {e}"), e),
            CliError::Sdk(e) => with_causes(e.to_string(), e),
        };
        format!("error: {}", message.replace('\n', " "))
    }
}

impl From<bosbase_backups::Error> for CliError {
    fn from(e: bosbase_backups::Error) -> Self {
        CliError::Sdk(e)
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
