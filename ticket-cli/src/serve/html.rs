//! The page templates (maud: checked at compile time; every `(expression)` is HTML-escaped, and
//! nothing here uses `PreEscaped` on user text). No inline script or style: the page's
//! behaviour is `/static/app.js`, its look `/static/app.css`, the styling rules' colours
//! `/static/silo.css` (classes, so the Content-Security-Policy can forbid inline styles).

use chrono::{DateTime, FixedOffset, Utc};
use maud::{html, Markup, DOCTYPE};
use ticket_core::config::RELATION_KEYS;
use ticket_core::{
    Change, DeadlineState, SiloConfig, Status, Suggestions, Ticket, TicketRow, TimeReport,
    TimelineSet, RESERVED_KEYS,
};

use super::error::ApiError;
use super::url::with_query;
use crate::output::style::Styler;

/// What every page's frame needs.
pub struct Frame<'a> {
    /// The silo's name.
    pub silo: &'a str,
    /// The page's title.
    pub title: &'a str,
    /// Where the silo's pages live (empty, or `/s/NAME`).
    pub base: &'a str,
    /// Every served silo, for the switcher: (name, base).
    pub silos: &'a [(String, String)],
}

/// The address of a silo's search page: `/`, or `/s/NAME`.
pub fn home(base: &str) -> String {
    if base.is_empty() {
        "/".to_string()
    } else {
        base.to_string()
    }
}

/// A whole page: head, navigation, the content.
pub fn page(frame: &Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · " (frame.silo) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href={ (frame.base) "/static/app.css" };
                link rel="stylesheet" href={ (frame.base) "/static/silo.css" };
                script src={ (frame.base) "/static/app.js" } defer {}
            }
            body data-base=(frame.base) {
                header.top {
                    a.brand href=(home(frame.base)) { "ticket" }
                    @if frame.silos.len() > 1 {
                        details.switcher {
                            summary.silo title="silo: switch to another" { (frame.silo) }
                            ul {
                                @for (name, base) in frame.silos {
                                    li {
                                        @if base == frame.base {
                                            strong { (name) }
                                        } @else {
                                            a href=(home(base)) { (name) }
                                        }
                                    }
                                }
                            }
                        }
                    } @else {
                        span.silo title="silo" { (frame.silo) }
                    }
                    nav {
                        a href=(home(frame.base)) { "Search" }
                        a href={ (frame.base) "/new" } { "New ticket" }
                        a href={ (frame.base) "/time" } { "Time" }
                        a href={ (frame.base) "/timeline" } { "Timeline" }
                        form.logout method="post" action="/logout" {
                            button.link type="submit" { "Log out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page without navigation (the 401 answer).
pub fn bare(title: &str, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
            }
            body {
                h1 { (title) }
                p { (message) }
            }
        }
    }
}

/// An error box: the message, and the caret display or the broken rules.
pub fn error_box(e: &ApiError) -> Markup {
    html! {
        div.error role="alert" data-code=(e.code) {
            @if let Some(caret) = &e.caret {
                pre.caret { (caret) }
            } @else {
                p { (e.message) }
            }
        }
    }
}

/// The page of an error.
pub fn error_page(frame: &Frame<'_>, e: &ApiError) -> Markup {
    let title = e.status.canonical_reason().unwrap_or("Error");
    page(
        &Frame { title, ..*frame },
        html! {
            h1 { (title) }
            (error_box(e))
        },
    )
}

/// Time as `YYYY-MM-DD HH:MM` in the server clock's offset (as the CLI shows it).
pub fn time(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The class of a tag's colour rule (`tc3`: the fourth rule of `srules_t_colour`).
fn tag_class(config: &SiloConfig, tag: &str) -> Option<String> {
    config
        .srules_t_colour
        .iter()
        .position(|r| eq_ci(&r.tag, tag))
        .map(|i| format!("tc{i}"))
}

fn key_class(config: &SiloConfig, key: &str) -> Option<String> {
    config
        .srules_pk_colour
        .iter()
        .position(|r| eq_ci(&r.key, key))
        .map(|i| format!("kc{i}"))
}

fn value_class(config: &SiloConfig, key: &str, value: &str) -> Option<String> {
    config
        .srules_pkv_colour
        .iter()
        .position(|r| eq_ci(&r.key, key) && eq_ci(&r.value, value))
        .map(|i| format!("vc{i}"))
}

/// The stylesheet of the styling rules' colours, one class per rule. The colours passed the
/// configuration's validation (CSS names or `#rgb`/`#rrggbb`); anything else is left out.
pub fn silo_css(config: &SiloConfig) -> String {
    fn rule(out: &mut String, class: String, fg: Option<&str>, bg: Option<&str>) {
        let ok = |c: &&str| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#');
        out.push_str(&format!(".{class} {{"));
        if let Some(fg) = fg.filter(ok) {
            out.push_str(&format!(" color: {fg};"));
        }
        if let Some(bg) = bg.filter(ok) {
            out.push_str(&format!(" background-color: {bg};"));
        }
        out.push_str(" }\n");
    }
    let mut out = String::new();
    for (i, r) in config.srules_t_colour.iter().enumerate() {
        rule(&mut out, format!("tc{i}"), r.fg.as_deref(), r.bg.as_deref());
    }
    for (i, r) in config.srules_pk_colour.iter().enumerate() {
        rule(&mut out, format!("kc{i}"), r.fg.as_deref(), r.bg.as_deref());
    }
    for (i, r) in config.srules_pkv_colour.iter().enumerate() {
        rule(&mut out, format!("vc{i}"), r.fg.as_deref(), r.bg.as_deref());
    }
    out
}

/// Tags in display order and case, with their colours.
pub fn tags(config: &SiloConfig, tags: &[String]) -> Markup {
    let styler = Styler::new(config);
    html! {
        @for t in styler.tags(tags) {
            span class={ "tag " (tag_class(config, &t).unwrap_or_default()) } { (t) } " "
        }
    }
}

/// Whether a key's values name other tickets (relations and the status-change keys).
fn is_ticket_key(key: &str) -> bool {
    RELATION_KEYS.iter().any(|(k, _)| eq_ci(k, key)) || RESERVED_KEYS.iter().any(|k| eq_ci(k, key))
}

/// A value; a ticket number is a link to that ticket.
fn value(config: &SiloConfig, base: &str, key: &str, v: &str) -> Markup {
    let class = value_class(config, key, v).unwrap_or_default();
    html! {
        @if is_ticket_key(key) {
            a class={ "value " (class) } href={ (base) "/t/" (v) } { (v) }
        } @else {
            span class={ "value " (class) } { (v) }
        }
    }
}

/// Properties as `Key=Value` chips, in display order and case.
pub fn property_chips(
    config: &SiloConfig,
    base: &str,
    props: &[(String, String)],
    prioritised: bool,
) -> Markup {
    let styler = Styler::new(config);
    html! {
        @for (k, v) in styler.properties(props, prioritised) {
            span.prop {
                span class={ "key " (key_class(config, &k).unwrap_or_default()) } { (k) }
                "="
                (value(config, base, &k, &v))
            }
            " "
        }
    }
}

/// The deadline marker: `!` due soon, `!!` overdue.
pub fn marker(state: Option<DeadlineState>) -> Markup {
    html! {
        @match state {
            Some(DeadlineState::DueSoon) => span.marker.soon title="due soon" { "!" },
            Some(DeadlineState::Overdue) => span.marker.overdue title="overdue" { "!!" },
            _ => "",
        }
    }
}

fn status(st: Status) -> Markup {
    html! {
        span class={ "status " @if st.is_active() { "active" } @else { "inactive" } } { (st.name()) }
    }
}

/// What the search page shows.
pub struct SearchView<'a> {
    /// Where the silo's pages live.
    pub base: &'a str,
    /// The search key.
    pub q: &'a str,
    /// The sort rule.
    pub sort: &'a str,
    /// The page (1-based).
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// How many tickets the key selects (None after an error).
    pub total: Option<u64>,
    /// This page's rows.
    pub rows: &'a [TicketRow],
    /// The error of the key or sort rule.
    pub error: Option<&'a ApiError>,
}

/// The search page (home).
pub fn search(config: &SiloConfig, v: &SearchView<'_>) -> Markup {
    let page_link = |p: u64| {
        let page = p.to_string();
        with_query(
            &home(v.base),
            &[("q", v.q), ("sort", v.sort), ("page", &page)],
        )
    };
    let export = |format: &str| {
        with_query(
            &format!("{}/export", v.base),
            &[("format", format), ("q", v.q), ("sort", v.sort)],
        )
    };
    let pages = v.total.map(|t| t.div_ceil(v.per_page).max(1)).unwrap_or(1);
    html! {
        div.searchbar {
            form.search method="get" action=(home(v.base)) {
                div.field {
                    label for="q" { "Search key" }
                    input #q type="search" name="q" value=(v.q) autocomplete="off" spellcheck="false"
                        placeholder="s:* g=bug" data-check="search";
                }
                div.field {
                    label for="sort" { "Sort rule" }
                    input #sort type="text" name="sort" value=(v.sort) autocomplete="off" spellcheck="false"
                        placeholder="n" data-check="sort";
                }
                button type="submit" { "Search" }
                pre #check.caret hidden[v.error.and_then(|e| e.caret.as_ref()).is_none()] {
                    @if let Some(caret) = v.error.and_then(|e| e.caret.as_ref()) { (caret) }
                }
                @if let Some(e) = v.error.filter(|e| e.caret.is_none()) { (error_box(e)) }
            }
            @if !config.searches.is_empty() {
                aside.saved {
                    h2 { "Saved searches" }
                    ul {
                        @for s in &config.searches {
                            li {
                                a href=(with_query(&home(v.base), &[("q", &s.search), ("sort", &s.sort)])) title=(s.description) {
                                    "@" (s.name)
                                }
                                @if !s.description.is_empty() { " " span.dim { (s.description) } }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(total) = v.total {
            div.resultbar {
                p.count {
                    strong #count { (total) } @if total == 1 { " ticket" } @else { " tickets" }
                    @if pages > 1 { " · page " (v.page) " of " (pages) }
                }
                div.exports {
                    a.button href=(export("csv")) download { "CSV" }
                    a.button href=(export("json")) download { "JSON" }
                    a.button href=(export("full")) download { "Full JSON" }
                }
            }
            table.results {
                thead { tr { th { "#" } th { "Status" } th {} th { "Title" } th { "Tags" } th { "Properties" } } }
                tbody {
                    @for r in v.rows {
                        tr {
                            td.num { a href={ (v.base) "/t/" (r.number) } { (r.number) } }
                            td { (status(r.status)) }
                            td { (marker(r.deadline_state)) }
                            td.title { a href={ (v.base) "/t/" (r.number) } { (r.title) } }
                            td { (tags(config, &r.tags)) }
                            td { (property_chips(config, v.base, &r.properties, true)) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager {
                    @if v.page > 1 { a rel="prev" href=(page_link(v.page - 1)) { "← previous" } }
                    @if v.page < pages { a rel="next" href=(page_link(v.page + 1)) { "next →" } }
                }
            }
        }
    }
}

/// A ticket's page.
pub fn ticket(
    config: &SiloConfig,
    base: &str,
    offset: FixedOffset,
    t: &Ticket,
    history: &[Change],
) -> Markup {
    let styler = Styler::new(config);
    let total = t.total_minutes();
    html! {
        div.tickethead {
            h1 { span.num { "#" (t.number) } " " span #title { (t.title) } }
            a.button href={ (base) "/t/" (t.number) "/edit" } { "Edit" }
        }
        dl.fields {
            dt { "Status" } dd #status { (status(t.status)) " " (marker(t.deadline_state)) }
            dt { "Opened" } dd { (time(t.opened, offset)) }
            dt { "Last update" } dd { (time(t.last_update, offset)) }
            dt { "Uuid" } dd.dim { (t.uuid) }
            @if !t.tags.is_empty() { dt { "Tags" } dd #tags { (tags(config, &t.tags)) } }
        }
        @let props = styler.properties(&t.properties, false);
        @if !props.is_empty() {
            h2 { "Properties" }
            table.props #properties {
                @for (k, v) in &props {
                    tr {
                        th class={ "key " (key_class(config, k).unwrap_or_default()) } { (k) }
                        td { (value(config, base, k, v)) }
                    }
                }
            }
        }
        @if !t.summary.is_empty() {
            h2 { "Summary" }
            div.text #summary { (t.summary) }
        }
        @if !t.entries.is_empty() {
            h2 { "Entries" }
            ol.entries #entries {
                @for e in &t.entries {
                    li value=(e.n) {
                        div.meta {
                            (time(e.at, offset)) " · " (e.author)
                            @if e.minutes > 0 { " · " (crate::output::minutes(i64::from(e.minutes))) }
                        }
                        div.text { (e.text) }
                    }
                }
            }
        }
        @if total > 0 {
            p.total #total {
                "Total time " strong { (crate::output::minutes(total)) }
                @if let Some(c) = crate::output::tickets::cost(config, total) { " · cost " strong { (c) } }
            }
        }
        @if !t.attachments.is_empty() {
            h2 { "Attachments" }
            table.attachments {
                @for a in &t.attachments {
                    tr {
                        td { a href={ (base) "/t/" (t.number) "/a/" (a.n) } download=(a.name) { (a.name) } }
                        td { (crate::output::size(a.size)) }
                        td { (a.comment) }
                        td.dim { (time(a.at, offset)) " · " (a.author) }
                    }
                }
            }
        }
        details.history open[history.len() <= 30] {
            summary { "History (" (history.len()) ")" }
            table.history {
                @for c in history {
                    tr {
                        td.dim { (time(c.at, offset)) }
                        td { (c.author) }
                        td {
                            (c.describe())
                            // what the record repaired where it met the state (sync.md 2)
                            @if let Some(repair) = &c.repair {
                                br;
                                span.dim { "repaired: " (repair) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The datalists of tags and keys (server-rendered, so completion works without script);
/// `/static/app.js` fills the values of the key being typed.
pub fn datalists(s: &Suggestions) -> Markup {
    html! {
        datalist #dl-tags { @for t in &s.tags { option value=(t) {} } }
        datalist #dl-keys { @for k in &s.keys { option value=(k) {} } }
        datalist #dl-values {}
    }
}

/// Rows of key/value inputs with completion.
fn property_inputs(rows: &[(String, String)]) -> Markup {
    html! {
        @for (k, v) in rows {
            div.kv {
                input type="text" name="key" value=(k) list="dl-keys" placeholder="Key" autocomplete="off" data-role="key";
                input type="text" name="value" value=(v) list="dl-values" placeholder="Value" autocomplete="off" data-role="value";
            }
        }
    }
}

fn tag_inputs(tags: &[String]) -> Markup {
    html! {
        @for t in tags {
            input type="text" name="tag" value=(t) list="dl-tags" placeholder="tag" autocomplete="off";
        }
    }
}

/// Pads a list of values with empty ones up to `n` (form rows).
fn padded<T: Clone + Default>(items: &[T], n: usize) -> Vec<T> {
    let mut v = items.to_vec();
    while v.len() < n {
        v.push(T::default());
    }
    v
}

/// What the new-ticket form holds (empty, or what was submitted when it failed).
#[derive(Debug, Clone, Default)]
pub struct NewForm {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Creation rule name (empty: the default).
    pub rule: String,
    /// Extra tags.
    pub tags: Vec<String>,
    /// Extra properties.
    pub properties: Vec<(String, String)>,
}

/// The new-ticket page.
pub fn new_ticket(
    config: &SiloConfig,
    base: &str,
    csrf: &str,
    s: &Suggestions,
    form: &NewForm,
    error: Option<&ApiError>,
) -> Markup {
    let default = config.default_rule().name.clone();
    let chosen = if form.rule.is_empty() {
        default
    } else {
        form.rule.clone()
    };
    html! {
        h1 { "New ticket" }
        @if let Some(e) = error { (error_box(e)) }
        form.ticketform #new method="post" action={ (base) "/new" } {
            input type="hidden" name="csrf" value=(csrf);
            div.field {
                label for="title" { "Title" }
                input #title type="text" name="title" value=(form.title) required;
            }
            div.field {
                label for="summary" { "Summary" }
                textarea #summary name="summary" rows="5" { (form.summary) }
            }
            fieldset.rules {
                legend { "Creation rule" }
                @for r in config.rules() {
                    label.rule {
                        input type="radio" name="rule" value=(r.name) checked[eq_ci(&r.name, &chosen)];
                        strong { (r.name) }
                        @if !r.description.is_empty() { " " span.dim { (r.description) } }
                        @if !r.tags.is_empty() || !r.properties.is_empty() {
                            span.ruledefaults {
                                " " (tags(config, &r.tags))
                                @for kv in &r.properties {
                                    span.prop { span.key { (kv.key) } "=" span.value { (kv.value) } } " "
                                }
                            }
                        }
                    }
                }
            }
            fieldset {
                legend { "Extra tags" }
                (tag_inputs(&padded(&form.tags, 3)))
            }
            fieldset #props {
                legend { "Extra properties" }
                @if let Some(e) = error.filter(|e| e.code == "rule_violated") {
                    p.violation { (e.message) }
                }
                (property_inputs(&padded(&form.properties, 3)))
            }
            button type="submit" { "Create" }
        }
        (datalists(s))
    }
}

/// What the edit form holds besides the ticket (what was submitted when it failed).
#[derive(Debug, Clone, Default)]
pub struct EditForm {
    /// Tags to add.
    pub tags: Vec<String>,
    /// Properties to add.
    pub properties: Vec<(String, String)>,
    /// Entry text.
    pub entry: String,
    /// Entry minutes.
    pub minutes: String,
    /// Other ticket for Merged/Duplicate.
    pub other: String,
}

/// The edit page.
pub fn edit(
    config: &SiloConfig,
    base: &str,
    csrf: &str,
    s: &Suggestions,
    t: &Ticket,
    form: &EditForm,
    error: Option<&ApiError>,
) -> Markup {
    let styler = Styler::new(config);
    html! {
        h1 { "Edit " a href={ (base) "/t/" (t.number) } { "#" (t.number) } }
        @if let Some(e) = error { (error_box(e)) }
        form.ticketform #edit method="post" action={ (base) "/t/" (t.number) "/edit" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="orig_title" value=(t.title);
            input type="hidden" name="orig_summary" value=(t.summary);
            input type="hidden" name="orig_status" value=(t.status.name());
            div.field {
                label for="title" { "Title" }
                input #title type="text" name="title" value=(t.title) required;
            }
            div.field {
                label for="summary" { "Summary" }
                textarea #summary name="summary" rows="5" { (t.summary) }
            }
            div.field.status {
                label for="status" { "Status" }
                select #status name="status" {
                    @for st in Status::ALL {
                        option value=(st.name()) selected[st == t.status] { (st.name()) }
                    }
                }
                label for="other" { "Other ticket (for Merged, Duplicate)" }
                input #other type="text" name="other" value=(form.other) size="8" autocomplete="off";
            }
            fieldset {
                legend { "Tags" }
                @for g in styler.tags(&t.tags) {
                    label.remove { input type="checkbox" name="remove_tag" value=(g); " remove " span.tag { (g) } }
                }
                div { (tag_inputs(&padded(&form.tags, 2))) }
            }
            fieldset #props {
                legend { "Properties" }
                @for (k, v) in &t.properties {
                    label.remove {
                        input type="checkbox" name="remove_prop" value=(serde_json::json!([k, v]).to_string());
                        " remove " span.prop { span.key { (styler.key(k)) } "=" span.value { (v) } }
                    }
                }
                @if let Some(e) = error.filter(|e| e.code == "rule_violated") {
                    p.violation { (e.message) }
                }
                (property_inputs(&padded(&form.properties, 2)))
            }
            fieldset {
                legend { "Add an entry" }
                textarea #entry name="entry" rows="4" { (form.entry) }
                label for="minutes" { "Minutes" }
                input #minutes type="number" name="minutes" min="0" value=(form.minutes);
            }
            button type="submit" { "Save" }
        }
        form.attach method="post" action={ (base) "/t/" (t.number) "/attach" } enctype="multipart/form-data" {
            h2 { "Attach a file" }
            input type="hidden" name="csrf" value=(csrf);
            input type="file" name="file" required;
            input type="text" name="comment" placeholder="comment";
            button type="submit" { "Attach" }
        }
        (datalists(s))
    }
}

/// What the time report form holds.
#[derive(Clone, Copy)]
pub struct TimeForm<'a> {
    /// Search key.
    pub q: &'a str,
    /// Group-by key.
    pub by: &'a str,
    /// From date expression.
    pub from: &'a str,
    /// To date expression.
    pub to: &'a str,
}

/// The time report page.
pub fn time_report(
    base: &str,
    form: &TimeForm<'_>,
    keys: &[String],
    report: Option<&TimeReport>,
    error: Option<&ApiError>,
) -> Markup {
    // the one text format of money (`EUR 9,001.25`), from the core
    let money = |c: Option<f64>, cur: &Option<String>| {
        c.map(|c| ticket_core::Money::from_f64(c).display(cur.as_deref().unwrap_or("")))
    };
    let TimeForm { q, by, from, to } = *form;
    html! {
        h1 { "Time" }
        form.time method="get" action={ (base) "/time" } {
            div.field { label for="q" { "Search key" } input #q type="search" name="q" value=(q) data-check="search" autocomplete="off"; }
            div.field { label for="by" { "Group by key" } input #by type="text" name="by" value=(by) list="dl-keys" required autocomplete="off"; }
            div.field { label for="from" { "From" } input #from type="text" name="from" value=(from) placeholder="som, 2024-03-01, -1m"; }
            div.field { label for="to" { "To" } input #to type="text" name="to" value=(to) placeholder="eom, today"; }
            button type="submit" { "Report" }
            pre #check.caret hidden[error.and_then(|e| e.caret.as_ref()).is_none()] {
                @if let Some(caret) = error.and_then(|e| e.caret.as_ref()) { (caret) }
            }
        }
        datalist #dl-keys { @for k in keys { option value=(k) {} } }
        @if let Some(e) = error.filter(|e| e.caret.is_none()) { (error_box(e)) }
        @if let Some(r) = report {
            table.timereport {
                thead { tr { th { (r.key) } th { "Time" } th { "Minutes" } @if r.total_cost.is_some() { th { "Cost" } } } }
                tbody {
                    @for row in &r.rows {
                        tr {
                            td { (row.group) }
                            td { (crate::output::minutes(row.minutes)) }
                            td.num { (row.minutes) }
                            @if r.total_cost.is_some() { td.num { (money(row.cost, &r.currency).unwrap_or_default()) } }
                        }
                    }
                }
                tfoot {
                    tr {
                        th { "Total" }
                        th { (crate::output::minutes(r.total_minutes)) }
                        th.num { (r.total_minutes) }
                        @if r.total_cost.is_some() { th.num { (money(r.total_cost, &r.currency).unwrap_or_default()) } }
                    }
                }
            }
        }
    }
}

/// What the timeline page shows.
pub struct TimelineView<'a> {
    /// Where the silo's pages live.
    pub base: &'a str,
    /// The ticket search key.
    pub q: &'a str,
    /// The author filter.
    pub author: &'a str,
    /// Page number, from 1.
    pub page: u64,
    /// Whether a later page exists.
    pub more: bool,
    /// The change sets of this page, newest first.
    pub sets: &'a [TimelineSet],
    /// The error of the key.
    pub error: Option<&'a ApiError>,
}

/// The timeline page: the silo's change sets newest first, filterable by ticket and author.
pub fn timeline(offset: FixedOffset, v: &TimelineView<'_>) -> Markup {
    let page_link = |p: u64| {
        let page = p.to_string();
        with_query(
            &format!("{}/timeline", v.base),
            &[("q", v.q), ("author", v.author), ("page", &page)],
        )
    };
    html! {
        h1 { "Timeline" }
        form.timeline method="get" action={ (v.base) "/timeline" } {
            div.field {
                label for="q" { "Tickets (search key)" }
                input #q type="search" name="q" value=(v.q) autocomplete="off" spellcheck="false"
                    placeholder="n=12, g=bug" data-check="search";
            }
            div.field {
                label for="author" { "Author" }
                input #author type="text" name="author" value=(v.author) autocomplete="off";
            }
            button type="submit" { "Filter" }
            pre #check.caret hidden[v.error.and_then(|e| e.caret.as_ref()).is_none()] {
                @if let Some(caret) = v.error.and_then(|e| e.caret.as_ref()) { (caret) }
            }
        }
        @if let Some(e) = v.error.filter(|e| e.caret.is_none()) { (error_box(e)) }
        @if v.error.is_none() {
            @if v.sets.is_empty() {
                p.dim #no-sets { "No change sets." }
            }
            ol.timeline {
                @for s in v.sets {
                    li.set.undone[s.undone] {
                        div.sethead {
                            span.when { (time(s.at, offset)) }
                            " "
                            span.author { (s.author) }
                            " "
                            code.setid title="change set id (ticket undo takes it)" { (s.id) }
                            @if s.undone { " " span.mark { "undone" } }
                        }
                        ul.changes {
                            @for c in &s.changes {
                                li {
                                    a.num href={ (v.base) "/t/" (c.number) } { (c.number) }
                                    " " (c.what)
                                }
                            }
                            @if s.changes.is_empty() {
                                li { (crate::commands::sync::CONFIG_CHANGED) }
                            }
                        }
                    }
                }
            }
            @if v.page > 1 || v.more {
                nav.pager {
                    @if v.page > 1 { a rel="prev" href=(page_link(v.page - 1)) { "← newer" } }
                    @if v.more { a rel="next" href=(page_link(v.page + 1)) { "older →" } }
                }
            }
        }
    }
}
