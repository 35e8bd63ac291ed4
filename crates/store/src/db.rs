//! One connection of either backend, for the steps of a transaction.
//!
//! A write that takes several statements is a function over [`Conn`]: the connection (usually
//! the open transaction) of whichever backend is in use, borrowed for the call. The caller
//! begins and commits the transaction; the step functions only run statements on it, so they
//! commit or roll back together with everything else the transaction did:
//!
//! ```ignore
//! on_pool!(self, pool => {
//!     let mut tx = pool.begin().await?;
//!     /* … the change itself … */
//!     audit::record(&mut *tx, actor, &entry).await?;
//!     tx.commit().await?;
//! });
//! ```
//!
//! `&mut *tx` is a `&mut SqliteConnection` in one arm of `on_pool!` and a `&mut PgConnection`
//! in the other; both convert into a [`Conn`], so the same call compiles in both arms. Inside a
//! step, [`on_conn!`] runs one query text on whichever connection it was given, the body
//! compiled (and type-checked) once per backend — the same two-arm dispatch `on_pool!` does
//! for pools. sqlx can also express this as functions generic over `sqlx::Database`, but the
//! bounds (an `Executor` for `&mut Connection`, `Encode + Type` for every bound value) would
//! have to be repeated on every function; an enum of the two connections keeps the signatures
//! plain, and there are only ever two backends.

use sqlx::{PgConnection, SqliteConnection};

/// A borrowed connection (or open transaction) of either backend.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// The same connection, borrowed again for one more step.
    pub(crate) fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl<'c> From<&'c mut SqliteConnection> for Conn<'c> {
    fn from(c: &'c mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'c> From<&'c mut PgConnection> for Conn<'c> {
    fn from(c: &'c mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

impl<'c, 'b> From<&'c mut Conn<'b>> for Conn<'c> {
    fn from(c: &'c mut Conn<'b>) -> Self {
        c.reborrow()
    }
}

/// Runs the same body on whichever connection a [`Conn`] holds; `$c` is the backend's
/// `&mut …Connection`, usable as an `Executor`. Both arms must give the same type.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn.reborrow() {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;
