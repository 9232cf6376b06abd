//! One integration-test binary (links once): CLI contract, rule fixtures, bad input,
//! properties of the core.

mod args_sweep;
mod bad_input;
mod baseline;
mod ci_formats;
mod cli;
mod common;
mod crash;
mod docs;
mod excel_csv;
mod explain_examples;
mod fixtures;
mod fuzz;
mod golden;
mod held;
mod inspect;
mod layout;
mod layout_syn;
mod lookback;
mod manifest;
mod metamorphic;
mod progress;
mod properties;
mod red_team;
mod red_team_ci;
mod schemas;
mod streams;
mod terminal;
mod workbook_out;
mod workbooks;
mod xsd;
