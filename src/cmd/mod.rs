//! One module per command: its clap arguments and its `execute`.

pub mod check;
pub mod classify;
pub mod contacts;
pub mod doctor;
pub mod draft;
pub mod due;
pub mod followup;
pub mod import;
pub mod init;
pub mod lint;
pub mod log;
pub mod mark;
pub mod resolve;
pub mod run;
pub mod send;
pub mod status;
