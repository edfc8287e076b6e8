//! One recorder per data dir: an exclusive `flock` on `<data>/recorder.lock`, released by the
//! kernel when the process ends (even by `kill -9`), holding the owner's pid for messages.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

pub const LOCK_FILE_NAME: &str = "recorder.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{dir} is already being recorded by another Vigil process{}", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error("cannot open the recorder lock {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Held while this process records the data dir.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, LockError> {
        let path = data_dir.join(LOCK_FILE_NAME);
        crate::paths::create_data_dir(data_dir).map_err(|source| LockError::Io { path: path.clone(), source })?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| LockError::Io { path: path.clone(), source })?;
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(LockError::Held { dir: data_dir.to_path_buf(), pid: holder_pid(&mut file) });
            }
            return Err(LockError::Io { path, source: err });
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Self { _file: file })
    }

    /// The pid of the process recording `data_dir`, if one does.
    pub fn holder(data_dir: &Path) -> Option<u32> {
        match Self::acquire(data_dir) {
            Err(LockError::Held { pid, .. }) => pid.or(Some(0)),
            _ => None,
        }
    }
}

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_dir_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, LockError::Held { pid: Some(p), .. } if p == std::process::id()), "{err}");
        assert!(err.to_string().contains("already being recorded"), "{err}");
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again once released");
    }
}
