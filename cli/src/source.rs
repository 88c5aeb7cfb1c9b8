//! Where input comes from: a file, or standard input (`-`), and the errors of reading it.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Cursor, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::digest::{Digest, Hashing};

/// Something wrong with the input: the file it is in, where in it (line and column, when
/// known), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's name as given (`standard input` for `-`).
    pub file: String,
    /// The line and column (1-based), when the fault has a place.
    pub at: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// A fault of `file` as a whole.
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            at: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(
                f,
                "{}: line {line}, column {column}: {}",
                self.file, self.message
            ),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// `message` without serde_json's trailing ` at line L column C`.
pub fn strip_position(message: &str) -> &str {
    let Some(cut) = message.rfind(" at line ") else {
        return message;
    };
    let tail = &message[cut + " at line ".len()..];
    let mut parts = tail.split(' ');
    let well_formed = matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(line), Some("column"), Some(column), None)
            if line.bytes().all(|b| b.is_ascii_digit()) && column.bytes().all(|b| b.is_ascii_digit())
    );
    if well_formed {
        &message[..cut]
    } else {
        message
    }
}

/// One input: a file, or standard input read into memory (so that it can be read twice).
#[derive(Clone)]
pub struct Source {
    name: String,
    data: Data,
}

#[derive(Clone)]
enum Data {
    File(PathBuf),
    Memory(Rc<Vec<u8>>),
}

/// Makes [`Source`]s from command-line paths, reading standard input at most once.
#[derive(Default)]
pub struct Sources {
    stdin_used: bool,
}

/// How large an input must be for a progress line to show (on a terminal only).
const PROGRESS_THRESHOLD: u64 = 32 << 20;

impl Sources {
    /// The source `path` names: `-` is standard input, read into memory now.
    ///
    /// # Errors
    ///
    /// Standard input named twice, or unreadable.
    pub fn source(&mut self, path: &Path) -> Result<Source, InputError> {
        if path.as_os_str() != "-" {
            return Ok(Source {
                name: path.display().to_string(),
                data: Data::File(path.to_owned()),
            });
        }
        let name = "standard input";
        if self.stdin_used {
            return Err(InputError::new(
                name,
                "`-` is given twice; standard input can be read only once",
            ));
        }
        self.stdin_used = true;
        let mut bytes = Vec::new();
        let stdin = io::stdin();
        let mut reader = Progressing::new(stdin.lock(), name, None);
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| InputError::new(name, format!("cannot read: {e}")))?;
        Ok(Source {
            name: name.to_owned(),
            data: Data::Memory(Rc::new(bytes)),
        })
    }
}

impl Source {
    /// A source over bytes in memory (for tests and generated input).
    #[cfg(test)]
    pub fn memory(name: &str, bytes: Vec<u8>) -> Self {
        Self {
            name: name.to_owned(),
            data: Data::Memory(Rc::new(bytes)),
        }
    }

    /// The name errors and output use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A buffered reader over the whole input, feeding `digest` when given, with a progress
    /// line on a terminal when the input is large.
    ///
    /// # Errors
    ///
    /// The file cannot be opened.
    pub fn open<'a>(
        &'a self,
        digest: Option<&'a mut Digest>,
    ) -> Result<BufReader<Box<dyn Read + 'a>>, InputError> {
        let raw: Box<dyn Read + 'a> = match &self.data {
            Data::File(path) => {
                let file = File::open(path).map_err(|e| self.io_error(&e))?;
                let len = file.metadata().ok().map(|m| m.len());
                if file.metadata().is_ok_and(|m| m.is_dir()) {
                    return Err(InputError::new(&self.name, "is a directory, not a file"));
                }
                Box::new(Progressing::new(file, &self.name, len))
            }
            Data::Memory(bytes) => Box::new(Cursor::new(bytes.as_slice())),
        };
        let hashed: Box<dyn Read + 'a> = match digest {
            Some(digest) => Box::new(Hashing::new(raw, digest)),
            None => raw,
        };
        Ok(BufReader::with_capacity(256 << 10, hashed))
    }

    /// An error reading this source.
    pub fn io_error(&self, error: &io::Error) -> InputError {
        let message = match error.kind() {
            io::ErrorKind::NotFound => "no such file".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => format!("cannot read: {error}"),
        };
        InputError::new(&self.name, message)
    }
}

/// A reader that shows how much of a large input has been read, on standard error, when that
/// is a terminal. Nothing is shown for small inputs, or when standard error is not a terminal.
struct Progressing<'n, R> {
    inner: R,
    name: &'n str,
    total: Option<u64>,
    read: u64,
    shown: bool,
    enabled: bool,
    next_update: Instant,
}

impl<'n, R> Progressing<'n, R> {
    fn new(inner: R, name: &'n str, total: Option<u64>) -> Self {
        let terminal = io::stderr().is_terminal();
        Self {
            inner,
            name,
            total,
            read: 0,
            shown: false,
            enabled: terminal && total.is_none_or(|t| t >= PROGRESS_THRESHOLD),
            next_update: Instant::now() + Duration::from_millis(300),
        }
    }

    fn show(&mut self) {
        let mb = |bytes: u64| bytes / 1_000_000;
        let line = match self.total {
            Some(total) if total > 0 => format!(
                "reading {}: {} of {} MB ({}%)",
                self.name,
                mb(self.read),
                mb(total),
                self.read.saturating_mul(100) / total
            ),
            _ => format!("reading {}: {} MB", self.name, mb(self.read)),
        };
        let mut stderr = io::stderr().lock();
        // Progress is a courtesy: a failure to show it is not an error.
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
        self.shown = true;
    }
}

impl<R: Read> Read for Progressing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.enabled {
            let now = Instant::now();
            if now >= self.next_update {
                self.next_update = now + Duration::from_millis(200);
                self.show();
            }
        }
        Ok(n)
    }
}

impl<R> Drop for Progressing<'_, R> {
    fn drop(&mut self) {
        if self.shown {
            let mut stderr = io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_positions_are_stripped_only_when_they_are_serdes() {
        assert_eq!(
            strip_position("expected `,` or `}` at line 3 column 15"),
            "expected `,` or `}`"
        );
        assert_eq!(strip_position("seen at line 3"), "seen at line 3");
        assert_eq!(strip_position("no position"), "no position");
    }
}
