//! Resource schemas: the attribute types and metadata (force-new, sensitive, defaults) of each
//! resource type, derived from the typed Rust structs that define it.
//!
//! A provider defines a resource type once, as a configuration struct and an outputs struct
//! deriving `serde` and `schemars::JsonSchema`. Field attributes carry the metadata:
//! `#[schemars(extend("x-force-new" = true))]`, `extend("x-sensitive" = true)`,
//! `extend("x-set" = true)` (order-insensitive list), `extend("x-document" = true)` (a JSON
//! document written as a table or a string) and `extend("x-identifying" = true)` (AWS echoes
//! the value into the resource's id, ARN or name, so it can never be secret) and
//! `extend("x-not-in-aws" = true)` (cairn's own setting, which AWS does not keep). [`ResourceSchema::derive`] turns the two structs
//! into the schema used for validation, `cairn schema`, normalisation and diffing.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde_json::Value as Json;

use crate::constraints::{Constraints, Spelling};
use crate::value::Value;

/// The type of an attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrType {
    String,
    /// A string restricted to the listed values.
    Enum(Vec<String>),
    Number,
    Bool,
    List(Box<AttrType>),
    /// A list whose order does not matter: compared and stored sorted.
    Set(Box<AttrType>),
    Map(Box<AttrType>),
    /// A block with named attributes.
    Object(BTreeMap<String, Attribute>),
    /// A JSON document (policy, container definitions): a TOML table/array or a JSON string,
    /// compared in canonical form.
    Document,
    /// Any value (no type check).
    Any,
}

impl AttrType {
    /// A short human name, e.g. `list of string`.
    pub fn describe(&self) -> String {
        match self {
            AttrType::String => "string".into(),
            AttrType::Enum(vals) => format!("one of {}", vals.join(", ")),
            AttrType::Number => "number".into(),
            AttrType::Bool => "bool".into(),
            AttrType::List(t) => format!("list of {}", t.describe()),
            AttrType::Set(t) => format!("set of {}", t.describe()),
            AttrType::Map(t) => format!("map of {}", t.describe()),
            AttrType::Object(_) => "block".into(),
            AttrType::Document => "document (table or JSON string)".into(),
            AttrType::Any => "any value".into(),
        }
    }
}

/// One attribute of a resource type (or of a block inside one).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub ty: AttrType,
    pub required: bool,
    /// A change of this attribute replaces the resource.
    pub force_new: bool,
    pub sensitive: bool,
    /// AWS echoes the value into what it answers in clear — the resource's id, ARN or name
    /// (`x-identifying`): a sensitive value may not flow into it.
    pub identifying: bool,
    /// cairn's own setting, which AWS does not keep (`x-not-in-aws`: how to delete, where
    /// the code comes from, a password AWS never returns): a read or an import cannot know
    /// it, so the configuration's value stands.
    pub not_in_aws: bool,
    /// The value used when the configuration leaves the attribute out; `None` leaves it to AWS.
    pub default: Option<Value>,
    pub description: Option<String>,
    /// What values AWS accepts beyond the type (ranges, patterns, CIDR blocks, ...).
    pub constraints: Constraints,
    /// How AWS spells the values it accepts (`TCP` → `tcp`): normalisation respells.
    pub spelling: Spelling,
}

/// How what an interrupted create made is found again (`Provider::find`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FoundBy {
    /// By the ownership tags (`cairn:stack`, `cairn:address`, `cairn:token`) given at create.
    #[default]
    Tags,
    /// By what the create's idempotency token made (a secret version's id).
    Token,
    /// By these attributes, which no two resources share: a unique name (`["name"]`) or a
    /// natural key (`["subnet_id", "route_table_id"]`).
    Key(&'static [&'static str]),
}

/// Extra facts about a resource type that are not in its structs.
#[derive(Clone, Copy, Debug)]
pub struct SchemaMeta {
    /// Holds data that a delete loses (database, file system, bucket): deletes and
    /// replacements are warned about.
    pub stateful: bool,
    /// A replacement always creates the new resource before deleting the old one (an ECS
    /// task definition: the service moves to the new revision before the old one is
    /// deregistered), as if every configuration said `create_before_destroy = true`.
    pub create_before_destroy: bool,
    /// What `cairn import ADDR ID` (and an `[[import]]` block) takes as `ID` for this type,
    /// for people: e.g. "the VPC id (`vpc-…`)". Empty when the type cannot be imported.
    pub import_id: &'static str,
    /// The CloudFormation type adopted as this type (`AWS::EC2::VPC`); empty when none is.
    pub cloudformation: &'static str,
    /// How an interrupted create of this type is found again.
    pub found_by: FoundBy,
}

impl SchemaMeta {
    /// No facts beyond the structs: stateless, replaced delete-first, not importable, no
    /// CloudFormation type, found by ownership tags. A constant, for `..SchemaMeta::DEFAULT`
    /// in a type's constant facts.
    pub const DEFAULT: SchemaMeta = SchemaMeta {
        stateful: false,
        create_before_destroy: false,
        import_id: "",
        cloudformation: "",
        found_by: FoundBy::Tags,
    };
}

impl Default for SchemaMeta {
    fn default() -> Self {
        SchemaMeta::DEFAULT
    }
}

/// The schema of one resource type.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceSchema {
    pub type_name: String,
    pub description: String,
    pub inputs: BTreeMap<String, Attribute>,
    /// Attributes known only after create (always including `id`).
    pub outputs: BTreeMap<String, Attribute>,
    pub stateful: bool,
    /// Replacements create before they destroy (see [`SchemaMeta::create_before_destroy`]).
    pub create_before_destroy: bool,
    /// The id an import takes (see [`SchemaMeta::import_id`]).
    pub import_id: String,
    /// See [`SchemaMeta::cloudformation`].
    pub cloudformation: String,
    /// See [`SchemaMeta::found_by`].
    pub found_by: FoundBy,
    /// Attributes AWS requires together (see [`Rule`]).
    pub rules: Vec<Rule>,
}

/// The strings of a JSON array.
fn names(list: Option<&Json>) -> Vec<String> {
    list.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Attributes AWS requires (or refuses) when others have given values, declared on a configuration
/// struct as `#[schemars(extend("x-rules" = [{"when": {"integration_type": "AWS_PROXY"},
/// "require": ["payload_format_version"]}]))]` (or `"forbid": [...]`), or brought in by
/// attributes being written at all: `{"given": ["name"], "forbid": ["name_prefix"]}`
/// (Terraform's `ConflictsWith`).
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The configured values that bring the rule in.
    pub when: BTreeMap<String, Value>,
    /// Attributes whose being written (whatever their value) brings the rule in.
    pub given: Vec<String>,
    /// The attributes then required.
    pub require: Vec<String>,
    /// The attributes then not allowed.
    pub forbid: Vec<String>,
}

impl Rule {
    /// The rules a configuration struct's JSON Schema declares.
    fn all_of(schema: &Json) -> Vec<Rule> {
        let Some(rules) = schema.get("x-rules").and_then(Json::as_array) else {
            return Vec::new();
        };
        rules
            .iter()
            .map(|r| Rule {
                when: r
                    .get("when")
                    .and_then(Json::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), Value::from_json(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default(),
                given: names(r.get("given")),
                require: names(r.get("require")),
                forbid: names(r.get("forbid")),
            })
            .collect()
    }

    /// Whether the rule applies to a resource whose known values `value` gives (a
    /// configured value, else the attribute's default).
    pub fn applies(&self, value: impl Fn(&str) -> Option<Value>) -> bool {
        self.when
            .iter()
            .all(|(k, want)| value(k).is_some_and(|v| &v == want))
    }

    /// What brings the rule in, in words: `integration_type = "AWS_PROXY"`, `name is given`.
    pub fn condition(&self) -> String {
        self.when
            .iter()
            .map(|(k, v)| format!("{k} = {}", v.canonical_json()))
            .chain(self.given.iter().map(|k| format!("{k} is given")))
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// All resource types and data sources a provider offers, by type name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub types: BTreeMap<String, ResourceSchema>,
    /// Data sources (`[data.<type>.<name>]`): `inputs` are their arguments, `outputs` what
    /// they read.
    pub data: BTreeMap<String, ResourceSchema>,
}

impl Catalog {
    /// A resource type, or — for a type spelt `data.<type>` — a data source.
    pub fn get(&self, type_name: &str) -> Option<&ResourceSchema> {
        match type_name.strip_prefix(crate::address::DATA_PREFIX) {
            Some(dtype) => self.data.get(dtype),
            None => self.types.get(type_name),
        }
    }
    pub fn insert(&mut self, schema: ResourceSchema) {
        self.types.insert(schema.type_name.clone(), schema);
    }
    pub fn insert_data(&mut self, schema: ResourceSchema) {
        self.data.insert(schema.type_name.clone(), schema);
    }
}

fn generator() -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .for_deserialize()
        .into_generator()
}

impl ResourceSchema {
    /// Derives the schema of `type_name` from its configuration and outputs structs.
    ///
    /// Panics if the structs use a shape cairn cannot express: that is a bug in a resource
    /// definition, caught by the catalog's own tests, never by user input.
    pub fn derive<C: JsonSchema, O: JsonSchema>(type_name: &str, meta: SchemaMeta) -> Self {
        let config = generator().into_root_schema_for::<C>();
        let outputs = generator().into_root_schema_for::<O>();
        let config = config.as_value();
        let description = config
            .get("description")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let inputs = match convert(config, type_name) {
            AttrType::Object(fields) => fields,
            other => panic!("{type_name}: configuration must be a struct, is {other:?}"),
        };
        let mut outputs = match convert(outputs.as_value(), type_name) {
            AttrType::Object(fields) => fields,
            other => panic!("{type_name}: outputs must be a struct, is {other:?}"),
        };
        for o in outputs.values_mut() {
            o.required = false;
        }
        assert!(outputs.contains_key("id"), "{type_name}: outputs need `id`");
        ResourceSchema {
            type_name: type_name.to_string(),
            description,
            inputs,
            outputs,
            stateful: meta.stateful,
            create_before_destroy: meta.create_before_destroy,
            import_id: meta.import_id.to_string(),
            cloudformation: meta.cloudformation.to_string(),
            found_by: meta.found_by,
            rules: Rule::all_of(config),
        }
    }

    /// Whether the type takes `tags`.
    pub fn taggable(&self) -> bool {
        self.inputs.contains_key("tags")
    }

    /// Puts a configuration-shaped map of input attributes into canonical form: defaults
    /// filled in, nulls dropped, sets sorted, documents parsed, integral numbers as integers.
    /// Unknown parts stay unknown.
    pub fn normalize(&self, inputs: &Value) -> Value {
        normalize_fields(&self.inputs, inputs)
    }
}

fn normalize_fields(fields: &BTreeMap<String, Attribute>, value: &Value) -> Value {
    let Value::Map(m) = value else {
        return value.clone();
    };
    let mut out = BTreeMap::new();
    for (name, attr) in fields {
        match m.get(name) {
            Some(v) if !v.is_null() => {
                let v = attr.spelling.respell(v);
                out.insert(name.clone(), normalize_value(&attr.ty, &v));
            }
            _ => {
                if let Some(d) = &attr.default {
                    out.insert(name.clone(), normalize_value(&attr.ty, d));
                }
            }
        }
    }
    // Keys the schema does not know are kept as they are: validation reports them.
    for (k, v) in m {
        if !fields.contains_key(k) && !v.is_null() {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Map(out)
}

/// Canonical form of one value of type `ty`.
pub fn normalize_value(ty: &AttrType, v: &Value) -> Value {
    match (ty, v) {
        (_, Value::Unknown) => Value::Unknown,
        (AttrType::Number, Value::Number(n)) => Value::Number(canonical_number(n)),
        (AttrType::Number, Value::String(s)) => match s.parse::<serde_json::Number>() {
            Ok(n) => Value::Number(canonical_number(&n)),
            Err(_) => v.clone(),
        },
        (AttrType::List(t), Value::List(items)) => {
            Value::List(items.iter().map(|i| normalize_value(t, i)).collect())
        }
        (AttrType::Set(t), Value::List(items)) => {
            let mut items: Vec<Value> = items.iter().map(|i| normalize_value(t, i)).collect();
            if items.iter().all(Value::is_known) {
                items.sort_by_key(|a| a.canonical_json());
                items.dedup();
            }
            Value::List(items)
        }
        (AttrType::Map(t), Value::Map(m)) => Value::Map(
            m.iter()
                .map(|(k, i)| (k.clone(), normalize_value(t, i)))
                .collect(),
        ),
        (AttrType::Object(fields), Value::Map(_)) => normalize_fields(fields, v),
        (AttrType::Document, Value::String(s)) => match serde_json::from_str::<Json>(s) {
            Ok(doc) => normalize_document(&Value::from_json(doc)),
            Err(_) => v.clone(),
        },
        (AttrType::Document, _) => normalize_document(v),
        _ => v.clone(),
    }
}

fn normalize_document(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(canonical_number(n)),
        Value::List(items) => Value::List(items.iter().map(normalize_document).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, i)| (k.clone(), normalize_document(i)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn canonical_number(n: &serde_json::Number) -> serde_json::Number {
    if n.is_f64() {
        if let Some(f) = n.as_f64() {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                return serde_json::Number::from(f as i64);
            }
        }
    }
    n.clone()
}

fn ext_bool(schema: &Json, key: &str) -> bool {
    schema.get(key).and_then(Json::as_bool).unwrap_or(false)
}

/// Converts one (inlined) JSON Schema into an attribute type.
fn convert(schema: &Json, ctx: &str) -> AttrType {
    let Json::Object(obj) = schema else {
        // `true`: any value (serde_json::Value fields).
        return AttrType::Any;
    };
    if ext_bool(schema, "x-document") {
        return AttrType::Document;
    }
    // Option<T> of a struct: anyOf [T, null].
    if let Some(Json::Array(alts)) = obj.get("anyOf").or_else(|| obj.get("oneOf")) {
        let non_null: Vec<&Json> = alts
            .iter()
            .filter(|a| a.get("type").and_then(Json::as_str) != Some("null"))
            .collect();
        if non_null.len() == 1 {
            return convert(non_null[0], ctx);
        }
        // Unit-variant enums may come as oneOf of consts, or (when only some variants have
        // doc comments) of consts and one `enum` of the undocumented ones.
        let consts: Option<Vec<String>> = alts
            .iter()
            .map(|a| -> Option<Vec<String>> {
                if let Some(c) = a.get("const").and_then(Json::as_str) {
                    return Some(vec![c.to_string()]);
                }
                a.get("enum")?
                    .as_array()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .collect::<Option<Vec<Vec<String>>>>()
            .map(|groups| groups.concat());
        if let Some(vals) = consts {
            return AttrType::Enum(vals);
        }
        panic!("{ctx}: unsupported alternatives in schema: {schema}");
    }
    // An `enum` of numbers is a number with allowed values (see `Constraints`).
    if let Some(Json::Array(vals)) = obj
        .get("enum")
        .filter(|v| !v.as_array().is_some_and(|a| a.iter().all(Json::is_number)))
    {
        let vals: Vec<String> = vals
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        return AttrType::Enum(vals);
    }
    let ty = match obj.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => return AttrType::Any,
    };
    match ty {
        "string" => AttrType::String,
        "integer" | "number" => AttrType::Number,
        "boolean" => AttrType::Bool,
        "array" => {
            let item = obj
                .get("items")
                .map(|i| convert(i, ctx))
                .unwrap_or(AttrType::Any);
            if ext_bool(schema, "x-set") || ext_bool(schema, "uniqueItems") {
                AttrType::Set(Box::new(item))
            } else {
                AttrType::List(Box::new(item))
            }
        }
        "object" => {
            if let Some(Json::Object(props)) = obj.get("properties") {
                let required: Vec<&str> = obj
                    .get("required")
                    .and_then(Json::as_array)
                    .map(|r| r.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                let fields = props
                    .iter()
                    .map(|(name, p)| {
                        let attr = Attribute {
                            ty: convert(p, &format!("{ctx}.{name}")),
                            required: required.contains(&name.as_str()),
                            force_new: ext_bool(p, "x-force-new"),
                            sensitive: ext_bool(p, "x-sensitive"),
                            identifying: ext_bool(p, "x-identifying"),
                            not_in_aws: ext_bool(p, "x-not-in-aws"),
                            default: p
                                .get("default")
                                .filter(|d| !d.is_null())
                                .cloned()
                                .map(Value::from_json),
                            description: p
                                .get("description")
                                .and_then(Json::as_str)
                                .map(str::to_string),
                            constraints: Constraints::of(p),
                            spelling: Spelling::of(p),
                        };
                        (name.clone(), attr)
                    })
                    .collect();
                AttrType::Object(fields)
            } else {
                let item = match obj.get("additionalProperties") {
                    Some(Json::Bool(false)) => {
                        return AttrType::Object(BTreeMap::new());
                    }
                    Some(s) => convert(s, ctx),
                    None => AttrType::Any,
                };
                AttrType::Map(Box::new(item))
            }
        }
        _ => AttrType::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    fn yes() -> bool {
        true
    }

    /// A test resource.
    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Conf {
        #[schemars(extend("x-force-new" = true))]
        cidr_block: String,
        #[serde(default = "yes")]
        enable: bool,
        #[serde(default)]
        tags: BTreeMap<String, String>,
        #[serde(default)]
        #[schemars(extend("x-set" = true))]
        ids: Vec<String>,
        block: Option<Block>,
        #[schemars(extend("x-document" = true))]
        policy: Option<serde_json::Value>,
        #[schemars(extend("x-sensitive" = true))]
        password: Option<String>,
        mode: Option<Mode>,
        level: Option<Level>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Block {
        port: u16,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Slow,
    }

    /// Only some variants documented: schemars mixes consts and an `enum`.
    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Level {
        Low,
        /// The documented one.
        High,
        Mid,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Out {
        id: String,
        arn: String,
    }

    #[test]
    fn derives_types_and_metadata() {
        let s = ResourceSchema::derive::<Conf, Out>("test_thing", SchemaMeta::default());
        assert_eq!(s.description, "A test resource.");
        let cidr = &s.inputs["cidr_block"];
        assert!(cidr.required && cidr.force_new);
        assert_eq!(s.inputs["enable"].default, Some(Value::Bool(true)));
        assert!(!s.inputs["enable"].required);
        assert_eq!(
            s.inputs["tags"].ty,
            AttrType::Map(Box::new(AttrType::String))
        );
        assert_eq!(
            s.inputs["ids"].ty,
            AttrType::Set(Box::new(AttrType::String))
        );
        assert!(matches!(s.inputs["block"].ty, AttrType::Object(ref f) if f["port"].required));
        assert_eq!(s.inputs["policy"].ty, AttrType::Document);
        assert!(s.inputs["password"].sensitive);
        assert_eq!(
            s.inputs["mode"].ty,
            AttrType::Enum(vec!["fast".into(), "slow".into()])
        );
        let AttrType::Enum(mut levels) = s.inputs["level"].ty.clone() else {
            panic!("level is {:?}", s.inputs["level"].ty);
        };
        levels.sort();
        assert_eq!(levels, ["high", "low", "mid"]);
        assert!(s.taggable());
        assert!(s.outputs.contains_key("arn"));
    }

    #[test]
    fn normalizes_defaults_sets_documents() {
        let s = ResourceSchema::derive::<Conf, Out>("test_thing", SchemaMeta::default());
        let v = Value::map([
            ("cidr_block", Value::string("10.0.0.0/16")),
            (
                "ids",
                Value::List(vec![
                    Value::string("b"),
                    Value::string("a"),
                    Value::string("b"),
                ]),
            ),
            ("policy", Value::string(r#"{"b": 1.0, "a": [true]}"#)),
            ("password", Value::Null),
        ]);
        let n = s.normalize(&v);
        let expected = Value::map([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("enable", Value::Bool(true)),
            ("tags", Value::Map(BTreeMap::new())),
            (
                "ids",
                Value::List(vec![Value::string("a"), Value::string("b")]),
            ),
            (
                "policy",
                Value::map([
                    ("a", Value::List(vec![Value::Bool(true)])),
                    ("b", Value::from(1i64)),
                ]),
            ),
        ]);
        assert_eq!(n, expected);
    }
}
