//! Prints each Pod's kubectl STATUS and health (a debugging aid).
#![allow(clippy::print_stdout)]
use faultline_model::pod_status::PodStatus;
use faultline_model::snapshot::latest_timestamp;
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::load::{Input, LoadOptions, load_all};

fn main() {
    let inputs: Vec<Input> = std::env::args().skip(1).map(Input::from_arg).collect();
    let loaded = load_all(&inputs, &LoadOptions::default());
    let paths: Vec<&str> = loaded.files.iter().map(|f| f.path.as_str()).collect();
    let inv = Inventory::build_with_paths(&loaded.parsed, &paths, &ModelOptions::default());
    let now = latest_timestamp(&inv);
    println!("now {:?}", now.map(|t| t.to_string()));
    for obj in inv.of_kind("Pod") {
        if let Some(p) = PodStatus::of(obj) {
            let c = p.classify(now);
            println!(
                "{:50} {:28} {:9} {:>5} {}",
                obj.name,
                c.status,
                c.health.as_str(),
                c.restarts,
                c.why
            );
        }
    }
}
