//! The request's one database connection. Authentication checks one out for
//! its own query and leaves it in the request; the handler takes it with
//! [`Db`], or checks one out on first use. So a request never holds two
//! connections, never waits for a second while holding one, and pays for one
//! checkout. A request with a body gives the connection back before the body
//! is read, so a slow upload holds none.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use rapport_db::{Conn, OwnedConn, Pool};
use std::future::{ready, Ready};

/// A connection checked out before the handler ran, waiting for it.
pub(crate) struct Parked(pub OwnedConn);

/// The pool of the HTTP worker serving the request.
#[derive(Clone)]
pub struct WorkerPool(pub Pool);

/// The pool a request takes its connection from: its worker's.
pub(crate) fn pool_of(req: &HttpRequest) -> Option<Pool> {
    req.app_data::<web::Data<WorkerPool>>()
        .map(|p| p.0.clone())
        .or_else(|| {
            req.app_data::<web::Data<AppState>>()
                .map(|s| s.pool.clone())
        })
}

/// The handler's way to the database: `db.conn().await?`.
pub struct Db {
    conn: Option<OwnedConn>,
    pool: Pool,
}

impl Db {
    /// The request's connection, checked out now if authentication left none.
    pub async fn conn(&mut self) -> Result<&mut Conn, ApiError> {
        let conn = match self.conn.take() {
            Some(c) => c,
            None => self.pool.get_owned().await?,
        };
        Ok(&mut **self.conn.insert(conn))
    }

    /// The pool the request's connections come from (its HTTP worker's), for
    /// work the request starts on the same thread (a WebSocket session).
    pub fn pool(&self) -> Pool {
        self.pool.clone()
    }

    /// The request's connection, owned: for work that outlives the handler,
    /// such as an export streamed after the answer's headers.
    pub async fn into_owned(mut self) -> Result<OwnedConn, ApiError> {
        match self.conn.take() {
            Some(c) => Ok(c),
            None => Ok(self.pool.get_owned().await?),
        }
    }

    /// Gives the connection back before slow work (hashing a password); the
    /// next [`Db::conn`] checks one out again.
    pub fn release(&mut self) {
        self.conn = None;
    }
}

impl FromRequest for Db {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match pool_of(req) {
            None => Err(ApiError::internal(anyhow::anyhow!("no pool"))),
            Some(pool) => Ok(Db {
                conn: req.extensions_mut().remove::<Parked>().map(|p| p.0),
                pool,
            }),
        })
    }
}
