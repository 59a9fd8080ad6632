//! The resource reference: each type's attributes, types, replacement rules, outputs and
//! import id, rendered from the catalog (`cairn schema`, `docs/resources.md`).

use std::collections::BTreeMap;
use std::fmt::Write;

use cairn_model::{AttrType, Attribute, Catalog, ResourceSchema, Value};

/// One type as text for a terminal.
pub fn text(schema: &ResourceSchema) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", schema.type_name);
    if !schema.description.is_empty() {
        let _ = writeln!(out, "  {}", one_line(&schema.description));
    }
    if schema.stateful {
        let _ = writeln!(
            out,
            "  Holds data: deleting or replacing it loses that data."
        );
    }
    let _ = writeln!(out, "\nArguments (* forces replacement):");
    fields_text(&mut out, &schema.inputs, 1);
    let _ = writeln!(out, "\nOutputs:");
    for (name, attr) in &schema.outputs {
        let _ = writeln!(out, "  {name}  ({})", attr.ty.describe());
    }
    if !schema.import_id.is_empty() {
        let _ = writeln!(out, "\nImport: cairn import ADDRESS ID, where ID is");
        let _ = writeln!(out, "  {}", one_line(&schema.import_id));
    }
    out
}

fn fields_text(out: &mut String, fields: &BTreeMap<String, Attribute>, depth: usize) {
    let pad = "  ".repeat(depth);
    for (name, a) in fields {
        let mut notes = vec![a.ty.describe()];
        notes.push(if a.required {
            "required".into()
        } else {
            "optional".into()
        });
        if let Some(d) = &a.default {
            notes.push(format!("default {}", shown(d)));
        }
        if a.sensitive {
            notes.push("sensitive".into());
        }
        let star = if a.force_new { "*" } else { "" };
        let _ = writeln!(out, "{pad}{name}{star}  ({})", notes.join(", "));
        if let Some(d) = &a.description {
            let _ = writeln!(out, "{pad}    {}", one_line(d));
        }
        if let Some(sub) = block_fields(&a.ty) {
            fields_text(out, sub, depth + 2);
        }
    }
}

/// The fields of a block, or of the blocks of a list of blocks.
fn block_fields(ty: &AttrType) -> Option<&BTreeMap<String, Attribute>> {
    match ty {
        AttrType::Object(f) => Some(f),
        AttrType::List(t) | AttrType::Set(t) => block_fields(t),
        _ => None,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shown(v: &Value) -> String {
    v.to_json_lossy().to_string()
}

/// Every type as Markdown: the generated `docs/resources.md`.
pub fn markdown(catalog: &Catalog) -> String {
    let mut out = String::from(
        "# Resource reference\n\n\
         Generated from the resource definitions by `cairn schema --format markdown`; do not edit.\n\
         `*` marks an attribute whose change replaces the resource.\n\n",
    );
    for name in catalog.types.keys() {
        let _ = writeln!(out, "- [`{name}`](#{name})");
    }
    for schema in catalog.types.values() {
        let _ = writeln!(out, "\n## {}\n", schema.type_name);
        if !schema.description.is_empty() {
            let _ = writeln!(out, "{}\n", one_line(&schema.description));
        }
        if schema.stateful {
            let _ = writeln!(
                out,
                "**Holds data**: plans warn before deleting or replacing it.\n"
            );
        }
        if schema.create_before_destroy {
            let _ = writeln!(
                out,
                "**Replaced create-first**: a replacement creates the new one before deleting the old.\n"
            );
        }
        let _ = writeln!(
            out,
            "| argument | type | required | default | description |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        fields_markdown(&mut out, &schema.inputs, "");
        let _ = writeln!(out, "\n| output | type | description |");
        let _ = writeln!(out, "|---|---|---|");
        for (name, a) in &schema.outputs {
            let _ = writeln!(
                out,
                "| `{name}` | {} | {} |",
                a.ty.describe(),
                a.description.as_deref().map(one_line).unwrap_or_default()
            );
        }
        if !schema.import_id.is_empty() {
            let _ = writeln!(
                out,
                "\n**Import**: `cairn import ADDRESS ID`, where `ID` is {}.",
                one_line(&schema.import_id)
            );
        }
    }
    out
}

fn fields_markdown(out: &mut String, fields: &BTreeMap<String, Attribute>, prefix: &str) {
    for (name, a) in fields {
        let path = format!("{prefix}{name}");
        let star = if a.force_new { "\\*" } else { "" };
        let mut description = a.description.as_deref().map(one_line).unwrap_or_default();
        if a.sensitive {
            description = format!("(sensitive) {description}");
        }
        let _ = writeln!(
            out,
            "| `{path}`{star} | {} | {} | {} | {} |",
            a.ty.describe().replace('|', "\\|"),
            if a.required { "yes" } else { "no" },
            a.default
                .as_ref()
                .map(|d| format!("`{}`", shown(d)))
                .unwrap_or_default(),
            description.replace('|', "\\|")
        );
        if let Some(sub) = block_fields(&a.ty) {
            fields_markdown(out, sub, &format!("{path}."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_shows_what_its_import_takes() {
        let catalog = cairn_providers::catalog();
        let reference = markdown(&catalog);
        for schema in catalog.types.values() {
            assert!(!schema.import_id.is_empty(), "{}", schema.type_name);
            let shown = text(schema);
            assert!(
                shown.contains(&format!(
                    "\nImport: cairn import ADDRESS ID, where ID is\n  {}\n",
                    one_line(&schema.import_id)
                )),
                "{shown}"
            );
            assert!(
                reference.contains(&format!("where `ID` is {}.", one_line(&schema.import_id))),
                "{}",
                schema.type_name
            );
        }
        let vpc = text(catalog.get("aws_vpc").expect("aws_vpc"));
        assert!(
            vpc.ends_with("where ID is\n  the VPC id (`vpc-…`)\n"),
            "{vpc}"
        );
    }
}
