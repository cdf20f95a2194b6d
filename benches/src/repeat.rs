//! A realistic application repeated: microservices-demo's release manifests copied n times into
//! one stream, as `measure --repeat-demo` and `--bench check`'s repeated-input cases use it.

/// microservices-demo's release manifests, relative to the `benches` crate (in `../shared`
/// beside the repository).
pub const DEMO: &str = "../../shared/corpora/microservices-demo/release/kubernetes-manifests.yaml";

/// `one` (a multi-document stream) copied `copies` times. With `renamed`, copy `i` (from 1)
/// suffixes every object's `metadata.name` with `-c<i>` and keeps its labels: n releases of one
/// chart whose selectors do not tell the releases apart, so each Service selects the pods of
/// all n copies. Without, the copies share names and labels in one namespace.
pub fn repeated(one: &str, copies: usize, renamed: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(one.len() * copies + 16 * copies);
    for i in 0..copies {
        if renamed && i > 0 {
            bytes.extend_from_slice(renamed_copy(one, i).as_bytes());
        } else {
            bytes.extend_from_slice(one.as_bytes());
        }
        if !one.ends_with('\n') {
            bytes.push(b'\n');
        }
    }
    bytes
}

/// `text` with every object's `metadata.name` (the two-space `  name:` line right under
/// `metadata:`) suffixed with `-c<i>`; labels, selectors and references stay.
fn renamed_copy(text: &str, i: usize) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut after_metadata = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match body.strip_prefix("  name: ") {
            Some(name) if after_metadata => {
                out.push_str(&format!("  name: {name}-c{i}"));
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
        if !body.starts_with(' ') {
            after_metadata = body == "metadata:";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn copies_are_renamed_under_metadata_only() {
        let one = "kind: Service\nmetadata:\n  name: web\n  labels:\n    name: web\nspec:\n  selector: {app: web}\n";
        let out = String::from_utf8(super::repeated(one, 3, true)).unwrap();
        let count = |line: &str| out.lines().filter(|l| *l == line).count();
        assert_eq!(count("  name: web"), 1);
        assert_eq!((count("  name: web-c1"), count("  name: web-c2")), (1, 1));
        assert_eq!(count("    name: web"), 3, "labels stay");
        let plain = super::repeated(one, 2, false);
        assert_eq!(plain, [one, one].concat().into_bytes());
    }
}
