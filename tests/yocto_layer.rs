//! The Yocto layer's crate list follows Cargo.lock: the checker passes on
//! the repository's Cargo.lock and fails, naming the crate, when a version
//! in Cargo.lock changes and hustings-crates.inc does not.

use std::path::Path;
use std::process::Command;

fn check(lock: &Path) -> (bool, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/yocto-layer/scripts/check-crates-inc.py"))
        .arg("--lock")
        .arg(lock)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn the_crates_inc_lists_exactly_cargo_lock() {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let (ok, said) = check(&lock);
    assert!(
        ok,
        "regenerate with yocto-layer/scripts/generate-crates-inc.py: {said}"
    );

    // One version changed in a copy of Cargo.lock: the check fails naming it.
    let text = std::fs::read_to_string(&lock).unwrap();
    let at = text
        .find("name = \"tokio\"\nversion = \"")
        .expect("tokio is locked");
    let start = at + "name = \"tokio\"\nversion = \"".len();
    let end = start + text[start..].find('"').unwrap();
    let changed = format!("{}9.9.9{}", &text[..start], &text[end..]);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("Cargo.lock");
    std::fs::write(&copy, changed).unwrap();
    let (ok, said) = check(&copy);
    assert!(!ok, "a changed Cargo.lock passed: {said}");
    assert!(said.contains("tokio") && said.contains("9.9.9"), "{said}");
}
