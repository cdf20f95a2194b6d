//! Temporary stand-in until the go-yaml v2 resolver lands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved { Null, Bool(bool), Int(i64), Uint(u64), Float(f64), Str, Merge, Timestamp }
pub fn resolve_plain(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        "true" | "yes" | "on" | "y" | "True" => Resolved::Bool(true),
        "false" | "no" | "off" | "n" | "False" => Resolved::Bool(false),
        "<<" => Resolved::Merge,
        _ => if let Some(i) = int_value(text) { Resolved::Int(i) } else if let Some(f) = float_value(text) { Resolved::Float(f) } else { Resolved::Str },
    }
}
pub fn resolve_tagged(_suffix: &str, text: &str) -> Result<Resolved, String> { Ok(resolve_plain(text)) }
pub fn int_value(text: &str) -> Option<i64> { text.parse().ok() }
pub fn float_value(text: &str) -> Option<f64> { if text.bytes().any(|b| b.is_ascii_digit()) { text.parse().ok() } else { None } }
