fn main() {
    // The fuzz build (`make fuzz`: cargo-fuzz sets `--cfg fuzzing`) reaches only the parsers;
    // lib.rs leaves out `app` and `cli` there, so the UI is not compiled: the generated code
    // is the biggest single part of the crate, and instrumented it only slows the build.
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
    if std::env::var_os("CARGO_CFG_FUZZING").is_some() {
        return;
    }
    // One compiled module for all screens; each screen's adapter global is exported from ui/app.slint.
    // Translations (ui/translations/<lang>/LC_MESSAGES/hustings.po) are compiled in, so switching
    // language in Settings needs no gettext on the box; strings carry no context.
    slint_build::compile_with_config(
        "ui/app.slint",
        slint_build::CompilerConfiguration::new()
            .with_style("fluent".into())
            .with_bundled_translations("ui/translations")
            .with_default_translation_context(slint_build::DefaultTranslationContext::None),
    )
    .expect("ui/*.slint must compile");
    println!("cargo:rerun-if-changed=ui/translations");
}
