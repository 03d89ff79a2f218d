//! Synthetic documents.
