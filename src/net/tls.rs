//! TLS for the box's own requests: rustls with the platform's verifier
//! (the system's roots; on Linux `SSL_CERT_FILE`/`SSL_CERT_DIR` are
//! honoured), plus optional certificate pinning per server (`[trust]
//! tls_pins`): a pinned server must present a certificate whose SHA-256 is
//! one of its pins, *and* pass the platform's checks.
//!
//! Without pins reqwest's own rustls set-up is used unchanged. This file
//! builds the `rustls::ClientConfig`; it does not fetch anything.

use std::collections::HashMap;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

use super::NetError;

/// Certificate pins by host name (as in the URL; an IP address as written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins(HashMap<String, Vec<[u8; 32]>>);

impl Pins {
    /// Parses `host -> ["<64 hex digits>", ...]` (SHA-256 of the server's
    /// certificate, DER, as `openssl x509 -noout -fingerprint -sha256`
    /// prints it; colons and case do not matter). Errors name the host.
    pub fn parse(config: &HashMap<String, Vec<String>>) -> Result<Pins, NetError> {
        let mut pins = HashMap::new();
        for (host, list) in config {
            let mut hashes = Vec::new();
            for text in list {
                let hex: String = text.chars().filter(|c| *c != ':').collect();
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                    .collect::<Option<Vec<u8>>>()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| NetError::Request {
                        url: host.clone(),
                        message: format!(
                            "[trust.tls_pins] {text:?} is not a SHA-256 fingerprint (64 hex digits)"
                        ),
                    })?;
                hashes.push(bytes);
            }
            pins.insert(host.to_ascii_lowercase(), hashes);
        }
        Ok(Pins(pins))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The SHA-256 of a certificate, as pinned.
    pub fn fingerprint(cert: &[u8]) -> [u8; 32] {
        Sha256::digest(cert).into()
    }
}

/// Checks the pin of a pinned server, then what the platform checks.
#[derive(Debug)]
struct PinningVerifier {
    pins: Pins,
    platform: Arc<rustls_platform_verifier::Verifier>,
}

fn host_of(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_ascii_lowercase(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => String::new(),
    }
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
        let host = host_of(server_name);
        if let Some(pins) = self.pins.0.get(&host) {
            let got = Pins::fingerprint(end_entity);
            if !pins.contains(&got) {
                let hex: String = got.iter().map(|b| format!("{b:02X}")).collect();
                return Err(rustls::Error::General(format!(
                    "the certificate of {host} (SHA-256 {hex}) is not one pinned for it"
                )));
            }
        }
        self.platform
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.platform.supported_verify_schemes()
    }
}

/// The client TLS set-up for `pins` (None without pins: reqwest's default,
/// which is the same platform verifier without the pin check).
pub fn client_config(pins: &Pins) -> Result<Option<rustls::ClientConfig>, NetError> {
    if pins.is_empty() {
        return Ok(None);
    }
    let error = |e: rustls::Error| NetError::Request {
        url: String::new(),
        message: format!("TLS set-up: {e}"),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let platform = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(error)?;
    let verifier = PinningVerifier {
        pins: pins.clone(),
        platform: Arc::new(platform),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest speaks HTTP/1.1 (no http2 feature).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_hex_fingerprints_with_or_without_colons() {
        let good = "AB".repeat(32);
        let colons = vec!["ab"; 32].join(":");
        let mut c = HashMap::new();
        c.insert("Feeds.Example.org".to_string(), vec![good, colons]);
        let pins = Pins::parse(&c).unwrap();
        assert_eq!(pins.0["feeds.example.org"], vec![[0xAB; 32], [0xAB; 32]]);
        c.insert("bad.example.org".to_string(), vec!["abc".into()]);
        let err = Pins::parse(&c).unwrap_err().to_string();
        assert!(
            err.starts_with("bad.example.org: [trust.tls_pins]"),
            "{err}"
        );
        assert!(client_config(&Pins::default()).unwrap().is_none());
    }
}
