//! The ids of the rules whose findings the chains and the report read: each the rule's own
//! `ID` constant, so a renamed rule is a compile error here, not a chain that silently stops
//! linking.

use faultline_rules::registry;

pub const ANTI_AFFINITY_UNSATISFIABLE: &str =
    registry::anti_affinity_unsatisfiable::AntiAffinityUnsatisfiable::ID;
pub const CONTAINER_CONFIG_ERROR: &str = registry::container_config_error::ContainerConfigError::ID;
pub const CONTAINER_OOM_KILLED: &str = registry::container_oom_killed::ContainerOomKilled::ID;
pub const CRONJOB_SCHEDULE_RISKY: &str = registry::cronjob_schedule_risky::CronjobScheduleRisky::ID;
pub const CRONJOB_STALLED: &str = registry::cronjob_stalled::CronjobStalled::ID;
pub const DAEMONSET_ROLLOUT_STUCK: &str =
    registry::daemonset_rollout_stuck::DaemonsetRolloutStuck::ID;
pub const HPA_MISSING_REQUESTS: &str = registry::hpa_missing_requests::HpaMissingRequests::ID;
pub const HPA_NOT_SCALING: &str = registry::hpa_not_scaling::HpaNotScaling::ID;
pub const HPA_TARGET_NOT_FOUND: &str = registry::hpa_target_not_found::HpaTargetNotFound::ID;
pub const IMAGE_PULL_FAILING: &str = registry::image_pull_failing::ImagePullFailing::ID;
pub const INIT_CONTAINER_WAITS_FOR_MISSING: &str =
    registry::init_container_waits_for_missing::InitContainerWaitsForMissing::ID;
pub const JOB_FAILED: &str = registry::job_failed::JobFailed::ID;
pub const JOB_STUCK: &str = registry::job_stuck::JobStuck::ID;
pub const JOB_NEVER_COMPLETES: &str = registry::job_never_completes::JobNeverCompletes::ID;
pub const JVM_HEAP_EXCEEDS_MEMORY_LIMIT: &str =
    registry::jvm_heap_exceeds_memory_limit::JvmHeapExceedsMemoryLimit::ID;
pub const NETPOL_BLOCKS_DNS: &str = registry::netpol_blocks_dns::NetpolBlocksDns::ID;
pub const NETPOL_BLOCKS_API_SERVER: &str =
    registry::netpol_blocks_api_server::NetpolBlocksApiServer::ID;
pub const NETPOL_BLOCKS_SERVICE_DEPENDENCY: &str =
    registry::netpol_blocks_service_dependency::NetpolBlocksServiceDependency::ID;
pub const NODE_NOT_READY: &str = registry::node_not_ready::NodeNotReady::ID;
pub const NODE_SELECTOR_MATCHES_NO_NODE: &str =
    registry::node_selector_matches_no_node::NodeSelectorMatchesNoNode::ID;
pub const NODE_UNDER_PRESSURE: &str = registry::node_under_pressure::NodeUnderPressure::ID;
pub const PDB_BLOCKS_EVICTION: &str = registry::pdb_blocks_eviction::PdbBlocksEviction::ID;
pub const PDB_DISRUPTIONS_BLOCKED: &str =
    registry::pdb_disruptions_blocked::PdbDisruptionsBlocked::ID;
pub const POD_CRASH_LOOPING: &str = registry::pod_crash_looping::PodCrashLooping::ID;
pub const POD_FAILED: &str = registry::pod_failed::PodFailed::ID;
pub const POD_SECURITY: &str = registry::pod_security::PodSecurity::ID;
pub const POD_INIT_BLOCKED: &str = registry::pod_init_blocked::PodInitBlocked::ID;
pub const POD_UNSCHEDULABLE: &str = registry::pod_unschedulable::PodUnschedulable::ID;
pub const PRIORITY_DEFAULT_PREEMPTS: &str =
    registry::priority_default_preempts::PriorityDefaultPreempts::ID;
pub const PROBE_DEPENDS_ON_SERVICE: &str =
    registry::probe_depends_on_service::ProbeDependsOnService::ID;
pub const PROBE_LIVENESS_EQUALS_READINESS: &str =
    registry::probe_liveness_equals_readiness::ProbeLivenessEqualsReadiness::ID;
pub const PROBE_LIVENESS_KILLS_SLOW_START: &str =
    registry::probe_liveness_kills_slow_start::ProbeLivenessKillsSlowStart::ID;
pub const PVC_PENDING: &str = registry::pvc_pending::PvcPending::ID;
pub const QUOTA_BLOCKS_SCALE_OUT: &str = registry::quota_blocks_scale_out::QuotaBlocksScaleOut::ID;
pub const QUOTA_EXHAUSTED: &str = registry::quota_exhausted::QuotaExhausted::ID;
pub const QUOTA_REQUIRES_REQUESTS: &str =
    registry::quota_requires_requests::QuotaRequiresRequests::ID;
pub const REFERENCE_NOT_FOUND: &str = registry::reference_not_found::ReferenceNotFound::ID;
pub const RESOURCES_MEMORY_LIMIT_MISSING: &str =
    registry::resources_memory_limit_missing::ResourcesMemoryLimitMissing::ID;
pub const RESOURCES_REQUESTS_MISSING: &str =
    registry::resources_requests_missing::ResourcesRequestsMissing::ID;
pub const ROLLOUT_STALLS: &str = registry::rollout_stalls::RolloutStalls::ID;
pub const SERVICE_NO_READY_ENDPOINTS: &str =
    registry::service_no_ready_endpoints::ServiceNoReadyEndpoints::ID;
pub const SERVICE_SELECTS_NO_PODS: &str =
    registry::service_selects_no_pods::ServiceSelectsNoPods::ID;
pub const SERVICE_TARGET_PORT_MISMATCH: &str =
    registry::service_target_port_mismatch::ServiceTargetPortMismatch::ID;
pub const TAINT_NOT_TOLERATED: &str = registry::taint_not_tolerated::TaintNotTolerated::ID;
pub const TOPOLOGY_SPREAD_UNSATISFIABLE: &str =
    registry::topology_spread_unsatisfiable::TopologySpreadUnsatisfiable::ID;
pub const WORKLOAD_UNAVAILABLE: &str = registry::workload_unavailable::WorkloadUnavailable::ID;
