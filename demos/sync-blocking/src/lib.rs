//! sync-blocking (to be written).
