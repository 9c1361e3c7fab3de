//! async-blocking (to be written).
