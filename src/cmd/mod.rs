//! One module per command: its clap arguments and its `execute`.

pub mod contacts;
pub mod draft;
pub mod init;
pub mod lint;
pub mod resolve;
pub mod send;
