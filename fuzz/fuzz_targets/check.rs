//! The whole pipeline on one in-memory file: loading (binary and encoding checks), the front
//! end chosen by the file name, the inventory, the graph, every rule, redaction, and every
//! output format. The first byte picks the name, so both front ends and the archive layouts
//! (kind from the path) are reached.
#![no_main]

use faultline_cli::check::{CheckArgs, analyze_sources};
use faultline_cli::render::Format;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 5] = [
    "x.yaml",
    "x.json",
    "x",
    "config/pod/default/x.json",
    "namespaces/default/pods/p/p.yaml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(first) % NAMES.len()];
    let args = CheckArgs::new(vec![]);
    let analysis = analyze_sources(&args, vec![(name.to_owned(), rest.to_vec())])
        .expect("no configuration, so no configuration error");
    for format in Format::ALL {
        let mut out = Vec::new();
        analysis
            .render(format, false, &mut out)
            .unwrap_or_else(|e| panic!("rendering {format}: {e}"));
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("{format} output is not JSON: {e}"));
        }
    }
});
