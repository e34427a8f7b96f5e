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
    /// The demo archive: catalogue.json, <id>/index.m3u8, transcripts.
    pub archive_root: PathBuf,
    /// "Now" for the guide and catch-up.
    pub clock: crate::config::Clock,
}

pub fn router(site: Site) -> Router {
    let hls = ServeDir::new(&site.hls_root);
    let archive = ServeDir::new(&site.archive_root);
    Router::new()
        .route("/", get(index))
        .route("/lineup.m3u", get(lineup))
        .route("/lineup-unicast.m3u", get(lineup_unicast))
        .route("/guide.xml", get(guide))
        .route("/guide.xml.gz", get(guide_gz))
        .route("/logos/{file}", get(logo))
        .route("/catchup/{channel}/index.m3u8", get(catchup))
        .nest_service("/hls", hls)
        .nest_service("/archive", archive)
        .with_state(site)
}

const M3U: &str = "audio/x-mpegurl; charset=utf-8";

#[derive(serde::Deserialize)]
struct CatchupQuery {
    utc: i64,
    duration: Option<i64>,
}

async fn catchup(
    State(site): State<Site>,
    Path(channel): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CatchupQuery>,
) -> Response {
    if !DEMO_CHANNELS.iter().any(|c| c.id == channel) {
        return (StatusCode::NOT_FOUND, format!("no channel {channel}\n")).into_response();
    }
    // The recordings are stamped by the system's clock (files' modification
    // times): a clock a test started elsewhere asks in its own time, so the
    // request is moved onto the system's by how far apart they are.
    let skew = site.clock.ahead_of_system();
    let now = site.clock.now() - skew;
    let dir = site.hls_root.join(&channel);
    let hls_path = format!("/hls/{channel}/");
    let utc = q.utc.saturating_sub(skew);
    match super::catchup::playlist(&dir, &hls_path, utc, q.duration.unwrap_or(3600), now) {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")],
            body,
        )
            .into_response(),
        Err(why) => (StatusCode::NOT_FOUND, format!("{channel}: {why}\n")).into_response(),
    }
}

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

/// Answers with an ETag (a hash of the body), or 304 when the client has it:
/// boxes refresh with conditional GET, as they would against a real headend.
pub(super) fn conditional(
    headers: &HeaderMap,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

async fn lineup(State(site): State<Site>, headers: HeaderMap) -> Response {
    conditional(
        &headers,
        M3U,
        feeds::lineup(&site.base_url, site.multicast).into_bytes(),
    )
}

async fn lineup_unicast(State(site): State<Site>, headers: HeaderMap) -> Response {
    conditional(
        &headers,
        M3U,
        feeds::lineup(&site.base_url, None).into_bytes(),
    )
}

/// The guide changes every half hour (it is generated around "now").
async fn guide(State(site): State<Site>, headers: HeaderMap) -> Response {
    let body = feeds::xmltv(site.clock.now()).into_bytes();
    conditional(&headers, "application/xml; charset=utf-8", body)
}

async fn guide_gz(State(site): State<Site>, headers: HeaderMap) -> Response {
    let body = feeds::gzip(feeds::xmltv(site.clock.now()).as_bytes());
    conditional(&headers, "application/gzip", body)
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
