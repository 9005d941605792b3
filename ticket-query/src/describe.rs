//! `describe`: a search key and sort rule in words (for `explain`).
use crate::ast::*;

fn op_words(op: MatchOp) -> &'static str {
    match op {
        MatchOp::Exact => "is exactly",
        MatchOp::Prefix => "starts with",
        MatchOp::Contains => "contains",
        MatchOp::Regex => "matches the pattern",
    }
}

fn value_words(op: ValueOp) -> &'static str {
    match op {
        ValueOp::Match(m) => op_words(m),
        ValueOp::Ge => "is at least",
        ValueOp::Le => "is at most",
        ValueOp::Gt => "is greater than",
        ValueOp::Lt => "is less than",
    }
}

fn term(t: &Term) -> String {
    match t {
        Term::Status { sels, .. } => {
            let parts: Vec<String> = sels
                .iter()
                .map(|(s, _)| match s {
                    StatusSel::Active => "any active status".to_string(),
                    StatusSel::Letter(c) => crate::catalogue::STATUSES
                        .iter()
                        .find(|st| st.letter == *c)
                        .map_or(c.to_string(), |st| st.name.to_string()),
                })
                .collect();
            format!("status is {}", parts.join(" or "))
        }
        Term::StatusName { name, .. } => format!("status is {}", name.value),
        Term::Tag { op, text, .. } => format!("a tag {} \"{}\"", op_words(*op), text.value),
        Term::Prop {
            key_op, key, conds, ..
        } => {
            let mut s = format!(
                "a property whose key {} \"{}\"",
                op_words(*key_op),
                key.value
            );
            for (i, c) in conds.iter().enumerate() {
                s.push_str(if i == 0 { " and whose value " } else { " and " });
                s.push_str(&format!("{} \"{}\"", value_words(c.op), c.text.value));
            }
            s
        }
        Term::Field {
            field, op, text, ..
        } => {
            let f = match field {
                TextField::Title => "the title",
                TextField::Summary => "the summary",
                TextField::Entry => "an entry",
            };
            format!("{f} {} \"{}\"", op_words(*op), text.value)
        }
        Term::FullText { text, prefix, .. } => {
            format!(
                "the words \"{}\"{} appear in title, summary or entries",
                text.value,
                if *prefix {
                    " (last one as a prefix)"
                } else {
                    ""
                }
            )
        }
        Term::Number { op, text, .. } => format!("the number {} {}", value_words(*op), text.value),
        Term::Saved { name, .. } => format!("the saved search @{}", name.value),
    }
}

fn expr(e: &Expr) -> String {
    match e {
        Expr::Or(parts, _) => format!(
            "({})",
            parts.iter().map(expr).collect::<Vec<_>>().join(", or ")
        ),
        Expr::And(parts, _) => parts.iter().map(expr).collect::<Vec<_>>().join(", and "),
        Expr::Not(inner, _) => format!("not ({})", expr(inner)),
        Expr::Term(t) => term(t),
    }
}

/// The search key and sort rule in words.
///
/// ```
/// let k = ticket_query::parse_search("s:* !g=done").unwrap();
/// let s = ticket_query::parse_sort("!l").unwrap();
/// assert_eq!(
///     ticket_query::describe(&k, &s),
///     "tickets where status is any active status, and not (a tag is exactly \"done\"); sorted by last update (descending), then number"
/// );
/// ```
pub fn describe(search: &SearchKey, sort: &SortRule) -> String {
    let what = match &search.expr {
        Some(e) => format!("tickets where {}", expr(e)),
        None => "every ticket".to_string(),
    };
    let mut keys: Vec<String> = sort
        .keys
        .iter()
        .map(|k| {
            let name = match &k.field {
                SortField::Number => "number".to_string(),
                SortField::Title => "title".to_string(),
                SortField::Status => "status".to_string(),
                SortField::Opened => "opened".to_string(),
                SortField::LastUpdate => "last update".to_string(),
                SortField::Deadline => "deadline".to_string(),
                SortField::Scheduled => "scheduled".to_string(),
                SortField::Review => "review".to_string(),
                SortField::Earliest => "earliest date".to_string(),
                SortField::PropText(key) => format!("property {} as text", key.value),
                SortField::PropNumber(key) => format!("property {} as a number", key.value),
                SortField::PropOrder(key) => format!("property {} in its values' order", key.value),
            };
            if k.descending {
                format!("{name} (descending)")
            } else {
                name
            }
        })
        .collect();
    if !matches!(
        sort.keys.last(),
        Some(SortKey {
            field: SortField::Number,
            ..
        })
    ) {
        keys.push("number".to_string());
    }
    format!("{what}; sorted by {}", keys.join(", then "))
}
