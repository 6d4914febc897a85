//! The `hsqb` binary: a thin shell around [`hsqb::cli::main`].

fn main() -> std::process::ExitCode {
    hsqb::cli::main()
}
