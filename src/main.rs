//! The `culprit` binary: parse arguments, dispatch. Everything else is in the library.

fn main() -> std::process::ExitCode {
    culprit::cli::run(culprit::cli::parse())
}
