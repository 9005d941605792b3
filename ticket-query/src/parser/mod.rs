//! The parser of search keys and sort rules (search spec section 2), built from nom
//! combinators.
//!
//! ```text
//! search     = ws? [ or ws? ] EOF
//! or         = and ( ws? "|" ws? and )*
//! and        = unary ( ws unary )*              -- juxtaposition is AND; binds tighter than |
//! unary      = "!" unary | "(" ws? or ws? ")" | term
//! term       = status | tag | prop | text | number | saved
//! status     = "s" ":" ( letter | "*" )+ ":"?   |   "s" "=" name ":"?
//! tag        = "g" mop text ":"?
//! prop       = "p" mop text ( ":"? cond )* ":"?
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
//! Each function below parses the rule named in its doc comment; the tokens (white space,
//! operators, bare and quoted text) are nom parsers in [`lex`]. Spans are byte offsets into the
//! whole input, computed from the length of the input left (nom's `&str` input carries no
//! position). An error is a [`lex::Fail`], turned into the crate's [`Error`] at the top.
//! Nesting of `(` and `!` is counted and limited to [`MAX_DEPTH`], and input to [`MAX_LEN`]
//! bytes, so no input can overflow the stack.
mod lex;

use nom::character::complete::{anychar, char};
use nom::combinator::opt;
use nom::Parser;

use crate::ast::*;
use crate::error::{Error, ErrorKind};
use crate::span::Span;
use lex::{at_boundary, failure, mop, vop, ws, ws1, Fail, PResult};

/// The letters of the nine fixed statuses (domain spec 3), in table order.
pub const STATUS_LETTERS: &str = "oibwpcamd";

/// Deepest nesting of `(` and `!` accepted.
pub const MAX_DEPTH: usize = 64;
/// Longest search key or sort rule accepted, in bytes.
pub const MAX_LEN: usize = 8 * 1024;

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
    let cx = Cx { len: src.len() };
    let whole = |i| -> PResult<'_, Option<Expr>> {
        let (i, _) = ws(i)?;
        let (i, expr) = if i.is_empty() {
            (i, None)
        } else {
            let (i, e) = or(cx, 0, i)?;
            (i, Some(e))
        };
        let (i, _) = ws(i)?;
        if !i.is_empty() {
            return Fail::unexpected(i, "white space, '|', or the end of the key").fatal();
        }
        Ok((i, expr))
    };
    let (_, expr) = whole(src).map_err(|e| failure(e).into_error(src))?;
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
    let cx = Cx { len: src.len() };
    let mut keys = Vec::new();
    let (mut i, _) = ws(src).map_err(|e| failure(e).into_error(src))?;
    while !i.is_empty() {
        let (rest, key) = sort_key(cx, i).map_err(|e| failure(e).into_error(src))?;
        keys.push(key);
        (i, _) = ws(rest).map_err(|e| failure(e).into_error(src))?;
    }
    Ok(SortRule {
        keys,
        span: Span::new(0, src.len()),
    })
}

/// Where the parser is: the input's length, so `len - rest.len()` is a byte offset.
#[derive(Debug, Clone, Copy)]
struct Cx {
    len: usize,
}

impl Cx {
    fn pos(self, rest: &str) -> usize {
        self.len - rest.len()
    }
    fn span(self, start: usize, rest: &str) -> Span {
        Span::new(start, self.pos(rest))
    }
}

/// sortkey = "!"? ( "n" | "t" | "s" | "o" | "l" | "d" | "h" | "r" | "e" | ( "p" | "#" | "v" ) text ":" )
fn sort_key(cx: Cx, i: &str) -> PResult<'_, SortKey> {
    let start = cx.pos(i);
    let (i, bang) = opt(char('!')).parse(i)?;
    let descending = bang.is_some();
    let (after, c) = match anychar::<&str, Fail>(i) {
        Ok(found) => found,
        Err(_) => return Fail::unexpected(i, "a sort key after '!'").fatal(),
    };
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
            let (rest, key) = lex::text(cx.len, "a property key", after).map_err(fatal)?;
            let (rest, colon) = opt(char(':')).parse(rest)?;
            if colon.is_none() {
                return Fail::unexpected(rest, "':' after the property key").fatal();
            }
            let field = match c.to_ascii_lowercase() {
                'p' => SortField::PropText(key),
                '#' => SortField::PropNumber(key),
                _ => SortField::PropOrder(key),
            };
            return Ok((
                rest,
                SortKey {
                    field,
                    descending,
                    span: cx.span(start, rest),
                },
            ));
        }
        _ => {
            return Fail::at(
                i,
                c.len_utf8(),
                ErrorKind::Syntax,
                format!("unknown sort key '{c}'"),
            )
            .hint("expected one of n t s o l d h r e, pKEY:, #KEY: or vKEY:")
            .fatal()
        }
    };
    Ok((
        after,
        SortKey {
            field,
            descending,
            span: cx.span(start, after),
        },
    ))
}

/// Any error as a failure: once a term has started, no other reading of it is tried.
fn fatal(e: nom::Err<Fail>) -> nom::Err<Fail> {
    nom::Err::Failure(failure(e))
}

/// Counts one more level of nesting; `i` is the input after the `(` or `!`.
fn deeper(depth: usize, i: &str) -> Result<usize, nom::Err<Fail>> {
    if depth + 1 > MAX_DEPTH {
        let width = i.chars().next().map_or(0, char::len_utf8);
        return Fail::at(
            i,
            width,
            ErrorKind::TooLarge,
            format!("nesting deeper than {MAX_DEPTH}"),
        )
        .fatal();
    }
    Ok(depth + 1)
}

/// or = and ( ws? "|" ws? and )*
fn or(cx: Cx, depth: usize, i: &str) -> PResult<'_, Expr> {
    let start = cx.pos(i);
    let (mut i, first) = and(cx, depth, i)?;
    let mut parts = vec![first];
    while let Ok((after, _)) = (ws, char('|'), ws).parse(i) {
        let (rest, part) = and(cx, depth, after)?;
        parts.push(part);
        i = rest;
    }
    Ok((i, join(parts, Expr::Or, cx.span(start, i))))
}

/// and = unary ( ws unary )*
fn and(cx: Cx, depth: usize, i: &str) -> PResult<'_, Expr> {
    let start = cx.pos(i);
    let (mut i, first) = unary(cx, depth, i)?;
    let mut parts = vec![first];
    loop {
        let after = match ws1(i) {
            Ok((after, _)) if !after.is_empty() && !after.starts_with(['|', ')']) => after,
            _ => break,
        };
        let (rest, part) = unary(cx, depth, after)?;
        parts.push(part);
        i = rest;
    }
    Ok((i, join(parts, Expr::And, cx.span(start, i))))
}

/// One part as itself, several as `combine(parts, span)`.
fn join(mut parts: Vec<Expr>, combine: fn(Vec<Expr>, Span) -> Expr, span: Span) -> Expr {
    if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        combine(parts, span)
    }
}

/// unary = "!" unary | "(" ws? or ws? ")" | term
fn unary(cx: Cx, depth: usize, i: &str) -> PResult<'_, Expr> {
    let start = cx.pos(i);
    if let Ok((after, _)) = char::<&str, Fail>('!').parse(i) {
        let depth = deeper(depth, after)?;
        let (rest, inner) = unary(cx, depth, after)?;
        return Ok((rest, Expr::Not(Box::new(inner), cx.span(start, rest))));
    }
    if let Ok((after, _)) = char::<&str, Fail>('(').parse(i) {
        let depth = deeper(depth, after)?;
        let (rest, _) = ws(after)?;
        let (rest, inner) = or(cx, depth, rest)?;
        let (rest, _) = ws(rest)?;
        return match char::<&str, Fail>(')').parse(rest) {
            Ok((rest, _)) => Ok((rest, inner)),
            Err(_) => Fail::unexpected(rest, "')'")
                .hint(format!("expected ')' to close the '(' at byte {start}"))
                .fatal(),
        };
    }
    let (rest, term) = term(cx, i)?;
    if !at_boundary(rest) {
        return Fail::unexpected(rest, "white space, ')', '|' or the end after a term").fatal();
    }
    Ok((rest, Expr::Term(term)))
}

/// The match operator after the term letter `letter`.
fn need_mop<'a>(letter: char, i: &'a str) -> PResult<'a, MatchOp> {
    mop(i).map_err(|_| {
        nom::Err::Failure(Fail::unexpected(
            i,
            format!("one of = ^ : ~ after '{letter}'"),
        ))
    })
}

/// An optional final ':'.
fn final_colon(i: &str) -> PResult<'_, bool> {
    opt(char(':')).map(|c| c.is_some()).parse(i)
}

/// term = status | tag | prop | text | number | saved
fn term(cx: Cx, i: &str) -> PResult<'_, Term> {
    let start = cx.pos(i);
    let Ok((after, c)) = anychar::<&str, Fail>(i) else {
        return Fail::unexpected(i, "a term").fatal();
    };
    if c == '@' {
        let (rest, name) = lex::text(cx.len, "a saved search name", after).map_err(fatal)?;
        let span = cx.span(start, rest);
        return Ok((rest, Term::Saved { name, span }));
    }
    match c.to_ascii_lowercase() {
        's' => status(cx, start, after),
        'g' => {
            let (rest, op) = need_mop('g', after)?;
            let (rest, text) = lex::text(cx.len, "a tag", rest).map_err(fatal)?;
            let (rest, _) = final_colon(rest)?;
            let span = cx.span(start, rest);
            Ok((rest, Term::Tag { op, text, span }))
        }
        'p' => prop(cx, start, after),
        't' | 'u' | 'e' => {
            let field = match c.to_ascii_lowercase() {
                't' => TextField::Title,
                'u' => TextField::Summary,
                _ => TextField::Entry,
            };
            let (rest, op) = need_mop(c, after)?;
            let (rest, text) = lex::text(cx.len, "a text to look for", rest).map_err(fatal)?;
            let (rest, _) = final_colon(rest)?;
            let span = cx.span(start, rest);
            Ok((
                rest,
                Term::Field {
                    field,
                    op,
                    text,
                    span,
                },
            ))
        }
        'x' => {
            let Ok((rest, _)) = char::<&str, Fail>(':').parse(after) else {
                return Fail::unexpected(after, "':' after 'x'").fatal();
            };
            let (rest, text) =
                lex::text(cx.len, "a word or a quoted phrase", rest).map_err(fatal)?;
            let (rest, star) = opt(char('*')).parse(rest)?;
            let (rest, _) = final_colon(rest)?;
            let span = cx.span(start, rest);
            Ok((
                rest,
                Term::FullText {
                    text,
                    prefix: star.is_some(),
                    span,
                },
            ))
        }
        'n' => {
            let (rest, op) = match vop(after) {
                Ok((rest, op))
                    if op != ValueOp::Match(MatchOp::Prefix)
                        && op != ValueOp::Match(MatchOp::Contains)
                        && op != ValueOp::Match(MatchOp::Regex) =>
                {
                    (rest, op)
                }
                _ => return Fail::unexpected(after, "one of = ] [ > < after 'n'").fatal(),
            };
            let (rest, text) = lex::text(cx.len, "a ticket number", rest).map_err(fatal)?;
            let (rest, _) = final_colon(rest)?;
            let span = cx.span(start, rest);
            Ok((rest, Term::Number { op, text, span }))
        }
        _ => Fail::at(
            i,
            c.len_utf8(),
            ErrorKind::Syntax,
            format!("unknown term '{}'", c.escape_debug()),
        )
        .hint("expected one of s g p t u e x n @ ! (")
        .fatal(),
    }
}

/// status = "s" ":" ( letter | "*" )+ ":"? | "s" "=" name ":"?  (after the "s")
fn status(cx: Cx, start: usize, i: &str) -> PResult<'_, Term> {
    if let Ok((rest, _)) = char::<&str, Fail>('=').parse(i) {
        let (rest, name) = lex::text(cx.len, "a status name", rest).map_err(fatal)?;
        let (rest, _) = final_colon(rest)?;
        let span = cx.span(start, rest);
        return Ok((rest, Term::StatusName { name, span }));
    }
    let Ok((mut i, _)) = char::<&str, Fail>(':').parse(i) else {
        return Fail::unexpected(i, "':' or '=' after 's'").fatal();
    };
    let mut sels = Vec::new();
    while let Ok((rest, c)) = anychar::<&str, Fail>(i) {
        let here = cx.span(cx.pos(i), rest);
        if c == '*' {
            sels.push((StatusSel::Active, here));
        } else if c.is_alphanumeric() {
            let letter = c.to_lowercase().next().unwrap_or(c);
            if !STATUS_LETTERS.contains(letter) {
                return Fail::at(
                    i,
                    c.len_utf8(),
                    ErrorKind::UnknownStatus,
                    format!("unknown status letter '{c}'"),
                )
                .hint("expected one of o i b w p c a m d *")
                .fatal();
            }
            sels.push((StatusSel::Letter(letter), here));
        } else {
            break;
        }
        i = rest;
    }
    if sels.is_empty() {
        return Fail::unexpected(i, "status letters or '*' after 's:'").fatal();
    }
    let (rest, _) = final_colon(i)?;
    let span = cx.span(start, rest);
    Ok((rest, Term::Status { sels, span }))
}

/// prop = "p" mop text ( ":"? cond )* ":"?  ;  cond = vop text ":"?  (after the "p")
fn prop(cx: Cx, start: usize, i: &str) -> PResult<'_, Term> {
    let (i, key_op) = need_mop('p', i)?;
    let (i, key) = lex::text(cx.len, "a property key", i).map_err(fatal)?;
    // One ':' separates the key from the conditions; a value operator may also follow the key
    // directly.
    let (mut i, mut separated) = final_colon(i)?;
    let mut conds = Vec::new();
    loop {
        let cstart = cx.pos(i);
        let Ok((rest, op)) = vop(i) else { break };
        if at_boundary(rest) {
            if !separated && op == ValueOp::Match(MatchOp::Contains) && conds.is_empty() {
                // the final ':' of a term without conditions
                i = rest;
                break;
            }
            return Fail::unexpected(rest, "a value after the operator").fatal();
        }
        let (rest, text) = lex::text(cx.len, "a value", rest).map_err(fatal)?;
        conds.push(Cond {
            op,
            text,
            span: cx.span(cstart, rest),
        });
        (i, separated) = final_colon(rest)?;
    }
    let span = cx.span(start, i);
    Ok((
        i,
        Term::Prop {
            key_op,
            key,
            conds,
            span,
        },
    ))
}
