//! `ticket serve` against a real server on a loopback port: every API endpoint and error
//! code, the token and the session cookie, cross-site refusal, hostile texts, the pages.

mod common;
mod serving;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

use common::World;
use serde_json::{json, Value};

/// A configuration with two creation rules and a validation rule on the second.
const CONFIG: &str = r#"{
  "crules": [
    {"name": "task", "description": "An ordinary task"},
    {"name": "risk", "description": "A risk", "tags": ["risk"], "properties": [{"key": "Impact", "value": "low"}]}
  ],
  "vrules_pk_required": [{"selector": "g=risk", "key": "Owner"}],
  "searches": [{"name": "risks", "description": "every risk", "search": "g=risk", "sort": "n"}],
  "irules_date_picker": ["Reported"],
  "srules_t_colour": [{"tag": "risk", "fg": "white", "bg": "firebrick"}],
  "time": {"rate_per_hour": 60, "currency": "EUR"}
}"#;

/// A running `ticket serve`; killed on drop.
struct Server {
    child: Child,
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Starts `ticket serve --port 0 ARGS` and reads the address and token it prints.
fn start(world: &World, args: &[&str]) -> Server {
    let mut all = vec!["serve", "--port", "0"];
    all.extend_from_slice(args);
    let started = serving::spawn(world.cmd(&all));
    let token = started
        .login
        .split_once("/login?token=")
        .expect("login link")
        .1
        .to_string();
    Server {
        child: started.child,
        base: started.url,
        token,
        agent: agent(),
    }
}

/// A response: status, headers, body.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
}

fn resp(r: ureq::http::Response<ureq::Body>) -> Resp {
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r.into_body().read_to_string().unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
    /// GET with the token.
    fn get(&self, path: &str) -> Resp {
        resp(
            self.agent
                .get(&self.url(path))
                .header("Authorization", &self.bearer())
                .call()
                .unwrap(),
        )
    }
    /// GET with extra headers only (no token unless given).
    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(&self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        resp(req.call().unwrap())
    }
    /// POST JSON with the token.
    fn post(&self, path: &str, body: &Value) -> Resp {
        self.post_with(path, body, &[("Authorization", &self.bearer())])
    }
    fn post_with(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        let mut req = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        resp(req.send(body.to_string()).unwrap())
    }
    /// POST a URL-encoded form with the given headers.
    fn post_form(&self, path: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        let mut req = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        resp(req.send(body.join("&")).unwrap())
    }
    /// Logs in through the link; returns the cookie (`name=value`).
    fn login(&self) -> String {
        let r = self.get_with(&format!("/login?token={}", self.token), &[]);
        assert_eq!(r.status, 303, "{r:?}");
        assert_eq!(r.header("location"), Some("/"));
        let set = r.header("set-cookie").expect("a cookie").to_string();
        assert!(set.contains("HttpOnly"), "{set}");
        assert!(set.contains("SameSite=Strict"), "{set}");
        set.split(';').next().unwrap().to_string()
    }
    /// Creates a ticket through the API; returns its number.
    fn create(&self, body: Value) -> String {
        let r = self.post("/api/v1/tickets", &body);
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["number"].as_str().unwrap().to_string()
    }
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of a hidden `csrf` input in a page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

fn world() -> World {
    let w = World::new();
    w.configure(CONFIG);
    w
}

#[test]
fn every_request_needs_the_token() {
    let w = world();
    let s = start(&w, &[]);
    for path in [
        "/",
        "/t/1",
        "/new",
        "/static/app.js",
        "/api/v1/search",
        "/api/v1/openapi.json",
    ] {
        let r = s.get_with(path, &[]);
        assert_eq!(r.status, 401, "{path}: {r:?}");
        assert!(r.header("www-authenticate").is_some());
    }
    assert_eq!(s.get_with("/api/v1/search", &[]).code(), "unauthorized");
    let wrong = s.get_with("/api/v1/search", &[("Authorization", "Bearer nope")]);
    assert_eq!(wrong.status, 401);
    assert_eq!(s.get_with("/login?token=nope", &[]).status, 401);
    // an unknown session cookie is no session
    let port = s.base.rsplit(':').next().unwrap();
    let fake = format!("ticket_session_{port}=0000");
    assert_eq!(s.get_with("/", &[("Cookie", &fake)]).status, 401);

    // the login link gives a session cookie that opens pages and the API
    let cookie = s.login();
    let home = s.get_with("/", &[("Cookie", &cookie)]);
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Search key"));
    let api = s.get_with("/api/v1/search", &[("Cookie", &cookie)]);
    assert_eq!(api.status, 200);
    assert_eq!(s.get("/api/v1/search").status, 200);
}

#[test]
fn security_headers_on_every_response() {
    let w = world();
    let s = start(&w, &[]);
    for r in [
        s.get("/"),
        s.get("/api/v1/search"),
        s.get("/nowhere"),
        s.get_with("/", &[]),
        s.get("/static/app.js"),
    ] {
        let csp = r.header("content-security-policy").expect("CSP");
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    assert_eq!(s.get("/nowhere").status, 404);
    assert_eq!(s.get("/api/v1/nowhere").code(), "not_found");
}

#[test]
fn search_api_rows_total_paging_and_errors() {
    let w = world();
    let s = start(&w, &[]);
    for i in 0..5 {
        s.create(json!({"title": format!("ticket {i}"), "tags": if i % 2 == 0 { vec!["even"] } else { vec![] }}));
    }
    let r = s.get("/api/v1/search?q=g%3Deven&sort=!n");
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["total"], 3);
    let numbers: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["5", "3", "1"]);
    assert_eq!(v["rows"][0]["tags"], json!(["even"]));
    let page = s.get("/api/v1/search?limit=2&offset=2").json();
    assert_eq!(page["total"], 5);
    assert_eq!(page["rows"].as_array().unwrap().len(), 2);
    assert_eq!(page["rows"][0]["number"], "3");

    let bad = s.get("/api/v1/search?q=s%3Aox%3A");
    assert_eq!(bad.status, 400);
    let e = bad.json();
    assert_eq!(e["code"], "bad_search");
    assert_eq!(e["span"], json!([3, 4]));
    assert!(e["caret"].as_str().unwrap().contains("^"), "{e}");
    let bad_sort = s.get("/api/v1/search?sort=zz").json();
    assert_eq!(bad_sort["code"], "bad_search");
    assert_eq!(bad_sort["input"], "sort");
    let bad_limit = s.get("/api/v1/search?limit=lots");
    assert_eq!(bad_limit.status, 400);
    assert_eq!(bad_limit.code(), "bad_request");
}

#[test]
fn tickets_history_and_not_found() {
    let w = world();
    let s = start(&w, &[]);
    let n = s.create(json!({"title": "Disk", "summary": "sdb fails", "tags": ["hw"], "properties": [{"key": "Priority", "value": "high"}, ["Owner", "ann"]]}));
    let t = s.get(&format!("/api/v1/tickets/{n}")).json();
    assert_eq!(t["title"], "Disk");
    assert_eq!(t["summary"], "sdb fails");
    assert_eq!(t["status"], "Open");
    assert_eq!(
        t["properties"],
        json!([{"key": "Priority", "value": "high"}, {"key": "Owner", "value": "ann"}])
    );
    assert!(t["entries"].as_array().unwrap().is_empty());
    let h = s.get(&format!("/api/v1/tickets/{n}/history")).json();
    let h = h.as_array().unwrap();
    assert!(h.len() >= 4, "{h:?}");
    // created with its tags and properties as one change set
    assert!(h.iter().all(|c| c["set_id"] == h[0]["set_id"]), "{h:?}");
    for path in ["/api/v1/tickets/999", "/api/v1/tickets/999/history"] {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.code(), "not_found");
    }
}

#[test]
fn create_from_a_rule_is_one_validated_change_set() {
    let w = world();
    let s = start(&w, &[]);
    // the rule's validation needs an Owner: nothing is created
    let r = s.post(
        "/api/v1/tickets",
        &json!({"title": "Flood", "rule": "risk"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.code(), "rule_violated");
    assert_eq!(s.get("/api/v1/search").json()["total"], 0);
    // with the Owner as an extra property it is created, all in one change set
    let n = s.create(
        json!({"title": "Flood", "rule": "risk", "properties": [{"key": "Owner", "value": "ann"}]}),
    );
    assert_a_risk_in_one_change_set(&s, &n, json!(["risk"]));

    let unknown = s.post("/api/v1/tickets", &json!({"title": "x", "rule": "nope"}));
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.code(), "invalid");
    let no_title = s.post("/api/v1/tickets", &json!({"summary": "x"}));
    assert_eq!(no_title.status, 400);
    assert_eq!(no_title.code(), "bad_request");
    let empty_title = s.post("/api/v1/tickets", &json!({"title": "  "}));
    assert_eq!(empty_title.code(), "invalid");
    let not_json = s.post_with(
        "/api/v1/tickets",
        &json!("{"),
        &[("Authorization", &s.bearer())],
    );
    assert_eq!(not_json.status, 400);
}

/// A default rule with items of its own (which the chosen rule lacks) does not turn a creation
/// into two change sets: the chosen rule's items and the extras are one change set, validated
/// once, and the default rule's items are not added.
#[test]
fn create_from_a_rule_is_one_change_set_whatever_the_default_rule_holds() {
    let w = World::new();
    w.configure(&CONFIG.replace(
        r#"{"name": "task", "description": "An ordinary task"}"#,
        r#"{"name": "task", "description": "An ordinary task", "tags": ["triage"], "properties": [{"key": "Queue", "value": "inbox"}]}"#,
    ));
    let s = start(&w, &[]);
    let n = s.create(
        json!({"title": "Flood", "rule": "risk", "tags": ["water"], "properties": [{"key": "Owner", "value": "ann"}]}),
    );
    assert_a_risk_in_one_change_set(&s, &n, json!(["risk", "water"]));
}

/// Ticket `n` was created from the `risk` rule with `Owner = ann`: these `tags`, the rule's
/// and the extra property, and every record of its history in one change set.
fn assert_a_risk_in_one_change_set(s: &Server, n: &str, tags: Value) {
    let t = s.get(&format!("/api/v1/tickets/{n}")).json();
    assert_eq!(t["tags"], tags);
    assert_eq!(
        t["properties"],
        json!([{"key": "Impact", "value": "low"}, {"key": "Owner", "value": "ann"}])
    );
    let h = s.get(&format!("/api/v1/tickets/{n}/history")).json();
    let h = h.as_array().unwrap();
    assert!(h.iter().all(|c| c["set_id"] == h[0]["set_id"]), "{h:?}");
}

#[test]
fn edit_operations_are_one_change_set() {
    let w = world();
    let s = start(&w, &[]);
    let a = s.create(json!({"title": "A"}));
    let b = s.create(json!({"title": "B"}));
    let r = s.post(
        &format!("/api/v1/tickets/{a}/edit"),
        &json!({"operations": [
            {"op": "set_title", "title": "A2"},
            {"op": "add_tag", "tag": "x"},
            {"op": "add_property", "key": "Priority", "value": "low"},
            {"op": "add_entry", "text": "worked", "minutes": 30},
            {"op": "set_status", "status": "merged", "other": b}
        ]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let t = r.json();
    assert_eq!(t["title"], "A2");
    assert_eq!(t["status"], "Merged");
    assert_eq!(t["total_minutes"], 30);
    // the other ticket changed too
    let other = s.get(&format!("/api/v1/tickets/{b}")).json();
    assert!(
        other["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["key"] == "Merged" && p["value"] == a.as_str()),
        "{other}"
    );
    let h = s.get(&format!("/api/v1/tickets/{a}/history")).json();
    let h = h.as_array().unwrap();
    let last = &h[h.len() - 1]["set_id"];
    let in_last = h.iter().filter(|c| &c["set_id"] == last).count();
    assert!(in_last >= 5, "{h:?}");

    // errors: nothing written
    let before = s.get(&format!("/api/v1/tickets/{b}/history")).json();
    let bad = s.post(
        &format!("/api/v1/tickets/{b}/edit"),
        &json!({"operations": [{"op": "add_tag", "tag": "y"}, {"op": "set_status", "status": "done"}]}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "invalid");
    assert_eq!(
        s.get(&format!("/api/v1/tickets/{b}/history")).json(),
        before
    );
    let reserved = s.post(
        &format!("/api/v1/tickets/{b}/edit"),
        &json!({"operations": [{"op": "add_property", "key": "Closed_Via", "value": "1"}]}),
    );
    assert_eq!(reserved.code(), "reserved");
    let cycle = s.post(
        &format!("/api/v1/tickets/{b}/edit"),
        &json!({"operations": [{"op": "add_property", "key": "Blocks", "value": b}]}),
    );
    assert_eq!(cycle.status, 422, "{cycle:?}");
    assert_eq!(cycle.code(), "rule_violated");
    let missing = s.post(
        "/api/v1/tickets/999/edit",
        &json!({"operations": [{"op": "add_tag", "tag": "y"}]}),
    );
    assert_eq!(missing.status, 404);
    let empty = s.post(
        &format!("/api/v1/tickets/{b}/edit"),
        &json!({"operations": []}),
    );
    assert_eq!(empty.code(), "bad_request");
    let unknown_op = s.post(
        &format!("/api/v1/tickets/{b}/edit"),
        &json!({"operations": [{"op": "explode"}]}),
    );
    assert_eq!(unknown_op.code(), "bad_request");
    assert_eq!(
        s.get(&format!("/api/v1/tickets/{b}/history")).json(),
        before
    );
}

#[test]
fn busy_silo_answers_409() {
    let w = world();
    let s = start(&w, &["--busy-timeout", "1"]);
    let n = s.create(json!({"title": "A"}));
    let db = rusqlite::Connection::open(w.silo.join("silo.db")).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_tag", "tag": "y"}]}),
    );
    assert_eq!(r.status, 409, "{r:?}");
    assert_eq!(r.code(), "busy");
    db.execute_batch("COMMIT").unwrap();
    let r = s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_tag", "tag": "y"}]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn export_time_suggestions_parse_openapi() {
    let w = world();
    let s = start(&w, &[]);
    let n =
        s.create(json!({"title": "Billable", "properties": [{"key": "Client", "value": "Acme"}]}));
    s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_entry", "text": "call", "minutes": 90}]}),
    );
    s.create(json!({"title": "Other, \"quoted\""}));

    let csv = s.get("/api/v1/export?format=csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("tickets.csv"));
    assert!(
        csv.body.starts_with("number,uuid,status,title"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("\"Other, \"\"quoted\"\"\""),
        "{}",
        csv.body
    );
    let json_export = s.get("/api/v1/export?format=json&q=p%3Dclient%3A").json();
    assert_eq!(json_export.as_array().unwrap().len(), 1);
    let full = s.get("/api/v1/export?format=full").json();
    assert_eq!(full["format"], "ticket-full");
    assert_eq!(full["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(s.get("/api/v1/export?format=xml").code(), "invalid");
    assert_eq!(s.get("/api/v1/export?format=csv&q=(").code(), "bad_search");

    let time = s.get("/api/v1/time?by=Client").json();
    assert_eq!(time["total_minutes"], 90);
    assert_eq!(time["rows"][0]["group"], "Acme");
    // money as the core writes it everywhere: a two-place decimal string, never a float
    assert_eq!(time["total_cost"], "90.00");
    assert_eq!(time["rows"][0]["cost"], "90.00");
    let page = s.get("/time?by=Client").body;
    assert!(page.contains("EUR 90.00"), "{page}");
    assert_eq!(time["currency"], "EUR");
    assert_eq!(
        s.get("/api/v1/time?by=Client&from=som&to=eom").json()["total_minutes"],
        90
    );
    assert_eq!(
        s.get("/api/v1/time?by=Client&from=2030-01-01").json()["total_minutes"],
        0
    );
    assert_eq!(s.get("/api/v1/time").code(), "bad_request");
    assert_eq!(
        s.get("/api/v1/time?by=Client&from=someday").code(),
        "invalid"
    );

    let sug = s.get("/api/v1/suggestions").json();
    assert!(sug["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "Client"));
    assert!(sug["key_values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|kv| kv["key"] == "Client" && kv["value"] == "Acme"));
    assert_eq!(sug["date_picker"], json!(["Reported"]));

    let ok = s.get("/api/v1/parse?q=s%3A%2A%20%20g%3Dbug&sort=d").json();
    assert_eq!(ok["canonical"], "s:*: g=bug:");
    assert_eq!(ok["sort"], "d");
    let bad = s.get("/api/v1/parse?q=s%3Aox%3A%20g%3Drisk");
    assert_eq!(bad.status, 400);
    let e = bad.json();
    assert_eq!(e["span"], json!([3, 4]));
    assert_eq!(
        e["caret"],
        "unknown status letter 'x'\n  s:ox: g=risk\n     ^ expected one of o i b w p c a m d *"
    );
    assert_eq!(s.get("/api/v1/parse?q=%40nosuch").code(), "bad_search");
    assert_eq!(s.get("/api/v1/parse?q=%40risks").status, 200);

    let doc = s.get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    for p in [
        "/search",
        "/tickets",
        "/tickets/{number}",
        "/tickets/{number}/history",
        "/tickets/{number}/edit",
        "/export",
        "/time",
        "/suggestions",
        "/parse",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from openapi.json"
        );
    }
}

#[test]
fn cross_site_writes_are_refused() {
    let w = world();
    let s = start(&w, &[]);
    let bearer = s.bearer();
    let body = json!({"title": "from elsewhere"});
    let foreign = s.post_with(
        "/api/v1/tickets",
        &body,
        &[
            ("Authorization", &bearer),
            ("Origin", "http://evil.example"),
        ],
    );
    assert_eq!(foreign.status, 403, "{foreign:?}");
    assert_eq!(foreign.code(), "cross_site");
    let sibling = s.post_with(
        "/api/v1/tickets",
        &body,
        &[("Authorization", &bearer), ("Sec-Fetch-Site", "same-site")],
    );
    assert_eq!(sibling.status, 403);
    let own_origin = s.base.clone();
    let same = s.post_with(
        "/api/v1/tickets",
        &body,
        &[
            ("Authorization", &bearer),
            ("Origin", &own_origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    );
    assert_eq!(same.status, 201, "{same:?}");

    // a session cookie alone does not make an API write: it needs the CSRF header
    let cookie = s.login();
    let no_header = s.post_with("/api/v1/tickets", &body, &[("Cookie", &cookie)]);
    assert_eq!(no_header.status, 403);
    let page = s.get_with("/new", &[("Cookie", &cookie)]).body;
    let csrf = csrf_of(&page);
    let with_header = s.post_with(
        "/api/v1/tickets",
        &body,
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
    );
    assert_eq!(with_header.status, 201);

    // forms: the session's token is required
    let form = [("csrf", "wrong"), ("title", "forged"), ("rule", "task")];
    let forged = s.post_form("/new", &form, &[("Cookie", &cookie)]);
    assert_eq!(forged.status, 403, "{forged:?}");
    let form = [("csrf", csrf.as_str()), ("title", "real"), ("rule", "task")];
    let foreign_form = s.post_form(
        "/new",
        &form,
        &[("Cookie", &cookie), ("Origin", "http://evil.example")],
    );
    assert_eq!(foreign_form.status, 403);
    let real = s.post_form("/new", &form, &[("Cookie", &cookie)]);
    assert_eq!(real.status, 303, "{real:?}");
    assert_eq!(s.get("/api/v1/search").json()["total"], 3);
}

#[test]
fn a_foreign_host_name_is_refused() {
    let w = world();
    let s = start(&w, &[]);
    let addr = s.base.strip_prefix("http://").unwrap();
    let mut tcp = TcpStream::connect(addr).unwrap();
    write!(
        tcp,
        "GET /api/v1/search HTTP/1.1\r\nHost: evil.example\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        s.bearer()
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("bad_host"), "{answer}");
}

#[test]
fn hostile_texts_stay_text() {
    let w = world();
    let s = start(&w, &[]);
    let xss = "<script>alert(1)</script>";
    let n = s.create(json!({
        "title": xss, "summary": "<img src=x onerror=alert(2)>", "tags": ["<b>bold</b>"],
        "properties": [{"key": "Note", "value": "\"><script>alert(3)</script>"}]
    }));
    s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_entry", "text": "</li><script>alert(4)</script>"}]}),
    );
    for path in [
        format!("/t/{n}"),
        "/".to_string(),
        format!("/t/{n}/edit"),
        format!("/?q={}", enc(xss)),
    ] {
        let page = s.get(&path);
        assert!(page.status == 200 || page.status == 400, "{path}: {page:?}");
        assert!(
            !page.body.contains("<script>alert"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(!page.body.contains("<b>bold"), "{path}");
    }
    let page = s.get(&format!("/t/{n}")).body;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    // the only scripts are our own file
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"/static/app.js\" defer>"));
}

#[test]
fn pages_render_and_forms_write() {
    let w = world();
    let s = start(&w, &[]);
    let a = s.create(json!({"title": "First", "tags": ["risk"], "properties": [{"key": "Owner", "value": "ann"}, {"key": "Deadline", "value": "2024-03-01"}, {"key": "Deadline_Warning", "value": "3"}]}));
    let b = s.create(json!({"title": "Second"}));
    let cookie = s.login();
    let get = |path: &str| s.get_with(path, &[("Cookie", &cookie)]);

    let home = get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("2</strong> tickets"), "{}", home.body);
    assert!(home.body.contains("@risks"));
    assert!(home.body.contains("/export?format=csv"));
    assert!(home.body.contains("class=\"tag tc0\""), "{}", home.body);
    assert!(home.body.contains("title=\"overdue\""));
    let bad = get("/?q=s%3Aox%3A");
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("unknown status letter &#39;x&#39;")
            || bad.body.contains("unknown status letter 'x'"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("     ^ expected one of"));
    assert!(get("/static/silo.css")
        .body
        .contains(".tc0 { color: white; background-color: firebrick; }"));
    assert!(get("/static/app.css")
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));
    assert!(get("/static/app.js")
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));

    let t = get(&format!("/t/{a}"));
    assert!(t.body.contains("First"));
    assert!(t.body.contains("History"));
    assert_eq!(get("/t/999").status, 404);
    assert_eq!(get("/time?by=Owner").status, 200);
    assert!(get("/time?by=Owner").body.contains("<th>Total</th>"));
    let export = get("/export?format=csv");
    assert!(export.body.starts_with("number,"));

    // the new-ticket form: a rule violation shows, nothing is created
    let new = get("/new").body;
    assert!(new.contains("An ordinary task"));
    let csrf = csrf_of(&new);
    let refused = s.post_form(
        "/new",
        &[
            ("csrf", &csrf),
            ("title", "Flood"),
            ("rule", "risk"),
            ("key", ""),
            ("value", ""),
        ],
        &[("Cookie", &cookie)],
    );
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Owner"), "{}", refused.body);
    assert!(refused.body.contains("value=\"Flood\""));
    assert_eq!(s.get("/api/v1/search").json()["total"], 2);
    let made = s.post_form(
        "/new",
        &[
            ("csrf", &csrf),
            ("title", "Flood"),
            ("rule", "risk"),
            ("tag", "water"),
            ("key", "Owner"),
            ("value", "bob"),
        ],
        &[("Cookie", &cookie)],
    );
    assert_eq!(made.status, 303, "{made:?}");
    let c = made
        .header("location")
        .unwrap()
        .trim_start_matches("/t/")
        .to_string();
    let made = s.get(&format!("/api/v1/tickets/{c}")).json();
    assert_eq!(made["tags"], json!(["risk", "water"]), "{made:?}");

    // the edit form: merge a into b, with an entry, in one submit
    let edit = get(&format!("/t/{a}/edit")).body;
    let csrf = csrf_of(&edit);
    let r = s.post_form(
        &format!("/t/{a}/edit"),
        &[
            ("csrf", &csrf),
            ("orig_title", "First"),
            ("orig_summary", ""),
            ("orig_status", "Open"),
            ("title", "First"),
            ("summary", "line one\r\nline two"),
            ("status", "Merged"),
            ("other", &b),
            ("remove_tag", "risk"),
            ("tag", "merged-away"),
            ("remove_prop", "[\"Owner\",\"ann\"]"),
            ("key", "Priority"),
            ("value", "low"),
            ("entry", "merged"),
            ("minutes", "15"),
        ],
        &[("Cookie", &cookie)],
    );
    assert_eq!(r.status, 303, "{r:?}");
    let ta = s.get(&format!("/api/v1/tickets/{a}")).json();
    assert_eq!(ta["status"], "Merged");
    assert_eq!(ta["summary"], "line one\nline two");
    assert_eq!(ta["tags"], json!(["merged-away"]));
    assert_eq!(ta["total_minutes"], 15);
    assert!(!ta["properties"].to_string().contains("ann"));
    let tb = get(&format!("/t/{b}")).body;
    assert!(tb.contains(&format!("href=\"/t/{a}\"")), "{tb}");

    // an edit that fails shows the error and keeps what was typed
    let r = s.post_form(
        &format!("/t/{b}/edit"),
        &[
            ("csrf", &csrf),
            ("orig_title", "Second"),
            ("orig_summary", ""),
            ("orig_status", "Open"),
            ("title", "Second"),
            ("summary", ""),
            ("status", "Duplicate"),
            ("other", ""),
            ("entry", "kept text"),
        ],
        &[("Cookie", &cookie)],
    );
    assert!(r.status >= 400, "{r:?}");
    assert!(r.body.contains("kept text"));
    assert_eq!(
        s.get(&format!("/api/v1/tickets/{b}")).json()["status"],
        "Open"
    );
}

#[test]
fn attachments_upload_and_download() {
    let w = world();
    let s = start(&w, &[]);
    let n = s.create(json!({"title": "With a file"}));
    let cookie = s.login();
    let csrf = csrf_of(
        &s.get_with(&format!("/t/{n}/edit"), &[("Cookie", &cookie)])
            .body,
    );
    let boundary = "XBOUNDARYX";
    let content = "<html><script>alert(1)</script></html>";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nthe log\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evil \\\"name\\\".html\"\r\nContent-Type: text/html\r\n\r\n{content}\r\n\
         --{boundary}--\r\n"
    );
    let r = resp(
        s.agent
            .post(&s.url(&format!("/t/{n}/attach")))
            .header("Cookie", &cookie)
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send(body)
            .unwrap(),
    );
    assert_eq!(r.status, 303, "{r:?}");
    let t = s.get(&format!("/api/v1/tickets/{n}")).json();
    assert_eq!(t["attachments"][0]["comment"], "the log");
    let file = s.get(&format!("/t/{n}/a/1"));
    assert_eq!(file.status, 200);
    assert_eq!(file.body, content);
    assert_eq!(
        file.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(file
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(s.get(&format!("/t/{n}/a/2")).status, 404);

    // through the API: base64 content
    let r = s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_attachment", "name": "a.txt", "content_base64": "aGVsbG8=", "comment": "hi"}]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["attachments"][1]["size"], 5);
    assert_eq!(s.get(&format!("/t/{n}/a/2")).body, "hello");
    let bad = s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_attachment", "name": "b.txt", "content_base64": "!!"}]}),
    );
    assert_eq!(bad.code(), "invalid");
}

#[test]
fn refuses_public_addresses_without_the_flag() {
    let w = world();
    let run = w.run(&["serve", "--bind", "0.0.0.0", "--port", "0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--public"), "{run:?}");
}

#[test]
fn token_file_is_written_once_then_read() {
    let w = world();
    let file = w.tmp.path().join("token");
    let file_text = file.display().to_string();
    let first = start(&w, &["--token-file", &file_text]);
    let token = first.token.clone();
    drop(first);
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let second = start(&w, &["--token-file", &file_text]);
    assert_eq!(second.token, token);
    assert_eq!(second.get("/api/v1/search").status, 200);
}

#[test]
fn stops_cleanly_on_sigterm() {
    let w = world();
    let mut s = start(&w, &[]);
    assert_eq!(s.get("/api/v1/search").status, 200);
    let pid = s.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn create_from_a_rule_other_than_a_non_empty_default() {
    let w = World::new();
    w.configure(
        r#"{"crules": [
            {"name": "plain", "tags": ["triage"]},
            {"name": "hw", "tags": ["hardware"], "properties": [{"key": "Area", "value": "lab"}]}
        ]}"#,
    );
    let s = start(&w, &[]);
    // the default rule's tag must not leak into a ticket made from another rule
    let n = s.create(
        json!({"title": "Fan", "rule": "hw", "tags": ["noisy"], "properties": [["Owner", "ann"]]}),
    );
    let t = s.get(&format!("/api/v1/tickets/{n}")).json();
    assert_eq!(t["tags"], json!(["hardware", "noisy"]));
    assert_eq!(
        t["properties"],
        json!([{"key": "Area", "value": "lab"}, {"key": "Owner", "value": "ann"}])
    );
    // the default rule, with extras: one change set
    let d = s.create(json!({"title": "Sort out", "tags": ["triage", "later"]}));
    let t = s.get(&format!("/api/v1/tickets/{d}")).json();
    assert_eq!(t["tags"], json!(["later", "triage"]));
    let h = s.get(&format!("/api/v1/tickets/{d}/history")).json();
    let h = h.as_array().unwrap();
    assert!(h.iter().all(|c| c["set_id"] == h[0]["set_id"]), "{h:?}");
}

#[test]
fn search_page_is_paged_by_100() {
    let w = world();
    let s = start(&w, &[]);
    for i in 0..101 {
        s.create(json!({"title": format!("ticket {i}")}));
    }
    let first = s.get("/");
    assert!(first.body.contains("101</strong> tickets"));
    assert!(first.body.contains("page 1 of 2"));
    assert_eq!(first.body.matches("<td class=\"num\">").count(), 100);
    assert!(first.body.contains("rel=\"next\" href=\"/?page=2\""));
    let second = s.get("/?page=2");
    assert_eq!(second.body.matches("<td class=\"num\">").count(), 1);
    assert!(second.body.contains("href=\"/t/101\""));
    assert!(second.body.contains("rel=\"prev\""));
}

#[test]
fn logout_ends_the_session() {
    let w = world();
    let s = start(&w, &[]);
    let cookie = s.login();
    assert_eq!(s.get_with("/", &[("Cookie", &cookie)]).status, 200);
    let out = resp(
        s.agent
            .post(&s.url("/logout"))
            .header("Cookie", &cookie)
            .send_empty()
            .unwrap(),
    );
    assert_eq!(out.status, 200, "{out:?}");
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(s.get_with("/", &[("Cookie", &cookie)]).status, 401);
    // the token still works, and a new login gives a new session
    assert_eq!(s.get("/api/v1/search").status, 200);
    let again = s.login();
    assert_ne!(again, cookie);
}

#[test]
fn sync_exchange_endpoints() {
    let w = world();
    let s = start(&w, &[]);
    s.create(json!({"title": "Served ticket"}));
    assert_eq!(s.get_with("/api/v1/sync/summary", &[]).status, 401);
    let summary = s.get("/api/v1/sync/summary").json();
    assert_eq!(summary["sets"].as_object().unwrap().len(), 1, "{summary}");

    // a copy that holds everything lacks nothing; an empty one gets everything
    let none = s.post("/api/v1/sync/bundle", &summary);
    assert_eq!(none.status, 200, "{none:?}");
    assert_eq!(none.json()["tickets"], json!([]));
    let all = s.post("/api/v1/sync/bundle", &json!({"sets": {}})).json();
    assert_eq!(all["format"], "ticket-bundle");
    assert_eq!(all["tickets"].as_array().unwrap().len(), 1, "{all}");
    // applying what the server has adds nothing
    let same = s.post("/api/v1/sync/apply", &all);
    assert_eq!(same.status, 200, "{same:?}");
    assert_eq!(same.json()["moved"]["records"], 0);

    // a bundle of another silo adds its tickets, in one change of the served silo
    let other = World::new();
    other.new_ticket("From elsewhere");
    let file = other.tmp.path().join("b.bundle");
    other.ok(&["bundle", "create", file.to_str().unwrap()]);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let applied = s.post("/api/v1/sync/apply", &bundle);
    assert_eq!(applied.status, 200, "{applied:?}");
    let applied = applied.json();
    assert_eq!(applied["moved"]["change_sets"], 1, "{applied}");
    // both copies made a ticket 1: one of them is renumbered (the same one on every copy)
    assert_eq!(applied["moved"]["new_tickets"].as_array().unwrap().len(), 1);
    assert_eq!(applied["renumbered"][0]["from"], "1", "{applied}");
    assert_eq!(applied["renumbered"][0]["to"], "2", "{applied}");
    assert_eq!(s.get("/api/v1/search").json()["total"], 2);

    // bad bodies are the API's JSON errors and change nothing
    let before = s.get("/api/v1/sync/summary").json();
    let bad = s.post("/api/v1/sync/bundle", &json!({"nope": 1}));
    assert_eq!((bad.status, bad.code().as_str()), (400, "bad_request"));
    let mut wrong = bundle.clone();
    wrong["format"] = json!("something-else");
    let bad = s.post("/api/v1/sync/apply", &wrong);
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (400, "invalid"),
        "{bad:?}"
    );
    // a record the server lacks that does not decode
    let third = World::new();
    third.new_ticket("Never arrives");
    let file = third.tmp.path().join("c.bundle");
    third.ok(&["bundle", "create", file.to_str().unwrap()]);
    let mut broken: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    broken["tickets"][0]["history"][0]["op"] = json!("explode");
    let bad = s.post("/api/v1/sync/apply", &broken);
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(
        bad.json()["message"].as_str().unwrap().contains("explode"),
        "{bad:?}"
    );
    let bad = s.post_with(
        "/api/v1/sync/apply",
        &json!("not json at all"),
        &[("Authorization", &s.bearer())],
    );
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(s.get("/api/v1/sync/summary").json(), before);

    // the cookie without the CSRF header, and other sites, are refused
    let cookie = s.login();
    let r = s.post_with("/api/v1/sync/apply", &bundle, &[("Cookie", &cookie)]);
    assert_eq!((r.status, r.code().as_str()), (403, "cross_site"));
    let r = s.post_with(
        "/api/v1/sync/apply",
        &bundle,
        &[
            ("Authorization", &s.bearer()),
            ("Origin", "http://evil.example"),
        ],
    );
    assert_eq!((r.status, r.code().as_str()), (403, "cross_site"));

    // the configuration, for clones
    let config = s.get("/api/v1/sync/config").json();
    assert_eq!(config["crules"][1]["name"], "risk");

    let doc = s.get("/api/v1/openapi.json").json();
    for p in [
        "/sync/summary",
        "/sync/bundle",
        "/sync/apply",
        "/sync/config",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
}

#[test]
fn timeline_page_and_api() {
    let w = world();
    let s = start(&w, &[]);
    let a = s.create(json!({"title": "First <b>one</b>"}));
    let b = s.create(json!({"title": "Second"}));
    s.post(
        &format!("/api/v1/tickets/{a}/edit"),
        &json!({"operations": [{"op": "add_tag", "tag": "late"}]}),
    );
    assert_eq!(s.get_with("/api/v1/timeline", &[]).status, 401);

    // newest first, paged
    let all = s.get("/api/v1/timeline").json();
    let sets = all["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 3, "{all}");
    assert_eq!(sets[0]["changes"][0]["number"], a.as_str());
    assert!(
        sets[0]["changes"][0]["what"]
            .as_str()
            .unwrap()
            .contains("late"),
        "{all}"
    );
    assert_eq!(sets[1]["changes"][0]["number"], b.as_str());
    assert_eq!(sets[0]["author"], "tester");
    assert_eq!(all["more"], false);
    let page = s.get("/api/v1/timeline?limit=1&offset=1").json();
    assert_eq!(page["sets"].as_array().unwrap().len(), 1);
    assert_eq!(page["sets"][0]["id"], sets[1]["id"]);
    assert_eq!(page["more"], true);
    // by ticket and by author
    let of_a = s.get(&format!("/api/v1/timeline?q=n%3D{a}")).json();
    assert_eq!(of_a["sets"].as_array().unwrap().len(), 2, "{of_a}");
    let nobody = s.get("/api/v1/timeline?author=nobody").json();
    assert_eq!(nobody["sets"], json!([]));
    // errors
    let bad = s.get("/api/v1/timeline?q=s%3Aox%3A");
    assert_eq!((bad.status, bad.code().as_str()), (400, "bad_search"));
    assert!(bad.json()["span"].is_array());
    assert_eq!(s.get("/api/v1/timeline?limit=x").code(), "bad_request");

    // the page: linked from the nav, filters, escaped texts, pager, caret
    let home = s.get("/");
    assert!(
        home.body.contains("<a href=\"/timeline\">Timeline</a>"),
        "{}",
        home.body
    );
    let p = s.get("/timeline");
    assert_eq!(p.status, 200);
    assert_eq!(p.body.matches("<li class=\"set").count(), 3, "{}", p.body);
    assert!(
        p.body
            .contains(&format!("<a class=\"num\" href=\"/t/{a}\">{a}</a>")),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<b>one</b>"), "{}", p.body);
    let p = s.get(&format!("/timeline?q=n%3D{b}&author=tester"));
    assert_eq!(p.body.matches("<li class=\"set").count(), 1, "{}", p.body);
    assert!(!p.body.contains("rel=\"next\""));
    let p = s.get("/timeline?author=nobody");
    assert!(p.body.contains("No change sets."), "{}", p.body);
    let p = s.get("/timeline?q=s%3Aox%3A");
    assert_eq!(p.status, 400);
    assert!(p.body.contains("class=\"caret\""), "{}", p.body);
    // 60 more change sets: two pages of 50
    for i in 0..60 {
        s.post(
            &format!("/api/v1/tickets/{b}/edit"),
            &json!({"operations": [{"op": "add_tag", "tag": format!("t{i}")}]}),
        );
    }
    let p1 = s.get("/timeline");
    assert_eq!(p1.body.matches("<li class=\"set").count(), 50);
    assert!(p1.body.contains("href=\"/timeline?page=2\""), "{}", p1.body);
    let p2 = s.get("/timeline?page=2");
    assert_eq!(p2.body.matches("<li class=\"set").count(), 13);
    assert!(p2.body.contains("rel=\"prev\""));
    // a configuration set by another process is a change set said in words
    std::fs::write(w.tmp.path().join("rules.json"), CONFIG).unwrap();
    w.ok(&["config", "--set", "rules.json"]);
    let p = s.get("/timeline");
    assert!(
        p.body.contains("<li>changed the configuration</li>"),
        "{}",
        p.body
    );
    assert!(!p2.body.contains("rel=\"next\""));
}

#[test]
fn other_silos_of_the_list_under_s_name_with_a_switcher() {
    let w = world();
    let made = w.run_global(&["create_silo", "work"]);
    assert_eq!(made.code, 0, "{made:?}");
    let s = start(&w, &[]);

    // the served silo's pages offer the others
    let home = s.get("/");
    assert!(
        home.body.contains("<a href=\"/s/work\">work</a>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("<strong>silo</strong>"), "{}", home.body);

    // the other silo: its own pages, links and API, the same token and session
    let n = s.post("/s/work/api/v1/tickets", &json!({"title": "Work ticket"}));
    assert_eq!(n.status, 201, "{n:?}");
    let n = n.json()["number"].as_str().unwrap().to_string();
    assert_eq!(s.get("/s/work/api/v1/search").json()["total"], 1);
    assert_eq!(s.get("/api/v1/search").json()["total"], 0);
    let page = s.get("/s/work");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-base=\"/s/work\""), "{}", page.body);
    assert!(
        page.body.contains("<a href=\"/\">silo</a>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("href=\"/s/work/t/{n}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("href=\"/s/work/static/app.js\"")
            || page.body.contains("src=\"/s/work/static/app.js\"")
    );
    let t = s.get(&format!("/s/work/t/{n}"));
    assert_eq!(t.status, 200);
    assert!(
        t.body.contains(&format!("href=\"/s/work/t/{n}/edit\"")),
        "{}",
        t.body
    );
    assert_eq!(s.get("/s/work/timeline").status, 200);
    let slash = s.get("/s/work/");
    assert_eq!(
        (slash.status, slash.header("location")),
        (303, Some("/s/work"))
    );
    assert_eq!(s.get("/s/work/static/app.js").status, 200);

    // a form of the other silo writes there and comes back there
    let cookie = s.login();
    let form = s.get_with("/s/work/new", &[("Cookie", &cookie)]);
    assert!(
        form.body.contains("action=\"/s/work/new\""),
        "{}",
        form.body
    );
    let r = s.post_form(
        "/s/work/new",
        &[("csrf", &csrf_of(&form.body)), ("title", "From the form")],
        &[("Cookie", &cookie)],
    );
    assert_eq!(r.status, 303, "{r:?}");
    assert!(
        r.header("location").unwrap().starts_with("/s/work/t/"),
        "{r:?}"
    );
    assert_eq!(s.get("/s/work/api/v1/search").json()["total"], 2);

    // no token: refused as everywhere (JSON for the API); an unknown silo: 404
    let r = s.get_with("/s/work/api/v1/search", &[]);
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
    assert_eq!(s.get_with("/s/work", &[]).status, 401);
    assert_eq!(s.get("/s/nosuch").status, 404);
}

/// A repair (sync.md 2) shows in a ticket page's history under its record, and in the history
/// API as `repair`: merging a ticket others were merged into takes them along.
#[test]
fn a_repair_shows_in_the_ticket_page_and_the_history_api() {
    let w = world();
    for t in ["one", "two", "three"] {
        w.new_ticket(t);
    }
    w.ok(&["ss", "1", "merged", "2"]);
    w.ok(&["ss", "2", "merged", "3"]);
    let s = start(&w, &[]);
    let words = "2 Closed_Via 3: 1, merged into 2, now points at 3 too";
    let page = s.get("/t/2").body;
    assert!(page.contains(&format!("repaired: {words}")), "{page}");
    let h = s.get("/api/v1/tickets/2/history").json();
    let repairs: Vec<&Value> = h
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.get("repair").filter(|r| !r.is_null()))
        .collect();
    assert_eq!(repairs, vec![&json!(words)]);
}

/// Rules set while the server runs (`ticket config --set` in another process) hold for the
/// server's next request: its writes are checked against them and its pages offer them. The
/// server used to keep the configuration it started with until it was restarted.
#[test]
fn a_configuration_set_while_serving_holds_from_the_next_request() {
    let w = World::new();
    let s = start(&w, &[]);
    let cookie = s.login();
    let n = s.create(json!({"title": "Flood"}));
    let form = s.get_with("/new", &[("Cookie", &cookie)]).body;
    assert!(!form.contains("A risk"), "{form}");
    std::fs::write(w.tmp.path().join("rules.json"), CONFIG).unwrap();
    w.ok(&["config", "--set", "rules.json"]);
    let r = s.post(
        &format!("/api/v1/tickets/{n}/edit"),
        &json!({"operations": [{"op": "add_tag", "tag": "risk"}]}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert_eq!(r.code(), "rule_violated");
    assert_eq!(
        s.get(&format!("/api/v1/tickets/{n}")).json()["tags"],
        json!([])
    );
    let form = s.get_with("/new", &[("Cookie", &cookie)]).body;
    assert!(form.contains("A risk"), "{form}");
    let css = s.get_with("/static/silo.css", &[("Cookie", &cookie)]).body;
    assert!(css.contains("firebrick"), "{css}");
}
