//! Small helpers shared by rules: parameter parsing and number formatting for messages.

use crate::{Context, RuleMeta};

/// An integer parameter; a value that is not one falls back to the declared default.
pub(crate) fn int_param(cx: &Context<'_>, meta: &RuleMeta, name: &str) -> i64 {
    let declared = || {
        meta.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.default.parse().ok())
            .unwrap_or(0)
    };
    cx.param(meta, name)
        .trim()
        .parse()
        .unwrap_or_else(|_| declared())
}

/// Bytes for messages, in the largest binary unit that keeps at least one whole unit, with at
/// most two decimals: `2 GiB`, `1.75 GiB`, `768 MiB`, `100 B`.
pub(crate) fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && bytes >= 1u128 << (10 * (unit + 1)) {
        unit += 1;
    }
    let scale = 1u128 << (10 * unit);
    // Hundredths, rounded to nearest.
    let hundredths = (bytes * 100 + scale / 2) / scale;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    let number = match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    };
    format!("{number} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(human_bytes(2 << 30), "2 GiB");
        assert_eq!(human_bytes(1792 << 20), "1.75 GiB");
        assert_eq!(human_bytes(768 << 20), "768 MiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
        assert_eq!(human_bytes(100), "100 B");
        assert_eq!(human_bytes(1000 << 20), "1000 MiB");
    }
}
