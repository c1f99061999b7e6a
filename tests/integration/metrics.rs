//! `GET /metrics`: what an operator graphs and alerts on.

use crate::helpers::{TestApp, content_type};

#[tokio::test]
async fn metrics_show_tasks_queue_streams_durations_digits_and_http_traffic_in_prometheus_text() {
    let app = TestApp::binary(&[]).await;
    let id = app.submit(1_500).await;
    app.wait_for(id, "done").await;
    let _stream = app.events("/events", None).await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = content_type(&response);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap_or_default();
    let value = |series: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(series))
            .and_then(|rest| rest.trim().parse::<f64>().ok())
            .unwrap_or_default()
    };
    assert!(value("pilane_digits_computed_total") >= 1_500.0, "{text}");
    assert!(
        value("pilane_http_requests_total{method=\"POST\",route=\"/api/tasks\",status=\"201\"}")
            >= 1.0,
        "{text}"
    );
    for series in [
        "pilane_tasks{status=\"done\"}",
        "pilane_tasks{status=\"queued\"}",
        "pilane_queue_depth",
        "pilane_running_tasks",
        "pilane_sse_clients",
        "pilane_task_duration_seconds_bucket{size=\"1e4\"",
        "pilane_digits_computed_total",
        "pilane_http_requests_total{method=\"POST\",route=\"/api/tasks\",status=\"201\"}",
        "pilane_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/tasks/{id}\"",
    ] {
        assert!(text.contains(series), "{series} is missing from:\n{text}");
    }
}
