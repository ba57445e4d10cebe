//! What every request builder has: per-call extras (`.header()`, `.query()`), `.send()`, and
//! `IntoFuture`, so that a builder can be awaited directly.

use crate::client::{Client, RequestOptions};
use crate::error::Result;
use crate::models::Health;

/// Adds `.header()` and `.query()` to a request builder with an `opts: RequestOptions` field.
macro_rules! request_options {
    ($ty:ident) => {
        impl $ty<'_> {
            /// Adds a header to this call (the twin of the Go SDK's `headers` argument). An
            /// invalid name or value fails the call before anything is sent.
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.opts.header(name, value);
                self
            }

            /// Adds a query parameter to this call (the twin of the Go SDK's `query` argument).
            pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.opts.query.push((name.into(), value.into()));
                self
            }
        }
    };
}

/// Lets `builder.await` stand for `builder.send().await`.
macro_rules! into_future {
    ($ty:ident => $out:ty) => {
        impl<'a> ::std::future::IntoFuture for $ty<'a> {
            type Output = $crate::error::Result<$out>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = $crate::error::Result<$out>> + Send + 'a>,
            >;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use {into_future, request_options};

/// `GET /api/health`: see [`Client::health`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct HealthRequest<'a> {
    client: &'a Client,
    opts: RequestOptions,
}

impl<'a> HealthRequest<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
        }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Health> {
        self.client.health_inner(&self.opts).await
    }
}

request_options!(HealthRequest);
into_future!(HealthRequest => Health);
