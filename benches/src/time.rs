//! RFC 3339 timestamps, formatted by the model's `Timestamp`.

/// "Now" of every generated snapshot: 2025-06-03T08:00:00Z.
pub(crate) const NOW: i64 = 1_748_937_600;

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (what the API server prints).
pub(crate) fn ts(t: i64) -> String {
    faultline_model::time::Timestamp::from_secs(t).to_string()
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
