//! Integration tests: one binary, a module per area.

mod util;

mod check;
mod core;
mod mailstack;
mod review;
mod rhythm;
mod scenario;
mod send;
