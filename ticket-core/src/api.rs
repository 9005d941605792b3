//! The write API: each method is one change set in one transaction.
use std::path::Path;

use crate::error::{Error, Result};
use crate::log::{Operation, Record};
use crate::model::TicketNumber;
use crate::numbering::next_number;
use crate::silo::{Silo, Writer};
use crate::write::{clean_title, EditOp, Op};

impl Writer<'_> {
    /// Creates a ticket (number given or issued) with the creation rule's tags and properties.
    pub(crate) fn create(
        &mut self,
        number: Option<&str>,
        title: &str,
        rule: Option<&str>,
        summary: &str,
    ) -> Result<TicketNumber> {
        let title = clean_title(title)?;
        let config = std::sync::Arc::clone(&self.config);
        let rule = match rule.filter(|r| !r.trim().is_empty()) {
            Some(name) => config
                .rule(name.trim())
                .map_err(|e| Error::invalid("creation rule", name, e.to_string()))?,
            None => config.default_rule(),
        };
        let number = match number {
            Some(n) => {
                let n: TicketNumber = n.parse()?;
                if self.ticket(n.as_str()).is_ok() {
                    return Err(Error::NumberTaken {
                        number: n.to_string(),
                    });
                }
                n.to_string()
            }
            None => next_number(
                self.conn,
                &config.numbering,
                &mut self.numbering,
                &mut self.number_ahead,
            )?,
        };
        // time-ordered (UUID version 7): tickets created together sit together in every index
        // keyed by ticket uuid, so bulk creation appends instead of scattering page writes
        let uuid = uuid::Uuid::now_v7().simple().to_string();
        let id = self.new_ticket_row(&uuid)?;
        self.emit(Record {
            ticket: id,
            op: Operation::Create {
                number: number.parse()?,
            },
        })?;
        let t = self.ticket(&number)?;
        self.emit(Record {
            ticket: id,
            op: Operation::Title(title),
        })?;
        let mut ops = vec![Op::Summary(summary.to_string())];
        ops.extend(rule.tags.iter().map(|g| Op::AddTag(g.clone())));
        ops.extend(
            rule.properties
                .iter()
                .map(|kv| Op::AddProperty(kv.key.clone(), kv.value.clone())),
        );
        for op in ops {
            self.perform(&t, op)?;
        }
        number.parse()
    }
}

/// Several changes to one ticket, applied as one change set and validated once on the final
/// state. Nothing is written until [`Edit::commit`].
///
/// ```
/// # use ticket_core::{Clock, Context, Silo};
/// # let dir = tempfile::tempdir().unwrap();
/// # let silo = Silo::create(&dir.path().join("s"), Context::new(Clock::system(), "me")).unwrap();
/// let n = silo.new_ticket("Risk: disk failure", None, "").unwrap();
/// let mut edit = silo.edit(n.as_str());
/// edit.add_tag("risk").add_property("Initial_Risk", "low").add_entry("assessed", 5);
/// edit.commit().unwrap();
/// assert_eq!(silo.get(n.as_str()).unwrap().tags, vec!["risk"]);
/// ```
pub struct Edit<'s> {
    silo: &'s Silo,
    number: String,
    ops: Vec<Op>,
}

macro_rules! queue {
    ($(#[$doc:meta] $name:ident($($arg:ident: $ty:ty),*) => $op:expr;)*) => {
        impl Edit<'_> {
            $(
                #[$doc]
                pub fn $name(&mut self, $($arg: $ty),*) -> &mut Self {
                    self.ops.push($op);
                    self
                }
            )*
        }
    };
}

queue! {
    /// Sets the title.
    set_title(title: &str) => Op::Title(title.into());
    /// Sets the summary.
    set_summary(summary: &str) => Op::Summary(summary.into());
    /// Sets the status; `other` for Merged and Duplicate.
    set_status(status: &str, other: Option<&str>) => Op::Status(status.into(), other.map(Into::into));
    /// Adds a tag.
    add_tag(tag: &str) => Op::AddTag(tag.into());
    /// Removes a tag.
    remove_tag(tag: &str) => Op::RemoveTag(tag.into());
    /// Adds a property.
    add_property(key: &str, value: &str) => Op::AddProperty(key.into(), value.into());
    /// Changes one value of a property.
    change_property(key: &str, old: &str, new: &str) => Op::ChangeProperty(key.into(), old.into(), new.into());
    /// Removes every value of a property.
    remove_property_k(key: &str) => Op::RemovePropertyK(key.into());
    /// Removes one value of a property.
    remove_property_kv(key: &str, value: &str) => Op::RemovePropertyKv(key.into(), value.into());
    /// Adds an entry.
    add_entry(text: &str, minutes: u32) => Op::AddEntry(text.into(), minutes);
    /// Hides an entry.
    remove_entry(n: u32) => Op::RemoveEntry(n);
    /// Hides an attachment.
    remove_attachment(n: u32) => Op::RemoveAttachment(n);
}

impl Edit<'_> {
    /// Queues one owned change.
    pub fn push(&mut self, op: EditOp) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// Attaches bytes under a file name.
    pub fn add_attachment(&mut self, name: &str, bytes: &[u8], comment: &str) -> &mut Self {
        self.ops.push(Op::AddAttachment {
            name: name.into(),
            bytes: bytes.to_vec(),
            comment: comment.into(),
        });
        self
    }

    /// Applies the queued changes as one change set.
    pub fn commit(self) -> Result<()> {
        let Edit { silo, number, ops } = self;
        silo.apply(&number, ops)
    }
}

/// New tickets for a [`Batch`].
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Status name (default Open).
    pub status: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Properties.
    pub properties: Vec<(String, String)>,
    /// Entries: text and minutes.
    pub entries: Vec<(String, u32)>,
}

/// Many tickets created in one transaction (bulk creation, generators, `create_many`): one
/// change set, or as many as the records need when they pass a change set's 65,536 (the
/// sets split between tickets, so a ticket's records share a set; an undo takes back one set).
pub struct Batch<'s> {
    silo: &'s Silo,
    tickets: Vec<(Option<String>, NewTicket)>,
}

impl Batch<'_> {
    /// Queues a ticket created by the default creation rule.
    pub fn add(&mut self, t: NewTicket) -> &mut Self {
        self.tickets.push((None, t));
        self
    }

    /// Queues a ticket created by the creation rule `rule` (empty: the default), its tags and
    /// properties applied together with the ticket's own in the batch's one change set, so a
    /// validation rule that needs one of the extras is met when the set is checked.
    pub fn add_with_rule(&mut self, rule: &str, t: NewTicket) -> &mut Self {
        self.tickets.push((Some(rule.to_string()), t));
        self
    }

    /// Creates every queued ticket; returns their numbers in order.
    pub fn commit(self) -> Result<Vec<TicketNumber>> {
        let Batch { silo, tickets } = self;
        silo.write(|w| {
            w.list_rows_at_the_end(tickets.len())?;
            let mut numbers = Vec::with_capacity(tickets.len());
            for (rule, nt) in tickets {
                w.room_for(records_at_most(&nt));
                numbers.push(w.create_new(None, rule.as_deref(), nt)?);
            }
            Ok(numbers)
        })
    }
}

/// How many records a new ticket may write, at most as far as a change set's room goes: one
/// for each tag and entry, two for each property (a relation writes its mirror on the target
/// too), and a margin for the create, title, summary and status and what a creation rule adds.
fn records_at_most(nt: &NewTicket) -> usize {
    nt.tags.len() + 2 * nt.properties.len() + nt.entries.len() + 256
}

impl Writer<'_> {
    /// Creates one ticket by a creation rule with the extras of `nt`.
    fn create_new(
        &mut self,
        number: Option<&str>,
        rule: Option<&str>,
        nt: NewTicket,
    ) -> Result<TicketNumber> {
        let number = self.create(number, &nt.title, rule, &nt.summary)?;
        let t = self.ticket(number.as_str())?;
        let mut ops: Vec<Op> = nt.tags.into_iter().map(Op::AddTag).collect();
        ops.extend(
            nt.properties
                .into_iter()
                .map(|(k, v)| Op::AddProperty(k, v)),
        );
        ops.extend(
            nt.entries
                .into_iter()
                .map(|(text, m)| Op::AddEntry(text, m)),
        );
        ops.extend(nt.status.map(|s| Op::Status(s, None)));
        for op in ops {
            self.perform(&t, op)?;
        }
        self.list_row_with_kept_row(t.id);
        Ok(number)
    }
}

impl Silo {
    fn one(&self, number: &str, op: Op) -> Result<()> {
        if op.reads_only_its_ticket() {
            // a tag's records write no ticket row before the commit: its set may wait
            let tags_only = matches!(op, Op::AddTag(_) | Op::RemoveTag(_));
            return self.write_guarded(number, |w| {
                w.defer_guarded_set = tags_only;
                w.ask_ahead(number, &op)?;
                let t = w.ticket(number)?;
                w.perform(&t, op.clone())
            });
        }
        self.write(|w| {
            w.ask_ahead(number, &op)?;
            let t = w.ticket(number)?;
            w.perform(&t, op)
        })
    }

    /// Creates a ticket from a title, a creation rule (`None` or empty: the default) and a
    /// summary; returns its number.
    pub fn new_ticket(
        &self,
        title: &str,
        rule: Option<&str>,
        summary: &str,
    ) -> Result<TicketNumber> {
        self.write(|w| w.create(None, title, rule, summary))
    }
    /// Creates one ticket by a creation rule (`None` or empty: the default) with extra tags,
    /// properties, entries and status, all in one change set validated once; returns its number.
    /// `number`: the caller's number (valid and unused), else one is issued.
    pub fn create_ticket(
        &self,
        number: Option<&str>,
        rule: Option<&str>,
        ticket: NewTicket,
    ) -> Result<TicketNumber> {
        let rule = rule.filter(|r| !r.trim().is_empty());
        self.write(|w| w.create_new(number, rule, ticket))
    }
    /// Applies owned changes to one ticket as one change set, validated once on the final
    /// state; nothing is written when one of them is refused.
    pub fn apply(&self, n: &str, ops: Vec<EditOp>) -> Result<()> {
        if ops.iter().all(EditOp::reads_only_its_ticket) {
            return self.write_guarded(n, |w| {
                let t = w.ticket(n)?;
                for op in &ops {
                    w.perform(&t, op.clone())?;
                }
                Ok(())
            });
        }
        self.write(|w| {
            let t = w.ticket(n)?;
            for op in ops {
                w.perform(&t, op)?;
            }
            Ok(())
        })
    }
    /// Creates a ticket with the caller's number (valid and unused).
    pub fn import_ticket(
        &self,
        number: &str,
        title: &str,
        rule: Option<&str>,
        summary: &str,
    ) -> Result<TicketNumber> {
        self.write(|w| w.create(Some(number), title, rule, summary))
    }
    /// Sets the title.
    pub fn set_title(&self, n: &str, title: &str) -> Result<()> {
        self.one(n, Op::Title(title.into()))
    }
    /// Sets the summary.
    pub fn set_summary(&self, n: &str, summary: &str) -> Result<()> {
        self.one(n, Op::Summary(summary.into()))
    }
    /// Sets the status (name or letter); `other` names the ticket for Merged and Duplicate.
    pub fn set_status(&self, n: &str, status: &str, other: Option<&str>) -> Result<()> {
        self.one(n, Op::Status(status.into(), other.map(Into::into)))
    }
    /// Adds a tag.
    pub fn add_tag(&self, n: &str, tag: &str) -> Result<()> {
        self.one(n, Op::AddTag(tag.into()))
    }
    /// Removes a tag.
    pub fn remove_tag(&self, n: &str, tag: &str) -> Result<()> {
        self.one(n, Op::RemoveTag(tag.into()))
    }
    /// Adds a property (a unique key's value is replaced).
    pub fn add_property(&self, n: &str, key: &str, value: &str) -> Result<()> {
        self.one(n, Op::AddProperty(key.into(), value.into()))
    }
    /// Changes one value of a property.
    pub fn change_property(&self, n: &str, key: &str, old: &str, new: &str) -> Result<()> {
        self.one(n, Op::ChangeProperty(key.into(), old.into(), new.into()))
    }
    /// Removes every value of a property.
    pub fn remove_property_k(&self, n: &str, key: &str) -> Result<()> {
        self.one(n, Op::RemovePropertyK(key.into()))
    }
    /// Removes one value of a property.
    pub fn remove_property_kv(&self, n: &str, key: &str, value: &str) -> Result<()> {
        self.one(n, Op::RemovePropertyKv(key.into(), value.into()))
    }
    /// Adds an entry; returns its number.
    pub fn add_entry(&self, n: &str, text: &str, minutes: u32) -> Result<u32> {
        self.write_guarded(n, |w| {
            w.ask_ahead(n, &Op::AddEntry(String::new(), minutes))?;
            let t = w.ticket(n)?;
            w.add_entry(&t, text, minutes)
        })
    }
    /// Hides an entry (the history keeps it).
    pub fn remove_entry(&self, n: &str, entry: u32) -> Result<()> {
        self.one(n, Op::RemoveEntry(entry))
    }
    /// Attaches a copy of a file; returns the attachment number. The file is copied in
    /// chunks while it is hashed (memory stays bounded); a symbolic link is followed, and
    /// what it leads to must be a regular file no larger than the silo's
    /// `max_attachment_bytes`. Nothing is left behind when anything fails.
    pub fn copy_file(&self, n: &str, file: &Path, comment: &str) -> Result<u32> {
        let name = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string());
        // a name that cannot be stored is refused before anything is copied
        crate::log::check_file_name(name.trim())?;
        self.refuse_read_only()?;
        let staged = crate::content::stage_file(
            &self.attachments_dir(),
            file,
            self.config().max_attachment_bytes,
        )?;
        self.write(|w| {
            let t = w.ticket(n)?;
            w.add_staged(&t, &name, staged, comment)
        })
    }
    /// Attaches bytes under a file name; returns the attachment number.
    pub fn add_attachment_bytes(
        &self,
        n: &str,
        name: &str,
        bytes: &[u8],
        comment: &str,
    ) -> Result<u32> {
        self.write(|w| {
            let t = w.ticket(n)?;
            w.add_attachment(&t, name, bytes, comment)
        })
    }
    /// A visible attachment of ticket `n` and its content, checked against its SHA-256.
    pub fn get_file(&self, n: &str, attachment: u32) -> Result<(crate::Attachment, Vec<u8>)> {
        let t = self.get(n)?;
        let a = t
            .attachments
            .into_iter()
            .find(|a| a.n == attachment)
            .ok_or_else(|| {
                Error::invalid(
                    "attachment",
                    &attachment.to_string(),
                    format!("ticket {} has no attachment {attachment}", t.number),
                )
            })?;
        let path = self.attachment_path(&a.sha256);
        let bytes = self.content(&a.sha256)?.ok_or_else(|| {
            Error::io(
                &path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "the content is missing"),
            )
        })?;
        let sum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if sum != a.sha256 {
            return Err(Error::invalid(
                "attachment",
                &a.name,
                format!(
                    "the stored content of {} is damaged (SHA-256 differs)",
                    path.display()
                ),
            ));
        }
        Ok((a, bytes))
    }
    /// Hides an attachment (the history keeps it).
    pub fn remove_file(&self, n: &str, attachment: u32) -> Result<()> {
        self.one(n, Op::RemoveAttachment(attachment))
    }
    /// Starts a multi-change edit of one ticket.
    pub fn edit(&self, n: &str) -> Edit<'_> {
        Edit {
            silo: self,
            number: n.to_string(),
            ops: Vec::new(),
        }
    }
    /// Starts a batch of new tickets.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            silo: self,
            tickets: Vec::new(),
        }
    }
}

impl Silo {
    /// A time report ([`Silo::time_report`]) with its range given as date expressions
    /// (`2024-03-01`, `som`, `-2w`, resolved against the silo's clock), the rules of every edge
    /// in one place: `by` must name a property key, each bound must be a date in the years
    /// 1–9999, and `from` must not be after `to`.
    pub fn time_report_between(
        &self,
        key: &str,
        by: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<crate::TimeReport> {
        if by.trim().is_empty() {
            return Err(Error::invalid(
                "property key",
                by,
                "a time report groups by a property key; it must not be empty",
            ));
        }
        let today = self.context().clock.today();
        let day = |text: Option<&str>| -> Result<Option<chrono::NaiveDate>> {
            let Some(text) = text else { return Ok(None) };
            let expr = ticket_query::parse_date_expr(text.trim())
                .map_err(|e| Error::invalid("date", text, e.message))?;
            let day = expr
                .resolve(today)
                .ok_or_else(|| Error::invalid("date", text, "out of range: years 1 to 9999"))?;
            Ok(Some(day.date()))
        };
        let (start, end) = (day(from)?, day(to)?);
        if let (Some(a), Some(b)) = (start, end) {
            if a > b {
                return Err(Error::invalid(
                    "date range",
                    &format!("{a} to {b}"),
                    "the start is after the end",
                ));
            }
        }
        self.time_report(key, by, start, end)
    }
}
