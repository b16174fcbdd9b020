//! `seqr-recon serve`: the worklist accountants act on in the browser. The
//! open items as the email lists them, one item with its whole history, the
//! actions (acknowledge, snooze, resolve, reopen) through the same code as
//! the CLI (`worklist`), and the closes with their files.
//!
//! It never costs a night: a page opens the database only while it answers,
//! one page at a time, and waits at most `[web] wait_seconds` for a close
//! that holds it; then it says a close is running and to try again, and
//! changes nothing. A close that finds a page in the database waits the few
//! milliseconds it takes. Both write through DuckDB's one-writer lock, so a
//! resolve and a close end as if one came after the other.

mod auth;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub use auth::hash_password;
use auth::{cookie, same_token, Session, Sessions, LOGIN_COOKIE, SESSION_COOKIE};
pub use pages::item_href;

use crate::config::{Config, Shop, WebUser};
use crate::domain::{Resolution, ShopId};
use crate::store::Store;
use crate::worklist;

/// What every request shares.
struct Web {
    cfg: Config,
    sessions: Sessions,
    /// One page at a time in the database: DuckDB admits one writer per file.
    db: tokio::sync::Mutex<()>,
    /// The session cookie is `Secure` when people reach the pages over https.
    secure: bool,
}

/// Serves the worklist on `listen` until the process is stopped.
pub async fn serve(cfg: Config, listen: SocketAddr) -> anyhow::Result<()> {
    if cfg.web.users.is_empty() {
        anyhow::bail!(
            "{}: [web] has no [[web.user]]: nobody could sign in. Add one with `seqr-recon user add --name NAME \
             --shops SHOP` and paste what it prints",
            cfg.path.display()
        );
    }
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen} ([web] listen)"))?;
    let address = listener.local_addr()?;
    println!("serving the worklist on http://{address}/ (stop with Ctrl-C)");
    tracing::info!(%address, "serving the worklist");
    axum::serve(listener, router(cfg).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(crate::stop::asked())
        .await?;
    Ok(())
}

/// The application: every page and action.
pub fn router(cfg: Config) -> Router {
    let secure = cfg.web.base_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let web = Arc::new(Web { cfg, sessions: Sessions::default(), db: tokio::sync::Mutex::new(()), secure });
    Router::new()
        .route("/", get(list))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/item/{shop}/{reference}", get(item))
        .route("/item/{shop}/{reference}/{action}", post(act))
        .route("/closes", get(closes))
        .route("/closes/{shop}/{period}/{file}", get(download))
        .with_state(web)
}

/// A page's answer when it cannot give the page.
enum Refusal {
    /// Not signed in: to the sign-in form.
    SignIn,
    /// Not there, or not this user's to see (the same answer, so nothing leaks).
    NotFound,
    /// A form without its token.
    Forbidden,
    /// A close holds the database.
    Busy,
    /// Something failed; said in words.
    Failed(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/login").into_response(),
            Refusal::NotFound => {
                (StatusCode::NOT_FOUND, pages::message("Not found", "There is no such page.")).into_response()
            }
            Refusal::Forbidden => (
                StatusCode::FORBIDDEN,
                pages::message(
                    "Refused",
                    "The form was not sent from this site's page; open the page again and send it from there.",
                ),
            )
                .into_response(),
            Refusal::Busy => {
                (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "10")], pages::busy()).into_response()
            }
            Refusal::Failed(what) => {
                (StatusCode::INTERNAL_SERVER_ERROR, pages::message("Something went wrong", &what)).into_response()
            }
        }
    }
}

impl Web {
    /// The signed-in user of a request.
    fn user(&self, headers: &HeaderMap) -> Result<(Session, &WebUser), Refusal> {
        let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let session = cookie(cookies, SESSION_COOKIE).and_then(|key| self.sessions.get(key)).ok_or(Refusal::SignIn)?;
        let user = self.cfg.web.users.iter().find(|u| u.name == session.user).ok_or(Refusal::SignIn)?;
        Ok((session, user))
    }

    /// The shops `user` sees, in the config's order.
    fn shops_of(&self, user: &WebUser) -> Vec<&Shop> {
        self.cfg.shops.iter().filter(|s| user.sees(&s.id)).collect()
    }

    /// `shop_id` if `user` sees it.
    fn shop_for(&self, user: &WebUser, shop_id: &str) -> Result<&Shop, Refusal> {
        self.shops_of(user).into_iter().find(|s| s.id == shop_id).ok_or(Refusal::NotFound)
    }

    fn cookie(&self, name: &str, value: &str, max_age: Option<f64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(seconds) = max_age {
            c.push_str(&format!("; Max-Age={}", seconds as i64));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

/// Runs `work` on the database, opened for this request only: a close that
/// holds it makes the page say so after `[web] wait_seconds`.
async fn with_store<T: Send + 'static>(
    web: &Arc<Web>,
    work: impl FnOnce(&Store) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Refusal> {
    let _one_at_a_time = web.db.lock().await;
    let mut settings = web.cfg.store.clone();
    settings.lock_wait_seconds = web.cfg.web.wait_seconds;
    let done = tokio::task::spawn_blocking(move || {
        let store = match Store::open_configured(&settings) {
            Ok(store) => store,
            Err(e) if crate::store::is_busy(&e) => return Ok(Err(Refusal::Busy)),
            Err(e) => return Err(e),
        };
        work(&store).map(Ok)
    })
    .await
    .map_err(|e| Refusal::Failed(e.to_string()))?;
    match done {
        Ok(result) => result,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "a worklist page failed");
            Err(Refusal::Failed(format!("{e:#}")))
        }
    }
}

async fn login_form(State(web): State<Arc<Web>>) -> Response {
    let token = auth::token();
    let set = web.cookie(LOGIN_COOKIE, &token, Some(3600.0));
    ([(header::SET_COOKIE, set)], pages::login(&token, None)).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

async fn login(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !cookie(cookies, LOGIN_COOKIE).is_some_and(|t| same_token(t, &form.csrf)) {
        return Refusal::Forbidden.into_response();
    }
    let ip = peer.ip().to_string();
    let keys = [form.name.as_str(), ip.as_str()];
    if web.sessions.braked(&keys) {
        let page = pages::login(&form.csrf, Some("Too many wrong passwords: wait five minutes, then try again."));
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "300")], page).into_response();
    }
    let user = web.cfg.web.users.iter().find(|u| u.name == form.name);
    if !user.is_some_and(|u| auth::password_matches(u, &form.password)) {
        web.sessions.failed(&keys);
        tracing::warn!(name = %form.name, %ip, "a wrong name or password at sign-in");
        let page = pages::login(&form.csrf, Some("Wrong name or password."));
        return (StatusCode::UNAUTHORIZED, page).into_response();
    }
    web.sessions.succeeded(&keys);
    let key = web.sessions.open(&form.name, web.cfg.web.sign_in_hours);
    let set = web.cookie(SESSION_COOKIE, &key, None);
    ([(header::SET_COOKIE, set)], Redirect::to("/")).into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(web): State<Arc<Web>>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    let Ok((session, _)) = web.user(&headers) else { return Redirect::to("/login").into_response() };
    if !same_token(&session.csrf, &form.csrf) {
        return Refusal::Forbidden.into_response();
    }
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(key) = cookie(cookies, SESSION_COOKIE) {
        web.sessions.close(key);
    }
    ([(header::SET_COOKIE, web.cookie(SESSION_COOKIE, "", Some(0.0)))], Redirect::to("/login")).into_response()
}

/// The list's filters (`?shop=…&category=…&state=…&min_age=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// One shop.
    pub shop: Option<String>,
    /// One category.
    pub category: Option<String>,
    /// One state (open, acknowledged, snoozed, reopened).
    pub state: Option<String>,
    /// Open at least this many days.
    pub min_age: Option<i64>,
}

async fn list(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Result<Response, Refusal> {
    let (session, user) = web.user(&headers)?;
    let shops: Vec<Shop> = web
        .shops_of(user)
        .into_iter()
        .filter(|s| filters.shop.as_deref().is_none_or(|f| f.is_empty() || s.id == f))
        .cloned()
        .collect();
    let ids: Vec<ShopId> = shops.iter().map(|s| s.id.clone()).collect();
    let lists = with_store(&web, move |store| {
        ids.iter().map(|id| Ok((id.clone(), worklist::todo(store, id)?))).collect::<anyhow::Result<Vec<_>>>()
    })
    .await?;
    Ok(pages::list(&session, &web.shops_of(user), &shops, &lists, &filters).into_response())
}

async fn item(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((shop_id, reference)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (session, user) = web.user(&headers)?;
    let shop = web.shop_for(user, &shop_id)?.clone();
    let (id, r) = (shop.id.clone(), reference.clone());
    let page = with_store(&web, move |store| store.item_page(&id, &r)).await?;
    if page.is_empty() {
        return Err(Refusal::NotFound);
    }
    Ok(pages::item(&session, &shop, &reference, &page, None).into_response())
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    #[serde(default)]
    note: String,
    until: Option<String>,
    how: Option<String>,
}

async fn act(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((shop_id, reference, action)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, Refusal> {
    let (session, user) = web.user(&headers)?;
    if !same_token(&session.csrf, &form.csrf) {
        return Err(Refusal::Forbidden);
    }
    let shop = web.shop_for(user, &shop_id)?.clone();
    let by = user.name.clone();
    let (r, note) = (reference.clone(), form.note.clone());
    let shop_for_work = shop.clone();
    let outcome = with_store(&web, move |store| {
        let done = match action.as_str() {
            "acknowledge" => worklist::acknowledge(store, &shop_for_work.id, &r, &note, &by),
            "snooze" => {
                let until = form.until.as_deref().unwrap_or("").parse::<chrono::NaiveDate>();
                match until {
                    Ok(until) => worklist::snooze(store, &shop_for_work, &r, until, &note, &by),
                    Err(_) => Err(anyhow::anyhow!("give the day to list it again, as YYYY-MM-DD")),
                }
            }
            "resolve" => match form.how.as_deref().unwrap_or("").parse::<Resolution>() {
                Ok(how) => worklist::resolve(store, &shop_for_work.id, &r, how, &note, &by),
                Err(e) => Err(anyhow::anyhow!(e)),
            },
            "reopen" => worklist::reopen(store, &shop_for_work.id, &r, &note, &by),
            _ => return Ok(None),
        };
        let said = match done {
            Ok(n) => format!("Done: {action} ({n} item(s)), recorded under your name."),
            Err(e) => format!("Not done: {e:#}"),
        };
        Ok(Some((said, store.item_page(&shop_for_work.id, &r)?)))
    })
    .await?;
    let Some((said, page)) = outcome else { return Err(Refusal::NotFound) };
    Ok(pages::item(&session, &shop, &reference, &page, Some(&said)).into_response())
}

async fn closes(State(web): State<Arc<Web>>, headers: HeaderMap) -> Result<Response, Refusal> {
    let (session, user) = web.user(&headers)?;
    let shops: Vec<Shop> = web.shops_of(user).into_iter().cloned().collect();
    let ids: Vec<ShopId> = shops.iter().map(|s| s.id.clone()).collect();
    let lines = with_store(&web, move |store| {
        ids.iter().map(|id| Ok((id.clone(), store.recent_closes(id)?))).collect::<anyhow::Result<Vec<_>>>()
    })
    .await?;
    Ok(pages::closes(&session, &shops, &lines).into_response())
}

/// The files of a close people may download, and their types.
const FILES: &[(&str, &str)] = &[
    ("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("summary.csv", "text/csv; charset=utf-8"),
    ("exceptions.csv", "text/csv; charset=utf-8"),
    ("transactions.csv", "text/csv; charset=utf-8"),
    ("email.eml", "message/rfc822"),
];

async fn download(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((shop_id, period, file)): Path<(String, String, String)>,
) -> Result<Response, Refusal> {
    let (_, user) = web.user(&headers)?;
    let shop = web.shop_for(user, &shop_id)?;
    let Some((name, kind)) = FILES.iter().find(|(name, _)| *name == file) else { return Err(Refusal::NotFound) };
    // The period must be one of the shop's closes: nothing from the address becomes a path unchecked.
    let (id, p) = (shop.id.clone(), period.clone());
    let known = with_store(&web, move |store| {
        store.recent_closes(&id).map(|c| c.into_iter().find(|c| c.period_id.as_deref() == Some(p.as_str())))
    })
    .await?;
    let Some(close) = known else { return Err(Refusal::NotFound) };
    let path = if *name == "email.eml" {
        close.eml_path.map(std::path::PathBuf::from).ok_or(Refusal::NotFound)?
    } else {
        crate::paths::under(&web.cfg.reports.dir, &[&shop.id, &period]).map_err(|_| Refusal::NotFound)?.join(name)
    };
    let bytes = tokio::fs::read(&path).await.map_err(|_| Refusal::NotFound)?;
    let disposition = format!("attachment; filename=\"{}-{period}-{name}\"", shop.id);
    Ok(([(header::CONTENT_TYPE, kind.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
