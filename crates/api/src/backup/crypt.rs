//! Backups encrypted with AES-256-GCM, written and read as streams.
//!
//! A backup file is a header and then chunks, each sealed on its own (the
//! STREAM construction): the header is a magic, the key's fingerprint (so
//! that a wrong key is named as such, not as damage) and a random nonce
//! prefix; each chunk's nonce is that prefix, the chunk's number and
//! whether it is the last. So a chunk cannot be changed, moved, dropped or
//! added, and a file cut short is told from a whole one. The header is the
//! associated data of every chunk.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::Digest;
use std::io::{self, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 16] = b"RAPPORT-BACKUP\x00\x01";
/// The plaintext of a chunk, at most.
const CHUNK: usize = 1 << 20;
const TAG: usize = 16;
const HEADER: usize = 16 + 8 + 7;

/// A 256-bit key.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", hex::encode(self.fingerprint()))
    }
}

impl Key {
    /// A key from its 64 hexadecimal digits.
    pub fn from_hex(s: &str) -> anyhow::Result<Key> {
        let bytes = hex::decode(s.trim())
            .map_err(|_| anyhow::anyhow!("a backup key is 64 hexadecimal digits"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("a backup key is 64 hexadecimal digits (32 bytes)"))?;
        Ok(Key(bytes))
    }

    pub fn random() -> Key {
        Key(rand::random())
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The key read from `path`; made there (readable by its owner only)
    /// when there is none. Whether it was made.
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Key, bool)> {
        use anyhow::Context;
        match std::fs::read_to_string(path) {
            Ok(s) => Ok((
                Key::from_hex(&s).with_context(|| format!("the key in {}", path.display()))?,
                false,
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                use std::os::unix::fs::OpenOptionsExt;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let key = Key::random();
                let mut f = std::fs::OpenOptions::new()
                    .create_new(true)
                    .write(true)
                    .mode(0o600)
                    .open(path)
                    .with_context(|| format!("writing the key {}", path.display()))?;
                f.write_all(key.to_hex().as_bytes())?;
                f.sync_all()?;
                Ok((key, true))
            }
            Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
        }
    }

    /// The first 8 bytes of the key's SHA-256: names the key without
    /// giving it away.
    pub fn fingerprint(&self) -> [u8; 8] {
        let d = sha2::Sha256::digest(self.0);
        d[..8].try_into().expect("8 bytes")
    }

    pub(crate) fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&self.0).expect("a 32-byte key")
    }
}

fn nonce(prefix: &[u8; 7], n: u32, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[..7].copy_from_slice(prefix);
    nonce[7..11].copy_from_slice(&n.to_be_bytes());
    nonce[11] = last as u8;
    nonce
}

/// Encrypts what is written into `inner`. [`Sealer::finish`] seals the
/// last chunk; a sealer dropped without it leaves a file that reads as cut
/// short.
pub struct Sealer<W: Write> {
    inner: W,
    cipher: Aes256Gcm,
    header: [u8; HEADER],
    prefix: [u8; 7],
    n: u32,
    buf: Vec<u8>,
}

impl<W: Write> Sealer<W> {
    pub fn new(mut inner: W, key: &Key) -> io::Result<Sealer<W>> {
        let prefix: [u8; 7] = rand::random();
        let mut header = [0u8; HEADER];
        header[..16].copy_from_slice(MAGIC);
        header[16..24].copy_from_slice(&key.fingerprint());
        header[24..].copy_from_slice(&prefix);
        inner.write_all(&header)?;
        Ok(Sealer {
            inner,
            cipher: key.cipher(),
            header,
            prefix,
            n: 0,
            buf: Vec::with_capacity(CHUNK),
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce(&self.prefix, self.n, last)),
                Payload {
                    msg: &self.buf,
                    aad: &self.header,
                },
            )
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.n = self
            .n
            .checked_add(1)
            .ok_or_else(|| io::Error::other("a backup of more than 4 PiB"))?;
        self.inner.write_all(&(sealed.len() as u32).to_be_bytes())?;
        self.inner.write_all(&sealed)?;
        self.buf.clear();
        Ok(())
    }

    /// Seals the last chunk and hands back the writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let take = room.min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts what `inner` holds, failing (`InvalidData`) on a wrong key, a
/// changed byte, or a file cut short.
pub struct Opener<R: Read> {
    inner: R,
    cipher: Aes256Gcm,
    header: [u8; HEADER],
    prefix: [u8; 7],
    n: u32,
    plain: Vec<u8>,
    at: usize,
    done: bool,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

impl<R: Read> Opener<R> {
    pub fn new(mut inner: R, key: &Key) -> io::Result<Opener<R>> {
        let mut header = [0u8; HEADER];
        inner
            .read_exact(&mut header)
            .map_err(|_| bad("this is not a Rapport backup (it is too short)"))?;
        if &header[..16] != MAGIC {
            return Err(bad("this is not a Rapport backup"));
        }
        if header[16..24] != key.fingerprint() {
            return Err(bad(
                "this backup was encrypted with another key: give the key it was made with",
            ));
        }
        let prefix = header[24..].try_into().expect("7 bytes");
        Ok(Opener {
            inner,
            cipher: key.cipher(),
            header,
            prefix,
            n: 0,
            plain: Vec::new(),
            at: 0,
            done: false,
        })
    }

    /// Reads and opens the next chunk; false after the last.
    fn next(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        self.inner
            .read_exact(&mut len)
            .map_err(|_| bad("the backup is cut short"))?;
        let len = u32::from_be_bytes(len) as usize;
        if !(TAG..=CHUNK + TAG).contains(&len) {
            return Err(bad("the backup is damaged"));
        }
        let mut sealed = vec![0u8; len];
        self.inner
            .read_exact(&mut sealed)
            .map_err(|_| bad("the backup is cut short"))?;
        // A chunk is the last one when it opens as such.
        let open = |last| {
            self.cipher.decrypt(
                &Nonce::from(nonce(&self.prefix, self.n, last)),
                Payload {
                    msg: &sealed,
                    aad: &self.header,
                },
            )
        };
        let (plain, last) = match open(false) {
            Ok(p) => (p, false),
            Err(_) => (
                open(true).map_err(|_| bad("the backup is damaged or was changed"))?,
                true,
            ),
        };
        self.n += 1;
        self.plain = plain;
        self.at = 0;
        if last {
            self.done = true;
            let mut more = [0u8; 1];
            if self.inner.read(&mut more)? != 0 {
                return Err(bad("the backup has bytes after its end"));
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.plain.len() {
            if !self.next()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(key: &Key, plain: &[u8]) -> Vec<u8> {
        let mut s = Sealer::new(Vec::new(), key).unwrap();
        s.write_all(plain).unwrap();
        s.finish().unwrap()
    }

    fn opened(key: &Key, file: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Opener::new(file, key)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn what_is_sealed_opens_whole_with_its_key_only() {
        let key = Key::random();
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5] {
            let plain: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
            let file = sealed(&key, &plain);
            assert_eq!(opened(&key, &file).unwrap(), plain, "{size}");
            let other = Key::random();
            let e = opened(&other, &file).unwrap_err();
            assert!(e.to_string().contains("another key"), "{e}");
        }
    }

    #[test]
    fn a_changed_cut_or_lengthened_file_is_refused() {
        let key = Key::random();
        let plain: Vec<u8> = (0..2 * CHUNK + 10).map(|i| (i % 7) as u8).collect();
        let file = sealed(&key, &plain);
        let mut changed = file.clone();
        changed[HEADER + 4 + 100] ^= 1;
        assert!(opened(&key, &changed).is_err());
        // Cut at a chunk's end: every chunk whole, but not the last.
        let first = HEADER + 4 + CHUNK + TAG;
        let e = opened(&key, &file[..first]).unwrap_err();
        assert!(e.to_string().contains("cut short"), "{e}");
        let e = opened(&key, &file[..file.len() - 1]).unwrap_err();
        assert!(e.to_string().contains("cut short"), "{e}");
        let mut longer = file.clone();
        longer.push(0);
        assert!(opened(&key, &longer).is_err());
        // Chunks swapped.
        let mut swapped = file[..HEADER].to_vec();
        let c = 4 + CHUNK + TAG;
        swapped.extend_from_slice(&file[HEADER + c..HEADER + 2 * c]);
        swapped.extend_from_slice(&file[HEADER..HEADER + c]);
        swapped.extend_from_slice(&file[HEADER + 2 * c..]);
        assert!(opened(&key, &swapped).is_err());
        assert!(opened(&key, b"not a backup at all, just some text").is_err());
    }

    #[test]
    fn a_key_is_64_hex_digits() {
        let k = Key::random();
        assert_eq!(Key::from_hex(&k.to_hex()).unwrap().0, k.0);
        assert!(Key::from_hex("abc").is_err());
        assert!(Key::from_hex(&"zz".repeat(32)).is_err());
    }
}
