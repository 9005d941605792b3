//! A check serde's derive cannot make: serde accepts a JSON *array* where a struct is expected
//! (fields by position), so `"time": [85, "$"]` or a top-level `[]` would be read silently.
//! The configuration format has no positional form, so before the typed pass every place that
//! holds an object is checked not to hold an array.

use serde_json::Value;

use super::error::{ConfigError, TOP_LEVEL};

/// Top-level fields whose value is one object.
pub(crate) const OBJECT_FIELDS: &[&str] = &["numbering", "time"];

/// Top-level fields whose value is a list of objects.
pub(crate) const OBJECT_LIST_FIELDS: &[&str] = &[
    "crules",
    "vrules_pk_required",
    "vrules_pkv_values",
    "suggested_property_kv",
    "searches",
    "srules_pkv_case",
    "srules_t_colour",
    "srules_pk_colour",
    "srules_pkv_colour",
];

fn positional(file: &str, path: String) -> ConfigError {
    ConfigError::Shape {
        file: file.to_string(),
        path,
        position: None,
        message: "invalid type: sequence, expected an object with named fields".to_string(),
    }
}

/// Refuses arrays where the format has objects. Text that is not JSON passes (the typed pass
/// reports it with its position).
pub(crate) fn objects_where_objects_belong(text: &str, file: &str) -> Result<(), ConfigError> {
    let Ok(root) = serde_json::from_str::<Value>(text) else {
        return Ok(());
    };
    let Some(root) = (match &root {
        Value::Array(_) => return Err(positional(file, TOP_LEVEL.to_string())),
        Value::Object(map) => Some(map),
        _ => None,
    }) else {
        return Ok(());
    };
    for field in OBJECT_FIELDS {
        if let Some(Value::Array(_)) = root.get(*field) {
            return Err(positional(file, field.to_string()));
        }
    }
    for field in OBJECT_LIST_FIELDS {
        let Some(Value::Array(items)) = root.get(*field) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::Array(_) => return Err(positional(file, format!("{field}[{i}]"))),
                Value::Object(rule) if *field == "crules" => {
                    if let Some(Value::Array(props)) = rule.get("properties") {
                        if let Some(j) = props.iter().position(Value::is_array) {
                            return Err(positional(file, format!("crules[{i}].properties[{j}]")));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}
