fn main() {
    // One compiled module for all screens; each screen's adapter global is exported from ui/app.slint.
    slint_build::compile_with_config(
        "ui/app.slint",
        slint_build::CompilerConfiguration::new().with_style("fluent".into()),
    )
    .expect("ui/*.slint must compile");
}
