//! Where things live on disk: the data dir (`--data-dir`, `VIGIL_DATA_DIR`, else the platform's
//! data dir, e.g. `~/.local/share/vigil`).

use std::path::{Path, PathBuf};

/// The data dir to use when none is given.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("vn", "vigil", "vigil")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".vigil"))
}

/// Cache of the simulator's encoded clips inside a data dir.
pub fn sim_clip_cache(data_dir: &Path) -> PathBuf {
    data_dir.join("sim-clips")
}
