//! Where things live on disk: the data dir (`--data-dir`, `VIGIL_DATA_DIR`, else the platform's
//! data dir, e.g. `~/.local/share/vigil`).

use std::path::{Path, PathBuf};

/// The data dir to use when none is given.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("vn", "vigil", "vigil").map(|d| d.data_dir().to_path_buf()).unwrap_or_else(|| PathBuf::from(".vigil"))
}

/// Creates a data dir (and missing parents) private to its user (0700): it holds camera
/// passwords and recordings. An existing dir keeps its mode (an installation may share it
/// through a group).
pub fn create_data_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Cache of the simulator's encoded clips inside a data dir.
pub fn sim_clip_cache(data_dir: &Path) -> PathBuf {
    data_dir.join("sim-clips")
}
