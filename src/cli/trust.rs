//! `hustings keygen`, `hustings sign` and `hustings verify`: the publisher's
//! tools for signed feeds, and a check anyone can run on a feed file.
//! The logic is `trust`'s; this is argument glue and printing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::trust::{self, FeedComment, FeedKind, PinnedKey, SigningKey, verify_signed};

/// Where a secret key's password comes from (never a prompt: signing runs unattended).
pub const PASSWORD_ENV: &str = "HUSTINGS_KEY_PASSWORD";

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write NAME.pub and NAME.key into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// File name of the pair.
    #[arg(long, default_value = "hustings")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The feed file to sign; the signature goes to FILE.minisig.
    pub file: PathBuf,
    /// The secret key (NAME.key from `hustings keygen`, or a `minisign -G` key).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// What the feed is: lineup, guide, archive, interact.
    #[arg(long, value_parser = parse_kind)]
    pub kind: FeedKind,
    /// The feed's version: must grow with every new body (Unix time works).
    #[arg(long, value_name = "N")]
    pub version: u64,
    /// When boxes stop accepting this signature (RFC 3339, e.g. 2026-12-31T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub expires: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The feed file; its signature is read from FILE.minisig unless --sig says otherwise.
    pub file: PathBuf,
    /// A publisher's public key: a .pub file or its base64 line (repeat for several).
    #[arg(long, value_name = "PUBKEY", required = true)]
    pub key: Vec<String>,
    /// The kind the feed must be signed as (default: any).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<FeedKind>,
    /// The signature file (default FILE.minisig).
    #[arg(long, value_name = "FILE")]
    pub sig: Option<PathBuf>,
}

fn parse_kind(s: &str) -> Result<FeedKind, String> {
    s.parse()
}

fn password() -> Option<String> {
    std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty())
}

fn signature_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".minisig");
    PathBuf::from(name)
}

/// `hustings keygen`.
pub fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let password = password();
    let encrypted = password.is_some();
    let (files, public) = trust::sign::keygen(&args.out, &args.name, password)?;
    println!("public key: {}", files.public.display());
    println!(
        "secret key: {}{}",
        files.secret.display(),
        if encrypted {
            " (password-protected)"
        } else {
            " (NOT password-protected: set HUSTINGS_KEY_PASSWORD to make one that is)"
        }
    );
    println!("key id: {}", public.key_id);
    println!("pin it in the box's config.toml:");
    println!("  [trust.lineup]\n  keys = [\"{}\"]", public.base64);
    Ok(ExitCode::SUCCESS)
}

/// `hustings sign`.
pub fn sign(args: SignArgs, clock: &crate::config::Clock) -> anyhow::Result<ExitCode> {
    let expires = trust::parse_time(&args.expires)
        .with_context(|| format!("--expires {:?}", args.expires))?;
    if expires <= clock.now() {
        eprintln!(
            "warning: --expires {} has passed: boxes will refuse this feed",
            args.expires
        );
    }
    let key = SigningKey::load(&args.key, password())?;
    let body =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let comment = FeedComment {
        kind: args.kind,
        version: args.version,
        expires,
    };
    let signature = key.sign(&body, &comment)?;
    let out = signature_path(&args.file);
    std::fs::write(&out, signature).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{}: {} (key {})",
        out.display(),
        comment.to_text(),
        key.key_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// `hustings verify`: exit 0 when verified, 1 when rejected.
pub fn verify(args: VerifyArgs, clock: &crate::config::Clock) -> anyhow::Result<ExitCode> {
    let keys = args
        .key
        .iter()
        .map(|k| {
            let path = Path::new(k);
            if path.exists() {
                PinnedKey::from_file(path, None)
            } else {
                PinnedKey::from_base64(k, None, "--key")
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let sig_path = args.sig.unwrap_or_else(|| signature_path(&args.file));
    let file = args.file.display();
    let signature = match std::fs::read(&sig_path) {
        Ok(s) => s,
        Err(e) => {
            println!(
                "rejected: {file}: no signature ({}: {e})",
                sig_path.display()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let now = clock.now();
    match verify_signed(&body, &signature, args.kind, &keys, None, now) {
        Ok(signed) => {
            println!(
                "verified: {file}: {} feed, version {}, expires {}, signed by {}",
                signed.comment.kind,
                signed.comment.version,
                trust::format_time(signed.comment.expires),
                signed.publisher,
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            println!("rejected: {file}: {why}");
            Ok(ExitCode::FAILURE)
        }
    }
}
