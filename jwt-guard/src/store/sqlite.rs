//! [`SqliteStore`]: token state in an SQLite file (feature `sqlite`), so
//! that a restarted app forgets nothing. Each operation is one transaction
//! in SQLite's write-ahead log, which a crash, even `kill -9`, leaves whole
//! or undone; with `synchronous = FULL`, one that returned is on disk, and
//! survives a power cut too.
//!
//! The file is created readable and writable by its owner only (on Unix),
//! as are SQLite's `-wal` and `-shm` files beside it: it holds subjects,
//! the claims of refresh grants, and the keys of login throttles. Its
//! schema has a version (`PRAGMA user_version`): a file written by a later
//! version of jwt-guard, with a schema this one does not know, is refused
//! at open, not read wrongly.
//!
//! The used `jti`s, of DPoP proofs (one write per DPoP request) and of
//! logout tokens, are the exception: they are written on a connection of
//! their own with `synchronous = NORMAL`, which flushes no disk at each
//! write. They reach the disk with the log's next flush (the next write of
//! the other tables, or a checkpoint): a crash of the process loses none,
//! a crash of the machine those written since. A proof whose `jti` was
//! lost so could be replayed if the machine served again within the
//! proof's lifetime (`dpop.max_age` plus the leeway); a logout's
//! revocation is written with `FULL` before its token's `jti`. The two
//! connections take turns at SQLite's one write lock, each waiting for it
//! in short sleeps.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::records::{FamilyState, Step};
use super::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, REMEMBERED_TOKENS, Reservation, Revocation, Revoked,
    Rotation, RotationOutcome, StoreError, TokenStore,
};

/// The version of [`SCHEMA`], kept in the file's `user_version`. A file
/// without one (0) was made before versions were kept, with this schema.
const SCHEMA_VERSION: u32 = 1;

/// The tables, created if missing. Times are seconds since the Unix epoch.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS revocations (
        kind TEXT NOT NULL, id TEXT NOT NULL, before INTEGER, until INTEGER NOT NULL,
        PRIMARY KEY (kind, id)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS families (
        id TEXT PRIMARY KEY, subject TEXT NOT NULL, grant_json TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        current_hash TEXT NOT NULL, previous_hash TEXT, rotated_at INTEGER NOT NULL,
        ended INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS refresh_tokens (
        hash TEXT PRIMARY KEY, family TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS issued_tokens (
        family TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL,
        PRIMARY KEY (family, seq)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS login_failures (
        key TEXT PRIMARY KEY, count INTEGER NOT NULL, last INTEGER NOT NULL, forget_at INTEGER NOT NULL)
        WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS used_once (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
";

/// A [`TokenStore`] in an SQLite file.
///
/// Most apps name it in the configuration (`[jwt_guard.store] path`, the
/// default of a built-in issuer with a persistent key); in code:
///
/// ```no_run
/// use std::path::Path;
/// use jwt_guard::JwtGuard;
/// use jwt_guard::store::SqliteStore;
///
/// let store = SqliteStore::open(Path::new("/var/lib/reports-api/jwt-guard.db"))?;
/// let rocket = rocket::build().attach(JwtGuard::fairing().store(store));
/// # Ok::<(), jwt_guard::store::StoreError>(())
/// ```
///
/// What it keeps outlives the process:
///
/// ```
/// use jwt_guard::store::{Revocation, Revoked, SqliteStore, TokenStore};
///
/// # let path = std::env::temp_dir().join(format!("jwt-guard-doc-{}.db", std::process::id()));
/// # rocket::async_test(async {
/// let store = SqliteStore::open(&path).unwrap();
/// let revocation = Revocation { revoked: Revoked::Session("sid-1".into()), until: 2_000 };
/// store.revoke(&revocation).await.unwrap();
/// drop(store);
/// let reopened = SqliteStore::open(&path).unwrap();
/// assert_eq!(reopened.revocations(1_000).await.unwrap(), [revocation]);
/// # });
/// # std::fs::remove_file(&path).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Everything but the used `jti`s: each write on disk when it returns.
    connection: Arc<Mutex<Connection>>,
    /// The used `jti`s of DPoP proofs and logout tokens (see the
    /// module's doc).
    used_once: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (readable by its owner
    /// only) and its tables if missing.
    ///
    /// # Errors
    ///
    /// Why the file cannot be opened or written, or that a later version
    /// of jwt-guard wrote it with a schema this one does not know.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let connection = connect(path, "FULL")?;
        create_schema(&connection, path)?;
        let used_once = connect(path, "NORMAL")?;
        Ok(Self { connection: Arc::new(Mutex::new(connection)), used_once: Arc::new(Mutex::new(used_once)) })
    }

    /// Runs `work` in one immediate transaction, on a blocking thread.
    async fn transaction<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        run(&self.connection, TransactionBehavior::Immediate, work).await
    }

    /// Runs `work`, which only reads, in one deferred transaction: it
    /// waits for no writer (the file is in WAL mode).
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        run(&self.connection, TransactionBehavior::Deferred, work).await
    }
}

/// Creates the file at `path`, empty and readable and writable by its
/// owner only, unless it exists. SQLite gives its `-wal` and `-shm` files
/// the database file's permissions.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError(format!("SQLite: creating {}: {error}", path.display()))),
    }
}

/// Creates the tables that are missing, in one transaction, after checking
/// that the file's schema is one this version knows.
fn create_schema(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    let version: u32 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|error| failed("user_version", error))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError(format!(
            "SQLite: {} has schema version {version}, written by a later jwt-guard; this one knows version \
             {SCHEMA_VERSION} only",
            path.display()
        )));
    }
    let create = format!("BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;");
    connection.execute_batch(&create).map_err(|error| failed("creating the tables", error))
}

/// A connection to the file at `path`, in WAL mode, with `synchronous`
/// set to `synchronous`, that waits up to five seconds for a lock.
fn connect(path: &Path, synchronous: &str) -> Result<Connection, StoreError> {
    let connection = Connection::open(path).map_err(|error| failed(&path.display().to_string(), error))?;
    connection.busy_timeout(Duration::from_secs(5)).map_err(|error| failed("busy_timeout", error))?;
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|error| failed("journal_mode", error))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // On a network file system, say: every read then waits for writes.
        log::warn!("jwt-guard: SQLite: {} is in journal mode `{mode}`, not WAL", path.display());
    }
    connection.pragma_update(None, "synchronous", synchronous).map_err(|error| failed("synchronous", error))?;
    Ok(connection)
}

/// Runs `work` in one transaction of this `behavior` on `connection`, on a
/// blocking thread.
async fn run<T: Send + 'static>(
    connection: &Arc<Mutex<Connection>>,
    behavior: TransactionBehavior,
    work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    let connection = Arc::clone(connection);
    let run = move || {
        let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
        let transaction = connection.transaction_with_behavior(behavior)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    };
    tokio::task::spawn_blocking(run)
        .await
        .map_err(|error| StoreError(format!("an SQLite task failed: {error}")))?
        .map_err(|error| failed("a transaction", error))
}

/// The revocation of a row of `revocations`, or `None` for a row that
/// holds none: of a kind this version does not know (skipped), or with a
/// value of another type than its column's (skipped and logged, so that
/// one bad row does not keep every other revocation from applying).
fn revocation_of(row: &rusqlite::Row<'_>) -> Option<Revocation> {
    let read = || -> rusqlite::Result<(String, String, Option<i64>, i64)> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    };
    let (kind, id, before, until) = read()
        .inspect_err(|error| {
            log::error!("jwt-guard: SQLite: skipping a row of `revocations` that holds no revocation: {error}")
        })
        .ok()?;
    let revoked = Revoked::from_key(&kind, &id, before.map(unsigned))?;
    Some(Revocation { revoked, until: unsigned(until) })
}

fn failed(what: &str, error: rusqlite::Error) -> StoreError {
    StoreError(format!("SQLite: {what}: {error}"))
}

/// SQLite's integers are signed; times and counts here are far below
/// `i64::MAX`, and a larger value is stored as the largest.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

/// The family that issued the token with this hash, with its state, if
/// it is live at `now`.
fn family_of(
    transaction: &Transaction<'_>,
    token_hash: &str,
    now: u64,
) -> rusqlite::Result<Option<(FamilyRecord, FamilyState)>> {
    transaction
        .prepare_cached(
            "SELECT f.id, f.subject, f.grant_json, f.created_at, f.expires_at,
                    f.current_hash, f.previous_hash, f.rotated_at, f.ended
               FROM refresh_tokens t JOIN families f ON f.id = t.family
              WHERE t.hash = ?1 AND f.expires_at > ?2",
        )?
        .query_row(params![token_hash, int(now)], |row| {
            let record = FamilyRecord {
                id: row.get(0)?,
                subject: row.get(1)?,
                grant: row.get(2)?,
                created_at: unsigned(row.get(3)?),
                expires_at: unsigned(row.get(4)?),
            };
            let state = FamilyState {
                current: row.get(5)?,
                previous: row.get(6)?,
                rotated_at: unsigned(row.get(7)?),
                ended: row.get(8)?,
            };
            Ok((record, state))
        })
        .optional()
}

/// Remembers that `family` issued the token with this hash, and forgets
/// its tokens beyond the last [`REMEMBERED_TOKENS`]. A family started
/// before this table was has no rows in it: its older tokens expire with
/// it.
fn issue(transaction: &Transaction<'_>, family: &FamilyRecord, token_hash: &str) -> rusqlite::Result<()> {
    transaction
        .prepare_cached("INSERT INTO refresh_tokens (hash, family, expires_at) VALUES (?1, ?2, ?3)")?
        .execute(params![token_hash, family.id, int(family.expires_at)])?;
    let seq: i64 = transaction
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM issued_tokens WHERE family = ?1")?
        .query_row([&family.id], |row| row.get(0))?;
    transaction
        .prepare_cached("INSERT INTO issued_tokens (family, seq, hash) VALUES (?1, ?2, ?3)")?
        .execute(params![family.id, seq, token_hash])?;
    let forgotten = seq - i64::try_from(REMEMBERED_TOKENS).unwrap_or(i64::MAX);
    transaction
        .prepare_cached(
            "DELETE FROM refresh_tokens WHERE hash IN
               (SELECT hash FROM issued_tokens WHERE family = ?1 AND seq <= ?2)",
        )?
        .execute(params![family.id, forgotten])?;
    transaction
        .prepare_cached("DELETE FROM issued_tokens WHERE family = ?1 AND seq <= ?2")?
        .execute(params![family.id, forgotten])?;
    Ok(())
}

/// Writes a family's state.
fn save_state(transaction: &Transaction<'_>, id: &str, state: &FamilyState) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE families SET current_hash = ?2, previous_hash = ?3, rotated_at = ?4, ended = ?5 WHERE id = ?1",
        )?
        .execute(params![id, state.current, state.previous, int(state.rotated_at), state.ended])?;
    Ok(())
}

/// Keeps `revocation`: of two of one token, session or subject, the
/// latest `before` and the latest `until`.
fn revoke(transaction: &Transaction<'_>, revocation: &Revocation) -> rusqlite::Result<()> {
    let (kind, id) = revocation.revoked.key();
    let before = revocation.revoked.before().map(int);
    transaction
        .prepare_cached(
            "INSERT INTO revocations (kind, id, before, until) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, id) DO UPDATE SET
               before = CASE WHEN excluded.before > revocations.before THEN excluded.before
                             ELSE revocations.before END,
               until = MAX(excluded.until, revocations.until)",
        )?
        .execute(params![kind, id, before, int(revocation.until)])?;
    Ok(())
}

/// Ends the family `id` and revokes its session until `until`, answering
/// the family if it exists.
fn end(transaction: &Transaction<'_>, id: &str, until: u64) -> rusqlite::Result<Option<FamilyRecord>> {
    revoke(transaction, &Revocation::of_session(id, until))?;
    transaction.prepare_cached("UPDATE families SET ended = 1 WHERE id = ?1")?.execute([id])?;
    transaction
        .prepare_cached("SELECT id, subject, grant_json, created_at, expires_at FROM families WHERE id = ?1")?
        .query_row([id], |row| {
            Ok(FamilyRecord {
                id: row.get(0)?,
                subject: row.get(1)?,
                grant: row.get(2)?,
                created_at: unsigned(row.get(3)?),
                expires_at: unsigned(row.get(4)?),
            })
        })
        .optional()
}

#[async_trait::async_trait]
impl TokenStore for SqliteStore {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let revocation = revocation.clone();
        self.transaction(move |transaction| revoke(transaction, &revocation)).await
    }

    async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        self.read(move |transaction| {
            let mut statement =
                transaction.prepare_cached("SELECT kind, id, before, until FROM revocations WHERE until > ?1")?;
            let rows = statement.query_map([int(now)], |row| Ok(revocation_of(row)))?;
            rows.filter_map(Result::transpose).collect()
        })
        .await
    }

    async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError> {
        let (family, token_hash) = (family.clone(), token_hash.to_owned());
        self.transaction(move |transaction| {
            transaction
                .prepare_cached(
                    "INSERT INTO families (id, subject, grant_json, created_at, expires_at,
                                           current_hash, previous_hash, rotated_at, ended)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?4, 0)",
                )?
                .execute(params![
                    family.id,
                    family.subject,
                    family.grant,
                    int(family.created_at),
                    int(family.expires_at),
                    token_hash
                ])?;
            issue(transaction, &family, &token_hash)?;
            Ok(())
        })
        .await
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError> {
        let (presented, next, now, grace, revoked_until, idle_timeout) = (
            rotation.presented.to_owned(),
            rotation.next.to_owned(),
            rotation.now,
            rotation.grace,
            rotation.revoked_until,
            rotation.idle_timeout,
        );
        self.transaction(move |transaction| {
            let Some((record, state)) = family_of(transaction, &presented, now)? else {
                return Ok(RotationOutcome::Unknown);
            };
            let rotation = Rotation { presented: &presented, next: &next, now, grace, revoked_until, idle_timeout };
            let step = state.step(&presented, &rotation);
            save_state(transaction, &record.id, &state.after(step, &presented, &next, now))?;
            Ok(match step {
                Step::Rotate => {
                    issue(transaction, &record, &next)?;
                    RotationOutcome::Rotated(record)
                }
                Step::EndForReuse => {
                    revoke(transaction, &Revocation::of_session(&record.id, revoked_until))?;
                    RotationOutcome::Reused(record)
                }
                Step::End => RotationOutcome::Ended(record),
            })
        })
        .await
    }

    async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.transaction(move |transaction| {
            let id: Option<String> = transaction
                .prepare_cached("SELECT family FROM refresh_tokens WHERE hash = ?1")?
                .query_row([&token_hash], |row| row.get(0))
                .optional()?;
            match id {
                Some(id) => end(transaction, &id, until),
                None => Ok(None),
            }
        })
        .await
    }

    async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        let id = id.to_owned();
        self.transaction(move |transaction| end(transaction, &id, until)).await
    }

    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError> {
        let key = key.to_owned();
        self.transaction(move |transaction| {
            let live = transaction
                .prepare_cached("SELECT count, last FROM login_failures WHERE key = ?1 AND forget_at > ?2")?
                .query_row(params![key, int(now)], |row| {
                    Ok(LoginFailures { count: row.get(0)?, last: unsigned(row.get(1)?) })
                })
                .optional()?;
            let counted = match throttle.reserve(live, now) {
                Ok(counted) => counted,
                Err(wait) => return Ok(LoginAttempt::Wait(wait)),
            };
            transaction
                .prepare_cached(
                    "INSERT INTO login_failures (key, count, last, forget_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET count = ?2, last = ?3, forget_at = ?4",
                )?
                .execute(params![
                    key,
                    counted.count,
                    int(counted.last),
                    int(now.saturating_add(throttle.forget_after))
                ])?;
            Ok(LoginAttempt::Reserved(Reservation { before: live, counted }))
        })
        .await
    }

    async fn release_attempt(
        &self,
        key: &str,
        reservation: Reservation,
        throttle: LoginThrottle,
    ) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.transaction(move |transaction| {
            let held = transaction
                .prepare_cached("SELECT count, last FROM login_failures WHERE key = ?1")?
                .query_row([&key], |row| Ok(LoginFailures { count: row.get(0)?, last: unsigned(row.get(1)?) }))
                .optional()?;
            match reservation.released(held) {
                Some(left) => transaction
                    .prepare_cached("UPDATE login_failures SET count = ?2, last = ?3, forget_at = ?4 WHERE key = ?1")?
                    .execute(params![
                        key,
                        left.count,
                        int(left.last),
                        int(left.last.saturating_add(throttle.forget_after))
                    ])?,
                None => transaction.prepare_cached("DELETE FROM login_failures WHERE key = ?1")?.execute([key])?,
            };
            Ok(())
        })
        .await
    }

    async fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.transaction(move |transaction| {
            transaction.prepare_cached("DELETE FROM login_failures WHERE key = ?1")?.execute([key])?;
            Ok(())
        })
        .await
    }

    async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError> {
        let key = key.to_owned();
        run(&self.used_once, TransactionBehavior::Immediate, move |transaction| {
            let changed = transaction
                .prepare_cached(
                    "INSERT INTO used_once (key, expires_at) VALUES (?1, ?3)
                     ON CONFLICT (key) DO UPDATE SET expires_at = ?3 WHERE expires_at <= ?2",
                )?
                .execute(params![key, int(now), int(expires_at)])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn sweep(&self, now: u64) -> Result<(), StoreError> {
        self.transaction(move |transaction| {
            for table in ["revocations WHERE until", "families WHERE expires_at", "refresh_tokens WHERE expires_at"] {
                transaction.execute(&format!("DELETE FROM {table} <= ?1"), [int(now)])?;
            }
            transaction.execute("DELETE FROM issued_tokens WHERE family NOT IN (SELECT id FROM families)", [])?;
            transaction.execute("DELETE FROM login_failures WHERE forget_at <= ?1", [int(now)])?;
            transaction.execute("DELETE FROM used_once WHERE expires_at <= ?1", [int(now)])?;
            Ok(())
        })
        .await
    }
}
