//! Dynamic shell completion (clap_complete's engine): commands and options from the CLI
//! definition, and the silo's own words for their values — statuses, tags, property keys and
//! values (the suggestions of domain 6.5), saved-search names and ticket numbers.
//!
//! The shell runs `COMPLETE=SHELL ticket -- WORDS…` (the script of `ticket completions SHELL`
//! registers that); [`answer_if_asked`] answers and exits before anything else runs. A value's
//! completer reads what was typed before it (the ticket number, the key, `--silo`) by parsing
//! the words before the cursor with the CLI definition itself, and asks the core; every rule
//! (which tags a silo suggests, a key's values, what a ticket holds) stays in the core. A silo
//! that cannot be opened gives no candidates, never an error.
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate, ValueCompleter};
use clap_complete::env::{CompleteEnv, Shells};
use ticket_core::{Context, Env, Silo, Status, Suggestions};

use crate::cli::Cli;

/// The environment variable that asks for completion (`COMPLETE=bash`).
const VAR: &str = "COMPLETE";
/// At most this many ticket numbers are offered.
const MAX_NUMBERS: usize = 50;

/// The words before the one being completed (the program name first), kept for the
/// completers, which clap hands only the current word.
static BEFORE: OnceLock<Vec<OsString>> = OnceLock::new();

/// Answers a completion request (`COMPLETE=SHELL` in the environment) and exits; returns at
/// once otherwise.
pub fn answer_if_asked() {
    let asked = std::env::var_os(VAR).is_some_and(|v| !v.is_empty() && v != "0");
    if !asked {
        return;
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    let words: Vec<OsString> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    };
    // bash, zsh and elvish say where the cursor is; the other shells complete the last word
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1));
    let _ = BEFORE.set(words[..index.min(words.len())].to_vec());
    CompleteEnv::with_factory(command).var(VAR).complete();
}

/// `ticket completions SHELL`: the script that registers the dynamic completion with the
/// shell (the same as `COMPLETE=SHELL ticket`).
pub fn registration(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    let shells = Shells::builtins();
    let name = shell.to_string();
    let Some(completer) = shells.completer(&name) else {
        return Err(io::Error::other(format!(
            "no dynamic completion for {name}"
        )));
    };
    // the program as it was started: a relative path is made absolute, a bare name is kept
    let program = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("ticket"));
    let program = if program.components().count() > 1 {
        std::env::current_dir()
            .map(|d| d.join(&program))
            .unwrap_or(program)
    } else {
        program
    };
    let mut script = Vec::new();
    completer.write_registration(
        VAR,
        "ticket",
        "ticket",
        &program.to_string_lossy(),
        &mut script,
    )?;
    out.write_all(&script)
}

/// What a value is, for its completer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A ticket number (with its title as help).
    Number,
    /// A status name.
    Status,
    /// A suggested tag.
    Tag,
    /// A tag of the ticket typed before.
    TicketTag,
    /// A suggested property key.
    Key,
    /// A property key of the ticket typed before.
    TicketKey,
    /// A suggested value of the key typed before.
    Value,
    /// A value of the key typed before, on the ticket typed before.
    TicketValue,
    /// `KEY=VALUE` from the suggestions.
    Pair,
    /// `KEY[=VALUE]` of the ticket typed before.
    TicketPair,
    /// A saved search's name.
    Saved,
    /// A search key: `@NAME` of a saved search in its last word.
    Search,
    /// `list_properties_kv SEARCH KEY`.
    SearchThenKey,
}

/// Which argument of which command completes as what (besides `n`, every command's ticket
/// number).
const VALUES: &[(&str, &str, Kind)] = &[
    ("set_status", "status", Kind::Status),
    ("set_status", "other", Kind::Number),
    ("edit", "status", Kind::Status),
    ("edit", "other", Kind::Number),
    ("add_tag", "tag", Kind::Tag),
    ("new_ticket", "tag", Kind::Tag),
    ("import_ticket", "tag", Kind::Tag),
    ("edit", "tag", Kind::Tag),
    ("remove_tag", "tag", Kind::TicketTag),
    ("edit", "untag", Kind::TicketTag),
    ("add_property", "key", Kind::Key),
    ("time", "by", Kind::Key),
    ("change_property", "key", Kind::TicketKey),
    ("remove_property_k", "key", Kind::TicketKey),
    ("remove_property_kv", "key", Kind::TicketKey),
    ("add_property", "value", Kind::Value),
    ("change_property", "new", Kind::Value),
    ("change_property", "old", Kind::TicketValue),
    ("remove_property_kv", "value", Kind::TicketValue),
    ("new_ticket", "prop", Kind::Pair),
    ("import_ticket", "prop", Kind::Pair),
    ("edit", "prop", Kind::Pair),
    ("edit", "unprop", Kind::TicketPair),
    ("run", "name", Kind::Saved),
    ("select_tickets", "search", Kind::Search),
    ("list_ticket_numbers", "search", Kind::Search),
    ("count_tickets", "search", Kind::Search),
    ("list_tags", "search", Kind::Search),
    ("list_properties_k", "search", Kind::Search),
    ("list_properties_kv", "args", Kind::SearchThenKey),
    ("explain", "search", Kind::Search),
    ("export", "search", Kind::Search),
    ("time", "search", Kind::Search),
    ("log", "search", Kind::Search),
];

/// The CLI definition with the value completers attached (in place: `mut_arg` would move an
/// argument to the end, and with it a positional's index).
pub fn command() -> clap::Command {
    let cmd = Cli::command().mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        sub.mut_args(|arg| match kind_of(&name, arg.get_id().as_str()) {
            Some(kind) => arg.add(ArgValueCompleter::new(kind)),
            None => arg,
        })
    });
    debug_assert!(
        VALUES.iter().all(|(sub, arg, _)| cmd
            .find_subcommand(sub)
            .is_some_and(|c| c.get_arguments().any(|a| a.get_id() == arg))),
        "a completion names an argument the CLI does not have"
    );
    cmd
}

/// How argument `arg` of `command` completes: `n` is always a ticket number.
fn kind_of(command: &str, arg: &str) -> Option<Kind> {
    if arg == "n" {
        return Some(Kind::Number);
    }
    VALUES
        .iter()
        .find(|(c, a, _)| *c == command && *a == arg)
        .map(|(_, _, kind)| *kind)
}

impl ValueCompleter for Kind {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        self.complete_at(0, current)
    }

    fn complete_at(&self, index: usize, current: &OsStr) -> Vec<CompletionCandidate> {
        let typed = Typed::read();
        let current = current.to_string_lossy();
        candidates(*self, index, &current, &typed).unwrap_or_default()
    }
}

/// What was typed before the word being completed.
#[derive(Debug, Default)]
struct Typed {
    /// `--silo`.
    silo: Option<PathBuf>,
    /// The ticket number (`n`).
    number: Option<String>,
    /// The property key (`key`).
    key: Option<String>,
    /// How many values of a multi-value positional (`list_properties_kv`'s `args`) are typed.
    values: usize,
}

impl Typed {
    /// The words before the cursor, parsed by the CLI definition (missing arguments allowed).
    fn read() -> Typed {
        let Some(words) = BEFORE.get() else {
            return Typed::default();
        };
        let cmd = Cli::command();
        let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        let prepared = crate::argv::prepare(words.clone(), &names);
        let Ok(m) = Cli::command()
            .ignore_errors(true)
            .try_get_matches_from(prepared.args)
        else {
            return Typed::default();
        };
        let text = |m: &clap::ArgMatches, id: &str| -> Option<String> {
            m.try_get_one::<String>(id).ok().flatten().cloned()
        };
        let mut typed = Typed {
            silo: m.try_get_one::<PathBuf>("silo").ok().flatten().cloned(),
            ..Typed::default()
        };
        if let Some((_, sub)) = m.subcommand() {
            typed.number = text(sub, "n");
            typed.key = text(sub, "key");
            typed.values = sub
                .try_get_many::<String>("args")
                .ok()
                .flatten()
                .map_or(0, Iterator::count);
            typed.silo = sub
                .try_get_one::<PathBuf>("silo")
                .ok()
                .flatten()
                .cloned()
                .or(typed.silo);
        }
        typed
    }

    /// The silo the command would use (`--silo`, `$TICKET_SILO`, the active silo).
    fn open(&self) -> Option<Silo> {
        let env = Env::from_process_env();
        let dir = crate::commands::silos::resolve(self.silo.as_deref(), &env).ok()?;
        let ctx = Context::from_env(None).ok()?;
        Silo::open(&dir, ctx).ok()
    }

    /// The ticket typed before, read whole.
    fn ticket(&self, silo: &Silo) -> Option<ticket_core::Ticket> {
        silo.get(self.number.as_deref()?).ok()
    }
}

/// Whether `candidate` continues `current` (letter case ignored: `prio` offers `Priority`).
fn continues(candidate: &str, current: &str) -> bool {
    candidate
        .to_lowercase()
        .starts_with(&current.to_lowercase())
}

/// The candidates among `words` that continue `current`, each once (case-insensitively).
fn offer<'a>(words: impl IntoIterator<Item = &'a str>, current: &str) -> Vec<CompletionCandidate> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for word in words {
        let lc = word.to_lowercase();
        if continues(word, current) && !seen.contains(&lc) {
            seen.push(lc);
            out.push(CompletionCandidate::new(word));
        }
    }
    out
}

/// `KEY=` for each key, or `KEY=VALUE` for each value once the `=` is typed.
fn pairs<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    values_of: impl Fn(&str) -> Vec<String>,
    current: &str,
) -> Vec<CompletionCandidate> {
    match current.split_once('=') {
        None => {
            let keyed: Vec<String> = keys.into_iter().map(|k| format!("{k}=")).collect();
            offer(keyed.iter().map(String::as_str), current)
        }
        Some((key, _)) => {
            let pairs: Vec<String> = values_of(key)
                .into_iter()
                .map(|v| format!("{key}={v}"))
                .collect();
            offer(pairs.iter().map(String::as_str), current)
        }
    }
}

fn candidates(
    kind: Kind,
    index: usize,
    current: &str,
    typed: &Typed,
) -> Option<Vec<CompletionCandidate>> {
    if kind == Kind::Status {
        return Some(offer(Status::ALL.iter().map(|s| s.name()), current));
    }
    let silo = typed.open()?;
    let suggestions = || silo.suggestions().ok();
    let values = |s: &Suggestions, key: &str| -> Vec<String> {
        s.values_of(key).into_iter().map(str::to_string).collect()
    };
    Some(match kind {
        Kind::Status => Vec::new(), // answered above, without a silo
        Kind::Number => numbers(&silo, current),
        Kind::Tag => offer(suggestions()?.tags.iter().map(String::as_str), current),
        Kind::Key => offer(suggestions()?.keys.iter().map(String::as_str), current),
        Kind::Value => {
            let s = suggestions()?;
            offer(
                values(&s, typed.key.as_deref()?).iter().map(String::as_str),
                current,
            )
        }
        Kind::Pair => {
            let s = suggestions()?;
            pairs(
                s.keys.iter().map(String::as_str),
                |k| values(&s, k),
                current,
            )
        }
        Kind::TicketTag => offer(
            typed.ticket(&silo)?.tags.iter().map(String::as_str),
            current,
        ),
        Kind::TicketKey => {
            let t = typed.ticket(&silo)?;
            offer(t.properties.iter().map(|(k, _)| k.as_str()), current)
        }
        Kind::TicketValue => {
            let (t, key) = (typed.ticket(&silo)?, typed.key.as_deref()?);
            let of_key = t
                .properties
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(key));
            offer(of_key.map(|(_, v)| v.as_str()), current)
        }
        Kind::TicketPair => {
            let t = typed.ticket(&silo)?;
            let of_key = |key: &str| -> Vec<String> {
                let own = t
                    .properties
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(key));
                own.map(|(_, v)| v.clone()).collect()
            };
            pairs(
                t.properties.iter().map(|(k, _)| k.as_str()),
                of_key,
                current,
            )
        }
        Kind::Saved => offer(
            silo.saved_searches().iter().map(|s| s.name.as_str()),
            current,
        ),
        Kind::Search => saved_references(&silo, current),
        // clap counts the values of the occurrence (`index`) or the words before tell
        Kind::SearchThenKey if index == 0 && typed.values == 0 => saved_references(&silo, current),
        Kind::SearchThenKey => offer(suggestions()?.keys.iter().map(String::as_str), current),
    })
}

/// `@NAME` for the last word of a search key being typed (`s:* @mi` offers `s:* @mine`).
fn saved_references(silo: &Silo, current: &str) -> Vec<CompletionCandidate> {
    let start = current
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '!' || c == '|')
        .map_or(0, |i| i + 1);
    let (head, word) = current.split_at(start);
    if !word.starts_with('@') {
        return Vec::new();
    }
    let refs: Vec<String> = silo
        .saved_searches()
        .iter()
        .map(|s| format!("{head}@{}", s.name))
        .collect();
    offer(refs.iter().map(String::as_str), current)
}

/// Ticket numbers continuing `current`, most recently changed first, with their titles: the
/// active tickets when nothing is typed yet, else every ticket.
fn numbers(silo: &Silo, current: &str) -> Vec<CompletionCandidate> {
    let with_title =
        |number: String, title: String| CompletionCandidate::new(number).help(Some(title.into()));
    if current.is_empty() {
        let rows = silo
            .search_page("s:*", "!l", Some(MAX_NUMBERS as u64), 0)
            .unwrap_or_default();
        return rows
            .into_iter()
            .map(|r| with_title(r.number.to_string(), r.title))
            .collect();
    }
    let numbers = silo.numbers("", "!l").unwrap_or_default();
    numbers
        .into_iter()
        .map(|n| n.to_string())
        .filter(|n| continues(n, current))
        .take(MAX_NUMBERS)
        .map(|n| {
            let title = silo.get(&n).map(|t| t.title).unwrap_or_default();
            with_title(n, title)
        })
        .collect()
}
