//! Serves a directory over HTTP on loopback: the download cache, so a
//! downloaded speech plays with no network (GStreamer 1.22's hlsdemux2 reads
//! playlists over HTTP only).
//!
//! tower-http's `ServeDir` (ranges, HEAD, content types, no path escaping the
//! directory) on hyper's HTTP/1 connection, with no web framework: the box
//! build carries no axum, which only the demo headend needs. It serves files;
//! it does not route, cache or authenticate, so bind it to loopback only.

use std::path::PathBuf;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Serves the files under `dir` to every connection `listener` accepts, until
/// the runtime shuts down. A failed connection is logged and dropped.
pub async fn serve_dir(listener: TcpListener, dir: PathBuf) {
    let service = TowerToHyperService::new(tower_http::services::ServeDir::new(dir));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: back off rather than spin.
                tracing::warn!("the file server could not accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = service.clone();
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!("file server connection: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_a_file_a_byte_range_and_404_for_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.m3u8"), "#EXTM3U\n").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve_dir(listener, dir.path().to_path_buf()));
        let client = reqwest::Client::new();

        let whole = client
            .get(format!("{base}/index.m3u8"))
            .send()
            .await
            .unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.text().await.unwrap(), "#EXTM3U\n");

        let part = client
            .get(format!("{base}/index.m3u8"))
            .header("Range", "bytes=1-3")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(part.text().await.unwrap(), "EXT");

        let missing = client
            .get(format!("{base}/absent.ts"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    }
}
