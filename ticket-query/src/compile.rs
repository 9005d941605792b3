//! The compiler: a search key and a sort rule become one parameterised SQL statement over the
//! derived tables (`tickets t`, `tags`, `properties`, `entries`, `ticket_fts`).
//!
//! Every term that looks at another table is an `IN (SELECT ticket_id …)` subquery that SQLite
//! drives from the selective index (`tags_lc`, `properties_kv`, `properties_num`,
//! `properties_date`), never a correlated scan per ticket. Text comparisons use the `_lc`
//! columns, which hold the Unicode lower case; the operand is lower-cased here, in Rust.
//! `lower()` in the SQL is expected to be Unicode-aware (the silo registers it) and
//! `regexp(pattern, text)` case-insensitive. The spellings that differ between SQLite and
//! PostgreSQL come from [`Dialect`].
use chrono::NaiveDate;

use crate::ast::*;
use crate::catalogue::Catalogue;
use crate::date::parse_date_expr;
use crate::dialect::{fts_words, Dialect, Field, FieldColumns};
use crate::error::{Error, ErrorKind};
use crate::parser::parse_search;
use crate::span::Span;
use crate::sql::{Sql, SqlValue, Statement};

/// A compiled search: the condition on `tickets t` and the order, with their bound values.
#[derive(Debug, Clone)]
pub struct Compiled {
    dialect: Dialect,
    condition: Sql,
    order: Sql,
}

/// The largest character, so that `x >= p AND x < p || MAX` selects the strings starting with `p`.
const MAX_CHAR: char = '\u{10FFFF}';

/// How far back (days) the lower bound of a timestamp range may lie and still count as a
/// window of recent activity, which the planner is led to expect holds a small share of the
/// tickets ([`Dialect::recent_lower_bound`]): a quarter.
const RECENT_DAYS: i64 = 92;

impl Compiled {
    /// The dialect the statements are written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// `head…` + ` WHERE condition` + ` ORDER BY order` (when `with_order`).
    fn statement(&self, head: &[&'static str], with_order: bool) -> Statement {
        let head_len: usize = head.iter().map(|h| h.len()).sum();
        let mut st = Statement::with_capacity(
            self.dialect,
            head_len + self.condition.len() + self.order.len() + 64,
        );
        for h in head {
            st.push(h);
        }
        if !self.condition.is_empty() {
            st.push(" WHERE ").sql(&self.condition);
        }
        if with_order {
            st.push(" ORDER BY ").sql(&self.order);
        }
        st
    }

    /// `SELECT <columns> FROM tickets t WHERE … ORDER BY …`, with `LIMIT`/`OFFSET` when given
    /// (SQLite writes no limit as `LIMIT -1`, PostgreSQL leaves it out).
    /// `columns` is fixed program text such as `"t.id, t.number"`.
    pub fn select_sql(
        &self,
        columns: &'static str,
        limit: Option<u64>,
        offset: u64,
    ) -> (String, Vec<SqlValue>) {
        let mut st = self.statement(&["SELECT ", columns, " FROM tickets t"], true);
        if limit.is_some() || offset > 0 {
            if limit.is_some() || self.dialect == Dialect::Sqlite {
                st.push(" LIMIT ").bind(SqlValue::Integer(
                    limit.map_or(-1, |l| l.min(i64::MAX as u64) as i64),
                ));
            }
            st.push(" OFFSET ")
                .bind(SqlValue::Integer(offset.min(i64::MAX as u64) as i64));
        }
        st.finish()
    }

    /// `SELECT count(*) FROM tickets t WHERE …`.
    pub fn count_sql(&self) -> (String, Vec<SqlValue>) {
        self.statement(&["SELECT count(*) FROM tickets t"], false)
            .finish()
    }

    /// `SELECT t.id FROM tickets t WHERE …`: the selection, unordered, for use as a subquery.
    pub fn ids_sql(&self) -> (String, Vec<SqlValue>) {
        self.statement(&["SELECT t.id FROM tickets t"], false)
            .finish()
    }

    /// Whether one ticket matches: `SELECT count(*) FROM tickets t WHERE (…) AND t.id = ?`
    /// with the ticket id bound last (validation selectors).
    pub fn one_ticket_sql(&self, id: i64) -> (String, Vec<SqlValue>) {
        let mut st = Statement::with_capacity(self.dialect, self.condition.len() + 64);
        st.push("SELECT count(*) FROM tickets t WHERE ");
        if !self.condition.is_empty() {
            st.push("(").sql(&self.condition).push(") AND ");
        }
        st.push("t.id = ").bind(SqlValue::Integer(id));
        st.finish()
    }
}

/// Compiles a search key and a sort rule against the catalogue, with `today` for date
/// expressions, to SQLite's SQL ([`compile_for`] chooses the dialect).
///
/// ```
/// use ticket_query::{compile, parse_search, parse_sort, Catalogue, StatusInfo, STATUSES};
/// struct Plain;
/// impl Catalogue for Plain {
///     fn statuses(&self) -> &[StatusInfo] { &STATUSES }
///     fn is_date_key(&self, key: &str) -> bool { key == "deadline" }
///     fn value_order(&self, _: &str) -> Option<Vec<String>> { None }
///     fn saved_search(&self, _: &str) -> Option<String> { None }
/// }
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
/// let key = parse_search("g=risk").unwrap();
/// let compiled = compile(&key, &parse_sort("").unwrap(), &Plain, today).unwrap();
/// let (sql, params) = compiled.count_sql();
/// assert_eq!(sql, "SELECT count(*) FROM tickets t WHERE t.id IN (SELECT ticket_id FROM tags WHERE tag_lc = ?1)");
/// assert_eq!(params, vec![ticket_query::SqlValue::Text("risk".into())]);
/// ```
pub fn compile(
    search: &SearchKey,
    sort: &SortRule,
    cat: &dyn Catalogue,
    today: NaiveDate,
) -> Result<Compiled, Error> {
    compile_for(Dialect::Sqlite, search, sort, cat, today)
}

/// [`compile`] for a given dialect: the same meaning, written for SQLite or PostgreSQL.
///
/// ```
/// use ticket_query::{compile_for, parse_search, parse_sort, Catalogue, Dialect, StatusInfo, STATUSES};
/// struct Plain;
/// impl Catalogue for Plain {
///     fn statuses(&self) -> &[StatusInfo] { &STATUSES }
///     fn is_date_key(&self, key: &str) -> bool { key == "deadline" }
///     fn value_order(&self, _: &str) -> Option<Vec<String>> { None }
///     fn saved_search(&self, _: &str) -> Option<String> { None }
/// }
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 13).unwrap();
/// let key = parse_search("g~\"^ri\"").unwrap();
/// let compiled = compile_for(Dialect::Postgres, &key, &parse_sort("").unwrap(), &Plain, today).unwrap();
/// let (sql, _) = compiled.count_sql();
/// assert_eq!(sql, "SELECT count(*) FROM tickets t WHERE t.id = ANY(ARRAY(SELECT ticket_id FROM tags WHERE tag ~* $1::text))");
/// ```
pub fn compile_for(
    dialect: Dialect,
    search: &SearchKey,
    sort: &SortRule,
    cat: &dyn Catalogue,
    today: NaiveDate,
) -> Result<Compiled, Error> {
    let mut c = Compiler {
        dialect,
        cat,
        today,
        saved_stack: Vec::new(),
        conjunct: true,
        driven: false,
    };
    let mut condition = Sql::default();
    if let Some(expr) = &search.expr {
        c.expr(expr, &mut condition)?;
    }
    let order = c.order(sort)?;
    Ok(Compiled {
        dialect,
        condition,
        order,
    })
}

struct Compiler<'a> {
    dialect: Dialect,
    cat: &'a dyn Catalogue,
    today: NaiveDate,
    saved_stack: Vec<String>,
    /// Whether the expression being written is a conjunct of the whole condition (not under
    /// an OR or a NOT): see [`Compiler::semi_join`].
    conjunct: bool,
    /// Whether a semi-join has been written as the driving one already.
    driven: bool,
}

fn text_match(
    dialect: Dialect,
    sql: &mut Sql,
    cols: FieldColumns,
    op: MatchOp,
    text: &Text,
) -> Result<(), Error> {
    let (col_lc, col_raw) = (cols.lc, cols.raw);
    let lc = text.value.to_lowercase();
    match op {
        MatchOp::Exact => {
            sql.push(col_lc).push(" = ").text(lc);
        }
        MatchOp::Prefix => {
            let mut upper = lc.clone();
            upper.push(MAX_CHAR);
            sql.push(col_lc)
                .push(" >= ")
                .text(lc)
                .push(" AND ")
                .push(col_lc)
                .push(" < ")
                .text(upper);
        }
        MatchOp::Contains => dialect.contains(sql, cols, lc),
        MatchOp::Regex => {
            check_regex(text)?;
            dialect.regex(sql, col_raw, text.value.clone());
        }
    }
    Ok(())
}

fn check_regex(text: &Text) -> Result<(), Error> {
    regex::RegexBuilder::new(&text.value)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map(|_| ())
        .map_err(|e| {
            let detail = e.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .to_string();
            Error::new(
                ErrorKind::BadRegex,
                text.span,
                format!("invalid regular expression: {last}"),
            )
        })
}

fn cmp_symbol(op: ValueOp) -> &'static str {
    match op {
        ValueOp::Ge => " >= ",
        ValueOp::Le => " <= ",
        ValueOp::Gt => " > ",
        ValueOp::Lt => " < ",
        ValueOp::Match(_) => " = ",
    }
}

/// A plain decimal number (`3`, `-2.5`, `+.5`), or `None`. The domain fills the
/// `properties.value_num` column with this same function, so a numeric comparison in a search
/// sees exactly the values stored as numbers.
///
/// ```
/// assert_eq!(ticket_query::parse_decimal(" 2.5 "), Some(2.5));
/// assert_eq!(ticket_query::parse_decimal("1e3"), None);
/// assert_eq!(ticket_query::parse_decimal("."), None);
/// ```
pub fn parse_decimal(text: &str) -> Option<f64> {
    let t = text.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty()
        || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
        || body.matches('.').count() > 1
        || body == "."
    {
        return None;
    }
    t.parse().ok()
}

/// The most operands joined in one parenthesised run of `OR`/`AND`. SQLite parses
/// `a OR b OR c …` into a left-deep tree, one level per operator, and refuses trees deeper than
/// 1000: a key of a thousand `|`-joined terms (legal, well under the 8 KiB limit) would fail in
/// the database. Longer chains are split into at most this many runs, each parenthesised and
/// split again as needed, so the depth grows with the logarithm of the chain's length (an
/// 8 KiB key gives four levels of at most 8) while short chains keep their plain form.
const RUN: usize = 8;

/// How the driving semi-join of a PostgreSQL condition opens and closes
/// ([`Compiler::semi_join`]).
const DRIVER_OPEN: &str = "t.id = ANY(ARRAY(";
const DRIVER_CLOSE: &str = "))";

/// The operands of a chain of `Or` (or of `And`), with chains of the same kind nested in it by
/// parentheses (`(a | b) | c`) flattened into one list.
fn chain<'e>(parts: &'e [Expr], or: bool, into: &mut Vec<&'e Expr>) {
    for p in parts {
        match p {
            Expr::Or(inner, _) if or => chain(inner, or, into),
            Expr::And(inner, _) if !or => chain(inner, or, into),
            _ => into.push(p),
        }
    }
}

/// The text of an exact tag term (`g=bug:`).
fn exact_tag(expr: &Expr) -> Option<&Text> {
    match expr {
        Expr::Term(Term::Tag {
            op: MatchOp::Exact,
            text,
            ..
        }) => Some(text),
        _ => None,
    }
}

/// The texts of the exact tag terms among a chain's operands, in order.
fn exact_tags<'e>(operands: &[&'e Expr]) -> Vec<&'e Text> {
    operands.iter().filter_map(|p| exact_tag(p)).collect()
}

impl Compiler<'_> {
    /// `(p1 J p2 J …)` for a short chain; a long one as at most [`RUN`] parenthesised runs of
    /// `ceil(len / RUN)` operands (the last may be shorter), each written the same way.
    fn joined(
        &mut self,
        parts: &[&Expr],
        joiner: &'static str,
        sql: &mut Sql,
    ) -> Result<(), Error> {
        sql.push("(");
        if parts.len() <= RUN {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                self.expr(p, sql)?;
            }
        } else {
            let size = parts.len().div_ceil(RUN);
            for (i, run) in parts.chunks(size).enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                if run.len() == 1 {
                    self.expr(run[0], sql)?;
                } else {
                    self.joined(run, joiner, sql)?;
                }
            }
        }
        sql.push(")");
        Ok(())
    }

    fn expr(&mut self, expr: &Expr, sql: &mut Sql) -> Result<(), Error> {
        match expr {
            Expr::Or(parts, _) | Expr::And(parts, _) => {
                let or = matches!(expr, Expr::Or(..));
                // the operands of an OR are no conjuncts of the whole; an AND's are when it is
                let conjunct = self.conjunct;
                if or {
                    self.conjunct = false;
                }
                let written = self.chain_of(parts, or, conjunct, sql);
                self.conjunct = conjunct;
                written?;
            }
            Expr::Not(inner, _) => {
                let conjunct = std::mem::replace(&mut self.conjunct, false);
                sql.push("NOT (");
                let written = self.expr(inner, sql);
                self.conjunct = conjunct;
                written?;
                sql.push(")");
            }
            Expr::Term(t) => self.term(t, sql)?,
        }
        Ok(())
    }

    /// An AND or OR chain of `parts`; `conjunct`: whether the chain itself is a conjunct of
    /// the whole condition.
    fn chain_of(
        &mut self,
        parts: &[Expr],
        or: bool,
        conjunct: bool,
        sql: &mut Sql,
    ) -> Result<(), Error> {
        let mut operands = Vec::with_capacity(parts.len());
        chain(parts, or, &mut operands);
        let tags = if or {
            exact_tags(&operands)
        } else {
            Vec::new()
        };
        if !or && conjunct && self.dialect == Dialect::Postgres && operands.len() <= RUN {
            return self.conjuncts(&operands, sql);
        }
        if tags.len() < 2 {
            return self.joined(&operands, if or { " OR " } else { " AND " }, sql);
        }
        // two or more exact tags in one OR chain: one subquery with a list of values
        // (SQLite ran a subquery per tag and merged their row ids, `MULTI-INDEX OR`:
        // the OR/NOT sorted key of quality.md on 1M tickets 600 -> 480 ms)
        let rest: Vec<&Expr> = operands
            .into_iter()
            .filter(|p| exact_tag(p).is_none())
            .collect();
        if !rest.is_empty() {
            sql.push("(");
        }
        // the OR of tags alone is one semi-join, which may drive when the OR is a conjunct
        self.conjunct = conjunct && rest.is_empty();
        let close = self.semi_join(sql);
        self.conjunct = false;
        sql.push("ticket_id FROM tags WHERE tag_lc IN (");
        for (i, tag) in tags.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text(tag.value.to_lowercase());
        }
        sql.push(")").push(close);
        if !rest.is_empty() {
            sql.push(" OR ");
            self.joined(&rest, " OR ", sql)?;
            sql.push(")");
        }
        Ok(())
    }

    /// PostgreSQL: the operands of an AND chain that is a conjunct of the whole condition,
    /// as [`Compiler::joined`] writes them, except that the other semi-joins and negated
    /// semi-joins among them go into the driving one's array (see [`Compiler::semi_join`]):
    /// `t.id = ANY(ARRAY(SELECT d.id FROM (…) d(id) WHERE [NOT] EXISTS (SELECT 1 FROM (…)
    /// s(id) WHERE s.id = d.id) …))`. Outside, each was a hashed subplan tested on every
    /// ticket the array fetched; inside, the planner joins the id lists (a hash anti-join for
    /// a NOT), and `tickets` is read only for the ids left: the OR/NOT key of quality.md on
    /// the 1M team silo fetched 282k tickets for 138k rows (benches/README.md, session 15).
    /// The subqueries select ticket ids without naming `t`, so the meaning is the same.
    fn conjuncts(&mut self, operands: &[&Expr], sql: &mut Sql) -> Result<(), Error> {
        let mut pieces = Vec::with_capacity(operands.len());
        for p in operands {
            let mut piece = Sql::default();
            self.expr(p, &mut piece)?;
            pieces.push(piece);
        }
        let driver = pieces
            .iter()
            .position(|p| p.inside(DRIVER_OPEN, DRIVER_CLOSE).is_some());
        if let Some(d) = driver {
            let mut folded: Vec<(bool, Sql)> = Vec::new();
            let mut kept = Vec::with_capacity(pieces.len());
            for (i, piece) in pieces.into_iter().enumerate() {
                let moved = (i != d)
                    .then(|| {
                        (piece.inside("t.id IN (", ")").map(|s| (true, s)))
                            .or_else(|| piece.inside("NOT (t.id IN (", "))").map(|s| (false, s)))
                    })
                    .flatten()
                    .filter(|(_, s)| s.starts_with("SELECT ") && !s.names_outer_ticket());
                match moved {
                    Some(m) => folded.push(m),
                    None => kept.push(piece),
                }
            }
            if !folded.is_empty() {
                let at = kept
                    .iter()
                    .position(|p| p.inside(DRIVER_OPEN, DRIVER_CLOSE).is_some())
                    .expect("the driver is kept");
                let inner = kept[at]
                    .inside(DRIVER_OPEN, DRIVER_CLOSE)
                    .expect("the driver's array");
                let mut driver = Sql::default();
                driver
                    .push("t.id = ANY(ARRAY(SELECT d.id FROM (")
                    .append(inner)
                    .push(") d(id) WHERE ");
                for (i, (exists, sub)) in folded.into_iter().enumerate() {
                    if i > 0 {
                        driver.push(" AND ");
                    }
                    driver
                        .push(if exists {
                            "EXISTS (SELECT 1 FROM ("
                        } else {
                            "NOT EXISTS (SELECT 1 FROM ("
                        })
                        .append(sub)
                        .push(") s(id) WHERE s.id = d.id)");
                }
                driver.push("))");
                kept[at] = driver;
            }
            pieces = kept;
        }
        sql.push("(");
        for (i, piece) in pieces.into_iter().enumerate() {
            if i > 0 {
                sql.push(" AND ");
            }
            sql.append(piece);
        }
        sql.push(")");
        Ok(())
    }

    /// Opens a semi-join of `tickets t` with a subquery that selects ticket ids, up to its
    /// select list (the caller writes `ticket_id FROM …`, then the closing text returned).
    /// Written `t.id IN (SELECT …)`, except on PostgreSQL for the first semi-join that is a
    /// conjunct of the whole condition: `t.id = ANY(ARRAY(SELECT …))`, so that the planner
    /// probes `tickets` by its key for the ids in order (the array sorted) instead of in the
    /// order a hash of the subquery's rows yields them; pages are then read in the order they
    /// lie, as the ids follow creation (the property keys of quality.md on a 1M team silo,
    /// benches/README.md, session 13). Only one: a second `= ANY` would be a filter that scans
    /// its array for every row, where `IN` is a hashed subplan; and never under OR or NOT, for
    /// the same reason.
    fn semi_join(&mut self, sql: &mut Sql) -> &'static str {
        if self.dialect == Dialect::Postgres && self.conjunct && !self.driven {
            self.driven = true;
            sql.push(DRIVER_OPEN).push("SELECT ");
            DRIVER_CLOSE
        } else {
            sql.push("t.id IN (SELECT ");
            ")"
        }
    }

    fn term(&mut self, term: &Term, sql: &mut Sql) -> Result<(), Error> {
        match term {
            Term::Status { sels, .. } => {
                let mut ords: Vec<i64> = Vec::new();
                for (sel, span) in sels {
                    match sel {
                        StatusSel::Active => ords.extend(
                            self.cat
                                .statuses()
                                .iter()
                                .filter(|s| s.active)
                                .map(|s| i64::from(s.ordinal)),
                        ),
                        StatusSel::Letter(c) => {
                            match self.cat.statuses().iter().find(|s| s.letter == *c) {
                                Some(s) => ords.push(i64::from(s.ordinal)),
                                None => {
                                    return Err(Error::new(
                                        ErrorKind::UnknownStatus,
                                        *span,
                                        format!("unknown status letter '{c}'"),
                                    ))
                                }
                            }
                        }
                    }
                }
                ords.sort_unstable();
                ords.dedup();
                sql.push("t.status IN (");
                for (i, o) in ords.into_iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind(SqlValue::Integer(o));
                }
                sql.push(")");
            }
            Term::StatusName { name, .. } => {
                let wanted = normalise_status(&name.value);
                let status = self
                    .cat
                    .statuses()
                    .iter()
                    .find(|s| normalise_status(s.name) == wanted)
                    .ok_or_else(|| {
                        let names: Vec<&str> = self.cat.statuses().iter().map(|s| s.name).collect();
                        Error::new(
                            ErrorKind::UnknownStatus,
                            name.span,
                            format!("unknown status '{}'", name.value),
                        )
                        .with_hint(format!("expected one of {}", names.join(" ")))
                    })?;
                sql.push("t.status = ")
                    .bind(SqlValue::Integer(i64::from(status.ordinal)));
            }
            Term::Tag { op, text, .. } => {
                let close = self.semi_join(sql);
                sql.push("ticket_id FROM tags WHERE ");
                text_match(
                    self.dialect,
                    sql,
                    FieldColumns::stored("tag_lc", "tag"),
                    *op,
                    text,
                )?;
                sql.push(close);
            }
            Term::Prop {
                key_op, key, conds, ..
            } => self.prop(*key_op, key, conds, sql)?,
            Term::Field {
                field, op, text, ..
            } => {
                let cols = self.dialect.field(match field {
                    TextField::Title => Field::Title,
                    TextField::Summary => Field::Summary,
                    TextField::Entry => Field::Entry,
                });
                if *field == TextField::Entry {
                    let close = self.semi_join(sql);
                    sql.push("ticket_id FROM entries WHERE removed = 0 AND ");
                    text_match(self.dialect, sql, cols, *op, text)?;
                    sql.push(close);
                } else {
                    text_match(self.dialect, sql, cols, *op, text)?;
                }
            }
            Term::FullText { text, prefix, .. } => {
                let words: Vec<String> = fts_words(&text.value).collect();
                if words.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        text.span,
                        "x: needs at least one word (letters or digits)",
                    ));
                }
                self.dialect.full_text(sql, &words, *prefix);
            }
            Term::Number { op, text, .. } => {
                let n = text.value.to_uppercase();
                let len = n.chars().count() as i64;
                match op {
                    ValueOp::Match(_) => {
                        sql.push("t.number = ").text(n);
                    }
                    _ => {
                        let (longer, same) = match op {
                            ValueOp::Ge => (" > ", " >= "),
                            ValueOp::Gt => (" > ", " > "),
                            ValueOp::Le => (" < ", " <= "),
                            _ => (" < ", " < "),
                        };
                        sql.push("(length(t.number)")
                            .push(longer)
                            .bind(SqlValue::Integer(len));
                        sql.push(" OR (length(t.number) = ")
                            .bind(SqlValue::Integer(len));
                        sql.push(" AND t.number").push(same).text(n).push("))");
                    }
                }
            }
            Term::Saved { name, span } => self.saved(name, *span, sql)?,
        }
        Ok(())
    }

    fn saved(&mut self, name: &Text, span: Span, sql: &mut Sql) -> Result<(), Error> {
        let lc = name.value.to_lowercase();
        if let Some(pos) = self.saved_stack.iter().position(|n| *n == lc) {
            let mut cycle: Vec<String> = self.saved_stack[pos..]
                .iter()
                .map(|n| format!("@{n}"))
                .collect();
            cycle.push(format!("@{lc}"));
            return Err(Error::new(
                ErrorKind::SavedSearchCycle,
                span,
                format!("saved searches refer to each other: {}", cycle.join(" → ")),
            ));
        }
        let text = self.cat.saved_search(&name.value).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownSavedSearch,
                span,
                format!("unknown saved search '{}'", name.value),
            )
        })?;
        let parsed = parse_search(&text).map_err(|e| {
            Error::new(
                e.kind(),
                span,
                format!("in saved search '{}' ({text}): {}", name.value, e.message()),
            )
        })?;
        self.saved_stack.push(lc);
        sql.push("(");
        match &parsed.expr {
            Some(e) => self.expr(e, sql).map_err(|e| {
                if e.kind() == ErrorKind::SavedSearchCycle {
                    Error::new(e.kind(), span, e.message())
                } else {
                    Error::new(
                        e.kind(),
                        span,
                        format!("in saved search '{}': {}", name.value, e.message()),
                    )
                }
            })?,
            None => {
                sql.push(self.dialect.always());
            }
        }
        sql.push(")");
        self.saved_stack.pop();
        Ok(())
    }

    fn prop(
        &mut self,
        key_op: MatchOp,
        key: &Text,
        conds: &[Cond],
        sql: &mut Sql,
    ) -> Result<(), Error> {
        let key_lc = key.value.to_lowercase();
        if key_op == MatchOp::Exact {
            let column: Option<(&'static str, &'static str)> = match key_lc.as_str() {
                "opened" => Some(("t.opened", "substr(t.opened, 1, 10)")),
                "last_update" => Some(("t.last_update", "substr(t.last_update, 1, 10)")),
                "earliest" => Some(("t.earliest", "t.earliest")),
                _ => None,
            };
            if let Some((raw, day)) = column {
                sql.push("(").push(raw).push(" IS NOT NULL");
                for c in conds {
                    sql.push(" AND ");
                    if raw != day && self.timestamp_cond(c, raw, sql)? {
                        continue;
                    }
                    self.value_cond(c, true, day, day, day, day, sql)?;
                }
                sql.push(")");
                return Ok(());
            }
        }
        let is_date = key_op == MatchOp::Exact && self.cat.is_date_key(&key_lc);
        let close = self.semi_join(sql);
        sql.push("ticket_id FROM properties WHERE ");
        text_match(
            self.dialect,
            sql,
            FieldColumns::stored("key_lc", "key"),
            key_op,
            key,
        )?;
        for c in conds {
            sql.push(" AND ");
            self.value_cond(
                c,
                is_date,
                "value_date",
                "value_num",
                "value_lc",
                "value",
                sql,
            )?;
        }
        sql.push(close);
        Ok(())
    }

    /// A date comparison on a timestamp column (`YYYY-MM-DDTHH:MM:SS…Z`) as a range of the raw
    /// column, so its index can serve it: `] D` is `col >= D`, `> D` is `col >= D+1`, `[ D` is
    /// `col < D+1`, `< D` is `col < D`, `= D` both bounds. Returns false for text operators.
    fn timestamp_cond(&self, c: &Cond, col: &'static str, sql: &mut Sql) -> Result<bool, Error> {
        if matches!(
            c.op,
            ValueOp::Match(MatchOp::Prefix | MatchOp::Contains | MatchOp::Regex)
        ) {
            return Ok(false);
        }
        let day = self.resolve_date(c)?;
        let next = day.succ_opt().unwrap_or(day);
        let text = |d: NaiveDate| SqlValue::Text(d.format("%Y-%m-%d").to_string());
        // a lower bound at most RECENT_DAYS before today: a window of recent activity, a
        // small share of a silo that has lived a while (the planner is led to expect so)
        let recent = |d: NaiveDate| (self.today - d).num_days() <= RECENT_DAYS;
        match c.op {
            ValueOp::Ge | ValueOp::Gt => {
                let from = if c.op == ValueOp::Ge { day } else { next };
                if recent(from) {
                    self.dialect.recent_lower_bound(sql, col, text(from));
                } else {
                    sql.push(col).push(" >= ").bind(text(from));
                }
                return Ok(true);
            }
            ValueOp::Le => sql.push(col).push(" < ").bind(text(next)),
            ValueOp::Lt => sql.push(col).push(" < ").bind(text(day)),
            ValueOp::Match(_) => sql
                .push(col)
                .push(" >= ")
                .bind(text(day))
                .push(" AND ")
                .push(col)
                .push(" < ")
                .bind(text(next)),
        };
        Ok(true)
    }

    fn resolve_date(&self, c: &Cond) -> Result<NaiveDate, Error> {
        let expr = parse_date_expr(&c.text.value).map_err(|e| {
            Error::new(
                ErrorKind::BadDate,
                Span::new(
                    c.text.span.start + e.span.start.min(c.text.value.len()),
                    c.text.span.end,
                ),
                e.message,
            )
            .with_hint(
                "a date is YYYY-MM-DD, ., today, a weekday, sow/eow/som/eom/soy/eoy, with ±N[dwmy]",
            )
        })?;
        Ok(expr
            .resolve(self.today)
            .ok_or_else(|| Error::new(ErrorKind::BadDate, c.text.span, "date out of range"))?
            .date())
    }

    #[allow(clippy::too_many_arguments)]
    fn value_cond(
        &mut self,
        c: &Cond,
        is_date: bool,
        date_col: &'static str,
        num_col: &'static str,
        lc_col: &'static str,
        raw_col: &'static str,
        sql: &mut Sql,
    ) -> Result<(), Error> {
        let comparison = !matches!(
            c.op,
            ValueOp::Match(MatchOp::Prefix | MatchOp::Contains | MatchOp::Regex)
        );
        if is_date && comparison {
            let date = self.resolve_date(c)?;
            sql.push(date_col)
                .push(cmp_symbol(c.op))
                .text(date.format("%Y-%m-%d").to_string());
            return Ok(());
        }
        match c.op {
            ValueOp::Match(m) => text_match(
                self.dialect,
                sql,
                FieldColumns::stored(lc_col, raw_col),
                m,
                &c.text,
            )?,
            op => match parse_decimal(&c.text.value) {
                Some(n) => {
                    sql.push(num_col)
                        .push(cmp_symbol(op))
                        .bind(SqlValue::Real(n));
                }
                None => {
                    sql.push(lc_col)
                        .push(cmp_symbol(op))
                        .text(c.text.value.to_lowercase());
                }
            },
        }
        Ok(())
    }

    fn prop_subquery(&self, sql: &mut Sql, agg_desc: bool, expr: &'static str, key_lc: &str) {
        sql.push(if agg_desc {
            "(SELECT max("
        } else {
            "(SELECT min("
        });
        // SQLite's `NOT INDEXED`: look up by the table's key (ticket id, key), never through
        // an index on the key, which would scan every row of that key for every ticket
        sql.push(expr)
            .push(")")
            .push(self.dialect.correlated_key())
            .text(key_lc.to_string())
            .push(")");
    }

    fn order(&mut self, sort: &SortRule) -> Result<Sql, Error> {
        let mut sql = Sql::default();
        let mut ends_with_number = false;
        for (i, k) in sort.keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let dir: &'static str = if k.descending {
                " DESC NULLS LAST"
            } else {
                " ASC NULLS LAST"
            };
            ends_with_number = matches!(k.field, SortField::Number);
            match &k.field {
                SortField::Number => {
                    let d = if k.descending { " DESC" } else { " ASC" };
                    sql.push("length(t.number)")
                        .push(d)
                        .push(", t.number")
                        .push(d);
                    continue;
                }
                SortField::Title => {
                    sql.push(self.dialect.title_order());
                }
                SortField::Status => {
                    sql.push("t.status");
                }
                SortField::Opened => {
                    sql.push("t.opened");
                }
                SortField::LastUpdate => {
                    sql.push("t.last_update");
                }
                SortField::Earliest => {
                    sql.push("t.earliest");
                }
                SortField::Deadline => {
                    self.prop_subquery(&mut sql, k.descending, "value_date", "deadline")
                }
                SortField::Scheduled => {
                    self.prop_subquery(&mut sql, k.descending, "value_date", "scheduled")
                }
                SortField::Review => {
                    self.prop_subquery(&mut sql, k.descending, "value_date", "review")
                }
                SortField::PropText(key) => self.prop_subquery(
                    &mut sql,
                    k.descending,
                    "value_lc",
                    &key.value.to_lowercase(),
                ),
                SortField::PropNumber(key) => self.prop_subquery(
                    &mut sql,
                    k.descending,
                    "value_num",
                    &key.value.to_lowercase(),
                ),
                SortField::PropOrder(key) => {
                    let key_lc = key.value.to_lowercase();
                    let values = self.cat.value_order(&key_lc).ok_or_else(|| {
                        Error::new(
                            ErrorKind::BadSort,
                            key.span,
                            format!(
                                "the key '{}' has no vrules_pkv_values list to sort by",
                                key.value
                            ),
                        )
                        .with_hint("use pKEY: to sort by the text, or #KEY: by number")
                    })?;
                    sql.push(if k.descending {
                        "(SELECT max(CASE value_lc"
                    } else {
                        "(SELECT min(CASE value_lc"
                    });
                    for (pos, v) in values.iter().enumerate() {
                        sql.push(" WHEN ")
                            .text(v.to_lowercase())
                            .push(" THEN ")
                            .bind(SqlValue::Integer(pos as i64));
                    }
                    sql.push(" ELSE ")
                        .bind(SqlValue::Integer(values.len() as i64));
                    sql.push(" END)")
                        .push(self.dialect.correlated_key())
                        .text(key_lc)
                        .push(")");
                }
            }
            sql.push(dir);
        }
        if !ends_with_number {
            if !sql.is_empty() {
                sql.push(", ");
            }
            sql.push("length(t.number) ASC, t.number ASC");
        }
        Ok(sql)
    }
}

/// A status name in comparable form: lower case, `_`, `-` and spaces removed.
pub fn normalise_status(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}
