//! Terraform's built-in functions and expression operators, evaluated over [`Value`]s.
//!
//! [`call`] runs a function by name, [`binary`] and [`unary`] apply the operators, [`index`]
//! reads `base[key]` and [`condition`] decides a conditional. Names, argument order,
//! conversions, error cases and output formats are Terraform's; where a value has the wrong
//! type, the error says what was expected and what was found.
//!
//! Unknown values ("known after apply") propagate: a call, an operator or an index with an
//! unknown argument anywhere yields [`Value::Unknown`], except `length` of a list or map and
//! `keys` of a map, whose results do not depend on the unknown parts.
//!
//! Strings are measured as Terraform measures them, in user-perceived characters: a
//! character with its combining marks, variation selectors and emoji joiners counts once.
//! Terraform's sets are lists here, deduplicated and in Terraform's set order (strings
//! lexically, numbers numerically).
//!
//! `file`, `filebase64`, `filemd5`, `filebase64sha256`, `templatefile`, `try` and `can` are
//! evaluated by the stack loader: [`signature`] and [`names`] describe them, [`call`] refuses
//! them.

// One module per family of functions (and the operators); this one holds the public API, the
// function table and the argument conversions they all share.
mod collection;
mod convert;
mod encoding;
mod format;
mod hash;
mod network;
mod num;
mod numeric;
mod operators;
mod policy;
mod set;
mod string;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::value::Value;

pub use hash::digest;
pub use operators::{binary, condition, index, unary, BinaryOp, UnaryOp};

use collection::{
    alltrue, anytrue, chunklist, coalesce, coalescelist, compact, concat, contains, distinct,
    element, flatten, index_of, keys, length, lookup, merge, one, range, reverse, slice, sort,
    values, zipmap,
};
use convert::{tobool, tolist, tomap, tonumber, toset, tostring};
use encoding::{base64decode, base64encode, jsondecode, jsonencode, urlencode};
use format::{format_fn, formatlist};
use hash::{base64sha256, base64sha512, md5, sha1, sha256, sha512};
use network::{cidrhost, cidrnetmask, cidrsubnet, cidrsubnets};
use num::{parse_number, Num};
use numeric::{abs, ceil, floor, log, max, min, parseint, pow, signum, sum};
use set::{setintersection, setproduct, setsubtract, setunion};
use string::{
    chomp, endswith, indent, join, lower, regex, regexall, replace, split, startswith, strcontains,
    strrev, substr, title, trim, trimprefix, trimspace, trimsuffix, upper,
};

type Map = BTreeMap<String, Value>;
type Outcome = Result<Value, CallError>;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Why a call failed. Display gives the message without the signature.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error("there is no function `{0}`")]
    UnknownFunction(String),
    /// `expected` reads like "3 arguments" or "at least 1 argument".
    #[error("`{name}` takes {expected}, got {got}")]
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    /// `index` is 1-based.
    #[error("argument {index} of `{name}`: {message}")]
    Argument {
        name: String,
        index: usize,
        message: String,
    },
    #[error("{0}")]
    Failed(String),
}

/// Calls `name` with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>) -> Result<Value, CallError> {
    let func = find_function(name).ok_or_else(|| CallError::UnknownFunction(name.to_string()))?;
    let Some(imp) = func.imp else {
        return Err(CallError::Failed(format!(
            "`{}` is evaluated by the stack loader and cannot be called here",
            func.name()
        )));
    };
    if !func.arity.accepts(args.len()) {
        return Err(CallError::Arity {
            name: func.name().to_string(),
            expected: func.arity.describe(),
            got: args.len(),
        });
    }
    if !args.iter().all(Value::is_known) {
        return Ok(partially_known(func.name(), &args));
    }
    imp(&Args {
        name: func.name(),
        vals: args,
    })
}

/// `name(param type, ...) → type`, e.g.
/// "cidrsubnet(prefix string, newbits number, netnum number) → string"; `None` for an
/// unknown function.
pub fn signature(name: &str) -> Option<&'static str> {
    find_function(name).map(|f| f.signature)
}

/// Every function [`call`] knows (and those the loader evaluates), sorted; not the internal
/// ones, whose dotted names (`data.aws_iam_policy_document`) the parser never produces.
pub fn names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = FUNCTIONS
        .iter()
        .map(Function::name)
        .filter(|n| !n.contains('.'))
        .collect();
    out.sort_unstable();
    out
}

/// The result type's kind where it is fixed: "string", "number", "bool", "list" or "map";
/// `None` when it depends on the arguments (or for an unknown function).
pub fn returns(name: &str) -> Option<&'static str> {
    find_function(name).and_then(|f| f.returns)
}

// ---------------------------------------------------------------------------------------------
// The function table
// ---------------------------------------------------------------------------------------------

type Impl = fn(&Args) -> Outcome;

#[derive(Clone, Copy, Debug)]
enum Arity {
    Exact(usize),
    Between(usize, usize),
    AtLeast(usize),
}

impl Arity {
    fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exact(k) => n == k,
            Arity::Between(lo, hi) => (lo..=hi).contains(&n),
            Arity::AtLeast(lo) => n >= lo,
        }
    }

    fn describe(self) -> String {
        let count = |n: usize| format!("{n} argument{}", plural(n));
        match self {
            Arity::Exact(n) => count(n),
            Arity::Between(lo, hi) if hi == lo + 1 => format!("{lo} or {}", count(hi)),
            Arity::Between(lo, hi) => format!("{lo} to {}", count(hi)),
            Arity::AtLeast(n) => format!("at least {}", count(n)),
        }
    }
}

struct Function {
    /// `name(param type, ...) → type`.
    signature: &'static str,
    returns: Option<&'static str>,
    arity: Arity,
    /// `None` for the functions the stack loader evaluates.
    imp: Option<Impl>,
}

const STRING: Option<&str> = Some("string");
const NUMBER: Option<&str> = Some("number");
const BOOL: Option<&str> = Some("bool");
const LIST: Option<&str> = Some("list");
const MAP: Option<&str> = Some("map");
const ANY: Option<&str> = None;

const fn f(
    signature: &'static str,
    returns: Option<&'static str>,
    arity: Arity,
    imp: Impl,
) -> Function {
    Function {
        signature,
        returns,
        arity,
        imp: Some(imp),
    }
}

const fn loader(signature: &'static str, returns: Option<&'static str>, arity: Arity) -> Function {
    Function {
        signature,
        returns,
        arity,
        imp: None,
    }
}

use Arity::{AtLeast, Between, Exact};

/// Every function, sorted by name.
#[rustfmt::skip]
static FUNCTIONS: &[Function] = &[
    f("abs(number number) → number", NUMBER, Exact(1), abs),
    f("alltrue(list list) → bool", BOOL, Exact(1), alltrue),
    f("anytrue(list list) → bool", BOOL, Exact(1), anytrue),
    f("base64decode(string string) → string", STRING, Exact(1), base64decode),
    f("base64encode(string string) → string", STRING, Exact(1), base64encode),
    f("base64sha256(string string) → string", STRING, Exact(1), base64sha256),
    f("base64sha512(string string) → string", STRING, Exact(1), base64sha512),
    loader("can(expression) → bool", BOOL, Exact(1)),
    f("ceil(number number) → number", NUMBER, Exact(1), ceil),
    f("chomp(string string) → string", STRING, Exact(1), chomp),
    f("chunklist(list list, chunk_size number) → list", LIST, Exact(2), chunklist),
    f("cidrhost(prefix string, hostnum number) → string", STRING, Exact(2), cidrhost),
    f("cidrnetmask(prefix string) → string", STRING, Exact(1), cidrnetmask),
    f("cidrsubnet(prefix string, newbits number, netnum number) → string", STRING, Exact(3), cidrsubnet),
    f("cidrsubnets(prefix string, newbits... number) → list", LIST, AtLeast(1), cidrsubnets),
    f("coalesce(values... any) → any", ANY, AtLeast(1), coalesce),
    f("coalescelist(lists... list) → list", LIST, AtLeast(1), coalescelist),
    f("compact(list list) → list", LIST, Exact(1), compact),
    f("concat(lists... list) → list", LIST, AtLeast(1), concat),
    f("contains(list list, value any) → bool", BOOL, Exact(2), contains),
    f("data.aws_iam_policy_document(arguments map) → map", MAP, Exact(1), policy::aws_iam_policy_document),
    f("distinct(list list) → list", LIST, Exact(1), distinct),
    f("element(list list, index number) → any", ANY, Exact(2), element),
    f("endswith(string string, suffix string) → bool", BOOL, Exact(2), endswith),
    loader("file(path string) → string", STRING, Exact(1)),
    loader("filebase64(path string) → string", STRING, Exact(1)),
    loader("filebase64sha256(path string) → string", STRING, Exact(1)),
    loader("filemd5(path string) → string", STRING, Exact(1)),
    f("flatten(list list) → list", LIST, Exact(1), flatten),
    f("floor(number number) → number", NUMBER, Exact(1), floor),
    f("format(spec string, values... any) → string", STRING, AtLeast(1), format_fn),
    f("formatlist(spec string, values... any) → list", LIST, AtLeast(1), formatlist),
    f("indent(num_spaces number, string string) → string", STRING, Exact(2), indent),
    f("index(list list, value any) → number", NUMBER, Exact(2), index_of),
    f("join(separator string, lists... list) → string", STRING, AtLeast(1), join),
    f("jsondecode(string string) → any", ANY, Exact(1), jsondecode),
    f("jsonencode(value any) → string", STRING, Exact(1), jsonencode),
    f("keys(map map) → list", LIST, Exact(1), keys),
    f("length(value any) → number", NUMBER, Exact(1), length),
    f("log(number number, base number) → number", NUMBER, Exact(2), log),
    f("lookup(map map, key string, [default any]) → any", ANY, Between(2, 3), lookup),
    f("lower(string string) → string", STRING, Exact(1), lower),
    f("max(numbers... number) → number", NUMBER, AtLeast(1), max),
    f("md5(string string) → string", STRING, Exact(1), md5),
    f("merge(maps... map) → map", MAP, AtLeast(0), merge),
    f("min(numbers... number) → number", NUMBER, AtLeast(1), min),
    f("one(list list) → any", ANY, Exact(1), one),
    f("parseint(string string, base number) → number", NUMBER, Exact(2), parseint),
    f("pow(base number, exponent number) → number", NUMBER, Exact(2), pow),
    f("range([start number,] limit number[, step number]) → list", LIST, Between(1, 3), range),
    f("regex(pattern string, string string) → any", ANY, Exact(2), regex),
    f("regexall(pattern string, string string) → list", LIST, Exact(2), regexall),
    f("replace(string string, substring string, replacement string) → string", STRING, Exact(3), replace),
    f("reverse(list list) → list", LIST, Exact(1), reverse),
    f("setintersection(sets... list) → list", LIST, AtLeast(1), setintersection),
    f("setproduct(sets... list) → list", LIST, AtLeast(2), setproduct),
    f("setsubtract(a list, b list) → list", LIST, Exact(2), setsubtract),
    f("setunion(sets... list) → list", LIST, AtLeast(1), setunion),
    f("sha1(string string) → string", STRING, Exact(1), sha1),
    f("sha256(string string) → string", STRING, Exact(1), sha256),
    f("sha512(string string) → string", STRING, Exact(1), sha512),
    f("signum(number number) → number", NUMBER, Exact(1), signum),
    f("slice(list list, startindex number, endindex number) → list", LIST, Exact(3), slice),
    f("sort(list list) → list", LIST, Exact(1), sort),
    f("split(separator string, string string) → list", LIST, Exact(2), split),
    f("startswith(string string, prefix string) → bool", BOOL, Exact(2), startswith),
    f("strcontains(string string, substr string) → bool", BOOL, Exact(2), strcontains),
    f("strrev(string string) → string", STRING, Exact(1), strrev),
    f("substr(string string, offset number, length number) → string", STRING, Exact(3), substr),
    f("sum(list list) → number", NUMBER, Exact(1), sum),
    loader("templatefile(path string, vars map) → string", STRING, Exact(2)),
    f("title(string string) → string", STRING, Exact(1), title),
    f("tobool(value any) → bool", BOOL, Exact(1), tobool),
    f("tolist(value any) → list", LIST, Exact(1), tolist),
    f("tomap(value any) → map", MAP, Exact(1), tomap),
    f("tonumber(value any) → number", NUMBER, Exact(1), tonumber),
    f("toset(value any) → list", LIST, Exact(1), toset),
    f("tostring(value any) → string", STRING, Exact(1), tostring),
    f("trim(string string, str_character_set string) → string", STRING, Exact(2), trim),
    f("trimprefix(string string, prefix string) → string", STRING, Exact(2), trimprefix),
    f("trimspace(string string) → string", STRING, Exact(1), trimspace),
    f("trimsuffix(string string, suffix string) → string", STRING, Exact(2), trimsuffix),
    loader("try(expressions...) → any", ANY, AtLeast(1)),
    f("upper(string string) → string", STRING, Exact(1), upper),
    f("urlencode(string string) → string", STRING, Exact(1), urlencode),
    f("values(map map) → list", LIST, Exact(1), values),
    f("zipmap(keys list, values list) → map", MAP, Exact(2), zipmap),
];

impl Function {
    /// The name: the signature up to its parenthesis.
    fn name(&self) -> &'static str {
        let sig: &'static str = self.signature;
        sig.split_once('(').map_or(sig, |(name, _)| name)
    }
}

fn find_function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name() == name)
}

/// The result of a call whose arguments are not wholly known.
fn partially_known(name: &str, args: &[Value]) -> Value {
    match (name, args.first()) {
        ("length", Some(Value::List(items))) => count(items.len()),
        ("length", Some(Value::Map(m))) => count(m.len()),
        ("keys", Some(Value::Map(m))) => {
            Value::List(m.keys().cloned().map(Value::String).collect())
        }
        _ => Value::Unknown,
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments and conversions
// ---------------------------------------------------------------------------------------------

static NULL: Value = Value::Null;

/// The evaluated arguments of one call, with accessors that convert as Terraform does and
/// report errors against the argument's (1-based) position.
struct Args {
    name: &'static str,
    vals: Vec<Value>,
}

impl Args {
    fn len(&self) -> usize {
        self.vals.len()
    }

    /// Argument `i` (0-based); `Null` past the end (arity is checked before any call).
    fn get(&self, i: usize) -> &Value {
        self.vals.get(i).unwrap_or(&NULL)
    }

    /// The arguments from `i` on.
    fn rest(&self, i: usize) -> &[Value] {
        self.vals.get(i..).unwrap_or(&[])
    }

    /// An error about argument `i` (0-based).
    fn fail(&self, i: usize, message: impl Into<String>) -> CallError {
        CallError::Argument {
            name: self.name.to_string(),
            index: i + 1,
            message: message.into(),
        }
    }

    fn given(&self, i: usize) -> Result<&Value, CallError> {
        match self.get(i) {
            Value::Null => Err(self.fail(i, "argument must not be null")),
            v => Ok(v),
        }
    }

    fn string(&self, i: usize) -> Result<String, CallError> {
        to_text(self.given(i)?).map_err(|m| self.fail(i, m))
    }

    fn number(&self, i: usize) -> Result<Num, CallError> {
        to_number(self.given(i)?).map_err(|m| self.fail(i, m))
    }

    /// A whole number that fits 64 bits.
    fn integer(&self, i: usize) -> Result<i64, CallError> {
        whole(self.number(i)?).map_err(|m| self.fail(i, m))
    }

    fn list(&self, i: usize) -> Result<&[Value], CallError> {
        match self.given(i)? {
            Value::List(items) => Ok(items),
            other => Err(self.fail(i, mismatch("a list", other))),
        }
    }

    fn map(&self, i: usize) -> Result<&Map, CallError> {
        match self.given(i)? {
            Value::Map(m) => Ok(m),
            other => Err(self.fail(i, mismatch("a map", other))),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn count(n: usize) -> Value {
    Value::Number(serde_json::Number::from(n as u64))
}

/// How a value is named in "expected ..., found ..." messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "a bool".to_string(),
        Value::Number(_) => "a number".to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".to_string(),
        Value::List(_) => "a list".to_string(),
        Value::Map(_) => "a map".to_string(),
        Value::Unknown => "an unknown value".to_string(),
    }
}

fn mismatch(expected: &str, found: &Value) -> String {
    format!("expected {expected}, found {}", describe(found))
}

/// A string where a string is expected: numbers and bools convert.
fn to_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(Num::of(n).text()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(mismatch("a string", other)),
    }
}

/// A number where a number is expected: numeric strings convert.
fn to_number(v: &Value) -> Result<Num, String> {
    match v {
        Value::Number(n) => Ok(Num::of(n)),
        Value::String(s) => parse_number(s).ok_or_else(|| mismatch("a number", v)),
        other => Err(mismatch("a number", other)),
    }
}

/// A bool where a bool is expected: "true" and "false" (and "1" and "0") convert.
fn to_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => {
                let hint = match other.to_lowercase().as_str() {
                    "true" => "; to convert from string, use lowercase \"true\"",
                    "false" => "; to convert from string, use lowercase \"false\"",
                    _ => "",
                };
                Err(format!("{}{hint}", mismatch("a bool", v)))
            }
        },
        other => Err(mismatch("a bool", other)),
    }
}

fn whole(n: Num) -> Result<i64, String> {
    match n.integer() {
        None => Err("value must be a whole number".to_string()),
        Some(i) => i64::try_from(i).map_err(|_| {
            format!(
                "value must be a whole number, between {} and {}",
                i64::MIN,
                i64::MAX
            )
        }),
    }
}

/// Deep equality as `==` sees it: no conversions, numbers by value.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Num::of(x).compare(Num::of(y)) == Ordering::Equal,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && equal(v1, v2))
        }
        _ => a == b,
    }
}

/// The common element type Terraform finds for a list, set or map: mixed primitives become
/// strings; a collection never mixes with other kinds.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Unified {
    AsIs,
    Strings,
}

fn unify<'a>(items: impl IntoIterator<Item = &'a Value>) -> Option<Unified> {
    let (mut s, mut n, mut b, mut l, mut m) = (false, false, false, false, false);
    for v in items {
        match v {
            Value::String(_) => s = true,
            Value::Number(_) => n = true,
            Value::Bool(_) => b = true,
            Value::List(_) => l = true,
            Value::Map(_) => m = true,
            Value::Null | Value::Unknown => {}
        }
    }
    let primitives = [s, n, b].iter().filter(|x| **x).count();
    match (l as usize + m as usize, primitives) {
        (0, p) if p > 1 => Some(Unified::Strings),
        (0, _) | (1, 0) => Some(Unified::AsIs),
        _ => None,
    }
}

fn unified(u: Unified, v: &Value) -> Value {
    match (u, v) {
        (Unified::Strings, Value::Number(_) | Value::Bool(_)) => {
            Value::String(to_text(v).unwrap_or_default())
        }
        _ => v.clone(),
    }
}

/// A list argument with its elements converted to their common type.
fn list_unified(a: &Args, i: usize) -> Result<Vec<Value>, CallError> {
    let items = a.list(i)?;
    let u = unify(items).ok_or_else(|| a.fail(i, "all list elements must have the same type"))?;
    Ok(items.iter().map(|v| unified(u, v)).collect())
}

#[cfg(test)]
mod test_support {
    //! Helpers shared by the tests of every family.

    use super::call;
    use crate::value::Value;

    pub(super) fn v(j: serde_json::Value) -> Value {
        Value::from_json(j)
    }

    /// The arguments of a call, from a JSON array.
    pub(super) fn args_of(j: serde_json::Value) -> Vec<Value> {
        match v(j) {
            Value::List(items) => items,
            other => vec![other],
        }
    }

    #[track_caller]
    pub(super) fn check(name: &str, args: serde_json::Value, expected: serde_json::Value) {
        let shown = args.to_string();
        assert_eq!(
            call(name, args_of(args)),
            Ok(v(expected)),
            "{name}({shown})"
        );
    }

    #[track_caller]
    pub(super) fn fails(name: &str, args: serde_json::Value, message_part: &str) {
        let shown = args.to_string();
        match call(name, args_of(args)) {
            Ok(got) => panic!("{name}({shown}) gave {got}, expected an error"),
            Err(e) => assert!(
                e.to_string().contains(message_part),
                "{name}({shown}): {e:?} does not mention {message_part:?}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::test_support::{args_of, check, fails};
    use super::*;

    #[test]
    fn arguments_convert() {
        check("upper", json!([5]), json!("5"));
        check("startswith", json!([true, "t"]), json!(true));
        check("abs", json!(["-3"]), json!(3));
        check("pow", json!(["2", "3"]), json!(8));
        check("md5", json!([1]), json!("c4ca4238a0b923820dcc509a6f75849b"));
        fails("upper", json!([null]), "argument must not be null");
        fails("upper", json!([[1]]), "expected a string, found a list");
    }

    #[test]
    fn arity_and_unknown_functions() {
        let arity = |name: &str, args: serde_json::Value| match call(name, args_of(args)) {
            Err(CallError::Arity { expected, got, .. }) => format!("{expected}/{got}"),
            other => format!("{other:?}"),
        };
        assert_eq!(arity("upper", json!([])), "1 argument/0");
        assert_eq!(arity("cidrsubnet", json!(["a"])), "3 arguments/1");
        assert_eq!(arity("lookup", json!([{}])), "2 or 3 arguments/1");
        assert_eq!(arity("range", json!([])), "1 to 3 arguments/0");
        assert_eq!(arity("concat", json!([])), "at least 1 argument/0");
        assert_eq!(
            call("upper", vec![]).map_err(|e| e.to_string()),
            Err("`upper` takes 1 argument, got 0".to_string())
        );
        assert_eq!(
            call("nope", vec![]),
            Err(CallError::UnknownFunction("nope".to_string()))
        );
        fails("file", json!(["x"]), "stack loader");
        fails("try", json!([1]), "stack loader");
        assert_eq!(
            call("upper", vec![Value::Null]).map_err(|e| e.to_string()),
            Err("argument 1 of `upper`: argument must not be null".to_string())
        );
    }

    #[test]
    fn unknown_values_propagate() {
        let unknown_list = Value::List(vec![Value::from("a"), Value::Unknown]);
        let unknown_map = Value::map([("a", Value::Unknown), ("b", Value::from(1))]);
        assert_eq!(call("upper", vec![Value::Unknown]), Ok(Value::Unknown));
        assert_eq!(
            call("join", vec![",".into(), unknown_list.clone()]),
            Ok(Value::Unknown)
        );
        assert_eq!(
            call("format", vec!["%s-%s".into(), "a".into(), Value::Unknown]),
            Ok(Value::Unknown)
        );
        assert_eq!(
            call("merge", vec![Value::map([("x", unknown_map.clone())])]),
            Ok(Value::Unknown)
        );
        assert_eq!(
            call("values", vec![unknown_map.clone()]),
            Ok(Value::Unknown)
        );
        // The exceptions: a known number of elements, known keys.
        assert_eq!(call("length", vec![unknown_list]), Ok(Value::from(2)));
        assert_eq!(
            call("length", vec![unknown_map.clone()]),
            Ok(Value::from(2))
        );
        assert_eq!(call("length", vec![Value::Unknown]), Ok(Value::Unknown));
        assert_eq!(
            call("keys", vec![unknown_map]),
            Ok(Value::List(vec!["a".into(), "b".into()]))
        );
        // Arity is still checked.
        assert!(matches!(
            call("upper", vec![Value::Unknown, Value::Unknown]),
            Err(CallError::Arity { .. })
        ));
    }

    #[test]
    fn names_and_signatures_agree() {
        let all = names();
        assert!(
            all.windows(2).all(|w| w[0] < w[1]),
            "names are sorted and unique"
        );
        let table: Vec<&str> = FUNCTIONS
            .iter()
            .map(Function::name)
            .filter(|n| !n.contains('.'))
            .collect();
        assert_eq!(table, all, "the table is kept sorted");
        for name in &all {
            let sig = signature(name).unwrap_or_default();
            assert!(sig.starts_with(&format!("{name}(")), "{sig}");
            let result = returns(name).unwrap_or("any");
            assert!(sig.ends_with(&format!(") → {result}")), "{sig} vs {result}");
            assert!(
                !matches!(call(name, vec![]), Err(CallError::UnknownFunction(_))),
                "{name} is callable"
            );
        }
        assert_eq!(
            signature("cidrsubnet"),
            Some("cidrsubnet(prefix string, newbits number, netnum number) → string")
        );
        assert_eq!(signature("file"), Some("file(path string) → string"));
        assert_eq!(
            signature("templatefile"),
            Some("templatefile(path string, vars map) → string")
        );
        assert_eq!(signature("try"), Some("try(expressions...) → any"));
        assert_eq!(signature("can"), Some("can(expression) → bool"));
        assert_eq!(signature("nope"), None);
        assert_eq!(returns("jsondecode"), None);
        assert_eq!(returns("lookup"), None);
        assert_eq!(returns("min"), Some("number"));
        assert_eq!(returns("nope"), None);
    }

    #[test]
    fn every_required_function_exists() {
        let required = "cidrsubnet cidrsubnets cidrhost cidrnetmask jsonencode jsondecode format \
            formatlist join split replace regex regexall lower upper title trimspace trim \
            trimprefix trimsuffix startswith endswith strrev substr indent chomp length concat \
            merge lookup keys values element index contains coalesce coalescelist compact \
            flatten distinct sort reverse slice range zipmap chunklist one alltrue anytrue sum \
            setunion setintersection setsubtract setproduct tostring tonumber tobool toset \
            tolist tomap min max abs ceil floor pow log signum parseint base64encode \
            base64decode base64sha256 base64sha512 sha1 sha256 sha512 md5 urlencode file \
            templatefile filemd5 filebase64sha256 filebase64 try can";
        let all = names();
        for name in required.split_whitespace() {
            assert!(all.contains(&name), "{name} is missing");
        }
        assert!(!all.contains(&"uuid") && !all.contains(&"timestamp"));
    }
}
