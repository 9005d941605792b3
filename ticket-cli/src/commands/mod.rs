//! One module per group of commands; each handler is arguments in, one core call, output out.

pub mod exchange;
pub mod listing;
pub mod maintenance;
pub mod serve;
pub mod show;
pub mod silos;
pub mod sync;
pub mod tickets;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::error::CliResult;
use crate::session::Session;

/// Runs one command, writing its output to `out`.
pub fn run(command: Command, s: &Session, out: &mut dyn Write) -> CliResult {
    use Command as C;
    match command {
        C::CreateSilo { dir } => silos::create(s, &dir, out),
        C::AddSilo { dir } => silos::add(s, &dir, out),
        C::RemoveSilo { dir } => silos::remove(s, &dir, out),
        C::SetActiveSilo { dir } => silos::set_active(s, &dir, out),
        C::ShowSilos => silos::show(s, out),
        C::NewTicket { title, create } => {
            tickets::new_ticket(s, out, None, title.as_deref(), &create)
        }
        C::ImportTicket {
            number,
            title,
            create,
        } => tickets::new_ticket(s, out, Some(&number), title.as_deref(), &create),
        C::SetTitle { n, title } => tickets::write(s, out, &n, |silo| silo.set_title(&n, &title)),
        C::SetSummary { n, summary } => {
            let summary = crate::input::text_or_stdin(&summary)?;
            tickets::write(s, out, &n, |silo| silo.set_summary(&n, &summary))
        }
        C::SetStatus { n, status, other } => {
            tickets::check_other("OTHER", &status, other.as_deref())?;
            tickets::write(s, out, &n, |silo| {
                silo.set_status(&n, &status, other.as_deref())
            })
        }
        C::AddTag { n, tag } => tickets::write(s, out, &n, |silo| silo.add_tag(&n, &tag)),
        C::RemoveTag { n, tag } => tickets::write(s, out, &n, |silo| silo.remove_tag(&n, &tag)),
        C::AddEntry { n, text, minutes } => {
            let text = crate::input::text_or_stdin(&text)?;
            tickets::add_entry(s, out, &n, &text, minutes.unwrap_or(0))
        }
        C::RemoveEntry { n, entry } => {
            tickets::write(s, out, &n, |silo| silo.remove_entry(&n, entry))
        }
        C::GetFile {
            n,
            attachment,
            output,
        } => tickets::get_file(s, out, &n, attachment, output.as_deref()),
        C::CopyFile { n, file, comment } => {
            tickets::copy_file(s, out, &n, &file, comment.as_deref().unwrap_or(""))
        }
        C::RemoveFile { n, attachment } => {
            tickets::write(s, out, &n, |silo| silo.remove_file(&n, attachment))
        }
        C::ShowTicket { n, history } => show::show(s, out, &n, history),
        C::AddProperty { n, key, value } => {
            tickets::write(s, out, &n, |silo| silo.add_property(&n, &key, &value))
        }
        C::ChangeProperty { n, key, old, new } => tickets::write(s, out, &n, |silo| {
            silo.change_property(&n, &key, &old, &new)
        }),
        C::RemovePropertyK { n, key } => {
            tickets::write(s, out, &n, |silo| silo.remove_property_k(&n, &key))
        }
        C::RemovePropertyKv { n, key, value } => {
            tickets::write(s, out, &n, |silo| silo.remove_property_kv(&n, &key, &value))
        }
        C::Edit(args) => tickets::edit(s, out, &args),
        C::SelectTickets(sel) => {
            listing::select(s, out, sel.search.as_deref(), sel.sort.as_deref())
        }
        C::ListTicketNumbers(sel) => {
            listing::numbers(s, out, sel.search.as_deref(), sel.sort.as_deref())
        }
        C::CountTickets(f) => listing::count(s, out, f.search.as_deref()),
        C::ListTags(f) => listing::tags(s, out, f.search.as_deref()),
        C::ListPropertiesK(f) => listing::keys(s, out, f.search.as_deref()),
        C::ListPropertiesKv { args } => {
            let (search, key) = match args.as_slice() {
                [key] => (None, key.as_str()),
                [search, key, ..] => (Some(search.as_str()), key.as_str()),
                [] => unreachable!("clap requires KEY"),
            };
            listing::values(s, out, search, key)
        }
        C::Searches => listing::searches(s, out),
        C::Run { name } => listing::run_saved(s, out, &name),
        C::Explain { search, sort } => {
            maintenance::explain(s, out, &search, sort.as_deref().unwrap_or(""))
        }
        C::Export {
            to,
            search,
            sort,
            output,
            with_files,
        } => {
            if with_files {
                exchange::check_with_files(to, output.as_deref())?;
            }
            exchange::export(
                s,
                out,
                to,
                search.as_deref(),
                sort.as_deref(),
                output.as_deref(),
            )?;
            match output.filter(|_| with_files) {
                Some(file) => exchange::export_files(s, out, search.as_deref(), &file),
                None => Ok(()),
            }
        }
        C::Import { kind, file } => exchange::import(s, out, kind, &file),
        C::Time {
            search,
            by,
            from,
            to,
        } => exchange::time(
            s,
            out,
            search.as_deref(),
            &by,
            from.as_deref(),
            to.as_deref(),
        ),
        C::Check => maintenance::check(s, out),
        C::Rebuild => maintenance::rebuild(s, out),
        C::Clone {
            source,
            dir,
            token_file,
        } => sync::clone(s, out, &source, &dir, token_file.as_deref()),
        C::Sync {
            peer,
            token_file,
            pull,
            push,
            dry_run,
        } => sync::sync(s, out, &peer, token_file.as_deref(), pull, push, dry_run),
        C::Bundle { command } => sync::bundle(s, out, &command),
        C::Undo { set } => sync::undo(s, out, set.as_deref()),
        C::Log {
            search,
            since,
            author,
            limit,
        } => sync::log(
            s,
            out,
            search.as_deref(),
            since.as_deref(),
            author.as_deref(),
            limit,
        ),
        C::Config { check, set } => match set {
            Some(file) => maintenance::set_config(s, out, &file),
            None => maintenance::config(s, out, check.as_deref()),
        },
        C::Demo { dir } => crate::demo::run(s, out, dir),
        C::Serve(args) => serve::serve(s, out, &args),
        C::Completions { shell } => completions(shell, out),
        C::Search => Ok(()), // printed by `main` before a session is made
        C::Manpage { dir } => crate::help::manpage(out, dir.as_deref()),
    }
}

/// `completions SHELL`: the script, written in one piece (a closed pipe is not a panic).
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> CliResult {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ticket", &mut script);
    out.write_all(&script)?;
    Ok(())
}
