//! Ergonomic client for the Backups API (in progress).
