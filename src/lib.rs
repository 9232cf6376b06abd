//! ccm — a command-line auditor for Medicare care-management billing.
//!
//! Functional core, imperative shell: [`ingest`] turns CSV bytes into a [`domain::Dataset`],
//! [`engine::audit`] is a pure function from that dataset, a [`rules::Ruleset`] and an
//! [`audit::AuditConfig`] to findings and claim decisions, and [`report`] renders them.
//! Only `app` (the shell) touches files, the clock and the terminal.

pub mod app;
pub mod args;
pub mod audit;
pub mod baseline;
pub mod billing;
pub mod checks;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod ingest;
pub mod lookback;
pub mod outputs;
pub mod report;
pub mod rules;
