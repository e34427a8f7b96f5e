//! `hustings`: the TV app on the configured feeds (the box's command).

use std::process::ExitCode;

use anyhow::Context;

use super::{ClientArgs, config_from, runtime};
use crate::app::{TourOptions, WindowOptions, choose_backend, run_interactive, run_script};

/// `hustings`: the TV app on the configured feeds, in a window or on the
/// box's display (`[display] backend`).
pub fn run_app(args: &ClientArgs, fullscreen: bool) -> anyhow::Result<ExitCode> {
    let config = config_from(args)?;
    tracing::info!(
        "board profile {}: {}",
        config.board().name,
        config.profile_reason
    );
    // No window system and no DRM card: say what is missing before starting anything.
    choose_backend(&config)?;
    let rt = runtime()?;
    run_interactive(
        rt.handle(),
        &config,
        WindowOptions {
            fullscreen,
            print_zaps: false,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `hustings script FILE --out DIR`: a remote-control script on the
/// configured feeds, one JSON line per action, the shots saved in DIR.
pub fn script(
    args: &ClientArgs,
    file: &std::path::Path,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let config = config_from(args)?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the script {}", file.display()))?;
    let steps = crate::app::script::parse(&text, file)?;
    let rt = runtime()?;
    let (reports, shots) = run_script(
        rt.handle(),
        &config,
        TourOptions::new(out.to_path_buf()),
        &steps,
    )?;
    eprintln!(
        "script complete: {} actions, {} screenshots in {}",
        reports.len(),
        shots.len(),
        out.display()
    );
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}
