//! The commands that live in a file of their own: each a clap `Args` with `run`.

pub mod verify;
