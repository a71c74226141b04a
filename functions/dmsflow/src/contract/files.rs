//! The files generated from the contract: the contract JSON itself, the
//! README's configuration table and the shapes section of docs/contracts.md.
//! `make contract` ([`regenerate`]) writes them; [`stale`] (run by a test)
//! names the ones that differ from what the code would write.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where the checked-in contract lives, relative to the repository root.
pub const CONTRACT_PATH: &str = "contract/dmsflow.contract.json";
pub const README_PATH: &str = "README.md";
pub const DOCS_PATH: &str = "docs/contracts.md";

const README_BEGIN: &str = "<!-- env-table:begin";
const README_END: &str = "<!-- env-table:end -->";
const DOCS_BEGIN: &str = "<!-- contract:shapes:begin";
const DOCS_END: &str = "<!-- contract:shapes:end -->";

/// The types docs/contracts.md shows the shape of, in reading order.
const DOC_TYPES: &[&str] = &[
    "SeedEvent",
    "LoadResult",
    "ChangesResult",
    "SchemaResult",
    "StartTaskEvent",
    "ActionResult",
    "SequencesResult",
    "AssessReport",
    "Handle",
    "PollEvent",
    "Progress",
    "ValidateEvent",
    "ChunkSpec",
    "PlanResult",
    "TablesResult",
    "ReportEvent",
    "ReportSummary",
];

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("reading or writing {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} has no `{marker}` marker line")]
    Marker { path: PathBuf, marker: &'static str },
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn read(path: &Path) -> Result<String, FilesError> {
    std::fs::read_to_string(path).map_err(|source| FilesError::Io {
        path: path.to_owned(),
        source,
    })
}

/// `text` with the lines between the `begin` marker line and `end` replaced.
fn splice(
    text: &str,
    path: &Path,
    begin: &'static str,
    end: &'static str,
    body: &str,
) -> Result<String, FilesError> {
    let missing = |marker| FilesError::Marker {
        path: path.to_owned(),
        marker,
    };
    let start = text.find(begin).ok_or_else(|| missing(begin))?;
    let start = start + text[start..].find('\n').ok_or_else(|| missing(begin))? + 1;
    let stop = text[start..].find(end).ok_or_else(|| missing(end))? + start;
    Ok(format!("{}{body}{}", &text[..start], &text[stop..]))
}

/// Each generated file with the text the code would write.
pub fn expected(root: &Path) -> Result<Vec<(PathBuf, String)>, FilesError> {
    let readme = root.join(README_PATH);
    let docs = root.join(DOCS_PATH);
    let readme_text = splice(
        &read(&readme)?,
        &readme,
        README_BEGIN,
        README_END,
        &super::env::env_table_markdown(),
    )?;
    let docs_text = splice(
        &read(&docs)?,
        &docs,
        DOCS_BEGIN,
        DOCS_END,
        &shapes_markdown(&super::document()),
    )?;
    Ok(vec![
        (root.join(CONTRACT_PATH), super::document_text()),
        (readme, readme_text),
        (docs, docs_text),
    ])
}

/// The generated files that differ from what the code would write.
pub fn stale(root: &Path) -> Result<Vec<PathBuf>, FilesError> {
    let mut out = Vec::new();
    for (path, text) in expected(root)? {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            out.push(path);
        }
    }
    Ok(out)
}

/// Write every generated file; returns the ones that changed.
pub fn regenerate(root: &Path) -> Result<Vec<PathBuf>, FilesError> {
    let changed = stale(root)?;
    for (path, text) in expected(root)? {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| FilesError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| FilesError::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(changed)
}

// ------------------------------------------------------------------ shapes

/// A schema's type in one short phrase: `string`, `integer|null`, `[Finding]`,
/// `"a"|"b"`, a definition's name.
/// A reference to a closed set of words (`Side`, `Phase`…) shows the words.
fn type_of(schema: &Value, defs: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let def = &defs[name];
        let words = def.get("enum").is_some()
            || def.get("oneOf").and_then(Value::as_array).is_some_and(|o| {
                o.iter()
                    .all(|v| v.get("const").is_some() || v.get("enum").is_some())
            });
        return if words {
            type_of(def, defs)
        } else {
            name.to_owned()
        };
    }
    if let Some(c) = schema.get("const") {
        return c.to_string();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let words: Vec<String> = values.iter().map(Value::to_string).collect();
        return words.join("|");
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let types: Vec<String> = options.iter().map(|o| type_of(o, defs)).collect();
            return types.join("|");
        }
    }
    let one = |t: &str| match t {
        "array" => format!(
            "[{}]",
            schema
                .get("items")
                .map_or_else(|| "…".to_owned(), |i| type_of(i, defs))
        ),
        "object" => match schema.get("additionalProperties") {
            Some(v) if v.is_object() => format!("{{string: {}}}", type_of(v, defs)),
            _ => "object".to_owned(),
        },
        other => other.to_owned(),
    };
    match schema.get("type") {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(one)
            .collect::<Vec<_>>()
            .join("|"),
        _ => "any".to_owned(),
    }
}

/// `{"field": type, …}` of an object schema (required fields unmarked,
/// optional ones with `?`), or one such line per variant of a tagged union.
fn shape_lines(schema: &Value, defs: &Value) -> Vec<String> {
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        return variants.iter().flat_map(|v| shape_lines(v, defs)).collect();
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return vec![type_of(schema, defs)];
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields: Vec<String> = props
        .iter()
        .map(|(name, s)| {
            let mark = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            format!("\"{name}\"{mark}: {}", type_of(s, defs))
        })
        .collect();
    vec![format!("{{{}}}", fields.join(", "))]
}

/// The generated section of docs/contracts.md: every event and result's
/// fields and the error types, from the contract document.
pub fn shapes_markdown(doc: &Value) -> String {
    let mut out = String::from(
        "Field types as in `contract/dmsflow.contract.json` (`?`: optional; `A|B`: either).\n\n",
    );
    for name in DOC_TYPES {
        let Some(schema) = doc["schemas"].get(*name) else {
            continue;
        };
        out.push_str(&format!("`{name}`:\n\n```text\n"));
        let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
        for line in shape_lines(schema, &defs) {
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("```\n\n");
    }
    out.push_str("Error types (`errorType`):\n\n| name | transient | meaning |\n|---|---|---|\n");
    for e in doc["errors"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            e["name"].as_str().unwrap_or_default(),
            if e["transient"] == Value::Bool(true) {
                "yes"
            } else {
                "no"
            },
            e["meaning"].as_str().unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_fresh() {
        let stale = stale(&repo_root()).unwrap();
        assert!(
            stale.is_empty(),
            "stale generated files (run `make contract`): {stale:?}"
        );
    }

    #[test]
    fn chunk_shape_names_the_key_column() {
        // issue 12 defect 9: the docs showed a chunk as {index, count}.
        let text = shapes_markdown(&super::super::document());
        assert!(
            text.contains("\"key_column\": string"),
            "ChunkSpec shape: {text}"
        );
    }
}
