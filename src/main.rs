//! The `hustings` binary: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc malloc: the guide import allocates records on the
/// parser thread and frees them on the writer thread, and glibc serialises such
/// cross-thread frees on the owning arena's lock (see `hustings bench guide`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = hustings::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HUSTINGS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("hustings=info,warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match hustings::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hustings: {e:#}");
            ExitCode::FAILURE
        }
    }
}
