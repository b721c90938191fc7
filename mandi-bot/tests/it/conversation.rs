//! The conversation (written below).
