//! `hustings`: the TV app on the configured feeds (the box's command).

use std::process::ExitCode;

use super::{ClientArgs, config_from, runtime};
use crate::app::{WindowOptions, choose_backend, run_interactive};

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
