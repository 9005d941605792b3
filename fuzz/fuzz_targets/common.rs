//! What the search targets share: a catalogue like a configured silo's (date keys, `Priority`
//! vrules, saved searches including a cycle) and one in-memory SQLite database per process with
//! the silo schema as ticket-core's migrations create it (`ticket-core/src/storage/`), a few
//! rows, and the functions a silo registers (`regexp(pattern, text)` case-insensitive, Unicode
//! `lower`). The compiled statements of every parsed key must prepare and run there.
use chrono::NaiveDate;
use rusqlite::functions::FunctionFlags;
use rusqlite::{params_from_iter, Connection};
use std::cell::RefCell;
use ticket_query::{Catalogue, Compiled, SqlValue, StatusInfo, STATUSES};

const SCHEMA: &str = concat!(
    include_str!("../../ticket-core/src/storage/schema_v1.sql"),
    include_str!("../../ticket-core/src/storage/schema_v2.sql")
);

const ROWS: &str = "
INSERT INTO tickets VALUES (1,'u1','1','Disk full on backup','restic failed',0,'2024-03-01T09:00:00.000000Z','2024-03-10T09:00:00.000000Z','2024-03-20');
INSERT INTO tickets VALUES (2,'u2','2','Printer ''quotes'' ; --','',5,'2024-03-02T09:00:00.000000Z','2024-03-02T09:00:00.000000Z',NULL);
INSERT INTO tickets VALUES (3,'u3','10','Ünïcödé ß','x',1,'2024-03-03T09:00:00.000000Z','2024-03-12T09:00:00.000000Z','2024-03-13');
INSERT INTO tags VALUES (1,'Risk','risk'),(1,'bug','bug'),(3,'ÉTÉ','été');
INSERT INTO properties(ticket_id,key,key_lc,value,value_lc,value_num,value_date) VALUES
 (1,'Assigned','assigned','user3','user3',NULL,NULL),(1,'Priority','priority','high','high',NULL,NULL),
 (1,'Deadline','deadline','2024-03-20','2024-03-20',NULL,'2024-03-20'),(1,'Estimate','estimate','4','4',4.0,NULL),
 (2,'Priority','priority','low','low',NULL,NULL),(2,'Scheduled','scheduled','2024-03-01 10:00','2024-03-01 10:00',NULL,'2024-03-01'),
 (3,'Review','review','2024-03-13','2024-03-13',NULL,'2024-03-13'),(3,'Client','client','ACME','acme',NULL,NULL);
INSERT INTO entries VALUES (1,1,'restic backup failed','bench','2024-03-10T09:00:00.000000Z',15,0);
INSERT INTO ticket_fts(rowid,title,summary,entries) VALUES (1,'Disk full on backup','restic failed','restic backup failed'),
 (2,'Printer ''quotes'' ; --','',''),(3,'Ünïcödé ß','x','');
";

/// The catalogue of the fuzz silo.
pub struct FuzzCatalogue;

impl Catalogue for FuzzCatalogue {
    fn statuses(&self) -> &[StatusInfo] {
        &STATUSES
    }
    fn is_date_key(&self, key_lc: &str) -> bool {
        matches!(
            key_lc,
            "scheduled" | "deadline" | "review" | "opened" | "last_update" | "earliest" | "due"
        )
    }
    fn value_order(&self, key_lc: &str) -> Option<Vec<String>> {
        (key_lc == "priority").then(|| vec!["low".into(), "medium".into(), "high".into()])
    }
    fn saved_search(&self, name: &str) -> Option<String> {
        match name.to_lowercase().as_str() {
            "mine" => Some("s:* p=assigned:=user3:".into()),
            "loop_a" => Some("@loop_b".into()),
            "loop_b" => Some("g=x @loop_a".into()),
            _ => None,
        }
    }
}

/// Today for date expressions.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 13).expect("valid")
}

fn make_db() -> Connection {
    let db = Connection::open_in_memory().expect("in-memory db");
    db.execute_batch(SCHEMA).expect("schema");
    db.execute_batch(ROWS).expect("rows");
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    db.create_scalar_function("lower", 1, flags, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase()))
    })
    .expect("lower");
    db.create_scalar_function("regexp", 2, flags, |ctx| {
        let pattern: String = ctx.get(0)?;
        let text: Option<String> = ctx.get(1)?;
        let re = regex::RegexBuilder::new(&pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
        Ok(text.is_some_and(|t| re.is_match(&t)))
    })
    .expect("regexp");
    db
}

thread_local! {
    static DB: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn to_sql(v: &SqlValue) -> rusqlite::types::Value {
    match v {
        SqlValue::Null => rusqlite::types::Value::Null,
        SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
        SqlValue::Real(r) => rusqlite::types::Value::Real(*r),
        SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
    }
}

/// Runs every statement a compiled search produces; a database error is a bug.
pub fn run(compiled: &Compiled, what: &str) {
    DB.with(|cell| {
        let mut slot = cell.borrow_mut();
        let db = slot.get_or_insert_with(make_db);
        for (sql, params) in [
            compiled.select_sql("t.id, t.number", None, 0),
            compiled.select_sql("t.id", Some(2), 1),
            compiled.count_sql(),
            compiled.one_ticket_sql(1),
        ] {
            let params: Vec<_> = params.iter().map(to_sql).collect();
            let result = db.prepare(&sql).and_then(|mut stmt| {
                let mut rows = stmt.query(params_from_iter(params.iter()))?;
                while rows.next()?.is_some() {}
                Ok(())
            });
            if let Err(e) = result {
                panic!("{what}: compiled SQL failed in SQLite: {e}\n{sql}\n{params:?}");
            }
        }
    })
}
