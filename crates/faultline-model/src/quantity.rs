//! Exact Kubernetes resource quantities (`resource.Quantity`).
//!
//! Parsing follows `ParseQuantity` in `k8s.io/apimachinery/pkg/api/resource`
//! (`quantity.go` and `suffix.go`) rather than its documented grammar, because
//! the API server accepts exactly what that function accepts. Where the two
//! differ, [`Quantity::parse`] follows the function and
//! [`Quantity::parse_strict`] additionally insists on the documented grammar's
//! digits, so a rule can flag values such as `Gi` that the server silently
//! reads as zero.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// Kubernetes caps binary-suffixed quantities (`Ki`…`Ei`) at `2^63 - 1`
/// without reporting anything; decimal ones are not capped.
const BINARY_CAP_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;

/// Characters the Kubernetes scanner accepts at the start of a suffix.
const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

/// A resource quantity held exactly as a signed count of nano-units.
///
/// Kubernetes keeps at most nano precision (finer non-zero values are rounded
/// away from zero to the next nano, so `1e-10` is `1n`), which makes an integer
/// count of nanos lossless for every value it can store. An `i128` covers
/// magnitudes up to about `1.7e29`; anything beyond is rejected at parse time
/// rather than approximated, so equality, ordering and sums are exact.
///
/// The suffix family the value was written with is not kept: `1Gi` and
/// `1073741824` are the same quantity, as `Quantity.Cmp` says in Kubernetes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    nanos: i128,
}

/// Why a string is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityError {
    /// The string is empty; Kubernetes rejects `""`.
    Empty,
    /// A character that cannot appear where it stands (`1.5.5`, `1 Gi`).
    UnexpectedChar {
        /// The offending character.
        ch: char,
        /// Its byte offset in the input, for pointing at it.
        offset: usize,
    },
    /// A suffix that is none of the binary, decimal or exponent suffixes
    /// (`1Zi`, `1gi`, `1K`); suffixes are case-sensitive.
    UnknownSuffix(String),
    /// An `e`/`E` exponent that is not a signed 64-bit integer (`1e`, `1e+`).
    InvalidExponent(String),
    /// The number part has no digits. Kubernetes rejects this only for some
    /// suffixes (`Pi`, `Ei`, exponents below `e-9`) and reads the rest as zero;
    /// [`Quantity::parse_strict`] rejects it always.
    NoDigits,
    /// The value is valid in Kubernetes but too large to hold exactly here
    /// (magnitude above about `1.7e29`); only decimal suffixes can get there.
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("quantity is empty"),
            Self::UnexpectedChar { ch, offset } if ch.is_whitespace() => {
                write!(f, "unexpected whitespace at byte {offset}")
            }
            Self::UnexpectedChar { ch, offset } => {
                write!(f, "unexpected character `{ch}` at byte {offset}")
            }
            Self::UnknownSuffix(s) => write!(f, "unknown suffix `{s}`"),
            Self::InvalidExponent(s) => write!(f, "invalid exponent `{s}`"),
            Self::NoDigits => f.write_str("quantity has no digits"),
            Self::TooLarge => f.write_str("quantity is too large to represent exactly"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// How the suffix scales the number, as `suffix.go` interprets it.
#[derive(Clone, Copy)]
enum Scale {
    /// Multiply by `10^exp` (decimal SI and `e` exponents).
    Decimal(i32),
    /// Multiply by `2^exp` (binary SI); subject to the `2^63 - 1` cap.
    Binary(u32),
}

impl Quantity {
    /// Zero, the value of an absent request in sums.
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// Parses `s` exactly as the API server's `resource.ParseQuantity` does.
    ///
    /// Accepted, like Kubernetes: `500m`, `1Gi`, `1.5Gi`, `1e3`, `2E3`, `+1`,
    /// `.5`, `1.`, `1.G`, and also digit-less forms the server reads as zero
    /// (`Gi`, `-`, `.`); use [`Quantity::parse_strict`] to reject those.
    /// Binary values above `2^63 - 1` are capped there, as Kubernetes does
    /// (`9999999999999Ei` is `9223372036854775807`). Surrounding whitespace is
    /// rejected: the server's JSON decoder trims it before parsing, so callers
    /// mirroring admission of a manifest field should `str::trim` first.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        parse_quantity(s).map(|(q, _)| q)
    }

    /// Like [`Quantity::parse`], but also rejects a number part without
    /// digits (`Gi`, `-`, `.m`), which the documented grammar forbids even
    /// though the server accepts most of them as zero.
    pub fn parse_strict(s: &str) -> Result<Quantity, QuantityError> {
        match parse_quantity(s)? {
            (_, false) => Err(QuantityError::NoDigits),
            (q, true) => Ok(q),
        }
    }

    /// Builds a quantity from a nano-unit count (`1` = `1n`).
    pub const fn from_nanos(nanos: i128) -> Quantity {
        Quantity { nanos }
    }

    /// The exact value in nano-units: `500m` is `500_000_000`.
    pub const fn nanos(self) -> i128 {
        self.nanos
    }

    /// Whether the value is zero, e.g. a limit that grants nothing.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Exact sum, or `None` on `i128` overflow.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_add(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// Exact difference, or `None` on `i128` overflow.
    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_sub(other.nanos)
            .map(Quantity::from_nanos)
    }

    /// Exact product with an integer (e.g. per-pod request × replicas), or
    /// `None` on `i128` overflow.
    pub fn checked_mul_int(self, factor: i64) -> Option<Quantity> {
        self.nanos
            .checked_mul(i128::from(factor))
            .map(Quantity::from_nanos)
    }

    /// Product with an integer, saturating at the `i128` bounds; parsed
    /// values are far enough inside them that this only saturates for
    /// absurd inputs.
    pub fn mul_int(self, factor: i64) -> Quantity {
        Quantity::from_nanos(self.nanos.saturating_mul(i128::from(factor)))
    }

    /// The value as a float, for ratios and display only; never compare these.
    pub fn as_f64(self) -> f64 {
        self.nanos as f64 / NANOS_PER_UNIT as f64
    }

    /// `ceil(q × 1000)` rounded away from zero, like Kubernetes `MilliValue`
    /// (`1n` gives `1`, `-1n` gives `-1`), without its int64 overflow.
    pub fn milli_value(self) -> i128 {
        div_away_from_zero(self.nanos, 1_000_000)
    }

    /// The value rounded away from zero to an integer, like Kubernetes
    /// `Value` (`500m` gives `1`), without its int64 overflow.
    pub fn value(self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_UNIT)
    }
}

fn div_away_from_zero(n: i128, d: i128) -> i128 {
    let q = n / d;
    match n % d {
        0 => q,
        r if r > 0 => q + 1,
        _ => q - 1,
    }
}

impl Add for Quantity {
    type Output = Quantity;

    /// Saturating, so a sum over hostile input cannot panic; use
    /// [`Quantity::checked_add`] to detect overflow.
    fn add(self, other: Quantity) -> Quantity {
        Quantity::from_nanos(self.nanos.saturating_add(other.nanos))
    }
}

impl Sub for Quantity {
    type Output = Quantity;

    /// Saturating, like [`Add`].
    fn sub(self, other: Quantity) -> Quantity {
        Quantity::from_nanos(self.nanos.saturating_sub(other.nanos))
    }
}

impl Sum for Quantity {
    fn sum<I: Iterator<Item = Quantity>>(iter: I) -> Quantity {
        iter.fold(Quantity::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Quantity> for Quantity {
    fn sum<I: Iterator<Item = &'a Quantity>>(iter: I) -> Quantity {
        iter.copied().sum()
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        Quantity::parse(s)
    }
}

/// Prints the shortest exact canonical form.
///
/// Kubernetes' `String()` keeps the suffix family the value was parsed with;
/// this type does not store it, so the form is chosen from the value alone:
/// Kubernetes' canonical decimal form (integer mantissa, largest exponent that
/// is a multiple of 3: `1500m`, `100M`, `1e21` beyond `E`) unless the binary
/// canonical form (`1536Mi`, `1Gi`) has a shorter mantissa. Ties go to
/// decimal. So `1.5Gi` prints `1536Mi`, `0.5` prints `500m`, `1e3` prints
/// `1k`, and `2048` prints `2Ki`. Magnitudes above `2^63 - 1` print in
/// decimal, since Kubernetes caps binary-suffixed values there: the printed
/// form always parses back to the same value.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let magnitude = self.nanos.unsigned_abs();

        let (mut dec, mut exp) = (magnitude, -9i32);
        while dec.is_multiple_of(1000) {
            dec /= 1000;
            exp += 3;
        }
        let decimal_suffix = match exp {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => "",
        };

        if let Some((bin, suffix)) = binary_form(magnitude)
            && digit_count(bin) < digit_count(dec)
        {
            return write!(f, "{sign}{bin}{suffix}");
        }
        if exp > 18 {
            write!(f, "{sign}{dec}e{exp}")
        } else {
            write!(f, "{sign}{dec}{decimal_suffix}")
        }
    }
}

/// The canonical binary mantissa and suffix, when the value is a whole
/// multiple of at least `1Ki` that a binary suffix can carry: Kubernetes caps
/// binary values at `2^63 - 1`, so `8Ei` would read back as less than `2^63`.
fn binary_form(magnitude: u128) -> Option<(u128, &'static str)> {
    const SUFFIXES: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if !magnitude.is_multiple_of(NANOS_PER_UNIT as u128) || magnitude > BINARY_CAP_NANOS as u128 {
        return None;
    }
    let mut units = magnitude / NANOS_PER_UNIT as u128;
    let mut steps = 0;
    while steps < SUFFIXES.len() && units.is_multiple_of(1024) {
        units /= 1024;
        steps += 1;
    }
    (steps > 0).then(|| (units, SUFFIXES[steps - 1]))
}

fn digit_count(mut n: u128) -> u32 {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Parses like `ParseQuantity`; the flag says whether the number had digits.
fn parse_quantity(s: &str) -> Result<(Quantity, bool), QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Empty);
    }
    let bytes = s.as_bytes();
    let mut pos = 0;
    let negative = match bytes[0] {
        b'-' => {
            pos = 1;
            true
        }
        b'+' => {
            pos = 1;
            false
        }
        _ => false,
    };
    let int_start = pos;
    pos = skip_digits(bytes, pos);
    let int_digits = &s[int_start..pos];
    let mut frac_digits = "";
    if bytes.get(pos) == Some(&b'.') {
        let frac_start = pos + 1;
        pos = skip_digits(bytes, frac_start);
        frac_digits = &s[frac_start..pos];
    }
    let suffix_start = pos;
    while pos < bytes.len() && SUFFIX_CHARS.contains(&bytes[pos]) {
        pos += 1;
    }
    if matches!(bytes.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    pos = skip_digits(bytes, pos);
    if pos < bytes.len() {
        return Err(scan_error(s, suffix_start, pos));
    }

    let suffix = &s[suffix_start..];
    let scale = interpret_suffix(suffix)?;
    let has_digits = !int_digits.is_empty() || !frac_digits.is_empty();
    if !has_digits {
        // Kubernetes takes an int64 fast path when the value needs no rounding
        // and fits comfortably; a digit-less number is zero there. Otherwise it
        // hands the number text to inf.Dec, which requires a digit.
        let fast_path = match scale {
            Scale::Decimal(exp) => exp >= -9,
            // Mirrors `15 - len(num) - exponent*3/10 - 1 >= 0` with num = "0".
            Scale::Binary(exp) => exp * 3 / 10 <= 13,
        };
        return if fast_path {
            Ok((Quantity::ZERO, false))
        } else {
            Err(QuantityError::NoDigits)
        };
    }

    let digits = [int_digits, frac_digits].concat();
    let frac_len = i64::try_from(frac_digits.len()).unwrap_or(i64::MAX);
    let (pow2, pow10) = match scale {
        Scale::Decimal(exp) => (0, i64::from(exp)),
        Scale::Binary(exp) => (exp, 0),
    };
    let magnitude = match nanos_rounded_up(&digits, pow2, pow10 - frac_len + 9) {
        Some(m) if matches!(scale, Scale::Binary(_)) => m.min(BINARY_CAP_NANOS as u128),
        None if matches!(scale, Scale::Binary(_)) => BINARY_CAP_NANOS as u128,
        Some(m) if m <= i128::MAX as u128 => m,
        _ => return Err(QuantityError::TooLarge),
    };
    // The magnitude is at most i128::MAX here, so the cast is lossless.
    let nanos = magnitude as i128;
    Ok((
        Quantity::from_nanos(if negative { -nanos } else { nanos }),
        true,
    ))
}

fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    pos
}

/// Names the problem where the scanner stopped: a word made only of letters
/// and digits reads as a misspelt suffix (`Zi`, `gi`), anything else as a
/// stray character.
fn scan_error(s: &str, suffix_start: usize, stop: usize) -> QuantityError {
    let rest = &s[suffix_start..];
    if rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return QuantityError::UnknownSuffix(rest.to_owned());
    }
    let ch = s[stop..].chars().next().unwrap_or('\u{fffd}');
    QuantityError::UnexpectedChar { ch, offset: stop }
}

fn interpret_suffix(suffix: &str) -> Result<Scale, QuantityError> {
    Ok(match suffix {
        "" => Scale::Decimal(0),
        "n" => Scale::Decimal(-9),
        "u" => Scale::Decimal(-6),
        "m" => Scale::Decimal(-3),
        "k" => Scale::Decimal(3),
        "M" => Scale::Decimal(6),
        "G" => Scale::Decimal(9),
        "T" => Scale::Decimal(12),
        "P" => Scale::Decimal(15),
        "E" => Scale::Decimal(18),
        "Ki" => Scale::Binary(10),
        "Mi" => Scale::Binary(20),
        "Gi" => Scale::Binary(30),
        "Ti" => Scale::Binary(40),
        "Pi" => Scale::Binary(50),
        "Ei" => Scale::Binary(60),
        _ if suffix.starts_with(['e', 'E']) && suffix.len() > 1 => {
            let exp: i64 = suffix[1..]
                .parse()
                .map_err(|_| QuantityError::InvalidExponent(suffix.to_owned()))?;
            // Kubernetes narrows the int64 exponent with int32(parsed), which
            // wraps; do the same so `1e4294967296` means what it means there.
            Scale::Decimal(exp as i32)
        }
        _ if suffix.len() == 1 && suffix.starts_with(['e', 'E']) => {
            return Err(QuantityError::InvalidExponent(suffix.to_owned()));
        }
        _ => return Err(QuantityError::UnknownSuffix(suffix.to_owned())),
    })
}

/// `digits × 2^pow2 × 10^pow10`, rounded away from zero to an integer, or
/// `None` if it exceeds `u128`.
///
/// Works on decimal digit strings so that inputs with hundreds of digits
/// (`0.000…001`) are exact, as they are with Kubernetes' `inf.Dec`.
fn nanos_rounded_up(digits: &str, pow2: u32, mut pow10: i64) -> Option<u128> {
    let mut ds: Vec<u8> = digits
        .bytes()
        .skip_while(|&b| b == b'0')
        .map(|b| b - b'0')
        .collect();
    if ds.is_empty() {
        return Some(0);
    }
    multiply_by_pow2(&mut ds, pow2);
    while ds.last() == Some(&0) {
        ds.pop();
        pow10 = pow10.saturating_add(1);
    }
    let len = i64::try_from(ds.len()).unwrap_or(i64::MAX);
    let int_len = len.saturating_add(pow10);
    if int_len <= 0 {
        // Only a non-zero fraction remains (trailing zeros are gone).
        return Some(1);
    }
    if int_len > 39 {
        return None;
    }
    let int_len = int_len as usize;
    let mut value: u128 = 0;
    for i in 0..int_len {
        let d = ds.get(i).copied().unwrap_or(0);
        value = value.checked_mul(10)?.checked_add(u128::from(d))?;
    }
    if int_len < ds.len() {
        value = value.checked_add(1)?;
    }
    Some(value)
}

/// Multiplies a big-endian decimal digit vector by `2^pow2` in place.
fn multiply_by_pow2(ds: &mut Vec<u8>, mut pow2: u32) {
    while pow2 > 0 {
        let step = pow2.min(32);
        pow2 -= step;
        let factor = 1u64 << step;
        let mut carry = 0u64;
        for d in ds.iter_mut().rev() {
            let v = u64::from(*d) * factor + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        let mut head = Vec::new();
        while carry > 0 {
            head.push((carry % 10) as u8);
            carry /= 10;
        }
        head.reverse();
        ds.splice(0..0, head);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn nanos(s: &str) -> i128 {
        q(s).nanos()
    }

    const G: i128 = NANOS_PER_UNIT;

    #[test]
    fn brief_examples() {
        assert_eq!(nanos("500m"), G / 2);
        assert_eq!(nanos("1Gi"), 1_073_741_824 * G);
        assert_eq!(nanos("1e3"), 1000 * G);
        assert_eq!(nanos("0.5"), G / 2);
        assert_eq!(nanos("1.5Gi"), 1_610_612_736 * G);
        assert_eq!(nanos("+1"), G);
        assert_eq!(nanos(".5"), G / 2);
        assert_eq!(nanos("100M"), 100_000_000 * G);
        assert_eq!(nanos("0"), 0);
        assert_eq!(nanos("2E3"), 2000 * G);
    }

    #[test]
    fn all_suffixes() {
        let cases: &[(&str, i128)] = &[
            ("1n", 1),
            ("1u", 1_000),
            ("1m", 1_000_000),
            ("1", G),
            ("1k", 1_000 * G),
            ("1M", 1_000_000 * G),
            ("1G", 1_000_000_000 * G),
            ("1T", 1_000_000_000_000 * G),
            ("1P", 1_000_000_000_000_000 * G),
            ("1E", 1_000_000_000_000_000_000 * G),
            ("1Ki", 1 << 10),
            ("1Mi", 1 << 20),
            ("1Gi", 1 << 30),
            ("1Ti", 1 << 40),
            ("1Pi", 1 << 50),
            ("1Ei", 1 << 60),
        ];
        for &(s, want) in cases {
            let want = if s.ends_with('i') { want * G } else { want };
            assert_eq!(nanos(s), want, "{s}");
        }
    }

    /// Values from apimachinery's TestQuantityParse table.
    #[test]
    fn upstream_parse_table() {
        let cases: &[(&str, i128)] = &[
            ("0n", 0),
            ("0Ki", 0),
            ("50k", 50_000 * G),
            ("1E-3", G / 1000),
            ("1E+6", 1_000_000 * G),
            ("100.035k", 100_035 * G),
            ("0.0005k", G / 2),
            ("0.5e-2", 5 * G / 1000),
            ("10.035M", 10_035_000 * G),
            ("1.3E+6", 1_300_000 * G),
            ("7.123456M", 7_123_456 * G),
            ("6.987654321G", 6_987_654_321 * G),
            ("1.01E", 1_010_000_000_000_000_000 * G),
            ("12E", 12_000_000_000_000_000_000 * G),
            ("100.035Ki", 10_243_584 * G / 100),
            ("0.5Mi", 524_288 * G),
            ("0.05Gi", 53_687_091_200_000_000),
            ("0.025Ti", 27_487_790_694_400_000_000),
            (".001", G / 1000),
            (".0001k", G / 10),
            ("1.", G),
            ("1.G", 1_000_000_000 * G),
        ];
        for &(s, want) in cases {
            assert_eq!(nanos(s), want, "{s}");
        }
    }

    #[test]
    fn rounds_sub_nano_values_away_from_zero() {
        assert_eq!(nanos("1e-9"), 1);
        assert_eq!(nanos("1e-10"), 1);
        assert_eq!(nanos("-1e-10"), -1);
        assert_eq!(nanos("3.001n"), 4);
        assert_eq!(nanos("1.1E-9"), 2);
        assert_eq!(nanos("0.0000000001"), 1);
        assert_eq!(nanos("0.9n"), 1);
        assert_eq!(nanos("0.00000012345"), 124);
        assert_eq!(nanos("0.000000000001Ki"), 2);
        assert_eq!(nanos(&format!("0.{}1", "0".repeat(300))), 1);
        assert_eq!(nanos(&format!("1.{}1", "0".repeat(300))), G + 1);
        assert_eq!(nanos("1e-2147483648"), 1);
    }

    #[test]
    fn decimal_and_binary_are_distinct() {
        assert!(q("100Mi") > q("100M"));
        assert_eq!(nanos("100Mi") - nanos("100M"), 4_857_600 * G);
        assert_eq!(q("1024Mi"), q("1Gi"));
        assert_eq!(q("1000M"), q("1G"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("10000T") > q("100Gi"));
    }

    #[test]
    fn binary_values_are_capped_like_kubernetes() {
        let cap = i128::from(i64::MAX) * G;
        assert_eq!(nanos("9Ei"), cap);
        assert_eq!(nanos("9223372036854775807Ki"), cap);
        assert_eq!(nanos("9999999999999Ei"), cap);
        assert_eq!(nanos("-9999999999999Ei"), -cap);
        assert_eq!(nanos(&format!("{}Ei", "9".repeat(80))), cap);
        assert_eq!(q("9999999999999Ei").value(), i128::from(i64::MAX));
        assert_eq!(nanos("7Ei"), 7 * (1i128 << 60) * G);
    }

    #[test]
    fn decimal_values_are_not_capped_but_bounded_here() {
        assert_eq!(nanos("100E"), 100_000_000_000_000_000_000 * G);
        assert_eq!(nanos("1e29"), 10i128.pow(38));
        assert_eq!(Quantity::parse("1e30"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::parse("1e100"), Err(QuantityError::TooLarge));
        assert_eq!(
            Quantity::parse("9999999999999E"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(nanos("0e100"), 0);
    }

    #[test]
    fn exponent_wraps_to_int32_like_kubernetes() {
        assert_eq!(nanos("1e4294967296"), G);
        assert_eq!(nanos("1e4294967299"), 1000 * G);
    }

    #[test]
    fn signs() {
        assert_eq!(nanos("-1.5"), -3 * G / 2);
        assert_eq!(nanos("-500m"), -G / 2);
        assert_eq!(nanos("+.5Ki"), 512 * G);
        assert_eq!(nanos("-0"), 0);
    }

    #[test]
    fn digitless_numbers_follow_the_kubernetes_fast_path() {
        for s in [
            "-", "+", ".", "-.", "Gi", "Ki", "Ti", "k", "m", "E", "e5", ".Gi",
        ] {
            assert_eq!(Quantity::parse(s), Ok(Quantity::ZERO), "{s}");
            assert_eq!(
                Quantity::parse_strict(s),
                Err(QuantityError::NoDigits),
                "{s}"
            );
        }
        for s in ["Pi", "Ei", "-Ei", "e-10"] {
            assert_eq!(Quantity::parse(s), Err(QuantityError::NoDigits), "{s}");
        }
        assert_eq!(Quantity::parse_strict("1."), Ok(q("1")));
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        let invalid = [
            "",
            "1.5.5",
            "1 Gi",
            " 1",
            "1 ",
            "1gi",
            "1Zi",
            "1e",
            "1e+",
            "-3.01e-",
            "1.1.M",
            "1+1.0M",
            "0.1mi",
            "0.1am",
            "aoeu",
            ".5i",
            "1i",
            "-3.01i",
            "1K",
            "1Ki5",
            "1ee3",
            "1e3i",
            "1e99999999999999999999",
            "Non-Numeric",
            "1Mb",
            "--1",
            "+-1",
        ];
        for s in invalid {
            assert!(Quantity::parse(s).is_err(), "{s:?} parsed");
        }
    }

    #[test]
    fn error_messages_name_the_problem() {
        let msg = |s: &str| Quantity::parse(s).unwrap_err().to_string();
        assert_eq!(msg(""), "quantity is empty");
        assert_eq!(msg("1Zi"), "unknown suffix `Zi`");
        assert_eq!(msg("1gi"), "unknown suffix `gi`");
        assert_eq!(msg("1K"), "unknown suffix `K`");
        assert_eq!(msg("1e"), "invalid exponent `e`");
        assert_eq!(msg("1e+"), "invalid exponent `e+`");
        assert_eq!(msg("1.5.5"), "unexpected character `.` at byte 3");
        assert_eq!(msg("1 Gi"), "unexpected whitespace at byte 1");
        assert_eq!(msg("Pi"), "quantity has no digits");
        assert_eq!(msg("1e40"), "quantity is too large to represent exactly");
    }

    #[test]
    fn value_and_milli_value_round_away_from_zero() {
        assert_eq!(q("500m").value(), 1);
        assert_eq!(q("1.5").value(), 2);
        assert_eq!(q("2").value(), 2);
        assert_eq!(q("-1.5").value(), -2);
        assert_eq!(q("1n").milli_value(), 1);
        assert_eq!(q("-1n").milli_value(), -1);
        assert_eq!(q("1.5").milli_value(), 1500);
        assert_eq!(q("9.01").value(), 10);
        assert_eq!(q("1Gi").value(), 1_073_741_824);
        assert_eq!(q("0").value(), 0);
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(q("500m") + q("500m"), q("1"));
        assert_eq!(q("1.5Gi") - q("512Mi"), q("1Gi"));
        assert_eq!(q("250m").mul_int(4), q("1"));
        assert_eq!(q("100Mi").checked_mul_int(3), Some(q("300Mi")));
        assert_eq!(q("100m").checked_add(q("0.1")), Some(q("200m")));
        assert_eq!([q("1"), q("2"), q("3")].iter().sum::<Quantity>(), q("6"));
        let max = Quantity::from_nanos(i128::MAX);
        assert_eq!(max.checked_add(q("1n")), None);
        assert_eq!(max + q("1"), max);
        assert_eq!(max.checked_mul_int(2), None);
        assert_eq!(q("0.1").as_f64(), 0.1);
        assert_eq!(q("1.5Gi").as_f64(), 1_610_612_736.0);
    }

    #[test]
    fn display_is_shortest_canonical_form() {
        let cases = [
            ("1.5Gi", "1536Mi"),
            ("1Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("100Mi", "100Mi"),
            ("100M", "100M"),
            ("1000M", "1G"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("500m", "500m"),
            ("1e3", "1k"),
            ("2048", "2Ki"),
            ("1024k", "1024k"),
            ("1025", "1025"),
            ("0", "0"),
            ("-0", "0"),
            ("1n", "1n"),
            ("1e-10", "1n"),
            ("1080u", "1080u"),
            ("-1.5Gi", "-1536Mi"),
            ("12E", "12E"),
            ("1000E", "1e21"),
            ("7Ei", "7Ei"),
            (".001Ki", "1024m"),
        ];
        for (input, want) in cases {
            assert_eq!(q(input).to_string(), want, "{input}");
        }
        assert_eq!(q("7Ei").to_string(), "7Ei");
        // Beyond `2^63 - 1` a binary suffix would be capped when read back.
        assert_eq!((q("7Ei") + q("7Ei")).to_string(), "16140901064495857664");
        assert_eq!(q("1Ei").mul_int(2048).to_string(), "2361183241434822606848");
        assert_eq!(
            q("9999999999999Ei").to_string(),
            "9223372036854775807",
            "the cap is odd, so it prints in decimal"
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "1.5Gi",
            "0.1",
            "1e-9",
            "123456789n",
            "1000E",
            "9Ei",
            "-3.7Ki",
            "100.035Ki",
            "9223372036854775808",
            "-9223372036854775808",
        ] {
            let v = q(s);
            assert_eq!(q(&v.to_string()), v, "{s} -> {v}");
        }
    }

    #[test]
    fn ordering_and_hashing_follow_value() {
        use std::collections::HashSet;
        let mut v = vec![q("1Gi"), q("500m"), q("-1"), q("1G"), q("0")];
        v.sort();
        assert_eq!(v, vec![q("-1"), q("0"), q("500m"), q("1G"), q("1Gi")]);
        let set: HashSet<Quantity> = [q("1Gi"), q("1024Mi"), q("1073741824")].into();
        assert_eq!(set.len(), 1);
    }
}
