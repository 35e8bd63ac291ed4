//! The real server on a random port against a fresh database holding the demo district, and a
//! small HTTP client that keeps cookies the way a browser does.
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use wangge_server::AppConfig;
use wangge_store::testing::{Kind, TestDb};

pub const DEMO_PASSWORD: &str = wangge::demo::PASSWORD;

/// How long [`wait_until`] waits between two checks.
const POLL: Duration = Duration::from_millis(20);

/// Awaits a condition instead of sleeping for a guessed time: runs `check` until it gives
/// `Some(value)` and returns that, or `None` when it has not by `deadline` (it is checked once
/// more at the deadline, so a slow condition gets all of its time). Conditions that are a
/// yes or no give `Some(())`: `(status == StatusCode::OK).then_some(())`.
///
/// ```ignore
/// let c = &client;
/// let done = wait_until(Instant::now() + Duration::from_secs(10), || async move {
///     let s = c.get("/progress").await.json();
///     (s["state"] != "running").then_some(s)
/// })
/// .await
/// .expect("finished within 10 s");
/// ```
pub async fn wait_until<T, F, Fut>(deadline: Instant, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    loop {
        let last = Instant::now() >= deadline;
        if let Some(value) = check().await {
            return Some(value);
        }
        if last {
            return None;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(POLL.min(left)).await;
    }
}

/// `now + d`, for [`wait_until`].
/// The server's today `offset` days on (or back, when negative), as `YYYY-MM-DD`.
pub fn day(offset: i64) -> String {
    let t = wangge_server::today();
    let d = if offset >= 0 {
        t + chrono::Days::new(offset.unsigned_abs())
    } else {
        t - chrono::Days::new(offset.unsigned_abs())
    };
    d.to_string()
}

pub fn within(d: Duration) -> Instant {
    Instant::now() + d
}

pub struct TestServer {
    pub base: String,
    db: TestDb,
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(kind: Kind) -> TestServer {
        Self::start_with(kind, AppConfig::default()).await
    }

    pub async fn start_with(kind: Kind, config: AppConfig) -> TestServer {
        let db = TestDb::new(kind).await.expect("fresh database");
        wangge::demo::ensure(&db.store)
            .await
            .expect("demo district");
        Self::start_on(db, config).await
    }

    /// The server on a database as it is (a restored backup, say): nothing is seeded.
    pub async fn start_on(db: TestDb, config: AppConfig) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let store = db.store.clone();
        let handle = tokio::spawn(wangge_server::launch(listener, store, config, async {
            let _ = rx.await;
        }));
        TestServer {
            base,
            db,
            shutdown: tx,
            handle,
        }
    }

    pub fn store(&self) -> &wangge_store::Store {
        &self.db.store
    }

    /// The database URL, for driving the `wangge` CLI against this server's database.
    pub fn db_url(&self) -> &str {
        &self.db.url
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client already logged in as `username` of the demo district.
    pub async fn login(&self, username: &str) -> Client {
        let c = self.client();
        let status = c.login(username, DEMO_PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "demo login {username}");
        c
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.handle.await;
        self.db.cleanup().await.expect("cleanup");
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }
}

pub struct Client {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Client {
            base: base.to_string(),
            http,
            cookies: Mutex::new(HashMap::new()),
        }
    }

    pub fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().expect("jar");
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("jar").get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .expect("jar")
            .insert(name.to_string(), value.to_string());
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.lock().expect("jar").contains_key(name)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let req = req.header(COOKIE, self.cookie_header());
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        {
            let mut jar = self.cookies.lock().expect("jar");
            for v in headers.get_all(SET_COOKIE) {
                let v = v.to_str().unwrap_or("");
                let pair = v.split(';').next().unwrap_or("");
                if let Some((k, val)) = pair.split_once('=') {
                    if val.is_empty() || v.contains("Max-Age=0") {
                        jar.remove(k);
                    } else {
                        jar.insert(k.to_string(), val.to_string());
                    }
                }
            }
        }
        let body = resp.text().await.unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn send_method(&self, method: reqwest::Method, path: &str) -> Reply {
        self.send(self.http.request(method, format!("{}{path}", self.base)))
            .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// A binary download (an export): status, headers and the raw bytes.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        (status, headers, bytes)
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// A multipart form: `(name, filename, bytes)`; text fields have no filename.
    pub async fn post_multipart(&self, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Reply {
        let boundary = "wangge-test-boundary-7f3a";
        let mut body = Vec::new();
        for (name, filename, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(req).await
    }

    /// The status of a GET whose body is never read (an endless event stream).
    pub async fn status_only(&self, path: &str) -> u16 {
        let resp = self.raw_get(path).send().await.expect("request");
        resp.status().as_u16()
    }

    /// A raw request builder with this client's cookies, for streams.
    pub fn raw_get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
    }

    pub async fn post_bytes(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn post_body(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// The CSRF token the pages embed in their forms (for the logged-in session).
    pub async fn csrf(&self) -> String {
        let page = self.get("/").await;
        hidden_csrf(&page.body).expect("csrf field on the home page")
    }

    pub async fn login(&self, username: &str, password: &str) -> StatusCode {
        let page = self.get("/login").await;
        let csrf = hidden_csrf(&page.body).expect("csrf on login page");
        let r = self
            .post_form(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("csrf", &csrf),
                ],
            )
            .await;
        r.status
    }
}

pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Runs one SQL statement on the test's database, whichever backend it is (test set-up that no
/// route offers, e.g. clearing a field or reopening a record), with `$1` bound to `id`.
pub async fn execute_sql(store: &wangge_store::Store, sql: &str, id: i64) {
    match store.backend() {
        wangge_store::Backend::Sqlite(p) => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()),
        wangge_store::Backend::Postgres(p) => {
            sqlx::query(sql).bind(id).execute(p).await.map(|_| ())
        }
    }
    .expect(sql)
}
