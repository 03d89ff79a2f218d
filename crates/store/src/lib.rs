//! Persistence for hawiya.
