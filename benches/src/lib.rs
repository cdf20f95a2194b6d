//! benchmark data generator
