//! The headend's HTTP routes (axum).

use std::path::PathBuf;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

use super::{DEMO_CHANNELS, feeds};

/// What the routes need to know.
#[derive(Clone)]
pub struct Site {
    pub base_url: String,
    /// The multicast instance number, when multicast is sent.
    pub multicast: Option<u16>,
    pub hls_root: PathBuf,
}

pub fn router(site: Site) -> Router {
    let hls = ServeDir::new(&site.hls_root);
    Router::new()
        .route("/", get(index))
        .route("/lineup.m3u", get(lineup))
        .route("/lineup-unicast.m3u", get(lineup_unicast))
        .route("/guide.xml", get(guide))
        .route("/guide.xml.gz", get(guide_gz))
        .route("/logos/{file}", get(logo))
        .nest_service("/hls", hls)
        .with_state(site)
}

const M3U: &str = "audio/x-mpegurl; charset=utf-8";

async fn index(State(site): State<Site>) -> impl IntoResponse {
    let body = serde_json::json!({
        "name": "Hustings demo headend",
        "lineup": format!("{}lineup.m3u", site.base_url),
        "guide": format!("{}guide.xml.gz", site.base_url),
        "multicast": site.multicast.is_some(),
        "channels": DEMO_CHANNELS.iter().map(|c| c.id).collect::<Vec<_>>(),
    });
    axum::Json(body)
}

async fn lineup(State(site): State<Site>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, M3U)],
        feeds::lineup(&site.base_url, site.multicast),
    )
}

async fn lineup_unicast(State(site): State<Site>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, M3U)],
        feeds::lineup(&site.base_url, None),
    )
}

async fn guide() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        feeds::xmltv(chrono::Utc::now().timestamp()),
    )
}

async fn guide_gz() -> impl IntoResponse {
    let body = feeds::gzip(feeds::xmltv(chrono::Utc::now().timestamp()).as_bytes());
    ([(header::CONTENT_TYPE, "application/gzip")], body)
}

async fn logo(Path(file): Path<String>) -> Response {
    let id = file.strip_suffix(".svg").unwrap_or(&file);
    match DEMO_CHANNELS.iter().find(|c| c.id == id) {
        Some(c) => (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            feeds::logo_svg(c.number, c.colour),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, format!("no logo for {id}")).into_response(),
    }
}
