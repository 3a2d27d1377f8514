//! Where uploaded files are kept: a directory (`files/` under the data
//! dir), one file per workspace and id, or an S3-compatible store when one
//! is configured ([`crate::s3`]). The database says what a file is and who
//! may have it; this holds its bytes. On disk a file is written whole under
//! a temporary name and then renamed, so that a reader never sees half of
//! one; a store's object is whole by itself.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Files {
    root: PathBuf,
    store: Option<std::sync::Arc<crate::s3::S3>>,
}

/// A kept file, read a piece at a time.
pub type Reader = Box<dyn tokio::io::AsyncRead + Send + Unpin>;

impl Files {
    pub fn new(root: impl Into<PathBuf>) -> Files {
        Files {
            root: root.into(),
            store: None,
        }
    }

    /// Files kept in an S3-compatible store rather than under `root`.
    pub fn in_store(root: impl Into<PathBuf>, store: crate::s3::S3) -> Files {
        Files {
            root: root.into(),
            store: Some(std::sync::Arc::new(store)),
        }
    }

    /// Whether files are kept in an object store (and so not in backups).
    pub fn in_object_store(&self) -> bool {
        self.store.is_some()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, ws: Uuid, id: Uuid) -> PathBuf {
        self.root.join(ws.to_string()).join(id.to_string())
    }

    /// Keeps `bytes` as file `id` of `ws`, whole and synced to disk (its
    /// directory too, so that the name survives a power cut). Nothing is
    /// left behind when it fails; the error names the path.
    pub async fn put(&self, ws: Uuid, id: Uuid, bytes: &[u8]) -> anyhow::Result<()> {
        use anyhow::Context;
        if let Some(s) = &self.store {
            return s.put(ws, id, bytes).await;
        }
        let path = self.path(ws, id);
        let part = path.with_extension("part");
        let written = async {
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            Self::write_synced(&part, bytes).await?;
            tokio::fs::rename(&part, &path).await?;
            if let Some(dir) = path.parent() {
                tokio::fs::File::open(dir).await?.sync_all().await?;
            }
            std::io::Result::Ok(())
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&part).await;
        }
        written.with_context(|| format!("keeping the file {}", path.display()))
    }

    async fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        let mut f = tokio::fs::File::create(path).await?;
        f.write_all(bytes).await?;
        f.sync_all().await
    }

    /// The bytes of file `id` of `ws`; `None` when it is not there.
    pub async fn get(&self, ws: Uuid, id: Uuid) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(s) = &self.store {
            return s.get(ws, id).await;
        }
        let path = self.path(ws, id);
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(anyhow::Error::new(e).context(format!("reading the file {}", path.display())))
            }
        }
    }

    /// File `id` of `ws` opened for reading, to be read a piece at a time;
    /// `None` when it is not there.
    pub async fn open(&self, ws: Uuid, id: Uuid) -> anyhow::Result<Option<Reader>> {
        if let Some(s) = &self.store {
            // At most the largest upload (10 MB) in memory.
            let bytes = s.get(ws, id).await?;
            return Ok(bytes.map(|b| Box::new(std::io::Cursor::new(b)) as Reader));
        }
        let path = self.path(ws, id);
        match tokio::fs::File::open(&path).await {
            Ok(f) => Ok(Some(Box::new(f))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(anyhow::Error::new(e).context(format!("opening the file {}", path.display())))
            }
        }
    }

    /// Removes file `id` of `ws`; one already gone is no error.
    pub async fn remove(&self, ws: Uuid, id: Uuid) -> anyhow::Result<()> {
        if let Some(s) = &self.store {
            return s.remove(ws, id).await;
        }
        let path = self.path(ws, id);
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                Err(anyhow::Error::new(e).context(format!("removing the file {}", path.display())))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_is_kept_read_back_and_removed_once() {
        let dir = std::env::temp_dir().join(format!("rapport-files-{}", Uuid::now_v7()));
        let files = Files::new(&dir);
        let (ws, id) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(files.get(ws, id).await.unwrap(), None);
        files.put(ws, id, b"hello").await.unwrap();
        assert_eq!(
            files.get(ws, id).await.unwrap().as_deref(),
            Some(&b"hello"[..])
        );
        // Kept under its workspace, with no part file left behind.
        let names: Vec<String> = std::fs::read_dir(dir.join(ws.to_string()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![id.to_string()]);
        files.remove(ws, id).await.unwrap();
        files.remove(ws, id).await.unwrap();
        assert_eq!(files.get(ws, id).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_store_that_cannot_write_says_where_and_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("rapport-files-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        // A file where the workspace's directory should be.
        let ws = Uuid::now_v7();
        std::fs::write(dir.join(ws.to_string()), b"in the way").unwrap();
        let files = Files::new(&dir);
        let e = files.put(ws, Uuid::now_v7(), b"x").await.unwrap_err();
        assert!(
            format!("{e:#}").contains(&dir.display().to_string()),
            "{e:#}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
