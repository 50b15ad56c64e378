//! TLS for `serve`: [`Certificates`], the certificate and key read from two PEM files and swapped in
//! place by [`Certificates::reload`] (the edge calls it on SIGHUP), and [`Certificates::acceptor`], the
//! rustls acceptor that offers HTTP/2 and HTTP/1.1 by ALPN. Each handshake asks the store for the
//! current pair, so a reload changes what new connections get and never touches connections already
//! open; a reload that fails (unreadable file, no certificate, a key that does not match) keeps the old
//! pair and says why. Which HTTP version then serves the connection is `conn.rs`'s business; how the
//! bytes reach the socket (no `sendfile` under TLS), `Socket`'s.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// ALPN protocol ids, most preferred first.
pub const ALPN_H2: &[u8] = b"h2";
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// A PEM file larger than this is refused (a certificate chain is a few KiB).
pub const MAX_PEM_BYTES: u64 = 1 << 20;

/// Why a certificate or key could not be (re)loaded; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is larger than {MAX_PEM_BYTES} bytes; is it really a PEM file?")]
    TooLarge { path: PathBuf },
    #[error("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate { path: PathBuf },
    #[error("{path}: bad PEM certificate: {message}")]
    BadCertificate { path: PathBuf, message: String },
    #[error("{path} holds no usable PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC): {message}")]
    BadKey { path: PathBuf, message: String },
    #[error("the key {key} does not belong to the certificate {cert}: {message}")]
    Mismatch { cert: PathBuf, key: PathBuf, message: String },
}

/// The server's certificate chain and key, re-readable from their PEM files.
pub struct Certificates {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").field("cert", &self.cert_path).field("key", &self.key_path).finish()
    }
}

impl Certificates {
    /// Read and check the pair once; errors name the file.
    pub fn load(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Result<Arc<Certificates>, TlsError> {
        let (cert_path, key_path) = (cert.into(), key.into());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let pair = read_pair(&cert_path, &key_path, &provider)?;
        Ok(Arc::new(Certificates { cert_path, key_path, provider, current: RwLock::new(Arc::new(pair)) }))
    }

    /// Re-read both files; on success new handshakes use the new pair, on error the old one stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let pair = read_pair(&self.cert_path, &self.key_path, &self.provider)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
        Ok(())
    }

    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// The DER of the end-entity certificate handed out now.
    pub fn current_der(&self) -> CertificateDer<'static> {
        self.current_pair().cert[0].clone()
    }

    fn current_pair(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// An acceptor offering `h2` and `http/1.1` by ALPN (a client that offers neither gets HTTP/1.1),
    /// TLS 1.2 and 1.3, whose handshakes take the pair current at that moment.
    pub fn acceptor(self: &Arc<Self>) -> tokio_rustls::TlsAcceptor {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default protocol versions")
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![ALPN_H2.to_vec(), ALPN_HTTP11.to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current_pair())
    }
}

/// Read at most [`MAX_PEM_BYTES`] of a PEM file.
fn read_bounded(path: &Path) -> Result<Vec<u8>, TlsError> {
    let read = |source| TlsError::Read { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1).read_to_end(&mut bytes).map_err(read)?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(TlsError::TooLarge { path: path.to_owned() });
    }
    Ok(bytes)
}

fn read_pair(cert_path: &Path, key_path: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read_bounded(cert_path)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate { path: cert_path.to_owned(), message: e.to_string() })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: cert_path.to_owned() });
    }
    let key_pem = read_bounded(key_path)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| TlsError::BadKey { path: key_path.to_owned(), message: e.to_string() })?;
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::BadKey { path: key_path.to_owned(), message: e.to_string() })?;
    let pair = CertifiedKey::new(chain, signing);
    match pair.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(pair),
        Err(e) => {
            Err(TlsError::Mismatch { cert: cert_path.to_owned(), key: key_path.to_owned(), message: e.to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(dir: &Path, name: &str) -> (PathBuf, PathBuf, Vec<u8>) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
        (cert, key, made.cert.der().to_vec())
    }

    #[test]
    fn reload_swaps_the_pair_and_a_bad_file_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, first) = pair(dir.path(), "a");
        let store = Certificates::load(&cert, &key).unwrap();
        assert_eq!(store.current_der().as_ref(), &first[..]);

        let (cert_b, key_b, second) = pair(dir.path(), "b");
        std::fs::copy(&cert_b, &cert).unwrap();
        std::fs::copy(&key_b, &key).unwrap();
        store.reload().unwrap();
        assert_eq!(store.current_der().as_ref(), &second[..]);

        std::fs::write(&cert, "not a certificate\n").unwrap();
        let err = store.reload().unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");
        assert!(err.to_string().contains("a.crt"), "{err}");
        assert_eq!(store.current_der().as_ref(), &second[..], "the old pair stays after a bad reload");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_naming_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, _, _) = pair(dir.path(), "a");
        let (_, other_key, _) = pair(dir.path(), "b");
        let err = Certificates::load(&cert, &other_key).unwrap_err();
        assert!(matches!(err, TlsError::Mismatch { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("a.crt") && text.contains("b.key"), "{text}");
    }

    #[test]
    fn missing_and_oversized_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, _) = pair(dir.path(), "a");
        let missing = Certificates::load(dir.path().join("nope.crt"), &key).unwrap_err();
        assert!(missing.to_string().contains("nope.crt"), "{missing}");
        std::fs::write(&key, vec![b'A'; MAX_PEM_BYTES as usize + 1]).unwrap();
        let big = Certificates::load(&cert, &key).unwrap_err();
        assert!(matches!(big, TlsError::TooLarge { .. }), "{big}");
    }
}
