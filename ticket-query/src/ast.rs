//! The typed syntax trees of search keys and sort rules. Every node has a span; `Display`
//! prints the canonical form, which parses back to an equal tree (spans aside).
use std::fmt;

use crate::span::Span;

/// A whole search key; `expr` is `None` for the empty key (every ticket).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchKey {
    /// The expression, if the key is not empty.
    pub expr: Option<Expr>,
    /// The whole input.
    pub span: Span,
}

/// A boolean combination of terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Any of the parts holds (`|`).
    Or(Vec<Expr>, Span),
    /// Every part holds (juxtaposition).
    And(Vec<Expr>, Span),
    /// The part does not hold (`!`).
    Not(Box<Expr>, Span),
    /// A single term.
    Term(Term),
}

/// How a text is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `=` exact.
    Exact,
    /// `^` prefix.
    Prefix,
    /// `:` contains.
    Contains,
    /// `~` regular expression.
    Regex,
}

/// How a property value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueOp {
    /// One of the text matches.
    Match(MatchOp),
    /// `]` greater or equal.
    Ge,
    /// `[` less or equal.
    Le,
    /// `>` greater.
    Gt,
    /// `<` less.
    Lt,
}

/// A text operand.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The text, quotes and escapes removed.
    pub value: String,
    /// Where it stands in the input.
    pub span: Span,
}

/// One value condition of a property term.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// The operator.
    pub op: ValueOp,
    /// The operand.
    pub text: Text,
    /// The whole condition.
    pub span: Span,
}

/// What a status term selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusSel {
    /// A status letter (lower case).
    Letter(char),
    /// `*`: every active status.
    Active,
}

/// Which text field a text term searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// `t`: the title.
    Title,
    /// `u`: the summary.
    Summary,
    /// `e`: any visible entry.
    Entry,
}

/// One search term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `s:oa*:`
    Status {
        /// The letters and stars, with their spans.
        sels: Vec<(StatusSel, Span)>,
        /// The term.
        span: Span,
    },
    /// `s=in_progress`
    StatusName {
        /// The name as written.
        name: Text,
        /// The term.
        span: Span,
    },
    /// `g=risk`
    Tag {
        /// The match operator.
        op: MatchOp,
        /// The tag text.
        text: Text,
        /// The term.
        span: Span,
    },
    /// `p^assigned=phil:`
    Prop {
        /// How the key is matched.
        key_op: MatchOp,
        /// The key text.
        key: Text,
        /// Value conditions, all on the same property row.
        conds: Vec<Cond>,
        /// The term.
        span: Span,
    },
    /// `t:word`, `u:word`, `e:word`
    Field {
        /// Which field.
        field: TextField,
        /// The match operator.
        op: MatchOp,
        /// The text.
        text: Text,
        /// The term.
        span: Span,
    },
    /// `x:word`, `x:word*`, `x:"a phrase"`
    FullText {
        /// The words.
        text: Text,
        /// A trailing `*`: the last word is a prefix.
        prefix: bool,
        /// The term.
        span: Span,
    },
    /// `n=42`, `n>100`
    Number {
        /// The comparison (`Match(Exact)`, `Ge`, `Le`, `Gt`, `Lt`).
        op: ValueOp,
        /// The number text.
        text: Text,
        /// The term.
        span: Span,
    },
    /// `@name`
    Saved {
        /// The saved search's name.
        name: Text,
        /// The term.
        span: Span,
    },
}

/// One key of a sort rule.
#[derive(Debug, Clone, PartialEq)]
pub enum SortField {
    /// `n`
    Number,
    /// `t`
    Title,
    /// `s`
    Status,
    /// `o`
    Opened,
    /// `l`
    LastUpdate,
    /// `d`
    Deadline,
    /// `h`
    Scheduled,
    /// `r`
    Review,
    /// `e`
    Earliest,
    /// `pKEY:` as lower-cased text.
    PropText(Text),
    /// `#KEY:` numerically.
    PropNumber(Text),
    /// `vKEY:` in `vrules_pkv_values` order.
    PropOrder(Text),
}

/// A sort key with its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// What to order by.
    pub field: SortField,
    /// `!`: inverted.
    pub descending: bool,
    /// The key as written.
    pub span: Span,
}

/// A sort rule: keys in order of precedence (empty: by number).
#[derive(Debug, Clone, PartialEq)]
pub struct SortRule {
    /// The keys.
    pub keys: Vec<SortKey>,
    /// The whole input.
    pub span: Span,
}

fn is_bare_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || ":^=][!~*<>()|\"@".contains(c))
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.value.is_empty() && self.value.chars().all(is_bare_char) {
            return f.write_str(&self.value);
        }
        f.write_str("\"")?;
        for c in self.value.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

impl MatchOp {
    /// The operator character.
    pub fn symbol(self) -> char {
        match self {
            MatchOp::Exact => '=',
            MatchOp::Prefix => '^',
            MatchOp::Contains => ':',
            MatchOp::Regex => '~',
        }
    }
}

impl ValueOp {
    /// The operator character.
    pub fn symbol(self) -> char {
        match self {
            ValueOp::Match(m) => m.symbol(),
            ValueOp::Ge => ']',
            ValueOp::Le => '[',
            ValueOp::Gt => '>',
            ValueOp::Lt => '<',
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Status { sels, .. } => {
                f.write_str("s:")?;
                for (s, _) in sels {
                    match s {
                        StatusSel::Letter(c) => write!(f, "{c}")?,
                        StatusSel::Active => f.write_str("*")?,
                    }
                }
                f.write_str(":")
            }
            Term::StatusName { name, .. } => write!(f, "s={name}:"),
            Term::Tag { op, text, .. } => write!(f, "g{}{text}:", op.symbol()),
            Term::Prop {
                key_op, key, conds, ..
            } => {
                write!(f, "p{}{key}:", key_op.symbol())?;
                for c in conds {
                    write!(f, "{}{}:", c.op.symbol(), c.text)?;
                }
                Ok(())
            }
            Term::Field {
                field, op, text, ..
            } => {
                let letter = match field {
                    TextField::Title => 't',
                    TextField::Summary => 'u',
                    TextField::Entry => 'e',
                };
                write!(f, "{letter}{}{text}:", op.symbol())
            }
            Term::FullText { text, prefix, .. } => {
                write!(f, "x:{text}{}:", if *prefix { "*" } else { "" })
            }
            Term::Number { op, text, .. } => write!(f, "n{}{text}:", op.symbol()),
            Term::Saved { name, .. } => write!(f, "@{name}"),
        }
    }
}

impl Expr {
    /// The span of the expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, s) | Expr::And(_, s) | Expr::Not(_, s) => *s,
            Expr::Term(t) => t.span(),
        }
    }

    fn fmt_prec(&self, f: &mut fmt::Formatter<'_>, prec: u8) -> fmt::Result {
        match self {
            Expr::Or(parts, _) => {
                if prec > 0 {
                    f.write_str("(")?;
                }
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    p.fmt_prec(f, 1)?;
                }
                if prec > 0 {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Expr::And(parts, _) => {
                if prec > 1 {
                    f.write_str("(")?;
                }
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    p.fmt_prec(f, 2)?;
                }
                if prec > 1 {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Expr::Not(inner, _) => {
                f.write_str("!")?;
                inner.fmt_prec(f, 3)
            }
            Expr::Term(t) => write!(f, "{t}"),
        }
    }
}

impl Term {
    /// The span of the term.
    pub fn span(&self) -> Span {
        match self {
            Term::Status { span, .. }
            | Term::StatusName { span, .. }
            | Term::Tag { span, .. }
            | Term::Prop { span, .. }
            | Term::Field { span, .. }
            | Term::FullText { span, .. }
            | Term::Number { span, .. }
            | Term::Saved { span, .. } => *span,
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_prec(f, 0)
    }
}

impl fmt::Display for SearchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.expr {
            Some(e) => write!(f, "{e}"),
            None => Ok(()),
        }
    }
}

impl SearchKey {
    /// The span of the whole key.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Whether two keys mean the same, whatever their spans.
    ///
    /// ```
    /// let a = ticket_query::parse_search("g=risk   s:o").unwrap();
    /// let b = ticket_query::parse_search("g=risk: s:o:").unwrap();
    /// assert!(a.same_as(&b) && a != b);
    /// assert!(!a.same_as(&ticket_query::parse_search("g=risk s:c").unwrap()));
    /// ```
    pub fn same_as(&self, other: &SearchKey) -> bool {
        self.without_spans() == other.without_spans()
    }

    /// The same key with every span set to `0..0` (spans are positions, not meaning).
    pub fn without_spans(&self) -> SearchKey {
        SearchKey {
            expr: self.expr.as_ref().map(Expr::without_spans),
            span: Span::default(),
        }
    }
}

impl Expr {
    /// The same expression with every span set to `0..0`.
    pub fn without_spans(&self) -> Expr {
        let parts = |ps: &[Expr]| ps.iter().map(Expr::without_spans).collect();
        match self {
            Expr::Or(ps, _) => Expr::Or(parts(ps), Span::default()),
            Expr::And(ps, _) => Expr::And(parts(ps), Span::default()),
            Expr::Not(inner, _) => Expr::Not(Box::new(inner.without_spans()), Span::default()),
            Expr::Term(t) => Expr::Term(t.without_spans()),
        }
    }
}

impl Text {
    /// The same text with its span set to `0..0`.
    pub fn without_spans(&self) -> Text {
        Text {
            value: self.value.clone(),
            span: Span::default(),
        }
    }
}

impl Term {
    /// The same term with every span set to `0..0`.
    pub fn without_spans(&self) -> Term {
        let none = Span::default();
        match self {
            Term::Status { sels, .. } => Term::Status {
                sels: sels.iter().map(|(s, _)| (*s, none)).collect(),
                span: none,
            },
            Term::StatusName { name, .. } => Term::StatusName {
                name: name.without_spans(),
                span: none,
            },
            Term::Tag { op, text, .. } => Term::Tag {
                op: *op,
                text: text.without_spans(),
                span: none,
            },
            Term::Prop {
                key_op, key, conds, ..
            } => Term::Prop {
                key_op: *key_op,
                key: key.without_spans(),
                conds: conds
                    .iter()
                    .map(|c| Cond {
                        op: c.op,
                        text: c.text.without_spans(),
                        span: none,
                    })
                    .collect(),
                span: none,
            },
            Term::Field {
                field, op, text, ..
            } => Term::Field {
                field: *field,
                op: *op,
                text: text.without_spans(),
                span: none,
            },
            Term::FullText { text, prefix, .. } => Term::FullText {
                text: text.without_spans(),
                prefix: *prefix,
                span: none,
            },
            Term::Number { op, text, .. } => Term::Number {
                op: *op,
                text: text.without_spans(),
                span: none,
            },
            Term::Saved { name, .. } => Term::Saved {
                name: name.without_spans(),
                span: none,
            },
        }
    }
}

impl fmt::Display for SortField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SortField::Number => f.write_str("n"),
            SortField::Title => f.write_str("t"),
            SortField::Status => f.write_str("s"),
            SortField::Opened => f.write_str("o"),
            SortField::LastUpdate => f.write_str("l"),
            SortField::Deadline => f.write_str("d"),
            SortField::Scheduled => f.write_str("h"),
            SortField::Review => f.write_str("r"),
            SortField::Earliest => f.write_str("e"),
            SortField::PropText(k) => write!(f, "p{k}:"),
            SortField::PropNumber(k) => write!(f, "#{k}:"),
            SortField::PropOrder(k) => write!(f, "v{k}:"),
        }
    }
}

impl fmt::Display for SortRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for k in &self.keys {
            if k.descending {
                f.write_str("!")?;
            }
            write!(f, "{}", k.field)?;
        }
        Ok(())
    }
}

impl SortRule {
    /// Whether two rules mean the same, whatever their spans.
    pub fn same_as(&self, other: &SortRule) -> bool {
        self.without_spans() == other.without_spans()
    }

    /// The same rule with every span set to `0..0`.
    pub fn without_spans(&self) -> SortRule {
        let field = |f: &SortField| match f {
            SortField::PropText(k) => SortField::PropText(k.without_spans()),
            SortField::PropNumber(k) => SortField::PropNumber(k.without_spans()),
            SortField::PropOrder(k) => SortField::PropOrder(k.without_spans()),
            other => other.clone(),
        };
        SortRule {
            keys: self
                .keys
                .iter()
                .map(|k| SortKey {
                    field: field(&k.field),
                    descending: k.descending,
                    span: Span::default(),
                })
                .collect(),
            span: Span::default(),
        }
    }
}
