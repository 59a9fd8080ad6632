//! Data sources: read before planning — each once its arguments are known, those that do
//! not depend on one another at the same time — and put in place of the references to them,
//! so that the planner and the executor see values (or, for a data source that reads
//! nothing from AWS and is computed from values known only after apply, the expression
//! that computes it).
//!
//! A data source that reads nothing from AWS (`aws_iam_policy_document`) is the function
//! `data.<type>` of `cairn_model::functions`: its arguments may wait for apply. One that
//! reads from AWS needs arguments known while planning (variables, locals, other data
//! sources); a resource's attribute there is an error that says so.

use std::collections::BTreeMap;

use cairn_model::functions;
use cairn_model::{Address, Config, Expr, OutputConfig, Part, Reference, ResourceConfig, Value};
use futures::future::join_all;

use crate::graph::Graph;
use cairn_model::provider::{Provider, ProviderError};

/// A data source that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{address}: {message}")]
pub struct DataError {
    pub address: Address,
    pub message: String,
    /// The provider's error, when the read failed in AWS.
    pub error: Option<ProviderError>,
}

/// What each data source stands for: a value read, or the expression that computes it.
pub type DataValues = BTreeMap<Address, Expr>;

/// What reads data sources: a provider, or the binary's reader that also knows data
/// sources of its own (`cairn_stack`) and hands the rest to a provider.
#[async_trait::async_trait]
pub trait DataReader: Send + Sync {
    /// Reads `dtype` with `args`, with the provider configuration `provider` (an alias).
    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
        provider: Option<&str>,
    ) -> Result<serde_json::Value, ProviderError>;
}

#[async_trait::async_trait]
impl<P: Provider + ?Sized> DataReader for P {
    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
        provider: Option<&str>,
    ) -> Result<serde_json::Value, ProviderError> {
        Provider::read_data_in(self, dtype, args, provider).await
    }
}

/// Reads every data source of `config`, in dependency order; every failure listed.
pub async fn read(
    provider: &dyn DataReader,
    config: &Config,
) -> Result<DataValues, Vec<DataError>> {
    if config.data.is_empty() {
        return Ok(DataValues::new());
    }
    let only_data = Config {
        resources: config.data.clone(),
        ..Config::default()
    };
    let order = Graph::new(&only_data).order().map_err(|cycle| {
        vec![DataError {
            address: cycle
                .members
                .first()
                .cloned()
                .unwrap_or_else(|| Address::new("data", "?")),
            message: cycle.to_string(),
            error: None,
        }]
    })?;
    let by_address: BTreeMap<&Address, &ResourceConfig> =
        config.data.iter().map(|d| (&d.address, d)).collect();
    let mut values = DataValues::new();
    let mut errors = Vec::new();
    let mut pending: Vec<&ResourceConfig> = order
        .iter()
        .filter_map(|a| by_address.get(a).copied())
        .collect();
    while !pending.is_empty() {
        // A wave: those whose data dependencies are all read (or failed).
        let (ready, later): (Vec<&ResourceConfig>, Vec<&ResourceConfig>) =
            pending.iter().partition(|d| {
                d.dependencies().iter().all(|dep| {
                    !by_address.contains_key(dep)
                        || values.contains_key(dep)
                        || failed(&errors, dep)
                })
            });
        if ready.is_empty() {
            break;
        }
        let reads = ready.iter().map(|d| read_one(provider, d, &values));
        for (d, result) in ready.iter().zip(join_all(reads).await) {
            match result {
                Ok(expr) => {
                    values.insert(d.address.clone(), expr);
                }
                Err(e) => errors.push(e),
            }
        }
        pending = later;
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

fn failed(errors: &[DataError], address: &Address) -> bool {
    errors.iter().any(|e| &e.address == address)
}

/// One data source, the data sources it uses already read.
async fn read_one(
    provider: &dyn DataReader,
    data: &ResourceConfig,
    values: &DataValues,
) -> Result<Expr, DataError> {
    let fail = |message: String, error: Option<ProviderError>| DataError {
        address: data.address.clone(),
        message,
        error,
    };
    let dtype = data.address.data_type().unwrap_or_default();
    let args: BTreeMap<String, Expr> = data
        .attributes
        .iter()
        .map(|(k, e)| (k.clone(), substitute_expr(e, values)))
        .collect();
    for dep in data.dependencies() {
        if dep.data_type().is_none() && !is_computed(dtype) {
            return Err(fail(
                format!(
                    "its arguments must be known while planning, and `{dep}` is a resource of this stack: refer to the resource's attributes directly instead of reading it back"
                ),
                None,
            ));
        }
    }
    let function = format!("{}{dtype}", cairn_model::DATA_PREFIX);
    if is_computed(dtype) {
        let call = Expr::Call(function, vec![Expr::Map(args)]);
        if !call.references().is_empty() {
            return Ok(call);
        }
        return call
            .eval(&|_| Ok(Value::Unknown))
            .map(Expr::Value)
            .map_err(|m| fail(m, None));
    }
    let mut known = BTreeMap::new();
    for (k, e) in &args {
        let v = e
            .eval(&|r| Err(format!("`{}` is not known while planning", r.address)))
            .map_err(|m| fail(format!("`{k}`: {m}"), None))?;
        if !v.is_known() {
            return Err(fail(
                format!("`{k}` is only known after apply: a data source reads while planning"),
                None,
            ));
        }
        known.insert(k.clone(), v);
    }
    let json = Value::Map(known).to_json_lossy();
    match DataReader::read_data(provider, dtype, &json, data.provider.as_deref()).await {
        Ok(read) => Ok(Expr::Value(Value::from_json(read))),
        Err(e) => Err(fail(e.to_string(), Some(e))),
    }
}

/// Whether the data source `dtype` reads nothing from AWS: it is computed by the function
/// `data.<dtype>`.
pub fn is_computed(dtype: &str) -> bool {
    functions::signature(&format!("{}{dtype}", cairn_model::DATA_PREFIX)).is_some()
}

/// `config` with every reference to a data source replaced by what it read (or the
/// expression that computes it).
pub fn substitute(config: &Config, values: &DataValues) -> Config {
    if values.is_empty() {
        return config.clone();
    }
    let resource = |r: &ResourceConfig| ResourceConfig {
        attributes: r
            .attributes
            .iter()
            .map(|(k, e)| (k.clone(), substitute_expr(e, values)))
            .collect(),
        depends_on: r
            .depends_on
            .iter()
            .filter(|a| a.data_type().is_none())
            .cloned()
            .collect(),
        ..r.clone()
    };
    Config {
        resources: config.resources.iter().map(resource).collect(),
        data: config.data.clone(),
        outputs: config
            .outputs
            .iter()
            .map(|(k, o)| {
                let value = substitute_expr(&o.value, values);
                (k.clone(), OutputConfig { value, ..o.clone() })
            })
            .collect(),
        moves: config.moves.clone(),
        imports: config.imports.clone(),
    }
}

/// `e` with its references to data sources replaced.
pub fn substitute_expr(e: &Expr, values: &DataValues) -> Expr {
    let s = |x: &Expr| substitute_expr(x, values);
    let b = |x: &Expr| Box::new(substitute_expr(x, values));
    match e {
        Expr::Value(_) => e.clone(),
        Expr::Ref(r) => match values.get(&r.address) {
            Some(read) => at_path(read, r),
            None => e.clone(),
        },
        Expr::Template(parts) => Expr::Template(
            parts
                .iter()
                .map(|p| match p {
                    Part::Ref(r) if values.contains_key(&r.address) => {
                        Part::Expr(Box::new(s(&Expr::Ref(r.clone()))))
                    }
                    Part::Expr(x) => Part::Expr(b(x)),
                    other => other.clone(),
                })
                .collect(),
        ),
        Expr::List(items) => Expr::List(items.iter().map(s).collect()),
        Expr::Map(m) => Expr::Map(m.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
        Expr::Call(name, args) => Expr::Call(name.clone(), args.iter().map(s).collect()),
        Expr::Unary(op, x) => Expr::Unary(*op, b(x)),
        Expr::Binary(op, x, y) => Expr::Binary(*op, b(x), b(y)),
        Expr::Conditional(c, t, f) => Expr::Conditional(b(c), b(t), b(f)),
        Expr::Index(x, k) => Expr::Index(b(x), b(k)),
        Expr::Try(options) => Expr::Try(options.iter().map(s).collect()),
    }
}

/// What a reference into a data source stands for: the value at its path (null where the
/// data source read nothing there, as a resource's absent attribute), or the computing
/// expression indexed by it.
fn at_path(read: &Expr, r: &Reference) -> Expr {
    match read {
        Expr::Value(v) => Expr::Value(v.get_path(&r.path).unwrap_or(Value::Null)),
        computed => computed.clone().indexed(&r.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_model::PathSeg;

    fn reference(address: &str, path: &[&str]) -> Expr {
        Expr::Ref(Reference {
            address: address
                .parse()
                .unwrap_or_else(|_| Address::new("bad", "address")),
            path: path.iter().map(|p| PathSeg::Key(p.to_string())).collect(),
        })
    }

    #[test]
    fn references_to_data_become_what_was_read() {
        let values: DataValues = [(
            Address::data("aws_vpc", "main"),
            Expr::Value(Value::map([
                ("id", Value::string("vpc-1")),
                ("tags", Value::map([("Name", Value::string("main"))])),
            ])),
        )]
        .into_iter()
        .collect();
        let check = |e: Expr, expected: Expr| assert_eq!(substitute_expr(&e, &values), expected);
        check(
            reference("data.aws_vpc.main", &["id"]),
            Expr::Value(Value::string("vpc-1")),
        );
        check(
            reference("data.aws_vpc.main", &["tags", "Name"]),
            Expr::Value(Value::string("main")),
        );
        check(
            reference("data.aws_vpc.main", &["missing"]),
            Expr::Value(Value::Null),
        );
        check(
            reference("aws_vpc.other", &["id"]),
            reference("aws_vpc.other", &["id"]),
        );
        let call = Expr::Call(
            "upper".into(),
            vec![reference("data.aws_vpc.main", &["id"])],
        );
        assert_eq!(
            substitute_expr(&call, &values).eval(&|_| Ok(Value::Unknown)),
            Ok(Value::string("VPC-1"))
        );
    }
}
