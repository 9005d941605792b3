//! The tokens of the language as nom parsers, and the error type they share.
//!
//! nom hands an error only the input left where it happened; [`Fail`] therefore records that
//! remainder's length, and [`Fail::into_error`] turns it into a byte span of the whole input.
use nom::branch::alt;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::{char, one_of};
use nom::combinator::{recognize, value};
use nom::multi::many0;
use nom::sequence::preceded;
use std::borrow::Cow;

use nom::{IResult, Parser};

use crate::ast::{MatchOp, Text, ValueOp};
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// What went wrong, and where: `left` bytes before the end of the input, `width` bytes wide.
///
/// nom builds one of these for every alternative that does not match, so making one must not
/// allocate: the texts are `&'static str` where they can be, and "unexpected 'x'" is written
/// only when the error reaches the user ([`Fail::into_error`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fail {
    left: usize,
    width: usize,
    kind: ErrorKind,
    /// `None`: "unexpected" and the character found there.
    message: Option<Cow<'static, str>>,
    /// What was expected, shown as "expected …" unless a hint replaces it.
    expected: Option<Cow<'static, str>>,
    hint: Option<Cow<'static, str>>,
}

/// A nom result with [`Fail`] as its error.
pub(crate) type PResult<'a, T> = IResult<&'a str, T, Fail>;

impl Fail {
    /// An error of `kind` over the next `width` bytes of `input`.
    pub fn at(
        input: &str,
        width: usize,
        kind: ErrorKind,
        message: impl Into<Cow<'static, str>>,
    ) -> Fail {
        Fail {
            left: input.len(),
            width,
            kind,
            message: Some(message.into()),
            expected: None,
            hint: None,
        }
    }

    /// "unexpected X" at the next character of `input`, with "expected …" as the hint.
    pub fn unexpected(input: &str, expected: impl Into<Cow<'static, str>>) -> Fail {
        Fail {
            left: input.len(),
            width: 0,
            kind: ErrorKind::Syntax,
            message: None,
            expected: Some(expected.into()),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub fn hint(mut self, hint: impl Into<Cow<'static, str>>) -> Fail {
        self.hint = Some(hint.into());
        self
    }

    /// The same error spread back to `start` (an absolute offset), e.g. over a whole quote.
    pub fn reaching_back_to(mut self, src_len: usize, start: usize) -> Fail {
        let end = src_len - self.left + self.width;
        self.left = src_len - start;
        self.width = end - start;
        self
    }

    /// As a nom failure (no alternative is tried after it).
    pub fn fatal<T>(self) -> Result<T, nom::Err<Fail>> {
        Err(nom::Err::Failure(self))
    }

    /// The project error for the whole input `src`.
    pub fn into_error(self, src: &str) -> Error {
        let start = src.len() - self.left;
        let (message, width) = match self.message {
            Some(m) => (m.into_owned(), self.width),
            None => match src[start..].chars().next() {
                Some(c) => (format!("unexpected '{}'", c.escape_debug()), c.len_utf8()),
                None => ("unexpected end of the key".to_string(), 0),
            },
        };
        let hint = match (self.hint, self.expected) {
            (Some(h), _) => Some(h.into_owned()),
            (None, Some(e)) => Some(format!("expected {e}")),
            (None, None) => None,
        };
        let err = Error::new(self.kind, Span::new(start, start + width), message);
        match hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }
}

impl nom::error::ParseError<&str> for Fail {
    fn from_error_kind(input: &str, _kind: nom::error::ErrorKind) -> Fail {
        Fail::unexpected(input, "something else")
    }
    fn append(_input: &str, _kind: nom::error::ErrorKind, other: Fail) -> Fail {
        other
    }
}

/// The error of a failed parser, whichever way nom reports it.
pub(crate) fn failure(e: nom::Err<Fail>) -> Fail {
    match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => f,
        nom::Err::Incomplete(_) => unreachable!("complete parsers never ask for more input"),
    }
}

/// Characters a bare (unquoted) text may hold.
pub(crate) fn is_bare(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || ":^=][!~*<>()|\"@".contains(c))
}

/// ws = white space, any amount.
pub(crate) fn ws(i: &str) -> PResult<'_, &str> {
    take_while(char::is_whitespace).parse(i)
}

/// ws1 = white space, at least one character.
pub(crate) fn ws1(i: &str) -> PResult<'_, &str> {
    take_while1(char::is_whitespace).parse(i)
}

/// mop = "=" | "^" | ":" | "~"
pub(crate) fn mop(i: &str) -> PResult<'_, MatchOp> {
    alt((
        value(MatchOp::Exact, char('=')),
        value(MatchOp::Prefix, char('^')),
        value(MatchOp::Contains, char(':')),
        value(MatchOp::Regex, char('~')),
    ))
    .parse(i)
}

/// vop = mop | "]" | "[" | ">" | "<"
pub(crate) fn vop(i: &str) -> PResult<'_, ValueOp> {
    alt((
        mop.map(ValueOp::Match),
        value(ValueOp::Ge, char(']')),
        value(ValueOp::Le, char('[')),
        value(ValueOp::Gt, char('>')),
        value(ValueOp::Lt, char('<')),
    ))
    .parse(i)
}

/// Whether `i` is at a boundary after a term: white space, `)`, `|` or the end.
pub(crate) fn at_boundary(i: &str) -> bool {
    i.chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || c == ')' || c == '|')
}

/// text = bare | quoted, where `what` names the expected thing in errors; spans are offsets
/// into an input of `src_len` bytes.
pub(crate) fn text<'a>(src_len: usize, what: &'static str, i: &'a str) -> PResult<'a, Text> {
    let start = src_len - i.len();
    if i.starts_with('"') {
        let (rest, value) = quoted(src_len, i)?;
        let end = src_len - rest.len();
        return Ok((
            rest,
            Text {
                value,
                span: Span::new(start, end),
            },
        ));
    }
    let (rest, bare) = take_while1(is_bare)
        .parse(i)
        .map_err(|_: nom::Err<Fail>| nom::Err::Error(Fail::unexpected(i, what)))?;
    Ok((
        rest,
        Text {
            value: bare.to_string(),
            span: Span::new(start, src_len - rest.len()),
        },
    ))
}

/// quoted = '"' ( any character but '"' and '\' | '\"' | '\\' )* '"'
fn quoted(src_len: usize, i: &str) -> PResult<'_, String> {
    let start = src_len - i.len();
    let (body, _) = char('"').parse(i)?;
    let (rest, parts) = many0(alt((
        take_while1(|c| c != '"' && c != '\\'),
        preceded(char('\\'), recognize(one_of("\"\\"))),
    )))
    .parse(body)?;
    match rest.chars().next() {
        Some('"') => Ok((&rest[1..], parts.concat())),
        // the backslash and the byte after it
        Some('\\') => Fail::at(rest, 2, ErrorKind::Syntax, "unknown escape")
            .hint("only \\\" and \\\\ are escapes")
            .fatal(),
        _ => Fail::at(rest, 0, ErrorKind::Syntax, "unterminated quoted text")
            .reaching_back_to(src_len, start)
            .hint("close it with '\"'")
            .fatal(),
    }
}
