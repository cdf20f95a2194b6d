//! The causes of a pod held in its init containers (`Init:N/M`, `Init:Error`,
//! `Init:CrashLoopBackOff`): what the init container waits for when another finding names it
//! (`init-container-waits-for-missing`), its command, and its image when the command cannot
//! run.

use crate::ids;
use faultline_model::pod_status::{PodStatus, State};
use faultline_rules::Context;
use faultline_rules::evidence::shorten;

use super::facts::PodFacts;
use super::wording::{ns_flag, sh};
use super::{Cause, Findings};

/// How likely the init container's command is the cause: high while it runs (a wait loop:
/// what it waits for is the question) unless a finding already names the target; low once it
/// exited, where its own output says more (the chain's "the program itself" comes first).
fn command_score(state: &State<'_>, no_finding: bool) -> u8 {
    match state {
        State::Running(_) | State::None if no_finding => 75,
        State::Running(_) | State::None => 60,
        _ => 25,
    }
}

/// The causes of the first pod of `facts` that is held in an init container; nothing when
/// none is.
pub(crate) fn init_causes(
    _cx: &Context<'_>,
    findings: &Findings<'_>,
    facts: &PodFacts<'_>,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let held = facts.pods.iter().find_map(|pod| {
        let status = PodStatus::of(pod)?;
        let (_, c) = status.blocking_init()?;
        let spec = c.spec(&status)?;
        Some((*pod, *c, spec))
    });
    let Some((pod, c, spec)) = held else {
        return causes;
    };
    let confirm = vec![format!(
        "kubectl {}logs {} -c {}",
        ns_flag(pod),
        sh(pod.name),
        sh(c.name)
    )];
    let why = match c.state {
        State::Running(r) => format!(
            "init container `{}` is still running{}, so the app containers have not started",
            c.name,
            r.started_at
                .map(|t| format!(" (since {})", t.value))
                .unwrap_or_default()
        ),
        State::Terminated(t) => format!(
            "init container `{}` exited with code {}",
            c.name,
            t.exit_code.map_or(0, |e| e.value)
        ),
        State::Waiting(w) => format!(
            "init container `{}` is waiting{}",
            c.name,
            w.reason
                .map(|r| format!(" with `{}`", r.value))
                .unwrap_or_default()
        ),
        State::None => format!("init container `{}` has not run yet", c.name),
    };
    let waits = findings.on(&facts.keys, &[ids::INIT_CONTAINER_WAITS_FOR_MISSING]);
    for j in &waits {
        let f = findings.get(*j);
        causes.push(Cause::finding(
            f,
            if f.message.contains("ttlSecondsAfterFinished") {
                "the init container waits for a Job that deletes itself".to_owned()
            } else {
                "the init container waits for something the input does not contain".to_owned()
            },
            why.clone(),
            94,
            confirm.clone(),
        ));
    }
    let command = spec.get("command").or_else(|| spec.get("args"));
    if let Some(node) = command {
        let text: Vec<&str> = ["command", "args"]
            .into_iter()
            .filter_map(|k| spec.get(k))
            .flat_map(|l| l.items())
            .filter_map(|i| i.as_str())
            .collect();
        causes.push(Cause::at(
            pod,
            node,
            format!(
                "the command of init container `{}`: `{}`",
                c.name,
                shorten(&text.join(" "), 120)
            ),
            why.clone(),
            command_score(&c.state, waits.is_empty()),
            confirm.clone(),
        ));
    }
    let cannot_run = c
        .state
        .terminated()
        .or(c.last_state.terminated())
        .and_then(|t| t.exit_code)
        .is_some_and(|e| matches!(e.value, 126 | 127));
    if cannot_run && let Some(image) = spec.get("image") {
        causes.push(Cause::at(
            pod,
            image,
            format!(
                "the image `{}` of init container `{}`",
                image.scalar_text().unwrap_or("?"),
                c.name
            ),
            format!("{why}: 126/127 mean the command is not in the image or cannot be executed"),
            80,
            confirm,
        ));
    }
    causes
}
