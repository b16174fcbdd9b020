//! `seqr-recon serve` as a real process on a loopback port, spoken to over
//! HTTP: signing in, the list, an item's page, acting on it; what it refuses;
//! and a close running while an accountant resolves an item.

use std::process::{Child, Command, Stdio};

use mail_parser::MessageParser;

use crate::close::{text, Floor, SHOP};
use crate::smtp::SmtpSink;

const EVA_PASSWORD: &str = "eva's long password";

/// The worklist of a floor: a second shop (of another reseller, never closed
/// here) that only olle sees, `extra` lines in `[web]`.
fn configure(f: &Floor, extra: &str) {
    let hash = seqr_recon::web::hash_password(EVA_PASSWORD).unwrap();
    let text = std::fs::read_to_string(&f.config).unwrap();
    let web = format!(
        "\n[web]\nwait_seconds = 20\n{extra}\n[[web.user]]\nname = \"eva\"\npassword_hash = \"{hash}\"\nshops = [\"shop-1\"]\n\
         [[web.user]]\nname = \"olle\"\npassword_hash = \"{hash}\"\nshops = [\"shop-2\"]\n\
         [[shop]]\nid = \"shop-2\"\nname = \"Other\"\ncurrency = \"SEK\"\ntimezone = \"Europe/Stockholm\"\n\
         close_at = \"0 0 22 * * *\"\nlevel = \"shop\"\nreseller_id = \"another-reseller\"\nreseller_user_id = \"1\"\n\
         password_env = \"UNUSED_PW\"\n"
    );
    std::fs::write(&f.config, format!("{text}{web}")).unwrap();
}

/// `seqr-recon serve` on a free loopback port, until dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(clippy::zombie_processes)] // `Server`'s drop waits for it.
async fn serve(f: &Floor) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
        .arg("--config")
        .arg(&f.config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("SEQR_RECON_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/login")).await.is_ok() {
            return Server { child, base };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("serve did not start");
}

/// One person's browser: its cookies, kept by hand so the test sees each one.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    /// The Set-Cookie headers received, whole.
    set_cookies: Vec<String>,
}

impl Browser {
    fn new(server: &Server) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: server.base.clone(), cookies: vec![], set_cookies: vec![] }
    }

    fn remember(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let value = value.to_str().unwrap().to_string();
            let (pair, _) = value.split_once(';').unwrap_or((&value, ""));
            let (name, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            self.cookies.push((name.to_string(), v.to_string()));
            self.set_cookies.push(value);
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let r =
            self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.remember(&r);
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.remember(&r);
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Signs in as `name`: the status of the answer.
    async fn sign_in(&mut self, name: &str, password: &str) -> u16 {
        let (_, form) = self.get("/login").await;
        let csrf = hidden(&form, "csrf");
        self.post("/login", &[("name", name), ("password", password), ("csrf", &csrf)]).await.0
    }
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in {page}"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Signs in, lists, acts on two items, signs out; the audit trail and the next
/// close's email show what was done. Everything a signed-out browser, another
/// shop's user or a form without its token tries is refused, and what SEQR or
/// a till wrote is shown as text.
#[tokio::test(flavor = "multi_thread")]
async fn accountants_act_on_their_shops_items_and_nothing_else() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    configure(&f, "");
    let (small, big) = (f.sale("20.00").await, f.sale("80.00").await);
    let header =
        "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at\n";
    let terminal = crate::helpers::TERMINAL;
    let rows = format!(
        "{header}shop-1,{terminal},<script>alert(1)</script>,{small},,19.00,SEK,PAYMENT,SEQR payment,2026-01-01T10:00:00Z\n\
         shop-1,{terminal},anna,{big},,70.00,SEK,PAYMENT,SEQR payment,2026-01-01T10:00:00Z\n"
    );
    std::fs::write(f.dir.path().join("inbox/p1.csv"), rows).unwrap();
    let out = f.cli(&["run", "--shop", "shop-1"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let server = serve(&f).await;

    // Signed out: to the sign-in form.
    let mut eva = Browser::new(&server);
    let (status, _) = eva.get("/").await;
    assert_eq!(status, 303);
    // A sign-in form posted without its token is refused.
    let (status, _) = eva.post("/login", &[("name", "eva"), ("password", EVA_PASSWORD), ("csrf", "forged")]).await;
    assert_eq!(status, 403);
    assert_eq!(eva.sign_in("eva", EVA_PASSWORD).await, 303);
    let session = eva.set_cookies.iter().find(|c| c.starts_with("seqr_session=")).unwrap().clone();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    assert!(!session.contains("Secure"), "served over plain http on loopback: {session}");

    // The list: the larger amount at risk first; the cashier from the till is text, not markup.
    let (status, list) = eva.get("/").await;
    assert_eq!(status, 200, "{list}");
    let (at_big, at_small) = (list.find(&big).unwrap(), list.find(&small).unwrap());
    assert!(at_big < at_small, "by amount at risk: {list}");
    assert!(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !list.contains("<script>alert"), "{list}");
    let (status, filtered) = eva.get("/?category=MISSING_LOCALLY").await;
    assert!(status == 200 && !filtered.contains(&big), "{filtered}");

    // Another shop's user does not see shop-1's item, even by its address.
    let mut olle = Browser::new(&server);
    assert_eq!(olle.sign_in("olle", EVA_PASSWORD).await, 303);
    let (status, _) = olle.get(&format!("/item/shop-1/{big}")).await;
    assert_eq!(status, 404);
    let (_, olles) = olle.get("/").await;
    assert!(!olles.contains(&big), "{olles}");

    // Acting: without the session's token refused; with it done, under eva's name.
    let (status, page) = eva.get(&format!("/item/shop-1/{big}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("POS posted 70.00, SEQR has 80.00") && page.contains("p1.csv"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (status, _) = eva.post(&format!("/item/shop-1/{big}/acknowledge"), &[("note", "x"), ("csrf", "forged")]).await;
    assert_eq!(status, 403);
    let (status, _) = olle
        .post(&format!("/item/shop-1/{big}/resolve"), &[("how", "write-off"), ("note", "x"), ("csrf", &csrf)])
        .await;
    assert_eq!(status, 403, "olle's session has its own token");
    let (status, page) =
        eva.post(&format!("/item/shop-1/{big}/acknowledge"), &[("note", "calling anna"), ("csrf", &csrf)]).await;
    assert!(status == 200 && page.contains("Done: acknowledge"), "{page}");
    let (status, page) = eva
        .post(
            &format!("/item/shop-1/{small}/resolve"),
            &[("how", "correction"), ("note", "booked 20.00"), ("csrf", &csrf)],
        )
        .await;
    assert!(status == 200 && page.contains("Done: resolve"), "{page}");
    let (status, _) = eva.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, _) = eva.get("/").await;
    assert_eq!(status, 303, "signed out");
    drop(server);

    // The audit trail names eva; the next close lists the acknowledged item as in hand, not the resolved one.
    let out = f.cli(&["exception", "history", "--shop", "shop-1", "--reference", &big], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("acknowledged by eva: calling anna"), "{}", text(&out));
    assert!(f.cli(&["run", "--ad-hoc", "--shop", "shop-1"], &[]).status.success());
    let msgs = smtp.messages();
    let last = MessageParser::default().parse(&msgs.last().unwrap().data).unwrap();
    let body = last.body_text(0).unwrap().to_string();
    assert!(body.contains("acknowledged by eva (calling anna)"), "{body}");
    assert!(!body.contains(&format!("ref {small}")), "{body}");
    assert!(last.subject().unwrap().contains("nothing to do today"), "only an item in hand is left");
}

/// Five wrong passwords slow sign-in down: the sixth attempt is refused even
/// with the right password. Served as https, the session cookie is Secure.
#[tokio::test(flavor = "multi_thread")]
async fn guessing_passwords_is_braked_and_an_https_session_cookie_is_secure() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    configure(&f, "base_url = \"https://recon.example.com\"");
    let server = serve(&f).await;
    let mut guesser = Browser::new(&server);
    for _ in 0..5 {
        assert_eq!(guesser.sign_in("eva", "wrong").await, 401);
    }
    assert_eq!(guesser.sign_in("eva", EVA_PASSWORD).await, 429, "braked");
    drop(server);
    let server = serve(&f).await;
    let mut eva = Browser::new(&server);
    assert_eq!(eva.sign_in("eva", EVA_PASSWORD).await, 303);
    let session = eva.set_cookies.iter().find(|c| c.starts_with("seqr_session=")).unwrap();
    assert!(session.contains("Secure") && session.contains("HttpOnly"), "{session}");
}

/// A close running while an accountant resolves an item: both end, each as
/// if it came after the other (DuckDB lets one of them write at a time).
#[tokio::test(flavor = "multi_thread")]
async fn a_close_and_a_resolve_at_the_same_time_both_end_correctly() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    configure(&f, "");
    let sold = f.sale("30.00").await;
    f.posts("p1.csv", &[(sold.clone(), "25.00")]);
    assert!(f.cli(&["run", "--shop", "shop-1"], &[]).status.success());
    let server = serve(&f).await;
    let mut eva = Browser::new(&server);
    assert_eq!(eva.sign_in("eva", EVA_PASSWORD).await, 303);
    let (_, page) = eva.get(&format!("/item/shop-1/{sold}")).await;
    let csrf = hidden(&page, "csrf");

    // SEQR answers slowly: the close holds the database while the resolve comes in.
    f.bench.set_faults(seqr_recon::sim::Faults { latency_ms: 700, ..Default::default() }).await;
    let config = f.config.clone();
    let close = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
            .arg("--config")
            .arg(config)
            .args(["run", "--ad-hoc", "--shop", "shop-1"])
            .env("SEQR_TEST_RESELLER_PW", crate::helpers::RESELLER_PASSWORD)
            .env("SEQR_RECON_LOG", "warn")
            .output()
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let asked = std::time::Instant::now();
    let (status, answer) = eva
        .post(&format!("/item/shop-1/{sold}/resolve"), &[("how", "refund"), ("note", "refunded 5"), ("csrf", &csrf)])
        .await;
    let waited = asked.elapsed();
    let closed = close.join().unwrap();
    assert!(closed.status.success(), "the close ends: {}", text(&closed));
    assert!(status == 200 && answer.contains("Done: resolve (1 item(s))"), "the resolve ends: {answer}");
    assert!(waited > std::time::Duration::from_millis(500), "the resolve waited for the close: {waited:?}");
    f.bench.set_faults(seqr_recon::sim::Faults::default()).await;
    drop(server);

    // Whichever came first, the resolution holds from now on.
    assert!(f.cli(&["run", "--ad-hoc", "--shop", "shop-1"], &[]).status.success());
    let msgs = smtp.messages();
    let last = MessageParser::default().parse(&msgs.last().unwrap().data).unwrap();
    assert!(last.subject().unwrap().contains("no exceptions to act on"), "{:?}", last.subject());
    let out = f.cli(&["exception", "history", "--shop", "shop-1", "--reference", &sold], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("resolved (refund) by eva: refunded 5"), "{}", text(&out));
}
