//! The JSON API under `/api/v1/` (described by `assets/openapi.json`), and the calls it shares
//! with the pages: export, creation and edits.
//!
//! Tickets, rows and history records have the shapes `ticket --format json` prints (`dt`,
//! `lt`, `dt --history`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use ticket_core::{ExportFormat, NewTicket, Silo, TicketNumber};

use super::error::ApiError;
use super::state::AppState;
use crate::output::json;
use crate::output::tickets::RowView;

type St = State<Arc<AppState>>;
type Params = Query<HashMap<String, String>>;

/// Default and largest page of `search`.
const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 10_000;

fn param<'a>(p: &'a HashMap<String, String>, name: &str) -> &'a str {
    p.get(name).map(String::as_str).unwrap_or("")
}

fn number_param(p: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, ApiError> {
    match p.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            ApiError::bad_request(format!("{name} must be a whole number ≥ 0, not {text:?}"))
        }),
    }
}

pub(super) fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the request body is not what it should be: {e}"))
    })
}

/// `GET search?q=&sort=&limit=&offset=`: `{"total", "limit", "offset", "rows"}`.
pub async fn search(State(st): St, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let limit = number_param(&p, "limit", DEFAULT_LIMIT)?.min(MAX_LIMIT);
    let offset = number_param(&p, "offset", 0)?;
    let (q1, sort1) = (param(&p, "q").to_string(), param(&p, "sort").to_string());
    let (q2, sort2) = (q1.clone(), sort1.clone());
    // the count and the page at once, on two read handles
    let (total, rows) = tokio::join!(
        st.read(move |silo| {
            silo.count(&q1)
                .map_err(|e| ApiError::from_search(e, &q1, &sort1))
        }),
        st.read(move |silo| {
            let rows = silo
                .search_page(&q2, &sort2, Some(limit), offset)
                .map_err(|e| ApiError::from_search(e, &q2, &sort2))?;
            Ok(rows
                .iter()
                .map(|r| json::row(&RowView::from(r)))
                .collect::<Vec<Value>>())
        })
    );
    let (total, rows) = (total?, rows?);
    Ok(Json(
        json!({"total": total, "limit": limit, "offset": offset, "rows": rows}),
    ))
}

/// `GET tickets/N`: the ticket as `dt --format json` gives it.
pub async fn ticket(State(st): St, Path(n): Path<String>) -> Result<Json<Value>, ApiError> {
    st.read(move |silo| Ok(Json(json::ticket(&silo.get(&n)?))))
        .await
}

/// `GET tickets/N/history`: the change records, oldest first.
pub async fn history(State(st): St, Path(n): Path<String>) -> Result<Json<Value>, ApiError> {
    st.read(move |silo| {
        let changes = silo.history(&n)?;
        Ok(Json(changes.iter().map(json::change).collect()))
    })
    .await
}

/// A property in a request: `{"key": K, "value": V}` or `[K, V]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PropertyIn {
    /// `{"key", "value"}`.
    Object {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// `[key, value]`.
    Pair(String, String),
}

impl PropertyIn {
    fn pair(self) -> (String, String) {
        match self {
            PropertyIn::Object { key, value } | PropertyIn::Pair(key, value) => (key, value),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    properties: Vec<PropertyIn>,
}

/// Creates a ticket from a creation rule plus extra tags and properties: the core's
/// `Silo::create_ticket`, one change set validated once (an empty rule is the default one).
pub fn create_ticket(
    silo: &Silo,
    title: &str,
    summary: &str,
    rule: &str,
    tags: &[String],
    properties: &[(String, String)],
) -> ticket_core::Result<TicketNumber> {
    silo.create_ticket(
        None,
        Some(rule),
        NewTicket {
            title: title.to_string(),
            summary: summary.to_string(),
            tags: tags.to_vec(),
            properties: properties.to_vec(),
            ..NewTicket::default()
        },
    )
}

/// `POST tickets`: `{"title", "summary", "rule", "tags", "properties"}` → 201 and the ticket.
pub async fn create(State(st): St, body: Bytes) -> Result<Response, ApiError> {
    let b: CreateBody = parse_body(&body)?;
    let props: Vec<(String, String)> = b.properties.into_iter().map(PropertyIn::pair).collect();
    let ticket = st
        .write(move |silo| {
            let n = create_ticket(silo, &b.title, &b.summary, &b.rule, &b.tags, &props)?;
            Ok(silo.get(n.as_str())?)
        })
        .await?;
    let location = format!("/api/v1/tickets/{}", ticket.number);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json::ticket(&ticket)),
    )
        .into_response())
}

/// One operation of an edit.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// New title.
    SetTitle {
        /// Title.
        title: String,
    },
    /// New summary.
    SetSummary {
        /// Summary.
        summary: String,
    },
    /// New status; `other` for Merged and Duplicate.
    SetStatus {
        /// Name or letter.
        status: String,
        /// The other ticket.
        #[serde(default)]
        other: Option<String>,
    },
    /// Add a tag.
    AddTag {
        /// Tag.
        tag: String,
    },
    /// Remove a tag.
    RemoveTag {
        /// Tag.
        tag: String,
    },
    /// Add a property.
    AddProperty {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Change one value of a property.
    ChangeProperty {
        /// Key.
        key: String,
        /// Current value.
        old: String,
        /// New value.
        new: String,
    },
    /// Remove every value of a key, or only `value`.
    RemoveProperty {
        /// Key.
        key: String,
        /// Value.
        #[serde(default)]
        value: Option<String>,
    },
    /// Add an entry.
    AddEntry {
        /// Text.
        text: String,
        /// Minutes spent.
        #[serde(default)]
        minutes: u32,
    },
    /// Hide an entry.
    RemoveEntry {
        /// Entry number.
        n: u32,
    },
    /// Hide an attachment.
    RemoveAttachment {
        /// Attachment number.
        n: u32,
    },
    /// Attach a file given as base64.
    AddAttachment {
        /// File name.
        name: String,
        /// The content, base64 (standard alphabet; padding and white space optional).
        content_base64: String,
        /// Comment.
        #[serde(default)]
        comment: String,
    },
}

/// Decodes standard base64 (`A-Z a-z 0-9 + /`), ignoring white space and `=` padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // leftover bits must be padding zeros (fewer than 6)
    (bits < 6 && acc == 0).then_some(out)
}

/// A file to attach in an edit.
pub struct Upload {
    /// File name.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Comment.
    pub comment: String,
}

/// Applies operations (and an upload) to ticket `n` as one change set.
pub fn apply(
    silo: &Silo,
    n: &str,
    ops: Vec<Operation>,
    upload: Option<Upload>,
) -> ticket_core::Result<()> {
    let mut edit = silo.edit(n);
    for op in ops {
        match op {
            Operation::SetTitle { title } => edit.set_title(&title),
            Operation::SetSummary { summary } => edit.set_summary(&summary),
            Operation::SetStatus { status, other } => {
                edit.set_status(&status, other.as_deref().filter(|o| !o.trim().is_empty()))
            }
            Operation::AddTag { tag } => edit.add_tag(&tag),
            Operation::RemoveTag { tag } => edit.remove_tag(&tag),
            Operation::AddProperty { key, value } => edit.add_property(&key, &value),
            Operation::ChangeProperty { key, old, new } => edit.change_property(&key, &old, &new),
            Operation::RemoveProperty { key, value: None } => edit.remove_property_k(&key),
            Operation::RemoveProperty {
                key,
                value: Some(v),
            } => edit.remove_property_kv(&key, &v),
            Operation::AddEntry { text, minutes } => edit.add_entry(&text, minutes),
            Operation::RemoveEntry { n } => edit.remove_entry(n),
            Operation::RemoveAttachment { n } => edit.remove_attachment(n),
            Operation::AddAttachment {
                name,
                content_base64,
                comment,
            } => {
                let bytes =
                    decode_base64(&content_base64).ok_or_else(|| ticket_core::Error::Invalid {
                        what: "attachment content",
                        value: name.clone(),
                        reason: "content_base64 is not base64".to_string(),
                    })?;
                edit.add_attachment(&name, &bytes, &comment)
            }
        };
    }
    if let Some(u) = upload {
        edit.add_attachment(&u.name, &u.bytes, &u.comment);
    }
    edit.commit()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    operations: Vec<Operation>,
}

/// `POST tickets/N/edit`: `{"operations": [{"op": "add_tag", "tag": "x"}, …]}`, one change
/// set; answers the ticket after it.
pub async fn edit(
    State(st): St,
    Path(n): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: EditBody = parse_body(&body)?;
    if b.operations.is_empty() {
        return Err(ApiError::bad_request("operations is empty: nothing to do"));
    }
    st.write(move |silo| {
        apply(silo, &n, b.operations, None)?;
        Ok(Json(json::ticket(&silo.get(&n)?)))
    })
    .await
}

/// Bytes of the export on their way to the response body: written by the blocking export in
/// 64 KiB pieces; a client that goes away ends the export (the write fails as a broken pipe).
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    const PIECE: usize = 64 * 1024;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::PIECE));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::PIECE {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The export of a search as a download (shared with the page's export buttons), streamed:
/// the key and sort rule are checked first (a bad one is a 400 before any byte is sent), then
/// the core writes the export into the response body as it reads the tickets, so a full
/// export of a big silo is never held in memory.
pub async fn export_response(
    st: &Arc<AppState>,
    format: &str,
    q: String,
    sort: String,
) -> Result<Response, ApiError> {
    let format_text = if format.is_empty() { "json" } else { format };
    let format: ExportFormat = format_text.parse().map_err(ApiError::from)?;
    let (content_type, file) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "tickets.csv"),
        ExportFormat::Json => ("application/json", "tickets.json"),
        ExportFormat::Full => ("application/json", "tickets-full.json"),
    };
    let (q2, sort2) = (q.clone(), sort.clone());
    st.read(move |silo| {
        silo.explain(&q2, &sort2)
            .map(|_| ())
            .map_err(|e| ApiError::from_search(e, &q2, &sort2))
    })
    .await?;
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    st.read_detached(move |silo| {
        let mut out = ChannelWriter {
            tx,
            buf: Vec::with_capacity(ChannelWriter::PIECE),
        };
        let result = match silo {
            Ok(silo) => silo
                .export(format, &q, &sort, &mut out)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.message),
        };
        let ended =
            result.and_then(|()| std::io::Write::flush(&mut out).map_err(|e| e.to_string()));
        if let Err(message) = ended {
            // the body ends with an error: the client sees a cut-off download, not a whole one
            let _ = out.tx.blocking_send(Err(std::io::Error::other(message)));
        }
    })
    .await?;
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

/// `GET export?format=csv|json|full&q=&sort=`.
pub async fn export(State(st): St, Query(p): Params) -> Result<Response, ApiError> {
    let (q, sort) = (param(&p, "q").to_string(), param(&p, "sort").to_string());
    export_response(&st, param(&p, "format"), q, sort).await
}

/// A date expression of a time report (`--from`/`--to` of the CLI).
pub fn report_day(
    what: &'static str,
    text: &str,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: String| {
        ApiError::from(ticket_core::Error::Invalid {
            what,
            value: text.to_string(),
            reason,
        })
    };
    let expr = ticket_query::parse_date_expr(text).map_err(|e| invalid(e.message.clone()))?;
    let day = expr
        .resolve(today)
        .ok_or_else(|| invalid("date out of range".to_string()))?;
    Ok(Some(day.date()))
}

/// The time report of a search (shared with the page).
pub fn time_report(
    silo: &Silo,
    q: &str,
    by: &str,
    from: &str,
    to: &str,
) -> Result<ticket_core::TimeReport, ApiError> {
    if by.trim().is_empty() {
        return Err(ApiError::bad_request(
            "by (the key to group by) is required",
        ));
    }
    let today = silo.context().clock.today();
    let from = report_day("from date", from, today)?;
    let to = report_day("to date", to, today)?;
    silo.time_report(q, by, from, to)
        .map_err(|e| ApiError::from_search(e, q, ""))
}

/// `GET time?q=&by=KEY&from=&to=`: minutes and cost grouped by the values of `by`.
pub async fn time(State(st): St, Query(p): Params) -> Result<Json<Value>, ApiError> {
    st.read(move |silo| {
        let r = time_report(
            silo,
            param(&p, "q"),
            param(&p, "by"),
            param(&p, "from"),
            param(&p, "to"),
        )?;
        // the core's one shape of a time report: money as two-place decimal strings
        serde_json::to_value(ticket_core::TimeReportDoc::from(&r))
            .map(Json)
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
}

/// `GET suggestions`: tags, keys, key/value pairs, and the date keys with their widgets.
pub async fn suggestions(State(st): St) -> Result<Json<Value>, ApiError> {
    st.read(move |silo| {
        let s = silo.suggestions()?;
        let c = silo.config();
        Ok(Json(json!({
            "tags": s.tags,
            "keys": s.keys,
            "key_values": s.key_values.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
            "date_keys": ticket_core::BUILTIN_DATE_KEYS,
            "date_picker": c.irules_date_picker,
            "date_toggle": c.irules_date_toggle,
        })))
    })
    .await
}

/// `GET parse?q=&sort=`: the canonical key and sort rule, or the error with its span (400).
pub async fn parse(State(st): St, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let (q, sort) = (param(&p, "q").to_string(), param(&p, "sort").to_string());
    st.read(move |silo| {
        // `explain` parses and compiles (saved searches, sort keys), running nothing.
        silo.explain(&q, &sort)
            .map_err(|e| ApiError::from_search(e, &q, &sort))?;
        let key = ticket_query::parse_search(&q)
            .map_err(|e| ApiError::from_search(e.into(), &q, &sort))?;
        let rule = ticket_query::parse_sort(&sort)
            .map_err(|e| ApiError::from_search(e.into(), &q, &sort))?;
        Ok(Json(
            json!({"canonical": key.to_string(), "sort": rule.to_string()}),
        ))
    })
    .await
}

/// A page of the timeline: the change sets touching the tickets `q` selects (every set when
/// empty), by `author` when not empty, newest first, skipping `offset`; and whether more
/// follow. The core's timeline has a limit but no offset: the page is cut from the first
/// `offset + limit + 1`.
pub fn timeline_page(
    silo: &Silo,
    q: &str,
    author: &str,
    offset: u64,
    limit: u64,
) -> Result<(Vec<ticket_core::TimelineSet>, bool), ApiError> {
    let author = Some(author.trim()).filter(|a| !a.is_empty());
    let wanted = offset.saturating_add(limit).saturating_add(1);
    let mut sets = silo
        .timeline(
            Some(q),
            None,
            author,
            usize::try_from(wanted).unwrap_or(usize::MAX),
        )
        .map_err(|e| ApiError::from_search(e, q, ""))?;
    let more = sets.len() as u64 == wanted;
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(sets.len());
    sets.drain(..start);
    sets.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((sets, more))
}

/// `GET timeline?q=&author=&limit=&offset=`: `{"sets", "limit", "offset", "more"}`.
pub async fn timeline(State(st): St, Query(p): Params) -> Result<Json<Value>, ApiError> {
    let (q, author) = (param(&p, "q").to_string(), param(&p, "author").to_string());
    let limit = number_param(&p, "limit", DEFAULT_LIMIT)?.min(MAX_LIMIT);
    let offset = number_param(&p, "offset", 0)?;
    st.read(move |silo| {
        let (sets, more) = timeline_page(silo, &q, &author, offset, limit)?;
        Ok(Json(
            json!({"sets": sets, "limit": limit, "offset": offset, "more": more}),
        ))
    })
    .await
}

/// `GET openapi.json`.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("assets/openapi.json"),
    )
        .into_response()
}

/// Any other address under `/api/v1/`.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such API address; see /api/v1/openapi.json")
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes() {
        assert_eq!(super::decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(super::decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(super::decode_base64("aGVs\nbG8h").unwrap(), b"hello!");
        assert_eq!(super::decode_base64("").unwrap(), b"");
        assert!(super::decode_base64("a*b").is_none());
        assert!(super::decode_base64("aGVsbG9").is_none());
    }
}
