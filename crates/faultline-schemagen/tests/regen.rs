//! The committed `crates/faultline-schema/data/schemas.bin` is what the generator writes from
//! `../shared` (fails under CI when `../shared` is missing; skips with a message otherwise).

use std::path::Path;

#[test]
fn committed_schemas_are_regenerated_from_shared() {
    let Some(builtins) = faultline_testdata::corpus("kubectl-validate/pkg/openapiclient/builtins")
    else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed = std::fs::read(root.join(faultline_schemagen::DATA_FROM_ROOT))
        .expect("crates/faultline-schema/data/schemas.bin");
    let (generated, stats) =
        faultline_schemagen::generate(&builtins).expect("the documents compact");
    assert_eq!(stats.versions, 13, "1.23 to 1.35");
    assert!(
        generated == committed,
        "crates/faultline-schema/data/schemas.bin is stale ({} bytes committed, {} generated): \
         run `cargo run --release -p faultline-schemagen --example gen-schemas` and commit the result",
        committed.len(),
        generated.len()
    );
}
