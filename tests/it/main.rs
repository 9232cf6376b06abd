//! One integration-test binary (links once): CLI contract, rule fixtures, bad input,
//! properties of the core.

mod cli;
mod common;
mod fixtures;
mod bad_input;
mod properties;
