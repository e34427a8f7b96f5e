//! `hustings`: the TV app on the configured feeds (the box's command).

use std::process::ExitCode;

use anyhow::bail;

use super::{ClientArgs, config_from, has_display, runtime};
use crate::app::{WindowOptions, run_windowed};

/// `hustings`: the TV app on the configured feeds.
pub fn run_app(args: &ClientArgs, fullscreen: bool) -> anyhow::Result<ExitCode> {
    let config = config_from(args)?;
    tracing::info!(
        "board profile {}: {}",
        config.board().name,
        config.profile_reason
    );
    if !has_display() {
        bail!("no display (DISPLAY / WAYLAND_DISPLAY unset); try `hustings demo --headless DIR`");
    }
    let rt = runtime()?;
    run_windowed(
        rt.handle(),
        &config,
        WindowOptions {
            fullscreen,
            print_zaps: false,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
