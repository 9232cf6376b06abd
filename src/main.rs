//! The `ccm` binary: parse arguments, run, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

// Many small strings (ids, messages) are built and freed per patient-month; mimalloc is
// faster than the system allocator at that and keeps less memory per allocation.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_huge_pages();
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

/// Asks Linux not to back this process's memory with transparent huge pages. ccm's memory is
/// touched once, in many growing buffers: a huge page zeroes 2 MB at the first byte touched,
/// and on virtual machines (this project's benchmark machine: a Firecracker VM) first
/// touches are what costs. On the 2M-row benchmark, four pairs interleaved: system time
/// 2.8-5.6 s with huge pages, 0.5-0.65 s without, user time unchanged (3.9-4.2 s vs
/// 3.8-4.0 s). A refusal (an old kernel, another system) changes nothing but the speed.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
