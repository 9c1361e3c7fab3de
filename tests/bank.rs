//! Bank protocol tests (to be written).
