//! sync-nonblocking (to be written).
