//! Atomic file output: write beside the target under a temporary name, then rename (a
//! device or pipe named as the output, `/dev/null` or `/dev/stdout`, is written in place).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Makes the output folder `dir` (and its parents) and checks that a file can be written in
/// it, so that an unwritable output fails before an analysis, not after it.
///
/// # Errors
/// [`Error::Write`] when `dir` exists and is not a folder, or cannot be made or written in.
pub fn output_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::write(dir, "exists and is not a folder"));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e.to_string()))?;
    let probe = dir.join(".write-test");
    write(&probe, b"")?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// A file being written; it appears at its final path only when [`AtomicFile::commit`] is
/// called, and is removed if dropped before that.
pub struct AtomicFile {
    target: PathBuf,
    /// The temporary file; `None` when the target is a device or pipe, written in place.
    tmp: Option<PathBuf>,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file next to `target` (same directory, so the rename is atomic).
    ///
    /// # Errors
    /// [`Error::Write`] when the directory does not exist or is not writable.
    pub fn create(target: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if target.is_dir() {
            return Err(Error::write(target, "is a directory"));
        }
        // A device or pipe (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written to:
        // renaming a file onto it would replace the device node itself (as root, `/dev/null`
        // became an ordinary file), or fail for want of a writable `/dev`.
        if std::fs::metadata(target).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(|e| Error::write(target, e.to_string()))?;
            return Ok(AtomicFile {
                target: target.to_path_buf(),
                tmp: None,
                writer: Some(BufWriter::new(file)),
            });
        }
        let name = target
            .file_name()
            .ok_or_else(|| Error::write(target, "no file name"))?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&tmp).map_err(|e| Error::write(target, e.to_string()))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp: Some(tmp),
            writer: Some(BufWriter::new(file)),
        })
    }

    /// The buffered writer of the temporary file.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("writer is present until commit")
    }

    /// Flushes, syncs and renames the temporary file onto the target.
    ///
    /// # Errors
    /// [`Error::Write`] when flushing, syncing or renaming fails.
    pub fn commit(mut self) -> Result<()> {
        let writer = self.writer.take().expect("writer is present until commit");
        let file = writer
            .into_inner()
            .map_err(|e| Error::write(&self.target, e.to_string()))?;
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        file.sync_all()
            .map_err(|e| Error::write(&self.target, e.to_string()))?;
        std::fs::rename(&tmp, &self.target).map_err(|e| Error::write(&self.target, e.to_string()))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some()
            && let Some(tmp) = &self.tmp
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
///
/// # Errors
/// [`Error::Write`] on any failure; the target is then untouched.
pub fn write(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.writer()
        .write_all(bytes)
        .map_err(|e| Error::write(target, e.to_string()))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_pipe_named_as_the_output_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let reader = std::thread::spawn({
            let fifo = fifo.clone();
            move || std::fs::read(fifo).unwrap()
        });
        write(&fifo, b"through the pipe").unwrap();
        // Checked before the join: a pipe renamed over would leave the reader waiting.
        let kind = std::fs::metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe was replaced");
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaces_only_on_commit_and_cleans_up_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.writer().write_all(b"half").unwrap();
            // Dropped without commit: an interrupted write.
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
        write(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn unwritable_target_fails_at_create() {
        let e = AtomicFile::create(Path::new("/nonexistent-dir/out.wav"))
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with("/nonexistent-dir/out.wav: cannot write")
        );
    }
}
