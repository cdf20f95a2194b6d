//! Label selectors and label syntax. The input is read as YAML; every mapping in it is taken
//! as a `metav1.LabelSelector`, as a plain `key: value` selector (Service) and as a label set,
//! and every selector is validated, printed and matched against every label set. The
//! selectors of every object (`selector_sites`) are parsed as the rules do, and each line of
//! the input is checked as a label key, a label value and an operator.
#![no_main]

use std::collections::HashSet;
use std::sync::Arc;

use faultline_fuzz::assert_range;
use faultline_model::object::string_map;
use faultline_model::selector::{
    LabelSelector, Labels, Operator, SelectorSemantics, label_distance, validate_label_key,
    validate_label_value,
};
use faultline_model::selectors::{
    ParsedSelector, parse_label_selector, parse_map_selector, selector_sites,
};
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::{NodeRef, yaml};
use libfuzzer_sys::fuzz_target;

/// Bounds the pairwise matching so that one input stays fast.
const MAX_MAPS: usize = 64;

const SEMANTICS: [SelectorSemantics; 7] = [
    SelectorSemantics::ServiceSelector,
    SelectorSemantics::NetworkPolicyPodSelector,
    SelectorSemantics::NetworkPolicyPeerPodSelector,
    SelectorSemantics::NetworkPolicyPeerNamespaceSelector,
    SelectorSemantics::PodDisruptionBudget,
    SelectorSemantics::PodDisruptionBudgetV1beta1,
    SelectorSemantics::WorkloadSelector,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for line in text.lines().take(64) {
        let key = validate_label_key(line);
        let value = validate_label_value(line);
        if value.is_ok() && !line.is_empty() {
            // A valid value is a valid unprefixed key.
            assert!(
                key.is_ok(),
                "value {line:?} valid but not as a key: {key:?}"
            );
        }
        let op = Operator::parse(line);
        assert_eq!(op.as_str(), line);
        assert_eq!(op.to_string(), line);
    }

    let source: Arc<str> = Arc::from(text);
    let parsed = vec![yaml::parse_yaml(&source)];

    let mut maps = Vec::new();
    for doc in &parsed[0].documents {
        if let Some(root) = doc.root() {
            collect_maps(root, &mut maps);
        }
    }
    let label_sets: Vec<Labels> = maps
        .iter()
        .map(|m| {
            string_map(Some(*m))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect();
    let mut selectors = Vec::new();
    for &m in &maps {
        selectors.push(parse_label_selector(m));
        selectors.push(parse_map_selector(m));
    }

    let inventory = Inventory::build(&parsed, &ModelOptions::default());
    for obj in &inventory.objects {
        let labels: Labels = obj
            .labels()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        for site in selector_sites(obj) {
            let p = site.parse();
            let _ = site.semantics.resolve(Some(&p.selector));
            let _ = p.selector.matches(&labels);
            selectors.push(p);
        }
    }

    for p in &selectors {
        exercise(text, p, &label_sets);
    }
});

/// Every mapping under `root`, each once, at most `MAX_MAPS`.
fn collect_maps<'t>(root: NodeRef<'t>, out: &mut Vec<NodeRef<'t>>) {
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if out.len() >= MAX_MAPS {
            return;
        }
        if !seen.insert(node.id()) {
            continue;
        }
        if node.is_map() {
            out.push(node);
        }
        stack.extend(node.items());
        for (k, v) in node.entries() {
            stack.push(k);
            stack.push(v);
        }
    }
}

fn exercise(text: &str, p: &ParsedSelector<'_>, label_sets: &[Labels]) {
    for (range, message) in &p.problems {
        assert_range(text, *range, "selector problem");
        assert!(!message.is_empty());
    }
    let s: &LabelSelector = &p.selector;
    let errors = s.validate();
    for e in &errors {
        let _ = e.to_string();
    }
    // Every validation error is among the problems.
    assert!(p.problems.len() >= errors.len());
    let _ = s.to_string();
    for r in &s.match_expressions {
        let _ = r.to_string();
    }
    for sem in SEMANTICS {
        let _ = (sem.when_nil(), sem.when_empty(), sem.resolve(Some(s)));
    }
    let _ = p.is_valid();
    for labels in label_sets {
        let matches = s.matches(labels);
        let distance = label_distance(s, labels);
        assert_eq!(
            matches,
            distance == 0,
            "distance is zero exactly on a match"
        );
        if s.is_empty() {
            assert!(matches, "the empty selector matches everything");
        }
    }
    let own: Labels = s.match_labels.iter().cloned().collect();
    if s.match_expressions.is_empty() {
        // Duplicate keys are already reduced, so a selector's own labels satisfy it.
        let unique: HashSet<&String> = s.match_labels.iter().map(|(k, _)| k).collect();
        if unique.len() == s.match_labels.len() {
            assert!(s.matches(&own), "a selector matches its own labels");
        }
    }
}
