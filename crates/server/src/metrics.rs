//! The process's Prometheus metrics, kept in a [`prometheus_client`] registry.
//!
//! # What is exposed
//!
//! - `amiable_http_requests_total{method,route,status}` (counter) and
//!   `amiable_http_request_duration_seconds{method,route}` (histogram), recorded
//!   by the [`track`] middleware. The route is axum's [`MatchedPath`]
//!   (`/api/v1/cases/{case_id}`), never the raw path, so the number of series
//!   stays bounded by the number of routes; a request without a matched path is
//!   recorded as `unmatched`, and a method outside the standard nine as `OTHER`.
//! - `amiable_jobs_pending` (gauge) and `amiable_case_events_appended_total`
//!   (counter), read from the store when `/metrics` is scraped.
//!
//! The text is the Prometheus exposition format 0.0.4 ([`CONTENT_TYPE`]).
//!
//! # Adding a series
//!
//! Every family belongs to a group struct (such as [`HttpMetrics`]) that
//! registers its families in its `register` function, called once from
//! [`Metrics::new`]; the registry is never touched after that, so recording
//! needs no lock on it. Then:
//!
//! - something the code counts as it happens (webhook failures, SLA breaches
//!   noticed by the worker): add a [`Counter`] or a [`Family`] to a group (a new
//!   one if it belongs to no existing group), register it there, and update it
//!   where it happens through `state.inner.metrics.<group>.<field>`;
//! - something the database knows (outbox lag, cases past their deadline): add a
//!   [`Gauge`] to [`StoreMetrics`], register it in [`StoreMetrics::register`]
//!   and set it in [`StoreMetrics::sample`], which runs right before each
//!   scrape is encoded;
//! - a counter kept elsewhere in memory (like the store's count of appended
//!   events): a [`ScrapedCounter`], copied in by [`StoreMetrics::sample`].
//!
//! Register names without the `_total` suffix of counters and without the unit
//! (use [`Registry::register_with_unit`]): the encoder appends them. Help texts
//! get their final full stop from the registry too.
//!
//! # Wiring
//!
//! [`track`] reads `MatchedPath` from the request extensions, which axum only
//! fills in once routing is done. Add it with `Router::route_layer` after the
//! routes (and nested routers) it should see:
//!
//! ```ignore
//! let metrics = Arc::new(Metrics::new());
//! Router::new()
//!     .route("/healthz", get(healthz))
//!     .nest("/api/v1", api::routes())
//!     .route_layer(middleware::from_fn_with_state(metrics.clone(), metrics::track))
//!     .fallback(not_found.layer(middleware::from_fn_with_state(metrics.clone(), metrics::track)))
//! ```
//!
//! Route layers do not run for the router's fallback, so wrap the fallback
//! handler as well if 404s should be counted (as `unmatched`). Added with
//! `Router::layer` instead, the middleware runs before routing and every
//! request would be recorded as `unmatched`.
//!
//! The duration is measured until the handler returns its response (the
//! headers), not until the body has been streamed. A request whose future is
//! dropped before it answers (the client went away, or the outer timeout
//! fired) is counted with status 499, nginx's "client closed request".

use amiable_store::Store;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The `Content-Type` of [`Metrics::encode`]'s text: Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Route label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Status recorded for a request dropped before it produced a response.
pub const CANCELLED_STATUS: u16 = 499;

/// Method labels; anything else is `OTHER`, so a client cannot invent series.
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER",
];

/// Upper bounds of the latency histogram, in seconds: from half a millisecond
/// (a cached read) to ten seconds (well past anything a person waits for).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The metrics of the process and the registry that exposes them. Build it
/// once and share it as `Arc<Metrics>`.
pub struct Metrics {
    registry: Registry,
    /// Recorded by [`track`].
    http: HttpMetrics,
    /// Read from the store at scrape time.
    store: StoreMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Every family, registered once; new groups are registered here.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http = HttpMetrics::register(&mut registry);
        let store = StoreMetrics::register(&mut registry);
        Metrics {
            registry,
            http,
            store,
        }
    }

    /// Records one answered request. `route` is a route template or
    /// [`UNMATCHED_ROUTE`], never a raw path.
    pub fn record(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        self.http.record(method, route, status, elapsed);
    }

    /// Reads what the store knows, then encodes every series (`GET /metrics`).
    pub async fn scrape(&self, store: &Store) -> Result<String, std::fmt::Error> {
        self.store.sample(store).await;
        self.encode()
    }

    /// The text of every series as it stands ([`CONTENT_TYPE`]). Families
    /// without any series yet are left out.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The labels of a request's duration.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    /// One of [`METHODS`].
    method: &'static str,
    /// A route template or [`UNMATCHED_ROUTE`].
    route: String,
}

/// The labels of an answered request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    #[prometheus(flatten)]
    route: RouteLabels,
    status: u16,
}

/// The series of the HTTP layer.
struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl HttpMetrics {
    fn register(registry: &mut Registry) -> Self {
        let requests = Family::default();
        registry.register(
            "amiable_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let duration: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "amiable_http_request_duration",
            "Time from receiving a request to returning its response headers, by method and route template",
            Unit::Seconds,
            duration.clone(),
        );
        HttpMetrics { requests, duration }
    }

    fn record(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            route: RouteLabels {
                method: method_label(method),
                route: route.to_owned(),
            },
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.duration
            .get_or_create(&labels.route)
            .observe(elapsed.as_secs_f64());
    }
}

/// The series read from the store at scrape time.
struct StoreMetrics {
    jobs_pending: Gauge,
    case_events_appended: ScrapedCounter,
}

impl StoreMetrics {
    fn register(registry: &mut Registry) -> Self {
        let jobs_pending = Gauge::default();
        registry.register(
            "amiable_jobs_pending",
            "Jobs waiting to run (timers, reminders); -1 when the database did not answer",
            jobs_pending.clone(),
        );
        let case_events_appended = ScrapedCounter::default();
        registry.register(
            "amiable_case_events_appended",
            "Case events appended by this process",
            case_events_appended.clone(),
        );
        StoreMetrics {
            jobs_pending,
            case_events_appended,
        }
    }

    /// Copies the store's figures into the series, right before they are encoded.
    async fn sample(&self, store: &Store) {
        self.jobs_pending
            .set(store.pending_jobs().await.unwrap_or(-1));
        self.case_events_appended.set(store.events_appended());
    }
}

/// A counter whose count is kept elsewhere (a monotonic `u64`, such as the
/// store's appended events) and copied in at scrape time.
#[derive(Clone, Debug, Default)]
pub struct ScrapedCounter(Arc<AtomicU64>);

impl ScrapedCounter {
    /// The count now; the source must never go down.
    pub fn set(&self, count: u64) {
        self.0.store(count, Ordering::Relaxed);
    }
}

impl EncodeMetric for ScrapedCounter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.0.load(Ordering::Relaxed), None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// Middleware for `axum::middleware::from_fn_with_state`: times the request
/// and records it under its matched route (see the module documentation for
/// where to add it).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let mut in_flight = InFlight {
        metrics: &metrics,
        method: request.method().clone(),
        // An `Arc<str>` inside: cloning it does not allocate.
        route: request.extensions().get::<MatchedPath>().cloned(),
        started: Instant::now(),
        answered: false,
    };
    let response = next.run(request).await;
    in_flight.finish(response.status().as_u16());
    response
}

/// Records the request when it answers, or as cancelled if it is dropped first.
struct InFlight<'a> {
    metrics: &'a Metrics,
    method: Method,
    route: Option<MatchedPath>,
    started: Instant,
    answered: bool,
}

impl InFlight<'_> {
    fn finish(&mut self, status: u16) {
        self.answered = true;
        self.record(status);
    }

    fn record(&self, status: u16) {
        let route = self
            .route
            .as_ref()
            .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        self.metrics
            .record(&self.method, route, status, self.started.elapsed());
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.record(CANCELLED_STATUS);
        }
    }
}

fn method_label(method: &Method) -> &'static str {
    let name = method.as_str();
    METHODS[..METHODS.len() - 1]
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or(METHODS[METHODS.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn text(metrics: &Metrics) -> String {
        metrics.encode().unwrap()
    }

    /// The lines starting with `prefix`, sorted: families are not kept in order.
    fn sorted_lines<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
        let mut lines: Vec<_> = text.lines().filter(|l| l.starts_with(prefix)).collect();
        lines.sort_unstable();
        lines
    }

    #[test]
    fn counts_by_method_route_and_status() {
        let metrics = Metrics::new();
        let case = "/api/v1/cases/{case_id}";
        metrics.record(&Method::GET, case, 200, ms(3));
        metrics.record(&Method::GET, case, 200, ms(7));
        metrics.record(&Method::GET, case, 404, ms(1));
        metrics.record(&Method::POST, "/api/v1/cases", 201, ms(40));
        metrics.record(
            &Method::from_bytes(b"BREW").unwrap(),
            UNMATCHED_ROUTE,
            405,
            ms(0),
        );

        let text = text(&metrics);
        assert_eq!(
            sorted_lines(&text, "amiable_http_requests_total"),
            [
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="200"} 2"#,
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="404"} 1"#,
                r#"amiable_http_requests_total{method="OTHER",route="unmatched",status="405"} 1"#,
                r#"amiable_http_requests_total{method="POST",route="/api/v1/cases",status="201"} 1"#,
            ]
        );
        assert!(text.starts_with(
            "# HELP amiable_http_requests_total HTTP requests answered, by method, route template and status.\n\
             # TYPE amiable_http_requests_total counter\n"
        ));
        assert!(text.contains(
            "# HELP amiable_http_request_duration_seconds Time from receiving a request to returning its response headers, by method and route template.\n\
             # TYPE amiable_http_request_duration_seconds histogram\n"
        ));
    }

    #[test]
    fn histogram_is_cumulative_with_sum_and_count() {
        let metrics = Metrics::new();
        let route = "/api/v1/cases/{case_id}";
        // 0.5 ms sits on a bound (le is inclusive), 3 ms, 7 ms, 2 s, 30 s above all bounds.
        for elapsed in [
            Duration::from_micros(500),
            ms(3),
            ms(7),
            ms(2000),
            ms(30_000),
        ] {
            metrics.record(&Method::GET, route, 200, elapsed);
        }
        let text = text(&metrics);
        // One series: its lines come in order.
        let histogram: Vec<_> = text
            .lines()
            .filter(|l| l.starts_with("amiable_http_request_duration_seconds"))
            .collect();
        let labels = r#"method="GET",route="/api/v1/cases/{case_id}""#;
        let expected: Vec<String> = [
            ("0.0005", 1),
            ("0.001", 1),
            ("0.0025", 1),
            ("0.005", 2),
            ("0.01", 3),
            ("0.025", 3),
            ("0.05", 3),
            ("0.1", 3),
            ("0.25", 3),
            ("0.5", 3),
            ("1", 3),
            ("2.5", 4),
            ("5", 4),
            ("10", 4),
            ("+Inf", 5),
        ]
        .iter()
        .map(|(le, n)| {
            format!("amiable_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}")
        })
        .chain([
            format!("amiable_http_request_duration_seconds_sum{{{labels}}} 32.0105"),
            format!("amiable_http_request_duration_seconds_count{{{labels}}} 5"),
        ])
        .collect();
        assert_eq!(histogram, expected);
    }

    #[test]
    fn store_series_are_a_gauge_and_a_counter() {
        let metrics = Metrics::new();
        // Nothing recorded yet: the HTTP families are left out, the store's series are not.
        metrics.store.jobs_pending.set(3);
        metrics.store.case_events_appended.set(1250);
        assert_eq!(
            text(&metrics).lines().collect::<Vec<_>>(),
            [
                "# HELP amiable_jobs_pending Jobs waiting to run (timers, reminders); -1 when the database did not answer.",
                "# TYPE amiable_jobs_pending gauge",
                "amiable_jobs_pending 3",
                "# HELP amiable_case_events_appended_total Case events appended by this process.",
                "# TYPE amiable_case_events_appended_total counter",
                "amiable_case_events_appended_total 1250",
            ]
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::new();
        metrics.record(&Method::GET, "/a\\b\"c\nd", 200, ms(1));
        let text = text(&metrics);
        assert!(
            text.contains(r#"{method="GET",route="/a\\b\"c\nd",status="200"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn many_statuses_are_all_counted() {
        let metrics = Metrics::new();
        for status in 200..220 {
            metrics.record(&Method::GET, "/x", status, ms(1));
            metrics.record(&Method::GET, "/x", status, ms(1));
        }
        let text = text(&metrics);
        let counted = text
            .lines()
            .filter(|l| l.starts_with("amiable_http_requests_total{") && l.ends_with("} 2"))
            .count();
        assert_eq!(counted, 20);
        assert!(
            text.contains(r#"_count{method="GET",route="/x"} 40"#),
            "{text}"
        );
    }

    #[test]
    fn concurrent_records_are_all_counted() {
        let metrics = Arc::new(Metrics::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let metrics = metrics.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u16 {
                        metrics.record(&Method::GET, "/hot", 200 + (i + t) % 3, ms(1));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = text(&metrics);
        assert!(
            text.contains(r#"_count{method="GET",route="/hot"} 40000"#),
            "{text}"
        );
    }

    #[tokio::test]
    async fn middleware_records_the_route_template() {
        let metrics = Arc::new(Metrics::new());
        let app = Router::new()
            .route("/cases/{case_id}", get(|| async { "ok" }))
            .route_layer(axum::middleware::from_fn_with_state(metrics.clone(), track));
        let response = app
            .clone()
            .oneshot(
                axum::http::Request::get("/cases/42")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let response = app
            .oneshot(
                axum::http::Request::post("/cases/42")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 405);

        let text = text(&metrics);
        assert!(text.contains(r#"amiable_http_requests_total{method="GET",route="/cases/{case_id}",status="200"} 1"#), "{text}");
        assert!(text.contains(r#"amiable_http_requests_total{method="POST",route="/cases/{case_id}",status="405"} 1"#), "{text}");
        assert!(!text.contains("/cases/42"));
    }

    #[tokio::test]
    async fn dropped_request_counts_as_cancelled() {
        let metrics = Arc::new(Metrics::new());
        let app = Router::new()
            .route("/slow", get(std::future::pending::<&'static str>))
            .route_layer(axum::middleware::from_fn_with_state(metrics.clone(), track));
        let call = app.oneshot(
            axum::http::Request::get("/slow")
                .body(Body::empty())
                .unwrap(),
        );
        assert!(tokio::time::timeout(ms(10), call).await.is_err());
        let text = text(&metrics);
        assert!(
            text.contains(r#"{method="GET",route="/slow",status="499"} 1"#),
            "{text}"
        );
    }
}
