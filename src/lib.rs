//! The `outreach` library: everything the binary does, as plain modules.
//! See `main.rs` for the architecture.

pub mod account;
pub mod appointments;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod compose;
pub mod config;
pub mod contact;
pub mod delivery;
pub mod drafts;
pub mod imap;
pub mod import;
pub mod journal;
pub mod lint;
pub mod message;
pub mod oauth;
pub mod parallel;
pub mod planner;
pub mod policy;
pub mod problem;
pub mod report;
pub mod review;
pub mod rhythm;
pub mod sasl;
pub mod schedule;
pub mod smtp;
pub mod summary;
pub mod template;
pub mod terminal;
pub mod token_store;
pub mod tracking;
pub mod workspace;
pub mod yaml;
