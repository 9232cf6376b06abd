//! The `ccm` binary: parse arguments, run, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

// Many small strings (ids, messages) are built and freed per patient-month; mimalloc is
// faster than the system allocator at that and keeps less memory per allocation.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ccm::cli::Cli::parse();
    match ccm::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ccm: {}", ccm::app::one_line(&e));
            ExitCode::from(2)
        }
    }
}
