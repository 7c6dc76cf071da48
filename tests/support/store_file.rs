//! SQLite store files for tests, in the system's temporary directory,
//! removed when the test is done with them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A path for an SQLite store file that no other test uses; the file and
/// SQLite's `-wal` and `-shm` beside it are removed on drop.
#[derive(Debug)]
pub struct StoreFile(PathBuf);

impl StoreFile {
    /// A fresh path.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("jwt-guard-test-{}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        Self(std::env::temp_dir().join(name))
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path, as a configuration value.
    pub fn value(&self) -> serde_json::Value {
        serde_json::Value::String(self.0.display().to_string())
    }
}

impl Default for StoreFile {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for StoreFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}
