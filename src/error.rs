//! One error type for the whole tool: every variant names the file it concerns and the problem.

use std::path::{Path, PathBuf};

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, each with the path it concerns.
///
/// The `Display` form is the one line the user sees: `<path>: <problem>`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all (missing, a directory, permissions, I/O failure).
    #[error("{}: {problem}", path.display())]
    Read {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong, in words.
        problem: String,
    },
    /// The file was read but is not media we can use (empty, truncated, corrupt, not media).
    #[error("{}: {problem}", path.display())]
    Media {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong, in words.
        problem: String,
    },
    /// The container opened but its audio codec has no decoder in this build.
    #[error("{}: unsupported audio codec '{codec}'; {hint}", path.display())]
    UnsupportedCodec {
        /// The file concerned.
        path: PathBuf,
        /// Codec name as probed.
        codec: String,
        /// How to get a decoder for it.
        hint: String,
    },
    /// A transcript could not be used (encoding, broken timing, impossible times).
    #[error("{}{}: {problem}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Transcript {
        /// The transcript file.
        path: PathBuf,
        /// 1-based line of the problem, when it has one.
        line: Option<usize>,
        /// What went wrong, in words.
        problem: String,
    },
    /// An output could not be written.
    #[error("{}: cannot write: {problem}", path.display())]
    Write {
        /// The output path.
        path: PathBuf,
        /// What went wrong, in words.
        problem: String,
    },
}

impl Error {
    /// An input-side media problem for `path`.
    pub fn media(path: &Path, problem: impl Into<String>) -> Self {
        Error::Media {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// An input-side read problem for `path`, from an I/O error.
    pub fn read(path: &Path, err: &std::io::Error) -> Self {
        let problem = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "is a directory, not a media file".to_string(),
            _ => err.to_string(),
        };
        Error::Read {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// A transcript problem at `line` (1-based) of `path`.
    pub fn transcript(path: &Path, line: Option<usize>, problem: impl Into<String>) -> Self {
        Error::Transcript {
            path: path.to_path_buf(),
            line,
            problem: problem.into(),
        }
    }

    /// An output-side problem for `path`.
    pub fn write(path: &Path, problem: impl Into<String>) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// The process exit code this error maps to (2 for every input or output problem,
    /// following ripgrep's convention that 2 means "error").
    pub fn exit_code(&self) -> i32 {
        2
    }
}
