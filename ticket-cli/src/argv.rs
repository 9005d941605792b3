//! What happens to the arguments before clap sees them: the `quiet` word and the
//! `-`/`_`-insensitive spelling of long command names; and one check after it has seen them
//! ([`misread_options`]).
//!
//! Decision: only `-` and `_` are ignored in long names; letter case is not (the Flatfish names
//! are lower case, and abbreviations are exact).

use std::ffi::OsString;

/// Global options that take a value as the next argument.
const VALUED_GLOBALS: [&str; 5] = ["--silo", "--user", "--format", "--color", "--busy-timeout"];

/// The arguments made ready for clap.
#[derive(Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The arguments, with the command word normalised and the `quiet` word removed.
    pub args: Vec<OsString>,
    /// Whether the word `quiet` came before the command.
    pub quiet: bool,
}

/// Removes every `-` and `_`.
fn squash(word: &str) -> String {
    word.chars().filter(|c| *c != '-' && *c != '_').collect()
}

/// The canonical long name `word` stands for, if it is a long name spelt with other `-`/`_`.
fn canonical<'n>(word: &str, long_names: &[&'n str]) -> Option<&'n str> {
    let squashed = squash(word);
    long_names
        .iter()
        .copied()
        .find(|name| squash(name) == squashed)
}

/// Finds the command word among `args` (the first element is the program name), drops a
/// `quiet` word before it, and replaces a long name spelt with other `-`/`_` by its canonical
/// form from `long_names`.
pub fn prepare(args: Vec<OsString>, long_names: &[&str]) -> Prepared {
    let mut out = Vec::with_capacity(args.len());
    let mut quiet = false;
    let mut iter = args.into_iter();
    if let Some(program) = iter.next() {
        out.push(program);
    }
    let mut skip_value = false;
    let mut found_command = false;
    let mut after_help = false;
    for arg in iter {
        if found_command {
            // `ticket help new-ticket`: the word after `help` is a command name too.
            match arg.to_str() {
                Some(text) if after_help && !text.starts_with('-') => {
                    after_help = false;
                    out.push(canonical(text, long_names).map_or(arg, OsString::from));
                }
                _ => out.push(arg),
            }
            continue;
        }
        if skip_value {
            skip_value = false;
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            found_command = true;
            out.push(arg);
            continue;
        }
        if text.starts_with('-') {
            skip_value = VALUED_GLOBALS.contains(&text);
            out.push(arg);
            continue;
        }
        if text == "quiet" && !quiet {
            quiet = true;
            continue;
        }
        found_command = true;
        after_help = text == "help";
        out.push(canonical(text, long_names).map_or(arg, OsString::from));
    }
    Prepared { args: out, quiet }
}

/// A free-text argument that is a mistyped option: the titles, texts, tags and values that
/// may start with `-` (a date like `-3d`, a negative number, `-` for standard input) take
/// whatever comes, so `ticket nt --title "Disk full"` made a ticket titled `--title` under
/// the creation rule `Disk full`. A value of the form `--word` there is refused as the
/// unknown option it almost surely is, unless a `--` came before it (`ticket nt -- --title`
/// is a ticket titled `--title`). `args` are the arguments clap parsed.
pub fn misread_options(
    command: &clap::Command,
    matches: &clap::ArgMatches,
    args: &[OsString],
) -> Result<(), clap::Error> {
    let (mut command, mut matches) = (command, matches);
    let mut path = String::from("ticket");
    while let Some((name, sub)) = matches.subcommand() {
        let Some(found) = command.find_subcommand(name) else {
            break;
        };
        (command, matches) = (found, sub);
        path = format!("{path} {name}");
    }
    // the arguments after a `--` (clap's indices count a cluster of short flags as several,
    // so the value is looked for among them instead)
    let escaped = match args.iter().position(|a| a == "--") {
        Some(at) => &args[at + 1..],
        None => &[],
    };
    for arg in command.get_positionals() {
        if !arg.is_allow_hyphen_values_set() {
            continue;
        }
        let id = arg.get_id().as_str();
        let Some(values) = matches.get_raw(id) else {
            continue;
        };
        for value in values {
            let Some(text) = value.to_str() else { continue };
            if looks_like_an_option(text) && !escaped.iter().any(|a| a == value) {
                let name = arg
                    .get_value_names()
                    .and_then(|n| n.first())
                    .map_or_else(|| id.to_uppercase(), |n| n.to_string());
                let err = command.clone().bin_name(&path).error(
                    clap::error::ErrorKind::UnknownArgument,
                    format!(
                        "unexpected argument '{text}' found\n\n  tip: {} has no option {text}; \
                         to give '{text}' as the {name}, use '-- {text}'",
                        command.get_name()
                    ),
                );
                return Err(err);
            }
        }
    }
    Ok(())
}

/// `--` and a letter, no white space: how an option looks, not a title.
fn looks_like_an_option(text: &str) -> bool {
    text.strip_prefix("--")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic())
        && !text.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["new_ticket", "show_ticket", "remove_property_kv", "edit"];

    fn run(args: &[&str]) -> Prepared {
        prepare(args.iter().map(OsString::from).collect(), &NAMES)
    }

    fn words(p: &Prepared) -> Vec<&str> {
        p.args.iter().map(|a| a.to_str().unwrap()).collect()
    }

    #[test]
    fn only_double_hyphen_words_look_like_options() {
        for option in ["--title", "--x", "--dry-run", "--Tag=x"] {
            assert!(looks_like_an_option(option), "{option}");
        }
        for value in [
            "-3d",
            "-",
            "--",
            "-5 degrees",
            "--5",
            "-- x",
            "--not an option",
            "a--b",
        ] {
            assert!(!looks_like_an_option(value), "{value}");
        }
    }

    #[test]
    fn long_names_ignore_dash_and_underscore() {
        for spelling in ["new_ticket", "new-ticket", "newticket", "n_e-w_ticket"] {
            let p = run(&["ticket", spelling, "a-b_c"]);
            assert_eq!(words(&p), ["ticket", "new_ticket", "a-b_c"], "{spelling}");
        }
        assert_eq!(
            words(&run(&["t", "remove-property-kv"]))[1],
            "remove_property_kv"
        );
    }

    #[test]
    fn case_and_abbreviations_are_exact() {
        assert_eq!(words(&run(&["t", "NewTicket"]))[1], "NewTicket");
        assert_eq!(words(&run(&["t", "n-t"]))[1], "n-t");
    }

    #[test]
    fn quiet_word_and_global_values_are_skipped() {
        let p = run(&[
            "t",
            "--silo",
            "quiet",
            "quiet",
            "--format=json",
            "new-ticket",
            "quiet",
        ]);
        assert!(p.quiet);
        assert_eq!(
            words(&p),
            [
                "t",
                "--silo",
                "quiet",
                "--format=json",
                "new_ticket",
                "quiet"
            ]
        );
        let p = run(&["t", "-q", "show-ticket", "1"]);
        assert!(!p.quiet);
        assert_eq!(words(&p), ["t", "-q", "show_ticket", "1"]);
    }
}
