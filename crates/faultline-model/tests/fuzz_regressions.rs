//! Inputs the fuzzers in `fuzz/` found (see `fuzz/README.md`), kept so the bugs stay fixed.

use faultline_model::quantity::Quantity;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `quantity`: a whole multiple of `1Ki` at or above `2^63` printed with a binary suffix
/// (`9223372036854775808` as `8Ei`), which Kubernetes caps at `2^63 - 1` when read back.
#[test]
fn quantity_beyond_the_binary_cap_prints_in_decimal() {
    for s in [
        "9223372036854775808",
        // The input as `cargo fuzz tmin` left it.
        "9233720368547758080",
        "-9223372036854775808",
        "18446744073709551616",
        "1e21",
    ] {
        let v = q(s);
        let shown = v.to_string();
        assert_eq!(q(&shown), v, "{s} printed as {shown}");
    }
    assert_eq!(q("9223372036854775808").to_string(), "9223372036854775808");
    assert_eq!(q("7Ei").to_string(), "7Ei");
}
