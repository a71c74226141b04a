//! Typed events: parsing that names the bad field.

use crate::error::{Classify, ErrorType};
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid event at `{path}`: {reason}")]
    Invalid { path: String, reason: String },
}

impl EventError {
    pub fn invalid(path: impl Into<String>, reason: impl Into<String>) -> Self {
        EventError::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl Classify for EventError {
    fn error_type(&self) -> ErrorType {
        ErrorType::InvalidEvent
    }
}

/// Deserialize an event, reporting the JSON path of the first problem
/// (`tables[2]`, `mode`, …) and serde's reason (unknown field, wrong type…).
pub fn parse_event<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, EventError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." {
            "(root)".to_owned()
        } else {
            path
        };
        EventError::Invalid {
            path,
            reason: err.into_inner().to_string(),
        }
    })
}

/// For events whose shape depends on a tag field (`"mode": "load"`): check the
/// tag against `allowed` and return it with the rest of the object, so the rest
/// can be parsed with [`parse_event`] and errors keep their field path (serde's
/// internally tagged enums lose it).
pub fn split_tag(
    value: serde_json::Value,
    tag: &str,
    allowed: &[&str],
) -> Result<(String, serde_json::Value), EventError> {
    let serde_json::Value::Object(mut map) = value else {
        return Err(EventError::invalid(
            "(root)",
            "the event must be a JSON object",
        ));
    };
    let found = match map.remove(tag) {
        None => {
            return Err(EventError::invalid(
                tag,
                format!("missing field `{tag}` (one of: {})", allowed.join(", ")),
            ))
        }
        Some(serde_json::Value::String(s)) => s,
        Some(other) => {
            return Err(EventError::invalid(
                tag,
                format!("expected a string, got {other}"),
            ))
        }
    };
    if !allowed.contains(&found.as_str()) {
        return Err(EventError::invalid(
            tag,
            format!("unknown {tag} `{found}` (one of: {})", allowed.join(", ")),
        ));
    }
    Ok((found, serde_json::Value::Object(map)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Demo {
        tables: Vec<String>,
        #[serde(default)]
        limit: u32,
    }

    #[test]
    fn errors_carry_the_path() {
        let err = parse_event::<Demo>(json!({"tables": ["a", 3]})).unwrap_err();
        assert!(err.to_string().contains("tables[1]"), "{err}");
        let err = parse_event::<Demo>(json!({"tables": [], "limt": 1})).unwrap_err();
        assert!(err.to_string().contains("limt"), "{err}");
        let err = split_tag(json!({"mode": "x"}), "mode", &["a", "b"]).unwrap_err();
        assert!(err.to_string().contains("unknown mode `x`"), "{err}");
        let err = split_tag(json!([1]), "mode", &["a"]).unwrap_err();
        assert!(err.to_string().contains("object"), "{err}");
    }
}
