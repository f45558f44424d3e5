//! Integration tests: one binary, a module per area.

mod util;

mod check;
mod core;
mod crash;
mod fuzz;
mod mailstack;
mod review;
mod scenario;
mod send;
