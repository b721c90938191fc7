//! A server on loopback port 0 over the in-process sandbox and SQLite in a temp dir.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use mandi_core::catalog::CatalogService;
use mandi_core::store::SqliteStore;
use mandi_core::{Clock, KeyScope, RateLimit, Store, SystemClock};
use mandi_paapi::sandbox::{RunningSandbox, Sandbox};
use mandi_server::{AppState, ServerConfig};
use secrecy::ExposeSecret;
use serde_json::Value;

pub struct Harness {
    pub base: String,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    config: ServerConfig,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

type Running = (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

/// Serves `state` on a fresh loopback port.
async fn spawn(state: &AppState) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(mandi_server::serve(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    (base, tx, task)
}

impl Harness {
    pub async fn start(config: ServerConfig) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let sandbox = Sandbox::builder()
            .seed(7)
            .clock(clock.clone())
            .start()
            .await
            .expect("sandbox");
        let source = sandbox.all_markets_source(false).expect("sandbox source");
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(dir.path().join("mandi.db")).expect("store"));
        let catalog = CatalogService::new(Arc::new(source), store.clone(), clock.clone());
        let rates: Arc<dyn mandi_core::fx::RateSource> =
            Arc::new(mandi_paapi::fx::HttpRateSource::sandbox(sandbox.base_url()).expect("rates"));
        let rates = Arc::new(mandi_core::fx::RateCache::new(rates, clock));
        let cross_border = mandi_core::crossborder::CrossBorderService::new(catalog.clone(), rates)
            .expect("tables");
        let state = AppState::new(catalog, config.clone()).with_cross_border(cross_border);
        let (base, tx, task) = spawn(&state).await;
        Self {
            base,
            state,
            store,
            sandbox,
            http: reqwest::Client::new(),
            config,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Stops the server and starts a new one (new state, new port) over the same store,
    /// as a restart of the process would.
    pub async fn restart(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        let cross_border = self.state.cross_border().cloned();
        self.state = AppState::new(self.state.catalog().clone(), self.config.clone());
        if let Some(c) = cross_border {
            self.state = self.state.clone().with_cross_border(c);
        }
        let (base, tx, task) = spawn(&self.state).await;
        self.base = base;
        self.shutdown = Some(tx);
        self.task = Some(task);
    }

    /// A server with the default configuration and one key of `scope` named `name`: the
    /// set-up most tests start with.
    pub async fn with_key(name: &str, scope: KeyScope) -> (Self, String) {
        let h = Self::start(ServerConfig::default()).await;
        let key = h.key(name, scope, None).await;
        (h, key)
    }

    /// Sends a request and returns its status and JSON body.
    pub async fn send_json(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.expect("a JSON body");
        (status, body)
    }

    /// `GET path` with `key`: status and JSON body.
    pub async fn get_json(&self, path: &str, key: &str) -> (u16, Value) {
        self.send_json(self.get(path, key)).await
    }

    /// `POST path` of `body` as JSON with `key`: status and JSON body.
    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        self.send_json(self.post(path, key).json(body)).await
    }

    /// The status of `method path` with `key` and no body.
    pub async fn status(&self, method: reqwest::Method, path: &str, key: &str) -> u16 {
        self.http
            .request(method, self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("the server answers")
            .status()
            .as_u16()
    }

    /// Makes a key and returns its secret.
    pub async fn key(&self, name: &str, scope: KeyScope, limit: Option<RateLimit>) -> String {
        let made = self
            .state
            .keys()
            .create(name, scope, limit)
            .await
            .expect("key");
        made.secret.expose_secret().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(key)
    }

    pub fn post(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(key)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Some ASINs the sandbox knows.
    pub fn known_asins(&self, n: usize) -> Vec<String> {
        self.sandbox
            .catalog()
            .asins()
            .take(n)
            .map(|a| a.to_string())
            .collect()
    }
}
