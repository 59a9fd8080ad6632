//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet` and `cidrsubnets`.

use super::{Args, CallError, Outcome};
use crate::value::Value;

/// An IP network: its address (host bits zero), prefix length and address size (32 or 128).
#[derive(Clone, Copy, Debug)]
struct Net {
    addr: u128,
    len: u32,
    bits: u32,
}

impl Net {
    fn full(bits: u32) -> u128 {
        if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        }
    }

    fn host_mask(bits: u32, len: u32) -> u128 {
        if len >= bits {
            0
        } else {
            Net::full(bits) >> len
        }
    }

    fn net_mask(bits: u32, len: u32) -> u128 {
        Net::full(bits) & !Net::host_mask(bits, len)
    }

    fn contains(&self, ip: u128) -> bool {
        ip & Net::net_mask(self.bits, self.len) == self.addr
    }

    fn show(&self) -> String {
        format!("{}/{}", format_ip(self.addr, self.bits), self.len)
    }

    /// The subnet of prefix `len` that follows this one (Go's `cidr.NextSubnet`), and
    /// whether the address space rolled over.
    fn next(&self, len: u32) -> (Net, bool) {
        let last = self.addr | Net::host_mask(self.bits, self.len);
        let containing = last & Net::net_mask(self.bits, len);
        let next =
            (containing | Net::host_mask(self.bits, len)).wrapping_add(1) & Net::full(self.bits);
        let net = Net {
            addr: next & Net::net_mask(self.bits, len),
            len,
            bits: self.bits,
        };
        (net, next == 0)
    }
}

/// Parses `address/length` as Terraform does (IPv4 octets may have leading zeros).
fn parse_cidr(s: &str) -> Result<Net, String> {
    let invalid = || format!("invalid CIDR address: {s}");
    let (ip, len) = s.split_once('/').ok_or_else(invalid)?;
    let (addr, bits) = match parse_ipv4(ip) {
        Some(v4) => (u128::from(v4), 32),
        None => (
            u128::from(ip.parse::<std::net::Ipv6Addr>().map_err(|_| invalid())?),
            128,
        ),
    };
    let len = decimal(len).filter(|n| *n <= bits).ok_or_else(invalid)?;
    Ok(Net {
        addr: addr & Net::net_mask(bits, len),
        len,
        bits,
    })
}

/// A short run of decimal digits, as Go's `dtoi` reads one.
fn decimal(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_ipv4(s: &str) -> Option<u32> {
    let mut addr = 0u32;
    let mut parts = 0;
    for part in s.split('.') {
        let octet = decimal(part).filter(|n| *n <= 255)?;
        addr = (addr << 8) | octet;
        parts += 1;
    }
    (parts == 4).then_some(addr)
}

/// An address as Go writes it: dotted IPv4 (also for IPv4-mapped IPv6), or IPv6 with the
/// longest run of zero groups shortened to `::`.
fn format_ip(addr: u128, bits: u32) -> String {
    if bits == 32 || addr >> 32 == 0xffff {
        let v4 = u32::try_from(addr & 0xffff_ffff).unwrap_or(0);
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    let groups: Vec<u16> = (0..8u32)
        .map(|i| u16::try_from((addr >> (112 - 16 * i)) & 0xffff).unwrap_or(0))
        .collect();
    let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
    for (i, g) in groups.iter().enumerate() {
        if *g == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best, best_len) = (run, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    let join = |gs: &[u16]| {
        gs.iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len < 2 {
        return join(&groups);
    }
    let head = groups.get(..best).unwrap_or(&[]);
    let tail = groups.get(best + best_len..).unwrap_or(&[]);
    format!("{}::{}", join(head), join(tail))
}

fn network(a: &Args, i: usize) -> Result<Net, CallError> {
    parse_cidr(&a.string(i)?).map_err(|e| a.fail(i, format!("invalid CIDR expression: {e}")))
}

fn whole_i128(a: &Args, i: usize) -> Result<i128, CallError> {
    a.number(i)?
        .integer()
        .ok_or_else(|| a.fail(i, "value must be a whole number"))
}

/// `cidrhost(prefix, hostnum)`: a negative host number counts back from the last address.
pub(super) fn cidrhost(a: &Args) -> Outcome {
    let net = network(a, 0)?;
    let num = whole_i128(a, 1)?;
    let max = Net::host_mask(net.bits, net.len);
    let host = if num >= 0 {
        u128::try_from(num).ok().filter(|h| *h <= max)
    } else {
        num.checked_neg()
            .and_then(|n| u128::try_from(n - 1).ok())
            .filter(|back| *back <= max)
            .map(|back| max - back)
    };
    let host = host.ok_or_else(|| {
        CallError::Failed(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.len
        ))
    })?;
    Ok(Value::String(format_ip(net.addr | host, net.bits)))
}

pub(super) fn cidrnetmask(a: &Args) -> Outcome {
    let net = network(a, 0)?;
    if net.bits != 32 {
        return Err(CallError::Failed(format!(
            "IPv6 addresses cannot have a netmask: {}",
            a.string(0)?
        )));
    }
    Ok(Value::String(format_ip(Net::net_mask(32, net.len), 32)))
}

pub(super) fn cidrsubnet(a: &Args) -> Outcome {
    let net = network(a, 0)?;
    let newbits = a.integer(1)?;
    let netnum = whole_i128(a, 2)?;
    let insufficient = || {
        CallError::Failed(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.len
        ))
    };
    let extension = u32::try_from(newbits).map_err(|_| a.fail(1, "must not be negative"))?;
    let len = net
        .len
        .checked_add(extension)
        .filter(|l| *l <= net.bits)
        .ok_or_else(insufficient)?;
    let max = Net::host_mask(128, 128 - extension.min(128));
    let num = u128::try_from(netnum)
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            CallError::Failed(format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ))
        })?;
    let shifted = num.checked_shl(net.bits - len).unwrap_or(0);
    let subnet = Net {
        addr: net.addr | shifted,
        len,
        bits: net.bits,
    };
    Ok(Value::String(subnet.show()))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned after the previous.
pub(super) fn cidrsubnets(a: &Args) -> Outcome {
    let net = network(a, 0)?;
    let mut current: Option<Net> = None;
    let mut out = Vec::new();
    for i in 1..a.len() {
        let extension = a.integer(i)?;
        if extension < 1 {
            return Err(a.fail(i, "must extend prefix by at least one bit"));
        }
        if extension > 32 {
            return Err(a.fail(i, "may not extend prefix by more than 32 bits"));
        }
        let len = net.len + u32::try_from(extension).unwrap_or(32);
        if len > net.bits {
            let family = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(a.fail(
                i,
                format!(
                    "would extend prefix to {len} bits, which is too long for an {family} address"
                ),
            ));
        }
        // Before the first subnet: the one of its size just below the network.
        let previous = current.unwrap_or(Net {
            addr: net.addr.wrapping_sub(1) & Net::full(net.bits) & Net::net_mask(net.bits, len),
            len,
            bits: net.bits,
        });
        let (next, rolled_over) = previous.next(len);
        if rolled_over || !net.contains(next.addr) {
            return Err(a.fail(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                    previous.show()
                ),
            ));
        }
        out.push(Value::String(next.show()));
        current = Some(next);
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{args_of, check, fails};
    use crate::functions::{call, CallError};

    #[test]
    fn cidrhost() {
        check(
            "cidrhost",
            json!(["10.12.112.0/20", 16]),
            json!("10.12.112.16"),
        );
        check(
            "cidrhost",
            json!(["10.12.112.0/20", 268]),
            json!("10.12.113.12"),
        );
        check(
            "cidrhost",
            json!(["fd00:fd12:3456:7890:00a2::/72", 34]),
            json!("fd00:fd12:3456:7890::22"),
        );
        check("cidrhost", json!(["10.0.0.0/24", -1]), json!("10.0.0.255"));
        check("cidrhost", json!(["10.0.0.0/24", -256]), json!("10.0.0.0"));
        check(
            "cidrhost",
            json!(["010.000.000.000/8", 1]),
            json!("10.0.0.1"),
        );
        fails(
            "cidrhost",
            json!(["10.0.0.0/24", 256]),
            "prefix of 24 does not accommodate a host numbered 256",
        );
        fails(
            "cidrhost",
            json!(["10.0.0.0/24", -257]),
            "prefix of 24 does not accommodate a host numbered -257",
        );
    }

    #[test]
    fn cidrnetmask() {
        check(
            "cidrnetmask",
            json!(["172.16.0.0/12"]),
            json!("255.240.0.0"),
        );
        check(
            "cidrnetmask",
            json!(["10.0.0.0/32"]),
            json!("255.255.255.255"),
        );
        fails(
            "cidrnetmask",
            json!(["fd00::/8"]),
            "IPv6 addresses cannot have a netmask: fd00::/8",
        );
        fails(
            "cidrnetmask",
            json!(["10.0.0.0"]),
            "invalid CIDR expression: invalid CIDR address: 10.0.0.0",
        );
        fails(
            "cidrnetmask",
            json!(["10.0.0.0/33"]),
            "invalid CIDR address",
        );
        fails(
            "cidrnetmask",
            json!(["10.0.0.256/8"]),
            "invalid CIDR address",
        );
    }

    #[test]
    fn cidrsubnet() {
        check(
            "cidrsubnet",
            json!(["172.16.0.0/12", 4, 2]),
            json!("172.18.0.0/16"),
        );
        check(
            "cidrsubnet",
            json!(["10.1.2.0/24", 4, 15]),
            json!("10.1.2.240/28"),
        );
        check(
            "cidrsubnet",
            json!(["10.1.2.3/24", 0, 0]),
            json!("10.1.2.0/24"),
        );
        check(
            "cidrsubnet",
            json!(["fd00:fd12:3456:7890::/56", 16, 162]),
            json!("fd00:fd12:3456:7800:a200::/72"),
        );
        check("cidrsubnet", json!(["::/0", 128, 1]), json!("::1/128"));
        fails(
            "cidrsubnet",
            json!(["10.0.0.0/16", 28, 0]),
            "insufficient address space to extend prefix of 16 by 28",
        );
        fails(
            "cidrsubnet",
            json!(["10.0.0.0/16", 8, 300]),
            "prefix extension of 8 does not accommodate a subnet numbered 300",
        );
        fails(
            "cidrsubnet",
            json!(["10.0.0.0/16", 8, -1]),
            "does not accommodate a subnet numbered -1",
        );
        fails(
            "cidrsubnet",
            json!(["not-a-cidr", 8, 1]),
            "invalid CIDR expression: invalid CIDR address: not-a-cidr",
        );
        assert!(matches!(
            call("cidrsubnet", args_of(json!(["10.0.0.0/8", null, 1]))),
            Err(CallError::Argument { index: 2, .. })
        ));
    }

    #[test]
    fn cidrsubnets() {
        check(
            "cidrsubnets",
            json!(["10.1.0.0/16", 4, 4, 8, 4]),
            json!([
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]),
        );
        check(
            "cidrsubnets",
            json!(["fd00:fd12:3456:7890::/56", 16, 16, 16, 32]),
            json!([
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88"
            ]),
        );
        check(
            "cidrsubnets",
            json!(["10.0.0.0/8", 1, 1]),
            json!(["10.0.0.0/9", "10.128.0.0/9"]),
        );
        // As in Terraform: the subnet "before" 0.0.0.0 wraps around, which Go's
        // cidr.NextSubnet reports as running out of address space.
        fails(
            "cidrsubnets",
            json!(["0.0.0.0/0", 1, 1]),
            "not enough remaining address space",
        );
        check("cidrsubnets", json!(["10.0.0.0/8"]), json!([]));
        fails(
            "cidrsubnets",
            json!(["10.0.0.0/30", 1, 1, 1]),
            "not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31",
        );
        fails(
            "cidrsubnets",
            json!(["10.0.0.0/8", 0]),
            "must extend prefix by at least one bit",
        );
        fails(
            "cidrsubnets",
            json!(["10.0.0.0/8", 33]),
            "may not extend prefix by more than 32 bits",
        );
        fails(
            "cidrsubnets",
            json!(["10.0.0.0/24", 9]),
            "would extend prefix to 33 bits, which is too long for an IPv4 address",
        );
    }
}
