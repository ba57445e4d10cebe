//! Credentials (from the environment, options and stdin; never a password on the command line)
//! and the logged-in client.

use std::fmt;
use std::io::BufRead;
use std::time::Duration;

use bosbase_backups::{Client, ExposeSecret, SecretString};

use crate::cli::Global;
use crate::error::CliError;

/// How to authenticate as a superuser.
pub enum Credentials {
    Password {
        email: String,
        password: SecretString,
    },
    Token(SecretString),
    None,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password { email, .. } => f
                .debug_struct("Password")
                .field("email", email)
                .field("password", &"<redacted>")
                .finish(),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
            Credentials::None => f.write_str("None"),
        }
    }
}

impl Credentials {
    /// Reads them from the options, `BOSBASE_PASSWORD` and, with `--password-stdin`, stdin.
    /// Email and password win over a token.
    pub fn resolve(global: &Global) -> Result<Credentials, CliError> {
        let email = global.email.as_deref().filter(|e| !e.is_empty());
        if global.password_stdin {
            let Some(email) = email else {
                return Err(CliError::usage(
                    "--password-stdin needs the superuser's email: pass --email or set BOSBASE_EMAIL",
                ));
            };
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CliError::io("cannot read the password from stdin", &e))?;
            let password = line.trim_end_matches(['\n', '\r']).to_string();
            if password.is_empty() {
                return Err(CliError::auth(
                    "--password-stdin read an empty password: pipe the password into the command",
                ));
            }
            return Ok(Credentials::Password {
                email: email.into(),
                password: SecretString::from(password),
            });
        }
        if let Some(email) = email {
            return match std::env::var("BOSBASE_PASSWORD") {
                Ok(password) if !password.is_empty() => Ok(Credentials::Password {
                    email: email.into(),
                    password: SecretString::from(password),
                }),
                _ => Err(CliError::auth(format!(
                    "no password for {email}: set BOSBASE_PASSWORD or pipe it into --password-stdin"
                ))),
            };
        }
        match global.token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => Ok(Credentials::Token(SecretString::from(token.to_string()))),
            None => Ok(Credentials::None),
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Credentials::None)
    }
}

/// A client for the server, logged in when credentials were given. The SDK keeps the password
/// and logs in again by itself when a restore replaced the superusers.
pub struct Session {
    pub client: Client,
}

impl Session {
    /// The client, logged in: what every command but `health` needs.
    pub async fn login(global: &Global) -> Result<Session, CliError> {
        let credentials = Credentials::resolve(global)?;
        if credentials.is_none() {
            return Err(CliError::auth(
                "no credentials: set BOSBASE_EMAIL and BOSBASE_PASSWORD (or pass --email and pipe \
                 the password into --password-stdin), or set BOSBASE_TOKEN to a superuser token",
            ));
        }
        Self::with(global, credentials).await
    }

    /// The client, logged in when credentials were given.
    pub async fn open(global: &Global) -> Result<Session, CliError> {
        Self::with(global, Credentials::resolve(global)?).await
    }

    async fn with(global: &Global, credentials: Credentials) -> Result<Session, CliError> {
        let client = client_builder(&global.url, &credentials)?.build()?;
        if let Credentials::Password { email, password } = &credentials {
            client
                .auth_with_password(email, password.expose_secret())
                .await?;
        }
        Ok(Session { client })
    }
}

/// The SDK client for `url`, with the SDK's default timeouts.
pub fn client_builder(
    url: &str,
    credentials: &Credentials,
) -> Result<bosbase_backups::ClientBuilder, CliError> {
    let http = http_client(
        bosbase_backups::DEFAULT_CONNECT_TIMEOUT,
        bosbase_backups::DEFAULT_READ_TIMEOUT,
    )?;
    let builder = Client::builder(url).http_client(http);
    Ok(match credentials {
        Credentials::Token(token) => builder.token(token.expose_secret()),
        _ => builder,
    })
}

/// The HTTP client under the SDK, with TLS for https:// servers (rustls).
///
/// TLS is reqwest's rustls on the `ring` provider (the SDK's `offsite` feature), handed to the SDK
/// with `http_client()`, rather than the SDK's own `rustls` feature: in a workspace build, that
/// feature would be unified into every test of the SDK, whose error snapshot expects https:// to
/// be refused without it. Never a total timeout (it would cut long transfers): connect and read
/// timeouts only.
pub fn http_client(connect: Duration, read: Duration) -> Result<reqwest::Client, CliError> {
    bosbase_backups::install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(connect)
        .read_timeout(read)
        .user_agent(concat!("bosbase-backups-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            CliError::new(
                crate::error::code::OTHER,
                crate::error::with_causes(format!("cannot set up the HTTP client: {e}"), &e),
            )
        })
}
