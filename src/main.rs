//! The `hustings` binary: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc malloc: the guide import allocates records on the
/// parser thread and frees them on the writer thread, and glibc serialises such
/// cross-thread frees on the owning arena's lock (see `hustings bench guide`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GStreamer, GLib and libsoup allocate through glibc's malloc, which gives
/// new threads arenas of their own (up to 8 per core), and a box makes
/// streaming threads on every zap: their arenas kept freed memory, and
/// resident memory grew by about 60 MB per 400 zaps. Four arenas held it
/// (`hustings bench soak`, README "Soak"); two held it too, for more lock
/// contention. glibc's own `MALLOC_ARENA_MAX`, where set, is left to rule.
/// Called before any thread exists.
const MALLOC_ARENAS: i32 = 4;

fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    // SAFETY: mallopt only sets a malloc tunable; no thread has started yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
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
