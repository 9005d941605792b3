//! The `ticket` Python module (being written: issue 6).
