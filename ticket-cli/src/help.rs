//! Help topics that are not commands: the search language (`ticket help search`), and the
//! manual pages generated from the command definition (`ticket manpage [DIR]`).

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{CliError, CliResult};

/// The paragraph under `ticket lt --help` (and the other commands that take a key).
pub const SEARCH_IN_BRIEF: &str = "\
SEARCH is a search key: terms separated by spaces must all hold, `|` between them means or,
`!` negates, parentheses group. `s:*` active tickets, `g=risk` a tag, `p=deadline:<.:` a
property compared with a date, `t:disk` title contains, `x:restic` full text, `@name` a saved
search. SORT is a string of sort letters (`d` deadline, `l` last update, `!` reverses the next).
Both are explained with examples by `ticket help search`.";

/// `ticket help search`: the search language and sort rules, with examples.
pub const SEARCH_LANGUAGE: &str = "\
SEARCH KEYS

A search key picks tickets. It is a list of terms: terms separated by white space must all
hold (and), `|` between two groups means either (or, weaker than and), `!` in front of a term
means it must not hold, and parentheses group. The empty key picks every ticket. Letters and
text are compared without regard to case.

A term is a letter, an operator and a text; a final `:` is optional, and a text with spaces
or special characters goes in double quotes (`\\\"` and `\\\\` inside).

  s:LETTERS    status by letter: o open, i in progress, b blocked, w waiting, p postponed,
               c closed, a abandoned, m merged, d duplicate; * every active status
  s=NAME       status by name            s=in_progress
  gOP TAG      a tag                     g=risk   g^net   g~^v[0-9]+$
  pOP KEY      a property key exists     p=assigned   p:owner
  pOP KEY:OP VALUE ...                   a property whose value meets every condition
  tOP TEXT     title    uOP TEXT  summary    eOP TEXT  an entry
  x:WORDS      whole words anywhere (title, summary, entries): x:restic  x:\"disk full\"
               x:back*  (a word starting with back)
  n=NUMBER     ticket number; n>100, n]100 (at least), n[100 (at most) in numbering order
  @NAME        the saved search NAME (ticket searches lists them)

Operators: `=` is exactly, `^` starts with, `:` contains, `~` a regular expression. On a
property value also `]` at least, `[` at most, `>` and `<`. For a date key (Deadline,
Scheduled, Review, Opened, Last_update, Earliest and the configured ones) the value is a date
expression: `.` today, `+3d`, `-2w`, `fri`, `eom`, `2024-03-01`. Otherwise a number compares as
a number and anything else as text.

Examples:
  ticket lt 's:*'                          active tickets
  ticket lt 's:* g=bug'                    active and tagged bug
  ticket lt 'g=bug | g=risk'               tagged bug or risk
  ticket lt 's:* (g=bug | p=priority:=high:)'
  ticket lt 'p=deadline:<.:'               deadline before today
  ticket lt 'p=deadline:].:[+7d:'          deadline within the coming week
  ticket lt '!p=assigned:'                 nobody assigned
  ticket lt 'p=last_update:]-2w:'          changed in the last two weeks
  ticket lt 'x:restic t:\"backup job\"'      the word restic, and `backup job` in the title
  ticket explain 's:* g=risk'              the key in words, and the SQL it becomes

SORT RULES

A sort rule is a string of sort keys, each optionally preceded by `!` to reverse it:
  n number   t title   s status   o opened   l last update
  d deadline   h scheduled   r review   e earliest of those three
  pKEY: a property as text   #KEY: as a number   vKEY: in its configured value order
Tickets without the value come last either way; the number breaks every tie. The empty rule
sorts by number.

Examples:
  ticket lt 's:*' d                        by deadline
  ticket lt 's:*' 'dh!l'                   deadline, then scheduled, then newest change
  ticket lt 'g=risk' '!vpriority:e'        highest priority first, then earliest date";

/// `ticket manpage`: `ticket.1` on standard output; `ticket manpage DIR`: `ticket.1` and one
/// page per command (`ticket-new_ticket.1`, …) written into DIR.
pub fn manpage(out: &mut dyn Write, dir: Option<&Path>) -> CliResult {
    let cmd = Cli::command();
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            out.write_all(&page)?;
        }
        Some(dir) => {
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| CliError::Failed(format!("{}: {e}", dir.display())))?;
        }
    }
    Ok(())
}
