//! async-nonblocking (to be written).
