//! What every request builder has: per-call extras (`.header()`, `.query()`), `.send()`, and
//! `IntoFuture`, so that a builder can be awaited directly.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Extra headers and query parameters for one call: the twin of the Go SDK's `query` and
/// `headers` arguments. A builder applies them to every request it sends.
#[derive(Clone, Default)]
pub(crate) struct RequestOptions {
    pub(crate) headers: HeaderMap,
    pub(crate) query: Vec<(String, String)>,
    invalid: Option<String>,
}

impl RequestOptions {
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => self.invalid = Some(format!("invalid header {name:?}")),
        }
    }

    /// Fails when a header given to the builder was invalid: before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(msg) => Err(Error::Config(msg.clone())),
            None => Ok(()),
        }
    }

    /// Applies the extras to a request built by hand (the upload, a health probe).
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.headers(self.headers.clone()).query(&self.query)
    }
}

/// Adds `.header()` and `.query()` to a request builder with an `opts: RequestOptions` field.
/// `$which` says which requests of the builder get them, for the docs.
macro_rules! request_options {
    ($ty:ident) => {
        $crate::options::request_options!($ty, "every request this call sends");
    };
    ($ty:ident, $which:literal) => {
        impl $ty<'_> {
            /// Adds a header to this call (the twin of the Go SDK's `headers` argument): to
            #[doc = concat!($which, ".")]
            /// An invalid name or value fails the call before anything is sent.
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.opts.header(name, value);
                self
            }

            /// Adds a query parameter to this call (the twin of the Go SDK's `query` argument):
            /// to
            #[doc = concat!($which, ".")]
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
