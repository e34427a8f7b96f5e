//! The demo headend's catch-up service: an HLS playlist of a channel's
//! recorded segments from a start time, so a box can restart a programme or
//! play one that has ended, as it would from a real provider's archive.
//!
//! The channels' HLS segments (1 s each) are kept for [`RETAINED_SECONDS`];
//! `GET /catchup/<channel>/index.m3u8?utc=START&duration=SECONDS` lists those
//! written from START on: a VOD playlist when START + SECONDS has passed, else
//! an EVENT playlist that grows until then. Segment times are the files'
//! modification times (each is written when it ends).

use std::path::Path;
use std::time::UNIX_EPOCH;

/// How far back the demo can go (the segments hlssink2 keeps).
pub const RETAINED_SECONDS: u32 = 600;

/// The lineup attributes that offer this service for channel `id`.
pub fn lineup_attributes(base_url: &str, id: &str) -> String {
    format!(
        " catchup=\"default\" catchup-days=\"1\" catchup-source=\"{base_url}catchup/{id}/index.m3u8?utc={{utc}}&duration={{duration}}\""
    )
}

/// Why there is no catch-up playlist.
#[derive(Debug, thiserror::Error)]
pub enum CatchupError {
    #[error("no recordings in {dir}: {source}")]
    NoRecordings {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("nothing recorded from {utc} (the demo keeps the last {RETAINED_SECONDS} s)")]
    NotRecorded { utc: i64 },
}

/// The playlist for `dir`'s segments from `utc` for `duration` seconds, or
/// why there is none.
pub fn playlist(
    dir: &Path,
    hls_path: &str,
    utc: i64,
    duration: i64,
    now: i64,
) -> Result<String, CatchupError> {
    let mut segments: Vec<(String, i64)> = std::fs::read_dir(dir)
        .map_err(|source| CatchupError::NoRecordings {
            dir: dir.to_path_buf(),
            source,
        })?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            let written = entry
                .metadata()
                .ok()?
                .modified()
                .ok()?
                .duration_since(UNIX_EPOCH)
                .ok()?
                .as_secs() as i64;
            (name.ends_with(".ts")).then_some((name, written))
        })
        .collect();
    segments.sort();
    let end = utc.saturating_add(duration.max(1));
    // A segment ending at or after the start holds the start; one ending
    // more than a segment after the end is past the programme.
    let chosen: Vec<&(String, i64)> = segments
        .iter()
        .filter(|(_, written)| *written >= utc && *written <= end + 1)
        .collect();
    if chosen.is_empty() {
        return Err(CatchupError::NotRecorded { utc });
    }
    // A programme still on air (a restart asks up to "now") grows as an
    // EVENT playlist; only one that ended before the request is VOD.
    let finished = end + 2 < now;
    let mut out = String::from(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n",
    );
    out.push_str(if finished {
        "#EXT-X-PLAYLIST-TYPE:VOD\n"
    } else {
        "#EXT-X-PLAYLIST-TYPE:EVENT\n"
    });
    for (name, _) in chosen {
        out.push_str(&format!("#EXTINF:1.000,\n{hls_path}{name}\n"));
    }
    if finished {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_from_the_start_time_make_the_playlist() {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        // Segments written (ended) 6, 5 and 4 seconds ago.
        for i in 0..3u64 {
            let path = dir.path().join(format!("seg0000{i}.ts"));
            std::fs::write(&path, b"x").unwrap();
            let written = UNIX_EPOCH + std::time::Duration::from_secs(now as u64 - 6 + i);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(written)
                .unwrap();
        }
        let running = playlist(dir.path(), "/hls/a/", now - 6, 3600, now).unwrap();
        assert!(running.contains("#EXT-X-PLAYLIST-TYPE:EVENT"), "{running}");
        assert!(!running.contains("ENDLIST"));
        assert_eq!(running.matches("/hls/a/seg").count(), 3);
        let ended = playlist(dir.path(), "/hls/a/", now - 6, 1, now).unwrap();
        assert!(ended.contains("#EXT-X-ENDLIST"), "{ended}");
        assert_eq!(
            ended.matches("/hls/a/seg").count(),
            3,
            "up to the segment ending a second after the end"
        );
        let err = playlist(dir.path(), "/hls/a/", now + 100, 60, now).unwrap_err();
        assert!(err.to_string().contains("nothing recorded"), "{err}");
        let restart = playlist(dir.path(), "/hls/a/", now - 6, 6, now).unwrap();
        assert!(
            !restart.contains("ENDLIST"),
            "a restart up to now keeps growing"
        );
        let missing = playlist(&dir.path().join("none"), "/hls/a/", now, 5, now).unwrap_err();
        assert!(missing.to_string().contains("none"), "{missing}");
    }
}
