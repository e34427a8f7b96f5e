//! The `hustings` binary: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc malloc: the guide import allocates records on the
/// parser thread and frees them on the writer thread, and glibc serialises such
/// cross-thread frees on the owning arena's lock (see `hustings bench guide`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GStreamer, GLib and libsoup allocate through glibc's malloc, which gives
/// each new thread an arena of its own (up to 8 per core). A box makes
/// streaming threads on every zap, and their arenas kept freed memory:
/// `hustings bench soak` (400 zaps) grew by 53 MB with the default, by 14 MB
/// (noise, no trend) with two arenas, and started 45 MB smaller. Set before
/// any thread exists.
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets a malloc tunable; no thread has started yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
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
