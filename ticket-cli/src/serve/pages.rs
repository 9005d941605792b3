//! The HTML pages: search, ticket, new, edit, attach, time, timeline, export, and the static
//! files.
//!
//! Forms are read as lists of pairs (`Form<Vec<(String, String)>>`), so repeated fields (`tag`,
//! `key`/`value` rows, `remove_tag`) keep their order. Every submit is one change set; on an
//! error the form comes back with what was typed and the error above it, and nothing is
//! written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::Markup;
use ticket_core::{Status, Suggestions};

use super::api::{self, Operation, Upload};
use super::auth::Auth;
use super::error::ApiError;
use super::html::{self, EditForm, Frame, NewForm, SearchView, TimelineView};
use super::state::AppState;

type St = State<Arc<AppState>>;

/// Rows per page of the search page.
const PER_PAGE: u64 = 100;

/// Change sets per page of the timeline.
const TIMELINE_PER_PAGE: u64 = 50;

/// An error shown as a page.
pub struct PageError {
    page: Markup,
    status: StatusCode,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.status, self.page).into_response()
    }
}

fn name(st: &AppState) -> String {
    super::silo_name(&st.dir)
}

fn page_err(st: &AppState) -> impl Fn(ApiError) -> PageError + '_ {
    move |err| PageError {
        page: html::error_page(&frame(st, "", &name(st)), &err),
        status: err.status,
    }
}

fn frame<'a>(st: &'a AppState, title: &'a str, silo: &'a str) -> Frame<'a> {
    Frame {
        silo,
        title,
        base: &st.base,
        silos: &st.silos,
    }
}

fn render(st: &AppState, title: &str, body: Markup) -> Markup {
    html::page(&frame(st, title, &name(st)), body)
}

/// A submitted form: its fields in order.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// Non-empty values of a repeated field, trimmed.
    fn filled(&self, name: &str) -> Vec<String> {
        self.all(name)
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
    /// The `key`/`value` rows; a row with only one of the two is an error.
    fn properties(&self) -> Result<Vec<(String, String)>, ApiError> {
        let keys = self.all("key");
        let values = self.all("value");
        let mut out = Vec::new();
        for (k, v) in keys
            .iter()
            .zip(values.iter().chain(std::iter::repeat(&String::new())))
        {
            let (k, v) = (k.trim(), v.trim());
            match (k.is_empty(), v.is_empty()) {
                (true, true) => {}
                (false, false) => out.push((k.to_string(), v.to_string())),
                (false, true) => {
                    return Err(ApiError::bad_request(format!("property {k} has no value")))
                }
                (true, false) => {
                    return Err(ApiError::bad_request(format!("the value {v} has no key")))
                }
            }
        }
        Ok(out)
    }
}

/// Text from a `textarea` (browsers send CRLF line ends).
fn text(t: &str) -> String {
    t.replace("\r\n", "\n")
}

#[derive(Debug, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: String,
}

/// `/?q=KEY&sort=RULE&page=N`: the search page.
pub async fn search(State(st): St, Query(p): Query<SearchParams>) -> Response {
    let page = p.page.trim().parse::<u64>().unwrap_or(1).max(1);
    // The count and the page are two statements: run them at once on two read handles.
    let (q1, sort1) = (p.q.clone(), p.sort.clone());
    let (q2, sort2) = (p.q.clone(), p.sort.clone());
    let (total, rows) = tokio::join!(
        st.read(move |silo| {
            silo.count(&q1)
                .map_err(|e| ApiError::from_search(e, &q1, &sort1))
        }),
        st.read(move |silo| {
            silo.search_page(&q2, &sort2, Some(PER_PAGE), (page - 1) * PER_PAGE)
                .map_err(|e| ApiError::from_search(e, &q2, &sort2))
        })
    );
    // a key error is the count's; a sort error only the page's
    let result = total.and_then(|t| rows.map(|r| (t, r)));
    let config = st.config();
    let (status, view_total, rows, error) = match result {
        Ok((total, rows)) => (StatusCode::OK, Some(total), rows, None),
        Err(e) => (e.status, None, Vec::new(), Some(e)),
    };
    let view = SearchView {
        base: &st.base,
        q: &p.q,
        sort: &p.sort,
        page,
        per_page: PER_PAGE,
        total: view_total,
        rows: &rows,
        error: error.as_ref(),
    };
    let title = if p.q.is_empty() { "Search" } else { &p.q };
    (status, render(&st, title, html::search(&config, &view))).into_response()
}

/// `/export?format=csv|json|full&q=&sort=`: the search's export as a download.
pub async fn export(
    State(st): St,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    api::export_response(&st, &get("format"), get("q"), get("sort"))
        .await
        .map_err(page_err(&st))
}

/// `/t/N`: a ticket.
pub async fn ticket(State(st): St, Path(n): Path<String>) -> Result<Markup, PageError> {
    let (t, history) = st
        .read(move |silo| Ok((silo.get(&n)?, silo.history(&n)?)))
        .await
        .map_err(page_err(&st))?;
    let title = format!("#{} {}", t.number, t.title);
    let body = html::ticket(&st.config(), &st.base, st.offset, &t, &history);
    Ok(render(&st, &title, body))
}

/// `/t/N/a/K`: an attachment's content, always as a download (never rendered by the browser).
pub async fn attachment(
    State(st): St,
    Path((n, k)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    let (name, bytes) = st
        .read(move |silo| {
            let t = silo.get(&n)?;
            let a =
                t.attachments.iter().find(|a| a.n == k).ok_or_else(|| {
                    ApiError::not_found(format!("ticket {n} has no attachment {k}"))
                })?;
            let bytes = silo
                .content(&a.sha256)
                .map_err(|e| ApiError::internal(format!("attachment {k}: {e}")))?
                .ok_or_else(|| {
                    ApiError::internal(format!("attachment {k}: its content is missing"))
                })?;
            Ok((a.name.clone(), bytes))
        })
        .await
        .map_err(page_err(&st))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&name)),
        ],
        bytes,
    )
        .into_response())
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        super::url::encode(name)
    )
}

async fn suggestions(st: &Arc<AppState>) -> Suggestions {
    // Completion is a help: a failure leaves the lists empty.
    st.read(|silo| Ok(silo.suggestions()?))
        .await
        .unwrap_or_default()
}

fn new_page(
    st: &AppState,
    auth: &Auth,
    s: &Suggestions,
    form: &NewForm,
    error: Option<&ApiError>,
) -> Markup {
    render(
        st,
        "New ticket",
        html::new_ticket(&st.config(), &st.base, auth.csrf(), s, form, error),
    )
}

/// `GET /new`: the new-ticket form.
pub async fn new_form(State(st): St, Extension(auth): Extension<Auth>) -> Markup {
    let s = suggestions(&st).await;
    new_page(&st, &auth, &s, &NewForm::default(), None)
}

/// `POST /new`: creates the ticket (one change set) and goes to it.
pub async fn new_submit(
    State(st): St,
    Extension(auth): Extension<Auth>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    if let Err(e) = auth.check_form(Some(f.one("csrf"))) {
        return page_err(&st)(e).into_response();
    }
    let form = NewForm {
        title: f.one("title").to_string(),
        summary: text(f.one("summary")),
        rule: f.one("rule").to_string(),
        tags: f.filled("tag"),
        properties: Vec::new(),
    };
    let result = match f.properties() {
        Ok(props) => {
            let form = NewForm {
                properties: props,
                ..form.clone()
            };
            st.write(move |silo| {
                Ok(api::create_ticket(
                    silo,
                    &form.title,
                    &form.summary,
                    &form.rule,
                    &form.tags,
                    &form.properties,
                )?)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => Redirect::to(&format!("{}/t/{n}", st.base)).into_response(),
        Err(e) => {
            let keys = f.all("key");
            let values = f.all("value");
            let form = NewForm {
                properties: keys.into_iter().zip(values).collect(),
                ..form
            };
            let s = suggestions(&st).await;
            (e.status, new_page(&st, &auth, &s, &form, Some(&e))).into_response()
        }
    }
}

async fn edit_page(
    st: &Arc<AppState>,
    auth: &Auth,
    n: String,
    form: &EditForm,
    error: Option<&ApiError>,
) -> Result<Markup, PageError> {
    let t = st
        .read(move |silo| Ok(silo.get(&n)?))
        .await
        .map_err(page_err(st))?;
    let s = suggestions(st).await;
    let title = format!("Edit #{}", t.number);
    Ok(render(
        st,
        &title,
        html::edit(&st.config(), &st.base, auth.csrf(), &s, &t, form, error),
    ))
}

/// `GET /t/N/edit`: the edit form.
pub async fn edit_form(
    State(st): St,
    Extension(auth): Extension<Auth>,
    Path(n): Path<String>,
) -> Result<Markup, PageError> {
    edit_page(&st, &auth, n, &EditForm::default(), None).await
}

/// The operations an edit form asks for: only what differs from what the form showed
/// (`orig_*`), so two people editing different fields do not undo each other.
fn edit_operations(f: &Fields) -> Result<Vec<Operation>, ApiError> {
    let mut ops = Vec::new();
    let title = f.one("title");
    if title != f.one("orig_title") {
        ops.push(Operation::SetTitle {
            title: title.to_string(),
        });
    }
    let summary = text(f.one("summary"));
    if summary != text(f.one("orig_summary")) {
        ops.push(Operation::SetSummary { summary });
    }
    let status = f.one("status");
    let other = f.one("other").trim();
    let changed = match (
        status.parse::<Status>(),
        f.one("orig_status").parse::<Status>(),
    ) {
        (Ok(a), Ok(b)) => a != b,
        _ => true,
    };
    if !status.is_empty() && (changed || !other.is_empty()) {
        ops.push(Operation::SetStatus {
            status: status.to_string(),
            other: Some(other.to_string()).filter(|o| !o.is_empty()),
        });
    }
    for tag in f.all("remove_tag") {
        ops.push(Operation::RemoveTag { tag });
    }
    for tag in f.filled("tag") {
        ops.push(Operation::AddTag { tag });
    }
    for p in f.all("remove_prop") {
        let (key, value): (String, String) = serde_json::from_str(&p)
            .map_err(|_| ApiError::bad_request("a property to remove is malformed"))?;
        ops.push(Operation::RemoveProperty {
            key,
            value: Some(value),
        });
    }
    for (key, value) in f.properties()? {
        ops.push(Operation::AddProperty { key, value });
    }
    let entry = text(f.one("entry"));
    let minutes = f.one("minutes").trim();
    let minutes: u32 = if minutes.is_empty() {
        0
    } else {
        minutes.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "minutes must be a whole number ≥ 0, not {minutes:?}"
            ))
        })?
    };
    if !entry.trim().is_empty() {
        ops.push(Operation::AddEntry {
            text: entry,
            minutes,
        });
    } else if minutes > 0 {
        return Err(ApiError::bad_request("minutes need an entry text"));
    }
    Ok(ops)
}

/// `POST /t/N/edit`: every change of the form as one change set.
pub async fn edit_submit(
    State(st): St,
    Extension(auth): Extension<Auth>,
    Path(n): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    if let Err(e) = auth.check_form(Some(f.one("csrf"))) {
        return page_err(&st)(e).into_response();
    }
    let number = n.clone();
    let result = match edit_operations(&f) {
        Ok(ops) if ops.is_empty() => Ok(()),
        Ok(ops) => {
            st.write(move |silo| Ok(api::apply(silo, &number, ops, None)?))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("{}/t/{}", st.base, n.trim().to_uppercase())).into_response()
        }
        Err(e) => {
            let form = EditForm {
                tags: f.filled("tag"),
                properties: f.all("key").into_iter().zip(f.all("value")).collect(),
                entry: text(f.one("entry")),
                minutes: f.one("minutes").to_string(),
                other: f.one("other").to_string(),
            };
            match edit_page(&st, &auth, n, &form, Some(&e)).await {
                Ok(page) => (e.status, page).into_response(),
                Err(_) => page_err(&st)(e).into_response(),
            }
        }
    }
}

/// `POST /t/N/attach` (multipart: `csrf`, `file`, `comment`): one change set.
pub async fn attach(
    State(st): St,
    Extension(auth): Extension<Auth>,
    Path(n): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = None;
    let mut comment = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("the upload is malformed: {e}"))
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(bad)
        .map_err(page_err(&st))?
    {
        match field.name().unwrap_or("") {
            "csrf" => csrf = Some(field.text().await.map_err(bad).map_err(page_err(&st))?),
            "comment" => comment = field.text().await.map_err(bad).map_err(page_err(&st))?,
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(bad).map_err(page_err(&st))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    auth.check_form(csrf.as_deref()).map_err(page_err(&st))?;
    let (name, bytes) = file
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| ApiError::bad_request("choose a file to attach"))
        .map_err(page_err(&st))?;
    let number = n.clone();
    st.write(move |silo| {
        let upload = Upload {
            name,
            bytes,
            comment,
        };
        Ok(api::apply(silo, &number, Vec::new(), Some(upload))?)
    })
    .await
    .map_err(page_err(&st))?;
    Ok(Redirect::to(&format!("{}/t/{}", st.base, n.trim().to_uppercase())).into_response())
}

/// `/time?q=&by=&from=&to=`: the time report.
pub async fn time(State(st): St, Query(p): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let (q, by, from, to) = (get("q"), get("by"), get("from"), get("to"));
    let ask = !by.trim().is_empty();
    let (q2, by2, from2, to2) = (q.clone(), by.clone(), from.clone(), to.clone());
    let result = st
        .read(move |silo| {
            let keys = silo.suggestions()?.keys;
            let report = if ask {
                Some(api::time_report(silo, &q2, &by2, &from2, &to2))
            } else {
                None
            };
            Ok((keys, report))
        })
        .await;
    let (keys, report) = match result {
        Ok(x) => x,
        Err(e) => return page_err(&st)(e).into_response(),
    };
    let (report, error) = match report {
        Some(Ok(r)) => (Some(r), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let body = html::time_report(
        &st.base,
        &html::TimeForm {
            q: &q,
            by: &by,
            from: &from,
            to: &to,
        },
        &keys,
        report.as_ref(),
        error.as_ref(),
    );
    (status, render(&st, "Time", body)).into_response()
}

/// `/timeline?q=&author=&page=N`: the silo's change sets newest first.
pub async fn timeline(State(st): St, Query(p): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let (q, author) = (get("q"), get("author"));
    let page = get("page").trim().parse::<u64>().unwrap_or(1).max(1);
    let (q2, author2) = (q.clone(), author.clone());
    let result = st
        .read(move |silo| {
            api::timeline_page(
                silo,
                &q2,
                &author2,
                (page - 1) * TIMELINE_PER_PAGE,
                TIMELINE_PER_PAGE,
            )
        })
        .await;
    let (status, sets, more, error) = match result {
        Ok((sets, more)) => (StatusCode::OK, sets, more, None),
        Err(e) => (e.status, Vec::new(), false, Some(e)),
    };
    let view = TimelineView {
        base: &st.base,
        q: &q,
        author: &author,
        page,
        more,
        sets: &sets,
        error: error.as_ref(),
    };
    let body = html::timeline(st.offset, &view);
    (status, render(&st, "Timeline", body)).into_response()
}

/// `/static/app.js`.
pub async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("assets/app.js"),
    )
        .into_response()
}

/// `/static/app.css`.
pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("assets/app.css"),
    )
        .into_response()
}

/// `/static/silo.css`: the styling rules' colours.
pub async fn silo_css(State(st): St) -> Response {
    // the stylesheet reads no ticket: it looks at the configuration itself
    let _ = st.read(|silo| Ok(silo.refresh_config()?)).await;
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html::silo_css(&st.config()),
    )
        .into_response()
}

/// Any other address.
pub async fn not_found(State(st): St) -> PageError {
    page_err(&st)(ApiError::not_found("no such page"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn disposition_is_safe() {
        assert_eq!(
            super::content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }
}
