//! Container definitions: the JSON shape a stack writes (ECS's own camelCase keys) turned
//! into SDK values. Keys cairn does not map yet are refused by name, never dropped.

use aws_sdk_ecs::types::{
    ContainerDefinition, HealthCheck, KeyValuePair, LogConfiguration, LogDriver, MountPoint,
    PortMapping, Secret, TransportProtocol,
};
use cairn_model::ProviderError;
use serde_json::Value;

/// The keys of a container definition cairn maps; the task definition's schema declares the
/// same (`x-keys`), so `validate` refuses the others.
pub(crate) const KNOWN: [&str; 16] = [
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "essential",
    "command",
    "entryPoint",
    "workingDirectory",
    "user",
    "portMappings",
    "environment",
    "secrets",
    "mountPoints",
    "logConfiguration",
    "healthCheck",
];

fn bad(i: usize, msg: impl std::fmt::Display) -> ProviderError {
    ProviderError::InvalidConfig(format!("container_definitions[{i}]: {msg}"))
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    })
}

fn int(v: Option<&Value>) -> Option<i32> {
    v.and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    })
    .and_then(|n| i32::try_from(n).ok())
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
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

fn one(i: usize, c: &Value) -> Result<ContainerDefinition, ProviderError> {
    let Some(obj) = c.as_object() else {
        return Err(bad(i, "a container is a table"));
    };
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad(
            i,
            format!(
                "`{k}` is not supported by cairn yet (supported: {})",
                KNOWN.join(", ")
            ),
        ));
    }
    let ports = obj.get("portMappings").and_then(Value::as_array).map(|ps| {
        ps.iter()
            .map(|p| {
                PortMapping::builder()
                    .set_container_port(int(p.get("containerPort")))
                    .set_host_port(int(p.get("hostPort")))
                    .set_protocol(
                        p.get("protocol")
                            .and_then(Value::as_str)
                            .map(TransportProtocol::from),
                    )
                    .set_name(text(p.get("name")))
                    .build()
            })
            .collect()
    });
    let env = obj.get("environment").and_then(Value::as_array).map(|es| {
        es.iter()
            .map(|e| {
                KeyValuePair::builder()
                    .set_name(text(e.get("name")))
                    .set_value(text(e.get("value")))
                    .build()
            })
            .collect()
    });
    let secrets = match obj.get("secrets").and_then(Value::as_array) {
        Some(ss) => Some(
            ss.iter()
                .map(|s| {
                    Secret::builder()
                        .set_name(text(s.get("name")))
                        .set_value_from(text(s.get("valueFrom")))
                        .build()
                        .map_err(|e| bad(i, e))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let mounts = obj.get("mountPoints").and_then(Value::as_array).map(|ms| {
        ms.iter()
            .map(|m| {
                MountPoint::builder()
                    .set_source_volume(text(m.get("sourceVolume")))
                    .set_container_path(text(m.get("containerPath")))
                    .set_read_only(m.get("readOnly").and_then(Value::as_bool))
                    .build()
            })
            .collect()
    });
    let logs = match obj.get("logConfiguration") {
        Some(l) => Some(
            LogConfiguration::builder()
                .log_driver(LogDriver::from(
                    l.get("logDriver")
                        .and_then(Value::as_str)
                        .unwrap_or("awslogs"),
                ))
                .set_options(l.get("options").and_then(Value::as_object).map(|o| {
                    o.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                }))
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    let health = match obj.get("healthCheck") {
        Some(h) => Some(
            HealthCheck::builder()
                .set_command(strings(h.get("command")))
                .set_interval(int(h.get("interval")))
                .set_timeout(int(h.get("timeout")))
                .set_retries(int(h.get("retries")))
                .set_start_period(int(h.get("startPeriod")))
                .build()
                .map_err(|e| bad(i, e))?,
        ),
        None => None,
    };
    Ok(ContainerDefinition::builder()
        .set_name(text(obj.get("name")))
        .set_image(text(obj.get("image")))
        .set_cpu(int(obj.get("cpu")))
        .set_memory(int(obj.get("memory")))
        .set_memory_reservation(int(obj.get("memoryReservation")))
        .set_essential(obj.get("essential").and_then(Value::as_bool))
        .set_command(strings(obj.get("command")))
        .set_entry_point(strings(obj.get("entryPoint")))
        .set_working_directory(text(obj.get("workingDirectory")))
        .set_user(text(obj.get("user")))
        .set_port_mappings(ports)
        .set_environment(env)
        .set_secrets(secrets)
        .set_mount_points(mounts)
        .set_log_configuration(logs)
        .set_health_check(health)
        .build())
}
