//! The bank (to be written).
