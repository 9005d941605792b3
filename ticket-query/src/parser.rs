//! The parser of search keys and sort rules (search spec section 2).
//!
//! ```text
//! search     = ws? [ or ws? ] EOF
//! or         = and ( ws? "|" ws? and )*
//! and        = unary ( ws unary )*              -- juxtaposition is AND; binds tighter than |
//! unary      = "!" unary | "(" ws? or ws? ")" | term
//! term       = status | tag | prop | text | number | saved
//! status     = "s" ":" ( letter | "*" )+ ":"?   |   "s" "=" name ":"?
//! tag        = "g" mop text ":"?
//! prop       = "p" kop text ( ":"? cond )* ":"?
//! cond       = vop text ":"?
//! text       = "t" mop text ":"? | "u" mop text ":"? | "e" mop text ":"?
//!            | "x" ":" text "*"? ":"?
//! number     = "n" ( "=" | "]" | "[" | ">" | "<" ) text ":"?
//! saved      = "@" name
//! mop        = "=" | "^" | ":" | "~"
//! vop        = mop | "]" | "[" | ">" | "<"
//! text       = bare | quoted
//! bare       = one or more characters other than white space and : ^ = ] [ ! ~ * < > ( ) | " @
//! quoted     = '"' ( any character but '"' and '\' | '\"' | '\\' )* '"'
//!
//! sort       = ( "!"? sortkey )*
//! sortkey    = "n" | "t" | "s" | "o" | "l" | "d" | "h" | "r" | "e"
//!            | ( "p" | "#" | "v" ) text ":"
//! ```
//!
//! A hand-written recursive-descent parser over bytes: each function below parses the rule
//! named in its doc comment. Nesting is limited to 64 and input to 8 KiB, so no input can
//! overflow the stack.
use crate::ast::*;
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// The letters of the nine fixed statuses (domain spec 3), in table order.
pub const STATUS_LETTERS: &str = "oibwpcamd";

/// Deepest nesting of `(` and `!` accepted.
pub const MAX_DEPTH: usize = 64;
/// Longest search key or sort rule accepted, in bytes.
pub const MAX_LEN: usize = 8 * 1024;

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

fn too_long(src: &str) -> Option<Error> {
    (src.len() > MAX_LEN).then(|| {
        Error::new(
            ErrorKind::TooLarge,
            Span::new(MAX_LEN, src.len()),
            format!(
                "the key is {} bytes long; at most {MAX_LEN} are accepted",
                src.len()
            ),
        )
    })
}

/// Parses a search key.
///
/// ```
/// let key = ticket_query::parse_search("S:OA: p^assigned=phil").unwrap();
/// assert_eq!(key.to_string(), "s:oa: p^assigned:=phil:");
/// ```
pub fn parse_search(src: &str) -> Result<SearchKey, Error> {
    if let Some(e) = too_long(src) {
        return Err(e);
    }
    let mut p = Parser {
        src,
        pos: 0,
        depth: 0,
    };
    p.ws();
    let expr = if p.at_end() { None } else { Some(p.or()?) };
    p.ws();
    if !p.at_end() {
        return Err(p.unexpected("white space, '|', or the end of the key"));
    }
    Ok(SearchKey {
        expr,
        span: Span::new(0, src.len()),
    })
}

/// Parses a sort rule.
///
/// ```
/// let rule = ticket_query::parse_sort("dh!l").unwrap();
/// assert_eq!(rule.keys.len(), 3);
/// assert_eq!(rule.to_string(), "dh!l");
/// ```
pub fn parse_sort(src: &str) -> Result<SortRule, Error> {
    if let Some(e) = too_long(src) {
        return Err(e);
    }
    let mut p = Parser {
        src,
        pos: 0,
        depth: 0,
    };
    let mut keys = Vec::new();
    p.ws();
    while !p.at_end() {
        let start = p.pos;
        let descending = p.eat('!');
        let Some(c) = p.peek() else {
            return Err(p.unexpected("a sort key after '!'"));
        };
        p.bump(c);
        let field = match c.to_ascii_lowercase() {
            'n' => SortField::Number,
            't' => SortField::Title,
            's' => SortField::Status,
            'o' => SortField::Opened,
            'l' => SortField::LastUpdate,
            'd' => SortField::Deadline,
            'h' => SortField::Scheduled,
            'r' => SortField::Review,
            'e' => SortField::Earliest,
            'p' | '#' | 'v' => {
                let key = p.text("a property key")?;
                if !p.eat(':') {
                    return Err(p.unexpected("':' after the property key"));
                }
                match c.to_ascii_lowercase() {
                    'p' => SortField::PropText(key),
                    '#' => SortField::PropNumber(key),
                    _ => SortField::PropOrder(key),
                }
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Syntax,
                    Span::new(start + usize::from(descending), p.pos),
                    format!("unknown sort key '{c}'"),
                )
                .with_hint("expected one of n t s o l d h r e, pKEY:, #KEY: or vKEY:"))
            }
        };
        keys.push(SortKey {
            field,
            descending,
            span: Span::new(start, p.pos),
        });
        p.ws();
    }
    Ok(SortRule {
        keys,
        span: Span::new(0, src.len()),
    })
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }
    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump(c);
            true
        } else {
            false
        }
    }
    /// ws = white space, any amount; returns whether any was read.
    fn ws(&mut self) -> bool {
        let start = self.pos;
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.bump(c);
        }
        self.pos > start
    }
    fn here(&self) -> Span {
        let len = self.peek().map_or(0, char::len_utf8);
        Span::new(self.pos, self.pos + len)
    }
    fn unexpected(&self, expected: &str) -> Error {
        let found = match self.peek() {
            Some(c) => format!("unexpected '{}'", c.escape_debug()),
            None => "unexpected end of the key".to_string(),
        };
        Error::new(ErrorKind::Syntax, self.here(), found).with_hint(format!("expected {expected}"))
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::TooLarge,
                self.here(),
                format!("nesting deeper than {MAX_DEPTH}"),
            ));
        }
        Ok(())
    }

    /// or = and ( ws? "|" ws? and )*
    fn or(&mut self) -> Result<Expr, Error> {
        let start = self.pos;
        let mut parts = vec![self.and()?];
        loop {
            let save = self.pos;
            self.ws();
            if self.eat('|') {
                self.ws();
                parts.push(self.and()?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::Or(parts, Span::new(start, self.pos))
        })
    }

    /// and = unary ( ws unary )*
    fn and(&mut self) -> Result<Expr, Error> {
        let start = self.pos;
        let mut parts = vec![self.unary()?];
        loop {
            let save = self.pos;
            if !self.ws() || self.at_end() || matches!(self.peek(), Some('|') | Some(')')) {
                self.pos = save;
                break;
            }
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::And(parts, Span::new(start, self.pos))
        })
    }

    /// unary = "!" unary | "(" ws? or ws? ")" | term
    fn unary(&mut self) -> Result<Expr, Error> {
        let start = self.pos;
        if self.eat('!') {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner), Span::new(start, self.pos)));
        }
        if self.eat('(') {
            self.enter()?;
            self.ws();
            let inner = self.or()?;
            self.ws();
            if !self.eat(')') {
                return Err(self
                    .unexpected("')' to close the '(' at byte ".to_string().as_str())
                    .with_hint(format!("expected ')' to close the '(' at byte {start}")));
            }
            self.depth -= 1;
            return Ok(inner);
        }
        let term = self.term()?;
        if !(self.at_end()
            || matches!(self.peek(), Some(c) if c.is_whitespace() || c == ')' || c == '|'))
        {
            return Err(self.unexpected("white space, ')', '|' or the end after a term"));
        }
        Ok(Expr::Term(term))
    }

    fn mop(&mut self) -> Option<MatchOp> {
        let op = match self.peek()? {
            '=' => MatchOp::Exact,
            '^' => MatchOp::Prefix,
            ':' => MatchOp::Contains,
            '~' => MatchOp::Regex,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn vop(&mut self) -> Option<ValueOp> {
        if let Some(m) = self.mop() {
            return Some(ValueOp::Match(m));
        }
        let op = match self.peek()? {
            ']' => ValueOp::Ge,
            '[' => ValueOp::Le,
            '>' => ValueOp::Gt,
            '<' => ValueOp::Lt,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn need_mop(&mut self, what: &str) -> Result<MatchOp, Error> {
        self.mop()
            .ok_or_else(|| self.unexpected(&format!("one of = ^ : ~ after '{what}'")))
    }

    /// term = status | tag | prop | text | number | saved
    fn term(&mut self) -> Result<Term, Error> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.unexpected("a term"));
        };
        if c == '@' {
            self.bump(c);
            let name = self.text("a saved search name")?;
            return Ok(Term::Saved {
                name,
                span: Span::new(start, self.pos),
            });
        }
        self.bump(c);
        let term = match c.to_ascii_lowercase() {
            's' => return self.status(start),
            'g' => {
                let op = self.need_mop("g")?;
                let text = self.text("a tag")?;
                self.eat(':');
                Term::Tag {
                    op,
                    text,
                    span: Span::new(start, self.pos),
                }
            }
            'p' => return self.prop(start),
            't' | 'u' | 'e' => {
                let field = match c.to_ascii_lowercase() {
                    't' => TextField::Title,
                    'u' => TextField::Summary,
                    _ => TextField::Entry,
                };
                let op = self.need_mop(&c.to_string())?;
                let text = self.text("a text to look for")?;
                self.eat(':');
                Term::Field {
                    field,
                    op,
                    text,
                    span: Span::new(start, self.pos),
                }
            }
            'x' => {
                if !self.eat(':') {
                    return Err(self.unexpected("':' after 'x'"));
                }
                let text = self.text("a word or a quoted phrase")?;
                let prefix = self.eat('*');
                self.eat(':');
                Term::FullText {
                    text,
                    prefix,
                    span: Span::new(start, self.pos),
                }
            }
            'n' => {
                let op = match self.vop() {
                    Some(ValueOp::Match(MatchOp::Exact)) => ValueOp::Match(MatchOp::Exact),
                    Some(op @ (ValueOp::Ge | ValueOp::Le | ValueOp::Gt | ValueOp::Lt)) => op,
                    _ => {
                        self.pos = start + 1;
                        return Err(self.unexpected("one of = ] [ > < after 'n'"));
                    }
                };
                let text = self.text("a ticket number")?;
                self.eat(':');
                Term::Number {
                    op,
                    text,
                    span: Span::new(start, self.pos),
                }
            }
            _ => {
                self.pos = start;
                return Err(Error::new(
                    ErrorKind::Syntax,
                    self.here(),
                    format!("unknown term '{}'", c.escape_debug()),
                )
                .with_hint("expected one of s g p t u e x n @ ! ("));
            }
        };
        Ok(term)
    }

    /// status = "s" ":" ( letter | "*" )+ ":"? | "s" "=" name ":"?
    fn status(&mut self, start: usize) -> Result<Term, Error> {
        if self.eat('=') {
            let name = self.text("a status name")?;
            self.eat(':');
            return Ok(Term::StatusName {
                name,
                span: Span::new(start, self.pos),
            });
        }
        if !self.eat(':') {
            return Err(self.unexpected("':' or '=' after 's'"));
        }
        let mut sels = Vec::new();
        while let Some(c) = self.peek() {
            let here = self.here();
            if c == '*' {
                sels.push((StatusSel::Active, here));
            } else if c.is_alphanumeric() {
                let letter = c.to_lowercase().next().unwrap_or(c);
                if !STATUS_LETTERS.contains(letter) {
                    return Err(Error::new(
                        ErrorKind::UnknownStatus,
                        here,
                        format!("unknown status letter '{c}'"),
                    )
                    .with_hint("expected one of o i b w p c a m d *"));
                }
                sels.push((StatusSel::Letter(letter), here));
            } else {
                break;
            }
            self.bump(c);
        }
        if sels.is_empty() {
            return Err(self.unexpected("status letters or '*' after 's:'"));
        }
        self.eat(':');
        Ok(Term::Status {
            sels,
            span: Span::new(start, self.pos),
        })
    }

    /// prop = "p" kop text ( ":"? cond )* ":"?  ;  cond = vop text ":"?
    fn prop(&mut self, start: usize) -> Result<Term, Error> {
        let key_op = self.need_mop("p")?;
        let key = self.text("a property key")?;
        let mut conds = Vec::new();
        // One ':' separates the key from the conditions; a value operator may also follow
        // the key directly.
        let mut separated = self.eat(':');
        loop {
            let cstart = self.pos;
            let Some(op) = self.vop() else { break };
            if self.at_end()
                || matches!(self.peek(), Some(c) if c.is_whitespace() || c == ')' || c == '|')
            {
                if !separated && op == ValueOp::Match(MatchOp::Contains) && conds.is_empty() {
                    // the final ':' of a term without conditions
                    break;
                }
                return Err(self.unexpected("a value after the operator"));
            }
            let text = self.text("a value")?;
            conds.push(Cond {
                op,
                text,
                span: Span::new(cstart, self.pos),
            });
            separated = self.eat(':');
        }
        let _ = separated;
        Ok(Term::Prop {
            key_op,
            key,
            conds,
            span: Span::new(start, self.pos),
        })
    }

    /// text = bare | quoted
    fn text(&mut self, what: &str) -> Result<Text, Error> {
        let start = self.pos;
        if self.eat('"') {
            let mut value = String::new();
            loop {
                match self.peek() {
                    None => {
                        return Err(Error::new(
                            ErrorKind::Syntax,
                            Span::new(start, self.pos),
                            "unterminated quoted text",
                        )
                        .with_hint("close it with '\"'"))
                    }
                    Some('"') => {
                        self.pos += 1;
                        break;
                    }
                    Some('\\') => {
                        self.pos += 1;
                        match self.peek() {
                            Some(c @ ('"' | '\\')) => {
                                value.push(c);
                                self.pos += 1;
                            }
                            _ => {
                                return Err(Error::new(
                                    ErrorKind::Syntax,
                                    Span::new(self.pos - 1, self.pos + 1),
                                    "unknown escape",
                                )
                                .with_hint("only \\\" and \\\\ are escapes"))
                            }
                        }
                    }
                    Some(c) => {
                        value.push(c);
                        self.bump(c);
                    }
                }
            }
            return Ok(Text {
                value,
                span: Span::new(start, self.pos),
            });
        }
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c.is_control() || ":^=][!~*<>()|\"@".contains(c) {
                break;
            }
            self.bump(c);
        }
        if self.pos == start {
            return Err(self.unexpected(what));
        }
        Ok(Text {
            value: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        })
    }
}
