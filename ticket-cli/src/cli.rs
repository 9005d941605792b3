//! Argument definitions: the global options and every command (cli.md), for clap.
//!
//! Long command names are the Flatfish names with `_`; their abbreviations are visible aliases.
//! The `-`/`_`-insensitive spelling of long names (`new-ticket`, `newticket`) and the `quiet`
//! word are handled before clap sees the arguments, in [`crate::argv`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Text shown after the binary's `--help`: the markers of the listings.
const AFTER_HELP: &str = "\
Command names may be written with or without `-` and `_` (new_ticket, new-ticket, newticket);
abbreviations (nt, lt, ...) are exact. Put `quiet` or -q before a command for its essential
output only (the new number, the count, the numbers).

Markers in listings: `!` due soon (today within Deadline_Warning days of the Deadline),
`!!` overdue (an active ticket past its Deadline). With colour, due soon is yellow and overdue red.

Exit status: 0 success, 1 the command failed (not found, validation, busy silo, I/O),
2 bad usage (unknown command, wrong arguments, a search key or sort rule that does not parse).

The search language and sort rules, with examples: `ticket help search`.";

/// `ticket`: an embeddable ticket tracker.
#[derive(Debug, Parser)]
#[command(
    name = "ticket",
    version,
    about = "ticket: tickets in silos, found with a small search language",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Options valid before or after any command.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of listing and show commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Text,
    /// A JSON array of objects (one object for `show_ticket`).
    Json,
    /// CSV with a header line.
    Csv,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorMode {
    /// Only when standard output is a terminal (and `NO_COLOR` is not set).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The global options.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The silo to use (else $TICKET_SILO, else the active silo).
    #[arg(long, global = true, value_name = "DIR")]
    pub silo: Option<PathBuf>,
    /// Author of the changes (else $TICKET_USER, else the OS user).
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Output format of listing and show commands.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only the essential output (also: the word `quiet` before the command).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in text output.
    #[arg(long, global = true, value_enum, default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
    /// How long a write waits for another writer to finish, in whole seconds (default 20;
    /// 0: fail at once).
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "TICKET_BUSY_TIMEOUT",
        hide_env_values = true
    )]
    pub busy_timeout: Option<u32>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One line per ticket, no entries.
    Csv,
    /// A JSON array of tickets, no entries.
    Json,
    /// Complete tickets with entries, attachments' metadata and history.
    Full,
}

/// Import sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportKind {
    /// A full JSON export.
    Json,
    /// A tkts database.
    Tkts,
    /// A Fossil repository file.
    Fossil,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new silo in DIR (which must not exist or be empty; or a team silo at a
    /// postgres:// address, in an empty database or `?schema=NAME`) and add it to your silo
    /// list (readable by you only: a team address may hold its password).
    #[command(name = "create_silo")]
    CreateSilo {
        /// Directory of the new silo, or a postgres:// address.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Add an existing silo to your silo list.
    #[command(name = "add_silo", visible_alias = "as")]
    AddSilo {
        /// Directory of the silo, or a team silo's postgres:// address.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Remove a silo from your silo list (its files are left alone).
    #[command(name = "remove_silo", visible_alias = "rs")]
    RemoveSilo {
        /// Directory of the silo.
        dir: PathBuf,
    },
    /// Make a silo the active one (the default when neither --silo nor $TICKET_SILO is given).
    #[command(name = "set_active_silo", visible_alias = "sas")]
    SetActiveSilo {
        /// Directory of the silo.
        dir: PathBuf,
    },
    /// Show your silo list, the active silo marked with `*`.
    #[command(name = "show_silos", visible_alias = "ds")]
    ShowSilos,
    /// Create a ticket; prints its number. The rule's tags and properties, --tag and --prop
    /// are one change set, validated once.
    #[command(name = "new_ticket", visible_alias = "nt")]
    NewTicket {
        /// Title (one line); with --edit it may be left out.
        #[arg(allow_hyphen_values = true, required_unless_present = "edit")]
        title: Option<String>,
        #[command(flatten)]
        create: CreateArgs,
    },
    /// Create a ticket with a given number; prints the number.
    #[command(name = "import_ticket", visible_alias = "it")]
    ImportTicket {
        /// The number (0-9, A-Z), unused in this silo.
        number: String,
        /// Title (one line); with --edit it may be left out.
        #[arg(allow_hyphen_values = true, required_unless_present = "edit")]
        title: Option<String>,
        #[command(flatten)]
        create: CreateArgs,
    },
    /// Change a ticket's title.
    #[command(name = "set_title", visible_alias = "st")]
    SetTitle {
        /// Ticket number.
        n: String,
        /// New title.
        #[arg(allow_hyphen_values = true)]
        title: String,
    },
    /// Change a ticket's summary.
    #[command(name = "set_summary", visible_alias = "su")]
    SetSummary {
        /// Ticket number.
        n: String,
        /// New summary; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        summary: String,
    },
    /// Change a ticket's status (OTHER: the ticket it is merged into or duplicates).
    #[command(name = "set_status", visible_alias = "ss")]
    SetStatus {
        /// Ticket number.
        n: String,
        /// Status name or letter (open, in_progress, blocked, waiting, postponed, closed,
        /// abandoned, merged, duplicate).
        status: String,
        /// For Merged and Duplicate: the other ticket.
        other: Option<String>,
    },
    /// Add a tag.
    #[command(name = "add_tag", visible_alias = "ag")]
    AddTag {
        /// Ticket number.
        n: String,
        /// The tag.
        #[arg(allow_hyphen_values = true)]
        tag: String,
    },
    /// Remove a tag.
    #[command(name = "remove_tag", visible_alias = "rg")]
    RemoveTag {
        /// Ticket number.
        n: String,
        /// The tag.
        #[arg(allow_hyphen_values = true)]
        tag: String,
    },
    /// Add an entry (a comment, with the minutes spent); prints the entry number.
    #[command(name = "add_entry", visible_alias = "ae")]
    AddEntry {
        /// Ticket number.
        n: String,
        /// Text of the entry; `-` reads it from standard input.
        #[arg(allow_hyphen_values = true)]
        text: String,
        /// Minutes spent (default 0).
        minutes: Option<u32>,
    },
    /// Remove (hide) an entry; the history keeps it.
    #[command(name = "remove_entry", visible_alias = "re")]
    RemoveEntry {
        /// Ticket number.
        n: String,
        /// Entry number.
        entry: u32,
    },
    /// Attach a copy of a file; prints the attachment number.
    #[command(name = "copy_file", visible_alias = "af")]
    CopyFile {
        /// Ticket number.
        n: String,
        /// The file to copy into the silo.
        file: PathBuf,
        /// Comment.
        #[arg(allow_hyphen_values = true)]
        comment: Option<String>,
    },
    /// Get an attachment's content back: to standard output, or to FILE with -o.
    #[command(name = "get_file", visible_alias = "gf")]
    GetFile {
        /// Ticket number.
        n: String,
        /// Attachment number.
        attachment: u32,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Remove (hide) an attachment; the history keeps it.
    #[command(name = "remove_file", visible_alias = "rf")]
    RemoveFile {
        /// Ticket number.
        n: String,
        /// Attachment number.
        attachment: u32,
    },
    /// Show a ticket: fields, tags, properties, entries, attachments, time and cost.
    #[command(name = "show_ticket", visible_alias = "dt")]
    ShowTicket {
        /// Ticket number.
        n: String,
        /// Show the ticket's history instead: when, who, what.
        #[arg(long)]
        history: bool,
    },
    /// Add a property KEY = VALUE.
    #[command(name = "add_property", visible_alias = "ap")]
    AddProperty {
        /// Ticket number.
        n: String,
        /// Property key.
        #[arg(allow_hyphen_values = true)]
        key: String,
        /// Value (a date expression for date keys, e.g. `+3d`, `fri`, `2024-03-01`).
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Change the value OLD of property KEY to NEW.
    #[command(name = "change_property", visible_alias = "cp")]
    ChangeProperty {
        /// Ticket number.
        n: String,
        /// Property key.
        #[arg(allow_hyphen_values = true)]
        key: String,
        /// Current value.
        #[arg(allow_hyphen_values = true)]
        old: String,
        /// New value.
        #[arg(allow_hyphen_values = true)]
        new: String,
    },
    /// Remove every value of property KEY.
    #[command(name = "remove_property_k", visible_alias = "rk")]
    RemovePropertyK {
        /// Ticket number.
        n: String,
        /// Property key.
        #[arg(allow_hyphen_values = true)]
        key: String,
    },
    /// Remove the property KEY = VALUE.
    #[command(name = "remove_property_kv", visible_alias = "rkv")]
    RemovePropertyKv {
        /// Ticket number.
        n: String,
        /// Property key.
        #[arg(allow_hyphen_values = true)]
        key: String,
        /// Value.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// List tickets: number, status, title, markers (`!` due soon, `!!` overdue), tags and
    /// the prioritised properties.
    #[command(name = "select_tickets", visible_alias = "lt", after_help = crate::help::SEARCH_IN_BRIEF)]
    SelectTickets(Selection),
    /// List the numbers of the selected tickets, one per line.
    #[command(name = "list_ticket_numbers", visible_alias = "ltn", after_help = crate::help::SEARCH_IN_BRIEF)]
    ListTicketNumbers(Selection),
    /// Count the selected tickets.
    #[command(name = "count_tickets", visible_alias = "ct")]
    CountTickets(Filter),
    /// Tags of the selected tickets, with counts.
    #[command(name = "list_tags", visible_alias = "lg")]
    ListTags(Filter),
    /// Property keys of the selected tickets, with counts.
    #[command(name = "list_properties_k", visible_alias = "lk")]
    ListPropertiesK(Filter),
    /// Values of property KEY among the selected tickets, with counts.
    #[command(name = "list_properties_kv", visible_alias = "lkv")]
    ListPropertiesKv {
        /// `[SEARCH] KEY`: an optional search key, then the property key.
        #[arg(num_args = 1..=2, required = true, value_names = ["SEARCH", "KEY"], allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Several changes to one ticket as one change set, validated once on the final state.
    Edit(EditArgs),
    /// The silo's saved searches.
    Searches,
    /// Run a saved search (its key and sort rule) and list the tickets.
    Run {
        /// Name of the saved search.
        name: String,
    },
    /// Explain a search key (and sort rule): in words, canonical form, SQL and parameters.
    Explain {
        /// Search key.
        #[arg(allow_hyphen_values = true)]
        search: String,
        /// Sort rule.
        #[arg(allow_hyphen_values = true)]
        sort: Option<String>,
    },
    /// Export tickets to standard output (or -o FILE).
    ///
    /// csv and json have the fields of `lt --format csv|json`: number, uuid, status, title,
    /// summary, opened, last_update (RFC 3339, UTC, microseconds), tags, properties,
    /// total_minutes, deadline_state (due_soon, overdue or empty). In CSV the multi-valued
    /// cells hold their JSON: tags as `["a","b"]`, properties as
    /// `[{"key":"K","value":"v"}]`, so separators inside a tag or value stay unambiguous.
    Export {
        /// csv, json (no entries) or full (complete tickets with history).
        #[arg(value_enum, value_name = "FORMAT")]
        to: ExportFormat,
        /// Search key (default: every ticket).
        #[arg(allow_hyphen_values = true)]
        search: Option<String>,
        /// Sort rule (default: number).
        #[arg(allow_hyphen_values = true)]
        sort: Option<String>,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// With `full -o FILE`: also copy the attachments' contents into FILE.files/ (named
        /// by SHA-256), so the export is a whole backup; `import json FILE` puts them back.
        #[arg(long)]
        with_files: bool,
    },
    /// Import tickets (all-or-nothing; running it twice creates no duplicates).
    Import {
        /// json (full export), tkts (database) or fossil (repository file).
        #[arg(value_enum)]
        kind: ImportKind,
        /// The file to import.
        file: PathBuf,
    },
    /// Minutes and cost of entries, grouped by a property.
    Time {
        /// Search key (default: every ticket).
        #[arg(allow_hyphen_values = true)]
        search: Option<String>,
        /// Property key to group by (e.g. Client, Project, Owner).
        #[arg(long, value_name = "KEY")]
        by: String,
        /// Only entries on or after DATE (a date expression).
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        from: Option<String>,
        /// Only entries on or before DATE (a date expression).
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        to: Option<String>,
    },
    /// Tickets that violate the current validation rules.
    Check,
    /// Replay the change log into the derived tables.
    Rebuild,
    /// Make a new copy of the silo SOURCE in DIR (configuration, log, attachments), with a
    /// replica id of its own; `ticket sync` keeps the copies together.
    Clone {
        /// The silo to copy (a directory, a postgres:// address, or the http(s):// address of
        /// a `ticket serve`).
        source: PathBuf,
        /// The new silo's directory (must not exist or be empty), or a postgres:// address
        /// of an empty database or schema (a new team silo holding the source's tickets).
        dir: PathBuf,
        /// For an http(s):// source: the file holding the server's token (else $TICKET_TOKEN).
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// Exchange change sets with PEER (a silo directory, a postgres:// team silo, or a
    /// `ticket serve` at http(s)://) both ways: afterwards both hold the same log and the same
    /// tickets. Conflicts resolve deterministically; clashing ticket numbers are renumbered
    /// and reported. An https:// server's certificate is checked against Mozilla's roots, or
    /// against the certificates of the PEM file $TICKET_CA_FILE when it is set.
    Sync {
        /// The other copy (a silo directory, a postgres:// address, or the http(s):// address
        /// of a `ticket serve`).
        peer: String,
        /// For an http(s):// peer: the file holding the server's token (else $TICKET_TOKEN).
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// Only take the peer's changes.
        #[arg(long, conflicts_with = "push")]
        pull: bool,
        /// Only give this copy's changes.
        #[arg(long)]
        push: bool,
        /// Say what would move; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Exchange change sets through a file, for copies that never see each other.
    Bundle {
        /// create or apply.
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Undo a change set (default: this copy's latest) by appending its inverse; refused with
    /// what changed since if it no longer applies. Undo is itself undoable.
    Undo {
        /// The change set id (from `ticket log`).
        set: Option<String>,
    },
    /// The silo's timeline: change sets newest first, with who, when and what changed.
    Log {
        /// Only change sets touching the tickets this search key selects.
        #[arg(allow_hyphen_values = true)]
        search: Option<String>,
        /// Only change sets from DATE on (a date expression).
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        since: Option<String>,
        /// Only change sets by NAME.
        #[arg(long, value_name = "NAME")]
        author: Option<String>,
        /// At most N change sets.
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
    },
    /// Show the effective silo configuration, or validate a configuration file.
    Config {
        /// Validate FILE instead (a silo.json); exit 1 with every problem if it is broken.
        #[arg(long, value_name = "FILE", conflicts_with = "set")]
        check: Option<PathBuf>,
        /// Validate FILE and make it the silo's configuration (one change set by you; a team
        /// silo's clients all see it).
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
    },
    /// Create a silo filled with a few hundred realistic tickets and show example searches.
    Demo {
        /// Directory of the new silo (default: a new temporary directory, printed), or the
        /// postgres:// address of an empty database or schema (a team silo).
        dir: Option<PathBuf>,
    },
    /// The search language and sort rules, with examples (`ticket help search`).
    #[command(
        name = "search",
        hide = true,
        help_template = "{before-help}",
        before_help = crate::help::SEARCH_LANGUAGE
    )]
    Search,
    /// Write the manual pages: `ticket.1` to standard output, or with DIR every page
    /// (`ticket.1`, `ticket-new_ticket.1`, …) into DIR.
    #[command(hide = true)]
    Manpage {
        /// Directory to write the pages into (it must exist).
        dir: Option<PathBuf>,
    },
    /// Serve the silo as a web page and a JSON API (prints a login link; Ctrl-C stops it).
    Serve(ServeArgs),
    /// Print the script that turns on completion in SHELL, with the silo's statuses, tags,
    /// property keys and values, saved searches and ticket numbers (bash:
    /// `source <(ticket completions bash)`; zsh alike; fish:
    /// `ticket completions fish | source`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `bundle create|apply`.
#[derive(Debug, Clone, Subcommand)]
pub enum BundleCommand {
    /// Write the change sets a copy lacks (everything, or what PEER lacks) to FILE.
    Create {
        /// The bundle file.
        file: PathBuf,
        /// Only what PEER does not hold yet: a silo directory, a postgres:// team silo, a
        /// `ticket serve` at http(s)://, or a bundle file made earlier (and applied there:
        /// what is not in it)
        #[arg(long, value_name = "PEER_OR_BUNDLE")]
        since: Option<String>,
    },
    /// Add the change sets of FILE this silo lacks.
    Apply {
        /// The bundle file.
        file: PathBuf,
    },
}

/// `[SEARCH [SORT]]`.
#[derive(Debug, Clone, Args)]
pub struct Selection {
    /// Search key (default: every ticket).
    #[arg(allow_hyphen_values = true)]
    pub search: Option<String>,
    /// Sort rule (default: number).
    #[arg(allow_hyphen_values = true)]
    pub sort: Option<String>,
}

/// `[SEARCH]`.
#[derive(Debug, Clone, Args)]
pub struct Filter {
    /// Search key (default: every ticket).
    #[arg(allow_hyphen_values = true)]
    pub search: Option<String>,
}

/// What `new_ticket` and `import_ticket` take after the title.
#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// Creation rule (empty: the default rule).
    #[arg(allow_hyphen_values = true)]
    pub rule: Option<String>,
    /// Summary; `-` reads it from standard input.
    #[arg(allow_hyphen_values = true)]
    pub summary: Option<String>,
    /// Add a tag (repeatable), in the creating change set.
    #[arg(long, allow_hyphen_values = true)]
    pub tag: Vec<String>,
    /// Add a property KEY=VALUE (repeatable), in the creating change set.
    #[arg(long, value_name = "KEY=VALUE", allow_hyphen_values = true)]
    pub prop: Vec<String>,
    /// Write the title (first line) and the summary (after a blank line) in $VISUAL or
    /// $EDITOR; lines starting with `#` are left out.
    #[arg(long)]
    pub edit: bool,
}

/// Arguments of `edit`.
#[derive(Debug, Clone, Args)]
pub struct EditArgs {
    /// Ticket number.
    pub n: String,
    /// New title.
    #[arg(long, allow_hyphen_values = true)]
    pub title: Option<String>,
    /// New summary.
    #[arg(long, allow_hyphen_values = true)]
    pub summary: Option<String>,
    /// New status.
    #[arg(long)]
    pub status: Option<String>,
    /// For --status merged/duplicate: the other ticket.
    #[arg(long, requires = "status")]
    pub other: Option<String>,
    /// Add a tag (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    pub tag: Vec<String>,
    /// Remove a tag (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    pub untag: Vec<String>,
    /// Add a property KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE", allow_hyphen_values = true)]
    pub prop: Vec<String>,
    /// Remove every value of KEY, or only KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY[=VALUE]", allow_hyphen_values = true)]
    pub unprop: Vec<String>,
    /// Add an entry.
    #[arg(long, allow_hyphen_values = true)]
    pub entry: Option<String>,
    /// Minutes spent, for --entry.
    #[arg(long, requires = "entry")]
    pub minutes: Option<u32>,
}

/// Arguments of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (anything but loopback needs --public).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Port to listen on (0: any free port; the first line printed gives the address).
    #[arg(long, value_name = "N", default_value_t = 7046)]
    pub port: u16,
    /// Read the access token from FILE, or write a new one there (mode 0600) when FILE does
    /// not exist.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Allow binding an address other than loopback (the token is still required).
    #[arg(long)]
    pub public: bool,
    /// Open the login link in the desktop's browser (xdg-open / open).
    #[arg(long)]
    pub open: bool,
}
