//! Helpers for the cross-demo tests (to be written).
