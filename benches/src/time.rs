//! RFC 3339 timestamps without a date library.

/// "Now" of every generated snapshot: 2025-06-03T08:00:00Z.
pub(crate) const NOW: i64 = 1_748_937_600;

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (what the API server prints).
pub(crate) fn ts(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(ts(0), "1970-01-01T00:00:00Z");
        assert_eq!(ts(NOW), "2025-06-03T08:00:00Z");
        assert_eq!(ts(951_782_400), "2000-02-29T00:00:00Z");
    }
}
