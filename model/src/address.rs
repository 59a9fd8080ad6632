//! Resource addresses: `<type>.<name>`, `<type>.<name>[<key>]`, `module.<m>.<type>.<name>`.

use std::fmt;
use std::str::FromStr;

/// The key of one `for_each` instance.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Str(String),
    Int(u64),
}

/// Where a resource lives in a stack. Ordered, hashable and printable in its canonical form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// Enclosing module names, outermost first (empty at the root of the stack).
    pub module: Vec<String>,
    /// Resource type, e.g. `aws_vpc`.
    pub rtype: String,
    /// Name given in the stack, e.g. `main`.
    pub name: String,
    /// `for_each` key, if the resource is an instance.
    pub key: Option<InstanceKey>,
}

/// The prefix of a data source's type in its address: `data.aws_vpc.main` has the type
/// `data.aws_vpc`.
pub const DATA_PREFIX: &str = "data.";

impl Address {
    pub fn new(rtype: impl Into<String>, name: impl Into<String>) -> Self {
        Address {
            module: Vec::new(),
            rtype: rtype.into(),
            name: name.into(),
            key: None,
        }
    }

    /// The address of the data source `[data.<dtype>.<name>]`.
    pub fn data(dtype: &str, name: impl Into<String>) -> Self {
        Address::new(format!("{DATA_PREFIX}{dtype}"), name)
    }

    /// For a data source, its type (`aws_vpc` of `data.aws_vpc.main`).
    pub fn data_type(&self) -> Option<&str> {
        self.rtype.strip_prefix(DATA_PREFIX)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module {
            write!(f, "module.{m}.")?;
        }
        write!(f, "{}.{}", self.rtype, self.name)?;
        match &self.key {
            None => Ok(()),
            Some(InstanceKey::Int(n)) => write!(f, "[{n}]"),
            Some(InstanceKey::Str(s)) => write!(f, "[{s:?}]"),
        }
    }
}

/// Why a string is not an address.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid resource address {input:?}: {reason}")]
pub struct AddressParseError {
    pub input: String,
    pub reason: &'static str,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| AddressParseError {
            input: input.to_string(),
            reason,
        };
        let (body, key) = match input.find('[') {
            Some(open) => {
                let close = input
                    .strip_suffix(']')
                    .ok_or_else(|| err("an instance key must end with `]`"))?;
                let raw = &close[open + 1..];
                let key = if let Some(s) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                    InstanceKey::Str(s.to_string())
                } else if let Ok(n) = raw.parse::<u64>() {
                    InstanceKey::Int(n)
                } else if is_ident(raw) {
                    InstanceKey::Str(raw.to_string())
                } else {
                    return Err(err(
                        "an instance key is a number, a name or a quoted string",
                    ));
                };
                (&input[..open], Some(key))
            }
            None => (input, None),
        };
        let parts: Vec<&str> = body.split('.').collect();
        let mut module = Vec::new();
        let mut i = 0;
        while parts.len() - i > 2 && !(parts.len() - i == 3 && parts[i] == "data") {
            if parts[i] != "module" {
                return Err(err("expected `module.<name>.` before the resource type"));
            }
            let m = parts[i + 1];
            if !is_ident(m) {
                return Err(err("a module name is letters, digits, `_` and `-`"));
            }
            module.push(m.to_string());
            i += 2;
        }
        let data = parts.len() - i == 3 && parts[i] == "data";
        if data {
            i += 1;
        } else if parts.len() - i != 2 {
            return Err(err("expected `<type>.<name>`"));
        }
        let (rtype, name) = (parts[i], parts[i + 1]);
        if !is_ident(rtype) || !is_ident(name) {
            return Err(err("type and name are letters, digits, `_` and `-`"));
        }
        let rtype = match data {
            true => format!("{DATA_PREFIX}{rtype}"),
            false => rtype.to_string(),
        };
        Ok(Address {
            module,
            rtype,
            name: name.to_string(),
            key,
        })
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, ()>) {
        match (input.parse::<Address>(), expected) {
            (Ok(a), Ok(shown)) => assert_eq!(a.to_string(), shown, "{input}"),
            (Err(_), Err(())) => {}
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parse_and_display() {
        check("aws_vpc.main", Ok("aws_vpc.main"));
        check("aws_subnet.public[\"a\"]", Ok("aws_subnet.public[\"a\"]"));
        check("aws_subnet.public[a]", Ok("aws_subnet.public[\"a\"]"));
        check("aws_subnet.public[3]", Ok("aws_subnet.public[3]"));
        check("module.net.aws_vpc.main", Ok("module.net.aws_vpc.main"));
        check("data.aws_vpc.main", Ok("data.aws_vpc.main"));
        check(
            "module.net.data.aws_vpc.main",
            Ok("module.net.data.aws_vpc.main"),
        );
        assert_eq!(
            "data.aws_vpc.main"
                .parse::<Address>()
                .ok()
                .as_ref()
                .and_then(Address::data_type),
            Some("aws_vpc")
        );
        check("aws_vpc", Err(()));
        check("foo.aws_vpc.main", Err(()));
        check("aws_vpc.main[", Err(()));
    }
}
