//! Transport rules for everything the box fetches or sends (feeds, images,
//! poll answers, sign-ups): HTTPS with rustls and the platform's roots (plus
//! a private certificate authority when configured), optional key pins per
//! host, and plain HTTP only to loopback or to URL prefixes allowed one by
//! one (`[trust] allow_plain_http`).
//!
//! A pin is the SHA-256 of the server certificate's SubjectPublicKeyInfo,
//! written as curl's `--pinnedpubkey` takes it: `sha256//<base64>`. It
//! survives certificate renewals that keep the key. A pinned host must
//! present a certificate that the roots accept *and* whose key is pinned.
//!
//! Media streams are not covered: the player opens the lineup's stream URLs
//! (multicast, HTTP on the operator's network) as they are.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

/// How the box may reach servers.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// URL prefixes that may use plain HTTP (loopback always may).
    allow_plain_http: Vec<String>,
    /// Host (as in the URL) → accepted SPKI SHA-256 digests.
    pins: HashMap<String, Vec<[u8; 32]>>,
    /// Extra trusted roots (a council's own certificate authority).
    extra_roots: Vec<CertificateDer<'static>>,
}

/// A transport setting that cannot be used; names the file or host.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("[trust] pins for {host}: {pin:?} is not sha256//<base64 of 32 bytes>")]
    Pin { host: String, pin: String },
    #[error("[trust] extra_ca {path}: {message}")]
    Ca { path: String, message: String },
}

impl Transport {
    /// Builds the rules from the configuration's `[trust]` settings.
    pub fn new(
        allow_plain_http: &[String],
        pins: &HashMap<String, Vec<String>>,
        extra_ca: &[PathBuf],
    ) -> Result<Self, TransportError> {
        let mut parsed = HashMap::new();
        for (host, list) in pins {
            let digests = list
                .iter()
                .map(|pin| {
                    parse_pin(pin).ok_or_else(|| TransportError::Pin {
                        host: host.clone(),
                        pin: pin.clone(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            parsed.insert(host.to_ascii_lowercase(), digests);
        }
        let mut extra_roots = Vec::new();
        for path in extra_ca {
            let ca_error = |message: String| TransportError::Ca {
                path: path.display().to_string(),
                message,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| ca_error(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no PEM certificate in it".into()));
            }
            extra_roots.extend(certs);
        }
        Ok(Transport {
            allow_plain_http: allow_plain_http.to_vec(),
            pins: parsed,
            extra_roots,
        })
    }

    /// Whether `url` may be requested: https always; http only to loopback
    /// or under an allowed prefix; nothing else. Err: why not.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
        match parsed.scheme() {
            "https" => Ok(()),
            "http" if is_loopback(&parsed) => Ok(()),
            "http" if self.allow_plain_http.iter().any(|p| url.starts_with(p)) => Ok(()),
            "http" => Err(
                "plain HTTP is refused (only loopback, or a prefix listed in \
                 [trust] allow_plain_http); use https"
                    .to_string(),
            ),
            other => Err(format!("the {other}: scheme is not fetched")),
        }
    }

    /// Redirects are followed (at most 5) only to URLs this transport allows.
    fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let transport = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("more than 5 redirects");
            }
            match transport.check_url(attempt.url().as_str()) {
                Ok(()) => attempt.follow(),
                Err(why) => {
                    let message = format!("redirected to {}: {why}", attempt.url());
                    attempt.error(message)
                }
            }
        })
    }

    /// Gives `builder` this transport's TLS: platform roots plus the extra
    /// ones, then the pins.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let platform = rustls_platform_verifier::Verifier::new_with_extra_roots(
            self.extra_roots.iter().cloned(),
            provider.clone(),
        )
        .map_err(|e| format!("the platform's certificate roots: {e}"))?;
        let verifier = PinningVerifier {
            inner: Arc::new(platform),
            pins: self.pins.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(builder
            .redirect(self.redirect_policy())
            .tls_backend_preconfigured(config))
    }
}

static INSTALLED: OnceLock<Transport> = OnceLock::new();

/// Sets the process's transport from its configuration (once, at start-up;
/// a second call is ignored). Clients built afterwards follow it.
pub fn install(transport: Transport) {
    let _ = INSTALLED.set(transport);
}

/// The installed transport, or the default (platform roots, no pins,
/// plain HTTP to loopback only).
pub fn current() -> Transport {
    INSTALLED.get().cloned().unwrap_or_default()
}

/// `sha256//<base64>` → the digest.
fn parse_pin(pin: &str) -> Option<[u8; 32]> {
    let b64 = pin.trim().strip_prefix("sha256//")?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()?
        .try_into()
        .ok()
}

/// The pin of a DER certificate: SHA-256 of its SubjectPublicKeyInfo.
pub fn spki_pin(cert_der: &[u8]) -> Result<String, String> {
    let digest = spki_sha256(cert_der)?;
    Ok(format!(
        "sha256//{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

fn spki_sha256(cert_der: &[u8]) -> Result<[u8; 32], String> {
    use x509_cert::der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| e.to_string())?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    Ok(Sha256::digest(&spki).into())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The platform's verdict first, then the host's pins.
#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: HashMap<String, Vec<[u8; 32]>>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let host = match server_name {
            ServerName::DnsName(d) => d.as_ref().to_ascii_lowercase(),
            ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
            _ => String::new(),
        };
        if let Some(pins) = self.pins.get(&host) {
            let digest = spki_sha256(end_entity).map_err(|e| {
                rustls::Error::General(format!("the certificate of {host} cannot be read: {e}"))
            })?;
            if !pins.contains(&digest) {
                return Err(rustls::Error::General(format!(
                    "the certificate of {host} is valid but its key is not the one pinned \
                     ([trust] pins)"
                )));
            }
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback_or_an_allowed_prefix() {
        let t = Transport::new(
            &["http://10.0.0.1/feeds/".to_string()],
            &HashMap::new(),
            &[],
        )
        .unwrap();
        for ok in [
            "https://example.org/lineup.m3u",
            "http://127.0.0.1:8080/lineup.m3u",
            "http://127.9.9.9/x",
            "http://[::1]:80/x",
            "http://localhost/x",
            "http://10.0.0.1/feeds/guide.xml",
        ] {
            assert_eq!(t.check_url(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://10.0.0.1/other/guide.xml",
            "http://192.0.2.1/lineup.m3u",
            "http://localhost.example.org/x",
            "ftp://127.0.0.1/x",
        ] {
            let e = t.check_url(refused).unwrap_err();
            assert!(e.contains("plain HTTP") || e.contains("scheme"), "{e}");
        }
    }

    #[test]
    fn pins_must_be_sha256_of_32_bytes() {
        let good = format!(
            "sha256//{}",
            base64::engine::general_purpose::STANDARD.encode([7u8; 32])
        );
        assert_eq!(parse_pin(&good), Some([7u8; 32]));
        for bad in ["sha1//AAAA", "sha256//not base64!", "sha256//AAAA", ""] {
            assert_eq!(parse_pin(bad), None, "{bad}");
        }
        let pins = HashMap::from([("tv.example".to_string(), vec!["sha256//AAAA".to_string()])]);
        let e = Transport::new(&[], &pins, &[]).unwrap_err().to_string();
        assert!(
            e.contains("tv.example") && e.contains("sha256//AAAA"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        for path in [dir.path().join("missing.pem"), empty] {
            let e = Transport::new(&[], &HashMap::new(), std::slice::from_ref(&path))
                .unwrap_err()
                .to_string();
            assert!(e.contains(&path.display().to_string()), "{e}");
        }
    }
}
