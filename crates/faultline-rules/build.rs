//! Generates the rule registry from the files in `src/rules/`: one file per rule, named after
//! the rule id (`api-removed` → `api_removed.rs`), defining a struct named in CamelCase
//! (`ApiRemoved`). Adding a rule is adding a file; there is no list to keep in sync by hand.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: a build script compiled in another checkout (a copied target dir)
    // must still list this checkout's rules.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("src/rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/rules exists")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .filter(|s| s != "mod")
        .collect();
    stems.sort();
    let mut out = String::new();
    for stem in &stems {
        let path = dir.join(format!("{stem}.rs"));
        writeln!(
            out,
            "#[path = {:?}]\npub mod {stem};",
            path.display().to_string()
        )
        .unwrap();
    }
    let camels: Vec<String> = stems
        .iter()
        .map(|stem| {
            stem.split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    out.push_str("\n/// Every rule, sorted by id.\npub static ALL: &[&dyn crate::Rule] = &[\n");
    for (stem, camel) in stems.iter().zip(&camels) {
        writeln!(out, "    &{stem}::{camel},").unwrap();
    }
    out.push_str("];\n");
    out.push_str("\n/// Each rule's file stem and `ID` constant, in the order of [`ALL`].\n#[cfg(test)]\npub(crate) static IDS: &[(&str, &str)] = &[\n");
    for (stem, camel) in stems.iter().zip(&camels) {
        writeln!(out, "    ({stem:?}, {stem}::{camel}::ID),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("registry.rs");
    std::fs::write(dest, out).unwrap();
}
