//! What every request shares: the silo (one handle for writes, a small pool for reads), the
//! token and the sessions; and the two ways handlers call the synchronous core off the async
//! threads.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ticket_core::{Context, Silo};

use super::error::ApiError;

/// How many reads run at once, each with a read handle of its own (one SQLite connection);
/// the handles are kept, so a busy server opens the silo at most this many times. More
/// readers than this wait their turn without holding a thread.
const POOL_SIZE: usize = 8;

/// Sessions kept at most; beyond, the oldest half is forgotten (their browsers log in again).
const MAX_SESSIONS: usize = 10_000;

/// The server's shared state.
pub struct AppState {
    /// The one handle every write goes through (its connection is behind the core's mutex,
    /// so change sets are serialised here, not by SQLite's busy wait).
    writer: Silo,
    /// The configuration as the latest read or write found it (each looks at its source
    /// before it begins, on the blocking pool: see [`AppState::config`]).
    config: Mutex<Arc<ticket_core::SiloConfig>>,
    /// Idle read handles: a read takes one (or opens one) and gives it back.
    readers: Mutex<Vec<Silo>>,
    /// Permits for [`POOL_SIZE`] reads at a time.
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    /// Clock and author for the read handles opened later.
    ctx: Context,
    /// The silo's directory.
    pub dir: PathBuf,
    /// The access token.
    pub token: String,
    /// Session id → its CSRF token, with a counter for forgetting the oldest (shared by
    /// every served silo: one login opens them all).
    sessions: Arc<Mutex<Sessions>>,
    /// Where this silo's pages live: empty for the served silo, `/s/NAME` for the others of
    /// the user's silo list.
    pub base: String,
    /// Every served silo, for the switcher: (name, base).
    pub silos: Arc<Vec<(String, String)>>,
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The offset times are shown in (the clock's, as in the CLI).
    pub offset: chrono::FixedOffset,
}

#[derive(Default)]
struct Sessions {
    by_id: HashMap<String, (u64, String)>,
    next: u64,
}

impl AppState {
    /// The state over an open silo, served at the root.
    pub fn new(writer: Silo, ctx: Context, token: String, addr: SocketAddr) -> AppState {
        AppState {
            offset: *ctx.clock.now().offset(),
            dir: writer.address().to_path_buf(),
            config: Mutex::new(writer.config()),
            writer,
            readers: Mutex::new(Vec::new()),
            gate: Arc::new(tokio::sync::Semaphore::new(POOL_SIZE)),
            ctx,
            token,
            sessions: Arc::new(Mutex::new(Sessions::default())),
            base: String::new(),
            silos: Arc::new(Vec::new()),
            addr,
        }
    }

    /// The state of another silo served under `base` (`/s/NAME`), sharing the token and the
    /// sessions of this one.
    pub fn sibling(&self, writer: Silo, base: String) -> AppState {
        AppState {
            dir: writer.address().to_path_buf(),
            config: Mutex::new(writer.config()),
            writer,
            readers: Mutex::new(Vec::new()),
            gate: Arc::new(tokio::sync::Semaphore::new(POOL_SIZE)),
            ctx: self.ctx.clone(),
            token: self.token.clone(),
            sessions: self.sessions.clone(),
            base,
            silos: self.silos.clone(),
            addr: self.addr,
            offset: self.offset,
        }
    }

    /// The configuration as the latest read or write found it: another process may have set
    /// one since the server started, and every read and write looks before it begins (a
    /// page renders after its reads). Never looked at here: on a team silo looking is a
    /// statement, which must not run on the server's asynchronous threads (a page that reads
    /// nothing first looks through [`AppState::read`]).
    pub fn config(&self) -> Arc<ticket_core::SiloConfig> {
        self.config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Notes the configuration a handle applied in its last read or write.
    fn noted(&self, silo: &Silo) {
        *self.config.lock().unwrap_or_else(|p| p.into_inner()) = silo.config();
    }

    /// Runs a read on the blocking pool with a read handle of its own, so reads run in
    /// parallel with each other and with a write.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Silo) -> Result<T, ApiError> + Send + 'static,
    {
        let permit = self
            .gate
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the server is stopping"))?;
        let state = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let silo = state.take_reader()?;
            let result = f(&silo);
            state.noted(&silo);
            state.give_back(silo);
            result
        })
        .await;
        drop(permit);
        result.map_err(|e| ApiError::internal(format!("the request's worker failed: {e}")))?
    }

    /// Starts a read on the blocking pool and returns once it has its permit, without waiting
    /// for it to finish (a streamed answer: the read feeds the response body as it goes).
    pub async fn read_detached<F>(self: &Arc<Self>, f: F) -> Result<(), ApiError>
    where
        F: FnOnce(Result<&Silo, ApiError>) + Send + 'static,
    {
        let permit = self
            .gate
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal("the server is stopping"))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            match state.take_reader() {
                Ok(silo) => {
                    f(Ok(&silo));
                    state.noted(&silo);
                    state.give_back(silo);
                }
                Err(e) => f(Err(e)),
            }
            drop(permit);
        });
        Ok(())
    }

    /// Runs a write (one change set) on the blocking pool through the writer handle. A write
    /// that has started completes or rolls back even if the client goes away or the server is
    /// stopping: the blocking task is not cancelled.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Silo) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let result = f(&state.writer);
            state.noted(&state.writer);
            result
        })
        .await
        .map_err(|e| ApiError::internal(format!("the request's worker failed: {e}")))?
    }

    fn take_reader(&self) -> Result<Silo, ApiError> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(silo) => Ok(silo),
            None => Ok(Silo::open(&self.dir, self.ctx.clone())?),
        }
    }

    fn give_back(&self, silo: Silo) {
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL_SIZE {
            idle.push(silo);
        }
    }

    /// Starts a session: returns its id (the cookie's value).
    pub fn new_session(&self) -> String {
        let id = super::auth::random_hex(32);
        let csrf = super::auth::random_hex(32);
        let mut s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if s.by_id.len() >= MAX_SESSIONS {
            let cut = s.next - (MAX_SESSIONS as u64) / 2;
            s.by_id.retain(|_, (n, _)| *n >= cut);
        }
        let n = s.next;
        s.next += 1;
        s.by_id.insert(id.clone(), (n, csrf));
        id
    }

    /// Ends a session.
    pub fn end_session(&self, id: &str) {
        let mut s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        s.by_id.remove(id);
    }

    /// The CSRF token of a session, if the session exists.
    pub fn session_csrf(&self, id: &str) -> Option<String> {
        let s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        s.by_id.get(id).map(|(_, csrf)| csrf.clone())
    }
}
