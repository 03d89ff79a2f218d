//! The state one worker thread owns: its model sessions and OCR engines.

/// Per-thread inference state. Built once per worker thread by the engine's factory.
pub struct Worker {
    /// The worker's index in the pool (for logs and metrics).
    pub index: usize,
}

impl Worker {
    /// A worker with no models, for tests of the plumbing and for routes that need none.
    pub fn bare(index: usize) -> Self {
        Worker { index }
    }
}
