//! HTTPS as the box does it, against a real TLS server on loopback whose
//! certificates come from a certificate authority made for the test: the
//! authority trusted through `[trust] extra_ca`, key pins right and wrong, a
//! certificate from an unknown authority, one for another host, and a
//! redirect to plain HTTP.

use std::collections::HashMap;
use std::sync::Arc;

use hustings::net::HttpClient;
use hustings::net::tls::{Transport, spki_pin};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BODY: &str = "#EXTM3U\n#EXTINF:-1,Council Live\nhttp://127.0.0.1/council.ts\n";

fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

/// A server certificate for `names`, signed by `ca`, with its key.
fn server_cert(
    ca: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
) -> (CertificateDer<'static>, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, ca).unwrap();
    (cert.der().clone(), key)
}

/// Serves `reply` (a whole HTTP response) over TLS on a loopback port.
async fn serve(cert: CertificateDer<'static>, key: &KeyPair, reply: String) -> u16 {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, reply) = (acceptor.clone(), reply.clone());
            tokio::spawn(async move {
                // A refused handshake is what some tests expect.
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
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn ok_reply() -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: audio/x-mpegurl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
        BODY.len()
    )
}

struct Setup {
    _dir: tempfile::TempDir,
    ca_file: std::path::PathBuf,
    ca: CertifiedIssuer<'static, KeyPair>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let ca = authority("Hustings test council CA");
    let ca_file = dir.path().join("council-ca.pem");
    std::fs::write(&ca_file, ca.as_ref().pem()).unwrap();
    Setup {
        _dir: dir,
        ca_file,
        ca,
    }
}

fn transport(s: &Setup, pins: &[(&str, String)]) -> Transport {
    let pins: HashMap<String, Vec<String>> = pins
        .iter()
        .map(|(h, p)| (h.to_string(), vec![p.clone()]))
        .collect();
    Transport::new(&[], &pins, std::slice::from_ref(&s.ca_file)).unwrap()
}

async fn fetch(t: &Transport, url: &str) -> Result<String, String> {
    let http = HttpClient::with_transport(t).map_err(|e| e.to_string())?;
    http.fetch(url)
        .await
        .map(|b| String::from_utf8(b).unwrap())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_server_of_the_configured_authority_is_trusted_pinned_or_not() {
    let s = setup();
    let (cert, key) = server_cert(&s.ca, &["localhost"]);
    let pin = spki_pin(&cert).unwrap();
    let port = serve(cert, &key, ok_reply()).await;
    let url = format!("https://localhost:{port}/lineup.m3u");

    assert_eq!(fetch(&transport(&s, &[]), &url).await.unwrap(), BODY);
    assert_eq!(
        fetch(&transport(&s, &[("localhost", pin)]), &url)
            .await
            .unwrap(),
        BODY
    );
    // Without the authority (the platform's roots only) it is refused.
    let e = fetch(&Transport::default(), &url).await.unwrap_err();
    assert!(e.starts_with(&url), "{e}");
}

#[tokio::test]
async fn a_valid_certificate_with_a_key_other_than_the_pinned_one_is_refused() {
    let s = setup();
    let (cert, key) = server_cert(&s.ca, &["localhost"]);
    // The pin of another key, as after a server was replaced by someone else's.
    let (other, _) = server_cert(&s.ca, &["localhost"]);
    let port = serve(cert, &key, ok_reply()).await;
    let url = format!("https://localhost:{port}/lineup.m3u");
    let t = transport(&s, &[("localhost", spki_pin(&other).unwrap())]);
    let e = fetch(&t, &url).await.unwrap_err();
    assert!(e.starts_with(&url) && e.contains("pinned"), "{e}");
}

#[tokio::test]
async fn wrong_certificates_are_refused() {
    let s = setup();
    // From an authority the box does not trust.
    let stranger = authority("Someone else's CA");
    let (cert, key) = server_cert(&stranger, &["localhost"]);
    let port = serve(cert, &key, ok_reply()).await;
    let url = format!("https://localhost:{port}/lineup.m3u");
    let e = fetch(&transport(&s, &[]), &url).await.unwrap_err();
    assert!(e.starts_with(&url), "{e}");
    assert!(e.to_lowercase().contains("certificate"), "{e}");

    // From the trusted authority, but for another host.
    let (cert, key) = server_cert(&s.ca, &["tv.example.org"]);
    let port = serve(cert, &key, ok_reply()).await;
    let url = format!("https://localhost:{port}/lineup.m3u");
    let e = fetch(&transport(&s, &[]), &url).await.unwrap_err();
    assert!(e.starts_with(&url), "{e}");
    assert!(e.to_lowercase().contains("certificate"), "{e}");
}

#[tokio::test]
async fn a_redirect_to_plain_http_off_loopback_is_not_followed() {
    let s = setup();
    let (cert, key) = server_cert(&s.ca, &["localhost"]);
    // 192.0.2.0/24 is documentation space: refused before any connection.
    let reply = "HTTP/1.1 302 Found\r\nLocation: http://192.0.2.1/lineup.m3u\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string();
    let port = serve(cert, &key, reply).await;
    let url = format!("https://localhost:{port}/lineup.m3u");
    let e = fetch(&transport(&s, &[]), &url).await.unwrap_err();
    assert!(
        e.contains("http://192.0.2.1/lineup.m3u") && e.contains("plain HTTP"),
        "{e}"
    );
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_before_connecting() {
    let url = "http://192.0.2.1/lineup.m3u";
    let e = fetch(&Transport::default(), url).await.unwrap_err();
    assert!(e.starts_with(url) && e.contains("plain HTTP"), "{e}");
}
