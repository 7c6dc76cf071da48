//! The shipped stores against the promises of [`TokenStore`].

use crate::testing::check_token_store;

use super::*;

/// A fresh path for an SQLite file of the test named `name`, and its
/// removal with SQLite's files beside it.
#[cfg(feature = "sqlite")]
struct ScratchFile(std::path::PathBuf);

#[cfg(feature = "sqlite")]
impl ScratchFile {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("jwt-guard-{name}-{}.db", std::process::id())))
    }

    fn user_version(&self) -> u32 {
        let connection = rusqlite::Connection::open(&self.0).unwrap();
        connection.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap()
    }

    fn set_user_version(&self, version: u32) {
        rusqlite::Connection::open(&self.0).unwrap().pragma_update(None, "user_version", version).unwrap();
    }
}

#[cfg(feature = "sqlite")]
impl Drop for ScratchFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

#[rocket::async_test]
async fn the_memory_store_keeps_the_promises() {
    let store = MemoryStore::new();
    check_token_store(&store).await;
    store.sweep(u64::MAX).await.unwrap();
    assert!(store.revocations(0).await.unwrap().is_empty(), "a sweep forgets what expired");
}

#[rocket::async_test]
#[should_panic(expected = "`follow` returned: a store that processes share must report the others' revocations")]
async fn a_store_of_one_process_fails_the_check_of_shared_stores() {
    let store = MemoryStore::new();
    crate::testing::check_shared_token_store(&store, &store).await;
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn the_sqlite_store_keeps_the_promises_and_its_file_outlives_it() {
    let file = ScratchFile::new("unit");
    let path = &file.0;
    let store = SqliteStore::open(path).unwrap();
    check_token_store(&store).await;
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: u64::MAX / 2 };
    store.revoke(&revocation).await.unwrap();
    assert!(store.use_once("kept proof", 1_000, u64::MAX / 2).await.unwrap());
    drop(store);
    let reopened = SqliteStore::open(path).unwrap();
    assert!(reopened.revocations(0).await.unwrap().contains(&revocation), "reopened, nothing is forgotten");
    assert!(!reopened.use_once("kept proof", 2_000, u64::MAX / 2).await.unwrap(), "a used proof stays used");
    reopened.sweep(u64::MAX / 2).await.unwrap();
    assert!(reopened.revocations(0).await.unwrap().is_empty(), "a sweep forgets what expired");
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn a_bad_row_of_the_sqlite_store_keeps_no_other_revocation_from_loading() {
    let file = ScratchFile::new("bad-row");
    let store = SqliteStore::open(&file.0).unwrap();
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: 2_000 };
    store.revoke(&revocation).await.unwrap();
    let edited = rusqlite::Connection::open(&file.0).unwrap();
    edited
        .execute("INSERT INTO revocations (kind, id, before, until) VALUES ('token', 'bad', 'soon', 2000)", [])
        .unwrap();
    drop(edited);
    assert_eq!(store.revocations(1_000).await.unwrap(), [revocation]);
}

#[cfg(all(feature = "sqlite", unix))]
#[rocket::async_test]
async fn an_sqlite_file_and_its_log_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let file = ScratchFile::new("private");
    let store = SqliteStore::open(&file.0).unwrap();
    store.revoke(&Revocation { revoked: Revoked::Token("t".into()), until: 2_000 }).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let mode = std::fs::metadata(format!("{}{suffix}", file.0.display())).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the mode of the file{suffix}");
    }
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn an_sqlite_file_of_a_later_schema_is_refused_and_left_as_it_is() {
    let file = ScratchFile::new("later-schema");
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: 2_000 };
    SqliteStore::open(&file.0).unwrap().revoke(&revocation).await.unwrap();
    assert_eq!(file.user_version(), 1);
    file.set_user_version(2);
    let error = SqliteStore::open(&file.0).unwrap_err();
    assert_eq!(
        error.0,
        format!(
            "SQLite: {} has schema version 2, written by a later jwt-guard; this one knows version 1 only",
            file.0.display()
        )
    );
    assert_eq!(file.user_version(), 2, "the file is left as it is");
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn an_sqlite_file_made_before_schema_versions_is_read_and_marked() {
    let file = ScratchFile::new("unversioned");
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: 2_000 };
    SqliteStore::open(&file.0).unwrap().revoke(&revocation).await.unwrap();
    file.set_user_version(0);
    let reopened = SqliteStore::open(&file.0).unwrap();
    assert_eq!(reopened.revocations(1_000).await.unwrap(), [revocation]);
    assert_eq!(file.user_version(), 1);
}

#[rocket::async_test]
async fn a_used_key_is_free_again_once_it_expires() {
    let memory = MemoryStore::new();
    #[cfg(feature = "sqlite")]
    let file = ScratchFile::new("once");
    #[cfg(feature = "sqlite")]
    let sqlite = SqliteStore::open(&file.0).unwrap();
    let stores: Vec<&dyn TokenStore> = vec![
        &memory,
        #[cfg(feature = "sqlite")]
        &sqlite,
    ];
    for store in stores {
        assert!(store.use_once("proof", 1_000, 1_060).await.unwrap());
        assert!(!store.use_once("proof", 1_059, 1_119).await.unwrap(), "used until it expires");
        assert!(store.use_once("proof", 1_060, 1_120).await.unwrap(), "free once it expired");
        store.sweep(2_000).await.unwrap();
        assert!(store.use_once("proof", 1_100, 1_160).await.unwrap(), "swept, it is forgotten");
    }
}
