//! The `outreach` library: everything the binary does, as plain modules.
//! See `main.rs` for the architecture.

pub mod classify;
pub mod cli;
pub mod cmd;
pub mod compose;
pub mod config;
pub mod contact;
pub mod imap;
pub mod import;
pub mod journal;
pub mod lint;
pub mod message;
pub mod policy;
pub mod problem;
pub mod review;
pub mod schedule;
pub mod secret;
pub mod smtp;
pub mod table;
pub mod template;
pub mod workspace;
pub mod yaml;
