//! Certificates from a PEM file: a team's own certificate authority, trusted instead of
//! Mozilla's roots by `https://` peers (`TICKET_CA_FILE`) and team silos (`sslrootcert`).
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The certificates in the PEM file at `path` (other sections skipped), or why the file
/// cannot serve: unreadable, malformed, or without a certificate.
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("the file holds no PEM certificate".to_string());
    }
    Ok(certs)
}
