//! The resource reference: each type's attributes, types, replacement rules, outputs and
//! import id, rendered from the catalog (`cairn schema`, `docs/resources.md`).

use std::collections::BTreeMap;
use std::fmt::Write;

use cairn_model::{AttrType, Attribute, Catalog, ResourceSchema, Value};
use serde_json::{json, Map, Value as Json};

/// One type as text for a terminal.
/// One data source for a terminal (`cairn schema data.TYPE`).
pub fn data_text(schema: &ResourceSchema) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "data.{}", schema.type_name);
    if !schema.description.is_empty() {
        let _ = writeln!(out, "  {}", one_line(&schema.description));
    }
    let _ = writeln!(out, "\nArguments:");
    fields_text(&mut out, &schema.inputs, 1);
    let _ = writeln!(out, "\nAttributes:");
    for (name, attr) in &schema.outputs {
        let _ = writeln!(out, "  {name}  ({})", attr.ty.describe());
    }
    out
}

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
    let _ = writeln!(
        out,
        "\nAfter an interrupted create, found again {}.",
        found_by(schema.found_by, "")
    );
    if !schema.cloudformation.is_empty() {
        let _ = writeln!(
            out,
            "\nAdopted from CloudFormation's {} (cairn import --from-cloudformation).",
            schema.cloudformation
        );
    }
    if !schema.import_id.is_empty() {
        let _ = writeln!(out, "\nImport: cairn import ADDRESS ID, where ID is");
        let _ = writeln!(out, "  {}", one_line(&schema.import_id));
    }
    for rule in &schema.rules {
        if !rule.require.is_empty() {
            let _ = writeln!(
                out,
                "\nRequired together: {} when {}.",
                rule.require.join(", "),
                rule.condition()
            );
        }
        if !rule.forbid.is_empty() {
            let _ = writeln!(
                out,
                "\nNot allowed: {} when {}.",
                rule.forbid.join(", "),
                rule.condition()
            );
        }
    }
    out
}

/// How a type is found after an interrupted create, in words; attribute names between
/// `quote`s.
fn found_by(how: cairn_model::FoundBy, quote: &str) -> String {
    use cairn_model::FoundBy;
    match how {
        FoundBy::Tags => "by the ownership tags its create gave it".into(),
        FoundBy::Token => "by the idempotency token its create passed".into(),
        FoundBy::Key(attributes) => {
            let names: Vec<String> = attributes
                .iter()
                .map(|a| format!("{quote}{a}{quote}"))
                .collect();
            let list = match names.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            let what = if attributes.len() == 1 {
                "unique name"
            } else {
                "natural key"
            };
            format!("by its {what}, {list}")
        }
    }
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
        if a.identifying {
            notes.push("in the id AWS answers with: never secret".into());
        }
        if a.not_in_aws {
            notes.push("cairn's own: AWS does not keep it".into());
        }
        notes.extend(a.constraints.describe());
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

/// Every function of expressions as Markdown: the generated `docs/functions.md`.
pub fn functions_markdown() -> String {
    use cairn_model::functions;
    let mut out = String::from(
        "# Functions\n\n\
         Generated by `cairn schema functions --format markdown`; do not edit.\n\n\
         The functions of expressions inside `${...}`, with Terraform's semantics (see\n\
         [the language](language.md#expressions)). A call whose arguments are known while\n\
         planning is computed then; one that uses a value known only after apply is computed\n\
         during apply. `file`, `filebase64`, `filemd5`, `filebase64sha256` and `templatefile`\n\
         read a file relative to the directory of the stack file that calls them.\n\n\
         | Function | Signature |\n|---|---|\n",
    );
    for name in functions::names() {
        let signature = functions::signature(name).unwrap_or(name);
        let _ = writeln!(out, "| `{name}` | `{}` |", signature.replace('|', "\\|"));
    }
    out
}

/// The data sources as Markdown, the last section of `docs/resources.md`.
fn data_markdown(catalog: &Catalog) -> String {
    let mut out = String::from(
        "\n# Data sources\n\n\
         `[data.TYPE.NAME]` tables, read while planning and never written to AWS; their\n\
         attributes are `${data.TYPE.NAME.ATTRIBUTE}` (`cairn schema data.TYPE`). A data source\n\
         that finds nothing, or several where it names one, is an error at its table.\n\n",
    );
    for name in catalog.data.keys() {
        let _ = writeln!(out, "- [`data.{name}`](#data{name})");
    }
    for schema in catalog.data.values() {
        let _ = writeln!(out, "\n## data.{}\n", schema.type_name);
        if !schema.description.is_empty() {
            let _ = writeln!(out, "{}\n", one_line(&schema.description));
        }
        let _ = writeln!(
            out,
            "| argument | type | required | default | description |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        fields_markdown(&mut out, &schema.inputs, "");
        let _ = writeln!(out, "\n| attribute | type | description |");
        let _ = writeln!(out, "|---|---|---|");
        for (name, a) in &schema.outputs {
            let _ = writeln!(
                out,
                "| `{name}` | {} | {} |",
                a.ty.describe(),
                a.description.as_deref().map(one_line).unwrap_or_default()
            );
        }
    }
    out
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
    let _ = writeln!(out, "\nData sources: [below](#data-sources).");
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
        if !schema.cloudformation.is_empty() {
            let _ = writeln!(
                out,
                "\n**Adopted from CloudFormation** (`cairn import --from-cloudformation`): `{}`.",
                schema.cloudformation
            );
        }
        let _ = writeln!(
            out,
            "\n**After an interrupted create**, found again {}.",
            found_by(schema.found_by, "`")
        );
        for rule in &schema.rules {
            if !rule.require.is_empty() {
                let _ = writeln!(
                    out,
                    "\n**Required together**: {} when `{}`.",
                    quoted(&rule.require),
                    rule.condition()
                );
            }
            if !rule.forbid.is_empty() {
                let _ = writeln!(
                    out,
                    "\n**Not allowed**: {} when `{}`.",
                    quoted(&rule.forbid),
                    rule.condition()
                );
            }
        }
    }
    out.push_str(&data_markdown(catalog));
    out
}

/// `` `a`, `b` ``.
fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fields_markdown(out: &mut String, fields: &BTreeMap<String, Attribute>, prefix: &str) {
    for (name, a) in fields {
        let path = format!("{prefix}{name}");
        let star = if a.force_new { "\\*" } else { "" };
        let mut description = a.description.as_deref().map(one_line).unwrap_or_default();
        if a.sensitive {
            description = format!("(sensitive) {description}");
        }
        if a.identifying {
            description = format!(
                "{description} AWS puts it in the resource's id, ARN or name: never a secret."
            );
        }
        if a.not_in_aws {
            description = format!("{description} cairn's own setting: AWS does not keep it, so an import or a read cannot know it.");
        }
        let accepted = a.constraints.describe();
        if !accepted.is_empty() {
            description = format!("{description} Accepted: {}.", accepted.join("; "));
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

/// A string that is exactly one reference (`"${var.port}"`): it keeps the referenced value's
/// type, so it stands for a value of any type.
const REFERENCE: &str = r"^\$\{.+\}$";
/// A name of a resource, variable, local, output or module.
const NAME: &str = r"^[A-Za-z_-][A-Za-z0-9_-]*$";

/// The JSON Schema (draft 7) of a stack file: the language's tables and every resource type of
/// `catalog`, for editors (Taplo, Even Better TOML) to complete and check stack files with.
///
/// A file is one part of a stack, so nothing is required at the top level; a value that is a
/// string with exactly one reference (`"${var.port}"`) is accepted for any attribute, as
/// cairn takes the referenced value's type. `cairn validate` checks the rest.
pub fn json_schema(catalog: &Catalog) -> Json {
    let mut properties = Map::new();
    for (name, schema) in language() {
        properties.insert(name.to_string(), schema);
    }
    let mut definitions = Map::new();
    definitions.insert(
        "reference".into(),
        json!({
            "description": "A reference, e.g. \"${var.port}\": the referenced value, of its own type.",
            "type": "string",
            "pattern": REFERENCE,
        }),
    );
    definitions.insert(
        "name".into(),
        json!({
            "description": "Letters, digits, `_` and `-`, not starting with a digit.",
            "type": "string",
            "pattern": NAME,
        }),
    );
    for (name, schema) in &catalog.types {
        properties.insert(
            name.clone(),
            json!({
                "description": one_line(&schema.description),
                "type": "object",
                "propertyNames": { "$ref": "#/definitions/name" },
                "additionalProperties": { "$ref": format!("#/definitions/{name}") },
            }),
        );
        definitions.insert(name.clone(), resource_json(schema));
    }
    let mut data = Map::new();
    for (name, schema) in &catalog.data {
        let definition = format!("data.{name}");
        data.insert(
            name.clone(),
            json!({
                "description": one_line(&schema.description),
                "type": "object",
                "propertyNames": { "$ref": "#/definitions/name" },
                "additionalProperties": { "$ref": format!("#/definitions/{definition}") },
            }),
        );
        definitions.insert(definition, resource_json(schema));
    }
    properties.insert(
        "data".into(),
        json!({
            "description": "Data sources: [data.TYPE.NAME], read while planning, used as ${data.TYPE.NAME.ATTRIBUTE}.",
            "type": "object",
            "properties": data,
            "additionalProperties": false,
        }),
    );
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "cairn stack file",
        "description": "A file of a cairn stack: [stack], [provider.aws], [backend], [variable.NAME], [locals], [output.NAME], [module.NAME], [[moved]], [[import]] and resources as [TYPE.NAME]. Generated by `cairn schema --format json`.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "definitions": definitions,
    })
}

/// The tables of the language that are not resources.
fn language() -> Vec<(&'static str, Json)> {
    let mut tables = settings_tables();
    tables.extend(declaration_tables());
    tables
}

/// A string attribute's schema.
fn string(description: &str) -> Json {
    json!({ "type": "string", "description": description })
}

/// A table of named tables (`[variable.NAME]`, ...), each as `body`.
fn named(description: &str, body: Json) -> Json {
    json!({
        "description": description,
        "type": "object",
        "propertyNames": { "$ref": "#/definitions/name" },
        "additionalProperties": body,
    })
}

/// The stack's settings: `[stack]`, `[provider.aws]`, `[backend]`.
fn settings_tables() -> Vec<(&'static str, Json)> {
    let backend_keys = ["bucket", "key", "region", "endpoint", "kms_key_id"];
    vec![
        (
            "stack",
            json!({
                "description": "The stack: its name, which tags what it creates. In one of the stack's files.",
                "type": "object",
                "properties": {
                    "name": {
                        "description": "Lowercase letters, digits and `-`.",
                        "type": "string",
                        "pattern": "^[a-z0-9-]+$",
                    },
                    "description": string("What the stack is for."),
                },
                "required": ["name"],
                "additionalProperties": false,
                "x-taplo": { "initKeys": ["name"] },
            }),
        ),
        (
            "provider",
            json!({
                "description": "Provider settings.",
                "type": "object",
                "properties": {
                    "aws": {
                        "description": "How cairn reaches AWS; what is left out comes from the standard AWS configuration chain. Other configurations (regions, accounts) are [provider.aws.<alias>] tables, chosen by a resource's `provider = \"aws.<alias>\"`.",
                        "type": "object",
                        "properties": provider_settings(),
                        "propertyNames": { "$ref": "#/definitions/name" },
                        "additionalProperties": {
                            "description": "Another provider configuration: [provider.aws.<alias>], used by `provider = \"aws.<alias>\"`.",
                            "type": "object",
                            "properties": provider_settings(),
                            "additionalProperties": false,
                        },
                    },
                },
                "additionalProperties": false,
            }),
        ),
        (
            "backend",
            json!({
                "description": "Where state is kept: \"local\" (.cairn/state.json, the default) or \"s3\". Literal values only: no variables, no references.",
                "type": "object",
                "properties": {
                    "type": { "description": "The kind of backend.", "enum": ["local", "s3"] },
                    "bucket": string("s3: the bucket (versioning on, so earlier states stay recoverable)."),
                    "key": string("s3: the state object's key, e.g. \"network/prod.json\"; the lock is `<key>.lock`."),
                    "region": string("s3: the bucket's region (default: [provider.aws]'s)."),
                    "endpoint": string("s3: another S3 endpoint (default: [provider.aws]'s)."),
                    "kms_key_id": string("s3: encrypt with this KMS key (SSE-KMS) instead of SSE-S3."),
                },
                "required": ["type"],
                "additionalProperties": false,
                "allOf": [
                    {
                        "if": { "properties": { "type": { "const": "s3" } }, "required": ["type"] },
                        "then": { "required": ["bucket", "key"] },
                    },
                    {
                        "if": { "properties": { "type": { "const": "local" } }, "required": ["type"] },
                        "then": { "not": { "anyOf": backend_keys.iter().map(|k| json!({ "required": [k] })).collect::<Vec<_>>() } },
                    },
                ],
                "x-taplo": { "initKeys": ["type"] },
            }),
        ),
    ]
}

/// The keys of `[provider.aws]` and of each alias.
fn provider_settings() -> Json {
    json!({
        "region": string("The region, e.g. \"us-east-1\" (else AWS_REGION and the AWS configuration chain)."),
        "endpoint": string("Another endpoint for every AWS API, e.g. an emulator's (else AWS_ENDPOINT_URL)."),
        "profile": string("A profile of the AWS configuration files (else AWS_PROFILE or the default one)."),
        "assume_role": {
            "description": "A role to assume with the credentials found.",
            "type": "object",
            "properties": {
                "role_arn": string("The role's ARN."),
                "session_name": string("The session's name (default: cairn)."),
                "external_id": string("The external id the role's trust policy asks for."),
            },
            "required": ["role_arn"],
            "additionalProperties": false,
        },
        "default_tags": {
            "description": "Tags merged into every taggable resource's `tags`; the resource's own win.",
            "type": ["object", "string"],
            "additionalProperties": { "type": "string" },
            "pattern": REFERENCE,
        },
    })
}

/// What a stack declares besides resources: variables, locals, outputs, modules, moves
/// and imports.
fn declaration_tables() -> Vec<(&'static str, Json)> {
    vec![
        (
            "variable",
            named(
                "Variables: given with --var NAME=VALUE or --var-file, else their default; used as ${var.NAME}.",
                json!({
                    "type": "object",
                    "properties": {
                        "type": {
                            "description": "The type of the value, a Terraform type expression: string, number, bool, any, list(T), set(T), map(T), object({ name = T, port = optional(T) }) (default: any).",
                            "type": "string",
                            "pattern": r"^\s*(string|number|bool|any|list|map|(list|set|map|object)\(.*\))\s*$",
                        },
                        "default": { "description": "The value when none is given." },
                        "sensitive": {
                            "description": "Shown as (sensitive) in every output, and kept in state only as a keyed digest.",
                            "type": "boolean",
                            "default": false,
                        },
                        "description": string("What the variable is for."),
                        "validation": {
                            "description": "Rules the value must follow: a false condition is an error with its message.",
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "condition": {
                                        "description": "A bool expression over the variables, e.g. '${length(var.zones) > 0}'.",
                                        "type": "string",
                                        "pattern": REFERENCE,
                                    },
                                    "error_message": string("The error when the condition is false."),
                                },
                                "required": ["condition", "error_message"],
                                "additionalProperties": false,
                            },
                        },
                    },
                    "additionalProperties": false,
                    "x-taplo": { "initKeys": ["type"] },
                }),
            ),
        ),
        (
            "locals",
            json!({
                "description": "Named values computed once, used as ${local.NAME}.",
                "type": "object",
                "propertyNames": { "$ref": "#/definitions/name" },
            }),
        ),
        (
            "output",
            named(
                "Outputs: what `cairn output` shows, and what a module gives its caller (${module.NAME.OUTPUT}).",
                json!({
                    "type": "object",
                    "properties": {
                        "value": { "description": "The value, e.g. \"${aws_vpc.main.id}\"." },
                        "sensitive": {
                            "description": "Hidden unless asked for by name.",
                            "type": "boolean",
                            "default": false,
                        },
                        "description": string("What the output is."),
                    },
                    "required": ["value"],
                    "additionalProperties": false,
                    "x-taplo": { "initKeys": ["value"] },
                }),
            ),
        ),
        (
            "module",
            named(
                "Module calls: the stack files of another directory, their resources addressed as module.NAME.TYPE.NAME.",
                json!({
                    "description": "`source` and a value for each of the module's variables.",
                    "type": "object",
                    "properties": {
                        "source": string("The module's directory, relative to this file, e.g. \"../modules/vpc\"."),
                        "providers": {
                            "description": "The provider configuration the module's resources use: { aws = \"aws.<alias>\" }.",
                            "type": "object",
                            "properties": { "aws": { "type": "string", "pattern": r"^aws(\.[A-Za-z_][A-Za-z0-9_-]*)?$" } },
                            "additionalProperties": false,
                        },
                    },
                    "required": ["source"],
                    "x-taplo": { "initKeys": ["source"] },
                }),
            ),
        ),
        (
            "moved",
            json!({
                "description": "[[moved]]: what state records at `from` is now configured at `to`, so a rename is not a replacement. Root stack only.",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "from": string("The old address, e.g. \"aws_vpc.old\" or \"aws_subnet.app[\\\"a\\\"]\"."),
                        "to": string("The new address, e.g. \"module.net.aws_vpc.main\"."),
                    },
                    "required": ["from", "to"],
                    "additionalProperties": false,
                    "x-taplo": { "initKeys": ["from", "to"] },
                },
            }),
        ),
        (
            "import",
            json!({
                "description": "[[import]]: an existing resource, brought under management at a configured address by the next apply. Root stack only.",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "to": string("The configured address, e.g. \"aws_vpc.main\"."),
                        "id": {
                            "description": "The resource's import id (`cairn schema TYPE` shows its form).",
                            "type": "string",
                            "minLength": 1,
                        },
                    },
                    "required": ["to", "id"],
                    "additionalProperties": false,
                    "x-taplo": { "initKeys": ["to", "id"] },
                },
            }),
        ),
    ]
}

/// The JSON Schema (draft 7) of the body of one `[TYPE.NAME]` table.
pub fn resource_json_schema(schema: &ResourceSchema) -> Json {
    let mut out = resource_json(schema);
    out["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    out
}

/// The body of `[TYPE.NAME]`: the type's arguments and the keys every resource takes.
fn resource_json(schema: &ResourceSchema) -> Json {
    let mut properties = fields_json(&schema.inputs);
    properties.insert(
        "depends_on".into(),
        json!({
            "description": "Resources (or modules) this one waits for beyond those it references, e.g. [\"aws_vpc.main\"].",
            "type": "array",
            "items": { "type": "string" },
        }),
    );
    properties.insert(
        "lifecycle".into(),
        json!({
            "description": "How changes to this resource are made.",
            "type": "object",
            "properties": {
                "prevent_destroy": {
                    "description": "Refuse any plan that deletes or replaces it.",
                    "type": "boolean",
                    "default": false,
                },
                "create_before_destroy": {
                    "description": "Replace it by creating the new one before deleting the old.",
                    "type": "boolean",
                    "default": schema.create_before_destroy,
                },
                "ignore_changes": {
                    "description": "Attributes whose differences from what exists are not changed, e.g. [\"tags\"].",
                    "type": "array",
                    "items": { "type": "string" },
                },
            },
            "additionalProperties": false,
        }),
    );
    properties.insert(
        "for_each".into(),
        json!({
            "description": "One instance per key: a list of strings or a map (each.key, each.value), known before anything is created; instances are TYPE.NAME[\"KEY\"].",
            "type": ["array", "object", "string"],
            "items": { "type": "string" },
            "pattern": REFERENCE,
        }),
    );
    properties.insert(
        "provider".into(),
        json!({
            "description": "The provider configuration to manage it with: \"aws.<alias>\" of a [provider.aws.<alias>] (default: [provider.aws]).",
            "type": "string",
            "pattern": r"^aws(\.[A-Za-z_][A-Za-z0-9_-]*)?$",
        }),
    );
    properties.insert(
        "count".into(),
        json!({
            "description": "How many instances: TYPE.NAME[0] to TYPE.NAME[count - 1] (count.index), known before anything is created, e.g. '${var.enabled ? 1 : 0}'.",
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": 1000,
            "pattern": REFERENCE,
        }),
    );
    let mut out = json!({
        "title": schema.type_name,
        "description": resource_description(schema),
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    let required = required(&schema.inputs);
    if !required.is_empty() {
        out["required"] = json!(required);
        out["x-taplo"] = json!({ "initKeys": required });
    }
    // Attributes required together: `if` the values are these, `then` these are required.
    let rules: Vec<Json> = schema
        .rules
        .iter()
        .map(|rule| {
            let when: Map<String, Json> = rule
                .when
                .iter()
                .map(|(k, v)| (k.clone(), json!({ "const": v.to_json_lossy() })))
                .collect();
            let forbidden: Vec<Json> = rule
                .forbid
                .iter()
                .map(|name| json!({ "required": [name] }))
                .collect();
            let mut then = json!({ "required": rule.require });
            if !forbidden.is_empty() {
                then["not"] = json!({ "anyOf": forbidden });
            }
            let required: Vec<&String> = rule.when.keys().chain(&rule.given).collect();
            json!({
                "if": { "properties": when, "required": required },
                "then": then,
            })
        })
        .collect();
    if !rules.is_empty() {
        out["allOf"] = json!(rules);
    }
    out
}

fn resource_description(schema: &ResourceSchema) -> String {
    let mut parts = vec![one_line(&schema.description)];
    if schema.stateful {
        parts.push("Holds data: plans warn before deleting or replacing it.".into());
    }
    if schema.create_before_destroy {
        parts.push("A replacement creates the new one before deleting the old.".into());
    }
    let outputs: Vec<&str> = schema.outputs.keys().map(String::as_str).collect();
    parts.push(format!("Outputs: {}.", outputs.join(", ")));
    if !schema.import_id.is_empty() {
        parts.push(format!("Import id: {}.", one_line(&schema.import_id)));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

fn required(fields: &BTreeMap<String, Attribute>) -> Vec<&str> {
    fields
        .iter()
        .filter(|(_, a)| a.required)
        .map(|(n, _)| n.as_str())
        .collect()
}

fn fields_json(fields: &BTreeMap<String, Attribute>) -> Map<String, Json> {
    fields
        .iter()
        .map(|(name, a)| (name.clone(), attribute_json(a)))
        .collect()
}

fn attribute_json(a: &Attribute) -> Json {
    let mut out = type_json(&a.ty);
    let mut notes = Vec::new();
    if let Some(d) = &a.description {
        notes.push(one_line(d));
    }
    if a.force_new {
        notes.push("Changing it replaces the resource.".into());
    }
    if a.sensitive {
        notes.push("Sensitive.".into());
    }
    if !notes.is_empty() {
        out["description"] = json!(notes.join(" "));
    }
    if let Some(d) = &a.default {
        out["default"] = d.to_json_lossy();
    }
    constrain(&mut out, &a.constraints);
    out
}

/// `schema` (of an attribute, from `type_json`) with the attribute's constraints, so that
/// editors flag what AWS would refuse: numbers and lengths where the value is one, the
/// pattern (or CIDR form) as an alternative to a reference, for a list on its items.
fn constrain(schema: &mut Json, c: &cairn_model::Constraints) {
    if c.is_empty() {
        return;
    }
    if schema.get("items").is_some() {
        constrain(&mut schema["items"], c);
        return;
    }
    if let Some(min) = c.minimum {
        schema["minimum"] = json!(min);
    }
    if let Some(max) = c.maximum {
        schema["maximum"] = json!(max);
    }
    if !c.allowed.is_empty() {
        // A number from the set, or a string with a reference in it.
        schema["anyOf"] = json!([
            { "type": "number", "enum": c.allowed },
            { "type": "string", "pattern": REFERENCE },
        ]);
    }
    let pattern = match (&c.pattern, c.cidr) {
        (Some(p), _) => Some(p.source.clone()),
        (None, Some(_)) => Some(CIDR.to_string()),
        (None, None) => None,
    };
    if schema.get("type") == Some(&json!("string")) {
        let mut own = json!({});
        if let Some(min) = c.min_length {
            own["minLength"] = json!(min);
        }
        if let Some(max) = c.max_length {
            own["maxLength"] = json!(max);
        }
        if let Some(p) = pattern {
            own["pattern"] = json!(p);
        }
        schema["anyOf"] = json!([own, { "pattern": r"\$\{" }]);
    }
}

/// An IPv4 CIDR block, for editors (cairn checks the prefix limits itself).
const CIDR: &str = r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$";

/// The schema of a value of type `ty`, or of a string with one reference standing for it.
fn type_json(ty: &AttrType) -> Json {
    // `pattern` applies to strings only, `items` to arrays, `properties` to objects: each
    // alternative keeps its own rules without `anyOf`.
    let or_reference = |kind: &str, mut schema: Json| {
        schema["type"] = json!([kind, "string"]);
        schema["pattern"] = json!(REFERENCE);
        schema
    };
    match ty {
        AttrType::String => json!({ "type": "string" }),
        AttrType::Enum(values) => json!({
            "type": "string",
            "anyOf": [
                { "enum": values },
                { "description": "Built from references.", "pattern": r"\$\{" },
            ],
        }),
        AttrType::Number => or_reference("number", json!({})),
        AttrType::Bool => or_reference("boolean", json!({})),
        AttrType::List(t) | AttrType::Set(t) => {
            or_reference("array", json!({ "items": type_json(t) }))
        }
        AttrType::Map(t) => or_reference("object", json!({ "additionalProperties": type_json(t) })),
        AttrType::Object(fields) => {
            let mut schema = json!({
                "properties": fields_json(fields),
                "additionalProperties": false,
            });
            let required = required(fields);
            if !required.is_empty() {
                schema["required"] = json!(required);
            }
            or_reference("object", schema)
        }
        AttrType::Document => json!({
            "description": "A JSON document: a TOML table or list, or a string of JSON.",
            "type": ["object", "array", "string"],
        }),
        AttrType::Any => json!({}),
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
        assert!(
            vpc.contains("\nAdopted from CloudFormation's AWS::EC2::VPC (cairn import --from-cloudformation).\n"),
            "{vpc}"
        );
    }
}
