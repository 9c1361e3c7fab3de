//! sim (to be written).
