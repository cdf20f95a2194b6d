//! Points in time as the API writes them (RFC 3339), and durations as people write them.
//!
//! "Now" for a snapshot is never the wall clock: it is the latest timestamp the snapshot
//! records ([`crate::snapshot::latest_timestamp`]), or what the user passes with `--now`. So
//! the same input always gives the same findings.

use std::fmt;

/// An instant, as seconds and nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub fn from_secs(secs: i64) -> Self {
        Self { secs, nanos: 0 }
    }

    /// Parses an RFC 3339 timestamp: `2024-05-01T12:30:00Z`, `2024-05-01T12:30:00.123456Z`,
    /// `2024-05-01T14:30:00+02:00`. The `T` and `Z` may be lowercase, and a space may stand for
    /// the `T` (RFC 3339 §5.6 allows it; YAML timestamps use it). Anything else, including a
    /// date without a time, an hour of 24 or a leap second, is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let digits = |from: usize, n: usize| -> Option<i64> {
            let s = b.get(from..from + n)?;
            s.iter().try_fold(0i64, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        let year = digits(0, 4)?;
        let month = digits(5, 2)?;
        let day = digits(8, 2)?;
        let hour = digits(11, 2)?;
        let minute = digits(14, 2)?;
        let second = digits(17, 2)?;
        if b.get(4) != Some(&b'-')
            || b.get(7) != Some(&b'-')
            || !matches!(b.get(10), Some(b'T' | b't' | b' '))
            || b.get(13) != Some(&b':')
            || b.get(16) != Some(&b':')
        {
            return None;
        }
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0u32;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(b[at] - b'0');
                }
                at += 1;
            }
            let n = at - start;
            if n == 0 {
                return None;
            }
            for _ in n..9 {
                nanos *= 10;
            }
        }
        let offset = match b.get(at) {
            Some(b'Z' | b'z') if at + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
                let (h, m) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let off = h * 3600 + m * 60;
                if *sign == b'-' { -off } else { off }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        Some(Self { secs, nanos })
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        let mut d = later.secs - self.secs;
        if later.nanos < self.nanos {
            d -= 1;
        }
        d
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with fractional seconds only when there are some.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A duration for people, as `kubectl get` prints ages: `45s`, `12m`, `3h20m`, `5d`, `400d`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..120 => format!("{s}s"),
        120..3600 => format!("{}m", s / 60),
        3600..86_400 if s % 3600 / 60 == 0 => format!("{}h", s / 3600),
        3600..86_400 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d", s / 86_400),
    }
}

/// Parses a duration parameter: a sequence of numbers with units `s`, `m`, `h`, `d`
/// (`90s`, `30m`, `1h30m`, `2d`). A bare number is seconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: i64 = num.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        num.clear();
    }
    (num.is_empty() && !text.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn parses_what_the_api_writes() {
        assert_eq!(ts("1970-01-01T00:00:00Z").secs, 0);
        assert_eq!(ts("2024-05-01T12:30:00Z").secs, 1_714_566_600);
        assert_eq!(ts("2024-05-01T14:30:00+02:00"), ts("2024-05-01T12:30:00Z"));
        assert_eq!(ts("2024-05-01T07:30:00-05:00"), ts("2024-05-01T12:30:00Z"));
        let micro = ts("2024-05-01T12:30:00.123456Z");
        assert_eq!((micro.secs, micro.nanos), (1_714_566_600, 123_456_000));
        assert_eq!(ts("2024-05-01 12:30:00z"), ts("2024-05-01T12:30:00Z"));
        assert_eq!(ts("2000-02-29T00:00:00Z").secs, 951_782_400);
        assert_eq!(ts("1969-12-31T23:59:59Z").secs, -1);
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T12:30Z",
            "2024-05-01T12:30:00",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:30:60Z",
            "2024-05-01T12:30:00.Z",
            "2024-05-01T12:30:00+0200",
            "2024-05-01T12:30:00Zjunk",
            "2024/05/01T12:30:00Z",
            "２０２4-05-01T12:30:00Z",
            "@now-5m",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn displays_as_utc_and_round_trips() {
        for s in [
            "2024-05-01T12:30:00Z",
            "1999-12-31T23:59:59.5Z",
            "2100-03-01T00:00:00Z",
            "1960-06-15T08:00:00Z",
        ] {
            assert_eq!(ts(s).to_string(), s);
        }
        assert_eq!(
            ts("2024-05-01T14:30:00+02:00").to_string(),
            "2024-05-01T12:30:00Z"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(42), "42s");
        assert_eq!(human_duration(300), "5m");
        assert_eq!(human_duration(7200), "2h");
        assert_eq!(human_duration(12_000), "3h20m");
        assert_eq!(human_duration(5 * 86_400 + 10), "5d");
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("600"), Some(600));
        for bad in ["", "h", "1x", "1h30", "-5m"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(
            ts("2024-05-01T12:00:00.5Z").seconds_until(ts("2024-05-01T12:00:01Z")),
            0
        );
    }
}
