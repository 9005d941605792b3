//! Taskwarrior 2.6 import JSON (one task object per line, which `task import` accepts).
//!
//! Mapping: active statuses → `pending`, `Closed` → `completed`, `Abandoned`/`Merged`/
//! `Duplicate` → `deleted` (with an `end` stamp a day after `entry`); tags → `tags`;
//! `Priority` low/medium/high → `L`/`M`/`H`; `Project` → `project`; `Deadline` → `due`;
//! `Scheduled` → `scheduled`; entries → `annotations`; `Assigned`, `Client` and `Estimate` are
//! user-defined attributes (the rc file must declare `uda.assigned.type=string`,
//! `uda.client.type=string`, `uda.estimate.type=numeric`, see [`TASKRC_UDAS`]); the title is the
//! `description`.

use crate::gen::Dataset;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// Lines the Taskwarrior rc file needs so the UDAs survive import and can be filtered on.
pub const TASKRC_UDAS: &str = "uda.assigned.type=string\nuda.assigned.label=Assigned\n\
uda.client.type=string\nuda.client.label=Client\n\
uda.estimate.type=numeric\nuda.estimate.label=Estimate\n";

fn stamp(day: NaiveDate, minute: i64) -> String {
    let t = day.and_hms_opt(9, 0, 0).expect("valid time") + Duration::minutes(minute);
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn dashed(uuid: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &uuid[0..8],
        &uuid[8..12],
        &uuid[12..16],
        &uuid[16..20],
        &uuid[20..32]
    )
}

fn date_stamp(value: &str) -> Option<String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y%m%dT000000Z").to_string())
}

/// The Taskwarrior object of ticket `i`.
pub fn task_json(data: &Dataset, i: usize) -> Value {
    let t = &data.tickets[i];
    let day = data.opened_date(i);
    let mut o = Map::new();
    o.insert("uuid".into(), json!(dashed(&t.uuid)));
    o.insert("description".into(), json!(t.title));
    o.insert("entry".into(), json!(stamp(day, 0)));
    o.insert("modified".into(), json!(stamp(day, t.entries.len() as i64)));
    let status = match t.status {
        0..=4 => "pending",
        5 => "completed",
        _ => "deleted",
    };
    o.insert("status".into(), json!(status));
    if status != "pending" {
        o.insert("end".into(), json!(stamp(day, 24 * 60)));
    }
    o.insert("tags".into(), json!(t.tags));
    for (k, v) in &t.properties {
        match k.as_str() {
            "Priority" => {
                let p = match v.as_str() {
                    "low" => "L",
                    "medium" => "M",
                    _ => "H",
                };
                o.insert("priority".into(), json!(p));
            }
            "Project" => {
                o.insert("project".into(), json!(v));
            }
            "Deadline" => {
                if let Some(s) = date_stamp(v) {
                    o.insert("due".into(), json!(s));
                }
            }
            "Scheduled" => {
                if let Some(s) = date_stamp(v) {
                    o.insert("scheduled".into(), json!(s));
                }
            }
            "Assigned" => {
                o.insert("assigned".into(), json!(v));
            }
            "Client" => {
                o.insert("client".into(), json!(v));
            }
            "Estimate" => {
                if let Ok(x) = v.parse::<f64>() {
                    o.insert("estimate".into(), json!(x));
                }
            }
            _ => {}
        }
    }
    if !t.entries.is_empty() {
        let notes: Vec<Value> = t
            .entries
            .iter()
            .enumerate()
            .map(|(n, e)| json!({"entry": stamp(day, n as i64 + 1), "description": e.text}))
            .collect();
        o.insert("annotations".into(), Value::Array(notes));
    }
    Value::Object(o)
}

/// Writes the whole dataset, one JSON object per line.
pub fn write_import(data: &Dataset, out: &mut impl Write) -> io::Result<()> {
    for i in 0..data.tickets.len() {
        serde_json::to_writer(&mut *out, &task_json(data, i))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate;

    #[test]
    fn every_line_is_a_task_with_the_mapped_fields() {
        let d = generate(200, 5);
        let mut buf = Vec::new();
        write_import(&d, &mut buf).unwrap();
        let lines: Vec<Value> = String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 200);
        for (t, v) in d.tickets.iter().zip(&lines) {
            assert_eq!(v["description"], json!(t.title));
            assert_eq!(v["uuid"].as_str().unwrap().len(), 36);
            assert_eq!(v["tags"].as_array().unwrap().len(), t.tags.len());
            let pending = v["status"] == json!("pending");
            assert_eq!(pending, t.is_active());
            assert_eq!(v.get("due").is_some(), t.property("Deadline").is_some());
            assert_eq!(
                v.get("annotations")
                    .map_or(0, |a| a.as_array().unwrap().len()),
                t.entries.len()
            );
        }
    }
}
