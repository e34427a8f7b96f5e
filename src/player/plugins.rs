//! GStreamer plugins the box carries its own builds of, and which one is in use.
//!
//! Two leaks of GStreamer 1.22.0 (Debian 12) grow with every zap (README
//! "Soak"); [`CARRIED`] names them. The fixes are patches to the plugins: the
//! box image builds GStreamer with the one upstream lacks
//! (`yocto-layer/recipes-multimedia/gstreamer/`), and on Debian
//! `platform/gstreamer/build-fixed-plugins.sh` (run by `make build`, `make
//! release` and `make test`) builds both plugins from Debian's own sources
//! with the patches into a directory of ours. [`prefer_fixed`] puts them in
//! place of the stock ones before any pipeline exists.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gstreamer as gst;

/// Where fixed builds are looked for, after `HUSTINGS_GST_PLUGINS`
/// (directories separated by `:`).
pub const FIXED_PLUGIN_DIRS: &[&str] = &[
    "/usr/local/lib/hustings/gstreamer-1.0",
    "/usr/lib/hustings/gstreamer-1.0",
];

/// What a fixed build says in its package name (`-Dpackage-name`), on Debian
/// and in the box image alike.
pub const FIXED_MARK: &str = "Hustings fixes";

/// The plugin that holds hlsdemux2 and dashdemux2.
pub const ADAPTIVE_DEMUX: &str = "adaptivedemux2";

/// A plugin whose stock 1.22.0 build leaks or hangs, and how.
pub struct Carried {
    pub plugin: &'static str,
    pub leak: &'static str,
    /// The first GStreamer release without the leak, if there is one.
    pub fixed_upstream_in: Option<(u32, u32, u32)>,
}

/// The plugins this project carries fixes for.
pub const CARRIED: &[Carried] = &[
    Carried {
        plugin: ADAPTIVE_DEMUX,
        leak: "hlsdemux2 stopped with a download in flight keeps its HTTP session, \
               connections and main contexts (about 1.4 descriptors per quick zap away from HLS); \
               a stop right after a start can hang",
        fixed_upstream_in: None,
    },
    Carried {
        plugin: "playback",
        leak: "each playbin3 leaves its soft-volume element behind (fixed in 1.22.3); \
               decodebin3 leaves an identity behind at every start (fixed in 1.22.10); \
               urisourcebin deadlocks a stop against a stream that is starting (narrowed \
               upstream in 1.22.11 and 1.24.0, not closed)",
        fixed_upstream_in: None,
    },
];

/// One plugin and where it was loaded from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginInUse {
    pub name: String,
    pub file: Option<PathBuf>,
    pub package: String,
    pub version: String,
    /// Built with the patches this project carries, or a release without the leak.
    pub fixed: bool,
}

/// The directories named by `HUSTINGS_GST_PLUGINS`, then [`FIXED_PLUGIN_DIRS`].
pub fn fixed_plugin_dirs() -> Vec<PathBuf> {
    let from_env = std::env::var_os("HUSTINGS_GST_PLUGINS")
        .map(|v| std::env::split_paths(&v).collect::<Vec<_>>())
        .unwrap_or_default();
    from_env
        .into_iter()
        .chain(FIXED_PLUGIN_DIRS.iter().map(PathBuf::from))
        .filter(|d| !d.as_os_str().is_empty())
        .collect()
}

/// Puts the fixed builds found in [`fixed_plugin_dirs`] in place of the stock
/// plugins of the same name, once per process, after `gst::init`. Returns the
/// plugins replaced (empty on later calls and where there are none).
pub fn prefer_fixed() -> &'static [PluginInUse] {
    static DONE: OnceLock<Vec<PluginInUse>> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut replaced = Vec::new();
        for dir in fixed_plugin_dirs() {
            match prefer_in(&dir) {
                Ok(mut r) => replaced.append(&mut r),
                Err(e) => tracing::warn!(dir = %dir.display(), "fixed GStreamer plugins not used: {e}"),
            }
        }
        for p in &replaced {
            tracing::info!(plugin = %p.name, file = ?p.file, "using the fixed build of a GStreamer plugin");
        }
        replaced
    })
}

/// Registers each `libgst*.so` of `dir` in place of the plugin of the same
/// file name. A directory that does not exist holds nothing. A file that is
/// no loadable plugin is an error naming it, and the stock plugin stays.
pub fn prefer_in(dir: &Path) -> Result<Vec<PluginInUse>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let registry = gst::Registry::get();
    let mut wanted = Vec::new();
    let mut failed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(name) = file
            .strip_prefix("libgst")
            .and_then(|f| f.strip_suffix(".so"))
        else {
            continue;
        };
        // Checked before the stock plugin goes: the registry cannot take a
        // removed plugin's elements back.
        if let Err(e) = loadable(&path, name) {
            failed.push(e);
            continue;
        }
        // The registry knows a plugin by its file's base name: the stock one
        // must go, or the scan below keeps it ("already registered").
        if let Some(stock) = registry.lookup(file)
            && stock.filename().as_deref() != Some(path.as_path())
        {
            registry.remove_plugin(&stock);
        }
        wanted.push(path);
    }
    if !wanted.is_empty() {
        registry.scan_path(dir);
    }
    let mut used = Vec::new();
    for path in wanted {
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        match registry
            .lookup(file)
            .filter(|p| p.filename().as_deref() == Some(path.as_path()))
        {
            Some(p) => used.push(describe(&p)),
            None => failed.push(format!("{}: GStreamer did not register it", path.display())),
        }
    }
    if failed.is_empty() {
        Ok(used)
    } else {
        Err(failed.join("; "))
    }
}

/// Whether `path` opens as a shared library with GStreamer's entry point for
/// the plugin `name` (`gst_plugin_<name>_get_desc`), as GStreamer loads it.
fn loadable(path: &Path, name: &str) -> Result<(), String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let symbol = CString::new(format!("gst_plugin_{}_get_desc", name.replace('-', "_")))
        .map_err(|e| e.to_string())?;
    // SAFETY: dlopen/dlsym/dlclose/dlerror with valid C strings; the handle is
    // closed before returning and nothing from the library is called.
    unsafe {
        let handle = libc::dlopen(c_path.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL);
        if handle.is_null() {
            let why = libc::dlerror();
            let why = if why.is_null() {
                "cannot be opened".to_string()
            } else {
                std::ffi::CStr::from_ptr(why).to_string_lossy().into_owned()
            };
            return Err(format!("{}: not a loadable plugin: {why}", path.display()));
        }
        let entry = libc::dlsym(handle, symbol.as_ptr());
        libc::dlclose(handle);
        if entry.is_null() {
            return Err(format!(
                "{}: not a GStreamer plugin named {name} (no {})",
                path.display(),
                symbol.to_string_lossy()
            ));
        }
    }
    Ok(())
}

/// The plugin of that name GStreamer will use, if any.
pub fn in_use(name: &str) -> Option<PluginInUse> {
    gst::Registry::get().find_plugin(name).map(|p| describe(&p))
}

fn describe(plugin: &gst::Plugin) -> PluginInUse {
    let file = plugin.filename();
    let package = plugin.package().to_string();
    let version = plugin.version().to_string();
    let name = plugin.plugin_name().to_string();
    let from_our_dir = file.as_deref().is_some_and(|f| {
        fixed_plugin_dirs()
            .iter()
            .any(|d| f.parent() == Some(d.as_path()))
    });
    let upstream_fixed = CARRIED
        .iter()
        .find(|c| c.plugin == name)
        .and_then(|c| c.fixed_upstream_in)
        .zip(parse_version(&version))
        .is_some_and(|(fixed_in, v)| v >= fixed_in);
    PluginInUse {
        fixed: from_our_dir || package.contains(FIXED_MARK) || upstream_fixed,
        name,
        file,
        package,
        version,
    }
}

/// The first release whose decodebin3 lets go of the identity element it
/// puts before each stream (upstream 03119a388c; `0005` of the Debian build).
pub const DECODEBIN3_IDENTITY_FIXED_IN: (u32, u32, u32) = (1, 22, 10);

/// Whether the decodebin3 in use leaves an identity element behind at every
/// start (then the player builds a fresh playbin3 now and then to bound them).
pub fn decodebin3_leaks_identities() -> bool {
    in_use("playback").is_some_and(|p| !identity_leak_fixed(&p))
}

fn identity_leak_fixed(p: &PluginInUse) -> bool {
    p.fixed || parse_version(&p.version).is_some_and(|v| v >= DECODEBIN3_IDENTITY_FIXED_IN)
}

/// "1.22.12" (or "1.22.12.1") as (1, 22, 12).
fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_holds_nothing_and_a_stock_plugin_is_described_as_stock() {
        gst::init().unwrap();
        assert_eq!(
            prefer_in(Path::new("/nonexistent/hustings-plugins")),
            Ok(vec![])
        );
        // coreelements is never one of ours.
        let core = in_use("coreelements").expect("GStreamer's core plugin");
        assert!(!core.fixed, "{core:?}");
        assert!(core.file.is_some());
    }

    #[test]
    fn a_release_with_the_upstream_fix_counts_as_fixed() {
        assert_eq!(parse_version("1.22.12"), Some((1, 22, 12)));
        assert_eq!(parse_version("1.24.0.1"), Some((1, 24, 0)));
        assert_eq!(parse_version("1.22"), None);
        assert!(Some((1, 24, 2)) >= Some((1, 24, 0)));
        assert!((1, 22, 12) < (1, 24, 0));
    }

    #[test]
    fn decodebin3_leaks_identities_in_stock_builds_before_1_22_10_only() {
        let playback = |version: &str, fixed: bool| PluginInUse {
            name: "playback".into(),
            file: None,
            package: "GStreamer Base Plugins (Debian)".into(),
            version: version.into(),
            fixed,
        };
        assert!(!identity_leak_fixed(&playback("1.22.0", false)));
        assert!(!identity_leak_fixed(&playback("1.22.9", false)));
        assert!(identity_leak_fixed(&playback("1.22.0", true)));
        assert!(identity_leak_fixed(&playback("1.22.10", false)));
        assert!(identity_leak_fixed(&playback("1.24.12", false)));
    }

    #[test]
    fn a_file_that_is_not_a_plugin_is_reported_with_its_path() {
        gst::init().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bogus = dir.path().join("libgsthustingsbogus.so");
        std::fs::write(&bogus, b"not an ELF file").unwrap();
        let err = prefer_in(dir.path()).unwrap_err();
        assert!(err.contains("libgsthustingsbogus.so"), "{err}");
    }

    #[test]
    fn a_broken_build_leaves_the_stock_plugin_in_use() {
        gst::init().unwrap();
        let stock = in_use("coreelements").expect("GStreamer's core plugin");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libgstcoreelements.so"), b"truncated").unwrap();
        let err = prefer_in(dir.path()).unwrap_err();
        assert!(err.contains("libgstcoreelements.so"), "{err}");
        assert_eq!(in_use("coreelements").map(|p| p.file), Some(stock.file));
        assert!(gst::ElementFactory::make("queue").build().is_ok());
        // A real plugin under another plugin's name is refused too.
        let other = dir.path().join("libgstcoreelements.so");
        std::fs::copy(in_use("playback").unwrap().file.unwrap(), &other).unwrap();
        let err = prefer_in(dir.path()).unwrap_err();
        assert!(err.contains("gst_plugin_coreelements_get_desc"), "{err}");
    }
}
