//! Prometheus metrics, named once here (request counts and latency per route, queue depth).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The server's metric families, on a registry of their own (one per server instance,
/// so tests can run several servers in one process).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub queue_depth: IntGauge,
    pub running: IntGauge,
    pub workers_ready: IntGauge,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "hawiya_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "hawiya_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            // From a cached auth check (ms) to a slow document read on a busy box (s).
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let queue_depth = IntGauge::new(
            "hawiya_inference_queue_depth",
            "Inference jobs admitted and waiting for a worker",
        )
        .expect("valid metric");
        let running = IntGauge::new("hawiya_inference_running", "Inference jobs running")
            .expect("valid metric");
        let workers_ready = IntGauge::new(
            "hawiya_inference_workers_ready",
            "Inference workers with their models loaded",
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(queue_depth.clone()),
            Box::new(running.clone()),
            Box::new(workers_ready.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            queue_depth,
            running,
            workers_ready,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encoding metrics to memory");
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
