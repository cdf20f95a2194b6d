//! faultline-rules
