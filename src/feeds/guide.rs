//! Guide refresh: fetch every guide source (conditional GET, streamed to a
//! file), then stream each through the XMLTV reader into one store import.
//!
//! Memory stays bounded whatever the guide's size: the download goes to disk
//! chunk by chunk, the reader emits one record at a time, and the import
//! writes each straight into the open transaction. The new guide appears all
//! at once on commit; any failure before that leaves the old one in place.
//!
//! Disk and time stay bounded too, whatever the server sends (`[downloads]`):
//! `net` cuts a download off past its size cap or whole-transfer deadline
//! and leaves nothing behind, and the reader refuses a document that
//! decompresses past its size or ratio cap (a gzip bomb) before the import
//! commits, so the previous guide stays.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use thiserror::Error;

use crate::guide::{DecompressLimits, GuideError, Record, open_decompressed_limited, read_xmltv};
use crate::net::{Fetched, HttpClient, Validators, is_remote};
use crate::store::{ImportStats, Store, StoreError};
use crate::trust::{Decision, FeedKind, TrustGate};

/// How to treat a source that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBadSource {
    /// Abort the whole import; the database stays as it was (`guide import`).
    Abort,
    /// Leave that source out and import the rest (the box's scheduled refresh).
    Skip,
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SourceOutcome {
    /// Read into the new guide; `note` says when that was the saved copy
    /// (not modified on the server, or the server could not be reached).
    Imported {
        programmes: usize,
        warnings: usize,
        note: Option<SavedCopy>,
    },
    /// Every source was unchanged, so nothing was imported.
    NotModified,
    Failed {
        message: String,
    },
}

/// Why a source's saved copy was read instead of a new download. In JSON,
/// the sentence `note` has always carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum SavedCopy {
    /// The server said the saved copy is current.
    NotModified,
    /// The download failed (the text names the URL and says why).
    Failed(String),
}

impl From<SavedCopy> for String {
    fn from(c: SavedCopy) -> String {
        match c {
            SavedCopy::NotModified => "not modified".into(),
            SavedCopy::Failed(why) => why,
        }
    }
}

/// One source's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: String,
    #[serde(flatten)]
    pub outcome: SourceOutcome,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub channels: usize,
    pub programmes: usize,
    pub seconds: f64,
    pub overlaps_trimmed: usize,
    pub overlaps_dropped: usize,
    pub pruned: usize,
    pub sources: Vec<SourceReport>,
    /// False when every source answered "not modified" and nothing was imported.
    pub imported: bool,
}

/// Why an import did not happen.
#[derive(Debug, Error)]
pub enum ImportError {
    /// A source could not be fetched or read (the message names it and where).
    #[error("{0}")]
    Source(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A source ready to read.
struct SourceFile {
    source: String,
    /// None: nothing to read (fetch failed and no saved copy).
    path: Option<PathBuf>,
    /// Validators to remember once the import commits.
    validators: Option<Validators>,
    /// Why the saved copy is read, or (with no path) why there is nothing.
    note: Option<SavedCopy>,
}

/// Where a source's downloaded copy is kept between refreshes: a readable,
/// stable name (the URL's letters and digits) plus a CRC-32 of the whole URL.
fn cached_copy(cache_dir: &Path, url: &str) -> PathBuf {
    let readable: String = url
        .chars()
        .skip_while(|c| *c != ':')
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    cache_dir.join(format!(
        "guide{}-{:08x}.xml",
        readable.trim_matches('_'),
        crc32fast::hash(url.as_bytes())
    ))
}

/// Fetches and imports `sources` (URLs or paths, in order of preference) into
/// the database at `db`. `history_start`: programmes that ended before it are pruned.
/// With `trust`, each downloaded guide is checked against its signature
/// before it replaces the saved copy; a rejected one is a failed source
/// (the saved, previously accepted copy is read instead).
pub async fn import_guides(
    http: &HttpClient,
    db: &Path,
    cache_dir: &Path,
    sources: &[String],
    on_bad: OnBadSource,
    history_start: i64,
    trust: Option<&TrustGate>,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| ImportError::Source(format!("{}: {e}", cache_dir.display())))?;
    let mut files = Vec::new();
    let mut any_new = false;
    for source in sources {
        if !is_remote(source) {
            let path = PathBuf::from(source.strip_prefix("file://").unwrap_or(source));
            files.push(SourceFile {
                source: source.clone(),
                path: Some(path),
                validators: None,
                note: None,
            });
            any_new = true;
            continue;
        }
        let copy = cached_copy(cache_dir, source);
        let known = if copy.exists() {
            let (db, url) = (db.to_path_buf(), source.clone());
            tokio::task::spawn_blocking(move || Store::open(&db).and_then(|s| s.validators(&url)))
                .await
                .map_err(|e| ImportError::Source(e.to_string()))??
        } else {
            Validators::default()
        };
        let file = match fetch_checked(http, trust, source, &known, &copy).await {
            Ok(Fetched::NotModified) => SourceFile {
                source: source.clone(),
                path: Some(copy),
                validators: None,
                note: Some(SavedCopy::NotModified),
            },
            Ok(Fetched::New((), v)) => {
                any_new = true;
                SourceFile {
                    source: source.clone(),
                    path: Some(copy),
                    validators: Some(v),
                    note: None,
                }
            }
            Err(e) if on_bad == OnBadSource::Abort => {
                return Err(ImportError::Source(e.to_string()));
            }
            Err(e) => {
                tracing::warn!("guide source {e}");
                let saved = copy.exists();
                SourceFile {
                    source: source.clone(),
                    path: saved.then_some(copy),
                    validators: None,
                    note: Some(SavedCopy::Failed(if saved {
                        format!("{e}; used the saved copy")
                    } else {
                        e.to_string()
                    })),
                }
            }
        };
        files.push(file);
    }
    if !any_new {
        let sources = files
            .into_iter()
            .map(|f| SourceReport {
                source: f.source,
                outcome: match (f.path, f.note) {
                    (_, Some(SavedCopy::Failed(message))) => SourceOutcome::Failed { message },
                    (Some(_), _) => SourceOutcome::NotModified,
                    (None, _) => SourceOutcome::Failed {
                        message: String::new(),
                    },
                },
            })
            .collect();
        let seconds = started.elapsed().as_secs_f64();
        return Ok(ImportReport {
            channels: 0,
            programmes: 0,
            seconds,
            overlaps_trimmed: 0,
            overlaps_dropped: 0,
            pruned: 0,
            sources,
            imported: false,
        });
    }
    let db = db.to_path_buf();
    let limits = DecompressLimits {
        max_output: http.limits().guide_max_xml_bytes,
        max_ratio: http.limits().guide_max_ratio,
    };
    let (stats, sources) = tokio::task::spawn_blocking(move || {
        import_files(&db, files, on_bad, history_start, limits)
    })
    .await
    .map_err(|e| ImportError::Source(e.to_string()))??;
    Ok(ImportReport {
        channels: stats.channels,
        programmes: stats.programmes,
        seconds: started.elapsed().as_secs_f64(),
        overlaps_trimmed: stats.overlaps_trimmed,
        overlaps_dropped: stats.overlaps_dropped,
        pruned: stats.pruned,
        sources,
        imported: true,
    })
}

/// Downloads `url` (conditional GET) and, with `trust`, checks it before it
/// replaces the saved copy at `copy`: the download lands beside it and is
/// renamed over it only when accepted. Errors name the URL.
async fn fetch_checked(
    http: &HttpClient,
    trust: Option<&TrustGate>,
    url: &str,
    known: &Validators,
    copy: &Path,
) -> Result<Fetched<()>, String> {
    let Some(gate) = trust else {
        return http
            .fetch_to_file(url, known, copy)
            .await
            .map_err(|e| e.to_string());
    };
    let mut staging = copy.as_os_str().to_owned();
    staging.push(".new");
    let staging = PathBuf::from(staging);
    match http.fetch_to_file(url, known, &staging).await {
        Ok(Fetched::NotModified) => {
            // The copy in force, checked again (its badge after a restart).
            gate.check_file(http, FeedKind::Guide, url, copy, false)
                .await;
            Ok(Fetched::NotModified)
        }
        Ok(Fetched::New((), v)) => {
            let decision = gate
                .check_file(http, FeedKind::Guide, url, &staging, true)
                .await;
            if let Decision::Rejected { why } = decision {
                let _ = std::fs::remove_file(&staging);
                return Err(format!("{url}: rejected: {why}"));
            }
            std::fs::rename(&staging, copy).map_err(|e| format!("{}: {e}", copy.display()))?;
            Ok(Fetched::New((), v))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Imports local guide files into `db` in one transaction, on this thread:
/// the same path the refresh takes after downloading (used by the benchmark).
pub fn import_paths(
    db: &Path,
    paths: &[PathBuf],
    on_bad: OnBadSource,
    history_start: i64,
) -> Result<ImportStats, ImportError> {
    let files = paths
        .iter()
        .map(|p| SourceFile {
            source: p.display().to_string(),
            path: Some(p.clone()),
            validators: None,
            note: None,
        })
        .collect();
    // The operator's own files, measured: no size or ratio cap.
    let unlimited = DecompressLimits {
        max_output: u64::MAX,
        max_ratio: u64::MAX,
    };
    import_files(db, files, on_bad, history_start, unlimited).map(|(stats, _)| stats)
}

/// Reads every file into one import (blocking; run off the async threads).
fn import_files(
    db: &Path,
    files: Vec<SourceFile>,
    on_bad: OnBadSource,
    history_start: i64,
    limits: DecompressLimits,
) -> Result<(ImportStats, Vec<SourceReport>), ImportError> {
    let mut store = Store::open(db)?;
    let result = import_into(&mut store, files, on_bad, history_start, limits);
    if result.is_err() {
        // The transaction rolled back, but its pages stay in the WAL file:
        // give the space back (the disk may be full because of them).
        store.release_wal();
    }
    result
}

/// [`import_files`] on an open store.
fn import_into(
    store: &mut Store,
    files: Vec<SourceFile>,
    on_bad: OnBadSource,
    history_start: i64,
    limits: DecompressLimits,
) -> Result<(ImportStats, Vec<SourceReport>), ImportError> {
    let mut reports = Vec::new();
    let mut remember = Vec::new();
    let stats = {
        let mut import = store.begin_guide_import()?;
        for file in files {
            let SourceFile {
                source,
                path,
                validators,
                note,
            } = file;
            let Some(path) = path else {
                reports.push(SourceReport {
                    source,
                    outcome: SourceOutcome::Failed {
                        message: note.map(String::from).unwrap_or_default(),
                    },
                });
                continue;
            };
            import.begin_source()?;
            let before = import.programmes_added();
            let result = read_into(&path, &source, limits, &mut import);
            match result {
                Ok(summary) => {
                    import.end_source(true)?;
                    for w in summary.warnings.iter().take(20) {
                        tracing::warn!("{source}: {w}");
                    }
                    let programmes = import.programmes_added() - before;
                    let warnings = summary.warnings.len();
                    remember.extend(validators.map(|v| (source.clone(), v)));
                    reports.push(SourceReport {
                        source,
                        outcome: SourceOutcome::Imported {
                            programmes,
                            warnings,
                            note,
                        },
                    });
                }
                Err(e) if on_bad == OnBadSource::Abort => return Err(ImportError::Source(e)),
                Err(e) => {
                    import.end_source(false)?;
                    tracing::warn!("guide source left out: {e}");
                    reports.push(SourceReport {
                        source,
                        outcome: SourceOutcome::Failed { message: e },
                    });
                }
            }
        }
        import.finish(history_start)?
    };
    let now = chrono::Utc::now().timestamp();
    for (url, v) in remember {
        store.set_validators(&url, &v, now)?;
    }
    match store.checkpoint_wal() {
        Ok(true) => {}
        Ok(false) => tracing::debug!("WAL checkpoint after the import: readers busy"),
        Err(e) => tracing::warn!("WAL checkpoint after the import: {e}"),
    }
    Ok((stats, reports))
}

/// Records handed from the parsing thread to the writer at a time.
const BATCH: usize = 512;

/// A record ready for the writer.
// Programmes are nearly every record; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum Ready {
    Channel(crate::guide::GuideChannel),
    Programme(crate::store::ProgrammeRow),
}

/// Parses `path` on its own thread, which also encodes each programme as a
/// row, while this thread writes them: on two cores, parsing and SQLite
/// overlap instead of taking turns. The channel holds a few batches only,
/// so memory stays bounded.
fn read_into(
    path: &Path,
    source: &str,
    limits: DecompressLimits,
    import: &mut crate::store::GuideImport<'_>,
) -> Result<crate::guide::ReadSummary, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Ready>>(8);
    let rows = import.row_maker();
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let stopped = || GuideError::Sink("the import stopped".into());
            let summary = read_file(path, source, limits, &mut |record| {
                batch.push(match record {
                    Record::Channel(c) => Ready::Channel(c),
                    Record::Programme(p) => Ready::Programme(rows.row(p)),
                });
                if batch.len() == BATCH {
                    tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .map_err(|_| stopped())?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                tx.send(batch)
                    .map_err(|_| "the import stopped".to_string())?;
            }
            Ok::<_, String>(summary)
        });
        let mut written = Ok(());
        for batch in rx {
            for record in batch {
                let r = match record {
                    Ready::Channel(c) => import.channel(&c),
                    Ready::Programme(row) => import.programme_row(&row),
                };
                if let Err(e) = r {
                    written = Err(e.to_string());
                    break;
                }
            }
            if written.is_err() {
                break; // dropping the receiver stops the parser
            }
        }
        let parsed = parser
            .join()
            .map_err(|_| format!("{source}: the guide reader crashed"))?;
        written?;
        parsed
    })
}

/// Streams one guide file (plain, .gz or .xz) through the XMLTV reader.
fn read_file(
    path: &Path,
    source: &str,
    limits: DecompressLimits,
    on_record: &mut dyn FnMut(Record) -> Result<(), GuideError>,
) -> Result<crate::guide::ReadSummary, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{source}: {e}"))?;
    let reader = open_decompressed_limited(file, limits).map_err(|e| format!("{source}: {e}"))?;
    read_xmltv(reader, source, on_record).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_copys_note_reads_in_json_as_it_always_has() {
        let outcome = |note| SourceOutcome::Imported {
            programmes: 3,
            warnings: 0,
            note,
        };
        let json = |o: SourceOutcome| serde_json::to_value(o).unwrap();
        assert_eq!(
            json(outcome(Some(SavedCopy::NotModified))),
            serde_json::json!({"status": "imported", "programmes": 3, "warnings": 0, "note": "not modified"})
        );
        let failed = SavedCopy::Failed("http://h/g.xml: refused; used the saved copy".into());
        assert_eq!(
            json(outcome(Some(failed)))["note"],
            "http://h/g.xml: refused; used the saved copy"
        );
        assert_eq!(json(outcome(None))["note"], serde_json::Value::Null);
    }

    #[test]
    fn an_import_leaves_the_write_ahead_log_empty() {
        use crate::headend::guide_gen::{GuideSpec, write_guide};
        let dir = tempfile::tempdir().unwrap();
        let guide = dir.path().join("guide.xml");
        let spec = GuideSpec {
            channels: 40,
            days: 2,
            start: 1_772_618_820,
            ..GuideSpec::default()
        };
        write_guide(&mut std::fs::File::create(&guide).unwrap(), &spec).unwrap();
        let db = crate::store::Store::path_in(dir.path());
        crate::store::Store::open(&db).unwrap();
        // The app's readers stay open (the last connection to close would
        // take the WAL away whatever the import did).
        let reader = crate::store::Store::open_reader(&db).unwrap();
        reader.setting("last_channel").unwrap();
        let stats = import_paths(&db, &[guide], OnBadSource::Abort, 0).unwrap();
        assert!(stats.programmes > 1000, "{stats:?}");
        // Without the checkpoint the WAL keeps the import's size until
        // SQLite's next automatic one (220 MB in the soak's guide).
        let wal = std::fs::metadata(db.with_extension("sqlite3-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "WAL bytes left after the import");
    }
}
