//! The Slint code generated from `ui/app.slint`.
slint::include_modules!();
