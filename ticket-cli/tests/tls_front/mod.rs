//! A TLS front for tests: a certificate authority made on the spot, a server certificate it
//! signs for 127.0.0.1, and a loopback listener that ends TLS and passes the bytes on to a
//! plain HTTP address (what a reverse proxy does in front of `ticket serve`).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// The front's address and the PEM of the authority that signed its certificate.
pub struct Front {
    pub url: String,
    pub ca_pem: String,
}

/// Starts a TLS front on a free loopback port that forwards every connection to `backend`.
pub fn start(backend: SocketAddr) -> Front {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ticket test authority");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { break };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = forward(client, backend, config);
            });
        }
    });
    Front {
        url,
        ca_pem: ca_cert.pem(),
    }
}

/// Passes one connection's bytes both ways until either side closes.
fn forward(
    mut client: TcpStream,
    backend: SocketAddr,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    let mut tls = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut server = TcpStream::connect(backend)?;
    client.set_nonblocking(true)?;
    server.set_nonblocking(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut busy = false;
        match tls.read_tls(&mut client) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                tls.process_new_packets().map_err(std::io::Error::other)?;
                busy = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        loop {
            match tls.reader().read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    write_all(&mut server, &buf[..n])?;
                    busy = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        match server.read(&mut buf) {
            Ok(0) => {
                tls.send_close_notify();
                flush(&mut tls, &mut client)?;
                return Ok(());
            }
            Ok(n) => {
                tls.writer().write_all(&buf[..n])?;
                busy = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        flush(&mut tls, &mut client)?;
        if !busy {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Writes all of `bytes` to a non-blocking socket.
fn write_all(to: &mut TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match to.write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sends what TLS has to send to the client.
fn flush(tls: &mut rustls::ServerConnection, client: &mut TcpStream) -> std::io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(client) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
