//! Integration tests: one binary, a module per area.

mod util;

mod check;
mod core;
mod mailstack;
mod report;
mod review;
mod scenario;
mod send;
