//! Admission and the worker pool: the only way work reaches the models.
//!
//! As in text-embeddings-inference, admission is explicit: a job is either queued within a
//! fixed capacity or refused at once with [`EngineError::Overloaded`] (the route maps it to
//! 429); nothing waits without bound. Each worker is a dedicated OS thread that owns its
//! [`Worker`] state (ONNX sessions and Tesseract engines are `&mut`), so inference never runs
//! on the async reactor threads. Results come back through `oneshot` channels.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::oneshot;

use crate::worker::Worker;

/// Sizing of the pool.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Worker threads, each with its own models. Default: the number of CPU cores, since
    /// each worker keeps one core busy at one intra-op thread.
    pub workers: usize,
    /// Jobs admitted but not yet started, across all workers. Default 32: about two seconds
    /// of ID fronts on 2 cores; past that a client is better told 429 than kept waiting.
    pub queue_capacity: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_capacity: 32,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the server is at capacity ({0} requests queued); retry later")]
    Overloaded(usize),
    #[error("the inference workers are not running")]
    Stopped,
    #[error("the inference job panicked: {0}")]
    Panicked(String),
}

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// Live counters, read by `/metrics` and `/ready`.
#[derive(Debug, Default)]
pub struct EngineStats {
    pub queued: AtomicUsize,
    pub running: AtomicUsize,
    pub workers_ready: AtomicUsize,
    pub workers_failed: AtomicUsize,
}

/// A cloneable handle on the pool.
#[derive(Clone)]
pub struct Engine {
    tx: crossbeam_channel::Sender<Job>,
    stats: Arc<EngineStats>,
    workers: usize,
    capacity: usize,
    started: Arc<AtomicBool>,
}

impl Engine {
    /// Starts `config.workers` threads; each builds its state with `make_worker(index)`
    /// (loading and warming its models) before taking jobs. `/ready` turns true once all
    /// have done so.
    pub fn start<F>(config: &EngineConfig, make_worker: F) -> Engine
    where
        F: Fn(usize) -> anyhow_like::Result<Worker> + Send + Sync + 'static,
    {
        let workers = config.workers.max(1);
        let capacity = config.queue_capacity.max(1);
        let (tx, rx) = crossbeam_channel::bounded::<Job>(capacity);
        let stats = Arc::new(EngineStats::default());
        let make_worker = Arc::new(make_worker);
        for index in 0..workers {
            let rx = rx.clone();
            let stats = stats.clone();
            let make_worker = make_worker.clone();
            std::thread::Builder::new()
                .name(format!("hawiya-worker-{index}"))
                .spawn(move || {
                    let started = Instant::now();
                    let mut worker = match make_worker(index) {
                        Ok(w) => w,
                        Err(e) => {
                            tracing::error!(worker = index, error = %e, "worker failed to start");
                            stats.workers_failed.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    };
                    tracing::info!(
                        worker = index,
                        ms = started.elapsed().as_millis() as u64,
                        "worker ready"
                    );
                    stats.workers_ready.fetch_add(1, Ordering::SeqCst);
                    while let Ok(job) = rx.recv() {
                        stats.queued.fetch_sub(1, Ordering::SeqCst);
                        stats.running.fetch_add(1, Ordering::SeqCst);
                        job(&mut worker);
                        stats.running.fetch_sub(1, Ordering::SeqCst);
                    }
                })
                .expect("spawning a worker thread");
        }
        Engine {
            tx,
            stats,
            workers,
            capacity,
            started: Arc::new(AtomicBool::new(true)),
        }
    }

    /// True once every worker has loaded its models.
    pub fn ready(&self) -> bool {
        self.started.load(Ordering::SeqCst)
            && self.stats.workers_ready.load(Ordering::SeqCst) == self.workers
    }

    /// True if a worker could not start (a model missing or broken).
    pub fn failed(&self) -> bool {
        self.stats.workers_failed.load(Ordering::SeqCst) > 0
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Admits `job` or refuses it at once, then awaits its result. A job whose caller has
    /// gone away (timeout, disconnect) before a worker reaches it is skipped.
    pub async fn run<T, F>(&self, job: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Worker) -> T + Send + 'static,
    {
        let (done_tx, done_rx) = oneshot::channel::<std::thread::Result<T>>();
        let wrapped: Job = Box::new(move |worker: &mut Worker| {
            if done_tx.is_closed() {
                return;
            }
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || job(worker)));
            let _ = done_tx.send(result);
        });
        self.stats.queued.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = self.tx.try_send(wrapped) {
            self.stats.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(match e {
                crossbeam_channel::TrySendError::Full(_) => EngineError::Overloaded(self.capacity),
                crossbeam_channel::TrySendError::Disconnected(_) => EngineError::Stopped,
            });
        }
        match done_rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(EngineError::Panicked(panic_message(&panic))),
            Err(_) => Err(EngineError::Stopped),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// A minimal boxed error for worker construction, so this module needs no error crate.
pub mod anyhow_like {
    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    pub type Result<T> = std::result::Result<T, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn runs_jobs_and_refuses_past_capacity() {
        let engine = Engine::start(
            &EngineConfig {
                workers: 1,
                queue_capacity: 2,
            },
            |i| Ok(Worker::bare(i)),
        );
        for _ in 0..100 {
            if engine.ready() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(engine.ready());
        assert_eq!(engine.run(|w| w.index + 41).await.unwrap(), 41);

        // Occupy the single worker, then fill the queue. Wait for the blocking job itself
        // to start: the `running` count of the job before it may not have dropped yet.
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let e = engine.clone();
            tokio::spawn(async move {
                e.run(move |_| {
                    started_tx.send(()).ok();
                    release_rx.recv().ok();
                })
                .await
            })
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while started_rx.try_recv().is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the blocking job never started"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let queued: Vec<_> = (0..2)
            .map(|_| {
                let e = engine.clone();
                tokio::spawn(async move { e.run(|_| 1).await })
            })
            .collect();
        while engine.stats().queued.load(Ordering::SeqCst) < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the queue never filled"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert_eq!(
            engine.run(|_| 0).await.unwrap_err(),
            EngineError::Overloaded(2)
        );
        release_tx.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        for q in queued {
            assert_eq!(q.await.unwrap().unwrap(), 1);
        }
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_not_a_dead_worker() {
        let engine = Engine::start(
            &EngineConfig {
                workers: 1,
                queue_capacity: 4,
            },
            |i| Ok(Worker::bare(i)),
        );
        let err = engine.run(|_| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(err, EngineError::Panicked("boom".into()));
        assert_eq!(engine.run(|_| 7).await.unwrap(), 7);
    }
}
