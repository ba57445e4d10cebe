//! Superuser file tokens: the short-lived tokens a download needs.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::client::Client;
use crate::error::Result;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

/// File-token operations: [`Client::files`].
#[derive(Clone, Copy, Debug)]
pub struct Files<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Files<'a> {
    /// Asks the server for a superuser file token (valid for about 3 minutes, checked when a
    /// download starts): the twin of the Go SDK's `Files.GetToken`.
    pub fn token(&self) -> CreateFileToken<'a> {
        CreateFileToken {
            client: self.client,
            opts: RequestOptions::default(),
        }
    }
}

/// A short-lived superuser file token. Redacted in `Debug`; see
/// [`Backups::download_url`](crate::Backups::download_url).
#[derive(Clone)]
pub struct FileToken(SecretString);

impl FileToken {
    /// Wraps a file token obtained elsewhere.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token itself. Keep it out of logs: it grants downloads of every backup.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for FileToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileToken(<redacted>)")
    }
}

/// `POST /api/files/token`: see [`Files::token`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateFileToken<'a> {
    client: &'a Client,
    opts: RequestOptions,
}

impl CreateFileToken<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<FileToken> {
        create(self.client, &self.opts).await
    }
}

/// A fresh file token, with a caller's extras: for the downloads that need one per request.
pub(crate) async fn create(client: &Client, opts: &RequestOptions) -> Result<FileToken> {
    let rv = client
        .call(Operation::CreateFileToken, opts, None, |api| async move {
            api.create_file_token().await
        })
        .await?;
    Ok(FileToken::new(rv.into_inner().token))
}

request_options!(CreateFileToken);
into_future!(CreateFileToken => FileToken);
