//! The terminal swimlane (to be written).
