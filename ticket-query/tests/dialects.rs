//! One language, two dialects: every compile fixture runs on SQLite (in memory, with the core's
//! schema scripts) and on PostgreSQL (the team schema, in a fresh schema of the database named
//! by `TICKET_TEST_POSTGRES`), over the same tickets, and both must give the same tickets in
//! the same order. Without `TICKET_TEST_POSTGRES` the PostgreSQL half is skipped loudly, and in
//! CI (`CI` set) that is a failure: `scripts/test.sh` starts a cluster (`scripts/postgres.sh`).
mod fixtures;

use std::collections::{BTreeMap, HashMap};

use fixtures::{today, TestCatalogue, SPEC_CASES};
use ticket_query::{
    compile_for, fts_document, fts_document_binary, parse_absolute, parse_decimal, parse_search,
    parse_sort, Compiled, Dialect, SqlValue, STATUSES,
};

/// Keys and sort rules beyond the spec's examples: Unicode case (`Ärger`/`ärger`, `İ`, whose
/// lower case is `i` + U+0307), every operator on every field, missing values in sorts, and
/// phrases that must not span the title and the summary.
const MORE_CASES: &[(&str, &str)] = &[
    ("g=ärger", ""),
    ("g=ÄRGER", ""),
    ("g:ÄRG", ""),
    ("!g^r", ""),
    ("g~\"^R\"", ""),
    ("p=owner:=ärger:", ""),
    ("p=OWNER:=ÄRGER:", ""),
    ("p=owner:^i:", ""),
    ("p=owner:=ilker:", ""),
    ("p=owner:=i̇lker:", ""),
    ("p=owner:~\"^i\":", ""),
    ("p=owner:~\"^İ\":", ""),
    ("p:assign:=phil:", ""),
    ("p=assigned:=phil: p=assigned:=ann:", ""),
    ("g=bug | p=estimate:>2:", ""),
    ("g=bug !p=estimate:>2:", ""),
    ("!g=bug p=estimate:>2:", ""),
    ("s:* (g=bug | g=risk) !p=estimate:>2:", "!#estimate:"),
    ("g=bug !(g=risk p=estimate:>1:)", ""),
    ("p^assigned: !g=bug !g=risk e:err", ""),
    ("(g=bug | g=risk) p^assigned:", "!#estimate:"),
    ("g=bug g=risk p=estimate:>1: x:restic", ""),
    ("p=estimate:<3:", ""),
    ("p=estimate:[2.5:", ""),
    ("p=estimate:>big:", ""),
    ("p=estimate:]a:", ""),
    ("p=deadline:].:", ""),
    ("p=deadline:<2024-03-14:", ""),
    ("p=deadline:^2024:", ""),
    ("p=opened:]2024-01-01:", ""),
    ("p=opened:=2024-01-05:", ""),
    ("p=last_update:[2024-03-10:", ""),
    ("p=last_update:]-2w:", ""),
    ("p=last_update:>-1w:", ""),
    ("p=opened:]2023-01-01:", ""),
    ("p=earliest:<.:", ""),
    ("p=earliest:", ""),
    ("t:ärger", ""),
    ("t^ärger", ""),
    ("t=\"ärger mit dem drucker\"", ""),
    ("t~\"^ä\"", ""),
    ("t~\"RESTIC\"", ""),
    ("t:i̇", ""),
    ("u:istanbul", ""),
    ("u:i̇stanbul", ""),
    ("u~\"istanbul\"", ""),
    ("e:err", ""),
    ("e=\"an err happened\"", ""),
    ("e:removed", ""),
    ("e~\"^ERR\"", ""),
    ("x:ärger", ""),
    ("x:ÄRGER", ""),
    ("x:İstanbul", ""),
    ("x:istanbul", ""),
    ("x:ΟΔΟΣ", ""),
    ("x:οδος", ""),
    ("x:οδοσ", ""),
    ("x:ſerver", ""),
    ("x:\"backup server\"", ""),
    ("x:\"server the\"", ""),
    ("x:\"reported an\"", ""),
    ("x:\"backup removed\"", ""),
    ("x:ba*", ""),
    ("x:\"restic back\"*", ""),
    ("x:full x:disk", ""),
    ("n]42", ""),
    ("n<100", ""),
    ("n[99", ""),
    ("n=a7", ""),
    ("s:ci", ""),
    ("s=in_progress", ""),
    ("@all", ""),
    ("@overdue | g=bug", "!d"),
    ("", "t"),
    ("", "!t"),
    ("", "s!o"),
    ("", "!l"),
    ("", "d"),
    ("", "!d"),
    ("", "h"),
    ("", "r"),
    ("", "e"),
    ("", "!e"),
    ("", "pOwner:"),
    ("", "!pOwner:"),
    ("", "vpriority:"),
    ("", "!vpriority:"),
    ("", "#estimate:"),
    ("", "!#estimate:"),
    ("", "passigned:!n"),
    ("", "!n"),
];

/// Cases whose results may differ, each for a reason written in ARCHITECTURE.md ("Issue 14
/// groundwork"): printed when they do, not failed.
/// * `~` with `İ`: Rust's regex folds case by Unicode simple case folding, which leaves `İ`
///   alone; PostgreSQL's `~*` compares `towlower`/`towupper`, and `towlower('İ')` is `i`, so
///   `^İ` also matches `ilker` there.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[("p=owner:~\"^İ\":", "")];

/// A ticket of the test silo.
struct Ticket {
    number: &'static str,
    title: &'static str,
    summary: &'static str,
    status: char,
    opened: &'static str,
    last_update: &'static str,
    tags: &'static [&'static str],
    props: &'static [(&'static str, &'static str)],
    /// `(text, removed)`
    entries: &'static [(&'static str, bool)],
}

const TICKETS: &[Ticket] = &[
    Ticket {
        number: "1",
        title: "Disk full on backup server",
        summary: "The restic backup stopped",
        status: 'o',
        opened: "2024-01-05T10:00:00Z",
        last_update: "2024-03-10T09:00:00Z",
        tags: &["risk", "Bug"],
        props: &[
            ("assigned", "phil"),
            ("deadline", "2024-03-13"),
            ("estimate", "5"),
            ("priority", "high"),
            ("owner", "Ärger"),
        ],
        entries: &[("restic reported an error", false)],
    },
    Ticket {
        number: "2",
        title: "disk fullness check",
        summary: "nothing to see",
        status: 'a',
        opened: "2023-11-30T23:59:59Z",
        last_update: "2024-03-01T12:00:00Z",
        tags: &["rising"],
        props: &[
            ("Assigned", "Philip"),
            ("reported", "2020-01-02"),
            ("scheduled", "2020-09-07"),
            ("estimate", "3"),
            ("severity", "High"),
            ("Owner", "ärger"),
            ("priority", "urgent"),
        ],
        entries: &[("an err happened", false), ("restic backup removed", true)],
    },
    Ticket {
        number: "42",
        title: "Ärger mit dem Drucker",
        summary: "İstanbul office printer",
        status: 'i',
        opened: "2024-02-01T08:00:00Z",
        last_update: "2024-03-12T18:30:00Z",
        tags: &["ärger", "RISK"],
        props: &[
            ("co_assigned", "PHIL"),
            ("deadline", "2024-03-20"),
            ("scheduled", "2024-03-14"),
            ("estimate", "big"),
            ("priority", "low"),
            ("owner", "İlker"),
        ],
        entries: &[("Errors everywhere", false)],
    },
    Ticket {
        number: "100",
        title: "İ dotted capital",
        summary: "restic",
        status: 'c',
        opened: "2024-03-13T00:00:00Z",
        last_update: "2024-03-13T00:00:00Z",
        tags: &[],
        props: &[
            ("assigned", "ann"),
            ("deadline", "2024-03-01"),
            ("review", "2024-04-01"),
            ("estimate", "2.5"),
            ("priority", "medium"),
            ("owner", "ilker"),
        ],
        entries: &[],
    },
    Ticket {
        number: "101",
        title: "Backup restic weekly",
        summary: "restic backups of the server",
        status: 'b',
        opened: "2022-06-01T00:00:00Z",
        last_update: "2024-02-20T00:00:00Z",
        tags: &["bug"],
        props: &[
            ("assigned", "phil"),
            ("assigned", "ann"),
            ("severity", "low"),
            ("deadline", "soon"),
            ("estimate", "-1"),
        ],
        entries: &[("err", false), ("ERR twice", false)],
    },
    Ticket {
        number: "1000",
        title: "quiet ΟΔΟΣ one",
        summary: "",
        status: 'w',
        opened: "2021-01-01T00:00:00Z",
        last_update: "2023-01-01T00:00:00Z",
        tags: &[],
        props: &[],
        entries: &[],
    },
    Ticket {
        number: "99",
        title: "SERVER THE second",
        summary: "server",
        status: 'p',
        opened: "2024-03-01T00:00:00Z",
        last_update: "2024-03-11T00:00:00Z",
        tags: &["Risk"],
        props: &[("owner", "zed"), ("estimate", "3.0")],
        entries: &[("the backup server", false)],
    },
    Ticket {
        number: "A7",
        title: "lettered number",
        summary: "the",
        status: 'o',
        opened: "2024-03-05T00:00:00Z",
        last_update: "2024-03-05T00:00:00Z",
        tags: &[],
        props: &[("scheduled", "2024-03-13"), ("priority", "high")],
        entries: &[],
    },
];

/// A value for the test's own inserts.
#[derive(Debug, Clone)]
enum V {
    Int(i32),
    Big(i64),
    Real(Option<f64>),
    Text(Option<String>),
}

fn text(s: &str) -> V {
    V::Text(Some(s.to_string()))
}

/// What the test needs of a database: run a statement, and read ticket numbers.
trait Db {
    fn exec(&mut self, sql: &str, params: &[V]);
    fn numbers(&mut self, sql: &str, params: &[SqlValue]) -> Vec<String>;
    fn dialect(&self) -> Dialect;
}

impl Db for rusqlite::Connection {
    fn exec(&mut self, sql: &str, params: &[V]) {
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|v| match v {
                V::Int(i) => (*i).into(),
                V::Big(i) => (*i).into(),
                V::Real(r) => (*r).into(),
                V::Text(t) => t.clone().into(),
            })
            .collect();
        self.execute(sql, rusqlite::params_from_iter(values))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn numbers(&mut self, sql: &str, params: &[SqlValue]) -> Vec<String> {
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|v| match v {
                SqlValue::Null => rusqlite::types::Value::Null,
                SqlValue::Integer(i) => (*i).into(),
                SqlValue::Real(r) => (*r).into(),
                SqlValue::Text(t) => t.clone().into(),
            })
            .collect();
        let mut st = self
            .prepare(sql)
            .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
        let rows = st
            .query_map(rusqlite::params_from_iter(values), |r| {
                r.get::<_, String>(0)
            })
            .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
        rows.map(|r| r.unwrap()).collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

type PgParam = Box<dyn postgres::types::ToSql + Sync>;

fn pg_params<T>(values: &[T], f: impl Fn(&T) -> PgParam) -> Vec<PgParam> {
    values.iter().map(f).collect()
}

fn pg_refs(params: &[PgParam]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.as_ref()).collect()
}

impl Db for postgres::Client {
    fn exec(&mut self, sql: &str, params: &[V]) {
        let params = pg_params(params, |v| match v {
            V::Int(i) => Box::new(*i),
            V::Big(i) => Box::new(*i),
            V::Real(r) => Box::new(*r),
            V::Text(t) => Box::new(t.clone()),
        });
        self.execute(sql, &pg_refs(&params))
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    fn numbers(&mut self, sql: &str, params: &[SqlValue]) -> Vec<String> {
        let params = pg_params(params, |v| match v {
            SqlValue::Null => Box::new(None::<String>),
            SqlValue::Integer(i) => Box::new(*i),
            SqlValue::Real(r) => Box::new(*r),
            SqlValue::Text(t) => Box::new(t.clone()),
        });
        self.query(sql, &pg_refs(&params))
            .unwrap_or_else(|e| panic!("PostgreSQL: {sql}: {e:?}"))
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// Writes the tickets into the derived tables the way the storage would: the `_lc` columns in
/// Rust's lower case, `value_num`/`value_date` as the domain derives them, `earliest` from the
/// date keys, entries as records of the log, and the full-text index.
fn load(db: &mut dyn Db) {
    let pg = db.dialect() == Dialect::Postgres;
    db.exec(
        "INSERT INTO change_sets (id, clock, replica, at, author) VALUES (1, 1, 1, '2024-03-13T00:00:00Z', 'tester')",
        &[],
    );
    let mut record = 0i64;
    for (i, t) in TICKETS.iter().enumerate() {
        let id = i as i64 + 1;
        let status = STATUSES
            .iter()
            .find(|s| s.letter == t.status)
            .expect("a status letter")
            .ordinal;
        let earliest = t
            .props
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.to_lowercase().as_str(),
                    "deadline" | "scheduled" | "review"
                )
            })
            .filter_map(|(_, v)| value_date(v))
            .min();
        let mut row = vec![
            V::Big(id),
            text(t.number),
            text(t.title),
            text(t.summary),
            V::Int(i32::from(status)),
            text(t.opened),
            text(t.last_update),
            V::Text(earliest),
        ];
        if pg {
            row.push(text(&t.title.to_lowercase()));
            row.push(text(&t.summary.to_lowercase()));
            db.exec(
                "INSERT INTO tickets (id, number, title, summary, status, opened, last_update, earliest, title_lc, summary_lc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &row,
            );
        } else {
            db.exec(
                "INSERT INTO tickets (id, number, title, summary, status, opened, last_update, earliest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &row,
            );
        }
        for tag in t.tags {
            db.exec(
                "INSERT INTO tags (ticket_id, tag, tag_lc) VALUES ($1, $2, $3)",
                &[V::Big(id), text(tag), text(&tag.to_lowercase())],
            );
        }
        for (place, (key, value)) in t.props.iter().enumerate() {
            db.exec(
                "INSERT INTO properties (ticket_id, id, key, key_lc, value, value_lc, value_num, value_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    V::Big(id),
                    V::Big(place as i64 + 1),
                    text(key),
                    text(&key.to_lowercase()),
                    text(value),
                    text(&value.to_lowercase()),
                    V::Real(parse_decimal(value)),
                    V::Text(value_date(value)),
                ],
            );
        }
        for (n, (entry, removed)) in t.entries.iter().enumerate() {
            record += 1;
            let change = (1i64 << 16) | record;
            db.exec(
                "INSERT INTO changes (id, ticket, op, value) VALUES ($1, $2, 1, $3)",
                &[V::Big(change), V::Big(id), text(entry)],
            );
            let mut row = vec![
                V::Big(id),
                V::Int(n as i32 + 1),
                V::Big(change),
                V::Int(i32::from(*removed)),
            ];
            if pg {
                row.push(text(&entry.to_lowercase()));
                db.exec(
                    "INSERT INTO entry_rows (ticket_id, n, change, minutes, removed, text_lc) VALUES ($1, $2, $3, 0, $4, $5)",
                    &row,
                );
            } else {
                db.exec(
                    "INSERT INTO entry_rows (ticket_id, n, change, minutes, removed) VALUES ($1, $2, $3, 0, $4)",
                    &row,
                );
            }
        }
        let entries: Vec<&str> = t
            .entries
            .iter()
            .filter(|(_, removed)| !removed)
            .map(|(e, _)| *e)
            .collect();
        let entries = entries.join("\n");
        if pg {
            db.exec(
                "INSERT INTO ticket_fts (ticket_id, doc) VALUES ($1, $2::text::tsvector)",
                &[
                    V::Big(id),
                    text(&fts_document([t.title, t.summary, &entries])),
                ],
            );
        } else {
            db.exec(
                "INSERT INTO ticket_fts (rowid, title, summary, entries) VALUES ($1, $2, $3, $4)",
                &[V::Big(id), text(t.title), text(t.summary), text(&entries)],
            );
        }
    }
}

fn value_date(value: &str) -> Option<String> {
    parse_absolute(value).map(|(d, _)| d.date().format("%Y-%m-%d").to_string())
}

/// An in-memory SQLite silo: the core's schema scripts (versions 1 to 3; the conversion of an
/// old log between the two halves of version 3 has nothing to convert here) and the functions
/// the core registers, `regexp`, a Unicode `lower` and `contains_ci`.
fn sqlite() -> rusqlite::Connection {
    use rusqlite::functions::FunctionFlags;
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let pattern: String = ctx.get(0)?;
        let text: Option<String> = ctx.get(1)?;
        let re = regex::RegexBuilder::new(&pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
        Ok(text.is_some_and(|t| re.is_match(&t)))
    })
    .unwrap();
    conn.create_scalar_function("lower", 1, flags, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|t| t.to_lowercase()))
    })
    .unwrap();
    // the core's is faster; this is its definition
    conn.create_scalar_function("contains_ci", 2, flags, |ctx| {
        let needle: String = ctx.get(1)?;
        Ok(ctx
            .get::<Option<String>>(0)?
            .map(|t| t.to_lowercase().contains(&needle)))
    })
    .unwrap();
    for script in [
        include_str!("../../ticket-core/src/storage/schema_v1.sql"),
        include_str!("../../ticket-core/src/storage/schema_v2.sql"),
        include_str!("../../ticket-core/src/storage/schema_v3.sql"),
        include_str!("../../ticket-core/src/storage/schema_v3_post.sql"),
        include_str!("../../ticket-core/src/storage/schema_v4.sql"),
    ] {
        conn.execute_batch(script).unwrap();
    }
    conn
}

/// A fresh schema in the database of `TICKET_TEST_POSTGRES`, holding the team schema; dropped
/// when the test ends.
struct PgSchema {
    client: postgres::Client,
    name: String,
}

impl PgSchema {
    fn new(url: &str) -> PgSchema {
        let mut client = postgres::Client::connect(url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to TICKET_TEST_POSTGRES: {e}"));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("ticket_dialects_{}_{nanos}", std::process::id());
        client
            .batch_execute(&format!("CREATE SCHEMA {name}; SET search_path TO {name};"))
            .unwrap();
        client
            .batch_execute(include_str!(
                "../../ticket-core/src/storage/postgres/schema.sql"
            ))
            .unwrap_or_else(|e| panic!("the PostgreSQL schema does not load: {e:?}"));
        PgSchema { client, name }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

/// The PostgreSQL silo, or `None` (said loudly; a failure in CI) without `TICKET_TEST_POSTGRES`.
fn postgres() -> Option<PgSchema> {
    match std::env::var("TICKET_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(PgSchema::new(&url)),
        _ => {
            let message =
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !!! TICKET_TEST_POSTGRES is not set: the PostgreSQL dialect was NOT   !!!\n\
                 !!! tested. Run scripts/test.sh, or eval \"$(scripts/postgres.sh start)\" !!!\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n";
            // past the test harness's capture of `eprintln!`, so that a passing run shows it
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            if std::env::var_os("CI").is_some() {
                panic!("CI must test the PostgreSQL dialect: TICKET_TEST_POSTGRES is not set");
            }
            None
        }
    }
}

fn compiled(dialect: Dialect, key: &str, sort: &str) -> Compiled {
    compile_for(
        dialect,
        &parse_search(key).unwrap_or_else(|e| panic!("{key}: {e}")),
        &parse_sort(sort).unwrap(),
        &TestCatalogue,
        today(),
    )
    .unwrap_or_else(|e| panic!("{key} / {sort}: {e}"))
}

/// The ticket numbers each statement of a case selects in one database: the ordered list, and
/// a page of it (`LIMIT 3 OFFSET 1`, and an offset alone), the count, and the unordered ids.
fn run(db: &mut dyn Db, key: &str, sort: &str) -> Vec<Vec<String>> {
    let c = compiled(db.dialect(), key, sort);
    let mut out = Vec::new();
    for (limit, offset) in [(None, 0), (Some(3), 1), (None, 2)] {
        let (sql, params) = c.select_sql("t.number, t.id", limit, offset);
        out.push(db.numbers(&sql, &params));
    }
    let (sql, params) = c.count_sql();
    out.push(db.numbers(&format!("SELECT CAST(({sql}) AS TEXT)"), &params));
    let (sql, params) = c.ids_sql();
    let mut ids = db.numbers(
        &format!("SELECT t.number FROM tickets t WHERE t.id IN ({sql})"),
        &params,
    );
    ids.sort();
    out.push(ids);
    let (sql, params) = c.one_ticket_sql(3);
    out.push(db.numbers(&format!("SELECT CAST(({sql}) AS TEXT)"), &params));
    out
}

/// The same searches give the same tickets in the same order on both backends.
#[test]
fn both_dialects_select_the_same_tickets_in_the_same_order() {
    let mut lite = sqlite();
    load(&mut lite);
    let cases: Vec<(&str, &str)> = SPEC_CASES.iter().chain(MORE_CASES).copied().collect();
    let mut results: BTreeMap<usize, Vec<Vec<String>>> = BTreeMap::new();
    for (i, (key, sort)) in cases.iter().enumerate() {
        results.insert(i, run(&mut lite, key, sort));
    }
    // the data makes the cases tell tickets apart: most select some but not all tickets
    let all = TICKETS.len();
    let telling = results
        .values()
        .filter(|r| (1..all).contains(&r[0].len()))
        .count();
    assert!(
        telling * 10 >= cases.len() * 6,
        "{telling} of {}",
        cases.len()
    );

    let Some(mut pg) = postgres() else { return };
    load(&mut pg.client);
    let mut differ = Vec::new();
    for (i, (key, sort)) in cases.iter().enumerate() {
        let theirs = run(&mut pg.client, key, sort);
        if theirs != results[&i] && KNOWN_DIFFERENCES.contains(&(key, sort)) {
            eprintln!(
                "known difference, {key:?} sorted {sort:?}:\n  SQLite:     {:?}\n  PostgreSQL: {theirs:?}",
                results[&i]
            );
        } else if theirs != results[&i] {
            differ.push(format!(
                "{key:?} sorted {sort:?}:\n  SQLite:     {:?}\n  PostgreSQL: {theirs:?}",
                results[&i]
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The Unicode cases select what the language means (so that agreeing is not agreeing on
/// nothing): `Ärger` is `ärger`, and `İ` lower-cases to `i` + U+0307, which is not `i`.
#[test]
fn unicode_case_selects_what_the_language_means() {
    let expect: HashMap<&str, &[&str]> = HashMap::from([
        ("g=ärger", &["42"][..]),
        ("g=ÄRGER", &["42"][..]),
        ("p=owner:=ärger:", &["1", "2"][..]),
        ("p=owner:^i:", &["42", "100"][..]),
        ("p=owner:=ilker:", &["100"][..]),
        ("p=owner:=i̇lker:", &["42"][..]),
        ("t:ärger", &["42"][..]),
        ("t~\"^ä\"", &["42"][..]),
        ("u:istanbul", &[][..]),
        ("u:i̇stanbul", &["42"][..]),
        ("x:ÄRGER", &["42"][..]),
        ("x:İstanbul", &["42"][..]),
        ("x:istanbul", &[][..]),
        ("x:ΟΔΟΣ", &["1000"][..]),
        ("x:οδος", &["1000"][..]),
        ("x:\"server the\"", &["99"][..]),
        ("x:\"backup removed\"", &[][..]),
        ("e:removed", &[][..]),
    ]);
    let mut lite = sqlite();
    load(&mut lite);
    let mut pg = postgres();
    if let Some(pg) = pg.as_mut() {
        load(&mut pg.client);
    }
    for (key, want) in expect {
        assert_eq!(run(&mut lite, key, "")[0], want, "SQLite: {key}");
        if let Some(pg) = pg.as_mut() {
            assert_eq!(run(&mut pg.client, key, "")[0], want, "PostgreSQL: {key}");
        }
    }
}

/// A document past PostgreSQL's limits still loads: over-long words are left out (and a search
/// for one matches nothing instead of failing), positions stop at 16383, a word keeps 255.
#[test]
fn full_text_documents_stay_within_postgres_limits() {
    let long = "a".repeat(3000);
    let many: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
    let repeated = "echo ".repeat(300);
    let doc = fts_document([long.as_str(), &many.join(" "), &repeated]);
    assert!(!doc.contains(&long));
    // the left-out word still takes its position, then one free between the parts
    assert!(doc.contains("'w0':3 "), "{}", &doc[..40]);
    assert!(doc.contains("'w19999':16383"));
    let echo = doc.split(' ').find(|l| l.starts_with("'echo':")).unwrap();
    assert_eq!(
        echo.split(',').count(),
        1,
        "all past the last position: {echo}"
    );
    let again = fts_document([repeated.as_str()]);
    assert_eq!(again.split(',').count(), 255);

    let c = compiled(Dialect::Postgres, &format!("x:{long}"), "");
    assert!(
        c.count_sql().0.ends_with("WHERE FALSE"),
        "{}",
        c.count_sql().0
    );
    let Some(mut pg) = postgres() else { return };
    for d in [&doc, &again] {
        let n: i32 = pg
            .client
            .query_one("SELECT length($1::text::tsvector)", &[d])
            .unwrap()
            .get(0);
        assert!(n > 0);
    }
    load(&mut pg.client);
    let (sql, params) = c.count_sql();
    assert_eq!(
        pg.client
            .numbers(&format!("SELECT CAST(({sql}) AS TEXT)"), &params),
        ["0"]
    );
}

/// Exact and prefix matches, comparisons and full text are answered from b-tree (and GIN)
/// indexes in PostgreSQL: the `COLLATE "C"` columns take the typed parameters' ranges.
#[test]
fn postgres_answers_matches_from_indexes() {
    let Some(mut pg) = postgres() else { return };
    load(&mut pg.client);
    pg.client.batch_execute("SET enable_seqscan = off").unwrap();
    for (key, index) in [
        ("g=risk", "tags_lc"),
        ("g^ri", "tags_lc"),
        ("p=owner:=ärger:", "properties_kv"),
        ("p=owner:^i:", "properties_kv"),
        ("p=estimate:>3:", "properties_num"),
        ("p=deadline:<.:", "properties_date"),
        ("t=x", "tickets_title_lc"),
        ("t^x", "tickets_title_lc"),
        ("x:\"restic backup\"", "ticket_fts_doc"),
        ("x:rest*", "ticket_fts_doc"),
        ("n=42", "tickets_number_key"),
        ("p=opened:]2024-01-01:", "tickets_opened"),
    ] {
        let (sql, params) = compiled(Dialect::Postgres, key, "").count_sql();
        let plan = pg
            .client
            .numbers(&format!("EXPLAIN {sql}"), &params)
            .join("\n");
        assert!(plan.contains(index), "{key}: no {index} in\n{plan}");
        assert!(!plan.contains("Seq Scan"), "{key}:\n{plan}");
    }
}

/// A team silo's search probes `tickets` by key for the ids of one semi-join, taken in order
/// (`= ANY(ARRAY(…))`): the first that is a conjunct of the whole key. The others stay `IN`
/// (a hashed subplan): a second `= ANY` would scan its array for every row, and one under an
/// OR or a NOT would too. The statements' meaning is the test above; this is their shape.
#[test]
fn postgres_drives_by_one_semi_join_that_is_a_conjunct() {
    let drives = |key: &str| {
        let (sql, _) = compiled(Dialect::Postgres, key, "").count_sql();
        (sql.matches("= ANY(ARRAY(SELECT").count(), sql)
    };
    for (key, expected) in [
        ("g=bug", 1),
        ("g=bug g=risk p=estimate:>1:", 1),
        ("s:* p^assigned=user3:", 1),
        ("g=bug | g=risk", 1),
        ("s:* (g=bug | g=risk) !p=priority:=low:", 1),
        ("!g=bug", 0),
        ("g=bug | p=estimate:>2:", 0),
        ("!g=bug p=estimate:>2:", 1),
        ("t:disk", 0),
        ("@overdue", 1),
    ] {
        let (n, sql) = drives(key);
        assert_eq!(n, expected, "{key}: {sql}");
    }
    // the driving one is the first conjunct that is a semi-join; the other semi-joins and
    // negated semi-joins of the chain join its ids inside the array, so no hashed subplan
    // is tested on the tickets it fetches; SQLite keeps IN throughout
    let (_, sql) = drives("!g=bug p=estimate:>2: g=risk");
    assert_eq!(
        sql,
        "SELECT count(*) FROM tickets t WHERE (t.id = ANY(ARRAY(SELECT d.id FROM (SELECT ticket_id FROM properties WHERE key_lc = $1::text AND value_num > $2::float8) d(id) WHERE NOT EXISTS (SELECT 1 FROM (SELECT ticket_id FROM tags WHERE tag_lc = $3::text) s(id) WHERE s.id = d.id) AND EXISTS (SELECT 1 FROM (SELECT ticket_id FROM tags WHERE tag_lc = $4::text) s(id) WHERE s.id = d.id))))"
    );
    // a NOT of more than one semi-join (an AND, an OR) stays outside; an OR of exact tags
    // is one semi-join and goes in
    let (_, sql) = drives("g=bug !(g=risk p=estimate:>1:) !(g=a | p=estimate:>2:) !(g=c | g=d)");
    assert_eq!(sql.matches("NOT ((t.id IN (SELECT").count(), 2, "{sql}");
    assert!(
        sql.contains(
            "WHERE NOT EXISTS (SELECT 1 FROM (SELECT ticket_id FROM tags WHERE tag_lc IN ("
        ),
        "{sql}"
    );
    let (sql, _) = compiled(Dialect::Sqlite, "g=bug p=estimate:>2:", "").count_sql();
    assert!(!sql.contains("ANY"), "{sql}");
}

/// [`fts_document_binary`] sent as a `tsvector` parameter in binary.
#[derive(Debug)]
struct Binary(Vec<u8>);

impl postgres::types::ToSql for Binary {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(postgres::types::IsNull::No)
    }
    fn accepts(ty: &postgres::types::Type) -> bool {
        *ty == postgres::types::Type::TS_VECTOR
    }
    postgres::types::to_sql_checked!();
}

/// The binary form of a document is the text form, as PostgreSQL reads the two: the same
/// lexemes and positions, for documents within its limits and past them, in several scripts.
#[test]
fn the_binary_form_of_a_document_is_its_text_form() {
    let long = "a".repeat(3000);
    let many: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
    let repeated = "echo ".repeat(300);
    let cases: Vec<Vec<String>> = vec![
        vec![],
        vec!["".into(), "".into()],
        vec!["Disk full".into(), "".into(), "disk ärger\nFULL".into()],
        vec![long.clone(), many.join(" "), repeated.clone()],
        vec![
            "ΟΔΟΣ İstanbul 東京 z a zz a1 a".into(),
            "don't back\\slash".into(),
        ],
    ];
    let bytes = fts_document_binary(["Disk full"]);
    assert_eq!(&bytes[..4], &2i32.to_be_bytes());
    let Some(mut pg) = postgres() else { return };
    for parts in &cases {
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let text = fts_document(parts.iter().copied());
        let binary = Binary(fts_document_binary(parts.iter().copied()));
        let row = pg
            .client
            .query_one(
                "SELECT $1::tsvector = $2::text::tsvector, $1::tsvector::text",
                &[&binary, &text],
            )
            .unwrap();
        let same: bool = row.get(0);
        let shown: String = row.get(1);
        assert!(same, "{parts:?}");
        assert_eq!(shown, text);
    }
}
