//! faultline-model
