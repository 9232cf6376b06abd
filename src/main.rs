//! The `ccm` binary: parse arguments, run, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

// Many small strings (ids, messages) are built and freed per patient-month; mimalloc is
// faster than the system allocator at that and keeps less memory per allocation.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match ccm::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(
                    if e.kind() == ErrorKind::DisplayVersion || e.kind() == ErrorKind::DisplayHelp {
                        0
                    } else {
                        2
                    },
                );
            }
            // One line, as every other error: clap's first line, escaped and bounded,
            // and where to look.
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("bad arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!(
                "ccm: {} (see ccm --help)",
                ccm::domain::printable(first, 300)
            );
            return ExitCode::from(2);
        }
    };
    match ccm::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ccm: {}", ccm::app::one_line(&e));
            ExitCode::from(2)
        }
    }
}
