//! CronJob schedules, parsed as the API server and the CronJob controller parse them:
//! `cron.ParseStandard` of `github.com/robfig/cron/v3`.
//!
//! - five fields: minute (0–59), hour (0–23), day of month (1–31), month (1–12 or
//!   `jan`–`dec`), day of week (0–6 or `sun`–`sat`; 7 is an error); names in any case;
//! - each field a comma-separated list of `*` or `?`, `N`, `N-M`, each with an optional `/step`;
//!   `N/step` means `N-max/step`; a step larger than the range keeps only its first value
//!   (`*/61` in the minute field is minute 0: once an hour), a step of 0 is an error;
//! - day of month and day of week: when either starts with `*` or `?` (and has no step above
//!   1), both must match; otherwise either may (`0 0 1 * mon` runs on the 1st and on Mondays);
//! - descriptors `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
//!   `@hourly`, and `@every <Go duration>` (at least one second);
//! - `TZ=…`/`CRON_TZ=…` prefixes: robfig accepts them, but the API server refuses a new
//!   CronJob whose schedule contains `TZ` at all (`cannot use TZ or CRON_TZ in schedule, use
//!   timeZone field instead`, `validateScheduleFormat`); [`parse`] reports them as
//!   [`CronError::TimeZoneInSchedule`].
//!
//! Times are computed in UTC, to the minute, as robfig's `SpecSchedule.Next` does. A
//! `spec.timeZone` other than UTC shifts every run by the zone's offset; without the tz database
//! this module knows only the fixed-offset zones (`UTC`, `Etc/UTC`, `Etc/GMT+5`, …):
//! [`Zone::of`] says when the offset is unknown, and callers then allow one run of slack when
//! they count runs in an interval (a shift moves at most one run across each end; daylight
//! saving time moves runs by an hour, never adds or removes a day's run except in the hour
//! skipped or repeated).

use std::fmt;

use crate::time::{Timestamp, civil_from_days};

/// A parsed schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Five fields as bit sets.
    Spec(Spec),
    /// `@every <duration>`: runs every so many seconds after the last run.
    Every(i64),
}

/// The bit sets of a five-field schedule (bit `n` set: value `n` matches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
    /// Day of month written as `*`/`?` (without a step above 1).
    pub dom_star: bool,
    pub dow_star: bool,
}

/// Why a schedule does not parse, worded as robfig and the API server word it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CronError {
    Empty,
    TimeZoneInSchedule,
    FieldCount(usize),
    /// A field's text and what is wrong with it.
    Field {
        field: &'static str,
        text: String,
        problem: String,
    },
    Descriptor(String),
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CronError::Empty => f.write_str("empty spec string"),
            CronError::TimeZoneInSchedule => {
                f.write_str("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
            }
            CronError::FieldCount(n) => write!(f, "expected exactly 5 fields, found {n}"),
            CronError::Field {
                field,
                text,
                problem,
            } => write!(f, "{field} `{text}`: {problem}"),
            CronError::Descriptor(d) => write!(f, "unrecognized descriptor: {d}"),
        }
    }
}

/// A field's bounds and names.
struct Bounds {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Bounds = Bounds {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Bounds = Bounds {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
/// Month names, `jan` = 1.
const MONTH: Bounds = Bounds {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// Day names, `sun` = 0.
const DOW: Bounds = Bounds {
    name: "day of week",
    min: 0,
    max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/// A field whose step is larger than its range, so that only its first value is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOverflow {
    pub field: &'static str,
    pub text: String,
    pub step: u32,
    /// The one value it keeps.
    pub keeps: u32,
}

/// Parses a schedule (see the module docs).
pub fn parse(spec: &str) -> Result<Schedule, CronError> {
    parse_with_notes(spec).map(|(s, _)| s)
}

/// Parses a schedule and lists its steps larger than their range (`*/90` in the minute
/// field), which the API server accepts and which rarely mean what they say.
pub fn parse_with_notes(spec: &str) -> Result<(Schedule, Vec<StepOverflow>), CronError> {
    if spec.is_empty() {
        return Err(CronError::Empty);
    }
    if spec.contains("TZ") {
        return Err(CronError::TimeZoneInSchedule);
    }
    if spec.starts_with('@') {
        return descriptor(spec).map(|s| (s, Vec::new()));
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(CronError::FieldCount(fields.len()));
    }
    let mut notes = Vec::new();
    let (minute, _) = field(fields[0], &MINUTE, &mut notes)?;
    let (hour, _) = field(fields[1], &HOUR, &mut notes)?;
    let (dom, dom_star) = field(fields[2], &DOM, &mut notes)?;
    let (month, _) = field(fields[3], &MONTH, &mut notes)?;
    let (dow, dow_star) = field(fields[4], &DOW, &mut notes)?;
    Ok((
        Schedule::Spec(Spec {
            minute,
            hour,
            dom,
            month,
            dow,
            dom_star,
            dow_star,
        }),
        notes,
    ))
}

fn descriptor(spec: &str) -> Result<Schedule, CronError> {
    let all = |b: &Bounds| bits(b.min, b.max, 1);
    let spec_of = |minute, hour, dom, month, dow, dom_star, dow_star| {
        Schedule::Spec(Spec {
            minute,
            hour,
            dom,
            month,
            dow,
            dom_star,
            dow_star,
        })
    };
    Ok(match spec {
        "@yearly" | "@annually" => spec_of(1, 1, 1 << 1, 1 << 1, all(&DOW), false, true),
        "@monthly" => spec_of(1, 1, 1 << 1, all(&MONTH), all(&DOW), false, true),
        "@weekly" => spec_of(1, 1, all(&DOM), all(&MONTH), 1, true, false),
        "@daily" | "@midnight" => spec_of(1, 1, all(&DOM), all(&MONTH), all(&DOW), true, true),
        "@hourly" => spec_of(1, all(&HOUR), all(&DOM), all(&MONTH), all(&DOW), true, true),
        _ => {
            let Some(d) = spec.strip_prefix("@every ") else {
                return Err(CronError::Descriptor(spec.to_owned()));
            };
            let secs = go_duration_secs(d).ok_or_else(|| CronError::Descriptor(spec.to_owned()))?;
            Schedule::Every(secs.max(1))
        }
    })
}

/// Whole seconds of a Go duration (`1h30m`, `90s`, `1.5h`, `500ms`), rounded down.
fn go_duration_secs(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        nanos += n * scale;
    }
    let secs = (nanos / 1e9).floor() as i64;
    Some(if negative { -secs } else { secs })
}

fn bits(min: u32, max: u32, step: u32) -> u64 {
    let mut out = 0u64;
    let mut i = Some(min);
    while let Some(v) = i.filter(|v| *v <= max) {
        out |= 1 << v;
        i = v.checked_add(step);
    }
    out
}

/// One field: its bits and whether it is a star (`*`/`?` without a step above 1).
fn field(text: &str, b: &Bounds, notes: &mut Vec<StepOverflow>) -> Result<(u64, bool), CronError> {
    let err = |problem: String| CronError::Field {
        field: b.name,
        text: text.to_owned(),
        problem,
    };
    let mut out = 0u64;
    let mut star = false;
    // Go's strings.FieldsFunc: empty items between commas are skipped.
    for expr in text.split(',').filter(|e| !e.is_empty()) {
        let (range, step) = match expr.split('/').collect::<Vec<_>>()[..] {
            [r] => (r, None),
            [r, s] => (r, Some(s)),
            _ => return Err(err(format!("too many slashes: {expr}"))),
        };
        let parts: Vec<&str> = range.split('-').collect();
        let (start, mut end, mut is_star) = if parts[0] == "*" || parts[0] == "?" {
            (b.min, b.max, true)
        } else {
            let start = value(parts[0], b).map_err(&err)?;
            let end = match parts[..] {
                [_] => start,
                [_, hi] => value(hi, b).map_err(&err)?,
                _ => return Err(err(format!("too many hyphens: {expr}"))),
            };
            (start, end, false)
        };
        let step = match step {
            None => 1,
            Some(s) => {
                let step = number(s).map_err(&err)?;
                if parts.len() == 1 {
                    end = b.max;
                }
                if step > 1 {
                    is_star = false;
                }
                step
            }
        };
        if start < b.min {
            return Err(err(format!(
                "beginning of range ({start}) below minimum ({})",
                b.min
            )));
        }
        if end > b.max {
            return Err(err(format!(
                "end of range ({end}) above maximum ({})",
                b.max
            )));
        }
        if start > end {
            return Err(err(format!(
                "beginning of range ({start}) beyond end of range ({end})"
            )));
        }
        if step == 0 {
            return Err(err("step of range should be a positive number".to_owned()));
        }
        if step > end - start && end > start {
            notes.push(StepOverflow {
                field: b.name,
                text: expr.to_owned(),
                step,
                keeps: start,
            });
        }
        star |= is_star;
        out |= bits(start, end, step);
    }
    Ok((out, star))
}

fn value(text: &str, b: &Bounds) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = b.names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + if b.names.len() == 12 { 1 } else { 0 });
    }
    number(text)
}

/// Go's `strconv.Atoi` for a non-negative number (a leading `+` is accepted).
fn number(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if let Some(d) = digits.strip_prefix('-')
        && !d.is_empty()
        && d.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("negative number ({text}) not allowed"));
    }
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("failed to parse int from {text}"));
    }
    // Larger than any bound is out of range; beyond what Go's int holds, not a number.
    match digits.parse::<u64>() {
        Ok(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
        Err(_) => Err(format!("failed to parse int from {text}")),
    }
}

/// The offset of a `spec.timeZone` when this module knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset east of UTC, in seconds (UTC itself, `Etc/GMT-2` = +2h).
    Fixed(i64),
    /// A zone of the tz database whose offset (and daylight saving time) this module does not
    /// know; runs are computed in UTC.
    Unknown,
}

impl Zone {
    /// The zone of `spec.timeZone` (`None`: the controller's local time zone, which is UTC on
    /// every managed control plane and the kube-controller-manager image).
    pub fn of(time_zone: Option<&str>) -> Self {
        let Some(tz) = time_zone else {
            return Zone::Fixed(0);
        };
        match tz {
            "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/GMT" | "GMT" | "Etc/Universal"
            | "Universal" | "Etc/Zulu" | "Zulu" | "Etc/GMT0" | "Etc/GMT+0" | "Etc/GMT-0"
            | "Etc/Greenwich" | "Greenwich" => Zone::Fixed(0),
            _ => {
                // POSIX-style `Etc/GMT+5` is five hours *west* of Greenwich.
                let fixed = tz.strip_prefix("Etc/GMT").and_then(|rest| {
                    let (sign, n) = match rest.as_bytes().first()? {
                        b'+' => (-1, &rest[1..]),
                        b'-' => (1, &rest[1..]),
                        _ => return None,
                    };
                    let h: i64 = n.parse().ok().filter(|h| (1..=14).contains(h))?;
                    Some(sign * h * 3600)
                });
                fixed.map_or(Zone::Unknown, Zone::Fixed)
            }
        }
    }

    pub fn is_known(self) -> bool {
        matches!(self, Zone::Fixed(_))
    }

    fn offset(self) -> i64 {
        match self {
            Zone::Fixed(o) => o,
            Zone::Unknown => 0,
        }
    }
}

/// How far ahead [`Schedule::next_after`] looks, as robfig does: five years.
const SEARCH_DAYS: i64 = 5 * 366;

impl Spec {
    fn day_matches(&self, day: i64) -> bool {
        let (_, _, d) = civil_from_days(day);
        // 1970-01-01 was a Thursday.
        let weekday = (day + 4).rem_euclid(7);
        let dom = self.dom & (1 << d) != 0;
        let dow = self.dow & (1 << weekday) != 0;
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }
}

impl Schedule {
    /// The first run strictly after `t` (seconds since the epoch), in `zone`; `None` when
    /// there is none within five years (`0 0 30 2 *`: February 30th). For `@every`, the run
    /// one interval after `t`.
    pub fn next_after(&self, t: i64, zone: Zone) -> Option<i64> {
        let spec = match self {
            Schedule::Every(d) => return Some(t + d),
            Schedule::Spec(s) => s,
        };
        let offset = zone.offset();
        let local = t + offset;
        let first_minute = local.div_euclid(60) + 1;
        let mut day = first_minute.div_euclid(1440);
        let mut from = first_minute.rem_euclid(1440);
        for _ in 0..SEARCH_DAYS {
            let (_, month, _) = civil_from_days(day);
            if spec.month & (1 << month) != 0 && spec.day_matches(day) {
                for hour in from / 60..24 {
                    if spec.hour & (1 << hour) == 0 {
                        continue;
                    }
                    let start = if hour == from / 60 { from % 60 } else { 0 };
                    let minutes = spec.minute >> start << start;
                    if minutes != 0 {
                        let minute = i64::from(minutes.trailing_zeros());
                        return Some(day * 86_400 + hour * 3600 + minute * 60 - offset);
                    }
                }
            }
            day += 1;
            from = 0;
        }
        None
    }

    /// The runs in `(after, until]`, at most `cap` of them counted.
    pub fn runs_between(&self, after: i64, until: i64, zone: Zone, cap: usize) -> usize {
        if let Schedule::Every(d) = self {
            let n = (until - after).max(0) / d;
            return usize::try_from(n).unwrap_or(usize::MAX).min(cap);
        }
        let mut n = 0;
        let mut t = after;
        while n < cap {
            match self.next_after(t, zone) {
                Some(next) if next <= until => {
                    n += 1;
                    t = next;
                }
                _ => break,
            }
        }
        n
    }

    /// The last run at or before `t`, looking back at most `horizon` seconds.
    pub fn last_at_or_before(&self, t: i64, zone: Zone, horizon: i64) -> Option<i64> {
        if let Schedule::Every(_) = self {
            return None;
        }
        // Walk forward from the horizon: the schedules that matter here run at least yearly.
        let mut cur = self.next_after(t - horizon - 1, zone)?;
        if cur > t {
            return None;
        }
        while let Some(next) = self.next_after(cur, zone) {
            if next > t {
                break;
            }
            cur = next;
        }
        Some(cur)
    }

    /// The gap between the first two runs after `t`: the schedule's period there.
    pub fn period_after(&self, t: i64, zone: Zone) -> Option<i64> {
        if let Schedule::Every(d) = self {
            return Some(*d);
        }
        let a = self.next_after(t, zone)?;
        let b = self.next_after(a, zone)?;
        Some(b - a)
    }
}

/// `t` as a timestamp, for messages.
pub fn at(t: i64) -> Timestamp {
    Timestamp::from_secs(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        Timestamp::parse(s).unwrap().secs
    }

    fn next(spec: &str, after: &str) -> String {
        let s = parse(spec).unwrap();
        at(s.next_after(ts(after), Zone::Fixed(0)).unwrap()).to_string()
    }

    #[test]
    fn fields_ranges_steps_lists_names() {
        assert_eq!(
            next("*/15 * * * *", "2024-05-01T10:07:30Z"),
            "2024-05-01T10:15:00Z"
        );
        assert_eq!(
            next("0 3 * * *", "2024-05-01T03:00:00Z"),
            "2024-05-02T03:00:00Z"
        );
        assert_eq!(
            next("5,35 9-17 * * *", "2024-05-01T17:40:00Z"),
            "2024-05-02T09:05:00Z"
        );
        assert_eq!(
            next("0 0 * * MON-fri", "2024-05-03T12:00:00Z"),
            "2024-05-06T00:00:00Z"
        );
        assert_eq!(
            next("0 12 1 JAN *", "2024-05-01T00:00:00Z"),
            "2025-01-01T12:00:00Z"
        );
        assert_eq!(
            next("10/20 * * * *", "2024-05-01T10:31:00Z"),
            "2024-05-01T10:50:00Z"
        );
        assert_eq!(
            next("0 0 29 2 *", "2024-03-01T00:00:00Z"),
            "2028-02-29T00:00:00Z"
        );
        assert_eq!(
            next("? * * * ?", "2024-05-01T10:07:30Z"),
            "2024-05-01T10:08:00Z"
        );
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // Both restricted: either matches (the 1st, or a Monday).
        assert_eq!(
            next("0 0 1 * 1", "2024-05-01T00:00:00Z"),
            "2024-05-06T00:00:00Z"
        );
        // Day of month a star: both must match, so every Monday.
        assert_eq!(
            next("0 0 * * 1", "2024-05-01T00:00:00Z"),
            "2024-05-06T00:00:00Z"
        );
        // `*/2` with a step above 1 is not a star: either matches.
        assert_eq!(
            next("0 0 */2 * 1", "2024-05-01T00:00:00Z"),
            "2024-05-03T00:00:00Z"
        );
    }

    #[test]
    fn descriptors() {
        assert_eq!(
            next("@daily", "2024-05-01T00:00:00Z"),
            "2024-05-02T00:00:00Z"
        );
        assert_eq!(
            next("@midnight", "2024-05-01T10:00:00Z"),
            "2024-05-02T00:00:00Z"
        );
        assert_eq!(
            next("@hourly", "2024-05-01T10:00:00Z"),
            "2024-05-01T11:00:00Z"
        );
        assert_eq!(
            next("@weekly", "2024-05-01T10:00:00Z"),
            "2024-05-05T00:00:00Z"
        );
        assert_eq!(
            next("@monthly", "2024-05-01T10:00:00Z"),
            "2024-06-01T00:00:00Z"
        );
        assert_eq!(
            next("@yearly", "2024-05-01T10:00:00Z"),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(
            next("@annually", "2024-05-01T10:00:00Z"),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(parse("@every 1h30m"), Ok(Schedule::Every(5400)));
        assert_eq!(parse("@every 1.5s"), Ok(Schedule::Every(1)));
        assert_eq!(parse("@every 10ms"), Ok(Schedule::Every(1)));
        assert!(parse("@every soon").is_err());
        assert!(parse("@fortnightly").is_err());
    }

    #[test]
    fn errors_the_api_server_gives() {
        assert_eq!(parse(""), Err(CronError::Empty));
        assert_eq!(
            parse("CRON_TZ=UTC 0 3 * * *"),
            Err(CronError::TimeZoneInSchedule)
        );
        assert_eq!(
            parse("TZ=Europe/Paris @daily"),
            Err(CronError::TimeZoneInSchedule)
        );
        assert_eq!(parse("0 0 * *"), Err(CronError::FieldCount(4)));
        assert_eq!(parse("0 0 0 * * *"), Err(CronError::FieldCount(6)));
        let msg = |s: &str| parse(s).unwrap_err().to_string();
        assert_eq!(
            msg("61 * * * *"),
            "minute `61`: end of range (61) above maximum (59)"
        );
        assert_eq!(
            msg("* * 0 * *"),
            "day of month `0`: beginning of range (0) below minimum (1)"
        );
        assert_eq!(
            msg("* * * * 7"),
            "day of week `7`: end of range (7) above maximum (6)"
        );
        assert_eq!(
            msg("5-1 * * * *"),
            "minute `5-1`: beginning of range (5) beyond end of range (1)"
        );
        assert_eq!(
            msg("*/0 * * * *"),
            "minute `*/0`: step of range should be a positive number"
        );
        assert_eq!(msg("a * * * *"), "minute `a`: failed to parse int from a");
        assert_eq!(
            msg("1-2-3 * * * *"),
            "minute `1-2-3`: too many hyphens: 1-2-3"
        );
        assert_eq!(
            msg("1/2/3 * * * *"),
            "minute `1/2/3`: too many slashes: 1/2/3"
        );
        assert_eq!(
            msg("* * * foo *"),
            "month `foo`: failed to parse int from foo"
        );
        assert!(parse("+5 * * * *").is_ok());
        assert!(parse("1,,2 * * * *").is_ok());
    }

    #[test]
    fn steps_larger_than_their_range() {
        let (s, notes) = parse_with_notes("*/61 * * * *").unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!((notes[0].step, notes[0].keeps), (61, 0));
        assert_eq!(
            s.period_after(ts("2024-05-01T10:00:00Z"), Zone::Fixed(0)),
            Some(3600)
        );
        assert!(parse_with_notes("*/30 * * * *").unwrap().1.is_empty());
        assert_eq!(parse_with_notes("0 */25 * * *").unwrap().1[0].field, "hour");
    }

    #[test]
    fn never_and_counts_and_zones() {
        let feb30 = parse("0 0 30 2 *").unwrap();
        assert_eq!(
            feb30.next_after(ts("2024-01-01T00:00:00Z"), Zone::Fixed(0)),
            None
        );
        let daily = parse("0 3 * * *").unwrap();
        let (a, b) = (ts("2024-05-01T00:00:00Z"), ts("2024-05-05T00:00:00Z"));
        assert_eq!(daily.runs_between(a, b, Zone::Fixed(0), 100), 4);
        assert_eq!(daily.runs_between(a, b, Zone::Fixed(0), 2), 2);
        assert_eq!(
            daily.last_at_or_before(ts("2024-05-05T02:00:00Z"), Zone::Fixed(0), 86_400 * 2),
            Some(ts("2024-05-04T03:00:00Z"))
        );
        // 03:00 at UTC+2 is 01:00 UTC.
        assert_eq!(
            at(daily.next_after(a, Zone::of(Some("Etc/GMT-2"))).unwrap()).to_string(),
            "2024-05-01T01:00:00Z"
        );
        assert_eq!(Zone::of(Some("Etc/GMT+5")), Zone::Fixed(-5 * 3600));
        assert_eq!(Zone::of(Some("Europe/Paris")), Zone::Unknown);
        assert_eq!(Zone::of(None), Zone::Fixed(0));
        let every = parse("@every 2h").unwrap();
        assert_eq!(every.runs_between(a, a + 7 * 3600, Zone::Fixed(0), 100), 3);
    }
}
