//! Kubernetes `IntOrString` values (`k8s.io/apimachinery/pkg/util/intstr`),
//! as used by Deployment `maxSurge`/`maxUnavailable`, PodDisruptionBudget
//! `minAvailable`/`maxUnavailable` and Service `targetPort`.

use std::fmt;

/// A field that holds either an integer or a string, kept as written.
///
/// Kubernetes stores the integer as `int32`; the wider type here lets a rule
/// report an out-of-range number instead of failing to represent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrString {
    /// An integer in the manifest (`maxSurge: 1`).
    Int(i64),
    /// A string in the manifest (`maxSurge: "25%"`, `targetPort: http`).
    Str(String),
}

impl IntOrString {
    /// Resolves an absolute count or a percentage of `total`, exactly like
    /// `intstr.GetScaledValueFromIntOrPercent`, which the Deployment,
    /// ReplicaSet and disruption controllers use.
    ///
    /// An integer is returned unchanged (even if negative). A string must end
    /// in `%` and the rest must parse as a signed decimal integer (Go's
    /// `strconv.Atoi`, so `+5%` and `-5%` pass here even though API
    /// validation rejects them, see [`is_valid_percent`]); the result is
    /// `ceil` or `floor` of `value × total / 100` computed in `f64`, as
    /// Kubernetes does. Deployments round `maxSurge` up and `maxUnavailable`
    /// down; PDBs round both up.
    pub fn scaled_value(&self, total: i64, round_up: bool) -> Result<i64, String> {
        let s = match self {
            Self::Int(v) => return Ok(*v),
            Self::Str(s) => s,
        };
        let Some(number) = s.strip_suffix('%') else {
            return Err(format!(
                "`{s}` is not a percentage; expected an integer or a string such as `25%`"
            ));
        };
        let percent: i64 = number.parse().map_err(|_| {
            format!("`{s}` is not a valid percentage; expected an integer followed by `%`")
        })?;
        let scaled = percent as f64 * total as f64 / 100.0;
        Ok(if round_up {
            scaled.ceil()
        } else {
            scaled.floor()
        } as i64)
    }
}

/// Whether `s` is a percentage the API server accepts for `maxSurge`,
/// `maxUnavailable` and PDB fields (`IsValidPercent`: `^[0-9]+%$`), which is
/// stricter than what [`IntOrString::scaled_value`] can compute.
pub fn is_valid_percent(s: &str) -> bool {
    s.strip_suffix('%')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Prints the value as written (`1`, `25%`), for messages.
impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Str(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> IntOrString {
        IntOrString::Str(v.to_owned())
    }

    #[test]
    fn integers_pass_through() {
        assert_eq!(IntOrString::Int(3).scaled_value(10, true), Ok(3));
        assert_eq!(IntOrString::Int(3).scaled_value(10, false), Ok(3));
        assert_eq!(IntOrString::Int(-1).scaled_value(10, true), Ok(-1));
        assert_eq!(IntOrString::Int(50).scaled_value(10, true), Ok(50));
    }

    #[test]
    fn percentages_scale_and_round() {
        assert_eq!(s("90%").scaled_value(100, true), Ok(90));
        assert_eq!(s("90%").scaled_value(95, true), Ok(86));
        assert_eq!(s("90%").scaled_value(95, false), Ok(85));
        assert_eq!(s("25%").scaled_value(3, true), Ok(1));
        assert_eq!(s("25%").scaled_value(3, false), Ok(0));
        assert_eq!(s("0%").scaled_value(3, true), Ok(0));
        assert_eq!(s("100%").scaled_value(7, false), Ok(7));
        assert_eq!(s("150%").scaled_value(4, false), Ok(6));
        assert_eq!(s("10%").scaled_value(0, true), Ok(0));
    }

    #[test]
    fn signed_percentages_parse_like_atoi() {
        assert_eq!(s("+50%").scaled_value(10, true), Ok(5));
        assert_eq!(s("-25%").scaled_value(3, true), Ok(0));
        assert_eq!(s("-25%").scaled_value(3, false), Ok(-1));
    }

    #[test]
    fn rejects_non_percent_strings() {
        for v in [
            "90", "", "abc", "%", "5%%", "5.5%", " 5%", "5 %", "+%", "0x10%",
        ] {
            assert!(s(v).scaled_value(10, true).is_err(), "{v:?}");
        }
        assert_eq!(
            s("90").scaled_value(10, true),
            Err("`90` is not a percentage; expected an integer or a string such as `25%`".into())
        );
        assert_eq!(
            s("5.5%").scaled_value(10, true),
            Err("`5.5%` is not a valid percentage; expected an integer followed by `%`".into())
        );
    }

    #[test]
    fn validation_is_stricter_than_scaling() {
        assert!(is_valid_percent("25%"));
        assert!(is_valid_percent("0%"));
        assert!(is_valid_percent("150%"));
        for v in ["+5%", "-5%", "%", "5", "5%%", "5.0%", ""] {
            assert!(!is_valid_percent(v), "{v:?}");
        }
    }

    #[test]
    fn displays_as_written() {
        assert_eq!(IntOrString::Int(8080).to_string(), "8080");
        assert_eq!(s("http").to_string(), "http");
    }
}
