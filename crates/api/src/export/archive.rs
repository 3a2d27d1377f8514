//! A zip archive of many files, written as its pieces come and sent as it
//! is written: each entry's sizes follow its data, so nothing but the
//! current piece is ever held, and the first bytes leave before the last
//! file is read. Every entry may pass 4 GiB (zip64).

use super::xlsx::Sink;
use crate::error::ApiError;
use actix_web::web::Bytes;
use std::io::Write;
use tokio::sync::mpsc;

/// What the reader of the records hands the writer of the archive.
pub enum Piece {
    /// A new file: the bytes after it are its own. `packed` ones are
    /// already compressed (pictures, PDFs) and stored as they are.
    File { name: String, packed: bool },
    /// More of the current file.
    Bytes(Vec<u8>),
    /// The last file was sent.
    End,
    /// Reading failed: the archive must not look whole.
    Failed(ApiError),
}

/// Writes the archive of `pieces` into `tx` on the calling (blocking)
/// thread, until they end, fail, or the client goes away.
pub fn write(mut pieces: mpsc::Receiver<Piece>, tx: mpsc::Sender<Result<Bytes, ApiError>>) {
    let written = (|| -> Result<(), ApiError> {
        use zip::write::SimpleFileOptions;
        let failed = |e: zip::result::ZipError| ApiError::internal(anyhow::anyhow!(e));
        let io = |e: std::io::Error| ApiError::internal(anyhow::anyhow!(e));
        let mut zip = zip::ZipWriter::new_stream(Sink::new(tx.clone()));
        let deflated = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        let stored = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let mut open = false;
        loop {
            match pieces.blocking_recv() {
                Some(Piece::File { name, packed }) => {
                    zip.start_file(name, if packed { stored } else { deflated })
                        .map_err(failed)?;
                    open = true;
                }
                Some(Piece::Bytes(b)) if open => zip.write_all(&b).map_err(io)?,
                Some(Piece::Bytes(_)) => {
                    return Err(ApiError::internal(anyhow::anyhow!("bytes before a file")))
                }
                Some(Piece::End) => break,
                Some(Piece::Failed(e)) => return Err(e),
                None => return Err(ApiError::internal(anyhow::anyhow!("the files stopped"))),
            }
        }
        let mut sink = zip.finish().map_err(failed)?.into_inner();
        sink.send().map_err(io)
    })();
    if let Err(e) = written {
        tracing::warn!(error = ?e, "an archive stopped");
        let _ = tx.blocking_send(Err(e));
    }
}
