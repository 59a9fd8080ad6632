//! EventBridge resource types (rules and their targets) and what they share: ids that name
//! the event bus when it is not the default one, and JSON documents EventBridge keeps as text.

pub mod rule;
pub mod target;

use cairn_model::ProviderError;

/// The default event bus, which ids leave out.
pub const DEFAULT_BUS: &str = "default";

fn default_bus() -> String {
    DEFAULT_BUS.into()
}

/// `name` on the default bus, else `bus/name`.
pub fn on_bus(bus: &str, name: &str) -> String {
    if bus == DEFAULT_BUS {
        name.to_string()
    } else {
        format!("{bus}/{name}")
    }
}

/// The bus and the rest of an id made by [`on_bus`]: a bus may be an ARN (with `/` in it),
/// names have no `/`.
pub fn split_bus(id: &str) -> (&str, &str) {
    match id.rsplit_once('/') {
        Some((bus, rest)) => (bus, rest),
        None => (DEFAULT_BUS, id),
    }
}

/// A configured document (a table or a JSON string) → the JSON text EventBridge takes.
pub fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON text as EventBridge returns it → a document (the text itself when it is not JSON).
pub fn document(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// EventBridge tags from a map.
pub fn event_tags(
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<aws_sdk_eventbridge::types::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_eventbridge::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_a_bus_other_than_the_default() {
        assert_eq!(on_bus("default", "r"), "r");
        assert_eq!(on_bus("orders", "r"), "orders/r");
        assert_eq!(split_bus("r"), ("default", "r"));
        assert_eq!(split_bus("orders/r"), ("orders", "r"));
        let arn = "arn:aws:events:us-east-1:123456789012:event-bus/orders";
        assert_eq!(split_bus(&on_bus(arn, "r")), (arn, "r"));
    }
}
