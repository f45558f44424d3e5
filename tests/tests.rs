//! Integration tests: one binary, a module per area.

mod util;

mod check;
mod core;
mod fuzz;
mod mailstack;
mod review;
mod scenario;
mod send;
