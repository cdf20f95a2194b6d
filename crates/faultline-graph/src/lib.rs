//! faultline-graph
