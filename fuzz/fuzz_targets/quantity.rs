//! Kubernetes quantities: parsing (lenient and strict), formatting, the display round trip,
//! ordering and every arithmetic operation on what was parsed, so that overflow panics
//! (the fuzz build has overflow checks on) surface.
#![no_main]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use faultline_model::quantity::Quantity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The whole input, then each line and each whitespace-separated word: a corpus line can
    // hold several quantities to combine.
    let mut values = Vec::new();
    for s in std::iter::once(text)
        .chain(text.lines())
        .chain(text.split_whitespace())
        .take(64)
    {
        values.extend(one(s));
        values.extend(one(s.trim()));
    }
    // Extremes the arithmetic must survive.
    values.push(Quantity::from_nanos(i128::MAX));
    values.push(Quantity::from_nanos(i128::MIN));
    let factors = [
        0,
        1,
        -1,
        2,
        i64::MAX,
        i64::MIN,
        data.len() as i64,
        i64::from_le_bytes(first8(data)),
    ];
    for (i, &a) in values.iter().enumerate() {
        exercise(a);
        for &f in &factors {
            let _ = a.checked_mul_int(f);
            let _ = a.mul_int(f);
        }
        for &b in values.iter().skip(i).take(8) {
            let sum = a.checked_add(b);
            let diff = a.checked_sub(b);
            assert_eq!(sum.is_some(), a.nanos().checked_add(b.nanos()).is_some());
            assert_eq!(diff.is_some(), a.nanos().checked_sub(b.nanos()).is_some());
            exercise(a + b);
            exercise(a - b);
            let _ = a.cmp(&b);
            assert_eq!(a == b, a.nanos() == b.nanos());
        }
    }
    let total: Quantity = values.iter().sum();
    exercise(total);
    let total: Quantity = values.iter().copied().sum();
    exercise(total);
});

fn first8(data: &[u8]) -> [u8; 8] {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(data) {
        *d = *s;
    }
    b
}

/// Parses `s` both ways; a strict success is a lenient success with the same value.
fn one(s: &str) -> Option<Quantity> {
    let lenient = Quantity::parse(s);
    let strict = Quantity::parse_strict(s);
    if let Ok(q) = &strict {
        assert_eq!(
            lenient.as_ref().ok(),
            Some(q),
            "strict {s:?} but not lenient"
        );
    }
    if let Err(e) = &lenient {
        let _ = e.to_string();
        assert!(strict.is_err(), "lenient rejects {s:?} but strict accepts");
    }
    let parsed: Result<Quantity, _> = s.parse();
    assert_eq!(parsed, lenient);
    let q = lenient.ok()?;
    // The printed form is canonical and reads back as the same value.
    let shown = q.to_string();
    let back = Quantity::parse(&shown).unwrap_or_else(|e| panic!("{s:?} -> {shown:?}: {e}"));
    assert_eq!(back, q, "{s:?} printed as {shown:?}");
    assert_eq!(back.to_string(), shown, "printing is canonical");
    Some(q)
}

fn exercise(q: Quantity) {
    let _ = q.to_string();
    let _ = format!("{q:?}");
    let _ = (
        q.as_f64(),
        q.milli_value(),
        q.value(),
        q.is_zero(),
        q.nanos(),
    );
    let mut h = DefaultHasher::new();
    q.hash(&mut h);
    let _ = h.finish();
}
