//! flags (to be written).
