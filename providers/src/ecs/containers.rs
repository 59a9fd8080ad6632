//! Container definitions: the JSON shape a stack writes (ECS's own camelCase keys, every key
//! of RegisterTaskDefinition's `ContainerDefinition`) turned into SDK values and back. The
//! shape is declared once, as the [`Container`] struct: its JSON Schema goes into the task
//! definition's schema (`x-shape`), so `validate` refuses an unknown key or a value of the
//! wrong type with the key's path, and apply parses the same struct.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_ecs::types::{
    ApplicationProtocol, ContainerCondition, ContainerDefinition, ContainerDependency,
    ContainerRestartPolicy, Device, DeviceCgroupPermission, EnvironmentFile, EnvironmentFileType,
    FirelensConfiguration, FirelensConfigurationType, HealthCheck as SdkHealthCheck, HostEntry,
    KernelCapabilities, KeyValuePair, LinuxParameters as SdkLinuxParameters,
    LogConfiguration as SdkLogConfiguration, LogDriver, MountPoint as SdkMountPoint,
    PortMapping as SdkPortMapping, RepositoryCredentials, ResourceRequirement as SdkRequirement,
    ResourceType, Secret as SdkSecret, SystemControl as SdkSystemControl, Tmpfs as SdkTmpfs,
    TransportProtocol, Ulimit as SdkUlimit, UlimitName, VersionConsistency, VolumeFrom,
};
use cairn_model::ProviderError;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The keys of a container definition cairn maps; the task definition's schema declares the
/// same (`x-keys`), so `validate` refuses the others.
pub(crate) const KNOWN: [&str; 42] = [
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

/// An integer, also written as a string of one (as CloudFormation templates and string
/// variables give them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Int(pub i32);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Int)
                .ok_or_else(|| D::Error::custom(format!("{n} is not a 32-bit integer"))),
            Value::String(s) => s
                .trim()
                .parse()
                .map(Int)
                .map_err(|_| D::Error::custom(format!("`{s}` is not an integer"))),
            other => Err(D::Error::custom(format!(
                "expected an integer, found {other}"
            ))),
        }
    }
}

fn int(v: Option<Int>) -> Option<i32> {
    v.map(|i| i.0)
}

fn ints(v: Option<i32>) -> Option<Int> {
    v.map(Int)
}

/// A container of a task definition, keyed as ECS's JSON (RegisterTaskDefinition's
/// `ContainerDefinition`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_credentials: Option<Credentials>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Vec<NameValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_files: Option<Vec<EnvFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_points: Option<Vec<MountPoint>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_from: Option<Vec<VolumesFrom>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_parameters: Option<LinuxParameters>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<Secret>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<Dependency>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timeout: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<Int>,
    /// `enabled` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["enabled", "disabled"]))]
    pub version_consistency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_networking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_servers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_search_domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_hosts: Option<Vec<ExtraHost>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_security_options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudo_terminal: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ulimits: Option<Vec<Ulimit>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_controls: Option<Vec<SystemControl>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_requirements: Option<Vec<Requirement>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firelens_configuration: Option<Firelens>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_specs: Option<Vec<String>>,
}

/// A private registry's credentials: a Secrets Manager secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    pub credentials_parameter: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<Int>,
    /// `tcp` or `udp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["tcp", "udp"]))]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `http`, `http2` or `grpc` (Service Connect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["http", "http2", "grpc"]))]
    pub app_protocol: Option<String>,
    /// A range of container ports, e.g. `"8000-8010"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port_range: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestartPolicy {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_exit_codes: Option<Vec<Int>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_attempt_period: Option<Int>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvFile {
    /// The S3 object's ARN.
    pub value: String,
    /// `s3`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["s3"]))]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MountPoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_volume: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumesFrom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxParameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<DeviceMap>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_process_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_memory_size: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<Vec<Tmpfs>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_swap: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<Int>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Capabilities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceMap {
    pub host_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// `read`, `write` and/or `mknod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("items" = {"type": "string", "enum": ["read", "write", "mknod"]}))]
    pub permissions: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tmpfs {
    pub container_path: String,
    /// MiB.
    pub size: Int,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secret {
    pub name: String,
    /// The secret's or parameter's ARN (or a parameter's name).
    pub value_from: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dependency {
    pub container_name: String,
    /// `START`, `COMPLETE`, `SUCCESS` or `HEALTHY`.
    #[schemars(extend("enum" = ["START", "COMPLETE", "SUCCESS", "HEALTHY"]))]
    pub condition: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraHost {
    pub hostname: String,
    pub ip_address: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ulimit {
    /// `nofile`, `nproc`, `core`, `memlock`, ...
    #[schemars(extend("enum" = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]))]
    pub name: String,
    pub soft_limit: Int,
    pub hard_limit: Int,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogConfiguration {
    /// `awslogs`, `awsfirelens`, `splunk`, `fluentd`, ...
    #[schemars(extend("enum" = ["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"]))]
    pub log_driver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_options: Option<Vec<Secret>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthCheck {
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<Int>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Int>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemControl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Requirement {
    pub value: String,
    /// `GPU` or `InferenceAccelerator`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["GPU", "InferenceAccelerator"]))]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Firelens {
    /// `fluentd` or `fluentbit`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["fluentd", "fluentbit"]))]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
}

/// The JSON Schema of one container definition, every subschema inlined (`x-shape`).
pub fn shape() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Container>().to_value();
    if let Some(o) = schema.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
        o.remove("description");
    }
    schema
}

/// The schema of `container_definitions`: a document (a table or a JSON string) of these
/// keys, each of this shape.
pub fn schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut s = serde_json::json!({
        "description": "The containers: a TOML array of tables or a JSON string, in ECS's JSON shape (RegisterTaskDefinition's container definitions: every key AWS takes).",
        "x-force-new": true,
        "x-document": true,
        "x-keys": KNOWN.as_slice(),
    });
    s["x-shape"] = shape();
    schemars::Schema::try_from(s).unwrap_or_default()
}

fn bad(i: usize, msg: impl std::fmt::Display) -> ProviderError {
    ProviderError::InvalidConfig(format!("container_definitions[{i}]: {msg}"))
}

/// Every definition of a JSON array.
pub fn from_json(doc: &Value) -> Result<Vec<ContainerDefinition>, ProviderError> {
    let Some(items) = doc.as_array() else {
        return Err(ProviderError::InvalidConfig(
            "container_definitions must be a list of containers".into(),
        ));
    };
    items.iter().enumerate().map(|(i, c)| one(i, c)).collect()
}

fn map(m: &Option<BTreeMap<String, String>>) -> Option<HashMap<String, String>> {
    m.as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn secrets(i: usize, s: &Option<Vec<Secret>>) -> Result<Option<Vec<SdkSecret>>, ProviderError> {
    s.as_ref()
        .map(|s| {
            s.iter()
                .map(|s| {
                    SdkSecret::builder()
                        .name(&s.name)
                        .value_from(&s.value_from)
                        .build()
                        .map_err(|e| bad(i, e))
                })
                .collect()
        })
        .transpose()
}

/// Each item of an optional list, through a fallible conversion.
fn each<T, U>(
    v: &Option<Vec<T>>,
    f: impl Fn(&T) -> Result<U, aws_sdk_ecs::error::BuildError>,
    i: usize,
) -> Result<Option<Vec<U>>, ProviderError> {
    v.as_ref()
        .map(|v| v.iter().map(&f).collect::<Result<Vec<_>, _>>())
        .transpose()
        .map_err(|e| bad(i, e))
}

fn one(i: usize, c: &Value) -> Result<ContainerDefinition, ProviderError> {
    if !c.is_object() {
        return Err(bad(i, "a container is a table"));
    }
    let c: Container = serde_json::from_value(c.clone()).map_err(|e| bad(i, e))?;
    let ports = c.port_mappings.as_ref().map(|ps| {
        ps.iter()
            .map(|p| {
                SdkPortMapping::builder()
                    .set_container_port(int(p.container_port))
                    .set_host_port(int(p.host_port))
                    .set_protocol(p.protocol.as_deref().map(TransportProtocol::from))
                    .set_name(p.name.clone())
                    .set_app_protocol(p.app_protocol.as_deref().map(ApplicationProtocol::from))
                    .set_container_port_range(p.container_port_range.clone())
                    .build()
            })
            .collect()
    });
    let restart = match &c.restart_policy {
        Some(r) => Some(
            ContainerRestartPolicy::builder()
                .enabled(r.enabled)
                .set_ignored_exit_codes(
                    r.ignored_exit_codes
                        .as_ref()
                        .map(|c| c.iter().map(|c| c.0).collect()),
                )
                .set_restart_attempt_period(int(r.restart_attempt_period))
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    let env = c.environment.as_ref().map(|es| {
        es.iter()
            .map(|e| {
                KeyValuePair::builder()
                    .set_name(e.name.clone())
                    .set_value(e.value.clone())
                    .build()
            })
            .collect()
    });
    let env_files = each(
        &c.environment_files,
        |f| {
            EnvironmentFile::builder()
                .value(&f.value)
                .r#type(EnvironmentFileType::from(f.kind.as_str()))
                .build()
        },
        i,
    )?;
    let mounts = c.mount_points.as_ref().map(|ms| {
        ms.iter()
            .map(|m| {
                SdkMountPoint::builder()
                    .set_source_volume(m.source_volume.clone())
                    .set_container_path(m.container_path.clone())
                    .set_read_only(m.read_only)
                    .build()
            })
            .collect()
    });
    let volumes_from = c.volumes_from.as_ref().map(|vs| {
        vs.iter()
            .map(|v| {
                VolumeFrom::builder()
                    .set_source_container(v.source_container.clone())
                    .set_read_only(v.read_only)
                    .build()
            })
            .collect()
    });
    let linux = match &c.linux_parameters {
        Some(l) => Some(
            SdkLinuxParameters::builder()
                .set_capabilities(l.capabilities.as_ref().map(|k| {
                    KernelCapabilities::builder()
                        .set_add(k.add.clone())
                        .set_drop(k.drop.clone())
                        .build()
                }))
                .set_devices(each(
                    &l.devices,
                    |d| {
                        Device::builder()
                            .host_path(&d.host_path)
                            .set_container_path(d.container_path.clone())
                            .set_permissions(d.permissions.as_ref().map(|ps| {
                                ps.iter()
                                    .map(|p| DeviceCgroupPermission::from(p.as_str()))
                                    .collect()
                            }))
                            .build()
                    },
                    i,
                )?)
                .set_init_process_enabled(l.init_process_enabled)
                .set_shared_memory_size(int(l.shared_memory_size))
                .set_tmpfs(each(
                    &l.tmpfs,
                    |t| {
                        SdkTmpfs::builder()
                            .container_path(&t.container_path)
                            .size(t.size.0)
                            .set_mount_options(t.mount_options.clone())
                            .build()
                    },
                    i,
                )?)
                .set_max_swap(int(l.max_swap))
                .set_swappiness(int(l.swappiness))
                .build(),
        ),
        None => None,
    };
    let depends_on = each(
        &c.depends_on,
        |d| {
            ContainerDependency::builder()
                .container_name(&d.container_name)
                .condition(ContainerCondition::from(d.condition.as_str()))
                .build()
        },
        i,
    )?;
    let hosts = each(
        &c.extra_hosts,
        |h| {
            HostEntry::builder()
                .hostname(&h.hostname)
                .ip_address(&h.ip_address)
                .build()
        },
        i,
    )?;
    let ulimits = each(
        &c.ulimits,
        |u| {
            SdkUlimit::builder()
                .name(UlimitName::from(u.name.as_str()))
                .soft_limit(u.soft_limit.0)
                .hard_limit(u.hard_limit.0)
                .build()
        },
        i,
    )?;
    let logs = match &c.log_configuration {
        Some(l) => Some(
            SdkLogConfiguration::builder()
                .log_driver(LogDriver::from(l.log_driver.as_str()))
                .set_options(map(&l.options))
                .set_secret_options(secrets(i, &l.secret_options)?)
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    let health = match &c.health_check {
        Some(h) => Some(
            SdkHealthCheck::builder()
                .set_command(Some(h.command.clone()))
                .set_interval(int(h.interval))
                .set_timeout(int(h.timeout))
                .set_retries(int(h.retries))
                .set_start_period(int(h.start_period))
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    let controls = c.system_controls.as_ref().map(|cs| {
        cs.iter()
            .map(|s| {
                SdkSystemControl::builder()
                    .set_namespace(s.namespace.clone())
                    .set_value(s.value.clone())
                    .build()
            })
            .collect()
    });
    let requirements = each(
        &c.resource_requirements,
        |r| {
            SdkRequirement::builder()
                .value(&r.value)
                .r#type(ResourceType::from(r.kind.as_str()))
                .build()
        },
        i,
    )?;
    let firelens = match &c.firelens_configuration {
        Some(f) => Some(
            FirelensConfiguration::builder()
                .r#type(FirelensConfigurationType::from(f.kind.as_str()))
                .set_options(map(&f.options))
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    let credentials = match &c.repository_credentials {
        Some(r) => Some(
            RepositoryCredentials::builder()
                .credentials_parameter(&r.credentials_parameter)
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    Ok(ContainerDefinition::builder()
        .set_name(c.name.clone())
        .set_image(c.image.clone())
        .set_repository_credentials(credentials)
        .set_cpu(int(c.cpu))
        .set_memory(int(c.memory))
        .set_memory_reservation(int(c.memory_reservation))
        .set_links(c.links.clone())
        .set_port_mappings(ports)
        .set_essential(c.essential)
        .set_restart_policy(restart)
        .set_entry_point(c.entry_point.clone())
        .set_command(c.command.clone())
        .set_environment(env)
        .set_environment_files(env_files)
        .set_mount_points(mounts)
        .set_volumes_from(volumes_from)
        .set_linux_parameters(linux)
        .set_secrets(secrets(i, &c.secrets)?)
        .set_depends_on(depends_on)
        .set_start_timeout(int(c.start_timeout))
        .set_stop_timeout(int(c.stop_timeout))
        .set_version_consistency(
            c.version_consistency
                .as_deref()
                .map(VersionConsistency::from),
        )
        .set_hostname(c.hostname.clone())
        .set_user(c.user.clone())
        .set_working_directory(c.working_directory.clone())
        .set_disable_networking(c.disable_networking)
        .set_privileged(c.privileged)
        .set_readonly_root_filesystem(c.readonly_root_filesystem)
        .set_dns_servers(c.dns_servers.clone())
        .set_dns_search_domains(c.dns_search_domains.clone())
        .set_extra_hosts(hosts)
        .set_docker_security_options(c.docker_security_options.clone())
        .set_interactive(c.interactive)
        .set_pseudo_terminal(c.pseudo_terminal)
        .set_docker_labels(map(&c.docker_labels))
        .set_ulimits(ulimits)
        .set_log_configuration(logs)
        .set_health_check(health)
        .set_system_controls(controls)
        .set_resource_requirements(requirements)
        .set_firelens_configuration(firelens)
        .set_credential_specs(c.credential_specs.clone())
        .build())
}

fn sorted(m: Option<&HashMap<String, String>>) -> Option<BTreeMap<String, String>> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn secrets_of(s: &[SdkSecret]) -> Vec<Secret> {
    s.iter()
        .map(|s| Secret {
            name: s.name().to_string(),
            value_from: s.value_from().to_string(),
        })
        .collect()
}

/// A described container definition in ECS's JSON shape. Lists are always there (empty when
/// AWS has none), as AWS answers them; the CPU units too (0 when none are reserved).
pub fn to_json(c: &ContainerDefinition) -> Value {
    let list = |v: &[String]| Some(v.to_vec());
    let container = Container {
        name: c.name().map(str::to_string),
        image: c.image().map(str::to_string),
        repository_credentials: c.repository_credentials().map(|r| Credentials {
            credentials_parameter: r.credentials_parameter().to_string(),
        }),
        cpu: Some(Int(c.cpu())),
        memory: ints(c.memory()),
        memory_reservation: ints(c.memory_reservation()),
        links: list(c.links()),
        port_mappings: Some(
            c.port_mappings()
                .iter()
                .map(|p| PortMapping {
                    container_port: ints(p.container_port()),
                    host_port: ints(p.host_port()),
                    protocol: p.protocol().map(|x| x.as_str().to_string()),
                    name: p.name().map(str::to_string),
                    app_protocol: p.app_protocol().map(|x| x.as_str().to_string()),
                    container_port_range: p.container_port_range().map(str::to_string),
                })
                .collect(),
        ),
        essential: c.essential(),
        restart_policy: c.restart_policy().map(|r| RestartPolicy {
            enabled: r.enabled(),
            ignored_exit_codes: Some(r.ignored_exit_codes().iter().copied().map(Int).collect()),
            restart_attempt_period: ints(r.restart_attempt_period()),
        }),
        entry_point: list(c.entry_point()),
        command: list(c.command()),
        environment: Some(
            c.environment()
                .iter()
                .map(|e| NameValue {
                    name: e.name().map(str::to_string),
                    value: e.value().map(str::to_string),
                })
                .collect(),
        ),
        environment_files: Some(
            c.environment_files()
                .iter()
                .map(|f| EnvFile {
                    value: f.value().to_string(),
                    kind: f.r#type().as_str().to_string(),
                })
                .collect(),
        ),
        mount_points: Some(
            c.mount_points()
                .iter()
                .map(|m| MountPoint {
                    source_volume: m.source_volume().map(str::to_string),
                    container_path: m.container_path().map(str::to_string),
                    read_only: m.read_only(),
                })
                .collect(),
        ),
        volumes_from: Some(
            c.volumes_from()
                .iter()
                .map(|v| VolumesFrom {
                    source_container: v.source_container().map(str::to_string),
                    read_only: v.read_only(),
                })
                .collect(),
        ),
        linux_parameters: c.linux_parameters().map(|l| LinuxParameters {
            capabilities: l.capabilities().map(|k| Capabilities {
                add: list(k.add()),
                drop: list(k.drop()),
            }),
            devices: Some(
                l.devices()
                    .iter()
                    .map(|d| DeviceMap {
                        host_path: d.host_path().to_string(),
                        container_path: d.container_path().map(str::to_string),
                        permissions: Some(
                            d.permissions()
                                .iter()
                                .map(|p| p.as_str().to_string())
                                .collect(),
                        ),
                    })
                    .collect(),
            ),
            init_process_enabled: l.init_process_enabled(),
            shared_memory_size: ints(l.shared_memory_size()),
            tmpfs: Some(
                l.tmpfs()
                    .iter()
                    .map(|t| Tmpfs {
                        container_path: t.container_path().to_string(),
                        size: Int(t.size()),
                        mount_options: list(t.mount_options()),
                    })
                    .collect(),
            ),
            max_swap: ints(l.max_swap()),
            swappiness: ints(l.swappiness()),
        }),
        secrets: Some(secrets_of(c.secrets())),
        depends_on: Some(
            c.depends_on()
                .iter()
                .map(|d| Dependency {
                    container_name: d.container_name().to_string(),
                    condition: d.condition().as_str().to_string(),
                })
                .collect(),
        ),
        start_timeout: ints(c.start_timeout()),
        stop_timeout: ints(c.stop_timeout()),
        version_consistency: c.version_consistency().map(|v| v.as_str().to_string()),
        hostname: c.hostname().map(str::to_string),
        user: c.user().map(str::to_string),
        working_directory: c.working_directory().map(str::to_string),
        disable_networking: c.disable_networking(),
        privileged: c.privileged(),
        readonly_root_filesystem: c.readonly_root_filesystem(),
        dns_servers: list(c.dns_servers()),
        dns_search_domains: list(c.dns_search_domains()),
        extra_hosts: Some(
            c.extra_hosts()
                .iter()
                .map(|h| ExtraHost {
                    hostname: h.hostname().to_string(),
                    ip_address: h.ip_address().to_string(),
                })
                .collect(),
        ),
        docker_security_options: list(c.docker_security_options()),
        interactive: c.interactive(),
        pseudo_terminal: c.pseudo_terminal(),
        docker_labels: sorted(c.docker_labels()),
        ulimits: Some(
            c.ulimits()
                .iter()
                .map(|u| Ulimit {
                    name: u.name().as_str().to_string(),
                    soft_limit: Int(u.soft_limit()),
                    hard_limit: Int(u.hard_limit()),
                })
                .collect(),
        ),
        log_configuration: c.log_configuration().map(|l| LogConfiguration {
            log_driver: l.log_driver().as_str().to_string(),
            options: Some(sorted(l.options()).unwrap_or_default()),
            secret_options: Some(secrets_of(l.secret_options())),
        }),
        health_check: c.health_check().map(|h| HealthCheck {
            command: h.command().to_vec(),
            interval: ints(h.interval()),
            timeout: ints(h.timeout()),
            retries: ints(h.retries()),
            start_period: ints(h.start_period()),
        }),
        system_controls: Some(
            c.system_controls()
                .iter()
                .map(|s| SystemControl {
                    namespace: s.namespace().map(str::to_string),
                    value: s.value().map(str::to_string),
                })
                .collect(),
        ),
        resource_requirements: Some(
            c.resource_requirements()
                .iter()
                .map(|r| Requirement {
                    value: r.value().to_string(),
                    kind: r.r#type().as_str().to_string(),
                })
                .collect(),
        ),
        firelens_configuration: c.firelens_configuration().map(|f| Firelens {
            kind: f.r#type().as_str().to_string(),
            options: sorted(f.options()),
        }),
        credential_specs: list(c.credential_specs()),
    };
    serde_json::to_value(container).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The keys `validate` knows are the struct's.
    #[test]
    fn the_known_keys_are_the_shape_s() {
        let shape = shape();
        let mut props: Vec<&str> = shape["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        props.sort_unstable();
        let mut known = KNOWN.to_vec();
        known.sort_unstable();
        assert_eq!(props, known);
        assert_eq!(shape["additionalProperties"], json!(false));
    }

    /// Every key goes to AWS and comes back as written.
    #[test]
    fn every_key_round_trips_through_the_sdk() {
        let full: Value = serde_json::from_str(
            r#"{
            "name": "app", "image": "nginx", "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:1:secret:r"},
            "cpu": 128, "memory": 512, "memoryReservation": 256, "links": ["db"],
            "portMappings": [{"containerPort": 80, "hostPort": 8080, "protocol": "tcp", "name": "web", "appProtocol": "http"},
                             {"containerPortRange": "9000-9010", "protocol": "udp"}],
            "essential": true, "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
            "entryPoint": ["sh", "-c"], "command": ["run"], "environment": [{"name": "A", "value": "1"}],
            "environmentFiles": [{"value": "arn:aws:s3:::b/e.env", "type": "s3"}],
            "mountPoints": [{"sourceVolume": "v", "containerPath": "/v", "readOnly": true}],
            "volumesFrom": [{"sourceContainer": "side", "readOnly": false}],
            "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"], "drop": ["NET_RAW"]},
                "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read", "write"]}],
                "initProcessEnabled": true, "sharedMemorySize": 64,
                "tmpfs": [{"containerPath": "/tmp", "size": 32, "mountOptions": ["rw"]}], "maxSwap": 0, "swappiness": 10},
            "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/s"}],
            "dependsOn": [{"containerName": "side", "condition": "START"}], "startTimeout": 30, "stopTimeout": 20,
            "versionConsistency": "disabled", "hostname": "app", "user": "1000", "workingDirectory": "/app",
            "disableNetworking": false, "privileged": false, "readonlyRootFilesystem": true,
            "dnsServers": ["10.0.0.2"], "dnsSearchDomains": ["corp"], "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
            "dockerSecurityOptions": ["no-new-privileges"], "interactive": false, "pseudoTerminal": false,
            "dockerLabels": {"team": "web"}, "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"},
                                 "secretOptions": [{"name": "k", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/k"}]},
            "healthCheck": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10},
            "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
            "resourceRequirements": [{"value": "1", "type": "GPU"}],
            "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
            "credentialSpecs": ["credentialspec:arn:aws:s3:::b/spec.json"]
        }"#,
        )
        .expect("json");
        assert_eq!(
            full.as_object().map(|o| o.len()),
            Some(KNOWN.len()),
            "every key is tried"
        );
        let sdk = from_json(&json!([full.clone()])).expect("maps");
        assert_eq!(to_json(&sdk[0]), full);
    }

    #[test]
    fn numbers_written_as_text_are_numbers_and_wrong_types_are_refused_by_key() {
        let sdk = from_json(
            &json!([{"name": "a", "image": "b", "portMappings": [{"containerPort": "8080"}]}]),
        )
        .expect("a port as text");
        assert_eq!(sdk[0].port_mappings()[0].container_port(), Some(8080));
        let refused = from_json(&json!([{"name": "a", "image": "b", "essential": "yes"}]));
        assert!(
            matches!(&refused, Err(ProviderError::InvalidConfig(m)) if m.starts_with("container_definitions[0]")),
            "{refused:?}"
        );
        let unknown = from_json(&json!([{"name": "a", "portMapings": []}]));
        assert!(
            matches!(&unknown, Err(ProviderError::InvalidConfig(m)) if m.contains("portMapings")),
            "{unknown:?}"
        );
    }
}
