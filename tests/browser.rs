//! A real browser (Debian's headless Chromium through chromedriver) logs in as the demo admin
//! and sees the grid tree, and opens every staff page of every role at phone and desktop
//! width. Runs when chromedriver is installed; with `WANGGE_BROWSER_TESTS=1` (as in CI) a
//! missing browser is a failure, not a skip.

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
                         // as on a phone, scrollbars take no room from the page
                         "--hide-scrollbars",
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

    /// Whether `css` names an element on the page (no error when it does not).
    async fn exists(&self, css: &str) -> bool {
        let script = format!("return document.querySelector({}) !== null;", json!(css));
        self.execute(&script).await.as_bool().unwrap_or(false)
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

    /// Runs `script` (a function body) in the page and returns what it returns.
    async fn execute(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Sizes the window so that the page's viewport (`innerWidth` × `innerHeight`) is
    /// `width` × `height`: headless Chromium's window is taller than its viewport (and its
    /// outer width has a floor), so the window is set, the viewport measured and the window
    /// corrected by the difference.
    async fn set_viewport(&self, width: i64, height: i64) {
        let (mut w, mut h) = (width, height);
        for _ in 0..3 {
            self.call(
                reqwest::Method::POST,
                "/window/rect",
                Some(json!({ "width": w, "height": h })),
            )
            .await;
            let v = self
                .execute("return [window.innerWidth, window.innerHeight];")
                .await;
            let (iw, ih) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
            if iw == width && ih == height {
                return;
            }
            w += width - iw;
            h += height - ih;
        }
        panic!("could not size the viewport to {width}×{height}");
    }

    /// A PNG of the page from its top, as wide as the viewport and as tall as the page (at
    /// most `max_height` px), taken through the DevTools protocol.
    async fn screenshot_page(&self, path: &std::path::Path, max_height: i64) {
        let size = self
            .execute("return [window.innerWidth, document.documentElement.scrollHeight];")
            .await;
        let width = size[0].as_i64().unwrap_or(0);
        let height = size[1].as_i64().unwrap_or(0).min(max_height);
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                       "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
            )
            .await;
        let png = shot["data"]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .unwrap_or_else(|| panic!("no screenshot of {}", path.display()));
        std::fs::write(path, png).expect("write screenshot");
    }

    /// A DevTools command (e.g. `Emulation.setEmulatedMedia`), through chromedriver.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
        .await
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

/// What one page looks like in the browser: its widths, the navigation's state, the touch
/// targets smaller than a finger and the links it offers.
const MEASURE: &str = r#"
const vw = window.innerWidth;
// laid out, not hidden, and not inside a closed <details>
const shown = e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0
    && e.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true });
};
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (e.classList.length ? '.' + [...e.classList].join('.') : '')
  + (e.name ? '[name=' + e.name + ']' : '')
  + (e.textContent.trim() ? ' «' + e.textContent.trim().slice(0, 12) + '»' : '');
// the outermost elements that stick out of the viewport (for the failure message)
const wide = [];
for (const e of document.body.querySelectorAll('*')) {
  if (wide.length >= 6) break;
  const r = e.getBoundingClientRect();
  const p = e.parentElement.getBoundingClientRect();
  if (r.right > vw + 1 && p.right <= vw + 1 && shown(e)) wide.push(name(e) + ' → ' + Math.round(r.right) + 'px');
}
const small = [];
const targets = 'button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary, nav a';
for (const e of document.querySelectorAll(targets)) {
  if (!shown(e)) continue;
  const h = e.getBoundingClientRect().height;
  if (h < 43.5) small.push(name(e) + ' ' + Math.round(h) + 'px');
}
const side = document.querySelector('nav.side');
const main = document.querySelector('main');
const menu = document.querySelector('details.menu');
const summary = menu && menu.querySelector('summary');
return {
  inner: vw,
  scroll: document.documentElement.scrollWidth,
  viewport_meta: !!document.querySelector('meta[name=viewport][content*="width=device-width"]'),
  staff: !!document.querySelector('header.top'),
  side_shown: !!side && shown(side),
  side_right: side ? side.getBoundingClientRect().right : 0,
  main_left: main ? main.getBoundingClientRect().left : 0,
  nav_links_shown: [...document.querySelectorAll('nav a')].filter(shown).length,
  summary_shown: !!summary && shown(summary),
  menu_open: !!menu && menu.open,
  wide: wide,
  small: small,
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
};
"#;

const PHONE: (i64, i64) = (390, 844);
/// Screenshots show a page from its top down to this many px (the long lists are cut).
const SHOT_MAX_HEIGHT: i64 = 2000;
const DESKTOP: (i64, i64) = (1366, 768);

/// The page a link leads to, as a name for screenshots and to visit each kind of page once:
/// numbers in the path are record ids (`/arrivals/12` → `arrivals-id`), every "coming soon"
/// module is one page, the query is left out. `None` for what is not a staff page here.
fn page_key(href: &str) -> Option<String> {
    let path = href.split(['?', '#']).next().unwrap_or("");
    let skip = ["/logout", "/login", "/report", "/static/", "/api/"];
    if !path.starts_with('/')
        || skip.iter().any(|s| path.starts_with(s))
        || path.ends_with(".xlsx")
        || path.ends_with(".csv")
        // downloads: the exports of the lists and a finished export job's file
        || path.ends_with("/export")
        || path.ends_with("/download")
        || href.contains("reveal=1")
    {
        return None;
    }
    if path.starts_with("/soon/") {
        return Some("soon".into());
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) {
                "id"
            } else {
                s
            }
        })
        .collect();
    Some(if parts.is_empty() {
        "home".into()
    } else {
        parts.join("-")
    })
}

struct Visit<'a> {
    driver: &'a Driver,
    base: &'a str,
    shots: std::path::PathBuf,
    failures: Vec<String>,
    widths: Vec<String>,
}

impl Visit<'_> {
    /// Opens `path`, saves `<who>-<page>-<width>.png` and notes what is wrong with it at this
    /// width; returns the links the page offers.
    async fn check(&mut self, who: &str, page: &str, path: &str, staff: bool) -> Vec<String> {
        self.driver.goto(&format!("{}{path}", self.base)).await;
        let m = self.driver.execute(MEASURE).await;
        let inner = m["inner"].as_i64().unwrap_or(0);
        let scroll = m["scroll"].as_i64().unwrap_or(0);
        let at = format!("{who} {page} ({path}) at {inner} px");
        self.widths
            .push(format!("{who:<22} {page:<22} {inner:>5} → {scroll:>5}"));
        let shot = self.shots.join(format!("{who}-{page}-{inner}.png"));
        self.driver.screenshot_page(&shot, SHOT_MAX_HEIGHT).await;
        let mut fail = |what: String| self.failures.push(format!("{at}: {what}"));
        if scroll > inner {
            fail(format!(
                "page is {scroll} px wide, wider than the viewport; sticking out: {}",
                m["wide"]
            ));
        }
        if !m["viewport_meta"].as_bool().unwrap_or(false) {
            fail("no <meta name=viewport content=width=device-width>".into());
        }
        if staff != m["staff"].as_bool().unwrap_or(false) {
            fail(format!("staff header expected: {staff}"));
        }
        let collapsed = m["nav_links_shown"].as_i64() == Some(0)
            && m["side_shown"].as_bool() == Some(false)
            && m["menu_open"].as_bool() == Some(false)
            && m["summary_shown"].as_bool() == Some(true);
        if staff && inner == PHONE.0 && !collapsed {
            fail(format!(
                "navigation not collapsed into the 菜单 button: {} links shown, sidebar {}, menu button {}",
                m["nav_links_shown"], m["side_shown"], m["summary_shown"]
            ));
        }
        if inner == PHONE.0 && m["small"].as_array().is_some_and(|a| !a.is_empty()) {
            fail(format!("touch targets under 44 px high: {}", m["small"]));
        }
        if staff && inner == DESKTOP.0 {
            let side_right = m["side_right"].as_f64().unwrap_or(0.0);
            let main_left = m["main_left"].as_f64().unwrap_or(0.0);
            if m["side_shown"].as_bool() != Some(true)
                || side_right > main_left + 1.0
                || m["summary_shown"].as_bool() != Some(false)
            {
                fail(format!(
                    "no sidebar beside the content: sidebar {} (right edge {side_right}), content from {main_left}, menu button {}",
                    m["side_shown"], m["summary_shown"]
                ));
            }
        }
        m["links"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// At phone width on the home page: the 菜单 button opens the navigation, every entry a
    /// finger high, and the page still fits.
    async fn check_open_menu(&mut self, who: &str) {
        self.driver.goto(&format!("{}/", self.base)).await;
        if !self.driver.exists("details.menu > summary").await {
            self.failures
                .push(format!("{who} at {} px: no 菜单 button", PHONE.0));
            return;
        }
        self.driver.click("details.menu > summary").await;
        let m = self.driver.execute(MEASURE).await;
        let shot = self.shots.join(format!("{who}-menu-{}.png", PHONE.0));
        self.driver.screenshot_page(&shot, SHOT_MAX_HEIGHT).await;
        let at = format!("{who} open menu at {} px", m["inner"]);
        if m["menu_open"].as_bool() != Some(true) || m["nav_links_shown"].as_i64() < Some(2) {
            self.failures.push(format!(
                "{at}: the 菜单 button does not open the navigation ({} links shown)",
                m["nav_links_shown"]
            ));
        }
        if m["scroll"].as_i64() > m["inner"].as_i64() {
            self.failures
                .push(format!("{at}: {} px wide: {}", m["scroll"], m["wide"]));
        }
        if m["small"].as_array().is_some_and(|a| !a.is_empty()) {
            self.failures
                .push(format!("{at}: touch targets under 44 px: {}", m["small"]));
        }
    }

    /// The daily list printed from a phone (an A4 page is as narrow as a phone): a table with
    /// every column, without the header, the menu, the sidebar and the forms.
    async fn check_print(&mut self, who: &str) {
        self.driver.goto(&format!("{}/daily", self.base)).await;
        self.driver
            .cdp("Emulation.setEmulatedMedia", json!({ "media": "print" }))
            .await;
        let m = self
            .driver
            .execute(
                r#"const t = document.querySelector('table.daily');
                const hidden = ['header.top', 'details.menu', 'nav.side', 'form.filters']
                  .filter(s => { const e = document.querySelector(s); return e && getComputedStyle(e).display !== 'none'; });
                return { table: t ? getComputedStyle(t).display : 'none',
                         head: t ? getComputedStyle(t.tHead).display : 'none',
                         scroll: t ? getComputedStyle(t.parentElement).overflowX : '',
                         shown: hidden };"#,
            )
            .await;
        self.driver
            .cdp("Emulation.setEmulatedMedia", json!({ "media": "" }))
            .await;
        if m["table"] != "table" || m["head"] != "table-header-group" || m["scroll"] != "visible" {
            self.failures.push(format!(
                "{who} daily printed: not a full table (table {}, head {}, overflow {})",
                m["table"], m["head"], m["scroll"]
            ));
        }
        if m["shown"].as_array().is_some_and(|a| !a.is_empty()) {
            self.failures
                .push(format!("{who} daily printed: still shows {}", m["shown"]));
        }
    }
}

/// Logs in through the form and waits until the home page is there.
async fn browser_login(driver: &Driver, base: &str, username: &str) {
    driver.delete_cookies().await;
    driver.goto(&format!("{base}/login")).await;
    driver.type_into("#username", username).await;
    driver.type_into("#password", common::DEMO_PASSWORD).await;
    driver.click("#login").await;
    let home = format!("{base}/");
    for _ in 0..100 {
        if driver.current_url().await == home {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{username} did not reach the home page: {}",
        driver.current_url().await
    );
}

/// Two push-list imports by the admin, so the job page has a finished and a refused import
/// (the finished one names a resident otherwise, so the data-quality page has a row), and a
/// finished export job.
async fn import_jobs(srv: &common::TestServer) -> Vec<(&'static str, String)> {
    let admin = srv.login("admin").await;
    let residents = admin.get("/api/v1/residents?limit=1").await.json();
    let resident = admin
        .get(&format!(
            "/api/v1/residents/{}?reveal=1",
            residents[0]["id"]
        ))
        .await
        .json();
    let good = resident["id_number"]
        .as_str()
        .unwrap_or_else(|| panic!("a resident's ID number: {resident}"))
        .to_string();
    let wrong_check = if good.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{wrong_check}", &good[..17]);
    let files = [
        (
            "pushlists-job-done",
            format!(
                "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n\
                 测试甲,{good},13800138001,上海市浦东新区,2021-12-20 08:00,纬五路社区第一网格3号楼2单元,\n\
                 测试乙,{bad},,上海市,2021-12-20,纬五路社区第一网格,\n"
            ),
        ),
        ("pushlists-job-failed", "姓名\n张三\n".to_string()),
    ];
    let mut jobs = Vec::new();
    for (page, csv) in files {
        let csrf = admin.csrf().await;
        let r = admin
            .post_multipart(
                "/pushlists/import",
                &[
                    ("csrf", None, csrf.as_bytes()),
                    ("file", Some("list.csv"), csv.as_bytes()),
                ],
            )
            .await;
        let job = r.location().unwrap_or_else(|| panic!("import: {}", r.body));
        let job = job.to_string();
        for _ in 0..200 {
            let p = admin.get(&format!("{job}/progress")).await.json();
            if p["state"] != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        jobs.push((page, job));
    }
    // a finished export job: the district's residents are longer than an export page
    let (status, headers, _) = admin.get_bytes("/residents/export?format=xlsx").await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "an export job");
    let job = headers["location"]
        .to_str()
        .expect("job address")
        .to_string();
    for _ in 0..200 {
        let p = admin.get(&format!("{job}/progress")).await.json();
        if p["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    jobs.push(("exports-job-done", job));
    jobs
}

/// Every staff page of every role with a login, at 390 px (a phone) and 1366 px (a desktop):
/// no page is wider than the screen, on the phone the navigation is behind the 菜单 button and
/// every control is a finger high, on the desktop the sidebar stays beside the content.
/// The pages are the role's navigation and what its pages link to (one of each kind: an
/// arrival, a push item, a checkpoint, a resident, a grid node, a risk area, a user…).
/// Screenshots go to `target/e2e/<role>-<page>-<width>.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_page_fits_a_phone_and_a_desktop() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let started = std::time::Instant::now();
    let srv = common::TestServer::start(Kind::Sqlite).await;
    let jobs = import_jobs(&srv).await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("e2e");
    std::fs::create_dir_all(&shots).expect("target/e2e");
    let mut visit = Visit {
        driver: &driver,
        base: &srv.base,
        shots,
        failures: Vec::new(),
        widths: Vec::new(),
    };
    // one account of each role with a login
    let accounts = [
        ("district_admin", "admin"),
        ("township_officer", "jingbalu"),
        ("grid_worker", "wangge1"),
        ("department_handler", "gongxinju"),
        ("enterprise_contact", "qiye"),
        ("checkpoint_operator", "kakou"),
        ("lab_operator", "jiance"),
    ];
    for (who, username) in accounts {
        browser_login(&driver, &srv.base, username).await;
        // at desktop width, follow the links from the home page to every kind of page
        driver.set_viewport(DESKTOP.0, DESKTOP.1).await;
        let mut pages: Vec<(String, String)> = vec![("home".into(), "/".into())];
        let mut next = 0;
        while next < pages.len() {
            let (page, path) = pages[next].clone();
            next += 1;
            for href in visit.check(who, &page, &path, true).await {
                if let Some(key) = page_key(&href) {
                    if !pages.iter().any(|(k, _)| *k == key) {
                        pages.push((key, href));
                    }
                }
            }
        }
        if who == "district_admin" {
            for (page, path) in &jobs {
                visit.check(who, page, path, true).await;
                pages.push((page.to_string(), path.clone()));
            }
        }
        driver.set_viewport(PHONE.0, PHONE.1).await;
        for (page, path) in &pages {
            visit.check(who, page, path, true).await;
        }
        visit.check_open_menu(who).await;
        if who == "grid_worker" {
            visit.check_print(who).await;
        }
        eprintln!(
            "{who}: {} pages: {}",
            pages.len(),
            pages
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    // the pages without the staff frame: an error (a grid worker asks for a street), the login
    // and the public report form
    browser_login(&driver, &srv.base, "wangge1").await;
    for (width, height) in [PHONE, DESKTOP] {
        driver.set_viewport(width, height).await;
        visit
            .check("grid_worker", "error", "/grid/410105001", false)
            .await;
        driver.delete_cookies().await;
        visit.check("public", "login", "/login", false).await;
        visit.check("public", "report", "/report", false).await;
        browser_login(&driver, &srv.base, "wangge1").await;
    }
    eprintln!("widths (viewport → page):\n{}", visit.widths.join("\n"));
    eprintln!(
        "{} page views in {:?}",
        visit.widths.len(),
        started.elapsed()
    );
    let failures = std::mem::take(&mut visit.failures);
    driver.quit().await;
    srv.stop().await;
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The id of the suggestion of `list` (a picker's list, `region-list-N`) whose full name is
/// `full`, once it shows.
async fn suggestion(driver: &Driver, list: &str, full: &str) -> String {
    let script = format!(
        "const o = [...document.querySelectorAll('#{list} .region-option')]\
           .find(o => o.querySelector('b').textContent === {});\
         return o ? o.id : null;",
        json!(full)
    );
    let script = script.as_str();
    wait_until(within(Duration::from_secs(10)), || async move {
        driver.execute(script).await.as_str().map(str::to_string)
    })
    .await
    .unwrap_or_else(|| panic!("no suggestion {full} in {list}"))
}

/// Submits the filled-in report form, waits for its receipt and returns the report as `admin`
/// reads it through the API (found by the number's last four digits and the name).
async fn submit_report(
    driver: &Driver,
    admin: &common::Client,
    name: &str,
    id_number: &str,
) -> Value {
    driver.click("#submit-report").await;
    let done = wait_until(within(Duration::from_secs(10)), || async move {
        driver.source().await.contains("报备成功").then_some(())
    })
    .await;
    assert!(done.is_some(), "submitted: {}", driver.source().await);
    let list = admin
        .get(&format!("/api/v1/arrivals?q={}", &id_number[14..]))
        .await
        .json();
    list.as_array()
        .and_then(|l| l.iter().find(|a| a["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("stored: {list}"))
}

/// 地区选择 (static/regions.js): typing a name offers divisions from `/api/v1/regions`; picking
/// one shows its full name and puts its code in the form, typing on sends the text again; the
/// travel helper adds a line; the risk-area form gets the code and the street separately.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_picker_submits_the_picked_code() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let srv = common::TestServer::start(Kind::Sqlite).await;
    let d = &driver;
    driver.goto(&format!("{}/report", srv.base)).await;
    let origin = "input[data-region-picker]";
    let state = "const f = document.querySelector('form.report-form');\
        const i = document.querySelector('input[data-region-picker]');\
        const sent = [...f.querySelectorAll('[name=origin]')].map(e => e.value);\
        return [i.value, i.hasAttribute('name'), sent.join('|')];";
    driver.type_into(origin, "雁塔").await;
    let id = suggestion(d, "region-list-1", "陕西省西安市雁塔区").await;
    driver.click(&format!("#{id}")).await;
    assert_eq!(
        driver.execute(state).await,
        json!(["陕西省西安市雁塔区", false, "610113"]),
        "the field shows the name, the form carries the code"
    );
    // typing on: the text is sent again, as without the script
    driver.type_into(origin, " 电子城街道").await;
    assert_eq!(
        driver.execute(state).await,
        json!([
            "陕西省西安市雁塔区 电子城街道",
            true,
            "陕西省西安市雁塔区 电子城街道"
        ])
    );
    let id = suggestion(d, "region-list-1", "陕西省西安市雁塔区 电子城街道").await;
    driver.click(&format!("#{id}")).await;
    assert_eq!(
        driver.execute(state).await,
        json!(["陕西省西安市雁塔区 电子城街道", false, "610113 电子城街道"])
    );
    // the travel helper shows with the script and adds “date place” lines
    let stay = (wangge_server::today() - chrono::Days::new(2)).to_string();
    let arrival = (wangge_server::today() + chrono::Days::new(3)).to_string();
    assert_eq!(
        driver
            .execute("return document.querySelector('[data-travel-add]').hidden;")
            .await,
        json!(false)
    );
    driver
        .execute(&format!(
            "document.querySelector('[data-travel-add] input[type=date]').value = '{stay}';\
             document.querySelector('input[name=arrival_date]').value = '{arrival}';\
             document.querySelector('select[name=node_code]').value = '{}';",
            wangge_store::testing::code::GRID_A
        ))
        .await;
    driver.type_into("input[data-region-append]", "碑林").await;
    let id = suggestion(d, "region-list-2", "陕西省西安市碑林区").await;
    driver.click(&format!("#{id}")).await;
    driver.click("[data-travel-add] button").await;
    assert_eq!(
        driver
            .execute("return document.querySelector('textarea[name=travel]').value;")
            .await,
        json!(format!("{stay} 610103"))
    );
    let id_number = wangge_domain::validate::make_valid("61011319900303001");
    driver.type_into("input[name=name]", "选择测试").await;
    driver.type_into("input[name=id_number]", &id_number).await;
    driver.type_into("input[name=phone]", "13900139000").await;
    driver
        .type_into("input[name=destination]", "纬五路社区1号楼")
        .await;
    let admin = srv.login("admin").await;
    let a = submit_report(d, &admin, "选择测试", &id_number).await;
    assert_eq!(
        a["origin"]["place"],
        json!({"code": "610113", "street": "电子城街道"})
    );
    assert_eq!(a["travel"][0]["place"], json!({"code": "610103"}));

    // the risk-area form: the six digits in `code`, the street in its own field, a name
    browser_login(&driver, &srv.base, "admin").await;
    driver.goto(&format!("{}/risk-areas", srv.base)).await;
    driver.type_into("input[name=code]", "电子城").await;
    let id = suggestion(d, "region-list-1", "陕西省西安市雁塔区 电子城街道").await;
    driver.click(&format!("#{id}")).await;
    let fields = "const f = document.querySelector('form[action=\"/risk-areas\"]');\
        return ['code', 'street', 'name']\
          .map(n => [...f.querySelectorAll('[name=' + n + ']')].map(e => e.value).join('|'));";
    assert_eq!(
        driver.execute(fields).await,
        json!(["610113", "电子城街道", "陕西省西安市雁塔区 电子城街道"])
    );
    // picking the county instead takes back the street the picker wrote
    driver
        .execute("document.querySelector('input[data-region-picker]').value = '';")
        .await;
    driver.type_into("input[data-region-picker]", "雁塔").await;
    let id = suggestion(d, "region-list-1", "陕西省西安市雁塔区").await;
    driver.click(&format!("#{id}")).await;
    assert_eq!(
        driver.execute(fields).await,
        json!(["610113", "", "陕西省西安市雁塔区"])
    );
    driver
        .execute(&format!(
            "const f = document.querySelector('form[action=\"/risk-areas\"]');\
             f.elements.namedItem('valid_from').value = '{stay}';\
             f.querySelector('button[type=submit]').click();"
        ))
        .await;
    let saved = wait_until(within(Duration::from_secs(10)), || async move {
        d.current_url().await.contains("recomputed=").then_some(())
    })
    .await;
    assert!(saved.is_some(), "saved: {}", driver.source().await);
    let areas = admin.get("/api/v1/risk-areas").await.json();
    assert!(
        areas.as_array().is_some_and(|l| l
            .iter()
            .any(|a| a["code"] == "610113" && a["name"] == "陕西省西安市雁塔区")),
        "{areas}"
    );
    driver.quit().await;
    srv.stop().await;
}

/// The id of `selector`'s first match once it is on the page.
async fn wait_for(driver: &Driver, selector: &str) {
    let script = format!(
        "return document.querySelector({}) !== null;",
        json!(selector)
    );
    let script = script.as_str();
    let found = wait_until(within(Duration::from_secs(10)), || async move {
        driver
            .execute(script)
            .await
            .as_bool()
            .unwrap_or(false)
            .then_some(())
    })
    .await;
    assert!(
        found.is_some(),
        "{selector} never showed: {}",
        driver.current_url().await
    );
}

/// A district's day, as its people see it in a browser: a citizen reports on a phone with
/// the region picker; wangge1 finds the report in their 今日待办 and on the daily list; a
/// fever scan at a checkpoint of another street (花园路街道) reaches wangge1's alert page with
/// the person's name and a link to the arrival, and wangge1 handles it with an outcome and a
/// note; the arrivals export downloads as a real XLSX, with the ID number masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_day_from_report_to_alert_to_export() {
    use wangge_store::testing::code::{GRID_A, NONGKELU};
    let Some(driver) = Driver::start().await else {
        return;
    };
    let srv = common::TestServer::start(Kind::Sqlite).await;
    let d = &driver;
    let today = wangge_server::today().to_string();

    // the citizen, on a phone
    driver.set_viewport(390, 844).await;
    driver.goto(&format!("{}/report", srv.base)).await;
    driver.type_into("input[data-region-picker]", "雁塔").await;
    let id = suggestion(d, "region-list-1", "陕西省西安市雁塔区").await;
    driver.click(&format!("#{id}")).await;
    let id_number = wangge_domain::validate::make_valid("61011319850505123");
    driver.type_into("input[name=name]", "走查甲").await;
    driver.type_into("input[name=id_number]", &id_number).await;
    driver.type_into("input[name=phone]", "13900139123").await;
    driver
        .execute(&format!(
            "document.querySelector('input[name=arrival_date]').value = '{today}';\
             document.querySelector('select[name=node_code]').value = '{GRID_A}';"
        ))
        .await;
    driver
        .type_into("input[name=destination]", "纬五路社区第一网格5号楼")
        .await;
    let admin = srv.login("admin").await;
    let arrival = submit_report(d, &admin, "走查甲", &id_number).await;
    assert_eq!(arrival["origin"]["place"], json!({"code": "610113"}));
    let arrival = arrival["id"].as_i64().expect("arrival id");

    // wangge1, at a desktop: today's work first, then the list and the daily list
    driver.set_viewport(1366, 768).await;
    browser_login(d, &srv.base, "wangge1").await;
    let todo = format!("a[href=\"/arrivals?date={today}\"]");
    wait_for(d, &todo).await;
    let count = driver
        .execute(&format!(
            "return Number(document.querySelector({}).querySelector('b').textContent);",
            json!(todo)
        ))
        .await;
    assert!(
        count.as_i64().unwrap_or(0) >= 1,
        "today's arrivals: {count}"
    );
    driver.click(&todo).await;
    wait_for(d, &format!("a[href=\"/arrivals/{arrival}\"]")).await;
    assert!(driver.source().await.contains("走查甲"));
    driver.goto(&format!("{}/daily", srv.base)).await;
    assert!(
        driver.source().await.contains("走查甲"),
        "on the daily list"
    );

    // a fever at a checkpoint of 花园路街道, posted by its gate
    let csrf = admin.csrf().await;
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": NONGKELU, "name": "农科路社区南门", "kind": "estate"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let cp = r.json()["id"].as_i64().expect("checkpoint id");
    // its gate: a machine account with an API token
    let r = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "nanmen", "display_name": "南门闸机", "role": "checkpoint_operator",
                    "node_code": NONGKELU, "password": "a-long-password"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let gate_user = r.json()["id"].clone();
    let r = admin
        .post_json(
            &format!("/api/v1/users/{gate_user}/tokens"),
            &json!({"name": "南门闸机"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let bearer = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let r = srv
        .client()
        .post_json(
            &format!("/api/v1/checkpoints/{cp}/scans"),
            &json!({"id_number": id_number, "temperature": 38.2, "code_colour": "green"}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let alert = r.json()["scans"][0]["alert_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an alert: {}", r.body));

    // wangge1's alert page: the name and the link to the arrival, which opens it
    driver
        .goto(&format!("{}/checkpoints/alerts?open=1", srv.base))
        .await;
    let link = format!("#alerts a[href=\"/arrivals/{arrival}\"]");
    wait_for(d, &link).await;
    let html = driver.source().await;
    assert!(html.contains("走查甲") && html.contains("农科路社区南门"));
    assert!(!html.contains(&id_number), "the number masked");
    driver.click(&link).await;
    let opened = wait_until(within(Duration::from_secs(10)), || async move {
        d.current_url()
            .await
            .ends_with(&format!("/arrivals/{arrival}"))
            .then_some(())
    })
    .await;
    assert!(opened.is_some(), "at {}", driver.current_url().await);

    // handled with an outcome and a note
    driver
        .goto(&format!("{}/checkpoints/alerts/{alert}", srv.base))
        .await;
    wait_for(d, "select[name=outcome]").await;
    driver
        .execute("document.querySelector('select[name=outcome]').value = 'contacted';")
        .await;
    driver
        .type_into("textarea[name=note]", "已电话联系 本人居家等待复测")
        .await;
    driver
        .click("form[action$=\"/handle\"] button[type=submit]")
        .await;
    // back on the list, the alert is handled, its outcome in words; its page has the note
    let handled = wait_until(within(Duration::from_secs(10)), || async move {
        let at = d.current_url().await;
        (at.ends_with("/checkpoints/alerts") && d.source().await.contains("已处置（已联系）"))
            .then_some(())
    })
    .await;
    assert!(handled.is_some(), "handled: {}", driver.source().await);
    driver
        .goto(&format!("{}/checkpoints/alerts/{alert}", srv.base))
        .await;
    let html = driver.source().await;
    assert!(
        html.contains("已电话联系 本人居家等待复测") && !html.contains("name=\"outcome\""),
        "{html}"
    );
    let api = admin.get(&format!("/api/v1/alerts/{alert}")).await.json();
    assert_eq!(api["outcome"], "contacted", "{api}");

    // the arrivals export, downloaded by the browser and opened as a workbook
    let downloads = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("downloads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&downloads);
    std::fs::create_dir_all(&downloads).expect("download dir");
    driver
        .cdp(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}),
        )
        .await;
    driver.goto(&format!("{}/arrivals", srv.base)).await;
    let xlsx_link = "a[href^=\"/arrivals/export\"][href$=\"format=xlsx\"]";
    wait_for(d, xlsx_link).await;
    driver.click(xlsx_link).await;
    let dir = downloads.as_path();
    let file = wait_until(within(Duration::from_secs(20)), || async move {
        std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
    })
    .await
    .expect("the XLSX downloaded");
    assert!(
        file.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains("来返报备")),
        "a Chinese file name: {}",
        file.display()
    );
    let bytes = std::fs::read(&file).expect("read the download");
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a real workbook");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = &rows[1];
    let col = |h: &str| {
        header
            .iter()
            .position(|c| c == h)
            .unwrap_or_else(|| panic!("no {h}: {header:?}"))
    };
    let (name, id) = (col("姓名"), col("身份证号"));
    let row = rows
        .iter()
        .find(|r| r.get(name).is_some_and(|n| n == "走查甲"))
        .unwrap_or_else(|| panic!("the report in the export: {rows:?}"));
    assert_eq!(row[id], format!("**************{}", &id_number[14..]));
    assert!(rows.iter().flatten().all(|c| !c.contains(&id_number)));
    let _ = std::fs::remove_dir_all(&downloads);
    driver.quit().await;
    srv.stop().await;
}
