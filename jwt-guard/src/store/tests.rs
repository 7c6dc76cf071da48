//! The shipped stores against the promises of [`TokenStore`].

use crate::testing::check_token_store;

use super::*;

#[rocket::async_test]
async fn the_memory_store_keeps_the_promises() {
    let store = MemoryStore::new();
    check_token_store(&store).await;
    store.sweep(u64::MAX).await.unwrap();
    assert!(store.revocations(0).await.unwrap().is_empty(), "a sweep forgets what expired");
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn the_sqlite_store_keeps_the_promises_and_its_file_outlives_it() {
    let path = std::env::temp_dir().join(format!("jwt-guard-unit-{}.db", std::process::id()));
    let store = SqliteStore::open(&path).unwrap();
    check_token_store(&store).await;
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: u64::MAX / 2 };
    store.revoke(&revocation).await.unwrap();
    assert!(store.use_once("kept proof", 1_000, u64::MAX / 2).await.unwrap());
    drop(store);
    let reopened = SqliteStore::open(&path).unwrap();
    assert!(reopened.revocations(0).await.unwrap().contains(&revocation), "reopened, nothing is forgotten");
    assert!(!reopened.use_once("kept proof", 2_000, u64::MAX / 2).await.unwrap(), "a used proof stays used");
    reopened.sweep(u64::MAX / 2).await.unwrap();
    assert!(reopened.revocations(0).await.unwrap().is_empty(), "a sweep forgets what expired");
    drop(reopened);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[cfg(feature = "sqlite")]
#[rocket::async_test]
async fn a_bad_row_of_the_sqlite_store_keeps_no_other_revocation_from_loading() {
    let path = std::env::temp_dir().join(format!("jwt-guard-bad-row-{}.db", std::process::id()));
    let store = SqliteStore::open(&path).unwrap();
    let revocation = Revocation { revoked: Revoked::Token("kept".into()), until: 2_000 };
    store.revoke(&revocation).await.unwrap();
    let edited = rusqlite::Connection::open(&path).unwrap();
    edited
        .execute("INSERT INTO revocations (kind, id, before, until) VALUES ('token', 'bad', 'soon', 2000)", [])
        .unwrap();
    drop(edited);
    assert_eq!(store.revocations(1_000).await.unwrap(), [revocation]);
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[rocket::async_test]
async fn a_used_key_is_free_again_once_it_expires() {
    let memory = MemoryStore::new();
    #[cfg(feature = "sqlite")]
    let path = std::env::temp_dir().join(format!("jwt-guard-once-{}.db", std::process::id()));
    #[cfg(feature = "sqlite")]
    let sqlite = SqliteStore::open(&path).unwrap();
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
    #[cfg(feature = "sqlite")]
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
