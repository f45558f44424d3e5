//! Integration tests: one binary, a module per area.

mod util;

mod badinput;
mod check;
mod core;
mod crash;
mod fuzz;
mod import;
mod mailstack;
mod oauth;
mod report;
mod review;
mod rhythm;
mod scenario;
mod send;
