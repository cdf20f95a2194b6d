//! faultline's command-line front end. The renderers live here so that the binary and the
//! tests share them.

pub mod check;
pub mod graph;
pub mod helm;
pub mod network;
pub mod redact;
pub mod render;
pub mod session;
pub mod triage;
