//! [`Num`], the number functions and operators compute with (exact integers where they can),
//! and [`parse_number`], Terraform's conversion of a string to a number.

use std::cmp::Ordering;

use crate::value::Value;

/// A number while computing: exact integers, or floats.
#[derive(Clone, Copy, Debug)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

/// Integral floats below this magnitude (2^64) are integers.
const INTEGRAL_LIMIT: f64 = 18_446_744_073_709_551_616.0;

/// Integers below this magnitude (2^53) convert to floats exactly.
const EXACT_FLOAT: u128 = 1 << 53;

impl Num {
    pub(super) fn of(n: &serde_json::Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::Int(i128::from(i))
        } else if let Some(u) = n.as_u64() {
            Num::Int(i128::from(u))
        } else {
            Num::float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    pub(super) fn float(f: f64) -> Num {
        if f.is_finite() && f.fract() == 0.0 && f.abs() < INTEGRAL_LIMIT {
            Num::Int(f as i128)
        } else {
            Num::Float(f)
        }
    }

    pub(super) fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// The exact integer, if the number is one.
    pub(super) fn integer(self) -> Option<i128> {
        match self {
            Num::Int(i) => Some(i),
            Num::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38 => Some(f as i128),
            Num::Float(_) => None,
        }
    }

    /// The value: an integer when integral and within 64 bits, else a float.
    pub(super) fn value(self) -> Result<Value, String> {
        match self {
            Num::Int(i) => {
                if let Ok(small) = i64::try_from(i) {
                    Ok(Value::Number(small.into()))
                } else if let Ok(big) = u64::try_from(i) {
                    Ok(Value::Number(big.into()))
                } else {
                    serde_json::Number::from_f64(i as f64)
                        .map(Value::Number)
                        .ok_or_else(|| "the result is not a finite number".to_string())
                }
            }
            Num::Float(f) => match Num::float(f) {
                Num::Int(i) => Num::Int(i).value(),
                Num::Float(f) => serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| "the result is not a finite number".to_string()),
            },
        }
    }

    /// The number as Terraform writes it into a string: no exponent, no trailing ".0".
    pub(super) fn text(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => match Num::float(f) {
                Num::Int(i) => i.to_string(),
                Num::Float(f) => f.to_string(),
            },
        }
    }

    pub(super) fn compare(self, other: Num) -> Ordering {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            _ => self
                .to_f64()
                .partial_cmp(&other.to_f64())
                .unwrap_or(Ordering::Equal),
        }
    }

    pub(super) fn is_zero(self) -> bool {
        match self {
            Num::Int(i) => i == 0,
            Num::Float(f) => f == 0.0,
        }
    }

    pub(super) fn neg(self) -> Num {
        match self {
            Num::Int(i) => i.checked_neg().map_or(Num::Float(-(i as f64)), Num::Int),
            Num::Float(f) => Num::float(-f),
        }
    }

    pub(super) fn abs(self) -> Num {
        match self {
            Num::Int(i) => i
                .checked_abs()
                .map_or(Num::Float((i as f64).abs()), Num::Int),
            Num::Float(f) => Num::float(f.abs()),
        }
    }

    /// The number as an integer scaled by 10^k, when its shortest decimal form is short.
    /// Arithmetic on those is exact, as on Terraform's arbitrary-precision numbers
    /// (0.1 + 0.2 is 0.3).
    fn scaled(self) -> Option<(i128, u32)> {
        match self {
            Num::Int(i) => Some((i, 0)),
            Num::Float(f) => {
                let text = f.to_string();
                let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
                let k = u32::try_from(frac.len()).ok().filter(|k| *k <= 15)?;
                format!("{int}{frac}").parse::<i128>().ok().map(|i| (i, k))
            }
        }
    }

    /// Both numbers scaled by the same power of ten.
    fn common_scale(self, other: Num) -> Option<(i128, i128, u32)> {
        let (a, ka) = self.scaled()?;
        let (b, kb) = other.scaled()?;
        let k = ka.max(kb);
        let a = a.checked_mul(10i128.checked_pow(k - ka)?)?;
        let b = b.checked_mul(10i128.checked_pow(k - kb)?)?;
        Some((a, b, k))
    }

    /// `r / 10^k` as a number, when that is exact enough.
    fn unscaled(r: i128, k: u32) -> Option<Num> {
        (r.unsigned_abs() < EXACT_FLOAT && k <= 22).then(|| {
            let exp = i32::try_from(k).unwrap_or(22);
            Num::float(r as f64 / 10f64.powi(exp))
        })
    }

    /// Addition-like operations: exact on integers and short decimals, else on floats.
    fn combine(
        self,
        other: Num,
        int_op: fn(i128, i128) -> Option<i128>,
        float_op: fn(f64, f64) -> f64,
    ) -> Num {
        if let (Num::Int(a), Num::Int(b)) = (self, other) {
            if let Some(r) = int_op(a, b) {
                return Num::Int(r);
            }
        } else if let Some(n) = self
            .common_scale(other)
            .and_then(|(a, b, k)| Num::unscaled(int_op(a, b)?, k))
        {
            return n;
        }
        Num::float(float_op(self.to_f64(), other.to_f64()))
    }

    pub(super) fn add(self, other: Num) -> Num {
        self.combine(other, i128::checked_add, |a, b| a + b)
    }

    pub(super) fn sub(self, other: Num) -> Num {
        self.combine(other, i128::checked_sub, |a, b| a - b)
    }

    pub(super) fn mul(self, other: Num) -> Num {
        if let (Num::Int(a), Num::Int(b)) = (self, other) {
            if let Some(r) = a.checked_mul(b) {
                return Num::Int(r);
            }
        } else if let Some(n) = self
            .scaled()
            .zip(other.scaled())
            .and_then(|((a, ka), (b, kb))| Num::unscaled(a.checked_mul(b)?, ka + kb))
        {
            return n;
        }
        Num::float(self.to_f64() * other.to_f64())
    }

    /// Division: an integer when it divides exactly (10 / 5 = 2), else a float (10 / 4 = 2.5).
    pub(super) fn div(self, other: Num) -> Result<Num, String> {
        if other.is_zero() {
            return Err("division by zero".to_string());
        }
        if let Some((a, b, _)) = self.common_scale(other) {
            if let (Some(0), Some(q)) = (a.checked_rem(b), a.checked_div(b)) {
                return Ok(Num::Int(q));
            }
            if a.unsigned_abs() < EXACT_FLOAT && b.unsigned_abs() < EXACT_FLOAT {
                return Ok(Num::float(a as f64 / b as f64));
            }
        }
        Ok(Num::float(self.to_f64() / other.to_f64()))
    }

    /// The remainder of truncating division: its sign is the dividend's.
    pub(super) fn rem(self, other: Num) -> Result<Num, String> {
        if other.is_zero() {
            return Err("modulo by zero".to_string());
        }
        if let Some((a, b, k)) = self.common_scale(other) {
            if let Some(n) = a.checked_rem(b).and_then(|r| Num::unscaled(r, k)) {
                return Ok(n);
            }
        }
        Ok(Num::float(self.to_f64() % other.to_f64()))
    }
}

/// Parses a decimal number as Terraform converts a string: an optional sign, digits with an
/// optional fraction, and an optional exponent.
pub(super) fn parse_number(s: &str) -> Option<Num> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (body.get(..at)?, Some(body.get(at + 1..)?)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    if exponent.is_none() && !mantissa.contains('.') {
        if let Ok(i) = s.strip_prefix('+').unwrap_or(s).parse::<i128>() {
            return Some(Num::Int(i));
        }
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then(|| Num::float(f))
}
