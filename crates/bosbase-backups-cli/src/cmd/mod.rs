//! Commands, one file each: a clap `Args` struct with `async fn run(self, g: &Global)`.

pub mod offsite;
pub mod pull;
pub mod sync;
