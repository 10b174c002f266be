//! A small Prometheus registry for the HTTP layer, without external crates.
//!
//! Requests are counted by (method, route template, status) and timed by
//! (method, route template). The route is axum's [`MatchedPath`]
//! (`/api/v1/cases/{case_id}`), never the raw path, so the number of series
//! stays bounded by the number of routes; a request without a matched path is
//! recorded as `unmatched`, and a method outside the standard nine as `OTHER`.
//!
//! # Hot path
//!
//! A series is found with a read lock on a map keyed by route template (a
//! `&str` lookup, no allocation) and then updated with relaxed atomics while
//! the read guard is held. The write lock is taken only the first time a
//! route is seen. The per-method series inside a route is created once,
//! lock-free, and status counts live in a small lock-free slot table (a
//! mutex-guarded overflow map catches a series with more than
//! [`STATUS_SLOTS`] distinct statuses, which does not happen in practice).
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

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Route label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Status recorded for a request dropped before it produced a response.
pub const CANCELLED_STATUS: u16 = 499;

/// Distinct statuses a (method, route) series holds without taking a lock.
pub const STATUS_SLOTS: usize = 16;

/// Method labels; anything else is `OTHER`, so a client cannot invent series.
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER",
];

/// Histogram upper bounds: the label as written and the bound in nanoseconds.
const BUCKETS: [(&str, u64); 14] = [
    ("0.0005", 500_000),
    ("0.001", 1_000_000),
    ("0.0025", 2_500_000),
    ("0.005", 5_000_000),
    ("0.01", 10_000_000),
    ("0.025", 25_000_000),
    ("0.05", 50_000_000),
    ("0.1", 100_000_000),
    ("0.25", 250_000_000),
    ("0.5", 500_000_000),
    ("1", 1_000_000_000),
    ("2.5", 2_500_000_000),
    ("5", 5_000_000_000),
    ("10", 10_000_000_000),
];

const REQUESTS_TOTAL: &str = "amiable_http_requests_total";
const REQUEST_DURATION: &str = "amiable_http_request_duration_seconds";

/// The HTTP metrics of the process. Share it as `Arc<Metrics>`.
#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<Box<str>, RouteSeries>>,
}

/// Every method of one route template.
#[derive(Default)]
struct RouteSeries {
    by_method: [OnceLock<Box<Series>>; METHODS.len()],
}

/// One (method, route): status counts and the latency histogram.
#[derive(Default)]
struct Series {
    statuses: StatusCounts,
    latency: Histogram,
}

#[derive(Default)]
struct StatusCounts {
    /// A slot is claimed by writing its status (0 = free) and never released.
    slots: [(AtomicU16, AtomicU64); STATUS_SLOTS],
    overflow: Mutex<BTreeMap<u16, u64>>,
}

#[derive(Default)]
struct Histogram {
    /// Observations per bucket, not cumulative; the last one is above the
    /// largest bound. The count is their sum, so `+Inf` always equals `_count`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one answered request. `route` is a route template or
    /// [`UNMATCHED_ROUTE`], never a raw path.
    pub fn record(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let method = method_index(method);
        {
            let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(series) = routes.get(route) {
                series.record(method, status, elapsed);
                return;
            }
        }
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        routes
            .entry(route.into())
            .or_default()
            .record(method, status, elapsed);
    }

    /// The Prometheus text exposition format 0.0.4 of the HTTP metrics,
    /// followed by `extra` series given as (name, help, value). An extra
    /// whose name ends in `_total` is typed `counter`, any other `gauge`
    /// (the Prometheus naming convention); an invalid metric name is skipped.
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let snapshot = self.snapshot();
        let mut out = String::with_capacity(256 + snapshot.len() * 1024);

        header(
            &mut out,
            REQUESTS_TOTAL,
            "HTTP requests answered, by method, route template and status.",
            "counter",
        );
        for row in &snapshot {
            for (status, count) in &row.statuses {
                let _ = writeln!(
                    out,
                    "{REQUESTS_TOTAL}{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                    row.method,
                    escape_label(&row.route),
                );
            }
        }

        header(
            &mut out,
            REQUEST_DURATION,
            "Time from receiving a request to returning its response headers, by method and route template.",
            "histogram",
        );
        for row in &snapshot {
            let labels = format!(
                "method=\"{}\",route=\"{}\"",
                row.method,
                escape_label(&row.route)
            );
            let mut cumulative = 0;
            for ((le, _), count) in BUCKETS.iter().zip(&row.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "{REQUEST_DURATION}_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let count = row.buckets.iter().sum::<u64>();
            let _ = writeln!(
                out,
                "{REQUEST_DURATION}_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "{REQUEST_DURATION}_sum{{{labels}}} {}",
                format_value(row.sum_nanos as f64 / 1e9)
            );
            let _ = writeln!(out, "{REQUEST_DURATION}_count{{{labels}}} {count}");
        }

        for (name, help, value) in extra {
            if !is_metric_name(name) {
                debug_assert!(false, "invalid metric name {name:?}");
                continue;
            }
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            header(&mut out, name, help, kind);
            let _ = writeln!(out, "{name} {}", format_value(*value));
        }
        out
    }

    /// Every series, sorted by route, method and status so the output is stable.
    fn snapshot(&self) -> Vec<Row> {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        let mut rows = Vec::new();
        for (route, series) in routes.iter() {
            for (method, slot) in METHODS.iter().zip(&series.by_method) {
                let Some(series) = slot.get() else { continue };
                let mut buckets = [0; BUCKETS.len() + 1];
                for (to, from) in buckets.iter_mut().zip(&series.latency.buckets) {
                    *to = from.load(Ordering::Relaxed);
                }
                rows.push(Row {
                    route: route.to_string(),
                    method,
                    statuses: series.statuses.snapshot(),
                    buckets,
                    sum_nanos: series.latency.sum_nanos.load(Ordering::Relaxed),
                });
            }
        }
        drop(routes);
        rows.sort_by(|a, b| (&a.route, a.method).cmp(&(&b.route, b.method)));
        rows
    }
}

struct Row {
    route: String,
    method: &'static str,
    statuses: Vec<(u16, u64)>,
    buckets: [u64; BUCKETS.len() + 1],
    sum_nanos: u64,
}

impl RouteSeries {
    fn record(&self, method: usize, status: u16, elapsed: Duration) {
        let series = self.by_method[method].get_or_init(Box::default);
        series.statuses.increment(status);
        series.latency.observe(elapsed);
    }
}

impl StatusCounts {
    fn increment(&self, status: u16) {
        // 0 marks a free slot; no HTTP status is 0, but keep the table sound anyway.
        let status = status.max(1);
        for (slot_status, count) in &self.slots {
            let current = slot_status.load(Ordering::Acquire);
            let owned = current == status
                || (current == 0
                    && match slot_status.compare_exchange(
                        0,
                        status,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => true,
                        Err(winner) => winner == status,
                    });
            if owned {
                count.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        let mut overflow = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
        *overflow.entry(status).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<(u16, u64)> {
        let mut counts: BTreeMap<u16, u64> = self
            .overflow
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (status, count) in &self.slots {
            let status = status.load(Ordering::Acquire);
            if status != 0 {
                *counts.entry(status).or_default() += count.load(Ordering::Relaxed);
            }
        }
        counts.into_iter().collect()
    }
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKETS
            .iter()
            .position(|&(_, bound)| nanos <= bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
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

fn method_index(method: &Method) -> usize {
    let name = method.as_str();
    METHODS[..METHODS.len() - 1]
        .iter()
        .position(|known| *known == name)
        .unwrap_or(METHODS.len() - 1)
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values escape backslash, double quote and line feed.
fn escape_label(value: &str) -> String {
    escape(value, true)
}

/// Help text escapes backslash and line feed only.
fn escape_help(value: &str) -> String {
    escape(value, false)
}

fn escape(value: &str, quote: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// A sample value as Prometheus parses it (`+Inf`, `-Inf`, `NaN`; Rust's
/// `Display` never uses an exponent, which the format accepts either way).
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
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

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
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

        let text = metrics.render(&[]);
        let counters: Vec<_> = lines(&text)
            .into_iter()
            .filter(|l| l.starts_with("amiable_http_requests_total"))
            .collect();
        assert_eq!(
            counters,
            [
                r#"amiable_http_requests_total{method="POST",route="/api/v1/cases",status="201"} 1"#,
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="200"} 2"#,
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="404"} 1"#,
                r#"amiable_http_requests_total{method="OTHER",route="unmatched",status="405"} 1"#,
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
        let text = metrics.render(&[]);
        let histogram: Vec<_> = lines(&text)
            .into_iter()
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
    fn extra_series_are_typed_by_name() {
        let text = Metrics::new().render(&[
            ("amiable_jobs_pending", "Jobs waiting to run.", 3.0),
            (
                "amiable_case_events_appended_total",
                "Case events appended since start.",
                1250.0,
            ),
            (
                "amiable_odd",
                "Back\\slash\nnewline \"quotes\" stay in help.",
                f64::INFINITY,
            ),
        ]);
        let tail: Vec<_> = lines(&text).into_iter().skip(4).collect();
        assert_eq!(
            tail,
            [
                "# HELP amiable_jobs_pending Jobs waiting to run.",
                "# TYPE amiable_jobs_pending gauge",
                "amiable_jobs_pending 3",
                "# HELP amiable_case_events_appended_total Case events appended since start.",
                "# TYPE amiable_case_events_appended_total counter",
                "amiable_case_events_appended_total 1250",
                r#"# HELP amiable_odd Back\\slash\nnewline "quotes" stay in help."#,
                "# TYPE amiable_odd gauge",
                "amiable_odd +Inf",
            ]
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::new();
        metrics.record(&Method::GET, "/a\\b\"c\nd", 200, ms(1));
        let text = metrics.render(&[]);
        assert!(
            text.contains(r#"{method="GET",route="/a\\b\"c\nd",status="200"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn more_statuses_than_slots_are_still_counted() {
        let metrics = Metrics::new();
        for status in 200..(200 + STATUS_SLOTS as u16 + 4) {
            metrics.record(&Method::GET, "/x", status, ms(1));
            metrics.record(&Method::GET, "/x", status, ms(1));
        }
        let text = metrics.render(&[]);
        let counted = lines(&text)
            .into_iter()
            .filter(|l| l.starts_with("amiable_http_requests_total{") && l.ends_with("} 2"))
            .count();
        assert_eq!(counted, STATUS_SLOTS + 4);
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
        let text = metrics.render(&[]);
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

        let text = metrics.render(&[]);
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
        let text = metrics.render(&[]);
        assert!(
            text.contains(r#"{method="GET",route="/slow",status="499"} 1"#),
            "{text}"
        );
    }
}
