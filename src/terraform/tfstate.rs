//! Terraform's state file (format version 4, as `terraform.tfstate` or `terraform state
//! pull` write it), read only: its resources grouped into declarations, and the import id
//! cairn needs for each instance, worked out from the attributes Terraform recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use cairn_model::InstanceKey;
use serde::Deserialize;
use serde_json::Value as Json;

/// A Terraform state.
#[derive(Debug, Deserialize)]
pub struct TfState {
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, TfOutput>,
    #[serde(default)]
    pub resources: Vec<TfResource>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TfOutput {
    pub value: Json,
    #[serde(default)]
    pub sensitive: bool,
}

/// One `resource` or `data` block of one module instance, with its instances.
#[derive(Debug, Deserialize)]
pub struct TfResource {
    /// `module.a`, `module.a["k"].module.b`; absent at the root.
    #[serde(default)]
    pub module: Option<String>,
    /// `managed` or `data`.
    pub mode: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub name: String,
    /// `provider["registry.terraform.io/hashicorp/aws"]`, with `.alias` for an alias.
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<TfInstance>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TfInstance {
    /// A number (`count`), a string (`for_each`), or absent.
    #[serde(default)]
    pub index_key: Option<Json>,
    #[serde(default)]
    pub attributes: Json,
    /// Paths of sensitive values: Terraform 1.x writes a list of paths, each a list of
    /// steps `{"type": "get_attr", "value": "password"}`.
    #[serde(default)]
    pub sensitive_attributes: Json,
    /// Set when the instance is deposed (`create_before_destroy` left it behind).
    #[serde(default)]
    pub deposed: Option<String>,
}

impl TfInstance {
    /// The instance key as cairn writes it.
    pub fn key(&self) -> Option<InstanceKey> {
        match self.index_key.as_ref()? {
            Json::Number(n) => n.as_u64().map(InstanceKey::Int),
            Json::String(s) => Some(InstanceKey::Str(s.clone())),
            _ => None,
        }
    }

    /// The top-level attributes Terraform marked sensitive.
    pub fn sensitive(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let Some(paths) = self.sensitive_attributes.as_array() else {
            return names;
        };
        for path in paths {
            // A path is a list of steps; its first step names the attribute.
            let first = path.as_array().and_then(|p| p.first()).unwrap_or(path);
            if first.get("type").and_then(Json::as_str) == Some("get_attr") {
                if let Some(name) = first.get("value").and_then(Json::as_str) {
                    names.insert(name.to_string());
                }
            }
        }
        names
    }

    /// A string attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Json::as_str)
    }
}

impl TfResource {
    /// `module.a.aws_vpc.main`, `data.aws_region.current`: the address without a key.
    pub fn address(&self) -> String {
        let data = if self.mode == "data" { "data." } else { "" };
        match &self.module {
            Some(m) => format!("{m}.{data}{}.{}", self.rtype, self.name),
            None => format!("{data}{}.{}", self.rtype, self.name),
        }
    }

    /// The alias of the provider configuration, if not the default one.
    pub fn provider_alias(&self) -> Option<String> {
        let (_, rest) = self.provider.rsplit_once(']')?;
        rest.strip_prefix('.').map(str::to_string)
    }
}

/// An instance address as Terraform prints it: `aws_subnet.a[0]`, `aws_subnet.a["x"]`.
pub fn instance_address(base: &str, key: Option<&InstanceKey>) -> String {
    match key {
        None => base.to_string(),
        Some(InstanceKey::Int(n)) => format!("{base}[{n}]"),
        Some(InstanceKey::Str(s)) => format!("{base}[{s:?}]"),
    }
}

/// Reads a Terraform state: the file `path`, or the `terraform.tfstate` of the working
/// directory `path`.
pub fn read(path: &Path) -> anyhow::Result<(std::path::PathBuf, TfState)> {
    let file = if path.is_dir() {
        let local = path.join("terraform.tfstate");
        if !local.exists() {
            bail!(
                "{} holds no terraform.tfstate: its state lives in a backend; write it to a file with `terraform state pull > terraform.tfstate` in that directory (this reads it, changes nothing) and run this again",
                path.display()
            );
        }
        local
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read the Terraform state {}", file.display()))?;
    let probe: Json = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{} is not a Terraform state (not JSON: {e})",
            file.display()
        )
    })?;
    match probe.get("version").and_then(Json::as_u64) {
        Some(4) => {}
        Some(v) => bail!(
            "{} is a Terraform state of format version {v}; cairn reads version 4 (Terraform 0.12 and later): upgrade it with a current Terraform first",
            file.display()
        ),
        None => bail!(
            "{} is not a Terraform state (it has no format `version`)",
            file.display()
        ),
    }
    let state: TfState = serde_json::from_value(probe)
        .with_context(|| format!("{} is not a Terraform state", file.display()))?;
    Ok((file, state))
}

/// Terraform types that cairn keeps inline in another resource: the parent's type, the
/// attribute of theirs that names the parent (by its id or name) and the parent's attribute
/// they become.
pub fn folded(tf_type: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match tf_type {
        "aws_s3_bucket_versioning" => ("aws_s3_bucket", "bucket", "versioning"),
        "aws_s3_bucket_public_access_block" => ("aws_s3_bucket", "bucket", "public_access_block"),
        "aws_s3_bucket_server_side_encryption_configuration" => {
            ("aws_s3_bucket", "bucket", "server_side_encryption")
        }
        "aws_s3_bucket_policy" => ("aws_s3_bucket", "bucket", "policy"),
        "aws_iam_role_policy" => ("aws_iam_role", "role", "inline_policy"),
        _ => return None,
    })
}

/// The import id cairn's type `tf_type` takes for the instance Terraform recorded as
/// `attrs`: Terraform's `id` where the two agree, else built from the attributes.
pub fn import_id(tf_type: &str, attrs: &Json) -> Result<String, String> {
    let get = |name: &str| -> Result<String, String> {
        match attrs.get(name) {
            Some(Json::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Json::Number(n)) => Ok(n.to_string()),
            _ => Err(format!("Terraform recorded no `{name}` for it")),
        }
    };
    let opt = |name: &str| get(name).ok();
    Ok(match tf_type {
        "aws_apigatewayv2_api_mapping" => format!("{}/{}", get("id")?, get("domain_name")?),
        "aws_apigatewayv2_integration" | "aws_apigatewayv2_route" => {
            format!("{}/{}", get("api_id")?, get("id")?)
        }
        "aws_apigatewayv2_stage" => format!("{}/{}", get("api_id")?, get("name")?),
        "aws_appautoscaling_target" => format!(
            "{}/{}/{}",
            get("service_namespace")?,
            get("resource_id")?,
            get("scalable_dimension")?
        ),
        "aws_appautoscaling_policy" => format!(
            "{}/{}/{}/{}",
            get("service_namespace")?,
            get("resource_id")?,
            get("scalable_dimension")?,
            get("name")?
        ),
        "aws_cloudwatch_event_target" => {
            let rule = get("rule")?;
            let target = get("target_id")?;
            match opt("event_bus_name").filter(|b| b != "default") {
                Some(bus) => format!("{bus}/{rule}/{target}"),
                None => format!("{rule}/{target}"),
            }
        }
        "aws_cloudwatch_log_stream" => format!("{}:{}", get("log_group_name")?, get("name")?),
        "aws_ecs_task_definition" => get("arn")?,
        "aws_ecs_service" => match (opt("cluster"), opt("name")) {
            (Some(cluster), Some(name)) => {
                let cluster = cluster.rsplit('/').next().unwrap_or(&cluster).to_string();
                format!("{cluster}/{name}")
            }
            _ => get("id")?,
        },
        "aws_iam_role_policy_attachment" => format!("{}/{}", get("role")?, get("policy_arn")?),
        "aws_lambda_permission" => {
            let function = get("function_name")?;
            let function = function.rsplit(':').next().unwrap_or(&function).to_string();
            match opt("qualifier") {
                Some(q) => format!("{function}:{q}/{}", get("statement_id")?),
                None => format!("{function}/{}", get("statement_id")?),
            }
        }
        "aws_main_route_table_association" => get("vpc_id")?,
        "aws_route" => {
            let table = get("route_table_id")?;
            let destination = opt("destination_cidr_block")
                .or_else(|| opt("destination_ipv6_cidr_block"))
                .or_else(|| opt("destination_prefix_list_id"))
                .ok_or("Terraform recorded no destination for it")?;
            format!("{table}_{destination}")
        }
        "aws_s3_object" => format!("{}/{}", get("bucket")?, get("key")?),
        "aws_security_group_rule" => security_group_rule_id(attrs)?,
        "aws_wafv2_web_acl" => format!("{}/{}/{}", get("id")?, get("name")?, get("scope")?),
        "aws_acm_certificate_validation" => get("certificate_arn")?,
        // Terraform's id is the DbiResourceId (`db-…`); cairn's import takes the identifier.
        "aws_db_instance" => get("identifier")?,
        // Terraform's id is the certificate id (`ASCA…`); cairn's import takes the name.
        "aws_iam_server_certificate" => get("name")?,
        "aws_iam_policy" | "aws_sns_topic" | "aws_sns_topic_policy" => {
            opt("arn").map_or_else(|| get("id"), Ok)?
        }
        _ => get("id")?,
    })
}

/// `<group>_<type>_<protocol>_<from>_<to>_<source>…`, the form cairn's (and Terraform's)
/// import takes, from the rule's attributes.
fn security_group_rule_id(attrs: &Json) -> Result<String, String> {
    let s = |name: &str| attrs.get(name).and_then(Json::as_str).unwrap_or_default();
    let n = |name: &str| attrs.get(name).and_then(Json::as_i64).unwrap_or_default();
    let group = s("security_group_id");
    if group.is_empty() {
        return Err("Terraform recorded no `security_group_id` for it".into());
    }
    let protocol = match s("protocol") {
        "-1" => "all".to_string(),
        p => p.to_string(),
    };
    let mut id = format!(
        "{group}_{}_{protocol}_{}_{}",
        s("type"),
        n("from_port"),
        n("to_port")
    );
    let mut sources: Vec<String> = Vec::new();
    for list in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        if let Some(items) = attrs.get(list).and_then(Json::as_array) {
            sources.extend(items.iter().filter_map(Json::as_str).map(str::to_string));
        }
    }
    if attrs.get("self").and_then(Json::as_bool) == Some(true) {
        sources.push("self".into());
    }
    let source = s("source_security_group_id");
    if !source.is_empty() {
        sources.push(source.to_string());
    }
    if sources.is_empty() {
        return Err("Terraform recorded no source for it".into());
    }
    for source in sources {
        id.push('_');
        id.push_str(&source);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(tf_type: &str, attrs: Json, expected: &str) {
        assert_eq!(
            import_id(tf_type, &attrs).as_deref(),
            Ok(expected),
            "{tf_type}"
        );
    }

    #[test]
    fn import_ids_from_terraform_attributes() {
        check("aws_vpc", json!({"id": "vpc-1"}), "vpc-1");
        check(
            "aws_route",
            json!({"id": "r-rtb-1179", "route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0"}),
            "rtb-1_0.0.0.0/0",
        );
        check(
            "aws_iam_role_policy_attachment",
            json!({"id": "app-2023", "role": "app", "policy_arn": "arn:aws:iam::aws:policy/X"}),
            "app/arn:aws:iam::aws:policy/X",
        );
        check(
            "aws_ecs_service",
            json!({"id": "arn:aws:ecs:us-east-1:1:service/c/web", "cluster": "arn:aws:ecs:us-east-1:1:cluster/c", "name": "web"}),
            "c/web",
        );
        check(
            "aws_security_group_rule",
            json!({"id": "sgrule-1", "security_group_id": "sg-1", "type": "ingress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/8"], "self": false}),
            "sg-1_ingress_all_0_0_10.0.0.0/8",
        );
        check(
            "aws_lambda_permission",
            json!({"id": "AllowApi", "function_name": "arn:aws:lambda:us-east-1:1:function:api", "statement_id": "AllowApi"}),
            "api/AllowApi",
        );
        check(
            "aws_apigatewayv2_stage",
            json!({"id": "$default", "api_id": "a1", "name": "$default"}),
            "a1/$default",
        );
        assert!(import_id("aws_route", &json!({"route_table_id": "rtb-1"})).is_err());
    }

    #[test]
    fn sensitive_paths_name_their_attribute() {
        let i: TfInstance = serde_json::from_value(json!({
            "attributes": {"password": "x"},
            "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]
        }))
        .unwrap();
        assert_eq!(i.sensitive(), BTreeSet::from(["password".to_string()]));
    }
}
