//! The one TLS provider of the workspace: rustls on `ring`.
//!
//! reqwest is built with `rustls-no-provider` (its `rustls` feature would bring aws-lc), so the
//! provider must be installed before any reqwest client is built; every client this crate builds
//! does it first.

/// Installs rustls' `ring` provider as the process default, if none is installed yet. Call it
/// before building your own `reqwest::Client` in a program that enables the `rustls` feature.
pub fn install_provider() {
    // An error only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
