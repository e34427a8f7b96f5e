//! HTTPS as the box does it, against a local HTTPS server whose certificate
//! a test certificate authority (rcgen) signed: trusted through the
//! platform's roots (`SSL_CERT_FILE` names the test CA, as an operator's
//! private CA would be installed), refused when the CA is not trusted,
//! accepted when pinned to the server's certificate, refused when pinned to
//! another one. The box is the real binary (`hustings archive list`).

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CATALOGUE: &str = r#"{"version": 1, "items": []}"#;

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// A server certificate for 127.0.0.1 and its key (PKCS#8 DER).
    fn leaf(&self) -> (CertificateDer<'static>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.der().clone(), key.serialize_der())
    }
}

/// Serves `CATALOGUE` (and 404 for signatures) over HTTPS on loopback with
/// `cert`; returns the base URL.
fn serve(cert: CertificateDer<'static>, ca: CertificateDer<'static>, key: Vec<u8>) -> String {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert, ca],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = common::runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    common::runtime().spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is the point of some cases.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request);
                let (status, body) = if line.starts_with("GET /archive/catalogue.json ") {
                    ("200 OK", CATALOGUE)
                } else {
                    ("404 Not Found", "")
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://{addr}/")
}

/// `hustings archive list` against `url` with `extra` config; `ca_file`
/// set as `SSL_CERT_FILE` (the platform's roots), or none.
fn archive_list(dir: &Path, url: &str, extra: &str, ca_file: Option<&Path>) -> (Output, String) {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[feeds]\narchive = [\"{url}archive/catalogue.json\"]\n{extra}"),
    )
    .unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
    c.args(["--config", config.to_str().unwrap()])
        .args(["--state", dir.join("state").to_str().unwrap()])
        .args(["archive", "list", "--json"])
        .env_remove("SSL_CERT_DIR");
    match ca_file {
        Some(f) => c.env("SSL_CERT_FILE", f),
        // Another authority only: the server's is not trusted.
        None => c.env("SSL_CERT_FILE", dir.join("other-ca.pem")),
    };
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn https_is_checked_against_the_platform_roots_and_the_pins() {
    let dir = common::scratch("tls");
    std::fs::write(dir.join("other-ca.pem"), Ca::new("Another CA").issuer.pem()).unwrap();
    let ca = Ca::new("Hustings test CA");
    let ca_pem = dir.join("test-ca.pem");
    std::fs::write(&ca_pem, ca.issuer.pem()).unwrap();
    let (cert, key) = ca.leaf();
    let served = hustings::net::tls::Pins::fingerprint(&cert);
    let url = serve(cert, ca.issuer.der().clone(), key);
    let (other, _) = ca.leaf();
    let other = hustings::net::tls::Pins::fingerprint(&other);
    let feed = format!("{url}archive/catalogue.json");

    // Unpinned, the test CA among the roots: fetched (an empty catalogue).
    let (out, stderr) = archive_list(&dir, &url, "", Some(&ca_pem));
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("archive:"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");

    // Unpinned, the server's CA not among the roots: refused, naming the URL.
    let (_, stderr) = archive_list(&dir, &url, "", None);
    assert!(
        stderr.contains(&format!("archive: {feed}:")) && stderr.contains("certificate"),
        "{stderr}"
    );

    // Pinned to the certificate served (colons and case do not matter).
    let colons: Vec<String> = served.iter().map(|b| format!("{b:02x}")).collect();
    let pinned = format!(
        "[trust.tls_pins]\n\"127.0.0.1\" = [\"{}\"]\n",
        colons.join(":")
    );
    let (out, stderr) = archive_list(&dir, &url, &pinned, Some(&ca_pem));
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("archive:"), "{stderr}");

    // Pinned to another certificate of the same CA: the server's is refused.
    let wrong = format!("[trust.tls_pins]\n\"127.0.0.1\" = [\"{}\"]\n", hex(&other));
    let (_, stderr) = archive_list(&dir, &url, &wrong, Some(&ca_pem));
    assert!(
        stderr.contains(&format!("archive: {feed}:"))
            && stderr.contains(&format!(
                "the certificate of 127.0.0.1 (SHA-256 {}) is not one pinned for it",
                hex(&served)
            )),
        "{stderr}"
    );

    // Pins of other servers change nothing for this one.
    let elsewhere = format!(
        "[trust.tls_pins]\n\"feeds.example.org\" = [\"{}\"]\n",
        hex(&other)
    );
    let (out, stderr) = archive_list(&dir, &url, &elsewhere, Some(&ca_pem));
    assert!(
        out.status.success() && !stderr.contains("archive:"),
        "{stderr}"
    );
}
