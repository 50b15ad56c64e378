//! The TLS side of the `serve_*` test helpers: a self-signed certificate made per server with rcgen
//! (for `localhost` and 127.0.0.1, so the client verifies it against itself as the only root), and two
//! clients that trust exactly that certificate: HTTP/1.1 over TLS with the same raw request bytes as the
//! plain client (ALPN `http/1.1`), and hyper's HTTP/2 client (ALPN `h2`, which the test insists on).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};

use super::{parse, Resp};

/// A self-signed certificate and key written as PEM files.
pub struct Pem {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub der: Vec<u8>,
}

impl Pem {
    /// Make a certificate for `localhost` and 127.0.0.1 with this serial number and write it to
    /// `<dir>/<name>.crt` and `<dir>/<name>.key`.
    pub fn make(dir: &Path, name: &str, serial: u64) -> Pem {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        let key_pair = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key_pair).unwrap();
        let pem = Pem {
            cert: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
            der: cert.der().to_vec(),
        };
        std::fs::write(&pem.cert, cert.pem()).unwrap();
        std::fs::write(&pem.key, key_pair.serialize_pem()).unwrap();
        pem
    }
}

/// A client config that trusts only `trusted` and offers these ALPN protocols.
pub fn client_config(trusted: &[&[u8]], alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for der in trusted {
        roots.add(CertificateDer::from(der.to_vec())).unwrap();
    }
    // The server's provider, named explicitly rather than relying on rustls' process default.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

fn server_name() -> ServerName<'static> {
    ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into())
}

/// HTTP/1.1 over TLS: send raw bytes, read until the server closes, parse. Also returns the
/// certificate the server presented.
pub fn send_raw_tls(addr: SocketAddr, trusted: &[u8], raw: &[u8]) -> (Resp, Vec<u8>) {
    let config = client_config(&[trusted], &[b"http/1.1"]);
    let conn = rustls::ClientConnection::new(config, server_name()).unwrap();
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(raw).expect("TLS handshake and request");
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]), "ALPN picks http/1.1 when only it is offered");
    let peer = tls.conn.peer_certificates().expect("a server certificate")[0].to_vec();
    let mut buf = Vec::new();
    // hyper closes after `Connection: close`; a missing close_notify is not an error here.
    let _ = tls.read_to_end(&mut buf);
    (parse(&buf), peer)
}

/// One HTTP/2 connection (its own runtime), kept open across requests.
pub struct H2 {
    rt: tokio::runtime::Runtime,
    sender: hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    authority: String,
    /// The certificate the server presented on this connection.
    pub peer: Vec<u8>,
}

impl H2 {
    pub fn connect(addr: SocketAddr, trusted: &[u8]) -> H2 {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let config = client_config(&[trusted], &[b"h2"]);
        let (sender, peer) = rt.block_on(async {
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let tls =
                tokio_rustls::TlsConnector::from(config).connect(server_name(), tcp).await.expect("TLS handshake");
            let (_, session) = tls.get_ref();
            assert_eq!(session.alpn_protocol(), Some(&b"h2"[..]), "the server agreed to HTTP/2 by ALPN");
            let peer = session.peer_certificates().expect("a server certificate")[0].to_vec();
            let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .expect("HTTP/2 handshake");
            tokio::spawn(conn);
            (sender, peer)
        });
        H2 { rt, sender, authority: addr.to_string(), peer }
    }

    /// One request on this connection (headers such as `Connection` that HTTP/2 forbids are dropped).
    pub fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = http::Request::builder().method(method).uri(format!("https://{}{path}", self.authority));
        for (k, v) in headers {
            if !k.eq_ignore_ascii_case("connection") && !k.eq_ignore_ascii_case("host") {
                req = req.header(*k, *v);
            }
        }
        let req = req.body(Empty::<Bytes>::new()).expect("a valid request");
        let sender = &mut self.sender;
        self.rt.block_on(async {
            let call = async {
                sender.ready().await.expect("connection ready");
                let resp = sender.send_request(req).await.expect("HTTP/2 response");
                assert_eq!(resp.version(), http::Version::HTTP_2);
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                    .collect();
                let body = resp.into_body().collect().await.expect("HTTP/2 body").to_bytes().to_vec();
                Resp { status, headers, body }
            };
            tokio::time::timeout(Duration::from_secs(20), call).await.expect("HTTP/2 request within 20 s")
        })
    }
}
