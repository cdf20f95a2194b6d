//! Oracle: flanksource/is-healthy's Job fixtures (`../shared/corpora/is-healthy`, see
//! `shared/docs/oracles.md` §6). A Job it calls unhealthy (or whose expected status is a
//! failure reason) must get a `job-failed` finding, and the others none. The fixtures carry
//! their own times, so "now" is the latest time in each file (no `@now` placeholders here).
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.

use faultline_rules::Settings;
use faultline_rules::registry::job_failed::JobFailed;
use faultline_rules::testing::check_texts;

#[test]
fn job_failed_agrees_with_is_healthy() {
    let Some(root) = faultline_testdata::corpus("is-healthy") else {
        return;
    };
    let dir = root.join("pkg/health/testdata/Kubernetes/Job");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the Job fixtures")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut compared = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("@now"), "{}: placeholders", path.display());
        let unhealthy = text.contains("expected-health: unhealthy")
            || text.contains("expected-status: BackoffLimitExceeded");
        let (_, diags) = check_texts(&[("job.yaml", &text)], &Settings::default());
        let fired = diags.iter().any(|d| d.rule == JobFailed::ID);
        assert_eq!(fired, unhealthy, "{}: {diags:#?}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 5, "the five Job fixtures of is-healthy");
}
