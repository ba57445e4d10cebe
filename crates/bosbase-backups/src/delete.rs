//! `DELETE /api/backups/{key}`.

use crate::client::Client;
use crate::error::Result;
use crate::name::check_key;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

/// `DELETE /api/backups/{key}`: see [`Backups::delete`](crate::Backups::delete).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct DeleteBackup<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
    pub(crate) key: String,
}

impl DeleteBackup<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        check_key(&self.key)?;
        let key = self.key.as_str();
        self.client
            .call(
                Operation::DeleteBackup,
                &self.opts,
                Some(key),
                |api| async move { api.delete_backup(key).await },
            )
            .await?;
        Ok(())
    }
}

request_options!(DeleteBackup);
into_future!(DeleteBackup => ());
