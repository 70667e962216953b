//! The `culprit` binary: parse arguments, dispatch. Everything else is in the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    culprit::cli::run(culprit::cli::Cli::parse())
}
