//! Case attachments on disk, addressed by the SHA-256 of their content.
//!
//! A blob lives at `root/ab/cd/abcd…` (the first two byte pairs of its hex
//! hash as directories, so no directory grows past 65 536 entries). Writing
//! the same content twice stores it once. A blob appears under its final
//! name only complete and on disk: it is written to a temporary file in the
//! same directory, fsynced, renamed into place without replacing anything,
//! and the directory is fsynced so the rename survives a crash.
//!
//! Hashes coming from outside (URLs, database rows) are checked to be exactly
//! 64 lowercase hex digits before any path is built from them, so a request
//! cannot reach outside the store. Reads check the content against its hash.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use amiable_domain::timeline::to_hex;
use sha2::{Digest, Sha256};

/// A content-addressed store of attachment bytes under one directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// What [`BlobStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    /// SHA-256 of the content, 64 lowercase hex digits: the blob's address.
    pub sha256: String,
    pub size_bytes: u64,
    /// False when the same content was already stored.
    pub created: bool,
}

impl BlobStore {
    /// A store rooted at `root`; the directory is created on first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    /// Stores `bytes` durably and returns its address. Idempotent: storing
    /// content that is already there leaves the existing file untouched.
    pub async fn put(&self, bytes: &[u8]) -> io::Result<BlobInfo> {
        // The blocking task must own its data; uploads are capped (10 MiB),
        // so one copy is cheaper than holding an async worker during IO.
        let root = self.root.clone();
        let bytes = bytes.to_vec();
        run_blocking(move || put_blocking(&root, &bytes)).await
    }

    /// The content stored under `sha256`, or `None` when the hash is not
    /// well-formed or nothing is stored under it. A file whose content no
    /// longer matches its hash is an `InvalidData` error, never returned.
    pub async fn open(&self, sha256: &str) -> io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        let expected = sha256.to_owned();
        run_blocking(move || open_blocking(&path, &expected)).await
    }

    /// Where the blob `sha256` is (or would be) stored, or `None` when
    /// `sha256` is not 64 lowercase hex digits.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| blob_path(&self.root, sha256))
    }
}

/// Exactly 64 characters, each `0-9` or `a-f`: the only strings ever joined
/// onto the root, which rules out `/`, `..` and every other path trick.
fn is_sha256_hex(candidate: &str) -> bool {
    candidate.len() == 64
        && candidate
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Callers have checked `sha256` with [`is_sha256_hex`] (ASCII, 64 long).
fn blob_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

fn put_blocking(root: &Path, bytes: &[u8]) -> io::Result<BlobInfo> {
    let sha256 = to_hex(&Sha256::digest(bytes));
    let path = blob_path(root, &sha256);
    let info = |created| BlobInfo {
        sha256: sha256.clone(),
        size_bytes: bytes.len() as u64,
        created,
    };
    if path.try_exists()? {
        return Ok(info(false));
    }

    let shard = path
        .parent()
        .ok_or_else(|| io::Error::other("blob path has no parent"))?;
    fs::create_dir_all(root)?;
    if let Some(outer) = shard.parent() {
        create_dir_durably(outer)?;
    }
    create_dir_durably(shard)?;

    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(shard)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    match temp.persist_noclobber(&path) {
        Ok(_) => {}
        // Another writer stored the same content first; ours is dropped
        // (and its temporary file deleted). Same hash, same bytes.
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => return Ok(info(false)),
        Err(e) => return Err(e.error),
    }
    sync_dir(shard)?;
    Ok(info(true))
}

fn open_blocking(path: &Path, expected_sha256: &str) -> io::Result<Option<Vec<u8>>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if to_hex(&Sha256::digest(&bytes)) != expected_sha256 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("blob {} does not match its hash", path.display()),
        ));
    }
    Ok(Some(bytes))
}

/// Creates `dir` (whose parent exists) and makes its entry durable.
fn create_dir_durably(dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => match dir.parent() {
            Some(parent) => sync_dir(parent),
            None => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Makes the directory's entries (a rename, a new subdirectory) durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Directories cannot be opened for fsync here; NTFS journals renames.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
        found
    }

    fn sha256_of(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[tokio::test]
    async fn put_then_open_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        let content = b"%PDF-1.7\nreceipt".to_vec();

        let info = store.put(&content).await.unwrap();

        assert!(info.created);
        assert_eq!(info.size_bytes, content.len() as u64);
        assert_eq!(store.open(&info.sha256).await.unwrap(), Some(content));
    }

    #[tokio::test]
    async fn hash_is_sha256_of_content_and_sets_layout() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let content = b"a photo of a broken parcel";

        let info = store.put(content).await.unwrap();

        let expected = sha256_of(content);
        assert_eq!(info.sha256, expected);
        let path = dir
            .path()
            .join(&expected[0..2])
            .join(&expected[2..4])
            .join(&expected);
        assert_eq!(store.path_of(&expected), Some(path.clone()));
        assert_eq!(fs::read(&path).unwrap(), content);
        assert_eq!(files_under(dir.path()), vec![path]);
    }

    #[tokio::test]
    async fn empty_content_is_a_blob_too() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());

        let info = store.put(b"").await.unwrap();

        assert_eq!(info.sha256, sha256_of(b""));
        assert_eq!(info.size_bytes, 0);
        assert_eq!(store.open(&info.sha256).await.unwrap(), Some(Vec::new()));
    }

    #[tokio::test]
    async fn same_content_twice_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());

        let first = store.put(b"same bytes").await.unwrap();
        let second = store.put(b"same bytes").await.unwrap();

        assert!(first.created);
        assert!(!second.created);
        assert_eq!(first.sha256, second.sha256);
        assert_eq!(first.size_bytes, second.size_bytes);
        assert_eq!(files_under(dir.path()).len(), 1);
    }

    #[tokio::test]
    async fn different_content_gets_different_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());

        let a = store.put(b"one").await.unwrap();
        let b = store.put(b"two").await.unwrap();

        assert_ne!(a.sha256, b.sha256);
        assert_eq!(
            store.open(&a.sha256).await.unwrap().as_deref(),
            Some(&b"one"[..])
        );
        assert_eq!(
            store.open(&b.sha256).await.unwrap().as_deref(),
            Some(&b"two"[..])
        );
        assert_eq!(files_under(dir.path()).len(), 2);
    }

    #[tokio::test]
    async fn unknown_hash_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());

        let missing = sha256_of(b"never stored");

        assert_eq!(store.open(&missing).await.unwrap(), None);
        assert!(store.path_of(&missing).is_some());
    }

    #[tokio::test]
    async fn malformed_hashes_are_none_and_build_no_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let valid = store.put(b"content").await.unwrap().sha256;
        // 64 bytes but multibyte characters: must not be sliced.
        let multibyte = format!("é{}", &valid[2..]);
        assert_eq!(multibyte.len(), 64);
        let bad = [
            "../etc/passwd".to_owned(),
            "/etc/passwd".to_owned(),
            valid.to_uppercase(),
            valid[..63].to_owned(),
            format!("{valid}0"),
            format!("../{}", &valid[3..]),
            format!("{}/..", &valid[..61]),
            format!("{}g", &valid[..63]),
            multibyte,
            String::new(),
        ];

        for hash in &bad {
            assert_eq!(store.path_of(hash), None, "{hash:?}");
            assert_eq!(store.open(hash).await.unwrap(), None, "{hash:?}");
        }
    }

    #[tokio::test]
    async fn tampered_blob_is_an_error_not_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let info = store.put(b"original").await.unwrap();
        fs::write(store.path_of(&info.sha256).unwrap(), b"replaced").unwrap();

        let error = store.open(&info.sha256).await.unwrap_err();

        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_puts_of_same_content_store_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let content: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();

        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                let content = content.clone();
                tokio::spawn(async move { store.put(&content).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap().unwrap());
        }

        let expected = sha256_of(&content);
        assert!(results.iter().all(|r| r.sha256 == expected));
        assert_eq!(results.iter().filter(|r| r.created).count(), 1);
        // No temporary files left behind.
        assert_eq!(
            files_under(dir.path()),
            vec![store.path_of(&expected).unwrap()]
        );
        assert_eq!(store.open(&expected).await.unwrap(), Some(content));
    }
}
