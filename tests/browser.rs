//! A real browser (Debian's headless Chromium through chromedriver) logs in as the demo admin
//! and sees the grid tree. Runs when chromedriver is installed; with `WANGGE_BROWSER_TESTS=1`
//! (as in CI) a missing browser is a failure, not a skip.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use common::{wait_until, within};
use serde_json::{json, Value};
use wangge_store::testing::Kind;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

impl Driver {
    async fn start() -> Option<Driver> {
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(driver) = driver else {
            assert!(
                std::env::var("WANGGE_BROWSER_TESTS").is_err(),
                "WANGGE_BROWSER_TESTS is set but chromedriver is not installed"
            );
            eprintln!("chromedriver not installed: browser test skipped");
            return None;
        };
        // port 0: chromedriver takes a free port and says which ("… started successfully on
        // port 36593."), so no port is picked here and given up before it binds it
        let mut child = Command::new(driver)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // reads up to the line with the port, then keeps draining until chromedriver ends
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, rest)) = line.split_once("started successfully on port ") {
                    let _ = tx.send(rest.trim_end_matches('.').trim().to_string());
                }
            }
        });
        let port = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await
            .expect("reader")
            .expect("chromedriver printed its port");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let status = format!("{base}/status");
        let (http_ref, status) = (&http, status.as_str());
        wait_until(within(Duration::from_secs(10)), || async move {
            http_ref.get(status).send().await.ok().map(|_| ())
        })
        .await
        .expect("chromedriver answers");
        let profile =
            std::env::temp_dir().join(format!("wangge-chromium-{}-{port}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run",
                         "--disable-dev-shm-usage", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        Some(Driver {
            child,
            base,
            session,
            http,
            profile,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver call")
            .json()
            .await
            .expect("webdriver JSON");
        assert!(v["value"].get("error").is_none(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn screenshot(&self, path: &std::path::Path) {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(png) = v
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        {
            let _ = std::fs::write(path, png);
        }
    }

    async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_logs_in_with_a_browser_and_sees_the_grid_tree() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let srv = common::TestServer::start(Kind::Sqlite).await;
    driver.goto(&format!("{}/grid", srv.base)).await;
    assert!(
        driver.current_url().await.ends_with("/login"),
        "unauthenticated → login page"
    );
    driver.type_into("#username", "admin").await;
    driver.type_into("#password", common::DEMO_PASSWORD).await;
    driver.click("#login").await;
    let home = format!("{}/", srv.base);
    let (driver_ref, home_ref) = (&driver, home.as_str());
    let arrived = wait_until(within(Duration::from_secs(10)), || async move {
        (driver_ref.current_url().await == home_ref).then_some(())
    })
    .await;
    assert!(
        arrived.is_some(),
        "logged in, on the home page: at {}",
        driver.current_url().await
    );
    driver.goto(&format!("{}/grid", srv.base)).await;
    let html = driver.source().await;
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-grid.png");
    driver.screenshot(&shot).await;
    for text in [
        "网格架构",
        "金水区",
        "经八路街道",
        "纬五路社区第一网格",
        "区指挥部管理员",
    ] {
        assert!(html.contains(text), "grid page lacks {text}");
    }
    driver.quit().await;
    srv.stop().await;
}
