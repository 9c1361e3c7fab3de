//! The Chrome trace-event exporter (to be written).
